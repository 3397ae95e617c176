/*
 * invitations: asking someone who has an account to join a vendor's team.
 * The vendors module sends them; the invitations module lets the invitee
 * accept or decline and the owner see and revoke them.
 */
#ifndef SOUKD_INVITATIONS_H
#define SOUKD_INVITATIONS_H

#include <stdbool.h>
#include <stdint.h>

struct db;

/*
 * Invites user to vendor's team on behalf of by (the owner), inside the
 * caller's transaction; an open invitation is renewed for 7 days.  *json
 * gets the invitation (caller frees).  False on a database failure.
 */
bool	invitation_send(struct db *, int64_t user, int64_t vendor, int64_t by,
	    char **json) __attribute__((warn_unused_result));

#endif
