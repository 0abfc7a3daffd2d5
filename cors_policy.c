/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_policy.c: the CORS decision, following the Fetch standard's CORS
 * protocol: classify, check the origin, and for a preflight the requested
 * method and headers; then say which response headers to send.
 */

#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "cors_policy.h"

int cors_policy_active(const cors_policy *policy)
{
    return policy->origins && policy->origins->count > 0;
}

int cors_policy_is_public(const cors_policy *policy)
{
    return cors_policy_active(policy) && policy->origins->any
           && !policy->credentials;
}

static void refuse(cors_decision *out, cors_reason reason,
                   const char *detail, apr_size_t len)
{
    out->granted = 0;
    out->reason = reason;
    out->detail = detail;
    out->detail_len = len;
}

static int is_simple_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0
           || strcmp(m, "POST") == 0;
}

/* Decide the origin; returns non-zero when it is granted. */
static int decide_origin(apr_pool_t *p, const cors_policy *policy,
                         const cors_request *req, int is_public,
                         cors_decision *out)
{
    apr_size_t len = strlen(req->origin);
    cors_match_result m;

    if (req->origin_count > 1) {
        refuse(out, CORS_REASON_ORIGIN_MULTIPLE, req->origin, len);
        return 0;
    }
    /* `p` keeps an origin file's entry that granted for the log. */
    m = cors_origin_match_held(p, policy->origins, req->origin, len, 0,
                               &out->rule);
    if (m == CORS_MATCH_MALFORMED) {
        refuse(out, CORS_REASON_ORIGIN_MALFORMED, req->origin, len);
        return 0;
    }
    if (is_public) {
        out->rule = policy->origins->any;
        out->allow_origin = "*";
        return 1;
    }
    if (m == CORS_MATCH_ENTRY && policy->credentials && out->rule->wide) {
        /* Any site can send null (from a sandbox) or an origin a broad
         * regex matches: with credentials, as dangerous as '*'. Another
         * entry may still grant the origin. */
        const cors_rule *wide = out->rule;
        m = cors_origin_match_held(p, policy->origins, req->origin, len, 1,
                                   &out->rule);
        if (m != CORS_MATCH_ENTRY) {
            out->rule = wide;
            refuse(out, CORS_REASON_WIDE_WITH_CREDENTIALS, req->origin, len);
            return 0;
        }
    }
    if (m == CORS_MATCH_ENTRY) {
        out->allow_origin = req->origin;
        return 1;
    }
    if (policy->origins->any) {
        /* Only '*' would match, and credentials are on: '*' may never be
         * answered together with Access-Control-Allow-Credentials. */
        out->rule = policy->origins->any;
        refuse(out, CORS_REASON_ANY_WITH_CREDENTIALS, req->origin, len);
        return 0;
    }
    refuse(out, CORS_REASON_ORIGIN_NOT_ALLOWED, req->origin, len);
    return 0;
}

static int method_allowed(const cors_policy *policy, const char *method)
{
    return is_simple_method(method) || policy->methods->any
           || cors_token_list_has(policy->methods, method, strlen(method));
}

static int header_allowed(const cors_token_list *allowed,
                          const cors_token_ref *h)
{
    if (cors_token_list_has(allowed, h->name, h->len)) {
        return 1;
    }
    /* '*' never covers Authorization; it has to be listed by name. */
    return allowed->any
           && !(h->len == 13 && strncasecmp(h->name, "authorization", 13) == 0);
}

/* The requested names, lower-cased and joined with ", ". */
static const char *echo_headers(apr_pool_t *p, const cors_token_ref *names,
                                int n)
{
    apr_size_t len = 0, o = 0, j;
    char *out;
    int i;

    if (n == 0) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        len += names[i].len + 2;
    }
    out = apr_palloc(p, len + 1);
    for (i = 0; i < n; i++) {
        if (i > 0) {
            out[o++] = ',';
            out[o++] = ' ';
        }
        for (j = 0; j < names[i].len; j++) {
            out[o++] = (char)apr_tolower((unsigned char)names[i].name[j]);
        }
    }
    out[o] = '\0';
    return out;
}

static void decide_preflight(apr_pool_t *p, const cors_policy *policy,
                             const cors_request *req, cors_decision *out)
{
    cors_token_ref names[CORS_REQUEST_HEADERS_MAX_NAMES], bad;
    const char *m = req->request_method;
    const cors_token_list *allowed = policy->allow_headers;
    int n = 0, i;

    if (!m || !cors_is_token(m, strlen(m))) {
        refuse(out, CORS_REASON_METHOD_MALFORMED, m, m ? strlen(m) : 0);
        return;
    }
    if (!method_allowed(policy, m)) {
        refuse(out, CORS_REASON_METHOD_NOT_ALLOWED, m, strlen(m));
        return;
    }
    if (req->request_headers) {
        const char *h = req->request_headers;
        switch (cors_parse_header_list(h, names, &n, &bad)) {
        case CORS_LIST_OK:
            break;
        case CORS_LIST_BAD_TOKEN:
            refuse(out, CORS_REASON_HEADERS_MALFORMED, bad.name, bad.len);
            return;
        case CORS_LIST_TOO_MANY:
            refuse(out, CORS_REASON_HEADERS_TOO_MANY, h, 0);
            return;
        case CORS_LIST_TOO_LONG:
            refuse(out, CORS_REASON_HEADERS_TOO_LONG, h, 0);
            return;
        }
    }
    for (i = 0; i < n; i++) {
        if (!header_allowed(allowed, &names[i])) {
            refuse(out, CORS_REASON_HEADER_NOT_ALLOWED, names[i].name,
                   names[i].len);
            return;
        }
    }
    out->granted = 1;
    /* Browsers read '*' literally on credentialed requests: answer with
     * what was asked for, now that every part of it has been checked. */
    out->allow_methods = (policy->credentials && policy->methods->any)
                         ? m : policy->methods->joined;
    out->allow_headers = (policy->credentials && allowed->any)
                         ? echo_headers(p, names, n) : allowed->joined;
    out->max_age = policy->max_age >= 0 ? policy->max_age_text : NULL;
    out->allow_private_network = policy->private_network
        && req->request_private_network
        && strcmp(req->request_private_network, "true") == 0;
}

static void decide_actual(const cors_policy *policy, cors_decision *out)
{
    const cors_token_list *expose = policy->expose_headers;

    out->granted = 1;
    if (policy->credentials && expose->any) {
        out->expose_any_with_credentials = 1;
        return;
    }
    out->expose_headers = expose->joined;
}

void cors_decide(apr_pool_t *p, const cors_policy *policy,
                 const cors_request *req, cors_decision *out)
{
    int is_public;

    memset(out, 0, sizeof(*out));
    out->cls = CORS_CLASS_NONE;
    if (!cors_policy_active(policy)) {
        return;
    }
    is_public = cors_policy_is_public(policy);
    out->vary_origin = !is_public;
    if (!req->origin) {
        if (is_public) {
            /* The same answer for everyone, so caches need no Vary. */
            out->allow_origin = "*";
            out->expose_headers = policy->expose_headers->joined;
        }
        return;
    }
    if (strcmp(req->method, "OPTIONS") == 0 && req->request_method) {
        /* Whether it is granted, and with credentials and '*' the answer
         * itself, depends on the Access-Control-Request-* headers. */
        out->cls = CORS_CLASS_PREFLIGHT;
        out->vary_origin = 1;
        out->vary_request = 1;
    }
    else {
        out->cls = CORS_CLASS_ACTUAL;
    }
    if (is_public && out->cls == CORS_CLASS_ACTUAL) {
        out->rule = policy->origins->any;
        out->allow_origin = "*";
        decide_actual(policy, out);
        return;
    }
    if (!decide_origin(p, policy, req, is_public, out)) {
        out->allow_origin = NULL;
        return;
    }
    out->allow_credentials = policy->credentials;
    if (out->cls == CORS_CLASS_PREFLIGHT) {
        decide_preflight(p, policy, req, out);
    }
    else {
        decide_actual(policy, out);
    }
    if (!out->granted) {
        out->allow_origin = NULL;
        out->allow_credentials = 0;
    }
}

const char *cors_decision_result(const cors_decision *d)
{
    if (d->cls == CORS_CLASS_NONE) {
        return "none";
    }
    if (!d->granted) {
        return "denied";
    }
    return d->cls == CORS_CLASS_PREFLIGHT ? "preflight" : "allowed";
}

const char *cors_reason_text(cors_reason reason)
{
    switch (reason) {
    case CORS_REASON_NONE:
        return "granted";
    case CORS_REASON_ORIGIN_MALFORMED:
        return "Origin is not a canonical serialized origin";
    case CORS_REASON_ORIGIN_MULTIPLE:
        return "request carries more than one Origin header";
    case CORS_REASON_ORIGIN_NOT_ALLOWED:
        return "origin not allowed";
    case CORS_REASON_ANY_WITH_CREDENTIALS:
        return "only '*' matches, and '*' is never granted with credentials";
    case CORS_REASON_WIDE_WITH_CREDENTIALS:
        return "the matching entry (null, or a regex that matches unrelated "
               "sites) is never granted with credentials";
    case CORS_REASON_METHOD_MALFORMED:
        return "Access-Control-Request-Method is not a token";
    case CORS_REASON_METHOD_NOT_ALLOWED:
        return "method not allowed";
    case CORS_REASON_HEADERS_MALFORMED:
        return "Access-Control-Request-Headers has an element that is not a "
               "token";
    case CORS_REASON_HEADERS_TOO_MANY:
        return "Access-Control-Request-Headers names more than 64 headers";
    case CORS_REASON_HEADERS_TOO_LONG:
        return "Access-Control-Request-Headers is longer than 4096 bytes";
    case CORS_REASON_HEADER_NOT_ALLOWED:
        return "header not allowed";
    }
    return "refused";
}
