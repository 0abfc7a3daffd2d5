"""Several CORSAllowOriginMatch entries in one section share one compiled
alternation that tells in one call that an Origin matches none of them
(issue 15). What is granted, which entry cors:trace1 names, the
wide-with-credentials rule and patterns that cannot be a branch of an
alternation (backreferences, named groups) must be as with one regex call
per entry: in a server section (PCRE2 JIT) and in a .htaccess (the PCRE2
interpreter).
"""

import pytest

from harness import httpd_fixture

SECTION = r"""
    CORSAllowOriginMatch "https://r0-[a-z]+\.example\.io" "https://r1-[a-z]+\.example\.io"
    CORSAllowOriginMatch "https://(ab+)-\1\.example\.net"
    CORSAllowOriginMatch "https://(?<n>[a-z])x\k<n>\.example\.net"
    CORSAllowOriginMatch "(?i)https://case\.example\.org" "https://(app|api)\.example\.com"
"""

CONF = r"""
<Directory "@DOCROOT@/many">
    LogLevel warn cors:trace1
%(section)s</Directory>
<Directory "@DOCROOT@/removed">
%(section)s    CORSAllowOriginMatch "-https://r0-[a-z]+\.example\.io"
</Directory>
<Directory "@DOCROOT@/ht">
    AllowOverride FileInfo
    LogLevel warn cors:trace1
</Directory>
<Directory "@DOCROOT@/cred">
    AllowOverride FileInfo
    CORSAllowCredentials On
</Directory>
""" % {"section": SECTION}

HTACCESS = "\n".join(
    l.strip() for l in SECTION.strip().splitlines()) + "\n"

# credentials on in the server, a wide regex in the .htaccess: only a
# .htaccess can combine them, and the wide entry is then passed over
CRED_HTACCESS = 'CORSAllowOriginMatch "https://.*" "https://app\\.example\\.com"\n'

DOCS = {"x.txt": "x\n", "many/x.txt": "x\n", "removed/x.txt": "x\n", "ht/x.txt": "x\n", "ht/.htaccess": HTACCESS,
        "cred/x.txt": "x\n", "cred/.htaccess": CRED_HTACCESS}

server = httpd_fixture(CONF, docs=DOCS, name="regex-prefilter")

# (origin, the entry that grants it, or None)
ROWS = [
    ("https://r0-abc.example.io", r"https://r0-[a-z]+\.example\.io"),
    ("https://r1-abc.example.io", r"https://r1-[a-z]+\.example\.io"),
    ("https://abb-abb.example.net", r"https://(ab+)-\1\.example\.net"),
    ("https://abb-ab.example.net", None),               # the backreference differs
    ("https://qxq.example.net", r"https://(?<n>[a-z])x\k<n>\.example\.net"),
    ("https://qxr.example.net", None),
    ("https://case.example.org", r"(?i)https://case\.example\.org"),
    ("https://api.example.com", r"https://(app|api)\.example\.com"),
    ("https://r2-abc.example.io", None),
    ("https://nope.example.org", None),
    ("https://r0-abc.example.io.evil.org", None),       # anchored
    ("null", None),                                     # never matched by a regex
]


@pytest.mark.parametrize("path", ["/many/x.txt", "/ht/x.txt"], ids=["server", "htaccess"])
@pytest.mark.parametrize("origin,entry", ROWS, ids=[r[0] for r in ROWS])
def test_granted_by_the_right_entry(server, path, origin, entry):
    mark = server.log_mark()
    r = server.get(path, [("Origin", origin)])
    assert r.status == 200, r
    if entry is None:
        assert not r.has("Access-Control-Allow-Origin"), r
        return
    assert r.get_all("Access-Control-Allow-Origin") == [origin], r
    line = server.wait_error_log(r"\[cors:trace1\].*%s" % origin.replace(".", r"\."),
                                 since=mark)
    # the log escapes backslashes (twice): compare without them
    bare = str(line).replace("\\", "").rstrip()
    assert bare.endswith("matched " + entry.replace("\\", "")), line


def test_wide_regex_skipped_with_credentials(server):
    server.expect_error(r"is in effect together with CORSAllowOriginMatch 'https://\.\*'")
    r = server.get("/cred/x.txt", [("Origin", "https://app.example.com")])
    assert r.get_all("Access-Control-Allow-Origin") == ["https://app.example.com"], r
    assert r.get("Access-Control-Allow-Credentials") == "true", r
    r = server.get("/cred/x.txt", [("Origin", "https://evil.example.com")])
    assert not r.has("Access-Control-Allow-Origin"), r


def test_removed_entry_not_granted(server):
    r = server.get("/removed/x.txt", [("Origin", "https://r0-abc.example.io")])
    assert not r.has("Access-Control-Allow-Origin"), r
    r = server.get("/removed/x.txt", [("Origin", "https://r1-abc.example.io")])
    assert r.get_all("Access-Control-Allow-Origin") == ["https://r1-abc.example.io"], r
