/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Import of Thunderbird clientConfig files (a static deployment's
 * config-v1.1.xml, ISPDB entries) into mailautoconf.ini provider
 * sections.  expat parses; each emailProvider becomes one [provider]
 * section written into a struct mac_buf.  Every element, attribute or
 * value the INI cannot hold is reported as one "file:line: what" note and
 * written under its section as a "# not imported:" comment: nothing is
 * dropped silently.  Every value written is checked as the loader checks
 * it, and a provider the loader would refuse (no usable incoming or
 * outgoing server, no domain) is written commented out, so the output
 * always loads.
 */
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

#define IMP_DEPTH_MAX 32
#define IMP_TEXT_MAX MAC_CFG_VALUE_MAX /* longest value kept */
#define IMP_AUTH_MAX 12
#define IMP_SRV_PARSED_MAX 64
#define IMP_NOTE_MAX 512
#define IMP_QUOTE_MAX 60                /* bytes of a value in a note */
#define IMP_XML_MAX (64L * 1024 * 1024) /* one file: expat takes an int */
#define IMP_DOMS_CHUNK 1024             /* first size of a domain list */
#define IMP_SEEN_CHUNK 64               /* first size of the seen list */

/* What an open element is; K_SKIP: inside something already reported. */
enum kind {
	K_SKIP = 0,
	K_DOC_ROOT, /* outside any element */
	K_ROOT,     /* clientConfig */
	K_PROV,
	K_DOMAIN,
	K_DISPNAME,
	K_SHORTNAME,
	K_SRV,
	K_HOST,
	K_PORT,
	K_SOCK,
	K_USER,
	K_AUTH,
	K_POP3,
	K_LEAVE,
	K_DAYS,
	K_DOC,
	K_DESCR,
	K_WEBMAIL,
	K_LOGINPAGE,
	K_OAUTH,
	K_ISSUER,
	K_SCOPE,
	K_AUTHURL,
	K_TOKENURL,
	K_IGNORED, /* known and without meaning for the INI: no note */
};

/* Which element may hold which: (parent, name) -> kind. */
static const struct {
	enum kind parent;
	const char *name;
	enum kind kind;
} tree[] = {
    {K_DOC_ROOT, "clientConfig", K_ROOT},
    {K_ROOT, "emailProvider", K_PROV},
    {K_ROOT, "webMail", K_WEBMAIL},
    {K_ROOT, "oAuth2", K_OAUTH},
    {K_PROV, "domain", K_DOMAIN},
    {K_PROV, "displayName", K_DISPNAME},
    {K_PROV, "displayShortName", K_SHORTNAME},
    {K_PROV, "incomingServer", K_SRV},
    {K_PROV, "outgoingServer", K_SRV},
    {K_PROV, "documentation", K_DOC},
    {K_SRV, "hostname", K_HOST},
    {K_SRV, "port", K_PORT},
    {K_SRV, "socketType", K_SOCK},
    {K_SRV, "username", K_USER},
    {K_SRV, "authentication", K_AUTH},
    {K_SRV, "pop3", K_POP3},
    /* Thunderbird's defaults for an outgoing server the account adds. */
    {K_SRV, "addThisServer", K_IGNORED},
    {K_SRV, "useGlobalPreferredServer", K_IGNORED},
    {K_POP3, "leaveMessagesOnServer", K_LEAVE},
    {K_POP3, "daysToLeaveMessagesOnServer", K_DAYS},
    {K_DOC, "descr", K_DESCR},
    {K_WEBMAIL, "loginPage", K_LOGINPAGE},
    {K_OAUTH, "issuer", K_ISSUER},
    {K_OAUTH, "scope", K_SCOPE},
    {K_OAUTH, "authURL", K_AUTHURL},
    {K_OAUTH, "tokenURL", K_TOKENURL},
};

/* The autoconfig vocabulary the INI accepts, as the loader spells it. */
static const char *const auth_names[] = {"password-cleartext",
    "password-encrypted", "NTLM", "GSSAPI", "client-IP-address",
    "TLS-client-cert", "OAuth2", "none", "smtp-after-pop"};
#define NAUTH (sizeof(auth_names) / sizeof(auth_names[0]))
#define AUTH_SMTP_AFTER_POP 8

enum stype { ST_IMAP, ST_POP3, ST_SMTP };
static const char *const stype_names[] = {"imap", "pop3", "smtp"};
enum sock { SO_NONE = -1, SO_SSL, SO_STARTTLS, SO_PLAIN };
static const char *const sock_names[] = {"SSL", "STARTTLS", "plain"};

struct srv {
	enum stype type;
	unsigned line;
	char host[MAC_DOMAIN_MAX + 1];
	unsigned long port;
	int sock;
	int auth[IMP_AUTH_MAX];
	size_t nauth;
	char user[MAC_CFG_TEXT_MAX + 1];
	int has_user; /* a <username>, even one the INI refuses */
	int bad;      /* reported and left out */
};

struct prov {
	unsigned line;
	char id[MAC_DOMAIN_MAX + 1];
	char display[MAC_CFG_TEXT_MAX + 1];
	char shortname[MAC_CFG_TEXT_MAX + 1];
	char *doms; /* NUL-separated, malloc'd */
	size_t domslen, domscap, ndoms;
	struct srv srv[IMP_SRV_PARSED_MAX];
	size_t nsrv;
	int leave; /* -1 unset */
	unsigned long days;
	char doc[IMP_TEXT_MAX + 1];
	char doctext[MAC_CFG_TEXT_MAX + 1];
	int ndoc;
	char webmail[IMP_TEXT_MAX + 1];
	char oauth[4][IMP_TEXT_MAX + 1]; /* issuer scope authURL tokenURL */
	unsigned oauth_line;
};

struct mac_import {
	char **seen; /* domains and ids written so far, over all files */
	size_t nseen, seencap;
	/* One file's parse. */
	XML_Parser xp;
	const char *name;
	struct mac_buf *out, *notes;
	enum kind stack[IMP_DEPTH_MAX];
	unsigned depth, lost_depth; /* lost_depth: elements past the stack */
	char text[IMP_TEXT_MAX + 1];
	size_t tlen;
	int tlong;
	struct prov *p; /* the open emailProvider, or NULL */
	struct srv *s;  /* the open server, or NULL */
	struct prov cur;
	/* Provider-level things outside emailProvider (webMail, oAuth2). */
	char webmail[IMP_TEXT_MAX + 1];
	char oauth[4][IMP_TEXT_MAX + 1];
	unsigned oauth_line;
	/* This file's notes, written again as comments under its sections. */
	size_t notes_start;
	int nomem;
};

struct mac_import *
mac_import_new(void)
{
	return calloc(1, sizeof(struct mac_import));
}

void
mac_import_free(struct mac_import *im)
{
	size_t i;

	if (im == NULL)
		return;
	for (i = 0; i < im->nseen; i++)
		free(im->seen[i]);
	free(im->seen);
	free(im->cur.doms);
	free(im);
}

static int
seen_has(const struct mac_import *im, const char *s)
{
	size_t i;

	for (i = 0; i < im->nseen; i++)
		if (strcmp(im->seen[i], s) == 0)
			return 1;
	return 0;
}

static void
seen_add(struct mac_import *im, const char *s)
{
	char **n, *d;

	if (im->nseen == im->seencap) {
		size_t cap = im->seencap ? im->seencap * 2 : IMP_SEEN_CHUNK;
		if ((n = realloc(im->seen, cap * sizeof(*n))) == NULL) {
			im->nomem = 1;
			return;
		}
		im->seen = n;
		im->seencap = cap;
	}
	if ((d = strdup(s)) == NULL) {
		im->nomem = 1;
		return;
	}
	im->seen[im->nseen++] = d;
}

/* Quote a value for a note: at most IMP_QUOTE_MAX bytes, control bytes
 * as '?'. */
static void
quoted(char *q, size_t qsize, const char *s)
{
	size_t i, n = 0, len = strlen(s);

	for (i = 0; i < len && n + 4 < qsize && i < IMP_QUOTE_MAX; i++)
		q[n++] =
		    ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (i < len && n + 4 < qsize) {
		memcpy(q + n, "...", 3);
		n += 3;
	}
	q[n] = '\0';
}

static void note(struct mac_import *, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct mac_import *im, unsigned line, const char *fmt, ...)
{
	char msg[IMP_NOTE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_puts(im->notes, im->name);
	buf_putc(im->notes, ':');
	buf_putu(im->notes, line);
	buf_puts(im->notes, ": ");
	buf_puts(im->notes, msg);
	buf_putc(im->notes, '\n');
}

static unsigned
cur_line(const struct mac_import *im)
{
	return (unsigned)XML_GetCurrentLineNumber(im->xp);
}

/* Collapse blanks and line ends to single spaces, trim both ends. */
static void
squeeze(char *s)
{
	char *w = s, *r;
	int sp = 0;

	for (r = s; *r != '\0'; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r') {
			sp = w != s;
			continue;
		}
		if (sp)
			*w++ = ' ';
		sp = 0;
		*w++ = *r;
	}
	*w = '\0';
}

static const char *
attr(const XML_Char **atts, const char *name)
{
	size_t i;

	for (i = 0; atts[i] != NULL; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

/* Copy a checked URL: http:// or https:// (https only if strict), a host
 * dom_norm() accepts, an optional port, a path of printable ASCII without
 * space and "<>\, at most MAC_CFG_VALUE_MAX bytes.  NULL or the reason. */
static const char *
url_check(const char *v, int https_only)
{
	char host[MAC_DOMAIN_MAX + 1];
	const char *h, *he, *r, *why;
	unsigned long port;
	size_t hlen;

	if (strlen(v) > MAC_CFG_VALUE_MAX - 16)
		return "too long";
	if (ascii_caseeq(v, strlen("https://"), "https://"))
		h = v + strlen("https://");
	else if (!https_only && ascii_caseeq(v, strlen("http://"), "http://"))
		h = v + strlen("http://");
	else
		return https_only ? "not https://" : "not http:// or https://";
	for (he = h; *he != '\0' && *he != ':' && *he != '/'; he++)
		continue;
	if (dom_norm(h, (size_t)(he - h), host, &hlen, &why) != MAC_OK)
		return "host name not valid";
	r = he;
	if (*r == ':') {
		for (r = he + 1; *r >= '0' && *r <= '9'; r++)
			continue;
		if ((*r != '\0' && *r != '/') ||
		    num_parse(he + 1, (size_t)(r - he - 1), CFG_PORT_MAX,
			&port) == -1 ||
		    port == 0)
			return "port not 1-65535";
	}
	for (; *r != '\0'; r++)
		if (*r <= 0x20 || *r >= 0x7f || strchr("\"<>\\", *r) != NULL)
			return "character not allowed in an INI URL";
	return NULL;
}

static int
has_placeholder(const char *s)
{
	return strchr(s, '%') != NULL;
}

static void
prov_reset(struct prov *p)
{
	char *doms = p->doms;
	size_t cap = p->domscap;

	memset(p, 0, sizeof(*p));
	p->doms = doms;
	p->domscap = cap;
	p->leave = -1;
}

static void
prov_dom_add(struct mac_import *im, const char *d)
{
	struct prov *p = im->p;
	size_t n = strlen(d) + 1;
	const char *q;
	size_t i;

	for (q = p->doms, i = 0; i < p->ndoms; i++, q += strlen(q) + 1)
		if (strcmp(q, d) == 0) {
			note(im, cur_line(im), "domain %s listed twice", d);
			return;
		}
	if (p->domslen + n > p->domscap) {
		size_t cap = p->domscap ? p->domscap * 2 : IMP_DOMS_CHUNK;
		char *nd;
		while (cap < p->domslen + n)
			cap *= 2;
		if ((nd = realloc(p->doms, cap)) == NULL) {
			im->nomem = 1;
			return;
		}
		p->doms = nd;
		p->domscap = cap;
	}
	memcpy(p->doms + p->domslen, d, n);
	p->domslen += n;
	p->ndoms++;
}

/* ---- element start ---- */

/* The attributes this import reads or that carry nothing the INI needs
 * (clientConfig version, xmlns); others are reported. */
static int
attr_known(enum kind k, const char *a)
{
	if (strcmp(a, "xmlns") == 0 || strncmp(a, "xmlns:", 6) == 0)
		return 1;
	switch (k) {
	case K_ROOT:
		return strcmp(a, "version") == 0;
	case K_PROV:
		return strcmp(a, "id") == 0;
	case K_SRV:
		return strcmp(a, "type") == 0;
	case K_DOC:
	case K_LOGINPAGE:
		return strcmp(a, "url") == 0;
	case K_DESCR:
		return strcmp(a, "lang") == 0;
	default:
		return 0;
	}
}

static void
start_srv(struct mac_import *im, const char *el, const XML_Char **atts)
{
	const char *type = attr(atts, "type");
	struct prov *p = im->p;
	struct srv *s;
	int in = strcmp(el, "incomingServer") == 0;
	enum stype t;
	char q[80];

	if (type != NULL && in && strcmp(type, "imap") == 0)
		t = ST_IMAP;
	else if (type != NULL && in && strcmp(type, "pop3") == 0)
		t = ST_POP3;
	else if (type != NULL && !in && strcmp(type, "smtp") == 0)
		t = ST_SMTP;
	else {
		quoted(q, sizeof(q), type != NULL ? type : "");
		note(im, cur_line(im),
		    "%s of type '%s': the INI has imap, pop3 and smtp only", el,
		    q);
		im->stack[im->depth - 1] = K_SKIP;
		return;
	}
	if (p->nsrv == IMP_SRV_PARSED_MAX) {
		note(im, cur_line(im), "%s: more than %d servers", el,
		    IMP_SRV_PARSED_MAX);
		im->stack[im->depth - 1] = K_SKIP;
		return;
	}
	s = &p->srv[p->nsrv++];
	memset(s, 0, sizeof(*s));
	s->type = t;
	s->line = cur_line(im);
	s->sock = SO_NONE;
	im->s = s;
}

static void XMLCALL
on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	struct mac_import *im = ud;
	enum kind parent, k = K_SKIP;
	const char *v;
	size_t i;
	char q[80];
	int known = 0;

	if (im->depth == IMP_DEPTH_MAX) {
		if (im->lost_depth++ == 0)
			note(im, cur_line(im), "elements nested deeper than %d",
			    IMP_DEPTH_MAX);
		return;
	}
	parent = im->depth == 0 ? K_DOC_ROOT : im->stack[im->depth - 1];
	im->tlen = 0;
	im->tlong = 0;
	im->text[0] = '\0';
	if (parent != K_SKIP && parent != K_IGNORED) {
		for (i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
			if (tree[i].parent == parent &&
			    strcmp(tree[i].name, el) == 0) {
				k = tree[i].kind;
				known = 1;
				break;
			}
		if (!known) {
			quoted(q, sizeof(q), el);
			note(im, cur_line(im), "<%s>%s", q,
			    parent == K_DOC_ROOT
				? ": not a clientConfig file"
				: ": the INI has no such setting");
		}
	} else
		k = parent == K_IGNORED ? K_IGNORED : K_SKIP;
	im->stack[im->depth++] = k;
	if (k != K_SKIP && k != K_IGNORED)
		for (i = 0; atts[i] != NULL; i += 2)
			if (!attr_known(k, atts[i])) {
				quoted(q, sizeof(q), atts[i]);
				note(im, cur_line(im),
				    "<%s %s=...>: the INI has no such setting",
				    el, q);
			}

	switch (k) {
	case K_PROV:
		if (im->cur.line != 0) {
			note(im, cur_line(im),
			    "a second emailProvider: Thunderbird reads the "
			    "first only");
			im->stack[im->depth - 1] = K_SKIP;
			break;
		}
		prov_reset(&im->cur);
		im->p = &im->cur;
		im->p->line = cur_line(im);
		if ((v = attr(atts, "id")) != NULL)
			snprintf(im->p->id, sizeof(im->p->id), "%s", v);
		break;
	case K_SRV:
		start_srv(im, el, atts);
		break;
	case K_DOC:
		if ((v = attr(atts, "url")) == NULL) {
			note(im, cur_line(im), "<documentation> without url");
			im->stack[im->depth - 1] = K_SKIP;
		} else if (im->p->ndoc++ > 0) {
			quoted(q, sizeof(q), v);
			note(im, cur_line(im),
			    "documentation '%s': the INI holds one "
			    "documentation link",
			    q);
			im->stack[im->depth - 1] = K_SKIP;
		} else if (url_check(v, 0) != NULL) {
			quoted(q, sizeof(q), v);
			note(im, cur_line(im), "documentation '%s': %s", q,
			    url_check(v, 0));
			im->stack[im->depth - 1] = K_SKIP;
		} else
			snprintf(im->p->doc, sizeof(im->p->doc), "%s", v);
		break;
	case K_DESCR:
		v = attr(atts, "lang");
		if (v != NULL && !ascii_caseeq(v, strlen(v), "en") &&
		    !(ascii_caseeq(v, 3, "en-") && strlen(v) > 3)) {
			quoted(q, sizeof(q), v);
			note(im, cur_line(im),
			    "documentation text in language '%s': the INI's "
			    "documentation-text is English",
			    q);
			im->stack[im->depth - 1] = K_SKIP;
		} else if (im->p->doctext[0] != '\0') {
			note(im, cur_line(im),
			    "a second English documentation text");
			im->stack[im->depth - 1] = K_SKIP;
		}
		break;
	case K_LOGINPAGE:
		if ((v = attr(atts, "url")) == NULL)
			note(im, cur_line(im), "<loginPage> without url");
		else if (url_check(v, 0) != NULL) {
			quoted(q, sizeof(q), v);
			note(im, cur_line(im), "webmail '%s': %s", q,
			    url_check(v, 0));
		} else if (im->webmail[0] != '\0')
			note(im, cur_line(im), "a second webmail login page");
		else
			snprintf(im->webmail, sizeof(im->webmail), "%s", v);
		break;
	case K_OAUTH:
		im->oauth_line = cur_line(im);
		break;
	default:
		break;
	}
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct mac_import *im = ud;
	size_t n = (size_t)len;

	if (im->lost_depth > 0 || im->depth == 0)
		return;
	if (im->tlen + n > IMP_TEXT_MAX) {
		im->tlong = 1;
		return;
	}
	memcpy(im->text + im->tlen, s, n);
	im->tlen += n;
	im->text[im->tlen] = '\0';
}

/* ---- element end ---- */

static void
end_text(struct mac_import *im, const char *what, char *dst, size_t size)
{
	const char *why;
	char q[80];

	quoted(q, sizeof(q), im->text);
	if (dst[0] != '\0') {
		note(im, cur_line(im), "a second %s '%s'", what, q);
		return;
	}
	if ((why = text_check(im->text, strlen(im->text), size - 1)) != NULL) {
		note(im, cur_line(im), "%s '%s': %s", what, q, why);
		return;
	}
	if (has_placeholder(im->text))
		note(im, cur_line(im),
		    "%s '%s': placeholders are served as they are written",
		    what, q);
	snprintf(dst, size, "%s", im->text);
}

static void
end_auth(struct mac_import *im)
{
	struct srv *s = im->s;
	size_t i, k;
	char q[80];

	for (k = 0; k < NAUTH; k++)
		if (ascii_caseeq(im->text, strlen(im->text), auth_names[k]))
			break;
	if (k == NAUTH && ascii_caseeq(im->text, strlen(im->text), "plain"))
		k = 0;
	if (k == NAUTH && ascii_caseeq(im->text, strlen(im->text), "secure"))
		k = 1;
	quoted(q, sizeof(q), im->text);
	if (k == NAUTH) {
		note(im, cur_line(im),
		    "authentication '%s': not a method "
		    "the INI knows",
		    q);
		return;
	}
	if (k == AUTH_SMTP_AFTER_POP && s->type != ST_SMTP) {
		note(im, cur_line(im),
		    "authentication smtp-after-pop on an incoming server");
		return;
	}
	for (i = 0; i < s->nauth; i++)
		if (s->auth[i] == (int)k) {
			note(im, cur_line(im), "authentication '%s' twice", q);
			return;
		}
	if (s->nauth == IMP_AUTH_MAX)
		return;
	s->auth[s->nauth++] = (int)k;
}

static void
end_srv(struct mac_import *im)
{
	struct srv *s = im->s;
	const char *what = stype_names[s->type];

	im->s = NULL;
	if (s->bad)
		return;
	if (s->host[0] == '\0') {
		note(im, s->line, "%s server without a usable host name", what);
		s->bad = 1;
	} else if (s->port == 0) {
		note(im, s->line, "%s server %s without a port", what, s->host);
		s->bad = 1;
	} else if (s->sock == SO_NONE) {
		note(im, s->line, "%s server %s without a socket type", what,
		    s->host);
		s->bad = 1;
	} else if (s->port == 443 &&
		   (s->type == ST_POP3 || s->sock != SO_SSL)) {
		note(im, s->line,
		    "%s server %s on port 443: the INI has only SSL imap "
		    "and smtp there",
		    what, s->host);
		s->bad = 1;
	}
	if (!s->bad && !s->has_user)
		note(im, s->line,
		    "%s server %s without a username: imported with the "
		    "provider's username",
		    what, s->host);
}

static void
end_host(struct mac_import *im)
{
	char out[MAC_DOMAIN_MAX + 1], q[80];
	const char *why;
	size_t n;

	quoted(q, sizeof(q), im->text);
	if (has_placeholder(im->text)) {
		note(im, cur_line(im),
		    "%s server '%s': the INI has no placeholders in host "
		    "names",
		    stype_names[im->s->type], q);
		im->s->bad = 1;
	} else if (dom_norm(im->text, strlen(im->text), out, &n, &why) !=
		   MAC_OK) {
		note(im, cur_line(im), "%s server '%s': %s",
		    stype_names[im->s->type], q, why);
		im->s->bad = 1;
	} else
		memcpy(im->s->host, out, n + 1);
}

static void
end_leaf(struct mac_import *im, enum kind k)
{
	char out[MAC_DOMAIN_MAX + 1], q[80];
	const char *why;
	unsigned long v;
	size_t n, i;
	int b;

	quoted(q, sizeof(q), im->text);
	switch (k) {
	case K_DOMAIN:
		if (has_placeholder(im->text))
			note(im, cur_line(im), "domain '%s': a placeholder", q);
		else if (dom_norm(im->text, strlen(im->text), out, &n, &why) !=
			 MAC_OK)
			note(im, cur_line(im), "domain '%s': %s", q, why);
		else if (seen_has(im, out))
			note(im, cur_line(im),
			    "domain %s: already imported for another "
			    "provider",
			    out);
		else
			prov_dom_add(im, out);
		break;
	case K_DISPNAME:
		end_text(
		    im, "display name", im->p->display, sizeof(im->p->display));
		break;
	case K_SHORTNAME:
		end_text(im, "short name", im->p->shortname,
		    sizeof(im->p->shortname));
		break;
	case K_HOST:
		end_host(im);
		break;
	case K_PORT:
		if (num_parse(im->text, strlen(im->text), CFG_PORT_MAX, &v) ==
			-1 ||
		    v == 0) {
			note(im, cur_line(im), "port '%s': not 1-65535", q);
			im->s->bad = 1;
		} else
			im->s->port = v;
		break;
	case K_SOCK:
		for (i = 0; i < 3; i++)
			if (ascii_caseeq(
				im->text, strlen(im->text), sock_names[i]))
				break;
		if (i == 3) {
			note(im, cur_line(im), "socket type '%s': unknown", q);
			im->s->bad = 1;
		} else
			im->s->sock = (int)i;
		break;
	case K_USER:
		im->s->has_user = 1;
		if ((why = user_check(im->text, strlen(im->text))) != NULL) {
			note(im, cur_line(im),
			    "username '%s': %s; the server is imported "
			    "with the provider's username",
			    q, why);
		} else if (snprintf(im->s->user, sizeof(im->s->user), "%s",
			       im->text) >= (int)sizeof(im->s->user)) {
			im->s->user[0] = '\0';
			note(im, cur_line(im),
			    "username '%s': too long; the server is imported "
			    "with the provider's username",
			    q);
		}
		break;
	case K_AUTH:
		end_auth(im);
		break;
	case K_LEAVE:
		if ((b = bool_parse(im->text)) == -1)
			note(im, cur_line(im), "leaveMessagesOnServer '%s'", q);
		else if (im->p->leave != -1 && im->p->leave != b)
			note(im, cur_line(im),
			    "leaveMessagesOnServer differs between POP3 "
			    "servers; the INI has one per provider");
		else
			im->p->leave = b;
		break;
	case K_DAYS:
		if (num_parse(im->text, strlen(im->text), MAC_CFG_POP3_DAYS_MAX,
			&v) == -1 ||
		    v == 0)
			note(im, cur_line(im),
			    "daysToLeaveMessagesOnServer '%s': not 1-%d", q,
			    MAC_CFG_POP3_DAYS_MAX);
		else
			im->p->days = v;
		break;
	case K_DESCR:
		end_text(im, "documentation text", im->p->doctext,
		    sizeof(im->p->doctext));
		break;
	case K_ISSUER:
	case K_SCOPE:
	case K_AUTHURL:
	case K_TOKENURL:
		i = (size_t)(k - K_ISSUER);
		snprintf(im->oauth[i], sizeof(im->oauth[i]), "%s", im->text);
		break;
	default:
		break;
	}
}

static void XMLCALL
on_end(void *ud, const XML_Char *el)
{
	struct mac_import *im = ud;
	enum kind k;

	(void)el;
	if (im->lost_depth > 0) {
		im->lost_depth--;
		return;
	}
	k = im->stack[--im->depth];
	if (k >= K_DOMAIN && k != K_SRV && k != K_POP3 && k != K_DOC &&
	    k != K_WEBMAIL && k != K_OAUTH && k != K_LOGINPAGE &&
	    k != K_IGNORED) {
		if (im->tlong) {
			note(im, cur_line(im), "<%s>: value too long", el);
			if (im->s != NULL && (k == K_HOST || k == K_PORT))
				im->s->bad = 1;
		} else {
			squeeze(im->text);
			end_leaf(im, k);
		}
	} else if (k == K_SRV && im->s != NULL)
		end_srv(im);
	else if (k == K_PROV && im->p != NULL) {
		im->p = NULL;
		/* written at the end of the file, with webMail and oAuth2 */
	}
	im->tlen = 0;
	im->text[0] = '\0';
}

/* ---- writing a provider ---- */

static void
put_kv(struct mac_buf *b, const char *pre, const char *key, const char *v)
{
	buf_puts(b, pre);
	buf_puts(b, key);
	buf_puts(b, " = ");
	buf_puts(b, v);
	buf_putc(b, '\n');
}

static void
put_auth(struct mac_buf *b, const struct srv *s)
{
	size_t i;

	for (i = 0; i < s->nauth; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_puts(b, auth_names[s->auth[i]]);
	}
}

static int
auth_same(const struct srv *a, const struct srv *b)
{
	return a->nauth == b->nauth &&
	       memcmp(a->auth, b->auth, a->nauth * sizeof(a->auth[0])) == 0;
}

static int
incoming(const struct srv *s)
{
	return s->type != ST_SMTP;
}

/* Mark servers the loader would refuse and say why it cannot serve the
 * provider, or NULL. */
static const char *
prov_check(struct mac_import *im, struct prov *p)
{
	size_t i, j, kept = 0;
	int in = 0, out = 0;

	for (i = 0; i < p->nsrv; i++) {
		struct srv *s = &p->srv[i];
		if (s->bad)
			continue;
		if (s->port == 443)
			for (j = i + 1; j < p->nsrv; j++)
				if (!p->srv[j].bad &&
				    incoming(&p->srv[j]) == incoming(s) &&
				    p->srv[j].port != 443) {
					note(im, s->line,
					    "%s server %s on port 443 "
					    "before one on another port",
					    stype_names[s->type], s->host);
					s->bad = 1;
					break;
				}
		if (s->bad)
			continue;
		if (kept == MAC_CFG_SERVERS_MAX) {
			note(im, s->line, "%s server %s: more than %d servers",
			    stype_names[s->type], s->host, MAC_CFG_SERVERS_MAX);
			s->bad = 1;
			continue;
		}
		kept++;
		if (s->sock != SO_PLAIN && s->port != 443) {
			if (incoming(s))
				in = 1;
			else
				out = 1;
		}
		if (s->sock == SO_PLAIN)
			note(im, s->line,
			    "%s server %s port %lu without TLS: imported, "
			    "but never sent to autoconfig clients",
			    stype_names[s->type], s->host, s->port);
	}
	if (p->id[0] == '\0')
		return "no emailProvider id";
	if (seen_has(im, p->id))
		return "a provider with this id was already imported";
	if (p->ndoms == 0)
		return "no domain the INI can hold";
	if (!in)
		return "no imported imap or pop3 server with TLS";
	if (!out)
		return "no imported smtp server with TLS";
	return NULL;
}

static void
write_prov(struct mac_import *im, struct prov *p)
{
	struct mac_buf *b = im->out;
	char id[MAC_DOMAIN_MAX + 1], q[80];
	const char *why, *pre = "", *d;
	const struct srv *first = NULL;
	size_t i, n, col;
	unsigned k;

	if (p->id[0] != '\0') {
		quoted(q, sizeof(q), p->id);
		if (dom_norm(p->id, strlen(p->id), id, &n, &why) != MAC_OK) {
			note(im, p->line,
			    "emailProvider id '%s': %s; the provider is named "
			    "after its first domain",
			    q, why);
			p->id[0] = '\0';
		} else
			memcpy(p->id, id, n + 1);
	}
	if (p->id[0] != '\0' && seen_has(im, p->id) && p->ndoms > 0 &&
	    !seen_has(im, p->doms)) {
		note(im, p->line,
		    "emailProvider id %s: already imported; the provider is "
		    "named after its first domain",
		    p->id);
		p->id[0] = '\0';
	}
	if (p->id[0] == '\0' && p->ndoms > 0)
		snprintf(p->id, sizeof(p->id), "%s", p->doms);
	/* webMail and oAuth2 sit beside emailProvider, in clientConfig. */
	if (im->webmail[0] != '\0')
		snprintf(p->webmail, sizeof(p->webmail), "%s", im->webmail);
	for (k = 0; k < 4; k++)
		memcpy(p->oauth[k], im->oauth[k], sizeof(p->oauth[k]));
	p->oauth_line = im->oauth_line;
	if (p->oauth_line != 0) {
		const char *ow = NULL;
		for (k = 0; k < 4; k++)
			if (p->oauth[k][0] == '\0')
				ow = "incomplete (issuer, scope, authURL and "
				     "tokenURL go together)";
		if (ow == NULL && dom_norm(p->oauth[0], strlen(p->oauth[0]), id,
				      &n, &why) != MAC_OK)
			ow = "issuer not a host name";
		for (i = 0; ow == NULL && p->oauth[1][i] != '\0'; i++)
			if (p->oauth[1][i] < 0x20 || p->oauth[1][i] > 0x7e)
				ow = "scope not printable ASCII";
		if (ow == NULL && strlen(p->oauth[1]) > MAC_CFG_VALUE_MAX - 16)
			ow = "scope too long";
		if (ow == NULL && (url_check(p->oauth[2], 1) != NULL ||
				      url_check(p->oauth[3], 1) != NULL))
			ow = "authURL or tokenURL not a valid https:// URL";
		if (ow != NULL) {
			note(im, p->oauth_line, "oAuth2: %s", ow);
			p->oauth_line = 0;
		}
	}
	if ((why = prov_check(im, p)) != NULL) {
		quoted(q, sizeof(q), p->id);
		note(im, p->line, "provider '%s': %s; written commented out", q,
		    why);
		pre = "# ";
	}

	buf_puts(b, "\n# Imported from ");
	buf_puts(b, im->name);
	buf_puts(b, " by mailautoconf import.\n");
	buf_puts(b, pre);
	buf_puts(b, "[provider ");
	buf_puts(b, p->id[0] != '\0' ? p->id : "unknown.invalid");
	buf_puts(b, "]\n");
	if (p->display[0] != '\0')
		put_kv(b, pre, "display-name", p->display);
	if (p->shortname[0] != '\0')
		put_kv(b, pre, "short-name", p->shortname);
	for (d = p->doms, i = 0, col = 0; i < p->ndoms;
	     i++, d += strlen(d) + 1) {
		if (col == 0) {
			buf_puts(b, pre);
			buf_puts(b, "domains =");
			col = 9;
		}
		buf_putc(b, ' ');
		buf_puts(b, d);
		col += strlen(d) + 1;
		if (col > 64 || i + 1 == p->ndoms) {
			buf_putc(b, '\n');
			col = 0;
		}
	}
	for (i = 0; i < p->nsrv; i++)
		if (!p->srv[i].bad) {
			first = &p->srv[i];
			break;
		}
	if (first != NULL) {
		/* The provider's values are the first server's; the others
		 * say only where they differ, so [defaults] cannot leak in. */
		if (first->nauth > 0) {
			buf_puts(b, pre);
			buf_puts(b, "authentication = ");
			put_auth(b, first);
			buf_putc(b, '\n');
		} else
			put_kv(b, pre, "authentication", "password-cleartext");
		put_kv(b, pre, "username",
		    first->user[0] != '\0' ? first->user : "%EMAILADDRESS%");
	}
	for (i = 0; i < p->nsrv; i++) {
		const struct srv *s = &p->srv[i];
		if (s->bad)
			continue;
		buf_puts(b, pre);
		buf_puts(b, "server = ");
		buf_puts(b, stype_names[s->type]);
		buf_putc(b, ' ');
		buf_puts(b, s->host);
		buf_putc(b, ' ');
		buf_putu(b, s->port);
		buf_putc(b, ' ');
		buf_puts(b, sock_names[s->sock]);
		if (s->nauth > 0 && !auth_same(s, first)) {
			buf_puts(b, " auth=");
			put_auth(b, s);
		} else if (s->nauth == 0 && first->nauth > 0)
			buf_puts(b, " auth=password-cleartext");
		if (strcmp(s->user, first->user) != 0) {
			buf_puts(b, " username=");
			buf_puts(
			    b, s->user[0] != '\0' ? s->user : "%EMAILADDRESS%");
		}
		buf_putc(b, '\n');
	}
	if (p->leave != -1)
		put_kv(b, pre, "pop3-leave-on-server", p->leave ? "yes" : "no");
	if (p->days != 0) {
		char dig[MAC_UDIGITS_MAX];
		put_kv(b, pre, "pop3-days-on-server", mac_utoa(dig, p->days));
	}
	if (p->doc[0] != '\0') {
		put_kv(b, pre, "documentation", p->doc);
		if (p->doctext[0] != '\0')
			put_kv(b, pre, "documentation-text", p->doctext);
	}
	if (p->webmail[0] != '\0')
		put_kv(b, pre, "webmail", p->webmail);
	if (p->oauth_line != 0) {
		put_kv(b, pre, "oauth2-issuer", p->oauth[0]);
		put_kv(b, pre, "oauth2-scope", p->oauth[1]);
		put_kv(b, pre, "oauth2-auth-url", p->oauth[2]);
		put_kv(b, pre, "oauth2-token-url", p->oauth[3]);
	}
	if (pre[0] == '\0') {
		seen_add(im, p->id);
		for (d = p->doms, i = 0; i < p->ndoms; i++, d += strlen(d) + 1)
			seen_add(im, d);
	}
}

/* The file's notes again, as comments under what it wrote. */
static void
write_notes(struct mac_import *im)
{
	const char *s = im->notes->p + im->notes_start;
	const char *end = im->notes->p + im->notes->len, *nl;

	if (im->notes->err != MAC_OK)
		return;
	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			break;
		buf_puts(im->out, "# not imported: ");
		buf_put(im->out, s, (size_t)(nl - s + 1));
	}
}

enum mac_err
mac_import(struct mac_import *im, const char *name, const char *xml, size_t len,
    struct mac_buf *out, struct mac_buf *notes, char *err, size_t errlen)
{
	enum mac_err e = MAC_OK;
	int provs = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(im->stack, 0, sizeof(im->stack));
	im->depth = im->lost_depth = 0;
	im->tlen = 0;
	im->text[0] = '\0';
	im->p = NULL;
	im->s = NULL;
	im->webmail[0] = '\0';
	memset(im->oauth, 0, sizeof(im->oauth));
	im->oauth_line = 0;
	im->name = name;
	im->out = out;
	im->notes = notes;
	im->notes_start = notes->len;
	im->nomem = 0;
	prov_reset(&im->cur);
	im->cur.ndoms = im->cur.domslen = 0;

	if ((im->xp = XML_ParserCreate("UTF-8")) == NULL)
		return MAC_ENOMEM;
	XML_SetUserData(im->xp, im);
	XML_SetElementHandler(im->xp, on_start, on_end);
	XML_SetCharacterDataHandler(im->xp, on_text);
	if (len > (size_t)IMP_XML_MAX) {
		if (err != NULL)
			snprintf(err, errlen, "%s: larger than %ld bytes", name,
			    IMP_XML_MAX);
		e = MAC_EINPUT;
	} else if (XML_Parse(im->xp, xml, (int)len, 1) == XML_STATUS_ERROR) {
		if (err != NULL)
			snprintf(err, errlen, "%s:%lu:%lu: %s", name,
			    (unsigned long)XML_GetCurrentLineNumber(im->xp),
			    (unsigned long)XML_GetCurrentColumnNumber(im->xp) +
				1,
			    XML_ErrorString(XML_GetErrorCode(im->xp)));
		e = MAC_EINPUT;
	}
	if (e == MAC_OK) {
		/* One section per emailProvider; Thunderbird reads the
		 * first, and so does this import. */
		if (im->cur.line != 0) {
			write_prov(im, &im->cur);
			provs = 1;
		}
		if (!provs) {
			note(im, 1, "no emailProvider");
			buf_puts(out, "\n# Imported from ");
			buf_puts(out, name);
			buf_puts(out, " by mailautoconf import: nothing.\n");
		}
		write_notes(im);
	}
	XML_ParserFree(im->xp);
	im->xp = NULL;
	if (e == MAC_OK &&
	    (im->nomem || out->err != MAC_OK || notes->err != MAC_OK))
		e = MAC_ENOMEM;
	return e;
}
