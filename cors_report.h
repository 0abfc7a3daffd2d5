/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_report.h: report-only mode (CORSReportOnly On). Compare what
 * mod_cors decided with what the response carries instead, as the output
 * filter sees it after the recipe, the handler or a backend: the
 * differences a migration would make, each with a class and a reason.
 *
 * Pure logic on APR; never includes httpd.h.
 */

#ifndef CORS_REPORT_H
#define CORS_REPORT_H

#include "cors_policy.h"

/* What the response carries. Header values are every line of the header
 * joined with ", "; NULL when the response has none. */
typedef struct {
    int status;
    const char *allow_origin;
    int allow_origin_lines;         /* a browser accepts exactly one */
    const char *allow_credentials;
    const char *allow_methods;
    const char *allow_headers;
    int vary_origin;                /* Vary names Origin, or is "*" */
} cors_response;

typedef enum {
    /* actual requests */
    CORS_DIFF_REFUSES_GRANTED,      /* response grants, mod_cors would not */
    CORS_DIFF_GRANTS_REFUSED,       /* mod_cors would grant, response does not */
    CORS_DIFF_REFLECTS_UNMATCHED,   /* response echoes an origin no entry
                                     * matches */
    /* any CORS request */
    CORS_DIFF_ANY_WITH_CREDENTIALS, /* response: '*' and credentials */
    /* responses a cache may store (not preflights) */
    CORS_DIFF_VARY_MISSING,         /* depends on Origin, no Vary: Origin */
    /* preflights */
    CORS_DIFF_PREFLIGHT_REFUSES_GRANTED,
    CORS_DIFF_PREFLIGHT_GRANTS_REFUSED
} cors_diff_class;

/* One request has at most one grant difference, '*' with credentials and
 * a missing Vary. */
#define CORS_REPORT_MAX 3

typedef struct {
    cors_diff_class cls;
    int credentials;            /* the grant in question is credentialed */
    const char *reason;         /* English; never request or response bytes */
    const char *detail;         /* the value the reason is about, or NULL */
    apr_size_t detail_len;
} cors_difference;

typedef struct {
    int count;
    cors_difference diff[CORS_REPORT_MAX];
} cors_report;

/*
 * Compare decision `d` for request `req` with response `resp`. `keep`:
 * CORSUpstreamHeaders Keep is in effect, so an actual response's own
 * Access-Control-Allow-Origin is what mod_cors would send too. Returns
 * the number of differences (out->count). Allocates nothing.
 */
int cors_report_compare(const cors_request *req, const cors_decision *d,
                        const cors_response *resp, int keep,
                        cors_report *out);

/* "refuses-granted", "vary-missing", ...: the log's tag for a class. */
const char *cors_diff_class_name(cors_diff_class cls);

/* A sentence saying what the class means, for the log line. */
const char *cors_diff_class_text(cors_diff_class cls);

#endif /* CORS_REPORT_H */
