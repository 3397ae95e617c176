#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "tele/lead.h"
#include "xmalloc.h"

static const char *const lead_sources[] = {
	"manual", "csv_import", "web_form", "support_chat", "abandoned_cart",
	"vendor_registration", "b2b_enquiry", "missed_call", "customer_query",
};
static const char *const lead_inbound[] = {
	"web_form", "missed_call", "support_chat", "customer_query",
	"b2b_enquiry",
};
static const char *const lead_statuses[] = {
	"new", "contacted", "interested", "callback", "converted",
	"not_interested", "unreachable", "dnc", "invalid",
};

static bool
in_list(const char *s, const char *const *list, size_t n)
{
	size_t	i;

	if (s == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

bool
tele_lead_source_ok(const char *s)
{
	return in_list(s, lead_sources,
	    sizeof lead_sources / sizeof lead_sources[0]);
}

bool
tele_lead_source_inbound(const char *s)
{
	return in_list(s, lead_inbound,
	    sizeof lead_inbound / sizeof lead_inbound[0]);
}

bool
tele_lead_status_ok(const char *s)
{
	return in_list(s, lead_statuses,
	    sizeof lead_statuses / sizeof lead_statuses[0]);
}

bool
tele_phone_normalise(const char *in, char *out, size_t len)
{
	char		 digits[24];
	const char	*d = digits;
	size_t		 n = 0;
	bool		 plus = false;

	if (out == NULL || len < TELE_PHONE_MAX)
		return false;
	out[0] = '\0';
	if (in == NULL)
		return false;
	for (; *in != '\0'; in++) {
		if (*in == '+' && n == 0 && !plus)
			plus = true;
		else if (*in >= '0' && *in <= '9') {
			if (n == sizeof digits - 1)
				return false;
			digits[n++] = *in;
		} else if (*in != ' ' && *in != '\t' && *in != '-' &&
		    *in != '.' && *in != '(' && *in != ')')
			return false;
	}
	digits[n] = '\0';
	/* "00 44 20..." is how an international number is dialled from India. */
	if (!plus && n > 2 && d[0] == '0' && d[1] == '0') {
		plus = true;
		d += 2;
		n -= 2;
	}
	if (plus) {
		if (strncmp(d, "91", 2) != 0) {
			/* E.164: a country code not starting with 0, 8-15 digits. */
			if (n < 8 || n > 15 || d[0] == '0')
				return false;
			snprintf(out, len, "+%s", d);
			return true;
		}
		/* "+91 0 98765 43210": the trunk 0 written after the code. */
		if (n == 13 && d[2] == '0') {
			if (d[3] == '0')
				return false;
			snprintf(out, len, "+91%s", d + 3);
			return true;
		}
		if (n != 12 || d[2] == '0')
			return false;
		snprintf(out, len, "+%s", d);
		return true;
	}
	/* Indian: [0 | 91] then 10 digits, a mobile or an area code + number. */
	if (n == 11 && d[0] == '0') {
		d++;
		n--;
	} else if (n == 12 && strncmp(d, "91", 2) == 0) {
		d += 2;
		n -= 2;
	}
	if (n != 10 || d[0] == '0')
		return false;
	snprintf(out, len, "+91%s", d);
	return true;
}

const struct jsonv_field tele_lead_fields[] = {
	{ "name", JV_STRING, JV_NULLABLE, 1, 200, 0, 0, 0, NULL },
	{ "phone", JV_STRING, 0, 1, 40, 0, 0, 0, NULL },
	{ "alt_phone", JV_STRING, JV_NULLABLE, 1, 40, 0, 0, 0, NULL },
	{ "email", JV_STRING, JV_NULLABLE, 3, 254, 0, 0, 0, NULL },
	{ "language", JV_STRING, JV_NULLABLE, 2, 3, 0, 0, 0, NULL },
	{ "region_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "pincode", JV_STRING, JV_NULLABLE, 6, 6, 0, 0, 0, NULL },
	{ "timezone", JV_STRING, 0, 1, 64, 0, 0, 0, NULL },
	{ "source", JV_STRING, 0, 1, 32, 0, 0, 0, NULL },
	{ "interest", JV_STRING, JV_NULLABLE, 0, 500, 0, 0, 0, NULL },
	{ "tags", JV_ARRAY, 0, 0, 20, JV_STRING, 1, 50, NULL },
	{ "score", JV_INT, 0, 0, 100, 0, 0, 0, NULL },
	{ "priority", JV_INT, 0, 0, 100, 0, 0, 0, NULL },
	{ "status", JV_STRING, 0, 1, 20, 0, 0, 0, NULL },
	{ "queue_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "owner_id", JV_INT, JV_NULLABLE, 1, INT64_MAX, 0, 0, 0, NULL },
	{ "custom", JV_OBJECT, 0, 0, 0, 0, 0, 0, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, NULL },
};

/* One line: no control characters, no space at either end. */
static bool
lead_line_ok(const char *s)
{
	const unsigned char	*p;
	size_t			 n = strlen(s);

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return n == 0 || (s[0] != ' ' && s[n - 1] != ' ');
}

static bool
lead_phone_field(json_t *lead, const char *field, jsonv_error_cb err,
    void *arg)
{
	char		 e164[TELE_PHONE_MAX];
	json_t		*v = json_object_get(lead, field);

	if (!json_is_string(v))
		return true;
	if (!tele_phone_normalise(json_string_value(v), e164, sizeof e164)) {
		err(arg, field, "invalid", "is not a phone number (10 digits, "
		    "or +country code and number)");
		return false;
	}
	json_object_set_new(lead, field, json_string(e164));
	return true;
}

bool
tele_lead_check(json_t *lead, bool create, jsonv_error_cb err, void *arg)
{
	static const char *const lines[] = { "name", "interest" };
	const char	*s;
	char		*email;
	json_t		*v, *tags;
	size_t		 i, j, n;
	bool		 ok = true;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		if ((s = json_string_value(json_object_get(lead, lines[i]))) !=
		    NULL && !lead_line_ok(s)) {
			err(arg, lines[i], "invalid", "must be one line without "
			    "control characters or spaces at either end");
			ok = false;
		}
	}
	if (create && !json_is_string(json_object_get(lead, "phone"))) {
		err(arg, "phone", "required", "is required");
		ok = false;
	}
	ok = lead_phone_field(lead, "phone", err, arg) && ok;
	ok = lead_phone_field(lead, "alt_phone", err, arg) && ok;
	if ((s = json_string_value(json_object_get(lead, "email"))) != NULL) {
		email = xstrdup(s);
		if (!account_normalize_email(email)) {
			err(arg, "email", "invalid", "is not an email address");
			ok = false;
		} else
			json_object_set_new(lead, "email", json_string(email));
		free(email);
	}
	if ((s = json_string_value(json_object_get(lead, "language"))) !=
	    NULL && strspn(s, "abcdefghijklmnopqrstuvwxyz") != strlen(s)) {
		err(arg, "language", "invalid", "must be a language code such "
		    "as hi or ta");
		ok = false;
	}
	if ((s = json_string_value(json_object_get(lead, "pincode"))) !=
	    NULL && (strlen(s) != 6 || s[0] == '0' ||
	    strspn(s, "0123456789") != 6)) {
		err(arg, "pincode", "invalid", "must be 6 digits, not starting "
		    "with 0");
		ok = false;
	}
	if ((s = json_string_value(json_object_get(lead, "timezone"))) !=
	    NULL && (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
	    "tuvwxyz0123456789/_+-") != strlen(s))) {
		err(arg, "timezone", "invalid", "must be an IANA time zone "
		    "such as Asia/Kolkata");
		ok = false;
	}
	if ((s = json_string_value(json_object_get(lead, "source"))) !=
	    NULL && !tele_lead_source_ok(s)) {
		err(arg, "source", "invalid", "must be manual, csv_import, "
		    "web_form, support_chat, abandoned_cart, "
		    "vendor_registration, b2b_enquiry, missed_call or "
		    "customer_query");
		ok = false;
	}
	if ((s = json_string_value(json_object_get(lead, "status"))) !=
	    NULL && !tele_lead_status_ok(s)) {
		err(arg, "status", "invalid", "must be new, contacted, "
		    "interested, callback, converted, not_interested, "
		    "unreachable, dnc or invalid");
		ok = false;
	}
	if ((v = json_object_get(lead, "tags")) != NULL && json_is_array(v)) {
		tags = json_array();
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			s = json_string_value(json_array_get(v, i));
			if (s == NULL || !lead_line_ok(s)) {
				err(arg, "tags", "invalid", "must be lines "
				    "without control characters");
				ok = false;
				break;
			}
			for (j = 0; j < json_array_size(tags); j++)
				if (strcmp(json_string_value(json_array_get(
				    tags, j)), s) == 0)
					break;
			if (j == json_array_size(tags))
				json_array_append_new(tags, json_string(s));
		}
		json_object_set_new(lead, "tags", tags);
	}
	return ok;
}
