"""The module under every MPM, across graceful and full restarts, and loaded
without any CORS directive (then it must change nothing)."""

import time

import pytest

from harness import ACX, assert_response

APP = "https://app.example.com"

CONF = """
<Location "/api">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET PUT
</Location>
"""


def smoke(h, origin=APP):
    r = h.get("/api/x.txt", [("Origin", origin)])
    assert_response(r, 200, {"Access-Control-Allow-Origin": origin}, vary_origin=True)
    r = h.preflight("/api/nothing-here", origin, "PUT")
    assert_response(r, 204, {"Access-Control-Allow-Origin": origin,
                             "Access-Control-Allow-Methods": "GET, PUT"}, vary_origin=True)
    r = h.preflight("/api/nothing-here", origin, "DELETE")
    assert_response(r, 403, absent=[ACX], vary_origin=True)
    r = h.get("/api/x.txt", [("Origin", "https://evil.example")])
    assert_response(r, 200, absent=[ACX], vary_origin=True)


@pytest.mark.parametrize("mpm", ["event", "worker", "prefork"])
def test_every_mpm_serves_the_policy(httpd_factory, mpm):
    h = httpd_factory(CONF, docs={"api/x.txt": "x"}, mpm=mpm)
    h.start()
    for _ in range(3):      # several children/threads
        smoke(h)


@pytest.mark.parametrize("how", ["graceful", "restart"])
def test_new_policy_after_reload(httpd_factory, how):
    h = httpd_factory(CONF, docs={"api/x.txt": "x"})
    h.start()
    smoke(h)
    new = CONF.replace("https://app.example.com", "https://new.example.com")
    getattr(h, how)(new)
    wait_for_new_generation(h, "https://new.example.com")
    smoke(h, "https://new.example.com")
    r = h.get("/api/x.txt", [("Origin", APP)])
    assert_response(r, 200, absent=[ACX], vary_origin=True)


def wait_for_new_generation(h, origin, timeout=10):
    """A graceful restart lets old children (prefork) finish their current
    accept first: wait until several requests in a row see the new config."""
    deadline = time.time() + timeout
    streak = 0
    while time.time() < deadline and streak < 5:
        r = h.get("/api/x.txt", [("Origin", origin)])
        streak = streak + 1 if r.get("Access-Control-Allow-Origin") == origin else 0
        time.sleep(0.05)
    assert streak >= 5, "the new configuration was not served after %s s" % timeout


def norm(r):
    strip = {"date", "server", "etag", "last-modified"}
    return sorted((k.lower(), ",".join(sorted(v.split(","))))
                  for k, v in r.headers if k.lower() not in strip)


def test_loaded_without_directives_changes_nothing(httpd_factory):
    docs = {"x.txt": "x"}
    with_mod = httpd_factory("", docs=docs)
    without = httpd_factory("", docs=docs, load_cors=False)
    with_mod.start()
    without.start()
    for method, headers in [("GET", [("Origin", APP)]),
                            ("OPTIONS", [("Origin", APP),
                                         ("Access-Control-Request-Method", "PUT")]),
                            ("GET", [])]:
        a = with_mod.request(method, "/x.txt", headers)
        b = without.request(method, "/x.txt", headers)
        assert a.status == b.status
        assert not a.acx()
        assert norm(a) == norm(b)
