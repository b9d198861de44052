/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Renderers: one per answer format, and one error renderer per format.
 *
 * Each writes a whole document into resp->body through the escaping
 * writer in xml.c (or json_str for JSON); none escapes or quotes by
 * itself, and none writes request text that parsing did not validate.
 * The output buffer keeps its first error, so renderers check nothing
 * per call: mac_handle() looks at body.err once, at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "extern.h"

#define CT_XML "text/xml; charset=utf-8"
#define CT_JSON "application/json; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_PROFILE "application/x-apple-aspen-config"

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

/* UUIDv5 namespace for profile payloads (RFC 9562 §5.5); never change it,
 * or every installed profile would be duplicated on the next download. */
static const unsigned char uuid_ns[16] = {0x5e, 0x1b, 0x6c, 0x2a, 0x8f, 0x3d,
    0x4b, 0x7e, 0x9a, 0x41, 0x2c, 0x6d, 0x0e, 0x8f, 0x7b, 0x13};

enum placeholder { PH_ADDRESS = 0, PH_LOCALPART, PH_DOMAIN, PH__MAX };

static const char *const placeholders[PH__MAX] = {
    [PH_ADDRESS] = "%EMAILADDRESS%",
    [PH_LOCALPART] = "%EMAILLOCALPART%",
    [PH_DOMAIN] = "%EMAILDOMAIN%",
};

int render_no_templates;

/* Escaping modes a hole can record (xml.c's, which are fewer). */
#define TPL_MODES_MAX 4

/* The string a hole's code stands for while a template is rendered. */
static const char hole_str[HOLE__END][2] = {
    [HOLE_DOMAIN] = {HOLE_DOMAIN},
    [HOLE_LOCAL] = {HOLE_LOCAL},
    [HOLE_NAME] = {HOLE_NAME},
    [HOLE_IDENT] = {HOLE_IDENT},
    [HOLE_UUID] = {HOLE_UUID},
    [HOLE_UUID_MAIL] = {HOLE_UUID_MAIL},
    [HOLE_UUID_CALDAV] = {HOLE_UUID_CALDAV},
    [HOLE_UUID_CARDDAV] = {HOLE_UUID_CARDDAV},
};

/* What each UUID hole appends to the profile identifier. */
static const char *const uuid_suffix[HOLE__END] = {
    [HOLE_UUID] = "",
    [HOLE_UUID_MAIL] = ".mail",
    [HOLE_UUID_CALDAV] = ".caldav",
    [HOLE_UUID_CARDDAV] = ".carddav",
};

static const struct tpl *tpl_pick(const struct ask *, enum tpl_kind, int);
static enum mac_err tpl_emit(
    const struct tpl *, const struct ask *, struct mac_resp *, const char *);

/* The enabled placeholder starting at t (its length in *len), or PH__MAX. */
static size_t
ph_at(const char *t, const int ok[PH__MAX], size_t *len)
{
	size_t i;

	if (*t != '%')
		return PH__MAX;
	for (i = 0; i < PH__MAX; i++) {
		*len = strlen(placeholders[i]);
		if (ok[i] && strncmp(t, placeholders[i], *len) == 0)
			return i;
	}
	return PH__MAX;
}

/*
 * Expand a username template into the arena.  %EMAILDOMAIN% is always
 * filled in (Evolution leaves it empty); %EMAILADDRESS% and
 * %EMAILLOCALPART% only when all is set and the local part is known,
 * otherwise they stay for the client to fill.  Returns NULL when the
 * arena is full.
 */
static const char *
expand(struct mac_arena *ar, const char *tmpl, const struct addr *ad, int all)
{
	struct mac_str val[PH__MAX];
	size_t n = 0, i, pl;
	const char *t;
	char *out, *o;
	int ok[PH__MAX];

	val[PH_ADDRESS] = ad->local; /* then '@' and the domain */
	val[PH_LOCALPART] = ad->local;
	val[PH_DOMAIN] = ad->domain;
	ok[PH_ADDRESS] = ok[PH_LOCALPART] = all && ad->local.len > 0;
	ok[PH_DOMAIN] = 1;

	/* Measure, then fill: one pass each over the template. */
	for (t = tmpl; *t != '\0';) {
		i = ph_at(t, ok, &pl);
		if (i == PH__MAX) {
			n++;
			t++;
			continue;
		}
		n += val[i].len + (i == PH_ADDRESS ? 1 + ad->domain.len : 0);
		t += pl;
	}
	if ((out = arena_alloc(ar, n + 1)) == NULL)
		return NULL;
	for (t = tmpl, o = out; *t != '\0';) {
		i = ph_at(t, ok, &pl);
		if (i == PH__MAX) {
			*o++ = *t++;
			continue;
		}
		memcpy(o, val[i].p, val[i].len);
		o += val[i].len;
		if (i == PH_ADDRESS) {
			*o++ = '@';
			memcpy(o, ad->domain.p, ad->domain.len);
			o += ad->domain.len;
		}
		t += pl;
	}
	*o = '\0';
	return out;
}

static int
is_incoming(enum srv_type t)
{
	return t == SRV_IMAP || t == SRV_POP3;
}

/*
 * Host (into the arena) and port of an http(s) URL the configuration
 * validated; the port defaults to 443.
 */
static void
url_host_port(struct mac_arena *ar, const char *url, const char **host,
    unsigned long *port)
{
	const char *h = strstr(url, "://"), *e;
	char *c;

	h = h != NULL ? h + 3 : url;
	for (e = h; *e != '\0' && *e != '/' && *e != ':'; e++)
		;
	*port = 443;
	if (*e == ':')
		*port = strtoul(e + 1, NULL, 10);
	*host = c = arena_strndup(ar, h, (size_t)(e - h));
	if (c == NULL)
		*host = "";
}

/* The login template for DAV: the first incoming server's. */
static const char *
dav_user(const struct cfg_provider *p)
{
	size_t i;

	for (i = 0; i < p->nservers; i++)
		if (is_incoming(p->servers[i].type))
			return p->servers[i].username;
	return placeholders[PH_ADDRESS];
}

/* ---- Thunderbird autoconfig (clientConfig 1.1) ---- */

static void
ac_server(struct xml_w *w, struct mac_resp *r, const struct ask *a,
    const struct cfg_server *s)
{
	const char *el =
	    is_incoming(s->type) ? "incomingServer" : "outgoingServer";
	const struct cfg_provider *p = a->prov;
	size_t i;

	xml_open(w, el, "type", srv_type_names[s->type], XML_END);
	xml_elem(w, "hostname", s->host, XML_END);
	xml_elemu(w, "port", s->port);
	xml_elem(w, "socketType", sock_type_names[s->sock], XML_END);
	xml_elem(w, "username", expand(&r->arena, s->username, &a->addr, 0),
	    XML_END);
	for (i = 0; i < s->nauth; i++)
		xml_elem(w, "authentication", auth_method_names[s->auth[i]],
		    XML_END);
	if (s->type == SRV_POP3 && (p->pop3_leave >= 0 || p->pop3_days > 0)) {
		xml_open(w, "pop3", XML_END);
		if (p->pop3_leave >= 0)
			xml_elem(w, "leaveMessagesOnServer",
			    p->pop3_leave ? "true" : "false", XML_END);
		if (p->pop3_days > 0)
			xml_elemu(
			    w, "daysToLeaveMessagesOnServer", p->pop3_days);
		xml_close(w);
	}
	xml_close(w);
}

static void
ac_dav(struct xml_w *w, struct mac_resp *r, const struct ask *a, const char *el,
    const char *type, const char *url)
{
	xml_open(w, el, "type", type, XML_END);
	xml_elem(w, "username",
	    expand(&r->arena, dav_user(a->prov), &a->addr, 0), XML_END);
	xml_elem(w, "authentication", "http-basic", XML_END);
	xml_elem(w, "serverURL", url, XML_END);
	xml_close(w);
}

/*
 * The oAuth2 block.  Thunderbird for Android reads it only inside
 * emailProvider (RealAutoconfigParser.kt); the draft's grammar and the
 * ISPDB place it under clientConfig.  render_autoconfig() writes it in
 * both places, so either reader finds it.
 */
static void
ac_oauth(struct xml_w *w, const struct cfg_provider *p)
{
	if (p->oauth_issuer == NULL)
		return;
	xml_open(w, "oAuth2", XML_END);
	xml_elem(w, "issuer", p->oauth_issuer, XML_END);
	xml_elem(w, "scope", p->oauth_scope, XML_END);
	xml_elem(w, "authURL", p->oauth_auth_url, XML_END);
	xml_elem(w, "tokenURL", p->oauth_token_url, XML_END);
	xml_close(w);
}

/*
 * The clientConfig 1.1 document (Mozilla wiki ConfigFileFormat,
 * tests/clients/README.md §3).  Plain-text servers are left out
 * (Thunderbird for Android rejects the whole document for one); servers
 * keep file order; Evolution's EVOLUTIONUSER request gets one server per
 * type, since Evolution lets the last one win.
 */
enum mac_err
render_autoconfig(const struct ask *a, struct mac_resp *r)
{
	const struct cfg_provider *p = a->prov;
	int seen[SRV__MAX] = {0};
	const struct tpl *t;
	struct xml_w w;
	size_t i;
	int out;

	if ((t = tpl_pick(a, a->evolution ? TPL_AC_EVO : TPL_AC, 0)) != NULL)
		return tpl_emit(t, a, r, CT_XML);
	r->content_type = CT_XML;
	xml_init(&w, &r->body, 1);
	xml_decl(&w);
	xml_open(&w, "clientConfig", "version", "1.1", XML_END);
	xml_open(&w, "emailProvider", "id", p->id, XML_END);
	xml_elemn(&w, "domain", a->addr.domain.p, a->addr.domain.len);
	xml_elem(&w, "displayName", p->display_name, XML_END);
	xml_elem(&w, "displayShortName", p->short_name, XML_END);
	for (out = 0; out < 2; out++)
		for (i = 0; i < p->nservers; i++) {
			const struct cfg_server *s = &p->servers[i];
			if (is_incoming(s->type) == out ||
			    s->sock == SOCK_PLAIN)
				continue;
			if (a->evolution && seen[s->type]++)
				continue;
			ac_server(&w, r, a, s);
		}
	if (p->doc_url != NULL) {
		xml_open(&w, "documentation", "url", p->doc_url, XML_END);
		if (p->doc_text != NULL)
			xml_elem(
			    &w, "descr", p->doc_text, "lang", "en", XML_END);
		xml_close(&w);
	}
	ac_oauth(&w, p);
	xml_close(&w); /* emailProvider */
	if (p->carddav != NULL)
		ac_dav(&w, r, a, "addressBook", "carddav", p->carddav);
	if (p->caldav != NULL)
		ac_dav(&w, r, a, "calendar", "caldav", p->caldav);
	if (p->webmail != NULL) {
		xml_open(&w, "webMail", XML_END);
		xml_empty(&w, "loginPage", "url", p->webmail, XML_END);
		xml_close(&w);
	}
	ac_oauth(&w, p);
	if (p->config_update_url != NULL)
		xml_empty(&w, "clientConfigUpdate", "url", p->config_update_url,
		    XML_END);
	xml_end(&w);
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
	xml_elem(w, "Server", s->host, XML_END);
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
		return tpl_emit(t, a, r, CT_XML);
	r->content_type = CT_XML;
	xml_init(&w, &r->body, 1);
	xml_decl(&w);
	xml_open(&w, "Autodiscover", "xmlns", NS_AD, XML_END);
	if (a->schema == SCHEMA_MOBILESYNC) {
		xml_open(&w, "Response", "xmlns", NS_MOBILESYNC, XML_END);
		xml_elem(&w, "Culture", "en:us", XML_END);
		xml_open(&w, "User", XML_END);
		xml_elem(&w, "DisplayName", p->display_name, XML_END);
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
	for (out = 0; out < 2; out++)
		for (i = 0; i < p->nservers; i++)
			if (is_incoming(p->servers[i].type) != out)
				pox_server(&w, r, a, &p->servers[i]);
	if (p->caldav != NULL)
		pox_dav(&w, r, a, "CalDAV", p->caldav);
	if (p->carddav != NULL)
		pox_dav(&w, r, a, "CardDAV", p->carddav);
	xml_end(&w);
	return MAC_OK;
}

/*
 * What each error is called in the two formats that carry a code: the
 * Autodiscover ErrorCode (MS-OXDSCLI: 500 address not found, 600 invalid
 * request, 601 schema not offered, 603 server fault) and the v2 JSON
 * ErrorCode in Exchange's style.
 */
static const struct {
	const char *pox;
	const char *json;
} err_codes[MAC__MAX] = {
    [MAC_OK] = {"603", "InternalServerError"},
    [MAC_ENOMEM] = {"603", "InternalServerError"},
    [MAC_EINPUT] = {"600", "InvalidRequest"},
    [MAC_ENOROUTE] = {"600", "NotFound"},
    [MAC_ENODOMAIN] = {"500", "NotFound"},
    [MAC_EMETHOD] = {"600", "MethodNotAllowed"},
    [MAC_ETOOBIG] = {"600", "InvalidRequest"},
    [MAC_EPROTOCOL] = {"601", "InvalidProtocol"},
    [MAC_ENOSCHEMA] = {"601", "InvalidProtocol"},
    [MAC_ENOREQUEST] = {"600", "InvalidRequest"},
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
	xml_init(&w, &r->body, 1);
	xml_decl(&w);
	xml_open(&w, "Autodiscover", "xmlns", NS_AD, XML_END);
	xml_open(&w, "Response", "xmlns", NS_AD, XML_END);
	xml_open(&w, "Error", "Time", t, "Id", POX_SERVER_ID, XML_END);
	xml_elem(&w, "ErrorCode", err_codes[e].pox, XML_END);
	xml_elem(
	    &w, "Message", r->why != NULL ? r->why : mac_strerror(e), XML_END);
	xml_empty(&w, "DebugData", XML_END);
	xml_end(&w);
}

/* A plain-text reason, for the routes whose clients read no error body. */
void
render_err_text(enum mac_err e, const struct ask *a, struct mac_resp *r)
{
	(void)a;
	r->content_type = CT_TEXT;
	buf_puts(&r->body, r->why != NULL ? r->why : mac_strerror(e));
	buf_putc(&r->body, '\n');
}

/* ---- Autodiscover v2 (JSON) ---- */

static void
json_pair(struct mac_buf *b, const char *k, const char *v, int first)
{
	buf_puts(b, first ? "{" : ",");
	json_str(b, k, strlen(k));
	buf_putc(b, ':');
	json_str(b, v, strlen(v));
}

/*
 * {"Protocol":"AutodiscoverV1","Url":"https://autodiscover.<domain>/
 * autodiscover/autodiscover.xml"} (tests/clients/README.md §5).  The URL
 * comes from the configuration or the address's domain, never from Host.
 */
enum mac_err
render_json(const struct ask *a, struct mac_resp *r)
{
	const struct cfg_provider *p = a->prov;
	const struct tpl *t;
	const char *url;

	t = tpl_pick(
	    a, a->proto == V2_ACTIVESYNC ? TPL_JSON_AS : TPL_JSON_V1, 0);
	if (t != NULL)
		return tpl_emit(t, a, r, CT_JSON);
	r->content_type = CT_JSON;
	if (a->proto == V2_ACTIVESYNC) {
		json_pair(&r->body, "Protocol", "ActiveSync", 1);
		url = p->activesync;
	} else {
		json_pair(&r->body, "Protocol", "AutodiscoverV1", 1);
		url = p->autodiscover_url;
		if (url == NULL)
			url = expand(&r->arena,
			    "https://autodiscover.%EMAILDOMAIN%"
			    "/autodiscover/autodiscover.xml",
			    &a->addr, 0);
		if (url == NULL)
			return MAC_ENOMEM;
	}
	json_pair(&r->body, "Url", url, 0);
	buf_putc(&r->body, '}');
	return MAC_OK;
}

void
render_err_json(enum mac_err e, const struct ask *a, struct mac_resp *r)
{

	(void)a;
	r->content_type = CT_JSON;
	json_pair(&r->body, "ErrorCode", err_codes[e].json, 1);
	json_pair(&r->body, "ErrorMessage",
	    r->why != NULL ? r->why : mac_strerror(e), 0);
	buf_putc(&r->body, '}');
}

/* ---- Apple configuration profile ---- */

/*
 * A name-based UUID (RFC 9562 §5.5, version 5, SHA-1) of s under
 * uuid_ns, written upper case 8-4-4-4-12 into out (37 bytes).  The same
 * identifier always gives the same UUID, so a second download replaces
 * the installed profile instead of adding one.
 */
static void
uuid5(const struct ask *a, char out[37], const char *s)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	unsigned char in[16 + MAC_FILENAME_MAX * 2];
	size_t n = strlen(s), i, o = 0;

	if (n > sizeof(in) - 16)
		n = sizeof(in) - 16;
	memcpy(in, uuid_ns, 16);
	memcpy(in + 16, s, n);
	/* The digest fetched at load skips OpenSSL's lookup per call. */
	if (a->cfg == NULL || a->cfg->sha1 == NULL ||
	    !EVP_Digest(in, 16 + n, md, NULL, a->cfg->sha1, NULL))
		SHA1(in, 16 + n, md);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = "0123456789ABCDEF"[md[i] >> 4];
		out[o++] = "0123456789ABCDEF"[md[i] & 15];
	}
	out[o] = '\0';
}

/*
 * The profile identifier: <prefix>.<reversed address domain>.<local part>,
 * the local part lower-cased with every byte outside [a-z0-9-] written as
 * _XX, so that distinct addresses never share an identifier.
 */
static const char *
mc_ident(struct mac_arena *ar, const struct ask *a)
{
	const struct mac_str *d = &a->addr.domain, *l = &a->addr.local;
	size_t n = strlen(a->prov->mc_prefix) + 1 + d->len + 1 + l->len * 3;
	char *out, *o;
	size_t i, end;

	if (a->building)
		return hole_str[HOLE_IDENT];
	if ((out = arena_alloc(ar, n + 1)) == NULL)
		return NULL;
	o = out;
	memcpy(o, a->prov->mc_prefix, strlen(a->prov->mc_prefix));
	o += strlen(a->prov->mc_prefix);
	end = d->len;
	for (i = d->len; i > 0; i--)
		if (d->p[i - 1] == '.' || i == 1) {
			size_t start = d->p[i - 1] == '.' ? i : i - 1;
			*o++ = '.';
			memcpy(o, d->p + start, end - start);
			o += end - start;
			end = i - 1;
		}
	*o++ = '.';
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->p[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-')
			*o++ = (char)c;
		else {
			*o++ = '_';
			*o++ = "0123456789abcdef"[c >> 4];
			*o++ = "0123456789abcdef"[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static void
pl_key(struct xml_w *w, const char *k)
{
	xml_elem(w, "key", k, XML_END);
}

static void
pl_str(struct xml_w *w, const char *k, const char *v)
{
	pl_key(w, k);
	xml_elem(w, "string", v, XML_END);
}

static void
pl_int(struct xml_w *w, const char *k, unsigned long v)
{
	pl_key(w, k);
	xml_elemu(w, "integer", v);
}

static void
pl_bool(struct xml_w *w, const char *k, int v)
{
	pl_key(w, k);
	xml_empty(w, v ? "true" : "false", XML_END);
}

/* The common payload keys (CommonPayloadKeys.yaml). */
static void
pl_payload(struct xml_w *w, const struct ask *a, struct mac_arena *ar,
    const char *type, const char *ident, const char *suffix,
    const char *display)
{
	char *id, uuid[37];
	size_t n = strlen(ident), m = suffix ? strlen(suffix) : 0, k;

	if ((id = arena_alloc(ar, n + m + 1)) == NULL)
		return; /* the arena keeps the failure; mac_handle() sees it */
	memcpy(id, ident, n);
	memcpy(id + n, suffix ? suffix : "", m);
	id[n + m] = '\0';
	if (ident[0] == HOLE_IDENT) { /* a template: the UUID's hole */
		for (k = HOLE_UUID; k < HOLE__END; k++)
			if (strcmp(uuid_suffix[k], suffix ? suffix : "") == 0)
				break;
		if (k == HOLE__END) {
			ar->failed = 1; /* no hole for it: no template */
			return;
		}
		memcpy(uuid, hole_str[k], sizeof(hole_str[k]));
	} else
		uuid5(a, uuid, id);
	pl_str(w, "PayloadDisplayName", display);
	pl_str(w, "PayloadIdentifier", id);
	pl_str(w, "PayloadType", type);
	pl_str(w, "PayloadUUID", uuid);
	pl_int(w, "PayloadVersion", 1);
}

/*
 * Pick the server a profile gets for a type: the first with TLS from the
 * first byte (Apple's UseSSL is only known to mean that), else the first
 * with STARTTLS.  NULL if the provider has none.
 */
static const struct cfg_server *
mc_pick(const struct cfg_provider *p, enum srv_type t)
{
	const struct cfg_server *best = NULL;
	size_t i;

	for (i = 0; i < p->nservers; i++) {
		const struct cfg_server *s = &p->servers[i];
		if (s->type != t || s->sock == SOCK_PLAIN)
			continue;
		if (s->sock == SOCK_SSL)
			return s;
		if (best == NULL)
			best = s;
	}
	return best;
}

static const char *
mc_auth(const struct cfg_server *s)
{
	size_t i;

	for (i = 0; i < s->nauth; i++)
		switch (s->auth[i]) {
		case AUTH_PASSWORD_CLEARTEXT:
			return "EmailAuthPassword";
		case AUTH_PASSWORD_ENCRYPTED:
			return "EmailAuthCRAMMD5";
		case AUTH_NTLM:
			return "EmailAuthNTLM";
		case AUTH_NONE:
		case AUTH_CLIENT_IP:
			return "EmailAuthNone";
		default:
			break;
		}
	return "EmailAuthPassword";
}

static void
mc_dav(struct xml_w *w, struct mac_resp *r, const struct ask *a,
    const char *ident, const char *pfx, const char *url, const char *user)
{
	char k[64];
	const char *host;
	unsigned long port;

	url_host_port(&r->arena, url, &host, &port);
	xml_open(w, "dict", XML_END);
	snprintf(k, sizeof(k), "%sAccountDescription", pfx);
	pl_str(w, k, a->prov->display_name);
	snprintf(k, sizeof(k), "%sHostName", pfx);
	pl_str(w, k, host);
	snprintf(k, sizeof(k), "%sPort", pfx);
	pl_int(w, k, port);
	snprintf(k, sizeof(k), "%sPrincipalURL", pfx);
	pl_str(w, k, url);
	snprintf(k, sizeof(k), "%sUseSSL", pfx);
	pl_bool(w, k, 1);
	snprintf(k, sizeof(k), "%sUsername", pfx);
	pl_str(w, k, user);
	snprintf(k, sizeof(k), "com.apple.%s.account", pfx);
	for (char *c = k; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	pl_payload(w, a, &r->arena, k, ident,
	    strcmp(pfx, "CalDAV") == 0 ? ".caldav" : ".carddav",
	    a->prov->display_name);
	xml_close(w);
}

/*
 * A configuration profile (Apple's TopLevel, com.apple.mail.managed,
 * com.apple.caldav.account and com.apple.carddav.account schemas) with
 * deterministic identifiers and UUIDs and no passwords.
 */
enum mac_err
render_mobileconfig(const struct ask *a, struct mac_resp *r)
{
	const struct cfg_provider *p = a->prov;
	const struct cfg_server *in, *out;
	const char *ident, *addr, *inuser;
	const struct tpl *t;
	struct xml_w w;
	int n;

	n = snprintf(r->filename, sizeof(r->filename), "%.*s.mobileconfig",
	    (int)a->addr.domain.len, a->addr.domain.p);
	if (n < 0 || (size_t)n >= sizeof(r->filename))
		r->filename[0] = '\0';
	if ((t = tpl_pick(a, a->name.len > 0 ? TPL_MC_NAME : TPL_MC, 1)) !=
	    NULL)
		return tpl_emit(t, a, r, CT_PROFILE);
	in = mc_pick(p, SRV_IMAP);
	if (in == NULL)
		in = mc_pick(p, SRV_POP3);
	out = mc_pick(p, SRV_SMTP);
	ident = mc_ident(&r->arena, a);
	addr = expand(&r->arena, "%EMAILADDRESS%", &a->addr, 1);
	if (in == NULL || out == NULL || ident == NULL || addr == NULL)
		return MAC_ENOMEM; /* cfg.c guarantees both servers */
	inuser = expand(&r->arena, in->username, &a->addr, 1);

	r->content_type = CT_PROFILE;
	xml_init(&w, &r->body, 1);
	xml_decl(&w);
	xml_raw(&w, "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
	xml_open(&w, "plist", "version", "1.0", XML_END);
	xml_open(&w, "dict", XML_END);
	pl_key(&w, "PayloadContent");
	xml_open(&w, "array", XML_END);

	xml_open(&w, "dict", XML_END);
	pl_str(&w, "EmailAccountDescription", p->display_name);
	if (a->name.len > 0) {
		pl_key(&w, "EmailAccountName");
		xml_elemn(&w, "string", a->name.p, a->name.len);
	}
	pl_str(&w, "EmailAccountType",
	    in->type == SRV_IMAP ? "EmailTypeIMAP" : "EmailTypePOP");
	pl_str(&w, "EmailAddress", addr);
	pl_str(&w, "IncomingMailServerAuthentication", mc_auth(in));
	pl_str(&w, "IncomingMailServerHostName", in->host);
	pl_int(&w, "IncomingMailServerPortNumber", in->port);
	pl_bool(&w, "IncomingMailServerUseSSL", in->sock == SOCK_SSL);
	pl_str(&w, "IncomingMailServerUsername", inuser);
	pl_str(&w, "OutgoingMailServerAuthentication", mc_auth(out));
	pl_str(&w, "OutgoingMailServerHostName", out->host);
	pl_int(&w, "OutgoingMailServerPortNumber", out->port);
	pl_bool(&w, "OutgoingMailServerUseSSL", out->sock == SOCK_SSL);
	pl_str(&w, "OutgoingMailServerUsername",
	    expand(&r->arena, out->username, &a->addr, 1));
	pl_bool(&w, "OutgoingPasswordSameAsIncomingPassword", 1);
	pl_payload(&w, a, &r->arena, "com.apple.mail.managed", ident, ".mail",
	    p->display_name);
	xml_close(&w);
	if (p->caldav != NULL)
		mc_dav(&w, r, a, ident, "CalDAV", p->caldav, inuser);
	if (p->carddav != NULL)
		mc_dav(&w, r, a, ident, "CardDAV", p->carddav, inuser);
	xml_close(&w); /* array */

	pl_str(&w, "PayloadDescription",
	    "Sets up your mail account, with calendars and contacts where "
	    "offered.");
	pl_str(&w, "PayloadOrganization",
	    p->mc_org != NULL ? p->mc_org : p->display_name);
	pl_payload(
	    &w, a, &r->arena, "Configuration", ident, NULL, p->display_name);
	xml_end(&w);
	return MAC_OK;
}

/* ---- precomputed answers ---- */

/*
 * The template for this request, or NULL to render it from scratch: while
 * templates are built, when tests turn them off, when the provider has
 * none of this kind, or when the template needs a local part and the
 * request has none.
 */
static const struct tpl *
tpl_pick(const struct ask *a, enum tpl_kind k, int needs_local)
{
	const struct tpl *t = &a->prov->tpl[k];

	if (a->building || render_no_templates || t->text == NULL ||
	    (needs_local && a->addr.local.len == 0))
		return NULL;
	return t;
}

/*
 * Write a template with the request's values in its holes; the same bytes
 * as rendering from scratch, without re-escaping the configuration.  The
 * profile identifier and its UUIDs are worked out only if a hole wants
 * them.
 */
static enum mac_err
tpl_emit(const struct tpl *t, const struct ask *a, struct mac_resp *r,
    const char *ct)
{
	/* Where a value went first, escaped for a mode: later holes of the
	 * same kind and mode copy those bytes instead of escaping again. */
	size_t done_off[HOLE__END][TPL_MODES_MAX],
	    done_len[HOLE__END][TPL_MODES_MAX];
	unsigned char done[HOLE__END][TPL_MODES_MAX] = {{0}};
	const struct tpl_hole *h;
	const char *ident = NULL;
	char uuid[37], *id;
	struct mac_str v;
	size_t i, at = 0, n, mark;

	r->content_type = ct;
	for (i = 0; i < t->nholes; i++) {
		h = &t->holes[i];
		buf_put(&r->body, t->text + at, h->off - at);
		at = h->off;
		if (h->kind < HOLE__END && h->mode < TPL_MODES_MAX &&
		    done[h->kind][h->mode]) {
			buf_put(&r->body,
			    r->body.p + done_off[h->kind][h->mode],
			    done_len[h->kind][h->mode]);
			continue;
		}
		switch (h->kind) {
		case HOLE_DOMAIN:
			v = a->addr.domain;
			break;
		case HOLE_LOCAL:
			v = a->addr.local;
			break;
		case HOLE_NAME:
			v = a->name;
			break;
		default: /* the identifier and the UUIDs made from it */
			if (ident == NULL &&
			    (ident = mc_ident(&r->arena, a)) == NULL)
				return MAC_ENOMEM;
			v.p = ident;
			v.len = strlen(ident);
			if (h->kind == HOLE_IDENT)
				break;
			n = strlen(uuid_suffix[h->kind]);
			if ((id = arena_alloc(&r->arena, v.len + n + 1)) ==
			    NULL)
				return MAC_ENOMEM;
			memcpy(id, v.p, v.len);
			memcpy(id + v.len, uuid_suffix[h->kind], n + 1);
			uuid5(a, uuid, id);
			v.p = uuid;
			v.len = strlen(uuid);
			break;
		}
		mark = r->body.len;
		if (xml_hole(&r->body, h->mode, v.p, v.len) == MAC_OK &&
		    h->kind < HOLE__END && h->mode < TPL_MODES_MAX) {
			done[h->kind][h->mode] = 1;
			done_off[h->kind][h->mode] = mark;
			done_len[h->kind][h->mode] = r->body.len - mark;
		}
	}
	buf_put(&r->body, t->text + at, t->len - at);
	return MAC_OK;
}

static enum mac_err (*const tpl_render[TPL__MAX])(
    const struct ask *, struct mac_resp *) = {
    [TPL_AC] = render_autoconfig,
    [TPL_AC_EVO] = render_autoconfig,
    [TPL_POX] = render_pox,
    [TPL_POX_MS] = render_pox,
    [TPL_JSON_V1] = render_json,
    [TPL_JSON_AS] = render_json,
    [TPL_MC] = render_mobileconfig,
    [TPL_MC_NAME] = render_mobileconfig,
};

/*
 * Render one kind of answer for p with hole codes for the request's
 * values, recording where they land, and keep it in p->tpl[k].  A kind
 * the provider does not offer, or one that fails to render, gets no
 * template: such requests are rendered from scratch and fail the same way
 * there.  Returns -1 only when out of memory.
 */
static int
tpl_build(struct cfg_provider *p, enum tpl_kind k, struct mac_resp *r,
    struct tpl_rec *rec)
{
	struct tpl *t = &p->tpl[k];
	struct ask a;
	enum mac_err e;
	size_t hsize;
	char *mem;

	if ((k == TPL_POX_MS || k == TPL_JSON_AS) && p->activesync == NULL)
		return 0;
	memset(&a, 0, sizeof(a));
	a.prov = p;
	a.building = 1;
	a.addr.domain.p = hole_str[HOLE_DOMAIN];
	a.addr.domain.len = 1;
	a.addr.local.p = hole_str[HOLE_LOCAL];
	a.addr.local.len = 1;
	a.evolution = k == TPL_AC_EVO;
	a.schema = k == TPL_POX_MS ? SCHEMA_MOBILESYNC : SCHEMA_OUTLOOK;
	a.proto = k == TPL_JSON_AS ? V2_ACTIVESYNC : V2_AUTODISCOVERV1;
	if (k == TPL_MC_NAME) {
		a.name.p = hole_str[HOLE_NAME];
		a.name.len = 1;
	}
	buf_reset(&r->body);
	arena_reset(&r->arena);
	memset(rec, 0, sizeof(*rec));
	r->body.rec = rec;
	e = tpl_render[k](&a, r);
	r->body.rec = NULL;
	if (e != MAC_OK || r->body.err != MAC_OK || r->arena.failed ||
	    rec->full)
		return 0;
	hsize = rec->n * sizeof(rec->holes[0]);
	if ((mem = malloc(hsize + r->body.len + 1)) == NULL)
		return -1;
	memcpy(mem, rec->holes, hsize);
	memcpy(mem + hsize, r->body.p, r->body.len);
	t->holes = (struct tpl_hole *)(void *)mem;
	t->nholes = rec->n;
	t->text = mem + hsize;
	t->len = r->body.len;
	return 0;
}

int
render_prepare(struct mac_cfg *cfg)
{
	struct mac_resp r;
	struct tpl_rec rec;
	size_t i;
	int k, rc = 0;

	if (mac_resp_init(&r) != 0)
		return -1;
	/* NULL is no error here: uuid5() falls back to SHA1(). */
	cfg->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	for (i = 0; i < cfg->nproviders && rc == 0; i++)
		for (k = 0; k < TPL__MAX && rc == 0; k++)
			rc = tpl_build(&cfg->providers[i], k, &r, &rec);
	mac_resp_free(&r);
	if (rc != 0)
		render_release(cfg);
	return rc;
}

void
render_release(struct mac_cfg *cfg)
{
	size_t i;
	int k;

	for (i = 0; i < cfg->nproviders; i++)
		for (k = 0; k < TPL__MAX; k++) {
			struct tpl *t = &cfg->providers[i].tpl[k];
			free(t->holes); /* one block with the text */
			memset(t, 0, sizeof(*t));
		}
	EVP_MD_free(cfg->sha1);
	cfg->sha1 = NULL;
}
