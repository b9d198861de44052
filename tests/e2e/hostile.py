#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) the mailautoconf developers
"""Hostile requests through the real nginx to the real responder.

Run by tests/e2e/run.sh once nginx and the responder are up:

    hostile.py TLS_PORT HTTP_PORT DOMAIN

DOMAIN is the mail domain whose autoconfig.DOMAIN and autodiscover.DOMAIN
names the TLS server answers (example.com in run.sh; the expected answers
are written for tests/e2e/extra.ini).

Every request is sent byte for byte over a raw socket (TLS with SNI, or
plain TCP), with "Connection: close", and read to EOF, so that requests
curl cannot send (NUL bytes, bad request lines, raw CR/LF, huge headers,
invalid UTF-8) can be sent.  Each case checks the exact status, the exact
Content-Type, the exact body, that Content-Length matches the body, that
no header outside a short list appears and that none of the hostile
markers appears in the headers or unescaped in the body; then it checks
that the responder still answers a normal request.

The body of an Autodiscover Error document carries the time; it is
compared with the time replaced by 00:00:00.0000000.  nginx's own pages
name its version (server_tokens is on by default); it is replaced by
"@SERVER@".  Long expected bodies live in tests/e2e/hostile/NAME.body;
MAC_HOSTILE_UPDATE=1 rewrites those from the actual answers (read every
changed file before keeping it).

Output: "ok   NAME" or "FAIL NAME" with indented details per case, then
the last line "hostile: N passed, M failed".  Exit status 0 if M is 0.
"""
import os
import re
import socket
import ssl
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BODY_DIR = os.path.join(HERE, "hostile")
UPDATE = os.environ.get("MAC_HOSTILE_UPDATE") == "1"
TIMEOUT = 10

# ---- expected answers -------------------------------------------------------


class File:
    """An expected body kept in tests/e2e/hostile/NAME.body."""

    def __init__(self, name):
        self.name = name
        self.path = os.path.join(BODY_DIR, name + ".body")


def nginx_page(title, h1=None, extra=""):
    """nginx's built-in error page (ngx_http_special_response.c)."""
    page = "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n" % title
    page += "<center><h1>%s</h1></center>\r\n" % (h1 or title)
    if extra:
        page += "<center>%s</center>\r\n" % extra
    page += "<hr><center>@SERVER@</center>\r\n</body>\r\n</html>\r\n"
    return page.encode()


NGINX_400 = nginx_page("400 Bad Request")
NGINX_404 = nginx_page("404 Not Found")
NGINX_302 = nginx_page("302 Found")
NGINX_405 = nginx_page("405 Not Allowed")
NGINX_414 = nginx_page("414 Request-URI Too Large")
NGINX_494 = nginx_page("400 Request Header Or Cookie Too Large",
                       "400 Bad Request", "Request Header Or Cookie Too Large")
NGINX_505 = nginx_page("505 HTTP Version Not Supported")

TEXT = "text/plain; charset=utf-8"
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
HTML = "text/html"
PLIST = "application/x-apple-aspen-config"
PAGE = "text/html; charset=utf-8"  # the setup page, not nginx's
SVG = "image/svg+xml; charset=utf-8"

AC_OK = File("autoconfig-example.com")
POX_ALICE = File("pox-alice")
ALLOW_READ = {"Allow": "GET, HEAD"}
ALLOW_POX = {"Allow": "POST, GET, HEAD"}
V1_URL = (b'{"Protocol":"AutodiscoverV1","Url":"https://autodiscover.'
          b'example.com/autodiscover/autodiscover.xml"}')


def json_err(msg, code="InvalidRequest"):
    return b'{"ErrorCode":"%s","ErrorMessage":"%s"}' % (code.encode(),
                                                       msg.encode())


def text(msg):
    return msg.encode() + b"\n"


# ---- requests ---------------------------------------------------------------

MS = "http://schemas.microsoft.com/exchange/autodiscover"
NS_OUTLOOK_REQ = MS + "/outlook/requestschema/2006"
SCHEMA_OUTLOOK = MS + "/outlook/responseschema/2006a"
SCHEMA_MOBILESYNC = MS + "/mobilesync/responseschema/2006"
DECL = '<?xml version="1.0" encoding="utf-8"?>'


def pox(email="alice@example.com", ns=NS_OUTLOOK_REQ, schema=SCHEMA_OUTLOOK,
        decl=DECL, prolog=""):
    """An Autodiscover request body (text; EMailAddress content as given)."""
    x = decl + prolog
    if ns:
        x += '<Autodiscover xmlns="%s"><Request>' % ns
    else:
        x += "<Autodiscover><Request>"
    x += "<EMailAddress>%s</EMailAddress>" % email
    if schema:
        x += ("<AcceptableResponseSchema>%s</AcceptableResponseSchema>"
              % schema)
    return x + "</Request></Autodiscover>"


SERVERS = {}  # "ac", "ad", "bare" -> host name; set in main()


class Req:
    """One raw request: the bytes, and where they go."""

    def __init__(self, raw, host, tls=True, head=False):
        self.raw, self.host, self.tls, self.head = raw, host, tls, head


def b(s):
    return s if isinstance(s, bytes) else s.encode()


def http(method, target, host="ac", headers=(), body=None, tls=True,
         version=b"HTTP/1.1", host_header=None, length=True):
    """A request in HTTP/1.1 form to server host ("ac", "ad", "bare" or a
    name), which is also the SNI name.  The Host line names the same
    server unless host_header is given (b"" leaves the line out)."""
    sni = SERVERS.get(host, host)
    r = b"%s %s %s\r\n" % (b(method), b(target), version)
    if host_header is None:
        r += b"Host: %s\r\n" % b(sni)
    elif host_header:
        r += b"Host: %s\r\n" % b(host_header)
    for h in headers:
        r += b(h) + b"\r\n"
    if body is not None:
        body = b(body)
        if length:
            r += b"Content-Length: %d\r\n" % len(body)
    r += b"Connection: close\r\n\r\n"
    if body is not None:
        r += body
    return Req(r, sni, tls, head=(method == "HEAD"))


def get(target, host="ac", **kw):
    return http("GET", target, host, **kw)


def post_pox(body, headers=("Content-Type: text/xml; charset=utf-8",),
             target="/autodiscover/autodiscover.xml", **kw):
    return http("POST", target, "ad", headers=headers, body=body, **kw)


def raw(data, host="ac", tls=True):
    return Req(data, SERVERS.get(host, host), tls)


# ---- the catalogue ------------------------------------------------------------

# Markers that must never appear in a response header (case-insensitive)
# nor, unescaped, in a body.
TAINT = [b"INJECTED", b"X-Injected", b"<script", b"root:x:0:0", b"evil.test"]

AC = "/mail/config-v1.1.xml"
ADDR = "?emailaddress=alice%40example.com"


def case(name, req, status, ctype, body, headers=None, taint=()):
    """One row: the request, and status, Content-Type (None: no header),
    body (bytes, or a File), exact header values (None: absent), extra
    markers that must not appear unescaped in the body."""
    return dict(name=name, req=req, status=status, ctype=ctype, body=body,
                headers=headers or {}, taint=list(taint))


def catalogue():
    c = []

    def add(*a, **kw):
        c.append(case(*a, **kw))

    # -- XML external entities and DTDs (Autodiscover POX) --
    dtd = File("pox-err-dtd")
    add("pox SYSTEM entity file:///etc/passwd -> 400 Error 600, not read",
        post_pox('<?xml version="1.0"?><!DOCTYPE Autodiscover [<!ENTITY x '
                 'SYSTEM "file:///etc/passwd">]>' + pox("&x;", decl="")),
        400, XML, dtd)
    add("pox parameter entity from http://evil.test -> 400, never fetched",
        post_pox('<?xml version="1.0"?><!DOCTYPE Autodiscover [<!ENTITY % p '
                 'SYSTEM "http://evil.test/x.dtd"> %p;]>' + pox("&e;", decl="")),
        400, XML, dtd)
    add("pox external DTD (DOCTYPE SYSTEM http://evil.test) -> 400",
        post_pox('<?xml version="1.0"?><!DOCTYPE Autodiscover SYSTEM '
                 '"http://evil.test/autodiscover.dtd">' + pox(decl="")),
        400, XML, dtd)
    add("pox DOCTYPE with PUBLIC id and no subset -> 400",
        post_pox('<!DOCTYPE Autodiscover PUBLIC "-//X//EN" "file:///etc/passwd">'
                 + pox(decl="")), 400, XML, dtd)
    laughs = '<!ENTITY l0 "INJECTED">' + "".join(
        '<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10)
        for i in range(1, 10))
    add("pox billion laughs (10^9 expansion) -> 400 at once",
        post_pox('<?xml version="1.0"?><!DOCTYPE Autodiscover [%s]>' % laughs
                 + pox("&l9;", decl="")), 400, XML, dtd)
    add("pox quadratic blow-up (one 8 KiB entity used 500 times) -> 400",
        post_pox('<!DOCTYPE Autodiscover [<!ENTITY a "%s">]>' % ("x" * 8000)
                 + pox("&a;" * 500, decl="")), 400, XML, dtd)
    add("pox undeclared entity &xxe; without a DTD -> 400 not well-formed",
        post_pox(pox("&xxe;")), 400, XML, File("pox-err-not-wf"))
    add("pox XInclude of file:///etc/passwd -> not processed, 400 empty address",
        post_pox(pox('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                     'href="file:///etc/passwd" parse="text"/>')),
        400, XML, File("pox-err-empty-address"))

    # -- nesting --
    add("pox 10,000 nested elements (30 KB) -> 413 from the responder",
        post_pox("<a>" * 10000), 413, XML, File("pox-err-too-large"))
    add("pox 5,000 nested elements within 16 KiB -> 400 nested too deeply",
        post_pox("<Autodiscover>" + "<a>" * 5000), 400, XML,
        File("pox-err-depth"))
    add("pox depth 9 (limit 8) -> 400 nested too deeply",
        post_pox("<Autodiscover>" + "<a>" * 7 + "<EMailAddress>alice@example"
                 ".com</EMailAddress>" + "</a>" * 7 + "</Autodiscover>"),
        400, XML, File("pox-err-depth"))
    add("pox EMailAddress at depth 8 (the limit) -> 200",
        post_pox("<Autodiscover>" + "<a>" * 6 + "<EMailAddress>alice@example"
                 ".com</EMailAddress>" + "</a>" * 6 + "</Autodiscover>"),
        200, XML, POX_ALICE)

    # -- sizes --
    body = pox()
    add("pox body of exactly 16384 bytes (padded) -> 200",
        post_pox(body + " " * (16384 - len(body))), 200, XML, POX_ALICE)
    add("pox body of 16385 bytes -> 413 Error document from the responder",
        post_pox(body + " " * (16385 - len(body))), 413, XML,
        File("pox-err-too-large"))
    add("pox body of 65536 bytes (nginx's cap) -> 413 from the responder",
        post_pox(body + " " * (65536 - len(body))), 413, XML,
        File("pox-err-too-large"))
    add("pox body of 65537 bytes -> 413 from nginx, the snippet's text",
        post_pox(body + " " * (65537 - len(body))), 413, TEXT,
        text("request body too large"))
    add("pox chunked body of 20 KiB -> 413 from the responder",
        post_pox(chunked(body + " " * 20480), length=False,
                 headers=("Content-Type: text/xml", "Transfer-Encoding: chunked")),
        413, XML, File("pox-err-too-large"))
    add("pox chunked body of 100 KiB -> 413 from nginx",
        post_pox(chunked(body + " " * 102400), length=False,
                 headers=("Content-Type: text/xml", "Transfer-Encoding: chunked")),
        413, TEXT, text("request body too large"))
    add("pox chunked small body -> 200",
        post_pox(chunked(body), length=False,
                 headers=("Content-Type: text/xml", "Transfer-Encoding: chunked")),
        200, XML, POX_ALICE)
    add("Content-Length and Transfer-Encoding together -> 400 from nginx",
        post_pox(chunked(body), headers=("Transfer-Encoding: chunked",)),
        400, HTML, NGINX_400)
    add("two Content-Length headers -> 400 from nginx",
        post_pox(body, headers=("Content-Length: 5",)), 400, HTML, NGINX_400)
    add("negative Content-Length -> 400 from nginx",
        post_pox(body, length=False, headers=("Content-Length: -1",)),
        400, HTML, NGINX_400)

    # -- oversized request lines and headers (nginx's own pages) --
    add("request line of 9,000 bytes -> 414 from nginx",
        get(AC + "?emailaddress=" + "a" * 9000), 414, HTML, NGINX_414)
    add("one header of 9,000 bytes -> 400 Request Header Too Large (494)",
        get(AC + ADDR, headers=("X-Big: " + "a" * 9000,)), 400, HTML, NGINX_494)
    add("headers totalling 42 KB (6 x 7 KB) -> 400 Request Header Too Large",
        get(AC + ADDR, headers=["X-Big%d: %s" % (i, "a" * 7000)
                                for i in range(6)]), 400, HTML, NGINX_494)
    add("query string of 3,000 bytes (nginx passes it) -> 400 from the responder",
        get(AC + ADDR + "&x=" + "a" * 3000), 400, TEXT,
        text("query string too long"))
    add("33 query parameters -> 400 too many",
        get(AC + "?" + "&".join("k%d=v" % i for i in range(33)) + "&" + ADDR[1:]),
        400, TEXT, text("too many query parameters"))
    add("Host of 300 bytes, no emailaddress -> 400 Host too long",
        get(AC, host_header="a" * 288 + ".example.com"), 400, TEXT,
        text("Host header too long"))

    # -- truncated XML, invalid UTF-8 --
    notwf = File("pox-err-not-wf")
    add("pox truncated inside the EMailAddress -> 400 not well-formed",
        post_pox(pox()[:120]), 400, XML, notwf)
    add("pox truncated after the XML declaration -> 400",
        post_pox(DECL), 400, XML, notwf)
    add("pox invalid UTF-8 byte 0xFF in EMailAddress -> 400",
        post_pox(b(pox("aliceZ@example.com")).replace(b"Z", b"\xff")),
        400, XML, notwf)
    add("pox overlong UTF-8 (C0 80) in EMailAddress -> 400",
        post_pox(b(pox("aliceZ@example.com")).replace(b"Z", b"\xc0\x80")),
        400, XML, notwf)
    add("pox UTF-8 encoded surrogate (ED A0 80) -> 400",
        post_pox(b(pox("aliceZ@example.com")).replace(b"Z", b"\xed\xa0\x80")),
        400, XML, notwf)
    add("autoconfig %FF in the local part -> 400 not UTF-8",
        get(AC + "?emailaddress=%FF%40example.com"), 400, TEXT,
        text("local part is not valid UTF-8"))
    add("autoconfig overlong %C0%80 in the local part -> 400",
        get(AC + "?emailaddress=a%C0%80b%40example.com"), 400, TEXT,
        text("local part is not valid UTF-8"))
    add("mobileconfig %ED%A0%80 (surrogate) in the local part -> 400",
        get("/mobileconfig?emailaddress=a%ED%A0%80%40example.com"), 400, TEXT,
        text("local part is not valid UTF-8"))
    add("json v2 path /v1.0/%FF@example.com -> 400 JSON",
        get("/autodiscover/autodiscover.json/v1.0/%FF@example.com", "ad"), 400,
        JSON, json_err("local part is not valid UTF-8"))
    add("autoconfig %FF in the domain -> 400 invalid domain",
        get(AC + "?emailaddress=alice%40example%FF.com"), 400, TEXT,
        text("invalid internationalised domain"))
    add("invalid UTF-8 in the path -> 404 from nginx",
        get("/mail/config-v1.1.xml\xff".encode("latin-1")), 404, HTML, NGINX_404)
    add("mobileconfig name with invalid UTF-8 -> 400 not UTF-8",
        get("/mobileconfig" + ADDR + "&name=%FFx"), 400, TEXT,
        text("name is not valid UTF-8"))
    add("mobileconfig name with U+FFFF -> 400 not UTF-8 (XML forbids it)",
        get("/mobileconfig" + ADDR + "&name=a%EF%BF%BF"), 400, TEXT,
        text("name is not valid UTF-8"))

    # -- declared encodings --
    u16 = pox(decl='<?xml version="1.0" encoding="UTF-16"?>')
    add("pox UTF-16LE with BOM -> 200 (expat decodes it)",
        post_pox(b"\xff\xfe" + u16.encode("utf-16-le")), 200, XML, POX_ALICE)
    add("pox UTF-16BE with BOM -> 200",
        post_pox(b"\xfe\xff" + u16.encode("utf-16-be")), 200, XML, POX_ALICE)
    add("pox UTF-16LE without BOM (declared UTF-16) -> 200",
        post_pox(u16.encode("utf-16-le")), 200, XML, POX_ALICE)
    add("pox UTF-8 BOM -> 200",
        post_pox(b"\xef\xbb\xbf" + pox().encode()), 200, XML, POX_ALICE)
    add("pox ISO-8859-1 with e-acute (0xE9) in the local part -> 200 in UTF-8",
        post_pox(pox("j\xe9r\xf4me@example.com",
                     decl='<?xml version="1.0" encoding="ISO-8859-1"?>'
                     ).encode("latin-1")), 200, XML, File("pox-jerome"))
    add("pox bogus encoding name -> 400",
        post_pox(pox(decl='<?xml version="1.0" encoding="x-INJECTED"?>')),
        400, XML, notwf)
    add("pox EBCDIC (IBM037), declared -> 400",
        post_pox(pox(decl='<?xml version="1.0" encoding="IBM037"?>'
                     ).encode("cp037")), 400, XML, notwf)
    add("pox declared US-ASCII with a byte 0xE9 -> 400",
        post_pox(pox("j\xe9r\xf4me@example.com",
                     decl='<?xml version="1.0" encoding="US-ASCII"?>'
                     ).encode("latin-1")), 400, XML, notwf)
    add("pox UTF-8 body sent as Content-Type charset=utf-16 -> 200 (type ignored)",
        post_pox(pox(), headers=("Content-Type: text/xml; charset=utf-16",)),
        200, XML, POX_ALICE)

    # -- NUL bytes --
    add("autoconfig %00 in emailaddress -> 400 NUL",
        get(AC + "?emailaddress=alice%00%40example.com"), 400, TEXT,
        text("NUL byte in query"))
    add("mobileconfig %00 in name -> 400 NUL",
        get("/mobileconfig" + ADDR + "&name=a%00b"), 400, TEXT,
        text("NUL byte in query"))
    add("autoconfig %00 in an ignored parameter -> 200 (never decoded)",
        get(AC + ADDR + "&emailmd5=%00"), 200, XML, AC_OK)
    add("raw NUL in the path -> 400 from nginx",
        get(b"/mail/config-v1.1.xml\x00x" + ADDR.encode()), 400, HTML, NGINX_400)
    add("%00 in the path -> 400 from nginx",
        get("/mail/config-v1.1.xml%00" + ADDR), 400, HTML, NGINX_400)
    add("raw NUL in the query -> 400 from nginx",
        get(b"/mail/config-v1.1.xml?emailaddress=a\x00@example.com"),
        400, HTML, NGINX_400)
    add("json v2 path with %00 in the address -> 400 from nginx",
        get("/autodiscover/autodiscover.json/v1.0/a%00@example.com", "ad"),
        400, HTML, NGINX_400)
    add("raw NUL in a header value -> 400 from nginx",
        get(AC + ADDR, headers=(b"X-Nul: a\x00b",)), 400, HTML, NGINX_400)
    add("pox NUL byte in EMailAddress -> 400 not well-formed",
        post_pox(b(pox("aliceZ@example.com")).replace(b"Z", b"\x00")),
        400, XML, notwf)
    add("pox &#0; in EMailAddress -> 400 not well-formed",
        post_pox(pox("alice&#0;@example.com")), 400, XML, notwf)

    # -- CR/LF and quote injection through the address --
    crlf = "a%22%0d%0aX-Injected:%20x@example.com"
    badlocal = "invalid character in local part"
    add("autoconfig emailaddress with CR LF X-Injected -> 400",
        get(AC + "?emailaddress=" + crlf), 400, TEXT, text(badlocal))
    add("mobileconfig emailaddress with CR LF X-Injected -> 400, no attachment",
        get("/mobileconfig?emailaddress=" + crlf), 400, TEXT, text(badlocal),
        headers={"Content-Disposition": None})
    add("json v2 Email= with CR LF X-Injected -> 400 JSON",
        get("/autodiscover/autodiscover.json?Protocol=AutodiscoverV1&Email="
            + crlf, "ad"), 400, JSON, json_err(badlocal))
    add("json v2 path with %0d%0a X-Injected -> 404 (nginx's '.' stops at LF)",
        get("/autodiscover/autodiscover.json/v1.0/a%0d%0aX-Injected:x@example"
            ".com", "ad"), 404, HTML, NGINX_404)
    add("pox EMailAddress with &#13;&#10;X-Injected -> 400 Error 600",
        post_pox(pox("a&#13;&#10;X-Injected: x@example.com")), 400, XML,
        File("pox-err-bad-local"))
    add("mobileconfig domain with a quote (Content-Disposition) -> 400",
        get('/mobileconfig?emailaddress=alice%40exa%22mple.com'), 400, TEXT,
        text("invalid character in domain"),
        headers={"Content-Disposition": None})
    add("mobileconfig domain with CR LF -> 400, no attachment",
        get('/mobileconfig?emailaddress=alice%40example.com%0d%0aX-Injected:x'),
        400, TEXT, text("invalid character in domain"),
        headers={"Content-Disposition": None})
    add('autoconfig a"b@example.com (invalid unquoted) -> 400',
        get(AC + '?emailaddress=a%22b%40example.com'), 400, TEXT,
        text(badlocal))
    add('autoconfig "a b"@example.com (quoted local part: valid RFC 5322, '
        'refused) -> 400',
        get(AC + '?emailaddress=%22a%20b%22%40example.com'), 400, TEXT,
        text(badlocal))
    add("mobileconfig a<b>@example.com -> 400",
        get("/mobileconfig?emailaddress=a%3Cb%3E%40example.com"), 400, TEXT,
        text(badlocal), taint=[b"a<b>"])
    add("pox a&lt;script&gt;@example.com -> 400",
        post_pox(pox("a&lt;script&gt;@example.com")), 400, XML,
        File("pox-err-bad-local"))
    add("mobileconfig a&b@example.com (valid atext) -> 200, &amp; in the plist",
        get("/mobileconfig?emailaddress=a%26b%40example.com"), 200, PLIST,
        File("mobileconfig-a-amp-b"), taint=[b"a&b@"],
        headers={"Content-Disposition":
                 'attachment; filename="example.com.mobileconfig"'})
    add("mobileconfig o'brien@example.com -> 200, &apos; in the plist",
        get("/mobileconfig?emailaddress=o%27brien%40example.com"), 200, PLIST,
        File("mobileconfig-obrien"), taint=[b"o'brien"],
        headers={"Content-Disposition":
                 'attachment; filename="example.com.mobileconfig"'})
    add("pox a&amp;b@example.com -> 200, LoginName escaped",
        post_pox(pox("a&amp;b@example.com")), 200, XML, File("pox-a-amp-b"),
        taint=[b"a&b@"])
    add("autoconfig a&b@example.com -> 200, address not echoed",
        get(AC + "?emailaddress=a%26b%40example.com"), 200, XML, AC_OK)
    add("json v2 a&b@example.com -> 200, address not echoed",
        get("/autodiscover/autodiscover.json?Email=a%26b%40example.com&Protocol"
            "=AutodiscoverV1", "ad"), 200, JSON, V1_URL)
    add("mobileconfig name=</string><key>... -> 200, escaped in the plist",
        get("/mobileconfig" + ADDR + "&name=%3C%2Fstring%3E%3Cscript%3E%22%27"),
        200, PLIST, File("mobileconfig-name-markup"), taint=[b"</string><"],
        headers={"Content-Disposition":
                 'attachment; filename="example.com.mobileconfig"'})
    # -- the QR codes and the setup page: values escaped, never echoed raw --
    for q in ("png", "svg"):
        add("qrcode %s a<b>@example.com -> 400" % q,
            get("/mobileconfig.qrcode.%s?emailaddress=a%%3Cb%%3E%%40example.com"
                % q), 400, TEXT, text(badlocal))
        add("qrcode %s CR LF X-Injected in the address -> 400" % q,
            get("/mobileconfig.qrcode.%s?emailaddress=" % q + crlf), 400, TEXT,
            text(badlocal))
        add("qrcode %s unknown domain -> 404" % q,
            get("/mobileconfig.qrcode.%s?emailaddress=a%%40unknown.example" % q),
            404, TEXT, text("no provider serves this domain"))
    add("qrcode svg a&b@example.com -> 200, one path, no markup of the address",
        get("/mobileconfig.qrcode.svg?emailaddress=a%26b%40example.com"), 200,
        SVG, File("qrcode-a-amp-b"), taint=[b"a&b@", b"example.com"])
    add("qrcode svg name=</svg><script> -> 200, the name only in the code",
        get("/mobileconfig.qrcode.svg" + ADDR
            + "&name=%3C%2Fsvg%3E%3Cscript%3E%22%27"), 200, SVG,
        File("qrcode-name-markup"), taint=[b"</svg><", b"<script"])
    add("setup a&b@example.com -> 200, &amp; in text and links",
        get("/mail/setup?emailaddress=a%26b%40example.com"), 200, PAGE,
        File("setup-a-amp-b"), taint=[b"a&b@", b"<script"])
    add("setup o'brien@example.com -> 200, &apos; in text, %27 in links",
        get("/mail/setup?emailaddress=o%27brien%40example.com"), 200, PAGE,
        File("setup-obrien"), taint=[b"o'brien"])
    add("setup <script> in the address -> 400 HTML, not echoed",
        get("/mail/setup?emailaddress=%3Cscript%3Ealert(1)%3C%2Fscript%3E%40"
            "example.com"), 400, PAGE, File("setup-err-bad-local"),
        taint=[b"<script>a"])
    add("setup \"><img src=x> in the address -> 400 HTML, not echoed",
        get("/mail/setup?emailaddress=%22%3E%3Cimg%20src%3Dx%3E%40example.com"),
        400, PAGE, File("setup-err-bad-local"), taint=[b"<img src=x"])
    add("setup CR LF X-Injected in the address -> 400 HTML",
        get("/mail/setup?emailaddress=" + crlf), 400, PAGE,
        File("setup-err-bad-local"))
    add("setup unknown domain -> 404 HTML",
        get("/mail/setup?emailaddress=a%40unknown.example"), 404, PAGE,
        File("setup-err-unknown-domain"))
    add("setup address of 300 bytes -> 400 HTML",
        get("/mail/setup?emailaddress=" + "a" * 290 + "%40example.com"), 400,
        PAGE, File("setup-err-too-long"))
    add("setup HEAD -> 200 headers only",
        http("HEAD", "/mail/setup" + ADDR), 200, PAGE, b"")
    add("mobileconfig name with CR LF -> 400 control character",
        get("/mobileconfig" + ADDR + "&name=a%0d%0aX-Injected:%20x"), 400, TEXT,
        text("control character in name"))
    add("json v2 Email=a\\\"b@example.com -> 400 JSON, no broken string",
        get('/autodiscover/autodiscover.json?Email=a%5C%22b%40example.com', "ad"),
        400, JSON, json_err(badlocal))

    # -- lengths and @ counts --
    add("local part of 64 octets -> 200",
        get(AC + "?emailaddress=" + "a" * 64 + "%40example.com"), 200, XML, AC_OK)
    add("local part of 65 octets -> 400",
        get(AC + "?emailaddress=" + "a" * 65 + "%40example.com"), 400, TEXT,
        text("local part too long"))
    add("address of 255 octets -> 400 too long",
        get(AC + "?emailaddress=alice%40" + "a." * 119 + "example.com"),
        400, TEXT, text("address too long"))
    add("domain label of 64 octets -> 400",
        get(AC + "?emailaddress=alice%40" + "b" * 64 + ".example.com"), 400,
        TEXT, text("domain label too long"))
    add("pox EMailAddress of 255 octets -> 400",
        post_pox(pox("a" * 64 + "@" + "b." * 90 + "example.com")), 400, XML,
        File("pox-err-address-too-long"))
    add("a@b@example.com -> 400 more than one @",
        get(AC + "?emailaddress=a@b@example.com"), 400, TEXT,
        text("address has more than one '@'"))
    add("@example.com -> 400 empty local part",
        get(AC + "?emailaddress=%40example.com"), 400, TEXT,
        text("address has an empty local part"))
    add("alice@ -> 400 empty domain",
        get(AC + "?emailaddress=alice%40"), 400, TEXT, text("empty domain"))

    # -- percent-encoding tricks --
    add("%2540 (double-encoded @) -> 400 no @",
        get(AC + "?emailaddress=alice%2540example.com"), 400, TEXT,
        text("address has no '@'"))
    add("%u0040 -> 400 malformed percent-encoding",
        get(AC + "?emailaddress=alice%u0040example.com"), 400, TEXT,
        text("malformed percent-encoding"))
    add("truncated %4 at the end -> 400",
        get(AC + "?emailaddress=alice%40example.com%4"), 400, TEXT,
        text("malformed percent-encoding"))
    add("%4G -> 400",
        get(AC + "?emailaddress=alice%4Gexample.com"), 400, TEXT,
        text("malformed percent-encoding"))
    add("lower-case hex %2b and %40 -> 200, plus kept",
        get("/mobileconfig?emailaddress=alice%2btag%40example.com"), 200, PLIST,
        File("mobileconfig-alice-plus-tag"))
    add("raw + kept as + (not a space) -> 200, same profile",
        get("/mobileconfig?emailaddress=alice+tag@example.com"), 200, PLIST,
        File("mobileconfig-alice-plus-tag"))
    add("%20 in the local part -> 400",
        get(AC + "?emailaddress=alice%20tag%40example.com"), 400, TEXT,
        text(badlocal))
    add("UTF-8 local part %E2%82%AC -> 200, in the profile as UTF-8",
        get("/mobileconfig?emailaddress=%E2%82%ACuro%40example.com"), 200, PLIST,
        File("mobileconfig-euro"))
    add("two emailaddress parameters -> the first wins (bad one: 400)",
        get(AC + "?emailaddress=not-an-address&emailaddress=alice%40example.com"),
        400, TEXT, text("address has no '@'"))
    add("EMAILADDRESS= (key case) -> 200",
        get(AC + "?EMAILADDRESS=alice%40example.com"), 200, XML, AC_OK)

    # -- path variants --
    for target, what in (("/mail/../mail/config-v1.1.xml", "dot-dot"),
                         ("//mail/config-v1.1.xml", "double slash"),
                         ("/mail/./config-v1.1.xml", "dot segment"),
                         ("/mail%2Fconfig-v1.1.xml", "%2F"),
                         ("/mail/config-v1.1%2Exml", "%2E")):
        add("path with %s %s -> 200 (nginx normalises it)" % (what, target),
            get(target + ADDR), 200, XML, AC_OK)
    for target in ("/mail/config-v1.1.xml/", "/mail/config-v1.1.xml;x",
                   "/mail/config-v1.1.xml%3Fx", "/mail/config-v1.1.xml.bak"):
        add("path %s -> 404 from nginx" % target, get(target + ADDR), 404, HTML,
            NGINX_404)
    # The snippet's regex ends in '$', which PCRE also matches before a
    # final LF: such a path reaches the responder, which matches exactly.
    add("path /mail/config-v1.1.xml%0a -> passes nginx's '$', 404 from the "
        "responder", get("/mail/config-v1.1.xml%0a" + ADDR), 404, TEXT,
        text("no such endpoint"))
    add("json v2 path /v1.0/alice@example.com%0a -> 400 invalid domain",
        get("/autodiscover/autodiscover.json/v1.0/alice@example.com%0a", "ad"),
        400, JSON, json_err("invalid character in domain"))
    add("path /../../etc/passwd -> 400 from nginx",
        get("/../../etc/passwd"), 400, HTML, NGINX_400)
    add(".well-known with ?x and no address -> 200 from Host",
        get("/.well-known/autoconfig/mail/config-v1.1.xml?x", "bare"), 200, XML,
        AC_OK)
    add("absolute-form target https://autoconfig.../mail/config-v1.1.xml -> 200",
        get("https://%s%s%s" % (SERVERS["ac"], AC, ADDR), host_header="x.evil.test"),
        200, XML, AC_OK)
    add("json v2 path /v1.0/ with no address -> 400",
        get("/autodiscover/autodiscover.json/v1.0/", "ad"), 400, JSON,
        json_err("empty address"))
    add("json v2 path /V1.0/ upper case -> 200",
        get("/autodiscover/autodiscover.json/V1.0/alice@example.com", "ad"),
        200, JSON, V1_URL)
    add("json v2 path with a trailing /x after the address -> 400",
        get("/autodiscover/autodiscover.json/v1.0/alice@example.com/x", "ad"),
        400, JSON, json_err("invalid character in domain"))
    add("alice@example.com. (trailing dot) -> 200",
        get(AC + "?emailaddress=alice%40example.com."), 200, XML, AC_OK)
    add("alice@example.com.. -> 400 empty label",
        get(AC + "?emailaddress=alice%40example.com.."), 400, TEXT,
        text("empty label in domain"))
    add("Host: autoconfig.example.com. (trailing dot) -> 200",
        get(AC, host_header=SERVERS["ac"] + "."), 200, XML, AC_OK)
    add("Host in upper case with a port -> 200",
        get(AC, host_header=SERVERS["ac"].upper() + ":443"), 200, XML, AC_OK)
    add("Host: [::1] -> 400 address literal",
        get(AC, host_header="[::1]"), 400, TEXT,
        text("Host is an address literal, not a mail domain"))
    add("Host with CR inside -> 400 from nginx",
        get(AC, host_header=SERVERS["ac"] + "\rX-Injected: x"), 400, HTML,
        NGINX_400)
    add("two Host headers -> 400 from nginx",
        get(AC, headers=("Host: evil.test",)), 400, HTML, NGINX_400)
    add("HTTP/1.1 without Host -> 400 from nginx",
        get(AC, host_header=b""), 400, HTML, NGINX_400)
    add("HTTP/1.0 without Host -> 200, nginx passes its server_name",
        get(AC, host_header=b"", version=b"HTTP/1.0"), 200, XML, AC_OK)
    add("HTTP/9.9 -> 505 from nginx",
        get(AC + ADDR, version=b"HTTP/9.9"), 505, HTML, NGINX_505)
    add("bare LF line ends -> 200 (nginx accepts them)",
        raw(b"GET " + (AC + ADDR).encode() + b" HTTP/1.1\nHost: "
            + SERVERS["ac"].encode() + b"\nConnection: close\n\n"), 200, XML,
        AC_OK)
    add("header line without a colon -> 400 from nginx",
        get(AC + ADDR, headers=("X-Injected x",)), 400, HTML, NGINX_400)

    # -- methods --
    endpoints = (("autoconfig", AC + ADDR, "ac", ALLOW_READ, TEXT,
                  text("method not allowed")),
                 ("pox", "/autodiscover/autodiscover.xml", "ad", ALLOW_POX, XML,
                  File("pox-err-method")),
                 ("json v2", "/autodiscover/autodiscover.json?Email=alice%40"
                  "example.com", "ad", ALLOW_READ, JSON,
                  json_err("method not allowed", "MethodNotAllowed")),
                 ("mobileconfig", "/mobileconfig" + ADDR, "ac", ALLOW_READ, TEXT,
                  text("method not allowed")),
                 ("qrcode png", "/mobileconfig.qrcode.png" + ADDR, "ac",
                  ALLOW_READ, TEXT, text("method not allowed")),
                 ("qrcode svg", "/mobileconfig.qrcode.svg" + ADDR, "ac",
                  ALLOW_READ, TEXT, text("method not allowed")),
                 ("setup", "/mail/setup" + ADDR, "ac", ALLOW_READ, PAGE,
                  File("setup-err-method")))
    for what, target, host, allow, ctype, body in endpoints:
        for m in ("PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "FOO"):
            data = "<x/>" if m in ("PUT", "PATCH", "PROPFIND") else None
            add("%s %s -> 405 from the responder, Allow" % (what, m),
                http(m, target, host, body=data), 405, ctype, body,
                headers=allow)
        for m in ("TRACE", "CONNECT"):
            add("%s %s -> 405 from nginx" % (what, m),
                http(m, target, host), 405, HTML, NGINX_405)
        add("%s lower-case get -> 400 from nginx" % what,
            http("get", target, host), 400, HTML, NGINX_400)
    add("autoconfig HEAD -> 200 headers only",
        http("HEAD", AC + ADDR), 200, XML, b"")
    add("mobileconfig POST -> 405",
        http("POST", "/mobileconfig" + ADDR, body="x"), 405, TEXT,
        text("method not allowed"), headers=ALLOW_READ)

    # -- Content-Type on Autodiscover POST (ignored today) --
    for ct in (None, "text/plain", "application/x-www-form-urlencoded",
               "application/json", "text/xml; charset=INJECTED"):
        add("pox Content-Type %s -> 200 (not checked)" % (ct or "absent"),
            post_pox(pox(), headers=() if ct is None else ("Content-Type: " + ct,)),
            200, XML, POX_ALICE)
    add("pox multipart/form-data wrapping the XML -> 400 not well-formed",
        post_pox(b"--xyz\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
                 + pox().encode() + b"\r\n--xyz--\r\n",
                 headers=("Content-Type: multipart/form-data; boundary=xyz",)),
        400, XML, notwf)
    add("pox form-urlencoded body (EMailAddress=...) -> 400 not well-formed",
        post_pox("EMailAddress=alice%40example.com",
                 headers=("Content-Type: application/x-www-form-urlencoded",)),
        400, XML, notwf)

    # -- namespace and schema tricks --
    add("pox wrong namespace urn:evil.test -> 200 (local names decide)",
        post_pox(pox(ns="urn:evil.test")), 200, XML, POX_ALICE)
    add("pox no namespace -> 200",
        post_pox(pox(ns=None)), 200, XML, POX_ALICE)
    add("pox prefixed namespace a:Autodiscover -> 200",
        post_pox('<a:Autodiscover xmlns:a="%s"><a:Request><a:EMailAddress>alice'
                 '@example.com</a:EMailAddress></a:Request></a:Autodiscover>'
                 % NS_OUTLOOK_REQ), 200, XML, POX_ALICE)
    add("pox response schema as the request namespace -> 200",
        post_pox(pox(ns=SCHEMA_OUTLOOK)), 200, XML, POX_ALICE)
    add("pox mobilesync schema -> 200 MobileSync answer",
        post_pox(pox(schema=SCHEMA_MOBILESYNC)), 200, XML,
        File("pox-mobilesync-alice"))
    add("pox unknown AcceptableResponseSchema -> 200 Error 601",
        post_pox(pox(schema="urn:evil.test&lt;script>")),
        200, XML, File("pox-err-601-schema"))
    add("pox two EMailAddress elements -> 400",
        post_pox(pox("alice@example.com</EMailAddress><EMailAddress>bob@"
                     "example.net")), 400, XML, File("pox-err-two-addresses"))
    add("pox EMailAddress nested in EMailAddress -> 400",
        post_pox(pox("<EMailAddress>alice@example.com</EMailAddress>")), 400,
        XML, File("pox-err-two-addresses"))
    add("pox EMailAddress outside Request (under the root) -> 200",
        post_pox("<Autodiscover><EMailAddress>alice@example.com</EMailAddress>"
                 "</Autodiscover>"), 200, XML, POX_ALICE)
    add("pox root element not Autodiscover -> 400",
        post_pox("<Request><EMailAddress>alice@example.com</EMailAddress>"
                 "</Request>"), 400, XML, File("pox-err-root"))
    add("pox CDATA address -> 200",
        post_pox(pox("<![CDATA[alice@example.com]]>")), 200, XML, POX_ALICE)
    add("pox CDATA with markup inside -> 400, markup never echoed",
        post_pox(pox("<![CDATA[<script>@example.com]]>")), 400, XML,
        File("pox-err-bad-local"))
    add("pox comment inside the address -> 200 (not part of the text)",
        post_pox(pox("alice@<!-- INJECTED -->example.com")), 200, XML,
        POX_ALICE)
    add("pox processing instruction inside the address -> 200",
        post_pox(pox("alice<?evil INJECTED?>@example.com")), 200, XML,
        POX_ALICE)
    add("pox xml-stylesheet PI before the root -> 200, ignored",
        post_pox(pox(prolog='<?xml-stylesheet href="http://evil.test/x.xsl"?>')),
        200, XML, POX_ALICE)
    add("pox element inside EMailAddress splits it -> 400 no @",
        post_pox(pox("alice<b/>@example.com")), 400, XML,
        File("pox-err-no-at"))
    add("pox xml:base=http://evil.test -> 200, ignored",
        post_pox('<Autodiscover xml:base="http://evil.test/"><Request>'
                 '<EMailAddress>alice@example.com</EMailAddress></Request>'
                 '</Autodiscover>'), 200, XML, POX_ALICE)
    add("pox xmlns redefined mid-document -> 200",
        post_pox('<Autodiscover xmlns="%s"><Request xmlns="urn:evil.test">'
                 '<EMailAddress xmlns="">alice@example.com</EMailAddress>'
                 '</Request></Autodiscover>' % NS_OUTLOOK_REQ), 200, XML,
        POX_ALICE)
    add("pox unbound prefix x:EMailAddress -> 400 not well-formed",
        post_pox(pox().replace("EMailAddress", "x:EMailAddress")), 400, XML,
        notwf)
    add("pox numeric reference &#64; for @ -> 200",
        post_pox(pox("alice&#64;example.com")), 200, XML, POX_ALICE)
    add("pox white space around the address -> 200 (trimmed)",
        post_pox(pox("\r\n\t alice@example.com \t\r\n")), 200, XML, POX_ALICE)
    add("pox second root element after the first -> 400 not well-formed",
        post_pox(pox() + "<Autodiscover/>"), 400, XML, notwf)

    # -- plain http port --
    add("port 80 autodiscover: Host with a bare CR -> 400 from nginx",
        get("/autodiscover/autodiscover.xml", "ad", tls=False,
            host_header=SERVERS["ad"] + "\rX-Injected: x"), 400, HTML,
        NGINX_400)
    add("port 80 autodiscover: %0d%0a in the path -> 302, fixed Location",
        get("/autodiscover/autodiscover.xml%0d%0aX-Injected:%20x", "ad",
            tls=False), 302, HTML, NGINX_302,
        headers={"Location": "https://%s/autodiscover/autodiscover.xml"
                 % SERVERS["ad"]})
    add("port 80 autoconfig: hostile address over http -> 400 as over https",
        get(AC + "?emailaddress=" + crlf, tls=False), 400, TEXT, text(badlocal))
    add("port 80 autoconfig: NUL in path -> 400 from nginx",
        get(b"/mail/config-v1.1.xml\x00", tls=False), 400, HTML, NGINX_400)
    return c


def chunked(data):
    data = b(data)
    out = b""
    for i in range(0, len(data), 4096):
        part = data[i:i + 4096]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    return out + b"0\r\n\r\n"


# ---- transport and checks -----------------------------------------------------

PORTS = {}


def exchange(req):
    """Send req, read to EOF; returns the raw answer bytes."""
    s = socket.create_connection(("127.0.0.1", PORTS[req.tls]), TIMEOUT)
    if req.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=req.host)

    # One thread only: an SSL socket must not be read and written at
    # once.  nginx reads (or discards) a whole body before it answers, so
    # sending everything first cannot deadlock; if it closes early, read
    # what it said.
    out = b""
    try:
        s.sendall(req.raw)
    except OSError:
        pass
    try:
        while True:
            got = s.recv(65536)
            if not got:
                break
            out += got
    except (ConnectionResetError, ssl.SSLError):
        pass
    finally:
        s.close()
    return out


class Answer:
    def __init__(self, data, head):
        self.raw = data
        self.status, self.headers, self.body, self.problems = None, [], b"", []
        if not data.startswith(b"HTTP/"):
            self.problems.append("no status line: %r" % data[:80])
            return
        head_part, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            self.problems.append("no end of headers")
        lines = head_part.split(b"\r\n")
        m = re.match(rb"HTTP/1\.1 (\d{3}) ", lines[0])
        if not m:
            self.problems.append("bad status line %r" % lines[0])
        else:
            self.status = int(m.group(1))
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon:
                self.problems.append("bad header line %r" % line)
                continue
            self.headers.append((name.decode("latin-1"),
                                 value.strip().decode("latin-1")))
        if (self.header("Transfer-Encoding") or "").lower() == "chunked":
            body = unchunk(body)
        cl = self.header("Content-Length")
        if cl is not None and not head and int(cl) != len(body):
            self.problems.append("Content-Length %s, body %d bytes"
                                 % (cl, len(body)))
        self.body = body

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None


def unchunk(data):
    out = b""
    while data:
        size, _, data = data.partition(b"\r\n")
        n = int(size.split(b";")[0], 16)
        if n == 0:
            break
        out, data = out + data[:n], data[n + 2:]
    return out


ALLOWED_HEADERS = {"server", "date", "content-type", "content-length",
                   "connection", "x-content-type-options", "cache-control",
                   "allow", "content-disposition", "location",
                   "transfer-encoding", "content-security-policy"}


def normalise(body):
    """Drop what changes between runs: the Error time, nginx's version."""
    body = re.sub(rb'Time="\d\d:\d\d:\d\d\.\d{7}"', b'Time="00:00:00.0000000"',
                  body)
    return re.sub(rb"<hr><center>nginx(/[0-9.]+)?</center>",
                  b"<hr><center>@SERVER@</center>", body)


written = set()


def expected_body(exp, actual):
    """The expected bytes; in update mode, File bodies are (re)written from
    the first case that names them."""
    if not isinstance(exp, File):
        return exp
    if UPDATE and exp.name not in written:
        written.add(exp.name)
        old = open(exp.path, "rb").read() if os.path.exists(exp.path) else None
        if old != actual:
            os.makedirs(BODY_DIR, exist_ok=True)
            with open(exp.path, "wb") as f:
                f.write(actual)
            print("     (updated %s)" % os.path.relpath(exp.path, HERE))
    try:
        with open(exp.path, "rb") as f:
            return f.read()
    except OSError as e:
        return "missing %s: %s" % (exp.path, e)


def first_diff(a, b_):
    i = next((i for i in range(min(len(a), len(b_))) if a[i] != b_[i]),
             min(len(a), len(b_)))
    return "bodies differ at byte %d: got %r, want %r" % (
        i, a[max(0, i - 40):i + 60], b_[max(0, i - 40):i + 60])


def check(c):
    why = []
    try:
        ans = Answer(exchange(c["req"]), c["req"].head)
    except OSError as e:
        return ["%s: %s" % (type(e).__name__, e)]
    why += ans.problems
    if ans.status != c["status"]:
        why.append("status %s, want %s" % (ans.status, c["status"]))
    ct = ans.header("Content-Type")
    if ct != c["ctype"]:
        why.append("Content-Type %r, want %r" % (ct, c["ctype"]))
    for name, want in c["headers"].items():
        if ans.header(name) != want:
            why.append("%s %r, want %r" % (name, ans.header(name), want))
    for name, value in ans.headers:
        if name.lower() not in ALLOWED_HEADERS:
            why.append("unexpected header %s: %s" % (name, value))
        for t in TAINT:
            if t.decode().lower() in (name + ": " + value).lower():
                why.append("header carries %r: %s: %s" % (t, name, value))
    body = normalise(ans.body)
    for t in TAINT + c["taint"]:
        if t in body:
            why.append("body carries %r unescaped" % t)
    want = expected_body(c["body"], body)
    if isinstance(want, str):
        why.append(want)
    elif body != want:
        why.append(first_diff(body, want))
    if why:
        why.append("answer: %r" % ans.raw[:400])
    return why


def alive():
    """The responder still answers a normal request."""
    a = Answer(exchange(get(AC + ADDR)), False)
    want = expected_body(AC_OK, None) if not UPDATE else None
    if a.status != 200 or (want is not None and a.body != want):
        return "after it, a normal autoconfig GET got %s %r" % (a.status,
                                                                a.body[:100])
    return None


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: hostile.py TLS_PORT HTTP_PORT DOMAIN [NAME-REGEX]")
    PORTS[True], PORTS[False] = int(sys.argv[1]), int(sys.argv[2])
    d = sys.argv[3]
    SERVERS.update(ac="autoconfig." + d, ad="autodiscover." + d, bare=d)
    only = re.compile(sys.argv[4]) if len(sys.argv) > 4 else None
    passed = failed = 0
    for c in catalogue():
        if only and not only.search(c["name"]):
            continue
        why = check(c)
        try:
            dead = alive()
        except OSError as e:
            dead = "after it, a normal autoconfig GET failed: %s" % e
        if dead:
            why.append(dead)
        if why:
            failed += 1
            print("FAIL " + c["name"])
            for line in why:
                print("     " + line)
        else:
            passed += 1
            print("ok   " + c["name"])
        sys.stdout.flush()
    print("hostile: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
