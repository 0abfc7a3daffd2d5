#!/usr/bin/python3
"""Soak test of CORSAllowOriginFile: reloads under load.

A real httpd (the event MPM, then the worker MPM) answers 256 keep-alive
connections while a writer replaces the origin file every --every seconds
with the documented recipe (write a temporary file, rename() it over the
old one), alternating two versions and, now and then, a version with an
invalid line that must be refused whole. The check interval is 1 s, so
each process reloads about once a second; the versions are large
(--lines filler origins) so that a reload takes long enough to overlap
many requests. It fails unless:

* every response is consistent with the old or the new list: the origins
  both versions list (first and last line) are always granted (a request
  that saw a half-built list would miss the last line), an origin neither
  lists (nor the invalid version's) is never granted, and the origins only
  one version lists are granted or refused, both outcomes occurring (the
  lists really changed under load);
* no unexpected status, no child crash, no unexpected error-log line (the
  invalid versions' one error per change and process is expected);
* resident memory stays flat over the reloads: the summed RSS of httpd's
  processes (a fixed number) in the last quarter of the run at most 10 %
  (or 8 MiB) above the second quarter's.

Long form (the documented target, ``make soak-origin-file``): 120 s per
MPM. Short form (``--short``, CI): 20 s per MPM, about a minute in all.

Usage: MOD_CORS_SO=.libs/mod_cors.so /usr/bin/python3 tests/soak/soak_origin_file.py
       [--short] [--mpm event,worker] [--connections N] [--duration S]
       [--lines N] [--every S]
"""

import argparse
import asyncio
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

from harness import Httpd  # noqa: E402
from soak import CRASH, httpd_rss, read_response, req  # noqa: E402

HEAD = "https://head.example"       # first line of both versions
TAIL = "https://tail.example"       # last line of both versions
OLD = "https://old.example"         # only in version A
NEW = "https://new.example"         # only in version B
BAD_ONLY = "https://bad-version.example"   # only in the invalid version
EVIL = "https://evil.example"       # in none

CONF = r"""
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15
# Enough threads for every connection under worker (one thread per
# connection), and a fixed number of processes, so that the summed RSS
# compares like with like.
<IfModule mpm_event_module>
    StartServers 3
    ServerLimit 3
    ThreadLimit 96
    ThreadsPerChild 96
    MaxRequestWorkers 288
    MinSpareThreads 16
    MaxSpareThreads 288
</IfModule>
<IfModule mpm_worker_module>
    StartServers 3
    ServerLimit 3
    ThreadLimit 96
    ThreadsPerChild 96
    MaxRequestWorkers 288
    MinSpareThreads 16
    MaxSpareThreads 288
</IfModule>
CORSAllowOriginFileCheck 1
<Location "/api">
    CORSAllowOriginFile @ROOT@/tenants.txt
</Location>
"""

# origin -> allowed outcomes ("granted", "refused")
KINDS = {
    HEAD: {"granted"},
    TAIL: {"granted"},
    OLD: {"granted", "refused"},
    NEW: {"granted", "refused"},
    BAD_ONLY: {"refused"},
    EVIL: {"refused"},
}
ORIGINS = sorted(KINDS)
TOLERANCE = 0.10
TOLERANCE_FLOOR = 8 * 1024 * 1024
ALLOWED = [r"AH00558", r"AH00485", r"AH03490", r"AH00484", r"AH00287",
           r"CORSAllowOriginFile: new version of .* refused"]


def version(kind, lines):
    rng = random.Random(kind)
    body = [HEAD]
    body += ["https://t%d-%d.tenants.example" % (i, rng.randint(0, 10 ** 6))
             for i in range(lines)]
    if kind == "A":
        body.append(OLD)
    elif kind == "B":
        body.append(NEW)
    else:
        body += [BAD_ONLY, "HTTPS://Invalid.example"]
    body.append(TAIL)
    return "# version %s\n%s\n" % (kind, "\n".join(body))


async def writer_task(path, texts, end, every, log):
    i = 0
    while time.monotonic() < end:
        kind = "X" if i % 7 == 6 else ("A" if i % 2 == 0 else "B")
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(texts[kind])
        os.rename(tmp, path)
        log.append(kind)
        i += 1
        # An invalid version stays past a check interval, so that every
        # process sees it (and refuses it) at least once.
        await asyncio.sleep(max(every, 1.5) if kind == "X" else every)
    # End on a valid version.
    with open(path + ".tmp", "w") as f:
        f.write(texts["A"])
    os.rename(path + ".tmp", path)


async def worker(wid, host, port, end, stats):
    reader = writer = None
    i = wid
    while time.monotonic() < end:
        origin = ORIGINS[i % len(ORIGINS)]
        i += 1
        data = req("GET", "/api/x.txt", [("Origin", origin)])
        status = None
        for attempt in (1, 2):
            fresh = writer is None
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port), 10)
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
                    stats["errors"] += 1
                    if len(stats["examples"]) < 10:
                        stats["examples"].append("%s: %r" % (origin, e))
                    break
                stats["retried"] += 1   # kept-alive connection closed by the server
        if status is None:
            continue
        acao = [v for k, v in headers if k == "access-control-allow-origin"]
        outcome = "granted" if acao == [origin] else "refused" if not acao else "bad"
        stats["seen"][(origin, outcome)] = stats["seen"].get((origin, outcome), 0) + 1
        stats["total"] += 1
        if status != 200 or outcome not in KINDS[origin]:
            stats["bad"] += 1
            if len(stats["examples"]) < 10:
                stats["examples"].append("%s: status %s acao %r" % (origin, status, acao))
    if writer is not None:
        writer.close()


async def sampler(pgid, start, end, samples):
    while time.monotonic() < end:
        samples.append((time.monotonic() - start, httpd_rss(pgid)))
        await asyncio.sleep(1.0)


async def run(httpd, args, stats, samples, versions):
    start = time.monotonic()
    end = start + args.duration
    path = os.path.join(httpd.root, "tenants.txt")
    texts = {k: version(k, args.lines) for k in "ABX"}
    tasks = [worker(w, httpd.host, httpd.port, end, stats) for w in range(args.connections)]
    tasks.append(sampler(httpd.proc.pid, start, end, samples))
    tasks.append(writer_task(path, texts, end, args.every, versions))
    await asyncio.gather(*tasks)
    return time.monotonic() - start


def soak_one(mpm, args):
    texts_a = version("A", args.lines)
    httpd = Httpd(CONF, docs={"api/x.txt": "api\n"}, name="soak-file-" + mpm, mpm=mpm,
                  allowed_errors=ALLOWED, loglevel="warn cors:info")
    with open(os.path.join(httpd.root, "tenants.txt"), "w") as f:
        f.write(texts_a)
    os.chmod(os.path.join(httpd.root, "tenants.txt"), 0o644)
    stats = {"seen": {}, "total": 0, "bad": 0, "errors": 0, "retried": 0, "examples": []}
    samples, versions = [], []
    try:
        httpd.start()
        elapsed = asyncio.run(run(httpd, args, stats, samples, versions))
        alive = httpd.proc.poll() is None
        log = httpd.error_log()
        unexpected = httpd.unexpected_errors()
    finally:
        httpd.cleanup()
    failures = []
    print("soak-origin-file [%s]: %d requests in %.1f s (%.0f req/s), %d files written "
          "(%d invalid), %d kept-alive connections closed by the server (retried), "
          "%d connection errors"
          % (mpm, stats["total"], elapsed, stats["total"] / elapsed, len(versions),
             versions.count("X"), stats["retried"], stats["errors"]))
    for o in ORIGINS:
        print("  %-34s granted %7d  refused %7d"
              % (o, stats["seen"].get((o, "granted"), 0), stats["seen"].get((o, "refused"), 0)))
    reloads = log.count("CORSAllowOriginFile: reloaded")
    refusals = log.count("CORSAllowOriginFile: new version of")
    print("  reloads logged %d, invalid versions refused %d" % (reloads, refusals))
    if stats["bad"]:
        failures.append("%d responses inconsistent with both lists: %s"
                        % (stats["bad"], "; ".join(stats["examples"])))
    if stats["errors"]:
        failures.append("%d connection errors: %s" % (stats["errors"],
                                                        "; ".join(stats["examples"])))
    for o in (OLD, NEW):
        for outcome in ("granted", "refused"):
            if not stats["seen"].get((o, outcome)):
                failures.append("%s never %s: the list did not change under load" % (o, outcome))
    if reloads < 2 or refusals < 1:
        failures.append("too few reloads (%d) or refused versions (%d)" % (reloads, refusals))
    crashes = [line for line in log.splitlines() if CRASH.search(line)]
    if crashes:
        failures.append("child crashes:\n  " + "\n  ".join(crashes[:10]))
    other = [line for line in unexpected if line not in crashes]
    if other:
        failures.append("unexpected error log lines:\n  " + "\n  ".join(other[:10]))
    if not alive:
        failures.append("httpd exited during the soak")
    # The first window starts after a few reloads in every process: the
    # list inherited from the parent at fork is shared until then.
    window = max(3.0, args.duration / 4)
    first = [s[1] for s in samples if window <= s[0] < 2 * window]
    last = [s[1] for s in samples if s[0] >= args.duration - window]
    if not first or not last:
        failures.append("not enough RSS samples")
    else:
        m1, m2 = sum(first) / len(first), sum(last) / len(last)
        limit = m1 + max(TOLERANCE * m1, TOLERANCE_FLOOR)
        print("  RSS mean first %.0f s %.1f MiB, last %.0f s %.1f MiB (%+.1f %%), limit %.1f MiB"
              % (window, m1 / 2 ** 20, window, m2 / 2 ** 20, 100.0 * (m2 - m1) / m1,
                 limit / 2 ** 20))
        if m2 > limit:
            failures.append("resident memory grew over the reloads: %.1f -> %.1f MiB"
                            % (m1 / 2 ** 20, m2 / 2 ** 20))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--short", action="store_true", help="CI form: 20 s per MPM")
    ap.add_argument("--mpm", default="event,worker")
    ap.add_argument("--connections", type=int, default=256)
    ap.add_argument("--duration", type=float)
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--every", type=float, default=0.4)
    args = ap.parse_args()
    if args.duration is None:
        args.duration = 20.0 if args.short else 120.0
    args.duration = min(max(args.duration, 8.0), 1800.0)
    failures = []
    for mpm in args.mpm.split(","):
        failures += ["[%s] %s" % (mpm, f) for f in soak_one(mpm, args)]
    if failures:
        print("soak-origin-file: FAIL\n  - " + "\n  - ".join(failures))
        return 1
    print("soak-origin-file: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
