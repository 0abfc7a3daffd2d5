"""The reference model, written from README sections 4-8 and seams-spec.md
(never from the C).

``merged_policy(cfg, layers)`` merges layers the way README 5 says;
``configtest_refuses(cfg)`` says whether ``apachectl configtest`` must fail;
``expect(cfg, res, req)`` says what one response must look like.
"""

import re
from dataclasses import dataclass, field

import grammar as g

DEFAULT_PORT = {"http": 80, "https": 443}
SAFELISTED_METHODS = {"GET", "HEAD", "POST"}
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Unrelated canonical origins, like the module's configtest probes (spec 11).
PROBES = ["https://zq8x3k.invalid", "http://p4l9m.invalid", "https://r7t2.invalid:8443",
          "http://k1w5.invalid:8080"]


# ------------------------------------------------------------ origin rules ---

def canonical(origin):
    """Is ``origin`` a canonical serialized origin (README 4 and 10)?"""
    if origin == "null":
        return True
    if len(origin) > 512:
        return False
    m = re.fullmatch(r"(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::([0-9]+))?", origin)
    if not m:
        return False
    host, port = m.group(2), m.group(3)
    if host.startswith(".") or host.endswith(".") or ".." in host:
        return False
    last = host.rsplit(".", 1)[-1]
    if last.isdigit() and not re.fullmatch(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}", host):
        return False        # ends in a number but is no IPv4 address (WHATWG URL host)
    if port is not None:
        if port.startswith("0") or not 0 < int(port) < 65536:
            return False
        if int(port) == DEFAULT_PORT[m.group(1)]:
            return False
    return True


def split_origin(origin):
    m = re.fullmatch(r"(https?)://([^:/]+|\[[^\]]+\])(?::([0-9]+))?", origin)
    return (m.group(1), m.group(2), m.group(3)) if m else (None, None, None)


def entry_kind(text, directive):
    if directive == "CORSAllowOriginMatch":
        return "regex"
    if directive == "CORSAllowOriginFile":
        return "file"
    if text in ("*", "null"):
        return text
    if "://*." in text:
        return "wildcard"
    if text.endswith(":*"):
        return "anyport"
    return "exact"


def entry_matches(entry, origin):
    kind, text = entry
    if kind == "file":
        # README 5 "Origin lists from files": the file's lines, each like a
        # CORSAllowOrigin entry (never '*', null or a regex); a "-origin"
        # edit does not reach into the file.
        return any(entry_matches((entry_kind(t, "CORSAllowOrigin"), t), origin)
                   for t in g.file_entries(text))
    if kind == "*":
        return True
    if kind in ("null", "exact"):
        return origin == text
    if origin == "null":
        # only an explicit `null` entry grants it; README 4 lists `null` as its
        # own value and regexes match serialized scheme://host origins
        return False
    scheme, host, port = split_origin(origin)
    if scheme is None:
        return False
    if kind == "regex":
        return re.fullmatch(text, origin) is not None
    if kind == "anyport":
        es, eh, _ = split_origin(text[:-2])
        return scheme == es and host == eh
    # wildcard: scheme://*.domain[:port|:*]
    m = re.fullmatch(r"(https?)://\*\.([^:]+)(?::(\*|[0-9]+))?", text)
    es, domain, eport = m.groups()
    if scheme != es or not host.endswith("." + domain) or host == "." + domain:
        return False
    if eport == "*":
        return True
    return port == eport


def any_origin(entry):
    """An entry as dangerous with credentials as '*' (spec 11)."""
    kind, text = entry
    if kind in ("*", "null"):
        return True
    return kind == "regex" and any(re.fullmatch(text, p) for p in PROBES)


# --------------------------------------------------------------- merging ---

@dataclass
class Policy:
    origins: list = field(default_factory=list)     # [(kind, text)]
    lists: dict = field(default_factory=dict)       # directive -> [values]
    scalars: dict = field(default_factory=dict)     # directive -> value

    @property
    def active(self):
        return bool(self.origins)

    def scalar(self, name):
        v = self.scalars.get(name)
        return g.BY_NAME[name].default if v is None else v

    def list(self, name):
        return self.lists.get(name, list(g.BY_NAME[name].default))

    @property
    def credentials(self):
        return self.scalar("CORSAllowCredentials") == "On"

    @property
    def public(self):
        return self.active and not self.credentials and ("*", "*") in self.origins


def layer_values(section, kinds):
    return [(n, v) for n, vals in section.lines if g.BY_NAME[n].kind in kinds for v in vals]


def layer_list(inherited, vals, key, make, same=None):
    """README 5 for one layer's values (in line order) of one list.

    All prefixed: edit the inherited list. Any plain value: the layer
    replaces the list with its own values, read in order from an empty list
    (plain and '+' add, '-' removes), which is what the module does with a
    layer mixing a plain line and an edit line (README: "its own values").
    """
    replace = any(not g._is_edit(v) for _, v in vals)
    out = [] if replace else list(inherited)
    for n, v in vals:
        if g._is_edit(v) and v[0] == "-":
            out = [x for x in out if key(x) != v[1:]]
            continue
        x = make(n, v[1:] if g._is_edit(v) else v)
        if all(not (same or (lambda a, b: key(a) == key(b)))(x, y) for y in out):
            out.append(x)
    return out


def merge_origins(policy, section):
    vals = layer_values(section, ("origins",))
    if not vals:
        return
    if [v for _, v in vals] == ["none"]:
        policy.origins = []
        return
    # '-' removes an entry of either kind by its text (spec 4)
    # (an exact origin and a regex may share a text: two entries)
    policy.origins = layer_list(policy.origins, vals, key=lambda e: e[1],
                                make=lambda n, t: (entry_kind(t, n), t),
                                same=lambda a, b: a == b)


def merge_layer(policy, section):
    merge_origins(policy, section)
    for d in g.DIRECTIVES:
        vals = [(n, v) for n, vs in section.lines if n == d.name for v in vs]
        if not vals or d.kind == "origins":
            continue
        if d.kind == "scalar":
            policy.scalars[d.name] = vals[-1][1]
        else:
            policy.lists[d.name] = layer_list(policy.list(d.name), vals, key=lambda x: x,
                                              make=lambda n, t: t)
    return policy


def ordered(sections):
    return sorted(sections, key=lambda s: (s.group, s.order))


def merged_policy(layers):
    p = Policy()
    for s in ordered(layers):
        merge_layer(p, s)
    return p


def layers_for(cfg, res, ifx):
    return [s for s in cfg.sections if s.applies(res, ifx)]


# ------------------------------------------------------------ configtest ---

def dangerous(p):
    """'*', null, an any-origin regex or 'CORSExposeHeaders *' with credentials."""
    if not p.credentials:
        return False
    # Expose '*' with credentials is refused even before any origin is listed
    return "*" in p.list("CORSExposeHeaders") or any(any_origin(e) for e in p.origins)


def main_chains(cfg):
    """Every combination of main-config sections that can apply to one request.

    Directory sections nest (D, D/a, D/a/b: a request in an inner one gets
    the outer ones too), <Location "/a/b"> implies <Location "/a">; <Files>,
    <LocationMatch> and <If> can join any of them (an Alias can put any URL
    in any directory).
    """
    mains = [s for s in cfg.sections if s.main]
    fixed = [s for s in mains if s.kind in ("server", "vhost")]
    dirs = [s for s in mains if s.kind.startswith("dir")]
    optional = [s for s in mains if s.kind in ("files", "locm", "if")]
    loc_a = [s for s in mains if s.kind == "loc_a"]
    loc_b = [s for s in mains if s.kind == "loc_b"]
    dir_chains = [[]] + [[d for d in dirs if int(d.kind[3]) <= depth] for depth in range(3)]
    loc_chains = [[], loc_a, loc_a + loc_b]
    # the main server itself is a context (requests no vhost takes), and one
    # section is refused on its own whatever follows it (README 4: "in the
    # same section")
    chains = [[s for s in mains if s.kind == "server"]] + [[s] for s in mains]
    for dc in dir_chains:
        for lc in loc_chains:
            for mask in range(1 << len(optional)):
                extra = [o for i, o in enumerate(optional) if mask >> i & 1]
                chains.append(fixed + dc + lc + extra)
    return chains


def configtest_refuses(cfg):
    """(refuses?, why) for one configuration."""
    if cfg.invalid:
        return True, "invalid value %r" % (cfg.invalid,)
    for chain in main_chains(cfg):
        if dangerous(merged_policy(chain)):
            return True, "dangerous with credentials: %s" % [s.kind for s in ordered(chain)]
    return False, ""


# -------------------------------------------------------------- requests ---

@dataclass
class Request:
    resource: str
    method: str = "GET"
    origins: list = field(default_factory=list)      # Origin header values (raw)
    acrm: object = None
    acrh: object = None
    pna: bool = False
    creds: str = ""                                  # "" | good | bad | cookie
    ifx: bool = False
    forward: bool = False                            # forward-proxy absolute URI
    malformed: bool = False                          # a header httpd cannot parse
    fetch_site: object = None                        # Sec-Fetch-Site (raw), or None
    websocket: object = None                         # Upgrade value, or None
    tag: str = ""

    @property
    def origin(self):
        return self.origins[0].strip(" \t") if len(self.origins) == 1 else None

    @property
    def preflight(self):
        return self.method == "OPTIONS" and bool(self.origins) and self.acrm is not None

    @property
    def cors(self):
        return bool(self.origins)


@dataclass
class Expected:
    """What one response must look like. ``None`` fields are not checked."""
    acx: object = None           # dict of Access-Control-* name -> value, or "PREFLIGHT_IF_2XX"
    status: object = None        # exact status
    not_2xx: bool = False
    handler_ran: object = None
    vary_once: tuple = ()        # tokens that must be in Vary exactly once
    vary_absent: tuple = ()      # tokens that must not be in Vary
    cors_result: object = None   # CORS_RESULT in the env (or "-")
    seam: bool = False
    preflight_acx: object = None  # for "PREFLIGHT_IF_2XX"
    self_answered: bool = False  # a preflight mod_cors answers itself (empty body)
    kept_upstream: bool = False  # Keep kept the upstream's headers (generic checks relaxed)
    runtime_danger: bool = False  # may log the request-time '*'+credentials error
    blocked: bool = False        # refused by CORSCrossOriginProtection: no handler runs
    why: list = field(default_factory=list)


def origin_granted(p, req):
    """The origin grant of README 6 + spec 11: returns the ACAO value or None."""
    if p.public and not req.preflight:
        return "*"
    if p.public:
        # a preflight must still name one canonical origin (README 6 "the
        # origin is allowed"; README silent on malformed ones under '*')
        return "*" if req.origin is not None and canonical(req.origin) else None
    if req.origin is None or not canonical(req.origin):
        return None
    for e in p.origins:
        if p.credentials and any_origin(e):
            continue            # never granted with credentials (README 10, spec 11)
        if entry_matches(e, req.origin):
            return req.origin
    return None


def parse_acrh(value):
    if value is None:
        return []
    return [t.strip(" \t") for t in value.split(",") if t.strip(" \t")]


def method_granted(p, method):
    if not TOKEN.match(method):
        return False
    allowed = p.list("CORSAllowMethods")
    return method in SAFELISTED_METHODS or method in allowed or "*" in allowed


def headers_granted(p, names):
    allowed = [h.lower() for h in p.list("CORSAllowHeaders")]
    for n in names:
        if not TOKEN.match(n):
            return False
        low = n.lower()
        if low in allowed:
            continue
        if "*" in allowed and low != "authorization":
            continue
        return False
    return len(names) <= 64


def preflight_headers(p, req, acao):
    h = {"access-control-allow-origin": acao}
    if p.credentials:
        h["access-control-allow-credentials"] = "true"
    methods = p.list("CORSAllowMethods")
    if "*" in methods and p.credentials:
        h["access-control-allow-methods"] = req.acrm
    elif methods:       # every method removed ('-GET -HEAD -POST'): header omitted
        h["access-control-allow-methods"] = ", ".join(methods)
    allowed = p.list("CORSAllowHeaders")
    if "*" in allowed and p.credentials:
        names = parse_acrh(req.acrh)
        if names:
            h["access-control-allow-headers"] = ", ".join(n.lower() for n in names)
    elif allowed:
        h["access-control-allow-headers"] = ", ".join(allowed)
    if p.scalar("CORSMaxAge") is not None:
        h["access-control-max-age"] = p.scalar("CORSMaxAge")
    if req.pna and p.scalar("CORSAllowPrivateNetwork") == "On":
        h["access-control-allow-private-network"] = "true"
    return h


def actual_headers(p, acao):
    h = {"access-control-allow-origin": acao}
    if p.credentials:
        h["access-control-allow-credentials"] = "true"
    expose = p.list("CORSExposeHeaders")
    if expose and not ("*" in expose and p.credentials):
        h["access-control-expose-headers"] = ", ".join(expose)
    return h


def upstream_headers(cfg, res, req):
    """The Access-Control-* a handler sets itself (tests/combinations/runner.py)."""
    if res.handler == "cgi" and res.upstream_cors:
        return {"access-control-allow-origin": "*", "access-control-allow-credentials": "true",
                "access-control-allow-methods": "PUT, DELETE"}
    if res.handler == "backend":
        mode = cfg.context.backend_mode
        if mode == "star":
            return {"access-control-allow-origin": "*",
                    "access-control-expose-headers": "X-Backend"}
        if mode == "reflect" and req.origins:
            origins = [o.strip(" \t") for o in req.origins]     # httpd strips OWS
            return {"access-control-allow-origin": ", ".join(origins),
                    "access-control-allow-credentials": "true"}
    return {}


def auth_outcome(cfg, res, req, cors_preflight_grants):
    """None when access control lets the request through, else 401/403."""
    kind = cfg.context.auth if res.auth else "none"
    user = req.creds == "good"
    if kind == "none":
        return None
    if kind == "basic":
        return None if user else 401
    if kind in ("ip", "denied"):
        return 403
    if kind == "any_pf_user":
        return None if (cors_preflight_grants or user) else 401
    if kind == "any_pf_ip":
        return None if cors_preflight_grants else 403
    raise ValueError(kind)


def errordoc_status(cfg, status):
    """A remote ErrorDocument turns 403/404/500 into a redirect (401 keeps its status)."""
    if cfg.context.errdocs.get(status) == "remote" and status != 401:
        return 302
    return status       # httpd ignores a remote ErrorDocument 401 (AH00113)


def expect(cfg, res, req):
    e = Expected(seam=cfg.context.seam and not req.forward and not req.malformed)
    if req.malformed:
        # answered by the default vhost before the Host header is read:
        # never classified, so not decorated at all (no Vary either)
        e.acx, e.status, e.vary_absent = {}, 400, ("origin",)
        e.why.append("httpd refused the request before the per-directory walk (spec 12)")
        return e
    if req.forward:
        e.acx = upstream_headers(cfg, g.RESOURCES["proxy"], req)
        e.vary_absent = ("origin",)
        e.kept_upstream = bool(e.acx)
        e.handler_ran = True
        e.why.append("forward proxy: never decorated (spec 9)")
        return e
    layers = layers_for(cfg, res, req.ifx)
    broken = [s for s in layers if s.kind.startswith("ht") and dangerous(merged_policy([s]))]
    if broken:
        return expect_htaccess_refused(cfg, res, req, e, broken[0])
    p = merged_policy(layers)
    e.runtime_danger = dangerous(p)
    refusal = protection_refuses(cfg, p, req)
    if refusal and p.scalar("CORSCrossOriginProtection") == "On":
        return expect_blocked(cfg, res, req, e, refusal)
    if refusal:
        e.why.append("CORSCrossOriginProtection ReportOnly: would refuse (%s), refuses "
                     "nothing" % refusal)
    if not p.active:
        return expect_no_policy(cfg, res, req, e)
    if p.scalar("CORSReportOnly") == "On":
        return expect_report_only(cfg, res, req, p, e)
    if req.preflight:
        return expect_preflight(cfg, res, req, p, e)
    return expect_actual(cfg, res, req, p, e)


def expect_htaccess_refused(cfg, res, req, e, section):
    """An .htaccess that is dangerous on its own is refused when httpd reads it
    (like configtest refuses the same lines in httpd.conf): 500, nothing runs,
    no grant from a half-read configuration."""
    e.why.append("%s is dangerous by itself: httpd answers 500 (Access-Control-* not "
                 "checked: README silent on grants from the sections read before it)"
                 % section.kind)
    e.status = errordoc_status(cfg, 500)
    e.acx = None
    e.handler_ran = False if res.handler else None
    return e


def handler_reached(res, auth_status):
    if not res.handler:
        return None
    return auth_status is None


def expect_no_policy(cfg, res, req, e):
    e.why.append("no policy: mod_cors changes nothing (README 6, spec 13)")
    auth = auth_outcome(cfg, res, req, False)
    e.handler_ran = handler_reached(res, auth)
    # the handler's own headers pass untouched; nothing else sets any
    e.acx = upstream_headers(cfg, res, req) if e.handler_ran else {}
    e.kept_upstream = bool(e.acx)
    e.vary_absent = ("origin",)
    e.cors_result = "-"
    return e


def decision_result(p, req):
    """CORS_RESULT as the policy decides it (README 6), before any response."""
    if req.preflight:
        granted = (origin_granted(p, req) is not None and method_granted(p, req.acrm)
                   and headers_granted(p, parse_acrh(req.acrh)))
        return "preflight" if granted else "denied"
    if not req.cors:
        return None if p.public else "none"     # README silent under '*'
    return "allowed" if origin_granted(p, req) else "denied"


def expect_report_only(cfg, res, req, p, e):
    """README 4, CORSReportOnly On: the module changes nothing, so the response
    is what the context alone makes (as with no policy: the handler's own
    headers, no exemption from access control, Require cors-preflight grants
    nothing); CORS_RESULT is still the decision."""
    expect_no_policy(cfg, res, req, e)
    e.cors_result = decision_result(p, req)
    e.why.append("CORSReportOnly On: the response is the context's alone")
    return e


def expect_preflight(cfg, res, req, p, e):
    acao = origin_granted(p, req)
    method_ok = method_granted(p, req.acrm)
    headers = parse_acrh(req.acrh)
    granted = acao is not None and method_ok and headers_granted(p, headers)
    passthrough = p.scalar("CORSPreflightPassthrough") == "On"
    e.vary_once = ("origin", "access-control-request-method", "access-control-request-headers")
    e.why.append("preflight %s (origin %s, method %s, headers %s)" % (
        "granted" if granted else "refused", acao, method_ok, headers))
    if granted and not passthrough:
        if p.scalar("CORSPreflightAuth") == "On":
            auth = auth_outcome(cfg, res, req, True)
            if auth is not None:
                e.why.append("CORSPreflightAuth On and access control refuses: %d" % auth)
                return refused_preflight(cfg, e, auth)
        e.status = int(p.scalar("CORSPreflightStatus"))
        e.acx = preflight_headers(p, req, acao)
        e.handler_ran = False if res.handler else None
        e.cors_result = "preflight"
        e.self_answered = True
        e.why.append("answered by mod_cors itself")
        return e
    if granted:
        auth = auth_outcome(cfg, res, req, False)
        if auth is not None:
            e.why.append("passed through, access control refuses: %d (spec 1)" % auth)
            return refused_preflight(cfg, e, auth)
        e.handler_ran = True if res.handler else None
        e.acx = "PREFLIGHT_IF_2XX"
        e.preflight_acx = preflight_headers(p, req, acao)
        keep = p.scalar("CORSUpstreamHeaders") == "Keep"
        up = upstream_headers(cfg, res, req)
        if keep and up.get("access-control-allow-origin"):
            e.preflight_acx = up
            e.kept_upstream = True
        e.why.append("passed through to the handler (2xx -> CORS headers)")
        return e
    auth = auth_outcome(cfg, res, req, False)
    return refused_preflight(cfg, e, auth if auth is not None else 403)


def refused_preflight(cfg, e, status):
    e.acx = {}
    e.not_2xx = True
    e.status = errordoc_status(cfg, status)
    e.handler_ran = False
    e.cors_result = "denied"
    return e


def expect_actual(cfg, res, req, p, e):
    auth = auth_outcome(cfg, res, req, False)
    e.handler_ran = handler_reached(res, auth)
    acao = origin_granted(p, req) if (req.cors or p.public) else None
    e.acx = actual_headers(p, acao) if acao else {}
    if auth is not None:
        e.status = errordoc_status(cfg, auth)
    keep = p.scalar("CORSUpstreamHeaders") == "Keep"
    up = upstream_headers(cfg, res, req) if e.handler_ran else {}
    if keep and up.get("access-control-allow-origin"):
        e.acx = up
        e.kept_upstream = True
        e.why.append("Keep: the upstream's Access-Control-* kept")
    kept_acao = e.acx.get("access-control-allow-origin") if e.kept_upstream else None
    if not p.public or (kept_acao and kept_acao != "*"):
        e.vary_once = ("origin",)
    else:
        e.vary_absent = ("origin",)
    if not req.cors:
        # public policy without Origin: README silent on allowed vs none
        e.cors_result = None if p.public else "none"
    else:
        e.cors_result = "allowed" if acao else "denied"
    e.why.append("actual request, %s" % ("granted %s" % acao if acao else "not granted"))
    return e


# ------------------------------------------------- cross-origin protection ---

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def own_origin(cfg):
    """The request's own origin: http, the Host the runner sends (no port)."""
    return "http://%s.test" % cfg.cid


def protection_checked(req):
    """README 12: unsafe methods, and WebSocket handshakes on any method."""
    if req.method not in SAFE_METHODS:
        return True
    return req.websocket is not None and any(
        t.strip(" \t").split("/")[0].lower() == "websocket" for t in req.websocket.split(","))


def protection_trusted(p, origin):
    """Granted by an entry of the list in effect; '*' never, null only listed."""
    if origin is None or not canonical(origin):
        return False
    return any(entry_matches(e, origin) for e in p.origins if e[0] != "*")


def protection_refuses(cfg, p, req):
    """Why CORSCrossOriginProtection (On or ReportOnly) refuses, or None."""
    if p.scalar("CORSCrossOriginProtection") == "Off" or not protection_checked(req):
        return None
    if req.fetch_site in ("same-origin", "none"):
        return None
    if protection_trusted(p, req.origin):
        return None
    if req.fetch_site is not None:
        return "Sec-Fetch-Site %r, Origin not trusted" % req.fetch_site
    if not req.origins:
        return None
    if req.origin is not None and req.origin == own_origin(cfg):
        return None
    return "no Sec-Fetch-Site, Origin %r neither own nor trusted" % (req.origins,)


def cache_may_answer(cfg, res, req):
    """mod_cache's quick handler answers a cached GET before any check."""
    return cfg.context.cache and req.method == "GET" and res.uri.startswith("/a/b/")


def expect_blocked(cfg, res, req, e, why):
    e.why.append("CORSCrossOriginProtection On refuses: %s (403 before access control)" % why)
    if cache_may_answer(cfg, res, req):
        e.why.append("unless mod_cache answers a cached copy first")
        e.handler_ran = False if res.handler == "cgi" else None
        return e
    e.blocked = True
    e.status = errordoc_status(cfg, 403)
    e.acx = {}
    e.handler_ran = False
    e.vary_absent = ("origin",)
    e.cors_result = "blocked"
    return e

