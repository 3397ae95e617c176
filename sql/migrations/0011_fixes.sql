-- Registering and mailing the confirmation link again, by email address
-- and by client address, for their limits (429 with Retry-After): a row
-- per request that got past the limits, whatever came of it.
CREATE TABLE signup_requests (
    action  text NOT NULL CHECK (action IN ('register', 'resend')),
    email   text NOT NULL,
    ip      inet,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signup_requests_email ON signup_requests (action, email, at);
CREATE INDEX signup_requests_ip ON signup_requests (action, ip, at);

-- One-time secrets (sign-in codes, confirmation and reset links) are not
-- kept once their message is done with; soukd now scrubs them when a
-- message reaches its final state.  These were sent before it did.
UPDATE notifications
   SET subject = CASE WHEN subject IS NOT NULL
                      THEN '(hidden: holds a one-time secret)' END,
       body = '(hidden: holds a one-time secret)',
       html = CASE WHEN html IS NOT NULL
                   THEN '(hidden: holds a one-time secret)' END,
       whatsapp_variables = NULL
 WHERE kind IN ('auth.otp', 'auth.verify_email', 'auth.password_reset')
   AND state <> 'pending';
