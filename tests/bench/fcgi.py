#!/usr/bin/env python3
"""A minimal FastCGI client for tests/bench/run.sh (FastCGI 1.0 spec).

It speaks to a responder's unix socket the way nginx does with
fastcgi_keep_conn on: one connection, FCGI_KEEP_CONN, the six parameters
nginx/mailautoconf-locations.conf passes (and no request headers).

    fcgi.py capture SOCK OUT METHOD HOST PATH QUERY BODYFILE
        one request; write the raw FCGI_STDOUT bytes (headers and body,
        exactly what the responder sends) to OUT.
    fcgi.py drive SOCK N METHOD HOST PATH QUERY BODYFILE [EXPECT]
        N requests over one kept connection, one after another; each
        answer must equal the file EXPECT if given.  For callgrind.

BODYFILE "-" means no body.  Exit status 1 on any protocol error or
unexpected answer.
"""
import socket
import struct
import sys

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER, KEEP_CONN = 1, 1


def record(kind, data=b"", req_id=1):
    pad = (-len(data)) % 8
    return (struct.pack(">BBHHBB", 1, kind, req_id, len(data), pad, 0)
            + data + bytes(pad))


def stream(kind, data):
    out = b"".join(record(kind, data[i:i + 65535])
                   for i in range(0, len(data), 65535))
    return out + record(kind)


def pair(k, v):
    def size(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 1 << 31)
    return size(len(k)) + size(len(v)) + k + v


def message(method, host, path, query, body):
    """The bytes nginx would send for this request."""
    params = [
        ("REQUEST_METHOD", method), ("DOCUMENT_URI", path),
        ("QUERY_STRING", query),
        ("CONTENT_TYPE", "text/xml; charset=utf-8" if body else ""),
        ("CONTENT_LENGTH", str(len(body)) if body else ""),
        ("HTTP_HOST", host),
    ]
    msg = record(BEGIN, struct.pack(">HB5x", RESPONDER, KEEP_CONN))
    msg += stream(PARAMS, b"".join(pair(k.encode(), v.encode())
                                   for k, v in params))
    msg += stream(STDIN, body)
    return msg


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def _need(self, n):
        while len(self.buf) < n:
            got = self.s.recv(65536)
            if not got:
                raise EOFError("connection closed before FCGI_END_REQUEST")
            self.buf += got

    def ask(self, msg):
        """Send one request; return its FCGI_STDOUT bytes."""
        self.s.sendall(msg)
        out = b""
        while True:
            self._need(8)
            kind = self.buf[1]
            clen = struct.unpack(">H", self.buf[4:6])[0]
            plen = self.buf[6]
            self._need(8 + clen + plen)
            content = self.buf[8:8 + clen]
            self.buf = self.buf[8 + clen + plen:]
            if kind == STDOUT:
                out += content
            elif kind == END:
                return out
            elif kind != STDERR:
                raise ValueError("unexpected record type %d" % kind)


def main(argv):
    if len(argv) < 8 or argv[1] not in ("capture", "drive"):
        sys.exit(__doc__)
    mode, sock = argv[1], argv[2]
    method, host, path, query, bodyfile = argv[4:9]
    body = b"" if bodyfile == "-" else open(bodyfile, "rb").read()
    msg = message(method, host, path, query, body)
    conn = Conn(sock)
    if mode == "capture":
        with open(argv[3], "wb") as f:
            f.write(conn.ask(msg))
        return 0
    expect = open(argv[9], "rb").read() if len(argv) > 9 else None
    for i in range(int(argv[3])):
        got = conn.ask(msg)
        if expect is not None and got != expect:
            sys.stderr.write("fcgi.py: answer %d differs from %s\n"
                             % (i + 1, argv[9]))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
