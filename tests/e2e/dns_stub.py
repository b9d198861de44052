#!/usr/bin/env python3
"""A name server for tests only: answers A, AAAA, CNAME and SRV questions
over UDP on 127.0.0.1 from the records of a JSON file as
"mailautoconf records --format json" prints them, NXDOMAIN for any other
name, no data for any other type.  Writes its port to PORTFILE once it
listens, then serves until killed.

Usage: dns_stub.py RECORDS.json PORTFILE
"""
import json
import os
import socket
import struct
import sys

TYPES = {"A": 1, "CNAME": 5, "AAAA": 28, "SRV": 33}


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def rdata(rtype, data):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, data)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, data)
    if rtype == "CNAME":
        return name_wire(data)
    prio, weight, port, target = data.split()
    return struct.pack("!HHH", int(prio), int(weight), int(port)) + name_wire(target)


def qname(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1 : off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels).lower() + ".", off + 1


def answer(msg, records):
    qid, _flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        return None
    name, off = qname(msg, 12)
    qtype, _qclass = struct.unpack("!HH", msg[off : off + 4])
    question = msg[12 : off + 4]
    known = [r for r in records if r["name"].lower() == name]
    rrs = b""
    count = 0
    for r in known:
        if TYPES.get(r["type"]) in (qtype, 5 if qtype in (1, 28) else None):
            rd = rdata(r["type"], r["data"])
            rrs += name_wire(r["name"]) + struct.pack(
                "!HHIH", TYPES[r["type"]], 1, r["ttl"], len(rd)) + rd
            count += 1
    rcode = 0 if known else 3
    head = struct.pack("!HHHHHH", qid, 0x8400 | rcode, 1, count, 0, 0)
    return head + question + rrs


def main():
    records = json.load(open(sys.argv[1]))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            out = answer(msg, records)
        except (IndexError, struct.error, ValueError):
            out = None
        if out is not None:
            s.sendto(out, peer)


if __name__ == "__main__":
    main()
