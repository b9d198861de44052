/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Declarations shared by the files of the responder binary (main.c,
 * log.c, listen.c, transport.c, request.c, reload.c), and not by the
 * library mac_front (front.h), which must stay free of I/O.
 */
#ifndef MAC_RESPONDER_H
#define MAC_RESPONDER_H

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include <fcgiapp.h>

#include "mailautoconf.h"
#include "mac_limits.h" /* MAC_BODY_MAX, MAC_OUT_MAX */
#include "front.h"      /* HTTP_HEAD_MAX */

#define PROG "mailautoconf-fcgi"

#define BACKLOG_MAX INT_MAX
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
#define MS_PER_SEC 1000
#define NS_PER_MS (1000 * 1000L)

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

/* log.c */
void log_init(void);
void log_vwrite(int, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
void log_write(int, const char *, ...) __attribute__((format(printf, 2, 3)));
void log_lib(const char *, ...) __attribute__((format(printf, 1, 2)));
void report(int, const char *, ...) __attribute__((format(printf, 2, 3)));
const char *err_next(const char **p, int *len);
void log_lines(const char *err, const char *pre, const char *post);
void log_warnings(const char *warn);

/* main.c */
int opt_number(const char *s, long lo, long hi, long *out);

/* listen.c */
extern int listen_backlog;
int sock_unix(const char *path);
int sock_tcp(const char *spec);
int sock_inherited(int set_backlog);
int backlog_default(void);

/* request.c */
extern int debug_log;
int req_serve(struct worker *w, FCGX_Request *fr);

/* transport.c */
extern int epoll_fd;
extern int listen_fd;
extern atomic_int stopping;
extern atomic_int inflight;
extern atomic_int partial;
size_t fd_limit(void);
int transport_init(size_t nfds);
void *worker_main(void *arg);

/* reload.c */
void cfg_reload(const char *path);
void serve_stop(const char *unix_path);
int sig_setup(sigset_t *set);

#endif
