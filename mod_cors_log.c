/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_log.c: what mod_cors writes to the error log about a decision:
 * why a CORS request was refused (cors:debug), what was granted
 * (cors:trace1), and the dangerous combinations only a .htaccess can
 * make, at error level but at most once a minute.
 */

#include <string.h>

#include "httpd.h"
#include "http_log.h"

#include "apr_atomic.h"
#include "apr_strings.h"

#include "mod_cors.h"

APLOG_USE_MODULE(cors);

#define LOGGED_VALUE_MAX 128

const char *cors_log_value(apr_pool_t *p, const char *s, apr_size_t len)
{
    if (len > LOGGED_VALUE_MAX) {
        return apr_pstrcat(p, ap_escape_logitem(p, apr_pstrmemdup(p, s,
                           LOGGED_VALUE_MAX)), "...", NULL);
    }
    return ap_escape_logitem(p, apr_pstrmemdup(p, s, len));
}

const char *cors_log_quoted(apr_pool_t *p, const char *s, const char *absent)
{
    return s ? apr_pstrcat(p, "'", cors_log_value(p, s, strlen(s)), "'", NULL)
             : absent;
}

/* Once per minute per process and kind: a client must not control how
 * often the module logs at error level. */
int cors_error_due(request_rec *r, apr_uint32_t *last_minute)
{
    apr_uint32_t minute = (apr_uint32_t)(apr_time_sec(r->request_time) / 60)
                          + 1;

    return apr_atomic_xchg32(last_minute, minute) != minute;
}

/* Combinations only a .htaccess can make (configtest refuses the rest). */
static void log_runtime_danger(request_rec *r, const cors_dir_conf *conf,
                               const cors_decision *d)
{
    static apr_uint32_t wide_logged, expose_logged;

    if ((d->reason == CORS_REASON_ANY_WITH_CREDENTIALS
         || d->reason == CORS_REASON_WIDE_WITH_CREDENTIALS)
        && cors_error_due(r, &wide_logged)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CORSAllowCredentials On (%s) is in effect together "
                      "with %s (%s): it is not granted to credentialed "
                      "requests; list the allowed origins (logged at most "
                      "once a minute)", conf->credentials_source,
                      cors_wide_entry_reason(r->pool, d->rule),
                      d->rule->source);
    }
    if (d->expose_any_with_credentials && cors_error_due(r, &expose_logged)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "CORSAllowCredentials On (%s) is in effect together "
                      "with CORSExposeHeaders *: no header is exposed; list "
                      "the header names (logged at most once a minute)",
                      conf->credentials_source);
    }
}

/* Granted by an origin file's entry: the admin needs the file and line
 * at cors:debug, where a listed origin's grant is only trace1 detail. */
static int from_file(const cors_decision *d)
{
    return d->rule && d->rule->from_file;
}

static void log_grant(request_rec *r, const cors_decision *d)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *where = "";

    if (from_file(d)) {
        where = d->rule->line
                ? apr_psprintf(r->pool, " (CORSAllowOriginFile %s:%u)",
                               d->rule->source, d->rule->line)
                : apr_pstrcat(r->pool, " (CORSAllowOriginFile ",
                              d->rule->source, ")", NULL);
    }
    ap_log_rerror(APLOG_MARK, from_file(d) ? APLOG_DEBUG : APLOG_TRACE1, 0,
                  r, "CORS %s for origin '%s'%s%s%s",
                  cors_decision_result(d),
                  origin ? cors_log_value(r->pool, origin, strlen(origin))
                         : "(none)",
                  d->rule ? ": matched " : "",
                  d->rule ? cors_log_value(r->pool, d->rule->text,
                                           strlen(d->rule->text)) : "",
                  where);
}

void cors_log_decision(request_rec *r, const cors_dir_conf *conf,
                       const cors_decision *d)
{
    log_runtime_danger(r, conf, d);
    /* The level tests spare the escaping (and the Origin lookup) when
     * nothing would be logged. */
    if (d->cls != CORS_CLASS_NONE && !d->granted) {
        if (APLOGrdebug(r)) {
            const char *origin = apr_table_get(r->headers_in, "Origin");
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "CORS %s refused for origin '%s': %s ('%s')%s",
                          d->cls == CORS_CLASS_PREFLIGHT ? "preflight"
                                                         : "request",
                          cors_log_value(r->pool, origin, strlen(origin)),
                          cors_reason_text(d->reason),
                          cors_log_value(r->pool, d->detail, d->detail_len),
                          d->reason == CORS_REASON_ORIGIN_NOT_ALLOWED
                          ? cors_origin_files_consulted(r->pool,
                                                        conf->origins)
                          : "");
        }
    }
    else if (from_file(d) ? APLOGrdebug(r) : APLOGrtrace1(r)) {
        log_grant(r, d);
    }
}
