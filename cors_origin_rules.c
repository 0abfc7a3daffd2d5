/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_origin_rules.c: parsing origin entries, layering them by section,
 * and matching a request Origin against the layers.
 *
 * Lookup keys: an EXACT entry is keyed by its origin ("https://a.example");
 * a SUBDOMAIN entry (a "*." wildcard on example.com, port 8443) by the
 * origin its suffix would have ("https://example.com:8443", or with ":*"
 * for any port); an ANY_PORT entry on localhost by "http://localhost".
 * A request origin is then looked up once for itself, once without its
 * port, and once per dot-separated suffix of its host.
 */

#include <string.h>

#include <apr_strings.h>

#include "cors_origin_rules.h"
#include "cors_origin_file.h"

/* Room for any origin we accept, plus ":*" and the NUL. */
#define KEY_BUF_LEN (CORS_ORIGIN_MAX_LEN + 8)

cors_origin_layer *cors_origin_layer_make(apr_pool_t *p)
{
    cors_origin_layer *layer = apr_pcalloc(p, sizeof(*layer));

    /* The other tables are made by their first entry: a .htaccess line
     * builds a layer on every request. */
    layer->mode = CORS_LIST_INHERIT;
    layer->entries = apr_hash_make(p);
    return layer;
}

/*
 * Say why `arg` is refused and, where possible, how to write it: the
 * canonical spelling of `plain` (arg without its wildcards), with the
 * wildcard parts put back.
 */
static const char *not_canonical(apr_pool_t *p, const char *arg,
                                 const char *plain, const char *star,
                                 const char *port, cors_origin_error err)
{
    const char *fix = cors_origin_suggest(p, plain);

    if (fix) {
        const char *host = strstr(fix, "://") + 3;
        fix = apr_pstrcat(p, apr_pstrmemdup(p, fix, (apr_size_t)(host - fix)),
                          star, host, port, NULL);
    }
    if (fix && strcmp(fix, arg) != 0) {
        return apr_psprintf(p, "'%s' is not a canonical origin (%s); "
                            "write '%s' instead", arg,
                            cors_origin_error_text(err), fix);
    }
    return apr_psprintf(p, "'%s' is not a canonical origin (%s); write "
                        "scheme://host[:port] exactly as a browser sends it, "
                        "e.g. 'https://app.example.com'", arg,
                        cors_origin_error_text(err));
}

/* Validate `plain`: `arg` with its "*." and ":*" wildcards taken out. */
static const char *check_origin(apr_pool_t *p, const char *arg,
                                const char *plain, const char *star,
                                const char *port, cors_origin *parsed)
{
    cors_origin_error err = cors_origin_parse(plain, strlen(plain), parsed);

    return err == CORS_ORIGIN_OK ? NULL
           : not_canonical(p, arg, plain, star, port, err);
}

/* "scheme://host:8080:*" can never match: an origin has one port. */
static const char *port_and_any_port(apr_pool_t *p, const char *arg,
                                     const char *with_port,
                                     const cors_origin *parsed)
{
    const char *without = apr_pstrmemdup(p, with_port, (apr_size_t)
                                         (strlen(with_port)
                                          - parsed->port_len - 1));

    return apr_psprintf(p, "'%s' gives both a port and ':*', so it can never "
                        "match; write '%s' for that port or '%s:*' for any "
                        "port", arg, with_port, without);
}

/* A "*." wildcard: scheme, "://", "*.", domain, then ":port" or ":*". */
static const char *parse_subdomain(apr_pool_t *p, const char *arg,
                                   const char *star, int any_port,
                                   cors_rule *rule)
{
    cors_origin parsed;
    const char *scheme = apr_pstrmemdup(p, arg, (apr_size_t)(star - arg));
    const char *rest = star + 2;            /* after "*." */
    const char *plain, *domain, *err;

    if (any_port) {
        rest = apr_pstrmemdup(p, rest, strlen(rest) - 2);
    }
    plain = apr_pstrcat(p, scheme, rest, NULL);
    if ((err = check_origin(p, arg, plain, "*.", any_port ? ":*" : "",
                            &parsed)) != NULL) {
        return err;
    }
    if (any_port && parsed.port) {
        return port_and_any_port(p, arg, apr_pstrcat(p, scheme, "*.", rest,
                                                     NULL), &parsed);
    }
    if (parsed.host_kind != CORS_HOST_DOMAIN) {
        return apr_psprintf(p, "'%s' puts a wildcard on an IP address; list "
                            "the origins instead", arg);
    }
    domain = apr_pstrmemdup(p, parsed.host, parsed.host_len);
    if (cors_is_public_suffix(domain)) {
        return apr_psprintf(p, "'%s' puts a wildcard directly on the public "
                            "suffix '%s', which would allow every site "
                            "registered under it; use a domain you control, "
                            "e.g. '%s*.example.%s'", arg, domain, scheme,
                            domain);
    }
    rule->kind = CORS_RULE_SUBDOMAIN;
    rule->any_port = any_port;
    rule->key = any_port ? apr_pstrcat(p, plain, ":*", NULL) : plain;
    return NULL;
}

static int ends_with_any_port(const char *arg)
{
    apr_size_t len = strlen(arg);

    return len > 2 && arg[len - 2] == ':' && arg[len - 1] == '*';
}

const char *cors_rule_parse(apr_pool_t *p, const char *arg, cors_rule *rule)
{
    const char *sep = strstr(arg, "://");
    const char *star = strchr(arg, '*');
    int any_port = ends_with_any_port(arg);
    cors_origin parsed;

    memset(rule, 0, sizeof(*rule));
    rule->text = rule->id = rule->key = arg;
    if (strcmp(arg, "*") == 0) {
        rule->kind = CORS_RULE_ANY;
        rule->wide = 1;
        return NULL;
    }
    if (strcmp(arg, "null") == 0) {
        rule->kind = CORS_RULE_NULL;
        rule->wide = 1;     /* any page can send it, from a sandbox */
        return NULL;
    }
    if (star && sep && star == sep + 3 && star[1] == '.'
        && strchr(star + 1, '*') == (any_port ? arg + strlen(arg) - 1 : NULL)) {
        return parse_subdomain(p, arg, sep + 3, any_port, rule);
    }
    if (any_port && star == arg + strlen(arg) - 1) {
        const char *plain = apr_pstrmemdup(p, arg, strlen(arg) - 2);
        const char *err = check_origin(p, arg, plain, "", ":*", &parsed);
        if (err) {
            return err;
        }
        if (parsed.port) {
            return port_and_any_port(p, arg, plain, &parsed);
        }
        rule->kind = CORS_RULE_ANY_PORT;
        rule->key = plain;
        return NULL;
    }
    if (star) {
        return apr_psprintf(p, "'%s' has a '*' where none is allowed: write "
                            "'*' alone, 'https://*.example.com' (a whole "
                            "leftmost label, never on a public suffix) or "
                            "'http://localhost:*' (any port)", arg);
    }
    rule->kind = CORS_RULE_EXACT;
    return check_origin(p, arg, arg, "", "", &parsed);
}

void cors_rule_regex(apr_pool_t *p, cors_rule *rule, const char *pattern,
                     const void *compiled, cors_regex_fn match)
{
    memset(rule, 0, sizeof(*rule));
    rule->kind = CORS_RULE_REGEX;
    rule->text = rule->key = pattern;
    rule->id = apr_pstrcat(p, "~", pattern, NULL);
    rule->regex = compiled;
    rule->regex_match = match;
}

static cors_lookup_table table_for_kind(cors_rule_kind kind)
{
    switch (kind) {
    case CORS_RULE_SUBDOMAIN:
        return CORS_BY_SUBDOMAIN;
    case CORS_RULE_ANY_PORT:
        return CORS_BY_ANY_PORT;
    default:
        return CORS_BY_EXACT;
    }
}

static void layer_remove_own(cors_origin_layer *layer, const char *id)
{
    const cors_rule *old = apr_hash_get(layer->entries, id,
                                        APR_HASH_KEY_STRING);
    int i, j;

    if (!old) {
        return;
    }
    apr_hash_set(layer->entries, id, APR_HASH_KEY_STRING, NULL);
    if (old->kind == CORS_RULE_ANY) {
        layer->any = NULL;
    }
    else if (old->kind == CORS_RULE_REGEX || old->kind == CORS_RULE_FILE) {
        apr_array_header_t *list = old->kind == CORS_RULE_REGEX
                                   ? layer->regexes : layer->files;
        for (i = 0, j = 0; i < list->nelts; i++) {
            const cors_rule *r = APR_ARRAY_IDX(list, i, const cors_rule *);
            if (r != old) {
                APR_ARRAY_IDX(list, j++, const cors_rule *) = r;
            }
        }
        list->nelts = j;
    }
    else {
        apr_hash_set(layer->tables[table_for_kind(old->kind)], old->key,
                     APR_HASH_KEY_STRING, NULL);
    }
}

/* Put an exact, wildcard or null entry into its lookup table. */
static void index_rule(apr_pool_t *p, cors_origin_layer *layer,
                       const cors_rule *rule)
{
    apr_hash_t **table = &layer->tables[table_for_kind(rule->kind)];

    if (rule->kind == CORS_RULE_SUBDOMAIN && rule->any_port) {
        layer->any_port_wildcards = 1;
    }
    if (!*table) {
        *table = apr_hash_make(p);
    }
    apr_hash_set(*table, rule->key, APR_HASH_KEY_STRING, rule);
}

static void layer_add_own(apr_pool_t *p, cors_origin_layer *layer,
                          const cors_rule *rule)
{
    cors_rule *copy = apr_pmemdup(p, rule, sizeof(*rule));

    layer_remove_own(layer, copy->id);
    apr_hash_set(layer->entries, copy->id, APR_HASH_KEY_STRING, copy);
    if (copy->kind == CORS_RULE_ANY) {
        layer->any = copy;
    }
    else if (copy->kind == CORS_RULE_REGEX) {
        if (!layer->regexes) {
            layer->regexes = apr_array_make(p, 2, sizeof(const cors_rule *));
        }
        APR_ARRAY_PUSH(layer->regexes, const cors_rule *) = copy;
    }
    else if (copy->kind == CORS_RULE_FILE) {
        if (!layer->files) {
            layer->files = apr_array_make(p, 1, sizeof(const cors_rule *));
        }
        APR_ARRAY_PUSH(layer->files, const cors_rule *) = copy;
    }
    else {
        index_rule(p, layer, copy);
    }
}

void cors_origin_layer_index(apr_pool_t *p, cors_origin_layer *layer,
                             const cors_rule *rule)
{
    index_rule(p, layer, apr_pmemdup(p, rule, sizeof(*rule)));
}

static void layer_clear(apr_pool_t *p, cors_origin_layer *layer)
{
    layer->entries = apr_hash_make(p);
    memset(layer->tables, 0, sizeof(layer->tables));
    layer->regexes = NULL;
    layer->files = NULL;
    layer->any = NULL;
    layer->any_port_wildcards = 0;
    layer->prefilter = NULL;
}

/* A "-text" edit removes entries of every kind with that text. */
static cors_removal *removal_of(apr_pool_t *p, const cors_rule *rule)
{
    cors_removal *rm = apr_palloc(p, sizeof(*rm));

    rm->text = apr_pstrdup(p, rule->text);
    rm->regex_id = apr_pstrcat(p, "~", rm->text, NULL);
    rm->source = rule->source;
    return rm;
}

void cors_origin_layer_apply(apr_pool_t *p, cors_origin_layer *layer,
                             cors_list_op op, const cors_rule *rule)
{
    cors_removal *rm;

    switch (op) {
    case CORS_OP_SET:
        if (layer->mode != CORS_LIST_REPLACE) {
            /* An unprefixed line replaces what is inherited: edits made
             * by earlier "+"/"-" lines of this section no longer apply to
             * a parent, but their additions stay in the section's list. */
            layer->removed = NULL;
            layer->mode = CORS_LIST_REPLACE;
        }
        if (rule) {
            layer_add_own(p, layer, rule);
        }
        else {
            layer_clear(p, layer);
        }
        break;
    case CORS_OP_ADD:
        if (layer->mode == CORS_LIST_INHERIT) {
            layer->mode = CORS_LIST_EDIT;
        }
        /* "+x" after "-x" in one section takes the removal back. */
        if (layer->removed) {
            apr_hash_set(layer->removed, rule->text, APR_HASH_KEY_STRING,
                         NULL);
        }
        layer_add_own(p, layer, rule);
        break;
    case CORS_OP_REMOVE:
        if (layer->mode == CORS_LIST_INHERIT) {
            layer->mode = CORS_LIST_EDIT;
        }
        rm = removal_of(p, rule);
        layer_remove_own(layer, rm->text);
        layer_remove_own(layer, rm->regex_id);
        if (layer->mode == CORS_LIST_EDIT) {
            if (!layer->removed) {
                layer->removed = apr_hash_make(p);
            }
            apr_hash_set(layer->removed, rm->text, APR_HASH_KEY_STRING, rm);
        }
        break;
    }
}

static int layer_removes(const cors_origin_layer *layer, const char *text)
{
    return layer->removed
           && apr_hash_get(layer->removed, text, APR_HASH_KEY_STRING);
}

/* Whether a node between `from` (inclusive) and `upto` (exclusive) removes
 * the entry `r` that a node above them contributes. */
static int removed_below(const cors_origin_chain *from,
                         const cors_origin_chain *upto, const cors_rule *r)
{
    const cors_origin_chain *n;

    for (n = from; n && n != upto; n = n->parent) {
        if (layer_removes(n->layer, r->text)) {
            return 1;
        }
    }
    return 0;
}

/* The entry `id` (whose text is `text`) in effect in `chain`, or NULL. */
static const cors_rule *chain_entry(const cors_origin_chain *chain,
                                    const char *id, const char *text)
{
    const cors_origin_chain *n;

    for (n = chain; n; n = n->parent) {
        const cors_rule *r = apr_hash_get(n->layer->entries, id,
                                          APR_HASH_KEY_STRING);
        if (r) {
            return r;
        }
        if (layer_removes(n->layer, text)) {
            return NULL;
        }
    }
    return NULL;
}

/* How many entries in effect in `parent` the removal takes away. */
static int removed_count(const cors_origin_chain *parent,
                         const cors_removal *rm)
{
    return (chain_entry(parent, rm->text, rm->text) != NULL)
           + (chain_entry(parent, rm->regex_id, rm->text) != NULL);
}

int cors_removal_applies(const cors_removal *rm,
                         const cors_origin_chain *parent)
{
    return removed_count(parent, rm) > 0;
}

static int count_entries(apr_pool_t *p, const cors_origin_layer *layer,
                         const cors_origin_chain *parent)
{
    apr_hash_index_t *hi;
    int count = parent ? parent->count : 0;

    for (hi = layer->removed ? apr_hash_first(p, layer->removed) : NULL; hi;
         hi = apr_hash_next(hi)) {
        count -= removed_count(parent, apr_hash_this_val(hi));
    }
    for (hi = apr_hash_first(p, layer->entries); hi; hi = apr_hash_next(hi)) {
        const cors_rule *r = apr_hash_this_val(hi);
        if (!chain_entry(parent, r->id, r->text)) {
            count++;
        }
    }
    return count;
}

const cors_origin_chain *cors_origin_chain_make(apr_pool_t *p,
                                                const cors_origin_layer *layer,
                                                const cors_origin_chain *parent)
{
    cors_origin_chain *node;

    if (!layer || layer->mode == CORS_LIST_INHERIT) {
        return parent;
    }
    node = apr_palloc(p, sizeof(*node));
    node->layer = layer;
    if (layer->mode == CORS_LIST_REPLACE) {
        node->parent = NULL;
        node->count = (int)apr_hash_count(layer->entries);
    }
    else {
        node->parent = parent;
        node->count = count_entries(p, layer, parent);
    }
    node->any = chain_entry(node, "*", "*");
    return node;
}

/* Whether the chain ends in a layer that replaces what it inherits. */
static int chain_closed(const cors_origin_chain *chain)
{
    while (chain->parent) {
        chain = chain->parent;
    }
    return chain->layer->mode == CORS_LIST_REPLACE;
}

static const cors_origin_chain *regraft(apr_pool_t *p,
                                        const cors_origin_chain *top,
                                        const cors_origin_chain *parent)
{
    const cors_origin_chain *below = top->parent
                                     ? regraft(p, top->parent, parent)
                                     : parent;

    return cors_origin_chain_make(p, top->layer, below);
}

const cors_origin_chain *cors_origin_chain_graft(apr_pool_t *p,
                                                 const cors_origin_chain *top,
                                                 const cors_origin_chain *parent)
{
    if (!top) {
        return parent;
    }
    if (chain_closed(top)) {
        return top;
    }
    return regraft(p, top, parent);
}

/* Look `key` up in one table of every layer, honouring removals. */
static const cors_rule *lookup(const cors_origin_chain *chain,
                               cors_lookup_table t, const char *key,
                               apr_size_t klen)
{
    const cors_origin_chain *n;

    for (n = chain; n; n = n->parent) {
        apr_hash_t *table = n->layer->tables[t];
        const cors_rule *r = table ? apr_hash_get(table, key,
                                                  (apr_ssize_t)klen) : NULL;
        if (r && !removed_below(chain, n, r)) {
            return r;
        }
    }
    return NULL;
}

/* Whether some layer of the chain has a "*." entry (with ":*" for
 * `any_port`): without one, no suffix of the host need be looked up. */
static int chain_has_wildcards(const cors_origin_chain *chain, int any_port)
{
    const cors_origin_chain *n;

    for (n = chain; n; n = n->parent) {
        if (n->layer->tables[CORS_BY_SUBDOMAIN]
            && (!any_port || n->layer->any_port_wildcards)) {
            return 1;
        }
    }
    return 0;
}

/* Try each proper dot-suffix of the host as a wildcard's domain. */
static const cors_rule *match_subdomain(const cors_origin_chain *chain,
                                        const cors_origin *o)
{
    char key[KEY_BUF_LEN];
    apr_size_t i, prefix = o->scheme_len + 3;
    int any_port = chain_has_wildcards(chain, 1);

    if (!any_port && !chain_has_wildcards(chain, 0)) {
        return NULL;
    }

    memcpy(key, o->scheme, o->scheme_len);
    /* Keys are passed with their length: no NUL is needed. */
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
    memcpy(key + o->scheme_len, "://", 3);
    for (i = 0; i < o->host_len; i++) {
        const char *suffix = o->host + i + 1;
        apr_size_t slen = o->host_len - i - 1, klen;
        const cors_rule *r;

        if (o->host[i] != '.') {
            continue;
        }
        memcpy(key + prefix, suffix, slen);
        klen = prefix + slen;
        if (o->port) {
            key[klen] = ':';
            memcpy(key + klen + 1, o->port, o->port_len);
            if ((r = lookup(chain, CORS_BY_SUBDOMAIN, key,
                            klen + 1 + o->port_len)) != NULL) {
                return r;
            }
        }
        else if ((r = lookup(chain, CORS_BY_SUBDOMAIN, key, klen)) != NULL) {
            return r;
        }
        if (!any_port) {
            continue;
        }
        /* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
        memcpy(key + klen, ":*", 2);
        if ((r = lookup(chain, CORS_BY_SUBDOMAIN, key, klen + 2)) != NULL) {
            return r;
        }
    }
    return NULL;
}

static const cors_rule *match_regex(const cors_origin_chain *chain,
                                    const char *origin, apr_size_t len,
                                    int narrow)
{
    char subject[KEY_BUF_LEN];
    const cors_origin_chain *n;
    int i;

    memcpy(subject, origin, len);
    subject[len] = '\0';
    for (n = chain; n; n = n->parent) {
        const cors_origin_layer *l = n->layer;
        int prefiltered_out;

        if (!l->regexes || l->regexes->nelts == 0) {
            continue;
        }
        /* One call instead of one per regex when the origin is in none */
        prefiltered_out = l->prefilter
                          && !l->prefilter_match(l->prefilter, subject);
        for (i = 0; i < l->regexes->nelts; i++) {
            const cors_rule *r = APR_ARRAY_IDX(l->regexes, i,
                                               const cors_rule *);
            if (!(prefiltered_out && r->prefiltered) && !(narrow && r->wide)
                && !removed_below(chain, n, r)
                && r->regex_match(r->regex, subject)) {
                return r;
            }
        }
    }
    return NULL;
}

/* The ":*" and "*." entries for a parsed origin. */
static const cors_rule *match_parsed(const cors_origin_chain *chain,
                                     const char *origin, apr_size_t len,
                                     const cors_origin *o)
{
    /* An ANY_PORT entry is keyed by the origin without its port. */
    const cors_rule *r = lookup(chain, CORS_BY_ANY_PORT, origin,
                                o->port ? (apr_size_t)(o->port - origin) - 1
                                        : len);

    if (!r && o->host_kind == CORS_HOST_DOMAIN) {
        r = match_subdomain(chain, o);
    }
    return r;
}

const cors_rule *cors_origin_layer_find(const cors_origin_layer *layer,
                                        const char *origin, apr_size_t len,
                                        const cors_origin *o)
{
    cors_origin_chain one;
    const cors_rule *r;

    one.layer = layer;
    one.parent = NULL;
    one.count = 0;
    one.any = NULL;
    r = lookup(&one, CORS_BY_EXACT, origin, len);
    return r || !o ? r : match_parsed(&one, origin, len, o);
}

/* The file entries in effect in a chain, one by one: start with `at` the
 * chain and `i` 0; NULL when there is none left. */
static const cors_rule *next_file(const cors_origin_chain *chain,
                                  const cors_origin_chain **at, int *i)
{
    for (; *at; *at = (*at)->parent, *i = 0) {
        const apr_array_header_t *files = (*at)->layer->files;
        while (files && *i < files->nelts) {
            const cors_rule *f = APR_ARRAY_IDX(files, (*i)++,
                                               const cors_rule *);
            if (!removed_below(chain, *at, f)) {
                return f;
            }
        }
    }
    return NULL;
}

/* Each file entry in effect, through its current snapshot; with `o`
 * NULL, only the exact entries of text files (before parsing). */
static const cors_rule *match_files(apr_pool_t *hold,
                                    const cors_origin_chain *chain,
                                    const char *origin, apr_size_t len,
                                    const cors_origin *o)
{
    const cors_origin_chain *at = chain;
    const cors_rule *f;
    int i = 0;

    while ((f = next_file(chain, &at, &i)) != NULL) {
        const cors_rule *r = cors_origin_file_find(hold, f->file, origin,
                                                   len, o);
        if (r) {
            return hold ? r : f;
        }
    }
    return NULL;
}

static cors_match_result match(apr_pool_t *hold,
                               const cors_origin_chain *chain,
                               const char *origin, apr_size_t len,
                               int narrow, const cors_rule **rule)
{
    cors_origin o;
    const cors_rule *r;

    *rule = NULL;
    if (len == 4 && memcmp(origin, "null", 4) == 0) {
        /* An opaque origin matches nothing but an explicit "null". */
        *rule = narrow ? NULL : lookup(chain, CORS_BY_EXACT, "null", 4);
        return *rule ? CORS_MATCH_ENTRY : CORS_MATCH_NONE;
    }
    /* Exact entries were checked canonical when configured, so a hit needs
     * no parsing: the common case stays a single hash lookup. */
    if (len <= CORS_ORIGIN_MAX_LEN
        && (r = lookup(chain, CORS_BY_EXACT, origin, len)) != NULL) {
        *rule = r;
        return CORS_MATCH_ENTRY;
    }
    /* So are a text file's: a tenant's origin costs no parsing either. */
    if (len <= CORS_ORIGIN_MAX_LEN
        && (r = match_files(hold, chain, origin, len, NULL)) != NULL) {
        *rule = r;
        return CORS_MATCH_ENTRY;
    }
    if (cors_origin_parse(origin, len, &o) != CORS_ORIGIN_OK) {
        return CORS_MATCH_MALFORMED;
    }
    r = match_parsed(chain, origin, len, &o);
    if (!r) {
        r = match_files(hold, chain, origin, len, &o);
    }
    if (!r) {
        r = match_regex(chain, origin, len, narrow);
    }
    *rule = r;
    return r ? CORS_MATCH_ENTRY : CORS_MATCH_NONE;
}

cors_match_result cors_origin_match(const cors_origin_chain *chain,
                                    const char *origin, apr_size_t len,
                                    const cors_rule **rule)
{
    return match(NULL, chain, origin, len, 0, rule);
}

cors_match_result cors_origin_match_narrow(const cors_origin_chain *chain,
                                           const char *origin,
                                           apr_size_t len,
                                           const cors_rule **rule)
{
    return match(NULL, chain, origin, len, 1, rule);
}

cors_match_result cors_origin_match_held(apr_pool_t *hold,
                                         const cors_origin_chain *chain,
                                         const char *origin, apr_size_t len,
                                         int narrow, const cors_rule **rule)
{
    return match(hold, chain, origin, len, narrow, rule);
}

void cors_rule_file(cors_rule *rule, const char *text,
                    struct cors_origin_file *f)
{
    memset(rule, 0, sizeof(*rule));
    rule->kind = CORS_RULE_FILE;
    rule->text = rule->id = rule->key = text;
    rule->file = f;
}

apr_array_header_t *cors_origin_chain_files(apr_pool_t *p,
                                            const cors_origin_chain *chain)
{
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(const cors_rule *));
    const cors_origin_chain *at = chain;
    const cors_rule *f;
    int i = 0;

    while ((f = next_file(chain, &at, &i)) != NULL) {
        APR_ARRAY_PUSH(out, const cors_rule *) = f;
    }
    return out;
}

const cors_rule *cors_origin_chain_wide(apr_pool_t *p,
                                        const cors_origin_chain *chain)
{
    const cors_origin_chain *n;
    apr_hash_index_t *hi;

    for (n = chain; n; n = n->parent) {
        for (hi = apr_hash_first(p, n->layer->entries); hi;
             hi = apr_hash_next(hi)) {
            const cors_rule *r = apr_hash_this_val(hi);
            if (r->wide && !removed_below(chain, n, r)) {
                return r;
            }
        }
    }
    return NULL;
}

/* Skip a character class starting at `s` ('['); returns its last byte. */
static const char *skip_class(const char *s)
{
    const char *c = s + 1;

    if (*c == '^') {
        c++;
    }
    if (*c == ']') {
        c++;                    /* a leading ']' is literal */
    }
    for (; *c && *c != ']'; c++) {
        if (*c == '\\' && c[1]) {
            c++;
        }
    }
    return *c ? c : c - 1;
}

const char *cors_regex_verb(const char *pattern)
{
    const char *c;

    for (c = pattern; *c; c++) {
        if (c[0] == '\\' && c[1] == 'Q') {
            const char *end = strstr(c + 2, "\\E");
            if (!end) {
                return NULL;    /* quoted to the end */
            }
            c = end + 1;
        }
        else if (c[0] == '\\' && c[1]) {
            c++;
        }
        else if (c[0] == '[') {
            c = skip_class(c);
        }
        else if (c[0] == '(' && c[1] == '*') {
            return c;
        }
    }
    return NULL;
}

/* Whether the group opened at `c` ("(?...") keeps to its own branch:
 * non-capturing, lookaround, atomic, comment, branch reset, options. */
static int group_is_local(const char *c)
{
    const char *o = c + 2;

    if (*o && strchr(":=!>|#", *o)) {
        return 1;
    }
    if (*o == '<') {
        return o[1] == '=' || o[1] == '!';
    }
    while (*o && strchr("imnsxU^-", *o)) {   /* (?i) (?-x:...) */
        o++;
    }
    return o > c + 2 && (*o == ')' || *o == ':');
}

int cors_regex_alternable(const char *pattern)
{
    const char *c;

    for (c = pattern; *c; c++) {
        if (c[0] == '\\' && c[1] == 'Q') {
            const char *end = strstr(c + 2, "\\E");
            if (!end) {
                return 1;       /* quoted to the end */
            }
            c = end + 1;
        }
        else if (c[0] == '\\' && c[1]) {
            /* \1..\9, \g{n}, \k<name>: a group of another branch */
            if ((c[1] >= '1' && c[1] <= '9') || c[1] == 'g' || c[1] == 'k') {
                return 0;
            }
            c++;
        }
        else if (c[0] == '[') {
            c = skip_class(c);
        }
        else if (c[0] == '(' && (c[1] == '*'
                                 || (c[1] == '?' && !group_is_local(c)))) {
            return 0;
        }
    }
    return 1;
}

void cors_origin_layer_prefilter(apr_pool_t *p, cors_origin_layer *layer,
                                 cors_regex_alternation_fn compile,
                                 cors_regex_fn matcher, void *ctx)
{
    const char **patterns;
    const void *compiled;
    int i, n = 0;

    if (!layer->regexes || layer->regexes->nelts < 2) {
        return;
    }
    patterns = apr_palloc(p, sizeof(*patterns)
                             * (apr_size_t)layer->regexes->nelts);
    for (i = 0; i < layer->regexes->nelts; i++) {
        const cors_rule *r = APR_ARRAY_IDX(layer->regexes, i,
                                           const cors_rule *);
        if (cors_regex_alternable(r->text)) {
            patterns[n++] = r->text;
        }
    }
    if (n < 2 || (compiled = compile(ctx, patterns, n)) == NULL) {
        return;
    }
    layer->prefilter = compiled;
    layer->prefilter_match = matcher;
    for (i = 0; i < layer->regexes->nelts; i++) {
        cors_rule *r = APR_ARRAY_IDX(layer->regexes, i, cors_rule *);
        r->prefiltered = cors_regex_alternable(r->text);
    }
}

/* A DNS label of `n` letters and digits, starting with a letter. */
static char *probe_label(apr_pool_t *p, const unsigned char *rnd,
                         apr_size_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char *label = apr_palloc(p, n + 1);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        label[i] = alphabet[rnd[i] % (i == 0 ? 26 : 36)];
    }
    label[n] = '\0';
    return label;
}

void cors_probe_origins(apr_pool_t *p, const unsigned char *rnd,
                        const char *out[CORS_PROBES])
{
    /* Ports above 1023 and below 65536, never a default port. */
    unsigned port1 = 1024u + ((unsigned)rnd[30] << 8 | rnd[31]) % 64000u;
    unsigned port2 = 1024u + ((unsigned)rnd[28] << 8 | rnd[29]) % 64000u;

    out[0] = apr_pstrcat(p, "https://", probe_label(p, rnd, 8), ".invalid",
                         NULL);
    out[1] = apr_pstrcat(p, "http://", probe_label(p, rnd + 8, 8),
                         ".invalid", NULL);
    out[2] = apr_psprintf(p, "https://%s.%s.invalid:%u",
                          probe_label(p, rnd + 16, 4),
                          probe_label(p, rnd + 20, 4), port1);
    out[3] = apr_psprintf(p, "http://%s.invalid:%u",
                          probe_label(p, rnd + 24, 4), port2);
    /* Under real top-level domains too: "https://.*\.com" is as wide. */
    out[4] = apr_pstrcat(p, "https://", probe_label(p, rnd + 32, 8), ".com",
                         NULL);
    out[5] = apr_pstrcat(p, "https://", probe_label(p, rnd + 40, 8), ".org",
                         NULL);
}
