/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: the files that sign Apple profiles.
 *
 * mobileconfig-sign-cert, mobileconfig-sign-key and
 * mobileconfig-sign-chain name PEM files (relative to the INI file's
 * directory).  They are read here, once per load (and so on every
 * reload), through file.c (sign_read()), and their bytes parsed and
 * checked apart from the reading (signer_parse(), which the fuzz target
 * tests/fuzz/fuzz_sign.c feeds too); providers that name the same three
 * files share one signer.  Problems are configuration errors at the line of
 * the key: a key readable by group or others, a file that cannot be
 * read or holds no PEM of its kind, a key that is not RSA or EC, a
 * certificate that has expired or is not yet valid, a key that does not
 * match the certificate, a chain with another certificate of the signer's
 * issuer and serial number.  A certificate that expires within
 * CFG_SIGN_WARN_DAYS days is a warning.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cfg_int.h"

#define CFG_SIGN_WARN_DAYS 30 /* a certificate expiring sooner warns */
#define CFG_SIGN_DATE_MAX 32  /* "2025-01-31 12:00:00 UTC" */

/* Never prompt for a passphrase: an encrypted key is refused. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* path, or the INI file's directory and path when path is relative;
 * malloc'd.  NULL when out of memory (reported). */
static char *
sign_path(struct pst *st, const char *v)
{
	const char *slash;
	size_t dirlen = 0, vlen = strlen(v);
	char *path;

	if (v[0] != '/' && (slash = strrchr(st->name, '/')) != NULL)
		dirlen = (size_t)(slash - st->name) + 1;
	if ((path = malloc(dirlen + vlen + 1)) == NULL) {
		cfg_oom(st, dirlen + vlen + 1);
		return NULL;
	}
	memcpy(path, st->name, dirlen);
	memcpy(path + dirlen, v, vlen + 1);
	return path;
}

/*
 * The loader's sign_read_fn: read signer s's file of kind in (named by
 * its key at its line in m) into a memory BIO the caller frees; the key
 * is refused if group or others may read it.  NULL after a reported
 * problem.
 */
static BIO *
sign_read(struct pst *st, const struct mc_signer *s, const struct sec_meta *m,
    enum sign_in in, void *ctx)
{
	static const enum key keys[SIGN__MAX] = {
	    [SIGN_KEY] = KEY_MC_SIGN_KEY,
	    [SIGN_CERT] = KEY_MC_SIGN_CERT,
	    [SIGN_CHAIN] = KEY_MC_SIGN_CHAIN,
	};
	const char *key = key_table[keys[in]].name;
	const char *v = in == SIGN_KEY    ? s->key_path
			: in == SIGN_CERT ? s->cert_path
					  : s->chain_path;
	unsigned line = m->kline[keys[in]];
	int key_mode = in == SIGN_KEY;
	char q[CFG_QUOTE_BUF], *path, *data = NULL;
	size_t len;
	unsigned mode = 0;
	BIO *b = NULL;

	(void)ctx;
	if ((path = sign_path(st, v)) == NULL)
		return NULL;
	quote(q, v, strlen(v)); /* as configured, at its line */
	switch (file_read_mode(path, &data, &len, &mode)) {
	case FILE_OK:
		break;
	case FILE_BIG:
		cfg_err(st, st->name, line, "%s %s: larger than %ld bytes", key,
		    q, MAC_CFG_FILE_MAX);
		goto out;
	default:
		cfg_err(st, st->name, line, "%s %s: cannot open: %s", key, q,
		    strerror(errno));
		goto out;
	}
	if (key_mode && (mode & 077) != 0) {
		cfg_err(st, st->name, line,
		    "%s %s: readable by group or others (mode %04o); "
		    "chmod 600 it",
		    key, q, mode);
		goto out;
	}
	if (len > (size_t)MAC_CFG_FILE_MAX ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    BIO_write(b, data, (int)len) != (int)len) {
		BIO_free(b);
		b = NULL;
		cfg_oom(st, len);
	}
out:
	if (data != NULL)
		OPENSSL_cleanse(data, len); /* a private key, maybe */
	free(data);
	free(path);
	return b;
}

/* t as "YYYY-MM-DD HH:MM:SS UTC" into out (CFG_SIGN_DATE_MAX). */
static const char *
sign_date(const ASN1_TIME *t, char out[CFG_SIGN_DATE_MAX])
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, CFG_SIGN_DATE_MAX, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		memcpy(out, "(unreadable date)", sizeof("(unreadable date)"));
	return out;
}

/* Check one certificate's validity period; 0, or -1 after an error. */
static int
sign_valid(struct pst *st, const char *key, unsigned line, const char *v,
    const X509 *c)
{
	char q[CFG_QUOTE_BUF], d[CFG_SIGN_DATE_MAX];
	time_t soon = time(NULL) + (time_t)CFG_SIGN_WARN_DAYS * 86400;
	const ASN1_TIME *na = X509_get0_notAfter(c);

	quote(q, v, strlen(v));
	if (X509_cmp_current_time(X509_get0_notBefore(c)) >= 0) {
		cfg_err(st, st->name, line, "%s %s: not valid before %s", key,
		    q, sign_date(X509_get0_notBefore(c), d));
		return -1;
	}
	if (X509_cmp_current_time(na) <= 0) {
		cfg_err(st, st->name, line, "%s %s: expired on %s", key, q,
		    sign_date(na, d));
		return -1;
	}
	if (X509_cmp_time(na, &soon) <= 0)
		cfg_warn(st, st->name, line,
		    "%s %s: expires on %s, within %d days", key, q,
		    sign_date(na, d), CFG_SIGN_WARN_DAYS);
	return 0;
}

/*
 * Whether k's signatures verify with c's public key.  X509_check_private_key()
 * compares only the public halves, and a key file carries its public half
 * beside the private one: an EC key whose private half was damaged still
 * passes it, then makes signatures nobody can verify.  So a test message
 * is signed and verified once, at load.
 */
static int
key_signs(EVP_PKEY *k, X509 *c)
{
	static const unsigned char msg[] = "mailautoconf signer check";
	EVP_MD_CTX *sctx = EVP_MD_CTX_new(), *vctx = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t n = 0;
	int ok;

	ok = sctx != NULL && vctx != NULL &&
	     EVP_DigestSignInit(sctx, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestSign(sctx, NULL, &n, msg, sizeof(msg)) == 1 &&
	     (sig = malloc(n)) != NULL &&
	     EVP_DigestSign(sctx, sig, &n, msg, sizeof(msg)) == 1 &&
	     EVP_DigestVerifyInit(
		 vctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(c)) == 1 &&
	     EVP_DigestVerify(vctx, sig, n, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(sctx);
	EVP_MD_CTX_free(vctx);
	free(sig);
	ERR_clear_error();
	return ok;
}

/*
 * Whether c is s's certificate or already in its chain.  CMS takes each
 * certificate once (OpenSSL 3.0 refuses a repeat when it signs), and a
 * chain file may well be a full chain that starts with the signer's own
 * certificate: such a certificate is left out of the chain.
 */
static int
chain_has(const struct mc_signer *s, const X509 *c)
{
	int i;

	if (s->cert != NULL && X509_cmp(s->cert, c) == 0)
		return 1;
	for (i = 0; i < sk_X509_num(s->chain); i++)
		if (X509_cmp(sk_X509_value(s->chain, i), c) == 0)
			return 1;
	return 0;
}

/* Fetch the digest a signer signs with; 0, or -1 after an error. */
static int
signer_md(struct pst *st, struct mc_signer *s, const struct sec_meta *m)
{
	if ((s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		cfg_err(st, st->name, m->kline[KEY_MC_SIGN_CERT],
		    "OpenSSL offers no SHA-256");
		return -1;
	}
	return 0;
}

/*
 * Parse and check the PEM texts of signer s that rd reads (the chain's
 * only if s->chain_path is set), in the order key, certificate, chain,
 * and fetch SHA-256; 0, or -1 after a reported problem.  The loader reads
 * the configured files (sign_read()); tests/fuzz/fuzz_sign.c gives bytes.
 */
int
signer_parse(struct pst *st, struct mc_signer *s, const struct sec_meta *m,
    sign_read_fn *rd, void *ctx)
{
	const char *kc = key_table[KEY_MC_SIGN_CERT].name,
		   *kk = key_table[KEY_MC_SIGN_KEY].name,
		   *kh = key_table[KEY_MC_SIGN_CHAIN].name;
	unsigned lc = m->kline[KEY_MC_SIGN_CERT],
		 lk = m->kline[KEY_MC_SIGN_KEY],
		 lh = m->kline[KEY_MC_SIGN_CHAIN];
	char q[CFG_QUOTE_BUF];
	X509 *c;
	BIO *b;
	int id, bad = 0, nread = 0;

	if ((b = rd(st, s, m, SIGN_KEY, ctx)) == NULL)
		bad = 1;
	else {
		s->key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
		BIO_free(b);
		id = s->key != NULL ? EVP_PKEY_get_base_id(s->key) : 0;
		if (s->key == NULL) {
			cfg_err(st, st->name, lk,
			    "%s %s: no unencrypted private key in PEM", kk,
			    quote(q, s->key_path, strlen(s->key_path)));
			bad = 1;
		} else if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
			cfg_err(st, st->name, lk,
			    "%s %s: %s key; only RSA and EC keys can sign", kk,
			    quote(q, s->key_path, strlen(s->key_path)),
			    OBJ_nid2sn(id));
			EVP_PKEY_free(s->key);
			s->key = NULL;
			bad = 1;
		}
	}
	if ((b = rd(st, s, m, SIGN_CERT, ctx)) == NULL)
		bad = 1;
	else {
		s->cert = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
		BIO_free(b);
		if (s->cert == NULL) {
			cfg_err(st, st->name, lc,
			    "%s %s: no certificate in PEM", kc,
			    quote(q, s->cert_path, strlen(s->cert_path)));
			bad = 1;
		} else if (sign_valid(st, kc, lc, s->cert_path, s->cert) != 0)
			bad = 1;
		else if (s->key != NULL &&
			 (X509_check_private_key(s->cert, s->key) != 1 ||
			     !key_signs(s->key, s->cert))) {
			cfg_err(st, st->name, lc,
			    "%s %s: does not match the key of %s", kc,
			    quote(q, s->cert_path, strlen(s->cert_path)), kk);
			bad = 1;
		}
	}
	ERR_clear_error();
	if (s->chain_path == NULL)
		return bad ? -1 : signer_md(st, s, m);
	if ((b = rd(st, s, m, SIGN_CHAIN, ctx)) == NULL)
		return -1;
	if ((s->chain = sk_X509_new_null()) == NULL) {
		BIO_free(b);
		cfg_oom(st, sizeof(void *));
		return -1;
	}
	while ((c = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL) {
		nread++;
		if (chain_has(s, c)) {
			X509_free(c);
			continue;
		}
		if (s->cert != NULL &&
		    X509_issuer_and_serial_cmp(s->cert, c) == 0) {
			/* CMS names the signer by issuer and serial number:
			 * a verifier could take this one for it. */
			cfg_err(st, st->name, lh,
			    "%s %s: holds another certificate with the issuer "
			    "and serial number of %s",
			    kh, quote(q, s->chain_path, strlen(s->chain_path)),
			    kc);
			X509_free(c);
			bad = 1;
			break;
		}
		if (sk_X509_push(s->chain, c) <= 0) {
			X509_free(c);
			cfg_oom(st, sizeof(void *));
			bad = 1;
			break;
		}
		if (sign_valid(st, kh, lh, s->chain_path, c) != 0) {
			bad = 1;
			break;
		}
	}
	BIO_free(b);
	ERR_clear_error(); /* the end of the PEM, or what was reported */
	if (nread == 0) {
		cfg_err(st, st->name, lh, "%s %s: no certificate in PEM", kh,
		    quote(q, s->chain_path, strlen(s->chain_path)));
		bad = 1;
	}
	return bad ? -1 : signer_md(st, s, m);
}

static int
str_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Give provider p its signer when it names the signing files (its own or
 * [defaults]'s): one already loaded for the same three files, or a new
 * one.  Both the certificate and the key are needed; the chain is
 * optional.
 */
void
prov_signer(struct pst *st, struct cfg_provider *p, struct sec_meta *m)
{
	struct mc_signer *s;

	if (p->mc_sign_cert == NULL && p->mc_sign_key == NULL &&
	    p->mc_sign_chain == NULL)
		return;
	if (p->mc_sign_cert == NULL || p->mc_sign_key == NULL) {
		cfg_err(st, st->name, m->line,
		    "provider %s needs both mobileconfig-sign-cert and "
		    "mobileconfig-sign-key to sign",
		    p->id);
		return;
	}
	for (s = st->cfg->signers; s != NULL; s = s->next)
		if (str_same(s->cert_path, p->mc_sign_cert) &&
		    str_same(s->key_path, p->mc_sign_key) &&
		    str_same(s->chain_path, p->mc_sign_chain))
			break;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			cfg_oom(st, sizeof(*s));
			return;
		}
		s->cert_path = p->mc_sign_cert;
		s->key_path = p->mc_sign_key;
		s->chain_path = p->mc_sign_chain;
		s->next = st->cfg->signers;
		st->cfg->signers = s;
		s->bad = signer_parse(st, s, m, sign_read, NULL) != 0;
	} else if (s->bad) /* reported with the first provider naming it */
		m->nerr++;
	if (!s->bad)
		p->signer = s;
}

void
signers_free(struct mac_cfg *cfg)
{
	struct mc_signer *s, *next;

	for (s = cfg->signers; s != NULL; s = next) {
		next = s->next;
		X509_free(s->cert);
		EVP_PKEY_free(s->key);
		sk_X509_pop_free(s->chain, X509_free);
		EVP_MD_free(s->sha256);
		free(s);
	}
	cfg->signers = NULL;
}
