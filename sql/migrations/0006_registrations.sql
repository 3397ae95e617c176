-- Business registrations (vendor onboarding) and the vendors they make.

-- A vendor: made when a registration is approved.  The catalogue work
-- adds its location, service area, opening hours and more.
CREATE TABLE vendors (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    legal_name       text NOT NULL CHECK (char_length(legal_name) BETWEEN 1 AND 200),
    category         text NOT NULL CHECK (char_length(category) BETWEEN 1 AND 100),
    address          text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 500),
    region_id        bigint NOT NULL REFERENCES regions (id),
    pincode          text NOT NULL CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    gstin            text UNIQUE,
    pan              text,
    contact_phone    text,
    contact_email    text,
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    status_reason    text,
    -- verified_business, verified_gst, ...
    badges           text[] NOT NULL DEFAULT '{}',
    -- Ranking blends this in; a later job computes it.
    score            numeric NOT NULL DEFAULT 0.5 CHECK (score BETWEEN 0 AND 1),
    registration_id  bigint UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vendors_region ON vendors (region_id, id);
CREATE TRIGGER vendors_updated_at BEFORE UPDATE ON vendors
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE users ADD FOREIGN KEY (vendor_id) REFERENCES vendors (id);

CREATE TABLE registrations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    applicant_id    bigint NOT NULL REFERENCES users (id),
    state           text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft',
                        'submitted', 'under_review', 'approved', 'rejected',
                        'needs_changes')),
    legal_name      text CHECK (char_length(legal_name) BETWEEN 1 AND 200),
    display_name    text CHECK (char_length(display_name) BETWEEN 1 AND 200),
    category        text CHECK (char_length(category) BETWEEN 1 AND 100),
    address         text CHECK (char_length(address) BETWEEN 1 AND 500),
    region_id       bigint REFERENCES regions (id),
    pincode         text CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    gstin           text CHECK (gstin ~ '^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$'),
    pan             text CHECK (pan ~ '^[A-Z]{5}[0-9]{4}[A-Z]$'),
    bank_account    text CHECK (bank_account ~ '^[0-9]{9,18}$'),
    ifsc            text CHECK (ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$'),
    bank_holder     text CHECK (char_length(bank_holder) BETWEEN 1 AND 200),
    contact_name    text CHECK (char_length(contact_name) BETWEEN 1 AND 100),
    contact_phone   text CHECK (contact_phone ~ '^\+[1-9][0-9]{7,14}$'),
    contact_email   text CHECK (char_length(contact_email) <= 254),
    reviewer_id     bigint REFERENCES users (id),
    -- Why it was rejected, or what to change.
    reason          text CHECK (char_length(reason) <= 2000),
    vendor_id       bigint REFERENCES vendors (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    submitted_at    timestamptz,
    decided_at      timestamptz,
    -- Nothing is decided without the essentials.
    CHECK (state IN ('draft', 'needs_changes') OR (legal_name IS NOT NULL
        AND display_name IS NOT NULL AND category IS NOT NULL
        AND address IS NOT NULL AND region_id IS NOT NULL
        AND pincode IS NOT NULL AND pan IS NOT NULL
        AND bank_account IS NOT NULL AND ifsc IS NOT NULL
        AND contact_phone IS NOT NULL)),
    CHECK ((state = 'approved') = (vendor_id IS NOT NULL))
);
CREATE INDEX registrations_applicant ON registrations (applicant_id, id DESC);
CREATE INDEX registrations_state ON registrations (state, id);
CREATE INDEX registrations_region ON registrations (region_id, state, id);
CREATE TRIGGER registrations_updated_at BEFORE UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- KYC documents: the bytes live in the media store, by SHA-256.
CREATE TABLE registration_documents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_id  bigint NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('gst_certificate', 'pan_card',
                         'bank_proof', 'address_proof', 'other')),
    filename         text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 200),
    content_type     text NOT NULL CHECK (content_type IN ('application/pdf',
                         'image/jpeg', 'image/png')),
    size             int NOT NULL CHECK (size > 0),
    media_key        text NOT NULL CHECK (media_key ~ '^[0-9a-f]{64}$'),
    uploaded_by      bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_documents_registration ON registration_documents (registration_id, id);

-- Every transition, with who made it.
CREATE TABLE registration_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_id  bigint NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    from_state       text,
    to_state         text NOT NULL,
    actor_id         bigint REFERENCES users (id),
    actor_role       text,
    reason           text,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_events_registration ON registration_events (registration_id, id);

INSERT INTO notification_templates (kind, channel, language, subject, body, html) VALUES
 ('registration.submitted', 'email', 'en', 'We have your registration for {{registration.name}}',
  E'Hello {{user.name}},\n\nThank you: we have received the registration of {{registration.name}} and will review it shortly.',
  NULL),
 ('registration.submitted', 'email', 'hi', '{{registration.name}} का पंजीकरण मिल गया',
  E'नमस्ते {{user.name}},\n\nधन्यवाद: हमें {{registration.name}} का पंजीकरण मिल गया है। हम जल्द ही इसकी समीक्षा करेंगे।', NULL),
 ('registration.submitted', 'sms', 'en', NULL,
  'souk: we have the registration of {{registration.name}} and will review it shortly.', NULL),
 ('registration.submitted', 'sms', 'hi', NULL,
  'souk: {{registration.name}} का पंजीकरण मिल गया है, समीक्षा जल्द होगी।', NULL),
 ('registration.approved', 'email', 'en', '{{registration.name}} is now on souk',
  E'Hello {{user.name}},\n\nGood news: {{registration.name}} is approved. Sign in again to manage your shop.', NULL),
 ('registration.approved', 'email', 'hi', '{{registration.name}} अब souk पर है',
  E'नमस्ते {{user.name}},\n\nबधाई: {{registration.name}} स्वीकृत हो गया है। अपनी दुकान सँभालने के लिए फिर से साइन इन करें।', NULL),
 ('registration.approved', 'sms', 'en', NULL,
  'souk: {{registration.name}} is approved. Sign in again to manage your shop.', NULL),
 ('registration.approved', 'sms', 'hi', NULL,
  'souk: {{registration.name}} स्वीकृत हो गया। दुकान सँभालने के लिए फिर से साइन इन करें।', NULL),
 ('registration.rejected', 'email', 'en', 'About your registration of {{registration.name}}',
  E'Hello {{user.name}},\n\nWe could not approve {{registration.name}}: {{reason}}', NULL),
 ('registration.rejected', 'email', 'hi', '{{registration.name}} के पंजीकरण के बारे में',
  E'नमस्ते {{user.name}},\n\nहम {{registration.name}} को स्वीकृत नहीं कर सके: {{reason}}', NULL),
 ('registration.rejected', 'sms', 'en', NULL,
  'souk: {{registration.name}} was not approved: {{reason}}', NULL),
 ('registration.rejected', 'sms', 'hi', NULL,
  'souk: {{registration.name}} स्वीकृत नहीं हुआ: {{reason}}', NULL),
 ('registration.needs_changes', 'email', 'en', 'Your registration of {{registration.name}} needs changes',
  E'Hello {{user.name}},\n\nPlease change this in your registration of {{registration.name}}, then submit it again:\n\n{{reason}}', NULL),
 ('registration.needs_changes', 'email', 'hi', '{{registration.name}} के पंजीकरण में बदलाव चाहिए',
  E'नमस्ते {{user.name}},\n\n{{registration.name}} के पंजीकरण में यह बदलें, फिर दोबारा जमा करें:\n\n{{reason}}', NULL),
 ('registration.needs_changes', 'sms', 'en', NULL,
  'souk: your registration of {{registration.name}} needs changes: {{reason}}', NULL),
 ('registration.needs_changes', 'sms', 'hi', NULL,
  'souk: {{registration.name}} के पंजीकरण में बदलाव चाहिए: {{reason}}', NULL);
