/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * test_origin_rules.c: unit tests for cors_origin_rules.h: parsing each
 * kind of CORSAllowOrigin entry and its errors, matching Origin values
 * against a list, and the layering (inherit, replace, edit) of lists.
 */

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <apr_general.h>
#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_origin_rules.h"
#include "unit_support.h"


/* ---------------------------------------------------------------------
 * Helpers.
 */

/* A real matcher: POSIX ERE anchored around the whole subject. */
static int posix_match(const void *compiled, const char *subject)
{
    return regexec((const regex_t *)compiled, subject, 0, NULL, 0) == 0;
}

static apr_status_t regex_cleanup(void *data)
{
    regfree((regex_t *)data);
    return APR_SUCCESS;
}

static cors_rule *regex_rule(apr_pool_t *p, const char *pattern)
{
    cors_rule *rule = apr_pcalloc(p, sizeof(*rule));
    regex_t *re = apr_pcalloc(p, sizeof(*re));
    const char *anchored = apr_pstrcat(p, "^(", pattern, ")$", NULL);

    ck_assert_msg(regcomp(re, anchored, REG_EXTENDED | REG_NOSUB) == 0,
                  "regcomp failed for '%s'", anchored);
    apr_pool_cleanup_register(p, re, regex_cleanup, apr_pool_cleanup_null);
    cors_rule_regex(p, rule, pattern, re, posix_match);
    return rule;
}

static cors_rule *rule_of(apr_pool_t *p, const char *arg)
{
    cors_rule *rule = apr_pcalloc(p, sizeof(*rule));
    const char *err = cors_rule_parse(p, arg, rule);

    ck_assert_msg(err == NULL, "'%s' refused: %s", arg, err);
    return rule;
}

/*
 * Apply a directive line to a layer: each word is "+x", "-x", "none",
 * "~regex" (a CORSAllowOriginMatch value, unprefixed), "+~regex" or
 * "-~regex", or an unprefixed origin entry.
 */
static void apply_word(apr_pool_t *p, cors_origin_layer *layer,
                       const char *w)
{
    cors_list_op op = CORS_OP_SET;

    if (*w == '+') {
        op = CORS_OP_ADD;
        w++;
    }
    else if (*w == '-') {
        op = CORS_OP_REMOVE;
        w++;
    }
    if (op == CORS_OP_REMOVE) {
        /* "-x" and "-~x" both remove by the text x, of any kind. */
        cors_rule *rule = apr_pcalloc(p, sizeof(*rule));
        rule->text = rule->id = *w == '~' ? w + 1 : w;
        cors_origin_layer_apply(p, layer, op, rule);
    }
    else if (op == CORS_OP_SET && strcmp(w, "none") == 0) {
        cors_origin_layer_apply(p, layer, CORS_OP_SET, NULL);
    }
    else if (*w == '~') {
        cors_origin_layer_apply(p, layer, op, regex_rule(p, w + 1));
    }
    else {
        cors_origin_layer_apply(p, layer, op, rule_of(p, w));
    }
}

/* A layer from a space-separated list of words (see apply_word). */
static cors_origin_layer *layer_of(apr_pool_t *p, const char *words)
{
    cors_origin_layer *layer = cors_origin_layer_make(p);
    char *copy = apr_pstrdup(p, words);
    char *last;
    char *w;

    for (w = apr_strtok(copy, " ", &last); w != NULL;
         w = apr_strtok(NULL, " ", &last)) {
        apply_word(p, layer, w);
    }
    return layer;
}

/* A chain from layers given top (server) first, NULL-terminated. */
static const cors_origin_chain *chain_of(apr_pool_t *p, const char *top, ...)
{
    const cors_origin_chain *chain = NULL;
    const char *words;
    va_list ap;

    chain = cors_origin_chain_make(p, layer_of(p, top), NULL);
    va_start(ap, top);
    while ((words = va_arg(ap, const char *)) != NULL) {
        chain = cors_origin_chain_make(p, layer_of(p, words), chain);
    }
    va_end(ap);
    return chain;
}

static const char *match_name(cors_match_result m)
{
    switch (m) {
    case CORS_MATCH_NONE: return "NONE";
    case CORS_MATCH_MALFORMED: return "MALFORMED";
    case CORS_MATCH_ENTRY: return "ENTRY";
    }
    return "?";
}

/*
 * Expect `origin` to give `expect`; for ENTRY, `entry` is the text of the
 * rule that must have matched (or NULL for any).
 */
static void expect_match(const char *row, const cors_origin_chain *chain,
                         const char *origin, cors_match_result expect,
                         const char *entry)
{
    const cors_rule *rule = NULL;
    cors_match_result m = cors_origin_match(chain, origin, strlen(origin),
                                            &rule);

    ck_assert_msg(m == expect, "%s: '%s' gave %s, expected %s", row, origin,
                  match_name(m), match_name(expect));
    if (expect == CORS_MATCH_ENTRY && entry != NULL) {
        ck_assert_msg(rule != NULL && rule->text != NULL
                      && strcmp(rule->text, entry) == 0,
                      "%s: '%s' matched '%s', expected '%s'", row, origin,
                      rule && rule->text ? rule->text : "(null)", entry);
    }
}

/* ---------------------------------------------------------------------
 * cors_rule_parse: accepted entries.
 */

typedef struct {
    const char *arg;
    cors_rule_kind kind;
    int any_port;
} rule_ok_row;

static const rule_ok_row rule_ok_rows[] = {
    { "https://app.example.com", CORS_RULE_EXACT, 0 },
    { "http://example.com:8080", CORS_RULE_EXACT, 0 },
    { "http://example.com:443", CORS_RULE_EXACT, 0 },
    { "http://127.0.0.1:3000", CORS_RULE_EXACT, 0 },
    { "https://[2001:db8::1]", CORS_RULE_EXACT, 0 },
    { "chrome-extension://abcdefghijklmnop", CORS_RULE_EXACT, 0 },
    { "https://*.example.com", CORS_RULE_SUBDOMAIN, 0 },
    { "https://*.example.com:8443", CORS_RULE_SUBDOMAIN, 0 },
    { "https://*.example.co.uk", CORS_RULE_SUBDOMAIN, 0 },
    { "https://*.foo.github.io", CORS_RULE_SUBDOMAIN, 0 },
    { "https://*.a.b.example.com", CORS_RULE_SUBDOMAIN, 0 },
    { "https://*.example.com:*", CORS_RULE_SUBDOMAIN, 1 },
    { "http://localhost:*", CORS_RULE_ANY_PORT, 0 },
    { "http://127.0.0.1:*", CORS_RULE_ANY_PORT, 0 },
    { "http://[::1]:*", CORS_RULE_ANY_PORT, 0 },
    { "https://app.example.com:*", CORS_RULE_ANY_PORT, 0 },
    { "*", CORS_RULE_ANY, 0 },
    { "null", CORS_RULE_NULL, 0 },
};

#define N_RULE_OK ((int)(sizeof(rule_ok_rows) / sizeof(rule_ok_rows[0])))

START_TEST(test_rule_parse_ok)
{
    const rule_ok_row *r = &rule_ok_rows[_i];
    cors_rule rule;
    const char *err;

    memset(&rule, 0, sizeof(rule));
    err = cors_rule_parse(pool, r->arg, &rule);
    ck_assert_msg(err == NULL, "'%s' refused: %s", r->arg, err);
    ck_assert_msg(rule.text != NULL && strcmp(rule.text, r->arg) == 0,
                  "'%s': text is '%s'", r->arg,
                  rule.text ? rule.text : "(null)");
    if (r->any_port) {
        /* the header allows either spelling of "subdomain on any port" */
        ck_assert_msg((rule.kind == CORS_RULE_SUBDOMAIN && rule.any_port)
                      || rule.kind == CORS_RULE_ANY_PORT,
                      "'%s': kind %d any_port %d", r->arg, (int)rule.kind,
                      rule.any_port);
    }
    else {
        ck_assert_msg(rule.kind == r->kind, "'%s': kind %d, expected %d",
                      r->arg, (int)rule.kind, (int)r->kind);
        if (rule.kind == CORS_RULE_SUBDOMAIN) {
            ck_assert_msg(!rule.any_port, "'%s': any_port set", r->arg);
        }
    }
}
END_TEST

START_TEST(test_rule_regex)
{
    cors_rule *rule = regex_rule(pool, "https://[a-z]+\\.example\\.org");

    ck_assert_int_eq(rule->kind, CORS_RULE_REGEX);
    ck_assert_str_eq(rule->text, "https://[a-z]+\\.example\\.org");
    ck_assert_str_eq(rule->id, "~https://[a-z]+\\.example\\.org");
    ck_assert_ptr_nonnull(rule->regex);
    ck_assert_ptr_nonnull((const void *)rule->regex_match);
}
END_TEST

/* ---------------------------------------------------------------------
 * cors_rule_parse: refused entries. The message names the value and, for
 * a fixable spelling, the canonical one.
 */

typedef struct {
    const char *arg;
    const char *suggest;    /* NULL: no suggestion required */
    const char *also;       /* another phrase the message must hold */
} rule_err_row;

static const rule_err_row rule_err_rows[] = {
    /* public suffix wildcards */
    { "https://*.com", NULL, NULL },
    { "https://*.co.uk", NULL, NULL },
    { "https://*.github.io", NULL, NULL },
    { "http://*.uk", NULL, NULL },
    { "https://*.com:*", NULL, NULL },
    { "https://*.com:8443", NULL, NULL },
    /* wildcard on an IP address */
    { "http://*.127.0.0.1", NULL, NULL },
    { "http://*.0.0.1", NULL, NULL },
    { "http://*.[::1]", NULL, NULL },
    /* wildcard not a whole leftmost label */
    { "https://a.*.example.com", NULL, NULL },
    { "https://*example.com", NULL, NULL },
    { "https://ex*.example.com", NULL, NULL },
    { "https://*-app.example.com", NULL, NULL },
    { "https://example.*", NULL, NULL },
    { "https://example.com.*", NULL, NULL },
    { "https://*", NULL, NULL },
    { "https://*.", NULL, NULL },
    { "https://**.example.com", NULL, NULL },
    { "*.example.com", NULL, NULL },
    { "*://example.com", NULL, NULL },
    { "https://*.example.com/", NULL, NULL },
    { "https://*.example.com:0", NULL, NULL },
    /* non-canonical, fixable */
    { "HTTPS://Example.com/", "https://example.com", NULL },
    { "HTTPS://Example.COM:443/path", "https://example.com", NULL },
    { "https://example.com/", "https://example.com", NULL },
    { "https://example.com:443", "https://example.com", NULL },
    { "http://example.com:80", "http://example.com", NULL },
    { "http://localhost:80", "http://localhost", NULL },
    { "https://App.Example.com", "https://app.example.com", NULL },
    { "http://Example.com:8080/", "http://example.com:8080", NULL },
    { "https://[2001:DB8::1]", "https://[2001:db8::1]", NULL },
    { "https://[2001:db8:0:0:0:0:0:1]", "https://[2001:db8::1]", NULL },
    /* non-canonical wildcard forms: suggest the canonical pattern */
    { "https://*.Example.com", "https://*.example.com", NULL },
    { "https://*.example.com/", "https://*.example.com", NULL },
    { "https://*.example.com:443", "https://*.example.com", NULL },
    { "http://LOCALHOST:*", "http://localhost:*", NULL },
    { "http://localhost:*/", NULL, NULL },
    /* non-canonical, other */
    { "example.com", NULL, NULL },
    { "https://user@example.com", NULL, NULL },
    { "https://b\xc3\xbc" "cher.example", NULL, NULL },
    { "https://example..com", NULL, NULL },
    { "https://example.com:0", NULL, NULL },
    { "https://example.com:65536", NULL, NULL },
    { "http://127.1", NULL, NULL },
    { "http://[::1", NULL, NULL },
    { "", NULL, NULL },
    { "NULL", NULL, NULL },
    { "**", NULL, NULL },
    { "http://localhost:**", NULL, NULL },
    /* a port and ':*' can never match: say which form to write */
    { "http://localhost:8080:*", "http://localhost:8080",
      "'http://localhost:*'" },
    { "https://*.example.com:8443:*", "https://*.example.com:8443",
      "'https://*.example.com:*'" },
};

#define N_RULE_ERR ((int)(sizeof(rule_err_rows) / sizeof(rule_err_rows[0])))

START_TEST(test_rule_parse_err)
{
    const rule_err_row *r = &rule_err_rows[_i];
    cors_rule rule;
    const char *err;

    memset(&rule, 0, sizeof(rule));
    err = cors_rule_parse(pool, r->arg, &rule);
    ck_assert_msg(err != NULL, "'%s' accepted (kind %d)", r->arg,
                  (int)rule.kind);
    if (*r->arg != '\0') {
        ck_assert_msg(strstr(err, r->arg) != NULL,
                      "'%s': message does not name the value: %s", r->arg,
                      err);
    }
    if (r->suggest != NULL) {
        const char *quoted = apr_psprintf(pool, "'%s'", r->suggest);
        ck_assert_msg(strstr(err, quoted) != NULL,
                      "'%s': message does not suggest %s: %s", r->arg,
                      quoted, err);
    }
    if (r->also != NULL) {
        ck_assert_msg(strstr(err, r->also) != NULL,
                      "'%s': message lacks '%s': %s", r->arg, r->also, err);
    }
}
END_TEST

/* ---------------------------------------------------------------------
 * Matching, one list per table; rows are (origin, result, entry).
 */

typedef struct {
    const char *origin;
    cors_match_result expect;
    const char *entry;
} match_row;

typedef struct {
    const char *name;
    const char *words;      /* the list, see layer_of */
    const match_row *rows;
} match_table;

#define NONE_    CORS_MATCH_NONE
#define BAD_     CORS_MATCH_MALFORMED
#define HIT_     CORS_MATCH_ENTRY

static const match_row exact_rows[] = {
    { "https://example.com", HIT_, "https://example.com" },
    { "https://Example.com", BAD_, NULL },
    { "HTTPS://example.com", BAD_, NULL },
    { "https://example.com:443", BAD_, NULL },
    { "https://example.com/", BAD_, NULL },
    { "https://example.com/x", BAD_, NULL },
    { "https://example.com.", BAD_, NULL },
    { "https://example.com@evil.com", BAD_, NULL },
    { "https://evil.com@example.com", BAD_, NULL },
    { "https://example.com, https://example.com", BAD_, NULL },
    { "https://example.com https://example.com", BAD_, NULL },
    { "", BAD_, NULL },
    { "Null", BAD_, NULL },
    { "https://example.com.evil.com", NONE_, NULL },
    { "https://evilexample.com", NONE_, NULL },
    { "https://example.co", NONE_, NULL },
    { "https://example.comm", NONE_, NULL },
    { "https://xample.com", NONE_, NULL },
    { "https://sub.example.com", NONE_, NULL },
    { "http://example.com", NONE_, NULL },
    { "wss://example.com", NONE_, NULL },
    { "https://example.com:8443", NONE_, NULL },
    { "https://example.com:80", NONE_, NULL },
    { "null", NONE_, NULL },
    { "http://localhost:3000", HIT_, "http://localhost:3000" },
    { "http://localhost", NONE_, NULL },
    { "http://localhost:3001", NONE_, NULL },
    { "http://localhost:30000", NONE_, NULL },
    { "http://[::1]:8080", HIT_, "http://[::1]:8080" },
    { "http://[0:0::1]:8080", BAD_, NULL },
    { "http://[::1]", NONE_, NULL },
    { NULL, 0, NULL }
};

static const match_row subdomain_rows[] = {
    { "https://a.example.com", HIT_, "https://*.example.com" },
    { "https://a.b.example.com", HIT_, "https://*.example.com" },
    { "https://x-y.a.b.c.example.com", HIT_, "https://*.example.com" },
    { "https://example.com", NONE_, NULL },
    { "https://aexample.com", NONE_, NULL },
    { "https://a.example.com.evil.com", NONE_, NULL },
    { "https://a.notexample.com", NONE_, NULL },
    { "https://a.example.co", NONE_, NULL },
    { "https://a.example.com:8443", NONE_, NULL },
    { "http://a.example.com", NONE_, NULL },
    { "https://A.example.com", BAD_, NULL },
    { "https://.example.com", BAD_, NULL },
    { "https://a.example.com/", BAD_, NULL },
    { "https://a.example.com:443", BAD_, NULL },
    { "https://*.example.com", BAD_, NULL },
    { "https://evil.com/.example.com", BAD_, NULL },
    { "https://a.example.org:8443", HIT_, "https://*.example.org:8443" },
    { "https://a.b.example.org:8443", HIT_, "https://*.example.org:8443" },
    { "https://a.example.org", NONE_, NULL },
    { "https://a.example.org:8444", NONE_, NULL },
    { "https://example.org:8443", NONE_, NULL },
    { "https://a.example.net", HIT_, "https://*.example.net:*" },
    { "https://a.example.net:1234", HIT_, "https://*.example.net:*" },
    { "https://a.b.example.net:65535", HIT_, "https://*.example.net:*" },
    { "https://example.net", NONE_, NULL },
    { "https://example.net:1234", NONE_, NULL },
    { "http://a.example.net:1234", NONE_, NULL },
    { NULL, 0, NULL }
};

static const match_row any_port_rows[] = {
    { "http://localhost", HIT_, "http://localhost:*" },
    { "http://localhost:3000", HIT_, "http://localhost:*" },
    { "http://localhost:1", HIT_, "http://localhost:*" },
    { "http://localhost:65535", HIT_, "http://localhost:*" },
    { "http://localhost:80", BAD_, NULL },
    { "http://localhost:0", BAD_, NULL },
    { "http://localhost:", BAD_, NULL },
    { "https://localhost:3000", NONE_, NULL },
    { "http://localhost.evil.com:3000", NONE_, NULL },
    { "http://a.localhost:3000", NONE_, NULL },
    { "http://localhostx:3000", NONE_, NULL },
    { "http://127.0.0.1:8080", HIT_, "http://127.0.0.1:*" },
    { "http://127.0.0.1", HIT_, "http://127.0.0.1:*" },
    { "http://127.0.0.2:8080", NONE_, NULL },
    { "http://[::1]:5000", HIT_, "http://[::1]:*" },
    { "http://[::2]:5000", NONE_, NULL },
    { NULL, 0, NULL }
};

static const match_row null_rows[] = {
    { "null", HIT_, "null" },
    { "Null", BAD_, NULL },
    { "NULL", BAD_, NULL },
    { "null ", BAD_, NULL },
    { "nul", BAD_, NULL },
    { "https://example.com", NONE_, NULL },
    { NULL, 0, NULL }
};

/* no null entry: "null" never matches, not even a permissive regex */
static const match_row no_null_rows[] = {
    { "null", NONE_, NULL },
    { "https://x.example.com", HIT_, "https://.*" },
    { "HTTPS://x.example.com", BAD_, NULL },
    { "https://x.example.com/", BAD_, NULL },
    { "https://x.example.com:443", BAD_, NULL },
    { NULL, 0, NULL }
};

/* '*' is the policy's business: not a match here */
static const match_row any_rows[] = {
    { "https://example.com", NONE_, NULL },
    { "null", NONE_, NULL },
    { "https://example.com/", BAD_, NULL },
    { NULL, 0, NULL }
};

static const match_row regex_rows[] = {
    { "https://abc.example.org", HIT_, "https://[a-z]+\\.example\\.org" },
    { "https://abc.example.org.evil.com", NONE_, NULL },
    { "https://evil.com?https://abc.example.org", BAD_, NULL },
    { "https://x.abc.example.org", NONE_, NULL },
    { "https://abc1.example.org", NONE_, NULL },
    { "http://abc.example.org", NONE_, NULL },
    { "https://ABC.example.org", BAD_, NULL },
    { "https://app.example.com", HIT_, "https://app.example.com" },
    { "https://app-7.staging.example.com",
      HIT_, "https://app-[0-9]+\\.staging\\.example\\.com" },
    { "https://app-x.staging.example.com", NONE_, NULL },
    { NULL, 0, NULL }
};

static const match_table match_tables[] = {
    { "exact", "https://example.com http://localhost:3000 "
               "http://[::1]:8080", exact_rows },
    { "subdomain", "https://*.example.com https://*.example.org:8443 "
                   "https://*.example.net:*", subdomain_rows },
    { "any_port", "http://localhost:* http://127.0.0.1:* http://[::1]:*",
      any_port_rows },
    { "null", "null https://*.example.org", null_rows },
    { "no_null", "~https://.*", no_null_rows },
    { "any", "*", any_rows },
    { "regex", "~https://[a-z]+\\.example\\.org https://app.example.com "
               "~https://app-[0-9]+\\.staging\\.example\\.com", regex_rows },
};

#define N_MATCH_TABLES ((int)(sizeof(match_tables) / sizeof(match_tables[0])))

START_TEST(test_match_table)
{
    const match_table *t = &match_tables[_i];
    const cors_origin_chain *chain = chain_of(pool, t->words, NULL);
    const match_row *r;

    ck_assert_ptr_nonnull(chain);
    for (r = t->rows; r->origin != NULL; r++) {
        expect_match(t->name, chain, r->origin, r->expect, r->entry);
    }
}
END_TEST

/* Exactly `len` bytes of the Origin are looked at. */
START_TEST(test_match_uses_len)
{
    const cors_origin_chain *chain = chain_of(pool, "https://example.com",
                                              NULL);
    const cors_rule *rule = NULL;

    ck_assert_int_eq(cors_origin_match(chain, "https://example.com.evil", 19,
                                       &rule), CORS_MATCH_ENTRY);
    ck_assert_int_eq(cors_origin_match(chain, "https://example.com\0", 20,
                                       &rule), CORS_MATCH_MALFORMED);
}
END_TEST

/* Longer than 512 bytes is malformed, even if a regex would match. */
START_TEST(test_match_too_long)
{
    const cors_origin_chain *chain = chain_of(pool, "~https://.*", NULL);
    char *s = apr_palloc(pool, 600);
    const cors_rule *rule = NULL;

    memcpy(s, "https://", 8);
    memset(s + 8, 'a', 591);
    s[599] = '\0';
    ck_assert_int_eq(cors_origin_match(chain, s, 513, &rule),
                     CORS_MATCH_MALFORMED);
}
END_TEST

/* ---------------------------------------------------------------------
 * Layering.
 */

typedef struct {
    const char *name;
    const char *layers[4];  /* top first; NULL-terminated */
    int count;
    int any;
    const match_row rows[8];
} layer_row;

static const layer_row layer_rows[] = {
    { "replace ignores the parent",
      { "https://a.com https://b.com", "https://c.com", NULL }, 1, 0,
      { { "https://a.com", NONE_, NULL }, { "https://b.com", NONE_, NULL },
        { "https://c.com", HIT_, "https://c.com" }, { NULL, 0, NULL } } },
    { "edit adds and removes",
      { "https://a.com https://b.com", "+https://c.com -https://a.com",
        NULL }, 2, 0,
      { { "https://a.com", NONE_, NULL },
        { "https://b.com", HIT_, "https://b.com" },
        { "https://c.com", HIT_, "https://c.com" }, { NULL, 0, NULL } } },
    { "remove the only entry",
      { "https://a.com", "-https://a.com", NULL }, 0, 0,
      { { "https://a.com", NONE_, NULL }, { NULL, 0, NULL } } },
    { "remove then re-add in one section",
      { "https://a.com", "-https://a.com +https://a.com", NULL }, 1, 0,
      { { "https://a.com", HIT_, "https://a.com" }, { NULL, 0, NULL } } },
    { "add then remove in one section",
      { "https://a.com", "+https://c.com -https://c.com", NULL }, 1, 0,
      { { "https://a.com", HIT_, "https://a.com" },
        { "https://c.com", NONE_, NULL }, { NULL, 0, NULL } } },
    { "removed in child, re-added in grandchild",
      { "https://a.com https://b.com", "-https://a.com", "+https://a.com",
        NULL }, 2, 0,
      { { "https://a.com", HIT_, "https://a.com" },
        { "https://b.com", HIT_, "https://b.com" }, { NULL, 0, NULL } } },
    { "three levels of edits",
      { "https://a.com", "+https://b.com", "-https://a.com +https://c.com",
        NULL }, 2, 0,
      { { "https://a.com", NONE_, NULL },
        { "https://b.com", HIT_, "https://b.com" },
        { "https://c.com", HIT_, "https://c.com" }, { NULL, 0, NULL } } },
    { "replace under an edit",
      { "https://a.com", "+https://b.com", "https://c.com", NULL }, 1, 0,
      { { "https://a.com", NONE_, NULL }, { "https://b.com", NONE_, NULL },
        { "https://c.com", HIT_, "https://c.com" }, { NULL, 0, NULL } } },
    { "adding an inherited entry does not count twice",
      { "https://a.com", "+https://a.com", NULL }, 1, 0,
      { { "https://a.com", HIT_, "https://a.com" }, { NULL, 0, NULL } } },
    { "repeated lines accumulate, duplicates once",
      { "https://a.com https://b.com https://a.com", NULL }, 2, 0,
      { { "https://a.com", HIT_, "https://a.com" },
        { "https://b.com", HIT_, "https://b.com" }, { NULL, 0, NULL } } },
    { "removing an absent entry changes nothing",
      { "https://a.com", "-https://z.com", NULL }, 1, 0,
      { { "https://a.com", HIT_, "https://a.com" },
        { "https://z.com", NONE_, NULL }, { NULL, 0, NULL } } },
    { "removing an exact entry leaves a pattern matching it",
      { "https://*.example.com https://a.example.com",
        "-https://a.example.com", NULL }, 1, 0,
      { { "https://a.example.com", HIT_, "https://*.example.com" },
        { NULL, 0, NULL } } },
    { "remove a wildcard by its text",
      { "https://*.example.com http://localhost:*",
        "-https://*.example.com -http://localhost:*", NULL }, 0, 0,
      { { "https://a.example.com", NONE_, NULL },
        { "http://localhost:3000", NONE_, NULL }, { NULL, 0, NULL } } },
    { "remove a regex by its pattern",
      { "~https://[a-z]+\\.example\\.org https://a.com",
        "-~https://[a-z]+\\.example\\.org", NULL }, 1, 0,
      { { "https://abc.example.org", NONE_, NULL },
        { "https://a.com", HIT_, "https://a.com" }, { NULL, 0, NULL } } },
    { "add a regex in a child",
      { "https://a.com", "+~https://[a-z]+\\.example\\.org", NULL }, 2, 0,
      { { "https://abc.example.org", HIT_, "https://[a-z]+\\.example\\.org" },
        { "https://a.com", HIT_, "https://a.com" }, { NULL, 0, NULL } } },
    { "a '-' removes the regex and the exact entry of its text",
      { "~https://a.com https://a.com https://b.com", "-https://a.com",
        NULL }, 1, 0,
      { { "https://a.com", NONE_, NULL }, { "https://abcom", NONE_, NULL },
        { "https://b.com", HIT_, "https://b.com" }, { NULL, 0, NULL } } },
    { "a CORSAllowOriginMatch '-' removes an exact entry",
      { "https://a.com https://b.com", "-~https://a.com", NULL }, 1, 0,
      { { "https://a.com", NONE_, NULL },
        { "https://b.com", HIT_, "https://b.com" }, { NULL, 0, NULL } } },
    { "a CORSAllowOrigin '-' removes a regex",
      { "~https://[a-z]+\\.example\\.org https://a.com",
        "-https://[a-z]+\\.example\\.org", NULL }, 1, 0,
      { { "https://abc.example.org", NONE_, NULL }, { NULL, 0, NULL } } },
    { "'+x' after '-x' in one section takes the removal back",
      { "https://a.com", "-https://a.com +https://a.com", NULL }, 1, 0,
      { { "https://a.com", HIT_, "https://a.com" }, { NULL, 0, NULL } } },
    { "a regex and an exact entry of one text coexist when added",
      { "~https://a.com https://a.com", NULL }, 2, 0,
      { { "https://a.com", HIT_, "https://a.com" },
        { "https://abcom", HIT_, "https://a.com" }, { NULL, 0, NULL } } },
    { "remove null",
      { "null https://a.com", "-null", NULL }, 1, 0,
      { { "null", NONE_, NULL }, { NULL, 0, NULL } } },
    { "none empties the section",
      { "https://a.com none", NULL }, 0, 0,
      { { "https://a.com", NONE_, NULL }, { NULL, 0, NULL } } },
    { "none replaces the parent",
      { "https://a.com *", "none", NULL }, 0, 0,
      { { "https://a.com", NONE_, NULL }, { NULL, 0, NULL } } },
    { "entries after none count",
      { "https://a.com", "https://b.com none https://c.com", NULL }, 1, 0,
      { { "https://a.com", NONE_, NULL }, { "https://b.com", NONE_, NULL },
        { "https://c.com", HIT_, "https://c.com" }, { NULL, 0, NULL } } },
    { "any is inherited by an edit",
      { "* https://a.com", "+https://b.com", NULL }, 3, 1,
      { { "https://b.com", HIT_, "https://b.com" }, { NULL, 0, NULL } } },
    { "any removed by an edit",
      { "* https://a.com", "-*", NULL }, 1, 0,
      { { "https://a.com", HIT_, "https://a.com" }, { NULL, 0, NULL } } },
    { "any added by an edit",
      { "https://a.com", "+*", NULL }, 2, 1,
      { { NULL, 0, NULL } } },
    { "any dropped by a replace",
      { "*", "https://a.com", NULL }, 1, 0,
      { { NULL, 0, NULL } } },
    { "only any",
      { "*", NULL }, 1, 1,
      { { "https://a.com", NONE_, NULL }, { NULL, 0, NULL } } },
    { "an unprefixed line after an edit line replaces",
      { "https://a.com", "+https://b.com https://c.com", NULL }, 2, 0,
      { { "https://a.com", NONE_, NULL },
        { "https://b.com", HIT_, "https://b.com" },
        { "https://c.com", HIT_, "https://c.com" }, { NULL, 0, NULL } } },
};

#define N_LAYER ((int)(sizeof(layer_rows) / sizeof(layer_rows[0])))

START_TEST(test_layers)
{
    const layer_row *t = &layer_rows[_i];
    const cors_origin_chain *chain = NULL;
    const match_row *r;
    int i;

    for (i = 0; t->layers[i] != NULL; i++) {
        chain = cors_origin_chain_make(pool, layer_of(pool, t->layers[i]),
                                       chain);
    }
    ck_assert_msg(chain != NULL, "%s: no chain", t->name);
    ck_assert_msg(chain->count == t->count, "%s: count %d, expected %d",
                  t->name, chain->count, t->count);
    ck_assert_msg((chain->any != NULL) == t->any, "%s: any %s, expected %s",
                  t->name, chain->any ? "set" : "NULL",
                  t->any ? "set" : "NULL");
    if (chain->any != NULL) {
        ck_assert_int_eq(chain->any->kind, CORS_RULE_ANY);
    }
    for (r = t->rows; r->origin != NULL; r++) {
        expect_match(t->name, chain, r->origin, r->expect, r->entry);
    }
}
END_TEST

START_TEST(test_layer_modes)
{
    cors_origin_layer *l = cors_origin_layer_make(pool);

    ck_assert_int_eq(l->mode, CORS_LIST_INHERIT);
    cors_origin_layer_apply(pool, l, CORS_OP_ADD, rule_of(pool, "https://a.com"));
    ck_assert_int_eq(l->mode, CORS_LIST_EDIT);
    cors_origin_layer_apply(pool, l, CORS_OP_REMOVE,
                            rule_of(pool, "https://b.com"));
    ck_assert_int_eq(l->mode, CORS_LIST_EDIT);
    cors_origin_layer_apply(pool, l, CORS_OP_SET, rule_of(pool, "https://c.com"));
    ck_assert_int_eq(l->mode, CORS_LIST_REPLACE);
    cors_origin_layer_apply(pool, l, CORS_OP_ADD, rule_of(pool, "https://d.com"));
    ck_assert_int_eq(l->mode, CORS_LIST_REPLACE);

    l = cors_origin_layer_make(pool);
    cors_origin_layer_apply(pool, l, CORS_OP_SET, NULL);
    ck_assert_int_eq(l->mode, CORS_LIST_REPLACE);
}
END_TEST

START_TEST(test_inherit_returns_parent)
{
    const cors_origin_chain *parent = chain_of(pool, "https://a.com", NULL);
    const cors_origin_chain *child;
    cors_origin_layer *empty = cors_origin_layer_make(pool);

    child = cors_origin_chain_make(pool, empty, parent);
    ck_assert_ptr_eq(child, parent);
    ck_assert_ptr_null(cors_origin_chain_make(pool, empty, NULL));

    /* a REPLACE node does not point at its parent */
    child = cors_origin_chain_make(pool, layer_of(pool, "https://b.com"),
                                   parent);
    ck_assert_ptr_ne(child, parent);
    ck_assert_ptr_null(child->parent);

    /* an EDIT node points at its parent */
    child = cors_origin_chain_make(pool, layer_of(pool, "+https://b.com"),
                                   parent);
    ck_assert_ptr_eq(child->parent, parent);
}
END_TEST

/* An EDIT over nothing behaves like the edit's additions. */
START_TEST(test_edit_over_null)
{
    const cors_origin_chain *chain;

    chain = cors_origin_chain_make(pool,
                                   layer_of(pool, "+https://a.com -https://b.com"),
                                   NULL);
    ck_assert_ptr_nonnull(chain);
    ck_assert_int_eq(chain->count, 1);
    expect_match("edit over NULL", chain, "https://a.com", HIT_,
                 "https://a.com");
    expect_match("edit over NULL", chain, "https://b.com", NONE_, NULL);
}
END_TEST

/*
 * httpd merges sections with each other before merging them onto their
 * parent: ((base + a) + b) and (base + (a + b)) must give the same list.
 */
START_TEST(test_graft_is_associative)
{
    const cors_origin_chain *base = chain_of(pool,
        "https://base.com https://gone.com", NULL);
    cors_origin_layer *a = layer_of(pool, "+https://a.com -https://gone.com");
    cors_origin_layer *b = layer_of(pool, "+https://b.com");
    const cors_origin_chain *ca = cors_origin_chain_make(pool, a, NULL);
    const cors_origin_chain *cb = cors_origin_chain_make(pool, b, NULL);
    const cors_origin_chain *left, *right;
    const char *hits[] = { "https://base.com", "https://a.com",
                           "https://b.com" };
    int i;

    left = cors_origin_chain_graft(pool, cb,
                                   cors_origin_chain_graft(pool, ca, base));
    right = cors_origin_chain_graft(pool,
                                    cors_origin_chain_graft(pool, cb, ca),
                                    base);
    ck_assert_int_eq(left->count, 3);
    ck_assert_int_eq(right->count, 3);
    for (i = 0; i < 3; i++) {
        expect_match("left", left, hits[i], HIT_, hits[i]);
        expect_match("right", right, hits[i], HIT_, hits[i]);
    }
    expect_match("left", left, "https://gone.com", NONE_, NULL);
    expect_match("right", right, "https://gone.com", NONE_, NULL);

    /* A replacing chain keeps its identity; NULL inherits the parent. */
    ck_assert_ptr_eq(cors_origin_chain_graft(pool, base, ca), base);
    ck_assert_ptr_eq(cors_origin_chain_graft(pool, NULL, base), base);
}
END_TEST

#define BIG 10000

START_TEST(test_big_list)
{
    cors_origin_layer *big = cors_origin_layer_make(pool);
    const cors_origin_chain *base;
    const cors_origin_chain *child;
    cors_origin_layer *edit;
    char buf[64];
    int i;

    for (i = 0; i < BIG; i++) {
        cors_rule *rule = apr_pcalloc(pool, sizeof(*rule));
        const char *o = apr_psprintf(pool, "https://h%d.example.com", i);
        ck_assert_ptr_null(cors_rule_parse(pool, o, rule));
        cors_origin_layer_apply(pool, big, CORS_OP_SET, rule);
    }
    base = cors_origin_chain_make(pool, big, NULL);
    ck_assert_int_eq(base->count, BIG);
    for (i = 0; i < BIG; i++) {
        const cors_rule *rule = NULL;
        int n = apr_snprintf(buf, sizeof(buf), "https://h%d.example.com", i);
        ck_assert_int_eq(cors_origin_match(base, buf, (apr_size_t)n, &rule),
                         CORS_MATCH_ENTRY);
        ck_assert_str_eq(rule->text, buf);
    }
    expect_match("big", base, "https://h10000.example.com", NONE_, NULL);

    edit = layer_of(pool, "+https://new.example.com -https://h5.example.com");
    child = cors_origin_chain_make(pool, edit, base);
    ck_assert_ptr_eq(child->parent, base);
    ck_assert_ptr_eq(child->layer, edit);
    ck_assert_int_eq(apr_hash_count(edit->entries), 1);
    ck_assert_int_eq(child->count, BIG);
    expect_match("big child", child, "https://h5.example.com", NONE_, NULL);
    expect_match("big child", child, "https://h6.example.com", HIT_,
                 "https://h6.example.com");
    expect_match("big child", child, "https://h9999.example.com", HIT_,
                 "https://h9999.example.com");
    expect_match("big child", child, "https://new.example.com", HIT_,
                 "https://new.example.com");
    /* the parent list is unchanged */
    expect_match("big base", base, "https://h5.example.com", HIT_,
                 "https://h5.example.com");
    expect_match("big base", base, "https://new.example.com", NONE_, NULL);
    ck_assert_int_eq(base->count, BIG);

    /* inheriting it is free */
    ck_assert_ptr_eq(cors_origin_chain_make(pool,
                                            cors_origin_layer_make(pool),
                                            child), child);
}
END_TEST

/* ---------------------------------------------------------------------
 * PCRE verbs, probe origins, wide entries, removals that apply.
 */

typedef struct {
    const char *pattern;
    int offset;                 /* of the verb's "(", or -1: none */
} verb_row;

static const verb_row verb_rows[] = {
    { "https://app\\.example\\.com(*ACCEPT)", 25 },
    { "(*COMMIT)https://a\\.example", 0 },
    { "(*UTF)https://a\\.example", 0 },
    { "https://a(*SKIP)(*F)|b", 9 },
    { "https://a\\.example", -1 },
    { "https://a\\(*\\.example", -1 },          /* an escaped '(' repeated */
    { "https://a[(*]+\\.example", -1 },         /* inside a class */
    { "https://a[]()*]\\.example", -1 },        /* ']' first in a class */
    { "https://a[^]()*]\\.example", -1 },
    { "https://\\Q(*ACCEPT)\\E\\.example", -1 },/* quoted */
    { "https://\\Q(*ACCEPT)", -1 },             /* quoted to the end */
    { "https://\\Q.\\E(*ACCEPT)", 13 },
    { "https://a(?:b)*", -1 },
    { "https://a\\\\(*ACCEPT)", 11 },           /* an escaped backslash */
};

#define N_VERB ((int)(sizeof(verb_rows) / sizeof(verb_rows[0])))

START_TEST(test_regex_verb)
{
    const verb_row *r = &verb_rows[_i];
    const char *verb = cors_regex_verb(r->pattern);

    if (r->offset < 0) {
        ck_assert_msg(verb == NULL, "'%s': verb found at %d", r->pattern,
                      (int)(verb - r->pattern));
    }
    else {
        ck_assert_msg(verb != NULL, "'%s': no verb found", r->pattern);
        ck_assert_int_eq((int)(verb - r->pattern), r->offset);
    }
}
END_TEST

/* Wildcard suffixes are looked up only where a layer has "*." entries
 * (with ":*" for the any-port form), in whichever layer of the chain. */
START_TEST(test_wildcards_in_any_layer)
{
    const cors_rule *rule = NULL;
    const cors_origin_chain *chain = chain_of(pool, "https://*.example.com:*",
                                              "+https://exact.example.org",
                                              "+https://*.other.com", NULL);

    ck_assert_int_eq(cors_origin_match(chain, "https://a.example.com:8443", 26,
                                       &rule), CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, "https://*.example.com:*");
    ck_assert_int_eq(cors_origin_match(chain, "https://a.other.com", 19, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, "https://*.other.com");
    ck_assert_int_eq(cors_origin_match(chain, "https://a.other.com:8443", 24,
                                       &rule), CORS_MATCH_NONE);
    chain = chain_of(pool, "https://exact.example.org", NULL);
    ck_assert_int_eq(cors_origin_match(chain, "https://a.exact.example.org", 27,
                                       &rule), CORS_MATCH_NONE);
    ck_assert_int_eq(cors_origin_match(chain, "https://a.b/", 12, &rule),
                     CORS_MATCH_MALFORMED);
}
END_TEST

/* Which patterns may be a branch of a layer's prefilter alternation. */
typedef struct {
    const char *pattern;
    int alternable;
} alternable_row;

static const alternable_row alternable_rows[] = {
    { "https://[a-z]+\\.example\\.org", 1 },
    { "https://(app|admin)\\.example\\.com", 1 },
    { "https://(?:a|b)\\.example\\.com", 1 },
    { "(?i)https://app\\.example\\.com", 1 },           /* options stay local */
    { "https://(?i:APP)\\.example\\.com", 1 },
    { "https://(?=a)[a-z]+\\.example\\.com", 1 },         /* lookahead */
    { "https://(?<!x)a\\.example\\.com", 1 },             /* lookbehind */
    { "https://(?>a+)\\.example\\.com", 1 },              /* atomic */
    { "https://a(?#comment)\\.example\\.com", 1 },
    { "https://[\\1(?P]+\\.example\\.com", 1 },           /* in a class */
    { "\\Q(?P<x>\\1\\Ehttps://a\\.example\\.com", 1 },     /* quoted */
    { "https://\\\\.example\\.com", 1 },                  /* escaped backslash */
    { "https://(a)\\1\\.example\\.com", 0 },              /* backreference */
    { "https://(a)\\g{1}\\.example\\.com", 0 },
    { "https://(?<n>a)\\k<n>\\.example\\.com", 0 },       /* named group */
    { "https://(?P<n>a)\\.example\\.com", 0 },
    { "https://(?'n'a)\\.example\\.com", 0 },
    { "https://(a)(?(1)b|c)\\.example\\.com", 0 },        /* conditional */
    { "https://(a(?1)?)\\.example\\.com", 0 },            /* subroutine call */
    { "https://(a(?-1)?)\\.example\\.com", 0 },
    { "https://(a(?R)?)\\.example\\.com", 0 },            /* recursion */
    { "https://(?J)a\\.example\\.com", 0 },               /* duplicate names */
    { "https://a(*ACCEPT)", 0 },                          /* verb */
};

#define N_ALTERNABLE ((int)(sizeof(alternable_rows) / sizeof(alternable_rows[0])))

START_TEST(test_regex_alternable)
{
    const alternable_row *r = &alternable_rows[_i];

    ck_assert_msg(cors_regex_alternable(r->pattern) == r->alternable,
                  "'%s': expected %s", r->pattern,
                  r->alternable ? "alternable" : "not alternable");
}
END_TEST

/* The prefilter: a POSIX alternation, with call counters, so that the
 * tests see which regexes were tried. */
static int prefilter_calls, rule_calls;
static int prefilter_fails;     /* the compile callback returns NULL */

static int counting_match(const void *compiled, const char *subject)
{
    rule_calls++;
    return posix_match(compiled, subject);
}

static int prefilter_posix_match(const void *compiled, const char *subject)
{
    prefilter_calls++;
    return posix_match(compiled, subject);
}

static const void *posix_alternation(void *ctx, const char *const *patterns,
                                     int n)
{
    apr_pool_t *p = ctx;
    const char *alt = "";
    regex_t *re;
    int i;

    if (prefilter_fails) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        alt = apr_pstrcat(p, alt, i ? "|(" : "(", patterns[i], ")", NULL);
    }
    re = apr_pcalloc(p, sizeof(*re));
    ck_assert_int_eq(regcomp(re, apr_pstrcat(p, "^(", alt, ")$", NULL),
                         REG_EXTENDED | REG_NOSUB), 0);
    apr_pool_cleanup_register(p, re, regex_cleanup, apr_pool_cleanup_null);
    return re;
}

static cors_rule *counted_rule(const char *pattern, int wide)
{
    cors_rule *rule = regex_rule(pool, pattern);

    rule->regex_match = counting_match;
    rule->wide = wide;
    return rule;
}

static const cors_origin_chain *prefiltered_chain(cors_origin_layer *layer,
                                                  const char *const *patterns,
                                                  int n, int wide_first)
{
    int i;

    for (i = 0; i < n; i++) {
        cors_origin_layer_apply(pool, layer, CORS_OP_SET,
                                counted_rule(patterns[i], wide_first && i == 0));
    }
    cors_origin_layer_prefilter(pool, layer, posix_alternation,
                                prefilter_posix_match, pool);
    return cors_origin_chain_make(pool, layer, NULL);
}

static cors_match_result counted_match(const cors_origin_chain *chain,
                                       const char *origin, int narrow,
                                       const cors_rule **rule)
{
    prefilter_calls = rule_calls = 0;
    return narrow ? cors_origin_match_narrow(chain, origin, strlen(origin), rule)
                  : cors_origin_match(chain, origin, strlen(origin), rule);
}

static const char *const three_regexes[] = {
    "https://r0-[a-z]+\\.example\\.io",
    "https://r1-[a-z]+\\.example\\.io",
    "https://r2-[a-z]+\\.example\\.io",
};

/* An origin in none of the regexes costs one call, not one per regex; a
 * match still names the regex that matched. */
START_TEST(test_prefilter_one_call_for_none)
{
    cors_origin_layer *layer = cors_origin_layer_make(pool);
    const cors_origin_chain *chain = prefiltered_chain(layer, three_regexes,
                                                       3, 0);
    const cors_rule *rule = NULL;

    ck_assert_ptr_nonnull(layer->prefilter);
    ck_assert_int_eq(counted_match(chain, "https://nope.example.org", 0, &rule),
                     CORS_MATCH_NONE);
    ck_assert_ptr_null(rule);
    ck_assert_int_eq(prefilter_calls, 1);
    ck_assert_int_eq(rule_calls, 0);
    ck_assert_int_eq(counted_match(chain, "https://r2-abc.example.io", 0, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, three_regexes[2]);
    ck_assert_int_eq(prefilter_calls, 1);
    ck_assert_int_eq(rule_calls, 3);        /* r0, r1, then r2 matches */
    /* anchored: a match inside the origin is no match */
    ck_assert_int_eq(counted_match(chain, "https://r1-abc.example.io.evil.org",
                                   0, &rule), CORS_MATCH_NONE);
}
END_TEST

/* With credentials the wide regex is still passed over, and the narrow
 * one that matches too is the one granted. */
START_TEST(test_prefilter_keeps_narrow)
{
    static const char *const patterns[] = {
        "https://.*", "https://app\\.example\\.com",
    };
    cors_origin_layer *layer = cors_origin_layer_make(pool);
    const cors_origin_chain *chain = prefiltered_chain(layer, patterns, 2, 1);
    const cors_rule *rule = NULL;

    ck_assert_int_eq(counted_match(chain, "https://app.example.com", 0, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_int_eq(rule->wide, 1);
    ck_assert_int_eq(counted_match(chain, "https://app.example.com", 1, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, patterns[1]);
    ck_assert_int_eq(counted_match(chain, "https://evil.example", 1, &rule),
                     CORS_MATCH_NONE);
    /* null is never matched by a regex, even one that matches anything */
    ck_assert_int_eq(counted_match(chain, "null", 0, &rule), CORS_MATCH_NONE);
    ck_assert_int_eq(prefilter_calls + rule_calls, 0);
}
END_TEST

/* A pattern that cannot be a branch (here \k, a named backreference to
 * PCRE, a literal k to the POSIX matcher of these tests) stays out of the
 * alternation and is always tried; so is one added after the prefilter
 * was built; and a removed one is never granted. */
START_TEST(test_prefilter_outsiders)
{
    static const char *const patterns[] = {
        "https://(a+)\\k\\.example\\.com",
        "https://r0-[a-z]+\\.example\\.io",
        "https://r1-[a-z]+\\.example\\.io",
    };
    cors_origin_layer *layer = cors_origin_layer_make(pool);
    const cors_origin_chain *chain = prefiltered_chain(layer, patterns, 3, 0);
    const cors_rule *rule = NULL;
    cors_rule *rm;

    ck_assert_ptr_nonnull(layer->prefilter);
    ck_assert_int_eq(counted_match(chain, "https://aak.example.com", 0, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, patterns[0]);
    ck_assert_int_eq(counted_match(chain, "https://nope.example.org", 0, &rule),
                     CORS_MATCH_NONE);
    ck_assert_int_eq(rule_calls, 1);        /* only the backreference */

    cors_origin_layer_apply(pool, layer, CORS_OP_ADD,
                            counted_rule("https://late\\.example\\.net", 0));
    ck_assert_int_eq(counted_match(chain, "https://late.example.net", 0, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, "https://late\\.example\\.net");

    rm = apr_pcalloc(pool, sizeof(*rm));
    rm->text = rm->id = patterns[1];
    cors_origin_layer_apply(pool, layer, CORS_OP_REMOVE, rm);
    ck_assert_int_eq(counted_match(chain, "https://r0-abc.example.io", 0, &rule),
                     CORS_MATCH_NONE);
    ck_assert_int_eq(counted_match(chain, "https://r1-abc.example.io", 0, &rule),
                     CORS_MATCH_ENTRY);
}
END_TEST

/* No prefilter for a single regex, nor when the alternation does not
 * compile: every regex is tried, as without one. */
START_TEST(test_prefilter_absent)
{
    cors_origin_layer *one = cors_origin_layer_make(pool);
    cors_origin_layer *failed = cors_origin_layer_make(pool);
    const cors_origin_chain *chain;
    const cors_rule *rule = NULL;

    prefiltered_chain(one, three_regexes, 1, 0);
    ck_assert_ptr_null(one->prefilter);
    prefilter_fails = 1;
    chain = prefiltered_chain(failed, three_regexes, 3, 0);
    prefilter_fails = 0;
    ck_assert_ptr_null(failed->prefilter);
    ck_assert_int_eq(counted_match(chain, "https://nope.example.org", 0, &rule),
                     CORS_MATCH_NONE);
    ck_assert_int_eq(rule_calls, 3);
    ck_assert_int_eq(counted_match(chain, "https://r1-x.example.io", 0, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, three_regexes[1]);
}
END_TEST

/* "none" drops the prefilter with the regexes. */
START_TEST(test_prefilter_cleared_by_none)
{
    cors_origin_layer *layer = cors_origin_layer_make(pool);

    prefiltered_chain(layer, three_regexes, 3, 0);
    ck_assert_ptr_nonnull(layer->prefilter);
    cors_origin_layer_apply(pool, layer, CORS_OP_SET, NULL);
    ck_assert_ptr_null(layer->prefilter);
}
END_TEST

/* Probes are canonical origins under .invalid: http and https, with and
 * without a port, never a default port, different for different bytes. */
START_TEST(test_probe_origins)
{
    unsigned char rnd[CORS_PROBE_RANDOM_BYTES];
    const char *a[CORS_PROBES], *b[CORS_PROBES];
    int i, with_port = 0, http = 0;

    memset(rnd, 0, sizeof(rnd));
    cors_probe_origins(pool, rnd, a);
    for (i = 0; i < (int)sizeof(rnd); i++) {
        rnd[i] = (unsigned char)(i * 37 + 11);
    }
    cors_probe_origins(pool, rnd, b);
    for (i = 0; i < CORS_PROBES; i++) {
        cors_origin o;
        ck_assert_msg(cors_origin_parse(b[i], strlen(b[i]), &o)
                      == CORS_ORIGIN_OK, "probe '%s' is not canonical", b[i]);
        ck_assert_msg(strstr(b[i], ".invalid") != NULL
                      || strstr(b[i], ".com") != NULL
                      || strstr(b[i], ".org") != NULL, "'%s'", b[i]);
        ck_assert_msg(cors_origin_parse(a[i], strlen(a[i]), &o)
                      == CORS_ORIGIN_OK, "probe '%s' is not canonical", a[i]);
        ck_assert_str_ne(a[i], b[i]);
        with_port += o.port != NULL;
        http += strncmp(a[i], "http:", 5) == 0;
    }
    ck_assert_int_eq(with_port, 2);
    ck_assert_int_eq(http, 2);
}
END_TEST

/* '*', null and a regex marked wide are wide; exact entries are not.
 * chain_wide finds one in effect, across layers and removals. */
START_TEST(test_wide_entries)
{
    cors_rule *broad = regex_rule(pool, "https://.*");
    const cors_origin_chain *chain;
    cors_origin_layer *top;
    const cors_rule *w;

    ck_assert_int_eq(rule_of(pool, "*")->wide, 1);
    ck_assert_int_eq(rule_of(pool, "null")->wide, 1);
    ck_assert_int_eq(rule_of(pool, "https://a.com")->wide, 0);
    ck_assert_int_eq(rule_of(pool, "https://*.example.com")->wide, 0);

    chain = chain_of(pool, "https://a.com https://*.example.com", NULL);
    ck_assert_ptr_null(cors_origin_chain_wide(pool, chain));
    chain = chain_of(pool, "https://a.com null", NULL);
    w = cors_origin_chain_wide(pool, chain);
    ck_assert_msg(w && w->kind == CORS_RULE_NULL, "null not found");

    broad->wide = 1;
    top = cors_origin_layer_make(pool);
    cors_origin_layer_apply(pool, top, CORS_OP_ADD, broad);
    chain = cors_origin_chain_make(pool, top,
                                   chain_of(pool, "https://a.com", NULL));
    w = cors_origin_chain_wide(pool, chain);
    ck_assert_msg(w && w->kind == CORS_RULE_REGEX, "regex not found");
    /* inherited null, removed below: no longer in effect */
    chain = chain_of(pool, "null https://a.com", "-null", NULL);
    ck_assert_ptr_null(cors_origin_chain_wide(pool, chain));
}
END_TEST

/* A removal applies when its text names an inherited entry of any kind. */
START_TEST(test_removal_applies)
{
    const cors_origin_chain *parent = chain_of(
        pool, "https://a.com ~https://[a-z]+\\.b\\.com", NULL);
    cors_origin_layer *layer = layer_of(pool, "-https://a.com -https://z.com "
                                        "-https://[a-z]+\\.b\\.com");
    const cors_removal *rm;

    rm = apr_hash_get(layer->removed, "https://a.com", APR_HASH_KEY_STRING);
    ck_assert_int_eq(cors_removal_applies(rm, parent), 1);
    rm = apr_hash_get(layer->removed, "https://z.com", APR_HASH_KEY_STRING);
    ck_assert_int_eq(cors_removal_applies(rm, parent), 0);
    ck_assert_int_eq(cors_removal_applies(rm, NULL), 0);
    rm = apr_hash_get(layer->removed, "https://[a-z]+\\.b\\.com",
                      APR_HASH_KEY_STRING);
    ck_assert_int_eq(cors_removal_applies(rm, parent), 1);
}
END_TEST

/* With credentials a wide regex is passed over, and a later, narrow one
 * still grants; null has no narrow alternative. */
START_TEST(test_match_narrow_skips_wide_entries)
{
    cors_rule *broad = regex_rule(pool, "https://.*");
    cors_rule *app = regex_rule(pool, "https://app\\.example\\.com");
    cors_origin_layer *layer = cors_origin_layer_make(pool);
    const cors_origin_chain *chain;
    const cors_rule *rule = NULL;

    broad->wide = 1;
    cors_origin_layer_apply(pool, layer, CORS_OP_SET, broad);
    cors_origin_layer_apply(pool, layer, CORS_OP_SET, app);
    cors_origin_layer_apply(pool, layer, CORS_OP_SET, rule_of(pool, "null"));
    chain = cors_origin_chain_make(pool, layer, NULL);

    ck_assert_int_eq(cors_origin_match(chain, "https://app.example.com", 23,
                                       &rule), CORS_MATCH_ENTRY);
    ck_assert_int_eq(rule->wide, 1);
    ck_assert_int_eq(cors_origin_match_narrow(chain, "https://app.example.com",
                                              23, &rule), CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, "https://app\\.example\\.com");
    ck_assert_int_eq(cors_origin_match_narrow(chain, "https://evil.example",
                                              20, &rule), CORS_MATCH_NONE);
    ck_assert_ptr_null(rule);
    ck_assert_int_eq(cors_origin_match(chain, "null", 4, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_int_eq(cors_origin_match_narrow(chain, "null", 4, &rule),
                     CORS_MATCH_NONE);
    ck_assert_int_eq(cors_origin_match_narrow(chain, "HTTPS://x", 9, &rule),
                     CORS_MATCH_MALFORMED);
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *s = suite_create("cors_origin_rules");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_rule_parse_ok, 0, N_RULE_OK);
    tcase_add_loop_test(tc, test_rule_parse_err, 0, N_RULE_ERR);
    tcase_add_test(tc, test_rule_regex);
    tcase_add_loop_test(tc, test_regex_verb, 0, N_VERB);
    tcase_add_loop_test(tc, test_regex_alternable, 0, N_ALTERNABLE);
    tcase_add_test(tc, test_probe_origins);
    suite_add_tcase(s, tc);

    tc = tcase_create("match");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_match_table, 0, N_MATCH_TABLES);
    tcase_add_test(tc, test_match_uses_len);
    tcase_add_test(tc, test_match_too_long);
    tcase_add_test(tc, test_match_narrow_skips_wide_entries);
    tcase_add_test(tc, test_wildcards_in_any_layer);
    tcase_add_test(tc, test_prefilter_one_call_for_none);
    tcase_add_test(tc, test_prefilter_keeps_narrow);
    tcase_add_test(tc, test_prefilter_outsiders);
    tcase_add_test(tc, test_prefilter_absent);
    tcase_add_test(tc, test_prefilter_cleared_by_none);
    suite_add_tcase(s, tc);

    tc = tcase_create("layers");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_layers, 0, N_LAYER);
    tcase_add_test(tc, test_layer_modes);
    tcase_add_test(tc, test_inherit_returns_parent);
    tcase_add_test(tc, test_edit_over_null);
    tcase_add_test(tc, test_graft_is_associative);
    tcase_add_test(tc, test_big_list);
    tcase_add_test(tc, test_wide_entries);
    tcase_add_test(tc, test_removal_applies);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return unit_run(rules_suite());
}
