#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "buf.h"
#include "harness.h"

static char		*shared_conninfo;
static struct soukd	*shared_soukd;

static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	if (v == NULL || *v == '\0') {
		fprintf(stderr, "harness: %s is not set; run tests/api/run.sh\n",
		    name);
		exit(2);
	}
	return v;
}

/* --- HTTP ------------------------------------------------------------ */

static size_t
api_write_cb(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) ? size * n : 0;
}

struct api_resp *
api_request(const char *base, const char *method, const char *path,
    const char *ctype, const char *body, size_t len,
    const char *const *headers)
{
	struct api_resp		*r = xcalloc(1, sizeof *r);
	struct curl_slist	*hl = NULL;
	struct buf		 b, h;
	char			*url, *ct = NULL, *hdr;
	CURL			*c;
	CURLcode		 rc;

	buf_init(&b, 0);
	buf_init(&h, 0);
	url = xasprintf("%s%s", base, path);
	if ((c = curl_easy_init()) == NULL)
		ck_abort_msg("curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, api_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, api_write_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* Keep curl from adding its own Expect and Accept headers. */
	hl = curl_slist_append(hl, "Expect:");
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		hdr = xasprintf("Content-Type: %s", ctype != NULL ? ctype : "");
		hl = curl_slist_append(hl, hdr);
		free(hdr);
	}
	for (; headers != NULL && *headers != NULL; headers++)
		hl = curl_slist_append(hl, *headers);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "%s %s%s: %s", method, base, path,
	    curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	free(url);
	r->body = buf_take(&b, &r->len);
	r->headers = buf_take(&h, NULL);
	ct = api_header(r, "Content-Type");
	if (ct != NULL && strstr(ct, "json") != NULL && r->len > 0)
		r->json = json_loadb(r->body, r->len, 0, NULL);
	free(ct);
	return r;
}

const char *
api_base(void)
{
	return shared_soukd->url;
}

struct api_resp *
api_get(const char *path)
{
	return api_request(api_base(), "GET", path, NULL, NULL, 0, NULL);
}

struct api_resp *
api_post_json(const char *path, const char *json)
{
	return api_request(api_base(), "POST", path, "application/json", json,
	    strlen(json), NULL);
}

char *
api_header(const struct api_resp *r, const char *name)
{
	const char	*p = r->headers, *eol;
	size_t		 n = strlen(name);
	char		*v = NULL;

	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		if (eol == NULL)
			eol = p + strlen(p);
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			free(v);	/* the last one wins (after redirects) */
			v = xstrndup(p, (size_t)(eol - p));
		}
		p = *eol != '\0' ? eol + 2 : eol;
	}
	return v;
}

void
api_free(struct api_resp *r)
{
	if (r == NULL)
		return;
	json_decref(r->json);
	free(r->body);
	free(r->headers);
	free(r);
}

void
api_expect(const struct api_resp *r, long status, const char *method,
    const char *pattern)
{
	char	*ct, *why = NULL, *rid;
	bool	 ok;

	ck_assert_msg(r->status == status, "%s %s: status %ld, expected %ld: "
	    "%s", method, pattern, r->status, status, r->body);
	rid = api_header(r, "X-Request-Id");
	ck_assert_msg(rid != NULL && *rid != '\0', "no X-Request-Id");
	if (status >= 400 && r->json != NULL)
		ck_assert_str_eq(json_string_value(json_object_get(r->json,
		    "request_id")), rid);
	free(rid);
	if (strcmp(method, "HEAD") == 0 || status == 204)
		return;
	ct = api_header(r, "Content-Type");
	ck_assert_msg(ct != NULL, "no Content-Type");
	if (strstr(ct, "json") != NULL)
		ck_assert_msg(r->json != NULL, "body is not JSON: %s", r->body);
	ok = openapi_validate(method, pattern, status, ct, r->json, &why);
	ck_assert_msg(ok, "%s %s %ld does not match the OpenAPI document: %s\n"
	    "body: %s", method, pattern, status, why, r->body);
	free(ct);
}

void
api_expect_problem(const struct api_resp *r, long status, const char *code,
    const char *field)
{
	char		*ct, type[128];
	json_t		*e;
	size_t		 i;
	bool		 named = field == NULL;

	ck_assert_msg(r->status == status, "status %ld, expected %ld: %s",
	    r->status, status, r->body);
	ct = api_header(r, "Content-Type");
	ck_assert_msg(ct != NULL && strcmp(ct, "application/problem+json") == 0,
	    "Content-Type %s", ct != NULL ? ct : "(none)");
	free(ct);
	ck_assert_msg(r->json != NULL, "problem is not JSON: %s", r->body);
	snprintf(type, sizeof type, "urn:souk:problem:%s", code);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "type")),
	    type);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")),
	    status);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json,
	    "title")));
	json_array_foreach(json_object_get(r->json, "errors"), i, e) {
		if (field != NULL && strcmp(json_string_value(json_object_get(e,
		    "field")), field) == 0)
			named = true;
	}
	ck_assert_msg(named, "no error names field '%s': %s", field, r->body);
}

/* --- processes ------------------------------------------------------- */

/* execv wants writable strings: hands it copies (the child exits anyway). */
static void
exec_copy(const char *path, const char *const *argv)
{
	char	*copy[64];
	int	 i;

	for (i = 0; argv[i] != NULL && i < 63; i++)
		copy[i] = xstrdup(argv[i]);
	copy[i] = NULL;
	/* The tests leak freely; every soukd they run must not. */
	setenv("ASAN_OPTIONS", "detect_leaks=1", 1);
	execv(path, copy);
}

void
test_record_pid(pid_t pid)
{
	char	*path = xasprintf("%s/pids", env("SOUK_TEST_TMP"));
	FILE	*f = fopen(path, "a");

	if (f != NULL) {
		fprintf(f, "%ld\n", (long)pid);
		fclose(f);
	}
	free(path);
}

char *
test_read_file(const char *path)
{
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;
	FILE		*f;

	buf_init(&b, 0);
	if ((f = fopen(path, "r")) != NULL) {
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			if (!buf_add(&b, chunk, n))
				abort();
		fclose(f);
	}
	return buf_take(&b, NULL);
}

void
test_fakes_start(struct test_fakes *fk, const char *name,
    const char *const *env_vars)
{
	const char	*soukd = getenv("SOUKD"), *root = getenv("SOUK_ROOT"),
			*slash, *p;
	char		*prog, *pub, *ports, *text, *log, *kv, *eq;
	int		 i, fd;

	memset(fk, 0, sizeof *fk);
	if (getenv("SOUK_FAKES") != NULL)
		prog = xstrdup(getenv("SOUK_FAKES"));
	else if (soukd != NULL && (slash = strrchr(soukd, '/')) != NULL)
		prog = xasprintf("%.*s/../tests/fakes", (int)(slash - soukd),
		    soukd);
	else
		prog = xstrdup("../tests/fakes");
	fk->dir = test_tmpdir(name);
	pub = xasprintf("%s/tests/fakes/fcm-test-public.pem",
	    root != NULL ? root : ".");
	log = xasprintf("%s/log", fk->dir);
	ck_assert_msg(access(prog, X_OK) == 0, "%s: %s (make tests-build)",
	    prog, strerror(errno));
	if ((fk->pid = fork()) < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (fk->pid == 0) {
		/* Dies with the test, even if the test is killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		for (i = 0; env_vars != NULL && env_vars[i] != NULL; i++) {
			kv = xstrdup(env_vars[i]);
			if ((eq = strchr(kv, '=')) == NULL)
				_exit(126);
			*eq = '\0';
			setenv(kv, eq + 1, 1);
		}
		execl(prog, "fakes", fk->dir, pub, (char *)NULL);
		_exit(127);
	}
	test_record_pid(fk->pid);
	ports = xasprintf("%s/ports", fk->dir);
	for (i = 0; i < 1000 && access(ports, R_OK) != 0; i++)
		usleep(10 * 1000);
	text = test_read_file(ports);
	ck_assert_msg(sscanf(text, "http %d\nsmtp %d", &fk->http_port,
	    &fk->smtp_port) == 2 && (p = strstr(text, "s3 ")) != NULL &&
	    (fk->s3_port = (int)strtol(p + 3, NULL, 10)) > 0,
	    "the fakes did not start: %s", log);
	snprintf(fk->http, sizeof fk->http, "http://127.0.0.1:%d",
	    fk->http_port);
	snprintf(fk->smtp, sizeof fk->smtp, "smtp://127.0.0.1:%d",
	    fk->smtp_port);
	snprintf(fk->s3, sizeof fk->s3, "http://127.0.0.1:%d", fk->s3_port);
	free(text);
	free(ports);
	free(pub);
	free(prog);
	free(log);
}

void
test_fakes_stop(struct test_fakes *fk)
{
	int	st;

	if (fk->pid <= 0)
		return;
	kill(fk->pid, SIGTERM);
	waitpid(fk->pid, &st, 0);
	fk->pid = 0;
}

struct soukd *
soukd_start(const char *conninfo, const char *const *args)
{
	return soukd_start_waiting(conninfo, args,
	    "listening on http://127.0.0.1:");
}

struct soukd *
soukd_start_waiting(const char *conninfo, const char *const *args,
    const char *ready)
{
	static int	 seq;
	struct soukd	*s = xcalloc(1, sizeof *s);
	const char	*argv[32];
	char		*log, *p;
	int		 n = 0, fd, i, st;

	s->log = xasprintf("%s/soukd-%ld-%d.log", env("SOUK_TEST_TMP"),
	    (long)getpid(), ++seq);
	argv[n++] = "soukd";
	argv[n++] = "--database";
	argv[n++] = conninfo;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	for (; args != NULL && *args != NULL && n < 30; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if ((s->pid = fork()) < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (s->pid == 0) {
		fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		exec_copy(env("SOUKD"), argv);
		_exit(127);
	}
	test_record_pid(s->pid);
	for (i = 0; i < 2000; i++) {
		log = test_read_file(s->log);
		if (strstr(log, ready) != NULL) {
			p = strstr(log, "listening on http://127.0.0.1:");
			if (p != NULL) {
				s->port = atoi(p + strlen("listening on "
				    "http://127.0.0.1:"));
				snprintf(s->url, sizeof s->url,
				    "http://127.0.0.1:%d", s->port);
			}
			free(log);
			return s;
		}
		free(log);
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return NULL;
		}
		usleep(10 * 1000);
	}
	kill(s->pid, SIGKILL);
	ck_abort_msg("soukd did not start within 20 s; see %s", s->log);
	return NULL;
}

int
soukd_stop(struct soukd *s, int sig)
{
	int	st, i;

	if (s == NULL || s->pid <= 0)
		return -1;
	kill(s->pid, sig);
	for (i = 0; i < 3000; i++) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		}
		usleep(10 * 1000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
	return -1;
}

bool
soukd_log_has(const struct soukd *s, const char *needle)
{
	char	*log = test_read_file(s->log);
	bool	 found = strstr(log, needle) != NULL;

	free(log);
	return found;
}

/* Runs argv[0] with argv, capturing its output; returns the exit status. */
static int
run_capture(const char *path, const char *const *argv, char **out)
{
	struct buf	 b;
	char		 chunk[4096];
	ssize_t		 n;
	int		 fds[2], st;
	pid_t		 pid;

	if (pipe(fds) != 0)
		ck_abort_msg("pipe");
	if ((pid = fork()) < 0)
		ck_abort_msg("fork");
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[1]);
		exec_copy(path, argv);
		_exit(127);
	}
	close(fds[1]);
	buf_init(&b, 0);
	while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
		if (!buf_add(&b, chunk, (size_t)n))
			abort();
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (out != NULL)
		*out = buf_take(&b, NULL);
	else
		buf_free(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
soukd_run(const char *const *args, char **out)
{
	const char	*argv[32];
	int		 n = 0;

	argv[n++] = "soukd";
	for (; args != NULL && *args != NULL && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return run_capture(env("SOUKD"), argv, out);
}

int
test_pg(const char *cmd, const char *dir)
{
	char		*script = xasprintf("%s/scripts/pg.sh", env("SOUK_ROOT"));
	const char	*argv[] = { "pg.sh", cmd, dir, NULL, NULL };
	char		*out = NULL;
	int		 rc;

	if (strcmp(cmd, "start") == 0)
		argv[3] = "--fast";
	rc = run_capture(script, argv, &out);
	if (rc != 0)
		fprintf(stderr, "pg.sh %s %s: %s\n", cmd, dir, out);
	free(out);
	free(script);
	return rc;
}

char *
test_tmpdir(const char *name)
{
	static int	 seq;
	char		*dir = xasprintf("%s/%s-%ld-%d", env("SOUK_TEST_TMP"), name,
			    (long)getpid(), ++seq);

	if (mkdir(dir, 0755) != 0)
		ck_abort_msg("mkdir %s: %s", dir, strerror(errno));
	return dir;
}

/* --- database -------------------------------------------------------- */

const char *
test_conninfo(void)
{
	return shared_conninfo;
}

const char *
test_cluster(void)
{
	return env("SOUK_TEST_PG");
}

/* This process's connection: a forked test must not share its parent's. */
static PGconn *
test_db(void)
{
	static PGconn	*conn;
	static pid_t	 owner;

	if (conn == NULL || owner != getpid()) {
		conn = PQconnectdb(shared_conninfo);
		owner = getpid();
		ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "connect: %s",
		    PQerrorMessage(conn));
	}
	return conn;
}

PGresult *
test_sql(const char *sql, int n, const char *const *params)
{
	PGresult	*res;
	ExecStatusType	 st;

	res = PQexecParams(test_db(), sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK,
	    "%s: %s", sql, PQresultErrorMessage(res));
	return res;
}

char *
test_unique(const char *prefix)
{
	static int	seq;
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return xasprintf("%s %ld-%ld-%d", prefix, (long)getpid(),
	    (long)(ts.tv_nsec % 1000000), ++seq);
}

char *
test_new_database(void)
{
	static int	 seq;
	char		*name, *sql;

	name = xasprintf("t_%ld_%d", (long)getpid(), ++seq);
	sql = xasprintf("CREATE DATABASE %s", name);
	PQclear(test_sql(sql, 0, NULL));
	free(sql);
	sql = xasprintf("host=%s user=souk dbname=%s", test_cluster(), name);
	free(name);
	return sql;
}

char *
test_new_migrated_database(void)
{
	char		*db = test_new_database(), *out = NULL;
	const char	*args[] = { "migrate", "--database", db, NULL };

	ck_assert_msg(soukd_run(args, &out) == 0, "migrate: %s", out);
	free(out);
	return db;
}

PGresult *
test_sql_on(const char *conninfo, const char *sql, int n,
    const char *const *params)
{
	PGconn		*c = PQconnectdb(conninfo);
	PGresult	*res;
	ExecStatusType	 st;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s",
	    PQerrorMessage(c));
	res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK,
	    "%s: %s", sql, PQresultErrorMessage(res));
	PQfinish(c);
	return res;
}

/* --- accounts -------------------------------------------------------- */

/* An account of role (of vendor, when not 0), signed in at base. */
static struct test_user *
test_user_make(const char *base, const char *role, const char *const *regions,
    long vendor)
{
	static int		 seq;
	struct test_user	*u = xcalloc(1, sizeof *u);
	char			 hash[crypto_pwhash_STRBYTES], id[24];
	char			 vendor_s[24];
	const char		*params[4];
	struct timespec		 ts;
	PGresult		*res;

	if (crypto_pwhash_str(hash, TEST_PASSWORD, strlen(TEST_PASSWORD), 1,
	    8192) != 0)
		ck_abort_msg("crypto_pwhash_str");
	clock_gettime(CLOCK_REALTIME, &ts);
	u->email = xasprintf("%s.%ld.%ld.%d@test.souk", role, (long)getpid(),
	    (long)ts.tv_nsec, ++seq);
	params[0] = role;
	params[1] = u->email;
	params[2] = hash;
	snprintf(vendor_s, sizeof vendor_s, "%ld", vendor);
	params[3] = vendor != 0 ? vendor_s : NULL;
	res = test_sql("INSERT INTO users (role, email, password_hash, "
	    "email_verified_at, vendor_id) VALUES ($1, $2, $3, now(), $4) "
	    "RETURNING id", 4, params);
	u->id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	snprintf(id, sizeof id, "%ld", u->id);
	for (; regions != NULL && *regions != NULL; regions++) {
		params[0] = id;
		params[1] = *regions;
		PQclear(test_sql("INSERT INTO user_regions (user_id, region_id) "
		    "VALUES ($1, $2)", 2, params));
	}
	test_user_login(base, u);
	return u;
}

struct test_user *
test_user_new(const char *base, const char *role, const char *const *regions)
{
	return test_user_make(base, role, regions, 0);
}

void
test_user_login(const char *base, struct test_user *u)
{
	struct api_resp	*r;
	char		*body;

	body = xasprintf("{\"email\":\"%s\",\"password\":\"%s\"}", u->email,
	    TEST_PASSWORD);
	r = api_request(base, "POST", "/v1/auth/login", "application/json",
	    body, strlen(body), NULL);
	ck_assert_msg(r->status == 200, "login: %s", r->body);
	free(u->token);
	free(u->refresh);
	free(u->auth);
	u->token = xstrdup(json_string_value(json_object_get(r->json,
	    "access_token")));
	u->refresh = xstrdup(json_string_value(json_object_get(r->json,
	    "refresh_token")));
	u->auth = xasprintf("Authorization: Bearer %s", u->token);
	api_free(r);
	free(body);
}

struct api_resp *
test_user_request(const char *base, const struct test_user *u,
    const char *method, const char *path, const char *json)
{
	const char	*hdr[2] = { u != NULL ? u->auth : NULL, NULL };

	return api_request(base, method, path, json != NULL ?
	    "application/json" : NULL, json, json != NULL ? strlen(json) : 0,
	    hdr);
}

/* --- regions and vendors ------------------------------------------------ */

char *
test_region_new(const char *name)
{
	char		*country = test_unique(name), *state;
	const char	*params[1] = { country };
	PGresult	*res;

	res = test_sql("WITH c AS (INSERT INTO regions (kind, name) VALUES "
	    "('country', $1) RETURNING id) INSERT INTO regions (parent_id, kind,"
	    " name) SELECT id, 'state', 'A State' FROM c RETURNING id", 1,
	    params);
	state = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	free(country);
	return state;
}

struct test_vendor *
test_vendor_new(const char *base, const char *region)
{
	struct test_vendor	*v = xcalloc(1, sizeof *v);
	const char		*params[2];
	PGresult		*res;

	v->region = region != NULL ? xstrdup(region) :
	    test_region_new("Vendorland");
	v->name = test_unique("Vendor");
	params[0] = v->name;
	params[1] = v->region;
	res = test_sql("INSERT INTO vendors (name, legal_name, category, "
	    "address, region_id, pincode, badges) VALUES ($1, $1 || ' Pvt Ltd',"
	    " 'Grocery', '1 Market Road', $2, '560001', '{verified_business}') "
	    "RETURNING id", 2, params);
	v->id = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(v->ids, sizeof v->ids, "%ld", v->id);
	PQclear(res);
	params[0] = v->ids;
	res = test_sql("SELECT id FROM stock_locations WHERE vendor_id = $1 "
	    "ORDER BY id LIMIT 1", 1, params);
	v->location = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	v->owner = test_user_make(base, "vendor_owner", NULL, v->id);
	return v;
}

struct test_user *
test_vendor_staff(const char *base, const struct test_vendor *v)
{
	return test_user_make(base, "vendor_staff", NULL, v->id);
}

/* --- what soukd sent ---------------------------------------------------- */

/* Every line of the channel's outbox file to `to`, oldest first. */
static json_t *
test_outbox_lines(const char *channel, const char *to)
{
	char	*path = xasprintf("%s/%s.jsonl", getenv("SOUKD_OUTBOX_DIR"),
		    channel), *text = test_read_file(path), *line, *next;
	json_t	*all = json_array(), *j;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		if (to == NULL || (json_string_value(json_object_get(j, "to")) !=
		    NULL && strcmp(json_string_value(json_object_get(j, "to")),
		    to) == 0))
			json_array_append(all, j);
		json_decref(j);
	}
	free(text);
	free(path);
	return all;
}

json_t *
test_outbox_wait(const char *channel, const char *to, const char *needle,
    int secs)
{
	json_t		*all, *found = NULL, *j;
	const char	*text;
	size_t		 i;
	int		 tries;

	for (tries = 0; tries < secs * 20 && found == NULL; tries++) {
		all = test_outbox_lines(channel, to);
		json_array_foreach(all, i, j) {
			text = json_string_value(json_object_get(j, "text"));
			if (needle == NULL || (text != NULL &&
			    strstr(text, needle) != NULL)) {
				json_decref(found);
				found = json_incref(j);
			}
		}
		json_decref(all);
		if (found == NULL)
			usleep(50 * 1000);
	}
	return found;
}

int
test_outbox_count(const char *channel, const char *to)
{
	json_t	*all = test_outbox_lines(channel, to);
	int	 n = (int)json_array_size(all);

	json_decref(all);
	return n;
}

char *
test_phone(void)
{
	static int	seq;
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return xasprintf("+9197%04ld%04ld", ((long)getpid() * 7 + ++seq) %
	    10000, (long)(ts.tv_nsec / 1000) % 10000);
}

/* --- setup ----------------------------------------------------------- */

void
harness_setup(void)
{
	const char	*args[] = { "migrate", "--database", NULL, NULL };
	char		*out = NULL;

	curl_global_init(CURL_GLOBAL_ALL);
	/* Messages every soukd of the run "sends" land here, not in var/. */
	if (getenv("SOUKD_OUTBOX_DIR") == NULL) {
		char	*dir = xasprintf("%s/outbox", env("SOUK_TEST_TMP"));

		setenv("SOUKD_OUTBOX_DIR", dir, 1);
		free(dir);
	}
	if (getenv("SOUKD_MEDIA_DIR") == NULL) {
		char	*dir = xasprintf("%s/media", env("SOUK_TEST_TMP"));

		setenv("SOUKD_MEDIA_DIR", dir, 1);
		free(dir);
	}
	/* Every soukd of the run knows the test job and message kinds. */
	setenv("SOUKD_TEST_MODE", "yes", 1);
	shared_conninfo = xasprintf("host=%s user=souk dbname=souk",
	    env("SOUK_TEST_PG"));
	args[2] = shared_conninfo;
	if (soukd_run(args, &out) != 0) {
		fprintf(stderr, "harness: soukd migrate failed:\n%s", out);
		exit(1);
	}
	free(out);
	shared_soukd = soukd_start(shared_conninfo, NULL);
	if (shared_soukd == NULL) {
		fprintf(stderr, "harness: the shared soukd did not start\n");
		exit(1);
	}
}

void
harness_teardown(void)
{
	int	rc = soukd_stop(shared_soukd, SIGTERM);

	if (rc != 0) {
		fprintf(stderr, "harness: the shared soukd exited with %d "
		    "(sanitizer report or unclean shutdown; see its log)\n",
		    rc);
		exit(1);
	}
	curl_global_cleanup();
}
