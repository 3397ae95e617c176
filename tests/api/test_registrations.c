/*
 * Business registrations: an applicant files one with documents, staff
 * of its region review it, approval makes a vendor.  Staff of other
 * regions never see it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "harness.h"
#include "suites.h"

static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
static const char jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF\0";

/* A country with a state below it; returns the state's id. */
static char *
make_region(const char *name)
{
	char		*country = test_unique(name);
	const char	*params[2] = { country, NULL };
	PGresult	*res;
	char		*state;

	res = test_sql("INSERT INTO regions (kind, name) VALUES ('country', $1)"
	    " RETURNING id", 1, params);
	params[1] = PQgetvalue(res, 0, 0);
	{
		const char	*p2[2] = { params[1], "A State" };
		PGresult	*st = test_sql("INSERT INTO regions (parent_id, "
				    "kind, name) VALUES ($1, 'state', $2) "
				    "RETURNING id", 2, p2);

		state = xstrdup(PQgetvalue(st, 0, 0));
		PQclear(st);
	}
	PQclear(res);
	free(country);
	return state;
}

static struct api_resp *
upload(const struct test_user *u, long reg, const char *kind,
    const char *name, const void *data, size_t len)
{
	char		*path = xasprintf("/v1/registrations/%ld/documents?kind=%s"
			    "&filename=%s", reg, kind, name);
	const char	*hdr[2] = { u->auth, NULL };
	struct api_resp	*r = api_request(api_base(), "POST", path,
			    "application/octet-stream", data, len, hdr);

	free(path);
	return r;
}

static struct api_resp *
act(const struct test_user *u, long reg, const char *what, const char *body)
{
	char		*path = xasprintf("/v1/registrations/%ld%s%s", reg,
			    *what != '\0' ? "/" : "", what);
	struct api_resp	*r = test_user_request(api_base(), u, "POST", path,
			    body);

	free(path);
	return r;
}

static struct api_resp *
get(const struct test_user *u, long reg)
{
	char		*path = xasprintf("/v1/registrations/%ld", reg);
	struct api_resp	*r = test_user_request(api_base(), u, "GET", path,
			    NULL);

	free(path);
	return r;
}

static const char *
state(struct api_resp *r)
{
	return json_string_value(json_object_get(r->json, "state"));
}

START_TEST(test_from_draft_to_vendor)
{
	char			*region = make_region("Regland"),
				*other = make_region("Elsewhere"), *body,
				*path;
	const char		*mine[] = { region, NULL }, *theirs[] = { other,
				    NULL };
	struct test_user	*app = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    mine);
	struct test_user	*far = test_user_new(api_base(), "employee",
				    theirs);
	struct api_resp		*r;
	json_t			*ev;
	long			 id;

	/* A draft, filled in over two requests. */
	body = xasprintf("{\"legal_name\":\"Ravi Traders LLP\","
	    "\"display_name\":\"रवि किराना\",\"category\":\"Grocery\","
	    "\"region_id\":%s,\"pincode\":\"411001\"}", region);
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    body);
	api_expect(r, 201, "POST", "/v1/registrations");
	ck_assert_str_eq(state(r), "draft");
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);
	path = xasprintf("/v1/registrations/%ld", id);
	r = test_user_request(api_base(), app, "PATCH", path,
	    "{\"address\":\"12 MG Road,\\nPune\",\"gstin\":\"27aapfu0939f1zv\","
	    "\"pan\":\"AAPFU0939F\",\"bank_account\":\"123456789012\","
	    "\"ifsc\":\"hdfc0001234\",\"bank_holder\":\"Ravi Traders LLP\","
	    "\"contact_name\":\"Ravi\",\"contact_phone\":\"98765 43210\","
	    "\"contact_email\":\"Ravi@Example.com\"}");
	api_expect(r, 200, "PATCH", "/v1/registrations/{id}");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "gstin")),
	    "27AAPFU0939F1ZV");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "contact_phone")), "+919876543210");
	api_free(r);
	/* Staff see no drafts. */
	r = get(emp, id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Submitting without documents says what is missing. */
	r = act(app, id, "submit", NULL);
	api_expect(r, 400, "POST", "/v1/registrations/{id}/submit");
	ck_assert_ptr_nonnull(strstr(r->body, "pan_card"));
	ck_assert_ptr_nonnull(strstr(r->body, "gst_certificate"));
	api_free(r);
	r = upload(app, id, "pan_card", "pan.pdf", pdf, sizeof pdf - 1);
	api_expect(r, 201, "POST", "/v1/registrations/{id}/documents");
	ck_assert_str_eq(json_string_value(json_object_get(r->json,
	    "content_type")), "application/pdf");
	api_free(r);
	r = upload(app, id, "bank_proof", "cheque.png", png, sizeof png - 1);
	ck_assert_int_eq(r->status, 201);
	api_free(r);
	r = upload(app, id, "gst_certificate", "gst.jpg", jpeg,
	    sizeof jpeg - 1);
	ck_assert_int_eq(r->status, 201);
	api_free(r);
	r = act(app, id, "submit", NULL);
	api_expect(r, 200, "POST", "/v1/registrations/{id}/submit");
	ck_assert_str_eq(state(r), "submitted");
	api_free(r);
	/* In the queue of this region's staff, not of another's. */
	r = test_user_request(api_base(), emp, "GET",
	    "/v1/registrations?state=submitted", NULL);
	api_expect(r, 200, "GET", "/v1/registrations");
	ck_assert_ptr_nonnull(strstr(r->body, "Ravi Traders LLP"));
	api_free(r);
	r = test_user_request(api_base(), far, "GET",
	    "/v1/registrations?state=submitted", NULL);
	ck_assert_ptr_null(strstr(r->body, "Ravi Traders LLP"));
	api_free(r);
	r = get(far, id);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = act(far, id, "approve", NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* Only staff decide; the applicant cannot approve. */
	r = act(app, id, "approve", NULL);
	api_expect_problem(r, 403, "forbidden", NULL);
	api_free(r);
	r = act(emp, id, "review", NULL);
	api_expect(r, 200, "POST", "/v1/registrations/{id}/review");
	ck_assert_str_eq(state(r), "under_review");
	ck_assert_int_eq(json_integer_value(json_object_get(r->json,
	    "reviewer_id")), emp->id);
	api_free(r);
	r = act(emp, id, "request-changes", "{\"reason\":\"The cheque is "
	    "unreadable: upload a clearer one.\"}");
	api_expect(r, 200, "POST", "/v1/registrations/{id}/request-changes");
	ck_assert_str_eq(state(r), "needs_changes");
	api_free(r);
	{
		json_t	*m = test_outbox_wait("email", app->email,
		    "unreadable", 10);

		ck_assert_msg(m != NULL, "the applicant was not told");
		json_decref(m);
	}
	r = act(emp, id, "approve", NULL);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = upload(app, id, "bank_proof", "cheque2.png", png, sizeof png - 1);
	ck_assert_int_eq(r->status, 201);
	api_free(r);
	r = act(app, id, "submit", NULL);
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	r = act(emp, id, "approve", NULL);
	api_expect(r, 200, "POST", "/v1/registrations/{id}/approve");
	ck_assert_str_eq(state(r), "approved");
	ck_assert(!json_is_null(json_object_get(r->json, "vendor_id")));
	ev = json_object_get(r->json, "events");
	ck_assert_uint_eq(json_array_size(ev), 6);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ev,
	    5), "to")), "approved");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ev,
	    3), "reason")), "The cheque is unreadable: upload a clearer one.");
	api_free(r);
	/* The applicant now owns a vendor with both badges. */
	{
		char		 uid[24];
		const char	*p[1] = { uid };
		PGresult	*res;

		snprintf(uid, sizeof uid, "%ld", app->id);
		res = test_sql("SELECT u.role, v.name, v.badges::text FROM users u"
		    " JOIN vendors v ON v.id = u.vendor_id WHERE u.id = $1", 1,
		    p);
		ck_assert_int_eq(PQntuples(res), 1);
		ck_assert_str_eq(PQgetvalue(res, 0, 0), "vendor_owner");
		ck_assert_str_eq(PQgetvalue(res, 0, 1), "रवि किराना");
		ck_assert_str_eq(PQgetvalue(res, 0, 2),
		    "{verified_business,verified_gst}");
		PQclear(res);
	}
	/* Their old token names the old role: refused, then refreshed. */
	r = test_user_request(api_base(), app, "GET", "/v1/me", NULL);
	api_expect_problem(r, 401, "unauthorized", NULL);
	api_free(r);
	test_user_login(api_base(), app);
	r = test_user_request(api_base(), app, "GET", "/v1/me", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "role")),
	    "vendor_owner");
	api_free(r);
	free(path);
	free(region);
	free(other);
}
END_TEST

START_TEST(test_fields_are_checked)
{
	struct test_user	*app = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r;
	char			*path;

	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    "{\"gstin\":\"27AAPFU0939F1ZW\",\"pan\":\"AAPF00939F\","
	    "\"ifsc\":\"HDFC1001234\",\"bank_account\":\"12345678a\","
	    "\"pincode\":\"011001\",\"contact_phone\":\"12345\","
	    "\"contact_email\":\"xyz\",\"region_id\":9223372036854775807}");
	api_expect(r, 400, "POST", "/v1/registrations");
	api_expect_problem(r, 400, "validation", "gstin");
	api_expect_problem(r, 400, "validation", "pan");
	api_expect_problem(r, 400, "validation", "ifsc");
	api_expect_problem(r, 400, "validation", "bank_account");
	api_expect_problem(r, 400, "validation", "pincode");
	api_expect_problem(r, 400, "validation", "contact_phone");
	api_expect_problem(r, 400, "validation", "contact_email");
	api_free(r);
	/* A GSTIN carries its PAN: they must agree. */
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    "{\"gstin\":\"27AAPFU0939F1ZV\",\"pan\":\"ABCDE1234F\"}");
	api_expect_problem(r, 400, "validation", "pan");
	api_free(r);
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    "{\"region_id\":9223372036854775807}");
	api_expect_problem(r, 400, "validation", "region_id");
	api_free(r);
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    "{\"owner\":\"me\"}");
	api_expect_problem(r, 400, "validation", "owner");
	api_free(r);
	/* An edit is checked against the registration as it would become. */
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    "{\"gstin\":\"27AAPFU0939F1ZV\",\"pan\":\"AAPFU0939F\"}");
	api_expect(r, 201, "POST", "/v1/registrations");
	path = xasprintf("/v1/registrations/%lld", (long long)
	    json_integer_value(json_object_get(r->json, "id")));
	api_free(r);
	r = test_user_request(api_base(), app, "PATCH", path,
	    "{\"pan\":\"ABCDE1234F\"}");
	api_expect(r, 400, "PATCH", "/v1/registrations/{id}");
	api_expect_problem(r, 400, "validation", "pan");
	ck_assert_ptr_nonnull(strstr(r->body, "mismatch"));
	api_free(r);
	r = test_user_request(api_base(), app, "PATCH", path,
	    "{\"gstin\":\"29ABCDE1234F1ZW\"}");
	if (r->status != 400 || strstr(r->body, "\"gstin\"") == NULL ||
	    strstr(r->body, "mismatch") == NULL)
		ck_abort_msg("a GSTIN without the PAN: %s", r->body);
	api_free(r);
	r = test_user_request(api_base(), app, "GET", path, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "pan")),
	    "AAPFU0939F");
	api_free(r);
	/* Both at once, agreeing: fine. */
	r = test_user_request(api_base(), app, "PATCH", path,
	    "{\"gstin\":null,\"pan\":\"ABCDE1234F\"}");
	api_expect(r, 200, "PATCH", "/v1/registrations/{id}");
	api_free(r);
	free(path);
}
END_TEST

/* The SHA-256 file name media_put would give these bytes. */
static char *
media_path(const void *data, size_t len)
{
	unsigned char	h[crypto_hash_sha256_BYTES];
	char		hex[crypto_hash_sha256_BYTES * 2 + 1];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return xasprintf("%s/%.2s/%s", getenv("SOUKD_MEDIA_DIR"), hex, hex);
}

/* An upload that will be refused is refused before its file is stored. */
START_TEST(test_refused_upload_stores_nothing)
{
	struct test_user	*app = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*nosy = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r;
	char			*doc, *path, *region = make_region("Storeland"),
				*body;
	size_t			 len;
	long			 id;

	body = xasprintf("{\"legal_name\":\"Stored Ltd\",\"display_name\":"
	    "\"Stored\",\"category\":\"Toys\",\"address\":\"1 Road\","
	    "\"region_id\":%s,\"pincode\":\"411001\",\"pan\":"
	    "\"ABCDE1234F\",\"bank_account\":\"123456789\",\"ifsc\":"
	    "\"HDFC0001234\",\"contact_phone\":\"9876543211\"}", region);
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    body);
	api_expect(r, 201, "POST", "/v1/registrations");
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(body);
	free(region);
	/* Bytes nobody else uploads. */
	doc = xasprintf("%s%% %s %ld\n", pdf, app->email, id);
	len = strlen(doc);
	path = media_path(doc, len);
	/* Someone else's: 404, and nothing on disk. */
	r = upload(nosy, id, "pan_card", "p.pdf", doc, len);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	ck_assert_msg(access(path, F_OK) != 0, "%s was stored", path);
	/* A registration nobody has. */
	r = upload(app, 9223372036854775807L, "pan_card", "p.pdf", doc, len);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	ck_assert_msg(access(path, F_OK) != 0, "%s was stored", path);
	/* Submitted (so not editable): 422, nothing on disk. */
	{
		char		 ids[24];
		const char	*params[1] = { ids };

		snprintf(ids, sizeof ids, "%ld", id);
		PQclear(test_sql("UPDATE registrations SET state = 'submitted' "
		    "WHERE id = $1", 1, params));
	}
	r = upload(app, id, "pan_card", "p.pdf", doc, len);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	ck_assert_msg(access(path, F_OK) != 0, "%s was stored", path);
	free(path);
	free(doc);
}
END_TEST

START_TEST(test_documents_are_what_their_bytes_say)
{
	struct test_user	*app = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*nosy = test_user_new(api_base(), "customer",
				    NULL);
	struct api_resp		*r;
	char			*big, *path, *ct;
	long			 id, doc;
	int			 i;

	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    "{\"legal_name\":\"Docs Ltd\"}");
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	/* A script called .pdf is still a script. */
	r = upload(app, id, "pan_card", "pan.pdf", "#!/bin/sh\nrm -rf /\n", 19);
	api_expect(r, 415, "POST", "/v1/registrations/{id}/documents");
	api_free(r);
	r = upload(app, id, "passport", "x.pdf", pdf, sizeof pdf - 1);
	api_expect_problem(r, 400, "validation", "kind");
	api_free(r);
	r = upload(app, id, "pan_card", "x.pdf", "", 0);
	api_expect_problem(r, 400, "validation", NULL);
	api_free(r);
	/* Over the route's cap: refused before it is read. */
	big = xmalloc(11 * 1024 * 1024);
	memcpy(big, pdf, sizeof pdf - 1);
	memset(big + sizeof pdf - 1, ' ', 11 * 1024 * 1024 - sizeof pdf + 1);
	r = upload(app, id, "pan_card", "big.pdf", big, 11 * 1024 * 1024);
	api_expect(r, 413, "POST", "/v1/registrations/{id}/documents");
	api_free(r);
	/* Just under the route's cap but over the 1 MiB API default: fine. */
	r = upload(app, id, "pan_card", "large.pdf", big, 3 * 1024 * 1024);
	api_expect(r, 201, "POST", "/v1/registrations/{id}/documents");
	doc = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	free(big);
	/* The file comes back to its owner, privately, as stored. */
	path = xasprintf("/v1/registrations/%ld/documents/%ld", id, doc);
	r = test_user_request(api_base(), app, "GET", path, NULL);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(r->len, 3 * 1024 * 1024);
	ck_assert_int_eq(memcmp(r->body, pdf, sizeof pdf - 1), 0);
	ct = api_header(r, "Content-Type");
	ck_assert_str_eq(ct, "application/pdf");
	free(ct);
	ct = api_header(r, "Cache-Control");
	ck_assert_str_eq(ct, "private, no-store");
	free(ct);
	api_free(r);
	r = test_user_request(api_base(), nosy, "GET", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	r = test_user_request(api_base(), nosy, "DELETE", path, NULL);
	api_expect_problem(r, 404, "not-found", NULL);
	api_free(r);
	/* At most ten. */
	for (i = 0; i < 9; i++) {
		r = upload(app, id, "other", "o.png", png, sizeof png - 1);
		ck_assert_int_eq(r->status, 201);
		api_free(r);
	}
	r = upload(app, id, "other", "eleven.png", png, sizeof png - 1);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = test_user_request(api_base(), app, "DELETE", path, NULL);
	api_expect(r, 200, "DELETE",
	    "/v1/registrations/{id}/documents/{document_id}");
	api_free(r);
	free(path);
}
END_TEST

START_TEST(test_rejection_is_final)
{
	char			*region = make_region("Rejland"), *body;
	const char		*mine[] = { region, NULL };
	struct test_user	*app = test_user_new(api_base(), "customer",
				    NULL);
	struct test_user	*adm = test_user_new(api_base(), "admin", NULL);
	struct test_user	*emp = test_user_new(api_base(), "employee",
				    mine);
	struct api_resp		*r;
	long			 id;

	(void)emp;
	body = xasprintf("{\"legal_name\":\"No Ltd\",\"display_name\":\"No\","
	    "\"category\":\"Toys\",\"address\":\"1 Road\",\"region_id\":%s,"
	    "\"pincode\":\"411001\",\"pan\":\"ABCDE1234F\","
	    "\"bank_account\":\"123456789\",\"ifsc\":\"HDFC0001234\","
	    "\"contact_phone\":\"9876543211\"}", region);
	r = test_user_request(api_base(), app, "POST", "/v1/registrations",
	    body);
	id = (long)json_integer_value(json_object_get(r->json, "id"));
	api_free(r);
	r = upload(app, id, "pan_card", "p.pdf", pdf, sizeof pdf - 1);
	api_free(r);
	r = upload(app, id, "bank_proof", "b.pdf", pdf, sizeof pdf - 1);
	api_free(r);
	r = act(app, id, "submit", NULL);
	ck_assert_int_eq(r->status, 200);
	api_free(r);
	r = act(adm, id, "reject", "{}");
	api_expect_problem(r, 400, "validation", "reason");
	api_free(r);
	r = act(adm, id, "reject", "{\"reason\":\"Not a real business.\"}");
	api_expect(r, 200, "POST", "/v1/registrations/{id}/reject");
	ck_assert_str_eq(state(r), "rejected");
	ck_assert_str_eq(json_string_value(json_object_get(r->json, "reason")),
	    "Not a real business.");
	api_free(r);
	r = act(adm, id, "approve", NULL);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	r = act(app, id, "submit", NULL);
	api_expect_problem(r, 422, "unprocessable", NULL);
	api_free(r);
	free(body);
	free(region);
}
END_TEST

Suite *
registrations_suite(void)
{
	Suite	*s = suite_create("registrations");
	TCase	*tc = tcase_create("registrations");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_from_draft_to_vendor);
	tcase_add_test(tc, test_fields_are_checked);
	tcase_add_test(tc, test_documents_are_what_their_bytes_say);
	tcase_add_test(tc, test_rejection_is_final);
	tcase_add_test(tc, test_refused_upload_stores_nothing);
	suite_add_tcase(s, tc);
	return s;
}
