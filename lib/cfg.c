/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader.
 *
 * Reads the INI provider table (see mailautoconf.ini(5)) into one new
 * struct mac_cfg: every provider fully resolved against [defaults], every
 * domain normalised to lower-case A-labels and entered into an
 * open-addressing hash table.  inih does the key = value splitting
 * through ini_parse_stream() and our own line reader, which sees every
 * line first: it knows the line number, rejects over-long lines and
 * handles section headers itself (inih would cut long names).
 *
 * Loading runs on one thread (startup or the SIGHUP reload in the main
 * thread): it sets inih's runtime globals and restores them afterwards.
 * A load either returns a complete configuration or NULL with one
 * "file:line: reason" line per problem.  Nothing here may be called on
 * the request path except cfg_find() and cfg_hash(), which only read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <openssl/rand.h>

#include "extern.h"

/* Limits local to the loader; candidates for limits.h. */
#define CFG_PORT_MAX 65535         /* TCP port field (RFC 9293) */
#define CFG_POOL_CHUNK (64 * 1024) /* string pool block */
#define CFG_TAB_MIN 64             /* first size of a hash table */
#define CFG_QUOTE_BUF (MAC_CFG_QUOTE_MAX + sizeof("..."))
#define CFG_MSG_MAX 1024 /* one error line */

#define FNV32_OFFSET 2166136261u /* FNV-1a 32-bit parameters */
#define FNV32_PRIME 16777619u

#define CFG_STR_(x) #x
#define CFG_STR(x) CFG_STR_(x)

const char *const srv_type_names[SRV__MAX] = {
    [SRV_IMAP] = "imap",
    [SRV_POP3] = "pop3",
    [SRV_SMTP] = "smtp",
};

const char *const sock_type_names[SOCK__MAX] = {
    [SOCK_SSL] = "SSL",
    [SOCK_STARTTLS] = "STARTTLS",
    [SOCK_PLAIN] = "plain",
};

const char *const auth_method_names[AUTH__MAX] = {
    [AUTH_PASSWORD_CLEARTEXT] = "password-cleartext",
    [AUTH_PASSWORD_ENCRYPTED] = "password-encrypted",
    [AUTH_NTLM] = "NTLM",
    [AUTH_GSSAPI] = "GSSAPI",
    [AUTH_CLIENT_IP] = "client-IP-address",
    [AUTH_TLS_CLIENT_CERT] = "TLS-client-cert",
    [AUTH_OAUTH2] = "OAuth2",
    [AUTH_NONE] = "none",
    [AUTH_SMTP_AFTER_POP] = "smtp-after-pop",
};

/* Deprecated autoconfig spellings still accepted in the file. */
static const struct {
	const char *name;
	enum auth_method m;
} auth_aliases[] = {
    {"plain", AUTH_PASSWORD_CLEARTEXT},
    {"secure", AUTH_PASSWORD_ENCRYPTED},
};

/* Standard ports (RFC 8314 7.3, RFC 6409, RFC 3501, RFC 1939). */
static const unsigned default_ports[SRV__MAX][SOCK__MAX] = {
    [SRV_IMAP] = {[SOCK_SSL] = 993, [SOCK_STARTTLS] = 143, [SOCK_PLAIN] = 143},
    [SRV_POP3] = {[SOCK_SSL] = 995, [SOCK_STARTTLS] = 110, [SOCK_PLAIN] = 110},
    [SRV_SMTP] = {[SOCK_SSL] = 465, [SOCK_STARTTLS] = 587, [SOCK_PLAIN] = 587},
};

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

static const char default_username[] = "%EMAILADDRESS%";

enum key {
	KEY_DISPLAY_NAME = 0,
	KEY_SHORT_NAME,
	KEY_DOMAINS,
	KEY_DOMAINS_FILE,
	KEY_CATCH_ALL,
	KEY_SERVER,
	KEY_AUTH,
	KEY_USERNAME,
	KEY_POP3_LEAVE,
	KEY_POP3_DAYS,
	KEY_CALDAV,
	KEY_CARDDAV,
	KEY_WEBMAIL,
	KEY_DOC,
	KEY_DOC_TEXT,
	KEY_ACTIVESYNC,
	KEY_AUTODISCOVER_URL,
	KEY_CONFIG_UPDATE_URL,
	KEY_OAUTH_ISSUER,
	KEY_OAUTH_SCOPE,
	KEY_OAUTH_AUTH_URL,
	KEY_OAUTH_TOKEN_URL,
	KEY_TTL,
	KEY_MC_ORG,
	KEY_MC_ID,
	KEY__MAX
};

/* How a key's value is inherited from [defaults]. */
enum field {
	FIELD_NONE = 0, /* not allowed in [defaults] */
	FIELD_STR,      /* const char * in struct cfg_provider */
	FIELD_UINT,     /* unsigned in struct cfg_provider */
	FIELD_INT,      /* int in struct cfg_provider */
	FIELD_SERVERS,  /* the whole server list */
	FIELD_AUTH,     /* provider-level authentication list */
	FIELD_USER,     /* provider-level username template */
	FIELD__MAX
};

enum sec_kind {
	SEC_NONE = 0, /* before the first section header */
	SEC_BAD,      /* a rejected header: its keys are skipped */
	SEC_DEFAULTS,
	SEC_PROVIDER,
	SEC__MAX
};

enum line_kind {
	LINE_OTHER = 0, /* comment, blank, header or rejected line */
	LINE_KEY,       /* key = value */
	LINE_CONT,      /* indented continuation of the previous key */
	LINE__MAX
};

struct pool_chunk {
	struct pool_chunk *next;
	size_t used;
	size_t cap;
	char data[];
};

/* What cfg->mem points to: every string of the configuration. */
struct cfg_mem {
	struct pool_chunk *chunks;
};

/* Per server, during loading only. */
struct srv_meta {
	unsigned line; /* of its server line */
	int has_auth;  /* auth= given on the line */
	int has_user;  /* username= given on the line */
};

/* Per [provider] or [defaults] section, during loading only. */
struct sec_meta {
	unsigned line;            /* of the section header */
	unsigned kline[KEY__MAX]; /* first line setting each key; 0: unset */
	unsigned long nerr;       /* problems reported inside the section */
	enum auth_method auth[AUTH__MAX];
	size_t nauth;
	const char *username;
	struct srv_meta srv[MAC_CFG_SERVERS_MAX];
	size_t ndomains;
};

struct errs {
	char *buf;
	size_t cap;
	size_t len;
	unsigned lines;  /* lines written, at most MAC_CFG_ERRORS_MAX */
	unsigned long n; /* problems seen, written or not */
};

/* Loader state; lives on mac_cfg_load_mem()'s stack. */
struct pst {
	const char *name; /* INI file name, for messages and paths */
	const char *pos;  /* reader: next unread byte */
	const char *end;
	unsigned lineno;
	int prev_key; /* inih remembers a key an indented line continues */
	enum line_kind lkind;
	enum sec_kind cur;
	size_t curi;       /* provider index when cur == SEC_PROVIDER */
	unsigned nheaders; /* [provider] headers seen, good or bad */
	struct mac_cfg *cfg;
	struct cfg_mem *mem;
	struct sec_meta *metas; /* parallel to cfg->providers */
	size_t provcap;
	struct cfg_provider defp;
	struct sec_meta defm;
	int have_def;
	uint32_t *ptab; /* provider ids: index + 1, 0 empty */
	size_t ptcap;
	uint32_t *dprov;  /* provider index of each cfg->dtab slot */
	size_t catch_all; /* provider index + 1, 0 none */
	struct errs errs;
	int oom;
};

struct keydef;
typedef void (*key_fn)(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);

#define KF_PROVIDER 0x01 /* not allowed in [defaults] */
#define KF_REPEAT 0x02   /* may repeat; indented lines continue it */
#define KF_HTTP 0x04     /* URL may be http:// as well as https:// */

struct keydef {
	const char *name;
	key_fn parse;
	enum field field;
	size_t off; /* FIELD_STR, FIELD_UINT, FIELD_INT: where it goes */
	unsigned long min, max; /* numbers */
	int flags;
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
static void key_domains(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_domains_file(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_catch_all(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_server(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_auth(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
static void key_username(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
static void key_mc_id(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);

#define OFF(f) offsetof(struct cfg_provider, f)

static const struct keydef keys[KEY__MAX] = {
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
    [KEY_CALDAV] = {"caldav", key_url, FIELD_STR, OFF(caldav), 0, 0, 0},
    [KEY_CARDDAV] = {"carddav", key_url, FIELD_STR, OFF(carddav), 0, 0, 0},
    [KEY_WEBMAIL] = {"webmail", key_url, FIELD_STR, OFF(webmail), 0, 0,
	KF_HTTP},
    [KEY_DOC] = {"documentation", key_url, FIELD_STR, OFF(doc_url), 0, 0,
	KF_HTTP},
    [KEY_DOC_TEXT] = {"documentation-text", key_text, FIELD_STR, OFF(doc_text),
	0, 0, 0},
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
};

/* ---- small helpers ---- */

/*
 * FNV-1a, 32 bits (draft-eastlake-fnv).  Used for the domain table and
 * by cfg_find(); never exposed to clients.
 */
uint32_t
cfg_hash(const char *s, size_t len)
{
	uint32_t h = FNV32_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV32_PRIME;
	}
	return h;
}

/*
 * Copy at most MAC_CFG_QUOTE_MAX bytes of s into q (CFG_QUOTE_BUF bytes)
 * for an error message: bytes outside printable ASCII become '?', and
 * "..." marks a cut.  Returns q.
 */
static const char *
quote(char *q, const char *s, size_t len)
{
	size_t i, n = len > MAC_CFG_QUOTE_MAX ? MAC_CFG_QUOTE_MAX : len;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		q[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n < len) {
		memcpy(q + n, "...", 3);
		n += 3;
	}
	q[n] = '\0';
	return q;
}

/*
 * Next token of s separated by any of seps.  Returns 0 at the end;
 * otherwise sets *tok and *tlen and advances *sp past the token.
 */
static int
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
static int
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
 * Take the next line of [*pos, end): sets *line and *len (without the
 * newline and a trailing carriage return) and advances *pos.  Returns 0
 * at the end of the data.
 */
static int
line_next(const char **pos, const char *end, const char **line, size_t *len)
{
	const char *p = *pos, *nl;
	size_t n;

	if (p >= end)
		return 0;
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)((nl != NULL ? nl : end) - p);
	*pos = nl != NULL ? nl + 1 : end;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line = p;
	*len = n;
	return 1;
}

/*
 * Check text for display: valid UTF-8 (RFC 3629), no C0 or C1 control
 * characters, no DEL and no U+FFFE or U+FFFF (XML 1.0 2.2), at most max
 * bytes.  Returns NULL or a short static reason.
 */
static const char *
text_check(const char *s, size_t len, size_t max)
{
	size_t i = 0, n, k;
	uint32_t cp, min;

	if (len > max)
		return "longer than " CFG_STR(MAC_CFG_TEXT_MAX) " bytes";
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return "control character";
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return "invalid UTF-8";
		if (len - i <= n)
			return "invalid UTF-8";
		for (k = 1; k <= n; k++) {
			unsigned char cc = (unsigned char)s[i + k];
			if ((cc & 0xc0) != 0x80)
				return "invalid UTF-8";
			cp = (cp << 6) | (cc & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "invalid UTF-8";
		if (cp <= 0x9f)
			return "control character";
		if (cp == 0xfffe || cp == 0xffff)
			return "U+FFFE or U+FFFF";
		i += n + 1;
	}
	return NULL;
}

/*
 * Check a username template: printable ASCII except space and "<>&, with
 * '%' only inside %EMAILADDRESS%, %EMAILLOCALPART% or %EMAILDOMAIN%.
 * Returns NULL or a short static reason.
 */
static const char *
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

/* Copy the field kd describes (string or number) from one provider. */
static void
field_copy(struct cfg_provider *to, const struct cfg_provider *from,
    const struct keydef *kd)
{
	size_t n;

	switch (kd->field) {
	case FIELD_STR:
		n = sizeof(const char *);
		break;
	case FIELD_UINT:
		n = sizeof(unsigned);
		break;
	case FIELD_INT:
		n = sizeof(int);
		break;
	default:
		return;
	}
	memcpy((char *)to + kd->off, (const char *)from + kd->off, n);
}

static void
field_str(struct cfg_provider *p, const struct keydef *kd, const char *s)
{
	memcpy((char *)p + kd->off, &s, sizeof(s));
}

/* ---- errors ---- */

/*
 * Append "file:line: message\n" (or "file: message\n" when line is 0) to
 * the caller's buffer; a line that no longer fits is left out whole, with
 * every later one (only a first line is cut, to fit a tiny buffer).  At most
 * MAC_CFG_ERRORS_MAX lines are written and an exact repeat of an earlier
 * line is dropped (a [defaults] key inherited by many providers); every
 * problem is counted.
 */
static void errs_vadd(struct errs *, const char *, unsigned, const char *,
    va_list) __attribute__((format(printf, 4, 0)));

static void
errs_vadd(struct errs *e, const char *file, unsigned line, const char *fmt,
    va_list ap)
{
	char msg[CFG_MSG_MAX];
	size_t n, room;
	int r;
	const char *p;

	e->n++;
	if (e->buf == NULL || e->cap == 0 || e->lines >= MAC_CFG_ERRORS_MAX)
		return;
	if (line > 0)
		r = snprintf(msg, sizeof(msg), "%s:%u: ", file, line);
	else
		r = snprintf(msg, sizeof(msg), "%s: ", file);
	n = r < 0 ? 0 : (size_t)r;
	if (n > sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	r = vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
	n += r < 0 ? 0 : (size_t)r;
	if (n > sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	msg[n] = '\0';

	for (p = e->buf; p != NULL && p < e->buf + e->len;
	     p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, msg, n) == 0)
			return;
	}
	room = e->cap - 1 - e->len;
	if (n > room && e->lines > 0) {
		/* Whole lines only: stop here rather than cut one. */
		e->lines = MAC_CFG_ERRORS_MAX;
		return;
	}
	if (n > room) /* not even one line fits: cut it, say something */
		n = room;
	memcpy(e->buf + e->len, msg, n);
	e->len += n;
	e->buf[e->len] = '\0';
	e->lines++;
}

static void errs_add(struct errs *, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static void
errs_add(struct errs *e, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vadd(e, file, line, fmt, ap);
	va_end(ap);
}

static void cfg_err(struct pst *, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Report a problem and charge it to the section being read. */
static void
cfg_err(struct pst *st, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (st->cur == SEC_PROVIDER)
		st->metas[st->curi].nerr++;
	else if (st->cur == SEC_DEFAULTS)
		st->defm.nerr++;
	va_start(ap, fmt);
	errs_vadd(&st->errs, file, line, fmt, ap);
	va_end(ap);
}

static void
cfg_oom(struct pst *st, size_t n)
{
	if (!st->oom)
		cfg_err(st, st->name, 0, "out of memory (%zu bytes)", n);
	st->oom = 1;
}

/* ---- string pool ---- */

/* Copy s (len bytes, then a NUL) into the pool; NULL when out of memory. */
static char *
pool_strndup(struct pst *st, const char *s, size_t len)
{
	struct pool_chunk *c = st->mem->chunks;
	char *p;

	if (c == NULL || c->cap - c->used < len + 1) {
		size_t cap =
		    len + 1 > CFG_POOL_CHUNK ? len + 1 : CFG_POOL_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL) {
			cfg_oom(st, sizeof(*c) + cap);
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		c->next = st->mem->chunks;
		st->mem->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

/* ---- files ---- */

enum file_res {
	FILE_OK = 0,
	FILE_ERRNO, /* errno says why */
	FILE_BIG,   /* over MAC_CFG_FILE_MAX */
	FILE__MAX
};

/*
 * Read a whole file, at most MAC_CFG_FILE_MAX bytes, into a new buffer
 * the caller frees.  Returns FILE_OK, FILE_ERRNO or FILE_BIG.
 */
static enum file_res
file_read(const char *path, char **out, size_t *outlen)
{
	struct stat sb;
	char *buf = NULL, *nb;
	size_t cap, len = 0;
	ssize_t r;
	int fd, saved;
	enum file_res res = FILE_ERRNO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return FILE_ERRNO;
	if (fstat(fd, &sb) == -1)
		goto out;
	if (S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		goto out;
	}
	if (S_ISREG(sb.st_mode) && sb.st_size > MAC_CFG_FILE_MAX) {
		res = FILE_BIG;
		goto out;
	}
	/* One spare byte so that a regular file ends in a 0-byte read. */
	cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : MAC_CFG_LINE_MAX;
	if ((buf = malloc(cap)) == NULL)
		goto out;
	for (;;) {
		if (len == cap) {
			if (cap > (size_t)MAC_CFG_FILE_MAX) {
				res = FILE_BIG;
				goto out;
			}
			cap = cap * 2 > (size_t)MAC_CFG_FILE_MAX + 1
				  ? (size_t)MAC_CFG_FILE_MAX + 1
				  : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto out;
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto out;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > (size_t)MAC_CFG_FILE_MAX) {
		res = FILE_BIG;
		goto out;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return FILE_OK;
out:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return res;
}

/* ---- domains ---- */

/* Double the domain table (or create it) and rehash.  Returns 0 or -1. */
static int
dtab_grow(struct pst *st)
{
	struct mac_cfg *cfg = st->cfg;
	size_t ncap = cfg->dcap != 0 ? cfg->dcap * 2 : CFG_TAB_MIN;
	size_t i, j, mask = ncap - 1;
	struct cfg_domain *nt;
	uint32_t *np;

	nt = calloc(ncap, sizeof(*nt));
	np = calloc(ncap, sizeof(*np));
	if (nt == NULL || np == NULL) {
		free(nt);
		free(np);
		cfg_oom(st, ncap * (sizeof(*nt) + sizeof(*np)));
		return -1;
	}
	for (i = 0; i < cfg->dcap; i++) {
		if (cfg->dtab[i].name == NULL)
			continue;
		for (j = cfg->dtab[i].hash & mask; nt[j].name != NULL;
		     j = (j + 1) & mask)
			continue;
		nt[j] = cfg->dtab[i];
		np[j] = st->dprov[i];
	}
	free(cfg->dtab);
	free(st->dprov);
	cfg->dtab = nt;
	st->dprov = np;
	cfg->dcap = ncap;
	return 0;
}

/*
 * Normalise one domain and enter it for the current provider; file and
 * line place any problem (the INI file or a domains-file).
 */
static void
dom_add(
    struct pst *st, const char *file, unsigned line, const char *s, size_t len)
{
	struct mac_cfg *cfg = st->cfg;
	char d[MAC_DOMAIN_MAX + 1], q[CFG_QUOTE_BUF];
	const char *why;
	size_t dlen, i, mask;
	uint32_t h;
	struct cfg_domain *e;

	if (dom_norm(s, len, d, &dlen, &why) != MAC_OK) {
		cfg_err(st, file, line, "bad domain '%s': %s", quote(q, s, len),
		    why);
		return;
	}
	if (cfg->ndomains >= MAC_CFG_DOMAINS_MAX) {
		cfg_err(st, file, line, "too many domains (max %d)",
		    MAC_CFG_DOMAINS_MAX);
		return;
	}
	if ((cfg->ndomains + 1) * 2 > cfg->dcap && dtab_grow(st) == -1)
		return;
	h = cfg_hash(d, dlen);
	mask = cfg->dcap - 1;
	for (i = h & mask; cfg->dtab[i].name != NULL; i = (i + 1) & mask) {
		e = &cfg->dtab[i];
		if (e->hash == h && e->len == dlen &&
		    memcmp(e->name, d, dlen) == 0) {
			cfg_err(st, file, line,
			    "domain %s is already served by provider %s",
			    quote(q, d, dlen), cfg->providers[st->dprov[i]].id);
			return;
		}
	}
	e = &cfg->dtab[i];
	if ((e->name = pool_strndup(st, d, dlen)) == NULL)
		return;
	e->len = dlen;
	e->hash = h;
	e->prov = NULL; /* set once the provider array stops moving */
	st->dprov[i] = (uint32_t)st->curi;
	cfg->ndomains++;
	st->metas[st->curi].ndomains++;
}

/*
 * Find the provider serving dom (lower-case ASCII, len bytes): O(1)
 * expected through the open-addressing table, else the catch-all
 * provider, else NULL.  Safe to call from many threads at once.
 */
const struct cfg_provider *
cfg_find(const struct mac_cfg *cfg, const char *dom, size_t len)
{
	size_t i, mask;
	uint32_t h;
	const struct cfg_domain *e;

	if (cfg->dcap == 0)
		return cfg->catch_all;
	h = cfg_hash(dom, len);
	mask = cfg->dcap - 1;
	for (i = h & mask; (e = &cfg->dtab[i])->name != NULL;
	     i = (i + 1) & mask)
		if (e->hash == h && e->len == len &&
		    memcmp(e->name, dom, len) == 0)
			return e->prov;
	return cfg->catch_all;
}

/* ---- sections ---- */

/* The section as named in messages: "[provider ID]" or "[defaults]". */
static const char *
sec_label(const struct pst *st, char *buf, size_t size)
{
	if (st->cur == SEC_PROVIDER)
		snprintf(buf, size, "[provider %s]",
		    st->cfg->providers[st->curi].id);
	else
		snprintf(buf, size, "[defaults]");
	return buf;
}

static void
prov_init(struct cfg_provider *p, struct sec_meta *m, unsigned line)
{
	memset(p, 0, sizeof(*p));
	memset(m, 0, sizeof(*m));
	p->pop3_leave = -1;
	m->line = line;
}

/* Look a provider id up in st->ptab; returns its slot. */
static size_t
ptab_slot(const struct pst *st, const char *id, size_t len)
{
	size_t i, mask = st->ptcap - 1;
	const char *o;

	for (i = cfg_hash(id, len) & mask; st->ptab[i] != 0;
	     i = (i + 1) & mask) {
		o = st->cfg->providers[st->ptab[i] - 1].id;
		if (strlen(o) == len && memcmp(o, id, len) == 0)
			break;
	}
	return i;
}

/* Make room for one more provider.  Returns 0 or -1. */
static int
prov_grow(struct pst *st)
{
	struct mac_cfg *cfg = st->cfg;
	struct cfg_provider *np;
	struct sec_meta *nm;
	uint32_t *nt;
	size_t ncap, i;

	if (cfg->nproviders == st->provcap) {
		ncap = st->provcap != 0 ? st->provcap * 2 : CFG_TAB_MIN;
		if ((np = realloc(cfg->providers, ncap * sizeof(*np))) ==
		    NULL) {
			cfg_oom(st, ncap * sizeof(*np));
			return -1;
		}
		cfg->providers = np;
		if ((nm = realloc(st->metas, ncap * sizeof(*nm))) == NULL) {
			cfg_oom(st, ncap * sizeof(*nm));
			return -1;
		}
		st->metas = nm;
		st->provcap = ncap;
	}
	if ((cfg->nproviders + 1) * 2 > st->ptcap) {
		ncap = st->ptcap != 0 ? st->ptcap * 2 : CFG_TAB_MIN;
		if ((nt = calloc(ncap, sizeof(*nt))) == NULL) {
			cfg_oom(st, ncap * sizeof(*nt));
			return -1;
		}
		free(st->ptab);
		st->ptab = nt;
		st->ptcap = ncap;
		for (i = 0; i < cfg->nproviders; i++) {
			const char *id = cfg->providers[i].id;
			st->ptab[ptab_slot(st, id, strlen(id))] =
			    (uint32_t)i + 1;
		}
	}
	return 0;
}

/* Start a [provider ID] section. */
static void
sec_provider(struct pst *st, const char *id, size_t idlen)
{
	struct mac_cfg *cfg = st->cfg;
	char d[MAC_DOMAIN_MAX + 1], q[CFG_QUOTE_BUF];
	const char *why;
	size_t dlen, slot;
	struct cfg_provider *p;

	st->cur = SEC_BAD;
	st->nheaders++;
	if (idlen == 0) {
		cfg_err(st, st->name, st->lineno,
		    "[provider] needs an id (a host name)");
		return;
	}
	if (dom_norm(id, idlen, d, &dlen, &why) != MAC_OK) {
		cfg_err(st, st->name, st->lineno, "bad provider id '%s': %s",
		    quote(q, id, idlen), why);
		return;
	}
	if (st->ptcap != 0 && st->ptab[slot = ptab_slot(st, d, dlen)] != 0) {
		cfg_err(st, st->name, st->lineno,
		    "duplicate provider %s (first at line %u)", d,
		    st->metas[st->ptab[slot] - 1].line);
		return;
	}
	if (cfg->nproviders >= MAC_CFG_PROVIDERS_MAX) {
		cfg_err(st, st->name, st->lineno, "too many providers (max %d)",
		    MAC_CFG_PROVIDERS_MAX);
		return;
	}
	if (prov_grow(st) == -1)
		return;
	p = &cfg->providers[cfg->nproviders];
	prov_init(p, &st->metas[cfg->nproviders], st->lineno);
	if ((p->id = pool_strndup(st, d, dlen)) == NULL)
		return;
	st->ptab[ptab_slot(st, d, dlen)] = (uint32_t)cfg->nproviders + 1;
	st->curi = cfg->nproviders++;
	st->cur = SEC_PROVIDER;
}

/*
 * A line whose first non-blank byte is '[' (s), up to e: parse the header
 * and switch sections.  Returns 0 if inih should see a section line
 * here, -1 if the line is rejected (no ']'), so that inih sees a blank.
 */
static int
sec_header(struct pst *st, const char *s, const char *e)
{
	const char *rb, *a, *b, *t;
	char q[CFG_QUOTE_BUF];

	if ((rb = memchr(s, ']', (size_t)(e - s))) == NULL) {
		st->cur = SEC_BAD;
		cfg_err(st, st->name, st->lineno, "missing ']'");
		return -1;
	}
	for (t = rb + 1; t < e; t++)
		if (!isspace((unsigned char)*t)) {
			st->cur = SEC_BAD;
			cfg_err(st, st->name, st->lineno, "text after ']'");
			return 0;
		}
	for (a = s + 1; a < rb && isspace((unsigned char)*a); a++)
		continue;
	for (b = rb; b > a && isspace((unsigned char)b[-1]); b--)
		continue;
	if ((size_t)(b - a) == strlen("defaults") &&
	    memcmp(a, "defaults", strlen("defaults")) == 0) {
		st->cur = SEC_BAD;
		if (st->have_def) {
			cfg_err(st, st->name, st->lineno,
			    "duplicate [defaults] (first at line %u)",
			    st->defm.line);
			return 0;
		}
		st->have_def = 1;
		prov_init(&st->defp, &st->defm, st->lineno);
		st->cur = SEC_DEFAULTS;
		return 0;
	}
	t = a + strlen("provider");
	if ((size_t)(b - a) >= strlen("provider") &&
	    memcmp(a, "provider", strlen("provider")) == 0 &&
	    (t == b || isspace((unsigned char)*t))) {
		while (t < b && isspace((unsigned char)*t))
			t++;
		sec_provider(st, t, (size_t)(b - t));
		return 0;
	}
	st->cur = SEC_BAD;
	cfg_err(st, st->name, st->lineno, "unknown section [%s]",
	    quote(q, a, (size_t)(b - a)));
	return 0;
}

/* ---- the line reader inih calls ---- */

/*
 * Reject over-long lines and NUL bytes.  Returns 0 if the line is usable.
 */
static int
line_check(
    struct pst *st, const char *file, unsigned line, const char *p, size_t len)
{
	if (len > MAC_CFG_LINE_MAX) {
		cfg_err(st, file, line, "line too long");
		return -1;
	}
	if (memchr(p, '\0', len) != NULL) {
		cfg_err(st, file, line, "NUL byte");
		return -1;
	}
	return 0;
}

/*
 * An ini_reader over the in-memory file.  It classifies each line the way
 * inih's ini_parse_stream() will, so that it knows the line number and
 * the kind of line the handler is called for; it replaces a section
 * header by "[s]" after handling it, and a line it rejected by a blank
 * line, so that inih itself never fails.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct pst *st = stream;
	const char *p, *s, *e;
	size_t len;

	if (!line_next(&st->pos, st->end, &p, &len))
		return NULL;
	st->lineno++;
	st->lkind = LINE_OTHER;
	strcpy(str, "\n");
	if (st->lineno == 1 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		len -= 3;
	}
	if (line_check(st, st->name, st->lineno, p, len) != 0 ||
	    len + 2 > (size_t)num)
		return str;
	e = p + len;
	for (s = p; s < e && isspace((unsigned char)*s); s++)
		continue;
	if (s == e || *s == ';' || *s == '#')
		return str;
	if (st->prev_key && s > p) {
		st->lkind = LINE_CONT;
	} else if (*s == '[') {
		if (sec_header(st, s, e) == 0) {
			st->prev_key = 0;
			strcpy(str, "[s]\n");
		}
		return str;
	} else {
		const char *eq = s;
		while (eq < e && *eq != '=' && *eq != ':')
			eq++;
		if (eq == e) {
			cfg_err(st, st->name, st->lineno,
			    "expected 'key = value', '[section]' or a comment");
			return str;
		}
		st->prev_key = eq > s;
		st->lkind = LINE_KEY;
	}
	memcpy(str, p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
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
 * goes through dom_norm(), so it is stored lower-case in A-labels.
 */
static void
key_url(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF], host[MAC_DOMAIN_MAX + 1];
	char out[MAC_CFG_VALUE_MAX + 1];
	const char *scheme, *h, *he, *r, *why, *s;
	size_t hlen, len = strlen(v);
	unsigned long port = 0;
	int n;

	(void)m;
	if (strncasecmp(v, "https://", strlen("https://")) == 0) {
		scheme = "https";
		h = v + strlen("https://");
	} else if ((kd->flags & KF_HTTP) &&
		   strncasecmp(v, "http://", strlen("http://")) == 0) {
		scheme = "http";
		h = v + strlen("http://");
	} else {
		cfg_err(st, st->name, st->lineno, "bad %s '%s': %s", kd->name,
		    quote(q, v, len),
		    (kd->flags & KF_HTTP) ? "not http:// or https://"
					  : "not https://");
		return;
	}
	for (he = h; *he != '\0' && *he != ':' && *he != '/'; he++)
		continue;
	if (dom_norm(h, (size_t)(he - h), host, &hlen, &why) != MAC_OK) {
		cfg_err(st, st->name, st->lineno, "bad %s '%s': host: %s",
		    kd->name, quote(q, v, len), why);
		return;
	}
	r = he;
	if (*r == ':') {
		for (r = he + 1; *r >= '0' && *r <= '9'; r++)
			continue;
		if ((*r != '\0' && *r != '/') ||
		    num_parse(he + 1, (size_t)(r - he - 1), CFG_PORT_MAX,
			&port) == -1 ||
		    port == 0) {
			cfg_err(st, st->name, st->lineno,
			    "bad %s '%s': port not 1-65535", kd->name,
			    quote(q, v, len));
			return;
		}
	}
	for (s = r; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || strchr("\"<>\\", *s) != NULL) {
			cfg_err(st, st->name, st->lineno,
			    "bad %s '%s': character not allowed in path",
			    kd->name, quote(q, v, len));
			return;
		}
	if (port != 0)
		n = snprintf(
		    out, sizeof(out), "%s://%s:%lu%s", scheme, host, port, r);
	else
		n = snprintf(out, sizeof(out), "%s://%s%s", scheme, host, r);
	if (n < 0 || (size_t)n >= sizeof(out)) {
		cfg_err(st, st->name, st->lineno,
		    "bad %s '%s': longer than %d bytes", kd->name,
		    quote(q, v, len), MAC_CFG_VALUE_MAX);
		return;
	}
	if ((s = pool_strndup(st, out, (size_t)n)) != NULL)
		field_str(p, kd, s);
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
static int
bool_parse(const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (strcasecmp(v, bools[i].word) == 0)
			return bools[i].val;
	return -1;
}

static void
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
key_catch_all(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	int b;

	(void)m;
	if ((b = bool_parse(v)) == -1) {
		bool_err(st, kd, v);
		return;
	}
	if (b && st->catch_all != 0 && st->catch_all - 1 != st->curi) {
		cfg_err(st, st->name, st->lineno,
		    "provider %s is already the catch-all",
		    st->cfg->providers[st->catch_all - 1].id);
		return;
	}
	p->catch_all = b;
	if (b)
		st->catch_all = st->curi + 1;
}

static void
key_domains(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	const char *t;
	size_t tl;
	int n = 0;

	(void)kd;
	(void)p;
	(void)m;
	while (tok_next(&v, " \t,", &t, &tl)) {
		dom_add(st, st->name, st->lineno, t, tl);
		n++;
	}
	if (n == 0)
		cfg_err(st, st->name, st->lineno, "no domain in 'domains'");
}

/*
 * One domain per line; blank lines and lines starting with '#' are
 * skipped.  A relative path is taken from the INI file's directory.
 */
static void
key_domains_file(struct pst *st, const struct keydef *kd,
    struct cfg_provider *p, struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF], *path, *data = NULL;
	const char *slash, *pos, *line, *s, *e;
	size_t dirlen = 0, dlen, len, vlen = strlen(v);
	unsigned ln = 0;

	(void)kd;
	(void)p;
	(void)m;
	if (v[0] != '/' && (slash = strrchr(st->name, '/')) != NULL)
		dirlen = (size_t)(slash - st->name) + 1;
	if ((path = malloc(dirlen + vlen + 1)) == NULL) {
		cfg_oom(st, dirlen + vlen + 1);
		return;
	}
	memcpy(path, st->name, dirlen);
	memcpy(path + dirlen, v, vlen + 1);
	switch (file_read(path, &data, &dlen)) {
	case FILE_OK:
		break;
	case FILE_BIG:
		cfg_err(st, st->name, st->lineno,
		    "domains-file %s: larger than %ld bytes",
		    quote(q, path, strlen(path)), MAC_CFG_FILE_MAX);
		goto out;
	default:
		cfg_err(st, st->name, st->lineno,
		    "domains-file %s: cannot open: %s",
		    quote(q, path, strlen(path)), strerror(errno));
		goto out;
	}
	pos = data;
	while (line_next(&pos, data + dlen, &line, &len) != 0 && !st->oom) {
		ln++;
		if (line_check(st, path, ln, line, len) != 0)
			continue;
		for (s = line, e = line + len;
		     s < e && isspace((unsigned char)*s); s++)
			continue;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e || *s == '#')
			continue;
		dom_add(st, path, ln, s, (size_t)(e - s));
	}
out:
	free(data);
	free(path);
}

/*
 * Parse an authentication list (names or aliases, case-insensitive,
 * separated by commas or blanks) into out.  smtp-after-pop is refused
 * unless type is SRV_SMTP or SRV__MAX (a provider-level list, checked
 * per server later).  Returns the count, or 0 after reporting a problem.
 */
static size_t
auth_parse(struct pst *st, const char *v, enum srv_type type, const char *host,
    enum auth_method *out)
{
	char q[CFG_QUOTE_BUF];
	const char *t;
	size_t tl, n = 0, i, k;
	enum auth_method a;

	while (tok_next(&v, " \t,", &t, &tl)) {
		a = AUTH__MAX;
		for (k = 0; k < AUTH__MAX; k++)
			if (strlen(auth_method_names[k]) == tl &&
			    strncasecmp(auth_method_names[k], t, tl) == 0)
				a = (enum auth_method)k;
		for (k = 0; k < sizeof(auth_aliases) / sizeof(auth_aliases[0]);
		     k++)
			if (strlen(auth_aliases[k].name) == tl &&
			    strncasecmp(auth_aliases[k].name, t, tl) == 0)
				a = auth_aliases[k].m;
		if (a == AUTH__MAX) {
			cfg_err(st, st->name, st->lineno,
			    "unknown authentication method '%s'",
			    quote(q, t, tl));
			return 0;
		}
		for (i = 0; i < n; i++)
			if (out[i] == a) {
				cfg_err(st, st->name, st->lineno,
				    "duplicate authentication method '%s'",
				    auth_method_names[a]);
				return 0;
			}
		if (a == AUTH_SMTP_AFTER_POP && type != SRV_SMTP &&
		    type != SRV__MAX) {
			cfg_err(st, st->name, st->lineno,
			    "smtp-after-pop is only for smtp servers, not %s "
			    "%s",
			    srv_type_names[type], host);
			return 0;
		}
		out[n++] = a;
	}
	if (n == 0)
		cfg_err(st, st->name, st->lineno, "no authentication method");
	return n;
}

static void
key_auth(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	(void)kd;
	(void)p;
	m->nauth = auth_parse(st, v, SRV__MAX, NULL, m->auth);
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
 * server = TYPE HOST [PORT] [SOCKET] [auth=M1,M2] [username=TEMPLATE];
 * after HOST the fields may come in any order.
 */
static void
key_server(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF], d[MAC_DOMAIN_MAX + 1],
	    tmp[MAC_CFG_VALUE_MAX + 1];
	struct cfg_server srv;
	struct srv_meta sm;
	const char *t, *why;
	size_t tl, dlen, k;
	unsigned long port;
	int ntok = 0, have_port = 0, have_sock = 0;

	(void)kd;
	memset(&srv, 0, sizeof(srv));
	memset(&sm, 0, sizeof(sm));
	sm.line = st->lineno;
	if (p->nservers >= MAC_CFG_SERVERS_MAX) {
		cfg_err(st, st->name, st->lineno, "too many servers (max %d)",
		    MAC_CFG_SERVERS_MAX);
		return;
	}
	while (tok_next(&v, " \t", &t, &tl)) {
		ntok++;
		if (ntok == 1) {
			for (k = 0; k < SRV__MAX; k++)
				if (strlen(srv_type_names[k]) == tl &&
				    strncasecmp(srv_type_names[k], t, tl) == 0)
					break;
			if (k == SRV__MAX) {
				cfg_err(st, st->name, st->lineno,
				    "bad server type '%s' (imap, pop3 or smtp)",
				    quote(q, t, tl));
				return;
			}
			srv.type = (enum srv_type)k;
		} else if (ntok == 2) {
			if (dom_norm(t, tl, d, &dlen, &why) != MAC_OK) {
				cfg_err(st, st->name, st->lineno,
				    "bad host '%s': %s", quote(q, t, tl), why);
				return;
			}
			if ((srv.host = pool_strndup(st, d, dlen)) == NULL)
				return;
		} else if (*t >= '0' && *t <= '9') {
			if (have_port++) {
				cfg_err(st, st->name, st->lineno,
				    "server has two ports");
				return;
			}
			if (num_parse(t, tl, CFG_PORT_MAX, &port) == -1 ||
			    port == 0) {
				cfg_err(st, st->name, st->lineno,
				    "bad port '%s' (1-65535)", quote(q, t, tl));
				return;
			}
			srv.port = (unsigned)port;
		} else if (tl > strlen("auth=") &&
			   strncmp(t, "auth=", strlen("auth=")) == 0) {
			memcpy(tmp, t + strlen("auth="), tl - strlen("auth="));
			tmp[tl - strlen("auth=")] = '\0';
			if ((srv.nauth = auth_parse(
				 st, tmp, srv.type, srv.host, srv.auth)) == 0)
				return;
			sm.has_auth = 1;
		} else if (tl > strlen("username=") &&
			   strncmp(t, "username=", strlen("username=")) == 0) {
			t += strlen("username=");
			tl -= strlen("username=");
			if ((why = user_check(t, tl)) != NULL) {
				cfg_err(st, st->name, st->lineno,
				    "bad username '%s': %s", quote(q, t, tl),
				    why);
				return;
			}
			if ((srv.username = pool_strndup(st, t, tl)) == NULL)
				return;
			sm.has_user = 1;
		} else {
			for (k = 0; k < SOCK__MAX; k++)
				if (strlen(sock_type_names[k]) == tl &&
				    strncasecmp(sock_type_names[k], t, tl) == 0)
					break;
			if (k == SOCK__MAX) {
				cfg_err(st, st->name, st->lineno,
				    "bad server field '%s'", quote(q, t, tl));
				return;
			}
			if (have_sock++) {
				cfg_err(st, st->name, st->lineno,
				    "server has two socket types");
				return;
			}
			srv.sock = (enum sock_type)k;
		}
	}
	if (ntok < 2) {
		cfg_err(st, st->name, st->lineno,
		    "server needs at least TYPE and HOST");
		return;
	}
	if (!have_sock)
		srv.sock = SOCK_SSL;
	if (!have_port)
		srv.port = default_ports[srv.type][srv.sock];
	m->srv[p->nservers] = sm;
	p->servers[p->nservers++] = srv;
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
static int
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
		if (strcmp(name, keys[k].name) == 0) {
			kd = &keys[k];
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

/* ---- after parsing ---- */

/* Default PayloadIdentifier prefix: the id reversed label by label. */
static const char *
id_reverse(struct pst *st, const char *id)
{
	char out[MAC_DOMAIN_MAX + 1];
	size_t len = strlen(id), o = 0, end = len, i;

	for (i = len; i > 0; i--) {
		if (id[i - 1] != '.')
			continue;
		memcpy(out + o, id + i, end - i);
		o += end - i;
		out[o++] = '.';
		end = i - 1;
	}
	memcpy(out + o, id, end);
	o += end;
	return pool_strndup(st, out, o);
}

/*
 * Complete provider i: take what it does not set from [defaults], fill
 * in the documented defaults, give each server its authentication list
 * and username, then check the rules that span keys.  Problems are
 * reported at the line they come from, or at the [provider] line.
 */
static void
prov_resolve(struct pst *st, size_t i)
{
	struct cfg_provider *p = &st->cfg->providers[i];
	struct sec_meta *m = &st->metas[i];
	const struct cfg_provider *dp = &st->defp;
	const struct sec_meta *dm = &st->defm;
	struct cfg_server *srv;
	size_t k, s;
	int in = 0, out = 0, oauth = 0;

	st->cur = SEC_PROVIDER;
	st->curi = i;
	for (k = 0; st->have_def && k < KEY__MAX; k++) {
		if (m->kline[k] != 0 || dm->kline[k] == 0)
			continue;
		m->kline[k] = dm->kline[k];
		switch (keys[k].field) {
		case FIELD_SERVERS:
			memcpy(p->servers, dp->servers, sizeof(p->servers));
			memcpy(m->srv, dm->srv, sizeof(m->srv));
			p->nservers = dp->nservers;
			break;
		case FIELD_AUTH:
			memcpy(m->auth, dm->auth, sizeof(m->auth));
			m->nauth = dm->nauth;
			break;
		case FIELD_USER:
			m->username = dm->username;
			break;
		default:
			field_copy(p, dp, &keys[k]);
			break;
		}
	}
	if (p->display_name == NULL)
		p->display_name = p->id;
	if (p->short_name == NULL)
		p->short_name = p->display_name;
	if (p->mc_prefix == NULL &&
	    (p->mc_prefix = id_reverse(st, p->id)) == NULL)
		return;
	if (m->nauth == 0) {
		m->auth[0] = AUTH_PASSWORD_CLEARTEXT;
		m->nauth = 1;
	}
	if (m->username == NULL)
		m->username = default_username;
	for (s = 0; s < p->nservers; s++) {
		srv = &p->servers[s];
		if (!m->srv[s].has_auth) {
			memcpy(srv->auth, m->auth, sizeof(srv->auth));
			srv->nauth = m->nauth;
			for (k = 0; srv->type != SRV_SMTP && k < m->nauth; k++)
				if (m->auth[k] == AUTH_SMTP_AFTER_POP)
					cfg_err(st, st->name,
					    m->kline[KEY_AUTH],
					    "smtp-after-pop is only for smtp "
					    "servers, not %s %s",
					    srv_type_names[srv->type],
					    srv->host);
		}
		if (!m->srv[s].has_user)
			srv->username = m->username;
		if (srv->sock != SOCK_PLAIN && srv->type == SRV_SMTP)
			out = 1;
		else if (srv->sock != SOCK_PLAIN)
			in = 1;
	}
	if (m->nerr != 0 || dm->nerr != 0)
		return; /* the checks below would only repeat those */
	if (m->ndomains == 0 && !p->catch_all)
		cfg_err(
		    st, st->name, m->line, "provider %s has no domains", p->id);
	if (!in)
		cfg_err(st, st->name, m->line,
		    "provider %s has no incoming server with SSL or STARTTLS",
		    p->id);
	if (!out)
		cfg_err(st, st->name, m->line,
		    "provider %s has no outgoing server with SSL or STARTTLS",
		    p->id);
	oauth = (p->oauth_issuer != NULL) + (p->oauth_scope != NULL) +
		(p->oauth_auth_url != NULL) + (p->oauth_token_url != NULL);
	if (oauth != 0 && oauth != 4)
		cfg_err(st, st->name, m->line,
		    "provider %s needs all four oauth2-* keys or none", p->id);
	if (p->doc_text != NULL && p->doc_url == NULL)
		cfg_err(st, st->name, m->line,
		    "provider %s has documentation-text but no documentation",
		    p->id);
}

/* ---- entry points ---- */

struct mac_cfg *
mac_cfg_load_mem(
    const char *name, const char *data, size_t len, char *err, size_t errlen)
{
	static char comment_prefixes[] = ";#";
	struct pst st;
	struct mac_cfg *cfg;
	size_t i;
	int r;
	/* inih's runtime options, saved to be put back. */
	bool o_multiline = ini_allow_multiline, o_bom = ini_allow_bom,
	     o_inline = ini_allow_inline_comments, o_stack = ini_use_stack,
	     o_stop = ini_stop_on_first_error, o_novalue = ini_allow_no_value,
	     o_realloc = ini_allow_realloc;
	char *o_prefixes = ini_start_comment_prefixes;
	int o_maxline = ini_max_line;

	memset(&st, 0, sizeof(st));
	st.name = name != NULL ? name : "(config)";
	st.pos = data;
	st.end = data != NULL ? data + len : data;
	st.errs.buf = err;
	st.errs.cap = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (st.mem = calloc(1, sizeof(*st.mem))) == NULL) {
		free(cfg);
		errs_add(&st.errs, st.name, 0, "out of memory (%zu bytes)",
		    sizeof(*cfg) + sizeof(*st.mem));
		return NULL;
	}
	cfg->mem = st.mem;
	st.cfg = cfg;

	ini_allow_multiline = true;
	ini_allow_bom = false; /* the reader strips it */
	ini_start_comment_prefixes = comment_prefixes;
	ini_allow_inline_comments = false;
	ini_use_stack = true;
	ini_max_line = MAC_CFG_LINE_MAX + 3; /* CR, LF, NUL */
	ini_stop_on_first_error = false;
	ini_allow_no_value = false;
	ini_allow_realloc = false;
	r = ini_parse_stream(cfg_reader, &st, cfg_handler, &st);
	ini_allow_multiline = o_multiline;
	ini_allow_bom = o_bom;
	ini_start_comment_prefixes = o_prefixes;
	ini_allow_inline_comments = o_inline;
	ini_use_stack = o_stack;
	ini_max_line = o_maxline;
	ini_stop_on_first_error = o_stop;
	ini_allow_no_value = o_novalue;
	ini_allow_realloc = o_realloc;

	st.cur = SEC_NONE;
	if (r > 0) /* cfg_reader() should have kept inih from this */
		cfg_err(&st, st.name, (unsigned)r, "syntax error");
	else if (r < 0)
		cfg_oom(&st, MAC_CFG_LINE_MAX);
	if (st.nheaders == 0)
		cfg_err(&st, st.name, 1, "no [provider] section");
	for (i = 0; i < cfg->nproviders && !st.oom; i++)
		prov_resolve(&st, i);
	if (st.errs.n == 0) {
		for (i = 0; i < cfg->dcap; i++)
			if (cfg->dtab[i].name != NULL)
				cfg->dtab[i].prov =
				    &cfg->providers[st.dprov[i]];
		if (st.catch_all != 0)
			cfg->catch_all = &cfg->providers[st.catch_all - 1];
	}
	free(st.dprov);
	free(st.ptab);
	free(st.metas);
	/* Every answer that does not depend on the request, ready to copy. */
	if (st.errs.n == 0 && render_prepare(cfg) != 0)
		cfg_oom(&st, MAC_OUT_MAX);
	/* Expat's hash salt for Autodiscover bodies; 0 (RAND_bytes failed)
	 * lets expat draw its own per request. */
	if (RAND_bytes((unsigned char *)&cfg->salt, sizeof(cfg->salt)) != 1)
		cfg->salt = 0;
	if (st.errs.n != 0) {
		mac_cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

struct mac_cfg *
mac_cfg_load(const char *path, char *err, size_t errlen)
{
	struct errs e;
	struct mac_cfg *cfg;
	char *data;
	size_t len;

	memset(&e, 0, sizeof(e));
	e.buf = err;
	e.cap = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	switch (file_read(path, &data, &len)) {
	case FILE_OK:
		break;
	case FILE_BIG:
		errs_add(
		    &e, path, 0, "larger than %ld bytes", MAC_CFG_FILE_MAX);
		return NULL;
	default:
		errs_add(&e, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	cfg = mac_cfg_load_mem(path, data, len, err, errlen);
	free(data);
	return cfg;
}

void
mac_cfg_free(struct mac_cfg *cfg)
{
	struct cfg_mem *mem;
	struct pool_chunk *c, *next;

	if (cfg == NULL)
		return;
	if (cfg->providers != NULL)
		render_release(cfg);
	if ((mem = cfg->mem) != NULL) {
		for (c = mem->chunks; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
		free(mem);
	}
	free(cfg->providers);
	free(cfg->dtab);
	free(cfg);
}

size_t
mac_cfg_nproviders(const struct mac_cfg *cfg)
{
	return cfg != NULL ? cfg->nproviders : 0;
}

size_t
mac_cfg_ndomains(const struct mac_cfg *cfg)
{
	return cfg != NULL ? cfg->ndomains : 0;
}
