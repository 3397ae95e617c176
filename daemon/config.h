/*
 * config: soukd's settings.  One table of keys (config.c) drives the
 * configuration file, the SOUKD_<KEY> environment overrides, the command
 * line flags and `soukd --check-config`; soukd.conf(5) documents each key.
 * Precedence: built-in default < file < environment < flags.
 */
#ifndef SOUKD_CONFIG_H
#define SOUKD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

enum config_role {
	ROLE_ALL,		/* serve the API and run jobs */
	ROLE_API,		/* serve the API only */
	ROLE_WORKER,		/* run jobs and schedules only */
};

struct config {
	enum config_role role;
	char		*listen;		/* ADDR:PORT as written */
	char		*database;		/* libpq conninfo */
	int64_t		 http_threads;		/* 0: chosen from the CPUs */
	int64_t		 http_workers;		/* 0: chosen from the CPUs */
	int64_t		 max_connections;
	size_t		 max_body;
	int64_t		 idle_timeout_ms;
	int64_t		 shutdown_timeout_ms;
	int64_t		 db_connect_timeout_ms;
	int64_t		 db_statement_timeout_ms;
	enum log_level	 log_level;
	bool		 access_log;
	int64_t		 job_workers;
	int64_t		 job_batch;
	int64_t		 job_lease_ms;
	int64_t		 job_retention_ms;
	int64_t		 job_failed_retention_ms;
	bool		 test_mode;
	int64_t		 event_replay_ms;
	int64_t		 sse_heartbeat_ms;
	int64_t		 token_ttl_ms;
	int64_t		 refresh_ttl_ms;
	int64_t		 password_ops;
	size_t		 password_mem;
	int64_t		 auth_hash_concurrency;
	int64_t		 login_failures_max;

	char		*media_dir;		/* uploaded files */
	size_t		 kyc_max;		/* largest KYC document */

	/* The media store, and what an uploaded image may be. */
	char		*media_store;		/* local, s3 */
	int64_t		 media_gc_grace_ms;	/* unreferenced objects kept */
	char		*s3_endpoint;		/* https://host[:port] */
	char		*s3_bucket;
	char		*s3_region;
	char		*s3_access_key;
	char		*s3_secret_key;
	int64_t		 s3_timeout_ms;
	size_t		 image_max;		/* largest image upload */
	int64_t		 image_max_pixels;	/* width x height */
	int64_t		 image_max_side;	/* width or height */
	int64_t		 image_timeout_ms;	/* decoding and resizing one */
	int64_t		 image_concurrency;	/* images decoded at once */
	char		*image_helper;		/* souk-image; "": found */
	int64_t		 listing_images_max;	/* images per listing */
	size_t		 catalog_cache;		/* bytes of product answers */
	int64_t		 catalog_pool;		/* listings a list ranks, counts */
	size_t		 catalog_rows;		/* bytes of categories' rows */
	char		*public_url;		/* links in messages */
	char		*app_url;		/* the apps' pages links open */
	char		*trusted_proxies;	/* "127.0.0.1,::1" */
	int64_t		 otp_ttl_ms;

	/* Notifications: a driver per channel and each provider's settings. */
	char		*sms_driver;		/* file, twilio */
	char		*whatsapp_driver;	/* file, twilio */
	char		*email_driver;		/* file, smtp, sendgrid */
	char		*push_driver;		/* file, fcm */
	char		*outbox_dir;
	int64_t		 provider_timeout_ms;
	char		*twilio_base_url;
	char		*twilio_account_sid;
	char		*twilio_auth_token;
	char		*twilio_sms_from;
	char		*twilio_whatsapp_from;
	char		*twilio_voice_from;	/* click-to-call caller id */
	char		*email_from;
	char		*smtp_url;
	char		*smtp_user;
	char		*smtp_password;
	bool		 smtp_starttls;
	char		*sendgrid_base_url;
	char		*sendgrid_api_key;
	char		*fcm_base_url;
	char		*fcm_token_url;
	char		*fcm_project_id;
	char		*fcm_service_account;

	/* Social sign-in: a provider without a client id is off. */
	char		*google_client_id;
	char		*google_client_secret;
	char		*google_auth_url;
	char		*google_token_url;
	char		*google_userinfo_url;
	char		*facebook_client_id;
	char		*facebook_client_secret;
	char		*facebook_auth_url;
	char		*facebook_token_url;
	char		*facebook_userinfo_url;
};

enum config_type {
	CONFIG_STRING,
	CONFIG_CONNINFO,
	CONFIG_LISTEN,
	CONFIG_INT,
	CONFIG_SIZE,
	CONFIG_DURATION,
	CONFIG_BOOL,
	CONFIG_LOG_LEVEL,
	CONFIG_ROLE,
	CONFIG_CHOICE,		/* a string, one of choices */
};

struct config_key {
	const char	*name;
	enum config_type type;
	size_t		 offset;	/* into struct config */
	const char	*fallback;	/* built-in default, as text */
	int64_t		 min, max;	/* bounds of integers, sizes, durations */
	bool		 secret;	/* masked by --check-config */
	const char	*help;
	const char	*choices;	/* CONFIG_CHOICE: "a,b,c" */
};

extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/* Fills c with the built-in defaults. */
void	config_defaults(struct config *);
/*
 * Sets one key from text; source names where it came from ("FILE:LINE",
 * "SOUKD_X", "--flag") for messages.  False with *cause (caller frees) on
 * an unknown key or a bad value.
 */
bool	config_set(struct config *, const char *key, const char *value,
	    char **cause) __attribute__((warn_unused_result));
/* Reads a configuration file into c. */
bool	config_load_file(struct config *, const char *path, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Applies every SOUKD_<KEY> variable of envp (NULL-terminated) except
 * SOUKD_CONFIG; an unknown SOUKD_ variable is an error.
 */
bool	config_load_env(struct config *, char *const *envp, char **cause)
	    __attribute__((warn_unused_result));
/*
 * Splits "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080", ":8080" for all
 * addresses) into a host (NULL for all) and port.  False if malformed.
 */
bool	config_split_listen(const char *, char **host, uint16_t *port)
	    __attribute__((warn_unused_result));
/* Whether this role serves HTTP, and whether it runs jobs. */
bool	config_serves_api(const struct config *);
bool	config_runs_jobs(const struct config *);
/* The HTTP worker count to use: http_threads, or chosen from the CPUs. */
int	config_http_threads(const struct config *);
/* The number of workers for long handlers: http_workers, or the CPUs. */
int	config_http_workers(const struct config *);
/* Writes "key = value" for every key (secrets masked) to f. */
void	config_print(const struct config *, void *file);
void	config_free(struct config *);

#endif
