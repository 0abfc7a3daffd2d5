/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_origin.h: the syntax of a serialized origin (RFC 6454, as browsers
 * send it in the Origin request header) and of the origin patterns an
 * administrator may configure.
 *
 * The same strict parser serves both sides: a configured origin must be
 * written exactly as a browser would send it, and a request Origin that is
 * not in that canonical form is never granted. Matching stays byte-exact.
 *
 * Pure logic on APR; never includes httpd.h.
 */

#ifndef CORS_ORIGIN_H
#define CORS_ORIGIN_H

#include <apr_pools.h>

/* Longest Origin value we look at; anything longer is refused unread. */
#define CORS_ORIGIN_MAX_LEN 512

/* Why a string is not a canonical serialized origin. */
typedef enum {
    CORS_ORIGIN_OK = 0,
    CORS_ORIGIN_EMPTY,
    CORS_ORIGIN_TOO_LONG,
    CORS_ORIGIN_NO_SCHEME,        /* no "scheme://" prefix */
    CORS_ORIGIN_BAD_SCHEME,       /* scheme has characters outside RFC 3986 */
    CORS_ORIGIN_UPPERCASE,        /* scheme or host is not lower case */
    CORS_ORIGIN_NON_ASCII,        /* raw UTF-8 instead of punycode */
    CORS_ORIGIN_USERINFO,         /* "user@" before the host */
    CORS_ORIGIN_PATH,             /* path, query, fragment or trailing '/' */
    CORS_ORIGIN_BAD_HOST,         /* empty label, bad character, too long */
    CORS_ORIGIN_BAD_IPV4,         /* numeric host not in dotted-decimal form */
    CORS_ORIGIN_BAD_IPV6,         /* not a valid bracketed IPv6 address */
    CORS_ORIGIN_IPV6_NOT_CANONICAL,
    CORS_ORIGIN_BAD_PORT,         /* not 1-65535, leading zero, empty */
    CORS_ORIGIN_DEFAULT_PORT      /* ":443" on https, ":80" on http */
} cors_origin_error;

/* Kind of host of a parsed origin. */
typedef enum {
    CORS_HOST_DOMAIN,
    CORS_HOST_IPV4,
    CORS_HOST_IPV6
} cors_host_kind;

/* A parsed origin: views into the string it was parsed from. */
typedef struct {
    const char *scheme;
    apr_size_t scheme_len;
    const char *host;             /* IPv6 hosts include their brackets */
    apr_size_t host_len;
    cors_host_kind host_kind;
    const char *port;             /* digits, or NULL when absent */
    apr_size_t port_len;
} cors_origin;

/*
 * Parse `len` bytes of `s` as a canonical serialized origin
 * ("scheme://host[:port]"). Returns CORS_ORIGIN_OK and fills `out`, or the
 * first problem found. Runs in time linear in `len` and never allocates.
 * The literal "null" is not an origin here; callers test for it first.
 */
cors_origin_error cors_origin_parse(const char *s, apr_size_t len,
                                    cors_origin *out);

/* A short English phrase for an error ("it has a path or trailing slash"). */
const char *cors_origin_error_text(cors_origin_error err);

/*
 * Best-effort canonical spelling of a mistyped origin, for configuration
 * error messages ("HTTPS://Example.com:443/" -> "https://example.com").
 * Returns NULL when no suggestion can be made.
 */
const char *cors_origin_suggest(apr_pool_t *p, const char *s);

/*
 * Whether `domain` (lower case, no trailing dot) is a public suffix such as
 * "com", "co.uk" or "github.io", according to libpsl's built-in list.
 */
int cors_is_public_suffix(const char *domain);

#endif /* CORS_ORIGIN_H */
