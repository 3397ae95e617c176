-- A region's number of children, kept on the row like its ancestors
-- (0016): GET /v1/regions/{id} counted them on every read, which cost
-- PostgreSQL more than the rest of the read.  Statement triggers with
-- transition tables recount the parents a statement touched, so a bulk
-- insert (the seed) recounts each parent once and the count cannot drift.

ALTER TABLE regions ADD COLUMN child_count integer NOT NULL DEFAULT 0
    CHECK (child_count >= 0);
-- A recount is not an edit of the parent: its updated_at stays.
DROP TRIGGER regions_updated_at ON regions;
CREATE TRIGGER regions_updated_at BEFORE UPDATE ON regions
    FOR EACH ROW WHEN (OLD.child_count = NEW.child_count)
    EXECUTE FUNCTION set_updated_at();

UPDATE regions p
   SET child_count = c.n
  FROM (SELECT parent_id, count(*) AS n FROM regions
         WHERE parent_id IS NOT NULL GROUP BY parent_id) c
 WHERE p.id = c.parent_id;

-- Recounts the children of the regions whose ids are given.  An empty
-- list updates nothing, not even with an empty statement: a statement
-- fires the statement triggers below, which would recount again.
CREATE FUNCTION regions_recount(ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    UPDATE regions p
       SET child_count = c.n
      FROM (SELECT i.id, (SELECT count(*) FROM regions c
                           WHERE c.parent_id = i.id) AS n
              FROM unnest(ids) AS i(id)) c
     WHERE p.id = c.id AND p.child_count <> c.n;
END $$;

CREATE FUNCTION regions_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM regions_recount(ARRAY(SELECT DISTINCT parent_id FROM new_rows
                                   WHERE parent_id IS NOT NULL));
    RETURN NULL;
END $$;

CREATE FUNCTION regions_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM regions_recount(ARRAY(SELECT DISTINCT parent_id FROM old_rows
                                   WHERE parent_id IS NOT NULL));
    RETURN NULL;
END $$;

-- Only moves change counts; the recount's own update moves nothing, so it
-- ends here.
CREATE FUNCTION regions_count_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM regions_recount(ARRAY(
        SELECT unnest(ARRAY[o.parent_id, n.parent_id])
          FROM old_rows o JOIN new_rows n USING (id)
         WHERE o.parent_id IS DISTINCT FROM n.parent_id));
    RETURN NULL;
END $$;

CREATE TRIGGER regions_count_insert AFTER INSERT ON regions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION regions_count_inserted();
CREATE TRIGGER regions_count_delete AFTER DELETE ON regions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION regions_count_deleted();
CREATE TRIGGER regions_count_update AFTER UPDATE ON regions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION regions_count_moved();
