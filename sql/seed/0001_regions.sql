-- Demo data for `make run`: India, its states and union territories,
-- and a handful of cities with some of their pincode areas.
-- Loaded once into a new cluster by scripts/run.sh.

BEGIN;

INSERT INTO regions (kind, name, names, code) VALUES ('country', 'India', '{"hi": "भारत"}', 'IN');

INSERT INTO regions (parent_id, kind, name, names, code)
SELECT (SELECT id FROM regions WHERE code = 'IN'), v.kind, v.name, jsonb_build_object('hi', v.hi), v.code
  FROM (VALUES
    ('state', 'Andhra Pradesh', 'आंध्र प्रदेश', 'IN-AP'),
    ('state', 'Arunachal Pradesh', 'अरुणाचल प्रदेश', 'IN-AR'),
    ('state', 'Assam', 'असम', 'IN-AS'),
    ('state', 'Bihar', 'बिहार', 'IN-BR'),
    ('state', 'Chhattisgarh', 'छत्तीसगढ़', 'IN-CT'),
    ('state', 'Goa', 'गोवा', 'IN-GA'),
    ('state', 'Gujarat', 'गुजरात', 'IN-GJ'),
    ('state', 'Haryana', 'हरियाणा', 'IN-HR'),
    ('state', 'Himachal Pradesh', 'हिमाचल प्रदेश', 'IN-HP'),
    ('state', 'Jharkhand', 'झारखंड', 'IN-JH'),
    ('state', 'Karnataka', 'कर्नाटक', 'IN-KA'),
    ('state', 'Kerala', 'केरल', 'IN-KL'),
    ('state', 'Madhya Pradesh', 'मध्य प्रदेश', 'IN-MP'),
    ('state', 'Maharashtra', 'महाराष्ट्र', 'IN-MH'),
    ('state', 'Manipur', 'मणिपुर', 'IN-MN'),
    ('state', 'Meghalaya', 'मेघालय', 'IN-ML'),
    ('state', 'Mizoram', 'मिज़ोरम', 'IN-MZ'),
    ('state', 'Nagaland', 'नागालैंड', 'IN-NL'),
    ('state', 'Odisha', 'ओडिशा', 'IN-OR'),
    ('state', 'Punjab', 'पंजाब', 'IN-PB'),
    ('state', 'Rajasthan', 'राजस्थान', 'IN-RJ'),
    ('state', 'Sikkim', 'सिक्किम', 'IN-SK'),
    ('state', 'Tamil Nadu', 'तमिलनाडु', 'IN-TN'),
    ('state', 'Telangana', 'तेलंगाना', 'IN-TG'),
    ('state', 'Tripura', 'त्रिपुरा', 'IN-TR'),
    ('state', 'Uttar Pradesh', 'उत्तर प्रदेश', 'IN-UP'),
    ('state', 'Uttarakhand', 'उत्तराखंड', 'IN-UT'),
    ('state', 'West Bengal', 'पश्चिम बंगाल', 'IN-WB'),
    ('union_territory', 'Andaman and Nicobar Islands', 'अंडमान और निकोबार द्वीपसमूह', 'IN-AN'),
    ('union_territory', 'Chandigarh', 'चंडीगढ़', 'IN-CH'),
    ('union_territory', 'Dadra and Nagar Haveli and Daman and Diu', 'दादरा और नगर हवेली और दमन और दीव', 'IN-DH'),
    ('union_territory', 'Delhi', 'दिल्ली', 'IN-DL'),
    ('union_territory', 'Jammu and Kashmir', 'जम्मू और कश्मीर', 'IN-JK'),
    ('union_territory', 'Ladakh', 'लद्दाख', 'IN-LA'),
    ('union_territory', 'Lakshadweep', 'लक्षद्वीप', 'IN-LD'),
    ('union_territory', 'Puducherry', 'पुडुचेरी', 'IN-PY')
  ) AS v (kind, name, hi, code);

INSERT INTO regions (parent_id, kind, name, names)
SELECT (SELECT id FROM regions WHERE code = v.state), 'city', v.name, jsonb_build_object('hi', v.hi)
  FROM (VALUES
    ('IN-MH', 'Mumbai', 'मुंबई'),
    ('IN-MH', 'Pune', 'पुणे'),
    ('IN-DL', 'New Delhi', 'नई दिल्ली'),
    ('IN-KA', 'Bengaluru', 'बेंगलुरु'),
    ('IN-TN', 'Chennai', 'चेन्नई'),
    ('IN-WB', 'Kolkata', 'कोलकाता'),
    ('IN-TG', 'Hyderabad', 'हैदराबाद'),
    ('IN-RJ', 'Jaipur', 'जयपुर'),
    ('IN-UP', 'Lucknow', 'लखनऊ'),
    ('IN-GJ', 'Ahmedabad', 'अहमदाबाद')
  ) AS v (state, name, hi);

INSERT INTO regions (parent_id, kind, name, pincode)
SELECT c.id, 'area', v.name, v.pincode
  FROM (VALUES
    ('IN-MH', 'Mumbai', 'Fort', '400001'),
    ('IN-MH', 'Mumbai', 'Bandra West', '400050'),
    ('IN-MH', 'Mumbai', 'Andheri West', '400053'),
    ('IN-MH', 'Mumbai', 'Powai', '400076'),
    ('IN-MH', 'Pune', 'Pune Camp', '411001'),
    ('IN-MH', 'Pune', 'Deccan Gymkhana', '411004'),
    ('IN-MH', 'Pune', 'Kothrud', '411038'),
    ('IN-DL', 'New Delhi', 'Connaught Place', '110001'),
    ('IN-DL', 'New Delhi', 'Lodhi Road', '110003'),
    ('IN-DL', 'New Delhi', 'Hauz Khas', '110016'),
    ('IN-KA', 'Bengaluru', 'MG Road', '560001'),
    ('IN-KA', 'Bengaluru', 'Koramangala', '560034'),
    ('IN-KA', 'Bengaluru', 'Indiranagar', '560038'),
    ('IN-TN', 'Chennai', 'George Town', '600001'),
    ('IN-TN', 'Chennai', 'T. Nagar', '600017'),
    ('IN-TN', 'Chennai', 'Adyar', '600020'),
    ('IN-WB', 'Kolkata', 'BBD Bagh', '700001'),
    ('IN-WB', 'Kolkata', 'Ballygunge', '700019'),
    ('IN-WB', 'Kolkata', 'Salt Lake', '700091'),
    ('IN-TG', 'Hyderabad', 'Abids', '500001'),
    ('IN-TG', 'Hyderabad', 'Banjara Hills', '500034'),
    ('IN-TG', 'Hyderabad', 'Madhapur', '500081'),
    ('IN-RJ', 'Jaipur', 'Jaipur GPO', '302001'),
    ('IN-RJ', 'Jaipur', 'Malviya Nagar', '302017'),
    ('IN-UP', 'Lucknow', 'Hazratganj', '226001'),
    ('IN-UP', 'Lucknow', 'Gomti Nagar', '226010'),
    ('IN-GJ', 'Ahmedabad', 'Lal Darwaja', '380001'),
    ('IN-GJ', 'Ahmedabad', 'Navrangpura', '380009')
  ) AS v (state, city, name, pincode)
  JOIN regions s ON s.code = v.state
  JOIN regions c ON c.parent_id = s.id AND c.name = v.city
 ORDER BY v.pincode;	-- ids in a fixed order, whatever the join's plan

COMMIT;
