# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""CORSReportOnly On: mod_cors decides, logs what it would do differently
and sets CORS_REPORT, but changes nothing in the response.

Every difference class against a real recipe (Header/SetEnvIf/RewriteRule),
a CGI script and a proxied backend that set their own CORS headers; the
agreeing cases; the response byte for byte the same as with the same
configuration without mod_cors's directives; preflights neither answered
nor exempted from authentication; .htaccess; merging; the three MPMs.
"""

import os
import re
import subprocess
import time

import pytest

from harness import Httpd, tagged

APP = "https://app.example.com"
PARTNER = "https://partner.example.net"
WWW = "https://www.example.com"
EVIL_SUB = "https://evil.example.com"
OTHER = "https://other.example.org"
USER, PASSWORD = "alice", "secret"

REPORT_LOG = r"""
LogFormat "%U%<q %>s report=%{CORS_REPORT}e result=%{CORS_RESULT}e" report
CustomLog "@ROOT@/logs/report_log" report
"""

# The recipe an admin has, with its usual mistakes: any subdomain is
# reflected with cookies, every OPTIONS gets 200, DELETE and X-Secret are
# granted to everyone it reflects.
RECIPE = r"""
        SetEnvIf Origin "^(https://.*\.example\.com)$" CORS_ORIGIN=$1
        Header always set Access-Control-Allow-Origin "%{CORS_ORIGIN}e" env=CORS_ORIGIN
        Header always set Access-Control-Allow-Credentials "true" env=CORS_ORIGIN
        Header always set Access-Control-Allow-Methods "GET, POST, PUT, DELETE" env=CORS_ORIGIN
        Header always set Access-Control-Allow-Headers "Content-Type, X-Secret" env=CORS_ORIGIN
        Header always merge Vary "Origin"
        RewriteEngine On
        RewriteCond "%{REQUEST_METHOD}" "OPTIONS"
        RewriteRule ".*" "-" [R=200,L]
"""
RECIPE_NO_VARY = RECIPE.replace('        Header always merge Vary "Origin"\n', "")

POLICY = r"""
        CORSReportOnly On
        CORSAllowOrigin https://app.example.com https://partner.example.net
        CORSAllowCredentials On
        CORSAllowMethods GET POST PUT
        CORSAllowHeaders Content-Type
"""

CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n'
if [ -n "$HTTP_ORIGIN" ]; then
    printf 'Access-Control-Allow-Origin: %s\\r\\n' "$HTTP_ORIGIN"
    printf 'Access-Control-Allow-Credentials: true\\r\\n'
fi
printf 'Vary: Origin\\r\\n\\r\\n'
echo from-cgi
"""

BACKEND_CONF = r"""
<Location "/">
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Allow-Credentials "true"
</Location>
"""

BODY = REPORT_LOG + r"""
<Directory "@DOCROOT@/cgi-bin">
    Options +ExecCGI
    AddHandler cgi-script .cgi
</Directory>
ProxyPass "/px/" "http://127.0.0.1:@BPORT@/"

<Location "/api/">
""" + RECIPE + POLICY + r"""
</Location>
<Location "/novary/">
""" + RECIPE_NO_VARY + POLICY + r"""
</Location>
<Location "/nocreds/">
""" + RECIPE + r"""
        CORSReportOnly On
        CORSAllowOrigin https://app.example.com
</Location>
<Location "/star/">
        Header always set Access-Control-Allow-Origin "*"
        Header always set Access-Control-Allow-Credentials "true"
        Header always merge Vary "Origin"
        CORSReportOnly On
        CORSAllowOrigin https://app.example.com
</Location>
<Location "/private/">
""" + RECIPE + POLICY + r"""
        AuthType Basic
        AuthName "private"
        AuthUserFile "@ROOT@/htpasswd"
        # an error page: the report speaks for the request that failed
        ErrorDocument 401 /errors/401.html
        <RequireAny>
            Require cors-preflight
            Require valid-user
        </RequireAny>
</Location>
<Location "/cgi-bin/">
""" + POLICY + r"""
</Location>
<Location "/px/">
        CORSReportOnly On
        CORSAllowOrigin https://app.example.com
        CORSAllowCredentials On
</Location>
"""

DOCS = {
    "api/a.json": "{}\n",
    "novary/a.json": "{}\n",
    "nocreds/a.json": "{}\n",
    "star/a.json": "{}\n",
    "private/a.json": "{}\n",
    "cgi-bin/own.cgi": CGI,
    "errors/401.html": "login first\n",
}
BACKEND_DOCS = {"a.json": '{"backend": true}\n'}
MODULES = ["proxy", "proxy_http", "cgid", "auth_basic", "authn_file", "authn_core",
           "authz_user"]


def without_cors_lines(body):
    """The same configuration without any mod_cors directive."""
    return "\n".join(l for l in body.splitlines() if not l.strip().startswith("CORS"))


def make_server(request, body, name, backend, **kw):
    h = Httpd(body.replace("@BPORT@", str(backend.port)), name=name, **kw)
    request.addfinalizer(h.cleanup)
    subprocess.run(["htpasswd", "-bc", os.path.join(h.root, "htpasswd"), USER, PASSWORD],
                   check=True, capture_output=True)
    os.chmod(os.path.join(h.root, "htpasswd"), 0o644)
    h.start()
    return h


@pytest.fixture(scope="module")
def backend(request):
    h = Httpd(BACKEND_CONF, docs=BACKEND_DOCS, load_cors=False, name="report-backend")
    request.addfinalizer(h.cleanup)
    h.start()
    return h


@pytest.fixture(scope="module")
def server(request, backend):
    return make_server(request, BODY, "report-only", backend, docs=DOCS, modules=MODULES,
                       loglevel="warn cors:info")


@pytest.fixture(scope="module")
def plain(request, backend):
    """The same configuration without mod_cors's directives."""
    return make_server(request, without_cors_lines(BODY), "report-plain", backend,
                       docs=DOCS, modules=MODULES)


def report_of(h, path, timeout=3):
    """(CORS_REPORT, CORS_RESULT) logged for the request to ``path``."""
    deadline = time.time() + timeout
    log = os.path.join(h.root, "logs", "report_log")
    while True:
        try:
            with open(log) as f:
                for line in reversed(f.read().splitlines()):
                    m = re.match(r"^(\S+) (\d+) report=(\S*) result=(\S*)$", line)
                    if m and m.group(1) == path:
                        return m.group(3), m.group(4)
        except FileNotFoundError:
            pass
        if time.time() > deadline:
            return None
        time.sleep(0.05)


def report_lines(h, path, since):
    """The 'CORS report:' lines logged since ``since`` for ``path``'s URI
    (requests here are sequential: the lines since the mark are this
    request's; the URI, without the query tag, is in each line)."""
    uri = path.split("?")[0]
    h.wait_error_log(r"CORS report: ", since=since, timeout=0.5)
    return [l for l in h.error_log_lines(since)
            if "CORS report: " in l and (" %s'" % uri) in l]


def send(h, method, path, headers):
    mark = h.log_mark()
    r = h.request(method, path, headers)
    return r, report_lines(h, path, mark)


def preflight_headers(origin, method, req_headers=None):
    h = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if req_headers:
        h.append(("Access-Control-Request-Headers", req_headers))
    return h


# -------------------------------------------------------------------------
# Every difference class: (name, method, path, headers, expected tag,
# words the line contains, CORS_RESULT)

CLASS_ROWS = [
    ("reflects-unmatched with credentials (recipe)", "GET", "/api/a.json",
     [("Origin", EVIL_SUB)], "reflects-unmatched (with credentials)",
     ["origin not allowed", "'%s'" % EVIL_SUB, "mod_cors: refuse"], "denied"),
    ("reflects-unmatched (CGI)", "GET", "/cgi-bin/own.cgi",
     [("Origin", WWW)], "reflects-unmatched (with credentials)",
     ["origin not allowed", "'%s'" % WWW], "denied"),
    ("grants-refused (recipe)", "GET", "/api/a.json", [("Origin", PARTNER)],
     "grants-refused (with credentials)",
     ["the response has no Access-Control-Allow-Origin",
      "mod_cors: grant '%s' with credentials" % PARTNER,
      "Access-Control-Allow-Origin none"], "allowed"),
    ("refuses-granted: credentials mod_cors would not grant", "GET",
     "/nocreds/a.json", [("Origin", APP)], "refuses-granted (with credentials)",
     ["CORSAllowCredentials is not On", "mod_cors: grant '%s'" % APP,
      "Access-Control-Allow-Credentials 'true'"], "allowed"),
    ("refuses-granted: '*' for an unlisted origin", "GET", "/star/a.json",
     [("Origin", OTHER)], "refuses-granted (without credentials)",
     ["origin not allowed", "Access-Control-Allow-Origin '*'"], "denied"),
    ("any-with-credentials (Header always set)", "GET", "/star/a.json",
     [("Origin", APP)], "any-with-credentials",
     ["the response grants '*' together with credentials"], "allowed"),
    ("any-with-credentials (proxied backend)", "GET", "/px/a.json",
     [("Origin", APP)], "any-with-credentials", ["'*'"], "allowed"),
    ("grants-refused: backend answers '*' to a credentialed grant", "GET",
     "/px/a.json", [("Origin", APP)], "grants-refused (with credentials)",
     ["the response answers '*'"], "allowed"),
    ("vary-missing: per-origin grant", "GET", "/novary/a.json", [("Origin", APP)],
     "vary-missing", ["Access-Control-Allow-Origin is per origin"], "allowed"),
    ("vary-missing: request without Origin", "GET", "/novary/a.json", [],
     "vary-missing", ["mod_cors would send Vary: Origin", "origin none"], "none"),
    ("preflight-refuses-granted: method", "OPTIONS", "/api/a.json",
     preflight_headers(APP, "DELETE"), "preflight-refuses-granted (with credentials)",
     ["method not allowed 'DELETE'", "response: 200"], "denied"),
    ("preflight-refuses-granted: header", "OPTIONS", "/api/a.json",
     preflight_headers(APP, "PUT", "content-type, x-secret"),
     "preflight-refuses-granted (with credentials)", ["header not allowed 'x-secret'"],
     "denied"),
    ("preflight-refuses-granted: origin", "OPTIONS", "/api/a.json",
     preflight_headers(WWW, "PUT"), "preflight-refuses-granted (with credentials)",
     ["origin not allowed '%s'" % WWW], "denied"),
    ("preflight-grants-refused: 401 behind auth", "OPTIONS", "/private/a.json",
     preflight_headers(APP, "PUT", "content-type"),
     "preflight-grants-refused (with credentials)",
     ["the response's status is not 2xx", "response: 401",
      "mod_cors: grant '%s' with credentials" % APP], "preflight"),
    ("preflight-grants-refused: origin the recipe does not know", "OPTIONS",
     "/api/a.json", preflight_headers(PARTNER, "PUT"),
     "preflight-grants-refused (with credentials)",
     ["the response has no Access-Control-Allow-Origin"], "preflight"),
]


@pytest.mark.parametrize("row", CLASS_ROWS, ids=[r[0] for r in CLASS_ROWS])
def test_difference_class(server, row):
    _, method, path, headers, tag, words, result = row
    path = tagged(path)
    r, lines = send(server, method, path, headers)
    assert r.status < 500, r
    line = next((l for l in lines if "CORS report: " + tag + ":" in l), None)
    assert line, "no %r line for %s %s; got %r" % (tag, method, path, lines)
    assert "[cors:info]" in line, line
    for w in words:
        assert w in line, "%r lacks %r" % (line, w)
    assert report_of(server, path) == ("differs", result)


AGREE_ROWS = [
    ("both grant with credentials", "GET", "/api/a.json", [("Origin", APP)], "allowed"),
    ("no Origin, Vary present", "GET", "/api/a.json", [], "none"),
    ("neither grants (no CORS header, mod_cors refuses)", "GET", "/api/a.json",
     [("Origin", OTHER)], "denied"),
    ("preflight both grant", "OPTIONS", "/api/a.json",
     preflight_headers(APP, "PUT", "content-type"), "preflight"),
    ("preflight 200 without CORS headers, mod_cors refuses", "OPTIONS", "/api/a.json",
     preflight_headers(OTHER, "PUT"), "denied"),
    ("CGI reflects a listed origin", "GET", "/cgi-bin/own.cgi", [("Origin", APP)],
     "allowed"),
]


@pytest.mark.parametrize("row", AGREE_ROWS, ids=[r[0] for r in AGREE_ROWS])
def test_agree(server, row):
    _, method, path, headers, result = row
    path = tagged(path)
    r, lines = send(server, method, path, headers)
    assert r.status < 500, r
    assert not lines, lines
    assert report_of(server, path) == ("agree", result)


# -------------------------------------------------------------------------
# The response is the recipe's, byte for byte.

# Per-server values, and the framing: cgid hands httpd the CGI's output in
# one piece or two, so Content-Length or chunked varies from run to run
# without mod_cors (the body itself is compared).
VOLATILE = {"date", "last-modified", "etag", "keep-alive", "connection",
            "content-length", "transfer-encoding"}

SAME_ROWS = [
    ("GET", "/api/a.json", [("Origin", APP)]),
    ("GET", "/api/a.json", [("Origin", EVIL_SUB)]),
    ("GET", "/api/a.json", [("Origin", PARTNER)]),
    ("GET", "/api/a.json", []),
    ("GET", "/novary/a.json", [("Origin", APP)]),
    ("GET", "/nocreds/a.json", [("Origin", APP)]),
    ("GET", "/star/a.json", [("Origin", OTHER)]),
    ("OPTIONS", "/api/a.json", preflight_headers(APP, "PUT", "content-type")),
    ("OPTIONS", "/api/a.json", preflight_headers(APP, "DELETE", "x-secret")),
    ("OPTIONS", "/api/a.json", preflight_headers(OTHER, "PUT")),
    ("OPTIONS", "/private/a.json", preflight_headers(APP, "PUT")),
    ("GET", "/private/a.json", [("Origin", APP)]),
    ("GET", "/cgi-bin/own.cgi", [("Origin", WWW)]),
    ("GET", "/cgi-bin/own.cgi", [("Origin", APP)]),
    ("GET", "/px/a.json", [("Origin", APP)]),
    ("OPTIONS", "/px/a.json", preflight_headers(APP, "PUT")),
    ("GET", "/api/missing.json", [("Origin", APP)]),
]


def comparable(r):
    return (r.status, [(k.lower(), v) for k, v in r.headers if k.lower() not in VOLATILE],
            r.body)


@pytest.mark.parametrize("method,path,headers", SAME_ROWS,
                         ids=["%s %s %s" % (m, p, dict(h).get("Origin", "-"))
                              for m, p, h in SAME_ROWS])
def test_response_is_unchanged(server, plain, method, path, headers):
    got = server.request(method, path, headers)
    want = plain.request(method, path, headers)
    assert comparable(got) == comparable(want), "report-only %r\nwithout mod_cors %r" % (
        got, want)


# -------------------------------------------------------------------------
# Authentication: nothing is exempted, Require cors-preflight grants nothing.

def test_preflight_behind_auth_stays_401(server):
    path = tagged("/private/a.json")
    r = server.request("OPTIONS", path, preflight_headers(APP, "PUT", "content-type"))
    assert r.status == 401, r
    assert r.has("WWW-Authenticate")
    assert r.body == b"login first\n"


def test_actual_request_behind_auth(server):
    """Granted by mod_cors, 401 from auth answered by a local ErrorDocument:
    the recipe's headers (set for /private/) are not on the error page, so
    the browser cannot read the 401; mod_cors would answer it (README 8)."""
    path = tagged("/private/a.json")
    mark = server.log_mark()
    r = server.get(path, headers={"Origin": APP})
    assert r.status == 401 and r.body == b"login first\n"
    assert not r.acx(), r
    lines = report_lines(server, path, mark)
    tags = sorted(re.search(r"CORS report: ([\w-]+)", l).group(1) for l in lines)
    assert tags == ["grants-refused", "vary-missing"], lines     # nor its Vary
    assert all("request 'GET /private/a.json'" in l for l in lines), lines
    assert report_of(server, path) == ("differs", "allowed")


def test_enforcing_same_location_answers_204(request, backend):
    """The contrast: the same location with CORSReportOnly Off."""
    body = BODY.replace("CORSReportOnly On", "CORSReportOnly Off")
    h = make_server(request, body, "report-enforcing", backend, docs=DOCS, modules=MODULES)
    r = h.request("OPTIONS", "/private/a.json", preflight_headers(APP, "PUT", "content-type"))
    assert r.status == 204, r
    assert r.get_all("Access-Control-Allow-Origin") == [APP]


# -------------------------------------------------------------------------
# Merging, .htaccess, configtest

MERGE_BODY = REPORT_LOG + r"""
<Location "/m/">
    CORSReportOnly On
    CORSAllowOrigin https://app.example.com
</Location>
<Location "/m/enforce/">
    CORSReportOnly Off
</Location>
<Location "/n/">
    CORSAllowOrigin https://app.example.com
</Location>
<Location "/n/report/">
    CORSReportOnly On
</Location>
<Location "/o/">
    CORSReportOnly On
</Location>
<Location "/o/policy/">
    CORSAllowOrigin https://app.example.com
</Location>
"""
MERGE_DOCS = {p: "x\n" for p in ["m/a.txt", "m/enforce/a.txt", "n/a.txt", "n/report/a.txt",
                                  "o/policy/a.txt", "ht/a.txt", "ht/sub/a.txt"]}
MERGE_DOCS["ht/.htaccess"] = (
    'Header always set Access-Control-Allow-Origin "*"\n'
    "CORSReportOnly On\n"
    "CORSAllowOrigin https://app.example.com\n"
    "CORSAllowCredentials On\n")
MERGE_DOCS["ht/sub/.htaccess"] = "CORSReportOnly Off\n"


@pytest.fixture(scope="module")
def merged(request):
    h = Httpd(MERGE_BODY, docs=MERGE_DOCS, allow_override="FileInfo",
              loglevel="warn cors:info", name="report-merge")
    request.addfinalizer(h.cleanup)
    h.start()
    return h


@pytest.mark.parametrize("path,report_only", [
    ("/m/a.txt", True), ("/m/enforce/a.txt", False),
    ("/n/a.txt", False), ("/n/report/a.txt", True),
    ("/o/policy/a.txt", True),
])
def test_merge(merged, path, report_only):
    path = tagged(path)
    r = merged.get(path, headers={"Origin": APP})
    assert r.status == 200
    if report_only:
        assert not r.acx() and "origin" not in r.tokens("Vary"), r
        assert report_of(merged, path) == ("differs", "allowed")
    else:
        assert r.get_all("Access-Control-Allow-Origin") == [APP], r
        rep = report_of(merged, path, timeout=0.5)
        assert rep is not None and rep[0] == "-", rep


def test_htaccess_report_only_keeps_the_recipe(merged):
    path = tagged("/ht/a.txt")
    mark = merged.log_mark()
    r = merged.get(path, headers={"Origin": APP})
    assert r.get_all("Access-Control-Allow-Origin") == ["*"], r
    assert not r.has("Access-Control-Allow-Credentials")
    assert report_of(merged, path) == ("differs", "allowed")
    lines = report_lines(merged, path, mark)
    assert any("grants-refused (with credentials)" in l for l in lines), lines


def test_htaccess_child_off_enforces(merged):
    r = merged.get("/ht/sub/a.txt", headers={"Origin": APP})
    assert r.get_all("Access-Control-Allow-Origin") == [APP], r
    assert r.get_all("Access-Control-Allow-Credentials") == ["true"]


def test_htaccess_needs_fileinfo(httpd_factory):
    h = httpd_factory("", docs={"x/a.txt": "x\n", "x/.htaccess": "CORSReportOnly On\n"},
                      allow_override="AuthConfig")
    h.start()
    h.expect_error(r"CORSReportOnly not allowed here")
    assert h.get("/x/a.txt").status == 500


def test_bad_value_fails_configtest(httpd_factory):
    rc, out = httpd_factory("<Location /a>\n    CORSReportOnly Maybe\n</Location>\n").configtest()
    assert rc != 0
    assert "CORSReportOnly" in out


def test_off_is_the_default(merged):
    """Without the directive mod_cors enforces (and sets no CORS_REPORT)."""
    path = tagged("/n/a.txt")
    r = merged.get(path, headers={"Origin": "https://evil.example"})
    assert not r.acx()
    assert report_of(merged, path) == ("-", "denied")


# -------------------------------------------------------------------------
# An earlier "differs" stays: a request header stands in for the other
# report-only feature that sets CORS_REPORT before the filter runs.

def test_earlier_differs_is_never_overwritten(httpd_factory):
    body = REPORT_LOG + r"""
SetEnvIf X-Earlier "1" CORS_REPORT=differs
<Location "/e/">
    Header always set Access-Control-Allow-Origin "https://app.example.com"
    Header always merge Vary "Origin"
    CORSReportOnly On
    CORSAllowOrigin https://app.example.com
</Location>
"""
    h = httpd_factory(body, docs={"e/a.txt": "x\n"}).start()
    p1, p2 = tagged("/e/a.txt"), tagged("/e/a.txt")
    h.get(p1, headers={"Origin": APP})
    h.get(p2, headers={"Origin": APP, "X-Earlier": "1"})
    assert report_of(h, p1) == ("agree", "allowed")
    assert report_of(h, p2) == ("differs", "allowed")


# -------------------------------------------------------------------------
# Hostile values are escaped in the report line.

def test_hostile_values_escaped(server):
    # httpd refuses control characters in a request (400); a quote, a
    # backslash and a byte above 0x7f reach the recipe, which reflects them
    origin = b'https://a"\\\xff.example.com'
    mark = server.log_mark()
    r = server.get(tagged("/api/a.json"), headers={"Origin": origin})
    assert r.status == 200
    lines = report_lines(server, "/api/a.json", mark)
    assert any("reflects-unmatched" in l for l in lines), lines
    for line in lines:
        assert "\ufffd" not in line, line      # no raw byte (read with errors=replace)
        # cors_log_value escapes, and httpd's error log escapes the
        # backslashes once more, as for every mod_cors line
        assert re.search(r'https://a\\+"\\+xff\.example\.com', line), line


# -------------------------------------------------------------------------
# The core subset under every MPM (CORS_TEST_MPM covers the whole file).

CORE_BODY = REPORT_LOG + "<Location \"/api/\">\n" + RECIPE + POLICY + "</Location>\n"


@pytest.mark.parametrize("mpm", ["event", "worker", "prefork"])
def test_core_under_mpm(request, mpm):
    h = Httpd(CORE_BODY, docs={"api/a.json": "{}\n"}, mpm=mpm, loglevel="warn cors:info",
              name="report-" + mpm)
    request.addfinalizer(h.cleanup)
    h.start()
    rows = [("GET", [("Origin", APP)], 200, "agree", "allowed"),
            ("GET", [("Origin", EVIL_SUB)], 200, "differs", "denied"),
            ("GET", [("Origin", PARTNER)], 200, "differs", "allowed"),
            ("OPTIONS", preflight_headers(APP, "DELETE"), 200, "differs", "denied"),
            ("OPTIONS", preflight_headers(APP, "PUT"), 200, "agree", "preflight")]
    for method, headers, status, rep, result in rows:
        path = tagged("/api/a.json")
        r = h.request(method, path, headers)
        assert r.status == status, (mpm, method, headers, r)
        assert report_of(h, path) == (rep, result), (mpm, method, headers)
    assert len(re.findall(r"CORS report: ", h.error_log())) == 3


# -------------------------------------------------------------------------
# conf-examples/migration-report-only.conf, as shipped (only the log path
# is moved into the server root).

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "conf-examples", "migration-report-only.conf")


def example_body():
    with open(EXAMPLE) as f:
        text = f.read()
    assert '"/var/log/apache2/cors-report.log"' in text
    return text.replace('"/var/log/apache2/cors-report.log"', '"@ROOT@/logs/cors-report.log"')


@pytest.fixture(scope="module")
def migration(request):
    h = Httpd(example_body(), docs={"api/a.json": "{}\n"}, name="report-example")
    request.addfinalizer(h.cleanup)
    h.start()
    return h


@pytest.fixture(scope="module")
def migration_recipe_only(request):
    h = Httpd(without_cors_lines(example_body()), docs={"api/a.json": "{}\n"},
              name="report-example-recipe")
    request.addfinalizer(h.cleanup)
    h.start()
    return h


def example_log(h, path, timeout=3):
    deadline = time.time() + timeout
    while True:
        try:
            with open(os.path.join(h.root, "logs", "cors-report.log")) as f:
                for line in f.read().splitlines():
                    if (" %s " % path) in line:
                        return line
        except FileNotFoundError:
            pass
        if time.time() > deadline:
            return None
        time.sleep(0.05)


EXAMPLE_ROWS = [
    ("GET", [("Origin", "https://app.example.com")], None, "agree", "allowed"),
    ("GET", [("Origin", "https://appxexample.com")],
     "reflects-unmatched (with credentials)", "differs", "denied"),
    ("OPTIONS", preflight_headers("https://www.example.com", "DELETE"),
     "preflight-refuses-granted (with credentials): the response grants the preflight, "
     "mod_cors would refuse it: method not allowed 'DELETE'", "differs", "denied"),
    ("OPTIONS", preflight_headers("https://www.example.com", "PUT", "content-type"),
     None, "agree", "preflight"),
    ("OPTIONS", preflight_headers("https://evil.example", "PUT"), None, "agree", "denied"),
]


@pytest.mark.parametrize("method,headers,line,report,result", EXAMPLE_ROWS)
def test_example_reports(migration, migration_recipe_only, method, headers, line, report,
                         result):
    path = tagged("/api/a.json")
    mark = migration.log_mark()
    got = migration.request(method, path, headers)
    want = migration_recipe_only.request(method, path, headers)
    assert comparable(got) == comparable(want), (got, want)
    lines = report_lines(migration, path, mark)
    if line:
        assert len(lines) == 1 and line in lines[0], lines
    else:
        assert not lines, lines
    logged = example_log(migration, path)
    assert logged and "report=%s cors=%s" % (report, result) in logged, logged
