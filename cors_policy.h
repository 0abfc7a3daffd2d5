/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_policy.h: the CORS decision. Classify the request (not CORS, actual,
 * preflight), decide whether it is granted, and say which response headers
 * carry the answer. Nothing here writes a header or knows about httpd; the
 * caller turns a cors_decision into response headers.
 *
 * Pure logic on APR; never includes httpd.h.
 */

#ifndef CORS_POLICY_H
#define CORS_POLICY_H

#include <apr_pools.h>

#include "cors_origin_rules.h"
#include "cors_tokens.h"

/* The policy in effect for a request, after merging. */
typedef struct {
    const cors_origin_chain *origins;   /* NULL or empty: no policy */
    const cors_token_list *methods;     /* never NULL once merged */
    const cors_token_list *allow_headers;
    const cors_token_list *expose_headers;
    int credentials;
    int max_age;                        /* -1: omit the header */
    const char *max_age_text;           /* the same, preformatted */
    int private_network;
} cors_policy;

/* What the request carries; NULL for an absent header. */
typedef struct {
    const char *method;
    const char *origin;
    const char *request_method;         /* Access-Control-Request-Method */
    const char *request_headers;        /* Access-Control-Request-Headers */
    const char *request_private_network;
    int origin_count;                   /* Origin header lines; >1 is refused */
} cors_request;

typedef enum {
    CORS_CLASS_NONE,        /* no policy, or no Origin: not a CORS request */
    CORS_CLASS_ACTUAL,
    CORS_CLASS_PREFLIGHT
} cors_class;

/* Why a CORS request was refused (CORS_REASON_NONE when it was not). */
typedef enum {
    CORS_REASON_NONE = 0,
    CORS_REASON_ORIGIN_MALFORMED,
    CORS_REASON_ORIGIN_MULTIPLE,
    CORS_REASON_ORIGIN_NOT_ALLOWED,
    CORS_REASON_ANY_WITH_CREDENTIALS,   /* only '*' matched, credentials on */
    CORS_REASON_WIDE_WITH_CREDENTIALS,  /* null or a broad regex matched */
    CORS_REASON_METHOD_MALFORMED,
    CORS_REASON_METHOD_NOT_ALLOWED,
    CORS_REASON_HEADERS_MALFORMED,
    CORS_REASON_HEADERS_TOO_MANY,
    CORS_REASON_HEADERS_TOO_LONG,
    CORS_REASON_HEADER_NOT_ALLOWED
} cors_reason;

typedef struct {
    cors_class cls;
    int granted;
    cors_reason reason;
    const char *detail;             /* the refused value, for the log */
    apr_size_t detail_len;
    const cors_rule *rule;          /* the entry that granted the origin */
    int vary_origin;                /* merge "Origin" into Vary */
    int vary_request;               /* and Access-Control-Request-Method,
                                     * -Headers (preflights) */
    int expose_any_with_credentials;/* '*' exposure dropped: log it */
    /* Response headers; NULL (or 0) means "do not send". */
    const char *allow_origin;
    int allow_credentials;
    const char *expose_headers;     /* actual responses only */
    const char *allow_methods;      /* preflights only */
    const char *allow_headers;
    const char *max_age;
    int allow_private_network;
} cors_decision;

/* Non-zero when the policy has at least one origin entry in effect. */
int cors_policy_active(const cors_policy *policy);

/* Non-zero when the answer never depends on Origin ('*', no credentials). */
int cors_policy_is_public(const cors_policy *policy);

/*
 * Decide. Allocates from `p` only when a credentialed '*' answer has to
 * echo the requested header names. Linear in the request's header sizes.
 */
void cors_decide(apr_pool_t *p, const cors_policy *policy,
                 const cors_request *req, cors_decision *out);

/* "allowed", "preflight", "denied" or "none", for CORS_RESULT. */
const char *cors_decision_result(const cors_decision *d);

/* A short English phrase for a reason ("origin not allowed"). */
const char *cors_reason_text(cors_reason reason);

#endif /* CORS_POLICY_H */
