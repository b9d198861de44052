/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: the INI reader.
 *
 * inih does the key = value splitting through ini_parse_stream() and
 * our own line reader, cfg_reader(), which sees every line first: it
 * knows the line number, rejects over-long lines and handles section
 * headers itself (inih would cut long names).  cfg_ini_read() runs inih
 * with its global options set for us and puts them back.  [defaults] and
 * [provider ID] headers start sections; provider ids are kept unique
 * through their own hash table (ptab).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "cfg_int.h"

/*
 * Take the next line of [*pos, end): sets *line and *len (without the
 * newline and a trailing carriage return) and advances *pos.  Returns 0
 * at the end of the data.
 */
int
line_next(const char **pos, const char *end, const char **line, size_t *len)
{
	const char *p = *pos, *nl;
	size_t n;

	if (p >= end)
		return 0;
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)((nl != NULL ? nl : end) - p);
	*pos = nl != NULL ? nl + 1 : end;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line = p;
	*len = n;
	return 1;
}

/* ---- sections ---- */

/* The section as named in messages: "[provider ID]" or "[defaults]". */
const char *
sec_label(const struct pst *st, char *buf, size_t size)
{
	if (st->cur == SEC_PROVIDER)
		snprintf(buf, size, "[provider %s]",
		    st->cfg->providers[st->curi].id);
	else
		snprintf(buf, size, "[defaults]");
	return buf;
}

static void
prov_init(struct cfg_provider *p, struct sec_meta *m, unsigned line)
{
	memset(p, 0, sizeof(*p));
	memset(m, 0, sizeof(*m));
	p->pop3_leave = -1;
	m->line = line;
}

/* Look a provider id up in st->ptab; returns its slot. */
static size_t
ptab_slot(const struct pst *st, const char *id, size_t len)
{
	size_t i, mask = st->ptcap - 1;
	const char *o;

	for (i = cfg_hash(id, len) & mask; st->ptab[i] != 0;
	     i = (i + 1) & mask) {
		o = st->cfg->providers[st->ptab[i] - 1].id;
		if (strlen(o) == len && memcmp(o, id, len) == 0)
			break;
	}
	return i;
}

/* Make room for one more provider.  Returns 0 or -1. */
static int
prov_grow(struct pst *st)
{
	struct mac_cfg *cfg = st->cfg;
	struct cfg_provider *np;
	struct sec_meta *nm;
	uint32_t *nt;
	size_t ncap, i;

	if (cfg->nproviders == st->provcap) {
		ncap = st->provcap != 0 ? st->provcap * 2 : CFG_TAB_MIN;
		if ((np = realloc(cfg->providers, ncap * sizeof(*np))) ==
		    NULL) {
			cfg_oom(st, ncap * sizeof(*np));
			return -1;
		}
		cfg->providers = np;
		if ((nm = realloc(st->metas, ncap * sizeof(*nm))) == NULL) {
			cfg_oom(st, ncap * sizeof(*nm));
			return -1;
		}
		st->metas = nm;
		st->provcap = ncap;
	}
	if ((cfg->nproviders + 1) * 2 > st->ptcap) {
		ncap = st->ptcap != 0 ? st->ptcap * 2 : CFG_TAB_MIN;
		if ((nt = calloc(ncap, sizeof(*nt))) == NULL) {
			cfg_oom(st, ncap * sizeof(*nt));
			return -1;
		}
		free(st->ptab);
		st->ptab = nt;
		st->ptcap = ncap;
		for (i = 0; i < cfg->nproviders; i++) {
			const char *id = cfg->providers[i].id;
			st->ptab[ptab_slot(st, id, strlen(id))] =
			    (uint32_t)i + 1;
		}
	}
	return 0;
}

/* Start a [provider ID] section. */
static void
sec_provider(struct pst *st, const char *id, size_t idlen)
{
	struct mac_cfg *cfg = st->cfg;
	char d[MAC_DOMAIN_MAX + 1], q[CFG_QUOTE_BUF];
	const char *why;
	size_t dlen, slot;
	struct cfg_provider *p;

	st->cur = SEC_BAD;
	st->nheaders++;
	if (idlen == 0) {
		cfg_err(st, st->name, st->lineno,
		    "[provider] needs an id (a host name)");
		return;
	}
	if (dom_norm(id, idlen, d, &dlen, &why) != MAC_OK) {
		cfg_err(st, st->name, st->lineno, "bad provider id '%s': %s",
		    quote(q, id, idlen), why);
		return;
	}
	if (st->ptcap != 0 && st->ptab[slot = ptab_slot(st, d, dlen)] != 0) {
		cfg_err(st, st->name, st->lineno,
		    "duplicate provider %s (first at line %u)", d,
		    st->metas[st->ptab[slot] - 1].line);
		return;
	}
	if (cfg->nproviders >= MAC_CFG_PROVIDERS_MAX) {
		cfg_err(st, st->name, st->lineno, "too many providers (max %d)",
		    MAC_CFG_PROVIDERS_MAX);
		return;
	}
	if (prov_grow(st) == -1)
		return;
	p = &cfg->providers[cfg->nproviders];
	prov_init(p, &st->metas[cfg->nproviders], st->lineno);
	if ((p->id = pool_strndup(st, d, dlen)) == NULL)
		return;
	st->ptab[ptab_slot(st, d, dlen)] = (uint32_t)cfg->nproviders + 1;
	st->curi = cfg->nproviders++;
	st->cur = SEC_PROVIDER;
}

/*
 * A line whose first non-blank byte is '[' (s), up to e: parse the header
 * and switch sections.  Returns 0 if inih should see a section line
 * here, -1 if the line is rejected (no ']'), so that inih sees a blank.
 */
static int
sec_header(struct pst *st, const char *s, const char *e)
{
	const char *rb, *a, *b, *t;
	char q[CFG_QUOTE_BUF];

	if ((rb = memchr(s, ']', (size_t)(e - s))) == NULL) {
		st->cur = SEC_BAD;
		cfg_err(st, st->name, st->lineno, "missing ']'");
		return -1;
	}
	for (t = rb + 1; t < e; t++)
		if (!isspace((unsigned char)*t)) {
			st->cur = SEC_BAD;
			cfg_err(st, st->name, st->lineno, "text after ']'");
			return 0;
		}
	for (a = s + 1; a < rb && isspace((unsigned char)*a); a++)
		continue;
	for (b = rb; b > a && isspace((unsigned char)b[-1]); b--)
		continue;
	if ((size_t)(b - a) == strlen("defaults") &&
	    memcmp(a, "defaults", strlen("defaults")) == 0) {
		st->cur = SEC_BAD;
		if (st->have_def) {
			cfg_err(st, st->name, st->lineno,
			    "duplicate [defaults] (first at line %u)",
			    st->defm.line);
			return 0;
		}
		st->have_def = 1;
		prov_init(&st->defp, &st->defm, st->lineno);
		st->cur = SEC_DEFAULTS;
		return 0;
	}
	t = a + strlen("provider");
	if ((size_t)(b - a) >= strlen("provider") &&
	    memcmp(a, "provider", strlen("provider")) == 0 &&
	    (t == b || isspace((unsigned char)*t))) {
		while (t < b && isspace((unsigned char)*t))
			t++;
		sec_provider(st, t, (size_t)(b - t));
		return 0;
	}
	st->cur = SEC_BAD;
	cfg_err(st, st->name, st->lineno, "unknown section [%s]",
	    quote(q, a, (size_t)(b - a)));
	return 0;
}

/* ---- the line reader inih calls ---- */

/*
 * Reject over-long lines and NUL bytes.  Returns 0 if the line is usable.
 */
int
line_check(
    struct pst *st, const char *file, unsigned line, const char *p, size_t len)
{
	if (len > MAC_CFG_LINE_MAX) {
		cfg_err(st, file, line, "line too long");
		return -1;
	}
	if (memchr(p, '\0', len) != NULL) {
		cfg_err(st, file, line, "NUL byte");
		return -1;
	}
	return 0;
}

/*
 * An ini_reader over the in-memory file.  It classifies each line the way
 * inih's ini_parse_stream() will, so that it knows the line number and
 * the kind of line the handler is called for; it replaces a section
 * header by "[s]" after handling it, and a line it rejected by a blank
 * line, so that inih itself never fails.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct pst *st = stream;
	const char *p, *s, *e;
	size_t len;

	if (!line_next(&st->pos, st->end, &p, &len))
		return NULL;
	st->lineno++;
	st->lkind = LINE_OTHER;
	strcpy(str, "\n");
	if (st->lineno == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		len -= 3;
	}
	if (line_check(st, st->name, st->lineno, p, len) != 0 ||
	    len + 2 > (size_t)num)
		return str;
	e = p + len;
	for (s = p; s < e && isspace((unsigned char)*s); s++)
		continue;
	if (s == e || *s == ';' || *s == '#')
		return str;
	if (st->prev_key && s > p) {
		st->lkind = LINE_CONT;
	} else if (*s == '[') {
		if (sec_header(st, s, e) == 0) {
			st->prev_key = 0;
			strcpy(str, "[s]\n");
		}
		return str;
	} else {
		const char *eq = s;
		while (eq < e && *eq != '=' && *eq != ':')
			eq++;
		if (eq == e) {
			cfg_err(st, st->name, st->lineno,
			    "expected 'key = value', '[section]' or a comment");
			return str;
		}
		st->prev_key = eq > s;
		st->lkind = LINE_KEY;
	}
	memcpy(str, p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/*
 * Run inih over st's in-memory file: cfg_reader() feeds it lines and
 * cfg_handler() (cfg_keys.c) takes each key.  inih's runtime options are
 * globals, so they are set for this parse and put back afterwards; a load
 * runs on one thread.  Returns what ini_parse_stream() returns: 0, the
 * line of a syntax error (cfg_reader() keeps inih from any), or -1 when
 * out of memory.
 */
int
cfg_ini_read(struct pst *st)
{
	static char comment_prefixes[] = ";#";
	int r;
	/* inih's runtime options, saved to be put back. */
	bool o_multiline = ini_allow_multiline, o_bom = ini_allow_bom,
	     o_inline = ini_allow_inline_comments, o_stack = ini_use_stack,
	     o_stop = ini_stop_on_first_error, o_novalue = ini_allow_no_value,
	     o_realloc = ini_allow_realloc;
	char *o_prefixes = ini_start_comment_prefixes;
	int o_maxline = ini_max_line;

	ini_allow_multiline = true;
	ini_allow_bom = false; /* the reader strips it */
	ini_start_comment_prefixes = comment_prefixes;
	ini_allow_inline_comments = false;
	ini_use_stack = true;
	ini_max_line = MAC_CFG_LINE_MAX + 3; /* CR, LF, NUL */
	ini_stop_on_first_error = false;
	ini_allow_no_value = false;
	ini_allow_realloc = false;
	r = ini_parse_stream(cfg_reader, st, cfg_handler, st);
	ini_allow_multiline = o_multiline;
	ini_allow_bom = o_bom;
	ini_start_comment_prefixes = o_prefixes;
	ini_allow_inline_comments = o_inline;
	ini_use_stack = o_stack;
	ini_max_line = o_maxline;
	ini_stop_on_first_error = o_stop;
	ini_allow_no_value = o_novalue;
	ini_allow_realloc = o_realloc;
	return r;
}
