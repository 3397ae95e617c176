-- The cards of a list of products are kept like the products' documents.
--
-- product_cards() (0031) built each card of a page from the listing, its
-- vendor, category and brand, its first image and its variants' stock:
-- about 180,000 instructions of PostgreSQL's per card, three tenths of
-- what a category list costs with its 20 cards.  A card shows only what
-- the product's document shows (a subset of it: the first image's thumb
-- among the images), so the triggers that keep the documents (0028)
-- already rebuild a listing's document whenever its card would change;
-- product_docs_refresh() now keeps the card too, in product_card_docs,
-- a format() string like the document, with %1$s where in_stock goes
-- (true for a service).  product_cards() puts in_stock in from stock, as
-- product_get does, and returns the cards as text, the same bytes
-- json_agg made of them.
--
-- The cards have a table of their own: in product_docs' rows they made
-- that table a quarter larger, and GET /v1/products/{id} over the
-- benchmark's catalogue, which reads every document, 8% slower (fewer of
-- them in shared buffers).

-- A row exactly for each row of product_docs.
CREATE TABLE product_card_docs (
    listing_id   bigint PRIMARY KEY
                 REFERENCES product_docs (listing_id) ON DELETE CASCADE,
    -- The card as a format() string (see product_doc_parts).
    card         text NOT NULL,
    -- As in product_docs: the variants whose stock says in_stock.
    variant_ids  bigint[] NOT NULL
);

-- The view of 0028 with the card (same expressions as 0031's cards).
CREATE OR REPLACE VIEW product_doc_parts AS
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
            ELSE coalesce(x.ids, '{}') END AS variant_ids,
       replace(left(json_build_object('id', l.id, 'kind', l.kind,
           'title', l.title,
           'category', json_build_object('id', c.id, 'slug', c.slug,
               'name', c.name),
           'brand', CASE WHEN b.id IS NULL THEN NULL
               ELSE json_build_object('id', b.id, 'name', b.name) END,
           'vendor', json_build_object('id', v.id, 'name', v.name,
               'rating_avg', v.rating_avg, 'badges', v.badges),
           'price_min', l.price_min, 'price_max', l.price_max,
           'currency', l.currency, 'rating_avg', l.rating_avg,
           'rating_count', l.rating_count,
           'thumb', (SELECT '/v1/images/' || i.thumb_key
                       FROM listing_images i WHERE i.listing_id = l.id
                      ORDER BY i.position, i.id LIMIT 1))::text, -1),
           '%', '%%')
       || ', "in_stock" : '
       || CASE WHEN l.kind = 'service' THEN 'true' ELSE '%1$s' END
       || ', ' || replace(substr(json_build_object('published_at',
           rfc3339(l.published_at))::text, 2), '%', '%%') AS card
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

CREATE OR REPLACE FUNCTION product_docs_refresh(ids bigint[]) RETURNS void
    LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    -- See 0028: lock, then read in statements of their own.
    PERFORM FROM listings WHERE id = ANY (ids) ORDER BY id
        FOR NO KEY UPDATE;
    -- A card goes with its document (ON DELETE CASCADE).
    DELETE FROM product_docs d
     WHERE d.listing_id = ANY (ids)
       AND NOT EXISTS (SELECT FROM listings l JOIN vendors v ON v.id = l.vendor_id
                        WHERE l.id = d.listing_id AND l.status = 'active'
                          AND v.status = 'active');
    -- One reading of the view for both.  (A card's row refers to its
    -- document's: the key is checked at the end of the statement, when
    -- both are in.)
    WITH p AS MATERIALIZED (
        SELECT * FROM product_doc_parts WHERE listing_id = ANY (ids)),
    d AS (
        INSERT INTO product_docs AS d (listing_id, doc, variant_ids)
        SELECT listing_id, doc, variant_ids FROM p
        ON CONFLICT (listing_id) DO UPDATE
           SET doc = EXCLUDED.doc, variant_ids = EXCLUDED.variant_ids
         WHERE (d.doc, d.variant_ids)
               IS DISTINCT FROM (EXCLUDED.doc, EXCLUDED.variant_ids))
    INSERT INTO product_card_docs AS c (listing_id, card, variant_ids)
    SELECT listing_id, card, variant_ids FROM p
    ON CONFLICT (listing_id) DO UPDATE
       SET card = EXCLUDED.card, variant_ids = EXCLUDED.variant_ids
     WHERE (c.card, c.variant_ids)
           IS DISTINCT FROM (EXCLUDED.card, EXCLUDED.variant_ids);
END $$;

INSERT INTO product_card_docs (listing_id, card, variant_ids)
SELECT p.listing_id, p.card, p.variant_ids
  FROM product_doc_parts p JOIN product_docs d USING (listing_id);

-- The cards of the listings ids that are live, in the order of ids, as
-- the text of a JSON array (NULL for none).  The list filters ids for
-- what customers may see; a listing that is not live has no card.
DROP FUNCTION product_cards(bigint[]);
CREATE FUNCTION product_cards(ids bigint[]) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT '[' || string_agg(format(d.card, EXISTS (
                       SELECT FROM stock s
                        WHERE s.variant_id = ANY (d.variant_ids)
                          AND s.available > 0
                          AND (SELECT sl.active FROM stock_locations sl
                                WHERE sl.id = s.location_id))::text),
                       ', ' ORDER BY p.i) || ']'
              FROM unnest(ids) WITH ORDINALITY AS p (id, i)
              JOIN product_card_docs d ON d.listing_id = p.id);
END
$$;
