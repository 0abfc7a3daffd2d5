"""Run the named regression rows of regressions.py against a real apache2.

Each served row gets an httpd of its own (one row cannot break another),
its vhost the default one; configtest rows run ``apache2 -t`` only.
"""

import os
import re
import types

import pytest

import runner
from harness import http_request
from regressions import ROWS

SERVED = [r for r in ROWS if not r.configtest]
CONFIGTEST = [r for r in ROWS if r.configtest]


def vhost(row, backend_port):
    d = "@DOCROOT@/" + row.name
    conf = row.conf.replace("@D@", d).replace("@BACKEND@", "http://127.0.0.1:%d" % backend_port)
    return ("<VirtualHost @LISTEN@>\n    ServerName %s.test\n    DocumentRoot \"%s\"\n"
            "    ErrorLog \"@ROOT@/logs/%s_error_log\"\n%s</VirtualHost>\n"
            % (row.name, d, row.name, conf))


def make_server(rows, backend_port, server=""):
    rows = sorted(rows, key=lambda r: not r.default)
    body = "\n".join(['LogFormat "%{X-Tag}i %{CORS_RESULT}e %>s" combo',
                      'CustomLog "@ROOT@/logs/combo_log" combo', server]
                     + [vhost(r, backend_port) for r in rows])
    docs = {}
    for r in rows:
        docs.update(runner.docs_for(types.SimpleNamespace(cid=r.name)))
        docs.update({"%s/%s" % (r.name, k): v for k, v in r.docs.items()})
    h = runner.Httpd(body, docs=docs, modules=runner.MODULES,
                     allow_override="FileInfo AuthConfig", name="combo-rows",
                     allowed_errors=[r"\[cors:warn\]", r"AH01630", r"AH01215",
                                     r"\.htaccess: CORS", r"AH00113"])
    runner.prepare_root(h)
    return h


@pytest.fixture(scope="module")
def backend():
    b = runner.Backend()
    yield b
    b.close()


def send(h, row, method, path, headers, tag, backend_port):
    path = path.replace("@BACKEND@", "http://127.0.0.1:%d" % backend_port)
    names = {k.lower() for k, _ in headers}
    hdrs = [("X-Tag", tag)] + list(headers)
    if "host" not in names:
        hdrs.insert(0, ("Host", "%s.test" % row.name))
    if method == "RAW":
        cfg = types.SimpleNamespace(cid=row.name)
        req = types.SimpleNamespace(tag=tag, origins=[v for k, v in headers if k == "Origin"],
                                    acrm=None, acrh=None, pna=False, creds="", forward=False)
        return runner.send_malformed(h, cfg, req, path)
    return http_request(h.host, h.port, method, path, hdrs)


def check(row, r, exp, ran, cors_result):
    bad = []
    if "status" in exp and r.status != exp["status"]:
        bad.append("status %d, expected %d" % (r.status, exp["status"]))
    got = {k: v[0] for k, v in r.acx().items()}
    if any(len(v) > 1 for v in r.acx().values()):
        bad.append("an Access-Control-* header is repeated")
    if "acx" in exp:
        want = exp["acx"]
        if want == {} and got:
            bad.append("Access-Control-* %r, expected none" % got)
        for k, v in want.items():
            if got.get(k) != v:
                bad.append("%s %r, expected %r" % (k, got.get(k), v))
    vary = r.tokens("Vary")
    for t in exp.get("vary", ()):
        if vary.count(t) != 1:
            bad.append("Vary %r: %r not exactly once" % (r.get("Vary"), t))
    for t in exp.get("vary_absent", ()):
        if t in vary:
            bad.append("Vary %r has %r" % (r.get("Vary"), t))
    for k, v in exp.get("headers", {}).items():
        if r.get_all(k) != [v]:
            bad.append("%s %r, expected [%r]" % (k, r.get_all(k), v))
    if "handler_ran" in exp and ran != exp["handler_ran"]:
        bad.append("handler %s" % ("ran" if ran else "did not run"))
    if "cors_result" in exp and cors_result != exp["cors_result"]:
        bad.append("CORS_RESULT %r, expected %r" % (cors_result, exp["cors_result"]))
    return bad


@pytest.mark.parametrize("row", SERVED, ids=lambda r: r.name)
def test_row(row, backend):
    server = make_server([row], backend.port, server=row.server)
    try:
        server.start()
        check_row(row, server, backend)
    finally:
        server.cleanup()


def check_row(row, server, backend):
    results = []
    for i, (method, path, headers, exp) in enumerate(row.requests):
        tag = "%s-%d" % (row.name, i)
        results.append((method, path, headers, exp, tag,
                        send(server, row, method, path, headers, tag, backend.port)))
    handler_log = runner.read_tagged_log(os.path.join(server.root, "logs", "handler_log"))
    combo_log = runner.wait_tagged_log(os.path.join(server.root, "logs", "combo_log"),
                                       [t for m_, _, _, _, t, _ in results if m_ != "RAW"])
    problems = []
    for method, path, headers, exp, tag, r in results:
        ran = tag in handler_log or tag in backend.seen
        logged = combo_log.get(tag)
        bad = check(row, r, exp, ran, logged[-1][0] if logged else None)
        if bad:
            problems.append("%s %s %r\n  -> %s\n%s" % (method, path, headers, "; ".join(bad),
                                                      runner.describe_response(r)))
    assert not problems, "%s (%s)\n%s\n%s" % (row.name, row.why, vhost(row, backend.port),
                                              "\n".join(problems))


@pytest.mark.parametrize("row", CONFIGTEST, ids=lambda r: r.name)
def test_configtest_row(row):
    h = make_server([row], 1, server=row.server)
    try:
        rc, out = h.configtest()
    finally:
        h.cleanup()
    if row.configtest == "refuses":
        assert rc != 0, "%s (%s): configtest passed\n%s" % (row.name, row.why, vhost(row, 1))
        assert re.search(row.message, out), "message %r not in:\n%s" % (row.message, out)
    else:
        assert rc == 0, "%s (%s): configtest %s:\n%s" % (
            row.name, row.why, "died of signal %d" % -rc if rc < 0 else "refused", out)
