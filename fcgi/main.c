/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf-fcgi: the FastCGI responder.
 *
 * Startup (options, configuration, listening socket), signals, the worker
 * threads' accept loop and the log.  Each request is copied out of the
 * FastCGI parameters into a struct mac_req, answered by mac_handle() from
 * the configuration pinned through cfgswap, and written back with the
 * headers from http_head() in one piece.  This file must stay thin: it
 * never routes, parses a query or a body, renders, or holds a status
 * number; lib/ and http.c do that.  No request input can end the process.
 */
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "mailautoconf.h"
#include "mac_limits.h" /* MAC_BODY_MAX, MAC_OUT_MAX, MAC_CFG_ERR_MAX */
#include "cfgswap.h"
#include "front.h"

#ifndef MAC_DEFAULT_CONFIG
#define MAC_DEFAULT_CONFIG "/etc/mailautoconf/mailautoconf.ini"
#endif

#define PROG "mailautoconf-fcgi"

#define THREADS_DEFAULT 32 /* must exceed nginx's upstream keepalive */
#define THREADS_MAX 1024
#define LISTEN_BACKLOG 128
#define SOCK_UMASK 0117 /* a new unix socket gets mode 0660 */
#define SOCK_MODE 0660
/*
 * Unread request body we still read and discard so that nginx can keep
 * the connection; beyond this the connection is closed instead.  Matches
 * client_max_body_size in nginx/mailautoconf-locations.conf.
 */
#define DRAIN_MAX (64 * 1024)
#define LOG_LINE_MAX 1024
#define STOP_WAIT_MS 10000 /* in-flight requests get this long on SIGTERM */
#define STOP_POLL_MS 10
#define ACCEPT_RETRY_MS 100 /* pause after a failed accept (EMFILE...) */
#define ERRNO_TEXT_MAX 128
#define SECS_PER_DAY 86400
#define MS_PER_SEC 1000
#define NS_PER_MS (1000 * 1000L)

/* One worker thread: its hazard slot, response and buffers. */
struct worker {
	pthread_t tid;
	size_t slot;
	int listen_fd;
	struct mac_resp resp;
	char body[MAC_BODY_MAX + 1]; /* one byte more tells "too big" */
	char out[HTTP_HEAD_MAX + MAC_OUT_MAX];
};

/* File scope, so leak checkers see them reachable at exit. */
static struct worker *workers;
static atomic_int stopping;
static atomic_int inflight;
static atomic_long accept_log_sec;

static void log_write(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write one log record to stderr as a single line, one write(2):
 * "2026-11-23T14:55:20Z mailautoconf-fcgi[PID]: message".  Control
 * characters in the message become '?', so a record is always one line;
 * a message too long for LOG_LINE_MAX is cut.  Safe from any thread.
 */
static void
log_write(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n, i, start;
	va_list ap;
	int k;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ", &tm);
	k = snprintf(
	    line + n, sizeof(line) - n, " %s[%ld]: ", PROG, (long)getpid());
	if (k < 0 || (size_t)k >= sizeof(line) - n)
		return;
	n += (size_t)k;
	start = n;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		k = 0;
	if ((size_t)k >= sizeof(line) - n - 1)
		k = (int)(sizeof(line) - n - 2);
	n += (size_t)k;
	for (i = start; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
}

/*
 * Step through the lines of a configuration error text: returns the next
 * non-empty line, its length in *len, and advances *p; NULL at the end.
 */
static const char *
err_next(const char **p, int *len)
{
	const char *line, *nl;

	while (**p == '\n')
		(*p)++;
	if (**p == '\0')
		return NULL;
	line = *p;
	if ((nl = strchr(line, '\n')) == NULL)
		nl = line + strlen(line);
	*len = (int)(nl - line);
	*p = nl;
	return line;
}

/* Log each line of a configuration error text between pre and post. */
static void
log_lines(const char *err, const char *pre, const char *post)
{
	const char *line;
	int len;

	if (err[0] == '\0')
		log_write("%scannot load the configuration%s", pre, post);
	while ((line = err_next(&err, &len)) != NULL)
		log_write("%s%.*s%s", pre, len, line, post);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: %s [-c file] [-t] [-s unix:/path | -s addr:port] "
	    "[-n threads] [-V] [-h]\n"
	    "  -c file     configuration (default %s)\n"
	    "  -t          test the configuration and exit\n"
	    "  -s socket   listen there; default: the FastCGI socket on fd 0\n"
	    "  -n threads  worker threads, 1..%d (default %d)\n"
	    "  -V          print the version and exit\n"
	    "  -h          print this help and exit\n",
	    PROG, MAC_DEFAULT_CONFIG, THREADS_MAX, THREADS_DEFAULT);
}

/* Parse a decimal in [lo, hi]; returns 0 and sets *out, or -1. */
static int
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
		mac_cfg_free(cfg);
		fprintf(stderr, "%s: the configuration file %s syntax is ok\n",
		    PROG, path);
		fprintf(stderr,
		    "%s: configuration file %s test is successful\n", PROG,
		    path);
		return 0;
	}
	if (err[0] == '\0')
		fprintf(stderr, "%s: [emerg] %s: cannot load\n", PROG, path);
	while ((line = err_next(&p, &len)) != NULL)
		fprintf(stderr, "%s: [emerg] %.*s\n", PROG, len, line);
	fprintf(stderr, "%s: configuration file %s test failed\n", PROG, path);
	return 1;
}

/*
 * Open a unix socket at path with mode 0660.  A stale socket left by a
 * dead process is removed first; a live one, or any other kind of file,
 * is an error.  Returns the listening descriptor or -1 (logged).
 */
static int
sock_unix(const char *path)
{
	struct sockaddr_un sau;
	struct stat st;
	mode_t old;
	int fd, probe, rc;

	memset(&sau, 0, sizeof(sau));
	sau.sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sau.sun_path)) {
		log_write("socket path is empty or too long: %s", path);
		return -1;
	}
	memcpy(sau.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_write("%s exists and is not a socket", path);
			return -1;
		}
		if ((probe = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
			log_write("socket: %s", strerror(errno));
			return -1;
		}
		rc = connect(probe, (struct sockaddr *)&sau, sizeof(sau));
		close(probe);
		if (rc == 0) {
			log_write("%s is in use by a running process", path);
			return -1;
		}
		if (unlink(path) != 0) {
			log_write("unlink %s: %s", path, strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		log_write("socket: %s", strerror(errno));
		return -1;
	}
	old = umask(SOCK_UMASK);
	rc = bind(fd, (struct sockaddr *)&sau, sizeof(sau));
	umask(old);
	if (rc != 0 || chmod(path, SOCK_MODE) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0) {
		log_write("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Open a TCP socket on a numeric "ADDR:PORT" ("127.0.0.1:9000" or
 * "[::1]:9000"); host names are not resolved.  Returns the listening
 * descriptor or -1 (logged).
 */
static int
sock_tcp(const char *spec)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(spec, ':');
	socklen_t sslen;
	size_t hlen;
	long port;
	int fd, on = 1;

	if (colon == NULL || (hlen = (size_t)(colon - spec)) == 0 ||
	    hlen >= sizeof(host) ||
	    opt_number(colon + 1, 1, UINT16_MAX, &port) != 0) {
		log_write("bad socket %s: want unix:/path or ADDR:PORT", spec);
		return -1;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&ss, 0, sizeof(ss));
	if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sslen = sizeof(*sin6);
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			sslen = 0;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sslen = sizeof(*sin);
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			sslen = 0;
	}
	if (sslen == 0) {
		log_write(
		    "bad socket %s: ADDR must be a numeric address", spec);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0) {
		log_write("socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0) {
		log_write("cannot listen on %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Check that fd 0 is a listening socket, as spawn-fcgi leaves it. */
static int
sock_inherited(void)
{
	socklen_t len;
	int on = 0;

	len = sizeof(on);
	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) !=
		0 ||
	    !on) {
		log_write("fd 0 is not a listening socket: start under "
			  "spawn-fcgi or give -s");
		return -1;
	}
	return STDIN_FILENO;
}

/* A parameter as a counted string; absent and empty are both empty. */
static struct mac_str
req_param(const FCGX_Request *fr, const char *name)
{
	struct mac_str s = {"", 0};
	const char *v = FCGX_GetParam(name, fr->envp);

	if (v != NULL) {
		s.p = v;
		s.len = strlen(v);
	}
	return s;
}

static const struct {
	const char *name;
	enum mac_method m;
} req_methods[] = {
    {"GET", MAC_M_GET},
    {"HEAD", MAC_M_HEAD},
    {"POST", MAC_M_POST},
};

/*
 * Fill in everything but the body from the FastCGI parameters (RFC 3875
 * §4.1).  The path is nginx's decoded $document_uri, else SCRIPT_NAME,
 * else REQUEST_URI up to '?'.  Strings are borrowed from fr.
 */
static void
req_fill(const FCGX_Request *fr, struct mac_req *req)
{
	const char *m = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	struct timespec ts;
	size_t i;

	memset(req, 0, sizeof(*req));
	req->method = MAC_M_OTHER;
	for (i = 0;
	     m != NULL && i < sizeof(req_methods) / sizeof(req_methods[0]); i++)
		if (strcmp(m, req_methods[i].name) == 0)
			req->method = req_methods[i].m;
	req->path = req_param(fr, "DOCUMENT_URI");
	if (req->path.len == 0)
		req->path = req_param(fr, "SCRIPT_NAME");
	if (req->path.len == 0) {
		req->path = req_param(fr, "REQUEST_URI");
		req->path.len = strcspn(req->path.p, "?");
	}
	req->query = req_param(fr, "QUERY_STRING");
	req->host = req_param(fr, "HTTP_HOST");
	req->content_type = req_param(fr, "CONTENT_TYPE");
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < 0)
		ts.tv_sec = 0;
	req->now_ms = (uint32_t)((ts.tv_sec % SECS_PER_DAY) * MS_PER_SEC +
				 ts.tv_nsec / NS_PER_MS);
}

/*
 * Read the request body into w->body: at most MAC_BODY_MAX bytes, and
 * nothing if CONTENT_LENGTH already says it is longer; either way
 * body_too_big tells lib/.  Then read and discard what is left, up to
 * DRAIN_MAX, so the FastCGI connection stays usable for nginx's next
 * request; a longer remainder is left unread and the connection is
 * closed after the answer instead.
 */
static void
body_read(struct worker *w, FCGX_Request *fr, struct mac_req *req)
{
	struct mac_str cl = req_param(fr, "CONTENT_LENGTH");
	unsigned long long want = 0;
	size_t left;
	char *end;
	int n;

	if (cl.len > 0) {
		errno = 0;
		want = strtoull(cl.p, &end, 10);
		if (*end != '\0' || errno != 0 || cl.p[0] == '-')
			want = 0; /* nginx never sends this; read what comes */
	}
	req->body.p = w->body;
	if (want > MAC_BODY_MAX) {
		req->body_too_big = 1;
		if (want > DRAIN_MAX) {
			fr->keepConnection = 0;
			return;
		}
	} else {
		n = FCGX_GetStr(w->body, (int)sizeof(w->body), fr->in);
		if (n < 0)
			n = 0;
		req->body.len = (size_t)n;
		if (req->body.len > MAC_BODY_MAX) {
			req->body.len = MAC_BODY_MAX;
			req->body_too_big = 1;
		}
	}
	/* Consume the rest, the final empty FCGI_STDIN record included. */
	for (left = DRAIN_MAX; left > 0; left -= (size_t)n) {
		n = FCGX_GetStr(w->out,
		    (int)(left < sizeof(w->out) ? left : sizeof(w->out)),
		    fr->in);
		if (n <= 0 || FCGX_HasSeenEOF(fr->in))
			return;
	}
	fr->keepConnection = 0;
}

/*
 * Write the answer: headers and, unless the method was HEAD, the body,
 * assembled in w->out and handed to libfcgi in one FCGX_PutStr().
 */
static void
resp_write(struct worker *w, FCGX_Request *fr, const struct mac_req *req,
    enum mac_err e)
{
	struct mac_resp *r = &w->resp;
	struct mac_resp fallback;
	size_t n;

	if (r->body.err != MAC_OK) {
		if (e == MAC_OK)
			e = r->body.err;
		r->body.len = 0; /* never half a document */
	}
	n = http_head(w->out, HTTP_HEAD_MAX, e, r);
	if (n == 0) {
		log_write("%s: cannot format the headers for \"%s\"", __func__,
		    mac_strerror(e));
		memset(&fallback, 0, sizeof(fallback));
		fallback.content_type = "text/plain; charset=utf-8";
		r = &fallback;
		e = MAC_ENOMEM;
		if ((n = http_head(w->out, HTTP_HEAD_MAX, e, r)) == 0)
			return;
	}
	if (req->method != MAC_M_HEAD && r->body.len > 0) {
		memcpy(w->out + n, r->body.p, r->body.len);
		n += r->body.len;
	}
	if (FCGX_PutStr(w->out, (int)n, fr->out) != (int)n)
		fr->keepConnection = 0; /* nginx went away; nothing to log */
}

/* Answer one accepted request. */
static void
req_serve(struct worker *w, FCGX_Request *fr)
{
	const struct mac_cfg *cfg;
	struct mac_req req;
	enum mac_err e;

	req_fill(fr, &req);
	body_read(w, fr, &req);
	cfg = cfgswap_acquire(w->slot);
	e = mac_handle(cfg, &req, &w->resp);
	/* The answer is in w->resp now and points into no configuration. */
	cfgswap_release(w->slot);
	resp_write(w, fr, &req, e);
}

/* Log a failed accept at most once a second across all workers. */
static void
accept_fail(int rc)
{
	const struct timespec pause = {0, ACCEPT_RETRY_MS * NS_PER_MS};
	char msg[ERRNO_TEXT_MAX];
	time_t now = time(NULL);

	if (atomic_exchange(&accept_log_sec, (long)now) != (long)now) {
		if (rc < 0 && strerror_r(-rc, msg, sizeof(msg)) == 0)
			log_write("accept: %s", msg);
		else
			log_write("accept: error %d", rc);
	}
	nanosleep(&pause, NULL);
}

/*
 * A worker: accept and answer requests until the listening socket is shut
 * down.  Several workers call FCGX_Accept_r() at once without any lock;
 * a lock there would serialise nginx's kept-alive connections, each of
 * which holds one worker while it waits for its next request.
 */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	FCGX_Request fr;
	int rc;

	if (FCGX_InitRequest(&fr, w->listen_fd, 0) != 0) {
		log_write("%s: FCGX_InitRequest failed", __func__);
		return NULL;
	}
	for (;;) {
		rc = FCGX_Accept_r(&fr);
		if (rc < 0) {
			if (atomic_load(&stopping))
				break;
			accept_fail(rc);
			continue;
		}
		atomic_fetch_add(&inflight, 1);
		req_serve(w, &fr);
		if (atomic_load(&stopping))
			fr.keepConnection = 0;
		FCGX_Finish_r(&fr);
		atomic_fetch_sub(&inflight, 1);
	}
	return NULL;
}

/*
 * SIGHUP: load the same file again.  On success publish it (the old one
 * is freed once its last request is done); on failure keep serving the
 * old one.
 */
static void
cfg_reload(const char *path)
{
	char err[MAC_CFG_ERR_MAX] = "";
	struct mac_cfg *next;
	size_t np, nd;

	if ((next = mac_cfg_load(path, err, sizeof(err))) == NULL) {
		log_lines(
		    err, "reload failed: ", "; keeping the old configuration");
		return;
	}
	np = mac_cfg_nproviders(next);
	nd = mac_cfg_ndomains(next);
	cfgswap_publish(next);
	log_write("reloaded %s: %zu providers, %zu domains", path, np, nd);
}

/*
 * SIGTERM/SIGINT: stop accepting, close kept-alive connections as their
 * requests finish, and give in-flight requests up to STOP_WAIT_MS.
 */
static void
serve_stop(int listen_fd, const char *unix_path)
{
	const struct timespec pause = {0, STOP_POLL_MS * NS_PER_MS};
	long waited;
	int n;

	atomic_store(&stopping, 1);
	if (shutdown(listen_fd, SHUT_RDWR) != 0)
		log_write("shutdown: %s", strerror(errno));
	if (unix_path != NULL)
		(void)unlink(unix_path);
	for (waited = 0;
	     (n = atomic_load(&inflight)) > 0 && waited < STOP_WAIT_MS;
	     waited += STOP_POLL_MS)
		nanosleep(&pause, NULL);
	if (n > 0)
		log_write("requests still in flight at exit: %d", n);
	log_write("exiting");
}

/*
 * libfcgi select()s on every connection it accepts (is_af_unix_keeper()
 * in os_unix.c); a descriptor at or above FD_SETSIZE would overflow its
 * fd_set.  Keep the soft limit below that, so such an accept fails with
 * EMFILE instead.
 */
static void
fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FD_SETSIZE) {
		rl.rlim_cur = FD_SETSIZE;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_write("setrlimit: %s", strerror(errno));
	}
}

/*
 * Signal dispositions, after FCGX_Init(): libfcgi's OS_LibInit() installs
 * its own handlers, and the one for SIGUSR1 sets a flag that makes every
 * later accept fail, which would silently stop the service.  SIGPIPE and
 * SIGUSR1 are ignored.  SIGHUP, SIGTERM and SIGINT get their defaults
 * back and are blocked; every thread inherits the mask, so only the main
 * thread's sigwait() sees them.  Fills *set with those three.
 */
static int
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
		log_write("pthread_sigmask: %s", strerror(rc));
		return -1;
	}
	return 0;
fail:
	log_write("sigaction: %s", strerror(errno));
	return -1;
}

int
main(int argc, char *argv[])
{
	const char *path = MAC_DEFAULT_CONFIG, *spec = NULL, *unix_path = NULL;
	char err[MAC_CFG_ERR_MAX] = "";
	struct mac_cfg *cfg;
	sigset_t set;
	long nthreads = THREADS_DEFAULT;
	int c, test = 0, listen_fd, sig, rc;
	size_t i;

	mac_log = log_write;
	while ((c = getopt(argc, argv, "c:hn:s:tV")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			if (opt_number(optarg, 1, THREADS_MAX, &nthreads) !=
			    0) {
				fprintf(stderr, "%s: -n wants 1..%d, not %s\n",
				    PROG, THREADS_MAX, optarg);
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

	/* Signals first: a SIGTERM or SIGHUP during startup waits for us. */
	if (FCGX_Init() != 0) {
		log_write("FCGX_Init failed");
		return 1;
	}
	if (sig_setup(&set) != 0)
		return 1;
	fd_limit();
	/* A bad file must stop us before the socket of a running peer. */
	if ((cfg = mac_cfg_load(path, err, sizeof(err))) == NULL) {
		log_lines(err, "", "");
		log_write("not started: %s has errors", path);
		return 1;
	}
	if (spec == NULL)
		listen_fd = sock_inherited();
	else if (strncmp(spec, "unix:", 5) == 0)
		listen_fd = sock_unix(unix_path = spec + 5);
	else
		listen_fd = sock_tcp(spec);
	if (listen_fd < 0)
		return 1;

	if (cfgswap_init((size_t)nthreads, cfg) != 0 ||
	    (workers = calloc((size_t)nthreads, sizeof(*workers))) == NULL) {
		log_write("out of memory for %ld workers", nthreads);
		goto fail;
	}
	for (i = 0; i < (size_t)nthreads; i++) {
		workers[i].slot = i;
		workers[i].listen_fd = listen_fd;
		if (mac_resp_init(&workers[i].resp) != 0)
			goto fail; /* logged by lib/ */
	}
	for (i = 0; i < (size_t)nthreads; i++)
		if ((rc = pthread_create(&workers[i].tid, NULL, worker_main,
			 &workers[i])) != 0) {
			log_write("pthread_create: %s", strerror(rc));
			goto fail;
		}
	log_write("started: %s, %zu providers, %zu domains, %ld threads", path,
	    mac_cfg_nproviders(cfg), mac_cfg_ndomains(cfg), nthreads);

	for (;;) {
		if ((rc = sigwait(&set, &sig)) != 0) {
			log_write("sigwait: %s", strerror(rc));
			continue;
		}
		if (sig == SIGHUP)
			cfg_reload(path);
		else
			break;
	}
	serve_stop(listen_fd, unix_path);
	return 0;
fail:
	if (unix_path != NULL)
		(void)unlink(unix_path);
	return 1;
}
