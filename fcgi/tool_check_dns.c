/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf check, the DNS part: the names clients try (the domain,
 * autoconfig.<d>, autodiscover.<d>) through getaddrinfo, as clients
 * resolve them, and every SRV record "mailautoconf records" writes for
 * the domain (lib/dnsrec.c: the expectation is its zone lines) through
 * the C library's res_query.  A missing autoconfig or autodiscover name
 * is CRITICAL; a missing bare domain, and an SRV record that is missing
 * or differs, are WARNINGs, as clients have other ways in.  The
 * _autodiscover._tcp record may name any host on port 443.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tool_check.h"

#define DNS_ANSWER_MAX 65535
#define SRV_MAX 32 /* records compared under one name */
#define SRV_TEXT 300

struct srv_set {
	char v[SRV_MAX][SRV_TEXT];
	size_t n;
};

static int
parse_server(const char *s, struct sockaddr_in *sin)
{
	char a[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t len = colon != NULL ? (size_t)(colon - s) : strlen(s);
	char *end;
	long port = NS_DEFAULTPORT;

	if (len == 0 || len >= sizeof(a))
		return -1;
	memcpy(a, s, len);
	a[len] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, a, &sin->sin_addr) != 1)
		return -1;
	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port < 1 ||
		    port > 65535)
			return -1;
	}
	sin->sin_port = htons((unsigned short)port);
	return 0;
}

int
chk_dns_server_ok(const char *s)
{
	struct sockaddr_in sin;

	return parse_server(s, &sin) == 0;
}

/* A, AAAA or a CNAME to them, as a client resolves the name. */
static void
check_name(struct chk *k, const char *prefix, enum chk_level missing)
{
	char name[MAC_DOMAIN_MAX + 16], addrs[256] = "", a[INET6_ADDRSTRLEN];
	struct addrinfo hints, *res, *p;
	size_t n = 0, len;
	const void *in;
	int rc;

	snprintf(name, sizeof(name), "%s%s", prefix, k->dom);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		chk_say(k, missing, "dns %s: %s", name, gai_strerror(rc));
		return;
	}
	for (p = res; p != NULL; p = p->ai_next) {
		in = p->ai_family == AF_INET6
			 ? (const void *)&(
			       (struct sockaddr_in6 *)(void *)p->ai_addr)
			       ->sin6_addr
			 : (const void *)&(
			       (struct sockaddr_in *)(void *)p->ai_addr)
			       ->sin_addr;
		if (inet_ntop(p->ai_family, in, a, sizeof(a)) == NULL)
			continue;
		len = strlen(addrs);
		if (len + strlen(a) + 3 < sizeof(addrs))
			snprintf(addrs + len, sizeof(addrs) - len, "%s%s",
			    n++ > 0 ? ", " : "", a);
	}
	if (res->ai_canonname != NULL && strcmp(res->ai_canonname, name) != 0)
		chk_say(k, CHK_OK, "dns %s: CNAME to %s, %s", name,
		    res->ai_canonname, addrs);
	else
		chk_say(k, CHK_OK, "dns %s: %s", name, addrs);
	freeaddrinfo(res);
}

/* The SRV records at name, as "PRIO WEIGHT PORT target."; -1 and *why
 * when the lookup fails. */
static int
query_srv(const char *name, struct srv_set *got, const char **why)
{
	static unsigned char ans[DNS_ANSWER_MAX];
	char host[MAC_DOMAIN_MAX + 2];
	const unsigned char *rd;
	ns_msg msg;
	ns_rr rr;
	int len, i;

	got->n = 0;
	if ((len = res_query(name, ns_c_in, ns_t_srv, ans, sizeof(ans))) < 0) {
		*why = h_errno == HOST_NOT_FOUND ? "no such name"
		       : h_errno == NO_DATA      ? "no SRV record"
						 : "the lookup failed";
		return -1;
	}
	if (ns_initparse(ans, len, &msg) < 0) {
		*why = "an answer that does not parse";
		return -1;
	}
	for (i = 0; i < ns_msg_count(msg, ns_s_an) && got->n < SRV_MAX; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7)
			continue;
		rd = ns_rr_rdata(rr);
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, host,
			sizeof(host)) < 0)
			continue;
		/* The root (RFC 6186's "not offered") expands to "". */
		snprintf(got->v[got->n++], SRV_TEXT, "%u %u %u %s.",
		    ns_get16(rd), ns_get16(rd + 2), ns_get16(rd + 4), host);
	}
	if (got->n == 0) {
		*why = "no SRV record";
		return -1;
	}
	return 0;
}

static int
in_set(const struct srv_set *s, const char *v)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return 1;
	return 0;
}

/* The SRV records under one name against the expected ones. */
static void
check_srv(struct chk *k, const char *name, const struct srv_set *want)
{
	struct srv_set got;
	char list[1024] = "", wl[1024] = "";
	const char *why = "";
	size_t i, len;
	int ok = 1, autod = strncmp(name, "_autodiscover.", 14) == 0;
	unsigned prio, weight, port;

	if (query_srv(name, &got, &why) != 0) {
		chk_say(k, CHK_WARNING, "dns SRV %s: %s", name, why);
		return;
	}
	for (i = 0; i < got.n; i++) {
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s",
		    i > 0 ? ", " : "", got.v[i]);
	}
	for (i = 0; i < want->n; i++) {
		len = strlen(wl);
		snprintf(wl + len, sizeof(wl) - len, "%s%s", i > 0 ? ", " : "",
		    want->v[i]);
	}
	if (autod) {
		/* Any host will do, on the HTTPS port. */
		for (i = 0; i < got.n; i++)
			if (sscanf(got.v[i], "%u %u %u", &prio, &weight,
				&port) != 3 ||
			    port != 443)
				ok = 0;
	} else {
		if (got.n != want->n)
			ok = 0;
		for (i = 0; i < got.n && ok; i++)
			if (!in_set(want, got.v[i]))
				ok = 0;
	}
	if (ok)
		chk_say(k, CHK_OK, "dns SRV %s: %s", name, list);
	else
		chk_say(k, CHK_WARNING,
		    "dns SRV %s: %s; the configuration gives %s", name, list,
		    wl);
}

int
chk_dns(struct chk *k, const char *server)
{
	static char out[TOOL_OUT_MAX];
	struct mac_buf b = {out, 0, sizeof(out) - 1, MAC_OK};
	struct mac_rr_opts o = {NULL, NULL, 0, MAC_RR_TTL_DEFAULT, MAC_RR_ZONE};
	struct srv_set want;
	struct sockaddr_in sin;
	char name[SRV_TEXT] = "", f[5][SRV_TEXT];
	const char *why = "";
	char *line, *next, *save;
	size_t nrr = 0;
	int nf;

	if (res_init() != 0) {
		chk_say(k, CHK_CRITICAL, "dns: the resolver does not start");
		return -1;
	}
	if (server != NULL) {
		if (parse_server(server, &sin) != 0)
			return -1;
		_res.nscount = 1;
		_res.nsaddr_list[0] = sin;
	}
	check_name(k, "autoconfig.", CHK_CRITICAL);
	check_name(k, "autodiscover.", CHK_CRITICAL);
	check_name(k, "", CHK_WARNING);

	if (mac_records(k->cfg, k->dom, &o, &b, &nrr, &why) != MAC_OK) {
		chk_say(k, CHK_UNKNOWN, "dns %s: %s", k->dom, why);
		return -1;
	}
	out[b.len] = '\0';
	/* Zone lines "name TTL IN type data", the SRV ones grouped by
	 * name as mac_records() writes them. */
	want.n = 0;
	for (line = out; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == ';')
			continue;
		nf = 0;
		for (save = strtok(line, "\t"); save != NULL && nf < 5;
		     save = strtok(NULL, "\t"))
			snprintf(f[nf++], SRV_TEXT, "%s", save);
		if (nf != 5 || strcmp(f[3], "SRV") != 0)
			continue;
		if (strcmp(f[0], name) != 0) {
			if (want.n > 0)
				check_srv(k, name, &want);
			snprintf(name, sizeof(name), "%s", f[0]);
			want.n = 0;
		}
		if (want.n < SRV_MAX)
			snprintf(want.v[want.n++], SRV_TEXT, "%s", f[4]);
	}
	if (want.n > 0)
		check_srv(k, name, &want);
	return 0;
}
