/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf import: Thunderbird clientConfig files (a static
 * deployment's config-v1.1.xml, ISPDB entries) to mailautoconf.ini
 * provider sections (lib/import.c converts).  This file reads the files,
 * prints what was not imported on standard error, and checks that the
 * whole output loads with the responder's loader before it is written
 * (to standard output, or to -o FILE, which is replaced only then).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define IMPORT_FILE_MAX (16L * 1024 * 1024) /* one XML file */
#define IMPORT_NOTES_MAX (256 * 1024)       /* notes from one file */

static const struct option longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Read path whole into *data (malloc'd); 0, or -1 reported. */
static int
slurp(const struct tool_cmd *c, const char *path, char **data, size_t *len)
{
	FILE *f;
	char *p = NULL;
	size_t n = 0, cap = 0, r;

	if ((f = fopen(path, "rb")) == NULL) {
		tool_err(c, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			char *np;
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > (size_t)IMPORT_FILE_MAX + 1 ||
			    (np = realloc(p, cap)) == NULL) {
				tool_err(c, "%s: larger than %ld bytes", path,
				    IMPORT_FILE_MAX);
				goto fail;
			}
			p = np;
		}
		r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		tool_err(c, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	*data = p;
	*len = n;
	return 0;
fail:
	free(p);
	fclose(f);
	return -1;
}

/* Print notes on standard error, one "mailautoconf: import: " line each. */
static void
print_notes(const struct tool_cmd *c, const struct mac_buf *nb)
{
	const char *s = nb->p, *end = nb->p + nb->len, *nl;

	for (; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		tool_err(c, "%.*s", (int)(nl - s), s);
	}
}

int
tool_import(const struct tool_cmd *c, int argc, char *argv[])
{
	static char notes[IMPORT_NOTES_MAX];
	static char out[TOOL_OUT_MAX * 4];
	struct mac_buf nb = {notes, 0, sizeof(notes), MAC_OK};
	struct mac_buf ob = {out, 0, sizeof(out), MAC_OK};
	char err[MAC_CFG_ERR_MAX], *data, *all = NULL;
	const char *opath = NULL;
	struct mac_import *im;
	struct mac_cfg *cfg;
	size_t len, alen = 0;
	int ch, i, rc = TOOL_EXIT_OK;
	FILE *f;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			opath = optarg;
			break;
		case 'h':
			tool_usage_to(stdout, c);
			return TOOL_EXIT_OK;
		default:
			return tool_usage(c);
		}
	}
	if (optind == argc)
		return tool_usage(c);
	if ((im = mac_import_new()) == NULL) {
		tool_err(c, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	for (i = optind; i < argc; i++) {
		char *na;
		enum mac_err e;

		if (slurp(c, argv[i], &data, &len) != 0) {
			rc = TOOL_EXIT_FAIL;
			continue;
		}
		ob.len = nb.len = 0;
		ob.err = nb.err = MAC_OK;
		e = mac_import(
		    im, argv[i], data, len, &ob, &nb, err, sizeof(err));
		free(data);
		print_notes(c, &nb);
		if (e == MAC_EINPUT) {
			tool_err(c, "%s", err);
			rc = TOOL_EXIT_FAIL;
			continue;
		} else if (e != MAC_OK) {
			tool_err(c, "%s: too large to import", argv[i]);
			rc = TOOL_EXIT_FAIL;
			continue;
		}
		if ((na = realloc(all, alen + ob.len + 1)) == NULL) {
			tool_err(c, "out of memory");
			rc = TOOL_EXIT_FAIL;
			break;
		}
		all = na;
		memcpy(all + alen, ob.p, ob.len);
		alen += ob.len;
		all[alen] = '\0';
	}
	mac_import_free(im);
	/* The output must load as the responder loads it. */
	if (all != NULL && strstr(all, "\n[provider ") != NULL) {
		if ((cfg = mac_cfg_load_mem(opath != NULL ? opath : "(output)",
			 all, alen, err, sizeof(err))) == NULL) {
			tool_err(c, "the output does not load: %s", err);
			rc = TOOL_EXIT_FAIL;
		}
		mac_cfg_free(cfg);
	}
	if (opath != NULL) {
		if ((f = fopen(opath, "w")) == NULL) {
			tool_err(c, "%s: %s", opath, strerror(errno));
			free(all);
			return TOOL_EXIT_FAIL;
		}
	} else
		f = stdout;
	fputs("# mailautoconf.ini provider sections written by "
	      "mailautoconf import.\n",
	    f);
	if (alen > 0 && fwrite(all, 1, alen, f) != alen)
		rc = TOOL_EXIT_FAIL;
	free(all);
	if (f != stdout) {
		if (fclose(f) != 0) {
			tool_err(c, "%s: %s", opath, strerror(errno));
			rc = TOOL_EXIT_FAIL;
		}
		return rc;
	}
	return tool_done(c) != TOOL_EXIT_OK ? TOOL_EXIT_FAIL : rc;
}
