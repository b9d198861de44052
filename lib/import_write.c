/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The import's writer: one parsed provider (struct prov) as an INI
 * section, checked as the loader checks it, and the file's notes as
 * comments under it.
 */
#include <stdio.h>
#include <string.h>

#include "import_int.h"

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

/*
 * key = [LANG: ]TEXT for each text: no tag for English, unless the text
 * itself would read as tagged (lang_split()); then "en: " keeps it.
 */
static void
put_texts(struct mac_buf *b, const char *pre, const char *key,
    const struct imp_text *t, size_t n)
{
	char l[MAC_CFG_LANG_MAX + 1];
	size_t i;

	for (i = 0; i < n; i++) {
		buf_puts(b, pre);
		buf_puts(b, key);
		buf_puts(b, " = ");
		if (strcmp(t[i].lang, "en") != 0 ||
		    lang_split(t[i].text, l, sizeof(l)) != t[i].text) {
			buf_puts(b, t[i].lang);
			buf_puts(b, ": ");
		}
		buf_puts(b, t[i].text);
		buf_putc(b, '\n');
	}
}

/* The enable instruction, then every documentation link. */
static void
put_docs(struct mac_buf *b, const char *pre, const struct prov *p)
{
	size_t i;

	if (p->enable_url[0] != '\0') {
		put_kv(b, pre, "enable-url", p->enable_url);
		put_texts(b, pre, "enable-text", p->enable, p->nenable);
	}
	for (i = 0; i < p->ndocs; i++) {
		put_kv(b, pre, "documentation", p->docs[i].url);
		put_texts(
		    b, pre, "documentation-text", p->docs[i].t, p->docs[i].nt);
	}
}

/* The webmail login form: its page, username and fields. */
static void
put_login(struct mac_buf *b, const char *pre, const struct imp_login *l)
{
	static const char *const keys[IMP_LOGIN_FIELDS / 2] = {
	    "webmail-login-username-field",
	    "webmail-login-password-field",
	    "webmail-login-button",
	};
	size_t i;

	if (l->line == 0)
		return;
	put_kv(b, pre, "webmail-login-url", l->url);
	if (l->user[0] != '\0')
		put_kv(b, pre, "webmail-login-username", l->user);
	for (i = 0; i < IMP_LOGIN_FIELDS / 2; i++) {
		const char *id = l->field[2 * i], *name = l->field[2 * i + 1];
		if (id[0] == '\0' && name[0] == '\0')
			continue;
		buf_puts(b, pre);
		buf_puts(b, keys[i]);
		buf_puts(b, " =");
		if (id[0] != '\0') {
			buf_puts(b, " id=");
			buf_puts(b, id);
		}
		if (name[0] != '\0') {
			buf_puts(b, " name=");
			buf_puts(b, name);
		}
		buf_putc(b, '\n');
	}
}

static void
put_auth(struct mac_buf *b, const struct srv *s)
{
	size_t i;

	for (i = 0; i < s->nauth; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_puts(b, imp_auth_names[s->auth[i]]);
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
					imp_note(im, s->line,
					    "%s server %s on port 443 "
					    "before one on another port",
					    imp_stype_names[s->type], s->host);
					s->bad = 1;
					break;
				}
		if (s->bad)
			continue;
		if (kept == MAC_CFG_SERVERS_MAX) {
			imp_note(im, s->line,
			    "%s server %s: more than %d servers",
			    imp_stype_names[s->type], s->host,
			    MAC_CFG_SERVERS_MAX);
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
			imp_note(im, s->line,
			    "%s server %s port %lu without TLS: imported, "
			    "but never sent to autoconfig clients",
			    imp_stype_names[s->type], s->host, s->port);
	}
	if (p->id[0] == '\0')
		return "no emailProvider id";
	if (imp_seen_has(im, p->id))
		return "a provider with this id was already imported";
	if (p->ndoms == 0)
		return "no domain the INI can hold";
	if (!in)
		return "no imported imap or pop3 server with TLS";
	if (!out)
		return "no imported smtp server with TLS";
	return NULL;
}

/*
 * Keep the texts within what the loader takes for one provider
 * (MAC_CFG_TEXTS_MAX bytes, counted as cfg_texts.c counts them): the
 * enable instruction first, then the documentation links in order, then
 * the login form; what does not fit is noted and left out.
 */
static int
texts_take(size_t *used, size_t cost)
{
	if (cost > MAC_CFG_TEXTS_MAX - *used)
		return 0;
	*used += cost;
	return 1;
}

static void
texts_list_fit(struct mac_import *im, const struct prov *p, size_t *used,
    struct imp_text *t, size_t *n, const char *what)
{
	size_t i = 0;

	while (i < *n)
		if (texts_take(used, strlen(t[i].lang) + strlen(t[i].text)))
			i++;
		else {
			imp_note(im, p->line,
			    "%s in '%s': more than %d bytes of texts", what,
			    t[i].lang, MAC_CFG_TEXTS_MAX);
			memmove(&t[i], &t[i + 1], (*n - i - 1) * sizeof(t[0]));
			(*n)--;
		}
}

static void
texts_fit(struct mac_import *im, struct prov *p)
{
	const struct imp_login *l = &p->login;
	char q[80];
	size_t used = 0, i = 0, k, cost;

	if (p->enable_url[0] != '\0') {
		if (texts_take(&used, strlen(p->enable_url)))
			texts_list_fit(im, p, &used, p->enable, &p->nenable,
			    "enable instruction");
		else {
			imp_note(im, p->line,
			    "enable: more than %d bytes of texts",
			    MAC_CFG_TEXTS_MAX);
			p->enable_url[0] = '\0';
			p->nenable = 0;
		}
	}
	while (i < p->ndocs)
		if (texts_take(&used, strlen(p->docs[i].url))) {
			texts_list_fit(im, p, &used, p->docs[i].t,
			    &p->docs[i].nt, "documentation text");
			i++;
		} else {
			imp_quoted(q, sizeof(q), p->docs[i].url);
			imp_note(im, p->line,
			    "documentation '%s': more than %d bytes of texts",
			    q, MAC_CFG_TEXTS_MAX);
			memmove(&p->docs[i], &p->docs[i + 1],
			    (p->ndocs - i - 1) * sizeof(p->docs[0]));
			p->ndocs--;
		}
	if (l->line == 0)
		return;
	cost = strlen(l->url) + (l->user[0] != '\0' ? strlen(l->user)
						    : strlen("%EMAILADDRESS%"));
	for (k = 0; k < IMP_LOGIN_FIELDS; k++)
		cost += strlen(l->field[k]);
	if (!texts_take(&used, cost)) {
		imp_note(im, l->line,
		    "loginPageInfo: more than %d bytes of texts",
		    MAC_CFG_TEXTS_MAX);
		p->login.line = 0;
	}
}

void
imp_write_prov(struct mac_import *im, struct prov *p)
{
	struct mac_buf *b = im->out;
	char id[MAC_DOMAIN_MAX + 1], q[80];
	const char *why, *pre = "", *d;
	const struct srv *first = NULL;
	size_t i, n, col;
	unsigned k;

	if (p->id[0] != '\0') {
		imp_quoted(q, sizeof(q), p->id);
		if (dom_norm(p->id, strlen(p->id), id, &n, &why) != MAC_OK) {
			imp_note(im, p->line,
			    "emailProvider id '%s': %s; the provider is named "
			    "after its first domain",
			    q, why);
			p->id[0] = '\0';
		} else
			memcpy(p->id, id, n + 1);
	}
	if (p->id[0] != '\0' && imp_seen_has(im, p->id) && p->ndoms > 0 &&
	    !imp_seen_has(im, p->doms)) {
		imp_note(im, p->line,
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
	p->login = im->login;
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
		if (ow == NULL && (imp_url_check(p->oauth[2], 1) != NULL ||
				      imp_url_check(p->oauth[3], 1) != NULL))
			ow = "authURL or tokenURL not a valid https:// URL";
		if (ow != NULL) {
			imp_note(im, p->oauth_line, "oAuth2: %s", ow);
			p->oauth_line = 0;
		}
	}
	texts_fit(im, p);
	if ((why = prov_check(im, p)) != NULL) {
		imp_quoted(q, sizeof(q), p->id);
		imp_note(im, p->line,
		    "provider '%s': %s; written commented out", q, why);
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
		buf_puts(b, imp_stype_names[s->type]);
		buf_putc(b, ' ');
		buf_puts(b, s->host);
		buf_putc(b, ' ');
		buf_putu(b, s->port);
		buf_putc(b, ' ');
		buf_puts(b, imp_sock_names[s->sock]);
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
	put_docs(b, pre, p);
	if (p->webmail[0] != '\0')
		put_kv(b, pre, "webmail", p->webmail);
	put_login(b, pre, &p->login);
	if (p->oauth_line != 0) {
		put_kv(b, pre, "oauth2-issuer", p->oauth[0]);
		put_kv(b, pre, "oauth2-scope", p->oauth[1]);
		put_kv(b, pre, "oauth2-auth-url", p->oauth[2]);
		put_kv(b, pre, "oauth2-token-url", p->oauth[3]);
	}
	if (pre[0] == '\0') {
		imp_seen_add(im, p->id);
		for (d = p->doms, i = 0; i < p->ndoms; i++, d += strlen(d) + 1)
			imp_seen_add(im, d);
	}
}

/* The file's notes again, as comments under what it wrote. */
void
imp_write_notes(struct mac_import *im)
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
