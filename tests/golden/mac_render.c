/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Golden-test driver: render one request file against one configuration
 * exactly as the FastCGI front end would answer it, on stdout.  The
 * request file becomes the FastCGI parameters nginx would send
 * (nginx/mailautoconf-locations.conf), which marshal_req() turns into a
 * struct mac_req, and the answer is the bytes marshal_answer() makes of
 * the response: the responder's own functions (fcgi/marshal.c).
 *
 * Request file: "METHOD TARGET" on the first line, header lines
 * ("Host: ...", "Content-Type: ..."), an empty line, then the body bytes.
 * They become REQUEST_METHOD, DOCUMENT_URI (TARGET up to '?'),
 * QUERY_STRING (the rest), HTTP_HOST and CONTENT_TYPE.  The body is cut
 * at MAC_BODY_MAX as the responder cuts it.
 * The clock is fixed so that Autodiscover Error times are stable.
 * MAC_RENDER_NO_TEMPLATES=1 renders the answer from scratch instead of
 * from the answers precomputed at load (both must give the same bytes).
 * MAC_RENDER_REPEAT=N answers the same request N times (for profiling:
 * valgrind --tool=callgrind --toggle-collect=mac_handle) and prints the
 * last answer.
 * A request file of just "LOAD" prints what loading the configuration
 * says instead: its errors, or "loaded" and its warnings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extern.h" /* render_no_templates */
#include "front.h"
#include "mac_limits.h"

#define GOLDEN_NOW_MS 34267123u /* 09:31:07.123 */
#define GOLDEN_FILE_MAX (1024 * 1024)

/* One byte more, for the NUL that may end the last line. */
static char file[GOLDEN_FILE_MAX + 1];
static char answer[HTTP_HEAD_MAX + MAC_OUT_MAX];

/* The parameters, NUL-terminated in file[]; NULL: not sent. */
enum param { P_METHOD, P_URI, P_QUERY, P_HOST, P_TYPE, P__MAX };
static const char *const param_names[P__MAX] = {
    [P_METHOD] = "REQUEST_METHOD",
    [P_URI] = "DOCUMENT_URI",
    [P_QUERY] = "QUERY_STRING",
    [P_HOST] = "HTTP_HOST",
    [P_TYPE] = "CONTENT_TYPE",
};

/* marshal_param_fn over the parameters. */
static const char *
param_get(void *ctx, const char *name)
{
	const char *const *params = ctx;
	size_t i;

	for (i = 0; i < P__MAX; i++)
		if (strcmp(name, param_names[i]) == 0)
			return params[i];
	return NULL;
}

/*
 * If line (len bytes, NUL after them) is the header name, the value
 * after the colon and any spaces; else NULL.
 */
static const char *
header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	while (*line == ' ')
		line++;
	return line;
}

int
main(int argc, char *argv[])
{
	const char *params[P__MAX] = {NULL};
	struct mac_cfg *cfg;
	struct mac_req req;
	struct mac_resp resp;
	char err[MAC_CFG_ERR_MAX];
	char *p, *end, *nl, *sp, *q;
	const char *v;
	size_t n, len;
	unsigned long repeat = 1;
	enum mac_err e;
	int fallback;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: mac_render config.ini request\n");
		return 2;
	}
	if ((f = fopen(argv[2], "rb")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	n = fread(file, 1, GOLDEN_FILE_MAX, f);
	fclose(f);
	cfg = mac_cfg_load(argv[1], err, sizeof(err));
	if (n == 5 && memcmp(file, "LOAD\n", 5) == 0) {
		fputs(cfg != NULL ? "loaded\n" : err, stdout);
		fputs(mac_cfg_warnings(cfg), stdout);
		mac_cfg_free(cfg);
		return 0;
	}
	if (cfg == NULL) {
		fputs(err, stderr);
		return 1;
	}
	end = file + n;
	*end = '\0';

	/* Request line: each line is cut at its newline, in place. */
	if ((nl = memchr(file, '\n', n)) == NULL ||
	    (sp = memchr(file, ' ', (size_t)(nl - file))) == NULL) {
		fprintf(stderr, "%s: no request line\n", argv[2]);
		return 1;
	}
	*nl = '\0';
	*sp = '\0';
	params[P_METHOD] = file;
	params[P_URI] = sp + 1;
	if ((q = strchr(sp + 1, '?')) != NULL) {
		*q = '\0';
		params[P_QUERY] = q + 1;
	}
	/* Headers up to an empty line; the rest is the body. */
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p) {
			p = nl + 1;
			break;
		}
		*nl = '\0';
		len = (size_t)(nl - p);
		if ((v = header_is(p, len, "Host")) != NULL)
			params[P_HOST] = v;
		else if ((v = header_is(p, len, "Content-Type")) != NULL)
			params[P_TYPE] = v;
	}
	marshal_req(&req, param_get, params);
	req.now_ms = GOLDEN_NOW_MS;
	if (p < end) {
		req.body.p = p;
		req.body.len = (size_t)(end - p);
		if (req.body.len > MAC_BODY_MAX) {
			req.body.len = MAC_BODY_MAX;
			req.body_too_big = 1;
		}
	}

	if ((q = getenv("MAC_RENDER_NO_TEMPLATES")) != NULL && *q == '1')
		render_no_templates = 1;
	if ((q = getenv("MAC_RENDER_REPEAT")) != NULL)
		repeat = strtoul(q, NULL, 10);
	if (repeat == 0)
		repeat = 1;
	if (mac_resp_init(&resp) != 0)
		return 1;
	do
		e = mac_handle(cfg, &req, &resp);
	while (--repeat > 0);
	n = marshal_answer(
	    answer, sizeof(answer), req.method, e, &resp, &fallback);
	if (fallback || n == 0) {
		fprintf(stderr, "the answer cannot be formatted\n");
		return 1;
	}
	fwrite(answer, 1, n, stdout);
	mac_resp_free(&resp);
	mac_cfg_free(cfg);
	return 0;
}
