/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Signals and what the main thread does with them: sig_setup() leaves
 * SIGHUP, SIGTERM and SIGINT to the main thread's sigwait(); SIGHUP
 * reloads the configuration (cfg_reload(), published through cfgswap),
 * SIGTERM and SIGINT stop the service gracefully (serve_stop()).
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_INFO */
#include <time.h>
#include <unistd.h>

#include "mailautoconf.h"
#include "mac_limits.h" /* MAC_CFG_ERR_MAX */
#include "cfgswap.h"
#include "metrics.h"
#include "responder.h"

#define STOP_WAIT_MS 10000 /* in-flight requests get this long on SIGTERM */
#define STOP_POLL_MS 10

/*
 * SIGHUP: load the same file again.  On success publish it (the old one
 * is freed once its last request is done); on failure keep serving the
 * old one.  Either way the metrics count it.
 */
void
cfg_reload(const char *path)
{
	char err[MAC_CFG_ERR_MAX] = "";
	struct mac_cfg *next;
	size_t np, nd;
	uint64_t start = metrics_clock();

	if ((next = mac_cfg_load(path, err, sizeof(err))) == NULL) {
		metrics_load_failed();
		log_lines(
		    err, "reload failed: ", "; keeping the old configuration");
		return;
	}
	log_warnings(mac_cfg_warnings(next));
	np = mac_cfg_nproviders(next);
	nd = mac_cfg_ndomains(next);
	metrics_loaded(next, start);
	cfgswap_publish(next);
	log_write(
	    LOG_INFO, "reloaded %s: %zu providers, %zu domains", path, np, nd);
}

/*
 * SIGTERM/SIGINT: stop accepting, and give requests in flight, and those
 * partly received, up to STOP_WAIT_MS to be answered; each connection is
 * closed after its answer.  Idle kept-alive connections are closed when
 * the process exits.
 */
void
serve_stop(const char *unix_path)
{
	const struct timespec pause = {0, STOP_POLL_MS * NS_PER_MS};
	long waited;
	int n;

	atomic_store(&stopping, 1);
	if (epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, NULL) != 0 ||
	    shutdown(listen_fd, SHUT_RDWR) != 0)
		log_write(LOG_WARNING, "stop listening: %s", strerror(errno));
	if (unix_path != NULL)
		(void)unlink(unix_path);
	for (waited = 0;
	     (n = atomic_load(&inflight) + atomic_load(&partial)) > 0 &&
	     waited < STOP_WAIT_MS;
	     waited += STOP_POLL_MS)
		nanosleep(&pause, NULL);
	if (n > 0)
		log_write(
		    LOG_WARNING, "requests still in flight at exit: %d", n);
	log_write(LOG_INFO, "exiting");
}
/*
 * Signal dispositions, after FCGX_Init(): libfcgi's OS_LibInit() installs
 * its own handlers, and the one for SIGUSR1 sets a flag that makes every
 * later accept fail, which would silently stop the service.  SIGPIPE and
 * SIGUSR1 are ignored.  SIGHUP, SIGTERM and SIGINT get their defaults
 * back and are blocked; every thread inherits the mask, so only the main
 * thread's sigwait() sees them.  Fills *set with those three.
 */
int
sig_setup(sigset_t *set)
{
	static const int ignored[] = {SIGPIPE, SIGUSR1};
	static const int waited[] = {SIGHUP, SIGTERM, SIGINT};
	struct sigaction sa;
	size_t i;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sigemptyset(set);
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (sigaction(ignored[i], &sa, NULL) != 0)
			goto fail;
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof(waited) / sizeof(waited[0]); i++) {
		if (sigaction(waited[i], &sa, NULL) != 0)
			goto fail;
		sigaddset(set, waited[i]);
	}
	if ((rc = pthread_sigmask(SIG_BLOCK, set, NULL)) != 0) {
		log_write(LOG_ERR, "pthread_sigmask: %s", strerror(rc));
		return -1;
	}
	return 0;
fail:
	log_write(LOG_ERR, "sigaction: %s", strerror(errno));
	return -1;
}
