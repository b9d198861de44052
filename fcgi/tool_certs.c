/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf certs: the names nginx's TLS certificates must carry for
 * every listed domain (and, with --target, the host the _autodiscover._tcp
 * SRV record points to), grouped into certificates of at most 100 names,
 * in the order of the configuration (lib/certs.c writes them), so that
 * a domain added at the end changes only the last certificate.  With
 * --mail, the mail server's instead: the domains' own mail host names.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"

enum { OPT_FORMAT = 256, OPT_TARGET, OPT_MAIL };

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"target", required_argument, NULL, OPT_TARGET},
    {"mail", no_argument, NULL, OPT_MAIL},
    {NULL, 0, NULL, 0},
};

int
tool_certs(const struct tool_cmd *c, int argc, char *argv[])
{
	static char out[TOOL_OUT_MAX];
	static char target_buf[MAC_DOMAIN_MAX + 1];
	struct mac_buf b = {out, 0, sizeof(out), MAC_OK};
	enum mac_cert_fmt fmt = MAC_CERT_DEHYDRATED;
	const char *path = tool_default_config, *why = "", *id, *target = NULL;
	const char **doms = NULL;
	unsigned long cert = 1;
	struct mac_cfg *cfg;
	size_t n, pos = 0;
	int ch, k, mail = 0, rc = TOOL_EXIT_FAIL;
	enum mac_err err;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			tool_usage_to(stdout, c);
			return TOOL_EXIT_OK;
		case OPT_FORMAT:
			if ((k = tool_choice(c, "--format", optarg,
				 mac_cert_fmt_names, MAC_CERT__MAX)) < 0)
				return TOOL_EXIT_USAGE;
			fmt = (enum mac_cert_fmt)k;
			break;
		case OPT_TARGET:
			if (mac_rr_host(optarg, target_buf, &why) != MAC_OK) {
				tool_err(c, "--target %s: %s", optarg, why);
				return TOOL_EXIT_USAGE;
			}
			target = target_buf;
			break;
		case OPT_MAIL:
			mail = 1;
			break;
		default:
			return tool_usage(c);
		}
	}
	if (optind != argc)
		return tool_usage(c);
	if (mail && (target != NULL || fmt == MAC_CERT_NGINX)) {
		tool_err(c, "--mail lists the mail server's names: not with "
			    "--target or --format nginx");
		return TOOL_EXIT_USAGE;
	}
	if ((cfg = tool_load(path)) == NULL)
		return TOOL_EXIT_FAIL;
	if (mac_cfg_domains(cfg, &doms, &n) != MAC_OK) {
		tool_err(c, "out of memory for the domain list");
		goto out;
	}
	if (!mail && (k = (int)mac_cfg_own_hosts(cfg)) > 0)
		tool_err(c,
		    "note: %d provider%s give each domain its own mail host "
		    "names (%%EMAILDOMAIN%%): certs --mail lists them for the "
		    "mail server's certificate",
		    k, k == 1 ? "" : "s");
	if ((id = mac_cfg_catch_all(cfg)) != NULL)
		tool_err(c,
		    "note: provider %s is the catch-all; the domains it "
		    "serves unlisted need their names added by hand",
		    id);
	while (pos < n) {
		err = mail ? mac_certs_mail(
				 cfg, doms, n, &pos, fmt, &cert, &b, &why)
			   : mac_certs(
				 doms, n, &pos, fmt, target, &cert, &b, &why);
		if (err != MAC_OK) {
			tool_err(c, "%s: %s", pos < n ? doms[pos] : "", why);
			goto out;
		}
		if (tool_flush(c, &b) != 0)
			goto out;
	}
	rc = tool_done(c);
out:
	free(doms);
	mac_cfg_free(cfg);
	return rc;
}
