"""CORSCrossOriginProtection against a real httpd (issue 13).

Every rule of the decision, ReportOnly, Off in a child section, .htaccess,
the refused answer (403, no Access-Control-* whoever set it, CORS_RESULT
blocked, one cors:info line), and the order of the check: before
authentication, before a proxy and before a CGI, which writes a marker
file for every request it answers so that a test can tell it never ran.
"""

import os
import re

import pytest

from harness import ACX, Httpd, assert_response, cors_result, tagged

APP = "https://app.example.com"
EVIL = "https://evil.example"

# The logging CGI: one marker file per request tag, so a refused request
# can be shown never to have reached it.
CGI = r"""#!/bin/sh
tag=$(printf '%s' "$QUERY_STRING" | sed -n 's/.*tag=\([0-9-]*\).*/\1/p')
[ -n "$tag" ] && : > "$RAN_DIR/$tag"
cat > /dev/null
printf 'Content-Type: text/plain\r\n'
printf 'Access-Control-Allow-Origin: https://evil.example\r\n\r\n'
echo "ran $REQUEST_METHOD"
"""

CONF = r"""
LoadModule proxy_module @MODDIR@/mod_proxy.so
LoadModule proxy_http_module @MODDIR@/mod_proxy_http.so
SetEnv RAN_DIR "@ROOT@/ran"
ScriptAliasMatch "^/p/(?:[^/]+/)*([^/]+\.cgi)$" "@DOCROOT@/cgi-bin/$1"
<Directory "@DOCROOT@/cgi-bin">
    Options +ExecCGI
</Directory>
<Directory "@DOCROOT@/ht">
    Options +ExecCGI
    SetHandler cgi-script
</Directory>
<Location "/p/on">
    CORSCrossOriginProtection On
</Location>
<Location "/p/list">
    CORSCrossOriginProtection On
    CORSAllowOrigin https://app.example.com https://*.example.org
</Location>
<Location "/p/null">
    CORSCrossOriginProtection on
    CORSAllowOrigin null
</Location>
<Location "/p/star">
    CORSCrossOriginProtection On
    CORSAllowOrigin *
</Location>
<Location "/p/report">
    CORSCrossOriginProtection ReportOnly
    CORSAllowOrigin https://app.example.com
</Location>
<Location "/p/tree">
    CORSCrossOriginProtection On
    CORSAllowOrigin https://app.example.com
</Location>
<Location "/p/tree/webhook">
    CORSCrossOriginProtection Off
</Location>
<Location "/p/acx">
    CORSCrossOriginProtection On
    CORSAllowOrigin https://app.example.com
    Header always set Access-Control-Allow-Origin "https://evil.example"
    Header always set Access-Control-Allow-Credentials "true"
    Header always set X-Marker "kept"
</Location>
<Location "/p/errdoc">
    CORSCrossOriginProtection On
    CORSAllowOrigin https://app.example.com
    ErrorDocument 403 /errors/403.html
</Location>
<Location "/p/auth">
    CORSCrossOriginProtection On
    AuthType Basic
    AuthName "protected"
    AuthBasicProvider file
    AuthUserFile "@ROOT@/htpasswd"
    Require valid-user
</Location>
<Location "/p/proxy/">
    CORSCrossOriginProtection On
    ProxyPass "http://@LISTEN@/p/backend/"
</Location>
<Location "/p/denied">
    CORSCrossOriginProtection On
    Require all denied
</Location>
"""

DOCS = {
    "cgi-bin/run.cgi": CGI,
    "errors/403.html": "custom forbidden page\n",
    "ht/run.cgi": CGI,
    "ht/.htaccess": "CORSCrossOriginProtection On\nCORSAllowOrigin https://app.example.com\n",
    "ht/off/run.cgi": CGI,
    "ht/off/.htaccess": "CORSCrossOriginProtection Off\n",
    "ht/bad/run.cgi": CGI,
    "ht/bad/.htaccess": "CORSCrossOriginProtection Sometimes\n",
    "ht/rw/.htaccess": "RewriteEngine On\nRewriteRule ^go$ /p/on/run.cgi [L]\n",
    "ht/rw/run.cgi": CGI,
}


def make_server(mpm=None, name="protect"):
    modules = ["cgi" if (mpm or os.environ.get("CORS_TEST_MPM")) == "prefork" else "cgid",
               "auth_basic", "authn_file", "authn_core", "authz_user"]
    h = Httpd(CONF.replace("@MODDIR@", _moddir()), docs=DOCS, modules=modules,
              mpm=mpm, allow_override="FileInfo", loglevel="warn cors:info",
              name=name)
    ran = os.path.join(h.root, "ran")
    os.makedirs(ran)
    os.chmod(ran, 0o777)
    import subprocess
    subprocess.run(["htpasswd", "-bc", os.path.join(h.root, "htpasswd"), "u", "p"],
                   check=True, capture_output=True)
    os.chmod(os.path.join(h.root, "htpasswd"), 0o644)
    return h


def _moddir():
    from harness import modules_dir
    return modules_dir()


@pytest.fixture(scope="module")
def server():
    h = make_server()
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


def ran(h, path):
    """Whether the CGI answered the request sent to the tagged ``path``."""
    tag = path.split("tag=")[1]
    return os.path.exists(os.path.join(h.root, "ran", tag))


def own(h):
    return "http://127.0.0.1:%d" % h.port


def send(h, method, path, origin=None, site=None, extra=(), body=None):
    headers = []
    if origin is not None:
        headers.append(("Origin", origin))
    if site is not None:
        headers.append(("Sec-Fetch-Site", site))
    headers.extend(extra)
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = "x=1"
    return h.request(method, path, headers=headers, body=body)


def assert_refused(h, r, path, rule_re=None, origin=None, site=None):
    assert_response(r, 403, absent=[ACX])
    assert not ran(h, path), "the CGI ran for a refused request"
    assert cors_result(h, path) == "blocked"
    if rule_re:
        line = refusal_line(h, path)
        assert re.search(rule_re, line), line
        if origin is not None:
            assert "Origin '%s'" % origin in line, line
        if site is not None:
            assert "Sec-Fetch-Site '%s'" % site in line, line


def assert_allowed(h, r, path):
    assert r.status == 200, r
    assert ran(h, path), "the CGI did not run for an allowed request"
    assert cors_result(h, path) != "blocked"


def refusal_line(h, path, timeout=3):
    import time
    uri = path.split("?")[0]
    deadline = time.time() + timeout
    while True:
        lines = [l for l in h.error_log().splitlines()
                 if "CORSCrossOriginProtection" in l and " %s:" % uri in l]
        if lines:
            return lines[-1]
        if time.time() > deadline:
            return ""
        time.sleep(0.05)


# (name, method, location, origin, Sec-Fetch-Site, extra headers, allowed)
ROWS = [
    # not checked: safe methods, whatever the headers
    ("get-cross-site", "GET", "on", EVIL, "cross-site", (), True),
    ("head-cross-site", "HEAD", "on", EVIL, "cross-site", (), True),
    ("options-cross-site", "OPTIONS", "on", EVIL, "cross-site", (), True),
    # rule 1
    ("post-same-origin", "POST", "on", EVIL, "same-origin", (), True),
    ("post-none", "POST", "on", None, "none", (), True),
    ("delete-same-origin", "DELETE", "on", None, "same-origin", (), True),
    ("post-cross-site", "POST", "on", EVIL, "cross-site", (), False),
    ("post-same-site", "POST", "on", "https://www.example.com", "same-site", (), False),
    ("put-cross-site", "PUT", "on", EVIL, "cross-site", (), False),
    ("delete-cross-site", "DELETE", "on", EVIL, "cross-site", (), False),
    ("patch-cross-site-no-origin", "PATCH", "on", None, "cross-site", (), False),
    ("site-odd-case", "POST", "on", None, "Same-Origin", (), False),
    ("site-empty", "POST", "on", None, "", (), False),
    ("site-several", "POST", "on", None, "same-origin, cross-site", (), False),
    ("site-two-lines", "POST", "on", None, None,
     (("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Site", "cross-site")), False),
    # rule 2
    ("trusted-exact", "POST", "list", APP, "cross-site", (), True),
    ("trusted-wildcard", "POST", "list", "https://a.example.org", "same-site", (), True),
    ("trusted-old-browser", "POST", "list", APP, None, (), True),
    ("untrusted-with-list", "POST", "list", EVIL, "cross-site", (), False),
    ("trusted-twice", "POST", "list", None, "cross-site",
     (("Origin", APP), ("Origin", APP)), False),
    ("trusted-upper-case", "POST", "list", "https://APP.example.com", "cross-site", (), False),
    ("star-never-trusts", "POST", "star", EVIL, "cross-site", (), False),
    ("star-never-trusts-old", "POST", "star", EVIL, None, (), False),
    ("null-listed", "POST", "null", "null", "cross-site", (), True),
    ("null-not-listed", "POST", "list", "null", "cross-site", (), False),
    ("null-not-listed-old", "POST", "on", "null", None, (), False),
    ("null-under-star", "POST", "star", "null", None, (), False),
    # rule 3
    ("non-browser", "POST", "on", None, None, (), True),
    ("non-browser-delete", "DELETE", "list", None, None, (), True),
    ("own-origin-old-browser", "POST", "on", "@OWN@", None, (), True),
    ("own-host-other-port", "POST", "on", "http://127.0.0.1:1", None, (), False),
    ("own-host-https", "POST", "on", "@OWNS@", None, (), False),
    ("foreign-old-browser", "POST", "on", EVIL, None, (), False),
    ("malformed-origin", "POST", "on", "https://evil.example/", None, (), False),
    ("empty-origin", "POST", "on", "", None, (), False),
    ("hostile-origin", "POST", "on", "https://evil.example'\"<x>", None, (), False),
    ("non-ascii-origin", "POST", "on", b"https://\xc3\xa9vil.example", None, (), False),
    # WebSocket handshakes are checked on GET
    ("ws-cross-site", "GET", "on", EVIL, "cross-site",
     (("Upgrade", "websocket"), ("Connection", "Upgrade")), False),
    ("ws-odd-case", "GET", "on", EVIL, None,
     (("Upgrade", "WebSocket"), ("Connection", "Upgrade")), False),
    ("ws-same-origin", "GET", "on", "@OWN@", "same-origin",
     (("Upgrade", "websocket"), ("Connection", "Upgrade")), True),
    ("ws-trusted", "GET", "list", APP, "cross-site",
     (("Upgrade", "websocket"), ("Connection", "Upgrade")), True),
    ("ws-non-browser", "GET", "on", None, None,
     (("Upgrade", "websocket"), ("Connection", "Upgrade")), True),
    ("upgrade-h2c-not-checked", "GET", "on", EVIL, "cross-site",
     (("Upgrade", "foo"), ("Connection", "Upgrade")), True),
    # Off in a child section
    ("tree-refused", "POST", "tree", EVIL, "cross-site", (), False),
    ("tree-trusted", "POST", "tree", APP, "cross-site", (), True),
    ("webhook-off", "POST", "tree/webhook", EVIL, "cross-site", (), True),
    ("no-directive", "POST", "plain", EVIL, "cross-site", (), True),
]


def _origin(h, o):
    if o == "@OWN@":
        return own(h)
    if o == "@OWNS@":
        return "https://127.0.0.1:%d" % h.port
    return o


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_rule(server, row):
    name, method, loc, origin, site, extra, allowed = row
    path = tagged("/p/%s/run.cgi" % loc)
    extra = tuple((k, _origin(server, v)) for k, v in extra)
    r = send(server, method, path, _origin(server, origin), site, extra)
    if allowed:
        assert r.status == 200, r
        if method != "OPTIONS":
            assert ran(server, path), "the CGI did not run"
        assert cors_result(server, path) != "blocked"
    else:
        assert_refused(server, r, path, rule_re=r"CORSCrossOriginProtection refused %s " % method)


def test_refusal_log_line_names_rule_and_values(server):
    path = tagged("/p/on/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_refused(server, r, path, rule_re=r"Sec-Fetch-Site is not same-origin or none",
                   origin=EVIL, site="cross-site")
    assert "[cors:info]" in refusal_line(server, path)
    path = tagged("/p/on/run.cgi")
    r = send(server, "POST", path, EVIL)
    assert_refused(server, r, path, rule_re=r"neither the request's own nor trusted",
                   origin=EVIL)
    assert "Sec-Fetch-Site (none)" in refusal_line(server, path)


def test_refusal_log_line_escapes_hostile_values(server):
    path = tagged("/p/on/run.cgi")
    r = send(server, "POST", path, b'https://x\xff".example', b"cross\\site\xfe")
    assert r.status == 403
    line = refusal_line(server, path)
    assert "\xff" not in line and "\xfe" not in line, line
    # escaped by cors_log_value, then once more by the error log
    assert "Origin 'https://x\\\\xff\\\\\".example'" in line, line
    assert "Sec-Fetch-Site 'cross\\\\\\\\site\\\\xfe'" in line, line


def test_hostile_long_origin_is_truncated_in_log(server):
    path = tagged("/p/on/run.cgi")
    r = send(server, "POST", path, "https://" + "a" * 3000 + ".example", "cross-site")
    assert_refused(server, r, path)
    line = refusal_line(server, path)
    assert "a" * 3000 not in line and "..." in line


def test_no_acx_on_refusal_even_with_policy_and_header_always(server):
    path = tagged("/p/acx/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_refused(server, r, path)
    assert r.get("X-Marker") == "kept"          # mod_headers did run


def test_header_always_still_replaced_when_allowed(server):
    path = tagged("/p/acx/run.cgi")
    r = send(server, "POST", path, APP, "cross-site")
    assert_allowed(server, r, path)
    assert r.get_all("Access-Control-Allow-Origin") == [APP]


def test_error_document_is_served_and_not_checked_again(server):
    path = tagged("/p/errdoc/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_response(r, 403, absent=[ACX])
    assert b"custom forbidden page" in r.body
    assert not ran(server, path)
    # the access log shows the error page's URI (without the query) and its
    # environment: CORS_RESULT is set there too
    assert cors_result(server, "/p/errdoc/run.cgi") == "blocked"


def test_checked_before_authentication(server):
    path = tagged("/p/auth/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_refused(server, r, path)
    assert not r.has("WWW-Authenticate")
    # an allowed request still needs its credentials
    path = tagged("/p/auth/run.cgi")
    r = send(server, "POST", path, None, "same-origin")
    assert r.status == 401
    path = tagged("/p/auth/run.cgi")
    r = send(server, "POST", path, None, "same-origin",
             (("Authorization", "Basic dTpw"),))
    assert_allowed(server, r, path)


def test_checked_before_access_control(server):
    path = tagged("/p/denied/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_refused(server, r, path)


def test_checked_before_proxy(server):
    path = tagged("/p/proxy/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_refused(server, r, path)
    path = tagged("/p/proxy/run.cgi")
    r = send(server, "POST", path, None, "same-origin")
    assert_allowed(server, r, path)


def test_report_only_refuses_nothing(server):
    path = tagged("/p/report/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_allowed(server, r, path)
    line = refusal_line(server, path)
    assert "would refuse (ReportOnly)" in line and "Origin '%s'" % EVIL in line, line
    # a trusted origin: nothing logged, CORS answers as usual
    path = tagged("/p/report/run.cgi")
    r = send(server, "POST", path, APP, "cross-site")
    assert_allowed(server, r, path)
    assert r.get_all("Access-Control-Allow-Origin") == [APP]


def test_report_only_sets_cors_report(httpd_factory):
    h = httpd_factory(r"""
LogFormat "%m \"%U%q\" %>s report=%{CORS_REPORT}e" rep
CustomLog "@ROOT@/logs/report_log" rep
<Location "/">
    CORSCrossOriginProtection ReportOnly
    CORSAllowOrigin https://app.example.com
</Location>
""", docs={"x.txt": "x"}, loglevel="warn cors:info")
    h.start()
    p1, p2, p3 = tagged("/x.txt"), tagged("/x.txt"), tagged("/x.txt")
    send(h, "PUT", p1, EVIL, "cross-site")
    send(h, "PUT", p2, APP, "cross-site")
    send(h, "GET", p3, EVIL, "cross-site")
    import time
    time.sleep(0.3)
    with open(os.path.join(h.root, "logs", "report_log")) as f:
        log = f.read()
    assert 'PUT "%s" 405 report=differs' % p1 in log or \
        re.search(r'PUT "%s" \d+ report=differs' % re.escape(p1), log), log
    assert re.search(r'PUT "%s" \d+ report=-' % re.escape(p2), log), log
    assert re.search(r'GET "%s" \d+ report=-' % re.escape(p3), log), log


def test_htaccess(server):
    path = tagged("/ht/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_refused(server, r, path)
    path = tagged("/ht/run.cgi")
    r = send(server, "POST", path, APP, "cross-site")
    assert_allowed(server, r, path)
    path = tagged("/ht/off/run.cgi")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert_allowed(server, r, path)


def test_htaccess_bad_value_is_a_500_naming_the_directive(server):
    server.expect_error(r"CORSCrossOriginProtection: 'Sometimes' is not On, Off or ReportOnly")
    path = tagged("/ht/bad/run.cgi")
    r = send(server, "POST", path, None, None)
    assert r.status == 500
    assert not ran(server, path)


def test_internal_redirect_checked_at_its_target(server):
    # /ht/rw/ has no protection; its RewriteRule hands the request to a
    # protected location, whose setting decides.
    path = tagged("/ht/rw/go")
    r = send(server, "POST", path, EVIL, "cross-site")
    assert r.status == 403
    assert not r.acx()
    assert not ran(server, path)
    path = tagged("/ht/rw/go")
    r = send(server, "POST", path, None, "same-origin")
    assert r.status == 200 and ran(server, path)


def test_configtest_bad_value(httpd_factory):
    for bad in ("Maybe", "1", "Report-Only"):
        h = httpd_factory('<Location "/">\n    CORSCrossOriginProtection %s\n</Location>\n' % bad)
        rc, out = h.configtest()
        assert rc != 0
        assert "CORSCrossOriginProtection: '%s' is not On, Off or ReportOnly" % bad in out, out


def test_configtest_needs_one_value(httpd_factory):
    h = httpd_factory("CORSCrossOriginProtection On Off\n")
    rc, out = h.configtest()
    assert rc != 0 and "CORSCrossOriginProtection" in out, out


def test_server_name_https_counts_as_own_origin(httpd_factory):
    # A TLS-terminating proxy in front: httpd speaks http, ServerName says
    # https, and the browser's Origin is the https one.
    h = httpd_factory(r"""
ServerName https://app.test
UseCanonicalName On
<Location "/">
    CORSCrossOriginProtection On
</Location>
""", docs={"x.txt": "x"}, loglevel="warn cors:info")
    h.start()
    for origin, status in (("https://app.test", 200), ("http://app.test", 403),
                           ("http://127.0.0.1:%d" % h.port, 403),
                           ("https://app.test:443", 403)):
        r = h.request("POST", tagged("/x.txt"), headers=[("Origin", origin)], body="x")
        assert r.status == status, (origin, r)


def test_without_server_name_scheme_the_http_origin_is_own(httpd_factory):
    h = httpd_factory(r"""
<Location "/">
    CORSCrossOriginProtection On
</Location>
""", docs={"x.txt": "x"}, loglevel="warn cors:info")
    h.start()
    r = h.request("POST", "/x.txt", headers=[("Origin", "http://127.0.0.1:%d" % h.port)],
                  body="x")
    assert r.status == 200                 # the default handler serves POST
    r = h.request("POST", "/x.txt", headers=[("Origin", "http://localhost:%d" % h.port),
                                               ("Host", "localhost:%d" % h.port)], body="x")
    assert r.status == 200                 # own origin follows the Host
    r = h.request("POST", "/x.txt", headers=[("Origin", "https://127.0.0.1:%d" % h.port)],
                  body="x")
    assert r.status == 403


# ---- a core subset under every MPM -------------------------------------

@pytest.fixture(scope="module", params=["event", "worker", "prefork"])
def mpm_server(request):
    h = make_server(mpm=request.param, name="protect-%s" % request.param)
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


CORE = [r for r in ROWS if r[0] in (
    "post-cross-site", "post-same-origin", "trusted-exact", "non-browser",
    "own-origin-old-browser", "foreign-old-browser", "ws-cross-site", "ws-trusted",
    "webhook-off", "star-never-trusts")]


@pytest.mark.parametrize("row", CORE, ids=[r[0] for r in CORE])
def test_core_under_mpm(mpm_server, row):
    test_rule(mpm_server, row)


# ---- conf-examples/csrf-protection.conf ------------------------------------

@pytest.fixture(scope="module")
def example_server():
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "conf-examples", "csrf-protection.conf")) as f:
        body = f.read()
    for old, new in (("<VirtualHost *:80>", "<VirtualHost @LISTEN@>"),
                     ('"/var/www/app"', '"@DOCROOT@/app"')):
        assert old in body
        body = body.replace(old, new)
    h = Httpd(body, docs={"app/transfer": "done\n", "app/api/orders": "orders\n",
                          "app/oidc/callback": "logged in\n", "app/beta/x": "beta\n"},
              name="protect-example")
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


PARTNER = "https://partner.example.net"
SITE = "https://app.example.com"

EXAMPLE_ROWS = [
    # path, origin, Sec-Fetch-Site, status, ACAO
    ("/transfer", EVIL, "cross-site", 403, None),
    ("/transfer", EVIL, None, 403, None),
    ("/transfer", SITE, None, 200, None),          # own origin: ServerName https://
    ("/transfer", "http://app.example.com", None, 403, None),
    ("/transfer", None, "same-origin", 200, None),
    ("/transfer", None, None, 200, None),          # not a browser
    ("/transfer", PARTNER, "cross-site", 403, None),
    ("/api/orders", PARTNER, "cross-site", 200, PARTNER),
    ("/api/orders", EVIL, "cross-site", 403, None),
    ("/api/orders", "null", "cross-site", 403, None),
    ("/oidc/callback", "https://idp.example.org", "cross-site", 200, None),
    ("/beta/x", EVIL, "cross-site", 200, None),
]


@pytest.mark.parametrize("row", EXAMPLE_ROWS, ids=["%s-%s-%s" % r[:3] for r in EXAMPLE_ROWS])
def test_csrf_protection_example(example_server, row):
    path, origin, site, status, acao = row
    p = tagged(path)
    r = send(example_server, "POST", p, origin, site)
    assert r.status == status, r
    assert r.get_all("Access-Control-Allow-Origin") == ([acao] if acao else []), r
    if status == 403:
        assert not r.acx()
        assert cors_result(example_server, p) == "blocked"


def test_csrf_protection_example_logs_report_only(example_server):
    p = tagged("/beta/x")
    r = send(example_server, "POST", p, EVIL, "cross-site")
    assert r.status == 200
    line = refusal_line(example_server, p)
    assert "would refuse (ReportOnly)" in line, line


# ---- HTTP/2: repeated header lines are joined too ----------------------------

@pytest.mark.parametrize("headers,status", [
    ([("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Site", "cross-site")], 403),
    ([("Sec-Fetch-Site", "cross-site"), ("Origin", APP), ("Origin", APP)], 403),
    ([("Sec-Fetch-Site", "cross-site"), ("Origin", APP)], 200),
    ([("Sec-Fetch-Site", "same-origin")], 200),
    ([("Sec-Fetch-Site", "cross-site"), ("Origin", EVIL)], 403),
])
def test_http2_repeated_lines(httpd_factory, headers, status):
    import shutil
    import subprocess
    curl = shutil.which("curl")
    assert curl, "curl is needed"
    h = httpd_factory(r"""
Protocols h2c http/1.1
<Location "/">
    CORSCrossOriginProtection On
    CORSAllowOrigin https://app.example.com
</Location>
""", docs={"x.txt": "x"}, modules=["http2"], allowed_errors=[r"AH01630"],
                      mpm="event")        # mod_http2 does not run under prefork
    h.start()
    argv = [curl, "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
            "--http2-prior-knowledge", "-X", "POST"]
    for k, v in headers:
        argv += ["-H", "%s: %s" % (k, v)]
    p = subprocess.run(argv + [h.url("/x.txt")], capture_output=True, text=True, timeout=30)
    assert p.stdout == "2 %d" % status, (p.stdout, p.stderr, h.error_log()[-2000:])
