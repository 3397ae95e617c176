/*
 * perms: every permission a route may require, and who holds it.  A role
 * holds a permission when its bit is in roles; an API key holds one when
 * it has one of the scopes listed (0: no key may).  Adding a permission is
 * adding a row; tests/api/access.txt says, route by route, who may call.
 */
#include <string.h>

#include "auth.h"

const struct perm auth_perms[] = {
	{ "public", 0, AUTH_SCOPE_READ | AUTH_SCOPE_CATALOG |
	  AUTH_SCOPE_ORDERS, "anyone, signed in or not" },
	{ "leads.capture", 0, AUTH_SCOPE_LEADS, "sending a web form's lead "
	  "(anyone with the form's token, or an API key with the leads "
	  "scope)" },
	{ "signed_in", ROLES_ALL, AUTH_SCOPE_READ,
	  "any signed-in account" },
	{ "self", ROLES_ALL, 0,
	  "a signed-in person managing their own account (not API keys)" },
	{ "events", ROLES_ALL, 0,
	  "watching live events (each topic is checked too)" },
	{ "api_keys.manage", ROLE_VENDOR_OWNER | ROLE_ADMIN, 0,
	  "creating and revoking API keys" },
	{ "users.manage", ROLE_ADMIN, 0,
	  "creating accounts, setting roles and regions, suspending" },
	{ "regions.manage", ROLE_ADMIN, 0,
	  "creating, renaming and moving regions" },
	{ "jobs.manage", ROLE_ADMIN, 0,
	  "seeing, retrying and cancelling jobs" },
	{ "templates.manage", ROLE_ADMIN, 0,
	  "editing notification templates" },
	{ "audit.read", ROLE_ADMIN, 0, "reading the audit log" },
	{ "notifications.read", ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "reading the outbox and its delivery attempts" },
	{ "registrations.apply", ROLE_CUSTOMER | ROLE_B2B_BUYER, 0,
	  "registering a business" },
	{ "registrations.read", ROLE_CUSTOMER | ROLE_B2B_BUYER |
	  ROLE_VENDOR_OWNER | ROLE_EMPLOYEE | ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "reading business registrations (one's own, or one's regions')" },
	{ "registrations.review", ROLE_EMPLOYEE | ROLE_SUPERVISOR | ROLE_ADMIN,
	  0, "reviewing business registrations" },
	{ "vendors.read", ROLE_EMPLOYEE | ROLE_SUPERVISOR | ROLE_TELECALLER |
	  ROLE_ADMIN, 0, "listing and reading vendors (one's regions')" },
	{ "vendors.manage", ROLE_EMPLOYEE | ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "recording visits and notes, suspending and reactivating vendors" },
	{ "vendor.profile", ROLE_VENDOR_OWNER | ROLE_ADMIN, 0,
	  "editing a vendor's profile, staff and locations" },
	{ "catalog.manage", ROLES_VENDOR | ROLE_ADMIN, AUTH_SCOPE_CATALOG,
	  "creating and editing one's vendor's listings, images and stock" },
	{ "listings.read", ROLES_VENDOR | ROLE_EMPLOYEE | ROLE_SUPERVISOR |
	  ROLE_MODERATOR | ROLE_ADMIN, AUTH_SCOPE_READ | AUTH_SCOPE_CATALOG,
	  "reading listings in every state (one's vendor's, one's regions', "
	  "or all for moderators)" },
	{ "catalog.moderate", ROLE_MODERATOR | ROLE_ADMIN, 0,
	  "approving and rejecting listings" },
	{ "taxonomy.manage", ROLE_ADMIN, 0,
	  "categories, brands, attributes and search synonyms" },
	{ "leads.read", ROLE_EMPLOYEE | ROLE_TELECALLER | ROLE_SUPERVISOR |
	  ROLE_ADMIN, AUTH_SCOPE_LEADS, "reading leads, their history and "
	  "customer queries (one's regions')" },
	{ "leads.write", ROLE_EMPLOYEE | ROLE_TELECALLER | ROLE_SUPERVISOR |
	  ROLE_ADMIN, AUTH_SCOPE_LEADS, "creating, importing and editing "
	  "leads, adding notes, working customer queries" },
	{ "leads.manage", ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "merging leads and assigning them in bulk" },
	{ "queries.raise", ROLE_CUSTOMER | ROLE_B2B_BUYER, 0,
	  "raising a query about an order or a vendor" },
	{ "queues.read", ROLE_TELECALLER | ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "reading call queues, their dispositions, agents and stats" },
	{ "queues.manage", ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "creating and editing call queues, dispositions and agents" },
	{ "calls.work", ROLE_TELECALLER | ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "taking next leads, calling, dispositions, callbacks, one's own "
	  "agent state" },
	{ "dnc.read", ROLE_EMPLOYEE | ROLE_TELECALLER | ROLE_SUPERVISOR |
	  ROLE_ADMIN, 0, "reading the do-not-call list" },
	{ "dnc.add", ROLE_EMPLOYEE | ROLE_TELECALLER | ROLE_SUPERVISOR |
	  ROLE_ADMIN, AUTH_SCOPE_LEADS, "adding numbers to the do-not-call "
	  "list" },
	{ "dnc.manage", ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "removing numbers from the do-not-call list" },
	{ "tele.monitor", ROLE_SUPERVISOR | ROLE_ADMIN, 0,
	  "the wallboard: every agent's state, queue depths, breaches, "
	  "reports of every agent" },
	{ NULL, 0, 0, NULL },
};

const struct perm *
auth_perm(const char *name)
{
	const struct perm	*p;

	for (p = auth_perms; p->name != NULL; p++) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

static const struct { enum role role; const char *name; } role_names[] = {
	{ ROLE_CUSTOMER, "customer" },
	{ ROLE_B2B_BUYER, "b2b_buyer" },
	{ ROLE_VENDOR_OWNER, "vendor_owner" },
	{ ROLE_VENDOR_STAFF, "vendor_staff" },
	{ ROLE_EMPLOYEE, "employee" },
	{ ROLE_TELECALLER, "telecaller" },
	{ ROLE_SUPERVISOR, "supervisor" },
	{ ROLE_MODERATOR, "moderator" },
	{ ROLE_ADMIN, "admin" },
};

const char *
auth_role_name(enum role r)
{
	size_t	i;

	for (i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (role_names[i].role == r)
			return role_names[i].name;
	}
	return NULL;
}

bool
auth_role_parse(const char *s, enum role *out)
{
	size_t	i;

	for (i = 0; s != NULL && i < sizeof role_names / sizeof role_names[0];
	    i++) {
		if (strcmp(role_names[i].name, s) == 0) {
			*out = role_names[i].role;
			return true;
		}
	}
	return false;
}
