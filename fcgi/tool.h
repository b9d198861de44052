/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Declarations shared by the files of the operator's program,
 * mailautoconf (tool.c and one tool_*.c per subcommand): what every
 * subcommand needs to load the configuration, report and print.
 */
#ifndef MAC_TOOL_H
#define MAC_TOOL_H

#include <stdio.h>
#include <stddef.h>

#include "mailautoconf.h"
#include "mac_limits.h" /* MAC_CFG_ERR_MAX, MAC_DOMAIN_MAX */

#define TOOL_PROG "mailautoconf"
/* One piece of output (a domain's records, one certificate's names),
 * printed before the next is written. */
#define TOOL_OUT_MAX (64 * 1024)

/* Exit statuses. */
#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAIL 1  /* the configuration, a domain, output */
#define TOOL_EXIT_USAGE 2 /* the command line */

/* One subcommand: a row of tool.c's table and a file of its own. */
struct tool_cmd {
	const char *name;
	int (*run)(const struct tool_cmd *, int argc, char *argv[]);
	const char *usage; /* the options and arguments after the name */
	const char *what;  /* one line for the summary */
};

int tool_records(const struct tool_cmd *, int, char *[]);
int tool_certs(const struct tool_cmd *, int, char *[]);
int tool_check(const struct tool_cmd *, int, char *[]);
int tool_import(const struct tool_cmd *, int, char *[]);

/* "mailautoconf: CMD: message" on standard error, one line. */
void tool_err(const struct tool_cmd *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The subcommand's usage line on f (-h: standard output). */
void tool_usage_to(FILE *, const struct tool_cmd *);
/* The subcommand's usage line on standard error; returns TOOL_EXIT_USAGE. */
int tool_usage(const struct tool_cmd *);
/* Load the configuration; on failure print each problem as
 * "mailautoconf: file:line: reason" and return NULL. */
struct mac_cfg *tool_load(const char *path);
/* Print b's contents to standard output and empty it; -1 on a write
 * error (reported). */
int tool_flush(const struct tool_cmd *, struct mac_buf *);
/* Finish standard output: TOOL_EXIT_OK, or TOOL_EXIT_FAIL if a write
 * failed (reported). */
int tool_done(const struct tool_cmd *);
/* The index of arg in names[n], or -1 (reported with the choices). */
int tool_choice(const struct tool_cmd *, const char *opt, const char *arg,
    const char *const *names, size_t n);
/* The configuration path, -c's default. */
extern const char *const tool_default_config;

#endif
