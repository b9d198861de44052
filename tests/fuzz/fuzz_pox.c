/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * libFuzzer target: the input is the body of an Autodiscover POX POST to
 * /autodiscover/autodiscover.xml, answered by mac_handle() from
 * tests/golden/full.ini (compiled in; MAC_FUZZ_INI=path replaces it).
 * A body over MAC_BODY_MAX is cut and flagged as the front end does.
 *
 * Invariants: every answer passes fuzz_check_resp() (well-formed XML
 * with only the names the renderers write, no sticky error, no
 * MAC_ENOMEM); the code is one the POX route can give for a POST; the
 * same request answered twice gives the same bytes (no state carried
 * between requests).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"

#define POX_PATH "/autodiscover/autodiscover.xml"
#define POX_HOST "autodiscover.brand.example"
#define POX_CT "text/xml; charset=utf-8"
#define FUZZ_NOW_MS 34267123u /* as the golden tests */

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	(void)fuzz_config(FUZZ_INI_FULL);
	(void)fuzz_resp();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_snap snap;
	const struct mac_cfg *cfg = fuzz_config(FUZZ_INI_FULL);
	struct mac_resp *r = fuzz_resp();
	struct mac_req req;
	enum mac_err e;

	memset(&req, 0, sizeof(req));
	req.method = MAC_M_POST;
	req.path.p = POX_PATH;
	req.path.len = strlen(POX_PATH);
	req.host.p = POX_HOST;
	req.host.len = strlen(POX_HOST);
	req.content_type.p = POX_CT;
	req.content_type.len = strlen(POX_CT);
	req.body.p = (const char *)data;
	req.body.len = size;
	if (size > MAC_BODY_MAX) {
		req.body.len = MAC_BODY_MAX;
		req.body_too_big = 1;
	}
	req.now_ms = FUZZ_NOW_MS;

	e = mac_handle(cfg, &req, r);
	fuzz_check_resp(&req, e, r);
	FUZZ_CHECK(strcmp(r->content_type, POX_CT) == 0, "POX answer as '%s'",
	    r->content_type);
	switch (e) {
	case MAC_OK:
	case MAC_EINPUT:
	case MAC_ENODOMAIN:
	case MAC_ENOSCHEMA:
		break;
	case MAC_ENOREQUEST:
		FUZZ_CHECK(size == 0, "no request, yet %zu octets", size);
		break;
	case MAC_ETOOBIG:
		FUZZ_CHECK(req.body_too_big, "too big at %zu octets", size);
		break;
	default:
		FUZZ_CHECK(0, "code %d (%s) from the POX route", (int)e,
		    r->why != NULL ? r->why : "");
	}

	fuzz_snap_take(&snap, e, r);
	e = mac_handle(cfg, &req, r);
	fuzz_snap_same(&snap, e, r);
	return 0;
}
