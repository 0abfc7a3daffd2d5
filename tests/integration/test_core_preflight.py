"""Preflight requests against a real httpd: granted answers (every header and
directive), every refusal path, Access-Control-Request-Headers parsing and
caps, the fixups short-circuit (no handler, no file needed),
CORSPreflightStatus and CORSPreflightPassthrough.
"""

import time

import pytest

from harness import ACX, assert_response, cors_result, httpd_fixture, tagged

APP = "https://app.example.com"
EVIL = "https://evil.example"

CGI = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n'
printf 'X-Handler: cgi\\r\\n\\r\\n'
echo "handler ran: $REQUEST_METHOD"
"""

CONF = r"""
AliasMatch "^/p/[^/]+/(.*)$" "@DOCROOT@/$1"
ScriptAliasMatch "^/cgi/[^/]+/(.*)$" "@DOCROOT@/cgi-bin/$1"
<Directory "@DOCROOT@/cgi-bin">
    Options +ExecCGI
</Directory>

<Location "/p/default">
    CORSAllowOrigin https://app.example.com
</Location>
<Location "/p/full">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET PUT DELETE
    CORSAllowHeaders X-Custom Content-Type
    CORSExposeHeaders X-Total-Count
    CORSMaxAge 600
</Location>
<Location "/p/star">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods *
    CORSAllowHeaders *
</Location>
<Location "/p/star-auth">
    CORSAllowOrigin https://app.example.com
    CORSAllowHeaders * Authorization
</Location>
<Location "/p/auth">
    CORSAllowOrigin https://app.example.com
    CORSAllowHeaders authorization
</Location>
<Location "/p/cred">
    CORSAllowOrigin https://app.example.com
    CORSAllowCredentials On
    CORSAllowMethods GET PUT
    CORSAllowHeaders X-Custom
</Location>
<Location "/p/cred-star">
    CORSAllowOrigin https://app.example.com
    CORSAllowCredentials On
    CORSAllowMethods *
    CORSAllowHeaders *
</Location>
<Location "/p/public">
    CORSAllowOrigin *
    CORSAllowHeaders X-Custom
</Location>
<Location "/p/maxage0">
    CORSAllowOrigin https://app.example.com
    CORSMaxAge 0
</Location>
<Location "/p/maxage-max">
    CORSAllowOrigin https://app.example.com
    CORSMaxAge 86400
</Location>
<Location "/p/pna">
    CORSAllowOrigin https://app.example.com
    CORSAllowPrivateNetwork On
</Location>
<Location "/p/pna-off">
    CORSAllowOrigin https://app.example.com
    CORSAllowPrivateNetwork Off
</Location>
<Location "/p/status200">
    CORSAllowOrigin https://app.example.com
    CORSPreflightStatus 200
</Location>
<Location "/p/status299">
    CORSAllowOrigin https://app.example.com
    CORSPreflightStatus 299
</Location>
<Location "/p/passthrough-off">
    CORSAllowOrigin https://app.example.com
    CORSPreflightPassthrough Off
</Location>
<Location "/p/nopolicy">
</Location>
<Location "/cgi/cors">
    CORSAllowOrigin https://app.example.com
</Location>
<Location "/cgi/pass">
    CORSAllowOrigin https://app.example.com
    CORSPreflightPassthrough On
    CORSAllowMethods GET PUT
</Location>
<Location "/cgi/missing-file">
    CORSAllowOrigin https://app.example.com
</Location>
"""

DOCS = {"x.txt": "hello\n", "cgi-bin/run.cgi": CGI}

server = httpd_fixture(CONF, docs=DOCS, modules=["cgid"], name="core-preflight")

DEFAULT_METHODS = "GET, HEAD, POST"


def granted(extra=None, absent=(), acao=APP):
    """Expected headers of a granted preflight (before row-specific ones)."""
    h = {"Access-Control-Allow-Origin": acao,
         "Access-Control-Allow-Methods": DEFAULT_METHODS,
         "Access-Control-Expose-Headers": None}
    h.update(extra or {})
    return h


# (id, location, origin, ACRM, ACRH or None, extra request headers,
#  expected status, expected headers (None for grant -> refused), absent)
ROWS = [
    # default policy: methods GET HEAD POST, no headers
    ("default-get", "default", APP, "GET", None, [], 204,
     granted(), ["Access-Control-Allow-Headers", "Access-Control-Max-Age",
                 "Access-Control-Allow-Credentials", "Access-Control-Allow-Private-Network"]),
    ("default-head", "default", APP, "HEAD", None, [], 204, granted(), []),
    ("default-post", "default", APP, "POST", None, [], 204, granted(), []),
    ("default-put-refused", "default", APP, "PUT", None, [], 403, None, []),
    ("default-lowercase-get-refused", "default", APP, "get", None, [], 403, None, []),
    ("default-origin-refused", "default", EVIL, "GET", None, [], 403, None, []),
    ("default-null-origin-refused", "default", "null", "GET", None, [], 403, None, []),
    ("default-malformed-origin-refused", "default", APP + "/", "GET", None, [], 403, None, []),
    ("default-no-implicit-content-type", "default", APP, "POST", "content-type", [], 403, None, []),
    ("default-no-implicit-accept", "default", APP, "GET", "accept", [], 403, None, []),
    ("default-empty-acrh-list", "default", APP, "GET", " , ,", [], 204, granted(), []),
    ("default-malformed-acrm-comma", "default", APP, "GET,PUT", None, [], 403, None, []),
    ("default-malformed-acrm-paren", "default", APP, "G(T", None, [], 403, None, []),
    ("default-malformed-acrm-space", "default", APP, "GE T", None, [], 403, None, []),
    ("default-malformed-acrm-non-ascii", "default", APP, "GÉT".encode(), None, [], 403, None,
     []),
    # full policy: listed methods and headers, max-age; expose never on preflight
    ("full-put", "full", APP, "PUT", None, [], 204,
     granted({"Access-Control-Allow-Methods": "GET, PUT, DELETE",
              "Access-Control-Allow-Headers": "X-Custom, Content-Type",
              "Access-Control-Max-Age": "600"}), []),
    ("full-post-always-simple", "full", APP, "POST", None, [], 204,
     granted({"Access-Control-Allow-Methods": "GET, PUT, DELETE"}), []),
    ("full-patch-refused", "full", APP, "PATCH", None, [], 403, None, []),
    ("full-put-lowercase-refused", "full", APP, "put", None, [], 403, None, []),
    ("full-header-case-insensitive", "full", APP, "PUT", "x-custom", [], 204,
     granted({"Access-Control-Allow-Methods": "GET, PUT, DELETE"}), []),
    ("full-headers-upper", "full", APP, "PUT", "X-CUSTOM,CONTENT-TYPE", [], 204,
     granted({"Access-Control-Allow-Methods": "GET, PUT, DELETE"}), []),
    ("full-headers-ows-and-empty-elements", "full", APP, "PUT", " ,x-custom ,\t, content-type,",
     [], 204, granted({"Access-Control-Allow-Methods": "GET, PUT, DELETE"}), []),
    ("full-header-not-allowed", "full", APP, "PUT", "x-custom, x-other", [], 403, None, []),
    ("full-header-malformed-semicolon", "full", APP, "PUT", "x-custom;", [], 403, None, []),
    ("full-header-malformed-space-inside", "full", APP, "PUT", "x custom", [], 403, None, []),
    ("full-header-malformed-colon", "full", APP, "PUT", "x-custom:1", [], 403, None, []),
    ("full-header-malformed-non-ascii", "full", APP, "PUT", "x-cüstom".encode(), [], 403, None,
     []),
    ("full-6000-commas", "full", APP, "PUT", "," * 6000, [], 403, None, []),
    ("full-origin-refused", "full", EVIL, "PUT", "x-custom", [], 403, None, []),
    # '*' for methods and headers
    ("star-any-method", "star", APP, "PATCH", None, [], 204,
     granted({"Access-Control-Allow-Methods": "*", "Access-Control-Allow-Headers": "*"}), []),
    ("star-any-header", "star", APP, "GET", "x-anything, x-else", [], 204,
     granted({"Access-Control-Allow-Methods": "*", "Access-Control-Allow-Headers": "*"}), []),
    ("star-custom-method-token", "star", APP, "PROPFIND", None, [], 204,
     granted({"Access-Control-Allow-Methods": "*"}), []),
    ("star-excludes-authorization", "star", APP, "GET", "authorization", [], 403, None, []),
    ("star-excludes-authorization-mixed-case", "star", APP, "GET", "x-a, Authorization", [],
     403, None, []),
    ("star-64-headers-ok", "star", APP, "GET", ",".join("x-h%d" % i for i in range(64)), [],
     204, granted({"Access-Control-Allow-Methods": "*"}), []),
    ("star-65-headers-refused", "star", APP, "GET", ",".join("x-h%d" % i for i in range(65)),
     [], 403, None, []),
    ("star-5000-byte-acrh-refused", "star", APP, "GET", "x" * 5000, [], 403, None, []),
    ("star-6000-commas", "star", APP, "GET", "," * 6000, [], 403, None, []),
    ("star-malformed-header", "star", APP, "GET", "x-a, x/b", [], 403, None, []),
    ("star-malformed-method", "star", APP, "PU:T", None, [], 403, None, []),
    ("star-auth-listed-by-name", "star-auth", APP, "GET", "authorization, x-a", [], 204,
     granted({"Access-Control-Allow-Headers": "*, Authorization"}), []),
    ("auth-listed-lowercase", "auth", APP, "GET", "Authorization", [], 204,
     granted({"Access-Control-Allow-Headers": "authorization"}), []),
    # credentials
    ("cred-granted", "cred", APP, "PUT", "x-custom", [], 204,
     granted({"Access-Control-Allow-Credentials": "true",
              "Access-Control-Allow-Methods": "GET, PUT",
              "Access-Control-Allow-Headers": "X-Custom"}), []),
    ("cred-refused-origin", "cred", EVIL, "PUT", None, [], 403, None, []),
    ("cred-star-echoes-method-and-headers", "cred-star", APP, "PATCH", "X-A,, x-b", [], 204,
     granted({"Access-Control-Allow-Credentials": "true",
              "Access-Control-Allow-Methods": "PATCH",
              "Access-Control-Allow-Headers": "x-a, x-b"}), []),
    ("cred-star-echo-no-headers", "cred-star", APP, "DELETE", None, [], 204,
     granted({"Access-Control-Allow-Credentials": "true",
              "Access-Control-Allow-Methods": "DELETE"}), ["Access-Control-Allow-Headers"]),
    ("cred-star-authorization-refused", "cred-star", APP, "GET", "authorization", [], 403,
     None, []),
    # public '*': any origin, no Vary: Origin
    ("public-any-origin", "public", EVIL, "GET", "x-custom", [], 204,
     granted({"Access-Control-Allow-Headers": "X-Custom"}, acao="*"),
     ["Access-Control-Allow-Credentials"]),
    ("public-null-origin", "public", "null", "GET", None, [], 204, granted(acao="*"), []),
    # max-age
    ("maxage-zero-sent", "maxage0", APP, "GET", None, [], 204,
     granted({"Access-Control-Max-Age": "0"}), []),
    ("maxage-max", "maxage-max", APP, "GET", None, [], 204,
     granted({"Access-Control-Max-Age": "86400"}), []),
    # private network access
    ("pna-asked-and-on", "pna", APP, "GET", None,
     [("Access-Control-Request-Private-Network", "true")], 204,
     granted({"Access-Control-Allow-Private-Network": "true"}), []),
    ("pna-not-asked", "pna", APP, "GET", None, [], 204, granted(),
     ["Access-Control-Allow-Private-Network"]),
    ("pna-asked-not-enabled", "pna-off", APP, "GET", None,
     [("Access-Control-Request-Private-Network", "true")], 204, granted(),
     ["Access-Control-Allow-Private-Network"]),
    ("pna-asked-default-off", "default", APP, "GET", None,
     [("Access-Control-Request-Private-Network", "true")], 204, granted(),
     ["Access-Control-Allow-Private-Network"]),
    ("pna-refused-origin", "pna", EVIL, "GET", None,
     [("Access-Control-Request-Private-Network", "true")], 403, None, []),
    # preflight status
    ("status-200", "status200", APP, "GET", None, [], 200, granted(), []),
    ("status-299", "status299", APP, "GET", None, [], 299, granted(), []),
    ("status-200-refused-is-403", "status200", EVIL, "GET", None, [], 403, None, []),
    ("passthrough-off-explicit", "passthrough-off", APP, "GET", None, [], 204, granted(), []),
    # duplicate Origin headers never match
    ("duplicate-origin-refused", "default", [APP, APP], "GET", None, [], 403, None, []),
]


def send(server, path, origin, acrm, acrh, extra):
    h = []
    for o in (origin if isinstance(origin, list) else [origin]):
        h.append(("Origin", o))
    h.append(("Access-Control-Request-Method", acrm))
    if acrh is not None:
        h.append(("Access-Control-Request-Headers", acrh))
    h.extend(extra)
    return server.options(path, h)


@pytest.mark.parametrize("loc,origin,acrm,acrh,extra,status,expect,absent",
                         [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
@pytest.mark.parametrize("target", ["x.txt", "does-not-exist"])
def test_preflight(server, target, loc, origin, acrm, acrh, extra, status, expect, absent):
    path = tagged("/p/%s/%s" % (loc, target))
    t0 = time.monotonic()
    r = send(server, path, origin, acrm, acrh, extra)
    assert time.monotonic() - t0 < 2
    if expect is None:
        assert_response(r, 403, absent=[ACX], vary_origin=True)
        assert cors_result(server, path) == "denied"
    else:
        # granted or refused, public or not: the answer to a preflight
        # depends on its Origin and Access-Control-Request-* headers
        assert_response(r, status, expect, absent, vary_origin=True)
        assert r.body == b""
        assert cors_result(server, path) == "preflight"
        if status == 200:
            assert r.get("Content-Length") == "0"
    vary = r.tokens("Vary")
    assert vary.count("access-control-request-method") == 1, r
    assert vary.count("access-control-request-headers") == 1, r


def test_options_without_acrm_is_not_a_preflight(server):
    r = server.options("/p/full/x.txt", [("Origin", APP)])
    assert r.status == 200
    assert r.get("Access-Control-Allow-Origin") == APP
    assert not r.has("Access-Control-Allow-Methods")
    assert r.has("Allow")


def test_preflight_without_origin_is_not_cors(server):
    path = tagged("/p/full/x.txt")
    r = server.options(path, [("Access-Control-Request-Method", "PUT")])
    assert r.status == 200
    assert not r.acx()
    assert cors_result(server, path) == "none"


def test_preflight_without_policy_is_left_to_httpd(server):
    r = server.preflight("/p/nopolicy/does-not-exist", APP, "PUT")
    assert r.status == 200          # core's own OPTIONS answer
    assert r.has("Allow")
    assert not r.acx()
    assert "origin" not in r.tokens("Vary")


@pytest.mark.parametrize("loc", ["cors", "missing-file"])
def test_granted_preflight_never_runs_the_handler(server, loc):
    target = "run.cgi" if loc == "cors" else "no-such.cgi"
    r = server.preflight("/cgi/%s/%s" % (loc, target), APP, "GET")
    assert_response(r, 204, {"Access-Control-Allow-Origin": APP}, vary_origin=True)
    assert not r.has("X-Handler")
    assert r.body == b""


def test_refused_preflight_never_runs_the_handler(server):
    r = server.preflight("/cgi/cors/run.cgi", APP, "DELETE")
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    assert not r.has("X-Handler")
    assert b"handler ran" not in r.body


def test_passthrough_granted_preflight_reaches_the_handler_with_headers(server):
    path = tagged("/cgi/pass/run.cgi")
    r = server.preflight(path, APP, "PUT")
    assert r.status == 200
    assert r.get("X-Handler") == "cgi"
    assert r.body == b"handler ran: OPTIONS\n"
    assert_response(r, 200, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Allow-Methods": "GET, PUT"}, vary_origin=True)
    assert cors_result(server, path) == "preflight"


def test_passthrough_refused_preflight_is_403_without_handler(server):
    path = tagged("/cgi/pass/run.cgi")
    r = server.preflight(path, APP, "DELETE")
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    assert not r.has("X-Handler")
    assert cors_result(server, path) == "denied"


def test_acrh_of_6000_commas_is_refused_quickly(server):
    t0 = time.monotonic()
    for _ in range(20):
        r = server.preflight("/p/star/x.txt", APP, "GET", "," * 6000)
        assert r.status == 403
    assert time.monotonic() - t0 < 3
