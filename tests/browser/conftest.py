"""pytest glue for the headless-Chromium suite (see lab.py for the setup).

Run (Debian's python; needs chromium, chromium-driver, python3-selenium)::

    MOD_CORS_SO=/path/to/.libs/mod_cors.so /usr/bin/python3 -m pytest tests/browser

* one Chromium for the whole session, one set of servers (app, api, backend);
* ``call(id)`` runs scenario ``id`` of ``site/app/lab.js`` in that Chromium
  with a unique ``t=<tag>`` query and returns (result, tag);
* the autouse ``error_log_guard`` fails a test during which a running server
  logged an unexpected ``warn``-or-worse line (as in tests/integration).
"""

import itertools
import os
import shutil
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab as labmod  # noqa: E402
from harness import Httpd, mod_cors_so  # noqa: E402


def pytest_configure(config):
    missing = [p for p in (labmod.CHROMIUM, labmod.CHROMEDRIVER) if not os.path.exists(p)]
    if missing:
        raise pytest.UsageError("the browser suite needs %s (apt-get install chromium "
                                "chromium-driver python3-selenium)" % ", ".join(missing))
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise pytest.UsageError("the browser suite needs python3-selenium; run it with "
                                "Debian's /usr/bin/python3")
    if not os.path.exists(mod_cors_so()):
        raise pytest.UsageError("mod_cors.so not found at %s: build it and/or set MOD_CORS_SO"
                                % mod_cors_so())


def pytest_report_header(config):
    mode = "WITHOUT mod_cors (CORS_BROWSER_NO_MODULE)" if labmod.no_module() else mod_cors_so()
    return "browser suite: %s, module: %s" % (labmod.CHROMIUM, mode)


@pytest.fixture(scope="session")
def lab():
    lb = labmod.Lab(with_module=not labmod.no_module())
    try:
        lb.start()
        yield lb
    finally:
        lb.cleanup()


@pytest.fixture(scope="session")
def driver():
    drv, profile = labmod.start_chromium()
    try:
        yield drv
    finally:
        try:
            drv.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(lab, driver):
    """The lab page (loaded once, reloaded only if a test navigated away);
    the frames it opens on the other origins stay loaded."""
    if driver.current_url != lab.page_url():
        driver.get(lab.page_url())
    ok = driver.execute_script("return !!(window.lab && window.LAB)")
    assert ok, "lab page did not load: %s" % driver.page_source[:500]
    return driver


_tags = itertools.count(1)

_RUN = """
var done = arguments[arguments.length - 1];
window.lab.run(arguments[0], arguments[1], arguments[2] || undefined).then(done, function (e) {
    done({outcome: "lab-error", error: String(e)});
});
"""


@pytest.fixture
def call(page, request):
    """``call(id, api=None)`` -> (result dict, tag): Chromium's verdict."""

    def run(scenario, api=None):
        tag = "%s-%d-%d" % (request.node.name.replace("[", "_").replace("]", ""),
                            os.getpid(), next(_tags))
        res = page.execute_async_script(_RUN, scenario, tag, api)
        assert res.get("outcome") in ("allowed", "blocked"), "lab failed: %r" % (res,)
        return res, tag

    return run


@pytest.fixture
def console(page):
    """``console()`` -> Chromium console messages logged since the last call."""
    page.get_log("browser")     # drain

    def read():
        return [m["message"] for m in page.get_log("browser")]

    return read


@pytest.fixture(autouse=True)
def error_log_guard():
    marks = {h: h.log_mark() for h in list(Httpd.running)}
    yield
    time.sleep(0.02)
    problems = []
    for h in list(Httpd.running):
        bad = h.unexpected_errors(since=marks.get(h, 0))
        h.expected = []
        if bad:
            problems.append("%s:\n  %s" % (h.name, "\n  ".join(bad)))
    if problems:
        pytest.fail("unexpected error log lines:\n" + "\n".join(problems), pytrace=False)
