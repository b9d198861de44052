/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: its entry points.
 *
 * cfg_read_file() reads the INI provider table (see mailautoconf.ini(5))
 * and cfg_read_mem() turns it into one new struct mac_cfg: it runs the
 * INI reader (cfg_ini.c), which hands each key to the key table
 * (cfg_keys.c), completes every provider against [defaults]
 * (cfg_resolve.c) and links the domain table (domtab.c) to the
 * providers.  The strings of a configuration live in one pool, kept here
 * and freed by cfg_release().  The loader knows nothing of answers:
 * load.c's mac_cfg_load() runs it, then the renderer's preparation.
 *
 * A load either returns a complete configuration or NULL with one
 * "file:line: reason" line per problem (cfg_err.c).  Loading runs on one
 * thread; nothing in the loader may be called on the request path
 * except cfg_find() and cfg_hash() (domtab.c), which only read.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

/* ---- string pool ---- */

/* Copy s (len bytes, then a NUL) into the pool; NULL when out of memory. */
char *
pool_strndup(struct pst *st, const char *s, size_t len)
{
	struct pool_chunk *c = st->mem->chunks;
	char *p;

	if (c == NULL || c->cap - c->used < len + 1) {
		size_t cap =
		    len + 1 > CFG_POOL_CHUNK ? len + 1 : CFG_POOL_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL) {
			cfg_oom(st, sizeof(*c) + cap);
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		c->next = st->mem->chunks;
		st->mem->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

/*
 * size zeroed bytes from the pool, aligned for any object; NULL when out
 * of memory.  For the loader's small fixed arrays (cfg_texts.c).
 */
void *
pool_zalloc(struct pst *st, size_t size)
{
	const size_t al = _Alignof(max_align_t);
	struct pool_chunk *c = st->mem->chunks;
	size_t at = 0;
	char *p;

	if (c != NULL)
		at = c->used +
		     (al - (size_t)((uintptr_t)(c->data + c->used) % al)) % al;
	if (c == NULL || at > c->cap || c->cap - at < size) {
		size_t cap =
		    size + al > CFG_POOL_CHUNK ? size + al : CFG_POOL_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL) {
			cfg_oom(st, sizeof(*c) + cap);
			return NULL;
		}
		c->cap = cap;
		c->next = st->mem->chunks;
		st->mem->chunks = c;
		at = (al - (size_t)((uintptr_t)c->data % al)) % al;
	}
	p = c->data + at;
	memset(p, 0, size);
	c->used = at + size;
	return p;
}

/* ---- entry points ---- */

struct mac_cfg *
cfg_read_mem(
    const char *name, const char *data, size_t len, char *err, size_t errlen)
{
	struct pst st;
	struct mac_cfg *cfg;
	size_t i;
	int r;

	memset(&st, 0, sizeof(st));
	st.name = name != NULL ? name : "(config)";
	st.pos = data;
	st.end = data != NULL ? data + len : data;
	st.errs.buf = err;
	st.errs.cap = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (st.mem = calloc(1, sizeof(*st.mem))) == NULL) {
		free(cfg);
		errs_add(&st.errs, st.name, 0, "out of memory (%zu bytes)",
		    sizeof(*cfg) + sizeof(*st.mem));
		return NULL;
	}
	cfg->mem = st.mem;
	st.cfg = cfg;
	if ((cfg->warn = malloc(MAC_CFG_ERR_MAX)) == NULL) {
		errs_add(&st.errs, st.name, 0, "out of memory (%d bytes)",
		    MAC_CFG_ERR_MAX);
		cfg_release(cfg);
		return NULL;
	}
	cfg->warn[0] = '\0';
	st.warns.buf = cfg->warn;
	st.warns.cap = MAC_CFG_ERR_MAX;

	r = cfg_ini_read(&st);

	st.cur = SEC_NONE;
	if (r > 0) /* cfg_reader() should have kept inih from this */
		cfg_err(&st, st.name, (unsigned)r, "syntax error");
	else if (r < 0)
		cfg_oom(&st, MAC_CFG_LINE_MAX);
	if (st.nheaders == 0)
		cfg_err(&st, st.name, 1, "no [provider] section");
	for (i = 0; i < cfg->nproviders && !st.oom; i++)
		prov_resolve(&st, i);
	if (st.errs.n == 0)
		dtab_link(&st);
	free(st.dprov);
	free(st.ptab);
	free(st.metas);
	if (st.errs.n != 0) {
		cfg_release(cfg);
		return NULL;
	}
	return cfg;
}

struct mac_cfg *
cfg_read_file(const char *path, char *err, size_t errlen)
{
	struct errs e;
	struct mac_cfg *cfg;
	char *data;
	size_t len;

	memset(&e, 0, sizeof(e));
	e.buf = err;
	e.cap = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	switch (file_read(path, &data, &len)) {
	case FILE_OK:
		break;
	case FILE_BIG:
		errs_add(
		    &e, path, 0, "larger than %ld bytes", MAC_CFG_FILE_MAX);
		return NULL;
	default:
		errs_add(&e, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	cfg = cfg_read_mem(path, data, len, err, errlen);
	free(data);
	return cfg;
}

void
cfg_release(struct mac_cfg *cfg)
{
	struct cfg_mem *mem;
	struct pool_chunk *c, *next;

	if (cfg == NULL)
		return;
	signers_free(cfg);
	free(cfg->warn);
	if ((mem = cfg->mem) != NULL) {
		for (c = mem->chunks; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
		free(mem);
	}
	free(cfg->providers);
	free(cfg->dtab);
	free(cfg);
}

const char *
mac_cfg_warnings(const struct mac_cfg *cfg)
{
	return cfg != NULL && cfg->warn != NULL ? cfg->warn : "";
}

size_t
mac_cfg_nproviders(const struct mac_cfg *cfg)
{
	return cfg != NULL ? cfg->nproviders : 0;
}

size_t
mac_cfg_ndomains(const struct mac_cfg *cfg)
{
	return cfg != NULL ? cfg->ndomains : 0;
}
