"""HTTP/2 through mod_http2 (issue 4, "Caches, protocols, process models"):
h2c on loopback, ``curl --http2-prior-knowledge``. Every row is sent once
over HTTP/1.1 and once over HTTP/2 (both with curl); status, every
``Access-Control-*`` header, the ``Vary`` tokens and the body must be the
same, and the HTTP/2 answer must really have been HTTP/2.
"""

import os
import shutil
import subprocess
import tempfile

import pytest

from harness import httpd_fixture

APP = "https://app.example.com"
EVIL = "https://evil.example.com"

CONF = r"""
Protocols h2c http/1.1
<Location "/api">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET POST PUT
    CORSAllowHeaders X-Custom Content-Type
    CORSExposeHeaders X-Total
    CORSAllowCredentials On
    CORSMaxAge 600
    CORSAllowPrivateNetwork On
</Location>
<Location "/api/err">
    ErrorDocument 404 /errors/404.html
</Location>
<Location "/api/denied">
    Require all denied
</Location>
<Location "/api/status200">
    CORSPreflightStatus 200
</Location>
<Location "/pub">
    CORSAllowOrigin *
    CORSExposeHeaders X-Total
</Location>
Redirect 302 /api/old.txt http://127.0.0.1/api/new.txt
"""

DOCS = {"api/x.txt": "hello\n", "pub/x.txt": "public\n", "errors/404.html": "nf\n",
        "api/denied/x.txt": "no\n"}

server = httpd_fixture(CONF, docs=DOCS, modules=["http2"], name="httpd-http2",
                       allowed_errors=[r"AH01630"])

CURL = shutil.which("curl")


def curl(server, method, path, headers, http2):
    """One request with curl; returns (http_version, status, [(name, value)], body)."""
    d = tempfile.mkdtemp(prefix="cors-curl-")
    try:
        hfile, bfile = os.path.join(d, "h"), os.path.join(d, "b")
        cmd = [CURL, "-sS", "--max-time", "10", "-X", method, "-D", hfile, "-o", bfile,
               "-w", "%{http_version}", "--http2-prior-knowledge" if http2 else "--http1.1"]
        for k, v in headers:
            cmd += ["-H", "%s: %s" % (k, v)]
        cmd.append(server.url(path))
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        assert p.returncode == 0, p.stderr
        with open(hfile, errors="replace") as f:
            lines = f.read().splitlines()
        with open(bfile, "rb") as f:
            body = f.read()
        status = int(lines[0].split()[1])
        hdrs = []
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs.append((k.strip().lower(), v.strip()))
        return p.stdout.strip(), status, hdrs, body
    finally:
        shutil.rmtree(d, ignore_errors=True)


def cors_view(hdrs):
    acx = sorted((k, v) for k, v in hdrs if k.startswith("access-control-"))
    vary = sorted(t.strip().lower() for k, v in hdrs if k == "vary"
                  for t in v.split(",") if t.strip())
    return acx, vary


def PF(origin, method, acrh=None, extra=()):
    h = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if acrh:
        h.append(("Access-Control-Request-Headers", acrh))
    return h + list(extra)


ROWS = [
    # id, method, path, headers, expected status, expected ACAO (None: absent)
    ("actual-granted", "GET", "/api/x.txt", [("Origin", APP)], 200, APP),
    ("actual-refused", "GET", "/api/x.txt", [("Origin", EVIL)], 200, None),
    ("actual-no-origin", "GET", "/api/x.txt", [], 200, None),
    ("actual-post", "POST", "/api/x.txt", [("Origin", APP)], 200, APP),
    ("actual-404-errordoc", "GET", "/api/err/missing", [("Origin", APP)], 404, APP),
    ("actual-403", "GET", "/api/denied/x.txt", [("Origin", APP)], 403, APP),
    ("actual-redirect", "GET", "/api/old.txt", [("Origin", APP)], 302, APP),
    ("actual-public", "GET", "/pub/x.txt", [("Origin", EVIL)], 200, "*"),
    ("preflight-granted", "OPTIONS", "/api/x.txt", PF(APP, "PUT", "x-custom, content-type"),
     204, APP),
    ("preflight-missing-resource", "OPTIONS", "/api/nope", PF(APP, "GET"), 204, APP),
    ("preflight-status-200", "OPTIONS", "/api/status200/x", PF(APP, "GET"), 200, APP),
    ("preflight-private-network", "OPTIONS", "/api/x.txt",
     PF(APP, "GET", extra=[("Access-Control-Request-Private-Network", "true")]), 204, APP),
    ("preflight-bad-origin", "OPTIONS", "/api/x.txt", PF(EVIL, "GET"), 403, None),
    ("preflight-bad-method", "OPTIONS", "/api/x.txt", PF(APP, "DELETE"), 403, None),
    ("preflight-bad-header", "OPTIONS", "/api/x.txt", PF(APP, "GET", "x-other"), 403, None),
    ("preflight-public", "OPTIONS", "/pub/x.txt", PF(EVIL, "GET"), 204, "*"),
]


def test_curl_speaks_h2c(server):
    version, status, _, _ = curl(server, "GET", "/api/x.txt", [], http2=True)
    assert (version, status) == ("2", 200)


@pytest.mark.parametrize("method,path,headers,status,acao", [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])
def test_http2_behaves_like_http1(server, method, path, headers, status, acao):
    v1, s1, h1, b1 = curl(server, method, path, headers, http2=False)
    v2, s2, h2, b2 = curl(server, method, path, headers, http2=True)
    assert (v1, v2) == ("1.1", "2")
    assert s1 == s2 == status, (h1, h2)
    acx1, vary1 = cors_view(h1)
    acx2, vary2 = cors_view(h2)
    assert acx1 == acx2, (h1, h2)
    assert vary1 == vary2, (h1, h2)
    assert b1 == b2
    # and the answer is the right one, not merely the same one
    got = [v for k, v in acx2 if k == "access-control-allow-origin"]
    assert got == ([acao] if acao else []), h2
    names = [k for k, _ in acx2]
    assert len(names) == len(set(names)), h2
    if acao != "*":
        assert vary2.count("origin") == 1, h2
    if method == "OPTIONS" and acao:
        assert b2 == b""
        assert ("access-control-allow-methods", "GET, POST, PUT") in acx2 or acao == "*"
