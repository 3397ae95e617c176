#include <stdlib.h>

#include "api.h"
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
	&images_module,
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
