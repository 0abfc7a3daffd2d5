/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_dump.c: apachectl -t -D DUMP_CORS, like -D DUMP_VHOSTS, prints
 * for the main server and each virtual host the policy in effect in every
 * section that holds a mod_cors directive (<Proxy> too): the section
 * merged over its server and the sections that contain it, each value
 * with the file:line it comes from. The chains are mod_cors_check.c's, without the regex
 * sections that only may match; the order is the configuration's.
 */

#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "util_cfgtree.h"

#include "apr_file_io.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include "cors_protect.h"
#include "mod_cors.h"

typedef struct {
    apr_pool_t *p;
    apr_file_t *out;
    apr_hash_t *ordinal;        /* "file:line" -> int*, tree order */
    apr_hash_t *line_at;        /* "file:line" -> ap_directive_t* */
    int next;
} dump_ctx;

/* One section to print, with the policy a request in it gets. */
typedef struct {
    const ap_directive_t *node; /* the section; NULL: the server level */
    int ordinal;
    const cors_dir_conf *merged;
    int local;                  /* a section of the virtual host's own is
                                 * in the merge (always, in the main one) */
} dump_entry;

/* An origin entry in effect, with where it sorts. */
typedef struct {
    const cors_rule *rule;
    int layer;                  /* 0: the outermost section's */
    int ordinal;                /* its directive line, in tree order */
    int word;                   /* its place on the line */
} dump_origin;

static const char *const section_names[] = {
    "<Directory", "<DirectoryMatch", "<Location", "<LocationMatch",
    "<Files", "<FilesMatch", "<If", "<ElseIf", "<Else", "<Proxy",
    "<ProxyMatch", "<VirtualHost", NULL
};

static int is_section(const ap_directive_t *d)
{
    int i;

    for (i = 0; section_names[i]; i++) {
        if (strcasecmp(d->directive, section_names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The section a directive line is in: <IfModule>, <Limit> and the like
 * are no sections of their own. NULL: the main server's level. */
static const ap_directive_t *section_of_line(const ap_directive_t *line)
{
    const ap_directive_t *n = line ? line->parent : NULL;

    while (n && !is_section(n)) {
        n = n->parent;
    }
    return n;
}

static int in_virtual_host(const ap_directive_t *n)
{
    for (; n; n = n->parent) {
        if (strcasecmp(n->directive, "<VirtualHost") == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *source_of(apr_pool_t *p, const ap_directive_t *d)
{
    return apr_psprintf(p, "%s:%d", d->filename, d->line_num);
}

static void number_tree(dump_ctx *ctx, const ap_directive_t *d)
{
    for (; d; d = d->next) {
        int *n = apr_palloc(ctx->p, sizeof(*n));
        const char *src = source_of(ctx->p, d);

        *n = ctx->next++;
        if (!apr_hash_get(ctx->ordinal, src, APR_HASH_KEY_STRING)) {
            apr_hash_set(ctx->ordinal, src, APR_HASH_KEY_STRING, n);
            apr_hash_set(ctx->line_at, src, APR_HASH_KEY_STRING, d);
        }
        number_tree(ctx, d->first_child);
    }
}

static int ordinal_at(const dump_ctx *ctx, const char *source)
{
    const int *n = apr_hash_get(ctx->ordinal, source, APR_HASH_KEY_STRING);

    return n ? *n : -1;
}

static int ordinal_of(dump_ctx *ctx, const ap_directive_t *d)
{
    return d ? ordinal_at(ctx, source_of(ctx->p, d)) : -1;
}

/* ------------------------------------------------------------------ */
/* Collecting the sections                                             */

static const cors_dir_conf *merge_all(apr_pool_t *p, const cors_dir_conf *acc,
                                      const apr_array_header_t *chain)
{
    int i;

    for (i = 0; i < chain->nelts; i++) {
        const cors_section *sec = &APR_ARRAY_IDX(chain, i, cors_section);
        if (sec->conf) {
            acc = cors_merge_dir_conf(p, (void *)acc, (void *)sec->conf);
        }
    }
    return acc;
}

static const cors_dir_conf *merge_one(apr_pool_t *p, const cors_dir_conf *acc,
                                      const cors_section *sec)
{
    return sec->conf ? cors_merge_dir_conf(p, (void *)acc, (void *)sec->conf)
                     : acc;
}

static int in_own_vhost(const cors_section *sec)
{
    return sec->conf && in_virtual_host(section_of_line(sec->conf->line));
}

static void add_entry(dump_ctx *ctx, apr_array_header_t *entries,
                      const cors_section *sec, const cors_dir_conf *merged,
                      int local)
{
    dump_entry *e;

    if (!sec->conf) {
        return;
    }
    e = apr_array_push(entries);
    e->node = section_of_line(sec->conf->line);
    e->ordinal = ordinal_of(ctx, e->node);
    e->merged = merged;
    e->local = local;
}

/* Each section of `vecs` (<Files>, or <If>, <ElseIf>, <Else>) over `acc`,
 * and the <If>s nested in it. */
static void add_nested(dump_ctx *ctx, apr_array_header_t *entries,
                       const cors_dir_conf *acc,
                       const apr_array_header_t *vecs, int local)
{
    apr_array_header_t *secs = cors_sections_of(ctx->p, vecs);
    int i;

    for (i = 0; i < secs->nelts; i++) {
        const cors_section *sec = &APR_ARRAY_IDX(secs, i, cors_section);
        const cors_dir_conf *m = merge_one(ctx->p, acc, sec);
        int here = local || in_own_vhost(sec);

        add_entry(ctx, entries, sec, m, here);
        add_nested(ctx, entries, m, sec->core->sec_if, here);
    }
}

/* Every <Directory> or every <Location> (`chain_of`), each over the
 * sections of its kind that contain it. */
typedef apr_array_header_t *(*chain_fn)(apr_pool_t *,
                                        const apr_array_header_t *,
                                        const cors_section *);

static void add_kind(dump_ctx *ctx, apr_array_header_t *entries,
                     const cors_dir_conf *root, const apr_array_header_t *vecs,
                     chain_fn chain_of, int local)
{
    apr_array_header_t *secs = cors_sections_of(ctx->p, vecs);
    int i;

    for (i = 0; i < secs->nelts; i++) {
        const cors_section *sec = &APR_ARRAY_IDX(secs, i, cors_section);
        apr_array_header_t *chain = cors_without_other_regexes(ctx->p,
                                        chain_of(ctx->p, secs, sec), sec);
        const cors_dir_conf *m = merge_all(ctx->p, root, chain);
        int here = local, j;

        for (j = 0; j < chain->nelts; j++) {
            here |= in_own_vhost(&APR_ARRAY_IDX(chain, j, cors_section));
        }
        add_entry(ctx, entries, sec, m, here);
        add_nested(ctx, entries, m, sec->core->sec_file, here);
        add_nested(ctx, entries, m, sec->core->sec_if, here);
    }
}

/* mod_proxy's <Proxy> sections, each over the server level: they take a
 * directory's place for proxied requests. */
static void add_proxies(dump_ctx *ctx, apr_array_header_t *entries,
                        server_rec *s, const cors_dir_conf *root, int local)
{
    apr_array_header_t *secs = cors_proxy_sections_of(ctx->p, s);
    int i;

    for (i = 0; secs && i < secs->nelts; i++) {
        const cors_section *sec = &APR_ARRAY_IDX(secs, i, cors_section);

        add_entry(ctx, entries, sec, merge_one(ctx->p, root, sec),
                  local || in_own_vhost(sec));
    }
}

static int by_ordinal(const void *a, const void *b)
{
    const dump_entry *x = a, *y = b;

    return (x->ordinal > y->ordinal) - (x->ordinal < y->ordinal);
}

/* The sections of `s` to print, in configuration order. */
static apr_array_header_t *entries_of(dump_ctx *ctx, server_rec *s,
                                      const cors_dir_conf *root,
                                      int own_server_level, int local)
{
    core_server_config *sconf = ap_get_core_module_config(s->module_config);
    const core_dir_config *base =
        ap_get_core_module_config(s->lookup_defaults);
    apr_array_header_t *entries = apr_array_make(ctx->p, 8,
                                                 sizeof(dump_entry));

    if (own_server_level) {
        dump_entry *e = apr_array_push(entries);
        e->node = NULL;
        e->ordinal = -1;
        e->merged = root;
        e->local = 1;
    }
    add_kind(ctx, entries, root, sconf->sec_dir, cors_directory_chain, local);
    add_proxies(ctx, entries, s, root, local);
    add_nested(ctx, entries, root, base->sec_file, local);
    add_kind(ctx, entries, root, sconf->sec_url, cors_location_chain, local);
    add_nested(ctx, entries, root, base->sec_if, local);
    qsort(entries->elts, entries->nelts, sizeof(dump_entry), by_ordinal);
    return entries;
}

/* ------------------------------------------------------------------ */
/* Printing                                                            */

static const char *kind_text(const cors_rule *r)
{
    switch (r->kind) {
    case CORS_RULE_EXACT:
        return "exact";
    case CORS_RULE_SUBDOMAIN:
        return r->any_port ? "subdomain wildcard, any port"
                           : "subdomain wildcard";
    case CORS_RULE_ANY_PORT:
        return "any port";
    case CORS_RULE_REGEX:
        return "regex";
    case CORS_RULE_ANY:
        return "any";
    case CORS_RULE_FILE:
        return "origin file";
    default:
        return "null";
    }
}

/* The entry `id` in effect in `chain`, honouring removals (as the
 * matcher does). */
static const cors_rule *entry_in_effect(const cors_origin_chain *chain,
                                        const char *id, const char *text)
{
    for (; chain; chain = chain->parent) {
        const cors_rule *r = apr_hash_get(chain->layer->entries, id,
                                          APR_HASH_KEY_STRING);
        if (r) {
            return r;
        }
        if (chain->layer->removed
            && apr_hash_get(chain->layer->removed, text,
                            APR_HASH_KEY_STRING)) {
            return NULL;
        }
    }
    return NULL;
}

/* Where `text` stands among the words of its directive line. */
static int word_of(dump_ctx *ctx, const cors_rule *r)
{
    const ap_directive_t *d = apr_hash_get(ctx->line_at, r->source,
                                           APR_HASH_KEY_STRING);
    const char *args = d ? d->args : "";
    const char *w;
    int i;

    for (i = 0; *(w = ap_getword_conf(ctx->p, &args)) != '\0'; i++) {
        if (strcmp(w + (*w == '+'), r->text) == 0) {
            return i;
        }
    }
    return i;
}

static int by_place(const void *a, const void *b)
{
    const dump_origin *x = a, *y = b;

    if (x->layer != y->layer) {
        return x->layer - y->layer;
    }
    if (x->ordinal != y->ordinal) {
        return x->ordinal - y->ordinal;
    }
    return x->word - y->word;
}

static void print_origins(dump_ctx *ctx, const cors_origin_chain *chain)
{
    apr_array_header_t *all = apr_array_make(ctx->p, 8, sizeof(dump_origin));
    const cors_origin_chain *n;
    int depth = 0, i;

    for (n = chain; n; n = n->parent) {
        depth++;
    }
    for (n = chain; n; n = n->parent) {
        apr_hash_index_t *hi;

        depth--;
        for (hi = apr_hash_first(ctx->p, n->layer->entries); hi;
             hi = apr_hash_next(hi)) {
            const cors_rule *r = apr_hash_this_val(hi);
            const ap_directive_t *d;
            dump_origin *o;

            if (entry_in_effect(chain, r->id, r->text) != r) {
                continue;
            }
            d = apr_hash_get(ctx->line_at, r->source, APR_HASH_KEY_STRING);
            o = apr_array_push(all);
            o->rule = r;
            o->layer = depth;
            o->ordinal = ordinal_of(ctx, d);
            o->word = word_of(ctx, r);
        }
    }
    if (all->nelts == 0) {
        apr_file_printf(ctx->out, "    origins: none (no policy: mod_cors "
                        "adds nothing here)\n");
        return;
    }
    qsort(all->elts, all->nelts, sizeof(dump_origin), by_place);
    apr_file_printf(ctx->out, "    origins:\n");
    for (i = 0; i < all->nelts; i++) {
        const cors_rule *r = APR_ARRAY_IDX(all, i, dump_origin).rule;
        apr_file_printf(ctx->out, "      %s  %s  (%s)\n", r->text,
                        kind_text(r), r->source);
    }
}

/* The sources of a list's edits, outermost first; "default" first when
 * they edit the default list. */
static const char *list_sources(apr_pool_t *p, const cors_token_history *h)
{
    const char *out = NULL;
    int replaces = 0;

    for (; h; h = h->below) {
        const char *src = h->edit->source ? h->edit->source : "unknown";
        out = out ? apr_pstrcat(p, src, ", ", out, NULL) : src;
        replaces = h->edit->mode == CORS_LIST_REPLACE;
    }
    if (!out) {
        return "default";
    }
    return replaces ? out : apr_pstrcat(p, "default, ", out, NULL);
}

static void print_list(dump_ctx *ctx, const char *label,
                       const cors_list_conf *lc, const char *dflt)
{
    const char *value = dflt;

    if (lc->history && lc->list) {
        value = lc->list->joined ? lc->list->joined : "none";
    }
    apr_file_printf(ctx->out, "    %s: %s  (%s)\n", label, value,
                    lc->history ? list_sources(ctx->p, lc->history)
                                : "default");
}

/* A scalar: its text, and where it was set ("default" when unset). */
static void print_value(dump_ctx *ctx, const char *label, int value,
                        const char *text, const char *source)
{
    apr_file_printf(ctx->out, "    %s: %s  (%s)\n", label, text,
                    value == CORS_UNSET ? "default"
                                        : source ? source : "unknown");
}

static const char *on_off(int v)
{
    return v == 1 ? "On" : "Off";
}

static const char *protect_mode_name(int mode)
{
    return mode == CORS_PROTECT_ON ? "On"
           : mode == CORS_PROTECT_REPORT_ONLY ? "ReportOnly" : "Off";
}

static void print_policy(dump_ctx *ctx, const cors_dir_conf *c)
{
    print_origins(ctx, c->origins);
    print_list(ctx, "methods", &c->methods, "GET, HEAD, POST");
    print_list(ctx, "allow headers", &c->allow_headers, "none");
    print_list(ctx, "expose headers", &c->expose_headers, "none");
    print_value(ctx, "credentials", c->credentials, on_off(c->credentials),
                c->credentials_source);
    print_value(ctx, "max-age", c->max_age,
                c->max_age == CORS_UNSET ? "not sent" : c->max_age_text,
                c->max_age_source);
    print_value(ctx, "private network", c->private_network,
                on_off(c->private_network), c->private_network_source);
    print_value(ctx, "preflight status", c->preflight_status,
                c->preflight_status == CORS_UNSET ? "204"
                    : apr_itoa(ctx->p, c->preflight_status),
                c->preflight_status_source);
    print_value(ctx, "preflight passthrough", c->preflight_passthrough,
                on_off(c->preflight_passthrough),
                c->preflight_passthrough_source);
    print_value(ctx, "preflight auth", c->preflight_auth,
                on_off(c->preflight_auth), c->preflight_auth_source);
    print_value(ctx, "upstream headers", c->upstream,
                c->upstream == CORS_UPSTREAM_KEEP ? "Keep" : "Replace",
                c->upstream_source);
    print_value(ctx, "report-only", c->report_only, on_off(c->report_only),
                c->report_only_source);
    print_value(ctx, "cross-origin protection", c->protect,
                protect_mode_name(c->protect), c->protect_source);
    print_value(ctx, "origin file check", c->file_check,
                c->file_check == CORS_UNSET ? "5 s"
                    : apr_psprintf(ctx->p, "%d s", c->file_check),
                c->file_check_source);
}

/* Returns how many it printed. */
static int print_entries(dump_ctx *ctx, const apr_array_header_t *entries,
                         int in_vhost)
{
    int i, printed = 0;

    for (i = 0; i < entries->nelts; i++) {
        const dump_entry *e = &APR_ARRAY_IDX(entries, i, dump_entry);

        if (!e->local) {
            continue;
        }
        printed++;
        if (!e->node) {
            apr_file_printf(ctx->out, "  server level:\n");
        }
        else {
            apr_file_printf(ctx->out, "  %s %s (%s%s)\n", e->node->directive,
                            e->node->args, source_of(ctx->p, e->node),
                            in_vhost && !in_virtual_host(e->node)
                                ? ", from the main server" : "");
        }
        print_policy(ctx, e->merged);
    }
    return printed;
}

static void dump_server(dump_ctx *ctx, server_rec *s,
                        const cors_dir_conf *main_conf)
{
    const cors_dir_conf *base = ap_get_module_config(s->lookup_defaults,
                                                     &cors_module);
    const cors_dir_conf *root;
    apr_array_header_t *entries;
    int own, printed;

    if (!s->is_virtual) {
        apr_file_printf(ctx->out, "main server %s:\n", s->server_hostname);
        root = cors_merge_dir_conf(ctx->p, cors_create_dir_conf(ctx->p, NULL),
                                   (void *)base);
        own = base->line != NULL;
    }
    else {
        apr_file_printf(ctx->out, "VirtualHost %s:%u (%s:%u):\n",
                        s->server_hostname, (unsigned)(s->port ? s->port
                            : s->addrs ? s->addrs->host_port : 0),
                        s->defn_name, s->defn_line_number);
        /* already merged over the main server's */
        root = base;
        own = base != main_conf;
    }
    /* Without a server-level line of its own, a virtual host gets the
     * main server's sections as printed there, unless one of its own
     * sections merges with them. */
    entries = entries_of(ctx, s, root, own, !s->is_virtual || own);
    printed = print_entries(ctx, entries, s->is_virtual);
    if (printed == 0 && entries->nelts > 0) {
        apr_file_printf(ctx->out, "  no mod_cors directive of its own: the "
                        "main server's sections apply as printed above\n");
    }
    else if (printed < entries->nelts) {
        apr_file_printf(ctx->out, "  the main server's other sections "
                        "apply as printed above\n");
    }
    else if (entries->nelts == 0) {
        apr_file_printf(ctx->out, "  no mod_cors directive\n");
    }
}

typedef struct {
    server_rec *s;
    int ordinal;
} dump_server_at;

static int by_server_ordinal(const void *a, const void *b)
{
    const dump_server_at *x = a, *y = b;

    return (x->ordinal > y->ordinal) - (x->ordinal < y->ordinal);
}

static void cors_dump_test_config(apr_pool_t *pconf, server_rec *main_server)
{
    dump_ctx ctx;
    server_rec *s;
    const cors_dir_conf *main_conf;
    apr_array_header_t *servers;
    int i;

    if (!ap_exists_config_define("DUMP_CORS")) {
        return;
    }
    memset(&ctx, 0, sizeof(ctx));
    apr_pool_create(&ctx.p, pconf);
    if (apr_file_open_stdout(&ctx.out, ctx.p) != APR_SUCCESS) {
        return;
    }
    ctx.ordinal = apr_hash_make(ctx.p);
    ctx.line_at = apr_hash_make(ctx.p);
    number_tree(&ctx, ap_conftree);
    main_conf = ap_get_module_config(main_server->lookup_defaults,
                                     &cors_module);
    apr_file_printf(ctx.out, "CORS policy in effect (DUMP_CORS):\n"
        "  .htaccess files are not included: httpd reads them per request.\n"
        "  Each section is merged over its server and the sections that "
        "contain it;\n  regex sections that may also match are not merged "
        "in.\n  (default): the value is set nowhere.\n");
    servers = apr_array_make(ctx.p, 8, sizeof(dump_server_at));
    for (s = main_server; s; s = s->next) {
        dump_server_at *at = apr_array_push(servers);
        at->s = s;
        at->ordinal = s->is_virtual ? ordinal_at(&ctx, apr_psprintf(ctx.p,
                          "%s:%u", s->defn_name, s->defn_line_number)) : -1;
    }
    /* httpd keeps its virtual hosts newest first */
    qsort(servers->elts, servers->nelts, sizeof(dump_server_at),
          by_server_ordinal);
    for (i = 0; i < servers->nelts; i++) {
        dump_server(&ctx, APR_ARRAY_IDX(servers, i, dump_server_at).s,
                    main_conf);
    }
    apr_file_flush(ctx.out);
    apr_pool_destroy(ctx.p);
}

void cors_dump_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_test_config(cors_dump_test_config, NULL, NULL, APR_HOOK_MIDDLE);
}
