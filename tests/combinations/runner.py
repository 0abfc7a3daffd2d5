"""Run generated configurations against a real apache2 and check every
response against the model.

Many configurations share one httpd: each is a name-based ``<VirtualHost>``
(``Host: cN.test``) with its own DocumentRoot and ErrorLog; the batch's first
vhost is a forward proxy (``ProxyRequests On``). Configurations the model
says configtest must refuse are checked one by one with ``apache2 -t``.
"""

import base64
import concurrent.futures
import http.server
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass

import grammar as g
import model as m
import requests_gen as rg
from harness import Httpd, http_request

MODULES = ["auth_basic", "authn_file", "authn_core", "authz_user", "authz_host",
           "proxy", "proxy_http", "cgid", "cache", "cache_disk"]
USER, PASSWORD = "combo", "secret"

# Error-log lines a vhost may write (warn and above) without it being a failure.
VHOST_ALLOWED = [
    r"AH01630",                     # client denied by server configuration (Require)
    r"AH01617|AH01618",             # wrong password / unknown user
    r"AH01215|End of script output before headers",     # fail.cgi
    r"AH00558",
    r"AH00699|AH00708|AH00717",     # mod_cache_disk: concurrent store/read of one URL
    r"AH01257.*unable to connect to cgi daemon",    # cgid under load: a 503 (seen once in 820k)
]
# An .htaccess that combines '*'/null/any-origin with credentials itself is
# refused when read (500); the model predicts which requests read one.
HTACCESS_REFUSED = r"\[core:alert\].*\.htaccess: CORS"
# Request-time '*'/null/any-origin with credentials (only via .htaccess, spec 5/11).
RUNTIME_DANGER = r"(?i)\[cors:error\].*credentials"
CRASH = r"exit signal|Segmentation fault|child pid \d+ exit"

CGI = """#!/bin/sh
echo "$HTTP_X_TAG $REQUEST_METHOD" >> "@ROOT@/logs/handler_log"
cat > /dev/null
printf 'Content-Type: text/plain\\r\\n'
%s
printf '\\r\\n'
echo from-cgi
"""
OWN_CORS = ("printf 'Access-Control-Allow-Origin: *\\r\\n'\n"
            "printf 'Access-Control-Allow-Credentials: true\\r\\n'\n"
            "printf 'Access-Control-Allow-Methods: PUT, DELETE\\r\\n'\n"
            "printf 'Vary: Accept-Encoding\\r\\n'")
FAIL_CGI = """#!/bin/sh
echo "$HTTP_X_TAG $REQUEST_METHOD" >> "@ROOT@/logs/handler_log"
cat > /dev/null
exit 0
"""


# ------------------------------------------------------------- backend ---

class Backend:
    """A tiny reverse-proxy (and forward-proxy) target that sets its own CORS
    headers (``/<cid>/<mode>/...``: reflect, star, none) and records which
    tagged requests reached it."""

    def __init__(self):
        self.seen = set()
        backend = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *a):
                pass

            def answer(self):
                backend.seen.add(self.headers.get("X-Tag", ""))
                parts = self.path.split("/")
                mode = parts[2] if len(parts) > 2 else "none"
                origins = self.headers.get_all("Origin") or []
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Vary", "Accept-Encoding")
                self.send_header("X-Backend", "1")
                if mode == "star":
                    self.send_header("Access-Control-Allow-Origin", "*")
                    self.send_header("Access-Control-Expose-Headers", "X-Backend")
                elif mode == "reflect" and origins:
                    self.send_header("Access-Control-Allow-Origin", ", ".join(origins))
                    self.send_header("Access-Control-Allow-Credentials", "true")
                body = b"" if self.command == "HEAD" else b"from-backend\n"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_OPTIONS = do_HEAD = do_PUT = do_DELETE = do_PATCH = answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------- failures ---

@dataclass
class Failure:
    invariant: str
    cfg: object
    server_lines: list
    req: object
    expected: object
    got: object
    detail: str

    def summary(self):
        r = self.req
        what = "-" if r is None else "%s %s%s%s origins=%r acrm=%r creds=%s" % (
            "PREFLIGHT" if r.preflight else r.method, r.resource, "?ifx" if r.ifx else "",
            " fwd" if r.forward else "", r.origins, r.acrm, r.creds)
        st = getattr(self.got, "status", "")
        return "[%s] %s %s -> %s: %s" % (self.invariant, self.cfg.cid, what, st, self.detail)

    def reproducer(self, backend_port=0):
        conf, ht = config_text(self.cfg, self.server_lines, backend_port)
        lines = ["FAIL [%s] %s" % (self.invariant, self.detail),
                 "--- configuration %s ---" % self.cfg.cid, conf]
        for path, text in sorted(ht.items()):
            lines += ["--- %s ---" % path, text.rstrip("\n")]
        if self.req is not None:
            lines += ["--- request ---", request_text(self.cfg, self.req, backend_port),
                      "--- expected (model) ---", describe_expected(self.expected)]
        lines += ["--- got ---", describe_response(self.got)]
        return "\n".join(lines)


def config_text(cfg, server_lines, backend_port):
    host = "%s.test" % cfg.cid
    vhost, ht = g.render_vhost(cfg, backend_port, host)
    server = g.render_lines(server_lines, "") if server_lines else ""
    return (("# server config\n" + server if server else "") + vhost).rstrip("\n"), ht


def request_headers(cfg, req):
    h = [("Host", "%s.test" % cfg.cid if not req.forward else "127.0.0.1"),
         ("X-Tag", req.tag)]
    h += [("Origin", o) for o in req.origins]
    if getattr(req, "fetch_site", None) is not None:
        h.append(("Sec-Fetch-Site", req.fetch_site))
    if getattr(req, "websocket", None) is not None:
        h += [("Upgrade", req.websocket), ("Connection", "Upgrade")]
    if req.acrm is not None:
        h.append(("Access-Control-Request-Method", req.acrm))
    if req.acrh is not None:
        h.append(("Access-Control-Request-Headers", req.acrh))
    if req.pna:
        h.append(("Access-Control-Request-Private-Network", "true"))
    if req.creds in ("good", "bad"):
        pw = PASSWORD if req.creds == "good" else "wrong"
        token = base64.b64encode(("%s:%s" % (USER, pw)).encode()).decode()
        h.append(("Authorization", "Basic " + token))
    elif req.creds == "cookie":
        h.append(("Cookie", "session=1"))
    return h


def request_path(req, backend_port):
    if req.forward:
        return "http://127.0.0.1:%d/fwd/%s/item" % (backend_port, "reflect")
    path = g.RESOURCES[req.resource].path
    return path + ("?ifx" if req.ifx else "")


def request_text(cfg, req, backend_port=0):
    lines = ["%s %s HTTP/1.1" % (req.method, request_path(req, backend_port))]
    lines += ["%s: %s" % hv for hv in request_headers(cfg, req)]
    if req.malformed:
        lines.append("Bad Header Line Without Colon")
    return "\n".join(lines)


def describe_expected(e):
    acx = e.acx
    if acx == "PREFLIGHT_IF_2XX":
        acx = "if 2xx: %r, else none" % (e.preflight_acx,)
    return "\n".join("%s: %s" % kv for kv in [
        ("Access-Control-*", acx), ("status", e.status), ("handler runs", e.handler_ran),
        ("Vary once", e.vary_once), ("Vary absent", e.vary_absent),
        ("CORS_RESULT", e.cors_result), ("why", "; ".join(e.why))])


def describe_response(r):
    if r is None:
        return "(no response)"
    if isinstance(r, str):
        return r
    return "%s %s\n%s" % (r.status, r.reason,
                          "\n".join("%s: %s" % hv for hv in r.headers))


# -------------------------------------------------------------- checking ---

# Token lists whose order no browser reads: compared as sorted token lists
# (the module lists '*' first; README 4 says "the configured list joined").
TOKEN_LISTS = ("access-control-allow-methods", "access-control-allow-headers",
               "access-control-expose-headers")


def normalise_lists(acx):
    return {k: sorted(t.strip() for t in v.split(",")) if k in TOKEN_LISTS else v
            for k, v in acx.items()}


def check_response(cfg, req, exp, r, handler_ran, cors_result):
    """Every invariant of the issue; returns [(invariant, detail)]."""
    bad = []
    acx = r.acx()
    for name, vals in acx.items():
        if len(vals) > 1:
            bad.append(("acx-exactly-once", "%s sent %d times" % (name, len(vals))))
    got = {k: v[0] for k, v in acx.items()}
    want = exp.acx
    if want is None:            # not predicted: only the generic invariants
        want = got
    if want == "PREFLIGHT_IF_2XX":
        want = exp.preflight_acx if 200 <= r.status < 300 else {}
    acao = got.get("access-control-allow-origin")
    want_acao = want.get("access-control-allow-origin")
    if acao is not None and want_acao is None:
        bad.append(("acao-only-when-granted", "ACAO %r, model refuses" % acao))
    elif acao != want_acao:
        bad.append(("acao-value", "ACAO %r, model says %r" % (acao, want_acao)))
    if not exp.kept_upstream:
        if acao is not None and acao not in ("*", req.origin):
            bad.append(("acao-is-request-origin", "ACAO %r is neither * nor the Origin" % acao))
        if got.get("access-control-allow-credentials") and acao in ("*", None):
            bad.append(("credentials-never-with-star", "ACAC with ACAO %r" % acao))
    if normalise_lists(got) != normalise_lists(want) and not any(b[0].startswith("acao") for b in bad):
        bad.append(("acx-set", "Access-Control-* %r, model says %r" % (got, want)))
    vary = r.tokens("Vary")
    for t in set(vary):
        if vary.count(t) > 1:
            bad.append(("vary-token-once", "Vary repeats %r" % t))
    for t in exp.vary_once:
        if vary.count(t) != 1 and "*" not in vary:
            bad.append(("vary", "Vary %r lacks %r" % (r.get("Vary"), t)))
    for t in exp.vary_absent:
        if t in vary:
            bad.append(("vary-absent", "Vary %r has %r" % (r.get("Vary"), t)))
    if exp.status is not None and r.status != exp.status:
        bad.append(("status", "status %d, model says %d" % (r.status, exp.status)))
    if exp.not_2xx and 200 <= r.status < 300:
        bad.append(("refused-preflight-not-2xx", "status %d" % r.status))
    # mod_cors never answers 503: that is cgid failing under load, not a decision
    if exp.handler_ran is not None and handler_ran != exp.handler_ran and r.status != 503:
        bad.append(("handler-runs-only-when-allowed" if handler_ran else "handler-ran",
                    "handler %s, model says %s" % ("ran" if handler_ran else "did not run",
                                                   "it runs" if exp.handler_ran else "it does not")))
    if exp.blocked and handler_ran:
        bad.append(("protect-no-handler", "a handler ran for a request "
                    "CORSCrossOriginProtection refuses"))
    if exp.blocked and r.acx():
        bad.append(("protect-no-acx", "Access-Control-* on a refused request"))
    if exp.self_answered and r.status == exp.status and r.body:
        bad.append(("preflight-body-empty", "self-answered preflight has a %d-byte body"
                    % len(r.body)))
    if exp.seam and r.count("X-Seam") != 1:
        bad.append(("header-always-set", "X-Seam sent %d times" % r.count("X-Seam")))
    if exp.cors_result is not None and cors_result is not None and cors_result != exp.cors_result:
        bad.append(("cors-result", "CORS_RESULT %r, model says %r" % (cors_result, exp.cors_result)))
    return bad


def checks_cors_result(cfg, req, exp):
    """CORS_RESULT is read from the access log only where no internal
    redirect or cache hit decides which request's environment is logged."""
    if req.resource not in ("file", "afile", "top", "cgi", "owncgi", "proxy") or req.forward:
        return False
    if cfg.context.cache and req.resource == "file":
        return False
    return not (exp.status and cfg.context.errdocs.get(exp.status) == "local") and \
        not cfg.context.errdocs.get(401) and not cfg.context.errdocs.get(403)


# --------------------------------------------------------------- a batch ---

def docs_for(cfg):
    d = g.docroot_rel(cfg)
    docs = {d + "/top.txt": "top\n", d + "/a/f.txt": "a\n", d + "/a/b/f.txt": "ab\n",
            d + "/a/b/index.html": "index\n",
            d + "/a/b/run.cgi": CGI % "", d + "/a/b/own.cgi": CGI % OWN_CORS,
            d + "/a/b/fail.cgi": FAIL_CGI}
    for status in (401, 403, 404, 500):
        docs["%s/errors/%d.html" % (d, status)] = "error %d\n" % status
    return docs


def forward_config(rng, server_lines):
    """The batch's default vhost: a forward proxy under a random policy (None
    when the server layer makes every configuration unsafe)."""
    for _ in range(20):
        cfg = g.Config("fwd", [], g.Context())
        if server_lines:
            cfg.sections.append(g.Section("server", list(server_lines)))
        cfg.sections.append(g.Section("vhost", g.gen_lines(rng, cfg, False, kind="vhost")))
        if not m.configtest_refuses(cfg)[0]:
            return cfg
    return None


FWD_VHOST = """<VirtualHost @LISTEN@>
    ServerName fwd.test
    ErrorLog "@ROOT@/logs/fwd_error_log"
    ProxyRequests On
    <Proxy "*">
        Require all granted
    </Proxy>
%s</VirtualHost>
"""


def batch_body(configs, server_lines, fwd, backend_port):
    parts = ['CacheRoot "@ROOT@/cache"',
             'LogFormat "%{X-Tag}i %{CORS_RESULT}e %>s" combo',
             'CustomLog "@ROOT@/logs/combo_log" combo']
    if server_lines:
        parts.append(g.render_lines(server_lines, "").rstrip("\n"))
    if fwd is not None:
        parts.append(FWD_VHOST % g.render_lines(fwd.section("vhost").lines, "    "))
    docs = {}
    for cfg in configs:
        text, ht = g.render_vhost(cfg, backend_port, "%s.test" % cfg.cid)
        parts.append(text)
        docs.update(docs_for(cfg))
        docs.update(ht)
    return "\n".join(parts) + "\n", docs


def make_httpd(configs, server_lines, fwd, backend_port, name):
    body, docs = batch_body(configs, server_lines, fwd, backend_port)
    h = Httpd(body, docs=docs, modules=MODULES, allow_override="FileInfo AuthConfig",
              name=name)
    prepare_root(h)
    return h


def prepare_root(h):
    os.makedirs(os.path.join(h.root, "cache"), exist_ok=True)
    g.write_origin_files(h.root)
    subprocess.run(["htpasswd", "-bc", os.path.join(h.root, "htpasswd"), USER, PASSWORD],
                   check=True, capture_output=True)
    os.chmod(os.path.join(h.root, "htpasswd"), 0o644)
    log = os.path.join(h.root, "logs", "handler_log")
    open(log, "a").close()
    os.chmod(log, 0o666)
    if os.geteuid() == 0:
        shutil.chown(os.path.join(h.root, "cache"), "www-data", "www-data")


def send(h, cfg, req, backend_port):
    path = request_path(req, backend_port)
    if req.malformed:
        return send_malformed(h, cfg, req, path)
    method = req.method
    for attempt in range(3):
        try:
            return http_request(h.host, h.port, method, path, request_headers(cfg, req),
                                body=b"x" if method in ("POST", "PUT", "PATCH") else None)
        except Exception as exc:        # a truncated or dropped response is a finding
            err = exc
            time.sleep(0.1)
    return "connection failed: %r" % (err,)


def send_malformed(h, cfg, req, path):
    from harness import Response
    head = "GET %s HTTP/1.1\r\n%s\r\nBad Header Line Without Colon\r\n\r\n" % (
        path, "\r\n".join("%s: %s" % hv for hv in request_headers(cfg, req)))
    with socket.create_connection((h.host, h.port), timeout=10) as s:
        s.sendall(head.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:] if ":" in l]
    return Response(status, lines[0].split(" ", 2)[-1], headers, body)


def wait_tagged_log(path, tags, timeout=3.0):
    """The access log once it has a line for every tag (written after the
    response went out), or what it has after ``timeout``."""
    deadline = time.time() + timeout
    while True:
        log = read_tagged_log(path)
        if all(t in log for t in tags) or time.time() > deadline:
            return log
        time.sleep(0.05)


def read_tagged_log(path):
    out = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                parts = line.split()
                if parts:
                    out.setdefault(parts[0], []).append(parts[1:])
    except FileNotFoundError:
        pass
    return out


class Stats:
    def __init__(self):
        self.configs = self.requests = self.configtests = 0
        self.lock = threading.Lock()

    def add(self, configs=0, requests=0, configtests=0):
        with self.lock:
            self.configs += configs
            self.requests += requests
            self.configtests += configtests


STATS = Stats()         # what this process ran (printed by conftest.py)


def gen_batch(seed, index, n_configs):
    """The batch's random stream, server layer and configurations (deterministic)."""
    rng = random.Random("%s-%d" % (seed, index))
    server_lines = g.gen_server_lines(rng)
    configs = [g.gen_config(rng, "b%dc%d" % (index, i), server_lines) for i in range(n_configs)]
    return rng, server_lines, configs


def run_batch(seed, index, n_configs, requests_per_config, stats, so=None, workers=6):
    """Generate and run one batch; returns a list of Failure."""
    rng, server_lines, configs = gen_batch(seed, index, n_configs)
    refused = [c for c in configs if m.configtest_refuses(c)[0]]
    served = [c for c in configs if not m.configtest_refuses(c)[0]]
    failures = []
    backend = Backend()
    try:
        failures += check_configtests(refused, server_lines, backend.port, stats)
        fwd = forward_config(rng, server_lines)
        served, fwd, extra = drop_refused_by_module(served, server_lines, fwd, backend.port,
                                                    stats)
        failures += extra
        plan = []
        for cfg in served:
            for i in range(requests_per_config):
                plan.append((cfg, rg.gen_request(rng, cfg, "%s-%d" % (cfg.cid, i))))
        for i in range(8 if fwd else 0):
            plan.append((fwd, rg.gen_forward_request(rng, fwd, "fwd%d-%d" % (index, i))))
        if served or fwd:
            failures += serve_and_check(served, server_lines, fwd, plan, backend, index, stats,
                                        workers)
        stats.add(configs=len(configs))
    finally:
        backend.close()
    return failures


def configtest_one(cfg, server_lines, backend_port):
    h = make_httpd([cfg], server_lines, None, backend_port, "combo-ct")
    try:
        return h.configtest()
    finally:
        h.cleanup()


def check_configtests(refused, server_lines, backend_port, stats):
    """Every configuration the model calls dangerous or invalid must fail configtest."""
    failures = []
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        results = list(ex.map(lambda c: configtest_one(c, server_lines, backend_port), refused))
    for cfg, (rc, out) in zip(refused, results):
        stats.add(configtests=1)
        if rc < 0:
            failures.append(Failure("no-crash-configtest", cfg, server_lines, None, None, out,
                                    "apache2 -t died of signal %d" % -rc))
        elif rc == 0:
            failures.append(Failure("configtest-refuses-dangerous", cfg, server_lines, None,
                                    None, out, "configtest passed; model: %s"
                                    % m.configtest_refuses(cfg)[1]))
    return failures


def drop_refused_by_module(served, server_lines, fwd, backend_port, stats):
    """The model accepts these: configtest must pass. Find and drop any it
    refuses (the forward-proxy vhost first, then one configuration at a time)."""
    rc, out = configtest_batch(served, server_lines, fwd, backend_port)
    stats.add(configtests=1)
    if rc == 0:
        return served, fwd, []
    failures = []
    if fwd is not None:
        rc2, out2 = configtest_batch(served, server_lines, None, backend_port)
        stats.add(configtests=1)
        failures.append(Failure("no-crash-configtest" if rc < 0 else "configtest-accepts-safe",
                                fwd, server_lines, None, None, out,
                                "configtest %s with the forward-proxy vhost"
                                % ("died of signal %d" % -rc if rc < 0 else "failed")))
        fwd = None
        if rc2 == 0:
            return served, fwd, failures
    keep = []
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        results = list(ex.map(lambda c: configtest_one(c, server_lines, backend_port), served))
    for cfg, (rc1, out1) in zip(served, results):
        stats.add(configtests=1)
        if rc1 == 0:
            keep.append(cfg)
        elif rc1 < 0:
            failures.append(Failure("no-crash-configtest", cfg, server_lines, None, None, out1,
                                    "apache2 -t died of signal %d" % -rc1))
        else:
            failures.append(Failure("configtest-accepts-safe", cfg, server_lines, None, None,
                                    out1, "configtest refused a configuration the model accepts"))
    return keep, fwd, failures


def configtest_batch(served, server_lines, fwd, backend_port):
    h = make_httpd(served, server_lines, fwd, backend_port, "combo-ct")
    try:
        return h.configtest()
    finally:
        h.cleanup()


def serve_and_check(served, server_lines, fwd, plan, backend, index, stats, workers):
    h = make_httpd(served, server_lines, fwd, backend.port, "combo-b%d" % index)
    failures = []
    try:
        try:
            h.start()
        except RuntimeError as exc:
            cfg = served[0] if served else (fwd or g.Config("none", [], g.Context()))
            return [Failure("httpd-starts", cfg, server_lines, None, None, str(exc)[:3000],
                            "the batch that passed configtest did not start")]
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            responses = list(ex.map(lambda cr: send(h, cr[0], cr[1], backend.port), plan))
        handler_log = read_tagged_log(os.path.join(h.root, "logs", "handler_log"))
        combo_log = wait_tagged_log(os.path.join(h.root, "logs", "combo_log"),
                                    [req.tag for _, req in plan if not req.malformed])
        for (cfg, req), r in zip(plan, responses):
            res = g.RESOURCES[req.resource]
            exp = m.expect(cfg, res, req)
            if isinstance(r, str):
                failures.append(Failure("response", cfg, server_lines, req, exp, r, r))
                continue
            ran = req.tag in handler_log or req.tag in backend.seen
            logged = combo_log.get(req.tag)
            cr = logged[-1][0] if logged and checks_cors_result(cfg, req, exp) else None
            for inv, detail in check_response(cfg, req, exp, r, ran, cr):
                failures.append(Failure(inv, cfg, server_lines, req, exp, r, detail))
        stats.add(requests=len(plan))
        failures += check_error_logs(h, served + ([fwd] if fwd else []), server_lines, plan)
    finally:
        h.stop()
        failures += check_main_log(h, served, server_lines)
        h.cleanup()
    return failures


def check_error_logs(h, configs, server_lines, plan):
    danger = {cfg.cid for cfg, req in plan
              if m.expect(cfg, g.RESOURCES[req.resource], req).runtime_danger}
    failures = []
    for cfg in configs:
        path = os.path.join(h.root, "logs", "%s_error_log" % cfg.cid)
        try:
            lines = open(path, errors="replace").read().splitlines()
        except FileNotFoundError:
            continue
        allowed = [re.compile(p) for p in VHOST_ALLOWED]
        dangers = [l for l in lines if re.search(RUNTIME_DANGER, l)]
        if any(s.kind.startswith("ht") and m.dangerous(m.merged_policy([s]))
               for s in cfg.sections):
            allowed.append(re.compile(HTACCESS_REFUSED))
        if cfg.cid in danger:
            allowed.append(re.compile(RUNTIME_DANGER))
            if len(dangers) > 4:
                failures.append(Failure("error-log-rate-limited", cfg, server_lines, None, None,
                                        "\n".join(dangers[:6]),
                                        "%d request-time errors: one per request?" % len(dangers)))
        for line in lines:
            mm = re.match(r"^\[[^\]]*\] \[(?:[\w.-]+:)?(\w+)\]", line)
            if not mm or mm.group(1) not in ("emerg", "alert", "crit", "error", "warn"):
                continue
            if not any(p.search(line) for p in allowed):
                failures.append(Failure("error-log-clean", cfg, server_lines, None, None,
                                        line, "unexpected error-log line"))
                break
    return failures


# Main-log lines (startup, children) that are no failure: spec 4's warning
# for a '-' that removes nothing (not checked line by line), notices.
MAIN_ALLOWED = [r"\[cors:warn\].*removes nothing", r"AH00558", r"AH00113"]


def check_main_log(h, served, server_lines):
    lines = h.error_log().splitlines()
    crashes = [l for l in lines if re.search(CRASH, l)]
    cfg = served[0] if served else g.Config("none", [], g.Context())
    if crashes:
        return [Failure("no-child-crash", cfg, server_lines, None, None,
                        "\n".join(crashes[:5]), "httpd child crashed (batch %s)" % h.name)]
    bad = [l for l in h.unexpected_errors(extra_allowed=MAIN_ALLOWED)]
    if bad:
        return [Failure("error-log-clean", cfg, server_lines, None, None, "\n".join(bad[:5]),
                        "unexpected line in the main error log (batch %s)" % h.name)]
    return []


def report(failures, show=5, backend_port=0, reduce=True):
    """One summary line per failure, then the first reproducer of each
    invariant (at most ``show``), reduced to a minimal configuration."""
    lines = [f.summary() for f in failures]
    seen = []
    backend = Backend() if reduce else None
    try:
        for f in failures:
            if f.invariant not in seen and len(seen) < show:
                seen.append(f.invariant)
                if backend is not None:
                    f = reduce_failure(f, backend)
                lines += ["", f.reproducer(backend.port if backend else backend_port)]
    finally:
        if backend is not None:
            backend.close()
    return "\n".join(lines)


# -------------------------------------------------------------- reducing ---

def smaller_configs(cfg):
    """Candidates one step smaller: drop a section, a line, a value, or an
    httpd context feature. (The server layer is the cfg's "server" section.)"""
    import copy

    def variant(edit):
        c = copy.deepcopy(cfg)
        edit(c)
        return c

    for i in range(len(cfg.sections)):
        yield variant(lambda c, i=i: c.sections.pop(i))
    for i, sec in enumerate(cfg.sections):
        for j in range(len(sec.lines)):
            yield variant(lambda c, i=i, j=j: c.sections[i].lines.pop(j))
            if len(sec.lines[j][1]) > 1:
                for k in range(len(sec.lines[j][1])):
                    yield variant(lambda c, i=i, j=j, k=k: c.sections[i].lines[j][1].pop(k))
    ctx = cfg.context
    if ctx.auth != "none":
        yield variant(lambda c: setattr(c.context, "auth", "none"))
    for status in list(ctx.errdocs):
        yield variant(lambda c, st=status: c.context.errdocs.pop(st))
    if ctx.seam:
        yield variant(lambda c: setattr(c.context, "seam", False))
    if ctx.cache:
        yield variant(lambda c: setattr(c.context, "cache", False))


def server_lines_of(cfg):
    s = cfg.section("server")
    return list(s.lines) if s else []


def still_fails(cfg, req, invariant, backend):
    if m.configtest_refuses(cfg)[0]:
        return None             # a smaller config the model refuses tests something else
    got = serve_and_check([cfg], server_lines_of(cfg), None, [(cfg, req)], backend, 0,
                          Stats(), 1)
    return next((f for f in got if f.invariant == invariant), None)


def reduce_failure(f, backend, budget=80):
    """Greedy delta debugging of one request failure: the smallest
    configuration that still fails the same invariant with the same request."""
    if f.req is None or f.cfg.cid == "fwd":
        return f
    tries = 0
    best = still_fails(f.cfg, f.req, f.invariant, backend)
    if best is None:
        return f                # not reproducible alone (order or cache dependent)
    progress = True
    while progress and tries < budget:
        progress = False
        for c in smaller_configs(best.cfg):
            tries += 1
            smaller = still_fails(c, f.req, f.invariant, backend)
            if smaller is not None:
                best, progress = smaller, True
                break
            if tries >= budget:
                break
    best.detail += " (reduced from %s in %d tries)" % (f.cfg.cid, tries)
    return best
