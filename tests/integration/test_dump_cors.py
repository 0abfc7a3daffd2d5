"""``apachectl -t -D DUMP_CORS`` (mod_cors_dump.c): the policy in effect in
every section that holds a mod_cors directive, merged over its server and
the sections that contain it, each value with its file:line, in
configuration order, on stdout. Without -D DUMP_CORS nothing is printed;
the exit status is -t's.

The expected outputs are written out in full: ``<<text>>`` stands for the
"file:line" of the configuration line that contains ``text``.
"""

import os
import re
import subprocess

import pytest

from harness import REPO, Httpd

MAIN = r'''
CORSAllowOrigin https://app.example.com https://*.example.org http://localhost:*
CORSAllowMethods GET POST
<Directory "@DOCROOT@/api">
    CORSAllowOrigin +https://partner.example -https://*.example.org
    CORSAllowMethods +PUT -POST
    <IfModule headers_module>
        CORSExposeHeaders X-Request-Id
    </IfModule>
    <Files "private.json">
        CORSAllowCredentials On
        CORSAllowOrigin -http://localhost:*
    </Files>
</Directory>
<Directory "@DOCROOT@/api/v2">
    CORSMaxAge 600
</Directory>
<Directory "@DOCROOT@/plain">
    Options None
</Directory>
<Location "/pub">
    CORSAllowOrigin *
    <If "%{QUERY_STRING} =~ /debug/">
        CORSAllowHeaders +X-Debug
    </If>
</Location>
<LocationMatch "^/re/[0-9]+">
    CORSAllowOriginMatch "^https://[a-z]+\.example\.net$"
    CORSPreflightStatus 200
</LocationMatch>
'''

HEADER = '''CORS policy in effect (DUMP_CORS):
  .htaccess files are not included: httpd reads them per request.
  Each section is merged over its server and the sections that contain it;
  regex sections that may also match are not merged in.
  (default): the value is set nowhere.
'''

REST_DEFAULT = '''    private network: Off  (default)
    preflight status: 204  (default)
    preflight passthrough: Off  (default)
    preflight auth: Off  (default)
    upstream headers: Replace  (default)
    report-only: Off  (default)
    cross-origin protection: Off  (default)
    origin file check: 5 s  (default)
'''

MAIN_EXPECTED = HEADER + '''main server 127.0.0.1:
  server level:
    origins:
      https://app.example.com  exact  (<<CORSAllowOrigin https://app>>)
      https://*.example.org  subdomain wildcard  (<<CORSAllowOrigin https://app>>)
      http://localhost:*  any port  (<<CORSAllowOrigin https://app>>)
    methods: GET, POST  (<<CORSAllowMethods GET POST>>)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  <Directory "@DOCROOT@/api"> (<<<Directory "@DOCROOT@/api">>>)
    origins:
      https://app.example.com  exact  (<<CORSAllowOrigin https://app>>)
      http://localhost:*  any port  (<<CORSAllowOrigin https://app>>)
      https://partner.example  exact  (<<+https://partner>>)
    methods: GET, PUT  (<<CORSAllowMethods GET POST>>, <<+PUT -POST>>)
    allow headers: none  (default)
    expose headers: X-Request-Id  (<<X-Request-Id>>)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  <Files "private.json"> (<<<Files "private.json">>>)
    origins:
      https://app.example.com  exact  (<<CORSAllowOrigin https://app>>)
      https://partner.example  exact  (<<+https://partner>>)
    methods: GET, PUT  (<<CORSAllowMethods GET POST>>, <<+PUT -POST>>)
    allow headers: none  (default)
    expose headers: X-Request-Id  (<<X-Request-Id>>)
    credentials: On  (<<CORSAllowCredentials On>>)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  <Directory "@DOCROOT@/api/v2"> (<<<Directory "@DOCROOT@/api/v2">>>)
    origins:
      https://app.example.com  exact  (<<CORSAllowOrigin https://app>>)
      http://localhost:*  any port  (<<CORSAllowOrigin https://app>>)
      https://partner.example  exact  (<<+https://partner>>)
    methods: GET, PUT  (<<CORSAllowMethods GET POST>>, <<+PUT -POST>>)
    allow headers: none  (default)
    expose headers: X-Request-Id  (<<X-Request-Id>>)
    credentials: Off  (default)
    max-age: 600  (<<CORSMaxAge 600>>)
''' + REST_DEFAULT + '''  <Location "/pub"> (<<<Location "/pub">>>)
    origins:
      *  any  (<<CORSAllowOrigin *>>)
    methods: GET, POST  (<<CORSAllowMethods GET POST>>)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  <If "%{QUERY_STRING} =~ /debug/"> (<<<If "%{QUERY>>)
    origins:
      *  any  (<<CORSAllowOrigin *>>)
    methods: GET, POST  (<<CORSAllowMethods GET POST>>)
    allow headers: X-Debug  (default, <<+X-Debug>>)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  <LocationMatch "^/re/[0-9]+"> (<<<LocationMatch "^/re>>)
    origins:
      ^https://[a-z]+\\.example\\.net$  regex  (<<CORSAllowOriginMatch>>)
    methods: GET, POST  (<<CORSAllowMethods GET POST>>)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
    private network: Off  (default)
    preflight status: 200  (<<CORSPreflightStatus 200>>)
    preflight passthrough: Off  (default)
    preflight auth: Off  (default)
    upstream headers: Replace  (default)
    report-only: Off  (default)
    cross-origin protection: Off  (default)
    origin file check: 5 s  (default)
'''

VHOSTS = r'''
<Location "/app">
    CORSAllowOrigin https://app.example.com
</Location>
<VirtualHost @LISTEN@>
    ServerName vh.test
    CORSUpstreamHeaders Keep
    <Location "/vh">
        CORSPreflightPassthrough On
        CORSPreflightAuth On
        CORSAllowPrivateNetwork On
    </Location>
</VirtualHost>
<VirtualHost @LISTEN@>
    ServerName own-location.test
    <Location "/app/v1">
        CORSAllowOrigin +https://v1.example.com
    </Location>
    <Location "/other">
        CORSAllowOrigin https://other.example.com
    </Location>
</VirtualHost>
<VirtualHost @LISTEN@>
    ServerName plain.test
</VirtualHost>
'''

VHOSTS_EXPECTED = HEADER + '''main server 127.0.0.1:
  <Location "/app"> (<<<Location "/app">>>)
    origins:
      https://app.example.com  exact  (<<https://app.example.com>>)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''VirtualHost vh.test:@PORT@ (<<<VirtualHost @LISTEN@>\n    ServerName vh.test>>):
  server level:
    origins: none (no policy: mod_cors adds nothing here)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
    private network: Off  (default)
    preflight status: 204  (default)
    preflight passthrough: Off  (default)
    preflight auth: Off  (default)
    upstream headers: Keep  (<<CORSUpstreamHeaders Keep>>)
    report-only: Off  (default)
    cross-origin protection: Off  (default)
    origin file check: 5 s  (default)
  <Location "/app"> (<<<Location "/app">>>, from the main server)
    origins:
      https://app.example.com  exact  (<<https://app.example.com>>)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
    private network: Off  (default)
    preflight status: 204  (default)
    preflight passthrough: Off  (default)
    preflight auth: Off  (default)
    upstream headers: Keep  (<<CORSUpstreamHeaders Keep>>)
    report-only: Off  (default)
    cross-origin protection: Off  (default)
    origin file check: 5 s  (default)
  <Location "/vh"> (<<<Location "/vh">>>)
    origins: none (no policy: mod_cors adds nothing here)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
    private network: On  (<<CORSAllowPrivateNetwork On>>)
    preflight status: 204  (default)
    preflight passthrough: On  (<<CORSPreflightPassthrough On>>)
    preflight auth: On  (<<CORSPreflightAuth On>>)
    upstream headers: Keep  (<<CORSUpstreamHeaders Keep>>)
    report-only: Off  (default)
    cross-origin protection: Off  (default)
    origin file check: 5 s  (default)
VirtualHost own-location.test:@PORT@ (<<<VirtualHost @LISTEN@>\n    ServerName own-location.test>>):
  <Location "/app/v1"> (<<<Location "/app/v1">>>)
    origins:
      https://app.example.com  exact  (<<https://app.example.com>>)
      https://v1.example.com  exact  (<<+https://v1.example.com>>)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  <Location "/other"> (<<<Location "/other">>>)
    origins:
      https://other.example.com  exact  (<<https://other.example.com>>)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  the main server's other sections apply as printed above
VirtualHost plain.test:@PORT@ (<<<VirtualHost @LISTEN@>\n    ServerName plain.test>>):
  no mod_cors directive of its own: the main server's sections apply as printed above
'''


def run(h, *args):
    p = subprocess.run(h._cmd(*args), capture_output=True, text=True,
                       errors="replace", env=h._env())
    return p.returncode, p.stdout, p.stderr


def source(h, needle):
    """'file:line' of the one configuration line containing `needle`
    (which may span lines: the line where it starts)."""
    text = h.conf_text()
    needle = h.subst(needle)
    at = [m.start() for m in re.finditer(re.escape(needle), text)]
    assert len(at) == 1, (needle, len(at))
    return "%s:%d" % (h.conf_path, text.count("\n", 0, at[0]) + 1)


def expected(h, template):
    template = h.subst(template)
    return re.sub(r"<<(.+?)>>(?!>)", lambda m: source(h, m.group(1)), template, flags=re.S)


@pytest.fixture
def make(request):
    made = []

    def _make(body, **kw):
        h = Httpd(body, name="dump-%s" % request.node.name, **kw)
        made.append(h)
        return h

    yield _make
    for h in made:
        h.cleanup()


def test_main_server_sections_nested_edits_if_and_regex(make):
    h = make(MAIN)
    rc, out, err = run(h, "-t", "-D", "DUMP_CORS")
    assert rc == 0, err
    assert out == expected(h, MAIN_EXPECTED)
    assert "Syntax OK" in err


def test_virtual_hosts_in_configuration_order(make):
    h = make(VHOSTS)
    rc, out, err = run(h, "-t", "-D", "DUMP_CORS")
    assert rc == 0, err
    assert out == expected(h, VHOSTS_EXPECTED)


PROXY = r'''
CORSAllowOrigin https://app.example.com
<Proxy "http://backend.internal/*">
    CORSAllowCredentials On
</Proxy>
ProxyPass "/be/" "http://backend.internal/"
'''

PROXY_EXPECTED = HEADER + '''main server 127.0.0.1:
  server level:
    origins:
      https://app.example.com  exact  (<<CORSAllowOrigin>>)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: Off  (default)
    max-age: not sent  (default)
''' + REST_DEFAULT + '''  <Proxy "http://backend.internal/*"> (<<<Proxy>>)
    origins:
      https://app.example.com  exact  (<<CORSAllowOrigin>>)
    methods: GET, HEAD, POST  (default)
    allow headers: none  (default)
    expose headers: none  (default)
    credentials: On  (<<CORSAllowCredentials On>>)
    max-age: not sent  (default)
''' + REST_DEFAULT


def test_proxy_sections(make):
    h = make(PROXY, modules=["proxy", "proxy_http"])
    rc, out, err = run(h, "-t", "-D", "DUMP_CORS")
    assert rc == 0, err
    assert out == expected(h, PROXY_EXPECTED)


def test_output_is_stable(make):
    h = make(MAIN + VHOSTS)
    outs = {run(h, "-t", "-D", "DUMP_CORS")[1] for _ in range(3)}
    assert len(outs) == 1


def test_without_dump_cors_nothing_is_printed(make):
    h = make(MAIN + VHOSTS)
    rc, out, err = run(h, "-t")
    assert rc == 0 and out == ""
    assert err.strip() == "Syntax OK"
    # other dumps print theirs, not ours
    rc, out, err = run(h, "-t", "-D", "DUMP_VHOSTS")
    assert rc == 0 and "VirtualHost configuration" in out and "CORS" not in out


def test_a_bad_configuration_fails_as_with_t_alone(make):
    h = make('<Location "/x">\n    CORSAllowOrigin *\n    CORSAllowCredentials On\n'
             '</Location>\n')
    rc_plain, _, _ = run(h, "-t")
    rc, out, err = run(h, "-t", "-D", "DUMP_CORS")
    assert rc == rc_plain != 0
    assert out == "" and "CORSAllowCredentials" in err


def test_combination_refused_at_configtest_is_not_dumped(make):
    # each section is fine alone; mod_cors_check.c refuses them together
    h = make('CORSAllowCredentials On\n<Location "/x">\n    CORSAllowOrigin *\n'
             '</Location>\n')
    rc, out, err = run(h, "-t", "-D", "DUMP_CORS")
    assert rc != 0 and out == ""
    assert "inherits CORSAllowOrigin *" in err


def test_no_mod_cors_directive(make):
    h = make("")
    rc, out, err = run(h, "-t", "-D", "DUMP_CORS")
    assert rc == 0
    assert out == HEADER + "main server 127.0.0.1:\n  no mod_cors directive\n"


def test_htaccess_is_named_as_not_included(make):
    h = make(MAIN, allow_override="FileInfo",
             docs={"api/.htaccess": "CORSAllowOrigin https://from-htaccess.example\n"})
    rc, out, _ = run(h, "-t", "-D", "DUMP_CORS")
    assert rc == 0
    assert ".htaccess files are not included" in out
    assert "from-htaccess" not in out


def readme_example():
    """The README's example configuration and its DUMP_CORS output."""
    with open(os.path.join(REPO, "README")) as f:
        readme = f.read()
    m = re.search(r"With `/etc/apache2/cors.conf`:\n\n(.+?)\n\n`apachectl -t -D DUMP_CORS` "
                  r"prints[^\n]*\n\n(.+?)\n\n(?! )", readme, re.S)
    assert m, "README has no DUMP_CORS example"
    unindent = lambda block: "\n".join(l[4:] for l in block.split("\n")) + "\n"
    return unindent(m.group(1)), unindent(m.group(2))


def elide_like(shown, actual):
    """`actual` with the section bodies that `shown` cuts to '...' cut too."""
    cut = {shown.split("\n")[i - 1] for i, l in enumerate(shown.split("\n")) if l == "    ..."}
    out, skipping = [], False
    for line in actual.split("\n"):
        if line.startswith("  ") and not line.startswith("   "):
            skipping = False
        if not skipping:
            out.append(line)
        if line in cut:
            out.append("    ...")
            skipping = True
    return "\n".join(out).rstrip("\n") + "\n"


def test_readme_example_is_what_it_prints(make):
    conf, shown = readme_example()
    h = make("Include @ROOT@/cors.conf\n")
    with open(os.path.join(h.root, "cors.conf"), "w") as f:
        f.write(conf)
    rc, out, err = run(h, "-t", "-D", "DUMP_CORS")
    assert rc == 0, err
    out = (out.replace(os.path.join(h.root, "cors.conf"), "/etc/apache2/cors.conf")
           .replace("main server 127.0.0.1:", "main server www.example.com:"))
    assert elide_like(shown, out) == shown
