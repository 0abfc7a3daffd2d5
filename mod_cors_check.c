/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_check.c: the configtest check of combinations of sections.
 *
 * A directive can only check its own section. Credentials from one section
 * and '*' from another meet only when httpd merges them for a request, so
 * before the server starts we merge, for every virtual host, each chain of
 * sections that can apply to one request, in httpd's order: the server,
 * a <Directory> with the directories that contain it (or a <Proxy>,
 * which takes a directory's place for proxied requests), a <Files>, a
 * <Location> with the locations that contain it, an <If>. A <Location> is
 * combined with the <Directory>s its path maps into (DocumentRoot, Alias);
 * a regex section with what its pattern may match; any <If> is taken to
 * be true. What this cannot see (a rewrite, a .htaccess file, read per
 * request) is refused at request time instead: the check spares admins a
 * surprise, the decision itself never grants a wide entry with
 * credentials.
 */

#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "util_cfgtree.h"
#include "ap_regex.h"
#include "mod_proxy.h"

#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include "mod_cors.h"

/* Merges one configtest may spend; past it the rest is not checked. */
#define MERGE_BUDGET 200000

typedef cors_section section;

/* A section and the sections of its kind that apply with it. */
typedef struct {
    const section *self;            /* NULL: none of this kind */
    apr_array_header_t *members;    /* in merge order, self included */
} section_chain;

typedef struct {
    apr_pool_t *p;
    server_rec *s;
    const char *docroot;            /* where <Location> paths are mapped */
    apr_array_header_t *aliases;    /* alias_map, from every Alias */
    apr_hash_t *reported;           /* messages already logged */
    apr_hash_t *removals;           /* "source text" -> removal_use */
    int unlikely;                   /* merging sections that cannot meet:
                                     * notes removals, refuses nothing */
    int merges;
    int bad;
} check_ctx;

/* An Alias or ScriptAlias; url NULL: one that can map any URL anywhere
 * (AliasMatch, or the one-argument form inside a <Location>). */
typedef struct {
    const char *url;
    const char *path;
} alias_map;

/* A "-x" edit, and whether it removed something anywhere. */
typedef struct {
    const cors_removal *rm;
    int used;
} removal_use;

static section section_of(ap_conf_vector_t *vec)
{
    section sec;

    sec.core = ap_get_core_module_config(vec);
    sec.conf = ap_get_module_config(vec, &cors_module);
    sec.is_proxy = 0;
    return sec;
}

apr_array_header_t *cors_sections_of(apr_pool_t *p,
                                     const apr_array_header_t *vecs)
{
    apr_array_header_t *out = apr_array_make(p, vecs ? vecs->nelts : 1,
                                             sizeof(section));
    int i;

    for (i = 0; vecs && i < vecs->nelts; i++) {
        APR_ARRAY_PUSH(out, section) =
            section_of(APR_ARRAY_IDX(vecs, i, ap_conf_vector_t *));
    }
    return out;
}

static void report(check_ctx *ctx, int level, const char *msg)
{
    if (apr_hash_get(ctx->reported, msg, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(ctx->reported, msg, APR_HASH_KEY_STRING, "");
    ap_log_error(APLOG_MARK, APLOG_STARTUP | level, 0, ctx->s, "%s", msg);
}

/* Note which "-x" edits of `add` remove something `acc` has. */
static void note_removals(check_ctx *ctx, const cors_dir_conf *acc,
                          const cors_dir_conf *add)
{
    apr_hash_index_t *hi;

    if (!add->origin_layer || !add->origin_layer->removed) {
        return;
    }
    for (hi = apr_hash_first(ctx->p, add->origin_layer->removed); hi;
         hi = apr_hash_next(hi)) {
        const cors_removal *rm = apr_hash_this_val(hi);
        const char *key = apr_pstrcat(ctx->p, rm->source, " ", rm->text,
                                      NULL);
        removal_use *use = apr_hash_get(ctx->removals, key,
                                        APR_HASH_KEY_STRING);

        if (!use) {
            use = apr_pcalloc(ctx->p, sizeof(*use));
            use->rm = rm;
            apr_hash_set(ctx->removals, key, APR_HASH_KEY_STRING, use);
        }
        use->used |= cors_removal_applies(rm, acc->origins);
    }
}

static const cors_dir_conf *merge_step(check_ctx *ctx,
                                       const cors_dir_conf *acc,
                                       const section *sec)
{
    if (!sec->conf) {
        return acc;
    }
    ctx->merges++;
    note_removals(ctx, acc, sec->conf);
    return cors_merge_dir_conf(ctx->p, (void *)acc, (void *)sec->conf);
}

static const cors_dir_conf *merge_chain(check_ctx *ctx,
                                        const cors_dir_conf *acc,
                                        const apr_array_header_t *chain)
{
    int i;

    for (i = 0; chain && i < chain->nelts; i++) {
        acc = merge_step(ctx, acc, &APR_ARRAY_IDX(chain, i, section));
    }
    return acc;
}

/* Credentials together with '*', null, a broad regex or exposed '*'. */
static void check_merged(check_ctx *ctx, const cors_dir_conf *m)
{
    const cors_rule *wide;

    if (m->credentials != 1 || ctx->unlikely) {
        return;
    }
    if ((wide = cors_origin_chain_wide(ctx->p, m->origins)) != NULL) {
        report(ctx, APLOG_EMERG, apr_psprintf(ctx->p,
               "CORSAllowCredentials On (%s) applies to a section that "
               "inherits %s from %s: list the allowed origins instead",
               m->credentials_source, cors_wide_entry_reason(ctx->p, wide),
               wide->source));
        ctx->bad = 1;
    }
    if (m->expose_headers.list && m->expose_headers.list->any) {
        report(ctx, APLOG_EMERG, apr_psprintf(ctx->p,
               "CORSAllowCredentials On (%s) applies to a section that "
               "inherits CORSExposeHeaders * (browsers read '*' literally on "
               "credentialed requests): list the exposed header names "
               "instead", m->credentials_source));
        ctx->bad = 1;
    }
}

/* Whether the non-regex location `outer` applies to URLs under `inner`. */
static int location_contains(const char *outer, const char *inner)
{
    apr_size_t len = strlen(outer);

    return strncmp(inner, outer, len) == 0
           && (len == 0 || outer[len - 1] == '/' || inner[len] == '/'
               || inner[len] == '\0');
}

/* Whether one path is `b` or below it, at a '/' boundary. */
static int path_within(const char *a, apr_size_t alen, const char *b,
                       apr_size_t blen)
{
    return alen >= blen && strncmp(a, b, blen) == 0
           && (alen == blen || a[blen] == '/' || (blen && b[blen - 1] == '/'));
}

static apr_size_t trimmed_len(const char *path)
{
    apr_size_t len = strlen(path);

    while (len > 1 && path[len - 1] == '/') {
        len--;
    }
    return len;
}

/* The literal text an anchored pattern starts with ("^/a/b/(f|x)" ->
 * "/a/b/"), or NULL when it is not anchored: it can match anywhere. */
static const char *literal_prefix(apr_pool_t *p, const char *pattern)
{
    char *out = apr_palloc(p, strlen(pattern) + 1);
    const char *c = pattern + 1;
    apr_size_t n = 0;

    if (pattern[0] != '^') {
        return NULL;
    }
    for (; *c && !strchr(".[]()*+?{}|^$", *c); c++) {
        if (*c == '\\') {
            if (!c[1] || apr_isalnum(c[1])) {
                break;          /* \d, \w, ...: no longer literal */
            }
            c++;
        }
        out[n++] = *c;
    }
    /* A quantifier makes the last literal optional. */
    if (n > 0 && *c && strchr("*?{", *c)) {
        n--;
    }
    out[n] = '\0';
    return out;
}

/*
 * Whether a regex section can apply together with the section at `path`:
 * it matches the path or a path below it, or the literal text it is
 * anchored to and the path overlap (<LocationMatch "^/a/b/(f|x)"> and
 * <Location "/a/b"> both apply to /a/b/f).
 */
static int regex_covers(apr_pool_t *p, const core_dir_config *outer,
                        const char *path)
{
    const char *below[3];
    const char *prefix;
    apr_size_t plen, len = strlen(path);
    int i;

    if (!outer->r) {
        return 0;
    }
    below[0] = path;
    below[1] = apr_pstrcat(p, path, "/", NULL);
    below[2] = apr_pstrcat(p, path, "/x", NULL);
    for (i = 0; i < 3; i++) {
        if (ap_regexec(outer->r, below[i], 0, NULL, 0) == 0) {
            return 1;
        }
    }
    prefix = literal_prefix(p, outer->d);
    if (!prefix) {
        return 1;
    }
    plen = strlen(prefix);
    return strncmp(path, prefix, plen) == 0
           || path_within(prefix, plen, path, trimmed_len(path))
           || (len && path[len - 1] == '/' && strncmp(prefix, path, len) == 0);
}

/* The <Location>s that apply together with `l`, in configuration order. */
apr_array_header_t *cors_location_chain(apr_pool_t *p,
                                        const apr_array_header_t *locs,
                                        const section *l)
{
    apr_array_header_t *chain = apr_array_make(p, 4, sizeof(section));
    int i;

    for (i = 0; i < locs->nelts; i++) {
        const section *k = &APR_ARRAY_IDX(locs, i, section);
        int applies = k == l
            || (!l->core->r && (k->core->r ? regex_covers(p, k->core,
                                                          l->core->d)
                                : location_contains(k->core->d, l->core->d)));
        if (applies) {
            APR_ARRAY_PUSH(chain, section) = *k;
        }
    }
    return chain;
}

/* The <Directory>s that apply together with `d`: the non-regex ones that
 * contain it, shallow first, then the regex ones that match it. */
apr_array_header_t *cors_directory_chain(apr_pool_t *p,
                                         const apr_array_header_t *dirs,
                                         const section *d)
{
    apr_array_header_t *chain = apr_array_make(p, 4, sizeof(section));
    unsigned depth;
    int i;

    if (d->core->r) {
        APR_ARRAY_PUSH(chain, section) = *d;
        return chain;
    }
    for (depth = 0; depth <= d->core->d_components; depth++) {
        for (i = 0; i < dirs->nelts; i++) {
            const section *k = &APR_ARRAY_IDX(dirs, i, section);
            if (!k->core->r && k->core->d_components == depth
                && strncmp(d->core->d, k->core->d, strlen(k->core->d)) == 0) {
                APR_ARRAY_PUSH(chain, section) = *k;
            }
        }
    }
    for (i = 0; i < dirs->nelts; i++) {
        const section *k = &APR_ARRAY_IDX(dirs, i, section);
        if (regex_covers(p, k->core, d->core->d)) {
            APR_ARRAY_PUSH(chain, section) = *k;
        }
    }
    return chain;
}

/* The nested sections (core->sec_file or sec_if) of a chain's members. */
static void add_nested(apr_pool_t *p, apr_array_header_t *out,
                       const apr_array_header_t *chain, int want_ifs)
{
    int i;

    for (i = 0; chain && i < chain->nelts; i++) {
        const core_dir_config *core = APR_ARRAY_IDX(chain, i, section).core;
        const apr_array_header_t *nested = !core ? NULL
                                           : want_ifs ? core->sec_if
                                                      : core->sec_file;
        if (nested) {
            apr_array_cat(out, cors_sections_of(p, nested));
        }
    }
}

/* Every regex section of `secs` together, in order: configtest cannot
 * tell whether two patterns can match one path, so it takes them to. */
static void add_regex_union(apr_pool_t *p, const apr_array_header_t *secs,
                            apr_array_header_t *chains)
{
    apr_array_header_t *members = apr_array_make(p, 2, sizeof(section));
    const section *first = NULL;
    int i;

    for (i = 0; i < secs->nelts; i++) {
        const section *k = &APR_ARRAY_IDX(secs, i, section);
        if (k->core->r) {
            first = first ? first : k;
            APR_ARRAY_PUSH(members, section) = *k;
        }
    }
    if (members->nelts > 1) {
        section_chain *c = apr_array_push(chains);
        c->self = first;
        c->members = members;
    }
}

/* `chain` without the regex sections other than `self`. */
apr_array_header_t *cors_without_other_regexes(apr_pool_t *p,
                                               const apr_array_header_t *chain,
                                               const section *self)
{
    apr_array_header_t *out = apr_array_make(p, chain->nelts,
                                             sizeof(section));
    int i;

    for (i = 0; i < chain->nelts; i++) {
        const section *k = &APR_ARRAY_IDX(chain, i, section);
        if (!k->core->r || k->core == self->core) {
            APR_ARRAY_PUSH(out, section) = *k;
        }
    }
    return out;
}

/* Every chain in `secs`, built by `chain_of`, after the empty chain. */
static apr_array_header_t *chains_of(apr_pool_t *p,
                                     const apr_array_header_t *secs,
                                     apr_array_header_t *(*chain_of)(
                                         apr_pool_t *,
                                         const apr_array_header_t *,
                                         const section *))
{
    apr_array_header_t *out = apr_array_make(p, secs->nelts + 1,
                                             sizeof(section_chain));
    section_chain *c = apr_array_push(out);
    int i;

    c->self = NULL;
    c->members = NULL;
    for (i = 0; i < secs->nelts; i++) {
        const section *self = &APR_ARRAY_IDX(secs, i, section);
        apr_array_header_t *members = chain_of(p, secs, self);
        apr_array_header_t *plain = cors_without_other_regexes(p, members,
                                                               self);

        c = apr_array_push(out);
        c->self = self;
        c->members = members;
        if (plain->nelts != members->nelts) {
            /* the patterns may match this path or not: try both */
            c = apr_array_push(out);
            c->self = self;
            c->members = plain;
        }
    }
    add_regex_union(p, secs, out);
    return out;
}


static int is_alias_directive(const char *name)
{
    return strcasecmp(name, "Alias") == 0
           || strcasecmp(name, "ScriptAlias") == 0
           || strcasecmp(name, "AliasMatch") == 0
           || strcasecmp(name, "ScriptAliasMatch") == 0;
}

static void add_alias(apr_pool_t *p, apr_array_header_t *out,
                      const ap_directive_t *d)
{
    const char *args = d->args;
    const char *url = ap_getword_conf(p, &args);
    const char *path = ap_getword_conf(p, &args);
    alias_map *a = apr_array_push(out);
    int is_match = strcasecmp(d->directive + strlen(d->directive) - 5,
                              "Match") == 0;

    a->url = (*path && !is_match) ? url : NULL;
    a->path = a->url ? path : NULL;
}

/* Every Alias-family directive of the configuration, in any section:
 * mod_alias keeps its tables to itself, the configuration tree does not. */
static void collect_aliases(apr_pool_t *p, apr_array_header_t *out,
                            const ap_directive_t *d)
{
    for (; d; d = d->next) {
        if (is_alias_directive(d->directive)) {
            add_alias(p, out, d);
        }
        collect_aliases(p, out, d->first_child);
    }
}

/* Whether the directory `d` and a filesystem path overlap. */
static int overlaps(const char *d, const char *path)
{
    apr_size_t dlen = trimmed_len(d), plen = trimmed_len(path);

    return path_within(path, plen, d, dlen) || path_within(d, dlen, path, plen);
}

/*
 * Whether a <Location> can apply inside a <Directory>: where the files its
 * URL path maps to (under the DocumentRoot, or through an Alias) and the
 * directory overlap. Regex sections, <Proxy> sections and AliasMatch are
 * taken to overlap anything.
 */
static int may_combine(const check_ctx *ctx, const section_chain *dir,
                       const section_chain *loc)
{
    const char *l, *d;
    int i;

    if (!dir->self || !loc->self || dir->self->is_proxy
        || dir->self->core->r || loc->self->core->r) {
        return 1;
    }
    l = loc->self->core->d;
    d = dir->self->core->d;
    if (overlaps(d, apr_pstrcat(ctx->p, ctx->docroot, l, NULL))) {
        return 1;
    }
    for (i = 0; i < ctx->aliases->nelts; i++) {
        const alias_map *a = &APR_ARRAY_IDX(ctx->aliases, i, alias_map);
        apr_size_t ulen;

        if (!a->url) {
            return 1;
        }
        ulen = trimmed_len(a->url);
        if ((path_within(l, strlen(l), a->url, ulen)
             && overlaps(d, apr_pstrcat(ctx->p, a->path, l + ulen, NULL)))
            || (path_within(a->url, ulen, l, trimmed_len(l))
                && overlaps(d, a->path))) {
            return 1;
        }
    }
    return 0;
}

/* Each <If>, <ElseIf> and <Else> alone, then every <If> together: any
 * condition may be true, and several at once. */
static void check_ifs(check_ctx *ctx, const cors_dir_conf *acc,
                      const apr_array_header_t *ifs)
{
    const cors_dir_conf *all = acc;
    int i, together = 0;

    check_merged(ctx, acc);
    for (i = 0; i < ifs->nelts && ctx->merges < MERGE_BUDGET; i++) {
        const section *sec = &APR_ARRAY_IDX(ifs, i, section);

        check_merged(ctx, merge_step(ctx, acc, sec));
        if (sec->core->condition_ifelse == AP_CONDITION_IF && sec->conf) {
            all = merge_step(ctx, all, sec);
            together++;
        }
    }
    if (together > 1) {
        check_merged(ctx, all);
    }
}

static void check_locations(check_ctx *ctx, const cors_dir_conf *acc,
                            const section_chain *dir,
                            const apr_array_header_t *loc_chains,
                            const apr_array_header_t *ifs)
{
    int i;

    for (i = 0; i < loc_chains->nelts && ctx->merges < MERGE_BUDGET; i++) {
        const section_chain *loc = &APR_ARRAY_IDX(loc_chains, i,
                                                  section_chain);
        apr_array_header_t *all_ifs = apr_array_copy(ctx->p, ifs);

        /* Sections that cannot meet still count for "-x removes nothing":
         * a rewrite may join them, and a wrong warning misleads. */
        ctx->unlikely = !may_combine(ctx, dir, loc);
        add_nested(ctx->p, all_ifs, loc->members, 1);
        check_ifs(ctx, merge_chain(ctx, acc, loc->members), all_ifs);
        ctx->unlikely = 0;
    }
}

/* A virtual host's defaults are already merged over the main server's:
 * its own "-x" edits are checked against the main server's list. */
static const cors_dir_conf *server_root(check_ctx *ctx, server_rec *s,
                                        const section *base,
                                        const cors_dir_conf *main_conf)
{
    const cors_dir_conf *none = cors_create_dir_conf(ctx->p, NULL);

    if (!base->conf) {
        return none;
    }
    if (s->is_virtual && main_conf) {
        note_removals(ctx, main_conf, base->conf);
        return base->conf;
    }
    return merge_step(ctx, none, base);
}

apr_array_header_t *cors_proxy_sections_of(apr_pool_t *p, server_rec *s)
{
    module *proxy = ap_find_linked_module("mod_proxy.c");
    const proxy_server_conf *pconf = proxy
        ? ap_get_module_config(s->module_config, proxy) : NULL;

    return pconf && pconf->sec_proxy ? cors_sections_of(p, pconf->sec_proxy)
                                     : NULL;
}

/* mod_proxy's <Proxy> sections take a directory's place for proxied
 * requests: each is a chain of its own, combined with every <Location>. */
static void add_proxy_chains(apr_pool_t *p, server_rec *s,
                             apr_array_header_t *dir_chains)
{
    apr_array_header_t *secs = cors_proxy_sections_of(p, s);
    int i;

    for (i = 0; secs && i < secs->nelts; i++) {
        section_chain *c = apr_array_push(dir_chains);
        section *self = &APR_ARRAY_IDX(secs, i, section);

        self->is_proxy = 1;
        c->self = self;
        c->members = apr_array_make(p, 1, sizeof(section));
        APR_ARRAY_PUSH(c->members, section) = *self;
    }
}

static void check_server(check_ctx *ctx, server_rec *s,
                         const cors_dir_conf *main_conf)
{
    core_server_config *sconf = ap_get_core_module_config(s->module_config);
    section base = section_of(s->lookup_defaults);
    const cors_dir_conf *root = server_root(ctx, s, &base, main_conf);
    apr_array_header_t *dirs = cors_sections_of(ctx->p, sconf->sec_dir);
    apr_array_header_t *dir_chains = chains_of(ctx->p, dirs,
                                               cors_directory_chain);
    apr_array_header_t *loc_chains = chains_of(ctx->p,
                                               cors_sections_of(ctx->p,
                                                           sconf->sec_url),
                                               cors_location_chain);
    int i, j;

    add_proxy_chains(ctx->p, s, dir_chains);
    ctx->s = s;
    ctx->docroot = sconf->ap_document_root ? sconf->ap_document_root : "";
    for (i = 0; i < dir_chains->nelts && ctx->merges < MERGE_BUDGET; i++) {
        const section_chain *dir = &APR_ARRAY_IDX(dir_chains, i, section_chain);
        const cors_dir_conf *in_dir = merge_chain(ctx, root, dir->members);
        apr_array_header_t *files = cors_sections_of(ctx->p,
                                                     base.core->sec_file);
        apr_array_header_t *ifs = cors_sections_of(ctx->p,
                                                   base.core->sec_if);

        add_nested(ctx->p, files, dir->members, 0);
        add_nested(ctx->p, ifs, dir->members, 1);
        check_locations(ctx, in_dir, dir, loc_chains, ifs);
        for (j = 0; j < files->nelts; j++) {
            const section *f = &APR_ARRAY_IDX(files, j, section);
            apr_array_header_t *file_ifs = apr_array_copy(ctx->p, ifs);

            if (f->core->sec_if) {
                apr_array_cat(file_ifs,
                              cors_sections_of(ctx->p, f->core->sec_if));
            }
            check_locations(ctx, merge_step(ctx, in_dir, f), dir, loc_chains,
                            file_ifs);
        }
    }
}

static void warn_unused_removals(check_ctx *ctx)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(ctx->p, ctx->removals); hi;
         hi = apr_hash_next(hi)) {
        const removal_use *use = apr_hash_this_val(hi);

        if (!use->used) {
            report(ctx, APLOG_WARNING, apr_psprintf(ctx->p,
                   "CORSAllowOrigin/CORSAllowOriginMatch -%s (%s) removes "
                   "nothing: no section it applies to inherits an entry "
                   "written '%s'", use->rm->text, use->rm->source,
                   use->rm->text));
        }
    }
}

int cors_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                      apr_pool_t *ptemp, server_rec *main_server)
{
    check_ctx ctx;
    server_rec *s;

    (void)pconf;
    (void)plog;
    memset(&ctx, 0, sizeof(ctx));
    ctx.p = ptemp;
    ctx.reported = apr_hash_make(ptemp);
    ctx.removals = apr_hash_make(ptemp);
    ctx.aliases = apr_array_make(ptemp, 4, sizeof(alias_map));
    collect_aliases(ptemp, ctx.aliases, ap_conftree);
    for (s = main_server; s; s = s->next) {
        check_server(&ctx, s, ap_get_module_config(main_server->lookup_defaults,
                                                   &cors_module));
    }
    if (ctx.merges >= MERGE_BUDGET) {
        ctx.s = main_server;
        report(&ctx, APLOG_WARNING, "mod_cors: too many combinations of "
               "sections to check them all at configtest; the rest is "
               "checked per request");
    }
    warn_unused_removals(&ctx);
    return ctx.bad ? HTTP_INTERNAL_SERVER_ERROR : OK;
}
