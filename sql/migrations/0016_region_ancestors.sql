-- A region's ancestors, kept on the row: GET /v1/regions/{id} is read far
-- more often than regions change, and looking them up on each read was
-- most of its cost.  Maintained by the triggers that keep path.

-- The ancestors of a region whose path is p, from the root:
-- [{id, kind, name}].
CREATE FUNCTION region_ancestors(p bigint[]) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id,
                        'kind', a.kind, 'name', a.name)
                        ORDER BY cardinality(a.path))
                       FROM regions a
                      WHERE a.id = ANY (p[1:cardinality(p) - 1])),
                    '[]');

ALTER TABLE regions ADD COLUMN ancestors jsonb NOT NULL DEFAULT '[]';
UPDATE regions SET ancestors = region_ancestors(path);

CREATE OR REPLACE FUNCTION regions_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent regions;
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := ARRAY[NEW.id];
        NEW.ancestors := '[]';
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
    NEW.ancestors := parent.ancestors || jsonb_build_object('id', parent.id,
        'kind', parent.kind, 'name', parent.name);
    RETURN NEW;
END $$;

-- After a move, the whole subtree follows: paths and ancestors.
CREATE OR REPLACE FUNCTION regions_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE regions
       SET path = NEW.path || path[cardinality(OLD.path) + 1:]
     WHERE path @> ARRAY[NEW.id] AND id <> NEW.id;
    UPDATE regions
       SET ancestors = region_ancestors(path)
     WHERE path @> ARRAY[NEW.id] AND id <> NEW.id;
    RETURN NULL;
END $$;

-- A renamed region is renamed in its descendants' ancestors.
CREATE FUNCTION regions_rename_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE regions
       SET ancestors = region_ancestors(path)
     WHERE path @> ARRAY[NEW.id] AND id <> NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER regions_rename AFTER UPDATE OF name, kind ON regions
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
                       OR OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION regions_rename_subtree();
