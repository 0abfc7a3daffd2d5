/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * test_tokens.c: unit tests for cors_tokens.h: RFC 9110 tokens, the
 * Access-Control-Request-Headers list parser with its caps, and the
 * configured token lists with their +/- inheritance.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_tokens.h"
#include "unit_support.h"


/* ---------------------------------------------------------------------
 * cors_is_token
 */

typedef struct {
    const char *s;
    apr_size_t len;         /* (apr_size_t)-1: strlen */
    int expect;
} token_row;

#define LEN_STR ((apr_size_t)-1)

static const token_row token_rows[] = {
    { "GET", LEN_STR, 1 },
    { "X-Custom-Header", LEN_STR, 1 },
    { "content-type", LEN_STR, 1 },
    { "!#$%&'*+-.^_`|~", LEN_STR, 1 },
    { "0123456789", LEN_STR, 1 },
    { "*", LEN_STR, 1 },
    { "a", LEN_STR, 1 },
    { "", LEN_STR, 0 },
    { "GETX", 3, 1 },
    { "GET", 0, 0 },
    { "GET POST", 3, 1 },
    { "a b", LEN_STR, 0 },
    { " a", LEN_STR, 0 },
    { "a ", LEN_STR, 0 },
    { "a@b", LEN_STR, 0 },
    { "a,b", LEN_STR, 0 },
    { "a:b", LEN_STR, 0 },
    { "a;b", LEN_STR, 0 },
    { "a/b", LEN_STR, 0 },
    { "a=b", LEN_STR, 0 },
    { "a?b", LEN_STR, 0 },
    { "\"a\"", LEN_STR, 0 },
    { "(a)", LEN_STR, 0 },
    { "<a>", LEN_STR, 0 },
    { "[a]", LEN_STR, 0 },
    { "{a}", LEN_STR, 0 },
    { "a\\b", LEN_STR, 0 },
    { "a\tb", LEN_STR, 0 },
    { "a\x01", LEN_STR, 0 },
    { "a\x7f", LEN_STR, 0 },
    { "caf\xc3\xa9", LEN_STR, 0 },
    { "\xff", LEN_STR, 0 },
    { "a\0b", 3, 0 },
};

#define N_TOKEN ((int)(sizeof(token_rows) / sizeof(token_rows[0])))

START_TEST(test_is_token)
{
    const token_row *r = &token_rows[_i];
    apr_size_t len = r->len == LEN_STR ? strlen(r->s) : r->len;
    int got = cors_is_token(r->s, len) ? 1 : 0;

    ck_assert_msg(got == r->expect, "row %d '%s' (len %d): expected %d, got %d",
                  _i, r->s, (int)len, r->expect, got);
}
END_TEST

/* ---------------------------------------------------------------------
 * cors_parse_header_list
 */

static const char *list_err_name(cors_list_error e)
{
    switch (e) {
    case CORS_LIST_OK: return "OK";
    case CORS_LIST_BAD_TOKEN: return "BAD_TOKEN";
    case CORS_LIST_TOO_MANY: return "TOO_MANY";
    case CORS_LIST_TOO_LONG: return "TOO_LONG";
    }
    return "?";
}

typedef struct {
    const char *value;
    cors_list_error err;
    const char *names;      /* OK: the names joined by spaces */
    const char *bad;        /* BAD_TOKEN: a part of the offending element */
} list_row;

static const list_row list_rows[] = {
    { "", CORS_LIST_OK, "", NULL },
    { "a", CORS_LIST_OK, "a", NULL },
    { "X-Foo", CORS_LIST_OK, "X-Foo", NULL },
    { "X-Foo, Content-Type", CORS_LIST_OK, "X-Foo Content-Type", NULL },
    { "x-foo,content-type", CORS_LIST_OK, "x-foo content-type", NULL },
    { "  a  ,  b  ", CORS_LIST_OK, "a b", NULL },
    { "\ta\t,\t b \t", CORS_LIST_OK, "a b", NULL },
    { ",,a, ,b,", CORS_LIST_OK, "a b", NULL },
    { ", , ,,", CORS_LIST_OK, "", NULL },
    { " ", CORS_LIST_OK, "", NULL },
    { ",", CORS_LIST_OK, "", NULL },
    { "a,,,,b,,,,c", CORS_LIST_OK, "a b c", NULL },
    { "a, a, A", CORS_LIST_OK, "a a A", NULL },
    { "!#$%&'*+-.^_`|~", CORS_LIST_OK, "!#$%&'*+-.^_`|~", NULL },
    { "a b", CORS_LIST_BAD_TOKEN, NULL, "a b" },
    { "x, a b, y", CORS_LIST_BAD_TOKEN, NULL, "a b" },
    { "ok, x@y, z", CORS_LIST_BAD_TOKEN, NULL, "x@y" },
    { "a;b", CORS_LIST_BAD_TOKEN, NULL, ";" },
    { "a/b", CORS_LIST_BAD_TOKEN, NULL, "/" },
    { "a:b", CORS_LIST_BAD_TOKEN, NULL, ":" },
    { "\"a\"", CORS_LIST_BAD_TOKEN, NULL, "\"" },
    { "caf\xc3\xa9", CORS_LIST_BAD_TOKEN, NULL, "\xc3" },
    { "ok, x-\x01", CORS_LIST_BAD_TOKEN, NULL, "\x01" },
    { "a\x7f", CORS_LIST_BAD_TOKEN, NULL, "\x7f" },
    { "a\r\nb", CORS_LIST_BAD_TOKEN, NULL, "\r" },
    { "x-a,\x0b", CORS_LIST_BAD_TOKEN, NULL, "\x0b" },
};

#define N_LIST ((int)(sizeof(list_rows) / sizeof(list_rows[0])))

static void check_names(const char *row, const char *value,
                        const cors_token_ref *out, int n, const char *names)
{
    char *copy = apr_pstrdup(pool, names);
    char *last;
    char *w;
    int i = 0;

    for (w = apr_strtok(copy, " ", &last); w != NULL;
         w = apr_strtok(NULL, " ", &last), i++) {
        ck_assert_msg(i < n, "%s: only %d names", row, n);
        ck_assert_msg(out[i].len == strlen(w)
                      && memcmp(out[i].name, w, out[i].len) == 0,
                      "%s: name %d is '%.*s', expected '%s'", row, i,
                      (int)out[i].len, out[i].name, w);
        ck_assert_msg(out[i].name >= value
                      && out[i].name + out[i].len <= value + strlen(value),
                      "%s: name %d does not point into the value", row, i);
    }
    ck_assert_msg(i == n, "%s: %d names, expected %d", row, n, i);
}

START_TEST(test_parse_list)
{
    const list_row *r = &list_rows[_i];
    cors_token_ref out[CORS_REQUEST_HEADERS_MAX_NAMES];
    cors_token_ref bad = { NULL, 0 };
    int n = -1;
    cors_list_error e = cors_parse_header_list(r->value, out, &n, &bad);
    const char *row = apr_psprintf(pool, "row %d '%s'", _i, r->value);

    ck_assert_msg(e == r->err, "%s: expected %s, got %s", row,
                  list_err_name(r->err), list_err_name(e));
    if (e == CORS_LIST_OK) {
        check_names(row, r->value, out, n, r->names);
    }
    else if (e == CORS_LIST_BAD_TOKEN) {
        const char *end = r->value + strlen(r->value);
        ck_assert_msg(bad.name != NULL && bad.name >= r->value
                      && bad.name + bad.len <= end,
                      "%s: bad element does not point into the value", row);
        ck_assert_msg(bad.len > 0 && strstr(apr_pstrndup(pool, bad.name,
                                                         bad.len), r->bad),
                      "%s: bad element '%.*s' lacks '%s'", row,
                      (int)bad.len, bad.name, r->bad);
    }
}
END_TEST

/* "h0,h1,...", `count` names, padded with spaces to at least `len`. */
static char *names_value(apr_pool_t *p, int count, apr_size_t len)
{
    char *s = "";
    int i;

    for (i = 0; i < count; i++) {
        s = apr_psprintf(p, "%s%sh%d", s, i ? "," : "", i);
    }
    if (strlen(s) < len) {
        apr_size_t have = strlen(s);
        char *pad = apr_palloc(p, len + 1);
        memcpy(pad, s, have);
        memset(pad + have, ' ', len - have);
        pad[len] = '\0';
        s = pad;
    }
    return s;
}

static char *repeat(apr_pool_t *p, const char *prefix, char c,
                    apr_size_t len)
{
    apr_size_t plen = strlen(prefix);
    char *s = apr_palloc(p, len + 1);

    memcpy(s, prefix, plen);
    memset(s + plen, c, len - plen);
    s[len] = '\0';
    return s;
}

typedef struct {
    const char *name;
    int count;              /* names, or -1: use fill */
    apr_size_t len;
    const char *prefix;     /* count -1: prefix and fill char up to len */
    char fill;
    cors_list_error err;
    int n;                  /* OK: expected names */
} cap_row;

static const cap_row cap_rows[] = {
    { "64 names", 64, 0, NULL, 0, CORS_LIST_OK, 64 },
    { "65 names", 65, 0, NULL, 0, CORS_LIST_TOO_MANY, 0 },
    { "100 names", 100, 0, NULL, 0, CORS_LIST_TOO_MANY, 0 },
    { "64 names in 4096 bytes", 64, 4096, NULL, 0, CORS_LIST_OK, 64 },
    { "64 names in 4097 bytes", 64, 4097, NULL, 0, CORS_LIST_TOO_LONG, 0 },
    { "one name of 4096 bytes", -1, 4096, "", 'a', CORS_LIST_OK, 1 },
    { "one name of 4097 bytes", -1, 4097, "", 'a', CORS_LIST_TOO_LONG, 0 },
    { "a name and commas, 4096 bytes", -1, 4096, "a", ',', CORS_LIST_OK, 1 },
    { "a name and commas, 4097 bytes", -1, 4097, "a", ',',
      CORS_LIST_TOO_LONG, 0 },
    { "4096 commas", -1, 4096, "", ',', CORS_LIST_OK, 0 },
    { "4097 commas", -1, 4097, "", ',', CORS_LIST_TOO_LONG, 0 },
    { "6000 commas", -1, 6000, "", ',', CORS_LIST_TOO_LONG, 0 },
    { "1 MB of commas", -1, 1000000, "", ',', CORS_LIST_TOO_LONG, 0 },
    { "4097 bytes of spaces", -1, 4097, "", ' ', CORS_LIST_TOO_LONG, 0 },
};

#define N_CAP ((int)(sizeof(cap_rows) / sizeof(cap_rows[0])))

START_TEST(test_parse_list_caps)
{
    const cap_row *r = &cap_rows[_i];
    cors_token_ref out[CORS_REQUEST_HEADERS_MAX_NAMES];
    cors_token_ref bad = { NULL, 0 };
    int n = -1;
    char *value;
    cors_list_error e;

    if (r->count >= 0) {
        value = names_value(pool, r->count, r->len);
    }
    else {
        value = repeat(pool, r->prefix, r->fill, r->len);
    }
    if (r->len) {
        ck_assert_int_eq(strlen(value), r->len);
    }
    e = cors_parse_header_list(value, out, &n, &bad);
    ck_assert_msg(e == r->err, "%s: expected %s, got %s", r->name,
                  list_err_name(r->err), list_err_name(e));
    if (e == CORS_LIST_OK) {
        ck_assert_msg(n == r->n, "%s: %d names, expected %d", r->name, n,
                      r->n);
        if (r->count > 0) {
            ck_assert_int_eq(out[0].len, 2);
            ck_assert(memcmp(out[0].name, "h0", 2) == 0);
            ck_assert_int_eq(out[63].len, 3);
            ck_assert(memcmp(out[63].name, "h63", 3) == 0);
        }
    }
}
END_TEST

/* ---------------------------------------------------------------------
 * Configured lists.
 */

static void assert_joined(const char *row, const cors_token_list *l,
                          const char *expect)
{
    ck_assert_msg(l != NULL, "%s: no list", row);
    if (expect == NULL) {
        ck_assert_msg(l->joined == NULL, "%s: joined '%s', expected NULL",
                      row, l->joined);
    }
    else {
        ck_assert_msg(l->joined != NULL && strcmp(l->joined, expect) == 0,
                      "%s: joined '%s', expected '%s'", row,
                      l->joined ? l->joined : "(null)", expect);
    }
}

START_TEST(test_from_words)
{
    cors_token_list *l;

    l = cors_token_list_from_words(pool, "GET HEAD POST", 0);
    ck_assert_int_eq(l->case_insensitive, 0);
    ck_assert_int_eq(l->any, 0);
    ck_assert_int_eq(l->names->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(l->names, 0, const char *), "GET");
    ck_assert_str_eq(APR_ARRAY_IDX(l->names, 2, const char *), "POST");
    assert_joined("methods", l, "GET, HEAD, POST");

    l = cors_token_list_from_words(pool, "  GET   HEAD ", 0);
    assert_joined("extra spaces", l, "GET, HEAD");
    ck_assert_int_eq(l->names->nelts, 2);

    l = cors_token_list_from_words(pool, "", 1);
    ck_assert_int_eq(l->names->nelts, 0);
    ck_assert_int_eq(l->any, 0);
    assert_joined("empty", l, NULL);

    l = cors_token_list_from_words(pool, "X-Foo * Content-Type", 1);
    ck_assert_int_eq(l->case_insensitive, 1);
    ck_assert_int_eq(l->any, 1);
    ck_assert_int_eq(l->names->nelts, 2);
    assert_joined("with any", l, "*, X-Foo, Content-Type");

    l = cors_token_list_from_words(pool, "*", 1);
    ck_assert_int_eq(l->any, 1);
    ck_assert_int_eq(l->names->nelts, 0);
    assert_joined("only any", l, "*");

    l = cors_token_list_make(pool, 0);
    ck_assert_int_eq(l->any, 0);
    ck_assert_int_eq(l->names->nelts, 0);
    assert_joined("made", l, NULL);
}
END_TEST

typedef struct {
    const char *words;
    int ci;
    const char *name;
    apr_size_t len;         /* LEN_STR: strlen */
    int expect;
} has_row;

static const has_row has_rows[] = {
    { "GET HEAD POST", 0, "GET", LEN_STR, 1 },
    { "GET HEAD POST", 0, "POST", LEN_STR, 1 },
    { "GET HEAD POST", 0, "get", LEN_STR, 0 },
    { "GET HEAD POST", 0, "Post", LEN_STR, 0 },
    { "GET HEAD POST", 0, "PUT", LEN_STR, 0 },
    { "GET HEAD POST", 0, "GE", LEN_STR, 0 },
    { "GET HEAD POST", 0, "GETX", LEN_STR, 0 },
    { "GET HEAD POST", 0, "GETX", 3, 1 },
    { "GET HEAD POST", 0, "", LEN_STR, 0 },
    { "X-Foo Content-Type", 1, "x-foo", LEN_STR, 1 },
    { "X-Foo Content-Type", 1, "X-FOO", LEN_STR, 1 },
    { "X-Foo Content-Type", 1, "CONTENT-TYPE", LEN_STR, 1 },
    { "X-Foo Content-Type", 1, "x-fo", LEN_STR, 0 },
    { "X-Foo Content-Type", 1, "x-foo2", LEN_STR, 0 },
    { "X-Foo Content-Type", 1, "x-foo, bar", 5, 1 },
    { "X-Foo Content-Type", 0, "x-foo", LEN_STR, 0 },
    { "*", 1, "x-foo", LEN_STR, 0 },
    { "*", 1, "*", LEN_STR, 0 },
    { "* Authorization", 1, "authorization", LEN_STR, 1 },
};

#define N_HAS ((int)(sizeof(has_rows) / sizeof(has_rows[0])))

START_TEST(test_has)
{
    const has_row *r = &has_rows[_i];
    cors_token_list *l = cors_token_list_from_words(pool, r->words, r->ci);
    apr_size_t len = r->len == LEN_STR ? strlen(r->name) : r->len;
    int got = cors_token_list_has(l, r->name, len) ? 1 : 0;

    ck_assert_msg(got == r->expect, "'%s' (ci %d) has '%.*s': %d, expected %d",
                  r->words, r->ci, (int)len, r->name, got, r->expect);
}
END_TEST

/*
 * Edits: `parent` (NULL or words) and up to two section lines of words
 * with +/- prefixes (unprefixed = SET); the merged list's joined string.
 */
typedef struct {
    const char *name;
    int ci;
    const char *parent;     /* NULL: no parent */
    const char *lines;      /* space-separated values with +/- */
    cors_list_mode mode;
    const char *joined;     /* NULL: empty */
    int any;
} edit_row;

static const edit_row edit_rows[] = {
    { "inherit", 0, "GET HEAD POST", "", CORS_LIST_INHERIT,
      "GET, HEAD, POST", 0 },
    { "replace", 0, "GET HEAD POST", "PUT DELETE", CORS_LIST_REPLACE,
      "PUT, DELETE", 0 },
    { "add", 0, "GET HEAD POST", "+PUT", CORS_LIST_EDIT,
      "GET, HEAD, POST, PUT", 0 },
    { "add two", 0, "GET HEAD POST", "+PUT +DELETE", CORS_LIST_EDIT,
      "GET, HEAD, POST, PUT, DELETE", 0 },
    { "remove", 0, "GET HEAD POST", "-HEAD", CORS_LIST_EDIT,
      "GET, POST", 0 },
    { "remove and add", 0, "GET HEAD POST", "-HEAD +PUT", CORS_LIST_EDIT,
      "GET, POST, PUT", 0 },
    { "remove all", 0, "GET HEAD POST", "-GET -HEAD -POST", CORS_LIST_EDIT,
      NULL, 0 },
    { "remove absent", 0, "GET HEAD POST", "-PATCH", CORS_LIST_EDIT,
      "GET, HEAD, POST", 0 },
    { "remove is case-sensitive for methods", 0, "GET HEAD POST", "-get",
      CORS_LIST_EDIT, "GET, HEAD, POST", 0 },
    { "remove is case-insensitive for headers", 1, "X-Foo X-Bar", "-x-foo",
      CORS_LIST_EDIT, "X-Bar", 0 },
    { "add a duplicate", 0, "GET HEAD POST", "+GET", CORS_LIST_EDIT,
      "GET, HEAD, POST", 0 },
    { "add a duplicate header in another case", 1, "X-Foo", "+x-foo",
      CORS_LIST_EDIT, "X-Foo", 0 },
    { "add a method in another case", 0, "GET", "+get", CORS_LIST_EDIT,
      "GET, get", 0 },
    { "add any", 0, "GET HEAD POST", "+*", CORS_LIST_EDIT,
      "*, GET, HEAD, POST", 1 },
    { "remove any", 1, "* Authorization", "-*", CORS_LIST_EDIT,
      "Authorization", 0 },
    { "any is inherited", 1, "* Authorization", "+X-Foo", CORS_LIST_EDIT,
      "*, Authorization, X-Foo", 1 },
    { "replace with any", 1, "X-Foo", "*", CORS_LIST_REPLACE, "*", 1 },
    { "replace drops any", 1, "*", "X-Foo", CORS_LIST_REPLACE, "X-Foo", 0 },
    { "set lines accumulate", 0, "GET", "PUT PATCH", CORS_LIST_REPLACE,
      "PUT, PATCH", 0 },
    { "set after add replaces", 0, "GET", "+PUT PATCH", CORS_LIST_REPLACE,
      "PUT, PATCH", 0 },
    { "set duplicates once", 0, NULL, "PUT PUT", CORS_LIST_REPLACE,
      "PUT", 0 },
    { "edit over nothing", 0, NULL, "+PUT", CORS_LIST_EDIT, "PUT", 0 },
    { "remove over nothing", 0, NULL, "-PUT", CORS_LIST_EDIT, NULL, 0 },
    { "remove then add", 0, "GET HEAD POST", "-PUT +PUT", CORS_LIST_EDIT,
      "GET, HEAD, POST, PUT", 0 },
    { "add then remove", 0, "GET HEAD POST", "+PUT -PUT", CORS_LIST_EDIT,
      "GET, HEAD, POST", 0 },
};

#define N_EDIT ((int)(sizeof(edit_rows) / sizeof(edit_rows[0])))

static cors_token_edit *edit_of(apr_pool_t *p, const char *lines, int ci)
{
    cors_token_edit *edit = cors_token_edit_make(p, ci);
    char *copy = apr_pstrdup(p, lines);
    char *last;
    char *w;

    for (w = apr_strtok(copy, " ", &last); w != NULL;
         w = apr_strtok(NULL, " ", &last)) {
        cors_list_op op = CORS_OP_SET;
        if (*w == '+') {
            op = CORS_OP_ADD;
            w++;
        }
        else if (*w == '-') {
            op = CORS_OP_REMOVE;
            w++;
        }
        ck_assert_msg(strcmp(w, "*") == 0 || cors_is_token(w, strlen(w)),
                      "row value '%s' is not a token", w);
        cors_token_edit_apply(p, edit, op, w);
    }
    return edit;
}

START_TEST(test_edit_merge)
{
    const edit_row *r = &edit_rows[_i];
    cors_token_list *parent = NULL;
    const char *parent_joined = NULL;
    cors_token_edit *edit;
    const cors_token_list *got;

    if (r->parent != NULL) {
        parent = cors_token_list_from_words(pool, r->parent, r->ci);
        parent_joined = apr_pstrdup(pool, parent->joined);
    }
    edit = edit_of(pool, r->lines, r->ci);
    ck_assert_msg(edit->mode == r->mode, "%s: mode %d, expected %d",
                  r->name, (int)edit->mode, (int)r->mode);
    got = cors_token_list_merge(pool, edit, parent);

    switch (r->mode) {
    case CORS_LIST_INHERIT:
        ck_assert_msg(got == parent, "%s: INHERIT did not return the parent",
                      r->name);
        break;
    case CORS_LIST_REPLACE:
        ck_assert_msg(got == edit->set, "%s: REPLACE did not return the "
                      "section's own list", r->name);
        break;
    case CORS_LIST_EDIT:
        ck_assert_msg(got != parent, "%s: EDIT returned the parent",
                      r->name);
        break;
    }
    assert_joined(r->name, got, r->joined);
    ck_assert_msg((got->any ? 1 : 0) == r->any, "%s: any %d", r->name,
                  got->any);
    ck_assert_msg(got->case_insensitive == r->ci, "%s: case_insensitive %d",
                  r->name, got->case_insensitive);
    if (parent != NULL) {
        /* the parent is never modified */
        ck_assert_msg(parent_joined == NULL ? parent->joined == NULL
                      : (parent->joined != NULL
                         && strcmp(parent->joined, parent_joined) == 0),
                      "%s: the parent changed to '%s'", r->name,
                      parent->joined ? parent->joined : "(null)");
    }
}
END_TEST

/* The merged list answers `has` like its joined string says. */
START_TEST(test_edit_merge_has)
{
    cors_token_list *parent = cors_token_list_from_words(pool, "X-Foo X-Bar",
                                                         1);
    cors_token_edit *edit = edit_of(pool, "-X-FOO +X-Baz", 1);
    const cors_token_list *got = cors_token_list_merge(pool, edit, parent);

    ck_assert(!cors_token_list_has(got, "x-foo", 5));
    ck_assert(cors_token_list_has(got, "x-bar", 5));
    ck_assert(cors_token_list_has(got, "X-BAZ", 5));
    ck_assert(cors_token_list_has(parent, "x-foo", 5));
    ck_assert_int_eq(got->names->nelts, 2);
}
END_TEST

/* A history of one section's edit, as the glue builds it. */
static const cors_token_history *history_of(apr_pool_t *p,
                                            cors_token_edit *edit)
{
    cors_token_history *h = apr_pcalloc(p, sizeof(*h));

    h->edit = edit;
    return h;
}

/*
 * httpd may merge sections a and b first and then onto the parent:
 * ((base + a) + b) and (base + (a + b)) must give the same list.
 */
START_TEST(test_history_merge_is_associative)
{
    const cors_token_list *base = cors_token_list_from_words(pool,
                                                             "GET HEAD", 0);
    cors_token_edit *a = edit_of(pool, "+PUT -HEAD", 0);
    cors_token_edit *b = edit_of(pool, "+DELETE", 0);
    const cors_token_history *ha = history_of(pool, a), *hb = history_of(pool, b);
    const cors_token_list *la = cors_token_list_merge(pool, a, NULL);
    const cors_token_list *lb = cors_token_list_merge(pool, b, NULL);
    const cors_token_history *h1, *h2, *hab;
    const cors_token_list *l1, *l2, *lab;
    cors_token_edit *r = edit_of(pool, "PATCH", 0);

    cors_token_history_merge(pool, ha, la, NULL, base, &h1, &l1);
    cors_token_history_merge(pool, hb, lb, h1, l1, &h1, &l1);
    cors_token_history_merge(pool, hb, lb, ha, la, &hab, &lab);
    cors_token_history_merge(pool, hab, lab, NULL, base, &h2, &l2);
    ck_assert_str_eq(l1->joined, "GET, PUT, DELETE");
    ck_assert_str_eq(l2->joined, "GET, PUT, DELETE");

    /* No edits: the inherited list itself. */
    cors_token_history_merge(pool, NULL, NULL, h1, l1, &h2, &l2);
    ck_assert_ptr_eq(l2, l1);
    ck_assert_ptr_eq(h2, h1);

    /* A replacing section ignores what it inherits, without a copy. */
    lab = cors_token_list_merge(pool, r, NULL);
    cors_token_history_merge(pool, history_of(pool, r), lab, h1, l1,
                             &h2, &l2);
    ck_assert_ptr_eq(l2, lab);
    ck_assert_str_eq(l2->joined, "PATCH");
}
END_TEST

START_TEST(test_line_ops)
{
    char *plain[] = { "GET", "PUT" };
    char *edits[] = { "+PUT", "-GET" };
    char *mixed[] = { "GET", "+PUT" };
    char *lone[] = { "-", "+" };      /* a bare sign is a value, not a prefix */
    cors_list_op ops[2];
    const char *values[2];

    ck_assert_int_eq(cors_line_ops(2, plain, ops, values), 1);
    ck_assert_int_eq(ops[0], CORS_OP_SET);
    ck_assert_str_eq(values[1], "PUT");
    ck_assert_int_eq(cors_line_ops(2, edits, ops, values), 1);
    ck_assert_int_eq(ops[0], CORS_OP_ADD);
    ck_assert_int_eq(ops[1], CORS_OP_REMOVE);
    ck_assert_str_eq(values[0], "PUT");
    ck_assert_str_eq(values[1], "GET");
    ck_assert_int_eq(cors_line_ops(2, mixed, ops, values), 0);
    ck_assert_int_eq(cors_line_ops(2, lone, ops, values), 1);
    ck_assert_int_eq(ops[0], CORS_OP_SET);
    ck_assert_str_eq(values[0], "-");
}
END_TEST

typedef struct {
    const char *value;
    cors_list_op op;
} bad_value_row;

static const bad_value_row bad_value_rows[] = {
    { "G ET", CORS_OP_SET }, { "a@b", CORS_OP_SET }, { "", CORS_OP_SET },
    { "X:Foo", CORS_OP_ADD }, { "caf\xc3\xa9", CORS_OP_ADD },
    { "a,b", CORS_OP_REMOVE }, { "a\tb", CORS_OP_SET },
    { "\"x\"", CORS_OP_SET },
};

#define N_BAD_VALUE ((int)(sizeof(bad_value_rows) / sizeof(bad_value_rows[0])))

/* Directive values the glue refuses before they reach an edit (its
 * message is tested against httpd in test_configtest.py). */
START_TEST(test_edit_bad_value)
{
    const bad_value_row *r = &bad_value_rows[_i];

    ck_assert_msg(!cors_is_token(r->value, strlen(r->value)),
                  "'%s' (op %d) taken for a token", r->value, (int)r->op);
}
END_TEST

static Suite *tokens_suite(void)
{
    Suite *s = suite_create("cors_tokens");
    TCase *tc;

    tc = tcase_create("token");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_is_token, 0, N_TOKEN);
    suite_add_tcase(s, tc);

    tc = tcase_create("header_list");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_parse_list, 0, N_LIST);
    tcase_add_loop_test(tc, test_parse_list_caps, 0, N_CAP);
    suite_add_tcase(s, tc);

    tc = tcase_create("token_list");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, test_from_words);
    tcase_add_loop_test(tc, test_has, 0, N_HAS);
    tcase_add_loop_test(tc, test_edit_merge, 0, N_EDIT);
    tcase_add_test(tc, test_edit_merge_has);
    tcase_add_test(tc, test_history_merge_is_associative);
    tcase_add_test(tc, test_line_ops);
    tcase_add_loop_test(tc, test_edit_bad_value, 0, N_BAD_VALUE);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return unit_run(tokens_suite());
}
