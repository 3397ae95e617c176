/*
 * stock: the inventory primitives.  Every change of a variant's stock at a
 * location goes through here, inside the caller's transaction, and writes
 * its line in the stock_movements ledger.
 *
 * available is what can still be sold; reserved is held for orders (or
 * by the vendor by hand) until it is committed (sold) or released.
 * Reserving is one conditional UPDATE (available >= n), so concurrent
 * reservations serialise on the stock row and can never take it below
 * zero; a CHECK constraint stands behind it.  Checkout uses stock_reserve
 * inside the order's transaction and commits or releases with the
 * payment; unpaid reservations expire through the stock.expire job.
 *
 * When a change takes a variant's stock (all locations) from above its
 * low_stock_at to at or below it, a stock.low job tells the vendor.
 */
#ifndef SOUKD_STOCK_H
#define SOUKD_STOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "jobs.h"

struct db;

enum stock_result {
	STOCK_OK,
	STOCK_SHORT,		/* not enough available (nothing changed) */
	STOCK_NOT_FOUND,	/* no such variant, location or reservation */
	STOCK_STATE,		/* the reservation is not held any more */
	STOCK_FAILED,		/* the database failed: see db's status */
};

struct stock_reservation {
	int64_t	 id;
	int64_t	 variant_id;
	int64_t	 location_id;
	int	 quantity;
};

/*
 * Holds qty units of variant at location (0: the active location that
 * has the most) for ref ("order:42"), until expires_s seconds from now
 * (0: until released).  actor is the user acting (0: none).
 */
enum stock_result stock_reserve(struct db *, int64_t variant,
	    int64_t location, int qty, const char *ref, int64_t expires_s,
	    int64_t actor, struct stock_reservation *out);
/* Gives a held reservation's units back (why: "released" or "expired"). */
enum stock_result stock_release(struct db *, int64_t reservation,
	    const char *why, int64_t actor);
/* The reserved units are sold: they leave the stock. */
enum stock_result stock_commit(struct db *, int64_t reservation,
	    int64_t actor);
/*
 * Changes available by delta (kind restock: delta > 0; adjustment: either
 * sign, with a note) at location; the location's stock row is made on
 * first use.  STOCK_SHORT if it would go below zero.
 */
enum stock_result stock_adjust(struct db *, int64_t variant,
	    int64_t location, const char *kind, int delta, const char *note,
	    int64_t actor, int *available_after);

/* Registers the statements; before any connection. */
void	stock_init(void);

/* The stock.low job: tells the vendor's people. */
enum job_result stock_low_run(struct job *, struct db *);
/* The stock.expire job: releases reservations past their time. */
enum job_result stock_expire_run(struct job *, struct db *);

#endif
