-- Tele-calling: leads and their history, queues (campaigns) with their
-- dispositions and agents, calls, callbacks, the do-not-call list,
-- agents' states, customer queries and web-form captures.
--
-- The flow: a lead enters a queue (by hand, CSV import, a web form, a
-- customer query...); POST /v1/queues/{id}/next holds the best lead for
-- one agent (held_by, held_until) with FOR UPDATE SKIP LOCKED; the agent
-- calls and ends the call with one of the queue's dispositions, whose
-- rules set the lead's status and schedule a retry or a callback, or put
-- the number on the do-not-call list.

-- Languages a staff member speaks besides users.language (assignment of
-- new leads matches the lead's language against both).
ALTER TABLE users ADD COLUMN languages text[] NOT NULL DEFAULT '{}'
    CHECK (array_position(languages, NULL) IS NULL AND cardinality(languages) <= 10);

-- The lead statuses and sources, one place for the CHECKs.
CREATE FUNCTION lead_status_ok(s text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN s IN ('new', 'contacted', 'interested', 'callback', 'converted',
                 'not_interested', 'unreachable', 'dnc', 'invalid');

CREATE TABLE queues (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL UNIQUE
                        CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    description         text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    status              text NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'paused', 'archived')),
    -- Leads of these regions (and below) are routed here; empty: any.
    region_ids          bigint[] NOT NULL DEFAULT '{}'
                        CHECK (array_position(region_ids, NULL) IS NULL),
    -- Leads speaking one of these; empty: any.
    languages           text[] NOT NULL DEFAULT '{}'
                        CHECK (array_position(languages, NULL) IS NULL),
    -- Which other leads are routed here: {"sources": [...], "tags": [...],
    -- "min_score": n}; every key given must match.
    eligibility         jsonb NOT NULL DEFAULT '{}'
                        CHECK (jsonb_typeof(eligibility) = 'object'),
    -- Routing of new leads tries queues by priority, highest first.
    priority            int NOT NULL DEFAULT 0 CHECK (priority BETWEEN -1000 AND 1000),
    -- Calling hours in the lead's own time zone, on ISO days (1 = Monday).
    call_from           time NOT NULL DEFAULT '09:00',
    call_until          time NOT NULL DEFAULT '21:00',
    call_days           int[] NOT NULL DEFAULT '{1,2,3,4,5,6}'
                        CHECK (call_days <@ '{1,2,3,4,5,6,7}' AND cardinality(call_days) >= 1),
    max_attempts        int NOT NULL DEFAULT 6 CHECK (max_attempts BETWEEN 1 AND 100),
    max_daily_attempts  int NOT NULL DEFAULT 3 CHECK (max_daily_attempts BETWEEN 1 AND 50),
    -- How long a lead handed to an agent stays theirs without a disposition.
    hold_seconds        int NOT NULL DEFAULT 900 CHECK (hold_seconds BETWEEN 60 AND 14400),
    -- How new leads get an owner.
    assignment          text NOT NULL DEFAULT 'round_robin'
                        CHECK (assignment IN ('round_robin', 'least_loaded', 'none')),
    -- New inbound leads and customer queries are first contacted within this.
    sla_seconds         int NOT NULL DEFAULT 3600 CHECK (sla_seconds BETWEEN 60 AND 2592000),
    -- The agent's script; {{name}}, {{phone}}, {{interest}}, {{custom.x}}... are filled in.
    script              text NOT NULL DEFAULT '' CHECK (char_length(script) <= 20000),
    -- The custom fields of its leads: {"field": {"type": "text"|"number"|
    -- "boolean"|"enum"|"date", "required": bool, "values": [...]}}.
    fields              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(fields) = 'object'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (call_from < call_until)
);
CREATE INDEX queues_routing ON queues (priority DESC, id) WHERE status = 'active';
CREATE TRIGGER queues_updated_at BEFORE UPDATE ON queues
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- What an agent may end a call with, and what each does to the lead.
CREATE TABLE dispositions (
    queue_id       bigint NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    code           text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
    label          text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 60),
    hotkey         int CHECK (hotkey BETWEEN 1 AND 9),
    -- The lead's status after it.
    lead_status    text NOT NULL CHECK (lead_status_ok(lead_status) AND lead_status <> 'new'),
    -- Try the lead again after this long (NULL: not again).
    retry_minutes  int CHECK (retry_minutes BETWEEN 1 AND 525600),
    -- Asks when to call back (a callback is scheduled).
    callback       boolean NOT NULL DEFAULT false,
    -- Puts the number on the do-not-call list.
    dnc            boolean NOT NULL DEFAULT false,
    -- The person was reached (contact rate), and converted.
    connected      boolean NOT NULL DEFAULT false,
    converted      boolean NOT NULL DEFAULT false,
    position       int NOT NULL DEFAULT 0,
    PRIMARY KEY (queue_id, code),
    UNIQUE (queue_id, hotkey),
    CHECK (NOT dnc OR lead_status = 'dnc'),
    CHECK (NOT converted OR lead_status = 'converted'),
    CHECK (NOT callback OR lead_status = 'callback')
);

-- Every queue starts with the usual set; staff edit it afterwards.
CREATE FUNCTION queues_default_dispositions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dispositions (queue_id, code, label, hotkey, lead_status,
        retry_minutes, callback, dnc, connected, converted, position)
    VALUES
        (NEW.id, 'interested', 'Interested', 1, 'interested', NULL, false, false, true, false, 1),
        (NEW.id, 'not_interested', 'Not interested', 2, 'not_interested', NULL, false, false, true, false, 2),
        (NEW.id, 'callback', 'Call back', 3, 'callback', NULL, true, false, true, false, 3),
        (NEW.id, 'no_answer', 'No answer', 4, 'unreachable', 120, false, false, false, false, 4),
        (NEW.id, 'busy', 'Busy', 5, 'unreachable', 30, false, false, false, false, 5),
        (NEW.id, 'wrong_number', 'Wrong number', 6, 'invalid', NULL, false, false, false, false, 6),
        (NEW.id, 'dnc', 'Do not call', 7, 'dnc', NULL, false, true, true, false, 7),
        (NEW.id, 'converted', 'Converted', 8, 'converted', NULL, false, false, true, true, 8),
        (NEW.id, 'contacted', 'Spoke, follow up later', 9, 'contacted', 1440, false, false, true, false, 9);
    RETURN NULL;
END $$;
CREATE TRIGGER queues_dispositions AFTER INSERT ON queues
    FOR EACH ROW EXECUTE FUNCTION queues_default_dispositions();

-- The agents of a queue (telecallers, supervisors).
CREATE TABLE queue_agents (
    queue_id  bigint NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (queue_id, user_id)
);
CREATE INDEX queue_agents_user ON queue_agents (user_id);

CREATE TABLE leads (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text CHECK (char_length(name) BETWEEN 1 AND 200),
    -- E.164; unique: a second lead with the number merges into this one.
    phone             text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    alt_phone         text CHECK (alt_phone ~ '^\+[1-9][0-9]{7,14}$'),
    email             text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
                          AND char_length(email) <= 254),
    language          text CHECK (language ~ '^[a-z]{2,3}$'),
    region_id         bigint REFERENCES regions (id),
    pincode           text CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    -- IANA name; calling hours are in it.
    timezone          text NOT NULL DEFAULT 'Asia/Kolkata'
                      CHECK (char_length(timezone) BETWEEN 1 AND 64),
    source            text NOT NULL CHECK (source IN ('manual', 'csv_import',
                          'web_form', 'support_chat', 'abandoned_cart',
                          'vendor_registration', 'b2b_enquiry', 'missed_call',
                          'customer_query')),
    interest          text CHECK (char_length(interest) <= 500),
    tags              text[] NOT NULL DEFAULT '{}'
                      CHECK (array_position(tags, NULL) IS NULL AND cardinality(tags) <= 20),
    score             int NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
    -- Served before leads of lower priority (inbound and queries are higher).
    priority          int NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100),
    status            text NOT NULL DEFAULT 'new' CHECK (lead_status_ok(status)),
    queue_id          bigint REFERENCES queues (id),
    owner_id          bigint REFERENCES users (id),
    -- Following the queue's field schema.
    custom            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom) = 'object'),
    -- The customer account this lead is, once known.
    user_id           bigint REFERENCES users (id),
    attempts          int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Attempts on attempts_on (the lead's local date).
    day_attempts      int NOT NULL DEFAULT 0 CHECK (day_attempts >= 0),
    attempts_on       date,
    -- Not served before this (retry delays).
    next_call_at      timestamptz NOT NULL DEFAULT '-infinity',
    -- Handed to this agent until then (a disposition releases it).
    held_by           bigint REFERENCES users (id),
    held_until        timestamptz,
    -- Inbound leads and queries: contacted by then, or a breach.
    sla_due_at        timestamptz,
    first_contact_at  timestamptz,
    last_call_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((held_by IS NULL) = (held_until IS NULL))
);
CREATE UNIQUE INDEX leads_phone ON leads (phone);
CREATE UNIQUE INDEX leads_email ON leads (lower(email)) WHERE email IS NOT NULL;
-- The next lead: the callable leads of a queue in serving order.
CREATE INDEX leads_ready ON leads (queue_id, priority DESC, score DESC, id)
    WHERE status IN ('new', 'contacted', 'unreachable');
CREATE INDEX leads_queue ON leads (queue_id, id);
CREATE INDEX leads_owner ON leads (owner_id, id) WHERE owner_id IS NOT NULL;
CREATE INDEX leads_status ON leads (status, id);
CREATE INDEX leads_region ON leads (region_id, id);
CREATE INDEX leads_held ON leads (held_by) WHERE held_by IS NOT NULL;
CREATE INDEX leads_sla ON leads (sla_due_at)
    WHERE first_contact_at IS NULL AND sla_due_at IS NOT NULL;
CREATE INDEX leads_name ON leads USING gin (lower(name) gin_trgm_ops);
CREATE INDEX leads_phone_prefix ON leads (phone text_pattern_ops);
CREATE INDEX leads_alt_phone ON leads (alt_phone) WHERE alt_phone IS NOT NULL;
CREATE INDEX leads_user ON leads (user_id) WHERE user_id IS NOT NULL;
CREATE TRIGGER leads_updated_at BEFORE UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every change of a lead: created, merged, status, assigned, held,
-- released, note, callback, dnc, updated, imported, captured.
CREATE TABLE lead_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id      bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    type         text NOT NULL CHECK (type ~ '^[a-z][a-z_]*$'),
    from_status  text,
    to_status    text,
    actor_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    data         jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);

CREATE TABLE calls (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id           bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    queue_id          bigint REFERENCES queues (id),
    agent_id          bigint NOT NULL REFERENCES users (id),
    -- manual: the agent dials; click_to_call: the voice provider rings the
    -- agent, then the lead; logged: made outside souk, recorded by hand.
    mode              text NOT NULL CHECK (mode IN ('manual', 'click_to_call', 'logged')),
    direction         text NOT NULL DEFAULT 'outbound'
                      CHECK (direction IN ('outbound', 'inbound')),
    phone             text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    status            text NOT NULL DEFAULT 'started' CHECK (status IN ('started',
                          'ringing', 'in_progress', 'ended', 'failed')),
    provider_sid      text UNIQUE,
    provider_status   text,
    started_at        timestamptz NOT NULL DEFAULT now(),
    answered_at       timestamptz,
    ended_at          timestamptz,
    disposition       text CHECK (disposition ~ '^[a-z][a-z0-9_]{0,31}$'),
    connected         boolean,
    converted         boolean,
    dispositioned_at  timestamptz,
    notes             text CHECK (char_length(notes) <= 5000),
    talk_seconds      int CHECK (talk_seconds >= 0),
    wrap_seconds      int CHECK (wrap_seconds >= 0),
    CHECK ((disposition IS NULL) = (dispositioned_at IS NULL))
);
CREATE INDEX calls_lead ON calls (lead_id, id);
CREATE INDEX calls_agent ON calls (agent_id, started_at);
CREATE INDEX calls_queue ON calls (queue_id, started_at);
CREATE INDEX calls_open ON calls (agent_id) WHERE dispositioned_at IS NULL;

CREATE TABLE callbacks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id     bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    queue_id    bigint NOT NULL REFERENCES queues (id),
    -- Whose; NULL: anyone's in the queue.
    agent_id    bigint REFERENCES users (id),
    due_at      timestamptz NOT NULL,
    note        text CHECK (char_length(note) <= 1000),
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    call_id     bigint REFERENCES calls (id)
);
-- One open callback per lead: scheduling again moves it.
CREATE UNIQUE INDEX callbacks_open ON callbacks (lead_id) WHERE done_at IS NULL;
CREATE INDEX callbacks_queue_due ON callbacks (queue_id, due_at) WHERE done_at IS NULL;
CREATE INDEX callbacks_agent_due ON callbacks (agent_id, due_at) WHERE done_at IS NULL;

-- Numbers never served as a next lead.
CREATE TABLE dnc (
    phone       text PRIMARY KEY CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    reason      text CHECK (char_length(reason) <= 500),
    source      text NOT NULL CHECK (source IN ('agent', 'disposition', 'import',
                    'customer', 'admin', 'api')),
    added_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dnc_created ON dnc (created_at DESC, phone);

-- Each agent's state now, and every state they were in (reports).
CREATE TABLE agent_states (
    user_id           bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    state             text NOT NULL DEFAULT 'offline' CHECK (state IN ('offline',
                          'available', 'on_call', 'wrap_up', 'paused')),
    reason            text CHECK (reason IN ('break', 'lunch', 'meeting', 'training',
                          'other')),
    queue_id          bigint REFERENCES queues (id) ON DELETE SET NULL,
    lead_id           bigint REFERENCES leads (id) ON DELETE SET NULL,
    call_id           bigint REFERENCES calls (id) ON DELETE SET NULL,
    since             timestamptz NOT NULL DEFAULT now(),
    -- Round robin gives the next new lead to whoever had one longest ago.
    last_assigned_at  timestamptz NOT NULL DEFAULT '-infinity',
    CHECK ((state = 'paused') = (reason IS NOT NULL))
);
CREATE TABLE agent_state_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state       text NOT NULL,
    reason      text,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX agent_state_log_user ON agent_state_log (user_id, started_at);
CREATE INDEX agent_state_log_started ON agent_state_log (started_at);
CREATE UNIQUE INDEX agent_state_log_open ON agent_state_log (user_id) WHERE ended_at IS NULL;

-- A customer's query about an order or a vendor: it rides on the
-- customer's lead through the queues, so agents work it like a lead.
CREATE TABLE queries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id      bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    customer_id  bigint REFERENCES users (id),
    vendor_id    bigint REFERENCES vendors (id),
    order_ref    text CHECK (char_length(order_ref) BETWEEN 1 AND 64),
    subject      text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
    body         text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open',
                     'in_progress', 'resolved', 'closed')),
    resolution   text CHECK (char_length(resolution) <= 5000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz
);
CREATE INDEX queries_lead ON queries (lead_id, id);
CREATE INDEX queries_customer ON queries (customer_id, id DESC);
CREATE INDEX queries_status ON queries (status, id);
CREATE TRIGGER queries_updated_at BEFORE UPDATE ON queries
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Web-form captures, for rate limits per client address.
CREATE TABLE lead_captures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip          inet,
    queue_id    bigint REFERENCES queues (id) ON DELETE CASCADE,
    lead_id     bigint REFERENCES leads (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_captures_ip ON lead_captures (ip, created_at);
