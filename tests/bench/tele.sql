-- The tele section's data for tests/bench/run.sh: one call queue open
-- around the clock, :leads leads spread over India's states (priorities
-- and scores varied), and :agents telecallers working all of India with
-- the bench account's password (bench-tele-N@bench.invalid).
-- psql -v leads=1000000 -v agents=100 -f tests/bench/tele.sql

BEGIN;

INSERT INTO queues (name, call_from, call_until, call_days, hold_seconds,
    max_attempts, max_daily_attempts, script)
VALUES ('Bench queue', '00:00', '23:59', '{1,2,3,4,5,6,7}', 900, 6, 3,
    'Hello {{name}}, about {{interest}}');

CREATE TEMP TABLE bench_states AS
    SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM regions
    WHERE kind = 'state';

INSERT INTO leads (name, phone, source, region_id, queue_id, priority,
    score, interest, timezone)
SELECT 'Lead ' || g, '+91' || (6000000000 + g)::text, 'csv_import',
    (SELECT id FROM bench_states WHERE n = g % (SELECT count(*) FROM bench_states)),
    (SELECT id FROM queues WHERE name = 'Bench queue'),
    CASE WHEN g % 20 = 0 THEN 50 ELSE 0 END, ((g::bigint * 7919) % 101)::int, 'groceries',
    'Asia/Kolkata'
FROM generate_series(1, :leads) g;

INSERT INTO users (role, name, email, password_hash)
SELECT 'telecaller', 'Bench agent ' || g, 'bench-tele-' || g || '@bench.invalid',
    (SELECT password_hash FROM users WHERE email = 'bench@bench.invalid')
FROM generate_series(1, :agents) g;

INSERT INTO user_regions (user_id, region_id)
SELECT u.id, (SELECT id FROM regions WHERE code = 'IN')
FROM users u WHERE u.email LIKE 'bench-tele-%@bench.invalid';

INSERT INTO queue_agents (queue_id, user_id)
SELECT (SELECT id FROM queues WHERE name = 'Bench queue'), u.id
FROM users u WHERE u.email LIKE 'bench-tele-%@bench.invalid';

COMMIT;
ANALYZE leads;
