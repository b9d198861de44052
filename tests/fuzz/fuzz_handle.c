/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * libFuzzer target: a whole request through mac_handle().  Input layout:
 *
 *	flags path 0xff query 0xff host 0xff content-type 0xff body
 *
 * flags bits 0-1 pick the method (OTHER, GET, HEAD, POST), bit 2 the
 * configuration (the shipped etc/mailautoconf.ini or
 * tests/golden/full.ini), bit 3 sets body_too_big and bits 4-5 the clock.
 * Missing fields are empty; the body is the rest and may hold 0xff.
 *
 * Invariants: every answer passes fuzz_check_resp() (content type set,
 * body non-empty without a sticky error, Allow with every 405, a safe
 * attachment name, XML well-formed with only the element and attribute
 * names the renderers write, JSON a flat object of strings, no
 * MAC_ENOMEM); and answering again, with GET and HEAD swapped, gives
 * the same code, headers and bytes: the routes treat the two alike and
 * nothing carries over from one request to the next; and rendering from
 * scratch (render_no_templates) gives those bytes too, so every
 * precomputed answer equals what the renderers write for the request.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"

#define SEP 0xff
#define F_METHOD 0x03
#define F_FULL 0x04
#define F_TOOBIG 0x08
#define F_CLOCK_SHIFT 4
#define F_CLOCK 0x03

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	(void)fuzz_config(FUZZ_INI_SHIPPED);
	(void)fuzz_config(FUZZ_INI_FULL);
	(void)fuzz_resp();
	return 0;
}

/* The next field: up to SEP, or the rest for the last one. */
static struct mac_str
field(const uint8_t **p, const uint8_t *end, int last)
{
	struct mac_str s = {(const char *)*p, 0};
	const uint8_t *q;

	if (last || (q = memchr(*p, SEP, (size_t)(end - *p))) == NULL)
		q = end;
	s.len = (size_t)(q - *p);
	*p = q < end ? q + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum mac_method methods[] = {
	    MAC_M_OTHER, MAC_M_GET, MAC_M_HEAD, MAC_M_POST};
	static const uint32_t clocks[] = {0, 34267123u, 86399999u, UINT32_MAX};
	static struct fuzz_snap snap;
	const uint8_t *p, *end = data + size;
	const struct mac_cfg *cfg;
	struct mac_resp *r = fuzz_resp();
	struct mac_req req;
	enum mac_err e;
	unsigned flags;

	if (size == 0)
		return 0;
	flags = data[0];
	p = data + 1;
	memset(&req, 0, sizeof(req));
	req.method = methods[flags & F_METHOD];
	req.path = field(&p, end, 0);
	req.query = field(&p, end, 0);
	req.host = field(&p, end, 0);
	req.content_type = field(&p, end, 0);
	req.body = field(&p, end, 1);
	if (req.body.len > MAC_BODY_MAX)
		req.body.len = MAC_BODY_MAX;
	req.body_too_big = (flags & F_TOOBIG) != 0 || size > MAC_BODY_MAX;
	req.now_ms = clocks[(flags >> F_CLOCK_SHIFT) & F_CLOCK];
	cfg = fuzz_config((flags & F_FULL) ? FUZZ_INI_FULL : FUZZ_INI_SHIPPED);

	e = mac_handle(cfg, &req, r);
	fuzz_check_resp(&req, e, r);

	fuzz_snap_take(&snap, e, r);
	if (req.method == MAC_M_GET)
		req.method = MAC_M_HEAD;
	else if (req.method == MAC_M_HEAD)
		req.method = MAC_M_GET;
	e = mac_handle(cfg, &req, r);
	fuzz_snap_same(&snap, e, r);

	/* The precomputed answers must equal rendering from scratch. */
	fuzz_snap_take(&snap, e, r);
	render_no_templates = 1;
	e = mac_handle(cfg, &req, r);
	render_no_templates = 0;
	fuzz_snap_same(&snap, e, r);
	return 0;
}
