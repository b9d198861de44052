/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Declarations shared by the route table (route.c), the endpoint files
 * (ep_*.c) with their common helpers (parse_common.c, render_common.c)
 * and the precomputed answers (tpl.c).  Nothing outside lib/ and tests/
 * may include this file.
 */
#ifndef MAC_ENDPOINT_H
#define MAC_ENDPOINT_H

#include "extern.h"

#define CT_XML "text/xml; charset=utf-8"
#define CT_JSON "application/json; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_PROFILE "application/x-apple-aspen-config"
#define CT_PNG "image/png"
#define CT_SVG "image/svg+xml; charset=utf-8"
#define CT_HTML "text/html; charset=utf-8"

/* ---- parsers, one per endpoint family (ep_*.c) ---- */

/*
 * Each turns the query string, the path tail or the body into a; on an
 * error r->why says what was wrong.  tail is what follows "path/" on a
 * route with subpaths (tail.p == NULL: the path had none).
 */
enum mac_err parse_autoconfig(const struct mac_cfg *, const struct mac_req *,
    struct mac_str tail, struct mac_resp *, struct ask *);
enum mac_err parse_pox(const struct mac_cfg *, const struct mac_req *,
    struct mac_str tail, struct mac_resp *, struct ask *);
enum mac_err parse_json(const struct mac_cfg *, const struct mac_req *,
    struct mac_str tail, struct mac_resp *, struct ask *);
enum mac_err parse_mobileconfig(const struct mac_cfg *, const struct mac_req *,
    struct mac_str tail, struct mac_resp *, struct ask *);

/* ---- what the parsers share (parse_common.c) ---- */

enum mac_err ask_provider(
    const struct mac_cfg *cfg, struct mac_resp *r, struct ask *a);
enum mac_err ask_address(
    struct mac_resp *r, const char *p, size_t len, struct ask *a);

/* ---- what the renderers share (render_common.c) ---- */

const char *expand(
    struct mac_arena *ar, const char *tmpl, const struct addr *ad, int all);
const char *dom_fill(
    struct mac_arena *ar, const char *s, const struct addr *ad);
int is_incoming(enum srv_type t);
void url_host_port(struct mac_arena *ar, const char *url, const char **host,
    unsigned long *port);
const char *dav_user(const struct cfg_provider *p);

/* ---- the profile's identifier and UUIDs (ep_mobileconfig.c) ---- */

int uuid5(const struct ask *a, char out[37], const char *s);
const char *mc_ident(struct mac_arena *ar, const struct ask *a);

/* ---- the profile link and its QR code (ep_qrcode.c) ---- */

const char *mc_url(const struct ask *a, struct mac_resp *r);
enum mac_err render_qr_png(const struct ask *, struct mac_resp *);
enum mac_err render_qr_svg(const struct ask *, struct mac_resp *);

/* ---- the setup page (ep_setup.c) ---- */

enum mac_err parse_setup(const struct mac_cfg *, const struct mac_req *,
    struct mac_str tail, struct mac_resp *, struct ask *);
enum mac_err render_setup(const struct ask *, struct mac_resp *);
void render_err_html(enum mac_err, const struct ask *, struct mac_resp *);

/* ---- precomputed answers (tpl.c) ---- */

extern const char hole_str[HOLE__END][2];
extern const char *const uuid_suffix[HOLE__END];
const struct tpl *tpl_pick(const struct ask *, enum tpl_kind, int);
enum mac_err tpl_emit(
    const struct tpl *, const struct ask *, struct mac_resp *);

#endif
