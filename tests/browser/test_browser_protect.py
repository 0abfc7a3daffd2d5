"""CORSCrossOriginProtection judged by Chromium, Firefox and WebKit (issue 13).

A page on an untrusted site posts a form to the protected API, or sends
``fetch(..., {mode: 'no-cors', credentials: 'include'})``, or opens a
WebSocket: the API refuses with 403 and its handler (run.cgi, which leaves
a marker per request) never runs. A same-origin form post, and a trusted
origin's credentialed fetch and WebSocket, get through. Every case runs
twice per engine:

* ``localhost``: pages and API on ``*.localhost`` names, secure contexts:
  the engines send ``Sec-Fetch-Site`` and rule 1 decides;
* ``ip``: the same on the machine's own (non-loopback) address, which is
  no potentially trustworthy origin: the engines send no ``Sec-Fetch-*``
  and the ``Origin`` fallback (rules 2 and 3) decides.

Each test also asserts what the engine sent (the API logs Sec-Fetch-Site,
Origin and Upgrade of every request, refused ones included), so that a
browser that changes its habits fails here instead of passing silently.
"""

import time
from urllib.parse import quote

import pytest

import lab as labmod

KINDS = ("localhost", "ip")


@pytest.fixture(scope="session")
def plab():
    ip = labmod.machine_address()
    assert ip, "the machine has no non-loopback IPv4 address for the Origin-fallback cases"
    lb = labmod.ProtectLab(ip, with_module=not labmod.no_module())
    try:
        lb.start()
        yield lb
    finally:
        lb.cleanup()


def origins(plab, kind):
    o = plab.o
    if kind == "localhost":
        return {"api": o["api"], "evil": o["evil"], "trusted": o["trusted"]}
    return {"api": o["api_ip"], "evil": o["evil_ip"], "trusted": o["trusted_ip"]}


def wait_entries(plab, t, timeout=8.0):
    deadline = time.time() + timeout
    while True:
        es = plab.entries(t)
        if es or time.time() > deadline:
            return es
        time.sleep(0.05)


def page_text(driver, want, timeout=8.0):
    """The page's source once it contains ``want`` (or at the deadline);
    a document still being replaced by a navigation reads as empty."""
    deadline = time.time() + timeout
    while True:
        try:
            text = driver.page_source or ""
        except Exception:       # Marionette: no document between two pages
            text = ""
        if want in text or time.time() > deadline:
            return text
        time.sleep(0.1)


def run_js(driver, body, *args):
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];\n" + body, *args)


# Engines that send no Sec-Fetch-* on a WebSocket handshake, even to a
# secure context: there the Origin fallback decides on every name.
NO_FETCH_SITE_ON_WEBSOCKET = {"chromium"}


def assert_sent(e, kind, site, origin, ws_engine=None):
    """What the engine sent: Sec-Fetch-Site on secure-context names only."""
    if kind == "localhost" and ws_engine in NO_FETCH_SITE_ON_WEBSOCKET:
        assert e["site"] == "-", "%s now sends Sec-Fetch-Site on WebSockets: %r" % (ws_engine, e)
    elif kind == "localhost":
        assert e["site"] == site, "Sec-Fetch-Site %r, expected %r: %r" % (e["site"], site, e)
    else:
        assert e["site"] == "-", "Sec-Fetch-Site sent to a non-secure origin: %r" % (e,)
    assert e["origin"] == origin, e


def assert_refused(plab, t, method="POST"):
    es = wait_entries(plab, t)
    assert [(e["method"], e["status"], e["cors"]) for e in es] == [(method, 403, "blocked")], es
    time.sleep(0.1)
    assert not plab.ran(t), "the handler ran for a refused request"
    return es[0]


def assert_passed(plab, t, method="POST", status=200, cors=None):
    """Let through; ``cors`` is the CORS decision (None: any but blocked)."""
    es = wait_entries(plab, t)
    assert [(e["method"], e["status"]) for e in es] == [(method, status)], es
    if cors is None:
        assert es[0]["cors"] != "blocked", es
    else:
        assert es[0]["cors"] == cors, es
    return es[0]


@pytest.mark.parametrize("kind", KINDS)
def test_cross_site_form_post_is_refused(plab, driver, tag, kind):
    o, t = origins(plab, kind), tag()
    target = o["api"] + "/p/form/run.cgi?t=" + t
    driver.get(o["evil"] + "/form.html?action=" + quote(target, safe=""))
    e = assert_refused(plab, t)
    assert_sent(e, kind, "cross-site", o["evil"])


@pytest.mark.parametrize("kind", KINDS)
def test_no_cors_credentialed_fetch_is_refused(plab, driver, tag, kind):
    o, t = origins(plab, kind), tag()
    driver.get(o["evil"] + "/blank.html")
    res = run_js(driver, "protect.fetch(arguments[0], {method: 'POST', mode: 'no-cors', "
                 "credentials: 'include', body: 'amount=1000', headers: "
                 "{'Content-Type': 'application/x-www-form-urlencoded'}}).then(done);",
                 o["api"] + "/p/fetch/run.cgi?t=" + t)
    # opaque: the page sees nothing either way; the server refused it
    assert res.get("type") == "opaque" and res.get("status") == 0, res
    e = assert_refused(plab, t)
    assert_sent(e, kind, "cross-site", o["evil"])


@pytest.mark.parametrize("kind", KINDS)
def test_same_origin_form_post_is_allowed(plab, driver, tag, kind):
    o, t = origins(plab, kind), tag()
    target = o["api"] + "/p/form/run.cgi?t=" + t
    driver.get(o["api"] + "/form.html?action=" + quote(target, safe=""))
    # CORS itself answers "denied" (the API's own origin is not in its
    # list), which changes nothing for a same-origin page
    e = assert_passed(plab, t)
    assert plab.ran(t)
    assert_sent(e, kind, "same-origin", o["api"])
    # the browser shows the handler's answer (once its navigation is done)
    assert "ran POST" in page_text(driver, "ran POST")


@pytest.mark.parametrize("kind", KINDS)
def test_trusted_origin_credentialed_post_is_allowed_and_readable(plab, driver, tag, kind):
    o, t = origins(plab, kind), tag()
    driver.get(o["trusted"] + "/blank.html")
    res = run_js(driver, "protect.fetch(arguments[0], {method: 'POST', credentials: 'include', "
                 "body: 'amount=1'}).then(done);", o["api"] + "/p/fetch/run.cgi?t=" + t)
    assert res.get("ok") and res.get("body") == "ran POST\n", res
    e = assert_passed(plab, t, cors="allowed")
    assert plab.ran(t)
    assert_sent(e, kind, "cross-site", o["trusted"])


def ws_url(http_origin, t):
    return "ws" + http_origin[len("http"):] + "/ws/?t=" + t


@pytest.mark.parametrize("kind", KINDS)
def test_websocket_from_untrusted_page_is_refused(plab, engine, driver, tag, kind):
    o, t = origins(plab, kind), tag()
    driver.get(o["evil"] + "/blank.html")
    res = run_js(driver, "protect.socket(arguments[0], arguments[1]).then(done);",
                 ws_url(o["api"], t), "hello-" + t)
    assert res.get("opened") is False, res
    e = assert_refused(plab, t, method="GET")
    assert e["upgrade"].lower() == "websocket", e
    assert_sent(e, kind, "cross-site", o["evil"], ws_engine=engine.name)


@pytest.mark.parametrize("kind", KINDS)
def test_websocket_from_trusted_page_opens_and_echoes(plab, engine, driver, tag, kind):
    o, t = origins(plab, kind), tag()
    driver.get(o["trusted"] + "/blank.html")
    res = run_js(driver, "protect.socket(arguments[0], arguments[1]).then(done);",
                 ws_url(o["api"], t), "hello-" + t)
    assert res.get("opened") is True and res.get("echo") == "echo:hello-" + t, res
    # logged when the tunnel closes
    e = assert_passed(plab, t, method="GET", status=101, cors="allowed")
    assert e["upgrade"].lower() == "websocket", e
    assert_sent(e, kind, "cross-site", o["trusted"], ws_engine=engine.name)
