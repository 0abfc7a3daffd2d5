/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors.c: Cross-Origin Resource Sharing for Apache httpd 2.4.
 *
 * This file is the httpd glue: directives, per-directory configuration and
 * its merge, the hooks that answer preflights and let them past
 * authentication, the output filter that adds the CORS response headers,
 * and the "Require cors-preflight" authorization provider. The decisions
 * themselves live in cors_policy.c and the files it uses, which know
 * nothing of httpd.
 */

#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_regex.h"
#include "ap_provider.h"
#include "mod_auth.h"

#include "apr_strings.h"

#include "cors_policy.h"

module AP_MODULE_DECLARE_DATA cors_module;

APLOG_USE_MODULE(cors);

#define UNSET (-1)
#define DEFAULT_PREFLIGHT_STATUS HTTP_NO_CONTENT
#define MAX_AGE_LIMIT 86400
#define LOGGED_VALUE_MAX 128

typedef enum { UPSTREAM_REPLACE = 0, UPSTREAM_KEEP = 1 } upstream_mode;

/* A token list directive: a section's lines, and what is in effect. */
typedef struct {
    cors_token_edit *edit;                  /* this section's lines */
    const cors_token_history *history;      /* edits merged so far */
    const cors_token_list *list;            /* in effect; NULL: default */
} cors_list_conf;

/* One configuration section, or several merged. */
typedef struct {
    cors_origin_layer *origin_layer;        /* this section's lines */
    const cors_origin_chain *origins;       /* in effect */
    cors_list_conf methods;
    cors_list_conf allow_headers;
    cors_list_conf expose_headers;
    int credentials;
    const char *credentials_source;         /* "file:line" */
    int max_age;
    const char *max_age_text;
    int private_network;
    int preflight_status;
    const char *preflight_status_line;      /* for codes httpd lacks */
    int preflight_passthrough;
    int preflight_auth;
    int upstream;
} cors_dir_conf;

/* Per request: the decision, made once and shared by every hook. */
typedef struct {
    int walked;                 /* our fixups ran: per-dir config is known */
    int decided;
    int active;                 /* a policy is in effect */
    int upstream;
    cors_decision decision;
} cors_request_state;

/* Built-in defaults, shared read-only by every configuration. */
static const char *default_method_names[] = { "GET", "HEAD", "POST" };
static apr_array_header_t default_method_array = {
    NULL, sizeof(const char *), 3, 3, (char *)default_method_names
};
static const cors_token_list default_methods = {
    0, 0, &default_method_array, "GET, HEAD, POST"
};
static apr_array_header_t empty_array = {
    NULL, sizeof(const char *), 0, 0, NULL
};
static const cors_token_list empty_header_list = { 1, 0, &empty_array, NULL };

static ap_filter_rec_t *cors_filter_handle;

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    cors_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    /* Lists are made by their first directive: every .htaccess on the
     * server creates a configuration for every module, per request. */
    conf->credentials = UNSET;
    conf->max_age = UNSET;
    conf->private_network = UNSET;
    conf->preflight_status = UNSET;
    conf->preflight_passthrough = UNSET;
    conf->preflight_auth = UNSET;
    conf->upstream = UNSET;
    return conf;
}

#define MERGE_SCALAR(field) \
    (add->field != UNSET ? add->field : base->field)

static void merge_list(apr_pool_t *p, cors_list_conf *out,
                       const cors_list_conf *base, const cors_list_conf *add,
                       const cors_token_list *dflt)
{
    out->edit = add->edit;
    cors_token_history_merge(p, add->history, add->list, base->history,
                             base->list ? base->list : dflt,
                             &out->history, &out->list);
}

/* Lists are chained or shared, never copied wholesale. `add` may itself be
 * several sections already merged (httpd merges matching sections with
 * each other first), so the merge re-links add's edits over base. */
static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const cors_dir_conf *base = basev, *add = addv;
    cors_dir_conf *conf = apr_palloc(p, sizeof(*conf));

    conf->origin_layer = add->origin_layer;
    conf->origins = cors_origin_chain_graft(p, add->origins, base->origins);
    merge_list(p, &conf->methods, &base->methods, &add->methods,
               &default_methods);
    merge_list(p, &conf->allow_headers, &base->allow_headers,
               &add->allow_headers, &empty_header_list);
    merge_list(p, &conf->expose_headers, &base->expose_headers,
               &add->expose_headers, &empty_header_list);
    conf->credentials = MERGE_SCALAR(credentials);
    conf->credentials_source = add->credentials != UNSET
                               ? add->credentials_source
                               : base->credentials_source;
    conf->max_age = MERGE_SCALAR(max_age);
    conf->max_age_text = add->max_age != UNSET ? add->max_age_text
                                               : base->max_age_text;
    conf->private_network = MERGE_SCALAR(private_network);
    conf->preflight_status = MERGE_SCALAR(preflight_status);
    conf->preflight_status_line = add->preflight_status != UNSET
                                  ? add->preflight_status_line
                                  : base->preflight_status_line;
    conf->preflight_passthrough = MERGE_SCALAR(preflight_passthrough);
    conf->preflight_auth = MERGE_SCALAR(preflight_auth);
    conf->upstream = MERGE_SCALAR(upstream);
    return conf;
}

static const char *directive_source(cmd_parms *cmd)
{
    if (!cmd->directive) {
        return "(unknown)";
    }
    return apr_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
                        cmd->directive->line_num);
}

/* One directive line, split into words and their +/- operations. */
typedef struct {
    int argc;
    char **argv;
    cors_list_op *ops;
    const char **values;
} cors_line;

/*
 * Split a raw argument line the way httpd splits TAKE_ARGV, but without
 * its limit of 64 words (past which it drops the rest silently). A line
 * must not mix "+x"/"-x" with plain values.
 */
static const char *parse_line(cmd_parms *cmd, const char *args,
                              cors_line *line)
{
    apr_array_header_t *words = apr_array_make(cmd->temp_pool, 8,
                                               sizeof(char *));
    char *w;

    while (*(w = ap_getword_conf(cmd->temp_pool, &args)) != '\0') {
        APR_ARRAY_PUSH(words, char *) = w;
    }
    if (words->nelts == 0) {
        return apr_psprintf(cmd->pool, "%s needs at least one value",
                            cmd->cmd->name);
    }
    line->argc = words->nelts;
    line->argv = (char **)words->elts;
    line->ops = apr_palloc(cmd->temp_pool, line->argc * sizeof(*line->ops));
    line->values = apr_palloc(cmd->temp_pool,
                              line->argc * sizeof(*line->values));
    if (!cors_line_ops(line->argc, line->argv, line->ops, line->values)) {
        return apr_psprintf(cmd->pool, "%s: cannot mix '+'/'-' values with "
                            "plain values on one line; write only plain "
                            "values to replace the inherited list, or prefix "
                            "every value to edit it", cmd->cmd->name);
    }
    return NULL;
}

static cors_origin_layer *origin_layer_of(cmd_parms *cmd, cors_dir_conf *conf)
{
    if (!conf->origin_layer) {
        conf->origin_layer = cors_origin_layer_make(cmd->pool);
    }
    return conf->origin_layer;
}

static const char *credentials_conflict(cmd_parms *cmd,
                                        const cors_dir_conf *conf)
{
    if (conf->credentials != 1) {
        return NULL;
    }
    if (conf->origin_layer && conf->origin_layer->any) {
        return apr_psprintf(cmd->pool, "%s: CORSAllowCredentials On cannot "
                            "be combined with CORSAllowOrigin * (browsers "
                            "refuse '*' on credentialed requests); list the "
                            "allowed origins instead", cmd->cmd->name);
    }
    if (conf->expose_headers.edit && conf->expose_headers.edit->set->any) {
        return apr_psprintf(cmd->pool, "%s: CORSAllowCredentials On cannot "
                            "be combined with CORSExposeHeaders * (browsers "
                            "read '*' literally on credentialed requests); "
                            "list the exposed header names instead",
                            cmd->cmd->name);
    }
    return NULL;
}

static void refresh_origins(cmd_parms *cmd, cors_dir_conf *conf)
{
    conf->origins = cors_origin_chain_make(cmd->pool, conf->origin_layer,
                                           NULL);
}

static const char *set_allow_origin(cmd_parms *cmd, void *dconf,
                                    const char *args)
{
    cors_dir_conf *conf = dconf;
    cors_line line = { 0, NULL, NULL, NULL };
    cors_rule *rules;
    const char *err = parse_line(cmd, args, &line);
    const char *source = directive_source(cmd);
    int i;

    if (err) {
        return err;
    }
    rules = apr_palloc(cmd->temp_pool, line.argc * sizeof(*rules));
    for (i = 0; i < line.argc; i++) {
        if (strcmp(line.values[i], "none") == 0) {
            if (line.argc > 1 || line.ops[i] != CORS_OP_SET) {
                return "CORSAllowOrigin: 'none' empties the list and must "
                       "stand alone on its line";
            }
            cors_origin_layer_apply(cmd->pool, origin_layer_of(cmd, conf),
                                    CORS_OP_SET, NULL);
            refresh_origins(cmd, conf);
            return NULL;
        }
        err = cors_rule_parse(cmd->pool,
                              apr_pstrdup(cmd->pool, line.values[i]),
                              &rules[i]);
        if (err) {
            return apr_pstrcat(cmd->pool, "CORSAllowOrigin: ", err, NULL);
        }
        rules[i].source = source;
    }
    for (i = 0; i < line.argc; i++) {
        cors_origin_layer_apply(cmd->pool, origin_layer_of(cmd, conf),
                                line.ops[i], &rules[i]);
    }
    refresh_origins(cmd, conf);
    return credentials_conflict(cmd, conf);
}

static apr_status_t regex_cleanup(void *re)
{
    ap_regfree(re);
    return APR_SUCCESS;
}

static int regex_match(const void *compiled, const char *subject)
{
    return ap_regexec(compiled, subject, 0, NULL, 0) == 0;
}

/* Compile `pattern` alone (so that "a)|(b" cannot break out of the
 * anchors), then anchored to the whole Origin value. */
static const char *compile_origin_regex(cmd_parms *cmd, const char *pattern,
                                        ap_regex_t **out)
{
    ap_regex_t *re = apr_pcalloc(cmd->pool, sizeof(*re));
    char msg[256];
    int rc = ap_regcomp(re, pattern, 0);

    if (rc != 0) {
        ap_regerror(rc, re, msg, sizeof(msg));
        return apr_psprintf(cmd->pool, "CORSAllowOriginMatch: '%s' is not a "
                            "valid regular expression: %s", pattern, msg);
    }
    ap_regfree(re);
    rc = ap_regcomp(re, apr_pstrcat(cmd->temp_pool, "^(?:", pattern, ")$",
                                    NULL), 0);
    if (rc != 0) {
        ap_regerror(rc, re, msg, sizeof(msg));
        return apr_psprintf(cmd->pool, "CORSAllowOriginMatch: '%s' cannot be "
                            "anchored: %s", pattern, msg);
    }
    apr_pool_cleanup_register(cmd->pool, re, regex_cleanup,
                              apr_pool_cleanup_null);
    *out = re;
    return NULL;
}

static const char *set_allow_origin_match(cmd_parms *cmd, void *dconf,
                                          const char *args)
{
    cors_dir_conf *conf = dconf;
    cors_line line = { 0, NULL, NULL, NULL };
    const char *err = parse_line(cmd, args, &line);
    const char *source = directive_source(cmd);
    int i;

    if (err) {
        return err;
    }
    for (i = 0; i < line.argc; i++) {
        const char *pattern = apr_pstrdup(cmd->pool, line.values[i]);
        ap_regex_t *re = NULL;
        cors_rule rule;

        if (line.ops[i] != CORS_OP_REMOVE
            && (err = compile_origin_regex(cmd, pattern, &re)) != NULL) {
            return err;
        }
        cors_rule_regex(cmd->pool, &rule, pattern, re, regex_match);
        rule.source = source;
        cors_origin_layer_apply(cmd->pool, origin_layer_of(cmd, conf),
                                line.ops[i], &rule);
    }
    refresh_origins(cmd, conf);
    return NULL;
}

/* CORSAllowMethods, CORSAllowHeaders, CORSExposeHeaders. */
static const char *set_token_list(cmd_parms *cmd, void *dconf,
                                  const char *args)
{
    cors_dir_conf *conf = dconf;
    cors_line line = { 0, NULL, NULL, NULL };
    const char *err = parse_line(cmd, args, &line);
    const char *which = cmd->info;
    cors_list_conf *lc;
    const cors_token_list *dflt = &empty_header_list;
    int i;

    if (err) {
        return err;
    }
    if (strcmp(which, "methods") == 0) {
        lc = &conf->methods;
        dflt = &default_methods;
    }
    else if (strcmp(which, "allow") == 0) {
        lc = &conf->allow_headers;
    }
    else {
        lc = &conf->expose_headers;
    }
    for (i = 0; i < line.argc; i++) {
        const char *v = line.values[i];
        if (strcmp(v, "*") != 0 && !cors_is_token(v, strlen(v))) {
            return apr_psprintf(cmd->pool, "%s: '%s' is not a valid %s name "
                                "(an RFC 9110 token: letters, digits and "
                                "!#$%%&'*+-.^_`|~)", cmd->cmd->name, v,
                                lc == &conf->methods ? "method" : "header");
        }
    }
    if (!lc->edit) {
        cors_token_history *h = apr_pcalloc(cmd->pool, sizeof(*h));
        lc->edit = cors_token_edit_make(cmd->pool, lc != &conf->methods);
        h->edit = lc->edit;
        lc->history = h;
    }
    for (i = 0; i < line.argc; i++) {
        cors_token_edit_apply(cmd->pool, lc->edit, line.ops[i],
                              line.values[i]);
    }
    lc->list = cors_token_list_merge(cmd->pool, lc->edit, dflt);
    return credentials_conflict(cmd, conf);
}

static const char *set_credentials(cmd_parms *cmd, void *dconf, int on)
{
    cors_dir_conf *conf = dconf;

    conf->credentials = on;
    conf->credentials_source = directive_source(cmd);
    return credentials_conflict(cmd, conf);
}

/* Decimal digits only, value in [lo, hi]. */
static int parse_bounded(const char *arg, int lo, int hi, int *out)
{
    long v = 0;
    const char *c;

    if (!*arg || strlen(arg) > 6) {
        return 0;
    }
    for (c = arg; *c; c++) {
        if (*c < '0' || *c > '9') {
            return 0;
        }
        v = v * 10 + (*c - '0');
    }
    if (v < lo || v > hi) {
        return 0;
    }
    *out = (int)v;
    return 1;
}

static const char *set_max_age(cmd_parms *cmd, void *dconf, const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (!parse_bounded(arg, 0, MAX_AGE_LIMIT, &conf->max_age)) {
        return apr_psprintf(cmd->pool, "CORSMaxAge: '%s' is not a number of "
                            "seconds from 0 to %d", arg, MAX_AGE_LIMIT);
    }
    conf->max_age_text = apr_itoa(cmd->pool, conf->max_age);
    return NULL;
}

static const char *set_preflight_status(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (!parse_bounded(arg, 200, 299, &conf->preflight_status)) {
        return apr_psprintf(cmd->pool, "CORSPreflightStatus: '%s' is not a "
                            "success status from 200 to 299 (204 is usual)",
                            arg);
    }
    /* httpd answers a code it has no reason phrase for with 500. */
    conf->preflight_status_line = NULL;
    if (strncmp(ap_get_status_line(conf->preflight_status), arg, 3) != 0) {
        conf->preflight_status_line = apr_pstrcat(cmd->pool, arg, " OK",
                                                  NULL);
    }
    return NULL;
}

static const char *set_upstream(cmd_parms *cmd, void *dconf, const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (strcasecmp(arg, "Replace") == 0) {
        conf->upstream = UPSTREAM_REPLACE;
    }
    else if (strcasecmp(arg, "Keep") == 0) {
        conf->upstream = UPSTREAM_KEEP;
    }
    else {
        return apr_psprintf(cmd->pool, "CORSUpstreamHeaders: '%s' is not "
                            "Replace or Keep", arg);
    }
    return NULL;
}

static const command_rec cors_cmds[] = {
    AP_INIT_RAW_ARGS("CORSAllowOrigin", set_allow_origin, NULL, OR_FILEINFO,
        "Origins allowed to read responses: exact origins, "
        "https://*.example.com, http://localhost:*, *, null or none"),
    AP_INIT_RAW_ARGS("CORSAllowOriginMatch", set_allow_origin_match, NULL,
        OR_FILEINFO, "Regular expressions matched against the whole Origin"),
    AP_INIT_RAW_ARGS("CORSAllowMethods", set_token_list, "methods",
        OR_FILEINFO, "Methods a preflight may ask for, or *"),
    AP_INIT_RAW_ARGS("CORSAllowHeaders", set_token_list, "allow",
        OR_FILEINFO, "Request headers a preflight may ask for, or *"),
    AP_INIT_RAW_ARGS("CORSExposeHeaders", set_token_list, "expose",
        OR_FILEINFO, "Response headers the page may read, or *"),
    AP_INIT_FLAG("CORSAllowCredentials", set_credentials, NULL, OR_FILEINFO,
        "On to let credentialed (cookie) requests read responses"),
    AP_INIT_TAKE1("CORSMaxAge", set_max_age, NULL, OR_FILEINFO,
        "Seconds a browser may cache a preflight answer (0-86400)"),
    AP_INIT_FLAG("CORSAllowPrivateNetwork", ap_set_flag_slot,
        (void *)APR_OFFSETOF(cors_dir_conf, private_network), OR_FILEINFO,
        "On to answer Private Network Access preflights"),
    AP_INIT_TAKE1("CORSPreflightStatus", set_preflight_status, NULL,
        OR_FILEINFO, "Status of a granted preflight (200-299, default 204)"),
    AP_INIT_FLAG("CORSPreflightPassthrough", ap_set_flag_slot,
        (void *)APR_OFFSETOF(cors_dir_conf, preflight_passthrough),
        OR_FILEINFO, "On to pass granted preflights on to the handler"),
    AP_INIT_FLAG("CORSPreflightAuth", ap_set_flag_slot,
        (void *)APR_OFFSETOF(cors_dir_conf, preflight_auth), OR_AUTHCFG,
        "On to make granted preflights pass authentication like any request"),
    AP_INIT_TAKE1("CORSUpstreamHeaders", set_upstream, NULL, OR_FILEINFO,
        "Replace (default) or Keep Access-Control-* headers set elsewhere"),
    { NULL }
};

/* ------------------------------------------------------------------ */
/* The decision for a request                                          */

static cors_policy policy_of(const cors_dir_conf *conf)
{
    cors_policy policy;

    policy.origins = conf->origins;
    policy.methods = conf->methods.list ? conf->methods.list
                                        : &default_methods;
    policy.allow_headers = conf->allow_headers.list
                           ? conf->allow_headers.list : &empty_header_list;
    policy.expose_headers = conf->expose_headers.list
                            ? conf->expose_headers.list : &empty_header_list;
    policy.credentials = conf->credentials == 1;
    policy.max_age = conf->max_age;
    policy.max_age_text = conf->max_age_text;
    policy.private_network = conf->private_network == 1;
    return policy;
}

static int count_value(void *count, const char *key, const char *value)
{
    (void)key;
    (void)value;
    (*(int *)count)++;
    return 1;
}

static cors_request request_of(request_rec *r)
{
    cors_request req;

    req.method = r->method;
    req.origin = apr_table_get(r->headers_in, "Origin");
    req.origin_count = 0;
    if (req.origin) {
        apr_table_do(count_value, &req.origin_count, r->headers_in, "Origin",
                     NULL);
        /* httpd joins repeated header lines with ", " */
        if (strchr(req.origin, ',')) {
            req.origin_count++;
        }
    }
    req.request_method = NULL;
    req.request_headers = NULL;
    req.request_private_network = NULL;
    if (r->method_number == M_OPTIONS) {     /* only preflights read them */
        req.request_method = apr_table_get(r->headers_in,
                                           "Access-Control-Request-Method");
        req.request_headers = apr_table_get(r->headers_in,
                                        "Access-Control-Request-Headers");
        req.request_private_network = apr_table_get(r->headers_in,
                                    "Access-Control-Request-Private-Network");
    }
    return req;
}

static const char *log_value(apr_pool_t *p, const char *s, apr_size_t len)
{
    if (len > LOGGED_VALUE_MAX) {
        return apr_pstrcat(p, ap_escape_logitem(p, apr_pstrmemdup(p, s,
                           LOGGED_VALUE_MAX)), "...", NULL);
    }
    return ap_escape_logitem(p, apr_pstrmemdup(p, s, len));
}

static void log_decision(request_rec *r, const cors_dir_conf *conf,
                         const cors_decision *d)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");

    if (d->reason == CORS_REASON_ANY_WITH_CREDENTIALS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CORSAllowCredentials On (%s) is in effect together "
                      "with CORSAllowOrigin * (%s): '*' is not granted to "
                      "credentialed requests; list the allowed origins",
                      conf->credentials_source,
                      d->rule ? d->rule->source : "?");
    }
    if (d->expose_any_with_credentials) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CORSAllowCredentials On (%s) is in effect together "
                      "with CORSExposeHeaders *: no header is exposed; list "
                      "the header names", conf->credentials_source);
    }
    /* The level tests spare the escaping when nothing would be logged. */
    if (d->cls != CORS_CLASS_NONE && !d->granted) {
        if (APLOGrdebug(r)) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "CORS %s refused for origin '%s': %s ('%s')",
                          d->cls == CORS_CLASS_PREFLIGHT ? "preflight"
                                                         : "request",
                          log_value(r->pool, origin, strlen(origin)),
                          cors_reason_text(d->reason),
                          log_value(r->pool, d->detail, d->detail_len));
        }
    }
    else if (APLOGrtrace1(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "CORS %s for origin '%s'%s%s",
                      cors_decision_result(d),
                      origin ? log_value(r->pool, origin, strlen(origin))
                             : "(none)",
                      d->rule ? ": matched " : "",
                      d->rule ? log_value(r->pool, d->rule->text,
                                          strlen(d->rule->text)) : "");
    }
}

/* The request whose decision answers `r`: an ErrorDocument page speaks
 * for the request that failed, not for the page's own location. */
static request_rec *deciding_request(request_rec *r)
{
    while (r->prev && ap_is_HTTP_ERROR(r->prev->status)) {
        r = r->prev;
    }
    return r;
}

static cors_request_state *request_state(request_rec *r)
{
    cors_request_state *st = ap_get_module_config(r->request_config,
                                                  &cors_module);

    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        ap_set_module_config(r->request_config, &cors_module, st);
    }
    return st;
}

static cors_request_state *decide_once(request_rec *r)
{
    cors_request_state *st = request_state(r);
    const cors_dir_conf *conf;
    cors_policy policy;
    cors_request req;

    if (st->decided) {
        return st;
    }
    st->decided = 1;
    conf = ap_get_module_config(r->per_dir_config, &cors_module);
    policy = policy_of(conf);
    st->active = cors_policy_active(&policy);
    st->upstream = conf->upstream == UNSET ? UPSTREAM_REPLACE
                                           : conf->upstream;
    if (!st->active) {
        st->decision.cls = CORS_CLASS_NONE;
        apr_table_setn(r->subprocess_env, "CORS_RESULT", "none");
        return st;
    }
    req = request_of(r);
    cors_decide(r->pool, &policy, &req, &st->decision);
    apr_table_setn(r->subprocess_env, "CORS_RESULT",
                   cors_decision_result(&st->decision));
    log_decision(r, conf, &st->decision);
    return st;
}

/* The decision for `r`; an ErrorDocument page logs its CORS_RESULT too. */
static cors_request_state *decide(request_rec *r)
{
    request_rec *dr = deciding_request(r);
    cors_request_state *st = decide_once(dr);

    if (dr != r && !apr_table_get(r->subprocess_env, "CORS_RESULT")) {
        apr_table_setn(r->subprocess_env, "CORS_RESULT",
                       cors_decision_result(&st->decision));
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
/* Writing the answer                                                  */

static int is_cors_header(const char *name)
{
    return strncasecmp(name, "Access-Control-", 15) == 0;
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

static int is_list_space(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

/* Whether a Vary value already names Origin (or is "*"). */
static int vary_covers_origin(void *found, const char *key, const char *value)
{
    const char *s = value;

    (void)key;
    while (*s) {
        apr_size_t n = 0;

        while (is_list_space(*s)) {
            s++;
        }
        while (s[n] && s[n] != ',') {
            n++;
        }
        while (n > 0 && is_list_space(s[n - 1])) {
            n--;
        }
        if ((n == 6 && strncasecmp(s, "Origin", 6) == 0)
            || (n == 1 && *s == '*')) {
            *(int *)found = 1;
            return 0;
        }
        while (*s && *s != ',') {
            s++;
        }
    }
    return 1;
}

static void merge_vary_origin(request_rec *r)
{
    int found = 0;

    apr_table_do(vary_covers_origin, &found, r->headers_out, "Vary", NULL);
    if (!found) {
        apr_table_do(vary_covers_origin, &found, r->err_headers_out, "Vary",
                     NULL);
    }
    if (!found) {
        apr_table_mergen(r->headers_out, "Vary", "Origin");
    }
}

static void set_if(apr_table_t *t, const char *name, const char *value)
{
    if (value) {
        apr_table_setn(t, name, value);
    }
}

static void write_answer(request_rec *r, const cors_request_state *st)
{
    const cors_decision *d = &st->decision;
    apr_table_t *t = r->headers_out;

    if (st->upstream == UPSTREAM_KEEP
        && (apr_table_get(r->headers_out, "Access-Control-Allow-Origin")
            || apr_table_get(r->err_headers_out,
                             "Access-Control-Allow-Origin"))) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, "CORS: response "
                      "already has Access-Control-Allow-Origin; kept");
    }
    else {
        if (st->upstream == UPSTREAM_REPLACE) {
            remove_cors_headers(r->pool, r->headers_out);
            remove_cors_headers(r->pool, r->err_headers_out);
        }
        set_if(t, "Access-Control-Allow-Origin", d->allow_origin);
        if (d->allow_credentials) {
            apr_table_setn(t, "Access-Control-Allow-Credentials", "true");
        }
        set_if(t, "Access-Control-Expose-Headers", d->expose_headers);
        set_if(t, "Access-Control-Allow-Methods", d->allow_methods);
        set_if(t, "Access-Control-Allow-Headers", d->allow_headers);
        set_if(t, "Access-Control-Max-Age", d->max_age);
        if (d->allow_private_network) {
            apr_table_setn(t, "Access-Control-Allow-Private-Network", "true");
        }
    }
    if (d->vary_origin) {
        merge_vary_origin(r);
    }
}

/* ------------------------------------------------------------------ */
/* Hooks                                                               */

static const cors_dir_conf *dir_conf(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &cors_module);
}

static int answers_preflight_itself(const request_rec *r,
                                    const cors_request_state *st)
{
    return st->active && st->decision.cls == CORS_CLASS_PREFLIGHT
           && st->decision.granted && dir_conf(r)->preflight_passthrough != 1;
}

/*
 * Browsers never send credentials on a preflight, so a preflight that we
 * grant and answer ourselves skips authentication and authorization
 * (unless CORSPreflightAuth On). The actual request still needs them.
 */
static int cors_access_checker_ex(request_rec *r)
{
    cors_request_state *st;

    if (!is_preflight_candidate(r) || dir_conf(r)->preflight_auth == 1) {
        return DECLINED;
    }
    st = decide(r);
    if (!answers_preflight_itself(r, st)) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "CORS: granted preflight "
                  "exempt from authentication");
    return OK;
}

/*
 * Answer a granted preflight here, before any handler, proxy or directory
 * fixup runs: the resource need not exist. A refused preflight ends in 403.
 */
static int cors_fixups(request_rec *r)
{
    cors_request_state *st;
    int status;

    if (r->main) {
        return DECLINED;
    }
    request_state(r)->walked = 1;
    if (!is_preflight_candidate(r)) {
        return DECLINED;
    }
    st = decide(r);
    if (!st->active || st->decision.cls != CORS_CLASS_PREFLIGHT) {
        return DECLINED;
    }
    if (!st->decision.granted) {
        return HTTP_FORBIDDEN;
    }
    if (!answers_preflight_itself(r, st)) {
        return DECLINED;
    }
    status = dir_conf(r)->preflight_status;
    r->status = status == UNSET ? DEFAULT_PREFLIGHT_STATUS : status;
    r->status_line = dir_conf(r)->preflight_status_line;
    write_answer(r, st);
    if (r->status != HTTP_NO_CONTENT) {
        ap_set_content_length(r, 0);
    }
    return DONE;
}

/* Our filter is already waiting in the chain (an error after the handler
 * had been set up): do not add it twice. */
static int filter_present(const request_rec *r)
{
    const ap_filter_t *f;

    for (f = r->output_filters; f; f = f->next) {
        if (f->frec == cors_filter_handle) {
            return 1;
        }
    }
    return 0;
}

static void insert_cors_filter(request_rec *r)
{
    if (!decide(r)->active || filter_present(r)) {
        return;
    }
    ap_add_output_filter_handle(cors_filter_handle, NULL, r, r->connection);
}

static void cors_insert_filter(request_rec *r)
{
    if (r->main) {
        return;
    }
    /* mod_cache's quick handler inserts filters before any per-directory
     * configuration is known; a cached response already carries the
     * headers (and the Vary) it was stored with. */
    if (deciding_request(r) == r && !request_state(r)->walked) {
        return;
    }
    insert_cors_filter(r);
}

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

    if (st->active) {
        write_answer(r, st);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* ------------------------------------------------------------------ */
/* Require cors-preflight                                              */

static authz_status cors_preflight_check_authorization(request_rec *r,
                                                       const char *line,
                                                       const void *parsed)
{
    const cors_request_state *st;

    (void)line;
    (void)parsed;
    if (!is_preflight_candidate(r)) {
        return AUTHZ_DENIED;
    }
    st = decide(r);
    return (st->active && st->decision.cls == CORS_CLASS_PREFLIGHT
            && st->decision.granted) ? AUTHZ_GRANTED : AUTHZ_DENIED;
}

static const authz_provider cors_preflight_provider = {
    &cors_preflight_check_authorization,
    NULL,
};

/* ------------------------------------------------------------------ */
/* Configuration check: combinations that span sections                */

static int dangerous_merge(apr_pool_t *ptemp, server_rec *s,
                           const cors_dir_conf *base, ap_conf_vector_t *sec)
{
    const cors_dir_conf *add = ap_get_module_config(sec, &cors_module);
    const cors_dir_conf *m;

    if (!add) {
        return 0;               /* a section read before LoadModule cors */
    }
    m = merge_dir_conf(ptemp, (void *)base, (void *)add);
    if (m->credentials != 1) {
        return 0;
    }
    if (m->origins && m->origins->any) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "CORSAllowCredentials On (%s) applies to "
                     "a section that inherits CORSAllowOrigin * (%s): "
                     "browsers refuse '*' on credentialed requests; list the "
                     "allowed origins instead", m->credentials_source,
                     m->origins->any->source);
        return 1;
    }
    if (m->expose_headers.list && m->expose_headers.list->any) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     "CORSAllowCredentials On (%s) applies to "
                     "a section that inherits CORSExposeHeaders *: list the "
                     "exposed header names instead", m->credentials_source);
        return 1;
    }
    return 0;
}

static int check_sections(apr_pool_t *ptemp, server_rec *s,
                          const cors_dir_conf *base, apr_array_header_t *secs)
{
    int i, bad = 0;

    for (i = 0; secs && i < secs->nelts; i++) {
        ap_conf_vector_t *sec = APR_ARRAY_IDX(secs, i, ap_conf_vector_t *);
        const core_dir_config *core = ap_get_core_module_config(sec);
        void *add = ap_get_module_config(sec, &cors_module);
        const cors_dir_conf *merged;

        if (!add) {
            continue;
        }
        bad |= dangerous_merge(ptemp, s, base, sec);
        merged = merge_dir_conf(ptemp, (void *)base, add);
        if (core && core->sec_file) {
            bad |= check_sections(ptemp, s, merged, core->sec_file);
        }
        if (core && core->sec_if) {
            bad |= check_sections(ptemp, s, merged, core->sec_if);
        }
    }
    return bad;
}

static int cors_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *main_server)
{
    const cors_dir_conf *none = create_dir_conf(ptemp, NULL);
    server_rec *s;
    int bad = 0;

    (void)pconf;
    (void)plog;
    for (s = main_server; s; s = s->next) {
        core_server_config *sconf = ap_get_core_module_config(s->module_config);
        const core_dir_config *score = ap_get_core_module_config(
                                           s->lookup_defaults);
        const cors_dir_conf *base = ap_get_module_config(s->lookup_defaults,
                                                         &cors_module);

        bad |= dangerous_merge(ptemp, s, none, s->lookup_defaults);
        bad |= check_sections(ptemp, s, base, sconf->sec_dir);
        bad |= check_sections(ptemp, s, base, sconf->sec_url);
        bad |= check_sections(ptemp, s, base, score->sec_if);
    }
    return bad ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(cors_check_config, NULL, NULL, APR_HOOK_MIDDLE);
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
}

module AP_MODULE_DECLARE_DATA cors_module = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    NULL,
    NULL,
    cors_cmds,
    register_hooks,
    0
};
