-- Lists of products (GET /v1/products) rank and count a pool: the most
-- popular matches, at most catalog_pool of them.  Browsing a category
-- reads its pool, sorts by popularity, newness or rating, and filters on
-- stock, from the browse index (0021) without visiting the table: it now
-- also holds those columns.  Without them, a category sorted by
-- popularity read every listing under it from the table (100 ms and
-- more for a top-level category of the benchmark's catalogue).
DROP INDEX listings_browse;
CREATE INDEX listings_browse ON listings (category_id, price_min)
    INCLUDE (id, price_max, brand_id, vendor_id, quality, popularity,
             published_at, rating_avg, kind, attributes)
    WHERE status = 'active';
