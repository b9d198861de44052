/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The responder's counts, and the answer at METRICS_PATH.
 *
 * Counting takes no lock and no locked instruction.  Each worker thread
 * owns one shard, indexed by its hazard slot, and is the only thread that
 * ever writes it; so an increment is a relaxed atomic load and a relaxed
 * atomic store of the thread's own counter (a plain load, add and store
 * on x86-64 and arm64: no lock prefix, no fence), never a read-modify-
 * write that threads contend for.  Shards are cache-line aligned, so two
 * workers never write the same line.  A scrape, served by whichever
 * worker takes it, sums every shard with relaxed loads: each counter it
 * reads is one that some request really reached, and a request being
 * answered meanwhile shows up in the next scrape.  Being atomic, the
 * counters are not data races for the compiler or ThreadSanitizer.
 *
 * The configuration's counts and times are written by the main thread
 * alone (start-up and SIGHUP), the same way.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailautoconf.h"
#include "metrics.h"

#define METRICS_LINE 64 /* cache line */
#define NS_PER_SEC 1000000000ull
#define NS_PER_MS_U 1000000ull
#define MS_PER_SEC_U 1000ull

struct metrics_shard {
	_Alignas(METRICS_LINE) _Atomic uint64_t req[METRICS_EP__MAX][MAC__MAX];
	_Atomic uint64_t dur[METRICS_BUCKETS + 1];
	_Atomic uint64_t dur_sum_ns;
};

static struct metrics_shard *shards;
static size_t nshards;
/* Written by the main thread only. */
static _Atomic uint64_t reloads_ok, reloads_failed, load_ns, loaded_unix_ms;
static _Atomic uint64_t providers, domains;

/* Add to a counter only the calling thread writes (see above). */
static void
bump(_Atomic uint64_t *c, uint64_t by)
{
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + by,
	    memory_order_relaxed);
}

static void
set(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, v, memory_order_relaxed);
}

static uint64_t
get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * One shard per worker (n >= 1), all zero.  Call from the main thread
 * before any worker starts.  Returns -1 if they cannot be allocated.
 */
int
metrics_init(size_t n)
{
	size_t size;

	if (n == 0 || n > SIZE_MAX / sizeof(*shards))
		return -1;
	size = n * sizeof(*shards); /* a multiple of METRICS_LINE */
	if ((shards = aligned_alloc(METRICS_LINE, size)) == NULL)
		return -1;
	memset(shards, 0, size); /* lock-free atomics: zero bytes are 0 */
	nshards = n;
	return 0;
}

/* Now, in nanoseconds of CLOCK_MONOTONIC. */
uint64_t
metrics_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/*
 * Count one answered request in the caller's own shard: its route (from
 * struct mac_resp, NULL for none), its code, and the time since start
 * (metrics_clock()).
 */
void
metrics_count(size_t shard, const char *route, enum mac_err e, uint64_t start)
{
	struct metrics_shard *s = &shards[shard];
	uint64_t ns = metrics_clock() - start;

	if ((unsigned)e >= MAC__MAX)
		e = MAC_ENOMEM; /* what http_status() makes of it */
	bump(&s->req[metrics_endpoint(route)][e], 1);
	bump(&s->dur[metrics_bucket(ns)], 1);
	bump(&s->dur_sum_ns, ns);
}

/*
 * The main thread has loaded cfg, starting at start (metrics_clock()):
 * at start-up, or by a reload (counted), which is about to publish it.
 */
void
metrics_loaded(const struct mac_cfg *cfg, uint64_t start)
{
	static int started;
	struct timespec now;

	set(&load_ns, metrics_clock() - start);
	clock_gettime(CLOCK_REALTIME, &now);
	set(&loaded_unix_ms, (uint64_t)now.tv_sec * MS_PER_SEC_U +
				 (uint64_t)now.tv_nsec / NS_PER_MS_U);
	set(&providers, mac_cfg_nproviders(cfg));
	set(&domains, mac_cfg_ndomains(cfg));
	if (started)
		bump(&reloads_ok, 1);
	started = 1;
}

/* A reload failed; the configuration in use stays. */
void
metrics_load_failed(void)
{
	bump(&reloads_failed, 1);
}

static void
snapshot(struct metrics_snap *snap)
{
	size_t i, ep, e, b;

	memset(snap, 0, sizeof(*snap));
	for (i = 0; i < nshards; i++) {
		for (ep = 0; ep < METRICS_EP__MAX; ep++)
			for (e = 0; e < MAC__MAX; e++)
				snap->req[ep][e] += get(&shards[i].req[ep][e]);
		for (b = 0; b <= METRICS_BUCKETS; b++)
			snap->dur[b] += get(&shards[i].dur[b]);
		snap->dur_sum_ns += get(&shards[i].dur_sum_ns);
	}
	snap->reloads_ok = get(&reloads_ok);
	snap->reloads_failed = get(&reloads_failed);
	snap->load_ns = get(&load_ns);
	snap->loaded_unix_ms = get(&loaded_unix_ms);
	snap->providers = get(&providers);
	snap->domains = get(&domains);
}

static void
body_set(struct mac_resp *resp, const char *text)
{
	size_t n = strlen(text);

	resp->body.len = n < resp->body.cap ? n : 0;
	if (resp->body.len > 0)
		memcpy(resp->body.p, text, n);
}

/*
 * Answer req if its path is METRICS_PATH (exactly; nginx's location is
 * "=" too): the metrics for GET and HEAD, 405 with Allow otherwise.  No
 * configuration is needed.  Returns 1 with the answer in resp and its
 * code in *e, or 0 (resp untouched) for every other path, which
 * mac_handle() then answers.
 */
int
metrics_handle(
    const struct mac_req *req, struct mac_resp *resp, enum mac_err *e)
{
	static const char path[] = METRICS_PATH;
	struct metrics_snap snap;

	if (req->path.len != sizeof(path) - 1 ||
	    memcmp(req->path.p, path, sizeof(path) - 1) != 0)
		return 0;
	resp->body.len = 0;
	resp->body.err = MAC_OK;
	resp->allow = NULL;
	resp->why = NULL;
	resp->filename[0] = '\0';
	resp->route = "metrics";
	memset(&resp->domain, 0, sizeof(resp->domain));
	memset(&resp->local, 0, sizeof(resp->local));
	resp->content_type = "text/plain; charset=utf-8";
	if (req->method != MAC_M_GET && req->method != MAC_M_HEAD) {
		resp->allow = "GET, HEAD";
		resp->why = "method not allowed";
		body_set(resp, "method not allowed\n");
		*e = MAC_EMETHOD;
		return 1;
	}
	snapshot(&snap);
	resp->body.len = metrics_text(resp->body.p, resp->body.cap, &snap);
	if (resp->body.len == 0) {
		resp->why = "internal limit reached";
		body_set(resp, "internal limit reached\n");
		*e = MAC_ENOMEM;
		return 1;
	}
	resp->content_type = METRICS_CONTENT_TYPE;
	*e = MAC_OK;
	return 1;
}
