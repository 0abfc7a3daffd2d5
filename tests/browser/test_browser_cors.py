"""Chromium, Firefox and WebKit against httpd + mod_cors: each engine's verdict.

Every test runs once per engine (the ``engine`` fixture) and makes one or
more calls of ``site/app/lab.js`` (the page at
http://app.example.localhost:<port> calling the api at
http://api.example.localhost:<port>, both on 127.0.0.1). It asserts what the
engine let the page read (success, or a TypeError with nothing visible) and
what reached the api (its access log, with ``%{CORS_RESULT}e``): how many
preflights were sent and how they were answered. The configuration is
``site/api.conf.in``. The three engines agree on every case here; where an
engine needs something of its own, engines.py says why.
"""

import time

import pytest


def entries(lab, tag, until=None, timeout=3.0):
    """The api's access-log entries for ``tag``; waits until ``until(list)``."""
    deadline = time.time() + timeout
    while True:
        got = lab.entries(tag)
        if until is None or until(got) or time.time() > deadline:
            return got
        time.sleep(0.05)


def has(method, n=1):
    return lambda es: sum(1 for e in es if e["method"] == method) >= n


def options(es):
    return [e for e in es if e["method"] == "OPTIONS"]


def assert_allowed(r, status=200):
    assert r["outcome"] == "allowed", "the engine blocked the call: %r" % (r,)
    assert r["status"] == status, r


def assert_blocked(r):
    """Blocked as every engine blocks: fetch rejects with a TypeError (or the
    XHR fires "error"), nothing of the answer is visible. The message text
    differs by engine and is not judged."""
    assert r["outcome"] == "blocked", "the engine let the page read it: %r" % (r,)
    assert r["status"] == 0 and r["body"] is None, r
    assert r["errorName"] in ("TypeError", "XMLHttpRequest error"), r


# -- simple requests ---------------------------------------------------------

def test_simple_get_from_listed_origin_is_readable(lab, call):
    r, tag = call("simple-allowed")
    assert_allowed(r)
    assert r["body"] == "hello from the api\n"
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["cors"], e["origin"]) for e in es] == [
        ("GET", "allowed", lab.origins["app"])]


def test_simple_get_from_unlisted_origin_is_blocked(lab, call):
    r, tag = call("simple-blocked")
    assert_blocked(r)
    # the request went out (simple requests are not preflighted), the answer is hidden
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [("GET", 200, "denied")]


def test_xhr_from_listed_origin_is_readable(call):
    r, _ = call("xhr-allowed")
    assert_allowed(r)
    assert r["body"] == "hello from the api\n"


def test_xhr_from_unlisted_origin_is_blocked(lab, call):
    r, tag = call("xhr-blocked")
    assert_blocked(r)
    assert [(e["method"], e["cors"]) for e in entries(lab, tag, has("GET"))] == [("GET", "denied")]


# -- credentials ---------------------------------------------------------------

def test_credentialed_fetch_sends_api_cookie_and_is_readable(lab, call):
    r, tag = call("cred-allowed")
    assert_allowed(r)
    # the cookie the api set (Set-Cookie from setcookie.cgi) was sent back
    assert "cookie=labsid=s3cr3t" in r["body"], r
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["cors"]) for e in es] == [("GET", "allowed")]


def test_credentialed_fetch_without_allow_credentials_is_blocked(lab, call):
    r, tag = call("cred-blocked")
    assert_blocked(r)
    # mod_cors granted the origin, but no Access-Control-Allow-Credentials: true
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["cors"]) for e in es] == [("GET", "allowed")]


# -- preflighted requests -------------------------------------------------------

def test_put_with_json_is_preflighted_and_allowed(lab, call):
    r, tag = call("put-allowed")
    assert_allowed(r)
    assert r["body"] == 'method=PUT\ncookie=\nbody={"a":1}\n'
    es = entries(lab, tag, has("PUT"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [
        ("OPTIONS", 204, "preflight"), ("PUT", 200, "allowed")]


def test_method_not_listed_blocks_at_preflight(lab, call):
    r, tag = call("put-blocked-method")
    assert_blocked(r)
    es = entries(lab, tag, has("OPTIONS"))
    time.sleep(0.2)
    es = entries(lab, tag)
    # refused preflight; the DELETE itself never reached the server
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [("OPTIONS", 403, "denied")]


def test_header_not_listed_blocks_at_preflight(lab, call):
    r, tag = call("put-blocked-header")
    assert_blocked(r)
    entries(lab, tag, has("OPTIONS"))
    time.sleep(0.2)
    es = entries(lab, tag)
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [("OPTIONS", 403, "denied")]


def test_authorization_not_covered_by_star(lab, call):
    r, tag = call("authz-star-blocked")
    assert_blocked(r)
    entries(lab, tag, has("OPTIONS"))
    time.sleep(0.2)
    es = entries(lab, tag)
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [("OPTIONS", 403, "denied")]


def test_authorization_listed_by_name_is_allowed(lab, call):
    r, tag = call("authz-listed-allowed")
    assert_allowed(r)
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["cors"]) for e in es] == [("OPTIONS", "preflight"), ("GET", "allowed")]


# -- wildcards for methods and headers -----------------------------------------

def test_star_methods_and_headers_without_credentials(lab, call):
    r, tag = call("star-plain")
    assert_allowed(r)
    assert r["body"].startswith("method=DELETE\n"), r
    es = entries(lab, tag, has("DELETE"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [
        ("OPTIONS", 204, "preflight"), ("DELETE", 200, "allowed")]


def test_star_methods_and_headers_with_credentials(lab, call):
    """Credentialed: "*" would be read literally, mod_cors echoes the request."""
    r, tag = call("star-cred")
    assert_allowed(r)
    assert r["body"].startswith("method=DELETE\n"), r
    es = entries(lab, tag, has("DELETE"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [
        ("OPTIONS", 204, "preflight"), ("DELETE", 200, "allowed")]


# -- response headers -------------------------------------------------------------

def test_exposed_header_readable_unexposed_not(call):
    r, _ = call("expose-readable")
    assert_allowed(r)
    assert r["headers"] == {"X-Exposed": "visible", "X-Hidden": None}
    assert r["verdict"] == "allowed"
    r, _ = call("expose-hidden")
    assert r["verdict"] == "blocked"


# -- preflight cache --------------------------------------------------------------

def methods_at(es, prefix):
    return [e["method"] for e in es if e["path"].startswith(prefix)]


def test_max_age_600_skips_the_second_preflight(lab, call):
    """Same call twice, 6 s apart: with CORSMaxAge 600 one preflight; without
    it two. Without it, an immediate repeat still reuses the first: every
    engine's default is 5 s (Chromium preflight_result.cc kDefaultTimeout,
    Firefox nsCORSListenerProxy.cpp PREFLIGHT_DEFAULT_EXPIRY_SECONDS, WebKit
    CrossOriginPreflightResultCache.cpp defaultPreflightCacheTimeout)."""
    r, tag = call("maxage")
    assert_allowed(r)
    assert_allowed(call("nomaxage", tag=tag)[0])
    assert_allowed(call("nomaxage", tag=tag)[0])
    time.sleep(6.0)
    for scenario in ("maxage", "nomaxage"):
        assert_allowed(call(scenario, tag=tag)[0])
    es = entries(lab, tag, has("PUT", 5))
    assert methods_at(es, "/s/maxage/") == ["OPTIONS", "PUT", "PUT"], es
    assert methods_at(es, "/s/nomaxage/") == ["OPTIONS", "PUT", "PUT", "OPTIONS", "PUT"], es


def test_max_age_2_expires_after_two_seconds(lab, call):
    """CORSMaxAge 2: an immediate repeat reuses the preflight (so the engine
    did cache it), a call 3 s later sends a new one (so it did expire)."""
    r, tag = call("maxage2")
    assert_allowed(r)
    assert_allowed(call("maxage2", tag=tag)[0])
    time.sleep(3.0)
    assert_allowed(call("maxage2", tag=tag)[0])
    es = entries(lab, tag, has("PUT", 3))
    assert methods_at(es, "/s/maxage2/") == ["OPTIONS", "PUT", "PUT", "OPTIONS", "PUT"], es


# -- error statuses -------------------------------------------------------------

def test_404_status_readable(lab, call):
    r, tag = call("error-404")
    assert_allowed(r, 404)
    assert [e["cors"] for e in entries(lab, tag, has("GET"))] == ["allowed"]


def test_404_from_ungranted_location_is_a_network_error(lab, call):
    r, tag = call("error-404-other")
    assert_blocked(r)
    assert [(e["status"], e["cors"]) for e in entries(lab, tag, has("GET"))] == [(404, "denied")]


def test_500_status_readable(lab, call):
    r, tag = call("error-500")
    assert_allowed(r, 500)
    assert "Internal Server Error" in r["body"]
    assert [e["status"] for e in entries(lab, tag, has("GET"))] == [500]


# -- redirects --------------------------------------------------------------------

def test_redirect_followed_on_api_origin(lab, call):
    r, tag = call("redirect-same")
    assert_allowed(r)
    assert r["redirected"] is True and r["body"] == "hello from the api\n"
    es = entries(lab, tag, has("GET", 2))
    assert [(e["path"].split("?")[0], e["status"], e["origin"]) for e in es] == [
        ("/s/redirect/same", 302, lab.origins["app"]),
        ("/s/simple/data.txt", 200, lab.origins["app"])]


def test_redirect_to_another_api_origin_sends_null(lab, call):
    r, tag = call("redirect-cross")
    assert_allowed(r)
    assert r["redirected"] is True and r["body"] == "hello from the api\n"
    es = entries(lab, tag, has("GET", 2))
    # the engine taints the origin after a cross-origin redirect (Fetch
    # standard, HTTP-redirect fetch): Origin: null, which /s/null/ lists
    assert [(e["path"].split("?")[0], e["status"], e["origin"], e["cors"]) for e in es] == [
        ("/s/redirect/cross", 302, lab.origins["app"], "allowed"),
        ("/s/null/data.txt", 200, "null", "allowed")]


def test_redirect_target_that_refuses_null_blocks(lab, call):
    """The same redirect to a location that lists only the page's origin:
    the target's own policy decides, and it does not grant null."""
    r, tag = call("redirect-cross-refused")
    assert_blocked(r)
    es = entries(lab, tag, has("GET", 2))
    assert [(e["path"].split("?")[0], e["status"], e["origin"], e["cors"]) for e in es] == [
        ("/s/redirect/cross-simple", 302, lab.origins["app"], "allowed"),
        ("/s/simple/data.txt", 200, "null", "denied")]


def test_ungranted_redirect_is_not_followed(lab, call):
    r, tag = call("redirect-ungranted")
    assert_blocked(r)
    entries(lab, tag, has("GET"))
    time.sleep(0.2)
    es = entries(lab, tag)
    # the 302 itself fails the CORS check: its Location is never requested
    assert [(e["path"].split("?")[0], e["status"], e["cors"]) for e in es] == [
        ("/s/other/away", 302, "denied")]


# -- origins ----------------------------------------------------------------------

def test_wildcard_subdomain_origin_allowed(lab, call):
    r, tag = call("wild-subdomain")
    assert_allowed(r)
    assert r["origin"] == lab.origins["appX"]
    assert [e["origin"] for e in entries(lab, tag, has("GET"))] == [lab.origins["appX"]]


def test_wildcard_apex_refused(lab, call):
    r, tag = call("wild-apex")
    assert_blocked(r)
    assert [e["cors"] for e in entries(lab, tag, has("GET"))] == ["denied"]


def test_sandboxed_iframe_null_origin_refused_by_default(lab, call):
    r, tag = call("null-refused")
    assert_blocked(r)
    assert r["origin"] == "null"
    es = entries(lab, tag, has("GET"))
    assert [(e["origin"], e["cors"]) for e in es] == [("null", "denied")]


def test_sandboxed_iframe_null_origin_allowed_when_listed(lab, call):
    r, tag = call("null-listed")
    assert_allowed(r)
    es = entries(lab, tag, has("GET"))
    assert [(e["origin"], e["cors"]) for e in es] == [("null", "allowed")]


# -- per-directory configuration ----------------------------------------------------

def test_htaccess_only_directory(lab, call):
    r, tag = call("htaccess-allowed")
    assert_allowed(r)
    assert r["headers"] == {"X-Via": "htaccess"}
    r, tag = call("htaccess-blocked")
    assert_blocked(r)
    assert [e["cors"] for e in entries(lab, tag, has("GET"))] == ["denied"]


def test_child_directory_plus_method(lab, call):
    r, tag = call("edit-child-put")
    assert_allowed(r)
    es = entries(lab, tag, has("PUT"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [
        ("OPTIONS", 204, "preflight"), ("PUT", 200, "allowed")]
    r, tag = call("edit-parent-put")
    assert_blocked(r)
    es = entries(lab, tag, has("OPTIONS"))
    assert [(e["method"], e["status"]) for e in es] == [("OPTIONS", 403)]


def test_child_directory_minus_origin(lab, call):
    r, _ = call("edit-parent-b")
    assert_allowed(r)
    assert r["body"] == "hello from edit/\n"
    r, tag = call("edit-child-b")
    assert_blocked(r)
    assert [e["cors"] for e in entries(lab, tag, has("GET"))] == ["denied"]


# -- authentication and proxies ------------------------------------------------------

def test_preflight_to_basic_auth_location_needs_no_credentials(lab, call):
    r, tag = call("auth-preflight")
    assert_allowed(r)
    assert "user=demo" in r["body"], r
    es = entries(lab, tag, has("PUT"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [
        ("OPTIONS", 204, "preflight"), ("PUT", 200, "allowed")]


def test_unauthenticated_put_reads_401(lab, call):
    r, tag = call("auth-missing")
    assert_allowed(r, 401)
    es = entries(lab, tag, has("PUT"))
    assert [(e["method"], e["status"]) for e in es] == [("OPTIONS", 204), ("PUT", 401)]


def test_proxied_backend_acao_replaced_no_duplicate(lab, call):
    r, tag = call("proxy-replace")
    assert_allowed(r)
    assert r["body"] == "hello from the backend\n"


def test_proxied_backend_acao_kept_breaks_credentialed_call(lab, call):
    """Control for the test above: the backend really sends its own header."""
    r, tag = call("proxy-keep")
    assert_blocked(r)
    # mod_cors granted the page; the backend's "*" it kept is what fails
    assert [(e["method"], e["cors"]) for e in entries(lab, tag, has("GET"))] == [("GET", "allowed")]
