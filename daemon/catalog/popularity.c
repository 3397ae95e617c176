#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "num.h"
#include "popularity.h"
#include "xmalloc.h"

/* How long statistics read are used before they are read again. */
#define POPULARITY_SECS	60
/* At most this many values in a statistics array (PostgreSQL's: 10,000). */
#define POPULARITY_MAX	20000

static const struct db_stmt popularity_stmts[] = {
	{ "popularity_stats",
	  "SELECT most_common_vals::text, most_common_freqs::text,"
	  " histogram_bounds::text FROM pg_stats"
	  " WHERE schemaname = current_schema() AND tablename = 'listings'"
	  " AND attname = 'popularity'" },
};

static pthread_mutex_t		 popularity_mu = PTHREAD_MUTEX_INITIALIZER;
static struct popularity_table	 popularity_now;
static time_t			 popularity_read_at;
static bool			 popularity_reading;
static uint64_t			 popularity_enough, popularity_short;

void
popularity_init(void)
{
	db_register(popularity_stmts, sizeof popularity_stmts /
	    sizeof popularity_stmts[0]);
}

/*
 * The numbers of array text s ("{1,2,3}", NULL: none) into *out (*n of
 * them, doubles when d, else int64s); false when s is not such a text.
 */
static bool
popularity_array(const char *s, bool d, void **out, size_t *n)
{
	const char	*p, *e;
	char		 one[64], *end;
	size_t		 cap = 0;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return true;
	if (*s != '{' || s[strlen(s) - 1] != '}')
		return false;
	for (p = s + 1; *p != '}'; p = *e == ',' ? e + 1 : e) {
		e = p + strcspn(p, ",}");
		if (e == p || (size_t)(e - p) >= sizeof one || *n == POPULARITY_MAX)
			goto bad;
		memcpy(one, p, (size_t)(e - p));
		one[e - p] = '\0';
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			*out = xreallocarray(*out, cap, d ? sizeof(double) :
			    sizeof(int64_t));
		}
		if (d) {
			errno = 0;
			((double *)*out)[*n] = strtod(one, &end);
			if (*end != '\0' || errno != 0 ||
			    !isfinite(((double *)*out)[*n]))
				goto bad;
		} else if (!num_int64(one, INT64_MIN, INT64_MAX,
		    &((int64_t *)*out)[*n]))
			goto bad;
		(*n)++;
		if ((*e == '}' && e[1] != '\0') || (*e == ',' && e[1] == '}'))
			goto bad;
	}
	return true;
bad:
	free(*out);
	*out = NULL;
	*n = 0;
	return false;
}

static int
popularity_desc(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x > y ? -1 : x < y;
}

/* A common value and its frequency. */
struct popularity_common {
	int64_t		 value;
	double		 freq;
};

static int
popularity_common_desc(const void *a, const void *b)
{
	return popularity_desc(&((const struct popularity_common *)a)->value,
	    &((const struct popularity_common *)b)->value);
}

bool
popularity_table_make(struct popularity_table *t, const char *mcv,
    const char *freqs, const char *bounds)
{
	struct popularity_common *cm = NULL;
	int64_t		*mv = NULL, *hb = NULL, *v = NULL;
	double		*mf = NULL, common = 0, rest, cs = 0;
	size_t		 nmv, nmf, nhb, n = 0, i, a = 0, b = 0, buckets;
	bool		 ok = false;

	memset(t, 0, sizeof *t);
	if (!popularity_array(mcv, false, (void **)&mv, &nmv) ||
	    !popularity_array(freqs, true, (void **)&mf, &nmf) ||
	    !popularity_array(bounds, false, (void **)&hb, &nhb) || nmv != nmf)
		goto out;
	cm = xcalloc(nmv > 0 ? nmv : 1, sizeof *cm);
	for (i = 0; i < nmv; i++) {
		cm[i].value = mv[i];
		cm[i].freq = mf[i];
		common += mf[i];
	}
	qsort(cm, nmv, sizeof *cm, popularity_common_desc);
	/*
	 * Each of the histogram's buckets holds an equal part of the listings
	 * the common values leave; a bucket starts at its lower bound (the
	 * bounds but the last), taken here from the highest.
	 */
	rest = common < 1 ? 1 - common : 0;
	buckets = nhb > 1 ? nhb - 1 : 0;
	v = xcalloc(nmv + nhb > 0 ? nmv + nhb : 1, sizeof *v);
	if (nmv > 0)
		memcpy(v, mv, nmv * sizeof *v);
	if (nhb > 0)
		memcpy(v + nmv, hb, nhb * sizeof *v);
	qsort(v, nmv + nhb, sizeof *v, popularity_desc);
	if (buckets > 0)
		qsort(hb, buckets, sizeof *hb, popularity_desc);
	for (i = 0; i < nmv + nhb; i++)
		if (n == 0 || v[n - 1] != v[i])
			v[n++] = v[i];
	t->value = xcalloc(n > 0 ? n : 1, sizeof *t->value);
	t->share = xcalloc(n > 0 ? n : 1, sizeof *t->share);
	/*
	 * A value's share, from the most popular down: the common values at
	 * least as popular, and the buckets that start there or above (a
	 * bucket that starts below is not counted: the share is never more
	 * than the statistics say).
	 */
	for (i = 0; i < n; i++) {
		for (; a < nmv && cm[a].value >= v[i]; a++)
			cs += cm[a].freq;
		while (b < buckets && hb[b] >= v[i])
			b++;
		t->value[i] = v[i];
		t->share[i] = cs + (buckets > 0 ? rest * (double)b /
		    (double)buckets : 0);
	}
	t->n = n;
	ok = true;
out:
	free(cm);
	free(mv);
	free(mf);
	free(hb);
	free(v);
	return ok;
}

int64_t
popularity_table_at(const struct popularity_table *t, double share)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (t->share[i] >= share)
			return t->value[i];
	return -1;
}

void
popularity_table_free(struct popularity_table *t)
{
	free(t->value);
	free(t->share);
	memset(t, 0, sizeof *t);
}

/* Reads the statistics into *t; false when they could not be read. */
static bool
popularity_read(struct db *db, struct popularity_table *t)
{
	PGresult	*res;
	bool		 ok;

	memset(t, 0, sizeof *t);
	if ((res = db_exec(db, &popularity_stmts[0], 0, NULL)) == NULL) {
		log_warn("popularity: cannot read the statistics: %s",
		    db_message(db));
		return false;
	}
	/* No row: never analyzed (an empty table). */
	if (PQntuples(res) == 0) {
		PQclear(res);
		return true;
	}
	ok = popularity_table_make(t,
	    PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0),
	    PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1),
	    PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2));
	if (!ok)
		log_warn("popularity: statistics not as expected");
	PQclear(res);
	return ok;
}

int64_t
popularity_at(struct db *db, double share)
{
	struct popularity_table	 t;
	time_t			 now = time(NULL);
	int64_t			 p;

	pthread_mutex_lock(&popularity_mu);
	if (!popularity_reading && (popularity_read_at == 0 ||
	    now - popularity_read_at >= POPULARITY_SECS)) {
		popularity_reading = true;
		pthread_mutex_unlock(&popularity_mu);
		if (popularity_read(db, &t)) {
			pthread_mutex_lock(&popularity_mu);
			popularity_table_free(&popularity_now);
			popularity_now = t;
		} else
			pthread_mutex_lock(&popularity_mu);
		popularity_read_at = now;
		popularity_reading = false;
	}
	p = popularity_table_at(&popularity_now, share);
	pthread_mutex_unlock(&popularity_mu);
	return p;
}

void
popularity_count(bool enough)
{
	__atomic_add_fetch(enough ? &popularity_enough : &popularity_short, 1,
	    __ATOMIC_RELAXED);
}

void
popularity_stats(uint64_t *enough, uint64_t *short_)
{
	*enough = __atomic_load_n(&popularity_enough, __ATOMIC_RELAXED);
	*short_ = __atomic_load_n(&popularity_short, __ATOMIC_RELAXED);
}
