-- Checks that tests/bench/catalogue.sql, which loads listings and
-- variants with their per-row triggers off, leaves what those triggers
-- would have: it fires them all again (no-op updates, in a transaction
-- that is rolled back) and compares every derived value with what the
-- generator wrote.  Slow (the triggers run once per row): use a small
-- catalogue.
--
--   psql -v vendors=50 -v listings=5000 -f tests/bench/catalogue.sql
--   psql -f tests/bench/catalogue_check.sql
--
-- Prints the rows that differ, and fails (ON_ERROR_STOP) if any does.

\set ON_ERROR_STOP 1
BEGIN;

CREATE TEMP TABLE before_l AS
SELECT id, search, quality, price_min, price_max, created_at, updated_at
  FROM listings;
CREATE TEMP TABLE before_v AS SELECT id, vendor_id FROM variants;
CREATE TEMP TABLE before_w AS SELECT word FROM search_words;

-- Every trigger of listings and variants, as a change would fire it:
-- variants_vendor, variants_listing_prices (through a price that moves
-- and comes back), listings_search and listings_quality.  The words are
-- made again as the triggers of an insert make them: search_words_add
-- of each title, category and brand name.
UPDATE variants SET listing_id = listing_id;
UPDATE variants SET price = price + 1;
UPDATE variants SET price = price - 1;
UPDATE listings SET title = title;
TRUNCATE search_words;
SELECT count(search_words_add(name)) FROM (SELECT title FROM listings
    UNION ALL SELECT name FROM categories
    UNION ALL SELECT name FROM brands) x(name);

CREATE TEMP TABLE diff AS
SELECT 'listing' AS what, b.id::text AS key,
       CASE WHEN b.search IS DISTINCT FROM l.search THEN 'search'
            WHEN b.quality IS DISTINCT FROM l.quality THEN 'quality'
            WHEN b.price_min IS DISTINCT FROM l.price_min THEN 'price_min'
            ELSE 'price_max' END AS field
  FROM before_l b JOIN listings l USING (id)
 WHERE (b.search, b.quality, b.price_min, b.price_max)
       IS DISTINCT FROM (l.search, l.quality, l.price_min, l.price_max)
UNION ALL
-- Changed in the transaction that made it: set_updated_at's now().
SELECT 'listing', id::text, 'updated_at' FROM before_l
 WHERE updated_at <> created_at
UNION ALL
SELECT 'variant', b.id::text, 'vendor_id'
  FROM before_v b JOIN variants v USING (id)
 WHERE b.vendor_id IS DISTINCT FROM v.vendor_id
UNION ALL
-- 0028's product documents: as its view builds them, for the live
-- listings and no others.
SELECT 'product_docs', listing_id::text,
       CASE WHEN d.listing_id IS NULL THEN 'missing'
            WHEN p.listing_id IS NULL THEN 'extra' ELSE 'stale' END
  FROM product_docs d FULL JOIN product_doc_parts p USING (listing_id)
 WHERE (d.doc, d.variant_ids) IS DISTINCT FROM (p.doc, p.variant_ids)
UNION ALL
SELECT 'search_words', coalesce(a.word, b.word),
       CASE WHEN a.word IS NULL THEN 'missing' ELSE 'extra' END
  FROM before_w a FULL JOIN search_words b USING (word)
 WHERE a.word IS NULL OR b.word IS NULL;

SELECT what, field, count(*), min(key) AS example FROM diff
 GROUP BY what, field ORDER BY what, field;
SELECT count(*) AS listings_checked FROM before_l;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM diff) THEN
        RAISE EXCEPTION 'the catalogue differs from what its triggers make';
    END IF;
    RAISE NOTICE 'the catalogue matches what its triggers make';
END $$;

ROLLBACK;
