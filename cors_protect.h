/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_protect.h: cross-origin protection (CORSCrossOriginProtection).
 * CORS decides who may read a response; this decides whether a browser
 * request that can change state (an unsafe method, or a WebSocket
 * handshake) may reach the handler at all, from Sec-Fetch-Site, Origin,
 * the origins the CORS list trusts and the request's own origin.
 *
 * Pure logic on APR; never includes httpd.h.
 */

#ifndef CORS_PROTECT_H
#define CORS_PROTECT_H

#include <apr_pools.h>

#include "cors_origin_rules.h"

/* CORSCrossOriginProtection; CORS_PROTECT_UNSET until a line sets it. */
typedef enum {
    CORS_PROTECT_UNSET = -1,
    CORS_PROTECT_OFF = 0,
    CORS_PROTECT_ON = 1,
    CORS_PROTECT_REPORT_ONLY = 2
} cors_protect_mode;

/* What the request carries; NULL for an absent header. */
typedef struct {
    const char *method;
    const char *upgrade;
    const char *fetch_site;         /* Sec-Fetch-Site, lines joined */
    const char *origin;             /* Origin, lines joined */
    int origin_count;               /* Origin header lines; >1 is refused */
    /* The request's own origin as httpd sees it. */
    const char *scheme;             /* "http", "https" */
    const char *host;               /* IPv6 in brackets */
    unsigned int port;
} cors_protect_request;

/* The rule that decided. */
typedef enum {
    CORS_PROTECT_NOT_CHECKED = 0,   /* safe method, no WebSocket */
    CORS_PROTECT_FETCH_SITE_OK,     /* rule 1: same-origin or none */
    CORS_PROTECT_TRUSTED_ORIGIN,    /* rule 2: an entry of the list */
    CORS_PROTECT_NO_ORIGIN,         /* rule 3: no Sec-Fetch-Site, no Origin */
    CORS_PROTECT_OWN_ORIGIN,        /* rule 3: no Sec-Fetch-Site, own Origin */
    /* Refusals */
    CORS_PROTECT_CROSS_FETCH_SITE,  /* Sec-Fetch-Site other than
                                     * same-origin/none, Origin not trusted */
    CORS_PROTECT_FOREIGN_ORIGIN,    /* no Sec-Fetch-Site; a well-formed
                                     * Origin neither own nor trusted */
    CORS_PROTECT_BAD_ORIGIN         /* no Sec-Fetch-Site; Origin empty,
                                     * malformed or given several times */
} cors_protect_rule;

typedef struct {
    int allowed;
    cors_protect_rule rule;
    const cors_rule *entry;         /* TRUSTED_ORIGIN: the entry */
} cors_protect_result;

/*
 * Whether the request is checked at all: a method other than GET, HEAD
 * and OPTIONS (case-sensitive, as methods are), or an Upgrade header
 * naming websocket. Cheap: this is all a GET without Upgrade costs.
 */
int cors_protect_is_checked(const char *method, const char *upgrade);

/*
 * Whether `len` bytes of `origin` are exactly scheme://host[:port], the
 * port left out when it is the scheme's default (80, 443). Host compares
 * case-insensitively (a canonical Origin is lower case).
 */
int cors_protect_is_own_origin(const char *origin, apr_size_t len,
                               const char *scheme, const char *host,
                               unsigned int port);

/*
 * Decide a request. `trusted` is the CORS origin list in effect (NULL:
 * none, only same-origin is trusted); its '*' entry never trusts, "null"
 * only where listed. Never allocates.
 */
void cors_protect_decide(const cors_protect_request *req,
                         const cors_origin_chain *trusted,
                         cors_protect_result *out);

/* "allowed", or which rule refused, as a short phrase for the log. */
const char *cors_protect_rule_text(cors_protect_rule rule);

/* Parse a directive value (On, Off, ReportOnly; any case). Returns
 * CORS_PROTECT_UNSET for anything else. */
cors_protect_mode cors_protect_mode_parse(const char *arg);

#endif /* CORS_PROTECT_H */
