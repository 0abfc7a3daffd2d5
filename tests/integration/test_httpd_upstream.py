"""Access-Control-* headers produced elsewhere (issue 4, "Responses produced
elsewhere"): a real mod_proxy_http backend, a CGI script and ``Header always
set`` on the front server, under ``CORSUpstreamHeaders Replace`` (default)
and ``Keep``; plus the shipped ``conf-examples/reverse-proxy-auth.conf``.

Replace: exactly one of each CORS header, mod_cors's values, upstream ones
removed (also when the origin is refused or absent), ``Vary`` merged
(``Accept-Encoding, Origin``, no token twice). Keep: a response that already
carries ``Access-Control-Allow-Origin`` keeps the upstream CORS headers
untouched and gets none of ours; ``Vary`` is still merged.
"""

import base64
import os
import subprocess

import pytest

from harness import ACX, REPO, Httpd, assert_response, cors_result, tagged

APP = "https://app.example.com"
EVIL = "https://evil.example.com"

# The backend: a plain httpd (no mod_cors) whose responses carry their own
# CORS headers and Vary, on errors too ("always").
BACKEND_CONF = r"""
<LocationMatch "^/(acao|api)/">
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Allow-Credentials "true"
    Header always set Access-Control-Expose-Headers "X-Backend"
    Header always set Access-Control-Allow-Methods "DELETE"
    Header always merge Vary "Accept-Encoding"
    Header always set X-Request-Id "backend-1"
</LocationMatch>
<Location "/plain/">
    Header always merge Vary "Accept-Encoding"
</Location>
"""
BACKEND_DOCS = {
    "acao/x.txt": "from-backend\n",
    "plain/x.txt": "from-backend\n",
    "api/items.json": '{"items": []}\n',
}

CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n'
printf 'Access-Control-Allow-Origin: *\\r\\n'
printf 'Access-Control-Allow-Credentials: true\\r\\n'
printf 'Access-Control-Expose-Headers: X-Cgi\\r\\n'
printf 'Vary: Accept-Encoding\\r\\n\\r\\n'
echo from-cgi
"""

FRONT_CONF = r"""
ProxyPass "/p/replace/" "http://127.0.0.1:@BPORT@/acao/"
ProxyPass "/p/keep/" "http://127.0.0.1:@BPORT@/acao/"
ProxyPass "/p/keep-plain/" "http://127.0.0.1:@BPORT@/plain/"
ProxyPass "/p/public/" "http://127.0.0.1:@BPORT@/acao/"
ProxyPass "/p/nopolicy/" "http://127.0.0.1:@BPORT@/acao/"
ScriptAliasMatch "^/cgi/[^/]+/(.*)$" "@DOCROOT@/cgi-bin/$1"
AliasMatch "^/hdr/[^/]+/(.*)$" "@DOCROOT@/$1"
<Directory "@DOCROOT@/cgi-bin">
    Options +ExecCGI
</Directory>

<LocationMatch "^/(p|cgi|hdr)/replace/">
    CORSAllowOrigin https://app.example.com
    CORSExposeHeaders X-Mine
</LocationMatch>
<LocationMatch "^/(p|cgi|hdr)/keep">
    CORSAllowOrigin https://app.example.com
    CORSExposeHeaders X-Mine
    CORSUpstreamHeaders Keep
</LocationMatch>
<Location "/p/public/">
    CORSAllowOrigin *
</Location>
<LocationMatch "^/hdr/">
    Header always set Access-Control-Allow-Origin "*"
    Header always set Access-Control-Allow-Credentials "true"
    Header always set Access-Control-Expose-Headers "X-Front"
    Header always merge Vary "Accept-Encoding"
</LocationMatch>
"""
FRONT_DOCS = {"x.txt": "from-front\n", "cgi-bin/x.txt": CGI}


@pytest.fixture(scope="module")
def backend():
    h = Httpd(BACKEND_CONF, docs=BACKEND_DOCS, load_cors=False, name="upstream-backend")
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


@pytest.fixture(scope="module")
def front(backend):
    body = FRONT_CONF.replace("@BPORT@", str(backend.port))
    h = Httpd(body, docs=FRONT_DOCS, modules=["proxy", "proxy_http", "cgid"],
              name="upstream-front")
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


KINDS = ["p", "cgi", "hdr"]
# what the upstream (backend, CGI, Header always set) sends
UPSTREAM = {
    "p": {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true",
          "Access-Control-Expose-Headers": "X-Backend",
          "Access-Control-Allow-Methods": "DELETE"},
    "cgi": {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": "X-Cgi"},
    "hdr": {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": "X-Front"},
}
BODY = {"p": b"from-backend\n", "cgi": b"from-cgi\n", "hdr": b"from-front\n"}


def assert_vary_merged(r):
    vary = r.tokens("Vary")
    assert vary.count("accept-encoding") == 1, r
    assert vary.count("origin") == 1, r


@pytest.mark.parametrize("kind", KINDS)
def test_replace_granted_exactly_one_of_each_with_our_values(front, kind):
    path = tagged("/%s/replace/x.txt" % kind)
    r = front.get(path, {"Origin": APP})
    assert_response(r, 200, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Expose-Headers": "X-Mine"},
                    absent=["Access-Control-Allow-Credentials",
                            "Access-Control-Allow-Methods"], vary_origin=True)
    assert sorted(r.acx()) == ["access-control-allow-origin",
                               "access-control-expose-headers"], r
    assert_vary_merged(r)
    assert r.body == BODY[kind]
    assert cors_result(front, path) == "allowed"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", [EVIL, None], ids=["refused", "no-origin"])
def test_replace_refused_or_absent_origin_removes_upstream_cors_headers(front, kind, origin):
    hdrs = {"Origin": origin} if origin else {}
    r = front.get("/%s/replace/x.txt" % kind, hdrs)
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert_vary_merged(r)
    assert r.body == BODY[kind]


def test_replace_backend_error_page_has_our_headers_once(front):
    r = front.get("/p/replace/missing.txt", {"Origin": APP})
    assert_response(r, 404, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Expose-Headers": "X-Mine"},
                    absent=["Access-Control-Allow-Credentials",
                            "Access-Control-Allow-Methods"], vary_origin=True)
    assert_vary_merged(r)


def test_replace_public_policy_one_star_and_no_upstream_credentials(front):
    for hdrs in ({"Origin": APP}, {"Origin": EVIL}, {}):
        r = front.get("/p/public/x.txt", hdrs)
        assert_response(r, 200, {"Access-Control-Allow-Origin": "*"},
                        absent=["Access-Control-Allow-Credentials",
                                "Access-Control-Expose-Headers",
                                "Access-Control-Allow-Methods"], vary_origin=False)
        assert r.tokens("Vary") == ["accept-encoding"], r


def test_no_policy_leaves_backend_headers_alone(front):
    r = front.get("/p/nopolicy/x.txt", {"Origin": APP})
    assert_response(r, 200, UPSTREAM["p"], vary_origin=False)
    assert r.tokens("Vary") == ["accept-encoding"], r


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", [APP, EVIL, None], ids=["granted", "refused", "no-origin"])
def test_keep_leaves_upstream_cors_headers_untouched(front, kind, origin):
    hdrs = {"Origin": origin} if origin else {}
    r = front.get("/%s/keep/x.txt" % kind, hdrs)
    assert_response(r, 200, UPSTREAM[kind], vary_origin=True)
    assert {k: v[0] for k, v in r.acx().items()} == \
        {k.lower(): v for k, v in UPSTREAM[kind].items()}, r
    assert_vary_merged(r)
    assert r.body == BODY[kind]


def test_keep_without_upstream_acao_adds_ours(front):
    r = front.get("/p/keep-plain/x.txt", {"Origin": APP})
    assert_response(r, 200, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Expose-Headers": "X-Mine"},
                    absent=["Access-Control-Allow-Credentials"], vary_origin=True)
    assert_vary_merged(r)


def test_preflight_through_proxy_is_answered_by_mod_cors(front, backend):
    before = len(backend.access_log())
    r = front.preflight("/p/replace/x.txt", APP, "POST")
    assert_response(r, 204, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Allow-Methods": "GET, HEAD, POST"},
                    absent=["Access-Control-Allow-Credentials",
                            "Access-Control-Expose-Headers"], vary_origin=True)
    r = front.preflight("/p/replace/x.txt", EVIL, "POST")
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    # neither preflight reached the backend
    assert len(backend.access_log()) == before


# -- conf-examples/reverse-proxy-auth.conf -----------------------------------------

EXAMPLE = os.path.join(REPO, "conf-examples", "reverse-proxy-auth.conf")
USER, PASSWORD = "alice", "s3cret"


def basic():
    token = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    return ("Authorization", "Basic " + token)


@pytest.fixture(scope="module")
def example(backend):
    with open(EXAMPLE) as f:
        text = f.read()
    assert "@BACKEND_URL@" in text and "@HTPASSWD@" in text
    h = Httpd("", modules=["proxy", "proxy_http", "auth_basic", "authn_core",
                           "authn_file", "authz_user"], name="example-reverse-proxy-auth")
    htpasswd = os.path.join(h.root, "api.htpasswd")
    subprocess.run(["htpasswd", "-bc", htpasswd, USER, PASSWORD], check=True,
                   capture_output=True)
    os.chmod(htpasswd, 0o644)
    conf = os.path.join(h.root, "reverse-proxy-auth.conf")
    with open(conf, "w") as f:
        f.write(text.replace("@BACKEND_URL@", backend.url("").rstrip("/"))
                .replace("@HTPASSWD@", htpasswd))
    h.write_conf('Include "%s"\n' % conf)
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


EXAMPLE_PREFLIGHT = {
    "Access-Control-Allow-Origin": APP,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}
EXAMPLE_ACTUAL = {
    "Access-Control-Allow-Origin": APP,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "X-Request-Id",
}


def test_example_preflight_without_credentials_is_answered_locally(example, backend):
    before = len(backend.access_log())
    r = example.preflight("/api/items.json", APP, "PUT", "authorization, content-type")
    assert_response(r, 204, EXAMPLE_PREFLIGHT, vary_origin=True)
    assert len(backend.access_log()) == before


@pytest.mark.parametrize("origin,method,acrh", [
    (EVIL, "GET", None), (APP, "PATCH", None), (APP, "PUT", "x-other"),
], ids=["bad-origin", "bad-method", "bad-header"])
def test_example_refused_preflight_is_401_without_cors_headers(example, origin, method, acrh):
    r = example.preflight("/api/items.json", origin, method, acrh)
    assert_response(r, 401, absent=[ACX], vary_origin=True)


def test_example_actual_without_credentials_is_readable_401(example):
    r = example.get("/api/items.json", {"Origin": APP})
    assert_response(r, 401, EXAMPLE_ACTUAL, vary_origin=True,
                    absent=["Access-Control-Allow-Methods"])
    assert r.get("WWW-Authenticate") == 'Basic realm="API"'


def test_example_actual_with_credentials_proxied_with_one_set_of_headers(example):
    r = example.get("/api/items.json", [("Origin", APP), basic()])
    assert_response(r, 200, EXAMPLE_ACTUAL, vary_origin=True,
                    absent=["Access-Control-Allow-Methods"])
    assert sorted(r.acx()) == ["access-control-allow-credentials",
                               "access-control-allow-origin",
                               "access-control-expose-headers"]
    assert_vary_merged(r)
    assert r.get("X-Request-Id") == "backend-1"
    assert r.body == b'{"items": []}\n'


def test_example_refused_origin_with_credentials_gets_no_cors_headers(example):
    r = example.get("/api/items.json", [("Origin", EVIL), basic()])
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert_vary_merged(r)
