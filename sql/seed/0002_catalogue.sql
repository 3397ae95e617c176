-- Demo catalogue for `make run`: where the pincode areas are, a category
-- tree with its attributes, brands, search synonyms, four vendors (three
-- shops and a salon) and their listings with stock.  Loaded once into a
-- new cluster by scripts/run.sh, after 0001_regions.sql.

BEGIN;

-- Roughly where each pincode area is, for delivery by radius.
UPDATE regions r SET lat = v.lat, lon = v.lon
  FROM (VALUES
    ('400001', 18.9322, 72.8353), ('400050', 19.0596, 72.8295),
    ('400053', 19.1363, 72.8277), ('400076', 19.1176, 72.9060),
    ('411001', 18.5167, 73.8792), ('411004', 18.5180, 73.8411),
    ('411038', 18.5074, 73.8077), ('110001', 28.6315, 77.2167),
    ('110003', 28.5884, 77.2270), ('110016', 28.5494, 77.2001),
    ('560001', 12.9756, 77.6050), ('560034', 12.9352, 77.6245),
    ('560038', 12.9784, 77.6408), ('600001', 13.0930, 80.2867),
    ('600017', 13.0418, 80.2341), ('600020', 13.0012, 80.2565),
    ('700001', 22.5697, 88.3497), ('700019', 22.5280, 88.3659),
    ('700091', 22.5726, 88.4337), ('500001', 17.3916, 78.4747),
    ('500034', 17.4156, 78.4347), ('500081', 17.4483, 78.3915),
    ('302001', 26.9196, 75.7878), ('302017', 26.8549, 75.8243),
    ('226001', 26.8500, 80.9462), ('226010', 26.8560, 81.0000),
    ('380001', 23.0225, 72.5714), ('380009', 23.0395, 72.5611)
  ) AS v (pincode, lat, lon)
 WHERE r.pincode = v.pincode;

-- The category tree; Hindi names for the apps.
INSERT INTO categories (slug, name, names, position) VALUES
  ('electronics', 'Electronics', '{"hi": "इलेक्ट्रॉनिक्स"}', 1),
  ('home-kitchen', 'Home & Kitchen', '{"hi": "घर और रसोई"}', 2),
  ('grocery', 'Grocery', '{"hi": "किराना"}', 3),
  ('fashion', 'Fashion', '{"hi": "फ़ैशन"}', 4),
  ('services', 'Services', '{"hi": "सेवाएँ"}', 5);
INSERT INTO categories (parent_id, slug, name, names, position, review)
SELECT p.id, v.slug, v.name, jsonb_build_object('hi', v.hi), v.pos, v.review
  FROM (VALUES
    ('electronics', 'mobile-phones', 'Mobile Phones', 'मोबाइल फ़ोन', 1, 'new'),
    ('electronics', 'laptops', 'Laptops', 'लैपटॉप', 2, 'new'),
    ('electronics', 'accessories', 'Accessories', 'एक्सेसरीज़', 3, NULL),
    ('home-kitchen', 'cookware', 'Cookware', 'बर्तन', 1, NULL),
    ('home-kitchen', 'appliances', 'Appliances', 'उपकरण', 2, NULL),
    ('grocery', 'staples', 'Staples', 'राशन', 1, NULL),
    ('grocery', 'snacks', 'Snacks', 'नमकीन', 2, NULL),
    ('fashion', 'men', 'Men', 'पुरुष', 1, NULL),
    ('fashion', 'women', 'Women', 'महिलाएँ', 2, NULL),
    ('services', 'salon', 'Salon & Spa', 'सैलून और स्पा', 1, 'all'),
    ('services', 'home-repair', 'Home Repair', 'घर की मरम्मत', 2, NULL)
  ) AS v (parent, slug, name, hi, pos, review)
  JOIN categories p ON p.slug = v.parent;

INSERT INTO attributes (code, name, type, unit, options, facet) VALUES
  ('colour', 'Colour', 'enum', NULL,
   '{black,white,blue,red,green,silver,gold,steel}', true),
  ('storage_gb', 'Storage', 'number', 'GB', NULL, true),
  ('ram_gb', 'RAM', 'number', 'GB', NULL, true),
  ('screen_in', 'Screen size', 'number', 'in', NULL, false),
  ('capacity_l', 'Capacity', 'number', 'L', NULL, true),
  ('material', 'Material', 'enum', NULL,
   '{steel,aluminium,cast iron,non-stick,cotton,silk,linen}', true),
  ('veg', 'Vegetarian', 'boolean', NULL, NULL, true),
  ('weight_g', 'Net weight', 'number', 'g', NULL, false),
  ('size', 'Size', 'enum', NULL, '{XS,S,M,L,XL,XXL}', true);
INSERT INTO category_attributes (category_id, attribute_id, required, position)
SELECT c.id, a.id, v.required, v.pos
  FROM (VALUES
    ('electronics', 'colour', false, 1),
    ('mobile-phones', 'storage_gb', true, 2),
    ('mobile-phones', 'ram_gb', false, 3),
    ('mobile-phones', 'screen_in', false, 4),
    ('laptops', 'storage_gb', true, 2),
    ('laptops', 'ram_gb', true, 3),
    ('laptops', 'screen_in', false, 4),
    ('cookware', 'capacity_l', false, 1),
    ('cookware', 'material', true, 2),
    ('appliances', 'colour', false, 1),
    ('grocery', 'veg', false, 1),
    ('grocery', 'weight_g', false, 2),
    ('fashion', 'colour', false, 1),
    ('fashion', 'material', false, 2)
  ) AS v (category, code, required, pos)
  JOIN categories c ON c.slug = v.category
  JOIN attributes a ON a.code = v.code;

INSERT INTO brands (slug, name) VALUES
  ('samsung', 'Samsung'), ('xiaomi', 'Xiaomi'), ('apple', 'Apple'),
  ('lenovo', 'Lenovo'), ('boat', 'boAt'), ('prestige', 'Prestige'),
  ('hawkins', 'Hawkins'), ('bajaj', 'Bajaj'), ('tata', 'Tata'),
  ('aashirvaad', 'Aashirvaad'), ('haldirams', 'Haldiram''s'),
  ('fabindia', 'Fabindia');

INSERT INTO search_synonyms (term, synonyms) VALUES
  ('mobile', '{phone,smartphone,cellphone,मोबाइल}'),
  ('tv', '{television}'),
  ('fridge', '{refrigerator}'),
  ('atta', '{flour,आटा}'),
  ('chawal', '{rice,चावल}'),
  ('cooker', '{pressure cooker,कुकर}'),
  ('kurta', '{कुर्ता}'),
  ('haircut', '{hair cut,बाल कटाई}');

-- Four vendors, as approved registrations would have made them.
INSERT INTO vendors (name, legal_name, category, address, region_id, pincode,
    gstin, pan, contact_phone, contact_email, badges, description, lat, lon,
    service_pincodes, service_radius_m, opening_hours, contact_name, score)
SELECT v.name, v.legal, v.category, v.address, r.id, v.pincode, v.gstin,
       v.pan, v.phone, v.email, v.badges, v.descr, r.lat, r.lon,
       v.pincodes, v.radius, v.hours::jsonb, v.contact, v.score
  FROM (VALUES
    ('Sharma Electronics', 'Sharma Electronics Private Limited', 'electronics',
     'Shop 4, Lokhandwala Market, Andheri West, Mumbai', '400053',
     '27AAPFU0939F1ZV', 'AAPFU0939F', '+919820012345', 'sales@sharma-electronics.example',
     '{verified_business,verified_gst}'::text[],
     'Phones, laptops and accessories in Andheri since 1998. Delivery across western Mumbai.',
     '{400050,400053,400001}'::text[], 8000,
     '{"mon": [["10:00", "21:00"]], "tue": [["10:00", "21:00"]], "wed": [["10:00", "21:00"]], "thu": [["10:00", "21:00"]], "fri": [["10:00", "21:00"]], "sat": [["10:00", "22:00"]]}',
     'Rakesh Sharma', 0.8),
    ('Kothrud Kirana', 'Kothrud Kirana and General Stores', 'grocery',
     '12 Paud Road, Kothrud, Pune', '411038', NULL, 'ABCPK1234K',
     '+919822012345', NULL, '{verified_business}'::text[],
     'Your neighbourhood kirana: staples, snacks and daily needs, delivered within the hour.',
     '{411038,411004}'::text[], 3000,
     '{"mon": [["07:00", "13:00"], ["16:00", "22:00"]], "tue": [["07:00", "13:00"], ["16:00", "22:00"]], "wed": [["07:00", "13:00"], ["16:00", "22:00"]], "thu": [["07:00", "13:00"], ["16:00", "22:00"]], "fri": [["07:00", "13:00"], ["16:00", "22:00"]], "sat": [["07:00", "22:00"]], "sun": [["08:00", "12:00"]]}',
     'Suresh Kulkarni', 0.6),
    ('Indiranagar Home Store', 'Indiranagar Home Store LLP', 'home',
     '100 Feet Road, Indiranagar, Bengaluru', '560038', '29AAGCI1234A1Z2',
     'AAGCI1234A', '+919845012345', 'hello@homestore.example',
     '{verified_business}'::text[],
     'Cookware, appliances and everything for the kitchen.',
     '{}'::text[], 10000,
     '{"mon": [["11:00", "20:00"]], "tue": [["11:00", "20:00"]], "wed": [["11:00", "20:00"]], "thu": [["11:00", "20:00"]], "fri": [["11:00", "20:00"]], "sat": [["11:00", "20:00"]], "sun": [["11:00", "20:00"]]}',
     'Anita Rao', 0.5),
    ('Hauz Khas Salon & Spa', 'Glow Salon Private Limited', 'services',
     'Hauz Khas Village, New Delhi', '110016', NULL, 'AAGCG1234G',
     '+919810012345', 'book@glow.example', '{verified_business}'::text[],
     'Haircuts, grooming and spa, at the salon or at your home.',
     '{110016,110003,110001}'::text[], NULL,
     '{"tue": [["10:00", "20:00"]], "wed": [["10:00", "20:00"]], "thu": [["10:00", "20:00"]], "fri": [["10:00", "20:00"]], "sat": [["09:00", "21:00"]], "sun": [["09:00", "21:00"]]}',
     'Priya Malhotra', 0.7)
  ) AS v (name, legal, category, address, pincode, gstin, pan, phone, email,
          badges, descr, pincodes, radius, hours, contact, score)
  JOIN regions r ON r.pincode = v.pincode;

-- A warehouse for the electronics shop, besides its main store.
INSERT INTO stock_locations (vendor_id, name, address, pincode)
SELECT id, 'Goregaon warehouse', 'Unit 12, Oberoi Garden Estate, Goregaon East', '400063'
  FROM vendors WHERE name = 'Sharma Electronics';

-- Listings: vendor, kind, title, description, category, brand, tags,
-- attributes, status.
INSERT INTO listings (vendor_id, kind, title, description, category_id,
    brand_id, tags, attributes, status, published_at)
SELECT vd.id, v.kind, v.title, v.descr, c.id, b.id, v.tags, v.attrs::jsonb,
       v.status, CASE WHEN v.status = 'active' THEN now() - v.age END
  FROM (VALUES
    ('Sharma Electronics', 'product', 'Samsung Galaxy M14 5G (128 GB)',
     'A 6.6-inch 5G phone with a 6000 mAh battery that lasts two days, a 50 MP triple camera and Android updates for four years.',
     'mobile-phones', 'samsung', '{5g,android,phone}'::text[],
     '{"storage_gb": 128, "ram_gb": 6, "screen_in": 6.6, "colour": "blue"}', 'active', interval '20 days'),
    ('Sharma Electronics', 'product', 'Redmi Note 13 (256 GB)',
     'AMOLED display, 108 MP camera and fast charging: a lot of phone for the price.',
     'mobile-phones', 'xiaomi', '{android,phone,amoled}'::text[],
     '{"storage_gb": 256, "ram_gb": 8, "screen_in": 6.67, "colour": "black"}', 'active', interval '12 days'),
    ('Sharma Electronics', 'product', 'Apple iPhone 15 (128 GB)',
     'The iPhone 15 with Dynamic Island, a 48 MP camera and USB-C.',
     'mobile-phones', 'apple', '{iphone,ios,phone}'::text[],
     '{"storage_gb": 128, "ram_gb": 6, "screen_in": 6.1, "colour": "black"}', 'active', interval '5 days'),
    ('Sharma Electronics', 'product', 'Lenovo IdeaPad Slim 3 (Core i5, 16 GB)',
     'A light 15.6-inch laptop for work and study, with a full-size keyboard and an 8-hour battery.',
     'laptops', 'lenovo', '{laptop,windows}'::text[],
     '{"storage_gb": 512, "ram_gb": 16, "screen_in": 15.6, "colour": "silver"}', 'active', interval '30 days'),
    ('Sharma Electronics', 'product', 'boAt Airdopes 141 Earbuds',
     'Wireless earbuds with 42 hours of playback and low-latency gaming mode.',
     'accessories', 'boat', '{earbuds,bluetooth,audio}'::text[],
     '{"colour": "black"}', 'active', interval '40 days'),
    ('Sharma Electronics', 'product', 'Samsung 25W Fast Charger',
     'USB-C power adapter for Galaxy phones.',
     'accessories', 'samsung', '{charger,usb-c}'::text[],
     '{"colour": "white"}', 'active', interval '3 days'),
    ('Sharma Electronics', 'product', 'Samsung Galaxy Tab A9',
     'An 8.7-inch tablet for the family.',
     'electronics', 'samsung', '{tablet,android}'::text[],
     '{"colour": "silver"}', 'pending_review', NULL),
    ('Sharma Electronics', 'product', 'Refurbished phone (draft)',
     '', 'mobile-phones', NULL, '{}'::text[], '{}', 'draft', NULL),
    ('Kothrud Kirana', 'product', 'Aashirvaad Whole Wheat Atta',
     'Chakki-ground atta for soft rotis.',
     'staples', 'aashirvaad', '{atta,flour,wheat}'::text[],
     '{"veg": true, "weight_g": 5000}', 'active', interval '60 days'),
    ('Kothrud Kirana', 'product', 'Tata Salt, Iodised',
     'Vacuum-evaporated iodised salt.',
     'staples', 'tata', '{salt,namak}'::text[],
     '{"veg": true, "weight_g": 1000}', 'active', interval '60 days'),
    ('Kothrud Kirana', 'product', 'Basmati Chawal, Premium',
     'Long-grain aged basmati rice.',
     'staples', NULL, '{rice,basmati,chawal}'::text[],
     '{"veg": true, "weight_g": 5000}', 'active', interval '45 days'),
    ('Kothrud Kirana', 'product', 'Haldiram''s Aloo Bhujia',
     'The classic crunchy namkeen.',
     'snacks', 'haldirams', '{namkeen,bhujia}'::text[],
     '{"veg": true, "weight_g": 400}', 'active', interval '15 days'),
    ('Kothrud Kirana', 'product', 'तूर दाल (Toor Dal)',
     'अनपॉलिश्ड तूर दाल, 1 किलो।',
     'staples', NULL, '{dal,toor,दाल}'::text[],
     '{"veg": true, "weight_g": 1000}', 'active', interval '9 days'),
    ('Indiranagar Home Store', 'product', 'Prestige Popular Pressure Cooker',
     'The aluminium pressure cooker Indian kitchens have trusted for decades, with a gasket release system.',
     'cookware', 'prestige', '{cooker,kitchen}'::text[],
     '{"material": "aluminium", "capacity_l": 5}', 'active', interval '25 days'),
    ('Indiranagar Home Store', 'product', 'Hawkins Futura Hard Anodised Kadhai',
     'A hard-anodised kadhai with a glass lid: heats evenly, cleans easily.',
     'cookware', 'hawkins', '{kadhai,kitchen}'::text[],
     '{"material": "non-stick", "capacity_l": 2.5}', 'active', interval '18 days'),
    ('Indiranagar Home Store', 'product', 'Bajaj Rex Mixer Grinder 500 W',
     'Three jars for chutneys, masalas and batter.',
     'appliances', 'bajaj', '{mixer,grinder,kitchen}'::text[],
     '{"colour": "white"}', 'active', interval '7 days'),
    ('Indiranagar Home Store', 'product', 'Fabindia Cotton Kurta',
     'Hand-block printed cotton kurta.',
     'men', 'fabindia', '{kurta,cotton,ethnic}'::text[],
     '{"material": "cotton", "colour": "blue"}', 'active', interval '11 days'),
    ('Hauz Khas Salon & Spa', 'service', 'Men''s haircut and beard trim',
     'A cut, wash and beard styling by a senior stylist.',
     'salon', NULL, '{haircut,grooming,men}'::text[], '{}', 'active', interval '50 days'),
    ('Hauz Khas Salon & Spa', 'service', 'Full body massage at home',
     'A 60 or 90 minute massage by a certified therapist, at your home.',
     'salon', NULL, '{massage,spa,home}'::text[], '{}', 'active', interval '22 days'),
    ('Hauz Khas Salon & Spa', 'service', 'AC service and repair',
     'Servicing of split and window ACs, gas top-up on inspection.',
     'home-repair', NULL, '{ac,repair,home}'::text[], '{}', 'pending_review', NULL)
  ) AS v (vendor, kind, title, descr, category, brand, tags, attrs, status, age)
  JOIN vendors vd ON vd.name = v.vendor
  JOIN categories c ON c.slug = v.category
  LEFT JOIN brands b ON b.slug = v.brand;

INSERT INTO listing_events (listing_id, from_status, to_status, actor_role, reason)
SELECT id, NULL, 'draft', 'vendor_owner', 'demo data' FROM listings;
INSERT INTO listing_events (listing_id, from_status, to_status, actor_role, reason)
SELECT id, 'draft', status, 'vendor_owner', 'demo data' FROM listings
 WHERE status <> 'draft';

-- Variants: listing title, SKU, price and compare-at price (paise),
-- options, units in stock (services: minutes instead).
INSERT INTO variants (listing_id, sku, price, compare_at_price, options,
    duration_minutes, position)
SELECT l.id, v.sku, v.price, v.compare, v.opts::jsonb, v.minutes, v.pos
  FROM (VALUES
    ('Samsung Galaxy M14 5G (128 GB)', 'SGM14-128-BLU', 1349900, 1599900, '{"colour": "blue"}', NULL, 1),
    ('Samsung Galaxy M14 5G (128 GB)', 'SGM14-128-SLV', 1349900, 1599900, '{"colour": "silver"}', NULL, 2),
    ('Redmi Note 13 (256 GB)', 'RN13-256-BLK', 1899900, 2199900, '{"colour": "black"}', NULL, 1),
    ('Apple iPhone 15 (128 GB)', 'IP15-128-BLK', 6990000, 7990000, '{"colour": "black"}', NULL, 1),
    ('Apple iPhone 15 (128 GB)', 'IP15-128-BLU', 6990000, 7990000, '{"colour": "blue"}', NULL, 2),
    ('Lenovo IdeaPad Slim 3 (Core i5, 16 GB)', 'IPS3-I5-16', 5499000, 7299000, '{}', NULL, 1),
    ('boAt Airdopes 141 Earbuds', 'BOAT-141-BLK', 129900, 449000, '{"colour": "black"}', NULL, 1),
    ('Samsung 25W Fast Charger', 'SAM-25W-WHT', 129900, NULL, '{}', NULL, 1),
    ('Samsung Galaxy Tab A9', 'SGTA9-64', 1199900, NULL, '{}', NULL, 1),
    ('Refurbished phone (draft)', 'REFURB-1', 500000, NULL, '{}', NULL, 1),
    ('Aashirvaad Whole Wheat Atta', 'ATTA-AASH-5KG', 28500, 31000, '{"pack": "5 kg"}', NULL, 1),
    ('Aashirvaad Whole Wheat Atta', 'ATTA-AASH-10KG', 54000, 59000, '{"pack": "10 kg"}', NULL, 2),
    ('Tata Salt, Iodised', 'SALT-TATA-1KG', 2800, NULL, '{}', NULL, 1),
    ('Basmati Chawal, Premium', 'RICE-BAS-5KG', 64900, 79900, '{"pack": "5 kg"}', NULL, 1),
    ('Haldiram''s Aloo Bhujia', 'HLD-BHUJIA-400', 11000, NULL, '{}', NULL, 1),
    ('तूर दाल (Toor Dal)', 'DAL-TOOR-1KG', 16500, 18000, '{}', NULL, 1),
    ('Prestige Popular Pressure Cooker', 'PRS-POP-3L', 159900, 199500, '{"size": "3 L"}', NULL, 1),
    ('Prestige Popular Pressure Cooker', 'PRS-POP-5L', 219900, 259500, '{"size": "5 L"}', NULL, 2),
    ('Hawkins Futura Hard Anodised Kadhai', 'HWK-KDH-25', 189000, 215000, '{}', NULL, 1),
    ('Bajaj Rex Mixer Grinder 500 W', 'BAJ-REX-500', 259900, 399000, '{}', NULL, 1),
    ('Fabindia Cotton Kurta', 'FAB-KRT-M', 149900, NULL, '{"size": "M"}', NULL, 1),
    ('Fabindia Cotton Kurta', 'FAB-KRT-L', 149900, NULL, '{"size": "L"}', NULL, 2),
    ('Fabindia Cotton Kurta', 'FAB-KRT-XL', 159900, NULL, '{"size": "XL"}', NULL, 3),
    ('Men''s haircut and beard trim', 'SVC-HAIRCUT', 59900, NULL, '{}', 45, 1),
    ('Full body massage at home', 'SVC-MASSAGE-60', 249900, NULL, '{"length": "60 min"}', 60, 1),
    ('Full body massage at home', 'SVC-MASSAGE-90', 349900, NULL, '{"length": "90 min"}', 90, 2),
    ('AC service and repair', 'SVC-AC', 59900, NULL, '{}', 60, 1)
  ) AS v (title, sku, price, compare, opts, minutes, pos)
  JOIN listings l ON l.title = v.title;

-- Opening stock at each vendor's main store, through the ledger.
WITH s AS (
    INSERT INTO stock (variant_id, location_id, available)
    SELECT x.id, loc.id, v.units
      FROM (VALUES
        ('SGM14-128-BLU', 12), ('SGM14-128-SLV', 4), ('RN13-256-BLK', 20),
        ('IP15-128-BLK', 3), ('IP15-128-BLU', 0), ('IPS3-I5-16', 6),
        ('BOAT-141-BLK', 40), ('SAM-25W-WHT', 25), ('SGTA9-64', 5),
        ('ATTA-AASH-5KG', 30), ('ATTA-AASH-10KG', 12), ('SALT-TATA-1KG', 80),
        ('RICE-BAS-5KG', 15), ('HLD-BHUJIA-400', 50), ('DAL-TOOR-1KG', 4),
        ('PRS-POP-3L', 10), ('PRS-POP-5L', 7), ('HWK-KDH-25', 9),
        ('BAJ-REX-500', 5), ('FAB-KRT-M', 8), ('FAB-KRT-L', 6),
        ('FAB-KRT-XL', 2)
      ) AS v (sku, units)
      JOIN variants x ON x.sku = v.sku
      JOIN LATERAL (SELECT id FROM stock_locations
                     WHERE vendor_id = x.vendor_id ORDER BY id LIMIT 1) loc ON true
    RETURNING variant_id, location_id, available)
INSERT INTO stock_movements (variant_id, location_id, kind, available_delta,
    reserved_delta, available_after, reserved_after, note)
SELECT variant_id, location_id, 'restock', available, 0, available, 0,
       'opening stock'
  FROM s WHERE available > 0;

-- Some sales, so that popularity and the vendors' summaries say something.
UPDATE listings SET popularity = v.sold
  FROM (VALUES
    ('Samsung Galaxy M14 5G (128 GB)', 340), ('Redmi Note 13 (256 GB)', 510),
    ('Apple iPhone 15 (128 GB)', 120), ('boAt Airdopes 141 Earbuds', 890),
    ('Aashirvaad Whole Wheat Atta', 1200), ('Tata Salt, Iodised', 2100),
    ('Haldiram''s Aloo Bhujia', 760), ('Prestige Popular Pressure Cooker', 230),
    ('Men''s haircut and beard trim', 410)
  ) AS v (title, sold)
 WHERE listings.title = v.title;

COMMIT;
