/*
 * secret: the keys souk keeps in the secrets table (the unsubscribe
 * links' HMAC key, the web-form tokens' key...).  The first soukd to ask
 * for one makes it at random; every process then reads it once and keeps
 * it, since a key never changes.
 */
#ifndef SOUKD_SECRET_H
#define SOUKD_SECRET_H

#include <stdbool.h>

#define SECRET_BYTES	32

struct db;

/*
 * The key called name (a short constant such as "unsubscribe") into key;
 * false, with the database's error in db, if it cannot be read or made.
 */
bool	secret_get(struct db *, const char *name,
	    unsigned char key[SECRET_BYTES]);

#endif
