-- Tele-calling's working day: the JSON shapes of leads, calls and
-- callbacks, the next-lead choice, calls and their dispositions, and
-- agents' states.  Each step is one function so that a request is one
-- round trip and the rules live next to the rows they guard.

-- A time as RFC 3339, NULL for the infinities (next_call_at's default).
CREATE FUNCTION tele_ts(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE WHEN isfinite(t) THEN rfc3339(t) END;

-- Whether at falls in calling hours (from..until on ISO days) in tz.
CREATE FUNCTION tele_in_hours(tz text, at timestamptz, cfrom time,
    cuntil time, days int[]) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (at AT TIME ZONE tz)::time >= cfrom
        AND (at AT TIME ZONE tz)::time < cuntil
        AND extract(isodow FROM at AT TIME ZONE tz)::int = ANY (days);

CREATE FUNCTION tele_lead_json(l leads) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', l.id, 'name', l.name, 'phone', l.phone,
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
        'created_at', tele_ts(l.created_at), 'updated_at', tele_ts(l.updated_at))
$$;

CREATE FUNCTION tele_call_json(c calls) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'lead_id', c.lead_id,
        'queue_id', c.queue_id, 'agent_id', c.agent_id,
        'agent_name', (SELECT name FROM users WHERE id = c.agent_id),
        'mode', c.mode, 'direction', c.direction, 'phone', c.phone,
        'status', c.status, 'started_at', tele_ts(c.started_at),
        'answered_at', tele_ts(c.answered_at), 'ended_at', tele_ts(c.ended_at),
        'disposition', c.disposition, 'connected', c.connected,
        'converted', c.converted, 'notes', c.notes,
        'talk_seconds', c.talk_seconds, 'wrap_seconds', c.wrap_seconds)
$$;

CREATE FUNCTION tele_callback_json(cb callbacks) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', cb.id, 'lead_id', cb.lead_id,
        'lead_name', l.name, 'phone', l.phone, 'queue_id', cb.queue_id,
        'agent_id', cb.agent_id,
        'agent_name', (SELECT name FROM users WHERE id = cb.agent_id),
        'due_at', tele_ts(cb.due_at), 'note', cb.note,
        'overdue', cb.done_at IS NULL AND cb.due_at < now(),
        'done_at', tele_ts(cb.done_at))
    FROM leads l WHERE l.id = cb.lead_id
$$;

-- A lead's history, newest first, up to 50 of each kind.
CREATE FUNCTION tele_lead_history(lead bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
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
            ORDER BY id DESC LIMIT 50) q), '[]'))
$$;

-- The script with the lead's fields filled in: {{name}}, {{phone}},
-- {{interest}}, {{email}}, {{language}}, {{custom.x}}; unknown ones
-- become empty.
CREATE FUNCTION tele_script(script text, l leads) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    out text := script;
    m text[];
    v text;
BEGIN
    FOR m IN SELECT regexp_matches(script, '\{\{\s*([a-z_]+(\.[A-Za-z0-9_]+)?)\s*\}\}', 'g') LOOP
        v := CASE
            WHEN m[1] = 'name' THEN l.name
            WHEN m[1] = 'phone' THEN l.phone
            WHEN m[1] = 'interest' THEN l.interest
            WHEN m[1] = 'email' THEN l.email
            WHEN m[1] = 'language' THEN l.language
            WHEN m[1] = 'pincode' THEN l.pincode
            WHEN m[1] = 'source' THEN l.source
            WHEN m[1] LIKE 'custom.%' THEN l.custom ->> substr(m[1], 8)
        END;
        out := regexp_replace(out, '\{\{\s*' || replace(m[1], '.', '\.') || '\s*\}\}',
            replace(coalesce(v, ''), '\', '\\'), 'g');
    END LOOP;
    RETURN out;
END $$;

-- Moves an agent to state (with reason when paused), recording the time
-- they spent in the last one.  Returns whether the state changed.
CREATE FUNCTION tele_agent_set(agent bigint, new_state text, new_reason text,
    queue bigint, lead bigint, call bigint) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    cur agent_states;
BEGIN
    INSERT INTO agent_states (user_id) VALUES (agent) ON CONFLICT DO NOTHING;
    SELECT * INTO cur FROM agent_states WHERE user_id = agent FOR UPDATE;
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

-- Hands agent the next lead of queue (see POST /v1/queues/{id}/next):
-- their lead already held here, their due callbacks, anyone's due
-- callbacks, then new and retry leads by priority and score.  scope is
-- the agent's regions (NULL: all); at is the time calling hours and the
-- day's attempts are judged at.  No row when nothing is due.
CREATE FUNCTION tele_next(queue bigint, agent bigint, scope bigint[],
    at timestamptz, OUT lead_id bigint, OUT callback_id bigint, OUT tier int)
    RETURNS SETOF record LANGUAGE plpgsql AS $$
DECLARE
    q queues;
    t int;
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
            AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone IN (l.phone, l.alt_phone))
            AND region_in_scope(l.region_id, scope)
            AND tele_in_hours(l.timezone, at, q.call_from, q.call_until, q.call_days)
            ORDER BY c.due_at, c.id LIMIT 1
            FOR UPDATE OF l SKIP LOCKED;
        IF lead_id IS NOT NULL THEN
            tier := t;
            EXIT;
        END IF;
    END LOOP;
    IF lead_id IS NULL THEN
        SELECT l.id INTO lead_id FROM leads l
            WHERE l.queue_id = queue
            AND l.status IN ('new', 'contacted', 'unreachable')
            AND l.next_call_at <= now()
            AND (l.owner_id IS NULL OR l.owner_id = agent)
            AND (l.held_by IS NULL OR l.held_until <= now())
            AND l.attempts < q.max_attempts
            AND (l.attempts_on IS DISTINCT FROM (at AT TIME ZONE l.timezone)::date
                 OR l.day_attempts < q.max_daily_attempts)
            AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone IN (l.phone, l.alt_phone))
            AND NOT EXISTS (SELECT 1 FROM callbacks c
                WHERE c.lead_id = l.id AND c.done_at IS NULL)
            AND region_in_scope(l.region_id, scope)
            AND tele_in_hours(l.timezone, at, q.call_from, q.call_until, q.call_days)
            ORDER BY l.priority DESC, l.score DESC, l.id LIMIT 1
            FOR UPDATE OF l SKIP LOCKED;
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

-- Starts a call to lead by agent (mode manual or click_to_call).
-- outcome: ok, not_found, not_held, dnc, open_call.  privileged: a
-- supervisor or admin, who may call a lead they do not hold.
CREATE FUNCTION tele_call_start(lead bigint, agent bigint, call_mode text,
    queue bigint, scope bigint[], privileged boolean,
    OUT outcome text, OUT call_id bigint, OUT open_call bigint)
    LANGUAGE plpgsql AS $$
DECLARE
    l leads;
    q queues;
    today date;
BEGIN
    SELECT * INTO l FROM leads WHERE id = lead FOR UPDATE;
    IF NOT FOUND OR NOT region_in_scope(l.region_id, scope) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF NOT privileged AND (l.held_by IS DISTINCT FROM agent OR l.held_until <= now()) THEN
        outcome := 'not_held';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM dnc d WHERE d.phone = l.phone) THEN
        outcome := 'dnc';
        RETURN;
    END IF;
    SELECT c.id INTO open_call FROM calls c
        WHERE c.agent_id = agent AND c.dispositioned_at IS NULL LIMIT 1;
    IF open_call IS NOT NULL THEN
        outcome := 'open_call';
        RETURN;
    END IF;
    SELECT * INTO q FROM queues WHERE id = coalesce(queue, l.queue_id);
    today := (now() AT TIME ZONE l.timezone)::date;
    INSERT INTO calls (lead_id, queue_id, agent_id, mode, phone)
        VALUES (lead, q.id, agent, call_mode, l.phone) RETURNING id INTO call_id;
    UPDATE leads SET last_call_at = now(),
        first_contact_at = coalesce(first_contact_at, now()),
        attempts = attempts + 1,
        day_attempts = CASE WHEN attempts_on = today THEN day_attempts + 1 ELSE 1 END,
        attempts_on = today, held_by = agent,
        held_until = greatest(coalesce(held_until, now()),
            now() + make_interval(secs => coalesce(q.hold_seconds, 900)))
        WHERE id = lead;
    INSERT INTO lead_events (lead_id, type, actor_id, data)
        VALUES (lead, 'call', agent, jsonb_build_object('call_id', call_id,
            'mode', call_mode));
    PERFORM tele_agent_set(agent, 'on_call', NULL, q.id, lead, call_id);
    outcome := 'ok';
END $$;

-- Ends a call (its talk time runs from the answer, or from the start).
-- outcome: ok, not_found, ended.
CREATE FUNCTION tele_call_end(call bigint, actor bigint, privileged boolean,
    OUT outcome text) LANGUAGE plpgsql AS $$
DECLARE
    c calls;
BEGIN
    SELECT * INTO c FROM calls WHERE id = call FOR UPDATE;
    IF NOT FOUND OR (NOT privileged AND c.agent_id <> actor) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF c.ended_at IS NOT NULL OR c.dispositioned_at IS NOT NULL THEN
        outcome := 'ended';
        RETURN;
    END IF;
    UPDATE calls SET status = 'ended', ended_at = now(),
        talk_seconds = coalesce(talk_seconds, CASE WHEN mode = 'click_to_call'
            AND answered_at IS NULL THEN 0 ELSE extract(epoch FROM now()
            - coalesce(answered_at, started_at))::int END)
        WHERE id = call;
    PERFORM tele_agent_set(c.agent_id, 'wrap_up', NULL, c.queue_id, c.lead_id, call);
    outcome := 'ok';
END $$;

-- Applies disposition code to call in one go: the call, the lead's
-- status and retry, a callback (for: 'me' or 'anyone'), the do-not-call
-- list, the hold, due callbacks, the lead's history and the agent's state.
-- outcome: ok, not_found, dispositioned, no_queue, unknown_code,
-- callback_required.
CREATE FUNCTION tele_dispose(call bigint, actor bigint, privileged boolean,
    code text, call_notes text, callback_at timestamptz, callback_for text,
    logged boolean, OUT outcome text, OUT lead_id bigint, OUT queue_id bigint,
    OUT agent_changed boolean) LANGUAGE plpgsql AS $$
DECLARE
    c calls;
    d dispositions;
    l leads;
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
        next_call_at = CASE WHEN d.retry_minutes IS NOT NULL
            THEN now() + make_interval(mins => d.retry_minutes) ELSE next_call_at END,
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
        agent_changed := tele_agent_set(c.agent_id, 'available', NULL,
            tele_dispose.queue_id, NULL, NULL);
        UPDATE agent_states SET lead_id = NULL, call_id = NULL
            WHERE user_id = c.agent_id;
    END IF;
    outcome := 'ok';
END $$;

-- Puts phone on the do-not-call list: its leads become dnc (with an
-- event), lose their holds and open callbacks.  Returns whether the
-- number is new on the list.
CREATE FUNCTION tele_dnc_add(number text, why text, src text, actor bigint)
    RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    added boolean;
BEGIN
    INSERT INTO dnc (phone, reason, source, added_by)
        VALUES (number, why, src, actor) ON CONFLICT DO NOTHING;
    added := FOUND;
    INSERT INTO lead_events (lead_id, type, from_status, to_status, actor_id, data)
        SELECT id, 'dnc', status, 'dnc', actor,
            jsonb_build_object('phone', number, 'reason', why)
        FROM leads WHERE (phone = number OR alt_phone = number) AND status <> 'dnc';
    UPDATE leads SET status = 'dnc', held_by = NULL, held_until = NULL
        WHERE (phone = number OR alt_phone = number)
        AND (status <> 'dnc' OR held_by IS NOT NULL);
    UPDATE callbacks SET done_at = now() WHERE done_at IS NULL
        AND lead_id IN (SELECT id FROM leads WHERE phone = number OR alt_phone = number);
    RETURN added;
END $$;

-- A queue's depth: leads ready to call, held, callbacks due and overdue
-- (by more than 5 minutes), inbound leads past their SLA.
CREATE FUNCTION tele_queue_depth(queue bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'ready', (SELECT count(*) FROM leads l WHERE l.queue_id = queue
            AND l.status IN ('new', 'contacted', 'unreachable')
            AND l.next_call_at <= now()
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

-- callback.due is published once per callback.
ALTER TABLE callbacks ADD COLUMN announced_at timestamptz;
CREATE INDEX callbacks_unannounced ON callbacks (due_at)
    WHERE done_at IS NULL AND announced_at IS NULL;


-- The API's steps.  Each answers (outcome, body, events): the outcome
-- ("ok", or what refused the step, which rolls it back), the JSON the
-- client gets, and the live events to publish ({"topic","type","data"}).

CREATE FUNCTION tele_event(topic text, type text, data jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE RETURN jsonb_build_object('topic', topic,
        'type', type, 'data', data);

CREATE FUNCTION tele_dispositions_json(queue bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('code', d.code,
        'label', d.label, 'hotkey', d.hotkey, 'lead_status', d.lead_status,
        'retry_minutes', d.retry_minutes, 'callback', d.callback, 'dnc', d.dnc,
        'connected', d.connected, 'converted', d.converted,
        'position', d.position) ORDER BY d.position, d.code), '[]')
    FROM dispositions d WHERE d.queue_id = queue
$$;

-- The start of the day (in tz) that now falls in.
CREATE FUNCTION tele_day_start(tz text) RETURNS timestamptz
    LANGUAGE sql STABLE RETURN date_trunc('day', now() AT TIME ZONE tz) AT TIME ZONE tz;

-- An agent's state and today's counts (GET /v1/me/agent).
CREATE FUNCTION tele_agent_json(agent bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    WITH u AS (SELECT id, tele_day_start(timezone) AS day FROM users WHERE id = agent),
    s AS (SELECT * FROM agent_states WHERE user_id = agent)
    SELECT jsonb_build_object(
        'state', coalesce((SELECT state FROM s), 'offline'),
        'reason', (SELECT reason FROM s),
        'since', tele_ts((SELECT since FROM s)),
        'queue_id', (SELECT queue_id FROM s), 'lead_id', (SELECT lead_id FROM s),
        'call_id', (SELECT call_id FROM s),
        'today', (SELECT jsonb_build_object('calls', count(*),
            'connects', count(*) FILTER (WHERE c.connected),
            'talk_seconds', coalesce(sum(c.talk_seconds), 0),
            'conversions', count(*) FILTER (WHERE c.converted),
            'pause_seconds', (SELECT coalesce(sum(extract(epoch FROM
                coalesce(g.ended_at, now()) - greatest(g.started_at, u.day)))::bigint, 0)
                FROM agent_state_log g WHERE g.user_id = agent AND g.state = 'paused'
                AND coalesce(g.ended_at, now()) > u.day))
            FROM calls c WHERE c.agent_id = agent AND c.started_at >= u.day))
    FROM u
$$;

CREATE FUNCTION tele_api_next(queue bigint, agent bigint, scope bigint[],
    at timestamptz, OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    n record;
BEGIN
    SELECT * INTO n FROM tele_next(queue, agent, scope, coalesce(at, now()));
    IF n.lead_id IS NULL THEN
        outcome := 'empty';
        RETURN;
    END IF;
    SELECT (tele_lead_json(l) || jsonb_build_object(
        'history', tele_lead_history(l.id),
        'script', tele_script(q.script, l),
        'callback', (SELECT tele_callback_json(c) FROM callbacks c WHERE c.id = n.callback_id),
        'queue', jsonb_build_object('id', q.id, 'name', q.name,
            'dispositions', tele_dispositions_json(q.id))))::text
        INTO body FROM leads l, queues q WHERE l.id = n.lead_id AND q.id = queue;
    outcome := 'ok';
    events := jsonb_build_array(tele_event('queue:' || queue, 'queue.changed',
        jsonb_build_object('queue_id', queue, 'lead_id', n.lead_id,
            'held_by', agent, 'reason', 'held')))::text;
END $$;

CREATE FUNCTION tele_api_call_start(lead bigint, agent bigint, call_mode text,
    queue bigint, scope bigint[], privileged boolean,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    SELECT * INTO s FROM tele_call_start(lead, agent, call_mode, queue, scope, privileged);
    outcome := s.outcome;
    IF s.outcome <> 'ok' THEN
        body := jsonb_build_object('open_call', s.open_call)::text;
        RETURN;
    END IF;
    SELECT tele_call_json(c)::text INTO body FROM calls c WHERE c.id = s.call_id;
    events := jsonb_build_array(
        tele_event('agents', 'agent.state', jsonb_build_object('user_id', agent,
            'state', 'on_call', 'call_id', s.call_id, 'lead_id', lead)),
        tele_event('lead:' || lead, 'lead.updated', jsonb_build_object('lead_id', lead,
            'call_id', s.call_id)))::text;
END $$;

CREATE FUNCTION tele_api_call_end(call bigint, actor bigint, privileged boolean,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    c calls;
BEGIN
    outcome := tele_call_end(call, actor, privileged);
    IF outcome <> 'ok' THEN
        RETURN;
    END IF;
    SELECT * INTO c FROM calls WHERE id = call;
    body := tele_call_json(c)::text;
    events := jsonb_build_array(tele_event('agents', 'agent.state',
        jsonb_build_object('user_id', c.agent_id, 'state', 'wrap_up',
            'call_id', call)))::text;
END $$;

CREATE FUNCTION tele_api_dispose(call bigint, actor bigint, privileged boolean,
    code text, notes text, callback_at timestamptz, callback_for text,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    s record;
    c calls;
    ev jsonb;
BEGIN
    SELECT * INTO s FROM tele_dispose(call, actor, privileged, code, notes,
        callback_at, callback_for, false);
    outcome := s.outcome;
    IF outcome <> 'ok' THEN
        RETURN;
    END IF;
    SELECT * INTO c FROM calls WHERE id = call;
    body := tele_call_json(c)::text;
    ev := jsonb_build_array(
        tele_event('queue:' || s.queue_id, 'queue.changed', jsonb_build_object(
            'queue_id', s.queue_id, 'lead_id', s.lead_id, 'reason', 'disposition')),
        tele_event('lead:' || s.lead_id, 'lead.updated', jsonb_build_object(
            'lead_id', s.lead_id, 'disposition', c.disposition)));
    IF s.agent_changed THEN
        ev := ev || jsonb_build_array(tele_event('agents', 'agent.state',
            jsonb_build_object('user_id', c.agent_id, 'state', 'available')));
    END IF;
    events := ev::text;
END $$;

-- A call made outside souk: recorded ended, its disposition applied.
CREATE FUNCTION tele_api_call_log(lead bigint, agent bigint, scope bigint[],
    number text, started timestamptz, ended timestamptz, code text,
    notes text, OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    l leads;
    v_call bigint;
    today date;
    s record;
    c calls;
BEGIN
    SELECT * INTO l FROM leads WHERE id = lead FOR UPDATE;
    IF NOT FOUND OR NOT region_in_scope(l.region_id, scope) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF l.queue_id IS NULL THEN
        outcome := 'no_queue';
        RETURN;
    END IF;
    today := (started AT TIME ZONE l.timezone)::date;
    INSERT INTO calls (lead_id, queue_id, agent_id, mode, phone, status,
        started_at, answered_at, ended_at, talk_seconds)
        VALUES (lead, l.queue_id, agent, 'logged', coalesce(number, l.phone),
            'ended', started, started, ended,
            extract(epoch FROM ended - started)::int)
        RETURNING id INTO v_call;
    UPDATE leads SET last_call_at = greatest(last_call_at, ended),
        first_contact_at = least(coalesce(first_contact_at, started), started),
        attempts = attempts + 1,
        day_attempts = CASE WHEN attempts_on = today THEN day_attempts + 1 ELSE 1 END,
        attempts_on = today
        WHERE id = lead;
    SELECT * INTO s FROM tele_dispose(v_call, agent, true, code, notes, NULL,
        NULL, true);
    outcome := s.outcome;
    IF outcome <> 'ok' THEN
        RETURN;
    END IF;
    SELECT * INTO c FROM calls WHERE id = v_call;
    body := tele_call_json(c)::text;
    events := jsonb_build_array(tele_event('lead:' || lead, 'lead.updated',
        jsonb_build_object('lead_id', lead, 'disposition', code)))::text;
END $$;

-- Schedules a callback without a call, replacing the lead's open one.
CREATE FUNCTION tele_api_callback(lead bigint, actor bigint, scope bigint[],
    due timestamptz, for_whom text, why text,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    l leads;
    cb callbacks;
BEGIN
    SELECT * INTO l FROM leads WHERE id = lead FOR UPDATE;
    IF NOT FOUND OR NOT region_in_scope(l.region_id, scope) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF l.queue_id IS NULL THEN
        outcome := 'no_queue';
        RETURN;
    END IF;
    IF l.status IN ('dnc', 'invalid') THEN
        outcome := 'not_callable';
        RETURN;
    END IF;
    UPDATE callbacks SET done_at = now() WHERE lead_id = lead AND done_at IS NULL;
    INSERT INTO callbacks (lead_id, queue_id, agent_id, due_at, note, created_by)
        VALUES (lead, l.queue_id, CASE WHEN for_whom = 'anyone' THEN NULL ELSE actor END,
            due, why, actor) RETURNING * INTO cb;
    UPDATE leads SET status = 'callback' WHERE id = lead AND status <> 'callback';
    INSERT INTO lead_events (lead_id, type, from_status, to_status, actor_id, data)
        VALUES (lead, 'callback', l.status, 'callback', actor,
            jsonb_strip_nulls(jsonb_build_object('callback_id', cb.id,
            'due_at', tele_ts(due), 'for', for_whom, 'note', why)));
    outcome := 'ok';
    body := tele_callback_json(cb)::text;
    events := jsonb_build_array(tele_event('queue:' || l.queue_id, 'queue.changed',
        jsonb_build_object('queue_id', l.queue_id, 'lead_id', lead,
            'reason', 'callback')))::text;
END $$;

CREATE FUNCTION tele_api_agent_set(agent bigint, new_state text, new_reason text,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    cur text;
BEGIN
    SELECT state INTO cur FROM agent_states WHERE user_id = agent;
    IF cur IN ('on_call', 'wrap_up') AND EXISTS (SELECT 1 FROM calls
        WHERE agent_id = agent AND dispositioned_at IS NULL) THEN
        outcome := 'busy';
        RETURN;
    END IF;
    IF tele_agent_set(agent, new_state, new_reason, NULL, NULL, NULL) THEN
        events := jsonb_build_array(tele_event('agents', 'agent.state',
            jsonb_build_object('user_id', agent, 'state', new_state,
                'reason', new_reason)))::text;
    END IF;
    outcome := 'ok';
    body := tele_agent_json(agent)::text;
END $$;

CREATE FUNCTION tele_api_dnc_add(number text, why text, src text, actor bigint,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tele_dnc_add(number, why, src, actor);
    SELECT jsonb_build_object('phone', d.phone, 'reason', d.reason,
        'source', d.source, 'added_by', d.added_by,
        'created_at', tele_ts(d.created_at))::text INTO body
        FROM dnc d WHERE d.phone = number;
    outcome := 'ok';
    events := jsonb_build_array(tele_event('leads', 'dnc.added',
        jsonb_build_object('phone', number)))::text;
END $$;
