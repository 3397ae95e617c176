-- Click-to-call through the voice provider (Twilio): the call is placed
-- by the voice.dial job, enqueued in the transaction that records the
-- call, and followed by the provider's status callbacks.  Each step is
-- one function answering (outcome, body, events) as 0020's do.

-- Why the provider could not place a call, for the agent and reports.
ALTER TABLE calls ADD COLUMN provider_error text
    CHECK (char_length(provider_error) <= 500);

CREATE OR REPLACE FUNCTION tele_call_json(c calls) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'lead_id', c.lead_id,
        'queue_id', c.queue_id, 'agent_id', c.agent_id,
        'agent_name', (SELECT name FROM users WHERE id = c.agent_id),
        'mode', c.mode, 'direction', c.direction, 'phone', c.phone,
        'status', c.status, 'started_at', tele_ts(c.started_at),
        'answered_at', tele_ts(c.answered_at), 'ended_at', tele_ts(c.ended_at),
        'disposition', c.disposition, 'connected', c.connected,
        'converted', c.converted, 'notes', c.notes,
        'talk_seconds', c.talk_seconds, 'wrap_seconds', c.wrap_seconds,
        'provider_status', c.provider_status, 'provider_error', c.provider_error)
$$;

-- POST /v1/calls with mode click_to_call: as tele_api_call_start, but
-- the agent needs a phone for the provider to ring first.
-- outcome: no_phone, or tele_api_call_start's.
CREATE FUNCTION tele_api_call_dial(lead bigint, agent bigint, queue bigint,
    scope bigint[], privileged boolean,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT phone FROM users WHERE id = agent) IS NULL THEN
        outcome := 'no_phone';
        RETURN;
    END IF;
    SELECT s.outcome, s.body, s.events INTO outcome, body, events
        FROM tele_api_call_start(lead, agent, 'click_to_call', queue, scope,
            privileged) s;
END $$;

-- The events of a change of a provider-placed call: the agent's console
-- and the lead's watchers hear of it; an end puts the agent in wrap-up.
CREATE FUNCTION tele_voice_events(c calls, ended boolean) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT (jsonb_build_array(
        tele_event('user:' || c.agent_id, 'call.updated', tele_call_json(c)),
        tele_event('lead:' || c.lead_id, 'lead.updated', jsonb_build_object(
            'lead_id', c.lead_id, 'call_id', c.id, 'call_status', c.status)))
        || CASE WHEN ended THEN jsonb_build_array(tele_event('agents',
            'agent.state', jsonb_build_object('user_id', c.agent_id,
            'state', 'wrap_up', 'call_id', c.id))) ELSE '[]' END)::text
$$;

-- Ends call (failed or ended) and moves its agent from this call to
-- wrap-up.  False if it had already ended.
CREATE FUNCTION tele_voice_end(call bigint, new_status text, talk int)
    RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    c calls;
BEGIN
    UPDATE calls SET status = new_status, ended_at = coalesce(ended_at, now()),
        talk_seconds = coalesce(talk, talk_seconds, CASE WHEN answered_at IS NULL
            THEN 0 ELSE greatest(0, extract(epoch FROM now() - answered_at)::int) END)
        WHERE id = call AND ended_at IS NULL AND dispositioned_at IS NULL
        RETURNING * INTO c;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM agent_states WHERE user_id = c.agent_id
        AND state = 'on_call' AND call_id = call) THEN
        PERFORM tele_agent_set(c.agent_id, 'wrap_up', NULL, c.queue_id,
            c.lead_id, call);
    END IF;
    RETURN true;
END $$;

-- What the voice.dial job needs: whether the call still waits for its
-- dial ('dial'; 'done' when dialled, ended or not a click-to-call), the
-- agent's phone and the lead's number.
CREATE FUNCTION tele_voice_pending(call bigint, OUT outcome text,
    OUT agent_phone text, OUT lead_phone text) LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN c.status = 'started' AND c.provider_sid IS NULL
            AND c.ended_at IS NULL AND c.dispositioned_at IS NULL
            AND c.mode = 'click_to_call' THEN 'dial' ELSE 'done' END,
        u.phone, c.phone
    FROM calls c JOIN users u ON u.id = c.agent_id WHERE c.id = call
$$;

-- The provider accepted the call: it rings the agent.  A call ended
-- meanwhile keeps its end but learns its SID, so callbacks still match.
CREATE FUNCTION tele_voice_dialed(call bigint, sid text, pstatus text,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    c calls;
BEGIN
    UPDATE calls SET provider_sid = coalesce(provider_sid, sid),
        provider_status = coalesce(provider_status, pstatus),
        status = CASE WHEN status = 'started' AND ended_at IS NULL
            THEN 'ringing' ELSE status END
        WHERE id = call RETURNING * INTO c;
    IF NOT FOUND THEN
        outcome := 'none';
        RETURN;
    END IF;
    outcome := 'ok';
    body := tele_call_json(c)::text;
    events := tele_voice_events(c, false);
END $$;

-- The provider refused the call (or never answered): the call fails,
-- the agent goes to wrap-up and hears why (call.failed on user:<id>).
CREATE FUNCTION tele_voice_failed(call bigint, why text,
    OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    c calls;
    ended boolean;
BEGIN
    UPDATE calls SET provider_error = left(why, 500),
        provider_status = coalesce(provider_status, 'failed')
        WHERE id = call AND status = 'started' AND provider_sid IS NULL;
    IF NOT FOUND THEN
        outcome := 'none';
        RETURN;
    END IF;
    ended := tele_voice_end(call, 'failed', 0);
    SELECT * INTO c FROM calls WHERE id = call;
    outcome := 'ok';
    body := tele_call_json(c)::text;
    events := (tele_voice_events(c, ended)::jsonb || jsonb_build_array(
        tele_event('user:' || c.agent_id, 'call.failed', jsonb_build_object(
            'call_id', c.id, 'lead_id', c.lead_id, 'reason', left(why, 500)))))::text;
END $$;

-- A status callback of the provider: CallStatus moves the call forward
-- only (a repeated or late callback changes nothing but provider_status).
-- outcome: ok, not_found (no such call, or another call's SID).
CREATE FUNCTION tele_api_voice_status(call bigint, sid text, pstatus text,
    duration int, OUT outcome text, OUT body text, OUT events text)
    LANGUAGE plpgsql AS $$
DECLARE
    c calls;
    new_status text;
    cur_rank int;
    new_rank int;
    ended boolean := false;
BEGIN
    SELECT * INTO c FROM calls WHERE id = call FOR UPDATE;
    IF NOT FOUND OR c.mode <> 'click_to_call'
       OR (c.provider_sid IS NOT NULL AND c.provider_sid <> sid) THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    new_status := CASE pstatus
        WHEN 'queued' THEN 'ringing' WHEN 'initiated' THEN 'ringing'
        WHEN 'ringing' THEN 'ringing' WHEN 'in-progress' THEN 'in_progress'
        WHEN 'completed' THEN 'ended' ELSE 'failed' END;
    cur_rank := CASE c.status WHEN 'started' THEN 0 WHEN 'ringing' THEN 1
        WHEN 'in_progress' THEN 2 ELSE 3 END;
    new_rank := CASE new_status WHEN 'ringing' THEN 1 WHEN 'in_progress' THEN 2
        ELSE 3 END;
    -- The callback may come before the dial job recorded the SID.
    UPDATE calls SET provider_sid = coalesce(provider_sid, sid),
        provider_status = pstatus WHERE id = call;
    outcome := 'ok';
    IF new_rank <= cur_rank OR c.dispositioned_at IS NOT NULL THEN
        RETURN;
    END IF;
    IF new_rank = 3 THEN
        ended := tele_voice_end(call, new_status,
            CASE WHEN new_status = 'ended' THEN duration ELSE 0 END);
        IF NOT ended THEN
            RETURN;
        END IF;
    ELSE
        UPDATE calls SET status = new_status,
            answered_at = CASE WHEN new_status = 'in_progress'
                THEN coalesce(answered_at, now()) ELSE answered_at END
            WHERE id = call;
    END IF;
    SELECT * INTO c FROM calls WHERE id = call;
    body := tele_call_json(c)::text;
    events := tele_voice_events(c, ended);
END $$;
