/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The names nginx's TLS certificates must carry, for the operator's
 * "mailautoconf certs": per served domain the names nginx answers on
 * (nginx/example-servers.conf: autoconfig.<domain>, autodiscover.<domain>
 * and the domain itself), and once the host the _autodiscover._tcp SRV
 * record points to, grouped into certificates of at most
 * MAC_CERT_NAMES_MAX names without splitting a domain's names, and
 * written as dehydrated domains.txt lines, certbot commands or nginx
 * server_name lines.  Apart from them, for the mail server's
 * certificates, each domain's own mail host names (server hosts with
 * %EMAILDOMAIN%).  No I/O here: the front end (fcgi/tool.c) prints the
 * buffer.
 */
#include <string.h>

#include "extern.h"

const char *const mac_cert_fmt_names[MAC_CERT__MAX] = {
    [MAC_CERT_DEHYDRATED] = "dehydrated",
    [MAC_CERT_CERTBOT] = "certbot",
    [MAC_CERT_NGINX] = "nginx",
};

/*
 * A domain's names, in the order written: the domain itself first, so
 * that the first name of a certificate (dehydrated's and certbot's
 * certificate name) is a mail domain.  NULL stands for the domain.
 */
enum cert_name {
	NAME_DOMAIN = 0,
	NAME_AUTOCONFIG,
	NAME_AUTODISCOVER,
	NAME__MAX
};

static const char *const cert_prefix[NAME__MAX] = {
    [NAME_DOMAIN] = NULL,
    [NAME_AUTOCONFIG] = "autoconfig.",
    [NAME_AUTODISCOVER] = "autodiscover.",
};

/* Whether every name of dom fits DNS's MAC_DOMAIN_MAX (RFC 1035 2.3.4). */
static int
cert_fits(const char *dom)
{
	size_t i, dl = strlen(dom);

	for (i = 0; i < NAME__MAX; i++)
		if ((cert_prefix[i] != NULL ? strlen(cert_prefix[i]) : 0) + dl >
		    MAC_DOMAIN_MAX)
			return 0;
	return 1;
}

/* Name k of dom, after sep. */
static void
cert_name(struct mac_buf *b, const char *sep, enum cert_name k, const char *dom)
{
	buf_puts(b, sep);
	if (cert_prefix[k] != NULL)
		buf_puts(b, cert_prefix[k]);
	buf_puts(b, dom);
}

/* The names k in [from, to) of each of the n domains at d: the first
 * after lead, every other after sep. */
static void
cert_names(struct mac_buf *b, const char *lead, const char *sep,
    const char *const *d, size_t n, enum cert_name from, enum cert_name to)
{
	size_t i;
	enum cert_name k;

	for (i = 0; i < n; i++)
		for (k = from; k < to; k++)
			cert_name(b, i == 0 && k == from ? lead : sep, k, d[i]);
}

/* A name outside the domains' (the SRV target), after sep; none: NULL. */
static void
cert_extra(struct mac_buf *b, const char *sep, const char *name)
{
	if (name == NULL)
		return;
	buf_puts(b, sep);
	buf_puts(b, name);
}

/*
 * Whether target is one of the names of the n domains at doms already,
 * so that it is not written twice.
 */
static int
cert_has(const char *const *doms, size_t n, const char *target)
{
	const char *pre;
	size_t i, k, pl;

	for (i = 0; i < n; i++)
		for (k = 0; k < NAME__MAX; k++) {
			pre = cert_prefix[k] != NULL ? cert_prefix[k] : "";
			pl = strlen(pre);
			if (strncmp(target, pre, pl) == 0 &&
			    strcmp(target + pl, doms[i]) == 0)
				return 1;
		}
	return 0;
}

enum mac_err
mac_certs(const char *const *doms, size_t n, size_t *pos, enum mac_cert_fmt fmt,
    const char *target, unsigned long *cert, struct mac_buf *b,
    const char **why)
{
	const char *const *d = doms + *pos;
	size_t nd, room = MAC_CERT_NAMES_MAX;

	/* The SRV target rides on the first certificate, once. */
	if (target != NULL && (*cert != 1 || cert_has(doms, n, target)))
		target = NULL;
	if (target != NULL)
		room--;
	for (nd = 0; nd < room / NAME__MAX && *pos + nd < n; nd++)
		if (!cert_fits(d[nd])) {
			*pos += nd;
			*why = "a name would be longer than 253 characters";
			return MAC_EINPUT;
		}
	if (nd == 0)
		return MAC_OK;
	switch (fmt) {
	case MAC_CERT_DEHYDRATED:
		cert_names(b, "", " ", d, nd, NAME_DOMAIN, NAME__MAX);
		cert_extra(b, " ", target);
		buf_putc(b, '\n');
		break;
	case MAC_CERT_CERTBOT:
		buf_puts(b, "certbot certonly --cert-name ");
		buf_puts(b, d[0]);
		cert_names(b, " -d ", " -d ", d, nd, NAME_DOMAIN, NAME__MAX);
		cert_extra(b, " -d ", target);
		buf_putc(b, '\n');
		break;
	case MAC_CERT_NGINX:
	default:
		/* The two server blocks of nginx/example-servers.conf. */
		buf_puts(b, "# certificate ");
		buf_putu(b, *cert);
		buf_puts(b, ": ");
		buf_putu(b, nd);
		buf_puts(b, nd == 1 ? " domain, " : " domains, ");
		buf_putu(b, nd * NAME__MAX + (target != NULL));
		buf_puts(b, " names\nserver_name ");
		cert_names(b, "", " ", d, nd, NAME_AUTOCONFIG, NAME__MAX);
		cert_extra(b, " ", target);
		buf_puts(b, ";\nserver_name ");
		cert_names(b, "", " ", d, nd, NAME_DOMAIN, NAME_AUTOCONFIG);
		buf_puts(b, ";\n");
		break;
	}
	*pos += nd;
	(*cert)++;
	if (b->err != MAC_OK)
		*why = "output buffer full";
	return b->err;
}

/*
 * The mail host names of dom, served by p: each server host with
 * %EMAILDOMAIN%, filled in, once, into out.  Their count; (size_t)-1 if
 * one would be longer than DNS allows.
 */
static size_t
mail_names(const struct cfg_provider *p, const char *dom,
    char out[MAC_CFG_SERVERS_MAX][MAC_DOMAIN_MAX + 1])
{
	size_t i, k, n = 0;

	for (i = 0; p != NULL && i < p->nservers; i++) {
		if (strchr(p->servers[i].host, '%') == NULL)
			continue;
		if (dom_put(out[n], MAC_DOMAIN_MAX + 1, p->servers[i].host, dom,
			strlen(dom)) > MAC_DOMAIN_MAX)
			return (size_t)-1;
		for (k = 0; k < n; k++)
			if (strcmp(out[k], out[n]) == 0)
				break;
		if (k == n)
			n++;
	}
	return n;
}

enum mac_err
mac_certs_mail(const struct mac_cfg *cfg, const char *const *doms, size_t n,
    size_t *pos, enum mac_cert_fmt fmt, unsigned long *cert, struct mac_buf *b,
    const char **why)
{
	char names[MAC_CFG_SERVERS_MAX][MAC_DOMAIN_MAX + 1];
	const struct cfg_provider *p;
	size_t i, k, nn, total = 0;

	if (fmt == MAC_CERT_NGINX) {
		*why = "the mail host names are the mail server's, not nginx's";
		return MAC_EINPUT;
	}
	for (i = *pos; i < n; i++) {
		p = cfg_find(cfg, doms[i], strlen(doms[i]));
		if ((nn = mail_names(p, doms[i], names)) == (size_t)-1) {
			*pos = i;
			*why = "a name would be longer than 253 characters";
			return MAC_EINPUT;
		}
		if (nn == 0)
			continue;
		if (total + nn > MAC_CERT_NAMES_MAX)
			break;
		for (k = 0; k < nn; k++, total++) {
			if (total == 0 && fmt == MAC_CERT_CERTBOT) {
				buf_puts(b, "certbot certonly --cert-name ");
				buf_puts(b, names[0]);
			}
			if (fmt == MAC_CERT_CERTBOT)
				buf_puts(b, " -d ");
			else if (total > 0)
				buf_putc(b, ' ');
			buf_puts(b, names[k]);
		}
	}
	*pos = i;
	if (total > 0) {
		buf_putc(b, '\n');
		(*cert)++;
	}
	if (b->err != MAC_OK)
		*why = "output buffer full";
	return b->err;
}

size_t
mac_cfg_own_hosts(const struct mac_cfg *cfg)
{
	size_t i, k, n = 0;

	for (i = 0; i < cfg->nproviders; i++)
		for (k = 0; k < cfg->providers[i].nservers; k++)
			if (strchr(cfg->providers[i].servers[k].host, '%') !=
			    NULL) {
				n++;
				break;
			}
	return n;
}
