/*
 * help: the keys of a view and the list of commands, both made from the
 * tables that drive them (keymap.c, cmd.c), so help says what souk does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cmd.h"
#include "keymap.h"
#include "table.h"
#include "view.h"
#include "views.h"
#include "xmalloc.h"

/* The keys of one view: where each applies goes without saying. */
static const struct table_col help_key_cols[] = {
	{ "KEYS", TABLE_TEXT, 6, 0, 0, false },
	{ "ACTION", TABLE_TEXT, 6, 0, 1, false },
	{ "WHAT IT DOES", TABLE_TEXT, 12, 0, 0, true },
	{ "WHERE", TABLE_TEXT, 5, 0, 2, false },
};

#define HELP_KEY_COLS(all)	((all) ? 4 : 3)

static const struct table_col help_cmd_cols[] = {
	{ "COMMAND", TABLE_TEXT, 7, 0, 0, false },
	{ "ARGUMENTS", TABLE_TEXT, 9, 36, 2, true },
	{ "WHAT IT DOES", TABLE_TEXT, 12, 0, 0, true },
};

static void
help_result(struct view *v, struct request *r)
{
	(void)v;
	(void)r;
}

/* Enter on a command puts it on the command line, ready to complete. */
static void
help_open(struct view *v)
{
	const char	*name = table_cursor_key(v->table);
	char		*line;

	if (name == NULL || cmd_find(name) == NULL)
		return;
	line = xasprintf("%s ", name);
	app_command_line(v->app, line);
	free(line);
}

static const struct view_ops help_ops = {
	"help", SCOPE_HELP, WIDGET_TABLE, NULL, "no help", NULL,
	help_result, NULL, NULL, 0, NULL,
};

static const struct view_ops help_commands_ops = {
	"help", SCOPE_HELP, WIDGET_TABLE, NULL, "no commands", NULL,
	help_result, help_open, NULL, 0, NULL,
};

struct view *
help_keys_view(struct app *a, const struct view *of)
{
	struct keyhelp	 lines[192];
	enum scope	 scopes[SCOPE_COUNT];
	struct view	*v;
	const char	*cells[4];
	char		*title, key[24];
	size_t		 n = 0, i, count;

	if (of != NULL) {
		scopes[n++] = of->ops->scope;
		scopes[n++] = of->ops->widget == WIDGET_TABLE ? SCOPE_TABLE :
		    SCOPE_FORM;
		scopes[n++] = SCOPE_MOVE;
		scopes[n++] = SCOPE_GLOBAL;
		title = xasprintf("keys of %s", of->ops->name);
	} else {
		for (i = SCOPE_COUNT; i-- > 0;)
			scopes[n++] = (enum scope)i;
		title = xstrdup("keys");
	}
	v = view_new(a, &help_ops, title, help_key_cols,
	    HELP_KEY_COLS(of == NULL));
	free(title);
	if (of != NULL)
		count = keymap_help(scopes, n, lines, sizeof lines /
		    sizeof lines[0]);
	else {
		/* Every binding of every scope, none hiding another. */
		for (count = 0, i = 0; i < SCOPE_COUNT; i++)
			count += keymap_help(&scopes[n - 1 - i], 1,
			    lines + count, sizeof lines / sizeof lines[0] -
			    count);
	}
	for (i = 0; i < count; i++) {
		snprintf(key, sizeof key, "%zu", i);
		cells[0] = lines[i].keys;
		cells[1] = lines[i].action;
		cells[2] = lines[i].help;
		cells[3] = scope_name(lines[i].scope);
		table_load_add(v->table, key, cells, NULL);
	}
	return v;
}

struct view *
help_commands_view(struct app *a)
{
	struct view	*v;
	const char	*cells[3];
	char		*args;
	size_t		 i;

	v = view_new(a, &help_commands_ops, "commands", help_cmd_cols,
	    sizeof help_cmd_cols / sizeof help_cmd_cols[0]);
	for (i = 0; i < ncommands; i++) {
		args = commands[i].alias != NULL ? xasprintf("%s (also :%s)",
		    commands[i].usage, commands[i].alias) :
		    xstrdup(commands[i].usage);
		cells[0] = commands[i].name;
		cells[1] = args;
		cells[2] = commands[i].summary;
		table_load_add(v->table, commands[i].name, cells, NULL);
		free(args);
	}
	return v;
}
