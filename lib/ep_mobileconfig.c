/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Apple configuration profile (.mobileconfig): the query parser, the
 * profile renderer with its plist helpers, and the deterministic
 * identifiers and UUIDs.  Its errors are plain text (render_err_text(),
 * render_common.c).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "endpoint.h"

/* UUIDv5 namespace for profile payloads (RFC 9562 §5.5); never change it,
 * or every installed profile would be duplicated on the next download. */
static const unsigned char uuid_ns[16] = {0x5e, 0x1b, 0x6c, 0x2a, 0x8f, 0x3d,
    0x4b, 0x7e, 0x9a, 0x41, 0x2c, 0x6d, 0x0e, 0x8f, 0x7b, 0x13};

#define MC_STR_(x) #x
#define MC_STR(x) MC_STR_(x)

/* Whether two parsed addresses give one identifier (mc_ident()): the
 * same domain, and local parts equal but for ASCII letter case. */
static int
mc_same(const struct addr *x, const struct addr *y)
{
	size_t i;

	if (x->domain.len != y->domain.len || x->local.len != y->local.len ||
	    memcmp(x->domain.p, y->domain.p, x->domain.len) != 0)
		return 0;
	for (i = 0; i < x->local.len; i++) {
		unsigned char c = (unsigned char)x->local.p[i],
			      d = (unsigned char)y->local.p[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (d >= 'A' && d <= 'Z')
			d = (unsigned char)(d - 'A' + 'a');
		if (c != d)
			return 0;
	}
	return 1;
}

/*
 * Every address of emailaddress, repeated or comma-separated (spaces
 * around the commas are skipped), into acc: at most MAC_MC_ADDRS_MAX
 * given, an address that gives the same identifier as an earlier one
 * dropped (its payloads would repeat the earlier one's UUIDs, which
 * Apple refuses).  *n: how many are kept.
 */
static enum mac_err
mc_addrs(const struct mac_req *req, struct mac_resp *r,
    struct mc_acct acc[MAC_MC_ADDRS_MAX], size_t *n)
{
	struct mac_str v;
	struct ask b;
	const char *s, *t, *te, *end, *comma;
	size_t k, given = 0, j;
	enum mac_err e;

	*n = 0;
	for (k = 0;; k++) {
		if ((e = query_get_nth(&r->arena, req->query, "emailaddress", k,
			 &v, &r->why)) != MAC_OK)
			return e;
		if (v.p == NULL)
			break;
		for (s = v.p, end = v.p + v.len;; s = comma + 1) {
			comma = memchr(s, ',', (size_t)(end - s));
			t = s;
			te = comma != NULL ? comma : end;
			if (comma != NULL || s != v.p) { /* a list */
				while (t < te && *t == ' ')
					t++;
				while (te > t && te[-1] == ' ')
					te--;
				if (t == te) {
					r->why = "empty address in the list";
					return MAC_EINPUT;
				}
			}
			if (++given > MAC_MC_ADDRS_MAX) {
				r->why = "more than " MC_STR(
				    MAC_MC_ADDRS_MAX) " addresses";
				return MAC_EINPUT;
			}
			memset(&b, 0, sizeof(b));
			if ((e = ask_address(r, t, (size_t)(te - t), &b)) !=
			    MAC_OK)
				return e;
			for (j = 0; j < *n && !mc_same(&acc[j].addr, &b.addr);
			     j++)
				;
			if (j == *n)
				acc[(*n)++].addr = b.addr;
			if (comma == NULL)
				break;
		}
	}
	return MAC_OK;
}

/*
 * Apple configuration profile: emailaddress required (repeated or a
 * comma-separated list for several accounts), name optional.
 */
enum mac_err
parse_mobileconfig(const struct mac_cfg *cfg, const struct mac_req *req,
    struct mac_str tail, struct mac_resp *r, struct ask *a)
{
	struct mc_acct acc[MAC_MC_ADDRS_MAX], *out;
	size_t i, n;
	enum mac_err e;

	(void)tail;
	if ((e = mc_addrs(req, r, acc, &n)) != MAC_OK)
		return e;
	if (n == 0) {
		r->why = "missing emailaddress parameter";
		return MAC_EINPUT;
	}
	a->addr = acc[0].addr;
	if ((e = query_get(&r->arena, req->query, "name", &a->name, &r->why)) !=
	    MAC_OK)
		return e;
	if (a->name.len > MAC_NAME_MAX) {
		r->why = "name too long";
		return MAC_EINPUT;
	}
	for (i = 0; i < a->name.len; i++)
		if ((unsigned char)a->name.p[i] < 0x20 ||
		    a->name.p[i] == 0x7f) {
			r->why = "control character in name";
			return MAC_EINPUT;
		}
	/* Refused here, not by the escaper, which would log it as a fault. */
	if (!xml_valid(a->name.p, a->name.len)) {
		r->why = "name is not valid UTF-8";
		return MAC_EINPUT;
	}
	for (i = 1; i < n; i++) {
		a->addr = acc[i].addr;
		if ((e = ask_provider(cfg, r, a)) != MAC_OK)
			return e;
		acc[i].prov = a->prov;
	}
	a->addr = acc[0].addr;
	if ((e = ask_provider(cfg, r, a)) != MAC_OK || n == 1)
		return e;
	acc[0].prov = a->prov;
	if ((out = arena_alloc(&r->arena, n * sizeof(*out))) == NULL)
		return MAC_ENOMEM;
	memcpy(out, acc, n * sizeof(*out));
	a->accts = out;
	a->naccts = n;
	return MAC_OK;
}

/* ---- Apple configuration profile ---- */

/*
 * A name-based UUID (RFC 9562 §5.5, version 5, SHA-1) of s under
 * uuid_ns, written upper case 8-4-4-4-12 into out (37 bytes).  The same
 * identifier always gives the same UUID, so a second download replaces
 * the installed profile instead of adding one.  The whole identifier is
 * hashed, however long.  Returns 0, or -1 when OpenSSL fails (out is then
 * empty).
 */
int
uuid5(const struct ask *a, char out[37], const char *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	size_t i, o = 0;
	int ok;

	out[0] = '\0';
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	/* The digest fetched at load skips OpenSSL's lookup per call. */
	ok = EVP_DigestInit_ex(ctx,
		 a->cfg != NULL && a->cfg->sha1 != NULL ? a->cfg->sha1
							: EVP_sha1(),
		 NULL) == 1 &&
	     EVP_DigestUpdate(ctx, uuid_ns, sizeof(uuid_ns)) == 1 &&
	     EVP_DigestUpdate(ctx, s, strlen(s)) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = "0123456789ABCDEF"[md[i] >> 4];
		out[o++] = "0123456789ABCDEF"[md[i] & 15];
	}
	out[o] = '\0';
	return 0;
}

/*
 * The profile identifier: <prefix>.<reversed address domain>.<local part>,
 * the local part lower-cased with every byte outside [a-z0-9-] written as
 * _XX, so that distinct addresses never share an identifier.
 */
const char *
mc_ident(struct mac_arena *ar, const struct ask *a)
{
	const struct mac_str *d = &a->addr.domain, *l = &a->addr.local;
	size_t n = strlen(a->prov->mc_prefix) + 1 + d->len + 1 + l->len * 3;
	char *out, *o;
	size_t i, end;

	if (a->rec != NULL)
		return hole_str[HOLE_IDENT];
	if ((out = arena_alloc(ar, n + 1)) == NULL)
		return NULL;
	o = out;
	memcpy(o, a->prov->mc_prefix, strlen(a->prov->mc_prefix));
	o += strlen(a->prov->mc_prefix);
	end = d->len;
	for (i = d->len; i > 0; i--)
		if (d->p[i - 1] == '.' || i == 1) {
			size_t start = d->p[i - 1] == '.' ? i : i - 1;
			*o++ = '.';
			memcpy(o, d->p + start, end - start);
			o += end - start;
			end = i - 1;
		}
	*o++ = '.';
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->p[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-')
			*o++ = (char)c;
		else {
			*o++ = '_';
			*o++ = "0123456789abcdef"[c >> 4];
			*o++ = "0123456789abcdef"[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static void
pl_key(struct xml_w *w, const char *k)
{
	xml_elem(w, "key", k, XML_END);
}

static void
pl_str(struct xml_w *w, const char *k, const char *v)
{
	pl_key(w, k);
	xml_elem(w, "string", v, XML_END);
}

static void
pl_int(struct xml_w *w, const char *k, unsigned long v)
{
	pl_key(w, k);
	xml_elemu(w, "integer", v);
}

static void
pl_bool(struct xml_w *w, const char *k, int v)
{
	pl_key(w, k);
	xml_empty(w, v ? "true" : "false", XML_END);
}

/* The common payload keys (CommonPayloadKeys.yaml). */
static void
pl_payload(struct xml_w *w, const struct ask *a, struct mac_arena *ar,
    const char *type, const char *ident, const char *suffix,
    const char *display)
{
	char *id, uuid[37];
	size_t n = strlen(ident), m = suffix ? strlen(suffix) : 0, k;

	if ((id = arena_alloc(ar, n + m + 1)) == NULL)
		return; /* the arena keeps the failure; mac_handle() sees it */
	memcpy(id, ident, n);
	memcpy(id + n, suffix ? suffix : "", m);
	id[n + m] = '\0';
	if (a->rec != NULL) { /* a template: the UUID's hole */
		for (k = HOLE_UUID; k < HOLE__END; k++)
			if (strcmp(uuid_suffix[k], suffix ? suffix : "") == 0)
				break;
		if (k == HOLE__END) { /* no hole for it: no template */
			if (a->rec->res == TPL_BUILT)
				a->rec->res = TPL_UNFIT;
			return;
		}
		memcpy(uuid, hole_str[k], sizeof(hole_str[k]));
	} else if (uuid5(a, uuid, id) != 0) {
		ar->failed = 1; /* mac_handle() answers 500 */
		return;
	}
	pl_str(w, "PayloadDisplayName", display);
	pl_str(w, "PayloadIdentifier", id);
	pl_str(w, "PayloadType", type);
	pl_str(w, "PayloadUUID", uuid);
	pl_int(w, "PayloadVersion", 1);
}

/*
 * Pick the server a profile gets for a type: the first with TLS from the
 * first byte (Apple's UseSSL is only known to mean that), else the first
 * with STARTTLS, never one on port 443: Apple Mail sends no ALPN
 * (tests/clients/README.md §8).  NULL if the provider has none.
 */
static const struct cfg_server *
mc_pick(const struct cfg_provider *p, enum srv_type t)
{
	const struct cfg_server *best = NULL;
	size_t i;

	for (i = 0; i < p->nservers; i++) {
		const struct cfg_server *s = &p->servers[i];
		if (s->type != t || s->sock == SOCK_PLAIN || s->alpn)
			continue;
		if (s->sock == SOCK_SSL)
			return s;
		if (best == NULL)
			best = s;
	}
	return best;
}

static const char *
mc_auth(const struct cfg_server *s)
{
	size_t i;

	for (i = 0; i < s->nauth; i++)
		switch (s->auth[i]) {
		case AUTH_PASSWORD_CLEARTEXT:
			return "EmailAuthPassword";
		case AUTH_PASSWORD_ENCRYPTED:
			return "EmailAuthCRAMMD5";
		case AUTH_NTLM:
			return "EmailAuthNTLM";
		case AUTH_NONE:
		case AUTH_CLIENT_IP:
			return "EmailAuthNone";
		default:
			break;
		}
	return "EmailAuthPassword";
}

static void
mc_dav(struct xml_w *w, struct mac_resp *r, const struct ask *a,
    const char *ident, const char *pfx, const char *url, const char *user)
{
	char k[64];
	const char *host,
	    *name = dom_fill(&r->arena, a->prov->display_name, &a->addr);
	unsigned long port;

	if ((url = dom_fill(&r->arena, url, &a->addr)) == NULL)
		return; /* the arena is full: the answer fails */
	url_host_port(&r->arena, url, &host, &port);
	xml_open(w, "dict", XML_END);
	snprintf(k, sizeof(k), "%sAccountDescription", pfx);
	pl_str(w, k, name);
	snprintf(k, sizeof(k), "%sHostName", pfx);
	pl_str(w, k, host);
	snprintf(k, sizeof(k), "%sPort", pfx);
	pl_int(w, k, port);
	snprintf(k, sizeof(k), "%sPrincipalURL", pfx);
	pl_str(w, k, url);
	snprintf(k, sizeof(k), "%sUseSSL", pfx);
	pl_bool(w, k, 1);
	snprintf(k, sizeof(k), "%sUsername", pfx);
	pl_str(w, k, user);
	snprintf(k, sizeof(k), "com.apple.%s.account", pfx);
	for (char *c = k; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	pl_payload(w, a, &r->arena, k, ident,
	    strcmp(pfx, "CalDAV") == 0 ? ".caldav" : ".carddav", name);
	xml_close(w);
}

/* The profile's head, up to the opening of PayloadContent's array. */
static void
mc_head(struct xml_w *w)
{
	xml_decl(w);
	xml_raw(w, "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		   "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
	xml_open(w, "plist", "version", "1.0", XML_END);
	xml_open(w, "dict", XML_END);
	pl_key(w, "PayloadContent");
	xml_open(w, "array", XML_END);
}

/*
 * One account's payloads: mail, then CalDAV and CardDAV when dav is set
 * and the provider offers them, with the identifier of a's address.
 */
static enum mac_err
mc_account(struct xml_w *w, struct mac_resp *r, const struct ask *a,
    const char *ident, int dav)
{
	const struct cfg_provider *p = a->prov;
	const struct cfg_server *in, *out;
	const char *addr, *inuser, *name;

	in = mc_pick(p, SRV_IMAP);
	if (in == NULL)
		in = mc_pick(p, SRV_POP3);
	out = mc_pick(p, SRV_SMTP);
	addr = expand(&r->arena, "%EMAILADDRESS%", &a->addr, 1);
	if (in == NULL || out == NULL || ident == NULL || addr == NULL)
		return MAC_ENOMEM; /* cfg.c guarantees both servers */
	inuser = expand(&r->arena, in->username, &a->addr, 1);
	name = dom_fill(&r->arena, p->display_name, &a->addr);

	xml_open(w, "dict", XML_END);
	pl_str(w, "EmailAccountDescription", name);
	if (a->name.len > 0) {
		pl_key(w, "EmailAccountName");
		xml_elemn(w, "string", a->name.p, a->name.len);
	}
	pl_str(w, "EmailAccountType",
	    in->type == SRV_IMAP ? "EmailTypeIMAP" : "EmailTypePOP");
	pl_str(w, "EmailAddress", addr);
	pl_str(w, "IncomingMailServerAuthentication", mc_auth(in));
	pl_str(w, "IncomingMailServerHostName",
	    dom_fill(&r->arena, in->host, &a->addr));
	pl_int(w, "IncomingMailServerPortNumber", in->port);
	pl_bool(w, "IncomingMailServerUseSSL", in->sock == SOCK_SSL);
	pl_str(w, "IncomingMailServerUsername", inuser);
	pl_str(w, "OutgoingMailServerAuthentication", mc_auth(out));
	pl_str(w, "OutgoingMailServerHostName",
	    dom_fill(&r->arena, out->host, &a->addr));
	pl_int(w, "OutgoingMailServerPortNumber", out->port);
	pl_bool(w, "OutgoingMailServerUseSSL", out->sock == SOCK_SSL);
	pl_str(w, "OutgoingMailServerUsername",
	    expand(&r->arena, out->username, &a->addr, 1));
	pl_bool(w, "OutgoingPasswordSameAsIncomingPassword", 1);
	pl_payload(
	    w, a, &r->arena, "com.apple.mail.managed", ident, ".mail", name);
	xml_close(w);
	if (dav && p->caldav != NULL)
		mc_dav(w, r, a, ident, "CalDAV", p->caldav, inuser);
	if (dav && p->carddav != NULL)
		mc_dav(w, r, a, ident, "CardDAV", p->carddav, inuser);
	return MAC_OK;
}

/* The profile's tail: closes the array, then the profile's own keys
 * under ident, with the texts of a's provider. */
static void
mc_tail(
    struct xml_w *w, struct mac_resp *r, const struct ask *a, const char *ident)
{
	const struct cfg_provider *p = a->prov;
	const char *name = dom_fill(&r->arena, p->display_name, &a->addr);

	xml_close(w); /* array */
	pl_str(w, "PayloadDescription",
	    "Sets up your mail account, with calendars and contacts where "
	    "offered.");
	pl_str(w, "PayloadOrganization", p->mc_org != NULL ? p->mc_org : name);
	pl_payload(w, a, &r->arena, "Configuration", ident, NULL, name);
	xml_end(w);
}

/*
 * A profile for several addresses: each account's payloads under its own
 * identifier, as in its one-address profile, CalDAV and CardDAV with a
 * provider's first address only.  The profile's own identifier is the
 * first provider's prefix, ".profile." and the UUID of the accounts'
 * identifiers in order, so that it is stable for the same list and no
 * other list's, nor any one address's.
 */
static enum mac_err
mc_multi(const struct ask *a, struct mac_resp *r, struct xml_w *w)
{
	const char *idents[MAC_MC_ADDRS_MAX];
	char uuid[37], *all, *top;
	size_t i, j, len = 0, o = 0;
	struct ask b;
	enum mac_err e;

	for (i = 0; i < a->naccts; i++) {
		b = *a;
		b.addr = a->accts[i].addr;
		b.prov = a->accts[i].prov;
		if ((idents[i] = mc_ident(&r->arena, &b)) == NULL)
			return MAC_ENOMEM;
		len += strlen(idents[i]) + 1;
	}
	if ((all = arena_alloc(&r->arena, len + 1)) == NULL)
		return MAC_ENOMEM;
	for (i = 0; i < a->naccts; i++) {
		memcpy(all + o, idents[i], strlen(idents[i]));
		o += strlen(idents[i]);
		all[o++] = '\n';
	}
	all[o] = '\0';
	len = strlen(a->prov->mc_prefix);
	if (uuid5(a, uuid, all) != 0 ||
	    (top = arena_alloc(&r->arena, len + sizeof(".profile.") + 36)) ==
		NULL)
		return MAC_ENOMEM;
	memcpy(top, a->prov->mc_prefix, len);
	memcpy(top + len, ".profile.", strlen(".profile."));
	memcpy(top + len + strlen(".profile."), uuid, sizeof(uuid));

	mc_head(w);
	for (i = 0; i < a->naccts; i++) {
		b = *a;
		b.addr = a->accts[i].addr;
		b.prov = a->accts[i].prov;
		for (j = 0; j < i && a->accts[j].prov != b.prov; j++)
			;
		if ((e = mc_account(w, r, &b, idents[i], j == i)) != MAC_OK)
			return e;
	}
	mc_tail(w, r, a, top);
	return MAC_OK;
}

/*
 * Sign the profile in r's body with s: CMS SignedData (RFC 5652) in DER,
 * the profile inside it byte for byte (CMS_BINARY: no MIME
 * canonicalisation; not detached), SHA-256, the signer's certificate and
 * the chain included, no S/MIME capabilities.  The body becomes the
 * signed profile.
 */
static enum mac_err
mc_sign(const struct mc_signer *s, struct mac_resp *r)
{
	const unsigned fl = CMS_BINARY | CMS_NOSMIMECAP;
	CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL;
	unsigned long err;
	BIO *in;
	int n = -1;

	if (r->body.err != MAC_OK)
		return r->body.err;
	if ((in = BIO_new_mem_buf(r->body.p, (int)r->body.len)) != NULL &&
	    (cms = CMS_sign(NULL, NULL, s->chain, NULL, fl | CMS_PARTIAL)) !=
		NULL &&
	    CMS_add1_signer(cms, s->cert, s->key, s->sha256, fl) != NULL &&
	    CMS_final(cms, in, NULL, fl) == 1)
		n = i2d_CMS_ContentInfo(cms, &der);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	if (n <= 0) {
		err = ERR_get_error();
		mac_log("%s: %s", __func__,
		    err != 0 ? ERR_reason_error_string(err) : "failed");
		ERR_clear_error();
		return MAC_ENOMEM; /* answered 500, as any internal failure */
	}
	buf_reset(&r->body);
	buf_put(&r->body, (const char *)der, (size_t)n);
	OPENSSL_free(der);
	return r->body.err;
}

/*
 * A configuration profile (Apple's TopLevel, com.apple.mail.managed,
 * com.apple.caldav.account and com.apple.carddav.account schemas) with
 * deterministic identifiers and UUIDs and no passwords; signed when the
 * (first) provider has a signer.
 */
enum mac_err
render_mobileconfig(const struct ask *a, struct mac_resp *r)
{
	const struct tpl *t;
	const char *ident;
	struct xml_w w;
	enum mac_err e;
	int n;

	n = snprintf(r->filename, sizeof(r->filename), "%.*s.mobileconfig",
	    (int)a->addr.domain.len, a->addr.domain.p);
	if (n < 0 || (size_t)n >= sizeof(r->filename))
		r->filename[0] = '\0';
	xml_init(&w, &r->body, 1, a->rec);
	if (a->naccts > 1)
		e = mc_multi(a, r, &w);
	else if ((t = tpl_pick(a, a->name.len > 0 ? TPL_MC_NAME : TPL_MC, 1)) !=
		 NULL)
		e = tpl_emit(t, a, r);
	else {
		ident = mc_ident(&r->arena, a);
		mc_head(&w);
		if ((e = mc_account(&w, r, a, ident, 1)) == MAC_OK)
			mc_tail(&w, r, a, ident);
	}
	if (e == MAC_OK && a->rec == NULL && a->prov->signer != NULL)
		e = mc_sign(a->prov->signer, r);
	return e;
}
