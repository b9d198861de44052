/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The output buffer, the request arena and the error texts.
 *
 * A struct mac_buf has a fixed capacity and keeps the first error it hits;
 * every later write is ignored, so a renderer checks the buffer once, at
 * the end.  A struct mac_arena hands out aligned request memory until its
 * cap and is reset as a whole; nothing is freed piece by piece.  Both do
 * their length arithmetic, overflow check included, before any copy.
 * This file never escapes (that is xml.c's job), never does I/O and
 * allocates only in mac_resp_init(), once per worker.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#endif
#endif
#ifndef ASAN_POISON_MEMORY_REGION
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

#include "extern.h"

/* Alignment of every arena allocation, enough for any scalar we store. */
#define ARENA_ALIGN 8

static void log_discard(const char *, ...);

/* Replaced by fcgi/ with the real logger and by tests with a recorder. */
mac_log_fn mac_log = log_discard;

static const char *const errs[MAC__MAX] = {
    [MAC_OK] = "success",
    [MAC_ENOMEM] = "response or scratch memory limit reached",
    [MAC_EINPUT] = "request failed validation",
    [MAC_ENOROUTE] = "no route for this path",
    [MAC_ENODOMAIN] = "no provider serves this domain",
    [MAC_EMETHOD] = "method not allowed on this route",
    [MAC_ETOOBIG] = "request body too large",
    [MAC_EPROTOCOL] = "protocol not offered",
    [MAC_ENOSCHEMA] = "response schema not offered",
    [MAC_ENOREQUEST] = "no request body",
};

/* The default log hook: lib/ does no I/O of its own. */
static void
log_discard(const char *fmt, ...)
{
	(void)fmt;
}

/*
 * Return a short English text for an error code, in static storage.
 * Codes outside the enum get a generic text, never NULL.
 */
const char *
mac_strerror(enum mac_err e)
{
	if ((size_t)e >= MAC__MAX || errs[e] == NULL)
		return "unknown error";
	return errs[e];
}

/*
 * Allocate the response body buffer (MAC_OUT_MAX) and the request arena
 * (MAC_ARENA_MAX) once per worker.  Returns 0, or -1 with nothing
 * allocated.  Release with mac_resp_free().
 */
int
mac_resp_init(struct mac_resp *r)
{
	memset(r, 0, sizeof(*r));
	if ((r->body.p = malloc(MAC_OUT_MAX)) == NULL) {
		mac_log(
		    "%s: malloc(%zu) failed", __func__, (size_t)MAC_OUT_MAX);
		return -1;
	}
	if ((r->arena.p = malloc(MAC_ARENA_MAX)) == NULL) {
		mac_log(
		    "%s: malloc(%zu) failed", __func__, (size_t)MAC_ARENA_MAX);
		free(r->body.p);
		r->body.p = NULL;
		return -1;
	}
	r->body.cap = MAC_OUT_MAX;
	r->arena.cap = MAC_ARENA_MAX;
	arena_reset(&r->arena);
	return 0;
}

/*
 * Free what mac_resp_init() allocated.  Safe on NULL and on a response
 * already freed; every pointer into the buffer or arena goes stale.
 */
void
mac_resp_free(struct mac_resp *r)
{
	if (r == NULL)
		return;
	free(r->body.p);
	if (r->arena.p != NULL)
		ASAN_UNPOISON_MEMORY_REGION(r->arena.p, MAC_ARENA_MAX);
	free(r->arena.p);
	memset(&r->body, 0, sizeof(r->body));
	memset(&r->arena, 0, sizeof(r->arena));
}

/* Empty the buffer and clear its error; the capacity stays. */
void
buf_reset(struct mac_buf *b)
{
	b->len = 0;
	b->err = MAC_OK;
}

/*
 * Append n bytes of s.  If b already holds an error, do nothing.  If the
 * bytes do not fit below b->cap, write none of them and record
 * MAC_ENOMEM; the first error recorded is kept.  s may be NULL when n is 0.
 */
void
buf_put(struct mac_buf *b, const char *s, size_t n)
{
	if (b->err != MAC_OK || n == 0)
		return;
	if (b->len > b->cap || n > b->cap - b->len) {
		mac_log("%s: output cap %zu reached: have %zu, adding %zu",
		    __func__, b->cap, b->len, n);
		b->err = MAC_ENOMEM;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Append a NUL-terminated string, as buf_put(). */
void
buf_puts(struct mac_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* Append one byte, as buf_put(). */
void
buf_putc(struct mac_buf *b, char c)
{
	buf_put(b, &c, 1);
}

/*
 * Write v in decimal, without leading zeros and NUL-terminated, at the end
 * of dig; return where it starts (inside dig).  The one integer formatter:
 * the buffer's and the front end's header block alike.
 */
const char *
mac_utoa(char dig[MAC_UDIGITS_MAX], unsigned long v)
{
	size_t i = MAC_UDIGITS_MAX - 1;

	dig[i] = '\0';
	do {
		dig[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return &dig[i];
}

/* Append v in decimal without leading zeros, as buf_put(). */
void
buf_putu(struct mac_buf *b, unsigned long v)
{
	char dig[MAC_UDIGITS_MAX];
	const char *s = mac_utoa(dig, v);

	buf_put(b, s, (size_t)(dig + MAC_UDIGITS_MAX - 1 - s));
}

/*
 * Return n bytes of arena memory whose address is ARENA_ALIGN-aligned, or
 * NULL when the padding plus n would pass a->cap (or a has no memory).
 * The memory is not zeroed and lives until the arena is reset.  With n 0
 * the pointer is valid but must not be dereferenced.
 */
void *
arena_alloc(struct mac_arena *a, size_t n)
{
	size_t pad;
	void *p;

	if (a->p == NULL || a->used > a->cap)
		goto fail;
	pad = (size_t)(-(uintptr_t)(a->p + a->used)) & (ARENA_ALIGN - 1);
	if (pad > a->cap - a->used || n > a->cap - a->used - pad)
		goto fail;
	p = a->p + a->used + pad;
	a->used += pad + n;
	ASAN_UNPOISON_MEMORY_REGION(p, n);
	return p;
fail:
	if (a->failed)
		return NULL; /* logged once per request */
	a->failed = 1;
	mac_log("%s: arena cap %zu reached: used %zu, asked %zu", __func__,
	    a->cap, a->used, n);
	return NULL;
}

/*
 * Empty the arena for the next request.  Under AddressSanitizer the whole
 * region is poisoned again, so a read or write past any block handed out
 * is caught although the arena is one malloc.
 */
void
arena_reset(struct mac_arena *a)
{
	a->used = 0;
	a->failed = 0;
	ASAN_POISON_MEMORY_REGION(a->p, a->cap);
}

/*
 * Grow block p, of n bytes, to m bytes in place if it is the last block
 * handed out and the arena has room.  Returns 1 if it did, 0 otherwise
 * (p is then unchanged and still valid).
 */
int
arena_extend(struct mac_arena *a, void *p, size_t n, size_t m)
{
	if ((char *)p + n != a->p + a->used || m < n ||
	    m - n > a->cap - a->used)
		return 0;
	ASAN_UNPOISON_MEMORY_REGION((char *)p + n, m - n);
	a->used += m - n;
	return 1;
}

/*
 * Copy exactly n bytes of s into the arena and NUL-terminate the copy
 * (s need not be NUL-terminated, and an embedded NUL is copied like any
 * byte).  Returns the copy, or NULL when the arena is exhausted.
 */
char *
arena_strndup(struct mac_arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX) {
		mac_log("%s: length %zu overflows", __func__, n);
		return NULL;
	}
	if ((p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	if (n != 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
