/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Loading a configuration for answering: the public entry points.
 *
 * mac_cfg_load() and mac_cfg_load_mem() run the loader (cfg.c), which
 * builds the provider table and knows nothing of answers, then the
 * renderer's preparation (tpl.c: the answers that do not depend on the
 * request), then draw expat's hash salt.  mac_cfg_free() undoes both.
 * The one file that knows both the loader and the renderer; neither
 * knows it (tests/layering.sh).
 */
#include <stdio.h>

#include <openssl/rand.h>

#include "extern.h"

/*
 * A configuration the loader read, completed for answering: the answers
 * that do not depend on the request precomputed, and expat's hash salt
 * drawn.  NULL (the configuration freed, one line in err) when out of
 * memory; cfg NULL passes through.
 */
static struct mac_cfg *
cfg_finish(struct mac_cfg *cfg, const char *name, char *err, size_t errlen)
{
	if (cfg == NULL)
		return NULL;
	/* Every answer that does not depend on the request, ready to copy. */
	if (render_prepare(cfg) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory (%d bytes)\n",
			    name, MAC_OUT_MAX);
		cfg_release(cfg);
		return NULL;
	}
	/* Expat's hash salt for Autodiscover bodies; 0 (RAND_bytes failed)
	 * lets expat draw its own per request. */
	if (RAND_bytes((unsigned char *)&cfg->salt, sizeof(cfg->salt)) != 1)
		cfg->salt = 0;
	return cfg;
}

struct mac_cfg *
mac_cfg_load_mem(
    const char *name, const char *data, size_t len, char *err, size_t errlen)
{
	return cfg_finish(cfg_read_mem(name, data, len, err, errlen),
	    name != NULL ? name : "(config)", err, errlen);
}

struct mac_cfg *
mac_cfg_load(const char *path, char *err, size_t errlen)
{
	return cfg_finish(cfg_read_file(path, err, errlen), path, err, errlen);
}

void
mac_cfg_free(struct mac_cfg *cfg)
{
	if (cfg == NULL)
		return;
	render_release(cfg);
	cfg_release(cfg);
}
