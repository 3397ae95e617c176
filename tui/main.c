/*
 * souk: the staff console of souk, a client of soukd's REST API.  Runs
 * full screen, or one command at a time with -c.  See souk(1).
 */
#include <getopt.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "creds.h"
#include "keymap.h"
#include "keys.h"
#include "log.h"
#include "settings.h"
#include "xmalloc.h"

#ifndef SOUK_VERSION
#define SOUK_VERSION "0.1.0"
#endif

static void
usage(FILE *f)
{
	struct keyhelp	 lines[128];
	struct buf	 b;
	enum scope	 s;
	size_t		 n, i;

	buf_init(&b, 0);
	cmd_help(&b);
	fprintf(f,
	    "usage: souk [options] [COMMAND]\n"
	    "       souk [options] -c COMMAND [--json]\n"
	    "\n"
	    "The staff console of souk.  Full screen, it opens COMMAND "
	    "(regions if none);\nwith -c it runs COMMAND, prints the result "
	    "and exits.  souk login and souk logout\nsign in and out "
	    "without the screen.\n"
	    "\n"
	    "options:\n"
	    "  -c COMMAND               run one command without the full "
	    "screen\n"
	    "  --json                   with -c: print JSON, not a table\n"
	    "  --url URL                soukd's address (else SOUK_URL, the "
	    "config file,\n"
	    "                           %s)\n"
	    "  --config FILE            read FILE, not $XDG_CONFIG_HOME/souk/"
	    "config\n"
	    "  --connect-timeout DUR    give up connecting after DUR "
	    "(default 3s)\n"
	    "  --timeout DUR            give up on a request after DUR "
	    "(default 15s)\n"
	    "  --refresh DUR            refresh the view every DUR (default "
	    "5s; 0: never)\n"
	    "  --no-color               monochrome (so does NO_COLOR)\n"
	    "  --version, --help\n"
	    "\n"
	    "commands (also after ':' in the console):\n%s\n"
	    "keys:\n", SETTINGS_URL, b.data);
	buf_free(&b);
	for (s = 0; s < SCOPE_COUNT; s++) {
		n = keymap_help(&s, 1, lines, sizeof lines / sizeof lines[0]);
		if (n == 0)
			continue;
		fprintf(f, "  %s:\n", scope_name(s));
		for (i = 0; i < n; i++)
			fprintf(f, "    %-16s %s\n", lines[i].keys,
			    lines[i].help);
	}
	fprintf(f, "\nSee souk(1).\n");
}

/* Joins words into one command line, quoting those that need it. */
static char *
main_join(int argc, char **argv)
{
	struct buf	b;
	const char	*p;
	int		i;

	buf_init(&b, 0);
	for (i = 0; i < argc; i++) {
		if (i > 0 && !buf_adds(&b, " "))
			fatalx("main_join");
		if (argv[i][0] != '\0' && strpbrk(argv[i], " \t'\"\\") == NULL) {
			if (!buf_adds(&b, argv[i]))
				fatalx("main_join");
			continue;
		}
		if (!buf_adds(&b, "\""))
			fatalx("main_join");
		for (p = argv[i]; *p != '\0'; p++) {
			if (((*p == '"' || *p == '\\') && !buf_adds(&b, "\\")) ||
			    !buf_add(&b, p, 1))
				fatalx("main_join");
		}
		if (!buf_adds(&b, "\""))
			fatalx("main_join");
	}
	return buf_take(&b, NULL);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "url", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'f' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "refresh", required_argument, NULL, 'R' },
		{ "no-color", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct { const char *key, *value; } flags[8];
	struct settings	 s;
	struct app_opts	 o;
	struct app	*a;
	const char	*command = NULL, *config = NULL, *env;
	char		*cause = NULL, *dir, *path, *history = NULL;
	char		*initial = NULL, *credentials, *line;
	const struct command *cmd;
	size_t		 nflags = 0, i;
	bool		 json = false, nocolor = false;
	int		 ch, status;

	setlocale(LC_ALL, "");
#ifdef M_ARENA_MAX
	/*
	 * One malloc arena: souk's few threads (the fetch workers, the
	 * stream) allocate little, and an arena each kept about half a
	 * megabyte more resident for nothing.
	 */
	mallopt(M_ARENA_MAX, 1);
#endif
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			command = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'u':
			flags[nflags].key = "url";
			flags[nflags++].value = optarg;
			break;
		case 'f':
			config = optarg;
			break;
		case 'C':
			flags[nflags].key = "connect_timeout";
			flags[nflags++].value = optarg;
			break;
		case 'T':
			flags[nflags].key = "timeout";
			flags[nflags++].value = optarg;
			break;
		case 'R':
			flags[nflags].key = "refresh";
			flags[nflags++].value = optarg;
			break;
		case 'n':
			nocolor = true;
			break;
		case 'V':
			printf("souk %s\n", SOUK_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (nflags == sizeof flags / sizeof flags[0]) {
			fprintf(stderr, "souk: too many options\n");
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (command != NULL && argc > 0) {
		fprintf(stderr, "souk: give the command either with -c or "
		    "after the options, not both\n");
		return 2;
	}
	if (json && command == NULL) {
		fprintf(stderr, "souk: --json goes with -c\n");
		return 2;
	}

	settings_init(&s);
	dir = settings_config_dir();
	path = config != NULL ? xstrdup(config) : dir != NULL ?
	    xasprintf("%s/config", dir) : NULL;
	free(dir);
	if (path != NULL && !settings_read(&s, path, config != NULL, &cause))
		goto bad;
	free(path);
	path = NULL;
	if ((env = getenv("SOUK_URL")) != NULL && *env != '\0' &&
	    !settings_set(&s, "url", env, &cause))
		goto bad;
	for (i = 0; i < nflags; i++) {
		if (!settings_set(&s, flags[i].key, flags[i].value, &cause))
			goto bad;
	}
	if (nocolor || ((env = getenv("NO_COLOR")) != NULL && *env != '\0'))
		s.color = false;

	memset(&o, 0, sizeof o);
	o.url = s.url;
	o.connect_ms = s.connect_ms;
	o.timeout_ms = s.timeout_ms;
	o.refresh_ms = s.refresh_ms;
	o.color = s.color;
	if ((dir = settings_state_dir()) != NULL) {
		history = xasprintf("%s/history", dir);
		free(dir);
	}
	o.history = history;
	credentials = creds_path();
	o.credentials = credentials;
	if ((env = getenv("SOUK_SCRIPT")) != NULL && *env != '\0')
		o.script = env;

	/* `souk login`, `souk logout`: no screen needed. */
	if (command == NULL && argc > 0 && (cmd = cmd_find(argv[0])) !=
	    NULL && (cmd->flags & CMD_BATCH))
		command = initial = main_join(argc, argv);

	client_global_init();
	if (command != NULL) {
		/* 'queue stats Diwali --json' is -c 'queue stats Diwali' --json. */
		line = xstrdup(command);
		if (cmd_take_json(line))
			json = true;
		a = app_new(&o, true);
		status = app_run_batch(a, line, json, stdout);
		free(line);
	} else {
		if (argc > 0)
			initial = main_join(argc, argv);
		a = app_new(&o, false);
		status = app_run_screen(a, initial);
	}
	app_free(a);
	client_global_cleanup();
	free(initial);
	free(history);
	free(credentials);
	settings_free(&s);
	return status;
bad:
	fprintf(stderr, "souk: %s\n", cause);
	free(cause);
	free(path);
	settings_free(&s);
	return 2;
}
