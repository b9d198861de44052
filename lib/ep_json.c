/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Autodiscover v2 (JSON): the query and path parser, the renderer and
 * the JSON error answer.
 */
#include <string.h>

#include "endpoint.h"

/*
 * Autodiscover v2 (JSON): the address comes from Email= or from the path
 * tail "v1.0/<address>"; Protocol is compared without regard to case and
 * defaults to AutodiscoverV1.
 */
enum mac_err
parse_json(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_str tail, struct mac_resp *r, struct ask *a)
{
	struct mac_str em, pr;
	enum mac_err e;

	if (tail.p != NULL) {
		if (tail.len < 5 || !ascii_caseeq(tail.p, 5, "v1.0/")) {
			r->why = "no such endpoint";
			return MAC_ENOROUTE;
		}
		em.p = tail.p + 5;
		em.len = tail.len - 5;
	} else {
		if ((e = query_get(&r->arena, req->query, "Email", &em,
			 &r->why)) != MAC_OK)
			return e;
		if (em.p == NULL) {
			r->why = "missing Email parameter";
			return MAC_EINPUT;
		}
	}
	if ((e = ask_address(r, em.p, em.len, a)) != MAC_OK)
		return e;
	if ((e = query_get(&r->arena, req->query, "Protocol", &pr, &r->why)) !=
	    MAC_OK)
		return e;
	if (pr.p == NULL || ascii_caseeq(pr.p, pr.len, "autodiscoverv1"))
		a->proto = V2_AUTODISCOVERV1;
	else if (ascii_caseeq(pr.p, pr.len, "activesync"))
		a->proto = V2_ACTIVESYNC;
	else {
		r->why = "Protocol is not offered; use AutodiscoverV1 or "
			 "ActiveSync";
		return MAC_EPROTOCOL;
	}
	if ((e = ask_provider(cfg, r, a)) != MAC_OK)
		return e;
	if (a->proto == V2_ACTIVESYNC && a->prov->activesync == NULL) {
		r->why = "ActiveSync is not offered for this domain";
		return MAC_EPROTOCOL;
	}
	return MAC_OK;
}

/* ---- Autodiscover v2 (JSON) ---- */

static void
json_pair(struct xml_w *w, const char *k, const char *v, int first)
{
	buf_puts(w->b, first ? "{" : ",");
	xml_json(w, k, strlen(k));
	buf_putc(w->b, ':');
	xml_json(w, v, strlen(v));
}

/*
 * {"Protocol":"AutodiscoverV1","Url":"https://autodiscover.<domain>/
 * autodiscover/autodiscover.xml"} (tests/clients/README.md §5).  The URL
 * comes from the configuration or the address's domain, never from Host.
 */
enum mac_err
render_json(const struct ask *a, struct mac_resp *r)
{
	const struct cfg_provider *p = a->prov;
	const struct tpl *t;
	const char *url;
	struct xml_w w;

	t = tpl_pick(
	    a, a->proto == V2_ACTIVESYNC ? TPL_JSON_AS : TPL_JSON_V1, 0);
	if (t != NULL)
		return tpl_emit(t, a, r);
	xml_init(&w, &r->body, 0, a->rec);
	if (a->proto == V2_ACTIVESYNC) {
		json_pair(&w, "Protocol", "ActiveSync", 1);
		url = p->activesync;
	} else {
		json_pair(&w, "Protocol", "AutodiscoverV1", 1);
		url = p->autodiscover_url;
		if (url == NULL)
			url = expand(&r->arena,
			    "https://autodiscover.%EMAILDOMAIN%"
			    "/autodiscover/autodiscover.xml",
			    &a->addr, 0);
		if (url == NULL)
			return MAC_ENOMEM;
	}
	json_pair(&w, "Url", url, 0);
	buf_putc(&r->body, '}');
	return MAC_OK;
}

/* The v2 ErrorCode for each error, in Exchange's style. */
static const char *const json_codes[MAC__MAX] = {
    [MAC_OK] = "InternalServerError",
    [MAC_ENOMEM] = "InternalServerError",
    [MAC_EINPUT] = "InvalidRequest",
    [MAC_ENOROUTE] = "NotFound",
    [MAC_ENODOMAIN] = "NotFound",
    [MAC_EMETHOD] = "MethodNotAllowed",
    [MAC_ETOOBIG] = "InvalidRequest",
    [MAC_EPROTOCOL] = "InvalidProtocol",
    [MAC_ENOSCHEMA] = "InvalidProtocol",
    [MAC_ENOREQUEST] = "InvalidRequest",
};

void
render_err_json(enum mac_err e, const struct ask *a, struct mac_resp *r)
{
	struct xml_w w;

	(void)a;
	r->content_type = CT_JSON;
	xml_init(&w, &r->body, 0, NULL);
	json_pair(&w, "ErrorCode", json_codes[e], 1);
	json_pair(
	    &w, "ErrorMessage", r->why != NULL ? r->why : mac_strerror(e), 0);
	buf_putc(&r->body, '}');
}
