/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The import's expat handlers: which element may hold which, what each
 * element and attribute means, and what each one's text becomes in the
 * parsed provider (struct prov).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"

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
    {K_PROV, "enable", K_ENABLE},
    /* Older ISPDB files: a documentation link under another name. */
    {K_PROV, "instruction", K_DOC},
    {K_ENABLE, "instruction", K_INSTR},
    /* Some ISPDB files place it beside emailProvider: the same. */
    {K_ROOT, "enable", K_ENABLE},
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
    {K_WEBMAIL, "loginPageInfo", K_LOGININFO},
    {K_LOGININFO, "username", K_LI_USER},
    {K_LOGININFO, "usernameField", K_LI_UFIELD},
    {K_LOGININFO, "passwordField", K_LI_PFIELD},
    {K_LOGININFO, "loginButton", K_LI_BUTTON},
    {K_OAUTH, "issuer", K_ISSUER},
    {K_OAUTH, "scope", K_SCOPE},
    {K_OAUTH, "authURL", K_AUTHURL},
    {K_OAUTH, "tokenURL", K_TOKENURL},
};

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
	case K_LOGININFO:
		return strcmp(a, "url") == 0;
	case K_DESCR:
	case K_INSTR:
		return strcmp(a, "lang") == 0;
	case K_ENABLE:
		return strcmp(a, "visiturl") == 0;
	case K_LI_UFIELD:
	case K_LI_PFIELD:
	case K_LI_BUTTON:
		return strcmp(a, "id") == 0 || strcmp(a, "name") == 0;
	default:
		return 0;
	}
}

static void
start_srv(struct mac_import *im, const char *el, const XML_Char **atts)
{
	const char *type = imp_attr(atts, "type");
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
		imp_quoted(q, sizeof(q), type != NULL ? type : "");
		imp_note(im, imp_cur_line(im),
		    "%s of type '%s': the INI has imap, pop3 and smtp only", el,
		    q);
		im->stack[im->depth - 1] = K_SKIP;
		return;
	}
	if (p->nsrv == IMP_SRV_PARSED_MAX) {
		imp_note(im, imp_cur_line(im), "%s: more than %d servers", el,
		    IMP_SRV_PARSED_MAX);
		im->stack[im->depth - 1] = K_SKIP;
		return;
	}
	s = &p->srv[p->nsrv++];
	memset(s, 0, sizeof(*s));
	s->type = t;
	s->line = imp_cur_line(im);
	s->sock = SO_NONE;
	im->s = s;
}

/*
 * The language of a descr or instruction into im->lang: its lang
 * attribute, "en" without one.  Returns 0 (noted) when the INI cannot
 * write it as a tag (lang_split()).
 */
static int
start_lang(struct mac_import *im, const XML_Char **atts, const char *what)
{
	char t[MAC_CFG_LANG_MAX + sizeof(": x")], q[80];
	const char *v = imp_attr(atts, "lang");

	if (v == NULL || *v == '\0') {
		snprintf(im->lang, sizeof(im->lang), "en");
		return 1;
	}
	if (strlen(v) <= MAC_CFG_LANG_MAX) {
		snprintf(t, sizeof(t), "%s: x", v);
		if (lang_split(t, im->lang, sizeof(im->lang)) != t &&
		    strcmp(im->lang, v) == 0)
			return 1;
	}
	imp_quoted(q, sizeof(q), v);
	imp_note(im, imp_cur_line(im),
	    "%s in language '%s': not a language tag the INI takes", what, q);
	return 0;
}

/* id and name of a login form element, each checked as the loader does. */
static void
start_field(struct mac_import *im, enum kind k, const XML_Char **atts)
{
	static const char *const attr[2] = {"id", "name"};
	size_t base = (size_t)(k - K_LI_UFIELD) * 2, i;
	const char *v, *why;
	char q[80];

	for (i = 0; i < 2; i++) {
		if ((v = imp_attr(atts, attr[i])) == NULL)
			continue;
		if ((why = login_field_check(v, strlen(v))) != NULL) {
			imp_quoted(q, sizeof(q), v);
			imp_note(im, imp_cur_line(im), "login form %s '%s': %s",
			    attr[i], q, why);
			continue;
		}
		snprintf(im->login.field[base + i],
		    sizeof(im->login.field[base + i]), "%s", v);
	}
}

/* The provider open, or the one read before (an enable beside it). */
static struct prov *
enable_prov(struct mac_import *im)
{
	if (im->p != NULL)
		return im->p;
	return im->cur.line != 0 ? &im->cur : NULL;
}

/*
 * documentation and descr, enable and instruction, loginPageInfo and its
 * fields: what each holds goes into the provider (the login form into
 * the file's, as webMail sits beside emailProvider).  Anything the INI
 * cannot hold is noted and skipped.
 */
static void
start_texts(struct mac_import *im, enum kind k, const XML_Char **atts)
{
	struct prov *p = enable_prov(im);
	const char *v, *why;
	char q[80];
	int skip = 0;

	if (k == K_ENABLE && p == NULL) {
		imp_note(im, imp_cur_line(im), "<enable> before emailProvider");
		im->stack[im->depth - 1] = K_SKIP;
		return;
	}
	switch (k) {
	case K_DOC:
		v = imp_attr(atts, "url");
		if (v == NULL) {
			imp_note(im, imp_cur_line(im),
			    "<documentation> without url");
			skip = 1;
		} else if ((why = imp_url_check(v, 0)) != NULL) {
			imp_quoted(q, sizeof(q), v);
			imp_note(im, imp_cur_line(im), "documentation '%s': %s",
			    q, why);
			skip = 1;
		} else if (p->ndocs == MAC_CFG_DOCS_MAX) {
			imp_quoted(q, sizeof(q), v);
			imp_note(im, imp_cur_line(im),
			    "documentation '%s': the INI holds %d links", q,
			    MAC_CFG_DOCS_MAX);
			skip = 1;
		} else {
			memset(&p->docs[p->ndocs], 0, sizeof(p->docs[0]));
			snprintf(p->docs[p->ndocs].url,
			    sizeof(p->docs[p->ndocs].url), "%s", v);
			p->ndocs++;
		}
		break;
	case K_DESCR:
		skip = !start_lang(im, atts, "documentation text");
		break;
	case K_INSTR:
		skip = !start_lang(im, atts, "enable instruction");
		break;
	case K_ENABLE:
		v = imp_attr(atts, "visiturl");
		if (p->enable_url[0] != '\0') {
			imp_note(im, imp_cur_line(im),
			    "a second <enable>: the INI holds one");
			skip = 1;
		} else if (v == NULL) {
			imp_note(
			    im, imp_cur_line(im), "<enable> without visiturl");
			skip = 1;
		} else if ((why = imp_url_check(v, 0)) != NULL) {
			imp_quoted(q, sizeof(q), v);
			imp_note(im, imp_cur_line(im),
			    "enable visiturl '%s': %s", q, why);
			skip = 1;
		} else
			snprintf(p->enable_url, sizeof(p->enable_url), "%s", v);
		break;
	case K_LOGININFO:
		v = imp_attr(atts, "url");
		if (im->login.line != 0) {
			imp_note(im, imp_cur_line(im),
			    "a second <loginPageInfo>: the INI holds one");
			skip = 1;
		} else if (v == NULL) {
			imp_note(im, imp_cur_line(im),
			    "<loginPageInfo> without url");
			skip = 1;
		} else if ((why = imp_url_check(v, 0)) != NULL) {
			imp_quoted(q, sizeof(q), v);
			imp_note(im, imp_cur_line(im),
			    "loginPageInfo url '%s': %s", q, why);
			skip = 1;
		} else {
			im->login.line = imp_cur_line(im);
			snprintf(im->login.url, sizeof(im->login.url), "%s", v);
		}
		break;
	default:
		start_field(im, k, atts);
		break;
	}
	if (skip)
		im->stack[im->depth - 1] = K_SKIP;
}

void XMLCALL
imp_on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	struct mac_import *im = ud;
	enum kind parent, k = K_SKIP;
	const char *v;
	size_t i;
	char q[80];
	int known = 0;

	if (im->depth == IMP_DEPTH_MAX) {
		if (im->lost_depth++ == 0)
			imp_note(im, imp_cur_line(im),
			    "elements nested deeper than %d", IMP_DEPTH_MAX);
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
			imp_quoted(q, sizeof(q), el);
			imp_note(im, imp_cur_line(im), "<%s>%s", q,
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
				imp_quoted(q, sizeof(q), atts[i]);
				imp_note(im, imp_cur_line(im),
				    "<%s %s=...>: the INI has no such setting",
				    el, q);
			}

	switch (k) {
	case K_PROV:
		if (im->cur.line != 0) {
			imp_note(im, imp_cur_line(im),
			    "a second emailProvider: Thunderbird reads the "
			    "first only");
			im->stack[im->depth - 1] = K_SKIP;
			break;
		}
		imp_prov_reset(&im->cur);
		im->p = &im->cur;
		im->p->line = imp_cur_line(im);
		if ((v = imp_attr(atts, "id")) != NULL)
			snprintf(im->p->id, sizeof(im->p->id), "%s", v);
		break;
	case K_SRV:
		start_srv(im, el, atts);
		break;
	case K_DOC:
	case K_DESCR:
	case K_ENABLE:
	case K_INSTR:
	case K_LOGININFO:
	case K_LI_UFIELD:
	case K_LI_PFIELD:
	case K_LI_BUTTON:
		start_texts(im, k, atts);
		break;
	case K_LOGINPAGE:
		if ((v = imp_attr(atts, "url")) == NULL)
			imp_note(
			    im, imp_cur_line(im), "<loginPage> without url");
		else if (imp_url_check(v, 0) != NULL) {
			imp_quoted(q, sizeof(q), v);
			imp_note(im, imp_cur_line(im), "webmail '%s': %s", q,
			    imp_url_check(v, 0));
		} else if (im->webmail[0] != '\0')
			imp_note(im, imp_cur_line(im),
			    "a second webmail login page");
		else
			snprintf(im->webmail, sizeof(im->webmail), "%s", v);
		break;
	case K_OAUTH:
		im->oauth_line = imp_cur_line(im);
		break;
	default:
		break;
	}
}

void XMLCALL
imp_on_text(void *ud, const XML_Char *s, int len)
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

	imp_quoted(q, sizeof(q), im->text);
	if (dst[0] != '\0') {
		imp_note(im, imp_cur_line(im), "a second %s '%s'", what, q);
		return;
	}
	if ((why = text_check(im->text, strlen(im->text), size - 1)) != NULL) {
		imp_note(im, imp_cur_line(im), "%s '%s': %s", what, q, why);
		return;
	}
	if (imp_other_placeholder(im->text))
		imp_note(im, imp_cur_line(im),
		    "%s '%s': placeholders but %%EMAILDOMAIN%% are served as "
		    "they are written",
		    what, q);
	snprintf(dst, size, "%s", im->text);
}

/* A descr's or instruction's text in im->lang, added to a list of n. */
static void
end_lang_text(struct mac_import *im, const char *what, struct imp_text *list,
    size_t *n, size_t max)
{
	const char *why;
	char q[80];
	size_t i;

	imp_quoted(q, sizeof(q), im->text);
	for (i = 0; i < *n; i++)
		if (ascii_caseeq(
			list[i].lang, strlen(list[i].lang), im->lang) &&
		    strlen(list[i].lang) == strlen(im->lang)) {
			imp_note(im, imp_cur_line(im),
			    "%s '%s': a second text in '%s'", what, q,
			    im->lang);
			return;
		}
	if (*n == MAC_CFG_LANGS_MAX) {
		imp_note(im, imp_cur_line(im), "%s '%s': more than %d texts",
		    what, q, MAC_CFG_LANGS_MAX);
		return;
	}
	if (im->text[0] == '\0')
		return; /* an empty text says nothing */
	if ((why = text_check(im->text, strlen(im->text), max)) != NULL) {
		imp_note(im, imp_cur_line(im), "%s '%s': %s", what, q,
		    strlen(im->text) > max ? "too long" : why);
		return;
	}
	snprintf(list[*n].lang, sizeof(list[*n].lang), "%s", im->lang);
	/* text_check() held it to max bytes, at most the field's size. */
	memcpy(list[*n].text, im->text, strlen(im->text) + 1);
	(*n)++;
}

static void
end_auth(struct mac_import *im)
{
	struct srv *s = im->s;
	size_t i, k;
	char q[80];

	for (k = 0; k < NAUTH; k++)
		if (ascii_caseeq(im->text, strlen(im->text), imp_auth_names[k]))
			break;
	if (k == NAUTH && ascii_caseeq(im->text, strlen(im->text), "plain"))
		k = 0;
	if (k == NAUTH && ascii_caseeq(im->text, strlen(im->text), "secure"))
		k = 1;
	imp_quoted(q, sizeof(q), im->text);
	if (k == NAUTH) {
		imp_note(im, imp_cur_line(im),
		    "authentication '%s': not a method "
		    "the INI knows",
		    q);
		return;
	}
	if (k == AUTH_SMTP_AFTER_POP && s->type != ST_SMTP) {
		imp_note(im, imp_cur_line(im),
		    "authentication smtp-after-pop on an incoming server");
		return;
	}
	for (i = 0; i < s->nauth; i++)
		if (s->auth[i] == (int)k) {
			imp_note(im, imp_cur_line(im),
			    "authentication '%s' twice", q);
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
	const char *what = imp_stype_names[s->type];

	im->s = NULL;
	if (s->bad)
		return;
	if (s->host[0] == '\0') {
		imp_note(
		    im, s->line, "%s server without a usable host name", what);
		s->bad = 1;
	} else if (s->port == 0) {
		imp_note(
		    im, s->line, "%s server %s without a port", what, s->host);
		s->bad = 1;
	} else if (s->sock == SO_NONE) {
		imp_note(im, s->line, "%s server %s without a socket type",
		    what, s->host);
		s->bad = 1;
	} else if (s->port == 443 &&
		   (s->type == ST_POP3 || s->sock != SO_SSL)) {
		imp_note(im, s->line,
		    "%s server %s on port 443: the INI has only SSL imap "
		    "and smtp there",
		    what, s->host);
		s->bad = 1;
	}
	if (!s->bad && !s->has_user)
		imp_note(im, s->line,
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

	imp_quoted(q, sizeof(q), im->text);
	/* mail.%EMAILDOMAIN%, as the INI has it; no other placeholder. */
	if (imp_has_placeholder(im->text) &&
	    host_norm(im->text, strlen(im->text), out, &n, &why) != MAC_OK) {
		imp_note(im, imp_cur_line(im),
		    "%s server '%s': the INI has no placeholders in host "
		    "names but %%EMAILDOMAIN%%",
		    imp_stype_names[im->s->type], q);
		im->s->bad = 1;
	} else if (host_norm(im->text, strlen(im->text), out, &n, &why) !=
		   MAC_OK) {
		imp_note(im, imp_cur_line(im), "%s server '%s': %s",
		    imp_stype_names[im->s->type], q, why);
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

	imp_quoted(q, sizeof(q), im->text);
	switch (k) {
	case K_DOMAIN:
		if (imp_has_placeholder(im->text))
			imp_note(im, imp_cur_line(im),
			    "domain '%s': a placeholder", q);
		else if (dom_norm(im->text, strlen(im->text), out, &n, &why) !=
			 MAC_OK)
			imp_note(
			    im, imp_cur_line(im), "domain '%s': %s", q, why);
		else if (imp_seen_has(im, out))
			imp_note(im, imp_cur_line(im),
			    "domain %s: already imported for another "
			    "provider",
			    out);
		else
			imp_prov_dom_add(im, out);
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
			imp_note(
			    im, imp_cur_line(im), "port '%s': not 1-65535", q);
			im->s->bad = 1;
		} else
			im->s->port = v;
		break;
	case K_SOCK:
		for (i = 0; i < 3; i++)
			if (ascii_caseeq(
				im->text, strlen(im->text), imp_sock_names[i]))
				break;
		if (i == 3) {
			imp_note(im, imp_cur_line(im),
			    "socket type '%s': unknown", q);
			im->s->bad = 1;
		} else
			im->s->sock = (int)i;
		break;
	case K_USER:
		im->s->has_user = 1;
		if ((why = user_check(im->text, strlen(im->text))) != NULL) {
			imp_note(im, imp_cur_line(im),
			    "username '%s': %s; the server is imported "
			    "with the provider's username",
			    q, why);
		} else if (snprintf(im->s->user, sizeof(im->s->user), "%s",
			       im->text) >= (int)sizeof(im->s->user)) {
			im->s->user[0] = '\0';
			imp_note(im, imp_cur_line(im),
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
			imp_note(im, imp_cur_line(im),
			    "leaveMessagesOnServer '%s'", q);
		else if (im->p->leave != -1 && im->p->leave != b)
			imp_note(im, imp_cur_line(im),
			    "leaveMessagesOnServer differs between POP3 "
			    "servers; the INI has one per provider");
		else
			im->p->leave = b;
		break;
	case K_DAYS:
		if (num_parse(im->text, strlen(im->text), MAC_CFG_POP3_DAYS_MAX,
			&v) == -1 ||
		    v == 0)
			imp_note(im, imp_cur_line(im),
			    "daysToLeaveMessagesOnServer '%s': not 1-%d", q,
			    MAC_CFG_POP3_DAYS_MAX);
		else
			im->p->days = v;
		break;
	case K_DESCR:
		end_lang_text(im, "documentation text",
		    im->p->docs[im->p->ndocs - 1].t,
		    &im->p->docs[im->p->ndocs - 1].nt, MAC_CFG_TEXT_MAX);
		break;
	case K_INSTR:
		end_lang_text(im, "enable instruction", enable_prov(im)->enable,
		    &enable_prov(im)->nenable, MAC_CFG_LONGTEXT_MAX);
		break;
	case K_LI_USER:
		if ((why = user_check(im->text, strlen(im->text))) != NULL)
			imp_note(im, imp_cur_line(im),
			    "loginPageInfo username '%s': %s", q, why);
		else /* user_check(): at most MAC_CFG_TEXT_MAX bytes */
			memcpy(im->login.user, im->text, strlen(im->text) + 1);
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

void XMLCALL
imp_on_end(void *ud, const XML_Char *el)
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
	    k != K_ENABLE && k != K_LOGININFO && k != K_LI_UFIELD &&
	    k != K_LI_PFIELD && k != K_LI_BUTTON && k != K_IGNORED) {
		if (im->tlong) {
			imp_note(
			    im, imp_cur_line(im), "<%s>: value too long", el);
			if (im->s != NULL && (k == K_HOST || k == K_PORT))
				im->s->bad = 1;
		} else {
			imp_squeeze(im->text);
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
