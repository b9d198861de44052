/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * fcgi/metrics_text.c: the metrics as Prometheus text.  The endpoint
 * table, the buckets and their labels, codes summed through
 * http_status(), cumulative buckets, the fixed-point times, the label
 * values (constants only: no '@', no dot but in the version and the
 * bounds), the size bound and a buffer that is too small.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mac_limits.h"
#include "front.h"
#include "metrics.h"

#define TEXT_CAP MAC_OUT_MAX

static char text[TEXT_CAP + 1];

static const char *
render(const struct metrics_snap *s)
{
	size_t n = metrics_text(text, TEXT_CAP, s);

	assert_true(n > 0);
	text[n] = '\0';
	return text;
}

/* True if line (a whole line, without its newline) is in the text. */
static int
has_line(const char *t, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = t; (p = strstr(p, line)) != NULL; p++)
		if ((p == t || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static void
test_endpoint(void **state)
{
	(void)state;
	assert_int_equal(metrics_endpoint("autoconfig"), METRICS_EP_AUTOCONFIG);
	assert_int_equal(
	    metrics_endpoint("autodiscover"), METRICS_EP_AUTODISCOVER);
	assert_int_equal(metrics_endpoint("autodiscover-json"),
	    METRICS_EP_AUTODISCOVER_JSON);
	assert_int_equal(
	    metrics_endpoint("mobileconfig"), METRICS_EP_MOBILECONFIG);
	assert_int_equal(metrics_endpoint("metrics"), METRICS_EP_METRICS);
	assert_int_equal(metrics_endpoint(NULL), METRICS_EP_NONE);
	assert_int_equal(metrics_endpoint("none"), METRICS_EP_OTHER);
	assert_int_equal(metrics_endpoint("autoconfi"), METRICS_EP_OTHER);
	assert_int_equal(metrics_endpoint(""), METRICS_EP_OTHER);
}

static void
test_bucket(void **state)
{
	unsigned i;

	(void)state;
	assert_int_equal(metrics_bucket(0), 0);
	for (i = 0; i < METRICS_BUCKETS; i++) {
		assert_int_equal(metrics_bucket(metrics_buckets[i].ns), i);
		assert_int_equal(
		    metrics_bucket(metrics_buckets[i].ns + 1), i + 1);
		if (i > 0)
			assert_true(
			    metrics_buckets[i].ns > metrics_buckets[i - 1].ns);
	}
	assert_int_equal(metrics_bucket(UINT64_MAX), METRICS_BUCKETS);
}

/* Each le label, read as seconds, is its bound in nanoseconds. */
static void
test_bucket_labels(void **state)
{
	struct metrics_snap s;
	const char *p;
	char want[80];
	unsigned i = 0;
	double le;

	(void)state;
	memset(&s, 0, sizeof(s));
	p = render(&s);
	while ((p = strstr(p, "_bucket{le=\"")) != NULL) {
		p += strlen("_bucket{le=\"");
		if (strncmp(p, "+Inf\"", 5) == 0)
			break;
		assert_true(i < METRICS_BUCKETS);
		le = strtod(p, NULL);
		snprintf(want, sizeof(want), "%.0f", le * 1e9);
		assert_int_equal(
		    strtoull(want, NULL, 10), metrics_buckets[i].ns);
		i++;
	}
	assert_non_null(p);
	assert_int_equal(i, METRICS_BUCKETS);
}

static void
test_counts(void **state)
{
	struct metrics_snap s;
	const char *t;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.req[METRICS_EP_AUTOCONFIG][MAC_OK] = 3;
	s.req[METRICS_EP_AUTOCONFIG][MAC_ENODOMAIN] = 2;
	s.req[METRICS_EP_AUTOCONFIG][MAC_ENOROUTE] = 1; /* 404 too: summed */
	s.req[METRICS_EP_AUTODISCOVER][MAC_OK] = 4;
	/* POX Errors 600 and 601 go out as 200. */
	s.req[METRICS_EP_AUTODISCOVER][MAC_ENOREQUEST] = 5;
	s.req[METRICS_EP_AUTODISCOVER][MAC_ENOSCHEMA] = 6;
	s.req[METRICS_EP_AUTODISCOVER][MAC_EMETHOD] = 7;
	s.req[METRICS_EP_NONE][MAC_ENOROUTE] = 8;
	s.dur[0] = 10;
	s.dur[2] = 5;
	s.dur[METRICS_BUCKETS] = 1;
	s.dur_sum_ns = 1234567890;
	s.reloads_ok = 2;
	s.reloads_failed = 1;
	s.load_ns = 1500000; /* 1.5 ms */
	s.loaded_unix_ms = 1700000000123;
	s.providers = 2;
	s.domains = 3;
	t = render(&s);

	assert_true(has_line(t, "# TYPE mailautoconf_requests_total counter"));
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"autoconfig\",code=\"200\"} 3"));
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"autoconfig\",code=\"404\"} 3"));
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"autodiscover\",code=\"200\"} 15"));
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"autodiscover\",code=\"405\"} 7"));
	/* Every route's rows are there from the start, zero. */
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"mobileconfig\",code=\"413\"} 0"));
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"metrics\",code=\"200\"} 0"));
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"qrcode\",code=\"400\"} 0"));
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"setup\",code=\"200\"} 0"));
	/* "none" only once it happens, "other" not at all here. */
	assert_true(has_line(t, "mailautoconf_requests_total"
				"{endpoint=\"none\",code=\"404\"} 8"));
	assert_null(strstr(t, "{endpoint=\"none\",code=\"200\"}"));
	assert_null(strstr(t, "endpoint=\"other\""));

	assert_true(has_line(t, "# TYPE mailautoconf_request_duration_seconds "
				"histogram"));
	assert_true(has_line(t, "mailautoconf_request_duration_seconds_bucket"
				"{le=\"0.000025\"} 10"));
	assert_true(has_line(t, "mailautoconf_request_duration_seconds_bucket"
				"{le=\"0.00005\"} 10"));
	assert_true(has_line(t, "mailautoconf_request_duration_seconds_bucket"
				"{le=\"0.0001\"} 15"));
	assert_true(has_line(t, "mailautoconf_request_duration_seconds_bucket"
				"{le=\"0.025\"} 15"));
	assert_true(has_line(t, "mailautoconf_request_duration_seconds_bucket"
				"{le=\"+Inf\"} 16"));
	assert_true(has_line(
	    t, "mailautoconf_request_duration_seconds_sum 1.234567890"));
	assert_true(
	    has_line(t, "mailautoconf_request_duration_seconds_count 16"));

	assert_true(has_line(t, "mailautoconf_reloads_total{result=\"ok\"} 2"));
	assert_true(
	    has_line(t, "mailautoconf_reloads_total{result=\"failed\"} 1"));
	assert_true(has_line(
	    t, "mailautoconf_config_load_duration_seconds 0.001500000"));
	assert_true(has_line(t, "mailautoconf_config_last_reload_success_"
				"timestamp_seconds 1700000000.123"));
	assert_true(has_line(t, "mailautoconf_providers 2"));
	assert_true(has_line(t, "mailautoconf_domains 3"));
	assert_true(has_line(
	    t, "mailautoconf_build_info{version=\"" MAC_VERSION "\"} 1"));
	assert_int_equal(t[strlen(t) - 1], '\n');
}

/*
 * Every line is a comment or a sample; every label value is made of
 * [a-z0-9.-] only (or +Inf): no address, no quote or backslash to escape.
 */
static void
test_labels(void **state)
{
	struct metrics_snap s;
	const char *p, *v, *end;

	(void)state;
	memset(&s, 0xff, sizeof(s));
	p = render(&s);
	assert_null(strchr(p, '@'));
	for (; *p != '\0'; p = end + 1) {
		end = strchr(p, '\n');
		assert_non_null(end);
		if (*p == '#')
			continue;
		assert_true(strncmp(p, "mailautoconf_", 13) == 0);
		for (v = p;
		     v < end && (v = strstr(v, "=\"")) != NULL && v < end;) {
			v += 2;
			if (strncmp(v, "+Inf\"", 5) == 0)
				v += 4;
			while (*v != '"') {
				assert_true(*v != '\0' &&
					    strchr("abcdefghijklmnopqrstuvwxyz"
						   "0123456789.-",
						*v) != NULL);
				v++;
			}
			v++;
		}
	}
}

/* The largest counts fit in one answer; a short buffer gets 0. */
static void
test_sizes(void **state)
{
	struct metrics_snap s;
	size_t n;
	char small[64];

	(void)state;
	memset(&s, 0xff, sizeof(s));
	n = metrics_text(text, TEXT_CAP, &s);
	assert_true(n > 0);
	assert_true(n < TEXT_CAP / 4);
	assert_int_equal(metrics_text(text, n - 1, &s), 0);
	assert_int_equal(metrics_text(text, n, &s), n);
	assert_int_equal(metrics_text(small, sizeof(small), &s), 0);
	assert_int_equal(metrics_text(NULL, TEXT_CAP, &s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endpoint),
	    cmocka_unit_test(test_bucket),
	    cmocka_unit_test(test_bucket_labels),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
