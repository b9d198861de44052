/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Addresses, domain names and query strings.
 *
 * Turns untrusted request text into validated, normalised values: domains
 * become lower-case A-labels (IDNA2008), local parts are checked against
 * RFC 5322 dot-atom (plus the quoted-string-free subset clients send), and
 * query values are percent-decoded exactly once.  Nothing here writes
 * output; everything returns MAC_EINPUT with a short static reason.
 */
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "extern.h"

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * Check an already lower-case ASCII domain label by label (RFC 1035 2.3.1,
 * RFC 5890 2.3.1): 1..63 LDH octets, no leading or trailing hyphen, at
 * least two labels, the last not all digits.
 */
static enum mac_err
dom_check(const char *d, size_t len, const char **why)
{
	size_t i, start = 0, labels = 0;
	int alldigit = 1;

	if (len == 0 || len > MAC_DOMAIN_MAX) {
		*why = len == 0 ? "empty domain" : "domain too long";
		return MAC_EINPUT;
	}
	for (i = 0; i <= len; i++) {
		if (i == len || d[i] == '.') {
			size_t n = i - start;
			if (n == 0 || n > MAC_LABEL_MAX) {
				*why = n == 0 ? "empty label in domain"
					      : "domain label too long";
				return MAC_EINPUT;
			}
			if (d[start] == '-' || d[i - 1] == '-') {
				*why = "domain label starts or ends with '-'";
				return MAC_EINPUT;
			}
			labels++;
			if (i < len)
				alldigit = 1;
			start = i + 1;
			continue;
		}
		if (!is_ldh((unsigned char)d[i])) {
			*why = "invalid character in domain";
			return MAC_EINPUT;
		}
		if (d[i] < '0' || d[i] > '9')
			alldigit = 0;
	}
	if (labels < 2) {
		*why = "domain needs at least two labels";
		return MAC_EINPUT;
	}
	if (alldigit) {
		*why = "top-level label is numeric";
		return MAC_EINPUT;
	}
	return MAC_OK;
}

enum mac_err
dom_norm(
    const char *in, size_t len, char *out, size_t *outlen, const char **why)
{
	size_t i;
	int ascii = 1;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0) {
		*why = "empty domain";
		return MAC_EINPUT;
	}
	/* A U-label form may be longer than its A-label form, but not by
	 * more than four octets a character; bound the work first. */
	if (len > MAC_DOMAIN_MAX * 4) {
		*why = "domain too long";
		return MAC_EINPUT;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '\0') {
			*why = "NUL byte in domain";
			return MAC_EINPUT;
		}
		if (c >= 0x80)
			ascii = 0;
	}
	if (ascii) {
		if (len > MAC_DOMAIN_MAX) {
			*why = "domain too long";
			return MAC_EINPUT;
		}
		for (i = 0; i < len; i++) {
			char c = in[i];
			out[i] =
			    (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		out[len] = '\0';
	} else {
		char tmp[MAC_DOMAIN_MAX * 4 + 1];
		char *a = NULL;
		size_t alen;

		memcpy(tmp, in, len);
		tmp[len] = '\0';
		if (idn2_to_ascii_8z(tmp, &a,
			IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK) {
			*why = "invalid internationalised domain";
			return MAC_EINPUT;
		}
		alen = strlen(a);
		if (alen > MAC_DOMAIN_MAX) {
			idn2_free(a);
			*why = "domain too long";
			return MAC_EINPUT;
		}
		for (i = 0; i < alen; i++) {
			char c = a[i];
			out[i] =
			    (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		out[alen] = '\0';
		len = alen;
		idn2_free(a);
	}
	if (dom_check(out, len, why) != MAC_OK)
		return MAC_EINPUT;
	*outlen = len;
	return MAC_OK;
}

enum mac_err
addr_domain(struct mac_arena *a, const char *p, size_t len, struct mac_str *out,
    const char **why)
{
	char d[MAC_DOMAIN_MAX + 1];
	size_t dlen;
	char *s;

	if (dom_norm(p, len, d, &dlen, why) != MAC_OK)
		return MAC_EINPUT;
	if ((s = arena_strndup(a, d, dlen)) == NULL)
		return MAC_ENOMEM;
	out->p = s;
	out->len = dlen;
	return MAC_OK;
}

/* RFC 5322 3.2.3 atext. */
static int
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * Parse local@domain.  The local part must be a dot-atom (RFC 5322 3.4.1)
 * of at most MAC_LOCAL_MAX octets; UTF-8 local parts (RFC 6531, RFC 6532
 * section 3.1 UTF8-non-ascii) are accepted if well-formed.  Exactly one
 * '@'.
 */
enum mac_err
addr_parse(struct mac_arena *a, const char *p, size_t len, struct addr *out,
    const char **why)
{
	const char *at;
	size_t i, llen;

	if (len == 0) {
		*why = "empty address";
		return MAC_EINPUT;
	}
	if (len > MAC_EMAIL_MAX) {
		*why = "address too long";
		return MAC_EINPUT;
	}
	if ((at = memchr(p, '@', len)) == NULL) {
		*why = "address has no '@'";
		return MAC_EINPUT;
	}
	if (memchr(at + 1, '@', len - (size_t)(at - p) - 1) != NULL) {
		*why = "address has more than one '@'";
		return MAC_EINPUT;
	}
	llen = (size_t)(at - p);
	if (llen == 0 || llen > MAC_LOCAL_MAX) {
		*why = llen == 0 ? "address has an empty local part"
				 : "local part too long";
		return MAC_EINPUT;
	}
	if (p[0] == '.' || p[llen - 1] == '.') {
		*why = "local part starts or ends with '.'";
		return MAC_EINPUT;
	}
	for (i = 0; i < llen; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '.' && p[i + 1] == '.') {
			*why = "local part has '..'";
			return MAC_EINPUT;
		}
		if (c != '.' && !is_atext(c) && c < 0x80) {
			*why = "invalid character in local part";
			return MAC_EINPUT;
		}
	}
	if (!xml_valid(p, llen)) {
		*why = "local part is not valid UTF-8";
		return MAC_EINPUT;
	}
	out->local.p = p;
	out->local.len = llen;
	return addr_domain(a, at + 1, len - llen - 1, &out->domain, why);
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Look key up in an application/x-www-form-urlencoded query (the first
 * occurrence wins) and decode its value once.  '+' is kept as '+', since
 * Thunderbird sends a literal plus as %2B and a raw '+' in an address is
 * far more likely than a space.
 */
enum mac_err
query_get(struct mac_arena *a, struct mac_str q, const char *key,
    struct mac_str *out, const char **why)
{
	return query_get_nth(a, q, key, 0, out, why);
}

enum mac_err
query_get_nth(struct mac_arena *a, struct mac_str q, const char *key,
    size_t nth, struct mac_str *out, const char **why)
{
	size_t i = 0, npairs = 0, seen = 0;

	out->p = NULL;
	out->len = 0;
	if (q.len > MAC_QUERY_MAX) {
		*why = "query string too long";
		return MAC_EINPUT;
	}
	while (i < q.len) {
		size_t start = i, eq, end, vlen, j, k;
		char *v;

		while (i < q.len && q.p[i] != '&' && q.p[i] != ';')
			i++;
		end = i++;
		if (++npairs > MAC_QUERY_KEYS_MAX) {
			*why = "too many query parameters";
			return MAC_EINPUT;
		}
		for (eq = start; eq < end && q.p[eq] != '='; eq++)
			;
		if (!ascii_caseeq(q.p + start, eq - start, key) || seen++ < nth)
			continue;
		vlen = eq < end ? end - eq - 1 : 0;
		if ((v = arena_alloc(a, vlen + 1)) == NULL)
			return MAC_ENOMEM;
		for (j = eq + 1, k = 0; j < end; j++) {
			unsigned char c = (unsigned char)q.p[j];
			if (c == '%') {
				int hi, lo;
				if (j + 2 >= end ||
				    (hi = hexval((unsigned char)q.p[j + 1])) <
					0 ||
				    (lo = hexval((unsigned char)q.p[j + 2])) <
					0) {
					*why = "malformed percent-encoding";
					return MAC_EINPUT;
				}
				c = (unsigned char)(hi << 4 | lo);
				j += 2;
			}
			if (c == '\0') {
				*why = "NUL byte in query";
				return MAC_EINPUT;
			}
			v[k++] = (char)c;
		}
		v[k] = '\0';
		out->p = v;
		out->len = k;
		return MAC_OK;
	}
	return MAC_OK;
}
