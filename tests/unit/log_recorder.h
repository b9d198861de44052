/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * The log hook unit tests install in place of the real log (STYLE §6):
 * it keeps the last line and counts them, so a test can assert that a
 * failure was logged once, and what it said.  Include it in one test
 * file; call log_recorder_reset() from the test's setup.
 */
#ifndef MAC_TEST_LOG_RECORDER_H
#define MAC_TEST_LOG_RECORDER_H

#include <stdarg.h>
#include <stdio.h>

#include "mailautoconf.h"

#define LOG_RECORDER_MAX 4096 /* longest line kept */

static size_t nlogs;
static char lastlog[LOG_RECORDER_MAX];

static void log_record(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
log_record(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
	va_end(ap);
	nlogs++;
}

static void
log_recorder_reset(void)
{
	nlogs = 0;
	lastlog[0] = '\0';
	mac_log = log_record;
}

#endif
