/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * What the files of "mailautoconf check" share: the findings, one line
 * each, and the worst level seen, which is the exit status (the
 * monitoring plugin convention).
 */
#ifndef MAC_TOOL_CHECK_H
#define MAC_TOOL_CHECK_H

#include "tool.h"

enum chk_level {
	CHK_OK = 0,
	CHK_WARNING = 1,
	CHK_CRITICAL = 2,
	CHK_UNKNOWN = 3 /* the check itself could not run */
};

struct chk {
	const struct tool_cmd *c;
	struct mac_cfg *cfg;
	char dom[MAC_DOMAIN_MAX + 1]; /* the address's domain, normalised */
	int worst;                    /* enum chk_level */
};

/* "LEVEL: message" on standard output; keeps the worst level. */
void chk_say(struct chk *, enum chk_level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The DNS part (tool_check_dns.c): the names clients try, through
 * getaddrinfo, and the SRV records "mailautoconf records" writes,
 * through res_query.  server: "ADDR[:PORT]" (IPv4) to ask instead of
 * resolv.conf's, or NULL.  0, or -1 if server does not parse. */
int chk_dns(struct chk *, const char *server);
/* Whether s is "IPV4[:PORT]"; fills the address for chk_dns. */
int chk_dns_server_ok(const char *s);

#endif
