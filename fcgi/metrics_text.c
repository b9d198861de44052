/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The metrics as Prometheus text (exposition format 0.0.4): a snapshot
 * in, the text out.  Pure formatting, like http.c beside it in mac_front
 * (no I/O, no allocation, no state), and here rather than in lib/ because
 * requests are counted by HTTP status, which only http.c's table knows.
 *
 * Every label value is a constant of this file (endpoints, results, the
 * bucket bounds), a status number from http_status(), or MAC_VERSION,
 * none of which holds a quote, a backslash or a line end; so nothing is
 * escaped here, and nothing a request or the configuration says can
 * become a label.
 */
#include <string.h>

#include "front.h"
#include "metrics.h"

/* Route names of lib/route.c, in enum metrics_ep order. */
static const char *const ep_names[METRICS_EP__MAX] = {
    [METRICS_EP_AUTOCONFIG] = "autoconfig",
    [METRICS_EP_AUTODISCOVER] = "autodiscover",
    [METRICS_EP_AUTODISCOVER_JSON] = "autodiscover-json",
    [METRICS_EP_MOBILECONFIG] = "mobileconfig",
    [METRICS_EP_QRCODE] = "qrcode",
    [METRICS_EP_SETUP] = "setup",
    [METRICS_EP_METRICS] = "metrics",
    [METRICS_EP_NONE] = "none",
    [METRICS_EP_OTHER] = "other",
};

/*
 * Request-duration buckets: answers take tens of microseconds (a
 * precomputed answer) to a millisecond or so (an Autodiscover body
 * parsed by expat); the last bounds catch a worker held up by a slow
 * reader or a busy machine.  Each row: the bound in nanoseconds, and
 * the same in seconds as the le label writes it
 * (tests/unit/test_metrics_text.c checks that they agree).
 */
const struct metrics_bucket metrics_buckets[METRICS_BUCKETS] = {
    {25000, "0.000025"},
    {50000, "0.00005"},
    {100000, "0.0001"},
    {250000, "0.00025"},
    {500000, "0.0005"},
    {1000000, "0.001"},
    {5000000, "0.005"},
    {25000000, "0.025"},
};

#define NS_DIGITS 9 /* nanoseconds in a second: 10^9 */
#define MS_DIGITS 3
#define MAX_STATUSES MAC__MAX

/*
 * The endpoint label for a route name from struct mac_resp (NULL: no
 * route matched).  A name the table lacks is "other", never dropped.
 */
enum metrics_ep
metrics_endpoint(const char *route)
{
	unsigned i;

	if (route == NULL)
		return METRICS_EP_NONE;
	for (i = 0; i < METRICS_EP_NONE; i++)
		if (strcmp(route, ep_names[i]) == 0)
			return (enum metrics_ep)i;
	return METRICS_EP_OTHER;
}

/* The bucket of a duration: the first bound it does not exceed. */
unsigned
metrics_bucket(uint64_t ns)
{
	unsigned i;

	for (i = 0; i < METRICS_BUCKETS && ns > metrics_buckets[i].ns; i++)
		;
	return i;
}

/* Output cursor: writes until the first overflow, then only fails. */
struct text_w {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

static void
tw_put(struct text_w *w, const char *s)
{
	size_t n = strlen(s);

	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
tw_u64(struct text_w *w, uint64_t v)
{
	char dig[MAC_UDIGITS_MAX];

	tw_put(w, mac_utoa(dig, (unsigned long)v));
}

/* v / 10^digits in decimal, every fraction digit written. */
static void
tw_frac(struct text_w *w, uint64_t v, unsigned digits)
{
	char frac[NS_DIGITS + 2];
	uint64_t scale = 1;
	unsigned i;

	for (i = 0; i < digits; i++)
		scale *= 10;
	tw_u64(w, v / scale);
	v %= scale;
	frac[0] = '.';
	for (i = digits; i > 0; i--, v /= 10)
		frac[i] = (char)('0' + v % 10);
	frac[digits + 1] = '\0';
	tw_put(w, frac);
}

static void
tw_head(struct text_w *w, const char *name, const char *type, const char *help)
{
	tw_put(w, "# HELP ");
	tw_put(w, name);
	tw_put(w, " ");
	tw_put(w, help);
	tw_put(w, "\n# TYPE ");
	tw_put(w, name);
	tw_put(w, " ");
	tw_put(w, type);
	tw_put(w, "\n");
}

/* name v */
static void
tw_value(struct text_w *w, const char *name, uint64_t v)
{
	tw_put(w, name);
	tw_put(w, " ");
	tw_u64(w, v);
	tw_put(w, "\n");
}

/* name{label="value"} v */
static void
tw_sample(struct text_w *w, const char *name, const char *label,
    const char *value, uint64_t v)
{
	tw_put(w, name);
	tw_put(w, "{");
	tw_put(w, label);
	tw_put(w, "=\"");
	tw_put(w, value);
	tw_put(w, "\"}");
	tw_put(w, " ");
	tw_u64(w, v);
	tw_put(w, "\n");
}

/*
 * The statuses http_status() can give, ascending, without repeats.
 * Returns how many.
 */
static size_t
statuses(int out[MAX_STATUSES])
{
	size_t n = 0, i, j;
	unsigned e;
	int s;

	for (e = 0; e < MAC__MAX; e++) {
		s = http_status((enum mac_err)e);
		for (i = 0; i < n && out[i] < s; i++)
			;
		if (i < n && out[i] == s)
			continue;
		for (j = n; j > i; j--)
			out[j] = out[j - 1];
		out[i] = s;
		n++;
	}
	return n;
}

static void
text_requests(struct text_w *w, const struct metrics_snap *s)
{
	static const char name[] = "mailautoconf_requests_total";
	int codes[MAX_STATUSES] = {0};
	char dig[MAC_UDIGITS_MAX];
	size_t nc = statuses(codes), c;
	unsigned ep, e;
	uint64_t v;

	tw_head(w, name, "counter",
	    "Requests answered, by endpoint (route name) and HTTP status.");
	for (ep = 0; ep < METRICS_EP__MAX; ep++)
		for (c = 0; c < nc; c++) {
			for (v = 0, e = 0; e < MAC__MAX; e++)
				if (http_status((enum mac_err)e) == codes[c])
					v += s->req[ep][e];
			/* No route, unknown route: only when they happen. */
			if (v == 0 && ep >= METRICS_EP_NONE)
				continue;
			tw_put(w, name);
			tw_put(w, "{endpoint=\"");
			tw_put(w, ep_names[ep]);
			tw_put(w, "\",code=\"");
			tw_put(w, mac_utoa(dig, (unsigned long)codes[c]));
			tw_put(w, "\"} ");
			tw_u64(w, v);
			tw_put(w, "\n");
		}
}

static void
text_duration(struct text_w *w, const struct metrics_snap *s)
{
	static const char name[] = "mailautoconf_request_duration_seconds";
	static const char bucket[] =
	    "mailautoconf_request_duration_seconds_bucket";
	uint64_t cum = 0;
	unsigned i;

	tw_head(w, name, "histogram",
	    "Time the responder took per request, from its parameters to "
	    "its answer handed to libfcgi.");
	for (i = 0; i < METRICS_BUCKETS; i++) {
		cum += s->dur[i];
		tw_sample(w, bucket, "le", metrics_buckets[i].le, cum);
	}
	cum += s->dur[METRICS_BUCKETS];
	tw_sample(w, bucket, "le", "+Inf", cum);
	tw_put(w, "mailautoconf_request_duration_seconds_sum ");
	tw_frac(w, s->dur_sum_ns, NS_DIGITS);
	tw_put(w, "\n");
	tw_value(w, "mailautoconf_request_duration_seconds_count", cum);
}

static void
text_config(struct text_w *w, const struct metrics_snap *s)
{
	static const char reloads[] = "mailautoconf_reloads_total";
	static const char load[] = "mailautoconf_config_load_duration_seconds";
	static const char last[] =
	    "mailautoconf_config_last_reload_success_timestamp_seconds";

	tw_head(w, reloads, "counter",
	    "Configuration reloads (SIGHUP), by result; a failed one keeps "
	    "the configuration in use.");
	tw_sample(w, reloads, "result", "ok", s->reloads_ok);
	tw_sample(w, reloads, "result", "failed", s->reloads_failed);
	tw_head(w, load, "gauge",
	    "How long loading the configuration in use took.");
	tw_put(w, load);
	tw_put(w, " ");
	tw_frac(w, s->load_ns, NS_DIGITS);
	tw_put(w, "\n");
	tw_head(w, last, "gauge",
	    "When the configuration in use was loaded, at start or by a "
	    "reload, in seconds since the epoch.");
	tw_put(w, last);
	tw_put(w, " ");
	tw_frac(w, s->loaded_unix_ms, MS_DIGITS);
	tw_put(w, "\n");
	tw_head(w, "mailautoconf_providers", "gauge",
	    "Providers in the configuration in use.");
	tw_value(w, "mailautoconf_providers", s->providers);
	tw_head(w, "mailautoconf_domains", "gauge",
	    "Domains in the configuration in use.");
	tw_value(w, "mailautoconf_domains", s->domains);
}

/*
 * Write the metrics of snapshot s into out as Prometheus text.  Returns
 * its length (no NUL is written), or 0 if cap is too small; MAC_OUT_MAX
 * is always enough (the unit test checks with every count at its
 * largest).
 */
size_t
metrics_text(char *out, size_t cap, const struct metrics_snap *s)
{
	struct text_w w = {out, 0, cap, 0};

	if (out == NULL)
		return 0;
	text_requests(&w, s);
	text_duration(&w, s);
	text_config(&w, s);
	tw_head(&w, "mailautoconf_build_info", "gauge",
	    "The responder's version, as a label; the value is always 1.");
	tw_sample(&w, "mailautoconf_build_info", "version", MAC_VERSION, 1);
	return w.err ? 0 : w.len;
}
