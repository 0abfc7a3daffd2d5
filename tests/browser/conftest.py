"""pytest glue for the browser suite: Chromium, Firefox and WebKit.

Run (Debian's python; the packages are listed in engines.py)::

    MOD_CORS_SO=/path/to/.libs/mod_cors.so /usr/bin/python3 -m pytest tests/browser
    CORS_BROWSER_ENGINES=firefox ...        # one engine (default: all three)

* one set of servers (app, api, backend) for the whole session, shared by
  the engines; each engine is started once and runs every test before the
  next engine starts (the ``engine`` fixture is a session-scoped parameter);
* ``call(id)`` runs scenario ``id`` of ``site/app/lab.js`` in the current
  engine with a unique ``t=<tag>`` query and returns (result, tag);
* the autouse ``error_log_guard`` fails a test during which a running server
  logged an unexpected ``warn``-or-worse line (as in tests/integration);
* the closing summary gives each engine's version and run time.
"""

import collections
import itertools
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import engines as enginesmod  # noqa: E402
import lab as labmod  # noqa: E402
from harness import Httpd, mod_cors_so  # noqa: E402


def _selected_engines():
    try:
        return enginesmod.selected()
    except ValueError:
        return []       # reported by pytest_configure


SELECTED = _selected_engines()
_elapsed = collections.defaultdict(float)
_versions = {}


def pytest_configure(config):
    try:
        names = enginesmod.selected()
    except ValueError as e:
        raise pytest.UsageError(str(e))
    missing = enginesmod.missing_binaries(names)
    if missing:
        raise pytest.UsageError("the browser suite needs: %s (an engine that is missing "
                                "fails the run; pick engines with CORS_BROWSER_ENGINES)"
                                % "; ".join(missing))
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise pytest.UsageError("the browser suite needs python3-selenium; run it with "
                                "Debian's /usr/bin/python3")
    if not os.path.exists(mod_cors_so()):
        raise pytest.UsageError("mod_cors.so not found at %s: build it and/or set MOD_CORS_SO"
                                % mod_cors_so())
    for n in names:
        _versions[n] = enginesmod.ENGINES[n]().version()


def pytest_report_header(config):
    mode = "WITHOUT mod_cors (CORS_BROWSER_NO_MODULE)" if labmod.no_module() else mod_cors_so()
    return ["browser suite module: %s" % mode] + [
        "engine %s: %s" % (n, _versions.get(n, "?")) for n in SELECTED]


def _engine_of(item):
    spec = getattr(item, "callspec", None)
    return spec.params.get("engine") if spec else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Wall time per engine, its start and stop included."""
    t = time.monotonic()
    yield
    _elapsed[_engine_of(item) or "no engine"] += time.monotonic() - t


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    tr.section("browser engines")
    for name in SELECTED:
        tr.write_line("%-8s %6.1f s  %s" % (name, _elapsed.get(name, 0.0), _versions.get(name)))
    if _elapsed.get("no engine"):
        tr.write_line("%-8s %6.1f s  (tests without a browser)" % ("-", _elapsed["no engine"]))


@pytest.fixture(scope="session")
def lab():
    lb = labmod.Lab(with_module=not labmod.no_module())
    try:
        lb.start()
        yield lb
    finally:
        lb.cleanup()


@pytest.fixture(scope="session", params=SELECTED)
def engine(request, lab):
    """The running engine (``.name``, ``.driver``); fails if it cannot start."""
    eng = enginesmod.ENGINES[request.param]()
    eng.start(lab.hosts())
    try:
        yield eng
    finally:
        eng.stop()


@pytest.fixture
def driver(engine):
    return engine.driver


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


def _tag(request):
    name = request.node.name.replace("[", "_").replace("]", "")
    return "%s-%d-%d" % (name, os.getpid(), next(_tags))


@pytest.fixture
def tag(request):
    """``tag()`` -> a fresh tag for URLs this test builds itself."""
    return lambda: _tag(request)


@pytest.fixture
def call(page, request):
    """``call(id, api=None)`` -> (result dict, tag): the engine's verdict."""

    def run(scenario, api=None, tag=None):
        tag = tag or _tag(request)
        res = page.execute_async_script(_RUN, scenario, tag, api)
        assert res.get("outcome") in ("allowed", "blocked"), "lab failed: %r" % (res,)
        return res, tag

    return run


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
