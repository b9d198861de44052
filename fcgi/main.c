/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf-fcgi: the FastCGI responder's options and start-up.
 *
 * Parses the command line, tests (-t) or loads the configuration, opens
 * the listening socket (listen.c), sets up the transport (transport.c) and
 * starts its worker threads, then waits for signals (reload.c) until told
 * to stop.  A request never passes through this file: it goes from
 * transport.c (records.c looks at it first) to request.c, which calls
 * lib/'s mac_handle() and http.c.  This file must stay thin: it never
 * routes, parses a query or a body, renders, or holds a status number.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h> /* LOG_ERR, LOG_INFO */
#include <unistd.h>

#include <fcgiapp.h>

#include "mailautoconf.h"
#include "mac_limits.h" /* MAC_CFG_ERR_MAX */
#include "cfgswap.h"
#include "metrics.h"
#include "responder.h"

#ifndef MAC_DEFAULT_CONFIG
#define MAC_DEFAULT_CONFIG "/etc/mailautoconf/mailautoconf.ini"
#endif

/*
 * Worker threads are CPU workers now: one serves one request at a time,
 * and no connection holds one while it is idle or still arriving.  More
 * threads than cores still help where a worker blocks: writing an answer
 * to a peer that reads slowly (up to CONN_STALL_MS) or reading the rest
 * of a request too large for the peek window.
 */
/*
 * Threads only compute (an idle or slow connection holds none), so a few
 * per CPU keep the cores busy; more cost context switches: with 32 on 2
 * cores, the Autodiscover POST ran at 32k req/s, with 4 at 43k
 * (tests/bench/run.sh --threads N).  -n 0, the default, means this many
 * per online CPU.
 */
#define THREADS_PER_CPU 2
#define THREADS_AUTO 0
#define THREADS_MAX 1024

static struct worker *workers;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-c file] [-t] [-s unix:/path | -s addr:port] "
	    "[-b backlog] [-n threads] [-d] [-V] [-h]\n"
	    "  -c file     configuration (default %s)\n"
	    "  -t          test the configuration and exit\n"
	    "  -s socket   listen there; default: the FastCGI socket on fd 0\n"
	    "  -b backlog  listen queue, 1..%d; default: the system's "
	    "maximum\n"
	    "              (net.core.somaxconn)\n"
	    "  -n threads  worker threads, 1..%d; 0 (default): %d per CPU\n"
	    "  -d          debug: log every request, with its address\n"
	    "  -V          print the version and exit\n"
	    "  -h          print this help and exit\n",
	    PROG, MAC_DEFAULT_CONFIG, BACKLOG_MAX, THREADS_MAX,
	    THREADS_PER_CPU);
}

/* Parse a decimal in [lo, hi]; returns 0 and sets *out, or -1. */
int
opt_number(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/*
 * -t: load path and report like nginx -t on stderr.  Returns the exit
 * status: 0 if the file loads, 1 if not.
 */
static int
cfg_test(const char *path)
{
	char err[MAC_CFG_ERR_MAX] = "";
	struct mac_cfg *cfg;
	const char *p = err, *line;
	int len;

	if ((cfg = mac_cfg_load(path, err, sizeof(err))) != NULL) {
		p = mac_cfg_warnings(cfg);
		while ((line = err_next(&p, &len)) != NULL)
			report(LOG_WARNING, "[warn] %.*s", len, line);
		mac_cfg_free(cfg);
		report(
		    LOG_INFO, "the configuration file %s syntax is ok", path);
		report(
		    LOG_INFO, "configuration file %s test is successful", path);
		return 0;
	}
	if (err[0] == '\0')
		report(LOG_ERR, "[emerg] %s: cannot load", path);
	while ((line = err_next(&p, &len)) != NULL)
		report(LOG_ERR, "[emerg] %.*s", len, line);
	report(LOG_ERR, "configuration file %s test failed", path);
	return 1;
}

int
main(int argc, char *argv[])
{
	const char *path = MAC_DEFAULT_CONFIG, *spec = NULL, *unix_path = NULL;
	char err[MAC_CFG_ERR_MAX] = "";
	struct mac_cfg *cfg;
	sigset_t set;
	long nthreads = THREADS_AUTO, ncpu, backlog = 0;
	int c, test = 0, sig, rc;
	size_t i, nfds;
	uint64_t start;

	log_init();
	mac_log = log_lib;
	while ((c = getopt(argc, argv, "b:c:dhn:s:tV")) != -1) {
		switch (c) {
		case 'b':
			if (opt_number(optarg, 1, BACKLOG_MAX, &backlog) != 0) {
				report(LOG_ERR, "-b wants 1..%d, not %s",
				    BACKLOG_MAX, optarg);
				return 2;
			}
			break;
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug_log = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			if (opt_number(optarg, THREADS_AUTO, THREADS_MAX,
				&nthreads) != 0) {
				report(LOG_ERR, "-n wants 0..%d, not %s",
				    THREADS_MAX, optarg);
				return 2;
			}
			break;
		case 's':
			spec = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("%s %s\n", PROG, MAC_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (test)
		return cfg_test(path);
	if (nthreads == THREADS_AUTO) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = THREADS_PER_CPU * (ncpu > 0 ? ncpu : 1);
		if (nthreads > THREADS_MAX)
			nthreads = THREADS_MAX;
	}

	/* Signals first: a SIGTERM or SIGHUP during startup waits for us. */
	if (FCGX_Init() != 0) {
		log_write(LOG_ERR, "FCGX_Init failed");
		return 1;
	}
	if (sig_setup(&set) != 0)
		return 1;
	nfds = fd_limit();
	/* A bad file must stop us before the socket of a running peer. */
	start = metrics_clock();
	if ((cfg = mac_cfg_load(path, err, sizeof(err))) == NULL) {
		log_lines(err, "", "");
		log_write(LOG_ERR, "not started: %s has errors", path);
		return 1;
	}
	metrics_loaded(cfg, start);
	log_warnings(mac_cfg_warnings(cfg));
	listen_backlog = backlog > 0 ? (int)backlog : backlog_default();
	if (spec == NULL)
		listen_fd = sock_inherited(backlog > 0);
	else if (strncmp(spec, "unix:", 5) == 0)
		listen_fd = sock_unix(unix_path = spec + 5);
	else
		listen_fd = sock_tcp(spec);
	if (listen_fd < 0)
		return 1;
	if (transport_init(nfds) != 0)
		goto fail;

	if (cfgswap_init((size_t)nthreads, cfg) != 0 ||
	    metrics_init((size_t)nthreads) != 0 ||
	    (workers = calloc((size_t)nthreads, sizeof(*workers))) == NULL) {
		log_write(LOG_ERR, "out of memory for %ld workers", nthreads);
		goto fail;
	}
	for (i = 0; i < (size_t)nthreads; i++) {
		workers[i].slot = i;
		if (mac_resp_init(&workers[i].resp) != 0)
			goto fail; /* logged by lib/ */
	}
	for (i = 0; i < (size_t)nthreads; i++)
		if ((rc = pthread_create(&workers[i].tid, NULL, worker_main,
			 &workers[i])) != 0) {
			log_write(LOG_ERR, "pthread_create: %s", strerror(rc));
			goto fail;
		}
	log_write(LOG_INFO,
	    "started: %s, %zu providers, %zu domains, %ld threads", path,
	    mac_cfg_nproviders(cfg), mac_cfg_ndomains(cfg), nthreads);

	for (;;) {
		if ((rc = sigwait(&set, &sig)) != 0) {
			log_write(LOG_ERR, "sigwait: %s", strerror(rc));
			continue;
		}
		if (sig == SIGHUP)
			cfg_reload(path);
		else
			break;
	}
	serve_stop(unix_path);
	return 0;
fail:
	if (unix_path != NULL)
		(void)unlink(unix_path);
	return 1;
}
