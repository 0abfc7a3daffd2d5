"""The same representative requests under every MPM (issue 4, "process
models"): event, worker and prefork, one server each (module scope,
parametrised). Granted and refused actual requests, granted and refused
preflights, a preflight through Basic auth, an error page, a redirect, a
CGI response with its own CORS headers and a gzip'ed response.
"""

import base64
import gzip
import os
import subprocess
import time

import pytest

from harness import ACX, Httpd, assert_response, cors_result, tagged

APP = "https://app.example.com"
EVIL = "https://evil.example.com"
USER, PASSWORD = "alice", "s3cret"

CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n'
printf 'Access-Control-Allow-Origin: *\\r\\n\\r\\n'
echo from-cgi
"""

CONF = r"""
ScriptAlias "/api/cgi/" "@DOCROOT@/cgi-bin/"
<Directory "@DOCROOT@/cgi-bin">
    Options +ExecCGI
</Directory>
<Location "/api">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET POST PUT
    CORSAllowHeaders Authorization
    CORSAllowCredentials On
</Location>
<Location "/api/auth">
    AuthType Basic
    AuthName "api"
    AuthUserFile "@ROOT@/htpasswd"
    Require valid-user
</Location>
<Location "/api/err">
    ErrorDocument 404 /errors/404.html
</Location>
<Location "/api/gz">
    SetOutputFilter DEFLATE
</Location>
Redirect 302 /api/old.txt http://127.0.0.1/api/new.txt
"""

BIG = "mpm " * 500

DOCS = {"api/x.txt": "hello\n", "api/auth/x.txt": "secret\n", "errors/404.html": "nf\n",
        "cgi-bin/x.cgi": CGI, "api/gz/x.txt": BIG}

GRANT = {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true"}
PREFLIGHT = dict(GRANT, **{"Access-Control-Allow-Methods": "GET, POST, PUT",
                           "Access-Control-Allow-Headers": "Authorization"})


@pytest.fixture(scope="module", params=["event", "worker", "prefork"])
def server(request):
    mpm = request.param
    cgi = "cgi" if mpm == "prefork" else "cgid"
    h = Httpd(CONF, docs=DOCS, mpm=mpm, name="httpd-mpm-%s" % mpm,
              modules=["auth_basic", "authn_core", "authn_file", "authz_user",
                       "deflate", cgi])
    htpasswd = os.path.join(h.root, "htpasswd")
    subprocess.run(["htpasswd", "-bc", htpasswd, USER, PASSWORD], check=True,
                   capture_output=True)
    os.chmod(htpasswd, 0o644)
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


def basic():
    return ("Authorization",
            "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode())


def test_mpm_is_the_one_asked_for(server):
    # the parent logs its notice once the children are up: on a loaded
    # machine that can come after the first request was answered
    needle = "mpm_%s:notice" % server.mpm
    deadline = time.time() + 10
    while needle not in server.error_log() and time.time() < deadline:
        time.sleep(0.1)
    assert needle in server.error_log()


def test_actual_granted(server):
    path = tagged("/api/x.txt")
    r = server.get(path, {"Origin": APP})
    assert_response(r, 200, GRANT, vary_origin=True)
    assert cors_result(server, path) == "allowed"


def test_actual_refused(server):
    path = tagged("/api/x.txt")
    r = server.get(path, {"Origin": EVIL})
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert cors_result(server, path) == "denied"


def test_preflight_granted(server):
    r = server.preflight("/api/x.txt", APP, "PUT", "authorization")
    assert_response(r, 204, PREFLIGHT, vary_origin=True)


def test_preflight_refused(server):
    r = server.preflight("/api/x.txt", APP, "DELETE")
    assert_response(r, 403, absent=[ACX], vary_origin=True)


def test_preflight_through_basic_auth(server):
    r = server.preflight("/api/auth/x.txt", APP, "PUT", "authorization")
    assert_response(r, 204, PREFLIGHT, vary_origin=True)
    r = server.preflight("/api/auth/x.txt", EVIL, "PUT")
    assert_response(r, 401, absent=[ACX], vary_origin=True)
    r = server.get("/api/auth/x.txt", {"Origin": APP})
    assert_response(r, 401, GRANT, vary_origin=True)
    r = server.get("/api/auth/x.txt", [("Origin", APP), basic()])
    assert_response(r, 200, GRANT, vary_origin=True)
    assert r.body == b"secret\n"


def test_error_page(server):
    r = server.get("/api/err/missing", {"Origin": APP})
    assert_response(r, 404, GRANT, vary_origin=True)
    assert r.body == b"nf\n"


def test_redirect(server):
    r = server.get("/api/old.txt", {"Origin": APP})
    assert_response(r, 302, GRANT, vary_origin=True)


def test_cgi_upstream_header_replaced(server):
    r = server.get("/api/cgi/x.cgi", {"Origin": APP})
    assert_response(r, 200, GRANT, vary_origin=True)
    assert r.body == b"from-cgi\n"


def test_deflate(server):
    r = server.get("/api/gz/x.txt", [("Origin", APP), ("Accept-Encoding", "gzip")])
    assert_response(r, 200, GRANT, vary_origin=True)
    assert r.get("Content-Encoding") == "gzip"
    assert gzip.decompress(r.body).decode() == BIG
