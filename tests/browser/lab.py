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
        return sorted({o.split("//", 1)[1].rsplit(":", 1)[0] for o in self.origins.values()})

    def page_url(self):
        return self.origins["app"] + "/index.html?auto=0"

    def entries(self, tag):
        """The api's access-log entries for URLs carrying ``t=<tag>``."""
        rx = re.compile(r"[?&]t=%s(?:&|$)" % re.escape(tag))
        return [e for e in self.api.access_log() if e["path"] and rx.search(e["path"])]


def _read(path):
    with open(path) as f:
        return f.read()
