/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: collecting problems.
 *
 * Every loader file reports through cfg_err(), which counts the problem
 * against the section being read and appends "file:line: reason" to
 * the caller's error text; quote() makes bad input safe to show.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfg_int.h"

/*
 * Copy at most MAC_CFG_QUOTE_MAX bytes of s into q (CFG_QUOTE_BUF bytes)
 * for an error message: bytes outside printable ASCII become '?', and
 * "..." marks a cut.  Returns q.
 */
const char *
quote(char *q, const char *s, size_t len)
{
	size_t i, n = len > MAC_CFG_QUOTE_MAX ? MAC_CFG_QUOTE_MAX : len;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		q[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n < len) {
		memcpy(q + n, "...", 3);
		n += 3;
	}
	q[n] = '\0';
	return q;
}

/* ---- errors ---- */

/*
 * Append "file:line: message\n" (or "file: message\n" when line is 0) to
 * the caller's buffer; a line that no longer fits is left out whole, with
 * every later one (only a first line is cut, to fit a tiny buffer).  At most
 * MAC_CFG_ERRORS_MAX lines are written and an exact repeat of an earlier
 * line is dropped (a [defaults] key inherited by many providers); every
 * problem is counted.
 */
static void errs_vadd(struct errs *, const char *, unsigned, const char *,
    va_list) __attribute__((format(printf, 4, 0)));

static void
errs_vadd(struct errs *e, const char *file, unsigned line, const char *fmt,
    va_list ap)
{
	char msg[CFG_MSG_MAX];
	size_t n, room;
	int r;
	const char *p;

	e->n++;
	if (e->buf == NULL || e->cap == 0 || e->lines >= MAC_CFG_ERRORS_MAX)
		return;
	if (line > 0)
		r = snprintf(msg, sizeof(msg), "%s:%u: ", file, line);
	else
		r = snprintf(msg, sizeof(msg), "%s: ", file);
	n = r < 0 ? 0 : (size_t)r;
	if (n > sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	r = vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
	n += r < 0 ? 0 : (size_t)r;
	if (n > sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	msg[n] = '\0';

	for (p = e->buf; p != NULL && p < e->buf + e->len;
	     p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, msg, n) == 0)
			return;
	}
	room = e->cap - 1 - e->len;
	if (n > room && e->lines > 0) {
		/* Whole lines only: stop here rather than cut one. */
		e->lines = MAC_CFG_ERRORS_MAX;
		return;
	}
	if (n > room) /* not even one line fits: cut it, say something */
		n = room;
	memcpy(e->buf + e->len, msg, n);
	e->len += n;
	e->buf[e->len] = '\0';
	e->lines++;
}

void
errs_add(struct errs *e, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vadd(e, file, line, fmt, ap);
	va_end(ap);
}

/* Report a problem and charge it to the section being read. */
void
cfg_err(struct pst *st, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (st->cur == SEC_PROVIDER)
		st->metas[st->curi].nerr++;
	else if (st->cur == SEC_DEFAULTS)
		st->defm.nerr++;
	va_start(ap, fmt);
	errs_vadd(&st->errs, file, line, fmt, ap);
	va_end(ap);
}

void
cfg_oom(struct pst *st, size_t n)
{
	if (!st->oom)
		cfg_err(st, st->name, 0, "out of memory (%zu bytes)", n);
	st->oom = 1;
}

/* A warning: written like a problem, into the warnings, without failing
 * the load. */
void
cfg_warn(struct pst *st, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vadd(&st->warns, file, line, fmt, ap);
	va_end(ap);
}
