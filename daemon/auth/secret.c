#include <pthread.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "db.h"
#include "log.h"
#include "secret.h"

#define SECRET_NAMES	8	/* keys one process may keep */

static struct {
	const char	*name;		/* a constant of the caller's */
	unsigned char	 key[SECRET_BYTES];
}			 secret_kept[SECRET_NAMES];
static size_t		 secret_nkept;
static pthread_mutex_t	 secret_mu = PTHREAD_MUTEX_INITIALIZER;

bool
secret_get(struct db *db, const char *name, unsigned char key[SECRET_BYTES])
{
	unsigned char	 fresh[SECRET_BYTES], *k;
	char		 lit[2 * SECRET_BYTES + 3];
	const char	*params[2] = { name, lit };
	PGresult	*res;
	size_t		 i, len = 0;
	bool		 ok = false;

	pthread_mutex_lock(&secret_mu);
	for (i = 0; i < secret_nkept; i++) {
		if (strcmp(secret_kept[i].name, name) == 0) {
			memcpy(key, secret_kept[i].key, SECRET_BYTES);
			pthread_mutex_unlock(&secret_mu);
			return true;
		}
	}
	/* Ours if there is none yet; either way, the one stored. */
	randombytes_buf(fresh, sizeof fresh);
	lit[0] = '\\';
	lit[1] = 'x';
	sodium_bin2hex(lit + 2, sizeof lit - 2, fresh, sizeof fresh);
	sodium_memzero(fresh, sizeof fresh);
	res = db_query(db, "INSERT INTO secrets (name, secret) VALUES ($1, "
	    "$2::bytea) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name "
	    "RETURNING secret", 2, params);
	sodium_memzero(lit, sizeof lit);
	if (res != NULL && PQntuples(res) == 1) {
		k = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0),
		    &len);
		if (k == NULL || len != SECRET_BYTES)
			fatalx("secret_get: the stored %s key is not %d bytes",
			    name, SECRET_BYTES);
		if (secret_nkept == SECRET_NAMES)
			fatalx("secret_get: more than %d keys", SECRET_NAMES);
		secret_kept[secret_nkept].name = name;
		memcpy(secret_kept[secret_nkept++].key, k, SECRET_BYTES);
		memcpy(key, k, SECRET_BYTES);
		sodium_memzero(k, len);
		PQfreemem(k);
		ok = true;
	}
	PQclear(res);
	pthread_mutex_unlock(&secret_mu);
	return ok;
}
