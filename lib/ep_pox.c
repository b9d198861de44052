/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Autodiscover POX (MS-OXDSCLI, MS-ASCMD): the request body's parser
 * (expat, allocating from the request arena), the Outlook and MobileSync
 * renderer and the Autodiscover Error document.
 */
#include <stdio.h>
#include <string.h>

#include <expat.h>

#include "endpoint.h"

#define NS_AD                                                                  \
	"http://schemas.microsoft.com/exchange/autodiscover/responseschema/"   \
	"2006"
#define NS_OUTLOOK                                                             \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/"          \
	"responseschema/2006a"
#define NS_MOBILESYNC                                                          \
	"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"       \
	"responseschema/2006"

/* The Error Id attribute identifies the server (MS docs, Error (POX)). */
#define POX_SERVER_ID "2477431092"

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
enum mac_err
parse_pox(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_str tail, struct mac_resp *r, struct ask *a)
{
	static const XML_Memory_Handling_Suite mm = {
	    pox_malloc, pox_realloc, pox_free};
	struct pox *x;
	struct mac_str em, sc;
	enum XML_Status st;
	enum mac_err e;

	(void)tail;
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

/* ---- Autodiscover POX (MS-OXDSCLI, MS-ASCMD) ---- */

static const char *const pox_type[SRV__MAX] = {
    [SRV_IMAP] = "IMAP",
    [SRV_POP3] = "POP3",
    [SRV_SMTP] = "SMTP",
};

/*
 * One Protocol element.  TLS is written so that Outlook and Thunderbird
 * agree (tests/clients/README.md §4.3): SSL on + Encryption SSL for TLS
 * from the first byte, SSL on + Encryption TLS for STARTTLS, SSL off +
 * Encryption None for plain.  SPA is always off explicitly (absent means
 * on).
 */
static void
pox_server(struct xml_w *w, struct mac_resp *r, const struct ask *a,
    const struct cfg_server *s)
{
	static const char *const enc[SOCK__MAX] = {
	    [SOCK_SSL] = "SSL", [SOCK_STARTTLS] = "TLS", [SOCK_PLAIN] = "None"};
	enum auth_method m0 = s->auth[0];

	xml_open(w, "Protocol", XML_END);
	xml_elem(w, "Type", pox_type[s->type], XML_END);
	xml_elem(w, "Server", dom_fill(&r->arena, s->host, &a->addr), XML_END);
	xml_elemu(w, "Port", s->port);
	xml_elem(w, "LoginName", expand(&r->arena, s->username, &a->addr, 1),
	    XML_END);
	xml_elem(w, "DomainRequired", "off", XML_END);
	xml_elem(w, "SPA", "off", XML_END);
	xml_elem(w, "SSL", s->sock == SOCK_PLAIN ? "off" : "on", XML_END);
	xml_elem(w, "Encryption", enc[s->sock], XML_END);
	xml_elem(w, "AuthRequired",
	    m0 == AUTH_NONE || m0 == AUTH_CLIENT_IP ? "off" : "on", XML_END);
	if (s->type == SRV_SMTP) {
		xml_elem(w, "UsePOPAuth",
		    m0 == AUTH_SMTP_AFTER_POP ? "on" : "off", XML_END);
		xml_elem(w, "SMTPLast", "off", XML_END);
	}
	if (a->prov->ttl > 0)
		xml_elemu(w, "TTL", a->prov->ttl);
	xml_close(w);
}

/* DAV entries as eM Client reads them (automx2, mailcow PR #370). */
static void
pox_dav(struct xml_w *w, struct mac_resp *r, const struct ask *a,
    const char *type, const char *url)
{
	const char *host;
	unsigned long port;

	url = dom_fill(&r->arena, url, &a->addr);
	if (url == NULL)
		return; /* the arena is full: the answer fails */
	url_host_port(&r->arena, url, &host, &port);
	xml_open(w, "Protocol", XML_END);
	xml_elem(w, "Type", type, XML_END);
	xml_elem(w, "Server", url, XML_END);
	xml_elemu(w, "Port", port);
	xml_elem(w, "SSL", "on", XML_END);
	xml_elem(w, "DomainRequired", "off", XML_END);
	xml_elem(w, "LoginName",
	    expand(&r->arena, dav_user(a->prov), &a->addr, 1), XML_END);
	xml_close(w);
}

/*
 * Settings for the Outlook schema (MS-OXDSCLI §2.2.4) or the MobileSync
 * schema (MS-ASCMD §2.2.2.1.2), chosen by AcceptableResponseSchema.
 */
enum mac_err
render_pox(const struct ask *a, struct mac_resp *r)
{
	const struct cfg_provider *p = a->prov;
	const struct tpl *t;
	struct xml_w w;
	size_t i;
	int out;

	t = tpl_pick(
	    a, a->schema == SCHEMA_MOBILESYNC ? TPL_POX_MS : TPL_POX, 1);
	if (t != NULL)
		return tpl_emit(t, a, r);
	xml_init(&w, &r->body, 1, a->rec);
	xml_decl(&w);
	xml_open(&w, "Autodiscover", "xmlns", NS_AD, XML_END);
	if (a->schema == SCHEMA_MOBILESYNC) {
		xml_open(&w, "Response", "xmlns", NS_MOBILESYNC, XML_END);
		xml_elem(&w, "Culture", "en:us", XML_END);
		xml_open(&w, "User", XML_END);
		xml_elem(&w, "DisplayName",
		    dom_fill(&r->arena, p->display_name, &a->addr), XML_END);
		xml_elem(&w, "EMailAddress",
		    expand(&r->arena, "%EMAILADDRESS%", &a->addr, 1), XML_END);
		xml_close(&w);
		xml_open(&w, "Action", XML_END);
		xml_open(&w, "Settings", XML_END);
		xml_open(&w, "Server", XML_END);
		xml_elem(&w, "Type", "MobileSync", XML_END);
		xml_elem(&w, "Url", p->activesync, XML_END);
		xml_elem(&w, "Name", p->activesync, XML_END);
		xml_end(&w);
		return MAC_OK;
	}
	xml_open(&w, "Response", "xmlns", NS_OUTLOOK, XML_END);
	xml_open(&w, "Account", XML_END);
	xml_elem(&w, "AccountType", "email", XML_END);
	xml_elem(&w, "Action", "settings", XML_END);
	/* Outlook and Thunderbird send no ALPN: no port-443 server
	 * (tests/clients/README.md §8). */
	for (out = 0; out < 2; out++)
		for (i = 0; i < p->nservers; i++)
			if (is_incoming(p->servers[i].type) != out &&
			    !p->servers[i].alpn)
				pox_server(&w, r, a, &p->servers[i]);
	if (p->caldav != NULL)
		pox_dav(&w, r, a, "CalDAV", p->caldav);
	if (p->carddav != NULL)
		pox_dav(&w, r, a, "CardDAV", p->carddav);
	xml_end(&w);
	return MAC_OK;
}

/*
 * The Autodiscover ErrorCode for each error (MS-OXDSCLI: 500 address not
 * found, 600 invalid request, 601 schema not offered, 603 server fault).
 */
static const char *const pox_codes[MAC__MAX] = {
    [MAC_OK] = "603",
    [MAC_ENOMEM] = "603",
    [MAC_EINPUT] = "600",
    [MAC_ENOROUTE] = "600",
    [MAC_ENODOMAIN] = "500",
    [MAC_EMETHOD] = "600",
    [MAC_ETOOBIG] = "600",
    [MAC_EPROTOCOL] = "601",
    [MAC_ENOSCHEMA] = "601",
    [MAC_ENOREQUEST] = "600",
};

/* "HH:MM:SS.fffffff", the time of day as Exchange writes it. */
static void
pox_time(char *t, size_t n, uint32_t ms)
{
	unsigned long s = ms / 1000;

	snprintf(t, n, "%02lu:%02lu:%02lu.%03lu0000", (s / 3600) % 24,
	    (s / 60) % 60, s % 60, (unsigned long)(ms % 1000));
}

/*
 * The Autodiscover Error document (tests/clients/README.md §4.4):
 * ErrorCode 500 for an unknown address, 600 for an invalid request, 601
 * for a schema not offered, 603 for a server fault.
 */
void
render_err_pox(enum mac_err e, const struct ask *a, struct mac_resp *r)
{
	struct xml_w w;
	char t[32];

	r->content_type = CT_XML;
	pox_time(t, sizeof(t), a->now_ms);
	xml_init(&w, &r->body, 1, NULL);
	xml_decl(&w);
	xml_open(&w, "Autodiscover", "xmlns", NS_AD, XML_END);
	xml_open(&w, "Response", "xmlns", NS_AD, XML_END);
	xml_open(&w, "Error", "Time", t, "Id", POX_SERVER_ID, XML_END);
	xml_elem(&w, "ErrorCode", pox_codes[e], XML_END);
	xml_elem(
	    &w, "Message", r->why != NULL ? r->why : mac_strerror(e), XML_END);
	xml_empty(&w, "DebugData", XML_END);
	xml_end(&w);
}
