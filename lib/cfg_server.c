/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Configuration loader: server lines and authentication lists.
 *
 * server = TYPE HOST [PORT] [SOCKET] [auth=...] [username=...] and
 * authentication = M1, M2: the names of server types, socket types and
 * authentication methods (which the renderers print too), the
 * standard ports, and the handlers of those two keys.
 */

#include <string.h>

#include "cfg_int.h"

const char *const srv_type_names[SRV__MAX] = {
    [SRV_IMAP] = "imap",
    [SRV_POP3] = "pop3",
    [SRV_SMTP] = "smtp",
};

const char *const sock_type_names[SOCK__MAX] = {
    [SOCK_SSL] = "SSL",
    [SOCK_STARTTLS] = "STARTTLS",
    [SOCK_PLAIN] = "plain",
};

const char *const auth_method_names[AUTH__MAX] = {
    [AUTH_PASSWORD_CLEARTEXT] = "password-cleartext",
    [AUTH_PASSWORD_ENCRYPTED] = "password-encrypted",
    [AUTH_NTLM] = "NTLM",
    [AUTH_GSSAPI] = "GSSAPI",
    [AUTH_CLIENT_IP] = "client-IP-address",
    [AUTH_TLS_CLIENT_CERT] = "TLS-client-cert",
    [AUTH_OAUTH2] = "OAuth2",
    [AUTH_NONE] = "none",
    [AUTH_SMTP_AFTER_POP] = "smtp-after-pop",
};

/* Deprecated autoconfig spellings still accepted in the file. */
static const struct {
	const char *name;
	enum auth_method m;
} auth_aliases[] = {
    {"plain", AUTH_PASSWORD_CLEARTEXT},
    {"secure", AUTH_PASSWORD_ENCRYPTED},
};

/* Standard ports (RFC 8314 7.3, RFC 6409, RFC 3501, RFC 1939). */
static const unsigned default_ports[SRV__MAX][SOCK__MAX] = {
    [SRV_IMAP] = {[SOCK_SSL] = 993, [SOCK_STARTTLS] = 143, [SOCK_PLAIN] = 143},
    [SRV_POP3] = {[SOCK_SSL] = 995, [SOCK_STARTTLS] = 110, [SOCK_PLAIN] = 110},
    [SRV_SMTP] = {[SOCK_SSL] = 465, [SOCK_STARTTLS] = 587, [SOCK_PLAIN] = 587},
};

/*
 * Port 443 is the HTTPS port: an imap or smtp server there shares it by
 * the TLS ALPN name (nginx/mailautoconf-stream.conf), so it speaks TLS
 * from the first byte and only clients that send ALPN reach it.
 */
#define ALPN_PORT 443

/*
 * Parse an authentication list (names or aliases, case-insensitive,
 * separated by commas or blanks) into out.  smtp-after-pop is refused
 * unless type is SRV_SMTP or SRV__MAX (a provider-level list, checked
 * per server later).  Returns the count, or 0 after reporting a problem.
 */
static size_t
auth_parse(struct pst *st, const char *v, enum srv_type type, const char *host,
    enum auth_method *out)
{
	char q[CFG_QUOTE_BUF];
	const char *t;
	size_t tl, n = 0, i, k;
	enum auth_method a;

	while (tok_next(&v, " \t,", &t, &tl)) {
		a = AUTH__MAX;
		for (k = 0; k < AUTH__MAX; k++)
			if (ascii_caseeq(t, tl, auth_method_names[k]))
				a = (enum auth_method)k;
		for (k = 0; k < sizeof(auth_aliases) / sizeof(auth_aliases[0]);
		     k++)
			if (ascii_caseeq(t, tl, auth_aliases[k].name))
				a = auth_aliases[k].m;
		if (a == AUTH__MAX) {
			cfg_err(st, st->name, st->lineno,
			    "unknown authentication method '%s'",
			    quote(q, t, tl));
			return 0;
		}
		for (i = 0; i < n; i++)
			if (out[i] == a) {
				cfg_err(st, st->name, st->lineno,
				    "duplicate authentication method '%s'",
				    auth_method_names[a]);
				return 0;
			}
		if (a == AUTH_SMTP_AFTER_POP && type != SRV_SMTP &&
		    type != SRV__MAX) {
			cfg_err(st, st->name, st->lineno,
			    "smtp-after-pop is only for smtp servers, not %s "
			    "%s",
			    srv_type_names[type], host);
			return 0;
		}
		out[n++] = a;
	}
	if (n == 0)
		cfg_err(st, st->name, st->lineno, "no authentication method");
	return n;
}

void
key_auth(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	(void)kd;
	(void)p;
	m->nauth = auth_parse(st, v, SRV__MAX, NULL, m->auth);
}

/*
 * Mark srv if it is on the ALPN port, and keep the ALPN servers last: an
 * ALPN server is imap or smtp with TLS from the first byte, and no server
 * of the same direction (incoming, outgoing) may follow one, so that the
 * clients that take the first server never take it
 * (tests/clients/README.md §8).  -1 after reporting a problem.
 */
static int
alpn_check(struct pst *st, const struct cfg_provider *p, struct cfg_server *srv)
{
	size_t i;

	if (srv->port != ALPN_PORT) {
		for (i = 0; i < p->nservers; i++)
			if (p->servers[i].alpn &&
			    (p->servers[i].type == SRV_SMTP) ==
				(srv->type == SRV_SMTP)) {
				cfg_err(st, st->name, st->lineno,
				    "%s server after one on port %d: servers "
				    "on port %d (ALPN) come last",
				    srv_type_names[srv->type], ALPN_PORT,
				    ALPN_PORT);
				return -1;
			}
		return 0;
	}
	if (srv->type == SRV_POP3) {
		cfg_err(st, st->name, st->lineno,
		    "pop3 on port %d: only imap and smtp are routed there by "
		    "ALPN",
		    ALPN_PORT);
		return -1;
	}
	if (srv->sock != SOCK_SSL) {
		cfg_err(st, st->name, st->lineno,
		    "%s on port %d needs SSL: the port is shared by ALPN, TLS "
		    "from the first byte",
		    srv_type_names[srv->type], ALPN_PORT);
		return -1;
	}
	srv->alpn = 1;
	return 0;
}

/*
 * server = TYPE HOST [PORT] [SOCKET] [auth=M1,M2] [username=TEMPLATE];
 * after HOST the fields may come in any order.
 */
void
key_server(struct pst *st, const struct keydef *kd, struct cfg_provider *p,
    struct sec_meta *m, const char *v)
{
	char q[CFG_QUOTE_BUF], d[MAC_DOMAIN_MAX + 1],
	    tmp[MAC_CFG_VALUE_MAX + 1];
	struct cfg_server srv;
	struct srv_meta sm;
	const char *t, *why;
	size_t tl, dlen, k;
	unsigned long port;
	int ntok = 0, have_port = 0, have_sock = 0;

	(void)kd;
	memset(&srv, 0, sizeof(srv));
	memset(&sm, 0, sizeof(sm));
	sm.line = st->lineno;
	if (p->nservers >= MAC_CFG_SERVERS_MAX) {
		cfg_err(st, st->name, st->lineno, "too many servers (max %d)",
		    MAC_CFG_SERVERS_MAX);
		return;
	}
	while (tok_next(&v, " \t", &t, &tl)) {
		ntok++;
		if (ntok == 1) {
			for (k = 0; k < SRV__MAX; k++)
				if (ascii_caseeq(t, tl, srv_type_names[k]))
					break;
			if (k == SRV__MAX) {
				cfg_err(st, st->name, st->lineno,
				    "bad server type '%s' (imap, pop3 or smtp)",
				    quote(q, t, tl));
				return;
			}
			srv.type = (enum srv_type)k;
		} else if (ntok == 2) {
			if (host_norm(t, tl, d, &dlen, &why) != MAC_OK) {
				cfg_err(st, st->name, st->lineno,
				    "bad host '%s': %s", quote(q, t, tl), why);
				return;
			}
			if ((srv.host = pool_strndup(st, d, dlen)) == NULL)
				return;
		} else if (*t >= '0' && *t <= '9') {
			if (have_port++) {
				cfg_err(st, st->name, st->lineno,
				    "server has two ports");
				return;
			}
			if (num_parse(t, tl, CFG_PORT_MAX, &port) == -1 ||
			    port == 0) {
				cfg_err(st, st->name, st->lineno,
				    "bad port '%s' (1-65535)", quote(q, t, tl));
				return;
			}
			srv.port = (unsigned)port;
		} else if (tl > strlen("auth=") &&
			   strncmp(t, "auth=", strlen("auth=")) == 0) {
			memcpy(tmp, t + strlen("auth="), tl - strlen("auth="));
			tmp[tl - strlen("auth=")] = '\0';
			if ((srv.nauth = auth_parse(
				 st, tmp, srv.type, srv.host, srv.auth)) == 0)
				return;
			sm.has_auth = 1;
		} else if (tl > strlen("username=") &&
			   strncmp(t, "username=", strlen("username=")) == 0) {
			t += strlen("username=");
			tl -= strlen("username=");
			if ((why = user_check(t, tl)) != NULL) {
				cfg_err(st, st->name, st->lineno,
				    "bad username '%s': %s", quote(q, t, tl),
				    why);
				return;
			}
			if ((srv.username = pool_strndup(st, t, tl)) == NULL)
				return;
			sm.has_user = 1;
		} else {
			for (k = 0; k < SOCK__MAX; k++)
				if (ascii_caseeq(t, tl, sock_type_names[k]))
					break;
			if (k == SOCK__MAX) {
				cfg_err(st, st->name, st->lineno,
				    "bad server field '%s'", quote(q, t, tl));
				return;
			}
			if (have_sock++) {
				cfg_err(st, st->name, st->lineno,
				    "server has two socket types");
				return;
			}
			srv.sock = (enum sock_type)k;
		}
	}
	if (ntok < 2) {
		cfg_err(st, st->name, st->lineno,
		    "server needs at least TYPE and HOST");
		return;
	}
	if (!have_sock)
		srv.sock = SOCK_SSL;
	if (!have_port)
		srv.port = default_ports[srv.type][srv.sock];
	if (alpn_check(st, p, &srv) == -1)
		return;
	m->srv[p->nservers] = sm;
	p->servers[p->nservers++] = srv;
}
