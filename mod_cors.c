/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors.c: Cross-Origin Resource Sharing for Apache httpd 2.4.
 *
 * This file answers requests: the hooks that answer preflights and let
 * them past authentication, the output filter that adds the CORS response
 * headers, the "Require cors-preflight" authorization provider, and the
 * module record. Directives and merging are in mod_cors_config.c, the
 * configtest check of combined sections in mod_cors_check.c; the decisions
 * themselves in cors_policy.c and the files it uses, which know nothing of
 * httpd.
 */

#include <string.h>
#include <strings.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_provider.h"
#include "mod_auth.h"

#include "apr_strings.h"

#include "mod_cors.h"

APLOG_USE_MODULE(cors);

#define DEFAULT_PREFLIGHT_STATUS HTTP_NO_CONTENT


static ap_filter_rec_t *cors_filter_handle;

/* ------------------------------------------------------------------ */
/* The decision for a request                                          */

/* The first Origin line and how many there are, in one pass over the
 * request headers (httpd joins repeated lines with ", ", so a comma
 * counts as one more). */
static const char *origin_of(const request_rec *r, int *count)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const char *first = NULL;
    int i;

    *count = 0;
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && (e[i].key[0] | 0x20) == 'o'
            && strcasecmp(e[i].key, "Origin") == 0) {
            first = first ? first : e[i].val;
            (*count)++;
        }
    }
    if (first && strchr(first, ',')) {
        (*count)++;
    }
    return first;
}

static cors_request request_of(request_rec *r, const char *method)
{
    cors_request req;

    req.method = method;
    req.origin = origin_of(r, &req.origin_count);
    req.request_method = NULL;
    req.request_headers = NULL;
    req.request_private_network = NULL;
    if (strcmp(method, "OPTIONS") == 0) {   /* only preflights read them */
        req.request_method = apr_table_get(r->headers_in,
                                           "Access-Control-Request-Method");
        req.request_headers = apr_table_get(r->headers_in,
                                        "Access-Control-Request-Headers");
        req.request_private_network = apr_table_get(r->headers_in,
                                    "Access-Control-Request-Private-Network");
    }
    return req;
}

/* The request whose decision answers `r`: an ErrorDocument page speaks
 * for the request that failed, not for the page's own location. */
request_rec *cors_deciding_request(request_rec *r)
{
    while (r->prev && ap_is_HTTP_ERROR(r->prev->status)) {
        r = r->prev;
    }
    return r;
}

cors_request_state *cors_request_state_of(request_rec *r)
{
    cors_request_state *st = ap_get_module_config(r->request_config,
                                                  &cors_module);

    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        ap_set_module_config(r->request_config, &cors_module, st);
    }
    return st;
}

/*
 * Whether `r` is a request mod_cors answers at all. Never one that httpd
 * refused before its per-directory walk (a request it could not read: its
 * headers are partial and no section applies yet); a redirect from that
 * early phase is answered. Never a forward-proxy request: the response is
 * another site's.
 */
static int is_answerable(const request_rec *r, const cors_request_state *st)
{
    if (r->proxyreq == PROXYREQ_PROXY) {
        return 0;
    }
    return st->walked || !ap_is_HTTP_ERROR(r->status);
}

static cors_request_state *decide_once(request_rec *r)
{
    cors_request_state *st = cors_request_state_of(r);
    cors_request req;

    if (st->decided) {
        return st;
    }
    st->decided = 1;
    st->conf = ap_get_module_config(r->per_dir_config, &cors_module);
    if (st->blocked) {          /* refused by CORSCrossOriginProtection */
        st->decision.cls = CORS_CLASS_NONE;
        apr_table_setn(r->subprocess_env, "CORS_RESULT", "blocked");
        return st;
    }
    st->active = is_answerable(r, st) && st->conf
                 && cors_policy_active(&st->conf->policy);
    if (!st->active) {
        /* No policy: nothing is set, not even CORS_RESULT. */
        st->decision.cls = CORS_CLASS_NONE;
        return st;
    }
    req = request_of(r, st->method ? st->method : r->method);
    cors_decide(r->pool, &st->conf->policy, &req, &st->decision);
    apr_table_setn(r->subprocess_env, "CORS_RESULT",
                   cors_decision_result(&st->decision));
    cors_log_decision(r, st->conf, &st->decision);
    cors_count_decision(r, &st->decision);
    return st;
}

/* The decision for `r`; an ErrorDocument page logs its CORS_RESULT too. */
static cors_request_state *decide(request_rec *r)
{
    request_rec *dr = cors_deciding_request(r);
    cors_request_state *st = decide_once(dr);

    if (dr != r && (st->active || st->blocked)
        && !apr_table_get(r->subprocess_env, "CORS_RESULT")) {
        apr_table_setn(r->subprocess_env, "CORS_RESULT", st->blocked
                       ? "blocked" : cors_decision_result(&st->decision));
    }
    return st;
}

static int is_preflight_candidate(const request_rec *r)
{
    return r->method_number == M_OPTIONS && !r->main
           && apr_table_get(r->headers_in, "Origin")
           && apr_table_get(r->headers_in, "Access-Control-Request-Method");
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

/* The per-directory walk is done: the policy of every later hook, and the
 * method as the client sent it, before an error page can change it. */
static int cors_post_perdir_config(request_rec *r)
{
    if (!r->main) {
        cors_request_state *st = cors_request_state_of(r);
        st->walked = 1;
        st->method = r->method;
    }
    return OK;
}

static int is_report_only(const cors_request_state *st)
{
    return st->active && st->conf->report_only == 1;
}

/* Report-only answers nothing, so it exempts nothing and grants nothing
 * to "Require cors-preflight". */
static int answers_preflight_itself(const cors_request_state *st)
{
    return st->active && st->decision.cls == CORS_CLASS_PREFLIGHT
           && st->decision.granted && st->conf->preflight_passthrough != 1
           && !is_report_only(st);
}

/*
 * Browsers never send credentials on a preflight, so a preflight that we
 * grant and answer ourselves skips authentication and authorization
 * (unless CORSPreflightAuth On). The actual request still needs them.
 */
static int cors_access_checker_ex(request_rec *r)
{
    cors_request_state *st;

    if (!is_preflight_candidate(r)) {
        return DECLINED;
    }
    st = decide(r);
    if (!answers_preflight_itself(st) || st->conf->preflight_auth == 1) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "CORS: granted preflight "
                  "exempt from authentication");
    return OK;
}

/*
 * Answer a granted preflight here, before any handler, proxy or directory
 * fixup runs: the resource need not exist. The insert_filter hooks run as
 * they would before a handler, so that every output filter of the location
 * (Header always set, ...) sees the answer. A refused preflight ends in 403.
 */
static int cors_fixups(request_rec *r)
{
    cors_request_state *st;
    int status;

    if (!is_preflight_candidate(r)) {
        return DECLINED;
    }
    st = decide(r);
    if (!st->active || st->decision.cls != CORS_CLASS_PREFLIGHT
        || is_report_only(st)) {
        return DECLINED;
    }
    if (!st->decision.granted) {
        return HTTP_FORBIDDEN;
    }
    if (!answers_preflight_itself(st)) {
        return DECLINED;
    }
    status = st->conf->preflight_status;
    r->status = status == CORS_UNSET ? DEFAULT_PREFLIGHT_STATUS : status;
    r->status_line = st->conf->preflight_status_line;
    if (r->status != HTTP_NO_CONTENT) {
        ap_set_content_length(r, 0);
    }
    ap_run_insert_filter(r);
    return DONE;
}

static void insert_cors_filter(request_rec *r)
{
    const cors_request_state *st = decide(r);

    if (st->active || st->blocked) {
        ap_add_output_filter_handle(cors_filter_handle, NULL, r,
                                    r->connection);
    }
}

static void cors_insert_filter(request_rec *r)
{
    if (r->main) {
        return;
    }
    /* mod_cache's quick handler inserts filters before any per-directory
     * configuration is known; a cached response already carries the
     * headers (and the Vary) it was stored with. */
    if (cors_deciding_request(r) == r && !cors_request_state_of(r)->walked) {
        return;
    }
    insert_cors_filter(r);
}

/* ap_send_error_response starts from the protocol filters again, so the
 * filter is never in the chain twice. */
static void cors_insert_error_filter(request_rec *r)
{
    if (!r->main) {
        insert_cors_filter(r);
    }
}

/* Add the CORS headers to the response before they are sent, once. */
static apr_status_t cors_output_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    cors_request_state *st = decide(r);

    if (st->blocked) {
        cors_remove_answer(r);
    }
    else if (is_report_only(st)) {
        cors_report_response(r, st);
    }
    else if (st->active) {
        cors_write_answer(r, st);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* ------------------------------------------------------------------ */
/* Require cors-preflight                                              */

/* Grants only the preflights mod_cors answers itself: a passed-through
 * one reaches a handler, so it goes through access control like any
 * request. */
static authz_status cors_preflight_check_authorization(request_rec *r,
                                                       const char *line,
                                                       const void *parsed)
{
    (void)line;
    (void)parsed;
    if (!is_preflight_candidate(r)) {
        return AUTHZ_DENIED;
    }
    return answers_preflight_itself(decide(r)) ? AUTHZ_GRANTED
                                               : AUTHZ_DENIED;
}

static const authz_provider cors_preflight_provider = {
    &cors_preflight_check_authorization,
    NULL,
};

static void register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(cors_config_pre_config, NULL, NULL,
                       APR_HOOK_MIDDLE);
    ap_hook_check_config(cors_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    cors_origin_file_register_hooks(p);
    ap_hook_post_perdir_config(cors_post_perdir_config, NULL, NULL,
                               APR_HOOK_REALLY_FIRST);
    ap_hook_check_access_ex(cors_access_checker_ex, NULL, NULL,
                            APR_HOOK_FIRST, AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(cors_fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* After mod_headers (APR_HOOK_LAST) at the same filter type, so that
     * "Header set Access-Control-..." is seen and replaced; before
     * mod_cache's CACHE_SAVE, so that cached copies keep our Vary. */
    ap_hook_insert_filter(cors_insert_filter, NULL, NULL,
                          APR_HOOK_REALLY_LAST);
    ap_hook_insert_error_filter(cors_insert_error_filter, NULL, NULL,
                                APR_HOOK_REALLY_LAST);
    cors_filter_handle = ap_register_output_filter("CORS", cors_output_filter,
                                                   NULL, AP_FTYPE_CONTENT_SET);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "cors-preflight",
                              AUTHZ_PROVIDER_VERSION,
                              &cors_preflight_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    cors_dump_register_hooks(p);
    cors_status_register_hooks(p);
    cors_protect_register_hooks(p);
}

module AP_MODULE_DECLARE_DATA cors_module = {
    STANDARD20_MODULE_STUFF,
    cors_create_dir_conf,
    cors_merge_dir_conf,
    cors_create_server_conf,
    NULL,
    cors_cmds,
    register_hooks,
    0
};
