/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * What every endpoint's parser shares: a case-insensitive comparison with
 * a lower-case literal, and turning an address into the struct ask's
 * address and provider.
 */
#include "endpoint.h"

int
lower_eq(const char *p, size_t len, const char *lower)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (lower[i] == '\0' || c != lower[i])
			return 0;
	}
	return lower[len] == '\0';
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
