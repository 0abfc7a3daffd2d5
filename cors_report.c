/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_report.c: the report-only comparison. The response is read the
 * way a browser reads it (the Fetch standard's CORS check and preflight
 * checks); the decision is what mod_cors would have sent. Where both
 * refuse, or both grant the same way, they agree.
 */

#include <string.h>
#include <strings.h>

#include "cors_report.h"

/* How a browser reads the response for this request. */
typedef struct {
    int granted;
    int credentials;            /* granted to a credentialed request too */
    int reflected;              /* Allow-Origin is the request's Origin */
    int star;                   /* Allow-Origin is '*' */
    const char *why;            /* when not granted */
    const char *detail;
    apr_size_t detail_len;
} response_grant;

static void add(cors_report *out, cors_diff_class cls, int credentials,
                const char *reason, const char *detail, apr_size_t len)
{
    cors_difference *diff;

    if (out->count >= CORS_REPORT_MAX) {
        return;
    }
    diff = &out->diff[out->count++];
    diff->cls = cls;
    diff->credentials = credentials;
    diff->reason = reason;
    diff->detail = detail;
    diff->detail_len = detail ? len : 0;
}

static void not_granted(response_grant *g, const char *why,
                        const char *detail, apr_size_t len)
{
    g->granted = 0;
    g->credentials = 0;
    g->why = why;
    g->detail = detail;
    g->detail_len = len;
}

static int allows_credentials(const cors_response *resp)
{
    /* Fetch compares the value byte for byte: "True" does not count. */
    return resp->allow_credentials
           && strcmp(resp->allow_credentials, "true") == 0;
}

static int is_star(const cors_response *resp)
{
    return resp->allow_origin && resp->allow_origin_lines == 1
           && strcmp(resp->allow_origin, "*") == 0;
}

/* The CORS check of the Fetch standard, for either credentials mode. */
static void origin_check(const cors_response *resp, const char *origin,
                         response_grant *g)
{
    memset(g, 0, sizeof(*g));
    if (!resp->allow_origin) {
        not_granted(g, "the response has no Access-Control-Allow-Origin",
                    NULL, 0);
        return;
    }
    if (resp->allow_origin_lines != 1) {
        not_granted(g, "the response has more than one "
                    "Access-Control-Allow-Origin line", NULL, 0);
        return;
    }
    if (is_star(resp)) {
        g->granted = 1;
        g->star = 1;
        return;                 /* never to a credentialed request */
    }
    if (origin && strcmp(resp->allow_origin, origin) == 0) {
        g->granted = 1;
        g->reflected = 1;
        g->credentials = allows_credentials(resp);
        return;
    }
    not_granted(g, "the response's Access-Control-Allow-Origin names "
                "another origin", NULL, 0);
}

static int is_simple_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0
           || strcmp(m, "POST") == 0;
}

/* Whether a response list (Allow-Methods, Allow-Headers) names `name`;
 * -1 when the list cannot be parsed (browsers refuse the preflight). */
static int list_names(const char *list, const char *name, apr_size_t len,
                      int case_sensitive, int star_counts)
{
    cors_token_ref refs[CORS_REQUEST_HEADERS_MAX_NAMES], bad;
    int n = 0, i;

    if (!list) {
        return 0;
    }
    if (cors_parse_header_list(list, refs, &n, &bad) != CORS_LIST_OK) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (refs[i].len == 1 && refs[i].name[0] == '*' && star_counts) {
            return 1;
        }
        if (refs[i].len == len
            && (case_sensitive ? strncmp(refs[i].name, name, len)
                               : strncasecmp(refs[i].name, name, len)) == 0) {
            return 1;
        }
    }
    return 0;
}

static void method_check(const cors_response *resp, const char *m,
                         response_grant *g)
{
    int listed;

    if (is_simple_method(m)) {
        return;
    }
    /* '*' is a literal method name on credentialed requests. */
    listed = list_names(resp->allow_methods, m, strlen(m), 1,
                        !g->credentials);
    if (listed < 0) {
        not_granted(g, "the response's Access-Control-Allow-Methods is not a "
                    "list of tokens", NULL, 0);
    }
    else if (!listed) {
        not_granted(g, "the response's Access-Control-Allow-Methods lacks "
                    "the method", m, strlen(m));
    }
}

static void headers_check(const cors_response *resp, const char *requested,
                          response_grant *g)
{
    cors_token_ref names[CORS_REQUEST_HEADERS_MAX_NAMES], bad;
    int n = 0, i;

    if (!requested
        || cors_parse_header_list(requested, names, &n, &bad)
           != CORS_LIST_OK) {
        return;                 /* the browser never sends such a list */
    }
    for (i = 0; i < n; i++) {
        /* '*' never covers Authorization, nor credentialed requests */
        int star_counts = !g->credentials
            && !(names[i].len == 13
                 && strncasecmp(names[i].name, "authorization", 13) == 0);
        int listed = list_names(resp->allow_headers, names[i].name,
                                names[i].len, 0, star_counts);
        if (listed < 0) {
            not_granted(g, "the response's Access-Control-Allow-Headers is "
                        "not a list of tokens", NULL, 0);
            return;
        }
        if (!listed) {
            not_granted(g, "the response's Access-Control-Allow-Headers "
                        "lacks the header", names[i].name, names[i].len);
            return;
        }
    }
}

/* The CORS-preflight fetch: ok status, CORS check, method, headers. */
static void preflight_check(const cors_response *resp,
                            const cors_request *req, response_grant *g)
{
    if (resp->status < 200 || resp->status > 299) {
        memset(g, 0, sizeof(*g));
        not_granted(g, "the response's status is not 2xx", NULL, 0);
        return;
    }
    origin_check(resp, req->origin, g);
    if (g->granted && req->request_method) {
        method_check(resp, req->request_method, g);
    }
    if (g->granted) {
        headers_check(resp, req->request_headers, g);
    }
}

static int no_entry_matched(const cors_decision *d)
{
    return d->reason == CORS_REASON_ORIGIN_NOT_ALLOWED
           || d->reason == CORS_REASON_ORIGIN_MALFORMED;
}

/* Both grant: they still differ when only one grants credentials. */
static void compare_credentials(const cors_decision *d,
                                const response_grant *g,
                                cors_diff_class refuses,
                                cors_diff_class grants, cors_report *out)
{
    if (g->credentials && !d->allow_credentials) {
        add(out, refuses, 1, "CORSAllowCredentials is not On", NULL, 0);
    }
    else if (!g->credentials && d->allow_credentials) {
        add(out, grants, 1, g->star
            ? "the response answers '*', which browsers refuse on "
              "credentialed requests"
            : "the response lacks Access-Control-Allow-Credentials: true",
            NULL, 0);
    }
}

static void compare_actual(const cors_request *req, const cors_decision *d,
                           const cors_response *resp, cors_report *out)
{
    response_grant g;

    origin_check(resp, req->origin, &g);
    if (!d->granted) {
        if (!g.granted) {
            return;             /* both refuse */
        }
        add(out, g.reflected && no_entry_matched(d)
                 ? CORS_DIFF_REFLECTS_UNMATCHED : CORS_DIFF_REFUSES_GRANTED,
            g.credentials, cors_reason_text(d->reason), d->detail,
            d->detail_len);
        return;
    }
    if (!g.granted) {
        add(out, CORS_DIFF_GRANTS_REFUSED, d->allow_credentials, g.why,
            g.detail, g.detail_len);
        return;
    }
    compare_credentials(d, &g, CORS_DIFF_REFUSES_GRANTED,
                        CORS_DIFF_GRANTS_REFUSED, out);
}

static void compare_preflight(const cors_request *req,
                              const cors_decision *d,
                              const cors_response *resp, cors_report *out)
{
    response_grant g;

    preflight_check(resp, req, &g);
    if (!d->granted) {
        if (g.granted) {
            add(out, CORS_DIFF_PREFLIGHT_REFUSES_GRANTED, g.credentials,
                cors_reason_text(d->reason), d->detail, d->detail_len);
        }
        return;
    }
    if (!g.granted) {
        add(out, CORS_DIFF_PREFLIGHT_GRANTS_REFUSED, d->allow_credentials,
            g.why, g.detail, g.detail_len);
        return;
    }
    compare_credentials(d, &g, CORS_DIFF_PREFLIGHT_REFUSES_GRANTED,
                        CORS_DIFF_PREFLIGHT_GRANTS_REFUSED, out);
}

/* A response a cache may store for other origins: preflights (OPTIONS)
 * are never stored. */
static void compare_vary(const cors_decision *d, const cors_response *resp,
                         cors_report *out)
{
    int per_origin = resp->allow_origin && !is_star(resp);

    if (d->cls == CORS_CLASS_PREFLIGHT || resp->vary_origin) {
        return;
    }
    if (per_origin) {
        add(out, CORS_DIFF_VARY_MISSING, 0, "the response's "
            "Access-Control-Allow-Origin is per origin", NULL, 0);
    }
    else if (d->vary_origin) {
        add(out, CORS_DIFF_VARY_MISSING, 0, "the policy's answer depends on "
            "Origin (mod_cors would send Vary: Origin)", NULL, 0);
    }
}

int cors_report_compare(const cors_request *req, const cors_decision *d,
                        const cors_response *resp, int keep,
                        cors_report *out)
{
    memset(out, 0, sizeof(*out));
    if (d->cls == CORS_CLASS_PREFLIGHT) {
        compare_preflight(req, d, resp, out);
    }
    else if (d->cls == CORS_CLASS_ACTUAL && !(keep && resp->allow_origin)) {
        /* Keep would leave the response's own answer as it is. */
        compare_actual(req, d, resp, out);
    }
    if (d->cls != CORS_CLASS_NONE && is_star(resp)
        && allows_credentials(resp)) {
        add(out, CORS_DIFF_ANY_WITH_CREDENTIALS, 1, "browsers refuse '*' on "
            "credentialed requests, and mod_cors never sends it with "
            "credentials", NULL, 0);
    }
    compare_vary(d, resp, out);
    return out->count;
}

const char *cors_diff_class_name(cors_diff_class cls)
{
    switch (cls) {
    case CORS_DIFF_REFUSES_GRANTED:
        return "refuses-granted";
    case CORS_DIFF_GRANTS_REFUSED:
        return "grants-refused";
    case CORS_DIFF_REFLECTS_UNMATCHED:
        return "reflects-unmatched";
    case CORS_DIFF_ANY_WITH_CREDENTIALS:
        return "any-with-credentials";
    case CORS_DIFF_VARY_MISSING:
        return "vary-missing";
    case CORS_DIFF_PREFLIGHT_REFUSES_GRANTED:
        return "preflight-refuses-granted";
    case CORS_DIFF_PREFLIGHT_GRANTS_REFUSED:
        return "preflight-grants-refused";
    }
    return "difference";
}

const char *cors_diff_class_text(cors_diff_class cls)
{
    switch (cls) {
    case CORS_DIFF_REFUSES_GRANTED:
        return "the response grants the origin, mod_cors would refuse it";
    case CORS_DIFF_GRANTS_REFUSED:
        return "mod_cors would grant the origin, the response does not";
    case CORS_DIFF_REFLECTS_UNMATCHED:
        return "the response reflects an origin that no entry matches";
    case CORS_DIFF_ANY_WITH_CREDENTIALS:
        return "the response grants '*' together with credentials";
    case CORS_DIFF_VARY_MISSING:
        return "the response depends on Origin but lacks Vary: Origin";
    case CORS_DIFF_PREFLIGHT_REFUSES_GRANTED:
        return "the response grants the preflight, mod_cors would refuse it";
    case CORS_DIFF_PREFLIGHT_GRANTS_REFUSED:
        return "mod_cors would grant the preflight, the response refuses it";
    }
    return "difference";
}
