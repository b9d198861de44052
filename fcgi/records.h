/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * FastCGI 1.0 records as records.c reads them: the protocol's constants
 * and what conn_scan() says of a connection's queued input.
 */
#ifndef MAC_RECORDS_H
#define MAC_RECORDS_H

#include <stddef.h>

/*
 * FastCGI 1.0 (the specification's section 8), for the look at a
 * request before libfcgi reads it; libfcgi does not install fastcgi.h.
 */
#define FCGI_HEADER_LEN 8
#define FCGI_VERSION_1 1
#define FCGI_BEGIN_REQUEST 1
#define FCGI_ABORT_REQUEST 2
#define FCGI_END_REQUEST 3
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_GET_VALUES 9
#define FCGI_UNKNOWN_TYPE 11
#define FCGI_BEGIN_BODY_LEN 8
#define FCGI_RESPONDER 1
#define FCGI_UNKNOWN_ROLE 3

/* What conn_scan() found in a connection's queued input. */
enum scan {
	SCAN_WAIT,  /* no whole request yet: wait for more */
	SCAN_READY, /* a whole request, up to its empty FCGI_STDIN record */
	SCAN_BIG,   /* the window is full: parameters whole, body not */
	SCAN_ROLE,  /* a role other than FCGI_RESPONDER (spec 6) */
	SCAN_MGMT,  /* first, a management record libfcgi does not know */
	SCAN_BAD,   /* a protocol violation: close the connection */
	SCAN__MAX
};

enum scan conn_scan(const unsigned char *p, size_t n, int full,
    size_t *stdin_len, unsigned *id, const char **why);
void conn_unknown_role(int fd, unsigned id);
int conn_unknown_type(int fd, unsigned char *buf, size_t len, unsigned type);

#endif
