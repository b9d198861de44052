/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * mailautoconf: declarations shared by the configuration loader's files
 * only (cfg*.c, domtab.c): the loader's state, the key table's types,
 * and the functions one loader file calls in another.  Nothing outside
 * the loader may include this file; lib/extern.h is for the rest of lib/.
 */

#ifndef MAC_CFG_INT_H
#define MAC_CFG_INT_H

#include <stddef.h>

#include "extern.h"

/* Limits local to the loader; candidates for limits.h. */
#define CFG_PORT_MAX 65535         /* TCP port field (RFC 9293) */
#define CFG_POOL_CHUNK (64 * 1024) /* string pool block */
#define CFG_TAB_MIN 64             /* first size of a hash table */
#define CFG_QUOTE_BUF (MAC_CFG_QUOTE_MAX + sizeof("..."))
#define CFG_MSG_MAX 1024 /* one error line */

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
	KEY_MC_SIGN_CERT,
	KEY_MC_SIGN_KEY,
	KEY_MC_SIGN_CHAIN,
	KEY_MC_URL,
	KEY_ENABLE_URL,
	KEY_ENABLE_TEXT,
	KEY_LOGIN_URL,
	KEY_LOGIN_USER,
	KEY_LOGIN_USER_FIELD,
	KEY_LOGIN_PASS_FIELD,
	KEY_LOGIN_BUTTON,
	KEY_SETUP_NOTE,
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
	FIELD_DOCS,     /* documentation links and texts, as one block */
	FIELD_ENABLE,   /* enable-url and its texts, as one block */
	FIELD_LOGIN,    /* the webmail-login-* keys, as one block */
	FIELD_NOTES,    /* the setup notes */
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

/* Loader state; lives on cfg_read_mem()'s stack. */
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
	struct errs warns; /* warnings: the load still succeeds */
	int oom;
};

struct keydef;
typedef void (*key_fn)(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);

#define KF_PROVIDER 0x01    /* not allowed in [defaults] */
#define KF_REPEAT 0x02      /* may repeat; indented lines continue it */
#define KF_HTTP 0x04        /* URL may be http:// as well as https:// */
#define KF_EMAILDOMAIN 0x08 /* URL's host may hold %EMAILDOMAIN% */

struct keydef {
	const char *name;
	key_fn parse;
	enum field field;
	size_t off; /* FIELD_STR, FIELD_UINT, FIELD_INT: where it goes */
	unsigned long min, max; /* numbers */
	int flags;
};

/* ---- errors (cfg_err.c) ---- */

const char *quote(char *q, const char *s, size_t len);
void errs_add(struct errs *, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));
void cfg_err(struct pst *, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));
void cfg_oom(struct pst *st, size_t n);
void cfg_warn(struct pst *, const char *, unsigned, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- string pool (cfg.c) ---- */

char *pool_strndup(struct pst *st, const char *s, size_t len);
void *pool_zalloc(struct pst *st, size_t size);

/* ---- the INI reader (cfg_ini.c) ---- */

int line_next(
    const char **pos, const char *end, const char **line, size_t *len);
int line_check(
    struct pst *st, const char *file, unsigned line, const char *p, size_t len);
int cfg_ini_read(struct pst *st);
const char *sec_label(const struct pst *st, char *buf, size_t size);

/* ---- the key table (cfg_keys.c) ---- */

extern const struct keydef key_table[KEY__MAX];
int tok_next(const char **sp, const char *seps, const char **tok, size_t *tlen);
int num_parse(const char *s, size_t len, unsigned long max, unsigned long *out);
const char *user_check(const char *s, size_t len);
enum mac_err host_norm(
    const char *in, size_t len, char *out, size_t *outlen, const char **why);
const char *text_check(const char *s, size_t len, size_t max);
int bool_parse(const char *v);
const char *url_parse(struct pst *st, const struct keydef *kd, const char *v);

/* Why url_split() refuses a URL. */
enum url_bad {
	URL_GOOD = 0,
	URL_BAD_SCHEME, /* not https:// (or http:// where allowed) */
	URL_BAD_HOST,   /* parts.why says why */
	URL_BAD_PORT,   /* not 1-65535 */
	URL_BAD_PATH,   /* a byte not allowed in the path */
};

/* A URL's parts as the loader takes it (url_split()). */
struct url_parts {
	const char *scheme;            /* "https" or "http" */
	char host[MAC_DOMAIN_MAX + 1]; /* normalised */
	size_t hlen;
	unsigned long port; /* 0: none given */
	const char *rest;   /* the path and query, in the URL itself */
	const char *why;    /* URL_BAD_HOST: the host's reason */
};

enum url_bad url_split(
    const char *v, int http, int emaildomain, struct url_parts *u);
void bool_err(struct pst *st, const struct keydef *kd, const char *v);
int cfg_handler(
    void *user, const char *section, const char *name, const char *value);

/* ---- server lines and authentication (cfg_server.c) ---- */

void key_auth(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void key_server(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);

/* ---- the keys that name domains (cfg_domains.c) ---- */

void key_domains(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void key_domains_file(struct pst *, const struct keydef *,
    struct cfg_provider *, struct sec_meta *, const char *);
void key_catch_all(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);

/* ---- the domain table (domtab.c) ---- */

void dom_add(
    struct pst *st, const char *file, unsigned line, const char *s, size_t len);
void dtab_link(struct pst *st);

/* ---- completing providers (cfg_resolve.c) ---- */

void prov_resolve(struct pst *st, size_t i);

/* ---- texts in several languages, the login form, notes (cfg_texts.c) */

void key_doc(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void key_doc_text(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void key_enable_url(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void key_enable_text(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void key_login(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void key_setup_note(struct pst *, const struct keydef *, struct cfg_provider *,
    struct sec_meta *, const char *);
void prov_texts_inherit(struct pst *st, struct cfg_provider *p,
    const struct sec_meta *m, const struct cfg_provider *dp,
    const struct sec_meta *dm);
void prov_texts_check(
    struct pst *st, const struct cfg_provider *p, const struct sec_meta *m);
const char *lang_split(const char *v, char *lang, size_t size);
const char *login_field_check(const char *s, size_t len);

/* ---- the profile signer's files (cfg_sign.c) ---- */

void prov_signer(struct pst *st, struct cfg_provider *p, struct sec_meta *m);

/* A signer's PEM inputs, in the order they are read. */
enum sign_in { SIGN_KEY = 0, SIGN_CERT, SIGN_CHAIN, SIGN__MAX };

/* Read one PEM input of s into a memory BIO (OpenSSL's struct bio_st) the
 * caller frees; NULL after a reported problem. */
typedef struct bio_st *sign_read_fn(struct pst *, const struct mc_signer *s,
    const struct sec_meta *, enum sign_in, void *ctx);
int signer_parse(struct pst *, struct mc_signer *, const struct sec_meta *,
    sign_read_fn *, void *ctx);

#endif
