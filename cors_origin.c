/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_origin.c: strict parsing of serialized origins. A request Origin is
 * only ever compared byte for byte, so the parser's job is to say whether a
 * string is exactly what a browser would send, and if not, why.
 */

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <apr_strings.h>
#include <libpsl.h>

#include "cors_origin.h"

#define MAX_HOST_LEN 253
#define MAX_LABEL_LEN 63

static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int to_lower(int c) { return is_upper(c) ? c - 'A' + 'a' : c; }

/* RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static cors_origin_error check_scheme(const char *s, apr_size_t len)
{
    apr_size_t i;
    int upper = 0;

    if (len == 0) {
        return CORS_ORIGIN_NO_SCHEME;
    }
    for (i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (is_upper(c)) {
            upper = 1;
        }
        else if (!is_lower(c)
                 && (i == 0 || !(is_digit(c) || c == '+' || c == '-'
                                 || c == '.'))) {
            return CORS_ORIGIN_BAD_SCHEME;
        }
    }
    return upper ? CORS_ORIGIN_UPPERCASE : CORS_ORIGIN_OK;
}

/* Decimal digits without a leading zero, value <= max. */
static int parse_decimal(const char *s, apr_size_t len, unsigned max)
{
    unsigned v = 0;
    apr_size_t i;

    if (len == 0 || len > 5 || (len > 1 && s[0] == '0')) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (!is_digit((unsigned char)s[i])) {
            return 0;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v <= max;
}

/* WHATWG: a host whose last label is a number is an IPv4 address. */
static int last_label_is_numeric(const char *host, apr_size_t len)
{
    apr_size_t start = len;
    apr_size_t i;

    while (start > 0 && host[start - 1] != '.') {
        start--;
    }
    if (start == len) {
        return 0;
    }
    if (len - start >= 2 && host[start] == '0'
        && (host[start + 1] == 'x' || host[start + 1] == 'X')) {
        for (i = start + 2; i < len; i++) {
            if (!is_hex((unsigned char)host[i])) {
                return 0;
            }
        }
        return 1;
    }
    for (i = start; i < len; i++) {
        if (!is_digit((unsigned char)host[i])) {
            return 0;
        }
    }
    return 1;
}

static cors_origin_error check_ipv4(const char *host, apr_size_t len)
{
    apr_size_t i, start = 0;
    int parts = 0;

    for (i = 0; i <= len; i++) {
        if (i == len || host[i] == '.') {
            if (!parse_decimal(host + start, i - start, 255)) {
                return CORS_ORIGIN_BAD_IPV4;
            }
            parts++;
            start = i + 1;
        }
    }
    return parts == 4 ? CORS_ORIGIN_OK : CORS_ORIGIN_BAD_IPV4;
}

/* Domain names: lower-case LDH labels (and '_', which browsers keep). */
static cors_origin_error check_domain(const char *host, apr_size_t len)
{
    apr_size_t i, label = 0;
    int upper = 0;

    if (len == 0 || len > MAX_HOST_LEN) {
        return CORS_ORIGIN_BAD_HOST;
    }
    for (i = 0; i < len; i++) {
        int c = (unsigned char)host[i];
        if (c == '.') {
            if (label == 0) {
                return CORS_ORIGIN_BAD_HOST;
            }
            label = 0;
            continue;
        }
        if (is_upper(c)) {
            upper = 1;
        }
        else if (!is_lower(c) && !is_digit(c) && c != '-' && c != '_') {
            return CORS_ORIGIN_BAD_HOST;
        }
        if (++label > MAX_LABEL_LEN) {
            return CORS_ORIGIN_BAD_HOST;
        }
    }
    if (label == 0) {
        return CORS_ORIGIN_BAD_HOST;        /* trailing dot */
    }
    if (upper) {
        return CORS_ORIGIN_UPPERCASE;
    }
    if (last_label_is_numeric(host, len)) {
        return check_ipv4(host, len);
    }
    return CORS_ORIGIN_OK;
}

/*
 * Serialize a binary IPv6 address the way the URL standard does: lower-case
 * hex pieces without leading zeros, the first longest run of two or more
 * zero pieces written as "::". `buf` needs 40 bytes.
 */
static void ipv6_serialize(const unsigned char addr[16], char *buf)
{
    static const char hex[] = "0123456789abcdef";
    unsigned pieces[8];
    int best = -1, best_len = 1, run = -1, i;
    char *o = buf;

    for (i = 0; i < 8; i++) {
        const unsigned char *piece = addr + (apr_size_t)i * 2;
        pieces[i] = ((unsigned)piece[0] << 8) | piece[1];
    }
    for (i = 0; i <= 8; i++) {
        if (i < 8 && pieces[i] == 0) {
            if (run < 0) {
                run = i;
            }
        }
        else if (run >= 0) {
            if (i - run > best_len) {
                best = run;
                best_len = i - run;
            }
            run = -1;
        }
    }
    for (i = 0; i < 8; i++) {
        int shift, started = 0;
        if (i == best) {
            *o++ = ':';
            if (i == 0) {
                *o++ = ':';
            }
            i += best_len - 1;
            continue;
        }
        for (shift = 12; shift >= 0; shift -= 4) {
            unsigned nib = (pieces[i] >> shift) & 0xf;
            if (nib || started || shift == 0) {
                *o++ = hex[nib];
                started = 1;
            }
        }
        if (i < 7) {
            *o++ = ':';
        }
    }
    *o = '\0';
}

/* Parse a bracketed IPv6 host into its canonical text (48 bytes room). */
static int ipv6_canonical(const char *host, apr_size_t len, char *canonical)
{
    char text[64];
    unsigned char addr[16];

    if (len < 3 || len - 2 >= sizeof(text)) {
        return 0;
    }
    memcpy(text, host + 1, len - 2);
    text[len - 2] = '\0';
    if (inet_pton(AF_INET6, text, addr) != 1) {
        return 0;
    }
    ipv6_serialize(addr, canonical);
    return 1;
}

/* `host` includes the brackets. */
static cors_origin_error check_ipv6(const char *host, apr_size_t len)
{
    char canonical[48];

    if (!ipv6_canonical(host, len, canonical)) {
        return CORS_ORIGIN_BAD_IPV6;
    }
    if (strlen(canonical) != len - 2
        || memcmp(canonical, host + 1, len - 2) != 0) {
        return CORS_ORIGIN_IPV6_NOT_CANONICAL;
    }
    return CORS_ORIGIN_OK;
}

static int is_default_port(const char *scheme, apr_size_t scheme_len,
                           const char *port, apr_size_t port_len)
{
    static const struct { const char *scheme; const char *port; } defaults[] = {
        { "http", "80" }, { "https", "443" }, { "ws", "80" },
        { "wss", "443" }, { "ftp", "21" }
    };
    apr_size_t i;

    for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strlen(defaults[i].scheme) == scheme_len
            && memcmp(defaults[i].scheme, scheme, scheme_len) == 0
            && strlen(defaults[i].port) == port_len
            && memcmp(defaults[i].port, port, port_len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Whether a byte of s[0..len) has its high bit set; a word at a time,
 * as every request Origin that is not an exact entry is parsed. */
static int has_non_ascii(const char *s, apr_size_t len)
{
    apr_size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080)) {
            return 1;
        }
    }
    for (; i < len; i++) {
        if ((unsigned char)s[i] >= 0x80) {
            return 1;
        }
    }
    return 0;
}

/* The first '/', '?', '#' or '@' of a[0..len), or NULL. */
static const char *first_stop(const char *a, apr_size_t len)
{
    static const char stops[] = "/?#@";
    const char *first = NULL;
    int k;

    for (k = 0; k < 4; k++) {
        const char *p = memchr(a, stops[k],
                               first ? (apr_size_t)(first - a) : len);
        if (p) {
            first = p;
        }
    }
    return first;
}

/* Find "://" in s[0..len); returns its offset or len when absent. */
static apr_size_t find_scheme_end(const char *s, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i + 2 < len; i++) {
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
            return i;
        }
        if (s[i] == '/' || s[i] == '?' || s[i] == '#' || s[i] == '@') {
            break;
        }
    }
    return len;
}

static cors_origin_error parse_host_port(const char *a, apr_size_t len,
                                         cors_origin *out)
{
    apr_size_t host_len;
    cors_origin_error err;

    if (len > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', len);
        if (!close) {
            return CORS_ORIGIN_BAD_IPV6;
        }
        host_len = (apr_size_t)(close - a) + 1;
        if (host_len < len && a[host_len] != ':') {
            return CORS_ORIGIN_BAD_IPV6;
        }
        err = check_ipv6(a, host_len);
        out->host_kind = CORS_HOST_IPV6;
    }
    else {
        const char *colon = memchr(a, ':', len);
        host_len = colon ? (apr_size_t)(colon - a) : len;
        err = check_domain(a, host_len);
        out->host_kind = last_label_is_numeric(a, host_len)
                         ? CORS_HOST_IPV4 : CORS_HOST_DOMAIN;
    }
    if (err != CORS_ORIGIN_OK) {
        return err;
    }
    out->host = a;
    out->host_len = host_len;
    out->port = NULL;
    out->port_len = 0;
    if (host_len < len) {
        out->port = a + host_len + 1;
        out->port_len = len - host_len - 1;
        if (!parse_decimal(out->port, out->port_len, 65535)
            || (out->port_len == 1 && out->port[0] == '0')) {
            return CORS_ORIGIN_BAD_PORT;
        }
    }
    return CORS_ORIGIN_OK;
}

cors_origin_error cors_origin_parse(const char *s, apr_size_t len,
                                    cors_origin *out)
{
    apr_size_t scheme_len;
    const char *a, *stop;
    apr_size_t alen;
    cors_origin_error err;

    if (len == 0) {
        return CORS_ORIGIN_EMPTY;
    }
    if (len > CORS_ORIGIN_MAX_LEN) {
        return CORS_ORIGIN_TOO_LONG;
    }
    if (has_non_ascii(s, len)) {
        return CORS_ORIGIN_NON_ASCII;
    }
    scheme_len = find_scheme_end(s, len);
    if (scheme_len == len) {
        return CORS_ORIGIN_NO_SCHEME;
    }
    if ((err = check_scheme(s, scheme_len)) != CORS_ORIGIN_OK) {
        return err;
    }
    a = s + scheme_len + 3;
    alen = len - scheme_len - 3;
    if ((stop = first_stop(a, alen)) != NULL) {
        return *stop == '@' ? CORS_ORIGIN_USERINFO : CORS_ORIGIN_PATH;
    }
    out->scheme = s;
    out->scheme_len = scheme_len;
    if ((err = parse_host_port(a, alen, out)) != CORS_ORIGIN_OK) {
        return err;
    }
    if (out->port && is_default_port(s, scheme_len, out->port, out->port_len)) {
        return CORS_ORIGIN_DEFAULT_PORT;
    }
    return CORS_ORIGIN_OK;
}

const char *cors_origin_error_text(cors_origin_error err)
{
    switch (err) {
    case CORS_ORIGIN_OK:
        return "it is canonical";
    case CORS_ORIGIN_EMPTY:
        return "it is empty";
    case CORS_ORIGIN_TOO_LONG:
        return "it is longer than 512 bytes";
    case CORS_ORIGIN_NO_SCHEME:
        return "it has no scheme:// prefix";
    case CORS_ORIGIN_BAD_SCHEME:
        return "the scheme has characters a scheme cannot have";
    case CORS_ORIGIN_UPPERCASE:
        return "scheme and host must be lower case";
    case CORS_ORIGIN_NON_ASCII:
        return "the host must be written in its punycode (xn--) form";
    case CORS_ORIGIN_USERINFO:
        return "an origin has no user@ part";
    case CORS_ORIGIN_PATH:
        return "an origin has no path, trailing slash, query or fragment";
    case CORS_ORIGIN_BAD_HOST:
        return "the host is not a valid domain name";
    case CORS_ORIGIN_BAD_IPV4:
        return "a numeric host must be a dotted-decimal IPv4 address";
    case CORS_ORIGIN_BAD_IPV6:
        return "the bracketed IPv6 address is not valid";
    case CORS_ORIGIN_IPV6_NOT_CANONICAL:
        return "the IPv6 address is not in its canonical (RFC 5952) form";
    case CORS_ORIGIN_BAD_PORT:
        return "the port must be a number from 1 to 65535 without leading zeros";
    case CORS_ORIGIN_DEFAULT_PORT:
        return "browsers omit the scheme's default port";
    }
    return "it is not a valid origin";
}

/* Lower-case the ASCII letters of s[0..len) into a new string. */
static char *lower_dup(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *d = apr_pstrmemdup(p, s, len);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        d[i] = (char)to_lower((unsigned char)d[i]);
    }
    return d;
}

/* The canonical text of a bracketed IPv6 host, or NULL. */
static const char *canonical_ipv6(apr_pool_t *p, const char *host,
                                  apr_size_t len)
{
    char canonical[48];

    if (!ipv6_canonical(host, len, canonical)) {
        return NULL;
    }
    return apr_pstrcat(p, "[", canonical, "]", NULL);
}

const char *cors_origin_suggest(apr_pool_t *p, const char *s)
{
    const char *rest, *end, *at, *host_end, *host, *port = NULL;
    const char *scheme = "https", *result;
    apr_size_t scheme_len = find_scheme_end(s, strlen(s));
    cors_origin parsed;

    if (scheme_len < strlen(s)) {
        scheme = lower_dup(p, s, scheme_len);
        rest = s + scheme_len + 3;
    }
    else {
        rest = s;
    }
    end = rest + strcspn(rest, "/?#");
    at = memchr(rest, '@', (apr_size_t)(end - rest));
    if (at) {
        rest = at + 1;
    }
    if (*rest == '[') {
        host_end = memchr(rest, ']', (apr_size_t)(end - rest));
        if (!host_end) {
            return NULL;
        }
        host_end++;
        host = canonical_ipv6(p, rest, (apr_size_t)(host_end - rest));
        if (!host) {
            return NULL;
        }
    }
    else {
        host_end = memchr(rest, ':', (apr_size_t)(end - rest));
        if (!host_end) {
            host_end = end;
        }
        if (host_end > rest && host_end[-1] == '.') {
            host = lower_dup(p, rest, (apr_size_t)(host_end - rest) - 1);
        }
        else {
            host = lower_dup(p, rest, (apr_size_t)(host_end - rest));
        }
    }
    if (host_end < end && *host_end == ':') {
        port = apr_pstrmemdup(p, host_end + 1,
                              (apr_size_t)(end - host_end - 1));
        while (port[0] == '0' && port[1] != '\0') {
            port++;
        }
        if (is_default_port(scheme, strlen(scheme), port, strlen(port))) {
            port = NULL;
        }
    }
    result = apr_pstrcat(p, scheme, "://", host, port ? ":" : "", port, NULL);
    if (cors_origin_parse(result, strlen(result), &parsed) != CORS_ORIGIN_OK) {
        return NULL;
    }
    return result;
}

/* libpsl's compiled-in list, else the system's list, loaded once. */
static const psl_ctx_t *public_suffix_list(void)
{
    static const psl_ctx_t *ctx;

    if (!ctx) {
        ctx = psl_builtin();
    }
    if (!ctx) {
        ctx = psl_latest(NULL);
    }
    return ctx;
}

int cors_is_public_suffix(const char *domain)
{
    const psl_ctx_t *ctx = public_suffix_list();

    if (!ctx) {
        return 0;
    }
    /* No implicit "*" rule: an unlisted name such as "localhost" is not
     * a public suffix; listed ones ("com", "co.uk", "github.io") are. */
    return psl_is_public_suffix2(ctx, domain,
                                 PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}
