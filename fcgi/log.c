/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The responder's log: one line per record on standard error, in the
 * journal's format (sd-daemon priority prefixes) when standard error is
 * the journal, with its own time and tag otherwise; also the messages of
 * -t and of the command line for whoever started us.  Safe from any
 * thread; it never logs request data beyond what its callers pass.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h> /* LOG_ERR */
#include <time.h>
#include <unistd.h>

#include "responder.h"

#define LOG_LINE_MAX 1024

static int log_journal; /* stderr is the journal: see log_init() */

/*
 * Decide how log records look, once, before the first one.  systemd
 * sets JOURNAL_STREAM to "DEV:INODE" (decimal) of the stream it connects
 * a service's standard error to (systemd.exec(5), sd_journal_stream_fd(3));
 * the variable is inherited by children whose stderr may go elsewhere,
 * so it counts only if fstat(2) of our standard error gives that device
 * and inode.  Then journald adds the time and the tag itself and reads
 * the priority from an sd-daemon(3) prefix ("<3>"); elsewhere a record
 * carries its own time and tag.
 */
void
log_init(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return;
	errno = 0;
	dev = strtoull(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return;
	ino = strtoull(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || fstat(STDERR_FILENO, &st) != 0)
		return;
	log_journal = (unsigned long long)st.st_dev == dev &&
		      (unsigned long long)st.st_ino == ino;
}

/*
 * Write one log record of syslog priority pri (LOG_ERR, LOG_WARNING,
 * LOG_INFO, LOG_DEBUG) to stderr as a single line, one write(2):
 * "2026-11-23T14:55:20Z mailautoconf-fcgi[PID]: message", or, when
 * stderr is the journal, "<3>message".  Control characters in the
 * message become '?', so a record is always one line; a message too long
 * for LOG_LINE_MAX is cut.  Safe from any thread.
 */
void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n = 0, i, start;
	int k;

	if (log_journal) {
		k = snprintf(line, sizeof(line), "<%d>", pri);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ", &tm);
		k = snprintf(line + n, sizeof(line) - n, " %s[%ld]: ", PROG,
		    (long)getpid());
	}
	if (k < 0 || (size_t)k >= sizeof(line) - n)
		return;
	n += (size_t)k;
	start = n;
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (k < 0)
		k = 0;
	if ((size_t)k >= sizeof(line) - n - 1)
		k = (int)(sizeof(line) - n - 2);
	n += (size_t)k;
	for (i = start; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}

void
log_write(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(pri, fmt, ap);
	va_end(ap);
}

/* lib/'s hook (mac_log): it reports only failures, which end in a 500. */

void
log_lib(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap);
	va_end(ap);
}

/*
 * A message of -t or of the command line, for whoever started us:
 * "mailautoconf-fcgi: message", or "<3>message" when stderr is the
 * journal (ExecStartPre= and ExecReload= run -t).
 */

void
report(int pri, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", pri, msg);
	else
		fprintf(stderr, "%s: %s\n", PROG, msg);
}

/*
 * Step through the lines of a configuration error text: returns the next
 * non-empty line, its length in *len, and advances *p; NULL at the end.
 */
const char *
err_next(const char **p, int *len)
{
	const char *line, *nl;

	while (**p == '\n')
		(*p)++;
	if (**p == '\0')
		return NULL;
	line = *p;
	if ((nl = strchr(line, '\n')) == NULL)
		nl = line + strlen(line);
	*len = (int)(nl - line);
	*p = nl;
	return line;
}

/* Log each line of a configuration error text between pre and post. */
/* A loaded configuration's warnings, one record each, "warning: " first. */
void
log_warnings(const char *warn)
{
	const char *line;
	int len;

	while ((line = err_next(&warn, &len)) != NULL)
		log_write(LOG_WARNING, "warning: %.*s", len, line);
}

void
log_lines(const char *err, const char *pre, const char *post)
{
	const char *line;
	int len;

	if (err[0] == '\0')
		log_write(
		    LOG_ERR, "%scannot load the configuration%s", pre, post);
	while ((line = err_next(&err, &len)) != NULL)
		log_write(LOG_ERR, "%s%.*s%s", pre, len, line, post);
}
