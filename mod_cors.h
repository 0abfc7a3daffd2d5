/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors.h: what the glue files share. mod_cors_config.c reads the
 * directives and merges sections, mod_cors_check.c checks combinations of
 * sections at configtest, mod_cors.c answers requests. The decisions live
 * in the cors_*.c files, which know nothing of httpd.
 */

#ifndef MOD_CORS_H
#define MOD_CORS_H

#include "httpd.h"
#include "http_config.h"

#include "cors_policy.h"

extern module AP_MODULE_DECLARE_DATA cors_module;

#define CORS_UNSET (-1)

typedef enum { CORS_UPSTREAM_REPLACE = 0, CORS_UPSTREAM_KEEP = 1 } cors_upstream;

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
    cors_policy policy;                     /* the above, for cors_decide */
} cors_dir_conf;

/* Per request: the decision, made once and shared by every hook. */
typedef struct {
    int walked;                 /* the per-directory walk is done */
    const char *method;         /* as received: an ErrorDocument makes the
                                 * failed request a GET */
    int decided;
    int active;                 /* a policy is in effect */
    const cors_dir_conf *conf;
    cors_decision decision;
} cors_request_state;

/* mod_cors.c */
/* The request whose decision answers `r`: an ErrorDocument page speaks
 * for the request that failed, not for the page's own location. */
request_rec *cors_deciding_request(request_rec *r);
cors_request_state *cors_request_state_of(request_rec *r);

/* mod_cors_log.c */
/* At most LOGGED_VALUE_MAX bytes of `s`, escaped for the error log. */
const char *cors_log_value(apr_pool_t *p, const char *s, apr_size_t len);
/* Non-zero at most once per minute per process for each `last_minute`:
 * a client must not control how often the module logs at error level. */
int cors_error_due(request_rec *r, apr_uint32_t *last_minute);
void cors_log_decision(request_rec *r, const cors_dir_conf *conf,
                       const cors_decision *d);

/* mod_cors_answer.c */
/* Write the decision into the response headers, with its Vary. */
void cors_write_answer(request_rec *r, cors_request_state *st);

/* mod_cors_config.c */
extern const command_rec cors_cmds[];
void *cors_create_dir_conf(apr_pool_t *p, char *dir);
void *cors_merge_dir_conf(apr_pool_t *p, void *basev, void *addv);
int cors_config_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp);
/* Why a wide entry ('*', null, broad regex) is refused with credentials:
 * "CORSAllowOrigin null (any page can send ...)". */
const char *cors_wide_entry_reason(apr_pool_t *p, const cors_rule *rule);
/* Whether a regex entry matches one of this configuration's probe
 * origins; returns the probe, or NULL. */
const char *cors_regex_probe_hit(const cors_rule *rule);

/* mod_cors_prefilter.c */
/* One PCRE2 alternation of the layer's regexes, as its negative filter. */
void cors_prefilter_layer(cmd_parms *cmd, cors_origin_layer *layer);

/* mod_cors_check.c */
int cors_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                      apr_pool_t *ptemp, server_rec *s);

#endif /* MOD_CORS_H */
