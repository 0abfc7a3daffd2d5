/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * test_protect.c: unit tests for cors_protect.h, the cross-origin
 * protection decision. Each row is one request against one origin list
 * with the expected verdict and the rule that decided it.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_protect.h"
#include "unit_support.h"

static const cors_origin_chain *origins_of(apr_pool_t *p, const char *words)
{
    cors_origin_layer *layer;
    char *copy;
    char *last;
    char *w;

    if (words == NULL) {
        return NULL;
    }
    layer = cors_origin_layer_make(p);
    copy = apr_pstrdup(p, words);
    for (w = apr_strtok(copy, " ", &last); w != NULL;
         w = apr_strtok(NULL, " ", &last)) {
        cors_rule *rule = apr_pcalloc(p, sizeof(*rule));
        const char *err = cors_rule_parse(p, w, rule);
        ck_assert_msg(err == NULL, "'%s' refused: %s", w, err);
        cors_origin_layer_apply(p, layer, CORS_OP_SET, rule);
    }
    return cors_origin_chain_make(p, layer, NULL);
}

#define LIST "https://app.example.com https://*.example.org"
#define LIST_NULL "https://app.example.com null"
#define STAR "*"
#define STAR_AND "* https://app.example.com"

typedef struct {
    const char *name;
    const char *list;
    const char *method;
    const char *upgrade;
    const char *fetch_site;
    const char *origin;
    int origin_count;           /* 0: 1 when origin is set */
    int allowed;
    cors_protect_rule rule;
} decide_case;

/* The request's own origin in every row: https://api.example.com:8443 */
#define OWN "https://api.example.com:8443"

static const decide_case decide_cases[] = {
    /* Not checked */
    { "GET", NULL, "GET", NULL, "cross-site", "https://evil.test", 0,
      1, CORS_PROTECT_NOT_CHECKED },
    { "HEAD", NULL, "HEAD", NULL, "cross-site", "https://evil.test", 0,
      1, CORS_PROTECT_NOT_CHECKED },
    { "OPTIONS", NULL, "OPTIONS", NULL, "cross-site", "https://evil.test", 0,
      1, CORS_PROTECT_NOT_CHECKED },
    { "GET with Upgrade h2c", NULL, "GET", "h2c", "cross-site",
      "https://evil.test", 0, 1, CORS_PROTECT_NOT_CHECKED },
    /* Checked: methods are case-sensitive, "get" is not GET */
    { "lower-case get", NULL, "get", NULL, "cross-site", "https://evil.test",
      0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "WebSocket GET", NULL, "GET", "websocket", "cross-site",
      "https://evil.test", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "WebSocket odd case", NULL, "GET", "WebSocket", "cross-site",
      "https://evil.test", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "WebSocket in a list", NULL, "GET", "h2c, websocket/13", "cross-site",
      "https://evil.test", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "WebSocket HEAD", NULL, "HEAD", " websocket ", NULL,
      "https://evil.test", 0, 0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "websocketx is not websocket", NULL, "GET", "websocketx",
      "cross-site", "https://evil.test", 0, 1, CORS_PROTECT_NOT_CHECKED },
    /* Rule 1 */
    { "same-origin", NULL, "POST", NULL, "same-origin", "https://evil.test",
      0, 1, CORS_PROTECT_FETCH_SITE_OK },
    { "none", NULL, "DELETE", NULL, "none", NULL, 0,
      1, CORS_PROTECT_FETCH_SITE_OK },
    { "WebSocket same-origin", NULL, "GET", "websocket", "same-origin",
      OWN, 0, 1, CORS_PROTECT_FETCH_SITE_OK },
    { "cross-site", NULL, "POST", NULL, "cross-site", "https://evil.test", 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "same-site is refused", NULL, "POST", NULL, "same-site",
      "https://www.example.com", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "cross-site without Origin", NULL, "POST", NULL, "cross-site", NULL, 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "cross-site with own Origin", NULL, "POST", NULL, "cross-site", OWN,
      0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    /* Hostile Sec-Fetch-Site: only the exact values allow */
    { "Same-Origin odd case", NULL, "POST", NULL, "Same-Origin", NULL, 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "NONE odd case", NULL, "POST", NULL, "NONE", OWN, 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "several values", NULL, "POST", NULL, "same-origin, cross-site", OWN,
      0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "several same-origin", NULL, "POST", NULL, "same-origin, same-origin",
      NULL, 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "empty", NULL, "POST", NULL, "", NULL, 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "padded", NULL, "POST", NULL, " same-origin", NULL, 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "with a NUL-free suffix", NULL, "POST", NULL, "same-origin;x", NULL, 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    /* Rule 2 */
    { "trusted exact", LIST, "POST", NULL, "cross-site",
      "https://app.example.com", 0, 1, CORS_PROTECT_TRUSTED_ORIGIN },
    { "trusted subdomain", LIST, "PUT", NULL, "same-site",
      "https://a.example.org", 0, 1, CORS_PROTECT_TRUSTED_ORIGIN },
    { "trusted, no Sec-Fetch-Site", LIST, "POST", NULL, NULL,
      "https://app.example.com", 0, 1, CORS_PROTECT_TRUSTED_ORIGIN },
    { "trusted WebSocket", LIST, "GET", "websocket", "cross-site",
      "https://app.example.com", 0, 1, CORS_PROTECT_TRUSTED_ORIGIN },
    { "trusted, hostile Sec-Fetch-Site", LIST, "POST", NULL, "CROSS-SITE",
      "https://app.example.com", 0, 1, CORS_PROTECT_TRUSTED_ORIGIN },
    { "not in list", LIST, "POST", NULL, "cross-site", "https://evil.test",
      0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "list entry's sibling", LIST, "POST", NULL, "same-site",
      "https://api2.example.com", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "star never trusts", STAR, "POST", NULL, "cross-site",
      "https://evil.test", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "star never trusts, old browser", STAR, "POST", NULL, NULL,
      "https://evil.test", 0, 0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "star beside an entry", STAR_AND, "POST", NULL, "cross-site",
      "https://app.example.com", 0, 1, CORS_PROTECT_TRUSTED_ORIGIN },
    { "star beside an entry, others", STAR_AND, "POST", NULL, "cross-site",
      "https://evil.test", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "null not listed", LIST, "POST", NULL, "cross-site", "null", 0,
      0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "null with star", STAR, "POST", NULL, NULL, "null", 0,
      0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "null listed", LIST_NULL, "POST", NULL, "cross-site", "null", 0,
      1, CORS_PROTECT_TRUSTED_ORIGIN },
    { "null without list", NULL, "POST", NULL, NULL, "null", 0,
      0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "Null odd case", LIST_NULL, "POST", NULL, NULL, "Null", 0,
      0, CORS_PROTECT_BAD_ORIGIN },
    { "trusted origin twice", LIST, "POST", NULL, "cross-site",
      "https://app.example.com", 2, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "trusted joined with another", LIST, "POST", NULL, NULL,
      "https://app.example.com, https://evil.test", 2, 0,
      CORS_PROTECT_BAD_ORIGIN },
    { "trusted upper case", LIST, "POST", NULL, "cross-site",
      "https://APP.example.com", 0, 0, CORS_PROTECT_CROSS_FETCH_SITE },
    { "trusted with a path", LIST, "POST", NULL, NULL,
      "https://app.example.com/", 0, 0, CORS_PROTECT_BAD_ORIGIN },
    /* Rule 3 */
    { "no headers at all", NULL, "POST", NULL, NULL, NULL, 0,
      1, CORS_PROTECT_NO_ORIGIN },
    { "no headers, with a list", LIST, "PATCH", NULL, NULL, NULL, 0,
      1, CORS_PROTECT_NO_ORIGIN },
    { "WebSocket from a non-browser", NULL, "GET", "websocket", NULL, NULL,
      0, 1, CORS_PROTECT_NO_ORIGIN },
    { "own origin", NULL, "POST", NULL, NULL, OWN, 0,
      1, CORS_PROTECT_OWN_ORIGIN },
    { "own origin, WebSocket", NULL, "GET", "websocket", NULL, OWN, 0,
      1, CORS_PROTECT_OWN_ORIGIN },
    { "own host, other scheme", NULL, "POST", NULL, NULL,
      "http://api.example.com:8443", 0, 0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "own host, other port", NULL, "POST", NULL, NULL,
      "https://api.example.com:8444", 0, 0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "own host, no port", NULL, "POST", NULL, NULL,
      "https://api.example.com", 0, 0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "own host as a prefix", NULL, "POST", NULL, NULL,
      "https://api.example.com.evil.test:8443", 0, 0,
      CORS_PROTECT_FOREIGN_ORIGIN },
    { "own origin with a port suffix", NULL, "POST", NULL, NULL,
      "https://api.example.com:84430", 0, 0, CORS_PROTECT_BAD_ORIGIN },
    { "own origin's port prefix", NULL, "POST", NULL, NULL,
      "https://api.example.com:844", 0, 0, CORS_PROTECT_FOREIGN_ORIGIN },
    { "own origin with a path", NULL, "POST", NULL, NULL,
      OWN "/x", 0, 0, CORS_PROTECT_BAD_ORIGIN },
    { "own origin twice", NULL, "POST", NULL, NULL, OWN, 2,
      0, CORS_PROTECT_BAD_ORIGIN },
    { "own origin joined", NULL, "POST", NULL, NULL, OWN ", " OWN, 2,
      0, CORS_PROTECT_BAD_ORIGIN },
    { "own origin upper case", NULL, "POST", NULL, NULL,
      "https://API.example.com:8443", 0, 0, CORS_PROTECT_BAD_ORIGIN },
    { "empty Origin", NULL, "POST", NULL, NULL, "", 0,
      0, CORS_PROTECT_BAD_ORIGIN },
    { "garbage Origin", NULL, "POST", NULL, NULL, "\x01\xff<script>", 0,
      0, CORS_PROTECT_BAD_ORIGIN },
    { "foreign origin", NULL, "POST", NULL, NULL, "https://evil.test", 0,
      0, CORS_PROTECT_FOREIGN_ORIGIN },
};

#define N_DECIDE (int)(sizeof(decide_cases) / sizeof(decide_cases[0]))

START_TEST(test_decide)
{
    const decide_case *c = &decide_cases[_i];
    cors_protect_request req;
    cors_protect_result res;

    req.method = c->method;
    req.upgrade = c->upgrade;
    req.fetch_site = c->fetch_site;
    req.origin = c->origin;
    req.origin_count = c->origin ? (c->origin_count ? c->origin_count : 1)
                                 : 0;
    req.scheme = "https";
    req.host = "api.example.com";
    req.port = 8443;
    cors_protect_decide(&req, origins_of(pool, c->list), &res);
    ck_assert_msg(res.allowed == c->allowed && res.rule == c->rule,
                  "%s: allowed %d by '%s', expected %d by '%s'", c->name,
                  res.allowed, cors_protect_rule_text(res.rule), c->allowed,
                  cors_protect_rule_text(c->rule));
    ck_assert_msg((res.entry != NULL) == (res.rule
                                          == CORS_PROTECT_TRUSTED_ORIGIN),
                  "%s: entry only for a trusted origin", c->name);
}
END_TEST

typedef struct {
    const char *origin;
    const char *scheme;
    const char *host;
    unsigned int port;
    int own;
} own_case;

static const own_case own_cases[] = {
    { "http://example.com", "http", "example.com", 80, 1 },
    { "http://example.com:80", "http", "example.com", 80, 0 },
    { "https://example.com", "https", "example.com", 443, 1 },
    { "https://example.com", "https", "Example.COM", 443, 1 },
    { "https://example.com:443", "https", "example.com", 443, 0 },
    { "https://example.com:80", "https", "example.com", 80, 1 },
    { "http://example.com", "https", "example.com", 443, 0 },
    { "https://example.com", "http", "example.com", 80, 0 },
    { "http://127.0.0.1:8080", "http", "127.0.0.1", 8080, 1 },
    { "http://127.0.0.1:08080", "http", "127.0.0.1", 8080, 0 },
    { "http://127.0.0.1:", "http", "127.0.0.1", 80, 0 },
    { "http://[::1]:8080", "http", "[::1]", 8080, 1 },
    { "http://example.com", "http", "", 80, 0 },
    { "http://example.com", "http", NULL, 80, 0 },
    { "http://example.com", NULL, "example.com", 80, 0 },
    { "http://example.co", "http", "example.com", 80, 0 },
    { "", "http", "example.com", 80, 0 },
};

#define N_OWN (int)(sizeof(own_cases) / sizeof(own_cases[0]))

START_TEST(test_own_origin)
{
    const own_case *c = &own_cases[_i];

    ck_assert_msg(cors_protect_is_own_origin(c->origin, strlen(c->origin),
                                             c->scheme, c->host, c->port)
                  == c->own, "'%s' own of %s://%s port %u: expected %d",
                  c->origin, c->scheme ? c->scheme : "(null)",
                  c->host ? c->host : "(null)", c->port, c->own);
}
END_TEST

START_TEST(test_mode_parse)
{
    ck_assert_int_eq(cors_protect_mode_parse("On"), CORS_PROTECT_ON);
    ck_assert_int_eq(cors_protect_mode_parse("on"), CORS_PROTECT_ON);
    ck_assert_int_eq(cors_protect_mode_parse("OFF"), CORS_PROTECT_OFF);
    ck_assert_int_eq(cors_protect_mode_parse("ReportOnly"),
                     CORS_PROTECT_REPORT_ONLY);
    ck_assert_int_eq(cors_protect_mode_parse("reportonly"),
                     CORS_PROTECT_REPORT_ONLY);
    ck_assert_int_eq(cors_protect_mode_parse("Report-Only"),
                     CORS_PROTECT_UNSET);
    ck_assert_int_eq(cors_protect_mode_parse(""), CORS_PROTECT_UNSET);
    ck_assert_int_eq(cors_protect_mode_parse("yes"), CORS_PROTECT_UNSET);
}
END_TEST

START_TEST(test_rule_text)
{
    int r;

    for (r = CORS_PROTECT_NOT_CHECKED; r <= CORS_PROTECT_BAD_ORIGIN; r++) {
        const char *t = cors_protect_rule_text((cors_protect_rule)r);
        ck_assert_msg(t && *t && strcmp(t, "unknown") != 0,
                      "no text for rule %d", r);
    }
}
END_TEST

START_TEST(test_checked)
{
    ck_assert(!cors_protect_is_checked("GET", NULL));
    ck_assert(!cors_protect_is_checked("GET", ""));
    ck_assert(!cors_protect_is_checked("GET", ",,, ,"));
    ck_assert(cors_protect_is_checked("POST", NULL));
    ck_assert(cors_protect_is_checked("PROPFIND", NULL));
    ck_assert(cors_protect_is_checked("GET", "foo, WEBSOCKET"));
    ck_assert(!cors_protect_is_checked("GET", "web socket"));
}
END_TEST

static Suite *protect_suite(void)
{
    Suite *s = suite_create("cors_protect");
    TCase *tc;

    tc = tcase_create("decide");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_decide, 0, N_DECIDE);
    tcase_add_loop_test(tc, test_own_origin, 0, N_OWN);
    tcase_add_test(tc, test_mode_parse);
    tcase_add_test(tc, test_rule_text);
    tcase_add_test(tc, test_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(protect_suite());
}
