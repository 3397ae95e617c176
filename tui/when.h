/*
 * when: reads the times people type for callbacks and reminders, such as
 * "tomorrow 11am", "+2h", "in 30m", "mon 9:30", "today 17:00", "noon" or
 * "2025-03-14 10:00".  Pure: the text, a reference time and a time zone go
 * in, a time or a reason comes out.
 *
 *   now			the reference time
 *   +2h, +1h30m, in 30m,	the reference time plus the amount; units s, m,
 *   in 2 hours			h (exact), d, w (calendar days: same wall time)
 *   today, tomorrow,		that day at the time given, or at the
 *   yesterday, mon..sun,	reference time of day when none is given; a
 *   monday.., YYYY-MM-DD	weekday is the next one not yet past ("mon"
 *				on a Monday after the time means next Monday);
 *				"next mon" is never today
 *   11am, 9:30pm, 17:00,	that time on the day given; alone, the next
 *   noon, midnight, 9		time it comes (today, else tomorrow); a bare
 *				hour needs a day
 *
 * Words are case-insensitive, may come in either order and "at" is
 * ignored: "at 11am tomorrow" works.  "today 9am" and "yesterday" may lie
 * in the past: the caller decides whether that is acceptable.
 */
#ifndef SOUK_WHEN_H
#define SOUK_WHEN_H

#include <stdbool.h>
#include <time.h>

/*
 * A time zone: how a time reads on the wall there, and back.  civil fills
 * a struct tm (tm_wday included); to_time normalises an out-of-range tm
 * (day 32, hour 24) as mktime does.
 */
struct when_zone {
	bool	(*civil)(const struct when_zone *, time_t, struct tm *);
	bool	(*to_time)(const struct when_zone *, struct tm *, time_t *);
	long	  offset;	/* seconds east of UTC, for when_zone_fixed */
};

/* The zone of the process (TZ, /etc/localtime). */
extern const struct when_zone when_zone_local;
/* A zone at a fixed offset from UTC, in seconds (19800 for India). */
struct when_zone when_zone_fixed(long offset);

/*
 * Reads text relative to now in zone.  True with *out set, or false with
 * *cause (a sentence for the user, caller frees).
 */
bool	when_parse(const char *text, time_t now, const struct when_zone *,
	    time_t *out, char **cause) __attribute__((warn_unused_result));

#endif
