/*
 * api: the resources soukd serves.  Each resource file (api/<noun>.c) owns
 * its routes, its request validation, its SQL and its JSON shape, and
 * exports one struct api_module; api.c lists them.  Adding a resource is
 * adding its file and one line to that list.
 */
#ifndef SOUKD_API_H
#define SOUKD_API_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "db.h"
#include "router.h"

struct api_module {
	const char		*name;
	const struct route	*routes;
	size_t			 nroutes;
	const struct db_stmt	*stmts;
	size_t			 nstmts;
};

#define API_NELEM(a) (sizeof (a) / sizeof (a)[0])

struct req;

/*
 * What a constraint's refusal means to the client: a field error naming
 * field, or, with field NULL, a 409 conflict saying msg.
 */
struct api_constraint {
	const char	*constraint;
	const char	*field;
	const char	*msg;
};

/*
 * Checks of text fields that record a field error and return false:
 * a line (no control characters, no leading or trailing space), a text
 * (line breaks allowed, no other control characters), a slug
 * ("mobile-phones": lower-case letters and digits in dash-separated
 * words, at most 100 characters), and a names map of language codes to
 * lines ({"hi": "मोबाइल"}).  NULL passes.
 */
bool	api_check_line(struct req *, const char *field, const char *s);
bool	api_check_text(struct req *, const char *field, const char *s);
bool	api_check_slug(struct req *, const char *field, const char *s);
bool	api_check_names(struct req *, const char *field, json_t *names);

/*
 * Answers the database's last failure: through map when a constraint in
 * it refused the change, else as req_db_problem does.
 */
void	api_db_problem(struct req *, struct db *,
	    const struct api_constraint *map, size_t n);

extern const struct api_module health_module;
extern const struct api_module openapi_module;
extern const struct api_module regions_module;
extern const struct api_module stream_module;
extern const struct api_module auth_module;
extern const struct api_module me_module;
extern const struct api_module users_module;
extern const struct api_module apikeys_module;
extern const struct api_module audit_module;
extern const struct api_module notifications_module;
extern const struct api_module otp_module;
extern const struct api_module signup_module;
extern const struct api_module jobs_api_module;
extern const struct api_module registrations_module;
extern const struct api_module taxonomy_module;
extern const struct api_module vendors_module;
extern const struct api_module listings_module;
extern const struct api_module inventory_module;
extern const struct api_module products_module;
extern const struct api_module listings_csv_module;
extern const struct api_module invitations_module;
extern const struct api_module oauth_module;
extern const struct api_module images_module;
/* tele-calling: queues, calls, callbacks, DNC, agents */
extern const struct api_module queues_module;
extern const struct api_module calls_module;
extern const struct api_module leads_module;
extern const struct api_module leads_csv_module;
extern const struct api_module capture_module;
extern const struct api_module queries_module;
/* click-to-call: Twilio Voice's status callbacks */
extern const struct api_module voice_module;

struct config;
/* soukd's settings, for handlers that need one (set before serving). */
extern const struct config *api_config;
/* Sets the image upload routes' body cap from c (before routing). */
void	images_configure(const struct config *c);

/*
 * Every route of every module, in a new array the caller frees; *n gets
 * the count.
 */
const struct route **api_routes(size_t *n);
/* Registers every module's statements with db_register. */
void	api_register_statements(void);

#endif
