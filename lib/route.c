/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * The route table and the one entry point, mac_handle().
 *
 * Finds the route for a request, runs the generic checks (method, body
 * size), runs the route's parser to turn the query string or the
 * Autodiscover body into a struct ask, and runs the route's renderer.
 * On any error the route's error renderer writes a short answer in the
 * route's own format.  The parsers and renderers live in one ep_*.c file
 * per endpoint family.  Nothing here writes markup or escapes; nothing
 * here does I/O or keeps state between requests.
 */
#include <string.h>

#include "endpoint.h"

#define M_BIT(m) (1u << (m))

struct route {
	const char *name; /* for the front end's debug log */
	const char *path; /* lower case */
	int subpaths;     /* also matches path + "/..." */
	unsigned methods; /* M_BIT(MAC_M_...); Allow is made from them */
	const char *content_type; /* of the answer; errors set their own */
	enum mac_err (*parse)(const struct mac_cfg *, const struct mac_req *,
	    struct mac_str tail, struct mac_resp *, struct ask *);
	enum mac_err (*render)(const struct ask *, struct mac_resp *);
	void (*render_err)(enum mac_err, const struct ask *, struct mac_resp *);
};

enum route_id {
	ROUTE_AUTOCONFIG = 0,
	ROUTE_AUTOCONFIG_WK,
	ROUTE_AUTOCONFIG_V11,
	ROUTE_POX,
	ROUTE_JSON,
	ROUTE_MOBILECONFIG,
	ROUTE_QR_PNG,
	ROUTE_QR_SVG,
	ROUTE_SETUP,
	ROUTE__MAX
};

#define M_READ (M_BIT(MAC_M_GET) | M_BIT(MAC_M_HEAD))

static const struct route routes[ROUTE__MAX] = {
    [ROUTE_AUTOCONFIG] = {"autoconfig", "/mail/config-v1.1.xml", 0, M_READ,
	CT_XML, parse_autoconfig, render_autoconfig, render_err_text},
    [ROUTE_AUTOCONFIG_WK] = {"autoconfig",
	"/.well-known/autoconfig/mail/config-v1.1.xml", 0, M_READ, CT_XML,
	parse_autoconfig, render_autoconfig, render_err_text},
    /* The Nine client asks here (tests/clients/README.md §2.1). */
    [ROUTE_AUTOCONFIG_V11] = {"autoconfig", "/v1.1/mail/config-v1.1.xml", 0,
	M_READ, CT_XML, parse_autoconfig, render_autoconfig, render_err_text},
    /* A GET here is a tester or a redirect probe: it gets Error 600. */
    [ROUTE_POX] = {"autodiscover", "/autodiscover/autodiscover.xml", 0,
	M_READ | M_BIT(MAC_M_POST), CT_XML, parse_pox, render_pox,
	render_err_pox},
    [ROUTE_JSON] = {"autodiscover-json", "/autodiscover/autodiscover.json", 1,
	M_READ, CT_JSON, parse_json, render_json, render_err_json},
    [ROUTE_MOBILECONFIG] = {"mobileconfig", "/mobileconfig", 0, M_READ,
	CT_PROFILE, parse_mobileconfig, render_mobileconfig, render_err_text},
    /* The profile link as a QR code, for the same query. */
    [ROUTE_QR_PNG] = {"qrcode", "/mobileconfig.qrcode.png", 0, M_READ, CT_PNG,
	parse_mobileconfig, render_qr_png, render_err_text},
    [ROUTE_QR_SVG] = {"qrcode", "/mobileconfig.qrcode.svg", 0, M_READ, CT_SVG,
	parse_mobileconfig, render_qr_svg, render_err_text},
    /* The settings to type, as a page for people (HTML errors too). */
    [ROUTE_SETUP] = {"setup", "/mail/setup", 0, M_READ, CT_HTML, parse_setup,
	render_setup, render_err_html},
};

/* The methods an Allow header can name, in the order it names them. */
static const struct {
	enum mac_method m;
	const char *name;
} allow_names[] = {
    {MAC_M_POST, "POST"},
    {MAC_M_GET, "GET"},
    {MAC_M_HEAD, "HEAD"},
};

/*
 * The Allow header for a route's method bits ("GET, HEAD"), written into
 * the arena so that it lives until the next request.  NULL only when the
 * arena is full.
 */
static const char *
route_allow(struct mac_arena *ar, unsigned methods)
{
	size_t i, n = 0, k;
	char *s, *o;

	for (i = 0; i < sizeof(allow_names) / sizeof(allow_names[0]); i++)
		if (methods & M_BIT(allow_names[i].m))
			n += strlen(allow_names[i].name) + 2; /* ", " */
	if ((s = o = arena_alloc(ar, n + 1)) == NULL)
		return NULL;
	for (i = 0; i < sizeof(allow_names) / sizeof(allow_names[0]); i++) {
		if (!(methods & M_BIT(allow_names[i].m)))
			continue;
		if (o != s) {
			*o++ = ',';
			*o++ = ' ';
		}
		k = strlen(allow_names[i].name);
		memcpy(o, allow_names[i].name, k);
		o += k;
	}
	*o = '\0';
	return s;
}

/*
 * Match a path without regard to letter case.  Returns the route or
 * ROUTE__MAX; *tail gets what follows "path/" for routes with subpaths.
 */
static enum route_id
route_find(struct mac_str path, struct mac_str *tail)
{
	size_t i, n;

	tail->p = NULL;
	tail->len = 0;
	for (i = 0; i < ROUTE__MAX; i++) {
		n = strlen(routes[i].path);
		if (path.len == n && ascii_caseeq(path.p, n, routes[i].path))
			return (enum route_id)i;
		if (routes[i].subpaths && path.len > n && path.p[n] == '/' &&
		    ascii_caseeq(path.p, n, routes[i].path)) {
			tail->p = path.p + n + 1;
			tail->len = path.len - n - 1;
			return (enum route_id)i;
		}
	}
	return ROUTE__MAX;
}

/*
 * Answer one request.  resp must come from mac_resp_init(); it is reset
 * here.  On MAC_OK the body holds the answer; on any error it holds the
 * route's error document (or a plain-text reason when no route matched),
 * and resp->why says in a few words what was wrong.  The caller maps the
 * returned code to an HTTP status.
 */
enum mac_err
mac_handle(
    const struct mac_cfg *cfg, const struct mac_req *req, struct mac_resp *resp)
{
	const struct route *rt;
	struct mac_str tail;
	enum route_id id;
	struct ask a;
	enum mac_err e;

	buf_reset(&resp->body);
	arena_reset(&resp->arena);
	resp->content_type = NULL;
	resp->allow = NULL;
	resp->csp = NULL;
	resp->why = NULL;
	resp->filename[0] = '\0';
	resp->route = NULL;
	memset(&resp->domain, 0, sizeof(resp->domain));
	memset(&resp->local, 0, sizeof(resp->local));
	memset(&a, 0, sizeof(a));
	a.now_ms = req->now_ms;
	a.cfg = cfg;

	if ((id = route_find(req->path, &tail)) == ROUTE__MAX) {
		resp->why = "no such endpoint";
		render_err_text(MAC_ENOROUTE, &a, resp);
		return MAC_ENOROUTE;
	}
	rt = &routes[id];
	resp->route = rt->name;
	if (!(rt->methods & M_BIT(req->method))) {
		resp->why = "method not allowed";
		resp->allow = route_allow(&resp->arena, rt->methods);
		e = MAC_EMETHOD;
	} else if (req->body_too_big) {
		resp->why = "request body too large";
		e = MAC_ETOOBIG;
	} else if ((e = rt->parse(cfg, req, tail, resp, &a)) == MAC_OK ||
		   e == MAC_ENODOMAIN) {
		resp->domain = a.addr.domain; /* validated, for the log */
		resp->local = a.addr.local;
		if (e == MAC_OK) {
			resp->content_type = rt->content_type;
			e = rt->render(&a, resp);
		}
		if (e == MAC_OK && resp->body.err != MAC_OK)
			e = resp->body.err;
		if (e == MAC_OK && resp->arena.failed)
			e = MAC_ENOMEM; /* a renderer's allocation failed */
		if (e == MAC_EINPUT && resp->why == NULL)
			resp->why = "request text is not valid UTF-8";
		if (e == MAC_OK)
			return MAC_OK;
	}
	/* buf_put() or arena_alloc() logged the sizes where it ran out. */
	if (e == MAC_ENOMEM)
		resp->why = "internal limit reached";
	buf_reset(&resp->body);
	resp->filename[0] = '\0';
	rt->render_err(e, &a, resp);
	return e;
}
