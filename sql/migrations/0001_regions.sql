-- Shared helpers and the region tree (country, state or union territory,
-- district, city, pincode area) that scopes staff, vendors and customers.

-- Timestamps in API responses: RFC 3339, UTC, milliseconds.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- Keeps updated_at current on any table that has one.
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

-- Depth of each kind of region; a region's parent is always shallower.
CREATE FUNCTION region_rank(kind text) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE kind
        WHEN 'country' THEN 0
        WHEN 'state' THEN 1
        WHEN 'union_territory' THEN 1
        WHEN 'district' THEN 2
        WHEN 'city' THEN 3
        WHEN 'area' THEN 4
    END;

CREATE TABLE regions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   bigint REFERENCES regions (id) ON DELETE RESTRICT,
    kind        text NOT NULL CHECK (region_rank(kind) IS NOT NULL),
    name        text NOT NULL
                CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    -- Names in other languages, by BCP 47 tag: {"hi": "महाराष्ट्र"}.
    names       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object'),
    -- ISO 3166 code for countries and states ("IN", "IN-MH").
    code        text UNIQUE CHECK (code ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    pincode     text UNIQUE CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    -- Ids from the root down to this region, maintained by triggers; the
    -- subtree of X is every region whose path contains X.
    path        bigint[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'country') = (parent_id IS NULL)),
    CHECK (kind <> 'area' OR pincode IS NOT NULL),
    UNIQUE NULLS NOT DISTINCT (parent_id, name)
);

CREATE INDEX regions_parent_name ON regions (parent_id, name, id);
CREATE INDEX regions_kind_name ON regions (kind, name, id);
CREATE INDEX regions_name ON regions (name, id);
CREATE INDEX regions_path ON regions USING gin (path);

CREATE FUNCTION regions_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent regions;
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := ARRAY[NEW.id];
        RETURN NEW;
    END IF;
    SELECT * INTO parent FROM regions WHERE id = NEW.parent_id;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('parent region %s does not exist', NEW.parent_id),
            CONSTRAINT = 'regions_parent_id_fkey';
    END IF;
    IF NEW.id = ANY (parent.path) THEN
        RAISE check_violation USING
            MESSAGE = 'a region cannot be moved under itself',
            CONSTRAINT = 'regions_no_cycle';
    END IF;
    IF region_rank(parent.kind) >= region_rank(NEW.kind) THEN
        RAISE check_violation USING
            MESSAGE = format('a %s cannot be inside a %s', NEW.kind, parent.kind),
            CONSTRAINT = 'regions_kind_order';
    END IF;
    NEW.path := parent.path || NEW.id;
    RETURN NEW;
END $$;

-- After a move, the whole subtree follows in one statement.
CREATE FUNCTION regions_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE regions
       SET path = NEW.path || path[cardinality(OLD.path) + 1:]
     WHERE path @> ARRAY[NEW.id] AND id <> NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER regions_path BEFORE INSERT OR UPDATE OF parent_id, kind
    ON regions FOR EACH ROW EXECUTE FUNCTION regions_set_path();
CREATE TRIGGER regions_subtree AFTER UPDATE OF parent_id ON regions
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION regions_move_subtree();
CREATE TRIGGER regions_updated_at BEFORE UPDATE ON regions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
