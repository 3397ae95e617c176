-- More regions for `make bench`, on top of the demo seed, so that
-- GET /v1/regions/{id} reads a table of a few thousand rows rather than a
-- hundred: 8 districts per state or union territory, 4 cities per
-- district and 4 pincode areas per city (about 6,000 rows).  Pincodes
-- start at 900000, clear of the seed's.

BEGIN;

INSERT INTO regions (parent_id, kind, name, names)
SELECT s.id, 'district', s.name || ' District ' || d, '{"hi": "ज़िला"}'
  FROM regions s, generate_series(1, 8) AS d
 WHERE s.kind IN ('state', 'union_territory')
 ORDER BY s.id, d;

INSERT INTO regions (parent_id, kind, name)
SELECT d.id, 'city', d.name || ' City ' || c
  FROM regions d, generate_series(1, 4) AS c
 WHERE d.kind = 'district'
 ORDER BY d.id, c;

INSERT INTO regions (parent_id, kind, name, pincode)
SELECT c.id, 'area', c.name || ' Area ' || a,
       (900000 + row_number() OVER (ORDER BY c.id, a))::text
  FROM regions c, generate_series(1, 4) AS a
 WHERE c.kind = 'city' AND c.name LIKE '% City %'
 ORDER BY c.id, a;

COMMIT;

ANALYZE regions;
