/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_protect.c: CORSCrossOriginProtection in httpd. The decision is
 * cors_protect.c's; this file gathers what it needs from the request and
 * acts on it, once the per-directory walk (and .htaccess) is done and
 * before access control, authentication, authorization and any handler,
 * proxy or CGI. A refused request ends in 403 there; mod_cors.c sees
 * st->blocked and answers it with no Access-Control-* at all.
 */

#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "apr_strings.h"

#include "cors_protect.h"
#include "mod_cors.h"

APLOG_USE_MODULE(cors);

const char *cors_set_protect(cmd_parms *cmd, void *dconf, const char *arg)
{
    int *field = (int *)((char *)dconf + (apr_size_t)cmd->info);
    cors_protect_mode mode = cors_protect_mode_parse(arg);

    if (mode == CORS_PROTECT_UNSET) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not On, Off or "
                            "ReportOnly", cmd->cmd->name, arg);
    }
    *field = (int)mode;
    ((cors_dir_conf *)dconf)->protect_source = cors_note_line(cmd, dconf);
    return NULL;
}

/* A request header and how many values it has. httpd joins repeated
 * lines with ", " as it reads them (HTTP/1.1 and HTTP/2 alike), so a comma
 * is how several lines or values show; none of the values checked here
 * may contain one. */
static const char *header_of(request_rec *r, const char *name, int *count)
{
    const char *v = apr_table_get(r->headers_in, name);

    *count = !v ? 0 : strchr(v, ',') ? 2 : 1;
    return v;
}

/*
 * Neither a subrequest nor the ErrorDocument of a failed request (the
 * 403's own error page must not be refused again), nor a forward-proxy
 * request (another site's resource). An internal redirect (mod_rewrite in
 * a directory, a CGI's Location) is checked again: the handler that runs
 * is the target's, under the target's configuration.
 */
static int is_checkable(const request_rec *r)
{
    return !r->main && r->proxyreq != PROXYREQ_PROXY
           && !(r->prev && ap_is_HTTP_ERROR(r->prev->status));
}

static void request_of(request_rec *r, cors_protect_request *req)
{
    int count;

    req->method = r->method;
    req->upgrade = apr_table_get(r->headers_in, "Upgrade");
    req->fetch_site = header_of(r, "Sec-Fetch-Site", &count);
    req->origin = header_of(r, "Origin", &req->origin_count);
    req->scheme = req->host = NULL;
    req->port = 0;
    if (req->fetch_site || !req->origin) {
        return;                 /* rule 3's own origin is not needed */
    }
    /* The origin httpd serves: the scheme it believes in (ServerName
     * https://... behind a TLS-terminating proxy), the host and port of
     * the request as UseCanonicalName says. */
    req->scheme = ap_http_scheme(r);
    req->host = ap_get_server_name_for_url(r);
    req->port = ap_get_server_port(r);
}

static void log_refusal(request_rec *r, const cors_protect_request *req,
                        const cors_protect_result *res, int report_only)
{
    if (!APLOGrinfo(r)) {
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "CORSCrossOriginProtection %s %s %s: %s (Origin %s, "
                  "Sec-Fetch-Site %s)",
                  report_only ? "would refuse (ReportOnly)" : "refused",
                  cors_log_value(r->pool, r->method, strlen(r->method)),
                  cors_log_value(r->pool, r->uri, strlen(r->uri)),
                  cors_protect_rule_text(res->rule),
                  cors_log_quoted(r->pool, req->origin, "(none)"),
                  cors_log_quoted(r->pool, req->fetch_site, "(none)"));
}

static int cors_protect_check(request_rec *r)
{
    const cors_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                     &cors_module);
    cors_protect_request req;
    cors_protect_result res;
    int report_only;

    if (!conf || conf->protect <= CORS_PROTECT_OFF || !is_checkable(r)
        || !cors_protect_is_checked(r->method,
                                    apr_table_get(r->headers_in,
                                                  "Upgrade"))) {
        return DECLINED;
    }
    request_of(r, &req);
    cors_protect_decide(&req, conf->origins, &res);
    if (res.allowed) {
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      "CORSCrossOriginProtection allowed: %s",
                      cors_protect_rule_text(res.rule));
        return DECLINED;
    }
    report_only = conf->protect == CORS_PROTECT_REPORT_ONLY;
    log_refusal(r, &req, &res, report_only);
    if (report_only) {
        apr_table_setn(r->subprocess_env, "CORS_REPORT", "differs");
        cors_count(r, CORS_COUNT_PROTECTION_REPORTED);
        return DECLINED;
    }
    cors_count(r, CORS_COUNT_PROTECTION_BLOCKED);
    cors_request_state_of(r)->blocked = 1;
    apr_table_setn(r->subprocess_env, "CORS_RESULT", "blocked");
    return HTTP_FORBIDDEN;
}

void cors_protect_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* After mod_cors.c's own post_perdir_config (APR_HOOK_REALLY_FIRST),
     * which notes that the walk is done. */
    ap_hook_post_perdir_config(cors_protect_check, NULL, NULL,
                               APR_HOOK_FIRST);
}
