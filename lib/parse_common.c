/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * What every parser shares: the one case-insensitive comparison in lib/
 * (routes, query keys, the loader's words alike), and turning an address
 * into the struct ask's address and provider.
 */
#include "endpoint.h"

/* c with A-Z lowered; every other byte, UTF-8 included, as it is. */
static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

int
ascii_caseeq(const char *p, size_t len, const char *s)
{
	const unsigned char *u = (const unsigned char *)p,
			    *v = (const unsigned char *)s;
	size_t i;

	/* Equal bytes, the usual case, skip the folding. */
	for (i = 0; i < len; i++)
		if (u[i] != v[i]) {
			if (ascii_lower(u[i]) != ascii_lower(v[i]))
				return 0;
		} else if (v[i] == '\0')
			return 0;
	return v[len] == '\0';
}

/*
 * Resolve ask->addr.domain to a provider.  Returns MAC_ENODOMAIN when no
 * provider (and no catch-all) serves it.
 */
enum mac_err
ask_provider(const struct mac_cfg *cfg, struct mac_resp *r, struct ask *a)
{
	a->prov = cfg_find(cfg, a->addr.domain.p, a->addr.domain.len);
	if (a->prov == NULL) {
		r->why = "no provider serves this domain";
		return MAC_ENODOMAIN;
	}
	return MAC_OK;
}

/* Parse an address into a; p == NULL means an allocation failed. */
enum mac_err
ask_address(struct mac_resp *r, const char *p, size_t len, struct ask *a)
{
	if (p == NULL)
		return MAC_ENOMEM;
	return addr_parse(&r->arena, p, len, &a->addr, &r->why);
}
