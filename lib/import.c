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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"

/* The autoconfig vocabulary the INI accepts, as the loader spells it. */
const char *const imp_auth_names[NAUTH] = {"password-cleartext",
    "password-encrypted", "NTLM", "GSSAPI", "client-IP-address",
    "TLS-client-cert", "OAuth2", "none", "smtp-after-pop"};

const char *const imp_stype_names[] = {"imap", "pop3", "smtp"};
const char *const imp_sock_names[] = {"SSL", "STARTTLS", "plain"};

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

int
imp_seen_has(const struct mac_import *im, const char *s)
{
	size_t i;

	for (i = 0; i < im->nseen; i++)
		if (strcmp(im->seen[i], s) == 0)
			return 1;
	return 0;
}

void
imp_seen_add(struct mac_import *im, const char *s)
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
void
imp_quoted(char *q, size_t qsize, const char *s)
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

void
imp_note(struct mac_import *im, unsigned line, const char *fmt, ...)
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

unsigned
imp_cur_line(const struct mac_import *im)
{
	return (unsigned)XML_GetCurrentLineNumber(im->xp);
}

/* Collapse blanks and line ends to single spaces, trim both ends. */
void
imp_squeeze(char *s)
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

const char *
imp_attr(const XML_Char **atts, const char *name)
{
	size_t i;

	for (i = 0; atts[i] != NULL; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

/* Check a URL as the loader does (url_split()), at most
 * MAC_CFG_VALUE_MAX - 16 bytes; https:// only, and no %EMAILDOMAIN% in
 * the host, if https_only (OAuth2).  NULL or the reason. */
const char *
imp_url_check(const char *v, int https_only)
{
	struct url_parts u;

	if (strlen(v) > MAC_CFG_VALUE_MAX - 16)
		return "too long";
	switch (url_split(v, !https_only, !https_only, &u)) {
	case URL_GOOD:
		break;
	case URL_BAD_SCHEME:
		return https_only ? "not https://" : "not http:// or https://";
	case URL_BAD_HOST:
		return "host name not valid";
	case URL_BAD_PORT:
		return "port not 1-65535";
	case URL_BAD_PATH:
		return "character not allowed in an INI URL";
	}
	return NULL;
}

int
imp_has_placeholder(const char *s)
{
	return strchr(s, '%') != NULL;
}

/* Whether s holds a '%' outside %EMAILDOMAIN%, which answers fill in. */
int
imp_other_placeholder(const char *s)
{
	static const char var[] = "%EMAILDOMAIN%";

	while ((s = strchr(s, '%')) != NULL) {
		if (strncmp(s, var, sizeof(var) - 1) != 0)
			return 1;
		s += sizeof(var) - 1;
	}
	return 0;
}

void
imp_prov_reset(struct prov *p)
{
	char *doms = p->doms;
	size_t cap = p->domscap;

	memset(p, 0, sizeof(*p));
	p->doms = doms;
	p->domscap = cap;
	p->leave = -1;
}

void
imp_prov_dom_add(struct mac_import *im, const char *d)
{
	struct prov *p = im->p;
	size_t n = strlen(d) + 1;
	const char *q;
	size_t i;

	for (q = p->doms, i = 0; i < p->ndoms; i++, q += strlen(q) + 1)
		if (strcmp(q, d) == 0) {
			imp_note(
			    im, imp_cur_line(im), "domain %s listed twice", d);
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
	memset(&im->login, 0, sizeof(im->login));
	im->name = name;
	im->out = out;
	im->notes = notes;
	im->notes_start = notes->len;
	im->nomem = 0;
	imp_prov_reset(&im->cur);
	im->cur.ndoms = im->cur.domslen = 0;

	if ((im->xp = XML_ParserCreate("UTF-8")) == NULL)
		return MAC_ENOMEM;
	XML_SetUserData(im->xp, im);
	XML_SetElementHandler(im->xp, imp_on_start, imp_on_end);
	XML_SetCharacterDataHandler(im->xp, imp_on_text);
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
			imp_write_prov(im, &im->cur);
			provs = 1;
		}
		if (!provs) {
			imp_note(im, 1, "no emailProvider");
			buf_puts(out, "\n# Imported from ");
			buf_puts(out, name);
			buf_puts(out, " by mailautoconf import: nothing.\n");
		}
		imp_write_notes(im);
	}
	XML_ParserFree(im->xp);
	im->xp = NULL;
	if (e == MAC_OK &&
	    (im->nomem || out->err != MAC_OK || notes->err != MAC_OK))
		e = MAC_ENOMEM;
	return e;
}
