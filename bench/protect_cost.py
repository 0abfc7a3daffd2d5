"""The cost of CORSCrossOriginProtection per request, in instructions
(callgrind, apache2 -X, deterministic), reusing bench.py's machinery:

    MOD_CORS_SO=.libs/mod_cors.so /usr/bin/python3 bench/protect_cost.py [requests]

Two instances with the same CORS policy (bench.py's CORS_SMALL), one with
``CORSCrossOriginProtection On``; the same requests against both. The
difference in instructions per request is what the check costs: a GET (not
checked) and unsafe requests allowed by each rule, and a refused one.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402

OWN = None      # the own origin depends on the port: rule 3 is measured with no Origin

b.INSTANCES["protect-off"] = (b.CORS_SMALL, True, "", None)
b.INSTANCES["protect-on"] = (b.CORS_SMALL + "    CORSCrossOriginProtection On\n", True, "",
                             None)


def post(origin=None, site=None):
    h = [("Origin", origin)] if origin else []
    if site:
        h.append(("Sec-Fetch-Site", site))
    return ("POST", h)


ROWS = [
    # id suffix, label, (method, headers), status with protection On
    ("get", "GET allowed origin (not checked)", b.get(b.ORIGIN_OK), 200),
    ("same", "POST Sec-Fetch-Site same-origin (rule 1)", post(b.ORIGIN_OK, "same-origin"), 200),
    ("trusted", "POST cross-site, trusted Origin (rule 2)", post(b.ORIGIN_OK, "cross-site"), 200),
    ("noorigin", "POST no Origin, no Sec-Fetch-Site (rule 3)", post(), 200),
    ("refused", "POST cross-site, untrusted Origin (403)", post(b.ORIGIN_BAD, "cross-site"), 403),
]
cids = {"protect-off": [], "protect-on": []}
for suffix, label, req, status in ROWS:
    for inst in cids:
        cid = "%s-%s" % (inst, suffix)
        st = 200 if inst == "protect-off" else status
        b.CELLS[cid] = (cid, inst, "%-12s %s" % (inst[8:], label), b.P, req, st, None)
        cids[inst].append(cid)
b.CALLGRIND[:] = [(inst, c) for inst, c in cids.items()
                  if not os.environ.get("ONLY") or inst == os.environ["ONLY"]]
b.ENTRY_POINTS = b.re.compile(b.ENTRY_POINTS.pattern.replace("^(", "^(cors_protect_check|"))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    so = os.path.abspath(os.environ.get("MOD_CORS_SO", ".libs/mod_cors.so"))
    b.init_httpd()
    top = tempfile.mkdtemp(prefix="cors-protect-bench-")
    os.chmod(top, 0o755)
    results = {"callgrind": {}}
    try:
        b.callgrind_run(top, so, n, results)
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(top, ignore_errors=True)
        else:
            b.log("kept " + top)
    cg = results["callgrind"]
    b.log("\n== CORSCrossOriginProtection On minus Off (instructions per request) ==")
    b.log("%-48s %10s %10s %8s %12s" % ("request", "Off", "On", "On-Off", "in the check"))
    for suffix, label, _, _ in ROWS:
        off, on = cg["protect-off-" + suffix], cg["protect-on-" + suffix]
        check = sum(ir for ir, fn in on["entry"] if fn == "cors_protect_check")
        b.log("%-48s %10.0f %10.0f %+8.0f %12.0f" % (label, off["total_per_req"],
                                                   on["total_per_req"],
                                                   on["total_per_req"] - off["total_per_req"],
                                                   check))
    return 0


if __name__ == "__main__":
    sys.exit(main())
