-- wrk script for tests/bench/run.sh.
--
--   wrk ... -s wrk.lua URL                  the URL's path, every request
--   wrk ... -s wrk.lua URL -- PREFIX LO HI  PREFIX..id for ids from LO to
--                                           HI, in a shuffled order that
--                                           differs per thread
--
-- At the end it prints one line for run.sh to read:
--   wrk-result requests=N seconds=S rps=R p50_us=P p99_us=P non2xx=N errors=N

local paths = nil
local next_path = 1
local thread_no = 0

function setup(thread)
	thread:set("thread_no", thread_no)
	thread_no = thread_no + 1
end

function init(args)
	if #args < 3 then
		return
	end
	local prefix, lo, hi = args[1], tonumber(args[2]), tonumber(args[3])
	-- A shuffled list of requests, built once: calling wrk.format for
	-- each request would cost wrk's own CPU, which this machine shares
	-- with the server.
	math.randomseed(1000 + (thread_no or 0))
	local ids = {}
	for id = lo, hi do
		ids[#ids + 1] = id
	end
	for i = #ids, 2, -1 do
		local j = math.random(i)
		ids[i], ids[j] = ids[j], ids[i]
	end
	paths = {}
	for i, id in ipairs(ids) do
		paths[i] = wrk.format("GET", prefix .. id)
	end
end

function request()
	if paths == nil then
		return wrk.request()
	end
	local r = paths[next_path]
	next_path = next_path % #paths + 1
	return r
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("wrk-result requests=%d seconds=%.3f rps=%.1f "
	    .. "p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
	    summary.requests, summary.duration / 1e6,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(99), e.status,
	    e.connect + e.read + e.write + e.timeout))
end
