-- Identity: accounts and their roles and regions, sessions (refresh
-- tokens), API keys, one-time codes, signing keys, and the audit log.

CREATE TABLE users (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role               text NOT NULL CHECK (role IN ('customer', 'b2b_buyer',
                           'vendor_owner', 'vendor_staff', 'employee',
                           'telecaller', 'supervisor', 'moderator', 'admin')),
    name               text CHECK (char_length(name) BETWEEN 1 AND 100),
    email              text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
                           AND char_length(email) <= 254),
    email_verified_at  timestamptz,
    phone              text CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    phone_verified_at  timestamptz,
    -- argon2id in libsodium's crypto_pwhash_str format; NULL: no password.
    password_hash      text,
    status             text NOT NULL DEFAULT 'active'
                           CHECK (status IN ('active', 'suspended')),
    status_reason      text,
    -- Access tokens issued before this are refused (suspension, role or
    -- region changes, password changes): they must be refreshed.
    tokens_valid_after timestamptz NOT NULL DEFAULT '-infinity',
    vendor_id          bigint,
    language           text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2,3}$'),
    timezone           text NOT NULL DEFAULT 'Asia/Kolkata',
    locked_until       timestamptz,
    last_login_at      timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR phone IS NOT NULL),
    CHECK ((role IN ('vendor_owner', 'vendor_staff')) = (vendor_id IS NOT NULL)
           OR vendor_id IS NULL)
);

CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_phone ON users (phone) WHERE phone IS NOT NULL;
CREATE INDEX users_role ON users (role, id);
CREATE INDEX users_name ON users (lower(name) text_pattern_ops);
CREATE INDEX users_tokens_changed ON users (tokens_valid_after)
    WHERE tokens_valid_after > '-infinity';
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The regions a region-scoped staff member (employee, telecaller,
-- supervisor) works in; they see those regions and everything below.
CREATE TABLE user_regions (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    region_id  bigint NOT NULL REFERENCES regions (id) ON DELETE RESTRICT,
    PRIMARY KEY (user_id, region_id)
);
CREATE INDEX user_regions_region ON user_regions (region_id);

-- Whether region lies within any of scope (NULL scope: no restriction).
-- Every region-scoped query uses this one predicate.
CREATE FUNCTION region_in_scope(region bigint, scope bigint[]) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN scope IS NULL OR EXISTS (
        SELECT 1 FROM regions r WHERE r.id = region AND r.path && scope);

-- Refresh tokens.  A login starts a family; each refresh rotates the
-- token within it; presenting a rotated token again revokes the family.
CREATE SEQUENCE session_families;
CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id    bigint NOT NULL DEFAULT nextval('session_families'),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    rotated_at   timestamptz,
    revoked_at   timestamptz,
    revoked_why  text,
    user_agent   text CHECK (char_length(user_agent) <= 300),
    ip           inet,
    last_used_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON sessions (user_id, id DESC);
CREATE INDEX sessions_family ON sessions (family_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- HMAC-SHA-256 keys signing access tokens; the newest unretired signs,
-- any unretired (or retired less than a token's life ago) verifies.
CREATE TABLE signing_keys (
    kid         text PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{8,32}$'),
    secret      bytea NOT NULL CHECK (length(secret) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

-- Keys for integrators and vendor systems: sk_<prefix>_<secret>, stored
-- hashed, scoped.
CREATE TABLE api_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    vendor_id     bigint,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    prefix        text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{8}$'),
    key_hash      bytea NOT NULL CHECK (length(key_hash) = 32),
    scopes        text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'catalog', 'orders']
                      AND cardinality(scopes) > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_user ON api_keys (user_id, id DESC);

-- One-time login codes sent by SMS or WhatsApp, stored hashed.
CREATE TABLE otp_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone       text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
    code_hash   bytea NOT NULL CHECK (length(code_hash) = 32),
    attempts    int NOT NULL DEFAULT 0,
    ip          inet,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX otp_codes_phone ON otp_codes (phone, created_at DESC);
CREATE INDEX otp_codes_ip ON otp_codes (ip, created_at DESC);

-- Single-use tokens mailed for email verification and password resets.
CREATE TABLE email_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify', 'reset')),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    email       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);

-- Failed logins, for the lock after too many in an hour.
CREATE TABLE login_failures (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at       timestamptz NOT NULL DEFAULT now(),
    ip       inet
);
CREATE INDEX login_failures_user ON login_failures (user_id, at);

-- Every staff action and security event.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_role  text,
    action      text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
    target_type text,
    target_id   text,
    before      jsonb,
    after       jsonb,
    detail      text,
    request_id  text,
    ip          inet
);
CREATE INDEX audit_log_at ON audit_log (id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id DESC);
