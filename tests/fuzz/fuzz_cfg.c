/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * libFuzzer target: the input is an INI file for mac_cfg_load_mem(),
 * named "fuzz.ini", so that a relative domains-file is read from the
 * working directory (tests/fuzz/run.sh puts a small domains.txt there).
 * An input that could name a domains-file outside it (a '/' on a line
 * that mentions domains-file, or on an indented line that could continue
 * one) is skipped: /dev/zero is not a finding.
 *
 * Invariants: the loader returns a configuration XOR a non-empty error
 * text of at most MAC_CFG_ERRORS_MAX lines, each "file:line: reason" or
 * "file: reason".  A configuration has providers whose id and server
 * hosts are normalised domains, each with an incoming and an smtp server
 * that are not plain, ports in range, authentication lists, all four
 * oauth2 keys or none, and texts that the XML writer accepts; its domain
 * table holds normalised names that cfg_find() maps back to their
 * provider.  Then every route is asked about one domain of each provider
 * (and the catch-all), and each answer must be MAC_OK (or the documented
 * 601 or InvalidProtocol when ActiveSync is not offered) and pass
 * fuzz_check_resp(): whatever the loader accepts, the renderers can
 * write.  mac_cfg_free() runs on every configuration.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_int.h" /* lang_split() */
#include "fuzz_common.h"

#define CFG_NAME "fuzz.ini"
#define PROBE_PROVIDERS_MAX 8  /* providers asked about per input */
#define LOCAL_QUERY "o%27%26b" /* o'&b: two bytes the writer escapes */
#define LOCAL_XML "o&apos;&amp;b"
#define LOCAL_LEN 4
#define EVOLUTION "EVOLUTIONUSER"
#define CATCH_ALL_PROBE "fuzz-catch-all-probe.example"
#define URL_MAX 512 /* one request path with its query string */
#define POX_BODY_MAX 1024

static const char *
find(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return p + i;
	return NULL;
}

/* Whether the input cannot name a domains-file outside the directory. */
static int
domains_file_local(const char *p, size_t n)
{
	const char *line = p, *nl, *end = p + n;
	size_t len;

	if (find(p, n, "domains-file") == NULL)
		return 1;
	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		len = (size_t)(nl - line);
		if ((len > 0 && isspace((unsigned char)line[0])) ||
		    find(line, len, "domains-file") != NULL)
			if (memchr(line, '/', len) != NULL)
				return 0;
	}
	return 1;
}

/* "file:line: reason" or "file: reason", without the newline. */
static int
err_line_ok(const char *s, size_t n)
{
	size_t i = 0, d;

	while (i < n && s[i] != ':')
		i++;
	if (i == 0 || i == n)
		return 0;
	d = ++i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i > d && (i == n || s[i++] != ':'))
		return 0;
	return i + 1 < n && s[i] == ' ';
}

static void
check_errors(const char *err, size_t cap)
{
	const char *line, *nl, *end;
	unsigned lines = 0;

	FUZZ_CHECK(memchr(err, '\0', cap) != NULL, "error text not terminated");
	FUZZ_CHECK(err[0] != '\0', "NULL without an error text");
	end = err + strlen(err);
	for (line = err; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		lines++;
		FUZZ_CHECK(err_line_ok(line, (size_t)(nl - line)),
		    "error line %u is not 'file:line: reason': '%.*s'\n%s",
		    lines, (int)(nl - line), line, err);
	}
	FUZZ_CHECK(lines <= MAC_CFG_ERRORS_MAX, "%u error lines", lines);
}

/* The writer must take every configured text that renderers emit. */
static void
check_text(const char *what, const char *s)
{
	static char scratch[MAC_OUT_MAX];
	struct mac_buf b = {scratch, 0, sizeof(scratch), MAC_OK};

	if (s == NULL)
		return;
	FUZZ_CHECK(xml_text(&b, s, strlen(s)) == MAC_OK,
	    "%s '%s' is refused by xml_text()", what, s);
	buf_reset(&b);
	FUZZ_CHECK(xml_attr(&b, s, strlen(s)) == MAC_OK,
	    "%s '%s' is refused by xml_attr()", what, s);
	buf_reset(&b);
	FUZZ_CHECK(json_str(&b, s, strlen(s)) == MAC_OK,
	    "%s '%s' is refused by json_str()", what, s);
}

static void
check_url(const char *what, const char *u, int http)
{
	if (u == NULL)
		return;
	FUZZ_CHECK(strncmp(u, "https://", 8) == 0 ||
		       (http && strncmp(u, "http://", 7) == 0),
	    "%s '%s'", what, u);
	check_text(what, u);
}

/* A language tag as lang_split() takes it: what goes into lang="". */
static void
check_lang(const char *what, const char *l)
{
	char t[MAC_CFG_LANG_MAX + sizeof(": x")], got[MAC_CFG_LANG_MAX + 1];

	FUZZ_CHECK(l != NULL && strlen(l) >= 2 && strlen(l) <= MAC_CFG_LANG_MAX,
	    "%s: language '%s'", what, l != NULL ? l : "(null)");
	snprintf(t, sizeof(t), "%s: x", l);
	FUZZ_CHECK(
	    strcmp(l, "en") == 0 ||
		(lang_split(t, got, sizeof(got)) != t && strcmp(got, l) == 0),
	    "%s: language '%s' is no tag", what, l);
}

static void
check_texts(const char *what, const struct cfg_text *t, size_t n)
{
	size_t i, k;

	FUZZ_CHECK(n <= MAC_CFG_LANGS_MAX, "%s: %zu texts", what, n);
	for (i = 0; i < n; i++) {
		check_lang(what, t[i].lang);
		FUZZ_CHECK(t[i].text != NULL && t[i].text[0] != '\0',
		    "%s: empty text", what);
		check_text(what, t[i].text);
		for (k = 0; k < i; k++)
			FUZZ_CHECK(strcasecmp(t[k].lang, t[i].lang) != 0,
			    "%s: two texts in '%s'", what, t[i].lang);
	}
}

/* Documentation links, enable, the login form, notes (cfg_texts.c). */
static void
check_lists(const struct cfg_provider *p)
{
	const struct cfg_login *l = p->login;
	size_t i;

	FUZZ_CHECK(p->ndocs <= MAC_CFG_DOCS_MAX, "%s: %zu documentation links",
	    p->id, p->ndocs);
	for (i = 0; i < p->ndocs; i++) {
		FUZZ_CHECK(p->docs[i].url != NULL,
		    "%s: documentation-text without documentation", p->id);
		check_url("documentation", p->docs[i].url, 1);
		check_texts(
		    "documentation-text", p->docs[i].texts, p->docs[i].ntexts);
	}
	FUZZ_CHECK(p->nenable == 0 || p->enable_url != NULL,
	    "%s: enable-text without enable-url", p->id);
	check_url("enable-url", p->enable_url, 1);
	check_texts("enable-text", p->enable, p->nenable);
	if (l != NULL) {
		FUZZ_CHECK(l->url != NULL && l->username != NULL,
		    "%s: login form without url or username", p->id);
		check_url("webmail-login-url", l->url, 1);
		check_text("webmail-login-username", l->username);
		check_text("login field", l->user_id);
		check_text("login field", l->user_name);
		check_text("login field", l->pass_id);
		check_text("login field", l->pass_name);
		check_text("login field", l->button_id);
		check_text("login field", l->button_name);
	}
	FUZZ_CHECK(
	    p->nnotes <= MAC_CFG_NOTES_MAX, "%s: %zu notes", p->id, p->nnotes);
	for (i = 0; i < p->nnotes; i++) {
		FUZZ_CHECK((unsigned)p->notes[i].client < NOTE__MAX,
		    "%s: note client %d", p->id, p->notes[i].client);
		check_text("setup-note", p->notes[i].text);
	}
}

/*
 * A server host is a valid domain once a domain is put in for
 * %EMAILDOMAIN% (as every answer does, through dom_put()); no other '%'
 * survives that.
 */
static int
fuzz_host_ok(const char *h)
{
	static const char dom[] = "customer.example";
	char out[2 * MAC_DOMAIN_MAX];
	size_t n;

	n = dom_put(out, sizeof(out), h, dom, sizeof(dom) - 1);
	return n < sizeof(out) && fuzz_domain_ok(out, n);
}

static void
check_provider(const struct cfg_provider *p)
{
	size_t i, k, in = 0, out = 0;
	int oauth;

	FUZZ_CHECK(p->id != NULL && fuzz_domain_ok(p->id, strlen(p->id)),
	    "provider id '%s'", p->id != NULL ? p->id : "(null)");
	FUZZ_CHECK(p->display_name != NULL && p->short_name != NULL &&
		       p->mc_prefix != NULL,
	    "provider %s lacks a name", p->id);
	check_text("display-name", p->display_name);
	check_text("short-name", p->short_name);
	check_text("mobileconfig-organization", p->mc_org);
	check_text("mobileconfig-identifier", p->mc_prefix);
	check_text("oauth2-scope", p->oauth_scope);
	check_text("oauth2-issuer", p->oauth_issuer);
	check_url("caldav", p->caldav, 0);
	check_url("carddav", p->carddav, 0);
	check_url("webmail", p->webmail, 1);
	check_url("activesync", p->activesync, 0);
	check_url("autodiscover-url", p->autodiscover_url, 0);
	check_url("config-update-url", p->config_update_url, 0);
	check_url("oauth2-auth-url", p->oauth_auth_url, 0);
	check_url("oauth2-token-url", p->oauth_token_url, 0);
	oauth = (p->oauth_issuer != NULL) + (p->oauth_scope != NULL) +
		(p->oauth_auth_url != NULL) + (p->oauth_token_url != NULL);
	FUZZ_CHECK(
	    oauth == 0 || oauth == 4, "%s: %d oauth2 keys", p->id, oauth);
	check_lists(p);
	FUZZ_CHECK(p->ttl <= MAC_CFG_TTL_MAX, "%s: ttl %u", p->id, p->ttl);
	FUZZ_CHECK(p->pop3_days <= MAC_CFG_POP3_DAYS_MAX, "%s: pop3 days %u",
	    p->id, p->pop3_days);
	FUZZ_CHECK(p->nservers >= 1 && p->nservers <= MAC_CFG_SERVERS_MAX,
	    "%s: %zu servers", p->id, p->nservers);
	for (i = 0; i < p->nservers; i++) {
		const struct cfg_server *s = &p->servers[i];
		FUZZ_CHECK((unsigned)s->type < SRV__MAX &&
			       (unsigned)s->sock < SOCK__MAX,
		    "%s: server %zu type %d socket %d", p->id, i, s->type,
		    s->sock);
		FUZZ_CHECK(s->host != NULL && fuzz_host_ok(s->host),
		    "%s: server host '%s'", p->id,
		    s->host != NULL ? s->host : "(null)");
		FUZZ_CHECK(s->port >= 1 && s->port <= 65535, "%s: port %u",
		    p->id, s->port);
		FUZZ_CHECK(s->username != NULL, "%s: no username", p->id);
		check_text("username", s->username);
		FUZZ_CHECK(s->nauth >= 1 && s->nauth <= AUTH__MAX,
		    "%s: %zu authentication methods", p->id, s->nauth);
		for (k = 0; k < s->nauth; k++) {
			FUZZ_CHECK((unsigned)s->auth[k] < AUTH__MAX,
			    "%s: method %d", p->id, s->auth[k]);
			FUZZ_CHECK(s->auth[k] != AUTH_SMTP_AFTER_POP ||
				       s->type == SRV_SMTP,
			    "%s: smtp-after-pop on %s", p->id,
			    srv_type_names[s->type]);
		}
		if (s->sock != SOCK_PLAIN && s->type == SRV_SMTP)
			out++;
		else if (s->sock != SOCK_PLAIN)
			in++;
	}
	FUZZ_CHECK(in >= 1, "%s: no incoming server with TLS", p->id);
	FUZZ_CHECK(out >= 1, "%s: no smtp server with TLS", p->id);
}

/* One request; abort unless it gives want and a good answer. */
static void
ask(const struct mac_cfg *cfg, enum mac_method m, const char *url,
    const char *host, const char *body, enum mac_err want)
{
	struct mac_resp *r = fuzz_resp();
	struct mac_req req;
	const char *q;
	enum mac_err e;

	memset(&req, 0, sizeof(req));
	req.method = m;
	req.path.p = url;
	req.path.len = strlen(url);
	if ((q = strchr(url, '?')) != NULL) {
		req.path.len = (size_t)(q - url);
		req.query.p = q + 1;
		req.query.len = strlen(q + 1);
	}
	req.host.p = host != NULL ? host : "";
	req.host.len = strlen(req.host.p);
	if (body != NULL) {
		req.body.p = body;
		req.body.len = strlen(body);
	}
	e = mac_handle(cfg, &req, r);
	fuzz_check_resp(&req, e, r);
	FUZZ_CHECK(e == want, "%s %s: code %d (%s), not %d:\n%.*s",
	    body != NULL ? "POST" : "GET", url, (int)e,
	    r->why != NULL ? r->why : "", (int)want, (int)r->body.len,
	    r->body.p);
}

/* Every route about domain d, served by p. */
static void
probe(const struct mac_cfg *cfg, const struct cfg_provider *p, const char *d)
{
	static char url[URL_MAX], host[URL_MAX], body[POX_BODY_MAX];
	size_t dlen = strlen(d);
	int addr_fits = LOCAL_LEN + 1 + dlen <= MAC_EMAIL_MAX;
	int evo_fits = strlen(EVOLUTION) + 1 + dlen <= MAC_EMAIL_MAX;
	enum mac_err no_as = p->activesync != NULL ? MAC_OK : MAC_EPROTOCOL;

	if (dlen <= MAC_HOST_MAX) {
		/* Host alone (a leading "autoconfig." would be taken off). */
		if (strncmp(d, "autoconfig.", 11) != 0)
			ask(cfg, MAC_M_GET, "/mail/config-v1.1.xml", d, NULL,
			    MAC_OK);
		snprintf(host, sizeof(host), "autoconfig.%s:443", d);
		ask(cfg, MAC_M_GET,
		    "/.well-known/autoconfig/mail/"
		    "config-v1.1.xml",
		    host, NULL,
		    strlen(host) <= MAC_HOST_MAX ? MAC_OK : MAC_EINPUT);
	}
	if (evo_fits) {
		snprintf(url, sizeof(url),
		    "/mail/config-v1.1.xml?emailaddress=" EVOLUTION "%%40%s",
		    d);
		ask(cfg, MAC_M_GET, url, NULL, NULL, MAC_OK);
	}
	if (!addr_fits)
		return;
	snprintf(url, sizeof(url),
	    "/mail/config-v1.1.xml?emailaddress=" LOCAL_QUERY "%%40%s", d);
	ask(cfg, MAC_M_GET, url, NULL, NULL, MAC_OK);
	snprintf(body, sizeof(body),
	    "<Autodiscover><Request><EMailAddress>" LOCAL_XML
	    "@%s</EMailAddress></Request></Autodiscover>",
	    d);
	ask(cfg, MAC_M_POST, "/autodiscover/autodiscover.xml", NULL, body,
	    MAC_OK);
	snprintf(body, sizeof(body),
	    "<Autodiscover><Request><EMailAddress>" LOCAL_XML
	    "@%s</EMailAddress><AcceptableResponseSchema>http://"
	    "schemas.microsoft.com/exchange/autodiscover/mobilesync/"
	    "responseschema/2006</AcceptableResponseSchema></Request>"
	    "</Autodiscover>",
	    d);
	ask(cfg, MAC_M_POST, "/autodiscover/autodiscover.xml", NULL, body,
	    p->activesync != NULL ? MAC_OK : MAC_ENOSCHEMA);
	snprintf(url, sizeof(url),
	    "/autodiscover/autodiscover.json?Email=" LOCAL_QUERY
	    "%%40%s&Protocol=AutodiscoverV1",
	    d);
	ask(cfg, MAC_M_GET, url, NULL, NULL, MAC_OK);
	snprintf(url, sizeof(url),
	    "/autodiscover/autodiscover.json?Email=" LOCAL_QUERY
	    "%%40%s&Protocol=ActiveSync",
	    d);
	ask(cfg, MAC_M_GET, url, NULL, NULL, no_as);
	snprintf(url, sizeof(url),
	    "/mobileconfig?emailaddress=" LOCAL_QUERY "%%40%s&name=A%%20%%26B",
	    d);
	ask(cfg, MAC_M_GET, url, NULL, NULL, MAC_OK);
	snprintf(url, sizeof(url),
	    "/mail/setup?emailaddress=" LOCAL_QUERY "%%40%s", d);
	ask(cfg, MAC_M_GET, url, NULL, NULL, MAC_OK);
}

static void
check_cfg(const struct mac_cfg *cfg)
{
	const char *probe_dom[PROBE_PROVIDERS_MAX] = {NULL};
	size_t i, n = 0, pi;
	const struct cfg_provider *p;

	FUZZ_CHECK(cfg->nproviders >= 1, "no providers");
	for (i = 0; i < cfg->nproviders; i++)
		check_provider(&cfg->providers[i]);
	FUZZ_CHECK(cfg->catch_all == NULL ||
		       (cfg->catch_all >= cfg->providers &&
			   cfg->catch_all < cfg->providers + cfg->nproviders &&
			   cfg->catch_all->catch_all),
	    "bad catch-all");
	for (i = 0; i < cfg->nproviders; i++)
		FUZZ_CHECK(!cfg->providers[i].catch_all ||
			       cfg->catch_all == &cfg->providers[i],
		    "%s has catch-all set but is not the catch-all",
		    cfg->providers[i].id);
	for (i = 0; i < cfg->dcap; i++) {
		const struct cfg_domain *dom = &cfg->dtab[i];
		if (dom->name == NULL)
			continue;
		n++;
		FUZZ_CHECK(fuzz_domain_ok(dom->name, dom->len) &&
			       strlen(dom->name) == dom->len,
		    "domain '%s'", dom->name);
		FUZZ_CHECK(dom->hash == cfg_hash(dom->name, dom->len),
		    "hash of %s", dom->name);
		FUZZ_CHECK(dom->prov >= cfg->providers &&
			       dom->prov < cfg->providers + cfg->nproviders,
		    "domain %s has no provider", dom->name);
		FUZZ_CHECK(cfg_find(cfg, dom->name, dom->len) == dom->prov,
		    "cfg_find(%s) is not its provider", dom->name);
		pi = (size_t)(dom->prov - cfg->providers);
		if (pi < PROBE_PROVIDERS_MAX && probe_dom[pi] == NULL)
			probe_dom[pi] = dom->name;
	}
	FUZZ_CHECK(n == cfg->ndomains, "%zu domains in the table, %zu counted",
	    n, cfg->ndomains);
	FUZZ_CHECK(
	    n > 0 || cfg->catch_all != NULL, "neither domains nor a catch-all");
	for (i = 0; i < cfg->nproviders && i < PROBE_PROVIDERS_MAX; i++)
		if (probe_dom[i] != NULL)
			probe(cfg, &cfg->providers[i], probe_dom[i]);
	p = cfg_find(cfg, CATCH_ALL_PROBE, strlen(CATCH_ALL_PROBE));
	if (p != NULL)
		probe(cfg, p, CATCH_ALL_PROBE);
}

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	(void)fuzz_resp();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;

	if (!domains_file_local((const char *)data, size))
		return -1; /* not added to the corpus */
	memset(err, 0x55, sizeof(err));
	cfg = mac_cfg_load_mem(
	    CFG_NAME, (const char *)data, size, err, sizeof(err));
	if (cfg == NULL) {
		check_errors(err, sizeof(err));
		return 0;
	}
	FUZZ_CHECK(err[0] == '\0', "a configuration and an error text:\n%.*s",
	    (int)strnlen(err, sizeof(err)), err);
	check_cfg(cfg);
	mac_cfg_free(cfg);
	return 0;
}
