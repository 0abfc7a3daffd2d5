/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * fuzz_directive.c: libFuzzer target for directive arguments and their
 * inheritance: cors_rule_parse, cors_origin_layer_apply,
 * cors_origin_chain_make and cors_origin_match for CORSAllowOrigin /
 * CORSAllowOriginMatch, and cors_token_edit_apply / cors_token_list_merge
 * for CORSAllowMethods, CORSAllowHeaders and CORSExposeHeaders.
 *
 * Input: lines. The first byte of a line picks the directive (byte % 5)
 * and the section it is written in (byte / 5 % 3: server, vhost,
 * directory); the rest are its arguments, split on blanks, their "+"/"-"
 * prefixes split off by cors_line_ops (checked against a reference), and
 * applied the way mod_cors.c's directive handlers do (a line mixing
 * prefixed and plain values, or "none" not alone, is refused).
 * The three sections are then merged, child over parent. Checked:
 *
 *   - errors are non-empty strings without CR or LF;
 *   - an accepted exact origin is canonical: it re-parses to itself, and
 *     cors_origin_suggest proposes nothing else; a suggestion offered for
 *     a refused value is itself accepted;
 *   - the merged origin list has exactly the entries an independent model
 *     of the merge rules (decisions.md) says, '*' included; every exact
 *     entry in effect matches itself; whatever cors_origin_match grants is
 *     an entry in effect, and an exact entry grants only its own text;
 *   - merged token lists hold exactly the model's names, each a token,
 *     without duplicates, and their joined form is "*, " + names by ", ".
 */

#include <regex.h>
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
#include "cors_tokens.h"

#define CHECK(cond, ...) do {                                           \
        if (!(cond)) {                                                  \
            fprintf(stderr, "fuzz_directive: property failed: %s\n  ", #cond); \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
            abort();                                                    \
        }                                                               \
    } while (0)

#define N_LAYERS 3
#define N_LISTS 3               /* methods, allow headers, expose headers */
#define MAX_ARGS 16
#define MAX_LINES 24
#define MAX_MODEL 400           /* model entries per set (> lines * args) */
#define MAX_PROBES 96

static apr_pool_t *global_pool;
static regex_t fixed_re;        /* every regex rule uses this one */

static int posix_match(const void *compiled, const char *subject)
{
    return compiled && regexec((const regex_t *)compiled, subject, 0, NULL, 0) == 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&global_pool, NULL);
    if (regcomp(&fixed_re, "^https://re[0-9]*\\.example\\.com$",
                REG_EXTENDED | REG_NOSUB) != 0) {
        abort();
    }
    return 0;
}

/* --- the model: ordered sets of ids ------------------------------------ */

typedef struct {
    int n;
    const char *id[MAX_MODEL];
} mset;

typedef struct {
    cors_list_mode mode;
    mset own, removed;
} mlayer;

static int ieq(const char *a, const char *b, int icase)
{
    return icase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static int mset_has(const mset *s, const char *id, int icase)
{
    int i;
    for (i = 0; i < s->n; i++) {
        if (ieq(s->id[i], id, icase)) {
            return 1;
        }
    }
    return 0;
}

static void mset_add(mset *s, const char *id, int icase)
{
    if (!mset_has(s, id, icase) && s->n < MAX_MODEL) {
        s->id[s->n++] = id;
    }
}

static void mset_del(mset *s, const char *id, int icase)
{
    int i, j;
    for (i = 0, j = 0; i < s->n; i++) {
        if (!ieq(s->id[i], id, icase)) {
            s->id[j++] = s->id[i];
        }
    }
    s->n = j;
}

/* An origin entry's text: a regex's id is "~" and its pattern. */
static const char *text_of(const char *id)
{
    return id[0] == '~' ? id + 1 : id;
}

/* Whether removal `r` takes away parent entry `id`: tokens by name, origin
 * entries by text, whatever their kind. */
static int removes(const mset *removed, const char *id, int icase, int origin)
{
    return mset_has(removed, origin ? text_of(id) : id, icase);
}

/* decisions.md: SET makes the section REPLACE (dropping its removals);
 * "+" and "-" make an untouched section EDIT; "-" also records a removal
 * from the parent while the section edits. id NULL = "none". For origin
 * lists (`regex_id` given), "-x" removes the entries x and "~x". */
static void model_apply(mlayer *l, cors_list_op op, const char *id, int icase,
                        const char *regex_id)
{
    switch (op) {
    case CORS_OP_SET:
        if (l->mode != CORS_LIST_REPLACE) {
            l->removed.n = 0;
            l->mode = CORS_LIST_REPLACE;
        }
        if (id) {
            mset_add(&l->own, id, icase);
        }
        else {
            l->own.n = 0;
        }
        break;
    case CORS_OP_ADD:
        if (l->mode == CORS_LIST_INHERIT) {
            l->mode = CORS_LIST_EDIT;
        }
        mset_del(&l->removed, regex_id ? text_of(id) : id, icase);
        mset_add(&l->own, id, icase);
        break;
    case CORS_OP_REMOVE:
        if (l->mode == CORS_LIST_INHERIT) {
            l->mode = CORS_LIST_EDIT;
        }
        mset_del(&l->own, id, icase);
        if (regex_id) {
            mset_del(&l->own, regex_id, icase);
        }
        if (l->mode == CORS_LIST_EDIT) {
            mset_add(&l->removed, id, icase);
        }
        break;
    }
}

static void model_merge(const mlayer *l, const mset *parent, mset *out,
                        int icase, int origin)
{
    int i;
    switch (l->mode) {
    case CORS_LIST_INHERIT:
        *out = *parent;
        return;
    case CORS_LIST_REPLACE:
        *out = l->own;
        return;
    case CORS_LIST_EDIT:
        out->n = 0;
        for (i = 0; i < parent->n; i++) {
            if (!removes(&l->removed, parent->id[i], icase, origin)) {
                mset_add(out, parent->id[i], icase);
            }
        }
        for (i = 0; i < l->own.n; i++) {
            mset_add(out, l->own.id[i], icase);
        }
        return;
    }
}

/* --- helpers ------------------------------------------------------------ */

static void check_error(const char *what, const char *err)
{
    CHECK(err != NULL && err[0] != '\0', "%s: empty error", what);
    CHECK(strpbrk(err, "\r\n") == NULL, "%s: error holds CR/LF: %s", what, err);
}

static int is_token_str(const char *s)
{
    return cors_is_token(s, strlen(s));
}

/* Replace the first occurrence of `from` in `s` by `to`. */
static const char *replace1(apr_pool_t *p, const char *s, const char *from,
                            const char *to)
{
    const char *at = strstr(s, from);
    if (!at) {
        return s;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, s, (apr_size_t)(at - s)), to,
                       at + strlen(from), NULL);
}

static int canonical(const char *s)
{
    cors_origin o;
    return cors_origin_parse(s, strlen(s), &o) == CORS_ORIGIN_OK;
}

typedef struct {
    apr_pool_t *p;
    cors_origin_layer *olayer[N_LAYERS];
    mlayer omodel[N_LAYERS];
    cors_token_edit *tedit[N_LISTS][N_LAYERS];
    mlayer tmodel[N_LISTS][N_LAYERS];
    const char *probes[MAX_PROBES];
    int nprobes;
    apr_hash_t *kind_of;        /* origin id -> cors_rule (last parsed) */
} state;

static void add_probe(state *st, const char *s)
{
    if (st->nprobes < MAX_PROBES) {
        st->probes[st->nprobes++] = s;
    }
}

/*
 * cors_line_ops, checked against a reference: "+x"/"-x" (x non-empty) add
 * or remove x, anything else sets itself; a line mixing the two is refused.
 */
static int line_ops(int argc, char **argv, cors_list_op *ops,
                    const char **values)
{
    int i, prefixed = 0, ok = cors_line_ops(argc, argv, ops, values);

    for (i = 0; i < argc; i++) {
        int pre = (argv[i][0] == '+' || argv[i][0] == '-') && argv[i][1];
        prefixed += pre;
        CHECK(ops[i] == (!pre ? CORS_OP_SET : argv[i][0] == '+' ? CORS_OP_ADD
                                                               : CORS_OP_REMOVE)
              && values[i] == argv[i] + pre, "cors_line_ops: argument %d '%s'",
              i, argv[i]);
    }
    CHECK(ok == (prefixed == 0 || prefixed == argc), "cors_line_ops: "
          "returned %d for %d prefixed of %d", ok, prefixed, argc);
    return ok;
}

static void origin_line(state *st, int layer, int is_regex, int argc,
                        char **argv)
{
    apr_pool_t *p = st->p;
    cors_list_op ops[MAX_ARGS];
    const char *values[MAX_ARGS];
    cors_rule rules[MAX_ARGS];
    int i;

    if (!line_ops(argc, argv, ops, values)) {
        return;                         /* "cannot mix" */
    }
    for (i = 0; i < argc; i++) {
        const char *err;

        if (ops[i] == CORS_OP_REMOVE) {
            /* "-x" removes by text: it is not parsed. */
            memset(&rules[i], 0, sizeof(rules[i]));
            rules[i].text = rules[i].id = values[i];
            continue;
        }
        if (is_regex) {
            cors_rule_regex(p, &rules[i], values[i], &fixed_re, posix_match);
            CHECK(rules[i].kind == CORS_RULE_REGEX && rules[i].id
                  && rules[i].id[0] == '~'
                  && strcmp(rules[i].id + 1, values[i]) == 0, "regex id");
            continue;
        }
        if (strcmp(values[i], "none") == 0) {
            if (argc > 1 || ops[i] != CORS_OP_SET) {
                return;                 /* "must stand alone" */
            }
            cors_origin_layer_apply(p, st->olayer[layer], CORS_OP_SET, NULL);
            model_apply(&st->omodel[layer], CORS_OP_SET, NULL, 0, NULL);
            return;
        }
        err = cors_rule_parse(p, values[i], &rules[i]);
        if (err) {
            const char *fix = cors_origin_suggest(p, values[i]);
            check_error(values[i], err);
            if (fix && strcmp(fix, values[i]) != 0) {
                cors_rule again;
                CHECK(cors_rule_parse(p, fix, &again) == NULL,
                      "'%s': suggested '%s' is refused too", values[i], fix);
                add_probe(st, fix);
            }
            return;                     /* the whole line is refused */
        }
        CHECK(rules[i].text && rules[i].id && rules[i].key, "rule strings");
        CHECK(strcmp(rules[i].text, values[i]) == 0
              && strcmp(rules[i].id, values[i]) == 0, "rule text/id");
        switch (rules[i].kind) {
        case CORS_RULE_EXACT: {
            cors_rule again;
            const char *fix = cors_origin_suggest(p, values[i]);
            CHECK(canonical(values[i]), "exact '%s' not canonical", values[i]);
            CHECK(!fix || strcmp(fix, values[i]) == 0, "canonical '%s' gets "
                  "suggestion '%s'", values[i], fix);
            CHECK(cors_rule_parse(p, rules[i].text, &again) == NULL
                  && again.kind == CORS_RULE_EXACT
                  && strcmp(again.text, values[i]) == 0, "re-parse '%s'",
                  values[i]);
            CHECK(strpbrk(values[i], "*, \t") == NULL, "exact with '*'/blank");
            add_probe(st, values[i]);
            break;
        }
        case CORS_RULE_SUBDOMAIN: {
            const char *probe = replace1(p, values[i], "*.", "a.");
            CHECK(strstr(values[i], "://*.") != NULL, "subdomain shape '%s'",
                  values[i]);
            if (rules[i].any_port) {
                add_probe(st, replace1(p, probe, ":*", ""));
                probe = replace1(p, probe, ":*", ":8080");
            }
            add_probe(st, probe);
            /* the apex itself is never matched */
            add_probe(st, replace1(p, replace1(p, values[i], "*.", ""), ":*", ""));
            break;
        }
        case CORS_RULE_ANY_PORT:
            CHECK(strlen(values[i]) > 2, "any-port shape");
            add_probe(st, replace1(p, values[i], ":*", ""));
            add_probe(st, replace1(p, values[i], ":*", ":1"));
            break;
        case CORS_RULE_ANY:
            CHECK(strcmp(values[i], "*") == 0, "'*' rule from '%s'", values[i]);
            break;
        case CORS_RULE_NULL:
            CHECK(strcmp(values[i], "null") == 0, "null rule from '%s'",
                  values[i]);
            add_probe(st, "null");
            break;
        default:
            CHECK(0, "unexpected rule kind %d", (int)rules[i].kind);
        }
    }
    for (i = 0; i < argc; i++) {
        cors_origin_layer_apply(p, st->olayer[layer], ops[i], &rules[i]);
        model_apply(&st->omodel[layer], ops[i], rules[i].id, 0,
                    apr_pstrcat(p, "~", rules[i].text, NULL));
        if (ops[i] != CORS_OP_REMOVE) {
            apr_hash_set(st->kind_of, rules[i].id, APR_HASH_KEY_STRING,
                         apr_pmemdup(p, &rules[i], sizeof(rules[i])));
        }
    }
}

static void token_line(state *st, int list, int layer, int argc, char **argv)
{
    apr_pool_t *p = st->p;
    cors_list_op ops[MAX_ARGS];
    const char *values[MAX_ARGS];
    int i, icase = list != 0;

    if (!line_ops(argc, argv, ops, values)) {
        return;
    }
    for (i = 0; i < argc; i++) {
        /* The glue refuses the whole line when a value is not a token. */
        if (strcmp(values[i], "*") != 0
            && !cors_is_token(values[i], strlen(values[i]))) {
            CHECK(!is_token_str(values[i]), "valid token '%s' refused",
                  values[i]);
            return;
        }
    }
    for (i = 0; i < argc; i++) {
        cors_token_edit_apply(p, st->tedit[list][layer], ops[i], values[i]);
        model_apply(&st->tmodel[list][layer], ops[i], values[i], icase, NULL);
    }
}

static void check_token_list(const cors_token_list *l, const mset *model,
                             int icase, const char *what)
{
    int i, any = mset_has(model, "*", 0), n = 0;
    const char *expect;
    apr_pool_t *p = global_pool;
    apr_pool_t *tmp;

    apr_pool_create(&tmp, p);
    CHECK(l != NULL, "%s: NULL list", what);
    CHECK(!!l->any == any, "%s: any=%d, model %d", what, l->any, any);
    for (i = 0; i < model->n; i++) {
        if (strcmp(model->id[i], "*") != 0) {
            n++;
            CHECK(cors_token_list_has(l, model->id[i], strlen(model->id[i])),
                  "%s: lacks '%s'", what, model->id[i]);
        }
    }
    CHECK(l->names->nelts == n, "%s: %d names, model %d", what,
          l->names->nelts, n);
    expect = any ? "*" : "";
    for (i = 0; i < l->names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(l->names, i, const char *);
        int j;
        CHECK(is_token_str(name), "%s: name '%s' not a token", what, name);
        for (j = 0; j < i; j++) {
            CHECK(!ieq(name, APR_ARRAY_IDX(l->names, j, const char *), icase),
                  "%s: duplicate '%s'", what, name);
        }
        expect = apr_pstrcat(tmp, expect, *expect ? ", " : "", name, NULL);
    }
    if (*expect) {
        CHECK(l->joined && strcmp(l->joined, expect) == 0,
              "%s: joined '%s', expected '%s'", what,
              l->joined ? l->joined : "(null)", expect);
    }
    else {
        CHECK(l->joined == NULL, "%s: joined '%s' for an empty list", what,
              l->joined);
    }
    apr_pool_destroy(tmp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    state st;
    char *text, *line, *save_line = NULL;
    const cors_origin_chain *chain = NULL;
    const cors_token_list *tl[N_LISTS];
    mset om, tm[N_LISTS], tmp;
    int i, k, lines = 0;

    if (size > 4096) {
        return 0;
    }
    memset(&st, 0, sizeof(st));
    apr_pool_create(&st.p, global_pool);
    st.kind_of = apr_hash_make(st.p);
    for (i = 0; i < N_LAYERS; i++) {
        st.olayer[i] = cors_origin_layer_make(st.p);
        for (k = 0; k < N_LISTS; k++) {
            st.tedit[k][i] = cors_token_edit_make(st.p, k != 0);
        }
    }
    add_probe(&st, "https://re1.example.com");
    add_probe(&st, "https://evil.example");

    text = apr_pstrmemdup(st.p, (const char *)data, size);
    /* NUL bytes end an argument, like the other separators */
    for (i = 0; i < (int)size; i++) {
        if (text[i] == '\0') {
            text[i] = ' ';
        }
    }
    for (line = apr_strtok(text, "\n", &save_line); line && lines < MAX_LINES;
         line = apr_strtok(NULL, "\n", &save_line), lines++) {
        unsigned char sel = (unsigned char)line[0];
        int directive = sel % 5, layer = (sel / 5) % N_LAYERS, argc = 0;
        char *argv[MAX_ARGS], *arg, *save_arg = NULL;

        for (arg = apr_strtok(line + 1, " \t\r\v\f", &save_arg);
             arg && argc < MAX_ARGS;
             arg = apr_strtok(NULL, " \t\r\v\f", &save_arg)) {
            argv[argc++] = arg;
        }
        if (argc == 0) {
            continue;                   /* "needs at least one value" */
        }
        if (directive <= 1) {
            origin_line(&st, layer, directive == 1, argc, argv);
        }
        else {
            token_line(&st, directive - 2, layer, argc, argv);
        }
    }

    /* merge: server <- vhost <- directory */
    om.n = 0;
    {
        cors_token_list *defaults[N_LISTS];
        defaults[0] = cors_token_list_from_words(st.p, "GET HEAD POST", 0);
        defaults[1] = cors_token_list_make(st.p, 1);
        defaults[2] = cors_token_list_make(st.p, 1);
        for (k = 0; k < N_LISTS; k++) {
            tl[k] = defaults[k];
            tm[k].n = 0;
            if (k == 0) {
                mset_add(&tm[k], "GET", 0);
                mset_add(&tm[k], "HEAD", 0);
                mset_add(&tm[k], "POST", 0);
            }
        }
    }
    for (i = 0; i < N_LAYERS; i++) {
        chain = cors_origin_chain_make(st.p, st.olayer[i], chain);
        model_merge(&st.omodel[i], &om, &tmp, 0, 1);
        om = tmp;
        for (k = 0; k < N_LISTS; k++) {
            tl[k] = cors_token_list_merge(st.p, st.tedit[k][i], tl[k]);
            model_merge(&st.tmodel[k][i], &tm[k], &tmp, k != 0, 0);
            tm[k] = tmp;
            check_token_list(tl[k], &tm[k], k != 0,
                             k == 0 ? "methods" : k == 1 ? "allow-headers"
                                                         : "expose-headers");
        }

        /* the origin list in effect at this level */
        if (om.n >= MAX_MODEL) {
            break;                      /* model saturated: stop checking */
        }
        CHECK((chain ? chain->count : 0) == om.n, "level %d: %d entries, "
              "model %d", i, chain ? chain->count : 0, om.n);
        CHECK(!!(chain && chain->any) == mset_has(&om, "*", 0),
              "level %d: '*' in effect disagrees with the model", i);
        for (k = 0; k < st.nprobes; k++) {
            const char *probe = st.probes[k];
            const cors_rule *rule = NULL;
            cors_match_result m;

            if (!chain) {
                break;
            }
            m = cors_origin_match(chain, probe, strlen(probe), &rule);
            if (m == CORS_MATCH_ENTRY) {
                CHECK(rule && mset_has(&om, rule->id, 0), "level %d: '%s' "
                      "granted by '%s', which is not in effect", i, probe,
                      rule ? rule->id : "(null)");
                if (rule->kind == CORS_RULE_EXACT || rule->kind == CORS_RULE_NULL) {
                    CHECK(strcmp(rule->text, probe) == 0, "exact '%s' grants "
                          "'%s'", rule->text, probe);
                }
                CHECK(rule->kind != CORS_RULE_ANY, "'*' returned by match");
            }
            else if (mset_has(&om, probe, 0)) {
                const cors_rule *r = apr_hash_get(st.kind_of, probe,
                                                  APR_HASH_KEY_STRING);
                CHECK(!r || (r->kind != CORS_RULE_EXACT
                             && r->kind != CORS_RULE_NULL),
                      "level %d: exact entry '%s' in effect does not match "
                      "itself (result %d)", i, probe, (int)m);
            }
        }
    }
    apr_pool_destroy(st.p);
    return 0;
}
