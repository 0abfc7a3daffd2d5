#!/usr/bin/python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""mod_cors performance benchmark (issue 5). Run it through bench/run.sh.

Starts Debian's apache2 (event MPM, generated configs, 127.0.0.1, free
ports) with no CORS (baseline), the mod_headers/SetEnvIf/RewriteRule recipe
and mod_cors, drives each with wrk (-t1 -c32) in alternating rounds
(A B C A B C ...), and prints medians and ratios. Then runs ``apache2 -X``
(prefork) under ``valgrind --tool=callgrind`` for a fixed number of
requests per workload and reports instructions per request: inside
mod_cors.so (self cost of the module's own code) and for the whole request
(everything httpd executes while processing the connection), which is a
repeatable stand-in for the throughput ratios on a noisy machine.

Targets are printed with PASS/MISS; the exit status never depends on them
(a benchmark, not a test). Exit status 1 means the benchmark itself could
not run (a server did not start, wrk or valgrind missing, ...).

Only the Python standard library is used; run with Debian's /usr/bin/python3.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

# --------------------------------------------------------------------------
# Policies and requests

ORIGIN_OK = "https://app.example.com"
ORIGIN_BAD = "https://evil.example.org"
N_EXACT, N_WILD, N_REGEX = 10000, 100, 10
BIG_EXACT = ["https://o%05d.example.com" % i for i in range(N_EXACT)]
BIG_WILD = ["https://*.w%03d.example.net" % i for i in range(N_WILD)]
BIG_REGEX = [r"https://r%d-[a-z0-9]+\.example\.io" % i for i in range(N_REGEX)]
ORIGIN_END = BIG_EXACT[-1]                    # last entry of the exact list
ORIGIN_WILD = "https://app.w%03d.example.net" % (N_WILD - 1)
ORIGIN_OUT = "https://nope.example.org"       # in none of the lists
ORIGIN_EXTRA = "https://extra.example.com"    # added by .htaccess with "+"
DATA = b'{"ok":true}\n'                       # the 12-byte static JSON file
assert len(DATA) == 12

ACRH_ONE = "x-requested-with"
HOSTILE_FIELD_LIMIT = 70000   # LimitRequestFieldSize in the hostile instances


def names_64k():
    out, i = [], 0
    size = 0
    while True:
        name = "x-h%05d" % i
        add = len(name) + (1 if out else 0)
        if size + add > 65536:
            break
        out.append(name)
        size += add
        i += 1
    s = ",".join(out)
    return s + "," * (65536 - len(s))


HOSTILE_ORIGIN = "https://" + "a" * (7 * 1024 - len("https://.example.com")) + ".example.com"
assert len(HOSTILE_ORIGIN) == 7 * 1024


def preflight(origin=ORIGIN_OK, acrh=ACRH_ONE, method="PUT"):
    h = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if acrh is not None:
        h.append(("Access-Control-Request-Headers", acrh))
    return ("OPTIONS", h)


def get(origin=None):
    return ("GET", [("Origin", origin)] if origin else [])


# The mod_cors policy equivalent to the recipe.
CORS_SMALL = """\
    CORSAllowOrigin %s
    CORSAllowMethods GET HEAD POST PUT
    CORSAllowHeaders X-Requested-With
""" % ORIGIN_OK

# Today's recipe: reflect an allowlisted Origin, answer every OPTIONS 204.
RECIPE = r"""
    SetEnvIf Origin "^(https://app\.example\.com)$" ORIGIN=$1
    Header always set Access-Control-Allow-Origin "%{ORIGIN}e" env=ORIGIN
    Header always merge Vary Origin
    RewriteEngine On
    RewriteCond %{REQUEST_METHOD} OPTIONS
    RewriteRule ^ - [R=204,L,E=PREFLIGHT:1]
    Header always set Access-Control-Allow-Methods "GET, HEAD, POST, PUT" env=PREFLIGHT
    Header always set Access-Control-Allow-Headers "X-Requested-With" env=PREFLIGHT
"""


def cors_policy_lines(origins, wild=(), regex=()):
    lines = []
    # 50 values a line: httpd hands a TAKE_ARGV directive at most 64
    # arguments and silently drops the rest (MAX_ARGV in server/config.c)
    for i in range(0, len(origins), 50):
        lines.append("    CORSAllowOrigin " + " ".join(origins[i:i + 50]))
    for i in range(0, len(wild), 50):
        lines.append("    CORSAllowOrigin " + " ".join(wild[i:i + 50]))
    for r in regex:
        lines.append("    CORSAllowOriginMatch " + r)
    lines.append("    CORSAllowMethods GET HEAD POST PUT")
    lines.append("    CORSAllowHeaders X-Requested-With")
    return "\n".join(lines) + "\n"


BIG_POLICY = cors_policy_lines(BIG_EXACT, BIG_WILD, BIG_REGEX)

INHERIT_DIRS = {
    # name: (AllowOverride, .htaccess content or None)
    "noht": ("None", None),
    "emptyht": ("FileInfo", ""),
    "ctlht": ("FileInfo", "AddType application/json .json\n"),
    "plusht": ("FileInfo", "CORSAllowOrigin +%s\n" % ORIGIN_EXTRA),
}

# Origin files (workload 6): a million origins in a text file and in a
# DBM, ORIGIN_END among them, made once per run in the work directory.
N_FILE = 1000000
FILE_DBM_TYPE = "gdbm"


def file_origins(n=N_FILE):
    for i in range(n - 1):
        yield "https://t%07d.tenants.example" % i
    yield ORIGIN_END


def make_origin_files(top):
    """@TOP@/origins-1m.txt and @TOP@/origins-1m.dbm (once per work dir)."""
    txt = os.path.join(top, "origins-1m.txt")
    dbm = os.path.join(top, "origins-1m.dbm")
    if not os.path.exists(txt):
        with open(txt, "w") as f:
            f.write("# bench: %d origins\n" % N_FILE)
            for o in file_origins():
                f.write(o + "\n")
        os.chmod(txt, 0o644)
    if not os.path.exists(dbm):
        src = dbm + ".src"
        with open(src, "w") as f:
            for o in file_origins():
                f.write(o + " 1\n")
        subprocess.run(["httxt2dbm", "-f", FILE_DBM_TYPE.upper(), "-i", src, "-o", dbm],
                       check=True, capture_output=True)
        os.unlink(src)
        os.chmod(dbm, 0o644)
    return txt, dbm


FILE_TAIL = """    CORSAllowMethods GET HEAD POST PUT
    CORSAllowHeaders X-Requested-With
"""

# name -> (vhost body, load mod_cors, extra server config, docs dirs)
INSTANCES = {
    "file-1m": ("    CORSAllowOriginFile @TOP@/origins-1m.txt\n" + FILE_TAIL, True,
                "CORSAllowOriginFileCheck 1\nLogLevel warn cors:info\n", None),
    "dbm-1m": ("    CORSAllowOriginFile dbm=%s:@TOP@/origins-1m.dbm\n" % FILE_DBM_TYPE
               + FILE_TAIL, True, "CORSAllowOriginFileCheck 1\n", None),
    "baseline": ("", False, "", None),
    "recipe": (RECIPE, False, "", None),
    "cors": (CORS_SMALL, True, "", None),
    "one-exact": (cors_policy_lines([ORIGIN_END]), True, "", None),
    "one-wild": (cors_policy_lines([], [BIG_WILD[-1]]), True, "", None),
    "big": (BIG_POLICY, True, "", None),
    "inherit": (BIG_POLICY, True, "", INHERIT_DIRS),
    "hostile": (CORS_SMALL, True,
                "LimitRequestFieldSize %d\n" % HOSTILE_FIELD_LIMIT, None),
    "hostile-base": ("", False,
                     "LimitRequestFieldSize %d\n" % HOSTILE_FIELD_LIMIT, None),
}

# A cell: (id, instance, label, path, (method, headers), expected status,
#          expected Access-Control-Allow-Origin or None for absent)
P = "/data.json"
W1 = [
    ("base-ok", "baseline", "baseline  GET allowed origin", P, get(ORIGIN_OK), 200, None),
    ("recipe-ok", "recipe", "recipe    GET allowed origin", P, get(ORIGIN_OK), 200, ORIGIN_OK),
    ("cors-ok", "cors", "mod_cors  GET allowed origin", P, get(ORIGIN_OK), 200, ORIGIN_OK),
    ("base-bad", "baseline", "baseline  GET refused origin", P, get(ORIGIN_BAD), 200, None),
    ("recipe-bad", "recipe", "recipe    GET refused origin", P, get(ORIGIN_BAD), 200, None),
    ("cors-bad", "cors", "mod_cors  GET refused origin", P, get(ORIGIN_BAD), 200, None),
    ("base-none", "baseline", "baseline  GET no Origin", P, get(), 200, None),
    ("recipe-none", "recipe", "recipe    GET no Origin", P, get(), 200, None),
    ("cors-none", "cors", "mod_cors  GET no Origin", P, get(), 200, None),
]
W2 = [
    ("base-pf", "baseline", "baseline  OPTIONS (core answers, no CORS)", P, preflight(), 200, None),
    ("recipe-pf", "recipe", "recipe    preflight (answered unvalidated)", P, preflight(), 204, ORIGIN_OK),
    ("cors-pf", "cors", "mod_cors  preflight (validated)", P, preflight(), 204, ORIGIN_OK),
]
W3 = [
    ("one-exact", "one-exact", "1 origin       exact hit", P, get(ORIGIN_END), 200, ORIGIN_END),
    ("big-exact", "big", "10k+100w+10re  exact hit (last)", P, get(ORIGIN_END), 200, ORIGIN_END),
    ("one-wild", "one-wild", "1 wildcard     wildcard hit", P, get(ORIGIN_WILD), 200, ORIGIN_WILD),
    ("big-wild", "big", "10k+100w+10re  wildcard hit", P, get(ORIGIN_WILD), 200, ORIGIN_WILD),
    ("one-out", "one-exact", "1 origin       not in list", P, get(ORIGIN_OUT), 200, None),
    ("big-out", "big", "10k+100w+10re  not in list", P, get(ORIGIN_OUT), 200, None),
]
W4 = [
    ("inh-noht", "inherit", "10k vhost list, AllowOverride None", "/noht" + P, get(ORIGIN_END), 200, ORIGIN_END),
    ("inh-emptyht", "inherit", "10k vhost list, empty .htaccess", "/emptyht" + P, get(ORIGIN_END), 200, ORIGIN_END),
    ("inh-ctlht", "inherit", "10k vhost list, .htaccess AddType (control)", "/ctlht" + P, get(ORIGIN_END), 200, ORIGIN_END),
    ("inh-plusht", "inherit", "10k vhost list, .htaccess CORSAllowOrigin +x", "/plusht" + P, get(ORIGIN_END), 200, ORIGIN_END),
]
W5 = [
    ("h-normal", "hostile", "mod_cors  normal preflight", P, preflight(), 204, ORIGIN_OK),
    ("h-commas", "hostile", "mod_cors  ACRH 6,000 commas", P, preflight(acrh="," * 6000), 403, None),
    ("h-names", "hostile", "mod_cors  ACRH 64 KiB of names", P, preflight(acrh=names_64k()), 403, None),
    ("h-origin", "hostile", "mod_cors  7 KiB Origin", P, preflight(origin=HOSTILE_ORIGIN), 403, None),
    ("hb-normal", "hostile-base", "no CORS   normal preflight", P, preflight(), 200, None),
    ("hb-commas", "hostile-base", "no CORS   ACRH 6,000 commas", P, preflight(acrh="," * 6000), 200, None),
    ("hb-names", "hostile-base", "no CORS   ACRH 64 KiB of names", P, preflight(acrh=names_64k()), 200, None),
    ("hb-origin", "hostile-base", "no CORS   7 KiB Origin", P, preflight(origin=HOSTILE_ORIGIN), 200, None),
]
W6 = [
    ("f-one", "one-exact", "1 origin (CORSAllowOrigin)   exact hit", P, get(ORIGIN_END), 200,
     ORIGIN_END),
    ("f-file", "file-1m", "1M-origin text file          exact hit", P, get(ORIGIN_END), 200,
     ORIGIN_END),
    ("f-dbm", "dbm-1m", "1M-origin DBM (%s)         exact hit" % FILE_DBM_TYPE, P,
     get(ORIGIN_END), 200, ORIGIN_END),
    ("f-file-out", "file-1m", "1M-origin text file          not listed", P, get(ORIGIN_OUT),
     200, None),
    ("f-dbm-out", "dbm-1m", "1M-origin DBM                not listed", P, get(ORIGIN_OUT),
     200, None),
]
WORKLOADS = [
    ("1. GET", W1),
    ("2. Preflight, one requested header", W2),
    ("3. Policy size (mod_cors)", W3),
    ("4. .htaccess inheritance of the 10k list (mod_cors)", W4),
    ("5. Hostile preflights (LimitRequestFieldSize %d)" % HOSTILE_FIELD_LIMIT, W5),
    ("6. Origin files, 1,000,000 origins (CORSAllowOriginFile)", W6),
]
CELLS = {c[0]: c for _, cells in WORKLOADS for c in cells}

# Callgrind workloads: which cells to replay, grouped by instance.
CALLGRIND = [
    ("baseline", ["base-ok", "base-bad", "base-none", "base-pf"]),
    ("recipe", ["recipe-ok", "recipe-bad", "recipe-none", "recipe-pf"]),
    ("cors", ["cors-ok", "cors-bad", "cors-none", "cors-pf"]),
    ("one-exact", ["one-exact", "one-out"]),
    ("one-wild", ["one-wild"]),
    ("big", ["big-exact", "big-wild", "big-out"]),
    ("inherit", ["inh-noht", "inh-emptyht", "inh-ctlht", "inh-plusht"]),
    ("hostile", ["h-normal", "h-commas", "h-names", "h-origin"]),
    ("hostile-base", ["hb-normal", "hb-commas", "hb-names", "hb-origin"]),
    ("file-1m", ["f-file", "f-file-out"]),
    ("dbm-1m", ["f-dbm", "f-dbm-out"]),
]

# --------------------------------------------------------------------------
# Issue 15: whole-request instruction targets, one request per connection.
# The policy is the one the targets are stated for (two origins, four
# methods, two headers, credentials, max-age); "hard" writes the headers
# mod_cors grants a GET as constants, "trecipe" is the SetEnvIf recipe for
# the same policy (its preflight answered unvalidated by a RewriteRule).

ORIGIN_OK2 = "https://admin.example.com"
CORS_TARGET = """\
    CORSAllowOrigin %s %s
    CORSAllowMethods GET HEAD POST PUT
    CORSAllowHeaders X-Requested-With Content-Type
    CORSAllowCredentials On
    CORSMaxAge 600
""" % (ORIGIN_OK, ORIGIN_OK2)

# The same four headers mod_cors sends on the granted GET, as constants.
HARD_HEADERS = [
    ("Access-Control-Allow-Origin", ORIGIN_OK),
    ("Access-Control-Allow-Credentials", "true"),
    ("Vary", "Origin"),
]
HARD = "".join('    Header always set %s "%s"\n' % hv for hv in HARD_HEADERS)

TRECIPE = r"""
    SetEnvIf Origin "^(https://(app|admin)\.example\.com)$" ORIGIN=$1
    Header always set Access-Control-Allow-Origin "%{ORIGIN}e" env=ORIGIN
    Header always set Access-Control-Allow-Credentials "true" env=ORIGIN
    Header always merge Vary Origin
    RewriteEngine On
    RewriteCond %{REQUEST_METHOD} OPTIONS
    RewriteRule ^ - [R=204,L,E=PREFLIGHT:1]
    Header always set Access-Control-Allow-Methods "GET, HEAD, POST, PUT" env=PREFLIGHT
    Header always set Access-Control-Allow-Headers "X-Requested-With, Content-Type" env=PREFLIGHT
    Header always set Access-Control-Max-Age "600" env=PREFLIGHT
"""

TARGET_INSTANCES = {
    "tbase": ("", False, "", None),
    "hard": (HARD, False, "", None),
    "trecipe": (TRECIPE, False, "", None),
    "tcors": (CORS_TARGET, True, "", None),
}
INSTANCES.update(TARGET_INSTANCES)

T_PF = preflight(acrh="x-requested-with")
TARGET_CELLS = [
    ("t-base-ok", "tbase", "no CORS   GET allowed origin", P, get(ORIGIN_OK), 200, None),
    ("t-hard-ok", "hard", "hard-coded GET allowed origin", P, get(ORIGIN_OK), 200, ORIGIN_OK),
    ("t-recipe-ok", "trecipe", "recipe    GET allowed origin", P, get(ORIGIN_OK), 200, ORIGIN_OK),
    ("t-cors-ok", "tcors", "mod_cors  GET allowed origin", P, get(ORIGIN_OK), 200, ORIGIN_OK),
    ("t-base-bad", "tbase", "no CORS   GET refused origin", P, get(ORIGIN_BAD), 200, None),
    ("t-cors-bad", "tcors", "mod_cors  GET refused origin", P, get(ORIGIN_BAD), 200, None),
    ("t-base-none", "tbase", "no CORS   GET no Origin", P, get(), 200, None),
    ("t-cors-none", "tcors", "mod_cors  GET no Origin", P, get(), 200, None),
    ("t-base-pf", "tbase", "no CORS   OPTIONS (core answers)", P, T_PF, 200, None),
    ("t-recipe-pf", "trecipe", "recipe    preflight (unvalidated)", P, T_PF, 204, ORIGIN_OK),
    ("t-cors-pf", "tcors", "mod_cors  preflight (validated)", P, T_PF, 204, ORIGIN_OK),
]
CELLS.update({c[0]: c for c in TARGET_CELLS})
TARGET_CALLGRIND = [
    ("tbase", ["t-base-ok", "t-base-bad", "t-base-none", "t-base-pf"]),
    ("hard", ["t-hard-ok"]),
    ("trecipe", ["t-recipe-ok", "t-recipe-pf"]),
    ("tcors", ["t-cors-ok", "t-cors-bad", "t-cors-none", "t-cors-pf"]),
]
# Connections per target cell: the count per connection is deterministic
# to a few instructions, the median of these is the figure.
TARGET_CONNECTIONS = 9
TARGET_WARMUP = 2

# Entry points httpd calls into mod_cors (hooks, filter, provider, per-dir
# create/merge, directive handlers run while reading a .htaccess).
ENTRY_POINTS = re.compile(
    r"^(cors_fixups|cors_access_checker_ex|cors_insert_filter|"
    r"cors_insert_error_filter|cors_output_filter|"
    r"cors_preflight_check_authorization|(cors_)?create_dir_conf|(cors_)?merge_dir_conf|"
    r"set_[a-z_]+)$")

# --------------------------------------------------------------------------
# httpd


def log(msg):
    print(msg, flush=True)


def apxs_query(var):
    apxs = os.environ.get("APXS") or shutil.which("apxs") or shutil.which("apxs2")
    if not apxs:
        raise SystemExit("bench: apxs not found (install apache2-dev or set APXS)")
    return subprocess.run([apxs, "-q", var], check=True, capture_output=True,
                          text=True).stdout.strip()


APACHE = None
MODDIR = None
BUILTIN = set()


def init_httpd():
    global APACHE, MODDIR, BUILTIN
    APACHE = os.environ.get("HTTPD") or os.path.join(
        apxs_query("SBINDIR"), apxs_query("PROGNAME") or "httpd")
    MODDIR = apxs_query("LIBEXECDIR")
    out = subprocess.run([APACHE, "-l"], capture_output=True, text=True).stdout
    BUILTIN = {m[:-2] for m in re.findall(r"\b(mod_\w+\.c)\b", out)}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One generated httpd.conf in its own directory, on a free port."""

    def __init__(self, top, name, so, mpm="event"):
        body, load_cors, extra, dirs = INSTANCES[name]
        if "@TOP@" in body:
            make_origin_files(top)
            body = body.replace("@TOP@", top)
        self.name = name
        self.root = os.path.join(top, "%s-%s" % (name, mpm))
        self.docroot = os.path.join(self.root, "htdocs")
        os.makedirs(os.path.join(self.root, "logs"), exist_ok=True)
        os.makedirs(self.docroot, exist_ok=True)
        self.port = free_port()
        self.proc = None
        self.mpm = mpm
        self._write(self.docroot, "data.json", DATA)
        dir_conf = ""
        for d, (override, htaccess) in sorted((dirs or {}).items()):
            path = os.path.join(self.docroot, d)
            os.makedirs(path, exist_ok=True)
            self._write(path, "data.json", DATA)
            if htaccess is not None:
                self._write(path, ".htaccess", htaccess.encode())
            dir_conf += ('<Directory "%s">\n    AllowOverride %s\n</Directory>\n'
                         % (path, override))
        for dirpath, _, _ in os.walk(self.root):
            os.chmod(dirpath, 0o755)
        os.chmod(os.path.join(self.root, "logs"), 0o777)
        mods = ["mpm_" + mpm, "authz_core", "mime", "dir", "setenvif", "headers",
                "rewrite", "env"]
        load = ["LoadModule %s_module %s/mod_%s.so" % (m, MODDIR, m)
                for m in mods if "mod_" + m not in BUILTIN]
        if load_cors:
            load.append("LoadModule cors_module %s" % so)
        user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        if mpm == "event":
            mpm_conf = ("StartServers 1\nServerLimit 1\nThreadLimit 64\n"
                        "ThreadsPerChild 64\nMaxRequestWorkers 64\n"
                        "MinSpareThreads 1\nMaxSpareThreads 64\n")
        else:
            mpm_conf = "StartServers 1\nMaxRequestWorkers 1\n"
        conf = """# generated by bench/bench.py (%(name)s)
ServerRoot "%(root)s"
DefaultRuntimeDir "%(root)s"
PidFile "%(root)s/httpd.pid"
Mutex file:%(root)s default
Listen 127.0.0.1:%(port)d
ServerName 127.0.0.1
%(load)s
%(user)s%(mpm_conf)sTimeout 30
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
ErrorLog "%(root)s/logs/error_log"
LogLevel warn
TypesConfig /etc/mime.types
AddDefaultCharset Off
%(extra)s<Directory />
    AllowOverride None
    Require all denied
</Directory>
DocumentRoot "%(docroot)s"
<Directory "%(docroot)s">
    Options FollowSymLinks
    AllowOverride None
    Require all granted
</Directory>
%(dir_conf)s<Files ".ht*">
    Require all denied
</Files>
<VirtualHost 127.0.0.1:%(port)d>
    ServerName 127.0.0.1
%(body)s</VirtualHost>
""" % dict(name=name, root=self.root, port=self.port, load="\n".join(load),
           user=user, mpm_conf=mpm_conf, extra=extra, docroot=self.docroot,
           dir_conf=dir_conf, body=body)
        self.conf = os.path.join(self.root, "httpd.conf")
        with open(self.conf, "w") as f:
            f.write(conf)

    @staticmethod
    def _write(d, name, data):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _check_conf(self):
        p = subprocess.run([APACHE, "-d", self.root, "-f", self.conf, "-t"],
                           capture_output=True, text=True, errors="replace")
        if p.returncode != 0:
            raise RuntimeError("configtest failed for %s:\n%s" % (self.name, p.stdout + p.stderr))

    def start(self, prefix=(), timeout=20, extra_args=("-DFOREGROUND",)):
        self._check_conf()
        cmd = list(prefix) + [APACHE, "-d", self.root, "-f", self.conf] + list(extra_args)
        self.out = open(os.path.join(self.root, "logs", "stdout"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("httpd %s exited at start (rc %s): %s\n%s" % (
                    self.name, self.proc.returncode, self._tail("stdout"),
                    self._tail("error_log")))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("httpd %s did not listen within %d s" % (self.name, timeout))

    def _tail(self, log_name):
        try:
            with open(os.path.join(self.root, "logs", log_name), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self, timeout=60):
        if not self.proc:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        self.out.close()

    def error_lines(self):
        return [l for l in self._tail("error_log").splitlines()
                if re.search(r"\[(\w+:)?(emerg|alert|crit|error)\]", l)]


    def cpu_ticks(self):
        """utime+stime (clock ticks) of the server and its children."""
        if not self.proc:
            return 0
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # fields[1] is ppid; utime, stime are fields 14 and 15 of stat
            if int(pid) == self.proc.pid or int(fields[1]) == self.proc.pid:
                total += int(fields[11]) + int(fields[12])
        return total


def send(conn, method, path, headers):
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in headers:
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    resp.read()
    return resp


def sanity(server, cell):
    """One request: does the cell measure what its label says?"""
    cid, _, label, path, (method, headers), status, acao = cell
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        r = send(conn, method, path, headers)
    finally:
        conn.close()
    got = r.getheader("Access-Control-Allow-Origin")
    problems = []
    if r.status != status:
        problems.append("status %d, expected %d" % (r.status, status))
    if got != acao:
        problems.append("Access-Control-Allow-Origin %r, expected %r" % (got, acao))
    return problems


# --------------------------------------------------------------------------
# wrk


def lua_string(s):
    level = "=" * 3
    assert "]%s]" % level not in s
    return "[%s[%s]%s]" % (level, s, level)


def write_lua(top, cell):
    cid, _, _, _, (method, headers), _, _ = cell
    lines = ['wrk.method = "%s"' % method]
    for k, v in headers:
        lines.append("wrk.headers[%s] = %s" % (lua_string(k), lua_string(v)))
    path = os.path.join(top, "lua", cid + ".lua")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


TICK = os.sysconf("SC_CLK_TCK")


def run_wrk(url, script, duration):
    cmd = ["wrk", "-t1", "-c32", "-d%ds" % duration, "--timeout", "10s",
           "-s", script, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    m = re.search(r"Requests/sec:\s*([\d.]+)", p.stdout)
    if p.returncode != 0 or not m:
        raise RuntimeError("wrk failed (%s): %s %s" % (" ".join(cmd), p.stdout, p.stderr))
    count = re.search(r"(\d+) requests in", p.stdout)
    errors = re.search(r"Socket errors:(.*)", p.stdout)
    return float(m.group(1)), int(count.group(1)) if count else 0, \
        errors.group(1).strip() if errors else ""


def bench_workload(top, so, title, cells, rounds, duration, warmup, results):
    log("\n== %s ==" % title)
    servers = {}
    try:
        for inst in dict.fromkeys(c[1] for c in cells):
            servers[inst] = Server(top, inst, so).start()
        scripts = {}
        for c in cells:
            problems = sanity(servers[c[1]], c)
            results["sanity"][c[0]] = problems
            if problems:
                log("  SANITY MISMATCH %s (%s): %s" % (c[0], c[2].strip(), "; ".join(problems)))
            scripts[c[0]] = write_lua(top, c)
        if warmup:
            for c in cells:
                run_wrk(servers[c[1]].url(c[3]), scripts[c[0]], warmup)
        samples = {c[0]: [] for c in cells}
        cpu = {c[0]: [] for c in cells}
        notes = {}
        for rnd in range(rounds):
            for c in cells:
                srv = servers[c[1]]
                t0 = srv.cpu_ticks()
                rps, count, errs = run_wrk(srv.url(c[3]), scripts[c[0]], duration)
                samples[c[0]].append(rps)
                if count:
                    cpu[c[0]].append((srv.cpu_ticks() - t0) * 1e6 / TICK / count)
                if errs:
                    notes[c[0]] = "socket errors: " + errs
            log("  round %d/%d done" % (rnd + 1, rounds))
        for c in cells:
            s = samples[c[0]]
            med = statistics.median(s)
            cmed = statistics.median(cpu[c[0]]) if cpu[c[0]] else None
            results["wrk"][c[0]] = {"median": med, "samples": s,
                                    "cpu_us": cmed, "cpu_samples": cpu[c[0]]}
            log("  %-50s %8.0f req/s (min %6.0f, max %6.0f)  httpd CPU %5.1f us/req%s" % (
                c[2], med, min(s), max(s), cmed or 0,
                "  [" + notes[c[0]] + "]" if c[0] in notes else ""))
        for inst, srv in servers.items():
            errs = srv.error_lines()
            if errs:
                log("  error_log of %s: %s" % (inst, " | ".join(errs[-3:])))
    finally:
        for srv in servers.values():
            srv.stop()


# --------------------------------------------------------------------------
# callgrind

ANNOTATE_LINE = re.compile(
    r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\*\s+|>\s+)?(.+?):([^\s:]+?)(?:'\d+)?"
    r"(?: \(([\d,]+)x\))?\s+\[(.+)\]\s*$")
TOTAL_LINE = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?PROGRAM TOTALS")


def annotate(path, inclusive):
    """PROGRAM TOTALS and [(Ir, file, function, object, callees)], where
    callees (inclusive mode only) is [(Ir, function, object)]."""
    cmd = ["callgrind_annotate", "--threshold=100", "--auto=no", "--show-percs=no"]
    cmd += ["--inclusive=yes", "--tree=calling"] if inclusive else ["--inclusive=no"]
    p = subprocess.run(cmd + [path], capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        raise RuntimeError("callgrind_annotate failed: " + p.stderr)
    total, funcs = 0, []
    for line in p.stdout.splitlines():
        m = TOTAL_LINE.match(line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = ANNOTATE_LINE.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        mark = (m.group(2) or "").strip()
        if mark == ">":
            if funcs:
                funcs[-1][4].append((ir, m.group(4), m.group(6)))
        else:
            funcs.append((ir, m.group(3), m.group(4), m.group(6), []))
    return total, funcs


def wait_dump(outdir, before, timeout=120):
    """The dump callgrind writes when ap_process_connection returns."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = sorted(set(os.listdir(outdir)) - before)
        if new:
            path = os.path.join(outdir, new[-1])
            size = -1
            while time.time() < deadline:   # until fully written
                time.sleep(0.3)
                cur = os.path.getsize(path)
                if cur == size and cur > 0:
                    with open(path, "rb") as f:
                        f.seek(max(0, cur - 200))
                        if b"totals:" in f.read():
                            return path
                size = cur
        time.sleep(0.1)
    raise RuntimeError("no callgrind dump appeared in %s" % outdir)


def replay(port, cell, n):
    _, _, _, path, (method, headers), status, _ = cell
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    bad = 0
    try:
        for _ in range(n):
            r = send(conn, method, path, headers)
            if r.status != status:
                bad += 1
            if r.will_close:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    finally:
        conn.close()
    return bad


def so_matches(obj, so):
    return os.path.basename(obj) == os.path.basename(so) or obj == so


def callgrind_run(top, so, n, results, instances=None):
    log("\n== Instructions per request (valgrind --tool=callgrind, apache2 -X, "
        "prefork, %d requests per workload, counted inside ap_process_connection) ==" % n)
    cg = results["callgrind"]
    for inst, cids in CALLGRIND:
        if instances and inst not in instances:
            continue
        srv = Server(top, inst, so, mpm="prefork")
        outdir = os.path.join(srv.root, "cg")
        os.makedirs(outdir)
        os.chmod(outdir, 0o777)
        # Count only inside ap_process_connection (no config parsing) and
        # dump when it returns: one connection per workload, one dump each.
        prefix = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                  "--toggle-collect=ap_process_connection",
                  "--dump-after=ap_process_connection", "--vgdb=no",
                  "--callgrind-out-file=%s/callgrind.out" % outdir]
        t0 = time.time()
        srv.start(prefix=prefix, timeout=600, extra_args=["-X"])
        log("  [%s: apache2 -X under callgrind listening after %.0f s]" % (inst, time.time() - t0))
        try:
            for cid in cids:
                cell = CELLS[cid]
                # a warm-up connection (first-request allocations), then
                # the measured one; each ends in its own dump
                for count in (3, n):
                    before = set(os.listdir(outdir))
                    bad = replay(srv.port, cell, count)
                    dump = wait_dump(outdir, before)
                final = os.path.join(top, "callgrind.%s.out" % cid)
                shutil.move(dump, final)
                total, self_funcs = annotate(final, inclusive=False)
                _, incl_funcs = annotate(final, inclusive=True)
                mod_self = [(ir, f, fn) for ir, f, fn, obj, _ in self_funcs
                            if so_matches(obj, so)]
                # inclusive cost of the entry points, less what the output
                # filter's ap_pass_brigade spends in the filters below it
                entry = [(ir - sum(c for c, cfn, _ in callees
                                   if cfn.startswith("ap_pass_brigade")), fn)
                         for ir, f, fn, obj, callees in incl_funcs
                         if so_matches(obj, so) and ENTRY_POINTS.match(fn)]
                # the server-status counters: cors_count_decision with
                # what it calls (one atomic increment)
                count = [ir for ir, f, fn, obj, _ in incl_funcs
                         if so_matches(obj, so) and fn == "cors_count_decision"]
                cg[cid] = {
                    "count_per_req": sum(count) / n,
                    "requests": n,
                    "bad_status": bad,
                    "total_per_req": total / n,
                    "self_per_req": sum(ir for ir, _, _ in mod_self) / n,
                    "incl_per_req": sum(ir for ir, _ in entry) / n,
                    "top_self": [(ir / n, "%s:%s" % (os.path.basename(f), fn))
                                 for ir, f, fn in sorted(mod_self, reverse=True)[:6]],
                    "entry": [(ir / n, fn) for ir, fn in sorted(entry, reverse=True)],
                    "file": final,
                }
                if bad:
                    log("  WARNING %s: %d of %d responses had an unexpected status" % (cid, bad, n))
                log("  %-52s %9.0f instr/req in mod_cors.so (self), %9.0f incl. "
                    "APR/httpd calls; whole request %9.0f" % (
                        CELLS[cid][2], cg[cid]["self_per_req"], cg[cid]["incl_per_req"],
                        cg[cid]["total_per_req"]))
        finally:
            srv.stop(timeout=120)


# --------------------------------------------------------------------------
# Origin files: memory per process and reload time (workload 6)


def child_pids(srv):
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/stat" % pid) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == srv.proc.pid:
                        out.append(int(pid))
            except (OSError, ValueError, IndexError):
                pass
    return out


def memory_of(pid):
    """kB: VmRSS, Pss and Private (clean+dirty) of one process."""
    mem = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                mem["rss"] = int(line.split()[1])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Pss", "Private_Clean", "Private_Dirty"):
                mem[k] = int(v.split()[0])
    mem["private"] = mem.pop("Private_Clean", 0) + mem.pop("Private_Dirty", 0)
    mem["pss"] = mem.pop("Pss", 0)
    return mem


def warm(srv, origin, n=200):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    for _ in range(n):
        send(conn, "GET", P, get(origin)[1])
    conn.close()


def reload_ms(srv, txt, since):
    """Touch the file the documented way, then request until the child logs
    its reload; returns the milliseconds it logged."""
    with open(txt) as f:
        text = f.read()
    with open(txt + ".new", "w") as f:
        f.write(text + "# reloaded %f\n" % time.time())
    os.chmod(txt + ".new", 0o644)
    os.rename(txt + ".new", txt)
    deadline = time.time() + 120
    while time.time() < deadline:
        warm(srv, ORIGIN_END, 1)
        log_text = srv._tail("error_log")
        found = re.findall(r"reloaded '.*' \((\d+) entries\) in (\d+) ms", log_text)
        if len(found) > since:
            return int(found[-1][1]), int(found[-1][0])
        time.sleep(0.2)
    raise RuntimeError("no reload logged")


def origin_file_figures(top, so, results):
    log("\n== Origin files: configtest and reload time, memory per process "
        "(event MPM, one child) ==")
    txt, _ = make_origin_files(top)
    out = results["origin_files"] = {}
    for inst in ("one-exact", "file-1m", "dbm-1m"):
        srv = Server(top, inst, so)
        t0 = time.time()
        srv._check_conf()
        out[inst + "-configtest-s"] = time.time() - t0
        srv.start(timeout=300)
        try:
            warm(srv, ORIGIN_END)
            time.sleep(0.5)
            kids = child_pids(srv)
            out[inst + "-mem"] = memory_of(kids[0]) if kids else None
            out[inst + "-parent-mem"] = memory_of(srv.proc.pid)
            log("  %-10s configtest %6.2f s; child VmRSS %7d kB, PSS %7d kB, private %7d kB;"
                " parent VmRSS %7d kB" % (
                    inst, out[inst + "-configtest-s"], out[inst + "-mem"]["rss"],
                    out[inst + "-mem"]["pss"], out[inst + "-mem"]["private"],
                    out[inst + "-parent-mem"]["rss"]))
            if inst == "file-1m":
                times = []
                for i in range(3):
                    ms, entries = reload_ms(srv, txt, i)
                    times.append(ms)
                    time.sleep(1.1)
                out["reload-ms"] = times
                log("  reload of the %d-line file in the child: %s ms (median %d ms)" % (
                    entries, ", ".join(str(t) for t in times), statistics.median(times)))
                warm(srv, ORIGIN_END)
                kids = child_pids(srv)
                out["file-1m-mem-after-reload"] = memory_of(kids[0]) if kids else None
                m = out["file-1m-mem-after-reload"]
                log("  file-1m    after 3 reloads:  child VmRSS %7d kB, PSS %7d kB, private "
                    "%7d kB" % (m["rss"], m["pss"], m["private"]))
        finally:
            srv.stop()

# Issue 15: whole-request counts, one request per connection


def send_closing(port, cell):
    """One request on its own connection (Connection: close): httpd does
    not wait for a next request, so ap_process_connection holds exactly
    one request. Returns (status, [(name, value)])."""
    _, _, _, path, (method, headers), _, _ = cell
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        r = send(conn, method, path, list(headers) + [("Connection", "close")])
        return r.status, r.getheaders()
    finally:
        conn.close()


DUMP_TOTAL = re.compile(rb"^(?:totals|summary):\s*(\d+)", re.M)


def wait_dumps(outdir, before, count, timeout=300):
    """The `count` complete dumps that appeared in outdir since `before`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = [os.path.join(outdir, f) for f in set(os.listdir(outdir)) - before]
        done = []
        for path in new:
            with open(path, "rb") as f:
                f.seek(max(0, os.path.getsize(path) - 200))
                if b"totals:" in f.read():
                    done.append(path)
        if len(done) >= count:
            return sorted(done, key=os.path.getmtime)
        time.sleep(0.3)
    raise RuntimeError("only %d of %d callgrind dumps appeared in %s" % (
        len(done), count, outdir))


def dump_total(path):
    with open(path, "rb") as f:
        m = DUMP_TOTAL.findall(f.read())
    if not m:
        raise RuntimeError("no totals in %s" % path)
    return int(m[-1])


def cors_headers(headers):
    return sorted((k.lower(), v) for k, v in headers
                  if k.lower().startswith("access-control-") or k.lower() == "vary")


CALL_LINE = re.compile(
    r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?([<>*])\s+(.+?):([^\s:]+?)(?:'\d+)?"
    r"(?: \(([\d,]+)x\))?\s+\[(.+)\]\s*$")
# Libraries that call back into mod_cors only from inside its own calls
# (apr_table_do, pool cleanups): their calls are not entries.
CALLBACK_LIBS = re.compile(r"^(libapr|libaprutil|libc|ld-linux|libpcre2)")


def module_cost(path, so):
    """mod_cors's own instructions, from the call graph: every call into
    mod_cors.so from httpd or another module (hooks, filters, providers,
    per-dir create/merge, directive handlers), whatever the function's
    name, less what mod_cors's calls to ap_pass_brigade (the filters below
    it) and ap_run_insert_filter (other modules' filters, and its own,
    already counted as a call from httpd) spend."""
    p = subprocess.run(["callgrind_annotate", "--threshold=100", "--auto=no",
                        "--show-percs=no", "--inclusive=yes", "--tree=both", path],
                       capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        raise RuntimeError("callgrind_annotate failed: " + p.stderr)
    cost, callers, current_in_so = 0, [], False
    for line in p.stdout.splitlines():
        m = CALL_LINE.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        mark, fn, obj = m.group(2), m.group(4), m.group(6)
        if mark == "<":
            callers.append((ir, obj))
        elif mark == "*":
            current_in_so = so_matches(obj, so)
            if current_in_so:
                cost += sum(c for c, cobj in callers if not so_matches(cobj, so)
                            and not CALLBACK_LIBS.match(os.path.basename(cobj)))
            callers = []
        elif current_in_so and (fn.startswith("ap_pass_brigade")
                                or fn.startswith("ap_run_insert_filter")):
            cost -= ir
    return cost


def target_cell(srv, outdir, so, cid, top):
    cell = CELLS[cid]
    before = set(os.listdir(outdir))
    first = None
    bad = 0
    for _ in range(TARGET_WARMUP + TARGET_CONNECTIONS):
        status, headers = send_closing(srv.port, cell)
        if status != cell[5]:
            bad += 1
        first = first or headers
    dumps = wait_dumps(outdir, before, TARGET_WARMUP + TARGET_CONNECTIONS)
    measured = dumps[TARGET_WARMUP:]
    totals = [dump_total(d) for d in measured]
    med = statistics.median(totals)
    pick = measured[totals.index(min(totals, key=lambda t: abs(t - med)))]
    final = os.path.join(top, "callgrind.%s.out" % cid)
    shutil.copy(pick, final)
    for d in dumps:
        os.unlink(d)
    _, self_funcs = annotate(final, inclusive=False)
    mod_self = sum(ir for ir, _, _, obj, _ in self_funcs if so_matches(obj, so))
    entry = module_cost(final, so)
    acao = dict((k.lower(), v) for k, v in first).get("access-control-allow-origin")
    return {"total": med, "totals": totals, "self": mod_self, "incl": entry,
            "bad_status": bad, "headers": cors_headers(first),
            "sanity": acao == cell[6], "file": final}


def target_callgrind_run(top, so, results, instances=None):
    log("\n== Whole request, one request per connection (issue 15: apache2 -X under "
        "callgrind, counted inside ap_process_connection, median of %d connections "
        "after %d warm-up) ==" % (TARGET_CONNECTIONS, TARGET_WARMUP))
    tg = results.setdefault("targets", {})
    for inst, cids in TARGET_CALLGRIND:
        if instances and inst not in instances:
            continue
        srv = Server(top, inst, so, mpm="prefork")
        outdir = os.path.join(srv.root, "cg")
        os.makedirs(outdir)
        os.chmod(outdir, 0o777)
        prefix = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                  "--toggle-collect=ap_process_connection",
                  "--dump-after=ap_process_connection", "--vgdb=no",
                  "--callgrind-out-file=%s/callgrind.out" % outdir]
        srv.start(prefix=prefix, timeout=600, extra_args=["-X"])
        try:
            for cid in cids:
                d = tg[cid] = target_cell(srv, outdir, so, cid, top)
                spread = max(d["totals"]) - min(d["totals"])
                log("  %-40s whole request %7.0f (spread %d), mod_cors incl. %6.0f%s" % (
                    CELLS[cid][2], d["total"], spread, d["incl"],
                    "" if d["sanity"] and not d["bad_status"] else "  SANITY MISMATCH"))
        finally:
            srv.stop(timeout=120)


def report_targets(results):
    """Each issue-15 target as PASS/MISS with its figures."""
    tg = results.get("targets", {})
    cg = results.get("callgrind", {})
    lines = []

    def have(*k):
        return all(x in tg for x in k)

    def added(a, b):
        return tg[a]["total"] - tg[b]["total"]

    def verdict_le(value, limit):
        return "PASS" if value <= limit else "MISS"

    if have("t-base-ok", "t-hard-ok", "t-cors-ok"):
        c, h = added("t-cors-ok", "t-base-ok"), added("t-hard-ok", "t-base-ok")
        lines.append("%s granted GET: mod_cors adds %+.0f (%.1f %% of %.0f), hard-coded "
                     "headers add %+.0f; ratio %.2f (target <= 0.60)" % (
                         verdict_le(c, 0.6 * h), c, 100.0 * c / tg["t-base-ok"]["total"],
                         tg["t-base-ok"]["total"], h, c / h if h else float("inf")))
        lines.append("     (of mod_cors's: its own code %.0f, httpd sending its headers and "
                     "passing its filter %.0f)" % (tg["t-cors-ok"]["incl"],
                                                  c - tg["t-cors-ok"]["incl"]))
        if "t-recipe-ok" in tg:
            lines.append("     (for comparison: the SetEnvIf recipe adds %+.0f)" % added(
                "t-recipe-ok", "t-base-ok"))
        if tg["t-hard-ok"]["headers"] != tg["t-cors-ok"]["headers"]:
            lines.append("     WARNING: hard-coded %r != mod_cors %r" % (
                tg["t-hard-ok"]["headers"], tg["t-cors-ok"]["headers"]))
    if have("t-base-none", "t-cors-none"):
        c = added("t-cors-none", "t-base-none")
        lines.append("%s GET without Origin under a policy: mod_cors adds %+.0f "
                     "(target <= 1,000)" % (verdict_le(c, 1000), c))
        lines.append("     (its own code %.0f, httpd sending Vary and passing the filter "
                     "%.0f)" % (tg["t-cors-none"]["incl"], c - tg["t-cors-none"]["incl"]))
    if have("t-base-ok", "t-cors-ok", "t-base-bad", "t-cors-bad"):
        r, g = added("t-cors-bad", "t-base-bad"), added("t-cors-ok", "t-base-ok")
        lines.append("%s refused origin: mod_cors adds %+.0f, granted GET %+.0f "
                     "(target: refused <= granted)" % (verdict_le(r, g), r, g))
    if have("t-cors-pf", "t-recipe-pf"):
        c, rc = tg["t-cors-pf"]["total"], tg["t-recipe-pf"]["total"]
        lines.append("%s validated preflight: %.0f whole request, recipe's unvalidated "
                     "%.0f; ratio %.3f (target <= 0.60)" % (verdict_le(c, 0.6 * rc), c, rc,
                                                            c / rc))
        if "t-base-pf" in tg:
            lines.append("     (httpd alone answering the same OPTIONS: %.0f, ratio %.3f)" % (
                tg["t-base-pf"]["total"], tg["t-base-pf"]["total"] / rc))
    so = results["config"]["so"]
    if "big-out" in cg:
        m = module_cost(cg["big-out"]["file"], so) / cg["big-out"]["requests"]
        lines.append("%s 10k exact + 100 wildcard + 10 regex, origin in none: mod_cors's "
                     "own %.0f (target <= 4,000)" % (verdict_le(m, 4000), m))
    if all(k in cg for k in ("inh-noht", "inh-ctlht", "inh-plusht")):
        ctl = cg["inh-ctlht"]["total_per_req"] - cg["inh-noht"]["total_per_req"]
        mod = (module_cost(cg["inh-plusht"]["file"], so) / cg["inh-plusht"]["requests"]
               - module_cost(cg["inh-noht"]["file"], so) / cg["inh-noht"]["requests"])
        lines.append("%s .htaccess 'CORSAllowOrigin +': mod_cors's part %+.0f, httpd's "
                     "one-line AddType .htaccess %+.0f (target: <=)" % (
                         verdict_le(mod, ctl), mod, ctl))
    for label, a, b, goal in (("preflight, mod_cors / recipe", "cors-pf", "recipe-pf", 1.10),
                              ("GET allowed origin, mod_cors / no CORS", "cors-ok",
                               "base-ok", 0.99)):
        w = ratio(results, a, b, "wrk")
        lines.append("info wall clock %s: %s (target >= %.2f: %s)" % (
            label, fmt(w), goal, verdict(w, goal)))
    if lines:
        log("\n== Targets (issue 15) ==")
        for line in lines:
            log("  " + line)


# --------------------------------------------------------------------------
# Report


def ratio(results, a, b, kind="wrk"):
    if kind == "cpu":
        ra, rb = results["wrk"].get(a), results["wrk"].get(b)
        if not ra or not rb or not ra.get("cpu_us") or not rb.get("cpu_us"):
            return None
        return rb["cpu_us"] / ra["cpu_us"]
    if kind == "wrk":
        ra, rb = results["wrk"].get(a), results["wrk"].get(b)
        if not ra or not rb or not rb["median"]:
            return None
        return ra["median"] / rb["median"]
    # instruction proxy: throughput ~ 1 / instructions per request
    ca, cb = results["callgrind"].get(a), results["callgrind"].get(b)
    if not ca or not cb or not ca["total_per_req"]:
        return None
    return cb["total_per_req"] / ca["total_per_req"]


def verdict(value, target):
    if value is None:
        return "n/a"
    return "PASS" if value >= target else "MISS"


def fmt(v):
    return "n/a" if v is None else "%.3f" % v


def report_origin_files(results):
    cg, of = results["callgrind"], results.get("origin_files") or {}
    log("\n== Origin files: 1,000,000 origins (CORSAllowOriginFile) ==")
    base = cg.get("one-exact")
    for cid, label, goal in (("f-file", "text file", 1.05), ("f-dbm", "DBM (%s)" % FILE_DBM_TYPE,
                                                            None)):
        if base and cid in cg:
            r = cg[cid]["total_per_req"] / base["total_per_req"]
            log("  granted GET, %-12s %9.0f instr/req vs one-entry CORSAllowOrigin %9.0f: "
                "%.3fx%s; in mod_cors %6.0f vs %6.0f" % (
                    label, cg[cid]["total_per_req"], base["total_per_req"], r,
                    " (target <= %.2fx: %s)" % (goal, "PASS" if r <= goal else "MISS")
                    if goal else "", cg[cid]["incl_per_req"], base["incl_per_req"]))
    for cid in ("f-file-out", "f-dbm-out"):
        if cid in cg and "one-out" in cg:
            log("  refused GET, %-12s %9.0f instr/req vs one-entry list %9.0f" % (
                cid[2:6], cg[cid]["total_per_req"], cg["one-out"]["total_per_req"]))
    if "reload-ms" in of:
        log("  reload of a 1,000,000-line file: median %d ms (%s)" % (
            statistics.median(of["reload-ms"]), ", ".join(map(str, of["reload-ms"]))))
    for inst in ("one-exact", "file-1m", "dbm-1m"):
        m = of.get(inst + "-mem")
        if m:
            log("  memory per process, %-10s child VmRSS %8d kB, PSS %8d kB, private %8d kB"
                % (inst, m["rss"], m["pss"], m["private"]))
    m = of.get("file-1m-mem-after-reload")
    if m:
        log("  memory per process, file-1m after reloads: VmRSS %8d kB, PSS %8d kB, "
            "private %8d kB" % (m["rss"], m["pss"], m["private"]))


def report(results, args):
    rows = []

    def target(label, a, b, goal, note=""):
        rows.append((label, ratio(results, a, b, "wrk"), ratio(results, a, b, "cpu"),
                     ratio(results, a, b, "cg"), goal, note))

    def info(label, a, b, note=""):
        rows.append((label, ratio(results, a, b, "wrk"), ratio(results, a, b, "cpu"),
                     ratio(results, a, b, "cg"), None, note))

    target("GET allowed: mod_cors / baseline", "cors-ok", "base-ok", 0.99)
    info("GET allowed: recipe / baseline", "recipe-ok", "base-ok")
    info("GET refused: mod_cors / baseline", "cors-bad", "base-bad")
    info("GET refused: recipe / baseline", "recipe-bad", "base-bad")
    info("GET no Origin: mod_cors / baseline", "cors-none", "base-none")
    info("GET no Origin: recipe / baseline", "recipe-none", "base-none")
    target("Preflight: mod_cors / recipe", "cors-pf", "recipe-pf", 1.10)
    target("10k list exact hit / 1 origin", "big-exact", "one-exact", 0.99)
    target("10k list wildcard hit / 1 wildcard", "big-wild", "one-wild", 0.99)
    info("10k list no match / 1 origin no match", "big-out", "one-out")
    info(".htaccess empty / none (httpd's read cost)", "inh-emptyht", "inh-noht")
    info(".htaccess AddType / none (httpd's read+parse)", "inh-ctlht", "inh-noht")
    info(".htaccess CORSAllowOrigin + / none", "inh-plusht", "inh-noht")
    target(".htaccess CORSAllowOrigin + / AddType ctl", "inh-plusht", "inh-ctlht", 0.99,
           "")
    for cid, what in (("h-commas", "6,000 commas"), ("h-names", "64 KiB names"),
                      ("h-origin", "7 KiB Origin")):
        target("Hostile %s / normal preflight" % what, cid, "h-normal", 0.5)
        info("  same request, no CORS / normal", "hb" + cid[1:], "hb-normal")

    log("\n== Summary: throughput ratios ==")
    log("  wrk: median req/s ratio (the issue's measure; noisy on a shared machine)")
    log("  cpu: inverse ratio of httpd CPU time (user+sys) per request during the wrk runs")
    log("  instr: inverse ratio of user-space instructions per request under callgrind")
    log("         (deterministic; kernel/network work not counted, so it exaggerates")
    log("         any user-space difference)")
    log("%-46s %7s %7s %7s  %-8s %s" % ("ratio", "wrk", "cpu", "instr", "target",
                                         "result: wrk / cpu / instr"))
    for label, w, u, c, goal, note in rows:
        if goal is None:
            log("%-46s %7s %7s %7s  %-8s" % (label, fmt(w), fmt(u), fmt(c), "-"))
        else:
            log("%-46s %7s %7s %7s  >= %-5.2f %s / %s / %s%s" % (
                label, fmt(w), fmt(u), fmt(c), goal, verdict(w, goal), verdict(u, goal),
                verdict(c, goal), "  " + note if note else ""))

    cg = results["callgrind"]
    if cg:
        log("\n== Instructions per request inside mod_cors (callgrind, deterministic) ==")
        log("%-52s %10s %10s %10s %7s" % ("workload", "self", "incl.", "request", "share"))
        for _, cids in CALLGRIND:
            for cid in cids:
                if cid not in cg or not CELLS[cid][1] in ("cors", "one-exact", "one-wild", "big",
                                                          "inherit", "hostile"):
                    continue
                d = cg[cid]
                log("%-52s %10.0f %10.0f %10.0f %6.1f%%" % (
                    CELLS[cid][2], d["self_per_req"], d["incl_per_req"], d["total_per_req"],
                    100.0 * d["incl_per_req"] / d["total_per_req"] if d["total_per_req"] else 0))
        counted = [(cid, cg[cid]["count_per_req"]) for _, cids in CALLGRIND for cid in cids
                   if cid in cg and cg[cid].get("count_per_req")]
        if counted:
            log("  server-status counters (cors_count_decision, inclusive): " + ", ".join(
                "%s %.0f" % (cid, ir) for cid, ir in counted) + " instr/req")
        hn = cg.get("h-normal")
        if hn:
            for cid in ("h-commas", "h-names", "h-origin"):
                if cid in cg and hn["incl_per_req"]:
                    r = cg[cid]["incl_per_req"] / hn["incl_per_req"]
                    log("  mod_cors instr %-34s %.2fx normal preflight  (target <= 2x: %s)" % (
                        CELLS[cid][2].split("  ", 1)[1].strip(), r, "PASS" if r <= 2 else "MISS"))
        for a, b in (("big-exact", "one-exact"), ("big-wild", "one-wild")):
            if a in cg and b in cg:
                d = cg[a]["incl_per_req"] - cg[b]["incl_per_req"]
                limit = 0.01 * cg[b]["total_per_req"]
                log("  mod_cors instr %-34s %+.0f instr/req vs %s (target <= 1%% of the "
                    "request, %.0f: %s)" % (a, d, b, limit, "PASS" if d <= limit else "MISS"))
        if all(k in cg for k in ("inh-noht", "inh-emptyht", "inh-ctlht", "inh-plusht")):
            base = cg["inh-noht"]["total_per_req"]
            read = cg["inh-emptyht"]["total_per_req"] - base
            ctl = cg["inh-ctlht"]["total_per_req"] - base
            plus = cg["inh-plusht"]["total_per_req"] - base
            mod = cg["inh-plusht"]["incl_per_req"] - cg["inh-noht"]["incl_per_req"]
            log("  .htaccess per request: httpd reading an empty one +%.0f instr, a one-line "
                "AddType +%.0f;\n    the one-line 'CORSAllowOrigin +' +%.0f, of which mod_cors "
                "+%.0f (target: mod_cors's part <= the AddType control's %.0f: %s)" % (
                    read, ctl, plus, mod, ctl, "PASS" if mod <= ctl else "MISS"))
            log("    entry points with the '+' .htaccess: " + ", ".join(
                "%s %.0f" % (fn, ir) for ir, fn in cg["inh-plusht"]["entry"]))
        log("\nTop mod_cors functions by self instructions per request:")
        for _, cids in CALLGRIND:
            for cid in cids:
                if cid in cg and cg[cid]["top_self"] and cg[cid]["self_per_req"] > 0:
                    log("  %-12s %s" % (cid, ", ".join("%s %.0f" % (fn, ir)
                                                       for ir, fn in cg[cid]["top_self"][:5])))
    of = results.get("origin_files")
    if cg or of:
        report_origin_files(results)
    bad = {k: v for k, v in results["sanity"].items() if v}
    if bad:
        log("\nSANITY MISMATCHES (those rows do not measure what they claim):")
        for k, v in bad.items():
            log("  %s: %s" % (k, "; ".join(v)))


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description="mod_cors benchmark (see bench/README.md)")
    ap.add_argument("--quick", action="store_true",
                    help="CI smoke run: 2 rounds x 1 s, 100 callgrind requests")
    ap.add_argument("--rounds", type=int, help="alternating rounds per workload [5]")
    ap.add_argument("--duration", type=int, help="seconds per wrk run [3]")
    ap.add_argument("--requests", type=int, help="requests per callgrind workload [2000]")
    ap.add_argument("--only", help="comma list of workload numbers to run (1-6), e.g. 1,2")
    ap.add_argument("--cg-only", help="comma list of callgrind instances to run (default: all)")
    ap.add_argument("--no-wrk", action="store_true", help="skip the wall-clock part")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the callgrind part")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--json", help="write all numbers to this file")
    ap.add_argument("--so", default=os.environ.get("MOD_CORS_SO"), help="mod_cors.so")
    args = ap.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    duration = args.duration or (1 if args.quick else 3)
    requests = args.requests or (100 if args.quick else 2000)
    warmup = 0 if args.quick else 1
    only = set((args.only or "1,2,3,4,5,6").split(","))
    if not args.so or not os.path.exists(args.so):
        raise SystemExit("bench: mod_cors.so not found (set MOD_CORS_SO or use bench/run.sh)")
    so = os.path.abspath(args.so)
    for tool in (["wrk"] if not args.no_wrk else []) + \
            (["valgrind", "callgrind_annotate"] if not args.no_callgrind else []):
        if not shutil.which(tool):
            raise SystemExit("bench: %s not found (apt-get install wrk valgrind)" % tool)
    init_httpd()
    top = tempfile.mkdtemp(prefix="cors-bench-")
    os.chmod(top, 0o755)
    results = {"wrk": {}, "callgrind": {}, "sanity": {},
               "config": {"rounds": rounds, "duration": duration, "requests": requests,
                          "so": so, "httpd": APACHE}}
    t0 = time.time()
    log("mod_cors benchmark: %s, module %s" % (APACHE, so))
    log("wrk -t1 -c32, %d alternating rounds x %d s per cell%s; work dir %s" % (
        rounds, duration, ", 1 s warm-up" if warmup else "", top))
    try:
        if not args.no_wrk:
            for i, (title, cells) in enumerate(WORKLOADS, 1):
                if str(i) in only:
                    bench_workload(top, so, title, cells, rounds, duration, warmup, results)
        if "6" in only:
            origin_file_figures(top, so, results)
        if not args.no_callgrind:
            cg_only = set(args.cg_only.split(",")) if args.cg_only else None
            target_callgrind_run(top, so, results, cg_only)
            callgrind_run(top, so, requests, results, cg_only)
        report(results, args)
        report_targets(results)
    finally:
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        if args.keep:
            log("\nwork dir kept: %s" % top)
        else:
            shutil.rmtree(top, ignore_errors=True)
    log("\nbenchmark finished in %.0f s (targets are informative: exit status 0)" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print("bench: error: %s" % e, file=sys.stderr)
        sys.exit(1)
