/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * test_policy.c: unit tests for cors_policy.h, the CORS decision table.
 * Policies are built in code from small specs; each row is one request
 * against one policy with every field of the expected decision.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_policy.h"
#include "unit_support.h"


/* ---------------------------------------------------------------------
 * Policies.
 */

typedef struct {
    const char *origins;        /* NULL: no list; "none": an empty list */
    const char *methods;        /* NULL: the default "GET HEAD POST" */
    const char *allow_headers;  /* NULL: empty */
    const char *expose;         /* NULL: empty */
    int credentials;
    int max_age;                /* -1: unset */
    int private_network;
} policy_spec;

enum {
    P_NONE, P_EMPTY, P_BASIC, P_FULL, P_PUBLIC, P_ANY_CREDS, P_STAR_CREDS,
    P_STAR, P_STAR_AUTH, P_MIXED_CREDS, P_EXPOSE_ANY_CREDS, P_EXPOSE_ANY,
    P_NULL, P_PUBLIC_MIXED, P_PUT_ONLY, P_NULL_CREDS, P_COUNT
};

static const policy_spec specs[P_COUNT] = {
    [P_NONE] = { NULL, NULL, NULL, NULL, 0, -1, 0 },
    [P_EMPTY] = { "none", NULL, NULL, NULL, 0, -1, 0 },
    [P_BASIC] = { "https://app.example.com https://*.example.org",
                  NULL, NULL, NULL, 0, -1, 0 },
    [P_FULL] = { "https://app.example.com", "GET HEAD POST PUT",
                 "X-Custom Content-Type", "X-Total X-Page", 1, 600, 1 },
    [P_PUBLIC] = { "*", NULL, NULL, "X-Total", 0, -1, 0 },
    [P_ANY_CREDS] = { "*", NULL, NULL, NULL, 1, -1, 0 },
    [P_STAR_CREDS] = { "https://app.example.com", "*", "*", NULL, 1, -1, 0 },
    [P_STAR] = { "https://app.example.com", "*", "*", NULL, 0, 0, 0 },
    [P_STAR_AUTH] = { "https://app.example.com", NULL, "* Authorization",
                      NULL, 0, -1, 0 },
    [P_MIXED_CREDS] = { "https://app.example.com *", NULL, NULL, NULL, 1,
                        -1, 0 },
    [P_EXPOSE_ANY_CREDS] = { "https://app.example.com", NULL, NULL, "* X-A",
                             1, -1, 0 },
    [P_EXPOSE_ANY] = { "https://app.example.com", NULL, NULL, "*", 0, -1,
                       0 },
    [P_NULL] = { "null", NULL, NULL, NULL, 0, -1, 0 },
    [P_PUBLIC_MIXED] = { "* https://app.example.com", NULL, NULL, NULL, 0,
                         -1, 0 },
    [P_PUT_ONLY] = { "https://app.example.com", "PUT", NULL, NULL, 0, -1,
                     0 },
    /* only a .htaccess can make it: configtest refuses it */
    [P_NULL_CREDS] = { "null https://app.example.com", NULL, NULL, NULL, 1,
                       -1, 0 },
};

static const cors_origin_chain *origins_of(apr_pool_t *p, const char *words)
{
    cors_origin_layer *layer;
    char *copy;
    char *last;
    char *w;

    if (words == NULL) {
        return NULL;
    }
    layer = cors_origin_layer_make(p);
    copy = apr_pstrdup(p, words);
    for (w = apr_strtok(copy, " ", &last); w != NULL;
         w = apr_strtok(NULL, " ", &last)) {
        if (strcmp(w, "none") == 0) {
            cors_origin_layer_apply(p, layer, CORS_OP_SET, NULL);
        }
        else {
            cors_rule *rule = apr_pcalloc(p, sizeof(*rule));
            const char *err = cors_rule_parse(p, w, rule);
            ck_assert_msg(err == NULL, "'%s' refused: %s", w, err);
            cors_origin_layer_apply(p, layer, CORS_OP_SET, rule);
        }
    }
    return cors_origin_chain_make(p, layer, NULL);
}

static cors_policy *policy_of(apr_pool_t *p, const policy_spec *s)
{
    cors_policy *pol = apr_pcalloc(p, sizeof(*pol));

    pol->origins = origins_of(p, s->origins);
    pol->methods = cors_token_list_from_words(p, s->methods ? s->methods
                                              : "GET HEAD POST", 0);
    pol->allow_headers = cors_token_list_from_words(p, s->allow_headers
                                                    ? s->allow_headers : "",
                                                    1);
    pol->expose_headers = cors_token_list_from_words(p, s->expose
                                                     ? s->expose : "", 1);
    pol->credentials = s->credentials;
    pol->max_age = s->max_age;
    pol->max_age_text = s->max_age < 0 ? NULL : apr_itoa(p, s->max_age);
    pol->private_network = s->private_network;
    return pol;
}

/* ---------------------------------------------------------------------
 * Decision rows.
 */

static const char dont_care[] = "(any)";
#define DC    dont_care                         /* any string or NULL */
#define DCI   (-1)                              /* any int */

/* Special Access-Control-Request-Headers values built at run time. */
#define ACRH_64      "\00164"
#define ACRH_65      "\00165"
#define ACRH_4097    "\0014097"
#define ACRH_COMMAS  "\001commas"

typedef struct {
    const char *name;
    int policy;
    /* request */
    const char *method;
    const char *origin;
    const char *acrm;
    const char *acrh;
    const char *acrpn;
    int origin_count;       /* 0: 1 when origin is set */
    /* decision */
    cors_class cls;
    int granted;
    int reason;             /* a cors_reason, or DCI */
    const char *detail;     /* substring of the detail; NULL: unchecked */
    const char *rule;       /* text of the granting rule; NULL: unchecked */
    int vary;
    int eawc;               /* expose_any_with_credentials */
    const char *acao;
    int acac;
    const char *expose;
    const char *methods;
    const char *headers;
    const char *max_age;
    int apn;
    const char *result;
} decide_row;

#define APP     "https://app.example.com"
#define EVIL    "https://evil.com"

#define ACTUAL     .cls = CORS_CLASS_ACTUAL
#define PREFLIGHT  .cls = CORS_CLASS_PREFLIGHT
#define NOTCORS    .cls = CORS_CLASS_NONE
#define GRANTED    .granted = 1, .reason = CORS_REASON_NONE
#define REFUSED(r) .granted = 0, .reason = (r), .result = "denied"

static const decide_row decide_rows[] = {
    /* not CORS */
    { "no policy", P_NONE, "GET", APP, NOTCORS, .result = "none" },
    { "empty policy", P_EMPTY, "GET", APP, NOTCORS, .result = "none" },
    { "no policy, preflight", P_NONE, "OPTIONS", APP, "GET", NOTCORS,
      .result = "none" },
    { "no Origin", P_BASIC, "GET", NULL, NOTCORS, .vary = 1,
      .result = "none" },
    { "no Origin, OPTIONS with ACRM", P_BASIC, "OPTIONS", NULL, "GET",
      NOTCORS, .vary = 1, .result = "none" },
    { "no Origin, public", P_PUBLIC, "GET", NULL, NOTCORS,
      .granted = DCI, .reason = DCI, .acao = "*", .expose = "X-Total",
      .result = "none" },
    { "no Origin, '*' with credentials", P_ANY_CREDS, "GET", NULL, NOTCORS,
      .vary = 1, .result = "none" },

    /* actual requests */
    { "actual, exact", P_BASIC, "GET", APP, ACTUAL, GRANTED, .rule = APP,
      .vary = 1, .acao = APP, .result = "allowed" },
    { "actual, subdomain", P_BASIC, "POST", "https://x.y.example.org",
      ACTUAL, GRANTED, .rule = "https://*.example.org", .vary = 1,
      .acao = "https://x.y.example.org", .result = "allowed" },
    { "actual, HEAD", P_BASIC, "HEAD", APP, ACTUAL, GRANTED, .vary = 1,
      .acao = APP, .result = "allowed" },
    { "actual, DELETE is not checked", P_BASIC, "DELETE", APP, ACTUAL,
      GRANTED, .vary = 1, .acao = APP, .result = "allowed" },
    { "actual, GET with ACRM", P_BASIC, "GET", APP, "PUT", ACTUAL, GRANTED,
      .vary = 1, .acao = APP, .result = "allowed" },
    { "OPTIONS without ACRM is actual", P_BASIC, "OPTIONS", APP, ACTUAL,
      GRANTED, .vary = 1, .acao = APP, .result = "allowed" },
    { "OPTIONS with ACRH only is actual", P_BASIC, "OPTIONS", APP, NULL,
      "X-Foo", ACTUAL, GRANTED, .vary = 1, .acao = APP,
      .result = "allowed" },
    { "actual, refused", P_BASIC, "GET", EVIL, ACTUAL,
      REFUSED(CORS_REASON_ORIGIN_NOT_ALLOWED), .detail = EVIL, .vary = 1 },
    { "actual, apex of a wildcard", P_BASIC, "GET", "https://example.org",
      ACTUAL, REFUSED(CORS_REASON_ORIGIN_NOT_ALLOWED),
      .detail = "https://example.org", .vary = 1 },
    { "actual, suffix trick", P_BASIC, "GET",
      "https://app.example.com.evil.com", ACTUAL,
      REFUSED(CORS_REASON_ORIGIN_NOT_ALLOWED), .vary = 1 },
    { "actual, other scheme", P_BASIC, "GET", "http://app.example.com",
      ACTUAL, REFUSED(CORS_REASON_ORIGIN_NOT_ALLOWED), .vary = 1 },
    { "actual, trailing slash", P_BASIC, "GET", APP "/", ACTUAL,
      REFUSED(CORS_REASON_ORIGIN_MALFORMED), .detail = APP "/", .vary = 1 },
    { "actual, upper case", P_BASIC, "GET", "https://APP.example.com",
      ACTUAL, REFUSED(CORS_REASON_ORIGIN_MALFORMED), .vary = 1 },
    { "actual, default port", P_BASIC, "GET", APP ":443", ACTUAL,
      REFUSED(CORS_REASON_ORIGIN_MALFORMED), .vary = 1 },
    { "actual, userinfo", P_BASIC, "GET", "https://app.example.com@evil.com",
      ACTUAL, REFUSED(CORS_REASON_ORIGIN_MALFORMED), .vary = 1 },
    { "actual, empty Origin", P_BASIC, "GET", "", ACTUAL,
      REFUSED(CORS_REASON_ORIGIN_MALFORMED), .vary = 1 },
    { "two Origin headers", P_BASIC, "GET", APP ", " APP, NULL, NULL, NULL,
      2, ACTUAL, REFUSED(CORS_REASON_ORIGIN_MULTIPLE), .vary = 1 },
    { "two Origin lines, one value", P_BASIC, "GET", APP, NULL, NULL, NULL,
      2, ACTUAL, REFUSED(CORS_REASON_ORIGIN_MULTIPLE), .vary = 1 },
    { "two Origin lines, preflight", P_BASIC, "OPTIONS", APP, "GET", NULL,
      NULL, 2, PREFLIGHT, REFUSED(CORS_REASON_ORIGIN_MULTIPLE), .vary = 1 },
    { "joined Origin values", P_BASIC, "GET", APP ", " APP, ACTUAL,
      REFUSED(DCI), .vary = 1 },
    { "null, not listed", P_BASIC, "GET", "null", ACTUAL,
      REFUSED(CORS_REASON_ORIGIN_NOT_ALLOWED), .vary = 1 },
    { "null, listed", P_NULL, "GET", "null", ACTUAL, GRANTED, .rule = "null",
      .vary = 1, .acao = "null", .result = "allowed" },
    { "actual with credentials", P_FULL, "GET", APP, ACTUAL, GRANTED,
      .vary = 1, .acao = APP, .acac = 1, .expose = "X-Total, X-Page",
      .result = "allowed" },
    { "actual never gets Allow-Private-Network", P_FULL, "GET", APP, NULL,
      NULL, "true", ACTUAL, GRANTED, .vary = 1, .acao = APP, .acac = 1,
      .expose = "X-Total, X-Page", .result = "allowed" },
    { "actual, '*' methods and headers with credentials", P_STAR_CREDS,
      "PUT", APP, ACTUAL, GRANTED, .vary = 1, .acao = APP, .acac = 1,
      .result = "allowed" },

    /* preflights */
    { "preflight, simple method", P_BASIC, "OPTIONS", APP, "GET", PREFLIGHT,
      GRANTED, .rule = APP, .vary = 1, .acao = APP,
      .methods = "GET, HEAD, POST", .result = "preflight" },
    { "preflight, subdomain", P_BASIC, "OPTIONS", "https://a.example.org",
      "POST", PREFLIGHT, GRANTED, .vary = 1, .acao = "https://a.example.org",
      .methods = "GET, HEAD, POST", .result = "preflight" },
    { "preflight, method not allowed", P_BASIC, "OPTIONS", APP, "PUT",
      PREFLIGHT, REFUSED(CORS_REASON_METHOD_NOT_ALLOWED), .detail = "PUT",
      .vary = 1 },
    { "preflight, origin not allowed", P_BASIC, "OPTIONS", EVIL, "GET",
      PREFLIGHT, REFUSED(CORS_REASON_ORIGIN_NOT_ALLOWED), .detail = EVIL,
      .vary = 1 },
    { "preflight, origin malformed", P_BASIC, "OPTIONS", APP "/", "GET",
      PREFLIGHT, REFUSED(CORS_REASON_ORIGIN_MALFORMED), .vary = 1 },
    { "preflight, header not allowed", P_BASIC, "OPTIONS", APP, "POST",
      "X-Foo", PREFLIGHT, REFUSED(CORS_REASON_HEADER_NOT_ALLOWED),
      .detail = "X-Foo", .vary = 1 },
    { "preflight, no implicit Content-Type", P_BASIC, "OPTIONS", APP, "POST",
      "content-type", PREFLIGHT, REFUSED(CORS_REASON_HEADER_NOT_ALLOWED),
      .detail = "content-type", .vary = 1 },
    { "preflight, no implicit Accept", P_BASIC, "OPTIONS", APP, "GET",
      "accept", PREFLIGHT, REFUSED(CORS_REASON_HEADER_NOT_ALLOWED),
      .vary = 1 },
    { "preflight, empty ACRH", P_BASIC, "OPTIONS", APP, "GET", "",
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .methods = "GET, HEAD, POST", .result = "preflight" },
    { "preflight, ACRH of empty elements", P_BASIC, "OPTIONS", APP, "GET",
      " , ,, ", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .methods = "GET, HEAD, POST", .result = "preflight" },
    { "preflight, full", P_FULL, "OPTIONS", APP, "PUT",
      "x-custom, CONTENT-TYPE", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .acac = 1, .methods = "GET, HEAD, POST, PUT",
      .headers = "X-Custom, Content-Type", .max_age = "600",
      .result = "preflight" },
    { "preflight, full, private network asked", P_FULL, "OPTIONS", APP,
      "PUT", NULL, "true", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .acac = 1, .methods = "GET, HEAD, POST, PUT",
      .headers = "X-Custom, Content-Type", .max_age = "600", .apn = 1,
      .result = "preflight" },
    { "preflight, private network not 'true'", P_FULL, "OPTIONS", APP,
      "PUT", NULL, "false", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .acac = 1, .methods = "GET, HEAD, POST, PUT",
      .headers = "X-Custom, Content-Type", .max_age = "600",
      .result = "preflight" },
    { "preflight, private network asked, disabled", P_BASIC, "OPTIONS", APP,
      "GET", NULL, "true", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .methods = "GET, HEAD, POST", .result = "preflight" },
    { "preflight, ACRH with OWS and duplicates", P_FULL, "OPTIONS", APP,
      "GET", "  X-CUSTOM ,, x-custom ,", PREFLIGHT, GRANTED, .vary = 1,
      .acao = APP, .acac = 1, .methods = "GET, HEAD, POST, PUT",
      .headers = "X-Custom, Content-Type", .max_age = "600",
      .result = "preflight" },
    { "preflight, method is case-sensitive", P_FULL, "OPTIONS", APP, "put",
      PREFLIGHT, REFUSED(CORS_REASON_METHOD_NOT_ALLOWED), .detail = "put",
      .vary = 1 },
    { "preflight, DELETE not listed", P_FULL, "OPTIONS", APP, "DELETE",
      PREFLIGHT, REFUSED(CORS_REASON_METHOD_NOT_ALLOWED), .detail = "DELETE",
      .vary = 1 },
    { "preflight, method with a space", P_FULL, "OPTIONS", APP, "PU T",
      PREFLIGHT, REFUSED(CORS_REASON_METHOD_MALFORMED), .vary = 1 },
    { "preflight, empty method", P_FULL, "OPTIONS", APP, "", PREFLIGHT,
      REFUSED(CORS_REASON_METHOD_MALFORMED), .vary = 1 },
    { "preflight, method with a CTL", P_FULL, "OPTIONS", APP, "GET\001",
      PREFLIGHT, REFUSED(CORS_REASON_METHOD_MALFORMED), .vary = 1 },
    { "preflight, method list", P_FULL, "OPTIONS", APP, "GET, PUT",
      PREFLIGHT, REFUSED(CORS_REASON_METHOD_MALFORMED), .vary = 1 },
    { "preflight, header with a space", P_FULL, "OPTIONS", APP, "GET",
      "x-custom, bad header", PREFLIGHT,
      REFUSED(CORS_REASON_HEADERS_MALFORMED), .detail = "bad header",
      .vary = 1 },
    { "preflight, header with '@'", P_FULL, "OPTIONS", APP, "GET", "x@y",
      PREFLIGHT, REFUSED(CORS_REASON_HEADERS_MALFORMED), .detail = "x@y",
      .vary = 1 },
    { "preflight, non-ASCII header", P_STAR, "OPTIONS", APP, "GET",
      "caf\xc3\xa9", PREFLIGHT, REFUSED(CORS_REASON_HEADERS_MALFORMED),
      .vary = 1 },
    { "preflight, 64 header names", P_STAR, "OPTIONS", APP, "GET", ACRH_64,
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP, .methods = "*",
      .headers = "*", .max_age = "0", .result = "preflight" },
    { "preflight, 65 header names", P_STAR, "OPTIONS", APP, "GET", ACRH_65,
      PREFLIGHT, REFUSED(CORS_REASON_HEADERS_TOO_MANY), .vary = 1 },
    { "preflight, 4097-byte ACRH", P_STAR, "OPTIONS", APP, "GET", ACRH_4097,
      PREFLIGHT, REFUSED(CORS_REASON_HEADERS_TOO_LONG), .vary = 1 },
    { "preflight, 6000 commas", P_STAR, "OPTIONS", APP, "GET", ACRH_COMMAS,
      PREFLIGHT, REFUSED(CORS_REASON_HEADERS_TOO_LONG), .vary = 1 },
    { "simple GET always allowed", P_PUT_ONLY, "OPTIONS", APP, "GET",
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP, .methods = "PUT",
      .result = "preflight" },
    { "simple HEAD always allowed", P_PUT_ONLY, "OPTIONS", APP, "HEAD",
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP, .methods = "PUT",
      .result = "preflight" },
    { "simple POST always allowed", P_PUT_ONLY, "OPTIONS", APP, "POST",
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP, .methods = "PUT",
      .result = "preflight" },
    { "listed PUT allowed", P_PUT_ONLY, "OPTIONS", APP, "PUT", PREFLIGHT,
      GRANTED, .vary = 1, .acao = APP, .methods = "PUT",
      .result = "preflight" },
    { "PATCH not listed", P_PUT_ONLY, "OPTIONS", APP, "PATCH", PREFLIGHT,
      REFUSED(CORS_REASON_METHOD_NOT_ALLOWED), .vary = 1 },

    /* '*' methods and headers */
    { "'*' without credentials", P_STAR, "OPTIONS", APP, "PATCH",
      "X-Anything, x-other", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .methods = "*", .headers = "*", .max_age = "0",
      .result = "preflight" },
    { "'*' covers any method token", P_STAR, "OPTIONS", APP, "put",
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP, .methods = "*",
      .headers = "*", .max_age = "0", .result = "preflight" },
    { "'*' headers exclude Authorization", P_STAR, "OPTIONS", APP, "GET",
      "Authorization", PREFLIGHT, REFUSED(CORS_REASON_HEADER_NOT_ALLOWED),
      .detail = "Authorization", .vary = 1 },
    { "'*' headers exclude authorization among others", P_STAR, "OPTIONS",
      APP, "GET", "x-a, authorization", PREFLIGHT,
      REFUSED(CORS_REASON_HEADER_NOT_ALLOWED), .detail = "authorization",
      .vary = 1 },
    { "Authorization listed by name", P_STAR_AUTH, "OPTIONS", APP, "GET",
      "authorization, x-foo", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .methods = "GET, HEAD, POST", .headers = "*, Authorization",
      .result = "preflight" },
    { "credentials echo method and headers", P_STAR_CREDS, "OPTIONS", APP,
      "PATCH", "X-Foo, x-bar", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .acac = 1, .methods = "PATCH", .headers = "x-foo, x-bar",
      .result = "preflight" },
    { "credentials echo, OWS and empty elements", P_STAR_CREDS, "OPTIONS",
      APP, "DELETE", " X-Foo ,, X-Bar ", PREFLIGHT, GRANTED, .vary = 1,
      .acao = APP, .acac = 1, .methods = "DELETE", .headers = "x-foo, x-bar",
      .result = "preflight" },
    { "credentials echo, no headers", P_STAR_CREDS, "OPTIONS", APP, "GET",
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP, .acac = 1,
      .methods = "GET", .result = "preflight" },
    { "credentials echo, Authorization refused", P_STAR_CREDS, "OPTIONS",
      APP, "GET", "Authorization", PREFLIGHT,
      REFUSED(CORS_REASON_HEADER_NOT_ALLOWED), .vary = 1 },

    /* '*' origins */
    { "'*' with credentials, actual", P_ANY_CREDS, "GET",
      "https://x.com", ACTUAL, REFUSED(CORS_REASON_ANY_WITH_CREDENTIALS),
      .vary = 1 },
    { "'*' with credentials, preflight", P_ANY_CREDS, "OPTIONS",
      "https://x.com", "GET", PREFLIGHT,
      REFUSED(CORS_REASON_ANY_WITH_CREDENTIALS), .vary = 1 },
    { "'*' with credentials, null", P_ANY_CREDS, "GET", "null", ACTUAL,
      REFUSED(CORS_REASON_ANY_WITH_CREDENTIALS), .vary = 1 },
    { "'*' with credentials, malformed", P_ANY_CREDS, "GET", "https://x.com/",
      ACTUAL, REFUSED(CORS_REASON_ORIGIN_MALFORMED), .vary = 1 },
    { "listed origin beside '*', credentials", P_MIXED_CREDS, "GET", APP,
      ACTUAL, GRANTED, .rule = APP, .vary = 1, .acao = APP, .acac = 1,
      .result = "allowed" },
    { "unlisted origin beside '*', credentials", P_MIXED_CREDS, "GET",
      "https://x.com", ACTUAL, REFUSED(CORS_REASON_ANY_WITH_CREDENTIALS),
      .vary = 1 },
    { "public, actual", P_PUBLIC, "GET", "https://x.com", ACTUAL, GRANTED,
      .acao = "*", .expose = "X-Total", .result = "allowed" },
    { "public, null", P_PUBLIC, "GET", "null", ACTUAL, GRANTED, .acao = "*",
      .expose = "X-Total", .result = "allowed" },
    { "public, malformed Origin", P_PUBLIC, "GET", "HTTPS://X.COM/", ACTUAL,
      .granted = DCI, .reason = DCI, .acao = "*", .expose = "X-Total",
      .result = DC },
    { "public, preflight", P_PUBLIC, "OPTIONS", "https://x.com", "GET",
      PREFLIGHT, GRANTED, .vary = 1, .acao = "*",
      .methods = "GET, HEAD, POST", .result = "preflight" },
    { "null with credentials is refused", P_NULL_CREDS, "GET", "null",
      ACTUAL, REFUSED(CORS_REASON_WIDE_WITH_CREDENTIALS), .rule = "null",
      .vary = 1, .acao = NULL, .acac = 0 },
    { "null with credentials, preflight", P_NULL_CREDS, "OPTIONS", "null",
      "GET", PREFLIGHT, REFUSED(CORS_REASON_WIDE_WITH_CREDENTIALS),
      .vary = 1, .acao = NULL, .methods = NULL },
    { "beside null, a listed origin keeps credentials", P_NULL_CREDS, "GET",
      APP, ACTUAL, GRANTED, .rule = APP, .vary = 1, .acao = APP, .acac = 1,
      .result = "allowed" },
    { "public, preflight refused", P_PUBLIC, "OPTIONS", "https://x.com",
      "PUT", PREFLIGHT, REFUSED(CORS_REASON_METHOD_NOT_ALLOWED), .acao = DC,
      .vary = DCI, .expose = DC },
    { "public beside a listed origin", P_PUBLIC_MIXED, "GET", APP, ACTUAL,
      GRANTED, .acao = "*", .result = "allowed", .rule = NULL },

    /* exposure */
    { "expose '*' with credentials", P_EXPOSE_ANY_CREDS, "GET", APP, ACTUAL,
      GRANTED, .vary = 1, .acao = APP, .acac = 1, .eawc = 1,
      .result = "allowed" },
    { "expose '*' with credentials, preflight", P_EXPOSE_ANY_CREDS,
      "OPTIONS", APP, "GET", PREFLIGHT, GRANTED, .vary = 1, .acao = APP,
      .acac = 1, .eawc = DCI, .methods = "GET, HEAD, POST",
      .result = "preflight" },
    { "expose '*' without credentials", P_EXPOSE_ANY, "GET", APP, ACTUAL,
      GRANTED, .vary = 1, .acao = APP, .expose = "*", .result = "allowed" },
    { "expose on a preflight is omitted", P_FULL, "OPTIONS", APP, "GET",
      PREFLIGHT, GRANTED, .vary = 1, .acao = APP, .acac = 1,
      .methods = "GET, HEAD, POST, PUT", .headers = "X-Custom, Content-Type",
      .max_age = "600", .result = "preflight" },
};

#define N_DECIDE ((int)(sizeof(decide_rows) / sizeof(decide_rows[0])))

static const char *acrh_value(apr_pool_t *p, const char *v)
{
    char *s;
    int i;

    if (v == NULL || v[0] != '\001') {
        return v;
    }
    if (strcmp(v, ACRH_64) == 0 || strcmp(v, ACRH_65) == 0) {
        int count = strcmp(v, ACRH_64) == 0 ? 64 : 65;
        s = "";
        for (i = 0; i < count; i++) {
            s = apr_psprintf(p, "%s%sx-h%d", s, i ? ", " : "", i);
        }
        return s;
    }
    if (strcmp(v, ACRH_4097) == 0) {
        s = apr_palloc(p, 4098);
        memset(s, 'a', 4097);
        s[4097] = '\0';
        return s;
    }
    s = apr_palloc(p, 6001);
    memset(s, ',', 6000);
    s[6000] = '\0';
    return s;
}

static void check_str(const char *row, const char *field, const char *got,
                      const char *expect)
{
    if (expect == DC) {
        return;
    }
    if (expect == NULL) {
        ck_assert_msg(got == NULL, "%s: %s is '%s', expected NULL", row,
                      field, got);
    }
    else {
        ck_assert_msg(got != NULL && strcmp(got, expect) == 0,
                      "%s: %s is '%s', expected '%s'", row, field,
                      got ? got : "(null)", expect);
    }
}

static void check_int(const char *row, const char *field, int got,
                      int expect)
{
    if (expect == DCI) {
        return;
    }
    ck_assert_msg(got == expect, "%s: %s is %d, expected %d", row, field,
                  got, expect);
}

START_TEST(test_decide)
{
    const decide_row *r = &decide_rows[_i];
    const cors_policy *pol = policy_of(pool, &specs[r->policy]);
    cors_request req;
    cors_decision d;
    const char *result;

    memset(&req, 0, sizeof(req));
    req.method = r->method;
    req.origin = r->origin;
    req.request_method = r->acrm;
    req.request_headers = acrh_value(pool, r->acrh);
    req.request_private_network = r->acrpn;
    req.origin_count = r->origin_count ? r->origin_count
                       : (r->origin != NULL ? 1 : 0);

    memset(&d, 0x5a, sizeof(d));    /* every field must be written */
    cors_decide(pool, pol, &req, &d);

    check_int(r->name, "cls", (int)d.cls, (int)r->cls);
    check_int(r->name, "granted", d.granted ? 1 : 0, r->granted);
    check_int(r->name, "reason", (int)d.reason, r->reason);
    check_int(r->name, "vary_origin", d.vary_origin ? 1 : 0, r->vary);
    /* A preflight's answer depends on its Access-Control-Request-*. */
    check_int(r->name, "vary_request", d.vary_request ? 1 : 0,
              r->cls == CORS_CLASS_PREFLIGHT);
    check_int(r->name, "expose_any_with_credentials",
              d.expose_any_with_credentials ? 1 : 0, r->eawc);
    check_str(r->name, "allow_origin", d.allow_origin, r->acao);
    check_int(r->name, "allow_credentials", d.allow_credentials ? 1 : 0,
              r->acac);
    check_str(r->name, "expose_headers", d.expose_headers, r->expose);
    check_str(r->name, "allow_methods", d.allow_methods, r->methods);
    check_str(r->name, "allow_headers", d.allow_headers, r->headers);
    check_str(r->name, "max_age", d.max_age, r->max_age);
    check_int(r->name, "allow_private_network",
              d.allow_private_network ? 1 : 0, r->apn);
    if (r->detail != NULL) {
        ck_assert_msg(d.detail != NULL, "%s: no detail", r->name);
        ck_assert_msg(strstr(apr_pstrndup(pool, d.detail, d.detail_len),
                             r->detail) != NULL,
                      "%s: detail '%.*s' lacks '%s'", r->name,
                      (int)d.detail_len, d.detail, r->detail);
    }
    if (r->rule != NULL) {
        ck_assert_msg(d.rule != NULL && d.rule->text != NULL
                      && strcmp(d.rule->text, r->rule) == 0,
                      "%s: rule '%s', expected '%s'", r->name,
                      d.rule && d.rule->text ? d.rule->text : "(null)",
                      r->rule);
    }
    result = cors_decision_result(&d);
    if (r->result != DC) {
        ck_assert_msg(result != NULL && strcmp(result, r->result) == 0,
                      "%s: result '%s', expected '%s'", r->name,
                      result ? result : "(null)", r->result);
    }
    if (!d.granted && d.cls != CORS_CLASS_NONE) {
        ck_assert_msg(d.reason != CORS_REASON_NONE,
                      "%s: refused without a reason", r->name);
    }
    if (d.granted) {
        ck_assert_msg(d.reason == CORS_REASON_NONE,
                      "%s: granted with reason %d", r->name, (int)d.reason);
    }
}
END_TEST

/* ---------------------------------------------------------------------
 * cors_policy_active, cors_policy_is_public.
 */

typedef struct {
    int policy;
    int active;
    int is_public;
} active_row;

static const active_row active_rows[] = {
    { P_NONE, 0, 0 }, { P_EMPTY, 0, 0 }, { P_BASIC, 1, 0 },
    { P_FULL, 1, 0 }, { P_PUBLIC, 1, 1 }, { P_ANY_CREDS, 1, 0 },
    { P_MIXED_CREDS, 1, 0 }, { P_PUBLIC_MIXED, 1, 1 }, { P_NULL, 1, 0 },
};

#define N_ACTIVE ((int)(sizeof(active_rows) / sizeof(active_rows[0])))

START_TEST(test_active)
{
    const active_row *r = &active_rows[_i];
    const cors_policy *pol = policy_of(pool, &specs[r->policy]);

    ck_assert_msg((cors_policy_active(pol) ? 1 : 0) == r->active,
                  "policy %d: active %d, expected %d", r->policy,
                  cors_policy_active(pol), r->active);
    ck_assert_msg((cors_policy_is_public(pol) ? 1 : 0) == r->is_public,
                  "policy %d: public %d, expected %d", r->policy,
                  cors_policy_is_public(pol), r->is_public);
}
END_TEST

/* A policy whose list had its only entry removed is not in effect. */
START_TEST(test_active_after_removal)
{
    cors_policy *pol = policy_of(pool, &specs[P_BASIC]);
    cors_origin_layer *layer = cors_origin_layer_make(pool);
    cors_request req;
    cors_decision d;
    cors_rule r1, r2;

    ck_assert_ptr_null(cors_rule_parse(pool, "https://app.example.com", &r1));
    ck_assert_ptr_null(cors_rule_parse(pool, "https://*.example.org", &r2));
    cors_origin_layer_apply(pool, layer, CORS_OP_REMOVE, &r1);
    cors_origin_layer_apply(pool, layer, CORS_OP_REMOVE, &r2);
    pol->origins = cors_origin_chain_make(pool, layer, pol->origins);
    ck_assert_int_eq(pol->origins->count, 0);
    ck_assert_int_eq(cors_policy_active(pol), 0);

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.origin = APP;
    req.origin_count = 1;
    cors_decide(pool, pol, &req, &d);
    ck_assert_int_eq(d.cls, CORS_CLASS_NONE);
    ck_assert_int_eq(d.vary_origin, 0);
    ck_assert_ptr_null(d.allow_origin);
    ck_assert_str_eq(cors_decision_result(&d), "none");
}
END_TEST

/* ---------------------------------------------------------------------
 * cors_decision_result, cors_reason_text.
 */

typedef struct {
    cors_class cls;
    int granted;
    const char *expect;
} result_row;

static const result_row result_rows[] = {
    { CORS_CLASS_NONE, 0, "none" },
    { CORS_CLASS_ACTUAL, 1, "allowed" },
    { CORS_CLASS_ACTUAL, 0, "denied" },
    { CORS_CLASS_PREFLIGHT, 1, "preflight" },
    { CORS_CLASS_PREFLIGHT, 0, "denied" },
};

#define N_RESULT ((int)(sizeof(result_rows) / sizeof(result_rows[0])))

START_TEST(test_result)
{
    const result_row *r = &result_rows[_i];
    cors_decision d;

    memset(&d, 0, sizeof(d));
    d.cls = r->cls;
    d.granted = r->granted;
    d.reason = r->granted || r->cls == CORS_CLASS_NONE ? CORS_REASON_NONE
               : CORS_REASON_ORIGIN_NOT_ALLOWED;
    ck_assert_str_eq(cors_decision_result(&d), r->expect);
}
END_TEST

START_TEST(test_reason_text)
{
    int r;

    for (r = CORS_REASON_NONE; r <= CORS_REASON_HEADER_NOT_ALLOWED; r++) {
        const char *t = cors_reason_text((cors_reason)r);
        ck_assert_msg(t != NULL, "no text for reason %d", r);
        if (r != CORS_REASON_NONE) {
            ck_assert_msg(*t != '\0', "empty text for reason %d", r);
        }
    }
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("cors_policy");
    TCase *tc;

    tc = tcase_create("decide");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_decide, 0, N_DECIDE);
    suite_add_tcase(s, tc);

    tc = tcase_create("policy");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_active, 0, N_ACTIVE);
    tcase_add_test(tc, test_active_after_removal);
    tcase_add_loop_test(tc, test_result, 0, N_RESULT);
    tcase_add_test(tc, test_reason_text);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return unit_run(policy_suite());
}
