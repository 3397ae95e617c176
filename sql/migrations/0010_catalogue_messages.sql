-- Messages of the catalogue work that 0008 did not have: new vendor staff,
-- and the Hindi and push versions of vendor and listing messages.

INSERT INTO notification_templates (kind, channel, language, subject, body, html) VALUES
 ('vendor.staff_added', 'email', 'en', 'You can now work for {{vendor.name}} on souk',
  E'Hello {{user.name}},\n\n{{vendor.name}} added you to its team on souk. Sign in with this email address to manage its listings and stock.', NULL),
 ('vendor.staff_added', 'email', 'hi', 'अब आप souk पर {{vendor.name}} के लिए काम कर सकते हैं',
  E'नमस्ते {{user.name}},\n\n{{vendor.name}} ने आपको souk पर अपनी टीम में जोड़ा है। इसकी लिस्टिंग और स्टॉक सँभालने के लिए इसी ईमेल से साइन इन करें।', NULL),
 ('vendor.staff_added', 'sms', 'en', NULL,
  'souk: {{vendor.name}} added you to its team. Sign in with this phone number to manage its listings.', NULL),
 ('vendor.staff_added', 'sms', 'hi', NULL,
  'souk: {{vendor.name}} ने आपको अपनी टीम में जोड़ा है। लिस्टिंग सँभालने के लिए इसी फ़ोन नंबर से साइन इन करें।', NULL),
 ('vendor.suspended', 'sms', 'hi', NULL,
  'souk: {{vendor.name}} निलंबित है: {{reason}}. अपने क्षेत्रीय souk कार्यालय से संपर्क करें।', NULL),
 ('vendor.reactivated', 'sms', 'hi', NULL,
  'souk: {{vendor.name}} फिर से सक्रिय है।', NULL),
 ('listing.approved', 'push', 'en', 'Listing approved',
  '{{listing.title}} is live', NULL),
 ('listing.approved', 'push', 'hi', 'लिस्टिंग स्वीकृत',
  '{{listing.title}} अब दिख रहा है', NULL),
 ('listing.rejected', 'push', 'en', 'Listing not approved',
  '{{listing.title}}: {{reason}}', NULL),
 ('listing.rejected', 'push', 'hi', 'लिस्टिंग स्वीकृत नहीं',
  '{{listing.title}}: {{reason}}', NULL);
