/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Golden-test driver: render one request file against one configuration
 * exactly as the FastCGI front end would answer it (header block from
 * fcgi/http.c, then the body; the body is left out for HEAD), on stdout.
 *
 * Request file: "METHOD TARGET" on the first line, header lines
 * ("Host: ...", "Content-Type: ..."), an empty line, then the body bytes.
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

static char file[GOLDEN_FILE_MAX];

static int
header_is(const char *line, size_t len, const char *name, struct mac_str *v)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return 0;
	line += n + 1;
	len -= n + 1;
	while (len > 0 && *line == ' ') {
		line++;
		len--;
	}
	v->p = line;
	v->len = len;
	return 1;
}

int
main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		enum mac_method m;
	} methods[] = {
	    {"GET", MAC_M_GET}, {"HEAD", MAC_M_HEAD}, {"POST", MAC_M_POST}};
	struct mac_cfg *cfg;
	struct mac_req req;
	struct mac_resp resp;
	char err[MAC_CFG_ERR_MAX], head[HTTP_HEAD_MAX];
	char *p, *end, *nl, *sp, *q;
	size_t n, i, hl;
	unsigned long repeat = 1;
	enum mac_err e;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: mac_render config.ini request\n");
		return 2;
	}
	if ((f = fopen(argv[2], "rb")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	n = fread(file, 1, sizeof(file), f);
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
	memset(&req, 0, sizeof(req));
	req.now_ms = GOLDEN_NOW_MS;

	/* Request line. */
	if ((nl = memchr(file, '\n', n)) == NULL ||
	    (sp = memchr(file, ' ', (size_t)(nl - file))) == NULL) {
		fprintf(stderr, "%s: no request line\n", argv[2]);
		return 1;
	}
	req.method = MAC_M_OTHER;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if ((size_t)(sp - file) == strlen(methods[i].name) &&
		    memcmp(file, methods[i].name, (size_t)(sp - file)) == 0)
			req.method = methods[i].m;
	req.path.p = sp + 1;
	req.path.len = (size_t)(nl - sp - 1);
	if ((q = memchr(req.path.p, '?', req.path.len)) != NULL) {
		req.query.p = q + 1;
		req.query.len = req.path.len - (size_t)(q - req.path.p) - 1;
		req.path.len = (size_t)(q - req.path.p);
	}
	/* Headers up to an empty line; the rest is the body. */
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p) {
			p = nl + 1;
			break;
		}
		if (!header_is(p, (size_t)(nl - p), "Host", &req.host))
			header_is(p, (size_t)(nl - p), "Content-Type",
			    &req.content_type);
	}
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
	if ((hl = http_head(head, sizeof(head), e, &resp)) == 0) {
		fprintf(stderr, "header block too large\n");
		return 1;
	}
	fwrite(head, 1, hl, stdout);
	if (req.method != MAC_M_HEAD)
		fwrite(resp.body.p, 1, resp.body.len, stdout);
	mac_resp_free(&resp);
	mac_cfg_free(cfg);
	return 0;
}
