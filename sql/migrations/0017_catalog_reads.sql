-- What customers read most, products and searches, is kept in soukd's
-- memory (daemon/catalog/cache.c) until the catalogue changes: every
-- statement that writes a table those answers read says so on the
-- souk_catalog channel, once per transaction (NOTIFY folds repeats), at
-- commit, whichever soukd, job or tool makes it.

CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('souk_catalog', '');
    RETURN NULL;
END $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['listings', 'variants', 'stock',
        'stock_locations', 'listing_images', 'vendors', 'categories',
        'brands', 'attributes', 'search_synonyms', 'search_words',
        'regions']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE '
            'OR TRUNCATE ON %I FOR EACH STATEMENT '
            'EXECUTE FUNCTION catalog_changed()', t || '_catalog_changed', t);
    END LOOP;
END $$;
