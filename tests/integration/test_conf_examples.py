# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Every file in conf-examples/ does what its comments say.

Each example is loaded as shipped into a real httpd. Only deployment
details are substituted (the listening address for ``*:80``, the
DocumentRoot for ``/var/www/...``), and :func:`example` fails if a
substitution no longer finds its text, so an edited example cannot slip
past its test. modules/cors.conf (the packaged snippet) is tested too.
"""

import os

import pytest

from harness import ACX, Httpd, REPO, assert_response, cors_result, tagged

EXAMPLES = os.path.join(REPO, "conf-examples")


def example(name, subst=()):
    """The text of conf-examples/<name> with ``subst`` (old, new) applied."""
    with open(os.path.join(EXAMPLES, name)) as f:
        text = f.read()
    for old, new in subst:
        assert old in text, "%s no longer contains %r" % (name, old)
        text = text.replace(old, new)
    return text


def server(request, body, **kw):
    """A started server for one module-scoped fixture, cleaned up after."""
    h = Httpd(body, name=request.module.__name__ + "-" + request.fixturename, **kw)
    request.addfinalizer(h.cleanup)
    h.start()
    return h


def preflight(h, path, origin, method, headers=None):
    return h.preflight(path, origin, method, headers)


# -------------------------------------------------------------------------
# The set of examples this file covers; test_every_example_is_tested below
# makes sure a new file in conf-examples/ gets a test (here or elsewhere).

TESTED_HERE = {
    "api-vhost-credentials.conf",
    "spa-localhost-dev.conf",
    "shared-hosting.htaccess",
    "public-assets.conf",
    "multi-tenant.conf",
    "migration-from-mod_headers.conf",
    "private-network-device.conf",
}


def test_every_example_is_tested():
    names = sorted(os.listdir(EXAMPLES))
    assert names, "conf-examples/ is empty"
    here = os.path.dirname(os.path.abspath(__file__))
    others = ""
    for fn in os.listdir(here):
        if fn.endswith(".py") and fn != os.path.basename(__file__):
            with open(os.path.join(here, fn)) as f:
                others += f.read()
    untested = [n for n in names if n not in TESTED_HERE and n not in others]
    assert not untested, "examples no test loads: %s" % untested


# -------------------------------------------------------------------------
# modules/cors.conf: loading the module with the packaged snippet changes
# nothing until a policy is written.

@pytest.fixture(scope="module")
def packaged(request):
    with open(os.path.join(REPO, "modules", "cors.conf")) as f:
        snippet = f.read()
    return server(request, snippet, docs={"index.html": "hi", "api/x.json": "{}"})


@pytest.mark.parametrize("path", ["/index.html", "/api/x.json", "/missing"])
def test_packaged_snippet_sets_no_policy(packaged, path):
    r = packaged.get(path, headers={"Origin": "https://app.example.com"})
    assert_response(r, absent=[ACX], vary_origin=False)
    r = preflight(packaged, path, "https://app.example.com", "PUT")
    assert r.status != 204
    assert_response(r, absent=[ACX], vary_origin=False)


def test_packaged_load_file_names_the_debian_module_path():
    with open(os.path.join(REPO, "modules", "cors.load")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    assert lines == ["LoadModule cors_module /usr/lib/apache2/modules/mod_cors.so"]


# -------------------------------------------------------------------------
# api-vhost-credentials.conf

API_ORIGINS = ["https://www.example.com", "https://admin.example.com",
               "https://partner.example.net"]


@pytest.fixture(scope="module")
def api(request):
    body = example("api-vhost-credentials.conf",
                   [("<VirtualHost *:80>", "<VirtualHost @LISTEN@>"),
                    ('"/var/www/api"', '"@DOCROOT@/api"')])
    return server(request, body, docs={"api/users.json": '{"users": []}'})


@pytest.mark.parametrize("origin", API_ORIGINS)
def test_api_grants_listed_origins_with_credentials(api, origin):
    r = api.get("/users.json", headers={"Origin": origin})
    assert_response(r, 200, {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "ETag, Location, X-Request-Id",
        "Access-Control-Allow-Methods": None,
        "Access-Control-Max-Age": None,
    }, vary_origin=True)
    assert r.body == b'{"users": []}'


@pytest.mark.parametrize("origin", [
    "http://www.example.com", "https://www.example.com:8443",
    "https://evil.example.com", "https://www.example.com.evil.net",
    "https://WWW.example.com", "https://www.example.com/", "null",
])
def test_api_refuses_other_origins_but_serves_the_resource(api, origin):
    path = tagged("/users.json")
    r = api.get(path, headers={"Origin": origin})
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert r.body == b'{"users": []}'
    assert cors_result(api, path) == "denied"


def test_api_vary_origin_without_origin_and_on_404(api):
    assert_response(api.get("/users.json"), 200, absent=[ACX], vary_origin=True)
    r = api.get("/nope.json", headers={"Origin": "https://admin.example.com"})
    assert_response(r, 404, {"Access-Control-Allow-Origin": "https://admin.example.com",
                             "Access-Control-Allow-Credentials": "true"},
                    vary_origin=True)


@pytest.mark.parametrize("method,headers", [
    ("PUT", "content-type"), ("PATCH", "Content-Type, X-CSRF-Token"),
    ("DELETE", None), ("GET", "x-csrf-token"),
])
def test_api_preflight_granted_for_listed_methods_and_headers(api, method, headers):
    # the path need not exist: the preflight never reaches a handler
    path = tagged("/users/17")
    r = api.preflight(path, "https://www.example.com", method, headers)
    assert_response(r, 204, {
        "Access-Control-Allow-Origin": "https://www.example.com",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
        "Access-Control-Allow-Headers": "Content-Type, X-CSRF-Token",
        "Access-Control-Max-Age": "600",
        "Access-Control-Expose-Headers": None,
    }, vary_origin=True)
    assert r.body == b""
    assert cors_result(api, path) == "preflight"


@pytest.mark.parametrize("origin,method,headers", [
    ("https://www.example.com", "OPTIONS", None),
    ("https://www.example.com", "put", None),
    ("https://www.example.com", "PUT", "Authorization"),
    ("https://www.example.com", "POST", "Content-Type, X-Other"),
    ("https://evil.example.com", "GET", None),
])
def test_api_preflight_refused_otherwise(api, origin, method, headers):
    r = api.preflight("/users/17", origin, method, headers)
    assert_response(r, 403, absent=[ACX], vary_origin=True)


# -------------------------------------------------------------------------
# spa-localhost-dev.conf

@pytest.fixture(scope="module")
def spa(request):
    return server(request, example("spa-localhost-dev.conf"),
                  docs={"api/me.json": '{"me": 1}', "index.html": "app"})


@pytest.mark.parametrize("origin", [
    "http://localhost:5173", "http://localhost:3000", "http://localhost",
    "http://127.0.0.1:8080", "http://[::1]:5173",
])
def test_spa_grants_localhost_on_any_port(spa, origin):
    r = spa.get("/api/me.json", headers={"Origin": origin})
    assert_response(r, 200, {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "ETag, Location, X-Request-Id, X-Debug-Token",
    }, vary_origin=True)


@pytest.mark.parametrize("origin", [
    "https://localhost:3000", "http://localhost.example.com:3000",
    "http://127.0.0.2:3000", "http://localhost:3000.evil.net", "null",
])
def test_spa_refuses_other_hosts_and_schemes(spa, origin):
    r = spa.get("/api/me.json", headers={"Origin": origin})
    assert_response(r, 200, absent=[ACX], vary_origin=True)


def test_spa_policy_only_under_api(spa):
    r = spa.get("/index.html", headers={"Origin": "http://localhost:5173"})
    assert_response(r, 200, absent=[ACX], vary_origin=False)


def test_spa_preflight_echoes_method_and_headers_with_credentials(spa):
    r = spa.preflight("/api/things/1", "http://localhost:5173", "PROPFIND",
                      "X-Debug, content-type, Authorization")
    assert_response(r, 204, {
        "Access-Control-Allow-Origin": "http://localhost:5173",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "PROPFIND",
        "Access-Control-Allow-Headers": "x-debug, content-type, authorization",
    }, vary_origin=True)


def test_spa_star_alone_does_not_cover_authorization(httpd_factory):
    body = example("spa-localhost-dev.conf",
                   [("CORSAllowHeaders * Authorization", "CORSAllowHeaders *")])
    h = httpd_factory(body).start()
    r = h.preflight("/api/x", "http://localhost:5173", "GET", "Authorization")
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    r = h.preflight("/api/x", "http://localhost:5173", "GET", "X-Anything")
    assert_response(r, 204, {"Access-Control-Allow-Headers": "x-anything"})


def test_spa_expose_star_with_credentials_is_refused_at_configtest(httpd_factory):
    body = example("spa-localhost-dev.conf",
                   [("CORSExposeHeaders ETag Location X-Request-Id X-Debug-Token",
                     "CORSExposeHeaders *")])
    rc, out = httpd_factory(body).configtest()
    assert rc != 0
    assert "CORSExposeHeaders *" in out


# -------------------------------------------------------------------------
# shared-hosting.htaccess

HTACCESS_DOCS = {
    "data/prices.json": '{"p": 1}',
    "data/keys.private.json": '{"k": 2}',
    "data/sub/more.json": '{"m": 3}',
    "other/x.json": '{"x": 4}',
}


@pytest.fixture(scope="module")
def shared(request):
    docs = dict(HTACCESS_DOCS)
    docs["data/.htaccess"] = example("shared-hosting.htaccess")
    return server(request, "", docs=docs, allow_override="FileInfo")


@pytest.mark.parametrize("origin", ["https://www.example.com", "https://shop.example.com"])
@pytest.mark.parametrize("path", ["/data/prices.json", "/data/sub/more.json"])
def test_htaccess_grants_listed_origins_below_its_directory(shared, origin, path):
    r = shared.get(path, headers={"Origin": origin})
    assert_response(r, 200, {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Content-Length, ETag",
        "Access-Control-Allow-Credentials": None,
    }, vary_origin=True)


def test_htaccess_other_origin_still_served_without_cors(shared):
    r = shared.get("/data/prices.json", headers={"Origin": "https://evil.example"})
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert r.body == b'{"p": 1}'


def test_htaccess_does_not_reach_sibling_directories(shared):
    r = shared.get("/other/x.json", headers={"Origin": "https://www.example.com"})
    assert_response(r, 200, absent=[ACX], vary_origin=False)


def test_htaccess_private_files_excluded(shared):
    r = shared.get("/data/keys.private.json", headers={"Origin": "https://www.example.com"})
    assert_response(r, 200, absent=[ACX])


def test_htaccess_preflight(shared):
    r = shared.preflight("/data/prices.json", "https://shop.example.com", "GET",
                         "X-Requested-With")
    assert_response(r, 204, {
        "Access-Control-Allow-Origin": "https://shop.example.com",
        "Access-Control-Allow-Methods": "GET, HEAD, POST",
        "Access-Control-Allow-Headers": "X-Requested-With",
    }, vary_origin=True)
    r = shared.preflight("/data/prices.json", "https://shop.example.com", "DELETE")
    assert_response(r, 403, absent=[ACX])


def test_htaccess_without_fileinfo_gives_500_and_not_allowed_here(httpd_factory):
    docs = dict(HTACCESS_DOCS)
    docs["data/.htaccess"] = example("shared-hosting.htaccess")
    h = httpd_factory("", docs=docs, allow_override="AuthConfig").start()
    h.expect_error(r"CORSAllowOrigin not allowed here")
    r = h.get("/data/prices.json", headers={"Origin": "https://www.example.com"})
    assert r.status == 500
    assert h.wait_error_log(r"CORSAllowOrigin not allowed here")


# -------------------------------------------------------------------------
# public-assets.conf

@pytest.fixture(scope="module")
def public(request):
    return server(request, example("public-assets.conf"),
                  docs={"assets/font.woff2": b"wOF2", "private/x.json": "{}"})


@pytest.mark.parametrize("headers", [
    {}, {"Origin": "https://anyone.example"}, {"Origin": "null"},
    {"Origin": "HTTPS://Malformed.example/"},
    {"Origin": "https://anyone.example", "Cookie": "session=1"},
])
def test_public_star_on_every_response_without_vary(public, headers):
    r = public.get("/assets/font.woff2", headers=headers)
    assert_response(r, 200, {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "Content-Length, Content-Range, ETag",
        "Access-Control-Allow-Credentials": None,
    }, vary_origin=False)


def test_public_star_on_404_too(public):
    r = public.get("/assets/missing.png", headers={"Origin": "https://a.example"})
    assert_response(r, 404, {"Access-Control-Allow-Origin": "*"}, vary_origin=False)


def test_public_only_under_assets(public):
    r = public.get("/private/x.json", headers={"Origin": "https://a.example"})
    assert_response(r, 200, absent=[ACX])


def test_public_preflight_range_granted_other_header_refused(public):
    r = public.preflight("/assets/video.mp4", "https://a.example", "GET", "range")
    assert_response(r, 204, {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD, POST",
        "Access-Control-Allow-Headers": "Range",
        "Access-Control-Max-Age": "86400",
        "Access-Control-Allow-Credentials": None,
    }, vary_origin=True)
    # a preflight's answer depends on what it asks for, even under '*'
    assert "access-control-request-headers" in r.tokens("Vary")
    r = public.preflight("/assets/video.mp4", "https://a.example", "GET", "X-Token")
    assert_response(r, 403, absent=[ACX])


def test_public_star_with_credentials_is_refused_at_configtest(httpd_factory):
    body = example("public-assets.conf",
                   [("CORSMaxAge 86400", "CORSMaxAge 86400\n    CORSAllowCredentials On")])
    rc, out = httpd_factory(body).configtest()
    assert rc != 0
    assert "CORSAllowOrigin *" in out


# -------------------------------------------------------------------------
# multi-tenant.conf

@pytest.fixture(scope="module")
def tenants(request):
    return server(request, example("multi-tenant.conf"),
                  docs={"api/orders.json": "[]", "api/internal/stats.json": "{}"})


@pytest.mark.parametrize("origin", [
    "https://acme.customer.example", "https://eu.acme.customer.example",
    "https://tenant-42.apps.example",
])
def test_tenants_granted_on_api(tenants, origin):
    r = tenants.get("/api/orders.json", headers={"Origin": origin})
    assert_response(r, 200, {"Access-Control-Allow-Origin": origin,
                             "Access-Control-Allow-Credentials": "true"},
                    vary_origin=True)


@pytest.mark.parametrize("origin", [
    "https://customer.example", "http://acme.customer.example",
    "https://acme.customer.example.evil.net", "https://acme-customer.example",
    "https://evilcustomer.example", "https://tenant-42.apps.example.evil.net",
    "https://tenant-x.apps.example", "https://tenant-42.appsxexample",
    "https://console.customer.example:8443",
])
def test_tenants_lookalikes_refused(tenants, origin):
    r = tenants.get("/api/orders.json", headers={"Origin": origin})
    assert_response(r, 200, absent=[ACX], vary_origin=True)


@pytest.mark.parametrize("origin,granted", [
    ("https://console.customer.example", True),
    ("https://acme.customer.example", False),
    ("https://tenant-42.apps.example", False),
])
def test_tenants_internal_only_console(tenants, origin, granted):
    r = tenants.get("/api/internal/stats.json", headers={"Origin": origin})
    if granted:
        assert_response(r, 200, {"Access-Control-Allow-Origin": origin,
                                 "Access-Control-Allow-Credentials": "true"},
                        vary_origin=True)
    else:
        assert_response(r, 200, absent=[ACX], vary_origin=True)


def test_tenants_internal_inherits_methods(tenants):
    r = tenants.preflight("/api/internal/stats.json", "https://console.customer.example",
                          "DELETE", "content-type")
    assert_response(r, 204, {
        "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Allow-Credentials": "true",
    })


def test_tenants_wildcard_on_public_suffix_refused(httpd_factory):
    body = example("multi-tenant.conf", [("CORSAllowOrigin https://*.customer.example\n",
                                          "CORSAllowOrigin https://*.co.uk\n")])
    rc, out = httpd_factory(body).configtest()
    assert rc != 0
    assert "https://*.co.uk" in out


# -------------------------------------------------------------------------
# migration-from-mod_headers.conf

@pytest.fixture(scope="module")
def after(request):
    return server(request, example("migration-from-mod_headers.conf"),
                  docs={"api/a.json": "{}"})


@pytest.fixture(scope="module")
def before(request):
    return server(request, example("migration-from-mod_headers.conf"),
                  global_conf="Define MOD_HEADERS_RECIPE", docs={"api/a.json": "{}"})


@pytest.mark.parametrize("origin", ["https://www.example.com", "https://app.example.com"])
def test_migration_grants_the_same_origins(before, after, origin):
    for h in (before, after):
        r = h.get("/api/a.json", headers={"Origin": origin})
        assert r.status == 200
        assert r.get_all("Access-Control-Allow-Origin") == [origin]
        assert r.get_all("Access-Control-Allow-Credentials") == ["true"]
        assert "origin" in r.tokens("Vary")


def test_migration_after_refuses_what_before_grants_blindly(before, after):
    # BEFORE answers any OPTIONS with 200, even for a foreign origin
    r = before.preflight("/api/a.json", "https://evil.example", "DELETE")
    assert r.status == 200
    r = after.preflight("/api/a.json", "https://evil.example", "DELETE")
    assert_response(r, 403, absent=[ACX], vary_origin=True)


def test_migration_before_sends_preflight_headers_on_every_response(before, after):
    r = before.get("/api/a.json", headers={"Origin": "https://www.example.com"})
    assert r.has("Access-Control-Allow-Methods")
    r = after.get("/api/a.json", headers={"Origin": "https://www.example.com"})
    assert_response(r, 200, {"Access-Control-Allow-Methods": None,
                             "Access-Control-Allow-Headers": None}, vary_origin=True)


def test_migration_after_preflight(after):
    r = after.preflight("/api/a.json", "https://app.example.com", "PUT", "content-type")
    assert_response(r, 204, {
        "Access-Control-Allow-Origin": "https://app.example.com",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
        "Access-Control-Allow-Headers": "Content-Type",
    }, vary_origin=True)


def test_migration_forgotten_header_line_is_replaced(httpd_factory):
    # An old "Header set" left next to mod_cors: one answer, mod_cors's.
    body = example("migration-from-mod_headers.conf", [
        ("CORSAllowHeaders Content-Type\n",
         "CORSAllowHeaders Content-Type\n"
         '        Header always set Access-Control-Allow-Origin "*"\n')])
    h = httpd_factory(body, docs={"api/a.json": "{}"}).start()
    r = h.get("/api/a.json", headers={"Origin": "https://www.example.com"})
    assert_response(r, 200, {"Access-Control-Allow-Origin": "https://www.example.com"})
    r = h.get("/api/a.json", headers={"Origin": "https://evil.example"})
    assert_response(r, 200, absent=[ACX])


# -------------------------------------------------------------------------
# private-network-device.conf

CONSOLE = "https://console.example.com"


@pytest.fixture(scope="module")
def device(request):
    return server(request, example("private-network-device.conf"),
                  modules=("authz_host",),
                  docs={"device-api/status.json": "{}",
                        "device-api/legacy/status.json": "{}"})


def test_device_preflight_granted_with_200_and_private_network(device):
    path = tagged("/device-api/status.json")
    r = device.options(path, [
        ("Origin", CONSOLE), ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "content-type"),
        ("Access-Control-Request-Private-Network", "true")])
    assert_response(r, 200, {
        "Access-Control-Allow-Origin": CONSOLE,
        "Access-Control-Allow-Methods": "GET, PUT",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Allow-Private-Network": "true",
        "Content-Length": "0",
    }, vary_origin=True)
    assert r.body == b""
    assert cors_result(device, path) == "preflight"


def test_device_actual_request_from_outside_the_network_is_403_with_cors(device):
    device.expect_error(r"AH01630: client denied by server configuration")
    r = device.get("/device-api/status.json", {"Origin": CONSOLE})
    assert_response(r, 403, {"Access-Control-Allow-Origin": CONSOLE}, vary_origin=True)


@pytest.mark.parametrize("origin, method, headers", [
    ("https://evil.example", "PUT", None),
    (CONSOLE, "DELETE", None),
    (CONSOLE, "PUT", "x-token"),
])
def test_device_refused_preflight_is_403_without_cors(device, origin, method, headers):
    device.expect_error(r"AH01630: client denied by server configuration")
    r = device.preflight("/device-api/status.json", origin, method, headers)
    assert_response(r, 403, absent=[ACX], vary_origin=True)


def test_device_legacy_preflight_from_outside_the_network_is_refused(device):
    # A passed-through preflight is not one mod_cors answers: "Require
    # cors-preflight" must not let it reach the handler from outside 10/8.
    device.expect_error(r"AH01630: client denied by server configuration")
    path = tagged("/device-api/legacy/status.json")
    r = device.preflight(path, CONSOLE, "PUT")
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    assert r.get("Allow") is None
    assert cors_result(device, path) == "denied"


@pytest.fixture(scope="module")
def device_inside(request):
    """The same example, with this machine on the device's network."""
    return server(request, example("private-network-device.conf",
                                   [("Require ip 10.0.0.0/8", "Require ip 127.0.0.0/8")]),
                  modules=("authz_host",),
                  docs={"device-api/legacy/status.json": "{}"})


def test_device_legacy_preflight_from_the_network_reaches_the_handler(device_inside):
    r = device_inside.preflight("/device-api/legacy/status.json", CONSOLE, "PUT")
    # core's OPTIONS handler answered (it lists the methods in Allow) and
    # mod_cors added its headers to that answer
    assert r.get("Allow")
    assert_response(r, 200, {"Access-Control-Allow-Origin": CONSOLE,
                             "Access-Control-Allow-Methods": "GET, PUT"},
                    vary_origin=True)
