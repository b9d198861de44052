/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for the configuration loader (lib/cfg*.c).
 *
 * Mostly two tables: valids[], small INI texts that must load, each with
 * a function asserting the fields they produce, and invalids[], INI texts
 * that must fail, each with the exact first line of the error text.
 * Further tests cover domains-file (in a mkdtemp() directory), error
 * collection limits, a 100,000-domain load and the shipped example file.
 * Nothing here measures time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_int.h" /* key_table[] */

#ifndef MAC_SRCDIR
#define MAC_SRCDIR "."
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The smallest provider that loads. */
#define P_HEAD "[provider example.com]\n"
#define P_BODY                                                                 \
	"domains = example.com\n"                                              \
	"server = imap mail.example.com\n"                                     \
	"server = smtp mail.example.com\n"
#define P_MIN P_HEAD P_BODY

static struct mac_cfg *
load(const char *ini, char *err, size_t errlen)
{
	return mac_cfg_load_mem("t.ini", ini, strlen(ini), err, errlen);
}

/* The provider with this id, failing the test if there is none. */
static const struct cfg_provider *
prov(const struct mac_cfg *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->nproviders; i++)
		if (strcmp(cfg->providers[i].id, id) == 0)
			return &cfg->providers[i];
	fail_msg("no provider %s", id);
	return NULL;
}

static const struct cfg_provider *
find(const struct mac_cfg *cfg, const char *dom)
{
	return cfg_find(cfg, dom, strlen(dom));
}

static void
check_server(const struct cfg_server *s, enum srv_type type, const char *host,
    unsigned port, enum sock_type sock)
{
	assert_int_equal(s->type, type);
	assert_string_equal(s->host, host);
	assert_int_equal(s->port, port);
	assert_int_equal(s->sock, sock);
}

static void
check_auth(const struct cfg_server *s, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(s->nauth, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_int_equal(s->auth[i], va_arg(ap, int));
	va_end(ap);
}

/* ---- valids ---- */

static void
v_minimal(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_int_equal(mac_cfg_nproviders(cfg), 1);
	assert_int_equal(mac_cfg_ndomains(cfg), 1);
	assert_string_equal(p->display_name, "example.com");
	assert_string_equal(p->short_name, "example.com");
	assert_int_equal(p->nservers, 2);
	check_server(
	    &p->servers[0], SRV_IMAP, "mail.example.com", 993, SOCK_SSL);
	check_server(
	    &p->servers[1], SRV_SMTP, "mail.example.com", 465, SOCK_SSL);
	check_auth(&p->servers[0], 1, AUTH_PASSWORD_CLEARTEXT);
	check_auth(&p->servers[1], 1, AUTH_PASSWORD_CLEARTEXT);
	assert_string_equal(p->servers[0].username, "%EMAILADDRESS%");
	assert_string_equal(p->servers[1].username, "%EMAILADDRESS%");
	assert_int_equal(p->pop3_leave, -1);
	assert_int_equal(p->pop3_days, 0);
	assert_int_equal(p->ttl, 0);
	assert_null(p->caldav);
	assert_null(p->carddav);
	assert_null(p->webmail);
	assert_int_equal(p->ndocs, 0);
	assert_null(p->enable_url);
	assert_int_equal(p->nenable, 0);
	assert_null(p->login);
	assert_int_equal(p->nnotes, 0);
	assert_null(p->activesync);
	assert_null(p->autodiscover_url);
	assert_null(p->config_update_url);
	assert_null(p->oauth_issuer);
	assert_null(p->oauth_scope);
	assert_null(p->oauth_auth_url);
	assert_null(p->oauth_token_url);
	assert_null(p->mc_org);
	assert_string_equal(p->mc_prefix, "com.example");
	assert_false(p->catch_all);
	assert_null(cfg->catch_all);
	assert_ptr_equal(find(cfg, "example.com"), p);
	assert_null(find(cfg, "example.org"));
	assert_null(find(cfg, "example.co"));
	assert_null(find(cfg, ""));
}

static void
v_ports(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_int_equal(p->nservers, 9);
	check_server(&p->servers[0], SRV_IMAP, "a.example.com", 993, SOCK_SSL);
	check_server(
	    &p->servers[1], SRV_IMAP, "b.example.com", 143, SOCK_STARTTLS);
	check_server(
	    &p->servers[2], SRV_IMAP, "c.example.com", 143, SOCK_PLAIN);
	check_server(&p->servers[3], SRV_POP3, "d.example.com", 995, SOCK_SSL);
	check_server(
	    &p->servers[4], SRV_POP3, "e.example.com", 110, SOCK_STARTTLS);
	check_server(&p->servers[5], SRV_SMTP, "f.example.com", 465, SOCK_SSL);
	check_server(
	    &p->servers[6], SRV_SMTP, "g.example.com", 587, SOCK_STARTTLS);
	check_server(
	    &p->servers[7], SRV_SMTP, "h.example.com", 587, SOCK_PLAIN);
	check_server(
	    &p->servers[8], SRV_SMTP, "i.example.com", 2525, SOCK_STARTTLS);
}

/* Servers on port 443 are marked ALPN, whatever the defaults' order. */
static void
v_alpn(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");
	static const unsigned ports[] = {993, 443, 465, 443};
	size_t i;

	assert_int_equal(p->nservers, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(p->servers[i].port, ports[i]);
		assert_int_equal(p->servers[i].sock, SOCK_SSL);
		assert_int_equal(p->servers[i].alpn, ports[i] == 443);
	}
	p = prov(cfg, "example.net");
	assert_int_equal(p->nservers, 4);
	assert_false(p->servers[0].alpn);
	assert_true(p->servers[1].alpn);
	assert_false(p->servers[2].alpn);
	assert_true(p->servers[3].alpn);
}

static void
v_auth(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_int_equal(p->nservers, 3);
	check_auth(&p->servers[0], 3, AUTH_OAUTH2, AUTH_PASSWORD_ENCRYPTED,
	    AUTH_PASSWORD_CLEARTEXT);
	assert_string_equal(p->servers[0].username, "%EMAILLOCALPART%");
	check_auth(&p->servers[1], 4, AUTH_NONE, AUTH_CLIENT_IP,
	    AUTH_SMTP_AFTER_POP, AUTH_TLS_CLIENT_CERT);
	assert_string_equal(
	    p->servers[1].username, "%EMAILLOCALPART%@corp.example.com");
	check_auth(&p->servers[2], 2, AUTH_NTLM, AUTH_GSSAPI);
	assert_string_equal(p->servers[2].username, "%EMAILLOCALPART%");
}

static void
v_inherit(const struct mac_cfg *cfg)
{
	const struct cfg_provider *a = prov(cfg, "a.example");
	const struct cfg_provider *b = prov(cfg, "b.example");

	/* a takes everything from [defaults], which came after it. */
	assert_string_equal(a->display_name, "Shared Mail");
	assert_string_equal(a->short_name, "Shared");
	assert_int_equal(a->nservers, 2);
	check_server(
	    &a->servers[0], SRV_IMAP, "imap.example.net", 993, SOCK_SSL);
	check_server(
	    &a->servers[1], SRV_SMTP, "smtp.example.net", 587, SOCK_STARTTLS);
	check_auth(&a->servers[0], 2, AUTH_PASSWORD_ENCRYPTED,
	    AUTH_PASSWORD_CLEARTEXT);
	assert_string_equal(a->servers[0].username, "%EMAILLOCALPART%");
	assert_string_equal(a->caldav, "https://dav.example.net/cal/");
	assert_int_equal(a->pop3_leave, 1);
	assert_int_equal(a->pop3_days, 14);
	assert_int_equal(a->ttl, 24);
	assert_string_equal(a->mc_org, "Example Org");
	assert_string_equal(a->mc_prefix, "example.a");

	/* b replaces the whole server list and some keys. */
	assert_string_equal(b->display_name, "B Mail");
	assert_string_equal(b->short_name, "Shared");
	assert_int_equal(b->nservers, 2);
	check_server(&b->servers[0], SRV_POP3, "pop.b.example", 995, SOCK_SSL);
	check_server(&b->servers[1], SRV_SMTP, "smtp.b.example", 465, SOCK_SSL);
	/* b's own authentication and username reach its servers. */
	check_auth(&b->servers[0], 1, AUTH_OAUTH2);
	check_auth(&b->servers[1], 1, AUTH_OAUTH2);
	assert_string_equal(b->servers[1].username, "%EMAILADDRESS%");
	assert_string_equal(b->caldav, "https://dav.example.net/cal/");
	assert_int_equal(b->pop3_leave, 0);
	assert_int_equal(b->ttl, 0);
	assert_string_equal(b->mc_prefix, "example.b");

	assert_ptr_equal(find(cfg, "a.example"), a);
	assert_ptr_equal(find(cfg, "b.example"), b);
	assert_ptr_equal(find(cfg, "b2.example"), b);
}

/* Servers from [defaults] take the provider's own authentication. */
static void
v_inherit_auth_prov(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");
	size_t i;

	assert_int_equal(p->nservers, 2);
	for (i = 0; i < p->nservers; i++) {
		check_auth(&p->servers[i], 1, AUTH_GSSAPI);
		assert_string_equal(p->servers[i].username, "%EMAILDOMAIN%");
	}
}

/* ... unless they carry their own auth= and username=. */
static void
v_inherit_auth(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_int_equal(p->nservers, 2);
	check_auth(&p->servers[0], 1, AUTH_GSSAPI);
	check_auth(&p->servers[1], 1, AUTH_NONE);
	assert_string_equal(p->servers[0].username, "%EMAILDOMAIN%");
	assert_string_equal(p->servers[1].username, "x");
}

static void
v_idn(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "mail.example.com");

	assert_int_equal(mac_cfg_ndomains(cfg), 3);
	assert_ptr_equal(find(cfg, "xn--bcher-kva.example"), p);
	assert_ptr_equal(find(cfg, "example.net"), p);
	assert_ptr_equal(find(cfg, "example.org"), p);
	assert_null(find(cfg, "EXAMPLE.NET"));
	assert_null(find(cfg, "bücher.example"));
	check_server(&p->servers[0], SRV_IMAP, "imap.xn--bcher-kva.example",
	    993, SOCK_SSL);
	check_server(
	    &p->servers[1], SRV_SMTP, "smtp.example.com", 465, SOCK_SSL);
	assert_string_equal(
	    p->caldav, "https://dav.xn--bcher-kva.example:8443/Cal/Path?x=1");
	assert_string_equal(p->webmail, "http://web.example.com");
	assert_string_equal(p->oauth_issuer, "xn--bcher-kva.example");
	assert_string_equal(p->mc_prefix, "com.example.mail");
	assert_string_equal(p->display_name, "mail.example.com");
}

static void
v_catch_all(const struct mac_cfg *cfg)
{
	const struct cfg_provider *a = prov(cfg, "a.example");
	const struct cfg_provider *c = prov(cfg, "catch.example");

	assert_ptr_equal(cfg->catch_all, c);
	assert_true(c->catch_all);
	assert_false(a->catch_all);
	assert_int_equal(mac_cfg_ndomains(cfg), 1);
	assert_ptr_equal(find(cfg, "a.example"), a);
	assert_ptr_equal(find(cfg, "other.example"), c);
	assert_ptr_equal(find(cfg, "x"), c);
}

static void
v_catch_all_only(const struct mac_cfg *cfg)
{
	const struct cfg_provider *c = prov(cfg, "example.com");

	assert_int_equal(mac_cfg_ndomains(cfg), 0);
	assert_ptr_equal(cfg->catch_all, c);
	assert_ptr_equal(find(cfg, "anything.example"), c);
}

static void
v_domain_lists(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");
	const char *d[] = {"a.example", "b.example", "c.example", "d.example",
	    "e.example", "f.example", "g.example"};
	size_t i;

	assert_int_equal(mac_cfg_ndomains(cfg), NELEM(d));
	for (i = 0; i < NELEM(d); i++)
		assert_ptr_equal(find(cfg, d[i]), p);
}

static void
v_syntax(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_string_equal(p->display_name, "Semi ; colon # hash");
	assert_string_equal(p->short_name, "Colon");
	assert_int_equal(p->nservers, 2);
	assert_ptr_equal(find(cfg, "example.com"), p);
}

/* After a header there is no key to continue: an indented key is a key. */
static void
v_indented_first(const struct mac_cfg *cfg)
{
	assert_string_equal(prov(cfg, "example.com")->display_name, "Indented");
}

static void
v_texts(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_string_equal(p->display_name, "Exämple Mail \xe2\x82\xac");
	assert_string_equal(p->short_name, "Exämple");
	assert_int_equal(p->ndocs, 1);
	assert_string_equal(p->docs[0].url, "http://help.example.com/imap");
	assert_int_equal(p->docs[0].ntexts, 1);
	assert_string_equal(p->docs[0].texts[0].lang, "en");
	assert_string_equal(p->docs[0].texts[0].text, "How to set up IMAP");
	assert_string_equal(p->mc_org, "Example GmbH");
	assert_string_equal(p->mc_prefix, "org.Example-1");
	assert_int_equal(p->pop3_leave, 1);
	assert_int_equal(p->pop3_days, 3650);
	assert_int_equal(p->ttl, 8760);
	assert_string_equal(p->webmail, "https://webmail.example.com/");
	assert_string_equal(p->carddav, "https://dav.example.com/card/");
	assert_string_equal(p->activesync,
	    "https://sync.example.com/Microsoft-Server-ActiveSync");
	assert_string_equal(p->autodiscover_url,
	    "https://autodiscover.example.com/autodiscover/autodiscover.xml");
	assert_string_equal(p->config_update_url,
	    "https://autoconfig.example.com/mail/config-v1.1.xml");
	assert_string_equal(p->oauth_issuer, "login.example.com");
	assert_string_equal(p->oauth_scope, "imap smtp offline_access");
	assert_string_equal(
	    p->oauth_auth_url, "https://login.example.com/oauth2/auth");
	assert_string_equal(
	    p->oauth_token_url, "https://login.example.com:444/oauth2/token");
}

static void
v_plain_extra(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_int_equal(p->nservers, 4);
	check_server(
	    &p->servers[0], SRV_IMAP, "mail.example.com", 143, SOCK_PLAIN);
	check_server(
	    &p->servers[1], SRV_POP3, "mail.example.com", 995, SOCK_SSL);
	check_server(
	    &p->servers[3], SRV_SMTP, "mail.example.com", 25, SOCK_PLAIN);
}

static void
v_max_servers(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");

	assert_int_equal(p->nservers, MAC_CFG_SERVERS_MAX);
	check_server(&p->servers[MAC_CFG_SERVERS_MAX - 1], SRV_SMTP,
	    "mail.example.com", 465, SOCK_SSL);
}

static void
v_long_id(const struct mac_cfg *cfg)
{
	const char *id = "a-very-long-provider-name-that-inih-would-cut."
			 "example.com";
	const struct cfg_provider *p = prov(cfg, id);

	assert_ptr_equal(find(cfg, "example.com"), p);
	assert_string_equal(p->mc_prefix,
	    "com.example.a-very-long-provider-name-that-inih-would-cut");
}

/* Documentation in several languages, enable, login form, notes. */
static void
v_langs(const struct mac_cfg *cfg)
{
	const struct cfg_provider *p = prov(cfg, "example.com");
	const struct cfg_provider *q = prov(cfg, "other.example");

	assert_int_equal(p->ndocs, 2);
	assert_string_equal(p->docs[0].url, "https://help.example.com/a");
	assert_int_equal(p->docs[0].ntexts, 3);
	assert_string_equal(p->docs[0].texts[0].lang, "en");
	assert_string_equal(p->docs[0].texts[0].text, "Before the link");
	assert_string_equal(p->docs[0].texts[1].lang, "pt-BR");
	assert_string_equal(
	    p->docs[0].texts[1].text, "Configura\xc3\xa7\xc3\xa3o");
	/* Not a tag: upper case, or no space after the colon. */
	assert_string_equal(p->docs[0].texts[2].lang, "de");
	assert_string_equal(p->docs[0].texts[2].text, "FAQ: Hilfe");
	assert_string_equal(p->docs[1].url, "http://help.example.com/b");
	assert_int_equal(p->docs[1].ntexts, 1);
	assert_string_equal(p->docs[1].texts[0].lang, "en");
	assert_string_equal(p->docs[1].texts[0].text, "FAQ: help");
	assert_string_equal(p->enable_url, "https://help.example.com/imap");
	assert_int_equal(p->nenable, 2);
	assert_string_equal(p->enable[0].lang, "en");
	assert_string_equal(p->enable[1].lang, "zh-Hant-TW");
	assert_non_null(p->login);
	assert_string_equal(p->login->url, "https://login.example.com/");
	assert_string_equal(p->login->username, "%EMAILADDRESS%");
	assert_string_equal(p->login->user_id, "u");
	assert_string_equal(p->login->user_name, "login.User");
	assert_null(p->login->pass_id);
	assert_string_equal(p->login->pass_name, "pw");
	assert_null(p->login->button_id);
	assert_null(p->login->button_name);
	assert_int_equal(p->nnotes, 3);
	assert_int_equal(p->notes[0].client, NOTE_ALL);
	assert_string_equal(p->notes[0].text, "note: for all");
	assert_int_equal(p->notes[1].client, NOTE_ANDROID);
	assert_string_equal(p->notes[1].text, "Gmail app");
	assert_int_equal(p->notes[2].client, NOTE_APPLE);
	/* Each group comes from [defaults] only when none of its keys is
	 * set: other.example sets enable-url, so no enable-text of
	 * [defaults]; it takes the defaults' documentation and login. */
	assert_int_equal(q->ndocs, 1);
	assert_string_equal(q->docs[0].url, "https://help.example.com/def");
	assert_string_equal(q->docs[0].texts[0].lang, "de");
	assert_string_equal(q->enable_url, "https://other.example/on");
	assert_int_equal(q->nenable, 0);
	assert_non_null(q->login);
	assert_string_equal(q->login->username, "%EMAILLOCALPART%");
	assert_string_equal(q->login->button_id, "go");
	assert_int_equal(q->nnotes, 0);
}

/*
 * Per-domain host names: %EMAILDOMAIN% as whole labels, the rest
 * normalised (lower case, A-labels) and the placeholder kept as written;
 * the four URL keys a hoster's customers reach under their own domain
 * take it too, in the host and in the path.
 */
static void
v_emaildomain(const struct cfg_provider *p)
{
	assert_int_equal(p->nservers, 4);
	assert_string_equal(p->servers[0].host, "mail.%EMAILDOMAIN%");
	assert_string_equal(p->servers[1].host, "%EMAILDOMAIN%");
	assert_string_equal(p->servers[2].host, "xn--bcher-kva.%EMAILDOMAIN%");
	assert_string_equal(
	    p->servers[3].host, "smtp.%EMAILDOMAIN%.hoster.example");
	assert_string_equal(p->display_name, "Mail at %EMAILDOMAIN%");
	assert_string_equal(
	    p->webmail, "https://login.%EMAILDOMAIN%/?d=%EMAILDOMAIN%");
	assert_string_equal(p->docs[0].url, "https://help.%EMAILDOMAIN%/");
	assert_string_equal(p->caldav, "https://dav.%EMAILDOMAIN%:8443/cal/");
	assert_string_equal(p->carddav, "https://%EMAILDOMAIN%/card/");
}

static void
v_emaildomain_cfg(const struct mac_cfg *cfg)
{
	v_emaildomain(prov(cfg, "example.com"));
}

#define SRV2 "server = imap mail.example.com\nserver = smtp mail.example.com\n"

static const struct {
	const char *what;
	const char *ini;
	void (*check)(const struct mac_cfg *);
} valids[] = {
    {"minimal", P_MIN, v_minimal},
    {"per-domain host names",
	P_HEAD "domains = example.com\n"
	       "display-name = Mail at %EMAILDOMAIN%\n"
	       "server = imap MAIL.%EMAILDOMAIN%\n"
	       "server = pop3 %EMAILDOMAIN%\n"
	       "server = imap Bücher.%EMAILDOMAIN% 143 STARTTLS\n"
	       "server = smtp smtp.%EMAILDOMAIN%.Hoster.example.\n"
	       "webmail = https://Login.%EMAILDOMAIN%/?d=%EMAILDOMAIN%\n"
	       "documentation = https://help.%EMAILDOMAIN%/\n"
	       "caldav = https://dav.%EMAILDOMAIN%:8443/cal/\n"
	       "carddav = https://%EMAILDOMAIN%/card/\n",
	v_emaildomain_cfg},
    {"ports and sockets",
	P_HEAD "domains = example.com\n"
	       "server = imap a.example.com\n"
	       "server = IMAP b.example.com starttls\n"
	       "server = imap c.example.com PLAIN\n"
	       "server = pop3 d.example.com ssl\n"
	       "server = Pop3 e.example.com StartTLS\n"
	       "server = smtp f.example.com\n"
	       "server = smtp g.example.com STARTTLS\n"
	       "server = smtp h.example.com plain\n"
	       "server = smtp i.example.com STARTTLS 2525\n",
	v_ports},
    {"authentication order and per-server overrides",
	P_HEAD "domains = example.com\n"
	       "authentication = oauth2, password-encrypted plain\n"
	       "username = %EMAILLOCALPART%\n"
	       "server = imap mail.example.com\n"
	       "server = smtp mail.example.com 465 SSL "
	       "auth=none,client-IP-address,smtp-after-pop,TLS-client-cert "
	       "username=%EMAILLOCALPART%@corp.example.com\n"
	       "server = pop3 mail.example.com auth=NTLM,GSSAPI\n",
	v_auth},
    {"inheritance from [defaults] after the providers",
	"[provider a.example]\n"
	"domains = a.example\n"
	"[provider b.example]\n"
	"domains = b.example b2.example\n"
	"display-name = B Mail\n"
	"authentication = OAuth2\n"
	"username = %EMAILADDRESS%\n"
	"server = pop3 pop.b.example\n"
	"server = smtp smtp.b.example\n"
	"pop3-leave-on-server = no\n"
	"autodiscover-ttl = 0\n"
	"[defaults]\n"
	"display-name = Shared Mail\n"
	"short-name = Shared\n"
	"server = imap imap.example.net\n"
	"server = smtp smtp.example.net starttls\n"
	"authentication = secure, plain\n"
	"username = %EMAILLOCALPART%\n"
	"caldav = https://dav.example.net/cal/\n"
	"pop3-leave-on-server = yes\n"
	"pop3-days-on-server = 14\n"
	"autodiscover-ttl = 24\n"
	"mobileconfig-organization = Example Org\n",
	v_inherit},
    {"inherited servers use the provider's authentication",
	"[defaults]\n" SRV2 "[provider example.com]\n"
	"domains = example.com\n"
	"authentication = GSSAPI\n"
	"username = %EMAILDOMAIN%\n",
	v_inherit_auth_prov},
    {"inherited servers keep their own auth= and username=",
	"[defaults]\n"
	"server = imap mail.example.com\n"
	"server = smtp mail.example.com auth=none username=x\n"
	"[provider example.com]\n"
	"domains = example.com\n"
	"authentication = GSSAPI\n"
	"username = %EMAILDOMAIN%\n",
	v_inherit_auth},
    {"IDN and case folding",
	"[provider MAIL.Example.COM.]\n"
	"domains = Bücher.example EXAMPLE.NET.\n"
	"domains = eXample.org\n"
	"server = imap IMAP.bücher.EXAMPLE\n"
	"server = smtp Smtp.Example.Com.\n"
	"caldav = HTTPS://DAV.Bücher.example:8443/Cal/Path?x=1\n"
	"webmail = http://Web.Example.com\n"
	"oauth2-issuer = BÜCHER.example\n"
	"oauth2-scope = x\n"
	"oauth2-auth-url = https://a.example.com/\n"
	"oauth2-token-url = https://a.example.com/t\n",
	v_idn},
    {"catch-all",
	"[provider a.example]\n"
	"domains = a.example\n" SRV2 "[provider catch.example]\n"
	"catch-all = Yes\n" SRV2,
	v_catch_all},
    {"catch-all = no elsewhere keeps the catch-all",
	"[provider catch.example]\n"
	"catch-all = on\n" SRV2 "[provider a.example]\n"
	"domains = a.example\n"
	"catch-all = no\n" SRV2,
	v_catch_all},
    {"catch-all only", P_HEAD "catch-all = 1\n" SRV2, v_catch_all_only},
    {"port 443 (ALPN) last of its direction, incoming and outgoing apart",
	P_HEAD "domains = example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com 443\n"
	       "server = smtp mail.example.com\n"
	       "server = smtp mail.example.com 443 ssl\n"
	       "[defaults]\n"
	       "server = pop3 mail.example.net\n"
	       "server = imap mail.example.net 443 SSL\n"
	       "server = smtp mail.example.net 587 STARTTLS\n"
	       "server = smtp mail.example.net 443\n"
	       "[provider example.net]\n"
	       "domains = example.net\n",
	v_alpn},
    {"domain lists: separators, repeats, continuation lines",
	P_HEAD "domains = a.example,b.example  c.example\t,d.example\n"
	       "  e.example,\n"
	       "\tf.example\n"
	       "domains = g.example,\n" SRV2,
	v_domain_lists},
    {"comments, BOM, CRLF, blank lines, key: value",
	"\xef\xbb\xbf; comment\r\n"
	"# comment\r\n"
	"\r\n"
	"[provider example.com]   \r\n"
	"  ; indented comment\r\n"
	"display-name = Semi ; colon # hash\r\n"
	"short-name: Colon\r\n"
	"domains = example.com\r\n" SRV2,
	v_syntax},
    {"an indented key right after a section header",
	"[defaults]\n"
	"username = %EMAILADDRESS%\n"
	"[provider example.com]\n"
	"  display-name = Indented\n"
	"domains = example.com\n" SRV2,
	v_indented_first},
    {"texts, numbers and URLs",
	P_MIN "display-name = Exämple Mail \xe2\x82\xac\n"
	      "short-name = Exämple\n"
	      "documentation = http://help.example.com/imap\n"
	      "documentation-text = How to set up IMAP\n"
	      "mobileconfig-organization = Example GmbH\n"
	      "mobileconfig-identifier = org.Example-1\n"
	      "pop3-leave-on-server = On\n"
	      "pop3-days-on-server = 3650\n"
	      "autodiscover-ttl = 8760\n"
	      "webmail = https://webmail.example.com/\n"
	      "carddav = https://dav.example.com/card/\n"
	      "activesync = "
	      "https://sync.example.com/Microsoft-Server-ActiveSync\n"
	      "autodiscover-url = "
	      "https://autodiscover.example.com/autodiscover/autodiscover.xml\n"
	      "config-update-url = "
	      "https://autoconfig.example.com/mail/config-v1.1.xml\n"
	      "oauth2-issuer = login.example.com\n"
	      "oauth2-scope = imap smtp offline_access\n"
	      "oauth2-auth-url = https://login.example.com/oauth2/auth\n"
	      "oauth2-token-url = https://login.example.com:444/oauth2/token\n",
	v_texts},
    {"texts in several languages, enable, login form, notes",
	"[defaults]\n"
	"documentation = https://help.example.com/def\n"
	"documentation-text = de: Hilfe\n"
	"enable-text = Not taken by other.example\n"
	"webmail-login-url = https://login.example.com/\n"
	"webmail-login-username = %EMAILLOCALPART%\n"
	"webmail-login-button = id=go\n" P_MIN
	"documentation-text = Before the link\n"
	"documentation = https://help.example.com/a\n"
	"documentation-text = pt-BR: Configura\xc3\xa7\xc3\xa3o\n"
	"documentation-text = de: FAQ: Hilfe\n"
	"documentation = http://help.example.com/b\n"
	"documentation-text = FAQ: help\n"
	"enable-url = https://help.example.com/imap\n"
	"enable-text = Switch IMAP on\n"
	"enable-text = zh-Hant-TW: \xe5\x95\x9f\xe7\x94\xa8 IMAP\n"
	"webmail-login-url = https://login.example.com/\n"
	"webmail-login-username-field = id=u name=login.User\n"
	"webmail-login-password-field = name=pw\n"
	"setup-note = note: for all\n"
	"setup-note = Android: Gmail app\n"
	"setup-note = apple: Profile\n"
	"[provider other.example]\n"
	"domains = other.example\n"
	"enable-url = https://other.example/on\n" SRV2,
	v_langs},
    {"plain servers are kept beside secure ones",
	P_HEAD "domains = example.com\n"
	       "server = imap mail.example.com plain\n"
	       "server = pop3 mail.example.com\n"
	       "server = smtp mail.example.com starttls\n"
	       "server = smtp mail.example.com 25 plain\n",
	v_plain_extra},
    {"exactly MAC_CFG_SERVERS_MAX servers",
	P_HEAD "domains = example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = imap mail.example.com\n"
	       "server = smtp mail.example.com\n",
	v_max_servers},
    {"provider id longer than inih's section buffer",
	"[provider a-very-long-provider-name-that-inih-would-cut."
	"example.com]\n"
	"domains = example.com\n" SRV2,
	v_long_id},
};

static void
test_valids(void **state)
{
	char err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(valids); i++) {
		cfg = load(valids[i].ini, err, sizeof(err));
		if (cfg == NULL)
			fail_msg("valid %zu (%s) failed:\n%s", i,
			    valids[i].what, err);
		assert_string_equal(err, "");
		if (valids[i].check != NULL)
			valids[i].check(cfg);
		mac_cfg_free(cfg);
	}
}

/* ---- invalids ---- */

#define LONG110                                                                \
	"0123456789012345678901234567890123456789012345678901234567890123456"  \
	"789012345678901234567890123456789012345678901"

static const struct {
	const char *ini;
	const char *first; /* the first line of the error text */
} invalids[] = {
    /* file structure */
    {"", "t.ini:1: no [provider] section"},
    {"; only a comment\n[defaults]\n" SRV2, "t.ini:1: no [provider] section"},
    {P_MIN "fo = 1\n", "t.ini:5: unknown key 'fo' in [provider example.com]"},
    {"[defaults]\nfo = 1\n" P_MIN, "t.ini:2: unknown key 'fo' in [defaults]"},
    {P_MIN "Display-Name = x\n",
	"t.ini:5: unknown key 'Display-Name' in [provider example.com]"},
    {"[foo]\n" P_MIN, "t.ini:1: unknown section [foo]"},
    {"[Provider example.com]\n" P_BODY,
	"t.ini:1: unknown section [Provider example.com]"},
    {"[providerexample.com]\n" P_BODY,
	"t.ini:1: unknown section [providerexample.com]"},
    {"[provider]\n" P_BODY, "t.ini:1: [provider] needs an id (a host name)"},
    {"[provider   ]\n" P_BODY, "t.ini:1: [provider] needs an id (a host name)"},
    {"[provider exa_mple.com]\n" P_BODY,
	"t.ini:1: bad provider id 'exa_mple.com': invalid character in "
	"domain"},
    {"[provider localhost]\n" P_BODY,
	"t.ini:1: bad provider id 'localhost': domain needs at least two "
	"labels"},
    {P_MIN "[provider Example.COM]\n",
	"t.ini:5: duplicate provider example.com (first at line 1)"},
    {"[defaults]\n[defaults]\n" P_MIN,
	"t.ini:2: duplicate [defaults] (first at line 1)"},
    {"[provider example.com\n" P_BODY, "t.ini:1: missing ']'"},
    {"[provider example.com] ; x\n" P_BODY, "t.ini:1: text after ']'"},
    {"display-name = x\n" P_MIN,
	"t.ini:1: key 'display-name' before any [section]"},
    {P_MIN "just some words\n",
	"t.ini:5: expected 'key = value', '[section]' or a comment"},
    {P_MIN "= value\n", "t.ini:5: missing key before '='"},
    {P_MIN "display-name = a\ndisplay-name = b\n",
	"t.ini:6: duplicate key 'display-name' (first at line 5)"},
    {P_MIN "display-name = a\n  b\n",
	"t.ini:6: indented line continues 'display-name', which takes one "
	"line"},
    {P_MIN "display-name =\n", "t.ini:5: empty value for 'display-name'"},
    {"[defaults]\ndomains = example.com\n" P_MIN,
	"t.ini:2: 'domains' is not allowed in [defaults]"},
    {"[defaults]\ndomains-file = x\n" P_MIN,
	"t.ini:2: 'domains-file' is not allowed in [defaults]"},
    {"[defaults]\ncatch-all = yes\n" P_MIN,
	"t.ini:2: 'catch-all' is not allowed in [defaults]"},
    /* texts */
    {P_MIN "display-name = a\tb\n",
	"t.ini:5: bad display-name 'a?b': control character"},
    {P_MIN "display-name = a\x7f"
	   "b\n",
	"t.ini:5: bad display-name 'a?b': control character"},
    {P_MIN "short-name = a\xc2\x85z\n",
	"t.ini:5: bad short-name 'a?\?z': control character"},
    {P_MIN "display-name = a\xff\n",
	"t.ini:5: bad display-name 'a?': invalid UTF-8"},
    {P_MIN "display-name = \xc0\xaf\n",
	"t.ini:5: bad display-name '?\?': invalid UTF-8"},
    {P_MIN "display-name = \xed\xa0\x80\n",
	"t.ini:5: bad display-name '?\?\?': invalid UTF-8"},
    {P_MIN "display-name = \xe2\x82\n",
	"t.ini:5: bad display-name '?\?': invalid UTF-8"},
    {P_MIN "display-name = \xef\xbf\xbe\n",
	"t.ini:5: bad display-name '?\?\?': U+FFFE or U+FFFF"},
    {P_MIN "mobileconfig-organization = " LONG110 LONG110 "\n",
	"t.ini:5: bad mobileconfig-organization "
	"'0123456789012345678901234567890123456789012345678901234567890123456"
	"789012345678901234567890123456789...': longer than 200 bytes"},
    {P_MIN "documentation-text = x\n",
	"t.ini:1: provider example.com has documentation-text but no "
	"documentation"},
    {P_MIN "documentation = https://e.example/\ndocumentation-text = de: \n",
	"t.ini:6: bad documentation-text 'de:': no text after the language "
	"tag"},
    {P_MIN "documentation = https://e.example/\n"
	   "documentation-text = de: a\ndocumentation-text = de: b\n",
	"t.ini:7: documentation-text: a second text in 'de' for one "
	"documentation link"},
    {P_MIN "documentation = https://e.example/\n"
	   "documentation-text = x\ndocumentation-text = en: y\n",
	"t.ini:7: documentation-text: a second text in 'en' for one "
	"documentation link"},
    {P_MIN "documentation = https://e.example/\n"
	   "documentation-text = de: a\ndocumentation-text = fr: \x01\n",
	"t.ini:7: bad documentation-text 'fr: ?': control character"},
    {P_MIN "documentation = https://e.example/\n"
	   "documentation-text = de: " LONG110 LONG110 "\n",
	"t.ini:6: bad documentation-text 'de: "
	"0123456789012345678901234567890123456789012345678901234567890123456"
	"78901234567890123456789012345...': longer than 200 bytes"},
    {P_MIN "documentation = https://a.example/\n"
	   "documentation = https://b.example/\n"
	   "documentation = https://c.example/\n"
	   "documentation = https://d.example/\n"
	   "documentation = https://e.example/\n"
	   "documentation = https://f.example/\n"
	   "documentation = https://g.example/\n"
	   "documentation = https://h.example/\n"
	   "documentation = https://i.example/\n",
	"t.ini:13: documentation: more than 8 documentation links"},
    {P_MIN "documentation = https://e.example/\n"
	   "documentation-text = aa: 1\ndocumentation-text = ab: 2\n"
	   "documentation-text = ac: 3\ndocumentation-text = ad: 4\n"
	   "documentation-text = ae: 5\ndocumentation-text = af: 6\n"
	   "documentation-text = ag: 7\ndocumentation-text = ah: 8\n"
	   "documentation-text = ai: 9\ndocumentation-text = aj: 10\n"
	   "documentation-text = ak: 11\ndocumentation-text = al: 12\n"
	   "documentation-text = am: 13\ndocumentation-text = an: 14\n"
	   "documentation-text = ao: 15\ndocumentation-text = ap: 16\n"
	   "documentation-text = aq: 17\n",
	"t.ini:22: documentation-text: more than 16 texts for one "
	"documentation link"},
    {P_MIN "documentation = javascript:alert(1)\n",
	"t.ini:5: bad documentation 'javascript:alert(1)': not http:// or "
	"https://"},
    {P_MIN "enable-text = Switch IMAP on\n",
	"t.ini:1: provider example.com has enable-text but no enable-url"},
    {P_MIN "enable-url = ftp://e.example/\n",
	"t.ini:5: bad enable-url 'ftp://e.example/': not http:// or "
	"https://"},
    {P_MIN "enable-url = https://e.example/\nenable-url = https://f.example/\n",
	"t.ini:6: duplicate key 'enable-url' (first at line 5)"},
    {P_MIN "enable-url = https://e.example/\nenable-text = " LONG110 LONG110
	    LONG110 LONG110 LONG110 LONG110 LONG110 LONG110 LONG110 LONG110
	   "\n",
	"t.ini:6: bad enable-text '"
	"0123456789012345678901234567890123456789012345678901234567890123456"
	"789012345678901234567890123456789...': longer than 1000 bytes"},
    {P_MIN "enable-url = https://e.example/\nenable-text = x\n"
	   "enable-text = en-GB: y\nenable-text = en-gb: z\n",
	"t.ini:8: enable-text: a second text in 'en-gb' for the enable "
	"instruction"},
    {P_MIN "webmail-login-username-field = id=u\n",
	"t.ini:1: provider example.com has webmail-login-* keys but no "
	"webmail-login-url"},
    {P_MIN "webmail-login-url = https://l.example/\n"
	   "webmail-login-username-field = id=u x\n",
	"t.ini:6: bad webmail-login-username-field 'id=u x': not id=ID or "
	"name=NAME"},
    {P_MIN "webmail-login-url = https://l.example/\n"
	   "webmail-login-password-field = id=a id=b\n",
	"t.ini:6: bad webmail-login-password-field 'id=a id=b': id twice"},
    {P_MIN "webmail-login-url = https://l.example/\n"
	   "webmail-login-button = name=\"go\"\n",
	"t.ini:6: bad webmail-login-button 'name=\"go\"': id and name are "
	"printable ASCII but space and \"'<>&`"},
    {P_MIN "webmail-login-url = https://l.example/\n"
	   "webmail-login-button = id=" LONG110 "\n",
	"t.ini:6: bad webmail-login-button 'id="
	"0123456789012345678901234567890123456789012345678901234567890123456"
	"789012345678901234567890123456...': id or name longer than 100 "
	"bytes"},
    {P_MIN "webmail-login-url = https://l.example/\n"
	   "webmail-login-username = %PASSWORD%\n",
	"t.ini:6: bad webmail-login-username '%PASSWORD%': '%' outside "
	"%EMAILADDRESS%, %EMAILLOCALPART% or %EMAILDOMAIN%"},
    {P_MIN "setup-note = android: \n",
	"t.ini:5: bad setup-note 'android:': no text after the client's name"},
    {P_MIN "setup-note = a\nsetup-note = b\nsetup-note = c\n"
	   "setup-note = d\nsetup-note = e\nsetup-note = f\n"
	   "setup-note = g\nsetup-note = h\nsetup-note = i\n"
	   "setup-note = j\nsetup-note = k\nsetup-note = l\n"
	   "setup-note = m\nsetup-note = n\nsetup-note = o\n"
	   "setup-note = p\nsetup-note = q\n",
	"t.ini:21: setup-note: more than 16 notes"},
#define NOTE896                                                                \
	"setup-note = " LONG110 LONG110 LONG110 LONG110 LONG110 LONG110        \
	    LONG110 LONG110 "\n"
    {P_MIN NOTE896 NOTE896 NOTE896 NOTE896 NOTE896,
	"t.ini:1: provider example.com: documentation, enable, webmail-login "
	"and setup-note values add up to 4480 bytes, more than 4096"},
    {P_MIN "setup-note = ios: <b>\x7f</b>\n",
	"t.ini:5: bad setup-note 'ios: <b>?</b>': control character"},
    /* domains */
    {P_HEAD "domains = exa mple\n" SRV2,
	"t.ini:2: bad domain 'exa': domain needs at least two labels"},
    {P_HEAD "domains = -x.example\n" SRV2,
	"t.ini:2: bad domain '-x.example': domain label starts or ends with "
	"'-'"},
    {P_HEAD "domains = ,\n" SRV2, "t.ini:2: no domain in 'domains'"},
    {P_HEAD "domains = a.example b.example A.example\n" SRV2,
	"t.ini:2: domain a.example is already served by provider "
	"example.com"},
    {P_MIN "[provider example.net]\ndomains = example.net EXAMPLE.com.\n" SRV2,
	"t.ini:6: domain example.com is already served by provider "
	"example.com"},
    {P_HEAD "domains = xn--bcher-kva.example\ndomains = bücher.example\n" SRV2,
	"t.ini:3: domain xn--bcher-kva.example is already served by provider "
	"example.com"},
    {P_HEAD SRV2, "t.ini:1: provider example.com has no domains"},
    /* catch-all */
    {P_MIN "catch-all = maybe\n", "t.ini:5: bad catch-all 'maybe' (yes or no)"},
    {P_MIN "catch-all = yes\n[provider example.net]\ncatch-all = true\n" SRV2,
	"t.ini:7: provider example.com is already the catch-all"},
    /* server */
    {P_HEAD "domains = example.com\nserver = imapx mail.example.com\n",
	"t.ini:3: bad server type 'imapx' (imap, pop3 or smtp)"},
    {P_HEAD "domains = example.com\nserver = imap\n",
	"t.ini:3: server needs at least TYPE and HOST"},
    {P_HEAD "domains = example.com\nserver = imap mail_example.com\n",
	"t.ini:3: bad host 'mail_example.com': invalid character in domain"},
    {P_HEAD "domains = example.com\nserver = imap mail.%EMAILDOMAIN\n",
	"t.ini:3: bad host 'mail.%EMAILDOMAIN': '%' only as %EMAILDOMAIN%, "
	"once, as whole labels"},
    {P_HEAD "domains = example.com\nserver = imap mail.%EMAILLOCALPART%\n",
	"t.ini:3: bad host 'mail.%EMAILLOCALPART%': '%' only as "
	"%EMAILDOMAIN%, once, as whole labels"},
    {P_HEAD "domains = example.com\nserver = imap mail%EMAILDOMAIN%\n",
	"t.ini:3: bad host 'mail%EMAILDOMAIN%': '%' only as %EMAILDOMAIN%, "
	"once, as whole labels"},
    {P_HEAD "domains = example.com\nserver = imap %EMAILDOMAIN%-mail.x\n",
	"t.ini:3: bad host '%EMAILDOMAIN%-mail.x': '%' only as "
	"%EMAILDOMAIN%, once, as whole labels"},
    {P_HEAD "domains = example.com\n"
	    "server = imap %EMAILDOMAIN%.%EMAILDOMAIN%\n",
	"t.ini:3: bad host '%EMAILDOMAIN%.%EMAILDOMAIN%': '%' only as "
	"%EMAILDOMAIN%, once, as whole labels"},
    {P_HEAD "domains = example.com\nserver = imap mail_x.%EMAILDOMAIN%\n",
	"t.ini:3: bad host 'mail_x.%EMAILDOMAIN%': invalid character in "
	"domain"},
    {P_HEAD "domains = example.com\nserver = imap mail..%EMAILDOMAIN%\n",
	"t.ini:3: bad host 'mail..%EMAILDOMAIN%': empty label in domain"},
    {P_HEAD "domains = example.com\nserver = imap %EMAILDOMAIN%.1\n",
	"t.ini:3: bad host '%EMAILDOMAIN%.1': top-level label is numeric"},
    {P_MIN "activesync = https://as.%EMAILDOMAIN%/x\n",
	"t.ini:5: bad activesync 'https://as.%EMAILDOMAIN%/x': host: invalid "
	"character in domain"},
    {P_MIN "webmail = https://login.%EMAILLOCALPART%/\n",
	"t.ini:5: bad webmail 'https://login.%EMAILLOCALPART%/': host: '%' "
	"only as %EMAILDOMAIN%, once, as whole labels"},
    {P_HEAD "domains = example.com\nserver = imap 192.0.2.1\n",
	"t.ini:3: bad host '192.0.2.1': top-level label is numeric"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com 99999\n",
	"t.ini:3: bad port '99999' (1-65535)"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com 0\n",
	"t.ini:3: bad port '0' (1-65535)"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com 99x\n",
	"t.ini:3: bad port '99x' (1-65535)"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com 993 994\n",
	"t.ini:3: server has two ports"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com SSL plain\n",
	"t.ini:3: server has two socket types"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com TLS\n",
	"t.ini:3: bad server field 'TLS'"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com auth=\n",
	"t.ini:3: bad server field 'auth='"},
    {P_HEAD "domains = example.com\nserver = imap m.example.com auth=CRAM\n",
	"t.ini:3: unknown authentication method 'CRAM'"},
    {P_HEAD "domains = example.com\n"
	    "server = imap m.example.com auth=plain,password-cleartext\n",
	"t.ini:3: duplicate authentication method 'password-cleartext'"},
    {P_HEAD "domains = example.com\n"
	    "server = pop3 m.example.com auth=smtp-after-pop\n",
	"t.ini:3: smtp-after-pop is only for smtp servers, not pop3 "
	"m.example.com"},
    {P_HEAD "domains = example.com\n"
	    "server = imap m.example.com username=a<b\n",
	"t.ini:3: bad username 'a<b': only printable ASCII except space and "
	"\"<>&"},
    {P_HEAD "domains = example.com\n"
	    "server = imap mail.example.com plain\n"
	    "server = pop3 mail.example.com 110 plain\n"
	    "server = smtp mail.example.com\n",
	"t.ini:1: provider example.com has no incoming server with SSL or "
	"STARTTLS"},
    {P_HEAD "domains = example.com\n"
	    "server = imap mail.example.com\n"
	    "server = smtp mail.example.com 25 plain\n",
	"t.ini:1: provider example.com has no outgoing server with SSL or "
	"STARTTLS"},
    {P_HEAD "domains = example.com\n",
	"t.ini:1: provider example.com has no incoming server with SSL or "
	"STARTTLS"},
    {P_MIN "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n"
	   "server = imap mail.example.com\n",
	"t.ini:19: too many servers (max 16)"},
    /* port 443: imap and smtp by ALPN, TLS from the first byte, last */
    {P_HEAD "domains = example.com\n" SRV2
	    "server = pop3 mail.example.com 443\n",
	"t.ini:5: pop3 on port 443: only imap and smtp are routed there by "
	"ALPN"},
    {P_HEAD "domains = example.com\n" SRV2
	    "server = imap mail.example.com 443 STARTTLS\n",
	"t.ini:5: imap on port 443 needs SSL: the port is shared by ALPN, TLS "
	"from the first byte"},
    {P_HEAD "domains = example.com\n" SRV2
	    "server = smtp mail.example.com 443 plain\n",
	"t.ini:5: smtp on port 443 needs SSL: the port is shared by ALPN, TLS "
	"from the first byte"},
    {P_HEAD "domains = example.com\n"
	    "server = imap mail.example.com 443\n"
	    "server = smtp mail.example.com\n"
	    "server = pop3 mail.example.com\n",
	"t.ini:5: pop3 server after one on port 443: servers on port 443 "
	"(ALPN) come last"},
    {"[defaults]\n"
     "server = smtp mail.example.com 443\n"
     "server = imap mail.example.com\n"
     "server = smtp mail.example.com 587 STARTTLS\n" P_MIN,
	"t.ini:4: smtp server after one on port 443: servers on port 443 "
	"(ALPN) come last"},
    {P_HEAD "domains = example.com\n"
	    "server = imap mail.example.com 443\n"
	    "server = smtp mail.example.com\n",
	"t.ini:1: provider example.com has no incoming server with SSL or "
	"STARTTLS off port 443"},
    {P_HEAD "domains = example.com\n"
	    "server = imap mail.example.com\n"
	    "server = smtp mail.example.com 443\n",
	"t.ini:1: provider example.com has no outgoing server with SSL or "
	"STARTTLS off port 443"},
    /* authentication and username */
    {P_MIN "authentication = password-cleartext, kerberos\n",
	"t.ini:5: unknown authentication method 'kerberos'"},
    {P_MIN "authentication = secure password-encrypted\n",
	"t.ini:5: duplicate authentication method 'password-encrypted'"},
    {P_MIN "authentication = , ,\n", "t.ini:5: no authentication method"},
    {P_MIN "authentication = smtp-after-pop\n",
	"t.ini:5: smtp-after-pop is only for smtp servers, not imap "
	"mail.example.com"},
    {P_MIN "username = a b\n",
	"t.ini:5: bad username 'a b': only printable ASCII except space and "
	"\"<>&"},
    {P_MIN "username = %EMAIL%\n",
	"t.ini:5: bad username '%EMAIL%': '%' outside %EMAILADDRESS%, "
	"%EMAILLOCALPART% or %EMAILDOMAIN%"},
    {P_MIN "username = 100%\n",
	"t.ini:5: bad username '100%': '%' outside %EMAILADDRESS%, "
	"%EMAILLOCALPART% or %EMAILDOMAIN%"},
    {P_MIN "username = a&b\n",
	"t.ini:5: bad username 'a&b': only printable ASCII except space and "
	"\"<>&"},
    /* numbers and booleans */
    {P_MIN "pop3-leave-on-server = sometimes\n",
	"t.ini:5: bad pop3-leave-on-server 'sometimes' (yes or no)"},
    {P_MIN "pop3-days-on-server = 0\n",
	"t.ini:5: bad pop3-days-on-server '0' (1-3650)"},
    {P_MIN "pop3-days-on-server = 3651\n",
	"t.ini:5: bad pop3-days-on-server '3651' (1-3650)"},
    {P_MIN "pop3-days-on-server = -1\n",
	"t.ini:5: bad pop3-days-on-server '-1' (1-3650)"},
    {P_MIN "autodiscover-ttl = 8761\n",
	"t.ini:5: bad autodiscover-ttl '8761' (0-8760)"},
    {P_MIN "autodiscover-ttl = 1h\n",
	"t.ini:5: bad autodiscover-ttl '1h' (0-8760)"},
    /* URLs */
    {P_MIN "caldav = http://dav.example.com/\n",
	"t.ini:5: bad caldav 'http://dav.example.com/': not https://"},
    {P_MIN "webmail = ftp://web.example.com/\n",
	"t.ini:5: bad webmail 'ftp://web.example.com/': not http:// or "
	"https://"},
    {P_MIN "carddav = https://dav_x.example.com/\n",
	"t.ini:5: bad carddav 'https://dav_x.example.com/': host: invalid "
	"character in domain"},
    {P_MIN "activesync = https://user@sync.example.com/\n",
	"t.ini:5: bad activesync 'https://user@sync.example.com/': host: "
	"invalid character in domain"},
    {P_MIN "documentation = https://example.com?x\n",
	"t.ini:5: bad documentation 'https://example.com?x': host: invalid "
	"character in domain"},
    {P_MIN "autodiscover-url = https://a.example.com:0/\n",
	"t.ini:5: bad autodiscover-url 'https://a.example.com:0/': port not "
	"1-65535"},
    {P_MIN "config-update-url = https://a.example.com:65536/\n",
	"t.ini:5: bad config-update-url 'https://a.example.com:65536/': port "
	"not 1-65535"},
    {P_MIN "caldav = https://a.example.com:/\n",
	"t.ini:5: bad caldav 'https://a.example.com:/': port not 1-65535"},
    {P_MIN "caldav = https://a.example.com:44x/\n",
	"t.ini:5: bad caldav 'https://a.example.com:44x/': port not 1-65535"},
    {P_MIN "caldav = https://a.example.com/a b\n",
	"t.ini:5: bad caldav 'https://a.example.com/a b': character not "
	"allowed in path"},
    {P_MIN "caldav = https://a.example.com/a\"b\n",
	"t.ini:5: bad caldav 'https://a.example.com/a\"b': character not "
	"allowed in path"},
    {P_MIN "caldav = https://a.example.com/<b>\n",
	"t.ini:5: bad caldav 'https://a.example.com/<b>': character not "
	"allowed in path"},
    {P_MIN "caldav = https://a.example.com/a\\b\n",
	"t.ini:5: bad caldav 'https://a.example.com/a\\b': character not "
	"allowed in path"},
    {P_MIN "caldav = https://a.example.com/\xc3\xa4\n",
	"t.ini:5: bad caldav 'https://a.example.com/?\?': character not "
	"allowed in path"},
    /* oauth2 */
    {P_MIN "oauth2-issuer = login.example.com\n",
	"t.ini:1: provider example.com needs all four oauth2-* keys or none"},
    {P_MIN "oauth2-issuer = login.example.com\n"
	   "oauth2-scope = imap\n"
	   "oauth2-auth-url = https://login.example.com/a\n",
	"t.ini:1: provider example.com needs all four oauth2-* keys or none"},
    {P_MIN "oauth2-issuer = https://login.example.com\n",
	"t.ini:5: bad oauth2-issuer 'https://login.example.com': invalid "
	"character in domain"},
    {P_MIN "oauth2-scope = imap\xc3\xa4\n",
	"t.ini:5: bad oauth2-scope 'imap?\?': only printable ASCII"},
    {P_MIN "oauth2-token-url = http://login.example.com/t\n",
	"t.ini:5: bad oauth2-token-url 'http://login.example.com/t': not "
	"https://"},
    /* mobileconfig */
    {P_MIN "mobileconfig-identifier = com..example\n",
	"t.ini:5: bad mobileconfig-identifier 'com..example' (labels of A-Z "
	"a-z 0-9 - joined by dots)"},
    {P_MIN "mobileconfig-identifier = com.exa_mple\n",
	"t.ini:5: bad mobileconfig-identifier 'com.exa_mple' (labels of A-Z "
	"a-z 0-9 - joined by dots)"},
    {P_MIN "mobileconfig-identifier = com.example.\n",
	"t.ini:5: bad mobileconfig-identifier 'com.example.' (labels of A-Z "
	"a-z 0-9 - joined by dots)"},
    /* [defaults] problems are reported where they are written */
    {"[defaults]\nauthentication = smtp-after-pop\n" P_MIN,
	"t.ini:2: smtp-after-pop is only for smtp servers, not imap "
	"mail.example.com"},
    {"[defaults]\nserver = imap mail.example.com 0\n" P_MIN,
	"t.ini:2: bad port '0' (1-65535)"},
};

/* The first line of err, without its newline. */
static const char *
first_line(const char *err, char *buf, size_t size)
{
	size_t n = strcspn(err, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(buf, err, n);
	buf[n] = '\0';
	return buf;
}

static void
test_invalids(void **state)
{
	char err[MAC_CFG_ERR_MAX], line[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(invalids); i++) {
		err[0] = 'x';
		err[1] = '\0';
		cfg = load(invalids[i].ini, err, sizeof(err));
		if (cfg != NULL) {
			mac_cfg_free(cfg);
			fail_msg("invalid %zu loaded:\n%s", i, invalids[i].ini);
		}
		assert_int_equal(err[strlen(err) - 1], '\n');
		if (strcmp(first_line(err, line, sizeof(line)),
			invalids[i].first) != 0)
			fail_msg("invalid %zu:\n got: %s\nwant: %s", i, line,
			    invalids[i].first);
	}
}

/* Lines the reader itself rejects: too long, NUL bytes. */
static void
test_bad_lines(void **state)
{
	char err[MAC_CFG_ERR_MAX], *ini;
	const char nul[] = P_MIN "display-name = a\0b\n";
	size_t n = strlen(P_MIN) + MAC_CFG_LINE_MAX + 2;

	(void)state;
	/* A line of exactly MAC_CFG_LINE_MAX bytes is fine. */
	ini = malloc(n + 1);
	assert_non_null(ini);
	strcpy(ini, P_MIN);
	memset(ini + strlen(P_MIN), '#', MAC_CFG_LINE_MAX);
	strcpy(ini + strlen(P_MIN) + MAC_CFG_LINE_MAX, "\n");
	mac_cfg_free(load(ini, err, sizeof(err)));
	assert_string_equal(err, "");
	memset(ini + strlen(P_MIN), '#', MAC_CFG_LINE_MAX + 1);
	strcpy(ini + strlen(P_MIN) + MAC_CFG_LINE_MAX + 1, "\n");
	assert_null(load(ini, err, sizeof(err)));
	assert_string_equal(err, "t.ini:5: line too long\n");
	free(ini);

	assert_null(
	    mac_cfg_load_mem("t.ini", nul, sizeof(nul) - 1, err, sizeof(err)));
	assert_string_equal(err, "t.ini:5: NUL byte\n");
}

/* A value over MAC_CFG_VALUE_MAX, and quoting of a long, binary value. */
static void
test_long_values(void **state)
{
	char err[MAC_CFG_ERR_MAX], ini[MAC_CFG_VALUE_MAX * 2];
	size_t n;

	(void)state;
	n = (size_t)snprintf(ini, sizeof(ini), "%sdomains = ", P_MIN);
	memset(ini + n, 'a', MAC_CFG_VALUE_MAX + 1);
	strcpy(ini + n + MAC_CFG_VALUE_MAX + 1, "\n");
	assert_null(load(ini, err, sizeof(err)));
	assert_string_equal(
	    err, "t.ini:5: value of 'domains' longer than 2048 bytes\n");

	n = (size_t)snprintf(ini, sizeof(ini), "%sdomains = \x01\x7f", P_MIN);
	memset(ini + n, 'b', 200);
	strcpy(ini + n + 200, ".example\n");
	assert_null(load(ini, err, sizeof(err)));
	assert_string_equal(err,
	    "t.ini:5: bad domain "
	    "'?\?bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...': invalid "
	    "character in domain\n");
}

/* Every problem on its own line, at most MAC_CFG_ERRORS_MAX of them. */
/*
 * Fuzz find (fuzz_cfg, cfg_errtext_cut.ini): long error lines used to be
 * cut at MAC_CFG_ERR_MAX in the middle of a line, leaving "t.ini:21: "
 * with no reason.  Every line written must now be whole.
 */
static void
test_error_text_whole_lines(void **state)
{
	char err[MAC_CFG_ERR_MAX], id[MAC_DOMAIN_MAX + 1], *ini, *line, *nl;
	size_t n = 0, i, lines = 0;
	const size_t cap = 64 * 1024;

	(void)state;
	/* A 249-byte provider id: each "unknown key" line is near 290. */
	for (i = 0; i < 249; i++)
		id[i] = i % 63 == 62 ? '.' : 'a';
	id[249] = '\0';
	assert_non_null(ini = malloc(cap));
	n = (size_t)snprintf(ini, cap, "[provider %s]\n", id);
	for (i = 0; i < MAC_CFG_ERRORS_MAX + 5; i++)
		n += (size_t)snprintf(ini + n, cap - n, "k%zu = 1\n", i);
	assert_null(load(ini, err, sizeof(err)));
	for (line = err; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl); /* the last line is whole too */
		assert_true(strncmp(line, "t.ini:", 6) == 0);
		assert_non_null(strstr(line, ": unknown key '"));
		assert_true(nl - line > 20);
		lines++;
	}
	assert_true(lines > 0);
	assert_true(lines < MAC_CFG_ERRORS_MAX); /* the buffer ran out first */
	free(ini);
}

static void
test_error_collection(void **state)
{
	char err[MAC_CFG_ERR_MAX], small[16], ini[2048];
	size_t i, n, lines = 0;
	const char *dup = "[defaults]\n"
			  "authentication = smtp-after-pop\n"
			  "[provider a.example]\ndomains = a.example\n" SRV2
			  "[provider b.example]\ndomains = b.example\n" SRV2;

	(void)state;
	n = (size_t)snprintf(ini, sizeof(ini), "%s", P_MIN);
	for (i = 0; i < MAC_CFG_ERRORS_MAX + 5; i++)
		n += (size_t)snprintf(
		    ini + n, sizeof(ini) - n, "bad%zu = 1\n", i);
	assert_null(load(ini, err, sizeof(err)));
	for (i = 0; err[i] != '\0'; i++)
		lines += err[i] == '\n';
	assert_int_equal(lines, MAC_CFG_ERRORS_MAX);
	assert_non_null(strstr(err, "t.ini:5: unknown key 'bad0' in "
				    "[provider example.com]\n"
				    "t.ini:6: unknown key 'bad1'"));

	/* Cut safely at the buffer's end. */
	assert_null(load(ini, small, sizeof(small)));
	assert_string_equal(small, "t.ini:5: unknow");
	assert_null(load(ini, NULL, 0));

	/* A [defaults] line inherited twice is reported once. */
	assert_null(load(dup, err, sizeof(err)));
	assert_string_equal(err, "t.ini:2: smtp-after-pop is only for smtp "
				 "servers, not imap mail.example.com\n");

	/* Several independent problems, in file order. */
	assert_null(load(P_MIN "fo = 1\n[x]\ncaldav = y\n"
			       "[provider example.net]\n"
			       "domains = example.net\n"
			       "server = imap m.example.net 0\n",
	    err, sizeof(err)));
	assert_string_equal(err,
	    "t.ini:5: unknown key 'fo' in [provider example.com]\n"
	    "t.ini:6: unknown section [x]\n"
	    "t.ini:10: bad port '0' (1-65535)\n");
}

/* ---- files ---- */

static char tmpdir[] = "/tmp/test_cfg.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
remove_file(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
}

static int
files_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
files_teardown(void **state)
{
	(void)state;
	remove_file("t.ini");
	remove_file("list.txt");
	remove_file("more.txt");
	remove_file("bad.txt");
	return rmdir(tmpdir);
}

static void
test_domains_file(void **state)
{
	char err[MAC_CFG_ERR_MAX], path[512], want[1024], ini[1024];
	struct mac_cfg *cfg;
	const struct cfg_provider *p;

	(void)state;
	write_file("list.txt", "# customers\r\n"
			       "\r\n"
			       "  Example.NET  \r\n"
			       "bücher.example\n"
			       "\t# indented comment\n"
			       "example.org");
	write_file("more.txt", "example.info\n");
	snprintf(ini, sizeof(ini),
	    P_MIN "domains-file = list.txt\n"
		  "domains-file = %s/more.txt\n",
	    tmpdir);
	write_file("t.ini", ini);
	snprintf(path, sizeof(path), "%s/t.ini", tmpdir);
	cfg = mac_cfg_load(path, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_string_equal(err, "");
	p = prov(cfg, "example.com");
	assert_int_equal(mac_cfg_ndomains(cfg), 5);
	assert_ptr_equal(find(cfg, "example.com"), p);
	assert_ptr_equal(find(cfg, "example.net"), p);
	assert_ptr_equal(find(cfg, "xn--bcher-kva.example"), p);
	assert_ptr_equal(find(cfg, "example.org"), p);
	assert_ptr_equal(find(cfg, "example.info"), p);
	mac_cfg_free(cfg);

	/* The same from memory: name still gives the directory. */
	cfg = mac_cfg_load_mem(path, ini, strlen(ini), err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(mac_cfg_ndomains(cfg), 5);
	mac_cfg_free(cfg);

	/* Problems inside the list name the list and its line. */
	write_file("bad.txt", "example.net\n\nexa mple.example\nexample.com\n");
	write_file("t.ini", P_MIN "domains-file = bad.txt\n");
	assert_null(mac_cfg_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "%s/bad.txt:3: bad domain 'exa mple.example': invalid character "
	    "in domain\n"
	    "%s/bad.txt:4: domain example.com is already served by provider "
	    "example.com\n",
	    tmpdir, tmpdir);
	assert_string_equal(err, want);

	/* A missing list is reported at its INI line. */
	write_file("t.ini", P_MIN "domains-file = nope.txt\n");
	assert_null(mac_cfg_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "%s/t.ini:5: domains-file %s/nope.txt: cannot open: No such file "
	    "or directory\n",
	    tmpdir, tmpdir);
	assert_string_equal(err, want);

	/* A directory is not a list. */
	snprintf(ini, sizeof(ini), P_MIN "domains-file = %s\n", tmpdir);
	write_file("t.ini", ini);
	assert_null(mac_cfg_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "%s/t.ini:5: domains-file %s: cannot open: Is a directory\n",
	    tmpdir, tmpdir);
	assert_string_equal(err, want);

	/* An over-long line in a list. */
	{
		char *big = malloc(MAC_CFG_LINE_MAX + 16);
		assert_non_null(big);
		memset(big, 'a', MAC_CFG_LINE_MAX + 1);
		strcpy(big + MAC_CFG_LINE_MAX + 1, "\n");
		write_file("bad.txt", big);
		free(big);
	}
	write_file("t.ini", P_MIN "domains-file = bad.txt\n");
	assert_null(mac_cfg_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s/bad.txt:1: line too long\n", tmpdir);
	assert_string_equal(err, want);
}

static void
test_open_errors(void **state)
{
	char err[MAC_CFG_ERR_MAX], path[512], want[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.ini", tmpdir);
	assert_null(mac_cfg_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "%s: cannot open: No such file or directory\n", path);
	assert_string_equal(err, want);

	assert_null(mac_cfg_load(tmpdir, err, sizeof(err)));
	snprintf(
	    want, sizeof(want), "%s: cannot open: Is a directory\n", tmpdir);
	assert_string_equal(err, want);
}

/* ---- scale ---- */

#define BIG_PROVIDERS 1000
#define BIG_PER_PROVIDER 100
#define BIG_PER_LINE 10

/*
 * 1,000 providers with 100 domains each (100,000 domains), written with
 * repeated keys and continuation lines; every domain must be found.
 */
static void
test_many_domains(void **state)
{
	char err[MAC_CFG_ERR_MAX], dom[64];
	size_t cap = (size_t)BIG_PROVIDERS * BIG_PER_PROVIDER * 32 + 4096;
	size_t n = 0, i, j;
	char *ini = malloc(cap);
	struct mac_cfg *cfg;
	const struct cfg_provider *p;

	(void)state;
	assert_non_null(ini);
	n += (size_t)snprintf(ini + n, cap - n, "[defaults]\n" SRV2);
	for (i = 0; i < BIG_PROVIDERS; i++) {
		n += (size_t)snprintf(
		    ini + n, cap - n, "[provider p%zu.example]\n", i);
		for (j = 0; j < BIG_PER_PROVIDER; j++)
			n += (size_t)snprintf(ini + n, cap - n,
			    "%s d%zu-%zu.example",
			    j == 0                  ? "domains ="
			    : j % BIG_PER_LINE == 0 ? "\n "
						    : ",",
			    i, j);
		n += (size_t)snprintf(ini + n, cap - n, "\n");
	}
	assert_true(n < cap);
	cfg = mac_cfg_load_mem("big.ini", ini, n, err, sizeof(err));
	free(ini);
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(mac_cfg_nproviders(cfg), BIG_PROVIDERS);
	assert_int_equal(
	    mac_cfg_ndomains(cfg), BIG_PROVIDERS * BIG_PER_PROVIDER);
	for (i = 0; i < BIG_PROVIDERS; i++)
		for (j = 0; j < BIG_PER_PROVIDER; j++) {
			snprintf(dom, sizeof(dom), "d%zu-%zu.example", i, j);
			p = find(cfg, dom);
			assert_non_null(p);
			snprintf(dom, sizeof(dom), "p%zu.example", i);
			assert_string_equal(p->id, dom);
		}
	assert_null(find(cfg, "d1000-0.example"));
	assert_null(find(cfg, "p0.example"));
	mac_cfg_free(cfg);
}

/* ---- the shipped example ---- */

static void
test_shipped_example(void **state)
{
	char err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;
	const struct cfg_provider *p;

	(void)state;
	cfg =
	    mac_cfg_load(MAC_SRCDIR "/etc/mailautoconf.ini", err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(mac_cfg_nproviders(cfg), 1);
	assert_int_equal(mac_cfg_ndomains(cfg), 3);
	p = prov(cfg, "example.com");
	assert_string_equal(p->display_name, "Example Mail");
	assert_ptr_equal(find(cfg, "example.com"), p);
	assert_ptr_equal(find(cfg, "example.net"), p);
	assert_ptr_equal(find(cfg, "example.org"), p);
	assert_null(cfg->catch_all);
	assert_null(find(cfg, "example.info"));
	assert_int_equal(p->nservers, 5);
	check_server(
	    &p->servers[0], SRV_IMAP, "mail.example.com", 993, SOCK_SSL);
	check_server(
	    &p->servers[1], SRV_IMAP, "mail.example.com", 143, SOCK_STARTTLS);
	check_server(
	    &p->servers[2], SRV_POP3, "mail.example.com", 995, SOCK_SSL);
	check_server(
	    &p->servers[3], SRV_SMTP, "mail.example.com", 465, SOCK_SSL);
	check_server(
	    &p->servers[4], SRV_SMTP, "mail.example.com", 587, SOCK_STARTTLS);
	for (size_t i = 0; i < p->nservers; i++) {
		check_auth(&p->servers[i], 1, AUTH_PASSWORD_CLEARTEXT);
		assert_string_equal(p->servers[i].username, "%EMAILADDRESS%");
	}
	assert_string_equal(p->caldav, "https://dav.example.com/caldav/");
	assert_string_equal(p->carddav, "https://dav.example.com/carddav/");
	assert_string_equal(p->webmail, "https://webmail.example.com/");
	assert_null(p->activesync);
	assert_null(p->oauth_issuer);
	assert_null(p->oauth_auth_url);
	mac_cfg_free(cfg);
}

/* ---- tables and hash ---- */

static void
test_name_tables(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < SRV__MAX; i++)
		assert_true(
		    srv_type_names[i] != NULL && srv_type_names[i][0] != '\0');
	for (i = 0; i < SOCK__MAX; i++)
		assert_true(sock_type_names[i] != NULL &&
			    sock_type_names[i][0] != '\0');
	for (i = 0; i < AUTH__MAX; i++)
		assert_true(auth_method_names[i] != NULL &&
			    auth_method_names[i][0] != '\0');
	assert_string_equal(srv_type_names[SRV_POP3], "pop3");
	assert_string_equal(sock_type_names[SOCK_STARTTLS], "STARTTLS");
	assert_string_equal(auth_method_names[AUTH_OAUTH2], "OAuth2");
	assert_string_equal(
	    auth_method_names[AUTH_CLIENT_IP], "client-IP-address");
}

static void
test_hash(void **state)
{
	(void)state;
	/* FNV-1a 32-bit test vectors. */
	assert_int_equal(cfg_hash("", 0), 0x811c9dc5u);
	assert_int_equal(cfg_hash("a", 1), 0xe40c292cu);
	assert_int_equal(cfg_hash("foobar", 6), 0xbf9cf968u);
	assert_int_equal(cfg_hash("example.com", 11), 0x431ceb26u);
	assert_int_equal(mac_cfg_nproviders(NULL), 0);
	assert_int_equal(mac_cfg_ndomains(NULL), 0);
	mac_cfg_free(NULL);
}

/*
 * No key stores a value holding a C0 control byte, the codes of a
 * template's holes included (lib/tpl.c): each is refused on its line.
 */
static void
test_no_control_bytes(void **state)
{
	char ini[512], err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;
	size_t k;
	unsigned c;

	(void)state;
	for (k = 0; k < KEY__MAX; k++)
		for (c = 1; c < HOLE__END; c++) {
			snprintf(ini, sizeof(ini), P_MIN "%s = a%cb\n",
			    key_table[k].name, (char)c);
			if ((cfg = load(ini, err, sizeof(err))) != NULL) {
				mac_cfg_free(cfg);
				fail_msg("%s with byte %u: loaded",
				    key_table[k].name, c);
			}
			if (strstr(err, "t.ini:5: ") == NULL)
				fail_msg("%s with byte %u: %s",
				    key_table[k].name, c, err);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valids),
	    cmocka_unit_test(test_invalids),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_long_values),
	    cmocka_unit_test(test_error_collection),
	    cmocka_unit_test(test_error_text_whole_lines),
	    cmocka_unit_test(test_domains_file),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_many_domains),
	    cmocka_unit_test(test_shipped_example),
	    cmocka_unit_test(test_name_tables),
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_no_control_bytes),
	};

	return cmocka_run_group_tests(tests, files_setup, files_teardown);
}
