/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_prefilter.c: one regular expression per layer that tells, in
 * a single call, that an Origin matches none of the layer's
 * CORSAllowOriginMatch entries: the alternation of all of them, compiled
 * with PCRE2 (the library httpd itself uses) and its JIT. Each entry is
 * still compiled and checked alone through ap_regex, as before: this is
 * only a negative filter, so its flags need not be httpd's (subjects are
 * canonical ASCII origins, which no newline or case option changes).
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string.h>

#include "httpd.h"
#include "http_config.h"

#include "apr_strings.h"

#include "mod_cors.h"

typedef struct {
    pcre2_code *code;
    int jit;                    /* JIT-compiled: pcre2_jit_match */
} prefilter;

static apr_status_t prefilter_cleanup(void *data)
{
    pcre2_code_free(((prefilter *)data)->code);
    return APR_SUCCESS;
}

/* Match data lives on the caller's stack: a bump allocator over a small
 * buffer, so that a match costs no malloc and free. */
typedef struct {
    apr_uint64_t words[64];     /* 512 bytes, aligned for PCRE2's structs */
    apr_size_t used;
} arena;

static void *arena_malloc(PCRE2_SIZE size, void *data)
{
    arena *a = data;
    apr_size_t at = APR_ALIGN_DEFAULT(a->used);

    if (at + size > sizeof(a->words)) {
        return NULL;
    }
    a->used = at + size;
    return (char *)a->words + at;
}

static void arena_free(void *block, void *data)
{
    (void)block;
    (void)data;
}

/* Without the JIT, pcre2_match keeps its backtracking frames in the
 * match data: a heap one. */
static int interpreted_match(const prefilter *pf, const char *subject)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc;

    if (!md) {
        return 1;
    }
    rc = pcre2_match(pf->code, (PCRE2_SPTR)subject, strlen(subject), 0, 0,
                     md, NULL);
    pcre2_match_data_free(md);
    return rc != PCRE2_ERROR_NOMATCH;
}

/* Any match will do: the entry that matched is then found alone. On any
 * failure to run, every entry is tried. */
static int prefilter_match(const void *compiled, const char *subject)
{
    const prefilter *pf = compiled;
    arena a;
    pcre2_general_context *gc;
    pcre2_match_data *md;

    if (!pf->jit) {
        return interpreted_match(pf, subject);
    }
    a.used = 0;
    gc = pcre2_general_context_create(arena_malloc, arena_free, &a);
    md = gc ? pcre2_match_data_create(1, gc) : NULL;
    if (!md) {
        return 1;
    }
    return pcre2_jit_match(pf->code, (PCRE2_SPTR)subject, strlen(subject),
                           0, 0, md, NULL) != PCRE2_ERROR_NOMATCH;
}

static int is_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s > 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* "^(?:(?:a)|(?:b))$", or NULL when it does not compile (the entries are
 * then tried one by one, as without a prefilter). */
static const void *compile_alternation(void *ctx, const char *const *patterns,
                                       int n)
{
    cmd_parms *cmd = ctx;
    apr_array_header_t *parts = apr_array_make(cmd->temp_pool, 2 * n + 1,
                                               sizeof(const char *));
    prefilter *pf = apr_pcalloc(cmd->pool, sizeof(*pf));
    const char *alternation;
    PCRE2_SIZE offset;
    int i, err;

    for (i = 0; i < n; i++) {
        if (!is_ascii(patterns[i])) {
            return NULL;
        }
        APR_ARRAY_PUSH(parts, const char *) = i ? ")|(?:" : "^(?:(?:";
        APR_ARRAY_PUSH(parts, const char *) = patterns[i];
    }
    APR_ARRAY_PUSH(parts, const char *) = "))$";
    alternation = apr_array_pstrcat(cmd->temp_pool, parts, 0);
    pf->code = pcre2_compile((PCRE2_SPTR)alternation, PCRE2_ZERO_TERMINATED,
                             PCRE2_NO_AUTO_CAPTURE, &err, &offset, NULL);
    if (!pf->code) {
        return NULL;
    }
    apr_pool_cleanup_register(cmd->pool, pf, prefilter_cleanup,
                              apr_pool_cleanup_null);
    /* A .htaccess is read for every request (its pool is the request's,
     * for both): there the interpreter is cheaper than compiling code. */
    pf->jit = cmd->pool != cmd->temp_pool
              && pcre2_jit_compile(pf->code, PCRE2_JIT_COMPLETE) == 0;
    return pf;
}

void cors_prefilter_layer(cmd_parms *cmd, cors_origin_layer *layer)
{
    cors_origin_layer_prefilter(cmd->pool, layer, compile_alternation,
                                prefilter_match, cmd);
}
