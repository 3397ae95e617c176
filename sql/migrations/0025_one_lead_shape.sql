-- One shape for a lead and one for its history, whoever answers with
-- them (GET /v1/leads/{id}, the next lead, a call's answer): 0019 and
-- 0020 each wrote their own, which had drifted apart (0020 called a lead
-- contacted late "breached" for ever; the lead list's ?sla=breached means
-- "due and still not contacted").  lead_json and lead_history are the
-- shapes, as PL/pgSQL so that their subqueries are planned once per
-- connection (see 0023); tele_lead_json and tele_lead_history stay as
-- names for them, for the functions of 0020 to 0023 that call those.

CREATE OR REPLACE FUNCTION lead_json(l leads) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
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
        'held_until', tele_ts(l.held_until),
        'sla_due_at', tele_ts(l.sla_due_at),
        'sla_breached', l.sla_due_at IS NOT NULL
            AND l.first_contact_at IS NULL AND l.sla_due_at <= now(),
        'first_contact_at', tele_ts(l.first_contact_at),
        'last_call_at', tele_ts(l.last_call_at),
        'created_at', tele_ts(l.created_at),
        'updated_at', tele_ts(l.updated_at));
END $$;

CREATE OR REPLACE FUNCTION lead_history(lead bigint) RETURNS jsonb
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
        'queries', coalesce((SELECT jsonb_agg(lead_query_json(q)
            ORDER BY q.id DESC) FROM (SELECT * FROM queries
            WHERE lead_id = lead ORDER BY id DESC LIMIT 50) q), '[]'));
END $$;

CREATE OR REPLACE FUNCTION tele_lead_json(l leads) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN lead_json(l);
END $$;

CREATE OR REPLACE FUNCTION tele_lead_history(lead bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN lead_history(lead);
END $$;
