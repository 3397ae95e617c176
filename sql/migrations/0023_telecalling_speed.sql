-- Tele-calling's hot path, cheaper: the next lead, a call and its
-- disposition run once per agent every few seconds all day.
--
-- The JSON shapes a step answers with were SQL functions that PostgreSQL
-- cannot inline (they hold subqueries), and such a function's body is
-- parsed and planned again on every statement that calls it: building a
-- lead card planned some twenty queries each time, more than choosing the
-- lead.  As PL/pgSQL functions they keep their plans for the connection's
-- life.  The results are the same (tele_call_json as 0022 left it).

CREATE OR REPLACE FUNCTION tele_lead_json(l leads) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object('id', l.id, 'name', l.name, 'phone', l.phone,
        'alt_phone', l.alt_phone, 'email', l.email, 'language', l.language,
        'region_id', l.region_id,
        'region_name', (SELECT name FROM regions WHERE id = l.region_id),
        'pincode', l.pincode, 'timezone', l.timezone,
        'local_time', to_char(now() AT TIME ZONE l.timezone, 'HH24:MI'),
        'source', l.source, 'interest', l.interest, 'tags', to_jsonb(l.tags),
        'score', l.score, 'priority', l.priority, 'status', l.status,
        'queue_id', l.queue_id,
        'queue_name', (SELECT name FROM queues WHERE id = l.queue_id),
        'owner_id', l.owner_id,
        'owner_name', (SELECT name FROM users WHERE id = l.owner_id),
        'custom', l.custom, 'user_id', l.user_id, 'attempts', l.attempts,
        'next_call_at', tele_ts(l.next_call_at), 'held_by', l.held_by,
        'held_until', tele_ts(l.held_until), 'sla_due_at', tele_ts(l.sla_due_at),
        'sla_breached', l.sla_due_at IS NOT NULL
            AND coalesce(l.first_contact_at, now()) > l.sla_due_at,
        'first_contact_at', tele_ts(l.first_contact_at),
        'last_call_at', tele_ts(l.last_call_at),
        'created_at', tele_ts(l.created_at), 'updated_at', tele_ts(l.updated_at));
END $$;

CREATE OR REPLACE FUNCTION tele_call_json(c calls) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object('id', c.id, 'lead_id', c.lead_id,
        'queue_id', c.queue_id, 'agent_id', c.agent_id,
        'agent_name', (SELECT name FROM users WHERE id = c.agent_id),
        'mode', c.mode, 'direction', c.direction, 'phone', c.phone,
        'status', c.status, 'started_at', tele_ts(c.started_at),
        'answered_at', tele_ts(c.answered_at), 'ended_at', tele_ts(c.ended_at),
        'disposition', c.disposition, 'connected', c.connected,
        'converted', c.converted, 'notes', c.notes,
        'talk_seconds', c.talk_seconds, 'wrap_seconds', c.wrap_seconds,
        'provider_status', c.provider_status, 'provider_error', c.provider_error);
END $$;

CREATE OR REPLACE FUNCTION tele_callback_json(cb callbacks) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object('id', cb.id, 'lead_id', cb.lead_id,
        'lead_name', l.name, 'phone', l.phone, 'queue_id', cb.queue_id,
        'agent_id', cb.agent_id,
        'agent_name', (SELECT name FROM users WHERE id = cb.agent_id),
        'due_at', tele_ts(cb.due_at), 'note', cb.note,
        'overdue', cb.done_at IS NULL AND cb.due_at < now(),
        'done_at', tele_ts(cb.done_at))
    FROM leads l WHERE l.id = cb.lead_id);
END $$;

CREATE OR REPLACE FUNCTION tele_lead_history(lead bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'events', coalesce((SELECT jsonb_agg(jsonb_build_object('id', e.id,
            'type', e.type, 'from_status', e.from_status,
            'to_status', e.to_status, 'actor_id', e.actor_id,
            'actor_name', (SELECT name FROM users WHERE id = e.actor_id),
            'data', e.data, 'created_at', tele_ts(e.created_at))
            ORDER BY e.id DESC) FROM (SELECT * FROM lead_events
            WHERE lead_id = lead ORDER BY id DESC LIMIT 50) e), '[]'),
        'calls', coalesce((SELECT jsonb_agg(tele_call_json(c) ORDER BY c.id DESC)
            FROM (SELECT * FROM calls WHERE lead_id = lead
            ORDER BY id DESC LIMIT 50) c), '[]'),
        'callbacks', coalesce((SELECT jsonb_agg(tele_callback_json(cb)
            ORDER BY cb.id DESC) FROM (SELECT * FROM callbacks
            WHERE lead_id = lead ORDER BY id DESC LIMIT 50) cb), '[]'),
        'queries', coalesce((SELECT jsonb_agg(jsonb_build_object('id', q.id,
            'lead_id', q.lead_id, 'customer_id', q.customer_id,
            'vendor_id', q.vendor_id, 'order_ref', q.order_ref,
            'subject', q.subject, 'body', q.body, 'status', q.status,
            'resolution', q.resolution, 'created_at', tele_ts(q.created_at),
            'updated_at', tele_ts(q.updated_at),
            'resolved_at', tele_ts(q.resolved_at)) ORDER BY q.id DESC)
            FROM (SELECT * FROM queries WHERE lead_id = lead
            ORDER BY id DESC LIMIT 50) q), '[]'));
END $$;

CREATE OR REPLACE FUNCTION tele_dispositions_json(queue bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('code', d.code,
        'label', d.label, 'hotkey', d.hotkey, 'lead_status', d.lead_status,
        'retry_minutes', d.retry_minutes, 'callback', d.callback, 'dnc', d.dnc,
        'connected', d.connected, 'converted', d.converted,
        'position', d.position) ORDER BY d.position, d.code), '[]')
    FROM dispositions d WHERE d.queue_id = queue);
END $$;

-- A lead card's history read all callbacks ever made to find the lead's:
-- callbacks_open holds only open ones.
CREATE INDEX callbacks_lead ON callbacks (lead_id, id);

-- The next lead.  Choosing it read the callable leads of the queue in
-- serving order and passed over, one by one, every lead waiting for its
-- retry time or out of attempts: the best leads are tried first, so after
-- a few hours of work thousands of them sat at the head of that order and
-- every next lead read them all (0.8 s with 40,000).  Leads never tried
-- (next_call_at -infinity) and leads with a retry time are now indexed
-- apart: the first in serving order, the others by when they are due, so
-- a next lead reads only the leads that are due.  A lead out of attempts
-- is no longer scheduled (its next_call_at becomes infinity), and one out
-- of today's attempts not before tomorrow (see tele_dispose below).
DROP INDEX leads_ready;
CREATE INDEX leads_fresh ON leads (queue_id, priority DESC, score DESC, id)
    WHERE status IN ('new', 'contacted', 'unreachable')
    AND next_call_at = '-infinity';
CREATE INDEX leads_retry ON leads (queue_id, next_call_at)
    WHERE status IN ('new', 'contacted', 'unreachable')
    AND next_call_at > '-infinity';

-- Whether lead l may be handed to agent now by queue q as far as its
-- own row tells (at: the calling hours' clock): its owner, hold,
-- attempts and calling hours.
CREATE FUNCTION tele_callable(l leads, q queues, agent bigint,
    scope bigint[], at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE RETURN
    (l.owner_id IS NULL OR l.owner_id = agent)
    AND (l.held_by IS NULL OR l.held_until <= now())
    AND l.attempts < q.max_attempts
    AND (l.attempts_on IS DISTINCT FROM (at AT TIME ZONE l.timezone)::date
         OR l.day_attempts < q.max_daily_attempts)
    AND tele_in_hours(l.timezone, at, q.call_from, q.call_until, q.call_days);

-- The next lead, as in 0020: their lead already held here, their due
-- callbacks, anyone's due callbacks, then new and retry leads by priority
-- and score.  The checks made on every lead passed over are cheap: the
-- agent's regions by the lead's region row (region_in_scope() planned a
-- query per call), the do-not-call list by two key lookups (phone IN
-- (a, b) read the whole list for every lead).  No JIT: the planner's cost
-- of "the first callable lead" is high when it expects few, and compiling
-- took far longer than the query.  Generic plans: each query's predicates
-- name its index, and planning them anew on every call cost more than
-- running them.
CREATE OR REPLACE FUNCTION tele_next(queue bigint, agent bigint, scope bigint[],
    at timestamptz, OUT lead_id bigint, OUT callback_id bigint, OUT tier int)
    RETURNS SETOF record LANGUAGE plpgsql
    SET jit = off SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    q queues;
    t int;
    fresh record;
BEGIN
    SELECT * INTO q FROM queues WHERE id = queue;
    SELECT l.id INTO lead_id FROM leads l
        WHERE l.queue_id = queue AND l.held_by = agent AND l.held_until > now()
        ORDER BY l.held_until DESC LIMIT 1;
    IF lead_id IS NOT NULL THEN
        SELECT c.id INTO callback_id FROM callbacks c
            WHERE c.lead_id = tele_next.lead_id AND c.done_at IS NULL
            AND c.due_at <= now();
        tier := 1;
        RETURN NEXT;
        RETURN;
    END IF;
    FOR t IN 2..3 LOOP
        SELECT l.id, c.id INTO lead_id, callback_id
            FROM callbacks c JOIN leads l ON l.id = c.lead_id
            WHERE c.queue_id = queue AND c.done_at IS NULL AND c.due_at <= now()
            AND CASE WHEN t = 2 THEN c.agent_id = agent ELSE c.agent_id IS NULL END
            AND l.status NOT IN ('dnc', 'invalid', 'converted')
            AND (l.held_by IS NULL OR l.held_until <= now())
            AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone OFFSET 0)
            AND (l.alt_phone IS NULL OR NOT EXISTS (SELECT 1 FROM dnc d
                WHERE d.phone = l.alt_phone OFFSET 0))
            AND (scope IS NULL OR (SELECT r.path FROM regions r
                WHERE r.id = l.region_id) && scope)
            AND tele_in_hours(l.timezone, at, q.call_from, q.call_until, q.call_days)
            ORDER BY c.due_at, c.id LIMIT 1
            FOR UPDATE OF l SKIP LOCKED;
        IF lead_id IS NOT NULL THEN
            tier := t;
            EXIT;
        END IF;
    END LOOP;
    IF lead_id IS NULL THEN
        -- The first lead never tried...
        SELECT l.id, l.priority, l.score INTO fresh FROM leads l
            WHERE l.queue_id = queue
            AND l.status IN ('new', 'contacted', 'unreachable')
            AND l.next_call_at = '-infinity'
            AND tele_callable(l, q, agent, scope, at)
            AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone OFFSET 0)
            AND (l.alt_phone IS NULL OR NOT EXISTS (SELECT 1 FROM dnc d
                WHERE d.phone = l.alt_phone OFFSET 0))
            AND NOT EXISTS (SELECT 1 FROM callbacks c
                WHERE c.lead_id = l.id AND c.done_at IS NULL OFFSET 0)
            AND (scope IS NULL OR (SELECT r.path FROM regions r
                WHERE r.id = l.region_id) && scope)
            ORDER BY l.priority DESC, l.score DESC, l.id LIMIT 1
            FOR UPDATE OF l SKIP LOCKED;
        lead_id := fresh.id;
        -- ...unless a retry now due comes before it.
        SELECT l.id INTO lead_id FROM leads l
            WHERE l.queue_id = queue
            AND l.status IN ('new', 'contacted', 'unreachable')
            AND l.next_call_at > '-infinity' AND l.next_call_at <= now()
            AND (fresh.id IS NULL OR (l.priority, l.score, -l.id)
                > (fresh.priority, fresh.score, -fresh.id))
            AND tele_callable(l, q, agent, scope, at)
            AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone OFFSET 0)
            AND (l.alt_phone IS NULL OR NOT EXISTS (SELECT 1 FROM dnc d
                WHERE d.phone = l.alt_phone OFFSET 0))
            AND NOT EXISTS (SELECT 1 FROM callbacks c
                WHERE c.lead_id = l.id AND c.done_at IS NULL OFFSET 0)
            AND (scope IS NULL OR (SELECT r.path FROM regions r
                WHERE r.id = l.region_id) && scope)
            ORDER BY l.priority DESC, l.score DESC, l.id LIMIT 1
            FOR UPDATE OF l SKIP LOCKED;
        IF NOT FOUND THEN
            lead_id := fresh.id;
        END IF;
        IF lead_id IS NULL THEN
            RETURN;
        END IF;
        tier := 4;
    END IF;
    UPDATE leads SET held_by = agent,
        held_until = now() + make_interval(secs => q.hold_seconds)
        WHERE id = lead_id;
    INSERT INTO lead_events (lead_id, type, actor_id, data)
        VALUES (lead_id, 'held', agent, jsonb_build_object('queue_id', queue,
            'callback_id', callback_id, 'until',
            tele_ts(now() + make_interval(secs => q.hold_seconds))));
    PERFORM tele_agent_set(agent, coalesce((SELECT state FROM agent_states
        WHERE user_id = agent), 'available'), (SELECT reason FROM agent_states
        WHERE user_id = agent), queue, lead_id, NULL);
    RETURN NEXT;
END $$;

-- As in 0020 (less a second update of the agent's state), but a retry
-- is not scheduled for a lead out of attempts
-- (next_call_at infinity: it is not called again), nor before tomorrow
-- (in the lead's time zone) for one out of today's attempts, so that
-- such leads leave the due retries that every next lead reads.
--
-- Applies disposition code to call in one go: the call, the lead's
-- status and retry, a callback (for: 'me' or 'anyone'), the do-not-call
-- list, the hold, due callbacks, the lead's history and the agent's state.
-- outcome: ok, not_found, dispositioned, no_queue, unknown_code,
-- callback_required.
CREATE OR REPLACE FUNCTION tele_dispose(call bigint, actor bigint, privileged boolean,
    code text, call_notes text, callback_at timestamptz, callback_for text,
    logged boolean, OUT outcome text, OUT lead_id bigint, OUT queue_id bigint,
    OUT agent_changed boolean) LANGUAGE plpgsql AS $$
DECLARE
    c calls;
    d dispositions;
    l leads;
    q queues;
    v_end timestamptz;
    v_cb bigint;
BEGIN
    agent_changed := false;
    SELECT * INTO c FROM calls WHERE id = call FOR UPDATE;
    IF NOT FOUND OR (NOT privileged AND c.agent_id <> actor) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF c.dispositioned_at IS NOT NULL THEN
        outcome := 'dispositioned';
        RETURN;
    END IF;
    SELECT * INTO l FROM leads WHERE id = c.lead_id FOR UPDATE;
    queue_id := coalesce(c.queue_id, l.queue_id);
    lead_id := l.id;
    IF queue_id IS NULL THEN
        outcome := 'no_queue';
        RETURN;
    END IF;
    SELECT * INTO d FROM dispositions ds
        WHERE ds.queue_id = tele_dispose.queue_id AND ds.code = tele_dispose.code;
    IF NOT FOUND THEN
        outcome := 'unknown_code';
        RETURN;
    END IF;
    SELECT * INTO q FROM queues WHERE id = tele_dispose.queue_id;
    IF d.callback AND callback_at IS NULL THEN
        outcome := 'callback_required';
        RETURN;
    END IF;
    v_end := coalesce(c.ended_at, now());
    UPDATE calls SET disposition = d.code, dispositioned_at = now(),
        connected = d.connected, converted = d.converted,
        notes = coalesce(call_notes, notes), ended_at = v_end,
        status = CASE WHEN status = 'failed' THEN status ELSE 'ended' END,
        talk_seconds = coalesce(talk_seconds, CASE WHEN mode = 'click_to_call'
            AND answered_at IS NULL THEN 0 ELSE greatest(0, extract(epoch FROM
            v_end - coalesce(answered_at, started_at))::int) END),
        wrap_seconds = CASE WHEN logged THEN 0
            ELSE greatest(0, extract(epoch FROM now() - v_end)::int) END
        WHERE id = call;
    UPDATE leads SET status = d.lead_status,
        next_call_at = CASE
            WHEN d.retry_minutes IS NULL THEN next_call_at
            WHEN l.attempts >= q.max_attempts THEN 'infinity'
            WHEN l.attempts_on = (now() AT TIME ZONE l.timezone)::date
                AND l.day_attempts >= q.max_daily_attempts
            THEN greatest(now() + make_interval(mins => d.retry_minutes),
                ((now() AT TIME ZONE l.timezone)::date + 1)::timestamp
                    AT TIME ZONE l.timezone)
            ELSE now() + make_interval(mins => d.retry_minutes) END,
        held_by = CASE WHEN held_by = c.agent_id OR held_until <= now() THEN NULL
            ELSE held_by END,
        held_until = CASE WHEN held_by = c.agent_id OR held_until <= now() THEN NULL
            ELSE held_until END,
        queue_id = coalesce(leads.queue_id, tele_dispose.queue_id)
        WHERE id = l.id;
    -- The callback this call answers is done.
    UPDATE callbacks SET done_at = now(), call_id = call
        WHERE callbacks.lead_id = l.id AND done_at IS NULL AND due_at <= now();
    IF d.dnc THEN
        INSERT INTO dnc (phone, reason, source, added_by)
            VALUES (l.phone, 'disposition: ' || d.label, 'disposition', actor)
            ON CONFLICT DO NOTHING;
        UPDATE callbacks SET done_at = now()
            WHERE callbacks.lead_id = l.id AND done_at IS NULL;
    ELSIF callback_at IS NOT NULL THEN
        UPDATE callbacks SET done_at = now()
            WHERE callbacks.lead_id = l.id AND done_at IS NULL;
        INSERT INTO callbacks (lead_id, queue_id, agent_id, due_at, note, created_by)
            VALUES (l.id, tele_dispose.queue_id,
                CASE WHEN callback_for = 'anyone' THEN NULL ELSE actor END,
                callback_at, call_notes, actor) RETURNING id INTO v_cb;
    END IF;
    INSERT INTO lead_events (lead_id, type, from_status, to_status, actor_id, data)
        VALUES (l.id, 'disposition', l.status, d.lead_status, actor,
            jsonb_strip_nulls(jsonb_build_object('call_id', call, 'code', d.code,
            'label', d.label, 'notes', call_notes, 'callback_id', v_cb,
            'callback_at', tele_ts(callback_at))));
    IF NOT logged THEN
        -- Available clears the lead and call too.
        agent_changed := tele_agent_set(c.agent_id, 'available', NULL,
            tele_dispose.queue_id, NULL, NULL);
    END IF;
    outcome := 'ok';
END $$;

-- As in 0020, without inserting the agent's state row when it is there
-- already (every step of every call sets it).
CREATE OR REPLACE FUNCTION tele_agent_set(agent bigint, new_state text, new_reason text,
    queue bigint, lead bigint, call bigint) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    cur agent_states;
BEGIN
    SELECT * INTO cur FROM agent_states WHERE user_id = agent FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO agent_states (user_id) VALUES (agent) ON CONFLICT DO NOTHING;
        SELECT * INTO cur FROM agent_states WHERE user_id = agent FOR UPDATE;
    END IF;
    UPDATE agent_states SET state = new_state, reason = new_reason,
        queue_id = coalesce(queue, queue_id),
        lead_id = CASE WHEN new_state IN ('on_call', 'wrap_up') OR lead IS NOT NULL
            THEN coalesce(lead, lead_id) END,
        call_id = CASE WHEN new_state IN ('on_call', 'wrap_up')
            THEN coalesce(call, call_id) END,
        since = CASE WHEN cur.state IS DISTINCT FROM new_state
            OR cur.reason IS DISTINCT FROM new_reason THEN now() ELSE since END
    WHERE user_id = agent;
    IF cur.state IS NOT DISTINCT FROM new_state
       AND cur.reason IS NOT DISTINCT FROM new_reason THEN
        RETURN false;
    END IF;
    UPDATE agent_state_log SET ended_at = greatest(now(), started_at)
        WHERE user_id = agent AND ended_at IS NULL;
    INSERT INTO agent_state_log (user_id, state, reason, started_at)
        VALUES (agent, new_state, new_reason, now());
    RETURN true;
END $$;

-- As in 0020, with the leads ready to call counted from leads_fresh and
-- leads_retry (0018's leads_ready is gone).
CREATE OR REPLACE FUNCTION tele_queue_depth(queue bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'ready', (SELECT count(*) FROM leads l WHERE l.queue_id = queue
            AND l.status IN ('new', 'contacted', 'unreachable')
            AND l.next_call_at = '-infinity'
            AND (l.held_by IS NULL OR l.held_until <= now()))
            + (SELECT count(*) FROM leads l WHERE l.queue_id = queue
            AND l.status IN ('new', 'contacted', 'unreachable')
            AND l.next_call_at > '-infinity' AND l.next_call_at <= now()
            AND (l.held_by IS NULL OR l.held_until <= now())),
        'held', (SELECT count(*) FROM leads l WHERE l.queue_id = queue
            AND l.held_by IS NOT NULL AND l.held_until > now()),
        'callbacks_due', (SELECT count(*) FROM callbacks c
            WHERE c.queue_id = queue AND c.done_at IS NULL AND c.due_at <= now()),
        'callbacks_overdue', (SELECT count(*) FROM callbacks c
            WHERE c.queue_id = queue AND c.done_at IS NULL
            AND c.due_at <= now() - interval '5 minutes'),
        'breached', (SELECT count(*) FROM leads l WHERE l.queue_id = queue
            AND l.first_contact_at IS NULL AND l.sla_due_at < now()))
$$;
