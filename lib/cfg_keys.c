/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: the key table and its validators.
 *
 * key_table[] names every key of a section, how its value is checked and
 * where it is stored; cfg_handler(), called by inih for each key = value
 * line, looks the key up and runs its handler.  The handlers of the
 * one-value keys (texts, URLs, hosts, numbers, booleans, usernames)
 * live here; server lines are in cfg_server.c, the keys that name
 * domains in cfg_domains.c.
 */

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg_int.h"

#define CFG_STR_(x) #x
#define CFG_STR(x) CFG_STR_(x)

static const struct {
	const char *word;
	int val;
} bools[] = {
    {"yes", 1},
    {"no", 0},
    {"true", 1},
    {"false", 0},
    {"on", 1},
    {"off", 0},
    {"1", 1},
    {"0", 0},
};

static const char *const user_vars[] = {
    "%EMAILADDRESS%",
    "%EMAILLOCALPART%",
    "%EMAILDOMAIN%",
};

static void key_text(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
static void key_ascii(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_url(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
static void key_host(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
static void key_uint(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
static void key_bool(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);

static void key_username(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_mc_id(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_mc_url(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);

#define OFF(f) offsetof(struct cfg_provider, f)

const struct keydef key_table[KEY__MAX] = {
    [KEY_DISPLAY_NAME] = {"display-name", key_text, FIELD_STR,
	OFF(display_name), 0, 0, 0},
    [KEY_SHORT_NAME] = {"short-name", key_text, FIELD_STR, OFF(short_name), 0,
	0, 0},
    [KEY_DOMAINS] = {"domains", key_domains, FIELD_NONE, 0, 0, 0,
	KF_PROVIDER | KF_REPEAT},
    [KEY_DOMAINS_FILE] = {"domains-file", key_domains_file, FIELD_NONE, 0, 0, 0,
	KF_PROVIDER | KF_REPEAT},
    [KEY_CATCH_ALL] = {"catch-all", key_catch_all, FIELD_NONE, 0, 0, 0,
	KF_PROVIDER},
    [KEY_SERVER] = {"server", key_server, FIELD_SERVERS, 0, 0, 0, KF_REPEAT},
    [KEY_AUTH] = {"authentication", key_auth, FIELD_AUTH, 0, 0, 0, 0},
    [KEY_USERNAME] = {"username", key_username, FIELD_USER, 0, 0, 0, 0},
    [KEY_POP3_LEAVE] = {"pop3-leave-on-server", key_bool, FIELD_INT,
	OFF(pop3_leave), 0, 0, 0},
    [KEY_POP3_DAYS] = {"pop3-days-on-server", key_uint, FIELD_UINT,
	OFF(pop3_days), 1, MAC_CFG_POP3_DAYS_MAX, 0},
    [KEY_CALDAV] = {"caldav", key_url, FIELD_STR, OFF(caldav), 0, 0,
	KF_EMAILDOMAIN},
    [KEY_CARDDAV] = {"carddav", key_url, FIELD_STR, OFF(carddav), 0, 0,
	KF_EMAILDOMAIN},
    [KEY_WEBMAIL] = {"webmail", key_url, FIELD_STR, OFF(webmail), 0, 0,
	KF_HTTP | KF_EMAILDOMAIN},
    /* Repeated: one link a line, each with its texts (cfg_texts.c). */
    [KEY_DOC] = {"documentation", key_doc, FIELD_DOCS, 0, 0, 0,
	KF_HTTP | KF_REPEAT | KF_EMAILDOMAIN},
    [KEY_DOC_TEXT] = {"documentation-text", key_doc_text, FIELD_DOCS, 0, 0,
	MAC_CFG_TEXT_MAX, KF_REPEAT},
    [KEY_ACTIVESYNC] = {"activesync", key_url, FIELD_STR, OFF(activesync), 0, 0,
	0},
    [KEY_AUTODISCOVER_URL] = {"autodiscover-url", key_url, FIELD_STR,
	OFF(autodiscover_url), 0, 0, 0},
    [KEY_CONFIG_UPDATE_URL] = {"config-update-url", key_url, FIELD_STR,
	OFF(config_update_url), 0, 0, 0},
    [KEY_OAUTH_ISSUER] = {"oauth2-issuer", key_host, FIELD_STR,
	OFF(oauth_issuer), 0, 0, 0},
    [KEY_OAUTH_SCOPE] = {"oauth2-scope", key_ascii, FIELD_STR, OFF(oauth_scope),
	0, 0, 0},
    [KEY_OAUTH_AUTH_URL] = {"oauth2-auth-url", key_url, FIELD_STR,
	OFF(oauth_auth_url), 0, 0, 0},
    [KEY_OAUTH_TOKEN_URL] = {"oauth2-token-url", key_url, FIELD_STR,
	OFF(oauth_token_url), 0, 0, 0},
    [KEY_TTL] = {"autodiscover-ttl", key_uint, FIELD_UINT, OFF(ttl), 0,
	MAC_CFG_TTL_MAX, 0},
    [KEY_MC_ORG] = {"mobileconfig-organization", key_text, FIELD_STR,
	OFF(mc_org), 0, 0, 0},
    [KEY_MC_ID] = {"mobileconfig-identifier", key_mc_id, FIELD_STR,
	OFF(mc_prefix), 0, 0, 0},
    /* PEM paths, read when the provider is completed (cfg_sign.c). */
    [KEY_MC_SIGN_CERT] = {"mobileconfig-sign-cert", key_ascii, FIELD_STR,
	OFF(mc_sign_cert), 0, 0, 0},
    [KEY_MC_SIGN_KEY] = {"mobileconfig-sign-key", key_ascii, FIELD_STR,
	OFF(mc_sign_key), 0, 0, 0},
    [KEY_MC_SIGN_CHAIN] = {"mobileconfig-sign-chain", key_ascii, FIELD_STR,
	OFF(mc_sign_chain), 0, 0, 0},
    /* Where QR codes point (ep_qrcode.c); the query is appended. */
    [KEY_MC_URL] = {"mobileconfig-url", key_mc_url, FIELD_STR, OFF(mc_url), 0,
	0, 0},
    /* The enable instruction, the webmail login form and the setup page's
     * notes (cfg_texts.c). */
    [KEY_ENABLE_URL] = {"enable-url", key_enable_url, FIELD_ENABLE, 0, 0, 0,
	KF_HTTP | KF_EMAILDOMAIN},
    [KEY_ENABLE_TEXT] = {"enable-text", key_enable_text, FIELD_ENABLE, 0, 0,
	MAC_CFG_LONGTEXT_MAX, KF_REPEAT},
    [KEY_LOGIN_URL] = {"webmail-login-url", key_login, FIELD_LOGIN, 0, 0, 0,
	KF_HTTP | KF_EMAILDOMAIN},
    [KEY_LOGIN_USER] = {"webmail-login-username", key_login, FIELD_LOGIN, 0, 0,
	0, 0},
    [KEY_LOGIN_USER_FIELD] = {"webmail-login-username-field", key_login,
	FIELD_LOGIN, 0, 0, 0, 0},
    [KEY_LOGIN_PASS_FIELD] = {"webmail-login-password-field", key_login,
	FIELD_LOGIN, 0, 0, 0, 0},
    [KEY_LOGIN_BUTTON] = {"webmail-login-button", key_login, FIELD_LOGIN, 0, 0,
	0, 0},
    [KEY_SETUP_NOTE] = {"setup-note", key_setup_note, FIELD_NOTES, 0, 0,
	MAC_CFG_LONGTEXT_MAX, KF_REPEAT},
};

/* ---- small helpers ---- */

/*
 * Next token of s separated by any of seps.  Returns 0 at the end;
 * otherwise sets *tok and *tlen and advances *sp past the token.
 */
int
tok_next(const char **sp, const char *seps, const char **tok, size_t *tlen)
{
	const char *s = *sp;

	while (*s != '\0' && strchr(seps, *s) != NULL)
		s++;
	if (*s == '\0') {
		*sp = s;
		return 0;
	}
	*tok = s;
	while (*s != '\0' && strchr(seps, *s) == NULL)
		s++;
	*tlen = (size_t)(s - *tok);
	*sp = s;
	return 1;
}

/* Parse decimal digits only, at most max.  Returns 0 or -1. */
int
num_parse(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * Check text for display: valid UTF-8 (RFC 3629), no C0 or C1 control
 * characters, no DEL and no U+FFFE or U+FFFF (XML 1.0 2.2), at most max
 * bytes.  Returns NULL or a short static reason.
 */
const char *
text_check(const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n;
	uint32_t cp;

	if (len > max)
		return "longer than " CFG_STR(MAC_CFG_TEXT_MAX) " bytes";
	for (i = 0; i < len; i += n) {
		if ((n = utf8_decode(u + i, len - i, &cp)) == 0)
			return "invalid UTF-8";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return "control character";
		if (cp == 0xfffe || cp == 0xffff)
			return "U+FFFE or U+FFFF";
	}
	return NULL;
}

/*
 * Check a username template: printable ASCII except space and "<>&, with
 * '%' only inside %EMAILADDRESS%, %EMAILLOCALPART% or %EMAILDOMAIN%.
 * Returns NULL or a short static reason.
 */
const char *
user_check(const char *s, size_t len)
{
	size_t i = 0, k;

	if (len > MAC_CFG_TEXT_MAX)
		return "longer than " CFG_STR(MAC_CFG_TEXT_MAX) " bytes";
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			for (k = 0;
			     k < sizeof(user_vars) / sizeof(user_vars[0]);
			     k++) {
				size_t vl = strlen(user_vars[k]);
				if (len - i >= vl &&
				    memcmp(s + i, user_vars[k], vl) == 0)
					break;
			}
			if (k == sizeof(user_vars) / sizeof(user_vars[0]))
				return "'%' outside %EMAILADDRESS%, "
				       "%EMAILLOCALPART% or %EMAILDOMAIN%";
			i += strlen(user_vars[k]);
			continue;
		}
		if (c <= 0x20 || c >= 0x7f || strchr("\"<>&", c) != NULL)
			return "only printable ASCII except space and \"<>&";
		i++;
	}
	return NULL;
}

/*
 * The placeholder a host name may hold, and the sample domain it is
 * checked with: hosters give each customer domain its own mail host
 * (mail.%EMAILDOMAIN%), and the answer puts the address's domain in.
 */
static const char host_var[] = "%EMAILDOMAIN%";
static const char host_sample[] = "emaildomain.example";

/*
 * Normalise a host name as dom_norm() does, letting it hold
 * %EMAILDOMAIN% once, as whole labels (mail.%EMAILDOMAIN%, or
 * %EMAILDOMAIN% alone): the rest must make a valid host name with a
 * sample domain put in, and is stored lower case in A-labels with the
 * placeholder kept.  Any other '%' is refused.  out holds
 * MAC_DOMAIN_MAX + 1 bytes.  Returns MAC_OK, or MAC_EINPUT with *why.
 */
enum mac_err
host_norm(
    const char *in, size_t len, char *out, size_t *outlen, const char **why)
{
	char tmp[MAC_CFG_VALUE_MAX + sizeof(host_sample)];
	char norm[MAC_DOMAIN_MAX + 1];
	const char *ph = NULL, *s;
	size_t i, pre, vl = strlen(host_var), sl = strlen(host_sample);
	size_t dots = 0, at, n;

	for (i = 0; i < len; i++) {
		if (in[i] != '%')
			continue;
		if (ph != NULL || len - i < vl || memcmp(in + i, host_var, vl))
			goto bad;
		ph = in + i;
		i += vl - 1;
	}
	if (ph == NULL)
		return dom_norm(in, len, out, outlen, why);
	pre = (size_t)(ph - in);
	if ((pre > 0 && in[pre - 1] != '.') ||
	    (pre + vl < len && in[pre + vl] != '.') ||
	    len - vl + sl >= sizeof(tmp))
		goto bad;
	memcpy(tmp, in, pre);
	memcpy(tmp + pre, host_sample, sl);
	memcpy(tmp + pre + sl, ph + vl, len - pre - vl);
	if (dom_norm(tmp, len - vl + sl, norm, &n, why) != MAC_OK)
		return MAC_EINPUT;
	/* Find the sample again: as many labels precede it as before. */
	for (i = 0; i < pre; i++)
		dots += in[i] == '.';
	for (at = 0; dots > 0 && at < n; at++)
		if (norm[at] == '.')
			dots--;
	s = norm + at;
	if (n - at < sl || memcmp(s, host_sample, sl) != 0 ||
	    (s[sl] != '\0' && s[sl] != '.') || n - sl + vl > MAC_DOMAIN_MAX)
		goto bad;
	memcpy(out, norm, at);
	memcpy(out + at, host_var, vl);
	memcpy(out + at + vl, s + sl, n - at - sl + 1);
	*outlen = n - sl + vl;
	return MAC_OK;
bad:
	*why = "'%' only as %EMAILDOMAIN%, once, as whole labels";
	return MAC_EINPUT;
}

static void
field_str(struct cfg_provider *p, const struct keydef *kd, const char *s)
{
	memcpy((char *)p + kd->off, &s, sizeof(s));
}

/* ---- key handlers ---- */

static void
key_text(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF];
	const char *why, *s;
	size_t len = strlen(v);

	(void)m;
	if ((why = text_check(v, len, MAC_CFG_TEXT_MAX)) != NULL) {
		cfg_err(st, st->name, st->lineno, "bad %s '%s': %s", kd->name,
		    quote(q, v, len), why);
		return;
	}
	if ((s = pool_strndup(st, v, len)) != NULL)
		field_str(p, kd, s);
}

static void
key_ascii(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF];
	const char *s;
	size_t i, len = strlen(v);

	(void)m;
	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e) {
			cfg_err(st, st->name, st->lineno,
			    "bad %s '%s': only printable ASCII", kd->name,
			    quote(q, v, len));
			return;
		}
	if ((s = pool_strndup(st, v, len)) != NULL)
		field_str(p, kd, s);
}

/*
 * https://HOST[:PORT][/path], or http:// too for KF_HTTP keys.  The host
 * goes through dom_norm(), so it is stored lower-case in A-labels; for
 * KF_EMAILDOMAIN keys through host_norm(), so it may hold %EMAILDOMAIN%,
 * which answers fill in, as they do in the path.
 */
static void
key_url(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	const char *s;

	(void)m;
	if ((s = url_parse(st, kd, v)) != NULL)
		field_str(p, kd, s);
}

/*
 * The one URL rule, for the loader and the import: https:// (or http://
 * if http), a host dom_norm() takes (host_norm(), with %EMAILDOMAIN%, if
 * emaildomain), an optional port 1-65535, then a path and query of
 * printable ASCII without space and "<>\.  The parts go to u.
 */
enum url_bad
url_split(const char *v, int http, int emaildomain, struct url_parts *u)
{
	const char *h, *he, *r, *s;

	u->port = 0;
	u->why = "";
	if (ascii_caseeq(v, strlen("https://"), "https://")) {
		u->scheme = "https";
		h = v + strlen("https://");
	} else if (http && ascii_caseeq(v, strlen("http://"), "http://")) {
		u->scheme = "http";
		h = v + strlen("http://");
	} else
		return URL_BAD_SCHEME;
	for (he = h; *he != '\0' && *he != ':' && *he != '/'; he++)
		continue;
	if ((emaildomain
		    ? host_norm(h, (size_t)(he - h), u->host, &u->hlen, &u->why)
		    : dom_norm(h, (size_t)(he - h), u->host, &u->hlen,
			  &u->why)) != MAC_OK)
		return URL_BAD_HOST;
	r = he;
	if (*r == ':') {
		for (r = he + 1; *r >= '0' && *r <= '9'; r++)
			continue;
		if ((*r != '\0' && *r != '/') ||
		    num_parse(he + 1, (size_t)(r - he - 1), CFG_PORT_MAX,
			&u->port) == -1 ||
		    u->port == 0)
			return URL_BAD_PORT;
	}
	for (s = r; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || strchr("\"<>\\", *s) != NULL)
			return URL_BAD_PATH;
	u->rest = r;
	return URL_GOOD;
}

/*
 * Check a URL as key_url() does and return it normalised in the pool, or
 * NULL after reporting why (or when out of memory).
 */
const char *
url_parse(struct pst *st, const struct keydef *kd, const char *v)
{
	char q[CFG_QUOTE_BUF];
	char out[MAC_CFG_VALUE_MAX + 1];
	struct url_parts u;
	size_t len = strlen(v);
	int n;

	switch (url_split(v, (kd->flags & KF_HTTP) != 0,
	    (kd->flags & KF_EMAILDOMAIN) != 0, &u)) {
	case URL_GOOD:
		break;
	case URL_BAD_SCHEME:
		cfg_err(st, st->name, st->lineno, "bad %s '%s': %s", kd->name,
		    quote(q, v, len),
		    (kd->flags & KF_HTTP) ? "not http:// or https://"
					  : "not https://");
		return NULL;
	case URL_BAD_HOST:
		cfg_err(st, st->name, st->lineno, "bad %s '%s': host: %s",
		    kd->name, quote(q, v, len), u.why);
		return NULL;
	case URL_BAD_PORT:
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s': port not 1-65535", kd->name,
		    quote(q, v, len));
		return NULL;
	case URL_BAD_PATH:
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s': character not allowed in path", kd->name,
		    quote(q, v, len));
		return NULL;
	}
	if (u.port != 0)
		n = snprintf(out, sizeof(out), "%s://%s:%lu%s", u.scheme,
		    u.host, u.port, u.rest);
	else
		n = snprintf(
		    out, sizeof(out), "%s://%s%s", u.scheme, u.host, u.rest);
	if (n < 0 || (size_t)n >= sizeof(out)) {
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s': longer than %d bytes", kd->name,
		    quote(q, v, len), MAC_CFG_VALUE_MAX);
		return NULL;
	}
	return pool_strndup(st, out, (size_t)n);
}

static void
key_host(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF], d[MAC_DOMAIN_MAX + 1];
	const char *why, *s;
	size_t dlen, len = strlen(v);

	(void)m;
	if (dom_norm(v, len, d, &dlen, &why) != MAC_OK) {
		cfg_err(st, st->name, st->lineno, "bad %s '%s': %s", kd->name,
		    quote(q, v, len), why);
		return;
	}
	if ((s = pool_strndup(st, d, dlen)) != NULL)
		field_str(p, kd, s);
}

static void
key_uint(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF];
	unsigned long n;
	unsigned u;
	size_t len = strlen(v);

	(void)m;
	if (num_parse(v, len, kd->max, &n) == -1 || n < kd->min) {
		cfg_err(st, st->name, st->lineno, "bad %s '%s' (%lu-%lu)",
		    kd->name, quote(q, v, len), kd->min, kd->max);
		return;
	}
	u = (unsigned)n;
	memcpy((char *)p + kd->off, &u, sizeof(u));
}

/* Returns 0 or 1, or -1 for a word that is not a boolean. */
int
bool_parse(const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (ascii_caseeq(v, strlen(v), bools[i].word))
			return bools[i].val;
	return -1;
}

void
bool_err(struct pst *st, const struct keydef *kd, const char *v)
{
	char q[CFG_QUOTE_BUF];

	cfg_err(st, st->name, st->lineno, "bad %s '%s' (yes or no)", kd->name,
	    quote(q, v, strlen(v)));
}

static void
key_bool(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	int b;

	(void)m;
	if ((b = bool_parse(v)) == -1) {
		bool_err(st, kd, v);
		return;
	}
	memcpy((char *)p + kd->off, &b, sizeof(b));
}

static void
key_username(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF];
	const char *why;
	size_t len = strlen(v);

	(void)p;
	if ((why = user_check(v, len)) != NULL) {
		cfg_err(st, st->name, st->lineno, "bad %s '%s': %s", kd->name,
		    quote(q, v, len), why);
		return;
	}
	m->username = pool_strndup(st, v, len);
}

/*
 * The URL of the /mobileconfig endpoint that QR codes name: https, as
 * key_url() checks it, with neither a query nor a fragment, since the
 * request's addresses are appended as "?emailaddress=...".
 */
static void
key_mc_url(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF];

	if (strpbrk(v, "?#") != NULL) {
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s': no query or fragment (the address is "
		    "appended)",
		    kd->name, quote(q, v, strlen(v)));
		return;
	}
	key_url(st, kd, p, m, v);
}

/* Reverse-DNS labels of [A-Za-z0-9-] separated by dots. */
static void
key_mc_id(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF];
	const char *s;
	size_t i, len = strlen(v);
	int label = 0;

	(void)m;
	for (i = 0; i <= len; i++) {
		if (i == len || v[i] == '.') {
			if (label == 0)
				break;
			label = 0;
		} else if (isalnum((unsigned char)v[i]) || v[i] == '-')
			label++;
		else
			break;
	}
	if (i <= len || len > MAC_CFG_TEXT_MAX) {
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s' (labels of A-Z a-z 0-9 - joined by dots)",
		    kd->name, quote(q, v, len));
		return;
	}
	if ((s = pool_strndup(st, v, len)) != NULL)
		field_str(p, kd, s);
}

/*
 * The inih handler: called for every key = value line and every indented
 * continuation line, in file order; st->lineno and st->lkind describe the
 * line.  Always returns 1: problems are collected, not reported to inih.
 */
int
cfg_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct pst *st = user;
	struct cfg_provider *p;
	struct sec_meta *m;
	const struct keydef *kd = NULL;
	char q[CFG_QUOTE_BUF], lab[MAC_DOMAIN_MAX + sizeof("[provider ]")];
	size_t k;

	(void)section;
	if (st->cur == SEC_BAD || st->oom)
		return 1;
	if (*name == '\0') {
		cfg_err(st, st->name, st->lineno, "missing key before '='");
		return 1;
	}
	if (st->cur == SEC_NONE) {
		cfg_err(st, st->name, st->lineno,
		    "key '%s' before any [section]",
		    quote(q, name, strlen(name)));
		return 1;
	}
	for (k = 0; k < KEY__MAX; k++)
		if (strcmp(name, key_table[k].name) == 0) {
			kd = &key_table[k];
			break;
		}
	if (kd == NULL) {
		cfg_err(st, st->name, st->lineno, "unknown key '%s' in %s",
		    quote(q, name, strlen(name)),
		    sec_label(st, lab, sizeof(lab)));
		return 1;
	}
	if (st->cur == SEC_DEFAULTS) {
		p = &st->defp;
		m = &st->defm;
		if (kd->flags & KF_PROVIDER) {
			cfg_err(st, st->name, st->lineno,
			    "'%s' is not allowed in [defaults]", kd->name);
			return 1;
		}
	} else {
		p = &st->cfg->providers[st->curi];
		m = &st->metas[st->curi];
	}
	if (st->lkind == LINE_CONT && !(kd->flags & KF_REPEAT)) {
		cfg_err(st, st->name, st->lineno,
		    "indented line continues '%s', which takes one line",
		    kd->name);
		return 1;
	}
	if (m->kline[k] != 0 && !(kd->flags & KF_REPEAT)) {
		cfg_err(st, st->name, st->lineno,
		    "duplicate key '%s' (first at line %u)", kd->name,
		    m->kline[k]);
		return 1;
	}
	if (m->kline[k] == 0)
		m->kline[k] = st->lineno;
	if (*value == '\0') {
		cfg_err(
		    st, st->name, st->lineno, "empty value for '%s'", kd->name);
		return 1;
	}
	if (strlen(value) > MAC_CFG_VALUE_MAX) {
		cfg_err(st, st->name, st->lineno,
		    "value of '%s' longer than %d bytes", kd->name,
		    MAC_CFG_VALUE_MAX);
		return 1;
	}
	kd->parse(st, kd, p, m, value);
	return 1;
}
