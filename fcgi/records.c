/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * FastCGI records, read before libfcgi reads them: conn_scan() walks the
 * record headers of a connection's queued input and says whether a
 * whole request is there, and the two replies libfcgi cannot give
 * (FCGI_UNKNOWN_ROLE, FCGI_UNKNOWN_TYPE) are written here.  The scanner
 * is pure (no I/O, no global state); tests/unit/test_records.c checks
 * it against a table of record streams.
 */
#include <sys/socket.h>

#include <stddef.h>

#include "records.h"

/*
 * The longest FCGI_GET_VALUES body we let libfcgi answer: the three
 * names it knows, once each.  libfcgi 2.4.2 (ProcessManagementRecord in
 * fcgiapp.c) sprintf()s one entry per name it recognises into a 64-byte
 * stack buffer without a bound, so five copies of "FCGI_MPXS_CONNS"
 * smash its stack and end the process ("stack smashing detected").
 */
#define FCGI_GET_VALUES_MAX (16 + 15 + 17)

/*
 * Look at a connection's queued input, p[0..n) (FastCGI 1.0, sections 3
 * and 5), and say whether libfcgi can read a whole request from it
 * without waiting.  full: n is the whole peek window.  Checks only what
 * libfcgi would mishandle or block on; the request's content is libfcgi's
 * and lib/'s business.  Allowed before FCGI_BEGIN_REQUEST: management
 * records (request id 0), which libfcgi answers, FCGI_GET_VALUES only up
 * to FCGI_GET_VALUES_MAX.  After it: the request's FCGI_PARAMS, then its
 * FCGI_STDIN; further FCGI_BEGIN_REQUESTs (libfcgi answers
 * FCGI_CANT_MPX_CONN) and records of other ids (libfcgi skips them).
 * A management record of another type is SCAN_MGMT if it comes first,
 * with its type in *id and its length in *stdin_len, for conn_run() to
 * answer: libfcgi would leak 48 bytes on each (NewParams() in
 * ProcessManagementRecord) and then read its body as request data.
 * Anything else (another version, a record before FCGI_BEGIN_REQUEST,
 * FCGI_ABORT_REQUEST, which libfcgi cannot honour, parameters longer
 * than the window) is SCAN_BAD, with the reason in *why.  Sets
 * *stdin_len to the FCGI_STDIN content in whole records and *id to the
 * request id.  Pure: no I/O.
 */
enum scan
conn_scan(const unsigned char *p, size_t n, int full, size_t *stdin_len,
    unsigned *id, const char **why)
{
	size_t off = 0, end, clen;
	unsigned type, rid;
	int begun = 0, params_done = 0;

	*stdin_len = 0;
	*id = 0;
	*why = "";
	for (; n - off >= FCGI_HEADER_LEN; off = end) {
		type = p[off + 1];
		rid = (unsigned)p[off + 2] << 8 | p[off + 3];
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		end = off + FCGI_HEADER_LEN + clen + p[off + 6];
		if (p[off] != FCGI_VERSION_1)
			*why = "unsupported FastCGI version";
		else if (rid == 0 && begun)
			*why = "management record inside a request";
		else if (rid == 0 && type == FCGI_GET_VALUES &&
			 clen > FCGI_GET_VALUES_MAX)
			*why = "FCGI_GET_VALUES too long";
		else if (rid != 0 && !begun && type != FCGI_BEGIN_REQUEST)
			*why = "record before FCGI_BEGIN_REQUEST";
		else if (rid != 0 && !begun && clen != FCGI_BEGIN_BODY_LEN)
			*why = "malformed FCGI_BEGIN_REQUEST";
		else if (begun && rid == *id && type == FCGI_ABORT_REQUEST)
			*why = "FCGI_ABORT_REQUEST";
		else if (begun && rid == *id && type != FCGI_BEGIN_REQUEST &&
			 type != (params_done ? FCGI_STDIN : FCGI_PARAMS))
			*why = "unexpected record type";
		else if (rid == 0 && type != FCGI_GET_VALUES && off > 0)
			*why = "management record after another";
		if (**why != '\0')
			return SCAN_BAD;
		if (end > n)
			break;
		if (rid == 0 && type != FCGI_GET_VALUES) {
			*id = type;
			*stdin_len = end;
			return SCAN_MGMT;
		}
		if (rid == 0 || (begun && rid != *id) ||
		    (begun && type == FCGI_BEGIN_REQUEST))
			continue;
		if (!begun) {
			begun = 1;
			*id = rid;
			if (((unsigned)p[off + FCGI_HEADER_LEN] << 8 |
				p[off + FCGI_HEADER_LEN + 1]) != FCGI_RESPONDER)
				return SCAN_ROLE;
		} else if (!params_done) {
			params_done = clen == 0;
		} else if (clen == 0) {
			return SCAN_READY;
		} else {
			*stdin_len += clen;
		}
	}
	if (!full)
		return SCAN_WAIT;
	if (!params_done) {
		*why = "parameters longer than the peek window";
		return SCAN_BAD;
	}
	return SCAN_BIG;
}

/*
 * Tell the peer we do not play role in request id (FastCGI 1.0, 5.5:
 * FCGI_END_REQUEST with FCGI_UNKNOWN_ROLE).  Best effort: the connection
 * is closed next.
 */
void
conn_unknown_role(int fd, unsigned id)
{
	unsigned char rec[FCGI_HEADER_LEN + FCGI_BEGIN_BODY_LEN] = {
	    FCGI_VERSION_1, FCGI_END_REQUEST, 0, 0, 0, FCGI_BEGIN_BODY_LEN};

	rec[2] = (unsigned char)(id >> 8);
	rec[3] = (unsigned char)id;
	rec[FCGI_HEADER_LEN + 4] = FCGI_UNKNOWN_ROLE;
	if (send(fd, rec, sizeof(rec), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* The peer is gone; nothing to tell. */
	}
}

/*
 * Take the management record of unknown type that heads fd's input, len
 * bytes, and answer FCGI_UNKNOWN_TYPE (FastCGI 1.0, 4.2).  Returns -1 if
 * that fails.
 */
int
conn_unknown_type(int fd, unsigned char *buf, size_t len, unsigned type)
{
	unsigned char rec[FCGI_HEADER_LEN + FCGI_BEGIN_BODY_LEN] = {
	    FCGI_VERSION_1, FCGI_UNKNOWN_TYPE, 0, 0, 0, FCGI_BEGIN_BODY_LEN};

	rec[FCGI_HEADER_LEN] = (unsigned char)type;
	if (recv(fd, buf, len, MSG_DONTWAIT) != (ssize_t)len ||
	    send(fd, rec, sizeof(rec), MSG_NOSIGNAL) != (ssize_t)sizeof(rec))
		return -1;
	return 0;
}
