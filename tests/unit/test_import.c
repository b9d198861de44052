/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Unit tests for lib/import.c (mailautoconf import), from a table of
 * clientConfig inputs: each must give the lines listed (in the output or
 * in the notes) and not those listed as absent, and every output with a
 * [provider] section must load.  Pinned: servers in order with port,
 * socket, per-server authentication and username; deprecated method
 * names; the provider named after its first domain; notes with
 * file:line for elements, placeholders, other languages, plain servers;
 * the commented-out provider; malformed XML with line and column; a
 * full output buffer as MAC_ENOMEM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define OUT_MAX (64 * 1024)

#define SRV_IN                                                                 \
	"<incomingServer type=\"imap\"><hostname>imap.a.example</hostname>"    \
	"<port>993</port><socketType>SSL</socketType>"                         \
	"<username>%EMAILLOCALPART%</username>"                                \
	"<authentication>plain</authentication></incomingServer>"
#define SRV_OUT                                                                \
	"<outgoingServer type=\"smtp\"><hostname>smtp.a.example</hostname>"    \
	"<port>587</port><socketType>STARTTLS</socketType>"                    \
	"<username>%EMAILADDRESS%</username>"                                  \
	"<authentication>secure</authentication>"                              \
	"<authentication>password-cleartext</authentication>"                  \
	"</outgoingServer>"

/* 100 bytes of text, and a documentation link with 16 such texts. */
#define T100                                                                   \
	"0123456789012345678901234567890123456789012345678901234567890123456"  \
	"789012345678901234567890123456789"
#define DOC16(u)                                                               \
	"<documentation url=\"https://a.example/" u "\">"                      \
	"<descr lang=\"aa\">" T100 "</descr>"                                  \
	"<descr lang=\"ab\">" T100 "</descr>"                                  \
	"<descr lang=\"ac\">" T100 "</descr>"                                  \
	"<descr lang=\"ad\">" T100 "</descr>"                                  \
	"<descr lang=\"ae\">" T100 "</descr>"                                  \
	"<descr lang=\"af\">" T100 "</descr>"                                  \
	"<descr lang=\"ag\">" T100 "</descr>"                                  \
	"<descr lang=\"ah\">" T100 "</descr>"                                  \
	"<descr lang=\"ai\">" T100 "</descr>"                                  \
	"<descr lang=\"aj\">" T100 "</descr>"                                  \
	"<descr lang=\"ak\">" T100 "</descr>"                                  \
	"<descr lang=\"al\">" T100 "</descr>"                                  \
	"<descr lang=\"am\">" T100 "</descr>"                                  \
	"<descr lang=\"an\">" T100 "</descr>"                                  \
	"<descr lang=\"ao\">" T100 "</descr>"                                  \
	"<descr lang=\"ap\">" T100 "</descr>"                                  \
	"</documentation>\n"

static const struct {
	const char *name;
	const char *xml;
	enum mac_err want;
	const char *has[4];   /* in the output or the notes */
	const char *hasnt[2]; /* in neither */
} cases[] = {
    {"servers",
	"<clientConfig version=\"1.1\"><emailProvider id=\"A.example\">"
	"<domain>a.example</domain><domain>B\xc3\xbc.example</domain>"
	"<displayName>A &amp; B</displayName>" SRV_IN SRV_OUT
	"</emailProvider></clientConfig>",
	MAC_OK,
	{"[provider a.example]\n", "domains = a.example xn--b-eha.example\n",
	    "username = %EMAILLOCALPART%\n",
	    "server = smtp smtp.a.example 587 STARTTLS "
	    "auth=password-encrypted,password-cleartext "
	    "username=%EMAILADDRESS%\n"},
	{"not imported", NULL}},
    {"id not a host name",
	"<clientConfig><emailProvider id=\"Brand\"><domain>a.example</domain>"
	"\n" SRV_IN SRV_OUT "</emailProvider></clientConfig>",
	MAC_OK,
	{"[provider a.example]\n",
	    "t.xml:1: emailProvider id 'Brand': domain needs at least two "
	    "labels",
	    NULL},
	{NULL}},
    {"notes with lines",
	"<clientConfig><emailProvider id=\"a.example\">\n"
	"<domain>a.example</domain>\n" SRV_IN "\n" SRV_OUT "\n"
	"<incomingServer "
	"type=\"pop3\"><hostname>pop.%EMAILLOCALPART%</hostname>"
	"<port>995</port><socketType>SSL</socketType></incomingServer>\n"
	"<documentation url=\"https://a.example/h\"><descr lang=\"de\">Hilfe"
	"</descr>\n<descr lang=\"en\">Help\n  page</descr></documentation>\n"
	"<enable visiturl=\"https://a.example/\"/>\n"
	"</emailProvider></clientConfig>",
	MAC_OK,
	{"t.xml:5: pop3 server 'pop.%EMAILLOCALPART%': the INI has no "
	 "placeholders in host names but %EMAILDOMAIN%\n",
	    "documentation = https://a.example/h\n"
	    "documentation-text = de: Hilfe\n"
	    "documentation-text = Help page\n",
	    "enable-url = https://a.example/\n"},
	{"server = pop3", "<enable>"}},
    {"texts in several languages, enable, login form",
	"<clientConfig><emailProvider id=\"a.example\">\n"
	"<domain>a.example</domain>\n" SRV_IN "\n" SRV_OUT "\n"
	"<enable visiturl=\"https://a.example/on?x=1&amp;y=2\">"
	"<instruction>Switch it on</instruction>\n"
	"<instruction lang=\"pt-BR\">Ative &quot;IMAP&quot;</instruction>\n"
	"<instruction lang=\"pt-BR\">Again</instruction>\n"
	"<instruction lang=\"EN\">Bad tag</instruction></enable>\n"
	"<documentation url=\"https://a.example/1\"><descr>de: not a tag"
	"</descr></documentation>\n"
	"<instruction url=\"https://a.example/2\"><descr lang=\"pl\">Pomoc"
	"</descr></instruction>\n"
	"</emailProvider>\n<webMail><loginPage url=\"https://w.a.example/\"/>"
	"<loginPageInfo url=\"https://w.a.example/login\">\n"
	"<username>%EMAILLOCALPART%</username>"
	"<usernameField id=\"u\" name=\"user.Name\"/>"
	"<passwordField name=\"p w\"/><loginButton/>"
	"</loginPageInfo></webMail></clientConfig>",
	MAC_OK,
	{"enable-url = https://a.example/on?x=1&y=2\n"
	 "enable-text = Switch it on\n"
	 "enable-text = pt-BR: Ative \"IMAP\"\n"
	 "documentation = https://a.example/1\n"
	 "documentation-text = en: de: not a tag\n"
	 "documentation = https://a.example/2\n"
	 "documentation-text = pl: Pomoc\n",
	    "webmail-login-url = https://w.a.example/login\n"
	    "webmail-login-username = %EMAILLOCALPART%\n"
	    "webmail-login-username-field = id=u name=user.Name\n",
	    "t.xml:7: enable instruction 'Again': a second text in 'pt-BR'",
	    "t.xml:8: enable instruction in language 'EN': not a language "
	    "tag"},
	{"webmail-login-password-field", "webmail-login-button"}},
    {"login form: bad field, second loginPageInfo, placeholder URL",
	"<clientConfig><emailProvider id=\"a.example\">\n"
	"<domain>a.example</domain>\n" SRV_IN "\n" SRV_OUT "\n"
	"</emailProvider>\n<webMail>"
	"<loginPageInfo url=\"https://login.%EMAILLOCALPART%/\"/>\n"
	"<loginPageInfo url=\"https://w.a.example/\">"
	"<usernameField id=\"a&lt;b\"/></loginPageInfo>\n"
	"<loginPageInfo url=\"https://w2.a.example/\"/></webMail>"
	"</clientConfig>",
	MAC_OK,
	{"t.xml:6: loginPageInfo url 'https://login.%EMAILLOCALPART%/': host "
	 "name not valid",
	    "t.xml:7: login form id 'a<b': id and name are printable ASCII",
	    "t.xml:8: a second <loginPageInfo>: the INI holds one",
	    "webmail-login-url = https://w.a.example/\n"},
	{"webmail-login-username-field", "w2.a.example"}},
    {"texts over what the loader takes: the last ones left out",
	"<clientConfig><emailProvider id=\"a.example\">\n"
	"<domain>a.example</domain>\n" SRV_IN "\n" SRV_OUT "\n" DOC16("1")
	    DOC16("2") DOC16("3") "</emailProvider></clientConfig>",
	MAC_OK,
	{"documentation = https://a.example/3\n",
	    "t.xml:1: documentation text in 'ah': more than 4096 bytes of "
	    "texts",
	    "t.xml:1: documentation text in 'ap': more than 4096 bytes of "
	    "texts",
	    /* ag is the last text written; the notes follow it. */
	    "documentation-text = ag: " T100 "\n# not imported: "},
	{NULL}},
    {"a hoster's %EMAILDOMAIN% names: imported as written, no note",
	"<clientConfig><emailProvider id=\"a.example\">\n"
	"<domain>a.example</domain>\n"
	"<displayName>Mail at %EMAILDOMAIN%</displayName>\n"
	"<incomingServer type=\"imap\"><hostname>Mail.%EMAILDOMAIN%</hostname>"
	"<port>993</port><socketType>SSL</socketType>"
	"<username>%EMAILADDRESS%</username></incomingServer>\n"
	"<outgoingServer type=\"smtp\"><hostname>%EMAILDOMAIN%</hostname>"
	"<port>465</port><socketType>SSL</socketType>"
	"<username>%EMAILADDRESS%</username></outgoingServer>\n"
	"</emailProvider><webMail><loginPage "
	"url=\"https://login.%EMAILDOMAIN%/?d=%EMAILDOMAIN%\"/>"
	"</webMail></clientConfig>",
	MAC_OK,
	{"display-name = Mail at %EMAILDOMAIN%\n",
	    "server = imap mail.%EMAILDOMAIN% 993 SSL\n",
	    "server = smtp %EMAILDOMAIN% 465 SSL\n",
	    "webmail = https://login.%EMAILDOMAIN%/?d=%EMAILDOMAIN%\n"},
	{"# not imported", "# [provider"}},
    {"plain only: commented out",
	"<clientConfig><emailProvider id=\"a.example\">"
	"<domain>a.example</domain>" SRV_IN
	"<outgoingServer type=\"smtp\"><hostname>smtp.a.example</hostname>"
	"<port>25</port><socketType>plain</socketType></outgoingServer>"
	"</emailProvider></clientConfig>",
	MAC_OK,
	{"# [provider a.example]\n", "# server = smtp smtp.a.example 25 plain",
	    "without TLS", "no imported smtp server with TLS"},
	{NULL}},
    {"malformed", "<clientConfig>\n  <emailProvider id=\"a\">\n</x>",
	MAC_EINPUT, {"t.xml:3:3: mismatched tag", NULL}, {NULL}},
};

static void
test_table(void **state)
{
	static char out[OUT_MAX + 1], notes[OUT_MAX + 1], err[512];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mac_buf ob = {out, 0, OUT_MAX, MAC_OK};
		struct mac_buf nb = {notes, 0, OUT_MAX, MAC_OK};
		struct mac_import *im = mac_import_new();
		enum mac_err e;

		assert_non_null(im);
		e = mac_import(im, "t.xml", cases[i].xml, strlen(cases[i].xml),
		    &ob, &nb, err, sizeof(err));
		out[ob.len] = notes[nb.len] = '\0';
		if (e != cases[i].want)
			fail_msg("%s: code %d\n%s%s%s", cases[i].name, (int)e,
			    out, notes, err);
		for (k = 0; k < 4 && cases[i].has[k] != NULL; k++)
			if (strstr(out, cases[i].has[k]) == NULL &&
			    strstr(notes, cases[i].has[k]) == NULL &&
			    strstr(err, cases[i].has[k]) == NULL)
				fail_msg("%s: no '%s' in\n%s%s%s",
				    cases[i].name, cases[i].has[k], out, notes,
				    err);
		for (k = 0; k < 2 && cases[i].hasnt[k] != NULL; k++)
			if (strstr(out, cases[i].hasnt[k]) != NULL ||
			    strstr(notes, cases[i].hasnt[k]) != NULL)
				fail_msg("%s: '%s' in\n%s%s", cases[i].name,
				    cases[i].hasnt[k], out, notes);
		if (strstr(out, "\n[provider ") != NULL) {
			char lerr[MAC_CFG_ERR_MAX];
			struct mac_cfg *cfg = mac_cfg_load_mem(
			    "t.ini", out, ob.len, lerr, sizeof(lerr));
			if (cfg == NULL)
				fail_msg("%s: does not load: %s\n%s",
				    cases[i].name, lerr, out);
			mac_cfg_free(cfg);
		}
		mac_import_free(im);
	}
}

static void
test_full(void **state)
{
	static const char xml[] =
	    "<clientConfig><emailProvider id=\"a.example\">"
	    "<domain>a.example</domain>" SRV_IN SRV_OUT
	    "</emailProvider></clientConfig>";
	char out[64], notes[64], err[64];
	struct mac_buf ob = {out, 0, sizeof(out), MAC_OK};
	struct mac_buf nb = {notes, 0, sizeof(notes), MAC_OK};
	struct mac_import *im = mac_import_new();

	(void)state;
	assert_non_null(im);
	assert_int_equal(mac_import(im, "t.xml", xml, strlen(xml), &ob, &nb,
			     err, sizeof(err)),
	    MAC_ENOMEM);
	mac_import_free(im);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
