/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_tokens.h: RFC 9110 tokens and lists, as used by method and header
 * names: the configured lists of CORSAllowMethods, CORSAllowHeaders and
 * CORSExposeHeaders (with their +/- inheritance), and the parsing of the
 * Access-Control-Request-Headers list a browser sends.
 *
 * Pure logic on APR; never includes httpd.h.
 */

#ifndef CORS_TOKENS_H
#define CORS_TOKENS_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "cors_origin_rules.h"   /* cors_list_mode, cors_list_op */

/* Caps on Access-Control-Request-Headers; past them the preflight fails. */
#define CORS_REQUEST_HEADERS_MAX_NAMES 64
#define CORS_REQUEST_HEADERS_MAX_LEN   4096

/* Non-zero when s[0..len) is a non-empty RFC 9110 token. */
int cors_is_token(const char *s, apr_size_t len);

/*
 * A configured list of tokens. Names keep their configured spelling for
 * output; comparisons are case-sensitive for methods and case-insensitive
 * for header names. '*' is kept apart as a flag.
 */
typedef struct {
    int case_insensitive;
    int any;                      /* '*' is in the list */
    apr_array_header_t *names;    /* const char*, without '*' */
    const char *joined;           /* "A, B" ('*' first), or NULL if empty */
} cors_token_list;

/* One section's lines for a list directive. */
typedef struct {
    cors_list_mode mode;
    cors_token_list *set;         /* names given (REPLACE) or added (EDIT) */
    cors_token_list *removed;     /* names removed (EDIT) */
    const char *source;           /* "file:line" of its lines, set by the
                                   * caller; NULL: unknown */
} cors_token_edit;

cors_token_list *cors_token_list_make(apr_pool_t *p, int case_insensitive);

/* Parse a space-separated default such as "GET HEAD POST". */
cors_token_list *cors_token_list_from_words(apr_pool_t *p, const char *words,
                                            int case_insensitive);

/* Non-zero when the list holds `name` (not counting '*'). */
int cors_token_list_has(const cors_token_list *list,
                        const char *name, apr_size_t len);

/*
 * Split one directive line's arguments into operations and values: "+x"
 * adds x, "-x" removes it, a plain "x" sets. Returns 0 when the line mixes
 * prefixed and plain values (a configuration error), else 1.
 */
int cors_line_ops(int argc, char *const argv[], cors_list_op *ops,
                  const char **values);

cors_token_edit *cors_token_edit_make(apr_pool_t *p, int case_insensitive);

/*
 * Apply one argument of a directive line to a section's edit: "*" or a
 * token (the caller has checked it with cors_is_token), already stripped
 * of its +/- prefix.
 */
void cors_token_edit_apply(apr_pool_t *p, cors_token_edit *edit,
                           cors_list_op op, const char *value);

/*
 * The list in effect: `edit` over the inherited `parent`. Returns `parent`
 * unchanged for INHERIT and the section's own list for REPLACE; builds a
 * new (small) list only for EDIT.
 */
const cors_token_list *cors_token_list_merge(apr_pool_t *p,
                                             const cors_token_edit *edit,
                                             const cors_token_list *parent);

/*
 * The edits a configuration has accumulated over merges, newest first,
 * down to the first one that replaces its inherited list (or to the end,
 * when they all edit it).
 */
typedef struct cors_token_history cors_token_history;
struct cors_token_history {
    const cors_token_edit *edit;
    const cors_token_history *below;
};

/*
 * Merge an already merged configuration's history `add` (with its list in
 * effect `add_list`) over the inherited `base` history and `base_list`.
 * Gives the same result whichever way httpd groups its merges; when `add`
 * replaces its inherited list, its own history and list are returned as
 * they are.
 */
void cors_token_history_merge(apr_pool_t *p,
                              const cors_token_history *add,
                              const cors_token_list *add_list,
                              const cors_token_history *base,
                              const cors_token_list *base_list,
                              const cors_token_history **history,
                              const cors_token_list **list);

/* One name of a parsed Access-Control-Request-Headers value. */
typedef struct {
    const char *name;             /* points into the header value */
    apr_size_t len;
} cors_token_ref;

typedef enum {
    CORS_LIST_OK = 0,
    CORS_LIST_BAD_TOKEN,          /* a character outside tchar */
    CORS_LIST_TOO_MANY,           /* more than CORS_REQUEST_HEADERS_MAX_NAMES */
    CORS_LIST_TOO_LONG            /* more than CORS_REQUEST_HEADERS_MAX_LEN */
} cors_list_error;

/*
 * Parse an RFC 9110 list of header names: optional whitespace and empty
 * elements are tolerated. Linear in the length, no allocation: names are
 * written to `out` (room for CORS_REQUEST_HEADERS_MAX_NAMES) and counted
 * in `*n`. On CORS_LIST_BAD_TOKEN, `*bad` is the offending element.
 */
cors_list_error cors_parse_header_list(const char *value,
                                       cors_token_ref *out, int *n,
                                       cors_token_ref *bad);

#endif /* CORS_TOKENS_H */
