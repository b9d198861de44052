/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * One request: take the request libfcgi has read, its FastCGI
 * parameters (through marshal_req()) and FCGI_STDIN, into a struct
 * mac_req, answer it with mac_handle() from the configuration pinned
 * through cfgswap (or, at METRICS_PATH, with metrics_handle()), count it
 * (metrics.c), and write the bytes marshal_answer() makes back in one
 * piece (-d: and log one line about it).  It never routes, parses a
 * query or a body, renders, or holds a status number; lib/, marshal.c
 * and http.c do that.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h> /* LOG_ERR, LOG_DEBUG */
#include <time.h>

#include <fcgiapp.h>

#include "mailautoconf.h"
#include "mac_limits.h" /* MAC_BODY_MAX, MAC_LOCAL_MAX */
#include "cfgswap.h"
#include "front.h"
#include "metrics.h"
#include "responder.h"

/*
 * Unread request body we still read and discard so that nginx can keep
 * the connection; beyond this the connection is closed instead.  Matches
 * client_max_body_size in nginx/mailautoconf-locations.conf.
 */
#define DRAIN_MAX (64 * 1024)
#define SECS_PER_DAY 86400

int debug_log; /* -d: one line per request, address included */

/* marshal_req()'s lookup in a request libfcgi has read. */
static const char *
req_getparam(void *ctx, const char *name)
{
	const FCGX_Request *fr = ctx;

	return FCGX_GetParam(name, fr->envp);
}

/* Milliseconds since midnight UTC, for struct mac_req's now_ms. */
static uint32_t
req_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < 0)
		ts.tv_sec = 0;
	return (uint32_t)((ts.tv_sec % SECS_PER_DAY) * MS_PER_SEC +
			  ts.tv_nsec / NS_PER_MS);
}

/*
 * Read the request body into w->body: at most MAC_BODY_MAX bytes, never
 * more than CONTENT_LENGTH says (RFC 3875 4.2: the script must not read
 * beyond it), and nothing if CONTENT_LENGTH already says it is longer;
 * either way body_too_big tells lib/.  Then read and discard what is
 * left, up to DRAIN_MAX, so the FastCGI connection stays usable for
 * nginx's next request; a longer remainder is left unread and the
 * connection is closed after the answer instead.  Reads stop at
 * w->stdin_cap bytes, the part of the body we saw queued (see
 * conn_scan()); a body cut there is answered as too big.  Returns -1 if
 * the stream failed (the peer went away or broke the protocol), and the
 * request must not be answered; 0 otherwise.
 */
static int
body_read(struct worker *w, FCGX_Request *fr, struct mac_req *req)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	unsigned long long want = 0;
	size_t left, cap = w->stdin_cap, take;
	int n, have_cl = 0;
	char *end;

	if (cl != NULL && cl[0] != '\0') {
		errno = 0;
		want = strtoull(cl, &end, 10);
		have_cl = *end == '\0' && errno == 0 && cl[0] != '-';
		if (!have_cl)
			want = 0; /* nginx never sends this; read what comes */
	}
	req->body.p = w->body;
	if (want > MAC_BODY_MAX) {
		req->body_too_big = 1;
		if (want > DRAIN_MAX) {
			fr->keepConnection = 0;
			return 0;
		}
	} else {
		take = have_cl ? (size_t)want : sizeof(w->body);
		if (take > cap)
			take = cap;
		n = FCGX_GetStr(w->body, (int)take, fr->in);
		if (n < 0)
			n = 0;
		cap -= (size_t)n;
		req->body.len = (size_t)n;
		if (req->body.len > MAC_BODY_MAX) {
			req->body.len = MAC_BODY_MAX;
			req->body_too_big = 1;
		}
	}
	/* Consume the rest, the final empty FCGI_STDIN record included. */
	for (left = DRAIN_MAX; left > 0 && cap > 0;
	     left -= (size_t)n, cap -= (size_t)n) {
		take = left < sizeof(w->out) ? left : sizeof(w->out);
		n = FCGX_GetStr(w->out, (int)(take < cap ? take : cap), fr->in);
		if (n <= 0 || FCGX_HasSeenEOF(fr->in))
			break;
	}
	if (FCGX_GetError(fr->in) != 0)
		return -1;
	if (!FCGX_HasSeenEOF(fr->in)) {
		if (cap == 0 && !req->body_too_big &&
		    (!have_cl || req->body.len < want))
			req->body_too_big = 1; /* cut at the peek window */
		fr->keepConnection = 0;
	}
	return 0;
}

/*
 * Write the answer marshal_answer() assembles in w->out, in one
 * FCGX_PutStr().
 */
static void
resp_write(struct worker *w, FCGX_Request *fr, const struct mac_req *req,
    enum mac_err e)
{
	size_t n;
	int fallback;

	n = marshal_answer(
	    w->out, sizeof(w->out), req->method, e, &w->resp, &fallback);
	if (fallback)
		log_write(LOG_ERR, "%s: cannot format the answer for \"%s\"",
		    __func__, mac_strerror(e));
	if (n == 0)
		return;
	if (FCGX_PutStr(w->out, (int)n, fr->out) != (int)n)
		fr->keepConnection = 0; /* nginx went away; nothing to log */
}

/*
 * -d: one line per request with the route, the status and the address it
 * asked about.  Only what lib/ validated is written (route names are
 * constants, the domain is lower-case ASCII, the local part an RFC 5322
 * dot-atom), and bytes outside printable ASCII as \xNN, so a request
 * cannot forge a log line or reach a terminal's control sequences.
 */
static void
log_request(const struct mac_req *req, enum mac_err e, const struct mac_resp *r)
{
	static const char *const mnames[MAC_M__MAX] = {
	    [MAC_M_OTHER] = "OTHER",
	    [MAC_M_GET] = "GET",
	    [MAC_M_HEAD] = "HEAD",
	    [MAC_M_POST] = "POST",
	};
	char local[MAC_LOCAL_MAX * 4 + 2], *o = local;
	size_t i;

	for (i = 0; i < r->local.len && i < MAC_LOCAL_MAX; i++) {
		unsigned char c = (unsigned char)r->local.p[i];
		if (c > ' ' && c < 0x7f)
			*o++ = (char)c;
		else
			o += snprintf(o, 5, "\\x%02x", c);
	}
	if (r->local.len > 0)
		*o++ = '@';
	*o = '\0';
	log_write(LOG_DEBUG, "request: %s %s %d %s%.*s", mnames[req->method],
	    r->route != NULL ? r->route : "-", http_status(e), local,
	    (int)(r->domain.len > 0 ? r->domain.len : 1),
	    r->domain.len > 0 ? r->domain.p : "-");
}

/*
 * Answer the request libfcgi has just read.  Returns -1 if the body could
 * not be read; nothing is answered then.
 */
int
req_serve(struct worker *w, FCGX_Request *fr)
{
	const struct mac_cfg *cfg;
	struct mac_req req;
	enum mac_err e;
	uint64_t start = metrics_clock();

	marshal_req(&req, req_getparam, fr);
	req.now_ms = req_now_ms();
	if (body_read(w, fr, &req) != 0)
		return -1;
	if (!metrics_handle(&req, &w->resp, &e)) {
		cfg = cfgswap_acquire(w->slot);
		e = mac_handle(cfg, &req, &w->resp);
		/* The answer is in w->resp now and points into no config. */
		cfgswap_release(w->slot);
	}
	if (debug_log)
		log_request(&req, e, &w->resp);
	resp_write(w, fr, &req, e);
	metrics_count(w->slot, w->resp.route, e, start);
	return 0;
}
