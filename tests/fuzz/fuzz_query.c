/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * libFuzzer target: the input is a raw query string.  query_get() looks
 * up the keys the routes read (emailaddress, Email, Protocol, name), and
 * every value found goes through addr_parse(); the input itself also goes
 * through addr_parse() and dom_norm() as an address and a domain.
 *
 * Invariants: query_get() returns MAC_OK or MAC_EINPUT with a reason; a
 * value found is NUL-terminated, holds no NUL and is no longer than the
 * input, and percent-encoding it again and looking it up (key in another
 * letter case) gives it back.  addr_parse() and dom_norm() succeed only
 * with a local part of 1..MAC_LOCAL_MAX octets before the only '@' and a
 * normalised domain (fuzz_domain_ok()) that dom_norm() leaves unchanged
 * and that, for ASCII input, is the input lower-cased less one final dot.
 * Repeated keys (a profile for several addresses): query_get_nth() finds
 * the occurrences in order, the first one query_get()'s, none after the
 * first absent one, at most MAC_QUERY_KEYS_MAX; each value and each
 * comma-separated piece of it goes through addr_parse().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Room for a value re-encoded: the key, '=' and three bytes a byte. */
#define REQ_MAX (MAC_QUERY_MAX + 1)

static struct mac_arena arena;

static int
is_ascii(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 0;
	return 1;
}

/* The domain dom_norm() must make of ASCII input: lower case, and one
 * trailing dot dropped. */
static int
ascii_lower_eq(const char *in, size_t n, const char *out, size_t outlen)
{
	size_t i;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n != outlen)
		return 0;
	for (i = 0; i < n; i++) {
		char c = in[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != out[i])
			return 0;
	}
	return 1;
}

static void
check_domain(const char *in, size_t inlen, const char *d, size_t len)
{
	char again[MAC_DOMAIN_MAX + 1];
	size_t alen;
	const char *why = NULL;

	FUZZ_CHECK(fuzz_domain_ok(d, len), "domain '%.*s' (len %zu)", (int)len,
	    d, len);
	FUZZ_CHECK(dom_norm(d, len, again, &alen, &why) == MAC_OK,
	    "dom_norm refuses its own output '%s': %s", d, why);
	FUZZ_CHECK(alen == len && memcmp(again, d, len) == 0,
	    "dom_norm not idempotent: '%s' -> '%s'", d, again);
	if (is_ascii(in, inlen))
		FUZZ_CHECK(ascii_lower_eq(in, inlen, d, len),
		    "ASCII domain '%.*s' became '%s'", (int)inlen, in, d);
}

static void
check_addr(const char *p, size_t n)
{
	struct addr a;
	const char *why = NULL, *at;
	size_t i;
	enum mac_err e;

	memset(&a, 0, sizeof(a));
	e = addr_parse(&arena, p, n, &a, &why);
	FUZZ_CHECK(e == MAC_OK || e == MAC_EINPUT, "addr_parse: %d", (int)e);
	if (e != MAC_OK) {
		FUZZ_CHECK(why != NULL, "addr_parse error without reason");
		return;
	}
	at = memchr(p, '@', n);
	FUZZ_CHECK(
	    at != NULL && memchr(at + 1, '@', n - (size_t)(at - p) - 1) == NULL,
	    "accepted without exactly one '@': %.*s", (int)n, p);
	FUZZ_CHECK(n <= MAC_EMAIL_MAX, "accepted %zu octets", n);
	FUZZ_CHECK(a.local.p == p && a.local.len == (size_t)(at - p),
	    "local part is not the text before '@'");
	FUZZ_CHECK(a.local.len >= 1 && a.local.len <= MAC_LOCAL_MAX,
	    "local part of %zu octets", a.local.len);
	FUZZ_CHECK(p[0] != '.' && p[a.local.len - 1] != '.',
	    "local part starts or ends with '.'");
	for (i = 0; i < a.local.len; i++) {
		unsigned char c = (unsigned char)p[i];
		FUZZ_CHECK(c > 0x20 && c != 0x7f && !strchr("\"(),:;<>[\\]", c),
		    "local part byte 0x%02x", c);
		FUZZ_CHECK(
		    c != '.' || p[i + 1] != '.', "'..' in the local part");
	}
	FUZZ_CHECK(a.domain.p != NULL, "no domain");
	check_domain(at + 1, n - a.local.len - 1, a.domain.p, a.domain.len);
}

/* key=value with value encoded again: %, & and ; as %XX, the rest raw. */
static size_t
encode(char *out, const char *key, const char *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = strlen(key);

	memcpy(out, key, o);
	out[o++] = '=';
	for (i = 0; i < n && o + 3 < REQ_MAX; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '%' || c == '&' || c == ';') {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else
			out[o++] = (char)c;
	}
	return i == n ? o : 0;
}

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	arena.cap = MAC_ARENA_MAX;
	FUZZ_CHECK((arena.p = malloc(arena.cap)) != NULL, "malloc");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"emailaddress", "Email", "Protocol",
	    "name"},
				 *const upper[] = {"EMAILADDRESS", "email",
				     "PROTOCOL", "NaMe"};
	static char req[REQ_MAX];
	struct mac_str q = {(const char *)data, size}, v, w;
	const char *why;
	char d[MAC_DOMAIN_MAX + 1];
	size_t i, n, dlen;
	enum mac_err e;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		arena.used = 0;
		why = NULL;
		e = query_get(&arena, q, keys[i], &v, &why);
		FUZZ_CHECK(
		    e == MAC_OK || e == MAC_EINPUT, "query_get: %d", (int)e);
		if (e != MAC_OK) {
			FUZZ_CHECK(why != NULL, "query_get error without why");
			FUZZ_CHECK(v.p == NULL, "value set on error");
			continue;
		}
		FUZZ_CHECK(size <= MAC_QUERY_MAX, "accepted %zu octets", size);
		if (v.p == NULL) {
			FUZZ_CHECK(v.len == 0, "absent key with a length");
			continue;
		}
		FUZZ_CHECK(
		    v.len <= size, "value of %zu from %zu octets", v.len, size);
		FUZZ_CHECK(memchr(v.p, '\0', v.len) == NULL, "NUL in value");
		FUZZ_CHECK(v.p[v.len] == '\0', "value not NUL-terminated");

		/* Encode it again and look it up under another spelling. */
		if ((n = encode(req, upper[i], v.p, v.len)) != 0 &&
		    n <= MAC_QUERY_MAX) {
			struct mac_str q2 = {req, n};
			e = query_get(&arena, q2, keys[i], &w, &why);
			FUZZ_CHECK(e == MAC_OK && w.p != NULL &&
				       w.len == v.len &&
				       memcmp(w.p, v.p, v.len) == 0,
			    "round trip of '%s' failed (%d): %.*s", keys[i],
			    (int)e, (int)n, req);
		}
		check_addr(v.p, v.len);
	}

	/* Every occurrence of emailaddress, and each piece of a list. */
	for (i = 0, n = 0; i <= MAC_QUERY_KEYS_MAX; i++) {
		arena.used = 0;
		why = NULL;
		e = query_get(&arena, q, "emailaddress", &w, &why);
		if (e != MAC_OK)
			break;
		e = query_get_nth(&arena, q, "emailaddress", i, &v, &why);
		FUZZ_CHECK(e == MAC_OK || e == MAC_EINPUT, "query_get_nth: %d",
		    (int)e);
		if (e != MAC_OK || v.p == NULL)
			break;
		n++;
		FUZZ_CHECK(
		    v.p[v.len] == '\0' && memchr(v.p, '\0', v.len) == NULL,
		    "occurrence %zu not a C string", i);
		FUZZ_CHECK(i != 0 || (w.p != NULL && w.len == v.len &&
					 memcmp(w.p, v.p, v.len) == 0),
		    "occurrence 0 is not query_get()'s");
		for (const char *s = v.p, *c;; s = c + 1) {
			c = memchr(s, ',', (size_t)(v.p + v.len - s));
			check_addr(
			    s, (size_t)((c != NULL ? c : v.p + v.len) - s));
			if (c == NULL)
				break;
		}
	}
	FUZZ_CHECK(n <= MAC_QUERY_KEYS_MAX, "%zu occurrences", n);
	if (i < MAC_QUERY_KEYS_MAX && e == MAC_OK) {
		arena.used = 0;
		e = query_get_nth(&arena, q, "emailaddress", i + 1, &v, &why);
		FUZZ_CHECK(e != MAC_OK || v.p == NULL,
		    "occurrence %zu after an absent one", i + 1);
	}

	/* The input itself as an address and as a domain (libFuzzer's copy
	 * has exactly size readable bytes, so an over-read is caught). */
	arena.used = 0;
	check_addr((const char *)data, size);
	dlen = 0;
	why = NULL;
	if (dom_norm((const char *)data, size, d, &dlen, &why) == MAC_OK)
		check_domain((const char *)data, size, d, dlen);
	else
		FUZZ_CHECK(why != NULL, "dom_norm error without why");
	return 0;
}
