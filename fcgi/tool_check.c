/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf check: what every client family sees of one address's
 * domain, from outside.  The DNS names and SRV records
 * (tool_check_dns.c); TLS on each name a client tries (libcurl verifies
 * the certificate and that it covers the name; its notAfter gives the
 * days left); each endpoint's status, Content-Type and body, compared
 * with what mac_handle() answers the same request from the local
 * configuration (-c); the port-80 redirect of Autodiscover.  One line
 * per finding, "OK: ", "WARNING: " or "CRITICAL: " first, and the
 * monitoring plugin convention's exit status: 0, 1, 2, or 3 (UNKNOWN)
 * when the check cannot run (command line, configuration, a domain the
 * configuration does not serve).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <getopt.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "front.h"
#include "tool_check.h"

#define CHK_BODY_MAX (1024 * 1024) /* an answer longer is an error */
#define CHK_URL_MAX 2048
#define CHK_TIMEOUT_DEFAULT 10 /* seconds per request */
#define CHK_WARN_DAYS 14       /* certificate expiry thresholds */
#define CHK_CRIT_DAYS 3
#define CHK_EXCERPT 40 /* bytes of a differing answer shown */

static const char *const level_names[] = {
    "OK", "WARNING", "CRITICAL", "UNKNOWN"};

enum {
	OPT_RESOLVE = 256,
	OPT_CONNECT_TO,
	OPT_CAFILE,
	OPT_TIMEOUT,
	OPT_WARN,
	OPT_CRIT,
	OPT_DNS_SERVER,
	OPT_NO_DNS
};

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
    {"cafile", required_argument, NULL, OPT_CAFILE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"warning-days", required_argument, NULL, OPT_WARN},
    {"critical-days", required_argument, NULL, OPT_CRIT},
    {"dns-server", required_argument, NULL, OPT_DNS_SERVER},
    {"no-dns", no_argument, NULL, OPT_NO_DNS},
    {NULL, 0, NULL, 0},
};

/* The names a client tries, in the order of the findings. */
enum chk_host {
	HOST_AUTOCONFIG = 0,
	HOST_AUTODISCOVER,
	HOST_DOMAIN,
	HOST__MAX
};
static const char *const host_prefix[HOST__MAX] = {
    "autoconfig.", "autodiscover.", ""};

enum chk_kind { EP_GET = 0, EP_POX, EP_REDIRECT };

/* The endpoints, each on the name its clients ask first. */
static const struct chk_ep {
	const char *what;
	enum chk_host host;
	enum chk_kind kind;
	const char *path;
	const char *query; /* before the encoded address, or NULL */
	const char *query_end;
} eps[] = {
    {"autoconfig", HOST_AUTOCONFIG, EP_GET, "/mail/config-v1.1.xml",
	"emailaddress=", ""},
    {"autoconfig .well-known", HOST_DOMAIN, EP_GET,
	"/.well-known/autoconfig/mail/config-v1.1.xml", "emailaddress=", ""},
    {"autodiscover POX", HOST_AUTODISCOVER, EP_POX,
	"/autodiscover/autodiscover.xml", NULL, NULL},
    {"autodiscover POX on the domain", HOST_DOMAIN, EP_POX,
	"/autodiscover/autodiscover.xml", NULL, NULL},
    {"autodiscover v2 JSON", HOST_AUTODISCOVER, EP_GET,
	"/autodiscover/autodiscover.json",
	"Email=", "&Protocol=AutodiscoverV1"},
    {"mobileconfig", HOST_DOMAIN, EP_GET, "/mobileconfig", "emailaddress=", ""},
    {"autodiscover port-80 redirect", HOST_AUTODISCOVER, EP_REDIRECT,
	"/autodiscover/autodiscover.xml", NULL, NULL},
};

#define NEPS (sizeof(eps) / sizeof(eps[0]))

/* What one request brought back. */
struct chk_fetch {
	char *body;
	size_t len;
	long status;
	char ctype[256];
	char location[CHK_URL_MAX];
	char err[CURL_ERROR_SIZE];
	int have_days; /* days: whole days to the certificate's notAfter */
	int days;
	char not_after[32];
};

struct chk_opts {
	struct curl_slist *resolve, *connect_to;
	const char *cafile;
	long timeout;
	int warn_days, crit_days;
};

void
chk_say(struct chk *k, enum chk_level l, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", level_names[l]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if ((int)l > k->worst)
		k->worst = (int)l;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *u)
{
	struct chk_fetch *f = u;
	char *q;

	n *= sz;
	if (f->len + n > CHK_BODY_MAX)
		return 0; /* curl: "Failure writing output" */
	if ((q = realloc(f->body, f->len + n + 1)) == NULL)
		return 0;
	f->body = q;
	memcpy(f->body + f->len, p, n);
	f->len += n;
	f->body[f->len] = '\0';
	return n;
}

/* The leaf certificate's notAfter from libcurl's certinfo (its PEM). */
static void
cert_days(CURL *h, struct chk_fetch *f)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *s;
	const ASN1_TIME *na;
	struct tm tm;
	X509 *x = NULL;
	BIO *b;
	int days, secs;

	if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs < 1)
		return;
	for (s = ci->certinfo[0]; s != NULL; s = s->next)
		if (strncmp(s->data, "Cert:", 5) == 0)
			break;
	if (s == NULL || (b = BIO_new_mem_buf(s->data + 5, -1)) == NULL)
		return;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (x == NULL)
		return;
	na = X509_get0_notAfter(x);
	if (ASN1_TIME_diff(&days, &secs, NULL, na) == 1 &&
	    ASN1_TIME_to_tm(na, &tm) == 1) {
		f->have_days = 1;
		f->days = days;
		strftime(f->not_after, sizeof(f->not_after), "%Y-%m-%d", &tm);
	}
	X509_free(x);
}

/*
 * One request: GET url (or POST body as text/xml; connect_only: the TLS
 * handshake alone, with the certificate's days).  0, or -1 with f->err.
 */
static int
fetch(const struct chk_opts *o, const char *url, const char *body,
    int connect_only, struct chk_fetch *f)
{
	struct curl_slist *hdr = NULL;
	const char *s;
	CURLcode rc;
	CURL *h;

	memset(f, 0, sizeof(*f));
	if ((h = curl_easy_init()) == NULL) {
		snprintf(f->err, sizeof(f->err), "libcurl did not start");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, f->err);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, o->timeout);
	curl_easy_setopt(h, CURLOPT_USERAGENT, TOOL_PROG "-check/" MAC_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	if (o->resolve != NULL)
		curl_easy_setopt(h, CURLOPT_RESOLVE, o->resolve);
	if (o->connect_to != NULL)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, o->connect_to);
	if (o->cafile != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->cafile);
	if (connect_only) {
		curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
		curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	}
	if (body != NULL) {
		hdr = curl_slist_append(NULL, "Content-Type: text/xml");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		if (f->err[0] == '\0')
			snprintf(f->err, sizeof(f->err), "%s",
			    curl_easy_strerror(rc));
		curl_slist_free_all(hdr);
		curl_easy_cleanup(h);
		return -1;
	}
	if (connect_only)
		cert_days(h, f);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f->status);
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK &&
	    s != NULL)
		snprintf(f->ctype, sizeof(f->ctype), "%s", s);
	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &s) == CURLE_OK &&
	    s != NULL)
		snprintf(f->location, sizeof(f->location), "%s", s);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return 0;
}

/* XML text of s (the address in the POX body). */
static void
xml_text(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	const char *e;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		default:
			e = NULL;
		}
		if (n + (e != NULL ? strlen(e) : 1) + 1 > cap)
			break;
		if (e != NULL) {
			memcpy(out + n, e, strlen(e));
			n += strlen(e);
		} else
			out[n++] = *s;
	}
	out[n] = '\0';
}

/* The content of a signed profile (CMS SignedData, DER), or NULL. */
static ASN1_OCTET_STRING *
signed_content(const char *p, size_t len, CMS_ContentInfo **cms)
{
	const unsigned char *q = (const unsigned char *)p;
	ASN1_OCTET_STRING **c;

	if (len == 0 || p[0] != 0x30)
		return NULL;
	if ((*cms = d2i_CMS_ContentInfo(NULL, &q, (long)len)) == NULL)
		return NULL;
	if ((c = CMS_get0_content(*cms)) == NULL || *c == NULL) {
		CMS_ContentInfo_free(*cms);
		*cms = NULL;
		return NULL;
	}
	return *c;
}

/* A printable excerpt of p at off, for a finding. */
static void
excerpt(char *out, const char *p, size_t len, size_t off)
{
	size_t i, n = 0;

	for (i = off; i < len && n < CHK_EXCERPT; i++)
		out[n++] = isprint((unsigned char)p[i]) ? p[i] : '.';
	out[n] = '\0';
}

/*
 * Compare a remote answer's body with the local one: the same bytes,
 * or for signed profiles (whose signatures carry their signing time) the
 * same signed content.  A finding in what (a phrase), 1 if equal.
 */
static int
same_body(
    const struct chk_fetch *f, const struct mac_resp *r, char *what, size_t cap)
{
	CMS_ContentInfo *cr = NULL, *cl = NULL;
	ASN1_OCTET_STRING *a, *b;
	char x[CHK_EXCERPT + 1], y[CHK_EXCERPT + 1];
	size_t i;
	int eq;

	if (f->len == r->body.len && memcmp(f->body, r->body.p, f->len) == 0) {
		snprintf(what, cap, "the configuration's answer byte for byte");
		return 1;
	}
	a = signed_content(f->body, f->len, &cr);
	b = signed_content(r->body.p, r->body.len, &cl);
	if (a != NULL && b != NULL) {
		eq = ASN1_STRING_length(a) == ASN1_STRING_length(b) &&
		     memcmp(ASN1_STRING_get0_data(a), ASN1_STRING_get0_data(b),
			 (size_t)ASN1_STRING_length(a)) == 0;
		snprintf(what, cap,
		    eq ? "the configuration's signed profile (the signed "
			 "content byte for byte; signatures differ by time)"
		       : "signed content that differs from the "
			 "configuration's");
		CMS_ContentInfo_free(cr);
		CMS_ContentInfo_free(cl);
		return eq;
	}
	CMS_ContentInfo_free(cr);
	CMS_ContentInfo_free(cl);
	for (i = 0; i < f->len && i < r->body.len; i++)
		if (f->body[i] != r->body.p[i])
			break;
	excerpt(x, f->body, f->len, i);
	excerpt(y, r->body.p, r->body.len, i);
	snprintf(what, cap,
	    "%zu bytes that differ from the configuration's %zu from byte "
	    "%zu: served \"%s\", configured \"%s\"",
	    f->len, r->body.len, i, x, y);
	return 0;
}

/* The local answer to the same request, through mac_handle(). */
static int
local_answer(struct chk *k, const struct chk_ep *e, const char *host,
    const char *query, const char *body, struct mac_resp *r)
{
	struct mac_req q;
	time_t t = time(NULL);

	memset(&q, 0, sizeof(q));
	q.method = e->kind == EP_POX ? MAC_M_POST : MAC_M_GET;
	q.path.p = e->path;
	q.path.len = strlen(e->path);
	q.query.p = query;
	q.query.len = strlen(query);
	q.host.p = host;
	q.host.len = strlen(host);
	if (body != NULL) {
		q.content_type.p = "text/xml";
		q.content_type.len = strlen("text/xml");
		q.body.p = body;
		q.body.len = strlen(body);
	}
	q.now_ms = (uint32_t)((t % 86400) * 1000);
	return http_status(mac_handle(k->cfg, &q, r));
}

/* One endpoint: the remote answer against the local one. */
static void
check_ep(struct chk *k, const struct chk_opts *o, const struct chk_ep *e,
    const char *addr, const char *enc)
{
	static char pox[4096], xaddr[1024];
	char host[MAC_DOMAIN_MAX + 16], url[CHK_URL_MAX], want[CHK_URL_MAX];
	char query[CHK_URL_MAX] = "", what[512];
	const char *ct;
	struct chk_fetch f;
	struct mac_resp r;
	int st;

	snprintf(host, sizeof(host), "%s%s", host_prefix[e->host], k->dom);
	if (e->query != NULL)
		snprintf(query, sizeof(query), "%s%s%s", e->query, enc,
		    e->query_end);
	if (snprintf(url, sizeof(url), "%s://%s%s%s%s",
		e->kind == EP_REDIRECT ? "http" : "https", host, e->path,
		query[0] != '\0' ? "?" : "", query) >= (int)sizeof(url)) {
		chk_say(k, CHK_UNKNOWN, "%s: the URL is too long", e->what);
		return;
	}
	if (e->kind == EP_REDIRECT) {
		snprintf(want, sizeof(want), "https://%s%s", host, e->path);
		if (fetch(o, url, NULL, 0, &f) != 0)
			chk_say(
			    k, CHK_WARNING, "%s %s: %s", e->what, url, f.err);
		else if (f.status != 302 || strcmp(f.location, want) != 0)
			chk_say(k, CHK_WARNING,
			    "%s %s: %ld to \"%s\", not 302 to %s", e->what, url,
			    f.status, f.location, want);
		else
			chk_say(
			    k, CHK_OK, "%s %s: 302 to %s", e->what, url, want);
		free(f.body);
		return;
	}
	if (e->kind == EP_POX) {
		xml_text(xaddr, sizeof(xaddr), addr);
		snprintf(pox, sizeof(pox),
		    "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover "
		    "xmlns=\"http://schemas.microsoft.com/exchange/"
		    "autodiscover/"
		    "outlook/requestschema/2006\"><Request><EMailAddress>%s"
		    "</EMailAddress><AcceptableResponseSchema>http://"
		    "schemas.microsoft.com/exchange/autodiscover/outlook/"
		    "responseschema/2006a</AcceptableResponseSchema></Request>"
		    "</Autodiscover>",
		    xaddr);
	}
	if (fetch(o, url, e->kind == EP_POX ? pox : NULL, 0, &f) != 0) {
		chk_say(k, CHK_CRITICAL, "%s %s: %s", e->what, url, f.err);
		free(f.body);
		return;
	}
	if (mac_resp_init(&r) != 0) {
		chk_say(k, CHK_UNKNOWN, "%s: out of memory", e->what);
		free(f.body);
		return;
	}
	st =
	    local_answer(k, e, host, query, e->kind == EP_POX ? pox : NULL, &r);
	ct = r.content_type != NULL ? r.content_type : "";
	if (f.status != st)
		chk_say(k, CHK_CRITICAL,
		    "%s %s: status %ld, the configuration answers %d", e->what,
		    url, f.status, st);
	else if (strcmp(f.ctype, ct) != 0)
		chk_say(k, CHK_CRITICAL,
		    "%s %s: Content-Type \"%s\", the configuration's \"%s\"",
		    e->what, url, f.ctype, ct);
	else if (!same_body(&f, &r, what, sizeof(what)))
		chk_say(k, CHK_CRITICAL, "%s %s: %ld %s, %s", e->what, url,
		    f.status, f.ctype, what);
	else
		chk_say(k, CHK_OK, "%s %s: %ld %s, %s", e->what, url, f.status,
		    f.ctype, what);
	mac_resp_free(&r);
	free(f.body);
}

/* TLS on one name: 0, or -1 (reported) when its endpoints cannot run. */
static int
check_tls(struct chk *k, const struct chk_opts *o, enum chk_host hn)
{
	char host[MAC_DOMAIN_MAX + 16], url[CHK_URL_MAX];
	struct chk_fetch f;
	enum chk_level l = CHK_OK;

	snprintf(host, sizeof(host), "%s%s", host_prefix[hn], k->dom);
	snprintf(url, sizeof(url), "https://%s/", host);
	if (fetch(o, url, NULL, 1, &f) != 0) {
		chk_say(k, CHK_CRITICAL,
		    "tls %s: %s (its endpoints not checked)", host, f.err);
		free(f.body);
		return -1;
	}
	if (!f.have_days)
		chk_say(k, CHK_WARNING,
		    "tls %s: the certificate covers the name; its expiry date "
		    "is unreadable",
		    host);
	else {
		if (f.days < o->crit_days)
			l = CHK_CRITICAL;
		else if (f.days < o->warn_days)
			l = CHK_WARNING;
		chk_say(k, l,
		    "tls %s: the certificate covers the name, expires in %d "
		    "days (%s; warning under %d, critical under %d)",
		    host, f.days, f.not_after, o->warn_days, o->crit_days);
	}
	free(f.body);
	return 0;
}

/* A usage error: the usage line, and UNKNOWN (3) as plugins have it. */
static int
usage3(const struct tool_cmd *c)
{
	(void)tool_usage(c);
	return CHK_UNKNOWN;
}

static int
days_arg(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 100000)
		return -1;
	*out = (int)v;
	return 0;
}

/* Exit status 3, UNKNOWN, with the line on standard output. */
static int unknown(struct chk *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
unknown(struct chk *k, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", level_names[CHK_UNKNOWN]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	k->worst = CHK_UNKNOWN;
	return CHK_UNKNOWN;
}

static int
run(struct chk *k, const struct chk_opts *o, const char *addr,
    const char *dns_server, int no_dns)
{
	int bad[HOST__MAX];
	char *enc;
	CURL *h;
	size_t i;

	if (no_dns)
		chk_say(k, CHK_OK, "dns: not checked (--no-dns)");
	else if (dns_server == NULL &&
		 (o->resolve != NULL || o->connect_to != NULL))
		chk_say(k, CHK_OK,
		    "dns: not checked (--resolve or --connect-to gives the "
		    "addresses; --dns-server checks them anyway)");
	else
		chk_dns(k, dns_server);
	for (i = 0; i < HOST__MAX; i++)
		bad[i] = check_tls(k, o, (enum chk_host)i);
	if ((h = curl_easy_init()) == NULL ||
	    (enc = curl_easy_escape(h, addr, 0)) == NULL) {
		curl_easy_cleanup(h);
		return unknown(k, "%s: out of memory", addr);
	}
	for (i = 0; i < NEPS; i++)
		if (eps[i].kind == EP_REDIRECT || !bad[eps[i].host])
			check_ep(k, o, &eps[i], addr, enc);
	curl_free(enc);
	curl_easy_cleanup(h);
	return k->worst;
}

int
tool_check(const struct tool_cmd *c, int argc, char *argv[])
{
	struct chk k;
	struct chk_opts o = {NULL, NULL, NULL, CHK_TIMEOUT_DEFAULT,
	    CHK_WARN_DAYS, CHK_CRIT_DAYS};
	const char *path = tool_default_config, *why = "", *at;
	const char *dns_server = NULL;
	struct curl_slist **l, *n;
	int ch, t, no_dns = 0, rc;

	memset(&k, 0, sizeof(k));
	k.c = c;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			tool_usage_to(stdout, c);
			rc = TOOL_EXIT_OK;
			goto out;
		case OPT_RESOLVE:
		case OPT_CONNECT_TO:
			l = ch == OPT_RESOLVE ? &o.resolve : &o.connect_to;
			if ((n = curl_slist_append(*l, optarg)) == NULL) {
				tool_err(c, "out of memory");
				rc = CHK_UNKNOWN;
				goto out;
			}
			*l = n;
			break;
		case OPT_CAFILE:
			o.cafile = optarg;
			break;
		case OPT_TIMEOUT:
			if (days_arg(optarg, &t) != 0 || t < 1) {
				tool_err(c, "--timeout wants seconds, not %s",
				    optarg);
				rc = usage3(c);
				goto out;
			}
			o.timeout = t;
			break;
		case OPT_WARN:
		case OPT_CRIT:
			if (days_arg(optarg,
				ch == OPT_WARN ? &o.warn_days : &o.crit_days) !=
			    0) {
				tool_err(c, "%s wants days, not %s",
				    ch == OPT_WARN ? "--warning-days"
						   : "--critical-days",
				    optarg);
				rc = usage3(c);
				goto out;
			}
			break;
		case OPT_DNS_SERVER:
			if (!chk_dns_server_ok(optarg)) {
				tool_err(c,
				    "--dns-server wants IPV4[:PORT], not %s",
				    optarg);
				rc = usage3(c);
				goto out;
			}
			dns_server = optarg;
			break;
		case OPT_NO_DNS:
			no_dns = 1;
			break;
		default:
			rc = usage3(c);
			goto out;
		}
	}
	if (argc - optind != 1) {
		rc = usage3(c);
		goto out;
	}
	if ((at = strrchr(argv[optind], '@')) == NULL || at == argv[optind]) {
		rc = unknown(
		    &k, "%s: not an address (local@domain)", argv[optind]);
		goto out;
	}
	if ((k.cfg = tool_load(path)) == NULL) {
		rc = unknown(&k, "%s: the configuration does not load", path);
		goto out;
	}
	switch (mac_cfg_domain(k.cfg, at + 1, k.dom, &why)) {
	case MAC_OK:
		break;
	case MAC_ENODOMAIN:
		rc = unknown(
		    &k, "%s: no provider in %s serves it", at + 1, path);
		goto out;
	default:
		rc = unknown(&k, "%s: %s", at + 1, why);
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		rc = unknown(&k, "libcurl did not start");
		goto out;
	}
	rc = run(&k, &o, argv[optind], dns_server, no_dns);
	curl_global_cleanup();
out:
	curl_slist_free_all(o.resolve);
	curl_slist_free_all(o.connect_to);
	mac_cfg_free(k.cfg);
	if (fflush(stdout) != 0 && rc < CHK_UNKNOWN)
		rc = CHK_UNKNOWN;
	return rc;
}
