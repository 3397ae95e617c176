#include <stdio.h>
#include <string.h>

#include "tele/lead.h"

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
