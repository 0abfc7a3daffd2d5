"""Named regression rows: explicit (configuration, request, expected) cases.

Every discrepancy the combination test found (module defects from issue 10,
findings in /work/notes/combo-findings.md, and the places where the model
had to decide what the README leaves open) is one row here, with its
expectation written out by hand, not computed by the model. They run every
time (test_regressions.py).

``conf`` goes inside the row's own ``<VirtualHost>`` (``@D@`` is its
DocumentRoot, ``@BACKEND@`` the reverse-proxy backend); ``server`` goes at
server level. Rows with ``configtest`` only run ``apache2 -t``. ``default``
rows are the server's first vhost (forward proxy, requests httpd cannot read).
"""

from dataclasses import dataclass, field

APP = "https://app.example.com"
CGI_DIR = """    <Directory "@D@/a/b">
        Options +ExecCGI
        AddHandler cgi-script .cgi
    </Directory>
"""
BASIC = """        AuthType Basic
        AuthName combo
        AuthUserFile "@ROOT@/htpasswd"
"""


@dataclass
class Row:
    name: str
    why: str
    conf: str = ""
    server: str = ""
    requests: list = field(default_factory=list)    # [(method, path, [(h, v)], expect)]
    configtest: str = ""                            # "" | "refuses" | "passes"
    message: str = ""                               # regex the configtest output matches
    docs: dict = field(default_factory=dict)
    default: bool = False


def preflight(path, origin=APP, method="GET", headers=None):
    h = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers:
        h.append(("Access-Control-Request-Headers", headers))
    return ("OPTIONS", path, h)


ROWS = [
    # ---------------------------------------------------- issue 10 defects
    Row("passthrough_cors_preflight_ip",
        "defect 1: Require cors-preflight must not grant a passed-through preflight",
        CGI_DIR + """    <Location "/a/b">
        CORSAllowOrigin https://app.example.com
        CORSPreflightPassthrough On
        CORSPreflightAuth On
        <RequireAny>
            Require cors-preflight
            Require ip 10.0.0.1
        </RequireAny>
    </Location>
""", requests=[preflight("/a/b/run.cgi") + ({"status": 403, "handler_ran": False, "acx": {}},)]),
    Row("passthrough_cors_preflight_valid_user",
        "defect 1: ... nor run the CGI with an empty REMOTE_USER",
        CGI_DIR + """    <Location "/a/b">
        CORSAllowOrigin https://app.example.com
        CORSPreflightPassthrough On
        CORSPreflightAuth On
""" + BASIC + """        <RequireAny>
            Require cors-preflight
            Require valid-user
        </RequireAny>
    </Location>
""", requests=[preflight("/a/b/run.cgi") + ({"status": 401, "handler_ran": False, "acx": {}},)]),
    Row("preflight_auth_local_errordocument_401",
        "defect 2: a refused preflight answered by a local ErrorDocument gets no grant",
        """    ErrorDocument 401 /errors/401.html
    <Location "/a/b">
        CORSAllowOrigin https://app.example.com
        CORSAllowCredentials On
        CORSPreflightAuth On
""" + BASIC + """        Require valid-user
    </Location>
""", requests=[preflight("/a/b/f.txt") + ({"status": 401, "acx": {},
                                           "vary": ["origin", "access-control-request-method",
                                                    "access-control-request-headers"]},)]),
    Row("regex_accept_verb_refused", "defect 3: (*ACCEPT) escapes the anchoring",
        r"""    CORSAllowOriginMatch "https://app\.example\.com(*ACCEPT)"
""", configtest="refuses", message="CORSAllowOriginMatch"),
    Row("minus_on_match_removes_exact",
        "defect 4: a '-' on CORSAllowOriginMatch removes an exact CORSAllowOrigin entry",
        """    CORSAllowOrigin https://app.example.com https://www.example.com
    <Location "/a">
        CORSAllowOriginMatch -https://app.example.com
    </Location>
""", requests=[("GET", "/a/f.txt", [("Origin", APP)], {"status": 200, "acx": {},
                                                       "vary": ["origin"]}),
               ("GET", "/a/f.txt", [("Origin", "https://www.example.com")],
                {"acx": {"access-control-allow-origin": "https://www.example.com"}})]),
    Row("star_directory_credentials_location",
        "defect 5: '*' and credentials split over <Directory> and <Location>",
        """    <Directory "@D@/a">
        CORSAllowOrigin *
    </Directory>
    <Location "/a">
        CORSAllowCredentials On
    </Location>
""", configtest="refuses", message="CORSAllow"),
    Row("header_always_set_on_self_answered_preflight",
        "defect 6: a granted preflight keeps Header always set values",
        """    Header always set X-Seam seam
    CORSAllowOrigin https://app.example.com
""", requests=[preflight("/a/b/f.txt") + ({"status": 204, "headers": {"X-Seam": "seam"},
                                           "acx": {"access-control-allow-origin": APP,
                                                   "access-control-allow-methods":
                                                       "GET, HEAD, POST"}},)]),
    Row("keep_public_reflecting_backend_varies",
        "defect 7: Keep + public policy + a backend ACAO that is not '*' merges Vary: Origin",
        """    ProxyPass "/a/b/px/" "@BACKEND@/keep/reflect/"
    CORSAllowOrigin *
    CORSUpstreamHeaders Keep
""", requests=[("GET", "/a/b/px/item", [("Origin", APP)],
                {"status": 200, "vary": ["origin", "accept-encoding"],
                 "acx": {"access-control-allow-origin": APP,
                         "access-control-allow-credentials": "true"}})]),
    Row("anyport_entry_with_port_refused", "defect 8: an entry with a port and ':*'",
        """    CORSAllowOrigin http://localhost:8080:*
""", configtest="refuses", message="localhost:8080"),
    Row("wildcard_entry_with_port_refused", "defect 8",
        """    CORSAllowOrigin https://*.example.com:8443:*
""", configtest="refuses", message="8443"),
    Row("forward_proxy_not_decorated",
        "defect 9: a forward-proxy response keeps the third party's headers",
        """    ProxyRequests On
    <Proxy "*">
        Require all granted
    </Proxy>
    CORSAllowOrigin *
""", default=True,
        requests=[("GET", "@BACKEND@/fwd/reflect/item", [("Origin", APP), ("Host", "127.0.0.1")],
                   {"status": 200, "vary_absent": ["origin"], "handler_ran": True,
                    "acx": {"access-control-allow-origin": APP,
                            "access-control-allow-credentials": "true"}})]),
    Row("malformed_request_not_classified",
        "defect 12: a request httpd refuses before the walk is never granted",
        """    CORSAllowOrigin *
""", default=True,
        requests=[("RAW", "/a/b/f.txt", [("Origin", APP)], {"status": 400, "acx": {}})]),
    Row("preflight_vary_three_tokens",
        "defect 10: every preflight response varies on Origin, -Method and -Headers",
        """    Header always merge Vary Accept-Encoding
    CORSAllowOrigin https://app.example.com
""", requests=[preflight("/a/b/f.txt", method="PUT") + (
            {"status": 403, "acx": {}, "vary": ["origin", "access-control-request-method",
                                                "access-control-request-headers",
                                                "accept-encoding"]},),
                  preflight("/a/b/f.txt") + (
            {"status": 204, "vary": ["origin", "access-control-request-method",
                                     "access-control-request-headers"]},)]),
    Row("null_with_credentials_refused", "defect 11",
        """    CORSAllowOrigin null https://app.example.com
    CORSAllowCredentials On
""", configtest="refuses", message="null"),
    Row("dotstar_regex_with_credentials_refused", "defect 11: an any-origin regex",
        """    <Directory "@D@/a">
        CORSAllowOriginMatch "https?://.*"
    </Directory>
    <Location "/a">
        CORSAllowCredentials On
    </Location>
""", configtest="refuses", message="CORSAllowOriginMatch"),
    Row("no_policy_no_cors_result", "defect 13: no policy, no CORS_RESULT",
        CGI_DIR, requests=[("GET", "/a/b/run.cgi", [("Origin", APP)],
                            {"status": 200, "cors_result": "-", "acx": {},
                             "vary_absent": ["origin"], "handler_ran": True})]),

    # ------------------------------ findings of the combination test (F1-F3)
    Row("preflight_auth_in_vhost",
        "F1: README 4 says every directive is valid in <VirtualHost>; CORSPreflightAuth is refused",
        """    CORSAllowOrigin https://app.example.com
    CORSPreflightAuth On
""", configtest="passes"),
    Row("minus_regex_text_on_allow_origin",
        "F2: '-<regex text>' on CORSAllowOrigin removes the regex (spec 4)",
        r"""    CORSAllowOriginMatch "https://(www|app)\.example\.com"
    <Location "/a">
        CORSAllowOrigin "-https://(www|app)\.example\.com" +https://partner.example.net
    </Location>
""", requests=[("GET", "/a/f.txt", [("Origin", APP)], {"status": 200, "acx": {}}),
               ("GET", "/top.txt", [("Origin", APP)],
                {"acx": {"access-control-allow-origin": APP}})]),
    Row("locationmatch_credentials_then_location_null",
        "F3: null + credentials over <LocationMatch> and <Location>",
        """    <LocationMatch "^/a/b/">
        CORSAllowCredentials On
    </LocationMatch>
    <Location "/a/b">
        CORSAllowOrigin null
    </Location>
""", configtest="refuses", message="null"),
    Row("locationmatch_star_then_location_credentials",
        "F3: '*' + credentials over <LocationMatch> and <Location>",
        """    <LocationMatch "^/a/b/">
        CORSAllowOrigin *
    </LocationMatch>
    <Location "/a/b">
        CORSAllowCredentials On
    </Location>
""", configtest="refuses", message="CORSAllow"),

    Row("locationmatch_deeper_than_location_credentials",
        "F6: a <LocationMatch> that only matches below the <Location> path still combines",
        """    <Location "/a/b">
        CORSAllowOrigin null
    </Location>
    <LocationMatch "^/a/b/(f|run)">
        CORSAllowCredentials On
    </LocationMatch>
""", configtest="refuses", message="null"),
    Row("locationmatch_replacing_origins_for_some_urls_only",
        "F7: a <LocationMatch> may not apply: the chain without it must be checked too",
        """    CORSAllowOriginMatch "https?://.*"
    <LocationMatch "^/a/b/f">
        CORSAllowOrigin https://app.example.com
    </LocationMatch>
    <Location "/a/b">
        CORSAllowCredentials On
    </Location>
""", configtest="refuses", message="CORSAllowOriginMatch"),
    Row("locationmatch_credentials_off_for_some_urls_only",
        "F7: ... also when the <LocationMatch> turns credentials off",
        """    CORSAllowCredentials On
    <Location "/a">
        CORSAllowOrigin *
    </Location>
    <LocationMatch "^/a/b/f">
        CORSAllowCredentials Off
    </LocationMatch>
""", configtest="refuses", message="CORSAllow"),
    Row("htaccess_credentials_any_origin_entry_first",
        "F4: a skipped any-origin entry must not hide a later entry that matches",
        r"""    CORSAllowOriginMatch ".*" "https://app\.example\.com"
""", docs={"a/.htaccess": "CORSAllowCredentials On\n"},
        requests=[("GET", "/a/f.txt", [("Origin", APP)],
                   {"status": 200, "vary": ["origin"],
                    "acx": {"access-control-allow-origin": APP,
                            "access-control-allow-credentials": "true"}})]),

    Row("proxy_section_configtest_does_not_crash",
        "F5: apache2 -t died of SIGSEGV on any <Proxy> section (build ff0ff3c9)",
        """    <Proxy "*">
        Require all granted
    </Proxy>
    CORSAllowOrigin https://app.example.com
""", configtest="passes"),

    # ------------- where the README is silent: what the module does, pinned
    Row("layer_mixing_plain_and_edit_lines",
        "a layer with a plain line and a '+' line: its own values, read in order",
        """    CORSAllowOrigin https://app.example.com
    CORSAllowMethods GET PUT
    <Location "/a">
        CORSAllowMethods +DELETE
        CORSAllowMethods PATCH
    </Location>
""", requests=[preflight("/a/f.txt", method="PUT") + ({"status": 403, "acx": {}},),
               preflight("/a/f.txt", method="DELETE") + (
                   {"status": 204, "acx": {"access-control-allow-origin": APP,
                                           "access-control-allow-methods": "DELETE, PATCH"}},)]),
    Row("exact_and_regex_with_one_text",
        "an exact origin and a regex with the same text are two entries",
        """    CORSAllowOrigin https://app.example.com
    CORSAllowOriginMatch https://app.example.com
""", requests=[("GET", "/top.txt", [("Origin", "https://appxexample.com")],
                {"acx": {"access-control-allow-origin": "https://appxexample.com"}})]),
    Row("regex_never_grants_null", "only an explicit null entry grants Origin: null",
        """    CORSAllowOriginMatch ".*"
""", requests=[("GET", "/top.txt", [("Origin", "null")], {"acx": {}, "vary": ["origin"]})]),
    Row("public_preflight_needs_canonical_origin",
        "'*' answers every actual request, but a preflight needs one canonical Origin",
        """    CORSAllowOrigin *
""", requests=[preflight("/top.txt", origin="https://App.example.com") + (
            {"status": 403, "acx": {}},),
                  ("GET", "/top.txt", [("Origin", "https://App.example.com")],
                   {"acx": {"access-control-allow-origin": "*"}, "vary_absent": ["origin"]}),
                  preflight("/top.txt") + ({"status": 204},)]),
    Row("host_ending_in_number_is_not_canonical",
        "http://evil-127.0.0.1:8080 is not a valid host (WHATWG: ends in a number)",
        """    CORSAllowOrigin *
""", requests=[preflight("/top.txt", origin="http://evil-127.0.0.1:8080") + (
            {"status": 403, "acx": {}},)]),
    Row("htaccess_star_with_credentials_is_500",
        "an .htaccess that is dangerous by itself is refused when read",
        "", docs={"a/.htaccess": "CORSAllowOrigin *\nCORSAllowCredentials On\n"},
        requests=[("GET", "/a/f.txt", [("Origin", APP)], {"status": 500, "acx": {}})]),
    Row("same_section_star_credentials_refused_though_replaced_below",
        "one section with '*' and credentials fails even if every URL it covers "
        "gets its origins replaced by a later section",
        """    <Location "/a/b">
        CORSAllowOrigin *
        CORSAllowCredentials On
    </Location>
    <Location "/a">
        CORSAllowOrigin https://app.example.com
    </Location>
""", configtest="refuses", message="CORSAllowCredentials"),
    Row("expose_star_credentials_without_origins_refused",
        "CORSExposeHeaders * with credentials fails configtest even with no origin listed",
        """    <Directory "@D@/a">
        CORSExposeHeaders *
        CORSAllowCredentials On
    </Directory>
""", configtest="refuses", message="CORSExposeHeaders"),
    Row("server_level_null_credentials_refused",
        "the main server is a context of its own: null + credentials there fails",
        """    CORSAllowOrigin https://app.example.com
""", server="CORSAllowOrigin null\nCORSAllowCredentials On\n", configtest="refuses",
        message="null"),

    # ------------------------------------------------ CORSReportOnly (issue 12)
    # Decisions where the issue is silent: CORS_RESULT under report-only is
    # the policy's decision, not what the response did (a granted preflight
    # that auth answers 401 logs "preflight", enforcing would log "denied").
    Row("report_only_preflight_not_exempt_from_auth",
        "report-only answers no preflight, exempts nothing and Require cors-preflight "
        "grants nothing: the CGI's own 401, CORS_RESULT the decision",
        CGI_DIR + """    <Location "/a/b">
        CORSReportOnly On
        CORSAllowOrigin https://app.example.com
        CORSPreflightAuth On
""" + BASIC + """        <RequireAny>
            Require cors-preflight
            Require valid-user
        </RequireAny>
    </Location>
""", requests=[preflight("/a/b/run.cgi") + ({"status": 401, "handler_ran": False, "acx": {},
                                             "vary_absent": ["origin"],
                                             "cors_result": "preflight"},)]),
    Row("report_only_handler_headers_untouched",
        "report-only leaves a CGI's own Access-Control-* as they are (no replace, no "
        "Vary), CORS_RESULT still the decision",
        CGI_DIR + """    <Location "/a/b">
        CORSReportOnly On
        CORSAllowOrigin https://app.example.com
    </Location>
""", requests=[("GET", "/a/b/own.cgi", [("Origin", "https://evil.example")],
                {"status": 200, "handler_ran": True, "cors_result": "denied",
                 "acx": {"access-control-allow-origin": "*",
                         "access-control-allow-credentials": "true"},
                 "vary_absent": ["origin"]})]),
    # ------------------------------------------- this turn's features, together
    Row("origin_file_any_port_subdomain_wildcard",
        "a '*.' wildcard with ':*' in an origin file grants any port: the lookup-table "
        "shortcut (issue 15) must see the file's wildcards as it sees CORSAllowOrigin's",
        CGI_DIR + """    <Location "/a/b">
        CORSAllowOriginFile "@ROOT@/origins/f2.txt"
    </Location>
""", requests=[("GET", "/a/b/run.cgi", [("Origin", "http://b.dev.example:3000")],
                {"status": 200, "handler_ran": True, "cors_result": "allowed",
                 "acx": {"access-control-allow-origin": "http://b.dev.example:3000"}})]),
    Row("protection_trusts_an_origin_file_entry",
        "CORSCrossOriginProtection trusts an origin granted by an origin file's wildcard",
        CGI_DIR + """    <Location "/a/b">
        CORSAllowOriginFile "@ROOT@/origins/f1.txt"
        CORSCrossOriginProtection On
    </Location>
""", requests=[("POST", "/a/b/run.cgi", [("Origin", "https://a.x.example"),
                                         ("Sec-Fetch-Site", "cross-site")],
                {"status": 200, "handler_ran": True, "cors_result": "allowed",
                 "acx": {"access-control-allow-origin": "https://a.x.example"}}),
               ("POST", "/a/b/run.cgi", [("Origin", "https://x.example"),
                                         ("Sec-Fetch-Site", "cross-site")],
                {"status": 403, "handler_ran": False, "cors_result": "blocked", "acx": {}})]),
    Row("report_only_does_not_relax_protection",
        "CORSReportOnly governs the CORS answer only: CORSCrossOriginProtection On in the "
        "same section still refuses, before the handler",
        CGI_DIR + """    <Location "/a/b">
        CORSAllowOrigin https://app.example.com
        CORSReportOnly On
        CORSCrossOriginProtection On
    </Location>
""", requests=[("POST", "/a/b/run.cgi", [("Origin", "https://evil.example"),
                                         ("Sec-Fetch-Site", "cross-site")],
                {"status": 403, "handler_ran": False, "cors_result": "blocked", "acx": {}})]),
]
