/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * What the import's three files share: its limits, the element kinds,
 * the parsed provider and server, the import's state and the helpers
 * import.c gives the expat handlers (import_xml.c) and the writer
 * (import_write.c).
 */
#ifndef MAC_IMPORT_INT_H
#define MAC_IMPORT_INT_H

#include <expat.h>
#include <stddef.h>

#include "cfg_int.h"

#define IMP_DEPTH_MAX 32
#define IMP_TEXT_MAX MAC_CFG_VALUE_MAX /* longest value kept */
#define IMP_AUTH_MAX 12
#define IMP_SRV_PARSED_MAX 64
#define IMP_NOTE_MAX 512
#define IMP_QUOTE_MAX 60                /* bytes of a value in a note */
#define IMP_XML_MAX (64L * 1024 * 1024) /* one file: expat takes an int */
#define IMP_DOMS_CHUNK 1024             /* first size of a domain list */
#define IMP_SEEN_CHUNK 64               /* first size of the seen list */

/* What an open element is; K_SKIP: inside something already reported. */
enum kind {
	K_SKIP = 0,
	K_DOC_ROOT, /* outside any element */
	K_ROOT,     /* clientConfig */
	K_PROV,
	K_DOMAIN,
	K_DISPNAME,
	K_SHORTNAME,
	K_SRV,
	K_HOST,
	K_PORT,
	K_SOCK,
	K_USER,
	K_AUTH,
	K_POP3,
	K_LEAVE,
	K_DAYS,
	K_DOC,
	K_DESCR,
	K_WEBMAIL,
	K_LOGINPAGE,
	K_OAUTH,
	K_ISSUER,
	K_SCOPE,
	K_AUTHURL,
	K_TOKENURL,
	K_ENABLE,    /* emailProvider's enable */
	K_INSTR,     /* its instruction */
	K_LOGININFO, /* webMail's loginPageInfo */
	K_LI_USER,   /* its username */
	K_LI_UFIELD, /* usernameField */
	K_LI_PFIELD, /* passwordField */
	K_LI_BUTTON, /* loginButton */
	K_IGNORED,   /* known and without meaning for the INI: no note */
};

/* The autoconfig vocabulary the INI accepts, as the loader spells it. */
#define NAUTH 9
extern const char *const imp_auth_names[NAUTH];
#define AUTH_SMTP_AFTER_POP 8

enum stype { ST_IMAP, ST_POP3, ST_SMTP };
extern const char *const imp_stype_names[3];
enum sock { SO_NONE = -1, SO_SSL, SO_STARTTLS, SO_PLAIN };
extern const char *const imp_sock_names[3];

struct srv {
	enum stype type;
	unsigned line;
	char host[MAC_DOMAIN_MAX + 1];
	unsigned long port;
	int sock;
	int auth[IMP_AUTH_MAX];
	size_t nauth;
	char user[MAC_CFG_TEXT_MAX + 1];
	int has_user; /* a <username>, even one the INI refuses */
	int bad;      /* reported and left out */
};

/* A text in one language (descr, instruction). */
struct imp_text {
	char lang[MAC_CFG_LANG_MAX + 1];
	char text[MAC_CFG_LONGTEXT_MAX + 1];
};

/* A documentation link and its texts. */
struct imp_doc {
	char url[IMP_TEXT_MAX + 1];
	struct imp_text t[MAC_CFG_LANGS_MAX];
	size_t nt;
};

/* The login form of loginPageInfo: id and name of usernameField,
 * passwordField and loginButton, in that order. */
#define IMP_LOGIN_FIELDS 6
struct imp_login {
	unsigned line; /* 0: none */
	char url[IMP_TEXT_MAX + 1];
	char user[MAC_CFG_TEXT_MAX + 1];
	char field[IMP_LOGIN_FIELDS][MAC_CFG_FIELD_MAX + 1];
};

struct prov {
	unsigned line;
	char id[MAC_DOMAIN_MAX + 1];
	char display[MAC_CFG_TEXT_MAX + 1];
	char shortname[MAC_CFG_TEXT_MAX + 1];
	char *doms; /* NUL-separated, malloc'd */
	size_t domslen, domscap, ndoms;
	struct srv srv[IMP_SRV_PARSED_MAX];
	size_t nsrv;
	int leave; /* -1 unset */
	unsigned long days;
	struct imp_doc docs[MAC_CFG_DOCS_MAX];
	size_t ndocs;
	char enable_url[IMP_TEXT_MAX + 1]; /* "": no enable element */
	struct imp_text enable[MAC_CFG_LANGS_MAX];
	size_t nenable;
	struct imp_login login;
	char webmail[IMP_TEXT_MAX + 1];
	char oauth[4][IMP_TEXT_MAX + 1]; /* issuer scope authURL tokenURL */
	unsigned oauth_line;
};

struct mac_import {
	char **seen; /* domains and ids written so far, over all files */
	size_t nseen, seencap;
	/* One file's parse. */
	XML_Parser xp;
	const char *name;
	struct mac_buf *out, *notes;
	enum kind stack[IMP_DEPTH_MAX];
	unsigned depth, lost_depth; /* lost_depth: elements past the stack */
	char text[IMP_TEXT_MAX + 1];
	size_t tlen;
	int tlong;
	struct prov *p; /* the open emailProvider, or NULL */
	struct srv *s;  /* the open server, or NULL */
	struct prov cur;
	/* Provider-level things outside emailProvider (webMail, oAuth2). */
	char webmail[IMP_TEXT_MAX + 1];
	char oauth[4][IMP_TEXT_MAX + 1];
	unsigned oauth_line;
	struct imp_login login;
	char lang[MAC_CFG_LANG_MAX + 1]; /* of the open descr or instruction */
	/* This file's notes, written again as comments under its sections. */
	size_t notes_start;
	int nomem;
};

/* import.c */
int imp_seen_has(const struct mac_import *, const char *);
void imp_seen_add(struct mac_import *, const char *);
void imp_quoted(char *, size_t, const char *);
void imp_note(struct mac_import *, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
unsigned imp_cur_line(const struct mac_import *);
void imp_squeeze(char *);
const char *imp_attr(const XML_Char **, const char *);
const char *imp_url_check(const char *, int);
int imp_has_placeholder(const char *);
int imp_other_placeholder(const char *);
void imp_prov_reset(struct prov *);
void imp_prov_dom_add(struct mac_import *, const char *);

/* import_xml.c: the expat handlers */
void XMLCALL imp_on_start(void *, const XML_Char *, const XML_Char **);
void XMLCALL imp_on_text(void *, const XML_Char *, int);
void XMLCALL imp_on_end(void *, const XML_Char *);

/* import_write.c */
void imp_write_prov(struct mac_import *, struct prov *);
void imp_write_notes(struct mac_import *);

#endif
