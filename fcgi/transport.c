/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The transport: one epoll instance shared by the worker threads, which
 * take turns waiting on it (leader/followers; no dispatcher thread, no
 * lock).  A worker that is woken accepts new connections, or takes one
 * readable connection, looks at what has arrived without consuming it
 * (records.c), and hands the connection to libfcgi only once a whole
 * request is there; so an idle or stalled connection costs a descriptor,
 * never a thread.  Who holds a connection is one word per descriptor,
 * changed by compare-and-swap.  Each request is then answered by
 * request.c.  No request input can end the process.
 */
#define _GNU_SOURCE /* accept4 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING */
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "records.h"
#include "responder.h"

/*
 * A worker reads or writes a connection only once epoll says it is ready
 * and a whole request has arrived, so these timeouts bind only a peer
 * that stops reading our answer, or stops sending in the middle of a
 * request larger than CONN_PEEK_MAX: after this long it loses its
 * connection.  Idle kept-alive connections are never timed out.
 */
#define CONN_STALL_MS 5000
#define CONN_FDS_MAX 65536  /* we raise RLIMIT_NOFILE's soft limit to this */
#define CONN_FDS_GUESS 1024 /* if getrlimit() fails */
#define ACCEPT_RETRY_MS 100 /* pause after a failed accept (EMFILE...) */
/*
 * Connections one wake-up accepts at most before the listening socket is
 * armed again (and the next wake-up, for those still queued, goes to
 * another worker); the one that accepts serves the first of them itself.
 */
#define ACCEPT_BATCH_MAX 64
/*
 * Closing a connection whose request body was not read to its end: stop
 * writing, then read and discard for at most this long, and at most this
 * much, before close() (nginx's lingering close).  A close() with unread
 * bytes queued sends a reset, which can reach nginx before it has read
 * the answer already written (a 413, say), and nginx then answers 502.
 */
#define LINGER_MS 500
#define LINGER_MAX (1024 * 1024)
#define US_PER_MS 1000

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

/* File scope, so leak checkers see them reachable at exit. */
static _Atomic uint64_t *conn_state; /* indexed by descriptor */
static unsigned char *conn_partial;  /* owner-only: part of a request queued */
static size_t conn_max;              /* entries in both */
int epoll_fd = -1;
int listen_fd = -1;
static int listen_tcp;
atomic_int stopping;
atomic_int inflight; /* requests being answered */
atomic_int partial;  /* connections with part of a request queued */
static atomic_long accept_log_sec;
static atomic_long bad_log_sec;

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
 * Close fd (generation gen, ours) after an answer, with input left
 * unread: shut down our side so the peer sees the whole answer and its
 * end, then discard what it still sends until it closes, LINGER_MS pass
 * or LINGER_MAX bytes are read, whichever comes first.  Holds the worker
 * for LINGER_MS at most, and only on this error path.
 */
static void
conn_linger(int fd, uint32_t gen)
{
	struct timespec t0, t;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char junk[4096];
	size_t total = 0;
	long left;
	ssize_t n;

	(void)shutdown(fd, SHUT_WR);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (total < LINGER_MAX) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = LINGER_MS - ((t.tv_sec - t0.tv_sec) * 1000L +
				       (t.tv_nsec - t0.tv_nsec) / NS_PER_MS);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = read(fd, junk, sizeof(junk));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	conn_close(fd, gen);
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
 *
 * All of this is libfcgi 2.4.2's behaviour, not its documented API, so
 * CMakeLists.txt accepts only that version (MAC_FCGI_VERSION) and ctest
 * libfcgi_version (tests/libfcgi-version.sh) fails if the headers, the
 * pkg-config module or the library the binary loads is another one.
 * Before moving the pin, read FCGX_Accept_r(), FCGX_Finish_r() and
 * OS_Close() of the new version against the paragraph above.
 */
static int
conn_serve(struct worker *w, FCGX_Request *fr, int fd, uint32_t gen)
{
	int linger = 0;

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
	else if (!fr->keepConnection && !FCGX_HasSeenEOF(fr->in)) {
		/* Input left unread: libfcgi keeps fd, we linger and close. */
		linger = 1;
		fr->keepConnection = 1;
	}
	if (!fr->keepConnection)
		conn_retire(fd, gen); /* FCGX_Finish_r() closes fd */
	FCGX_Finish_r(fr);
	atomic_fetch_sub(&inflight, 1);
	if (fr->ipcFd < 0) {
		conn_retire(fd, gen); /* closed after a failed write */
		return 0;
	}
	fr->ipcFd = -1; /* ours again; the next FCGX_Accept_r() gets it */
	if (linger) {
		conn_linger(fd, gen);
		return 0;
	}
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
void *
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
 * Raise the soft limit on descriptors to the hard limit, at most
 * CONN_FDS_MAX: idle connections cost a descriptor each and nothing
 * else.  No FD_SETSIZE cap is needed any more: libfcgi 2.4.2 waits with
 * poll(), not select(), in OS_Accept() and OS_Close() (the fix for
 * CVE-2012-6687), and we accept connections ourselves; its fd_set code
 * (OS_AsyncRead, OS_DoIo) is never called here.  Returns the soft limit,
 * which sizes conn_state.
 */
size_t
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
int
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
