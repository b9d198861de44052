/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for lib/dnsrec.c (mailautoconf records) and the domain
 * listing it uses (lib/domtab.c, mac_cfg_domains() and mac_cfg_domain()).
 *
 * Pinned: for every combination of the six mail services a provider can
 * offer (each incoming set with each outgoing set the loader accepts),
 * one SRV record per offered service with the server's host and port,
 * and RFC 6186's "0 0 0 ." for each other; priorities following the
 * order of the server lines (incoming and submission counted apart,
 * plain-text servers left out); the autoconfig and autodiscover names as
 * CNAME or A/AAAA; IDN domains as A-labels; names longer than DNS allows
 * refused; the JSON form and its framing; the TTL; addresses and hosts
 * given by the operator; the listing in the configuration's order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define OUT_MAX (64 * 1024)

static char out[OUT_MAX];

static struct mac_cfg *
load(const char *ini)
{
	char err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;

	cfg = mac_cfg_load_mem("t.ini", ini, strlen(ini), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("load failed: %s\n%s", err, ini);
	return cfg;
}

/* The records of dom, written into out (NUL-terminated). */
static enum mac_err
records(const struct mac_cfg *cfg, const char *dom, const struct mac_rr_opts *o)
{
	struct mac_buf b = {out, 0, sizeof(out) - 1, MAC_OK};
	const char *why = "";
	size_t nrr = 0;
	enum mac_err err;

	err = mac_records(cfg, dom, o, &b, &nrr, &why);
	mac_records_end(o, nrr, &b);
	out[b.len] = '\0';
	return err;
}

static const struct mac_rr_opts zone = {
    NULL, NULL, 0, MAC_RR_TTL_DEFAULT, MAC_RR_ZONE};

/*
 * The six services: the server line that offers each, the SRV label,
 * and whether it is incoming.  Indexed like lib/dnsrec.c's svcs[].
 */
static const struct {
	const char *line; /* "server = " line after the type */
	const char *label;
	unsigned port;
	int out;
} svc[] = {
    {"imap imaps.example.net 993 SSL", "_imaps._tcp", 993, 0},
    {"imap imap.example.net 143 STARTTLS", "_imap._tcp", 143, 0},
    {"pop3 pop3s.example.net 995 SSL", "_pop3s._tcp", 995, 0},
    {"pop3 pop3.example.net 110 STARTTLS", "_pop3._tcp", 110, 0},
    {"smtp subs.example.net 465 SSL", "_submissions._tcp", 465, 1},
    {"smtp sub.example.net 587 STARTTLS", "_submission._tcp", 587, 1},
};

#define IN_MASK 0x0f  /* the four incoming services */
#define OUT_MASK 0x30 /* the two submission services */

/* The host of a service's server line: its second word. */
static void
svc_host(size_t k, char *host, size_t len)
{
	const char *s = strchr(svc[k].line, ' ') + 1;

	snprintf(host, len, "%.*s", (int)(strchr(s, ' ') - s), s);
}

/*
 * Every set of services the loader accepts (at least one incoming and
 * one outgoing), each in two orders, table order and reversed: the
 * records for each service, and the priorities from the line order.
 */
static void
test_every_combination(void **state)
{
	char ini[2048], want[512], host[64];
	unsigned mask, rev, k, j, prio, nin, nout, combos = 0;
	struct mac_cfg *cfg;
	size_t n;

	(void)state;
	for (mask = 1; mask < (1u << NELEM(svc)); mask++) {
		if ((mask & IN_MASK) == 0 || (mask & OUT_MASK) == 0)
			continue;
		for (rev = 0; rev < 2; rev++) {
			n = (size_t)snprintf(ini, sizeof(ini),
			    "[provider p.example]\ndomains = d.example\n");
			for (j = 0; j < NELEM(svc); j++) {
				k = rev ? (unsigned)NELEM(svc) - 1 - j : j;
				if (mask & (1u << k))
					n += (size_t)snprintf(ini + n,
					    sizeof(ini) - n, "server = %s\n",
					    svc[k].line);
			}
			cfg = load(ini);
			assert_int_equal(
			    records(cfg, "d.example", &zone), MAC_OK);
			for (k = 0; k < NELEM(svc); k++) {
				if (!(mask & (1u << k))) {
					snprintf(want, sizeof(want),
					    "\n%s.d.example.\t3600\tIN\tSRV\t0 "
					    "0 0 .\n",
					    svc[k].label);
					if (strstr(out, want) == NULL)
						fail_msg("no '%s' in\n%s", want,
						    out);
					continue;
				}
				/* Its place among the same direction's. */
				nin = nout = 0;
				for (j = 0; j < NELEM(svc); j++) {
					unsigned q =
					    rev ? (unsigned)NELEM(svc) - 1 - j
						: j;
					if (q == k)
						break;
					if (mask & (1u << q)) {
						if (svc[q].out)
							nout++;
						else
							nin++;
					}
				}
				prio = 10 * (svc[k].out ? nout : nin);
				svc_host(k, host, sizeof(host));
				snprintf(want, sizeof(want),
				    "\n%s.d.example.\t3600\tIN\tSRV\t%u 1 %u "
				    "%s.\n",
				    svc[k].label, prio, svc[k].port, host);
				if (strstr(out, want) == NULL)
					fail_msg("no '%s' in\n%s", want, out);
			}
			mac_cfg_free(cfg);
			combos++;
		}
	}
	assert_int_equal(combos, 2 * 15 * 3);
}

/* Exact output for the cases the combinations do not cover. */
static const struct rec_case {
	const char *name;
	const char *ini;
	const char *dom;
	const char *target;
	const char *addr[3];
	unsigned long ttl;
	const char *want;
} rec_cases[] = {
    {"plain servers are left out and take no priority",
	"[provider p.example]\ndomains = d.example\n"
	"server = imap legacy.example 143 plain\n"
	"server = imap mail.example 993 SSL\n"
	"server = smtp legacy.example 25 plain\n"
	"server = smtp mail.example 465 SSL\n"
	"server = smtp mail2.example 465 SSL\n",
	"d.example", NULL, {NULL}, 3600,
	"; d.example: provider p.example\n"
	"_autodiscover._tcp.d.example.\t3600\tIN\tSRV\t0 0 443 "
	"autodiscover.d.example.\n"
	"_imaps._tcp.d.example.\t3600\tIN\tSRV\t0 1 993 mail.example.\n"
	"_imap._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_pop3s._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_pop3._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.d.example.\t3600\tIN\tSRV\t0 1 465 mail.example.\n"
	"_submissions._tcp.d.example.\t3600\tIN\tSRV\t10 1 465 "
	"mail2.example.\n"
	"_submission._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"},
    {"POP3 before IMAP: POP3 gets priority 0",
	"[provider p.example]\ndomains = d.example\n"
	"server = pop3 pop.example\n"
	"server = imap imap.example\n"
	"server = imap imap.example 143 STARTTLS\n"
	"server = smtp smtp.example 587 STARTTLS\n",
	"d.example", "web.example", {NULL}, 60,
	"; d.example: provider p.example\n"
	"autoconfig.d.example.\t60\tIN\tCNAME\tweb.example.\n"
	"autodiscover.d.example.\t60\tIN\tCNAME\tweb.example.\n"
	"_autodiscover._tcp.d.example.\t60\tIN\tSRV\t0 0 443 web.example.\n"
	"_imaps._tcp.d.example.\t60\tIN\tSRV\t10 1 993 imap.example.\n"
	"_imap._tcp.d.example.\t60\tIN\tSRV\t20 1 143 imap.example.\n"
	"_pop3s._tcp.d.example.\t60\tIN\tSRV\t0 1 995 pop.example.\n"
	"_pop3._tcp.d.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.d.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_submission._tcp.d.example.\t60\tIN\tSRV\t0 1 587 smtp.example.\n"},
    {"IDN domain as A-labels, A and AAAA, TTL 0",
	"[provider p.example]\ndomains = B\xc3\xbc"
	"cher.example\n"
	"server = imap imap.example\nserver = smtp smtp.example\n",
	"xn--bcher-kva.example", NULL, {"192.0.2.7", "2001:DB8:0::1"}, 0,
	"; xn--bcher-kva.example: provider p.example\n"
	"autoconfig.xn--bcher-kva.example.\t0\tIN\tA\t192.0.2.7\n"
	"autoconfig.xn--bcher-kva.example.\t0\tIN\tAAAA\t2001:db8::1\n"
	"autodiscover.xn--bcher-kva.example.\t0\tIN\tA\t192.0.2.7\n"
	"autodiscover.xn--bcher-kva.example.\t0\tIN\tAAAA\t2001:db8::1\n"
	"_autodiscover._tcp.xn--bcher-kva.example.\t0\tIN\tSRV\t0 0 443 "
	"autodiscover.xn--bcher-kva.example.\n"
	"_imaps._tcp.xn--bcher-kva.example.\t0\tIN\tSRV\t0 1 993 "
	"imap.example.\n"
	"_imap._tcp.xn--bcher-kva.example.\t0\tIN\tSRV\t0 0 0 .\n"
	"_pop3s._tcp.xn--bcher-kva.example.\t0\tIN\tSRV\t0 0 0 .\n"
	"_pop3._tcp.xn--bcher-kva.example.\t0\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.xn--bcher-kva.example.\t0\tIN\tSRV\t0 1 465 "
	"smtp.example.\n"
	"_submission._tcp.xn--bcher-kva.example.\t0\tIN\tSRV\t0 0 0 .\n"},
    {"no CNAME from the target to itself",
	"[provider p.example]\ndomains = d.example\n"
	"server = imap imap.example\nserver = smtp smtp.example\n",
	"d.example", "autodiscover.d.example", {NULL}, 3600,
	"; d.example: provider p.example\n"
	"autoconfig.d.example.\t3600\tIN\tCNAME\tautodiscover.d.example.\n"
	"_autodiscover._tcp.d.example.\t3600\tIN\tSRV\t0 0 443 "
	"autodiscover.d.example.\n"
	"_imaps._tcp.d.example.\t3600\tIN\tSRV\t0 1 993 imap.example.\n"
	"_imap._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_pop3s._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_pop3._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.d.example.\t3600\tIN\tSRV\t0 1 465 "
	"smtp.example.\n"
	"_submission._tcp.d.example.\t3600\tIN\tSRV\t0 0 0 .\n"},
    {"per-domain mail hosts: CNAME to the target, SRV to the own host",
	"[provider h.example]\ndomains = c1.example c2.example\n"
	"server = imap mail.%EMAILDOMAIN% 993 SSL\n"
	"server = imap mail.%EMAILDOMAIN% 143 plain\n"
	"server = smtp smtp.%EMAILDOMAIN% 587 STARTTLS\n"
	"server = smtp relay.h.example 465 SSL\n",
	"c2.example", "web.h.example", {NULL}, 3600,
	"; c2.example: provider h.example\n"
	"autoconfig.c2.example.\t3600\tIN\tCNAME\tweb.h.example.\n"
	"autodiscover.c2.example.\t3600\tIN\tCNAME\tweb.h.example.\n"
	"mail.c2.example.\t3600\tIN\tCNAME\tweb.h.example.\n"
	"smtp.c2.example.\t3600\tIN\tCNAME\tweb.h.example.\n"
	"_autodiscover._tcp.c2.example.\t3600\tIN\tSRV\t0 0 443 "
	"web.h.example.\n"
	"_imaps._tcp.c2.example.\t3600\tIN\tSRV\t0 1 993 mail.c2.example.\n"
	"_imap._tcp.c2.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_pop3s._tcp.c2.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_pop3._tcp.c2.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.c2.example.\t3600\tIN\tSRV\t10 1 465 "
	"relay.h.example.\n"
	"_submission._tcp.c2.example.\t3600\tIN\tSRV\t0 1 587 "
	"smtp.c2.example.\n"},
    {"per-domain mail hosts: A and AAAA, the domain itself as host",
	"[provider h.example]\ndomains = c1.example\n"
	"server = imap %EMAILDOMAIN%\n"
	"server = smtp %EMAILDOMAIN% 587 STARTTLS\n",
	"c1.example", NULL, {"192.0.2.7", "2001:db8::7"}, 60,
	"; c1.example: provider h.example\n"
	"autoconfig.c1.example.\t60\tIN\tA\t192.0.2.7\n"
	"autoconfig.c1.example.\t60\tIN\tAAAA\t2001:db8::7\n"
	"autodiscover.c1.example.\t60\tIN\tA\t192.0.2.7\n"
	"autodiscover.c1.example.\t60\tIN\tAAAA\t2001:db8::7\n"
	"c1.example.\t60\tIN\tA\t192.0.2.7\n"
	"c1.example.\t60\tIN\tAAAA\t2001:db8::7\n"
	"_autodiscover._tcp.c1.example.\t60\tIN\tSRV\t0 0 443 "
	"autodiscover.c1.example.\n"
	"_imaps._tcp.c1.example.\t60\tIN\tSRV\t0 1 993 c1.example.\n"
	"_imap._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_pop3s._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_pop3._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_submission._tcp.c1.example.\t60\tIN\tSRV\t0 1 587 "
	"c1.example.\n"},
    {"per-domain mail host that is the domain: no CNAME at the apex",
	"[provider h.example]\ndomains = c1.example\n"
	"server = imap %EMAILDOMAIN%\n"
	"server = smtp %EMAILDOMAIN% 587 STARTTLS\n",
	"c1.example", "web.h.example", {NULL}, 60,
	"; c1.example: provider h.example\n"
	"; c1.example is a mail server's host name: give it that server's A "
	"and AAAA records\n"
	"autoconfig.c1.example.\t60\tIN\tCNAME\tweb.h.example.\n"
	"autodiscover.c1.example.\t60\tIN\tCNAME\tweb.h.example.\n"
	"_autodiscover._tcp.c1.example.\t60\tIN\tSRV\t0 0 443 "
	"web.h.example.\n"
	"_imaps._tcp.c1.example.\t60\tIN\tSRV\t0 1 993 c1.example.\n"
	"_imap._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_pop3s._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_pop3._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.c1.example.\t60\tIN\tSRV\t0 0 0 .\n"
	"_submission._tcp.c1.example.\t60\tIN\tSRV\t0 1 587 "
	"c1.example.\n"},
    {"a domain only the catch-all serves",
	"[provider c.example]\ncatch-all = yes\n"
	"server = imap imap.example 143 STARTTLS\n"
	"server = smtp smtp.example 587 STARTTLS\n",
	"other.example", NULL, {NULL}, 3600,
	"; other.example: provider c.example\n"
	"_autodiscover._tcp.other.example.\t3600\tIN\tSRV\t0 0 443 "
	"autodiscover.other.example.\n"
	"_imaps._tcp.other.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_imap._tcp.other.example.\t3600\tIN\tSRV\t0 1 143 imap.example.\n"
	"_pop3s._tcp.other.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_pop3._tcp.other.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_submissions._tcp.other.example.\t3600\tIN\tSRV\t0 0 0 .\n"
	"_submission._tcp.other.example.\t3600\tIN\tSRV\t0 1 587 "
	"smtp.example.\n"},
};

static void
test_cases(void **state)
{
	struct mac_rr_addr addrs[MAC_RR_ADDRS_MAX];
	struct mac_rr_opts o;
	struct mac_cfg *cfg;
	size_t i, k;

	(void)state;
	for (i = 0; i < NELEM(rec_cases); i++) {
		const struct rec_case *c = &rec_cases[i];

		memset(&o, 0, sizeof(o));
		o.target = c->target;
		o.addrs = addrs;
		for (k = 0; c->addr[k] != NULL; k++)
			assert_int_equal(
			    mac_rr_addr(c->addr[k], &addrs[o.naddrs++]),
			    MAC_OK);
		o.ttl = c->ttl;
		o.fmt = MAC_RR_ZONE;
		cfg = load(c->ini);
		assert_int_equal(records(cfg, c->dom, &o), MAC_OK);
		if (strcmp(out, c->want) != 0)
			fail_msg(
			    "%s: got\n%s\nwant\n%s", c->name, out, c->want);
		mac_cfg_free(cfg);
	}
}

static void
test_json(void **state)
{
	struct mac_rr_opts o = {"web.example", NULL, 0, 300, MAC_RR_JSON};
	struct mac_buf b = {out, 0, sizeof(out) - 1, MAC_OK};
	struct mac_cfg *cfg;
	const char *why = "";
	size_t nrr = 0;

	(void)state;
	cfg = load("[provider p.example]\ndomains = a.example b.example\n"
		   "server = imap imap.example\nserver = smtp smtp.example\n");
	assert_int_equal(
	    mac_records(cfg, "a.example", &o, &b, &nrr, &why), MAC_OK);
	assert_int_equal(nrr, 9);
	assert_int_equal(
	    mac_records(cfg, "b.example", &o, &b, &nrr, &why), MAC_OK);
	assert_int_equal(nrr, 18);
	mac_records_end(&o, nrr, &b);
	out[b.len] = '\0';
	assert_non_null(strstr(out,
	    "[\n  {\"name\": \"autoconfig.a.example.\", \"type\": \"CNAME\", "
	    "\"ttl\": 300, \"data\": \"web.example.\"},\n"));
	assert_non_null(strstr(out,
	    ",\n  {\"name\": \"_submission._tcp.b.example.\", \"type\": "
	    "\"SRV\", \"ttl\": 300, \"data\": \"0 0 0 .\"}\n]\n"));
	assert_null(strstr(out, "; ")); /* no zone comments */

	/* No records at all: an empty array. */
	b.len = 0;
	mac_records_end(&o, 0, &b);
	out[b.len] = '\0';
	assert_string_equal(out, "[]\n");
	mac_cfg_free(cfg);
}

/* A domain of 253 characters: every name under it is too long. */
static void
test_too_long(void **state)
{
	char ini[1024], dom[MAC_DOMAIN_MAX + 1];
	struct mac_buf b = {out, 0, sizeof(out) - 1, MAC_OK};
	struct mac_cfg *cfg;
	const char *why = "";
	size_t i, nrr = 0;

	(void)state;
	/* 63-character labels and a shorter last one: 253 in all. */
	for (i = 0; i < MAC_DOMAIN_MAX; i++)
		dom[i] = i % 64 == 63 ? '.' : 'a';
	memcpy(dom + MAC_DOMAIN_MAX - 8, ".example", 8);
	dom[MAC_DOMAIN_MAX] = '\0';
	snprintf(ini, sizeof(ini),
	    "[provider p.example]\ndomains = %s\n"
	    "server = imap imap.example\nserver = smtp smtp.example\n",
	    dom);
	cfg = load(ini);
	assert_int_equal(
	    mac_records(cfg, dom, &zone, &b, &nrr, &why), MAC_EINPUT);
	assert_non_null(strstr(why, "longer than 253"));
	mac_cfg_free(cfg);

	/* 240 characters: autodiscover.<domain> fits, a mail host name
	 * with a longer label in front of the domain does not. */
	dom[240 - 8] = '\0';
	strcat(dom, ".example");
	snprintf(ini, sizeof(ini),
	    "[provider p.example]\ndomains = %s\n"
	    "server = imap a-long-mail-host-label.%%EMAILDOMAIN%%\n"
	    "server = smtp smtp.example\n",
	    dom);
	cfg = load(ini);
	b.len = 0;
	assert_int_equal(
	    mac_records(cfg, dom, &zone, &b, &nrr, &why), MAC_EINPUT);
	assert_string_equal(
	    why, "a server's host name would be longer than 253 characters");
	mac_cfg_free(cfg);
}

static void
test_unknown_domain(void **state)
{
	char d[MAC_DOMAIN_MAX + 1];
	struct mac_buf b = {out, 0, sizeof(out) - 1, MAC_OK};
	struct mac_cfg *cfg;
	const char *why = "";
	size_t nrr = 0;

	(void)state;
	cfg = load("[provider p.example]\ndomains = d.example\n"
		   "server = imap imap.example\nserver = smtp smtp.example\n");
	assert_int_equal(mac_records(cfg, "e.example", &zone, &b, &nrr, &why),
	    MAC_ENODOMAIN);
	assert_int_equal(b.len, 0);
	assert_int_equal(
	    mac_cfg_domain(cfg, "E.example.", d, &why), MAC_ENODOMAIN);
	assert_int_equal(mac_cfg_domain(cfg, "D.Example.", d, &why), MAC_OK);
	assert_string_equal(d, "d.example");
	assert_int_equal(
	    mac_cfg_domain(cfg, "bad..example", d, &why), MAC_EINPUT);
	assert_null(mac_cfg_catch_all(cfg));
	assert_string_equal(
	    mac_cfg_domain_provider(cfg, "d.example"), "p.example");
	mac_cfg_free(cfg);
}

/* The operator's addresses and hosts. */
static void
test_addr_host(void **state)
{
	static const struct {
		const char *in;
		int v6;
		const char *text; /* NULL: refused */
	} addrs[] = {
	    {"192.0.2.1", 0, "192.0.2.1"},
	    {"2001:DB8::0:1", 1, "2001:db8::1"},
	    {"::ffff:192.0.2.1", 1, "::ffff:192.0.2.1"},
	    {"::1", 1, "::1"},
	    {"192.0.2", 0, NULL},
	    {"192.0.2.256", 0, NULL},
	    {"01.2.3.4", 0, NULL},
	    {"host.example", 0, NULL},
	    {"", 0, NULL},
	    {"2001:db8::1%eth0", 0, NULL},
	    {"[2001:db8::1]", 0, NULL},
	};
	struct mac_rr_addr a;
	char host[MAC_DOMAIN_MAX + 1];
	const char *why = "";
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(addrs); i++) {
		if (addrs[i].text == NULL) {
			if (mac_rr_addr(addrs[i].in, &a) != MAC_EINPUT)
				fail_msg("'%s' accepted", addrs[i].in);
			continue;
		}
		assert_int_equal(mac_rr_addr(addrs[i].in, &a), MAC_OK);
		assert_int_equal(a.v6, addrs[i].v6);
		assert_string_equal(a.text, addrs[i].text);
	}
	assert_int_equal(mac_rr_host("Web.Example.", host, &why), MAC_OK);
	assert_string_equal(host, "web.example");
	assert_int_equal(mac_rr_host("b\xc3\xbc"
				     "cher.example",
			     host, &why),
	    MAC_OK);
	assert_string_equal(host, "xn--bcher-kva.example");
	assert_int_equal(mac_rr_host("web", host, &why), MAC_EINPUT);
	assert_int_equal(mac_rr_host("-web.example", host, &why), MAC_EINPUT);
	assert_int_equal(mac_rr_host("192.0.2.1 x", host, &why), MAC_EINPUT);
}

/* The listing follows the configuration, not the hash table. */
static void
test_listing_order(void **state)
{
	static const char *const want[] = {"z.example", "a.example",
	    "m.example", "xn--bcher-kva.example", "b.example", "y.example"};
	const char **v;
	struct mac_cfg *cfg;
	size_t i, n;

	(void)state;
	cfg = load("[provider p.example]\ndomains = z.example a.example\n"
		   "domains = m.example b\xc3\xbc"
		   "cher.example\n"
		   "server = imap imap.example\nserver = smtp smtp.example\n"
		   "[provider c.example]\ncatch-all = yes\n"
		   "domains = b.example, y.example\n"
		   "server = imap imap.example\nserver = smtp smtp.example\n");
	assert_int_equal(mac_cfg_domains(cfg, &v, &n), MAC_OK);
	assert_int_equal(n, NELEM(want));
	for (i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
	free(v);
	assert_string_equal(mac_cfg_catch_all(cfg), "c.example");
	mac_cfg_free(cfg);

	/* Only a catch-all: nothing to list. */
	cfg = load("[provider c.example]\ncatch-all = yes\n"
		   "server = imap imap.example\nserver = smtp smtp.example\n");
	assert_int_equal(mac_cfg_domains(cfg, &v, &n), MAC_OK);
	assert_int_equal(n, 0);
	assert_null(v);
	mac_cfg_free(cfg);
}

/* A full buffer is reported, not overrun. */
static void
test_full_buffer(void **state)
{
	char small[100];
	struct mac_buf b = {small, 0, sizeof(small), MAC_OK};
	struct mac_cfg *cfg;
	const char *why = "";
	size_t nrr = 0;

	(void)state;
	cfg = load("[provider p.example]\ndomains = d.example\n"
		   "server = imap imap.example\nserver = smtp smtp.example\n");
	assert_int_equal(
	    mac_records(cfg, "d.example", &zone, &b, &nrr, &why), MAC_ENOMEM);
	assert_true(b.len <= sizeof(small));
	mac_cfg_free(cfg);
}

static void
test_format_names(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < MAC_RR__MAX; i++)
		assert_non_null(mac_rr_fmt_names[i]);
	assert_string_equal(mac_rr_fmt_names[MAC_RR_ZONE], "zone");
	assert_string_equal(mac_rr_fmt_names[MAC_RR_JSON], "json");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_combination),
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_unknown_domain),
	    cmocka_unit_test(test_addr_host),
	    cmocka_unit_test(test_listing_order),
	    cmocka_unit_test(test_full_buffer),
	    cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
