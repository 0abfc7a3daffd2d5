/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * fuzz_request_headers.c: libFuzzer target for the preflight's
 * Access-Control-Request-Method and Access-Control-Request-Headers.
 *
 * Input: one selector byte (which policy, whether the -Headers line is
 * present), then the Access-Control-Request-Method value, a '\n', and the
 * Access-Control-Request-Headers value (without a '\n', the whole rest is
 * the -Headers value and the method is "PUT"). Checked, beyond "no crash":
 *
 *   - cors_parse_header_list agrees with an independent RFC 9110 list
 *     splitter written here: it accepts exactly the values of at most
 *     4096 bytes whose non-empty elements (OWS trimmed) are all tokens, at
 *     most 64 of them, and returns those names, in order, pointing into
 *     the value; names are tokens, so never hold CR, LF, NUL or a comma;
 *   - cors_decide never grants a preflight whose method is not a token or
 *     not allowed, or that asks for a header outside the allowlist ('*'
 *     covers every name but Authorization); a refused preflight carries no
 *     Access-Control-* answer; every answered value holds only token
 *     characters, ", " separators and digits, never CR, LF or NUL.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_origin.h"
#include "cors_origin_rules.h"
#include "cors_policy.h"
#include "cors_tokens.h"

#define CHECK(cond, ...) do {                                           \
        if (!(cond)) {                                                  \
            fprintf(stderr, "fuzz_request_headers: property failed: %s\n  ", \
                    #cond);                                             \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
            abort();                                                    \
        }                                                               \
    } while (0)

#define ORIGIN "https://app.example.com"

static apr_pool_t *global_pool;

/* allowlist of policy i; methods; credentials */
static const struct {
    const char *headers;
    const char *methods;
    int credentials;
} policy_defs[] = {
    { "X-Token Content-Type X-Requested-With", "GET HEAD POST PUT", 0 },
    { "*", "GET HEAD POST", 0 },
    { "* Authorization", "*", 1 },
    { "*", "DELETE PATCH", 1 },
    { "", "GET HEAD POST", 0 },
    { "X-A X-B authorization", "PUT", 1 },
};
#define N_POLICIES (sizeof(policy_defs) / sizeof(policy_defs[0]))
static cors_policy policies[N_POLICIES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cors_origin_layer *layer;
    const cors_origin_chain *chain;
    cors_rule rule;
    size_t i;

    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&global_pool, NULL);
    layer = cors_origin_layer_make(global_pool);
    if (cors_rule_parse(global_pool, ORIGIN, &rule) != NULL) {
        abort();
    }
    cors_origin_layer_apply(global_pool, layer, CORS_OP_SET, &rule);
    chain = cors_origin_chain_make(global_pool, layer, NULL);
    for (i = 0; i < N_POLICIES; i++) {
        cors_policy *pol = &policies[i];
        memset(pol, 0, sizeof(*pol));
        pol->origins = chain;
        pol->methods = cors_token_list_from_words(global_pool,
                                                  policy_defs[i].methods, 0);
        pol->allow_headers = cors_token_list_from_words(global_pool,
                                                        policy_defs[i].headers, 1);
        pol->expose_headers = cors_token_list_from_words(global_pool, "", 1);
        pol->credentials = policy_defs[i].credentials;
        pol->max_age = (int)(i * 100);
        pol->max_age_text = apr_itoa(global_pool, pol->max_age);
        pol->private_network = (int)(i & 1);
    }
    return 0;
}

/* --- independent reference ---------------------------------------------- */

static int ref_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int ref_token(const char *s, size_t len)
{
    size_t i;
    if (len == 0) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (!ref_tchar((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

typedef struct { size_t off, len; } ref_name;

/* Split on ',', trim SP/HTAB, skip empty elements. Returns 1 when the
 * list is acceptable (every element a token, <= 64, <= 4096 bytes). */
static int ref_parse(const char *v, ref_name *names, int *n)
{
    size_t len = strlen(v), i = 0;

    *n = 0;
    if (len > CORS_REQUEST_HEADERS_MAX_LEN) {
        return 0;
    }
    while (i <= len) {
        size_t start = i, end;
        while (i < len && v[i] != ',') {
            i++;
        }
        end = i;
        while (start < end && (v[start] == ' ' || v[start] == '\t')) {
            start++;
        }
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t')) {
            end--;
        }
        if (end > start) {
            if (!ref_token(v + start, end - start)) {
                return 0;
            }
            if (*n == CORS_REQUEST_HEADERS_MAX_NAMES) {
                return 0;
            }
            names[*n].off = start;
            names[*n].len = end - start;
            (*n)++;
        }
        i++;                                    /* past the ',' (or end) */
    }
    return 1;
}

static int in_words(const char *words, const char *s, size_t len, int icase)
{
    const char *w = words;
    while (*w) {
        size_t wl;
        while (*w == ' ') {
            w++;
        }
        wl = strcspn(w, " ");
        if (wl == len && (icase ? strncasecmp(w, s, len) == 0
                                : memcmp(w, s, len) == 0)) {
            return 1;
        }
        w += wl;
    }
    return 0;
}

/* An answered list: tokens separated by ", " (or '*'). */
static void check_answer_list(const char *what, const char *v)
{
    const char *s = v;
    if (!v) {
        return;
    }
    CHECK(strpbrk(v, "\r\n") == NULL, "%s holds CR/LF", what);
    while (*s) {
        size_t l = strcspn(s, ",");
        CHECK(ref_token(s, l), "%s: element '%.*s' is not a token (in '%s')",
              what, (int)l, s, v);
        s += l;
        if (*s) {
            CHECK(s[1] == ' ' && s[2] != '\0', "%s: bad separator in '%s'",
                  what, v);
            s += 2;
        }
    }
}

/* ------------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cors_token_ref out[CORS_REQUEST_HEADERS_MAX_NAMES], bad;
    ref_name ref[CORS_REQUEST_HEADERS_MAX_NAMES];
    cors_list_error lerr;
    cors_request req;
    cors_decision d;
    apr_pool_t *p;
    const cors_policy *pol;
    char *buf, *method, *headers, *nl;
    int sel, n = 0, rn = 0, ref_ok, i, has_headers;
    size_t pi;

    if (size < 1) {
        return 0;
    }
    sel = data[0];
    pi = (size_t)(sel & 0x7f) % N_POLICIES;
    pol = &policies[pi];
    has_headers = !(sel & 0x80);

    /* Exact-size buffer, NUL-terminated as httpd's header values are. */
    buf = malloc(size);
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    nl = memchr(buf, '\n', size - 1);
    if (nl) {
        *nl = '\0';
        method = buf;
        headers = nl + 1;
    }
    else {
        method = "PUT";
        headers = buf;
    }

    /* 1. the list parser against the reference */
    lerr = cors_parse_header_list(headers, out, &n, &bad);
    ref_ok = ref_parse(headers, ref, &rn);
    CHECK((lerr == CORS_LIST_OK) == ref_ok, "parser says %d, reference %s "
          "for '%s'", (int)lerr, ref_ok ? "accepts" : "refuses", headers);
    if (lerr == CORS_LIST_OK) {
        CHECK(n == rn && n >= 0 && n <= CORS_REQUEST_HEADERS_MAX_NAMES,
              "%d names, reference %d", n, rn);
        for (i = 0; i < n; i++) {
            CHECK(out[i].name == headers + ref[i].off
                  && out[i].len == ref[i].len, "name %d differs", i);
            CHECK(ref_token(out[i].name, out[i].len), "name %d not a token", i);
        }
    }
    else if (lerr == CORS_LIST_BAD_TOKEN) {
        size_t hl = strlen(headers);
        CHECK(bad.name >= headers && bad.name + bad.len <= headers + hl,
              "bad element outside the value");
        CHECK(!ref_token(bad.name, bad.len), "reported bad element is a token");
    }
    else {
        CHECK(lerr == CORS_LIST_TOO_MANY || lerr == CORS_LIST_TOO_LONG,
              "unknown list error %d", (int)lerr);
    }

    /* 2. the preflight decision */
    memset(&req, 0, sizeof(req));
    req.method = "OPTIONS";
    req.origin = ORIGIN;
    req.origin_count = 1;
    req.request_method = method;
    req.request_headers = has_headers ? headers : NULL;
    req.request_private_network = (sel & 0x40) ? "true" : NULL;
    apr_pool_create(&p, global_pool);
    cors_decide(p, pol, &req, &d);
    CHECK(d.cls == CORS_CLASS_PREFLIGHT, "not a preflight");
    if (d.granted) {
        size_t ml = strlen(method);
        CHECK(ref_token(method, ml), "granted a malformed method '%s'", method);
        CHECK(strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0
              || strcmp(method, "POST") == 0
              || strcmp(policy_defs[pi].methods, "*") == 0
              || in_words(policy_defs[pi].methods, method, ml, 0),
              "granted method '%s' outside '%s'", method,
              policy_defs[pi].methods);
        if (has_headers) {
            CHECK(ref_ok, "granted a refused header list '%s'", headers);
            for (i = 0; i < rn; i++) {
                const char *h = headers + ref[i].off;
                size_t hl = ref[i].len;
                int listed = in_words(policy_defs[pi].headers, h, hl, 1);
                int star = in_words(policy_defs[pi].headers, "*", 1, 0);
                int authz = hl == 13 && strncasecmp(h, "authorization", 13) == 0;
                CHECK(listed || (star && !authz), "granted header '%.*s' "
                      "outside '%s'", (int)hl, h, policy_defs[pi].headers);
            }
        }
        CHECK(d.allow_origin && strcmp(d.allow_origin, ORIGIN) == 0,
              "granted without the origin");
        CHECK(d.allow_credentials == pol->credentials, "credentials flag");
        CHECK(d.allow_methods != NULL, "granted preflight without methods");
        check_answer_list("Access-Control-Allow-Methods", d.allow_methods);
        check_answer_list("Access-Control-Allow-Headers", d.allow_headers);
        if (pol->credentials) {
            /* '*' is read literally with credentials: only an echo of a
             * requested "*" may be answered */
            CHECK(strcmp(d.allow_methods, "*") != 0
                  || strcmp(method, "*") == 0, "'*' methods with credentials");
            CHECK(!d.allow_headers || d.allow_headers[0] != '*'
                  || (rn > 0 && headers[ref[0].off] == '*'),
                  "'*' headers with credentials");
        }
        if (d.max_age) {
            CHECK(strspn(d.max_age, "0123456789") == strlen(d.max_age),
                  "max-age '%s'", d.max_age);
        }
        CHECK(!d.allow_private_network || (sel & 0x40),
              "private network answered unasked");
        CHECK(d.expose_headers == NULL, "expose on a preflight");
    }
    else {
        CHECK(d.reason != CORS_REASON_NONE, "refused without a reason");
        CHECK(d.allow_origin == NULL && !d.allow_credentials
              && d.allow_methods == NULL && d.allow_headers == NULL
              && d.max_age == NULL && !d.allow_private_network,
              "refused preflight carries an answer");
        CHECK(cors_reason_text(d.reason) != NULL, "no reason text");
        if (d.detail && d.detail_len) {
            /* the logged detail is part of a request header value */
            CHECK((d.detail >= method && d.detail + d.detail_len
                   <= method + strlen(method) + 1)
                  || (d.detail >= headers && d.detail + d.detail_len
                      <= headers + strlen(headers) + 1)
                  || d.detail == req.origin,
                  "detail outside the request");
        }
    }
    apr_pool_destroy(p);
    free(buf);
    return 0;
}
