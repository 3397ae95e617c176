-- What a list of products (GET /v1/products) reads of each listing it
-- pools, kept on the listing itself, so that a category's pool is one
-- index-only scan of the browse index.
--
-- vendor_live and vendor_score copy the vendor's status (active or not)
-- and score.  Lists joined every pooled listing to its vendor for them:
-- PostgreSQL hashed the whole vendors table for each list (0.2 ms of a
-- category list's 1.8 with 500 vendors, and more with every vendor the
-- marketplace signs up) or looked each listing's vendor up by key.
--
-- attributes_text is the attributes' text (generated).  A list's first
-- page groups its pool by category, brand, price range and attributes to
-- count its facets (migration 0031's product_facets); hashing and
-- comparing jsonb values was a sixth of what such a list cost, text
-- bytes a small part of that.  The filters on attributes still read the
-- jsonb (its containment).
--
-- Keeping the copies right, also under concurrent writers:
-- - A listing that is inserted, or moved to another vendor, reads its
--   vendor's status and score (BEFORE row trigger) and shares a lock on
--   the vendor's row while doing so.  A concurrent change of the vendor
--   has then either committed before the read (which sees it), or waits
--   for the listing's transaction and then finds the listing.
-- - A change of a vendor's status or score copies it to every listing of
--   the vendor in the same statement (AFTER statement trigger), drafts
--   and archived ones included, so that a listing made active later
--   carries the right values.  Such a copy is not an edit of the listing:
--   its updated_at stays, and its product document (0028) is not rebuilt
--   (that trigger looks at other columns; the vendor's own document
--   trigger rebuilds what a status change shows).

ALTER TABLE listings
    ADD COLUMN vendor_live boolean NOT NULL DEFAULT false,
    ADD COLUMN vendor_score double precision NOT NULL DEFAULT 0.5,
    ADD COLUMN attributes_text text
        GENERATED ALWAYS AS (attributes::text) STORED;

-- updated_at is a listing's last edit: the copies are not one.  (Before
-- this trigger, listings_vendor has not run yet: a move to another
-- vendor still counts as an edit.)
DROP TRIGGER listings_updated_at ON listings;
CREATE TRIGGER listings_updated_at BEFORE UPDATE ON listings
    FOR EACH ROW
    WHEN (OLD.vendor_live IS NOT DISTINCT FROM NEW.vendor_live
          AND OLD.vendor_score IS NOT DISTINCT FROM NEW.vendor_score)
    EXECUTE FUNCTION set_updated_at();

UPDATE listings l
   SET vendor_live = (v.status = 'active'), vendor_score = v.score
  FROM vendors v
 WHERE v.id = l.vendor_id
   AND (l.vendor_live, l.vendor_score)
       IS DISTINCT FROM (v.status = 'active', v.score);

CREATE FUNCTION listings_vendor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT v.status = 'active', v.score
      INTO NEW.vendor_live, NEW.vendor_score
      FROM vendors v WHERE v.id = NEW.vendor_id FOR SHARE;
    RETURN NEW;
END $$;
CREATE TRIGGER listings_vendor BEFORE INSERT OR UPDATE OF vendor_id
    ON listings FOR EACH ROW EXECUTE FUNCTION listings_vendor();

CREATE FUNCTION vendors_listings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listings l
       SET vendor_live = (n.status = 'active'), vendor_score = n.score
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE l.vendor_id = n.id
       AND ((o.status = 'active') <> (n.status = 'active')
            OR o.score IS DISTINCT FROM n.score)
       AND (l.vendor_live, l.vendor_score)
           IS DISTINCT FROM (n.status = 'active', n.score);
    RETURN NULL;
END $$;
CREATE TRIGGER vendors_listings AFTER UPDATE ON vendors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vendors_listings();

-- The browse index (0021, 0029) holds only what customers may see, and
-- the copies and the attributes' text with the rest.
DROP INDEX listings_browse;
CREATE INDEX listings_browse ON listings (category_id, price_min)
    INCLUDE (id, price_max, brand_id, vendor_id, quality, popularity,
             published_at, rating_avg, kind, attributes, attributes_text,
             vendor_score)
    WHERE status = 'active' AND vendor_live;
