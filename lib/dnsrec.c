/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The DNS records a served domain needs, from its provider's
 * configuration, for the operator's "mailautoconf records": the
 * autoconfig and autodiscover host names, the domain's own mail host
 * names (a server host with %EMAILDOMAIN%), the _autodiscover._tcp SRV
 * record, and the RFC 6186 and RFC 8314 SRV records of the mail services,
 * written as zone-file lines or as one JSON array.  The records of a
 * domain are first collected into a fixed table (struct rr_set), then
 * written; names are checked against DNS's length limit on the way.  No
 * I/O here: the front end (fcgi/tool.c) prints the buffer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "extern.h"

#define HTTPS_PORT 443   /* _autodiscover._tcp: the Autodiscover endpoint */
#define SRV_PRIO_STEP 10 /* priority of the n-th server: n * this */
#define SRV_WEIGHT 1     /* RFC 6186 section 3's examples */
#define SRV_U16_DIGITS 5 /* 65535 */
/* A record's data: "PRIO WEIGHT PORT target." with its NUL. */
#define RR_DATA_MAX (3 * (SRV_U16_DIGITS + 1) + MAC_DOMAIN_MAX + 2)
/* A name in text, with its trailing dot and NUL. */
#define RR_NAME_MAX (MAC_DOMAIN_MAX + 2)

enum rr_type { RR_A = 0, RR_AAAA, RR_CNAME, RR_SRV, RR__MAX };

static const char *const rr_type_names[RR__MAX] = {
    [RR_A] = "A",
    [RR_AAAA] = "AAAA",
    [RR_CNAME] = "CNAME",
    [RR_SRV] = "SRV",
};

const char *const mac_rr_fmt_names[MAC_RR__MAX] = {
    [MAC_RR_ZONE] = "zone",
    [MAC_RR_JSON] = "json",
};

/*
 * The mail services of RFC 6186 section 3 and RFC 8314 section 5.1, in
 * the order they are written: a server line of type and socket type
 * gives a record under label.  Plain-text servers are never published,
 * as they are never sent in autoconfig answers.
 */
enum svc {
	SVC_IMAPS = 0,
	SVC_IMAP,
	SVC_POP3S,
	SVC_POP3,
	SVC_SUBMISSIONS,
	SVC_SUBMISSION,
	SVC__MAX
};

static const struct svc_row {
	const char *label;
	enum srv_type type;
	enum sock_type sock;
} svcs[SVC__MAX] = {
    [SVC_IMAPS] = {"_imaps._tcp", SRV_IMAP, SOCK_SSL},
    [SVC_IMAP] = {"_imap._tcp", SRV_IMAP, SOCK_STARTTLS},
    [SVC_POP3S] = {"_pop3s._tcp", SRV_POP3, SOCK_SSL},
    [SVC_POP3] = {"_pop3._tcp", SRV_POP3, SOCK_STARTTLS},
    [SVC_SUBMISSIONS] = {"_submissions._tcp", SRV_SMTP, SOCK_SSL},
    [SVC_SUBMISSION] = {"_submission._tcp", SRV_SMTP, SOCK_STARTTLS},
};

/* Every record one domain can have: the A/AAAA or CNAME of two names and
 * of each server's own host name, the Autodiscover SRV, one per server
 * and one "not offered" per service. */
#define RR_SET_MAX                                                             \
	((2 + MAC_CFG_SERVERS_MAX) * MAC_RR_ADDRS_MAX + 1 +                    \
	    MAC_CFG_SERVERS_MAX + SVC__MAX)

struct rr {
	char name[RR_NAME_MAX]; /* absolute, with the trailing dot */
	enum rr_type type;
	char data[RR_DATA_MAX];
};

struct rr_set {
	struct rr v[RR_SET_MAX];
	size_t n;
	int apex_host; /* a server's host is the domain: no CNAME there */
};

/*
 * Write label "." dom "." into out (RR_NAME_MAX bytes); label may be
 * NULL for dom itself.  Returns MAC_OK, or MAC_EINPUT with *why set if
 * the name is longer than MAC_DOMAIN_MAX (RFC 1035 section 2.3.4).
 */
static enum mac_err
rr_name(char *out, const char *label, const char *dom, const char **why)
{
	size_t ll = label != NULL ? strlen(label) + 1 : 0, dl = strlen(dom);

	if (ll + dl > MAC_DOMAIN_MAX) {
		*why = "a record's name would be longer than 253 characters";
		return MAC_EINPUT;
	}
	if (label != NULL) {
		memcpy(out, label, ll - 1);
		out[ll - 1] = '.';
	}
	memcpy(out + ll, dom, dl);
	out[ll + dl] = '.';
	out[ll + dl + 1] = '\0';
	return MAC_OK;
}

/* A new record of type t named label.dom; NULL (with *why) if too long. */
static struct rr *
rr_add(struct rr_set *s, enum rr_type t, const char *label, const char *dom,
    const char **why)
{
	struct rr *r = &s->v[s->n];

	if (rr_name(r->name, label, dom, why) != MAC_OK)
		return NULL;
	r->type = t;
	r->data[0] = '\0';
	s->n++;
	return r;
}

/* SRV data "prio weight port host." (host without its dot); "." alone
 * for a service not offered (RFC 2782, "Target"; RFC 6186 section 4). */
static void
srv_data(
    char *out, unsigned prio, unsigned weight, unsigned port, const char *host)
{
	char dig[MAC_UDIGITS_MAX];
	const unsigned v[] = {prio, weight, port};
	size_t i, k, n = 0;
	const char *p;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p = mac_utoa(dig, v[i]);
		k = strlen(p);
		memcpy(out + n, p, k);
		n += k;
		out[n++] = ' ';
	}
	if (host != NULL) {
		k = strlen(host);
		memcpy(out + n, host, k);
		n += k;
	}
	out[n++] = '.';
	out[n] = '\0';
}

/*
 * The autoconfig or autodiscover name of dom: a CNAME to the target,
 * or one A or AAAA record per address; nothing when the target is the
 * name itself (its addresses are the operator's) or neither is given.
 */
static enum mac_err
rr_host(struct rr_set *s, const char *label, const char *dom,
    const struct mac_rr_opts *o, const char **why)
{
	struct rr *r;
	size_t i, k;

	if (o->target != NULL) {
		if ((r = rr_add(s, RR_CNAME, label, dom, why)) == NULL)
			return MAC_EINPUT;
		if (strncmp(r->name, o->target, strlen(o->target)) == 0 &&
		    strcmp(r->name + strlen(o->target), ".") == 0) {
			s->n--; /* a CNAME to itself */
			return MAC_OK;
		}
		k = strlen(o->target);
		memcpy(r->data, o->target, k);
		r->data[k] = '.';
		r->data[k + 1] = '\0';
		return MAC_OK;
	}
	for (i = 0; i < o->naddrs && i < MAC_RR_ADDRS_MAX; i++) {
		r = rr_add(s, o->addrs[i].v6 ? RR_AAAA : RR_A, label, dom, why);
		if (r == NULL)
			return MAC_EINPUT;
		memcpy(r->data, o->addrs[i].text, sizeof(o->addrs[i].text));
	}
	return MAC_OK;
}

/*
 * Server i's host name for dom, %EMAILDOMAIN% filled in, into out
 * (RR_NAME_MAX bytes, without the trailing dot).  MAC_EINPUT with *why if
 * it would be longer than MAC_DOMAIN_MAX.
 */
static enum mac_err
rr_srv_host(
    char *out, const struct cfg_server *srv, const char *dom, const char **why)
{
	if (dom_put(out, RR_NAME_MAX, srv->host, dom, strlen(dom)) >
	    MAC_DOMAIN_MAX) {
		*why = "a server's host name would be longer than 253 "
		       "characters";
		return MAC_EINPUT;
	}
	return MAC_OK;
}

/*
 * The domain's own mail host names: each server host with %EMAILDOMAIN%,
 * filled in, once, as rr_host() writes the autoconfig name (the hoster
 * publishes them per customer).  Plain-text servers too: Autodiscover
 * answers name them.  A host that is the domain itself gets no CNAME
 * (none may sit beside the zone's SOA and NS): s->apex_host says so.
 */
static enum mac_err
rr_own_hosts(struct rr_set *s, const struct cfg_provider *prov, const char *dom,
    const struct mac_rr_opts *o, const char **why)
{
	char host[RR_NAME_MAX];
	size_t i, k;

	for (i = 0; i < prov->nservers; i++) {
		if (strchr(prov->servers[i].host, '%') == NULL)
			continue;
		for (k = 0; k < i; k++)
			if (strcmp(prov->servers[k].host,
				prov->servers[i].host) == 0)
				break;
		if (k < i)
			continue;
		if (rr_srv_host(host, &prov->servers[i], dom, why) != MAC_OK)
			return MAC_EINPUT;
		if (o->target != NULL && strcmp(host, dom) == 0) {
			s->apex_host = 1;
			continue;
		}
		if (rr_host(s, NULL, host, o, why) != MAC_OK)
			return MAC_EINPUT;
	}
	return MAC_OK;
}

/*
 * Collect the records of dom, served by prov, into s.  The services'
 * priorities follow the order of the server lines, as RFC 6186 section
 * 3.4 lets a provider rank its services: the first incoming server
 * (IMAP or POP3) gets 0, the next 10, and so on, and the same for the
 * submission servers; plain-text servers are left out and take no
 * place.  A service none of the servers offers gets RFC 6186's "not
 * offered" record, "0 0 0 .".  MAC_OK, or MAC_EINPUT with *why set.
 */
static enum mac_err
rr_collect(struct rr_set *s, const struct cfg_provider *prov, const char *dom,
    const struct mac_rr_opts *o, const char **why)
{
	unsigned prio[MAC_CFG_SERVERS_MAX] = {0}, in = 0, out = 0;
	const struct cfg_server *srv;
	const char *ad_host;
	struct rr *r;
	size_t i, k, found;
	char ad[RR_NAME_MAX], host[RR_NAME_MAX];

	s->n = 0;
	s->apex_host = 0;
	if (rr_host(s, "autoconfig", dom, o, why) != MAC_OK ||
	    rr_host(s, "autodiscover", dom, o, why) != MAC_OK ||
	    rr_own_hosts(s, prov, dom, o, why) != MAC_OK)
		return MAC_EINPUT;

	/* The Autodiscover SRV record ([MS-OXDSCLI] section 3.1.5.2). */
	if (rr_name(ad, "autodiscover", dom, why) != MAC_OK)
		return MAC_EINPUT;
	ad[strlen(ad) - 1] = '\0';
	ad_host = o->target != NULL ? o->target : ad;
	if ((r = rr_add(s, RR_SRV, "_autodiscover._tcp", dom, why)) == NULL)
		return MAC_EINPUT;
	srv_data(r->data, 0, 0, HTTPS_PORT, ad_host);

	for (i = 0; i < prov->nservers; i++) {
		srv = &prov->servers[i];
		if (srv->sock == SOCK_PLAIN)
			continue;
		prio[i] =
		    SRV_PRIO_STEP * (srv->type == SRV_SMTP ? out++ : in++);
	}
	for (k = 0; k < SVC__MAX; k++) {
		found = 0;
		for (i = 0; i < prov->nservers; i++) {
			srv = &prov->servers[i];
			if (srv->type != svcs[k].type ||
			    srv->sock != svcs[k].sock)
				continue;
			if (rr_srv_host(host, srv, dom, why) != MAC_OK)
				return MAC_EINPUT;
			r = rr_add(s, RR_SRV, svcs[k].label, dom, why);
			if (r == NULL)
				return MAC_EINPUT;
			srv_data(r->data, prio[i], SRV_WEIGHT, srv->port, host);
			found++;
		}
		if (found == 0) {
			r = rr_add(s, RR_SRV, svcs[k].label, dom, why);
			if (r == NULL)
				return MAC_EINPUT;
			srv_data(r->data, 0, 0, 0, NULL);
		}
	}
	return MAC_OK;
}

/* One record as a zone-file line: "name TTL IN type data". */
static void
rr_zone(struct mac_buf *b, const struct rr *r, unsigned long ttl)
{
	buf_puts(b, r->name);
	buf_putc(b, '\t');
	buf_putu(b, ttl);
	buf_puts(b, "\tIN\t");
	buf_puts(b, rr_type_names[r->type]);
	buf_putc(b, '\t');
	buf_puts(b, r->data);
	buf_putc(b, '\n');
}

/* One record as a JSON object, after "[" or ",": the names are LDH, but
 * they go through the one JSON writer like any other text. */
static void
rr_json(struct mac_buf *b, const struct rr *r, unsigned long ttl, size_t nrr)
{
	buf_puts(b, nrr == 0 ? "[\n  {\"name\": " : ",\n  {\"name\": ");
	(void)json_str(b, r->name, strlen(r->name));
	buf_puts(b, ", \"type\": ");
	(void)json_str(
	    b, rr_type_names[r->type], strlen(rr_type_names[r->type]));
	buf_puts(b, ", \"ttl\": ");
	buf_putu(b, ttl);
	buf_puts(b, ", \"data\": ");
	(void)json_str(b, r->data, strlen(r->data));
	buf_putc(b, '}');
}

enum mac_err
mac_records(const struct mac_cfg *cfg, const char *dom,
    const struct mac_rr_opts *o, struct mac_buf *b, size_t *nrr,
    const char **why)
{
	struct rr_set *set; /* about 150 KiB */
	const struct cfg_provider *prov;
	enum mac_err err;
	size_t i;

	if ((prov = cfg_find(cfg, dom, strlen(dom))) == NULL) {
		*why = "no provider serves it";
		return MAC_ENODOMAIN;
	}
	if ((set = malloc(sizeof(*set))) == NULL) {
		*why = "out of memory";
		return MAC_ENOMEM;
	}
	if ((err = rr_collect(set, prov, dom, o, why)) != MAC_OK)
		goto out;
	if (o->fmt == MAC_RR_ZONE) {
		buf_puts(b, "; ");
		buf_puts(b, dom);
		buf_puts(b, ": provider ");
		buf_puts(b, prov->id);
		buf_putc(b, '\n');
		if (set->apex_host) {
			buf_puts(b, "; ");
			buf_puts(b, dom);
			buf_puts(b, " is a mail server's host name: give it "
				    "that server's A and AAAA records\n");
		}
	}
	for (i = 0; i < set->n; i++) {
		if (o->fmt == MAC_RR_JSON)
			rr_json(b, &set->v[i], o->ttl, *nrr);
		else
			rr_zone(b, &set->v[i], o->ttl);
		(*nrr)++;
	}
	if (b->err != MAC_OK)
		*why = "output buffer full";
	err = b->err;
out:
	free(set);
	return err;
}

void
mac_records_end(const struct mac_rr_opts *o, size_t nrr, struct mac_buf *b)
{
	if (o->fmt == MAC_RR_JSON)
		buf_puts(b, nrr == 0 ? "[]\n" : "\n]\n");
}

enum mac_err
mac_rr_addr(const char *in, struct mac_rr_addr *out)
{
	unsigned char a[sizeof(struct in6_addr)];

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, in, a) == 1)
		out->v6 = 0;
	else if (inet_pton(AF_INET6, in, a) == 1)
		out->v6 = 1;
	else
		return MAC_EINPUT;
	if (inet_ntop(out->v6 ? AF_INET6 : AF_INET, a, out->text,
		sizeof(out->text)) == NULL)
		return MAC_EINPUT;
	return MAC_OK;
}

enum mac_err
mac_rr_host(const char *in, char *out, const char **why)
{
	size_t len;

	return dom_norm(in, strlen(in), out, &len, why);
}
