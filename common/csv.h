/*
 * csv: reading and writing comma-separated values (RFC 4180) as
 * spreadsheets make them: fields quoted with " when they hold commas,
 * quotes or line breaks, "" for a quote inside, CRLF or LF between
 * records, an optional UTF-8 byte order mark before the first.  Pure: no
 * I/O; the reader walks a buffer the caller holds.
 */
#ifndef SOUK_CSV_H
#define SOUK_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define CSV_MAX_FIELDS	200

struct csv_reader {
	const char	*p, *end;
	size_t		 line;		/* where the record starts, from 1 */
	size_t		 lines;		/* line breaks read so far */
	size_t		 max_field;	/* bytes; longer fields are an error */
	char		 error[128];
	/* The current record. */
	char		*fields[CSV_MAX_FIELDS];
	size_t		 nfields;
	struct buf	 scratch;
};

/* Reads from the len bytes at data (which must outlive the reader). */
void	csv_open(struct csv_reader *, const char *data, size_t len,
	    size_t max_field);
/*
 * Reads the next record into fields/nfields (NUL-terminated copies, valid
 * until the next call).  Returns 1 for a record, 0 at the end, -1 on an
 * error (error says what, line where): a quote left open, text after a
 * closing quote, too many fields, a field too long.  Blank lines are
 * skipped.
 */
int	csv_next(struct csv_reader *);
void	csv_close(struct csv_reader *);

/*
 * Appends one field to b, quoted when it must be.  A text field that a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or
 * carriage return) gets a leading ' so that it stays text.  false when b
 * is full.
 */
bool	csv_field(struct buf *b, const char *s, bool text)
	    __attribute__((warn_unused_result));

#endif
