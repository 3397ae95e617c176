#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "auth.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "listen.h"
#include "log.h"
#include "num.h"
#include "xmalloc.h"

#define AUTH_CHANNEL		"souk_auth"
#define AUTH_MAX_KEYS		16
#define AUTH_SKEW_S		30	/* clock skew tolerated on iat/exp */
#define AUTH_REFRESH_MS		30000	/* reload the cache this often anyway */
#define AUTH_HASH_WAIT_S	2	/* longest a login waits to hash */
#define AUTH_SEEN_SLOTS		16	/* verified tokens kept per thread */
#define AUTH_SEEN_MAX		1024	/* longest token kept */

struct signing_key {
	char		kid[33];
	unsigned char	secret[crypto_auth_hmacsha256_KEYBYTES];
	int64_t		retired_at;	/* 0: current */
};

/* Users whose tokens issued before valid_after are void. */
struct voided {
	int64_t		user_id;
	int64_t		valid_after;	/* epoch ms; INT64_MAX: suspended */
};

static pthread_rwlock_t	 auth_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct signing_key auth_keys[AUTH_MAX_KEYS];
static int		 auth_nkeys;
static struct voided	*auth_voided;	/* sorted by user_id */
static size_t		 auth_nvoided;

/*
 * Bumped (under auth_lock) whenever the signing keys or the voided users
 * may have changed: a token verified under an older generation is
 * verified again.
 */
static uint64_t		 auth_gen = 1;

/*
 * The tokens a thread verified last, by a keyed hash of their text, so
 * that a client sending the same token again costs a comparison rather
 * than base64, JSON and HMAC.  An entry stands for "this exact text was
 * a valid token of p under generation gen, until the second until".
 */
struct auth_seen {
	uint64_t	 gen;		/* 0: empty */
	int64_t		 until;
	size_t		 len;
	char		 token[AUTH_SEEN_MAX];
	struct principal p;
};
static pthread_key_t	 auth_seen_key;
static pthread_once_t	 auth_seen_once = PTHREAD_ONCE_INIT;
static unsigned char	 auth_seen_hashkey[crypto_shorthash_KEYBYTES];

static int64_t		 auth_token_ttl = 900;
static unsigned long long auth_pw_ops = 2;
static size_t		 auth_pw_mem = 19 * 1024 * 1024;
static sem_t		 auth_hash_sem;
static bool		 auth_registered;

static pthread_t	 auth_thread;
static bool		 auth_running;
static int		 auth_pipe[2] = { -1, -1 };
static char		*auth_conninfo;

static int64_t auth_now_ms(void);

static const struct db_stmt auth_stmts[] = {
	{ "auth_void",
	  "WITH u AS (UPDATE users SET tokens_valid_after = now()"
	  " WHERE id = $1 RETURNING id) "
	  "SELECT id, pg_notify('" AUTH_CHANNEL "', id::text) FROM u" },
};

void
auth_init(const struct config *c)
{
	long	ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (!auth_registered) {
		db_register(auth_stmts, sizeof auth_stmts / sizeof auth_stmts[0]);
		auth_registered = true;
		if (sem_init(&auth_hash_sem, 0, c->auth_hash_concurrency > 0 ?
		    (unsigned)c->auth_hash_concurrency : (unsigned)(ncpu > 0 ?
		    ncpu : 1)) != 0)
			fatal("sem_init");
	}
	auth_token_ttl = c->token_ttl_ms / 1000;
	auth_pw_ops = (unsigned long long)c->password_ops;
	auth_pw_mem = c->password_mem;
}

/* --- random tokens and hashes ------------------------------------------ */

char *
auth_random_token(size_t nbytes)
{
	unsigned char	 raw[64];
	size_t		 cap;
	char		*out;

	if (nbytes > sizeof raw)
		fatalx("auth_random_token: %zu bytes", nbytes);
	randombytes_buf(raw, nbytes);
	cap = sodium_base64_ENCODED_LEN(nbytes,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out = xmalloc(cap);
	sodium_bin2base64(out, cap, raw, nbytes,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	return out;
}

void
auth_token_hash(const char *token, unsigned char out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

void
auth_hash_literal(const unsigned char hash[32], char out[67])
{
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, 65, hash, 32);
}

/* --- passwords ----------------------------------------------------------- */

static char	auth_dummy[crypto_pwhash_STRBYTES];

static void
auth_dummy_init(void)
{
	char	pw[33];

	randombytes_buf(pw, 32);
	pw[32] = '\0';
	if (crypto_pwhash_str(auth_dummy, pw, 32, auth_pw_ops, auth_pw_mem) !=
	    0)
		fatalx("auth_dummy_init: out of memory");
}

/* Waits for a hashing slot; false if none came within the limit. */
static bool
auth_hash_enter(void)
{
	struct timespec	until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += AUTH_HASH_WAIT_S;
	while (sem_timedwait(&auth_hash_sem, &until) != 0) {
		if (errno != EINTR)
			return false;
	}
	return true;
}

char *
auth_hash_password(const char *password)
{
	char	 out[crypto_pwhash_STRBYTES];
	int	 rc;

	if (!auth_hash_enter())
		return NULL;
	rc = crypto_pwhash_str(out, password, strlen(password), auth_pw_ops,
	    auth_pw_mem);
	sem_post(&auth_hash_sem);
	return rc == 0 ? xstrdup(out) : NULL;
}

int
auth_check_password(const char *hash, const char *password)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int		rc;

	if (!auth_hash_enter())
		return -1;
	if (hash == NULL) {
		/*
		 * No such account: spend the same time anyway, so that timing
		 * does not tell which email addresses have accounts.
		 */
		pthread_once(&once, auth_dummy_init);
		hash = auth_dummy;
	}
	rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	sem_post(&auth_hash_sem);
	return hash == auth_dummy ? 0 : rc == 0;
}

/* --- signing keys and the cache --------------------------------------- */

/* Reads keys and voided users into memory; false if the database failed. */
static bool
auth_load(struct db *db)
{
	struct signing_key	 keys[AUTH_MAX_KEYS];
	struct voided		*v = NULL;
	const char		*params[1];
	char			 ttl[24];
	PGresult		*res;
	size_t			 n, i, len;
	unsigned char		*raw;
	int			 nkeys = 0;

	res = db_query(db, "SELECT kid, secret, coalesce(extract(epoch FROM "
	    "retired_at)::bigint, 0) FROM signing_keys WHERE retired_at IS "
	    "NULL OR retired_at > now() - interval '1 day' ORDER BY "
	    "retired_at IS NULL DESC, created_at DESC LIMIT 16", 0, NULL);
	if (res == NULL)
		return false;
	for (i = 0; i < (size_t)PQntuples(res); i++) {
		raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res,
		    (int)i, 1), &len);
		if (raw == NULL || len != sizeof keys[0].secret) {
			PQfreemem(raw);
			continue;
		}
		snprintf(keys[nkeys].kid, sizeof keys[nkeys].kid, "%s",
		    PQgetvalue(res, (int)i, 0));
		memcpy(keys[nkeys].secret, raw, len);
		sodium_memzero(raw, len);
		PQfreemem(raw);
		keys[nkeys++].retired_at = strtoll(PQgetvalue(res, (int)i, 2),
		    NULL, 10);
	}
	PQclear(res);
	snprintf(ttl, sizeof ttl, "%lld", (long long)auth_token_ttl);
	params[0] = ttl;
	/* Only changes younger than a token's life still matter. */
	res = db_query(db, "SELECT id, CASE WHEN status = 'suspended' THEN "
	    "9223372036854775807 ELSE (extract(epoch FROM tokens_valid_after)"
	    " * 1000)::bigint END FROM users WHERE status = 'suspended' OR "
	    "tokens_valid_after > now() - $1::bigint * interval '1 second' - "
	    "interval '1 minute' ORDER BY id", 1, params);
	if (res == NULL)
		return false;
	n = (size_t)PQntuples(res);
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].user_id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
		v[i].valid_after = strtoll(PQgetvalue(res, (int)i, 1), NULL,
		    10);
	}
	PQclear(res);
	pthread_rwlock_wrlock(&auth_lock);
	memcpy(auth_keys, keys, sizeof keys);
	auth_nkeys = nkeys;
	free(auth_voided);
	auth_voided = v;
	auth_nvoided = n;
	__atomic_add_fetch(&auth_gen, 1, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&auth_lock);
	sodium_memzero(keys, sizeof keys);
	return true;
}

/* Creates the first signing key when there is none. */
static bool
auth_ensure_key(struct db *db)
{
	unsigned char	 secret[32];
	char		 hex[67], *kid;
	const char	*params[2];
	PGresult	*res;

	randombytes_buf(secret, sizeof secret);
	auth_hash_literal(secret, hex);
	sodium_memzero(secret, sizeof secret);
	kid = auth_random_token(12);
	params[0] = kid;
	params[1] = hex;
	/* Two soukd starting together: the lock makes one create it. */
	res = db_query(db, "WITH l AS (SELECT pg_advisory_xact_lock(7)) "
	    "INSERT INTO signing_keys (kid, secret) SELECT $1, $2::bytea "
	    "FROM l WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE "
	    "retired_at IS NULL)", 2, params);
	sodium_memzero(hex, sizeof hex);
	free(kid);
	if (res == NULL)
		return false;
	PQclear(res);
	return true;
}

static void
auth_notified(void *arg, const char *channel, const char *payload)
{
	(void)arg;
	(void)channel;
	(void)payload;
	if (write(auth_pipe[1], "x", 1) < 0)
		log_debug("auth wake");
}

/* Keeps the cache fresh: on every NOTIFY, and every 30 s regardless. */
static void *
auth_main(void *unused)
{
	struct pollfd	 pfd;
	struct db	*db = NULL;
	char		*cause = NULL, drain[64];

	(void)unused;
	while (__atomic_load_n(&auth_running, __ATOMIC_ACQUIRE)) {
		pfd.fd = auth_pipe[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, AUTH_REFRESH_MS) > 0 &&
		    read(auth_pipe[0], drain, sizeof drain) < 0)
			log_debug("auth drain");
		if (!__atomic_load_n(&auth_running, __ATOMIC_ACQUIRE))
			break;
		if (db == NULL && (db = db_open(auth_conninfo, false,
		    &cause)) == NULL) {
			log_warn("auth cache: %s", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		if (!auth_load(db)) {
			log_warn("auth cache: %s", db_message(db));
			db_close(db);
			db = NULL;
		}
	}
	db_close(db);
	return NULL;
}

bool
auth_start(const char *conninfo, char **cause)
{
	struct db	*db;

	if ((db = db_open(conninfo, false, cause)) == NULL)
		return false;
	if (!auth_ensure_key(db) || !auth_load(db)) {
		*cause = xasprintf("loading signing keys: %s", db_message(db));
		db_close(db);
		return false;
	}
	db_close(db);
	if (auth_nkeys == 0) {
		*cause = xstrdup("no signing key could be created");
		return false;
	}
	if (pipe(auth_pipe) != 0)
		fatal("auth_start: pipe");
	auth_conninfo = xstrdup(conninfo);
	listen_subscribe(AUTH_CHANNEL, auth_notified, NULL);
	__atomic_store_n(&auth_running, true, __ATOMIC_RELEASE);
	if (pthread_create(&auth_thread, NULL, auth_main, NULL) != 0)
		fatalx("auth_start: pthread_create");
	return true;
}

void
auth_stop(void)
{
	if (!__atomic_load_n(&auth_running, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&auth_running, false, __ATOMIC_RELEASE);
	if (write(auth_pipe[1], "x", 1) < 0)
		log_debug("auth_stop: wake");
	pthread_join(auth_thread, NULL);
	close(auth_pipe[0]);
	close(auth_pipe[1]);
	free(auth_conninfo);
	auth_conninfo = NULL;
}

void
auth_user_changed(int64_t user_id)
{
	(void)user_id;
	/* The refresher reloads everything; the set is small. */
	if (auth_pipe[1] >= 0 && write(auth_pipe[1], "x", 1) < 0)
		log_debug("auth_user_changed: wake");
}

bool
auth_void_tokens(struct db *db, int64_t user_id)
{
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res;
	struct voided	*v;
	size_t		 i;
	int64_t		 now = auth_now_ms();

	snprintf(id, sizeof id, "%lld", (long long)user_id);
	if ((res = db_exec(db, &auth_stmts[0], 1, params)) == NULL)
		return false;
	PQclear(res);
	/*
	 * This soukd stops honouring them now, without waiting for the commit
	 * and its NOTIFY; if the transaction rolls back, the next reload
	 * forgets this.
	 */
	pthread_rwlock_wrlock(&auth_lock);
	for (i = 0; i < auth_nvoided; i++) {
		if (auth_voided[i].user_id == user_id) {
			if (auth_voided[i].valid_after < now)
				auth_voided[i].valid_after = now;
			goto out;
		}
	}
	v = xreallocarray(auth_voided, auth_nvoided + 1, sizeof *v);
	for (i = auth_nvoided; i > 0 && v[i - 1].user_id > user_id; i--)
		v[i] = v[i - 1];
	v[i].user_id = user_id;
	v[i].valid_after = now;
	auth_voided = v;
	auth_nvoided++;
out:
	__atomic_add_fetch(&auth_gen, 1, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&auth_lock);
	return true;
}

/* --- access tokens --------------------------------------------------------- */

static int64_t
auth_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
auth_b64(const void *p, size_t n)
{
	size_t	 cap = sodium_base64_ENCODED_LEN(n,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char	*out = xmalloc(cap);

	sodium_bin2base64(out, cap, p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

char *
auth_issue_token(const struct principal *p, int64_t *expires_in)
{
	unsigned char	 mac[crypto_auth_hmacsha256_BYTES], rnd[16];
	json_t		*claims, *regions;
	char		*head, *body, *text, *sig, *signing, *token, jti[33];
	struct signing_key key;
	int64_t		 now_ms = auth_now_ms();
	int		 i;

	pthread_rwlock_rdlock(&auth_lock);
	if (auth_nkeys == 0 || auth_keys[0].retired_at != 0)
		fatalx("auth_issue_token: no signing key");
	key = auth_keys[0];
	pthread_rwlock_unlock(&auth_lock);

	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(jti, sizeof jti, rnd, sizeof rnd);
	regions = json_array();
	for (i = 0; i < p->nregions; i++)
		json_array_append_new(regions, json_integer(p->regions[i]));
	claims = json_object();
	json_object_set_new(claims, "sub", json_sprintf("%lld",
	    (long long)p->user_id));
	json_object_set_new(claims, "role", json_string(auth_role_name(
	    p->role)));
	json_object_set_new(claims, "regions", regions);
	json_object_set_new(claims, "vendor", json_integer(p->vendor_id));
	json_object_set_new(claims, "sid", json_integer(p->session_id));
	json_object_set_new(claims, "iat", json_integer(now_ms / 1000));
	/* iat to the millisecond: revocations are that precise. */
	json_object_set_new(claims, "iat_ms", json_integer(now_ms));
	json_object_set_new(claims, "exp", json_integer(now_ms / 1000 +
	    auth_token_ttl));
	json_object_set_new(claims, "jti", json_string(jti));
	text = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	head = xasprintf("{\"alg\":\"HS256\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
	    key.kid);
	signing = xasprintf("%s.%s", (sig = auth_b64(head, strlen(head))),
	    (body = auth_b64(text, strlen(text))));
	free(sig);
	crypto_auth_hmacsha256(mac, (const unsigned char *)signing,
	    strlen(signing), key.secret);
	sodium_memzero(&key, sizeof key);
	sig = auth_b64(mac, sizeof mac);
	token = xasprintf("%s.%s", signing, sig);
	free(head);
	free(body);
	free(text);
	free(sig);
	free(signing);
	*expires_in = auth_token_ttl;
	return token;
}

/* Decodes one base64url part into a new NUL-terminated buffer. */
static char *
auth_unb64(const char *p, size_t n, size_t *len)
{
	char	*out = xmalloc(n + 1);

	if (sodium_base642bin((unsigned char *)out, n, p, n, NULL, len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(out);
		return NULL;
	}
	out[*len] = '\0';
	return out;
}

/* The valid_after of a user's tokens; 0 if none is recorded. */
static int64_t
auth_valid_after(int64_t user_id)
{
	size_t	lo = 0, hi = auth_nvoided, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (auth_voided[mid].user_id == user_id)
			return auth_voided[mid].valid_after;
		if (auth_voided[mid].user_id < user_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void
auth_seen_init(void)
{
	if (pthread_key_create(&auth_seen_key, free) != 0)
		fatalx("pthread_key_create");
	crypto_shorthash_keygen(auth_seen_hashkey);
}

/* This thread's slot for a token's text; NULL if it is not kept. */
static struct auth_seen *
auth_seen_slot(const char *token, size_t len)
{
	struct auth_seen	*seen;
	unsigned char		 h[crypto_shorthash_BYTES];
	uint64_t		 slot;

	if (len > AUTH_SEEN_MAX)
		return NULL;
	pthread_once(&auth_seen_once, auth_seen_init);
	if ((seen = pthread_getspecific(auth_seen_key)) == NULL) {
		seen = xcalloc(AUTH_SEEN_SLOTS, sizeof *seen);
		if (pthread_setspecific(auth_seen_key, seen) != 0)
			fatalx("pthread_setspecific");
	}
	crypto_shorthash(h, (const unsigned char *)token, len,
	    auth_seen_hashkey);
	memcpy(&slot, h, sizeof slot);
	return &seen[slot % AUTH_SEEN_SLOTS];
}

/*
 * Verifies a token in full; on success *until gets the last second it
 * stays valid (its expiry, or the end of its retired key).
 */
static bool
auth_verify_full(const char *token, struct principal *p,
    const char **why, int64_t *until)
{
	const char	*dot1, *dot2, *kid, *sub, *jti;
	char		*head = NULL, *body = NULL;
	unsigned char	 mac[64];
	json_t		*h = NULL, *c = NULL, *v;
	size_t		 len, maclen, i;
	int64_t		 now = (int64_t)time(NULL), iat, iat_ms, exp, after;
	int64_t		 key_until = INT64_MAX;
	bool		 ok = false;
	int		 k;

	*why = "malformed token";
	memset(p, 0, sizeof *p);
	if (token == NULL || strlen(token) > 4096 ||
	    (dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		goto out;
	if ((head = auth_unb64(token, (size_t)(dot1 - token), &len)) == NULL ||
	    (h = json_loads(head, 0, NULL)) == NULL ||
	    !json_is_string(json_object_get(h, "alg")) ||
	    strcmp(json_string_value(json_object_get(h, "alg")), "HS256") != 0 ||
	    (kid = json_string_value(json_object_get(h, "kid"))) == NULL)
		goto out;
	if (sodium_base642bin(mac, sizeof mac, dot2 + 1, strlen(dot2 + 1),
	    NULL, &maclen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) !=
	    0 || maclen != crypto_auth_hmacsha256_BYTES)
		goto out;
	*why = "token not signed by this platform";
	pthread_rwlock_rdlock(&auth_lock);
	for (k = 0; k < auth_nkeys; k++) {
		if (strcmp(auth_keys[k].kid, kid) != 0)
			continue;
		/* A retired key still verifies the tokens it signed. */
		if (auth_keys[k].retired_at != 0 &&
		    auth_keys[k].retired_at + auth_token_ttl < now)
			break;
		if (auth_keys[k].retired_at != 0)
			key_until = auth_keys[k].retired_at + auth_token_ttl;
		ok = crypto_auth_hmacsha256_verify(mac,
		    (const unsigned char *)token, (size_t)(dot2 - token),
		    auth_keys[k].secret) == 0;
		break;
	}
	pthread_rwlock_unlock(&auth_lock);
	if (!ok)
		goto out;
	ok = false;
	*why = "malformed token";
	if ((body = auth_unb64(dot1 + 1, (size_t)(dot2 - dot1 - 1), &len)) ==
	    NULL || (c = json_loads(body, 0, NULL)) == NULL)
		goto out;
	sub = json_string_value(json_object_get(c, "sub"));
	jti = json_string_value(json_object_get(c, "jti"));
	iat = json_integer_value(json_object_get(c, "iat"));
	iat_ms = json_integer_value(json_object_get(c, "iat_ms"));
	exp = json_integer_value(json_object_get(c, "exp"));
	if (sub == NULL || !num_int64(sub, 1, INT64_MAX, &p->user_id) ||
	    !auth_role_parse(json_string_value(json_object_get(c, "role")),
	    &p->role) || jti == NULL || strlen(jti) >= sizeof p->jti)
		goto out;
	*why = "token expired";
	if (exp + AUTH_SKEW_S < now || iat > now + AUTH_SKEW_S)
		goto out;
	p->vendor_id = json_integer_value(json_object_get(c, "vendor"));
	p->session_id = json_integer_value(json_object_get(c, "sid"));
	snprintf(p->jti, sizeof p->jti, "%s", jti);
	*why = "malformed token";
	json_array_foreach(json_object_get(c, "regions"), i, v) {
		if (p->nregions == AUTH_MAX_REGIONS || !json_is_integer(v))
			goto out;
		p->regions[p->nregions++] = json_integer_value(v);
	}
	pthread_rwlock_rdlock(&auth_lock);
	after = auth_valid_after(p->user_id);
	pthread_rwlock_unlock(&auth_lock);
	if (after == INT64_MAX) {
		*why = "account suspended";
		goto out;
	}
	if (iat_ms < after) {
		*why = "token revoked; refresh it";
		goto out;
	}
	ok = true;
	*why = NULL;
	*until = exp + AUTH_SKEW_S < key_until ? exp + AUTH_SKEW_S : key_until;
out:
	json_decref(h);
	json_decref(c);
	free(head);
	free(body);
	if (!ok)
		memset(p, 0, sizeof *p);
	return ok;
}

bool
auth_verify_token(const char *token, struct principal *p,
    const char **why)
{
	struct auth_seen	*seen;
	uint64_t		 gen;
	int64_t			 until;
	size_t			 len;

	if (token == NULL || (len = strlen(token)) > 4096)
		return auth_verify_full(token, p, why, &until);
	gen = __atomic_load_n(&auth_gen, __ATOMIC_ACQUIRE);
	seen = auth_seen_slot(token, len);
	/*
	 * The same text verified under the same keys and voided users, and
	 * not expired since: the same answer.  The comparison takes the same
	 * time however much of the text matches.
	 */
	if (seen != NULL && seen->gen == gen && seen->len == len &&
	    (int64_t)time(NULL) <= seen->until &&
	    sodium_memcmp(seen->token, token, len) == 0) {
		*p = seen->p;
		*why = NULL;
		return true;
	}
	if (!auth_verify_full(token, p, why, &until))
		return false;
	if (seen != NULL) {
		seen->gen = gen;
		seen->until = until;
		seen->len = len;
		memcpy(seen->token, token, len);
		seen->p = *p;
	}
	return true;
}
