/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * The one entry point: mac_handle().
 *
 * Finds the route for a request, runs the generic checks (method, body
 * size), runs the route's parser to turn the query string or the
 * Autodiscover body into a struct ask, and runs the route's renderer.
 * On any error the route's error renderer writes a short answer in the
 * route's own format.  Nothing here writes markup or escapes; nothing here
 * does I/O or keeps state between requests.
 */
#include <string.h>

#include <expat.h>

#include "extern.h"

#define M_BIT(m) (1u << (m))

struct route {
	const char *name; /* for the front end's debug log */
	const char *path; /* lower case */
	int subpaths;     /* also matches path + "/..." */
	unsigned methods; /* M_BIT(MAC_M_...) */
	const char *allow;
	enum mac_err (*parse)(const struct mac_cfg *, const struct mac_req *,
	    struct mac_resp *, struct ask *);
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
	ROUTE__MAX
};

static enum mac_err parse_autoconfig(const struct mac_cfg *,
    const struct mac_req *, struct mac_resp *, struct ask *);
static enum mac_err parse_pox(const struct mac_cfg *, const struct mac_req *,
    struct mac_resp *, struct ask *);
static enum mac_err parse_json(const struct mac_cfg *, const struct mac_req *,
    struct mac_resp *, struct ask *);
static enum mac_err parse_mobileconfig(const struct mac_cfg *,
    const struct mac_req *, struct mac_resp *, struct ask *);

#define M_READ (M_BIT(MAC_M_GET) | M_BIT(MAC_M_HEAD))

static const struct route routes[ROUTE__MAX] = {
    [ROUTE_AUTOCONFIG] = {"autoconfig", "/mail/config-v1.1.xml", 0, M_READ,
	"GET, HEAD", parse_autoconfig, render_autoconfig, render_err_text},
    [ROUTE_AUTOCONFIG_WK] = {"autoconfig",
	"/.well-known/autoconfig/mail/config-v1.1.xml", 0, M_READ, "GET, HEAD",
	parse_autoconfig, render_autoconfig, render_err_text},
    /* The Nine client asks here (tests/clients/README.md §2.1). */
    [ROUTE_AUTOCONFIG_V11] = {"autoconfig", "/v1.1/mail/config-v1.1.xml", 0,
	M_READ, "GET, HEAD", parse_autoconfig, render_autoconfig,
	render_err_text},
    /* A GET here is a tester or a redirect probe: it gets Error 600. */
    [ROUTE_POX] = {"autodiscover", "/autodiscover/autodiscover.xml", 0,
	M_READ | M_BIT(MAC_M_POST), "POST, GET, HEAD", parse_pox, render_pox,
	render_err_pox},
    [ROUTE_JSON] = {"autodiscover-json", "/autodiscover/autodiscover.json", 1,
	M_READ, "GET, HEAD", parse_json, render_json, render_err_json},
    [ROUTE_MOBILECONFIG] = {"mobileconfig", "/mobileconfig", 0, M_READ,
	"GET, HEAD", parse_mobileconfig, render_mobileconfig, render_err_text},
};

static int
lower_eq(const char *p, size_t len, const char *lower)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (lower[i] == '\0' || c != lower[i])
			return 0;
	}
	return lower[len] == '\0';
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
		if (path.len == n && lower_eq(path.p, n, routes[i].path))
			return (enum route_id)i;
		if (routes[i].subpaths && path.len > n && path.p[n] == '/' &&
		    lower_eq(path.p, n, routes[i].path)) {
			tail->p = path.p + n + 1;
			tail->len = path.len - n - 1;
			return (enum route_id)i;
		}
	}
	return ROUTE__MAX;
}

/*
 * Resolve ask->addr.domain to a provider.  Returns MAC_ENODOMAIN when no
 * provider (and no catch-all) serves it.
 */
static enum mac_err
ask_provider(const struct mac_cfg *cfg, struct mac_resp *r, struct ask *a)
{
	a->prov = cfg_find(cfg, a->addr.domain.p, a->addr.domain.len);
	if (a->prov == NULL) {
		r->why = "no provider serves this domain";
		return MAC_ENODOMAIN;
	}
	return MAC_OK;
}

/* Parse an address into a; p == NULL means an allocation failed. */
static enum mac_err
ask_address(struct mac_resp *r, const char *p, size_t len, struct ask *a)
{
	if (p == NULL)
		return MAC_ENOMEM;
	return addr_parse(&r->arena, p, len, &a->addr, &r->why);
}

static const char evolution_user[] = "EVOLUTIONUSER";

/*
 * Thunderbird autoconfig (GET).  With emailaddress, its domain decides;
 * without it (Thunderbird for Android, Delta Chat, KMail), the Host header
 * does, less a leading "autoconfig." and any port.
 */
static enum mac_err
parse_autoconfig(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_resp *r, struct ask *a)
{
	struct mac_str v, h;
	enum mac_err e;
	size_t i;

	if ((e = query_get(
		 &r->arena, req->query, "emailaddress", &v, &r->why)) != MAC_OK)
		return e;
	if (v.p != NULL) {
		if ((e = ask_address(r, v.p, v.len, a)) != MAC_OK)
			return e;
		a->evolution =
		    a->addr.local.len == sizeof(evolution_user) - 1 &&
		    memcmp(a->addr.local.p, evolution_user,
			sizeof(evolution_user) - 1) == 0;
		return ask_provider(cfg, r, a);
	}
	h = req->host;
	if (h.len == 0) {
		r->why = "no emailaddress and no Host header";
		return MAC_EINPUT;
	}
	if (h.len > MAC_HOST_MAX) {
		r->why = "Host header too long";
		return MAC_EINPUT;
	}
	/* Drop a port; an IPv6 literal is no mail domain. */
	if (h.p[0] == '[') {
		r->why = "Host is an address literal, not a mail domain";
		return MAC_EINPUT;
	}
	for (i = 0; i < h.len && h.p[i] != ':'; i++)
		;
	h.len = i;
	if (h.len > 11 && lower_eq(h.p, 11, "autoconfig.")) {
		h.p += 11;
		h.len -= 11;
	}
	if ((e = addr_domain(
		 &r->arena, h.p, h.len, &a->addr.domain, &r->why)) != MAC_OK)
		return e;
	return ask_provider(cfg, r, a);
}

/* ---- Autodiscover POX request body, through expat ---- */

enum pox_field { PF_NONE = 0, PF_EMAIL, PF_SCHEMA, PF__MAX };

struct pox {
	struct mac_arena *arena;
	XML_Parser xp;
	unsigned depth;
	int root_seen;
	const char *why; /* first problem, static */
	enum pox_field in;
	char email[MAC_EMAIL_MAX + 1];
	size_t email_len;
	int email_seen;
	char schema[MAC_SCHEMA_MAX + 1];
	size_t schema_len;
	int schema_seen;
};

/* Expat allocates from the request arena: a size header before each
 * block lets realloc copy; free is a no-op, the arena is reset per
 * request. */
static _Thread_local struct mac_arena *pox_arena_tls;

static void *
pox_malloc(size_t n)
{
	size_t *p;

	if (n > MAC_ARENA_MAX)
		return NULL;
	if ((p = arena_alloc(pox_arena_tls, n + sizeof(size_t))) == NULL)
		return NULL;
	p[0] = n;
	return p + 1;
}

static void *
pox_realloc(void *old, size_t n)
{
	struct mac_arena *a = pox_arena_tls;
	void *p;
	size_t on;

	if (old == NULL)
		return pox_malloc(n);
	on = ((size_t *)old)[-1];
	/* The arena's last block grows in place (expat's buffers do). */
	if (arena_extend(a, old, on, n)) {
		((size_t *)old)[-1] = n;
		return old;
	}
	if ((p = pox_malloc(n)) == NULL)
		return NULL;
	memcpy(p, old, on < n ? on : n);
	return p;
}

static void
pox_free(void *p)
{
	(void)p;
}

static void
pox_fail(struct pox *x, const char *why)
{
	if (x->why == NULL)
		x->why = why;
	XML_StopParser(x->xp, XML_FALSE);
}

/* Element names arrive as "namespace\x01local" or "local". */
static const char *
local_name(const char *name)
{
	const char *s = strrchr(name, '\x01');

	return s != NULL ? s + 1 : name;
}

static void XMLCALL
pox_start(void *u, const char *name, const char **attrs)
{
	struct pox *x = u;
	const char *ln = local_name(name);

	(void)attrs;
	if (++x->depth > MAC_XML_DEPTH_MAX) {
		pox_fail(x, "request nested too deeply");
		return;
	}
	if (x->depth == 1) {
		if (strcmp(ln, "Autodiscover") != 0) {
			pox_fail(x, "root element is not Autodiscover");
			return;
		}
		x->root_seen = 1;
	}
	x->in = PF_NONE;
	if (strcmp(ln, "EMailAddress") == 0) {
		if (x->email_seen++) {
			pox_fail(x, "more than one EMailAddress");
			return;
		}
		x->in = PF_EMAIL;
	} else if (strcmp(ln, "AcceptableResponseSchema") == 0) {
		if (x->schema_seen++) {
			pox_fail(x, "more than one AcceptableResponseSchema");
			return;
		}
		x->in = PF_SCHEMA;
	}
}

static void XMLCALL
pox_end(void *u, const char *name)
{
	struct pox *x = u;

	(void)name;
	x->depth--;
	x->in = PF_NONE;
}

static void XMLCALL
pox_chars(void *u, const char *s, int len)
{
	struct pox *x = u;
	char *dst;
	size_t *dlen, cap;

	switch (x->in) {
	case PF_EMAIL:
		dst = x->email;
		dlen = &x->email_len;
		cap = MAC_EMAIL_MAX;
		break;
	case PF_SCHEMA:
		dst = x->schema;
		dlen = &x->schema_len;
		cap = MAC_SCHEMA_MAX;
		break;
	default:
		return;
	}
	if (len < 0 || (size_t)len > cap - *dlen) {
		pox_fail(x, x->in == PF_EMAIL
				? "EMailAddress too long"
				: "AcceptableResponseSchema too long");
		return;
	}
	memcpy(dst + *dlen, s, (size_t)len);
	*dlen += (size_t)len;
}

static void XMLCALL
pox_doctype(void *u, const char *name, const char *sysid, const char *pubid,
    int internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	pox_fail(u, "DTDs are not accepted");
}

static void XMLCALL
pox_entity(void *u, const char *name, int pe, const char *value, int vlen,
    const char *base, const char *sysid, const char *pubid,
    const char *notation)
{
	(void)name;
	(void)pe;
	(void)value;
	(void)vlen;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	pox_fail(u, "entity declarations are not accepted");
}

/* Trim XML white space (§2.3 S) from both ends. */
static struct mac_str
trim(const char *p, size_t len)
{
	struct mac_str s;

	while (len > 0 && strchr(" \t\r\n", p[0]) != NULL) {
		p++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL)
		len--;
	s.p = p;
	s.len = len;
	return s;
}

static int
contains(struct mac_str s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= s.len; i++)
		if (memcmp(s.p + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * Autodiscover POX (MS-OXDSCLI §2.2.3, MS-ASCMD §2.2.2.1): read
 * EMailAddress and AcceptableResponseSchema by local name, in any order
 * and namespace.  DTDs and entity declarations are refused; depth and
 * field sizes are capped; the body was capped by the front end.
 */
static enum mac_err
parse_pox(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_resp *r, struct ask *a)
{
	static const XML_Memory_Handling_Suite mm = {
	    pox_malloc, pox_realloc, pox_free};
	struct pox *x;
	struct mac_str em, sc;
	enum XML_Status st;
	enum mac_err e;

	if (req->method != MAC_M_POST || req->body.len == 0) {
		r->why = "POST an Autodiscover request to this URL";
		return MAC_ENOREQUEST;
	}
	if ((x = arena_alloc(&r->arena, sizeof(*x))) == NULL)
		return MAC_ENOMEM;
	memset(x, 0, sizeof(*x));
	x->arena = &r->arena;
	pox_arena_tls = &r->arena;
	if ((x->xp = XML_ParserCreate_MM(NULL, &mm, "\x01")) == NULL)
		return MAC_ENOMEM;
	XML_SetUserData(x->xp, x);
	XML_SetElementHandler(x->xp, pox_start, pox_end);
	XML_SetCharacterDataHandler(x->xp, pox_chars);
	XML_SetStartDoctypeDeclHandler(x->xp, pox_doctype);
	XML_SetEntityDeclHandler(x->xp, pox_entity);
	XML_SetParamEntityParsing(x->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	/* Else expat reads the environment and the kernel's random pool for
	 * every request. */
	XML_SetHashSalt(x->xp, cfg->salt);
	st = XML_Parse(x->xp, req->body.p, (int)req->body.len, XML_TRUE);
	if (st != XML_STATUS_OK && x->why == NULL) {
		/*
		 * Running out of the arena here is the request's doing (a
		 * body within MAC_BODY_MAX can still declare hundreds of
		 * namespaces): a 400, not a server fault.
		 */
		r->why = XML_GetErrorCode(x->xp) == XML_ERROR_NO_MEMORY
			     ? "request too complex"
			     : "request body is not well-formed XML";
		return MAC_EINPUT;
	}
	/*
	 * No XML_ParserFree(): every block expat holds is in the arena,
	 * which the next request resets, and expat holds nothing else; the
	 * call would only walk its tables (an eighth of the request's cost).
	 */
	if (x->why != NULL) {
		r->why = x->why;
		return MAC_EINPUT;
	}
	if (!x->email_seen) {
		r->why = "request has no EMailAddress";
		return MAC_EINPUT;
	}
	em = trim(x->email, x->email_len);
	sc = trim(x->schema, x->schema_len);
	/* Copy out of the parser state before using the arena further. */
	if ((e = ask_address(r, arena_strndup(&r->arena, em.p, em.len), em.len,
		 a)) != MAC_OK)
		return e;
	if ((e = ask_provider(cfg, r, a)) != MAC_OK)
		return e;
	if (!x->schema_seen || sc.len == 0 || contains(sc, "outlook/"))
		a->schema = SCHEMA_OUTLOOK;
	else if (contains(sc, "mobilesync/"))
		a->schema = SCHEMA_MOBILESYNC;
	else {
		r->why = "the requested response schema is not offered";
		return MAC_ENOSCHEMA;
	}
	if (a->schema == SCHEMA_MOBILESYNC && a->prov->activesync == NULL) {
		r->why = "ActiveSync is not offered for this domain";
		return MAC_ENOSCHEMA;
	}
	return MAC_OK;
}

/*
 * Autodiscover v2 (JSON): the address comes from Email= or from the path
 * tail "v1.0/<address>"; Protocol is compared without regard to case and
 * defaults to AutodiscoverV1.
 */
static enum mac_err
parse_json(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_resp *r, struct ask *a)
{
	struct mac_str tail, em, pr;
	enum mac_err e;

	(void)route_find(req->path, &tail);
	if (tail.p != NULL) {
		if (tail.len < 5 || !lower_eq(tail.p, 5, "v1.0/")) {
			r->why = "no such endpoint";
			return MAC_ENOROUTE;
		}
		em.p = tail.p + 5;
		em.len = tail.len - 5;
	} else {
		if ((e = query_get(&r->arena, req->query, "Email", &em,
			 &r->why)) != MAC_OK)
			return e;
		if (em.p == NULL) {
			r->why = "missing Email parameter";
			return MAC_EINPUT;
		}
	}
	if ((e = ask_address(r, em.p, em.len, a)) != MAC_OK)
		return e;
	if ((e = query_get(&r->arena, req->query, "Protocol", &pr, &r->why)) !=
	    MAC_OK)
		return e;
	if (pr.p == NULL || lower_eq(pr.p, pr.len, "autodiscoverv1"))
		a->proto = V2_AUTODISCOVERV1;
	else if (lower_eq(pr.p, pr.len, "activesync"))
		a->proto = V2_ACTIVESYNC;
	else {
		r->why = "Protocol is not offered; use AutodiscoverV1 or "
			 "ActiveSync";
		return MAC_EPROTOCOL;
	}
	if ((e = ask_provider(cfg, r, a)) != MAC_OK)
		return e;
	if (a->proto == V2_ACTIVESYNC && a->prov->activesync == NULL) {
		r->why = "ActiveSync is not offered for this domain";
		return MAC_EPROTOCOL;
	}
	return MAC_OK;
}

/* Apple configuration profile: emailaddress required, name optional. */
static enum mac_err
parse_mobileconfig(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_resp *r, struct ask *a)
{
	struct mac_str v;
	enum mac_err e;
	size_t i;

	if ((e = query_get(
		 &r->arena, req->query, "emailaddress", &v, &r->why)) != MAC_OK)
		return e;
	if (v.p == NULL) {
		r->why = "missing emailaddress parameter";
		return MAC_EINPUT;
	}
	if ((e = ask_address(r, v.p, v.len, a)) != MAC_OK)
		return e;
	if ((e = query_get(&r->arena, req->query, "name", &a->name, &r->why)) !=
	    MAC_OK)
		return e;
	if (a->name.len > MAC_NAME_MAX) {
		r->why = "name too long";
		return MAC_EINPUT;
	}
	for (i = 0; i < a->name.len; i++)
		if ((unsigned char)a->name.p[i] < 0x20 ||
		    a->name.p[i] == 0x7f) {
			r->why = "control character in name";
			return MAC_EINPUT;
		}
	/* Refused here, not by the escaper, which would log it as a fault. */
	if (!xml_valid(a->name.p, a->name.len)) {
		r->why = "name is not valid UTF-8";
		return MAC_EINPUT;
	}
	return ask_provider(cfg, r, a);
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
		resp->allow = rt->allow;
		e = MAC_EMETHOD;
	} else if (req->body_too_big) {
		resp->why = "request body too large";
		e = MAC_ETOOBIG;
	} else if ((e = rt->parse(cfg, req, resp, &a)) == MAC_OK ||
		   e == MAC_ENODOMAIN) {
		resp->domain = a.addr.domain; /* validated, for the log */
		resp->local = a.addr.local;
		if (e == MAC_OK)
			e = rt->render(&a, resp);
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
