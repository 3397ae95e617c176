-- Tele-calling, tightened after a review of who may do what: a regional
-- supervisor edits only queues lying wholly in their regions, a queue's
-- agents work in its regions, a lead's owner can see the lead, and a
-- script names the fields the lead is missing.

-- Whether staff of scope (NULL: every region, as for admins) may edit a
-- queue of region_ids: all of them lie within the scope.  A queue of no
-- region takes leads of every region, so it is an admin's to edit.
CREATE FUNCTION tele_queue_editable(region_ids bigint[], scope bigint[])
    RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN scope IS NULL OR (cardinality(region_ids) > 0 AND NOT EXISTS (
        SELECT 1 FROM unnest(region_ids) x
        WHERE NOT region_in_scope(x, scope)));

-- Whether a user may be an agent of a queue of region_ids: an admin, or
-- staff one of whose regions lies within one of the queue's or holds
-- it.  A queue of no region takes anyone (its agents are an admin's
-- choice).
CREATE FUNCTION tele_agent_fits(agent bigint, region_ids bigint[])
    RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN cardinality(region_ids) = 0
        OR EXISTS (SELECT 1 FROM users u WHERE u.id = agent
            AND u.role = 'admin')
        OR EXISTS (SELECT 1 FROM user_regions ur
            JOIN regions mine ON mine.id = ur.region_id
            JOIN regions rg ON rg.id = ANY (region_ids)
            WHERE ur.user_id = agent
            AND (rg.path && ARRAY[mine.id] OR mine.path && ARRAY[rg.id]));

-- A lead is owned by staff who may work it (0024), and who can see it:
-- an admin, or staff whose regions hold the lead's region (as
-- region_in_scope says; a lead of no region is an admin's to own).
CREATE OR REPLACE FUNCTION leads_owner_is_staff() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    owner_role text;
BEGIN
    IF NEW.owner_id IS NOT NULL AND (TG_OP = 'INSERT' OR
        NEW.owner_id IS DISTINCT FROM OLD.owner_id) THEN
        SELECT u.role INTO owner_role FROM users u
            WHERE u.id = NEW.owner_id AND u.status = 'active'
            AND u.role IN ('employee', 'telecaller', 'supervisor', 'admin');
        IF owner_role IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                CONSTRAINT = 'lead_owner',
                MESSAGE = 'the owner must be an active member of staff';
        END IF;
        IF owner_role <> 'admin' AND NOT region_in_scope(NEW.region_id,
            ARRAY(SELECT ur.region_id FROM user_regions ur
                WHERE ur.user_id = NEW.owner_id)) THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                CONSTRAINT = 'lead_owner_region',
                MESSAGE = 'the owner works in none of the lead''s regions';
        END IF;
    END IF;
    RETURN NEW;
END $$;

-- The script with the lead's fields filled in: {{name}}, {{phone}},
-- {{interest}}, {{email}}, {{language}}, {{pincode}}, {{source}},
-- {{custom.x}}.  A field the lead has no value for (or an unknown one)
-- shows as its name in brackets, [interest], so the agent sees what to
-- ask rather than a sentence with a hole in it.
CREATE OR REPLACE FUNCTION tele_script(script text, l leads) RETURNS text
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
        IF v IS NULL OR btrim(v) = '' THEN
            v := '[' || m[1] || ']';
        END IF;
        out := regexp_replace(out, '\{\{\s*' || replace(m[1], '.', '\.') || '\s*\}\}',
            replace(v, '\', '\\'), 'g');
    END LOOP;
    RETURN out;
END $$;
