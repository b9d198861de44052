/*
 * mailautoconf: declarations shared inside lib/ only.
 *
 * The configuration structures, the output buffer and arena, the escaping
 * writer and the address helpers.  Nothing outside lib/ and tests/ may
 * include this file.
 */
#ifndef MAC_EXTERN_H
#define MAC_EXTERN_H

#include <stddef.h>
#include <stdint.h>

#include "mac_limits.h"
#include "mailautoconf.h"

/* ---- configuration (cfg*.c; the domain table: domtab.c) ---- */

enum srv_type { SRV_IMAP = 0, SRV_POP3, SRV_SMTP, SRV__MAX };

enum sock_type { SOCK_SSL = 0, SOCK_STARTTLS, SOCK_PLAIN, SOCK__MAX };

/* Thunderbird's vocabulary (autoconfig 1.1 "authentication"). */
enum auth_method {
	AUTH_PASSWORD_CLEARTEXT = 0,
	AUTH_PASSWORD_ENCRYPTED,
	AUTH_NTLM,
	AUTH_GSSAPI,
	AUTH_CLIENT_IP,
	AUTH_TLS_CLIENT_CERT,
	AUTH_OAUTH2,
	AUTH_NONE,
	AUTH_SMTP_AFTER_POP,
	AUTH__MAX
};

extern const char *const srv_type_names[SRV__MAX];     /* "imap" ... */
extern const char *const sock_type_names[SOCK__MAX];   /* "SSL" ... */
extern const char *const auth_method_names[AUTH__MAX]; /* "OAuth2" ... */

struct cfg_server {
	enum srv_type type;
	enum sock_type sock;
	unsigned port;
	const char *host;     /* ASCII (A-labels), lower case */
	const char *username; /* template: %EMAILADDRESS% and friends */
	enum auth_method auth[AUTH__MAX];
	size_t nauth; /* >= 1 */
	/*
	 * On port 443 beside HTTPS, reached only by a client that sends the
	 * TLS ALPN name "imap" or "smtp" (nginx/mailautoconf-stream.conf).
	 * The loader keeps such servers last of their direction; only the
	 * answers whose clients may send ALPN list them
	 * (tests/clients/README.md §8).
	 */
	int alpn;
};

/*
 * A precomputed answer (tpl.c): the document a provider gives for one
 * kind of request, rendered and escaped once when the configuration is
 * loaded, with holes where the request's values go.  text is NULL when
 * the answer could not be precomputed; it is then rendered per request.
 */
enum tpl_kind {
	TPL_AC = 0,  /* autoconfig */
	TPL_AC_EVO,  /* autoconfig for Evolution's EVOLUTIONUSER */
	TPL_POX,     /* Autodiscover POX, Outlook schema */
	TPL_POX_MS,  /* Autodiscover POX, MobileSync schema */
	TPL_JSON_V1, /* v2 JSON, Protocol AutodiscoverV1 */
	TPL_JSON_AS, /* v2 JSON, Protocol ActiveSync */
	TPL_MC,      /* mobileconfig without an account name */
	TPL_MC_NAME, /* mobileconfig with one */
	TPL__MAX
};

/*
 * What goes into a hole.  While a template is rendered, each value is a
 * one-byte string of its kind's code, a C0 control that no configured
 * text can hold (the loader refuses them, and tpl_build() checks every
 * configured text of the provider before it renders), so the escaping
 * writer can tell a hole from text.
 */
enum hole_kind {
	HOLE_NONE = 0,   /* a literal segment, not a hole */
	HOLE_DOMAIN = 1, /* the address's domain */
	HOLE_LOCAL,      /* its local part */
	HOLE_NAME,       /* the mobileconfig account name */
	HOLE_IDENT,      /* the mobileconfig identifier */
	HOLE_UUID,       /* its UUIDs: profile, mail, CalDAV, CardDAV */
	HOLE_UUID_MAIL,
	HOLE_UUID_CALDAV,
	HOLE_UUID_CARDDAV,
	HOLE__END
};

/* How the escaping writer (xml.c) writes a value. */
enum xml_esc {
	ESC_TEXT = 0, /* XML character data, section 2.4 */
	ESC_ATTR,     /* XML attribute value, sections 2.3 and 3.3.3 */
	ESC_JSON,     /* JSON string contents, RFC 8259 section 7 */
	ESC__MAX
};

/*
 * One piece of a template: literal bytes of its text (hole HOLE_NONE:
 * len bytes at off), or a hole (the request's value of that kind,
 * escaped as esc says; off is where it goes, len is 0).
 */
struct tpl_seg {
	uint32_t off;
	uint32_t len;
	uint8_t hole; /* enum hole_kind */
	uint8_t esc;  /* enum xml_esc, for a hole */
};

struct tpl {
	char *text; /* NULL: none; the literal segments' bytes */
	size_t len;
	struct tpl_seg *segs; /* in answer order */
	size_t nsegs;
};

/* Why a kind of answer has a template or not (tpl_build()). */
enum tpl_res {
	TPL_BUILT = 0, /* kept: answered by tpl_emit() */
	TPL_ABSENT,    /* the provider offers no such answer */
	TPL_UNFIT,     /* it did not render, or a value has no hole */
	TPL_FULL,      /* more than MAC_TPL_SEGS_MAX segments */
	TPL_UNSAFE,    /* a configured text holds a hole's code */
	TPL_ENOMEM,    /* out of memory: the load fails */
	TPL_RES__MAX
};

/*
 * A template being recorded by the writer (xml.c's xml_w.rec, set from
 * struct ask.rec): the segments so far, the end of the last one in the
 * buffer, and the first reason the recording cannot become a template.
 */
struct tpl_rec {
	struct tpl_seg segs[MAC_TPL_SEGS_MAX];
	size_t n;
	size_t mark;
	enum tpl_res res;
};

/*
 * What signs a provider's profiles (cfg_sign.c loads it, ep_mobileconfig.c
 * signs with it): the signer's certificate and key, the chain sent with
 * them, and SHA-256 fetched once.  Providers that name the same three
 * files share one.  OpenSSL's types, by their struct tags.
 */
struct mc_signer {
	struct mc_signer *next; /* the configuration's list */
	const char *cert_path, *key_path, *chain_path; /* as configured */
	int bad; /* failed to load: reported once */
	struct x509_st *cert;
	struct evp_pkey_st *key;
	struct stack_st_X509 *chain; /* NULL: none configured */
	struct evp_md_st *sha256;
};

/* A text in one language: a documentation link's or the enable
 * instruction's (documentation-text, enable-text; cfg_texts.c). */
struct cfg_text {
	const char *lang; /* BCP 47 tag; "en" when the line gave none */
	const char *text;
};

/* One documentation link (documentation) and its texts, in file order. */
struct cfg_doc {
	const char *url;
	struct cfg_text texts[MAC_CFG_LANGS_MAX];
	size_t ntexts;
};

/* The webmail login form (webmail-login-*): autoconfig's loginPageInfo. */
struct cfg_login {
	const char *url;
	const char *username; /* template, as a server's; never NULL */
	/* Each element's id and name attributes; NULL when not given. */
	const char *user_id, *user_name;
	const char *pass_id, *pass_name;
	const char *button_id, *button_name;
};

/* Who a setup-note is for (ep_setup.c says it in words). */
enum note_client {
	NOTE_ALL = 0, /* no client named: for everyone */
	NOTE_ANDROID,
	NOTE_APPLE,
	NOTE_OUTLOOK,
	NOTE_THUNDERBIRD,
	NOTE_OTHER,
	NOTE__MAX
};
extern const char *const note_client_names[NOTE__MAX]; /* "android" ... */

struct cfg_note {
	enum note_client client;
	const char *text;
};

struct cfg_provider {
	const char *id;           /* host name, lower case ASCII */
	const char *display_name; /* never NULL after load */
	const char *short_name;   /* never NULL after load */
	struct cfg_server servers[MAC_CFG_SERVERS_MAX]; /* in file order */
	size_t nservers;
	int pop3_leave;     /* -1 unset, 0 false, 1 true */
	unsigned pop3_days; /* 0 unset */
	/* Optional URLs and texts; NULL when not configured. */
	const char *caldav;
	const char *carddav;
	const char *webmail;
	const char *activesync;
	const char *autodiscover_url; /* v2 JSON Url; NULL: derived */
	const char *config_update_url;
	const char *oauth_issuer; /* all four set, or all NULL */
	const char *oauth_scope;
	const char *oauth_auth_url;
	const char *oauth_token_url;
	unsigned ttl;          /* Autodiscover TTL in hours; 0 unset */
	const char *mc_org;    /* PayloadOrganization; NULL: display name */
	const char *mc_prefix; /* PayloadIdentifier prefix; never NULL */
	const char
	    *mc_url; /* the /mobileconfig URL in QR codes; NULL: derived */
	const char *mc_sign_cert; /* PEM paths as configured, or NULL */
	const char *mc_sign_key;
	const char *mc_sign_chain;
	const struct mc_signer *signer; /* NULL: profiles go unsigned */
	/* Documentation links with their texts, the enable instruction
	 * (switch IMAP on first), the webmail login form and the setup
	 * page's notes (cfg_texts.c): arrays in the configuration's memory,
	 * NULL with a count of 0 when not configured. */
	struct cfg_doc *docs;
	size_t ndocs;
	const char *enable_url;
	struct cfg_text *enable;
	size_t nenable;
	struct cfg_login *login; /* NULL: none */
	struct cfg_note *notes;
	size_t nnotes;
	int catch_all;
	/* The renderer's: its row of mac_cfg.tpl, set by render_prepare()
	 * after loading (the loader leaves it NULL). */
	const struct tpl *tpl;
};

struct cfg_domain {
	const char *name; /* lower case ASCII, NUL-terminated */
	size_t len;
	uint32_t hash;
	uint32_t seq; /* place in the configuration: 0 for the first listed */
	const struct cfg_provider *prov;
};

struct mac_cfg {
	struct cfg_provider *providers;
	size_t nproviders;
	const struct cfg_provider *catch_all; /* or NULL */
	/* The renderer's: each provider's precomputed answers, by its place
	 * in providers[] (tpl.c; load.c has them made after loading). */
	struct tpl (*tpl)[TPL__MAX];
	struct evp_md_st *sha1; /* OpenSSL's SHA-1, fetched once (tpl.c) */
	unsigned long salt;     /* expat's hash salt, random per load (cfg.c) */
	struct cfg_domain *dtab; /* open addressing, power-of-two size */
	size_t dcap;
	size_t ndomains;
	void *mem; /* owned allocations, freed by mac_cfg_free() */
	struct mc_signer *signers; /* owned, freed by mac_cfg_free() */
	char *warn; /* "file:line: warning" lines, "" for none; owned */
};

/* Free the configuration's signers (cfg_sign.c). */
void signers_free(struct mac_cfg *);

/*
 * The loader (cfg.c): the provider table, its domains, signers and
 * warnings from INI text, or from a file; NULL with "file:line: reason"
 * lines in err.  Nothing of answering: mac_cfg_load() and
 * mac_cfg_load_mem() complete what these return.  cfg_release() frees
 * what they made.
 */
struct mac_cfg *cfg_read_mem(
    const char *name, const char *data, size_t len, char *err, size_t errlen);
struct mac_cfg *cfg_read_file(const char *path, char *err, size_t errlen);
void cfg_release(struct mac_cfg *);

/*
 * Find the provider for a domain given in lower-case ASCII.  Falls back to
 * the catch-all provider; NULL if none serves it.
 */
const struct cfg_provider *cfg_find(
    const struct mac_cfg *, const char *dom, size_t len);
uint32_t cfg_hash(const char *, size_t);

/* ---- reading files (file.c), at load time only ---- */

enum file_res {
	FILE_OK = 0,
	FILE_ERRNO, /* errno says why */
	FILE_BIG,   /* over MAC_CFG_FILE_MAX */
	FILE__MAX
};

enum file_res file_read(const char *path, char **out, size_t *outlen);
enum file_res file_read_mode(
    const char *path, char **out, size_t *outlen, unsigned *mode);

/* ---- buffer and arena (buf.c) ---- */

void buf_reset(struct mac_buf *);
void buf_put(struct mac_buf *, const char *, size_t);
void buf_puts(struct mac_buf *, const char *);
void buf_putc(struct mac_buf *, char);
void buf_putu(struct mac_buf *, unsigned long);
void arena_reset(struct mac_arena *);
void *arena_alloc(struct mac_arena *, size_t);
int arena_extend(struct mac_arena *, void *, size_t, size_t);
char *arena_strndup(struct mac_arena *, const char *, size_t);

/* ---- escaping writer (xml.c): the only code that escapes ---- */

struct xml_w {
	struct mac_buf *b;
	struct tpl_rec *rec; /* recording a template, or NULL */
	const char *stack[MAC_XML_STACK_MAX];
	size_t depth;
	int pretty; /* indent two spaces per level */
};

/* Ends the attribute list of xml_open(), xml_elem() and xml_empty(): a
 * typed null pointer, since a bare NULL may be a plain 0 in varargs. */
#define XML_END ((const char *)0)

/* rec: record the template being rendered (struct ask.rec), or NULL. */
void xml_init(struct xml_w *, struct mac_buf *, int pretty, struct tpl_rec *);
void xml_decl(struct xml_w *);
/* Open an element; attribute name/value pairs follow, NULL-terminated. */
void xml_open(struct xml_w *, const char *name, ...) __attribute__((sentinel));
void xml_close(struct xml_w *);
/* <name attrs...>text</name>; text may be NULL for an empty element. */
void xml_elem(struct xml_w *, const char *name, const char *text, ...)
    __attribute__((sentinel));
void xml_elemn(struct xml_w *, const char *name, const char *p, size_t len);
void xml_elemu(struct xml_w *, const char *name, unsigned long v);
/* <name/> with attributes, NULL-terminated. */
void xml_empty(struct xml_w *, const char *name, ...) __attribute__((sentinel));
void xml_raw(struct xml_w *, const char *); /* trusted constant markup */
enum mac_err xml_text(struct mac_buf *, const char *, size_t);
enum mac_err xml_attr(struct mac_buf *, const char *, size_t);
void xml_end(struct xml_w *); /* closes all open elements */
/* A JSON string literal with quotes; the only JSON quoting. */
enum mac_err json_str(struct mac_buf *, const char *, size_t);
/* The same through a writer, recording holes if it records. */
void xml_json(struct xml_w *, const char *, size_t);
/* A URL query value, percent-encoded but for the unreserved bytes. */
enum mac_err url_qval(struct mac_buf *, const char *, size_t);
/* Whether s is well-formed UTF-8 of XML 1.0 Chars only (RFC 3629 section
 * 4, XML 1.0 section 2.2): what xml_text() accepts.  Parsers use it to
 * refuse request text up front instead of failing while rendering. */
int xml_valid(const char *, size_t);
/* Decode one UTF-8 sequence (RFC 3629 section 4): its length, 0 if
 * malformed.  s holds n > 0 bytes. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* A value for a template's hole, escaped as the hole's mode says. */
enum mac_err xml_hole(struct mac_buf *, enum xml_esc, const char *, size_t);
/* End a recording with the literal after its last hole. */
void xml_rec_end(struct tpl_rec *, const struct mac_buf *);

/*
 * Whether the len bytes at p equal the NUL-terminated s, ignoring the case
 * of ASCII letters only (no locale).  p need not be NUL-terminated; at a
 * NUL in p it stops, so a NUL-terminated p shorter than len is safe.  The
 * one case-insensitive comparison in lib/ (parse_common.c).
 */
int ascii_caseeq(const char *p, size_t len, const char *s);

/*
 * A configured host name, display name or URL with each %EMAILDOMAIN%
 * replaced by dom (render_common.c): writes it NUL-terminated into out
 * if size allows; returns its length (out may be NULL to measure).
 */
size_t dom_put(
    char *out, size_t size, const char *s, const char *dom, size_t dlen);

/* ---- addresses and query strings (addr.c) ---- */

/*
 * Normalise a domain name: strip one trailing dot, convert U-labels to
 * A-labels (IDNA2008 via libidn2), lower-case, and check each label
 * (LDH, 1..63 octets, no leading or trailing hyphen, at least two labels).
 * Writes a NUL-terminated result of at most MAC_DOMAIN_MAX octets into out
 * (which must hold MAC_DOMAIN_MAX + 1) and its length into *outlen.
 * Returns MAC_OK or MAC_EINPUT with *why set to a short static reason.
 * Used by the configuration loader and by request parsing alike.
 */
enum mac_err dom_norm(
    const char *in, size_t len, char *out, size_t *outlen, const char **why);

struct addr {
	struct mac_str local;  /* as given; empty when only a domain is known */
	struct mac_str domain; /* lower-case ASCII (A-labels), in the arena */
};

/*
 * Parse an e-mail address (already percent-decoded).  The domain is
 * lower-cased and converted to A-labels into the arena.  Returns MAC_OK,
 * MAC_EINPUT (with *why set) or MAC_ENOMEM.
 */
enum mac_err addr_parse(
    struct mac_arena *, const char *, size_t, struct addr *, const char **why);
/* Validate and normalise a bare domain the same way. */
enum mac_err addr_domain(struct mac_arena *, const char *, size_t,
    struct mac_str *out, const char **why);
/*
 * Find key in a query string (case-insensitive key match) and
 * percent-decode its value (and '+' as space? no: '+' is kept) into the
 * arena.  Returns MAC_OK and sets *out; out->p == NULL when the key is
 * absent.  MAC_EINPUT for a malformed escape or a NUL byte.
 */
enum mac_err query_get(struct mac_arena *, struct mac_str query,
    const char *key, struct mac_str *out, const char **why);
/* The same for the key's nth occurrence (0: the first, as query_get()).
 * The whole query string is still checked up to that occurrence. */
enum mac_err query_get_nth(struct mac_arena *, struct mac_str query,
    const char *key, size_t nth, struct mac_str *out, const char **why);

/* ---- requests and answers (route.c, ep_*.c, tpl.c) ---- */

enum ms_schema {
	SCHEMA_OUTLOOK = 0, /* .../outlook/responseschema/2006a */
	SCHEMA_MOBILESYNC,  /* .../mobilesync/responseschema/2006 */
	SCHEMA__MAX
};

enum v2_proto { V2_AUTODISCOVERV1 = 0, V2_ACTIVESYNC, V2__MAX };

/* One account of a profile for several addresses (ep_mobileconfig.c). */
struct mc_acct {
	struct addr addr;
	const struct cfg_provider *prov;
};

/* A request after parsing: everything a renderer may look at. */
struct ask {
	struct addr addr; /* addr.local.len == 0: domain only */
	int evolution;    /* local part is Evolution's EVOLUTIONUSER */
	const struct cfg_provider *prov;
	enum ms_schema schema;
	enum v2_proto proto;
	struct mac_str name; /* mobileconfig account name, may be empty */
	/* mobileconfig for several addresses: each account in the order
	 * asked, repeats dropped, accts[0] being addr and prov; NULL (and
	 * naccts 0) for one address. */
	const struct mc_acct *accts;
	size_t naccts;
	uint32_t now_ms;
	struct tpl_rec *rec; /* recording a template: hole codes, not values */
	const struct mac_cfg *cfg;
};

enum mac_err render_autoconfig(const struct ask *, struct mac_resp *);
enum mac_err render_pox(const struct ask *, struct mac_resp *);
enum mac_err render_json(const struct ask *, struct mac_resp *);
enum mac_err render_mobileconfig(const struct ask *, struct mac_resp *);
void render_err_text(enum mac_err, const struct ask *, struct mac_resp *);
void render_err_pox(enum mac_err, const struct ask *, struct mac_resp *);
void render_err_json(enum mac_err, const struct ask *, struct mac_resp *);
/* Precompute every provider's answers into cfg->tpl (load.c calls it
 * after a load); 0, or -1 when out of memory.  render_release() frees
 * them. */
int render_prepare(struct mac_cfg *);
void render_release(struct mac_cfg *);
/* Tests: non-zero renders every answer per request, as before loading
 * templates existed, so both paths can be compared. */
extern int render_no_templates;

#endif
