-- GET /v1/products/{id}, stored.  Building the product's JSON on each
-- read (the listing, its vendor, category and breadcrumbs, brand, images
-- and variants, each through its own index) cost about 0.24 ms of
-- PostgreSQL's time per request, and the endpoint reached 0.15 of
-- pgbench -S's rate.  Products are read far more often than they change,
-- so the JSON is kept here, built by the same expressions, and a read
-- starts from one primary-key lookup.
--
-- Only what does not move with stock is stored: each variant's
-- available units and the listing's in_stock change with every sale and
-- reservation, and are put in at read time from stock (daemon/api/
-- products.c, statement product_get).  So the JSON is kept as a format()
-- string with a placeholder where each of those goes; a service, which
-- has no stock, has none.  Of the ways tried (the text cut into pieces
-- joined around the variants, with their available summed per variant,
-- one lateral subquery each; the same in one subquery; an aggregate in
-- PL/pgSQL; an hstore of the sums), format() over an array of the sums
-- made the cheapest plan: few nodes to start, no sort, no PL/pgSQL call.
-- On the benchmark's catalogue a read executes in about 0.06 ms (24
-- buffers for two variants, against 0.13 to 0.20 ms and 42), yet still
-- reaches only 0.3 to 0.45 of pgbench -S's rate, 64 clients on 2 cores:
-- starting the plan's subqueries over stock costs more than running
-- them, and the document alone would reach 0.9.
--
-- A row exists exactly for each live listing (active, of an active
-- vendor): an archived listing or a suspended vendor's loses its row in
-- the transaction that changes it, so the read needs no other check.
--
-- Triggers on every table the JSON reads keep the rows current: listings,
-- variants, listing_images, vendors, categories (names, slugs, moves:
-- breadcrumbs) and brands.  They are per statement, over the transition
-- tables, and rebuild only when a value the JSON shows changed, set-based:
-- a vendor, brand or category edit rebuilds all its listings in one
-- statement; a sale's popularity or a job's score touch none.
--
-- Concurrent writers: each rebuild first locks the listings it rebuilds
-- (FOR NO KEY UPDATE, as an UPDATE of them would) and only then reads
-- what the JSON is made of, in a statement of its own and so with a
-- snapshot taken after the lock: of two transactions changing what one
-- listing shows (its title and its vendor's name, say), the second to
-- lock waits for the first to commit and then builds from both changes.
-- A listing that becomes live (or moves to another vendor, brand or
-- category) is not yet among the listings a concurrent change of its
-- vendor, brand or category rebuilds: it shares a lock on those rows
-- first (product_docs_join), and so reads them after such a change
-- commits, or makes it wait and be found.

-- The stored document of every live listing: the product JSON as
-- product_get built it before this migration (json_build_object's
-- spacing and key order included, so that the text is the same byte for
-- byte) with every % doubled, and %1$s for in_stock, %2$s, %3$s, ... for
-- the available units of the active variants, in order; and those
-- variants' ids, in the same order (none for a service).  left(.., -1)
-- drops a closing brace, substr(.., 2) an opening one.
CREATE VIEW product_doc_parts AS
SELECT l.id AS listing_id,
       replace(left(json_build_object('id', l.id, 'kind', l.kind,
           'title', l.title, 'description', l.description,
           'attributes', l.attributes, 'tags', l.tags,
           'category', json_build_object('id', c.id, 'slug', c.slug,
               'name', c.name),
           'breadcrumbs', (SELECT json_agg(json_build_object('id', a.id,
                   'slug', a.slug, 'name', a.name)
                   ORDER BY cardinality(a.path))
                  FROM categories a WHERE a.id = ANY (c.path)),
           'brand', CASE WHEN b.id IS NULL THEN NULL
               ELSE json_build_object('id', b.id, 'slug', b.slug,
                   'name', b.name) END,
           'vendor', json_build_object('id', v.id, 'name', v.name,
               'rating_avg', v.rating_avg, 'rating_count', v.rating_count,
               'badges', v.badges, 'pincode', v.pincode,
               'region_id', v.region_id),
           'price_min', l.price_min, 'price_max', l.price_max,
           'currency', l.currency, 'rating_avg', l.rating_avg,
           'rating_count', l.rating_count)::text, -1), '%', '%%')
       || ', "in_stock" : '
       || CASE WHEN l.kind = 'service' THEN 'true' ELSE '%1$s' END
       || ', ' || replace(substr(left(json_build_object('images',
           coalesce((SELECT json_agg(json_build_object('id', i.id,
                   'alt', i.alt, 'width', i.width, 'height', i.height,
                   'urls', json_build_object(
                       'original', '/v1/images/' || i.original_key,
                       'medium', '/v1/images/' || i.medium_key,
                       'thumb', '/v1/images/' || i.thumb_key))
                   ORDER BY i.position, i.id)
                  FROM listing_images i WHERE i.listing_id = l.id),
               '[]'))::text, -1), 2), '%', '%%')
       || ', "variants" : ' || coalesce(x.variants, '[]')
       || ', ' || replace(substr(json_build_object('published_at',
           rfc3339(l.published_at))::text, 2), '%', '%%') AS doc,
       CASE WHEN l.kind = 'service' THEN '{}'
            ELSE coalesce(x.ids, '{}') END AS variant_ids
  FROM listings l
  JOIN vendors v ON v.id = l.vendor_id
  JOIN categories c ON c.id = l.category_id
  LEFT JOIN brands b ON b.id = l.brand_id
  LEFT JOIN LATERAL (
      SELECT '[' || string_agg(replace(left(json_build_object('id', x.id,
                 'sku', x.sku, 'options', x.options, 'price', x.price,
                 'compare_at_price', x.compare_at_price,
                 'duration_minutes', x.duration_minutes)::text, -1),
                 '%', '%%') || ', "available" : '
                 || CASE WHEN l.kind = 'service' THEN 'null'
                         ELSE '%' || (x.n + 1) || '$s' END || '}',
                 ', ' ORDER BY x.n) || ']' AS variants,
             array_agg(x.id ORDER BY x.n) AS ids
        FROM (SELECT x.*, row_number() OVER (ORDER BY x.position, x.id) n
                FROM variants x
               WHERE x.listing_id = l.id AND x.status = 'active') x) x
    ON true
 WHERE l.status = 'active' AND v.status = 'active';

CREATE TABLE product_docs (
    listing_id   bigint PRIMARY KEY REFERENCES listings (id) ON DELETE CASCADE,
    -- The JSON as a format() string (see product_doc_parts).
    doc          text NOT NULL,
    -- The variants whose available units %2$s, %3$s, ... stand for.
    variant_ids  bigint[] NOT NULL
)
-- Kept whole in the row up to 8 kB: past the default (2 kB) a document
-- would be compressed, and every read would pay to decompress it.
WITH (toast_tuple_target = 8160);

-- Makes the rows of listings ids what product_doc_parts says: rebuilt
-- where live, gone where not.  Rows that would not change are not
-- written.  Most rebuilds are of one listing, for which PostgreSQL would
-- plan its statements anew each time (a plan for one id looks cheaper
-- than one for an array of any size), and planning them cost more than
-- running them: an edit of a variant's price took 2.5 ms, not 0.8.
CREATE FUNCTION product_docs_refresh(ids bigint[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    -- See the top: lock, then read in statements of their own.
    PERFORM FROM listings WHERE id = ANY (ids) ORDER BY id
        FOR NO KEY UPDATE;
    DELETE FROM product_docs d
     WHERE d.listing_id = ANY (ids)
       AND NOT EXISTS (SELECT FROM listings l JOIN vendors v ON v.id = l.vendor_id
                        WHERE l.id = d.listing_id AND l.status = 'active'
                          AND v.status = 'active');
    INSERT INTO product_docs AS d (listing_id, doc, variant_ids)
    SELECT listing_id, doc, variant_ids
      FROM product_doc_parts WHERE listing_id = ANY (ids)
    ON CONFLICT (listing_id) DO UPDATE
       SET doc = EXCLUDED.doc, variant_ids = EXCLUDED.variant_ids
     WHERE (d.doc, d.variant_ids)
           IS DISTINCT FROM (EXCLUDED.doc, EXCLUDED.variant_ids);
END $$;

-- --- listings: a new live listing, or a change of what it shows ---------

-- A listing that becomes live, or moves while live to another vendor,
-- brand or category, joins the live listings of a vendor, brand and
-- categories that a concurrent change to one of them rebuilds without
-- seeing it (its trigger rebuilds the live listings it can see).  So it
-- first shares a lock on each row it joins, the categories above its own
-- included: such a change has committed before it reads them, or waits
-- for it to commit and then finds it live.
CREATE FUNCTION product_docs_join(vendor_ids bigint[], brand_ids bigint[],
    category_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    locked bigint[] := '{}';
    above bigint[];
BEGIN
    PERFORM FROM vendors WHERE id = ANY (vendor_ids) ORDER BY id FOR SHARE;
    PERFORM FROM brands WHERE id = ANY (brand_ids) ORDER BY id FOR SHARE;
    -- A category may have moved while this waited: until the paths read
    -- after the locks are all locked (then none of them can move).
    LOOP
        above := ARRAY(SELECT DISTINCT unnest(path) FROM categories
                        WHERE id = ANY (category_ids));
        EXIT WHEN above <@ locked;
        PERFORM FROM categories WHERE id = ANY (above) ORDER BY id FOR SHARE;
        locked := locked || above;
    END LOOP;
END $$;

CREATE FUNCTION listings_docs_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    vendor_ids bigint[];
    brand_ids bigint[];
    category_ids bigint[];
    ids bigint[];
BEGIN
    SELECT array_agg(vendor_id), array_agg(brand_id), array_agg(category_id),
           array_agg(id)
      INTO vendor_ids, brand_ids, category_ids, ids
      FROM new_rows WHERE status = 'active';
    IF ids IS NOT NULL THEN
        PERFORM product_docs_join(vendor_ids, brand_ids, category_ids);
        PERFORM product_docs_refresh(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER listings_docs_insert AFTER INSERT ON listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listings_docs_insert();

CREATE FUNCTION listings_docs_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    vendor_ids bigint[];
    brand_ids bigint[];
    category_ids bigint[];
BEGIN
    SELECT array_agg(n.vendor_id), array_agg(n.brand_id),
           array_agg(n.category_id)
      INTO vendor_ids, brand_ids, category_ids
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.status = 'active'
       AND (o.status <> 'active' OR o.vendor_id <> n.vendor_id
            OR o.brand_id IS DISTINCT FROM n.brand_id
            OR o.category_id <> n.category_id);
    IF vendor_ids IS NOT NULL THEN
        PERFORM product_docs_join(vendor_ids, brand_ids, category_ids);
    END IF;
    -- Prices changed from inside another trigger are 0008's
    -- variants_listing_prices at work, a listing at a time, for a
    -- statement on variants whose own trigger then rebuilds them all at
    -- once (variants_docs): not rebuilt here too.
    PERFORM product_docs_refresh(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (o.status = 'active' OR n.status = 'active')
           AND ((o.status, o.vendor_id, o.kind, o.title, o.description,
                 o.attributes, o.tags, o.category_id, o.brand_id,
                 o.currency, o.rating_avg, o.rating_count, o.published_at)
                IS DISTINCT FROM
                (n.status, n.vendor_id, n.kind, n.title, n.description,
                 n.attributes, n.tags, n.category_id, n.brand_id,
                 n.currency, n.rating_avg, n.rating_count, n.published_at)
                OR ((o.price_min, o.price_max)
                    IS DISTINCT FROM (n.price_min, n.price_max)
                    AND pg_trigger_depth() = 1))));
    RETURN NULL;
END $$;
CREATE TRIGGER listings_docs_update AFTER UPDATE ON listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listings_docs_update();
-- A deleted listing's row goes with it (ON DELETE CASCADE).

-- --- variants and images: their listings --------------------------------

-- The listings of the rows a statement inserted or deleted (every row
-- counts) or updated (rows whose shown columns changed; both listings of
-- a row moved from one to another).
CREATE FUNCTION variants_docs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM product_docs_refresh(ARRAY(SELECT DISTINCT listing_id
                                             FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM product_docs_refresh(ARRAY(SELECT DISTINCT listing_id
                                             FROM old_rows));
    ELSE
        PERFORM product_docs_refresh(ARRAY(
            SELECT DISTINCT x.listing_id
              FROM new_rows n JOIN old_rows o ON o.id = n.id,
                   LATERAL (VALUES (o.listing_id), (n.listing_id)) x (listing_id)
             WHERE (o.listing_id, o.sku, o.options, o.price,
                    o.compare_at_price, o.duration_minutes, o.status,
                    o.position)
                   IS DISTINCT FROM
                   (n.listing_id, n.sku, n.options, n.price,
                    n.compare_at_price, n.duration_minutes, n.status,
                    n.position)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER variants_docs_insert AFTER INSERT ON variants
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION variants_docs();
CREATE TRIGGER variants_docs_update AFTER UPDATE ON variants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION variants_docs();
CREATE TRIGGER variants_docs_delete AFTER DELETE ON variants
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION variants_docs();

CREATE FUNCTION listing_images_docs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM product_docs_refresh(ARRAY(SELECT DISTINCT listing_id
                                             FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM product_docs_refresh(ARRAY(SELECT DISTINCT listing_id
                                             FROM old_rows));
    ELSE
        PERFORM product_docs_refresh(ARRAY(
            SELECT DISTINCT x.listing_id
              FROM new_rows n JOIN old_rows o ON o.id = n.id,
                   LATERAL (VALUES (o.listing_id), (n.listing_id)) x (listing_id)
             WHERE (o.listing_id, o.alt, o.width, o.height, o.original_key,
                    o.medium_key, o.thumb_key, o.position)
                   IS DISTINCT FROM
                   (n.listing_id, n.alt, n.width, n.height, n.original_key,
                    n.medium_key, n.thumb_key, n.position)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER listing_images_docs_insert AFTER INSERT ON listing_images
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_images_docs();
CREATE TRIGGER listing_images_docs_update AFTER UPDATE ON listing_images
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_images_docs();
CREATE TRIGGER listing_images_docs_delete AFTER DELETE ON listing_images
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION listing_images_docs();

-- --- vendors, brands, categories: all their live listings ---------------

-- Only an active listing can have a row or get one from these changes:
-- the others are left alone (one becoming active meanwhile waits for the
-- change, product_docs_join).  New rows and deletions of these tables
-- change no listing's JSON (nothing refers to a new one; one that is
-- referred to cannot be deleted).
CREATE FUNCTION vendors_docs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_docs_refresh(ARRAY(
        SELECT l.id FROM listings l
         WHERE l.status = 'active' AND l.vendor_id IN (
               SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE (o.name, o.rating_avg, o.rating_count, o.badges,
                       o.pincode, o.region_id, o.status)
                      IS DISTINCT FROM
                      (n.name, n.rating_avg, n.rating_count, n.badges,
                       n.pincode, n.region_id, n.status))));
    RETURN NULL;
END $$;
CREATE TRIGGER vendors_docs AFTER UPDATE ON vendors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vendors_docs();

CREATE FUNCTION brands_docs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_docs_refresh(ARRAY(
        SELECT l.id FROM listings l
         WHERE l.status = 'active' AND l.brand_id IN (
               SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE (o.slug, o.name) IS DISTINCT FROM (n.slug, n.name))));
    RETURN NULL;
END $$;
CREATE TRIGGER brands_docs AFTER UPDATE ON brands
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION brands_docs();

-- A category shows in the breadcrumbs of everything under it.  A move
-- changes parent_id and path of the category moved, and then (0008's
-- categories_move_subtree, in a statement of its own) the paths of those
-- under it, which stay under it: the listings under the moved category
-- are all of them.  So only a changed slug, name or parent counts.
CREATE FUNCTION categories_docs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_docs_refresh(ARRAY(
        SELECT l.id FROM categories c
          JOIN listings l ON l.category_id = c.id AND l.status = 'active'
         WHERE c.path && ARRAY(
               SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE (o.slug, o.name, o.parent_id)
                      IS DISTINCT FROM (n.slug, n.name, n.parent_id))));
    RETURN NULL;
END $$;
CREATE TRIGGER categories_docs AFTER UPDATE ON categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION categories_docs();

-- The listings live now.
INSERT INTO product_docs (listing_id, doc, variant_ids)
SELECT listing_id, doc, variant_ids FROM product_doc_parts;
