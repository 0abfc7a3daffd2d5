"""This turn's features where they meet: report-only, the effective-policy
dump, the server-status counters, cross-origin protection and origin files.

Each feature has its own test file; this one holds the seams between them:
a difference that report-only finds is counted, DUMP_CORS names the line
of every new directive, and so on. A defect found where two features meet
becomes a row here.
"""

import re
import subprocess

import pytest

from harness import Httpd, http_request

ALLOWED = "https://app.example.com"
EVIL = "https://evil.example"

STATUS = r'''
<Location "/server-status">
    SetHandler server-status
</Location>
'''

# A recipe that reflects any origin, with mod_cors in report-only beside it
# in /report, and enforcing in /enforce.
REPORT = STATUS + r'''
<Directory "@DOCROOT@/report">
    SetEnvIf Origin "^(.+)$" RECIPE_ORIGIN=$1
    Header always set Access-Control-Allow-Origin "%{RECIPE_ORIGIN}e" env=RECIPE_ORIGIN
    Header always merge Vary Origin
    CORSAllowOrigin https://app.example.com
    CORSReportOnly On
</Directory>
<Directory "@DOCROOT@/enforce">
    CORSAllowOrigin https://app.example.com
</Directory>
'''

DOCS = {"report/x.txt": "x\n", "enforce/x.txt": "x\n"}


def get(h, path, headers=()):
    return http_request(h.host, h.port, "GET", path, list(headers))


def auto(h):
    r = get(h, "/server-status?auto")
    assert r.status == 200
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(CORS\w+): (\d+)$", r.body.decode(), re.M)}


@pytest.fixture(scope="module")
def report_server():
    h = Httpd(REPORT, docs=DOCS, modules=("status", "setenvif", "headers"),
              name="together-report")
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


def test_report_difference_is_counted_once_per_request(report_server):
    h = report_server
    before = auto(h)
    r = get(h, "/report/x.txt", [("Origin", EVIL)])
    # report-only changed nothing: the recipe's reflection went out
    assert r.get("Access-Control-Allow-Origin") == EVIL
    after = auto(h)
    assert after["CORSReportDifferences"] - before["CORSReportDifferences"] == 1
    # the decision itself is counted in its bucket, as when enforcing
    assert (after["CORSRefusedOriginNotAllowed"]
            - before["CORSRefusedOriginNotAllowed"]) == 1


def test_agreement_is_not_counted_as_a_difference(report_server):
    h = report_server
    before = auto(h)
    r = get(h, "/report/x.txt", [("Origin", ALLOWED)])
    assert r.get("Access-Control-Allow-Origin") == ALLOWED
    after = auto(h)
    assert after["CORSReportDifferences"] == before["CORSReportDifferences"]
    assert after["CORSGranted"] - before["CORSGranted"] == 1


def test_enforcing_sections_count_no_report_difference(report_server):
    h = report_server
    before = auto(h)
    get(h, "/enforce/x.txt", [("Origin", EVIL)])
    after = auto(h)
    assert after["CORSReportDifferences"] == before["CORSReportDifferences"]


def dump(h):
    h.write_conf()
    p = subprocess.run(h._cmd("-t", "-D", "DUMP_CORS"), capture_output=True,
                       text=True, errors="replace", env=h._env())
    assert p.returncode == 0, p.stderr
    return p.stdout


def line_of(h, needle):
    text = h.conf_text()
    at = text.index(h.subst(needle))
    return "%s:%d" % (h.conf_path, text.count("\n", 0, at) + 1)


def test_dump_names_the_report_only_line():
    h = Httpd(REPORT, docs=DOCS, modules=("status", "setenvif", "headers"),
              name="together-dump-report")
    try:
        out = dump(h)
        m = re.search(r"^\s*report-only: On\s+\((.*)\)$", out, re.M)
        assert m, out
        assert m.group(1) == line_of(h, "CORSReportOnly On")
    finally:
        h.cleanup()


# Cross-origin protection beside report-only, the counters and the dump.
PROTECT = STATUS + r'''
LogFormat "%U%q %>s report=%{CORS_REPORT}e result=%{CORS_RESULT}e" together
CustomLog "@ROOT@/logs/together_log" together
<Directory "@DOCROOT@/guarded">
    CORSAllowOrigin https://app.example.com
    CORSCrossOriginProtection On
    CORSReportOnly On
</Directory>
<Directory "@DOCROOT@/watched">
    CORSAllowOrigin https://app.example.com
    CORSCrossOriginProtection ReportOnly
    CORSReportOnly On
    # what mod_cors would add: the CORS report then agrees on a refusal
    Header always merge Vary Origin
</Directory>
'''

PROTECT_DOCS = {"guarded/x.txt": "x\n", "watched/x.txt": "x\n"}


@pytest.fixture(scope="module")
def protect_server():
    h = Httpd(PROTECT, docs=PROTECT_DOCS, modules=("status", "headers"),
              name="together-protect")
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


def logged(h, path, timeout=3):
    """(CORS_REPORT, CORS_RESULT) of the request for `path`."""
    import os
    import time
    log = os.path.join(h.root, "logs", "together_log")
    deadline = time.time() + timeout
    while True:
        if os.path.exists(log):
            for line in reversed(open(log).read().splitlines()):
                m = re.match(r"^(\S+) \d+ report=(\S+) result=(\S+)$", line)
                if m and m.group(1) == path:
                    return m.group(2), m.group(3)
        if time.time() > deadline:
            return None
        time.sleep(0.05)


def post(h, path, headers):
    return http_request(h.host, h.port, "POST", path, list(headers), body="a=1")


def test_report_only_cors_does_not_soften_the_protection(protect_server):
    """CORSReportOnly governs the CORS answer only: the protection, On in
    the same section, still refuses."""
    h = protect_server
    before = auto(h)
    r = post(h, "/guarded/x.txt?n=1", [("Origin", EVIL),
                                       ("Sec-Fetch-Site", "cross-site")])
    assert r.status == 403
    assert not r.acx()
    assert logged(h, "/guarded/x.txt?n=1")[1] == "blocked"
    after = auto(h)
    assert after["CORSProtectionBlocked"] - before["CORSProtectionBlocked"] == 1
    # a blocked request is not a CORS decision: no bucket moves
    assert after["CORSRequests"] == before["CORSRequests"]


def test_protection_report_only_differs_survives_an_agreeing_cors_report(protect_server):
    """The protection's ReportOnly sets CORS_REPORT=differs first; the CORS
    report that agrees later never turns it back into agree."""
    h = protect_server
    before = auto(h)
    r = post(h, "/watched/x.txt?n=2", [("Origin", EVIL),
                                       ("Sec-Fetch-Site", "cross-site")])
    assert r.status != 403
    assert not r.acx()          # report-only: nothing added
    assert logged(h, "/watched/x.txt?n=2") == ("differs", "denied")
    after = auto(h)
    assert (after["CORSProtectionReportOnly"]
            - before["CORSProtectionReportOnly"]) == 1
    # the CORS comparison itself agreed (both refuse)
    assert after["CORSReportDifferences"] == before["CORSReportDifferences"]


def test_agreeing_request_under_both_report_modes_logs_agree(protect_server):
    h = protect_server
    r = post(h, "/watched/x.txt?n=3", [("Origin", ALLOWED),
                                       ("Sec-Fetch-Site", "same-site")])
    assert r.status != 403
    # trusted origin: the protection allows it; mod_cors would grant, the
    # response (no recipe) does not: the CORS report differs
    assert logged(h, "/watched/x.txt?n=3") == ("differs", "allowed")


def test_dump_names_the_protection_line():
    h = Httpd(PROTECT, docs=PROTECT_DOCS, modules=("status", "headers"),
              name="together-dump-protect")
    try:
        out = dump(h)
        found = re.findall(r"^\s*cross-origin protection: (\S+)\s+\((.*)\)$", out, re.M)
        assert ("On", line_of(h, "CORSCrossOriginProtection On")) in found, out
        assert ("ReportOnly", line_of(h, "CORSCrossOriginProtection ReportOnly")) in found, out
    finally:
        h.cleanup()


# Origin files beside the protection, the counters, report-only and the dump.
FILES = STATUS + r'''
LogFormat "%U%q %>s report=%{CORS_REPORT}e result=%{CORS_RESULT}e" together
CustomLog "@ROOT@/logs/together_log" together
CORSAllowOriginFileCheck 1
<Directory "@DOCROOT@/tenants">
    CORSAllowOriginFile "@ROOT@/tenants.txt"
    CORSCrossOriginProtection On
</Directory>
<Directory "@DOCROOT@/tenants/report">
    CORSReportOnly On
</Directory>
'''

FILES_DOCS = {"tenants/x.txt": "x\n", "tenants/report/x.txt": "x\n"}
TENANT = "https://tenant.example"
LATE = "https://late-tenant.example"


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    import os
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


@pytest.fixture(scope="module")
def files_server():
    import os
    h = Httpd(FILES, docs=FILES_DOCS, modules=("status",), name="together-files")
    try:
        write_atomic(os.path.join(h.root, "tenants.txt"), "# tenants\n%s\n" % TENANT)
        h.start()
        yield h
    finally:
        h.cleanup()


def test_an_origin_from_a_file_is_trusted_by_the_protection(files_server):
    h = files_server
    r = post(h, "/tenants/x.txt?f=1", [("Origin", TENANT), ("Sec-Fetch-Site", "cross-site")])
    assert r.status == 200, r
    assert r.get("Access-Control-Allow-Origin") == TENANT
    r = post(h, "/tenants/x.txt?f=2", [("Origin", EVIL), ("Sec-Fetch-Site", "cross-site")])
    assert r.status == 403
    assert not r.acx()


def test_a_tenant_added_to_the_file_becomes_trusted_without_a_restart(files_server):
    import os
    import time
    h = files_server
    r = post(h, "/tenants/x.txt?f=3", [("Origin", LATE), ("Sec-Fetch-Site", "cross-site")])
    assert r.status == 403
    write_atomic(os.path.join(h.root, "tenants.txt"), "%s\n%s\n" % (TENANT, LATE))
    deadline = time.time() + 8
    while time.time() < deadline:
        r = post(h, "/tenants/x.txt?f=4", [("Origin", LATE), ("Sec-Fetch-Site", "cross-site")])
        if r.status == 200:
            break
        time.sleep(0.3)
    assert r.status == 200, r
    assert r.get("Access-Control-Allow-Origin") == LATE


def test_a_file_grant_is_counted_as_granted(files_server):
    h = files_server
    before = auto(h)
    r = get(h, "/tenants/x.txt", [("Origin", TENANT)])
    assert r.get("Access-Control-Allow-Origin") == TENANT
    after = auto(h)
    assert after["CORSGranted"] - before["CORSGranted"] == 1


def test_report_only_compares_against_the_file_list(files_server):
    """Under report-only, an origin from the file is one mod_cors would
    grant: the plain response (no recipe) differs."""
    h = files_server
    r = get(h, "/tenants/report/x.txt?f=5", [("Origin", TENANT)])
    assert r.status == 200
    assert not r.acx()
    assert logged(h, "/tenants/report/x.txt?f=5") == ("differs", "allowed")


def test_dump_shows_the_file_entry_and_the_check_interval():
    import os
    h = Httpd(FILES, docs=FILES_DOCS, modules=("status",), name="together-dump-files")
    try:
        write_atomic(os.path.join(h.root, "tenants.txt"), "%s\n" % TENANT)
        out = dump(h)
        assert re.search(r"^\s+%s\s+origin file\s+\(%s\)$" % (
            re.escape(h.subst('"@ROOT@/tenants.txt"').strip('"')),
            re.escape(line_of(h, "CORSAllowOriginFile \""))), out, re.M), out
        assert re.search(r"^\s*origin file check: 1 s\s+\(%s\)$" % re.escape(
            line_of(h, "CORSAllowOriginFileCheck 1")), out, re.M), out
    finally:
        h.cleanup()
