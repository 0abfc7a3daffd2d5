"""Counters in server-status (mod_cors_status.c): a CORS section per
virtual host in the HTML page, CORS* lines in ``server-status?auto``.

Every request under a policy counts once, in the bucket of its outcome;
CORSRequests is their sum. Counts are shared by every child and thread
(N concurrent requests over several children add up to N under event,
worker and prefork), kept per virtual host, kept over a graceful restart
(by virtual host name, port and addresses) and zeroed by a hard restart.
Without mod_status the module answers as always.
"""

import os
import re
import threading
import time

import pytest

from harness import Httpd, http_request

ALLOWED = "https://app.example.com"
LONG = ", ".join("X-H%d" % i for i in range(600))

# Policies only in /api, /cred-any and /cred-null: the status page itself
# is under no policy and counts nothing.
VHOSTS = r'''
<Location "/server-status">
    SetHandler server-status
</Location>
<VirtualHost @LISTEN@>
    ServerName a.test
    DocumentRoot "@DOCROOT@"
    <Location "/api">
        CORSAllowOrigin https://app.example.com
        CORSAllowMethods GET POST
        CORSAllowHeaders X-Token
        ErrorDocument 404 /api/x.txt
    </Location>
    <Directory "@DOCROOT@/api">
        RewriteEngine On
        RewriteRule ^alias\.txt$ x.txt [L]
    </Directory>
    <Directory "@DOCROOT@/cred-any">
        CORSAllowCredentials On
    </Directory>
    <Directory "@DOCROOT@/cred-null">
        CORSAllowCredentials On
    </Directory>
</VirtualHost>
<VirtualHost @LISTEN@>
    ServerName b.test
    DocumentRoot "@DOCROOT@"
    <Location "/api">
        CORSAllowOrigin https://b.example.com
    </Location>
</VirtualHost>
'''

DOCS = {
    "api/x.txt": "x\n",
    # '*' or null with credentials: only a .htaccess can make these
    "cred-any/.htaccess": "CORSAllowOrigin *\n",
    "cred-any/x.txt": "x\n",
    "cred-null/.htaccess": "CORSAllowOrigin null\n",
    "cred-null/x.txt": "x\n",
}

ERRORS_ALLOWED = [r"CORSAllowCredentials On .* is in effect together with"]

# Several children under every MPM, and a log of which one served what.
CHILDREN = {
    "event": "StartServers 3\nServerLimit 4\nThreadsPerChild 4\n"
             "MaxRequestWorkers 16\nMinSpareThreads 4\nMaxSpareThreads 16\n",
    "worker": "StartServers 3\nServerLimit 4\nThreadsPerChild 4\n"
              "MaxRequestWorkers 16\nMinSpareThreads 4\nMaxSpareThreads 16\n",
    "prefork": "StartServers 4\nMinSpareServers 4\nMaxSpareServers 8\n"
               "MaxRequestWorkers 16\n",
}


def pid_log(mpm):
    return CHILDREN[mpm] + 'LogFormat "%P" pid\nCustomLog "@ROOT@/logs/pids" pid\n'


def server(mpm=None, body=VHOSTS, modules=("status",), name="status-counters"):
    mpm = mpm or os.environ.get("CORS_TEST_MPM", "event")
    return Httpd(body, docs=DOCS, modules=modules, mpm=mpm, name=name,
                 allow_override="FileInfo", global_conf=pid_log(mpm),
                 allowed_errors=ERRORS_ALLOWED)


def get(h, path, host="a.test", headers=(), method="GET"):
    return http_request(h.host, h.port, method, path,
                        [("Host", host)] + list(headers))


def auto(h):
    r = get(h, "/server-status?auto")
    assert r.status == 200
    counts = {}
    for line in r.body.decode().splitlines():
        m = re.match(r"^(CORS\w+): (\d+)$", line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def html(h):
    """{server key: {counter: n}} from the HTML page's CORS tables."""
    r = get(h, "/server-status")
    assert r.status == 200
    page = r.body.decode()
    assert "<h2>CORS</h2>" in page
    out = {}
    for key, table in re.findall(r'<table class="cors" data-server="([^"]*)">(.*?)</table>',
                                 page, re.S):
        out[key] = {k: int(n) for k, n in re.findall(r'<td id="(\w+)">(\d+)</td>', table)}
    return out


def new_generation(h, name, timeout=5):
    """The HTML counts once a child of the new generation answers (one of
    the old generation may still take a request right after a graceful
    restart; it shows the old set of virtual hosts)."""
    deadline = time.time() + timeout
    while True:
        counts = html(h)
        if any(k.startswith(name + ":") for k in counts) or time.time() > deadline:
            return counts
        time.sleep(0.05)


def vhost(counts, name):
    keys = [k for k in counts if k.startswith(name + ":")]
    assert len(keys) == 1, (name, list(counts))
    return counts[keys[0]]


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


@pytest.fixture(scope="module")
def h():
    h = server()
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


def test_auto_has_every_line_once(h):
    r = get(h, "/server-status?auto")
    lines = [l.split(":")[0] for l in r.body.decode().splitlines() if l.startswith("CORS")]
    assert lines == [
        "CORSRequests", "CORSRefused", "CORSWithoutOrigin", "CORSGranted",
        "CORSPreflightsGranted", "CORSRefusedOriginMalformed",
        "CORSRefusedOriginMultiple", "CORSRefusedOriginNotAllowed",
        "CORSRefusedAnyWithCredentials", "CORSRefusedWideWithCredentials",
        "CORSRefusedMethodMalformed", "CORSRefusedMethodNotAllowed",
        "CORSRefusedHeadersMalformed", "CORSRefusedHeadersTooMany",
        "CORSRefusedHeadersTooLong", "CORSRefusedHeaderNotAllowed",
        "CORSReportDifferences", "CORSProtectionBlocked",
        "CORSProtectionReportOnly"]


def preflight(method="GET", headers=None, origin=ALLOWED):
    hs = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers is not None:
        hs.append(("Access-Control-Request-Headers", headers))
    return hs


# (id, method, path, headers, the one bucket it counts in)
BUCKETS = [
    ("no-origin", "GET", "/api/x.txt", [], "CORSWithoutOrigin"),
    ("granted", "GET", "/api/x.txt", [("Origin", ALLOWED)], "CORSGranted"),
    ("preflight-granted", "OPTIONS", "/api/x.txt", preflight("POST", "X-Token"),
     "CORSPreflightsGranted"),
    ("origin-malformed", "GET", "/api/x.txt", [("Origin", "https://APP.example.com")],
     "CORSRefusedOriginMalformed"),
    ("origin-multiple", "GET", "/api/x.txt", [("Origin", ALLOWED), ("Origin", ALLOWED)],
     "CORSRefusedOriginMultiple"),
    ("origin-not-allowed", "GET", "/api/x.txt", [("Origin", "https://evil.example")],
     "CORSRefusedOriginNotAllowed"),
    ("any-with-credentials", "GET", "/cred-any/x.txt", [("Origin", "https://evil.example")],
     "CORSRefusedAnyWithCredentials"),
    ("wide-with-credentials", "GET", "/cred-null/x.txt", [("Origin", "null")],
     "CORSRefusedWideWithCredentials"),
    ("method-malformed", "OPTIONS", "/api/x.txt", preflight("G(T"),
     "CORSRefusedMethodMalformed"),
    ("method-not-allowed", "OPTIONS", "/api/x.txt", preflight("PUT"),
     "CORSRefusedMethodNotAllowed"),
    ("headers-malformed", "OPTIONS", "/api/x.txt", preflight("GET", "X-Token, x@y"),
     "CORSRefusedHeadersMalformed"),
    ("headers-too-many", "OPTIONS", "/api/x.txt",
     preflight("GET", ", ".join("X-H%d" % i for i in range(65))), "CORSRefusedHeadersTooMany"),
    ("headers-too-long", "OPTIONS", "/api/x.txt", preflight("GET", "X-" + "a" * 4100),
     "CORSRefusedHeadersTooLong"),
    ("header-not-allowed", "OPTIONS", "/api/x.txt", preflight("GET", "X-Other"),
     "CORSRefusedHeaderNotAllowed"),
]


@pytest.mark.parametrize("method,path,headers,bucket",
                         [b[1:] for b in BUCKETS], ids=[b[0] for b in BUCKETS])
def test_each_outcome_counts_once_in_its_bucket(h, method, path, headers, bucket):
    before = auto(h)
    get(h, path, headers=headers, method=method)
    expected = {"CORSRequests": 1, bucket: 1}
    if bucket.startswith("CORSRefused"):
        expected["CORSRefused"] = 1
    assert delta(before, auto(h)) == expected


@pytest.mark.parametrize("path,status", [("/api/alias.txt", 200), ("/api/missing.txt", 404)],
                         ids=["internal-redirect", "error-document"])
def test_a_redirected_request_counts_once(h, path, status):
    before = auto(h)
    r = get(h, path, headers=[("Origin", ALLOWED)])
    assert r.status == status and r.body == b"x\n"
    assert r.get("Access-Control-Allow-Origin") == ALLOWED
    assert delta(before, auto(h)) == {"CORSRequests": 1, "CORSGranted": 1}


def test_request_outside_any_policy_counts_nothing(h):
    before = auto(h)
    get(h, "/x-nowhere.txt", headers=[("Origin", ALLOWED)])
    assert delta(before, auto(h)) == {}


def test_virtual_hosts_count_apart(h):
    before = html(h)
    for _ in range(3):
        get(h, "/api/x.txt", host="a.test", headers=[("Origin", ALLOWED)])
    for _ in range(2):
        get(h, "/api/x.txt", host="b.test", headers=[("Origin", "https://b.example.com")])
    get(h, "/api/x.txt", host="b.test", headers=[("Origin", ALLOWED)])
    after = html(h)
    assert delta(vhost(before, "a.test"), vhost(after, "a.test")) == {
        "CORSRequests": 3, "CORSGranted": 3}
    assert delta(vhost(before, "b.test"), vhost(after, "b.test")) == {
        "CORSRequests": 3, "CORSGranted": 2, "CORSRefused": 1,
        "CORSRefusedOriginNotAllowed": 1}
    # the page names each virtual host with its definition
    page = get(h, "/server-status").body.decode()
    assert re.search(r"<h3>a\.test:\d+ \(.*httpd\.conf:\d+\)</h3>", page)


def spread(h, n, threads=16):
    """n granted requests over `threads` connections at once."""
    statuses = []
    lock = threading.Lock()

    def run(k):
        for _ in range(k):
            r = get(h, "/api/x.txt", headers=[("Origin", ALLOWED)])
            with lock:
                statuses.append(r.status)

    ts = [threading.Thread(target=run, args=(n // threads + (i < n % threads),))
          for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert statuses == [200] * n


@pytest.mark.parametrize("mpm", ["event", "worker", "prefork"])
def test_concurrent_requests_over_children_add_up(mpm):
    h = server(mpm=mpm, name="status-counters-%s" % mpm)
    try:
        h.start()
        n = 600
        before = auto(h)
        spread(h, n)
        assert delta(before, auto(h)) == {"CORSRequests": n, "CORSGranted": n}
        with open(os.path.join(h.root, "logs", "pids")) as f:
            pids = set(f.read().split())
        assert len(pids) >= 2, "all requests served by one child: %s" % pids
        assert "mpm_%s:notice" % mpm in h.error_log()
    finally:
        h.cleanup()


def test_graceful_restart_keeps_counts_by_virtual_host():
    h = server(name="status-counters-graceful")
    try:
        h.start()
        get(h, "/api/x.txt", host="a.test", headers=[("Origin", ALLOWED)])
        get(h, "/api/x.txt", host="b.test", headers=[("Origin", ALLOWED)])
        before = html(h)
        # a new virtual host before the others: the slots move, the counts
        # follow their virtual host
        h.graceful(VHOSTS.replace("<VirtualHost @LISTEN@>", "<VirtualHost @LISTEN@>\n"
                                  "    ServerName c.test\n</VirtualHost>\n"
                                  "<VirtualHost @LISTEN@>", 1))
        after = new_generation(h, "c.test")
        assert vhost(after, "a.test") == vhost(before, "a.test")
        assert vhost(after, "b.test") == vhost(before, "b.test")
        assert vhost(after, "a.test")["CORSGranted"] == 1
        assert vhost(after, "b.test")["CORSRefusedOriginNotAllowed"] == 1
        assert set(vhost(after, "c.test").values()) == {0}
        get(h, "/api/x.txt", host="a.test", headers=[("Origin", ALLOWED)])
        assert vhost(html(h), "a.test")["CORSGranted"] == 2
    finally:
        h.cleanup()


def test_hard_restart_zeroes_counts():
    h = server(name="status-counters-restart")
    try:
        h.start()
        get(h, "/api/x.txt", headers=[("Origin", ALLOWED)])
        assert auto(h)["CORSGranted"] == 1
        h.restart()
        counts = auto(h)
        assert counts["CORSGranted"] == 0 and counts["CORSRequests"] == 0
        get(h, "/api/x.txt", headers=[("Origin", ALLOWED)])
        assert auto(h)["CORSGranted"] == 1
    finally:
        h.cleanup()


def test_without_mod_status_the_module_answers_as_always():
    body = VHOSTS.split("</Location>", 1)[1]     # no server-status handler
    h = server(body=body, modules=(), name="status-counters-no-status")
    try:
        assert "status_module" not in h.conf_text()
        h.start()
        r = get(h, "/api/x.txt", headers=[("Origin", ALLOWED)])
        assert r.status == 200 and r.get("Access-Control-Allow-Origin") == ALLOWED
        r = get(h, "/api/x.txt", headers=[("Origin", "https://evil.example")])
        assert r.status == 200 and not r.has("Access-Control-Allow-Origin")
        r = get(h, "/api/x.txt", method="OPTIONS", headers=preflight("POST", "X-Token"))
        assert r.status == 204
        h.graceful()
        r = get(h, "/api/x.txt", headers=[("Origin", ALLOWED)])
        assert r.get("Access-Control-Allow-Origin") == ALLOWED
        h.assert_error_log_clean()
    finally:
        h.cleanup()
