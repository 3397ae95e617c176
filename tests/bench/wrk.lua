-- wrk script for tests/bench/run.sh.
--
--   wrk ... -s wrk.lua URL                  the URL's path, every request
--   wrk ... -s wrk.lua URL -- PREFIX LO HI  PREFIX..id for ids from LO to
--                                           HI, in a shuffled order that
--                                           differs per thread
--   wrk ... -s wrk.lua URL -- @FILE [AT THREADS]
--                                           the request paths of FILE, one
--                                           a line, in the file's order;
--                                           thread t of THREADS starts at
--                                           the fraction AT + t / THREADS
--                                           of the file (default 0, 1)
--   wrk ... -s wrk.lua URL -- POST PATH BODY
--                                           POST of a JSON body, every
--                                           request
--
-- Headers given with -H go with every request.  At the end it prints one
-- line for run.sh to read:
--   wrk-result requests=N seconds=S rps=R p50_us=P p99_us=P non2xx=N errors=N

local paths = nil
local next_path = 1
local threads_made = 0

-- Each thread learns its number as the global thread_no.
function setup(thread)
	thread:set("thread_no", threads_made)
	threads_made = threads_made + 1
end

-- The request of each line of a file; each thread starts at its own
-- place in it, so that threads do not ask the same things in step.
local function from_file(name, at, threads)
	local f = assert(io.open(name, "r"))
	local list = {}
	for line in f:lines() do
		if line ~= "" then
			list[#list + 1] = wrk.format("GET", line)
		end
	end
	f:close()
	assert(#list > 0, name .. " has no request")
	next_path = 1 + math.floor(#list * (at + (thread_no or 0) / threads))
	    % #list
	return list
end

function init(args)
	if #args >= 1 and args[1]:sub(1, 1) == "@" then
		paths = from_file(args[1]:sub(2), tonumber(args[2] or "0"),
		    tonumber(args[3] or "1"))
		return
	end
	if #args == 3 and args[1] == "POST" then
		local headers = {}
		for k, v in pairs(wrk.headers) do
			headers[k] = v
		end
		headers["Content-Type"] = "application/json"
		paths = { wrk.format("POST", args[2], headers, args[3]) }
		return
	end
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
