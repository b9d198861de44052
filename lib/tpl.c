/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Precomputed answers: each provider's documents rendered once at load
 * (render_prepare()) with holes where the request's values go, picked and
 * filled in per request (tpl_pick(), tpl_emit()).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "endpoint.h"

int render_no_templates;

/* Escaping modes a hole can record (xml.c's, which are fewer). */
#define TPL_MODES_MAX 4

/* The string a hole's code stands for while a template is rendered. */
const char hole_str[HOLE__END][2] = {
    [HOLE_DOMAIN] = {HOLE_DOMAIN},
    [HOLE_LOCAL] = {HOLE_LOCAL},
    [HOLE_NAME] = {HOLE_NAME},
    [HOLE_IDENT] = {HOLE_IDENT},
    [HOLE_UUID] = {HOLE_UUID},
    [HOLE_UUID_MAIL] = {HOLE_UUID_MAIL},
    [HOLE_UUID_CALDAV] = {HOLE_UUID_CALDAV},
    [HOLE_UUID_CARDDAV] = {HOLE_UUID_CARDDAV},
};

/* What each UUID hole appends to the profile identifier. */
const char *const uuid_suffix[HOLE__END] = {
    [HOLE_UUID] = "",
    [HOLE_UUID_MAIL] = ".mail",
    [HOLE_UUID_CALDAV] = ".caldav",
    [HOLE_UUID_CARDDAV] = ".carddav",
};

/* ---- precomputed answers ---- */

/*
 * The template for this request, or NULL to render it from scratch: while
 * templates are built, when tests turn them off, when the provider has
 * none of this kind, or when the template needs a local part and the
 * request has none.
 */
const struct tpl *
tpl_pick(const struct ask *a, enum tpl_kind k, int needs_local)
{
	const struct tpl *t = &a->prov->tpl[k];

	if (a->building || render_no_templates || t->text == NULL ||
	    (needs_local && a->addr.local.len == 0))
		return NULL;
	return t;
}

/*
 * Write a template with the request's values in its holes; the same bytes
 * as rendering from scratch, without re-escaping the configuration.  The
 * profile identifier and its UUIDs are worked out only if a hole wants
 * them.
 */
enum mac_err
tpl_emit(const struct tpl *t, const struct ask *a, struct mac_resp *r)
{
	/* Where a value went first, escaped for a mode: later holes of the
	 * same kind and mode copy those bytes instead of escaping again. */
	size_t done_off[HOLE__END][TPL_MODES_MAX],
	    done_len[HOLE__END][TPL_MODES_MAX];
	unsigned char done[HOLE__END][TPL_MODES_MAX] = {{0}};
	const struct tpl_hole *h;
	const char *ident = NULL;
	char uuid[37], *id;
	struct mac_str v;
	size_t i, at = 0, n, mark;

	for (i = 0; i < t->nholes; i++) {
		h = &t->holes[i];
		buf_put(&r->body, t->text + at, h->off - at);
		at = h->off;
		if (h->kind < HOLE__END && h->mode < TPL_MODES_MAX &&
		    done[h->kind][h->mode]) {
			buf_put(&r->body,
			    r->body.p + done_off[h->kind][h->mode],
			    done_len[h->kind][h->mode]);
			continue;
		}
		switch (h->kind) {
		case HOLE_DOMAIN:
			v = a->addr.domain;
			break;
		case HOLE_LOCAL:
			v = a->addr.local;
			break;
		case HOLE_NAME:
			v = a->name;
			break;
		default: /* the identifier and the UUIDs made from it */
			if (ident == NULL &&
			    (ident = mc_ident(&r->arena, a)) == NULL)
				return MAC_ENOMEM;
			v.p = ident;
			v.len = strlen(ident);
			if (h->kind == HOLE_IDENT)
				break;
			n = strlen(uuid_suffix[h->kind]);
			if ((id = arena_alloc(&r->arena, v.len + n + 1)) ==
			    NULL)
				return MAC_ENOMEM;
			memcpy(id, v.p, v.len);
			memcpy(id + v.len, uuid_suffix[h->kind], n + 1);
			uuid5(a, uuid, id);
			v.p = uuid;
			v.len = strlen(uuid);
			break;
		}
		mark = r->body.len;
		if (xml_hole(&r->body, h->mode, v.p, v.len) == MAC_OK &&
		    h->kind < HOLE__END && h->mode < TPL_MODES_MAX) {
			done[h->kind][h->mode] = 1;
			done_off[h->kind][h->mode] = mark;
			done_len[h->kind][h->mode] = r->body.len - mark;
		}
	}
	buf_put(&r->body, t->text + at, t->len - at);
	return MAC_OK;
}

static enum mac_err (*const tpl_render[TPL__MAX])(
    const struct ask *, struct mac_resp *) = {
    [TPL_AC] = render_autoconfig,
    [TPL_AC_EVO] = render_autoconfig,
    [TPL_POX] = render_pox,
    [TPL_POX_MS] = render_pox,
    [TPL_JSON_V1] = render_json,
    [TPL_JSON_AS] = render_json,
    [TPL_MC] = render_mobileconfig,
    [TPL_MC_NAME] = render_mobileconfig,
};

/*
 * Render one kind of answer for p with hole codes for the request's
 * values, recording where they land, and keep it in p->tpl[k].  A kind
 * the provider does not offer, or one that fails to render, gets no
 * template: such requests are rendered from scratch and fail the same way
 * there.  Returns -1 only when out of memory.
 */
static int
tpl_build(struct cfg_provider *p, enum tpl_kind k, struct mac_resp *r,
    struct tpl_rec *rec)
{
	struct tpl *t = &p->tpl[k];
	struct ask a;
	enum mac_err e;
	size_t hsize;
	char *mem;

	if ((k == TPL_POX_MS || k == TPL_JSON_AS) && p->activesync == NULL)
		return 0;
	memset(&a, 0, sizeof(a));
	a.prov = p;
	a.building = 1;
	a.addr.domain.p = hole_str[HOLE_DOMAIN];
	a.addr.domain.len = 1;
	a.addr.local.p = hole_str[HOLE_LOCAL];
	a.addr.local.len = 1;
	a.evolution = k == TPL_AC_EVO;
	a.schema = k == TPL_POX_MS ? SCHEMA_MOBILESYNC : SCHEMA_OUTLOOK;
	a.proto = k == TPL_JSON_AS ? V2_ACTIVESYNC : V2_AUTODISCOVERV1;
	if (k == TPL_MC_NAME) {
		a.name.p = hole_str[HOLE_NAME];
		a.name.len = 1;
	}
	buf_reset(&r->body);
	arena_reset(&r->arena);
	memset(rec, 0, sizeof(*rec));
	r->body.rec = rec;
	e = tpl_render[k](&a, r);
	r->body.rec = NULL;
	if (e != MAC_OK || r->body.err != MAC_OK || r->arena.failed ||
	    rec->full)
		return 0;
	hsize = rec->n * sizeof(rec->holes[0]);
	if ((mem = malloc(hsize + r->body.len + 1)) == NULL)
		return -1;
	memcpy(mem, rec->holes, hsize);
	memcpy(mem + hsize, r->body.p, r->body.len);
	t->holes = (struct tpl_hole *)(void *)mem;
	t->nholes = rec->n;
	t->text = mem + hsize;
	t->len = r->body.len;
	return 0;
}

int
render_prepare(struct mac_cfg *cfg)
{
	struct mac_resp r;
	struct tpl_rec rec;
	size_t i;
	int k, rc = 0;

	if (mac_resp_init(&r) != 0)
		return -1;
	/* NULL is no error here: uuid5() falls back to SHA1(). */
	cfg->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	for (i = 0; i < cfg->nproviders && rc == 0; i++)
		for (k = 0; k < TPL__MAX && rc == 0; k++)
			rc = tpl_build(&cfg->providers[i], k, &r, &rec);
	mac_resp_free(&r);
	if (rc != 0)
		render_release(cfg);
	return rc;
}

void
render_release(struct mac_cfg *cfg)
{
	size_t i;
	int k;

	for (i = 0; i < cfg->nproviders; i++)
		for (k = 0; k < TPL__MAX; k++) {
			struct tpl *t = &cfg->providers[i].tpl[k];
			free(t->holes); /* one block with the text */
			memset(t, 0, sizeof(*t));
		}
	EVP_MD_free(cfg->sha1);
	cfg->sha1 = NULL;
}
