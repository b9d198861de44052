/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for the domain table (lib/domtab.c): cfg_find(), the lookup
 * every request makes, over tables the loader builds from small INI texts.
 *
 * Pinned: each domain maps to its own provider; names are stored
 * normalised (lower case, A-labels) and looked up byte for byte; the
 * table grows from empty to many thousand domains with every one still
 * found and the load factor at most one half; a miss returns the
 * catch-all provider or NULL, including for names whose FNV-1a hash
 * equals a configured one (of the same length and of another).
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

/* Enough domains to grow the table from its first size many times over. */
#define MANY 5000

/* Two pairs of names with equal 32-bit FNV-1a hashes. */
#define COLL_A "c1062789.example" /* same length as COLL_B */
#define COLL_B "c1279192.example"
#define COLL_C "costarring.example" /* longer than COLL_D */
#define COLL_D "liquid.example"

#define SERVERS                                                                \
	"server = imap mail.example.net\n"                                     \
	"server = smtp mail.example.net\n"

static struct mac_cfg *
load(const char *ini)
{
	char err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;

	cfg = mac_cfg_load_mem("t.ini", ini, strlen(ini), err, sizeof(err));
	if (cfg == NULL)
		fail_msg("load failed: %s", err);
	return cfg;
}

static const struct cfg_provider *
find(const struct mac_cfg *cfg, const char *dom)
{
	return cfg_find(cfg, dom, strlen(dom));
}

/* The id of the provider serving dom, or "(none)". */
static const char *
find_id(const struct mac_cfg *cfg, const char *dom)
{
	const struct cfg_provider *p = find(cfg, dom);

	return p != NULL ? p->id : "(none)";
}

static void
test_lookup(void **state)
{
	struct mac_cfg *cfg;

	(void)state;
	cfg = load("[provider a.example]\n"
		   "domains = a.example, a.example.org\n" SERVERS
		   "[provider b.example]\n"
		   "domains = b.example\n"
		   "domains = sub.a.example\n" SERVERS);
	assert_int_equal(cfg->ndomains, 4);
	assert_string_equal(find_id(cfg, "a.example"), "a.example");
	assert_string_equal(find_id(cfg, "a.example.org"), "a.example");
	assert_string_equal(find_id(cfg, "b.example"), "b.example");
	assert_string_equal(find_id(cfg, "sub.a.example"), "b.example");
	/* The provider found is the one in cfg->providers, not a copy. */
	assert_ptr_equal(find(cfg, "b.example"), &cfg->providers[1]);
	/* Only the first len bytes count. */
	assert_ptr_equal(cfg_find(cfg, "a.example.org", strlen("a.example")),
	    &cfg->providers[0]);
	mac_cfg_free(cfg);
}

static void
test_case(void **state)
{
	struct mac_cfg *cfg;

	(void)state;
	cfg = load("[provider a.example]\n"
		   "domains = Example.COM, B\xc3\x9c"
		   "CHER.example, trailing.example.\n" SERVERS);
	/* Stored lower case, in A-labels, without the trailing dot. */
	assert_string_equal(find_id(cfg, "example.com"), "a.example");
	assert_string_equal(find_id(cfg, "xn--bcher-kva.example"), "a.example");
	assert_string_equal(find_id(cfg, "trailing.example"), "a.example");
	/* The lookup is byte for byte: callers normalise first (addr.c). */
	assert_null(find(cfg, "Example.COM"));
	assert_null(find(cfg, "EXAMPLE.COM"));
	assert_null(find(cfg, "trailing.example."));
	assert_null(find(cfg, "b\xc3\xbc"
			      "cher.example"));
	mac_cfg_free(cfg);
}

static void
test_growth(void **state)
{
	struct mac_cfg *cfg;
	char *ini, dom[64];
	size_t cap = 256 + (size_t)MANY * 40, len = 0, i, used = 0;
	int n;

	(void)state;
	assert_non_null(ini = malloc(cap));
	for (i = 0; i < 2; i++) {
		size_t k;

		n = snprintf(ini + len, cap - len,
		    "[provider p%zu.example]\n%s", i, SERVERS);
		len += (size_t)n;
		for (k = i; k < MANY; k += 2) {
			n = snprintf(ini + len, cap - len,
			    "domains = d%05zu.example\n", k);
			assert_true(n > 0 && (size_t)n < cap - len);
			len += (size_t)n;
		}
	}
	cfg = load(ini);
	free(ini);
	assert_int_equal(cfg->ndomains, MANY);
	/* A power of two, at most half full. */
	assert_true(cfg->dcap >= 2 * (size_t)MANY);
	assert_int_equal(cfg->dcap & (cfg->dcap - 1), 0);
	for (i = 0; i < cfg->dcap; i++) {
		const struct cfg_domain *e = &cfg->dtab[i];

		if (e->name == NULL)
			continue;
		used++;
		assert_int_equal(e->len, strlen(e->name));
		assert_int_equal(e->hash, cfg_hash(e->name, e->len));
		assert_non_null(e->prov);
	}
	assert_int_equal(used, MANY);
	/* Every domain, even or odd, is found at its own provider. */
	for (i = 0; i < MANY; i++) {
		snprintf(dom, sizeof(dom), "d%05zu.example", i);
		assert_string_equal(find_id(cfg, dom),
		    i % 2 == 0 ? "p0.example" : "p1.example");
	}
	snprintf(dom, sizeof(dom), "d%05d.example", MANY);
	assert_null(find(cfg, dom));
	mac_cfg_free(cfg);
}

static void
test_miss(void **state)
{
	struct mac_cfg *cfg;

	(void)state;
	/* The premise of the collision cases below. */
	assert_int_equal(
	    cfg_hash(COLL_A, strlen(COLL_A)), cfg_hash(COLL_B, strlen(COLL_B)));
	assert_int_equal(
	    cfg_hash(COLL_C, strlen(COLL_C)), cfg_hash(COLL_D, strlen(COLL_D)));

	cfg = load("[provider a.example]\n"
		   "domains = example.com, " COLL_A ", " COLL_C "\n" SERVERS);
	assert_null(find(cfg, "example.org"));
	assert_null(find(cfg, "example.co"));
	assert_null(find(cfg, "example.comm"));
	assert_null(find(cfg, "xample.com"));
	assert_null(find(cfg, ""));
	assert_null(find(cfg, COLL_B)); /* same hash, same length */
	assert_null(find(cfg, COLL_D)); /* same hash, shorter */
	assert_string_equal(find_id(cfg, COLL_A), "a.example");
	assert_string_equal(find_id(cfg, COLL_C), "a.example");
	mac_cfg_free(cfg);

	/* Colliding names in one table each find their own provider. */
	cfg = load("[provider a.example]\n"
		   "domains = " COLL_A ", " COLL_C "\n" SERVERS
		   "[provider b.example]\n"
		   "domains = " COLL_B ", " COLL_D "\n" SERVERS);
	assert_string_equal(find_id(cfg, COLL_A), "a.example");
	assert_string_equal(find_id(cfg, COLL_B), "b.example");
	assert_string_equal(find_id(cfg, COLL_C), "a.example");
	assert_string_equal(find_id(cfg, COLL_D), "b.example");
	mac_cfg_free(cfg);

	/* With a catch-all provider, a miss is the catch-all. */
	cfg = load("[provider a.example]\n"
		   "domains = example.com\n" SERVERS "[provider all.example]\n"
		   "catch-all = yes\n" SERVERS);
	assert_string_equal(find_id(cfg, "example.com"), "a.example");
	assert_string_equal(find_id(cfg, "example.org"), "all.example");
	assert_string_equal(find_id(cfg, COLL_A), "all.example");
	mac_cfg_free(cfg);

	/* No domain at all: an empty table, every name is the catch-all. */
	cfg = load("[provider all.example]\n"
		   "catch-all = yes\n" SERVERS);
	assert_int_equal(cfg->dcap, 0);
	assert_string_equal(find_id(cfg, "example.com"), "all.example");
	mac_cfg_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_case),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_miss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
