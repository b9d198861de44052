/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for fcgi/marshal.c, the request marshalling that the
 * responder and the golden driver share: one table of FastCGI parameter
 * sets, each with the struct mac_req fields marshal_req() must make of
 * it (RFC 3875 §4.1), and one table of responses, each with the exact
 * bytes marshal_answer() must write (RFC 3875 §6.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "front.h"
#include "mac_limits.h"

#define NPARAMS 8

/* A parameter set: name, value pairs, up to a NULL name. */
struct params {
	const char *kv[NPARAMS][2];
};

static const char *
params_get(void *ctx, const char *name)
{
	const struct params *ps = ctx;
	size_t i;

	for (i = 0; i < NPARAMS && ps->kv[i][0] != NULL; i++)
		if (strcmp(ps->kv[i][0], name) == 0)
			return ps->kv[i][1];
	return NULL;
}

static const struct req_case {
	const char *what;
	struct params in;
	enum mac_method method;
	const char *path, *query, *host, *type;
} req_cases[] = {
    {"nginx's parameters for a GET",
	{{{"REQUEST_METHOD", "GET"}, {"DOCUMENT_URI", "/mail/config-v1.1.xml"},
	    {"QUERY_STRING", "emailaddress=a%40example.com"},
	    {"HTTP_HOST", "autoconfig.example.com"}, {"CONTENT_TYPE", ""},
	    {"CONTENT_LENGTH", ""}}},
	MAC_M_GET, "/mail/config-v1.1.xml", "emailaddress=a%40example.com",
	"autoconfig.example.com", ""},
    {"a POST with its content type",
	{{{"REQUEST_METHOD", "POST"},
	    {"DOCUMENT_URI", "/autodiscover/autodiscover.xml"},
	    {"HTTP_HOST", "autodiscover.example.com"},
	    {"CONTENT_TYPE", "text/xml; charset=utf-8"},
	    {"CONTENT_LENGTH", "42"}}},
	MAC_M_POST, "/autodiscover/autodiscover.xml", "",
	"autodiscover.example.com", "text/xml; charset=utf-8"},
    {"HEAD", {{{"REQUEST_METHOD", "HEAD"}, {"DOCUMENT_URI", "/x"}}}, MAC_M_HEAD,
	"/x", "", "", ""},
    {"PUT is another method", {{{"REQUEST_METHOD", "PUT"}}}, MAC_M_OTHER, "",
	"", "", ""},
    {"methods are case-sensitive (RFC 9110 §9.1)",
	{{{"REQUEST_METHOD", "get"}}}, MAC_M_OTHER, "", "", "", ""},
    {"a method with a tail", {{{"REQUEST_METHOD", "GETX"}}}, MAC_M_OTHER, "",
	"", "", ""},
    {"no parameters at all", {{{NULL, NULL}}}, MAC_M_OTHER, "", "", "", ""},
    {"SCRIPT_NAME when DOCUMENT_URI is missing",
	{{{"REQUEST_METHOD", "GET"}, {"SCRIPT_NAME", "/s"},
	    {"REQUEST_URI", "/r?q"}}},
	MAC_M_GET, "/s", "", "", ""},
    {"SCRIPT_NAME when DOCUMENT_URI is empty",
	{{{"DOCUMENT_URI", ""}, {"SCRIPT_NAME", "/s"}}}, MAC_M_OTHER, "/s", "",
	"", ""},
    {"REQUEST_URI up to '?' when both are missing",
	{{{"REQUEST_URI", "/a/b?x=1"}, {"QUERY_STRING", "x=1"}}}, MAC_M_OTHER,
	"/a/b", "x=1", "", ""},
    {"REQUEST_URI without a query",
	{{{"SCRIPT_NAME", ""}, {"REQUEST_URI", "/a%20b"}}}, MAC_M_OTHER,
	"/a%20b", "", "", ""},
    {"DOCUMENT_URI wins over the others",
	{{{"DOCUMENT_URI", "/d"}, {"SCRIPT_NAME", "/s"},
	    {"REQUEST_URI", "/r"}}},
	MAC_M_OTHER, "/d", "", "", ""},
};

static void
str_is(
    const char *what, const char *field, struct mac_str got, const char *want)
{
	if (got.len != strlen(want) || memcmp(got.p, want, got.len) != 0)
		fail_msg("%s: %s is \"%.*s\", want \"%s\"", what, field,
		    (int)got.len, got.p, want);
}

static void
test_req(void **state)
{
	struct mac_req req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *c = &req_cases[i];

		/* Whatever was there before is overwritten. */
		memset(&req, 0x5a, sizeof(req));
		marshal_req(&req, params_get, (void *)&c->in);
		if (req.method != c->method)
			fail_msg("%s: method %d, want %d", c->what,
			    (int)req.method, (int)c->method);
		str_is(c->what, "path", req.path, c->path);
		str_is(c->what, "query", req.query, c->query);
		str_is(c->what, "host", req.host, c->host);
		str_is(c->what, "content_type", req.content_type, c->type);
		assert_int_equal(req.body.len, 0);
		assert_int_equal(req.body_too_big, 0);
		assert_int_equal(req.now_ms, 0);
	}
}

/* The lines every answer ends its header block with. */
#define TAIL                                                                   \
	"X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n\r\n"
#define FALLBACK_500                                                           \
	"Status: 500 Internal Server Error\r\n"                                \
	"Content-Type: text/plain; charset=utf-8\r\n"                          \
	"Content-Length: 0\r\n" TAIL

/* Longer than FALLBACK_500 is longer than a 200's header block. */
#define LONG_BODY "0123456789012345678901234567890123456789012345678901234"

static const struct answer_case {
	const char *what;
	enum mac_method method;
	enum mac_err e;
	const char *type, *allow, *filename, *body;
	enum mac_err body_err;
	size_t cap; /* 0: room for everything */
	const char *want;
	int fallback;
} answer_cases[] = {
    {"a document", MAC_M_GET, MAC_OK, "text/xml", NULL, "", "<a/>\n", MAC_OK, 0,
	"Status: 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n" TAIL
	"<a/>\n",
	0},
    {"HEAD: the same headers, no body", MAC_M_HEAD, MAC_OK, "text/xml", NULL,
	"", "<a/>\n", MAC_OK, 0,
	"Status: 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
	"5\r\n" TAIL,
	0},
    {"405 with Allow", MAC_M_OTHER, MAC_EMETHOD, "text/plain; charset=utf-8",
	"GET, HEAD", "", "no\n", MAC_OK, 0,
	"Status: 405 Method Not Allowed\r\n"
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n"
	"Allow: GET, HEAD\r\n" TAIL "no\n",
	0},
    {"an attachment", MAC_M_GET, MAC_OK, "application/x-apple-aspen-config",
	NULL, "a.mobileconfig", "x", MAC_OK, 0,
	"Status: 200 OK\r\nContent-Type: application/x-apple-aspen-config\r\n"
	"Content-Length: 1\r\n"
	"Content-Disposition: attachment; filename=\"a.mobileconfig\"\r\n" TAIL
	"x",
	0},
    {"the body overflowed: its error, and no half document", MAC_M_GET, MAC_OK,
	"text/xml", NULL, "", "<a>", MAC_ENOMEM, 0,
	"Status: 500 Internal Server Error\r\nContent-Type: text/xml\r\n"
	"Content-Length: 0\r\n" TAIL,
	0},
    {"the body failed after an error: that error stays", MAC_M_GET, MAC_EINPUT,
	"text/plain; charset=utf-8", NULL, "", "bad", MAC_ENOMEM, 0,
	"Status: 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
	"Content-Length: 0\r\n" TAIL,
	0},
    {"no content type: the bodiless 500", MAC_M_GET, MAC_OK, NULL, NULL, "",
	"<a/>", MAC_OK, 0, FALLBACK_500, 1},
    {"a header value with a line break: the bodiless 500", MAC_M_GET, MAC_OK,
	"text/xml\r\nX-Evil: 1", NULL, "", "<a/>", MAC_OK, 0, FALLBACK_500, 1},
    {"the body does not fit: the bodiless 500", MAC_M_GET, MAC_OK, "text/xml",
	NULL, "", LONG_BODY, MAC_OK, sizeof(FALLBACK_500), FALLBACK_500, 1},
    {"nothing fits", MAC_M_GET, MAC_OK, "text/xml", NULL, "", "<a/>", MAC_OK,
	16, "", 1},
};

static void
test_answer(void **state)
{
	static char out[HTTP_HEAD_MAX + MAC_OUT_MAX];
	char body[64];
	struct mac_resp r;
	size_t i, n, cap;
	int fallback;

	(void)state;
	for (i = 0; i < sizeof(answer_cases) / sizeof(answer_cases[0]); i++) {
		const struct answer_case *c = &answer_cases[i];

		memset(&r, 0, sizeof(r));
		snprintf(body, sizeof(body), "%s", c->body);
		r.body.p = body;
		r.body.len = strlen(body);
		r.body.cap = sizeof(body);
		r.body.err = c->body_err;
		r.content_type = c->type;
		r.allow = c->allow;
		snprintf(r.filename, sizeof(r.filename), "%s", c->filename);
		cap = c->cap != 0 ? c->cap : sizeof(out);
		fallback = -1;
		n = marshal_answer(out, cap, c->method, c->e, &r, &fallback);
		if (n != strlen(c->want) || memcmp(out, c->want, n) != 0)
			fail_msg("%s: wrote\n%.*s\nwant\n%s", c->what, (int)n,
			    out, c->want);
		if (fallback != c->fallback)
			fail_msg("%s: fallback %d, want %d", c->what, fallback,
			    c->fallback);
		if (c->body_err != MAC_OK)
			assert_int_equal(r.body.len, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_req),
	    cmocka_unit_test(test_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
