/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * libFuzzer target: the input is a Thunderbird clientConfig file given
 * to mac_import() (mailautoconf import), twice in one context, as if
 * named twice on the command line.
 *
 * Invariants: the code is MAC_OK, or MAC_EINPUT with a
 * "name:line:column: reason" message (malformed XML), never MAC_ENOMEM
 * for an input this small; every note line is also in the output as a
 * "# not imported: " comment; the second import of the same file serves
 * nothing new (its provider, if any, is commented out); and whenever the
 * output has a [provider] section, the output loads with the
 * configuration loader (mac_cfg_load_mem), as mailautoconf-fcgi -t
 * would load it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define NAME "in.xml"
#define OUT_MAX (256 * 1024)

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char out[OUT_MAX], notes[OUT_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_log_init();
	return 0;
}

/* Whether every line of notes is in out after "# not imported: ". */
static int
notes_in_out(const struct mac_buf *nb, const char *o)
{
	static char want[OUT_MAX + 1];
	const char *s = nb->p, *end = nb->p + nb->len, *nl;
	size_t n, pre = strlen("# not imported: ");

	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			return 0;
		n = (size_t)(nl - s + 1);
		memcpy(want, "# not imported: ", pre);
		memcpy(want + pre, s, n);
		want[pre + n] = '\0';
		if (strstr(o, want) == NULL)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mac_buf ob = {out, 0, sizeof(out) - 1, MAC_OK};
	struct mac_buf nb = {notes, 0, sizeof(notes), MAC_OK};
	char err[MAC_CFG_ERR_MAX];
	struct mac_import *im;
	struct mac_cfg *cfg;
	size_t first;
	enum mac_err e;
	int pass;

	FUZZ_CHECK((im = mac_import_new()) != NULL, "%s", "no memory");
	for (pass = 0; pass < 2; pass++) {
		first = ob.len;
		nb.len = 0;
		e = mac_import(im, NAME, (const char *)data, size, &ob, &nb,
		    err, sizeof(err));
		FUZZ_CHECK(e == MAC_OK || e == MAC_EINPUT, "code %d", (int)e);
		if (e == MAC_EINPUT) {
			FUZZ_CHECK(
			    strncmp(err, NAME ":", strlen(NAME ":")) == 0 &&
				strchr(err + strlen(NAME ":"), ':') != NULL,
			    "error '%s'", err);
			break;
		}
		out[ob.len] = '\0';
		FUZZ_CHECK(notes_in_out(&nb, ob.p + first),
		    "a note is not in the output: %.*s", (int)nb.len, nb.p);
		if (pass == 1)
			FUZZ_CHECK(strstr(out + first, "\n[provider ") == NULL,
			    "the second import served again: %s", out + first);
	}
	out[ob.len] = '\0';
	if (e == MAC_OK && strstr(out, "\n[provider ") != NULL) {
		cfg =
		    mac_cfg_load_mem("out.ini", out, ob.len, err, sizeof(err));
		FUZZ_CHECK(
		    cfg != NULL, "the output does not load: %s\n%s", err, out);
		mac_cfg_free(cfg);
	}
	mac_import_free(im);
	return 0;
}
