/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_protect.c: the cross-origin protection decision (see the .h).
 *
 * A checked request is allowed when
 *   1. Sec-Fetch-Site is same-origin or none (a browser says so, and no
 *      page can forge a Sec- header), or
 *   2. its Origin is granted by an entry of the CORS list ('*' never), or
 *   3. there is no Sec-Fetch-Site, and no Origin (not a browser) or the
 *      request's own origin (a browser that sends no Sec-Fetch-*).
 * Everything else is refused. Values are compared byte for byte, as
 * browsers send them: an odd spelling is never taken for a good one.
 */

#include <string.h>
#include <strings.h>

#include "cors_protect.h"

static int is_safe_method(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0
           || strcmp(method, "OPTIONS") == 0;
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether a comma-separated Upgrade value names websocket (any case,
 * with or without a "/version"). */
static int names_websocket(const char *upgrade)
{
    const char *s = upgrade;

    while (*s) {
        const char *end;
        apr_size_t len;

        while (is_ows(*s) || *s == ',') {
            s++;
        }
        end = s;
        while (*end && *end != ',' && *end != '/' && !is_ows(*end)) {
            end++;
        }
        len = (apr_size_t)(end - s);
        if (len == 9 && strncasecmp(s, "websocket", 9) == 0) {
            return 1;
        }
        s = end;
        while (*s && *s != ',') {
            s++;
        }
    }
    return 0;
}

int cors_protect_is_checked(const char *method, const char *upgrade)
{
    return !is_safe_method(method) || (upgrade && names_websocket(upgrade));
}

static unsigned int default_port(const char *scheme, apr_size_t len)
{
    if (len == 4 && memcmp(scheme, "http", 4) == 0) {
        return 80;
    }
    if (len == 5 && memcmp(scheme, "https", 5) == 0) {
        return 443;
    }
    return 0;
}

/* Whether `len` digits (no leading zero) spell `port`. */
static int digits_are(const char *s, apr_size_t len, unsigned int port)
{
    unsigned long v = 0;
    apr_size_t i;

    if (len == 0 || len > 5 || (s[0] == '0')) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v == port;
}

int cors_protect_is_own_origin(const char *origin, apr_size_t len,
                               const char *scheme, const char *host,
                               unsigned int port)
{
    apr_size_t slen, hlen, rest;
    const char *p = origin;

    if (!scheme || !host || !*host) {
        return 0;
    }
    slen = strlen(scheme);
    hlen = strlen(host);
    if (len < slen + 3 + hlen || memcmp(p, scheme, slen) != 0
        || memcmp(p + slen, "://", 3) != 0) {
        return 0;
    }
    p += slen + 3;
    if (strncasecmp(p, host, hlen) != 0) {
        return 0;
    }
    p += hlen;
    rest = len - (apr_size_t)(p - origin);
    if (rest == 0) {
        return port == default_port(scheme, slen);
    }
    /* An explicit default port is not canonical: browsers never send it. */
    return p[0] == ':' && port != default_port(scheme, slen)
           && digits_are(p + 1, rest - 1, port);
}

static int is_allowed_fetch_site(const char *v)
{
    return strcmp(v, "same-origin") == 0 || strcmp(v, "none") == 0;
}

static const cors_rule *trusting_entry(const cors_origin_chain *trusted,
                                       const char *origin, apr_size_t len,
                                       int origin_count)
{
    const cors_rule *rule = NULL;

    if (!trusted || origin_count != 1 || len == 0) {
        return NULL;
    }
    /* cors_origin_match never considers '*'; "null" only where listed. */
    if (cors_origin_match(trusted, origin, len, &rule) != CORS_MATCH_ENTRY) {
        return NULL;
    }
    return rule;
}

static void decide(cors_protect_result *out, int allowed,
                   cors_protect_rule rule)
{
    out->allowed = allowed;
    out->rule = rule;
}

/* Rule 3, and the refusals without Sec-Fetch-Site. */
static void decide_without_fetch_site(const cors_protect_request *req,
                                      apr_size_t len,
                                      cors_protect_result *out)
{
    /* "null" (an opaque origin) is well-formed but never the own one. */
    int opaque = req->origin_count == 1 && len == 4
                 && memcmp(req->origin, "null", 4) == 0;
    cors_origin o;

    if (!req->origin) {
        decide(out, 1, CORS_PROTECT_NO_ORIGIN);
    }
    else if (!opaque
             && (req->origin_count != 1
                 || cors_origin_parse(req->origin, len, &o)
                    != CORS_ORIGIN_OK)) {
        decide(out, 0, CORS_PROTECT_BAD_ORIGIN);
    }
    else if (!opaque
             && cors_protect_is_own_origin(req->origin, len, req->scheme,
                                           req->host, req->port)) {
        decide(out, 1, CORS_PROTECT_OWN_ORIGIN);
    }
    else {
        decide(out, 0, CORS_PROTECT_FOREIGN_ORIGIN);
    }
}

void cors_protect_decide(const cors_protect_request *req,
                         const cors_origin_chain *trusted,
                         cors_protect_result *out)
{
    apr_size_t len = req->origin ? strlen(req->origin) : 0;

    out->entry = NULL;
    if (!cors_protect_is_checked(req->method, req->upgrade)) {
        decide(out, 1, CORS_PROTECT_NOT_CHECKED);
        return;
    }
    if (req->fetch_site && is_allowed_fetch_site(req->fetch_site)) {
        decide(out, 1, CORS_PROTECT_FETCH_SITE_OK);
        return;
    }
    if (req->origin
        && (out->entry = trusting_entry(trusted, req->origin, len,
                                        req->origin_count)) != NULL) {
        decide(out, 1, CORS_PROTECT_TRUSTED_ORIGIN);
        return;
    }
    if (req->fetch_site) {
        decide(out, 0, CORS_PROTECT_CROSS_FETCH_SITE);
        return;
    }
    decide_without_fetch_site(req, len, out);
}

const char *cors_protect_rule_text(cors_protect_rule rule)
{
    switch (rule) {
    case CORS_PROTECT_NOT_CHECKED:
        return "not checked (safe method)";
    case CORS_PROTECT_FETCH_SITE_OK:
        return "Sec-Fetch-Site is same-origin or none";
    case CORS_PROTECT_TRUSTED_ORIGIN:
        return "Origin is trusted by the CORS origin list";
    case CORS_PROTECT_NO_ORIGIN:
        return "no Sec-Fetch-Site and no Origin";
    case CORS_PROTECT_OWN_ORIGIN:
        return "no Sec-Fetch-Site and Origin is the request's own";
    case CORS_PROTECT_CROSS_FETCH_SITE:
        return "Sec-Fetch-Site is not same-origin or none, and Origin is "
               "not trusted";
    case CORS_PROTECT_FOREIGN_ORIGIN:
        return "no Sec-Fetch-Site, and Origin is neither the request's own "
               "nor trusted";
    case CORS_PROTECT_BAD_ORIGIN:
        return "no Sec-Fetch-Site, and Origin is empty, malformed or "
               "repeated";
    }
    return "unknown";
}

cors_protect_mode cors_protect_mode_parse(const char *arg)
{
    if (strcasecmp(arg, "On") == 0) {
        return CORS_PROTECT_ON;
    }
    if (strcasecmp(arg, "Off") == 0) {
        return CORS_PROTECT_OFF;
    }
    if (strcasecmp(arg, "ReportOnly") == 0) {
        return CORS_PROTECT_REPORT_ONLY;
    }
    return CORS_PROTECT_UNSET;
}
