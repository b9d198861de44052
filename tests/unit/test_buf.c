/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Unit tests for lib/buf.c: the capped output buffer with its sticky first
 * error, the aligned request arena, the response allocation and the error
 * texts.  Shrinking a cap is the allocation-failure hook (STYLE section
 * 10); every failure path is reached that way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "log_recorder.h"

#include "extern.h"

#define TEST_MEM_MAX 256 /* backing store for one test buffer or arena */
#define TEST_ALIGN 8     /* the alignment arena_alloc() promises */

static int
setup_log(void **state)
{
	(void)state;
	log_recorder_reset();
	return 0;
}

/* A buffer over mem with capacity cap (at most sizeof(mem)). */
static void
buf_over(struct mac_buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->err = MAC_OK;
}

static void
test_resp_init(void **state)
{
	struct mac_resp r;

	(void)state;
	assert_int_equal(mac_resp_init(&r), 0);
	assert_non_null(r.body.p);
	assert_non_null(r.arena.p);
	assert_int_equal(r.body.cap, MAC_OUT_MAX);
	assert_int_equal(r.arena.cap, MAC_ARENA_MAX);
	assert_int_equal(r.body.len, 0);
	assert_int_equal(r.body.err, MAC_OK);
	assert_int_equal(r.arena.used, 0);
	assert_null(r.content_type);
	assert_string_equal(r.filename, "");

	/* The whole of both is usable, and not a byte more. */
	memset(r.body.p, 'x', MAC_OUT_MAX);
	r.body.len = MAC_OUT_MAX;
	buf_putc(&r.body, 'x');
	assert_int_equal(r.body.err, MAC_ENOMEM);
	assert_non_null(arena_alloc(&r.arena, MAC_ARENA_MAX));
	assert_null(arena_alloc(&r.arena, 1));

	mac_resp_free(&r);
	assert_null(r.body.p);
	assert_null(r.arena.p);
	assert_int_equal(r.body.cap, 0);
	assert_int_equal(r.arena.cap, 0);
	mac_resp_free(&r); /* twice is harmless */
	mac_resp_free(NULL);
}

static void
test_put(void **state)
{
	char mem[TEST_MEM_MAX];
	struct mac_buf b;

	(void)state;
	buf_over(&b, mem, sizeof(mem));
	buf_put(&b, "ab", 2);
	buf_puts(&b, "cd");
	buf_putc(&b, 'e');
	buf_put(&b, NULL, 0);
	buf_puts(&b, "");
	buf_put(&b, "f\0g", 3);
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.p, "abcdef\0g", 8);

	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, sizeof(mem));
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(nlogs, 0);
}

static void
test_putu(void **state)
{
	static const struct {
		unsigned long v;
		const char *out;
	} valids[] = {
	    {0, "0"},
	    {7, "7"},
	    {10, "10"},
	    {993, "993"},
	    {65535, "65535"},
	    {4294967295UL, "4294967295"},
	};
	char mem[TEST_MEM_MAX], want[TEST_MEM_MAX];
	struct mac_buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(valids) / sizeof(valids[0]); i++) {
		buf_over(&b, mem, sizeof(mem));
		buf_putu(&b, valids[i].v);
		assert_int_equal(b.err, MAC_OK);
		assert_int_equal(b.len, strlen(valids[i].out));
		assert_memory_equal(b.p, valids[i].out, b.len);
	}

	/* The widest value needs every digit slot. */
	buf_over(&b, mem, sizeof(mem));
	buf_putu(&b, ~0UL);
	snprintf(want, sizeof(want), "%lu", ~0UL);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);

	/* Digits are all or nothing. */
	buf_over(&b, mem, 2);
	buf_putu(&b, 123);
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_int_equal(b.len, 0);

	/* The formatter under buf_putu() and the front end's header block:
	 * NUL-terminated at the end of its array, the widest value filling
	 * every digit slot but the first. */
	{
		char dig[MAC_UDIGITS_MAX];

		for (i = 0; i < sizeof(valids) / sizeof(valids[0]); i++)
			assert_string_equal(
			    mac_utoa(dig, valids[i].v), valids[i].out);
		assert_ptr_equal(mac_utoa(dig, 0), &dig[MAC_UDIGITS_MAX - 2]);
		assert_string_equal(mac_utoa(dig, ~0UL), want);
		assert_ptr_equal(mac_utoa(dig, ~0UL),
		    &dig[MAC_UDIGITS_MAX - 1 - strlen(want)]);
	}
}

static void
test_cap_reached(void **state)
{
	char mem[TEST_MEM_MAX];
	struct mac_buf b;

	(void)state;
	buf_over(&b, mem, 5);
	buf_puts(&b, "hel");
	buf_put(&b, "lo", 2);
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.p, "hello", 5);
	buf_put(&b, NULL, 0); /* nothing more still fits */
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(nlogs, 0);
}

static void
test_cap_exceeded(void **state)
{
	char mem[TEST_MEM_MAX];
	struct mac_buf b;

	(void)state;
	memset(mem, '#', sizeof(mem));
	buf_over(&b, mem, 4);
	buf_put(&b, "hi", 2);
	buf_puts(&b, "abc"); /* one byte too many: none written */
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_int_equal(b.len, 2);
	assert_memory_equal(mem, "hi##", 4);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(lastlog, "buf_put"));

	/* Every later write is ignored, even one that would fit. */
	buf_putc(&b, 'x');
	buf_putu(&b, 1);
	buf_puts(&b, "y");
	assert_int_equal(b.len, 2);
	assert_memory_equal(mem, "hi##", 4);
	assert_int_equal(nlogs, 1);

	/* A length that would wrap size_t is caught before any copy. */
	buf_over(&b, mem, 4);
	buf_putc(&b, 'a');
	buf_put(&b, "b", SIZE_MAX);
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_int_equal(b.len, 1);

	/* So is a buffer whose cap was shrunk below its length. */
	buf_over(&b, mem, 4);
	buf_puts(&b, "abc");
	b.cap = 1;
	buf_putc(&b, 'd');
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_int_equal(b.len, 3);

	/* A buffer without memory fails on the first byte. */
	buf_over(&b, NULL, 0);
	buf_put(&b, NULL, 0);
	assert_int_equal(b.err, MAC_OK);
	buf_putc(&b, 'a');
	assert_int_equal(b.err, MAC_ENOMEM);
}

static void
test_sticky_error(void **state)
{
	char mem[TEST_MEM_MAX];
	struct mac_buf b;

	(void)state;
	buf_over(&b, mem, 4);
	buf_puts(&b, "ok");
	b.err = MAC_EINPUT; /* as xml_text() leaves it */
	buf_puts(&b, "more");
	buf_puts(&b, "toolong");
	assert_int_equal(b.err, MAC_EINPUT); /* not replaced by ENOMEM */
	assert_int_equal(b.len, 2);
	assert_int_equal(nlogs, 0);

	buf_reset(&b);
	buf_puts(&b, "new");
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.p, "new", 3);
}

static void
test_arena_align(void **state)
{
	static const size_t sizes[] = {1, 3, 8, 13, 0, 2, 16, 7};
	_Alignas(TEST_ALIGN) char mem[TEST_MEM_MAX];
	struct mac_arena a;
	char *p, *end = NULL;
	size_t i, off;

	(void)state;
	for (off = 0; off < TEST_ALIGN; off++) {
		/* Any base address, not only malloc()'s. */
		a.p = mem + off;
		a.used = 0;
		a.cap = sizeof(mem) - off;
		end = a.p;
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			p = arena_alloc(&a, sizes[i]);
			assert_non_null(p);
			assert_int_equal((uintptr_t)p % TEST_ALIGN, 0);
			assert_true(p >= end); /* no overlap */
			assert_true(p + sizes[i] <= a.p + a.cap);
			assert_true(p - end < TEST_ALIGN); /* only padding */
			assert_ptr_equal(a.p + a.used, p + sizes[i]);
			memset(p, 'z', sizes[i]);
			end = p + sizes[i];
		}
	}
	assert_int_equal(nlogs, 0);
}

static void
test_arena_exhaust(void **state)
{
	_Alignas(TEST_ALIGN) char mem[TEST_MEM_MAX];
	struct mac_arena a = {mem, 0, 2 * TEST_ALIGN, 0};
	char *p;

	(void)state;
	/* Exactly reached. */
	assert_non_null(arena_alloc(&a, TEST_ALIGN));
	assert_non_null(p = arena_alloc(&a, TEST_ALIGN));
	assert_ptr_equal(p, mem + TEST_ALIGN);
	assert_int_equal(a.used, a.cap);
	assert_int_equal(nlogs, 0);

	/* Exceeded: NULL, nothing used, logged once per failure. */
	assert_null(arena_alloc(&a, 1));
	assert_int_equal(a.used, a.cap);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(lastlog, "arena_alloc"));

	/* Padding counts: 1 + 7 padding + 8 fits 16, but not 15. */
	a.used = 0;
	assert_non_null(arena_alloc(&a, 1));
	assert_non_null(arena_alloc(&a, TEST_ALIGN));
	assert_int_equal(a.used, 2 * TEST_ALIGN);
	a.used = 0;
	a.cap = 2 * TEST_ALIGN - 1;
	assert_non_null(arena_alloc(&a, 1));
	assert_null(arena_alloc(&a, TEST_ALIGN));
	assert_int_equal(a.used, 1);
	a.cap = TEST_ALIGN - 1; /* the padding alone does not fit */
	assert_null(arena_alloc(&a, 0));
	assert_int_equal(a.used, 1);

	/* Sizes that would wrap, and an arena without memory. */
	a.used = 0;
	a.cap = sizeof(mem);
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 3));
	assert_null(arena_strndup(&a, "x", SIZE_MAX));
	assert_int_equal(a.used, 0);
	a.used = a.cap + 1;
	assert_null(arena_alloc(&a, 0));
	a.p = NULL;
	a.used = 0;
	a.cap = 0;
	assert_null(arena_alloc(&a, 0));
	assert_null(arena_strndup(&a, "", 0));
}

static void
test_arena_strndup(void **state)
{
	static const struct {
		const char *in;
		size_t len;
	} valids[] = {
	    {"hello world", 5}, /* a prefix: the source is not terminated */
	    {"", 0},
	    {"a\0b", 3}, /* embedded NUL copied like any byte */
	    {"example.com", 11},
	};
	_Alignas(TEST_ALIGN) char mem[TEST_MEM_MAX];
	struct mac_arena a = {mem, 0, sizeof(mem), 0};
	char *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(valids) / sizeof(valids[0]); i++) {
		p = arena_strndup(&a, valids[i].in, valids[i].len);
		assert_non_null(p);
		assert_memory_equal(p, valids[i].in, valids[i].len);
		assert_int_equal(p[valids[i].len], '\0');
	}

	/* The terminator needs room too. */
	a.used = 0;
	a.cap = 5;
	assert_null(arena_strndup(&a, "hello", 5));
	assert_int_equal(a.used, 0);
	assert_non_null(p = arena_strndup(&a, "hell", 4));
	assert_string_equal(p, "hell");
	assert_int_equal(a.used, 5);
}

static void
test_strerror(void **state)
{
	const char *s, *t, *unknown;
	int e, f;

	(void)state;
	unknown = mac_strerror(MAC__MAX);
	assert_non_null(unknown);
	assert_true(unknown[0] != '\0');
	assert_string_equal(mac_strerror((enum mac_err)(-1)), unknown);
	for (e = 0; e < MAC__MAX; e++) {
		/* An empty row would read as the out-of-range text. */
		s = mac_strerror((enum mac_err)e);
		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_string_not_equal(s, unknown);
		for (f = 0; f < e; f++) {
			t = mac_strerror((enum mac_err)f);
			assert_string_not_equal(s, t);
		}
	}
	assert_string_equal(
	    mac_strerror(MAC_ENODOMAIN), "no provider serves this domain");
}

static void
test_log_default(void **state)
{
	(void)state;
	/* Before any test swaps it, the hook is set and silent. */
	assert_non_null(mac_log);
	mac_log("%s %zu", "nothing", (size_t)1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log_default),
	    cmocka_unit_test_setup(test_resp_init, setup_log),
	    cmocka_unit_test_setup(test_put, setup_log),
	    cmocka_unit_test_setup(test_putu, setup_log),
	    cmocka_unit_test_setup(test_cap_reached, setup_log),
	    cmocka_unit_test_setup(test_cap_exceeded, setup_log),
	    cmocka_unit_test_setup(test_sticky_error, setup_log),
	    cmocka_unit_test_setup(test_arena_align, setup_log),
	    cmocka_unit_test_setup(test_arena_exhaust, setup_log),
	    cmocka_unit_test_setup(test_arena_strndup, setup_log),
	    cmocka_unit_test_setup(test_strerror, setup_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
