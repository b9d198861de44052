/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for fcgi/records.c: conn_scan(), the look at a connection's
 * queued input before libfcgi reads it, as one table of record streams
 * (FastCGI 1.0, sections 3 to 5), each with the verdict, the request id,
 * the FCGI_STDIN length and the reason expected.  The rows cover every
 * record shape tests/faults/fcgi_faults.py sends to the running
 * responder, with the window full (full = 1) where that case fills the
 * peek window; what the transport then does with each verdict is the
 * faults suite's to check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../fcgi/records.c"

/* A record header (section 3.3): version 1, type, id, length, padding. */
#define HDRV(ver, type, id, clen, pad)                                         \
	(ver), (type), ((id) >> 8) & 0xff, (id)&0xff, ((clen) >> 8) & 0xff,    \
	    (clen)&0xff, (pad), 0
#define HDR(type, id, clen, pad) HDRV(FCGI_VERSION_1, type, id, clen, pad)
/* FCGI_BEGIN_REQUEST (section 5.1) for role, flags 0. */
#define BEGIN_ID(id, role)                                                     \
	HDR(FCGI_BEGIN_REQUEST, id, FCGI_BEGIN_BODY_LEN, 0), ((role) >> 8),    \
	    ((role)&0xff), 0, 0, 0, 0, 0, 0
#define BEGIN BEGIN_ID(1, FCGI_RESPONDER)
/* One FCGI_PARAMS record holding A=b, padded to 8 bytes, then the end. */
#define PARAMS_AB HDR(FCGI_PARAMS, 1, 4, 4), 1, 1, 'A', 'b', 0, 0, 0, 0
#define PARAMS_END HDR(FCGI_PARAMS, 1, 0, 0)
#define STDIN_END HDR(FCGI_STDIN, 1, 0, 0)
#define GOOD BEGIN, PARAMS_AB, PARAMS_END, STDIN_END
/* A name-value pair with an empty value (section 3.4), 1-byte lengths. */
#define NAME_MAX_CONNS                                                         \
	14, 0, 'F', 'C', 'G', 'I', '_', 'M', 'A', 'X', '_', 'C', 'O', 'N',     \
	    'N', 'S'
#define NAME_MAX_REQS                                                          \
	13, 0, 'F', 'C', 'G', 'I', '_', 'M', 'A', 'X', '_', 'R', 'E', 'Q', 'S'
#define NAME_MPXS_CONNS                                                        \
	15, 0, 'F', 'C', 'G', 'I', '_', 'M', 'P', 'X', 'S', '_', 'C', 'O',     \
	    'N', 'N', 'S'

#define IN(...)                                                                \
	(const unsigned char[]){__VA_ARGS__},                                  \
	    sizeof((const unsigned char[]){__VA_ARGS__})

/* No input: a pointer to one byte, and length 0. */
#define NONE (const unsigned char[]){0}, 0

#define TYPE_BOGUS 99
#define ROLE_AUTHORIZER 2
#define ROLE_FILTER 3

static const struct row {
	const char *name;
	const unsigned char *in;
	size_t n;
	int full;         /* the input fills the peek window */
	enum scan want;   /* conn_scan()'s verdict */
	unsigned id;      /* *id: request id, or the management record's type */
	size_t stdin_len; /* *stdin_len */
	const char *why;  /* *why */
} rows[] = {
    /* Whole requests. */
    {"baseline: well-formed GET", IN(GOOD), 0, SCAN_READY, 1, 0, ""},
    {"keep-alive: two requests back to back (the first is whole)",
	IN(GOOD, GOOD), 0, SCAN_READY, 1, 0, ""},
    {"request id 7",
	IN(BEGIN_ID(7, FCGI_RESPONDER), HDR(FCGI_PARAMS, 7, 0, 0),
	    HDR(FCGI_STDIN, 7, 0, 0)),
	0, SCAN_READY, 7, 0, ""},
    {"a whole request in a full window", IN(GOOD), 1, SCAN_READY, 1, 0, ""},
    {"stdin end: body in two records, then the empty one",
	IN(BEGIN, PARAMS_AB, PARAMS_END, HDR(FCGI_STDIN, 1, 3, 5), 'a', 'b',
	    'c', 0, 0, 0, 0, 0, HDR(FCGI_STDIN, 1, 2, 0), 'd', 'e', STDIN_END),
	0, SCAN_READY, 1, 5, ""},
    {"STDIN longer than CONTENT_LENGTH (the scanner does not read params)",
	IN(BEGIN, PARAMS_AB, PARAMS_END, HDR(FCGI_STDIN, 1, 8, 0), 'x', 'x',
	    'x', 'x', 'x', 'x', 'x', 'x', STDIN_END),
	0, SCAN_READY, 1, 8, ""},
    {"padding: 255 bytes after a 1-byte PARAMS record",
	IN(BEGIN, HDR(FCGI_PARAMS, 1, 1, 255), 'z', [24 + 255] = 0, PARAMS_END,
	    STDIN_END),
	0, SCAN_READY, 1, 0, ""},
    {"padding on the empty STDIN record",
	IN(BEGIN, PARAMS_END, HDR(FCGI_STDIN, 1, 0, 3), 0, 0, 0), 0, SCAN_READY,
	1, 0, ""},
    {"PARAMS name length 0x7fffffff, stream ended (libfcgi's to refuse)",
	IN(BEGIN, HDR(FCGI_PARAMS, 1, 5, 3), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
	    PARAMS_END, STDIN_END),
	0, SCAN_READY, 1, 0, ""},
    {"PARAMS name and value lengths 0x7fffffff + 0x7fffffff",
	IN(BEGIN, HDR(FCGI_PARAMS, 1, 8, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, PARAMS_END, STDIN_END),
	0, SCAN_READY, 1, 0, ""},
    {"second BEGIN_REQUEST (id 2) while id 1 is in progress (skipped)",
	IN(BEGIN, PARAMS_AB, BEGIN_ID(2, FCGI_RESPONDER),
	    HDR(FCGI_PARAMS, 2, 2, 6), 'z', 'z', 0, 0, 0, 0, 0, 0, PARAMS_END,
	    STDIN_END),
	0, SCAN_READY, 1, 0, ""},
    {"a record of another id without its BEGIN_REQUEST (skipped)",
	IN(BEGIN, HDR(FCGI_STDIN, 3, 0, 0), PARAMS_END, STDIN_END), 0,
	SCAN_READY, 1, 0, ""},
    {"FCGI_GET_VALUES with the three names libfcgi knows, then a request",
	IN(HDR(FCGI_GET_VALUES, 0, 48, 0), NAME_MAX_CONNS, NAME_MAX_REQS,
	    NAME_MPXS_CONNS, GOOD),
	0, SCAN_READY, 1, 0, ""},
    {"two FCGI_GET_VALUES, then a request",
	IN(HDR(FCGI_GET_VALUES, 0, 0, 0), HDR(FCGI_GET_VALUES, 0, 0, 0), GOOD),
	0, SCAN_READY, 1, 0, ""},

    /* Not there yet: wait for more. */
    {"nothing queued", NONE, 0, SCAN_WAIT, 0, 0, ""},
    {"truncated record header (5 of 8 bytes)",
	IN(FCGI_VERSION_1, FCGI_BEGIN_REQUEST, 0, 1, 0), 0, SCAN_WAIT, 0, 0,
	""},
    {"truncated record body (PARAMS says 100 bytes, 10 sent)",
	IN(BEGIN, HDR(FCGI_PARAMS, 1, 100, 4), 'x', 'x', 'x', 'x', 'x', 'x',
	    'x', 'x', 'x', 'x'),
	0, SCAN_WAIT, 1, 0, ""},
    {"truncated request: its first 13 bytes",
	IN(HDR(FCGI_BEGIN_REQUEST, 1, FCGI_BEGIN_BODY_LEN, 0), 0, 1, 0, 0, 0),
	0, SCAN_WAIT, 0, 0, ""},
    {"truncated padding", IN(BEGIN, HDR(FCGI_PARAMS, 1, 4, 4), 1, 1, 'A', 'b'),
	0, SCAN_WAIT, 1, 0, ""},
    {"disconnect mid-PARAMS (the hang-up is the transport's)",
	IN(BEGIN, HDR(FCGI_PARAMS, 1, 20, 4), 'R', 'E', 'Q'), 0, SCAN_WAIT, 1,
	0, ""},
    {"CONTENT_LENGTH 100 and no STDIN at all", IN(BEGIN, PARAMS_AB, PARAMS_END),
	0, SCAN_WAIT, 1, 0, ""},
    {"disconnect mid-STDIN: one STDIN record, no end",
	IN(BEGIN, PARAMS_END, HDR(FCGI_STDIN, 1, 2, 6), 'a', 'b', 0, 0, 0, 0, 0,
	    0),
	0, SCAN_WAIT, 1, 2, ""},
    {"management record truncated (says 8 bytes, 4 sent)",
	IN(HDR(TYPE_BOGUS, 0, 8, 0), 'a', 'b', 'c', 'd'), 0, SCAN_WAIT, 0, 0,
	""},

    /* The window is full. */
    {"body larger than the peek window: parameters whole, body not",
	IN(BEGIN, PARAMS_AB, PARAMS_END, HDR(FCGI_STDIN, 1, 4, 4), 'x', 'x',
	    'x', 'x', 0, 0, 0, 0, HDR(FCGI_STDIN, 1, 60000, 0), 'x'),
	1, SCAN_BIG, 1, 4, ""},
    {"CONTENT_LENGTH 10^15: parameters whole, no STDIN, window full",
	IN(BEGIN, PARAMS_AB, PARAMS_END), 1, SCAN_BIG, 1, 0, ""},
    {"PARAMS longer than the peek window",
	IN(BEGIN, PARAMS_AB, HDR(FCGI_PARAMS, 1, 60000, 0), 'p', 'p'), 1,
	SCAN_BAD, 1, 0, "parameters longer than the peek window"},

    /* Other roles (section 5.1): FCGI_UNKNOWN_ROLE. */
    {"BEGIN_REQUEST role AUTHORIZER",
	IN(BEGIN_ID(1, ROLE_AUTHORIZER), PARAMS_END, STDIN_END), 0, SCAN_ROLE,
	1, 0, ""},
    {"BEGIN_REQUEST role FILTER",
	IN(BEGIN_ID(1, ROLE_FILTER), PARAMS_END, STDIN_END), 0, SCAN_ROLE, 1, 0,
	""},
    {"BEGIN_REQUEST role 99, id 9", IN(BEGIN_ID(9, 99)), 0, SCAN_ROLE, 9, 0,
	""},
    {"BEGIN_REQUEST role 0x0101 (both bytes count)", IN(BEGIN_ID(1, 0x101)), 0,
	SCAN_ROLE, 1, 0, ""},

    /* Management records libfcgi does not know (section 4.2). */
    {"bogus type 99 as a management record (id 0), empty, then a request",
	IN(HDR(TYPE_BOGUS, 0, 0, 0), GOOD), 0, SCAN_MGMT, TYPE_BOGUS, 8, ""},
    {"bogus type 99 (id 0) with an 8-byte body",
	IN(HDR(TYPE_BOGUS, 0, 8, 0), 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
	    HDR(TYPE_BOGUS, 0, 8, 0)),
	0, SCAN_MGMT, TYPE_BOGUS, 16, ""},
    {"bogus type 99 (id 0) with 3 bytes and padding",
	IN(HDR(TYPE_BOGUS, 0, 3, 5), 'a', 'b', 'c', 0, 0, 0, 0, 0), 0,
	SCAN_MGMT, TYPE_BOGUS, 16, ""},
    {"BEGIN_REQUEST with id 0 is a management record",
	IN(BEGIN_ID(0, FCGI_RESPONDER)), 0, SCAN_MGMT, FCGI_BEGIN_REQUEST, 16,
	""},

    /* Protocol violations: the connection is closed. */
    {"bogus type 99 inside a request (id 1)",
	IN(BEGIN, HDR(TYPE_BOGUS, 1, 3, 5), 'a', 'b', 'c', 0, 0, 0, 0, 0,
	    PARAMS_END, STDIN_END),
	0, SCAN_BAD, 1, 0, "unexpected record type"},
    {"version byte 2 on BEGIN_REQUEST",
	IN(HDRV(2, FCGI_BEGIN_REQUEST, 1, 8, 0), 0, 1, 0, 0, 0, 0, 0, 0,
	    PARAMS_END, STDIN_END),
	0, SCAN_BAD, 0, 0, "unsupported FastCGI version"},
    {"version byte 0 on a management record", IN(HDRV(0, TYPE_BOGUS, 0, 0, 0)),
	0, SCAN_BAD, 0, 0, "unsupported FastCGI version"},
    {"version byte 2 on PARAMS, header alone",
	IN(BEGIN, HDRV(2, FCGI_PARAMS, 1, 0, 0)), 0, SCAN_BAD, 1, 0,
	"unsupported FastCGI version"},
    {"FCGI_GET_VALUES one byte too long (49)",
	IN(HDR(FCGI_GET_VALUES, 0, 49, 0), NAME_MAX_CONNS, NAME_MAX_REQS,
	    NAME_MPXS_CONNS, 0),
	0, SCAN_BAD, 0, 0, "FCGI_GET_VALUES too long"},
    {"FCGI_GET_VALUES naming FCGI_MPXS_CONNS 5 times",
	IN(HDR(FCGI_GET_VALUES, 0, 85, 3), NAME_MPXS_CONNS, NAME_MPXS_CONNS,
	    NAME_MPXS_CONNS, NAME_MPXS_CONNS, NAME_MPXS_CONNS, 0, 0, 0, GOOD),
	0, SCAN_BAD, 0, 0, "FCGI_GET_VALUES too long"},
    {"FCGI_GET_VALUES too long, header alone",
	IN(HDR(FCGI_GET_VALUES, 0, 17 * 40, 0)), 0, SCAN_BAD, 0, 0,
	"FCGI_GET_VALUES too long"},
    {"a management record inside a request",
	IN(BEGIN, HDR(FCGI_GET_VALUES, 0, 0, 0), PARAMS_END, STDIN_END), 0,
	SCAN_BAD, 1, 0, "management record inside a request"},
    {"an unknown management record after FCGI_GET_VALUES",
	IN(HDR(FCGI_GET_VALUES, 0, 0, 0), HDR(TYPE_BOGUS, 0, 0, 0), GOOD), 0,
	SCAN_BAD, 0, 0, "management record after another"},
    {"PARAMS before BEGIN_REQUEST", IN(PARAMS_END, STDIN_END), 0, SCAN_BAD, 0,
	0, "record before FCGI_BEGIN_REQUEST"},
    {"BEGIN_REQUEST with a 4-byte body",
	IN(HDR(FCGI_BEGIN_REQUEST, 1, 4, 4), 0, 1, 0, 0, 0, 0, 0, 0), 0,
	SCAN_BAD, 0, 0, "malformed FCGI_BEGIN_REQUEST"},
    {"ABORT_REQUEST after PARAMS, mid-STDIN",
	IN(BEGIN, PARAMS_AB, PARAMS_END, HDR(FCGI_STDIN, 1, 2, 6), 'a', 'b', 0,
	    0, 0, 0, 0, 0, HDR(FCGI_ABORT_REQUEST, 1, 0, 0)),
	0, SCAN_BAD, 1, 2, "FCGI_ABORT_REQUEST"},
    {"STDIN before the end of PARAMS",
	IN(BEGIN, PARAMS_AB, HDR(FCGI_STDIN, 1, 0, 0)), 0, SCAN_BAD, 1, 0,
	"unexpected record type"},
    {"PARAMS after the end of PARAMS",
	IN(BEGIN, PARAMS_END, PARAMS_AB, STDIN_END), 0, SCAN_BAD, 1, 0,
	"unexpected record type"},
    {"END_REQUEST from the peer", IN(BEGIN, HDR(FCGI_END_REQUEST, 1, 0, 0)), 0,
	SCAN_BAD, 1, 0, "unexpected record type"},
};

static const char *const scan_names[SCAN__MAX] = {
    [SCAN_WAIT] = "SCAN_WAIT",
    [SCAN_READY] = "SCAN_READY",
    [SCAN_BIG] = "SCAN_BIG",
    [SCAN_ROLE] = "SCAN_ROLE",
    [SCAN_MGMT] = "SCAN_MGMT",
    [SCAN_BAD] = "SCAN_BAD",
};

static const char *
scan_name(enum scan s)
{
	return (unsigned)s < SCAN__MAX && scan_names[s] != NULL ? scan_names[s]
								: "?";
}

/* Every row: the verdict, the id, the FCGI_STDIN length, the reason. */
static void
test_scan_rows(void **state)
{
	const struct row *r;
	const char *why;
	size_t i, stdin_len, failed = 0;
	unsigned id;
	enum scan got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		got = conn_scan(r->in, r->n, r->full, &stdin_len, &id, &why);
		if (got != r->want || id != r->id ||
		    stdin_len != r->stdin_len || strcmp(why, r->why) != 0) {
			print_error("row %zu, %s:\n  got  %s id %u stdin %zu "
				    "why \"%s\"\n  want %s id %u stdin %zu "
				    "why \"%s\"\n",
			    i, r->name, scan_name(got), id, stdin_len, why,
			    scan_name(r->want), r->id, r->stdin_len, r->why);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* The table holds every verdict, and every row a name. */
static void
test_scan_table(void **state)
{
	size_t i, seen[SCAN__MAX] = {0};

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_non_null(rows[i].name);
		assert_true((unsigned)rows[i].want < SCAN__MAX);
		seen[rows[i].want]++;
	}
	for (i = 0; i < SCAN__MAX; i++)
		if (seen[i] == 0)
			fail_msg("no row expects %s", scan_name((enum scan)i));
}

/*
 * Cut a whole request at every length: each prefix is SCAN_WAIT until
 * the last byte, which makes it SCAN_READY; with the window full, a
 * prefix that holds all parameters is SCAN_BIG, one that does not is
 * SCAN_BAD.
 */
static void
test_scan_prefixes(void **state)
{
	static const unsigned char req[] = {GOOD};
	/* the bytes up to the end of the empty PARAMS record */
	const size_t params_end = 16 + 16 + 8;
	const char *why;
	size_t n, stdin_len;
	unsigned id;

	(void)state;
	for (n = 0; n < sizeof(req); n++) {
		assert_int_equal(
		    conn_scan(req, n, 0, &stdin_len, &id, &why), SCAN_WAIT);
		assert_int_equal(conn_scan(req, n, 1, &stdin_len, &id, &why),
		    n >= params_end ? SCAN_BIG : SCAN_BAD);
	}
	assert_int_equal(
	    conn_scan(req, sizeof(req), 0, &stdin_len, &id, &why), SCAN_READY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scan_table),
	    cmocka_unit_test(test_scan_rows),
	    cmocka_unit_test(test_scan_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
