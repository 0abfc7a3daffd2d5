/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_answer.c: turn a decision into response headers. The output
 * filter calls it once, after every handler, proxy and CGI has set its
 * own headers: whatever Access-Control-* they set is replaced (or, under
 * CORSUpstreamHeaders Keep, left alone), and Vary gets what the answer
 * depends on.
 */

#include <string.h>
#include <strings.h>

#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include "mod_cors.h"

APLOG_USE_MODULE(cors);

static int is_cors_header(const char *name)
{
    /* the first byte spares the call for nearly every header */
    return (name[0] == 'A' || name[0] == 'a')
           && strncasecmp(name, "Access-Control-", 15) == 0;
}

static void remove_cors_headers(apr_pool_t *p, apr_table_t *t)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *names = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && is_cors_header(e[i].key)) {
            if (!names) {
                names = apr_array_make(p, 4, sizeof(const char *));
            }
            APR_ARRAY_PUSH(names, const char *) = e[i].key;
        }
    }
    for (i = 0; names && i < names->nelts; i++) {
        apr_table_unset(t, APR_ARRAY_IDX(names, i, const char *));
    }
}

void cors_remove_answer(request_rec *r)
{
    remove_cors_headers(r->pool, r->headers_out);
    remove_cors_headers(r->pool, r->err_headers_out);
}

/* Whether a Vary line of `t` names the token (or is "*"); `present` is
 * set when `t` has a Vary line at all. One pass, no callback. */
static int vary_covers(apr_pool_t *p, const apr_table_t *t,
                       const char *token, int *present)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && (e[i].key[0] | 0x20) == 'v' && e[i].val
            && strcasecmp(e[i].key, "Vary") == 0) {
            *present = 1;
            if (ap_find_token(p, e[i].val, token)
                || ap_find_token(p, e[i].val, "*")) {
                return 1;
            }
        }
    }
    return 0;
}

int cors_vary_covers(request_rec *r, const char *token)
{
    int present = 0;

    return vary_covers(r->pool, r->headers_out, token, &present)
           || vary_covers(r->pool, r->err_headers_out, token, &present);
}

static void merge_vary(request_rec *r, const char *token)
{
    int in_out = 0, in_err = 0;

    if (vary_covers(r->pool, r->headers_out, token, &in_out)
        || vary_covers(r->pool, r->err_headers_out, token, &in_err)) {
        return;
    }
    if (in_out) {
        apr_table_mergen(r->headers_out, "Vary", token);
    }
    else {
        apr_table_addn(r->headers_out, "Vary", token);
    }
}

static int has_vary(const apr_table_t *t)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && (e[i].key[0] | 0x20) == 'v'
            && strcasecmp(e[i].key, "Vary") == 0) {
            return 1;
        }
    }
    return 0;
}

static void merge_vary_of(request_rec *r, const cors_decision *d,
                          int kept_per_origin)
{
    int by_origin = d->vary_origin || kept_per_origin;

    if (!by_origin && !d->vary_request) {
        return;
    }
    if (!has_vary(r->headers_out) && !has_vary(r->err_headers_out)) {
        /* Nothing to merge with: the line the merges below would make. */
        apr_table_addn(r->headers_out, "Vary", !d->vary_request ? "Origin"
                       : by_origin ? "Origin, Access-Control-Request-Method, "
                                     "Access-Control-Request-Headers"
                       : "Access-Control-Request-Method, "
                         "Access-Control-Request-Headers");
        return;
    }
    if (by_origin) {
        merge_vary(r, "Origin");
    }
    if (d->vary_request) {
        merge_vary(r, "Access-Control-Request-Method");
        merge_vary(r, "Access-Control-Request-Headers");
    }
}

/* Only after remove_all_cors_headers: no Access-Control-* is left to
 * replace, so adding spares apr_table_setn's search. */
static void add_if(apr_table_t *t, const char *name, const char *value)
{
    if (value) {
        apr_table_addn(t, name, value);
    }
}

/* A preflight the browser will refuse: refused by the policy, or answered
 * with an error (authentication, an ErrorDocument, a passed-through
 * handler) whatever the policy said. */
static int is_refused_preflight(const request_rec *r, const cors_decision *d)
{
    return d->cls == CORS_CLASS_PREFLIGHT
           && (!d->granted || !ap_is_HTTP_SUCCESS(r->status));
}

/* Mark a preflight that the policy granted but the response refuses. */
static void note_refused(request_rec *r, cors_request_state *st)
{
    if (st->decision.granted) {
        st->decision.granted = 0;
        apr_table_setn(r->subprocess_env, "CORS_RESULT", "denied");
        apr_table_setn(cors_deciding_request(r)->subprocess_env, "CORS_RESULT",
                       "denied");
    }
}

static void write_headers(request_rec *r, const cors_decision *d)
{
    apr_table_t *t = r->headers_out;

    add_if(t, "Access-Control-Allow-Origin", d->allow_origin);
    if (d->allow_credentials) {
        apr_table_addn(t, "Access-Control-Allow-Credentials", "true");
    }
    add_if(t, "Access-Control-Expose-Headers", d->expose_headers);
    add_if(t, "Access-Control-Allow-Methods", d->allow_methods);
    add_if(t, "Access-Control-Allow-Headers", d->allow_headers);
    add_if(t, "Access-Control-Max-Age", d->max_age);
    if (d->allow_private_network) {
        apr_table_addn(t, "Access-Control-Allow-Private-Network", "true");
    }
}

/* The Access-Control-Allow-Origin that Keep leaves alone, or NULL. */
static const char *kept_allow_origin(request_rec *r,
                                     const cors_request_state *st)
{
    const char *acao;

    if (st->conf->upstream != CORS_UPSTREAM_KEEP) {
        return NULL;
    }
    acao = apr_table_get(r->headers_out, "Access-Control-Allow-Origin");
    return acao ? acao : apr_table_get(r->err_headers_out,
                                       "Access-Control-Allow-Origin");
}

void cors_write_answer(request_rec *r, cors_request_state *st)
{
    const cors_decision *d = &st->decision;
    const char *kept;

    if (is_refused_preflight(r, d)) {
        /* No Access-Control-* at all, whoever set it. */
        note_refused(r, st);
        cors_remove_answer(r);
        merge_vary_of(r, d, 0);
        return;
    }
    if ((kept = kept_allow_origin(r, st)) != NULL) {
        /* Keep trusts the backend's answer; a per-origin one still varies
         * by Origin, whatever the policy here. */
        ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, "CORS: response "
                      "already has Access-Control-Allow-Origin; kept");
        merge_vary_of(r, d, strcmp(kept, "*") != 0);
        return;
    }
    cors_remove_answer(r);
    write_headers(r, d);
    merge_vary_of(r, d, 0);
}
