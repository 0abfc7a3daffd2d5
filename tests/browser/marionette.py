"""A minimal Marionette client: Firefox's built-in remote protocol.

geckodriver is not packaged in Debian (and npm's geckodriver downloads a
binary at install time), so the suite talks to Firefox directly. A message
is ``<length>:<json>``; a command is ``[0, id, name, params]`` and its answer
``[1, id, error, result]``. Only the handful of commands the suite needs
are wrapped, under the same names selenium's drivers use.
"""

import json
import socket


class MarionetteError(Exception):
    pass


class ConnectionClosed(MarionetteError):
    pass


class Marionette:
    def __init__(self, port, host="127.0.0.1", timeout=60):
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._buf = b""
        self._next_id = 0
        hello = self._recv()
        if hello.get("marionetteProtocol") != 3:
            raise MarionetteError("unexpected Marionette greeting: %r" % (hello,))

    # -- wire format --------------------------------------------------------

    def _recv(self):
        while b":" not in self._buf:
            self._read_more()
        size, rest = self._buf.split(b":", 1)
        size = int(size)
        self._buf = rest
        while len(self._buf) < size:
            self._read_more()
        msg, self._buf = self._buf[:size], self._buf[size:]
        return json.loads(msg)

    def _read_more(self):
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionClosed("Firefox closed the Marionette connection")
        self._buf += chunk

    def command(self, name, params=None):
        """Send one command, return its result (raises on a Marionette error)."""
        self._next_id += 1
        data = json.dumps([0, self._next_id, name, params or {}]).encode()
        self._sock.sendall(b"%d:%s" % (len(data), data))
        while True:
            kind, msg_id, error, result = self._recv()
            if kind == 1 and msg_id == self._next_id:
                break
        if error:
            raise MarionetteError("%s: %s: %s" % (name, error.get("error"), error.get("message")))
        return result

    # -- the WebDriver subset the suite uses ------------------------------------

    def new_session(self, script_timeout=30, page_load_timeout=30):
        caps = self.command("WebDriver:NewSession", {"capabilities": {"alwaysMatch": {}}})
        self.command("WebDriver:SetTimeouts", {"script": script_timeout * 1000,
                                               "pageLoad": page_load_timeout * 1000})
        return caps["capabilities"]

    def get(self, url):
        self.command("WebDriver:Navigate", {"url": url})

    @property
    def current_url(self):
        return self.command("WebDriver:GetCurrentURL")["value"]

    @property
    def page_source(self):
        return self.command("WebDriver:GetPageSource")["value"]

    def execute_script(self, script, *args):
        return self.command("WebDriver:ExecuteScript",
                            {"script": script, "args": list(args)})["value"]

    def execute_async_script(self, script, *args):
        """``script`` ends by calling ``arguments[arguments.length - 1]``."""
        return self.command("WebDriver:ExecuteAsyncScript",
                            {"script": script, "args": list(args)})["value"]

    def quit(self):
        try:
            self.command("Marionette:Quit", {"flags": ["eForceQuit"]})
        except ConnectionClosed:
            pass        # Firefox may exit before it answers: that is a quit too
        finally:
            self._sock.close()
