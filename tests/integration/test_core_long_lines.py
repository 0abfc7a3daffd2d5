"""Long directive lines: httpd hands a TAKE_ARGV directive at most 64 words
and drops the rest silently, so the list directives split their own lines.
Every value of a 100-value line must count."""

import pytest

from harness import ACX, assert_response, httpd_fixture

ORIGINS = ["https://o%03d.example.com" % i for i in range(100)]
METHODS = ["M%03d" % i for i in range(100)]
HEADERS = ["X-H%03d" % i for i in range(100)]

CONF = """
<Location "/api">
    CORSAllowOrigin %s
    CORSAllowMethods %s
    CORSAllowHeaders %s
</Location>
<Location "/api/edited">
    CORSAllowOrigin %s
</Location>
""" % (" ".join(ORIGINS), " ".join(METHODS), " ".join(HEADERS),
       " ".join("-" + o for o in ORIGINS[:99]))

server = httpd_fixture(CONF, docs={"api/x.txt": "x", "api/edited/x.txt": "x"},
                       name="long-lines")


@pytest.mark.parametrize("origin", [ORIGINS[0], ORIGINS[63], ORIGINS[64], ORIGINS[99]])
def test_every_origin_of_a_100_value_line_is_granted(server, origin):
    r = server.get("/api/x.txt", [("Origin", origin)])
    assert_response(r, 200, {"Access-Control-Allow-Origin": origin}, vary_origin=True)


def test_every_method_and_header_of_a_100_value_line_is_allowed(server):
    r = server.preflight("/api/x.txt", ORIGINS[99], METHODS[99], HEADERS[99])
    assert_response(r, 204, {"Access-Control-Allow-Origin": ORIGINS[99]},
                    vary_origin=True)
    assert METHODS[99] in r.get("Access-Control-Allow-Methods")
    assert HEADERS[99] in r.get("Access-Control-Allow-Headers")


def test_a_99_value_removal_line_removes_all_of_them(server):
    r = server.get("/api/edited/x.txt", [("Origin", ORIGINS[98])])
    assert_response(r, 200, absent=[ACX], vary_origin=True)
    r = server.get("/api/edited/x.txt", [("Origin", ORIGINS[99])])
    assert_response(r, 200, {"Access-Control-Allow-Origin": ORIGINS[99]},
                    vary_origin=True)
