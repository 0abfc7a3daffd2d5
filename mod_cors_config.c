/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_config.c: the directives, the per-directory configuration and
 * its merge. Every value is checked here, once, while the configuration is
 * read; what a request needs (the cors_policy) is ready after each merge.
 */

#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "ap_regex.h"

#include "apr_strings.h"
#include "apr_general.h"

#include "mod_cors.h"

#define MAX_AGE_LIMIT 86400

/* Built in pre_config, like every configured list; shared read-only. */
static const cors_token_list *default_methods;
static const cors_token_list *no_headers;

/* Probe origins for broad regexes, made anew for every configuration. */
static const char *probes[CORS_PROBES];

int cors_config_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    unsigned char rnd[CORS_PROBE_RANDOM_BYTES];

    (void)plog;
    (void)ptemp;
    default_methods = cors_token_list_from_words(pconf, "GET HEAD POST", 0);
    no_headers = cors_token_list_from_words(pconf, "", 1);
    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        memset(rnd, 0x5a, sizeof(rnd));
    }
    cors_probe_origins(pconf, rnd, probes);
    return OK;
}

/* ------------------------------------------------------------------ */
/* Create and merge                                                    */

static cors_policy policy_of(const cors_dir_conf *conf)
{
    cors_policy policy;

    policy.origins = conf->origins;
    policy.methods = conf->methods.list ? conf->methods.list
                                        : default_methods;
    policy.allow_headers = conf->allow_headers.list
                           ? conf->allow_headers.list : no_headers;
    policy.expose_headers = conf->expose_headers.list
                            ? conf->expose_headers.list : no_headers;
    policy.credentials = conf->credentials == 1;
    policy.max_age = conf->max_age;
    policy.max_age_text = conf->max_age_text;
    policy.private_network = conf->private_network == 1;
    return policy;
}

void *cors_create_dir_conf(apr_pool_t *p, char *dir)
{
    cors_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    /* Lists are made by their first directive: every .htaccess on the
     * server creates a configuration for every module, per request. */
    conf->credentials = CORS_UNSET;
    conf->max_age = CORS_UNSET;
    conf->private_network = CORS_UNSET;
    conf->preflight_status = CORS_UNSET;
    conf->preflight_passthrough = CORS_UNSET;
    conf->preflight_auth = CORS_UNSET;
    conf->upstream = CORS_UNSET;
    conf->report_only = CORS_UNSET;
    conf->protect = CORS_UNSET;
    conf->file_check = CORS_UNSET;
    /* conf->policy stays zero, no policy, until a directive sets it: this
     * runs at LoadModule too, before pre_config has built the defaults. */
    return conf;
}

#define MERGE_SCALAR(field) \
    (add->field != CORS_UNSET ? add->field : base->field)
/* A value's companion (its source, its text) goes with the value. */
#define MERGE_WITH(field, companion) \
    (add->field != CORS_UNSET ? add->companion : base->companion)

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
void *cors_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const cors_dir_conf *base = basev, *add = addv;
    cors_dir_conf *conf = apr_palloc(p, sizeof(*conf));

    conf->origin_layer = add->origin_layer;
    conf->origins = cors_origin_chain_graft(p, add->origins, base->origins);
    merge_list(p, &conf->methods, &base->methods, &add->methods,
               default_methods);
    merge_list(p, &conf->allow_headers, &base->allow_headers,
               &add->allow_headers, no_headers);
    merge_list(p, &conf->expose_headers, &base->expose_headers,
               &add->expose_headers, no_headers);
    conf->credentials = MERGE_SCALAR(credentials);
    conf->credentials_source = MERGE_WITH(credentials, credentials_source);
    conf->max_age = MERGE_SCALAR(max_age);
    conf->max_age_text = MERGE_WITH(max_age, max_age_text);
    conf->max_age_source = MERGE_WITH(max_age, max_age_source);
    conf->private_network = MERGE_SCALAR(private_network);
    conf->private_network_source = MERGE_WITH(private_network,
                                              private_network_source);
    conf->preflight_status = MERGE_SCALAR(preflight_status);
    conf->preflight_status_line = MERGE_WITH(preflight_status,
                                             preflight_status_line);
    conf->preflight_status_source = MERGE_WITH(preflight_status,
                                               preflight_status_source);
    conf->preflight_passthrough = MERGE_SCALAR(preflight_passthrough);
    conf->preflight_passthrough_source = MERGE_WITH(preflight_passthrough,
                                         preflight_passthrough_source);
    conf->preflight_auth = MERGE_SCALAR(preflight_auth);
    conf->preflight_auth_source = MERGE_WITH(preflight_auth,
                                             preflight_auth_source);
    conf->upstream = MERGE_SCALAR(upstream);
    conf->upstream_source = MERGE_WITH(upstream, upstream_source);
    conf->report_only = MERGE_SCALAR(report_only);
    conf->report_only_source = MERGE_WITH(report_only, report_only_source);
    conf->line = add->line ? add->line : base->line;
    conf->protect = MERGE_SCALAR(protect);
    conf->protect_source = MERGE_WITH(protect, protect_source);
    conf->file_check = MERGE_SCALAR(file_check);
    conf->file_check_source = MERGE_WITH(file_check, file_check_source);
    conf->policy = policy_of(conf);
    return conf;
}

/* ------------------------------------------------------------------ */
/* Directive lines                                                     */

static const char *directive_source(cmd_parms *cmd)
{
    if (!cmd->directive) {
        return "(unknown)";
    }
    /* not apr_psprintf: a .htaccess line pays this on every request */
    return apr_pstrcat(cmd->pool, cmd->directive->filename, ":",
                       apr_itoa(cmd->temp_pool, cmd->directive->line_num),
                       NULL);
}

/* A value's source; the line is also the section's latest, for
 * DUMP_CORS to name the section. */
const char *cors_note_line(cmd_parms *cmd, cors_dir_conf *conf)
{
    conf->line = cmd->directive;
    return directive_source(cmd);
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

const char *cors_wide_entry_reason(apr_pool_t *p, const cors_rule *rule)
{
    switch (rule->kind) {
    case CORS_RULE_ANY:
        return "CORSAllowOrigin * (browsers refuse '*' on credentialed "
               "requests)";
    case CORS_RULE_NULL:
        return "CORSAllowOrigin null (any page can send 'Origin: null' from "
               "a sandboxed iframe, so every site could read credentialed "
               "responses)";
    default:
        return apr_psprintf(p, "CORSAllowOriginMatch '%s' (it matches "
                            "origins of unrelated sites, such as '%s', so "
                            "every site could read credentialed responses)",
                            rule->text, cors_regex_probe_hit(rule));
    }
}

const char *cors_regex_probe_hit(const cors_rule *rule)
{
    int i;

    for (i = 0; rule->regex && i < CORS_PROBES; i++) {
        if (rule->regex_match(rule->regex, probes[i])) {
            return probes[i];
        }
    }
    return NULL;
}

/* The first wide entry ('*', null, broad regex) a section's lines add. */
static const cors_rule *own_wide_entry(apr_pool_t *p,
                                       const cors_dir_conf *conf)
{
    const cors_origin_chain *own;

    if (!conf->origin_layer) {
        return NULL;
    }
    own = cors_origin_chain_make(p, conf->origin_layer, NULL);
    return cors_origin_chain_wide(p, own);
}

static const char *credentials_conflict(cmd_parms *cmd,
                                        const cors_dir_conf *conf)
{
    const cors_rule *wide;

    if (conf->credentials != 1) {
        return NULL;
    }
    if ((wide = own_wide_entry(cmd->temp_pool, conf)) != NULL) {
        return apr_psprintf(cmd->pool, "%s: CORSAllowCredentials On cannot "
                            "be combined with %s; list the allowed origins "
                            "instead", cmd->cmd->name,
                            cors_wide_entry_reason(cmd->temp_pool, wide));
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
    conf->policy = policy_of(conf);
}

/* A "-text" value: removes entries of either origin directive by text. */
static void remove_origin(cmd_parms *cmd, cors_dir_conf *conf,
                          const char *text, const char *source)
{
    cors_rule rule;

    memset(&rule, 0, sizeof(rule));
    rule.text = rule.id = apr_pstrdup(cmd->pool, text);
    rule.source = source;
    cors_origin_layer_apply(cmd->pool, origin_layer_of(cmd, conf),
                            CORS_OP_REMOVE, &rule);
}

static const char *make_origin_rule(cmd_parms *cmd, void *dconf,
                                    const char *value, cors_rule *rule)
{
    const char *err;

    (void)dconf;
    if (strcmp(value, "none") == 0) {
        return "CORSAllowOrigin: 'none' empties the list and must stand "
               "alone on its line";
    }
    err = cors_rule_parse(cmd->pool, apr_pstrdup(cmd->pool, value), rule);
    return err ? apr_pstrcat(cmd->pool, "CORSAllowOrigin: ", err, NULL)
               : NULL;
}

static const char *set_allow_origin(cmd_parms *cmd, void *dconf,
                                    const char *args)
{
    return cors_set_origin_entries(cmd, dconf, args, make_origin_rule, 1);
}

const char *cors_set_origin_entries(cmd_parms *cmd, void *dconf,
                                    const char *args,
                                    cors_origin_entry_fn make, int none)
{
    cors_dir_conf *conf = dconf;
    cors_line line = { 0, NULL, NULL, NULL };
    const char *err = parse_line(cmd, args, &line);
    const char *source = cors_note_line(cmd, conf);
    cors_rule *rules;
    int i;

    if (err) {
        return err;
    }
    if (none && line.argc == 1 && line.ops[0] == CORS_OP_SET
        && strcmp(line.values[0], "none") == 0) {
        cors_origin_layer_apply(cmd->pool, origin_layer_of(cmd, conf),
                                CORS_OP_SET, NULL);
        refresh_origins(cmd, conf);
        return NULL;
    }
    rules = apr_palloc(cmd->temp_pool, line.argc * sizeof(*rules));
    for (i = 0; i < line.argc; i++) {
        if (line.ops[i] != CORS_OP_REMOVE) {
            if ((err = make(cmd, dconf, line.values[i], &rules[i])) != NULL) {
                return err;
            }
            rules[i].source = source;
        }
    }
    for (i = 0; i < line.argc; i++) {
        if (line.ops[i] == CORS_OP_REMOVE) {
            remove_origin(cmd, conf, line.values[i], source);
        }
        else {
            cors_origin_layer_apply(cmd->pool, origin_layer_of(cmd, conf),
                                    line.ops[i], &rules[i]);
        }
    }
    refresh_origins(cmd, conf);
    return credentials_conflict(cmd, conf);
}

static apr_status_t regex_cleanup(void *re)
{
    ap_regfree(re);
    return APR_SUCCESS;
}

/* A match counts only when it spans the whole origin: a PCRE verb or \K
 * could otherwise end or start it inside the anchors. */
static int regex_match(const void *compiled, const char *subject)
{
    ap_regmatch_t m[1];

    return ap_regexec(compiled, subject, 1, m, 0) == 0 && m[0].rm_so == 0
           && (apr_size_t)m[0].rm_eo == strlen(subject);
}

static const char *refuse_verb(cmd_parms *cmd, const char *pattern,
                               const char *verb)
{
    const char *end = strchr(verb, ')');
    int len = end ? (int)(end - verb + 1) : (int)strlen(verb);

    return apr_psprintf(cmd->pool, "CORSAllowOriginMatch: '%s' uses the PCRE "
                        "verb '%.*s', which can end a match before the end of "
                        "the origin; remove it", pattern, len, verb);
}

/* Compile `pattern` alone (so that "a)|(b" cannot break out of the
 * anchors), then anchored to the whole Origin value. */
static const char *compile_origin_regex(cmd_parms *cmd, const char *pattern,
                                        ap_regex_t **out)
{
    ap_regex_t *re = apr_pcalloc(cmd->pool, sizeof(*re));
    const char *verb = cors_regex_verb(pattern);
    char msg[256];
    int rc;

    if (verb) {
        return refuse_verb(cmd, pattern, verb);
    }
    rc = ap_regcomp(re, pattern, 0);
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
    const char *source = cors_note_line(cmd, conf);
    int i;

    if (err) {
        return err;
    }
    for (i = 0; i < line.argc; i++) {
        const char *pattern = apr_pstrdup(cmd->pool, line.values[i]);
        ap_regex_t *re = NULL;
        cors_rule rule;

        if (line.ops[i] == CORS_OP_REMOVE) {
            remove_origin(cmd, conf, pattern, source);
            continue;
        }
        if ((err = compile_origin_regex(cmd, pattern, &re)) != NULL) {
            return err;
        }
        cors_rule_regex(cmd->pool, &rule, pattern, re, regex_match);
        rule.source = source;
        rule.wide = cors_regex_probe_hit(&rule) != NULL;
        cors_origin_layer_apply(cmd->pool, origin_layer_of(cmd, conf),
                                line.ops[i], &rule);
    }
    cors_prefilter_layer(cmd, origin_layer_of(cmd, conf));
    refresh_origins(cmd, conf);
    return credentials_conflict(cmd, conf);
}

/* CORSAllowMethods, CORSAllowHeaders, CORSExposeHeaders: cmd->info is the
 * offset of the list's cors_list_conf. */
static const char *set_token_list(cmd_parms *cmd, void *dconf,
                                  const char *args)
{
    cors_dir_conf *conf = dconf;
    cors_line line = { 0, NULL, NULL, NULL };
    const char *err = parse_line(cmd, args, &line);
    cors_list_conf *lc = (cors_list_conf *)((char *)conf
                                            + (apr_size_t)cmd->info);
    int is_methods = lc == &conf->methods;
    int i;

    if (err) {
        return err;
    }
    for (i = 0; i < line.argc; i++) {
        const char *v = line.values[i];
        if (strcmp(v, "*") != 0 && !cors_is_token(v, strlen(v))) {
            return apr_psprintf(cmd->pool, "%s: '%s' is not a valid %s name "
                                "(an RFC 9110 token: letters, digits and "
                                "!#$%%&'*+-.^_`|~)", cmd->cmd->name, v,
                                is_methods ? "method" : "header");
        }
    }
    if (!lc->edit) {
        cors_token_history *h = apr_pcalloc(cmd->pool, sizeof(*h));
        lc->edit = cors_token_edit_make(cmd->pool, !is_methods);
        h->edit = lc->edit;
        lc->history = h;
    }
    for (i = 0; i < line.argc; i++) {
        cors_token_edit_apply(cmd->pool, lc->edit, line.ops[i],
                              line.values[i]);
    }
    lc->edit->source = lc->edit->source
        ? apr_pstrcat(cmd->pool, lc->edit->source, ", ",
                      cors_note_line(cmd, conf), NULL)
        : cors_note_line(cmd, conf);
    lc->list = cors_token_list_merge(cmd->pool, lc->edit,
                                     is_methods ? default_methods
                                                : no_headers);
    conf->policy = policy_of(conf);
    return credentials_conflict(cmd, conf);
}

static const char *set_credentials(cmd_parms *cmd, void *dconf, int on)
{
    cors_dir_conf *conf = dconf;

    conf->credentials = on;
    conf->credentials_source = cors_note_line(cmd, conf);
    conf->policy = policy_of(conf);
    return credentials_conflict(cmd, conf);
}

int cors_parse_bounded(const char *arg, int lo, int hi, int *out)
{
    long v = 0;
    const char *c;

    if (!*arg || strlen(arg) > 6 || (arg[0] == '0' && arg[1])) {
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

    if (!cors_parse_bounded(arg, 0, MAX_AGE_LIMIT, &conf->max_age)) {
        return apr_psprintf(cmd->pool, "CORSMaxAge: '%s' is not a number of "
                            "seconds from 0 to %d (digits only, no leading "
                            "zero)", arg, MAX_AGE_LIMIT);
    }
    conf->max_age_text = apr_itoa(cmd->pool, conf->max_age);
    conf->max_age_source = cors_note_line(cmd, conf);
    conf->policy = policy_of(conf);
    return NULL;
}

static const char *set_preflight_status(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (!cors_parse_bounded(arg, 200, 299, &conf->preflight_status)) {
        return apr_psprintf(cmd->pool, "CORSPreflightStatus: '%s' is not a "
                            "success status from 200 to 299 (204 is usual)",
                            arg);
    }
    conf->preflight_status_source = cors_note_line(cmd, conf);
    /* httpd answers a code it has no reason phrase for with 500. */
    conf->preflight_status_line = NULL;
    if (strncmp(ap_get_status_line(conf->preflight_status), arg, 3) != 0) {
        conf->preflight_status_line = apr_pstrcat(cmd->pool, arg, " OK",
                                                  NULL);
    }
    return NULL;
}

static const char *set_private_network(cmd_parms *cmd, void *dconf, int on)
{
    cors_dir_conf *conf = dconf;

    conf->private_network = on;
    conf->private_network_source = cors_note_line(cmd, conf);
    conf->policy = policy_of(conf);
    return NULL;
}

static const char *set_upstream(cmd_parms *cmd, void *dconf, const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (strcasecmp(arg, "Replace") == 0) {
        conf->upstream = CORS_UPSTREAM_REPLACE;
    }
    else if (strcasecmp(arg, "Keep") == 0) {
        conf->upstream = CORS_UPSTREAM_KEEP;
    }
    else {
        return apr_psprintf(cmd->pool, "CORSUpstreamHeaders: '%s' is not "
                            "Replace or Keep", arg);
    }
    conf->upstream_source = cors_note_line(cmd, conf);
    return NULL;
}

/* A flag and the field that records its source line. */
typedef struct {
    apr_size_t value;
    apr_size_t source;
} flag_field;

#define FLAG_FIELD(f) \
    { APR_OFFSETOF(cors_dir_conf, f), APR_OFFSETOF(cors_dir_conf, f##_source) }

static const flag_field passthrough_field = FLAG_FIELD(preflight_passthrough);
static const flag_field preflight_auth_field = FLAG_FIELD(preflight_auth);
static const flag_field report_only_field = FLAG_FIELD(report_only);

static const char *set_flag_with_source(cmd_parms *cmd, void *dconf, int on)
{
    const flag_field *field = cmd->info;
    char *conf = dconf;

    *(int *)(conf + field->value) = on;
    *(const char **)(conf + field->source) = cors_note_line(cmd, dconf);
    return NULL;
}

#define LIST_FIELD(f) ((void *)APR_OFFSETOF(cors_dir_conf, f))

const command_rec cors_cmds[] = {
    AP_INIT_RAW_ARGS("CORSAllowOrigin", set_allow_origin, NULL, OR_FILEINFO,
        "Origins allowed to read responses: exact origins, "
        "https://*.example.com, http://localhost:*, *, null or none"),
    AP_INIT_RAW_ARGS("CORSAllowOriginMatch", set_allow_origin_match, NULL,
        OR_FILEINFO, "Regular expressions matched against the whole Origin"),
    AP_INIT_RAW_ARGS("CORSAllowMethods", set_token_list, LIST_FIELD(methods),
        OR_FILEINFO, "Methods a preflight may ask for, or *"),
    AP_INIT_RAW_ARGS("CORSAllowHeaders", set_token_list,
        LIST_FIELD(allow_headers), OR_FILEINFO,
        "Request headers a preflight may ask for, or *"),
    AP_INIT_RAW_ARGS("CORSExposeHeaders", set_token_list,
        LIST_FIELD(expose_headers), OR_FILEINFO,
        "Response headers the page may read, or *"),
    AP_INIT_FLAG("CORSAllowCredentials", set_credentials, NULL, OR_FILEINFO,
        "On to let credentialed (cookie) requests read responses"),
    AP_INIT_TAKE1("CORSMaxAge", set_max_age, NULL, OR_FILEINFO,
        "Seconds a browser may cache a preflight answer (0-86400)"),
    AP_INIT_FLAG("CORSAllowPrivateNetwork", set_private_network, NULL,
        OR_FILEINFO, "On to answer Private Network Access preflights"),
    AP_INIT_TAKE1("CORSPreflightStatus", set_preflight_status, NULL,
        OR_FILEINFO, "Status of a granted preflight (200-299, default 204)"),
    AP_INIT_FLAG("CORSPreflightPassthrough", set_flag_with_source,
        (void *)&passthrough_field,
        OR_FILEINFO, "On to pass granted preflights on to the handler"),
    AP_INIT_FLAG("CORSPreflightAuth", set_flag_with_source,
        (void *)&preflight_auth_field,
        OR_AUTHCFG | RSRC_CONF,
        "On to make granted preflights pass authentication like any request"),
    AP_INIT_TAKE1("CORSUpstreamHeaders", set_upstream, NULL, OR_FILEINFO,
        "Replace (default) or Keep Access-Control-* headers set elsewhere"),
    AP_INIT_FLAG("CORSReportOnly", set_flag_with_source,
        (void *)&report_only_field, OR_FILEINFO,
        "On to decide and log differences, but change no response"),
    AP_INIT_TAKE1("CORSCrossOriginProtection", cors_set_protect,
        (void *)APR_OFFSETOF(cors_dir_conf, protect), OR_FILEINFO,
        "On to refuse cross-site unsafe requests and WebSocket handshakes "
        "from untrusted origins (Off, On, ReportOnly)"),
    AP_INIT_RAW_ARGS("CORSAllowOriginFile", cors_set_allow_origin_file, NULL,
        RSRC_CONF | ACCESS_CONF, "Origin list files ([txt:|dbm[=TYPE]:]path) "
        "that are reloaded when they change"),
    AP_INIT_TAKE1("CORSAllowOriginFileCheck", cors_set_origin_file_check,
        NULL, RSRC_CONF | ACCESS_CONF, "Seconds between checks of an origin "
        "file for a change (default 5; 0: only at restart)"),
    { NULL }
};
