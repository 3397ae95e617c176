-- A vendor's owner asks someone who already has an account to join the
-- team: the account holder accepts (or declines); nobody's account
-- changes role without them.

CREATE TABLE vendor_invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id   bigint NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'accepted', 'declined', 'revoked')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL DEFAULT now() + interval '7 days',
    decided_at  timestamptz,
    CHECK ((state = 'pending') = (decided_at IS NULL))
);
-- One open invitation per vendor and person; asking again renews it.
CREATE UNIQUE INDEX vendor_invitations_open ON vendor_invitations (vendor_id, user_id)
    WHERE state = 'pending';
CREATE INDEX vendor_invitations_user ON vendor_invitations (user_id, id DESC);
CREATE INDEX vendor_invitations_vendor ON vendor_invitations (vendor_id, id DESC);

INSERT INTO notification_templates (kind, channel, language, subject, body, html) VALUES
 ('vendor.staff_invited', 'email', 'en', '{{vendor.name}} invites you to its team on souk',
  E'Hello {{user.name}},\n\n{{vendor.name}} would like you to manage its listings and stock on souk. Open souk and accept the invitation under your account within 7 days; if you do not know them, decline it.', NULL),
 ('vendor.staff_invited', 'email', 'hi', '{{vendor.name}} ने आपको souk पर अपनी टीम में बुलाया है',
  E'नमस्ते {{user.name}},\n\n{{vendor.name}} चाहता है कि आप souk पर उसकी लिस्टिंग और स्टॉक सँभालें। 7 दिनों के भीतर souk में अपने खाते से निमंत्रण स्वीकार करें; अगर आप उन्हें नहीं जानते, तो अस्वीकार करें।', NULL),
 ('vendor.staff_invited', 'sms', 'en', NULL,
  'souk: {{vendor.name}} invites you to its team. Accept or decline in the souk app within 7 days.', NULL),
 ('vendor.staff_invited', 'sms', 'hi', NULL,
  'souk: {{vendor.name}} ने आपको अपनी टीम में बुलाया है। 7 दिनों में souk ऐप में स्वीकार या अस्वीकार करें।', NULL);
