/*
 * embed: files built into soukd (see scripts/embed.c): the SQL migrations
 * in name order and the OpenAPI document.
 */
#ifndef SOUKD_EMBED_H
#define SOUKD_EMBED_H

#include <stddef.h>

struct embed_file {
	const char	*name;
	const char	*data;		/* NUL-terminated */
	size_t		 len;
};

extern const struct embed_file	migrations[];
extern const size_t		migrations_count;
extern const struct embed_file	openapi[];
extern const size_t		openapi_count;

#endif
