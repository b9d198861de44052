#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) the mailautoconf developers
"""Raw FastCGI fault cases against a running mailautoconf-fcgi.

Usage: fcgi_faults.py SOCKET PID LOGFILE [hold]

Speaks FastCGI 1.0 through tests/fcgi_client.py straight to the
responder's unix socket, without nginx, and sends what nginx never
would: truncated and bogus records, other roles, management
records, oversized parameters, bodies that disagree with CONTENT_LENGTH,
aborts, disconnects, multiplexing, and more idle or stalled connections
than the responder has threads.  After every case a well-formed request
on a new connection must still be answered 200 within FRESH_DEADLINE
seconds and the process must be alive.  Prints "ok NAME" or
"FAIL NAME: why" per case; tests/faults/run.sh counts them.  Standard
library and tests/fcgi_client.py only.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from fcgi_client import (  # noqa: E402  (tests/fcgi_client.py)
    ABORT, AUTHORIZER, BEGIN, CANT_MPX_CONN, END, FILTER, GET_VALUES,
    GET_VALUES_RESULT, KEEP_CONN, PARAMS, REQUEST_COMPLETE, RESPONDER, STDIN,
    UNKNOWN_ROLE, UNKNOWN_TYPE, Reader, begin, pair, record, send_bg, status,
    stream)
import fcgi_client  # noqa: E402

FRESH_DEADLINE = 2.0   # a new connection must be answered this fast
STALL_MS = 5000        # CONN_STALL_MS in fcgi/transport.c
PEEK_MAX = 48 * 1024   # CONN_PEEK_MAX in fcgi/responder.h
MARKER = "XSECRETMARKERX"  # request content that must never be logged

SOCK, PID, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def params_for(method="GET", uri="/mail/config-v1.1.xml",
               query="emailaddress=alice%40example.com",
               host="autoconfig.example.com", clen=None, extra=()):
    p = [("REQUEST_METHOD", method), ("DOCUMENT_URI", uri),
         ("QUERY_STRING", query), ("HTTP_HOST", host),
         ("HTTP_X_PROBE", MARKER)]
    if clen is not None:
        p += [("CONTENT_TYPE", "text/xml"), ("CONTENT_LENGTH", str(clen))]
    return b"".join(pair(k, v) for k, v in p) + b"".join(extra)


def good_request(rid=1, flags=0):
    return (begin(rid, flags=flags) + stream(PARAMS, params_for(), rid)
            + stream(STDIN, b"", rid))


def connect(timeout=5.0):
    return fcgi_client.connect(SOCK, timeout)


def is_autoconfig(out):
    return (status(out) == "Status: 200 OK"
            and b'<emailProvider id="example.com">' in out)


def ask(c, data, timeout=FRESH_DEADLINE, rid=1):
    c.sendall(data)
    return Reader(c).answer(timeout, rid)


def alive():
    try:
        os.kill(PID, 0)
        return True
    except ProcessLookupError:
        return False


def fresh():
    """None if a new connection gets the autoconfig answer in time."""
    t0 = time.monotonic()
    try:
        c = connect()
        out, end, _ = ask(c, good_request())
        c.close()
    except OSError as e:
        return "fresh connection: %s" % e
    took = time.monotonic() - t0
    if end is None or not is_autoconfig(out):
        return "fresh connection not answered in %.1f s (got %r)" % (
            took, out[:60])
    return None


results = []

if len(sys.argv) > 4 and sys.argv[4] == "hold":
    # For SIGTERM: hold 10 idle connections and one kept-alive connection
    # that has been answered once; print "ready", then report whether the
    # responder closed them all when it exited.
    held = [connect() for _ in range(10)]
    kept = connect()
    out, end, _ = ask(kept, good_request(flags=KEEP_CONN))
    print("ready" if is_autoconfig(out) else "kept-alive request failed",
          flush=True)
    sys.stdin.read()
    print("closed" if all(Reader(c).closed(5) for c in held + [kept])
          else "still open", flush=True)
    sys.exit(0)


def case(name):
    def wrap(fn):
        try:
            why = fn()
        except Exception as e:  # a case must never stop the run
            why = "%s: %s" % (type(e).__name__, e)
        if not why and not alive():
            why = "the responder died"
        if not why:
            why = fresh()
        if not why and not alive():
            why = "the responder died"
        line = "ok " + name if not why else "FAIL %s: %s" % (name, why)
        print(line, flush=True)
        results.append(line)
        return fn
    return wrap


def expect_closed_unanswered(c, timeout=FRESH_DEADLINE):
    r = Reader(c)
    out, end, other = r.answer(timeout)
    if end is not None or out:
        return "answered: %r" % out[:80]
    if other:
        return "unexpected records %r" % other[:3]
    if not r.eof:
        return "connection neither answered nor closed in %.1f s" % timeout
    return None


# ---- the cases ---------------------------------------------------------------

@case("baseline: well-formed GET -> 200 autoconfig")
def _():
    c = connect()
    out, end, _ = ask(c, good_request())
    if not is_autoconfig(out) or end is None or end[4] != REQUEST_COMPLETE:
        return "got %r end %r" % (out[:80], end)


@case("keep-alive: two requests back to back with FCGI_KEEP_CONN -> 200, 200, connection kept")
def _():
    c = connect()
    r = Reader(c)
    got = []
    for _ in range(2):
        c.sendall(good_request(flags=KEEP_CONN))
        out, end, _ = r.answer()
        got.append(is_autoconfig(out) and end is not None)
    if got != [True, True]:
        return "answers %r" % got
    if r.closed(0.3):
        return "connection closed despite FCGI_KEEP_CONN"


@case("truncated record header (5 of 8 bytes), then close")
def _():
    c = connect()
    c.sendall(begin()[:5])
    c.close()


@case("truncated record body (PARAMS says 100 bytes, 10 sent), then close")
def _():
    c = connect()
    c.sendall(begin() + record(PARAMS, b"x" * 100)[:18])
    c.close()


@case("truncated request, then the rest 0.5 s later -> answered 200")
def _():
    c = connect()
    data = good_request()
    c.sendall(data[:13])
    time.sleep(0.5)
    out, end, _ = ask(c, data[13:])
    if not is_autoconfig(out):
        return "got %r" % out[:80]


@case("bogus type 99 as a management record (id 0), empty -> FCGI_UNKNOWN_TYPE, then the request on the connection -> 200")
def _():
    c = connect()
    c.sendall(record(99, b"", rid=0) + good_request())
    r = Reader(c)
    got = r.record(FRESH_DEADLINE)
    if got is None or got[0] != UNKNOWN_TYPE or got[1] != 0 or got[2][0] != 99:
        return "got %r, want FCGI_UNKNOWN_TYPE for type 99" % (got,)
    out, end, _ = r.answer()
    if not is_autoconfig(out):
        return "no 200 after FCGI_UNKNOWN_TYPE: %r" % out[:80]


@case("100 management records of type 99 with a body, then a request -> 100 FCGI_UNKNOWN_TYPE, then 200")
def _():
    c = connect()
    c.sendall(record(99, b"abcdefgh", rid=0) * 100 + good_request())
    r = Reader(c)
    for i in range(100):
        got = r.record(FRESH_DEADLINE)
        if got is None or got[0] != UNKNOWN_TYPE or got[2][0] != 99:
            return "record %d: got %r, want FCGI_UNKNOWN_TYPE" % (i, got)
    out, end, _ = r.answer()
    if not is_autoconfig(out):
        return "after them: %r" % out[:80]


@case("bogus type 99 inside a request (id 1) -> closed without an answer")
def _():
    c = connect()
    c.sendall(begin() + record(99, b"abc") + stream(PARAMS, params_for())
              + stream(STDIN, b""))
    return expect_closed_unanswered(c)


@case("bogus version byte 2 on BEGIN_REQUEST -> closed without an answer")
def _():
    c = connect()
    c.sendall(record(BEGIN, struct.pack(">HB5x", RESPONDER, 0), version=2)
              + stream(PARAMS, params_for()) + stream(STDIN, b""))
    return expect_closed_unanswered(c)


for role, rname in ((AUTHORIZER, "AUTHORIZER"), (FILTER, "FILTER"),
                    (99, "99")):
    @case("BEGIN_REQUEST role %s -> END_REQUEST FCGI_UNKNOWN_ROLE, no output" % rname)
    def _(role=role):
        c = connect()
        out, end, other = ask(c, begin(role=role) + stream(PARAMS, params_for())
                              + stream(STDIN, b""))
        if end is None or end[4] != UNKNOWN_ROLE or out:
            return "stdout %r end %r other %r" % (out[:60], end, other[:2])


@case("FCGI_GET_VALUES (id 0) then a request -> FCGI_GET_VALUES_RESULT with libfcgi's fixed values, then 200")
def _():
    c = connect()
    names = ["FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"]
    # libfcgi answers a management record only once more bytes follow it
    # (it reads on at the record's end), so the request comes with it.
    c.sendall(record(GET_VALUES, b"".join(pair(n, "") for n in names), rid=0)
              + good_request())
    r = Reader(c)
    got = r.record(FRESH_DEADLINE)
    if got is None or got[0] != GET_VALUES_RESULT or got[1] != 0:
        return "got %r" % (got,)
    body, vals = got[2], {}
    while body:
        nl, vl = body[0], body[1]
        vals[body[2:2 + nl].decode()] = body[2 + nl:2 + nl + vl].decode()
        body = body[2 + nl + vl:]
    # libfcgi's fixed answer, not ours (we take many connections); nginx
    # never asks.
    if vals != {"FCGI_MAX_CONNS": "1", "FCGI_MAX_REQS": "1",
                "FCGI_MPXS_CONNS": "0"}:
        return "values %r" % vals
    out, end, _ = r.answer()
    if not is_autoconfig(out):
        return "request after it: %r" % out[:80]


@case("FCGI_GET_VALUES naming FCGI_MPXS_CONNS 5 and 40 times, then a request (smashes libfcgi's 64-byte buffer) -> refused, process alive")
def _():
    for times in (5, 40):
        c = connect()
        c.sendall(record(GET_VALUES, pair("FCGI_MPXS_CONNS", "") * times,
                         rid=0) + good_request())
        r = Reader(c)
        got = r.record(FRESH_DEADLINE)
        if got is not None:
            return "%d names: answered %r" % (times, got[:2])
        if not r.eof:
            return "%d names: connection neither answered nor closed" % times
        time.sleep(0.1)
        if not alive():
            return "%d names: the responder died" % times


@case("PARAMS with one 1 MiB value -> answered (200) or closed, never stuck")
def _():
    c = connect()
    data = (begin() + stream(PARAMS, params_for(
        extra=[pair("HTTP_X_BIG", MARKER * (1024 * 1024 // len(MARKER)))]))
        + stream(STDIN, b""))
    send_bg(c, data)
    r = Reader(c)
    out, end, _ = r.answer(timeout=10)
    if end is None and not r.eof:
        return "neither answered nor closed in 10 s"
    if end is not None and not is_autoconfig(out):
        return "answer %r" % out[:80]


@case("PARAMS with 100,000 small pairs -> answered (200) or closed, never stuck")
def _():
    c = connect()
    many = [pair("HTTP_X_%d" % i, "v") for i in range(100000)]
    send_bg(c, begin() + stream(PARAMS, params_for(extra=many))
            + stream(STDIN, b""))
    r = Reader(c)
    out, end, _ = r.answer(timeout=10)
    if end is None and not r.eof:
        return "neither answered nor closed in 10 s"
    if end is not None and not is_autoconfig(out):
        return "answer %r" % out[:80]


@case("PARAMS name length 0x7fffffff with no data, stream ended -> closed without an answer")
def _():
    c = connect()
    c.sendall(begin() + record(PARAMS, struct.pack(">IB", 0xffffffff, 0))
              + record(PARAMS) + stream(STDIN, b""))
    return expect_closed_unanswered(c)


@case("PARAMS name and value lengths 0x7fffffff + 0x7fffffff (int overflow in libfcgi) -> closed")
def _():
    c = connect()
    c.sendall(begin() + record(PARAMS, struct.pack(">II", 0xffffffff,
                                                   0xffffffff) + b"A" * 64)
              + record(PARAMS) + stream(STDIN, b""))
    return expect_closed_unanswered(c)


@case("PARAMS name length 0x7fffffff with no data, then close")
def _():
    c = connect()
    c.sendall(begin() + record(PARAMS, struct.pack(">IB", 0xffffffff, 0)))
    c.close()


POX = (b'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="'
       b'http://schemas.microsoft.com/exchange/autodiscover/outlook/'
       b'requestschema/2006"><Request><EMailAddress>alice@example.com'
       b'</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft'
       b'.com/exchange/autodiscover/outlook/responseschema/2006a'
       b'</AcceptableResponseSchema></Request></Autodiscover>')


def pox_request(body, clen, flags=0):
    return (begin(flags=flags) + stream(PARAMS, params_for(
        "POST", "/autodiscover/autodiscover.xml", "",
        "autodiscover.example.com", clen)) + stream(STDIN, body))


@case("STDIN longer than CONTENT_LENGTH -> body cut at CONTENT_LENGTH: 200, connection kept")
def _():
    c = connect()
    r = Reader(c)
    c.sendall(pox_request(POX + b"<junk>" + MARKER.encode() * 300, len(POX),
                          KEEP_CONN))
    out, end, _ = r.answer()
    if status(out) != "Status: 200 OK" or b"<Protocol>" not in out:
        return "got %r" % out[:100]
    c.sendall(good_request(flags=KEEP_CONN))
    out, end, _ = r.answer()
    if not is_autoconfig(out):
        return "second request on the connection: %r" % out[:80]


@case("CONTENT_LENGTH 10^15, no body yet -> no answer, nothing held; 60 KiB of body (fills the peek window) -> 413, closed")
def _():
    c = connect()
    c.sendall(begin(flags=KEEP_CONN) + stream(PARAMS, params_for(
        "POST", "/autodiscover/autodiscover.xml", "",
        "autodiscover.example.com", 10 ** 15)))
    r = Reader(c)
    if r.record(1.0) is not None:
        return "answered before the body came"
    why = fresh()
    if why:
        return "while waiting: " + why
    send_bg(c, record(STDIN, b"y" * 60000))
    out, end, _ = r.answer()
    if status(out) != "Status: 413 Content Too Large":
        return "got %r" % out[:80]
    if not r.closed(FRESH_DEADLINE):
        return "connection kept"


@case("64 KiB body (nginx's cap), answered 413 at the peek window -> the rest of the body is still taken and the connection ends with FIN, not a reset (a reset makes nginx answer 502)")
def _():
    body = b"y" * 65536
    c = connect()
    r = Reader(c)
    c.sendall(begin(flags=KEEP_CONN) + stream(PARAMS, params_for(
        "POST", "/autodiscover/autodiscover.xml", "",
        "autodiscover.example.com", len(body))) + record(STDIN, body[:60000]))
    out, end, _ = r.answer()
    if status(out) != "Status: 413 Content Too Large":
        return "got %r" % out[:80]
    try:
        c.sendall(record(STDIN, body[60000:]) + record(STDIN, b""))
        c.settimeout(FRESH_DEADLINE)
        rest = c.recv(1)
    except OSError as e:
        return "after the answer: %s" % e
    if rest != b"":
        return "bytes after the answer: %r" % rest


@case("CONTENT_LENGTH 100 and no STDIN at all, peer waits -> no answer, nothing blocked; answered once STDIN ends")
def _():
    c = connect()
    c.sendall(begin() + stream(PARAMS, params_for(
        "POST", "/autodiscover/autodiscover.xml", "",
        "autodiscover.example.com", len(POX))))
    r = Reader(c)
    if r.record(1.0) is not None:
        return "answered before the body came"
    why = fresh()
    if why:
        return "while waiting: " + why
    c.sendall(stream(STDIN, POX))
    out, end, _ = r.answer()
    if status(out) != "Status: 200 OK":
        return "after the body: %r" % out[:80]


@case("ABORT_REQUEST after PARAMS, mid-STDIN -> closed (libfcgi has no abort), process alive")
def _():
    c = connect()
    c.sendall(begin() + stream(PARAMS, params_for(
        "POST", "/autodiscover/autodiscover.xml", "",
        "autodiscover.example.com", len(POX)))
        + record(STDIN, POX[:20]) + record(ABORT))
    r = Reader(c)
    out, end, _ = r.answer()
    if out:
        return "answered %r" % out[:80]
    if end is None and not r.eof:
        return "neither END_REQUEST nor closed"


@case("disconnect mid-PARAMS")
def _():
    c = connect()
    c.sendall(begin() + record(PARAMS, params_for()[:20]))
    c.close()


@case("disconnect mid-STDIN")
def _():
    c = connect()
    c.sendall(begin() + stream(PARAMS, params_for(
        "POST", "/autodiscover/autodiscover.xml", "",
        "autodiscover.example.com", len(POX))) + record(STDIN, POX[:30]))
    c.close()


@case("disconnect before reading the response (10 times)")
def _():
    for _ in range(10):
        c = connect()
        c.sendall(good_request())
        c.close()


@case("second BEGIN_REQUEST (id 2) while id 1 is in progress -> FCGI_CANT_MPX_CONN for 2, 200 for 1")
def _():
    c = connect()
    p = params_for()
    c.sendall(begin(1) + record(PARAMS, p[:16]) + begin(2)
              + record(PARAMS, b"zz", 2) + record(PARAMS, p[16:])
              + record(PARAMS) + stream(STDIN, b""))
    r = Reader(c)
    out, end, other = r.answer()
    mpx = [x for x in other if x[0] == END and x[1] == 2]
    if not mpx or mpx[0][2][4] != CANT_MPX_CONN:
        return "no FCGI_CANT_MPX_CONN for id 2: %r" % other[:3]
    if not is_autoconfig(out):
        return "request 1: %r" % out[:80]


@case("PARAMS longer than the peek window (200 KiB), unfinished -> closed at once without an answer")
def _():
    c = connect()
    send_bg(c, begin() + record(PARAMS, params_for())
            + b"".join(record(PARAMS, pair("HTTP_X_PAD_%d" % i, "p" * 60000))
                       for i in range(4)))
    return expect_closed_unanswered(c)


@case("body larger than the peek window, unfinished (CONTENT_LENGTH 60 KiB, 50 KiB sent) -> 413 at once, closed")
def _():
    c = connect()
    c.sendall(begin(flags=KEEP_CONN) + stream(PARAMS, params_for(
        "POST", "/autodiscover/autodiscover.xml", "",
        "autodiscover.example.com", 60 * 1024))
        + record(STDIN, b"x" * 50000))
    r = Reader(c)
    out, end, _ = r.answer()
    if status(out) != "Status: 413 Content Too Large":
        return "got %r" % out[:80]
    if not r.closed(FRESH_DEADLINE):
        return "connection kept"


@case("peer that sends requests but never reads the answers -> dropped after the stall limit, others served meanwhile")
def _():
    c = connect()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    t0 = time.monotonic()
    sent = 0
    try:
        while time.monotonic() - t0 < 20:
            c.sendall(good_request(flags=KEEP_CONN))
            sent += 1
            time.sleep(0.01)
    except OSError:
        pass  # the responder closed it: what we want
    took = time.monotonic() - t0
    if took >= 20:
        return "still open after %d requests and 20 s" % sent
    why = fresh()
    if why:
        return "after it: " + why


@case("50 idle connections + 20 stalled mid-record (more than the 4 threads) -> fresh requests still served promptly")
def _():
    idle = [connect() for _ in range(50)]
    stalled = []
    for _ in range(20):
        s = connect()
        s.sendall((begin() + record(PARAMS, params_for()))[:30])
        stalled.append(s)
    kept = connect()
    kr = Reader(kept)
    time.sleep(0.3)
    try:
        for i in range(5):
            why = fresh()
            if why:
                return "fresh %d: %s" % (i, why)
            kept.sendall(good_request(flags=KEEP_CONN))
            out, end, _ = kr.answer()
            if not is_autoconfig(out):
                return "kept-alive connection, request %d: %r" % (i, out[:60])
        # The stalled ones are finished later and still get their answer.
        stalled[0].sendall((begin() + stream(PARAMS, params_for())
                            + stream(STDIN, b""))[30:])
        out, end, _ = Reader(stalled[0]).answer()
        if not is_autoconfig(out):
            return "stalled connection completed late: %r" % out[:60]
    finally:
        for s in idle + stalled + [kept]:
            s.close()


@case("log: bad connections logged, rate-limited, without request content")
def _():
    time.sleep(1.1)  # let the once-a-second limiter pass
    c = connect()
    c.sendall(record(BEGIN, b"xx", version=7))
    Reader(c).closed(FRESH_DEADLINE)
    time.sleep(0.2)
    text = open(LOG, encoding="utf-8", errors="replace").read()
    bad = [ln for ln in text.splitlines() if "bad connection" in ln]
    if not bad:
        return "no 'bad connection' line in the log"
    if MARKER in text:
        return "request content in the log"
    per_sec = {}
    for ln in bad:
        per_sec[ln[:20]] = per_sec.get(ln[:20], 0) + 1
    if max(per_sec.values()) > 1:
        return "more than one 'bad connection' line in a second"


sys.exit(0)
