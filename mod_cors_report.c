/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_report.c: CORSReportOnly On. The output filter calls this
 * instead of writing the answer: the response leaves exactly as the
 * recipe, the handler or the backend made it. What mod_cors would have
 * done differently is logged at cors:info, one line per difference, and
 * CORS_REPORT (agree or differs) is set for %{CORS_REPORT}e.
 */

#include <string.h>

#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"

#include "apr_strings.h"

#include "cors_report.h"
#include "mod_cors.h"

APLOG_USE_MODULE(cors);

/* Every line of one header, over both tables, joined with ", ". */
typedef struct {
    apr_pool_t *p;
    const char *joined;
    int lines;
} header_lines;

static int collect_line(void *hl, const char *key, const char *value)
{
    header_lines *h = hl;

    (void)key;
    h->joined = h->joined ? apr_pstrcat(h->p, h->joined, ", ", value, NULL)
                          : value;
    h->lines++;
    return 1;
}

static header_lines header_of(request_rec *r, const char *name)
{
    header_lines h = { r->pool, NULL, 0 };

    apr_table_do(collect_line, &h, r->headers_out, name, NULL);
    apr_table_do(collect_line, &h, r->err_headers_out, name, NULL);
    return h;
}

static cors_response response_of(request_rec *r)
{
    cors_response resp;
    header_lines acao = header_of(r, "Access-Control-Allow-Origin");

    resp.status = r->status;
    resp.allow_origin = acao.joined;
    resp.allow_origin_lines = acao.lines;
    resp.allow_credentials = header_of(r,
                                 "Access-Control-Allow-Credentials").joined;
    resp.allow_methods = header_of(r, "Access-Control-Allow-Methods").joined;
    resp.allow_headers = header_of(r, "Access-Control-Allow-Headers").joined;
    resp.vary_origin = cors_vary_covers(r, "Origin");
    return resp;
}

/* Only what the comparison reads: the origin and the preflight's asks. */
static cors_request request_of(const request_rec *dr,
                               const cors_decision *d)
{
    cors_request req;

    memset(&req, 0, sizeof(req));
    req.origin = apr_table_get(dr->headers_in, "Origin");
    if (d->cls == CORS_CLASS_PREFLIGHT) {
        req.request_method = apr_table_get(dr->headers_in,
                                           "Access-Control-Request-Method");
        req.request_headers = apr_table_get(dr->headers_in,
                                        "Access-Control-Request-Headers");
    }
    return req;
}

static const char *ours_of(apr_pool_t *p, const cors_decision *d)
{
    if (d->cls == CORS_CLASS_NONE) {
        return "not a CORS request";
    }
    if (!d->granted) {
        return "refuse";
    }
    return apr_pstrcat(p, "grant ",
                       cors_log_quoted(p, d->allow_origin, "none"),
                       d->allow_credentials ? " with credentials" : "", NULL);
}

static int is_grant_class(cors_diff_class cls)
{
    return cls != CORS_DIFF_ANY_WITH_CREDENTIALS
           && cls != CORS_DIFF_VARY_MISSING;
}

static void log_difference(request_rec *r, const cors_difference *diff,
                           const cors_request *req, const cors_decision *d,
                           const cors_response *resp, const char *line)
{
    apr_pool_t *p = r->pool;
    const char *cred = !is_grant_class(diff->cls) ? ""
                       : diff->credentials ? " (with credentials)"
                                           : " (without credentials)";

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "CORS report: %s%s: %s: %s%s%s; origin %s; mod_cors: %s; "
                  "response: %d, Access-Control-Allow-Origin %s, "
                  "Access-Control-Allow-Credentials %s; request %s",
                  cors_diff_class_name(diff->cls), cred,
                  cors_diff_class_text(diff->cls), diff->reason,
                  diff->detail ? " " : "",
                  diff->detail ? apr_pstrcat(p, "'", cors_log_value(p,
                                 diff->detail, diff->detail_len), "'", NULL)
                               : "",
                  cors_log_quoted(p, req->origin, "none"), ours_of(p, d),
                  resp->status, cors_log_quoted(p, resp->allow_origin, "none"),
                  cors_log_quoted(p, resp->allow_credentials, "none"),
                  cors_log_quoted(p, line, "none"));
}

static int already_differs(const request_rec *r)
{
    const char *now = apr_table_get(r->subprocess_env, "CORS_REPORT");

    return now && strcmp(now, "differs") == 0;
}

int cors_report_response(request_rec *r, const cors_request_state *st)
{
    request_rec *dr = cors_deciding_request(r);
    cors_response resp = response_of(r);
    cors_request req = request_of(dr, &st->decision);
    cors_report report;
    const char *value;

    cors_report_compare(&req, &st->decision, &resp,
                        st->conf->upstream == CORS_UPSTREAM_KEEP, &report);
    if (APLOGrinfo(r)) {
        /* as the client sent it: an error page's request is a GET */
        const char *line = apr_pstrcat(r->pool, st->method ? st->method
                                       : dr->method, " ", dr->uri, NULL);
        int i;
        for (i = 0; i < report.count; i++) {
            log_difference(r, &report.diff[i], &req, &st->decision, &resp,
                           line);
        }
    }
    /* An earlier "differs" (another report-only check, on this request
     * or the one an error page answers for) is never undone. */
    value = report.count || already_differs(r) || already_differs(dr)
            ? "differs" : "agree";
    apr_table_setn(r->subprocess_env, "CORS_REPORT", value);
    apr_table_setn(dr->subprocess_env, "CORS_REPORT", value);
    if (report.count) {
        cors_count(r, CORS_COUNT_REPORT_DIFFERENCE);
    }
    return report.count;
}
