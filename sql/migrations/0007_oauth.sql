-- Social sign-in (OAuth 2.0 authorization code with PKCE): the flows under
-- way, the provider identities linked to accounts, and the one-time codes
-- that hand a browser's sign-in back to an app.

-- A sign-in started at a provider.  The state travels through the browser
-- and is kept only hashed; the PKCE code_verifier never leaves soukd.  A
-- state works once, at the callback of its own provider, for 10 minutes.
CREATE TABLE oauth_states (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state_hash     bytea NOT NULL UNIQUE CHECK (length(state_hash) = 32),
    provider       text NOT NULL CHECK (provider IN ('google', 'facebook')),
    -- RFC 7636: 43 to 128 unreserved characters.
    code_verifier  text NOT NULL CHECK (code_verifier ~ '^[A-Za-z0-9._~-]{43,128}$'),
    -- Where the browser goes once signed in (under app_url); NULL: the
    -- callback answers with the tokens.
    return_to      text CHECK (char_length(return_to) <= 2000),
    ip             inet,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL DEFAULT now() + interval '10 minutes',
    used_at        timestamptz
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

-- An account's identity at a provider: the provider's stable subject (Google's
-- sub, Facebook's app-scoped id), one account per identity and one identity
-- per provider per account.
CREATE TABLE user_identities (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider       text NOT NULL CHECK (provider IN ('google', 'facebook')),
    subject        text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 255),
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The address the provider gave, last time, and whether it vouched
    -- for it.
    email          text CHECK (char_length(email) <= 254),
    email_verified boolean NOT NULL DEFAULT false,
    linked_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz,
    UNIQUE (provider, subject),
    UNIQUE (user_id, provider)
);

-- One-time codes for apps that sent the browser through the provider with
-- a return_to: the callback redirects there with ?login_code=, and the app
-- exchanges the code for tokens, so that tokens never travel in URLs.
-- Stored hashed, single use, 2 minutes.
CREATE TABLE oauth_logins (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_hash   bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider    text NOT NULL CHECK (provider IN ('google', 'facebook')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL DEFAULT now() + interval '2 minutes',
    used_at     timestamptz
);
CREATE INDEX oauth_logins_expires ON oauth_logins (expires_at);
