/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_tokens.c: RFC 9110 tokens, the configured method and header lists,
 * and the Access-Control-Request-Headers list parser.
 */

#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "cors_tokens.h"

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static int is_tchar(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')) {
        return 1;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int cors_is_token(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (len == 0) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (!is_tchar((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

cors_token_list *cors_token_list_make(apr_pool_t *p, int case_insensitive)
{
    cors_token_list *list = apr_pcalloc(p, sizeof(*list));

    list->case_insensitive = case_insensitive;
    list->names = apr_array_make(p, 4, sizeof(const char *));
    return list;
}

static int names_equal(const cors_token_list *list, const char *a,
                       const char *b, apr_size_t blen)
{
    if (strlen(a) != blen) {
        return 0;
    }
    return list->case_insensitive ? strncasecmp(a, b, blen) == 0
                                  : memcmp(a, b, blen) == 0;
}

int cors_token_list_has(const cors_token_list *list,
                        const char *name, apr_size_t len)
{
    int i;

    for (i = 0; i < list->names->nelts; i++) {
        if (names_equal(list, APR_ARRAY_IDX(list->names, i, const char *),
                        name, len)) {
            return 1;
        }
    }
    return 0;
}

/* Recompute the output form: '*' first, then the names in order. */
static void list_join(apr_pool_t *p, cors_token_list *list)
{
    const char *joined = apr_array_pstrcat(p, list->names, ',');
    char *out;
    apr_size_t i, n = 0, len = strlen(joined);

    if (!list->any && list->names->nelts == 0) {
        list->joined = NULL;
        return;
    }
    /* ", " reads better in responses than apr_array_pstrcat's ",". */
    out = apr_palloc(p, 3 + len + (apr_size_t)list->names->nelts + 1);
    if (list->any) {
        out[n++] = '*';
        if (list->names->nelts) {
            out[n++] = ',';
            out[n++] = ' ';
        }
    }
    for (i = 0; i < len; i++) {
        out[n++] = joined[i];
        if (joined[i] == ',') {
            out[n++] = ' ';
        }
    }
    out[n] = '\0';
    list->joined = out;
}

static void list_add(apr_pool_t *p, cors_token_list *list, const char *name)
{
    if (strcmp(name, "*") == 0) {
        list->any = 1;
    }
    else if (!cors_token_list_has(list, name, strlen(name))) {
        APR_ARRAY_PUSH(list->names, const char *) = apr_pstrdup(p, name);
    }
}

static void list_remove(cors_token_list *list, const char *name)
{
    apr_size_t len = strlen(name);
    int i, j;

    if (strcmp(name, "*") == 0) {
        list->any = 0;
        return;
    }
    for (i = 0, j = 0; i < list->names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(list->names, i, const char *);
        if (!names_equal(list, n, name, len)) {
            APR_ARRAY_IDX(list->names, j++, const char *) = n;
        }
    }
    list->names->nelts = j;
}

cors_token_list *cors_token_list_from_words(apr_pool_t *p, const char *words,
                                            int case_insensitive)
{
    cors_token_list *list = cors_token_list_make(p, case_insensitive);
    char *copy = apr_pstrdup(p, words), *state = NULL, *word;

    for (word = apr_strtok(copy, " ", &state); word;
         word = apr_strtok(NULL, " ", &state)) {
        list_add(p, list, word);
    }
    list_join(p, list);
    return list;
}

int cors_line_ops(int argc, char *const argv[], cors_list_op *ops,
                  const char **values)
{
    int i, prefixed = 0;

    for (i = 0; i < argc; i++) {
        if ((argv[i][0] == '+' || argv[i][0] == '-') && argv[i][1]) {
            ops[i] = argv[i][0] == '+' ? CORS_OP_ADD : CORS_OP_REMOVE;
            values[i] = argv[i] + 1;
            prefixed++;
        }
        else {
            ops[i] = CORS_OP_SET;
            values[i] = argv[i];
        }
    }
    return prefixed == 0 || prefixed == argc;
}

cors_token_edit *cors_token_edit_make(apr_pool_t *p, int case_insensitive)
{
    cors_token_edit *edit = apr_pcalloc(p, sizeof(*edit));

    edit->mode = CORS_LIST_INHERIT;
    edit->set = cors_token_list_make(p, case_insensitive);
    edit->removed = cors_token_list_make(p, case_insensitive);
    return edit;
}

void cors_token_edit_apply(apr_pool_t *p, cors_token_edit *edit,
                           cors_list_op op, const char *value)
{
    switch (op) {
    case CORS_OP_SET:
        if (edit->mode != CORS_LIST_REPLACE) {
            edit->mode = CORS_LIST_REPLACE;
            edit->removed = cors_token_list_make(p, edit->set->case_insensitive);
        }
        list_add(p, edit->set, value);
        break;
    case CORS_OP_ADD:
        if (edit->mode == CORS_LIST_INHERIT) {
            edit->mode = CORS_LIST_EDIT;
        }
        list_remove(edit->removed, value);
        list_add(p, edit->set, value);
        break;
    case CORS_OP_REMOVE:
        if (edit->mode == CORS_LIST_INHERIT) {
            edit->mode = CORS_LIST_EDIT;
        }
        list_remove(edit->set, value);
        if (edit->mode == CORS_LIST_EDIT) {
            list_add(p, edit->removed, value);
        }
        break;
    }
    list_join(p, edit->set);
}

const cors_token_list *cors_token_list_merge(apr_pool_t *p,
                                             const cors_token_edit *edit,
                                             const cors_token_list *parent)
{
    cors_token_list *list;
    int i;

    if (!edit || edit->mode == CORS_LIST_INHERIT) {
        return parent;
    }
    if (edit->mode == CORS_LIST_REPLACE || !parent) {
        return edit->set;
    }
    list = cors_token_list_make(p, parent->case_insensitive);
    list->any = parent->any;
    for (i = 0; i < parent->names->nelts; i++) {
        APR_ARRAY_PUSH(list->names, const char *) =
            APR_ARRAY_IDX(parent->names, i, const char *);
    }
    if (edit->removed->any) {
        list->any = 0;
    }
    for (i = 0; i < edit->removed->names->nelts; i++) {
        list_remove(list, APR_ARRAY_IDX(edit->removed->names, i,
                                        const char *));
    }
    if (edit->set->any) {
        list->any = 1;
    }
    for (i = 0; i < edit->set->names->nelts; i++) {
        list_add(p, list, APR_ARRAY_IDX(edit->set->names, i, const char *));
    }
    list_join(p, list);
    return list;
}

static const cors_token_history *restack(apr_pool_t *p,
                                         const cors_token_history *h,
                                         const cors_token_history *base,
                                         const cors_token_list *base_list,
                                         const cors_token_list **list)
{
    cors_token_history *node = apr_palloc(p, sizeof(*node));

    node->edit = h->edit;
    if (h->below) {
        node->below = restack(p, h->below, base, base_list, list);
    }
    else {
        node->below = base;
        *list = base_list;
    }
    *list = cors_token_list_merge(p, h->edit, *list);
    return node;
}

void cors_token_history_merge(apr_pool_t *p,
                              const cors_token_history *add,
                              const cors_token_list *add_list,
                              const cors_token_history *base,
                              const cors_token_list *base_list,
                              const cors_token_history **history,
                              const cors_token_list **list)
{
    const cors_token_history *bottom = add;

    if (!add) {
        *history = base;
        *list = base_list;
        return;
    }
    while (bottom->below) {
        bottom = bottom->below;
    }
    if (bottom->edit->mode == CORS_LIST_REPLACE) {
        *history = add;
        *list = add_list;
        return;
    }
    *history = restack(p, add, base, base_list, list);
}

static int is_ows(int c)
{
    return c == ' ' || c == '\t';
}

cors_list_error cors_parse_header_list(const char *value,
                                       cors_token_ref *out, int *n,
                                       cors_token_ref *bad)
{
    const char *s = value;

    *n = 0;
    /* Refuse an oversized value before reading it element by element. */
    if (strnlen(value, CORS_REQUEST_HEADERS_MAX_LEN + 1)
        > CORS_REQUEST_HEADERS_MAX_LEN) {
        return CORS_LIST_TOO_LONG;
    }
    for (;;) {
        const char *start, *end;

        s += strspn(s, " \t,");        /* OWS and empty elements */
        if (!*s) {
            return CORS_LIST_OK;
        }
        start = s;
        s += strcspn(s, ",");
        end = s;
        while (end > start && is_ows((unsigned char)end[-1])) {
            end--;
        }
        if (!cors_is_token(start, (apr_size_t)(end - start))) {
            bad->name = start;
            bad->len = (apr_size_t)(end - start);
            return CORS_LIST_BAD_TOKEN;
        }
        if (*n == CORS_REQUEST_HEADERS_MAX_NAMES) {
            return CORS_LIST_TOO_MANY;
        }
        out[*n].name = start;
        out[*n].len = (apr_size_t)(end - start);
        (*n)++;
    }
}
