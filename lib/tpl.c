/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Precomputed answers: each provider's documents rendered once after
 * loading (render_prepare(), into the configuration's table beside its
 * providers: the loader knows nothing of them) with hole codes for the
 * request's values, recorded by the escaping writer as a list of literal
 * segments and holes (each hole with its kind and escaping), then picked and
 * filled in per request (tpl_pick(), tpl_emit()).  A hole's code is a C0
 * control byte; before a provider's answers are rendered, tpl_build() checks
 * that none of its configured texts holds one, so a configured byte can never
 * be taken for a hole.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "endpoint.h"

int render_no_templates;

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
	const struct tpl *t;

	if (a->rec != NULL || render_no_templates)
		return NULL;
	t = &a->prov->tpl[k];
	if (t->text == NULL || (needs_local && a->addr.local.len == 0))
		return NULL;
	return t;
}

/*
 * Write a template's segments, with the request's values in its holes;
 * the same bytes as rendering from scratch, without re-escaping the
 * configuration.  The profile identifier and its UUIDs are worked out
 * only if a hole wants them.
 */
enum mac_err
tpl_emit(const struct tpl *t, const struct ask *a, struct mac_resp *r)
{
	/* Where a value went first, escaped for a mode: later holes of the
	 * same kind and mode copy those bytes instead of escaping again. */
	size_t done_off[HOLE__END][ESC__MAX], done_len[HOLE__END][ESC__MAX];
	unsigned char done[HOLE__END][ESC__MAX] = {{0}};
	const struct tpl_seg *sg;
	const char *ident = NULL;
	char uuid[37], *id;
	struct mac_str v;
	size_t i, n, mark;

	for (i = 0; i < t->nsegs; i++) {
		sg = &t->segs[i];
		if (sg->hole == HOLE_NONE) {
			buf_put(&r->body, t->text + sg->off, sg->len);
			continue;
		}
		if (done[sg->hole][sg->esc]) {
			buf_put(&r->body,
			    r->body.p + done_off[sg->hole][sg->esc],
			    done_len[sg->hole][sg->esc]);
			continue;
		}
		switch (sg->hole) {
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
			if (sg->hole == HOLE_IDENT)
				break;
			n = strlen(uuid_suffix[sg->hole]);
			if ((id = arena_alloc(&r->arena, v.len + n + 1)) ==
			    NULL)
				return MAC_ENOMEM;
			memcpy(id, v.p, v.len);
			memcpy(id + v.len, uuid_suffix[sg->hole], n + 1);
			if (uuid5(a, uuid, id) != 0)
				return MAC_ENOMEM;
			v.p = uuid;
			v.len = strlen(uuid);
			break;
		}
		mark = r->body.len;
		if (xml_hole(&r->body, sg->esc, v.p, v.len) == MAC_OK) {
			done[sg->hole][sg->esc] = 1;
			done_off[sg->hole][sg->esc] = mark;
			done_len[sg->hole][sg->esc] = r->body.len - mark;
		}
	}
	return MAC_OK;
}

/*
 * Whether s holds a hole's code (HOLE_DOMAIN to HOLE__END - 1).  NULL (a
 * text not configured) holds none.
 */
static int
tpl_has_code(const char *s)
{
	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < HOLE__END)
			return 1;
	return 0;
}

/*
 * Every configured text of a provider a renderer may write, by its place
 * in struct cfg_provider; with the servers' hosts and username templates,
 * all that tpl_clean() checks.  test_handle compares it with the loader's
 * key table.
 */
static const size_t prov_texts[] = {
    offsetof(struct cfg_provider, id),
    offsetof(struct cfg_provider, display_name),
    offsetof(struct cfg_provider, short_name),
    offsetof(struct cfg_provider, caldav),
    offsetof(struct cfg_provider, carddav),
    offsetof(struct cfg_provider, webmail),
    offsetof(struct cfg_provider, enable_url),
    offsetof(struct cfg_provider, activesync),
    offsetof(struct cfg_provider, autodiscover_url),
    offsetof(struct cfg_provider, config_update_url),
    offsetof(struct cfg_provider, oauth_issuer),
    offsetof(struct cfg_provider, oauth_scope),
    offsetof(struct cfg_provider, oauth_auth_url),
    offsetof(struct cfg_provider, oauth_token_url),
    offsetof(struct cfg_provider, mc_org),
    offsetof(struct cfg_provider, mc_prefix),
    offsetof(struct cfg_provider, mc_sign_cert), /* never rendered */
    offsetof(struct cfg_provider, mc_sign_key),
    offsetof(struct cfg_provider, mc_sign_chain),
    offsetof(struct cfg_provider, mc_url), /* QR codes only */
};

/* The same for the lists: documentation links and their texts, the
 * enable instruction's texts, the login form and the setup notes. */
static int
tpl_clean_lists(const struct cfg_provider *p)
{
	const struct cfg_login *l = p->login;
	size_t i, k;

	for (i = 0; i < p->ndocs; i++) {
		if (tpl_has_code(p->docs[i].url))
			return 0;
		for (k = 0; k < p->docs[i].ntexts; k++)
			if (tpl_has_code(p->docs[i].texts[k].lang) ||
			    tpl_has_code(p->docs[i].texts[k].text))
				return 0;
	}
	for (i = 0; i < p->nenable; i++)
		if (tpl_has_code(p->enable[i].lang) ||
		    tpl_has_code(p->enable[i].text))
			return 0;
	for (i = 0; i < p->nnotes; i++)
		if (tpl_has_code(p->notes[i].text))
			return 0;
	return l == NULL ||
	       !(tpl_has_code(l->url) || tpl_has_code(l->username) ||
		   tpl_has_code(l->user_id) || tpl_has_code(l->user_name) ||
		   tpl_has_code(l->pass_id) || tpl_has_code(l->pass_name) ||
		   tpl_has_code(l->button_id) || tpl_has_code(l->button_name));
}

/*
 * The invariant templates rest on: no configured text of p holds a hole's
 * code, so every such byte the writer meets while recording is a hole.
 * The loader's validators refuse control bytes; this holds them to it.
 * Returns 1 when p is clean.
 */
static int
tpl_clean(const struct cfg_provider *p)
{
	const char *s;
	size_t i;

	for (i = 0; i < sizeof(prov_texts) / sizeof(prov_texts[0]); i++) {
		memcpy(&s, (const char *)p + prov_texts[i], sizeof(s));
		if (tpl_has_code(s))
			return 0;
	}
	for (i = 0; i < p->nservers; i++)
		if (tpl_has_code(p->servers[i].host) ||
		    tpl_has_code(p->servers[i].username))
			return 0;
	return tpl_clean_lists(p);
}

/*
 * Whether a recording's segments are whole: holes of a known kind and
 * escaping, literals inside the text and in order.
 */
static int
tpl_segs_ok(const struct tpl_rec *rec, size_t len)
{
	const struct tpl_seg *sg;
	size_t i, at = 0;

	for (i = 0; i < rec->n; i++) {
		sg = &rec->segs[i];
		if (sg->off != at)
			return 0;
		if (sg->hole == HOLE_NONE) {
			if (sg->len == 0 || sg->len > len - at)
				return 0;
			at += sg->len;
		} else if (sg->hole >= HOLE__END || sg->esc >= ESC__MAX ||
			   sg->len != 0)
			return 0;
	}
	return at == len;
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
 * values, recorded as segments, and keep it in t.  Anything but
 * TPL_BUILT leaves t empty, and such requests are rendered from
 * scratch: a kind the provider does not offer, one that fails to render
 * (it fails the same way per request), one with a value that has no hole,
 * or a provider whose configured text holds a hole's code (a loader bug:
 * logged).  TPL_ENOMEM fails the load.
 */
static enum tpl_res
tpl_build(const struct cfg_provider *p, enum tpl_kind k, struct tpl *t,
    struct mac_resp *r, struct tpl_rec *rec)
{
	struct ask a;
	enum mac_err e;
	size_t ssize;
	char *mem;

	if ((k == TPL_POX_MS || k == TPL_JSON_AS) && p->activesync == NULL)
		return TPL_ABSENT;
	if (!tpl_clean(p)) {
		mac_log("%s: provider %s: a configured text holds a control "
			"byte; its answers are rendered per request",
		    __func__, p->id);
		return TPL_UNSAFE;
	}
	memset(&a, 0, sizeof(a));
	memset(rec, 0, sizeof(*rec));
	a.prov = p;
	a.rec = rec;
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
	e = tpl_render[k](&a, r);
	xml_rec_end(rec, &r->body);
	if (e != MAC_OK || r->body.err != MAC_OK || r->arena.failed)
		return TPL_UNFIT;
	if (rec->res != TPL_BUILT)
		return rec->res;
	if (!tpl_segs_ok(rec, r->body.len))
		return TPL_UNFIT;
	ssize = rec->n * sizeof(rec->segs[0]);
	if ((mem = malloc(ssize + r->body.len + 1)) == NULL) {
		mac_log("%s: malloc(%zu) failed", __func__,
		    ssize + r->body.len + 1);
		return TPL_ENOMEM;
	}
	memcpy(mem, rec->segs, ssize);
	memcpy(mem + ssize, r->body.p, r->body.len);
	t->segs = (struct tpl_seg *)(void *)mem;
	t->nsegs = rec->n;
	t->text = mem + ssize;
	t->len = r->body.len;
	return TPL_BUILT;
}

int
render_prepare(struct mac_cfg *cfg)
{
	struct mac_resp r;
	struct tpl_rec rec;
	enum tpl_res res = TPL_BUILT;
	size_t i;
	int k;

	if ((cfg->tpl = calloc(cfg->nproviders, sizeof(*cfg->tpl))) == NULL &&
	    cfg->nproviders > 0) {
		mac_log("%s: calloc(%zu, %zu) failed", __func__,
		    cfg->nproviders, sizeof(*cfg->tpl));
		return -1;
	}
	for (i = 0; i < cfg->nproviders; i++)
		cfg->providers[i].tpl = cfg->tpl[i];
	if (mac_resp_init(&r) != 0) {
		render_release(cfg);
		return -1;
	}
	/* NULL is no error here: uuid5() falls back to EVP_sha1(). */
	cfg->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	for (i = 0; i < cfg->nproviders && res != TPL_ENOMEM; i++)
		for (k = 0; k < TPL__MAX; k++) {
			res = tpl_build(
			    &cfg->providers[i], k, &cfg->tpl[i][k], &r, &rec);
			/* Out of memory, or unsafe for every kind (logged). */
			if (res == TPL_ENOMEM || res == TPL_UNSAFE)
				break;
		}
	mac_resp_free(&r);
	if (res == TPL_ENOMEM) {
		render_release(cfg);
		return -1;
	}
	return 0;
}

void
render_release(struct mac_cfg *cfg)
{
	size_t i;
	int k;

	for (i = 0; cfg->tpl != NULL && i < cfg->nproviders; i++) {
		for (k = 0; k < TPL__MAX; k++)
			free(cfg->tpl[i][k].segs); /* one block with the text */
		cfg->providers[i].tpl = NULL;
	}
	free(cfg->tpl);
	cfg->tpl = NULL;
	EVP_MD_free(cfg->sha1);
	cfg->sha1 = NULL;
}
