-- A broad search's pool read among its most popular matches only.
--
-- A search ranks, and counts for its total and facets, its pool: the
-- 1,000 most popular matches.  The text index finds the matches but
-- cannot say how popular each is, so every match was read from the
-- table to choose the pool: "classic" read 5,000 listings, "family fam"
-- 24,000, to keep 1,000 (most of such a search's time).
--
-- A second text index holds each listing's words with its popularity as
-- marks, lexemes starting with a space as 0036's category marks do (no
-- word a listing or a query has can match one):
--
--   ' popularity C'     its class: 0 for 0, else the bit length of its
--                       popularity (popularity in [2^(C-1), 2^C));
--   ' popularity C S'   for its step within the class (the class cut
--                       into 16 equal parts, 0 to 15) and each step
--                       below it.
--
-- listing_popular_query(p) matches the listings at least as popular as
-- the start of p's step: those of every class above p's, and those of
-- p's class marked with its step.  Each term of a query costs the text
-- index a test for every listing it reads: the steps below are marked
-- too so that p's class is one term, not up to 16.
--
-- A search that expects many matches first reads, through that index,
-- those of its matches that also match that (products.c chooses p so
-- that they are a few pools' worth); when they are more than a pool, its pool is their most
-- popular, exactly the pool of all its matches, since every other match
-- is less popular.  When they are fewer, it reads all its matches, as
-- before.

-- The class and the step of a popularity (0 to 63, 0 to 15).
CREATE FUNCTION listing_popularity_class(p bigint) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN p <= 0 THEN 0
                ELSE 65 - position('1' IN p::bit(64)::text) END;

CREATE FUNCTION listing_popularity_step(p bigint) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN p <= 0 THEN 0
        WHEN listing_popularity_class(p) >= 5
        THEN ((p - (1::bigint << (listing_popularity_class(p) - 1)))
              >> (listing_popularity_class(p) - 5))::int
        ELSE ((p - (1::bigint << (listing_popularity_class(p) - 1)))
              << (5 - listing_popularity_class(p)))::int END;

-- The marks of a popularity.
CREATE FUNCTION listing_popularity_marks(p bigint) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_to_tsvector(' popularity ' || listing_popularity_class(p)
        || ARRAY(SELECT ' popularity ' || listing_popularity_class(p) || ' '
                        || s
                   FROM generate_series(0, listing_popularity_step(p)) s));

-- The listings at least as popular as the start of at_least's step.  The
-- classes above it go up to that of the most popular active listing (in
-- the statement's snapshot), not to 63, for the same reason.
CREATE FUNCTION listing_popular_query(at_least bigint) RETURNS tsquery
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT string_agg(format('%L', m), ' | ')::tsquery
              FROM (SELECT ' popularity ' || listing_popularity_class(at_least)
                           || ' ' || listing_popularity_step(at_least)
                    UNION ALL
                    SELECT ' popularity ' || c
                      FROM generate_series(listing_popularity_class(at_least) + 1,
                               listing_popularity_class((SELECT max(popularity)
                                   FROM listings WHERE status = 'active'))) c)
                   x (m));

-- A listing's words with the marks of its popularity: what the index of
-- the broad searches' most popular matches holds.  The marks are in that
-- index only, not in the listing's words: the other searches read the
-- listings as before, no larger.
CREATE FUNCTION listing_search_popular(search tsvector, popularity bigint)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN search || listing_popularity_marks(popularity);

CREATE INDEX listings_search_popular ON listings
    USING gin (listing_search_popular(search, popularity))
    WHERE status = 'active';
