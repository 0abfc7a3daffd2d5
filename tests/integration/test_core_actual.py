"""Actual (non-preflight) CORS requests against a real httpd: one row per
origin rule kind, refusal path, response header, status class and Vary case.

Each ``/l/<case>/...`` URL maps onto the same DocumentRoot, with one
``<Location>`` per case. Every row also checks the ``CORS_RESULT`` logged for
its request.
"""

import pytest

from harness import ACX, assert_response, cors_result, httpd_fixture, tagged

APP = "https://app.example.com"

CGI_OK = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n'
printf 'Access-Control-Allow-Origin: https://evil.example\\r\\n'
printf 'Access-Control-Allow-Credentials: true\\r\\n'
printf 'X-Handler: cgi\\r\\n\\r\\n'
echo from-cgi
"""

CGI_BROKEN = """#!/bin/sh
exit 1
"""

CONF = r"""
AliasMatch "^/l/[^/]+/(.*)$" "@DOCROOT@/$1"
ScriptAliasMatch "^/cgi/[^/]+/(.*)$" "@DOCROOT@/cgi-bin/$1"
<Directory "@DOCROOT@/cgi-bin">
    Options +ExecCGI
</Directory>

<Location "/l/exact">
    CORSAllowOrigin https://app.example.com http://localhost:8080
    CORSAllowOrigin http://127.0.0.1:3000 http://[::1]:3000
</Location>
<Location "/l/wild">
    CORSAllowOrigin https://*.example.com
</Location>
<Location "/l/wildport">
    CORSAllowOrigin https://*.example.com:8443
</Location>
<Location "/l/wildanyport">
    CORSAllowOrigin https://*.example.com:*
</Location>
<Location "/l/anyport">
    CORSAllowOrigin http://localhost:*
</Location>
<Location "/l/regex">
    CORSAllowOriginMatch "https://[a-z]+\.example\.org"
</Location>
<Location "/l/null">
    CORSAllowOrigin null
</Location>
<Location "/l/punycode">
    CORSAllowOrigin https://xn--bcher-kva.example
</Location>
<Location "/l/star">
    CORSAllowOrigin *
</Location>
<Location "/l/star-expose">
    CORSAllowOrigin *
    CORSExposeHeaders X-Total-Count X-Request-Id
</Location>
<Location "/l/star-and-exact">
    CORSAllowOrigin * https://app.example.com
</Location>
<Location "/l/cred">
    CORSAllowOrigin https://app.example.com
    CORSAllowCredentials On
    CORSExposeHeaders X-Total-Count
</Location>
<Location "/l/expose">
    CORSAllowOrigin https://app.example.com
    CORSExposeHeaders X-Total-Count X-Request-Id
</Location>
<Location "/l/expose-star">
    CORSAllowOrigin https://app.example.com
    CORSExposeHeaders *
</Location>
<Location "/l/everything">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET PUT
    CORSAllowHeaders X-Custom
    CORSMaxAge 600
    CORSAllowPrivateNetwork On
    CORSPreflightStatus 200
    CORSAllowCredentials On
</Location>
<Location "/l/emptied">
    CORSAllowOrigin https://app.example.com
    CORSAllowOrigin none
</Location>
<Location "/l/denied">
    CORSAllowOrigin https://app.example.com
    Require all denied
</Location>
<Location "/l/errdoc">
    CORSAllowOrigin https://app.example.com
    ErrorDocument 404 /errors/404.html
</Location>
Redirect 302 /l/exact/old.txt http://127.0.0.1/new.txt
Redirect 301 /l/star/old.txt http://127.0.0.1/new.txt
<Location "/l/upstream">
    CORSAllowOrigin https://app.example.com
    Header set Access-Control-Allow-Origin "https://evil.example"
    Header set Access-Control-Allow-Credentials "true"
    Header add Access-Control-Expose-Headers "X-Evil"
    Header always set Access-Control-Allow-Methods "DELETE"
</Location>
<Location "/l/upstream-always">
    CORSAllowOrigin https://app.example.com
    CORSExposeHeaders X-Mine
    Header always set Access-Control-Allow-Origin "*"
    Header always add Access-Control-Expose-Headers "X-Evil"
</Location>
<Location "/l/upstream-nopolicy">
    Header set Access-Control-Allow-Origin "https://kept.example"
</Location>
<Location "/l/vary-set">
    CORSAllowOrigin https://app.example.com
    Header set Vary "Accept-Encoding"
</Location>
<Location "/l/vary-origin">
    CORSAllowOrigin https://app.example.com
    Header set Vary "origin, Accept"
</Location>
<Location "/l/vary-always">
    CORSAllowOrigin https://app.example.com
    Header always set Vary "Origin"
</Location>
<Location "/l/vary-star">
    CORSAllowOrigin https://app.example.com
    Header set Vary "*"
</Location>
<Location "/l/deflate">
    CORSAllowOrigin https://app.example.com
    SetOutputFilter DEFLATE
</Location>
<Location "/cgi/ok">
    CORSAllowOrigin https://app.example.com
</Location>
<Location "/cgi/nopolicy">
</Location>
<Location "/cgi/star">
    CORSAllowOrigin *
</Location>
"""

DOCS = {
    "x.txt": "hello\n" * 20,
    "errors/404.html": "custom not found\n",
    "cgi-bin/ok.cgi": CGI_OK,
    "cgi-bin/broken.cgi": CGI_BROKEN,
}

server = httpd_fixture(CONF, docs=DOCS, modules=["cgid", "deflate"], name="core-actual")


def O(origin):
    return [("Origin", origin)]


GRANT = "granted"
DENY = "denied"

# (id, location, origin headers, outcome); outcome GRANT -> ACAO == origin,
# DENY -> no Access-Control-* at all, resource still served, Vary: Origin.
ORIGIN_ROWS = [
    ("exact", "exact", O(APP), GRANT),
    ("exact-second-entry", "exact", O("http://localhost:8080"), GRANT),
    ("exact-second-line", "exact", O("http://127.0.0.1:3000"), GRANT),
    ("exact-ipv6", "exact", O("http://[::1]:3000"), GRANT),
    ("exact-ipv6-non-canonical", "exact", O("http://[0:0:0:0:0:0:0:1]:3000"), DENY),
    ("exact-ipv6-uppercase", "exact", O("http://[::FFFF:1]:3000"), DENY),
    ("exact-other-origin", "exact", O("https://other.example.com"), DENY),
    ("exact-uppercase-host", "exact", O("https://APP.example.com"), DENY),
    ("exact-uppercase-scheme", "exact", O("HTTPS://app.example.com"), DENY),
    ("exact-default-port", "exact", O("https://app.example.com:443"), DENY),
    ("exact-other-port", "exact", O("https://app.example.com:8443"), DENY),
    ("exact-port-missing", "exact", O("http://localhost"), DENY),
    ("exact-trailing-slash", "exact", O(APP + "/"), DENY),
    ("exact-path", "exact", O(APP + "/x"), DENY),
    ("exact-query", "exact", O(APP + "?x"), DENY),
    ("exact-trailing-dot", "exact", O(APP + "."), DENY),
    ("exact-scheme-mismatch", "exact", O("http://app.example.com"), DENY),
    ("exact-suffix-attack", "exact", O("https://app.example.com.evil.com"), DENY),
    ("exact-prefix-attack", "exact", O("https://evilapp.example.com"), DENY),
    ("exact-truncated", "exact", O("https://app.example.co"), DENY),
    ("exact-userinfo", "exact", O("https://user@app.example.com"), DENY),
    ("exact-at-attack", "exact", O("https://app.example.com@evil.com"), DENY),
    ("exact-percent-encoded", "exact", O("https://app%2eexample.com"), DENY),
    ("exact-no-scheme", "exact", O("app.example.com"), DENY),
    ("exact-null", "exact", O("null"), DENY),
    ("exact-raw-non-ascii", "exact", O("https://äpp.example.com".encode()), DENY),
    ("exact-duplicate-origin-headers", "exact", O(APP) + O(APP), DENY),
    ("exact-comma-joined-origins", "exact", O(APP + ", " + APP), DENY),
    ("exact-space-joined-origins", "exact", O(APP + " " + APP), DENY),
    ("exact-too-long", "exact", O("https://" + "a" * 600 + ".example.com"), DENY),
    ("wild-one-label", "wild", O("https://a.example.com"), GRANT),
    ("wild-two-labels", "wild", O("https://a.b.example.com"), GRANT),
    ("wild-apex", "wild", O("https://example.com"), DENY),
    ("wild-with-port", "wild", O("https://a.example.com:8443"), DENY),
    ("wild-scheme-mismatch", "wild", O("http://a.example.com"), DENY),
    ("wild-suffix-attack", "wild", O("https://a.example.com.evil.com"), DENY),
    ("wild-no-dot-attack", "wild", O("https://aexample.com"), DENY),
    ("wild-empty-label", "wild", O("https://.example.com"), DENY),
    ("wild-uppercase", "wild", O("https://A.example.com"), DENY),
    ("wild-too-long", "wild", O("https://" + "a." * 300 + "example.com"), DENY),
    ("wildport-matching-port", "wildport", O("https://a.example.com:8443"), GRANT),
    ("wildport-no-port", "wildport", O("https://a.example.com"), DENY),
    ("wildport-other-port", "wildport", O("https://a.example.com:9443"), DENY),
    ("wildanyport-port", "wildanyport", O("https://a.example.com:1234"), GRANT),
    ("wildanyport-no-port", "wildanyport", O("https://a.example.com"), GRANT),
    ("wildanyport-apex", "wildanyport", O("https://example.com:1234"), DENY),
    ("anyport-port", "anyport", O("http://localhost:3000"), GRANT),
    ("anyport-no-port", "anyport", O("http://localhost"), GRANT),
    ("anyport-scheme-mismatch", "anyport", O("https://localhost:3000"), DENY),
    ("anyport-host-suffix", "anyport", O("http://localhost.evil.com:3000"), DENY),
    ("anyport-subdomain", "anyport", O("http://a.localhost:3000"), DENY),
    ("anyport-port-zero", "anyport", O("http://localhost:0"), DENY),
    ("anyport-port-leading-zero", "anyport", O("http://localhost:03000"), DENY),
    ("anyport-port-too-big", "anyport", O("http://localhost:65536"), DENY),
    ("anyport-port-empty", "anyport", O("http://localhost:"), DENY),
    ("regex-match", "regex", O("https://abc.example.org"), GRANT),
    ("regex-anchored-end", "regex", O("https://abc.example.org.evil.com"), DENY),
    ("regex-anchored-start", "regex", O("xhttps://abc.example.org"), DENY),
    ("regex-no-match", "regex", O("https://abc1.example.org"), DENY),
    ("null-entry", "null", O("null"), GRANT),
    ("null-entry-other-origin", "null", O(APP), DENY),
    ("null-case-sensitive", "null", O("Null"), DENY),
    ("punycode-entry", "punycode", O("https://xn--bcher-kva.example"), GRANT),
    ("punycode-raw-utf8", "punycode", O("https://bücher.example".encode()), DENY),
    ("star-and-exact-listed", "star-and-exact", O(APP), "public"),
]


@pytest.mark.parametrize("loc,headers,outcome", [r[1:] for r in ORIGIN_ROWS],
                         ids=[r[0] for r in ORIGIN_ROWS])
def test_origin_rule_grants_or_refuses(server, loc, headers, outcome):
    path = tagged("/l/%s/x.txt" % loc)
    r = server.get(path, headers)
    if outcome == GRANT:
        origin = headers[0][1]
        assert_response(r, 200, {"Access-Control-Allow-Origin": origin,
                                 "Access-Control-Allow-Credentials": None},
                        absent=["Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                                "Access-Control-Max-Age", "Access-Control-Expose-Headers"],
                        vary_origin=True)
        assert cors_result(server, path) == "allowed"
    elif outcome == "public":
        assert_response(r, 200, {"Access-Control-Allow-Origin": "*"}, vary_origin=False)
    else:
        assert_response(r, 200, absent=[ACX], vary_origin=True)
        assert r.body == b"hello\n" * 20
        assert cors_result(server, path) == "denied"


# (id, method, location/path, request headers, status, expected headers,
#  absent, vary_origin, CORS_RESULT)
RESPONSE_ROWS = [
    ("no-origin-no-acx-but-vary", "GET", "/l/exact/x.txt", [], 200, {}, [ACX], True, "none"),
    # no policy: nothing is set, not even CORS_RESULT (the log shows "-")
    ("no-policy-no-acx-no-vary", "GET", "/x.txt", O(APP), 200, {}, [ACX], False, "-"),
    ("none-empties-section-list", "GET", "/l/emptied/x.txt", O(APP), 200, {}, [ACX], False, "-"),
    ("head-granted", "HEAD", "/l/exact/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": APP}, [], True, "allowed"),
    ("options-without-acrm-is-actual", "OPTIONS", "/l/exact/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": APP},
     ["Access-Control-Allow-Methods", "Access-Control-Allow-Headers"], True, "allowed"),
    ("options-without-acrm-refused-origin", "OPTIONS", "/l/exact/x.txt",
     O("https://evil.example"), 200, {}, [ACX], True, "denied"),
    ("post-granted", "POST", "/cgi/ok/ok.cgi", O(APP), 200,
     {"Access-Control-Allow-Origin": APP}, [], True, "allowed"),
    ("put-granted-whatever-the-status", "PUT", "/l/exact/x.txt", O(APP), 405,
     {"Access-Control-Allow-Origin": APP}, [], True, "allowed"),
    # public mode: '*' on every response, no Vary: Origin
    ("public-with-origin", "GET", "/l/star/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": "*"}, ["Access-Control-Allow-Credentials"], False, "allowed"),
    ("public-without-origin", "GET", "/l/star/x.txt", [], 200,
     {"Access-Control-Allow-Origin": "*"}, [], False, "none"),
    ("public-null-origin", "GET", "/l/star/x.txt", O("null"), 200,
     {"Access-Control-Allow-Origin": "*"}, [], False, "allowed"),
    ("public-malformed-origin", "GET", "/l/star/x.txt", O("not an origin"), 200,
     {"Access-Control-Allow-Origin": "*"}, [], False, None),
    ("public-duplicate-origin", "GET", "/l/star/x.txt", O(APP) + O(APP), 200,
     {"Access-Control-Allow-Origin": "*"}, [], False, None),
    ("public-404", "GET", "/l/star/missing.txt", O(APP), 404,
     {"Access-Control-Allow-Origin": "*"}, [], False, "allowed"),
    ("public-redirect", "GET", "/l/star/old.txt", O(APP), 301,
     {"Access-Control-Allow-Origin": "*"}, [], False, "allowed"),
    ("public-expose", "GET", "/l/star-expose/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": "*",
      "Access-Control-Expose-Headers": "X-Total-Count, X-Request-Id"}, [], False, "allowed"),
    ("public-expose-without-origin", "GET", "/l/star-expose/x.txt", [], 200,
     {"Access-Control-Allow-Origin": "*",
      "Access-Control-Expose-Headers": "X-Total-Count, X-Request-Id"}, [], False, None),
    ("public-cgi", "GET", "/cgi/star/ok.cgi", O(APP), 200,
     {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": None,
      "X-Handler": "cgi"}, [], False, "allowed"),
    # credentials, expose
    ("credentials-granted", "GET", "/l/cred/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true",
      "Access-Control-Expose-Headers": "X-Total-Count"}, [], True, "allowed"),
    ("credentials-refused-origin", "GET", "/l/cred/x.txt", O("https://evil.example"), 200,
     {}, [ACX], True, "denied"),
    ("credentials-no-origin", "GET", "/l/cred/x.txt", [], 200, {}, [ACX], True, "none"),
    ("expose-list", "GET", "/l/expose/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": APP,
      "Access-Control-Expose-Headers": "X-Total-Count, X-Request-Id"},
     ["Access-Control-Allow-Credentials"], True, "allowed"),
    ("expose-list-refused", "GET", "/l/expose/x.txt", O("https://evil.example"), 200,
     {}, [ACX], True, "denied"),
    ("expose-star", "GET", "/l/expose-star/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": APP, "Access-Control-Expose-Headers": "*"}, [], True,
     "allowed"),
    ("actual-never-gets-preflight-headers", "GET", "/l/everything/x.txt",
     O(APP) + [("Access-Control-Request-Private-Network", "true")], 200,
     {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true"},
     ["Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age",
      "Access-Control-Allow-Private-Network", "Access-Control-Expose-Headers"], True, "allowed"),
    # error statuses carry the headers
    ("error-404", "GET", "/l/exact/missing.txt", O(APP), 404,
     {"Access-Control-Allow-Origin": APP}, [], True, "allowed"),
    ("error-404-refused", "GET", "/l/exact/missing.txt", O("https://evil.example"), 404,
     {}, [ACX], True, "denied"),
    ("error-403-require-denied", "GET", "/l/denied/x.txt", O(APP), 403,
     {"Access-Control-Allow-Origin": APP}, [], True, "allowed"),
    ("error-500-cgi", "GET", "/cgi/ok/broken.cgi", O(APP), 500,
     {"Access-Control-Allow-Origin": APP}, [], True, "allowed"),
    ("redirect-302", "GET", "/l/exact/old.txt", O(APP), 302,
     {"Access-Control-Allow-Origin": APP}, [], True,
     "allowed"),
    ("redirect-302-refused", "GET", "/l/exact/old.txt", O("https://evil.example"), 302,
     {}, [ACX], True, "denied"),
    # CORS_RESULT not checked: httpd renames it REDIRECT_CORS_RESULT on the
    # ErrorDocument's internal redirect (and drops the query tag)
    ("errordocument-local-page", "GET", "/l/errdoc/missing.txt", O(APP), 404,
     {"Access-Control-Allow-Origin": APP}, [], True, None),
    ("errordocument-local-page-refused", "GET", "/l/errdoc/missing.txt",
     O("https://evil.example"), 404, {}, [ACX], True, None),
    # upstream Access-Control-* replaced, never duplicated
    ("upstream-header-set-replaced", "GET", "/l/upstream/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": APP},
     ["Access-Control-Allow-Credentials", "Access-Control-Expose-Headers",
      "Access-Control-Allow-Methods"], True, "allowed"),
    ("upstream-header-set-removed-when-refused", "GET", "/l/upstream/x.txt",
     O("https://evil.example"), 200, {}, [ACX], True, "denied"),
    ("upstream-header-set-removed-without-origin", "GET", "/l/upstream/x.txt", [], 200,
     {}, [ACX], True, "none"),
    ("upstream-header-always-replaced", "GET", "/l/upstream-always/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": APP, "Access-Control-Expose-Headers": "X-Mine"}, [], True,
     "allowed"),
    ("upstream-header-always-on-404", "GET", "/l/upstream-always/missing.txt", O(APP), 404,
     {"Access-Control-Allow-Origin": APP, "Access-Control-Expose-Headers": "X-Mine"}, [], True,
     "allowed"),
    ("upstream-cgi-replaced", "GET", "/cgi/ok/ok.cgi", O(APP), 200,
     {"Access-Control-Allow-Origin": APP, "X-Handler": "cgi"},
     ["Access-Control-Allow-Credentials"], True, "allowed"),
    ("upstream-cgi-removed-when-refused", "GET", "/cgi/ok/ok.cgi", O("https://evil.example"),
     200, {"X-Handler": "cgi"}, [ACX], True, "denied"),
    ("upstream-untouched-without-policy", "GET", "/l/upstream-nopolicy/x.txt", O(APP), 200,
     {"Access-Control-Allow-Origin": "https://kept.example"}, [], False, "-"),
    ("upstream-cgi-untouched-without-policy", "GET", "/cgi/nopolicy/ok.cgi", O(APP), 200,
     {"Access-Control-Allow-Origin": "https://evil.example",
      "Access-Control-Allow-Credentials": "true"}, [], False, "-"),
]


@pytest.mark.parametrize("method,path,headers,status,expect,absent,vary,result",
                         [r[1:] for r in RESPONSE_ROWS], ids=[r[0] for r in RESPONSE_ROWS])
def test_response_headers(server, method, path, headers, status, expect, absent, vary, result):
    if "broken.cgi" in path:
        server.expect_error(r"End of script output before headers|AH01215|AH01217")
    if "/l/denied/" in path:
        server.expect_error(r"AH01630")
    path = tagged(path)
    body = "" if method in ("POST", "PUT") else None
    r = server.request(method, path, headers, body=body)
    assert_response(r, status, expect, absent, vary)
    if result is not None:
        assert cors_result(server, path) == result


def test_errordocument_serves_the_local_page_with_headers(server):
    r = server.get("/l/errdoc/missing.txt", O(APP))
    assert r.status == 404
    assert r.body == b"custom not found\n"
    assert r.get("Access-Control-Allow-Origin") == APP


def test_refused_request_still_serves_the_resource_untouched(server):
    ok = server.get("/l/exact/x.txt", O(APP))
    refused = server.get("/l/exact/x.txt", O("https://evil.example"))
    assert ok.body == refused.body == b"hello\n" * 20
    assert ok.get("Content-Type") == refused.get("Content-Type")
    assert ok.get("Content-Length") == refused.get("Content-Length")


# Vary: Origin merged with what is already there, once, case-insensitively
VARY_ROWS = [
    ("kept-existing", "/l/vary-set/x.txt", O(APP), ["accept-encoding", "origin"]),
    ("kept-existing-without-origin", "/l/vary-set/x.txt", [], ["accept-encoding", "origin"]),
    ("kept-existing-refused", "/l/vary-set/x.txt", O("https://evil.example"),
     ["accept-encoding", "origin"]),
    ("already-there-lowercase", "/l/vary-origin/x.txt", O(APP), ["origin", "accept"]),
    ("already-there-always", "/l/vary-always/x.txt", O(APP), ["origin"]),
    ("already-there-always-404", "/l/vary-always/missing.txt", O(APP), ["origin"]),
    ("vary-star-not-extended", "/l/vary-star/x.txt", O(APP), ["*"]),
    ("plain", "/l/exact/x.txt", O(APP), ["origin"]),
    ("plain-404", "/l/exact/missing.txt", O(APP), ["origin"]),
    ("public-none", "/l/star/x.txt", O(APP), []),
    ("no-policy-none", "/x.txt", O(APP), []),
]


@pytest.mark.parametrize("path,headers,tokens", [r[1:] for r in VARY_ROWS],
                         ids=[r[0] for r in VARY_ROWS])
def test_vary_merged_never_duplicated(server, path, headers, tokens):
    r = server.get(path, headers)
    assert sorted(r.tokens("Vary")) == sorted(tokens), r


@pytest.mark.parametrize("accept_encoding", ["gzip", None], ids=["gzip", "identity"])
def test_vary_merged_with_mod_deflate(server, accept_encoding):
    h = O(APP)
    if accept_encoding:
        h.append(("Accept-Encoding", accept_encoding))
    r = server.get("/l/deflate/x.txt", h)
    assert r.status == 200
    assert sorted(r.tokens("Vary")) == ["accept-encoding", "origin"], r
    assert r.get("Access-Control-Allow-Origin") == APP
    if accept_encoding:
        assert r.get("Content-Encoding") == "gzip"
