-- Vendors, categories and listings for the console's tests of :vendors and
-- :listings (tests/tui/run.sh loads it after the region tree).  Times are
-- relative to now, so what a screen shows does not age.

INSERT INTO categories (slug, name, review) VALUES
    ('grocery', 'Grocery', 'new'),
    ('sweets', 'Sweets', 'new');

-- Two vendors of Mumbai, one of Pune (both in Maharashtra), one of
-- Karnataka that Maharashtra's staff never see.
INSERT INTO vendors (name, legal_name, category, address, region_id, pincode,
    pan, contact_name, contact_phone, contact_email, badges, rating_avg,
    rating_count, created_at) VALUES
    ('Kirana King', 'Kirana King LLP', 'Grocery', '4 Station Road, Andheri',
     38, '400053', 'KLMNO1234P', 'Kiran Rao', '+919811100001',
     'kirana@test.souk', '{verified_business}', 4.5, 12,
     now() - interval '400 days'),
    ('Mumbai Mithai', 'Mumbai Mithai Pvt Ltd', 'Sweets', '9 Dadar Road',
     38, '400014', 'MNOPQ2345R', 'Meera Shah', '+919811100002',
     'mithai@test.souk', '{verified_business,verified_gst}', 3.8, 40,
     now() - interval '20 days'),
    ('Pune Papers', 'Pune Papers', 'Stationery', '2 FC Road', 39, '411004',
     NULL, NULL, NULL, NULL, '{}', NULL, 0, now() - interval '5 days'),
    ('Bengaluru Books', 'Bengaluru Books', 'Books', '7 MG Road', 12,
     '560001', NULL, NULL, NULL, NULL, '{}', NULL, 0,
     now() - interval '2 days');

-- Three listings waiting for review (oldest first: 1, 2, 3), one active,
-- one draft.
INSERT INTO listings (vendor_id, kind, title, description, category_id,
    attributes, tags, status, created_at) VALUES
    (1, 'product', 'Basmati rice 5 kg',
     E'Aged basmati, long grain.\nPacked in Pune.', 1,
     '{"weight_kg": 5, "organic": false}', '{rice,basmati}',
     'pending_review', now() - interval '3 days'),
    (2, 'product', 'Kaju katli 500 g', 'Made fresh each morning.', 2,
     '{}', '{sweets}', 'pending_review', now() - interval '2 days'),
    (1, 'product', 'Toor dal 1 kg', '', 1, '{}', '{}', 'pending_review',
     now() - interval '1 day'),
    (1, 'product', 'Sunflower oil 1 L', '', 1, '{}', '{oil}', 'active',
     now() - interval '30 days'),
    (3, 'product', 'Ruled notebook', '', 1, '{}', '{}', 'draft', now());

INSERT INTO variants (listing_id, sku, options, price, compare_at_price,
    low_stock_at, position) VALUES
    (1, 'RICE-5', '{"pack": "5 kg"}', 129900, 149900, 5, 0),
    (1, 'RICE-10', '{"pack": "10 kg"}', 12345600, NULL, 5, 1),
    (2, 'KAJU-500', '{}', 45000, NULL, 5, 0),
    (3, 'DAL-1', '{}', 16000, NULL, 5, 0),
    (4, 'OIL-1', '{}', 19900, NULL, 10, 0);

INSERT INTO stock (variant_id, location_id, available, reserved)
SELECT x.id, l.id, CASE x.sku WHEN 'OIL-1' THEN 3 ELSE 20 END,
       CASE x.sku WHEN 'RICE-5' THEN 2 ELSE 0 END
  FROM variants x JOIN stock_locations l ON l.vendor_id = x.vendor_id;

-- Kirana King sold 3 bottles of oil last week and 5 two months ago.
INSERT INTO stock_movements (variant_id, location_id, kind, available_delta,
    reserved_delta, available_after, reserved_after, at)
SELECT x.id, l.id, 'sale', 0, d.n, 3, 0, now() - d.ago
  FROM variants x JOIN stock_locations l ON l.vendor_id = x.vendor_id,
       (VALUES (-3, interval '7 days'), (-5, interval '60 days')) d (n, ago)
 WHERE x.sku = 'OIL-1';

INSERT INTO listing_images (listing_id, original_key, medium_key, thumb_key,
    content_type, width, height, size, alt) VALUES
    (1, repeat('a', 64), repeat('b', 64), repeat('c', 64), 'image/jpeg',
     800, 600, 51200, 'the 5 kg bag');

INSERT INTO listing_events (listing_id, from_status, to_status, actor_role,
    at)
SELECT id, NULL, 'draft', 'vendor_owner', created_at FROM listings;
INSERT INTO listing_events (listing_id, from_status, to_status, actor_role,
    at)
SELECT id, 'draft', status, 'vendor_owner', created_at + interval '1 hour'
  FROM listings WHERE status <> 'draft';
