-- Workers claim jobs through jobs_claim(), which walks jobs_runnable in
-- its order whatever PostgreSQL's statistics say.
--
-- The claim reads the pending jobs of some kinds, the most urgent first,
-- a few at a time.  Planned as a plain statement, it was only as good as
-- the statistics on jobs: after a burst of jobs that autovacuum had not
-- analyzed yet (a bulk enqueue, a newsletter's sends, a busy table whose
-- 10% threshold is far off), the planner took the pending rows for one
-- or none and chose to read every pending job of those kinds through
-- jobs_state_kind and sort them, for each claim of 8.  Measured with
-- 40,000 jobs enqueued at once: 32 ms a claim and 2,000 jobs/s, against
-- 0.03 ms walking jobs_runnable.  The walk is the right plan for any
-- number of pending jobs (it stops after the first few it can lock), so
-- the function forbids sorting and the planner is left with it.

CREATE FUNCTION jobs_claim(n int, worker text, lease_ms bigint, kinds text[])
    RETURNS TABLE (id bigint, kind text, payload text, attempts int,
                   max_attempts int)
    LANGUAGE plpgsql VOLATILE SET enable_sort = off AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH next AS (
        SELECT p.id FROM jobs p
         WHERE p.state = 'pending' AND p.run_at <= now()
           AND p.kind = ANY (kinds)
         ORDER BY p.priority DESC, p.run_at, p.id
         LIMIT n
           FOR UPDATE SKIP LOCKED)
    UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
           locked_by = worker,
           locked_until = now() + lease_ms * interval '1 ms',
           updated_at = now()
      FROM next WHERE j.id = next.id
    RETURNING j.id, j.kind, j.payload::text, j.attempts, j.max_attempts;
END $$;
