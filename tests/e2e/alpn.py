#!/usr/bin/env python3
"""The other ends of tests/e2e/alpn.sh: test mail servers behind
nginx/mailautoconf-stream.conf, and TLS clients nginx's ssl_preread must
route by the ALPN names in their ClientHello.

  alpn.py serve CERT KEY PORT BANNER COUNTFILE
      A TLS server (TLS from the first byte, as an IMAP or submission
      server on 993 or 465): appends one line to COUNTFILE per TCP
      connection it accepts, before the handshake, so a connection nginx
      should never have made is counted too; then sends BANNER and a line
      end, and waits for the client to close.  Runs until killed.

  alpn.py banner PORT ALPN [CHUNK DELAY_MS]
      A TLS client offering the comma-separated ALPN names ("" for none);
      prints the first line the server sends.  With CHUNK, the ClientHello
      goes out in pieces of CHUNK bytes, DELAY_MS apart (a ClientHello
      split over packets).

  alpn.py http PORT ALPN HOST TARGET [CHUNK DELAY_MS]
      The same client, but it sends "GET TARGET" with Host HOST over
      HTTP/1.1 and prints the status line and the body, or "TLS error:
      REASON" if the handshake fails.

  alpn.py stall PORT NBYTES
      Sends the first NBYTES of a ClientHello offering "imap" and nothing
      more; prints "closed after S s" when the other end closes, or
      "open" after 30 s.

Certificates are not verified: the test checks where a connection lands,
not who it is talking to.
"""
import socket
import ssl
import sys
import threading
import time


def serve(cert, key, port, banner, countfile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lock = threading.Lock()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(64)

    def one(conn):
        try:
            conn.settimeout(30)
            with ctx.wrap_socket(conn, server_side=True) as t:
                t.sendall(banner.encode() + b"\r\n")
                while t.recv(4096):
                    pass
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    while True:
        conn, _ = ls.accept()
        with lock, open(countfile, "a") as f:
            f.write("connection\n")
        threading.Thread(target=one, args=(conn,), daemon=True).start()


def client(port, alpn, chunk=0, delay_ms=0):
    """A TLS connection over memory BIOs, so the ClientHello's bytes can
    be sent in pieces; returns (sock, sslobj, incoming, outgoing)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(alpn.split(","))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="autoconfig.example.com")
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=15)
    first = True
    while True:
        try:
            obj.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        data = out.read()
        if data and first and chunk:
            for i in range(0, len(data), chunk):
                s.sendall(data[i:i + chunk])
                time.sleep(delay_ms / 1000)
        elif data:
            s.sendall(data)
        first = first and not data
        if done:
            return s, obj, inc, out
        got = s.recv(65536)
        if not got:
            raise ConnectionError("closed during the handshake")
        inc.write(got)


def recv_some(s, obj, inc):
    while True:
        try:
            return obj.read(65536)
        except ssl.SSLWantReadError:
            got = s.recv(65536)
            if not got:
                return b""
            inc.write(got)


def banner(port, alpn, chunk=0, delay_ms=0):
    s, obj, inc, _ = client(port, alpn, int(chunk), int(delay_ms))
    print(recv_some(s, obj, inc).decode("utf-8", "replace").splitlines()[0])
    s.close()


def http(port, alpn, host, target, chunk=0, delay_ms=0):
    try:
        s, obj, inc, out = client(port, alpn, int(chunk), int(delay_ms))
    except ssl.SSLError as e:
        # nginx's https server refuses a ClientHello whose ALPN names it
        # knows none of: TLSV1_ALERT_NO_APPLICATION_PROTOCOL.
        print("TLS error: %s" % (e.reason or e))
        return
    obj.write(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
               % (target, host)).encode())
    s.sendall(out.read())
    resp = b""
    while True:
        try:
            got = recv_some(s, obj, inc)
        except (ssl.SSLError, OSError):
            break
        if not got:
            break
        resp += got
    s.close()
    head, _, body = resp.partition(b"\r\n\r\n")
    print(head.decode("utf-8", "replace").splitlines()[0] if head else "")
    sys.stdout.write(body.decode("utf-8", "replace"))


def stall(port, nbytes):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_alpn_protocols(["imap"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="mail.example.com")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
    t0 = time.monotonic()
    s.sendall(hello[:int(nbytes)])
    try:
        got = s.recv(1)
        print("closed after %.0f s%s" % (time.monotonic() - t0,
                                        "" if not got else " with data"))
    except socket.timeout:
        print("open")
    except ConnectionResetError:
        print("closed after %.0f s" % (time.monotonic() - t0))


def main(argv):
    cmds = {"serve": serve, "banner": banner, "http": http, "stall": stall}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
