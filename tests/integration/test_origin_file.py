"""CORSAllowOriginFile and CORSAllowOriginFileCheck against a real httpd:
text and DBM origin files, reloading without a restart (a tenant added is
granted within the interval, one removed is refused), all-or-nothing
reloads (an invalid version or a deleted file keeps the last good list,
with one error per change), +/- merging of a file as one entry by its
text, byte rules identical to CORSAllowOrigin, the log lines naming the
file and line, and configtest errors naming the directive and file:line.
"""

import os
import re
import shutil
import subprocess
import time

import pytest

from harness import ACX, Httpd, assert_response

A = "https://a.example"
B = "https://b.example"
T = "https://tenant.example"


def write_atomic(path, text):
    """The documented recipe: a temporary file, then rename()."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def granted(h, path, origin):
    r = h.get(path, {"Origin": origin})
    assert r.status == 200, r
    return r.get("Access-Control-Allow-Origin") == origin


def wait_granted(h, path, origin, want, timeout=6):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if granted(h, path, origin) == want:
            return True
        time.sleep(0.2)
    return False


def settle():
    """Each process checks the file at most once per interval (1 s in
    these tests) and only when it serves a request: once one interval has
    passed since a change, every process's next request sees it. Without
    this wait, a second child of worker or prefork can still answer from
    the list before the change."""
    time.sleep(1.3)


def readable(tmp_path):
    """httpd's children (User www-data when the tests run as root) stat
    and reread the file: pytest's tmp directories are private."""
    d = str(tmp_path)
    while d not in ("/", "/tmp"):
        os.chmod(d, os.stat(d).st_mode | 0o755)
        d = os.path.dirname(d)


def poke_until_log(h, origin, pattern, since, timeout=6, path="/"):
    """The change check runs on the request path: send requests that
    consult the file until `pattern` is logged."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        h.get(path, {"Origin": origin})
        line = h.wait_error_log(pattern, since=since, timeout=0.2)
        if line:
            return line
    return None


def start(tmp_path, body, files, name, **kw):
    readable(tmp_path)
    for rel, text in files.items():
        with open(os.path.join(str(tmp_path), rel), "w") as f:
            f.write(text)
    h = Httpd(body.replace("@TMP@", str(tmp_path)), name=name,
              docs={"index.html": "x", "d/index.html": "x",
                    "e/index.html": "x"}, **kw)
    h.start()
    return h


# -- grants and byte rules ---------------------------------------------------

BYTE_ROWS = [A, "https://x.sub.example", "http://localhost:8080",
             "https://A.example", "https://a.example/", "https://a.example:443",
             "https://a.example.", " https://a.example", "https://a.example ",
             "https://a.example\t", "null", "*", "https://sub.example",
             "https://a.example:8443", "http://a.example", "https://b.example",
             "https://a.example, https://b.example", "https://x.sub.example:1"]


@pytest.fixture(scope="module")
def bytes_httpd(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bytes")
    body = """
<Location "/file">
    CORSAllowOriginFile @TMP@/list.txt
</Location>
<Location "/direct">
    CORSAllowOrigin https://a.example https://*.sub.example http://localhost:*
</Location>
"""
    h = start(tmp, body, {"list.txt": "# tenants\nhttps://a.example\n\n"
                          "https://*.sub.example\nhttp://localhost:*\n"},
              "origin-file-bytes")
    h.add_docs({"file/x": "x", "direct/x": "x"})
    yield h
    h.cleanup()


@pytest.mark.parametrize("origin", BYTE_ROWS)
def test_file_answers_like_allow_origin(bytes_httpd, origin):
    for method in ("GET", "OPTIONS"):
        extra = {"Access-Control-Request-Method": "GET"} if method == "OPTIONS" else {}
        hdrs = dict({"Origin": origin}, **extra)
        rf = bytes_httpd.request(method, "/file/x", hdrs)
        rd = bytes_httpd.request(method, "/direct/x", hdrs)
        assert rf.status == rd.status, (rf, rd)
        assert rf.acx() == rd.acx(), (origin, rf, rd)
        assert rf.tokens("Vary") == rd.tokens("Vary"), (rf, rd)


def test_granted_and_refused(bytes_httpd):
    r = bytes_httpd.get("/file/x", {"Origin": A})
    assert_response(r, 200, {"Access-Control-Allow-Origin": A}, vary_origin=True)
    r = bytes_httpd.get("/file/x", {"Origin": B})
    assert_response(r, 200, absent=[ACX], vary_origin=True)


# -- reloading --------------------------------------------------------------

RELOAD_BODY = """
CORSAllowOriginFileCheck 1
CORSAllowOriginFile @TMP@/tenants.txt
"""


def test_tenant_added_then_removed_without_restart(tmp_path):
    h = start(tmp_path, RELOAD_BODY, {"tenants.txt": A + "\n"},
              "origin-file-reload", loglevel="warn cors:info")
    try:
        pid_before = open(os.path.join(h.root, "httpd.pid")).read()
        assert granted(h, "/", A)
        assert not granted(h, "/", T)
        write_atomic(str(tmp_path / "tenants.txt"), A + "\n" + T + "\n")
        assert wait_granted(h, "/", T, True), "new tenant not granted"
        assert h.wait_error_log(r"reloaded '.*tenants\.txt' \(2 entries\)")
        write_atomic(str(tmp_path / "tenants.txt"), T + "\n")
        assert wait_granted(h, "/", A, False), "removed tenant still granted"
        assert granted(h, "/", T)
        assert open(os.path.join(h.root, "httpd.pid")).read() == pid_before
        h.assert_error_log_clean()
    finally:
        h.cleanup()


def test_invalid_version_keeps_last_good_list_one_error(tmp_path):
    h = start(tmp_path, RELOAD_BODY, {"tenants.txt": A + "\n"},
              "origin-file-invalid")
    try:
        path = str(tmp_path / "tenants.txt")
        h.expect_error(r"new version of '.*tenants\.txt' refused")
        mark = h.log_mark()
        write_atomic(path, T + "\nHTTPS://Bad.example\n")
        line = poke_until_log(h, T, r"refused: .*tenants\.txt:2: "
                              r"'HTTPS://Bad\.example' is not a canonical "
                              r"origin", mark)
        assert line, h.error_log()
        assert "last good list stays in effect" in line
        # Several intervals later: still the old list, still one error.
        for _ in range(12):
            assert granted(h, "/", A)
            assert not granted(h, "/", T)
            time.sleep(0.25)
        errors = [l for l in h.error_log_lines(mark) if "refused:" in l]
        # One per change and process: the harness runs at most two
        # children, and one child serves these sequential requests.
        assert 1 <= len(errors) <= 2, errors
        # A valid version afterwards is taken.
        write_atomic(path, T + "\n")
        assert wait_granted(h, "/", T, True)
        settle()
        assert not granted(h, "/", A)
    finally:
        h.cleanup()


def test_deleted_file_keeps_last_good_list(tmp_path):
    h = start(tmp_path, RELOAD_BODY, {"tenants.txt": A + "\n"},
              "origin-file-deleted")
    try:
        h.expect_error(r"cannot read '.*tenants\.txt'")
        mark = h.log_mark()
        os.unlink(str(tmp_path / "tenants.txt"))
        assert poke_until_log(h, T, r"cannot read '.*tenants\.txt'; the last "
                              r"good list stays in effect", mark)
        for _ in range(10):
            assert granted(h, "/", A)
            time.sleep(0.25)
        errors = [l for l in h.error_log_lines(mark) if "cannot read" in l]
        # One per process that noticed (at most the two children).
        assert 1 <= len(errors) <= 2, errors
        write_atomic(str(tmp_path / "tenants.txt"), T + "\n")
        assert wait_granted(h, "/", T, True)
    finally:
        h.cleanup()


def test_check_zero_never_reloads(tmp_path):
    body = """
CORSAllowOriginFileCheck 0
CORSAllowOriginFile @TMP@/tenants.txt
"""
    h = start(tmp_path, body, {"tenants.txt": A + "\n"}, "origin-file-never")
    try:
        write_atomic(str(tmp_path / "tenants.txt"), T + "\n")
        time.sleep(1.5)
        for _ in range(5):
            assert granted(h, "/", A)
            assert not granted(h, "/", T)
        h.graceful()
        assert wait_granted(h, "/", T, True)
        assert not granted(h, "/", A)
    finally:
        h.cleanup()


def test_check_per_section_shortest_wins(tmp_path):
    # The server says never; the Location that names the file says 1 s.
    body = """
CORSAllowOriginFileCheck 0
<Location "/d">
    CORSAllowOriginFileCheck 1
    CORSAllowOriginFile @TMP@/tenants.txt
</Location>
"""
    h = start(tmp_path, body, {"tenants.txt": A + "\n"}, "origin-file-section")
    try:
        write_atomic(str(tmp_path / "tenants.txt"), T + "\n")
        assert wait_granted(h, "/d/", T, True)
    finally:
        h.cleanup()


# -- DBM ---------------------------------------------------------------------

def dbm_types():
    out = subprocess.run(["httxt2dbm"], capture_output=True, text=True)
    text = out.stdout + out.stderr
    return [m.group(1).lower() for m in
            re.finditer(r"^\s+(\w+)\s+for .* \(available\)", text, re.M)]


def httxt2dbm(dbm_type, origins, out):
    src = out + ".src"
    with open(src, "w") as f:
        for o in origins:
            f.write("%s 1\n" % o)
    cmd = ["httxt2dbm", "-i", src, "-o", out]
    if dbm_type != "default":
        cmd[1:1] = ["-f", dbm_type.upper()]
    subprocess.run(cmd, check=True, capture_output=True)


def dbm_rename(dbm_type, new, path):
    """httxt2dbm into a new file, then rename (each file of an sdbm)."""
    if dbm_type == "sdbm":
        for ext in (".dir", ".pag"):
            os.rename(new + ext, path + ext)
    else:
        os.rename(new, path)


DBM_TYPES = dbm_types()


def test_debian_dbm_drivers_found():
    # Debian's apr-util: sdbm built in, gdbm and db as drivers.
    assert {"sdbm", "gdbm", "db"} <= set(DBM_TYPES), DBM_TYPES


@pytest.mark.parametrize("dbm_type", ["sdbm", "gdbm", "db", "default"])
def test_dbm_grants_and_reloads(tmp_path, dbm_type):
    path = str(tmp_path / "origins")
    httxt2dbm(dbm_type, [A, "https://x.example", "HTTPS://Upper.example"], path)
    prefix = "dbm:" if dbm_type == "default" else "dbm=%s:" % dbm_type
    body = """
CORSAllowOriginFileCheck 1
CORSAllowOriginFile %s%s
""" % (prefix, path)
    h = start(tmp_path, body, {}, "origin-file-dbm-" + dbm_type)
    try:
        assert_response(h.get("/", {"Origin": A}), 200,
                        {"Access-Control-Allow-Origin": A}, vary_origin=True)
        assert not granted(h, "/", T)
        # Only canonical origins are looked up.
        assert not granted(h, "/", "HTTPS://a.example")
        assert not granted(h, "/", A + "/")
        # A DBM's keys are never checked: a non-canonical one never grants.
        assert not granted(h, "/", "HTTPS://Upper.example")
        time.sleep(1.1)
        httxt2dbm(dbm_type, [T], path + ".new")
        dbm_rename(dbm_type, path + ".new", path)
        assert wait_granted(h, "/", T, True)
        settle()
        assert not granted(h, "/", A)
        h.assert_error_log_clean()
    finally:
        h.cleanup()


def test_dbm_absent_driver_fails_configtest(tmp_path):
    absent = "ndbm"
    assert absent not in DBM_TYPES
    h = Httpd("CORSAllowOriginFile dbm=%s:%s/x" % (absent, tmp_path),
              name="origin-file-dbm-absent")
    try:
        rc, out = h.configtest()
    finally:
        h.cleanup()
    assert rc != 0
    assert "CORSAllowOriginFile" in out and "ndbm" in out
    assert re.search(r"driver 'ndbm' is not installed", out), out


# -- merging -----------------------------------------------------------------

MERGE_BODY = """
CORSAllowOriginFile @TMP@/a.txt
<VirtualHost *:@PORT@>
    ServerName add.test
    CORSAllowOriginFile +@TMP@/b.txt
    <Location "/d">
        CORSAllowOriginFile -@TMP@/a.txt
    </Location>
    <Location "/e">
        CORSAllowOrigin -https://a.example
    </Location>
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName replace.test
    CORSAllowOriginFile @TMP@/b.txt
    CORSAllowOrigin +https://c.example
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName mixed.test
    CORSAllowOrigin https://c.example
    <Location "/d">
        CORSAllowOriginFile +txt:@TMP@/a.txt
    </Location>
    <Location "/e">
        CORSAllowOrigin none
    </Location>
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName plain.test
</VirtualHost>
"""

C = "https://c.example"
MERGE_ROWS = [
    ("plain.test", "/", {A}),
    ("add.test", "/", {A, B}),
    ("add.test", "/d/", {B}),
    # An origin removed by text does not reach into a file: the file is
    # one entry.
    ("add.test", "/e/", {A, B}),
    ("replace.test", "/", {B, C}),
    ("mixed.test", "/", {C}),
    ("mixed.test", "/d/", {A, C}),
    ("mixed.test", "/e/", set()),
]


@pytest.fixture(scope="module")
def merge_httpd(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("merge")
    h = start(tmp, MERGE_BODY, {"a.txt": A + "\n", "b.txt": B + "\n"},
              "origin-file-merge")
    yield h
    h.cleanup()


@pytest.mark.parametrize("host,path,want", MERGE_ROWS)
def test_merge(merge_httpd, host, path, want):
    for o in (A, B, C):
        r = merge_httpd.get(path, {"Origin": o, "Host": host})
        got = r.get("Access-Control-Allow-Origin") == o
        assert got == (o in want), (host, path, o, r)


# -- logging -----------------------------------------------------------------

def test_log_names_file_and_line(tmp_path):
    """At cors:debug (the issue's level), a grant from a file names the file
    and line; a grant by a listed origin stays trace1 detail."""
    body = """
LogLevel warn cors:debug
CORSAllowOrigin https://listed.example
CORSAllowOriginFile +@TMP@/tenants.txt
CORSAllowOriginFile +@TMP@/more.txt
"""
    h = start(tmp_path, body, {"tenants.txt": "# x\n\n" + A + "\n",
                               "more.txt": "https://*.sub.example\n"},
              "origin-file-log")
    try:
        mark = h.log_mark()
        h.get("/", {"Origin": A})
        line = h.wait_error_log(r"CORS allowed for origin 'https://a\.example': "
                                r"matched https://a\.example \(CORSAllowOriginFile "
                                r".*tenants\.txt:3\)", since=mark)
        assert line, h.error_log()[mark:]
        h.get("/", {"Origin": "https://x.sub.example"})
        assert h.wait_error_log(r"matched https://\*\.sub\.example "
                                r"\(CORSAllowOriginFile .*more\.txt:1\)", since=mark)
        h.get("/", {"Origin": B})
        line = h.wait_error_log(r"CORS request refused for origin 'https://b\.example'"
                                r": origin not allowed .*; origin files consulted: "
                                r".*tenants\.txt, .*more\.txt", since=mark)
        assert line, h.error_log()[mark:]
        h.get("/", {"Origin": "https://listed.example"})
        assert not h.wait_error_log(r"origin 'https://listed\.example'", since=mark,
                                    timeout=0.5)
    finally:
        h.cleanup()


# -- configtest --------------------------------------------------------------

def configtest(tmp_path, body, files=None, **kw):
    for rel, text in (files or {}).items():
        with open(os.path.join(str(tmp_path), rel), "w") as f:
            f.write(text)
    h = Httpd(body.replace("@TMP@", str(tmp_path)), name="origin-file-ct", **kw)
    try:
        return h.configtest()
    finally:
        h.cleanup()


BAD_FILES = [
    ("bad-canonical", "https://a.example\nHTTPS://B.example\n", r"bad\.txt:2: 'HTTPS://B\.example' is not a canonical origin.*write 'https://b\.example' instead"),
    ("star", "# c\n*\n", r"bad\.txt:2: '\*' is not allowed in an origin file"),
    ("null", "null\n", r"bad\.txt:1: 'null' is not allowed in an origin file"),
    ("regex", "^https://.*\\.example$\n", r"bad\.txt:1: .*regular expression"),
    ("public-suffix", "\n\n\nhttps://*.com\n", r"bad\.txt:4: .*public suffix"),
    ("path", "https://a.example/app\n", r"bad\.txt:1: .*write 'https://a\.example' instead"),
]


@pytest.mark.parametrize("name,text,rx", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_configtest_bad_line(tmp_path, name, text, rx):
    rc, out = configtest(tmp_path, "CORSAllowOriginFile @TMP@/bad.txt",
                         {"bad.txt": text})
    assert rc != 0, out
    assert "CORSAllowOriginFile" in out, out
    assert re.search(rx, out), out


def test_configtest_missing_file(tmp_path):
    rc, out = configtest(tmp_path, "CORSAllowOriginFile @TMP@/nope.txt")
    assert rc != 0
    assert re.search(r"CORSAllowOriginFile: cannot open '.*nope\.txt': No such file", out), out


def test_configtest_good_forms(tmp_path):
    path = str(tmp_path / "o")
    httxt2dbm("gdbm", [A], path)
    rc, out = configtest(tmp_path, """
CORSAllowOriginFileCheck 30
CORSAllowOriginFile @TMP@/ok.txt txt:@TMP@/ok.txt dbm=gdbm:%s
<Directory "@DOCROOT@">
    CORSAllowOriginFileCheck 0
    CORSAllowOriginFile +@TMP@/ok.txt
</Directory>
""" % path, {"ok.txt": "\n# only comments\n"})
    assert rc == 0, out


@pytest.mark.parametrize("value,rx", [
    ("dbm=:/x", r"names no DBM type"),
    ("dbm=foo:/x", r"'foo' is not a DBM type APR-util knows"),
    ("txt:", r"names no file"),
])
def test_configtest_bad_values(tmp_path, value, rx):
    rc, out = configtest(tmp_path, "CORSAllowOriginFile " + value)
    assert rc != 0 and "CORSAllowOriginFile" in out and re.search(rx, out), out


@pytest.mark.parametrize("value", ["-1", "abc", "05", "86401", "1.5", ""])
def test_configtest_bad_check(tmp_path, value):
    rc, out = configtest(tmp_path, "CORSAllowOriginFileCheck %s" % value)
    assert rc != 0
    assert "CORSAllowOriginFileCheck" in out, out


def test_credentials_with_file_is_fine(tmp_path):
    rc, out = configtest(tmp_path, "CORSAllowCredentials On\n"
                         "CORSAllowOriginFile @TMP@/ok.txt",
                         {"ok.txt": A + "\n"})
    assert rc == 0, out


def test_htaccess_refused(tmp_path):
    with open(str(tmp_path / "ok.txt"), "w") as f:
        f.write(A + "\n")
    h = Httpd("", name="origin-file-htaccess", allow_override="All",
              docs={"h/.htaccess": "CORSAllowOriginFile %s/ok.txt\n" % tmp_path,
                    "h/index.html": "x"})
    try:
        h.expect_error(r"CORSAllowOriginFile not allowed here")
        h.start()
        r = h.get("/h/", {"Origin": A})
        assert r.status == 500, r
        assert h.wait_error_log(r"CORSAllowOriginFile not allowed here")
    finally:
        h.cleanup()


# -- conf-examples/multi-tenant-file.conf ------------------------------------

def test_multi_tenant_file_example(tmp_path):
    from test_conf_examples import example
    readable(tmp_path)
    tenants = str(tmp_path / "tenants.txt")
    domains = str(tmp_path / "custom-domains")
    with open(tenants, "w") as f:
        f.write("# tenant 17, added 2026-11-30\nhttps://app.acme.example\n"
                "https://*.eu.acme.example\n")
    httxt2dbm("gdbm", ["https://shop.custom.example"], domains)
    body = example("multi-tenant-file.conf", [
        ("CORSAllowOriginFileCheck 5", "CORSAllowOriginFileCheck 1"),
        ("/etc/apache2/cors/tenants.txt", tenants),
        ("/var/lib/apache2/cors/custom-domains", domains)])
    h = Httpd(body, name="example-multi-tenant-file",
              docs={"api/orders.json": "[]", "api/billing/x.json": "{}"})
    try:
        h.start()
        console = "https://console.platform.example"
        for o in ("https://app.acme.example", "https://x.eu.acme.example",
                  "https://shop.custom.example", console):
            r = h.get("/api/orders.json", {"Origin": o})
            assert_response(r, 200, {"Access-Control-Allow-Origin": o,
                                     "Access-Control-Allow-Credentials": "true"},
                            vary_origin=True)
            r = h.get("/api/billing/x.json", {"Origin": o})
            assert (r.get("Access-Control-Allow-Origin") == o) == (o == console), r
        assert not granted(h, "/api/orders.json", "https://eu.acme.example")
        # The documented update: a new tenant, written and renamed.
        shutil.copy(tenants, tenants + ".new")
        with open(tenants + ".new", "a") as f:
            f.write("https://app.new.example\n")
        os.rename(tenants + ".new", tenants)
        assert wait_granted(h, "/api/orders.json", "https://app.new.example", True)
        # A bad line: refused whole, the last good list stays.
        h.expect_error(r"new version of .* refused")
        mark = h.log_mark()
        write_atomic(tenants, "HTTPS://Acme.example\n")
        assert poke_until_log(h, "https://zzz.example", r"tenants\.txt:1: "
                              r"'HTTPS://Acme\.example' is not a canonical", mark,
                              path="/api/orders.json")
        # Every process keeps its own last good list: under worker or
        # prefork a child that served no request between the two changes
        # never saw the new tenant. The first tenant is in every good list.
        settle()
        for _ in range(6):
            assert granted(h, "/api/orders.json", "https://app.acme.example")
            assert not granted(h, "/api/orders.json", "https://acme.example")
    finally:
        h.cleanup()
