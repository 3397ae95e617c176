/*
 * usercmd: commands an operator runs from the shell.  `soukd user add`
 * creates an account (the first admin, or scripted staff), `soukd keys
 * rotate` starts signing access tokens with a new key.
 */
#ifndef SOUKD_USERCMD_H
#define SOUKD_USERCMD_H

#include <stdbool.h>

struct config;

#define USER_ADD_MAX_REGIONS 16

struct user_add {
	const char	*role;
	const char	*email;
	const char	*phone;
	const char	*name;
	const char	*regions[USER_ADD_MAX_REGIONS];	/* ids or ISO codes */
	int		 nregions;
	const char	*vendor;	/* vendor roles: the vendor's id */
	bool		 password_stdin;	/* else one is generated */
};

/* Creates the account; returns the exit status (messages on stderr). */
int	usercmd_add(const struct config *, const struct user_add *);
/* Adds a signing key and retires the others; returns the exit status. */
int	usercmd_keys_rotate(const struct config *);

#endif
