# SPDX-License-Identifier: ISC
# Copyright (c) the mailautoconf developers
"""The FastCGI client every Python test harness shares (FastCGI 1.0).

Builds records byte for byte, so a harness can send what nginx sends as
well as what it never would (bad versions, padding, lengths), and reads
records back with deadlines.  The specification's section numbers are
given below.  Used by tests/faults/fcgi_faults.py, tests/bench/fcgi.py
and tests/e2e/fcgi_direct.py; a harness in another folder imports it
after putting this folder on sys.path:

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import fcgi_client as fcgi

Standard library only.
"""
import socket
import struct
import threading
import time

# Record types (spec §8).
BEGIN, ABORT, END, PARAMS, STDIN, STDOUT, STDERR = 1, 2, 3, 4, 5, 6, 7
GET_VALUES, GET_VALUES_RESULT, UNKNOWN_TYPE = 9, 10, 11
# Roles and protocol status (spec §5.1, §5.5).
RESPONDER, AUTHORIZER, FILTER = 1, 2, 3
REQUEST_COMPLETE, CANT_MPX_CONN, OVERLOADED, UNKNOWN_ROLE = 0, 1, 2, 3
# FCGI_BEGIN_REQUEST flags (spec §5.1): nginx's fastcgi_keep_conn on.
KEEP_CONN = 1
# A record's content is at most this long (spec §3.3).
CONTENT_MAX = 65535


def record(kind, data=b"", rid=1, version=1, pad=None):
    """One record (spec §3.3); pad defaults to the next multiple of 8."""
    if pad is None:
        pad = (-len(data)) % 8
    return (struct.pack(">BBHHBB", version, kind, rid, len(data), pad, 0)
            + data + bytes(pad))


def stream(kind, data, rid=1):
    """A whole stream: records of up to 65535 bytes, then the empty one."""
    out = b"".join(record(kind, data[i:i + CONTENT_MAX], rid)
                   for i in range(0, len(data), CONTENT_MAX))
    return out + record(kind, b"", rid)


def length(n):
    """Name-value pair length: one byte below 128, else four (spec §3.4)."""
    return bytes([n]) if n < 128 else struct.pack(">I", n | 1 << 31)


def pair(k, v):
    """One name-value pair; str is encoded as UTF-8."""
    if isinstance(k, str):
        k = k.encode()
    if isinstance(v, str):
        v = v.encode()
    return length(len(k)) + length(len(v)) + k + v


def pairs(items):
    """Name-value pairs from (name, value) tuples, in their order."""
    return b"".join(pair(k, v) for k, v in items)


def begin(rid=1, role=RESPONDER, flags=0):
    """FCGI_BEGIN_REQUEST (spec §5.1)."""
    return record(BEGIN, struct.pack(">HB5x", role, flags), rid)


def request(params, body=b"", rid=1, flags=0):
    """A whole request: BEGIN_REQUEST, the PARAMS stream from (name, value)
    tuples and the STDIN stream with body."""
    return (begin(rid, flags=flags) + stream(PARAMS, pairs(params), rid)
            + stream(STDIN, body, rid))


def connect(address, timeout=None):
    """A connected socket: "tcp:HOST:PORT", or else a unix socket path."""
    if address.startswith("tcp:"):
        host, port = address[4:].rsplit(":", 1)
        return socket.create_connection((host, int(port)), timeout=timeout)
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(timeout)
    c.connect(address)
    return c


def send_bg(c, data):
    """Send from a thread: the responder may answer (and close) before it
    has read everything, as it should.  Returns the thread."""
    def run():
        try:
            c.sendall(data)
        except OSError:
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def status(out):
    """The first line of an answer: "Status: 200 OK"."""
    return out.split(b"\r\n", 1)[0].decode("latin-1")


class Reader:
    """Reads records from a connection until END_REQUEST, EOF or timeout.

    A timeout of None waits as long as the socket's own timeout allows.
    """

    def __init__(self, c):
        self.c, self.buf, self.eof = c, b"", False

    def fill(self, deadline):
        """Read once more; False on EOF or when the deadline has passed."""
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.c.settimeout(left)
            try:
                got = self.c.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                got = b""
            if not got:
                self.eof = True
                return False
            self.buf += got
            return True

    def record(self, timeout=None):
        """Next record as (type, id, content), or None on EOF/timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if len(self.buf) >= 8:
                _, kind, rid, clen, plen, _ = struct.unpack(">BBHHBB",
                                                            self.buf[:8])
                if len(self.buf) >= 8 + clen + plen:
                    content = self.buf[8:8 + clen]
                    self.buf = self.buf[8 + clen + plen:]
                    return kind, rid, content
            if not self.fill(deadline):
                return None

    def answer(self, timeout=None, rid=1):
        """(stdout bytes, END_REQUEST body or None, other records)."""
        out, other = b"", []
        while True:
            r = self.record(timeout)
            if r is None:
                return out, None, other
            kind, got_id, content = r
            if kind == STDOUT and got_id == rid:
                out += content
            elif kind == END and got_id == rid:
                return out, content, other
            else:
                other.append(r)

    def response(self, timeout=None, rid=1):
        """The FCGI_STDOUT bytes of one complete answer.  Raises EOFError
        or TimeoutError if END_REQUEST does not come, ValueError on a
        record other than FCGI_STDOUT, FCGI_STDERR or END_REQUEST."""
        out, end, other = self.answer(timeout, rid)
        if end is None:
            if self.eof:
                raise EOFError("connection closed before FCGI_END_REQUEST")
            raise TimeoutError("no FCGI_END_REQUEST in time")
        for kind, _, _ in other:
            if kind != STDERR:
                raise ValueError("unexpected record type %d" % kind)
        return out

    def closed(self, timeout):
        """True if the peer closes within timeout without sending more."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not self.fill(deadline):
                break
        return self.eof
