/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * The domain table: every configured domain, normalised, in one
 * open-addressing hash table, and cfg_find(), the lookup every request
 * makes.  The loader fills it through dom_add() and dtab_link(); after a
 * load it is only read, by any number of threads at once.
 */

#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

#define FNV32_OFFSET 2166136261u /* FNV-1a 32-bit parameters */
#define FNV32_PRIME 16777619u

/*
 * FNV-1a, 32 bits (draft-eastlake-fnv).  Used for the domain table and
 * by cfg_find(); never exposed to clients.
 */
uint32_t
cfg_hash(const char *s, size_t len)
{
	uint32_t h = FNV32_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV32_PRIME;
	}
	return h;
}

/* ---- domains ---- */

/* Double the domain table (or create it) and rehash.  Returns 0 or -1. */
static int
dtab_grow(struct pst *st)
{
	struct mac_cfg *cfg = st->cfg;
	size_t ncap = cfg->dcap != 0 ? cfg->dcap * 2 : CFG_TAB_MIN;
	size_t i, j, mask = ncap - 1;
	struct cfg_domain *nt;
	uint32_t *np;

	nt = calloc(ncap, sizeof(*nt));
	np = calloc(ncap, sizeof(*np));
	if (nt == NULL || np == NULL) {
		free(nt);
		free(np);
		cfg_oom(st, ncap * (sizeof(*nt) + sizeof(*np)));
		return -1;
	}
	for (i = 0; i < cfg->dcap; i++) {
		if (cfg->dtab[i].name == NULL)
			continue;
		for (j = cfg->dtab[i].hash & mask; nt[j].name != NULL;
		     j = (j + 1) & mask)
			continue;
		nt[j] = cfg->dtab[i];
		np[j] = st->dprov[i];
	}
	free(cfg->dtab);
	free(st->dprov);
	cfg->dtab = nt;
	st->dprov = np;
	cfg->dcap = ncap;
	return 0;
}

/*
 * Normalise one domain and enter it for the current provider; file and
 * line place any problem (the INI file or a domains-file).
 */
void
dom_add(
    struct pst *st, const char *file, unsigned line, const char *s, size_t len)
{
	struct mac_cfg *cfg = st->cfg;
	char d[MAC_DOMAIN_MAX + 1], q[CFG_QUOTE_BUF];
	const char *why;
	size_t dlen, i, mask;
	uint32_t h;
	struct cfg_domain *e;

	if (dom_norm(s, len, d, &dlen, &why) != MAC_OK) {
		cfg_err(st, file, line, "bad domain '%s': %s", quote(q, s, len),
		    why);
		return;
	}
	if (cfg->ndomains >= MAC_CFG_DOMAINS_MAX) {
		cfg_err(st, file, line, "too many domains (max %d)",
		    MAC_CFG_DOMAINS_MAX);
		return;
	}
	if ((cfg->ndomains + 1) * 2 > cfg->dcap && dtab_grow(st) == -1)
		return;
	h = cfg_hash(d, dlen);
	mask = cfg->dcap - 1;
	for (i = h & mask; cfg->dtab[i].name != NULL; i = (i + 1) & mask) {
		e = &cfg->dtab[i];
		if (e->hash == h && e->len == dlen &&
		    memcmp(e->name, d, dlen) == 0) {
			cfg_err(st, file, line,
			    "domain %s is already served by provider %s",
			    quote(q, d, dlen), cfg->providers[st->dprov[i]].id);
			return;
		}
	}
	e = &cfg->dtab[i];
	if ((e->name = pool_strndup(st, d, dlen)) == NULL)
		return;
	e->len = dlen;
	e->hash = h;
	e->seq = (uint32_t)cfg->ndomains; /* below MAC_CFG_DOMAINS_MAX */
	e->prov = NULL; /* set once the provider array stops moving */
	st->dprov[i] = (uint32_t)st->curi;
	cfg->ndomains++;
	st->metas[st->curi].ndomains++;
}

/*
 * Point every domain, and the catch-all, at its provider: once the
 * provider array has stopped moving, after a load without problems.
 */
void
dtab_link(struct pst *st)
{
	struct mac_cfg *cfg = st->cfg;
	size_t i;

	for (i = 0; i < cfg->dcap; i++)
		if (cfg->dtab[i].name != NULL)
			cfg->dtab[i].prov = &cfg->providers[st->dprov[i]];
	if (st->catch_all != 0)
		cfg->catch_all = &cfg->providers[st->catch_all - 1];
}

/*
 * Find the provider serving dom (lower-case ASCII, len bytes): O(1)
 * expected through the open-addressing table, else the catch-all
 * provider, else NULL.  Safe to call from many threads at once.
 */
const struct cfg_provider *
cfg_find(const struct mac_cfg *cfg, const char *dom, size_t len)
{
	size_t i, mask;
	uint32_t h;
	const struct cfg_domain *e;

	if (cfg->dcap == 0)
		return cfg->catch_all;
	h = cfg_hash(dom, len);
	mask = cfg->dcap - 1;
	for (i = h & mask; (e = &cfg->dtab[i])->name != NULL;
	     i = (i + 1) & mask)
		if (e->hash == h && e->len == len &&
		    memcmp(e->name, dom, len) == 0)
			return e->prov;
	return cfg->catch_all;
}

/* ---- listing, for the operator's toolkit ---- */

/*
 * The listed domains in the order of the configuration: each entry's seq
 * is its place (dom_add() numbers them 0, 1, ... as it enters them), so
 * no sorting is needed.  See lib/mailautoconf.h.
 */
enum mac_err
mac_cfg_domains(const struct mac_cfg *cfg, const char ***out, size_t *n)
{
	const char **v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (cfg->ndomains == 0)
		return MAC_OK;
	if ((v = calloc(cfg->ndomains, sizeof(*v))) == NULL) {
		mac_log("%s: out of memory for %zu domains", __func__,
		    cfg->ndomains);
		return MAC_ENOMEM;
	}
	for (i = 0; i < cfg->dcap; i++)
		if (cfg->dtab[i].name != NULL &&
		    cfg->dtab[i].seq < cfg->ndomains)
			v[cfg->dtab[i].seq] = cfg->dtab[i].name;
	*out = v;
	*n = cfg->ndomains;
	return MAC_OK;
}

/* Normalise an operator's domain and check that cfg serves it. */
enum mac_err
mac_cfg_domain(
    const struct mac_cfg *cfg, const char *in, char *out, const char **why)
{
	size_t len;

	if (dom_norm(in, strlen(in), out, &len, why) != MAC_OK)
		return MAC_EINPUT;
	if (cfg_find(cfg, out, len) == NULL) {
		*why = "no provider serves it";
		return MAC_ENODOMAIN;
	}
	return MAC_OK;
}

const char *
mac_cfg_domain_provider(const struct mac_cfg *cfg, const char *dom)
{
	const struct cfg_provider *p = cfg_find(cfg, dom, strlen(dom));

	return p != NULL ? p->id : NULL;
}

const char *
mac_cfg_catch_all(const struct mac_cfg *cfg)
{
	return cfg->catch_all != NULL ? cfg->catch_all->id : NULL;
}
