#!/usr/bin/python3
"""Soak test: a real httpd with mod_cors under sustained load on loopback.

256 keep-alive connections for 60 s (``--short``: 64 connections, 15 s),
after a 5 s warm-up on the same connections,
send a fixed rotation of granted, refused, preflight, public and hostile
requests, while the server is restarted gracefully (SIGUSR1, what
``apachectl -k graceful`` sends) three times in the middle (once in
``--short``). It fails unless:

* every response has the status and Access-Control-Allow-Origin expected for
  its kind (table KINDS below), and no request fails on a fresh connection;
* the error log holds no child crash (``exit signal``, ``Segmentation``,
  AH00052/AH00060) and no other unexpected line at warn or above;
* resident memory stays flat: the summed RSS of all httpd processes, sampled
  every second, averages over the last 10 s at most 10 % (or 4 MiB, if
  more) above the first 10 s (see TOLERANCE below); in --short runs the
  windows are a third of the run (5 s).

Bounded: at most --duration seconds of load (plus a 5 s warm-up) and
--max-requests requests; loopback only, on a free port.

Usage: MOD_CORS_SO=.libs/mod_cors.so /usr/bin/python3 tests/soak/soak.py [--short]
       [--connections N] [--duration S] [--restarts N] [--max-requests N]
       [--keep] (keep the server's tmp dir)
"""

import argparse
import asyncio
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import Httpd  # noqa: E402

APP = "https://app.example.com"

CONF = r"""
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15
<IfModule mpm_event_module>
    StartServers 2
    ServerLimit 8
    ThreadsPerChild 25
    MaxRequestWorkers 100
    MinSpareThreads 25
    MaxSpareThreads 100
    MaxConnectionsPerChild 0
</IfModule>
LimitRequestFieldSize 8190

<Location "/api">
    CORSAllowOrigin https://app.example.com https://*.example.org http://localhost:*
    CORSAllowOriginMatch "https://[a-z]+\.example\.net"
    CORSAllowMethods PUT DELETE
    CORSAllowHeaders X-Token Content-Type
    CORSExposeHeaders X-Total
    CORSAllowCredentials On
    CORSMaxAge 600
</Location>
<Location "/pub">
    CORSAllowOrigin *
</Location>
"""

DOCS = {"api/x.txt": "api\n" * 64, "pub/x.txt": "pub\n" * 64, "plain.txt": "plain\n"}


def req(method, path, headers=()):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    lines += ["%s: %s" % h for h in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def pf(origin, method="PUT", headers=None):
    h = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers is not None:
        h.append(("Access-Control-Request-Headers", headers))
    return h


# kind -> (request bytes, expected status, expected ACAO or None for absent)
KINDS = {
    "granted-exact": (req("GET", "/api/x.txt", [("Origin", APP)]), 200, APP),
    "granted-wildcard": (req("GET", "/api/x.txt", [("Origin", "https://a.b.example.org")]),
                         200, "https://a.b.example.org"),
    "granted-regex": (req("GET", "/api/x.txt", [("Origin", "https://abc.example.net")]),
                      200, "https://abc.example.net"),
    "granted-anyport": (req("GET", "/api/x.txt", [("Origin", "http://localhost:3000")]),
                        200, "http://localhost:3000"),
    "granted-404": (req("GET", "/api/missing", [("Origin", APP)]), 404, APP),
    "refused-origin": (req("GET", "/api/x.txt", [("Origin", "https://evil.com")]), 200, None),
    "no-origin": (req("GET", "/api/x.txt"), 200, None),
    "no-policy": (req("GET", "/plain.txt", [("Origin", APP)]), 200, None),
    "preflight-granted": (req("OPTIONS", "/api/x.txt", pf(APP, "PUT", "X-Token")), 204, APP),
    "preflight-granted-nopath": (req("OPTIONS", "/api/nope/none", pf(APP, "DELETE")), 204, APP),
    "preflight-refused-method": (req("OPTIONS", "/api/x.txt", pf(APP, "PATCH")), 403, None),
    "preflight-refused-header": (req("OPTIONS", "/api/x.txt", pf(APP, "PUT", "X-Evil")), 403, None),
    "preflight-refused-origin": (req("OPTIONS", "/api/x.txt", pf("https://evil.com")), 403, None),
    "public": (req("GET", "/pub/x.txt", [("Origin", "https://evil.com")]), 200, "*"),
    "hostile-suffix": (req("GET", "/api/x.txt", [("Origin", "https://app.example.com.evil.com")]),
                       200, None),
    "hostile-special": (req("GET", "/api/x.txt", [("Origin", "https://app.example.com%60.evil.com")]),
                        200, None),
    "hostile-null": (req("GET", "/api/x.txt", [("Origin", "null")]), 200, None),
    "hostile-upper": (req("GET", "/api/x.txt", [("Origin", "https://APP.example.com")]), 200, None),
    "hostile-duplicate": (req("GET", "/api/x.txt", [("Origin", APP), ("Origin", APP)]), 200, None),
    "hostile-empty": (req("GET", "/api/x.txt", [("Origin", "")]), 200, None),
    "hostile-long-origin": (req("GET", "/api/x.txt", [("Origin", "https://" + "a" * 4000 + ".example.org")]),
                            200, None),
    "hostile-commas": (req("OPTIONS", "/api/x.txt", pf(APP, "PUT", "," * 6000)), 403, None),
    "hostile-many-names": (req("OPTIONS", "/api/x.txt", pf(APP, "PUT", ",".join(["x-token"] * 900))),
                           403, None),
    # httpd itself refuses control characters in a field value (400)
    "hostile-ctl": (req("GET", "/api/x.txt", [("Origin", "https://app.example.com\x01")]), 400, None),
}
KIND_NAMES = sorted(KINDS)

# Memory tolerance. httpd's RSS per process grows to a high-water mark
# (APR pool free lists, the allocator's arenas, per-thread buffers) and then
# stays there; a graceful restart replaces the children. A leak, even one of
# 100 bytes per request, grows without bound: at the short run's lowest
# rate (~1,000 req/s) that is ~6 MB per minute, at 60 s of 256 connections
# much more. 10 % of a ~40-60 MB total (with a 4 MiB floor for small totals)
# is above the normal jitter of restarts and below any real leak's slope.
TOLERANCE = 0.10
TOLERANCE_FLOOR = 4 * 1024 * 1024

CRASH = re.compile(r"exit signal|Segmentation fault|AH00052|AH00060|AH00061|"
                   r"AddressSanitizer|runtime error:|double free|dumped core")
# Warn lines that are about capacity during restarts, not about mod_cors.
ALLOWED = [r"AH00558", r"AH00485", r"AH03490", r"AH00484"]


class Stats:
    def __init__(self):
        self.count = {k: 0 for k in KINDS}
        self.bad = {}
        self.bad_examples = []
        self.retried = 0
        self.failed = 0
        self.fail_examples = []
        self.total = 0


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = []
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip().lower(), v.strip()))
    hd = dict(headers)
    if "transfer-encoding" in hd:
        raise RuntimeError("unexpected chunked response")
    length = int(hd.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    return status, headers


async def worker(wid, host, port, deadline, stats, limit):
    reader = writer = None
    fresh = False
    i = wid
    while time.monotonic() < deadline and stats.total < limit:
        kind = KIND_NAMES[i % len(KIND_NAMES)]
        i += 1
        data, want_status, want_acao = KINDS[kind]
        for attempt in (1, 2):
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port), 10)
                    fresh = True
                writer.write(data)
                status, headers = await asyncio.wait_for(read_response(reader), 15)
                break
            except (ConnectionError, asyncio.IncompleteReadError, OSError,
                    asyncio.TimeoutError) as e:
                if writer is not None:
                    writer.close()
                reader = writer = None
                if fresh or attempt == 2:
                    # a brand-new connection must not fail
                    stats.failed += 1
                    if len(stats.fail_examples) < 5:
                        stats.fail_examples.append("%s: %r" % (kind, e))
                    status = None
                    break
                stats.retried += 1      # kept-alive connection closed by the server
        else:
            status = None
        fresh = False
        if status is None:
            continue
        stats.total += 1
        stats.count[kind] += 1
        acao = [v for k, v in headers if k == "access-control-allow-origin"]
        ok = status == want_status and acao == ([want_acao] if want_acao else [])
        if ok and want_acao is None:
            ok = not any(k.startswith("access-control-") for k, _ in headers)
        if not ok:
            stats.bad[kind] = stats.bad.get(kind, 0) + 1
            if len(stats.bad_examples) < 10:
                stats.bad_examples.append("%s: status %s acao %r (want %s %r)"
                                          % (kind, status, acao, want_status, want_acao))
        if any(k == "connection" and v.lower() == "close" for k, v in headers):
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def httpd_rss(pgid, detail=None):
    """Summed VmRSS (bytes) of the processes in httpd's process group;
    ``detail`` (a dict) gets pid -> RSS."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid:          # field 5: pgrp
                continue
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        if detail is not None:
                            detail[int(pid)] = int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


async def sampler(pgid, start, end, samples):
    while time.monotonic() < end:
        detail = {}
        total = httpd_rss(pgid, detail)
        samples.append((time.monotonic() - start, total, len(detail), detail.get(pgid, 0)))
        await asyncio.sleep(1.0)


async def restarter(httpd, start, times, log):
    loop = asyncio.get_running_loop()
    for t in times:
        await asyncio.sleep(max(0.0, start + t - time.monotonic()))
        t0 = time.monotonic()
        await loop.run_in_executor(None, httpd.graceful)
        log.append((round(time.monotonic() - start, 1), round(time.monotonic() - t0, 2)))


async def run(httpd, args, stats, samples, restarts_done):
    """One set of connections for warm-up + duration (closing them between
    the two would let the children hand memory back and skew the first
    window); RSS sampling and the restarts' clock start after the warm-up."""
    pgid = httpd.proc.pid
    t0 = time.monotonic()
    start = t0 + args.warmup
    end = start + args.duration
    times = []
    if args.restarts:
        step = args.duration / (args.restarts + 1)
        # in the middle: between the first and the last measurement windows
        times = [min(max(step * (k + 1), args.window + 1), args.duration - args.window - 1)
                 for k in range(args.restarts)]

    async def delayed(coro_fn, *a):
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        await coro_fn(*a)

    tasks = [worker(w, httpd.host, httpd.port, end, stats, args.max_requests)
             for w in range(args.connections)]
    tasks.append(delayed(sampler, pgid, start, end, samples))
    tasks.append(delayed(restarter, httpd, start, times, restarts_done))
    await asyncio.gather(*tasks)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--short", action="store_true", help="CI form: 64 connections, 15 s, 1 restart")
    ap.add_argument("--connections", type=int)
    ap.add_argument("--duration", type=float)
    ap.add_argument("--restarts", type=int)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--max-requests", type=int, default=5_000_000)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every RSS sample")
    args = ap.parse_args()
    if args.connections is None:
        args.connections = 64 if args.short else 256
    if args.duration is None:
        args.duration = 15.0 if args.short else 60.0
    if args.restarts is None:
        args.restarts = 1 if args.short else 3
    args.duration = min(max(args.duration, 9.0), 600.0)
    # RSS is compared between the first and the last window: 10 s each,
    # shorter in short runs (a third of the run).
    args.window = 10.0 if args.duration >= 30 else args.duration / 3
    args.connections = min(max(args.connections, 1), 1024)
    if args.keep:
        os.environ["KEEP_HTTPD_DIRS"] = "1"

    httpd = Httpd(CONF, docs=DOCS, name="soak", allowed_errors=ALLOWED)
    stats = Stats()
    samples = []
    restarts_done = []
    try:
        httpd.start()
        print("soak: httpd on 127.0.0.1:%d (%s), %d connections, %.0f s, %d graceful restarts"
              % (httpd.port, httpd.root, args.connections, args.duration, args.restarts))
        elapsed = asyncio.run(run(httpd, args, stats, samples, restarts_done))
        alive = httpd.proc.poll() is None
        log = httpd.error_log()
        unexpected = httpd.unexpected_errors()
    finally:
        httpd.cleanup()

    failures = []
    print("soak: %d requests in %.1f s (%.0f req/s, %.0f s of warm-up included); %d kept-alive "
          "connections closed by the server before a request (retried on a new one), %d failed"
          % (stats.total, elapsed, stats.total / elapsed, args.warmup, stats.retried, stats.failed))
    for k in KIND_NAMES:
        print("  %-26s %8d  unexpected %d" % (k, stats.count[k], stats.bad.get(k, 0)))
    if sum(stats.bad.values()):
        failures.append("%d unexpected statuses/headers: %s"
                        % (sum(stats.bad.values()), "; ".join(stats.bad_examples)))
    if stats.failed:
        failures.append("%d requests failed on fresh connections: %s"
                        % (stats.failed, "; ".join(stats.fail_examples)))
    if min(stats.count.values()) == 0:
        failures.append("some request kinds were never sent")
    print("soak: graceful restarts at (s, took s): %s" % restarts_done)
    if len(restarts_done) != args.restarts:
        failures.append("only %d of %d restarts done" % (len(restarts_done), args.restarts))
    crashes = [line for line in log.splitlines() if CRASH.search(line)]
    if crashes:
        failures.append("child crashes in the error log:\n  " + "\n  ".join(crashes[:10]))
    other = [line for line in unexpected if line not in crashes]
    if other:
        failures.append("unexpected error log lines:\n  " + "\n  ".join(other[:10]))
    if not alive:
        failures.append("httpd exited during the soak")
    generations = log.count("resuming normal operations")
    print("soak: server generations seen in the log: %d" % generations)

    if args.verbose:
        for t, rss, n, parent in samples:
            print("  t=%5.1f s  rss %6.1f MiB  processes %d  parent %5.1f MiB"
                  % (t, rss / 2 ** 20, n, parent / 2 ** 20))
    first = [s[1] for s in samples if s[0] < args.window]
    last = [s[1] for s in samples if s[0] >= args.duration - args.window]
    if not first or not last:
        failures.append("not enough RSS samples (%d)" % len(samples))
    else:
        m1 = sum(first) / len(first)
        m2 = sum(last) / len(last)
        limit = m1 + max(TOLERANCE * m1, TOLERANCE_FLOOR)
        print("soak: httpd RSS mean first %.0f s %.1f MiB (%d samples), last %.0f s %.1f MiB "
              "(%d samples), %+.1f %%; limit %.1f MiB; min %.1f max %.1f MiB"
              % (args.window, m1 / 2 ** 20, len(first), args.window, m2 / 2 ** 20, len(last),
                 100.0 * (m2 - m1) / m1,
                 limit / 2 ** 20, min(s[1] for s in samples) / 2 ** 20,
                 max(s[1] for s in samples) / 2 ** 20))
        if m2 > limit:
            failures.append("resident memory grew: %.1f -> %.1f MiB" % (m1 / 2 ** 20, m2 / 2 ** 20))
    if failures:
        print("soak: FAIL\n  - " + "\n  - ".join(failures))
        return 1
    print("soak: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
