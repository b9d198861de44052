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

#endif
