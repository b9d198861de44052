/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for lib/addr.c: domain normalisation, address parsing and
 * query-string decoding, as tables of valid and invalid inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/addr.c"

static char arena_mem[MAC_ARENA_MAX];

static struct mac_arena
arena_new(void)
{
	struct mac_arena a = {arena_mem, 0, sizeof(arena_mem), 0};
	return a;
}

static const struct {
	const char *in, *out;
} dom_valids[] = {
    {"example.com", "example.com"},
    {"EXAMPLE.Com", "example.com"},
    {"example.com.", "example.com"},
    {"a-b.example.org", "a-b.example.org"},
    {"xn--bcher-kva.example", "xn--bcher-kva.example"},
    {"b\xc3\xbc"
     "cher.example",
	"xn--bcher-kva.example"},
    {"M\xc3\x9cNCHEN.de", "xn--mnchen-3ya.de"},
    {"1.2.example", "1.2.example"},
    {"x.y", "x.y"},
};

static const struct {
	const char *in;
	size_t len; /* 0: strlen */
	const char *why;
} dom_invalids[] = {
    {"", 0, "empty domain"},
    {".", 0, "empty domain"},
    {"com", 0, "domain needs at least two labels"},
    {"example..com", 0, "empty label in domain"},
    {".example.com", 0, "empty label in domain"},
    {"-a.example.com", 0, "domain label starts or ends with '-'"},
    {"a-.example.com", 0, "domain label starts or ends with '-'"},
    {"exa_mple.com", 0, "invalid character in domain"},
    {"exa mple.com", 0, "invalid character in domain"},
    {"example.com/x", 0, "invalid character in domain"},
    {"example.com:443", 0, "invalid character in domain"},
    {"127.0.0.1", 0, "top-level label is numeric"},
    {"exa\0mple.com", 12, "NUL byte in domain"},
    {"\xff\xfe.example", 0, "invalid internationalised domain"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com", 0,
	"domain label too long"},
};

static void
test_dom_valid(void **state)
{
	char out[MAC_DOMAIN_MAX + 1];
	const char *why = NULL;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(dom_valids) / sizeof(dom_valids[0]); i++) {
		assert_int_equal(dom_norm(dom_valids[i].in,
				     strlen(dom_valids[i].in), out, &n, &why),
		    MAC_OK);
		assert_string_equal(out, dom_valids[i].out);
		assert_int_equal(n, strlen(dom_valids[i].out));
	}
}

static void
test_dom_invalid(void **state)
{
	char out[MAC_DOMAIN_MAX + 1];
	const char *why;
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(dom_invalids) / sizeof(dom_invalids[0]); i++) {
		why = NULL;
		len = dom_invalids[i].len ? dom_invalids[i].len
					  : strlen(dom_invalids[i].in);
		assert_int_equal(
		    dom_norm(dom_invalids[i].in, len, out, &n, &why),
		    MAC_EINPUT);
		assert_non_null(why);
		assert_string_equal(why, dom_invalids[i].why);
	}
}

static void
test_dom_too_long(void **state)
{
	char in[400], out[MAC_DOMAIN_MAX + 1];
	const char *why = NULL;
	size_t i, n;

	(void)state;
	/* 127 labels "a." then "com": 257 octets. */
	for (i = 0; i < 254; i += 2) {
		in[i] = 'a';
		in[i + 1] = '.';
	}
	memcpy(in + 254, "com", 3);
	assert_int_equal(dom_norm(in, 257, out, &n, &why), MAC_EINPUT);
	assert_string_equal(why, "domain too long");
	/* exactly 253 is fine */
	assert_int_equal(dom_norm(in + 4, 253, out, &n, &why), MAC_OK);
	assert_int_equal(n, 253);
}

static const struct {
	const char *in, *local, *domain;
} addr_valids[] = {
    {"alice@example.com", "alice", "example.com"},
    {"Alice.Smith@Example.COM", "Alice.Smith", "example.com"},
    {"a+tag@example.org", "a+tag", "example.org"},
    {"EVOLUTIONUSER@example.net", "EVOLUTIONUSER", "example.net"},
    {"o'brien@example.com", "o'brien", "example.com"},
    {"x@b\xc3\xbc"
     "cher.example",
	"x", "xn--bcher-kva.example"},
    {"j\xc3\xb6rg@example.com", "j\xc3\xb6rg", "example.com"},
    {"\xe2\x82\xacuro@example.com", "\xe2\x82\xacuro", "example.com"},
    {"\xf0\x9f\x93\xa7@example.com", "\xf0\x9f\x93\xa7", "example.com"},
    {"\xef\xbf\xbd@example.com", "\xef\xbf\xbd", "example.com"},
    {"user@example.com.", "user", "example.com"},
};

static const struct {
	const char *in, *why;
} addr_invalids[] = {
    {"", "empty address"},
    {"alice", "address has no '@'"},
    {"@example.com", "address has an empty local part"},
    {"a@b@example.com", "address has more than one '@'"},
    {".a@example.com", "local part starts or ends with '.'"},
    {"a.@example.com", "local part starts or ends with '.'"},
    {"a..b@example.com", "local part has '..'"},
    {"a b@example.com", "invalid character in local part"},
    {"a<b@example.com", "invalid character in local part"},
    {"a\"b@example.com", "invalid character in local part"},
    {"a\r\nb@example.com", "invalid character in local part"},
    /* Malformed UTF-8 in the local part (hostile.py sends these through
     * nginx: they were answered 200 on every route but the profile). */
    {"\xff@example.com", "local part is not valid UTF-8"},
    {"a\x80"
     "b@example.com",
	"local part is not valid UTF-8"},
    {"a\xc0\x80"
     "b@example.com",
	"local part is not valid UTF-8"},
    {"a\xc3@example.com", "local part is not valid UTF-8"},
    {"a\xe0\x80\xaf"
     "b@example.com",
	"local part is not valid UTF-8"},
    {"a\xed\xa0\x80@example.com", "local part is not valid UTF-8"},
    {"a\xf4\x90\x80\x80@example.com", "local part is not valid UTF-8"},
    {"a\xf5\x80\x80\x80@example.com", "local part is not valid UTF-8"},
    {"a\xef\xbf\xbe@example.com", "local part is not valid UTF-8"},
    {"a\xef\xbf\xbf@example.com", "local part is not valid UTF-8"},
    {"a@", "empty domain"},
    {"a@localhost", "domain needs at least two labels"},
    {"a@[127.0.0.1]", "invalid character in domain"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.com",
	"local part too long"},
};

static void
test_addr_valid(void **state)
{
	struct mac_arena a = arena_new();
	struct addr ad;
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addr_valids) / sizeof(addr_valids[0]); i++) {
		const char *in = addr_valids[i].in;
		assert_int_equal(
		    addr_parse(&a, in, strlen(in), &ad, &why), MAC_OK);
		assert_int_equal(ad.local.len, strlen(addr_valids[i].local));
		assert_memory_equal(
		    ad.local.p, addr_valids[i].local, ad.local.len);
		assert_string_equal(ad.domain.p, addr_valids[i].domain);
	}
}

static void
test_addr_invalid(void **state)
{
	struct mac_arena a = arena_new();
	struct addr ad;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addr_invalids) / sizeof(addr_invalids[0]); i++) {
		const char *in = addr_invalids[i].in;
		why = NULL;
		assert_int_equal(
		    addr_parse(&a, in, strlen(in), &ad, &why), MAC_EINPUT);
		assert_string_equal(why, addr_invalids[i].why);
	}
}

static void
test_addr_too_long(void **state)
{
	struct mac_arena a = arena_new();
	char in[300];
	struct addr ad;
	const char *why = NULL;

	(void)state;
	memset(in, 'a', sizeof(in));
	in[10] = '@';
	memcpy(in + 296, ".com", 4);
	assert_int_equal(addr_parse(&a, in, 300, &ad, &why), MAC_EINPUT);
	assert_string_equal(why, "address too long");
}

static void
test_addr_arena_full(void **state)
{
	struct mac_arena a = {arena_mem, 0, 4, 0};
	struct addr ad;
	const char *why = NULL;

	(void)state;
	assert_int_equal(
	    addr_parse(&a, "alice@example.com", 17, &ad, &why), MAC_ENOMEM);
}

static const struct {
	const char *q, *key, *val; /* val NULL: absent */
} query_valids[] = {
    {"emailaddress=alice%40example.com", "emailaddress", "alice@example.com"},
    {"emailaddress=alice@example.com", "emailaddress", "alice@example.com"},
    {"EmailAddress=a%2Bb%40x.org", "emailaddress", "a+b@x.org"},
    {"x=1&emailaddress=a+b%40x.org", "emailaddress", "a+b@x.org"},
    {"emailaddress=EVOLUTIONUSER%40example.com&emailmd5=abc", "emailmd5",
	"abc"},
    {"a=1;b=2", "b", "2"},
    {"emailaddress=", "emailaddress", ""},
    {"emailaddress", "emailaddress", ""},
    {"emailaddress=first&emailaddress=second", "emailaddress", "first"},
    {"", "emailaddress", NULL},
    {"Email=u%40d.org&Protocol=ActiveSync", "protocol", "ActiveSync"},
    {"emailaddressx=1", "emailaddress", NULL},
    {"other=%zz", "emailaddress", NULL},
};

static const struct {
	const char *q, *key, *why;
} query_invalids[] = {
    {"emailaddress=%4", "emailaddress", "malformed percent-encoding"},
    {"emailaddress=%", "emailaddress", "malformed percent-encoding"},
    {"emailaddress=%zz", "emailaddress", "malformed percent-encoding"},
    {"emailaddress=a%00b", "emailaddress", "NUL byte in query"},
};

static void
test_query_valid(void **state)
{
	struct mac_arena a = arena_new();
	struct mac_str q, v;
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(query_valids) / sizeof(query_valids[0]); i++) {
		q.p = query_valids[i].q;
		q.len = strlen(q.p);
		assert_int_equal(
		    query_get(&a, q, query_valids[i].key, &v, &why), MAC_OK);
		if (query_valids[i].val == NULL) {
			assert_null(v.p);
			continue;
		}
		assert_non_null(v.p);
		assert_int_equal(v.len, strlen(query_valids[i].val));
		assert_memory_equal(v.p, query_valids[i].val, v.len);
	}
}

static void
test_query_invalid(void **state)
{
	struct mac_arena a = arena_new();
	struct mac_str q, v;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(query_invalids) / sizeof(query_invalids[0]);
	     i++) {
		why = NULL;
		q.p = query_invalids[i].q;
		q.len = strlen(q.p);
		assert_int_equal(
		    query_get(&a, q, query_invalids[i].key, &v, &why),
		    MAC_EINPUT);
		assert_string_equal(why, query_invalids[i].why);
	}
}

static void
test_query_limits(void **state)
{
	struct mac_arena a = arena_new();
	static char big[MAC_QUERY_MAX + 2];
	struct mac_str q, v;
	const char *why = NULL;
	size_t i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	q.p = big;
	q.len = sizeof(big) - 1;
	assert_int_equal(query_get(&a, q, "x", &v, &why), MAC_EINPUT);
	assert_string_equal(why, "query string too long");
	for (i = 0; i + 2 <= 2 * (MAC_QUERY_KEYS_MAX + 1); i += 2)
		memcpy(big + i, "a&", 2);
	q.len = 2 * (MAC_QUERY_KEYS_MAX + 1);
	assert_int_equal(query_get(&a, q, "x", &v, &why), MAC_EINPUT);
	assert_string_equal(why, "too many query parameters");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dom_valid),
	    cmocka_unit_test(test_dom_invalid),
	    cmocka_unit_test(test_dom_too_long),
	    cmocka_unit_test(test_addr_valid),
	    cmocka_unit_test(test_addr_invalid),
	    cmocka_unit_test(test_addr_too_long),
	    cmocka_unit_test(test_addr_arena_full),
	    cmocka_unit_test(test_query_valid),
	    cmocka_unit_test(test_query_invalid),
	    cmocka_unit_test(test_query_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
