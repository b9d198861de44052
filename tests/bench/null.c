/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * null-fcgi: the benchmark's null responder (tests/bench/run.sh).
 *
 * It answers like mailautoconf-fcgi but does no work: every answer is a
 * byte string loaded from a file at start, picked by comparing
 * REQUEST_METHOD and DOCUMENT_URI (and, when a rule says so, looking for
 * a substring of QUERY_STRING).  The files hold exactly what the real
 * responder writes to FCGI_STDOUT for the same request, headers included,
 * so nginx and the client see the same bytes.  Its throughput behind
 * nginx is the transport's ceiling: what FastCGI through nginx costs when
 * the answer is free.
 *
 * It is shaped like fcgi/transport.c on purpose: the same number of worker
 * threads, each calling FCGX_Accept_r() on the listening socket with no
 * lock, the request body read to the end, the answer handed to libfcgi in
 * one FCGX_PutStr().  A benchmark tool, never installed; not for
 * production.
 *
 * usage: null-fcgi [-n THREADS] [-s PATH] METHOD PATH QUERYSUB FILE ...
 *
 * Rules are tried in order; QUERYSUB "-" matches any query string.
 * Without -s it serves the socket inherited on fd 0 (spawn-fcgi).  A
 * request no rule matches gets a 500.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#define THREADS_DEFAULT 32 /* as mailautoconf-fcgi */
#define THREADS_MAX 1024
#define RULES_MAX 32
#define ANSWER_MAX (1024 * 1024)
#define BACKLOG 128 /* as mailautoconf-fcgi's LISTEN_BACKLOG */
#define DRAIN_BUF 4096

struct rule {
	const char *method;
	const char *path;
	const char *querysub; /* NULL: any query */
	char *answer;
	int len;
};

static struct rule rules[RULES_MAX];
static size_t nrules;
static int listen_fd;

static const char no_rule[] = "Status: 500 Internal Server Error\r\n"
			      "Content-Type: text/plain\r\n"
			      "Content-Length: 13\r\n\r\n"
			      "no null rule\n";

/* Load a whole file; returns its length or -1 (reported). */
static int
file_load(const char *path, char **out)
{
	FILE *f;
	char *buf;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "null-fcgi: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(ANSWER_MAX)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, ANSWER_MAX, f);
	fclose(f);
	if (n == 0 || n == ANSWER_MAX) {
		fprintf(stderr, "null-fcgi: %s: empty or too big\n", path);
		free(buf);
		return -1;
	}
	*out = buf;
	return (int)n;
}

/* The first rule matching the request, or NULL. */
static const struct rule *
rule_find(FCGX_Request *fr)
{
	const char *m = FCGX_GetParam("REQUEST_METHOD", fr->envp);
	const char *p = FCGX_GetParam("DOCUMENT_URI", fr->envp);
	const char *q = FCGX_GetParam("QUERY_STRING", fr->envp);
	size_t i;

	if (m == NULL || p == NULL)
		return NULL;
	for (i = 0; i < nrules; i++) {
		if (strcmp(m, rules[i].method) != 0 ||
		    strcmp(p, rules[i].path) != 0)
			continue;
		if (rules[i].querysub == NULL ||
		    (q != NULL && strstr(q, rules[i].querysub) != NULL))
			return &rules[i];
	}
	return NULL;
}

static void *
worker_main(void *arg)
{
	FCGX_Request fr;
	const struct rule *r;
	char drain[DRAIN_BUF];

	(void)arg;
	if (FCGX_InitRequest(&fr, listen_fd, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&fr) >= 0) {
		/* Read the body to its end, as the real responder does. */
		while (FCGX_GetStr(drain, sizeof(drain), fr.in) > 0)
			;
		if ((r = rule_find(&fr)) != NULL)
			FCGX_PutStr(r->answer, r->len, fr.out);
		else
			FCGX_PutStr(no_rule, (int)sizeof(no_rule) - 1, fr.out);
		FCGX_Finish_r(&fr);
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	pthread_t *tids;
	long nthreads = THREADS_DEFAULT;
	const char *sock = NULL;
	int c, i;

	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		switch (c) {
		case 'n':
			nthreads = strtol(optarg, NULL, 10);
			break;
		case 's':
			sock = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (nthreads < 1 || nthreads > THREADS_MAX || argc == 0 ||
	    argc % 4 != 0 || argc / 4 > RULES_MAX)
		goto usage;
	for (i = 0; i < argc; i += 4) {
		rules[nrules].method = argv[i];
		rules[nrules].path = argv[i + 1];
		if (strcmp(argv[i + 2], "-") != 0)
			rules[nrules].querysub = argv[i + 2];
		if ((rules[nrules].len =
			    file_load(argv[i + 3], &rules[nrules].answer)) < 0)
			return 1;
		nrules++;
	}

	/*
	 * libfcgi's FCGX_Init() catches SIGTERM and SIGUSR1 with handlers
	 * that only set a flag; give SIGTERM and SIGINT their defaults back
	 * so that the benchmark can stop us.
	 */
	if (FCGX_Init() != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	listen_fd = 0;
	if (sock != NULL && (listen_fd = FCGX_OpenSocket(sock, BACKLOG)) < 0) {
		fprintf(stderr, "null-fcgi: cannot listen on %s\n", sock);
		return 1;
	}
	if ((tids = calloc((size_t)nthreads, sizeof(*tids))) == NULL)
		return 1;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, worker_main, NULL) != 0)
			return 1;
	fprintf(stderr, "null-fcgi: started: %zu rules, %ld threads\n", nrules,
	    nthreads);
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	return 0;
usage:
	fprintf(stderr, "usage: null-fcgi [-n threads] [-s path] "
			"METHOD PATH QUERYSUB FILE ...\n");
	return 2;
}
