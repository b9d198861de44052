/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * mailautoconf-fcgi: the FastCGI responder.
 *
 * Startup (options, configuration, listening socket), signals, the
 * transport and the log.  The transport: one epoll instance shared by the
 * worker threads, which take turns waiting on it (leader/followers; no
 * dispatcher thread, no lock).  A worker that is woken accepts new
 * connections, or takes one readable connection, looks at what has
 * arrived without consuming it, and hands the connection to libfcgi only
 * once a whole request is there; so an idle or stalled connection costs a
 * descriptor, never a thread.  Each request is copied out of the FastCGI
 * parameters into a struct mac_req, answered by mac_handle() from the
 * configuration pinned through cfgswap, and written back with the headers
 * from http_head() in one piece.  This file must stay thin: it never
 * routes, parses a query or a body, renders, or holds a status number;
 * lib/ and http.c do that.  No request input can end the process.
 */
#define _GNU_SOURCE /* accept4 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
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
/*
 * The listening socket's backlog (-b): by default the system's maximum,
 * net.core.somaxconn, read at start; SOMAXCONN (4096 in glibc, the
 * kernel's default since Linux 5.4) if it cannot be read, as under
 * systemd's ProcSubset=pid.  listen(2) cuts a larger value to the
 * system's maximum.  With 128, nginx opening connections faster than
 * they were accepted (any upstream keepalive smaller than its concurrent
 * requests) met a full queue: connect() fails at once on a unix socket
 * (EAGAIN), and nginx answers 502.
 */
#define BACKLOG_SYS "/proc/sys/net/core/somaxconn"
#define BACKLOG_GUESS SOMAXCONN
#define BACKLOG_MAX INT_MAX
#define BACKLOG_TEXT_MAX 32
#define SOCK_UMASK 0117 /* a new unix socket gets mode 0660 */
#define SOCK_MODE 0660
/*
 * Unread request body we still read and discard so that nginx can keep
 * the connection; beyond this the connection is closed instead.  Matches
 * client_max_body_size in nginx/mailautoconf-locations.conf.
 */
#define DRAIN_MAX (64 * 1024)
/*
 * A worker reads or writes a connection only once epoll says it is ready
 * and a whole request has arrived, so these timeouts bind only a peer
 * that stops reading our answer, or stops sending in the middle of a
 * request larger than CONN_PEEK_MAX: after this long it loses its
 * connection.  Idle kept-alive connections are never timed out.
 */
#define CONN_STALL_MS 5000
/*
 * How much of a connection's queued input a worker looks at (MSG_PEEK)
 * to decide whether a whole request is there.  It must fit in what the
 * kernel queues for one connection before the sender blocks (unix
 * sockets: the sender's SO_SNDBUF, about 200 KiB; loopback TCP: about
 * 64 KiB), or a request of that size would wait for data that can never
 * come.  nginx's requests here are far smaller: a few KiB of parameters
 * and at most 16 KiB of body that the responder reads.
 */
#define CONN_PEEK_MAX (48 * 1024)
#define CONN_FDS_MAX 65536  /* we raise RLIMIT_NOFILE's soft limit to this */
#define CONN_FDS_GUESS 1024 /* if getrlimit() fails */
#define LOG_LINE_MAX 1024
#define STOP_WAIT_MS 10000 /* in-flight requests get this long on SIGTERM */
#define STOP_POLL_MS 10
#define ACCEPT_RETRY_MS 100 /* pause after a failed accept (EMFILE...) */
/*
 * Connections one wake-up accepts at most before the listening socket is
 * armed again (and the next wake-up, for those still queued, goes to
 * another worker); the one that accepts serves the first of them itself.
 */
#define ACCEPT_BATCH_MAX 64
#define SECS_PER_DAY 86400
#define MS_PER_SEC 1000
#define NS_PER_MS (1000 * 1000L)
#define US_PER_MS 1000

/*
 * FastCGI 1.0 (the specification's section 8), for the look at a
 * request before libfcgi reads it; libfcgi does not install fastcgi.h.
 */
#define FCGI_HEADER_LEN 8
#define FCGI_VERSION_1 1
#define FCGI_BEGIN_REQUEST 1
#define FCGI_ABORT_REQUEST 2
#define FCGI_END_REQUEST 3
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_GET_VALUES 9
#define FCGI_UNKNOWN_TYPE 11
#define FCGI_BEGIN_BODY_LEN 8
#define FCGI_RESPONDER 1
#define FCGI_UNKNOWN_ROLE 3
/*
 * The longest FCGI_GET_VALUES body we let libfcgi answer: the three
 * names it knows, once each.  libfcgi 2.4.2 (ProcessManagementRecord in
 * fcgiapp.c) sprintf()s one entry per name it recognises into a 64-byte
 * stack buffer without a bound, so five copies of "FCGI_MPXS_CONNS"
 * smash its stack and end the process ("stack smashing detected").
 */
#define FCGI_GET_VALUES_MAX (16 + 15 + 17)

/* What conn_scan() found in a connection's queued input. */
enum scan {
	SCAN_WAIT,  /* no whole request yet: wait for more */
	SCAN_READY, /* a whole request, up to its empty FCGI_STDIN record */
	SCAN_BIG,   /* the window is full: parameters whole, body not */
	SCAN_ROLE,  /* a role other than FCGI_RESPONDER (spec 6) */
	SCAN_MGMT,  /* first, a management record libfcgi does not know */
	SCAN_BAD,   /* a protocol violation: close the connection */
	SCAN__MAX
};

/*
 * Connection states, one word per descriptor in conn_state: a generation
 * (bumped whenever the descriptor is closed or newly accepted, and also
 * carried in the epoll event, so a stale event for an earlier connection
 * on the same number is ignored) and who holds it.  CONN_IDLE: nobody;
 * CONN_BUSY: one worker owns it; CONN_MORE: it is owned and an event came
 * meanwhile, so the owner looks again before letting go.
 */
#define CONN_IDLE 0u
#define CONN_BUSY 1u
#define CONN_MORE 2u
#define CONN_ST_MASK 3u
#define CONN_GEN_SHIFT 2
#define CONN_WORD(gen, st) (((uint64_t)(gen) << CONN_GEN_SHIFT) | (st))
#define CONN_GEN(w) ((uint32_t)((w) >> CONN_GEN_SHIFT))
#define CONN_ST(w) ((unsigned)((w)&CONN_ST_MASK))
/* epoll_data: generation << 32 | descriptor; these two are not sockets. */
#define EV_LISTEN UINT64_MAX
#define EV_FD_BITS 32

/* One worker thread: its hazard slot, response and buffers. */
struct worker {
	pthread_t tid;
	size_t slot;
	struct mac_resp resp;
	size_t stdin_cap; /* FCGI_STDIN bytes we may read of this request */
	char body[MAC_BODY_MAX + 1]; /* one byte more tells "too big" */
	char out[HTTP_HEAD_MAX + MAC_OUT_MAX];
	unsigned char peek[CONN_PEEK_MAX];
};

/* File scope, so leak checkers see them reachable at exit. */
static struct worker *workers;
static _Atomic uint64_t *conn_state; /* indexed by descriptor */
static unsigned char *conn_partial;  /* owner-only: part of a request queued */
static size_t conn_max;              /* entries in both */
static int epoll_fd = -1;
static int listen_fd = -1;
static int listen_tcp;
static int listen_backlog; /* -b, or backlog_default() */
static atomic_int stopping;
static atomic_int inflight; /* requests being answered */
static atomic_int partial;  /* connections with part of a request queued */
static atomic_long accept_log_sec;
static atomic_long bad_log_sec;
static int debug_log; /* -d: one line per request, address included */

static int log_journal; /* stderr is the journal: see log_init() */

static void log_vwrite(int, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
static void log_write(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Decide how log records look, once, before the first one.  systemd
 * sets JOURNAL_STREAM to "DEV:INODE" (decimal) of the stream it connects
 * a service's standard error to (systemd.exec(5), sd_journal_stream_fd(3));
 * the variable is inherited by children whose stderr may go elsewhere,
 * so it counts only if fstat(2) of our standard error gives that device
 * and inode.  Then journald adds the time and the tag itself and reads
 * the priority from an sd-daemon(3) prefix ("<3>"); elsewhere a record
 * carries its own time and tag.
 */
static void
log_init(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return;
	errno = 0;
	dev = strtoull(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return;
	ino = strtoull(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || fstat(STDERR_FILENO, &st) != 0)
		return;
	log_journal = (unsigned long long)st.st_dev == dev &&
		      (unsigned long long)st.st_ino == ino;
}

/*
 * Write one log record of syslog priority pri (LOG_ERR, LOG_WARNING,
 * LOG_INFO, LOG_DEBUG) to stderr as a single line, one write(2):
 * "2026-11-23T14:55:20Z mailautoconf-fcgi[PID]: message", or, when
 * stderr is the journal, "<3>message".  Control characters in the
 * message become '?', so a record is always one line; a message too long
 * for LOG_LINE_MAX is cut.  Safe from any thread.
 */
static void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n = 0, i, start;
	int k;

	if (log_journal) {
		k = snprintf(line, sizeof(line), "<%d>", pri);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ", &tm);
		k = snprintf(line + n, sizeof(line) - n, " %s[%ld]: ", PROG,
		    (long)getpid());
	}
	if (k < 0 || (size_t)k >= sizeof(line) - n)
		return;
	n += (size_t)k;
	start = n;
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
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

static void
log_write(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(pri, fmt, ap);
	va_end(ap);
}

/* lib/'s hook (mac_log): it reports only failures, which end in a 500. */
static void log_lib(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
log_lib(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap);
	va_end(ap);
}

/*
 * A message of -t or of the command line, for whoever started us:
 * "mailautoconf-fcgi: message", or "<3>message" when stderr is the
 * journal (ExecStartPre= and ExecReload= run -t).
 */
static void report(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
report(int pri, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", pri, msg);
	else
		fprintf(stderr, "%s: %s\n", PROG, msg);
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
		log_write(
		    LOG_ERR, "%scannot load the configuration%s", pre, post);
	while ((line = err_next(&err, &len)) != NULL)
		log_write(LOG_ERR, "%s%.*s%s", pre, len, line, post);
}

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
		log_write(
		    LOG_ERR, "socket path is empty or too long: %s", path);
		return -1;
	}
	memcpy(sau.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_write(
			    LOG_ERR, "%s exists and is not a socket", path);
			return -1;
		}
		if ((probe = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
			log_write(LOG_ERR, "socket: %s", strerror(errno));
			return -1;
		}
		rc = connect(probe, (struct sockaddr *)&sau, sizeof(sau));
		close(probe);
		if (rc == 0) {
			log_write(
			    LOG_ERR, "%s is in use by a running process", path);
			return -1;
		}
		if (unlink(path) != 0) {
			log_write(
			    LOG_ERR, "unlink %s: %s", path, strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		log_write(LOG_ERR, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(SOCK_UMASK);
	rc = bind(fd, (struct sockaddr *)&sau, sizeof(sau));
	umask(old);
	if (rc != 0 || chmod(path, SOCK_MODE) != 0 ||
	    listen(fd, listen_backlog) != 0) {
		log_write(
		    LOG_ERR, "cannot listen on %s: %s", path, strerror(errno));
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
		log_write(LOG_ERR,
		    "bad socket %s: want unix:/path or ADDR:PORT", spec);
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
		log_write(LOG_ERR,
		    "bad socket %s: ADDR must be a numeric address", spec);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) < 0) {
		log_write(LOG_ERR, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) != 0 ||
	    listen(fd, listen_backlog) != 0) {
		log_write(
		    LOG_ERR, "cannot listen on %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Check that fd 0 is a listening socket, as spawn-fcgi leaves it.  With
 * set_backlog (-b given), listen(2) on it again, which sets a listening
 * socket's backlog anew; otherwise it keeps the one its creator chose
 * (spawn-fcgi's -b, 1024 by default).
 */
static int
sock_inherited(int set_backlog)
{
	socklen_t len;
	int on = 0;

	len = sizeof(on);
	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) !=
		0 ||
	    !on) {
		log_write(LOG_ERR,
		    "fd 0 is not a listening socket: start under "
		    "spawn-fcgi or give -s");
		return -1;
	}
	if (set_backlog && listen(STDIN_FILENO, listen_backlog) != 0) {
		log_write(LOG_ERR, "listen on fd 0: %s", strerror(errno));
		return -1;
	}
	return STDIN_FILENO;
}

/*
 * The system's maximum backlog, net.core.somaxconn, or BACKLOG_GUESS if
 * it cannot be read.
 */
static int
backlog_default(void)
{
	char text[BACKLOG_TEXT_MAX];
	ssize_t n;
	long v;
	int fd;

	if ((fd = open(BACKLOG_SYS, O_RDONLY | O_CLOEXEC)) < 0)
		return BACKLOG_GUESS;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return BACKLOG_GUESS;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (opt_number(text, 1, BACKLOG_MAX, &v) != 0)
		return BACKLOG_GUESS;
	return (int)v;
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
 * Read the request body into w->body: at most MAC_BODY_MAX bytes, never
 * more than CONTENT_LENGTH says (RFC 3875 4.2: the script must not read
 * beyond it), and nothing if CONTENT_LENGTH already says it is longer;
 * either way body_too_big tells lib/.  Then read and discard what is
 * left, up to DRAIN_MAX, so the FastCGI connection stays usable for
 * nginx's next request; a longer remainder is left unread and the
 * connection is closed after the answer instead.  Reads stop at
 * w->stdin_cap bytes, the part of the body we saw queued (see
 * conn_scan()); a body cut there is answered as too big.  Returns -1 if
 * the stream failed (the peer went away or broke the protocol), and the
 * request must not be answered; 0 otherwise.
 */
static int
body_read(struct worker *w, FCGX_Request *fr, struct mac_req *req)
{
	struct mac_str cl = req_param(fr, "CONTENT_LENGTH");
	unsigned long long want = 0;
	size_t left, cap = w->stdin_cap, take;
	int n, have_cl = 0;
	char *end;

	if (cl.len > 0) {
		errno = 0;
		want = strtoull(cl.p, &end, 10);
		have_cl = *end == '\0' && errno == 0 && cl.p[0] != '-';
		if (!have_cl)
			want = 0; /* nginx never sends this; read what comes */
	}
	req->body.p = w->body;
	if (want > MAC_BODY_MAX) {
		req->body_too_big = 1;
		if (want > DRAIN_MAX) {
			fr->keepConnection = 0;
			return 0;
		}
	} else {
		take = have_cl ? (size_t)want : sizeof(w->body);
		if (take > cap)
			take = cap;
		n = FCGX_GetStr(w->body, (int)take, fr->in);
		if (n < 0)
			n = 0;
		cap -= (size_t)n;
		req->body.len = (size_t)n;
		if (req->body.len > MAC_BODY_MAX) {
			req->body.len = MAC_BODY_MAX;
			req->body_too_big = 1;
		}
	}
	/* Consume the rest, the final empty FCGI_STDIN record included. */
	for (left = DRAIN_MAX; left > 0 && cap > 0;
	     left -= (size_t)n, cap -= (size_t)n) {
		take = left < sizeof(w->out) ? left : sizeof(w->out);
		n = FCGX_GetStr(w->out, (int)(take < cap ? take : cap), fr->in);
		if (n <= 0 || FCGX_HasSeenEOF(fr->in))
			break;
	}
	if (FCGX_GetError(fr->in) != 0)
		return -1;
	if (!FCGX_HasSeenEOF(fr->in)) {
		if (cap == 0 && !req->body_too_big &&
		    (!have_cl || req->body.len < want))
			req->body_too_big = 1; /* cut at the peek window */
		fr->keepConnection = 0;
	}
	return 0;
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
		log_write(LOG_ERR, "%s: cannot format the headers for \"%s\"",
		    __func__, mac_strerror(e));
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

/*
 * -d: one line per request with the route, the status and the address it
 * asked about.  Only what lib/ validated is written (route names are
 * constants, the domain is lower-case ASCII, the local part an RFC 5322
 * dot-atom), and bytes outside printable ASCII as \xNN, so a request
 * cannot forge a log line or reach a terminal's control sequences.
 */
static void
log_request(const struct mac_req *req, enum mac_err e, const struct mac_resp *r)
{
	static const char *const mnames[MAC_M__MAX] = {
	    [MAC_M_OTHER] = "OTHER",
	    [MAC_M_GET] = "GET",
	    [MAC_M_HEAD] = "HEAD",
	    [MAC_M_POST] = "POST",
	};
	char local[MAC_LOCAL_MAX * 4 + 2], *o = local;
	size_t i;

	for (i = 0; i < r->local.len && i < MAC_LOCAL_MAX; i++) {
		unsigned char c = (unsigned char)r->local.p[i];
		if (c > ' ' && c < 0x7f)
			*o++ = (char)c;
		else
			o += snprintf(o, 5, "\\x%02x", c);
	}
	if (r->local.len > 0)
		*o++ = '@';
	*o = '\0';
	log_write(LOG_DEBUG, "request: %s %s %d %s%.*s", mnames[req->method],
	    r->route != NULL ? r->route : "-", http_status(e), local,
	    (int)(r->domain.len > 0 ? r->domain.len : 1),
	    r->domain.len > 0 ? r->domain.p : "-");
}

/*
 * Answer the request libfcgi has just read.  Returns -1 if the body could
 * not be read; nothing is answered then.
 */
static int
req_serve(struct worker *w, FCGX_Request *fr)
{
	const struct mac_cfg *cfg;
	struct mac_req req;
	enum mac_err e;

	req_fill(fr, &req);
	if (body_read(w, fr, &req) != 0)
		return -1;
	cfg = cfgswap_acquire(w->slot);
	e = mac_handle(cfg, &req, &w->resp);
	/* The answer is in w->resp now and points into no configuration. */
	cfgswap_release(w->slot);
	if (debug_log)
		log_request(&req, e, &w->resp);
	resp_write(w, fr, &req, e);
	return 0;
}

/* Log a failed accept at most once a second across all workers. */
static void
accept_fail(int err)
{
	time_t now = time(NULL);

	if (atomic_exchange(&accept_log_sec, (long)now) != (long)now)
		log_write(LOG_ERR, "accept: %s", strerror(err));
}

/*
 * Log a connection closed for breaking the protocol, at most once a
 * second across all workers.  why is a constant text: nothing the peer
 * sent is ever logged.
 */
static void
bad_conn(const char *why)
{
	time_t now = time(NULL);

	if (atomic_exchange(&bad_log_sec, (long)now) != (long)now)
		log_write(LOG_WARNING, "bad connection closed: %s", why);
}

/*
 * Look at a connection's queued input, p[0..n) (FastCGI 1.0, sections 3
 * and 5), and say whether libfcgi can read a whole request from it
 * without waiting.  full: n is the whole peek window.  Checks only what
 * libfcgi would mishandle or block on; the request's content is libfcgi's
 * and lib/'s business.  Allowed before FCGI_BEGIN_REQUEST: management
 * records (request id 0), which libfcgi answers, FCGI_GET_VALUES only up
 * to FCGI_GET_VALUES_MAX.  After it: the request's FCGI_PARAMS, then its
 * FCGI_STDIN; further FCGI_BEGIN_REQUESTs (libfcgi answers
 * FCGI_CANT_MPX_CONN) and records of other ids (libfcgi skips them).
 * A management record of another type is SCAN_MGMT if it comes first,
 * with its type in *id and its length in *stdin_len, for conn_run() to
 * answer: libfcgi would leak 48 bytes on each (NewParams() in
 * ProcessManagementRecord) and then read its body as request data.
 * Anything else (another version, a record before FCGI_BEGIN_REQUEST,
 * FCGI_ABORT_REQUEST, which libfcgi cannot honour, parameters longer
 * than the window) is SCAN_BAD, with the reason in *why.  Sets
 * *stdin_len to the FCGI_STDIN content in whole records and *id to the
 * request id.  Pure: no I/O.
 */
static enum scan
conn_scan(const unsigned char *p, size_t n, int full, size_t *stdin_len,
    unsigned *id, const char **why)
{
	size_t off = 0, end, clen;
	unsigned type, rid;
	int begun = 0, params_done = 0;

	*stdin_len = 0;
	*id = 0;
	*why = "";
	for (; n - off >= FCGI_HEADER_LEN; off = end) {
		type = p[off + 1];
		rid = (unsigned)p[off + 2] << 8 | p[off + 3];
		clen = (size_t)p[off + 4] << 8 | p[off + 5];
		end = off + FCGI_HEADER_LEN + clen + p[off + 6];
		if (p[off] != FCGI_VERSION_1)
			*why = "unsupported FastCGI version";
		else if (rid == 0 && begun)
			*why = "management record inside a request";
		else if (rid == 0 && type == FCGI_GET_VALUES &&
			 clen > FCGI_GET_VALUES_MAX)
			*why = "FCGI_GET_VALUES too long";
		else if (rid != 0 && !begun && type != FCGI_BEGIN_REQUEST)
			*why = "record before FCGI_BEGIN_REQUEST";
		else if (rid != 0 && !begun && clen != FCGI_BEGIN_BODY_LEN)
			*why = "malformed FCGI_BEGIN_REQUEST";
		else if (begun && rid == *id && type == FCGI_ABORT_REQUEST)
			*why = "FCGI_ABORT_REQUEST";
		else if (begun && rid == *id && type != FCGI_BEGIN_REQUEST &&
			 type != (params_done ? FCGI_STDIN : FCGI_PARAMS))
			*why = "unexpected record type";
		else if (rid == 0 && type != FCGI_GET_VALUES && off > 0)
			*why = "management record after another";
		if (**why != '\0')
			return SCAN_BAD;
		if (end > n)
			break;
		if (rid == 0 && type != FCGI_GET_VALUES) {
			*id = type;
			*stdin_len = end;
			return SCAN_MGMT;
		}
		if (rid == 0 || (begun && rid != *id) ||
		    (begun && type == FCGI_BEGIN_REQUEST))
			continue;
		if (!begun) {
			begun = 1;
			*id = rid;
			if (((unsigned)p[off + FCGI_HEADER_LEN] << 8 |
				p[off + FCGI_HEADER_LEN + 1]) != FCGI_RESPONDER)
				return SCAN_ROLE;
		} else if (!params_done) {
			params_done = clen == 0;
		} else if (clen == 0) {
			return SCAN_READY;
		} else {
			*stdin_len += clen;
		}
	}
	if (!full)
		return SCAN_WAIT;
	if (!params_done) {
		*why = "parameters longer than the peek window";
		return SCAN_BAD;
	}
	return SCAN_BIG;
}

/* True if the peer has hung up or the socket has failed. */
static int
conn_hung_up(int fd)
{
	struct pollfd pfd = {fd, POLLRDHUP, 0};

	return poll(&pfd, 1, 0) > 0 &&
	       (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/*
 * Mark whether fd has part of a request queued, for serve_stop(), which
 * waits for those.  Only fd's owner calls this.
 */
static void
conn_set_partial(int fd, int on)
{
	if (conn_partial[fd] == on)
		return;
	conn_partial[fd] = (unsigned char)on;
	atomic_fetch_add(&partial, on ? 1 : -1);
}

/*
 * fd of generation gen is closed, by us next or by libfcgi already: move
 * its state to a new generation, so events still in flight for the old
 * connection are ignored.  If the number was reused meanwhile (libfcgi
 * closed it and a worker accepted a new connection on it), the new
 * owner has already done this.
 */
static void
conn_retire(int fd, uint32_t gen)
{
	uint64_t cur = atomic_load(&conn_state[fd]);

	while (CONN_GEN(cur) == gen &&
	       !atomic_compare_exchange_weak(
		   &conn_state[fd], &cur, CONN_WORD(gen + 1, CONN_IDLE)))
		;
}

/* Close fd of generation gen, which the caller owns. */
static void
conn_close(int fd, uint32_t gen)
{
	conn_set_partial(fd, 0);
	conn_retire(fd, gen);
	close(fd);
}

/*
 * Tell the peer we do not play role in request id (FastCGI 1.0, 5.5:
 * FCGI_END_REQUEST with FCGI_UNKNOWN_ROLE).  Best effort: the connection
 * is closed next.
 */
static void
conn_unknown_role(int fd, unsigned id)
{
	unsigned char rec[FCGI_HEADER_LEN + FCGI_BEGIN_BODY_LEN] = {
	    FCGI_VERSION_1, FCGI_END_REQUEST, 0, 0, 0, FCGI_BEGIN_BODY_LEN};

	rec[2] = (unsigned char)(id >> 8);
	rec[3] = (unsigned char)id;
	rec[FCGI_HEADER_LEN + 4] = FCGI_UNKNOWN_ROLE;
	if (send(fd, rec, sizeof(rec), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* The peer is gone; nothing to tell. */
	}
}

/*
 * Take the management record of unknown type that heads fd's input, len
 * bytes, and answer FCGI_UNKNOWN_TYPE (FastCGI 1.0, 4.2).  Returns -1 if
 * that fails.
 */
static int
conn_unknown_type(int fd, unsigned char *buf, size_t len, unsigned type)
{
	unsigned char rec[FCGI_HEADER_LEN + FCGI_BEGIN_BODY_LEN] = {
	    FCGI_VERSION_1, FCGI_UNKNOWN_TYPE, 0, 0, 0, FCGI_BEGIN_BODY_LEN};

	rec[FCGI_HEADER_LEN] = (unsigned char)type;
	if (recv(fd, buf, len, MSG_DONTWAIT) != (ssize_t)len ||
	    send(fd, rec, sizeof(rec), MSG_NOSIGNAL) != (ssize_t)sizeof(rec))
		return -1;
	return 0;
}

/*
 * Let libfcgi read and answer the request queued on fd, which the caller
 * owns (libfcgi 2.4.2, fcgiapp.c).  FCGX_Accept_r() calls accept() only
 * when ipcFd < 0, so we hand it our connection in ipcFd; keepConnection
 * must be set first, or the FCGX_Finish_r() it starts with would close
 * it.  The request's listen_sock is -1: should libfcgi give up on the
 * connection (its TryAgain: close, then accept again), accept(-1) fails
 * with EBADF at once instead of taking a connection from the listening
 * socket.  FCGX_Detach() makes libfcgi close with a plain close();
 * otherwise OS_Close() shuts the socket down and waits up to 2 s
 * (LIBFCGI_OS_CLOSE_POLL_TIMEOUT) for the peer to hang up, repeatedly if
 * it trickles bytes.  Returns 1 if the connection stays open for the
 * next request (we have taken fd back), 0 if libfcgi closed it.
 */
static int
conn_serve(struct worker *w, FCGX_Request *fr, int fd, uint32_t gen)
{
	/* In flight from here on, for serve_stop(); libfcgi may close fd. */
	atomic_fetch_add(&inflight, 1);
	conn_set_partial(fd, 0);
	fr->ipcFd = fd;
	fr->keepConnection = 1;
	(void)FCGX_Detach(fr);
	if (FCGX_Accept_r(fr) < 0) {
		/* Here only if libfcgi gave up on fd and closed it. */
		conn_retire(fd, gen);
		atomic_fetch_sub(&inflight, 1);
		bad_conn("malformed FastCGI request");
		return 0;
	}
	if (req_serve(w, fr) != 0)
		bad_conn("request body cut short");
	if (atomic_load(&stopping))
		fr->keepConnection = 0;
	if (!fr->keepConnection)
		conn_retire(fd, gen); /* FCGX_Finish_r() closes fd */
	FCGX_Finish_r(fr);
	atomic_fetch_sub(&inflight, 1);
	if (fr->ipcFd < 0) {
		conn_retire(fd, gen); /* closed after a failed write */
		return 0;
	}
	fr->ipcFd = -1; /* ours again; the next FCGX_Accept_r() gets it */
	return 1;
}

/*
 * Register fd of generation gen with epoll, edge-triggered, so that it
 * gets one event whenever data or a hang-up arrives.  If some is queued
 * already, the event comes at once.
 */
static int
conn_register(int fd, uint32_t gen)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.u64 = (uint64_t)gen << EV_FD_BITS | (uint32_t)fd;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		accept_fail(errno);
		return -1;
	}
	return 0;
}

/*
 * Serve the connection fd of generation gen, which this worker now owns
 * (its state is CONN_BUSY): answer the request queued on it if it is
 * whole, close it if it is broken or gone, and otherwise let go of it
 * until its next event.  Never waits for the peer.  A connection just
 * accepted (fresh) is served at once, as nginx sends its request right
 * after connecting, and registered with epoll only when we let go of it:
 * no event can then wake a second worker in the meantime.
 */
static void
conn_run(struct worker *w, FCGX_Request *fr, int fd, uint32_t gen, int fresh)
{
	const uint64_t busy = CONN_WORD(gen, CONN_BUSY);
	const char *why;
	uint64_t cur;
	size_t stdin_len;
	ssize_t n;
	unsigned id;

	for (;;) {
		n = recv(fd, w->peek, sizeof(w->peek), MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			if (conn_partial[fd])
				bad_conn(
				    "peer left in the middle of a request");
			conn_close(fd, gen);
			return;
		}
		switch (n < 0 ? SCAN_WAIT
			      : conn_scan(w->peek, (size_t)n,
				    (size_t)n == sizeof(w->peek), &stdin_len,
				    &id, &why)) {
		case SCAN_READY:
			w->stdin_cap = SIZE_MAX;
			if (!conn_serve(w, fr, fd, gen))
				return;
			break;
		case SCAN_BIG:
			w->stdin_cap = stdin_len;
			if (!conn_serve(w, fr, fd, gen))
				return;
			break;
		case SCAN_MGMT:
			if (conn_unknown_type(fd, w->peek, stdin_len, id) !=
			    0) {
				conn_close(fd, gen);
				return;
			}
			continue;
		case SCAN_ROLE:
			conn_unknown_role(fd, id);
			bad_conn("role other than FCGI_RESPONDER");
			conn_close(fd, gen);
			return;
		case SCAN_BAD:
			bad_conn(why);
			conn_close(fd, gen);
			return;
		default: /* SCAN_WAIT */
			if (n > 0 && conn_hung_up(fd)) {
				bad_conn(
				    "peer left in the middle of a request");
				conn_close(fd, gen);
				return;
			}
			if (n < 0 && atomic_load(&stopping)) {
				conn_close(fd, gen); /* idle while stopping */
				return;
			}
			conn_set_partial(fd, n > 0);
			break;
		}
		/* Let go; if an event came meanwhile, look again. */
		if (fresh) {
			if (conn_register(fd, gen) != 0) {
				conn_close(fd, gen);
				return;
			}
			fresh = 0;
		}
		cur = busy;
		if (atomic_compare_exchange_strong(
			&conn_state[fd], &cur, CONN_WORD(gen, CONN_IDLE)))
			return;
		atomic_store(&conn_state[fd], busy);
	}
}

/*
 * An epoll event for fd of generation gen: take the connection if nobody
 * holds it, or tell its owner to look again.  A stale event, for an
 * earlier connection on the same number, is dropped.
 */
static void
conn_event(struct worker *w, FCGX_Request *fr, int fd, uint32_t gen)
{
	uint64_t cur;

	if (fd < 0 || (size_t)fd >= conn_max)
		return;
	cur = atomic_load(&conn_state[fd]);
	for (;;) {
		if (CONN_GEN(cur) != gen || CONN_ST(cur) == CONN_MORE)
			return;
		if (CONN_ST(cur) == CONN_IDLE) {
			if (atomic_compare_exchange_weak(&conn_state[fd], &cur,
				CONN_WORD(gen, CONN_BUSY))) {
				conn_run(w, fr, fd, gen, 0);
				return;
			}
		} else if (atomic_compare_exchange_weak(&conn_state[fd], &cur,
			       CONN_WORD(gen, CONN_MORE))) {
			return;
		}
	}
}

/*
 * Set up a connection just accepted: send and receive timeouts, no Nagle
 * on TCP (libfcgi's OS_Accept() did that), and a new generation, owned
 * by the caller (CONN_BUSY).  Returns -1 (fd closed) on failure.
 */
static int
conn_add(int fd, uint32_t *gen)
{
	const struct timeval tv = {CONN_STALL_MS / MS_PER_SEC,
	    (CONN_STALL_MS % MS_PER_SEC) * US_PER_MS};
	uint64_t cur;
	int on = 1;

	if ((size_t)fd >= conn_max) {
		close(fd);
		accept_fail(EMFILE);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    (listen_tcp && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
			       sizeof(on)) != 0)) {
		close(fd);
		accept_fail(errno);
		return -1;
	}
	cur = atomic_load(&conn_state[fd]);
	while (!atomic_compare_exchange_weak(
	    &conn_state[fd], &cur, CONN_WORD(CONN_GEN(cur) + 1, CONN_BUSY)))
		;
	*gen = CONN_GEN(cur) + 1;
	return 0;
}

/* Arm the listening socket for one more event (EPOLLONESHOT). */
static void
listen_arm(void)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = EV_LISTEN;
	if (!atomic_load(&stopping) &&
	    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev) != 0)
		log_write(LOG_ERR, "epoll_ctl: %s", strerror(errno));
}

/*
 * Hand a connection just accepted (owned by the caller, CONN_BUSY) to
 * whichever worker is free: let go of it, then register it with epoll.
 * Its request is usually queued already, and then the event comes at
 * once (conn_event()).  No other worker can see fd before it is
 * registered, so letting go first is safe.
 */
static void
conn_hand_off(int fd, uint32_t gen)
{
	atomic_store(&conn_state[fd], CONN_WORD(gen, CONN_IDLE));
	if (conn_register(fd, gen) != 0)
		conn_close(fd, gen);
}

/*
 * The listening socket is readable; its event is one-shot, so this worker
 * alone got it.  Accept every connection queued (up to ACCEPT_BATCH_MAX),
 * handing all but the first to the other workers as they come, arm the
 * socket again, then serve the first (see conn_run()).  Taking one
 * connection per wake-up, each connection of a burst (nginx opens one
 * per request beyond its upstream keepalive) waited for a worker to
 * finish the request it had taken with the previous one.  What keeps a
 * burst from overflowing the queue is the backlog, though: with 128,
 * nginx still met a full queue now and then.  Level-triggered without
 * one-shot, every wake-up would wake a second worker for the socket
 * still queued, and at high connection rates most of them would find
 * nothing to accept.  When descriptors run out
 * (EMFILE...) before any is accepted, the socket stays disarmed for
 * ACCEPT_RETRY_MS while the other workers keep serving (and closing)
 * connections.
 */
static void
listen_accept(struct worker *w, FCGX_Request *fr)
{
	const struct timespec pause = {0, ACCEPT_RETRY_MS * NS_PER_MS};
	uint32_t gen, first_gen = 0;
	int fd, first = -1, n;

	for (n = 0; n < ACCEPT_BATCH_MAX && !atomic_load(&stopping); n++) {
		do
			fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		while (fd < 0 && (errno == EINTR || errno == ECONNABORTED ||
				     errno == EPROTO));
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    !atomic_load(&stopping)) {
				accept_fail(errno);
				if (first < 0)
					nanosleep(&pause, NULL);
			}
			break;
		}
		if (conn_add(fd, &gen) != 0)
			break; /* out of descriptors: serve what we have */
		if (first < 0) {
			first = fd;
			first_gen = gen;
		} else {
			conn_hand_off(fd, gen);
		}
	}
	listen_arm();
	if (first < 0)
		return;
	if (atomic_load(&stopping))
		conn_close(first, first_gen);
	else
		conn_run(w, fr, first, first_gen, 1);
}

/*
 * A worker: wait on the shared epoll instance for one event at a time
 * and handle it, until the process exits.  The listening socket is
 * one-shot (one worker accepts what is queued, then re-arms it);
 * connections are edge-triggered and owned through conn_state, so
 * exactly one worker reads a connection at a time and none waits on an
 * idle one.
 */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev;
	FCGX_Request fr;
	int n;

	/* listen_sock -1: see conn_serve(). */
	if (FCGX_InitRequest(&fr, -1, 0) != 0) {
		log_write(LOG_ERR, "%s: FCGX_InitRequest failed", __func__);
		return NULL;
	}
	for (;;) {
		n = epoll_wait(epoll_fd, &ev, 1, -1);
		if (n < 0) {
			if (errno != EINTR)
				log_write(
				    LOG_ERR, "epoll_wait: %s", strerror(errno));
			continue;
		}
		if (n == 0)
			continue;
		if (ev.data.u64 == EV_LISTEN)
			listen_accept(w, &fr);
		else
			conn_event(w, &fr, (int)(uint32_t)ev.data.u64,
			    (uint32_t)(ev.data.u64 >> EV_FD_BITS));
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
	log_write(
	    LOG_INFO, "reloaded %s: %zu providers, %zu domains", path, np, nd);
}

/*
 * SIGTERM/SIGINT: stop accepting, and give requests in flight, and those
 * partly received, up to STOP_WAIT_MS to be answered; each connection is
 * closed after its answer.  Idle kept-alive connections are closed when
 * the process exits.
 */
static void
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
 * Raise the soft limit on descriptors to the hard limit, at most
 * CONN_FDS_MAX: idle connections cost a descriptor each and nothing
 * else.  No FD_SETSIZE cap is needed any more: libfcgi 2.4.2 waits with
 * poll(), not select(), in OS_Accept() and OS_Close() (the fix for
 * CVE-2012-6687), and we accept connections ourselves; its fd_set code
 * (OS_AsyncRead, OS_DoIo) is never called here.  Returns the soft limit,
 * which sizes conn_state.
 */
static size_t
fd_limit(void)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return CONN_FDS_GUESS;
	want = rl.rlim_max < CONN_FDS_MAX ? rl.rlim_max : CONN_FDS_MAX;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_write(
			    LOG_WARNING, "setrlimit: %s", strerror(errno));
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	return rl.rlim_cur < CONN_FDS_MAX ? (size_t)rl.rlim_cur
					  : (size_t)CONN_FDS_MAX;
}

/*
 * The transport's shared state: the connection table, the epoll
 * instance, and the listening socket in it, made non-blocking (a worker
 * that loses the race to accept gets EAGAIN).  Returns -1 (logged) on
 * failure.
 */
static int
transport_init(size_t nfds)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct epoll_event ev;
	int fl;

	conn_max = nfds;
	conn_state = calloc(nfds, sizeof(*conn_state));
	conn_partial = calloc(nfds, sizeof(*conn_partial));
	if (conn_state == NULL || conn_partial == NULL) {
		log_write(LOG_ERR, "out of memory for %zu connections", nfds);
		return -1;
	}
	if (getsockname(listen_fd, (struct sockaddr *)&ss, &len) == 0)
		listen_tcp =
		    ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.u64 = EV_LISTEN;
	if ((fl = fcntl(listen_fd, F_GETFL)) < 0 ||
	    fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    (epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
		log_write(LOG_ERR, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
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
		log_write(LOG_ERR, "pthread_sigmask: %s", strerror(rc));
		return -1;
	}
	return 0;
fail:
	log_write(LOG_ERR, "sigaction: %s", strerror(errno));
	return -1;
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
	if ((cfg = mac_cfg_load(path, err, sizeof(err))) == NULL) {
		log_lines(err, "", "");
		log_write(LOG_ERR, "not started: %s has errors", path);
		return 1;
	}
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
