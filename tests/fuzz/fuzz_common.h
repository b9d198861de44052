/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Shared by the libFuzzer targets in tests/fuzz/: invariant checks that
 * abort (so that libFuzzer keeps the input), the two fixed configurations
 * (the shipped etc/mailautoconf.ini and tests/golden/full.ini, compiled
 * in; MAC_FUZZ_INI=path replaces both), one response per process and the
 * checks every answer of mac_handle() must pass.
 */
#ifndef MAC_FUZZ_COMMON_H
#define MAC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "extern.h"

/* An invariant: on failure print what and where, then abort(). */
#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);     \
	} while (0)

void fuzz_fail(const char *file, int line, const char *expr, const char *fmt,
    ...) __attribute__((format(printf, 4, 5), noreturn));

/* Route lib/'s log hook through vsnprintf, so its format strings and
 * arguments run under the sanitizers too. */
void fuzz_log_init(void);

enum fuzz_ini { FUZZ_INI_SHIPPED = 0, FUZZ_INI_FULL, FUZZ_INI__MAX };

/* A fixed configuration, loaded on first use and kept. */
const struct mac_cfg *fuzz_config(enum fuzz_ini);

/* One response per process (lib/ allocates it once per worker too). */
struct mac_resp *fuzz_resp(void);

/*
 * Check everything an answer must satisfy whatever the request was:
 * a known code, a Content-Type and Allow as http_head() needs, a
 * non-empty body without a sticky error, a safe attachment name, and a
 * body that parses as its Content-Type says (XML through expat with only
 * the element and attribute names the renderers write, JSON as a flat
 * object of strings, text as one printable line).
 */
void fuzz_check_resp(
    const struct mac_req *, enum mac_err, const struct mac_resp *);

/* A copy of an answer, to compare two runs of the same request. */
struct fuzz_snap {
	enum mac_err e;
	const char *content_type;
	const char *allow;
	char filename[MAC_FILENAME_MAX];
	size_t len;
	char body[MAC_OUT_MAX];
};

void fuzz_snap_take(struct fuzz_snap *, enum mac_err, const struct mac_resp *);
/* Abort unless the answer equals the snapshot. */
void fuzz_snap_same(
    const struct fuzz_snap *, enum mac_err, const struct mac_resp *);

/* Whether d (len bytes, NUL after them) is a normalised domain name:
 * lower-case LDH labels of 1..63 octets without a hyphen at either end,
 * at least two, at most MAC_DOMAIN_MAX octets, the last not all digits. */
int fuzz_domain_ok(const char *d, size_t len);

#endif
