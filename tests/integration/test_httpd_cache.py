"""mod_cache + mod_cache_disk in front of a CORS policy (issue 4, "Caches").

A response cached for one origin must never be served with that origin's
``Access-Control-Allow-Origin`` to another origin, to a request without
Origin, or to a refused origin; a cached refusal must never reach an allowed
origin. mod_cors merges ``Vary: Origin`` before mod_cache stores the
response, so every Origin value gets its own variant.

Each test primes a fresh URL (unique query) and reads it back;
``CacheHeader on`` (``X-Cache: HIT|MISS ...``) proves a repeated request was
really served from the cache and a new origin consulted it and missed. Both
``CacheQuickHandler On`` (cache served before any per-directory config) and
``Off`` (served from the handler phase) are covered.
"""

import os
import pwd
import time

import pytest

from harness import ACX, Httpd, assert_response, tagged

A = "https://a.example.com"
B = "https://b.example.com"
EVIL = "https://evil.example.com"
NONE = None

CONF = r"""
CacheRoot "@ROOT@/cache"
CacheEnable disk /c/
CacheIgnoreNoLastMod On
CacheQuickHandler %(quick)s
CacheHeader on
CacheDetailHeader on
CacheDefaultExpire 60
Alias "/c/" "@DOCROOT@/"
<Location "/c/">
    Header set Cache-Control "max-age=60"
</Location>
<Location "/c/list/">
    CORSAllowOrigin https://a.example.com https://b.example.com
    CORSExposeHeaders X-Total
</Location>
<Location "/c/cred/">
    CORSAllowOrigin https://a.example.com
    CORSAllowCredentials On
</Location>
<Location "/c/public/">
    CORSAllowOrigin *
</Location>
"""

DOCS = {"list/x.txt": "list\n", "cred/x.txt": "cred\n", "public/x.txt": "public\n"}


@pytest.fixture(scope="module", params=["On", "Off"], ids=["quick-on", "quick-off"])
def server(request):
    h = Httpd(CONF % dict(quick=request.param), docs=DOCS, modules=["cache", "cache_disk"],
              name="httpd-cache-quick-%s" % request.param)
    cache = os.path.join(h.root, "cache")
    os.makedirs(cache)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("www-data")
        os.chown(cache, pw.pw_uid, pw.pw_gid)
    try:
        h.start()
        yield h
    finally:
        h.cleanup()


def expected(loc, origin):
    """The CORS headers a request from ``origin`` must get under ``loc``."""
    if loc == "public":
        return {"Access-Control-Allow-Origin": "*"}
    if loc == "list" and origin in (A, B):
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": "X-Total"}
    if loc == "cred" and origin == A:
        return {"Access-Control-Allow-Origin": A, "Access-Control-Allow-Credentials": "true"}
    return {}


def fetch(server, loc, path, origin):
    """GET ``path`` as ``origin`` and check the CORS headers are the right
    ones for that origin (whatever the cache did); return the X-Cache verdict."""
    r = server.get(path, {"Origin": origin} if origin else {})
    want = expected(loc, origin)
    if want:
        assert_response(r, 200, want, vary_origin=(loc != "public"))
        assert sorted(r.acx()) == sorted(k.lower() for k in want), r
    else:
        assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert r.body == ("%s\n" % loc).encode()
    xc = r.get("X-Cache")
    assert xc and xc.split()[0] in ("HIT", "MISS", "REVALIDATE"), r
    assert r.has("X-Cache-Detail"), r
    return xc.split()[0]


def fetch_until_hit(server, loc, path, origin, tries=20):
    """The cache is written as the response ends: repeat (checking every
    answer) until one is served from the cache."""
    for _ in range(tries):
        if fetch(server, loc, path, origin) == "HIT":
            return
        time.sleep(0.05)
    pytest.fail("%s for %r never served from the cache" % (path, origin))


ORIGINS = [A, B, NONE, EVIL]


@pytest.mark.parametrize("loc", ["list", "cred"])
@pytest.mark.parametrize("prime", ORIGINS,
                         ids=["prime-a", "prime-b", "prime-none", "prime-refused"])
def test_cached_variant_never_served_to_another_origin(server, loc, prime):
    path = tagged("/c/%s/x.txt" % loc)
    assert fetch(server, loc, path, prime) == "MISS"
    fetch_until_hit(server, loc, path, prime)
    for origin in ORIGINS:
        if origin == prime:
            continue
        # consulted, no variant for this Origin: a miss with its own answer
        assert fetch(server, loc, path, origin) == "MISS"
        fetch_until_hit(server, loc, path, origin)
    # every variant now cached: each origin still gets its own answer
    for origin in ORIGINS:
        assert fetch(server, loc, path, origin) == "HIT"


def test_public_policy_one_cached_copy_for_everyone(server):
    path = tagged("/c/public/x.txt")
    assert fetch(server, "public", path, A) == "MISS"
    fetch_until_hit(server, "public", path, A)
    # no Vary: Origin in public mode, so the same copy (ACAO *) serves all
    for origin in ORIGINS:
        assert fetch(server, "public", path, origin) == "HIT"


def test_preflight_not_cached_and_answered(server):
    path = tagged("/c/list/x.txt")
    fetch(server, "list", path, A)
    fetch_until_hit(server, "list", path, A)
    for _ in range(2):
        r = server.preflight(path, B, "POST")
        assert_response(r, 204, {"Access-Control-Allow-Origin": B}, vary_origin=True)
        assert not (r.get("X-Cache") or "").startswith("HIT"), r
        r = server.preflight(path, EVIL, "POST")
        assert_response(r, 403, absent=[ACX], vary_origin=True)
