"""Diagnostics: ``LogLevel cors:debug`` writes one reason line per refused
CORS request (naming the refused origin, method or header, or the
malformation), nothing for granted ones; ``cors:trace1`` logs every
decision; request-time dangerous combinations (a .htaccess turning on
credentials under ``*``) are refused and logged as errors naming the file.
"""

import re

import pytest

from harness import ACX, assert_response, cors_result, httpd_fixture, tagged

APP = "https://app.example.com"

CONF = r"""
LogLevel warn cors:debug
AliasMatch "^/l/[^/]+/(.*)$" "@DOCROOT@/$1"
<Location "/l/api">
    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET PUT
    CORSAllowHeaders X-Custom
</Location>
<Location "/l/trace">
    LogLevel warn cors:trace1
    CORSAllowOrigin https://app.example.com
</Location>
"""

server = httpd_fixture(CONF, docs={"x.txt": "x"}, name="logging")


def debug_lines(server, since):
    return [l for l in server.error_log_lines(since) if "[cors:debug]" in l]


# (id, method, request headers, regexes the single debug line must match)
REFUSALS = [
    ("origin-not-allowed", "GET", [("Origin", "https://evil-1.example")],
     [r"https://evil-1\.example"]),
    ("origin-malformed", "GET", [("Origin", "https://Evil-2.example/")],
     [r"https://Evil-2\.example/"]),
    ("origin-duplicate", "GET", [("Origin", APP), ("Origin", "https://evil-3.example")],
     [r"(?i)multiple|several|duplicate|more than one|evil-3"]),
    ("preflight-origin-not-allowed", "OPTIONS",
     [("Origin", "https://evil-4.example"), ("Access-Control-Request-Method", "GET")],
     [r"https://evil-4\.example"]),
    ("preflight-method-not-allowed", "OPTIONS",
     [("Origin", APP), ("Access-Control-Request-Method", "DELETEFIVE")],
     [r"DELETEFIVE", r"(?i)method"]),
    ("preflight-method-malformed", "OPTIONS",
     [("Origin", APP), ("Access-Control-Request-Method", "PU(T6")],
     [r"(?i)method"]),
    ("preflight-header-not-allowed", "OPTIONS",
     [("Origin", APP), ("Access-Control-Request-Method", "GET"),
      ("Access-Control-Request-Headers", "x-custom, x-seven")],
     [r"x-seven", r"(?i)header"]),
    ("preflight-headers-malformed", "OPTIONS",
     [("Origin", APP), ("Access-Control-Request-Method", "GET"),
      ("Access-Control-Request-Headers", "x-custom;8")],
     [r"(?i)header"]),
    ("preflight-too-many-headers", "OPTIONS",
     [("Origin", APP), ("Access-Control-Request-Method", "GET"),
      ("Access-Control-Request-Headers", ",".join("x-%d" % i for i in range(100)))],
     [r"(?i)header"]),
    ("preflight-header-list-too-long", "OPTIONS",
     [("Origin", APP), ("Access-Control-Request-Method", "GET"),
      ("Access-Control-Request-Headers", "," * 6000)],
     [r"(?i)header"]),
]


@pytest.mark.parametrize("method,headers,patterns", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_debug_logs_one_reason_line_per_refusal(server, method, headers, patterns):
    mark = server.log_mark()
    path = tagged("/l/api/x.txt")
    r = server.request(method, path, headers)
    assert not r.acx()
    assert cors_result(server, path) == "denied"
    assert server.wait_error_log(r"\[cors:debug\]", since=mark)
    lines = debug_lines(server, mark)
    assert len(lines) == 1, lines
    for p in patterns:
        assert re.search(p, lines[0]), (p, lines[0])


@pytest.mark.parametrize("method,headers", [
    ("GET", [("Origin", APP)]),
    ("OPTIONS", [("Origin", APP), ("Access-Control-Request-Method", "PUT")]),
    ("GET", []),
], ids=["actual-granted", "preflight-granted", "no-origin"])
def test_debug_is_silent_when_nothing_is_refused(server, method, headers):
    mark = server.log_mark()
    r = server.request(method, "/l/api/x.txt", headers)
    assert r.status in (200, 204)
    assert server.wait_error_log(r"\[cors:debug\]", since=mark, timeout=0.3) is None


@pytest.mark.parametrize("method,headers", [
    ("GET", [("Origin", APP)]),
    ("OPTIONS", [("Origin", APP), ("Access-Control-Request-Method", "GET")]),
    ("GET", [("Origin", "https://evil.example")]),
], ids=["actual-granted", "preflight-granted", "refused"])
def test_trace1_logs_every_decision(server, method, headers):
    mark = server.log_mark()
    server.request(method, "/l/trace/x.txt", headers)
    assert server.wait_error_log(r"\[cors:(trace1|debug)\].*(app|evil)\.example", since=mark)


RUNTIME_CONF = r"""
CORSAllowOrigin *
<Directory "@DOCROOT@">
    AllowOverride FileInfo
</Directory>
<Directory "@DOCROOT@/expose">
    CORSAllowOrigin https://app.example.com
    CORSExposeHeaders *
</Directory>
"""

RUNTIME_DOCS = {
    "x.txt": "x",
    "cred/x.txt": "x",
    "cred/.htaccess": "CORSAllowCredentials On\n",
    "expose/x.txt": "x",
    "expose/.htaccess": "CORSAllowCredentials On\n",
    "both/x.txt": "x",
    "both/.htaccess": "CORSAllowCredentials On\nCORSAllowOrigin *\n",
}

runtime = httpd_fixture(RUNTIME_CONF, docs=RUNTIME_DOCS, name="logging-runtime")


def test_public_policy_above_htaccess(runtime):
    r = runtime.get("/x.txt", [("Origin", APP)])
    assert_response(r, 200, {"Access-Control-Allow-Origin": "*"}, vary_origin=False)


def test_htaccess_credentials_under_star_never_grants_star(runtime):
    runtime.expect_error(r"cred/\.htaccess")
    mark = runtime.log_mark()
    path = tagged("/cred/x.txt")
    r = runtime.get(path, [("Origin", APP)])
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    assert cors_result(runtime, path) == "denied"
    line = runtime.wait_error_log(r"cred/\.htaccess", since=mark)
    assert line and re.search(r"\[cors:(error|crit|alert|emerg)\]", line), line


def test_htaccess_credentials_under_star_no_origin_gets_nothing(runtime):
    r = runtime.get("/cred/x.txt")
    runtime.expect_error(r"cred/\.htaccess")
    assert_response(r, 200, absent=[ACX], vary_origin=True)


def test_htaccess_expose_star_with_credentials_dropped_and_logged(runtime):
    runtime.expect_error(r"expose/\.htaccess|CORSExposeHeaders")
    mark = runtime.log_mark()
    r = runtime.get("/expose/x.txt", [("Origin", APP)])
    assert_response(r, 200, {"Access-Control-Allow-Origin": APP,
                             "Access-Control-Allow-Credentials": "true"},
                    absent=["Access-Control-Expose-Headers"], vary_origin=True)
    line = runtime.wait_error_log(r"\[cors:(error|crit|alert|emerg)\]", since=mark)
    assert line and "CORSExposeHeaders" in line, line


def test_htaccess_with_credentials_and_star_in_one_file_is_500(runtime):
    runtime.expect_error(r"both/\.htaccess")
    mark = runtime.log_mark()
    r = runtime.get("/both/x.txt", [("Origin", APP)])
    assert r.status == 500
    assert r.get_all("Access-Control-Allow-Credentials") == []
    line = runtime.wait_error_log(r"both/\.htaccess", since=mark)
    assert line and "CORSAllow" in line, line
