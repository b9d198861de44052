/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Lock-free configuration publication with hazard slots (STYLE §7).
 *
 * current points at the configuration new requests should use.  Each
 * worker thread owns one slot; while it handles a request the slot holds
 * the configuration that request pinned.  The main thread alone replaces
 * current, then waits until no slot holds the old pointer and frees it.
 * So a request sees one whole configuration, old or new, the hot path is
 * two atomic stores and a load or two, and nothing here ever locks.
 *
 * Every access to current and to the slots is sequentially consistent:
 * a worker's slot store must be ordered before its re-read of current,
 * and the publisher's exchange before its scan of the slots (the
 * store-load pattern of hazard pointers; acquire/release is not enough).
 * This file does no I/O besides sleeping in cfgswap_publish().
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailautoconf.h"
#include "cfgswap.h"

/* One slot per cache line, so workers do not slow each other down. */
#define CFGSWAP_LINE 64
/* Pause between two scans of the slots while an old config is in use. */
#define CFGSWAP_SCAN_NS (1000 * 1000L) /* 1 ms */

struct cfgswap_slot {
	_Atomic(struct mac_cfg *) cfg;
	char pad[CFGSWAP_LINE - sizeof(_Atomic(struct mac_cfg *))];
};

static _Atomic(struct mac_cfg *) current;
static struct cfgswap_slot *slots;
static size_t nslots;

/*
 * Set up n (>= 1) empty hazard slots and make first the current
 * configuration.  Call once from the main thread before any worker starts.
 * Returns 0, or -1 if the slots cannot be allocated; first then stays
 * owned by the caller.
 */
int
cfgswap_init(size_t n, struct mac_cfg *first)
{
	size_t i;

	if (n == 0 || n > SIZE_MAX / sizeof(*slots))
		return -1;
	slots = aligned_alloc(CFGSWAP_LINE, n * sizeof(*slots));
	if (slots == NULL)
		return -1;
	memset(slots, 0, n * sizeof(*slots));
	for (i = 0; i < n; i++)
		atomic_init(&slots[i].cfg, NULL);
	nslots = n;
	atomic_init(&current, first);
	return 0;
}

/*
 * Pin the current configuration for the caller's request.  slot is the
 * worker's own index, below the nslots given to cfgswap_init(); no two
 * threads may share one.  The pointer stays valid until
 * cfgswap_release(slot); a reload meanwhile does not touch it.
 */
const struct mac_cfg *
cfgswap_acquire(size_t slot)
{
	struct mac_cfg *p, *q;

	p = atomic_load(&current);
	for (;;) {
		atomic_store(&slots[slot].cfg, p);
		/* Still current after we announced it?  Then it is safe. */
		q = atomic_load(&current);
		if (q == p)
			return p;
		p = q;
	}
}

/* Drop the pin taken by cfgswap_acquire(slot). */
void
cfgswap_release(size_t slot)
{
	atomic_store(&slots[slot].cfg, NULL);
}

/*
 * Make next the current configuration, then wait, sleeping about 1 ms
 * between scans, until no slot holds the previous one, and free it with
 * mac_cfg_free().  Ownership of next passes to this module.  Only one
 * thread (the main thread) may publish; requests are short, so the wait
 * is too.
 */
void
cfgswap_publish(struct mac_cfg *next)
{
	const struct timespec pause = {0, CFGSWAP_SCAN_NS};
	struct mac_cfg *old;
	size_t i;

	old = atomic_exchange(&current, next);
	if (old == NULL || old == next)
		return;
	/*
	 * A slot found clear stays clear of old: a worker that loaded old
	 * before the exchange and announces it after our look re-reads
	 * current, sees next and never uses old.
	 */
	for (i = 0; i < nslots; i++)
		while (atomic_load(&slots[i].cfg) == old)
			nanosleep(&pause, NULL);
	mac_cfg_free(old);
}
