"""Merge rules against a real httpd: server -> VirtualHost -> Directory ->
.htaccess (AllowOverride FileInfo) -> Files -> Location -> If, for origin
lists (replace, +, -, none, repeated lines), the other lists (methods, allowed
and exposed headers) and the scalars (inherited where unset, overridden where
set).

Each row names a Host (vhost) and a path and lists exactly which of the
candidate origins are granted there.
"""

import time

import pytest

from harness import ACX, assert_response, httpd_fixture

C = {
    "server": "https://server.example",
    "vhost": "https://vhost.example",
    "dir": "https://dir.example",
    "sub": "https://sub.example",
    "ht": "https://ht.example",
    "loc": "https://loc.example",
    "if": "https://if.example",
    "files": "https://files.example",
    "a": "https://a.example",
    "b": "https://b.example",
    "r1": "https://r1.example",
    "a.example.com": "https://a.example.com",
}

CONF = r"""
CORSAllowOrigin https://server.example
CORSAllowMethods GET PUT
CORSMaxAge 100

<VirtualHost *:@PORT@>
    ServerName plain.test
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName replace.test
    CORSAllowOrigin https://vhost.example
    CORSMaxAge 200
    <Location "/vloc">
        CORSAllowOrigin +https://loc.example
    </Location>
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName add.test
    CORSAllowOrigin +https://vhost.example
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName edit.test
    CORSAllowOrigin -https://server.example +https://vhost.example
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName remove.test
    CORSAllowOrigin -https://server.example
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName none.test
    CORSAllowOrigin none
</VirtualHost>

<Directory "@DOCROOT@/d-replace">
    CORSAllowOrigin https://dir.example
</Directory>
<Directory "@DOCROOT@/d-add">
    CORSAllowOrigin +https://dir.example
    CORSAllowMethods +DELETE
</Directory>
<Directory "@DOCROOT@/d-add/sub">
    CORSAllowOrigin +https://sub.example
</Directory>
<Directory "@DOCROOT@/d-remove">
    CORSAllowOrigin -https://server.example
</Directory>
<Directory "@DOCROOT@/d-none">
    CORSAllowOrigin none
</Directory>
<Directory "@DOCROOT@/d-none/sub">
    CORSAllowOrigin +https://sub.example
</Directory>
<Directory "@DOCROOT@/d-lines">
    CORSAllowOrigin https://a.example
    CORSAllowOrigin https://b.example
</Directory>
<Directory "@DOCROOT@/d-edit-lines">
    CORSAllowOrigin +https://a.example
    CORSAllowOrigin -https://server.example
</Directory>
<Directory "@DOCROOT@/d-set-then-add">
    CORSAllowOrigin https://a.example
    CORSAllowOrigin +https://b.example
</Directory>
<Directory "@DOCROOT@/d-add-then-set">
    CORSAllowOrigin +https://a.example
    CORSAllowOrigin https://b.example
</Directory>
<Directory "@DOCROOT@/d-match">
    CORSAllowOriginMatch "https://r[0-9]+\.example"
</Directory>
<Directory "@DOCROOT@/d-match-add">
    CORSAllowOriginMatch "+https://r[0-9]+\.example"
</Directory>
<Directory "@DOCROOT@/d-match-add/sub">
    CORSAllowOriginMatch "-https://r[0-9]+\.example"
</Directory>
<Directory "@DOCROOT@/d-match-and-origin">
    CORSAllowOrigin https://a.example
    CORSAllowOriginMatch "https://r[0-9]+\.example"
</Directory>
<Directory "@DOCROOT@/d-origin-minus-via-match">
    CORSAllowOriginMatch +https://a\.example
</Directory>
<Directory "@DOCROOT@/d-wild">
    CORSAllowOrigin https://*.example.com https://a.example.com
</Directory>
<Directory "@DOCROOT@/d-wild/sub">
    CORSAllowOrigin -https://a.example.com
</Directory>
<Directory "@DOCROOT@/d-scalar">
    CORSMaxAge 300
    CORSAllowMethods PATCH
</Directory>
<Location "/d-scalar/loc">
    CORSPreflightStatus 200
</Location>
<Location "/d-scalar/loc/deeper">
    CORSMaxAge 0
</Location>
<Directory "@DOCROOT@/d-files">
    CORSAllowOrigin +https://dir.example
    <Files "special.txt">
        CORSAllowOrigin +https://files.example
    </Files>
</Directory>
<Location "/d-replace/loc">
    CORSAllowOrigin +https://loc.example
</Location>
<Location "/d-add/loc">
    CORSAllowOrigin https://loc.example
</Location>
<Location "/d-files/special.txt">
    CORSAllowOrigin -https://dir.example
</Location>
<Location "/if">
    CORSAllowOrigin https://loc.example
    <If "%{HTTP:X-Mode} == 'add'">
        CORSAllowOrigin +https://if.example
    </If>
    <If "%{HTTP:X-Mode} == 'replace'">
        CORSAllowOrigin https://if.example
    </If>
    <If "%{HTTP:X-Mode} == 'none'">
        CORSAllowOrigin none
    </If>
    <If "%{HTTP:X-Mode} == 'remove'">
        CORSAllowOrigin -https://loc.example
    </If>
</Location>
<Directory "@DOCROOT@/d-if">
    CORSAllowOrigin +https://dir.example
    <If "%{HTTP:X-Mode} == 'add'">
        CORSAllowOrigin +https://if.example
        CORSMaxAge 7
    </If>
</Directory>

<Directory "@DOCROOT@/h">
    AllowOverride FileInfo
</Directory>
<Directory "@DOCROOT@/h/add">
    CORSAllowOrigin +https://dir.example
</Directory>
<Location "/h/add/minus">
    CORSAllowOrigin -https://ht.example
</Location>
<Location "/h/add/loc">
    CORSAllowOrigin https://loc.example
</Location>
<Directory "@DOCROOT@/h/authconfig-only">
    AllowOverride AuthConfig
</Directory>
"""

HT_ALL = """CORSAllowOrigin https://ht.example
CORSAllowOriginMatch "https://r[0-9]+\\.example"
CORSAllowMethods GET PUT PATCH
CORSAllowHeaders X-Ht
CORSExposeHeaders X-Exposed
CORSAllowCredentials On
CORSMaxAge 42
CORSAllowPrivateNetwork On
CORSPreflightStatus 202
CORSPreflightPassthrough Off
"""

DOCS = {}
for d in ["", "d-replace", "d-add", "d-add/sub", "d-remove", "d-none", "d-none/sub",
          "d-lines", "d-edit-lines", "d-set-then-add", "d-add-then-set", "d-match",
          "d-match-add", "d-match-add/sub", "d-match-and-origin", "d-origin-minus-via-match",
          "d-wild", "d-wild/sub", "d-scalar", "d-scalar/loc", "d-scalar/loc/deeper",
          "d-files", "d-replace/loc", "d-add/loc", "if", "d-if", "vloc",
          "h/replace", "h/add", "h/add/minus", "h/add/loc", "h/edit", "h/none", "h/scalars",
          "h/all", "h/authconfig-only", "h/bad", "h/inherit"]:
    DOCS[(d + "/x.txt").lstrip("/")] = "x\n"
DOCS["d-files/special.txt"] = "special\n"
DOCS["h/replace/.htaccess"] = "CORSAllowOrigin https://ht.example\n"
DOCS["h/add/.htaccess"] = "CORSAllowOrigin +https://ht.example\n"
DOCS["h/edit/.htaccess"] = "CORSAllowOrigin -https://server.example +https://ht.example\n"
DOCS["h/none/.htaccess"] = "CORSAllowOrigin none\n"
DOCS["h/scalars/.htaccess"] = "CORSMaxAge 5\nCORSAllowCredentials On\nCORSPreflightStatus 200\n"
DOCS["h/all/.htaccess"] = HT_ALL
DOCS["h/authconfig-only/.htaccess"] = "CORSAllowOrigin https://ht.example\n"
DOCS["h/bad/.htaccess"] = "CORSAllowOrigin HTTPS://Ht.example/\n"
DOCS["h/inherit/.htaccess"] = "# nothing about CORS here\nAddType text/plain .txt\n"

server = httpd_fixture(CONF, docs=DOCS, name="merge")


def granted_set(server, path, host="plain.test", extra=()):
    out = set()
    for name, origin in C.items():
        r = server.get(path, [("Host", host), ("Origin", origin)] + list(extra))
        assert r.status == 200, r
        acao = r.get_all("Access-Control-Allow-Origin")
        if acao:
            assert acao == [origin], r
            out.add(name)
    return out


# (id, host, path, extra request headers, granted candidates)
ORIGIN_ROWS = [
    ("server-level", "plain.test", "/x.txt", [], {"server"}),
    ("default-vhost-by-ip", "127.0.0.1", "/x.txt", [], {"server"}),
    ("vhost-replaces", "replace.test", "/x.txt", [], {"vhost"}),
    ("vhost-adds", "add.test", "/x.txt", [], {"server", "vhost"}),
    ("vhost-removes-and-adds", "edit.test", "/x.txt", [], {"vhost"}),
    ("vhost-removes-last-entry-policy-off", "remove.test", "/x.txt", [], set()),
    ("vhost-none", "none.test", "/x.txt", [], set()),
    ("vhost-location-adds-to-vhost", "replace.test", "/vloc/x.txt", [], {"vhost", "loc"}),
    ("dir-replaces", "plain.test", "/d-replace/x.txt", [], {"dir"}),
    ("dir-replaces-under-vhost", "add.test", "/d-replace/x.txt", [], {"dir"}),
    ("dir-adds", "plain.test", "/d-add/x.txt", [], {"server", "dir"}),
    ("dir-adds-to-vhost-replacement", "replace.test", "/d-add/x.txt", [], {"vhost", "dir"}),
    ("dir-adds-to-vhost-edit", "edit.test", "/d-add/x.txt", [], {"vhost", "dir"}),
    ("dir-adds-to-vhost-none", "none.test", "/d-add/x.txt", [], {"dir"}),
    ("nested-dir-adds-twice", "plain.test", "/d-add/sub/x.txt", [], {"server", "dir", "sub"}),
    ("dir-removes-last-entry", "plain.test", "/d-remove/x.txt", [], set()),
    ("dir-none", "plain.test", "/d-none/x.txt", [], set()),
    ("add-below-none", "plain.test", "/d-none/sub/x.txt", [], {"sub"}),
    ("repeated-lines-accumulate", "plain.test", "/d-lines/x.txt", [], {"a", "b"}),
    ("edit-lines-accumulate", "plain.test", "/d-edit-lines/x.txt", [], {"a"}),
    ("set-then-add-line-replaces", "plain.test", "/d-set-then-add/x.txt", [], {"a", "b"}),
    ("add-then-set-line-replaces", "plain.test", "/d-add-then-set/x.txt", [], {"a", "b"}),
    ("match-replaces", "plain.test", "/d-match/x.txt", [], {"r1"}),
    ("match-adds", "plain.test", "/d-match-add/x.txt", [], {"server", "r1"}),
    ("match-removed-by-text", "plain.test", "/d-match-add/sub/x.txt", [], {"server"}),
    ("match-and-origin-share-one-list", "plain.test", "/d-match-and-origin/x.txt", [],
     {"a", "r1"}),
    ("match-adds-to-inherited-origins", "plain.test", "/d-origin-minus-via-match/x.txt", [],
     {"server", "a"}),
    ("wild-and-exact", "plain.test", "/d-wild/x.txt", [], {"a.example.com"}),
    ("minus-exact-does-not-exclude-wildcard-match", "plain.test", "/d-wild/sub/x.txt", [],
     {"a.example.com"}),
    ("files-adds-to-dir", "plain.test", "/d-files/special.txt", [], {"server", "files"}),
    ("files-not-matching", "plain.test", "/d-files/x.txt", [], {"server", "dir"}),
    ("location-adds-to-dir", "plain.test", "/d-replace/loc/x.txt", [], {"dir", "loc"}),
    ("location-replaces-dir", "plain.test", "/d-add/loc/x.txt", [], {"loc"}),
    ("if-not-taken", "plain.test", "/if/x.txt", [], {"loc"}),
    ("if-adds", "plain.test", "/if/x.txt", [("X-Mode", "add")], {"loc", "if"}),
    ("if-replaces", "plain.test", "/if/x.txt", [("X-Mode", "replace")], {"if"}),
    ("if-none", "plain.test", "/if/x.txt", [("X-Mode", "none")], set()),
    ("if-removes", "plain.test", "/if/x.txt", [("X-Mode", "remove")], set()),
    ("if-in-directory-adds", "plain.test", "/d-if/x.txt", [("X-Mode", "add")],
     {"server", "dir", "if"}),
    ("if-in-directory-not-taken", "plain.test", "/d-if/x.txt", [], {"server", "dir"}),
    ("htaccess-replaces", "plain.test", "/h/replace/x.txt", [], {"ht"}),
    ("htaccess-adds-to-dir", "plain.test", "/h/add/x.txt", [], {"server", "dir", "ht"}),
    ("htaccess-adds-under-vhost", "replace.test", "/h/add/x.txt", [], {"vhost", "dir", "ht"}),
    ("htaccess-removes-and-adds", "plain.test", "/h/edit/x.txt", [], {"ht"}),
    ("htaccess-none", "plain.test", "/h/none/x.txt", [], set()),
    ("htaccess-without-cors-inherits", "plain.test", "/h/inherit/x.txt", [], {"server"}),
    ("location-removes-htaccess-entry", "plain.test", "/h/add/minus/x.txt", [],
     {"server", "dir"}),
    ("location-replaces-htaccess", "plain.test", "/h/add/loc/x.txt", [], {"loc"}),
    ("htaccess-every-directive", "plain.test", "/h/all/x.txt", [], {"ht", "r1"}),
]


@pytest.mark.parametrize("host,path,extra,expected", [r[1:] for r in ORIGIN_ROWS],
                         ids=[r[0] for r in ORIGIN_ROWS])
def test_origin_list_merge(server, host, path, extra, expected):
    assert granted_set(server, path, host, extra) == expected
    # a refused origin: Vary only where a policy is in effect
    r = server.get(path, [("Host", host), ("Origin", "https://nobody.example")] + list(extra))
    assert_response(r, 200, absent=[ACX], vary_origin=bool(expected))


def pre(server, path, host="plain.test", method="GET", acrh=None, origin=None, extra=()):
    h = [("Host", host), ("Origin", origin or C["server"]),
         ("Access-Control-Request-Method", method)]
    if acrh:
        h.append(("Access-Control-Request-Headers", acrh))
    return server.options(path, h + list(extra))


# (id, host, path, origin, request extra, expected status, expected headers)
SCALAR_ROWS = [
    ("server-scalars", "plain.test", "/x.txt", "server", [], 204,
     {"Access-Control-Allow-Methods": "GET, PUT", "Access-Control-Max-Age": "100"}),
    ("vhost-overrides-max-age", "replace.test", "/x.txt", "vhost", [], 204,
     {"Access-Control-Allow-Methods": "GET, PUT", "Access-Control-Max-Age": "200"}),
    ("dir-adds-method", "plain.test", "/d-add/x.txt", "server", [], 204,
     {"Access-Control-Allow-Methods": "GET, PUT, DELETE", "Access-Control-Max-Age": "100"}),
    ("dir-replaces-methods-and-max-age", "plain.test", "/d-scalar/x.txt", "server", [], 204,
     {"Access-Control-Allow-Methods": "PATCH", "Access-Control-Max-Age": "300"}),
    ("location-sets-status-inherits-rest", "plain.test", "/d-scalar/loc/x.txt", "server", [],
     200, {"Access-Control-Allow-Methods": "PATCH", "Access-Control-Max-Age": "300"}),
    ("deeper-location-overrides-max-age", "plain.test", "/d-scalar/loc/deeper/x.txt", "server",
     [], 200, {"Access-Control-Allow-Methods": "PATCH", "Access-Control-Max-Age": "0"}),
    ("if-overrides-max-age", "plain.test", "/d-if/x.txt", "dir", [("X-Mode", "add")], 204,
     {"Access-Control-Max-Age": "7"}),
    ("htaccess-scalars", "plain.test", "/h/scalars/x.txt", "server", [], 200,
     {"Access-Control-Max-Age": "5", "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Methods": "GET, PUT"}),
    ("htaccess-every-directive", "plain.test", "/h/all/x.txt", "ht",
     [("Access-Control-Request-Private-Network", "true")], 202,
     {"Access-Control-Allow-Methods": "GET, PUT, PATCH", "Access-Control-Max-Age": "42",
      "Access-Control-Allow-Headers": "X-Ht", "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Private-Network": "true"}),
]


@pytest.mark.parametrize("host,path,origin,extra,status,expect",
                         [r[1:] for r in SCALAR_ROWS], ids=[r[0] for r in SCALAR_ROWS])
def test_scalar_and_list_merge_in_preflight(server, host, path, origin, extra, status, expect):
    r = pre(server, path, host, origin=C[origin], extra=extra)
    expect = dict(expect, **{"Access-Control-Allow-Origin": C[origin]})
    assert_response(r, status, expect, vary_origin=True)


def test_htaccess_every_directive_actual_request(server):
    r = server.get("/h/all/x.txt", [("Host", "plain.test"), ("Origin", C["r1"])])
    assert_response(r, 200, {"Access-Control-Allow-Origin": C["r1"],
                             "Access-Control-Allow-Credentials": "true",
                             "Access-Control-Expose-Headers": "X-Exposed"}, vary_origin=True)


def test_htaccess_needs_allowoverride_fileinfo(server):
    server.expect_error(r"CORSAllowOrigin not allowed here")
    r = server.get("/h/authconfig-only/x.txt", [("Host", "plain.test"), ("Origin", C["ht"])])
    assert r.status == 500
    assert server.wait_error_log(r"authconfig-only/\.htaccess: CORSAllowOrigin not allowed here")


def test_htaccess_config_error_is_500_naming_the_file(server):
    server.expect_error(r"h/bad/\.htaccess")
    r = server.get("/h/bad/x.txt", [("Host", "plain.test"), ("Origin", C["server"])])
    assert r.status == 500
    line = server.wait_error_log(r"h/bad/\.htaccess")
    assert line and "CORSAllowOrigin" in line and "https://ht.example" in line, line


UNSET_CONF = r"""
<Location "/m">
    CORSAllowOrigin https://a.example
</Location>
<Location "/m/add-put">
    CORSAllowMethods +PUT
</Location>
<Location "/m/remove-post">
    CORSAllowMethods -POST
</Location>
<Location "/m/hdr">
    CORSAllowHeaders X-A X-B
    CORSExposeHeaders X-E1 X-E2
</Location>
<Location "/m/hdr/add">
    CORSAllowHeaders +X-C
    CORSExposeHeaders +X-E3
</Location>
<Location "/m/hdr/remove">
    CORSAllowHeaders -X-A
    CORSExposeHeaders -X-E1
</Location>
<Location "/m/hdr/remove-all">
    CORSAllowHeaders -X-A -X-B
    CORSExposeHeaders -X-E1 -X-E2
</Location>
<Location "/m/hdr/replace">
    CORSAllowHeaders X-D
    CORSExposeHeaders X-E9
</Location>
<Location "/m/cred">
    CORSAllowCredentials On
    CORSAllowPrivateNetwork On
    CORSPreflightStatus 200
    CORSMaxAge 60
</Location>
<Location "/m/cred/off">
    CORSAllowCredentials Off
    CORSAllowPrivateNetwork Off
</Location>
<Location "/m/cred/off/again">
    CORSAllowCredentials On
</Location>
"""

unset = httpd_fixture(UNSET_CONF, docs={p + "/x.txt": "x" for p in [
    "m", "m/hdr", "m/hdr/add", "m/hdr/remove", "m/hdr/remove-all", "m/hdr/replace"]},
    name="merge-unset")

A = "https://a.example"
PNA = [("Access-Control-Request-Private-Network", "true")]

# (id, path, ACRH, extra, status, expected preflight headers, absent)
UNSET_ROWS = [
    ("default-methods", "/m/x", None, [], 204,
     {"Access-Control-Allow-Methods": "GET, HEAD, POST"}, ["Access-Control-Allow-Headers"]),
    ("plus-over-default-methods", "/m/add-put/x", None, [], 204,
     {"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT"}, []),
    ("minus-from-default-methods", "/m/remove-post/x", None, [], 204,
     {"Access-Control-Allow-Methods": "GET, HEAD"}, []),
    ("headers-set", "/m/hdr/x", "x-a", [], 204,
     {"Access-Control-Allow-Headers": "X-A, X-B"}, ["Access-Control-Expose-Headers"]),
    ("headers-plus", "/m/hdr/add/x", "x-c", [], 204,
     {"Access-Control-Allow-Headers": "X-A, X-B, X-C"}, []),
    ("headers-minus", "/m/hdr/remove/x", "x-b", [], 204,
     {"Access-Control-Allow-Headers": "X-B"}, []),
    ("headers-minus-refuses-removed", "/m/hdr/remove/x", "x-a", [], 403, {}, [ACX]),
    ("headers-minus-all", "/m/hdr/remove-all/x", None, [], 204, {},
     ["Access-Control-Allow-Headers"]),
    ("headers-replace", "/m/hdr/replace/x", "x-d", [], 204,
     {"Access-Control-Allow-Headers": "X-D"}, []),
    ("headers-replace-refuses-inherited", "/m/hdr/replace/x", "x-a", [], 403, {}, [ACX]),
    ("scalars-set", "/m/cred/x", None, PNA, 200,
     {"Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "60",
      "Access-Control-Allow-Private-Network": "true"}, []),
    ("scalars-overridden-off", "/m/cred/off/x", None, PNA, 200,
     {"Access-Control-Max-Age": "60"},
     ["Access-Control-Allow-Credentials", "Access-Control-Allow-Private-Network"]),
    ("scalar-overridden-on-again", "/m/cred/off/again/x", None, [], 200,
     {"Access-Control-Allow-Credentials": "true"}, []),
]


@pytest.mark.parametrize("path,acrh,extra,status,expect,absent",
                         [r[1:] for r in UNSET_ROWS], ids=[r[0] for r in UNSET_ROWS])
def test_list_edits_over_defaults(unset, path, acrh, extra, status, expect, absent):
    h = [("Origin", A), ("Access-Control-Request-Method", "GET")]
    if acrh:
        h.append(("Access-Control-Request-Headers", acrh))
    r = unset.options(path, h + extra)
    if status == 204 or status == 200:
        expect = dict(expect, **{"Access-Control-Allow-Origin": A})
    assert_response(r, status, expect, absent, vary_origin=True)


# (id, path, expected Expose-Headers)
EXPOSE_ROWS = [
    ("expose-set", "/m/hdr/x.txt", "X-E1, X-E2"),
    ("expose-plus", "/m/hdr/add/x.txt", "X-E1, X-E2, X-E3"),
    ("expose-minus", "/m/hdr/remove/x.txt", "X-E2"),
    ("expose-minus-all", "/m/hdr/remove-all/x.txt", None),
    ("expose-replace", "/m/hdr/replace/x.txt", "X-E9"),
]


@pytest.mark.parametrize("path,expose", [r[1:] for r in EXPOSE_ROWS],
                         ids=[r[0] for r in EXPOSE_ROWS])
def test_expose_list_merge(unset, path, expose):
    r = unset.get(path, [("Origin", A)])
    assert r.status == 200, r
    assert r.get_all("Access-Control-Allow-Origin") == [A], r
    assert r.get_all("Access-Control-Expose-Headers") == ([expose] if expose else []), r


BIG = 10000
BIG_CONF = "\n".join("CORSAllowOrigin https://o%d.example" % i for i in range(BIG)) + r"""
<Directory "@DOCROOT@/ht">
    AllowOverride FileInfo
</Directory>
"""

big = httpd_fixture(BIG_CONF, docs={"x.txt": "x", "ht/x.txt": "x",
                                    "ht/.htaccess": "CORSAllowOrigin +https://ht.example\n"},
                    name="merge-big")


@pytest.mark.parametrize("path,origin,granted", [
    ("/x.txt", "https://o0.example", True),
    ("/x.txt", "https://o9999.example", True),
    ("/x.txt", "https://o10000.example", False),
    ("/ht/x.txt", "https://o5000.example", True),
    ("/ht/x.txt", "https://ht.example", True),
    ("/x.txt", "https://ht.example", False),
], ids=["first", "last", "beyond", "inherited-under-htaccess", "htaccess-added",
        "htaccess-entry-not-above"])
def test_ten_thousand_origin_list(big, path, origin, granted):
    r = big.get(path, [("Origin", origin)])
    assert r.get_all("Access-Control-Allow-Origin") == ([origin] if granted else []), r


def test_ten_thousand_origin_list_under_htaccess_stays_cheap(big):
    def timed(path):
        t0 = time.monotonic()
        for i in range(100):
            r = big.get(path, [("Origin", "https://o%d.example" % (i * 97))])
            assert r.status == 200
        return time.monotonic() - t0
    base = timed("/x.txt")
    below = timed("/ht/x.txt")
    # per-request copying of 10,000 entries would cost far more than this
    assert below < base * 3 + 0.5, (base, below)
