/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Unit tests for lib/xml.c, the only code that escapes: xml_text(),
 * xml_attr() and json_str() against tables of valid and invalid input,
 * and the element writer, compact and pretty, compared byte for byte.
 * Every error case also checks that the buffer is left as it was and that
 * the first error sticks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "log_recorder.h"

#include "extern.h"

#define TEST_MEM_MAX 4096 /* backing store for one test buffer */
#define TEST_FILL '#'     /* marks bytes nothing may write */
#define PRE "pre"         /* what a buffer holds before the call */

/* A string literal with its length, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef enum mac_err (*esc_fn)(struct mac_buf *, const char *, size_t);

/* Valid for XML: the same input as text and as an attribute value. */
static const struct {
	const char *in;
	size_t len;
	const char *text;
	const char *attr;
} xml_valids[] = {
    {S(""), "", ""},                                           /* empty */
    {S("plain"), "plain", "plain"},                            /* as is */
    {S("%EMAILADDRESS%"), "%EMAILADDRESS%", "%EMAILADDRESS%"}, /* as is */
    {S("&"), "&amp;", "&amp;"},             /* the five entities, one by one */
    {S("<"), "&lt;", "&lt;"},               /* ... */
    {S(">"), "&gt;", "&gt;"},               /* ... */
    {S("\""), "&quot;", "&quot;"},          /* ... */
    {S("'"), "&apos;", "&apos;"},           /* ... */
    {S("]]>"), "]]&gt;", "]]&gt;"},         /* the CDATA end, section 2.4 */
    {S("&amp;"), "&amp;amp;", "&amp;amp;"}, /* no double-escape guard */
    {S("<a href='x'>\"&\"</a>"),
	"&lt;a href=&apos;x&apos;&gt;&quot;&amp;&quot;&lt;/a&gt;",
	"&lt;a href=&apos;x&apos;&gt;&quot;&amp;&quot;&lt;/a&gt;"},
    /* Tab, LF and CR: kept in text, references in attributes. */
    {S("\t"), "\t", "&#9;"},  /* tab */
    {S("\n"), "\n", "&#10;"}, /* LF */
    {S("\r"), "\r", "&#13;"}, /* CR */
    {S("a\tb\nc\r\nd"), "a\tb\nc\r\nd", "a&#9;b&#10;c&#13;&#10;d"},
    {S(" "), " ", " "}, /* a space stays a space */
    /* Every UTF-8 length, the edges of Char included. */
    {S("\x7f"), "\x7f", "\x7f"},             /* DEL is a Char */
    {S("\xc2\x80"), "\xc2\x80", "\xc2\x80"}, /* U+0080 */
    {S("\xc2\x85"), "\xc2\x85", "\xc2\x85"}, /* NEL */
    {S("caf\xc3\xa9 <b>"), "caf\xc3\xa9 &lt;b&gt;", "caf\xc3\xa9 &lt;b&gt;"},
    {S("\xdf\xbf"), "\xdf\xbf", "\xdf\xbf"},             /* U+07FF */
    {S("\xe0\xa0\x80"), "\xe0\xa0\x80", "\xe0\xa0\x80"}, /* U+0800 */
    {S("\xe2\x82\xac"), "\xe2\x82\xac", "\xe2\x82\xac"}, /* EURO SIGN */
    {S("\xed\x9f\xbf"), "\xed\x9f\xbf", "\xed\x9f\xbf"}, /* U+D7FF */
    {S("\xee\x80\x80"), "\xee\x80\x80", "\xee\x80\x80"}, /* U+E000 */
    {S("\xef\xbf\xbd"), "\xef\xbf\xbd", "\xef\xbf\xbd"}, /* U+FFFD */
    {S("\xf0\x90\x80\x80"), "\xf0\x90\x80\x80",
	"\xf0\x90\x80\x80"}, /* U+10000 */
    {S("\xf0\x9f\x98\x80&"), "\xf0\x9f\x98\x80&amp;",
	"\xf0\x9f\x98\x80&amp;"}, /* an emoji */
    {S("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf",
	"\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
};

/* Not well-formed UTF-8: rejected by all three escapers. */
static const struct {
	const char *in;
	size_t len;
	size_t bad; /* offset of the first rejected byte */
} utf8_invalids[] = {
    /* overlong forms */
    {S("\xc0\x80"), 0},
    {S("\xc0\xaf"), 0},
    {S("\xc1\xbf"), 0},
    {S("\xe0\x80\x80"), 0},
    {S("\xe0\x9f\xbf"), 0},
    {S("\xf0\x80\x80\x80"), 0},
    {S("\xf0\x8f\xbf\xbf"), 0},
    /* UTF-16 surrogates encoded as UTF-8 */
    {S("\xed\xa0\x80"), 0},
    {S("\xed\xb0\x80"), 0},
    {S("\xed\xbf\xbf"), 0},
    {S("ok\xed\xa0\x80\xed\xb0\x80"), 2}, /* a surrogate pair */
    /* past U+10FFFF */
    {S("\xf4\x90\x80\x80"), 0},
    {S("\xf5\x80\x80\x80"), 0},
    {S("\xf7\xbf\xbf\xbf"), 0},
    {S("\xf8\x88\x80\x80\x80"), 0},
    {S("\xfe"), 0},
    {S("\xff"), 0},
    /* stray continuation bytes */
    {S("\x80"), 0},
    {S("\xbf"), 0},
    {S("a\x80z"), 1},
    {S("\xc3\xa9\xa9"), 2},
    /* truncated sequences */
    {S("\xc3"), 0},
    {S("\xe2\x82"), 0},
    {S("\xf0\x9f\x98"), 0},
    {S("abc\xe2\x82"), 3},
    {S("\xe2\x82z"), 0},
    {"\xe2\x82\xac", 2, 0}, /* cut short by the length, not the bytes */
    {"ab\xf0\x9f\x98\x80", 5, 2},
    /* bad continuation bytes */
    {S("\xc3\x28"), 0},
    {S("\xe2\x28\xa1"), 0},
    {S("\xf0\x9f\x28\x80"), 0},
    {S("\xe2\x82\xc3\xa9"), 0},
};

/* Well-formed UTF-8 outside XML 1.0 section 2.2 Char. */
static const struct {
	const char *in;
	size_t len;
	size_t bad;
} char_invalids[] = {
    {S("\0"), 0},
    {S("ab\0"), 2},
    {S("a\0b"), 1},
    {S("\x01"), 0},
    {S("\x08"), 0},
    {S("\x0b"), 0},
    {S("\x0c"), 0},
    {S("\x1f"), 0},
    {S("red\x1b[0m"), 3},
    {S("\xef\xbf\xbe"), 0}, /* U+FFFE */
    {S("\xef\xbf\xbf"), 0}, /* U+FFFF */
    {S("x\xef\xbf\xbf"), 1},
};

static const struct {
	const char *in;
	size_t len;
	const char *out;
} json_valids[] = {
    {S(""), "\"\""},
    {S("plain"), "\"plain\""},
    {S("\""), "\"\\\"\""},
    {S("\\"), "\"\\\\\""},
    {S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\""},
    {S("\0"), "\"\\u0000\""},
    {S("\x01"), "\"\\u0001\""},
    {S("\x0b"), "\"\\u000b\""},
    {S("\x1b"), "\"\\u001b\""},
    {S("\x1f"), "\"\\u001f\""},
    {S(" "), "\" \""},
    {S("<"), "\"\\u003c\""},
    {S(">"), "\"\\u003e\""},
    {S("&"), "\"\\u0026\""},
    {S("</script>"), "\"\\u003c/script\\u003e\""},
    {S("\xe2\x80\xa8"), "\"\\u2028\""},
    {S("\xe2\x80\xa9"), "\"\\u2029\""},
    {S("a\xe2\x80\xa8z"), "\"a\\u2028z\""},
    {S("\xe2\x80\xa7\xe2\x80\xaa"), "\"\xe2\x80\xa7\xe2\x80\xaa\""},
    {S("/'\x7f"), "\"/'\x7f\""},
    {S("caf\xc3\xa9"), "\"caf\xc3\xa9\""},
    {S("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\""},
    {S("\xef\xbf\xbe"), "\"\xef\xbf\xbe\""}, /* U+FFFE is valid JSON */
    {S("https://mail.example.com/autodiscover/autodiscover.xml"),
	"\"https://mail.example.com/autodiscover/autodiscover.xml\""},
};

static char mem[TEST_MEM_MAX];

static int
setup(void **state)
{
	(void)state;
	log_recorder_reset();
	memset(mem, TEST_FILL, sizeof(mem));
	return 0;
}

/* A buffer over mem holding PRE, with room for room more bytes. */
static void
buf_pre(struct mac_buf *b, size_t room)
{
	memset(mem, TEST_FILL, sizeof(mem));
	b->p = mem;
	b->len = 0;
	b->cap = sizeof(PRE) - 1 + room;
	b->err = MAC_OK;
	buf_puts(b, PRE);
}

/* Assert b holds PRE and nothing was written past it. */
static void
assert_untouched(const struct mac_buf *b)
{
	size_t i;

	assert_int_equal(b->len, sizeof(PRE) - 1);
	assert_memory_equal(b->p, PRE, b->len);
	for (i = b->len; i < sizeof(mem); i++)
		assert_int_equal(mem[i], TEST_FILL);
}

/*
 * Run fn on a valid input: the output appears after PRE when it fits
 * exactly, and with one byte less room nothing is written and the buffer
 * records MAC_ENOMEM.
 */
static void
check_valid(esc_fn fn, const char *in, size_t len, const char *out)
{
	struct mac_buf b;
	size_t olen = strlen(out);

	buf_pre(&b, olen);
	assert_int_equal(fn(&b, in, len), MAC_OK);
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(b.len, sizeof(PRE) - 1 + olen);
	assert_memory_equal(b.p, PRE, sizeof(PRE) - 1);
	assert_memory_equal(b.p + sizeof(PRE) - 1, out, olen);

	if (olen == 0)
		return;
	buf_pre(&b, olen - 1);
	assert_int_equal(fn(&b, in, len), MAC_ENOMEM);
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_int_equal(b.len, sizeof(PRE) - 1);
	assert_memory_equal(b.p, PRE, b.len);

	/* An earlier error is kept and returned; nothing is written. */
	buf_pre(&b, olen);
	b.err = MAC_EINPUT;
	assert_int_equal(fn(&b, in, len), MAC_EINPUT);
	assert_untouched(&b);
}

/*
 * Run fn on an invalid input: MAC_EINPUT, the buffer unchanged but for
 * its error, one log line naming the offset; with an error already
 * recorded, that error stays and nothing is logged.
 */
static void
check_invalid(esc_fn fn, const char *in, size_t len, size_t bad)
{
	struct mac_buf b;
	char want[TEST_MEM_MAX];

	nlogs = 0;
	buf_pre(&b, TEST_MEM_MAX / 2);
	assert_int_equal(fn(&b, in, len), MAC_EINPUT);
	assert_int_equal(b.err, MAC_EINPUT);
	assert_untouched(&b);
	assert_int_equal(nlogs, 1);
	snprintf(want, sizeof(want), "byte %zu of %zu ", bad, len);
	assert_non_null(strstr(lastlog, want));

	/* The first error sticks, and later writes are ignored. */
	buf_puts(&b, "later");
	assert_untouched(&b);

	nlogs = 0;
	buf_pre(&b, TEST_MEM_MAX / 2);
	b.err = MAC_ENOMEM;
	assert_int_equal(fn(&b, in, len), MAC_EINPUT);
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_untouched(&b);
	assert_int_equal(nlogs, 0);
}

/* url_qval(): the unreserved bytes as they are, every other as %XX
 * (upper-case hex), UTF-8 byte by byte; malformed UTF-8 refused. */
static void
test_url_qval(void **state)
{
	static const char all[] = "AZaz09-._~";

	(void)state;
	check_valid(url_qval, all, sizeof(all) - 1, all);
	check_valid(url_qval, "a@b.example", 11, "a%40b.example");
	check_valid(url_qval, "&=+#%? /<>\"'", 12,
	    "%26%3D%2B%23%25%3F%20%2F%3C%3E%22%27");
	check_valid(url_qval, "\xc3\xb6\x01", 3, "%C3%B6%01");
	check_valid(url_qval, NULL, 0, "");
	check_invalid(url_qval, "ab\xff", 3, 2);
	check_invalid(url_qval, "\xed\xa0\x80", 3, 0); /* a surrogate */
}

static void
test_text_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(xml_valids); i++)
		check_valid(xml_text, xml_valids[i].in, xml_valids[i].len,
		    xml_valids[i].text);
	check_valid(xml_text, NULL, 0, "");
}

static void
test_attr_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(xml_valids); i++)
		check_valid(xml_attr, xml_valids[i].in, xml_valids[i].len,
		    xml_valids[i].attr);
	check_valid(xml_attr, NULL, 0, "");
}

static void
test_json_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(json_valids); i++)
		check_valid(json_str, json_valids[i].in, json_valids[i].len,
		    json_valids[i].out);
	check_valid(json_str, NULL, 0, "\"\"");
}

static void
test_xml_invalid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(utf8_invalids); i++) {
		check_invalid(xml_text, utf8_invalids[i].in,
		    utf8_invalids[i].len, utf8_invalids[i].bad);
		check_invalid(xml_attr, utf8_invalids[i].in,
		    utf8_invalids[i].len, utf8_invalids[i].bad);
	}
	for (i = 0; i < NELEM(char_invalids); i++) {
		check_invalid(xml_text, char_invalids[i].in,
		    char_invalids[i].len, char_invalids[i].bad);
		check_invalid(xml_attr, char_invalids[i].in,
		    char_invalids[i].len, char_invalids[i].bad);
	}
}

static void
test_json_invalid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(utf8_invalids); i++)
		check_invalid(json_str, utf8_invalids[i].in,
		    utf8_invalids[i].len, utf8_invalids[i].bad);
}

/* Render the brief's Thunderbird example. */
static void
write_tb(struct mac_buf *b, int pretty)
{
	struct xml_w w;

	xml_init(&w, b, pretty, NULL);
	xml_decl(&w);
	xml_open(&w, "clientConfig", "version", "1.1", NULL);
	xml_open(&w, "emailProvider", "id", "example.com", NULL);
	xml_elem(&w, "domain", "example.com", NULL);
	xml_close(&w);
	xml_close(&w);
	xml_close(&w); /* nothing open: ignored */
}

/* Every writer call, attribute escaping and omission included. */
static void
write_all(struct mac_buf *b, int pretty)
{
	struct xml_w w;

	xml_init(&w, b, pretty, NULL);
	xml_decl(&w);
	xml_raw(&w, "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">");
	xml_raw(&w, pretty ? "\n" : "");
	xml_open(&w, "plist", "version", "1.0", NULL);
	xml_open(&w, "dict", NULL);
	xml_elem(&w, "key", "Payload<Type>", NULL);
	xml_elemu(&w, "integer", 993);
	xml_empty(&w, "true", NULL);
	xml_elem(&w, "string", "", NULL);
	xml_elem(&w, "x", NULL, "a", "1", NULL);
	xml_elem(&w, "y", "t&t", "b", "2", "c", "3", NULL);
	xml_elemn(&w, "s", "abcdef", 3);
	xml_elemn(&w, "n", NULL, 0);
	xml_empty(&w, "server", "type", "imap", "skipped", NULL, "v",
	    "a\t\"b\"<&>'\n", NULL);
	xml_open(&w, "array", NULL);
	xml_raw(&w, "<!-- trusted & raw -->");
	xml_end(&w);
	assert_int_equal(w.depth, 0);
}

static void
check_doc(void (*fn)(struct mac_buf *, int), int pretty, const char *want)
{
	struct mac_buf b = {mem, 0, sizeof(mem), MAC_OK};

	fn(&b, pretty);
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	assert_int_equal(nlogs, 0);
}

static void
test_writer_tb(void **state)
{
	(void)state;
	check_doc(write_tb, 1,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<clientConfig version=\"1.1\">\n"
	    "  <emailProvider id=\"example.com\">\n"
	    "    <domain>example.com</domain>\n"
	    "  </emailProvider>\n"
	    "</clientConfig>\n");
	check_doc(write_tb, 0,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<clientConfig version=\"1.1\">"
	    "<emailProvider id=\"example.com\">"
	    "<domain>example.com</domain>"
	    "</emailProvider>"
	    "</clientConfig>");
}

static void
test_writer_all(void **state)
{
	(void)state;
	check_doc(write_all, 1,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	    "<plist version=\"1.0\">\n"
	    "  <dict>\n"
	    "    <key>Payload&lt;Type&gt;</key>\n"
	    "    <integer>993</integer>\n"
	    "    <true/>\n"
	    "    <string></string>\n"
	    "    <x a=\"1\"/>\n"
	    "    <y b=\"2\" c=\"3\">t&amp;t</y>\n"
	    "    <s>abc</s>\n"
	    "    <n/>\n"
	    "    <server type=\"imap\" "
	    "v=\"a&#9;&quot;b&quot;&lt;&amp;&gt;&apos;&#10;\"/>\n"
	    "    <array>\n"
	    "<!-- trusted & raw -->    </array>\n"
	    "  </dict>\n"
	    "</plist>\n");
	check_doc(write_all, 0,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"
	    "<plist version=\"1.0\">"
	    "<dict>"
	    "<key>Payload&lt;Type&gt;</key>"
	    "<integer>993</integer>"
	    "<true/>"
	    "<string></string>"
	    "<x a=\"1\"/>"
	    "<y b=\"2\" c=\"3\">t&amp;t</y>"
	    "<s>abc</s>"
	    "<n/>"
	    "<server type=\"imap\" "
	    "v=\"a&#9;&quot;b&quot;&lt;&amp;&gt;&apos;&#10;\"/>"
	    "<array>"
	    "<!-- trusted & raw -->"
	    "</array>"
	    "</dict>"
	    "</plist>");
}

static void
test_writer_stack(void **state)
{
	struct mac_buf b = {mem, 0, sizeof(mem), MAC_OK};
	char want[TEST_MEM_MAX];
	struct xml_w w;
	size_t i, len;

	(void)state;
	/* Exactly MAC_XML_STACK_MAX levels nest and close. */
	xml_init(&w, &b, 0, NULL);
	want[0] = '\0';
	for (i = 0; i < MAC_XML_STACK_MAX; i++) {
		xml_open(&w, "e", NULL);
		strcat(want, "<e>");
	}
	assert_int_equal(w.depth, MAC_XML_STACK_MAX);
	assert_int_equal(b.err, MAC_OK);

	/* One more is refused: nothing written, MAC_ENOMEM, logged once. */
	len = b.len;
	xml_open(&w, "over", "a", "b", NULL);
	xml_open(&w, "over", NULL);
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_int_equal(b.len, len);
	assert_int_equal(w.depth, MAC_XML_STACK_MAX);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(lastlog, "xml_open"));
	assert_memory_equal(b.p, want, b.len);

	/* Later writes are ignored, the stack still unwinds. */
	xml_elem(&w, "late", "x", NULL);
	xml_end(&w);
	assert_int_equal(w.depth, 0);
	assert_int_equal(b.len, len);
	assert_int_equal(b.err, MAC_ENOMEM);

	/* Without the overflow the same nesting closes cleanly. */
	buf_reset(&b);
	xml_init(&w, &b, 0, NULL);
	for (i = 0; i < MAC_XML_STACK_MAX; i++)
		xml_open(&w, "e", NULL);
	xml_end(&w);
	for (i = 0; i < MAC_XML_STACK_MAX; i++)
		strcat(want, "</e>");
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
}

static void
test_writer_sticky(void **state)
{
	struct mac_buf b = {mem, 0, sizeof(mem), MAC_OK};
	struct xml_w w;
	size_t len;

	(void)state;
	xml_init(&w, &b, 1, NULL);
	xml_open(&w, "a", NULL);
	xml_elem(&w, "bad", "nul\x01here", NULL);
	assert_int_equal(b.err, MAC_EINPUT);
	assert_int_equal(nlogs, 1);
	len = b.len;

	/* Neither later writes nor a later overflow replace the error. */
	xml_elem(&w, "good", "text", NULL);
	xml_open(&w, "b", "k", "bad\xff", NULL);
	xml_elemu(&w, "n", 1);
	xml_raw(&w, "<!-- x -->");
	xml_end(&w);
	assert_int_equal(b.err, MAC_EINPUT);
	assert_int_equal(b.len, len);
	assert_int_equal(nlogs, 1);

	/* A bad attribute value is caught the same way. */
	buf_reset(&b);
	xml_init(&w, &b, 0, NULL);
	xml_empty(&w, "e", "k", "v\x0b", NULL);
	assert_int_equal(b.err, MAC_EINPUT);

	/* The writer stops at the buffer's cap like any write. */
	b.len = 0;
	b.err = MAC_OK;
	b.cap = strlen("<a><b>12</b>");
	xml_init(&w, &b, 0, NULL);
	xml_open(&w, "a", NULL);
	xml_elemu(&w, "b", 12);
	assert_int_equal(b.err, MAC_OK);
	xml_close(&w);
	assert_int_equal(b.err, MAC_ENOMEM);
	assert_int_equal(b.len, b.cap);
	assert_memory_equal(b.p, "<a><b>12</b>", b.len);
}

/*
 * Recording a template: a writer given a recorder turns each hole's code
 * into a hole segment with its kind and escaping, writes nothing for it,
 * and closes the literal before it; xml_hole() later escapes a value the
 * same way the writer would have, JSON without quotes.
 */
static void
test_template_holes(void **state)
{
	static const char text[] = "a&\001b\002";
	static const char json[] = "x\001\"";
	static const struct tpl_seg want[] = {
	    {0, 12, HOLE_NONE, ESC_TEXT},   /* pre<t>a&amp; */
	    {12, 0, HOLE_DOMAIN, ESC_TEXT}, /* */
	    {12, 1, HOLE_NONE, ESC_TEXT},   /* b */
	    {13, 0, HOLE_LOCAL, ESC_TEXT},  /* */
	    {13, 6, HOLE_NONE, ESC_TEXT},   /* </t>"x */
	    {19, 0, HOLE_DOMAIN, ESC_JSON}, /* */
	    {19, 3, HOLE_NONE, ESC_TEXT},   /* \"" */
	};
	struct tpl_rec rec;
	struct xml_w w;
	struct mac_buf b;
	size_t i;

	(void)state;
	buf_pre(&b, 64);
	memset(&rec, 0, sizeof(rec));
	xml_init(&w, &b, 0, &rec);
	xml_elemn(&w, "t", text, sizeof(text) - 1);
	xml_json(&w, json, sizeof(json) - 1);
	xml_rec_end(&rec, &b);
	assert_int_equal(b.err, MAC_OK);
	assert_int_equal(b.len, 22);
	assert_memory_equal(b.p, "pre<t>a&amp;b</t>\"x\\\"\"", 22);
	assert_int_equal(rec.res, TPL_BUILT);
	assert_int_equal(rec.n, NELEM(want));
	for (i = 0; i < NELEM(want); i++) {
		assert_int_equal(rec.segs[i].off, want[i].off);
		assert_int_equal(rec.segs[i].len, want[i].len);
		assert_int_equal(rec.segs[i].hole, want[i].hole);
		if (want[i].hole != HOLE_NONE)
			assert_int_equal(rec.segs[i].esc, want[i].esc);
	}

	/* Not recording, a hole's code is a control byte like any other:
	 * refused in XML, \u0001 in JSON. */
	buf_pre(&b, 64);
	nlogs = 0;
	assert_int_equal(xml_text(&b, text, sizeof(text) - 1), MAC_EINPUT);
	assert_int_equal(nlogs, 1);
	buf_pre(&b, 64);
	assert_int_equal(json_str(&b, json, sizeof(json) - 1), MAC_OK);
	assert_memory_equal(b.p, "pre\"x\\u0001\\\"\"", 14);

	/* Filling: the value escaped for the hole's mode. */
	buf_pre(&b, 64);
	assert_int_equal(xml_hole(&b, ESC_TEXT, "<'>", 3), MAC_OK);
	assert_int_equal(xml_hole(&b, ESC_JSON, "<\"", 2), MAC_OK);
	assert_int_equal(b.len, sizeof(PRE) - 1 + 22);
	assert_memory_equal(
	    b.p + sizeof(PRE) - 1, "&lt;&apos;&gt;\\u003c\\\"", 22);
	/* Still validated: invalid UTF-8 is refused and logged. */
	nlogs = 0;
	assert_int_equal(xml_hole(&b, ESC_TEXT, "\xff", 1), MAC_EINPUT);
	assert_int_equal(nlogs, 1);

	/* More segments than MAC_TPL_SEGS_MAX: the recording says so. */
	buf_pre(&b, 64);
	memset(&rec, 0, sizeof(rec));
	xml_init(&w, &b, 0, &rec);
	for (i = 0; i <= MAC_TPL_SEGS_MAX; i++)
		xml_json(&w, "\001", 1);
	assert_int_equal(rec.n, MAC_TPL_SEGS_MAX);
	assert_int_equal(rec.res, TPL_FULL);
}

/*
 * Every ASCII byte alone, in each mode, against the rules written out
 * here independently of xml.c's tables.
 */
static void
test_ascii_all(void **state)
{
	static const char *const ent[128] = {['&'] = "&amp;",
	    ['<'] = "&lt;",
	    ['>'] = "&gt;",
	    ['"'] = "&quot;",
	    ['\''] = "&apos;"};
	struct mac_buf b;
	char in, want[16];
	int c;

	(void)state;
	for (c = 0; c < 128; c++) {
		in = (char)c;
		/* Character data. */
		buf_pre(&b, 16);
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			assert_int_equal(xml_text(&b, &in, 1), MAC_EINPUT);
		else {
			assert_int_equal(xml_text(&b, &in, 1), MAC_OK);
			snprintf(want, sizeof(want), "%s",
			    ent[c] ? ent[c] : (char[]){in, 0});
			assert_int_equal(b.len, sizeof(PRE) - 1 + strlen(want));
			assert_memory_equal(
			    b.p + sizeof(PRE) - 1, want, strlen(want));
		}
		/* Attribute values: tab, LF and CR as references too. */
		buf_pre(&b, 16);
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			assert_int_equal(xml_attr(&b, &in, 1), MAC_EINPUT);
		else {
			assert_int_equal(xml_attr(&b, &in, 1), MAC_OK);
			if (c == '\t' || c == '\n' || c == '\r')
				snprintf(want, sizeof(want), "&#%d;", c);
			else
				snprintf(want, sizeof(want), "%s",
				    ent[c] ? ent[c] : (char[]){in, 0});
			assert_int_equal(b.len, sizeof(PRE) - 1 + strlen(want));
			assert_memory_equal(
			    b.p + sizeof(PRE) - 1, want, strlen(want));
		}
		/* JSON: every byte is valid; some are escaped. */
		buf_pre(&b, 16);
		assert_int_equal(json_str(&b, &in, 1), MAC_OK);
		if (c == '"' || c == '\\')
			snprintf(want, sizeof(want), "\"\\%c\"", c);
		else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
			 c == '\t')
			snprintf(want, sizeof(want), "\"\\%c\"",
			    "bfnrt"[strchr("\b\f\n\r\t", c) - "\b\f\n\r\t"]);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		else
			snprintf(want, sizeof(want), "\"%c\"", c);
		assert_int_equal(b.len, sizeof(PRE) - 1 + strlen(want));
		assert_memory_equal(b.p + sizeof(PRE) - 1, want, strlen(want));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_text_valid, setup),
	    cmocka_unit_test_setup(test_attr_valid, setup),
	    cmocka_unit_test_setup(test_json_valid, setup),
	    cmocka_unit_test_setup(test_xml_invalid, setup),
	    cmocka_unit_test_setup(test_json_invalid, setup),
	    cmocka_unit_test_setup(test_writer_tb, setup),
	    cmocka_unit_test_setup(test_writer_all, setup),
	    cmocka_unit_test_setup(test_writer_stack, setup),
	    cmocka_unit_test_setup(test_writer_sticky, setup),
	    cmocka_unit_test_setup(test_template_holes, setup),
	    cmocka_unit_test_setup(test_ascii_all, setup),
	    cmocka_unit_test_setup(test_url_qval, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
