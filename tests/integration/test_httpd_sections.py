"""Section precedence against a real httpd (issue 4, "Section precedence"):
``<Location>`` over ``<Directory>`` (even a deeper one), ``<Files>``,
``<LocationMatch>``, ``<If>``/``<ElseIf>``/``<Else>`` expressions, and
virtual hosts inheriting the main server's policy and sections
(name-based, chosen by the Host header).

httpd's order: main server -> VirtualHost -> <Directory> (shortest first)
-> .htaccess -> <Files> -> <Location>/<LocationMatch> -> <If>; a vhost's
own <Location> sections come after the main server's.
"""

import pytest

from harness import ACX, assert_response, cors_result, httpd_fixture, tagged

CONF = r"""
# ---- main server
CORSAllowOrigin https://main.example.com

<Directory "@DOCROOT@/sec">
    CORSAllowOrigin https://dir.example.com
</Directory>
<Directory "@DOCROOT@/sec/loc/deeper">
    CORSAllowOrigin https://deep.example.com
</Directory>
<Location "/sec/loc">
    CORSAllowOrigin https://loc.example.com
</Location>
<Location "/sec/add">
    CORSAllowOrigin +https://loc.example.com
</Location>
<Directory "@DOCROOT@/sec/files">
    <Files "*.json">
        CORSAllowOrigin https://files.example.com
    </Files>
</Directory>
<Location "/sec/files/over">
    CORSAllowOrigin https://loc.example.com
</Location>
<LocationMatch "^/sec/lm/.*\.json$">
    CORSAllowOrigin https://lm.example.com
</LocationMatch>
<LocationMatch "^/sec/lm/(?<sub>[a-z]+)/">
    CORSAllowOrigin +https://lm-sub.example.com
</LocationMatch>
<Location "/sec/if">
    CORSAllowOrigin https://app.example.com
    <If "%{QUERY_STRING} =~ /v2/">
        CORSAllowOrigin https://v2.example.com
        CORSAllowMethods PUT
    </If>
    <ElseIf "%{QUERY_STRING} =~ /v3/">
        CORSAllowOrigin +https://v3.example.com
    </ElseIf>
    <Else>
        CORSExposeHeaders X-Default
    </Else>
</Location>
<Directory "@DOCROOT@/sec/ifdir">
    <If "%{HTTP:X-Tenant} == 'blue'">
        CORSAllowOrigin https://blue.example.com
    </If>
</Directory>
<Location "/sec/ifdir/loc">
    CORSAllowOrigin +https://loc.example.com
</Location>
<If "%{HTTP:X-Global} == 'on'">
    CORSAllowOrigin +https://global.example.com
</If>

# ---- name-based virtual hosts (the first is the default)
<VirtualHost *:@PORT@>
    ServerName a.test
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName b.test
    CORSAllowOrigin https://b.example.com
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName c.test
    CORSAllowOrigin +https://c.example.com
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName d.test
    CORSAllowOrigin none
</VirtualHost>
<VirtualHost *:@PORT@>
    ServerName e.test
    <Location "/sec/loc">
        CORSAllowOrigin https://eloc.example.com
    </Location>
</VirtualHost>
"""

DOCS = {
    "x.txt": "x\n",
    "sec/x.txt": "x\n",
    "sec/loc/x.txt": "x\n",
    "sec/loc/deeper/x.txt": "x\n",
    "sec/add/x.txt": "x\n",
    "sec/files/x.json": "{}\n",
    "sec/files/x.txt": "x\n",
    "sec/files/over/x.json": "{}\n",
    "sec/lm/x.json": "{}\n",
    "sec/lm/x.txt": "x\n",
    "sec/lm/sub/x.json": "{}\n",
    "sec/if/x.txt": "x\n",
    "sec/ifdir/x.txt": "x\n",
    "sec/ifdir/loc/x.txt": "x\n",
}

server = httpd_fixture(CONF, docs=DOCS, name="httpd-sections")


def o(name):
    return "https://%s.example.com" % name


NOPOLICY = "no-policy"

# id, Host, path, extra headers, {origin name: granted?} or NOPOLICY
ROWS = [
    # <Location> over <Directory>, also over a deeper <Directory>
    ("dir", "a.test", "/sec/x.txt", [], {"dir": True, "main": False, "loc": False}),
    ("loc-over-dir", "a.test", "/sec/loc/x.txt", [], {"loc": True, "dir": False, "main": False}),
    ("loc-over-deeper-dir", "a.test", "/sec/loc/deeper/x.txt", [],
     {"loc": True, "deep": False, "dir": False}),
    ("loc-edits-dir", "a.test", "/sec/add/x.txt", [], {"loc": True, "dir": True, "main": False}),
    # <Files> over <Directory>, <Location> over <Files>
    ("files", "a.test", "/sec/files/x.json", [], {"files": True, "dir": False}),
    ("files-not-matching", "a.test", "/sec/files/x.txt", [], {"dir": True, "files": False}),
    ("loc-over-files", "a.test", "/sec/files/over/x.json", [], {"loc": True, "files": False}),
    # <LocationMatch>
    ("locationmatch", "a.test", "/sec/lm/x.json", [], {"lm": True, "dir": False}),
    ("locationmatch-no-match", "a.test", "/sec/lm/x.txt", [], {"dir": True, "lm": False}),
    ("locationmatch-two-edit", "a.test", "/sec/lm/sub/x.json", [],
     {"lm": True, "lm-sub": True, "dir": False}),
    # <If>/<ElseIf>/<Else> inside <Location>
    ("if-false", "a.test", "/sec/if/x.txt", [], {"app": True, "v2": False, "v3": False}),
    ("if-true", "a.test", "/sec/if/x.txt?v2", [], {"v2": True, "app": False}),
    ("elseif", "a.test", "/sec/if/x.txt?v3", [], {"v3": True, "app": True, "v2": False}),
    # <If> inside <Directory> is merged after <Location>
    ("if-in-dir-false", "a.test", "/sec/ifdir/x.txt", [], {"dir": True, "blue": False}),
    ("if-in-dir-true", "a.test", "/sec/ifdir/x.txt", [("X-Tenant", "blue")],
     {"blue": True, "dir": False}),
    ("if-in-dir-after-location", "a.test", "/sec/ifdir/loc/x.txt", [("X-Tenant", "blue")],
     {"blue": True, "loc": False, "dir": False}),
    ("location-without-if", "a.test", "/sec/ifdir/loc/x.txt", [],
     {"loc": True, "dir": True}),
    # top-level <If> edits whatever the path had
    ("global-if", "a.test", "/sec/loc/x.txt", [("X-Global", "on")],
     {"global": True, "loc": True, "dir": False}),
    ("global-if-main", "a.test", "/x.txt", [("X-Global", "on")], {"global": True, "main": True}),
    # virtual hosts
    ("vhost-inherits-main", "a.test", "/x.txt", [], {"main": True, "b": False}),
    ("vhost-default-for-unknown-host", "unknown.test", "/x.txt", [], {"main": True}),
    ("vhost-own-list-replaces", "b.test", "/x.txt", [], {"b": True, "main": False}),
    ("vhost-own-list-main-directory-wins", "b.test", "/sec/x.txt", [],
     {"dir": True, "b": False}),
    ("vhost-own-list-main-location-wins", "b.test", "/sec/loc/x.txt", [],
     {"loc": True, "b": False}),
    ("vhost-edit-list", "c.test", "/x.txt", [], {"c": True, "main": True, "b": False}),
    ("vhost-none", "d.test", "/x.txt", [], NOPOLICY),
    ("vhost-none-main-directory-still-applies", "d.test", "/sec/x.txt", [], {"dir": True}),
    ("vhost-location-after-main-location", "e.test", "/sec/loc/x.txt", [],
     {"eloc": True, "loc": False}),
    ("vhost-location-other-path-inherits", "e.test", "/sec/x.txt", [], {"dir": True}),
]

CASES = []
for row_id, host, path, extra, table in ROWS:
    if table == NOPOLICY:
        CASES.append(pytest.param(host, path, extra, "main", None, id=row_id))
        continue
    for name, granted in table.items():
        CASES.append(pytest.param(host, path, extra, name, granted,
                                  id="%s-%s" % (row_id, name)))


@pytest.mark.parametrize("host,path,extra,name,granted", CASES)
def test_section_precedence(server, host, path, extra, name, granted):
    t = tagged(path)
    r = server.get(t, [("Host", host), ("Origin", o(name))] + extra)
    if granted is None:
        assert_response(r, 200, absent=[ACX], vary_origin=False)
        assert cors_result(server, t) == "-"      # no policy: nothing set
    elif granted:
        assert_response(r, 200, {"Access-Control-Allow-Origin": o(name)}, vary_origin=True)
        assert cors_result(server, t) == "allowed"
    else:
        assert_response(r, 200, absent=[ACX], vary_origin=True)
        assert cors_result(server, t) == "denied"


def test_else_branch_scalars_and_lists(server):
    r = server.get("/sec/if/x.txt", {"Host": "a.test", "Origin": o("app")})
    assert_response(r, 200, {"Access-Control-Expose-Headers": "X-Default"}, vary_origin=True)
    r = server.get("/sec/if/x.txt?v3", {"Host": "a.test", "Origin": o("app")})
    assert_response(r, 200, {"Access-Control-Expose-Headers": None}, vary_origin=True)


@pytest.mark.parametrize("query,origin,method,status,methods", [
    ("", "app", "GET", 204, "GET, HEAD, POST"),
    ("", "app", "PUT", 403, None),
    ("?v2", "v2", "PUT", 204, "PUT"),
    ("?v2", "v2", "GET", 204, "PUT"),   # GET/HEAD/POST are always allowed
    ("?v2", "app", "GET", 403, None),
])
def test_if_section_applies_to_preflights(server, query, origin, method, status, methods):
    r = server.options("/sec/if/x.txt" + query,
                       [("Host", "a.test"), ("Origin", o(origin)),
                        ("Access-Control-Request-Method", method)])
    if methods:
        assert_response(r, status, {"Access-Control-Allow-Origin": o(origin),
                                    "Access-Control-Allow-Methods": methods},
                        vary_origin=True)
    else:
        assert_response(r, status, absent=[ACX], vary_origin=True)


@pytest.mark.parametrize("host,origin,status", [
    ("a.test", "main", 204), ("b.test", "b", 204), ("b.test", "main", 403),
    ("c.test", "c", 204), ("e.test", "eloc", 204),
])
def test_vhost_preflights(server, host, origin, status):
    path = "/sec/loc/x.txt" if host == "e.test" else "/nowhere"
    r = server.options(path, [("Host", host), ("Origin", o(origin)),
                              ("Access-Control-Request-Method", "GET")])
    if status == 204:
        assert_response(r, 204, {"Access-Control-Allow-Origin": o(origin)}, vary_origin=True)
    else:
        assert_response(r, 403, absent=[ACX], vary_origin=True)


def test_vhost_none_preflight_is_not_cors(server):
    r = server.options("/x.txt", [("Host", "d.test"), ("Origin", o("main")),
                                  ("Access-Control-Request-Method", "GET")])
    assert r.status == 200, r           # the default handler's OPTIONS answer
    assert_response(r, absent=[ACX], vary_origin=False)
