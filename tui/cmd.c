#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "log.h"
#include "table.h"
#include "text.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

static bool
cmd_regions(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, regions_view(a, cmd_opt(c, "parent"), cmd_opt(c, "kind"),
	    NULL));
	return true;
}

static bool
cmd_region(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)cause;
	app_push(a, region_view(a, c->argv[0]));
	return true;
}

static bool
cmd_lookup(struct app *a, const struct cmd_args *c, char **cause)
{
	struct view	*top = app_top(a);
	char		**ids;
	size_t		  i, n;

	if (app_batch(a) && c->argc == 0) {
		*cause = xstrdup("lookup needs region ids or pincodes");
		return false;
	}
	/* The bulk action of a regions table: look the selected ones up. */
	if (c->argc == 0 && top != NULL && top->ops->scope == SCOPE_REGIONS &&
	    (n = table_nmarked(top->table)) > 0) {
		ids = xcalloc(n, sizeof *ids);
		for (i = 0; i < n; i++)
			ids[i] = xstrdup(table_marked_key(top->table, i));
		app_push(a, lookup_view(a, ids, n));
		cmd_free_words(ids, n);
		return true;
	}
	app_push(a, lookup_view(a, c->argv, c->argc));
	return true;
}

static bool
cmd_health(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_push(a, health_view(a));
	return true;
}

static bool
cmd_refresh(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_refresh(a);
	return true;
}

static bool
cmd_pause(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_pause(a);
	return true;
}

static bool
cmd_save_display(struct app *a, const struct cmd_args *c, char **cause)
{
	return app_save_display(a, c->argv[0], cause);
}

static void
cmd_clear_history_yes(struct app *a)
{
	app_clear_history(a);
}

static bool
cmd_clear_history(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_confirm(a, "Forget every command in the history?",
	    cmd_clear_history_yes);
	return true;
}

static bool
cmd_help_run(struct app *a, const struct cmd_args *c, char **cause)
{
	if (c->argc == 1 && strcmp(c->argv[0], "keys") == 0) {
		if (app_batch(a))
			app_push(a, help_keys_view(a, NULL));
		else
			app_help_keys(a);
		return true;
	}
	if (c->argc == 1 && cmd_find(c->argv[0]) == NULL) {
		*cause = xasprintf("there is no command '%s'", c->argv[0]);
		return false;
	}
	app_push(a, help_commands_view(a));
	return true;
}

static bool
cmd_quit(struct app *a, const struct cmd_args *c, char **cause)
{
	(void)c;
	(void)cause;
	app_quit(a);
	return true;
}

/* Every command of the console; see cmd.h. */
const struct command commands[] = {
	{ "regions", NULL, "[--parent ID|none] [--kind KIND]",
	  "list regions: all, those under a parent (none: the top) or of one "
	  "kind",
	  { { "parent", "ID|none", COMPLETE_PARENT, "the parent region" },
	    { "kind", "KIND", COMPLETE_KIND, "country, state, "
	      "union_territory, district, city or area" } },
	  0, 0, COMPLETE_NONE, 0, cmd_regions },
	{ "region", NULL, "ID", "one region's details, with its ancestors",
	  { { NULL, NULL, 0, NULL } }, 1, 1, COMPLETE_ID, 0, cmd_region },
	{ "lookup", NULL, "[ID|PINCODE]...",
	  "look regions up by ids and pincodes; alone: a form, filled with "
	  "the selected rows",
	  { { NULL, NULL, 0, NULL } }, 0, 200, COMPLETE_ID, 0, cmd_lookup },
	{ "health", NULL, "", "soukd's health checks and their latency",
	  { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE, 0, cmd_health },
	{ "refresh", NULL, "", "reload the visible view",
	  { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE, CMD_SCREEN,
	  cmd_refresh },
	{ "pause", NULL, "", "pause or resume automatic refresh",
	  { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE, CMD_SCREEN,
	  cmd_pause },
	{ "save-display", NULL, "FILE", "write the screen to FILE as text",
	  { { NULL, NULL, 0, NULL } }, 1, 1, COMPLETE_FILE, CMD_SCREEN,
	  cmd_save_display },
	{ "clear-history", NULL, "", "forget the command history (asks "
	  "first)", { { NULL, NULL, 0, NULL } }, 0, 0, COMPLETE_NONE,
	  CMD_SCREEN, cmd_clear_history },
	{ "help", NULL, "[keys]", "list the commands; help keys: the keys of "
	  "the view", { { NULL, NULL, 0, NULL } }, 0, 1, COMPLETE_COMMAND, 0,
	  cmd_help_run },
	{ "quit", "q", "", "leave souk", { { NULL, NULL, 0, NULL } }, 0, 0,
	  COMPLETE_NONE, CMD_SCREEN, cmd_quit },
};

const size_t ncommands = sizeof commands / sizeof commands[0];

void
cmd_free_words(char **words, size_t n)
{
	size_t	i;

	if (words == NULL)
		return;
	for (i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

bool
cmd_split(const char *line, char ***out, size_t *n, char **cause)
{
	struct buf	 w;
	char		**words = NULL, quote;
	const char	*p = line;
	size_t		  count = 0;
	bool		  in_word;

	*cause = NULL;
	buf_init(&w, 0);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		buf_reset(&w);
		in_word = true;
		while (in_word && *p != '\0') {
			switch (*p) {
			case ' ': case '\t': case '\n': case '\r':
				in_word = false;
				continue;
			case '\'':
			case '"':
				quote = *p++;
				while (*p != '\0' && *p != quote) {
					if (quote == '"' && *p == '\\' &&
					    p[1] != '\0')
						p++;
					if (!buf_add(&w, p++, 1))
						fatalx("cmd_split");
				}
				if (*p == '\0') {
					*cause = xasprintf("the %s quote is "
					    "not closed", quote == '"' ?
					    "double" : "single");
					goto fail;
				}
				p++;
				continue;
			case '\\':
				if (p[1] != '\0')
					p++;
				break;
			}
			if (!buf_add(&w, p++, 1))
				fatalx("cmd_split");
		}
		words = xreallocarray(words, count + 2, sizeof *words);
		words[count++] = xstrndup(w.data != NULL ? w.data : "", w.len);
		words[count] = NULL;
	}
	if (words == NULL)
		words = xcalloc(1, sizeof *words);
	buf_free(&w);
	*out = words;
	*n = count;
	return true;
fail:
	buf_free(&w);
	cmd_free_words(words, count);
	*out = NULL;
	*n = 0;
	return false;
}

const struct command *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < ncommands; i++) {
		if (strcmp(commands[i].name, name) == 0 ||
		    (commands[i].alias != NULL &&
		    strcmp(commands[i].alias, name) == 0))
			return &commands[i];
	}
	return NULL;
}

static int
cmd_find_opt(const struct command *c, const char *name, size_t len)
{
	int	i;

	for (i = 0; i < CMD_MAXOPTS && c->opts[i].name != NULL; i++) {
		if (strlen(c->opts[i].name) == len &&
		    strncmp(c->opts[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

void
cmd_args_free(struct cmd_args *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < CMD_MAXOPTS; i++)
		free(a->opts[i]);
	free(a->argv);
	cmd_free_words(a->words, a->nwords);
	memset(a, 0, sizeof *a);
}

bool
cmd_parse(const char *line, struct cmd_args *a, char **cause)
{
	const struct command	*c;
	const char		*w, *eq, *value;
	size_t			 i, len;
	bool			 options = true;
	int			 o;

	memset(a, 0, sizeof *a);
	if (!cmd_split(line, &a->words, &a->nwords, cause))
		return false;
	if (a->nwords == 0) {
		*cause = xstrdup("no command given; help lists them");
		goto fail;
	}
	if ((c = cmd_find(a->words[0])) == NULL) {
		*cause = xasprintf("there is no command '%s'; help lists them",
		    a->words[0]);
		goto fail;
	}
	a->cmd = c;
	a->argv = xcalloc(a->nwords + 1, sizeof *a->argv);
	for (i = 1; i < a->nwords; i++) {
		w = a->words[i];
		if (options && strcmp(w, "--") == 0) {
			options = false;
			continue;
		}
		if (!options || strncmp(w, "--", 2) != 0) {
			a->argv[a->argc++] = a->words[i];
			continue;
		}
		eq = strchr(w + 2, '=');
		len = eq != NULL ? (size_t)(eq - (w + 2)) : strlen(w + 2);
		if ((o = cmd_find_opt(c, w + 2, len)) < 0) {
			*cause = xasprintf("%s has no option %.*s; usage: %s %s",
			    c->name, (int)(len + 2), w, c->name, c->usage);
			goto fail;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < a->nwords)
			value = a->words[++i];
		else {
			*cause = xasprintf("--%s needs a value (%s)",
			    c->opts[o].name, c->opts[o].arg);
			goto fail;
		}
		free(a->opts[o]);
		a->opts[o] = xstrdup(value);
	}
	if (a->argc < c->min || a->argc > c->max) {
		*cause = xasprintf("usage: %s %s", c->name, c->usage);
		goto fail;
	}
	return true;
fail:
	cmd_args_free(a);
	return false;
}

const char *
cmd_opt(const struct cmd_args *a, const char *name)
{
	int	o;

	if (a->cmd == NULL || (o = cmd_find_opt(a->cmd, name,
	    strlen(name))) < 0)
		return NULL;
	return a->opts[o];
}

enum cmd_complete
cmd_completion(const char *before, const char *word)
{
	const struct command	*c;
	enum cmd_complete	 what = COMPLETE_NONE;
	char			**words = NULL, *cause = NULL;
	size_t			  n = 0, i, npos = 0;
	int			  o;

	if (!cmd_split(before != NULL ? before : "", &words, &n, &cause)) {
		free(cause);
		return COMPLETE_NONE;
	}
	if (n == 0) {
		what = COMPLETE_COMMAND;
		goto out;
	}
	if ((c = cmd_find(words[0])) == NULL)
		goto out;
	if (word != NULL && word[0] == '-') {
		what = c->opts[0].name != NULL ? COMPLETE_OPTION :
		    COMPLETE_NONE;
		goto out;
	}
	for (i = 1; i < n; i++) {
		if (strncmp(words[i], "--", 2) == 0 && words[i][2] != '\0') {
			o = cmd_find_opt(c, words[i] + 2, strlen(words[i] + 2));
			if (o >= 0 && strchr(words[i], '=') == NULL) {
				if (i + 1 == n) {
					what = c->opts[o].complete;
					goto out;
				}
				i++;
			}
			continue;
		}
		npos++;
	}
	if (npos < c->max)
		what = c->complete;
out:
	cmd_free_words(words, n);
	return what;
}

void
cmd_help(struct buf *b)
{
	const struct command	*c;
	char			*head;
	size_t			 i;
	int			 w = 0, hw;

	for (i = 0; i < ncommands; i++) {
		c = &commands[i];
		head = xasprintf("%s %s", c->name, c->usage);
		if ((hw = text_width(head)) > w)
			w = hw;
		free(head);
	}
	for (i = 0; i < ncommands; i++) {
		c = &commands[i];
		head = xasprintf("%s %s", c->name, c->usage);
		if (!buf_printf(b, "  %-*s  %s%s%s%s\n", w, head, c->summary,
		    c->alias != NULL ? " (also " : "", c->alias != NULL ?
		    c->alias : "", c->alias != NULL ? ")" : ""))
			fatalx("cmd_help");
		free(head);
	}
}
