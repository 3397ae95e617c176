#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "outbox.h"
#include "stock.h"
#include "xmalloc.h"

/* A lost race for the fullest location is tried again this often. */
#define STOCK_RESERVE_TRIES	3
/* Reservations the stock.expire job releases per run. */
#define STOCK_EXPIRE_BATCH	"500"

static const struct db_stmt stock_stmts[] = {
	/*
	 * $1 variant, $2 location or NULL, $3 quantity, $4 ref, $5 seconds
	 * to expiry or NULL, $6 actor.  The location is picked from a
	 * snapshot; the UPDATE checks available again on the row it locks,
	 * so a stale pick only fails (and is tried again), never oversells.
	 */
	{ "stock_reserve",
	  "WITH loc AS ("
	  " SELECT s.location_id FROM stock s"
	  " JOIN stock_locations l ON l.id = s.location_id AND l.active"
	  " WHERE s.variant_id = $1 AND ($2::bigint IS NULL OR"
	  "  s.location_id = $2) AND s.available >= $3"
	  " ORDER BY s.available DESC, s.location_id LIMIT 1), "
	  "upd AS ("
	  " UPDATE stock s SET available = s.available - $3,"
	  "  reserved = s.reserved + $3, updated_at = now() FROM loc"
	  " WHERE s.variant_id = $1 AND s.location_id = loc.location_id"
	  "  AND s.available >= $3"
	  " RETURNING s.location_id, s.available, s.reserved), "
	  "res AS ("
	  " INSERT INTO stock_reservations (variant_id, location_id, quantity,"
	  "  ref, expires_at, created_by)"
	  " SELECT $1, upd.location_id, $3, $4,"
	  "  now() + make_interval(secs => $5::bigint), $6 FROM upd"
	  " RETURNING id, location_id), "
	"mov AS ("
	  " INSERT INTO stock_movements (variant_id, location_id, kind,"
	  "  available_delta, reserved_delta, available_after, reserved_after,"
	  "  reservation_id, actor_id)"
	  " SELECT $1, upd.location_id, 'reservation', -$3, $3, upd.available,"
	  "  upd.reserved, res.id, $6 FROM upd, res) "
	  "SELECT res.id, res.location_id FROM res" },
	/* Whether the variant is a product's, and whether the location is
	 * its vendor's: why a reservation found nothing. */
	{ "stock_known",
	  "SELECT EXISTS (SELECT 1 FROM variants v JOIN listings l"
	  "  ON l.id = v.listing_id WHERE v.id = $1 AND l.kind = 'product'),"
	  " $2::bigint IS NULL OR EXISTS (SELECT 1 FROM variants v"
	  "  JOIN stock_locations s ON s.vendor_id = v.vendor_id"
	  "  WHERE v.id = $1 AND s.id = $2 AND s.active)" },
	/*
	 * Closes a held reservation: $1 id, $2 the new state (released,
	 * expired: units go back; committed: they are sold), $3 actor.
	 */
	{ "stock_close",
	  "WITH r AS ("
	  " UPDATE stock_reservations SET state = $2, closed_at = now()"
	  " WHERE id = $1 AND state = 'held'"
	  " RETURNING id, variant_id, location_id, quantity), "
	  "upd AS ("
	  " UPDATE stock s SET"
	  "  available = s.available + CASE WHEN $2 = 'committed' THEN 0"
	  "   ELSE r.quantity END,"
	  "  reserved = s.reserved - r.quantity, updated_at = now() FROM r"
	  " WHERE s.variant_id = r.variant_id AND s.location_id = r.location_id"
	  " RETURNING s.variant_id, s.location_id, s.available, s.reserved), "
	  "mov AS ("
	  " INSERT INTO stock_movements (variant_id, location_id, kind,"
	  "  available_delta, reserved_delta, available_after, reserved_after,"
	  "  reservation_id, actor_id)"
	  " SELECT r.variant_id, r.location_id, CASE WHEN $2 = 'committed'"
	  "  THEN 'sale' ELSE 'release' END, CASE WHEN $2 = 'committed' THEN 0"
	  "  ELSE r.quantity END, -r.quantity, upd.available, upd.reserved,"
	  "  r.id, $3 FROM r, upd), "
	  /* Units sold make a listing popular. */
	  "pop AS ("
	  " UPDATE listings l SET popularity = l.popularity + r.quantity"
	  " FROM r JOIN variants x ON x.id = r.variant_id"
	  " WHERE $2 = 'committed' AND l.id = x.listing_id) "
	  "SELECT r.variant_id, r.quantity FROM r" },
	{ "stock_reservation_state",
	  "SELECT state FROM stock_reservations WHERE id = $1" },
	/* The row of a variant at a location, made on first use. */
	{ "stock_row",
	  "INSERT INTO stock (variant_id, location_id) VALUES ($1, $2)"
	  " ON CONFLICT DO NOTHING" },
	/*
	 * $1 variant, $2 location, $3 kind, $4 delta, $5 note, $6 actor.  A
	 * change that would go below zero changes nothing (no row comes
	 * back).
	 */
	{ "stock_adjust",
	  "WITH upd AS ("
	  " UPDATE stock s SET available = s.available + $4, updated_at = now()"
	  " WHERE s.variant_id = $1 AND s.location_id = $2"
	  "  AND s.available + $4 >= 0"
	  " RETURNING s.available, s.reserved), "
	  "mov AS ("
	  " INSERT INTO stock_movements (variant_id, location_id, kind,"
	  "  available_delta, reserved_delta, available_after, reserved_after,"
	  "  note, actor_id)"
	  " SELECT $1, $2, $3, $4, 0, upd.available, upd.reserved, $5, $6"
	  " FROM upd) "
	  "SELECT available FROM upd" },
	/* The variant's stock everywhere, and when to call it low. */
	/* Only open locations sell. */
	{ "stock_level",
	  "SELECT coalesce((SELECT sum(s.available) FROM stock s"
	  "  JOIN stock_locations l ON l.id = s.location_id AND l.active"
	  "  WHERE s.variant_id = $1), 0), v.low_stock_at"
	  " FROM variants v WHERE v.id = $1" },
	/* What the stock.low message says, and to whom. */
	{ "stock_low_facts",
	  "SELECT l.title, v.sku, coalesce((SELECT sum(s.available) FROM stock s"
	  "  JOIN stock_locations o ON o.id = s.location_id AND o.active"
	  "  WHERE s.variant_id = v.id), 0), v.low_stock_at,"
	  " (SELECT array_agg(u.id)::text FROM users u"
	  "  WHERE u.vendor_id = v.vendor_id AND u.status = 'active')"
	  " FROM variants v JOIN listings l ON l.id = v.listing_id"
	  " WHERE v.id = $1 AND v.status = 'active' AND l.status <> 'archived'" },
	{ "stock_expired",
	  "SELECT id FROM stock_reservations WHERE state = 'held'"
	  " AND expires_at <= now() ORDER BY expires_at"
	  " LIMIT " STOCK_EXPIRE_BATCH " FOR UPDATE SKIP LOCKED" },
};

enum {
	STMT_RESERVE, STMT_KNOWN, STMT_CLOSE, STMT_STATE, STMT_ROW, STMT_ADJUST,
	STMT_LEVEL, STMT_LOW_FACTS, STMT_EXPIRED,
};

void
stock_init(void)
{
	db_register(stock_stmts, sizeof stock_stmts / sizeof stock_stmts[0]);
}

/*
 * After a change of delta units of available stock, enqueues stock.low if
 * it took the variant from above its level to at or below it.
 */
static bool
stock_check_low(struct db *db, int64_t variant, int delta)
{
	char		 id[24], *payload, *key;
	const char	*params[1] = { id };
	struct job_new	 job;
	PGresult	*res;
	int64_t		 now_total, level, job_id;
	bool		 ok = true;

	if (delta >= 0)
		return true;
	snprintf(id, sizeof id, "%lld", (long long)variant);
	if ((res = db_exec(db, &stock_stmts[STMT_LEVEL], 1, params)) == NULL)
		return false;
	if (PQntuples(res) == 1) {
		now_total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		level = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		if (now_total <= level && now_total - delta > level) {
			payload = xasprintf("{\"variant_id\":%s}", id);
			key = xasprintf("stock.low:%s", id);
			memset(&job, 0, sizeof job);
			job.kind = "stock.low";
			job.payload = payload;
			job.unique_key = key;
			ok = jobs_enqueue(db, &job, &job_id);
			free(payload);
			free(key);
		}
	}
	PQclear(res);
	return ok;
}

enum stock_result
stock_reserve(struct db *db, int64_t variant, int64_t location, int qty,
    const char *ref, int64_t expires_s, int64_t actor,
    struct stock_reservation *out)
{
	char		 v[24], loc[24], q[16], exp[24], who[24];
	const char	*params[6] = { v, location > 0 ? loc : NULL, q, ref,
			    expires_s > 0 ? exp : NULL, actor > 0 ? who : NULL };
	PGresult	*res;
	int		 try;

	memset(out, 0, sizeof *out);
	if (qty <= 0)
		return STOCK_SHORT;
	snprintf(v, sizeof v, "%lld", (long long)variant);
	snprintf(loc, sizeof loc, "%lld", (long long)location);
	snprintf(q, sizeof q, "%d", qty);
	snprintf(exp, sizeof exp, "%lld", (long long)expires_s);
	snprintf(who, sizeof who, "%lld", (long long)actor);
	for (try = 0; try < STOCK_RESERVE_TRIES; try++) {
		if ((res = db_exec(db, &stock_stmts[STMT_RESERVE], 6,
		    params)) == NULL)
			return STOCK_FAILED;
		if (PQntuples(res) == 1) {
			out->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			out->location_id = strtoll(PQgetvalue(res, 0, 1), NULL,
			    10);
			out->variant_id = variant;
			out->quantity = qty;
			PQclear(res);
			return stock_check_low(db, variant, -qty) ? STOCK_OK :
			    STOCK_FAILED;
		}
		PQclear(res);
	}
	/* Nothing had enough: say whether there was anything to reserve. */
	if ((res = db_exec(db, &stock_stmts[STMT_KNOWN], 2, params)) == NULL)
		return STOCK_FAILED;
	try = PQgetvalue(res, 0, 0)[0] == 't' && PQgetvalue(res, 0, 1)[0] ==
	    't';
	PQclear(res);
	return try ? STOCK_SHORT : STOCK_NOT_FOUND;
}

static enum stock_result
stock_close(struct db *db, int64_t reservation, const char *state,
    int64_t actor)
{
	char		 id[24], who[24];
	const char	*params[3] = { id, state, actor > 0 ? who : NULL };
	PGresult	*res;

	snprintf(id, sizeof id, "%lld", (long long)reservation);
	snprintf(who, sizeof who, "%lld", (long long)actor);
	if ((res = db_exec(db, &stock_stmts[STMT_CLOSE], 3, params)) == NULL)
		return STOCK_FAILED;
	if (PQntuples(res) == 1) {
		PQclear(res);
		return STOCK_OK;
	}
	PQclear(res);
	if ((res = db_exec(db, &stock_stmts[STMT_STATE], 1, params)) == NULL)
		return STOCK_FAILED;
	state = PQntuples(res) == 0 ? NULL : "";
	PQclear(res);
	return state == NULL ? STOCK_NOT_FOUND : STOCK_STATE;
}

enum stock_result
stock_release(struct db *db, int64_t reservation, const char *why,
    int64_t actor)
{
	return stock_close(db, reservation, strcmp(why, "expired") == 0 ?
	    "expired" : "released", actor);
}

enum stock_result
stock_commit(struct db *db, int64_t reservation, int64_t actor)
{
	return stock_close(db, reservation, "committed", actor);
}

enum stock_result
stock_adjust(struct db *db, int64_t variant, int64_t location,
    const char *kind, int delta, const char *note, int64_t actor,
    int *available_after)
{
	char		 v[24], loc[24], d[16], who[24];
	const char	*params[6] = { v, loc, kind, d, note, actor > 0 ? who :
			    NULL };
	PGresult	*res;

	snprintf(v, sizeof v, "%lld", (long long)variant);
	snprintf(loc, sizeof loc, "%lld", (long long)location);
	snprintf(d, sizeof d, "%d", delta);
	snprintf(who, sizeof who, "%lld", (long long)actor);
	/* A separate statement: a CTE could not see the row it made. */
	if ((res = db_exec(db, &stock_stmts[STMT_ROW], 2, params)) == NULL)
		return STOCK_FAILED;
	PQclear(res);
	if ((res = db_exec(db, &stock_stmts[STMT_ADJUST], 6, params)) == NULL)
		return STOCK_FAILED;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return STOCK_SHORT;
	}
	*available_after = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return stock_check_low(db, variant, delta) ? STOCK_OK : STOCK_FAILED;
}

/* --- jobs ---------------------------------------------------------------- */

enum job_result
stock_low_run(struct job *j, struct db *db)
{
	static const enum notify_channel chans[] = { NOTIFY_EMAIL, NOTIFY_PUSH };
	struct outbox_msg	 m;
	char			 id[24], *users, *p, *end;
	const char		*params[1] = { id };
	PGresult		*res;
	json_t			*vars;
	int64_t			 user, nid;
	size_t			 c;
	bool			 ok = true;

	snprintf(id, sizeof id, "%lld", (long long)json_integer_value(
	    json_object_get(j->payload, "variant_id")));
	if ((res = db_exec(db, &stock_stmts[STMT_LOW_FACTS], 1, params)) ==
	    NULL) {
		j->error = xasprintf("%s", db_message(db));
		return JOB_RETRY;
	}
	/* Gone, archived, or restocked since: nothing to say. */
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 4) ||
	    strtoll(PQgetvalue(res, 0, 2), NULL, 10) > strtoll(PQgetvalue(res,
	    0, 3), NULL, 10)) {
		PQclear(res);
		return JOB_DONE;
	}
	vars = json_pack("{s:s, s:s, s:s}", "listing.title", PQgetvalue(res,
	    0, 0), "variant.sku", PQgetvalue(res, 0, 1), "stock.available",
	    PQgetvalue(res, 0, 2));
	/* {1,2,3} */
	users = xstrdup(PQgetvalue(res, 0, 4));
	PQclear(res);
	for (p = users + 1; ok && *p != '\0' && *p != '}'; p = end + 1) {
		user = strtoll(p, &end, 10);
		for (c = 0; ok && c < sizeof chans / sizeof chans[0]; c++) {
			memset(&m, 0, sizeof m);
			m.kind = "stock.low";
			m.user_id = user;
			m.channel = chans[c];
			m.vars = vars;
			ok = outbox_enqueue(db, &m, &nid);
		}
		if (*end != ',')
			break;
	}
	free(users);
	json_decref(vars);
	if (!ok) {
		j->error = xasprintf("%s", db_message(db));
		return JOB_RETRY;
	}
	return JOB_DONE;
}

enum job_result
stock_expire_run(struct job *j, struct db *db)
{
	PGresult	*res;
	int		 i, n;

	if ((res = db_exec(db, &stock_stmts[STMT_EXPIRED], 0, NULL)) == NULL)
		goto fail;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (stock_release(db, strtoll(PQgetvalue(res, i, 0), NULL, 10),
		    "expired", 0) == STOCK_FAILED) {
			PQclear(res);
			goto fail;
		}
	}
	PQclear(res);
	if (n > 0)
		log_info("stock: released %d expired reservations", n);
	return JOB_DONE;
fail:
	j->error = xasprintf("%s", db_message(db));
	return JOB_RETRY;
}
