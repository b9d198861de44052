/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * libFuzzer target: the signer's PEM inputs.  The input is the private
 * key, the certificate and the chain, split at the first two 0xff bytes
 * (no chain when there is one 0xff or none; PEM is ASCII), given as the
 * bytes of the three files to signer_parse(), the code the loader runs on
 * mobileconfig-sign-key, -cert and -chain (lib/cfg_sign.c), with the same
 * checks: an unencrypted RSA or EC key, a certificate valid now that
 * matches it, a chain of valid certificates.
 *
 * Invariants: signer_parse() accepts (0) with a key of those types, a
 * certificate that matches it, SHA-256, a chain when one was given that
 * holds neither the signing certificate nor a repeat (OpenSSL refuses
 * those when it signs), and without any error line; or refuses (-1) with at
 * least one error line, each "fuzz.ini: reason".  A signer it accepts must
 * sign: the fixed profile request through mac_handle() is answered MAC_OK with
 * the profile's type and file name and a CMS SignedData that parses
 * (and nothing after it), whose signature verifies against the
 * certificate inside it (OpenSSL's CMS_verify(), without a trust store)
 * and whose content is the unsigned answer byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cfg_int.h"
#include "fuzz_common.h"

#define SIGN_SEP 0xff
#define SIGN_NAME "fuzz.ini"

static const char ini[] = "[provider example.com]\n"
			  "domains = example.com\n"
			  "server = imap mail.example.com 993 SSL\n"
			  "server = smtp mail.example.com 465 SSL\n";

/* The three inputs of one run. */
struct sign_bytes {
	const uint8_t *p[SIGN__MAX];
	size_t len[SIGN__MAX];
};

/* The sign_read_fn of this target: the input's bytes, not a file. */
static BIO *
read_bytes(struct pst *st, const struct mc_signer *s, const struct sec_meta *m,
    enum sign_in in, void *ctx)
{
	const struct sign_bytes *sb = ctx;
	BIO *b;

	(void)m;
	(void)s;
	/* A missing part is empty. */
	b = BIO_new_mem_buf(
	    sb->p[in] != NULL ? (const void *)sb->p[in] : "", (int)sb->len[in]);
	if (b == NULL)
		cfg_oom(st, sb->len[in]);
	return b;
}

static struct mac_cfg *cfg;
static char unsigned_body[MAC_OUT_MAX];
static size_t unsigned_len;

/* The fixed profile request. */
static void
ask(struct mac_req *req)
{
	static const char q[] = "emailaddress=alice%40example.com";

	memset(req, 0, sizeof(*req));
	req->method = MAC_M_GET;
	req->path.p = "/mobileconfig";
	req->path.len = strlen(req->path.p);
	req->query.p = q;
	req->query.len = sizeof(q) - 1;
	req->host.p = "autoconfig.example.com";
	req->host.len = strlen(req->host.p);
}

/* Load the fixed configuration and keep its unsigned profile. */
static void
init(void)
{
	char err[MAC_CFG_ERR_MAX];
	struct mac_resp *r = fuzz_resp();
	struct mac_req req;
	enum mac_err e;

	fuzz_log_init();
	cfg = mac_cfg_load_mem(
	    "sign.ini", ini, sizeof(ini) - 1, err, sizeof(err));
	FUZZ_CHECK(cfg != NULL, "cannot load the fixed configuration: %s", err);
	ask(&req);
	e = mac_handle(cfg, &req, r);
	fuzz_check_resp(&req, e, r); /* a well-formed plist */
	FUZZ_CHECK(e == MAC_OK && r->body.len > 0 &&
		       r->body.len <= sizeof(unsigned_body),
	    "the unsigned profile: %d, %zu bytes", (int)e, r->body.len);
	memcpy(unsigned_body, r->body.p, r->body.len);
	unsigned_len = r->body.len;
}

/* Sign the fixed profile with s and check the answer. */
static void
sign_check(const struct mc_signer *s)
{
	struct mac_resp *r = fuzz_resp();
	const unsigned char *der;
	CMS_ContentInfo *cms;
	struct mac_req req;
	enum mac_err e;
	BIO *out;
	char *content;
	long n;

	ask(&req);
	cfg->providers[0].signer = s;
	e = mac_handle(cfg, &req, r);
	cfg->providers[0].signer = NULL;
	FUZZ_CHECK(e == MAC_OK, "an accepted signer did not sign: %d", (int)e);
	FUZZ_CHECK(r->content_type != NULL &&
		       strcmp(r->content_type,
			   "application/x-apple-aspen-config") == 0 &&
		       strcmp(r->filename, "example.com.mobileconfig") == 0,
	    "signed: content type %s, file name %s",
	    r->content_type != NULL ? r->content_type : "(none)", r->filename);
	der = (const unsigned char *)r->body.p;
	cms = d2i_CMS_ContentInfo(NULL, &der, (long)r->body.len);
	FUZZ_CHECK(cms != NULL, "the signed profile is not CMS (%zu bytes)",
	    r->body.len);
	FUZZ_CHECK(der == (const unsigned char *)r->body.p + r->body.len,
	    "bytes after the CMS structure");
	out = BIO_new(BIO_s_mem());
	FUZZ_CHECK(out != NULL, "BIO_new");
	FUZZ_CHECK(CMS_verify(cms, NULL, NULL, NULL, out,
		       CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1,
	    "the signature does not verify: %s",
	    ERR_reason_error_string(ERR_peek_last_error()));
	n = BIO_get_mem_data(out, &content);
	FUZZ_CHECK(n >= 0 && (size_t)n == unsigned_len &&
		       memcmp(content, unsigned_body, unsigned_len) == 0,
	    "the signed content (%ld bytes) is not the unsigned profile "
	    "(%zu bytes)",
	    n, unsigned_len);
	BIO_free(out);
	CMS_ContentInfo_free(cms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MAC_CFG_ERR_MAX], warn[MAC_CFG_ERR_MAX];
	struct sign_bytes sb;
	struct mc_signer *s;
	struct mac_cfg holder;
	struct sec_meta m;
	struct pst st;
	const uint8_t *sep;
	size_t i, j, rest = size;
	const X509 *c;
	int r, id;

	if (cfg == NULL)
		init();
	memset(&sb, 0, sizeof(sb));
	for (i = 0; i < SIGN__MAX; i++) {
		sb.p[i] = data;
		sep = i + 1 < SIGN__MAX ? memchr(data, SIGN_SEP, rest) : NULL;
		sb.len[i] = sep != NULL ? (size_t)(sep - data) : rest;
		if (sep == NULL)
			break;
		rest -= sb.len[i] + 1;
		data = sep + 1;
	}

	memset(&st, 0, sizeof(st));
	memset(&m, 0, sizeof(m));
	memset(&holder, 0, sizeof(holder));
	st.name = SIGN_NAME;
	st.cfg = &holder;
	err[0] = warn[0] = '\0';
	st.errs.buf = err;
	st.errs.cap = sizeof(err);
	st.warns.buf = warn;
	st.warns.cap = sizeof(warn);
	FUZZ_CHECK((s = calloc(1, sizeof(*s))) != NULL, "calloc");
	s->key_path = "key.pem";
	s->cert_path = "cert.pem";
	s->chain_path = sb.p[SIGN_CHAIN] != NULL ? "chain.pem" : NULL;
	holder.signers = s; /* signers_free() frees it */

	r = signer_parse(&st, s, &m, read_bytes, &sb);
	ERR_clear_error();
	if (r == 0) {
		FUZZ_CHECK(st.errs.n == 0 && err[0] == '\0',
		    "accepted with errors: %s", err);
		FUZZ_CHECK(
		    s->key != NULL && s->cert != NULL && s->sha256 != NULL,
		    "accepted without key, certificate or digest");
		id = EVP_PKEY_get_base_id(s->key);
		FUZZ_CHECK(id == EVP_PKEY_RSA || id == EVP_PKEY_EC,
		    "accepted a key of type %d", id);
		FUZZ_CHECK(X509_check_private_key(s->cert, s->key) == 1,
		    "accepted a certificate that does not match the key");
		FUZZ_CHECK((s->chain_path != NULL) == (s->chain != NULL),
		    "a chain without a chain file, or none with one");
		for (i = 0;
		     s->chain != NULL && i < (size_t)sk_X509_num(s->chain);
		     i++) {
			c = sk_X509_value(s->chain, (int)i);
			FUZZ_CHECK(X509_cmp(c, s->cert) != 0,
			    "the signing certificate in the chain");
			for (j = 0; j < i; j++)
				FUZZ_CHECK(X509_cmp(c, sk_X509_value(s->chain,
							   (int)j)) != 0,
				    "certificate %zu of the chain repeats %zu",
				    i, j);
		}
		ERR_clear_error();
		sign_check(s);
	} else {
		FUZZ_CHECK(r == -1, "signer_parse returned %d", r);
		FUZZ_CHECK(st.errs.n > 0 && err[0] != '\0',
		    "refused without an error line");
		FUZZ_CHECK(
		    strncmp(err, SIGN_NAME ": ", strlen(SIGN_NAME) + 2) == 0,
		    "error line without the file name: %s", err);
	}
	ERR_clear_error();
	signers_free(&holder);
	return 0;
}
