#!/usr/bin/env python3
"""Round trip of Thunderbird clientConfig files through mailautoconf import.

For each FILE.xml: `mailautoconf import -o F.ini FILE.xml`, then
`mailautoconf-fcgi -t -c F.ini`, then the autoconfig answer for
user@<first imported domain> (mac_render, as the front end answers), and
Python's XML parser reads the incoming and outgoing servers (order, type,
host, port, socket type, authentication methods, username) from the
original and from the answer.  The answer must equal the original minus
the losses the import reported on stderr and that the README documents:
  plain      servers without TLS (imported, never sent to autoconfig)
  placeholder host names with placeholders other than %EMAILDOMAIN% (not
             imported; a provider left without servers is written
             commented out).  %EMAILDOMAIN% itself is imported and the
             answer fills it in: the original's is filled with the
             address's domain before comparing, as Thunderbird does
  username   a username template the INI refuses (served as the
             provider's username)
Anything else that differs is a failure.  The same holds for the texts,
element by element: every documentation link (and the older
<instruction url> form) with its descr texts and their languages (no
lang: "en"), the <enable visiturl> instruction with its texts and
languages, and webMail's <loginPageInfo> (url, username, the id and name
of usernameField, passwordField and loginButton); a difference must be
one the import reported (category "texts-loss").  "texts: ..." last but
one gives how many of each came back equal.  With RT_PAIRS=DIR, each served
file's original, answer, address and losses are also written to DIR for
Thunderbird's own parser (tests/clients/thunderbird/run.sh --import).  Prints "ok FILE CATEGORY..." or
"FAIL FILE: detail" per file and "counts: ..." last.

usage: import_roundtrip.py MAILAUTOCONF MAC_RENDER MAILAUTOCONF_FCGI TMPDIR FILE.xml...
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET


def servers(root):
    """[(dir, type, host, port, socket, auths, username)] of the first
    emailProvider, in document order."""
    prov = root.find("emailProvider")
    out = []
    if prov is None:
        return out
    for el in prov:
        if el.tag not in ("incomingServer", "outgoingServer"):
            continue

        def t(name):
            e = el.find(name)
            return (e.text or "").strip() if e is not None else ""

        out.append({
            "dir": "in" if el.tag == "incomingServer" else "out",
            "type": el.get("type", ""),
            "host": t("hostname").lower(),
            "port": t("port"),
            "socket": t("socketType"),
            "auth": [(a.text or "").strip() for a in el.findall("authentication")],
            "user": t("username"),
        })
    return out


def squeeze(t):
    return " ".join((t or "").split())


def norm_url(u):
    """The loader writes the scheme and host in lower case (A-labels)."""
    import urllib.parse
    try:
        p = urllib.parse.urlsplit(u.strip())
        host = (p.hostname or "").encode("idna").decode().lower()
        net = host + (f":{p.port}" if p.port else "")
        return urllib.parse.urlunsplit((p.scheme.lower(), net, p.path, p.query, p.fragment))
    except (ValueError, UnicodeError):
        return u


def langs(el, child):
    """[(lang, text)] of el's child elements, "en" without lang, empty
    texts left out (they say nothing)."""
    return [((c.get("lang") or "en"), squeeze(c.text)) for c in el.findall(child)
            if squeeze(c.text)]


def texts(root, dom):
    """The documentation links, the enable instruction and the login form,
    as comparable values; %EMAILDOMAIN% in their URLs filled with dom, as
    Thunderbird does (ours come filled in already)."""
    import re

    def url(u):
        return norm_url(re.sub("%EMAILDOMAIN%", dom, u or "", flags=re.I))
    prov = root.find("emailProvider")
    docs = []
    if prov is not None:
        for el in prov:
            if el.tag == "documentation" or (el.tag == "instruction" and el.get("url")):
                docs.append((url(el.get("url")), langs(el, "descr")))
    en = next(root.iter("enable"), None)
    enable = None if en is None else (url(en.get("visiturl")), langs(en, "instruction"))
    li = next(root.iter("loginPageInfo"), None)
    login = None
    if li is not None:
        u = li.find("username")
        login = {"url": url(li.get("url")),
                 "username": squeeze(u.text) if u is not None else ""}
        for f in ("usernameField", "passwordField", "loginButton"):
            e = li.find(f)
            login[f] = (e.get("id"), e.get("name")) if e is not None else (None, None)
    return {"docs": docs, "enable": enable, "login": login}


TEXT_NOTES = ("documentation", "enable", "instruction", "loginPageInfo", "login form")


def domains(root):
    prov = root.find("emailProvider")
    return [(d.text or "").strip().lower() for d in prov.findall("domain")] if prov is not None else []


def main():
    tool, render, fcgi, tmp = sys.argv[1:5]
    files = sys.argv[5:]
    counts = {}
    tcount = {"docs": 0, "descr": 0, "enable": 0, "instruction": 0, "login": 0,
              "files": 0}
    failed = 0
    for path in files:
        name = os.path.basename(path)
        ini = os.path.join(tmp, name + ".ini")
        r = subprocess.run([tool, "import", "-o", ini, path], capture_output=True, text=True)
        notes = r.stderr
        if r.returncode != 0:
            print(f"FAIL {name}: import exit {r.returncode}: {notes.strip()[:300]}")
            failed += 1
            continue
        orig_root = ET.parse(path).getroot()
        orig = servers(orig_root)
        cats = set()
        # What the import reported, per category.
        plain = [s for s in orig if s["socket"].lower() == "plain"]
        ph = [s for s in orig if "%" in s["host"].replace("%emaildomain%", "")]
        if plain:
            cats.add("plain")
        if ph:
            cats.add("placeholder")
            if "the INI has no placeholders in host names" not in notes:
                print(f"FAIL {name}: placeholder host not reported")
                failed += 1
                continue
        other = [s for s in orig if s["type"] not in ("imap", "pop3", "smtp")]
        if other:
            cats.add("other-type")
        expect = [s for s in orig if s not in plain and s not in ph and s not in other]
        text = open(ini, encoding="utf-8").read()
        commented = "\n# [provider " in text
        if commented:
            cats.add("commented-out")
            if "written commented out" not in notes:
                print(f"FAIL {name}: provider commented out without a note")
                failed += 1
                continue
            # Nothing served: every server must be an explained loss.
            ins = [s for s in expect if s["dir"] == "in"]
            outs = [s for s in expect if s["dir"] == "out"]
            if ins and outs:
                print(f"FAIL {name}: provider commented out although servers remain")
                failed += 1
                continue
            key = "+".join(sorted(cats))
            counts[key] = counts.get(key, 0) + 1
            print(f"ok {name} {key}")
            continue
        t = subprocess.run([fcgi, "-t", "-c", ini], capture_output=True, text=True)
        if t.returncode != 0:
            print(f"FAIL {name}: -t: {t.stderr.strip()[:300]}")
            failed += 1
            continue
        doms = [d for d in domains(orig_root) if "%" not in d]
        req = os.path.join(tmp, name + ".req")
        with open(req, "w") as f:
            f.write(f"GET /mail/config-v1.1.xml?emailaddress=user%40{doms[0]}\n"
                    f"Host: autoconfig.{doms[0]}\n\n")
        a = subprocess.run([render, ini, req], capture_output=True)
        head, _, body = a.stdout.partition(b"\r\n\r\n")
        if not body:
            head, _, body = a.stdout.partition(b"\n\n")
        if a.returncode != 0 or b"200" not in head.split(b"\n")[0]:
            print(f"FAIL {name}: render: {a.stdout[:200]!r} {a.stderr[:200]!r}")
            failed += 1
            continue
        got = servers(ET.fromstring(body))
        pairs = os.environ.get("RT_PAIRS")
        if pairs:
            # For Thunderbird's own parser (tests/clients/thunderbird/run.sh
            # --import): the original, our answer, the address, the losses.
            base = os.path.join(pairs, name)
            with open(path, "rb") as f, open(base + ".orig", "wb") as w:
                w.write(f.read())
            with open(base + ".answer", "wb") as w:
                w.write(body)
            with open(base + ".email", "w") as w:
                w.write(f"user@{doms[0]}\n")
            with open(base + ".loss", "w") as w:
                w.write(" ".join(sorted(cats | ({"username"} if "username '" in notes or "without a username" in notes else set()))) + "\n")
        # Thunderbird fills in the placeholders for the address, in the
        # host names too (ours come filled in already).
        for s in expect + got:
            s["host"] = s["host"].replace("%emaildomain%", doms[0])
            s["user"] = s["user"].replace("%EMAILADDRESS%", "user@" + doms[0]).replace(
                "%EMAILLOCALPART%", "user").replace("%EMAILDOMAIN%", doms[0])
        # Usernames the INI refuses or that are missing are served as the
        # provider's.
        if "username '" in notes or "without a username" in notes:
            cats.add("username")
            for s in expect:
                s["user"] = None
            for s in got:
                s["user"] = None
        # The vocabulary's deprecated names come back as the current ones.
        for s in expect:
            s["auth"] = [{"plain": "password-cleartext", "secure": "password-encrypted"}.get(x.lower(), x) for x in s["auth"]]
            if not s["auth"]:
                s["auth"] = ["password-cleartext"]
        if got != expect:
            print(f"FAIL {name}: servers differ\n  original: {expect}\n  answer:   {got}")
            failed += 1
            continue
        want_t, got_t = texts(orig_root, doms[0]), texts(ET.fromstring(body), doms[0])
        if want_t["login"] is not None and got_t["login"] is not None and \
                want_t["login"]["username"] == "":
            got_t["login"]["username"] = ""
        if want_t != got_t:
            lost = [ln for ln in notes.splitlines() if any(w in ln for w in TEXT_NOTES)]
            if not lost:
                print(f"FAIL {name}: texts differ\n  original: {want_t}\n  answer:   {got_t}")
                failed += 1
                continue
            cats.add("texts-loss")
        else:
            if want_t["docs"] or want_t["enable"] or want_t["login"]:
                tcount["files"] += 1
            tcount["docs"] += len(got_t["docs"])
            tcount["descr"] += sum(len(d[1]) for d in got_t["docs"])
            if got_t["enable"]:
                tcount["enable"] += 1
                tcount["instruction"] += len(got_t["enable"][1])
            if got_t["login"]:
                tcount["login"] += 1
        if not cats:
            cats.add("exact")
        key = "+".join(sorted(cats))
        counts[key] = counts.get(key, 0) + 1
        print(f"ok {name} {key}")
    print("texts: equal in %(files)d files: %(docs)d documentation links with "
          "%(descr)d texts, %(enable)d enable with %(instruction)d instructions, "
          "%(login)d loginPageInfo" % tcount)
    print("counts: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) + f", failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
