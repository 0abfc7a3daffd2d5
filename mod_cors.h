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
#include "http_core.h"

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

/* One configuration section, or several merged. Each *_source is the
 * "file:line" of the value in effect (NULL: the default), for DUMP_CORS. */
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
    const char *max_age_source;
    int private_network;
    const char *private_network_source;
    int preflight_status;
    const char *preflight_status_line;      /* for codes httpd lacks */
    const char *preflight_status_source;
    int preflight_passthrough;
    const char *preflight_passthrough_source;
    int preflight_auth;
    const char *preflight_auth_source;
    int upstream;
    const char *upstream_source;
    int report_only;
    const char *report_only_source;
    const ap_directive_t *line;             /* the section's last mod_cors
                                             * line, for DUMP_CORS */
    int protect;                            /* CORSCrossOriginProtection */
    const char *protect_source;
    int file_check;                         /* CORSAllowOriginFileCheck */
    const char *file_check_source;
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
    int blocked;                /* refused by CORSCrossOriginProtection */
} cors_request_state;

/* mod_cors.c */
/* The request whose decision answers `r`: an ErrorDocument page speaks
 * for the request that failed, not for the page's own location. */
request_rec *cors_deciding_request(request_rec *r);
cors_request_state *cors_request_state_of(request_rec *r);

/* mod_cors_log.c */
/* At most LOGGED_VALUE_MAX bytes of `s`, escaped for the error log. */
const char *cors_log_value(apr_pool_t *p, const char *s, apr_size_t len);
/* The same in single quotes, or `absent` for a NULL value. */
const char *cors_log_quoted(apr_pool_t *p, const char *s, const char *absent);
/* Non-zero at most once per minute per process for each `last_minute`:
 * a client must not control how often the module logs at error level. */
int cors_error_due(request_rec *r, apr_uint32_t *last_minute);
void cors_log_decision(request_rec *r, const cors_dir_conf *conf,
                       const cors_decision *d);

/* mod_cors_answer.c */
/* Write the decision into the response headers, with its Vary. */
void cors_write_answer(request_rec *r, cors_request_state *st);
/* Whether a Vary line of the response names `token` (or is "*"). */
int cors_vary_covers(request_rec *r, const char *token);
/* Remove every Access-Control-* response header, whoever set it. */
void cors_remove_answer(request_rec *r);

/* mod_cors_protect.c */
const char *cors_set_protect(cmd_parms *cmd, void *dconf, const char *arg);
void cors_protect_register_hooks(apr_pool_t *p);

/* mod_cors_report.c */
/* CORSReportOnly On: compare the decision with the response as it is,
 * log each difference at cors:info and set CORS_REPORT. Returns the
 * number of differences. */
int cors_report_response(request_rec *r, const cors_request_state *st);

/* mod_cors_config.c */
extern const command_rec cors_cmds[];
/* "file:line" of the directive being read; notes it as the section's last
 * mod_cors line (for DUMP_CORS). */
const char *cors_note_line(cmd_parms *cmd, cors_dir_conf *conf);
/* Decimal digits without a leading zero, value in [lo, hi]: non-zero and
 * the value in `out`, or 0. */
int cors_parse_bounded(const char *arg, int lo, int hi, int *out);
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

/* Makes the entry for one value of an origin directive line. */
typedef const char *(*cors_origin_entry_fn)(cmd_parms *cmd, void *dconf,
                                            const char *value,
                                            cors_rule *rule);
/* An origin directive line: its values made by `make`, "-value"s removed
 * by text, as CORSAllowOrigin does; with `none`, a line of the one word
 * "none" empties the section's list. */
const char *cors_set_origin_entries(cmd_parms *cmd, void *dconf,
                                    const char *args,
                                    cors_origin_entry_fn make, int none);

/* mod_cors_origin_file.c */
const char *cors_set_allow_origin_file(cmd_parms *cmd, void *dconf,
                                       const char *args);
const char *cors_set_origin_file_check(cmd_parms *cmd, void *dconf,
                                       const char *arg);
void cors_origin_file_register_hooks(apr_pool_t *p);
/* "" or "; origin files consulted: ..." for a refusal's log line. */
const char *cors_origin_files_consulted(apr_pool_t *p,
                                        const cors_origin_chain *chain);

/* mod_cors_prefilter.c */
/* One PCRE2 alternation of the layer's regexes, as its negative filter. */
void cors_prefilter_layer(cmd_parms *cmd, cors_origin_layer *layer);

/* mod_cors_check.c */
int cors_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                      apr_pool_t *ptemp, server_rec *s);
/* A configuration section as the check and DUMP_CORS see it. */
typedef struct {
    const core_dir_config *core;    /* NULL in a <Proxy> section */
    const cors_dir_conf *conf;      /* NULL: no mod_cors directive here */
    int is_proxy;                   /* a <Proxy> section (mod_proxy's) */
} cors_section;
/* The sections of an array of section vectors (sec_dir, sec_url, ...). */
apr_array_header_t *cors_sections_of(apr_pool_t *p,
                                     const apr_array_header_t *vecs);
/* The <Proxy> sections of mod_proxy (NULL: none, or no mod_proxy). */
apr_array_header_t *cors_proxy_sections_of(apr_pool_t *p, server_rec *s);
/* The sections of `dirs` (`locs`) that apply together with `d` (`l`),
 * in merge order, itself included; regex sections that may match too. */
apr_array_header_t *cors_directory_chain(apr_pool_t *p,
                                         const apr_array_header_t *dirs,
                                         const cors_section *d);
apr_array_header_t *cors_location_chain(apr_pool_t *p,
                                        const apr_array_header_t *locs,
                                        const cors_section *l);
/* `chain` without the regex sections other than `self`. */
apr_array_header_t *cors_without_other_regexes(apr_pool_t *p,
                                               const apr_array_header_t *chain,
                                               const cors_section *self);

/* mod_cors_dump.c: apachectl -t -D DUMP_CORS */
void cors_dump_register_hooks(apr_pool_t *p);

/* mod_cors_status.c: counters in server-status. One bucket per outcome
 * of a decision (a request under a policy counts in exactly one), then
 * events that come on top of a decision. */
typedef enum {
    CORS_COUNT_NO_ORIGIN = 0,       /* under a policy, not a CORS request */
    CORS_COUNT_GRANTED,             /* granted actual request */
    CORS_COUNT_PREFLIGHT_GRANTED,
    CORS_COUNT_REFUSED,             /* + cors_reason - 1, each reason */
    CORS_COUNT_REPORT_DIFFERENCE = CORS_COUNT_REFUSED
                                   + CORS_REASON_HEADER_NOT_ALLOWED,
    CORS_COUNT_PROTECTION_BLOCKED,
    CORS_COUNT_PROTECTION_REPORTED,
    CORS_COUNTERS
} cors_counter;
void *cors_create_server_conf(apr_pool_t *p, server_rec *s);
void cors_status_register_hooks(apr_pool_t *p);
cors_counter cors_counter_of(const cors_decision *d);
/* One atomic increment in r->server's slot; no lock, no allocation. */
void cors_count(request_rec *r, cors_counter which);
/* cors_count of the decision's bucket, once per request (an internal
 * redirect's new request does not count again). */
void cors_count_decision(request_rec *r, const cors_decision *d);

#endif /* MOD_CORS_H */
