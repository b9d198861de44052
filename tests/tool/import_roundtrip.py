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
Anything else that differs is a failure.  With RT_PAIRS=DIR, each served
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


def domains(root):
    prov = root.find("emailProvider")
    return [(d.text or "").strip().lower() for d in prov.findall("domain")] if prov is not None else []


def main():
    tool, render, fcgi, tmp = sys.argv[1:5]
    files = sys.argv[5:]
    counts = {}
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
        if not cats:
            cats.add("exact")
        key = "+".join(sorted(cats))
        counts[key] = counts.get(key, 0) + 1
        print(f"ok {name} {key}")
    print("counts: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) + f", failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
