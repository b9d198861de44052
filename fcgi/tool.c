/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf: the operator's program.  Finds the subcommand in its
 * table and runs it; the helpers every subcommand shares (loading the
 * configuration with the loader the responder uses, error lines,
 * printing) live here too.  Each subcommand is one row of cmds[] and one
 * file, tool_NAME.c, which parses its options and prints what lib/
 * generates: lib/ writes into a struct mac_buf, only the front end
 * writes to a file descriptor.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#ifndef MAC_DEFAULT_CONFIG
#define MAC_DEFAULT_CONFIG "/etc/mailautoconf/mailautoconf.ini"
#endif

const char *const tool_default_config = MAC_DEFAULT_CONFIG;

static const struct tool_cmd cmds[] = {
    {"records", tool_records,
	"[-c file] [--target host | --address ip ...] [--ttl seconds]\n"
	"\t[--format zone|json] [domain ...]",
	"DNS records for every served domain, or those named"},
    {"certs", tool_certs,
	"[-c file] [--format dehydrated|certbot|nginx] [--target host]\n"
	"\t[--mail]",
	"the names nginx's certificates must carry, 100 at most each"},
    {"check", tool_check,
	"[-c file] [--resolve host:port:addr ...] [--connect-to\n"
	"\thost:port:host:port ...] [--cafile file] [--timeout seconds]\n"
	"\t[--warning-days n] [--critical-days n] [--dns-server ipv4[:port]]\n"
	"\t[--no-dns] address",
	"what clients see of an address's domain, from outside"},
    {"import", tool_import, "[-o file] file.xml ...",
	"Thunderbird clientConfig files to provider sections"},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s command [options] [arguments]\n", TOOL_PROG);
	fprintf(f, "       %s -V | -h\n", TOOL_PROG);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].what);
	fprintf(f,
	    "Default configuration: %s; '%s COMMAND -h' for its "
	    "options.\n",
	    tool_default_config, TOOL_PROG);
}

void
tool_err(const struct tool_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", TOOL_PROG, c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
tool_usage_to(FILE *f, const struct tool_cmd *c)
{
	fprintf(f, "usage: %s %s %s\n", TOOL_PROG, c->name, c->usage);
}

int
tool_usage(const struct tool_cmd *c)
{
	tool_usage_to(stderr, c);
	return TOOL_EXIT_USAGE;
}

struct mac_cfg *
tool_load(const char *path)
{
	char err[MAC_CFG_ERR_MAX] = "";
	struct mac_cfg *cfg;
	const char *p, *nl;

	if ((cfg = mac_cfg_load(path, err, sizeof(err))) != NULL)
		return cfg;
	if (err[0] == '\0')
		fprintf(stderr, "%s: %s: cannot load\n", TOOL_PROG, path);
	for (p = err; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (nl > p)
			fprintf(
			    stderr, "%s: %.*s\n", TOOL_PROG, (int)(nl - p), p);
	}
	return NULL;
}

int
tool_flush(const struct tool_cmd *c, struct mac_buf *b)
{
	if (b->len > 0 && fwrite(b->p, 1, b->len, stdout) != b->len) {
		tool_err(c, "cannot write the output");
		return -1;
	}
	b->len = 0;
	return 0;
}

int
tool_done(const struct tool_cmd *c)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_err(c, "cannot write the output");
		return TOOL_EXIT_FAIL;
	}
	return TOOL_EXIT_OK;
}

int
tool_choice(const struct tool_cmd *c, const char *opt, const char *arg,
    const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return (int)i;
	fprintf(stderr, "%s: %s: %s wants", TOOL_PROG, c->name, opt);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s %s",
		    i == 0       ? ""
		    : i + 1 == n ? " or"
				 : ",",
		    names[i]);
	fprintf(stderr, ", not %s\n", arg);
	return -1;
}

int
main(int argc, char *argv[])
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return TOOL_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", TOOL_PROG, MAC_VERSION);
		return TOOL_EXIT_OK;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(&cmds[i], argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", TOOL_PROG, argv[1]);
	usage(stderr);
	return TOOL_EXIT_USAGE;
}
