"""Servers for the browser suite (the engines are in engines.py).

Three real httpd instances (tests/integration/harness.py), each on its own
free port on 127.0.0.1, named under ``example.localhost``: every engine
resolves ``*.localhost`` to loopback by itself, no DNS and no flag needed:

* **app** serves the calling pages (``site/app/``) to
  ``http://app.example.localhost:<app port>`` and also, as frames on other
  origins, to ``b.app.example.localhost`` and ``x.app.example.localhost``;
* **api** is protected by mod_cors with ``site/api.conf.in`` and answers
  ``api.example.localhost`` and ``b.api.example.localhost`` on its port;
* **backend** stands behind the api's ``ProxyPass`` and sets its own
  ``Access-Control-Allow-Origin: *``.

Page and API are *same-site* (``example.localhost``) but different origins:
the cookie the API sets (``SameSite=Lax``; ``SameSite=None`` needs
``Secure``, i.e. https) is then sent on the page's credentialed calls over
plain http, while CORS still applies in full.

``CORS_BROWSER_NO_MODULE=1`` starts the api without mod_cors (no
``LoadModule cors_module`` line; CORS directives stripped from the config
and .htaccess so httpd starts): the suite must then fail.
"""

import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SITE = os.path.join(HERE, "site")
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from harness import Httpd  # noqa: E402

DOMAIN = "example.localhost"

API_MODULES = ("cgid", "proxy", "proxy_http", "auth_basic", "authn_core",
               "authn_file", "authz_user")
# broken.cgi is meant to die: the 500 scenario.
API_ALLOWED_ERRORS = (r"End of script output before headers: broken\.cgi",)

_CORS_LINE = re.compile(r"^[ \t]*CORS\w+[^\n]*\n?", re.M)


def no_module():
    return os.environ.get("CORS_BROWSER_NO_MODULE", "") not in ("", "0")


def strip_cors(text):
    """The config without mod_cors' directives (for a server without it)."""
    return _CORS_LINE.sub("", text)


def origins(app_port, api_port):
    return {
        "app": "http://app.%s:%d" % (DOMAIN, app_port),
        "appB": "http://b.app.%s:%d" % (DOMAIN, app_port),
        "appX": "http://x.app.%s:%d" % (DOMAIN, app_port),
        "api": "http://api.%s:%d" % (DOMAIN, api_port),
        "apiB": "http://b.api.%s:%d" % (DOMAIN, api_port),
    }


def fill(text, o, backend_port, htpasswd):
    return (text.replace("@APP_WILD@", "http://*.app.%s:%s" % (DOMAIN, o["app"].rsplit(":", 1)[1]))
            .replace("@APP_B@", o["appB"])
            .replace("@APP@", o["app"])
            .replace("@API_B@", o["apiB"])
            .replace("@BACKEND@", "http://127.0.0.1:%d" % backend_port)
            .replace("@HTPASSWD@", htpasswd))


def read_tree(top, transform=None):
    """{relative path: str or bytes} for every file under ``top``."""
    docs = {}
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, top)
            with open(path, "rb") as f:
                data = f.read()
            if transform is not None and (name == ".htaccess" or name.endswith(".in")):
                data = transform(data.decode())
            docs[rel] = data
    return docs


def config_js(o):
    return "window.LAB = {%s};\n" % ", ".join('%s: "%s"' % kv for kv in sorted(o.items()))


class Lab:
    """The three servers; ``start()`` / ``stop()``."""

    def __init__(self, with_module=True, name="lab"):
        self.with_module = with_module
        self.backend = Httpd(_read(os.path.join(SITE, "backend.conf.in")),
                             docs=read_tree(os.path.join(SITE, "backend")),
                             load_cors=False, name=name + "-backend")
        self.app = Httpd("", name=name + "-app")
        self.api = Httpd("", modules=API_MODULES, load_cors=with_module,
                         allowed_errors=API_ALLOWED_ERRORS, name=name + "-api")
        self.origins = origins(self.app.port, self.api.port)
        htpasswd = os.path.join(self.api.root, "htpasswd")
        shutil.copy(os.path.join(SITE, "htpasswd"), htpasswd)
        os.chmod(htpasswd, 0o644)

        def conf(text):
            text = fill(text, self.origins, self.backend.port, htpasswd)
            return text if with_module else strip_cors(text)

        self.api_conf = conf(_read(os.path.join(SITE, "api.conf.in")))
        self.api.add_docs(read_tree(os.path.join(SITE, "api"), conf))
        self.api.write_conf(self.api_conf)
        app_docs = read_tree(os.path.join(SITE, "app"))
        app_docs["config.js"] = config_js(self.origins)
        app_docs["api.conf.txt"] = self.api.subst(self.api_conf)
        self.app.add_docs(app_docs)
        self.servers = [self.backend, self.api, self.app]

    def start(self):
        for h in self.servers:
            h.start()
        return self

    def cleanup(self):
        for h in self.servers:
            h.cleanup()

    def hosts(self):
        """Every host name the pages and calls use."""
        hosts = {o.split("//", 1)[1].rsplit(":", 1)[0] for o in self.origins.values()}
        return sorted(hosts | set(PROTECT_HOSTS))

    def page_url(self):
        return self.origins["app"] + "/index.html?auto=0"

    def entries(self, tag):
        """The api's access-log entries for URLs carrying ``t=<tag>``."""
        rx = re.compile(r"[?&]t=%s(?:&|$)" % re.escape(tag))
        return [e for e in self.api.access_log() if e["path"] and rx.search(e["path"])]


def _read(path):
    with open(path) as f:
        return f.read()


# -- cross-origin protection (test_browser_protect.py) ---------------------------

PROTECT = os.path.join(SITE, "protect")
# Secure-context names: browsers send Sec-Fetch-* to them. The API and the
# two pages are three different sites (protect.localhost, evil.localhost,
# trusted.localhost).
PROTECT_HOSTS = ("api.protect.localhost", "evil.localhost", "trusted.localhost")


def machine_address():
    """The machine's first non-loopback IPv4 address: a host name that is
    no potentially trustworthy origin, so browsers send no Sec-Fetch-* to
    it and the protection falls back on Origin. None when there is none."""
    import socket
    import subprocess
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True,
                             timeout=10).stdout.split()
    except OSError:
        out = []
    for a in out:
        try:
            socket.inet_aton(a)
        except OSError:
            continue
        if not a.startswith("127."):
            return a
    return None


class ProtectLab:
    """The API protected by CORSCrossOriginProtection (with a WebSocket
    echo server behind it) and a page server, each reachable on a
    ``*.localhost`` name and on the machine's address:

    * ``api``: ``http://api.protect.localhost:<A>`` and ``http://<ip>:<A>``;
    * pages: untrusted ``http://evil.localhost:<P>`` and ``http://<ip>:<P>``,
      trusted ``http://trusted.localhost:<P>`` and ``http://<ip>:<P2>``.
    """

    def __init__(self, ip, with_module=True, name="protect"):
        from harness import free_port
        self.ip = ip
        self.with_module = with_module
        self.echo_port = free_port()
        self.pages = Httpd("", name=name + "-pages")
        self.trusted_ip_port = free_port()
        self.api = Httpd("", modules=("cgid", "proxy", "proxy_http"), load_cors=with_module,
                         loglevel="warn cors:info" if with_module else "warn",
                         name=name + "-api")
        p, a = self.pages.port, self.api.port
        self.o = {
            "api": "http://api.protect.localhost:%d" % a,
            "api_ip": "http://%s:%d" % (ip, a),
            "evil": "http://evil.localhost:%d" % p,
            "evil_ip": "http://%s:%d" % (ip, p),
            "trusted": "http://trusted.localhost:%d" % p,
            "trusted_ip": "http://%s:%d" % (ip, self.trusted_ip_port),
        }
        shared = {name: _read(os.path.join(PROTECT, name))
                  for name in ("protect.js", "form.html", "blank.html")}
        conf = (_read(os.path.join(PROTECT, "api.conf.in"))
                .replace("@TRUSTED_IP@", self.o["trusted_ip"])
                .replace("@TRUSTED@", self.o["trusted"])
                .replace("@IP@", ip).replace("@PORT@", str(a))
                .replace("@ECHO@", str(self.echo_port)))
        if not with_module:
            conf = strip_cors(conf)
        self.api.add_docs(dict(shared, **{"cgi-bin/run.cgi": _read(os.path.join(PROTECT,
                                                                              "run.cgi"))}))
        self.api.write_conf(conf)
        ran = os.path.join(self.api.root, "ran")
        os.makedirs(ran)
        os.chmod(ran, 0o777)
        self.pages.add_docs(shared)
        self.pages.write_conf("Listen %s:%d\nListen %s:%d\n"
                              % (ip, p, ip, self.trusted_ip_port))
        self.echo = None

    def start(self):
        import subprocess
        self.echo = subprocess.Popen([sys.executable, os.path.join(PROTECT, "ws_echo.py"),
                                      str(self.echo_port)], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        line = self.echo.stdout.readline().decode(errors="replace").strip()
        if line != "ready":
            raise RuntimeError("the WebSocket echo server did not start: %r" % line)
        self.pages.start()
        self.api.start()
        return self

    def cleanup(self):
        try:
            for h in (self.api, self.pages):
                h.cleanup()
        finally:
            if self.echo is not None:
                self.echo.kill()
                self.echo.wait()
                self.echo.stdout.close()

    def ran(self, tag):
        """Whether the protected handler (run.cgi) answered the request ``t=<tag>``."""
        return os.path.exists(os.path.join(self.api.root, "ran", tag))

    def entries(self, tag):
        """protect_log entries for ``t=<tag>``: what the engine sent and got."""
        rx = re.compile(r'^(\S+) "([^"]*)" (\d+) cors=(\S*) site="(.*)" origin="(.*)" '
                        r'upgrade="(.*)"$')
        out = []
        try:
            with open(os.path.join(self.api.root, "logs", "protect_log"), errors="replace") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return out
        tag_rx = re.compile(r"[?&]t=%s(?:&|$)" % re.escape(tag))
        for line in lines:
            m = rx.match(line)
            if m and tag_rx.search(m.group(2)):
                out.append(dict(method=m.group(1), path=m.group(2), status=int(m.group(3)),
                                cors=m.group(4), site=m.group(5), origin=m.group(6),
                                upgrade=m.group(7)))
        return out
