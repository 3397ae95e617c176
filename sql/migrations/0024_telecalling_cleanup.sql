-- Tele-calling, tightened after review: a lead's owner is always a member
-- of staff, whichever way the lead came in, and the lead list's searches
-- by email and by alternate phone have indexes.

-- A lead is owned by staff who may work it, never by a customer or a
-- vendor: POST and PATCH /v1/leads check it before writing, and this
-- keeps CSV imports (an owner_id column) and every later path to it.
-- Only a change of owner is checked, so that a merge keeps the owner a
-- lead had even if that agent has been suspended since.
CREATE FUNCTION leads_owner_is_staff() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.owner_id IS NOT NULL AND (TG_OP = 'INSERT' OR
        NEW.owner_id IS DISTINCT FROM OLD.owner_id) AND NOT EXISTS (
        SELECT 1 FROM users u WHERE u.id = NEW.owner_id
        AND u.status = 'active'
        AND u.role IN ('employee', 'telecaller', 'supervisor', 'admin')) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            CONSTRAINT = 'lead_owner',
            MESSAGE = 'the owner must be an active member of staff';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER leads_owner_is_staff BEFORE INSERT OR UPDATE OF owner_id
    ON leads FOR EACH ROW EXECUTE FUNCTION leads_owner_is_staff();

-- GET /v1/leads?q=text looks in lower(name) and lower(email) ('%q%'):
-- with a trigram index on each, the OR is a BitmapOr, not a scan.
CREATE INDEX leads_email_trgm ON leads USING gin (lower(email) gin_trgm_ops);

-- GET /v1/leads?q=<digits> is a prefix of phone OR alt_phone; phone has
-- a text_pattern_ops index (leads_phone_prefix), alt_phone had none that
-- LIKE 'prefix%' can use under a non-C collation.
CREATE INDEX leads_alt_phone_prefix ON leads (alt_phone text_pattern_ops);
