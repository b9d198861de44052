/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The responder's metrics (Prometheus text exposition format 0.0.4).
 * Two halves: metrics_text.c, pure formatting (library mac_front, so the
 * unit test links it), turns a snapshot into the text; metrics.c, in the
 * responder, keeps the counts (one shard per worker thread, written by
 * that thread alone, summed when scraped) and answers METRICS_PATH.
 *
 * No label value comes from a request or the configuration: endpoints
 * are the route names of a fixed table, codes come from http_status(),
 * the rest are constants.  A domain or an address never appears.
 */
#ifndef MAC_METRICS_H
#define MAC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "mailautoconf.h"

/*
 * The path the responder answers with the metrics, under a prefix of its
 * own: the location snippet is included in the bare domain's server
 * block too, where a site may serve its own /metrics.
 */
#define METRICS_PATH "/mailautoconf/metrics"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The endpoint label: lib/'s route names, and two of ours. */
enum metrics_ep {
	METRICS_EP_AUTOCONFIG = 0,
	METRICS_EP_AUTODISCOVER,
	METRICS_EP_AUTODISCOVER_JSON,
	METRICS_EP_MOBILECONFIG,
	METRICS_EP_QRCODE, /* both /mobileconfig.qrcode.* */
	METRICS_EP_SETUP,
	METRICS_EP_METRICS, /* this path itself */
	METRICS_EP_NONE,    /* no route matched the path */
	METRICS_EP_OTHER,   /* a route name this table does not know */
	METRICS_EP__MAX
};

/* The request-duration buckets' upper bounds, ascending. */
#define METRICS_BUCKETS 8
struct metrics_bucket {
	uint64_t ns;    /* in nanoseconds */
	const char *le; /* the same in seconds, the le label */
};
extern const struct metrics_bucket metrics_buckets[METRICS_BUCKETS];

/* Everything one scrape reports, summed over the workers' shards. */
struct metrics_snap {
	uint64_t req[METRICS_EP__MAX][MAC__MAX]; /* by endpoint and code */
	/* Requests per bucket, not cumulative; [METRICS_BUCKETS]: above all. */
	uint64_t dur[METRICS_BUCKETS + 1];
	uint64_t dur_sum_ns;
	uint64_t reloads_ok;
	uint64_t reloads_failed;
	uint64_t load_ns;        /* how long the last successful load took */
	uint64_t loaded_unix_ms; /* when it finished; 0: never */
	uint64_t providers;
	uint64_t domains;
};

/* metrics_text.c (mac_front: pure) */
enum metrics_ep metrics_endpoint(const char *route);
unsigned metrics_bucket(uint64_t ns);
size_t metrics_text(char *out, size_t cap, const struct metrics_snap *);

/* metrics.c (the responder) */
int metrics_init(size_t nshards);
uint64_t metrics_clock(void);
void metrics_count(
    size_t shard, const char *route, enum mac_err e, uint64_t start);
void metrics_loaded(const struct mac_cfg *cfg, uint64_t start);
void metrics_load_failed(void);
int metrics_handle(
    const struct mac_req *req, struct mac_resp *resp, enum mac_err *e);

#endif
