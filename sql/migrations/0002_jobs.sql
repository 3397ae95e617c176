-- The job queue and the schedules of periodic work (DESIGN §5).

CREATE TABLE jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
    payload       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    priority      smallint NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100),
    run_at        timestamptz NOT NULL DEFAULT now(),
    attempts      int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts  int NOT NULL DEFAULT 10 CHECK (max_attempts BETWEEN 1 AND 100),
    -- While pending, a second job with the same key is not enqueued.
    unique_key    text CHECK (char_length(unique_key) BETWEEN 1 AND 200),
    -- The worker holding a running job, and until when: past that, the
    -- job is taken up again (its worker is presumed dead).
    locked_by     text,
    locked_until  timestamptz,
    last_error    text,
    -- Every failed attempt: [{"attempt", "at", "error"}], most recent last.
    errors        jsonb NOT NULL DEFAULT '[]',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    CHECK ((state = 'running') = (locked_until IS NOT NULL)),
    CHECK ((state IN ('done', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);

-- What workers claim: small, as only pending jobs are in it.
CREATE INDEX jobs_runnable ON jobs (priority DESC, run_at, id) WHERE state = 'pending';
-- Leases to rescue.
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_unique_pending ON jobs (unique_key)
    WHERE state = 'pending' AND unique_key IS NOT NULL;
-- Staff lists by state and kind, newest first; pruning by age.
CREATE INDEX jobs_state_kind ON jobs (state, kind, id DESC);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Every job is inserted, updated twice and deleted: vacuum early and
-- often so that claims never wade through dead rows.
ALTER TABLE jobs SET (
    fillfactor = 70,
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0.01,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0
);

-- Periodic work.  spec is one of:
--   every N{s,m,h,d}       every 30s, every 5m
--   hourly :MM             hourly :15
--   daily HH:MM            daily 02:00
--   weekly DAY HH:MM       weekly mon 09:30
--   monthly D HH:MM        monthly 1 03:00 (D from 1 to 28)
-- read in the schedule's time zone.
CREATE FUNCTION schedule_next(spec text, tz text, after timestamptz)
    RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
    m      text[];
    local  timestamp := after AT TIME ZONE tz;
    cand   timestamp;
    at     interval;
BEGIN
    m := regexp_match(spec, '^every ([1-9][0-9]{0,5})(s|m|h|d)$');
    IF m IS NOT NULL THEN
        RETURN after + make_interval(
            secs => CASE m[2] WHEN 's' THEN m[1]::int ELSE 0 END,
            mins => CASE m[2] WHEN 'm' THEN m[1]::int ELSE 0 END,
            hours => CASE m[2] WHEN 'h' THEN m[1]::int ELSE 0 END,
            days => CASE m[2] WHEN 'd' THEN m[1]::int ELSE 0 END);
    END IF;
    m := regexp_match(spec, '^hourly :([0-5][0-9])$');
    IF m IS NOT NULL THEN
        cand := date_trunc('hour', local) + make_interval(mins => m[1]::int);
        IF cand <= local THEN cand := cand + interval '1 hour'; END IF;
        RETURN cand AT TIME ZONE tz;
    END IF;
    m := regexp_match(spec,
        '^(daily|weekly (mon|tue|wed|thu|fri|sat|sun)|monthly ([1-9]|1[0-9]|2[0-8])) ([01][0-9]|2[0-3]):([0-5][0-9])$');
    IF m IS NULL THEN
        RAISE invalid_parameter_value USING
            MESSAGE = format('unknown schedule "%s": use every N{s,m,h,d}, '
                'hourly :MM, daily HH:MM, weekly DAY HH:MM or monthly D HH:MM', spec);
    END IF;
    at := make_interval(hours => m[4]::int, mins => m[5]::int);
    IF m[1] = 'daily' THEN
        cand := date_trunc('day', local) + at;
        IF cand <= local THEN cand := cand + interval '1 day'; END IF;
    ELSIF m[2] IS NOT NULL THEN
        cand := date_trunc('day', local) + at + make_interval(days =>
            ((array_position(ARRAY['mon','tue','wed','thu','fri','sat','sun'], m[2])
              - extract(isodow FROM local)::int + 7) % 7));
        IF cand <= local THEN cand := cand + interval '7 days'; END IF;
    ELSE
        cand := date_trunc('month', local) + make_interval(days => m[3]::int - 1) + at;
        IF cand <= local THEN cand := cand + interval '1 month'; END IF;
    END IF;
    RETURN cand AT TIME ZONE tz;
END $$;

CREATE TABLE schedules (
    name         text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_.]*$'),
    kind         text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}',
    spec         text NOT NULL,
    timezone     text NOT NULL DEFAULT 'Asia/Kolkata',
    enabled      boolean NOT NULL DEFAULT true,
    next_run_at  timestamptz NOT NULL,
    last_run_at  timestamptz,
    last_job_id  bigint,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (schedule_next(spec, timezone, '2000-01-01 00:00+00') IS NOT NULL)
);

CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled;
