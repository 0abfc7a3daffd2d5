/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * fuzz_origin.c: libFuzzer target for request Origin values.
 *
 * The input is one Origin header value. It is parsed with
 * cors_origin_parse, matched against fixed rule sets (exact origins, a
 * "*." wildcard, a wildcard with any port, a host with any port, "null", a
 * regular expression, "+"/"-" edits over an inherited list, and '*' with
 * credentials), and run through cors_decide as an actual request. Besides
 * "no crash" (ASan, UBSan), every outcome is checked against an
 * independent re-implementation of what each configured entry allows:
 *
 *   - an accepted origin holds only characters a canonical origin can
 *     hold (never CR, LF, NUL, space or comma) and is at most 512 bytes;
 *   - a granted origin is byte-equal to a configured exact origin, or is
 *     matched by a configured pattern, checked here by hand-written code;
 *   - a canonical origin that one of those checks accepts is granted;
 *   - Access-Control-Allow-Origin is the request's own value (or '*' in
 *     public mode), never '*' with credentials.
 *
 * Regular expressions are POSIX (regex.h) here: the pure core only sees a
 * callback, which is what mod_cors.c gives it for ap_regex.
 */

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "cors_origin.h"
#include "cors_origin_rules.h"
#include "cors_policy.h"
#include "cors_tokens.h"

#define CHECK(cond, ...) do {                                           \
        if (!(cond)) {                                                  \
            fprintf(stderr, "fuzz_origin: property failed: %s\n  ", #cond); \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
            abort();                                                    \
        }                                                               \
    } while (0)

static apr_pool_t *global_pool;
static regex_t origin_re;

/* The fixed rule sets. */
static const char *const exact_origins[] = {
    "https://app.example.com",
    "http://localhost:8080",
    "https://[2001:db8::1]:8443",
    "https://192.0.2.10",
    "https://api.example.com:8443",
};
#define N_EXACT (sizeof(exact_origins) / sizeof(exact_origins[0]))

static const cors_origin_chain *chain_main;   /* everything above */
static const cors_origin_chain *chain_edit;   /* main, -app, +other */
static const cors_origin_chain *chain_creds;  /* '*' and one exact */
static cors_policy policy_main, policy_edit, policy_creds, policy_public;

static int posix_match(const void *compiled, const char *subject)
{
    return regexec((const regex_t *)compiled, subject, 0, NULL, 0) == 0;
}

static void add(apr_pool_t *p, cors_origin_layer *layer, cors_list_op op,
                const char *arg)
{
    cors_rule rule;
    const char *err = cors_rule_parse(p, arg, &rule);

    if (err) {
        fprintf(stderr, "fuzz_origin: fixed rule '%s' refused: %s\n", arg, err);
        abort();
    }
    cors_origin_layer_apply(p, layer, op, &rule);
}

static void make_policy(apr_pool_t *p, cors_policy *pol,
                        const cors_origin_chain *chain, int credentials)
{
    memset(pol, 0, sizeof(*pol));
    pol->origins = chain;
    pol->methods = cors_token_list_from_words(p, "GET HEAD POST", 0);
    pol->allow_headers = cors_token_list_from_words(p, "X-Token", 1);
    pol->expose_headers = cors_token_list_from_words(p, "X-Total", 1);
    pol->credentials = credentials;
    pol->max_age = -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cors_origin_layer *base, *edit, *creds, *pub;
    cors_rule rule;
    size_t i;

    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&global_pool, NULL);

    if (regcomp(&origin_re, "^(https://[a-z0-9-]+\\.example\\.io)$",
                REG_EXTENDED | REG_NOSUB) != 0) {
        abort();
    }

    base = cors_origin_layer_make(global_pool);
    for (i = 0; i < N_EXACT; i++) {
        add(global_pool, base, CORS_OP_SET, exact_origins[i]);
    }
    add(global_pool, base, CORS_OP_SET, "https://*.example.org");
    add(global_pool, base, CORS_OP_SET, "https://*.corp.example.net:*");
    add(global_pool, base, CORS_OP_SET, "http://localhost:*");
    add(global_pool, base, CORS_OP_SET, "null");
    cors_rule_regex(global_pool, &rule, "https://[a-z0-9-]+\\.example\\.io",
                    &origin_re, posix_match);
    cors_origin_layer_apply(global_pool, base, CORS_OP_SET, &rule);
    chain_main = cors_origin_chain_make(global_pool, base, NULL);

    /* A child section: -https://app.example.com +https://other.example.com */
    edit = cors_origin_layer_make(global_pool);
    add(global_pool, edit, CORS_OP_REMOVE, "https://app.example.com");
    add(global_pool, edit, CORS_OP_REMOVE, "null");
    add(global_pool, edit, CORS_OP_ADD, "https://other.example.com");
    chain_edit = cors_origin_chain_make(global_pool, edit, chain_main);

    /* '*' and one exact origin, credentials on: '*' is never granted. */
    creds = cors_origin_layer_make(global_pool);
    add(global_pool, creds, CORS_OP_SET, "*");
    add(global_pool, creds, CORS_OP_SET, "https://app.example.com");
    chain_creds = cors_origin_chain_make(global_pool, creds, NULL);

    pub = cors_origin_layer_make(global_pool);
    add(global_pool, pub, CORS_OP_SET, "*");

    make_policy(global_pool, &policy_main, chain_main, 1);
    make_policy(global_pool, &policy_edit, chain_edit, 0);
    make_policy(global_pool, &policy_creds, chain_creds, 1);
    make_policy(global_pool, &policy_public,
                cors_origin_chain_make(global_pool, pub, NULL), 0);
    return 0;
}

/* --- independent checks, written without the core's code -------------- */

static int bytes_eq(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static int has_prefix(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(s, lit, n) == 0;
}

static int all_digits(const char *s, size_t len)
{
    size_t i;
    if (len == 0) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* "https://" + one or more labels + "." + domain, then optionally
 * ":digits" when any_port. Labels are whatever the canonical parser let
 * through; the caller only asks this of canonical origins. */
static int wildcard_ok(const char *s, size_t len, const char *scheme,
                       const char *domain, int any_port)
{
    size_t sl = strlen(scheme), dl = strlen(domain), end = len;
    const char *colon;

    if (!has_prefix(s, len, scheme)) {
        return 0;
    }
    /* the port, if any, is after the last ':' (hosts here are names) */
    colon = memchr(s + sl, ':', len - sl);
    if (colon) {
        if (!any_port || !all_digits(colon + 1, len - (size_t)(colon + 1 - s))) {
            return 0;
        }
        end = (size_t)(colon - s);
    }
    /* at least one character of labels, then ".", then the domain */
    if (end < sl + 1 + 1 + dl) {
        return 0;
    }
    return s[end - dl - 1] == '.' && memcmp(s + end - dl, domain, dl) == 0;
}

static int localhost_any_port(const char *s, size_t len)
{
    return bytes_eq(s, len, "http://localhost")
           || (has_prefix(s, len, "http://localhost:")
               && all_digits(s + 17, len - 17));
}

/* https://[a-z0-9-]+\.example\.io, by hand */
static int regex_by_hand(const char *s, size_t len)
{
    const char *suffix = ".example.io";
    size_t sl = strlen(suffix), i;

    if (!has_prefix(s, len, "https://") || len < 8 + 1 + sl
        || memcmp(s + len - sl, suffix, sl) != 0) {
        return 0;
    }
    for (i = 8; i < len - sl; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return 0;
        }
    }
    return 1;
}

static int exact_in(const char *s, size_t len, const char *const *list,
                    size_t n, const char *skip)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if ((!skip || strcmp(list[i], skip) != 0) && bytes_eq(s, len, list[i])) {
            return 1;
        }
    }
    return 0;
}

/* What chain_main must grant (s is canonical or "null"). */
static int main_allows(const char *s, size_t len)
{
    return exact_in(s, len, exact_origins, N_EXACT, NULL)
           || bytes_eq(s, len, "null")
           || wildcard_ok(s, len, "https://", "example.org", 0)
           || wildcard_ok(s, len, "https://", "corp.example.net", 1)
           || localhost_any_port(s, len)
           || regex_by_hand(s, len);
}

/* chain_edit: without the exact app.example.com and null, with other. */
static int edit_allows(const char *s, size_t len)
{
    return exact_in(s, len, exact_origins, N_EXACT, "https://app.example.com")
           || bytes_eq(s, len, "https://other.example.com")
           || wildcard_ok(s, len, "https://", "example.org", 0)
           || wildcard_ok(s, len, "https://", "corp.example.net", 1)
           || localhost_any_port(s, len)
           || regex_by_hand(s, len);
}

static int canonical_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
           || (c != 0 && strchr("+-._:/[]", c) != NULL);
}

static void no_crlf(const char *what, const char *v)
{
    if (v) {
        CHECK(strpbrk(v, "\r\n") == NULL, "%s contains CR/LF", what);
    }
}

/* --------------------------------------------------------------------- */

static void check_match(const char *name, const cors_origin_chain *chain,
                        const char *s, size_t len, int parsed_ok,
                        int (*allows)(const char *, size_t))
{
    const cors_rule *rule = NULL;
    cors_match_result m = cors_origin_match(chain, s, len, &rule);
    int is_null = bytes_eq(s, len, "null");

    if (!parsed_ok && !is_null) {
        CHECK(m == CORS_MATCH_MALFORMED, "%s: non-canonical input matched %d",
              name, (int)m);
        return;
    }
    CHECK(m != CORS_MATCH_MALFORMED, "%s: canonical input called malformed",
          name);
    if (m == CORS_MATCH_ENTRY) {
        CHECK(rule != NULL, "%s: ENTRY without a rule", name);
        CHECK(allows(s, len), "%s: granted '%.*s' by rule '%s' (kind %d), "
              "which no configured entry allows", name, (int)len, s,
              rule->text, (int)rule->kind);
        if (rule->kind == CORS_RULE_EXACT || rule->kind == CORS_RULE_NULL) {
            CHECK(bytes_eq(s, len, rule->text), "%s: exact rule '%s' granted "
                  "a different origin", name, rule->text);
        }
        if (rule->kind == CORS_RULE_REGEX) {
            char buf[CORS_ORIGIN_MAX_LEN + 1];
            memcpy(buf, s, len);
            buf[len] = '\0';
            CHECK(regexec(&origin_re, buf, 0, NULL, 0) == 0,
                  "%s: regex rule granted a non-matching origin", name);
        }
    }
    else {
        CHECK(rule == NULL, "%s: NONE with a rule", name);
        CHECK(!allows(s, len), "%s: '%.*s' is allowed by the configuration "
              "but not granted", name, (int)len, s);
    }
}

static void check_decide(apr_pool_t *p, const char *name,
                         const cors_policy *pol, const char *origin,
                         size_t len, int count, int granted_expected)
{
    cors_request req;
    cors_decision d;

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.origin = origin;
    req.origin_count = count;
    cors_decide(p, pol, &req, &d);
    no_crlf("allow_origin", d.allow_origin);
    no_crlf("expose_headers", d.expose_headers);
    CHECK(d.cls == CORS_CLASS_ACTUAL, "%s: GET with Origin not actual", name);
    CHECK(d.allow_methods == NULL && d.allow_headers == NULL
          && d.max_age == NULL, "%s: preflight headers on an actual request",
          name);
    if (cors_policy_is_public(pol)) {
        CHECK(d.allow_origin && strcmp(d.allow_origin, "*") == 0,
              "%s: public policy without '*'", name);
        CHECK(!d.allow_credentials, "%s: '*' with credentials", name);
        return;
    }
    if (granted_expected >= 0) {
        CHECK(d.granted == granted_expected, "%s: granted=%d, expected %d "
              "for '%.*s'", name, d.granted, granted_expected, (int)len, origin);
    }
    if (d.granted) {
        CHECK(d.allow_origin != NULL, "%s: granted without ACAO", name);
        CHECK(strcmp(d.allow_origin, "*") != 0 || !pol->credentials,
              "%s: '*' granted with credentials", name);
        CHECK(d.allow_origin == origin || strcmp(d.allow_origin, origin) == 0,
              "%s: ACAO '%s' is not the request origin", name, d.allow_origin);
        CHECK(count <= 1, "%s: several Origin headers granted", name);
    }
    else {
        CHECK(d.allow_origin == NULL && !d.allow_credentials
              && d.expose_headers == NULL, "%s: refused but headers set", name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    cors_origin o;
    cors_origin_error err;
    char *s, *z;
    size_t i, zlen;
    int ok, main_ok, edit_ok;

    /* An exact-size copy: ASan sees any read past the end. */
    s = malloc(size ? size : 1);
    memcpy(s, data, size);

    err = cors_origin_parse(s, size, &o);
    ok = err == CORS_ORIGIN_OK;
    CHECK(cors_origin_error_text(err) != NULL, "no text for error %d", (int)err);
    if (ok) {
        CHECK(size <= CORS_ORIGIN_MAX_LEN, "accepted %zu bytes", size);
        for (i = 0; i < size; i++) {
            CHECK(canonical_char((unsigned char)s[i]),
                  "accepted origin holds byte 0x%02x at %zu",
                  (unsigned char)s[i], i);
        }
        CHECK(o.scheme == s && o.scheme_len > 0
              && o.scheme_len + 3 <= size
              && memcmp(s + o.scheme_len, "://", 3) == 0, "bad scheme view");
        CHECK(o.host == s + o.scheme_len + 3 && o.host_len > 0
              && o.host + o.host_len <= s + size, "bad host view");
        if (o.port) {
            CHECK(o.port == o.host + o.host_len + 1
                  && o.port + o.port_len == s + size
                  && all_digits(o.port, o.port_len)
                  && !(o.port_len > 1 && o.port[0] == '0'), "bad port view");
        }
        else {
            CHECK(o.host + o.host_len == s + size, "trailing bytes after host");
        }
        CHECK(o.host_kind != CORS_HOST_IPV6
              || (o.host[0] == '[' && o.host[o.host_len - 1] == ']'),
              "IPv6 host without brackets");
    }

    check_match("main", chain_main, s, size, ok, main_allows);
    check_match("edit", chain_edit, s, size, ok, edit_allows);

    /* cors_decide reads a C string: stop at the first NUL, as httpd does. */
    z = malloc(size + 1);
    memcpy(z, data, size);
    z[size] = '\0';
    zlen = strlen(z);
    {
        cors_origin oz;
        int zok = cors_origin_parse(z, zlen, &oz) == CORS_ORIGIN_OK;
        int znull = bytes_eq(z, zlen, "null");
        /* null is listed, but never granted with credentials. */
        main_ok = zok && !znull && main_allows(z, zlen);
        edit_ok = zok && edit_allows(z, zlen);
        apr_pool_create(&p, global_pool);
        check_decide(p, "main", &policy_main, z, zlen, 1, main_ok);
        check_decide(p, "main/2 origins", &policy_main, z, zlen, 2, 0);
        check_decide(p, "edit", &policy_edit, z, zlen, 1, edit_ok);
        check_decide(p, "creds", &policy_creds, z, zlen, 1,
                     zok && bytes_eq(z, zlen, "https://app.example.com"));
        check_decide(p, "public", &policy_public, z, zlen, 1, -1);
        apr_pool_destroy(p);
    }
    free(z);
    free(s);
    return 0;
}
