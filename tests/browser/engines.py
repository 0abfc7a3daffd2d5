"""The three browser engines the suite drives, all from Debian packages.

* **chromium**: chromium + chromium-driver through python3-selenium;
* **firefox**: firefox-esr through its built-in Marionette (marionette.py);
* **webkit**: WebKitGTK's MiniBrowser through WebKitWebDriver
  (webkit2gtk-driver) and python3-selenium, under Xvfb (MiniBrowser has no
  headless mode).

Every engine resolves the lab's ``*.localhost`` names to loopback by itself
(WebKit has no host-resolver flag; Firefox also gets them in
``network.dns.localDomains``). ``start()`` returns a driver with the same
small API on every engine: ``get``, ``current_url``, ``page_source``,
``execute_script``, ``execute_async_script``.

``CORS_BROWSER_ENGINES`` (space or comma separated) picks engines; the
default is all three. A selected engine that is missing or does not start
fails the run: nothing is skipped.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from marionette import Marionette

ALL = ("chromium", "firefox", "webkit")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
WEBKITDRIVER = os.environ.get("WEBKITDRIVER", "/usr/bin/WebKitWebDriver")
MINIBROWSER = os.environ.get("MINIBROWSER",
                             "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
XVFB = os.environ.get("XVFB", "/usr/bin/Xvfb")

SCRIPT_TIMEOUT = 30
# Every driver command answers within this many seconds, or the test fails
# (a browser that never comes up must not hang the run).
COMMAND_TIMEOUT = 90


def _bound_selenium_commands():
    from selenium.webdriver.remote.remote_connection import RemoteConnection
    RemoteConnection.set_timeout(COMMAND_TIMEOUT)


def selected():
    """The engines named by CORS_BROWSER_ENGINES (all three when unset)."""
    names = [n for n in re.split(r"[\s,]+", os.environ.get("CORS_BROWSER_ENGINES", "")) if n]
    unknown = [n for n in names if n not in ALL]
    if unknown:
        raise ValueError("unknown engine(s) %s in CORS_BROWSER_ENGINES; known: %s"
                         % (", ".join(unknown), ", ".join(ALL)))
    return names or list(ALL)


def _stdout(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError as e:
        return "unavailable (%s)" % e


def _kill_group(proc, grace=10):
    """Stop a process started in its own session, and everything it started."""
    if proc.poll() is None:
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# -- Chromium -------------------------------------------------------------------

class Chromium:
    name = "chromium"
    packages = "chromium chromium-driver python3-selenium"
    binaries = (CHROMIUM, CHROMEDRIVER)

    def version(self):
        return _stdout([CHROMIUM, "--version"])

    def start(self, hosts):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        _bound_selenium_commands()
        self.profile = tempfile.mkdtemp(prefix="cors-chromium-")
        o = webdriver.ChromeOptions()
        o.binary_location = CHROMIUM
        # No traffic of its own (updates, sync, QUIC probes) in the api's log.
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-proxy-server",
                  "--disable-dev-shm-usage", "--user-data-dir=" + self.profile):
            o.add_argument(a)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        self.driver.set_script_timeout(SCRIPT_TIMEOUT)
        self.driver.set_page_load_timeout(SCRIPT_TIMEOUT)
        return self.driver

    def stop(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


# -- Firefox --------------------------------------------------------------------

def firefox_prefs(hosts):
    return {
        "marionette.port": 0,              # any free port, written to MarionetteActivePort
        "network.dns.localDomains": ",".join(sorted(hosts)),
        "dom.security.https_first": False,  # the lab is plain http
        "dom.security.https_first_schemeless": False,
        "network.proxy.type": 0,
        "browser.shell.checkDefaultBrowser": False,
        "app.update.disabledForTesting": True,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
    }


class Firefox:
    name = "firefox"
    packages = "firefox-esr"
    binaries = (FIREFOX,)

    def version(self):
        return _stdout([FIREFOX, "--version"])

    def start(self, hosts):
        self.profile = tempfile.mkdtemp(prefix="cors-firefox-")
        with open(os.path.join(self.profile, "user.js"), "w") as f:
            for k, v in firefox_prefs(hosts).items():
                f.write("user_pref(%s, %s);\n" % (json.dumps(k), json.dumps(v)))
        self.log = open(os.path.join(self.profile, "firefox.log"), "w")
        # Own session: quitting kills the whole process group (content processes too).
        self.proc = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--marionette", "--profile", self.profile],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            self.driver = Marionette(self._marionette_port(), timeout=COMMAND_TIMEOUT)
            self.caps = self.driver.new_session(SCRIPT_TIMEOUT, SCRIPT_TIMEOUT)
        except Exception:
            self.stop()
            raise
        return self.driver

    def _marionette_port(self, timeout=60):
        path = os.path.join(self.profile, "MarionetteActivePort")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("firefox exited with status %d at startup (log: %s)"
                                   % (self.proc.returncode, self._log_tail()))
            try:
                with open(path) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise RuntimeError("firefox wrote no MarionetteActivePort in %ds (log: %s)"
                           % (timeout, self._log_tail()))

    def _log_tail(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-2000:]

    def stop(self):
        try:
            if getattr(self, "driver", None) is not None:
                self.driver.quit()
        finally:
            _kill_group(self.proc)
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


# -- WebKit ---------------------------------------------------------------------

def start_xvfb():
    """(process, display) of a fresh Xvfb on a free display number."""
    r, w = os.pipe()
    proc = subprocess.Popen([XVFB, "-displayfd", str(w), "-screen", "0", "1280x1024x24",
                             "-nolisten", "tcp"], pass_fds=(w,), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    os.close(w)
    with os.fdopen(r) as f:
        display = f.readline().strip()    # written once the server accepts clients
    if not display:
        _kill_group(proc, grace=0)
        raise RuntimeError("Xvfb did not start")
    return proc, ":" + display


class WebKit:
    name = "webkit"
    packages = "webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb xauth"
    binaries = (WEBKITDRIVER, MINIBROWSER, XVFB)

    def version(self):
        return "WebKitGTK " + _stdout(["dpkg-query", "-W", "-f", "${Version}",
                                       "libwebkit2gtk-4.1-0"])

    def start(self, hosts):
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service
        _bound_selenium_commands()
        self.xvfb, display = start_xvfb()
        o = Options()
        o.binary_location = MINIBROWSER
        o.add_argument("--automation")
        # libsoup finds no registrable domain for *.localhost names
        # (soup_tld_get_base_domain fails; soup-cookie-jar.c's third-party
        # check then compares whole host names), so MiniBrowser's default
        # no-third-party policy would drop the same-site API's cookie. On a
        # real domain page and API are same-site and the default accepts it.
        o.add_argument("--cookies-policy=always")
        # Our own Service: MiniBrowser inherits the driver's environment (the
        # display), and a failed start can stop the driver again.
        self.service = Service(WEBKITDRIVER, env=dict(os.environ, DISPLAY=display))
        self.driver = None
        try:
            self.service.start()
            self.driver = webdriver.Remote(command_executor=self.service.service_url, options=o)
            self.driver.set_script_timeout(SCRIPT_TIMEOUT)
            self.driver.set_page_load_timeout(SCRIPT_TIMEOUT)
        except Exception:
            self.stop()
            raise
        return self.driver

    def stop(self):
        try:
            if self.driver is not None:
                self.driver.quit()
        finally:
            try:
                self.service.stop()
            finally:
                _kill_group(self.xvfb, grace=0)


ENGINES = {e.name: e for e in (Chromium, Firefox, WebKit)}


def missing_binaries(names):
    """["<path> (apt-get install <packages>)", ...] for the engines ``names``."""
    out = []
    for n in names:
        e = ENGINES[n]
        out += ["%s (apt-get install %s)" % (b, e.packages)
                for b in e.binaries if not os.path.exists(b)]
    return out
