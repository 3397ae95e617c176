-- Notifications: templates, the outbox with its delivery attempts,
-- preferences and quiet hours, email unsubscribes, push devices and
-- reminders.

-- Secrets soukd keeps for itself (the unsubscribe links' key), made on
-- first use; they never rotate, since old emails must keep working.
CREATE TABLE secrets (
    name        text PRIMARY KEY,
    secret      bytea NOT NULL CHECK (length(secret) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification_templates (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
    channel            text NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'push')),
    language           text NOT NULL CHECK (language ~ '^[a-z]{2,3}$'),
    subject            text CHECK (char_length(subject) <= 200),
    body               text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
    html               text CHECK (char_length(html) <= 100000),
    -- The provider's approved template (a Twilio Content SID) that a
    -- business-initiated WhatsApp message must use.
    whatsapp_template  text CHECK (whatsapp_template ~ '^HX[0-9a-f]{32}$'),
    updated_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, channel, language)
);
CREATE TRIGGER notification_templates_updated_at BEFORE UPDATE
    ON notification_templates FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE notifications (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             bigint REFERENCES users (id) ON DELETE SET NULL,
    kind                text NOT NULL,
    channel             text NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'push')),
    recipient           text NOT NULL CHECK (char_length(recipient) BETWEEN 1 AND 4096),
    language            text NOT NULL,
    template_id         bigint REFERENCES notification_templates (id) ON DELETE SET NULL,
    subject             text,
    body                text NOT NULL,
    html                text,
    whatsapp_template   text,
    whatsapp_variables  jsonb,
    urgent              boolean NOT NULL,
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sent', 'failed', 'suppressed')),
    reason              text,
    provider_id         text,
    attempts            int NOT NULL DEFAULT 0,
    send_after          timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_state ON notifications (state, id DESC);
CREATE INDEX notifications_recipient ON notifications (recipient, id DESC);
CREATE TRIGGER notifications_updated_at BEFORE UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every attempt to deliver, with the provider's answer.
CREATE TABLE notification_attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id  bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempt          int NOT NULL,
    at               timestamptz NOT NULL DEFAULT now(),
    outcome          text NOT NULL CHECK (outcome IN ('sent', 'retry', 'permanent')),
    http_status      int,
    provider_id      text,
    detail           text
);
CREATE INDEX notification_attempts_notification ON notification_attempts (notification_id, id);

-- A user's choice per channel.  No row: the channel's default (on, but
-- WhatsApp needs a recorded opt-in).
CREATE TABLE notification_prefs (
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel      text NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'push')),
    opted_in     boolean NOT NULL,
    source       text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 50),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, channel)
);

-- Quiet hours, in the user's time zone: non-urgent messages wait for
-- their end.  Both NULL: none.
ALTER TABLE users
    ADD COLUMN quiet_start time,
    ADD COLUMN quiet_end time,
    ADD CHECK ((quiet_start IS NULL) = (quiet_end IS NULL));

-- Addresses that unsubscribed from non-urgent email (one click).
CREATE TABLE email_unsubscribes (
    email   text PRIMARY KEY CHECK (email = lower(email)),
    at      timestamptz NOT NULL DEFAULT now(),
    source  text NOT NULL
);

CREATE TABLE push_devices (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token         text NOT NULL UNIQUE CHECK (char_length(token) BETWEEN 8 AND 4096),
    platform      text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_devices_user ON push_devices (user_id);

-- A personalised message for a user at a time.  The dedupe key makes
-- scheduling it again a no-op, so nobody gets the same reminder twice.
CREATE TABLE reminders (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id           bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind              text NOT NULL,
    channels          text[] NOT NULL CHECK (cardinality(channels) > 0 AND
                          channels <@ ARRAY['sms', 'whatsapp', 'email', 'push']),
    variables         jsonb NOT NULL DEFAULT '{}',
    remind_at         timestamptz NOT NULL,
    dedupe_key        text NOT NULL UNIQUE CHECK (char_length(dedupe_key) BETWEEN 1 AND 200),
    state             text NOT NULL DEFAULT 'scheduled'
                      CHECK (state IN ('scheduled', 'sent', 'cancelled')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    fired_at          timestamptz
);
CREATE INDEX reminders_user ON reminders (user_id, remind_at DESC);

-- The messages identity sends, in English and Hindi.
INSERT INTO notification_templates (kind, channel, language, subject, body, html) VALUES
 ('auth.otp', 'sms', 'en', NULL,
  '{{otp.code}} is your souk code. It expires in {{otp.minutes}} minutes. Do not share it.', NULL),
 ('auth.otp', 'sms', 'hi', NULL,
  '{{otp.code}} आपका souk कोड है। यह {{otp.minutes}} मिनट में समाप्त होगा। इसे किसी से साझा न करें।', NULL),
 ('auth.otp', 'whatsapp', 'en', NULL,
  '{{otp.code}} is your souk code. It expires in {{otp.minutes}} minutes. Do not share it.', NULL),
 ('auth.otp', 'whatsapp', 'hi', NULL,
  '{{otp.code}} आपका souk कोड है। यह {{otp.minutes}} मिनट में समाप्त होगा। इसे किसी से साझा न करें।', NULL),
 ('auth.verify_email', 'email', 'en', 'Confirm your email address',
  E'Hello {{user.name}},\n\nConfirm your email address for souk by opening this link:\n{{link}}\n\nIf you did not sign up, ignore this message.',
  '<p>Hello {{user.name}},</p><p>Confirm your email address for souk:</p><p><a href="{{link}}">Confirm my address</a></p><p>If you did not sign up, ignore this message.</p>'),
 ('auth.verify_email', 'email', 'hi', 'अपना ईमेल पता पुष्टि करें',
  E'नमस्ते {{user.name}},\n\nsouk के लिए अपना ईमेल पता इस लिंक से पुष्टि करें:\n{{link}}\n\nयदि आपने साइन अप नहीं किया, तो इस संदेश को अनदेखा करें।',
  '<p>नमस्ते {{user.name}},</p><p>souk के लिए अपना ईमेल पता पुष्टि करें:</p><p><a href="{{link}}">पुष्टि करें</a></p>'),
 ('auth.password_reset', 'email', 'en', 'Reset your souk password',
  E'Hello {{user.name}},\n\nTo choose a new password, open this link within {{minutes}} minutes:\n{{link}}\n\nIf you did not ask for this, ignore this message: your password stays as it is.',
  '<p>Hello {{user.name}},</p><p>To choose a new password, open this link within {{minutes}} minutes:</p><p><a href="{{link}}">Reset my password</a></p><p>If you did not ask for this, ignore this message.</p>'),
 ('auth.password_reset', 'email', 'hi', 'अपना souk पासवर्ड रीसेट करें',
  E'नमस्ते {{user.name}},\n\nनया पासवर्ड चुनने के लिए {{minutes}} मिनट के भीतर यह लिंक खोलें:\n{{link}}\n\nयदि आपने यह नहीं माँगा, तो इसे अनदेखा करें।',
  '<p>नमस्ते {{user.name}},</p><p>नया पासवर्ड चुनने के लिए {{minutes}} मिनट के भीतर यह लिंक खोलें:</p><p><a href="{{link}}">पासवर्ड रीसेट करें</a></p>');

-- When quiet hours (qs to qe, local time in tz, possibly overnight) hold
-- at the instant at, the instant they end; otherwise NULL.
CREATE FUNCTION quiet_until(qs time, qe time, tz text, at timestamptz)
    RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE
        WHEN qs IS NULL OR qe IS NULL OR qs = qe THEN NULL
        WHEN qs < qe THEN CASE
            WHEN (at AT TIME ZONE tz)::time >= qs AND (at AT TIME ZONE tz)::time < qe
            THEN (date_trunc('day', at AT TIME ZONE tz) + qe) AT TIME ZONE tz END
        ELSE CASE
            WHEN (at AT TIME ZONE tz)::time >= qs
            THEN (date_trunc('day', at AT TIME ZONE tz) + interval '1 day' + qe) AT TIME ZONE tz
            WHEN (at AT TIME ZONE tz)::time < qe
            THEN (date_trunc('day', at AT TIME ZONE tz) + qe) AT TIME ZONE tz END
    END;
