/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Thunderbird autoconfig (clientConfig 1.1): the query parser and the
 * renderer.  Its errors are plain text (render_err_text(),
 * render_common.c).
 */
#include <string.h>

#include "endpoint.h"

static const char evolution_user[] = "EVOLUTIONUSER";

/*
 * Thunderbird autoconfig (GET).  With emailaddress, its domain decides;
 * without it (Thunderbird for Android, Delta Chat, KMail), the Host header
 * does, less a leading "autoconfig." and any port.
 */
enum mac_err
parse_autoconfig(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_str tail, struct mac_resp *r, struct ask *a)
{
	struct mac_str v, h;
	enum mac_err e;
	size_t i;

	(void)tail;
	if ((e = query_get(
		 &r->arena, req->query, "emailaddress", &v, &r->why)) != MAC_OK)
		return e;
	if (v.p != NULL) {
		if ((e = ask_address(r, v.p, v.len, a)) != MAC_OK)
			return e;
		a->evolution =
		    a->addr.local.len == sizeof(evolution_user) - 1 &&
		    memcmp(a->addr.local.p, evolution_user,
			sizeof(evolution_user) - 1) == 0;
		return ask_provider(cfg, r, a);
	}
	h = req->host;
	if (h.len == 0) {
		r->why = "no emailaddress and no Host header";
		return MAC_EINPUT;
	}
	if (h.len > MAC_HOST_MAX) {
		r->why = "Host header too long";
		return MAC_EINPUT;
	}
	/* Drop a port; an IPv6 literal is no mail domain. */
	if (h.p[0] == '[') {
		r->why = "Host is an address literal, not a mail domain";
		return MAC_EINPUT;
	}
	for (i = 0; i < h.len && h.p[i] != ':'; i++)
		;
	h.len = i;
	if (h.len > 11 && ascii_caseeq(h.p, 11, "autoconfig.")) {
		h.p += 11;
		h.len -= 11;
	}
	if ((e = addr_domain(
		 &r->arena, h.p, h.len, &a->addr.domain, &r->why)) != MAC_OK)
		return e;
	return ask_provider(cfg, r, a);
}

/* ---- Thunderbird autoconfig (clientConfig 1.1) ---- */

static void
ac_server(struct xml_w *w, struct mac_resp *r, const struct ask *a,
    const struct cfg_server *s)
{
	const char *el =
	    is_incoming(s->type) ? "incomingServer" : "outgoingServer";
	const struct cfg_provider *p = a->prov;
	size_t i;

	xml_open(w, el, "type", srv_type_names[s->type], XML_END);
	xml_elem(
	    w, "hostname", dom_fill(&r->arena, s->host, &a->addr), XML_END);
	xml_elemu(w, "port", s->port);
	xml_elem(w, "socketType", sock_type_names[s->sock], XML_END);
	xml_elem(w, "username", expand(&r->arena, s->username, &a->addr, 0),
	    XML_END);
	for (i = 0; i < s->nauth; i++)
		xml_elem(w, "authentication", auth_method_names[s->auth[i]],
		    XML_END);
	if (s->type == SRV_POP3 && (p->pop3_leave >= 0 || p->pop3_days > 0)) {
		xml_open(w, "pop3", XML_END);
		if (p->pop3_leave >= 0)
			xml_elem(w, "leaveMessagesOnServer",
			    p->pop3_leave ? "true" : "false", XML_END);
		if (p->pop3_days > 0)
			xml_elemu(
			    w, "daysToLeaveMessagesOnServer", p->pop3_days);
		xml_close(w);
	}
	xml_close(w);
}

static void
ac_dav(struct xml_w *w, struct mac_resp *r, const struct ask *a, const char *el,
    const char *type, const char *url)
{
	xml_open(w, el, "type", type, XML_END);
	xml_elem(w, "username",
	    expand(&r->arena, dav_user(a->prov), &a->addr, 0), XML_END);
	xml_elem(w, "authentication", "http-basic", XML_END);
	xml_elem(w, "serverURL", dom_fill(&r->arena, url, &a->addr), XML_END);
	xml_close(w);
}

/*
 * The oAuth2 block.  Thunderbird for Android reads it only inside
 * emailProvider (RealAutoconfigParser.kt); the draft's grammar and the
 * ISPDB place it under clientConfig.  render_autoconfig() writes it in
 * both places, so either reader finds it.
 */
static void
ac_oauth(struct xml_w *w, const struct cfg_provider *p)
{
	if (p->oauth_issuer == NULL)
		return;
	xml_open(w, "oAuth2", XML_END);
	xml_elem(w, "issuer", p->oauth_issuer, XML_END);
	xml_elem(w, "scope", p->oauth_scope, XML_END);
	xml_elem(w, "authURL", p->oauth_auth_url, XML_END);
	xml_elem(w, "tokenURL", p->oauth_token_url, XML_END);
	xml_close(w);
}

/*
 * The enable instruction (<enable visiturl><instruction lang>, where the
 * user must switch IMAP on first) and every documentation link with its
 * texts, each with its language (Mozilla wiki ConfigFileFormat; the
 * grammar's documentation and descr).
 */
static void
ac_texts(struct xml_w *w, struct mac_resp *r, const struct ask *a)
{
	const struct cfg_provider *p = a->prov;
	size_t i, k;

	if (p->enable_url != NULL) {
		xml_open(w, "enable", "visiturl",
		    dom_fill(&r->arena, p->enable_url, &a->addr), XML_END);
		for (k = 0; k < p->nenable; k++)
			xml_elem(w, "instruction", p->enable[k].text, "lang",
			    p->enable[k].lang, XML_END);
		xml_close(w);
	}
	for (i = 0; i < p->ndocs; i++) {
		const struct cfg_doc *d = &p->docs[i];
		const char *url = dom_fill(&r->arena, d->url, &a->addr);
		if (d->ntexts == 0) {
			xml_empty(w, "documentation", "url", url, XML_END);
			continue;
		}
		xml_open(w, "documentation", "url", url, XML_END);
		for (k = 0; k < d->ntexts; k++)
			xml_elem(w, "descr", d->texts[k].text, "lang",
			    d->texts[k].lang, XML_END);
		xml_close(w);
	}
}

/* Attributes id and name of a login form element, those given. */
static void
ac_field(struct xml_w *w, const char *el, const char *id, const char *name)
{
	if (id != NULL && name != NULL)
		xml_empty(w, el, "id", id, "name", name, XML_END);
	else if (id != NULL)
		xml_empty(w, el, "id", id, XML_END);
	else if (name != NULL)
		xml_empty(w, el, "name", name, XML_END);
	else
		xml_empty(w, el, XML_END);
}

/* The webmail login form (loginPageInfo, as the ISPDB writes it). */
static void
ac_login(struct xml_w *w, struct mac_resp *r, const struct ask *a)
{
	const struct cfg_login *l = a->prov->login;

	if (l == NULL)
		return;
	xml_open(w, "loginPageInfo", "url",
	    dom_fill(&r->arena, l->url, &a->addr), XML_END);
	xml_elem(w, "username", expand(&r->arena, l->username, &a->addr, 0),
	    XML_END);
	ac_field(w, "usernameField", l->user_id, l->user_name);
	ac_field(w, "passwordField", l->pass_id, l->pass_name);
	ac_field(w, "loginButton", l->button_id, l->button_name);
	xml_close(w);
}

/*
 * The clientConfig 1.1 document (Mozilla wiki ConfigFileFormat,
 * tests/clients/README.md §3).  Plain-text servers are left out
 * (Thunderbird for Android rejects the whole document for one); servers
 * keep file order, so port-443 (ALPN) servers come last, where Delta
 * Chat tries them and Thunderbird never takes them; Evolution's
 * EVOLUTIONUSER request gets one server per type, since Evolution lets
 * the last one win, and none on port 443, since it sends no ALPN
 * (tests/clients/README.md §8).
 */
enum mac_err
render_autoconfig(const struct ask *a, struct mac_resp *r)
{
	const struct cfg_provider *p = a->prov;
	int seen[SRV__MAX] = {0};
	const struct tpl *t;
	struct xml_w w;
	size_t i;
	int out;

	if ((t = tpl_pick(a, a->evolution ? TPL_AC_EVO : TPL_AC, 0)) != NULL)
		return tpl_emit(t, a, r);
	xml_init(&w, &r->body, 1, a->rec);
	xml_decl(&w);
	xml_open(&w, "clientConfig", "version", "1.1", XML_END);
	xml_open(&w, "emailProvider", "id", p->id, XML_END);
	xml_elemn(&w, "domain", a->addr.domain.p, a->addr.domain.len);
	xml_elem(&w, "displayName",
	    dom_fill(&r->arena, p->display_name, &a->addr), XML_END);
	xml_elem(&w, "displayShortName",
	    dom_fill(&r->arena, p->short_name, &a->addr), XML_END);
	for (out = 0; out < 2; out++)
		for (i = 0; i < p->nservers; i++) {
			const struct cfg_server *s = &p->servers[i];
			if (is_incoming(s->type) == out ||
			    s->sock == SOCK_PLAIN)
				continue;
			if (a->evolution && (s->alpn || seen[s->type]++))
				continue;
			ac_server(&w, r, a, s);
		}
	ac_texts(&w, r, a);
	ac_oauth(&w, p);
	xml_close(&w); /* emailProvider */
	if (p->carddav != NULL)
		ac_dav(&w, r, a, "addressBook", "carddav", p->carddav);
	if (p->caldav != NULL)
		ac_dav(&w, r, a, "calendar", "caldav", p->caldav);
	if (p->webmail != NULL || p->login != NULL) {
		xml_open(&w, "webMail", XML_END);
		if (p->webmail != NULL)
			xml_empty(&w, "loginPage", "url",
			    dom_fill(&r->arena, p->webmail, &a->addr), XML_END);
		ac_login(&w, r, a);
		xml_close(&w);
	}
	ac_oauth(&w, p);
	if (p->config_update_url != NULL)
		xml_empty(&w, "clientConfigUpdate", "url", p->config_update_url,
		    XML_END);
	xml_end(&w);
	return MAC_OK;
}
