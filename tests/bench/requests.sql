-- The requests of `make bench`'s catalogue runs, as lines "KIND PATH"
-- (KIND: search, suggest or browse), drawn from the word lists that
-- tests/bench/catalogue.sql left in bench_words.  Deterministic (setseed).
--
--   psql -qtA -v n=40000 -f tests/bench/requests.sql
--
-- Like a shop's logs, most requests repeat popular ones and some are
-- seen once: each kind has a pool of popular requests, drawn with
-- Zipf-like weights (the k-th most popular about 1/k as often as the
-- first), and a share of one-off requests.
--
-- search (n lines, 80% popular): brand and product words ("samsung
-- mobile phone"), single product words ("kurta"), words being typed
-- ("sams", "prestige pres"), typos ("presure cooker"), Hindi words
-- ("कुर्ता"), a third of them with a filter (category, price, brand, in
-- stock, a sort); one-offs are rarer word combinations, typos and price
-- bounds.
-- suggest (n lines, 90% popular): prefixes of 2 to 6 characters of the
-- words people type; one-offs are prefixes no word has.
-- browse (n lines, 80% popular): a category with a price range or an
-- attribute value, sometimes sorted; one-offs have their own price
-- bounds.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT setseed(0.17) \gset

-- Percent-encoding of a query string value.
CREATE FUNCTION pg_temp.url(t text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN (SELECT coalesce(string_agg(CASE
        WHEN b BETWEEN 48 AND 57 OR b BETWEEN 65 AND 90
             OR b BETWEEN 97 AND 122 OR b IN (45, 46, 95, 126) THEN chr(b)
        ELSE '%' || upper(lpad(to_hex(b), 2, '0')) END, '' ORDER BY i), '')
   FROM (SELECT i, get_byte(convert_to(t, 'UTF8'), i) AS b
           FROM generate_series(0, octet_length(convert_to(t, 'UTF8')) - 1)
                AS i) x);

-- A typo of a word, the k-th of its kind: two letters swapped, one
-- dropped, one doubled, or one replaced by its neighbour on a keyboard.
CREATE FUNCTION pg_temp.typo(w text, k int) RETURNS text LANGUAGE sql
IMMUTABLE
RETURN CASE WHEN char_length(w) < 5 THEN w ELSE (
    SELECT CASE k % 4
        WHEN 0 THEN left(w, p - 1) || substr(w, p + 1, 1) || substr(w, p, 1)
                    || substr(w, p + 2)
        WHEN 1 THEN left(w, p - 1) || substr(w, p + 1)
        WHEN 2 THEN left(w, p) || substr(w, p)
        ELSE left(w, p - 1) || coalesce(nullif(translate(substr(w, p, 1),
            'qwertyuiopasdfghjklzxcvbnm', 'wertyuiopqsdfghjklaxcvbnmz'),
            substr(w, p, 1)), 'e') || substr(w, p + 1) END
      FROM (SELECT 2 + (k / 4) % (char_length(w) - 3) AS p) x) END;

CREATE TEMP TABLE words AS
SELECT kind, n, lower(word) AS word FROM bench_words
 WHERE kind IN ('brand', 'noun', 'adj', 'hindi');
-- Single words of the phrases.
CREATE TEMP TABLE single AS
SELECT DISTINCT x AS word FROM words, regexp_split_to_table(word, '[ '']+') x
 WHERE char_length(x) >= 2 AND kind <> 'hindi';

CREATE TEMP TABLE singlen AS
SELECT row_number() OVER (ORDER BY word) - 1 AS k, word FROM single;

-- Filters, the k-th of them.
CREATE TEMP TABLE filters AS
SELECT row_number() OVER () - 1 AS k, f FROM (VALUES
    ('&category_id=1'), ('&category_id=2'), ('&category_id=3'),
    ('&category_id=4'), ('&price_max=100000'), ('&price_max=500000'),
    ('&price_min=500000&price_max=2000000'), ('&in_stock=true'),
    ('&sort=price_asc'), ('&sort=popularity'), ('&sort=newest'),
    ('&brand_id=' || (SELECT min(id) FROM brands WHERE slug = 'bench-1')),
    ('&brand_id=' || (SELECT min(id) FROM brands WHERE slug = 'bench-9')),
    ('&rating_min=4')) AS v(f);

-- --- search ----------------------------------------------------------------

CREATE TEMP TABLE sq (q text, f text);
-- Brand and product, as the catalogue pairs them, and some other pairs.
INSERT INTO sq (q)
SELECT b.word || ' ' || nn.word FROM generate_series(0, 39) k
  JOIN words b ON b.kind = 'brand' AND b.n = 1 + (k * 7) % 40
  JOIN words nn ON nn.kind = 'noun' AND nn.n = 1 + (k * 13) % 40;
INSERT INTO sq (q)
SELECT b.word || ' ' || nn.word FROM generate_series(0, 19) k
  JOIN words b ON b.kind = 'brand' AND b.n = 1 + (k * 3) % 40
  JOIN words nn ON nn.kind = 'noun' AND nn.n = 1 + (k * 11) % 40;
-- Products, single words, brands, a quality with a product.
INSERT INTO sq (q) SELECT word FROM words WHERE kind IN ('noun', 'brand');
INSERT INTO sq (q) SELECT word FROM single;
INSERT INTO sq (q)
SELECT a.word || ' ' || nn.word FROM generate_series(0, 29) k
  JOIN words a ON a.kind = 'adj' AND a.n = 1 + (k * 7) % 20
  JOIN words nn ON nn.kind = 'noun' AND nn.n = 1 + (k * 3) % 40;
-- Being typed: a word's first 3 to 5 letters, a brand and the start of
-- a product.
INSERT INTO sq (q)
SELECT left(word, l) FROM single, generate_series(3, 5) l
 WHERE char_length(word) > l AND (hashtext(word) + l) % 3 = 0;
INSERT INTO sq (q)
SELECT b.word || ' ' || left(nn.word, 3) FROM generate_series(0, 19) k
  JOIN words b ON b.kind = 'brand' AND b.n = 1 + (k * 7) % 40
  JOIN words nn ON nn.kind = 'noun' AND nn.n = 1 + (k * 13) % 40;
-- Typos.
INSERT INTO sq (q)
SELECT pg_temp.typo(word, hashtext(word) & 255) FROM single
 WHERE char_length(word) >= 5;
INSERT INTO sq (q)
SELECT pg_temp.typo(b.word, k) || ' ' || nn.word FROM generate_series(0, 9) k
  JOIN words b ON b.kind = 'brand' AND b.n = 1 + (k * 7) % 40
  JOIN words nn ON nn.kind = 'noun' AND nn.n = 1 + (k * 13) % 40;
-- Hindi, alone and with a brand.
INSERT INTO sq (q) SELECT word FROM words WHERE kind = 'hindi';
INSERT INTO sq (q)
SELECT h.word || ' ' || b.word FROM generate_series(0, 9) k
  JOIN words h ON h.kind = 'hindi' AND h.n = 1 + k
  JOIN words b ON b.kind = 'brand' AND b.n = 1 + (k * 7 + 3) % 40;
-- A third with a filter.
UPDATE sq SET f = (SELECT f FROM filters
                    WHERE k = (hashtext(sq.q) & 1023) % 14)
 WHERE hashtext(q) % 3 = 0;

CREATE TEMP TABLE spool AS
SELECT row_number() OVER (ORDER BY random()) AS rank, q, coalesce(f, '') AS f
  FROM (SELECT DISTINCT q, f FROM sq) x;

-- Zipf-like: rank floor(e^(u ln(P+1))), P(rank = r) ~ ln((r+1)/r) ~ 1/r.
CREATE TEMP TABLE lines (kind text, i int, path text);
INSERT INTO lines
SELECT 'search', i, CASE WHEN u < 0.8 THEN (
    SELECT '/v1/products?q=' || pg_temp.url(q) || f FROM spool
     WHERE rank = least((SELECT count(*) FROM spool),
                        floor(exp(v * ln((SELECT count(*) FROM spool) + 1))))
    ) ELSE (
    SELECT '/v1/products?q=' || pg_temp.url(
               CASE WHEN t < 0.4 THEN pg_temp.typo(a.word, i) || ' ' || b.word
                    WHEN t < 0.7 THEN a.word || ' ' || b.word || ' ' || c.word
                    ELSE b.word || ' ' || left(c.word, 2 + i % 4) END)
           || CASE WHEN t2 < 0.5 THEN ''
                   ELSE '&price_max=' || (20000 + (i::bigint * 7919) % 3000000) END
      FROM singlen a, singlen b, singlen c
     WHERE a.k = floor(ra * (SELECT count(*) FROM singlen))
       AND b.k = floor(rb * (SELECT count(*) FROM singlen))
       AND c.k = floor(rc * (SELECT count(*) FROM singlen))) END
  FROM (SELECT i, random() AS u, random() AS v, random() AS t,
               random() AS t2, random() AS ra, random() AS rb,
               random() AS rc
          FROM generate_series(1, :n) i) r;

-- --- suggest ---------------------------------------------------------------

CREATE TEMP TABLE gpool AS
SELECT row_number() OVER (ORDER BY random()) AS rank, p
  FROM (SELECT DISTINCT left(word, l) AS p
          FROM (SELECT word FROM single UNION SELECT word FROM words
                 WHERE kind = 'hindi') x, generate_series(2, 6) l
         WHERE char_length(word) >= l) y;
INSERT INTO lines
SELECT 'suggest', i, '/v1/search/suggest?q=' || pg_temp.url(CASE
    WHEN u < 0.9 THEN (SELECT p FROM gpool
        WHERE rank = least((SELECT count(*) FROM gpool),
                           floor(exp(v * ln((SELECT count(*) FROM gpool) + 1)))))
    ELSE chr(97 + floor(a * 26)::int) || chr(97 + floor(b * 26)::int)
         || chr(97 + floor(c * 26)::int)
         || CASE WHEN i % 2 = 0 THEN chr(97 + floor(d * 26)::int) ELSE ''
            END END)
  FROM (SELECT i, random() AS u, random() AS v, random() AS a,
               random() AS b, random() AS c, random() AS d
          FROM generate_series(1, :n) i) r;

-- --- browse ----------------------------------------------------------------

CREATE TEMP TABLE bpool AS
SELECT row_number() OVER (ORDER BY random()) AS rank,
       '/v1/products?category_id=' || c.id || f.f || s.s AS path
  FROM categories c,
       (SELECT '&price_min=' || lo || '&price_max=' || hi AS f
          FROM (VALUES (0, 100000), (100000, 500000), (500000, 2000000),
                       (2000000, 10000000), (0, 1000000)) AS v(lo, hi)
        UNION ALL
        SELECT '&attr.bench_colour=' || x FROM unnest(ARRAY['black', 'white',
            'blue', 'red', 'silver']) x
        UNION ALL
        SELECT '&attr.bench_capacity=' || x FROM generate_series(1, 5) x
        UNION ALL
        SELECT '&price_max=500000&attr.bench_colour=black') f,
       (VALUES (''), (''), ('&sort=price_asc'), ('&sort=popularity'),
               ('&sort=newest')) AS s(s)
 WHERE c.slug LIKE 'bench-%';
INSERT INTO lines
SELECT 'browse', i, CASE WHEN u < 0.8 THEN (SELECT path FROM bpool
        WHERE rank = least((SELECT count(*) FROM bpool),
                           floor(exp(v * ln((SELECT count(*) FROM bpool) + 1)))))
    ELSE '/v1/products?category_id='
         || (SELECT id FROM categories WHERE slug LIKE 'bench-%' ORDER BY id
              OFFSET (i * 13) % (SELECT count(*) FROM categories
                                  WHERE slug LIKE 'bench-%') LIMIT 1)
         || '&price_min=' || (i::bigint * 7919) % 1000000
         || '&price_max=' || 1000000 + (i::bigint * 104729) % 9000000 END
  FROM (SELECT i, random() AS u, random() AS v
          FROM generate_series(1, :n) i) r;

SELECT kind || ' ' || path FROM lines ORDER BY kind, i;
