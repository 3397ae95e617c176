/*
 * openapi: serves the OpenAPI 3.1 description of the API
 * (daemon/openapi.json, built into soukd).
 */
#include "api.h"
#include "embed.h"
#include "req.h"

static void
openapi_get(struct req *r)
{
	req_reply_json_text(r, 200, openapi[0].data, openapi[0].len);
}

static const struct route openapi_routes[] = {
	{ "GET", "/v1/openapi.json", openapi_get, NULL, "public",
	  "this API's OpenAPI 3.1 description", 0 },
};

const struct api_module openapi_module = {
	"openapi", openapi_routes, API_NELEM(openapi_routes), NULL, 0,
};
