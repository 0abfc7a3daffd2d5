"""Generated requests: origins listed by the configuration, origins mutated
the way CORS scanners mutate them (Corsy, CORScanner, CorsMe, CORStest,
corsair_scan), preflights with random Access-Control-Request-Method/-Headers,
with and without credentials.
"""

import grammar as g
from model import Request, own_origin

# Scanner mutation classes: a listed origin turned into one a careless
# matcher would still grant.
MUTATIONS = {
    "suffix": lambda o: o + ".evil.net",
    "prefix": lambda o: o.replace("://", "://evil-", 1),
    "suffix-no-dot": lambda o: o + "evil.net",
    "scheme-downgrade": lambda o: o.replace("https://", "http://", 1) if o.startswith("https")
    else o.replace("http://", "https://", 1),
    "port-change": lambda o: (o.rsplit(":", 1)[0] if o.count(":") == 2 else o) + ":8444",
    "default-port": lambda o: o + (":443" if o.startswith("https") else ":80"),
    "upper-case": lambda o: o.upper(),
    "upper-host": lambda o: o.split("://")[0] + "://" + o.split("://")[1].capitalize(),
    "trailing-slash": lambda o: o + "/",
    "userinfo": lambda o: o.replace("://", "://user@", 1),
    "ows": lambda o: "  " + o + " ",              # stripped by httpd: still granted
    "inner-space": lambda o: o.replace("://", ":// ", 1),
    "path": lambda o: o + "/x",
    "null": lambda o: "null",
}

# Sec-Fetch-Site as browsers send it, and as a hostile client might.
FETCH_SITES = ["same-origin", "same-origin", "same-site", "cross-site", "cross-site", "none",
               "Same-Origin", "same-origin, cross-site", ""]

ACRM = ["GET", "POST", "PUT", "DELETE", "PATCH", "PROPFIND", "OPTIONS", "put", "BAD M"]
ACRH_NAMES = g.HEADERS + ["x-unlisted", "X-CSRF-TOKEN", "content-type", "authorization"]
RESOURCE_WEIGHTS = {"file": 4, "afile": 2, "top": 1, "missing": 1, "index": 1, "slash": 1,
                    "cgi": 3, "owncgi": 2, "failcgi": 1, "proxy": 3, "redirect": 1,
                    "rewrite": 1}


def listed_origins(cfg):
    """Origins some entry of the configuration grants (before merging)."""
    out = []
    for s in cfg.sections:
        for name, vals in s.lines:
            for v in vals:
                text = v.lstrip("+-")
                if name == "CORSAllowOriginFile":
                    for e in g.file_entries(text) if text in g.FILE_VALUES else []:
                        out += g.PATTERNS.get(e, [e] if "*" not in e else [])
                elif name == "CORSAllowOriginMatch":
                    out += g.NARROW_REGEX.get(text, []) + g.BROAD_REGEX.get(text, [])
                elif text in g.PATTERNS:
                    out += g.PATTERNS[text]
                elif text in g.EXACT or text == "null":
                    out.append(text)
    return out or list(g.EXACT[:2])


def config_values(cfg, directive):
    """Values some line of the configuration gives ``directive`` (unprefixed)."""
    return [v.lstrip("+-") for s in cfg.sections for n, vals in s.lines if n == directive
            for v in vals if v.lstrip("+-") != "*"]


def likely_granted_preflight(rng, cfg, req):
    """A preflight built from what the configuration lists, so that granted,
    self-answered and passed-through preflights are common, not rare."""
    req.origins = [rng.choice(listed_origins(cfg))]
    req.acrm = rng.choice(["GET", "POST"] + config_values(cfg, "CORSAllowMethods"))
    names = config_values(cfg, "CORSAllowHeaders")
    if names and rng.random() < 0.6:
        req.acrh = ", ".join(rng.sample(names, min(len(names), rng.randint(1, 2))))


def gen_origin_headers(rng, cfg):
    listed = listed_origins(cfg)
    r = rng.random()
    if r < 0.42:
        return [rng.choice(listed)]
    if r < 0.80:
        name = rng.choice(sorted(MUTATIONS))
        base = rng.choice([o for o in listed if "://" in o] or g.EXACT)
        return [MUTATIONS[name](base)]
    if r < 0.90:
        return [rng.choice(g.UNLISTED)]
    if r < 0.95:
        return ["null"]
    return [rng.choice(listed), rng.choice(listed + g.UNLISTED)]     # duplicated Origin


def gen_acrh(rng):
    if rng.random() < 0.4:
        return None
    names = rng.sample(ACRH_NAMES, rng.randint(1, 3))
    if rng.random() < 0.05:
        names.append("bad header")
    sep = rng.choice([", ", ",", " , ", ",,"])
    return sep.join(names)


def gen_request(rng, cfg, tag):
    weights = RESOURCE_WEIGHTS
    res = rng.choices(list(weights), list(weights.values()))[0]
    req = Request(res, tag=tag, ifx=rng.random() < 0.3)
    r = rng.random()
    if r < 0.10:
        req.method = rng.choice(["GET", "GET", "HEAD", "POST"])
    elif r < 0.45:
        req.method = "OPTIONS"
        if rng.random() < 0.5:
            likely_granted_preflight(rng, cfg, req)
        else:
            req.origins = gen_origin_headers(rng, cfg)
            req.acrm = rng.choice(ACRM)
            req.acrh = gen_acrh(rng)
        req.pna = rng.random() < 0.15
    elif r < 0.985:
        req.method = rng.choice(["GET", "GET", "GET", "HEAD", "POST", "OPTIONS", "PUT",
                                 "DELETE", "PATCH", "POST"])
        req.origins = gen_origin_headers(rng, cfg)
        if rng.random() < 0.12:
            req.origins = [own_origin(cfg)]
        elif rng.random() < 0.08:
            req.origins = []                    # a non-browser client
        if req.method == "GET" and rng.random() < 0.15:
            req.websocket = rng.choice(["websocket", "websocket", "WebSocket", "h2c"])
    else:
        req.malformed = True
        req.origins = [rng.choice(listed_origins(cfg))]
    if not req.malformed and rng.random() < 0.6:
        req.fetch_site = rng.choice(FETCH_SITES)
    c = rng.random()
    req.creds = "good" if c < 0.2 else "bad" if c < 0.25 else "cookie" if c < 0.35 else ""
    return req


def gen_forward_request(rng, cfg, tag):
    req = Request("proxy", tag=tag, forward=True)
    req.method = "OPTIONS" if rng.random() < 0.3 else "GET"
    req.origins = gen_origin_headers(rng, cfg)
    if req.method == "OPTIONS":
        req.acrm = rng.choice(ACRM)
    return req
