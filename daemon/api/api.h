/*
 * api: the resources soukd serves.  Each resource file (api/<noun>.c) owns
 * its routes, its request validation, its SQL and its JSON shape, and
 * exports one struct api_module; api.c lists them.  Adding a resource is
 * adding its file and one line to that list.
 */
#ifndef SOUKD_API_H
#define SOUKD_API_H

#include <stddef.h>

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
extern const struct api_module images_module;

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
