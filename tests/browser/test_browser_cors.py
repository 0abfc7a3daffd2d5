"""Headless Chromium against httpd + mod_cors: the browser's own verdict.

Every test runs one or more scenarios of ``site/app/lab.js`` in Chromium
(the page at http://app.example.test:<port> calling the api at
http://api.example.test:<port>, both on 127.0.0.1) and asserts what Chromium
let the page read, and what reached the api (its access log, with
``%{CORS_RESULT}e``): how many preflights were sent and how they were
answered. The configuration is ``site/api.conf.in``.
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
    assert r["outcome"] == "allowed", "Chromium blocked the call: %r" % (r,)
    assert r["status"] == status, r


def assert_blocked(r):
    assert r["outcome"] == "blocked", "Chromium let the page read it: %r" % (r,)
    assert r["status"] == 0 and r["body"] is None, r
    assert "TypeError" in r["error"] or "XMLHttpRequest error" in r["error"], r


def cors_message(messages, tag):
    """Chromium's console explanation for the blocked call carrying ``tag``."""
    for m in messages:
        if tag in m and "blocked by CORS policy" in m:
            return m
    return None


# -- simple requests ---------------------------------------------------------

def test_simple_get_from_listed_origin_is_readable(lab, call):
    r, tag = call("simple-allowed")
    assert_allowed(r)
    assert r["body"] == "hello from the api\n"
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["cors"], e["origin"]) for e in es] == [
        ("GET", "allowed", lab.origins["app"])]


def test_simple_get_from_unlisted_origin_is_blocked(lab, call, console):
    r, tag = call("simple-blocked")
    assert_blocked(r)
    # the request went out (simple requests are not preflighted), the answer is hidden
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [("GET", 200, "denied")]
    msg = cors_message(console(), tag)
    assert msg and "No 'Access-Control-Allow-Origin' header" in msg, msg


def test_xhr_from_listed_origin_is_readable(call):
    r, _ = call("xhr-allowed")
    assert_allowed(r)
    assert r["body"] == "hello from the api\n"


def test_xhr_from_unlisted_origin_is_blocked(call):
    r, _ = call("xhr-blocked")
    assert_blocked(r)


# -- credentials ---------------------------------------------------------------

def test_credentialed_fetch_sends_api_cookie_and_is_readable(lab, call):
    r, tag = call("cred-allowed")
    assert_allowed(r)
    # the cookie the api set (Set-Cookie from setcookie.cgi) was sent back
    assert "cookie=labsid=s3cr3t" in r["body"], r
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["cors"]) for e in es] == [("GET", "allowed")]


def test_credentialed_fetch_without_allow_credentials_is_blocked(lab, call, console):
    r, tag = call("cred-blocked")
    assert_blocked(r)
    # mod_cors granted the origin, but no Access-Control-Allow-Credentials: true
    es = entries(lab, tag, has("GET"))
    assert [(e["method"], e["cors"]) for e in es] == [("GET", "allowed")]
    msg = cors_message(console(), tag)
    assert msg and "Access-Control-Allow-Credentials" in msg, msg


# -- preflighted requests -------------------------------------------------------

def test_put_with_json_is_preflighted_and_allowed(lab, call):
    r, tag = call("put-allowed")
    assert_allowed(r)
    assert r["body"] == 'method=PUT\ncookie=\nbody={"a":1}\n'
    es = entries(lab, tag, has("PUT"))
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [
        ("OPTIONS", 204, "preflight"), ("PUT", 200, "allowed")]


def test_method_not_listed_blocks_at_preflight(lab, call, console):
    r, tag = call("put-blocked-method")
    assert_blocked(r)
    es = entries(lab, tag, has("OPTIONS"))
    time.sleep(0.2)
    es = entries(lab, tag)
    # refused preflight; the DELETE itself never reached the server
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [("OPTIONS", 403, "denied")]
    msg = cors_message(console(), tag)
    assert msg and "preflight" in msg, msg


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


# -- response headers -------------------------------------------------------------

def test_exposed_header_readable_unexposed_not(call):
    r, _ = call("expose-readable")
    assert_allowed(r)
    assert r["headers"] == {"X-Exposed": "visible", "X-Hidden": None}
    assert r["verdict"] == "allowed"
    r, _ = call("expose-hidden")
    assert r["verdict"] == "blocked"


# -- preflight cache --------------------------------------------------------------

def test_max_age_lets_chromium_skip_the_second_preflight(lab, page):
    """Same call twice, 6 s apart: with CORSMaxAge 600 one preflight; without
    it two (Chromium's own default cache is 5 s)."""
    tag = "maxage-%d" % time.time_ns()
    script = """
var done = arguments[arguments.length - 1];
Promise.all([lab.run("maxage", arguments[0]), lab.run("nomaxage", arguments[0])]).then(done);
"""
    first = page.execute_async_script(script, tag)
    time.sleep(6.0)
    second = page.execute_async_script(script, tag)
    for r in first + second:
        assert_allowed(r)
    es = entries(lab, tag, has("PUT", 4))
    maxage = [e["method"] for e in es if e["path"].startswith("/s/maxage/")]
    nomaxage = [e["method"] for e in es if e["path"].startswith("/s/nomaxage/")]
    assert maxage == ["OPTIONS", "PUT", "PUT"], es
    assert nomaxage == ["OPTIONS", "PUT", "OPTIONS", "PUT"], es


# -- error statuses -------------------------------------------------------------

def test_404_status_readable(lab, call):
    r, tag = call("error-404")
    assert_allowed(r, 404)
    assert [e["cors"] for e in entries(lab, tag, has("GET"))] == ["allowed"]


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
    # Chromium taints the origin after a cross-origin redirect: Origin: null
    assert [(e["path"].split("?")[0], e["status"], e["origin"], e["cors"]) for e in es] == [
        ("/s/redirect/cross", 302, lab.origins["app"], "allowed"),
        ("/s/null/data.txt", 200, "null", "allowed")]


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


def test_proxied_backend_acao_kept_breaks_credentialed_call(lab, call, console):
    """Control for the test above: the backend really sends its own header."""
    r, tag = call("proxy-keep")
    assert_blocked(r)
    msg = cors_message(console(), tag)
    assert msg and "'*'" in msg, msg
