#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "req.h"
#include "xmalloc.h"

static const struct api_module *const api_modules[] = {
	&health_module,
	&openapi_module,
	&regions_module,
	&stream_module,
	&auth_module,
	&me_module,
	&users_module,
	&apikeys_module,
	&audit_module,
	&notifications_module,
	&otp_module,
	&signup_module,
	&jobs_api_module,
	&registrations_module,
	&taxonomy_module,
	&vendors_module,
	&listings_module,
	&inventory_module,
	&products_module,
	&listings_csv_module,
	&invitations_module,
	&oauth_module,
	&images_module,
	/* tele-calling: queues, calls, callbacks, DNC, agents */
	&queues_module,
	&calls_module,
	&leads_module,
	&leads_csv_module,
	&capture_module,
	&queries_module,
	/* click-to-call: Twilio Voice's status callbacks */
	&voice_module,
};

const struct config *api_config;

const struct route **
api_routes(size_t *n)
{
	const struct route	**list;
	size_t			  i, j, total = 0;

	for (i = 0; i < API_NELEM(api_modules); i++)
		total += api_modules[i]->nroutes;
	list = xcalloc(total, sizeof *list);
	*n = 0;
	for (i = 0; i < API_NELEM(api_modules); i++) {
		for (j = 0; j < api_modules[i]->nroutes; j++)
			list[(*n)++] = &api_modules[i]->routes[j];
	}
	return list;
}

void
api_register_statements(void)
{
	size_t	i;

	for (i = 0; i < API_NELEM(api_modules); i++) {
		if (api_modules[i]->nstmts > 0)
			db_register(api_modules[i]->stmts,
			    api_modules[i]->nstmts);
	}
}

void
api_db_problem(struct req *r, struct db *db, const struct api_constraint *map,
    size_t n)
{
	size_t	i;

	if (db_status(db) == DB_CONSTRAINT) {
		for (i = 0; i < n; i++) {
			if (strcmp(db_constraint(db), map[i].constraint) != 0)
				continue;
			if (map[i].field == NULL) {
				req_problem(r, "conflict", "%s", map[i].msg);
				return;
			}
			req_field_error(r, map[i].field, "refused", "%s",
			    map[i].msg);
			req_fail_fields(r);
			return;
		}
	}
	req_db_problem(r, db);
}

bool
api_check_line(struct req *r, const char *field, const char *s)
{
	const unsigned char	*p;

	if (s == NULL)
		return true;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			req_field_error(r, field, "invalid", "must be one line "
			    "without control characters");
			return false;
		}
	}
	if (s[0] == ' ' || (s[0] != '\0' && s[strlen(s) - 1] == ' ')) {
		req_field_error(r, field, "invalid", "must not start or end "
		    "with a space");
		return false;
	}
	return true;
}

bool
api_check_text(struct req *r, const char *field, const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; p != NULL && *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f) {
			req_field_error(r, field, "invalid", "must not hold "
			    "control characters other than line breaks");
			return false;
		}
	}
	return true;
}

bool
api_check_slug(struct req *r, const char *field, const char *s)
{
	size_t	i, n;

	if (s == NULL)
		return true;
	n = strlen(s);
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (s[i] == '-' && i > 0 && i + 1 < n && s[i - 1] != '-')
			continue;
		break;
	}
	if (n == 0 || n > 100 || i < n) {
		req_field_error(r, field, "invalid", "must be lower-case "
		    "letters and digits in words joined by dashes "
		    "(mobile-phones), at most 100 characters");
		return false;
	}
	return true;
}

bool
api_check_names(struct req *r, const char *field, json_t *names)
{
	const char	*lang;
	json_t		*v;
	size_t		 n;

	json_object_foreach(names, lang, v) {
		n = strlen(lang);
		if (n < 2 || n > 3 || strspn(lang,
		    "abcdefghijklmnopqrstuvwxyz") != n || !json_is_string(v) ||
		    json_string_length(v) == 0 || json_string_length(v) > 400 ||
		    strchr(json_string_value(v), '\n') != NULL) {
			req_field_error(r, field, "invalid", "must map language "
			    "codes (hi, ta, ...) to names of one line");
			return false;
		}
		if (!api_check_line(r, field, json_string_value(v)))
			return false;
	}
	return true;
}
