/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * What every renderer shares: username placeholders (%EMAILADDRESS% and
 * friends), the domain put into host names, display names and URLs, a
 * URL's host and port, the DAV login, and the plain-text error answer.  Like
 * every renderer, nothing here escapes: xml.c does.
 */
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"

enum placeholder { PH_ADDRESS = 0, PH_LOCALPART, PH_DOMAIN, PH__MAX };

static const char *const placeholders[PH__MAX] = {
    [PH_ADDRESS] = "%EMAILADDRESS%",
    [PH_LOCALPART] = "%EMAILLOCALPART%",
    [PH_DOMAIN] = "%EMAILDOMAIN%",
};

/* The enabled placeholder starting at t (its length in *len), or PH__MAX. */
static size_t
ph_at(const char *t, const int ok[PH__MAX], size_t *len)
{
	size_t i;

	if (*t != '%')
		return PH__MAX;
	for (i = 0; i < PH__MAX; i++) {
		*len = strlen(placeholders[i]);
		if (ok[i] && strncmp(t, placeholders[i], *len) == 0)
			return i;
	}
	return PH__MAX;
}

/*
 * Expand a username template into the arena.  %EMAILDOMAIN% is always
 * filled in (Evolution leaves it empty); %EMAILADDRESS% and
 * %EMAILLOCALPART% only when all is set and the local part is known,
 * otherwise they stay for the client to fill.  Returns NULL when the
 * arena is full.
 */
const char *
expand(struct mac_arena *ar, const char *tmpl, const struct addr *ad, int all)
{
	struct mac_str val[PH__MAX];
	size_t n = 0, i, pl;
	const char *t;
	char *out, *o;
	int ok[PH__MAX];

	val[PH_ADDRESS] = ad->local; /* then '@' and the domain */
	val[PH_LOCALPART] = ad->local;
	val[PH_DOMAIN] = ad->domain;
	ok[PH_ADDRESS] = ok[PH_LOCALPART] = all && ad->local.len > 0;
	ok[PH_DOMAIN] = 1;

	/* Measure, then fill: one pass each over the template. */
	for (t = tmpl; *t != '\0';) {
		i = ph_at(t, ok, &pl);
		if (i == PH__MAX) {
			n++;
			t++;
			continue;
		}
		n += val[i].len + (i == PH_ADDRESS ? 1 + ad->domain.len : 0);
		t += pl;
	}
	if ((out = arena_alloc(ar, n + 1)) == NULL)
		return NULL;
	for (t = tmpl, o = out; *t != '\0';) {
		i = ph_at(t, ok, &pl);
		if (i == PH__MAX) {
			*o++ = *t++;
			continue;
		}
		memcpy(o, val[i].p, val[i].len);
		o += val[i].len;
		if (i == PH_ADDRESS) {
			*o++ = '@';
			memcpy(o, ad->domain.p, ad->domain.len);
			o += ad->domain.len;
		}
		t += pl;
	}
	*o = '\0';
	return out;
}

/*
 * Write s with each %EMAILDOMAIN% replaced by the dlen bytes at dom into
 * out, NUL-terminated, if its size allows; returns the length the result
 * needs, without its NUL, so out may be NULL to measure.  The one way a
 * configured host name, display name or URL gets the address's domain
 * (the renderers through dom_fill(), the records and certificate names
 * of mailautoconf's tools directly).
 */
size_t
dom_put(char *out, size_t size, const char *s, const char *dom, size_t dlen)
{
	const char *ph = placeholders[PH_DOMAIN];
	size_t n = 0, pl = strlen(ph), k;

	while (*s != '\0') {
		if (strncmp(s, ph, pl) == 0) {
			if (out != NULL && n + dlen < size)
				memcpy(out + n, dom, dlen);
			n += dlen;
			s += pl;
			continue;
		}
		for (k = 1; s[k] != '\0' && s[k] != '%'; k++)
			continue;
		if (out != NULL && n + k < size)
			memcpy(out + n, s, k);
		n += k;
		s += k;
	}
	if (out != NULL && n < size)
		out[n] = '\0';
	return n;
}

/*
 * A configured host name, display name or URL for the address ad: s with
 * the address's domain (lower case, A-labels, as the answer's domain
 * element has it) for each %EMAILDOMAIN%, in the arena, or s itself when
 * it holds none.  While a template is recorded the domain is its hole's
 * code, so the hole is recorded where the placeholder stood.  NULL
 * stays NULL; NULL too when the arena is full.
 */
const char *
dom_fill(struct mac_arena *ar, const char *s, const struct addr *ad)
{
	char *out;
	size_t n;

	if (s == NULL || strchr(s, '%') == NULL)
		return s;
	n = dom_put(NULL, 0, s, ad->domain.p, ad->domain.len);
	if ((out = arena_alloc(ar, n + 1)) == NULL)
		return NULL;
	(void)dom_put(out, n + 1, s, ad->domain.p, ad->domain.len);
	return out;
}

int
is_incoming(enum srv_type t)
{
	return t == SRV_IMAP || t == SRV_POP3;
}

/*
 * Host (into the arena) and port of an http(s) URL the configuration
 * validated; the port defaults to 443.
 */
void
url_host_port(struct mac_arena *ar, const char *url, const char **host,
    unsigned long *port)
{
	const char *h = strstr(url, "://"), *e;
	char *c;

	h = h != NULL ? h + 3 : url;
	for (e = h; *e != '\0' && *e != '/' && *e != ':'; e++)
		;
	*port = 443;
	if (*e == ':')
		*port = strtoul(e + 1, NULL, 10);
	*host = c = arena_strndup(ar, h, (size_t)(e - h));
	if (c == NULL)
		*host = "";
}

/* The login template for DAV: the first incoming server's. */
const char *
dav_user(const struct cfg_provider *p)
{
	size_t i;

	for (i = 0; i < p->nservers; i++)
		if (is_incoming(p->servers[i].type))
			return p->servers[i].username;
	return placeholders[PH_ADDRESS];
}

/* A plain-text reason, for the routes whose clients read no error body. */
void
render_err_text(enum mac_err e, const struct ask *a, struct mac_resp *r)
{
	(void)a;
	r->content_type = CT_TEXT;
	buf_puts(&r->body, r->why != NULL ? r->why : mac_strerror(e));
	buf_putc(&r->body, '\n');
}
