#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "config.h"
#include "conf.h"
#include "num.h"

#define OFF(f) offsetof(struct config, f)
#define DAY_MS (86400LL * 1000)

static const char *const config_roles[] = { "all", "api", "worker" };

const struct config_key config_keys[] = {
	{ "role", CONFIG_ROLE, OFF(role), "all", 0, 0, false,
	  "what this soukd does: all (API and jobs), api or worker", NULL },
	{ "listen", CONFIG_LISTEN, OFF(listen), "127.0.0.1:8080", 0, 0, false,
	  "address and port the HTTP API listens on", NULL },
	{ "database", CONFIG_CONNINFO, OFF(database), "dbname=souk", 0, 0, true,
	  "libpq connection string of the PostgreSQL database", NULL },
	{ "http_threads", CONFIG_INT, OFF(http_threads), "0", 0, 1024, false,
	  "HTTP event loops, each a thread with its own database "
	  "connections; 0 chooses from the CPUs", NULL },
	{ "http_workers", CONFIG_INT, OFF(http_workers), "0", 0, 1024, false,
	  "threads that run the long handlers (lists of products not kept "
	  "in memory) in the order they come, each with its own database "
	  "connection; 0: one per CPU", NULL },
	{ "max_connections", CONFIG_INT, OFF(max_connections), "4096", 1,
	  1000000, false, "most client connections open at once", NULL },
	{ "max_body", CONFIG_SIZE, OFF(max_body), "1M", 1024,
	  1024 * 1024 * 1024, false,
	  "largest request body accepted; larger ones get 413", NULL },
	{ "idle_timeout", CONFIG_DURATION, OFF(idle_timeout_ms), "60s", 1000,
	  DAY_MS, false, "how long an idle keep-alive connection is kept", NULL },
	{ "shutdown_timeout", CONFIG_DURATION, OFF(shutdown_timeout_ms), "10s",
	  0, DAY_MS, false,
	  "how long a stopping soukd waits for requests in flight", NULL },
	{ "db_connect_timeout", CONFIG_DURATION, OFF(db_connect_timeout_ms),
	  "5s", 1000, 3600 * 1000, false,
	  "how long to wait when connecting to PostgreSQL", NULL },
	{ "db_statement_timeout", CONFIG_DURATION,
	  OFF(db_statement_timeout_ms), "30s", 0, DAY_MS, false,
	  "longest a single SQL statement may run; 0 is no limit", NULL },
	{ "log_level", CONFIG_LOG_LEVEL, OFF(log_level), "info", 0, 0, false,
	  "least severe log level written: debug, info, warn or error", NULL },
	{ "access_log", CONFIG_BOOL, OFF(access_log), "yes", 0, 0, false,
	  "write a log line for every HTTP request", NULL },
	{ "job_workers", CONFIG_INT, OFF(job_workers), "4", 1, 256, false,
	  "threads running jobs, each with its own database connection", NULL },
	{ "job_batch", CONFIG_INT, OFF(job_batch), "8", 1, 1000, false,
	  "most jobs a worker claims at once", NULL },
	{ "job_lease", CONFIG_DURATION, OFF(job_lease_ms), "5m", 1000, DAY_MS,
	  false, "how long a job may run before it is presumed dead and "
	  "taken up again", NULL },
	{ "job_retention", CONFIG_DURATION, OFF(job_retention_ms), "7d",
	  60000, 3650 * DAY_MS, false,
	  "how long done and cancelled jobs are kept", NULL },
	{ "job_failed_retention", CONFIG_DURATION,
	  OFF(job_failed_retention_ms), "30d", 60000, 3650 * DAY_MS, false,
	  "how long failed jobs are kept for staff to see and retry", NULL },
	{ "event_replay", CONFIG_DURATION, OFF(event_replay_ms), "15m", 10000,
	  DAY_MS, false, "how long events are kept for clients resuming a "
	  "stream with Last-Event-ID", NULL },
	{ "sse_heartbeat", CONFIG_DURATION, OFF(sse_heartbeat_ms), "15s", 1000,
	  300000, false, "how often an idle event stream gets a heartbeat",
	  NULL },
	{ "token_ttl", CONFIG_DURATION, OFF(token_ttl_ms), "15m", 60000,
	  86400000, false, "how long an access token is valid", NULL },
	{ "refresh_ttl", CONFIG_DURATION, OFF(refresh_ttl_ms), "30d", 3600000,
	  365 * DAY_MS, false, "how long a refresh token is valid", NULL },
	{ "password_ops", CONFIG_INT, OFF(password_ops), "2", 1, 20, false,
	  "argon2id passes (OWASP: at least 2 with 19 MiB)", NULL },
	{ "password_mem", CONFIG_SIZE, OFF(password_mem), "19M", 8192,
	  1024LL * 1024 * 1024, false,
	  "argon2id memory per hash (OWASP: at least 19 MiB)", NULL },
	{ "auth_hash_concurrency", CONFIG_INT, OFF(auth_hash_concurrency),
	  "0", 0, 256, false, "most password hashes computed at once; 0 is "
	  "one per CPU", NULL },
	{ "login_failures_max", CONFIG_INT, OFF(login_failures_max), "100",
	  1, 100000, false, "failed logins in an hour that lock an account",
	  NULL },
	{ "test_mode", CONFIG_BOOL, OFF(test_mode), "no", 0, 0, false,
	  "enables the job kinds the test suite drives; never in production",
	  NULL },

	{ "media_dir", CONFIG_STRING, OFF(media_dir), "var/media", 0, 0, false,
	  "where uploaded files are kept", NULL },
	{ "kyc_max", CONFIG_SIZE, OFF(kyc_max), "10M", 1024, 10 * 1024 * 1024,
	  false, "largest KYC document a business may upload", NULL },
	{ "media_store", CONFIG_CHOICE, OFF(media_store), "local", 0, 0, false,
	  "where uploaded files are kept: local (media_dir) or s3 (an "
	  "S3-compatible bucket)", "local,s3" },
	{ "media_gc_grace", CONFIG_DURATION, OFF(media_gc_grace_ms), "24h",
	  60000, 365 * DAY_MS, false, "how long a stored file no row refers "
	  "to is kept before media.gc removes it", NULL },
	{ "s3_endpoint", CONFIG_STRING, OFF(s3_endpoint), "", 0, 0, false,
	  "the S3-compatible service, https://host[:port] (path-style "
	  "requests)", NULL },
	{ "s3_bucket", CONFIG_STRING, OFF(s3_bucket), "", 0, 0, false,
	  "the bucket media is kept in", NULL },
	{ "s3_region", CONFIG_STRING, OFF(s3_region), "us-east-1", 0, 0, false,
	  "the bucket's region, as requests are signed for it", NULL },
	{ "s3_access_key", CONFIG_STRING, OFF(s3_access_key), "", 0, 0, false,
	  "the access key id requests are signed with", NULL },
	{ "s3_secret_key", CONFIG_STRING, OFF(s3_secret_key), "", 0, 0, true,
	  "the secret access key requests are signed with", NULL },
	{ "s3_timeout", CONFIG_DURATION, OFF(s3_timeout_ms), "30s", 1000,
	  600000, false, "longest one request to the S3 service may take",
	  NULL },
	{ "image_max", CONFIG_SIZE, OFF(image_max), "10M", 1024,
	  64 * 1024 * 1024, false, "largest image (listing image, logo) that "
	  "may be uploaded", NULL },
	{ "image_max_pixels", CONFIG_INT, OFF(image_max_pixels), "50000000",
	  1, 1000000000, false, "most pixels (width x height) an uploaded "
	  "image may have; more is refused before decoding", NULL },
	{ "image_max_side", CONFIG_INT, OFF(image_max_side), "12000", 16,
	  65535, false, "largest width or height an uploaded image may have",
	  NULL },
	{ "image_timeout", CONFIG_DURATION, OFF(image_timeout_ms), "10s", 100,
	  300000, false, "longest decoding and resizing one uploaded image "
	  "may take", NULL },
	{ "image_concurrency", CONFIG_INT, OFF(image_concurrency), "2", 1, 256,
	  false, "most uploaded images decoded at once (each may need "
	  "8 bytes a pixel of memory); others wait a second, then get 503",
	  NULL },
	{ "image_helper", CONFIG_STRING, OFF(image_helper), "", 0, 0, false,
	  "the souk-image program that decodes uploaded images; empty: the "
	  "one next to soukd, else the installed one", NULL },
	{ "listing_images_max", CONFIG_INT, OFF(listing_images_max), "20", 1,
	  100, false, "most images one listing may have", NULL },
	{ "catalog_cache", CONFIG_SIZE, OFF(catalog_cache), "32M", 0,
	  16LL * 1024 * 1024 * 1024, false, "memory for answers to product "
	  "reads and searches, kept until the catalogue changes; 0 keeps "
	  "none", NULL },
	{ "catalog_pool", CONFIG_INT, OFF(catalog_pool), "1000", 10, 100000,
	  false, "most matches of a product search or browse that are "
	  "ranked by relevance and counted for its total and facets: the "
	  "most popular ones", NULL },
	{ "catalog_rows", CONFIG_SIZE, OFF(catalog_rows), "64M", 0,
	  16LL * 1024 * 1024 * 1024, false, "memory for categories' "
	  "listings, from which lists within a category are made without "
	  "reading them again, kept until the catalogue changes; 0 (or a "
	  "catalog_cache of 0) keeps none", NULL },
	{ "public_url", CONFIG_STRING, OFF(public_url),
	  "http://127.0.0.1:8080", 0, 0, false, "the address people reach "
	  "this API at, for links in messages (unsubscribe, verify, reset)",
	  NULL },
	{ "app_url", CONFIG_STRING, OFF(app_url), "http://127.0.0.1:8080", 0,
	  0, false, "where the customer app's pages are, for links in "
	  "emails (/verify-email, /reset-password)", NULL },
	{ "trusted_proxies", CONFIG_STRING, OFF(trusted_proxies), "", 0, 0,
	  false, "addresses of proxies whose X-Forwarded-For is believed, "
	  "comma-separated", NULL },
	{ "otp_ttl", CONFIG_DURATION, OFF(otp_ttl_ms), "5m", 60000, 900000,
	  false, "how long a login code is valid", NULL },
	{ "sms_driver", CONFIG_CHOICE, OFF(sms_driver), "file", 0, 0, false,
	  "how SMS go out: file (to outbox_dir) or twilio", "file,twilio" },
	{ "whatsapp_driver", CONFIG_CHOICE, OFF(whatsapp_driver), "file", 0,
	  0, false, "how WhatsApp messages go out: file or twilio",
	  "file,twilio" },
	{ "email_driver", CONFIG_CHOICE, OFF(email_driver), "file", 0, 0,
	  false, "how email goes out: file, smtp or sendgrid",
	  "file,smtp,sendgrid" },
	{ "push_driver", CONFIG_CHOICE, OFF(push_driver), "file", 0, 0, false,
	  "how push notifications go out: file or fcm", "file,fcm" },
	{ "outbox_dir", CONFIG_STRING, OFF(outbox_dir), "var/outbox", 0, 0,
	  false, "where the file driver appends <channel>.jsonl", NULL },
	{ "provider_timeout", CONFIG_DURATION, OFF(provider_timeout_ms), "10s",
	  1000, 300000, false,
	  "longest a call to an outside provider may take", NULL },
	{ "twilio_base_url", CONFIG_STRING, OFF(twilio_base_url),
	  "https://api.twilio.com", 0, 0, false, "Twilio's API base URL", NULL },
	{ "twilio_account_sid", CONFIG_STRING, OFF(twilio_account_sid), "", 0,
	  0, false, "Twilio account SID (AC...)", NULL },
	{ "twilio_auth_token", CONFIG_STRING, OFF(twilio_auth_token), "", 0, 0,
	  true, "Twilio auth token", NULL },
	{ "twilio_sms_from", CONFIG_STRING, OFF(twilio_sms_from), "", 0, 0,
	  false, "sender of SMS: an E.164 number or a messaging service SID "
	  "(MG...)", NULL },
	{ "twilio_whatsapp_from", CONFIG_STRING, OFF(twilio_whatsapp_from), "",
	  0, 0, false, "sender of WhatsApp messages: whatsapp:+<number>", NULL },
	{ "twilio_voice_from", CONFIG_STRING, OFF(twilio_voice_from), "", 0, 0,
	  false, "caller id of click-to-call (a Twilio or verified number, "
	  "E.164); empty: click-to-call is off", NULL },
	{ "email_from", CONFIG_STRING, OFF(email_from),
	  "souk <no-reply@localhost>", 0, 0, false,
	  "the From of every email", NULL },
	{ "smtp_url", CONFIG_STRING, OFF(smtp_url), "", 0, 0, false,
	  "SMTP server, smtp://host:587 or smtps://host:465", NULL },
	{ "smtp_user", CONFIG_STRING, OFF(smtp_user), "", 0, 0, false,
	  "SMTP user name (empty: no authentication)", NULL },
	{ "smtp_password", CONFIG_STRING, OFF(smtp_password), "", 0, 0, true,
	  "SMTP password", NULL },
	{ "smtp_starttls", CONFIG_BOOL, OFF(smtp_starttls), "yes", 0, 0, false,
	  "require STARTTLS on smtp:// URLs", NULL },
	{ "sendgrid_base_url", CONFIG_STRING, OFF(sendgrid_base_url),
	  "https://api.sendgrid.com", 0, 0, false,
	  "SendGrid's API base URL", NULL },
	{ "sendgrid_api_key", CONFIG_STRING, OFF(sendgrid_api_key), "", 0, 0,
	  true, "SendGrid API key", NULL },
	{ "fcm_base_url", CONFIG_STRING, OFF(fcm_base_url),
	  "https://fcm.googleapis.com", 0, 0, false,
	  "Firebase Cloud Messaging base URL", NULL },
	{ "fcm_token_url", CONFIG_STRING, OFF(fcm_token_url),
	  "https://oauth2.googleapis.com/token", 0, 0, false,
	  "where FCM's OAuth access token is obtained", NULL },
	{ "fcm_project_id", CONFIG_STRING, OFF(fcm_project_id), "", 0, 0,
	  false, "Firebase project id", NULL },
	{ "fcm_service_account", CONFIG_STRING, OFF(fcm_service_account), "",
	  0, 0, false, "path of the Firebase service account JSON key", NULL },
	{ "google_client_id", CONFIG_STRING, OFF(google_client_id), "", 0, 0,
	  false, "OAuth client id for signing in with Google; empty: off",
	  NULL },
	{ "google_client_secret", CONFIG_STRING, OFF(google_client_secret), "",
	  0, 0, true, "OAuth client secret for signing in with Google", NULL },
	{ "google_auth_url", CONFIG_STRING, OFF(google_auth_url),
	  "https://accounts.google.com/o/oauth2/v2/auth", 0, 0, false,
	  "Google's authorization endpoint, where the browser is sent", NULL },
	{ "google_token_url", CONFIG_STRING, OFF(google_token_url),
	  "https://oauth2.googleapis.com/token", 0, 0, false,
	  "where a Google sign-in code is exchanged for an access token",
	  NULL },
	{ "google_userinfo_url", CONFIG_STRING, OFF(google_userinfo_url),
	  "https://openidconnect.googleapis.com/v1/userinfo", 0, 0, false,
	  "where Google says who signed in", NULL },
	{ "facebook_client_id", CONFIG_STRING, OFF(facebook_client_id), "", 0,
	  0, false, "Facebook app id for signing in with Facebook; empty: off",
	  NULL },
	{ "facebook_client_secret", CONFIG_STRING, OFF(facebook_client_secret),
	  "", 0, 0, true, "Facebook app secret", NULL },
	{ "facebook_auth_url", CONFIG_STRING, OFF(facebook_auth_url),
	  "https://www.facebook.com/v19.0/dialog/oauth", 0, 0, false,
	  "Facebook's login dialog, where the browser is sent", NULL },
	{ "facebook_token_url", CONFIG_STRING, OFF(facebook_token_url),
	  "https://graph.facebook.com/v19.0/oauth/access_token", 0, 0, false,
	  "where a Facebook sign-in code is exchanged for an access token",
	  NULL },
	{ "facebook_userinfo_url", CONFIG_STRING, OFF(facebook_userinfo_url),
	  "https://graph.facebook.com/me?fields=id,name,email", 0, 0, false,
	  "where Facebook says who signed in", NULL },
};
const size_t config_nkeys = sizeof config_keys / sizeof config_keys[0];

static const struct config_key *
config_find(const char *name)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

bool
config_split_listen(const char *s, char **host, uint16_t *port)
{
	const char	*colon, *h, *hend;
	int64_t		 p;

	if ((colon = strrchr(s, ':')) == NULL)
		return false;
	if (!num_int64(colon + 1, 0, 65535, &p))
		return false;
	h = s;
	hend = colon;
	if (*h == '[') {
		if (hend - h < 3 || hend[-1] != ']')
			return false;
		h++;
		hend--;
	} else if (memchr(h, ':', (size_t)(hend - h)) != NULL)
		return false;	/* IPv6 addresses need brackets */
	*host = hend == h ? NULL : xstrndup(h, (size_t)(hend - h));
	*port = (uint16_t)p;
	return true;
}

/* True if value is one of the comma-separated choices. */
static bool
config_is_choice(const char *choices, const char *value)
{
	size_t		 n = strlen(value);
	const char	*p = choices;

	while (n > 0 && p != NULL) {
		if (strncmp(p, value, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

static bool
config_set_key(struct config *c, const struct config_key *k,
    const char *value, char **cause)
{
	void		*field = (char *)c + k->offset;
	char		*host;
	uint16_t	 port;
	PQconninfoOption *opts;
	char		*err = NULL, *p;
	int64_t		 v;
	size_t		 sz, i;
	bool		 b;
	enum log_level	 level;

	switch (k->type) {
	case CONFIG_CONNINFO:
		if ((opts = PQconninfoParse(value, &err)) == NULL) {
			*cause = xasprintf("%s: not a PostgreSQL connection "
			    "string: %s", k->name, err != NULL ? err :
			    "out of memory");
			if ((p = strchr(*cause, '\n')) != NULL)
				*p = '\0';
			PQfreemem(err);
			return false;
		}
		PQconninfoFree(opts);
		goto string;
	case CONFIG_LISTEN:
		if (!config_split_listen(value, &host, &port)) {
			*cause = xasprintf("%s: expected ADDR:PORT such as "
			    "127.0.0.1:8080 or [::1]:8080, got '%s'", k->name,
			    value);
			return false;
		}
		free(host);
		goto string;
	case CONFIG_CHOICE:
		if (!config_is_choice(k->choices, value)) {
			*cause = xasprintf("%s: expected one of %s, got '%s'",
			    k->name, k->choices, value);
			return false;
		}
		goto string;
	case CONFIG_STRING:
	string:
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return true;
	case CONFIG_INT:
		if (!num_int64(value, k->min, k->max, &v)) {
			*cause = xasprintf("%s: expected a whole number from "
			    "%lld to %lld, got '%s'", k->name,
			    (long long)k->min, (long long)k->max, value);
			return false;
		}
		*(int64_t *)field = v;
		return true;
	case CONFIG_SIZE:
		if (!num_size(value, &sz) || sz < (size_t)k->min ||
		    sz > (size_t)k->max) {
			*cause = xasprintf("%s: expected a size such as 512K "
			    "or 1M, from %lld to %lld bytes, got '%s'", k->name,
			    (long long)k->min, (long long)k->max, value);
			return false;
		}
		*(size_t *)field = sz;
		return true;
	case CONFIG_DURATION:
		if (!num_duration_ms(value, &v) || v < k->min || v > k->max) {
			*cause = xasprintf("%s: expected a duration such as "
			    "500ms, 10s or 5m, from %lldms to %lldms, got "
			    "'%s'", k->name, (long long)k->min,
			    (long long)k->max, value);
			return false;
		}
		*(int64_t *)field = v;
		return true;
	case CONFIG_BOOL:
		if (!num_bool(value, &b)) {
			*cause = xasprintf("%s: expected yes or no, got '%s'",
			    k->name, value);
			return false;
		}
		*(bool *)field = b;
		return true;
	case CONFIG_ROLE:
		for (i = 0; i < sizeof config_roles / sizeof config_roles[0];
		    i++) {
			if (strcmp(value, config_roles[i]) == 0) {
				*(enum config_role *)field =
				    (enum config_role)i;
				return true;
			}
		}
		*cause = xasprintf("%s: expected all, api or worker, got '%s'",
		    k->name, value);
		return false;
	case CONFIG_LOG_LEVEL:
		if (!log_level_parse(value, &level)) {
			*cause = xasprintf("%s: expected debug, info, warn or "
			    "error, got '%s'", k->name, value);
			return false;
		}
		*(enum log_level *)field = level;
		return true;
	}
	fatalx("config_set_key: unknown type %d", (int)k->type);
}

bool
config_set(struct config *c, const char *key, const char *value,
    char **cause)
{
	const struct config_key	*k;

	if ((k = config_find(key)) == NULL) {
		*cause = xasprintf("unknown key '%s'", key);
		return false;
	}
	return config_set_key(c, k, value, cause);
}

void
config_defaults(struct config *c)
{
	size_t	 i;
	char	*cause = NULL;

	memset(c, 0, sizeof *c);
	for (i = 0; i < config_nkeys; i++) {
		if (!config_set_key(c, &config_keys[i], config_keys[i].fallback,
		    &cause))
			fatalx("config default: %s", cause);
	}
}

static bool
config_file_cb(void *arg, const char *key, const char *value, char **cause)
{
	return config_set(arg, key, value, cause);
}

bool
config_load_file(struct config *c, const char *path, char **cause)
{
	return conf_parse_file(path, config_file_cb, c, cause);
}

bool
config_load_env(struct config *c, char *const *envp, char **cause)
{
	const char	*eq, *name;
	char		 key[64], *err = NULL;
	size_t		 i, n;

	for (; *envp != NULL; envp++) {
		if (strncmp(*envp, "SOUKD_", 6) != 0 ||
		    (eq = strchr(*envp, '=')) == NULL)
			continue;
		name = *envp + 6;
		n = (size_t)(eq - name);
		if (n == 6 && strncmp(name, "CONFIG", 6) == 0)
			continue;
		if (n == 0 || n >= sizeof key) {
			*cause = xasprintf("%.*s: unknown variable",
			    (int)(eq - *envp), *envp);
			return false;
		}
		for (i = 0; i < n; i++) {
			key[i] = (name[i] >= 'A' && name[i] <= 'Z') ?
			    (char)(name[i] - 'A' + 'a') : name[i];
		}
		key[n] = '\0';
		if (!config_set(c, key, eq + 1, &err)) {
			*cause = xasprintf("%.*s: %s", (int)(eq - *envp),
			    *envp, err);
			free(err);
			return false;
		}
	}
	return true;
}

bool
config_serves_api(const struct config *c)
{
	return c->role == ROLE_ALL || c->role == ROLE_API;
}

bool
config_runs_jobs(const struct config *c)
{
	return c->role == ROLE_ALL || c->role == ROLE_WORKER;
}

/* The online CPUs, at least 1. */
static long
config_cpus(void)
{
	long	ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	return ncpu < 1 ? 1 : ncpu;
}

int
config_http_threads(const struct config *c)
{
	long	ncpu = config_cpus();

	if (c->http_threads > 0)
		return (int)c->http_threads;
	/*
	 * One-statement reads do not hold a loop (they are pipelined), but
	 * other handlers block on their database round trips: two loops per
	 * CPU keep the CPUs busy meanwhile.  More loops only make smaller
	 * batches and more threads to schedule (make bench, 2 CPUs: 4 loops
	 * answer GET /v1/regions/{id} at 0.67x pgbench -S with a p99 of
	 * 3.3-4.4 ms, 8 loops at 0.52-0.57x and 4.9-5.0 ms; search and
	 * browse p99 also fall, 345 to 165 ms and 152 to 95 ms).
	 */
	return (int)(ncpu * 2 > 64 ? 64 : ncpu * 2);
}

int
config_http_workers(const struct config *c)
{
	long	ncpu = config_cpus();

	if (c->http_workers > 0)
		return (int)c->http_workers;
	/*
	 * As many as there are CPUs to run their statements: more would
	 * only have PostgreSQL share the CPUs between more of them, each
	 * taking longer.
	 */
	return (int)(ncpu > 64 ? 64 : ncpu);
}

/* Prints a conninfo with its password, if any, masked. */
static void
config_print_conninfo(FILE *f, const char *conninfo)
{
	PQconninfoOption	*opts, *o;
	char			*err = NULL;
	struct buf		 b;

	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		fprintf(f, "(unparseable: %s)\n", err != NULL ? err :
		    "out of memory");
		PQfreemem(err);
		return;
	}
	buf_init(&b, 0);
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (!buf_printf(&b, "%s%s=%s", b.len > 0 ? " " : "",
		    o->keyword, strcmp(o->keyword, "password") == 0 ? "***" :
		    o->val))
			fatalx("config_print_conninfo");
	}
	fprintf(f, "\"%s\"\n", b.data != NULL ? b.data : "");
	buf_free(&b);
	PQconninfoFree(opts);
}

void
config_print(const struct config *c, void *file)
{
	FILE			*f = file;
	const struct config_key	*k;
	const void		*field;
	size_t			 i;

	for (i = 0; i < config_nkeys; i++) {
		k = &config_keys[i];
		field = (const char *)c + k->offset;
		fprintf(f, "%s = ", k->name);
		switch (k->type) {
		case CONFIG_CONNINFO:
			config_print_conninfo(f, *(char *const *)field);
			break;
		case CONFIG_STRING:
		case CONFIG_LISTEN:
		case CONFIG_CHOICE:
			if (k->secret && **(char *const *)field != '\0')
				fprintf(f, "(set)\n");
			else
				fprintf(f, "\"%s\"\n", *(char *const *)field);
			break;
		case CONFIG_INT:
			fprintf(f, "%lld\n", (long long)*(const int64_t *)field);
			break;
		case CONFIG_SIZE:
			fprintf(f, "%zu\n", *(const size_t *)field);
			break;
		case CONFIG_DURATION:
			fprintf(f, "%lldms\n",
			    (long long)*(const int64_t *)field);
			break;
		case CONFIG_BOOL:
			fprintf(f, "%s\n", *(const bool *)field ? "yes" : "no");
			break;
		case CONFIG_LOG_LEVEL:
			fprintf(f, "%s\n",
			    log_level_name(*(const enum log_level *)field));
			break;
		case CONFIG_ROLE:
			fprintf(f, "%s\n",
			    config_roles[*(const enum config_role *)field]);
			break;
		}
	}
}

void
config_free(struct config *c)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].type == CONFIG_STRING ||
		    config_keys[i].type == CONFIG_LISTEN ||
		    config_keys[i].type == CONFIG_CONNINFO ||
		    config_keys[i].type == CONFIG_CHOICE) {
			free(*(char **)((char *)c + config_keys[i].offset));
			*(char **)((char *)c + config_keys[i].offset) = NULL;
		}
	}
}
