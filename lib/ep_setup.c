/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * The setup page, /mail/setup?emailaddress=...: one HTML page with the
 * settings to type into a client that does no autoconfiguration (every
 * incoming and outgoing server in the provider's order, but those only
 * reached by ALPN on port 443, as in the Apple profile), the Apple
 * profile's link and its QR code, the webmail and documentation links,
 * the enable instruction and the provider's notes (setup-note).
 * No script, no resource from elsewhere, one inline style allowed by its
 * hash in the Content-Security-Policy.  Every value goes through the
 * escaping writer (xml.c), whose XML text and attribute escaping is valid
 * HTML too.  Errors are small HTML pages under the same policy.
 */
#include <string.h>

#include "endpoint.h"

/*
 * The page's one style sheet, and its SHA-256 in base64 for the policy
 * (CSP Level 3 "hash-source").  Change both together:
 *	printf '%s' "$STYLE" | openssl dgst -sha256 -binary | base64
 * tests/clients/check_answers.py recomputes it from every page.
 */
#define SETUP_STYLE                                                            \
	"body{font-family:system-ui,sans-serif;margin:1em auto;"               \
	"max-width:40em;padding:0 1em;line-height:1.4}"                        \
	"table{border-collapse:collapse;margin-bottom:1em;width:100%}"         \
	"th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;"       \
	"vertical-align:top}"                                                  \
	"th{width:35%;font-weight:normal;color:#444}"                          \
	"td{font-family:ui-monospace,monospace;word-break:break-all}"          \
	"img{display:block;max-width:100%;height:auto}"
#define SETUP_STYLE_SHA256 "sha256-lT1tYM7ANue53jwGIQSVo3B8C3pSty1g4ds1uFdWM50="

#define SETUP_CSP                                                              \
	"default-src 'none'; img-src 'self'; style-src '" SETUP_STYLE_SHA256   \
	"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* The head of every page, up to and including <body>; error pages go
 * without the style, to stay short. */
static void
setup_head(struct xml_w *w, const char *title, int style)
{
	xml_raw(w, "<!DOCTYPE html>\n");
	xml_open(w, "html", "lang", "en", XML_END);
	xml_open(w, "head", XML_END);
	xml_empty(w, "meta", "charset", "utf-8", XML_END);
	xml_empty(w, "meta", "name", "viewport", "content",
	    "width=device-width, initial-scale=1", XML_END);
	xml_elem(w, "title", title, XML_END);
	if (style)
		xml_elem(w, "style", SETUP_STYLE, XML_END);
	xml_close(w); /* head */
	xml_open(w, "body", XML_END);
}

/*
 * /mail/setup: emailaddress required, one address.
 */
enum mac_err
parse_setup(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_str tail, struct mac_resp *r, struct ask *a)
{
	struct mac_str v;
	enum mac_err e;

	(void)tail;
	if ((e = query_get(
		 &r->arena, req->query, "emailaddress", &v, &r->why)) != MAC_OK)
		return e;
	if (v.p == NULL) {
		r->why = "missing emailaddress parameter";
		return MAC_EINPUT;
	}
	if ((e = ask_address(r, v.p, v.len, a)) != MAC_OK)
		return e;
	return ask_provider(cfg, r, a);
}

/* "Mail settings for " and the address, into the arena; NULL if full. */
static const char *
setup_title(struct mac_arena *ar, const char *addr)
{
	static const char pre[] = "Mail settings for ";
	size_t n = strlen(addr);
	char *t;

	if ((t = arena_alloc(ar, sizeof(pre) + n)) == NULL)
		return NULL;
	memcpy(t, pre, sizeof(pre) - 1);
	memcpy(t + sizeof(pre) - 1, addr, n + 1);
	return t;
}

/*
 * A same-origin link: path, then "?emailaddress=" and the address
 * percent-encoded, into the arena.
 */
static const char *
setup_link(struct mac_resp *r, const struct ask *a, const char *path)
{
	struct mac_buf b;

	memset(&b, 0, sizeof(b));
	b.cap = strlen(path) + sizeof("?emailaddress=%40") +
		3 * (a->addr.local.len + a->addr.domain.len);
	if ((b.p = arena_alloc(&r->arena, b.cap + 1)) == NULL)
		return "";
	buf_puts(&b, path);
	buf_puts(&b, "?emailaddress=");
	url_qval(&b, a->addr.local.p, a->addr.local.len);
	buf_puts(&b, "%40");
	url_qval(&b, a->addr.domain.p, a->addr.domain.len);
	if (b.err != MAC_OK)
		return "";
	b.p[b.len] = '\0';
	return b.p;
}

/* One row of a server's table. */
static void
setup_row(struct xml_w *w, const char *k, const char *v)
{
	xml_open(w, "tr", XML_END);
	xml_elem(w, "th", k, XML_END);
	xml_elem(w, "td", v, XML_END);
	xml_close(w);
}

static const char *const srv_label[SRV__MAX] = {
    [SRV_IMAP] = "IMAP",
    [SRV_POP3] = "POP3",
    [SRV_SMTP] = "SMTP",
};

static const char *const sock_label[SOCK__MAX] = {
    [SOCK_SSL] = "SSL/TLS",
    [SOCK_STARTTLS] = "STARTTLS",
    [SOCK_PLAIN] = "none (not encrypted)",
};

/* How a client asks for the server's first authentication method. */
static const char *
setup_auth(const struct cfg_server *s)
{
	switch (s->auth[0]) {
	case AUTH_PASSWORD_CLEARTEXT:
		return "normal password";
	case AUTH_PASSWORD_ENCRYPTED:
		return "encrypted password (CRAM-MD5)";
	case AUTH_NTLM:
		return "NTLM";
	case AUTH_GSSAPI:
		return "Kerberos (GSSAPI)";
	case AUTH_CLIENT_IP:
		return "none (by network)";
	case AUTH_TLS_CLIENT_CERT:
		return "TLS client certificate";
	case AUTH_OAUTH2:
		return "OAuth2";
	case AUTH_NONE:
		return "none";
	case AUTH_SMTP_AFTER_POP:
		return "SMTP after POP";
	default:
		return "normal password";
	}
}

/* Every server of one direction, in the provider's order. */
static void
setup_servers(
    struct xml_w *w, struct mac_resp *r, const struct ask *a, int incoming)
{
	const struct cfg_provider *p = a->prov;
	char port[MAC_UDIGITS_MAX];
	size_t i;

	xml_elem(w, "h2", incoming ? "Incoming mail" : "Outgoing mail (SMTP)",
	    XML_END);
	for (i = 0; i < p->nservers; i++) {
		const struct cfg_server *s = &p->servers[i];
		const char *user;

		if (is_incoming(s->type) != incoming || s->alpn)
			continue;
		user = expand(&r->arena, s->username, &a->addr, 1);
		xml_open(w, "table", XML_END);
		setup_row(w, "Protocol", srv_label[s->type]);
		setup_row(w, "Server", dom_fill(&r->arena, s->host, &a->addr));
		setup_row(w, "Port", mac_utoa(port, s->port));
		setup_row(w, "Security", sock_label[s->sock]);
		setup_row(w, "User name", user != NULL ? user : "");
		setup_row(w, "Authentication", setup_auth(s));
		xml_close(w);
	}
}

/* Whether a language tag names the page's language, English. */
static int
setup_is_en(const char *lang)
{
	return ascii_caseeq(lang, strlen(lang), "en") ||
	       (ascii_caseeq(lang, 3, "en-") && lang[3] != '\0');
}

/*
 * <el>text</el>, with the text's lang attribute when it is not the
 * page's language, and href when href is not NULL.
 */
static void
setup_text(
    struct xml_w *w, const char *el, const struct cfg_text *t, const char *href)
{
	int en = setup_is_en(t->lang);

	if (href != NULL && en)
		xml_elem(w, el, t->text, "href", href, XML_END);
	else if (href != NULL)
		xml_elem(w, el, t->text, "href", href, "lang", t->lang,
		    "hreflang", t->lang, XML_END);
	else if (en)
		xml_elem(w, el, t->text, XML_END);
	else
		xml_elem(w, el, t->text, "lang", t->lang, XML_END);
}

/*
 * The enable instruction, before the settings: every text of it, then
 * the link to the page where the user switches access on.
 */
static void
setup_enable(struct xml_w *w, struct mac_resp *r, const struct ask *a)
{
	const struct cfg_provider *p = a->prov;
	size_t i;

	if (p->enable_url == NULL)
		return;
	xml_elem(w, "h2", "First: switch on access for mail apps", XML_END);
	for (i = 0; i < p->nenable; i++)
		setup_text(w, "p", &p->enable[i], NULL);
	xml_open(w, "p", XML_END);
	xml_elem(w, "a", "Where to switch it on", "href",
	    dom_fill(&r->arena, p->enable_url, &a->addr), XML_END);
	xml_close(w);
}

/*
 * Every documentation link, one list item each: the link on its English
 * text (else its first text, else "Documentation"), its texts in other
 * languages after it.
 */
static void
setup_docs(struct xml_w *w, struct mac_resp *r, const struct ask *a)
{
	const struct cfg_provider *p = a->prov;
	static const struct cfg_text none = {"en", "Documentation"};
	const struct cfg_text *main;
	size_t i, k;

	for (i = 0; i < p->ndocs; i++) {
		const struct cfg_doc *d = &p->docs[i];
		main = d->ntexts > 0 ? &d->texts[0] : &none;
		for (k = 0; k < d->ntexts; k++)
			if (setup_is_en(d->texts[k].lang)) {
				main = &d->texts[k];
				break;
			}
		xml_open(w, "li", XML_END);
		setup_text(w, "a", main, dom_fill(&r->arena, d->url, &a->addr));
		for (k = 0; k < d->ntexts; k++)
			if (&d->texts[k] != main)
				setup_text(w, "p", &d->texts[k], NULL);
		xml_close(w);
	}
}

/* How the page names the clients of setup-note lines. */
static const char *const note_label[NOTE__MAX] = {
    [NOTE_ALL] = "",
    [NOTE_ANDROID] = "Android",
    [NOTE_APPLE] = "iPhone, iPad and Mac",
    [NOTE_OUTLOOK] = "Outlook",
    [NOTE_THUNDERBIRD] = "Thunderbird",
    [NOTE_OTHER] = "Other apps",
};

/*
 * The provider's notes: those for every client (general non-zero) as
 * paragraphs after the introduction, the others in one list under the
 * settings, each after its client's name, in file order.
 */
static void
setup_notes(struct xml_w *w, const struct cfg_provider *p, int general)
{
	size_t i, n = 0;

	for (i = 0; i < p->nnotes; i++) {
		const struct cfg_note *t = &p->notes[i];
		if ((t->client == NOTE_ALL) != general)
			continue;
		if (general) {
			xml_elem(w, "p", t->text, XML_END);
			continue;
		}
		if (n++ == 0) {
			xml_elem(w, "h2", "Notes for some apps", XML_END);
			xml_open(w, "dl", XML_END);
		}
		xml_elem(w, "dt", note_label[t->client], XML_END);
		xml_elem(w, "dd", t->text, XML_END);
	}
	if (n > 0)
		xml_close(w);
}

/* The setup page for a's address. */
enum mac_err
render_setup(const struct ask *a, struct mac_resp *r)
{
	const struct cfg_provider *p = a->prov;
	struct xml_w w;
	const char *addr, *title;

	r->csp = SETUP_CSP;
	if ((addr = expand(&r->arena, "%EMAILADDRESS%", &a->addr, 1)) == NULL ||
	    (title = setup_title(&r->arena, addr)) == NULL)
		return MAC_ENOMEM;
	xml_init(&w, &r->body, 1, NULL);
	setup_head(&w, title, 1);
	xml_elem(
	    &w, "h1", dom_fill(&r->arena, p->display_name, &a->addr), XML_END);
	xml_elem(&w, "p", title, XML_END);
	xml_elem(&w, "p",
	    "If your mail app does not set itself up, enter these settings. "
	    "The password is your mail password.",
	    XML_END);
	setup_notes(&w, p, 1);
	setup_enable(&w, r, a);
	setup_servers(&w, r, a, 1);
	setup_servers(&w, r, a, 0);

	xml_elem(&w, "h2", "iPhone, iPad and Mac", XML_END);
	xml_open(&w, "p", XML_END);
	xml_elem(&w, "a", "Download the configuration profile", "href",
	    setup_link(r, a, "/mobileconfig"), XML_END);
	xml_close(&w);
	xml_elem(&w, "p",
	    "Or scan this code with the camera of your iPhone or "
	    "iPad:",
	    XML_END);
	xml_empty(&w, "img", "src",
	    setup_link(r, a, "/mobileconfig.qrcode.svg"), "alt",
	    "QR code of the configuration profile link", "width", "240",
	    "height", "240", XML_END);

	setup_notes(&w, p, 0);
	if (p->webmail != NULL || p->ndocs > 0) {
		xml_elem(&w, "h2", "More", XML_END);
		xml_open(&w, "ul", XML_END);
		if (p->webmail != NULL) {
			xml_open(&w, "li", XML_END);
			xml_elem(&w, "a", "Webmail", "href",
			    dom_fill(&r->arena, p->webmail, &a->addr), XML_END);
			xml_close(&w);
		}
		setup_docs(&w, r, a);
		xml_close(&w);
	}
	xml_end(&w);
	return MAC_OK;
}

/* Errors of /mail/setup as a small HTML page: the reason, escaped. */
void
render_err_html(enum mac_err e, const struct ask *a, struct mac_resp *r)
{
	struct xml_w w;

	(void)a;
	r->content_type = CT_HTML;
	r->csp = SETUP_CSP;
	xml_init(&w, &r->body, 1, NULL);
	setup_head(&w, "Mail setup", 0);
	xml_elem(&w, "h1", "Mail setup", XML_END);
	xml_elem(&w, "p", r->why != NULL ? r->why : mac_strerror(e), XML_END);
	xml_end(&w);
}
