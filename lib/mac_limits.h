/*
 * mailautoconf: named limits.
 *
 * Every size or count that bounds request handling or configuration lives
 * here, so that no .c file holds a bare limit.  Nothing here allocates.
 */
#ifndef MAC_MAC_LIMITS_H
#define MAC_MAC_LIMITS_H

#define MAC_BODY_MAX (16 * 1024)   /* Autodiscover POST body */
#define MAC_EMAIL_MAX 254          /* RFC 5321 4.5.3.1.3 */
#define MAC_LOCAL_MAX 64           /* RFC 5321 4.5.3.1.1 */
#define MAC_DOMAIN_MAX 253         /* RFC 1035 2.3.4, text form */
#define MAC_LABEL_MAX 63           /* RFC 1035 2.3.4 */
#define MAC_XML_DEPTH_MAX 8        /* Autodiscover request nesting */
#define MAC_XML_STACK_MAX 16       /* open elements in the writer */
#define MAC_QUERY_MAX 2048         /* query string */
#define MAC_QUERY_KEYS_MAX 32      /* key=value pairs in a query string */
#define MAC_HOST_MAX 255           /* Host header */
#define MAC_OUT_MAX (64 * 1024)    /* one response body */
#define MAC_ARENA_MAX (256 * 1024) /* request scratch, expat included */
#define MAC_SCHEMA_MAX 256         /* AcceptableResponseSchema text */
#define MAC_NAME_MAX 128           /* mobileconfig account name */
#define MAC_MC_ADDRS_MAX 10        /* addresses in one mobileconfig */
#define MAC_QR_URL_MAX 1024        /* profile URL in a QR code (version 28) */
#define MAC_QR_PX 360              /* QR PNG side, about, in pixels */
#define MAC_TPL_SEGS_MAX 129       /* a template's literals and holes */

#define MAC_CFG_LINE_MAX 4096        /* one INI line */
#define MAC_CFG_VALUE_MAX 2048       /* one INI value (URLs, lists) */
#define MAC_CFG_SERVERS_MAX 16       /* servers per provider */
#define MAC_CFG_PROVIDERS_MAX 100000 /* providers per file */
#define MAC_CFG_DOMAINS_MAX 10000000 /* domains in all */
#define MAC_CFG_ERRORS_MAX 20        /* problems reported per load */
#define MAC_CFG_ERR_MAX 4096         /* error text from one load */
#define MAC_CFG_TTL_MAX 8760         /* Autodiscover TTL, hours (a year) */
#define MAC_CFG_TEXT_MAX 200         /* display-name and other texts */
#define MAC_CFG_QUOTE_MAX 100        /* bad value quoted in an error */
#define MAC_CFG_DOCS_MAX 8           /* documentation links per provider */
#define MAC_CFG_LANGS_MAX 16         /* texts of one link or instruction */
#define MAC_CFG_NOTES_MAX 16         /* setup-note lines per provider */
#define MAC_CFG_LANG_MAX 35          /* language tag (RFC 5646 4.4.1) */
#define MAC_CFG_LONGTEXT_MAX 1000    /* enable-text and setup-note */
#define MAC_CFG_FIELD_MAX 100        /* a login form field's id or name */
#define MAC_CFG_TEXTS_MAX 4096       /* those texts and URLs, one provider */
#define MAC_CFG_POP3_DAYS_MAX 3650   /* pop3-days-on-server */
#define MAC_CFG_FILE_MAX (256L * 1024 * 1024) /* INI or domain list */

#endif
