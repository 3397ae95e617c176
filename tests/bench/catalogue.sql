-- A catalogue for benchmarks: :vendors vendors across the pincode areas
-- of sql/seed, a two-level category tree with attributes, brands, and
-- :listings active listings with one to three variants each and stock,
-- whose titles and descriptions read like real ones (brand, product,
-- qualities, model, size; some in Hindi).  Deterministic: setseed.
--
--   psql -v vendors=500 -v listings=100000 -f tests/bench/catalogue.sql
--
-- Expects the schema (soukd migrate) and sql/seed/0001_regions.sql.
-- tests/bench/catalogue_check.sql checks that what it derives is what
-- the triggers it bypasses would make.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT setseed(0.42);

BEGIN;

CREATE TEMP TABLE w (kind text, n int, word text);
INSERT INTO w SELECT 'brand', n, b FROM unnest(ARRAY[
    'Samsung', 'Xiaomi', 'Apple', 'OnePlus', 'Vivo', 'Oppo', 'Realme',
    'Lenovo', 'HP', 'Dell', 'Asus', 'boAt', 'Sony', 'LG', 'Philips',
    'Prestige', 'Hawkins', 'Pigeon', 'Bajaj', 'Havells', 'Usha', 'Tata',
    'Aashirvaad', 'Fortune', 'Haldiram''s', 'Amul', 'Britannia', 'Parle',
    'Fabindia', 'Biba', 'Raymond', 'Peter England', 'Bata', 'Puma',
    'Adidas', 'Nike', 'Milton', 'Cello', 'Borosil', 'Wonderchef'])
    WITH ORDINALITY AS x(b, n);
INSERT INTO w SELECT 'noun', n, x FROM unnest(ARRAY[
    'mobile phone', 'smartphone', 'laptop', 'tablet', 'earbuds',
    'headphones', 'bluetooth speaker', 'smartwatch', 'power bank',
    'charger', 'pressure cooker', 'kadhai', 'tawa', 'frying pan',
    'mixer grinder', 'electric kettle', 'induction cooktop', 'water bottle',
    'lunch box', 'dinner set', 'atta', 'basmati rice', 'toor dal',
    'sunflower oil', 'ghee', 'namkeen', 'biscuits', 'tea', 'coffee',
    'kurta', 'saree', 'shirt', 'jeans', 'running shoes', 'sandals',
    'backpack', 'table fan', 'ceiling fan', 'LED bulb', 'iron'])
    WITH ORDINALITY AS x(x, n);
INSERT INTO w SELECT 'adj', n, x FROM unnest(ARRAY[
    'premium', 'classic', 'smart', 'compact', 'portable', 'wireless',
    'stainless steel', 'non-stick', 'organic', 'handloom', 'cotton',
    'lightweight', 'durable', 'fast charging', 'energy efficient',
    'family pack', 'heavy duty', 'slim', 'ergonomic', 'waterproof'])
    WITH ORDINALITY AS x(x, n);
INSERT INTO w SELECT 'hindi', n, x FROM unnest(ARRAY[
    'मोबाइल फ़ोन', 'प्रेशर कुकर', 'कढ़ाई', 'आटा', 'चावल', 'दाल',
    'कुर्ता', 'साड़ी', 'पंखा', 'चाय'])
    WITH ORDINALITY AS x(x, n);
INSERT INTO w SELECT 'sentence', n, x FROM unnest(ARRAY[
    'Built to last, with a warranty you can count on.',
    'Loved by families across India for its quality.',
    'Easy to clean and safe for everyday use.',
    'Delivered from a shop near you, usually the same day.',
    'Comes with everything you need in the box.',
    'Tested for Indian conditions: heat, dust and voltage swings.',
    'A favourite gift for festivals and weddings.',
    'Light on the pocket and heavy on features.',
    'Made with care by skilled artisans.',
    'Pairs well with the rest of the range.'])
    WITH ORDINALITY AS x(x, n);

-- Categories: 8 top, 5 children each; attributes on the top ones.
INSERT INTO categories (slug, name, position)
SELECT 'bench-' || replace(t, ' ', '-'), 'Bench ' || initcap(t), n
  FROM unnest(ARRAY['electronics', 'kitchen', 'grocery', 'fashion',
      'footwear', 'home', 'appliances', 'personal care'])
       WITH ORDINALITY AS x(t, n)
ON CONFLICT (slug) DO NOTHING;
INSERT INTO categories (parent_id, slug, name, position)
SELECT p.id, p.slug || '-' || k, p.name || ' ' || k, k
  FROM categories p, generate_series(1, 5) k
 WHERE p.slug LIKE 'bench-%' AND p.parent_id IS NULL
ON CONFLICT (slug) DO NOTHING;
INSERT INTO attributes (code, name, type, options, facet) VALUES
    ('bench_colour', 'Colour', 'enum',
     '{black,white,blue,red,green,silver,gold,steel}', true),
    ('bench_capacity', 'Capacity', 'number', NULL, true),
    ('bench_veg', 'Vegetarian', 'boolean', NULL, true)
ON CONFLICT (code) DO NOTHING;
INSERT INTO category_attributes (category_id, attribute_id)
SELECT c.id, a.id FROM categories c, attributes a
 WHERE c.slug LIKE 'bench-%' AND c.parent_id IS NULL
   AND a.code LIKE 'bench_%'
ON CONFLICT DO NOTHING;
INSERT INTO brands (slug, name)
SELECT 'bench-' || n, word || ' ' || n FROM w WHERE kind = 'brand'
ON CONFLICT DO NOTHING;

-- Vendors across the seeded pincode areas, each with a location.
INSERT INTO vendors (name, legal_name, category, address, region_id, pincode,
    lat, lon, service_pincodes, service_radius_m, score)
SELECT 'Bench Store ' || i, 'Bench Store ' || i || ' Pvt Ltd', 'general',
       'Shop ' || i || ', Main Road', r.id, r.pincode,
       coalesce(r.lat, 19.0) + (random() - 0.5) / 50,
       coalesce(r.lon, 72.8) + (random() - 0.5) / 50,
       ARRAY[r.pincode], CASE WHEN i % 3 = 0 THEN 5000 END,
       round((0.2 + random() * 0.8)::numeric, 2)
  FROM generate_series(1, :vendors) i
  JOIN LATERAL (SELECT id, pincode, lat, lon FROM regions
                 WHERE pincode IS NOT NULL
                 ORDER BY md5(i::text || id::text) LIMIT 1) r ON true;

-- Listings and variants go in by the thousand, so their per-row
-- triggers (0008's listings_search, variants_vendor and
-- variants_listing_prices, 0012's listings_quality) are off while they
-- do, and what those triggers derive is computed here, set-based, with
-- the same functions: a listing's search vector (title, brand, the names
-- of its category and those above it, tags, description, and 0036's
-- marks of those categories), the words of
-- its title for typo correction, its cheapest and dearest variant, its
-- quality (with no images yet), its vendor's status and score (0034's
-- listings_vendor), a variant's vendor, and the product document and
-- card 0028's and 0035's triggers keep (from its view, in one
-- statement).  Rows
-- are built in temporary tables first, listing ids drawn from the
-- listings' own identity sequence, so that each table is written once.
CREATE TEMP TABLE bv AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
  FROM vendors WHERE name LIKE 'Bench Store %';
CREATE TEMP TABLE bc AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
  FROM categories WHERE slug LIKE 'bench-%-%';
-- A category's text for search, as listings_search_update builds it.
CREATE TEMP TABLE bcat AS
SELECT me.id, string_agg(c.name, ' ' ORDER BY cardinality(c.path)) AS names,
       listing_category_marks(me.path) AS marks
  FROM categories me JOIN categories c ON c.id = ANY (me.path)
 GROUP BY me.id;

CREATE TEMP TABLE gl (LIKE listings INCLUDING DEFAULTS);
INSERT INTO gl (id, vendor_id, kind, title, description, category_id,
    brand_id, tags, attributes, status, published_at, popularity, rating_avg,
    rating_count)
SELECT nextval(pg_get_serial_sequence('listings', 'id')), v.id, 'product',
       CASE WHEN i % 25 = 0 THEN h.word || ' ' || b.word
            ELSE b.word || ' ' || a.word || ' ' || nn.word || ' '
                 || upper(substr(md5(i::text), 1, 2)) || (i % 900 + 100)
       END,
       s1.word || ' ' || s2.word || ' The ' || nn.word || ' from ' || b.word
           || ' is ' || a.word || '.',
       c.id, bb.id, ARRAY[split_part(nn.word, ' ', 1), split_part(a.word, ' ', 1)],
       jsonb_build_object('bench_colour', (ARRAY['black','white','blue','red',
           'green','silver','gold','steel'])[1 + i % 8],
           'bench_capacity', 1 + i % 10),
       'active', now() - make_interval(mins => i % 100000),
       (random() * 1000)::int,
       CASE WHEN i % 4 = 0 THEN NULL ELSE round((1 + random() * 4)::numeric, 2) END,
       (random() * 500)::int
  FROM generate_series(1, :listings) i
  JOIN bv v ON v.n = i % :vendors
  JOIN w b ON b.kind = 'brand' AND b.n = 1 + (i * 7) % 40
  JOIN w nn ON nn.kind = 'noun' AND nn.n = 1 + (i * 13) % 40
  JOIN w a ON a.kind = 'adj' AND a.n = 1 + (i * 3) % 20
  JOIN w h ON h.kind = 'hindi' AND h.n = 1 + i % 10
  JOIN w s1 ON s1.kind = 'sentence' AND s1.n = 1 + i % 10
  JOIN w s2 ON s2.kind = 'sentence' AND s2.n = 1 + (i / 10) % 10
  JOIN brands bb ON bb.slug = 'bench-' || b.n
  JOIN bc c ON c.n = (i * 11) % 40
 ORDER BY i;

CREATE TEMP TABLE gv AS
SELECT l.id AS listing_id, l.vendor_id, 'B' || l.id || '-' || k AS sku,
       p.price, CASE WHEN l.id % 3 = 0 THEN p.price + p.price / 5 END
           AS compare_at_price,
       jsonb_build_object('size', (ARRAY['S', 'M', 'L'])[k]) AS options,
       k AS position
  FROM gl l
  CROSS JOIN LATERAL generate_series(1, 1 + l.id % 3) k
  CROSS JOIN LATERAL (SELECT (1000 + (l.id * 7919 + k * 104729) % 2000000)
                      * 10 AS price) p
 ORDER BY l.id, k;

-- variants_listing_prices: the cheapest and dearest active variant.
UPDATE gl SET price_min = p.lo, price_max = p.hi
  FROM (SELECT listing_id, min(price) lo, max(price) hi FROM gv
         GROUP BY listing_id) p
 WHERE p.listing_id = gl.id;
-- listings_search_update and listings_set_quality (gl has the columns
-- of listings, in their order).
UPDATE gl SET
    search = listing_search_vector(gl.title,
        (SELECT name FROM brands WHERE id = gl.brand_id),
        (SELECT names FROM bcat WHERE id = gl.category_id),
        gl.tags, gl.description)
        || (SELECT marks FROM bcat WHERE id = gl.category_id),
    quality = listing_quality(ROW(gl.*)::listings, 0);
UPDATE gl SET vendor_live = (v.status = 'active'), vendor_score = v.score
  FROM vendors v WHERE v.id = gl.vendor_id;
-- The last column, generated, is made by listings itself.
ALTER TABLE gl DROP COLUMN attributes_text;

ALTER TABLE listings DISABLE TRIGGER USER;
ALTER TABLE variants DISABLE TRIGGER USER;
INSERT INTO listings OVERRIDING SYSTEM VALUE SELECT * FROM gl ORDER BY id;
INSERT INTO variants (listing_id, vendor_id, sku, price, compare_at_price,
    options, position)
SELECT listing_id, vendor_id, sku, price, compare_at_price, options, position
  FROM gv ORDER BY listing_id, position;
ALTER TABLE listings ENABLE TRIGGER USER;
ALTER TABLE variants ENABLE TRIGGER USER;
CREATE TEMP TABLE gd AS
SELECT listing_id, doc, variant_ids, card
  FROM product_doc_parts WHERE listing_id IN (SELECT id FROM gl);
INSERT INTO product_docs (listing_id, doc, variant_ids)
SELECT listing_id, doc, variant_ids FROM gd ORDER BY listing_id;
INSERT INTO product_card_docs (listing_id, card, variant_ids)
SELECT listing_id, card, variant_ids FROM gd ORDER BY listing_id;
-- What 0017's catalog_changed triggers would have said.
SELECT pg_notify('souk_catalog', '');
-- search_words_add of every title, in word order as it does.
INSERT INTO search_words (word)
SELECT DISTINCT w FROM gl, search_split(gl.title) w ORDER BY w
ON CONFLICT DO NOTHING;

INSERT INTO stock (variant_id, location_id, available)
SELECT x.id, s.id, (x.id * 31) % 50
  FROM variants x
  JOIN stock_locations s ON s.vendor_id = x.vendor_id
 WHERE x.sku LIKE 'B%-%'
ON CONFLICT DO NOTHING;

-- The word lists, for tests/bench/requests.sql to ask for.
DROP TABLE IF EXISTS bench_words;
CREATE TABLE bench_words AS SELECT * FROM w;

COMMIT;
-- What autovacuum does soon after a load like this one: statistics, the
-- visibility map, and the GIN indexes' pending entries merged (until
-- then every search scans them).
VACUUM (ANALYZE) listings, variants, stock, vendors, search_words,
    product_docs, product_card_docs;
