"""Drive a real Debian ``apache2`` with mod_cors loaded, from pytest.

Usage
=====

Run the suite with Debian's python (pyenv's python3 lacks pytest)::

    MOD_CORS_SO=/path/to/.libs/mod_cors.so /usr/bin/python3 -m pytest tests/integration

``MOD_CORS_SO`` defaults to ``<repo>/.libs/mod_cors.so``. ``APXS`` (default:
``apxs`` on PATH) locates the server binary (``SBINDIR``/``PROGNAME``, or
``HTTPD`` if set) and the modules directory (``LIBEXECDIR``).
``CORS_SANITIZER_PRELOAD`` (set by ``make check`` in sanitizer builds) is
put in httpd's ``LD_PRELOAD``.

A server per module (or class), started once, many table rows against it::

    from harness import Httpd, httpd_fixture

    CONF = '''
    <Location "/api">
        CORSAllowOrigin https://app.example.com
    </Location>
    '''
    server = httpd_fixture(CONF, docs={"api/x.txt": "hello"})   # module scope

    def test_granted_origin_gets_acao(server):
        r = server.get("/api/x.txt", headers={"Origin": "https://app.example.com"})
        assert r.status == 200
        assert r.get("Access-Control-Allow-Origin") == "https://app.example.com"
        assert "origin" in r.tokens("Vary")

``Httpd(body, docs=None, modules=(), mpm=None, allow_override="None",
global_conf="", allowed_errors=(), name="httpd")``

* ``body`` is appended to a complete generated ``httpd.conf`` (main server
  context). Placeholders: ``@PORT@``, ``@DOCROOT@``, ``@ROOT@`` (the tmp
  server root), ``@SO@`` (the module), ``@LISTEN@`` (``127.0.0.1:<port>``).
  Write ``<VirtualHost @LISTEN@>`` / ``<VirtualHost *:@PORT@>`` for vhosts.
* ``docs`` maps paths under DocumentRoot to ``str``/``bytes`` content
  (``.htaccess`` included). Files ending ``.cgi`` or starting with ``#!``
  are made executable. ``allow_override`` sets ``AllowOverride`` on the
  DocumentRoot (``"FileInfo"`` for .htaccess tests).
* ``modules`` loads extra modules by short name: ``auth_basic``,
  ``authn_file``, ``authn_core``, ``authz_user``, ``authz_host``, ``proxy``,
  ``proxy_http``, ``cgi``, ``cgid``, ``cache``, ``cache_disk``, ``deflate``,
  ``http2``, ``filter``, ... (``mod_<name>.so``/``<name>_module``). Always
  loaded: the MPM (``event``/``worker``/``prefork``), authz_core, mime, dir,
  alias, env, headers, setenvif, rewrite, and ``cors_module``. Pass
  ``load_cors=False`` to leave mod_cors out.
* ``start()``, ``stop()``, ``graceful(body=None)`` (SIGUSR1, optionally with
  a new body), ``restart(body=None)`` (SIGHUP), ``configtest()`` ->
  ``(returncode, output)``, ``url(path)``, ``error_log()``,
  ``access_log()`` (list of dicts with keys ``method path status cors
  origin line``; waits briefly for the expected count), ``request(method,
  path, headers=..., body=..., timeout=...)`` -> :class:`Response`, and
  ``get``/``options``/``post``/``head`` shortcuts. ``headers`` is a dict or
  a list of ``(name, value)`` pairs (repeat a name to send it twice; values
  may be ``bytes`` for raw non-ASCII). A ``Host`` header overrides the
  default one.
* Error log policy: the autouse fixture in ``conftest.py`` fails any test
  during which a running server logged a line at ``warn`` or above that
  nobody expected. Expect lines with ``httpd.expect_error(r"regex")``
  (this test only) or ``allowed_errors=[...]`` (whole server life).
  ``httpd.assert_error_log_clean()`` checks explicitly.

:class:`Response`: ``status``, ``reason``, ``body`` (bytes), ``headers``
(every header line, in order, duplicates kept), ``get(name)`` (all lines of
that name joined with ", ", or ``None``), ``get_all(name)`` (list of
lines), ``count(name)``, ``tokens(name)`` (lower-cased comma list over all
lines), ``acx()`` (dict lower-cased ``access-control-*`` name -> list of
values), ``has(name)``.

Table helpers: ``assert_response(r, status, {name: value-or-None},
absent=[names or ACX], vary_origin=True/False/None)`` (also fails on any
repeated Access-Control-* line or Vary token); ``tagged(path)`` adds a
unique query tag and ``cors_result(httpd, tagged_path)`` reads the
``CORS_RESULT`` the access log recorded for that request.

conftest.py also offers ``httpd_factory`` (function scope): ``h =
httpd_factory(body, **kw)`` makes servers inside one test (not started;
stopped, log-checked and removed afterwards). Set ``KEEP_HTTPD_DIRS=1`` to
keep the generated tmp dirs (httpd.conf, logs) for debugging.

Everything lives in its own tmp dir on its own free port, so suites can run
in parallel. When run as root the workers switch to ``www-data``.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

_LEVELS_FATAL = ("emerg", "alert", "crit", "error", "warn")
_LOG_LINE = re.compile(r"^\[[^\]]*\] \[(?:([\w.-]+):)?(\w+)\]")

# Lines every server may log without it being a test failure.
DEFAULT_ALLOWED = [
    r"AH00558",                 # no fully qualified ServerName
]


def _apxs_query(var):
    apxs = os.environ.get("APXS") or shutil.which("apxs") or shutil.which("apxs2")
    if not apxs:
        raise RuntimeError("apxs not found (set APXS or install apache2-dev)")
    out = subprocess.run([apxs, "-q", var], check=True, capture_output=True, text=True)
    return out.stdout.strip()


_CACHE = {}


def apache_binary():
    if "bin" not in _CACHE and os.environ.get("HTTPD"):
        _CACHE["bin"] = os.environ["HTTPD"]
    if "bin" not in _CACHE:
        sbindir = _apxs_query("SBINDIR")
        prog = _apxs_query("PROGNAME") or "httpd"
        _CACHE["bin"] = os.path.join(sbindir, prog)
    return _CACHE["bin"]


def modules_dir():
    if "libexec" not in _CACHE:
        _CACHE["libexec"] = _apxs_query("LIBEXECDIR")
    return _CACHE["libexec"]


def builtin_modules():
    """Module source names compiled into the server (``apache2 -l``)."""
    if "builtin" not in _CACHE:
        out = subprocess.run([apache_binary(), "-l"], capture_output=True, text=True).stdout
        _CACHE["builtin"] = {m[:-2] for m in re.findall(r"\b(mod_\w+\.c)\b", out)}
    return _CACHE["builtin"]


def mod_cors_so():
    so = os.environ.get("MOD_CORS_SO") or os.path.join(REPO, ".libs", "mod_cors.so")
    return os.path.abspath(so)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    """A response with every header line kept, duplicates included."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def get_all(self, name):
        n = name.lower()
        return [v for k, v in self.headers if k.lower() == n]

    def get(self, name):
        vals = self.get_all(name)
        return ", ".join(vals) if vals else None

    def has(self, name):
        return bool(self.get_all(name))

    def count(self, name):
        return len(self.get_all(name))

    def tokens(self, name):
        out = []
        for v in self.get_all(name):
            out.extend(t.strip().lower() for t in v.split(",") if t.strip())
        return out

    def acx(self):
        out = {}
        for k, v in self.headers:
            if k.lower().startswith("access-control-"):
                out.setdefault(k.lower(), []).append(v)
        return out

    def __repr__(self):
        hdrs = "".join("\n  %s: %s" % hv for hv in self.headers)
        return "<Response %s %s%s>" % (self.status, self.reason, hdrs)


def http_request(host, port, method, path, headers=None, body=None, timeout=10):
    """Send one request on a fresh connection; headers: dict or list of pairs."""
    if headers is None:
        headers = []
    elif isinstance(headers, dict):
        headers = list(headers.items())
    names = {k.lower() for k, _ in headers}
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host="host" in names,
                        skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        if body is not None:
            if isinstance(body, str):
                body = body.encode()
            if "content-length" not in names:
                conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.reason, resp.getheaders(), data)
    finally:
        conn.close()


class Httpd:
    """One generated httpd.conf, tmp dir and port; see the module docstring."""

    running = set()
    _lock = threading.Lock()

    def __init__(self, body="", docs=None, modules=(), mpm=None,
                 allow_override="None", global_conf="", allowed_errors=(),
                 name="httpd", load_cors=True, loglevel="warn"):
        self.name = re.sub(r"[^\w.-]", "_", name)
        self.root = tempfile.mkdtemp(prefix="cors-%s-" % self.name)
        os.chmod(self.root, 0o755)
        self.docroot = os.path.join(self.root, "htdocs")
        os.makedirs(self.docroot)
        os.makedirs(os.path.join(self.root, "logs"))
        self.port = free_port()
        self.host = "127.0.0.1"
        # CORS_TEST_MPM runs a whole suite under another MPM.
        self.mpm = mpm or os.environ.get("CORS_TEST_MPM", "event")
        self.modules = list(modules)
        self.allow_override = allow_override
        self.global_conf = global_conf
        self.load_cors = load_cors
        self.loglevel = loglevel
        self.allowed = list(DEFAULT_ALLOWED) + list(allowed_errors)
        self.expected = []
        self.proc = None
        self.conf_path = os.path.join(self.root, "httpd.conf")
        self.error_log_path = os.path.join(self.root, "logs", "error_log")
        self.access_log_path = os.path.join(self.root, "logs", "access_log")
        self._checked = 0
        self.body = body
        if docs:
            self.add_docs(docs)
        self.write_conf()

    # -- configuration --------------------------------------------------

    def subst(self, text):
        return (text.replace("@LISTEN@", "%s:%d" % (self.host, self.port))
                .replace("@PORT@", str(self.port))
                .replace("@DOCROOT@", self.docroot)
                .replace("@ROOT@", self.root)
                .replace("@SO@", mod_cors_so()))

    def add_docs(self, docs):
        for rel, content in docs.items():
            path = os.path.join(self.docroot, rel.lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if isinstance(content, str):
                content = self.subst(content).encode()
            with open(path, "wb") as f:
                f.write(content)
            mode = 0o755 if (rel.endswith(".cgi") or content.startswith(b"#!")) else 0o644
            os.chmod(path, mode)
            d = os.path.dirname(path)
            while d.startswith(self.docroot):
                os.chmod(d, 0o755)
                d = os.path.dirname(d)

    def _load_lines(self):
        builtin = builtin_modules()
        wanted = ["mpm_" + self.mpm, "authz_core", "mime", "dir", "alias",
                  "log_config", "env", "headers", "setenvif", "rewrite"]
        for m in self.modules:
            if m not in wanted:
                wanted.append(m)
        lines = []
        for m in wanted:
            if "mod_%s" % m in builtin:
                continue
            so = os.path.join(modules_dir(), "mod_%s.so" % m)
            lines.append("LoadModule %s_module %s" % (m, so))
        if self.load_cors:
            lines.append("LoadModule cors_module %s" % mod_cors_so())
        return "\n".join(lines)

    def conf_text(self):
        user = ""
        if os.geteuid() == 0:
            user = "User www-data\nGroup www-data\n"
        mpm_conf = {
            "event": "StartServers 1\nServerLimit 2\nThreadsPerChild 16\n"
                     "MaxRequestWorkers 32\nMinSpareThreads 4\nMaxSpareThreads 32\n",
            "worker": "StartServers 1\nServerLimit 2\nThreadsPerChild 16\n"
                      "MaxRequestWorkers 32\nMinSpareThreads 4\nMaxSpareThreads 32\n",
            "prefork": "StartServers 2\nMinSpareServers 1\nMaxSpareServers 4\n"
                       "MaxRequestWorkers 16\n",
        }.get(self.mpm, "")
        text = """# generated by tests/integration/harness.py
ServerRoot "@ROOT@"
DefaultRuntimeDir "@ROOT@"
PidFile "@ROOT@/httpd.pid"
Mutex file:@ROOT@ default
Listen @LISTEN@
ServerName 127.0.0.1
ServerAdmin test@localhost
%(load)s
%(user)s%(mpm_conf)sTimeout 10
KeepAlive Off
ErrorLog "@ROOT@/logs/error_log"
LogLevel %(loglevel)s
LogFormat "%%m \\"%%U%%q\\" %%>s cors=%%{CORS_RESULT}e origin=\\"%%{Origin}i\\"" cors
CustomLog "@ROOT@/logs/access_log" cors
TypesConfig /etc/mime.types
AddDefaultCharset Off
DirectoryIndex index.html
<IfModule cgid_module>
    ScriptSock "@ROOT@/cgid.sock"
</IfModule>
<Directory />
    AllowOverride None
    Require all denied
</Directory>
DocumentRoot "@DOCROOT@"
<Directory "@DOCROOT@">
    Options FollowSymLinks
    AllowOverride %(override)s
    Require all granted
</Directory>
<Files ".ht*">
    Require all denied
</Files>
%(global_conf)s
# ---- test body ----
%(body)s
""" % dict(load=self._load_lines(), user=user, mpm_conf=mpm_conf,
           loglevel=self.loglevel, override=self.allow_override,
           global_conf=self.global_conf, body=self.body)
        return self.subst(text)

    def write_conf(self, body=None):
        if body is not None:
            self.body = body
        with open(self.conf_path, "w") as f:
            f.write(self.conf_text())

    # -- life cycle -------------------------------------------------------

    def _cmd(self, *args):
        return [apache_binary(), "-d", self.root, "-f", self.conf_path] + list(args)

    def configtest(self):
        """Run ``apache2 -t``; returns (returncode, stdout+stderr)."""
        p = subprocess.run(self._cmd("-t"), capture_output=True, text=True,
                           errors="replace", env=self._env())
        return p.returncode, p.stdout + p.stderr

    def _env(self):
        env = dict(os.environ)
        env.setdefault("LANG", "C")
        preload = os.environ.get("CORS_SANITIZER_PRELOAD")
        if preload:
            env["LD_PRELOAD"] = preload
        return env

    def start(self, timeout=15):
        rc, out = self.configtest()
        if rc != 0:
            raise RuntimeError("httpd config test failed for %s:\n%s\n--- conf ---\n%s"
                               % (self.name, out, self.conf_text()))
        self.proc = subprocess.Popen(self._cmd("-DFOREGROUND"), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=self._env(),
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                self.proc = None
                raise RuntimeError("httpd %s exited at start:\n%s\n%s"
                                   % (self.name, out, self.error_log()))
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("httpd %s did not answer on port %d" % (self.name, self.port))
        with Httpd._lock:
            Httpd.running.add(self)
        return self

    def stop(self, timeout=15):
        with Httpd._lock:
            Httpd.running.discard(self)
        if self.proc is None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def _generations(self):
        return self.error_log().count("resuming normal operations")

    def _signal_and_wait(self, sig, body, timeout):
        if body is not None:
            self.write_conf(body)
        rc, out = self.configtest()
        if rc != 0:
            raise RuntimeError("new config of %s does not pass configtest:\n%s" % (self.name, out))
        before = self._generations()
        self.proc.send_signal(sig)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self._generations() > before:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("httpd %s died on restart:\n%s" % (self.name, self.error_log()))
            time.sleep(0.05)
        else:
            raise RuntimeError("httpd %s did not restart" % self.name)
        # the new generation's children need a moment to accept
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)

    def graceful(self, body=None, timeout=15):
        self._signal_and_wait(signal.SIGUSR1, body, timeout)

    def restart(self, body=None, timeout=15):
        self._signal_and_wait(signal.SIGHUP, body, timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def cleanup(self):
        self.stop()
        if not os.environ.get("KEEP_HTTPD_DIRS"):
            shutil.rmtree(self.root, ignore_errors=True)

    # -- requests ---------------------------------------------------------

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def request(self, method, path, headers=None, body=None, timeout=10):
        return http_request(self.host, self.port, method, path, headers, body, timeout)

    def get(self, path, headers=None, **kw):
        return self.request("GET", path, headers, **kw)

    def head(self, path, headers=None, **kw):
        return self.request("HEAD", path, headers, **kw)

    def post(self, path, headers=None, body="", **kw):
        return self.request("POST", path, headers, body=body, **kw)

    def options(self, path, headers=None, **kw):
        return self.request("OPTIONS", path, headers, **kw)

    def preflight(self, path, origin, method="GET", req_headers=None, extra=None):
        h = [("Origin", origin), ("Access-Control-Request-Method", method)]
        if req_headers is not None:
            h.append(("Access-Control-Request-Headers", req_headers))
        h.extend(extra or [])
        return self.options(path, h)

    # -- logs ---------------------------------------------------------------

    def error_log(self):
        try:
            with open(self.error_log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def error_log_lines(self, since=0):
        return self.error_log()[since:].splitlines()

    def log_mark(self):
        """Offset into the error log; pass to error_log_lines(since=...)."""
        return len(self.error_log())

    def wait_error_log(self, pattern, since=0, timeout=3):
        """Wait until a line matching ``pattern`` appears after ``since``."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while True:
            for line in self.error_log_lines(since):
                if rx.search(line):
                    return line
            if time.time() > deadline:
                return None
            time.sleep(0.05)

    def access_log(self, min_lines=0, timeout=3):
        """Parsed access log lines; waits up to ``timeout`` for ``min_lines``."""
        rx = re.compile(r'^(\S+) "([^"]*)" (\d+) cors=(\S*) origin="(.*)"$')
        deadline = time.time() + timeout
        while True:
            try:
                with open(self.access_log_path, errors="replace") as f:
                    lines = f.read().splitlines()
            except FileNotFoundError:
                lines = []
            if len(lines) >= min_lines or time.time() > deadline:
                break
            time.sleep(0.05)
        out = []
        for line in lines:
            m = rx.match(line)
            if m:
                out.append(dict(method=m.group(1), path=m.group(2), status=int(m.group(3)),
                                cors=m.group(4), origin=m.group(5), line=line))
            else:
                out.append(dict(method=None, path=None, status=None, cors=None,
                                origin=None, line=line))
        return out

    def expect_error(self, pattern):
        """Allow error-log lines matching ``pattern`` during the current test."""
        self.expected.append(pattern)

    def unexpected_errors(self, since=0, extra_allowed=()):
        pats = [re.compile(p) for p in self.allowed + self.expected + list(extra_allowed)]
        bad = []
        for line in self.error_log_lines(since):
            m = _LOG_LINE.match(line)
            if not m or m.group(2) not in _LEVELS_FATAL:
                continue
            if any(p.search(line) for p in pats):
                continue
            bad.append(line)
        return bad

    def assert_error_log_clean(self, since=0, extra_allowed=()):
        bad = self.unexpected_errors(since, extra_allowed)
        assert not bad, "unexpected error log lines in %s:\n%s" % (self.name, "\n".join(bad))


def httpd_fixture(body="", scope="module", **kw):
    """A pytest fixture yielding a started :class:`Httpd` for the scope."""

    @pytest.fixture(scope=scope)
    def _fixture(request):
        args = dict(kw)
        name = args.pop("name", None) or request.node.name
        h = Httpd(body, name=name, **args)
        try:
            h.start()
            yield h
        finally:
            h.cleanup()

    return _fixture


# -- assertions shared by the table-driven tests -----------------------------

ACX = "access-control-*"     # in ``absent``: no Access-Control-* header at all

_seq = [0]


def tagged(path):
    """``path`` with a unique query tag, to find its access-log line."""
    _seq[0] += 1
    sep = "&" if "?" in path else "?"
    return "%s%stag=%d-%d" % (path, sep, os.getpid(), _seq[0])


def cors_result(httpd, tagged_path, timeout=3):
    """The CORS_RESULT logged for the request sent to ``tagged_path`` (the
    newest line for that path: the URI httpd logs, which after an internal
    redirect such as an ErrorDocument page has no query)."""
    deadline = time.time() + timeout
    while True:
        for e in reversed(httpd.access_log()):
            if e["path"] == tagged_path:
                return e["cors"]
        if time.time() > deadline:
            return None
        time.sleep(0.05)


def assert_response(r, status=None, headers=None, absent=(), vary_origin=None):
    """Check one response against a table row.

    ``headers``: name -> exact value (exactly one header line), or ``None``
    for "absent". ``absent``: names that must not appear (``ACX`` for every
    Access-Control-* header). ``vary_origin``: True -> ``Origin`` is in Vary
    exactly once; False -> not at all. Always: no Access-Control-* header
    line is repeated and no Vary token appears twice.
    """
    if status is not None:
        assert r.status == status, "status %s, expected %s: %r" % (r.status, status, r)
    for name, value in (headers or {}).items():
        got = r.get_all(name)
        if value is None:
            assert not got, "%s present (%r), expected absent: %r" % (name, got, r)
        else:
            assert got == [value], "%s is %r, expected [%r]: %r" % (name, got, value, r)
    for name in absent:
        if name == ACX:
            assert not r.acx(), "Access-Control-* present, expected none: %r" % (r,)
        else:
            assert not r.has(name), "%s present, expected absent: %r" % (name, r)
    for name, values in r.acx().items():
        assert len(values) == 1, "%s repeated: %r" % (name, r)
    vary = r.tokens("Vary")
    assert len(vary) == len(set(vary)), "Vary token repeated: %r" % (r,)
    if vary_origin is True:
        assert vary.count("origin") == 1, "Vary lacks Origin: %r" % (r,)
    elif vary_origin is False:
        assert "origin" not in vary, "Vary has Origin, expected none: %r" % (r,)
