/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * fuzz_protect.c: libFuzzer target for the cross-origin protection
 * decision (cors_protect.c).
 *
 * Input: one selector byte (which origin list; bit 3: Upgrade present,
 * bit 4: Sec-Fetch-Site present, bit 5: Origin present), then the method,
 * the Upgrade value, the Sec-Fetch-Site value and the Origin value,
 * separated by '\n' (missing fields are empty). Checked, beyond "no
 * crash", against an independent reference written here:
 *
 *   - a request the reference finds to be a WebSocket handshake or to use
 *     an unsafe method is always checked;
 *   - a checked request is allowed exactly when Sec-Fetch-Site is
 *     "same-origin" or "none", or its one Origin is byte-equal to a listed
 *     origin ("*" never counts, "null" only when listed), or, with no
 *     Sec-Fetch-Site, there is no Origin or it is byte-equal to the
 *     request's own origin;
 *   - the rule that decided agrees with the verdict.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_origin_rules.h"
#include "cors_protect.h"

#define CHECK(cond, ...) do {                                           \
        if (!(cond)) {                                                  \
            fprintf(stderr, "fuzz_protect: property failed: %s\n  ",    \
                    #cond);                                             \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
            abort();                                                    \
        }                                                               \
    } while (0)

#define OWN "https://api.example.com:8443"

static apr_pool_t *global_pool;
static apr_pool_t *input_pool;      /* cleared after every input */

/* The origin lists: none, exact origins and null, '*' alone. */
static const char *const list_defs[] = {
    NULL,
    "https://app.example.com null http://localhost:3000",
    "*",
};
#define N_LISTS (sizeof(list_defs) / sizeof(list_defs[0]))
static const cors_origin_chain *lists[N_LISTS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t i;

    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&global_pool, NULL);
    apr_pool_create(&input_pool, NULL);
    for (i = 0; i < N_LISTS; i++) {
        cors_origin_layer *layer;
        char *copy, *last, *w;

        if (!list_defs[i]) {
            continue;
        }
        layer = cors_origin_layer_make(global_pool);
        copy = apr_pstrdup(global_pool, list_defs[i]);
        for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last)) {
            cors_rule *rule = apr_pcalloc(global_pool, sizeof(*rule));
            if (cors_rule_parse(global_pool, w, rule) != NULL) {
                abort();
            }
            cors_origin_layer_apply(global_pool, layer, CORS_OP_SET, rule);
        }
        lists[i] = cors_origin_chain_make(global_pool, layer, NULL);
    }
    return 0;
}

/* --- independent reference ---------------------------------------------- */

static int ref_websocket(const char *upgrade)
{
    const char *s = upgrade;

    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *slash;

        while (len && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
            len--;
        }
        slash = memchr(s, '/', len);
        if (slash) {
            len = (size_t)(slash - s);
        }
        if (len == 9 && strncasecmp(s, "websocket", 9) == 0) {
            return 1;
        }
        s = end ? end + 1 : NULL;
    }
    return 0;
}

static int ref_listed(size_t list, const char *origin)
{
    char *copy, *last, *w;

    if (!list_defs[list]) {
        return 0;
    }
    copy = apr_pstrdup(input_pool, list_defs[list]);
    for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last)) {
        if (strcmp(w, "*") != 0 && strcmp(w, origin) == 0) {
            return 1;
        }
    }
    return 0;
}

static char *field(const uint8_t **data, size_t *size)
{
    const uint8_t *nl = memchr(*data, '\n', *size);
    size_t len = nl ? (size_t)(nl - *data) : *size;
    char *out = apr_pstrmemdup(input_pool, (const char *)*data, len);

    *data += nl ? len + 1 : len;
    *size -= nl ? len + 1 : len;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cors_protect_request req;
    cors_protect_result res;
    size_t list;
    int checked, ref_checked, ref_allowed, one_origin;
    unsigned sel;

    if (size < 1) {
        return 0;
    }
    sel = data[0];
    data++;
    size--;
    list = (sel & 7) % N_LISTS;
    req.method = field(&data, &size);
    req.upgrade = field(&data, &size);
    req.fetch_site = field(&data, &size);
    req.origin = field(&data, &size);
    /* NUL bytes end the C strings the glue hands over, as in httpd */
    if (!(sel & 8)) {
        req.upgrade = NULL;
    }
    if (!(sel & 16)) {
        req.fetch_site = NULL;
    }
    if (!(sel & 32)) {
        req.origin = NULL;
    }
    req.origin_count = !req.origin ? 0 : strchr(req.origin, ',') ? 2 : 1;
    req.scheme = "https";
    req.host = "api.example.com";
    req.port = 8443;

    checked = cors_protect_is_checked(req.method, req.upgrade);
    ref_checked = (strcmp(req.method, "GET") != 0 && strcmp(req.method, "HEAD") != 0
                   && strcmp(req.method, "OPTIONS") != 0)
                  || (req.upgrade && ref_websocket(req.upgrade));
    CHECK(!ref_checked || checked, "method '%s' upgrade '%s' not checked", req.method,
          req.upgrade ? req.upgrade : "(none)");

    cors_protect_decide(&req, lists[list], &res);
    one_origin = req.origin && req.origin_count == 1;
    ref_allowed = !checked
                  || (req.fetch_site && (strcmp(req.fetch_site, "same-origin") == 0
                                         || strcmp(req.fetch_site, "none") == 0))
                  || (one_origin && ref_listed(list, req.origin))
                  || (!req.fetch_site && (!req.origin
                                          || (one_origin && strcmp(req.origin, OWN) == 0)));
    CHECK(res.allowed == ref_allowed, "list %zu method '%s' site '%s' origin '%s': "
          "allowed %d by '%s', reference %d", list, req.method,
          req.fetch_site ? req.fetch_site : "(none)", req.origin ? req.origin : "(none)",
          res.allowed, cors_protect_rule_text(res.rule), ref_allowed);
    CHECK((res.rule == CORS_PROTECT_NOT_CHECKED) == !checked, "rule %d, checked %d",
          res.rule, checked);
    CHECK(res.allowed == (res.rule <= CORS_PROTECT_OWN_ORIGIN), "rule %d, allowed %d",
          res.rule, res.allowed);
    CHECK((res.entry != NULL) == (res.rule == CORS_PROTECT_TRUSTED_ORIGIN), "entry/rule");
    apr_pool_clear(input_pool);
    return 0;
}
