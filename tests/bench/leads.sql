-- Leads for the tele-calling benchmarks, on top of the demo seed:
-- :n leads (default 1,000,000; psql -v n=100000 for fewer) with Indian
-- names, mobile numbers (+91 and 10 digits from 6-9, unique), pincodes
-- and languages, spread over the demo queues (five are made when there
-- are none) and their regions, in the statuses and scores a working
-- campaign has: most new or due for a retry, some called already.
--
--   psql "$CONNINFO" -v n=1000000 -f tests/bench/leads.sql

\if :{?n}
\else
\set n 1000000
\endif

BEGIN;

INSERT INTO queues (name, description, priority, languages)
SELECT q.name, 'benchmark queue', q.priority, q.langs
  FROM (VALUES ('Bench Solar Leads', 10, '{}'::text[]),
               ('Bench Vendor Onboarding', 20, '{}'),
               ('Bench Abandoned Carts', 30, '{}'),
               ('Bench Hindi Outreach', 5, '{hi}'),
               ('Bench Tamil Outreach', 5, '{ta}')) AS q (name, priority, langs)
 WHERE NOT EXISTS (SELECT 1 FROM queues WHERE status = 'active');

CREATE TEMP TABLE bench_queues AS
SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM queues
 WHERE status = 'active';
CREATE TEMP TABLE bench_regions AS
SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, pincode FROM regions
 WHERE kind IN ('city', 'area', 'district');

INSERT INTO leads (name, phone, email, language, region_id, pincode,
    source, interest, tags, score, priority, status, queue_id, attempts,
    next_call_at, created_at)
SELECT
    (ARRAY['Aarav','Vivaan','Aditya','Vihaan','Arjun','Sai','Reyansh',
        'Ayaan','Krishna','Ishaan','Ananya','Diya','Aadhya','Saanvi',
        'Pari','Anika','Navya','Myra','Lakshmi','Priya','Rahul','Pooja',
        'Suresh','Kavya','Deepak','Meena','Ravi','Sunita','Karthik',
        'Divya','Manoj','Shreya','Ganesh','Nisha','Venkat','Asha'])[
        1 + (g * 7) % 36] || ' ' ||
    (ARRAY['Sharma','Verma','Patel','Reddy','Nair','Iyer','Gupta','Singh',
        'Kumar','Rao','Das','Menon','Pillai','Joshi','Kulkarni','Mehta',
        'Chatterjee','Banerjee','Mukherjee','Naidu','Shetty','Gowda',
        'Yadav','Mishra','Pandey','Desai','Bhat','Khan','Fernandes',
        'Sahu'])[1 + (g * 13) % 30],
    '+91' || (6 + g % 4)::text || lpad(g::text, 9, '0'),
    CASE WHEN g % 3 = 0 THEN 'bench' || g || '@example.com' END,
    (ARRAY['hi','ta','te','kn','ml','mr','bn','gu','en'])[1 + g % 9],
    r.id,
    coalesce(r.pincode, (110001 + (g * 37) % 740000)::text),
    (ARRAY['manual','csv_import','web_form','abandoned_cart',
        'vendor_registration','b2b_enquiry','missed_call'])[1 + g % 7],
    (ARRAY['rooftop solar','new store','bulk order','home loan',
        'insurance',NULL])[1 + g % 6],
    CASE g % 5 WHEN 0 THEN '{hot}'::text[] WHEN 1 THEN '{warm,repeat}'
        ELSE '{}' END,
    (g * 31) % 101,
    CASE WHEN g % 10 = 0 THEN 50 ELSE 0 END,
    (ARRAY['new','new','new','new','contacted','unreachable','interested',
        'callback','not_interested','converted'])[1 + g % 10],
    q.id,
    CASE WHEN g % 10 < 4 THEN 0 ELSE 1 + g % 5 END,
    CASE WHEN g % 10 < 4 THEN '-infinity'
        ELSE now() - make_interval(mins => g % 600) END,
    now() - make_interval(secs => g % 2592000)
  FROM generate_series(1, :n) AS g
  JOIN bench_queues q ON q.k = g % (SELECT count(*) FROM bench_queues)
  LEFT JOIN bench_regions r
    ON r.k = g % greatest((SELECT count(*) FROM bench_regions), 1);

COMMIT;

ANALYZE leads;
