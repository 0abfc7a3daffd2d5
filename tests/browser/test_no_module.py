"""Without mod_cors the same calls must be blocked, by every engine.

Starts a second set of servers from the same configuration with the
``LoadModule cors_module`` line left out (``load_cors=False``; the CORS
directives are stripped so httpd still starts) and points the lab page at
that api: every call the module-backed suite proves readable is blocked.
The module-less servers are shared by the engines (session scope).
"""

import re
import time

import pytest

import lab as labmod

READABLE_WITH_MODULE = ["simple-allowed", "xhr-allowed", "cred-allowed", "put-allowed",
                        "authz-listed-allowed", "star-plain", "star-cred", "expose-readable",
                        "maxage", "maxage2", "nomaxage", "error-404", "error-500",
                        "redirect-same", "redirect-cross", "wild-subdomain", "null-listed",
                        "htaccess-allowed", "edit-parent-b", "edit-child-put",
                        "auth-preflight", "auth-missing", "proxy-replace"]


@pytest.fixture(scope="session")
def bare():
    lb = labmod.Lab(with_module=False, name="nomod")
    try:
        lb.start()
        yield lb
    finally:
        lb.cleanup()


def test_server_has_no_cors_module(bare):
    with open(bare.api.conf_path) as f:
        conf = f.read()
    assert not re.search(r"^\s*LoadModule\s+cors_module", conf, re.M)
    assert not re.search(r"^\s*CORS", conf, re.M)


def test_every_readable_scenario_is_checked(page):
    """The list above covers every call lab.js expects to be readable."""
    expected = page.execute_script(
        "return lab.scenarios.filter(function (s) { return s.expect === 'allowed'; })"
        ".map(function (s) { return s.id; })")
    assert sorted(expected) == sorted(READABLE_WITH_MODULE)


@pytest.mark.parametrize("scenario", READABLE_WITH_MODULE)
def test_engine_blocks_without_module(bare, call, scenario):
    r, tag = call(scenario, api=bare.origins["api"])
    assert r["outcome"] == "blocked", "readable without mod_cors: %r" % (r,)
    deadline = time.time() + 3
    es = bare.entries(tag)
    while not es and time.time() < deadline:
        time.sleep(0.05)
        es = bare.entries(tag)
    assert es, "the call never reached the module-less api"
    assert all(e["cors"] == "-" for e in es), es
