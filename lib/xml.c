/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * The escaping writer: the only code in mailautoconf that escapes.
 *
 * xml_text() and xml_attr() turn a counted UTF-8 string into XML character
 * data or an attribute value (HTML's too: the setup page uses them);
 * json_str() turns one into a JSON string literal; url_qval() into a
 * URL's query value.  Each validates the whole string before it writes a byte,
 * so on any error the buffer's contents are unchanged and only its sticky error
 * is set.  On top of them, struct xml_w writes elements from a fixed stack
 * of open names, compact or indented, for the Thunderbird, Autodiscover
 * and plist renderers alike, and, while a precomputed answer is rendered,
 * records it as a list of literal segments and holes (struct tpl_rec).
 *
 * Element and attribute NAMES, and the markup given to xml_raw(), are
 * trusted constants from the renderers and are written as they are; they
 * must never come from a request or the configuration.  Every value that
 * does must go through xml_text(), xml_attr(), json_str() or url_qval(),
 * and nothing
 * outside this file may quote or escape.  No I/O happens here.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "extern.h"

/*
 * Code points named by the specifications this file implements: RFC 3629
 * section 3 (UTF-8 ranges), XML 1.0 section 2.2 (Char) and RFC 8259
 * section 7 (strings).
 */
#define UNI_MAX 0x10FFFF     /* last Unicode scalar value */
#define UNI_SUR_FIRST 0xD800 /* UTF-16 surrogates: never encoded */
#define UNI_SUR_LAST 0xDFFF  /* ... */
#define UNI_FFFE 0xFFFE      /* noncharacters outside XML's Char */
#define UNI_FFFF 0xFFFF      /* ... */
#define UNI_LS 0x2028        /* LINE SEPARATOR: ends a JavaScript line */
#define UNI_PS 0x2029        /* PARAGRAPH SEPARATOR: the same */
#define ASCII_END 0x80       /* first code point outside ASCII */
#define C0_END 0x20          /* first code point after the C0 controls */
#define JSON_HEXDIGITS 4     /* \uXXXX */

/* One indentation level of the pretty writer. */
#define XML_INDENT "  "

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

struct esc {
	const char *s;
	size_t len;
};

/* The members of a struct esc for a string literal. */
#define ESC(lit) lit, sizeof(lit) - 1

/*
 * The five predefined entities of XML 1.0 section 4.6.  Only < and & must
 * be escaped in character data; escaping all five makes the same text
 * safe in every context, "]]>" and either attribute quote included.
 */
#define XML_ENTITIES                                                           \
	['&'] = {ESC("&amp;")}, ['<'] = {ESC("&lt;")}, ['>'] = {ESC("&gt;")},  \
	['"'] = {ESC("&quot;")}, ['\''] = {ESC("&apos;")}

/*
 * Replacement text per mode for code points below ASCII_END; a NULL entry
 * is copied as it is (or, in JSON, becomes \uXXXX if json_uesc() says so).
 * In attribute values a literal tab, LF or CR would be normalised to a
 * space (section 3.3.3); a character reference survives normalisation.
 */
static const struct esc esc_tab[ESC__MAX][ASCII_END] = {
    [ESC_TEXT] = {XML_ENTITIES},
    [ESC_ATTR] =
	{
	    XML_ENTITIES,
	    ['\t'] = {ESC("&#9;")},
	    ['\n'] = {ESC("&#10;")},
	    ['\r'] = {ESC("&#13;")},
	},
    [ESC_JSON] =
	{
	    ['"'] = {ESC("\\\"")},
	    ['\\'] = {ESC("\\\\")},
	    ['\b'] = {ESC("\\b")},
	    ['\f'] = {ESC("\\f")},
	    ['\n'] = {ESC("\\n")},
	    ['\r'] = {ESC("\\r")},
	    ['\t'] = {ESC("\\t")},
	},
};

/*
 * Bytes each mode copies as they are, with no decoding and no escape:
 * printable ASCII and DEL but for the escaped ones (esc_tab above and, in
 * JSON, json_uesc() below), and in character data also tab, LF and CR.
 * Only a speed-up: the slow path gives the same result for them.
 */
#define PLAIN_COMMON                                                           \
	[' '] = 1, ['!'] = 1, ['#' ... '%'] = 1, ['(' ... ';'] = 1, ['='] = 1, \
	['?' ... '['] = 1, [']' ... 0x7f] = 1
static const unsigned char plain[ESC__MAX][ASCII_END] = {
    [ESC_TEXT] = {PLAIN_COMMON, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\\'] = 1},
    [ESC_ATTR] = {PLAIN_COMMON, ['\\'] = 1},
    [ESC_JSON] = {PLAIN_COMMON, ['\''] = 1},
};

/*
 * Decode the UTF-8 sequence at the start of s (n > 0 bytes) into *cp.
 * Returns its length, 1 to 4, or 0 if it is not well-formed by RFC 3629
 * section 4: a stray continuation byte, an overlong form, a surrogate, a
 * value past U+10FFFF, a bad continuation byte or a sequence cut short.
 * The one UTF-8 decoder in lib/: the loader's text check uses it too.
 */
size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t v, min;
	size_t len, i;

	if (s[0] < ASCII_END) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xC2) /* continuation, or overlong C0 and C1 leads */
		return 0;
	if (s[0] < 0xE0) {
		len = 2;
		min = 0x80;
		v = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		len = 3;
		min = 0x800;
		v = s[0] & 0x0F;
	} else if (s[0] < 0xF5) {
		len = 4;
		min = 0x10000;
		v = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > UNI_MAX || (v >= UNI_SUR_FIRST && v <= UNI_SUR_LAST))
		return 0;
	*cp = v;
	return len;
}

/*
 * Whether a code point (already a Unicode scalar value) matches Char,
 * XML 1.0 section 2.2: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and
 * U+10000-U+10FFFF.  This rejects NUL, the other C0 controls, U+FFFE and
 * U+FFFF; surrogates never get here.
 */
static int
xml_char(uint32_t cp)
{
	if (cp < C0_END)
		return cp == '\t' || cp == '\n' || cp == '\r';
	return cp != UNI_FFFE && cp != UNI_FFFF;
}

/*
 * Whether JSON output spells this code point as \uXXXX: the C0 controls
 * without a short escape (RFC 8259 section 7 requires it), and, in case
 * the string lands in HTML or a script, <, >, & and the two separators
 * JavaScript treats as line ends.
 */
static int
json_uesc(uint32_t cp)
{
	return cp < C0_END || cp == '<' || cp == '>' || cp == '&' ||
	       cp == UNI_LS || cp == UNI_PS;
}

/*
 * Write the escape for cp in mode m into out, which holds at least
 * sizeof("\\uXXXX") bytes, and return its length; 0 means the character
 * is copied as it is.
 */
static size_t
esc_one(enum xml_esc m, uint32_t cp, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const struct esc *e;
	size_t i;

	if (cp < ASCII_END && (e = &esc_tab[m][cp])->s != NULL) {
		memcpy(out, e->s, e->len);
		return e->len;
	}
	if (m != ESC_JSON || !json_uesc(cp))
		return 0;
	out[0] = '\\';
	out[1] = 'u';
	for (i = 0; i < JSON_HEXDIGITS; i++)
		out[2 + i] = hex[(cp >> (4 * (JSON_HEXDIGITS - 1 - i))) & 0xF];
	return 2 + JSON_HEXDIGITS;
}

/*
 * Check all of s before anything is written.  Returns MAC_OK, or
 * MAC_EINPUT with *bad set to the offset of the first byte that is not
 * well-formed UTF-8 or, in the XML modes, not a Char.
 */
static enum mac_err
esc_check(enum xml_esc m, const char *s, size_t n, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, len;
	uint32_t cp;

	for (i = 0; i < n; i += len) {
		if (u[i] < ASCII_END && plain[m][u[i]]) {
			len = 1;
			continue;
		}
		len = utf8_decode(u + i, n - i, &cp);
		if (len == 0 || (m != ESC_JSON && !xml_char(cp))) {
			*bad = i;
			return MAC_EINPUT;
		}
	}
	return MAC_OK;
}

int
xml_valid(const char *s, size_t n)
{
	size_t bad;

	return n == 0 || esc_check(ESC_TEXT, s, n, &bad) == MAC_OK;
}

/*
 * Validate s, then append it escaped for mode m, in quotes if quote is
 * set.  Returns MAC_OK; MAC_EINPUT if s is rejected, recorded in b->err
 * unless b already holds an error; or the error b holds after the write
 * (the earlier one, or MAC_ENOMEM).  On any error b->len is unchanged.
 * fn names the public caller for the log.
 */
static enum mac_err
esc_run(struct mac_buf *b, enum xml_esc m, const char *fn, const char *s,
    size_t n, int quote)
{
	const unsigned char *u;
	char tmp[sizeof("\\uXXXX")];
	size_t i, len, elen, run, mark;
	uint32_t cp = 0; /* set by utf8_decode(); esc_check() passed */

	if (n == 0)
		s = ""; /* s may be NULL: no arithmetic on it below */
	u = (const unsigned char *)s;
	if (esc_check(m, s, n, &i) != MAC_OK) {
		if (b->err == MAC_OK) {
			mac_log("%s: byte %zu of %zu is not allowed", fn, i, n);
			b->err = MAC_EINPUT;
		}
		return MAC_EINPUT;
	}
	if (b->err != MAC_OK)
		return b->err;

	mark = b->len;
	if (quote)
		buf_putc(b, '"');
	for (i = run = 0; i < n; i += len) {
		if (u[i] < ASCII_END && plain[m][u[i]]) {
			len = 1;
			continue;
		}
		len = utf8_decode(u + i, n - i, &cp);
		if ((elen = esc_one(m, cp, tmp)) == 0)
			continue;
		buf_put(b, s + run, i - run);
		buf_put(b, tmp, elen);
		run = i + len;
	}
	buf_put(b, s + run, n - run);
	if (quote)
		buf_putc(b, '"');
	if (b->err != MAC_OK)
		b->len = mark;
	return b->err;
}

/*
 * Add one segment to a recording; past MAC_TPL_SEGS_MAX the recording
 * only notes that it is full.
 */
static void
rec_seg(struct tpl_rec *rec, size_t off, size_t len, enum hole_kind h,
    enum xml_esc m)
{
	if (rec->n == MAC_TPL_SEGS_MAX) {
		if (rec->res == TPL_BUILT)
			rec->res = TPL_FULL;
		return;
	}
	rec->segs[rec->n].off = (uint32_t)off;
	rec->segs[rec->n].len = (uint32_t)len;
	rec->segs[rec->n].hole = (uint8_t)h;
	rec->segs[rec->n].esc = (uint8_t)m;
	rec->n++;
}

/* Close the literal from the end of the last segment to the buffer's end. */
static void
rec_literal(struct tpl_rec *rec, const struct mac_buf *b)
{
	if (b->len > rec->mark)
		rec_seg(
		    rec, rec->mark, b->len - rec->mark, HOLE_NONE, ESC_TEXT);
	rec->mark = b->len;
}

/*
 * End a recording: the bytes after the last hole become the last literal
 * segment.  b is the buffer the template was rendered into.
 */
void
xml_rec_end(struct tpl_rec *rec, const struct mac_buf *b)
{
	rec_literal(rec, b);
}

/*
 * While a template is recorded, a byte of s from HOLE_DOMAIN to
 * HOLE__END - 1 is a hole's code (struct ask.rec): it ends the literal
 * written so far, becomes a hole segment with its escaping, and writes
 * nothing; the text around it is escaped as usual.  tpl_build() has
 * checked that no configured text holds such a byte, and no request value
 * reaches a template.
 */
static enum mac_err
esc_holes(struct mac_buf *b, struct tpl_rec *rec, enum xml_esc m,
    const char *fn, const char *s, size_t n)
{
	size_t i, run;

	if (m == ESC_JSON)
		buf_putc(b, '"');
	for (i = run = 0; i < n; i++) {
		if ((unsigned char)s[i] < HOLE_DOMAIN ||
		    (unsigned char)s[i] >= HOLE__END)
			continue;
		esc_run(b, m, fn, s + run, i - run, 0);
		rec_literal(rec, b);
		rec_seg(rec, b->len, 0, (enum hole_kind)s[i], m);
		run = i + 1;
	}
	esc_run(b, m, fn, s + run, n - run, 0);
	if (m == ESC_JSON)
		buf_putc(b, '"');
	return b->err;
}

/* Escape s for m, recording holes if rec is set (a writer's recording). */
static enum mac_err
esc_put(struct mac_buf *b, struct tpl_rec *rec, enum xml_esc m, const char *fn,
    const char *s, size_t n)
{
	if (rec != NULL && n > 0)
		return esc_holes(b, rec, m, fn, s, n);
	return esc_run(b, m, fn, s, n, m == ESC_JSON);
}

/*
 * Write a request's value into a template's hole: escaped as the hole
 * says (JSON without quotes: the hole is inside a string).  Returns as
 * xml_text().
 */
enum mac_err
xml_hole(struct mac_buf *b, enum xml_esc m, const char *s, size_t n)
{
	if ((unsigned)m >= ESC__MAX) {
		b->err = MAC_ENOMEM; /* cannot happen: tpl_build() checked */
		return b->err;
	}
	return esc_run(b, m, __func__, s, n, 0);
}

/*
 * Append n bytes of s to b as character data (XML 1.0 section 2.4),
 * escaping all five predefined entities.  Returns MAC_EINPUT if s is not
 * well-formed UTF-8 or holds a character outside Char (section 2.2: NUL,
 * C0 controls but tab, LF and CR, U+FFFE, U+FFFF); b is then unchanged
 * but for b->err.  Returns MAC_ENOMEM, writing nothing, if the result
 * does not fit.  s may be NULL when n is 0.
 */
enum mac_err
xml_text(struct mac_buf *b, const char *s, size_t n)
{
	return esc_run(b, ESC_TEXT, __func__, s, n, 0);
}

/*
 * Append n bytes of s as the inside of a quoted attribute value (XML 1.0
 * section 3.1), as xml_text() does, and also write tab, LF and CR as
 * &#9;, &#10; and &#13;, which attribute-value normalisation (section
 * 3.3.3) leaves alone.  The caller writes the quotes.  Returns as
 * xml_text().
 */
enum mac_err
xml_attr(struct mac_buf *b, const char *s, size_t n)
{
	return esc_run(b, ESC_ATTR, __func__, s, n, 0);
}

/*
 * Append n bytes of s as a JSON string literal, quotes included (RFC 8259
 * section 7): " and \ as \" and \\, the C0 controls as \b, \f, \n, \r, \t
 * or \u00XX, and <, >, &, U+2028 and U+2029 as \u escapes so the string
 * stays inert inside HTML and JavaScript.  Returns MAC_EINPUT if s is not
 * well-formed UTF-8 (RFC 8259 section 8.1); other code points, NUL
 * included, are valid JSON and written.  Errors as xml_text().
 */
enum mac_err
json_str(struct mac_buf *b, const char *s, size_t n)
{
	return esc_run(b, ESC_JSON, __func__, s, n, 1);
}

/* json_str() through a writer: the value's holes recorded if it records. */
void
xml_json(struct xml_w *w, const char *s, size_t n)
{
	esc_put(w->b, w->rec, ESC_JSON, "json_str", s, n);
}

/* Append a string literal without measuring it at run time. */
#define PUT_LIT(b, lit) buf_put((b), (lit), sizeof(lit) - 1)

/* Start a new line at the current depth, in pretty mode only. */
static void
xml_indent(struct xml_w *w)
{
	size_t i;

	if (!w->pretty)
		return;
	for (i = 0; i < w->depth; i++)
		PUT_LIT(w->b, XML_INDENT);
}

/* End a line, in pretty mode only. */
static void
xml_eol(struct xml_w *w)
{
	if (w->pretty)
		buf_putc(w->b, '\n');
}

/* Begin a start tag: indentation, then "<name". */
static void
xml_lt(struct xml_w *w, const char *name)
{
	xml_indent(w);
	buf_putc(w->b, '<');
	buf_puts(w->b, name);
}

/*
 * Begin a start tag with its attributes from ap: name/value pairs of
 * const char *, ended by a NULL name.  A NULL value leaves that attribute
 * out.  Values go through xml_attr(); the caller ends the tag.
 */
static void
xml_stag(struct xml_w *w, const char *name, va_list ap)
{
	const char *an, *av;

	xml_lt(w, name);
	while ((an = va_arg(ap, const char *)) != NULL) {
		if ((av = va_arg(ap, const char *)) == NULL)
			continue;
		buf_putc(w->b, ' ');
		buf_puts(w->b, an);
		PUT_LIT(w->b, "=\"");
		esc_put(w->b, w->rec, ESC_ATTR, "xml_attr", av, strlen(av));
		buf_putc(w->b, '"');
	}
}

/* Write "</name>" and end the line. */
static void
xml_etag(struct xml_w *w, const char *name)
{
	PUT_LIT(w->b, "</");
	buf_puts(w->b, name);
	buf_putc(w->b, '>');
	xml_eol(w);
}

/*
 * End a begun start tag: with a NULL p as an empty-element tag "/>",
 * otherwise with ">", the n bytes of p as character data and "</name>".
 */
static void
xml_content(struct xml_w *w, const char *name, const char *p, size_t n)
{
	if (p == NULL) {
		PUT_LIT(w->b, "/>");
		xml_eol(w);
		return;
	}
	buf_putc(w->b, '>');
	esc_put(w->b, w->rec, ESC_TEXT, "xml_text", p, n);
	xml_etag(w, name);
}

/*
 * Set up a writer over b with nothing open.  With pretty set, every
 * element starts on its own line, indented two spaces per open element,
 * an element holding text stays on one line, and every line, the last
 * included, ends in a newline.  Without it, no whitespace is added.
 * With rec set, the writer records the template being rendered: every
 * value it escapes is searched for hole codes (esc_holes()).
 */
void
xml_init(struct xml_w *w, struct mac_buf *b, int pretty, struct tpl_rec *rec)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->rec = rec;
	w->pretty = pretty != 0;
}

/*
 * Write the XML declaration (XML 1.0 section 2.8) for UTF-8, followed by
 * a newline in pretty mode.
 */
void
xml_decl(struct xml_w *w)
{
	PUT_LIT(w->b, XML_DECL);
	xml_eol(w);
}

/*
 * Open element name with the NULL-terminated attribute pairs that follow
 * and push it.  Past MAC_XML_STACK_MAX open elements nothing is written
 * or pushed and b records MAC_ENOMEM.  name and the attribute names are
 * trusted constants; the stack keeps the name pointer, which must stay
 * valid until the element is closed.
 */
void
xml_open(struct xml_w *w, const char *name, ...)
{
	va_list ap;

	if (w->depth >= MAC_XML_STACK_MAX) {
		if (w->b->err == MAC_OK) {
			mac_log("%s: more than %d open elements", __func__,
			    MAC_XML_STACK_MAX);
			w->b->err = MAC_ENOMEM;
		}
		return;
	}
	va_start(ap, name);
	xml_stag(w, name, ap);
	va_end(ap);
	buf_putc(w->b, '>');
	xml_eol(w);
	w->stack[w->depth++] = name;
}

/* Close the innermost open element; with none open, do nothing. */
void
xml_close(struct xml_w *w)
{
	if (w->depth == 0)
		return;
	w->depth--;
	xml_indent(w);
	xml_etag(w, w->stack[w->depth]);
}

/* Close every open element, innermost first. */
void
xml_end(struct xml_w *w)
{
	while (w->depth > 0)
		xml_close(w);
}

/*
 * Write <name attrs>text</name>, with the NULL-terminated attribute pairs
 * after text and text through xml_text().  A NULL text writes the empty
 * element <name attrs/>; an empty one writes <name attrs></name>.
 */
void
xml_elem(struct xml_w *w, const char *name, const char *text, ...)
{
	va_list ap;

	va_start(ap, text);
	xml_stag(w, name, ap);
	va_end(ap);
	xml_content(w, name, text, text == NULL ? 0 : strlen(text));
}

/*
 * Write <name>text</name> from a counted string, without attributes.  A
 * NULL p (an absent struct mac_str) writes <name/>.
 */
void
xml_elemn(struct xml_w *w, const char *name, const char *p, size_t len)
{
	xml_lt(w, name);
	xml_content(w, name, p, len);
}

/* Write <name>v</name> with v in decimal. */
void
xml_elemu(struct xml_w *w, const char *name, unsigned long v)
{
	xml_lt(w, name);
	buf_putc(w->b, '>');
	buf_putu(w->b, v);
	xml_etag(w, name);
}

/* Write the empty element <name attrs/>; attribute pairs as xml_open(). */
void
xml_empty(struct xml_w *w, const char *name, ...)
{
	va_list ap;

	va_start(ap, name);
	xml_stag(w, name, ap);
	va_end(ap);
	xml_content(w, name, NULL, 0);
}

/*
 * Append trusted constant markup s exactly as it is: unescaped, without
 * indentation or newline, so s carries any line break it needs (the plist
 * DOCTYPE, for instance, ends in one in pretty documents).  Never pass it
 * anything from a request or the configuration.
 */
void
xml_raw(struct xml_w *w, const char *s)
{
	buf_puts(w->b, s);
}

/*
 * Append n bytes of s as a URL query value (RFC 3986 section 2.1): every
 * byte but the unreserved ALPHA, DIGIT, "-", ".", "_" and "~" as %XX, so
 * that "&", "=", "+", "#" and "%" stay inside the value.  Returns
 * MAC_EINPUT, writing nothing, if s is not well-formed UTF-8; otherwise
 * as xml_text().
 */
enum mac_err
url_qval(struct mac_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, mark;
	unsigned char c;
	char pct[3];

	if (n > 0 && esc_check(ESC_JSON, s, n, &i) != MAC_OK) {
		if (b->err == MAC_OK) {
			mac_log("%s: byte %zu of %zu is not allowed", __func__,
			    i, n);
			b->err = MAC_EINPUT;
		}
		return MAC_EINPUT;
	}
	if (b->err != MAC_OK)
		return b->err;
	mark = b->len;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_putc(b, (char)c);
			continue;
		}
		pct[0] = '%';
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 15];
		buf_put(b, pct, sizeof(pct));
	}
	if (b->err != MAC_OK)
		b->len = mark;
	return b->err;
}
