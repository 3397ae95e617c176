-- Live events: what changed, on which topic, kept for a short replay
-- window so that a client reconnecting with Last-Event-ID misses nothing.
-- NOTIFY souk_events is only the wake-up; soukd reads the rows.

CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- "orders", "order:42", "queue:7", "user:9", ...
    topic       text NOT NULL CHECK (topic ~ '^[a-z][a-z_]*(:[A-Za-z0-9_.-]{1,64})?$'),
    type        text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
    data        jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_topic ON events (topic, id);
CREATE INDEX events_created ON events (created_at);

ALTER TABLE events SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_insert_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0
);
