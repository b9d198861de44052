#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) the mailautoconf developers
"""Check every golden answer against what real mail clients enforce.

Usage:
    check_answers.py GOLDEN_DIR     check tests/golden/*/expected
    check_answers.py --selftest     feed deliberately broken answers and
                                    assert that each one is caught; and
                                    check that tests/clients/README.md
                                    names only rules, mutations, golden
                                    cases and sections that exist

The golden test (tests/golden/run.sh) only proves that the renderer still
writes the same bytes.  This script proves that those bytes are something
Thunderbird, Thunderbird for Android, Evolution, Outlook and Apple devices
accept, so a golden file regenerated with a client-breaking change fails
even if its diff was accepted blindly.  The rules, where each comes from
and the check that pins it are in tests/clients/README.md (section numbers
below refer to it); the schemas are in tests/data/spec/.

Each golden case is a directory holding `request` (see mac_render.c),
optionally `provider.ini` (else the shipped etc/mailautoconf.ini) and
`expected`: CGI header lines ending at an empty line (CRLF line ends),
then the body (none for HEAD).

Output: one line per failed check, "FAIL <case>: <rule>: <detail>", then
"clients: N passed, M failed" counted per case.  Exit 1 if M > 0 or N == 0.

Python 3 standard library only, plus `xmllint` (libxml2-utils) for the
RELAX NG grammar.  The grammar and Apple's payload schemas are read from
tests/data/spec/ in this repository, and nowhere else.
"""

import html
import ipaddress
import json
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SPEC = os.path.join(REPO, "tests", "data", "spec")

# --- Namespaces (§4.1) -----------------------------------------------------
NS_AD = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
NS_OUTLOOK = ("http://schemas.microsoft.com/exchange/autodiscover/outlook/"
              "responseschema/2006a")
NS_MOBILESYNC = ("http://schemas.microsoft.com/exchange/autodiscover/"
                 "mobilesync/responseschema/2006")

# --- Thunderbird (§3.2, readFromXML) ----------------------------------------
TB_SOCKET = {"SSL", "STARTTLS", "plain"}
TB_AUTH_IN = {"password-cleartext", "plain", "password-encrypted", "secure",
              "GSSAPI", "NTLM", "OAuth2"}
TB_AUTH_OUT = TB_AUTH_IN | {"none", "client-IP-address", "smtp-after-pop"}
# --- Thunderbird for Android (§3.3, RealAutoconfigParser.kt) ----------------
TBA_SOCKET = {"SSL", "STARTTLS"}
TBA_AUTH = {"OAuth2", "password-cleartext", "password-encrypted"}
# --- Autoconfig booleans (§3.1: exactly true/false) -------------------------
AC_BOOLEANS = {"leaveMessagesOnServer", "downloadOnBiff",
               "useGlobalPreferredServer", "addThisServer"}
PLACEHOLDERS = {"%EMAILADDRESS%": "user@example.com",
                "%EMAILLOCALPART%": "user", "%EMAILDOMAIN%": "example.com",
                "%REALNAME%": "User"}
XML_PREDEFINED = {"amp", "lt", "gt", "quot", "apos"}

# --- Autodiscover POX (§4.2 to §4.4) ----------------------------------------
POX_MAIL_TYPES = {"IMAP", "POP3", "SMTP"}
POX_DAV_TYPES = {"CalDAV", "CardDAV"}
POX_OTHER_TYPES = {"EXCH", "EXPR", "EXHTTP", "WEB", "DAV"}
POX_ONOFF = ("DomainRequired", "SPA", "SSL", "AuthRequired", "UsePOPAuth",
             "SMTPLast")
POX_STARTTLS_PORTS = {143, 110, 25, 587}  # TB's port-based reading, §4.3
POX_ERROR_CODES = {"500", "501", "600", "601", "602", "603"}

# --- Apple profiles (§6) ----------------------------------------------------
UUID_RE = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-"
                     r"[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
DISPOSITION_RE = re.compile(
    r'^attachment; filename="[A-Za-z0-9._-]+\.mobileconfig"$')
APPLE_PASSWORD_KEYS = {"IncomingPassword", "OutgoingPassword",
                       "CalDAVPassword", "CardDAVPassword"}
APPLE_YAML = {
    "TopLevel": "apple-device-management_TopLevel.yaml",
    "Common": "apple-device-management_CommonPayloadKeys.yaml",
    "com.apple.mail.managed": "apple-device-management_com.apple.mail.managed.yaml",
    "com.apple.caldav.account": "apple-device-management_com.apple.caldav.account.yaml",
    "com.apple.carddav.account": "apple-device-management_com.apple.carddav.account.yaml",
}
# What the YAML `type:` values mean in plistlib's Python types.
APPLE_TYPES = {"<string>": (str,), "<integer>": (int,), "<boolean>": (bool,),
               "<real>": (float,), "<array>": (list,), "<dictionary>": (dict,),
               "<data>": (bytes,)}

DANGEROUS = set("<>\"'&")
ECHO_WINDOW = 8
ERROR_BODY_MAX = 600
HEADER_NAME_RE = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


# =============================================================================
# Small helpers
# =============================================================================

def is_control(ch):
    o = ord(ch)
    return o < 0x20 or 0x7F <= o <= 0x9F


def valid_hostname(h):
    """An ASCII DNS host name made of LDH labels; xn-- labels must decode."""
    if not h or len(h) > 253:
        return False
    if h.endswith("."):
        h = h[:-1]
    try:
        h.encode("ascii")
    except UnicodeEncodeError:
        return False
    for label in h.split("."):
        if not LABEL_RE.match(label):
            return False
        if label.lower().startswith("xn--"):
            try:
                label[4:].encode("ascii").decode("punycode")
            except Exception:  # noqa: BLE001 - any decode error means invalid
                return False
    return True


def is_ip(h):
    try:
        ipaddress.ip_address(h.strip("[]"))
        return True
    except ValueError:
        return False


def substitute(text):
    for k, v in PLACEHOLDERS.items():
        text = text.replace(k, v)
    return text


def idna_domain(domain):
    domain = domain.strip().rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain


def local(tag):
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def ns_of(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def text_of(el):
    return (el.text or "").strip() if el is not None else ""


def pct_decode(s):
    return urllib.parse.unquote_to_bytes(s).decode("utf-8", "replace")


def load_apple_yaml(path):
    """Tiny line-based reader for the top-level `payloadkeys` entries of an
    apple/device-management YAML file: key, type, presence and rangelist.
    Only column-0 `- key:` items count; nested subkeys are skipped."""
    keys = {}
    cur = None
    in_range = False
    in_payloadkeys = False
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("payloadkeys:"):
                in_payloadkeys = True
                continue
            if not in_payloadkeys:
                continue
            m = re.match(r"^- key: *(\S+)", line)
            if m:
                cur = {"key": m.group(1), "type": None, "presence": None,
                       "range": None}
                keys[cur["key"]] = cur
                in_range = False
                continue
            if cur is None:
                continue
            if re.match(r"^\S", line):  # another top-level section
                cur = None
                in_payloadkeys = False
                continue
            m = re.match(r"^  (type|presence): *(.*?) *$", line)
            if m:
                cur[m.group(1)] = m.group(2).strip("'\"")
                in_range = False
                continue
            if re.match(r"^  rangelist: *$", line):
                cur["range"] = []
                in_range = True
                continue
            m = re.match(r"^  - *(.*?) *$", line)
            if m and in_range:
                cur["range"].append(m.group(1).strip("'\""))
                continue
            if re.match(r"^  \S", line):
                in_range = False
    return keys


# =============================================================================
# One golden case
# =============================================================================

class Case:
    def __init__(self, name, directory, default_ini):
        self.name = name
        self.dir = directory
        with open(os.path.join(directory, "request"), "rb") as f:
            self.request = f.read()
        with open(os.path.join(directory, "expected"), "rb") as f:
            self.expected = f.read()
        ini = os.path.join(directory, "provider.ini")
        self.ini_path = ini if os.path.isfile(ini) else default_ini
        self.ini = b""
        if self.ini_path and os.path.isfile(self.ini_path):
            with open(self.ini_path, "rb") as f:
                self.ini = f.read()
        self.failures = []
        self.parse_request()

    def fail(self, rule, detail):
        self.failures.append((rule, detail))

    # -- request file, as mac_render.c reads it ----------------------------
    def parse_request(self):
        data = self.request
        nl = data.find(b"\n")
        first = data[:nl if nl >= 0 else len(data)].decode("utf-8", "replace")
        first = first.rstrip("\r")
        self.method, _, self.target = first.partition(" ")
        self.path, _, self.query = self.target.partition("?")
        self.req_headers = {}
        self.req_body = b""
        pos = nl + 1 if nl >= 0 else len(data)
        while pos < len(data):
            e = data.find(b"\n", pos)
            if e < 0:
                e = len(data)
            line = data[pos:e].rstrip(b"\r")
            pos = e + 1
            if not line:
                self.req_body = data[pos:]
                break
            k, _, v = line.decode("utf-8", "replace").partition(":")
            self.req_headers.setdefault(k.strip().lower(), v.strip())
        self.params = []  # (key, decoded value, raw value)
        if self.query:
            for part in self.query.split("&"):
                k, _, v = part.partition("=")
                self.params.append((pct_decode(k), pct_decode(v), v))

    def param(self, name):
        for k, v, _ in self.params:
            if k.lower() == name.lower():
                return v
        return None

    def request_address(self):
        """The e-mail address the request asks about, if any."""
        a = self.param("emailaddress") or self.param("email")
        if a:
            return a
        m = re.search(r"/v1\.0/([^/?]+)$", self.path, re.I)
        if m:
            return pct_decode(m.group(1))
        root = self.request_xml()
        if root is not None:
            for el in root.iter():
                if local(el.tag) == "EMailAddress" and text_of(el):
                    return text_of(el)
        return None

    def request_addresses(self):
        """Every address a profile request asks about: emailaddress
        repeated or comma-separated, in order, repeats (ASCII letter case
        aside) dropped, as the responder reads them."""
        out, seen = [], set()
        for k, v, _ in self.params:
            if k.lower() != "emailaddress":
                continue
            parts = v.split(",")
            for a in parts:
                a = a.strip(" ") if len(parts) > 1 else a
                key = a.lower()
                if key not in seen:
                    seen.add(key)
                    out.append(a)
        return out

    def profile_key(self):
        """Who a profile is for: the address, or the list of them."""
        addrs = self.request_addresses()
        if len(addrs) > 1:
            return ",".join(addrs)
        return addrs[0] if addrs else self.request_address()

    def request_domain(self):
        a = self.request_address()
        if a and "@" in a:
            return idna_domain(a.rsplit("@", 1)[1])
        return None

    def request_xml(self):
        if not self.req_body.strip():
            return None
        try:
            return ET.fromstring(self.req_body)
        except ET.ParseError:
            return None

    def raw_inputs(self):
        """Everything the client controls that an error body could echo:
        query keys and values (decoded and raw), the path, Host and the
        XML body's text and attribute values (decoded)."""
        out = []
        for k, v, raw in self.params:
            out += [k, v, raw]
        out.append(pct_decode(self.path))
        out.append(self.req_headers.get("host", ""))
        body = self.req_body.decode("utf-8", "replace")
        root = self.request_xml()
        if root is not None:
            for el in root.iter():
                for t in (el.text, el.tail):
                    if t and t.strip():
                        out.append(t.strip())
                out += [v for v in el.attrib.values()]
        # Not parsable (or also): scrape text between tags and quoted values.
        for m in re.finditer(r">([^<]+)<", body):
            if m.group(1).strip():
                out.append(html.unescape(m.group(1).strip()))
        for m in re.finditer(r"=\s*(\"[^\"]*\"|'[^']*')", body):
            out.append(html.unescape(m.group(1)[1:-1]))
        return [s for s in out if len(s) >= ECHO_WINDOW]


# =============================================================================
# Checks on one answer
# =============================================================================

class Checker:
    def __init__(self, spec=SPEC):
        self.rng = os.path.join(spec, "autoconfig-spec_autoconfig.rng")
        self.apple = {k: load_apple_yaml(os.path.join(spec, v))
                      for k, v in APPLE_YAML.items()}
        req = [k for k, d in self.apple["com.apple.mail.managed"].items()
               if d["presence"] == "required"]
        # §6.1: Apple's schema requires exactly these five.
        assert set(req) == {"EmailAccountType", "IncomingMailServerAuthentication",
                            "IncomingMailServerHostName",
                            "OutgoingMailServerAuthentication",
                            "OutgoingMailServerHostName"}, req
        self.profiles = []  # (case, address(es), top id, top uuid, {type: (id, uuid)}, [(id, uuid)])

    # -- HTTP envelope -----------------------------------------------------
    def check_case(self, c):
        data = c.expected
        idx = data.find(b"\r\n\r\n")
        if idx < 0:
            c.fail("http.header", "no CRLF CRLF ends the header block")
            alt = data.find(b"\n\n")
            if alt < 0:
                return
            head, body = data[:alt], data[alt + 2:]
        else:
            head, body = data[:idx], data[idx + 4:]
        headers = {}
        c.resp_headers = []
        for line in head.split(b"\r\n"):
            if b"\n" in line or b"\r" in line:
                c.fail("http.header", "bare CR or LF in header line %r" % line)
                continue
            name, sep, value = line.partition(b": ")
            if not sep or not HEADER_NAME_RE.match(name) or not value.strip():
                c.fail("http.header", "malformed header line %r" % line)
                continue
            if any(b < 0x20 or b == 0x7F for b in value):
                c.fail("http.header", "control character in header %r" % line)
            n = name.decode("ascii").lower()
            if n in headers:
                c.fail("http.header", "duplicate header %s" % name.decode())
            headers[n] = value.decode("utf-8", "replace")
            c.resp_headers.append(line)
        c.headers = headers
        c.head_block = head
        c.body = body
        status = 200
        if "status" in headers:
            m = re.match(r"^([1-5]\d\d) \S.*$", headers["status"])
            if not m:
                c.fail("http.header", "malformed Status %r" % headers["status"])
            else:
                status = int(m.group(1))
        c.status = status

        is_head = c.method == "HEAD"
        cl = headers.get("content-length")
        if cl is None:
            if not is_head:
                c.fail("http.content-length", "no Content-Length")
        elif not cl.isdigit():
            c.fail("http.content-length", "Content-Length %r is not a number" % cl)
        elif not is_head and int(cl) != len(body):
            c.fail("http.content-length",
                   "Content-Length %s but the body has %d bytes" % (cl, len(body)))
        if is_head and body:
            c.fail("http.head", "HEAD answer carries a %d-byte body" % len(body))

        ctype = headers.get("content-type")
        if not ctype:
            c.fail("http.content-type", "no Content-Type")
            return
        mime = ctype.split(";")[0].strip().lower()
        cs = re.search(r"charset=([^;\s]+)", ctype, re.I)
        if cs and cs.group(1).strip('"').lower() != "utf-8":
            c.fail("http.content-type", "charset is not utf-8: %r" % ctype)

        if status >= 400 and not is_head:
            self.check_error_body(c, body)
        if is_head:
            return  # nothing more to see without a body

        if mime in ("text/xml", "application/xml"):
            root = self.check_xml_body(c, body)
            if root is None:
                return
            if root.tag == "clientConfig":
                self.check_autoconfig(c, ctype, body, root, status)
            elif local(root.tag) == "Autodiscover":
                self.check_pox(c, root, status)
            else:
                c.fail("xml.root", "unknown XML document root %r" % root.tag)
        elif mime == "application/json":
            self.check_json(c, body, status)
        elif mime == "application/x-apple-aspen-config":
            self.check_profile(c, body, status)
        elif mime == "text/html":
            self.check_html(c, body, headers)
        elif mime == "image/svg+xml":
            self.check_svg(c, body)
        elif mime == "image/png":
            if not body.startswith(b"\x89PNG\r\n\x1a\n"):
                c.fail("qr.png", "image/png body is no PNG")
        elif mime == "text/plain":
            if status < 400:
                c.fail("http.content-type",
                       "%d answer in text/plain is no client format" % status)
        else:
            c.fail("http.content-type", "unexpected Content-Type %r" % ctype)

    def check_html(self, c, body, headers):
        """The setup page and its errors: parses with html.parser into
        balanced elements, no script, frame, object or link element, no
        event handler, no resource from another origin (src must be a
        same-origin path), a Content-Security-Policy that allows no
        script and whose style hash is that of the page's one <style>."""
        import base64
        import hashlib
        from html.parser import HTMLParser

        void = {"meta", "img", "br", "hr", "link", "input"}
        found = {"stack": [], "styles": [], "bad": [], "in_style": False}

        class P(HTMLParser):
            def handle_starttag(self, tag, attrs):
                if tag in ("script", "iframe", "object", "embed", "link",
                           "frame", "form", "base"):
                    found["bad"].append("<%s>" % tag)
                for k, v in attrs:
                    if k.startswith("on"):
                        found["bad"].append("%s= handler" % k)
                    if k == "src" and (not (v or "").startswith("/") or
                                       (v or "").startswith("//")):
                        found["bad"].append("src %r not same-origin" % v)
                    if k == "href" and re.match(r"(?i)\s*(javascript|data):",
                                                v or ""):
                        found["bad"].append("href %r" % v)
                if tag == "style":
                    found["in_style"] = True
                    found["styles"].append("")
                if tag not in void:
                    found["stack"].append(tag)

            def handle_startendtag(self, tag, attrs):
                self.handle_starttag(tag, attrs)
                if tag not in void:
                    found["stack"].pop()

            def handle_endtag(self, tag):
                if tag == "style":
                    found["in_style"] = False
                if not found["stack"] or found["stack"][-1] != tag:
                    found["bad"].append("unbalanced </%s>" % tag)
                else:
                    found["stack"].pop()

            def handle_data(self, data):
                if found["in_style"]:
                    found["styles"][-1] += data

        text = body.decode("utf-8", "strict")
        if not text.startswith("<!DOCTYPE html>"):
            c.fail("html.doctype", "no <!DOCTYPE html> first")
        P(convert_charrefs=True).feed(text)
        for b in found["bad"]:
            c.fail("html.safe", b)
        if found["stack"]:
            c.fail("html.balanced", "unclosed %r" % found["stack"])
        csp = headers.get("content-security-policy", "")
        if "default-src 'none'" not in csp or "script-src" in csp:
            c.fail("html.csp", "policy %r" % csp)
        hashes = re.findall(r"'sha256-([A-Za-z0-9+/=]+)'", csp)
        for st in found["styles"]:
            h = base64.b64encode(hashlib.sha256(st.encode()).digest()).decode()
            if h not in hashes:
                c.fail("html.csp", "style hash %s not in the policy" % h)

    def check_svg(self, c, body):
        """QR code SVG: well-formed XML, an <svg> root in the SVG
        namespace holding one white <rect> and one <path>, nothing that
        runs or loads (no script, no foreign references)."""
        root = self.check_xml_body(c, body)
        if root is None:
            return
        svg = "{http://www.w3.org/2000/svg}"
        if root.tag != svg + "svg":
            c.fail("qr.svg", "root is %r, not an SVG <svg>" % root.tag)
            return
        kids = [local(k.tag) for k in root]
        if kids != ["rect", "path"]:
            c.fail("qr.svg", "children %r, want rect then one path" % kids)
        text = body.decode("utf-8", "replace").lower()
        for bad in ("<script", "href", "url(", "on"):
            if bad == "on":
                if re.search(r"\son\w+=", text):
                    c.fail("qr.svg", "event handler attribute")
            elif bad in text:
                c.fail("qr.svg", "%r in the SVG" % bad)

    def check_error_body(self, c, body):
        if not body.strip():
            c.fail("http.error-body", "%d answer with an empty body" % c.status)
        if len(body) >= ERROR_BODY_MAX:
            c.fail("http.error-body", "%d answer body is %d bytes (limit %d)"
                   % (c.status, len(body), ERROR_BODY_MAX))
        text = body.decode("utf-8", "replace")
        seen = set()
        for s in c.raw_inputs():
            for i in range(len(s) - ECHO_WINDOW + 1):
                w = s[i:i + ECHO_WINDOW]
                if not any(ch in DANGEROUS or is_control(ch) for ch in w):
                    continue
                if w in text and w not in seen:
                    seen.add(w)
                    c.fail("http.echo",
                           "error body echoes raw request input %r" % w)
                    break

    def check_xml_body(self, c, body):
        if body.startswith(b"\xef\xbb\xbf"):
            c.fail("xml.bom", "body starts with a UTF-8 byte order mark")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as e:
            c.fail("xml.utf8", "body is not UTF-8: %s" % e)
        m = re.match(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding=[\"']([^\"']+)",
                     body)
        if m and m.group(1).lower() not in (b"utf-8", b"utf8"):
            c.fail("xml.utf8", "XML declaration says encoding %r"
                   % m.group(1).decode())
        rule = "evo.entity" if b"<clientConfig" in body else "xml.entity"
        for m in re.finditer(rb"&([A-Za-z_][A-Za-z0-9._-]*);", body):
            if m.group(1).decode() not in XML_PREDEFINED:
                c.fail(rule, "HTML entity &%s; in the document (Evolution "
                       "rejects it)" % m.group(1).decode())
        try:
            return ET.fromstring(body)
        except ET.ParseError as e:
            c.fail("xml.wellformed", "body is not well-formed XML: %s" % e)
            return None

    # -- Autoconfig (§3) ---------------------------------------------------
    def check_autoconfig(self, c, ctype, body, root, status):
        if status != 200:
            c.fail("ac.status", "clientConfig document with status %d" % status)
        # The grammar (§3.1: first gate on every autoconfig file).
        # One deliberate exception: the grammar allows oAuth2 only under
        # clientConfig, but Thunderbird for Android reads it only inside
        # emailProvider (RealAutoconfigParser.kt parseEmailProvider), so
        # the answer carries it in both places; the grammar judges the
        # document without the emailProvider copy, which must equal the
        # top-level one (checked below).
        rng_body = re.sub(rb"(<emailProvider[^>]*>.*?)\s*<oAuth2>.*?</oAuth2>",
                          rb"\1", body, count=1, flags=re.S)
        outer = re.findall(rb"</emailProvider>.*?(<oAuth2>.*?</oAuth2>)",
                           body, flags=re.S)
        inner = re.findall(rb"<emailProvider[^>]*>.*?(<oAuth2>.*?</oAuth2>)"
                           rb".*?</emailProvider>", body, flags=re.S)
        norm = lambda x: re.sub(rb"\s+", b"", x)
        if [norm(x) for x in outer] != [norm(x) for x in inner]:
            c.fail("ac.oauth2-both", "oAuth2 must appear both inside "
                   "emailProvider (Thunderbird for Android) and under "
                   "clientConfig (the grammar, ISPDB), identical")
        try:
            p = subprocess.run(["xmllint", "--noout", "--nonet", "--relaxng",
                                self.rng, "-"], input=rng_body,
                               capture_output=True, timeout=60)
            if p.returncode != 0:
                msg = (p.stderr or p.stdout).decode("utf-8", "replace")
                msg = " | ".join(l for l in msg.splitlines()
                                 if l and "validates" not in l)[:300]
                c.fail("ac.rng", "fails %s: %s"
                       % (os.path.basename(self.rng), msg))
        except (OSError, subprocess.TimeoutExpired) as e:
            c.fail("ac.rng", "cannot run xmllint: %s" % e)

        text = body.decode("utf-8", "replace")
        prov = root.find("emailProvider")
        servers = [(el, "in") for el in root.iter("incomingServer")] + \
                  [(el, "out") for el in root.iter("outgoingServer")]
        prov_servers = [] if prov is None else \
            [(el, "in") for el in prov.findall("incomingServer")] + \
            [(el, "out") for el in prov.findall("outgoingServer")]

        # ---- Thunderbird (readFromXML, FetchHTTP) ----
        if not ctype.lower().startswith("text/xml"):
            c.fail("tb.content-type", "Content-Type %r does not start with "
                   "text/xml" % ctype)
        if prov is None:
            c.fail("tb.provider", "no emailProvider")
            return
        doms = [text_of(d) for d in prov.findall("domain")]
        if not any(valid_hostname(substitute(d)) for d in doms):
            c.fail("tb.domain", "no domain element holds a valid host name")
        if not any(el.get("type") in ("imap", "pop3") and text_of(el.find("hostname"))
                   for el, d in prov_servers if d == "in"):
            c.fail("tb.incoming", "no incomingServer of type imap/pop3 with a "
                   "hostname")
        if not any(el.get("type") == "smtp" and text_of(el.find("hostname"))
                   and text_of(el.find("port"))
                   for el, d in prov_servers if d == "out"):
            c.fail("tb.outgoing", "no outgoingServer of type smtp with hostname "
                   "and port")
        for i, (el, d) in enumerate(servers, 1):
            where = "%s[%d] type=%r" % (el.tag, i, el.get("type"))
            for st in el.findall("socketType"):
                if (st.text or "") not in TB_SOCKET:
                    c.fail("tb.socketType", "%s: socketType %r is not exactly "
                           "SSL, STARTTLS or plain" % (where, st.text))
            known = TB_AUTH_IN if d == "in" else TB_AUTH_OUT
            for a in el.findall("authentication"):
                if (a.text or "") not in known:
                    c.fail("tb.authentication", "%s: authentication %r is not "
                           "one Thunderbird knows for %s servers"
                           % (where, a.text, "incoming" if d == "in" else "outgoing"))
            for pt in el.findall("port"):
                v = (pt.text or "").strip()
                if not v.isdigit() or not 1 <= int(v) <= 65535:
                    c.fail("tb.port", "%s: port %r is not 1..65535" % (where, pt.text))

        # ---- Thunderbird for Android (RealAutoconfigParser.kt) ----
        pid = prov.get("id") or ""
        if "%" in pid or not (valid_hostname(pid) or is_ip(pid)):
            c.fail("tba.id", "emailProvider id %r is not a valid host name" % pid)
        for d in doms:
            if not valid_hostname(substitute(d)):
                c.fail("tba.domain", "domain %r is not a valid ASCII host name "
                       "(A-labels)" % d)
        for i, (el, d) in enumerate(prov_servers, 1):
            typ = el.get("type")
            if not ((d == "in" and typ == "imap") or (d == "out" and typ == "smtp")):
                continue
            where = "%s[%d] type=%r" % (el.tag, i, typ)
            h = text_of(el.find("hostname"))
            if not h or not (valid_hostname(substitute(h)) or is_ip(h)):
                c.fail("tba.hostname", "%s: hostname %r missing or invalid"
                       % (where, h))
            pt = text_of(el.find("port"))
            if not pt.isdigit() or not 1 <= int(pt) <= 65535:
                c.fail("tba.port", "%s: port %r missing or not 1..65535"
                       % (where, pt))
            st = [(s.text or "") for s in el.findall("socketType")]
            if not st or any(s not in TBA_SOCKET for s in st):
                c.fail("tba.socketType", "%s: socketType %r; TB-A accepts only "
                       "SSL or STARTTLS (plain fails the whole document)"
                       % (where, st))
            if not text_of(el.find("username")):
                c.fail("tba.username", "%s: no username" % where)
            if not any((a.text or "") in TBA_AUTH
                       for a in el.findall("authentication")):
                c.fail("tba.authentication", "%s: no authentication in %s"
                       % (where, sorted(TBA_AUTH)))
        for o in prov.findall("oAuth2"):
            for k in ("authURL", "tokenURL"):
                if not text_of(o.find(k)):
                    c.fail("tba.oauth2", "emailProvider/oAuth2 lacks %s" % k)
        if "<![CDATA[" in text:
            c.fail("tba.plaintext", "CDATA section in element content")
        for el in root.iter():
            if len(el) and ((el.text or "").strip()
                            or any((ch.tail or "").strip() for ch in el)):
                c.fail("tba.plaintext", "element %s mixes text and child "
                       "elements" % el.tag)
            if el.tag in ("hostname", "port", "socketType", "username",
                          "authentication", "domain") and len(el):
                c.fail("tba.plaintext", "element %s holds child elements"
                       % el.tag)

        # ---- Evolution 3.46 EMailAutoconfig (§3.4) ----
        # (HTML entities: checked in check_xml_body, which runs even when
        # the entity makes the document unparsable.)
        for i, (el, _) in enumerate(servers, 1):
            if "type" not in el.attrib:
                c.fail("evo.attributes", "%s[%d] has no type attribute"
                       % (el.tag, i))
            extra = sorted(a for a in el.attrib if a != "type")
            if extra:
                c.fail("evo.attributes", "%s[%d] type=%r carries attributes "
                       "other than type: %s" % (el.tag, i, el.get("type"), extra))
        usable = [el for el, _ in servers
                  if el.get("type") in ("imap", "pop3", "smtp")
                  and text_of(el.find("hostname"))]
        if not usable:
            c.fail("evo.usable", "no usable imap/pop3/smtp server (Evolution "
                   "would configure nothing)")
        addr = c.param("emailaddress") or ""
        if "@" in addr and addr.rsplit("@", 1)[0].upper() == "EVOLUTIONUSER":
            for typ in ("imap", "pop3", "smtp"):
                n = sum(1 for el, _ in servers if el.get("type") == typ)
                if n > 1:
                    c.fail("evo.one-per-type", "EVOLUTIONUSER request answered "
                           "with %d %s servers (Evolution takes the last)"
                           % (n, typ))

        # ---- servers on port 443, reached by ALPN (§8) ----
        for d in ("in", "out"):
            ports = [text_of(el.find("port")) for el, w in prov_servers
                     if w == d]
            if "443" in ports and any(
                    p != "443" for p in ports[ports.index("443"):]):
                c.fail("alpn.last", "%s server on port 443 (ALPN only) "
                       "before one on another port: ports %s"
                       % ("incoming" if d == "in" else "outgoing", ports))
        if "@" in addr and addr.rsplit("@", 1)[0].upper() == "EVOLUTIONUSER":
            if any(text_of(el.find("port")) == "443" for el, _ in servers):
                c.fail("alpn.absent", "EVOLUTIONUSER answered with a server "
                       "on port 443 (Evolution sends no ALPN)")

        # ---- mailautoconf's own emit rules (§3.1, §3.5) ----
        for i, (el, _) in enumerate(servers, 1):
            auths = [(a.text or "") for a in el.findall("authentication")]
            if auths and auths[0] == "OAuth2":
                c.fail("ac.oauth2-first", "%s[%d] type=%r lists OAuth2 first; "
                       "a password method must come first"
                       % (el.tag, i, el.get("type")))
        for el in root.iter("password"):
            c.fail("ac.password", "document contains a password element")
        for el in root.iter():
            if el.tag in AC_BOOLEANS and (el.text or "") not in ("true", "false"):
                c.fail("ac.boolean", "%s is %r, not exactly true/false"
                       % (el.tag, el.text))
        hosts = [("emailProvider id", pid)] + [("domain", d) for d in doms]
        hosts += [("hostname", el.text or "") for el in root.iter("hostname")]
        hosts += [("issuer", el.text or "") for el in root.iter("issuer")]
        for el in root.iter():
            urls = [v for k, v in el.attrib.items() if k.lower() == "url"]
            if el.tag.endswith("URL") or el.tag == "url":
                urls.append(el.text or "")
            for u in urls:
                try:
                    hosts.append(("host of " + el.tag,
                                  urllib.parse.urlsplit(u.strip()).hostname or ""))
                except ValueError:
                    c.fail("ac.url", "%s: unparsable URL %r" % (el.tag, u))
        for what, h in hosts:
            if any(ord(ch) > 127 for ch in h):
                c.fail("ac.ascii", "%s %r is not ASCII (send A-labels)"
                       % (what, h))

    # -- Autodiscover POX (§4) ---------------------------------------------
    def check_pox(self, c, root, status):
        if ns_of(root.tag) != NS_AD:
            c.fail("pox.ns", "root namespace %r, expected %r"
                   % (ns_of(root.tag), NS_AD))
        resp = [el for el in root if local(el.tag) == "Response"]
        if len(resp) != 1:
            c.fail("pox.ns", "%d Response elements, expected 1" % len(resp))
            return
        resp = resp[0]
        ns = ns_of(resp.tag)
        err = resp.find("{%s}Error" % NS_AD)
        if ns == NS_OUTLOOK:
            self.check_pox_outlook(c, resp, status)
        elif ns == NS_MOBILESYNC:
            self.check_pox_mobilesync(c, resp, status)
        elif ns == NS_AD and err is not None:
            self.check_pox_error(c, err, status)
        else:
            c.fail("pox.ns", "inner Response namespace %r is none of outlook, "
                   "mobilesync or an Error document" % ns)

    def check_pox_outlook(self, c, resp, status):
        q = lambda el, n: el.find("{%s}%s" % (NS_OUTLOOK, n))  # noqa: E731
        if status != 200:
            c.fail("pox.status", "settings answered with status %d" % status)
        acct = q(resp, "Account")
        if acct is None:
            c.fail("pox.outlook", "Response has no Account")
            return
        if text_of(q(acct, "AccountType")) != "email":
            c.fail("pox.outlook", "AccountType %r, expected email"
                   % text_of(q(acct, "AccountType")))
        action = text_of(q(acct, "Action"))
        if action == "redirectAddr":
            if "@" not in text_of(q(acct, "RedirectAddr")):
                c.fail("pox.outlook", "redirectAddr without an address")
            return
        if action == "redirectUrl":
            u = text_of(q(acct, "RedirectUrl")) or text_of(q(acct, "RedirectURL"))
            if not u.startswith("https://"):
                c.fail("pox.outlook", "redirectUrl without an https URL")
            return
        if action != "settings":
            c.fail("pox.outlook", "Action %r, expected settings" % action)
        protos = acct.findall("{%s}Protocol" % NS_OUTLOOK)
        types = [text_of(q(p, "Type")) for p in protos]
        if not any(t in ("IMAP", "POP3") for t in types):
            c.fail("pox.outlook", "no IMAP or POP3 Protocol")
        if "SMTP" not in types:
            c.fail("pox.outlook", "no SMTP Protocol")
        for i, p in enumerate(protos, 1):
            typ = text_of(q(p, "Type"))
            where = "Protocol[%d] %s" % (i, typ)
            for n in POX_ONOFF:
                el = q(p, n)
                if el is not None and (el.text or "") not in ("on", "off"):
                    c.fail("pox.onoff", "%s: %s is %r, not on/off in lower case"
                           % (where, n, el.text))
            ttl = q(p, "TTL")
            if ttl is not None and not text_of(ttl).isdigit():
                c.fail("pox.outlook", "%s: TTL %r is not a number"
                       % (where, ttl.text))
            if typ in POX_DAV_TYPES:
                if not text_of(q(p, "Server")).startswith("https://"):
                    c.fail("pox.dav", "%s: Server %r is not an https URL"
                           % (where, text_of(q(p, "Server"))))
                if not text_of(q(p, "LoginName")):
                    c.fail("pox.dav", "%s: no LoginName" % where)
                continue
            if typ not in POX_MAIL_TYPES:
                if typ not in POX_OTHER_TYPES:
                    c.fail("pox.outlook", "%s: unknown Protocol Type" % where)
                continue
            server = text_of(q(p, "Server"))
            if not (valid_hostname(server) or is_ip(server)):
                c.fail("pox.outlook", "%s: Server %r is not an ASCII host name"
                       % (where, server))
            port_s = text_of(q(p, "Port"))
            port = int(port_s) if port_s.isdigit() else None
            if port is None or not 1 <= port <= 65535:
                c.fail("pox.outlook", "%s: Port %r missing or not 1..65535"
                       % (where, port_s))
            if not text_of(q(p, "LoginName")):
                c.fail("pox.outlook", "%s: no LoginName" % where)
            if port == 443:
                c.fail("alpn.absent", "%s on port 443: Outlook and TB send "
                       "no ALPN (§8)" % where)
            spa = q(p, "SPA")
            if spa is None or spa.text != "off":
                c.fail("pox.spa", "%s: SPA must be present and off (absent "
                       "means on; TB reads on as NTLM)" % where)
            ssl_el, enc_el = q(p, "SSL"), q(p, "Encryption")
            ssl = None if ssl_el is None else (ssl_el.text or "")
            enc = None if enc_el is None else (enc_el.text or "")
            if ssl not in ("on", "off"):
                c.fail("pox.tls", "%s: SSL %r must be present, on or off"
                       % (where, ssl))
            if enc not in ("SSL", "TLS", "None"):
                c.fail("pox.tls", "%s: Encryption %r must be SSL, TLS or None"
                       % (where, enc))
            if ssl is not None and enc is not None and \
                    (ssl == "off") != (enc == "None"):
                c.fail("pox.tls", "%s: SSL %s with Encryption %s (SSL off iff "
                       "Encryption None)" % (where, ssl, enc))
            if port is not None:
                if enc == "TLS" and port not in POX_STARTTLS_PORTS:
                    c.fail("pox.tls", "%s: Encryption TLS (STARTTLS for Outlook) "
                           "on port %d, which TB treats as TLS from the first "
                           "byte" % (where, port))
                if enc == "SSL" and port in POX_STARTTLS_PORTS:
                    c.fail("pox.tls", "%s: Encryption SSL on port %d, which TB "
                           "treats as STARTTLS" % (where, port))

    def check_pox_mobilesync(self, c, resp, status):
        q = lambda el, n: None if el is None else \
            el.find("{%s}%s" % (NS_MOBILESYNC, n))  # noqa: E731
        if status != 200:
            c.fail("pox.status", "MobileSync settings with status %d" % status)
        if not text_of(q(resp, "Culture")):
            c.fail("pox.mobilesync", "no Culture")
        if "@" not in text_of(q(q(resp, "User"), "EMailAddress")):
            c.fail("pox.mobilesync", "no User/EMailAddress")
        servers = []
        st = q(q(resp, "Action"), "Settings")
        if st is not None:
            servers = st.findall("{%s}Server" % NS_MOBILESYNC)
        ms = [s for s in servers if text_of(q(s, "Type")) == "MobileSync"]
        if not ms:
            c.fail("pox.mobilesync", "no Action/Settings/Server of Type "
                   "MobileSync")
        for s in ms:
            if not text_of(q(s, "Url")).startswith("https://"):
                c.fail("pox.mobilesync", "Server Url %r is not https://"
                       % text_of(q(s, "Url")))
            if not text_of(q(s, "Name")):
                c.fail("pox.mobilesync", "Server has no Name")

    def check_pox_error(self, c, err, status):
        q = lambda n: err.find("{%s}%s" % (NS_AD, n))  # noqa: E731
        t = err.get("Time")
        m = re.match(r"^(\d\d):(\d\d):(\d\d)\.\d{7}$", t or "")
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59 \
                or int(m.group(3)) > 59:
            c.fail("pox.error", "Error Time %r is not HH:MM:SS.fffffff" % t)
        if not re.match(r"^[0-9A-Za-z]+$", err.get("Id") or ""):
            c.fail("pox.error", "Error Id %r missing or malformed"
                   % err.get("Id"))
        code = text_of(q("ErrorCode"))
        if code not in POX_ERROR_CODES:
            c.fail("pox.error", "ErrorCode %r not in %s"
                   % (code, sorted(POX_ERROR_CODES)))
        if not text_of(q("Message")):
            c.fail("pox.error", "empty Message")
        if q("DebugData") is None:
            c.fail("pox.error", "no DebugData")
        # HTTP status (§4.4, "Handling Autodiscover error messages").
        empty_post = c.method == "POST" and not c.req_body.strip()
        want = None
        if code == "600":
            if c.method in ("GET", "HEAD") or empty_post:
                ok, want = status == 200, "200 (GET or empty POST)"
            else:
                ok, want = 400 <= status < 500, "4xx (malformed input)"
        elif code in ("601", "501", "602"):
            ok, want = status == 200, "200"
        elif code == "500":
            ok, want = status == 404, "404"
        elif code == "603":
            ok, want = 500 <= status < 600, "5xx"
        else:
            ok = True
        if not ok:
            c.fail("pox.status", "ErrorCode %s answered with status %d, "
                   "expected %s" % (code, status, want))

    # -- Autodiscover v2 JSON (§5) -----------------------------------------
    def configured_hosts(self, c):
        hosts = set()
        for line in c.ini.decode("utf-8", "replace").splitlines():
            m = re.match(r"^\s*(autodiscover-url|activesync)\s*=\s*(\S+)", line)
            if m:
                h = urllib.parse.urlsplit(m.group(2)).hostname
                if h:
                    hosts.add(h.lower())
        return hosts

    def check_json(self, c, body, status):
        if body.startswith(b"\xef\xbb\xbf"):
            c.fail("json.parse", "body starts with a byte order mark")
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            c.fail("json.parse", "body is not JSON: %s" % e)
            return
        if not isinstance(doc, dict):
            c.fail("json.object", "JSON body is a %s, not an object"
                   % type(doc).__name__)
            return
        if status != 200:
            for k in ("ErrorCode", "ErrorMessage"):
                if not isinstance(doc.get(k), str) or not doc.get(k):
                    c.fail("json.error", "error answer lacks string %s" % k)
            return
        if set(doc) != {"Protocol", "Url"}:
            c.fail("json.keys", "keys %s, expected exactly Protocol and Url"
                   % sorted(doc))
        proto = doc.get("Protocol")
        if proto not in ("AutodiscoverV1", "ActiveSync"):
            c.fail("json.protocol", "Protocol %r not AutodiscoverV1/ActiveSync"
                   % proto)
        asked = c.param("Protocol")
        if asked and isinstance(proto, str) and asked.lower() != proto.lower():
            c.fail("json.protocol", "asked for Protocol %r, answered %r"
                   % (asked, proto))
        url = doc.get("Url")
        if not isinstance(url, str) or not url.startswith("https://"):
            c.fail("json.url", "Url %r does not start with https://" % url)
            return
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        dom = c.request_domain()
        allowed = self.configured_hosts(c)
        if dom:
            allowed.add("autodiscover." + dom)
        if host not in allowed:
            c.fail("json.url-host", "Url host %r is neither autodiscover.<address "
                   "domain> nor configured (Host header was %r; allowed %s)"
                   % (host, c.req_headers.get("host"), sorted(allowed)))

    # -- Apple profiles (§6) -----------------------------------------------
    def check_apple_keys(self, c, d, schema, where, common=None):
        known = dict(schema)
        if common:
            known.update(common)
        for k, spec in known.items():
            if spec["presence"] == "required" and k not in d:
                c.fail("mc.required", "%s: required key %s missing" % (where, k))
        for k, v in d.items():
            spec = known.get(k)
            if spec is None:
                c.fail("mc.unknown-key", "%s: key %s is not in Apple's schema"
                       % (where, k))
                continue
            types = APPLE_TYPES.get(spec["type"])
            ok = types is not None and isinstance(v, types) and \
                not (types == (int,) and isinstance(v, bool))
            if not ok:
                c.fail("mc.type", "%s: %s is a %s, Apple's schema says %s"
                       % (where, k, type(v).__name__, spec["type"]))
                continue
            if spec["range"] is not None and str(v) not in spec["range"]:
                c.fail("mc.range", "%s: %s = %r not in %s"
                       % (where, k, v, spec["range"]))

    def check_profile(self, c, body, status):
        if status != 200:
            c.fail("mc.status", "profile with status %d" % status)
        disp = c.headers.get("content-disposition", "")
        if not DISPOSITION_RE.match(disp):
            c.fail("mc.disposition", "Content-Disposition %r is not "
                   "attachment; filename=\"<[A-Za-z0-9._-]+>.mobileconfig\""
                   % disp)
        if body.startswith(b"\xef\xbb\xbf"):
            c.fail("xml.bom", "profile starts with a byte order mark")
        if not body.startswith(b"<?xml") or \
                b'<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"' not in body:
            c.fail("mc.plist", "no XML declaration or Apple plist DOCTYPE")
        try:
            pl = plistlib.loads(body, fmt=plistlib.FMT_XML)
        except Exception as e:  # noqa: BLE001 - plistlib raises several kinds
            c.fail("mc.plist", "body does not load with plistlib: %s" % e)
            return
        if not isinstance(pl, dict):
            c.fail("mc.plist", "top level is not a dict")
            return
        self.check_apple_keys(c, pl, self.apple["TopLevel"], "profile")
        for d in pl.get("PayloadContent") or []:
            for k in ("IncomingMailServerPortNumber",
                      "OutgoingMailServerPortNumber"):
                if isinstance(d, dict) and d.get(k) == 443:
                    c.fail("alpn.absent", "%s 443: Apple Mail sends no ALPN "
                           "(§8)" % k)
        if pl.get("PayloadType") != "Configuration":
            c.fail("mc.payload", "top-level PayloadType %r" % pl.get("PayloadType"))
        v = pl.get("PayloadVersion")
        if not (type(v) is int and v == 1):
            c.fail("mc.payload", "top-level PayloadVersion %r is not integer 1"
                   % v)
        ids = []
        uuids = []
        top_id, top_uuid = pl.get("PayloadIdentifier"), pl.get("PayloadUUID")
        if not isinstance(top_id, str) or not top_id:
            c.fail("mc.payload", "no top-level PayloadIdentifier")
        else:
            ids.append(top_id)
        if not isinstance(top_uuid, str) or not UUID_RE.match(top_uuid):
            c.fail("mc.uuid", "top-level PayloadUUID %r is not 8-4-4-4-12 hex"
                   % top_uuid)
        else:
            uuids.append(top_uuid.upper())
        content = pl.get("PayloadContent")
        if not isinstance(content, list) or not content:
            c.fail("mc.payload", "PayloadContent is not a non-empty list")
            content = []
        by_type = {}
        every = []  # (id, uuid) of every payload, for the cross checks
        mail_addrs = []
        for i, p in enumerate(content, 1):
            where = "payload[%d]" % i
            if not isinstance(p, dict):
                c.fail("mc.payload", "%s is not a dict" % where)
                continue
            ptype = p.get("PayloadType")
            where = "payload[%d] %s" % (i, ptype)
            for k in ("PayloadType", "PayloadIdentifier", "PayloadUUID"):
                if not isinstance(p.get(k), str) or not p.get(k):
                    c.fail("mc.payload", "%s: no %s" % (where, k))
            if not (type(p.get("PayloadVersion")) is int
                    and p.get("PayloadVersion") == 1):
                c.fail("mc.payload", "%s: PayloadVersion %r is not integer 1"
                       % (where, p.get("PayloadVersion")))
            pid, puuid = p.get("PayloadIdentifier"), p.get("PayloadUUID")
            if isinstance(pid, str) and pid:
                if pid in ids:
                    c.fail("mc.identifier", "%s: PayloadIdentifier %r is not "
                           "unique in the profile" % (where, pid))
                ids.append(pid)
            if isinstance(puuid, str):
                if not UUID_RE.match(puuid):
                    c.fail("mc.uuid", "%s: PayloadUUID %r is not 8-4-4-4-12 hex"
                           % (where, puuid))
                elif puuid.upper() in uuids:
                    c.fail("mc.uuid", "%s: PayloadUUID %s repeats another UUID "
                           "of the profile%s" % (where, puuid,
                                                 " (the outer one)" if uuids
                                                 and puuid.upper() == uuids[0]
                                                 and top_uuid else ""))
                else:
                    uuids.append(puuid.upper())
            by_type.setdefault(ptype, (pid, puuid))
            every.append((pid, puuid))
            if ptype == "com.apple.mail.managed":
                mail_addrs.append(p.get("EmailAddress"))
            for k in APPLE_PASSWORD_KEYS:
                if k in p:
                    c.fail("mc.password", "%s: carries %s" % (where, k))
            schema = self.apple.get(ptype)
            if schema is None:
                c.fail("mc.payload", "%s: unknown PayloadType" % where)
                continue
            self.check_apple_keys(c, p, schema, where, self.apple["Common"])
            if ptype == "com.apple.mail.managed":
                for k in ("IncomingMailServerHostName",
                          "OutgoingMailServerHostName"):
                    h = p.get(k)
                    if isinstance(h, str) and not (valid_hostname(h) or is_ip(h)):
                        c.fail("mc.host", "%s: %s %r is not a host name"
                               % (where, k, h))
                for k in ("IncomingMailServerPortNumber",
                          "OutgoingMailServerPortNumber"):
                    n = p.get(k)
                    if type(n) is int and not 1 <= n <= 65535:
                        c.fail("mc.port", "%s: %s %d not 1..65535" % (where, k, n))
            else:
                pre = "CalDAV" if ptype == "com.apple.caldav.account" else "CardDAV"
                h = p.get(pre + "HostName")
                if isinstance(h, str) and ("://" in h or "/" in h or ":" in h
                                           or not valid_hostname(h)):
                    c.fail("mc.dav-host", "%s: %sHostName %r is not a bare host "
                           "name" % (where, pre, h))
                n = p.get(pre + "Port")
                if n is not None and not (type(n) is int and 1 <= n <= 65535):
                    c.fail("mc.dav-port", "%s: %sPort %r is not an integer "
                           "1..65535" % (where, pre, n))
                u = p.get(pre + "UseSSL")
                if u is not None and type(u) is not bool:
                    c.fail("mc.dav-ssl", "%s: %sUseSSL %r is not a boolean"
                           % (where, pre, u))
        # Several addresses (tests/clients/README.md §6.2): one mail
        # payload per address asked, in order, each a distinct account.
        want = c.request_addresses()
        if len(want) > 1 and [str(a).lower() for a in mail_addrs] != \
                [a.lower() for a in want]:
            c.fail("mc.accounts", "mail payloads for %r, asked for %r"
                   % (mail_addrs, want))
        self.profiles.append((c, c.profile_key(), top_id, top_uuid, by_type,
                              every))

    # -- Checks across cases -----------------------------------------------
    def cross_checks(self, cases):
        # Re-render determinism: same address, same provider table, same
        # identifiers and UUIDs (§6.2).
        first = {}
        for c, addr, tid, tuuid, by_type, _ in self.profiles:
            key = (c.ini, addr)
            if key in first:
                o = first[key]
                if (tid, str(tuuid).upper()) != (o[2], str(o[3]).upper()):
                    c.fail("determinism", "same address %r as %s but top-level "
                           "identifier/UUID differ" % (addr, o[0].name))
                norm = lambda bt: {k: (a, str(b).upper())  # noqa: E731
                                   for k, (a, b) in bt.items()}
                if norm(by_type) != norm(o[4]):
                    c.fail("determinism", "same address %r as %s but payload "
                           "identifiers/UUIDs differ" % (addr, o[0].name))
            else:
                first[key] = (c, addr, tid, tuuid, by_type)
        # Identity: different addresses must get different identifiers, and
        # one identifier must always carry the same UUID.
        id_owner = {}
        uuid_of = {}
        id_of_uuid = {}
        for c, addr, tid, tuuid, by_type, every in self.profiles:
            pairs = [(tid, tuuid)] + every
            if tid in id_owner and id_owner[tid][1] != addr:
                c.fail("mc.identity", "PayloadIdentifier %r also used for %r "
                       "in %s: a second account's profile would replace the "
                       "first" % (tid, id_owner[tid][1], id_owner[tid][0].name))
            id_owner.setdefault(tid, (c, addr))
            for pid, puuid in pairs:
                if not isinstance(pid, str) or not isinstance(puuid, str):
                    continue
                u = puuid.upper()
                if pid in uuid_of and uuid_of[pid][1] != u:
                    c.fail("determinism", "identifier %r has UUID %s here but "
                           "%s in %s" % (pid, u, uuid_of[pid][1],
                                         uuid_of[pid][0].name))
                uuid_of.setdefault(pid, (c, u))
                if u in id_of_uuid and id_of_uuid[u][1] != pid:
                    c.fail("mc.uuid", "UUID %s also names %r in %s"
                           % (u, id_of_uuid[u][1], id_of_uuid[u][0].name))
                id_of_uuid.setdefault(u, (c, pid))
        # HEAD answers: same header block as the GET of the same request.
        by_req = {(c.request, c.ini): c for c in cases}
        for c in cases:
            if c.method != "HEAD" or not hasattr(c, "head_block"):
                continue
            twin = by_req.get((b"GET" + c.request[4:], c.ini))
            if twin is not None and hasattr(twin, "head_block") and \
                    twin.head_block != c.head_block:
                c.fail("http.head", "header block differs from the GET answer "
                       "in %s" % twin.name)


# =============================================================================
# Driver
# =============================================================================

def run(golden_dir, out=sys.stdout, quiet=False):
    """Check every case under golden_dir; returns {case: [(rule, detail)]}."""
    if not os.path.isfile(os.path.join(SPEC, "autoconfig-spec_autoconfig.rng")):
        print("clients: %s has no autoconfig-spec_autoconfig.rng" % SPEC,
              file=out)
        return None
    if shutil.which("xmllint") is None:
        print("clients: xmllint not found (install libxml2-utils)", file=out)
        return None
    default_ini = os.path.normpath(os.path.join(golden_dir, "..", "..", "etc",
                                                "mailautoconf.ini"))
    if not os.path.isfile(default_ini):
        default_ini = os.path.join(REPO, "etc", "mailautoconf.ini")
    chk = Checker()
    cases = []
    for name in sorted(os.listdir(golden_dir)):
        d = os.path.join(golden_dir, name)
        if not (os.path.isfile(os.path.join(d, "request"))
                and os.path.isfile(os.path.join(d, "expected"))):
            continue
        with open(os.path.join(d, "request"), "rb") as f:
            if f.read() == b"LOAD\n":  # a load's messages, no answer
                continue
        c = Case(name, d, default_ini)
        try:
            chk.check_case(c)
        except Exception as e:  # noqa: BLE001 - a crash is a failed case
            c.fail("internal", "checker raised %s: %s" % (type(e).__name__, e))
        cases.append(c)
    chk.cross_checks(cases)
    result = {}
    for c in cases:
        result[c.name] = c.failures
        if not quiet:
            for rule, detail in c.failures:
                print("FAIL %s: %s: %s" % (c.name, rule, detail), file=out)
    return result


def main(argv):
    if len(argv) == 2 and argv[1] == "--selftest":
        return selftest()
    if len(argv) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    result = run(argv[1])
    if result is None:
        print("clients: 0 passed, 0 failed")
        return 1
    failed = sum(1 for f in result.values() if f)
    passed = len(result) - failed
    print("clients: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


# =============================================================================
# Self-test: broken answers must be caught
# =============================================================================

def answer(body, ctype="text/xml; charset=utf-8", status="200 OK",
           extra=(), cl_delta=0):
    if isinstance(body, str):
        body = body.encode("utf-8")
    h = ["Status: " + status] if status else []
    if ctype is not None:
        h.append("Content-Type: " + ctype)
    h.append("Content-Length: %d" % (len(body) + cl_delta))
    h += list(extra)
    h += ["X-Content-Type-Options: nosniff", "Cache-Control: no-cache"]
    return ("\r\n".join(h) + "\r\n\r\n").encode("utf-8") + body


ST_INI = """[provider example.org]
display-name = Example Org Mail
domains = example.org
server = imap mail.example.org 993 SSL
server = smtp mail.example.org 465 SSL
caldav = https://dav.example.org/caldav/
"""

ST_AC = """<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <displayName>Example Org Mail</displayName>
    <displayShortName>Example Org</displayShortName>
    <incomingServer type="imap">
      <hostname>mail.example.org</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.example.org</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""

ST_POX_REQ = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>alice@example.org</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>
"""

ST_POX = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
      <Protocol>
        <Type>IMAP</Type>
        <Server>mail.example.org</Server>
        <Port>993</Port>
        <LoginName>alice@example.org</LoginName>
        <DomainRequired>off</DomainRequired>
        <SPA>off</SPA>
        <SSL>on</SSL>
        <Encryption>SSL</Encryption>
        <AuthRequired>on</AuthRequired>
      </Protocol>
      <Protocol>
        <Type>SMTP</Type>
        <Server>mail.example.org</Server>
        <Port>587</Port>
        <LoginName>alice@example.org</LoginName>
        <DomainRequired>off</DomainRequired>
        <SPA>off</SPA>
        <SSL>on</SSL>
        <Encryption>TLS</Encryption>
        <AuthRequired>on</AuthRequired>
        <UsePOPAuth>off</UsePOPAuth>
        <SMTPLast>off</SMTPLast>
      </Protocol>
    </Account>
  </Response>
</Autodiscover>
"""

ST_POX_ERR = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
    <Error Time="09:41:07.1234567" Id="2477431092">
      <ErrorCode>600</ErrorCode>
      <Message>Invalid Request</Message>
      <DebugData />
    </Error>
  </Response>
</Autodiscover>
"""

ST_MS = """<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">
    <Culture>en:us</Culture>
    <User>
      <EMailAddress>alice@example.org</EMailAddress>
    </User>
    <Action>
      <Settings>
        <Server>
          <Type>MobileSync</Type>
          <Url>https://sync.example.org/Microsoft-Server-ActiveSync</Url>
          <Name>https://sync.example.org/Microsoft-Server-ActiveSync</Name>
        </Server>
      </Settings>
    </Action>
  </Response>
</Autodiscover>
"""

ST_JSON = ('{"Protocol":"AutodiscoverV1","Url":"https://autodiscover.example.org'
           '/autodiscover/autodiscover.xml"}')

ST_MC = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>PayloadType</key><string>Configuration</string>
  <key>PayloadVersion</key><integer>1</integer>
  <key>PayloadIdentifier</key><string>org.example.autoconfig.alice</string>
  <key>PayloadUUID</key><string>BFE135E5-F8F2-566C-8F8B-76434ED454E5</string>
  <key>PayloadDisplayName</key><string>Example Org Mail</string>
  <key>PayloadContent</key>
  <array>
    <dict>
      <key>PayloadType</key><string>com.apple.mail.managed</string>
      <key>PayloadVersion</key><integer>1</integer>
      <key>PayloadIdentifier</key><string>org.example.autoconfig.alice.mail</string>
      <key>PayloadUUID</key><string>DB2398E3-2E66-59D6-8110-072F65790873</string>
      <key>EmailAccountType</key><string>EmailTypeIMAP</string>
      <key>EmailAddress</key><string>alice@example.org</string>
      <key>IncomingMailServerHostName</key><string>mail.example.org</string>
      <key>IncomingMailServerPortNumber</key><integer>993</integer>
      <key>IncomingMailServerUseSSL</key><true/>
      <key>IncomingMailServerAuthentication</key><string>EmailAuthPassword</string>
      <key>IncomingMailServerUsername</key><string>alice@example.org</string>
      <key>OutgoingMailServerHostName</key><string>mail.example.org</string>
      <key>OutgoingMailServerPortNumber</key><integer>465</integer>
      <key>OutgoingMailServerUseSSL</key><true/>
      <key>OutgoingMailServerAuthentication</key><string>EmailAuthPassword</string>
      <key>OutgoingMailServerUsername</key><string>alice@example.org</string>
    </dict>
    <dict>
      <key>PayloadType</key><string>com.apple.caldav.account</string>
      <key>PayloadVersion</key><integer>1</integer>
      <key>PayloadIdentifier</key><string>org.example.autoconfig.alice.caldav</string>
      <key>PayloadUUID</key><string>425F3B26-508C-595B-88C9-605CF60CC92A</string>
      <key>CalDAVHostName</key><string>dav.example.org</string>
      <key>CalDAVPort</key><integer>443</integer>
      <key>CalDAVUseSSL</key><true/>
      <key>CalDAVPrincipalURL</key><string>https://dav.example.org/caldav/</string>
      <key>CalDAVUsername</key><string>alice@example.org</string>
    </dict>
  </array>
</dict>
</plist>
"""

MC_DISP = 'Content-Disposition: attachment; filename="example.org.mobileconfig"'
MC_TYPE = "application/x-apple-aspen-config"
AC_REQ = ("GET /mail/config-v1.1.xml?emailaddress=alice%40example.org\n"
          "Host: autoconfig.example.org\n\n")
EVO_REQ = ("GET /mail/config-v1.1.xml?emailaddress=EVOLUTIONUSER%40example.org"
           "&emailmd5=c160f8cc69a4f0bf2b0362752353d060\n"
           "Host: autoconfig.example.org\n\n")
POX_REQ = ("POST /autodiscover/autodiscover.xml\nHost: autodiscover.example.org\n"
           "Content-Type: text/xml; charset=utf-8\n\n" + ST_POX_REQ)
POX_GET = "GET /autodiscover/autodiscover.xml\nHost: autodiscover.example.org\n\n"
JSON_REQ = ("GET /autodiscover/autodiscover.json?Email=alice%40example.org"
            "&Protocol=Autodiscoverv1&RedirectCount=1\n"
            "Host: autodiscover.example.org\n\n")
JSON_ERR_REQ = ("GET /autodiscover/autodiscover.json?Email=alice%40example.org"
                "&Protocol=Rest\nHost: autodiscover.example.org\n\n")
MC_REQ = ("GET /mobileconfig?emailaddress=alice%40example.org\n"
          "Host: autoconfig.example.org\n\n")
BAD_REQ = ("GET /mail/config-v1.1.xml?emailaddress=%3Cscript%3Ealert(1)"
           "%3C/script%3E\nHost: autoconfig.example.org\n\n")
TXT = "text/plain; charset=utf-8"
JSN = "application/json; charset=utf-8"
PAGE_REQ = ("GET /mail/setup?emailaddress=alice%40example.org\n"
            "Host: autoconfig.example.org\n\n")
SVG_REQ = ("GET /mobileconfig.qrcode.svg?emailaddress=alice%40example.org\n"
           "Host: autoconfig.example.org\n\n")
PAGE_TYPE = "text/html; charset=utf-8"
SVG_TYPE = "image/svg+xml; charset=utf-8"
PAGE_CSS = "body{margin:1em}"
ST_PAGE = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8"/>\n'
           "<title>Mail settings</title>\n<style>" + PAGE_CSS + "</style>\n"
           "</head>\n<body>\n<p>imap.example.org</p>\n"
           '<a href="/mobileconfig?emailaddress=alice%40example.org">profile</a>\n'
           '<img src="/mobileconfig.qrcode.svg?emailaddress=alice%40example.org"'
           ' alt="QR"/>\n</body>\n</html>\n')


def page_csp(css=PAGE_CSS):
    import base64
    import hashlib
    h = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return ("Content-Security-Policy: default-src 'none'; img-src 'self'; "
            "style-src 'sha256-%s'; base-uri 'none'" % h)


ST_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">\n'
          '<rect width="9" height="9" fill="#fff"/>\n'
          '<path stroke="#000" d="M4 4.5h1"/>\n</svg>\n')

# Good baselines: (request, expected).
BASE = {
    "ac": (AC_REQ, answer(ST_AC)),
    "ac_head": ("HEAD" + AC_REQ[3:], answer(ST_AC).split(b"\r\n\r\n")[0]
                + b"\r\n\r\n"),
    "ac_evo": (EVO_REQ, answer(ST_AC)),
    "pox": (POX_REQ, answer(ST_POX)),
    "pox_err": (POX_GET, answer(ST_POX_ERR)),
    "pox_ms": (POX_REQ.replace("outlook/", "mobilesync/"), answer(ST_MS)),
    "json": (JSON_REQ, answer(ST_JSON, JSN)),
    "json_err": (JSON_ERR_REQ, answer(
        '{"ErrorCode":"InvalidProtocol","ErrorMessage":"not offered"}', JSN,
        "400 Bad Request")),
    "mc": (MC_REQ, answer(ST_MC, MC_TYPE, extra=[MC_DISP])),
    "txt_err": (BAD_REQ, answer("address has no '@'\n", TXT, "400 Bad Request")),
    "page": (PAGE_REQ, answer(ST_PAGE, PAGE_TYPE, extra=[page_csp()])),
    "svg": (SVG_REQ, answer(ST_SVG, SVG_TYPE)),
}


def body_of(key):
    exp = BASE[key][1]
    return exp.split(b"\r\n\r\n", 1)[1].decode("utf-8")


def rebody(key, old, new, count=1, ctype=None, status="200 OK", extra=()):
    """The baseline `key` with `old` replaced by `new` in its body."""
    b = body_of(key)
    assert old in b, (key, old)
    b = b.replace(old, new, count)
    if ctype is None:
        ctype = {"json": JSN, "json_err": JSN, "mc": MC_TYPE,
                 "txt_err": TXT, "page": PAGE_TYPE,
                 "svg": SVG_TYPE}.get(key, "text/xml; charset=utf-8")
    if key == "mc" and not extra:
        extra = [MC_DISP]
    if key == "page" and not extra:
        extra = [page_csp()]
    return {key: (BASE[key][0], answer(b, ctype, status, extra))}


def replace_expected(key, old, new):
    exp = BASE[key][1]
    assert old in exp, (key, old)
    return {key: (BASE[key][0], exp.replace(old, new, 1))}


SSL_ENC = "<SSL>on</SSL>\n        <Encryption>SSL</Encryption>"
EVO_DUP = ST_AC.split("<incomingServer")[1].split("</incomingServer>")[0]

# The autoconfig baseline's incoming server, whole lines.
AC_IMAP = "    <incomingServer" + \
    ST_AC.split("    <incomingServer", 1)[1].split("    <outgoingServer")[0]

# (mutation name, {case: (request, expected)}, rule that must fire)
MUTATIONS = [
    # The setup page and the QR code SVG.
    ("<script> in the setup page",
     rebody("page", "<p>imap", "<script>alert(1)</script><p>imap"),
     "html.safe"),
    ("image from another origin",
     rebody("page", 'src="/mobileconfig', 'src="https://evil.example/m'),
     "html.safe"),
    ("event handler attribute",
     rebody("page", '<img src', '<img onerror="x()" src'), "html.safe"),
    ("style that the policy's hash does not allow",
     rebody("page", PAGE_CSS, "body{margin:2em}"), "html.csp"),
    ("no Content-Security-Policy",
     rebody("page", "<p>", "<p>", extra=["X-Other: 1"]), "html.csp"),
    ("unclosed element", rebody("page", "</p>", ""), "html.balanced"),
    ("no DOCTYPE", rebody("page", "<!DOCTYPE html>\n", ""), "html.doctype"),
    ("<script> in the QR SVG",
     rebody("svg", "</svg>", "<script>x</script></svg>"), "qr.svg"),
    ("two paths in the QR SVG",
     rebody("svg", "</svg>", '<path d="M0 0"/></svg>'), "qr.svg"),
    # Servers on port 443, by ALPN (§8).
    ("443 first",
     rebody("ac", AC_IMAP,
            AC_IMAP.replace("<port>993</port>", "<port>443</port>")
            + AC_IMAP), "alpn.last"),
    ("443 for EVOLUTIONUSER",
     rebody("ac_evo", "<port>993</port>", "<port>443</port>"), "alpn.absent"),
    ("443 in POX", rebody("pox", "<Port>993</Port>", "<Port>443</Port>"),
     "alpn.absent"),
    ("443 in a profile",
     rebody("mc", "<integer>993</integer>", "<integer>443</integer>"),
     "alpn.absent"),
    # The brief's required set.
    ("socketType plain", rebody("ac", "<socketType>SSL</socketType>",
                                "<socketType>plain</socketType>"),
     "tba.socketType"),
    ("extra attribute on incomingServer",
     rebody("ac", '<incomingServer type="imap">',
            '<incomingServer type="imap" id="1">'), "evo.attributes"),
    ("OAuth2 first",
     rebody("ac", "<authentication>password-cleartext</authentication>",
            "<authentication>OAuth2</authentication>\n      "
            "<authentication>password-cleartext</authentication>"),
     "ac.oauth2-first"),
    ("oAuth2 only under clientConfig (Thunderbird for Android misses it)",
     rebody("ac", "</clientConfig>",
            "  <oAuth2>\n    <issuer>a.example.org</issuer>\n"
            "    <authURL>https://a.example.org/a</authURL>\n"
            "    <tokenURL>https://a.example.org/t</tokenURL>\n"
            "  </oAuth2>\n</clientConfig>"), "ac.oauth2-both"),
    ("Encryption TLS on 993",
     rebody("pox", "<Encryption>SSL</Encryption>",
            "<Encryption>TLS</Encryption>"), "pox.tls"),
    ("unclosed filename quote",
     {"mc": (MC_REQ, answer(ST_MC, MC_TYPE, extra=[MC_DISP[:-1]]))},
     "mc.disposition"),
    ("<script> echoed in an error body",
     rebody("txt_err", "address has no '@'",
            "bad address <script>alert(1)</script>", ctype=TXT,
            status="400 Bad Request"), "http.echo"),
    ("Content-Length off by one",
     {"ac": (AC_REQ, answer(ST_AC, cl_delta=1))}, "http.content-length"),
    ("Content-Length off by one (minus)",
     {"ac": (AC_REQ, answer(ST_AC, cl_delta=-1))}, "http.content-length"),
    # HTTP envelope.
    ("no Content-Type", {"ac": (AC_REQ, answer(ST_AC, ctype=None))},
     "http.content-type"),
    ("LF-only header block",
     {"ac": (AC_REQ, answer(ST_AC).replace(b"\r\n", b"\n", 2))}, "http.header"),
    ("malformed header line",
     replace_expected("ac", b"Cache-Control: no-cache", b"Cache-Control no-cache"),
     "http.header"),
    ("HEAD answer with a body",
     {"ac_head": ("HEAD" + AC_REQ[3:], answer(ST_AC))}, "http.head"),
    ("HEAD header block differs from GET",
     {"ac": BASE["ac"], "ac_head": (
         "HEAD" + AC_REQ[3:],
         answer(ST_AC, cl_delta=3).split(b"\r\n\r\n")[0] + b"\r\n\r\n")},
     "http.head"),
    ("empty error body",
     {"txt_err": (BAD_REQ, answer("", TXT, "400 Bad Request"))},
     "http.error-body"),
    ("long error body",
     {"txt_err": (BAD_REQ, answer("x" * 700, TXT, "400 Bad Request"))},
     "http.error-body"),
    ("markup echoed from the XML body", {"pox_err": (
        POX_REQ.replace("alice@example.org", "a&quot;&lt;b&gt;@example.org"),
        answer("bad address a\"<b>@example.org\n", TXT, "400 Bad Request"))},
     "http.echo"),
    ("control character echoed", {"txt_err": (
        BAD_REQ.replace("%3Cscript%3Ealert(1)%3C/script%3E",
                        "alice%0D%0ASet-Cookie:x"),
        answer("bad address alice\r\nSet-Cookie:x\n", TXT, "400 Bad Request"))},
     "http.echo"),
    ("200 text/plain", {"ac": (AC_REQ, answer("hello", TXT))},
     "http.content-type"),
    # XML.
    ("BOM", rebody("ac", "<?xml", "\ufeff<?xml"), "xml.bom"),
    ("malformed XML", rebody("ac", "</clientConfig>", "</clientconfig>"),
     "xml.wellformed"),
    ("Latin-1 declaration", rebody("ac", 'encoding="UTF-8"',
                                   'encoding="ISO-8859-1"'), "xml.utf8"),
    # Autoconfig.
    ("grammar: non-numeric port", rebody("ac", "<port>993</port>",
                                         "<port>imaps</port>"), "ac.rng"),
    ("Content-Type application/xml",
     rebody("ac", "<?xml", "<?xml", ctype="application/xml"), "tb.content-type"),
    ("socketType ssl", rebody("ac", "<socketType>SSL</socketType>",
                              "<socketType>ssl</socketType>"), "tb.socketType"),
    ("unknown authentication", rebody(
        "ac", "<authentication>password-cleartext</authentication>",
        "<authentication>password-magic</authentication>"), "tb.authentication"),
    ("none on an incoming server", rebody(
        "ac", "<authentication>password-cleartext</authentication>",
        "<authentication>password-cleartext</authentication>"
        "<authentication>none</authentication>"), "tb.authentication"),
    ("no outgoing server", rebody("ac", ST_AC[ST_AC.index("<outgoingServer"):
                                              ST_AC.index("</emailProvider>")], ""),
     "tb.outgoing"),
    ("smtp without port", rebody("ac", "<port>465</port>", ""), "tba.port"),
    ("port 70000", rebody("ac", "<port>993</port>", "<port>70000</port>"),
     "tb.port"),
    ("provider id placeholder", rebody("ac", 'id="example.org"',
                                       'id="%EMAILDOMAIN%"'), "tba.id"),
    ("U-label domain", rebody("ac", "<domain>example.org</domain>",
                              "<domain>bücher.example</domain>"), "tba.domain"),
    ("missing username", rebody("ac", "<username>%EMAILADDRESS%</username>",
                                ""), "tba.username"),
    ("only GSSAPI", rebody("ac", "<authentication>password-cleartext"
                                 "</authentication>",
                           "<authentication>GSSAPI</authentication>"),
     "tba.authentication"),
    ("markup inside hostname", rebody("ac", "<hostname>mail.example.org",
                                      "<hostname><b>x</b>mail.example.org"),
     "tba.plaintext"),
    ("CDATA", rebody("ac", "<displayName>Example Org Mail",
                     "<displayName><![CDATA[Example Org Mail]]>"),
     "tba.plaintext"),
    ("&nbsp;", rebody("ac", "Example Org Mail", "Example&nbsp;Org Mail"),
     "evo.entity"),
    ("server without type", rebody("ac", '<outgoingServer type="smtp">',
                                   "<outgoingServer>"), "evo.attributes"),
    ("EVOLUTIONUSER with two imap servers",
     rebody("ac_evo", "<outgoingServer",
            "<incomingServer" + EVO_DUP + "</incomingServer>\n    "
            "<outgoingServer"), "evo.one-per-type"),
    ("password element", rebody("ac", "</username>",
                                "</username>\n      <password>x</password>"),
     "ac.password"),
    ("boolean yes", rebody("ac", "</incomingServer>",
                           "<pop3><leaveMessagesOnServer>yes"
                           "</leaveMessagesOnServer></pop3></incomingServer>"),
     "ac.boolean"),
    ("non-ASCII hostname", rebody("ac", "<hostname>mail.example.org",
                                  "<hostname>mail.bücher.example"), "ac.ascii"),
    ("status 404 with a clientConfig", rebody("ac", "<?xml", "<?xml",
                                              status="404 Not Found"),
     "ac.status"),
    # POX.
    ("wrong root namespace", rebody("pox", "responseschema/2006\"",
                                    "responseschema/2007\""), "pox.ns"),
    ("SPA on", rebody("pox", "<SPA>off</SPA>", "<SPA>on</SPA>"), "pox.spa"),
    ("SPA absent", rebody("pox", "<SPA>off</SPA>", ""), "pox.spa"),
    ("SSL On", rebody("pox", "<SSL>on</SSL>", "<SSL>On</SSL>"), "pox.onoff"),
    ("DomainRequired yes", rebody("pox", "<DomainRequired>off",
                                  "<DomainRequired>yes"), "pox.onoff"),
    ("Encryption SSL on 587", rebody("pox", "<Encryption>TLS</Encryption>",
                                     "<Encryption>SSL</Encryption>"), "pox.tls"),
    ("SSL off with Encryption SSL", rebody("pox", SSL_ENC, SSL_ENC.replace(
        "<SSL>on", "<SSL>off")), "pox.tls"),
    ("Encryption None with SSL on", rebody("pox", SSL_ENC, SSL_ENC.replace(
        ">SSL</Encryption", ">None</Encryption")), "pox.tls"),
    ("STARTTLS as SSL off + TLS (automx2)", rebody(
        "pox", "<SSL>on</SSL>\n        <Encryption>TLS",
        "<SSL>off</SSL>\n        <Encryption>TLS"), "pox.tls"),
    ("AccountType imap", rebody("pox", "<AccountType>email",
                                "<AccountType>imap"), "pox.outlook"),
    ("no LoginName", rebody("pox", "<LoginName>alice@example.org</LoginName>",
                            ""), "pox.outlook"),
    ("ErrorCode 500 with 200", rebody("pox_err", "<ErrorCode>600",
                                      "<ErrorCode>500"), "pox.status"),
    ("ErrorCode 603 with 200", rebody("pox_err", "<ErrorCode>600",
                                      "<ErrorCode>603"), "pox.status"),
    ("ErrorCode 600 with 200 for a malformed POST", {"pox_err": (
        POX_REQ.replace("</Autodiscover>", ""), answer(ST_POX_ERR))},
     "pox.status"),
    ("ErrorCode 601 with 400", rebody("pox_err", "<ErrorCode>600",
                                      "<ErrorCode>601", status="400 Bad Request"),
     "pox.status"),
    ("ErrorCode 999", rebody("pox_err", "<ErrorCode>600", "<ErrorCode>999"),
     "pox.error"),
    ("Error Time without fraction", rebody("pox_err", '"09:41:07.1234567"',
                                           '"09:41:07"'), "pox.error"),
    ("Error without Id", rebody("pox_err", ' Id="2477431092"', ""),
     "pox.error"),
    ("Error without DebugData", rebody("pox_err", "<DebugData />", ""),
     "pox.error"),
    ("MobileSync Url http", rebody("pox_ms", "<Url>https:", "<Url>http:"),
     "pox.mobilesync"),
    ("MobileSync without Culture", rebody("pox_ms", "<Culture>en:us</Culture>",
                                          ""), "pox.mobilesync"),
    # JSON.
    ("JSON Url on the Host header", {"json": (
        JSON_REQ.replace("Host: autodiscover.example.org", "Host: evil.example"),
        answer(ST_JSON.replace("autodiscover.example.org", "evil.example"), JSN))},
     "json.url-host"),
    ("JSON extra key", rebody("json", '"}', '","X":1}'), "json.keys"),
    ("JSON http Url", rebody("json", "https://", "http://"), "json.url"),
    ("JSON Protocol Rest", rebody("json", "AutodiscoverV1", "Rest"),
     "json.protocol"),
    ("JSON array", {"json": (JSON_REQ, answer("[" + ST_JSON + "]", JSN))},
     "json.object"),
    ("JSON not JSON", {"json": (JSON_REQ, answer("{nope", JSN))}, "json.parse"),
    ("JSON error without ErrorMessage", rebody(
        "json_err", ',"ErrorMessage":"not offered"', "", ctype=JSN,
        status="400 Bad Request"), "json.error"),
    # Profiles.
    ("PayloadVersion string", rebody(
        "mc", "<key>PayloadVersion</key><integer>1</integer>\n  <key>PayloadIdentifier",
        "<key>PayloadVersion</key><string>1</string>\n  <key>PayloadIdentifier"),
     "mc.payload"),
    ("payload PayloadVersion 2", rebody(
        "mc", "<key>PayloadVersion</key><integer>1</integer>\n      "
              "<key>PayloadIdentifier</key><string>org.example.autoconfig.alice.mail",
        "<key>PayloadVersion</key><integer>2</integer>\n      "
        "<key>PayloadIdentifier</key><string>org.example.autoconfig.alice.mail"),
     "mc.payload"),
    ("outer UUID reused inside", rebody(
        "mc", "DB2398E3-2E66-59D6-8110-072F65790873",
        "BFE135E5-F8F2-566C-8F8B-76434ED454E5"), "mc.uuid"),
    ("UUID 32 hex", rebody("mc", "DB2398E3-2E66-59D6-8110-072F65790873",
                           "DB2398E32E6659D68110072F65790873"), "mc.uuid"),
    ("duplicate payload identifier", rebody(
        "mc", "org.example.autoconfig.alice.caldav",
        "org.example.autoconfig.alice.mail"), "mc.identifier"),
    ("IncomingPassword", rebody(
        "mc", "<key>EmailAddress</key>",
        "<key>IncomingPassword</key><string>secret</string>\n      "
        "<key>EmailAddress</key>"), "mc.password"),
    ("port as real", rebody("mc", "<integer>993</integer>", "<real>993</real>"),
     "mc.type"),
    ("CalDAV port as real", rebody("mc", "<integer>443</integer>",
                                   "<real>443</real>"), "mc.dav-port"),
    ("UseSSL string", rebody("mc", "<key>CalDAVUseSSL</key><true/>",
                             "<key>CalDAVUseSSL</key><string>yes</string>"),
     "mc.dav-ssl"),
    ("CalDAV HostName with scheme", rebody(
        "mc", "<string>dav.example.org</string>",
        "<string>https://dav.example.org/</string>"), "mc.dav-host"),
    ("missing EmailAccountType", rebody(
        "mc", "<key>EmailAccountType</key><string>EmailTypeIMAP</string>", ""),
     "mc.required"),
    ("EmailAccountType Exchange", rebody("mc", "EmailTypeIMAP", "EmailTypeEAS"),
     "mc.range"),
    ("authentication OAuth", rebody("mc", "<string>EmailAuthPassword",
                                    "<string>EmailAuthOAuth"), "mc.range"),
    ("misspelt key", rebody("mc", "IncomingMailServerHostName",
                            "IncomingMailServerHostname"), "mc.required"),
    ("unknown key", rebody("mc", "<key>EmailAddress</key>",
                           "<key>EmailAdress</key><string>x</string>\n      "
                           "<key>EmailAddress</key>"), "mc.unknown-key"),
    ("mail host with scheme", rebody(
        "mc", "<key>IncomingMailServerHostName</key><string>mail.example.org",
        "<key>IncomingMailServerHostName</key><string>imaps://mail.example.org"),
     "mc.host"),
    ("filename with a space", {"mc": (MC_REQ, answer(ST_MC, MC_TYPE, extra=[
        'Content-Disposition: attachment; filename="example org.mobileconfig"']))},
     "mc.disposition"),
    ("no Content-Disposition", {"mc": (MC_REQ, answer(ST_MC, MC_TYPE))},
     "mc.disposition"),
    ("no plist DOCTYPE", rebody("mc", '<!DOCTYPE plist PUBLIC "-//Apple//DTD '
                                      'PLIST 1.0//EN" "http://www.apple.com/'
                                      'DTDs/PropertyList-1.0.dtd">\n', ""),
     "mc.plist"),
    ("random UUIDs on re-render", {
        "mc": BASE["mc"],
        "mc_again": (MC_REQ, answer(ST_MC.replace(
            "BFE135E5-F8F2-566C-8F8B-76434ED454E5",
            "0E3C37A2-6D8B-4C4A-9F5E-1A2B3C4D5E6F"), MC_TYPE, extra=[MC_DISP]))},
     "determinism"),
    ("one identifier for two addresses", {
        "mc": BASE["mc"],
        "mc_bob": (MC_REQ.replace("alice", "bob"),
                   answer(ST_MC.replace("alice@", "bob@"), MC_TYPE,
                          extra=[MC_DISP]))},
     "mc.identity"),
    ("second account missing", {
        "mc_two": (MC_REQ.replace("alice%40example.org",
                                  "alice%40example.org,bob%40example.org"),
                   answer(ST_MC, MC_TYPE, extra=[MC_DISP]))},
     "mc.accounts"),
]


def readme_problems():
    """tests/clients/README.md against the checker and the code that cites
    it: every rule the checker fires and every mutation it quotes exist,
    every golden case it names exists, and every "README.md §N" in lib/
    and tests/clients/ (and every bare §N in this file) names a section."""
    out = []
    path = os.path.join(HERE, "README.md")
    try:
        with open(path, encoding="utf-8") as f:
            doc = f.read()
    except OSError as e:
        return ["cannot read %s: %s" % (path, e)]
    sections = set(re.findall(r"(?m)^#{2,3} (\d+(?:\.\d+)?)\.? ", doc))
    rules = {r for _, _, r in MUTATIONS}
    names = {n for n, _, _ in MUTATIONS}
    for r in sorted(rules):
        if "`%s`" % r not in doc:
            out.append("rule %s is not in the README" % r)
    for m in re.finditer(r"`([a-z]+\.[A-Za-z0-9-]+|determinism)` "
                         r"\(((?:\"[^\"]+\"(?:, )?)+)\)", doc):
        for q in re.findall(r'"([^"]+)"', m.group(2)):
            if q not in names:
                out.append("README quotes %r after %s; no such mutation"
                           % (q, m.group(1)))
    for seg in re.findall(r"golden ((?:`[a-z0-9_]+`(?:, )?)+)", doc):
        for n in re.findall(r"`([a-z0-9_]+)`", seg):
            if not os.path.isdir(os.path.join(REPO, "tests", "golden", n)):
                out.append("README names golden case %s; no such case" % n)
    cited = []
    for d in ("lib", os.path.join("tests", "clients")):
        for base, _, files in os.walk(os.path.join(REPO, d)):
            if "node_modules" in base:
                continue
            for fn in files:
                if fn.endswith((".c", ".h", ".py", ".mjs", ".sh")):
                    with open(os.path.join(base, fn), encoding="utf-8",
                              errors="replace") as f:
                        text = f.read()
                    rel = os.path.relpath(os.path.join(base, fn), REPO)
                    cited += [(rel, n) for n in re.findall(
                        r"README\.md\s+§(\d+(?:\.\d+)?)", text)]
    with open(os.path.abspath(__file__), encoding="utf-8") as f:
        cited += [("check_answers.py", n)
                  for n in re.findall(r"§(\d+(?:\.\d+)?)", f.read())]
    for rel, n in cited:
        if n not in sections:
            out.append("%s cites §%s; the README has no such section"
                       % (rel, n))
    if not cited:
        out.append("no citation of the README found")
    return out


def write_cases(root, cases):
    for name, (req, exp) in cases.items():
        d = os.path.join(root, name)
        os.makedirs(d)
        with open(os.path.join(d, "request"), "wb") as f:
            f.write(req.encode("utf-8") if isinstance(req, str) else req)
        with open(os.path.join(d, "expected"), "wb") as f:
            f.write(exp)
        with open(os.path.join(d, "provider.ini"), "w", encoding="utf-8") as f:
            f.write(ST_INI)


def selftest():
    bad = 0
    tmp = tempfile.mkdtemp(prefix="clients-selftest-")
    try:
        # 1. Every baseline passes on its own and all together.
        base_dir = os.path.join(tmp, "base")
        os.makedirs(base_dir)
        write_cases(base_dir, BASE)
        res = run(base_dir, quiet=True)
        if res is None:
            print("selftest: cannot run the checker (tests/data/spec or xmllint)")
            return 1
        for name, fails in sorted(res.items()):
            for rule, detail in fails:
                print("SELFTEST baseline %s wrongly failed: %s: %s"
                      % (name, rule, detail))
                bad += 1
        if len(res) != len(BASE):
            print("SELFTEST baseline: %d of %d cases seen" % (len(res), len(BASE)))
            bad += 1
        # 2. Every mutation is caught, by the rule meant to catch it.
        for i, (what, cases, rule) in enumerate(MUTATIONS):
            d = os.path.join(tmp, "m%03d" % i)
            os.makedirs(d)
            write_cases(d, cases)
            res = run(d, quiet=True) or {}
            rules = sorted({r for f in res.values() for r, _ in f})
            if rule not in rules:
                print("SELFTEST not caught: %s (wanted %s, got %s)"
                      % (what, rule, rules or "no failure"))
                bad += 1
        # 3. The README's rules, quotes, cases and sections exist.
        problems = readme_problems()
        for p in problems:
            print("SELFTEST README: %s" % p)
        bad += 1 if problems else 0
        n = len(MUTATIONS) + 2
        print("clients_selftest: %d passed, %d failed" % (n - bad, bad))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
