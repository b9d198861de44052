/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * QR codes of the profile link: /mobileconfig.qrcode.png and .svg take
 * the query /mobileconfig takes (parse_mobileconfig()) and encode the
 * absolute URL of that profile, error correction level M (libqrencode).
 * The URL comes from the first address's provider, its mobileconfig-url
 * or https://autoconfig.<domain>/mobileconfig, never from the Host
 * header.  The PNG is written by libpng's simplified API into the
 * answer's buffer, the SVG by the escaping writer.  Errors are plain
 * text (render_err_text()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "endpoint.h"

/* Light modules around the code, as ISO/IEC 18004 section 9.1 asks. */
#define QR_QUIET 4
/* Pixels per module of the PNG: at least, at most. */
#define QR_SCALE_MIN 2
#define QR_SCALE_MAX 8
/* The URL's fixed parts: "https://autoconfig.", "/mobileconfig" and one
 * "&emailaddress=" and "%40" per address, with "&name=". */
#define QR_URL_SLACK (64 + MAC_DOMAIN_MAX + 20 * MAC_MC_ADDRS_MAX)

/* One address "local@domain" into b as a query value. */
static void
qr_addr(struct mac_buf *b, const struct addr *ad)
{
	url_qval(b, ad->local.p, ad->local.len);
	buf_put(b, "%40", 3);
	url_qval(b, ad->domain.p, ad->domain.len);
}

/*
 * The absolute URL of the profile a asks for, into the arena: the first
 * provider's mobileconfig-url or https://autoconfig.<first domain>/
 * mobileconfig, then every address as an emailaddress parameter and the
 * name if given.  NULL when it does not fit MAC_QR_URL_MAX (r->why says
 * so) or the arena is full.
 */
const char *
mc_url(const struct ask *a, struct mac_resp *r)
{
	struct mac_buf b;
	size_t i, n = a->naccts > 0 ? a->naccts : 1;

	/* Room for anything a query can give: each byte of its values is
	 * written as at most three; the length is checked at the end. */
	memset(&b, 0, sizeof(b));
	b.cap = MAC_CFG_VALUE_MAX + 3 * MAC_QUERY_MAX + QR_URL_SLACK;
	if ((b.p = arena_alloc(&r->arena, b.cap + 1)) == NULL)
		return NULL;
	if (a->prov->mc_url != NULL)
		buf_puts(&b, a->prov->mc_url);
	else {
		buf_puts(&b, "https://autoconfig.");
		buf_put(&b, a->addr.domain.p, a->addr.domain.len);
		buf_puts(&b, "/mobileconfig");
	}
	for (i = 0; i < n; i++) {
		buf_puts(&b, i == 0 ? "?emailaddress=" : "&emailaddress=");
		qr_addr(&b, a->naccts > 0 ? &a->accts[i].addr : &a->addr);
	}
	if (a->name.len > 0) {
		buf_puts(&b, "&name=");
		url_qval(&b, a->name.p, a->name.len);
	}
	if (b.err != MAC_OK || b.len > MAC_QR_URL_MAX) {
		r->why = "profile URL too long for a QR code";
		return NULL;
	}
	b.p[b.len] = '\0';
	return b.p;
}

/*
 * The QR code of a's profile URL, or NULL with the error in *e: the URL
 * too long (MAC_EINPUT) or libqrencode out of memory.  QRcode_free() it.
 */
static QRcode *
qr_make(const struct ask *a, struct mac_resp *r, enum mac_err *e)
{
	const char *url;
	QRcode *q;

	if ((url = mc_url(a, r)) == NULL) {
		*e = r->arena.failed ? MAC_ENOMEM : MAC_EINPUT;
		return NULL;
	}
	errno = 0;
	if ((q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL) {
		if (errno == ERANGE) {
			r->why = "profile URL too long for a QR code";
			*e = MAC_EINPUT;
		} else {
			mac_log("%s: QRcode_encodeString failed", __func__);
			*e = MAC_ENOMEM;
		}
	}
	return q;
}

/* Whether the module at x, y (quiet zone included) is dark. */
static int
qr_dark(const QRcode *q, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

/*
 * The QR code as an 8-bit grey PNG of about MAC_QR_PX pixels a side,
 * written into the answer's buffer by libpng from a pixel array in the
 * arena.
 */
enum mac_err
render_qr_png(const struct ask *a, struct mac_resp *r)
{
	enum mac_err e = MAC_OK;
	QRcode *q;
	png_image img;
	png_alloc_size_t size;
	unsigned char *pix;
	int side, scale, x, y;

	if ((q = qr_make(a, r, &e)) == NULL)
		return e;
	side = q->width + 2 * QR_QUIET;
	scale = MAC_QR_PX / side;
	if (scale < QR_SCALE_MIN)
		scale = QR_SCALE_MIN;
	if (scale > QR_SCALE_MAX)
		scale = QR_SCALE_MAX;
	if ((pix = arena_alloc(&r->arena,
		 (size_t)(side * scale) * (size_t)(side * scale))) == NULL) {
		QRcode_free(q);
		return MAC_ENOMEM;
	}
	for (y = 0; y < side * scale; y++)
		for (x = 0; x < side * scale; x++)
			pix[(size_t)y * (size_t)(side * scale) + (size_t)x] =
			    qr_dark(q, x / scale, y / scale) ? 0 : 255;
	QRcode_free(q);

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = img.height = (png_uint_32)(side * scale);
	img.format = PNG_FORMAT_GRAY;
	size = r->body.cap - r->body.len;
	if (!png_image_write_to_memory(&img, r->body.p + r->body.len, &size, 0,
		pix, side * scale, NULL) ||
	    size > r->body.cap - r->body.len) {
		mac_log("%s: %s", __func__,
		    img.warning_or_error ? img.message : "too large");
		png_image_free(&img);
		return MAC_ENOMEM;
	}
	r->body.len += size;
	return MAC_OK;
}

/*
 * The QR code as SVG: a white square and one path that draws each run of
 * dark modules of a row as a horizontal line one module thick.
 */
enum mac_err
render_qr_svg(const struct ask *a, struct mac_resp *r)
{
	enum mac_err e = MAC_OK;
	struct xml_w w;
	struct mac_buf d;
	QRcode *q;
	char box[32], side_s[16], px[16], run[48];
	int side, x, y, x0;

	if ((q = qr_make(a, r, &e)) == NULL)
		return e;
	side = q->width + 2 * QR_QUIET;
	memset(&d, 0, sizeof(d));
	d.cap = MAC_OUT_MAX / 2;
	if ((d.p = arena_alloc(&r->arena, d.cap + 1)) == NULL) {
		QRcode_free(q);
		return MAC_ENOMEM;
	}
	for (y = 0; y < side; y++)
		for (x = 0; x < side; x++) {
			if (!qr_dark(q, x, y))
				continue;
			for (x0 = x; x < side && qr_dark(q, x, y); x++)
				;
			snprintf(
			    run, sizeof(run), "M%d %d.5h%d", x0, y, x - x0);
			buf_puts(&d, run);
		}
	QRcode_free(q);
	if (d.err != MAC_OK)
		return MAC_ENOMEM;
	d.p[d.len] = '\0';

	snprintf(box, sizeof(box), "0 0 %d %d", side, side);
	snprintf(side_s, sizeof(side_s), "%d", side);
	snprintf(px, sizeof(px), "%d", side * QR_SCALE_MAX);
	xml_init(&w, &r->body, 1, NULL);
	xml_open(&w, "svg", "xmlns", "http://www.w3.org/2000/svg", "viewBox",
	    box, "width", px, "height", px, "shape-rendering", "crispEdges",
	    XML_END);
	xml_empty(&w, "rect", "width", side_s, "height", side_s, "fill", "#fff",
	    XML_END);
	xml_empty(&w, "path", "stroke", "#000", "d", d.p, XML_END);
	xml_end(&w);
	return MAC_OK;
}
