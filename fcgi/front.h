/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The front end's pure formatting layer (library mac_front): the single
 * mapping from enum mac_err to an HTTP status, the reason phrases, and the
 * CGI response header block (RFC 3875 §6.3) in http.c; the request and
 * answer marshalling in marshal.c.  Linked by the FastCGI binary
 * and by the golden-test driver alike, so nothing declared here may do
 * I/O, allocate or keep state.
 */
#ifndef MAC_FRONT_H
#define MAC_FRONT_H

#include <stddef.h>

#include "mailautoconf.h"

/* Room for any header block http_head() writes, NUL included. */
#define HTTP_HEAD_MAX (1024 + MAC_FILENAME_MAX)

int http_status(enum mac_err);
const char *http_reason(int status);
size_t http_head(char *out, size_t cap, enum mac_err, const struct mac_resp *);

/*
 * A FastCGI parameter lookup: the value of the parameter name,
 * NUL-terminated, or NULL if the request has none.  ctx is the caller's.
 */
typedef const char *(*marshal_param_fn)(void *ctx, const char *name);
void marshal_req(struct mac_req *, marshal_param_fn, void *ctx);
size_t marshal_answer(char *out, size_t cap, enum mac_method, enum mac_err,
    struct mac_resp *, int *fallback);

#endif
