#!/usr/bin/env python3
# Regenerate the seed corpora in tests/fuzz/corpus/ from tests/golden/,
# etc/mailautoconf.ini, the client samples and ISPDB files in tests/data/
# and the hand-written seeds below.  Run from anywhere:
#   python3 tests/fuzz/mkcorpus.py
# Existing seeds of the same name are overwritten; others are kept.
import os
import re

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
golden = os.path.join(root, "tests", "golden")
testdata = os.path.join(root, "tests", "data")
corpus = os.path.join(here, "corpus")

METHODS = {b"OTHER": 0, b"GET": 1, b"HEAD": 2, b"POST": 3}
SEP = b"\xff"


def put(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def parse_request(raw):
    """Split a golden request file as tests/golden/mac_render.c does."""
    line, _, rest = raw.partition(b"\n")
    method, _, target = line.partition(b" ")
    path, _, query = target.partition(b"?")
    host = ctype = b""
    body = b""
    while rest:
        hl, nl, rest2 = rest.partition(b"\n")
        if hl == b"":
            body = rest2
            break
        name, _, value = hl.partition(b":")
        if name.lower() == b"host":
            host = value.lstrip(b" ")
        elif name.lower() == b"content-type":
            ctype = value.lstrip(b" ")
        rest = rest2 if nl else b""
    return method, path, query, host, ctype, body


def handle_seed(method, path, query, host, ctype, body, full=False):
    flags = METHODS.get(method, 0) | (0x04 if full else 0)
    return bytes([flags]) + SEP.join([path, query, host, ctype, body])


# ---- from the golden cases ----
for case in sorted(os.listdir(golden)):
    req = os.path.join(golden, case, "request")
    if not os.path.isfile(req):
        continue
    with open(req, "rb") as f:
        raw = f.read()
    if len(raw) > 4096 or raw == b"LOAD\n":  # past -max_len; no request
        continue
    m, path, query, host, ctype, body = parse_request(raw)
    full = os.path.exists(os.path.join(golden, case, "provider.ini"))
    put("fuzz_handle", case, handle_seed(m, path, query, host, ctype, body,
                                         full))
    if query:
        put("fuzz_query", case, query)
    if case.startswith("pox_") and body:
        put("fuzz_pox", case, body)

# ---- hand-written request seeds ----
queries = {
    "plain_at": b"emailaddress=alice@example.com",
    "idn_utf8": b"emailaddress=j\xc3\xb6rg@b\xc3\xbccher.example",
    "json_both": b"Email=bob%40brand.example&Protocol=ActiveSync"
                 b"&RedirectCount=1",
    "mc_name": b"emailaddress=o%27brien%40example.com&name=%3C%2Fstring%3E",
    "semicolon": b"a=1;emailaddress=x%40y.example;name=N",
    "mc_repeated": b"emailaddress=a%40example.com&name=A&EmailAddress=b%40"
                   b"example.net&emailaddress=a%40example.com",
    "mc_list": b"emailaddress=a%40example.com,%20b%40example.net,,c@x.example"
               b"&emailaddress=,",
    "mc_eleven": b"emailaddress=" + b",".join(b"u%d@example.com" % i
                                              for i in range(11)),
    "no_value": b"emailaddress&Email=&name",
    "trailing_dot": b"emailaddress=a%40Example.COM.",
    "xn": b"emailaddress=a%40xn--bcher-kva.example",
    "bad_escape": b"emailaddress=%zz%40example.com",
    "many": b"&".join(b"k%d=v" % i for i in range(40)),
}
for name, q in queries.items():
    put("fuzz_query", name, q)

thunderbird = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'    <Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
    b'autodiscover/outlook/requestschema/2006">\n'
    b"      <Request>\n"
    b"        <EMailAddress>user@example.com</EMailAddress>\n"
    b"        <AcceptableResponseSchema>http://schemas.microsoft.com/"
    b"exchange/autodiscover/outlook/responseschema/2006a"
    b"</AcceptableResponseSchema>\n"
    b"      </Request>\n"
    b"    </Autodiscover>\n")
mobilesync = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<Autodiscover xmlns="http://schemas.microsoft.com/exchange/'
    b'autodiscover/mobilesync/requestschema/2006">\n'
    b"  <Request>\n"
    b"    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"
    b"autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema>\n"
    b"    <EMailAddress>bob@brand.example</EMailAddress>\n"
    b"  </Request>\n"
    b"</Autodiscover>\n")
poxes = {
    "thunderbird": thunderbird,
    "mobilesync": mobilesync,
    "outlook2010": b'<?xml version="1.0" encoding="utf-8"?><Autodiscover '
                   b'xmlns="http://schemas.microsoft.com/exchange/autodiscover/'
                   b'outlook/requestschema/2006"><Request><EMailAddress>'
                   b"user@domain.com</EMailAddress><AcceptableResponseSchema>"
                   b"http://schemas.microsoft.com/exchange/autodiscover/"
                   b"outlook/responseschema/2006a</AcceptableResponseSchema>"
                   b"</Request></Autodiscover>",
    "mailcow_ns": thunderbird.replace(b"outlook/requestschema/2006",
                                      b"request/2006"),
    "prefixed": b'<a:Autodiscover xmlns:a="urn:x"><a:Request>'
                b"<a:EMailAddress>Bob@Brand.Example</a:EMailAddress>"
                b"</a:Request></a:Autodiscover>",
    "entities": b"<Autodiscover><Request><EMailAddress>o&apos;b&#x40;"
                b"b&#252;cher.example</EMailAddress></Request></Autodiscover>",
    "cdata": b"<Autodiscover><Request><EMailAddress><![CDATA[a@brand."
             b"example]]></EMailAddress></Request></Autodiscover>",
    "utf16": thunderbird.replace(b'encoding="utf-8"', b'encoding="utf-16"')
    .decode().encode("utf-16"),
    "latin1": b'<?xml version="1.0" encoding="ISO-8859-1"?><Autodiscover>'
              b"<Request><EMailAddress>j\xf6rg@b\xfccher.example"
              b"</EMailAddress></Request></Autodiscover>",
    "xxe": b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe "INJECTED">]>'
           b"<Autodiscover><Request><EMailAddress>&xxe;</EMailAddress>"
           b"</Request></Autodiscover>",
    "deep": b"<Autodiscover>" + b"<a>" * 9 + b"</a>" * 9 + b"</Autodiscover>",
}
for name, body in poxes.items():
    put("fuzz_pox", name, body)
    put("fuzz_handle", "pox_" + name,
        handle_seed(b"POST", b"/autodiscover/autodiscover.xml", b"",
                    b"autodiscover.brand.example", b"text/xml", body, True))

# ---- configurations ----
with open(os.path.join(golden, "full.ini"), "rb") as f:
    full = f.read()
with open(os.path.join(root, "etc", "mailautoconf.ini"), "rb") as f:
    shipped = f.read()
put("fuzz_cfg", "full.ini", full)
put("fuzz_cfg", "shipped.ini", shipped)
# The commented-out second and third providers of the shipped file, on.
put("fuzz_cfg", "shipped_all.ini",
    re.sub(rb"(?m)^;(?=\[provider|[a-z23-]+ =|  example)", b"", shipped)
    .replace(b"domains-file = example-customers.txt\n", b"")
    .replace(b"domains-file = brand-domains.txt", b"domains-file = "
             b"domains.txt"))
cfgs = {
    "minimal.ini": b"[provider example.com]\ndomains = example.com\n"
                   b"server = imap mail.example.com\n"
                   b"server = smtp mail.example.com\n",
    "domains_file.ini": b"[provider example.com]\n"
                        b"domains-file = domains.txt\n"
                        b"server = imap mail.example.com 993 SSL\n"
                        b"server = smtp mail.example.com 587 STARTTLS "
                        b"auth=password-cleartext,smtp-after-pop\n",
    "continued.ini": b"[defaults]\nserver = imap a.example.net\n"
                     b"  smtp b.example.net\n"
                     b"[provider x.example]\ndomains = x.example,\n"
                     b"\ty.example  Z.EXAMPLE.\n"
                     b"username = %EMAILLOCALPART%\n"
                     b"authentication = OAuth2 plain\n",
    "catch_all.ini": b"\xef\xbb\xbf[provider catch.example]\r\n"
                     b"catch-all = yes\r\nserver = pop3 p.example 995\r\n"
                     b"server = smtp s.example 465\r\n",
    "idn.ini": "[provider bücher.example]\ndomains = bücher.example "
               "例え.テスト\ndisplay-name = Bücher & Co <x>\n"
               "server = imap imap.bücher.example\n"
               "server = smtp smtp.bücher.example\n".encode(),
    "errors.ini": b"key before = section\n[provider]\n[provider bad..id]\n"
                  b"[defaults]\ndomains = x.example\n[defaults]\n"
                  b"[provider a.example]\nserver = ftp a.example\n"
                  b"server = imap a.example 0\ncaldav = http://a.example/\n"
                  b"oauth2-issuer = a.example\nttl = 9\n"
                  b"autodiscover-ttl = 9999\n[unknown]\n[x\n"
                  b"no equals sign\n",
    "mobileconfig.ini": b"[provider m.example]\ndomains = m.example\n"
                        b"server = imap m.example STARTTLS\n"
                        b"server = smtp m.example SSL username=%EMAILADDRESS%"
                        b"\nmobileconfig-identifier = org.example.m\n"
                        b"mobileconfig-organization = M & M\n"
                        b"carddav = https://m.example:8443/c/\n"
                        b"activesync = https://m.example/as\n",
}
for name, data in cfgs.items():
    put("fuzz_cfg", name, data)

# ---- from the client samples in tests/data/samples ----
samples = os.path.join(testdata, "samples")
for fn in sorted(os.listdir(samples)):
    with open(os.path.join(samples, fn), "rb") as f:
        text = f.read()
    stem = os.path.splitext(fn)[0]
    # Query strings of the request lines and URLs quoted there.
    qs = re.findall(rb"\?([^ \"\s]+)", text)
    for i, q in enumerate(dict.fromkeys(qs)):
        q = q.replace(b"<addr>", b"alice%40example.com")
        put("fuzz_query", "sample_%s_%d" % (stem, i), q)
    # XML request bodies, with the client's placeholder filled in.
    bodies = re.findall(rb"(?s)(?:<\?xml[^>]*\?>\s*)?<Autodiscover\b.*?"
                        rb"</Autodiscover>", text)
    for i, body in enumerate(bodies):
        body = re.sub(rb"\$\{?\w+\}?", b"alice@example.com", body)
        put("fuzz_pox", "sample_%s_%d" % (stem, i), body)
        put("fuzz_handle", "sample_%s_%d" % (stem, i),
            handle_seed(b"POST", b"/autodiscover/autodiscover.xml", b"",
                        b"autodiscover.example.com",
                        b"text/xml; charset=utf-8", body))
    # Form bodies (automx-test's mobileconfig POST).
    for i, form in enumerate(re.findall(rb"(?m)^(_mobileconfig=\S+)",
                                        text)):
        put("fuzz_query", "sample_%s_form_%d" % (stem, i),
            form.replace(b"$PROFILE", b"alice%40example.com"))


# ---- providers from the ISPDB in tests/data/ispdb, as INI files ----
def ispdb_ini(xml):
    """One [provider] section from a Thunderbird ISPDB file (or None)."""
    import xml.etree.ElementTree as ET
    try:
        prov = ET.fromstring(xml).find("emailProvider")
    except ET.ParseError:
        return None
    if prov is None:
        return None
    out = ["[provider %s]" % prov.get("id", "x.example")]
    doms = [d.text.strip() for d in prov.findall("domain") if d.text]
    if doms:
        out.append("domains = " + " ".join(doms))
    name = prov.findtext("displayName")
    if name:
        out.append("display-name = " + name.strip())
    for tag in ("incomingServer", "outgoingServer"):
        for s in prov.findall(tag):
            words = [s.get("type", ""), (s.findtext("hostname") or "").strip(),
                     (s.findtext("port") or "").strip(),
                     (s.findtext("socketType") or "").strip()]
            auths = [a.text.strip() for a in s.findall("authentication")
                     if a.text]
            if auths:
                words.append("auth=" + ",".join(auths))
            user = s.findtext("username")
            if user:
                words.append("username=" + user.strip())
            out.append("server = " + " ".join(w for w in words if w))
    return ("\n".join(out) + "\n").encode()


ispdb = os.path.join(testdata, "ispdb")
for fn in sorted(os.listdir(ispdb)):
    if not fn.endswith(".xml"):
        continue
    with open(os.path.join(ispdb, fn), "rb") as f:
        ini = ispdb_ini(f.read())
    if ini is not None:
        put("fuzz_cfg", "ispdb_" + fn[:-4] + ".ini", ini)


# ---- the signer's PEM inputs: key 0xff certificate [0xff chain] ----
# From the signed golden cases' fixtures (P-256, valid until 2120; the
# expired, Ed25519, mismatched and junk ones), and an RSA CA with an RSA
# and a P-256 leaf made here by the openssl command (valid 100 years).
def pem_files(*names):
    d = os.path.join(golden, "load_sign_errors")
    out = []
    for n in names:
        with open(os.path.join(d, n), "rb") as f:
            out.append(f.read())
    return out


def sign_seed(key, cert, chain=None):
    return key + b"\xff" + cert + (b"" if chain is None else b"\xff" + chain)


good_key, good_pem, expired, other, ed, junk = pem_files(
    "good.key", "good.pem", "expired.pem", "other.key", "ed.key", "junk.key")
put("fuzz_sign", "p256", sign_seed(good_key, good_pem))
put("fuzz_sign", "p256_chain", sign_seed(good_key, good_pem, good_pem))
put("fuzz_sign", "expired", sign_seed(good_key, expired))
put("fuzz_sign", "mismatch", sign_seed(other, good_pem))
put("fuzz_sign", "ed25519", sign_seed(ed, good_pem))
put("fuzz_sign", "junk", sign_seed(junk, good_pem, junk))


def openssl_chain():
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        def run(*args):
            subprocess.run(["openssl"] + list(args), cwd=t, check=True,
                           capture_output=True)

        def read(n):
            with open(os.path.join(t, n), "rb") as f:
                return f.read()
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
            "ca.key", "-out", "ca.pem", "-days", "36500", "-subj",
            "/CN=fuzz CA")
        for leaf, alg in (("rsa", "rsa:2048"), ("ec", "ec")):
            extra = ["-pkeyopt", "ec_paramgen_curve:P-256"] if alg == "ec" \
                else []
            run("req", "-newkey", alg, *extra, "-nodes", "-keyout",
                leaf + ".key", "-out", leaf + ".csr", "-subj",
                "/CN=fuzz " + leaf)
            run("x509", "-req", "-in", leaf + ".csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "36500",
                "-out", leaf + ".pem")
        return {n: read(n) for n in ("ca.pem", "rsa.key", "rsa.pem",
                                     "ec.key", "ec.pem")}


c = openssl_chain()
put("fuzz_sign", "rsa_chain", sign_seed(c["rsa.key"], c["rsa.pem"],
                                        c["ca.pem"]))
put("fuzz_sign", "ec_rsa_chain", sign_seed(c["ec.key"], c["ec.pem"],
                                           c["ca.pem"] + good_pem))
put("fuzz_sign", "rsa_no_chain", sign_seed(c["rsa.key"], c["rsa.pem"]))
