"""Responses that httpd builds through internal redirects, subrequests and
filters (issue 4, "Responses produced elsewhere"): ErrorDocument with a
local URL, mod_alias ``Redirect``, mod_rewrite internal rewrites ([PT] and
per-directory), mod_dir ``DirectoryIndex`` subrequests and mod_deflate. In
every case the CORS headers are present exactly once and follow the policy
of the request the client sent.
"""

import gzip

import pytest

from harness import ACX, assert_response, cors_result, httpd_fixture, tagged

APP = "https://app.example.com"
OTHER = "https://other.example.com"
EVIL = "https://evil.example.com"

CONF = r"""
# --- ErrorDocument: the error pages live outside the /api policy; /other-errors
#     has a policy of its own that must not leak into /api's errors
<Location "/api">
    CORSAllowOrigin https://app.example.com
    CORSExposeHeaders X-Total
</Location>
<Location "/api/errdoc">
    ErrorDocument 404 /errors/404.html
    ErrorDocument 403 /other-errors/403.html
</Location>
<Location "/api/errdoc/forbidden">
    Require all denied
</Location>
<Location "/other-errors">
    CORSAllowOrigin https://other.example.com
</Location>
<Location "/api/errdoc-rel">
    ErrorDocument 404 /api/errors-inside/404.html
</Location>

# --- mod_alias Redirect: server-level (translate_name) and per-directory
Redirect 302 /api/old.txt http://127.0.0.1/api/new.txt
Redirect 301 /api/moved http://127.0.0.1/api/elsewhere
<Location "/api/dir-redirect">
    Redirect 307 http://127.0.0.1/api/target
</Location>

# --- mod_rewrite: server-level [PT] into /api, and per-directory internal
#     rewrite inside /api
RewriteEngine On
RewriteRule "^/rw/(.*)$" "/api/$1" [PT]
RewriteRule "^/api/pt/(.*)$" "/plain/$1" [PT]
<Directory "@DOCROOT@/api/rwdir">
    RewriteEngine On
    RewriteRule "^a\.txt$" "b.txt" [L]
</Directory>

# --- mod_deflate
<Location "/api/gz">
    AddOutputFilterByType DEFLATE text/plain
</Location>
"""

BIG = "deflate me please\n" * 200

DOCS = {
    "api/x.txt": "hello\n",
    "api/errdoc/.keep": "",
    "api/errors-inside/404.html": "inside not found\n",
    "errors/404.html": "custom not found\n",
    "other-errors/403.html": "custom forbidden\n",
    "api/rwdir/b.txt": "b\n",
    "api/dir/index.html": "<p>index</p>\n",
    "plain/x.txt": "plain\n",
    "api/gz/big.txt": BIG,
}

server = httpd_fixture(CONF, docs=DOCS, modules=["deflate", "filter"],
                       name="httpd-internal", allowed_errors=[r"AH01630"])

GRANT = {"Access-Control-Allow-Origin": APP, "Access-Control-Expose-Headers": "X-Total"}


def O(origin):
    return {"Origin": origin}


# -- ErrorDocument ----------------------------------------------------------------

def test_errordocument_outside_policy_gets_original_requests_headers(server):
    path = "/api/errdoc/missing-%s.txt" % tagged("")[len("?tag="):]
    r = server.get(path, O(APP))
    assert_response(r, 404, GRANT, vary_origin=True)
    assert r.body == b"custom not found\n"
    assert cors_result(server, path) == "allowed"


def test_errordocument_refused_origin_no_headers(server):
    r = server.get("/api/errdoc/missing.txt", O(EVIL))
    assert_response(r, 404, absent=[ACX], vary_origin=True)
    assert r.body == b"custom not found\n"


def test_errordocument_without_origin_still_varies(server):
    r = server.get("/api/errdoc/missing.txt")
    assert_response(r, 404, absent=[ACX], vary_origin=True)


def test_errordocument_under_other_policy_uses_original_decision(server):
    # the 403 page lives under /other-errors (allows OTHER only); the failed
    # request was under /api (allows APP only)
    r = server.get("/api/errdoc/forbidden/x.txt", O(APP))
    assert_response(r, 403, GRANT, vary_origin=True)
    assert r.body == b"custom forbidden\n"
    r = server.get("/api/errdoc/forbidden/x.txt", O(OTHER))
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    assert r.body == b"custom forbidden\n"


def test_errordocument_inside_same_policy_once(server):
    r = server.get("/api/errdoc-rel/missing.txt", O(APP))
    assert_response(r, 404, GRANT, vary_origin=True)
    assert r.body == b"inside not found\n"


def test_error_page_requested_directly_follows_its_own_policy(server):
    r = server.get("/other-errors/403.html", O(OTHER))
    assert_response(r, 200, {"Access-Control-Allow-Origin": OTHER}, vary_origin=True)
    r = server.get("/errors/404.html", O(APP))
    assert_response(r, 200, absent=[ACX], vary_origin=False)


# -- Redirect (mod_alias) --------------------------------------------------------------

@pytest.mark.parametrize("path,status,location", [
    ("/api/old.txt", 302, "http://127.0.0.1/api/new.txt"),
    ("/api/moved/x", 301, "http://127.0.0.1/api/elsewhere/x"),
    ("/api/dir-redirect/x", 307, "http://127.0.0.1/api/target"),
])
def test_redirect_carries_cors_headers(server, path, status, location):
    t = tagged(path)
    r = server.get(t, O(APP))
    assert_response(r, status, GRANT, vary_origin=True)
    assert r.get("Location").split("?")[0] == location
    assert cors_result(server, t) == "allowed"
    r = server.get(path, O(EVIL))
    assert_response(r, status, absent=[ACX], vary_origin=True)


def test_mod_dir_trailing_slash_redirect_carries_cors_headers(server):
    r = server.get("/api/dir", O(APP))
    assert_response(r, 301, GRANT, vary_origin=True)
    assert r.get("Location").endswith("/api/dir/")


# -- mod_rewrite ---------------------------------------------------------------------

def test_rewrite_pt_into_policy_applies_target_policy_once(server):
    r = server.get("/rw/x.txt", O(APP))
    assert_response(r, 200, GRANT, vary_origin=True)
    assert r.body == b"hello\n"
    r = server.get("/rw/x.txt", O(EVIL))
    assert_response(r, 200, absent=[ACX], vary_origin=True)


def test_rewrite_pt_out_of_policy_uses_target_location(server):
    # /api/pt/... is rewritten to /plain/..., which has no policy
    r = server.get("/api/pt/x.txt", O(APP))
    assert_response(r, 200, absent=[ACX], vary_origin=False)
    assert r.body == b"plain\n"


def test_per_directory_rewrite_internal_redirect_once(server):
    r = server.get("/api/rwdir/a.txt", O(APP))
    assert_response(r, 200, GRANT, vary_origin=True)
    assert r.body == b"b\n"
    r = server.get("/api/rwdir/a.txt", O(EVIL))
    assert_response(r, 200, absent=[ACX], vary_origin=True)


def test_rewrite_target_preflight_is_answered(server):
    r = server.preflight("/rw/x.txt", APP, "GET")
    assert_response(r, 204, {"Access-Control-Allow-Origin": APP}, vary_origin=True)


# -- mod_dir DirectoryIndex -------------------------------------------------------------

def test_directory_index_subrequest_once(server):
    path = tagged("/api/dir/")
    r = server.get(path, O(APP))
    assert_response(r, 200, GRANT, vary_origin=True)
    assert r.body == b"<p>index</p>\n"
    # mod_dir's fast redirect logs the index file's URI
    assert cors_result(server, path.replace("/?", "/index.html?")) == "allowed"
    r = server.get("/api/dir/", O(EVIL))
    assert_response(r, 200, absent=[ACX], vary_origin=True)


def test_directory_index_preflight(server):
    r = server.preflight("/api/dir/", APP, "POST")
    assert_response(r, 204, {"Access-Control-Allow-Origin": APP}, vary_origin=True)


# -- mod_deflate ------------------------------------------------------------------------

def test_deflate_headers_once_and_vary_merged(server):
    r = server.get("/api/gz/big.txt", [("Origin", APP), ("Accept-Encoding", "gzip")])
    assert_response(r, 200, GRANT, vary_origin=True)
    assert r.get("Content-Encoding") == "gzip", r
    assert gzip.decompress(r.body).decode() == BIG
    assert r.tokens("Vary").count("accept-encoding") == 1, r


def test_deflate_not_negotiated_same_headers(server):
    r = server.get("/api/gz/big.txt", O(APP))
    assert_response(r, 200, GRANT, vary_origin=True)
    assert not r.has("Content-Encoding")
    assert r.body.decode() == BIG


def test_deflate_refused_origin(server):
    r = server.get("/api/gz/big.txt", [("Origin", EVIL), ("Accept-Encoding", "gzip")])
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert r.get("Content-Encoding") == "gzip"
