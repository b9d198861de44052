/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Unit tests for fcgi/cfgswap.c, the lock-free publication of a reloaded
 * configuration to the workers (STYLE §7): what cfgswap_acquire() returns
 * before and after cfgswap_publish(), that an old configuration is freed
 * only once its last reader has called cfgswap_release(), and a stress
 * run of reader threads pinning and dropping while the main thread
 * publishes many times.
 *
 * struct mac_cfg is opaque to cfgswap.c, so the configurations here are
 * the test's own, and so is mac_cfg_free(): it counts the call for the
 * configuration's generation, then, in the single-threaded tests, only
 * marks the configuration freed (the test reads the mark afterwards); in
 * the stress test it overwrites the configuration and really frees it.
 * A reader that then still reads it sees a broken magic number in any
 * build, and ASan (MAC_SANITIZE) or TSan (MAC_TSAN, tests/tsan.sh)
 * report the use after free; TSan also checks the memory ordering.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "../../fcgi/cfgswap.c"

#define CFG_MAGIC 0x6366676du /* "cfgm" */
#define STRESS_READERS 4
/*
 * The stress run publishes for STRESS_NS, at least STRESS_MIN and at most
 * STRESS_MAX times: some thousands under ASan or TSan, a few hundred
 * under valgrind, whose one-thread-at-a-time scheduling makes each
 * publish wait long for the readers.
 */
#define STRESS_MIN 200
#define STRESS_MAX 20000
#define STRESS_NS (500 * 1000 * 1000L) /* 0.5 s */
#define WAIT_NS (20 * 1000 * 1000L)    /* 20 ms: "publish is still waiting" */

struct mac_cfg {
	unsigned magic;
	unsigned gen;        /* publication order, from 1 */
	atomic_int freed;    /* times mac_cfg_free() was called on it */
	struct mac_cfg *all; /* every configuration kept, for teardown */
};

static struct mac_cfg *made; /* kept configurations, through ->all */
static atomic_int frees;     /* mac_cfg_free() calls in this test */
static int free_for_real;    /* the stress test: free() them */
static atomic_int freed_gen[STRESS_MAX + 1]; /* calls per gen */

/* cfgswap.c's only call out. */
void
mac_cfg_free(struct mac_cfg *c)
{
	if (c->gen <= STRESS_MAX)
		atomic_fetch_add(&freed_gen[c->gen], 1);
	atomic_fetch_add(&frees, 1);
	if (!free_for_real) {
		atomic_fetch_add(&c->freed, 1);
		return;
	}
	c->magic = 0;
	atomic_store(&c->freed, 1);
	free(c);
}

static struct mac_cfg *
cfg_new(unsigned gen)
{
	struct mac_cfg *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->magic = CFG_MAGIC;
	c->gen = gen;
	atomic_init(&c->freed, 0);
	if (!free_for_real) {
		c->all = made;
		made = c;
	}
	return c;
}

static int
setup(void **state)
{
	unsigned g;

	(void)state;
	made = NULL;
	free_for_real = 0;
	atomic_store(&frees, 0);
	for (g = 0; g <= STRESS_MAX; g++)
		atomic_store(&freed_gen[g], 0);
	return 0;
}

/* Forget the module's state and release every configuration made. */
static int
teardown(void **state)
{
	struct mac_cfg *c;

	(void)state;
	free(slots);
	slots = NULL;
	nslots = 0;
	atomic_store(&current, NULL);
	while ((c = made) != NULL) {
		made = c->all;
		free(c);
	}
	return 0;
}

static void
test_init_bounds(void **state)
{
	struct mac_cfg *a = cfg_new(1);

	(void)state;
	assert_int_equal(cfgswap_init(0, a), -1);
	assert_int_equal(cfgswap_init(SIZE_MAX / 8, a), -1);
	assert_int_equal(cfgswap_init(3, a), 0);
	assert_int_equal(atomic_load(&frees), 0);
}

/* Acquire gives the current configuration, release drops the pin. */
static void
test_acquire_release(void **state)
{
	struct mac_cfg *a = cfg_new(1);
	size_t i;

	(void)state;
	assert_int_equal(cfgswap_init(2, a), 0);
	assert_ptr_equal(cfgswap_acquire(0), a);
	assert_ptr_equal(atomic_load(&slots[0].cfg), a);
	assert_ptr_equal(cfgswap_acquire(1), a);
	cfgswap_release(0);
	cfgswap_release(1);
	for (i = 0; i < 2; i++)
		assert_null(atomic_load(&slots[i].cfg));
	assert_int_equal(atomic_load(&frees), 0);
}

/* With no reader, publish frees the old one at once; later pins get the
 * new one. */
static void
test_publish_unpinned(void **state)
{
	struct mac_cfg *a = cfg_new(1), *b = cfg_new(2);

	(void)state;
	assert_int_equal(cfgswap_init(2, a), 0);
	cfgswap_acquire(0);
	cfgswap_release(0);
	cfgswap_publish(b);
	assert_int_equal(atomic_load(&a->freed), 1);
	assert_int_equal(atomic_load(&b->freed), 0);
	assert_ptr_equal(cfgswap_acquire(0), b);
	cfgswap_release(0);
	assert_int_equal(atomic_load(&frees), 1);
}

/* Publishing the current pointer again frees nothing. */
static void
test_publish_same(void **state)
{
	struct mac_cfg *a = cfg_new(1);

	(void)state;
	assert_int_equal(cfgswap_init(1, a), 0);
	cfgswap_publish(a);
	assert_int_equal(atomic_load(&frees), 0);
	assert_ptr_equal(cfgswap_acquire(0), a);
	cfgswap_release(0);
}

struct publisher {
	pthread_t tid;
	struct mac_cfg *next;
	atomic_int done;
};

static void *
publisher_main(void *arg)
{
	struct publisher *p = arg;

	cfgswap_publish(p->next);
	atomic_store(&p->done, 1);
	return NULL;
}

static void
publisher_start(struct publisher *p, struct mac_cfg *next)
{
	p->next = next;
	atomic_init(&p->done, 0);
	assert_int_equal(pthread_create(&p->tid, NULL, publisher_main, p), 0);
}

static void
pause_ns(long ns)
{
	const struct timespec ts = {0, ns};

	nanosleep(&ts, NULL);
}

/*
 * Two readers pin a; b is published meanwhile.  A new request gets b at
 * once, but a stays until the last of the two readers releases it, and
 * publish returns only then.
 */
static void
test_old_freed_after_last_reader(void **state)
{
	struct mac_cfg *a = cfg_new(1), *b = cfg_new(2);
	struct publisher p;

	(void)state;
	assert_int_equal(cfgswap_init(3, a), 0);
	assert_ptr_equal(cfgswap_acquire(0), a);
	assert_ptr_equal(cfgswap_acquire(2), a);
	publisher_start(&p, b);
	/* The exchange comes first: wait until the new pins see b. */
	while (atomic_load(&current) != b)
		pause_ns(1000 * 1000L);
	assert_ptr_equal(cfgswap_acquire(1), b);
	cfgswap_release(1);
	pause_ns(WAIT_NS);
	assert_int_equal(atomic_load(&a->freed), 0);
	assert_int_equal(atomic_load(&p.done), 0);

	cfgswap_release(0);
	pause_ns(WAIT_NS);
	assert_int_equal(atomic_load(&a->freed), 0);
	assert_int_equal(atomic_load(&p.done), 0);

	cfgswap_release(2);
	assert_int_equal(pthread_join(p.tid, NULL), 0);
	assert_int_equal(atomic_load(&p.done), 1);
	assert_int_equal(atomic_load(&a->freed), 1);
	assert_int_equal(atomic_load(&b->freed), 0);
	assert_int_equal(atomic_load(&frees), 1);
}

struct reader {
	pthread_t tid;
	size_t slot;
	unsigned long pins;
	unsigned bad_magic, freed_seen, went_back;
};

static atomic_int stress_stop;
static atomic_int stress_ready; /* readers that have pinned once */

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	const struct mac_cfg *c;
	unsigned last = 0;
	int k;

	while (!atomic_load(&stress_stop)) {
		c = cfgswap_acquire(r->slot);
		/* Held for a moment, as a request holds it. */
		for (k = 0; k < 8; k++) {
			if (c->magic != CFG_MAGIC)
				r->bad_magic++;
			if (atomic_load(&((struct mac_cfg *)c)->freed) != 0)
				r->freed_seen++;
		}
		if (c->gen < last)
			r->went_back++;
		last = c->gen;
		cfgswap_release(r->slot);
		if (r->pins++ == 0)
			atomic_fetch_add(&stress_ready, 1);
	}
	return NULL;
}

/*
 * STRESS_READERS threads pin and drop as fast as they can while the main
 * thread publishes new configurations (STRESS_NS, STRESS_MIN), each freed
 * for real when replaced.  No reader may see a configuration already
 * freed, or an older one after a newer; every replaced configuration is
 * freed exactly once, the last published one not at all, and it is what
 * a pin returns at the end.
 */
static void
test_stress(void **state)
{
	struct reader rd[STRESS_READERS];
	struct mac_cfg *last = NULL;
	unsigned long pins = 0;
	struct timespec t0, t;
	long ns;
	unsigned g, n;
	size_t i;

	(void)state;
	free_for_real = 1;
	assert_int_equal(cfgswap_init(STRESS_READERS + 1, cfg_new(1)), 0);
	atomic_store(&stress_stop, 0);
	atomic_store(&stress_ready, 0);
	for (i = 0; i < STRESS_READERS; i++) {
		memset(&rd[i], 0, sizeof(rd[i]));
		rd[i].slot = i;
		assert_int_equal(
		    pthread_create(&rd[i].tid, NULL, reader_main, &rd[i]), 0);
	}
	/* Publish only while every reader is busy. */
	while (atomic_load(&stress_ready) < STRESS_READERS)
		pause_ns(1000 * 1000L);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 2;; n++) {
		cfgswap_publish(last = cfg_new(n));
		clock_gettime(CLOCK_MONOTONIC, &t);
		ns = (t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec -
		     t0.tv_nsec;
		if (n == STRESS_MAX || (n >= STRESS_MIN && ns >= STRESS_NS))
			break;
	}
	atomic_store(&stress_stop, 1);
	for (i = 0; i < STRESS_READERS; i++) {
		assert_int_equal(pthread_join(rd[i].tid, NULL), 0);
		assert_int_equal(rd[i].bad_magic, 0);
		assert_int_equal(rd[i].freed_seen, 0);
		assert_int_equal(rd[i].went_back, 0);
		assert_true(rd[i].pins > 0);
		pins += rd[i].pins;
	}
	print_message("%lu pins by %d readers during %u publishes\n", pins,
	    STRESS_READERS, n - 1);
	assert_int_equal(atomic_load(&frees), n - 1);
	for (g = 1; g <= n; g++)
		assert_int_equal(atomic_load(&freed_gen[g]), g == n ? 0 : 1);
	assert_ptr_equal(cfgswap_acquire(STRESS_READERS), last);
	assert_int_equal(last->gen, n);
	assert_int_equal(last->magic, CFG_MAGIC);
	cfgswap_release(STRESS_READERS);
	free(last);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_init_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_acquire_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_publish_unpinned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_publish_same, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_old_freed_after_last_reader, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stress, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
