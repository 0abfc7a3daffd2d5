"""The configuration grammar: every mod_cors directive, the sections they go
in, and the httpd contexts around them.

A generated configuration is plain data (:class:`Config`): a list of
:class:`Section` layers, each holding ``(directive, [values])`` lines, plus a
:class:`Context` (auth, error documents, cache, ...). ``render_vhost`` turns
it into a ``<VirtualHost>`` block and ``.htaccess`` files; ``model.py`` reads
the same data. Nothing else knows the directive list.

Adding a directive (CORSReportOnly, CORSCrossOriginProtection,
CORSAllowOriginFile, ...) is one :class:`Directive` row in ``DIRECTIVES``
(name, merge kind, value generator, invalid values) plus its effect in
``model.py`` (one function reading ``policy[name]``).

Every URL the requests use maps to a known list of sections by construction
(``SECTION_KINDS`` and ``RESOURCES``): one docroot per configuration with the
directories ``/``, ``a/`` and ``a/b/``, so the model never has to guess which
``<Directory>`` or ``<Location>`` applies.
"""

import fnmatch
import re
from dataclasses import dataclass, field

# --------------------------------------------------------------- origins ---

# Exact origins: canonical, as browsers send them.
EXACT = ["https://app.example.com", "https://www.example.com",
         "https://partner.example.net", "http://localhost:5173",
         "https://api.example.org:8443", "http://127.0.0.1:8080"]
# Wildcards and any-port entries, with origins they grant (for requests).
PATTERNS = {
    "https://*.x.example": ["https://a.x.example", "https://b.c.x.example"],
    "https://*.x.example:8443": ["https://a.x.example:8443"],
    "http://*.dev.example:*": ["http://a.dev.example", "http://b.dev.example:3000"],
    "http://localhost:*": ["http://localhost", "http://localhost:3000"],
    "https://api.example.org:*": ["https://api.example.org", "https://api.example.org:9000"],
}
# Regexes (CORSAllowOriginMatch) with origins they match. "broad" ones match
# unrelated origins: any-origin entries (spec 11).
NARROW_REGEX = {
    r"https://tenant-[0-9]{1,3}\.apps\.example": ["https://tenant-7.apps.example",
                                                   "https://tenant-123.apps.example"],
    r"https://(www|app)\.example\.com": ["https://www.example.com", "https://app.example.com"],
    r"http://dev[0-9]\.example\.org(:[0-9]+)?": ["http://dev1.example.org",
                                                 "http://dev2.example.org:8000"],
    # the classic unescaped dot: also grants appXexample.com (README 10)
    r"https://app.example.com": ["https://app.example.com", "https://appxexample.com"],
}
BROAD_REGEX = {
    r".*": ["https://anything.example"],
    r"https?://.*": ["http://whatever.example"],
    r".+": ["https://evil.example"],
    r"https://[a-z0-9.-]+": ["https://q.example"],
}
# Origins that no entry grants.
UNLISTED = ["https://evil.example", "https://app.example.com.evil.net",
            "https://evil-app.example.com", "http://app.example.com"]

# Values configtest must refuse, per directive (a config holding one of them
# is refused whatever else it says).
INVALID_ORIGIN = ["http://localhost:8080:*", "https://*.example.com:8443:*",
                  "HTTPS://Example.com/", "https://example.com:443", "https://*.com",
                  "example.com", "https://*.github.io"]
INVALID_REGEX = [r"https://app\.example\.com(*ACCEPT)", r"https://(a",
                 r"(*ACCEPT)https://x\.example"]

# Origin files (CORSAllowOriginFile): written into each batch's ServerRoot
# by the runner; a value is the file as one entry, by its text.
ORIGIN_FILES = {
    "origins/f1.txt": "# tenants\nhttps://app.example.com\nhttps://*.x.example\n",
    "origins/f2.txt": "\nhttps://partner.example.net\r\nhttp://localhost:*\n"
                      "https://tenant-7.apps.example\nhttp://*.dev.example:*\n",
    "origins/f3.txt": "# no tenant yet\n",
    "origins/bad.txt": "https://ok.example\nHTTPS://Bad.example\n",
}
FILE_VALUES = {"@ROOT@/origins/f1.txt": "origins/f1.txt",
               "@ROOT@/origins/f2.txt": "origins/f2.txt",
               "txt:@ROOT@/origins/f2.txt": "origins/f2.txt",
               "origins/f3.txt": "origins/f3.txt"}     # relative: ServerRoot
INVALID_FILE = ["@ROOT@/origins/missing.txt", "@ROOT@/origins/bad.txt",
                "dbm=nosuch:@ROOT@/origins/f1.txt"]


def file_entries(value):
    """The entries of the origin file a CORSAllowOriginFile value names."""
    text = ORIGIN_FILES[FILE_VALUES[value]]
    return [l.strip() for l in text.splitlines()
            if l.strip() and not l.strip().startswith("#")]


def write_origin_files(root):
    import os
    os.makedirs(os.path.join(root, "origins"), exist_ok=True)
    for rel, text in ORIGIN_FILES.items():
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
        os.chmod(os.path.join(root, rel), 0o644)
    os.chmod(os.path.join(root, "origins"), 0o755)


METHODS = ["PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "GET", "put"]
HEADERS = ["Content-Type", "X-CSRF-Token", "Authorization", "X-Requested-With", "x-a"]
EXPOSE = ["ETag", "X-Request-Id", "X-Seam", "X-Backend"]


@dataclass(frozen=True)
class Directive:
    """One mod_cors directive.

    ``kind``: ``origins`` (the one origin list both origin directives edit),
    ``list`` (+/- editable token list), ``scalar`` (innermost set value).
    ``gen(rng, cfg)`` returns one line's values; ``invalid`` are values
    configtest refuses; ``htaccess`` is False for directives that must not
    go in .htaccess (none so far: AllowOverride FileInfo AuthConfig covers all).
    """
    name: str
    kind: str
    gen: object
    invalid: tuple = ()
    default: object = None
    htaccess: bool = True
    # section kinds the directive is never generated in (see combo-findings.md)
    not_in: tuple = ()


def _pick(rng, seq, k=1):
    return rng.sample(list(seq), min(k, len(seq)))


def _edit_values(rng, pool):
    """A '+'/'-' line: every value prefixed."""
    return [rng.choice("+-") + v for v in _pick(rng, pool, rng.randint(1, 2))]


def gen_allow_origin(rng, cfg):
    r = rng.random()
    if r < 0.08:
        return ["*"]
    if r < 0.12:
        return ["null"]
    if r < 0.16:
        return ["none"]
    pool = EXACT + list(PATTERNS)
    if r < 0.40:
        # an edit; '-' may name a regex too (spec 4: any kind, by its text),
        # '+' adds an origin so never takes a regex text
        vals = _edit_values(rng, pool + ["*", "null"])
        if rng.random() < 0.3:
            vals.append("-" + rng.choice(list(NARROW_REGEX)))
        return vals
    vals = _pick(rng, pool, rng.randint(1, 3))
    if rng.random() < 0.1:
        vals.append("null")
    return vals


def gen_allow_origin_match(rng, cfg):
    r = rng.random()
    if r < 0.15:
        return [rng.choice(list(BROAD_REGEX))]
    if r < 0.40:
        return _edit_values(rng, list(NARROW_REGEX) + EXACT[:2])
    return _pick(rng, NARROW_REGEX, rng.randint(1, 2))


def gen_allow_origin_file(rng, cfg):
    pool = list(FILE_VALUES)
    if rng.random() < 0.35:
        return _edit_values(rng, pool)
    return _pick(rng, pool, rng.randint(1, 2))


def _gen_tokens(pool, star_p=0.12):
    def gen(rng, cfg):
        r = rng.random()
        if r < star_p:
            return ["*"] + (["Authorization"] if "Authorization" in pool and rng.random() < 0.5 else [])
        if r < 0.45:
            return _edit_values(rng, pool)
        return _pick(rng, pool, rng.randint(1, 3))
    return gen


def _gen_choice(*values):
    return lambda rng, cfg: [rng.choice(values)]


DIRECTIVES = [
    Directive("CORSAllowOrigin", "origins", gen_allow_origin, tuple(INVALID_ORIGIN)),
    Directive("CORSAllowOriginMatch", "origins", gen_allow_origin_match, tuple(INVALID_REGEX)),
    Directive("CORSAllowMethods", "list", _gen_tokens(METHODS), ("GET,PUT", "PU(T"),
              default=("GET", "HEAD", "POST")),
    Directive("CORSAllowHeaders", "list", _gen_tokens(HEADERS), ("Bad:Header",), default=()),
    Directive("CORSExposeHeaders", "list", _gen_tokens(EXPOSE), ("X,Y",), default=()),
    Directive("CORSAllowCredentials", "scalar", _gen_choice("On", "Off"), ("Maybe",),
              default="Off"),
    Directive("CORSMaxAge", "scalar",
              lambda rng, cfg: [str(rng.choice([0, 5, 600, 7200, 86400, rng.randint(1, 86400)]))],
              ("90000", "-1"), default=None),
    Directive("CORSAllowPrivateNetwork", "scalar", _gen_choice("On", "Off"), default="Off"),
    Directive("CORSPreflightStatus", "scalar", _gen_choice("200", "204", "204", "299"),
              ("302", "0204", "199"), default="204"),
    Directive("CORSPreflightPassthrough", "scalar", _gen_choice("On", "Off", "Off"),
              default="Off"),
    # README 4 says every directive is valid in server config and <VirtualHost>;
    # the module refuses CORSPreflightAuth there (AuthConfig): finding F1,
    # regression row preflight_auth_in_vhost.
    Directive("CORSPreflightAuth", "scalar", _gen_choice("On", "Off"), default="Off",
              not_in=("server", "vhost")),
    Directive("CORSUpstreamHeaders", "scalar", _gen_choice("Replace", "Keep"), ("Drop",),
              default="Replace"),
    Directive("CORSReportOnly", "scalar", _gen_choice("On", "Off", "Off"), ("Maybe",),
              default="Off"),
    Directive("CORSCrossOriginProtection", "scalar", _gen_choice("On", "On", "Off", "ReportOnly"),
              ("Maybe", "Report-Only"), default="Off"),
    # Server configuration only: never in .htaccess.
    Directive("CORSAllowOriginFile", "origins", gen_allow_origin_file, tuple(INVALID_FILE),
              htaccess=False),
    Directive("CORSAllowOriginFileCheck", "scalar", _gen_choice("0", "5", "60"),
              ("-1", "5s", "05"), default="5", htaccess=False),
]
BY_NAME = {d.name: d for d in DIRECTIVES}
# How likely a layer writes each directive (origins most often: they make policies).
WEIGHT = {"CORSAllowOrigin": 0.55, "CORSAllowOriginMatch": 0.2,
          "CORSAllowOriginFile": 0.15}
DEFAULT_WEIGHT = 0.12

# -------------------------------------------------------------- sections ---

# Section kinds in httpd's merge order (README 5). ``applies(res, query)``
# says whether a section of that kind applies to a resource; ``main`` is
# False for .htaccess (not known at configtest).
#   dir*/ht*: the docroot directories D, D/a, D/a/b and their .htaccess;
#   files: <Files "f.txt"> or <Files "*.cgi"> at vhost level;
#   loc*:  <Location "/a">, <Location "/a/b">, <LocationMatch "^/a/b/(f|run|px)">,
#          in a random config order (httpd merges them in config order);
#   if:    <If "%{QUERY_STRING} =~ /ifx/">.
FILES_PATTERNS = ["f.txt", "*.cgi"]
LOCMATCH_RX = r"^/a/b/(f|run|own|px)"


@dataclass(frozen=True)
class Resource:
    """A URL of every configuration and what serves it.

    ``dirs``: how many of D, D/a, D/a/b the directory walk visits (None:
    no directory walk, proxied). ``name``: last path segment the file walk
    matches. ``handler``: ``cgi`` / ``backend`` when a logging handler serves
    it. ``policy_path``: the URI the final location walk sees (rewrites).
    """
    path: str
    dirs: object
    name: str
    handler: str = ""
    upstream_cors: bool = False
    policy_path: str = ""
    auth: bool = True           # under the auth <Location "/a/b">

    @property
    def uri(self):
        return self.policy_path or self.path


RESOURCES = {
    "file": Resource("/a/b/f.txt", 3, "f.txt"),
    "afile": Resource("/a/f.txt", 2, "f.txt", auth=False),
    "top": Resource("/top.txt", 1, "top.txt", auth=False),
    "missing": Resource("/a/b/nope.html", 3, "nope.html"),
    "index": Resource("/a/b/", 3, ""),
    "slash": Resource("/a/b", 3, "", policy_path="/a/b"),
    "cgi": Resource("/a/b/run.cgi", 3, "run.cgi", handler="cgi"),
    "owncgi": Resource("/a/b/own.cgi", 3, "own.cgi", handler="cgi", upstream_cors=True),
    "failcgi": Resource("/a/b/fail.cgi", 3, "fail.cgi", handler="cgi"),
    "proxy": Resource("/a/b/px/item", None, "item", handler="backend", upstream_cors=True),
    "redirect": Resource("/a/b/redir.txt", 3, "redir.txt"),
    "rewrite": Resource("/a/b/rw.txt", 3, "f.txt", policy_path="/a/b/f.txt"),
}


def location_applies(prefix, uri):
    """httpd's <Location> prefix match (slash-aware for a prefix not ending in /)."""
    return uri == prefix or uri.startswith(prefix.rstrip("/") + "/")


SECTION_KINDS = {
    # kind: (order group, applies(resource, has_ifx, arg), main-config?)
    "server": (0, lambda res, ifx, arg: True, True),
    "vhost": (1, lambda res, ifx, arg: True, True),
    "dir0": (2, lambda res, ifx, arg: res.dirs is not None and res.dirs >= 1, True),
    "ht0": (3, lambda res, ifx, arg: res.dirs is not None and res.dirs >= 1, False),
    "dir1": (4, lambda res, ifx, arg: res.dirs is not None and res.dirs >= 2, True),
    "ht1": (5, lambda res, ifx, arg: res.dirs is not None and res.dirs >= 2, False),
    "dir2": (6, lambda res, ifx, arg: res.dirs is not None and res.dirs >= 3, True),
    "ht2": (7, lambda res, ifx, arg: res.dirs is not None and res.dirs >= 3, False),
    "files": (8, lambda res, ifx, arg: res.dirs is not None and fnmatch.fnmatchcase(res.name, arg), True),
    # locations share one group: merged in config order (Section.order)
    "loc_a": (9, lambda res, ifx, arg: location_applies("/a", res.uri), True),
    "loc_b": (9, lambda res, ifx, arg: location_applies("/a/b", res.uri), True),
    "locm": (9, lambda res, ifx, arg: re.search(LOCMATCH_RX, res.uri) is not None, True),
    "if": (10, lambda res, ifx, arg: ifx, True),
}
DIR_OF = {"dir0": "", "dir1": "a", "dir2": "a/b", "ht0": "", "ht1": "a", "ht2": "a/b"}


@dataclass
class Section:
    kind: str
    lines: list = field(default_factory=list)     # [(directive, [values])]
    arg: str = ""                                 # Files pattern
    order: int = 0                                # config order among locations

    def applies(self, res, ifx):
        return SECTION_KINDS[self.kind][1](res, ifx, self.arg)

    @property
    def main(self):
        return SECTION_KINDS[self.kind][2]

    @property
    def group(self):
        return SECTION_KINDS[self.kind][0]


# ---------------------------------------------------------------- context ---

AUTH_KINDS = ["none", "none", "basic", "ip", "denied", "any_pf_user", "any_pf_ip"]
ERRDOC_KINDS = ["none", "local", "remote"]


@dataclass
class Context:
    """httpd features around the policy (applied to every configuration's vhost)."""
    auth: str = "none"                  # on <Location "/a/b">
    errdocs: dict = field(default_factory=dict)   # status -> local|remote
    seam: bool = False                  # Header always set X-Seam (vhost)
    cache: bool = False                 # CacheEnable disk /a/b/
    backend_mode: str = "reflect"       # what the proxied backend says: reflect|star|none


def gen_context(rng):
    c = Context()
    c.auth = rng.choice(AUTH_KINDS)
    for status in (401, 403, 404, 500):
        kind = rng.choice(ERRDOC_KINDS)
        if kind != "none":
            c.errdocs[status] = kind
    c.seam = rng.random() < 0.5
    c.cache = rng.random() < 0.3
    c.backend_mode = rng.choice(["reflect", "star", "none"])
    return c


@dataclass
class Config:
    cid: str
    sections: list                      # [Section], server layer first if any
    context: Context
    invalid: list = field(default_factory=list)    # (section kind, directive, value)

    def section(self, kind):
        return next((s for s in self.sections if s.kind == kind), None)


# -------------------------------------------------------------- generator ---

def gen_lines(rng, cfg, htaccess, kind=""):
    """A layer's lines: a random subset of directives, one or two lines each
    (lines may mix plain and +/- values across lines, never on one line)."""
    lines = []
    for d in DIRECTIVES:
        if (htaccess and not d.htaccess) or kind in d.not_in:
            continue
        if rng.random() >= WEIGHT.get(d.name, DEFAULT_WEIGHT):
            continue
        for _ in range(2 if (d.kind != "scalar" and rng.random() < 0.2) else 1):
            lines.append((d.name, d.gen(rng, cfg)))
    return normalise_origin_lines(rng, lines)


def _is_edit(v):
    return v[:1] in "+-" and v not in ("-",)


def normalise_origin_lines(rng, lines):
    """``none`` must stand alone on its line; the grammar also keeps it alone
    in its layer (README 4 does not say what ``none`` next to origins means)."""
    if any(n == "CORSAllowOrigin" and v == ["none"] for n, v in lines):
        return [("CORSAllowOrigin", ["none"])] + [(n, v) for n, v in lines
                                                  if g_kind(n) != "origins"]
    return lines


def g_kind(name):
    return BY_NAME[name].kind


def maybe_invalid(rng, cfg, sections):
    """Now and then put one value configtest must refuse in a main-config section."""
    if rng.random() >= 0.08:
        return
    mains = [s for s in sections if s.main and s.kind != "server"]
    if not mains:
        return
    d = rng.choice([d for d in DIRECTIVES if d.invalid])
    value = rng.choice(d.invalid)
    s = rng.choice(mains)
    s.lines.append((d.name, [value]))
    cfg.invalid.append((s.kind, d.name, value))


def gen_config(rng, cid, server_lines=None):
    cfg = Config(cid, [], gen_context(rng))
    if server_lines:
        cfg.sections.append(Section("server", list(server_lines)))
    kinds = [k for k in SECTION_KINDS if k != "server"]
    chosen = [k for k in kinds if rng.random() < (0.7 if k == "vhost" else 0.3)]
    locs = [k for k in chosen if SECTION_KINDS[k][0] == 9]
    rng.shuffle(locs)
    for k in chosen:
        s = Section(k, gen_lines(rng, cfg, htaccess=k.startswith("ht"), kind=k))
        if k == "files":
            s.arg = rng.choice(FILES_PATTERNS)
        if k in locs:
            s.order = locs.index(k)
        if s.lines:
            cfg.sections.append(s)
    maybe_invalid(rng, cfg, cfg.sections)
    return cfg


def gen_server_lines(rng):
    """The batch's server-level layer (shared by every vhost of the batch)."""
    if rng.random() < 0.6:
        return []
    return gen_lines(rng, None, htaccess=False, kind="server")


# -------------------------------------------------------------- rendering ---

def quote(v):
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"') if re.search(r'[\s"\\(){}|?*+\[\]^$]', v) else v


def render_lines(lines, indent):
    return "".join("%s%s %s\n" % (indent, n, " ".join(quote(v) for v in vals))
                   for n, vals in lines)


def docroot_rel(cfg):
    return cfg.cid


AUTH_TEXT = {
    "none": "",
    "basic": "    AuthType Basic\n    AuthName combo\n    AuthUserFile \"@ROOT@/htpasswd\"\n"
             "    Require valid-user\n",
    "ip": "    Require ip 10.0.0.1\n",
    "denied": "    Require all denied\n",
    "any_pf_user": "    AuthType Basic\n    AuthName combo\n    AuthUserFile \"@ROOT@/htpasswd\"\n"
                   "    <RequireAny>\n        Require cors-preflight\n        Require valid-user\n"
                   "    </RequireAny>\n",
    "any_pf_ip": "    <RequireAny>\n        Require cors-preflight\n        Require ip 10.0.0.1\n"
                 "    </RequireAny>\n",
}


def render_vhost(cfg, backend_port, hostname):
    """The <VirtualHost> block of one configuration and its .htaccess files.

    Returns (text, {docroot-relative path: content}).
    """
    c = cfg.context
    d = "@DOCROOT@/" + docroot_rel(cfg)
    out = ["<VirtualHost @LISTEN@>",
           "    ServerName %s" % hostname,
           '    DocumentRoot "%s"' % d,
           '    ErrorLog "@ROOT@/logs/%s_error_log"' % cfg.cid,
           "    RewriteEngine On",
           r"    RewriteRule ^/a/b/rw\.txt$ /a/b/f.txt [PT]",
           '    ProxyPass "/a/b/px/" "http://127.0.0.1:%d/%s/%s/"' % (backend_port, cfg.cid,
                                                                   c.backend_mode)]
    if c.seam:
        out.append('    Header always set X-Seam "%s"' % cfg.cid)
    if c.cache:
        out.append('    CacheEnable disk "/a/b/"')
    for status, kind in sorted(c.errdocs.items()):
        target = "/errors/%d.html" % status if kind == "local" else \
            "http://errors.example/%d" % status
        out.append("    ErrorDocument %d %s" % (status, target))
    # the httpd context of a/b: CGI, Redirect (no mod_cors line here)
    out.append('    <Directory "%s/a/b">' % d)
    out.append("        Options +ExecCGI")
    out.append("        AddHandler cgi-script .cgi")
    out.append("        Redirect 302 /a/b/redir.txt http://elsewhere.example/x")
    out.append("    </Directory>")
    if c.auth != "none":
        out.append('    <Location "/a/b">')
        out.append(AUTH_TEXT[c.auth].rstrip("\n"))
        out.append("    </Location>")
    htaccess = {}
    body_sections = sorted((s for s in cfg.sections if s.kind not in ("server",)),
                           key=lambda s: (s.group, s.order))
    for s in body_sections:
        if s.kind == "vhost":
            out.append(render_lines(s.lines, "    ").rstrip("\n"))
        elif s.kind.startswith("dir"):
            sub = DIR_OF[s.kind]
            out.append('    <Directory "%s%s">' % (d, "/" + sub if sub else ""))
            out.append(render_lines(s.lines, "        ").rstrip("\n"))
            out.append("    </Directory>")
        elif s.kind.startswith("ht"):
            sub = DIR_OF[s.kind]
            htaccess[(docroot_rel(cfg) + "/" + sub + "/.htaccess").replace("//", "/")] = \
                render_lines(s.lines, "")
        elif s.kind == "files":
            out.append('    <Files "%s">' % s.arg)
            out.append(render_lines(s.lines, "        ").rstrip("\n"))
            out.append("    </Files>")
        elif s.kind in ("loc_a", "loc_b"):
            out.append('    <Location "%s">' % ("/a" if s.kind == "loc_a" else "/a/b"))
            out.append(render_lines(s.lines, "        ").rstrip("\n"))
            out.append("    </Location>")
        elif s.kind == "locm":
            out.append('    <LocationMatch "%s">' % LOCMATCH_RX)
            out.append(render_lines(s.lines, "        ").rstrip("\n"))
            out.append("    </LocationMatch>")
        elif s.kind == "if":
            out.append('    <If "%{QUERY_STRING} =~ /ifx/">')
            out.append(render_lines(s.lines, "        ").rstrip("\n"))
            out.append("    </If>")
    out.append("</VirtualHost>")
    return "\n".join(out) + "\n", htaccess
