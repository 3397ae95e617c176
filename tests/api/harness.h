/*
 * harness: what API tests need around a real soukd and a real PostgreSQL.
 * tests/api/run.sh starts a throwaway cluster and runs the test binary,
 * whose main() migrates a database and starts the shared soukd; tests
 * start private soukd processes (and clusters) when they need to stop or
 * break them.  Every soukd started is recorded so that run.sh can kill it
 * whatever happens.
 */
#ifndef SOUK_HARNESS_H
#define SOUK_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "xmalloc.h"

/* --- HTTP ------------------------------------------------------------ */

struct api_resp {
	long		 status;
	char		*body;		/* NUL-terminated */
	size_t		 len;
	json_t		*json;		/* parsed body when it is JSON */
	char		*headers;	/* raw, "Name: value\r\n" lines */
};

/*
 * Sends a request to base (a soukd's URL) and returns its response, or
 * fails the test if soukd did not answer.  headers is a NULL-terminated
 * list of "Name: value" (may be NULL).  ctype sets Content-Type when body
 * is not NULL.
 */
struct api_resp *api_request(const char *base, const char *method,
    const char *path, const char *ctype, const char *body, size_t len,
    const char *const *headers);
/* The shared soukd's URL. */
const char *api_base(void);
struct api_resp *api_get(const char *path);
/* POST with Content-Type: application/json. */
struct api_resp *api_post_json(const char *path, const char *json);
/* A response header's value (caller frees), or NULL. */
char	*api_header(const struct api_resp *, const char *name);
void	 api_free(struct api_resp *);

/*
 * Asserts the status, and that the body matches the OpenAPI schema for
 * the operation (method, pattern) and that status, including the
 * problem+json shape of every error.
 */
void	api_expect(const struct api_resp *, long status, const char *method,
	    const char *pattern);
/* Asserts a problem with this status and code, naming field if given. */
void	api_expect_problem(const struct api_resp *, long status,
	    const char *code, const char *field);

/* --- soukd processes ------------------------------------------------- */

struct soukd {
	pid_t	 pid;
	int	 port;
	char	 url[64];
	char	*log;		/* path of its stderr */
};

/*
 * Starts soukd serving conninfo on an ephemeral port with extra flags
 * (NULL-terminated, may be NULL) and waits until it listens.  NULL if it
 * exited first (its log tells why).
 */
struct soukd *soukd_start(const char *conninfo, const char *const *args);
/* The same, waiting for a log line containing ready instead. */
struct soukd *soukd_start_waiting(const char *conninfo,
	    const char *const *args, const char *ready);
/* Sends sig and waits; returns the exit status (or 128+signal). */
int	soukd_stop(struct soukd *, int sig);
/* True if its log contains needle. */
bool	soukd_log_has(const struct soukd *, const char *needle);
/*
 * Runs `soukd ARGS...` to completion; returns the exit status and, when
 * out is not NULL, its standard output and error together (caller frees).
 */
int	soukd_run(const char *const *args, char **out);

/* --- database -------------------------------------------------------- */

/* The shared, migrated database's conninfo. */
const char *test_conninfo(void);
/* The cluster directory of the shared database. */
const char *test_cluster(void);
/*
 * Runs SQL on the shared database with text parameters; fails the test
 * on error.  Returns the result (caller PQclear's).
 */
PGresult *test_sql(const char *sql, int n, const char *const *params);
/* Creates an empty database on the shared cluster; returns its conninfo. */
char	*test_new_database(void);
/* The same, with soukd's schema applied. */
char	*test_new_migrated_database(void);
/* Runs SQL on the database of conninfo; fails the test on error. */
PGresult *test_sql_on(const char *conninfo, const char *sql, int n,
	    const char *const *params);
/* A name unique to this process and call, for rows tests create. */
char	*test_unique(const char *prefix);
/* Runs scripts/pg.sh CMD DIR [--fast]; returns its exit status. */
int	test_pg(const char *cmd, const char *dir);
/* A new directory under the run's temporary directory. */
char	*test_tmpdir(const char *name);

/* --- accounts -------------------------------------------------------- */

#define TEST_PASSWORD "test password 1"

struct test_user {
	long	 id;
	char	*email;
	char	*token;		/* access token */
	char	*refresh;	/* refresh token */
	char	*auth;		/* "Authorization: Bearer <token>" */
};

/*
 * Creates an account of role on the shared database (regions: a
 * NULL-terminated list of region ids, may be NULL) with TEST_PASSWORD, and
 * signs it in at base.  The password hash is cheap so that tests are fast;
 * soukd verifies it at the cost it records.
 */
struct test_user *test_user_new(const char *base, const char *role,
	    const char *const *regions);
/* Signs in again, replacing token and refresh. */
void	test_user_login(const char *base, struct test_user *);
/* A request as this user (headers: more, NULL-terminated, may be NULL). */
struct api_resp *test_user_request(const char *base, const struct test_user *,
	    const char *method, const char *path, const char *json);

/* --- regions and vendors -------------------------------------------- */

/*
 * A new country with a state in it, on the shared database; returns the
 * state's id (caller frees).  name only helps a reader of the database.
 */
char	*test_region_new(const char *name);

struct test_vendor {
	long			 id;
	char			 ids[24];	/* id as text */
	long			 location;	/* its first stock location */
	char			*region;	/* its region's id */
	char			*name;
	struct test_user	*owner;		/* signed in at base */
};

/*
 * Creates an active vendor in region (NULL: a region of its own) on the
 * shared database, as an approved registration would, with its owner
 * signed in at base.
 */
struct test_vendor *test_vendor_new(const char *base, const char *region);
/* A new member of the vendor's staff (role vendor_staff), signed in. */
struct test_user *test_vendor_staff(const char *base,
	    const struct test_vendor *);

/* --- what soukd sent -------------------------------------------------- */

/*
 * Waits up to secs for a message to `to` on channel (the file driver's
 * <outbox_dir>/<channel>.jsonl) whose text holds needle (NULL: any), and
 * returns the newest such line, parsed (caller decrefs); NULL if none came.
 */
json_t	*test_outbox_wait(const char *channel, const char *to,
	    const char *needle, int secs);
/* How many messages to `to` are on channel now. */
int	test_outbox_count(const char *channel, const char *to);
/* A mobile number no other test uses, in E.164. */
char	*test_phone(void);

/* --- the fakes (tests/fakes) ---------------------------------------- */

struct test_fakes {
	pid_t	 pid;
	char	*dir;		/* what they received: requests.jsonl... */
	int	 http_port;
	int	 smtp_port;
	int	 s3_port;
	char	 http[64];	/* http://127.0.0.1:PORT */
	char	 smtp[64];	/* smtp://127.0.0.1:PORT */
	char	 s3[64];	/* http://127.0.0.1:PORT */
};

/*
 * Starts the fakes program (SOUK_FAKES, else beside soukd's build) on
 * ephemeral ports, recording into a new directory named after name, with
 * env ("NAME=value", NULL-terminated, may be NULL) added to its
 * environment; fails the test if they do not start.  Recorded for run.sh
 * to kill whatever happens; they die with the test.
 */
void	test_fakes_start(struct test_fakes *, const char *name,
	    const char *const *env);
/* Stops them and waits; their directory stays to be read. */
void	test_fakes_stop(struct test_fakes *);
/* A file's contents (caller frees), "" if it cannot be read. */
char	*test_read_file(const char *path);
/* Records a process this test started, for run.sh to kill. */
void	test_record_pid(pid_t);

/* --- process setup ---------------------------------------------------- */

/* Called once by main(): migrates the shared database, starts soukd. */
void	harness_setup(void);
void	harness_teardown(void);
/* Adds every test case's timeout (seconds). */
#define TEST_TIMEOUT 120

/* JSON schema check against daemon/openapi.json (openapi.c). */
bool	openapi_validate(const char *method, const char *pattern, long status,
	    const char *ctype, json_t *body, char **why);
/* Every "METHOD /path" operation the document describes. */
json_t	*openapi_operations(void);

#endif
