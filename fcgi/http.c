/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * HTTP status mapping and CGI response headers.
 *
 * This file holds the one table that turns an enum mac_err into an HTTP
 * status; no other file in mailautoconf may hold a status number.  It
 * also formats the header block a FastCGI responder sends before the body
 * (RFC 3875 §6.3: a Status header, then the others, then an empty line).
 * It is pure formatting: no I/O, no allocation, no global state, so the
 * golden-test driver can link it and compare headers byte for byte.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "front.h"

/*
 * One row per error code.  Autodiscover answers a well-formed request it
 * cannot serve with 200 and an Error document (MS docs "Handling
 * Autodiscover error messages": any other status makes the client give up
 * on the endpoint), hence the two 200 rows at the end.
 */
static const int http_status_tab[MAC__MAX] = {
    [MAC_OK] = 200,
    [MAC_ENOMEM] = 500,
    [MAC_EINPUT] = 400,
    [MAC_ENOROUTE] = 404,
    [MAC_ENODOMAIN] = 404,
    [MAC_EMETHOD] = 405,
    [MAC_ETOOBIG] = 413,
    [MAC_EPROTOCOL] = 400,  /* v2 JSON InvalidProtocol */
    [MAC_ENOSCHEMA] = 200,  /* POX Error 601 */
    [MAC_ENOREQUEST] = 200, /* POX Error 600, as mailcow answers a GET */
};

/* Reason phrases (RFC 9110 §15) for every status the table can yield. */
static const struct {
	int status;
	const char *reason;
} http_reasons[] = {
    {200, "OK"},
    {400, "Bad Request"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {413, "Content Too Large"},
    {500, "Internal Server Error"},
};

/* The status for a code the table does not know: a bug, never a 200. */
#define HTTP_STATUS_FALLBACK http_status_tab[MAC_ENOMEM]

/*
 * Return the HTTP status for e.  An out-of-range value or a row left
 * empty (both bugs) maps to the MAC_ENOMEM row, 500.
 */
int
http_status(enum mac_err e)
{
	if ((unsigned)e >= MAC__MAX || http_status_tab[e] == 0)
		return HTTP_STATUS_FALLBACK;
	return http_status_tab[e];
}

/*
 * Return the reason phrase for status, in static storage; "Unknown" for a
 * status this program never sends.
 */
const char *
http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]); i++)
		if (http_reasons[i].status == status)
			return http_reasons[i].reason;
	return "Unknown";
}

/* Output cursor: keeps writing until the first overflow, then only fails. */
struct head_w {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

/* Append the strings given, up to a NULL; on overflow set w->err. */
static void head_put(struct head_w *w, ...) __attribute__((sentinel));

static void
head_put(struct head_w *w, ...)
{
	const char *s;
	va_list ap;
	size_t n;

	va_start(ap, w);
	while ((s = va_arg(ap, const char *)) != NULL) {
		n = strlen(s);
		/* Room for a NUL after the block, too: len < cap always. */
		if (w->err || n >= w->cap - w->len) {
			w->err = 1;
			break;
		}
		memcpy(w->p + w->len, s, n);
		w->len += n;
	}
	va_end(ap);
	if (!w->err)
		w->p[w->len] = '\0';
}

/*
 * A header value must not be able to end its line early or start a new
 * header (RFC 9110 §5.5): refuse CR, LF and every other control but tab.
 * The values come from lib/'s static tables; this is defence only.
 */
static int
head_value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * The attachment name: NUL-terminated inside its array, non-empty, and
 * only [A-Za-z0-9._-], so it can neither close the quote nor end the line.
 */
static int
head_filename_ok(const char *s, size_t size)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789._-";

	if (s[0] == '\0' || memchr(s, '\0', size) == NULL)
		return 0;
	return s[strspn(s, safe)] == '\0';
}

/*
 * Format the CGI header block for a response (RFC 3875 §6.3) into out:
 *
 *	Status: <status> <reason>
 *	Content-Type: <r->content_type>
 *	Content-Length: <r->body.len>
 *	Allow: <r->allow>                      (only if r->allow)
 *	Content-Disposition: attachment; filename="<r->filename>"
 *	                                       (only if r->filename[0])
 *	Content-Security-Policy: <r->csp>      (only if r->csp)
 *	X-Content-Type-Options: nosniff
 *	Cache-Control: no-cache
 *	<empty line>
 *
 * every line ending in CRLF.  The status comes from e through
 * http_status(); the caller has already folded r->body.err into e, and
 * this function formats what it is given.  Answers depend on the loaded
 * configuration, which a reload may change, so every answer says no-cache.
 *
 * A filename with any byte outside [A-Za-z0-9._-] is skipped (lib/ never
 * produces one).  Returns the length written, excluding the terminating
 * NUL that is also written; 0 if cap is too small (HTTP_HEAD_MAX always
 * suffices for lib/'s values) or if content_type or allow is missing or
 * holds a control character.  out is unspecified after a 0 return.
 */
size_t
http_head(char *out, size_t cap, enum mac_err e, const struct mac_resp *r)
{
	struct head_w w = {out, 0, cap, 0};
	int status = http_status(e);
	char num[MAC_UDIGITS_MAX], len[MAC_UDIGITS_MAX];

	if (out == NULL || cap == 0 || r->content_type == NULL ||
	    !head_value_ok(r->content_type))
		return 0;
	if (r->allow != NULL && !head_value_ok(r->allow))
		return 0;
	if (r->csp != NULL && !head_value_ok(r->csp))
		return 0;
	head_put(&w, "Status: ", mac_utoa(num, (unsigned long)status), " ",
	    http_reason(status), "\r\nContent-Type: ", r->content_type,
	    "\r\nContent-Length: ", mac_utoa(len, r->body.len), "\r\n",
	    (const char *)NULL);
	if (r->allow != NULL)
		head_put(&w, "Allow: ", r->allow, "\r\n", (const char *)NULL);
	if (head_filename_ok(r->filename, sizeof(r->filename)))
		head_put(&w, "Content-Disposition: attachment; filename=\"",
		    r->filename, "\"\r\n", (const char *)NULL);
	if (r->csp != NULL)
		head_put(&w, "Content-Security-Policy: ", r->csp, "\r\n",
		    (const char *)NULL);
	head_put(&w,
	    "X-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-cache\r\n\r\n",
	    (const char *)NULL);
	return w.err ? 0 : w.len;
}
