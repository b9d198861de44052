/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Request marshalling, without I/O: the FastCGI parameters of a request
 * (RFC 3875 §4.1) into a struct mac_req, and a struct mac_resp into the
 * bytes written back, header block and body.  The responder (request.c)
 * and the golden-test driver (tests/golden/mac_render.c) both call these,
 * so the golden files pin what the daemon writes.
 */
#include <string.h>

#include "mailautoconf.h"
#include "front.h"

/* A parameter as a counted string; absent and empty are both empty. */
static struct mac_str
req_param(marshal_param_fn get, void *ctx, const char *name)
{
	struct mac_str s = {"", 0};
	const char *v = get(ctx, name);

	if (v != NULL) {
		s.p = v;
		s.len = strlen(v);
	}
	return s;
}

static const struct {
	const char *name;
	enum mac_method m;
} req_methods[] = {
    {"GET", MAC_M_GET},
    {"HEAD", MAC_M_HEAD},
    {"POST", MAC_M_POST},
};

/*
 * Fill in everything but the body and the time from the FastCGI
 * parameters (RFC 3875 §4.1), which get(ctx, name) returns.  The path is
 * nginx's decoded $document_uri, else SCRIPT_NAME, else REQUEST_URI up
 * to '?'.  The strings are borrowed from what get() returns and must
 * outlive req.
 */
void
marshal_req(struct mac_req *req, marshal_param_fn get, void *ctx)
{
	const char *m = get(ctx, "REQUEST_METHOD");
	size_t i;

	memset(req, 0, sizeof(*req));
	req->method = MAC_M_OTHER;
	for (i = 0;
	     m != NULL && i < sizeof(req_methods) / sizeof(req_methods[0]); i++)
		if (strcmp(m, req_methods[i].name) == 0)
			req->method = req_methods[i].m;
	req->path = req_param(get, ctx, "DOCUMENT_URI");
	if (req->path.len == 0)
		req->path = req_param(get, ctx, "SCRIPT_NAME");
	if (req->path.len == 0) {
		req->path = req_param(get, ctx, "REQUEST_URI");
		req->path.len = strcspn(req->path.p, "?");
	}
	req->query = req_param(get, ctx, "QUERY_STRING");
	req->host = req_param(get, ctx, "HTTP_HOST");
	req->content_type = req_param(get, ctx, "CONTENT_TYPE");
}

/*
 * Assemble the answer into out (cap bytes): the header block from
 * http_head(), then, unless method is HEAD, the body.  A body that failed
 * (r->body.err) is never sent in part: r->body.len is set to 0 and its
 * error answered, unless e already is one.  If the header block cannot
 * be formatted, or the answer does not fit in cap, *fallback is set and
 * the answer is a bodiless 500 instead.  Returns the length of the
 * answer, 0 if not even that fits.
 */
size_t
marshal_answer(char *out, size_t cap, enum mac_method method, enum mac_err e,
    struct mac_resp *r, int *fallback)
{
	struct mac_resp fb;
	size_t n;

	*fallback = 0;
	if (r->body.err != MAC_OK) {
		if (e == MAC_OK)
			e = r->body.err;
		r->body.len = 0; /* never half a document */
	}
	n = http_head(out, cap, e, r);
	if (n == 0 || (method != MAC_M_HEAD && r->body.len > cap - n)) {
		*fallback = 1;
		memset(&fb, 0, sizeof(fb));
		fb.content_type = "text/plain; charset=utf-8";
		return http_head(out, cap, MAC_ENOMEM, &fb);
	}
	if (method != MAC_M_HEAD && r->body.len > 0) {
		memcpy(out + n, r->body.p, r->body.len);
		n += r->body.len;
	}
	return n;
}
