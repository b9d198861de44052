/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for the profile signer: loading its files (lib/cfg_sign.c)
 * and signing (lib/ep_mobileconfig.c).
 *
 * Each load error, alone, on the fixtures of the golden case
 * load_sign_errors (their modes set here, as git keeps none); then, with
 * keys and certificates made here with libcrypto in a mkdtemp()
 * directory: a certificate expiring within 30 days warns and still
 * loads, and a profile signed with a P-256 and with an RSA-2048 key
 * verifies against its certificate and holds the unsigned profile's
 * bytes, for one address and for two; a chain file that repeats the
 * signer's certificate signs too, and a damaged EC key is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "extern.h"

#ifndef MAC_SRCDIR
#define MAC_SRCDIR "."
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FIX MAC_SRCDIR "/tests/golden/load_sign_errors"
#define SRV                                                                    \
	"domains = example.com\n"                                              \
	"server = imap mail.example.com 993 SSL\n"                             \
	"server = smtp mail.example.com 465 SSL\n"

static char dir[] = "/tmp/mac-test-sign.XXXXXX";

/* Load ini as if it were FIX/t.ini, so that fixture names resolve. */
static struct mac_cfg *
load_fix(const char *ini, char *err, size_t errlen)
{
	return mac_cfg_load_mem(FIX "/t.ini", ini, strlen(ini), err, errlen);
}

static void
test_load_errors(void **state)
{
	static const struct {
		const char *keys, *want;
	} cases[] = {
	    {"mobileconfig-sign-cert = good.pem\n"
	     "mobileconfig-sign-key = other.key\n",
		"t.ini:5: mobileconfig-sign-cert good.pem: does not match the "
		"key of mobileconfig-sign-key\n"},
	    {"mobileconfig-sign-cert = expired.pem\n"
	     "mobileconfig-sign-key = good.key\n",
		"t.ini:5: mobileconfig-sign-cert expired.pem: expired on "
		"2021-01-01 00:00:00 UTC\n"},
	    {"mobileconfig-sign-cert = good.pem\n"
	     "mobileconfig-sign-key = world.key\n",
		"t.ini:6: mobileconfig-sign-key world.key: readable by group "
		"or "
		"others (mode 0644); chmod 600 it\n"},
	    {"mobileconfig-sign-cert = good.pem\n"
	     "mobileconfig-sign-key = missing.key\n",
		"t.ini:6: mobileconfig-sign-key missing.key: cannot open: No "
		"such file or directory\n"},
	    {"mobileconfig-sign-cert = good.pem\n"
	     "mobileconfig-sign-key = junk.key\n",
		"t.ini:6: mobileconfig-sign-key junk.key: no unencrypted "
		"private key in PEM\n"},
	    {"mobileconfig-sign-cert = good.pem\n"
	     "mobileconfig-sign-key = ed.key\n",
		"t.ini:6: mobileconfig-sign-key ed.key: ED25519 key; only RSA "
		"and EC keys can sign\n"},
	    {"mobileconfig-sign-cert = junk.key\n"
	     "mobileconfig-sign-key = good.key\n",
		"t.ini:5: mobileconfig-sign-cert junk.key: no certificate in "
		"PEM\n"},
	    {"mobileconfig-sign-key = good.key\n",
		"t.ini:1: provider example.com needs both "
		"mobileconfig-sign-cert and mobileconfig-sign-key to sign\n"},
	    {"mobileconfig-sign-cert = good.pem\n"
	     "mobileconfig-sign-key = good.key\n"
	     "mobileconfig-sign-chain = junk.key\n",
		"t.ini:7: mobileconfig-sign-chain junk.key: no certificate in "
		"PEM\n"},
	    /* Another certificate that names itself as the signer's: a
	     * verifier that finds it instead (by issuer and serial number,
	     * as CMS names the signer) fails (tests/fuzz/fuzz_sign.c). */
	    {"mobileconfig-sign-cert = good.pem\n"
	     "mobileconfig-sign-key = good.key\n"
	     "mobileconfig-sign-chain = expired.pem\n",
		"t.ini:7: mobileconfig-sign-chain expired.pem: holds another "
		"certificate with the issuer and serial number of "
		"mobileconfig-sign-cert\n"},
	};
	char ini[1024], err[MAC_CFG_ERR_MAX], want[1024];
	struct mac_cfg *cfg;
	size_t i;

	(void)state;
	assert_int_equal(chmod(FIX "/good.key", 0600), 0);
	assert_int_equal(chmod(FIX "/other.key", 0600), 0);
	assert_int_equal(chmod(FIX "/ed.key", 0600), 0);
	assert_int_equal(chmod(FIX "/junk.key", 0600), 0);
	assert_int_equal(chmod(FIX "/world.key", 0644), 0);
	for (i = 0; i < NELEM(cases); i++) {
		snprintf(ini, sizeof(ini), "[provider example.com]\n%s%s", SRV,
		    cases[i].keys);
		snprintf(want, sizeof(want), "%s/%s", FIX, cases[i].want);
		cfg = load_fix(ini, err, sizeof(err));
		if (cfg != NULL || strcmp(err, want) != 0)
			fail_msg("case %zu: %s\nwant: %s", i,
			    cfg != NULL ? "loaded" : err, want);
	}
	/* The same files, from [defaults], load and sign. */
	cfg = load_fix("[defaults]\nmobileconfig-sign-cert = good.pem\n"
		       "mobileconfig-sign-key = good.key\n"
		       "[provider example.com]\n" SRV,
	    err, sizeof(err));
	assert_non_null(cfg);
	assert_non_null(cfg->providers[0].signer);
	assert_string_equal(mac_cfg_warnings(cfg), "");
	mac_cfg_free(cfg);
}

/* A key of the kind asked for and a certificate for it valid for days
 * more days, into dir/name.key and dir/name.pem. */
static void
make_signer(const char *name, int rsa, long days)
{
	char path[256];
	EVP_PKEY *k;
	X509 *c;
	FILE *f;

	k = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
		: EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(k);
	assert_non_null(c = X509_new());
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), days * 86400);
	X509_set_pubkey(c, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
	    (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(c, X509_get_subject_name(c));
	assert_true(X509_sign(c, k, EVP_sha256()) > 0);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fchmod(fileno(f), 0600), 0);
	assert_true(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.pem", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_true(PEM_write_X509(f, c));
	fclose(f);
	X509_free(c);
	EVP_PKEY_free(k);
}

static struct mac_cfg *
load_signer(const char *name, char *err, size_t errlen)
{
	char ini[1024], path[256];

	snprintf(ini, sizeof(ini),
	    "[provider example.com]\n" SRV "caldav = https://dav.example.com/\n"
	    "mobileconfig-sign-cert = %s.pem\n"
	    "mobileconfig-sign-key = %s.key\n",
	    name, name);
	snprintf(path, sizeof(path), "%s/t.ini", dir);
	return mac_cfg_load_mem(path, ini, strlen(ini), err, errlen);
}

/* The answer to query from cfg, into out (malloc'd). */
static size_t
answer(const struct mac_cfg *cfg, const char *query, char **out)
{
	struct mac_resp resp;
	struct mac_req req;
	size_t n;

	memset(&req, 0, sizeof(req));
	req.method = MAC_M_GET;
	req.path.p = "/mobileconfig";
	req.path.len = strlen(req.path.p);
	req.query.p = query;
	req.query.len = strlen(query);
	assert_int_equal(mac_resp_init(&resp), 0);
	assert_int_equal(mac_handle(cfg, &req, &resp), MAC_OK);
	assert_string_equal(
	    resp.content_type, "application/x-apple-aspen-config");
	n = resp.body.len;
	assert_non_null(*out = malloc(n));
	memcpy(*out, resp.body.p, n);
	mac_resp_free(&resp);
	return n;
}

/* Signed with name's key: verifies with name's certificate as the trust
 * anchor, and holds the unsigned answer's bytes. */
static void
check_signed(const char *name, const char *query)
{
	static const char plain_ini[] = "[provider example.com]\n" SRV
					"caldav = https://dav.example.com/\n";
	char err[MAC_CFG_ERR_MAX], path[256], *sig, *plain;
	struct mac_cfg *cfg, *pcfg;
	size_t siglen, plainlen;
	const unsigned char *p;
	CMS_ContentInfo *cms;
	X509_STORE *store;
	BUF_MEM *bm;
	BIO *out;
	X509 *c;
	FILE *f;

	assert_non_null(cfg = load_signer(name, err, sizeof(err)));
	assert_non_null(pcfg = mac_cfg_load_mem("p.ini", plain_ini,
			    strlen(plain_ini), err, sizeof(err)));
	siglen = answer(cfg, query, &sig);
	plainlen = answer(pcfg, query, &plain);

	snprintf(path, sizeof(path), "%s/%s.pem", dir, name);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(c = PEM_read_X509(f, NULL, NULL, NULL));
	fclose(f);
	assert_non_null(store = X509_STORE_new());
	assert_true(X509_STORE_add_cert(store, c));
	p = (const unsigned char *)sig;
	assert_non_null(cms = d2i_CMS_ContentInfo(NULL, &p, (long)siglen));
	assert_ptr_equal(p, (const unsigned char *)sig + siglen);
	assert_int_equal(CMS_is_detached(cms), 0);
	assert_non_null(out = BIO_new(BIO_s_mem()));
	/* No content given: it must be inside; CMS_BINARY: no translation. */
	if (CMS_verify(cms, NULL, store, NULL, out, CMS_BINARY) != 1)
		fail_msg("%s: CMS_verify failed", name);
	BIO_get_mem_ptr(out, &bm);
	assert_int_equal(bm->length, plainlen);
	assert_memory_equal(bm->data, plain, plainlen);

	BIO_free(out);
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);
	X509_free(c);
	free(sig);
	free(plain);
	mac_cfg_free(pcfg);
	mac_cfg_free(cfg);
}

static void
test_sign(void **state)
{
	(void)state;
	make_signer("p256", 0, 365);
	make_signer("rsa", 1, 365);
	check_signed("p256", "emailaddress=alice%40example.com");
	check_signed("rsa", "emailaddress=alice%40example.com&name=Alice");
	check_signed(
	    "p256", "emailaddress=alice%40example.com,bob%40example.com");
}

/*
 * A chain file that repeats the signer's certificate (a full chain) or a
 * certificate twice loads, and its profiles are signed, each certificate
 * once in the signature: OpenSSL refuses a repeat when it signs, which
 * would answer every profile 500.
 */
static void
test_full_chain(void **state)
{
	char ini[1024], err[MAC_CFG_ERR_MAX], path[256], pem[4096], *sig;
	const unsigned char *p;
	CMS_ContentInfo *cms;
	STACK_OF(X509) * certs;
	struct mac_cfg *cfg;
	size_t n, siglen;
	FILE *f;

	(void)state;
	assert_int_equal(chmod(FIX "/good.key", 0600), 0);
	assert_non_null(f = fopen(FIX "/good.pem", "r"));
	n = fread(pem, 1, sizeof(pem), f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(pem));
	snprintf(path, sizeof(path), "%s/twice.pem", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(pem, 1, n, f), n);
	assert_int_equal(fwrite(pem, 1, n, f), n);
	fclose(f);
	snprintf(ini, sizeof(ini),
	    "[provider example.com]\n" SRV "mobileconfig-sign-cert = good.pem\n"
	    "mobileconfig-sign-key = good.key\n"
	    "mobileconfig-sign-chain = %s\n",
	    path);
	cfg = load_fix(ini, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s", err);
	assert_non_null(cfg->providers[0].signer);
	siglen = answer(cfg, "emailaddress=alice%40example.com", &sig);
	p = (const unsigned char *)sig;
	assert_non_null(cms = d2i_CMS_ContentInfo(NULL, &p, (long)siglen));
	assert_non_null(certs = CMS_get1_certs(cms));
	assert_int_equal(sk_X509_num(certs), 1);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	free(sig);
	mac_cfg_free(cfg);
}

/*
 * An EC key file whose private half was damaged still carries the
 * certificate's public half, which is all X509_check_private_key()
 * compares: it is refused as not matching, since its signatures would not
 * verify (tests/fuzz/fuzz_sign.c found it).
 */
static void
test_damaged_key(void **state)
{
	static const unsigned char priv[] = {0x02, 0x01, 0x01, 0x04, 0x20};
	char ini[1024], err[MAC_CFG_ERR_MAX], path[256], *name, *header;
	unsigned char *der;
	long len, i;
	FILE *f;

	(void)state;
	assert_non_null(f = fopen(FIX "/good.key", "r"));
	assert_true(PEM_read(f, &name, &header, &der, &len));
	fclose(f);
	/* ECPrivateKey (RFC 5915): version 1, then the private octets. */
	for (i = 0; i + (long)sizeof(priv) < len; i++)
		if (memcmp(der + i, priv, sizeof(priv)) == 0)
			break;
	assert_true(i + (long)sizeof(priv) + 32 <= len);
	der[i + (long)sizeof(priv) + 7] ^= 0x01;
	snprintf(path, sizeof(path), "%s/bent.key", dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fchmod(fileno(f), 0600), 0);
	assert_true(PEM_write(f, name, header, der, len));
	fclose(f);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	snprintf(ini, sizeof(ini),
	    "[provider example.com]\n" SRV "mobileconfig-sign-cert = good.pem\n"
	    "mobileconfig-sign-key = %s\n",
	    path);
	assert_null(load_fix(ini, err, sizeof(err)));
	if (strstr(err, "mobileconfig-sign-cert good.pem: does not match the "
			"key of mobileconfig-sign-key\n") == NULL)
		fail_msg("%s", err);
}

static void
test_expiring_warns(void **state)
{
	char err[MAC_CFG_ERR_MAX];
	struct mac_cfg *cfg;
	const char *w;

	(void)state;
	make_signer("soon", 0, 10);
	assert_non_null(cfg = load_signer("soon", err, sizeof(err)));
	w = mac_cfg_warnings(cfg);
	if (strstr(
		w, "/t.ini:6: mobileconfig-sign-cert soon.pem: expires on ") ==
		NULL ||
	    strstr(w, ", within 30 days\n") == NULL)
		fail_msg("warnings: '%s'", w);
	assert_non_null(cfg->providers[0].signer);
	mac_cfg_free(cfg);
	/* 40 days: no warning. */
	make_signer("later", 0, 40);
	assert_non_null(cfg = load_signer("later", err, sizeof(err)));
	assert_string_equal(mac_cfg_warnings(cfg), "");
	mac_cfg_free(cfg);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	static const char *const names[] = {"p256", "rsa", "soon", "later"};
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s.key", dir, names[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.pem", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/twice.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bent.key", dir);
	unlink(path);
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_sign),
	    cmocka_unit_test(test_full_chain),
	    cmocka_unit_test(test_damaged_key),
	    cmocka_unit_test(test_expiring_warns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
