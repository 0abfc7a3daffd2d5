/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * test_report.c: unit tests for cors_report.h, the report-only
 * comparison. Each row is one request against one policy (decided by
 * cors_decide) and one response, with the differences it must yield:
 * one row at least per difference class, and rows where they agree.
 */

#include <string.h>

#include <check.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_report.h"
#include "unit_support.h"

#define APP "https://app.example.com"
#define EVIL "https://evil.example"

typedef enum { POL_CREDS, POL_NO_CREDS, POL_PUBLIC } policy_kind;

static cors_policy policy_make(apr_pool_t *p, policy_kind kind)
{
    cors_origin_layer *layer = cors_origin_layer_make(p);
    cors_rule *rule = apr_pcalloc(p, sizeof(*rule));
    cors_policy pol;
    const char *err = cors_rule_parse(p, apr_pstrdup(p, kind == POL_PUBLIC
                                                        ? "*" : APP), rule);

    ck_assert_msg(err == NULL, "rule refused: %s", err);
    cors_origin_layer_apply(p, layer, CORS_OP_SET, rule);
    memset(&pol, 0, sizeof(pol));
    pol.origins = cors_origin_chain_make(p, layer, NULL);
    pol.methods = cors_token_list_from_words(p, "GET HEAD POST PUT", 0);
    pol.allow_headers = cors_token_list_from_words(p, "Content-Type", 1);
    pol.expose_headers = cors_token_list_from_words(p, "", 1);
    pol.credentials = kind == POL_CREDS;
    pol.max_age = -1;
    return pol;
}

typedef struct {
    const char *name;
    policy_kind policy;
    const char *method;
    const char *origin;             /* NULL: no Origin */
    const char *acrm;
    const char *acrh;
    /* the response */
    int status;
    const char *acao;
    int acao_lines;
    const char *acac;
    const char *acam;
    const char *acah;
    int vary_origin;
    int keep;
    /* expected: up to two classes (-1: none), the first's credentials
     * flag, and words its reason and detail contain */
    int cls[2];
    int credentials;
    const char *reason_has;
    const char *detail;
} report_row;

#define NO (-1)

static const report_row rows[] = {
    /* ---- agreement ---- */
    { "agree: both grant with credentials", POL_CREDS, "GET", APP, NULL,
      NULL, 200, APP, 1, "true", NULL, NULL, 1, 0, { NO, NO }, 0, NULL,
      NULL },
    { "agree: both refuse (no CORS header at all)", POL_CREDS, "GET", EVIL,
      NULL, NULL, 200, NULL, 0, NULL, NULL, NULL, 1, 0, { NO, NO }, 0, NULL,
      NULL },
    { "agree: no Origin, Vary: Origin present", POL_CREDS, "GET", NULL,
      NULL, NULL, 200, NULL, 0, NULL, NULL, NULL, 1, 0, { NO, NO }, 0, NULL,
      NULL },
    { "agree: public policy, no Origin, no Vary", POL_PUBLIC, "GET", NULL,
      NULL, NULL, 200, "*", 1, NULL, NULL, NULL, 0, 0, { NO, NO }, 0, NULL,
      NULL },
    { "agree: public policy, '*' for an origin", POL_PUBLIC, "GET", EVIL,
      NULL, NULL, 200, "*", 1, NULL, NULL, NULL, 0, 0, { NO, NO }, 0, NULL,
      NULL },
    { "agree: Keep leaves the response's own grant", POL_CREDS, "GET", EVIL,
      NULL, NULL, 200, EVIL, 1, "true", NULL, NULL, 1, 1, { NO, NO }, 0,
      NULL, NULL },
    { "agree: preflight both grant", POL_CREDS, "OPTIONS", APP, "PUT",
      "content-type", 204, APP, 1, "true", "GET, PUT", "Content-Type", 0, 0,
      { NO, NO }, 0, NULL, NULL },
    { "agree: preflight 200 without CORS headers, mod_cors refuses",
      POL_CREDS, "OPTIONS", EVIL, "PUT", NULL, 200, NULL, 0, NULL, NULL,
      NULL, 0, 0, { NO, NO }, 0, NULL, NULL },
    { "agree: preflight refused by both (401)", POL_CREDS, "OPTIONS", EVIL,
      "PUT", NULL, 401, NULL, 0, NULL, NULL, NULL, 0, 0, { NO, NO }, 0, NULL,
      NULL },

    /* ---- refuses-granted ---- */
    { "refuses-granted: '*' answers an unlisted origin", POL_NO_CREDS, "GET",
      "https://other.example.com", NULL, NULL, 200, "*", 1, NULL, NULL, NULL,
      1, 0, { CORS_DIFF_REFUSES_GRANTED, NO }, 0, "origin not allowed",
      "https://other.example.com" },
    { "refuses-granted: credentials the policy does not allow", POL_NO_CREDS,
      "GET", APP, NULL, NULL, 200, APP, 1, "true", NULL, NULL, 1, 0,
      { CORS_DIFF_REFUSES_GRANTED, NO }, 1, "CORSAllowCredentials", NULL },

    /* ---- grants-refused ---- */
    { "grants-refused: no Access-Control-Allow-Origin", POL_CREDS, "GET",
      APP, NULL, NULL, 200, NULL, 0, NULL, NULL, NULL, 1, 0,
      { CORS_DIFF_GRANTS_REFUSED, NO }, 1, "no Access-Control-Allow-Origin",
      NULL },
    { "grants-refused: two Access-Control-Allow-Origin lines", POL_NO_CREDS,
      "GET", APP, NULL, NULL, 200, APP ", " APP, 2, NULL, NULL, NULL, 1, 0,
      { CORS_DIFF_GRANTS_REFUSED, NO }, 0, "more than one", NULL },
    { "grants-refused: another origin", POL_NO_CREDS, "GET", APP, NULL, NULL,
      200, "https://www.example.com", 1, NULL, NULL, NULL, 1, 0,
      { CORS_DIFF_GRANTS_REFUSED, NO }, 0, "another origin", NULL },
    { "grants-refused: credentials missing", POL_CREDS, "GET", APP, NULL,
      NULL, 200, APP, 1, "True", NULL, NULL, 1, 0,
      { CORS_DIFF_GRANTS_REFUSED, NO }, 1, "lacks Access-Control-Allow-"
      "Credentials", NULL },

    /* ---- reflects-unmatched ---- */
    { "reflects-unmatched: echoed with credentials", POL_CREDS, "POST", EVIL,
      NULL, NULL, 200, EVIL, 1, "true", NULL, NULL, 1, 0,
      { CORS_DIFF_REFLECTS_UNMATCHED, NO }, 1, "origin not allowed", EVIL },
    { "reflects-unmatched: without credentials", POL_NO_CREDS, "GET", EVIL,
      NULL, NULL, 200, EVIL, 1, NULL, NULL, NULL, 1, 0,
      { CORS_DIFF_REFLECTS_UNMATCHED, NO }, 0, "origin not allowed", EVIL },

    /* ---- any-with-credentials ---- */
    { "any-with-credentials: '*' and true", POL_CREDS, "GET", APP, NULL,
      NULL, 200, "*", 1, "true", NULL, NULL, 1, 0,
      { CORS_DIFF_GRANTS_REFUSED, CORS_DIFF_ANY_WITH_CREDENTIALS }, 1,
      "'*'", NULL },
    { "any-with-credentials: public policy too", POL_PUBLIC, "GET", APP,
      NULL, NULL, 200, "*", 1, "true", NULL, NULL, 0, 0,
      { CORS_DIFF_ANY_WITH_CREDENTIALS, NO }, 1, "browsers refuse", NULL },

    /* ---- vary-missing ---- */
    { "vary-missing: per-origin grant without Vary", POL_CREDS, "GET", APP,
      NULL, NULL, 200, APP, 1, "true", NULL, NULL, 0, 0,
      { CORS_DIFF_VARY_MISSING, NO }, 0, "per origin", NULL },
    { "vary-missing: no Origin, per-origin policy", POL_CREDS, "GET", NULL,
      NULL, NULL, 200, NULL, 0, NULL, NULL, NULL, 0, 0,
      { CORS_DIFF_VARY_MISSING, NO }, 0, "would send Vary: Origin", NULL },
    { "vary-missing: refused, no Vary", POL_CREDS, "GET", EVIL, NULL, NULL,
      200, NULL, 0, NULL, NULL, NULL, 0, 0, { CORS_DIFF_VARY_MISSING, NO },
      0, "depends on Origin", NULL },

    /* ---- preflight-refuses-granted ---- */
    { "preflight-refuses-granted: origin", POL_CREDS, "OPTIONS", EVIL, "PUT",
      NULL, 200, EVIL, 1, "true", "GET, PUT", NULL, 0, 0,
      { CORS_DIFF_PREFLIGHT_REFUSES_GRANTED, NO }, 1, "origin not allowed",
      EVIL },
    { "preflight-refuses-granted: method", POL_CREDS, "OPTIONS", APP,
      "DELETE", NULL, 200, APP, 1, "true", "GET, POST, PUT, DELETE", NULL, 0,
      0, { CORS_DIFF_PREFLIGHT_REFUSES_GRANTED, NO }, 1,
      "method not allowed", "DELETE" },
    { "preflight-refuses-granted: header", POL_CREDS, "OPTIONS", APP, "PUT",
      "content-type, x-secret", 200, APP, 1, "true", "PUT",
      "Content-Type, X-Secret", 0, 0,
      { CORS_DIFF_PREFLIGHT_REFUSES_GRANTED, NO }, 1, "header not allowed",
      "x-secret" },
    { "preflight-refuses-granted: '*' lists any method", POL_NO_CREDS,
      "OPTIONS", APP, "DELETE", NULL, 204, "*", 1, NULL, "*", NULL, 0, 0,
      { CORS_DIFF_PREFLIGHT_REFUSES_GRANTED, NO }, 0, "method not allowed",
      "DELETE" },

    /* ---- preflight-grants-refused ---- */
    { "preflight-grants-refused: 401", POL_CREDS, "OPTIONS", APP, "PUT",
      NULL, 401, APP, 1, "true", "PUT", NULL, 0, 0,
      { CORS_DIFF_PREFLIGHT_GRANTS_REFUSED, NO }, 1, "not 2xx", NULL },
    { "preflight-grants-refused: method not listed", POL_CREDS, "OPTIONS",
      APP, "PUT", NULL, 200, APP, 1, "true", "GET, POST", NULL, 0, 0,
      { CORS_DIFF_PREFLIGHT_GRANTS_REFUSED, NO }, 1, "lacks the method",
      "PUT" },
    { "preflight-grants-refused: '*' is literal with credentials",
      POL_CREDS, "OPTIONS", APP, "PUT", NULL, 200, APP, 1, "true", "*",
      NULL, 0, 0, { CORS_DIFF_PREFLIGHT_GRANTS_REFUSED, NO }, 1,
      "lacks the method", "PUT" },
    { "preflight-grants-refused: header not listed", POL_CREDS, "OPTIONS",
      APP, "PUT", "Content-Type", 200, APP, 1, "true", "PUT", "X-Other", 0,
      0, { CORS_DIFF_PREFLIGHT_GRANTS_REFUSED, NO }, 1, "lacks the header",
      "Content-Type" },
    { "preflight-grants-refused: no Allow-Origin", POL_CREDS, "OPTIONS", APP,
      "PUT", NULL, 200, NULL, 0, NULL, NULL, NULL, 0, 0,
      { CORS_DIFF_PREFLIGHT_GRANTS_REFUSED, NO }, 1,
      "no Access-Control-Allow-Origin", NULL },
};

#define N_ROWS ((int)(sizeof(rows) / sizeof(rows[0])))

static int expected_count(const report_row *row)
{
    return (row->cls[0] != NO) + (row->cls[1] != NO);
}

static int has_class(const cors_report *rep, int cls)
{
    int i;

    for (i = 0; i < rep->count; i++) {
        if ((int)rep->diff[i].cls == cls) {
            return 1;
        }
    }
    return 0;
}

START_TEST(test_compare)
{
    const report_row *row = &rows[_i];
    cors_policy pol = policy_make(pool, row->policy);
    cors_request req;
    cors_decision d;
    cors_response resp;
    cors_report rep;
    const cors_difference *first;
    int n;

    memset(&req, 0, sizeof(req));
    req.method = row->method;
    req.origin = row->origin;
    req.origin_count = row->origin ? 1 : 0;
    req.request_method = row->acrm;
    req.request_headers = row->acrh;
    cors_decide(pool, &pol, &req, &d);
    resp.status = row->status;
    resp.allow_origin = row->acao;
    resp.allow_origin_lines = row->acao_lines;
    resp.allow_credentials = row->acac;
    resp.allow_methods = row->acam;
    resp.allow_headers = row->acah;
    resp.vary_origin = row->vary_origin;

    n = cors_report_compare(&req, &d, &resp, row->keep, &rep);
    ck_assert_msg(n == rep.count, "%s: returned %d, count %d", row->name, n,
                  rep.count);
    ck_assert_msg(n == expected_count(row), "%s: %d differences, expected %d"
                  " (first: %s)", row->name, n, expected_count(row),
                  n ? cors_diff_class_name(rep.diff[0].cls) : "none");
    if (n == 0) {
        return;
    }
    ck_assert_msg(has_class(&rep, row->cls[0]), "%s: lacks %s", row->name,
                  cors_diff_class_name((cors_diff_class)row->cls[0]));
    if (row->cls[1] != NO) {
        ck_assert_msg(has_class(&rep, row->cls[1]), "%s: lacks %s",
                      row->name,
                      cors_diff_class_name((cors_diff_class)row->cls[1]));
    }
    first = &rep.diff[0];
    ck_assert_msg(first->credentials == row->credentials,
                  "%s: credentials %d", row->name, first->credentials);
    ck_assert_msg(strstr(first->reason, row->reason_has) != NULL,
                  "%s: reason '%s' lacks '%s'", row->name, first->reason,
                  row->reason_has);
    if (row->detail) {
        ck_assert_msg(first->detail != NULL
                      && first->detail_len == strlen(row->detail)
                      && strncmp(first->detail, row->detail,
                                 first->detail_len) == 0,
                      "%s: detail '%.*s', expected '%s'", row->name,
                      (int)first->detail_len,
                      first->detail ? first->detail : "", row->detail);
    }
    else {
        ck_assert_msg(first->detail == NULL, "%s: unexpected detail",
                      row->name);
    }
}
END_TEST

/* Every class has its own tag and sentence. */
START_TEST(test_class_names)
{
    int a, b;

    for (a = CORS_DIFF_REFUSES_GRANTED;
         a <= CORS_DIFF_PREFLIGHT_GRANTS_REFUSED; a++) {
        ck_assert_str_ne(cors_diff_class_name((cors_diff_class)a),
                         "difference");
        ck_assert_str_ne(cors_diff_class_text((cors_diff_class)a),
                         "difference");
        for (b = a + 1; b <= CORS_DIFF_PREFLIGHT_GRANTS_REFUSED; b++) {
            ck_assert_str_ne(cors_diff_class_name((cors_diff_class)a),
                             cors_diff_class_name((cors_diff_class)b));
        }
    }
}
END_TEST

/* No policy in effect: nothing to compare, whatever the response says. */
START_TEST(test_not_cors)
{
    cors_decision d;
    cors_request req;
    cors_response resp;
    cors_report rep;

    memset(&d, 0, sizeof(d));
    d.cls = CORS_CLASS_NONE;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    resp.status = 200;
    resp.allow_origin = "*";
    resp.allow_origin_lines = 1;
    resp.allow_credentials = "true";
    ck_assert_int_eq(cors_report_compare(&req, &d, &resp, 0, &rep), 0);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("cors_report");
    TCase *tc = tcase_create("compare");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_compare, 0, N_ROWS);
    tcase_add_test(tc, test_class_names);
    tcase_add_test(tc, test_not_cors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(report_suite());
}
