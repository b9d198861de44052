/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: completing each provider once the file is read.
 *
 * What a provider does not set is taken from [defaults], then the
 * documented defaults are filled in, each server gets its
 * authentication list and username, and the rules that span keys are
 * checked.
 */

#include <string.h>

#include "cfg_int.h"

static const char default_username[] = "%EMAILADDRESS%";

/* Copy the field kd describes (string or number) from one provider. */
static void
field_copy(struct cfg_provider *to, const struct cfg_provider *from,
    const struct keydef *kd)
{
	size_t n;

	switch (kd->field) {
	case FIELD_STR:
		n = sizeof(const char *);
		break;
	case FIELD_UINT:
		n = sizeof(unsigned);
		break;
	case FIELD_INT:
		n = sizeof(int);
		break;
	default:
		return;
	}
	memcpy((char *)to + kd->off, (const char *)from + kd->off, n);
}

/* ---- after parsing ---- */

/* Default PayloadIdentifier prefix: the id reversed label by label. */
static const char *
id_reverse(struct pst *st, const char *id)
{
	char out[MAC_DOMAIN_MAX + 1];
	size_t len = strlen(id), o = 0, end = len, i;

	for (i = len; i > 0; i--) {
		if (id[i - 1] != '.')
			continue;
		memcpy(out + o, id + i, end - i);
		o += end - i;
		out[o++] = '.';
		end = i - 1;
	}
	memcpy(out + o, id, end);
	o += end;
	return pool_strndup(st, out, o);
}

/*
 * Complete provider i: take what it does not set from [defaults], fill
 * in the documented defaults, give each server its authentication list
 * and username, then check the rules that span keys.  Problems are
 * reported at the line they come from, or at the [provider] line.
 */
void
prov_resolve(struct pst *st, size_t i)
{
	struct cfg_provider *p = &st->cfg->providers[i];
	struct sec_meta *m = &st->metas[i];
	const struct cfg_provider *dp = &st->defp;
	const struct sec_meta *dm = &st->defm;
	struct cfg_server *srv;
	size_t k, s;
	int in = 0, out = 0, oauth = 0, alpn = 0;

	st->cur = SEC_PROVIDER;
	st->curi = i;
	prov_texts_inherit(st, p, m, dp, dm);
	for (k = 0; st->have_def && k < KEY__MAX; k++) {
		if (m->kline[k] != 0 || dm->kline[k] == 0)
			continue;
		m->kline[k] = dm->kline[k];
		switch (key_table[k].field) {
		case FIELD_SERVERS:
			memcpy(p->servers, dp->servers, sizeof(p->servers));
			memcpy(m->srv, dm->srv, sizeof(m->srv));
			p->nservers = dp->nservers;
			break;
		case FIELD_AUTH:
			memcpy(m->auth, dm->auth, sizeof(m->auth));
			m->nauth = dm->nauth;
			break;
		case FIELD_USER:
			m->username = dm->username;
			break;
		default:
			field_copy(p, dp, &key_table[k]);
			break;
		}
	}
	if (p->display_name == NULL)
		p->display_name = p->id;
	if (p->short_name == NULL)
		p->short_name = p->display_name;
	if (p->mc_prefix == NULL &&
	    (p->mc_prefix = id_reverse(st, p->id)) == NULL)
		return;
	if (m->nauth == 0) {
		m->auth[0] = AUTH_PASSWORD_CLEARTEXT;
		m->nauth = 1;
	}
	if (m->username == NULL)
		m->username = default_username;
	for (s = 0; s < p->nservers; s++) {
		srv = &p->servers[s];
		if (!m->srv[s].has_auth) {
			memcpy(srv->auth, m->auth, sizeof(srv->auth));
			srv->nauth = m->nauth;
			for (k = 0; srv->type != SRV_SMTP && k < m->nauth; k++)
				if (m->auth[k] == AUTH_SMTP_AFTER_POP)
					cfg_err(st, st->name,
					    m->kline[KEY_AUTH],
					    "smtp-after-pop is only for smtp "
					    "servers, not %s %s",
					    srv_type_names[srv->type],
					    srv->host);
		}
		if (!m->srv[s].has_user)
			srv->username = m->username;
		/* ALPN servers do not count: most answers leave them out. */
		alpn |= srv->alpn;
		if (srv->sock == SOCK_PLAIN || srv->alpn)
			continue;
		if (srv->type == SRV_SMTP)
			out = 1;
		else
			in = 1;
	}
	prov_signer(st, p, m);
	if (m->nerr != 0 || dm->nerr != 0)
		return; /* the checks below would only repeat those */
	if (m->ndomains == 0 && !p->catch_all)
		cfg_err(
		    st, st->name, m->line, "provider %s has no domains", p->id);
	if (!in)
		cfg_err(st, st->name, m->line,
		    "provider %s has no incoming server with SSL or "
		    "STARTTLS%s",
		    p->id, alpn ? " off port 443" : "");
	if (!out)
		cfg_err(st, st->name, m->line,
		    "provider %s has no outgoing server with SSL or "
		    "STARTTLS%s",
		    p->id, alpn ? " off port 443" : "");
	oauth = (p->oauth_issuer != NULL) + (p->oauth_scope != NULL) +
		(p->oauth_auth_url != NULL) + (p->oauth_token_url != NULL);
	if (oauth != 0 && oauth != 4)
		cfg_err(st, st->name, m->line,
		    "provider %s needs all four oauth2-* keys or none", p->id);
	prov_texts_check(st, p, m);
}
