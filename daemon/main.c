/*
 * soukd: souk's daemon.  Serves the REST API and, in later roles, runs the
 * platform's jobs.  See soukd(8).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "embed.h"
#include "events.h"
#include "image.h"
#include "jobs.h"
#include "listen.h"
#include "listing.h"
#include "log.h"
#include "metrics.h"
#include "media.h"
#include "migrate.h"
#include "notify.h"
#include "voice.h"
#include "tele/dial.h"
#include "outbox.h"
#include "popularity.h"
#include "reminders.h"
#include "search.h"
#include "stock.h"
#include "req.h"
#include "router.h"
#include "rowset.h"
#include "scheduler.h"
#include "server.h"
#include "usercmd.h"

#ifndef SOUK_VERSION
#define SOUK_VERSION "0.1.0"
#endif
#ifndef SOUK_SYSCONFDIR
#define SOUK_SYSCONFDIR "/usr/local/etc"
#endif

extern char **environ;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: soukd [--config FILE] [--role all|api|worker] "
	    "[--listen ADDR:PORT]\n"
	    "             [--database CONNINFO] [--log-level LEVEL] "
	    "[--check-config]\n"
	    "       soukd migrate [--status] [options]\n"
	    "       soukd routes\n"
	    "       soukd user add --role ROLE --email EMAIL | --phone PHONE\n"
	    "             [--name NAME] [--region ID|CODE]... [--vendor ID] "
	    "[--password-stdin]\n"
	    "       soukd keys rotate\n"
	    "       soukd --version | --help\n"
	    "\n"
	    "Serves souk's REST API.  Settings come from the configuration "
	    "file\n(--config, SOUKD_CONFIG or %s/souk/soukd.conf if it "
	    "exists),\nthen SOUKD_<KEY> environment variables, then flags. "
	    "See soukd(8)\nand soukd.conf(5).\n", SOUK_SYSCONFDIR);
}

enum command_id { CMD_SERVE, CMD_MIGRATE, CMD_ROUTES, CMD_USER_ADD,
    CMD_KEYS_ROTATE };

/* The commands, and the option letters each takes (see longopts). */
static const struct command {
	const char	*name;
	const char	*sub;
	enum command_id	 cmd;
	const char	*opts;
} commands[] = {
	{ NULL, NULL, CMD_SERVE, "cldLrC" },
	{ "migrate", NULL, CMD_MIGRATE, "cdLs" },
	{ "routes", NULL, CMD_ROUTES, "" },
	{ "user", "add", CMD_USER_ADD, "cdLrenpRPv" },
	{ "keys", "rotate", CMD_KEYS_ROTATE, "cdL" },
};

struct options {
	enum command_id	 cmd;
	const char	*config;
	bool		 check_config;
	bool		 status;
	struct user_add	 user;
};

/* Reads file, environment and flags into c; exits on a bad setting. */
static void
main_configure(struct config *c, struct options *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "database", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "role", required_argument, NULL, 'r' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "status", no_argument, NULL, 's' },
		{ "email", required_argument, NULL, 'e' },
		{ "name", required_argument, NULL, 'n' },
		{ "phone", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'R' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "vendor", required_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct { const char *key, *value; } flags[16];
	const struct command *cmd = &commands[0];
	size_t		 nflags = 0, i;
	char		*cause = NULL, def[512];
	int		 ch;

	memset(o, 0, sizeof *o);
	if (argc > 1 && argv[1][0] != '-') {
		for (i = 1; i < sizeof commands / sizeof commands[0]; i++) {
			if (strcmp(argv[1], commands[i].name) == 0 &&
			    (commands[i].sub == NULL || (argc > 2 &&
			    strcmp(argv[2], commands[i].sub) == 0)))
				break;
		}
		if (i == sizeof commands / sizeof commands[0]) {
			fprintf(stderr, "soukd: unknown command '%s%s%s'\n",
			    argv[1], argc > 2 && argv[2][0] != '-' ? " " : "",
			    argc > 2 && argv[2][0] != '-' ? argv[2] : "");
			usage(stderr);
			exit(2);
		}
		cmd = &commands[i];
		argc -= cmd->sub != NULL ? 2 : 1;
		argv += cmd->sub != NULL ? 2 : 1;
	}
	o->cmd = cmd->cmd;
	while ((ch = getopt_long(argc, argv, "c:l:d:h", longopts, NULL)) !=
	    -1) {
		if (ch != 'V' && ch != 'h' && ch != '?' &&
		    strchr(cmd->opts, ch) == NULL) {
			/* Name the option, not its value (argv[optind - 1]). */
			for (i = 0; longopts[i].name != NULL &&
			    longopts[i].val != ch; i++)
				;
			fprintf(stderr, "soukd: --%s is not an option of "
			    "%s%s%s\n", longopts[i].name != NULL ?
			    longopts[i].name : "?",
			    cmd->name != NULL ? cmd->name : "serving",
			    cmd->sub != NULL ? " " : "",
			    cmd->sub != NULL ? cmd->sub : "");
			exit(2);
		}
		if (nflags == sizeof flags / sizeof flags[0] ||
		    o->user.nregions == USER_ADD_MAX_REGIONS) {
			fprintf(stderr, "soukd: too many options\n");
			exit(2);
		}
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'l':
			flags[nflags].key = "listen";
			flags[nflags++].value = optarg;
			break;
		case 'd':
			flags[nflags].key = "database";
			flags[nflags++].value = optarg;
			break;
		case 'L':
			flags[nflags].key = "log_level";
			flags[nflags++].value = optarg;
			break;
		case 'r':
			if (o->cmd == CMD_USER_ADD)
				o->user.role = optarg;
			else {
				flags[nflags].key = "role";
				flags[nflags++].value = optarg;
			}
			break;
		case 'C':
			o->check_config = true;
			break;
		case 's':
			o->status = true;
			break;
		case 'e':
			o->user.email = optarg;
			break;
		case 'n':
			o->user.name = optarg;
			break;
		case 'p':
			o->user.phone = optarg;
			break;
		case 'R':
			o->user.regions[o->user.nregions++] = optarg;
			break;
		case 'P':
			o->user.password_stdin = true;
			break;
		case 'v':
			o->user.vendor = optarg;
			break;
		case 'V':
			printf("soukd %s\n", SOUK_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "soukd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		exit(2);
	}

	config_defaults(c);
	if (o->config == NULL)
		o->config = getenv("SOUKD_CONFIG");
	if (o->config == NULL) {
		snprintf(def, sizeof def, "%s/souk/soukd.conf",
		    SOUK_SYSCONFDIR);
		if (access(def, F_OK) == 0)
			o->config = xstrdup(def);
	}
	if (o->config != NULL && !config_load_file(c, o->config, &cause))
		goto bad;
	if (!config_load_env(c, environ, &cause))
		goto bad;
	for (i = 0; i < nflags; i++) {
		if (!config_set(c, flags[i].key, flags[i].value, &cause))
			goto bad;
	}
	return;
bad:
	fprintf(stderr, "soukd: %s\n", cause);
	exit(1);
}

static int
main_routes(void)
{
	const struct route	**routes;
	size_t			  n, i;

	routes = api_routes(&n);
	for (i = 0; i < n; i++)
		printf("%-7s %-28s %-10s %s\n", routes[i]->method,
		    routes[i]->pattern, routes[i]->perm, routes[i]->summary);
	free(routes);
	return 0;
}

static int
main_migrate(const struct config *c, bool status)
{
	struct db	*db;
	char		*cause = NULL;
	int		 rc = 0;

	if ((db = db_open(c->database, false, &cause)) == NULL) {
		fprintf(stderr, "soukd migrate: cannot connect to the "
		    "database: %s\n", cause);
		free(cause);
		return 1;
	}
	if (status) {
		switch (migrate_check(db, migrations, migrations_count, stdout,
		    &cause)) {
		case MIGRATE_CURRENT:
			printf("schema is current\n");
			break;
		case MIGRATE_PENDING:
			printf("%s\n", cause);
			rc = 3;
			break;
		case MIGRATE_CHANGED:
		case MIGRATE_ERROR:
			fprintf(stderr, "soukd migrate: %s\n", cause);
			rc = 1;
			break;
		}
	} else if (!migrate_apply(db, migrations, migrations_count, stdout,
	    &cause)) {
		fprintf(stderr, "soukd migrate: %s\n", cause);
		rc = 1;
	}
	free(cause);
	db_close(db);
	return rc;
}

/* Refuses to serve a schema this soukd does not match. */
static bool
main_schema_ok(const struct config *c)
{
	struct db	*db;
	char		*cause = NULL;
	bool		 ok = false;

	if ((db = db_open(c->database, false, &cause)) == NULL) {
		log_error("cannot connect to the database: %s", cause);
		goto out;
	}
	switch (migrate_check(db, migrations, migrations_count, NULL, &cause)) {
	case MIGRATE_CURRENT:
		break;
	case MIGRATE_PENDING:
		log_error("the database schema is older than this soukd: %s",
		    cause);
		goto out;
	case MIGRATE_CHANGED:
	case MIGRATE_ERROR:
		log_error("%s", cause);
		goto out;
	}
	db_close(db);
	/* Preparing every statement once proves the SQL fits the schema. */
	if ((db = db_open(c->database, true, &cause)) == NULL) {
		log_error("the database does not accept soukd's statements: "
		    "%s", cause);
		goto out;
	}
	ok = true;
out:
	db_close(db);
	free(cause);
	return ok;
}

/* Waits up to ms for the requests in flight; true if they all ended. */
static bool
main_drain(struct server *s, int64_t ms, const sigset_t *sigs)
{
	struct timespec	tick = { 0, 10 * 1000 * 1000 };
	int64_t		waited = 0;

	int		sig;

	while (server_inflight(s) > 0 && waited < ms) {
		sig = sigtimedwait(sigs, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM) {
			log_warn("second signal: stopping now");
			return false;
		}
		waited += 10;
	}
	return server_inflight(s) == 0;
}

/* Logs the URL soukd answers on (tests read the port from this line). */
static void
main_log_listening(const struct config *c, uint16_t port)
{
	char		*host = NULL;
	uint16_t	 unused;

	if (!config_split_listen(c->listen, &host, &unused))
		fatalx("listen address changed under us");
	log_info("soukd %s listening on http://%s%s%s:%u (%d HTTP threads, "
	    "%d HTTP workers)", SOUK_VERSION, host != NULL &&
	    strchr(host, ':') != NULL ? "[" : "",
	    host != NULL ? host : "0.0.0.0",
	    host != NULL && strchr(host, ':') != NULL ? "]" : "", port,
	    config_http_threads(c), config_http_workers(c));
	free(host);
}

static int
main_serve(const struct config *c)
{
	const struct route	**routes = NULL;
	struct router		 *rt = NULL;
	struct server		 *s = NULL;
	sigset_t		  sigs;
	char			 *cause = NULL;
	size_t			  n;
	int			  sig;
	bool			  jobs_busy = false;

	api_register_statements();
	req_register_statements();
	api_config = c;
	jobs_init(c);
	events_init(c);
	auth_init(c);
	account_init();
	account_configure(c);
	outbox_init(c);
	/* Both roles: the API refuses or accepts click-to-call, jobs dial. */
	if (!voice_init(c, &cause)) {
		log_error("click-to-call: %s", cause);
		free(cause);
		return 1;
	}
	reminders_init();
	tele_dial_init();
	stock_init();
	catalog_init();
	search_init();
	popularity_init();
	rowset_init(c);
	/* Workers need the store too: media.gc removes from it. */
	if (!media_init(c, &cause)) {
		log_error("%s", cause);
		free(cause);
		return 1;
	}
	db_configure(c->database, c->db_connect_timeout_ms,
	    c->db_statement_timeout_ms);
	if (!main_schema_ok(c))
		return 1;

	/* Only this thread takes signals: every other thread inherits this. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (config_serves_api(c)) {
		if (!image_init(c, &cause) ||
		    !auth_start(c->database, &cause)) {
			log_error("%s", cause);
			free(cause);
			return 1;
		}
		images_configure(c);
		cache_init(c);
		routes = api_routes(&n);
		rt = router_new(routes, n);
		metrics_init(rt);
		if ((s = server_start(c, rt, &cause)) == NULL) {
			log_error("%s", cause);
			free(cause);
			return 1;
		}
		events_start(c->database);
		main_log_listening(c, server_port(s));
	}
	if (config_runs_jobs(c)) {
		if (!notify_init(c, &cause)) {
			log_error("notifications: %s", cause);
			free(cause);
			return 1;
		}
		jobs_start(c);
		scheduler_start(c->database);
		log_info("running jobs with %lld worker%s", (long long)
		    c->job_workers, c->job_workers == 1 ? "" : "s");
	}
	listen_start(c->database);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP: nothing to reload; restart soukd to "
			    "apply configuration changes");
			continue;
		}
		break;
	}
	if (s != NULL) {
		log_info("%s: no longer accepting connections; waiting for %u "
		    "request%s in flight", strsignal(sig), server_inflight(s),
		    server_inflight(s) == 1 ? "" : "s");
		server_quiesce(s);
		/* Event streams never finish by themselves. */
		events_close_streams();
		if (!main_drain(s, c->shutdown_timeout_ms, &sigs))
			log_warn("closing with %u request(s) still in flight",
			    server_inflight(s));
	} else
		log_info("%s: stopping", strsignal(sig));
	if (config_runs_jobs(c)) {
		scheduler_stop();
		if (!jobs_stop(c->shutdown_timeout_ms)) {
			log_warn("a job is still running; it will run again "
			    "when its lease expires");
			jobs_busy = true;
		} else
			notify_shutdown();
	}
	listen_stop();
	server_stop(s);
	events_stop();
	auth_stop();
	router_free(rt);
	free(routes);
	image_shutdown();
	/* A dial still running reads the settings. */
	if (!jobs_busy)
		voice_shutdown();
	log_info("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	struct config	c;
	struct options	o;
	int		rc;

	if (sodium_init() < 0) {
		fprintf(stderr, "soukd: libsodium failed to initialise\n");
		return 1;
	}
	main_configure(&c, &o, argc, argv);
	log_set_level(c.log_level);
	if (o.check_config) {
		config_print(&c, stdout);
		printf("# configuration is valid\n");
		config_free(&c);
		return 0;
	}
	switch (o.cmd) {
	case CMD_ROUTES:
		rc = main_routes();
		break;
	case CMD_MIGRATE:
		rc = main_migrate(&c, o.status);
		break;
	case CMD_USER_ADD:
		rc = usercmd_add(&c, &o.user);
		break;
	case CMD_KEYS_ROTATE:
		rc = usercmd_keys_rotate(&c);
		break;
	case CMD_SERVE:
	default:
		rc = main_serve(&c);
		break;
	}
	config_free(&c);
	return rc;
}
