/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: the keys that name domains.
 *
 * domains = a, b, domains-file = PATH (one domain a line) and
 * catch-all = yes: each domain named is entered into the domain table
 * (domtab.c) for the provider being read.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

void
key_catch_all(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	int b;

	(void)m;
	if ((b = bool_parse(v)) == -1) {
		bool_err(st, kd, v);
		return;
	}
	if (b && st->catch_all != 0 && st->catch_all - 1 != st->curi) {
		cfg_err(st, st->name, st->lineno,
		    "provider %s is already the catch-all",
		    st->cfg->providers[st->catch_all - 1].id);
		return;
	}
	p->catch_all = b;
	if (b)
		st->catch_all = st->curi + 1;
}

void
key_domains(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	const char *t;
	size_t tl;
	int n = 0;

	(void)kd;
	(void)p;
	(void)m;
	while (tok_next(&v, " \t,", &t, &tl)) {
		dom_add(st, st->name, st->lineno, t, tl);
		n++;
	}
	if (n == 0)
		cfg_err(st, st->name, st->lineno, "no domain in 'domains'");
}

/*
 * One domain per line; blank lines and lines starting with '#' are
 * skipped.  A relative path is taken from the INI file's directory.
 */
void
key_domains_file(struct pst *st, const struct keydef *kd,
    struct cfg_provider *p, struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF], *path, *data = NULL;
	const char *slash, *pos, *line, *s, *e;
	size_t dirlen = 0, dlen, len, vlen = strlen(v);
	unsigned ln = 0;

	(void)kd;
	(void)p;
	(void)m;
	if (v[0] != '/' && (slash = strrchr(st->name, '/')) != NULL)
		dirlen = (size_t)(slash - st->name) + 1;
	if ((path = malloc(dirlen + vlen + 1)) == NULL) {
		cfg_oom(st, dirlen + vlen + 1);
		return;
	}
	memcpy(path, st->name, dirlen);
	memcpy(path + dirlen, v, vlen + 1);
	switch (file_read(path, &data, &dlen)) {
	case FILE_OK:
		break;
	case FILE_BIG:
		cfg_err(st, st->name, st->lineno,
		    "domains-file %s: larger than %ld bytes",
		    quote(q, path, strlen(path)), MAC_CFG_FILE_MAX);
		goto out;
	default:
		cfg_err(st, st->name, st->lineno,
		    "domains-file %s: cannot open: %s",
		    quote(q, path, strlen(path)), strerror(errno));
		goto out;
	}
	pos = data;
	while (line_next(&pos, data + dlen, &line, &len) != 0 && !st->oom) {
		ln++;
		if (line_check(st, path, ln, line, len) != 0)
			continue;
		for (s = line, e = line + len;
		     s < e && isspace((unsigned char)*s); s++)
			continue;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e || *s == '#')
			continue;
		dom_add(st, path, ln, s, (size_t)(e - s));
	}
out:
	free(data);
	free(path);
}
