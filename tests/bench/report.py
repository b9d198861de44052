#!/usr/bin/env python3
"""Tables for tests/bench/run.sh, from the raw files it keeps.

    report.py split ANSWER BODY
        split a captured FastCGI answer (CGI headers, blank line, body):
        write the body to BODY, print "status|content-type|disposition".
    report.py throughput DIR ROUNDS "CONNS" ENDPOINT...
        the responder / null / static table from DIR/r*_NAME_cC_T.txt.
    report.py scale DIR ROUNDS TABLE...
        load time, memory and throughput of the large tables.
    report.py callgrind DIR N ROOT ENDPOINT...
        instructions per request, split by where they are spent.

ENDPOINT is run.sh's "name|method|host|path|query|body|select" row.
Only the standard library; figures are medians over rounds.
"""
import glob
import os
import re
import statistics
import subprocess
import sys
import time


# ---- wrk output ---------------------------------------------------------

def to_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return None
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6,
                                "m": 6e7}[m.group(2)]


def parse_wrk(path):
    """Requests/sec, p50 and p99 (microseconds), request count, non-2xx/3xx
    count and socket errors of one wrk --latency output."""
    text = open(path, encoding="utf-8", errors="replace").read()
    r = {"rps": None, "p50": None, "p99": None, "requests": 0, "non2xx": 0,
         "errors": {}, "bytes": None}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if m:
        r["rps"] = float(m.group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(r"^\s+%s%%\s+(\S+)" % pct, text, re.M)
        if m:
            r[key] = to_us(m.group(1))
    m = re.search(r"^\s+(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read",
                  text, re.M)
    if m:
        r["requests"] = int(m.group(1))
        unit = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}
        r["bytes"] = float(m.group(4)) * unit.get(m.group(5), 1)
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", text)
    if m:
        for k, v in zip(("connect", "read", "write", "timeout"), m.groups()):
            if int(v):
                r["errors"][k] = int(v)
    if r["rps"] is None:
        r["errors"]["wrk failed"] = 1
    return r


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs):
    """(max - min) / median over rounds, in percent."""
    xs = [x for x in xs if x is not None]
    if len(xs) < 2 or not statistics.median(xs):
        return None
    return 100 * (max(xs) - min(xs)) / statistics.median(xs)


def fmt_rps(x):
    return "-" if x is None else "%.0f" % x


def fmt_us(x):
    if x is None:
        return "-"
    if x >= 10000:
        return "%.0fms" % (x / 1000)
    if x >= 1000:
        return "%.1fms" % (x / 1000)
    return "%.0fus" % x


def fmt_ratio(a, b):
    return "-" if a is None or not b else "%.2f" % (a / b)


def table(head, rows, right=None):
    """Print rows under head, columns padded; right-aligned except the
    first column (or those not in right, when given)."""
    rows = [[str(c) for c in row] for row in rows]
    w = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(h)
         for i, h in enumerate(head)]

    def line(cells):
        out = []
        for i, c in enumerate(cells):
            left = i == 0 if right is None else i not in right
            out.append(c.ljust(w[i]) if left else c.rjust(w[i]))
        return "  ".join(out).rstrip()
    print("   " + line([str(h) for h in head]))
    for r in rows:
        print("   " + line(r))


def endpoint_names(rows):
    return [row.split("|")[0] for row in rows]


# ---- throughput ---------------------------------------------------------

TARGETS = ("responder", "null", "static")


def throughput(d, rounds, conns, *endpoints):
    rounds = int(rounds)
    print("== throughput (median of %d rounds; req/s; p50/p99 latency of the "
          "responder)" % rounds)
    print("   responder/null: share of the transport's ceiling we reach "
          "(1.00 = our code costs nothing);")
    print("   responder/static: share of what nginx alone could serve.  "
          "spread: (max-min)/median of the responder's rounds.")
    problems = []
    for c in conns.split():
        rows = []
        for name in endpoint_names(endpoints):
            runs = {t: [parse_wrk(p) for p in sorted(glob.glob(
                os.path.join(d, "r*_%s_c%s_%s.txt" % (name, c, t))))]
                for t in TARGETS}
            rps = {t: median([x["rps"] for x in runs[t]]) for t in TARGETS}
            res = runs["responder"]
            sp = spread([x["rps"] for x in res])
            rows.append([
                name, fmt_rps(rps["responder"]), fmt_rps(rps["null"]),
                fmt_rps(rps["static"]),
                fmt_ratio(rps["responder"], rps["null"]),
                fmt_ratio(rps["responder"], rps["static"]),
                fmt_us(median([x["p50"] for x in res])),
                fmt_us(median([x["p99"] for x in res])),
                fmt_us(median([x["p99"] for x in runs["null"]])),
                "-" if sp is None else "%.0f%%" % sp,
            ])
            for t in TARGETS:
                total = sum(x["requests"] for x in runs[t])
                non2xx = sum(x["non2xx"] for x in runs[t])
                errs = {}
                for x in runs[t]:
                    for k, v in x["errors"].items():
                        errs[k] = errs.get(k, 0) + v
                if name.endswith("-404"):
                    if non2xx != total:
                        problems.append("c%s %s %s: %d of %d answers were "
                                        "not the expected 404" % (
                                            c, name, t, total - non2xx, total))
                elif non2xx:
                    problems.append("c%s %s %s: %d of %d answers non-2xx/3xx"
                                    % (c, name, t, non2xx, total))
                if errs:
                    problems.append("c%s %s %s: socket errors %s (of %d "
                                    "requests)" % (c, name, t, ", ".join(
                                        "%s %d" % kv for kv in errs.items()),
                                        total))
        print()
        print("   wrk -t2 -c%s" % c)
        table(["endpoint", "responder", "null", "static", "resp/null",
               "resp/static", "resp p50", "resp p99", "null p99", "spread"],
              rows)
    print()
    if problems:
        print("   errors (wrk):")
        for p in problems:
            print("     " + p)
    else:
        print("   errors (wrk): none; the 404 endpoint answered 404 every "
              "time, the others never non-2xx/3xx")


# ---- scale --------------------------------------------------------------

def scale(d, rounds, *tables):
    print("== configuration scale (autoconfig GET for the table's last "
          "domain, wrk -t2 -c32)")
    print("   load: 'mailautoconf-fcgi -t' wall time (process start to "
          "exit), median of 3, and its peak RSS;")
    print("   RSS started: the serving responder's VmRSS once started; "
          "HWM served: its VmHWM after")
    print("   its wrk runs (every thread's buffers included).  req/s and "
          "p99: median of rounds.")
    base = None
    rows = []
    for t in tables:
        runs = [parse_wrk(p) for p in sorted(glob.glob(
            os.path.join(d, "r*_%s.txt" % t)))]
        rps = median([x["rps"] for x in runs])
        if base is None:
            base = rps
        loads = []
        lf = os.path.join(d, "%s.load" % t)
        if os.path.exists(lf):
            for ln in open(lf):
                sec, kib = ln.split()
                loads.append((float(sec), int(kib)))
        status = {}
        for when in ("start", "served"):
            sf = os.path.join(d, "%s.%s.status" % (t, when))
            if os.path.exists(sf):
                for ln in open(sf):
                    k, v = ln.split(":", 1)
                    status[when + k] = int(v.split()[0])
        started = ""
        stf = os.path.join(d, "%s.started" % t)
        if os.path.exists(stf):
            m = re.search(r"(\d+) providers, (\d+) domains", open(stf).read())
            if m:
                started = "%s / %s" % m.groups()
        errs = sum(sum(x["errors"].values()) + x["non2xx"] for x in runs)
        rows.append([
            t, started,
            "%.0fms" % (1000 * median([x[0] for x in loads]))
            if loads else "-",
            "%.1fMB" % (median([x[1] for x in loads]) / 1024) if loads else "-",
            "%.1fMB" % (status.get("startVmRSS", 0) / 1024),
            "%.1fMB" % (status.get("servedVmHWM", 0) / 1024),
            fmt_rps(rps), fmt_ratio(rps, base),
            fmt_us(median([x["p99"] for x in runs])),
            str(errs) if errs else "-",
        ])
    table(["table", "providers / domains", "load", "load RSS",
           "RSS started", "HWM served", "req/s", "vs one", "p99", "errors"],
          rows)


def reload(d):
    """p99 with and without a SIGHUP every second (scale_reload)."""
    rows = []
    for kind in ("quiet", "reload"):
        runs = [parse_wrk(p) for p in sorted(glob.glob(
            os.path.join(d, "reload_%s_r*.txt" % kind)))]
        if not runs:
            return
        errs = sum(sum(x["errors"].values()) + x["non2xx"] for x in runs)
        rows.append([kind, fmt_rps(median([x["rps"] for x in runs])),
                     fmt_us(median([x["p50"] for x in runs])),
                     fmt_us(median([x["p99"] for x in runs])),
                     fmt_us(max(x["p99"] for x in runs)),
                     str(errs) if errs else "-"])
    n = "?"
    cf = os.path.join(d, "reload.count")
    if os.path.exists(cf):
        n = open(cf).read().strip()
    print("== reload under load (100,000 domains, c32; %s reloads logged)"
          % n)
    table(["rounds", "req/s", "p50", "p99 (median)", "p99 (worst)",
           "errors"], rows)


# ---- callgrind ----------------------------------------------------------

def category(fn_file, obj, root):
    """Where an instruction is spent: by object, and inside our binary by
    source file."""
    base = os.path.basename(obj)
    if base == "mailautoconf-fcgi":
        rel = fn_file[len(root) + 1:] if fn_file.startswith(root + "/") \
            else fn_file
        if rel.startswith("lib/"):
            return "lib/"
        if rel.startswith("fcgi/"):
            return "fcgi/"
        return "ours, other"
    for prefix, cat in (("libfcgi", "libfcgi"), ("libc.so", "libc"),
                        ("libexpat", "expat"), ("libcrypto", "libcrypto")):
        if base.startswith(prefix):
            return cat
    return "other"


CATS = ("lib/", "fcgi/", "ours, other", "libfcgi", "libc", "expat",
        "libcrypto", "other")


def read_callgrind(path):
    """Self instructions per (object, file, function) from a callgrind.out
    file (callgrind's format: name compression "(id) name", fl/fi/fe set
    the file, cost lines "position cost", and after "calls=" one line
    with the inclusive cost of that call, which is not self cost), and
    the inclusive instructions of every call to each function."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    space = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl",
             "cfi": "fl", "cfl": "fl", "fn": "fn", "cfn": "fn"}
    self_cost, incl = {}, {}
    ob = fl = fi = fn = cfn = ""
    after_calls = False
    total = 0
    for ln in open(path, encoding="utf-8", errors="replace"):
        ln = ln.rstrip("\n")
        if not ln:
            continue
        c = ln[0]
        if c.isdigit() or c in "+-*":
            parts = ln.split()
            cost = int(parts[1]) if len(parts) > 1 else 0
            if after_calls:
                incl[cfn] = incl.get(cfn, 0) + cost
                after_calls = False
                continue
            key = (ob, fi or fl, fn)
            self_cost[key] = self_cost.get(key, 0) + cost
            total += cost
            continue
        key, sep, val = ln.partition("=")
        if not sep:
            continue
        if key == "calls":
            after_calls = True
            continue
        if key not in space:
            continue
        m = re.match(r"\((\d+)\)(?: (.*))?$", val)
        if m:
            table_ = names[space[key]]
            if m.group(2) is not None:
                table_[m.group(1)] = m.group(2)
            val = table_.get(m.group(1), "?")
        if key == "ob":
            ob = val
        elif key == "fl":
            fl, fi = val, ""
        elif key in ("fi", "fe"):
            fi = "" if val == fl else val
        elif key == "fn":
            fn = re.sub(r"'\d+$", "", val)  # 'N: a recursion level
        elif key == "cfn":
            cfn = re.sub(r"'\d+$", "", val)
    return total, self_cost, incl


def callgrind(d, n, root, *endpoints):
    n = int(n)
    print("== instructions per request (callgrind; the responder alone, "
          "driven over one kept FastCGI connection)")
    print("   marginal cost: (run with W+%d requests - run with W) / %d, so "
          "start-up and first-request work" % (n, n))
    print("   (lazy binding, OpenSSL provider loading) are left out.  "
          "handle = mac_handle() with its callees;")
    print("   the rest is split by where the instructions run: lib/, fcgi/ "
          "(ours), libfcgi, libc, ...")
    rows, tops = [], []
    for name in endpoint_names(endpoints):
        t1, s1, i1 = read_callgrind(os.path.join(d, "%s.out" % name))
        t0, s0, i0 = read_callgrind(os.path.join(d, "%s.warm.out" % name))
        cats = dict.fromkeys(CATS, 0.0)
        per_fn = {}
        for key, v in s1.items():
            delta = (v - s0.get(key, 0)) / n
            cats[category(key[1], key[0], root)] += delta
            obj = os.path.basename(key[0]).split(".so")[0]
            fname = key[2]
            if fname.startswith("0x"):  # no symbol: object and address
                fname = "%s:%#x" % (obj, int(fname, 16))
            per_fn[fname] = per_fn.get(fname, 0) + delta
        handle = (i1.get("mac_handle", 0) - i0.get("mac_handle", 0)) / n
        rows.append([name, "%.0f" % ((t1 - t0) / n), "%.0f" % handle] +
                    ["%.0f" % cats[c] for c in CATS])
        top = sorted(per_fn.items(), key=lambda kv: -kv[1])[:6]
        tops.append("   %-18s %s" % (name, ", ".join(
            "%s %.0f" % kv for kv in top)))
    table(["endpoint", "total", "handle"] + list(CATS), rows)
    print("   top functions per request (self instructions):")
    for t in tops:
        print(t)


# ---- load time ----------------------------------------------------------

def loadtime(binary, ini, out, runs="3"):
    """Run "BIN -t -c INI" RUNS times; write "seconds maxrss-KiB" lines."""
    lines = []
    for _ in range(int(runs)):
        t0 = time.perf_counter()
        p = subprocess.Popen([binary, "-t", "-c", ini],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            sys.exit("report.py: %s -t -c %s failed" % (binary, ini))
        lines.append("%.6f %d\n" % (t1 - t0, ru.ru_maxrss))
    with open(out, "w") as f:
        f.writelines(lines)


# ---- split ------------------------------------------------------------------

def split(answer, body_out):
    data = open(answer, "rb").read()
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        sys.exit("report.py: no blank line after the headers in " + answer)
    hdrs = {}
    for ln in head.decode("latin-1").split("\r\n"):
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    with open(body_out, "wb") as f:
        f.write(body)
    status = hdrs.get("status", "200").split()[0]
    print("%s|%s|%s" % (status, hdrs.get("content-type", ""),
                        hdrs.get("content-disposition", "")))


def main(argv):
    cmds = {"split": split, "throughput": throughput, "scale": scale,
            "callgrind": callgrind, "loadtime": loadtime, "reload": reload}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
