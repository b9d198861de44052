/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for lib/certs.c (mailautoconf certs).
 *
 * Pinned: each domain's three names (the domain, autoconfig., autodiscover.)
 * on one certificate, never split; at most 100 names a certificate, so 33
 * domains; 250 domains from a configuration make 8 certificates covering
 * every name once, in the configuration's order; the exact dehydrated,
 * certbot and nginx lines; IDN domains as A-labels; a name longer than
 * DNS allows refused with the position of its domain; a full buffer
 * reported; the _autodiscover._tcp SRV target once, on the first
 * certificate, within its 100 names, and not again when it is a
 * domain's name already; the mail server's names (--mail): each
 * domain's own mail host names once, never split, 100 at most a
 * certificate, domains without them passed over, nginx refused.
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
#define MANY 250 /* domains: seven full certificates and a part */
#define PER_CERT 33

static char out[OUT_MAX];

/* All certificates for doms in fmt, into out; the count in *ncert. */
static enum mac_err
certs_to(const char *const *doms, size_t n, enum mac_cert_fmt fmt,
    const char *target, unsigned long *ncert)
{
	struct mac_buf b = {out, 0, sizeof(out) - 1, MAC_OK};
	const char *why = "";
	unsigned long cert = 1;
	size_t pos = 0, before;
	enum mac_err err = MAC_OK;

	while (pos < n) {
		before = pos;
		if ((err = mac_certs(doms, n, &pos, fmt, target, &cert, &b,
			 &why)) != MAC_OK)
			break;
		assert_true(pos > before);
	}
	out[b.len] = '\0';
	*ncert = cert - 1;
	return err;
}

static enum mac_err
certs(const char *const *doms, size_t n, enum mac_cert_fmt fmt,
    unsigned long *ncert)
{
	return certs_to(doms, n, fmt, NULL, ncert);
}

static const char *const three[] = {
    "example.com", "xn--bcher-kva.example", "example.org"};

static const struct {
	enum mac_cert_fmt fmt;
	const char *want;
} formats[] = {
    {MAC_CERT_DEHYDRATED,
	"example.com autoconfig.example.com autodiscover.example.com "
	"xn--bcher-kva.example autoconfig.xn--bcher-kva.example "
	"autodiscover.xn--bcher-kva.example example.org "
	"autoconfig.example.org autodiscover.example.org\n"},
    {MAC_CERT_CERTBOT,
	"certbot certonly --cert-name example.com -d example.com "
	"-d autoconfig.example.com -d autodiscover.example.com "
	"-d xn--bcher-kva.example -d autoconfig.xn--bcher-kva.example "
	"-d autodiscover.xn--bcher-kva.example -d example.org "
	"-d autoconfig.example.org -d autodiscover.example.org\n"},
    {MAC_CERT_NGINX,
	"# certificate 1: 3 domains, 9 names\n"
	"server_name autoconfig.example.com autodiscover.example.com "
	"autoconfig.xn--bcher-kva.example autodiscover.xn--bcher-kva.example "
	"autoconfig.example.org autodiscover.example.org;\n"
	"server_name example.com xn--bcher-kva.example example.org;\n"},
};

static void
test_formats(void **state)
{
	unsigned long n;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(formats); i++) {
		assert_int_equal(
		    certs(three, NELEM(three), formats[i].fmt, &n), MAC_OK);
		assert_int_equal(n, 1);
		assert_string_equal(out, formats[i].want);
	}
	assert_int_equal(certs(three, 1, MAC_CERT_NGINX, &n), MAC_OK);
	assert_string_equal(out,
	    "# certificate 1: 1 domain, 3 names\n"
	    "server_name autoconfig.example.com autodiscover.example.com;\n"
	    "server_name example.com;\n");
	assert_int_equal(certs(three, 0, MAC_CERT_DEHYDRATED, &n), MAC_OK);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	for (i = 0; i < MAC_CERT__MAX; i++)
		assert_non_null(mac_cert_fmt_names[i]);
}

/* Count the words of line s (up to its end) and check each domain's
 * names are together: returns the names, or -1. */
static long
line_names(const char *s, const char *end)
{
	long n = 0;

	while (s < end) {
		while (s < end && *s == ' ')
			s++;
		if (s == end)
			break;
		n++;
		while (s < end && *s != ' ')
			s++;
	}
	return n;
}

/*
 * MANY domains from a configuration, listed in its order: dehydrated
 * lines of at most 100 names, 33 domains each but the last, each
 * domain's three names side by side on one line, every name once.
 */
static void
test_grouping(void **state)
{
	static char ini[MANY * 32 + 256];
	char name[64], want[256];
	const char **doms;
	struct mac_cfg *cfg;
	char err[MAC_CFG_ERR_MAX];
	unsigned long ncert;
	size_t i, n, len = 0, line;
	const char *s, *nl, *hit;
	long words;

	(void)state;
	len += (size_t)snprintf(ini + len, sizeof(ini) - len,
	    "[provider p.example]\n"
	    "server = imap imap.example\nserver = smtp smtp.example\n");
	for (i = 0; i < MANY; i++)
		len += (size_t)snprintf(ini + len, sizeof(ini) - len,
		    "domains = d%03zu.example\n", (MANY - 1 - i) * 7 % MANY);
	cfg = mac_cfg_load_mem("t.ini", ini, len, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(mac_cfg_domains(cfg, &doms, &n), MAC_OK);
	assert_int_equal(n, MANY);
	assert_int_equal(certs(doms, n, MAC_CERT_DEHYDRATED, &ncert), MAC_OK);
	assert_int_equal(ncert, (MANY + PER_CERT - 1) / PER_CERT);

	for (s = out, line = 0; *s != '\0'; s = nl + 1, line++) {
		nl = strchr(s, '\n');
		assert_non_null(nl);
		words = line_names(s, nl);
		assert_true(words <= MAC_CERT_NAMES_MAX);
		assert_int_equal(words,
		    3 * (line + 1 < ncert ? PER_CERT
					  : MANY - PER_CERT * (ncert - 1)));
		/* Each of this line's domains, in order, whole. */
		for (i = line * PER_CERT; i < n && i < (line + 1) * PER_CERT;
		     i++) {
			snprintf(want, sizeof(want),
			    "%s%s autoconfig.%s autodiscover.%s%s",
			    i == line * PER_CERT ? "" : " ", doms[i], doms[i],
			    doms[i],
			    i + 1 == n || i + 1 == (line + 1) * PER_CERT ? "\n"
									 : " ");
			hit = strstr(s, want);
			if (hit == NULL || hit > nl)
				fail_msg("line %zu lacks '%s'", line, want);
		}
	}
	assert_int_equal(line, ncert);
	/* Every name exactly once in the whole output. */
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "autoconfig.%s ", doms[i]);
		hit = strstr(out, name);
		if (hit == NULL)
			snprintf(
			    name, sizeof(name), "autoconfig.%s\n", doms[i]);
		hit = strstr(out, name);
		assert_non_null(hit);
		assert_null(strstr(hit + 1, name));
	}
	free(doms);
	mac_cfg_free(cfg);
}

/* 33 domains make one certificate of 99 names; 34 make two. */
static void
test_boundary(void **state)
{
	static char names[PER_CERT + 1][32];
	const char *doms[PER_CERT + 1];
	unsigned long n;
	size_t i;

	(void)state;
	for (i = 0; i < PER_CERT + 1; i++) {
		snprintf(names[i], sizeof(names[i]), "b%zu.example", i);
		doms[i] = names[i];
	}
	assert_int_equal(certs(doms, PER_CERT, MAC_CERT_CERTBOT, &n), MAC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(
	    certs(doms, PER_CERT + 1, MAC_CERT_CERTBOT, &n), MAC_OK);
	assert_int_equal(n, 2);
	assert_non_null(strstr(out,
	    "\ncertbot certonly --cert-name b33.example -d b33.example "
	    "-d autoconfig.b33.example -d autodiscover.b33.example\n"));
	assert_int_equal(certs(doms, PER_CERT + 1, MAC_CERT_NGINX, &n), MAC_OK);
	assert_non_null(strstr(out, "# certificate 1: 33 domains, 99 names\n"));
	assert_non_null(strstr(out, "# certificate 2: 1 domain, 3 names\n"));
}

/* A domain whose autodiscover. name passes 253 characters. */
static void
test_too_long(void **state)
{
	char dom[MAC_DOMAIN_MAX + 1], small[64];
	const char *doms[3];
	struct mac_buf b = {out, 0, sizeof(out), MAC_OK};
	const char *why = "";
	unsigned long cert = 1;
	size_t i, pos = 0;

	(void)state;
	for (i = 0; i < MAC_DOMAIN_MAX - 12; i++)
		dom[i] = i % 64 == 63 ? '.' : 'a';
	dom[MAC_DOMAIN_MAX - 12] = '\0'; /* 241: autodiscover. makes 254 */
	doms[0] = "ok.example";
	doms[1] = dom;
	doms[2] = "ok2.example";
	assert_int_equal(mac_certs(doms, 3, &pos, MAC_CERT_DEHYDRATED, NULL,
			     &cert, &b, &why),
	    MAC_EINPUT);
	assert_int_equal(pos, 1);
	assert_non_null(strstr(why, "longer than 253"));
	assert_int_equal(cert, 1);
	/* 240 characters: autodiscover. makes 253, which is allowed. */
	dom[MAC_DOMAIN_MAX - 13] = '\0';
	pos = 0;
	assert_int_equal(mac_certs(doms, 3, &pos, MAC_CERT_DEHYDRATED, NULL,
			     &cert, &b, &why),
	    MAC_OK);
	assert_int_equal(pos, 3);

	/* A full buffer. */
	b.p = small;
	b.len = 0;
	b.cap = sizeof(small);
	pos = 0;
	assert_int_equal(
	    mac_certs(three, 3, &pos, MAC_CERT_NGINX, NULL, &cert, &b, &why),
	    MAC_ENOMEM);
	assert_true(b.len <= sizeof(small));
}

/* --target: on the first certificate only, once, within 100 names. */
static void
test_target(void **state)
{
	static char names[PER_CERT + 1][32];
	const char *doms[PER_CERT + 1];
	unsigned long n;
	size_t i;

	(void)state;
	assert_int_equal(certs_to(three, NELEM(three), MAC_CERT_DEHYDRATED,
			     "web.hoster.example", &n),
	    MAC_OK);
	assert_string_equal(out,
	    "example.com autoconfig.example.com "
	    "autodiscover.example.com "
	    "xn--bcher-kva.example "
	    "autoconfig.xn--bcher-kva.example "
	    "autodiscover.xn--bcher-kva.example example.org "
	    "autoconfig.example.org autodiscover.example.org "
	    "web.hoster.example\n");
	assert_int_equal(
	    certs_to(three, 1, MAC_CERT_CERTBOT, "web.hoster.example", &n),
	    MAC_OK);
	assert_string_equal(out,
	    "certbot certonly --cert-name example.com -d example.com "
	    "-d autoconfig.example.com -d autodiscover.example.com "
	    "-d web.hoster.example\n");
	assert_int_equal(
	    certs_to(three, 1, MAC_CERT_NGINX, "web.hoster.example", &n),
	    MAC_OK);
	assert_string_equal(out,
	    "# certificate 1: 1 domain, 4 names\n"
	    "server_name autoconfig.example.com autodiscover.example.com "
	    "web.hoster.example;\n"
	    "server_name example.com;\n");
	/* Already one of the names: not twice. */
	assert_int_equal(certs_to(three, NELEM(three), MAC_CERT_NGINX,
			     "autodiscover.example.org", &n),
	    MAC_OK);
	assert_non_null(strstr(out, "3 domains, 9 names\n"));
	/* 33 domains and the target make 100 names; the next certificate
	 * does not repeat it. */
	for (i = 0; i < PER_CERT + 1; i++) {
		snprintf(names[i], sizeof(names[i]), "b%zu.example", i);
		doms[i] = names[i];
	}
	assert_int_equal(certs_to(doms, PER_CERT + 1, MAC_CERT_NGINX,
			     "web.hoster.example", &n),
	    MAC_OK);
	assert_int_equal(n, 2);
	assert_non_null(
	    strstr(out, "# certificate 1: 33 domains, 100 names\n"));
	assert_non_null(strstr(out, "# certificate 2: 1 domain, 3 names\n"));
	assert_non_null(strstr(out, "web.hoster.example"));
	assert_null(strstr(
	    strstr(out, "web.hoster.example") + 1, "web.hoster.example"));
}

/* All mail certificates of a configuration, into out. */
static enum mac_err
certs_mail(const char *ini, enum mac_cert_fmt fmt, unsigned long *ncert)
{
	struct mac_buf b = {out, 0, sizeof(out) - 1, MAC_OK};
	char err[MAC_CFG_ERR_MAX];
	const char *why = "";
	const char **doms;
	struct mac_cfg *cfg;
	unsigned long cert = 1;
	size_t n, pos = 0;
	enum mac_err e = MAC_OK;

	cfg = mac_cfg_load_mem("t.ini", ini, strlen(ini), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_int_equal(mac_cfg_domains(cfg, &doms, &n), MAC_OK);
	while (pos < n && e == MAC_OK)
		e = mac_certs_mail(cfg, doms, n, &pos, fmt, &cert, &b, &why);
	out[b.len] = '\0';
	*ncert = cert - 1;
	free(doms);
	mac_cfg_free(cfg);
	return e;
}

static void
test_mail(void **state)
{
	static const char ini[] =
	    "[provider plain.example]\ndomains = plain.example\n"
	    "server = imap imap.plain.example\nserver = smtp "
	    "smtp.plain.example\n"
	    "[provider hoster.example]\n"
	    "domains = c1.example B\xc3\xbc"
	    "cher.example\n"
	    "server = imap mail.%EMAILDOMAIN%\n"
	    "server = pop3 mail.%EMAILDOMAIN%\n"
	    "server = smtp smtp.%EMAILDOMAIN% 587 STARTTLS\n"
	    "server = smtp relay.hoster.example 465\n"
	    "[provider apex.example]\ndomains = apex.example\n"
	    "server = imap %EMAILDOMAIN%\nserver = smtp %EMAILDOMAIN%\n";
	char many[8192], err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;
	unsigned long n;
	size_t i, len;

	(void)state;
	assert_int_equal(certs_mail(ini, MAC_CERT_DEHYDRATED, &n), MAC_OK);
	assert_int_equal(n, 1);
	assert_string_equal(out,
	    "mail.c1.example smtp.c1.example mail.xn--bcher-kva.example "
	    "smtp.xn--bcher-kva.example apex.example\n");
	assert_int_equal(certs_mail(ini, MAC_CERT_CERTBOT, &n), MAC_OK);
	assert_string_equal(out,
	    "certbot certonly --cert-name mail.c1.example -d mail.c1.example "
	    "-d smtp.c1.example -d mail.xn--bcher-kva.example "
	    "-d smtp.xn--bcher-kva.example -d apex.example\n");
	cfg = mac_cfg_load_mem("t.ini", ini, strlen(ini), err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(mac_cfg_own_hosts(cfg), 2);
	mac_cfg_free(cfg);
	assert_int_equal(certs_mail(ini, MAC_CERT_NGINX, &n), MAC_EINPUT);
	assert_string_equal(out, "");
	/* No per-domain hosts: nothing. */
	assert_int_equal(certs_mail("[provider plain.example]\n"
				    "domains = plain.example\n"
				    "server = imap imap.plain.example\n"
				    "server = smtp smtp.plain.example\n",
			     MAC_CERT_DEHYDRATED, &n),
	    MAC_OK);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	/* 40 domains of 3 names: 33 on the first certificate (99 names),
	 * 7 on the second. */
	len = (size_t)snprintf(many, sizeof(many),
	    "[provider h.example]\n"
	    "server = imap imap.%%EMAILDOMAIN%%\n"
	    "server = pop3 pop.%%EMAILDOMAIN%%\n"
	    "server = smtp smtp.%%EMAILDOMAIN%%\n"
	    "domains =");
	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(
		    many + len, sizeof(many) - len, " d%zu.example", i);
	snprintf(many + len, sizeof(many) - len, "\n");
	assert_int_equal(certs_mail(many, MAC_CERT_DEHYDRATED, &n), MAC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(line_names(out, strchr(out, '\n')), 99);
	assert_non_null(strstr(out, "\nimap.d33.example pop.d33.example "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_grouping),
	    cmocka_unit_test(test_boundary),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_target),
	    cmocka_unit_test(test_mail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
