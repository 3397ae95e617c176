-- Demo data for `make run`: two call queues, one in Maharashtra (where
-- the demo telecaller and supervisor work) and one in Karnataka, with
-- leads to call.  scripts/run.sh makes the demo telecaller and
-- supervisor agents of both once their accounts exist.

BEGIN;

INSERT INTO queues (name, description, region_ids, languages, priority,
    call_from, call_until, call_days, script, assignment)
VALUES
    ('Maharashtra sellers', 'Shops of Mumbai and Pune to bring onto souk',
     ARRAY[(SELECT id FROM regions WHERE code = 'IN-MH')], '{}', 10,
     '09:00', '21:00', '{1,2,3,4,5,6}',
     'Namaste {{name}}! I am calling from souk about {{interest}}. '
     'Local shops sell to buyers across the city with us: may I tell you how?',
     'round_robin'),
    ('Karnataka sellers', 'Shops of Bengaluru to bring onto souk',
     ARRAY[(SELECT id FROM regions WHERE code = 'IN-KA')], '{}', 5,
     '09:00', '21:00', '{1,2,3,4,5,6}',
     'Namaskara {{name}}! Calling from souk about {{interest}}.',
     'round_robin');

INSERT INTO leads (name, phone, email, language, region_id, source,
    interest, tags, score, priority, queue_id)
SELECT v.name, v.phone, v.email, v.lang,
    (SELECT id FROM regions WHERE kind = 'city' AND name = v.city),
    v.source, v.interest, v.tags, v.score, v.priority,
    (SELECT id FROM queues WHERE name = v.queue)
  FROM (VALUES
    ('Anil Patil', '+919820000101', 'anil@patil-stores.example', 'mr', 'Mumbai',
     'vendor_registration', 'selling groceries online', '{grocery}'::text[], 70, 0,
     'Maharashtra sellers'),
    ('Sunita Deshmukh', '+919820000102', NULL, 'mr', 'Pune', 'web_form',
     'a storefront for her sweet shop', '{sweets,inbound}'::text[], 85, 50,
     'Maharashtra sellers'),
    ('Rahul Mehta', '+919820000103', 'rahul@mehta-mobiles.example', 'hi', 'Mumbai',
     'csv_import', 'mobile accessories', '{electronics}'::text[], 40, 0,
     'Maharashtra sellers'),
    ('Farah Shaikh', '+919820000104', NULL, 'hi', 'Mumbai', 'missed_call',
     'tailoring services', '{services}'::text[], 55, 50, 'Maharashtra sellers'),
    ('Vikram Joshi', '+919820000105', NULL, 'mr', 'Pune', 'manual',
     'hardware and paints', '{hardware}'::text[], 30, 0, 'Maharashtra sellers'),
    ('Kavya Rao', '+919880000201', 'kavya@raobooks.example', 'kn', 'Bengaluru',
     'web_form', 'second-hand books', '{books,inbound}'::text[], 75, 50,
     'Karnataka sellers'),
    ('Manjunath Gowda', '+919880000202', NULL, 'kn', 'Bengaluru', 'csv_import',
     'fresh vegetables', '{grocery}'::text[], 60, 0, 'Karnataka sellers'),
    ('Deepa Iyer', '+919880000203', NULL, 'en', 'Bengaluru', 'b2b_enquiry',
     'office supplies in bulk', '{b2b}'::text[], 90, 50, 'Karnataka sellers')
  ) AS v (name, phone, email, lang, city, source, interest, tags, score,
          priority, queue);

INSERT INTO lead_events (lead_id, type, to_status, data)
SELECT id, 'created', 'new', jsonb_build_object('source', source) FROM leads;

COMMIT;
