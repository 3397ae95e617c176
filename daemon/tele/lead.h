/*
 * lead: what tele-calling's resources share about a lead (leads, calls,
 * DNC, queries, web-form capture): the one way a typed phone number
 * becomes the E.164 key that dedupe, the do-not-call list and the next
 * lead all compare, and the check of a lead's fields.  In SQL
 * (0019_leads.sql): lead_json(leads) is a lead as the API shows it,
 * lead_history(id) its events, calls, callbacks and queries, and
 * lead_ingest(...) the one way a lead comes in (dedupe, routing,
 * assignment).
 */
#ifndef SOUK_TELE_LEAD_H
#define SOUK_TELE_LEAD_H

#include <stdbool.h>
#include <stddef.h>

/* Room for "+" and 15 digits and the NUL, with some to spare. */
#define TELE_PHONE_MAX	20

/*
 * Writes in's number in E.164 to out (TELE_PHONE_MAX bytes): spaces,
 * tabs, dashes, dots and parentheses are dropped; "00" before a country
 * code counts as "+".  Without a country code the number is Indian: 10
 * digits not starting with 0 (mobiles and landlines with their area
 * code), optionally after a trunk 0 or a 91; "+91 0..." loses the 0.
 * False, with out set to "", when in is NULL, empty, has anything else in
 * it, or is not a plausible number.
 */
bool	tele_phone_normalise(const char *in, char *out, size_t len)
	    __attribute__((warn_unused_result));

/* Whether s is a lead source souk knows (manual, csv_import, web_form...). */
bool	tele_lead_source_ok(const char *s);
/* Whether a lead of source s is inbound: first contact is due within the SLA. */
bool	tele_lead_source_inbound(const char *s);
/* Whether s is a lead status (new, contacted, ..., dnc, invalid). */
bool	tele_lead_status_ok(const char *s);



#include <jansson.h>

#include "jsonv.h"

/* The fields of a lead a client may send (POST and PATCH /v1/leads). */
extern const struct jsonv_field tele_lead_fields[];

/*
 * Checks a lead object already shaped by tele_lead_fields (types and
 * lengths) for what the shape cannot say, and rewrites it in place the
 * way it is stored: phone and alt_phone in E.164, email lower-cased,
 * tags without repeats.  create: phone is required.  Each problem goes to
 * err (field, code, message); returns true if there was none.
 */
bool	tele_lead_check(json_t *lead, bool create, jsonv_error_cb err,
	    void *arg);
#endif
