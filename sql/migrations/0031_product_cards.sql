-- What lists of products (GET /v1/products) cost PostgreSQL besides
-- reading their matches.
--
-- The cards of a page are built by product_cards(), a PL/pgSQL function,
-- rather than inside each list's statement.  A list's statement may be
-- planned anew for a request (its filters' values can decide how to read
-- the matches), and planning the cards' joins and stock lookups with it
-- was a quarter of what a category page cost (100,000 listings: 6 ms
-- planned and run, 4.5 ms with the cards here).  PL/pgSQL keeps the
-- plan of its statement for the session: after its first few calls it
-- runs a generic plan (read each listing, its vendor, category and brand
-- by key), which does not depend on the ids.
--
-- A vendor's score is a weight in the relevance of its listings, blended
-- with their quality (real) for every row a list ranks: as numeric, each
-- row converted it to and from text.  It becomes double precision.

ALTER TABLE vendors ALTER COLUMN score TYPE double precision;

-- The cards of the listings ids, in the order of ids, as a JSON array
-- (NULL for no ids); an id that is no listing is left out.  The list
-- filters ids for what customers may see; this only draws them.
CREATE FUNCTION product_cards(ids bigint[]) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT json_agg(json_build_object(
               'id', l.id, 'kind', l.kind, 'title', l.title,
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
                          ORDER BY i.position, i.id LIMIT 1),
               -- Stock that can be bought: in an open store or
               -- warehouse.
               'in_stock', l.kind = 'service' OR EXISTS (
                   SELECT 1 FROM variants x
                     JOIN stock s ON s.variant_id = x.id
                     JOIN stock_locations sl ON sl.id = s.location_id
                                            AND sl.active
                    WHERE x.listing_id = l.id AND x.status = 'active'
                      AND s.available > 0),
               'published_at', rfc3339(l.published_at)) ORDER BY p.i)
              FROM unnest(ids) WITH ORDINALITY AS p (id, i)
              JOIN listings l ON l.id = p.id
              JOIN vendors v ON v.id = l.vendor_id
              JOIN categories c ON c.id = l.category_id
              LEFT JOIN brands b ON b.id = l.brand_id);
END
$$;

-- The facets of a list are counted over its pool in the list's
-- statement, as rows of (category, brand, price range, attributes,
-- count); product_facets() makes them the facets' JSON, with a plan kept
-- for the session like product_cards().

-- The bounds of the price ranges, in minor units (INR paise): range k
-- (width_bucket's numbering) runs from the k-th bound up to the next.
CREATE FUNCTION product_price_bounds() RETURNS bigint[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY[0, 50000, 100000, 250000, 500000, 1000000, 2500000,
                 5000000]::bigint[];

CREATE TYPE product_fact AS (
    category_id bigint,
    brand_id    bigint,
    price_range int,        -- width_bucket(price_min, product_price_bounds())
    attributes  jsonb,
    n           bigint      -- listings with these
);

-- {"categories": [{id, slug, name, count}], "brands": [{id, name, count}],
--  "prices": [{min, max, count}], "attributes": {code: [{value, count}]}}:
-- the 30 largest categories and brands, the price ranges in order, the
-- 20 commonest values of each attribute that is a facet.
CREATE FUNCTION product_facets(facts product_fact[]) RETURNS json
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN json_build_object(
        'categories', coalesce((
            SELECT json_agg(json_build_object('id', c.id, 'slug', c.slug,
                       'name', c.name, 'count', x.n)
                       ORDER BY x.n DESC, c.name)
              FROM (SELECT category_id, sum(n) AS n FROM unnest(facts)
                     GROUP BY 1 ORDER BY 2 DESC LIMIT 30) x
              JOIN categories c ON c.id = x.category_id), '[]'),
        'brands', coalesce((
            SELECT json_agg(json_build_object('id', b.id, 'name', b.name,
                       'count', x.n) ORDER BY x.n DESC, b.name)
              FROM (SELECT brand_id, sum(n) AS n FROM unnest(facts)
                     WHERE brand_id IS NOT NULL
                     GROUP BY 1 ORDER BY 2 DESC LIMIT 30) x
              JOIN brands b ON b.id = x.brand_id), '[]'),
        'prices', coalesce((
            SELECT json_agg(json_build_object('min', bounds[x.r],
                       'max', bounds[x.r + 1], 'count', x.n) ORDER BY x.r)
              FROM (SELECT price_range AS r, sum(n) AS n FROM unnest(facts)
                     WHERE price_range >= 1 GROUP BY 1) x,
                   product_price_bounds() AS bounds), '[]'),
        'attributes', coalesce((
            SELECT json_object_agg(y.code, y.vals)
              FROM (SELECT x.code, json_agg(json_build_object(
                               'value', x.value, 'count', x.n)
                               ORDER BY x.n DESC) AS vals
                      FROM (SELECT a.code, e.value, sum(f.n) AS n,
                                   row_number() OVER (PARTITION BY a.code
                                       ORDER BY sum(f.n) DESC) AS rank
                              FROM (SELECT attributes, sum(n) AS n
                                      FROM unnest(facts) GROUP BY 1) f
                             CROSS JOIN jsonb_each(f.attributes) e
                              JOIN attributes a ON a.code = e.key
                                               AND a.facet
                             GROUP BY a.code, e.value) x
                     WHERE x.rank <= 20
                     GROUP BY x.code) y), '{}'));
END
$$;
