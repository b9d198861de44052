#!/usr/bin/env python3
"""FastCGI requests for tests/bench/run.sh, through tests/fcgi_client.py.

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
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import fcgi_client as fcgi  # noqa: E402  (tests/fcgi_client.py)


def message(method, host, path, query, body):
    """The bytes nginx would send for this request."""
    return fcgi.request([
        ("REQUEST_METHOD", method), ("DOCUMENT_URI", path),
        ("QUERY_STRING", query),
        ("CONTENT_TYPE", "text/xml; charset=utf-8" if body else ""),
        ("CONTENT_LENGTH", str(len(body)) if body else ""),
        ("HTTP_HOST", host),
    ], body, flags=fcgi.KEEP_CONN)


class Conn:
    """One kept connection; ask() sends a request and returns its
    FCGI_STDOUT bytes."""

    def __init__(self, path):
        self.s = fcgi.connect(path)
        self.reader = fcgi.Reader(self.s)

    def ask(self, msg):
        self.s.sendall(msg)
        return self.reader.response()


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
