-- Checks that GET /v1/products/{id}, read from migration 0028's stored
-- documents, answers what it answered before them, for every listing of
-- a catalogue: the statement product_get of daemon/api/products.c (given
-- as :product_get by tests/bench/product_docs_check.sh) against the one
-- it replaced (kept below), byte for byte.
--
--   psql -v vendors=50 -v listings=5000 -f tests/bench/catalogue.sql
--   tests/bench/product_docs_check.sh "$(scripts/pg.sh conninfo DIR)"
--
-- First as loaded; then, in a transaction rolled back at the end, after
-- changes of every kind the documents follow, made through the tables'
-- own triggers as soukd would make them: images, services, archived and
-- reordered variants, prices, titles that need escaping, archived and
-- draft listings, suspended and reactivated vendors, renamed vendors,
-- brands and categories, a moved category, closed locations and a second
-- location with stock, stock sold and reserved.  Prints the listings
-- that differ, and fails (ON_ERROR_STOP) if any does.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;

-- What product_get was before migration 0028.
CREATE FUNCTION pg_temp.product_old(bigint) RETURNS text
    LANGUAGE sql STABLE AS $old$
SELECT json_build_object('id', l.id, 'kind', l.kind, 'title', l.title,
    'description', l.description, 'attributes', l.attributes,
    'tags', l.tags, 'category', json_build_object('id', c.id, 'slug',
    c.slug, 'name', c.name), 'breadcrumbs', (SELECT json_agg(
    json_build_object('id', a.id, 'slug', a.slug, 'name', a.name)
    ORDER BY cardinality(a.path)) FROM categories a WHERE a.id =
    ANY (c.path)), 'brand', CASE WHEN b.id IS NULL THEN NULL ELSE
    json_build_object('id', b.id, 'slug', b.slug, 'name', b.name) END,
    'vendor', json_build_object('id', v.id, 'name', v.name, 'rating_avg',
    v.rating_avg, 'rating_count', v.rating_count, 'badges', v.badges,
    'pincode', v.pincode, 'region_id', v.region_id),
    'price_min', l.price_min, 'price_max', l.price_max, 'currency',
    l.currency, 'rating_avg', l.rating_avg, 'rating_count',
    l.rating_count, 'in_stock', (l.kind = 'service' OR EXISTS (SELECT 1
    FROM variants x JOIN stock s ON s.variant_id = x.id
    JOIN stock_locations sl ON sl.id = s.location_id AND sl.active
    WHERE x.listing_id = l.id AND x.status = 'active'
    AND s.available > 0)),
    'images', coalesce((SELECT json_agg(json_build_object('id', i.id,
    'alt', i.alt, 'width', i.width, 'height', i.height, 'urls',
    json_build_object('original', '/v1/images/' || i.original_key,
    'medium', '/v1/images/' || i.medium_key, 'thumb', '/v1/images/' ||
    i.thumb_key)) ORDER BY i.position, i.id) FROM listing_images i
    WHERE i.listing_id = l.id), '[]'),
    'variants', coalesce((SELECT json_agg(json_build_object('id', x.id,
    'sku', x.sku, 'options', x.options, 'price', x.price,
    'compare_at_price', x.compare_at_price, 'duration_minutes',
    x.duration_minutes, 'available', CASE WHEN l.kind = 'service'
    THEN NULL ELSE coalesce((SELECT sum(s.available) FROM stock s
    JOIN stock_locations sl ON sl.id = s.location_id AND sl.active
    WHERE s.variant_id = x.id), 0) END) ORDER BY x.position, x.id)
    FROM variants x WHERE x.listing_id = l.id AND x.status = 'active'),
    '[]'), 'published_at', rfc3339(l.published_at))::text
  FROM listings l JOIN vendors v ON v.id = l.vendor_id
  JOIN categories c ON c.id = l.category_id
  LEFT JOIN brands b ON b.id = l.brand_id
 WHERE l.id = $1 AND l.status = 'active' AND v.status = 'active'
$old$;

-- And what it is now.
SELECT format('CREATE FUNCTION pg_temp.product_new(bigint) RETURNS text'
              ' LANGUAGE sql STABLE AS %L', :'product_get') \gexec

-- Every listing id, one below and one above: the old answer and the new
-- (NULL: none, a 404), compared as text and as JSON.
CREATE TEMP VIEW answers AS
SELECT g.id, pg_temp.product_old(g.id) AS old, pg_temp.product_new(g.id) AS new
  FROM generate_series((SELECT min(id) - 1 FROM listings),
                       (SELECT max(id) + 1 FROM listings)) g (id);

CREATE TEMP TABLE result (round text, listings bigint, found bigint,
                          bytes_differ bigint, json_differs bigint,
                          example bigint);
CREATE FUNCTION pg_temp.compare(round text) RETURNS void
    LANGUAGE sql AS $$
INSERT INTO result
SELECT round, count(*), count(old),
       count(*) FILTER (WHERE old IS DISTINCT FROM new),
       count(*) FILTER (WHERE old::jsonb IS DISTINCT FROM new::jsonb),
       min(id) FILTER (WHERE old IS DISTINCT FROM new)
  FROM answers;
$$;

SELECT pg_temp.compare('as loaded');

-- --- changes, through the triggers ---------------------------------------

-- Images: one to three on every seventh listing, text that needs
-- escaping (in JSON, or in a format() string) in some alts; then one
-- removed, one moved to the front.
INSERT INTO listing_images (listing_id, original_key, medium_key, thumb_key,
    content_type, width, height, size, alt, position)
SELECT l.id, md5(l.id || 'o' || k) || md5(k || 'o'),
       md5(l.id || 'm' || k) || md5(k || 'm'),
       md5(l.id || 't' || k) || md5(k || 't'), 'image/jpeg',
       800 + k, 600 + k, 1000 * k,
       CASE k WHEN 1 THEN NULL WHEN 2 THEN 'Side "view" \ कढ़ाई'
              ELSE E'tab\there %2$s' END,
       (k * 7) % 3
  FROM listings l, generate_series(1, 1 + l.id % 3) k
 WHERE l.id % 7 = 0;
DELETE FROM listing_images
 WHERE id IN (SELECT min(id) FROM listing_images GROUP BY listing_id
               HAVING count(*) = 3 LIMIT 50);
UPDATE listing_images SET position = -1, alt = 'Front'
 WHERE id IN (SELECT max(id) FROM listing_images GROUP BY listing_id
               LIMIT 50);

-- Services: every eleventh listing, with durations.
UPDATE listings SET kind = 'service' WHERE id % 11 = 0;
UPDATE variants SET duration_minutes = 30 + position
 WHERE listing_id IN (SELECT id FROM listings WHERE kind = 'service');

-- Variants: archived, reordered, repriced, renamed, new options; all of
-- a listing's archived; one deleted; one added.
UPDATE variants SET status = 'archived' WHERE id % 13 = 0;
UPDATE variants SET status = 'archived'
 WHERE listing_id IN (SELECT id FROM listings WHERE id % 29 = 0);
UPDATE variants SET position = 10 - position WHERE listing_id % 5 = 0;
UPDATE variants SET price = price + 100, compare_at_price = price + 5000
 WHERE id % 9 = 0;
UPDATE variants SET sku = sku || '-X', options = '{"size": "XL", "note": "a \"b\""}'
 WHERE id % 17 = 0;
DELETE FROM variants WHERE id IN (SELECT id FROM variants WHERE id % 31 = 0
                                   LIMIT 20);
INSERT INTO variants (listing_id, vendor_id, sku, price, options, position)
SELECT id, vendor_id, 'NEW-' || id, 4242, '{"size": "XS"}', -1
  FROM listings WHERE id % 37 = 0;

-- Listings: titles, descriptions, tags and attributes that need escaping
-- (in JSON, or in a format() string),
-- no brand, never published, archived, back to draft, and one made live
-- again.
UPDATE listings SET title = E'Quote " backslash \\ tab \t मोबाइल 50% off %1$s %% ' || id,
       description = E'Line one\nline two \u00e9',
       tags = ARRAY['a"b', 'c\d'], attributes = '{"x": "y\"z", "n": 1.50}'
 WHERE id % 23 = 0;
UPDATE listings SET brand_id = NULL WHERE id % 19 = 0;
UPDATE listings SET published_at = NULL WHERE id % 43 = 0;
UPDATE listings SET rating_avg = 4.25, rating_count = rating_count + 1
 WHERE id % 41 = 0;
UPDATE listings SET status = 'archived' WHERE id % 47 = 0;
UPDATE listings SET status = 'draft' WHERE id % 53 = 0;
UPDATE listings SET status = 'active' WHERE id % 47 = 0 AND id % 2 = 0;

-- Vendors: two suspended, one of them active again; one renamed, one
-- rated and badged.
UPDATE vendors SET status = 'suspended', status_reason = 'check'
 WHERE id IN (SELECT vendor_id FROM listings ORDER BY id LIMIT 2);
UPDATE vendors SET status = 'active', status_reason = NULL
 WHERE id = (SELECT vendor_id FROM listings ORDER BY id LIMIT 1);
UPDATE vendors SET name = 'Renamed "Store" 100%s ' || id
 WHERE id = (SELECT vendor_id FROM listings ORDER BY id DESC LIMIT 1);
UPDATE vendors SET rating_avg = 3.5, rating_count = 12,
       badges = '{verified_business}'
 WHERE id = (SELECT vendor_id FROM listings ORDER BY id LIMIT 1 OFFSET 3);

-- Brands and categories: renamed, a new slug, a subtree moved.
UPDATE brands SET name = name || ' (new)'
 WHERE id = (SELECT brand_id FROM listings WHERE brand_id IS NOT NULL
              ORDER BY id LIMIT 1);
UPDATE brands SET slug = slug || '-x'
 WHERE id = (SELECT brand_id FROM listings WHERE brand_id IS NOT NULL
              ORDER BY id DESC LIMIT 1);
UPDATE categories SET name = name || ' & Co'
 WHERE id = (SELECT c.path[1] FROM listings l
               JOIN categories c ON c.id = l.category_id
              ORDER BY l.id LIMIT 1);
UPDATE categories SET parent_id = (SELECT id FROM categories
                                    WHERE parent_id IS NULL
                                    ORDER BY id DESC LIMIT 1)
 WHERE id = (SELECT category_id FROM listings ORDER BY id LIMIT 1 OFFSET 5);
UPDATE categories SET slug = slug || '-y'
 WHERE id = (SELECT category_id FROM listings ORDER BY id LIMIT 1 OFFSET 7);

-- Stock: a second store for a few vendors, with stock (summed with the
-- first's); another closed; units sold and reserved.
INSERT INTO stock_locations (vendor_id, name)
SELECT DISTINCT vendor_id, 'Second store' FROM listings WHERE id % 97 = 0;
INSERT INTO stock (variant_id, location_id, available)
SELECT x.id, s.id, 7 FROM variants x
  JOIN stock_locations s ON s.vendor_id = x.vendor_id AND s.name = 'Second store';
UPDATE stock_locations SET active = false
 WHERE id IN (SELECT id FROM stock_locations WHERE name = 'Main store'
               ORDER BY id LIMIT 5);
UPDATE stock SET available = 0, reserved = reserved + available
 WHERE variant_id % 3 = 0;

-- Services, listings with nothing to sell, closed stores: all there?
SELECT count(*) FILTER (WHERE kind = 'service') AS services,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM listing_images i
                                           WHERE i.listing_id = l.id)) AS no_images,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM variants x
                                           WHERE x.listing_id = l.id
                                             AND x.status = 'active')) AS no_variants
  FROM listings l;

SELECT pg_temp.compare('after changes');

-- The stored documents are also what a rebuild from scratch makes.
SELECT count(*) AS stale_documents
  FROM product_docs d FULL JOIN product_doc_parts p USING (listing_id)
 WHERE (d.doc, d.variant_ids) IS DISTINCT FROM (p.doc, p.variant_ids)
\gset

SELECT * FROM result;
SELECT id, old, new FROM answers WHERE old IS DISTINCT FROM new LIMIT 3;
-- The same bytes, not only the same JSON: the documents are built by the
-- expressions the old statement used.
SELECT sum(bytes_differ) + sum(json_differs) + :stale_documents = 0 AS same
  FROM result \gset
ROLLBACK;

\if :same
\echo product_docs_check: the same answers
\else
DO $$ BEGIN RAISE EXCEPTION 'product_docs_check: answers differ'; END $$;
\endif
