/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The listening socket: a unix socket (-s unix:/path), a TCP socket
 * (-s ADDR:PORT) or the one spawn-fcgi leaves on fd 0, with its backlog.
 * Only start-up calls this file; the transport (transport.c) accepts
 * from the descriptor it returns.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h> /* LOG_ERR */
#include <unistd.h>

#include "responder.h"

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
#define BACKLOG_TEXT_MAX 32
#define SOCK_UMASK 0117 /* a new unix socket gets mode 0660 */
#define SOCK_MODE 0660

int listen_backlog; /* -b, or backlog_default() */

/*
 * Open a unix socket at path with mode 0660.  A stale socket left by a
 * dead process is removed first; a live one, or any other kind of file,
 * is an error.  Returns the listening descriptor or -1 (logged).
 */
int
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
int
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
int
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
int
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
