/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf records: the DNS records of every served domain, or of
 * those named, as zone-file lines or JSON (lib/dnsrec.c writes them).
 * This file parses the options, checks every named domain before the
 * first line is printed, and prints domain by domain.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"

enum { OPT_TARGET = 256, OPT_ADDRESS, OPT_TTL, OPT_FORMAT };

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {"target", required_argument, NULL, OPT_TARGET},
    {"address", required_argument, NULL, OPT_ADDRESS},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"format", required_argument, NULL, OPT_FORMAT},
    {NULL, 0, NULL, 0},
};

/* Parse a TTL: decimal, 0..MAC_RR_TTL_MAX.  0 and *out, or -1. */
static int
ttl_parse(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > MAC_RR_TTL_MAX)
		return -1;
	*out = v;
	return 0;
}

/* Print the records of the n domains at doms; the exit status. */
static int
print(const struct tool_cmd *c, const struct mac_cfg *cfg,
    const char *const *doms, size_t n, const struct mac_rr_opts *o)
{
	static char out[TOOL_OUT_MAX];
	struct mac_buf b = {out, 0, sizeof(out), MAC_OK};
	const char *why = "";
	size_t i, nrr = 0;

	for (i = 0; i < n; i++) {
		if (mac_records(cfg, doms[i], o, &b, &nrr, &why) != MAC_OK) {
			tool_err(c, "%s: %s", doms[i], why);
			return TOOL_EXIT_FAIL;
		}
		if (tool_flush(c, &b) != 0)
			return TOOL_EXIT_FAIL;
	}
	mac_records_end(o, nrr, &b);
	if (tool_flush(c, &b) != 0)
		return TOOL_EXIT_FAIL;
	return tool_done(c);
}

int
tool_records(const struct tool_cmd *c, int argc, char *argv[])
{
	static char target[MAC_DOMAIN_MAX + 1];
	static struct mac_rr_addr addrs[MAC_RR_ADDRS_MAX];
	struct mac_rr_opts o = {
	    NULL, addrs, 0, MAC_RR_TTL_DEFAULT, MAC_RR_ZONE};
	const char *path = tool_default_config, *why = "", *id;
	const char **doms = NULL;
	char(*named)[MAC_DOMAIN_MAX + 1] = NULL;
	struct mac_cfg *cfg;
	size_t i, n;
	int ch, k, rc = TOOL_EXIT_FAIL;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			tool_usage_to(stdout, c);
			return TOOL_EXIT_OK;
		case OPT_TARGET:
			if (mac_rr_host(optarg, target, &why) != MAC_OK) {
				tool_err(c, "--target %s: %s", optarg, why);
				return TOOL_EXIT_USAGE;
			}
			o.target = target;
			break;
		case OPT_ADDRESS:
			if (o.naddrs == MAC_RR_ADDRS_MAX) {
				tool_err(c, "at most %d addresses",
				    MAC_RR_ADDRS_MAX);
				return TOOL_EXIT_USAGE;
			}
			if (mac_rr_addr(optarg, &addrs[o.naddrs]) != MAC_OK) {
				tool_err(c,
				    "--address %s: not an IPv4 or IPv6 address",
				    optarg);
				return TOOL_EXIT_USAGE;
			}
			o.naddrs++;
			break;
		case OPT_TTL:
			if (ttl_parse(optarg, &o.ttl) != 0) {
				tool_err(c,
				    "--ttl wants 0..%lu seconds, not %s",
				    MAC_RR_TTL_MAX, optarg);
				return TOOL_EXIT_USAGE;
			}
			break;
		case OPT_FORMAT:
			if ((k = tool_choice(c, "--format", optarg,
				 mac_rr_fmt_names, MAC_RR__MAX)) < 0)
				return TOOL_EXIT_USAGE;
			o.fmt = (enum mac_rr_fmt)k;
			break;
		default:
			return tool_usage(c);
		}
	}
	if (o.target != NULL && o.naddrs > 0) {
		tool_err(c, "--target and --address exclude each other");
		return TOOL_EXIT_USAGE;
	}
	if ((cfg = tool_load(path)) == NULL)
		return TOOL_EXIT_FAIL;

	/* Every named domain is checked before anything is printed. */
	n = (size_t)(argc - optind);
	if (n > 0) {
		named = calloc(n, sizeof(*named));
		doms = calloc(n, sizeof(*doms));
		if (named == NULL || doms == NULL) {
			tool_err(c, "out of memory for %zu domains", n);
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (mac_cfg_domain(cfg, argv[optind + i], named[i],
				&why) != MAC_OK) {
				tool_err(c, "%s: %s", argv[optind + i], why);
				goto out;
			}
			doms[i] = named[i];
		}
	} else {
		if (mac_cfg_domains(cfg, &doms, &n) != MAC_OK) {
			tool_err(c, "out of memory for the domain list");
			goto out;
		}
		if ((id = mac_cfg_catch_all(cfg)) != NULL)
			tool_err(c,
			    "note: provider %s is the catch-all; name the "
			    "domains it serves unlisted to get their records",
			    id);
	}
	rc = print(c, cfg, doms, n, &o);
out:
	free(named);
	free(doms);
	mac_cfg_free(cfg);
	return rc;
}
