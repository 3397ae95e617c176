#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "template.h"

#define TEMPLATE_NAME_MAX 64

static bool
template_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '.';
}

/*
 * At p (just after "{{"), reads " name " and "}}".  Returns the end (past
 * "}}") and the name's span, or NULL if malformed.
 */
static const char *
template_var(const char *p, const char **name, size_t *len)
{
	while (*p == ' ')
		p++;
	*name = p;
	while (template_name_char(*p))
		p++;
	*len = (size_t)(p - *name);
	while (*p == ' ')
		p++;
	if (*len == 0 || *len > TEMPLATE_NAME_MAX || p[0] != '}' ||
	    p[1] != '}')
		return NULL;
	return p + 2;
}

bool
template_check(const char *text, const char *const *vars, char **cause)
{
	const char	*p = text, *open, *name, *end;
	size_t		 len;
	const char *const *v;
	bool		 known;

	if (text == NULL)
		return true;
	while ((open = strstr(p, "{{")) != NULL) {
		if ((end = template_var(open + 2, &name, &len)) == NULL) {
			*cause = xasprintf("malformed variable at \"%.20s\": "
			    "write {{name}} with letters, digits, _ and .",
			    open);
			return false;
		}
		known = false;
		for (v = vars; *v != NULL && !known; v++)
			known = strlen(*v) == len && strncmp(*v, name, len) == 0;
		if (!known) {
			*cause = xasprintf("unknown variable {{%.*s}}", (int)len,
			    name);
			return false;
		}
		p = end;
	}
	return true;
}

static void
template_add_value(struct buf *b, const json_t *v, enum template_mode mode)
{
	char		 num[64];
	const char	*s, *p;

	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_real(v)) {
		snprintf(num, sizeof num, "%g", json_real_value(v));
		s = num;
	} else
		return;
	for (p = s; *p != '\0'; p++) {
		const char	*out = NULL;
		char		 c = *p;

		if (mode == TEMPLATE_HTML) {
			switch (c) {
			case '&': out = "&amp;"; break;
			case '<': out = "&lt;"; break;
			case '>': out = "&gt;"; break;
			case '"': out = "&quot;"; break;
			case '\'': out = "&#39;"; break;
			}
		} else if (mode == TEMPLATE_SUBJECT && (c == '\r' || c == '\n' ||
		    c == '\t'))
			out = " ";
		if ((out != NULL && !buf_adds(b, out)) ||
		    (out == NULL && !buf_add(b, &c, 1)))
			fatalx("template_add_value");
	}
}

char *
template_render(const char *text, json_t *values, enum template_mode mode)
{
	struct buf	 b;
	const char	*p = text, *open, *name, *end;
	char		 key[TEMPLATE_NAME_MAX + 1];
	size_t		 len;
	json_t		*v;

	buf_init(&b, 0);
	while ((open = strstr(p, "{{")) != NULL) {
		if (!buf_add(&b, p, (size_t)(open - p)))
			fatalx("template_render");
		if ((end = template_var(open + 2, &name, &len)) == NULL) {
			/* Not a variable (checked templates have none). */
			if (!buf_add(&b, "{{", 2))
				fatalx("template_render");
			p = open + 2;
			continue;
		}
		memcpy(key, name, len);
		key[len] = '\0';
		if ((v = json_object_get(values, key)) != NULL)
			template_add_value(&b, v, mode);
		else
			log_warn("template variable {{%s}} has no value", key);
		p = end;
	}
	if (!buf_adds(&b, p))
		fatalx("template_render");
	return buf_take(&b, NULL);
}

json_t *
template_variables(const char *text)
{
	json_t		*names = json_array(), *n;
	const char	*p = text, *open, *name, *end;
	size_t		 len, i;
	bool		 seen;

	while (text != NULL && (open = strstr(p, "{{")) != NULL) {
		if ((end = template_var(open + 2, &name, &len)) == NULL) {
			p = open + 2;
			continue;
		}
		seen = false;
		json_array_foreach(names, i, n)
			seen = seen || (json_string_length(n) == len &&
			    strncmp(json_string_value(n), name, len) == 0);
		if (!seen)
			json_array_append_new(names, json_stringn(name, len));
		p = end;
	}
	return names;
}
