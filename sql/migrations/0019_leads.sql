-- Leads in SQL: their JSON, routing of a new lead to a queue, assignment
-- to an agent, the check of custom fields against a queue's schema, and
-- lead_ingest, the one way a lead comes in (POST /v1/leads, CSV import,
-- web forms, customer queries): a lead whose phone or email is known
-- merges into the existing one, keeping its history.

-- A lead as the API shows it (lists, GET /v1/leads/{id}, the next lead).
CREATE FUNCTION lead_json(l leads) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN jsonb_build_object(
        'id', l.id, 'name', l.name, 'phone', l.phone,
        'alt_phone', l.alt_phone, 'email', l.email, 'language', l.language,
        'region_id', l.region_id,
        'region_name', (SELECT r.name FROM regions r WHERE r.id = l.region_id),
        'pincode', l.pincode, 'timezone', l.timezone,
        'local_time', to_char(now() AT TIME ZONE l.timezone, 'HH24:MI'),
        'source', l.source, 'interest', l.interest, 'tags', to_jsonb(l.tags),
        'score', l.score, 'priority', l.priority, 'status', l.status,
        'queue_id', l.queue_id,
        'queue_name', (SELECT q.name FROM queues q WHERE q.id = l.queue_id),
        'owner_id', l.owner_id,
        'owner_name', (SELECT u.name FROM users u WHERE u.id = l.owner_id),
        'custom', l.custom, 'user_id', l.user_id, 'attempts', l.attempts,
        'next_call_at', CASE WHEN isfinite(l.next_call_at)
            THEN rfc3339(l.next_call_at) END,
        'held_by', l.held_by, 'held_until', rfc3339(l.held_until),
        'sla_due_at', rfc3339(l.sla_due_at),
        'sla_breached', l.sla_due_at IS NOT NULL
            AND l.first_contact_at IS NULL AND l.sla_due_at <= now(),
        'first_contact_at', rfc3339(l.first_contact_at),
        'last_call_at', rfc3339(l.last_call_at),
        'created_at', rfc3339(l.created_at),
        'updated_at', rfc3339(l.updated_at));

CREATE FUNCTION lead_query_json(q queries) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN jsonb_build_object(
        'id', q.id, 'lead_id', q.lead_id, 'customer_id', q.customer_id,
        'vendor_id', q.vendor_id, 'order_ref', q.order_ref,
        'subject', q.subject, 'body', q.body, 'status', q.status,
        'resolution', q.resolution, 'created_at', rfc3339(q.created_at),
        'updated_at', rfc3339(q.updated_at),
        'resolved_at', rfc3339(q.resolved_at));

-- What happened to a lead, newest first, up to 50 of each kind.
CREATE FUNCTION lead_history(lead bigint) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN jsonb_build_object(
        'events', coalesce((SELECT jsonb_agg(x.j ORDER BY x.id DESC) FROM (
            SELECT e.id, jsonb_build_object('id', e.id, 'type', e.type,
                'from_status', e.from_status, 'to_status', e.to_status,
                'actor_id', e.actor_id, 'actor_name', u.name, 'data', e.data,
                'created_at', rfc3339(e.created_at)) j
            FROM lead_events e LEFT JOIN users u ON u.id = e.actor_id
            WHERE e.lead_id = lead ORDER BY e.id DESC LIMIT 50) x), '[]'),
        'calls', coalesce((SELECT jsonb_agg(x.j ORDER BY x.id DESC) FROM (
            SELECT c.id, jsonb_build_object('id', c.id, 'lead_id', c.lead_id,
                'queue_id', c.queue_id, 'agent_id', c.agent_id,
                'agent_name', u.name, 'mode', c.mode,
                'direction', c.direction, 'phone', c.phone,
                'status', c.status, 'started_at', rfc3339(c.started_at),
                'answered_at', rfc3339(c.answered_at),
                'ended_at', rfc3339(c.ended_at),
                'disposition', c.disposition, 'connected', c.connected,
                'converted', c.converted, 'notes', c.notes,
                'talk_seconds', c.talk_seconds,
                'wrap_seconds', c.wrap_seconds) j
            FROM calls c LEFT JOIN users u ON u.id = c.agent_id
            WHERE c.lead_id = lead ORDER BY c.id DESC LIMIT 50) x), '[]'),
        'callbacks', coalesce((SELECT jsonb_agg(x.j ORDER BY x.id DESC) FROM (
            SELECT b.id, jsonb_build_object('id', b.id, 'lead_id', b.lead_id,
                'lead_name', l.name, 'phone', l.phone,
                'queue_id', b.queue_id, 'agent_id', b.agent_id,
                'agent_name', u.name, 'due_at', rfc3339(b.due_at),
                'note', b.note,
                'overdue', b.done_at IS NULL AND b.due_at < now()) j
            FROM callbacks b JOIN leads l ON l.id = b.lead_id
            LEFT JOIN users u ON u.id = b.agent_id
            WHERE b.lead_id = lead ORDER BY b.id DESC LIMIT 50) x), '[]'),
        'queries', coalesce((SELECT jsonb_agg(x.j ORDER BY x.id DESC) FROM (
            SELECT q.id, lead_query_json(q) j FROM queries q
            WHERE q.lead_id = lead ORDER BY q.id DESC LIMIT 50) x), '[]'));

-- The first active queue (highest priority) taking a lead of this kind.
CREATE FUNCTION lead_route(region bigint, lang text, src text, tags text[],
    score int) RETURNS bigint
    LANGUAGE sql STABLE
    RETURN (SELECT q.id FROM queues q WHERE q.status = 'active'
        AND (q.region_ids = '{}' OR region_in_scope(region, q.region_ids))
        AND (q.languages = '{}' OR lang = ANY (q.languages))
        AND (NOT q.eligibility ? 'sources' OR src IN (
            SELECT jsonb_array_elements_text(q.eligibility -> 'sources')))
        AND (NOT q.eligibility ? 'tags' OR tags && ARRAY(
            SELECT jsonb_array_elements_text(q.eligibility -> 'tags')))
        AND (jsonb_typeof(q.eligibility -> 'min_score') IS DISTINCT FROM
            'number' OR score >= (q.eligibility ->> 'min_score')::numeric)
        ORDER BY q.priority DESC, q.id LIMIT 1);

-- The agent a new lead of queue goes to by the queue's assignment, or
-- NULL: active users who are agents of the queue, available, whose
-- regions cover the lead's and who speak its language.
CREATE FUNCTION lead_pick_owner(queue bigint, region bigint, lang text)
    RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    how  text;
    who  bigint;
BEGIN
    SELECT q.assignment INTO how FROM queues q WHERE q.id = queue;
    IF how IS NULL OR how = 'none' THEN
        RETURN NULL;
    END IF;
    SELECT u.id INTO who FROM queue_agents a
        JOIN users u ON u.id = a.user_id
        JOIN agent_states s ON s.user_id = u.id
        WHERE a.queue_id = queue AND u.status = 'active'
        AND u.role IN ('telecaller', 'supervisor', 'admin')
        AND s.state = 'available'
        AND (u.role = 'admin' OR region_in_scope(region, (SELECT
            coalesce(array_agg(ur.region_id), '{}') FROM user_regions ur
            WHERE ur.user_id = u.id)))
        AND (lang IS NULL OR u.language = lang OR lang = ANY (u.languages))
        ORDER BY CASE WHEN how = 'least_loaded' THEN (SELECT count(*)
            FROM leads o WHERE o.owner_id = u.id AND o.status NOT IN
            ('converted', 'not_interested', 'dnc', 'invalid')) END,
            s.last_assigned_at, u.id
        LIMIT 1 FOR UPDATE OF s SKIP LOCKED;
    IF who IS NOT NULL THEN
        UPDATE agent_states SET last_assigned_at = clock_timestamp()
            WHERE user_id = who;
    END IF;
    RETURN who;
END $$;

-- Why custom does not follow a queue's fields schema, or NULL if it does.
-- A queue without fields takes any custom object.
CREATE FUNCTION lead_custom_error(fields jsonb, custom jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k  text;
    f  jsonb;
    v  jsonb;
    d  date;
BEGIN
    custom := coalesce(custom, '{}');
    fields := coalesce(fields, '{}');
    IF fields = '{}' THEN
        RETURN NULL;
    END IF;
    FOR k IN SELECT jsonb_object_keys(custom) LOOP
        IF NOT fields ? k THEN
            RETURN format('%s is not one of the queue''s fields', left(k, 40));
        END IF;
    END LOOP;
    FOR k, f IN SELECT * FROM jsonb_each(fields) LOOP
        v := custom -> k;
        IF v IS NULL OR v = 'null' THEN
            IF f ->> 'required' = 'true' THEN
                RETURN format('%s is required', k);
            END IF;
            CONTINUE;
        END IF;
        CASE f ->> 'type'
        WHEN 'number' THEN
            IF jsonb_typeof(v) <> 'number' THEN
                RETURN format('%s must be a number', k);
            END IF;
        WHEN 'boolean' THEN
            IF jsonb_typeof(v) <> 'boolean' THEN
                RETURN format('%s must be true or false', k);
            END IF;
        WHEN 'enum' THEN
            IF NOT coalesce(f -> 'values', '[]') @> jsonb_build_array(v) THEN
                RETURN format('%s must be one of %s', k, f -> 'values');
            END IF;
        WHEN 'date' THEN
            IF jsonb_typeof(v) <> 'string' OR
               v #>> '{}' !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
                RETURN format('%s must be a date (YYYY-MM-DD)', k);
            END IF;
            BEGIN
                d := (v #>> '{}')::date;
            EXCEPTION WHEN others THEN
                RETURN format('%s must be a date (YYYY-MM-DD)', k);
            END;
        ELSE
            IF jsonb_typeof(v) <> 'string' OR length(v #>> '{}') > 1000 THEN
                RETURN format('%s must be a text of at most 1000 characters', k);
            END IF;
        END CASE;
    END LOOP;
    RETURN NULL;
END $$;

-- Takes a lead in: b holds its fields as the API checked them (phone in
-- E.164, email lower-cased).  A lead with the same phone, or else the
-- same email, gets the missing fields filled, the tags united and the
-- higher score, and a `merged` event with b; otherwise a new lead is
-- routed (unless b names its queue), assigned by its queue's rule (unless
-- b names its owner), given an SLA when inbound, and gets a `created`
-- event.  A match outside scope (the caller's regions, NULL: all) raises
-- check_violation on constraint lead_scope.  Custom fields not following the queue's schema raise
-- check_violation on constraint lead_custom.
CREATE FUNCTION lead_ingest(b jsonb, actor bigint, scope bigint[],
    OUT lead_id bigint,
    OUT merged boolean, OUT queue_id bigint, OUT owner_id bigint)
    LANGUAGE plpgsql AS $$
DECLARE
    l        leads;
    q        queues;
    inbound  boolean := b ->> 'source' IN ('web_form', 'missed_call',
                 'support_chat', 'customer_query', 'b2b_enquiry');
    in_tags  text[] := ARRAY(SELECT jsonb_array_elements_text(
                 coalesce(b -> 'tags', '[]')));
    err      text;
BEGIN
    LOOP
        -- Two lookups, each by its index (an OR would scan the table).
        SELECT * INTO l FROM leads x WHERE x.phone = b ->> 'phone'
            FOR UPDATE;
        IF NOT FOUND AND b ->> 'email' IS NOT NULL THEN
            SELECT * INTO l FROM leads x
                WHERE lower(x.email) = lower(b ->> 'email') FOR UPDATE;
        END IF;
        IF FOUND THEN
            IF NOT region_in_scope(l.region_id, scope) THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation',
                    CONSTRAINT = 'lead_scope',
                    MESSAGE = 'the number or email is a lead outside your regions';
            END IF;
            UPDATE leads x SET
                name = coalesce(x.name, b ->> 'name'),
                alt_phone = coalesce(x.alt_phone, nullif(b ->> 'alt_phone',
                    x.phone), nullif(b ->> 'phone', x.phone)),
                email = coalesce(x.email, CASE WHEN NOT EXISTS (SELECT 1
                    FROM leads o WHERE lower(o.email) = lower(b ->> 'email'))
                    THEN b ->> 'email' END),
                language = coalesce(x.language, b ->> 'language'),
                region_id = coalesce(x.region_id, (b ->> 'region_id')::bigint),
                pincode = coalesce(x.pincode, b ->> 'pincode'),
                interest = coalesce(x.interest, b ->> 'interest'),
                tags = ARRAY(SELECT DISTINCT t FROM unnest(x.tags || in_tags) t
                    ORDER BY t LIMIT 20),
                score = greatest(x.score, coalesce((b ->> 'score')::int, 0)),
                priority = greatest(x.priority, coalesce((b ->> 'priority')::int,
                    CASE WHEN inbound THEN 50 ELSE 0 END)),
                custom = coalesce(b -> 'custom', '{}') || x.custom,
                user_id = coalesce(x.user_id, (b ->> 'user_id')::bigint),
                queue_id = coalesce(x.queue_id, (b ->> 'queue_id')::bigint),
                owner_id = coalesce(x.owner_id, (b ->> 'owner_id')::bigint)
                WHERE x.id = l.id
                RETURNING x.id, x.queue_id, x.owner_id
                INTO lead_id, queue_id, owner_id;
            INSERT INTO lead_events (lead_id, type, actor_id, data)
                VALUES (l.id, 'merged', actor, jsonb_build_object('came_in', b));
            merged := true;
            RETURN;
        END IF;

        queue_id := coalesce((b ->> 'queue_id')::bigint, lead_route(
            (b ->> 'region_id')::bigint, b ->> 'language', b ->> 'source',
            in_tags, coalesce((b ->> 'score')::int, 0)));
        IF b ? 'timezone' AND NOT EXISTS (SELECT 1 FROM pg_timezone_names
            WHERE name = b ->> 'timezone') THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                CONSTRAINT = 'lead_timezone',
                MESSAGE = 'must be an IANA time zone such as Asia/Kolkata';
        END IF;
        IF NOT region_in_scope((b ->> 'region_id')::bigint, scope) THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                CONSTRAINT = 'lead_region_scope',
                MESSAGE = 'the region is not one of yours';
        END IF;
        SELECT * INTO q FROM queues x WHERE x.id = queue_id;
        err := lead_custom_error(q.fields, b -> 'custom');
        IF err IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                CONSTRAINT = 'lead_custom', MESSAGE = err;
        END IF;
        owner_id := coalesce((b ->> 'owner_id')::bigint, CASE WHEN
            queue_id IS NOT NULL THEN lead_pick_owner(queue_id,
            (b ->> 'region_id')::bigint, b ->> 'language') END);
        INSERT INTO leads (name, phone, alt_phone, email, language, region_id,
            pincode, timezone, source, interest, tags, score, priority,
            status, queue_id, owner_id, custom, user_id, sla_due_at)
        VALUES (b ->> 'name', b ->> 'phone', b ->> 'alt_phone', b ->> 'email',
            b ->> 'language', (b ->> 'region_id')::bigint, b ->> 'pincode',
            coalesce(b ->> 'timezone', 'Asia/Kolkata'), b ->> 'source',
            b ->> 'interest', in_tags, coalesce((b ->> 'score')::int, 0),
            coalesce((b ->> 'priority')::int, CASE WHEN inbound THEN 50
                ELSE 0 END),
            coalesce(b ->> 'status', 'new'), queue_id, owner_id,
            coalesce(b -> 'custom', '{}'), (b ->> 'user_id')::bigint,
            CASE WHEN inbound AND q.id IS NOT NULL
                THEN now() + make_interval(secs => q.sla_seconds) END)
        ON CONFLICT DO NOTHING
        RETURNING id INTO lead_id;
        IF lead_id IS NULL THEN
            -- Another transaction took the phone or email first: merge.
            CONTINUE;
        END IF;
        INSERT INTO lead_events (lead_id, type, to_status, actor_id, data)
            VALUES (lead_id, 'created', coalesce(b ->> 'status', 'new'), actor,
                jsonb_build_object('source', b ->> 'source',
                    'queue_id', queue_id, 'owner_id', owner_id));
        merged := false;
        RETURN;
    END LOOP;
END $$;

-- lead_ingest for many rows (CSV import): rows is an array of lead
-- objects each with its "_row" number, taken in order.  careful: each
-- row goes in whole or not at all, and a refused one answers the
-- constraint (or NULL) and why; otherwise (faster: no subtransaction per
-- row) the first refusal fails the statement, and the caller, having
-- checked the rows, goes over the batch again carefully.
CREATE FUNCTION lead_ingest_rows(rows jsonb, actor bigint, scope bigint[],
    careful boolean)
    RETURNS TABLE (row_n int, lead_id bigint, merged boolean,
        refused_by text, reason text)
    LANGUAGE plpgsql AS $$
DECLARE
    r    record;
    got  record;
BEGIN
    FOR r IN SELECT x.value - '_row' AS b, (x.value ->> '_row')::int AS n
        FROM jsonb_array_elements(rows) WITH ORDINALITY x ORDER BY x.ordinality
    LOOP
        row_n := r.n;
        lead_id := NULL;
        merged := NULL;
        refused_by := NULL;
        reason := NULL;
        IF NOT careful THEN
            SELECT * INTO got FROM lead_ingest(r.b, actor, scope);
            lead_id := got.lead_id;
            merged := got.merged;
            RETURN NEXT;
            CONTINUE;
        END IF;
        BEGIN
            SELECT * INTO got FROM lead_ingest(r.b, actor, scope);
            lead_id := got.lead_id;
            merged := got.merged;
        EXCEPTION WHEN integrity_constraint_violation OR data_exception THEN
            GET STACKED DIAGNOSTICS refused_by = CONSTRAINT_NAME,
                reason = MESSAGE_TEXT;
        END;
        RETURN NEXT;
    END LOOP;
END $$;

-- A customer hears that their query was resolved.
INSERT INTO notification_templates (kind, channel, language, subject, body, html) VALUES
 ('query.resolved', 'email', 'en', 'Your query: {{query.subject}}',
  E'Hello {{user.name}},\n\nYour query "{{query.subject}}" is resolved.\n\n{{resolution}}\n\nReply to souk support if anything is still wrong.', NULL),
 ('query.resolved', 'email', 'hi', 'आपका प्रश्न: {{query.subject}}',
  E'नमस्ते {{user.name}},\n\nआपका प्रश्न "{{query.subject}}" हल हो गया है।\n\n{{resolution}}', NULL),
 ('query.resolved', 'sms', 'en', NULL,
  'souk: your query "{{query.subject}}" is resolved. {{resolution}}', NULL),
 ('query.resolved', 'sms', 'hi', NULL,
  'souk: आपका प्रश्न "{{query.subject}}" हल हो गया है। {{resolution}}', NULL);
