# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Regression tests for the seams of issue 10: defects that sit where two
features meet (passthrough and the authz provider, CORSPreflightAuth and
ErrorDocument, regex verbs and anchoring, '-' across the two origin
directives, two sections and configtest, Header always set and the
self-answered preflight, Keep and the public policy, forward proxying,
preflight Vary, any-origin entries with credentials, requests httpd could
not read, and a loaded but unconfigured module).

Each block below names its defect. Every row sends the listed shape and a
few neighbouring ones; the positive controls on the same servers show that
a refusal is a refusal and not a broken server.

A recording CGI (``run.cgi``) appends ``URI=<request uri> ... END`` to
``<root>/cgi-runs/log`` each time it runs, so a test can tell whether a
handler ran for a given request, whatever the response looks like.
"""

import base64
import os
import re
import socket
import subprocess
import time
import http.client

import pytest

from harness import ACX, REPO, Httpd, assert_response, cors_result, tagged

APP = "https://app.example.com"
EVIL = "https://evil.example.com"
USER, PASSWORD = "alice", "s3cret"
AUTH_MODULES = ["auth_basic", "authn_core", "authn_file", "authz_user", "authz_host"]
PREFLIGHT_VARY = ("origin", "access-control-request-method",
                  "access-control-request-headers")

# --------------------------------------------------------------------------
# helpers

RUN_CGI = """#!/bin/sh
echo "URI=$REQUEST_URI METHOD=$REQUEST_METHOD USER=$REMOTE_USER END" >> "@ROOT@/cgi-runs/log"
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo "ran $REQUEST_METHOD user=$REMOTE_USER"
"""

# exits without writing headers: "End of script output before headers", 500
FAIL_CGI = """#!/bin/sh
echo "URI=$REQUEST_URI METHOD=$REQUEST_METHOD USER=$REMOTE_USER END" >> "@ROOT@/cgi-runs/log"
exit 1
"""

# answers every method (OPTIONS included) with 405
CGI_405 = """#!/bin/sh
echo "URI=$REQUEST_URI METHOD=$REQUEST_METHOD USER=$REMOTE_USER END" >> "@ROOT@/cgi-runs/log"
printf 'Status: 405 Method Not Allowed\\r\\nContent-Type: text/plain\\r\\n\\r\\n'
echo "no such method"
"""

ENV_CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
env
"""

CGI_DIR = """
<Directory "@DOCROOT@/%s">
    Options +ExecCGI
    AddHandler cgi-script .cgi
</Directory>
"""


def basic(user=USER, password=PASSWORD):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return ("Authorization", "Basic " + token)


BASIC = """    AuthType Basic
    AuthName "api"
    AuthUserFile "@ROOT@/htpasswd"
"""


def start_server(request, body, htpasswd=False, **kw):
    """A started server for a module-scoped fixture, cleaned up after.

    Makes ``<root>/cgi-runs`` (writable by the CGI's user) and, with
    ``htpasswd``, ``<root>/htpasswd`` with USER/PASSWORD.
    """
    h = Httpd(body, name="seams-" + request.fixturename, **kw)
    request.addfinalizer(h.cleanup)
    runs = os.path.join(h.root, "cgi-runs")
    os.makedirs(runs, exist_ok=True)
    os.chmod(runs, 0o777)
    if htpasswd:
        path = os.path.join(h.root, "htpasswd")
        subprocess.run(["htpasswd", "-bc", path, USER, PASSWORD], check=True,
                       capture_output=True)
        os.chmod(path, 0o644)
    h.start()
    return h


def cgi_ran(h, uri, timeout=0.2):
    """Whether the recording CGI ran for the request to ``uri`` (path+query)."""
    path = os.path.join(h.root, "cgi-runs", "log")
    deadline = time.time() + timeout
    while True:
        try:
            with open(path) as f:
                if ("URI=%s " % uri) in f.read():
                    return True
        except FileNotFoundError:
            pass
        if time.time() > deadline:
            return False
        time.sleep(0.05)


def cgi_user(h, uri):
    with open(os.path.join(h.root, "cgi-runs", "log")) as f:
        for line in f:
            if line.startswith("URI=%s " % uri):
                return re.search(r"USER=(\S*) END", line).group(1)
    return None


_n = [0]


def ptag(prefix, suffix=""):
    """A path with a unique segment, to find its access-log line when an
    internal redirect (ErrorDocument) leaves no query string in the log."""
    _n[0] += 1
    return "%st%d-%d%s" % (prefix, os.getpid(), _n[0], suffix)


def preflight(h, path, origin=APP, method="PUT", acrh=None, extra=()):
    hdrs = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if acrh is not None:
        hdrs.append(("Access-Control-Request-Headers", acrh))
    hdrs.extend(extra)
    return h.options(path, hdrs)


def assert_preflight_vary(r, others=()):
    """Vary has Origin, ACRM and ACRH exactly once each, plus ``others``."""
    vary = r.tokens("Vary")
    for t in PREFLIGHT_VARY + tuple(others):
        assert vary.count(t) == 1, "Vary token %r not exactly once: %r" % (t, r)
    assert len(vary) == len(set(vary)), r


def configtest(body, name="seams-cfg", docs=None):
    """(returncode, output, conf lines) of ``apache2 -t`` on ``body``."""
    h = Httpd(body, name=name, docs=docs)
    try:
        rc, out = h.configtest()
        lines = h.conf_text().splitlines()
    finally:
        h.cleanup()
    return rc, out, lines


def line_of(lines, needle):
    """The 1-based line number of the single conf line containing needle."""
    hits = [i + 1 for i, l in enumerate(lines) if needle in l]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def names_text(out, text):
    """Whether ``out`` names ``text``, as written or with its backslashes
    escaped (the way httpd escapes log items)."""
    return text in out or text.replace("\\", "\\\\") in out


def names_line(out, lineno):
    return re.search(r"httpd\.conf:%d\b" % lineno, out) is not None


def raw_request(h, data, timeout=10):
    """Send raw bytes; return (status, headers) of the response."""
    with socket.create_connection((h.host, h.port), timeout=timeout) as s:
        s.sendall(data)
        resp = http.client.HTTPResponse(s)
        resp.begin()
        resp.read()
        return resp.status, resp.getheaders()


def pids_of(lines):
    return [m.group(1) for m in (re.search(r"\[pid (\d+)", l) for l in lines) if m]


# ==========================================================================
# Defect 1: Require cors-preflight must not grant a preflight that
# CORSPreflightPassthrough sends on to the handler.
# ==========================================================================

CONSOLE = "https://console.example.com"
EXAMPLES = os.path.join(REPO, "conf-examples")


# The directives of conf-examples/private-network-device.conf as the review
# loaded them (commit 69d7b9f); the fixture runs them and the shipped file.
DEVICE_AT_REVIEW = """
<Location "/device-api/">
    CORSAllowOrigin https://console.example.com
    CORSAllowMethods GET PUT
    CORSAllowHeaders Content-Type
    CORSAllowPrivateNetwork On
    CORSPreflightStatus 200
    CORSPreflightAuth On
    <RequireAny>
        Require cors-preflight
        Require ip 10.0.0.0/8
    </RequireAny>
</Location>
<Location "/device-api/legacy/">
    CORSPreflightPassthrough On
</Location>
"""


@pytest.fixture(scope="module", params=["shipped", "at-review"])
def device(request):
    if request.param == "shipped":
        with open(os.path.join(EXAMPLES, "private-network-device.conf")) as f:
            example = f.read()      # unchanged
    else:
        example = DEVICE_AT_REVIEW
    # only a CGI-enabled DocumentRoot around it
    body = example + CGI_DIR % "device-api"
    return start_server(request, body, modules=["authz_host", "cgid"],
                        allowed_errors=[r"AH01630"],
                        docs={"device-api/run.cgi": RUN_CGI,
                              "device-api/legacy/run.cgi": RUN_CGI,
                              "device-api/legacy/status.json": "{}\n"})


DEVICE_PREFLIGHTS = [
    ("put", "PUT", None, ()),
    ("get", "GET", None, ()),
    ("put-content-type", "PUT", "content-type", ()),
    ("private-network", "PUT", "content-type",
     (("Access-Control-Request-Private-Network", "true"),)),
]


@pytest.mark.parametrize("method,acrh,extra", [r[1:] for r in DEVICE_PREFLIGHTS],
                         ids=[r[0] for r in DEVICE_PREFLIGHTS])
def test_passthrough_preflight_is_not_exempt_from_require_ip(device, method, acrh, extra):
    # private-network-device.conf unchanged: a forged preflight from
    # 127.0.0.1 (outside 10.0.0.0/8) to the legacy (passthrough) location
    path = tagged("/device-api/legacy/run.cgi")
    r = preflight(device, path, CONSOLE, method, acrh, extra)
    assert_response(r, 403, absent=[ACX])
    assert not cgi_ran(device, path), "the legacy CGI ran for a forged preflight"
    assert cors_result(device, path) == "denied"


def test_passthrough_preflight_to_static_legacy_file_is_403(device):
    path = tagged("/device-api/legacy/status.json")
    r = preflight(device, path, CONSOLE, "PUT")
    assert_response(r, 403, absent=[ACX])
    assert not r.has("Allow"), r


def test_device_self_answered_preflight_still_granted_without_handler(device):
    # control: outside legacy/ mod_cors answers itself, the CGI never runs
    path = tagged("/device-api/run.cgi")
    r = preflight(device, path, CONSOLE, "PUT")
    assert_response(r, 200, {"Access-Control-Allow-Origin": CONSOLE,
                             "Access-Control-Allow-Methods": "GET, PUT"},
                    vary_origin=True)
    assert not cgi_ran(device, path)


def test_device_actual_request_to_legacy_from_outside_is_403(device):
    path = tagged("/device-api/legacy/run.cgi")
    r = device.get(path, {"Origin": CONSOLE})
    assert r.status == 403, r
    assert not cgi_ran(device, path)


POLICY = """    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET POST PUT
    CORSAllowHeaders Authorization Content-Type
    CORSAllowCredentials On
"""

README_ANY = """    <RequireAny>
        Require cors-preflight
        Require valid-user
    </RequireAny>
"""

REQ_CONF = (CGI_DIR % "r") + r"""
# the README's RequireAny, with passthrough, CORSPreflightAuth On and Off
<Location "/r/any-on/">
%(basic)s%(any)s%(policy)s    CORSPreflightAuth On
    CORSPreflightPassthrough On
</Location>
<Location "/r/any-off/">
%(basic)s%(any)s%(policy)s    CORSPreflightPassthrough On
</Location>
# Require cors-preflight alone
<Location "/r/only/">
    Require cors-preflight
%(policy)s    CORSPreflightAuth On
    CORSPreflightPassthrough On
</Location>
# cors-preflight or a network that is not ours
<Location "/r/any-ip/">
    <RequireAny>
        Require cors-preflight
        Require ip 10.0.0.1
    </RequireAny>
%(policy)s    CORSPreflightPassthrough On
</Location>
# passthrough switched on by a .htaccess below the Require lines
<Directory "@DOCROOT@/r/ht">
    AllowOverride FileInfo
</Directory>
<Location "/r/ht/">
%(basic)s%(any)s%(policy)s    CORSPreflightAuth On
</Location>
# passthrough switched on by a <Files> section
<Location "/r/files/">
%(basic)s%(any)s%(policy)s    CORSPreflightAuth On
</Location>
<Files "pass.cgi">
    CORSPreflightPassthrough On
</Files>
# passthrough switched on by an <If>
<Location "/r/if/">
%(basic)s%(any)s%(policy)s    CORSPreflightAuth On
    <If "%%{HTTP:X-Pass} == 'on'">
        CORSPreflightPassthrough On
    </If>
</Location>
""" % dict(basic=BASIC, any=README_ANY, policy=POLICY)

REQ_DOCS = {"r/%s/run.cgi" % d: RUN_CGI for d in
            ("any-on", "any-off", "only", "any-ip", "ht", "if")}
REQ_DOCS["r/ht/.htaccess"] = "CORSPreflightPassthrough On\n"
REQ_DOCS["r/files/pass.cgi"] = RUN_CGI


@pytest.fixture(scope="module")
def require(request):
    return start_server(request, REQ_CONF, htpasswd=True,
                        modules=AUTH_MODULES + ["cgid"], docs=REQ_DOCS,
                        allowed_errors=[r"AH01630", r"AH01618"])


PASS_GRANT = {"Access-Control-Allow-Origin": APP,
              "Access-Control-Allow-Credentials": "true",
              "Access-Control-Allow-Methods": "GET, POST, PUT",
              "Access-Control-Allow-Headers": "Authorization, Content-Type"}

BASIC_LOCS = [("any-on", ()), ("any-off", ()), ("ht", ()), ("if", (("X-Pass", "on"),)),
              ("files", ())]


@pytest.mark.parametrize("loc,extra", BASIC_LOCS, ids=[l[0] for l in BASIC_LOCS])
@pytest.mark.parametrize("method,acrh", [("PUT", "authorization"), ("GET", None),
                                         ("POST", "content-type")])
def test_passthrough_preflight_with_require_any_needs_credentials(require, loc, extra,
                                                                   method, acrh):
    path = tagged("/r/%s/%s.cgi" % (loc, "pass" if loc == "files" else "run"))
    r = preflight(require, path, APP, method, acrh, extra)
    assert r.status == 401, r
    assert r.get("WWW-Authenticate").startswith("Basic"), r
    assert_response(r, absent=[ACX])
    assert not cgi_ran(require, path), "the CGI ran without authentication"
    assert cors_result(require, path) == "denied"


@pytest.mark.parametrize("loc,extra", BASIC_LOCS, ids=[l[0] for l in BASIC_LOCS])
def test_passthrough_preflight_with_credentials_runs_handler_as_the_user(require, loc,
                                                                          extra):
    path = tagged("/r/%s/%s.cgi" % (loc, "pass" if loc == "files" else "run"))
    r = preflight(require, path, APP, "PUT", "authorization", (basic(),) + extra)
    assert_response(r, 200, PASS_GRANT, vary_origin=True)
    assert r.body.startswith(b"ran OPTIONS user=alice"), r.body
    assert cgi_ran(require, path)
    assert cgi_user(require, path) == USER


def test_passthrough_preflight_with_wrong_password_is_401(require):
    require.expect_error(r"AH01617|password mismatch")
    path = tagged("/r/any-on/run.cgi")
    r = preflight(require, path, APP, "PUT", None, (basic(password="wrong"),))
    assert r.status == 401, r
    assert_response(r, absent=[ACX])
    assert not cgi_ran(require, path)


def test_if_without_passthrough_self_answered_preflight_still_granted(require):
    # control: the same location without X-Pass answers the preflight itself
    path = tagged("/r/if/run.cgi")
    r = preflight(require, path, APP, "PUT", "authorization")
    assert_response(r, 204, PASS_GRANT, vary_origin=True)
    assert not cgi_ran(require, path)


def test_require_cors_preflight_alone_refuses_passthrough_preflight(require):
    path = tagged("/r/only/run.cgi")
    r = preflight(require, path, APP, "PUT")
    assert_response(r, 403, absent=[ACX])
    assert not cgi_ran(require, path)


def test_require_any_cors_preflight_or_foreign_ip_refuses_passthrough_preflight(require):
    path = tagged("/r/any-ip/run.cgi")
    r = preflight(require, path, APP, "PUT")
    assert_response(r, 403, absent=[ACX])
    assert not cgi_ran(require, path)


# ==========================================================================
# Defect 2: a preflight answered by an ErrorDocument (or any non-2xx
# answer) never carries Access-Control-*, and is logged denied.
# ==========================================================================

ERR_CONF = (CGI_DIR % "e") + r"""
<LocationMatch "^/e/">
%(policy)s</LocationMatch>
<Location "/e/auth/">
%(basic)s    Require valid-user
    CORSPreflightAuth On
    ErrorDocument 401 /errors/401.html
</Location>
<Location "/e/auth-text/">
%(basic)s    Require valid-user
    CORSPreflightAuth On
    ErrorDocument 401 "please log in (text)"
</Location>
<Location "/e/denied/">
    Require all denied
    CORSPreflightAuth On
    ErrorDocument 403 /errors/403.html
</Location>
<Location "/e/ip/">
    Require ip 10.0.0.1
    CORSPreflightAuth On
    ErrorDocument 403 /errors/403.html
</Location>
<Location "/e/remote/">
    Require all denied
    CORSPreflightAuth On
    ErrorDocument 403 http://errors.example.invalid/403
</Location>
<Location "/e/gone/">
    CORSPreflightPassthrough On
    Redirect 404
    ErrorDocument 404 /errors/404.html
</Location>
<Location "/e/missing/">
    CORSPreflightPassthrough On
    ErrorDocument 404 /errors/404.html
</Location>
<Directory "@DOCROOT@/e/rw404">
    RewriteEngine On
    RewriteRule "^" "-" [R=404]
</Directory>
<Location "/e/rw404/">
    CORSPreflightPassthrough On
    ErrorDocument 404 /errors/404.html
</Location>
<Location "/e/auth-plain/">
%(basic)s    Require valid-user
    CORSPreflightAuth On
</Location>
<Location "/e/ip-plain/">
    Require ip 10.0.0.1
    CORSPreflightAuth On
</Location>
# the 403 carries Access-Control-* from mod_headers, and Keep is on
<Location "/e/hdr-keep/">
    Require all denied
    CORSPreflightAuth On
    CORSUpstreamHeaders Keep
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Allow-Methods "PUT"
</Location>
# the error page lives under a public policy of its own
<Location "/e/pub-page/">
%(basic)s    Require valid-user
    CORSPreflightAuth On
    ErrorDocument 401 /pub-errors/401.html
</Location>
<Location "/pub-errors/">
    CORSAllowOrigin *
</Location>
<Directory "@DOCROOT@/e/ht">
    AllowOverride FileInfo AuthConfig
</Directory>
<Location "/e/cgi-fail/">
    CORSPreflightPassthrough On
    ErrorDocument 500 /errors/500.html
</Location>
<Location "/e/cgi-405/">
    CORSPreflightPassthrough On
</Location>
<Location "/e/cgi-405-keep/">
    CORSPreflightPassthrough On
    CORSUpstreamHeaders Keep
</Location>
<Location "/e/refused/">
    ErrorDocument 403 /errors/403.html
</Location>
<Location "/e/keep-refused/">
    CORSUpstreamHeaders Keep
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Allow-Methods "DELETE"
</Location>
<Location "/e/auth-off/">
%(basic)s    Require valid-user
    ErrorDocument 401 /errors/401.html
</Location>
""" % dict(basic=BASIC, policy=POLICY)

ERR_DOCS = {
    "errors/401.html": "please log in\n",
    "errors/403.html": "forbidden page\n",
    "errors/404.html": "not found page\n",
    "errors/500.html": "server error page\n",
    "e/cgi-fail/fail.cgi": FAIL_CGI,
    "e/cgi-405/run.cgi": CGI_405,
    "e/refused/x.txt": "x\n",
    "e/missing/.keep": "",
    "e/cgi-405-keep/run.cgi": CGI_405.replace(
        "printf 'Status: 405", "printf 'Access-Control-Allow-Origin: https://app.example.com"
        "\\r\\nAccess-Control-Allow-Methods: PUT\\r\\nStatus: 405"),
    "pub-errors/401.html": "public please log in\n",
    "e/ht/.htaccess": BASIC.replace("    ", "") + "Require valid-user\nCORSPreflightAuth On\n"
                      "ErrorDocument 401 /errors/401.html\n",
    "e/rw404/.keep": "",
}


@pytest.fixture(scope="module")
def errdoc(request):
    return start_server(request, ERR_CONF, htpasswd=True, modules=AUTH_MODULES + ["cgid"],
                        docs=ERR_DOCS,
                        allowed_errors=[r"AH01630", r"AH01215", r"AH01618", r"AH01264",
                                        r"End of script output before headers"])


# (id, path prefix, path suffix, status, body or None, passthrough): with
# passthrough a preflight the policy refuses ends in mod_cors's own 403
ERR_ROWS = [
    ("401-errordocument", "/e/auth/", ".txt", 401, b"please log in\n", False),
    ("401-text-errordocument", "/e/auth-text/", ".txt", 401, None, False),
    ("401-no-errordocument", "/e/auth-plain/", ".txt", 401, None, False),
    ("401-errordocument-under-public-policy", "/e/pub-page/", ".txt", 401,
     b"public please log in\n", False),
    ("401-errordocument-in-htaccess", "/e/ht/", ".txt", 401, b"please log in\n", False),
    ("403-no-errordocument", "/e/ip-plain/", ".txt", 403, None, False),
    ("403-header-always-set-cors-under-keep", "/e/hdr-keep/", ".txt", 403, None, False),
    ("403-require-all-denied", "/e/denied/", ".txt", 403, b"forbidden page\n", False),
    ("403-require-ip", "/e/ip/", ".txt", 403, b"forbidden page\n", False),
    ("403-remote-errordocument-302", "/e/remote/", ".txt", 302, None, False),
    ("404-passthrough-missing-cgi", "/e/missing/", ".cgi", 404, b"not found page\n", True),
    ("404-passthrough-rewrite-r404", "/e/rw404/", ".txt", 404, b"not found page\n", True),
    # mod_alias answers 404 before mod_cors looks at the preflight: whether
    # that is before the walk (no CORS_RESULT, defect 12) is left open
    ("404-location-redirect-404", "/e/gone/", ".txt", 404, b"not found page\n", False),
    ("500-passthrough-failing-cgi", "/e/cgi-fail/fail.cgi/", "", 500,
     b"server error page\n", True),
    ("405-passthrough-cgi-answers-405", "/e/cgi-405/run.cgi/", "", 405,
     b"no such method\n", True),
    ("405-passthrough-cgi-own-cors-headers-under-keep", "/e/cgi-405-keep/run.cgi/", "", 405,
     b"no such method\n", True),
]

# preflights the policy grants, and ones it refuses
ERR_PREFLIGHTS = [
    ("granted-shape", APP, "PUT", "authorization", True),
    ("granted-shape-simple-method", APP, "GET", None, True),
    ("refused-method", APP, "DELETE", None, False),
    ("refused-header", APP, "PUT", "x-not-allowed", False),
    ("refused-origin", EVIL, "PUT", None, False),
]


@pytest.mark.parametrize("origin,method,acrh,granted", [p[1:] for p in ERR_PREFLIGHTS],
                         ids=[p[0] for p in ERR_PREFLIGHTS])
@pytest.mark.parametrize("prefix,suffix,status,body,passthrough", [r[1:] for r in ERR_ROWS],
                         ids=[r[0] for r in ERR_ROWS])
def test_non_2xx_preflight_answer_has_no_cors_headers_and_is_denied(
        errdoc, prefix, suffix, status, body, passthrough, origin, method, acrh, granted):
    if passthrough and not granted:
        status, body = 403, None
    path = ptag(prefix, suffix)
    r = preflight(errdoc, path, origin, method, acrh)
    assert_response(r, status, absent=[ACX])
    if body is not None:
        assert r.body == body, r.body
    if prefix == "/e/gone/":
        assert cors_result(errdoc, path) in ("denied", "-")
    else:
        assert cors_result(errdoc, path) == "denied"


@pytest.mark.parametrize("prefix,status", [("/e/auth/", 401), ("/e/denied/", 403),
                                           ("/e/auth-plain/", 401), ("/e/refused/", 403)])
def test_preflight_answered_by_error_page_varies_on_origin_and_request_headers(
        errdoc, prefix, status):
    origin = EVIL if prefix == "/e/refused/" else APP
    r = preflight(errdoc, ptag(prefix, ".txt"), origin, "PUT", "authorization")
    assert r.status == status, r
    assert_preflight_vary(r)


def test_refused_preflight_answered_by_local_403_errordocument_has_no_cors(errdoc):
    # mod_cors's own 403, answered by a local ErrorDocument
    path = ptag("/e/refused/", ".txt")
    r = preflight(errdoc, path, EVIL, "PUT")
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    assert r.body == b"forbidden page\n"
    assert cors_result(errdoc, path) == "denied"


@pytest.mark.parametrize("origin,method,acrh", [(EVIL, "PUT", None), (APP, "DELETE", None),
                                               (APP, "PUT", "x-not-allowed")])
def test_refused_preflight_under_keep_loses_header_always_set_cors_headers(errdoc, origin,
                                                                           method, acrh):
    path = ptag("/e/keep-refused/", ".txt")
    r = preflight(errdoc, path, origin, method, acrh)
    assert_response(r, 403, absent=[ACX])
    assert cors_result(errdoc, path) == "denied"


@pytest.mark.parametrize("origin,method", [(EVIL, "PUT"), (APP, "DELETE")])
def test_refused_preflight_behind_auth_with_401_errordocument_has_no_cors(errdoc, origin,
                                                                          method):
    path = ptag("/e/auth-off/", ".txt")
    r = preflight(errdoc, path, origin, method)
    assert_response(r, 401, absent=[ACX])
    assert r.body == b"please log in\n"
    assert cors_result(errdoc, path) == "denied"


def test_preflight_auth_on_with_credentials_is_still_granted(errdoc):
    # control: the same location grants a preflight that authenticates
    path = ptag("/e/auth/", ".txt")
    r = preflight(errdoc, path, APP, "PUT", "authorization", (basic(),))
    assert_response(r, 204, PASS_GRANT, vary_origin=True)
    assert cors_result(errdoc, path) == "preflight"


def test_actual_request_answered_by_401_errordocument_keeps_its_grant(errdoc):
    # control: an actual request's error page carries the actual grant
    path = ptag("/e/auth/", ".txt")
    r = errdoc.get(path, {"Origin": APP})
    assert_response(r, 401, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Allow-Credentials": "true"},
                    absent=["Access-Control-Allow-Methods"], vary_origin=True)
    assert r.body == b"please log in\n"
    assert cors_result(errdoc, path) == "allowed"


def test_actual_request_answered_405_by_passthrough_cgi_keeps_its_grant(errdoc):
    # control: only preflights lose their headers on a non-2xx answer
    path = ptag("/e/cgi-405/run.cgi/", "")
    r = errdoc.get(path, {"Origin": APP})
    assert_response(r, 405, {"Access-Control-Allow-Origin": APP}, vary_origin=True)


# ==========================================================================
# Defect 3: PCRE verbs cannot end a match before the anchor.
# ==========================================================================

VERB_PATTERNS = [
    ("accept-at-end", r"https://app\.example\.com(*ACCEPT)"),
    ("accept-then-more", r"https://app\.example\.com(*ACCEPT)\.never"),
    ("accept-in-group", r"https://app\.example\.com(?:(*ACCEPT))"),
    ("accept-in-alternative", r"zzz|https://app\.example\.com(*ACCEPT)"),
    ("accept-in-capture", r"(https://app\.example\.com(*ACCEPT))"),
    ("accept-with-name", r"https://app\.example\.com(*ACCEPT:x)"),
    ("commit", r"https://app\.example\.com(*COMMIT)"),
    ("mark-then-accept", r"https://app\.example\.com(*MARK:m)(*ACCEPT)"),
]


@pytest.mark.parametrize("pattern", [p[1] for p in VERB_PATTERNS],
                         ids=[p[0] for p in VERB_PATTERNS])
@pytest.mark.parametrize("where", ["server", "location", "vhost"])
def test_regex_with_pcre_verb_fails_configtest(pattern, where):
    line = 'CORSAllowOriginMatch "%s"' % pattern
    body = {"server": line,
            "location": '<Location "/api">\n    %s\n</Location>' % line,
            "vhost": "<VirtualHost @LISTEN@>\n    %s\n</VirtualHost>" % line}[where]
    rc, out, _ = configtest(body)
    assert rc != 0, "configtest passed:\n" + out
    assert "CORSAllowOriginMatch" in out, out
    assert names_text(out, pattern), out


def test_regex_with_pcre_verb_in_added_entry_fails_configtest():
    rc, out, _ = configtest('CORSAllowOrigin https://a.example\n<Location "/x">\n'
                            '    CORSAllowOriginMatch "+https://app\\.example\\.com(*ACCEPT)"\n'
                            '</Location>')
    assert rc != 0, out
    assert "(*ACCEPT)" in out, out


VERB_HT_DOCS = {
    "v/x.txt": "x\n",
    "v/.htaccess": 'CORSAllowOriginMatch "https://app\\.example\\.com(*ACCEPT)"\n',
    "good/x.txt": "x\n",
    "good/.htaccess": 'CORSAllowOriginMatch "https://(?:app|www)\\.example\\.com"\n',
}


@pytest.fixture(scope="module")
def verbs(request):
    return start_server(request, "", allow_override="FileInfo", docs=VERB_HT_DOCS,
                        allowed_errors=[r"v/\.htaccess"])


@pytest.mark.parametrize("origin", [
    "https://app.example.com.evil.net", "https://app.example.comx",
    "https://app.example.com:8443", "https://app.example.com-evil.net",
])
def test_htaccess_regex_with_accept_verb_never_grants_a_longer_origin(verbs, origin):
    r = verbs.get("/v/x.txt", {"Origin": origin})
    assert r.status in (200, 500), r
    assert_response(r, absent=[ACX])


def test_specific_regex_still_anchored_and_granted(verbs):
    # control: a plain regex grants what it matches as a whole, only that
    r = verbs.get("/good/x.txt", {"Origin": "https://www.example.com"})
    assert_response(r, 200, {"Access-Control-Allow-Origin": "https://www.example.com"},
                    vary_origin=True)
    r = verbs.get("/good/x.txt", {"Origin": "https://www.example.com.evil.net"})
    assert_response(r, 200, absent=[ACX], vary_origin=True)


def test_regex_without_verb_passes_configtest():
    rc, out, _ = configtest('CORSAllowOriginMatch "https://(?:app|www)\\.example\\.com" '
                            '"https://t-[0-9]{1,3}\\.example\\.org(:[0-9]+)?"')
    assert rc == 0, out


# ==========================================================================
# Defect 4: a '-' on either origin directive removes an entry of either
# kind by its text; a '-' that removes nothing inherited is warned about.
# ==========================================================================

MINUS_CONF = r"""
CORSAllowOrigin https://a.example https://b.example https://*.w.example http://localhost:* null
CORSAllowOriginMatch "https://r[0-9]\.example"
<Location "/m-exact/">
    CORSAllowOriginMatch "-https://a.example"
</Location>
<Location "/m-wild/">
    CORSAllowOriginMatch "-https://*.w.example"
</Location>
<Location "/m-anyport/">
    CORSAllowOriginMatch "-http://localhost:*"
</Location>
<Location "/m-null/">
    CORSAllowOriginMatch "-null"
</Location>
<Location "/m-two/">
    CORSAllowOriginMatch "-https://a.example" "-https://r[0-9]\.example"
</Location>
<Location "/m-regex/">
    CORSAllowOriginMatch "-https://r[0-9]\.example"
</Location>
<Location "/o-exact/">
    CORSAllowOrigin -https://a.example
</Location>
<Location "/star/">
    CORSAllowOrigin * https://a.example
</Location>
<Location "/star/m/">
    CORSAllowOriginMatch "-*"
</Location>
<Directory "@DOCROOT@/ht">
    AllowOverride FileInfo
</Directory>
"""

MINUS_DOCS = {"ht/.htaccess": 'CORSAllowOriginMatch "-https://a.example"\n'}


@pytest.fixture(scope="module")
def minus(request):
    return start_server(request, MINUS_CONF, docs=MINUS_DOCS)


ALL_ORIGINS = {"a": "https://a.example", "b": "https://b.example",
               "w": "https://x.w.example", "lh": "http://localhost:5173",
               "null": "null", "r": "https://r7.example"}

# (location, entries that must no longer be granted)
MINUS_ROWS = [
    ("/m-exact/", {"a"}),
    ("/m-wild/", {"w"}),
    ("/m-anyport/", {"lh"}),
    ("/m-null/", {"null"}),
    ("/m-two/", {"a", "r"}),
    ("/ht/", {"a"}),
    ("/m-regex/", {"r"}),            # control: same kind
    ("/o-exact/", {"a"}),            # control: same kind
    ("/x/", set()),                  # control: nothing removed
]


@pytest.mark.parametrize("loc,removed", MINUS_ROWS, ids=[r[0].strip("/") for r in MINUS_ROWS])
@pytest.mark.parametrize("key", sorted(ALL_ORIGINS))
def test_minus_on_origin_match_removes_entry_of_any_kind(minus, loc, removed, key):
    origin = ALL_ORIGINS[key]
    r = minus.get(loc + "x.txt", {"Origin": origin})
    if key in removed:
        assert_response(r, 404, absent=[ACX], vary_origin=True)
    else:
        assert_response(r, 404, {"Access-Control-Allow-Origin": origin}, vary_origin=True)


def test_minus_star_on_origin_match_leaves_an_origin_dependent_policy(minus):
    r = minus.get("/star/x.txt", {"Origin": EVIL})
    assert_response(r, 404, {"Access-Control-Allow-Origin": "*"}, vary_origin=False)
    r = minus.get("/star/m/x.txt", {"Origin": EVIL})
    assert_response(r, 404, absent=[ACX], vary_origin=True)
    r = minus.get("/star/m/x.txt", {"Origin": "https://a.example"})
    assert_response(r, 404, {"Access-Control-Allow-Origin": "https://a.example"},
                    vary_origin=True)


MINUS_REGEX_CONF = r"""
CORSAllowOrigin https://a.example
CORSAllowOriginMatch "https://r[0-9]\.example" "https://q-[a-z]+\.example"
<Location "/o-regex/">
    CORSAllowOrigin "-https://r[0-9]\.example"
</Location>
"""


@pytest.fixture(scope="module")
def minus_regex(request):
    return start_server(request, MINUS_REGEX_CONF)


@pytest.mark.parametrize("origin,granted", [
    ("https://r7.example", False), ("https://q-abc.example", True),
    ("https://a.example", True)])
def test_minus_on_allow_origin_removes_a_regex_entry(minus_regex, origin, granted):
    r = minus_regex.get("/o-regex/x.txt", {"Origin": origin})
    if granted:
        assert_response(r, 404, {"Access-Control-Allow-Origin": origin}, vary_origin=True)
    else:
        assert_response(r, 404, absent=[ACX], vary_origin=True)
    # above the Location both are granted
    r = minus_regex.get("/x.txt", {"Origin": origin})
    assert_response(r, 404, {"Access-Control-Allow-Origin": origin}, vary_origin=True)


NOOP_MINUS = [
    ("origin-exact-in-location", "CORSAllowOrigin https://a.example\n"
     '<Location "/x">\n    CORSAllowOrigin -https://never.example\n</Location>',
     "-https://never.example"),
    ("match-in-location", "CORSAllowOrigin https://a.example\n"
     '<Location "/x">\n    CORSAllowOriginMatch "-https://never\\.example"\n</Location>',
     "-https://never"),
    ("match-text-of-exact-differs", "CORSAllowOrigin https://a.example\n"
     '<Location "/x">\n    CORSAllowOriginMatch "-https://a\\.example"\n</Location>',
     "-https://a\\.example"),
    ("in-directory", "CORSAllowOrigin https://a.example\n"
     '<Directory "@DOCROOT@/d">\n    CORSAllowOrigin -https://b.example\n</Directory>',
     "-https://b.example"),
    ("in-vhost", "CORSAllowOrigin https://a.example\n"
     "<VirtualHost @LISTEN@>\n    CORSAllowOrigin -https://b.example\n</VirtualHost>",
     "-https://b.example"),
    ("server-level-nothing-inherited", "CORSAllowOrigin -https://b.example",
     "-https://b.example"),
    ("second-of-two", "CORSAllowOrigin https://a.example\n"
     '<Location "/x">\n    CORSAllowOrigin -https://a.example -https://b.example\n</Location>',
     "-https://b.example"),
]


@pytest.mark.parametrize("body,needle", [r[1:] for r in NOOP_MINUS],
                         ids=[r[0] for r in NOOP_MINUS])
def test_minus_removing_nothing_inherited_warns_with_file_and_line(body, needle):
    rc, out, lines = configtest(body)
    assert rc == 0, out
    n = line_of(lines, needle)
    assert names_line(out, n), "no warning naming httpd.conf:%d:\n%s" % (n, out)
    assert names_text(out, needle.lstrip("-")), out


def test_minus_removing_nothing_in_a_proxy_section_warns_with_file_and_line():
    body = ('CORSAllowOrigin https://a.example\nProxyPass "/p/" "http://127.0.0.1:9/"\n'
            '<Proxy "*">\n    CORSAllowOrigin -https://never.example\n</Proxy>')
    h = Httpd(body, name="seams-cfg-proxy", modules=["proxy", "proxy_http"])
    try:
        rc, out = h.configtest()
        lines = h.conf_text().splitlines()
    finally:
        h.cleanup()
    assert rc == 0, out
    assert names_line(out, line_of(lines, "-https://never.example")), out


REAL_MINUS = [
    ("same-kinds-and-other-kinds",
     "CORSAllowOrigin https://a.example https://b.example\n"
     'CORSAllowOriginMatch "https://r[0-9]\\.example"\n'
     '<Location "/x">\n    CORSAllowOrigin -https://b.example\n'
     '    CORSAllowOriginMatch "-https://a.example" "-https://r[0-9]\\.example"\n'
     '</Location>'),
    ("location-removes-from-directory",
     "CORSAllowOrigin https://a.example\n"
     '<Directory "@DOCROOT@/d">\n    CORSAllowOrigin +https://b.example\n</Directory>\n'
     '<Location "/x">\n    CORSAllowOrigin -https://b.example\n</Location>'),
    ("nested-location-removes-from-parent",
     "CORSAllowOrigin https://a.example\n"
     '<Location "/x">\n    CORSAllowOrigin +https://c.example\n</Location>\n'
     '<Location "/x/y">\n    CORSAllowOrigin -https://c.example\n</Location>'),
    ("nested-directory-removes-regex-by-text",
     "CORSAllowOrigin https://a.example\n"
     '<Directory "@DOCROOT@/d">\n    CORSAllowOriginMatch "+https://r[0-9]\\.example"\n'
     '</Directory>\n<Directory "@DOCROOT@/d/e">\n'
     '    CORSAllowOrigin "-https://r[0-9]\\.example"\n</Directory>'),
    ("vhost-removes-from-server",
     "CORSAllowOrigin https://a.example https://b.example\n"
     "<VirtualHost @LISTEN@>\n    CORSAllowOrigin -https://a.example\n</VirtualHost>"),
    ("location-removes-from-aliased-directory",
     'CORSAllowOrigin https://a.example\nAlias "/api" "@DOCROOT@/q"\n'
     '<Directory "@DOCROOT@/q">\n    CORSAllowOrigin +https://b.example\n</Directory>\n'
     '<Location "/api">\n    CORSAllowOrigin -https://b.example\n</Location>'),
    ("second-server-if-removes-from-first",
     "<If \"%{HTTP:X-A} == '1'\">\n    CORSAllowOrigin https://b.example\n</If>\n"
     "<If \"%{HTTP:X-B} == '1'\">\n    CORSAllowOrigin -https://b.example\n</If>"),
    ("if-removes-from-location",
     '<Location "/x">\n    CORSAllowOrigin https://a.example https://b.example\n'
     "    <If \"%{HTTP:X-A} == 'b'\">\n        CORSAllowOrigin -https://a.example\n"
     "    </If>\n</Location>"),
]


@pytest.mark.parametrize("body", [r[1] for r in REAL_MINUS], ids=[r[0] for r in REAL_MINUS])
def test_minus_that_removes_an_entry_does_not_warn(body):
    rc, out, lines = configtest(body)
    assert rc == 0, out
    assert "httpd.conf:" not in out, out
    assert out.strip() == "Syntax OK", out


# ==========================================================================
# Defect 5: '*' (and the other any-origin entries) with credentials split
# across sections fails configtest naming both; via .htaccess it is
# refused and logged at most once per process.
# ==========================================================================

D = "@DOCROOT@"
SPLIT = [
    ("directory-then-location",
     '<Directory "%s/a">\n    CORSAllowOrigin *\n</Directory>\n'
     '<Location "/a">\n    CORSAllowCredentials On\n</Location>' % D),
    ("location-creds-directory-star",
     '<Directory "%s/a">\n    CORSAllowCredentials On\n</Directory>\n'
     '<Location "/a">\n    CORSAllowOrigin *\n</Location>' % D),
    ("nested-directory",
     '<Directory "%s/n">\n    CORSAllowOrigin *\n</Directory>\n'
     '<Directory "%s/n/m">\n    CORSAllowCredentials On\n</Directory>' % (D, D)),
    ("nested-directory-reversed",
     '<Directory "%s/n">\n    CORSAllowCredentials On\n</Directory>\n'
     '<Directory "%s/n/m">\n    CORSAllowOrigin *\n</Directory>' % (D, D)),
    ("two-nested-locations",
     '<Location "/api">\n    CORSAllowOrigin *\n</Location>\n'
     '<Location "/api/x">\n    CORSAllowCredentials On\n</Location>'),
    ("two-nested-locations-reversed",
     '<Location "/api">\n    CORSAllowCredentials On\n</Location>\n'
     '<Location "/api/x">\n    CORSAllowOrigin *\n</Location>'),
    ("locationmatch-then-location",
     '<LocationMatch "^/api/">\n    CORSAllowOrigin *\n</LocationMatch>\n'
     '<Location "/api/x">\n    CORSAllowCredentials On\n</Location>'),
    ("directorymatch-then-directory",
     '<DirectoryMatch "^%s/dm">\n    CORSAllowOrigin *\n</DirectoryMatch>\n'
     '<Directory "%s/dm/x">\n    CORSAllowCredentials On\n</Directory>' % (D, D)),
    ("vhost-then-location",
     "<VirtualHost @LISTEN@>\n    CORSAllowOrigin *\n"
     '    <Location "/api">\n        CORSAllowCredentials On\n    </Location>\n'
     "</VirtualHost>"),
    ("server-credentials-vhost-star",
     "CORSAllowCredentials On\n<VirtualHost @LISTEN@>\n    CORSAllowOrigin *\n"
     "</VirtualHost>"),
    ("vhost-directory-then-location",
     "<VirtualHost @LISTEN@>\n"
     '    <Directory "%s/v">\n        CORSAllowOrigin *\n    </Directory>\n'
     '    <Location "/v">\n        CORSAllowCredentials On\n    </Location>\n'
     "</VirtualHost>" % D),
    ("location-then-nested-if",
     '<Location "/api">\n    CORSAllowOrigin *\n'
     "    <If \"%{HTTP:X-A} == 'b'\">\n        CORSAllowCredentials On\n    </If>\n"
     "</Location>"),
    ("location-then-server-if",
     '<Location "/api">\n    CORSAllowOrigin *\n</Location>\n'
     "<If \"%{HTTP:X-A} == 'b'\">\n    CORSAllowCredentials On\n</If>"),
    ("vhost-star-server-location-credentials",
     "<VirtualHost @LISTEN@>\n    CORSAllowOrigin *\n</VirtualHost>\n"
     '<Location "/api">\n    CORSAllowCredentials On\n</Location>'),
    ("star-added-back-below-credentials",
     "CORSAllowOrigin https://a.example\n"
     '<Location "/api">\n    CORSAllowCredentials On\n</Location>\n'
     '<Location "/api/x">\n    CORSAllowOrigin +*\n</Location>'),
    # a Location that an Alias maps onto the Directory
    ("alias-directory-credentials-location-star",
     'Alias "/api" "%s/q"\n<Directory "%s/q">\n    CORSAllowCredentials On\n</Directory>\n'
     '<Location "/api">\n    CORSAllowOrigin *\n</Location>' % (D, D)),
    ("aliasmatch-directory-credentials-location-star",
     'AliasMatch "^/api/(.*)$" "%s/q/$1"\n<Directory "%s/q">\n    CORSAllowCredentials On\n'
     '</Directory>\n<Location "/api">\n    CORSAllowOrigin *\n</Location>' % (D, D)),
    ("alias-outside-docroot-directory-star-location-credentials",
     'Alias "/static" "/srv/static"\n<Directory "/srv/static">\n    CORSAllowOrigin *\n'
     '</Directory>\n<Location "/static/priv">\n    CORSAllowCredentials On\n</Location>'),
    ("location-root-directory",
     '<Directory "%s/q">\n    CORSAllowCredentials On\n</Directory>\n'
     '<Location "/">\n    CORSAllowOrigin *\n</Location>' % D),
    ("two-server-level-ifs",
     "<If \"%{HTTP:X-A} == '1'\">\n    CORSAllowOrigin *\n</If>\n"
     "<If \"%{HTTP:X-B} == '1'\">\n    CORSAllowCredentials On\n</If>"),
    ("two-directorymatch",
     '<DirectoryMatch "^%s/[a-z]+$">\n    CORSAllowOrigin *\n</DirectoryMatch>\n'
     '<DirectoryMatch "^%s/b">\n    CORSAllowCredentials On\n</DirectoryMatch>' % (D, D)),
    ("directory-then-files",
     '<Directory "%s/f">\n    CORSAllowOrigin *\n</Directory>\n'
     '<Files "*.json">\n    CORSAllowCredentials On\n</Files>' % D),
    ("files-in-directory-then-location",
     '<Directory "%s/f">\n    <Files "*.json">\n        CORSAllowOrigin *\n'
     '    </Files>\n</Directory>\n'
     '<Location "/f">\n    CORSAllowCredentials On\n</Location>' % D),
]


@pytest.mark.parametrize("body", [s[1] for s in SPLIT], ids=[s[0] for s in SPLIT])
def test_star_with_credentials_across_sections_fails_configtest_naming_both(body):
    rc, out, lines = configtest(body)
    assert rc != 0, "configtest passed:\n" + out
    star = line_of(lines, "CORSAllowOrigin +*" if "CORSAllowOrigin +*" in body
                   else "CORSAllowOrigin *")
    cred = line_of(lines, "CORSAllowCredentials On")
    assert names_line(out, star), "star line %d not named:\n%s" % (star, out)
    assert names_line(out, cred), "credentials line %d not named:\n%s" % (cred, out)


PROXY_SPLIT = [
    ("server-credentials-proxy-star",
     'CORSAllowCredentials On\nProxyPass "/p/" "http://127.0.0.1:9/"\n'
     '<Proxy "*">\n    CORSAllowOrigin *\n</Proxy>', "CORSAllowOrigin *"),
    ("server-star-proxy-credentials",
     'CORSAllowOrigin *\nProxyPass "/p/" "http://127.0.0.1:9/"\n'
     '<Proxy "http://127.0.0.1:9/*">\n    CORSAllowCredentials On\n</Proxy>',
     "CORSAllowOrigin *"),
    ("location-credentials-proxymatch-star",
     '<Location "/p/">\n    CORSAllowCredentials On\n</Location>\n'
     'ProxyPass "/p/" "http://127.0.0.1:9/"\n'
     '<ProxyMatch "^http://127\\.0\\.0\\.1:9/">\n    CORSAllowOrigin *\n</ProxyMatch>',
     "CORSAllowOrigin *"),
    ("server-credentials-proxy-null",
     'CORSAllowCredentials On\nProxyPass "/p/" "http://127.0.0.1:9/"\n'
     '<Proxy "*">\n    CORSAllowOrigin null\n</Proxy>', "CORSAllowOrigin null"),
]


@pytest.mark.parametrize("body,entry", [s[1:] for s in PROXY_SPLIT],
                         ids=[s[0] for s in PROXY_SPLIT])
def test_any_origin_with_credentials_across_proxy_sections_fails_configtest(body, entry):
    h = Httpd(body, name="seams-cfg-proxy", modules=["proxy", "proxy_http"])
    try:
        rc, out = h.configtest()
        lines = h.conf_text().splitlines()
    finally:
        h.cleanup()
    assert rc != 0, "configtest passed:\n" + out
    assert names_line(out, line_of(lines, entry)), out
    assert names_line(out, line_of(lines, "CORSAllowCredentials On")), out


EXPOSE_SPLIT = [
    ("location-expose-directory-credentials",
     '<Location "/q">\n    CORSExposeHeaders *\n</Location>\n<Directory "%s/q">\n'
     '    CORSAllowOrigin https://a.example\n    CORSAllowCredentials On\n</Directory>' % D),
    ("alias-location-expose-directory-credentials",
     'Alias "/api" "%s/q"\n<Location "/api">\n    CORSExposeHeaders *\n</Location>\n'
     '<Directory "%s/q">\n    CORSAllowOrigin https://a.example\n'
     '    CORSAllowCredentials On\n</Directory>' % (D, D)),
    ("directory-then-location",
     'CORSAllowOrigin https://a.example\n<Directory "%s/a">\n    CORSExposeHeaders *\n'
     '</Directory>\n<Location "/a">\n    CORSAllowCredentials On\n</Location>' % D),
    ("two-nested-locations",
     'CORSAllowOrigin https://a.example\n<Location "/api">\n    CORSAllowCredentials On\n'
     '</Location>\n<Location "/api/x">\n    CORSExposeHeaders *\n</Location>'),
]


@pytest.mark.parametrize("body", [s[1] for s in EXPOSE_SPLIT],
                         ids=[s[0] for s in EXPOSE_SPLIT])
def test_expose_star_with_credentials_across_sections_fails_configtest(body):
    rc, out, lines = configtest(body)
    assert rc != 0, "configtest passed:\n" + out
    assert names_line(out, line_of(lines, "CORSAllowCredentials On")), out
    assert "CORSExposeHeaders" in out, out


SIBLINGS = [
    ("locations", '<Location "/pub">\n    CORSAllowOrigin *\n</Location>\n'
     '<Location "/priv">\n    CORSAllowOrigin https://a.example\n'
     "    CORSAllowCredentials On\n</Location>"),
    ("directories", '<Directory "%s/p">\n    CORSAllowOrigin *\n</Directory>\n'
     '<Directory "%s/q">\n    CORSAllowOrigin https://a.example\n'
     "    CORSAllowCredentials On\n</Directory>" % (D, D)),
    ("vhosts", "<VirtualHost @LISTEN@>\n    ServerName a.test\n    CORSAllowOrigin *\n"
     "</VirtualHost>\n<VirtualHost @LISTEN@>\n    ServerName b.test\n"
     '    <Location "/pub">\n        CORSAllowCredentials On\n    </Location>\n'
     "</VirtualHost>"),
]


SIBLINGS += [
    # <If> and <ElseIf> never apply together
    ("if-and-elseif", "<If \"%{HTTP:X-A} == '1'\">\n    CORSAllowOrigin *\n</If>\n"
     "<ElseIf \"%{HTTP:X-B} == '1'\">\n    CORSAllowOrigin https://a.example\n"
     "    CORSAllowCredentials On\n</ElseIf>"),
    # the section with credentials no longer has '*'
    ("location-replaces-star", "CORSAllowOrigin *\n"
     '<Location "/api">\n    CORSAllowOrigin https://a.example\n'
     "    CORSAllowCredentials On\n</Location>"),
    ("location-removes-star", "CORSAllowOrigin * https://a.example\n"
     '<Location "/api">\n    CORSAllowOrigin -*\n'
     "    CORSAllowCredentials On\n</Location>"),
    ("location-empties-list", "CORSAllowOrigin *\n"
     '<Location "/api">\n    CORSAllowOrigin none\n'
     "    CORSAllowCredentials On\n</Location>"),
]


@pytest.mark.parametrize("body", [s[1] for s in SIBLINGS], ids=[s[0] for s in SIBLINGS])
def test_star_and_credentials_in_sibling_sections_pass_configtest(body):
    # control: two sections that never apply to one request
    rc, out, _ = configtest(body)
    assert rc == 0, out


RUNTIME_CONF = r"""
<Directory "@DOCROOT@/star">
    CORSAllowOrigin *
    AllowOverride FileInfo
</Directory>
<Directory "@DOCROOT@/cred">
    CORSAllowOrigin https://app.example.com
    CORSAllowCredentials On
    AllowOverride FileInfo
</Directory>
<Directory "@DOCROOT@/wide">
    CORSAllowOrigin https://app.example.com null
    CORSAllowOriginMatch "https?://.*"
    AllowOverride FileInfo
</Directory>
"""

RUNTIME_DOCS = {
    "star/ht/x.txt": "x\n",
    "star/ht/.htaccess": "CORSAllowCredentials On\n",
    "cred/star/x.txt": "x\n",
    "cred/star/.htaccess": "CORSAllowOrigin +*\n",
    "cred/null/x.txt": "x\n",
    "cred/null/.htaccess": "CORSAllowOrigin +null\n",
    "cred/any/x.txt": "x\n",
    "cred/any/.htaccess": 'CORSAllowOriginMatch "+https?://.*"\n',
    "wide/ht/x.txt": "x\n",
    "wide/ht/.htaccess": "CORSAllowCredentials On\n",
}


@pytest.fixture(scope="module")
def runtime(request):
    return start_server(request, RUNTIME_CONF, docs=RUNTIME_DOCS,
                        allowed_errors=[r"\[cors:(error|crit|alert|emerg|warn)\]"])


RUNTIME_ROWS = [
    # (path, origin that must not be granted, the .htaccess the log names)
    ("/star/ht/x.txt", APP, "star/ht/.htaccess"),        # '*' above, credentials in .htaccess
    ("/cred/star/x.txt", EVIL, "cred/star/.htaccess"),   # credentials above, '*' in .htaccess
]


def test_htaccess_star_with_credentials_refused_and_logged_at_most_once_per_process(runtime):
    mark = runtime.log_mark()
    for path, origin, _ in RUNTIME_ROWS:
        for i in range(30):
            hdrs = [("Origin", origin)] + ([("Cookie", "s=%d" % i)] if i % 2 else [])
            r = runtime.get(tagged(path), hdrs)
            assert r.status in (200, 500), r
            assert_response(r, absent=["Access-Control-Allow-Origin",
                                       "Access-Control-Allow-Credentials"])
    time.sleep(0.2)
    lines = [l for l in runtime.error_log_lines(mark)
             if re.search(r"\[cors:(error|crit|alert|emerg|warn)\]", l)]
    assert lines, "the refused combination was not logged at all"
    seen = []
    for l in lines:
        files = [f for _, _, f in RUNTIME_ROWS if f in l]
        pid = pids_of([l])
        seen.append((pid[0] if pid else None, tuple(files)))
    assert len(seen) == len(set(seen)), \
        "logged more than once per file and process over 30 requests each:\n" + "\n".join(lines)


@pytest.mark.parametrize("path,origin", [("/cred/null/x.txt", "null"),
                                         ("/cred/any/x.txt", EVIL),
                                         ("/cred/any/x.txt", "http://x.invalid"),
                                         ("/wide/ht/x.txt", "null"),
                                         ("/wide/ht/x.txt", EVIL)])
def test_htaccess_any_origin_entry_under_credentials_never_granted(runtime, path, origin):
    for _ in range(5):
        r = runtime.get(path, {"Origin": origin})
        assert r.status in (200, 500), r
        assert_response(r, absent=["Access-Control-Allow-Origin",
                                   "Access-Control-Allow-Credentials"])
    lines = [l for l in runtime.error_log_lines()
             if "[cors:" in l and "%s/.htaccess" % path.rsplit("/", 1)[0] in l]
    pids = pids_of(lines)
    assert len(pids) == len(set(pids)), "\n".join(lines)


def test_htaccess_runtime_controls_still_granted(runtime):
    r = runtime.get("/cred/x.txt", {"Origin": APP})
    assert_response(r, 404, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Allow-Credentials": "true"}, vary_origin=True)
    r = runtime.get("/star/x.txt", {"Origin": APP})
    assert_response(r, 404, {"Access-Control-Allow-Origin": "*"}, vary_origin=False)
    r = runtime.get("/wide/x.txt", {"Origin": "null"})
    assert_response(r, 404, {"Access-Control-Allow-Origin": "null"}, vary_origin=True)


# ==========================================================================
# Defect 6: a self-answered preflight carries the headers that the
# location's other output filters (mod_headers) add.
# Defect 10: every preflight response has Vary: Origin,
# Access-Control-Request-Method, Access-Control-Request-Headers, once each.
# ==========================================================================

HDR_CONF = r"""
Header always set Strict-Transport-Security "max-age=63072000"
Header always set X-Content-Type-Options "nosniff"
<LocationMatch "^/h/">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET PUT
    CORSAllowHeaders X-Custom
    Header set X-Frame-Options "DENY"
    Header always set X-Loc-Always "yes"
</LocationMatch>
<Location "/h/200/">
    CORSPreflightStatus 200
</Location>
<Location "/h/if/">
    <If "%%{REQUEST_METHOD} == 'OPTIONS'">
        Header always set X-If-Options "1"
    </If>
    Header always add X-Added "a"
</Location>
<Location "/h/auth/">
%(basic)s    Require valid-user
</Location>
<Location "/h/acao/">
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Allow-Methods "DELETE"
</Location>
<Location "/h/vary/">
    Header always merge Vary "Accept-Encoding"
</Location>
<Location "/h/vary-set/">
    Header always set Vary "Accept-Encoding, Origin"
</Location>
<Location "/h/vary-onsuccess/">
    Header set Vary "Accept-Language"
</Location>
<Location "/h/vary-star/">
    Header always set Vary "*"
</Location>
<Location "/h/pass/">
    CORSPreflightPassthrough On
</Location>
<Directory "@DOCROOT@/h/sh-cgi">
    Options +ExecCGI
</Directory>
<Location "/h/sh-cgi/">
    SetHandler cgi-script
</Location>
# nothing listens there: a preflight that reached the proxy would get 503
<Location "/h/sh-proxy/">
    SetHandler "proxy:http://127.0.0.1:9/"
</Location>
# fixups that would redirect: mod_dir (no trailing slash), per-directory
# mod_rewrite [R] and mod_alias Redirect
<Directory "@DOCROOT@/h/rw">
    RewriteEngine On
    RewriteRule "^x$" "http://127.0.0.1/elsewhere" [R=301,L]
</Directory>
<Directory "@DOCROOT@/h/red">
    Redirect 301 http://127.0.0.1/other
</Directory>
<Location "/h/pass-keep/">
    CORSPreflightPassthrough On
    CORSUpstreamHeaders Keep
</Location>
<Directory "@DOCROOT@/h/pass-keep">
    Options +ExecCGI
    AddHandler cgi-script .cgi
</Directory>
<Location "/pub/">
    CORSAllowOrigin *
    CORSAllowMethods GET PUT
    Header always set X-Pub "1"
</Location>
<Location "/cred/">
    CORSAllowOrigin https://app.example.com
    CORSAllowCredentials On
    CORSAllowMethods *
    CORSAllowHeaders *
</Location>
<Directory "@DOCROOT@/hh">
    AllowOverride FileInfo
</Directory>
<VirtualHost @LISTEN@>
    ServerName vh.test
    Header always set X-Vhost "vh"
    CORSAllowOrigin https://app.example.com
</VirtualHost>
<VirtualHost @LISTEN@>
    ServerName 127.0.0.1
</VirtualHost>
""" % dict(basic=BASIC)

HDR_DOCS = {
    "h/x.txt": "x\n",
    "hh/x.txt": "x\n",
    "h/sh-cgi/run.cgi": RUN_CGI,
    "h/dir/index.html": "index\n",
    "h/rw/x": "x\n",
    "h/red/a.txt": "a\n",
    "h/pass-keep/lower.cgi": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n'\n"
                             "printf 'Vary: origin, access-control-request-method\\r\\n'\n"
                             "printf '\\r\\n'\necho ok\n",
    "h/pass-keep/acao.cgi": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n'\n"
                            "printf 'Access-Control-Allow-Origin: https://app.example.com\\r\\n'\n"
                            "printf 'Vary: Accept-Encoding\\r\\n\\r\\n'\necho ok\n",
    "hh/.htaccess": 'CORSAllowOrigin https://app.example.com\n'
                    'Header always set X-Htaccess "ht"\n',
}


@pytest.fixture(scope="module")
def headers(request):
    return start_server(request, HDR_CONF, htpasswd=True,
                        modules=AUTH_MODULES + ["cgid", "proxy", "proxy_http"],
                        docs=HDR_DOCS, allowed_errors=[r"AH01618"])


ALWAYS = {"Strict-Transport-Security": "max-age=63072000",
          "X-Content-Type-Options": "nosniff"}

SELF_ANSWERED = [
    # (id, path, status, extra headers expected, request headers)
    ("location", "/h/x.txt", 204, {"X-Loc-Always": "yes", "X-Frame-Options": "DENY"}, ()),
    ("missing-resource", "/h/nothing/here", 204, {"X-Loc-Always": "yes"}, ()),
    ("status-200", "/h/200/x", 200, {"X-Loc-Always": "yes", "X-Frame-Options": "DENY"}, ()),
    ("header-in-if-and-header-add", "/h/if/x", 204, {"X-If-Options": "1", "X-Added": "a"},
     ()),
    ("behind-basic-auth", "/h/auth/x", 204, {"X-Loc-Always": "yes"}, ()),
    ("htaccess-header", "/hh/x.txt", 204, {"X-Htaccess": "ht"}, ()),
    ("vhost-header", "/x.txt", 204, {"X-Vhost": "vh"}, (("Host", "vh.test"),)),
    ("public-policy", "/pub/x", 204, {"X-Pub": "1"}, ()),
    ("sethandler-cgi", "/h/sh-cgi/run.cgi", 204, {"X-Loc-Always": "yes"}, ()),
    ("directory-without-slash", "/h/dir", 204, {"X-Loc-Always": "yes", "Location": None}, ()),
    ("directory-index", "/h/dir/", 204, {"X-Loc-Always": "yes"}, ()),
    ("per-dir-rewrite-redirect", "/h/rw/x", 204, {"X-Loc-Always": "yes", "Location": None},
     ()),
    ("per-dir-alias-redirect", "/h/red/a.txt", 204, {"X-Loc-Always": "yes",
                                                     "Location": None}, ()),
    ("sethandler-proxy", "/h/sh-proxy/x", 204, {"X-Loc-Always": "yes"}, ()),
]


@pytest.mark.parametrize("path,status,extra,req", [r[1:] for r in SELF_ANSWERED],
                         ids=[r[0] for r in SELF_ANSWERED])
def test_self_answered_preflight_carries_header_always_set_and_header_set(
        headers, path, status, extra, req):
    r = preflight(headers, path, APP, "POST", None, req)
    expect = dict(ALWAYS)
    expect.update(extra)
    expect["Access-Control-Allow-Origin"] = "*" if path.startswith("/pub/") else APP
    assert_response(r, status, expect)
    assert r.body == b""


@pytest.mark.parametrize("path", ["/h/sh-cgi/run.cgi", "/h/sh-proxy/x"])
def test_self_answered_preflight_never_runs_the_locations_handler(headers, path):
    t = tagged(path)
    r = preflight(headers, t, APP, "PUT")
    assert_response(r, 204, dict(ALWAYS, **{"Access-Control-Allow-Origin": APP}),
                    vary_origin=True)
    assert r.body == b""
    assert not cgi_ran(headers, t)
    assert cors_result(headers, t) == "preflight"


def test_refused_preflight_carries_header_always_set(headers):
    # control: the 403 goes through httpd's error path
    r = preflight(headers, "/h/x.txt", EVIL, "PUT")
    assert_response(r, 403, dict(ALWAYS, **{"X-Loc-Always": "yes"}), absent=[ACX])


def test_self_answered_preflight_replaces_header_always_set_cors_headers(headers):
    r = preflight(headers, "/h/acao/x", APP, "PUT")
    assert_response(r, 204, dict(ALWAYS, **{"Access-Control-Allow-Origin": APP,
                                            "Access-Control-Allow-Methods": "GET, PUT"}),
                    vary_origin=True)


# -- defect 10 -------------------------------------------------------------

VARY_ROWS = [
    # (id, path, origin, method, acrh, status, other Vary tokens that stay)
    ("granted", "/h/x.txt", APP, "PUT", "x-custom", 204, ()),
    ("granted-no-acrh", "/h/x.txt", APP, "GET", None, 204, ()),
    ("refused-origin", "/h/x.txt", EVIL, "PUT", None, 403, ()),
    ("refused-method", "/h/x.txt", APP, "DELETE", None, 403, ()),
    ("refused-header", "/h/x.txt", APP, "PUT", "x-other", 403, ()),
    ("refused-malformed-origin", "/h/x.txt", "https://APP.example.com", "PUT", None, 403, ()),
    ("public-granted", "/pub/x", APP, "PUT", None, 204, ()),
    ("public-granted-any-origin", "/pub/x", EVIL, "GET", None, 204, ()),
    ("public-refused-method", "/pub/x", APP, "DELETE", None, 403, ()),
    ("credentials-star-echo", "/cred/x", APP, "PATCH", "x-a, x-b", 204, ()),
    ("merged-accept-encoding-granted", "/h/vary/x", APP, "PUT", None, 204,
     ("accept-encoding",)),
    ("merged-accept-encoding-refused", "/h/vary/x", EVIL, "PUT", None, 403,
     ("accept-encoding",)),
    ("set-with-origin-granted", "/h/vary-set/x", APP, "PUT", None, 204,
     ("accept-encoding",)),
    ("set-with-origin-refused", "/h/vary-set/x", APP, "DELETE", None, 403,
     ("accept-encoding",)),
    ("header-set-onsuccess-granted", "/h/vary-onsuccess/x", APP, "PUT", None, 204,
     ("accept-language",)),
    ("passthrough-granted", "/h/pass/x.txt", APP, "PUT", None, 200, ()),
    ("passthrough-keep-upstream-acao", "/h/pass-keep/acao.cgi", APP, "PUT", None, 200,
     ("accept-encoding",)),
    ("passthrough-handler-lower-case-vary", "/h/pass-keep/lower.cgi", APP, "PUT", None, 200,
     ()),
    ("behind-auth-refused-401", "/h/auth/x", EVIL, "PUT", None, 401, ()),
    ("htaccess-policy-granted", "/hh/x.txt", APP, "GET", None, 204, ()),
]


@pytest.mark.parametrize("path,origin,method,acrh,status,others",
                         [r[1:] for r in VARY_ROWS], ids=[r[0] for r in VARY_ROWS])
def test_every_preflight_response_varies_on_origin_and_request_headers(
        headers, path, origin, method, acrh, status, others):
    r = preflight(headers, path, origin, method, acrh)
    assert r.status == status, r
    assert_preflight_vary(r, others)


def test_preflight_never_adds_to_vary_star(headers):
    for origin, method in [(APP, "PUT"), (EVIL, "PUT")]:
        r = preflight(headers, "/h/vary-star/x", origin, method)
        assert r.status in (204, 403), r
        assert r.tokens("Vary") == ["*"], r


@pytest.mark.parametrize("path,vary_origin", [("/h/x.txt", True), ("/pub/x", False)])
def test_actual_request_vary_unchanged(headers, path, vary_origin):
    # control: actual requests keep Vary: Origin only (none for '*')
    r = headers.get(path, {"Origin": APP})
    vary = r.tokens("Vary")
    assert "access-control-request-method" not in vary, r
    assert "access-control-request-headers" not in vary, r
    assert_response(r, vary_origin=vary_origin)


# ==========================================================================
# Defect 7: CORSUpstreamHeaders Keep merges Origin into Vary whenever the
# kept Access-Control-Allow-Origin is not '*', under a public policy too.
# ==========================================================================


def acao_cgi(acao=None, vary=None, reflect=False, creds=False):
    lines = ["#!/bin/sh", "printf 'Content-Type: text/plain\\r\\n'"]
    if reflect:
        lines.append("printf 'Access-Control-Allow-Origin: %s\\r\\n' \"$HTTP_ORIGIN\"")
    elif acao:
        lines.append("printf 'Access-Control-Allow-Origin: %s\\r\\n'" % acao)
    if creds:
        lines.append("printf 'Access-Control-Allow-Credentials: true\\r\\n'")
    if vary:
        lines.append("printf 'Vary: %s\\r\\n'" % vary)
    lines += ["printf '\\r\\n'", "echo from-cgi", ""]
    return "\n".join(lines)


KEEP_BACKEND_CONF = r"""
<Location "/per-origin/">
    Header always set Access-Control-Allow-Origin "https://app.example.com"
    Header always set Access-Control-Allow-Credentials "true"
</Location>
<Location "/star/">
    Header always set Access-Control-Allow-Origin "*"
</Location>
"""


@pytest.fixture(scope="module")
def keep_backend(request):
    return start_server(request, KEEP_BACKEND_CONF, load_cors=False,
                        docs={"per-origin/x.txt": "backend\n", "star/x.txt": "backend\n"})


KEEP_CONF = (CGI_DIR % "k") + r"""
<LocationMatch "^/(k|kp)/pub/">
    CORSAllowOrigin *
    CORSUpstreamHeaders Keep
</LocationMatch>
<Location "/k/list/">
    CORSAllowOrigin https://app.example.com
    CORSUpstreamHeaders Keep
</Location>
<Location "/k/pub/hdr/">
    Header always set Access-Control-Allow-Origin "https://app.example.com"
</Location>
<Location "/k/pub/hdr-star/">
    Header always set Access-Control-Allow-Origin "*"
</Location>
ProxyPass "/kp/pub/per-origin/" "http://127.0.0.1:@BPORT@/per-origin/"
ProxyPass "/kp/pub/star/" "http://127.0.0.1:@BPORT@/star/"
"""

KEEP_DOCS = {
    "k/pub/app.cgi": acao_cgi(APP),
    "k/pub/reflect.cgi": acao_cgi(reflect=True, creds=True),
    "k/pub/null.cgi": acao_cgi("null"),
    "k/pub/app-vary-origin.cgi": acao_cgi(APP, vary="Origin"),
    "k/pub/app-vary-ae.cgi": acao_cgi(APP, vary="Accept-Encoding"),
    "k/pub/star.cgi": acao_cgi("*"),
    "k/pub/plain.cgi": acao_cgi(),
    "k/pub/hdr/x.txt": "x\n",
    "k/pub/hdr-star/x.txt": "x\n",
    "k/list/star.cgi": acao_cgi("*"),
}


@pytest.fixture(scope="module")
def keep(request, keep_backend):
    body = KEEP_CONF.replace("@BPORT@", str(keep_backend.port))
    return start_server(request, body, modules=["cgid", "proxy", "proxy_http"],
                        docs=KEEP_DOCS)


KEEP_PER_ORIGIN = [
    ("cgi-fixed-origin", "/k/pub/app.cgi", APP, ()),
    ("cgi-reflects-origin", "/k/pub/reflect.cgi", None, ()),
    ("cgi-null", "/k/pub/null.cgi", "null", ()),
    ("cgi-vary-origin-already", "/k/pub/app-vary-origin.cgi", APP, ()),
    ("cgi-vary-accept-encoding", "/k/pub/app-vary-ae.cgi", APP, ("accept-encoding",)),
    ("header-always-set", "/k/pub/hdr/x.txt", APP, ()),
    ("proxied-backend", "/kp/pub/per-origin/x.txt", APP, ()),
]


@pytest.mark.parametrize("path,acao,others", [r[1:] for r in KEEP_PER_ORIGIN],
                         ids=[r[0] for r in KEEP_PER_ORIGIN])
@pytest.mark.parametrize("origin", [APP, EVIL])
def test_keep_per_origin_acao_under_public_policy_gets_vary_origin(keep, path, acao,
                                                                   others, origin):
    r = keep.get(path, {"Origin": origin})
    assert r.status == 200, r
    assert r.get_all("Access-Control-Allow-Origin") == [acao or origin], r
    assert_response(r, vary_origin=True)
    for t in others:
        assert r.tokens("Vary").count(t) == 1, r


@pytest.mark.parametrize("path", ["/k/pub/app.cgi", "/k/pub/hdr/x.txt",
                                  "/kp/pub/per-origin/x.txt"])
def test_keep_per_origin_acao_without_origin_request_header_gets_vary_origin(keep, path):
    r = keep.get(path)
    assert r.status == 200, r
    assert r.get_all("Access-Control-Allow-Origin") == [APP], r
    assert_response(r, vary_origin=True)


@pytest.mark.parametrize("path", ["/k/pub/star.cgi", "/k/pub/hdr-star/x.txt",
                                  "/kp/pub/star/x.txt", "/k/pub/plain.cgi"])
@pytest.mark.parametrize("origin", [APP, EVIL, None])
def test_keep_star_acao_under_public_policy_adds_no_vary_origin(keep, path, origin):
    r = keep.get(path, {"Origin": origin} if origin else {})
    assert_response(r, 200, {"Access-Control-Allow-Origin": "*"}, vary_origin=False)


def test_keep_per_origin_acao_on_backend_error_gets_vary_origin(keep):
    r = keep.get("/kp/pub/per-origin/missing.txt", {"Origin": EVIL})
    assert r.status == 404, r
    assert r.get_all("Access-Control-Allow-Origin") == [APP], r
    assert_response(r, vary_origin=True)


def test_keep_under_listed_policy_still_varies(keep):
    # control
    r = keep.get("/k/list/star.cgi", {"Origin": APP})
    assert_response(r, 200, {"Access-Control-Allow-Origin": "*"}, vary_origin=True)


# ==========================================================================
# Defect 8: an entry with both a port and ':*' never matches: configtest.
# ==========================================================================

PORT_AND_ANY = [
    ("localhost", "http://localhost:8080:*"),
    ("wildcard", "https://*.example.com:8443:*"),
    ("ipv4", "http://127.0.0.1:3000:*"),
    ("ipv6", "http://[::1]:8080:*"),
    ("host", "https://api.example.com:8443:*"),
]


@pytest.mark.parametrize("entry", [p[1] for p in PORT_AND_ANY], ids=[p[0] for p in PORT_AND_ANY])
@pytest.mark.parametrize("shape", ["alone", "second", "added", "location"])
def test_origin_with_port_and_any_port_fails_configtest(entry, shape):
    body = {"alone": "CORSAllowOrigin %s" % entry,
            "second": "CORSAllowOrigin https://ok.example %s" % entry,
            "added": "CORSAllowOrigin https://ok.example\n"
                     '<Location "/x">\n    CORSAllowOrigin +%s\n</Location>' % entry,
            "location": '<Location "/x">\n    CORSAllowOrigin %s\n</Location>' % entry}[shape]
    rc, out, _ = configtest(body)
    assert rc != 0, "configtest passed:\n" + out
    assert "CORSAllowOrigin" in out, out
    assert entry in out, out
    # the form to write instead: with the port, or with ':*'
    base = entry[:-2]                       # 'scheme://host:port'
    anyport = base.rsplit(":", 1)[0] + ":*"
    assert ("'%s'" % base) in out or ("'%s'" % anyport) in out, out


@pytest.mark.parametrize("entry", ["http://localhost:*", "https://*.example.com:*",
                                   "https://*.example.com:8443", "http://[::1]:*",
                                   "http://localhost:8080"])
def test_origin_with_only_port_or_only_any_port_passes_configtest(entry):
    rc, out, _ = configtest("CORSAllowOrigin %s" % entry)
    assert rc == 0, out


# ==========================================================================
# Defect 9: forward-proxy requests are never decorated; ProxyPass is.
# ==========================================================================

FWD_BACKEND_CONF = r"""
<Location "/own/">
    Header always set Access-Control-Allow-Origin "https://backend.example"
    Header always set Access-Control-Allow-Credentials "true"
</Location>
"""


@pytest.fixture(scope="module")
def fwd_backend(request):
    return start_server(request, FWD_BACKEND_CONF, load_cors=False,
                        docs={"x.txt": "backend\n", "own/x.txt": "backend-own\n"})


FWD_CONF = r"""
CORSAllowOrigin https://app.example.com
CORSAllowMethods GET PUT
CORSAllowCredentials On
ProxyRequests On
<Proxy "*">
    Require all granted
    CORSAllowOrigin +https://proxy-sec.example
</Proxy>
ProxyPass "/rp/" "http://127.0.0.1:@BPORT@/"
"""


@pytest.fixture(scope="module")
def fwd(request, fwd_backend):
    return start_server(request, FWD_CONF.replace("@BPORT@", str(fwd_backend.port)),
                        modules=["proxy", "proxy_http"], docs={"local.txt": "local\n"})


def fwd_url(backend, path):
    return "http://127.0.0.1:%d%s" % (backend.port, path)


def fwd_cors(h, tag, timeout=3):
    """The cors= field of the access-log line whose request carried ``tag``."""
    deadline = time.time() + timeout
    while True:
        for e in h.access_log():
            if tag in e["line"]:
                return e["cors"]
        if time.time() > deadline:
            return None
        time.sleep(0.05)


@pytest.mark.parametrize("origin", [APP, "https://proxy-sec.example", EVIL, None],
                         ids=["allowed", "allowed-in-proxy-section", "refused", "none"])
def test_forward_proxy_response_gets_no_mod_cors_headers(fwd, fwd_backend, origin):
    t = tagged("/x.txt")
    r = fwd.get(fwd_url(fwd_backend, t), {"Origin": origin} if origin else {})
    assert r.status == 200, r
    assert r.body == b"backend\n"
    assert_response(r, absent=[ACX], vary_origin=False)
    assert fwd_cors(fwd, t.split("?")[1] + '"') == "-"


def test_forward_proxy_keeps_the_sites_own_cors_headers(fwd, fwd_backend):
    r = fwd.get(fwd_url(fwd_backend, "/own/x.txt"), {"Origin": APP})
    assert_response(r, 200, {"Access-Control-Allow-Origin": "https://backend.example",
                             "Access-Control-Allow-Credentials": "true"},
                    vary_origin=False)


@pytest.mark.parametrize("origin,method", [(APP, "PUT"), (EVIL, "PUT"), (APP, "DELETE")])
def test_forward_proxy_preflight_is_not_answered_by_mod_cors(fwd, fwd_backend, origin,
                                                            method):
    t = tagged("/x.txt")
    before = len(fwd_backend.access_log())
    r = preflight(fwd, fwd_url(fwd_backend, t), origin, method)
    # the site (the backend, without CORS) answered: core OPTIONS, 200, Allow
    assert r.status == 200, r
    assert r.has("Allow"), r
    assert_response(r, absent=[ACX], vary_origin=False)
    assert any((t + '"') in e["line"] for e in fwd_backend.access_log(min_lines=before + 1)), \
        "the preflight never reached the site"
    assert fwd_cors(fwd, t.split("?")[1] + '"') == "-"


def test_reverse_proxy_and_local_files_stay_decorated(fwd):
    # control
    for path, body in [("/rp/x.txt", b"backend\n"), ("/local.txt", b"local\n")]:
        r = fwd.get(path, {"Origin": APP})
        assert_response(r, 200, {"Access-Control-Allow-Origin": APP,
                                 "Access-Control-Allow-Credentials": "true"},
                        vary_origin=True)
        assert r.body == body
    r = fwd.get("/rp/own/x.txt", {"Origin": APP})
    assert_response(r, 200, {"Access-Control-Allow-Origin": APP}, vary_origin=True)
    r = preflight(fwd, "/rp/x.txt", APP, "PUT")
    assert_response(r, 204, {"Access-Control-Allow-Origin": APP}, vary_origin=True)
    # the <Proxy> section's policy applies to reverse-proxied requests
    r = fwd.get("/rp/x.txt", {"Origin": "https://proxy-sec.example"})
    assert_response(r, 200, {"Access-Control-Allow-Origin": "https://proxy-sec.example"},
                    vary_origin=True)


# ==========================================================================
# Defect 11: null and any-origin regexes with credentials fail configtest.
# ==========================================================================

WHY = r"(?i)(any|every|all|unrelated|arbitrary|other)\s+(web\s*)?(site|origin|page|document)s?" \
      r"|sandbox"

ANY_REGEXES = [".*", "https?://.*", ".+", "https://.*", "http://.*", "[a-z]+://.+",
               "https?://[^/]+", "(https|http)://.*", "https?://[a-z0-9.-]+(:[0-9]+)?",
               "http://.*:[0-9]+", "https://.+\\..+",
               # every site under a real top-level domain
               "https://.*\\.com", "https://[a-z0-9-]+\\.org"]


def _wrap_same(entry_line):
    return '<Location "/x">\n    %s\n    CORSAllowCredentials On\n</Location>' % entry_line


def _wrap_inherit(entry_line):
    return '%s\n<Location "/x">\n    CORSAllowCredentials On\n</Location>' % entry_line


def _wrap_inherit_reversed(entry_line):
    return 'CORSAllowCredentials On\n<Location "/x">\n    %s\n</Location>' % entry_line


def _wrap_vhost(entry_line):
    return ("<VirtualHost @LISTEN@>\n    %s\n    <Directory \"@DOCROOT@/v\">\n"
            "        CORSAllowCredentials On\n    </Directory>\n</VirtualHost>" % entry_line)


def _wrap_dir_loc(entry_line):
    return ('<Directory "@DOCROOT@/x">\n    %s\n</Directory>\n'
            '<Location "/x">\n    CORSAllowCredentials On\n</Location>' % entry_line)


WRAPS = [("same-section", _wrap_same), ("inheriting-section", _wrap_inherit),
         ("directory-then-location", _wrap_dir_loc),
         ("credentials-above", _wrap_inherit_reversed), ("vhost-directory", _wrap_vhost)]


@pytest.mark.parametrize("wrap", [w[1] for w in WRAPS], ids=[w[0] for w in WRAPS])
def test_null_with_credentials_fails_configtest_saying_why(wrap):
    rc, out, _ = configtest(wrap("CORSAllowOrigin https://a.example null"))
    assert rc != 0, "configtest passed:\n" + out
    assert "null" in out, out
    assert re.search(WHY, out), out


@pytest.mark.parametrize("regex", ANY_REGEXES)
@pytest.mark.parametrize("wrap", [w[1] for w in WRAPS], ids=[w[0] for w in WRAPS])
def test_any_origin_regex_with_credentials_fails_configtest_saying_why(wrap, regex):
    rc, out, _ = configtest(wrap('CORSAllowOriginMatch "%s"' % regex))
    assert rc != 0, "configtest passed:\n" + out
    assert "CORSAllowOriginMatch" in out, out
    assert names_text(out, regex), out
    assert re.search(WHY, out), out


@pytest.mark.parametrize("regex", ["https://tenant-[0-9]+\\.apps\\.example",
                                   "https://[a-z]+\\.example\\.com",
                                   "https://.*\\.example\\.com",
                                   "https?://(app|www)\\.example\\.com(:[0-9]+)?"])
@pytest.mark.parametrize("wrap", [w[1] for w in WRAPS], ids=[w[0] for w in WRAPS])
def test_specific_regex_with_credentials_passes_configtest(wrap, regex):
    rc, out, _ = configtest(wrap('CORSAllowOriginMatch "%s"' % regex))
    assert rc == 0, out


@pytest.mark.parametrize("line", ["CORSAllowOrigin null", 'CORSAllowOriginMatch ".*"'])
def test_any_origin_entries_without_credentials_pass_configtest(line):
    rc, out, _ = configtest(_wrap_inherit(line).replace("On", "Off"))
    assert rc == 0, out


# ==========================================================================
# Defect 12: a request httpd refuses before the per-directory walk is
# never classified.
# ==========================================================================

BAD_POLICY = """    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET PUT
    CORSAllowCredentials On
"""


@pytest.fixture(scope="module", params=["vhost", "server"])
def malformed(request):
    if request.param == "vhost":
        body = "<VirtualHost @LISTEN@>\n%s</VirtualHost>\n" % BAD_POLICY
    else:
        body = BAD_POLICY
    return start_server(request, body, docs={"x.txt": "x\n"})


PF = b"Origin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n"
AC = b"Origin: https://app.example.com\r\n"
HOST = b"Host: 127.0.0.1\r\n"

MALFORMED = [
    # (id, raw request, expected status)
    ("preflight-header-without-colon", b"OPTIONS /x.txt?m1 HTTP/1.1\r\n" + HOST + PF
     + b"BadHeaderNoColon\r\n\r\n", 400),
    ("actual-header-without-colon", b"GET /x.txt?m2 HTTP/1.1\r\n" + HOST + AC
     + b"BadHeaderNoColon\r\n\r\n", 400),
    ("preflight-header-name-with-space", b"OPTIONS /x.txt?m3 HTTP/1.1\r\n" + HOST + PF
     + b"X Bad: 1\r\n\r\n", 400),
    ("preflight-header-too-long", b"OPTIONS /x.txt?m4 HTTP/1.1\r\n" + HOST + PF
     + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n", 400),
    ("actual-header-too-long", b"GET /x.txt?m5 HTTP/1.1\r\n" + HOST + AC
     + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n", 400),
    ("preflight-too-many-headers", b"OPTIONS /x.txt?m6 HTTP/1.1\r\n" + HOST + PF
     + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n", 400),
    ("preflight-bad-host", b"OPTIONS /x.txt?m7 HTTP/1.1\r\nHost: bad host!\r\n" + PF
     + b"\r\n", 400),
    ("preflight-http11-without-host", b"OPTIONS /x.txt?m8 HTTP/1.1\r\n" + PF + b"\r\n", 400),
    ("actual-http11-without-host", b"GET /x.txt?m9 HTTP/1.1\r\n" + AC + b"\r\n", 400),
    ("preflight-unsupported-expect", b"OPTIONS /x.txt?m11 HTTP/1.1\r\n" + HOST + PF
     + b"Expect: something-else\r\n\r\n", 417),
    ("preflight-unknown-transfer-encoding", b"OPTIONS /x.txt?m12 HTTP/1.1\r\n" + HOST + PF
     + b"Transfer-Encoding: gzip\r\n\r\n", 400),
    ("preflight-host-with-bad-port", b"OPTIONS /x.txt?m13 HTTP/1.1\r\n"
     b"Host: 127.0.0.1:99999\r\n" + PF + b"\r\n", 400),
    ("invalid-request-line", b"OPTIONS /x.txt?m10 HTTP/1.1 junk\r\n" + HOST + PF
     + b"\r\n", 400),
    ("over-long-request-line", b"OPTIONS /" + b"a" * 9000 + b" HTTP/1.1\r\n" + HOST + PF
     + b"\r\n", 414),
]


@pytest.mark.parametrize("data,status", [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_request_httpd_refuses_before_the_walk_is_never_classified(malformed, data, status):
    before = len(malformed.access_log())
    got, hdrs = raw_request(malformed, data)
    assert got == status, (got, hdrs)
    acx = [(k, v) for k, v in hdrs if k.lower().startswith("access-control-")]
    assert not acx, hdrs
    lines = malformed.access_log(min_lines=before + 1)
    assert len(lines) == before + 1, lines[before:]
    assert re.search(r" cors=- ", lines[-1]["line"]), lines[-1]["line"]


def test_well_formed_requests_on_the_same_server_are_classified(malformed):
    # control
    path = tagged("/x.txt")
    r = malformed.get(path, {"Origin": APP})
    assert_response(r, 200, {"Access-Control-Allow-Origin": APP}, vary_origin=True)
    assert cors_result(malformed, path) == "allowed"
    path = tagged("/x.txt")
    r = preflight(malformed, path, APP, "PUT")
    assert_response(r, 204, {"Access-Control-Allow-Origin": APP}, vary_origin=True)
    assert cors_result(malformed, path) == "preflight"
    path = tagged("/x.txt")
    assert malformed.get(path).status == 200
    assert cors_result(malformed, path) == "none"


# ==========================================================================
# Defect 13: loaded but unconfigured changes nothing: no CORS_RESULT.
# ==========================================================================

NOPOLICY_CONF = (CGI_DIR % "cgi") + r"""
<Directory "@DOCROOT@/ssi">
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Directory>
# mod_cors directives that shape a policy, but no origin anywhere
<Location "/shaped/">
    CORSAllowMethods GET PUT
    CORSAllowHeaders X-A
    CORSMaxAge 60
    CORSAllowCredentials On
    CORSPreflightPassthrough On
</Location>
<Location "/emptied/">
    CORSAllowOrigin none
</Location>
<Location "/rq/">
    Require cors-preflight
</Location>
"""

NOPOLICY_DOCS = {
    "cgi/env.cgi": ENV_CGI,
    "shaped/env.cgi": ENV_CGI,
    "emptied/env.cgi": ENV_CGI,
    "ssi/env.shtml": "<pre><!--#printenv --></pre>\n",
    "x.txt": "x\n",
}


@pytest.fixture(scope="module")
def nopolicy(request):
    return start_server(request, NOPOLICY_CONF + CGI_DIR % "shaped" + CGI_DIR % "emptied",
                        modules=["cgid", "include"], docs=NOPOLICY_DOCS)


NOPOLICY_REQS = [
    ("no-origin", "GET", []),
    ("origin", "GET", [("Origin", APP)]),
    ("preflight-shaped", "OPTIONS", [("Origin", APP), ("Access-Control-Request-Method", "PUT")]),
    ("post-origin", "POST", [("Origin", APP)]),
]


NOPOLICY_ROWS = [(p, q) for p in ("/cgi/env.cgi", "/shaped/env.cgi", "/emptied/env.cgi")
                 for q in NOPOLICY_REQS] + [("/ssi/env.shtml", q) for q in NOPOLICY_REQS[:2]]


@pytest.mark.parametrize("path,method,hdrs", [(p, q[1], q[2]) for p, q in NOPOLICY_ROWS],
                         ids=["%s-%s" % (p.strip("/").replace("/", "-"), q[0])
                              for p, q in NOPOLICY_ROWS])
def test_no_policy_sets_no_cors_result_in_cgi_or_ssi_environment(nopolicy, path, method,
                                                                 hdrs):
    t = tagged(path)
    r = nopolicy.request(method, t, hdrs, body=b"" if method == "POST" else None)
    assert r.status == 200, r
    assert b"CORS_RESULT" not in r.body, r.body
    if path.endswith(".shtml"):
        assert b"REQUEST_URI" in r.body, r.body      # printenv did print
    else:
        assert b"REQUEST_METHOD=" + method.encode() in r.body, r.body
    assert_response(r, absent=[ACX], vary_origin=False)
    assert cors_result(nopolicy, t) == "-"


@pytest.mark.parametrize("path,status", [("/x.txt", 200), ("/missing.txt", 404),
                                         ("/shaped/missing", 404)])
def test_no_policy_access_log_cors_result_is_dash(nopolicy, path, status):
    for hdrs in ([], [("Origin", APP)]):
        t = tagged(path)
        r = nopolicy.get(t, hdrs)
        assert r.status == status, r
        assert cors_result(nopolicy, t) == "-"


@pytest.mark.parametrize("method,hdrs", [q[1:] for q in NOPOLICY_REQS],
                         ids=[q[0] for q in NOPOLICY_REQS])
def test_no_policy_require_cors_preflight_sets_no_cors_result(nopolicy, method, hdrs):
    nopolicy.expect_error(r"AH01630")
    t = tagged("/rq/x.txt")
    r = nopolicy.request(method, t, hdrs, body=b"" if method == "POST" else None)
    assert r.status == 403, r
    assert_response(r, absent=[ACX], vary_origin=False)
    assert cors_result(nopolicy, t) == "-"


MIXED_CONF = (CGI_DIR % "pol") + (CGI_DIR % "free") + r"""
<Location "/pol/">
    CORSAllowOrigin https://app.example.com
</Location>
# the error page of a request without policy lives under the policy
<Location "/free/">
    ErrorDocument 404 /pol/404.html
</Location>
"""


@pytest.fixture(scope="module")
def mixed(request):
    return start_server(request, MIXED_CONF, modules=["cgid"],
                        docs={"pol/env.cgi": ENV_CGI, "free/env.cgi": ENV_CGI,
                              "pol/404.html": "policy 404\n"})


def test_outside_the_policy_cgi_sees_no_cors_result(mixed):
    t = tagged("/free/env.cgi")
    r = mixed.get(t, {"Origin": APP})
    assert r.status == 200
    assert b"CORS_RESULT" not in r.body, r.body
    assert cors_result(mixed, t) == "-"


@pytest.mark.parametrize("method,hdrs", [q[1:] for q in NOPOLICY_REQS[:3]],
                         ids=[q[0] for q in NOPOLICY_REQS[:3]])
def test_error_page_under_a_policy_for_a_request_without_one_sets_nothing(mixed, method,
                                                                         hdrs):
    path = ptag("/free/", ".txt")
    r = mixed.request(method, path, hdrs)
    assert r.status == (200 if method == "OPTIONS" else 404), r
    assert_response(r, absent=[ACX], vary_origin=False)
    if method != "OPTIONS":
        assert r.body == b"policy 404\n"
    assert cors_result(mixed, path) == "-"


@pytest.mark.parametrize("hdrs,result", [([], "none"), ([("Origin", APP)], "allowed"),
                                         ([("Origin", EVIL)], "denied")])
def test_under_a_policy_cgi_still_sees_cors_result(mixed, hdrs, result):
    # control: the variable is still set where a policy is in effect
    t = tagged("/pol/env.cgi")
    r = mixed.get(t, hdrs)
    assert r.status == 200
    assert ("CORS_RESULT=%s\n" % result).encode() in r.body, r.body
    assert cors_result(mixed, t) == result

