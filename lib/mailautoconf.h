/*
 * mailautoconf: the public interface of the pure core.
 *
 * lib/ answers one parsed request from one loaded configuration.  It does
 * no I/O on the request path: no sockets, no environment, no exit.  The
 * front end (fcgi/) fills in struct mac_req, calls mac_handle() and writes
 * struct mac_resp out; the error it returns decides the HTTP status there.
 */
#ifndef MAILAUTOCONF_H
#define MAILAUTOCONF_H

#include <stddef.h>
#include <stdint.h>

#include "mac_version.h" /* MAC_VERSION, from CMakeLists.txt */

enum mac_err {
	MAC_OK = 0,
	MAC_ENOMEM,     /* arena or output cap reached */
	MAC_EINPUT,     /* request failed validation */
	MAC_ENOROUTE,   /* no route for this path */
	MAC_ENODOMAIN,  /* no provider serves the domain */
	MAC_EMETHOD,    /* method not allowed on this route */
	MAC_ETOOBIG,    /* request body over MAC_BODY_MAX */
	MAC_EPROTOCOL,  /* v2 JSON: protocol not offered */
	MAC_ENOSCHEMA,  /* POX: response schema not offered (601) */
	MAC_ENOREQUEST, /* POX: no request body at all (GET, empty POST) */
	MAC__MAX
};

enum mac_method {
	MAC_M_OTHER = 0,
	MAC_M_GET,
	MAC_M_HEAD,
	MAC_M_POST,
	MAC_M__MAX
};

/* A counted string; not necessarily NUL-terminated. */
struct mac_str {
	const char *p;
	size_t len;
};

/*
 * One request as the front end saw it.  Every string is borrowed from the
 * caller and must live until mac_handle() returns.
 */
struct mac_req {
	enum mac_method method;
	struct mac_str path;  /* decoded path, no query ($document_uri) */
	struct mac_str query; /* raw query string, without '?' */
	struct mac_str host;  /* Host header, may be empty */
	struct mac_str content_type; /* may be empty */
	struct mac_str body;         /* at most MAC_BODY_MAX bytes */
	int body_too_big;            /* the body was longer than MAC_BODY_MAX */
	uint32_t now_ms;             /* milliseconds since midnight UTC */
};

/* Output buffer: fixed capacity, keeps the first error and ignores later
 * writes. */
struct mac_buf {
	char *p;
	size_t len;
	size_t cap;
	enum mac_err err;
};

/* Request scratch memory, reset per request.  Like the buffer, it keeps
 * its first failure, so a renderer need not check every allocation. */
struct mac_arena {
	char *p;
	size_t used;
	size_t cap;
	int failed; /* an allocation failed since the last reset */
};

#define MAC_FILENAME_MAX 300

/*
 * What mac_handle() produces.  Allocate once per worker with
 * mac_resp_init(); mac_handle() resets it for each request.
 */
struct mac_resp {
	struct mac_buf body;
	struct mac_arena arena;
	const char *content_type; /* full header value, static storage */
	const char *allow;        /* Allow header for 405, or NULL */
	const char *csp; /* Content-Security-Policy (HTML), static, or NULL */
	const char *why; /* short reason for an error, static storage */
	char filename[MAC_FILENAME_MAX]; /* attachment name, "" for none */
	/*
	 * For a debug log only: the route's name (NULL: no route), and the
	 * address the request asked about once it parsed (domain lower-case
	 * ASCII, local part validated UTF-8; empty when unknown).  Valid
	 * until the next mac_handle() with this response.
	 */
	const char *route;
	struct mac_str domain;
	struct mac_str local;
};

struct mac_cfg;

/* Log hook: lib/ reports through it; fcgi/ sets the real logger, tests a
 * recorder.  Never called on the success path of a request. */
typedef void (*mac_log_fn)(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
extern mac_log_fn mac_log;

/*
 * Room for any unsigned long in decimal and a NUL: one byte holds at most
 * three digits (255).  <limits.h> is not usable in lib/: -Ilib finds
 * lib/limits.h.
 */
#define MAC_UDIGITS_MAX (sizeof(unsigned long) * 3 + 1)
/* v in decimal, NUL-terminated, at the end of dig; returns its start. */
const char *mac_utoa(char dig[MAC_UDIGITS_MAX], unsigned long v);

int mac_resp_init(struct mac_resp *);
void mac_resp_free(struct mac_resp *);

enum mac_err mac_handle(
    const struct mac_cfg *, const struct mac_req *, struct mac_resp *);
const char *mac_strerror(enum mac_err);

/*
 * Load a configuration file.  On success returns a complete, validated
 * configuration; on failure returns NULL and writes one "file:line: reason"
 * line per problem (at most MAC_CFG_ERRORS_MAX) into err.
 */
struct mac_cfg *mac_cfg_load(const char *path, char *err, size_t errlen);
/* The same from memory; name is used in messages and relative paths. */
struct mac_cfg *mac_cfg_load_mem(
    const char *name, const char *data, size_t len, char *err, size_t errlen);
void mac_cfg_free(struct mac_cfg *);
/*
 * What a successful load warns about (a signing certificate that expires
 * soon): one "file:line: reason" line each, "" for none.  Lives as long
 * as the configuration.
 */
const char *mac_cfg_warnings(const struct mac_cfg *);
/* Counts for the startup log line. */
size_t mac_cfg_nproviders(const struct mac_cfg *);
size_t mac_cfg_ndomains(const struct mac_cfg *);

/* ---- the operator's toolkit: DNS records and certificate names ---- */

/*
 * The domains cfg lists, in the order of the configuration (providers in
 * file order, each one's domains as they are listed, domains-file lines
 * included), normalised: lower case, A-labels.  A catch-all provider's
 * unlisted domains cannot be listed.  On MAC_OK *out is a malloc'd array
 * of *n pointers into cfg (free() it; the names live as long as cfg), or
 * NULL when *n is 0; MAC_ENOMEM otherwise.  (domtab.c)
 */
enum mac_err mac_cfg_domains(
    const struct mac_cfg *, const char ***out, size_t *n);
/*
 * A domain named by the operator, normalised like a configured one (U-
 * or A-labels, any case, one trailing dot) into out (MAC_DOMAIN_MAX + 1
 * bytes), and whether cfg serves it, listed or through the catch-all.
 * Returns MAC_OK, MAC_EINPUT with *why set, or MAC_ENODOMAIN.
 */
enum mac_err mac_cfg_domain(
    const struct mac_cfg *, const char *in, char *out, const char **why);
/* The id of the provider serving a normalised domain, or NULL. */
const char *mac_cfg_domain_provider(const struct mac_cfg *, const char *);
/* The id of the catch-all provider, or NULL when there is none. */
const char *mac_cfg_catch_all(const struct mac_cfg *);

/* Output formats of mac_records(), named by mac_rr_fmt_names[]. */
enum mac_rr_fmt {
	MAC_RR_ZONE = 0, /* zone-file lines (RFC 1035 section 5) */
	MAC_RR_JSON,     /* one JSON array of {name, type, ttl, data} */
	MAC_RR__MAX
};
extern const char *const mac_rr_fmt_names[MAC_RR__MAX]; /* "zone" ... */

#define MAC_RR_ADDRS_MAX 16         /* addresses given for the web host */
#define MAC_RR_ADDR_TEXT 46         /* an IPv6 address in text, NUL included */
#define MAC_RR_TTL_MAX 2147483647UL /* RFC 2181 section 8 */
#define MAC_RR_TTL_DEFAULT 3600

/* An address of the web host, as mac_rr_addr() parsed it. */
struct mac_rr_addr {
	int v6;                      /* AAAA if set, A if not */
	char text[MAC_RR_ADDR_TEXT]; /* canonical text form */
};

/* What mac_records() writes besides the configuration. */
struct mac_rr_opts {
	const char *target; /* CNAME target (as mac_rr_host() gives), or NULL */
	const struct mac_rr_addr *addrs; /* A and AAAA, when no target */
	size_t naddrs;                   /* at most MAC_RR_ADDRS_MAX */
	unsigned long ttl;               /* at most MAC_RR_TTL_MAX */
	enum mac_rr_fmt fmt;
};

/* Parse an IPv4 or IPv6 address (by its syntax).  MAC_OK or MAC_EINPUT. */
enum mac_err mac_rr_addr(const char *in, struct mac_rr_addr *out);
/* Normalise a host name (A-labels, lower case) into out, which holds
 * MAC_DOMAIN_MAX + 1 bytes.  MAC_OK, or MAC_EINPUT with *why set. */
enum mac_err mac_rr_host(const char *in, char *out, const char **why);
/*
 * Append the DNS records of one served domain (normalised) to b: the
 * autoconfig and autodiscover names and the domain's own mail host names
 * (servers with %EMAILDOMAIN%; CNAME or A/AAAA, none without a target or
 * addresses), _autodiscover._tcp SRV, and the RFC 6186 and RFC 8314 SRV
 * records of the provider's servers, %EMAILDOMAIN% filled in.  *nrr
 * counts the records written so far (the JSON array opens at the
 * first); finish with mac_records_end().  MAC_ENODOMAIN if nothing
 * serves dom, MAC_EINPUT with *why set if a name would be longer than
 * DNS allows, MAC_ENOMEM if b is full (b then holds a partial record)
 * or memory runs out.
 */
enum mac_err mac_records(const struct mac_cfg *, const char *dom,
    const struct mac_rr_opts *, struct mac_buf *b, size_t *nrr,
    const char **why);
void mac_records_end(const struct mac_rr_opts *, size_t nrr, struct mac_buf *);

/* Output formats of mac_certs(), named by mac_cert_fmt_names[]. */
enum mac_cert_fmt {
	MAC_CERT_DEHYDRATED = 0, /* one domains.txt line per certificate */
	MAC_CERT_CERTBOT,        /* one certbot command per certificate */
	MAC_CERT_NGINX,          /* server_name lines per certificate */
	MAC_CERT__MAX
};
extern const char *const mac_cert_fmt_names[MAC_CERT__MAX];

#define MAC_CERT_NAMES_MAX 100 /* names on one certificate (Let's Encrypt) */

/*
 * Append one certificate's names to b: as many of the domains doms[*pos],
 * doms[*pos + 1], ... as fit in MAC_CERT_NAMES_MAX names, each with all of
 * its names (never split), then advance *pos past them; target (the host
 * _autodiscover._tcp points to, normalised, or NULL) goes on the first
 * certificate, once, unless it is one of the domains' names.  *cert
 * numbers the certificates (1 for the first) and is incremented.
 * MAC_EINPUT with *why set and *pos at the domain when a name would be
 * longer than DNS allows; MAC_ENOMEM if b is full.
 */
enum mac_err mac_certs(const char *const *doms, size_t n, size_t *pos,
    enum mac_cert_fmt, const char *target, unsigned long *cert,
    struct mac_buf *b, const char **why);
/*
 * The same for the mail server's certificate: the domains' own mail host
 * names (server hosts with %EMAILDOMAIN%, filled in), a domain's names
 * never split; domains without such hosts are passed over.  Writes
 * nothing when none is left; dehydrated or certbot only (MAC_EINPUT for
 * nginx).
 */
enum mac_err mac_certs_mail(const struct mac_cfg *, const char *const *doms,
    size_t n, size_t *pos, enum mac_cert_fmt, unsigned long *cert,
    struct mac_buf *b, const char **why);
/* How many providers have server hosts with %EMAILDOMAIN%, so that their
 * domains have names mac_certs_mail() lists. */
size_t mac_cfg_own_hosts(const struct mac_cfg *);

/*
 * Import of Thunderbird clientConfig files (import.c).  One context
 * serves several files, so that a domain or provider id is imported once.
 * mac_import() appends the file's emailProvider as an INI [provider]
 * section to out, and everything the INI cannot hold as one
 * "name:line: what" line to notes (and again under the section as a
 * "# not imported: what" comment).  A provider the loader would refuse
 * is written commented out.  MAC_EINPUT for malformed XML, with
 * "name:line:column: reason" in err; MAC_ENOMEM when out or notes is full.
 */
struct mac_import;
struct mac_import *mac_import_new(void);
void mac_import_free(struct mac_import *);
enum mac_err mac_import(struct mac_import *, const char *name, const char *xml,
    size_t len, struct mac_buf *out, struct mac_buf *notes, char *err,
    size_t errlen);

#endif
