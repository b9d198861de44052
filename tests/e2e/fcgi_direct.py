#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) the mailautoconf developers
"""FastCGI spoken directly to the responder: what nginx hides.

Usage:
    fcgi_direct.py scenarios ADDRESS POXFILE
        the scenarios below over connections with FCGI_KEEP_CONN, the way
        nginx does with fastcgi_keep_conn on; one "ok NAME" or
        "FAIL NAME: why" line each.
    fcgi_direct.py one ADDRESS
        one autoconfig GET, for a responder that bound its own socket
        with -s: "ok ..." or "FAIL ...".
    fcgi_direct.py badversion ADDRESS
        one record of FastCGI version 2, then wait until it is closed.
    fcgi_direct.py inflight SOCKET PID
        half a request, SIGTERM to PID once the responder has accepted
        the connection, the other half once it has stopped listening; the
        answer must be 200.  Exit status 1 with the reason otherwise.

ADDRESS is a unix socket path or "tcp:HOST:PORT".  Used by the files in
tests/e2e/; FastCGI itself is tests/fcgi_client.py.
"""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import fcgi_client as fcgi  # noqa: E402  (tests/fcgi_client.py)
from fcgi_client import status  # noqa: E402

TIMEOUT = 10  # seconds, on every socket
AC = ("/mail/config-v1.1.xml", "emailaddress=alice%40example.com")


def connect(address):
    return fcgi.connect(address, TIMEOUT)


def ask(conn, method, uri, query="", body=b"", length=True):
    """One request on conn; its FCGI_STDOUT bytes."""
    msg = fcgi.request([
        ("REQUEST_METHOD", method), ("DOCUMENT_URI", uri),
        ("QUERY_STRING", query), ("HTTP_HOST", "autodiscover.example.com"),
        ("CONTENT_TYPE", "text/xml"),
        ("CONTENT_LENGTH", str(len(body)) if length else ""),
    ], body, flags=fcgi.KEEP_CONN)
    # The responder may answer (and close) before it has read a large
    # body, as it should.
    sender = fcgi.send_bg(conn, msg)
    try:
        return fcgi.Reader(conn).response()
    finally:
        sender.join()


results = []


def scenario(name, fn):
    try:
        why = fn()
    except Exception as e:
        why = "%s: %s" % (type(e).__name__, e)
    results.append("ok " + name if not why else "FAIL %s: %s" % (name, why))


def scenarios(address, pox):
    def head_only():
        r = ask(connect(address), "HEAD", *AC)
        head, sep, rest = r.partition(b"\r\n\r\n")
        if status(r) != "Status: 200 OK" or not sep or rest:
            return "got %r" % r[:300]

    def header_block():
        r = ask(connect(address), "GET", *AC)
        head, _, body = r.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        want = [b"Status: 200 OK", b"Content-Type: text/xml; charset=utf-8",
                b"Content-Length: %d" % len(body),
                b"X-Content-Type-Options: nosniff",
                b"Cache-Control: no-cache"]
        if lines != want:
            return "header block %r" % lines

    def keep_after_big():
        c = connect(address)
        big = b"x" * (20 * 1024)
        pox_uri = "/autodiscover/autodiscover.xml"
        got = [status(ask(c, "POST", pox_uri, body=big)),
               status(ask(c, "GET", *AC)),
               status(ask(c, "POST", pox_uri, body=big, length=False)),
               status(ask(c, "POST", pox_uri, body=pox))]
        if got != ["Status: 413 Content Too Large", "Status: 200 OK"] * 2:
            return "statuses %r" % got

    def close_after_huge():
        c = connect(address)
        got = status(ask(c, "POST", "/autodiscover/autodiscover.xml",
                         body=b"x" * (1024 * 1024)))
        if got != "Status: 413 Content Too Large":
            return "status %r" % got
        c.settimeout(5)
        try:
            rest = c.recv(1)
        except ConnectionResetError:
            rest = b""
        if rest:
            return "connection not closed"
        if status(ask(connect(address), "GET", *AC)) != "Status: 200 OK":
            return "next connection failed"

    scenario("direct FastCGI HEAD -> header block only, no body bytes",
             head_only)
    scenario("direct FastCGI GET -> exact header block, Content-Length = "
             "body length", header_block)
    scenario("direct FastCGI 20 KiB bodies (with and without CONTENT_LENGTH)"
             " -> 413, same connection then serves 200", keep_after_big)
    scenario("direct FastCGI 1 MiB body -> 413 without reading it, then the"
             " responder closes that connection", close_after_huge)


def one(address):
    def get():
        if status(ask(connect(address), "GET", *AC)) != "Status: 200 OK":
            return "not 200"
    scenario("GET " + AC[0], get)


def badversion(address):
    # Closed as a protocol violation (the responder logs a warning).
    c = connect(address)
    c.settimeout(5)
    c.sendall(fcgi.record(fcgi.BEGIN, bytes(8), version=2))
    c.recv(1)


def wait_until(what, cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            sys.exit("timed out waiting until " + what)
        time.sleep(0.01)


def accept_queue(path):
    """Connections waiting in the accept queue of the socket at path, as
    ss(8) shows them (Recv-Q of a listening socket); None if not found."""
    out = subprocess.run(["ss", "-lxH"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and f[4] == path:
            return int(f[2])
    return None


def refused(path):
    """True once the socket at path takes no new connection."""
    try:
        connect(path).close()
    except OSError:
        return True
    return False


def inflight(path, pid):
    c = connect(path)
    c.sendall(fcgi.begin() + fcgi.record(fcgi.PARAMS, fcgi.pairs([
        ("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", "/mail/config-v1.1.xml"),
        ("QUERY_STRING", "emailaddress=alice%40example.com"),
        ("CONTENT_LENGTH", "4")])) + fcgi.record(fcgi.PARAMS)
        + fcgi.record(fcgi.STDIN, b"ab"))
    # In flight: the responder has taken the connection off its queue.
    wait_until("the responder accepts the connection",
               lambda: accept_queue(path) == 0)
    os.kill(pid, signal.SIGTERM)
    # It has seen SIGTERM once it takes no new connection; it must stay
    # until the request in flight is answered.
    wait_until("the responder stops listening", lambda: refused(path))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the responder exited with a request in flight")
    c.sendall(fcgi.record(fcgi.STDIN, b"cd") + fcgi.record(fcgi.STDIN))
    answer = b""
    while True:
        got = c.recv(65536)
        if not got:
            break
        answer += got
    if b"Status: 200 OK" not in answer:
        sys.exit("answer: %r" % answer[:200])


def main(argv):
    if len(argv) == 4 and argv[1] == "scenarios":
        with open(argv[3], "rb") as f:
            scenarios(argv[2], f.read())
    elif len(argv) == 3 and argv[1] == "one":
        one(argv[2])
    elif len(argv) == 3 and argv[1] == "badversion":
        badversion(argv[2])
        return 0
    elif len(argv) == 4 and argv[1] == "inflight":
        inflight(argv[2], int(argv[3]))
        return 0
    else:
        sys.exit(__doc__)
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
