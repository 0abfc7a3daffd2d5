/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * test_origin.c: unit tests for cors_origin.h, the canonical serialized
 * origin parser, its error texts, the suggestion helper and the public
 * suffix check. Table-driven: one row per input.
 */

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_origin.h"
#include "unit_support.h"


static const char *err_name(cors_origin_error e)
{
    static const char *const names[] = {
        "OK", "EMPTY", "TOO_LONG", "NO_SCHEME", "BAD_SCHEME", "UPPERCASE",
        "NON_ASCII", "USERINFO", "PATH", "BAD_HOST", "BAD_IPV4", "BAD_IPV6",
        "IPV6_NOT_CANONICAL", "BAD_PORT", "DEFAULT_PORT"
    };
    if ((int)e >= 0 && (size_t)e < sizeof(names) / sizeof(names[0])) {
        return names[e];
    }
    return "?";
}

/* ---------------------------------------------------------------------
 * Valid canonical origins: the parse succeeds and the views are right.
 */

typedef struct {
    const char *in;
    const char *scheme;
    const char *host;
    cors_host_kind kind;
    const char *port;       /* NULL: no port */
} valid_row;

static const valid_row valid_rows[] = {
    { "https://example.com", "https", "example.com", CORS_HOST_DOMAIN, NULL },
    { "http://example.com", "http", "example.com", CORS_HOST_DOMAIN, NULL },
    { "https://app.example.com", "https", "app.example.com",
      CORS_HOST_DOMAIN, NULL },
    { "https://a.b.c.d.example.com", "https", "a.b.c.d.example.com",
      CORS_HOST_DOMAIN, NULL },
    { "https://example.com:8443", "https", "example.com",
      CORS_HOST_DOMAIN, "8443" },
    { "http://example.com:443", "http", "example.com", CORS_HOST_DOMAIN,
      "443" },
    { "https://example.com:80", "https", "example.com", CORS_HOST_DOMAIN,
      "80" },
    { "https://example.com:1", "https", "example.com", CORS_HOST_DOMAIN,
      "1" },
    { "https://example.com:65535", "https", "example.com",
      CORS_HOST_DOMAIN, "65535" },
    { "http://localhost", "http", "localhost", CORS_HOST_DOMAIN, NULL },
    { "http://localhost:3000", "http", "localhost", CORS_HOST_DOMAIN,
      "3000" },
    { "http://a", "http", "a", CORS_HOST_DOMAIN, NULL },
    { "https://xn--bcher-kva.example", "https", "xn--bcher-kva.example",
      CORS_HOST_DOMAIN, NULL },
    { "https://my_host.example.com", "https", "my_host.example.com",
      CORS_HOST_DOMAIN, NULL },
    { "https://a-b.example.com", "https", "a-b.example.com",
      CORS_HOST_DOMAIN, NULL },
    { "https://123abc.example.com", "https", "123abc.example.com",
      CORS_HOST_DOMAIN, NULL },
    { "https://1.example.com", "https", "1.example.com",
      CORS_HOST_DOMAIN, NULL },
    { "http://127.0.0.1", "http", "127.0.0.1", CORS_HOST_IPV4, NULL },
    { "http://127.0.0.1:8080", "http", "127.0.0.1", CORS_HOST_IPV4,
      "8080" },
    { "http://10.0.0.255", "http", "10.0.0.255", CORS_HOST_IPV4, NULL },
    { "http://0.0.0.0", "http", "0.0.0.0", CORS_HOST_IPV4, NULL },
    { "https://255.255.255.255", "https", "255.255.255.255",
      CORS_HOST_IPV4, NULL },
    { "http://[::1]", "http", "[::1]", CORS_HOST_IPV6, NULL },
    { "http://[::1]:8080", "http", "[::1]", CORS_HOST_IPV6, "8080" },
    { "https://[2001:db8::1]", "https", "[2001:db8::1]", CORS_HOST_IPV6,
      NULL },
    { "https://[::]", "https", "[::]", CORS_HOST_IPV6, NULL },
    { "https://[2001:db8::]", "https", "[2001:db8::]", CORS_HOST_IPV6,
      NULL },
    { "https://[fe80::1:2]", "https", "[fe80::1:2]", CORS_HOST_IPV6, NULL },
    { "https://[2001:db8:0:1:1:1:1:1]", "https", "[2001:db8:0:1:1:1:1:1]",
      CORS_HOST_IPV6, NULL },
    { "https://[2001:db8::1:0:0:1]", "https", "[2001:db8::1:0:0:1]",
      CORS_HOST_IPV6, NULL },
    { "https://[1:2:3:4:5:6:7:8]", "https", "[1:2:3:4:5:6:7:8]",
      CORS_HOST_IPV6, NULL },
    { "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
      "chrome-extension", "abcdefghijklmnopabcdefghijklmnop",
      CORS_HOST_DOMAIN, NULL },
    { "moz-extension://5a1b2c3d-0000-4e5f-8a9b-0123456789ab",
      "moz-extension", "5a1b2c3d-0000-4e5f-8a9b-0123456789ab",
      CORS_HOST_DOMAIN, NULL },
    { "git+ssh.v2://example.com", "git+ssh.v2", "example.com",
      CORS_HOST_DOMAIN, NULL },
};

#define N_VALID ((int)(sizeof(valid_rows) / sizeof(valid_rows[0])))

static void assert_view(const char *row, const char *what, const char *p,
                        apr_size_t len, const char *expect)
{
    if (expect == NULL) {
        ck_assert_msg(p == NULL, "%s: %s should be absent, got '%.*s'",
                      row, what, (int)len, p ? p : "");
        return;
    }
    ck_assert_msg(p != NULL, "%s: %s absent, expected '%s'", row, what,
                  expect);
    ck_assert_msg(len == strlen(expect) && memcmp(p, expect, len) == 0,
                  "%s: %s is '%.*s', expected '%s'", row, what, (int)len, p,
                  expect);
}

START_TEST(test_parse_valid)
{
    const valid_row *r = &valid_rows[_i];
    cors_origin o;
    cors_origin_error e;

    memset(&o, 0, sizeof(o));
    e = cors_origin_parse(r->in, strlen(r->in), &o);
    ck_assert_msg(e == CORS_ORIGIN_OK, "'%s': expected OK, got %s",
                  r->in, err_name(e));
    assert_view(r->in, "scheme", o.scheme, o.scheme_len, r->scheme);
    assert_view(r->in, "host", o.host, o.host_len, r->host);
    assert_view(r->in, "port", o.port, o.port_len, r->port);
    ck_assert_msg(o.host_kind == r->kind, "'%s': host kind %d, expected %d",
                  r->in, (int)o.host_kind, (int)r->kind);
}
END_TEST

/* ---------------------------------------------------------------------
 * Invalid origins: each yields its error (or, where the header leaves the
 * choice open between two equally fitting errors, one of two).
 */

typedef struct {
    const char *in;
    cors_origin_error err;
    cors_origin_error alt;
} invalid_row;

#define E1(s, e)     { s, e, e }
#define E2(s, e, a)  { s, e, a }

static const invalid_row invalid_rows[] = {
    E1("", CORS_ORIGIN_EMPTY),
    /* no scheme */
    E1("example.com", CORS_ORIGIN_NO_SCHEME),
    E1("//example.com", CORS_ORIGIN_NO_SCHEME),
    E1("https:/example.com", CORS_ORIGIN_NO_SCHEME),
    E1("https:example.com", CORS_ORIGIN_NO_SCHEME),
    E1("localhost:3000", CORS_ORIGIN_NO_SCHEME),
    E2("://example.com", CORS_ORIGIN_NO_SCHEME, CORS_ORIGIN_BAD_SCHEME),
    /* bad scheme */
    E1("ht tp://example.com", CORS_ORIGIN_BAD_SCHEME),
    E1("1http://example.com", CORS_ORIGIN_BAD_SCHEME),
    E1("h_ttp://example.com", CORS_ORIGIN_BAD_SCHEME),
    E1("-http://example.com", CORS_ORIGIN_BAD_SCHEME),
    E1("ht%74p://example.com", CORS_ORIGIN_BAD_SCHEME),
    /* upper case */
    E1("HTTPS://example.com", CORS_ORIGIN_UPPERCASE),
    E1("Https://example.com", CORS_ORIGIN_UPPERCASE),
    E1("https://Example.com", CORS_ORIGIN_UPPERCASE),
    E1("https://EXAMPLE.COM", CORS_ORIGIN_UPPERCASE),
    E1("https://app.examplE.com", CORS_ORIGIN_UPPERCASE),
    E1("http://LOCALHOST:3000", CORS_ORIGIN_UPPERCASE),
    E1("Chrome-extension://abcdef", CORS_ORIGIN_UPPERCASE),
    E1("https://XN--bcher-kva.example", CORS_ORIGIN_UPPERCASE),
    /* raw UTF-8 */
    E1("https://b\xc3\xbc" "cher.example", CORS_ORIGIN_NON_ASCII),
    E1("https://\xe4\xbe\x8b\xe3\x81\x88.jp", CORS_ORIGIN_NON_ASCII),
    E1("https://example.com\xc2\xa0", CORS_ORIGIN_NON_ASCII),
    E1("ht\xc3\xa9ps://example.com", CORS_ORIGIN_NON_ASCII),     /* first word */
    E1("https://a.example.com/\xc3\xa9", CORS_ORIGIN_NON_ASCII), /* before PATH */
    /* userinfo */
    E1("https://user@example.com", CORS_ORIGIN_USERINFO),
    E1("https://user:pass@example.com", CORS_ORIGIN_USERINFO),
    E1("https://@example.com", CORS_ORIGIN_USERINFO),
    E1("https://example.com@evil.com", CORS_ORIGIN_USERINFO),
    E1("https://user@example.com/", CORS_ORIGIN_USERINFO),   /* '@' first */
    /* path, query, fragment, trailing slash */
    E1("https://example.com/", CORS_ORIGIN_PATH),
    E1("https://example.com/path", CORS_ORIGIN_PATH),
    E1("https://example.com/index.html?x=1", CORS_ORIGIN_PATH),
    E1("https://example.com?x=1", CORS_ORIGIN_PATH),
    E1("https://example.com#frag", CORS_ORIGIN_PATH),
    E1("https://example.com:8443/", CORS_ORIGIN_PATH),
    E1("http://[::1]/", CORS_ORIGIN_PATH),
    E1("http://127.0.0.1/", CORS_ORIGIN_PATH),
    E1("https://example.com/user@x", CORS_ORIGIN_PATH),      /* '/' first */
    E1("https://example.com#a@b", CORS_ORIGIN_PATH),
    E1("https://example.com?@", CORS_ORIGIN_PATH),
    /* bad host */
    E1("https://", CORS_ORIGIN_BAD_HOST),
    E2("https://:8080", CORS_ORIGIN_BAD_HOST, CORS_ORIGIN_BAD_PORT),
    E1("https://.example.com", CORS_ORIGIN_BAD_HOST),
    E1("https://example..com", CORS_ORIGIN_BAD_HOST),
    E1("https://example.com.", CORS_ORIGIN_BAD_HOST),
    E1("https://exa mple.com", CORS_ORIGIN_BAD_HOST),
    E1("https://example.com ", CORS_ORIGIN_BAD_HOST),
    E1("https://exa%41mple.com", CORS_ORIGIN_BAD_HOST),
    E1("https://exa*mple.com", CORS_ORIGIN_BAD_HOST),
    E1("https://*.example.com", CORS_ORIGIN_BAD_HOST),
    E1("https://exa\\mple.com", CORS_ORIGIN_BAD_HOST),
    E1("https://exa\tmple.com", CORS_ORIGIN_BAD_HOST),
    E1("https://exa\x01mple.com", CORS_ORIGIN_BAD_HOST),
    /* numeric host not in dotted-decimal form */
    E1("http://127.1", CORS_ORIGIN_BAD_IPV4),
    E1("http://0x7f.0.0.1", CORS_ORIGIN_BAD_IPV4),
    E1("http://256.0.0.1", CORS_ORIGIN_BAD_IPV4),
    E1("http://01.2.3.4", CORS_ORIGIN_BAD_IPV4),
    E1("http://127.0.0.01", CORS_ORIGIN_BAD_IPV4),
    E1("http://1.2.3.4.5", CORS_ORIGIN_BAD_IPV4),
    E1("http://1.2.3", CORS_ORIGIN_BAD_IPV4),
    E1("http://2130706433", CORS_ORIGIN_BAD_IPV4),
    E1("http://1.2.3.256", CORS_ORIGIN_BAD_IPV4),
    /* bad IPv6 */
    E1("http://[::1", CORS_ORIGIN_BAD_IPV6),
    E1("http://[]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[:::1]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[1::2::3]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[12345::1]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[g::1]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[1:2:3:4:5:6:7:8:9]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[1:2:3:4:5:6:7]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[example.com]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[fe80::1%25eth0]", CORS_ORIGIN_BAD_IPV6),
    E1("http://[::1]x", CORS_ORIGIN_BAD_IPV6),
    /* valid IPv6, not in RFC 5952 form */
    E1("http://[0:0::1]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    E1("https://[2001:DB8::1]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    E1("https://[2001:db8:0:0:0:0:0:1]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    E1("https://[2001:0db8::1]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    E1("https://[::0:1]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    E1("https://[0:0:0:0:0:0:0:0]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    E1("https://[2001:db8::1:1:1:1:1]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    E1("https://[2001:db8::1:0:0:0]", CORS_ORIGIN_IPV6_NOT_CANONICAL),
    /* bad port */
    E1("https://example.com:0", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:65536", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:99999", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:1234567", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:080", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:00443", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:8a", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:-1", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:+80", CORS_ORIGIN_BAD_PORT),
    E1("https://example.com:80:80", CORS_ORIGIN_BAD_PORT),
    E1("http://[::1]:", CORS_ORIGIN_BAD_PORT),
    /* default port */
    E1("http://example.com:80", CORS_ORIGIN_DEFAULT_PORT),
    E1("https://example.com:443", CORS_ORIGIN_DEFAULT_PORT),
    E1("http://[::1]:80", CORS_ORIGIN_DEFAULT_PORT),
    E1("https://127.0.0.1:443", CORS_ORIGIN_DEFAULT_PORT),
    E1("wss://example.com:443", CORS_ORIGIN_DEFAULT_PORT),
    E1("ws://example.com:80", CORS_ORIGIN_DEFAULT_PORT),
    /* "null" is not an origin for this parser */
    E1("null", CORS_ORIGIN_NO_SCHEME),
};

#define N_INVALID ((int)(sizeof(invalid_rows) / sizeof(invalid_rows[0])))

START_TEST(test_parse_invalid)
{
    const invalid_row *r = &invalid_rows[_i];
    cors_origin o;
    cors_origin_error e;

    e = cors_origin_parse(r->in, strlen(r->in), &o);
    if (r->err == r->alt) {
        ck_assert_msg(e == r->err, "'%s': expected %s, got %s", r->in,
                      err_name(r->err), err_name(e));
    }
    else {
        ck_assert_msg(e == r->err || e == r->alt,
                      "'%s': expected %s or %s, got %s", r->in,
                      err_name(r->err), err_name(r->alt), err_name(e));
    }
}
END_TEST

/* Refused, with whichever error comes first. */
static const char *const refused_any[] = {
    "https://example.com, https://example.com",
    "https://example.com https://example.com",
    "https://example.com:443/",
    "HTTPS://Example.COM:443/path",
    "http://::1",
    "https://example.com\r\n",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://example.com%2f",
    "https://example.com\\@evil.com",
    "https://example.com:8443@evil.com",
};

#define N_REFUSED_ANY ((int)(sizeof(refused_any) / sizeof(refused_any[0])))

START_TEST(test_parse_refused_any)
{
    const char *in = refused_any[_i];
    cors_origin o;

    ck_assert_msg(cors_origin_parse(in, strlen(in), &o) != CORS_ORIGIN_OK,
                  "'%s': expected an error, got OK", in);
}
END_TEST

/* The parser reads exactly `len` bytes, not up to the NUL. */
START_TEST(test_parse_uses_len)
{
    const char *s = "https://example.com/path";
    cors_origin o;

    ck_assert_int_eq(cors_origin_parse(s, 19, &o), CORS_ORIGIN_OK);
    ck_assert_int_eq((int)o.host_len, 11);
    ck_assert_int_eq(cors_origin_parse(s, 20, &o), CORS_ORIGIN_PATH);
    ck_assert_int_eq(cors_origin_parse(s, 0, &o), CORS_ORIGIN_EMPTY);
    /* an embedded NUL is not part of a canonical origin */
    ck_assert_int_ne(cors_origin_parse("https://example.com\0x", 21, &o),
                     CORS_ORIGIN_OK);
    /* the buffer need not be NUL-terminated */
    {
        char buf[19];
        memcpy(buf, "https://example.com", 19);
        ck_assert_int_eq(cors_origin_parse(buf, sizeof(buf), &o),
                         CORS_ORIGIN_OK);
    }
}
END_TEST

/* Build "https://" followed by labels of 60 'a' separated by dots, `len`
 * bytes in total. */
static char *long_origin(apr_pool_t *p, apr_size_t len)
{
    char *s = apr_palloc(p, len + 1);
    apr_size_t i;

    memcpy(s, "https://", 8);
    for (i = 8; i < len; i++) {
        s[i] = ((i - 8) % 61 == 60) ? '.' : 'a';
    }
    if (s[len - 1] == '.') {
        s[len - 1] = 'a';
    }
    s[len] = '\0';
    return s;
}

START_TEST(test_parse_lengths)
{
    cors_origin o;
    char *s;
    cors_origin_error e;

    s = long_origin(pool, CORS_ORIGIN_MAX_LEN + 1);
    ck_assert_int_eq(strlen(s), 513);
    e = cors_origin_parse(s, strlen(s), &o);
    ck_assert_msg(e == CORS_ORIGIN_TOO_LONG, "513 bytes: got %s",
                  err_name(e));

    /* 513 bytes of anything is refused unread */
    s = apr_pstrcat(pool, "HTTP://", long_origin(pool, 506), NULL);
    ck_assert_int_eq(strlen(s), 513);
    ck_assert_int_eq(cors_origin_parse(s, strlen(s), &o),
                     CORS_ORIGIN_TOO_LONG);

    s = apr_palloc(pool, 100001);
    memset(s, ',', 100000);
    s[100000] = '\0';
    ck_assert_int_eq(cors_origin_parse(s, 100000, &o), CORS_ORIGIN_TOO_LONG);

    /* 512 bytes is not "too long" (the host may still be refused) */
    s = long_origin(pool, CORS_ORIGIN_MAX_LEN);
    ck_assert_int_eq(strlen(s), 512);
    e = cors_origin_parse(s, strlen(s), &o);
    ck_assert_msg(e != CORS_ORIGIN_TOO_LONG, "512 bytes: got TOO_LONG");

    /* a 63-byte label is fine */
    s = apr_pstrcat(pool, "https://", apr_pstrndup(pool,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        63), ".example.com", NULL);
    e = cors_origin_parse(s, strlen(s), &o);
    ck_assert_msg(e == CORS_ORIGIN_OK, "63-byte label: got %s", err_name(e));
}
END_TEST

START_TEST(test_error_text)
{
    int e;

    for (e = CORS_ORIGIN_EMPTY; e <= CORS_ORIGIN_DEFAULT_PORT; e++) {
        const char *t = cors_origin_error_text((cors_origin_error)e);
        ck_assert_msg(t != NULL && *t != '\0', "no text for %s",
                      err_name((cors_origin_error)e));
    }
}
END_TEST

/* ---------------------------------------------------------------------
 * Suggestions.
 */

typedef struct {
    const char *in;
    const char *expect;     /* NULL: expect no suggestion */
} suggest_row;

static const suggest_row suggest_rows[] = {
    { "HTTPS://Example.COM:443/path", "https://example.com" },
    { "https://example.com/", "https://example.com" },
    { "https://example.com/a/b?c#d", "https://example.com" },
    { "https://example.com?x=1", "https://example.com" },
    { "HTTP://EXAMPLE.COM:80", "http://example.com" },
    { "http://example.com:80/", "http://example.com" },
    { "https://example.com:443", "https://example.com" },
    { "http://Example.com:8080/", "http://example.com:8080" },
    { "https://App.Example.Com", "https://app.example.com" },
    { "https://[2001:DB8:0:0:0:0:0:1]", "https://[2001:db8::1]" },
    { "http://[0:0::1]:80/", "http://[::1]" },
    { "http://LOCALHOST:3000/", "http://localhost:3000" },
    { "", NULL },
};

#define N_SUGGEST ((int)(sizeof(suggest_rows) / sizeof(suggest_rows[0])))

START_TEST(test_suggest)
{
    const suggest_row *r = &suggest_rows[_i];
    const char *got = cors_origin_suggest(pool, r->in);

    if (r->expect == NULL) {
        ck_assert_msg(got == NULL, "'%s': expected no suggestion, got '%s'",
                      r->in, got);
    }
    else {
        ck_assert_msg(got != NULL && strcmp(got, r->expect) == 0,
                      "'%s': expected '%s', got '%s'", r->in, r->expect,
                      got ? got : "(null)");
    }
}
END_TEST

/* Whatever is suggested must itself be canonical. */
static const char *const suggest_any[] = {
    "example.com", "https://user@example.com", "https://b\xc3\xbc" "cher.example",
    "https://example.com:0", "https://example..com", "HTTP://127.0.0.1:80/",
    "https://example.com", "%%%", "https://[::1", "null", "*",
    "https://example.com.", "http://0x7f.0.0.1", "http://example.com:443",
};

#define N_SUGGEST_ANY ((int)(sizeof(suggest_any) / sizeof(suggest_any[0])))

START_TEST(test_suggest_is_canonical)
{
    const char *in = suggest_any[_i];
    const char *got = cors_origin_suggest(pool, in);
    cors_origin o;

    if (got != NULL) {
        cors_origin_error e = cors_origin_parse(got, strlen(got), &o);
        ck_assert_msg(e == CORS_ORIGIN_OK,
                      "'%s': suggestion '%s' is not canonical (%s)", in, got,
                      err_name(e));
    }
}
END_TEST

/* ---------------------------------------------------------------------
 * Public suffixes.
 */

typedef struct {
    const char *domain;
    int expect;
} psl_row;

static const psl_row psl_rows[] = {
    { "com", 1 }, { "org", 1 }, { "uk", 1 }, { "co.uk", 1 },
    { "github.io", 1 }, { "jp", 1 },
    { "example.com", 0 }, { "www.example.com", 0 }, { "example.co.uk", 0 },
    { "foo.github.io", 0 }, { "app.example.org", 0 },
};

#define N_PSL ((int)(sizeof(psl_rows) / sizeof(psl_rows[0])))

START_TEST(test_public_suffix)
{
    const psl_row *r = &psl_rows[_i];
    int got = cors_is_public_suffix(r->domain) ? 1 : 0;

    ck_assert_msg(got == r->expect, "'%s': expected %d, got %d", r->domain,
                  r->expect, got);
}
END_TEST

static Suite *origin_suite(void)
{
    Suite *s = suite_create("cors_origin");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_parse_valid, 0, N_VALID);
    tcase_add_loop_test(tc, test_parse_invalid, 0, N_INVALID);
    tcase_add_loop_test(tc, test_parse_refused_any, 0, N_REFUSED_ANY);
    tcase_add_test(tc, test_parse_uses_len);
    tcase_add_test(tc, test_parse_lengths);
    tcase_add_test(tc, test_error_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("suggest");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_suggest, 0, N_SUGGEST);
    tcase_add_loop_test(tc, test_suggest_is_canonical, 0, N_SUGGEST_ANY);
    suite_add_tcase(s, tc);

    tc = tcase_create("public_suffix");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_loop_test(tc, test_public_suffix, 0, N_PSL);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return unit_run(origin_suite());
}
