"""pytest glue for the integration suite: see harness.py for the API.

* puts this directory on sys.path so test files can ``from harness import ...``;
* stops with a clear usage error when mod_cors.so is not built (never a
  silent all-skipped run);
* the autouse ``error_log_guard`` fails a test when any running server logged
  a ``warn``-or-worse line during it that the test did not expect
  (``httpd.expect_error(regex)``) or the server does not allow.
"""

import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Httpd, mod_cors_so  # noqa: E402


def pytest_configure(config):
    if not os.path.exists(mod_cors_so()):
        raise pytest.UsageError("mod_cors.so not found at %s: build it and/or set MOD_CORS_SO"
                                % mod_cors_so())


@pytest.fixture
def httpd_factory(request):
    """Make throwaway servers inside one test: ``h = httpd_factory(body, ...)``.

    Not started; call ``h.start()`` or ``h.configtest()``. Cleaned up after the
    test.
    """
    made = []

    def make(body="", **kw):
        kw.setdefault("name", request.node.name)
        h = Httpd(body, **kw)
        made.append(h)
        return h

    yield make
    bad = []
    for h in made:
        if h.proc is not None:
            bad += h.unexpected_errors()
        h.cleanup()
    if bad:
        pytest.fail("unexpected error log lines:\n  " + "\n  ".join(bad), pytrace=False)


@pytest.fixture(autouse=True)
def error_log_guard():
    marks = {h: h.log_mark() for h in list(Httpd.running)}
    yield
    time.sleep(0.02)    # lines written after the response went out
    problems = []
    for h in list(Httpd.running):
        bad = h.unexpected_errors(since=marks.get(h, 0))
        h.expected = []
        if bad:
            problems.append("%s:\n  %s" % (h.name, "\n  ".join(bad)))
    if problems:
        pytest.fail("unexpected error log lines:\n" + "\n".join(problems), pytrace=False)
