/*
 * Listing images and vendor logos through HTTP: what a vendor uploads
 * comes back upright, without its metadata, in three sizes that caches
 * may keep for good; what is not an image, too big or a bomb is refused
 * before it costs anything; other vendors see nothing; files nothing
 * uses any more are collected; and all of it works on an S3 bucket.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "db.h"
#include "harness.h"
#include "imgfix.h"
#include "jobs.h"
#include "media.h"
#include "store.h"
#include "suites.h"

/* A vendor with a listing, its owner and a member of its staff. */
struct shop {
	long			 vendor;
	long			 listing;
	struct test_user	*owner;
	struct test_user	*staff;
};

static long
sql_id(const char *sql, int n, const char *const *params)
{
	PGresult	*res = test_sql(sql, n, params);
	long		 id = strtol(PQgetvalue(res, 0, 0), NULL, 10);

	PQclear(res);
	return id;
}

/* A person of role working for vendor, signed in at base. */
static struct test_user *
vendor_user(const char *base, const char *role, long vendor)
{
	struct test_user	*u = test_user_new(base, role, NULL);
	char			 v[24], id[24];
	const char		*params[2] = { v, id };

	snprintf(v, sizeof v, "%ld", vendor);
	snprintf(id, sizeof id, "%ld", u->id);
	PQclear(test_sql("UPDATE users SET vendor_id = $1 WHERE id = $2", 2,
	    params));
	/* Signed in again: the token carries the vendor. */
	test_user_login(base, u);
	return u;
}

static long
new_listing(long vendor)
{
	char		*slug = test_unique("cat"), *p, v[24], cat[24];
	const char	*params[3];
	long		 id;

	for (p = slug; *p != '\0'; p++)
		if (*p == ' ')
			*p = '-';
	params[0] = slug;
	id = sql_id("INSERT INTO categories (slug, name) VALUES ($1, $1) "
	    "RETURNING id", 1, params);
	snprintf(v, sizeof v, "%ld", vendor);
	snprintf(cat, sizeof cat, "%ld", id);
	params[0] = v;
	params[1] = cat;
	id = sql_id("INSERT INTO listings (vendor_id, kind, title, "
	    "category_id) VALUES ($1, 'product', 'Brass lamp', $2) "
	    "RETURNING id", 2, params);
	free(slug);
	return id;
}

static struct shop *
shop_new(const char *base)
{
	struct shop	*s = xcalloc(1, sizeof *s);
	char		*name = test_unique("Shop"), region[24];
	const char	*params[2] = { name, region };
	long		 r;

	r = sql_id("INSERT INTO regions (kind, name) VALUES ('country', $1) "
	    "RETURNING id", 1, params);
	snprintf(region, sizeof region, "%ld", r);
	s->vendor = sql_id("INSERT INTO vendors (name, legal_name, category, "
	    "address, region_id, pincode) VALUES ($1, $1, 'Home', '1 Road', "
	    "$2, '411001') RETURNING id", 2, params);
	s->listing = new_listing(s->vendor);
	s->owner = vendor_user(base, "vendor_owner", s->vendor);
	s->staff = vendor_user(base, "vendor_staff", s->vendor);
	free(name);
	return s;
}

/* POST an image as u (ctype: the Content-Type claimed). */
static struct api_resp *
upload_to(const char *base, const struct test_user *u, long listing,
    const char *query, const void *data, size_t len, const char *ctype)
{
	char		*path = xasprintf("/v1/listings/%ld/images%s", listing,
			    query != NULL ? query : "");
	const char	*hdr[2] = { u != NULL ? u->auth : NULL, NULL };
	struct api_resp	*r = api_request(base, "POST", path, ctype, data, len,
			    hdr);

	free(path);
	return r;
}

static struct api_resp *
upload(const struct test_user *u, long listing, const char *query,
    const void *data, size_t len)
{
	return upload_to(api_base(), u, listing, query, data, len,
	    "image/jpeg");
}

static const char *
url_of(const struct api_resp *r, const char *which)
{
	return json_string_value(json_object_get(json_object_get(r->json,
	    "urls"), which));
}

/* GET an image URL without credentials, as a browser would. */
static struct api_resp *
fetch(const char *base, const char *url, const char *inm)
{
	char		*h = inm != NULL ? xasprintf("If-None-Match: %s", inm) :
			    NULL;
	const char	*hdr[2] = { h, NULL };
	struct api_resp	*r = api_request(base, "GET", url, NULL, NULL, 0,
			    hdr);

	free(h);
	return r;
}

static void
expect_header(const struct api_resp *r, const char *name, const char *want)
{
	char	*v = api_header(r, name);

	ck_assert_msg(v != NULL && strcmp(v, want) == 0, "%s: %s, expected "
	    "%s", name, v != NULL ? v : "(none)", want);
	free(v);
}

/* The image at url decodes to w x h, upright, without EXIF. */
static void
expect_image(const char *base, const char *url, const char *ctype, int w,
    int h)
{
	struct api_resp	*r = fetch(base, url, NULL);
	int		 dw, dh, bands, orientation;

	api_expect(r, 200, "GET", "/v1/images/{key}");
	expect_header(r, "Content-Type", ctype);
	imgfix_info(r->body, r->len, &dw, &dh, &bands, &orientation);
	ck_assert_int_eq(dw, w);
	ck_assert_int_eq(dh, h);
	ck_assert_int_eq(orientation, 1);
	ck_assert_msg(!imgfix_has_exif(r->body, r->len), "%s keeps EXIF", url);
	api_free(r);
}

START_TEST(test_upload_serve_and_cache)
{
	struct shop	*s = shop_new(api_base());
	struct api_resp	*r, *r2;
	char		*jpeg, *etag, *path, *key;
	size_t		 len;

	imgfix_init();
	jpeg = imgfix_jpeg(1000, 750, &len);
	/* Whatever the Content-Type says, the bytes decide. */
	r = upload_to(api_base(), s->owner, s->listing, "?alt=Front%20view",
	    jpeg, len, "application/octet-stream");
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "listing_id")), s->listing);
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "content_type")), "image/jpeg");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "width")),
	    1000);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "height")), 750);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "alt")),
	    "Front view");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "position")), 0);

	/* Three sizes, never larger than asked, all without metadata. */
	expect_image(api_base(), url_of(r, "original"), "image/jpeg", 1000,
	    750);
	expect_image(api_base(), url_of(r, "medium"), "image/jpeg", 800, 600);
	expect_image(api_base(), url_of(r, "thumb"), "image/jpeg", 200, 150);

	/* Cached for good, and revalidated for nothing. */
	r2 = fetch(api_base(), url_of(r, "thumb"), NULL);
	key = xstrdup(url_of(r, "thumb") + strlen("/v1/images/"));
	etag = xasprintf("\"%s\"", key);
	expect_header(r2, "Cache-Control", "public, max-age=31536000, "
	    "immutable");
	expect_header(r2, "ETag", etag);
	expect_header(r2, "X-Content-Type-Options", "nosniff");
	api_free(r2);
	r2 = fetch(api_base(), url_of(r, "thumb"), etag);
	ck_assert_int_eq(r2->status, 304);
	ck_assert_uint_eq(r2->len, 0);
	expect_header(r2, "ETag", etag);
	api_free(r2);
	free(etag);
	etag = xasprintf("\"nope\", W/\"%s\"", key);
	r2 = fetch(api_base(), url_of(r, "thumb"), etag);
	ck_assert_int_eq(r2->status, 304);
	api_free(r2);
	r2 = fetch(api_base(), url_of(r, "thumb"), "\"something-else\"");
	ck_assert_int_eq(r2->status, 200);
	api_free(r2);
	/* HEAD says the same without the bytes. */
	r2 = api_request(api_base(), "HEAD", url_of(r, "thumb"), NULL, NULL, 0,
	    NULL);
	ck_assert_int_eq(r2->status, 200);
	expect_header(r2, "Content-Type", "image/jpeg");
	api_free(r2);

	/* Keys that are no image of a listing: 404, however they look. */
	r2 = fetch(api_base(), "/v1/images/0000000000000000000000000000000000"
	    "000000000000000000000000000000", NULL);
	api_expect_problem(r2, 404, "not-found", NULL);
	api_free(r2);
	r2 = fetch(api_base(), "/v1/images/..%2f..%2fetc%2fpasswd", NULL);
	api_expect_problem(r2, 404, "not-found", NULL);
	api_free(r2);

	/* The management list, in order. */
	path = xasprintf("/v1/listings/%ld/images", s->listing);
	r2 = test_user_request(api_base(), s->staff, "GET", path, NULL);
	api_expect(r2, 200, "GET", "/v1/listings/{id}/images");
	ck_assert_uint_eq(json_array_size(json_object_get(r2->json, "data")),
	    1);
	ck_assert(json_is_null(json_object_get(r2->json, "next")));
	api_free(r2);

	/* The same bytes again (a retry) give the same image, not two. */
	r2 = upload(s->owner, s->listing, NULL, jpeg, len);
	api_expect(r2, 200, "POST", "/v1/listings/{id}/images");
	ck_assert_int_eq(json_integer_value(json_object_get(r2->json, "id")),
	    json_integer_value(json_object_get(r->json, "id")));
	api_free(r2);
	r2 = test_user_request(api_base(), s->owner, "GET", path, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r2->json, "data")),
	    1);
	api_free(r2);

	/* The upload is in the audit log, by the owner. */
	{
		char		 l[24];
		const char	*params[1] = { l };
		PGresult	*res;

		snprintf(l, sizeof l, "%ld", s->listing);
		res = test_sql("SELECT actor_id FROM audit_log WHERE action = "
		    "'listing.image_added' AND target_id = $1", 1, params);
		ck_assert_int_eq(PQntuples(res), 1);
		ck_assert_int_eq(strtol(PQgetvalue(res, 0, 0), NULL, 10),
		    s->owner->id);
		PQclear(res);
	}
	free(path);
	free(key);
	free(jpeg);
	api_free(r);
}
END_TEST

START_TEST(test_phone_photo_is_upright_and_private)
{
	struct shop	*s = shop_new(api_base());
	struct api_resp	*r, *o;
	char		*jpeg;
	size_t		 len;

	imgfix_init();
	/* A phone held upright: stored sideways, EXIF says turn it. */
	jpeg = imgfix_jpeg_exif(1200, 600, 6, &len);
	ck_assert(imgfix_has_exif(jpeg, len));
	r = upload(s->owner, s->listing, NULL, jpeg, len);
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "width")),
	    600);
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "height")), 1200);
	expect_image(api_base(), url_of(r, "original"), "image/jpeg", 600,
	    1200);
	expect_image(api_base(), url_of(r, "medium"), "image/jpeg", 400, 800);
	expect_image(api_base(), url_of(r, "thumb"), "image/jpeg", 100, 200);
	/* Not a byte of the GPS block survives, even in the original. */
	o = fetch(api_base(), url_of(r, "original"), NULL);
	ck_assert_ptr_null(memmem(o->body, o->len, "\x02\x00\x05\x00\x03", 5));
	ck_assert_int_lt((long)json_integer_value(json_object_get(r->json,
	    "size")), (long)o->len + 1);
	ck_assert_uint_eq(json_integer_value(json_object_get(r->json, "size")),
	    o->len);
	api_free(o);
	api_free(r);
	free(jpeg);
}
END_TEST

START_TEST(test_png_and_webp)
{
	struct shop	*s = shop_new(api_base());
	struct api_resp	*r;
	char		*img;
	size_t		 len;

	imgfix_init();
	/* A cut-out product keeps its transparency. */
	img = imgfix_png(900, 900, true, false, &len);
	r = upload_to(api_base(), s->staff, s->listing, "?position=3", img,
	    len, "image/png");
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "content_type")), "image/png");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "position")), 3);
	expect_image(api_base(), url_of(r, "medium"), "image/png", 800, 800);
	expect_image(api_base(), url_of(r, "thumb"), "image/png", 200, 200);
	api_free(r);
	free(img);
	img = imgfix_webp(640, 480, false, &len);
	r = upload_to(api_base(), s->owner, s->listing, NULL, img, len,
	    "image/webp");
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "content_type")), "image/webp");
	/* After the last one. */
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "position")), 4);
	expect_image(api_base(), url_of(r, "original"), "image/webp", 640,
	    480);
	expect_image(api_base(), url_of(r, "medium"), "image/jpeg", 640, 480);
	api_free(r);
	free(img);
}
END_TEST

START_TEST(test_refused_uploads)
{
	struct shop	*s = shop_new(api_base());
	static const char text[] = "Dear customer, this is not a photo.\n";
	struct api_resp	*r;
	char		*img, *big;
	size_t		 len;

	imgfix_init();
	/* A text file called a JPEG. */
	r = upload_to(api_base(), s->owner, s->listing, "?alt=photo.jpg",
	    text, sizeof text - 1, "image/jpeg");
	api_expect(r, 415, "POST", "/v1/listings/{id}/images");
	api_expect_problem(r, 415, "unsupported-media-type", NULL);
	api_free(r);
	/* A GIF is an image, but not one souk takes. */
	r = upload(s->owner, s->listing, NULL, "GIF89a\1\0\1\0\0\0\0;", 13);
	api_expect_problem(r, 415, "unsupported-media-type", NULL);
	api_free(r);
	/* A 60-byte PNG claiming 100000 x 100000 pixels: a bomb. */
	img = imgfix_png_bomb(100000, 100000, &len);
	r = upload(s->owner, s->listing, NULL, img, len);
	api_expect(r, 422, "POST", "/v1/listings/{id}/images");
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "100000 x 100000"));
	api_free(r);
	free(img);
	/* One side too long, even with few pixels. */
	img = imgfix_png_bomb(20000, 10, &len);
	r = upload(s->owner, s->listing, NULL, img, len);
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "at most 12000"));
	api_free(r);
	free(img);
	/* A photo cut short in transfer. */
	img = imgfix_jpeg(800, 600, &len);
	r = upload(s->owner, s->listing, NULL, img, len / 2);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	/* Over image_max (10 MiB): refused before the body is read. */
	big = xmalloc(11 * 1024 * 1024);
	memset(big, 0, 11 * 1024 * 1024);
	memcpy(big, img, len);
	r = upload(s->owner, s->listing, NULL, big, 11 * 1024 * 1024);
	api_expect(r, 413, "POST", "/v1/listings/{id}/images");
	api_expect_problem(r, 413, "payload-too-large", NULL);
	api_free(r);
	free(big);
	/* Nothing at all. */
	r = upload(s->owner, s->listing, NULL, "", 0);
	api_expect_problem(r, 400, "bad-request", NULL);
	api_free(r);
	/* Bad query parameters. */
	r = upload(s->owner, s->listing, "?position=-1", img, len);
	api_expect_problem(r, 400, "validation", "position");
	api_free(r);
	r = upload(s->owner, s->listing, "?alt=%07bell", img, len);
	api_expect_problem(r, 400, "validation", "alt");
	api_free(r);
	r = upload(s->owner, s->listing, "?caption=x", img, len);
	api_expect_problem(r, 400, "validation", "caption");
	api_free(r);
	/* None of it left an image behind. */
	{
		char		*path = xasprintf("/v1/listings/%ld/images",
				    s->listing);

		r = test_user_request(api_base(), s->owner, "GET", path, NULL);
		ck_assert_uint_eq(json_array_size(json_object_get(r->json,
		    "data")), 0);
		api_free(r);
		free(path);
	}
	free(img);
}
END_TEST

START_TEST(test_other_vendors_see_nothing)
{
	struct shop		*a = shop_new(api_base()), *b = shop_new(api_base());
	struct test_user	*admin = test_user_new(api_base(), "admin", NULL);
	struct api_resp		*r;
	char			*img, *path;
	size_t			 len;
	long			 image;

	imgfix_init();
	img = imgfix_jpeg(300, 200, &len);
	r = upload(a->owner, a->listing, NULL, img, len);
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	image = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	/* B's people get what a listing that does not exist gets. */
	r = upload(b->owner, a->listing, NULL, img, len);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = upload(b->staff, a->listing, NULL, "not an image", 12);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	path = xasprintf("/v1/listings/%ld/images", a->listing);
	r = test_user_request(api_base(), b->owner, "GET", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(path);
	path = xasprintf("/v1/listings/%ld/images/%ld", a->listing, image);
	r = test_user_request(api_base(), b->owner, "PATCH", path,
	    "{\"alt\":\"mine now\"}");
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = test_user_request(api_base(), b->staff, "DELETE", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(path);
	/* An image of A's, asked for under B's listing. */
	path = xasprintf("/v1/listings/%ld/images/%ld", b->listing, image);
	r = test_user_request(api_base(), b->owner, "DELETE", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(path);
	path = xasprintf("/v1/vendors/%ld/logo", a->vendor);
	r = api_request(api_base(), "PUT", path, "image/jpeg", img, len,
	    (const char *[]){ b->owner->auth, NULL });
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* A's staff manage listings, not the vendor's profile. */
	r = api_request(api_base(), "PUT", path, "image/jpeg", img, len,
	    (const char *[]){ a->staff->auth, NULL });
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	free(path);
	/* An admin may act on any vendor's. */
	path = xasprintf("/v1/listings/%ld/images/%ld", a->listing, image);
	r = test_user_request(api_base(), admin, "PATCH", path,
	    "{\"alt\":\"Checked by staff\"}");
	api_expect(r, 200, "PATCH", "/v1/listings/{id}/images/{image_id}");
	api_free(r);
	free(path);
	free(img);
}
END_TEST

START_TEST(test_edit_remove_and_cap)
{
	struct shop	*s = shop_new(api_base());
	struct api_resp	*r, *first;
	char		*img, *path, *list, l[24];
	const char	*params[1] = { l };
	size_t		 len;
	long		 image;
	int		 i;

	imgfix_init();
	img = imgfix_jpeg(400, 300, &len);
	first = upload(s->owner, s->listing, "?alt=Side", img, len);
	api_expect(first, 201, "POST", "/v1/listings/{id}/images");
	image = (long)json_integer_value(json_object_get(first->json, "id"));
	free(img);
	path = xasprintf("/v1/listings/%ld/images/%ld", s->listing, image);
	r = test_user_request(api_base(), s->staff, "PATCH", path,
	    "{\"alt\":null,\"position\":7}");
	api_expect(r, 200, "PATCH", "/v1/listings/{id}/images/{image_id}");
	ck_assert(json_is_null(json_object_get(r->json, "alt")));
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "position")), 7);
	api_free(r);
	r = test_user_request(api_base(), s->staff, "PATCH", path, "{}");
	api_expect_problem(r, 400, "validation", NULL);
	api_free(r);
	r = test_user_request(api_base(), s->staff, "PATCH", path,
	    "{\"width\":10}");
	api_expect_problem(r, 400, "validation", "width");
	api_free(r);
	r = test_user_request(api_base(), s->staff, "PATCH", path,
	    "{\"position\":-3}");
	api_expect_problem(r, 400, "validation", "position");
	api_free(r);

	/* Removed: gone from the list, and its URLs answer 404. */
	r = test_user_request(api_base(), s->owner, "DELETE", path, NULL);
	api_expect(r, 204, "DELETE", "/v1/listings/{id}/images/{image_id}");
	api_free(r);
	r = test_user_request(api_base(), s->owner, "DELETE", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = fetch(api_base(), url_of(first, "medium"), NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	list = xasprintf("/v1/listings/%ld/images", s->listing);
	r = test_user_request(api_base(), s->owner, "GET", list, NULL);
	ck_assert_uint_eq(json_array_size(json_object_get(r->json, "data")),
	    0);
	api_free(r);
	snprintf(l, sizeof l, "%ld", s->listing);
	{
		PGresult	*res = test_sql("SELECT count(*) FROM audit_log "
				    "WHERE target_id = $1 AND action IN "
				    "('listing.image_changed', "
				    "'listing.image_removed')", 1, params);

		ck_assert_str_eq(PQgetvalue(res, 0, 0), "2");
		PQclear(res);
	}

	/* 19 images already: the 20th is taken, the 21st is not. */
	for (i = 0; i < 19; i++)
		PQclear(test_sql("INSERT INTO listing_images (listing_id, "
		    "original_key, medium_key, thumb_key, content_type, width, "
		    "height, size) VALUES ($1, repeat('a', 64), repeat('b', "
		    "64), repeat('c', 64), 'image/jpeg', 1, 1, 1)", 1,
		    params));
	img = imgfix_jpeg(64, 64, &len);
	r = upload(s->owner, s->listing, NULL, img, len);
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	api_free(r);
	free(img);
	img = imgfix_jpeg(65, 64, &len);
	r = upload(s->owner, s->listing, NULL, img, len);
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "at most 20"));
	api_free(r);
	free(img);
	api_free(first);
	free(path);
	free(list);
}
END_TEST

START_TEST(test_vendor_logo)
{
	struct shop	*s = shop_new(api_base());
	struct api_resp	*r;
	char		*img, *path, v[24];
	const char	*params[1] = { v };
	const char	*hdr[2] = { s->owner->auth, NULL };
	PGresult	*res;
	size_t		 len;
	char		*logo_url;

	imgfix_init();
	img = imgfix_png(1200, 1200, true, false, &len);
	path = xasprintf("/v1/vendors/%ld/logo", s->vendor);
	r = api_request(api_base(), "PUT", path, "image/png", img, len, hdr);
	api_expect(r, 200, "PUT", "/v1/vendors/{id}/logo");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "content_type")), "image/png");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json, "width")),
	    800);
	logo_url = xstrdup(url_of(r, "logo"));
	expect_image(api_base(), logo_url, "image/png", 800, 800);
	expect_image(api_base(), url_of(r, "thumb"), "image/png", 200, 200);
	snprintf(v, sizeof v, "%ld", s->vendor);
	res = test_sql("SELECT '/v1/images/' || logo_key FROM vendors WHERE "
	    "id = $1", 1, params);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), logo_url);
	PQclear(res);
	api_free(r);
	free(img);
	/* Not an image: refused, the logo stays. */
	r = api_request(api_base(), "PUT", path, "image/png", "%PDF-1.4\n", 9,
	    hdr);
	api_expect(r, 415, "PUT", "/v1/vendors/{id}/logo");
	api_free(r);
	expect_image(api_base(), logo_url, "image/png", 800, 800);

	r = test_user_request(api_base(), s->owner, "DELETE", path, NULL);
	api_expect(r, 204, "DELETE", "/v1/vendors/{id}/logo");
	api_free(r);
	res = test_sql("SELECT logo_key IS NULL AND logo_thumb_key IS NULL "
	    "FROM vendors WHERE id = $1", 1, params);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	res = test_sql("SELECT count(*) FROM audit_log WHERE target_type = "
	    "'vendor' AND target_id = $1 AND action IN ('vendor.logo_set', "
	    "'vendor.logo_removed')", 1, params);
	ck_assert_str_eq(PQgetvalue(res, 0, 0), "2");
	PQclear(res);
	r = fetch(api_base(), logo_url, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(logo_url);
	free(path);
}
END_TEST

START_TEST(test_kyc_documents_are_not_served)
{
	struct test_user	*app = test_user_new(api_base(), "customer",
				    NULL);
	const char		*hdr[2] = { app->auth, NULL };
	struct api_resp		*r;
	char			*img, *path, g[24], *url;
	const char		*params[1] = { g };
	PGresult		*res;
	size_t			 len;
	long			 reg;

	imgfix_init();
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    "{\"legal_name\":\"Private Traders\"}");
	ck_assert_int_eq(r->status, 201);
	reg = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	img = imgfix_jpeg(120, 80, &len);
	path = xasprintf("/v1/registrations/%ld/documents?kind=pan_card&"
	    "filename=pan.jpg", reg);
	r = api_request(api_base(), "POST", path, "image/jpeg", img, len, hdr);
	ck_assert_int_eq(r->status, 201);
	api_free(r);
	snprintf(g, sizeof g, "%ld", reg);
	/* Recorded in the store like any upload... */
	res = test_sql("SELECT d.media_key, o.size FROM registration_documents "
	    "d JOIN media_objects o ON o.key = d.media_key WHERE "
	    "d.registration_id = $1", 1, params);
	ck_assert_int_eq(PQntuples(res), 1);
	ck_assert_uint_eq(strtoul(PQgetvalue(res, 0, 1), NULL, 10), len);
	url = xasprintf("/v1/images/%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	/* ...but never given out as an image. */
	r = fetch(api_base(), url, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	free(url);
	free(path);
	free(img);
}
END_TEST

/* --- the garbage collector ------------------------------------------ */

/* A random key, a file for it in the shared soukd's media_dir. */
static char *
stray_object(const char *age)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*key = xmalloc(65), *dir, *path;
	const char		*params[2] = { key, age };
	FILE			*f;
	int			 i;

	for (i = 0; i < 64; i++)
		key[i] = hex[randombytes_uniform(16)];
	key[64] = '\0';
	dir = xasprintf("%s/%.2s", getenv("SOUKD_MEDIA_DIR"), key);
	(void)mkdir(dir, 0755);
	path = xasprintf("%s/%s", dir, key);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("stray", f);
	fclose(f);
	PQclear(test_sql("INSERT INTO media_objects (key, size, content_type, "
	    "created_at) VALUES ($1, 5, 'image/png', now() - $2::interval)", 2,
	    params));
	free(dir);
	free(path);
	return key;
}

static bool
object_file_exists(const char *key)
{
	char	*path = xasprintf("%s/%.2s/%s", getenv("SOUKD_MEDIA_DIR"), key,
		    key);
	bool	 found = access(path, F_OK) == 0;

	free(path);
	return found;
}

static bool
object_row_exists(const char *key)
{
	const char	*params[1] = { key };
	PGresult	*res = test_sql("SELECT count(*) FROM media_objects "
			    "WHERE key = $1", 1, params);
	bool		 found = strcmp(PQgetvalue(res, 0, 0), "1") == 0;

	PQclear(res);
	return found;
}

/* Runs media.gc on the shared soukd's workers and waits for it. */
static void
run_gc(void)
{
	PGresult	*res;
	char		*id;
	const char	*params[1];
	int		 i;

	res = test_sql("WITH j AS (INSERT INTO jobs (kind) VALUES "
	    "('media.gc') RETURNING id) SELECT id, pg_notify('souk_jobs', '') "
	    "FROM j", 0, NULL);
	id = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	params[0] = id;
	for (i = 0; i < 400; i++) {
		res = test_sql("SELECT state, last_error FROM jobs WHERE id = "
		    "$1", 1, params);
		if (strcmp(PQgetvalue(res, 0, 0), "done") == 0) {
			PQclear(res);
			free(id);
			return;
		}
		ck_assert_msg(strcmp(PQgetvalue(res, 0, 0), "failed") != 0,
		    "media.gc failed: %s", PQgetvalue(res, 0, 1));
		PQclear(res);
		usleep(25 * 1000);
	}
	ck_abort_msg("media.gc did not run within 10 s");
}

START_TEST(test_gc_removes_only_old_unused_files)
{
	struct shop	*s = shop_new(api_base());
	struct api_resp	*r;
	char		*old, *fresh, *img, *path, *keys[3];
	const char	*params[3];
	size_t		 len;
	int		 i;

	imgfix_init();
	old = stray_object("2 days");
	fresh = stray_object("1 minute");
	img = imgfix_jpeg(500, 400, &len);
	r = upload(s->owner, s->listing, NULL, img, len);
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	keys[0] = xstrdup(url_of(r, "original") + strlen("/v1/images/"));
	keys[1] = xstrdup(url_of(r, "medium") + strlen("/v1/images/"));
	keys[2] = xstrdup(url_of(r, "thumb") + strlen("/v1/images/"));
	/* In use, however old. */
	params[0] = keys[0];
	params[1] = keys[1];
	params[2] = keys[2];
	PQclear(test_sql("UPDATE media_objects SET created_at = now() - "
	    "interval '3 days' WHERE key IN ($1, $2, $3)", 3, params));

	run_gc();
	ck_assert(!object_file_exists(old));
	ck_assert(!object_row_exists(old));
	ck_assert(object_file_exists(fresh));
	ck_assert(object_row_exists(fresh));
	for (i = 0; i < 3; i++) {
		ck_assert(object_file_exists(keys[i]));
		ck_assert(object_row_exists(keys[i]));
	}
	expect_image(api_base(), url_of(r, "thumb"), "image/jpeg", 200, 160);

	/* The image removed, its files go at the next run. */
	path = xasprintf("/v1/listings/%ld/images/%ld", s->listing,
	    (long)json_integer_value(json_object_get(r->json, "id")));
	api_free(test_user_request(api_base(), s->owner, "DELETE", path,
	    NULL));
	PQclear(test_sql("UPDATE media_objects SET created_at = now() - "
	    "interval '3 days' WHERE key IN ($1, $2, $3)", 3, params));
	run_gc();
	for (i = 0; i < 3; i++) {
		ck_assert_msg(!object_file_exists(keys[i]), "%s stayed",
		    keys[i]);
		ck_assert(!object_row_exists(keys[i]));
	}
	/* Stored again, it is whole again. */
	api_free(r);
	r = upload(s->owner, s->listing, NULL, img, len);
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	ck_assert_str_eq(url_of(r, "original") + strlen("/v1/images/"),
	    keys[0]);
	expect_image(api_base(), url_of(r, "original"), "image/jpeg", 500,
	    400);
	run_gc();
	ck_assert(object_file_exists(keys[0]));
	api_free(r);
	for (i = 0; i < 3; i++)
		free(keys[i]);
	free(path);
	free(img);
	free(old);
	free(fresh);
}
END_TEST

/* --- S3 ---------------------------------------------------------------- */

#define S3_KEY_ID	"AKIDSOUKIMAGES"
#define S3_SECRET	"images-secret-4c1d"
#define S3_BUCKET	"souk-media"

static struct test_fakes *
fakes_start(void)
{
	static const char *const env[] = {
		"FAKE_S3_ACCESS_KEY=" S3_KEY_ID,
		"FAKE_S3_SECRET_KEY=" S3_SECRET,
		NULL,
	};
	struct test_fakes	*f = xcalloc(1, sizeof *f);

	/* The S3 service with its key pair. */
	test_fakes_start(f, "fakes-s3", env);
	return f;
}

/* What the S3 fake holds: {"bucket/key": size}. */
static json_t *
s3_objects(const struct test_fakes *f)
{
	struct api_resp	*r = api_request(f->s3, "GET", "/_fake/objects", NULL,
			    NULL, 0, NULL);
	json_t		*j = json_loadb(r->body, r->len, 0, NULL);

	ck_assert_ptr_nonnull(j);
	api_free(r);
	return j;
}

/* The S3 requests the fake received, oldest first. */
static json_t *
s3_requests(const struct test_fakes *f)
{
	char	*path = xasprintf("%s/requests.jsonl", f->dir);
	char	*text = test_read_file(path), *line, *next;
	json_t	*all = json_array(), *e;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		e = json_loads(line, 0, NULL);
		ck_assert_ptr_nonnull(e);
		if (strcmp(json_string_value(json_object_get(e, "service")),
		    "s3") == 0)
			json_array_append(all, e);
		json_decref(e);
	}
	free(text);
	free(path);
	return all;
}

static void
s3_config(struct config *c, const struct test_fakes *f, const char *secret)
{
	config_defaults(c);
	free(c->media_store);
	free(c->s3_endpoint);
	free(c->s3_bucket);
	free(c->s3_access_key);
	free(c->s3_secret_key);
	c->media_store = xstrdup("s3");
	c->s3_endpoint = xstrdup(f->s3);
	c->s3_bucket = xstrdup(S3_BUCKET);
	c->s3_access_key = xstrdup(S3_KEY_ID);
	c->s3_secret_key = xstrdup(secret);
}

START_TEST(test_s3_store_end_to_end)
{
	const char	*args[] = { "--role", "api", NULL };
	struct test_fakes	*f;
	struct soukd	*d;
	struct shop	*s;
	struct api_resp	*r, *o;
	json_t		*objects, *reqs, *e;
	char		*img, *name, *big;
	const char	*url, *auth;
	size_t		 len, i;
	int		 puts = 0;

	imgfix_init();
	f = fakes_start();
	setenv("SOUKD_MEDIA_STORE", "s3", 1);
	setenv("SOUKD_S3_ENDPOINT", f->s3, 1);
	setenv("SOUKD_S3_BUCKET", S3_BUCKET, 1);
	setenv("SOUKD_S3_REGION", "ap-south-1", 1);
	setenv("SOUKD_S3_ACCESS_KEY", S3_KEY_ID, 1);
	setenv("SOUKD_S3_SECRET_KEY", S3_SECRET, 1);
	setenv("SOUKD_IMAGE_MAX", "200K", 1);
	d = soukd_start(test_conninfo(), args);
	ck_assert_ptr_nonnull(d);
	s = shop_new(d->url);

	img = imgfix_jpeg(900, 600, &len);
	r = upload_to(d->url, s->owner, s->listing, NULL, img, len,
	    "image/jpeg");
	api_expect(r, 201, "POST", "/v1/listings/{id}/images");
	/* The three files are objects in the bucket, nowhere else. */
	objects = s3_objects(f);
	for (i = 0; i < 3; i++) {
		url = url_of(r, i == 0 ? "original" : i == 1 ? "medium" :
		    "thumb");
		name = xasprintf(S3_BUCKET "/%s", url + strlen("/v1/images/"));
		ck_assert_msg(json_object_get(objects, name) != NULL,
		    "%s is not in the bucket", name);
		ck_assert(!object_file_exists(url + strlen("/v1/images/")));
		free(name);
	}
	json_decref(objects);
	/* Each PUT signed with SigV4 and the configured key, and accepted. */
	reqs = s3_requests(f);
	json_array_foreach(reqs, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "method")),
		    "PUT") != 0)
			continue;
		puts++;
		auth = json_string_value(json_object_get(json_object_get(e,
		    "headers"), "authorization"));
		ck_assert_ptr_nonnull(auth);
		ck_assert_msg(strncmp(auth, "AWS4-HMAC-SHA256 Credential="
		    S3_KEY_ID "/", 29 + strlen(S3_KEY_ID)) == 0, "%s", auth);
		ck_assert_ptr_nonnull(strstr(auth, "/ap-south-1/s3/"
		    "aws4_request"));
		ck_assert_int_eq(json_integer_value(json_object_get(e,
		    "status")), 200);
	}
	ck_assert_int_eq(puts, 3);
	json_decref(reqs);

	/* Served from the bucket, with the same headers as from disk. */
	expect_image(d->url, url_of(r, "medium"), "image/jpeg", 800, 533);
	o = fetch(d->url, url_of(r, "thumb"), NULL);
	expect_header(o, "Cache-Control", "public, max-age=31536000, "
	    "immutable");
	api_free(o);

	/* image_max is this soukd's (200K): 413 before reading the body. */
	big = xmalloc(300 * 1024);
	memset(big, 0, 300 * 1024);
	memcpy(big, img, len < 300 * 1024 ? len : 300 * 1024);
	o = upload_to(d->url, s->owner, s->listing, NULL, big, 300 * 1024,
	    "image/jpeg");
	api_expect_problem(o, 413, "payload-too-large", NULL);
	api_free(o);
	free(big);

	ck_assert_int_eq(soukd_stop(d, SIGTERM), 0);
	api_free(r);
	free(img);
	test_fakes_stop(f);
}
END_TEST

START_TEST(test_s3_signature_and_gc)
{
	struct test_fakes			*f;
	struct config			 c;
	const struct media_store	*store;
	struct db			*db;
	struct job			 j;
	json_t				*objects;
	char				*cause = NULL, *name;
	const char			*key = "5e884898da28047151d0e56f8dc629"
					    "2773603d0d6aabbdd62a11ef721d1542d8";
	const char			*params[1] = { key };

	f = fakes_start();
	/* A wrong secret: S3 says so, and the store reports it. */
	s3_config(&c, f, "not-the-secret");
	ck_assert_ptr_nonnull(store = media_s3_store(&c, &cause));
	ck_assert(!store->put(key, "bytes", 5, "image/png", &cause));
	ck_assert_ptr_nonnull(strstr(cause, "403"));
	ck_assert_ptr_nonnull(strstr(cause, "SignatureDoesNotMatch"));
	free(cause);
	cause = NULL;
	config_free(&c);

	/* The right one: stored, read back, and collected when unused. */
	s3_config(&c, f, S3_SECRET);
	c.media_gc_grace_ms = 3600 * 1000;
	ck_assert_msg(media_init(&c, &cause), "%s", cause);
	ck_assert_str_eq(media_backend_name(), "s3");
	ck_assert_ptr_nonnull(db = db_open(test_conninfo(), true, &cause));
	{
		char	*k = media_put(db, "\x89PNG\r\n\x1a\n stray", 15,
			    &cause);
		size_t	 len;
		char	*back;

		ck_assert_msg(k != NULL, "%s", cause);
		back = media_get(k, &len);
		ck_assert_uint_eq(len, 15);
		ck_assert_int_eq(memcmp(back, "\x89PNG", 4), 0);
		ck_assert_int_eq(media_open(k, &(uint64_t){ 0 }), -1);
		params[0] = k;
		PQclear(test_sql("SELECT 1 FROM media_objects WHERE key = $1 "
		    "AND content_type = 'image/png'", 1, params));
		PQclear(test_sql("UPDATE media_objects SET created_at = now() "
		    "- interval '2 hours' WHERE key = $1", 1, params));
		memset(&j, 0, sizeof j);
		j.kind = "media.gc";
		ck_assert_int_eq(media_gc_run(&j, db), JOB_DONE);
		objects = s3_objects(f);
		name = xasprintf(S3_BUCKET "/%s", k);
		ck_assert_ptr_null(json_object_get(objects, name));
		ck_assert(!object_row_exists(k));
		ck_assert_ptr_null(media_get(k, &len));
		json_decref(objects);
		free(name);
		free(back);
		free(k);
	}
	db_close(db);
	config_free(&c);
	test_fakes_stop(f);
}
END_TEST

/*
 * soukd with SOUKD_IMAGE_HELPER=helper (and only the API), a shop on it,
 * and an upload of a good photo: what the owner is told.
 */
static struct api_resp *
upload_with_helper(const char *helper, struct soukd **d)
{
	const char	*args[] = { "--role", "api", NULL };
	struct shop	*s;
	struct api_resp	*r;
	char		*img;
	size_t		 len;

	setenv("SOUKD_IMAGE_HELPER", helper, 1);
	*d = soukd_start(test_conninfo(), args);
	ck_assert_ptr_nonnull(*d);
	s = shop_new((*d)->url);
	img = imgfix_jpeg(640, 480, &len);
	r = upload_to((*d)->url, s->owner, s->listing, NULL, img, len,
	    "image/jpeg");
	free(img);
	return r;
}

START_TEST(test_image_helper_missing_or_crashing)
{
	struct soukd	*d;
	struct api_resp	*r, *h;
	char		*dir, *crash;
	FILE		*f;

	imgfix_init();
	/* Not installed: uploads are 503 (try later), the rest works. */
	r = upload_with_helper("/nonexistent/souk-image", &d);
	api_expect(r, 503, "POST", "/v1/listings/{id}/images");
	api_expect_problem(r, 503, "unavailable", NULL);
	expect_header(r, "Retry-After", "5");
	ck_assert_ptr_nonnull(strstr(r->body, "cannot be processed now"));
	ck_assert(soukd_log_has(d, "image helper /nonexistent/souk-image: "
	    "No such file or directory"));
	h = api_request(d->url, "GET", "/healthz", NULL, NULL, 0, NULL);
	ck_assert_int_eq(h->status, 200);
	api_free(h);
	api_free(r);
	ck_assert_int_eq(soukd_stop(d, SIGTERM), 0);

	/* A decoder crashing on the file: the file is refused, soukd lives. */
	dir = test_tmpdir("helper");
	crash = xasprintf("%s/souk-image", dir);
	ck_assert_ptr_nonnull(f = fopen(crash, "w"));
	fputs("#!/bin/sh\nkill -SEGV $$\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(crash, 0755), 0);
	r = upload_with_helper(crash, &d);
	api_expect(r, 422, "POST", "/v1/listings/{id}/images");
	api_expect_problem(r, 422, "unprocessable", NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "cannot be read"));
	ck_assert(soukd_log_has(d, "died of Segmentation fault"));
	h = api_request(d->url, "GET", "/healthz", NULL, NULL, 0, NULL);
	ck_assert_int_eq(h->status, 200);
	api_free(h);
	api_free(r);
	ck_assert_int_eq(soukd_stop(d, SIGTERM), 0);
	free(crash);
	free(dir);
}
END_TEST

Suite *
images_suite(void)
{
	Suite	*s = suite_create("images");
	TCase	*tc = tcase_create("images");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_upload_serve_and_cache);
	tcase_add_test(tc, test_phone_photo_is_upright_and_private);
	tcase_add_test(tc, test_png_and_webp);
	tcase_add_test(tc, test_refused_uploads);
	tcase_add_test(tc, test_other_vendors_see_nothing);
	tcase_add_test(tc, test_edit_remove_and_cap);
	tcase_add_test(tc, test_vendor_logo);
	tcase_add_test(tc, test_kyc_documents_are_not_served);
	tcase_add_test(tc, test_gc_removes_only_old_unused_files);
	tcase_add_test(tc, test_s3_store_end_to_end);
	tcase_add_test(tc, test_s3_signature_and_gc);
	tcase_add_test(tc, test_image_helper_missing_or_crashing);
	suite_add_tcase(s, tc);
	return s;
}
