/*
 * images: listing images, vendor logos, and serving both.
 *
 *	POST   /v1/listings/{id}/images?alt=&position=	upload (raw body)
 *	GET    /v1/listings/{id}/images			the listing's images
 *	PATCH  /v1/listings/{id}/images/{image_id}		alt, position
 *	DELETE /v1/listings/{id}/images/{image_id}
 *	PUT    /v1/vendors/{id}/logo				upload (raw body)
 *	DELETE /v1/vendors/{id}/logo
 *	GET    /v1/images/{key}				the bytes, to anyone
 *
 * An upload is checked, decoded and resized (image.c) before anything is
 * stored: the original (upright, without metadata), a medium size and a
 * thumbnail go to the media store, then one transaction records the row
 * and its audit entry.  A vendor's people touch only their own vendor's
 * listings and logo; another vendor's are answered 404, exactly as a
 * listing that does not exist, so that ids do not tell what exists.
 * Admins act on any.  Rows that go away leave their files to media.gc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "auth.h"
#include "config.h"
#include "image.h"
#include "log.h"
#include "media.h"
#include "req.h"
#include "utf8.h"

/* What the route table says before images_configure reads image_max. */
#define IMG_UPLOAD_MAX		(10 * 1024 * 1024)
#define IMG_POSITION_MAX	10000

#define IMG_JSON							\
	"json_build_object('id', i.id, 'listing_id', i.listing_id,"	\
	" 'content_type', i.content_type, 'width', i.width, 'height',"	\
	" i.height, 'size', i.size, 'alt', i.alt, 'position', i.position," \
	" 'urls', json_build_object('original', '/v1/images/' ||"	\
	" i.original_key, 'medium', '/v1/images/' || i.medium_key,"	\
	" 'thumb', '/v1/images/' || i.thumb_key), 'created_at',"	\
	" rfc3339(i.created_at))::text"

/* The caller may act on listing l: $2 their vendor, $3 whether admin. */
#define IMG_MINE	"(l.vendor_id = $2 OR $3::boolean)"

static const struct db_stmt img_stmts[] = {
	/* $1 listing: its image count, if the caller's. */
	{ "img_listing",
	  "SELECT (SELECT count(*) FROM listing_images WHERE listing_id ="
	  " l.id) FROM listings l WHERE l.id = $1 AND " IMG_MINE },
	/*
	 * The same, locked: two uploads to one listing count one after the
	 * other, so the cap holds.  NO KEY UPDATE does not block the
	 * foreign key checks of rows that refer to the listing.
	 */
	{ "img_listing_lock",
	  "SELECT (SELECT count(*) FROM listing_images WHERE listing_id ="
	  " l.id), (SELECT " IMG_JSON " FROM listing_images i WHERE"
	  " i.listing_id = l.id AND i.original_key = $4 ORDER BY i.id"
	  " LIMIT 1) FROM listings l WHERE l.id = $1 AND " IMG_MINE
	  " FOR NO KEY UPDATE OF l" },
	/* $1 listing, $2..$4 keys, $5 type, $6 width, $7 height, $8 size,
	 * $9 alt, $10 position (NULL: after the last) */
	{ "img_insert",
	  "INSERT INTO listing_images AS i (listing_id, original_key,"
	  " medium_key, thumb_key, content_type, width, height, size, alt,"
	  " position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	  " coalesce($10::int, (SELECT coalesce(max(position) + 1, 0) FROM"
	  " listing_images WHERE listing_id = $1)))"
	  " RETURNING " IMG_JSON ", i.id" },
	/* $1 listing: the images in order, if the caller's. */
	{ "img_list",
	  "SELECT (SELECT string_agg(" IMG_JSON ", ',' ORDER BY i.position,"
	  " i.id) FROM listing_images i WHERE i.listing_id = l.id)"
	  " FROM listings l WHERE l.id = $1 AND " IMG_MINE },
	/* $1 listing, $4 image */
	{ "img_lock",
	  "SELECT " IMG_JSON " FROM listing_images i JOIN listings l"
	  " ON l.id = i.listing_id WHERE i.id = $4 AND i.listing_id = $1"
	  " AND " IMG_MINE " FOR UPDATE OF i" },
	/* $1 image, $2 alt, $3 whether alt is set, $4 position */
	{ "img_update",
	  "UPDATE listing_images i SET"
	  " alt = CASE WHEN $3::boolean THEN $2 ELSE alt END,"
	  " position = coalesce($4::int, position)"
	  " WHERE i.id = $1 RETURNING " IMG_JSON },
	{ "img_delete",
	  "DELETE FROM listing_images WHERE id = $1" },
	/* $1 vendor: its logo keys, locked, if the caller's. */
	{ "img_vendor_lock",
	  "SELECT v.logo_key, v.logo_thumb_key FROM vendors v"
	  " WHERE v.id = $1 AND (v.id = $2 OR $3::boolean)"
	  " FOR NO KEY UPDATE OF v" },
	{ "img_vendor",
	  "SELECT 1 FROM vendors v WHERE v.id = $1 AND"
	  " (v.id = $2 OR $3::boolean)" },
	/* $1 vendor, $2 logo, $3 thumb */
	{ "img_logo_set",
	  "UPDATE vendors SET logo_key = $2, logo_thumb_key = $3"
	  " WHERE id = $1" },
	/*
	 * $1 key: what it is, if a listing image or a logo uses it.  KYC
	 * documents share the store, and never come out here.
	 */
	{ "img_serve",
	  "SELECT o.content_type, o.size FROM media_objects o"
	  " WHERE o.key = $1 AND"
	  " (EXISTS (SELECT 1 FROM listing_images WHERE original_key = $1)"
	  " OR EXISTS (SELECT 1 FROM listing_images WHERE medium_key = $1)"
	  " OR EXISTS (SELECT 1 FROM listing_images WHERE thumb_key = $1)"
	  " OR EXISTS (SELECT 1 FROM vendors WHERE logo_key = $1)"
	  " OR EXISTS (SELECT 1 FROM vendors WHERE logo_thumb_key = $1))" },
};

enum {
	STMT_LISTING, STMT_LISTING_LOCK, STMT_INSERT, STMT_LIST, STMT_LOCK,
	STMT_UPDATE, STMT_DELETE, STMT_VENDOR_LOCK, STMT_VENDOR, STMT_LOGO_SET,
	STMT_SERVE,
};

/* The caller's ownership parameters ($2, $3 of IMG_MINE). */
struct img_who {
	char		 vendor[24];
	const char	*admin;
};

static void
img_who(struct req *r, struct img_who *w)
{
	const struct principal	*p = req_principal(r);

	snprintf(w->vendor, sizeof w->vendor, "%lld", (long long)p->vendor_id);
	w->admin = (p->role & ROLE_ADMIN) ? "true" : "false";
}

/* A path of the image key for the JSON of a logo. */
static json_t *
img_url(const char *key)
{
	char	*s = xasprintf("/v1/images/%s", key);
	json_t	*j = json_string(s);

	free(s);
	return j;
}

/*
 * Checks and processes an uploaded image and stores what comes of it.
 * Answers the problem itself and returns false on any failure; keys gets
 * the stored original, medium and thumbnail (store_original false: no
 * original is kept, keys[0] stays NULL).
 */
static bool
img_accept(struct req *r, struct image_set *set, char *keys[3],
    bool store_original)
{
	struct image_limits	 lim;
	const struct image_variant *v[3];
	enum image_result	 res;
	const char		*data;
	char			*why = NULL, *cause = NULL;
	struct db		*db;
	size_t			 len;
	int			 i;

	keys[0] = keys[1] = keys[2] = NULL;
	data = req_body(r, &len);
	if (len == 0) {
		req_problem(r, "bad-request", "send the image as the request "
		    "body");
		return false;
	}
	if (len > api_config->image_max) {
		req_problem(r, "payload-too-large", "an image may be at most "
		    "%zu bytes", api_config->image_max);
		return false;
	}
	image_limits_from(api_config, &lim);
	/* What the file is comes from its bytes, not its headers. */
	switch ((res = image_process(data, len, &lim, set, &why))) {
	case IMAGE_OK:
		break;
	case IMAGE_NOT_IMAGE:
		req_problem(r, "unsupported-media-type", "%s", why);
		break;
	case IMAGE_TOO_LARGE:
	case IMAGE_UNDECODABLE:
		req_problem(r, "unprocessable", "%s", why);
		break;
	case IMAGE_BUSY:
		req_add_header(r, "Retry-After", "5");
		req_problem(r, "unavailable", "%s", why);
		break;
	}
	free(why);
	if (res != IMAGE_OK)
		return false;
	if ((db = req_db(r)) == NULL)
		return false;
	v[0] = &set->original;
	v[1] = &set->medium;
	v[2] = &set->thumb;
	for (i = store_original ? 0 : 1; i < 3; i++) {
		if ((keys[i] = media_put(db, v[i]->data, v[i]->len, &cause)) ==
		    NULL) {
			free(cause);
			req_problem(r, "unavailable", "the image could not be "
			    "stored; try again");
			return false;
		}
	}
	return true;
}

/* --- listing images ------------------------------------------------------- */

struct add_tx {
	struct req		*r;
	const char		*listing;
	const struct image_set	*set;
	char			*keys[3];
	const char		*alt;
	const char		*position;
	char			*json;		/* the image */
	bool			 existed;	/* the same image was there */
	const char		*refused;
	const char		*refused_code;
	char			 refused_buf[128];
};

static bool
add_tx_run(struct db *db, void *arg)
{
	struct add_tx	*t = arg;
	struct img_who	 w;
	char		 width[16], height[16], size[24], id[24];
	const char	*params[10];
	PGresult	*res;

	free(t->json);
	t->json = NULL;
	t->existed = false;
	t->refused = NULL;
	img_who(t->r, &w);
	params[0] = t->listing;
	params[1] = w.vendor;
	params[2] = w.admin;
	params[3] = t->keys[0];
	if ((res = db_exec(db, &img_stmts[STMT_LISTING_LOCK], 4, params)) ==
	    NULL)
		return false;
	if (PQntuples(res) == 0) {
		PQclear(res);
		t->refused_code = "not-found";
		t->refused = "there is no such listing";
		return false;
	}
	/* The same bytes again (a retried upload): the image there. */
	if (!PQgetisnull(res, 0, 1)) {
		t->json = xstrdup(PQgetvalue(res, 0, 1));
		t->existed = true;
		PQclear(res);
		return true;
	}
	if (strtoll(PQgetvalue(res, 0, 0), NULL, 10) >=
	    api_config->listing_images_max) {
		PQclear(res);
		t->refused_code = "unprocessable";
		snprintf(t->refused_buf, sizeof t->refused_buf, "a listing "
		    "holds at most %lld images: remove one first",
		    (long long)api_config->listing_images_max);
		t->refused = t->refused_buf;
		return false;
	}
	PQclear(res);
	snprintf(width, sizeof width, "%d", t->set->original.width);
	snprintf(height, sizeof height, "%d", t->set->original.height);
	snprintf(size, sizeof size, "%zu", t->set->original.len);
	params[0] = t->listing;
	params[1] = t->keys[0];
	params[2] = t->keys[1];
	params[3] = t->keys[2];
	params[4] = t->set->source_type;
	params[5] = width;
	params[6] = height;
	params[7] = size;
	params[8] = t->alt;
	params[9] = t->position;
	if ((res = db_exec(db, &img_stmts[STMT_INSERT], 10, params)) == NULL)
		return false;
	t->json = xstrdup(PQgetvalue(res, 0, 0));
	snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return account_audit(db, t->r, 0, "listing.image_added", "listing",
	    t->listing, NULL, t->json, id);
}

/* Records a field error unless alt is plain text of at most 200. */
static void
img_check_alt(struct req *r, const char *alt)
{
	const char	*p;

	if (alt == NULL)
		return;
	if (utf8_len(alt, strlen(alt)) > 200)
		req_field_error(r, "alt", "length", "must be at most 200 "
		    "characters");
	for (p = alt; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			req_field_error(r, "alt", "invalid", "must not hold "
			    "control characters");
			break;
		}
	}
}

static void
img_add(struct req *r)
{
	struct add_tx	 t;
	struct image_set set;
	struct img_who	 w;
	const char	*params[3];
	char		 position[24];
	int64_t		 pos = -1;
	struct db	*db;
	PGresult	*res;

	memset(&t, 0, sizeof t);
	memset(&set, 0, sizeof set);
	t.alt = req_query(r, "alt");
	img_check_alt(r, t.alt);
	if (!req_query_int(r, "position", 0, IMG_POSITION_MAX, &pos) ||
	    req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (pos >= 0) {
		snprintf(position, sizeof position, "%lld", (long long)pos);
		t.position = position;
	}
	/* Not the caller's listing: 404 before any work on the image. */
	img_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.vendor;
	params[2] = w.admin;
	if ((res = req_exec(r, &img_stmts[STMT_LISTING], 3, params)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		PQclear(res);
		req_problem(r, "not-found", "there is no listing %s",
		    params[0]);
		goto out;
	}
	if (strtoll(PQgetvalue(res, 0, 0), NULL, 10) >=
	    api_config->listing_images_max) {
		PQclear(res);
		req_problem(r, "unprocessable", "a listing holds at most %lld "
		    "images: remove one first",
		    (long long)api_config->listing_images_max);
		goto out;
	}
	PQclear(res);
	if (!img_accept(r, &set, t.keys, true))
		goto out;
	t.r = r;
	t.listing = req_param(r, "id");
	t.set = &set;
	if ((db = req_db(r)) == NULL)
		goto out;
	if (!db_tx(db, DB_READ_COMMITTED, add_tx_run, &t)) {
		if (t.refused != NULL)
			req_problem(r, t.refused_code, "%s", t.refused);
		else
			req_db_problem(r, db);
		goto out;
	}
	req_reply_json_text(r, t.existed ? 200 : 201, t.json, strlen(t.json));
out:
	free(t.keys[0]);
	free(t.keys[1]);
	free(t.keys[2]);
	free(t.json);
	image_set_free(&set);
}

static void
img_list(struct req *r)
{
	struct img_who	 w;
	const char	*params[3];
	PGresult	*res;

	img_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.vendor;
	params[2] = w.admin;
	if ((res = req_exec(r, &img_stmts[STMT_LIST], 3, params)) == NULL)
		return;
	if (PQntuples(res) == 0)
		req_problem(r, "not-found", "there is no listing %s",
		    params[0]);
	else
		/* At most listing_images_max: one page, always. */
		req_reply_page(r, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0), NULL);
	PQclear(res);
}

/* A change to one image of a listing, in one transaction. */
struct change_tx {
	struct req	*r;
	bool		 drop;
	const char	*alt;
	bool		 alt_set;
	const char	*position;
	char		*before;
	char		*after;
	bool		 missing;
};

static bool
change_tx_run(struct db *db, void *arg)
{
	struct change_tx	*t = arg;
	struct img_who		 w;
	const char		*params[4];
	const char		*image = req_param(t->r, "image_id");
	PGresult		*res;

	free(t->before);
	free(t->after);
	t->before = t->after = NULL;
	img_who(t->r, &w);
	params[0] = req_param(t->r, "id");
	params[1] = w.vendor;
	params[2] = w.admin;
	params[3] = image;
	if ((res = db_exec(db, &img_stmts[STMT_LOCK], 4, params)) == NULL)
		return false;
	if ((t->missing = PQntuples(res) == 0)) {
		PQclear(res);
		return false;
	}
	t->before = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (t->drop) {
		params[0] = image;
		if ((res = db_exec(db, &img_stmts[STMT_DELETE], 1, params)) ==
		    NULL)
			return false;
	} else {
		params[0] = image;
		params[1] = t->alt;
		params[2] = t->alt_set ? "true" : "false";
		params[3] = t->position;
		if ((res = db_exec(db, &img_stmts[STMT_UPDATE], 4, params)) ==
		    NULL)
			return false;
		t->after = xstrdup(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return account_audit(db, t->r, 0, t->drop ? "listing.image_removed" :
	    "listing.image_changed", "listing", req_param(t->r, "id"),
	    t->before, t->after, image);
}

static bool
img_change(struct req *r, struct change_tx *t)
{
	struct db	*db;

	t->r = r;
	if ((db = req_db(r)) == NULL)
		return false;
	if (!db_tx(db, DB_READ_COMMITTED, change_tx_run, t)) {
		if (t->missing)
			req_problem(r, "not-found", "there is no such image");
		else
			req_db_problem(r, db);
		return false;
	}
	return true;
}

static const struct jsonv_field img_fields[] = {
	{ "alt", JV_STRING, JV_NULLABLE, 0, 200, 0, 0, 0, NULL },
	{ "position", JV_INT, 0, 0, IMG_POSITION_MAX, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
img_edit(struct req *r)
{
	struct change_tx	 t;
	json_t			*body, *pos;
	char			 position[24];

	memset(&t, 0, sizeof t);
	if ((body = req_body_json(r, img_fields)) == NULL)
		return;
	t.alt_set = json_object_get(body, "alt") != NULL;
	t.alt = json_string_value(json_object_get(body, "alt"));
	img_check_alt(r, t.alt);
	if ((pos = json_object_get(body, "position")) != NULL) {
		snprintf(position, sizeof position, "%lld",
		    (long long)json_integer_value(pos));
		t.position = position;
	}
	if (json_object_size(body) == 0)
		req_field_error(r, "", "empty", "change alt or position");
	if (req_has_field_errors(r)) {
		req_fail_fields(r);
		goto out;
	}
	if (img_change(r, &t))
		req_reply_json_text(r, 200, t.after, strlen(t.after));
out:
	free(t.before);
	free(t.after);
	json_decref(body);
}

static void
img_drop(struct req *r)
{
	struct change_tx	t;

	memset(&t, 0, sizeof t);
	t.drop = true;
	if (img_change(r, &t))
		req_reply(r, 204, NULL, xstrdup(""), 0);
	free(t.before);
	free(t.after);
}

/* --- vendor logos -------------------------------------------------------- */

struct logo_tx {
	struct req	*r;
	const char	*logo;		/* NULL: remove */
	const char	*thumb;
	bool		 missing;
	bool		 had;		/* there was a logo */
};

static bool
logo_tx_run(struct db *db, void *arg)
{
	struct logo_tx	*t = arg;
	struct img_who	 w;
	const char	*params[3];
	char		*before = NULL, *after = NULL;
	PGresult	*res;
	bool		 ok;

	img_who(t->r, &w);
	params[0] = req_param(t->r, "id");
	params[1] = w.vendor;
	params[2] = w.admin;
	if ((res = db_exec(db, &img_stmts[STMT_VENDOR_LOCK], 3, params)) ==
	    NULL)
		return false;
	if ((t->missing = PQntuples(res) == 0)) {
		PQclear(res);
		return false;
	}
	if ((t->had = !PQgetisnull(res, 0, 0)))
		before = xasprintf("{\"logo_key\": \"%s\", \"logo_thumb_key\": "
		    "\"%s\"}", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	if (t->logo != NULL)
		after = xasprintf("{\"logo_key\": \"%s\", \"logo_thumb_key\": "
		    "\"%s\"}", t->logo, t->thumb);
	params[1] = t->logo;
	params[2] = t->thumb;
	if ((res = db_exec(db, &img_stmts[STMT_LOGO_SET], 3, params)) ==
	    NULL) {
		free(before);
		free(after);
		return false;
	}
	PQclear(res);
	ok = account_audit(db, t->r, 0, t->logo != NULL ? "vendor.logo_set" :
	    "vendor.logo_removed", "vendor", params[0], before, after, NULL);
	free(before);
	free(after);
	return ok;
}

static bool
logo_change(struct req *r, struct logo_tx *t)
{
	struct db	*db;

	t->r = r;
	if ((db = req_db(r)) == NULL)
		return false;
	if (!db_tx(db, DB_READ_COMMITTED, logo_tx_run, t)) {
		if (t->missing)
			req_problem(r, "not-found", "there is no vendor %s",
			    req_param(r, "id"));
		else
			req_db_problem(r, db);
		return false;
	}
	return true;
}

/*
 * A logo is shown small: it is kept fitted in the medium box, with a
 * thumbnail, and the full-size original is not kept at all.
 */
static void
img_logo_put(struct req *r)
{
	struct logo_tx	 t;
	struct image_set set;
	struct img_who	 w;
	const char	*params[3];
	char		*keys[3] = { NULL, NULL, NULL };
	json_t		*j;
	PGresult	*res;

	memset(&t, 0, sizeof t);
	memset(&set, 0, sizeof set);
	img_who(r, &w);
	params[0] = req_param(r, "id");
	params[1] = w.vendor;
	params[2] = w.admin;
	if ((res = req_exec(r, &img_stmts[STMT_VENDOR], 3, params)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		PQclear(res);
		req_problem(r, "not-found", "there is no vendor %s", params[0]);
		goto out;
	}
	PQclear(res);
	if (!img_accept(r, &set, keys, false))
		goto out;
	t.logo = keys[1];
	t.thumb = keys[2];
	if (!logo_change(r, &t))
		goto out;
	j = json_pack("{s:I, s:s, s:i, s:i, s:I, s:{s:o, s:o}}", "vendor_id",
	    (json_int_t)req_param_id(r, "id"), "content_type", set.medium.ctype,
	    "width", set.medium.width, "height", set.medium.height, "size",
	    (json_int_t)set.medium.len, "urls", "logo", img_url(keys[1]),
	    "thumb", img_url(keys[2]));
	if (j == NULL)
		fatalx("img_logo_put: json_pack");
	req_reply_json(r, 200, j);
out:
	free(keys[1]);
	free(keys[2]);
	image_set_free(&set);
}

static void
img_logo_drop(struct req *r)
{
	struct logo_tx	t;

	memset(&t, 0, sizeof t);
	if (logo_change(r, &t))
		req_reply(r, 204, NULL, xstrdup(""), 0);
}

/* --- serving ------------------------------------------------------------- */

/* True if an If-None-Match list names etag (or is "*"). */
static bool
img_etag_matches(const char *inm, const char *etag)
{
	const char	*p = inm;
	size_t		 n = strlen(etag);

	if (inm == NULL)
		return false;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		/* A weak validator matches too: the bytes never change. */
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' ' || p[n] == '\t'))
			return true;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return false;
}

/*
 * An object's key is the hash of its bytes: the bytes at a URL never
 * change, so any cache may keep them for good (immutable), and the key
 * is a perfect ETag.
 */
static void
img_serve(struct req *r)
{
	static const char *const img_types[] = { "image/jpeg", "image/png",
	    "image/webp" };
	const char	*key = req_param(r, "key"), *params[1] = { key };
	const char	*ctype;
	char		*etag = NULL, *bytes;
	uint64_t	 size;
	size_t		 len, i;
	PGresult	*res = NULL;
	int		 fd;

	if (!media_valid_key(key)) {
		req_problem(r, "not-found", "there is no such image");
		return;
	}
	if ((res = req_exec(r, &img_stmts[STMT_SERVE], 1, params)) == NULL)
		return;
	if (PQntuples(res) == 0) {
		req_problem(r, "not-found", "there is no such image");
		goto out;
	}
	/* The row's type, as a static string the response can keep. */
	ctype = "application/octet-stream";
	for (i = 0; i < API_NELEM(img_types); i++)
		if (strcmp(PQgetvalue(res, 0, 0), img_types[i]) == 0)
			ctype = img_types[i];
	etag = xasprintf("\"%s\"", key);
	req_add_header(r, "ETag", etag);
	req_add_header(r, "Cache-Control", "public, max-age=31536000, "
	    "immutable");
	req_add_header(r, "X-Content-Type-Options", "nosniff");
	/* Apps on other origins show these in <img>. */
	req_add_header(r, "Cross-Origin-Resource-Policy", "cross-origin");
	if (img_etag_matches(req_header(r, "If-None-Match"), etag)) {
		req_reply(r, 304, NULL, xstrdup(""), 0);
		goto out;
	}
	/* A local file goes out by sendfile, never through memory. */
	if ((fd = media_open(key, &size)) >= 0) {
		req_reply_fd(r, 200, ctype, fd, size);
		goto out;
	}
	if ((bytes = media_get(key, &len)) == NULL) {
		log_error("image %s: recorded and used, but not in the %s "
		    "store", key, media_backend_name());
		req_problem(r, "internal", "the image's file is missing");
		goto out;
	}
	req_reply(r, 200, ctype, bytes, len);
out:
	free(etag);
	PQclear(res);
}

/*
 * The upload routes' body cap is image_max, so that a Content-Length
 * over it is refused before a byte is read; the table is written before
 * the setting is known.
 */
static struct route img_routes[] = {
	{ "POST", "/v1/listings/{id}/images", img_add, "alt,position",
	  "catalog.manage", "add an image to a listing (the image is the "
	  "body)", IMG_UPLOAD_MAX },
	{ "GET", "/v1/listings/{id}/images", img_list, NULL,
	  "catalog.manage", "a listing's images", 0 },
	{ "PATCH", "/v1/listings/{id}/images/{image_id}", img_edit, NULL,
	  "catalog.manage", "change an image's alt text or position", 0 },
	{ "DELETE", "/v1/listings/{id}/images/{image_id}", img_drop, NULL,
	  "catalog.manage", "remove an image from a listing", 0 },
	{ "PUT", "/v1/vendors/{id}/logo", img_logo_put, NULL,
	  "vendor.profile", "set a vendor's logo (the image is the body)",
	  IMG_UPLOAD_MAX },
	{ "DELETE", "/v1/vendors/{id}/logo", img_logo_drop, NULL,
	  "vendor.profile", "remove a vendor's logo", 0 },
	{ "GET", "/v1/images/{key}", img_serve, NULL, "public",
	  "an image's bytes (cached for good)", 0 },
};

void
images_configure(const struct config *c)
{
	size_t	i;

	for (i = 0; i < API_NELEM(img_routes); i++)
		if (img_routes[i].max_body != 0)
			img_routes[i].max_body = c->image_max;
}

const struct api_module images_module = {
	"images", img_routes, API_NELEM(img_routes), img_stmts,
	API_NELEM(img_stmts),
};
