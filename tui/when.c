#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "when.h"
#include "xmalloc.h"

#define WHEN_WORDS	16
#define WHEN_WORDLEN	32
#define WHEN_MAX_SECS	(10L * 366 * 86400)	/* ten years ahead at most */

static bool
when_local_civil(const struct when_zone *z, time_t t, struct tm *tm)
{
	(void)z;
	return localtime_r(&t, tm) != NULL;
}

static bool
when_local_time(const struct when_zone *z, struct tm *tm, time_t *out)
{
	(void)z;
	tm->tm_isdst = -1;
	*out = mktime(tm);
	return *out != (time_t)-1;
}

static bool
when_fixed_civil(const struct when_zone *z, time_t t, struct tm *tm)
{
	t += z->offset;
	return gmtime_r(&t, tm) != NULL;
}

static bool
when_fixed_time(const struct when_zone *z, struct tm *tm, time_t *out)
{
	time_t	t = timegm(tm);

	if (t == (time_t)-1)
		return false;
	*out = t - z->offset;
	return true;
}

const struct when_zone when_zone_local = {
	when_local_civil, when_local_time, 0,
};

struct when_zone
when_zone_fixed(long offset)
{
	struct when_zone	z = { when_fixed_civil, when_fixed_time, offset };

	return z;
}

static const char *const when_days[7][2] = {
	{ "sun", "sunday" }, { "mon", "monday" }, { "tue", "tuesday" },
	{ "wed", "wednesday" }, { "thu", "thursday" }, { "fri", "friday" },
	{ "sat", "saturday" },
};

/* A unit's length: seconds (exact) or days (calendar). */
struct when_unit {
	const char	*names[5];
	long		 secs;
	int		 days;
};

static const struct when_unit when_units[] = {
	{ { "s", "sec", "secs", "second", "seconds" }, 1, 0 },
	{ { "m", "min", "mins", "minute", "minutes" }, 60, 0 },
	{ { "h", "hr", "hrs", "hour", "hours" }, 3600, 0 },
	{ { "d", "day", "days", NULL, NULL }, 0, 1 },
	{ { "w", "wk", "week", "weeks", NULL }, 0, 7 },
};

struct when_parts {
	bool	 now;
	bool	 rel;		/* a relative amount was given */
	long	 rel_secs;
	long	 rel_days;
	int	 day;		/* 0 none, 1 today, 2 tomorrow, 3 weekday, 4 date,
				   5 yesterday */
	bool	 next;
	int	 wday;
	int	 year, mon, mday;
	bool	 time;
	int	 hour, min;
	bool	 bare_hour;	/* "9": allowed only with a day */
};

static const struct when_unit *
when_unit(const char *s, size_t len)
{
	size_t	i, j;

	for (i = 0; i < sizeof when_units / sizeof when_units[0]; i++) {
		for (j = 0; j < 5 && when_units[i].names[j] != NULL; j++) {
			if (strlen(when_units[i].names[j]) == len &&
			    strncmp(when_units[i].names[j], s, len) == 0)
				return &when_units[i];
		}
	}
	return NULL;
}

/* Reads up to 6 digits; the count read, 0 if none. */
static size_t
when_digits(const char *s, long *out)
{
	size_t	i;

	*out = 0;
	for (i = 0; i < 6 && isdigit((unsigned char)s[i]); i++)
		*out = *out * 10 + (s[i] - '0');
	if (isdigit((unsigned char)s[i]))
		return 0;
	return i;
}

/*
 * Adds amounts like "1h30m" from word w (the unit may be the next word:
 * "30 minutes").  Returns how many words it used, 0 on error.
 */
static int
when_amounts(char words[][WHEN_WORDLEN], int i, int n, struct when_parts *p,
    char **cause)
{
	const struct when_unit	*u;
	const char		*s = words[i], *us;
	long			 v;
	size_t			 d;
	int			 used = 1;

	if (*s == '\0')
		goto bad;
	while (*s != '\0') {
		if ((d = when_digits(s, &v)) == 0)
			goto bad;
		s += d;
		us = s;
		while (isalpha((unsigned char)*s))
			s++;
		if (s == us) {
			/* "30 minutes": the unit is the next word. */
			if (*s != '\0' || i + 1 >= n)
				goto bad;
			u = when_unit(words[i + 1], strlen(words[i + 1]));
			used = 2;
		} else
			u = when_unit(us, (size_t)(s - us));
		if (u == NULL)
			goto bad;
		p->rel_secs += v * u->secs;
		p->rel_days += v * u->days;
		if (p->rel_secs > WHEN_MAX_SECS ||
		    p->rel_days * 86400 > WHEN_MAX_SECS) {
			*cause = xstrdup("that is too far ahead");
			return 0;
		}
		if (used == 2)
			break;
	}
	p->rel = true;
	return used;
bad:
	*cause = xasprintf("cannot read '%s' as an amount of time: write "
	    "30m, 2h, 1h30m or 1d", words[i]);
	return 0;
}

/*
 * Reads a time of day from word i (with "am"/"pm" perhaps in the next).
 * Returns words used; 0 when it is not a time; -1 when it is a bad one.
 */
static int
when_clock(char words[][WHEN_WORDLEN], int i, int n, struct when_parts *p,
    char **cause)
{
	const char	*s = words[i], *suffix;
	long		 h, m = 0;
	size_t		 d;
	int		 used = 1, half = 0;	/* 1 am, 2 pm */

	if ((d = when_digits(s, &h)) == 0 || d > 2)
		return 0;
	s += d;
	if (*s == ':') {
		s++;
		if (when_digits(s, &m) != 2) {
			*cause = xasprintf("cannot read '%s' as a time: "
			    "write 9:30, 17:00 or 11am", words[i]);
			return -1;
		}
		s += 2;
	}
	suffix = s;
	if (*suffix == '\0' && i + 1 < n && (strcmp(words[i + 1], "am") == 0 ||
	    strcmp(words[i + 1], "pm") == 0)) {
		suffix = words[i + 1];
		used = 2;
	}
	if (strcmp(suffix, "am") == 0 || strcmp(suffix, "a") == 0)
		half = 1;
	else if (strcmp(suffix, "pm") == 0 || strcmp(suffix, "p") == 0)
		half = 2;
	else if (*suffix != '\0')
		return 0;
	if (m > 59) {
		*cause = xasprintf("'%s': minutes go from 00 to 59", words[i]);
		return -1;
	}
	if (half != 0) {
		if (h < 1 || h > 12) {
			*cause = xasprintf("'%s': with am or pm the hour goes "
			    "from 1 to 12", words[i]);
			return -1;
		}
		h = h % 12 + (half == 2 ? 12 : 0);
	} else if (h > 23) {
		*cause = xasprintf("'%s': the hour goes from 0 to 23",
		    words[i]);
		return -1;
	}
	if (p->time) {
		*cause = xstrdup("give one time of day");
		return -1;
	}
	p->time = true;
	p->hour = (int)h;
	p->min = (int)m;
	p->bare_hour = half == 0 && s == words[i] + d;
	return used;
}

static int
when_month_days(int year, int mon)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (mon == 2 && (year % 4 == 0 && (year % 100 != 0 ||
	    year % 400 == 0)))
		return 29;
	return days[mon - 1];
}

/* Reads YYYY-MM-DD; 0 if it is not one, -1 if it is a bad one. */
static int
when_date(const char *s, struct when_parts *p, char **cause)
{
	long	y, m, d;

	if (when_digits(s, &y) != 4 || s[4] != '-' ||
	    when_digits(s + 5, &m) != 2 || s[7] != '-' ||
	    when_digits(s + 8, &d) != 2 || s[10] != '\0')
		return 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > when_month_days((int)y, (int)m)) {
		*cause = xasprintf("there is no date %s", s);
		return -1;
	}
	p->year = (int)y;
	p->mon = (int)m;
	p->mday = (int)d;
	return 1;
}

static bool
when_set_day(struct when_parts *p, int day, char **cause)
{
	if (p->day != 0) {
		*cause = xstrdup("give one day");
		return false;
	}
	p->day = day;
	return true;
}

/* Splits text into lower-case words; false if there are too many. */
static bool
when_split(const char *text, char words[][WHEN_WORDLEN], int *n,
    char **cause)
{
	const char	*s = text;
	size_t		 len;

	*n = 0;
	for (;;) {
		while (isspace((unsigned char)*s) || *s == ',')
			s++;
		if (*s == '\0')
			return true;
		if (*n == WHEN_WORDS) {
			*cause = xstrdup("that is too many words for a time");
			return false;
		}
		for (len = 0; s[len] != '\0' && !isspace((unsigned char)s[len])
		    && s[len] != ','; len++)
			;
		if (len >= WHEN_WORDLEN) {
			*cause = xasprintf("cannot read '%.*s'", 20, s);
			return false;
		}
		memcpy(words[*n], s, len);
		words[*n][len] = '\0';
		for (size_t k = 0; k < len; k++)
			words[*n][k] = (char)tolower((unsigned char)words[*n][k]);
		(*n)++;
		s += len;
	}
}

static bool
when_read(char words[][WHEN_WORDLEN], int n, struct when_parts *p,
    char **cause)
{
	const char	*w;
	int		 i, used, d;

	for (i = 0; i < n; i += used) {
		w = words[i];
		used = 1;
		if (strcmp(w, "at") == 0)
			continue;
		if (strcmp(w, "now") == 0) {
			p->now = true;
			continue;
		}
		if (strcmp(w, "in") == 0 || w[0] == '+') {
			if (w[0] == '+') {
				memmove(words[i], w + 1, strlen(w));
				used = when_amounts(words, i, n, p, cause);
			} else if (i + 1 < n) {
				used = when_amounts(words, i + 1, n, p, cause);
				used = used == 0 ? 0 : used + 1;
			} else {
				*cause = xstrdup("in how long? write in 30m "
				    "or in 2 hours");
				return false;
			}
			if (used == 0)
				return false;
			continue;
		}
		if (strcmp(w, "today") == 0) {
			if (!when_set_day(p, 1, cause))
				return false;
			continue;
		}
		if (strcmp(w, "tomorrow") == 0 || strcmp(w, "tmrw") == 0) {
			if (!when_set_day(p, 2, cause))
				return false;
			continue;
		}
		if (strcmp(w, "yesterday") == 0) {
			if (!when_set_day(p, 5, cause))
				return false;
			continue;
		}
		if (strcmp(w, "next") == 0) {
			p->next = true;
			continue;
		}
		for (d = 0; d < 7; d++) {
			if (strcmp(w, when_days[d][0]) == 0 ||
			    strcmp(w, when_days[d][1]) == 0)
				break;
		}
		if (d < 7) {
			if (!when_set_day(p, 3, cause))
				return false;
			p->wday = d;
			continue;
		}
		if (strcmp(w, "noon") == 0 || strcmp(w, "midday") == 0 ||
		    strcmp(w, "midnight") == 0) {
			if (p->time) {
				*cause = xstrdup("give one time of day");
				return false;
			}
			p->time = true;
			p->hour = w[1] == 'i' && w[3] == 'n' ? 0 : 12;
			p->min = 0;
			continue;
		}
		if ((d = when_date(w, p, cause)) != 0) {
			if (d < 0 || !when_set_day(p, 4, cause))
				return false;
			continue;
		}
		if ((used = when_clock(words, i, n, p, cause)) > 0)
			continue;
		if (used < 0)
			return false;
		*cause = xasprintf("cannot read '%s': write a time like "
		    "tomorrow 11am, +2h, in 30m or mon 9:30", w);
		return false;
	}
	return true;
}

bool
when_parse(const char *text, time_t now, const struct when_zone *z,
    time_t *out, char **cause)
{
	char			words[WHEN_WORDS][WHEN_WORDLEN];
	struct when_parts	p;
	struct tm		tm, base;
	time_t			t;
	int			n, ahead = 0;

	*cause = NULL;
	memset(&p, 0, sizeof p);
	if (text == NULL || !when_split(text, words, &n, cause))
		goto fail;
	if (n == 0) {
		*cause = xstrdup("give a time, like tomorrow 11am or +2h");
		goto fail;
	}
	if (!when_read(words, n, &p, cause))
		goto fail;
	if (p.next && p.day != 3) {
		*cause = xstrdup("next what? write next mon");
		goto fail;
	}
	if (p.rel && (p.day != 0 || p.time)) {
		*cause = xstrdup("give either an amount (+2h) or a day and a "
		    "time, not both");
		goto fail;
	}
	if (p.now && (p.rel || p.day != 0 || p.time)) {
		*cause = xstrdup("'now' stands alone");
		goto fail;
	}
	if (p.bare_hour && p.day == 0) {
		*cause = xasprintf("%d what? write %dam, %dpm or %d:00",
		    p.hour, p.hour, p.hour, p.hour);
		goto fail;
	}
	if (!z->civil(z, now, &base))
		goto zone;
	if (p.now) {
		*out = now;
		return true;
	}
	tm = base;
	if (p.rel) {
		tm.tm_mday += (int)p.rel_days;
		if (!z->to_time(z, &tm, &t))
			goto zone;
		*out = t + p.rel_secs;
		return true;
	}
	if (p.time) {
		tm.tm_hour = p.hour;
		tm.tm_min = p.min;
		tm.tm_sec = 0;
	}
	switch (p.day) {
	case 0:			/* a time alone: the next time it comes */
	case 1:
		break;
	case 2:
		tm.tm_mday++;
		break;
	case 5:
		tm.tm_mday--;
		break;
	case 3:
		ahead = (p.wday - base.tm_wday + 7) % 7;
		if (ahead == 0 && p.next)
			ahead = 7;
		tm.tm_mday += ahead;
		break;
	case 4:
		tm.tm_year = p.year - 1900;
		tm.tm_mon = p.mon - 1;
		tm.tm_mday = p.mday;
		break;
	}
	if (!z->to_time(z, &tm, &t))
		goto zone;
	if (t <= now && (p.day == 0 || (p.day == 3 && ahead == 0))) {
		tm = base;
		if (p.time) {
			tm.tm_hour = p.hour;
			tm.tm_min = p.min;
			tm.tm_sec = 0;
		}
		tm.tm_mday += p.day == 0 ? 1 : 7;
		if (!z->to_time(z, &tm, &t))
			goto zone;
	}
	*out = t;
	return true;
zone:
	*cause = xstrdup("the time zone cannot express that time");
fail:
	if (*cause == NULL)
		*cause = xstrdup("cannot read that time");
	return false;
}
