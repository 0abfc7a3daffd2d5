"""Configuration errors at ``apache2 -t``: every bad directive value makes the
config test fail with a message naming the directive and the problem (and,
for non-canonical origins, the canonical spelling to write instead). Every
good form passes, so the error rows cannot pass by everything failing.
"""

import re

import pytest

from harness import Httpd


def configtest(body, name):
    h = Httpd(body, name=name)
    try:
        return h.configtest()
    finally:
        h.cleanup()


def loc(*lines):
    return '<Location "/x">\n    %s\n</Location>\n' % "\n    ".join(lines)


# (id, config body, directive named, regexes the output must match)
BAD = [
    # non-canonical origins
    ("origin-uppercase-scheme", "CORSAllowOrigin HTTPS://example.com", "CORSAllowOrigin",
     [r"HTTPS://example\.com", r"'https://example\.com'"]),
    ("origin-uppercase-host", "CORSAllowOrigin https://Example.COM", "CORSAllowOrigin",
     [r"https://Example\.COM", r"(?i)lower.?case", r"'https://example\.com'"]),
    ("origin-default-port-https", "CORSAllowOrigin https://example.com:443", "CORSAllowOrigin",
     [r"(?i)default port|:443", r"'https://example\.com'"]),
    ("origin-default-port-http", "CORSAllowOrigin http://example.com:80", "CORSAllowOrigin",
     [r"(?i)default port|:80", r"'http://example\.com'"]),
    ("origin-trailing-slash", "CORSAllowOrigin https://example.com/", "CORSAllowOrigin",
     [r"(?i)path|slash", r"'https://example\.com'"]),
    ("origin-path", "CORSAllowOrigin https://example.com/app", "CORSAllowOrigin",
     [r"(?i)path", r"'https://example\.com'"]),
    ("origin-query", "CORSAllowOrigin https://example.com?x=1", "CORSAllowOrigin", []),
    ("origin-userinfo", "CORSAllowOrigin https://user@example.com", "CORSAllowOrigin", []),
    ("origin-missing-scheme", "CORSAllowOrigin example.com", "CORSAllowOrigin",
     [r"(?i)scheme"]),
    ("origin-missing-scheme-with-port", "CORSAllowOrigin example.com:8080", "CORSAllowOrigin",
     []),
    ("origin-raw-non-ascii", "CORSAllowOrigin https://bücher.example", "CORSAllowOrigin",
     [r"(?i)punycode|non-ascii|ascii|idn"]),
    ("origin-ipv6-not-compressed", "CORSAllowOrigin http://[0:0:0:0:0:0:0:1]",
     "CORSAllowOrigin", [r"(?i)ipv6|canonical", r"'http://\[::1\]'"]),
    ("origin-ipv6-uppercase", "CORSAllowOrigin http://[2001:DB8::1]:8080", "CORSAllowOrigin",
     [r"'http://\[2001:db8::1\]:8080'"]),
    ("origin-ipv6-wrong-run", "CORSAllowOrigin http://[2001:db8:0:0:1::1]", "CORSAllowOrigin",
     [r"'http://\[2001:db8::1:0:0:1\]'"]),
    ("origin-ipv6-unbracketed", "CORSAllowOrigin http://::1", "CORSAllowOrigin", []),
    ("origin-ipv4-leading-zero", "CORSAllowOrigin http://127.000.0.1", "CORSAllowOrigin", []),
    ("origin-port-zero", "CORSAllowOrigin http://example.com:0", "CORSAllowOrigin", []),
    ("origin-port-too-big", "CORSAllowOrigin http://example.com:65536", "CORSAllowOrigin", []),
    ("origin-port-leading-zero", "CORSAllowOrigin http://example.com:080", "CORSAllowOrigin",
     []),
    ("origin-empty-port", "CORSAllowOrigin http://example.com:", "CORSAllowOrigin", []),
    ("origin-bad-host-char", "CORSAllowOrigin https://exa_mple!.com", "CORSAllowOrigin", []),
    ("origin-second-of-several-bad", "CORSAllowOrigin https://ok.example https://Bad.example",
     "CORSAllowOrigin", [r"https://Bad\.example"]),
    # wildcards
    ("wildcard-on-com", "CORSAllowOrigin https://*.com", "CORSAllowOrigin",
     [r"(?i)public suffix"]),
    ("wildcard-on-co-uk", "CORSAllowOrigin https://*.co.uk", "CORSAllowOrigin",
     [r"(?i)public suffix"]),
    ("wildcard-on-github-io", "CORSAllowOrigin https://*.github.io", "CORSAllowOrigin",
     [r"(?i)public suffix"]),
    ("wildcard-partial-label", "CORSAllowOrigin https://a*.example.com", "CORSAllowOrigin", []),
    ("wildcard-not-leftmost", "CORSAllowOrigin https://a.*.example.com", "CORSAllowOrigin", []),
    ("wildcard-bare", "CORSAllowOrigin https://*", "CORSAllowOrigin", []),
    ("wildcard-uppercase", "CORSAllowOrigin https://*.Example.com", "CORSAllowOrigin", []),
    ("wildcard-trailing-slash", "CORSAllowOrigin http://localhost:*/", "CORSAllowOrigin", []),
    ("wildcard-scheme", "CORSAllowOrigin *://example.com", "CORSAllowOrigin", []),
    # credentials with '*'
    ("credentials-after-star", loc("CORSAllowOrigin *", "CORSAllowCredentials On"),
     "CORSAllowCredentials", [r"\*"]),
    ("credentials-before-star", loc("CORSAllowCredentials On", "CORSAllowOrigin *"),
     "CORSAllowCredentials", [r"\*"]),
    ("credentials-star-server-level", "CORSAllowOrigin *\nCORSAllowCredentials On",
     "CORSAllowCredentials", [r"\*"]),
    ("credentials-star-with-other-origins", loc("CORSAllowOrigin https://a.example *",
                                                "CORSAllowCredentials On"),
     "CORSAllowCredentials", []),
    ("credentials-in-section-star-inherited", "CORSAllowOrigin *\n"
     + loc("CORSAllowCredentials On"), "CORSAllowCredentials", []),
    ("expose-star-after-credentials", loc("CORSAllowOrigin https://a.example",
                                          "CORSAllowCredentials On", "CORSExposeHeaders *"),
     "CORSExposeHeaders", [r"(?i)credentials"]),
    ("expose-star-before-credentials", loc("CORSAllowOrigin https://a.example",
                                           "CORSExposeHeaders *", "CORSAllowCredentials On"),
     "CORSExposeHeaders", [r"(?i)credentials"]),
    # tokens
    ("method-comma", "CORSAllowMethods GET,PUT", "CORSAllowMethods", [r"GET,PUT"]),
    ("method-space-quoted", 'CORSAllowMethods "GE T"', "CORSAllowMethods", []),
    ("method-paren", "CORSAllowMethods G(ET", "CORSAllowMethods", []),
    ("method-non-ascii", "CORSAllowMethods GÉT", "CORSAllowMethods", []),
    ("header-colon", "CORSAllowHeaders X-Foo:", "CORSAllowHeaders", []),
    ("header-space-quoted", 'CORSAllowHeaders "X Foo"', "CORSAllowHeaders", []),
    ("header-slash", "CORSAllowHeaders X/Foo", "CORSAllowHeaders", []),
    ("expose-at", "CORSExposeHeaders X@Y", "CORSExposeHeaders", []),
    ("expose-comma", "CORSExposeHeaders X-A,X-B", "CORSExposeHeaders", []),
    # numbers
    ("max-age-negative", "CORSMaxAge -1", "CORSMaxAge", [r"86400"]),
    ("max-age-too-big", "CORSMaxAge 86401", "CORSMaxAge", [r"86400"]),
    ("max-age-not-a-number", "CORSMaxAge abc", "CORSMaxAge", []),
    ("max-age-suffix", "CORSMaxAge 10s", "CORSMaxAge", []),
    ("max-age-empty", 'CORSMaxAge ""', "CORSMaxAge", []),
    ("max-age-huge", "CORSMaxAge 99999999999999999999", "CORSMaxAge", []),
    ("max-age-leading-zero", "CORSMaxAge 0600", "CORSMaxAge", [r"0600", r"(?i)leading zero"]),
    ("status-199", "CORSPreflightStatus 199", "CORSPreflightStatus", [r"200", r"299"]),
    ("status-300", "CORSPreflightStatus 300", "CORSPreflightStatus", [r"200", r"299"]),
    ("status-abc", "CORSPreflightStatus abc", "CORSPreflightStatus", []),
    ("status-suffix", "CORSPreflightStatus 204x", "CORSPreflightStatus", []),
    ("status-leading-zero", "CORSPreflightStatus 0204", "CORSPreflightStatus", [r"0204"]),
    # regex
    ("regex-unbalanced", 'CORSAllowOriginMatch "https://(a"', "CORSAllowOriginMatch", []),
    ("regex-bad-range", 'CORSAllowOriginMatch "[z-a]"', "CORSAllowOriginMatch", []),
    # mixing + / - and unprefixed values on one line
    ("mixed-origin", "CORSAllowOrigin https://a.example +https://b.example", "CORSAllowOrigin",
     [r"(?i)mix"]),
    ("mixed-origin-minus-first", "CORSAllowOrigin -https://a.example https://b.example",
     "CORSAllowOrigin", [r"(?i)mix"]),
    ("mixed-match", 'CORSAllowOriginMatch "a" "+b"', "CORSAllowOriginMatch", [r"(?i)mix"]),
    ("mixed-methods", "CORSAllowMethods GET +PUT", "CORSAllowMethods", [r"(?i)mix"]),
    ("mixed-headers", "CORSAllowHeaders -X-A X-B", "CORSAllowHeaders", [r"(?i)mix"]),
    ("mixed-expose", "CORSExposeHeaders X-A +X-B", "CORSExposeHeaders", [r"(?i)mix"]),
    # none
    ("none-then-origin", "CORSAllowOrigin none https://a.example", "CORSAllowOrigin",
     [r"none"]),
    ("origin-then-none", "CORSAllowOrigin https://a.example none", "CORSAllowOrigin",
     [r"none"]),
    # flags and arity
    ("credentials-not-flag", "CORSAllowCredentials yes", "CORSAllowCredentials", []),
    ("private-network-not-flag", "CORSAllowPrivateNetwork 1", "CORSAllowPrivateNetwork", []),
    ("passthrough-not-flag", "CORSPreflightPassthrough maybe", "CORSPreflightPassthrough", []),
    ("origin-no-argument", "CORSAllowOrigin", "CORSAllowOrigin", []),
    ("max-age-two-arguments", "CORSMaxAge 1 2", "CORSMaxAge", []),
    # errors are reported in every context
    ("bad-origin-in-vhost", "<VirtualHost @LISTEN@>\nCORSAllowOrigin https://A.example\n"
     "</VirtualHost>", "CORSAllowOrigin", []),
    ("bad-origin-in-directory", '<Directory "@DOCROOT@">\nCORSAllowOrigin https://A.example\n'
     "</Directory>", "CORSAllowOrigin", []),
    ("bad-origin-in-files", '<Files "a.txt">\nCORSAllowOrigin https://A.example\n</Files>',
     "CORSAllowOrigin", []),
    ("bad-origin-in-if", "<If \"-n %{HTTP:X}\">\nCORSAllowOrigin https://A.example\n</If>",
     "CORSAllowOrigin", []),
]


@pytest.mark.parametrize("body,directive,patterns", [r[1:] for r in BAD],
                         ids=[r[0] for r in BAD])
def test_bad_config_fails_configtest(body, directive, patterns):
    rc, out = configtest(body, "cfg-bad")
    assert rc != 0, "configtest passed:\n" + out
    assert directive in out, out
    assert "Syntax error" in out or "AH00526" in out or "AH00" in out, out
    for p in patterns:
        assert re.search(p, out), "%r not in output:\n%s" % (p, out)


GOOD = [
    ("origin-exact", "CORSAllowOrigin https://example.com"),
    ("origin-several", "CORSAllowOrigin https://a.example http://localhost:8080 "
     "http://127.0.0.1:3000 http://[::1]:3000 http://[2001:db8::1:0:0:1]"),
    ("origin-repeated-lines", "CORSAllowOrigin https://a.example\n"
     "CORSAllowOrigin https://b.example"),
    ("origin-non-default-port", "CORSAllowOrigin https://example.com:8443 http://example.com:443"),
    ("origin-punycode", "CORSAllowOrigin https://xn--bcher-kva.example"),
    ("origin-other-scheme", "CORSAllowOrigin app://local chrome-extension://abcdef"),
    ("origin-wildcard", "CORSAllowOrigin https://*.example.com"),
    ("origin-wildcard-port", "CORSAllowOrigin https://*.example.com:8443"),
    ("origin-wildcard-any-port", "CORSAllowOrigin https://*.example.com:*"),
    ("origin-wildcard-below-public-suffix", "CORSAllowOrigin https://*.example.co.uk "
     "https://*.me.github.io"),
    ("origin-any-port", "CORSAllowOrigin http://localhost:* http://127.0.0.1:*"),
    ("origin-star", "CORSAllowOrigin *"),
    ("origin-null", "CORSAllowOrigin null"),
    ("origin-none", "CORSAllowOrigin none"),
    ("origin-plus-minus", "CORSAllowOrigin +https://a.example -https://b.example"),
    ("origin-match", 'CORSAllowOriginMatch "https://[a-z]+\\.example\\.com"'),
    ("origin-match-several-and-edit", 'CORSAllowOriginMatch "https://a\\.example" '
     '"https://b\\.example"\n' + loc('CORSAllowOriginMatch "-https://a\\.example"')),
    ("methods", "CORSAllowMethods GET PUT DELETE PATCH PROPFIND"),
    ("methods-star", "CORSAllowMethods *"),
    ("methods-edit", "CORSAllowMethods +PUT -POST"),
    ("headers", "CORSAllowHeaders X-Custom Content-Type Authorization"),
    ("headers-star", "CORSAllowHeaders *"),
    ("headers-star-authorization", "CORSAllowHeaders * Authorization"),
    ("headers-edit", "CORSAllowHeaders +X-A -X-B"),
    ("expose", "CORSExposeHeaders X-Total-Count X-Request-Id"),
    ("expose-star-without-credentials", "CORSAllowOrigin https://a.example\n"
     "CORSExposeHeaders *"),
    ("credentials-exact", "CORSAllowOrigin https://a.example\nCORSAllowCredentials On"),
    ("credentials-off-with-star", "CORSAllowOrigin *\nCORSAllowCredentials Off"),
    ("credentials-wildcard", "CORSAllowOrigin https://*.example.com\nCORSAllowCredentials on"),
    ("max-age-0", "CORSMaxAge 0"),
    # like every directive, valid in the server config and a virtual host
    ("preflight-auth-server", "CORSAllowOrigin https://a.example\nCORSPreflightAuth On"),
    ("preflight-auth-vhost", "<VirtualHost 127.0.0.1:@PORT@>\n    CORSPreflightAuth On\n"
     "</VirtualHost>"),
    ("max-age-86400", "CORSMaxAge 86400"),
    ("private-network", "CORSAllowPrivateNetwork On"),
    ("private-network-off", "CORSAllowPrivateNetwork Off"),
    ("status-200", "CORSPreflightStatus 200"),
    ("status-204", "CORSPreflightStatus 204"),
    ("status-299", "CORSPreflightStatus 299"),
    ("passthrough-on", "CORSPreflightPassthrough On"),
    ("passthrough-off", "CORSPreflightPassthrough Off"),
    ("star-in-one-vhost-credentials-in-another",
     "<VirtualHost @LISTEN@>\nServerName a.test\nCORSAllowOrigin *\n</VirtualHost>\n"
     "<VirtualHost @LISTEN@>\nServerName b.test\nCORSAllowOrigin https://a.example\n"
     "CORSAllowCredentials On\n</VirtualHost>"),
]

EVERYTHING = """CORSAllowOrigin https://a.example https://*.example.com http://localhost:*
CORSAllowOriginMatch "https://[a-z]+\\.example\\.org"
CORSAllowMethods GET PUT
CORSAllowHeaders X-A
CORSExposeHeaders X-B
CORSAllowCredentials On
CORSMaxAge 60
CORSAllowPrivateNetwork On
CORSPreflightStatus 200
CORSPreflightPassthrough On"""

CONTEXTS = [
    ("server", "%s"),
    ("virtualhost", "<VirtualHost @LISTEN@>\n%s\n</VirtualHost>"),
    ("directory", '<Directory "@DOCROOT@/sub">\n%s\n</Directory>'),
    ("directorymatch", '<DirectoryMatch "^@DOCROOT@/s.b">\n%s\n</DirectoryMatch>'),
    ("location", '<Location "/api">\n%s\n</Location>'),
    ("locationmatch", '<LocationMatch "^/api/v[0-9]+">\n%s\n</LocationMatch>'),
    ("files", '<Files "data.json">\n%s\n</Files>'),
    ("filesmatch", '<FilesMatch "\\.json$">\n%s\n</FilesMatch>'),
    ("if", '<If "%%{HTTP_HOST} == \'example.com\'">\n%s\n</If>'),
    ("location-in-vhost", '<VirtualHost @LISTEN@>\n<Location "/api">\n%s\n</Location>\n'
     "</VirtualHost>"),
]


@pytest.mark.parametrize("body", [r[1] for r in GOOD], ids=[r[0] for r in GOOD])
def test_good_config_passes_configtest(body):
    rc, out = configtest(body, "cfg-good")
    assert rc == 0, out
    assert "Syntax OK" in out


@pytest.mark.parametrize("wrap", [c[1] for c in CONTEXTS], ids=[c[0] for c in CONTEXTS])
def test_every_directive_valid_in_every_context(wrap):
    rc, out = configtest(wrap % EVERYTHING, "cfg-ctx")
    assert rc == 0, out


def test_configtest_reports_the_line_number():
    body = "CORSAllowOrigin https://ok.example\nCORSMaxAge 86401\n"
    h = Httpd(body, name="cfg-line")
    try:
        rc, out = h.configtest()
        lines = h.conf_text().splitlines()
        lineno = lines.index("CORSMaxAge 86401") + 1
    finally:
        h.cleanup()
    assert rc != 0
    assert "line %d" % lineno in out, out


def test_bad_config_prevents_start():
    h = Httpd("CORSAllowOrigin https://Example.com", name="cfg-start")
    try:
        with pytest.raises(RuntimeError):
            h.start()
    finally:
        h.cleanup()
