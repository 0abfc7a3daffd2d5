/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_origin_rules.h: the list of allowed origins (CORSAllowOrigin and
 * CORSAllowOriginMatch) and how it is matched and inherited.
 *
 * Each configuration section holds one "layer": the entries its lines added
 * and, for "+"/"-" edits, the inherited entries they removed. A merged
 * configuration is a short chain of layers from child to parent, so that
 * inheriting or editing a 10,000-origin list costs O(1) per request instead
 * of a copy. Exact origins and wildcard suffixes are hash lookups; only
 * regular expressions are tried one by one, after one call of the layer's
 * prefilter (see cors_origin_layer_prefilter) says one of them may match.
 *
 * Pure logic on APR; regular expressions are compiled and run by the caller
 * through cors_regex_fn, so that this file never includes httpd.h.
 */

#ifndef CORS_ORIGIN_RULES_H
#define CORS_ORIGIN_RULES_H

#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "cors_origin.h"

/* Returns non-zero when the compiled expression matches all of `subject`. */
typedef int (*cors_regex_fn)(const void *compiled, const char *subject);

typedef enum {
    CORS_RULE_EXACT,        /* https://app.example.com */
    CORS_RULE_SUBDOMAIN,    /* a "*." label wildcard, e.g. on example.com */
    CORS_RULE_ANY_PORT,     /* a ":*" port wildcard, e.g. on localhost */
    CORS_RULE_REGEX,        /* CORSAllowOriginMatch */
    CORS_RULE_ANY,          /* * */
    CORS_RULE_NULL,         /* null */
    CORS_RULE_FILE          /* CORSAllowOriginFile: one entry for a whole
                             * file, matched through its current snapshot */
} cors_rule_kind;

struct cors_origin_file;

typedef struct {
    cors_rule_kind kind;
    const char *text;       /* as written; a "-" removes entries by it */
    const char *id;         /* unique in a layer: the text, or "~" and the
                             * pattern for a regex, so that a regex and an
                             * exact origin of the same text can coexist */
    const char *key;        /* hash key used for lookups (see .c) */
    int any_port;           /* SUBDOMAIN: port given as ":*" */
    int wide;               /* matches unrelated sites: '*', null, or a
                             * regex that matched a probe origin */
    const void *regex;      /* REGEX: compiled by the caller */
    cors_regex_fn regex_match;
    int prefiltered;        /* REGEX: a branch of its layer's prefilter */
    const char *source;     /* "file:line" of the directive, for logs;
                             * for an entry listed in an origin file, the
                             * file's name (and `line`) */
    struct cors_origin_file *file;  /* FILE: the file it stands for */
    int from_file;          /* listed in an origin file, not a directive */
    unsigned line;          /* from_file: its line (0: none, a DBM) */
} cors_rule;

/* How a section's lines relate to the inherited list. */
typedef enum {
    CORS_LIST_INHERIT = 0,  /* no lines: inherit unchanged */
    CORS_LIST_REPLACE,      /* an unprefixed line: replace the inherited list */
    CORS_LIST_EDIT          /* only "+x" / "-x" lines: edit the inherited list */
} cors_list_mode;

/* The value operator of one directive argument. */
typedef enum {
    CORS_OP_SET,            /* unprefixed */
    CORS_OP_ADD,            /* +value */
    CORS_OP_REMOVE          /* -value */
} cors_list_op;

typedef struct cors_origin_layer cors_origin_layer;
typedef struct cors_origin_chain cors_origin_chain;

/* The hash tables an entry can be looked up in (see the .c). */
typedef enum {
    CORS_BY_EXACT,          /* EXACT and NULL entries */
    CORS_BY_SUBDOMAIN,
    CORS_BY_ANY_PORT,
    CORS_LOOKUP_TABLES
} cors_lookup_table;

/* A "-text" line: what it removes from the inherited list. */
typedef struct {
    const char *text;
    const char *regex_id;    /* the id a regex of that text would have */
    const char *source;      /* "file:line", for the unused-removal warning */
} cors_removal;

/* The entries of one section; built while the configuration is read. The
 * tables other than `entries` stay NULL until they get an entry. */
struct cors_origin_layer {
    cors_list_mode mode;
    apr_hash_t *entries;     /* id -> cors_rule*, everything added */
    apr_hash_t *tables[CORS_LOOKUP_TABLES]; /* key -> cors_rule* */
    apr_array_header_t *regexes; /* of cors_rule*, in configuration order */
    apr_array_header_t *files;   /* of cors_rule* (FILE), in order */
    const cors_rule *any;    /* the '*' entry, if added */
    apr_hash_t *removed;     /* text -> cors_removal*, removed from the
                              * parent (entries of any kind with that text) */
    int any_port_wildcards;  /* a "*." entry with ":*" was added */
    const void *prefilter;   /* one alternation of the prefiltered regexes:
                              * when it fails, none of them can match */
    cors_regex_fn prefilter_match;
};

/* A merged list: a layer over the (merged) list of its parent. */
struct cors_origin_chain {
    const cors_origin_layer *layer;
    const cors_origin_chain *parent;  /* NULL unless layer->mode is EDIT */
    int count;               /* number of entries in effect */
    const cors_rule *any;    /* the '*' entry in effect, or NULL */
};

/* The outcome of matching an Origin value against a chain. */
typedef enum {
    CORS_MATCH_NONE = 0,     /* well-formed, but no entry matches */
    CORS_MATCH_MALFORMED,    /* not a canonical origin nor "null" */
    CORS_MATCH_ENTRY         /* an entry matched; see `rule` */
} cors_match_result;

cors_origin_layer *cors_origin_layer_make(apr_pool_t *p);

/*
 * Parse one CORSAllowOrigin argument (without its +/- prefix) into a rule.
 * Returns NULL on success, else a message saying what is wrong and what to
 * write instead. "none" is not a rule; the caller handles it.
 */
const char *cors_rule_parse(apr_pool_t *p, const char *arg, cors_rule *rule);

/* Make a REGEX rule from a pattern the caller has compiled. */
void cors_rule_regex(apr_pool_t *p, cors_rule *rule, const char *pattern,
                     const void *compiled, cors_regex_fn match);

/*
 * The first PCRE verb ("(*ACCEPT)", "(*COMMIT)", "(*UTF)", ...) in a
 * pattern, outside escapes and character classes, or NULL. A verb can end
 * a match before the anchor that follows the pattern.
 */
const char *cors_regex_verb(const char *pattern);

/*
 * Whether a pattern can be one branch of an alternation and match the
 * same origins: no backreference, subroutine call, conditional, named
 * group or verb, whose numbers and names would refer to other branches.
 */
int cors_regex_alternable(const char *pattern);

/* Compile the alternation of `n` patterns, anchored to the whole subject;
 * NULL if it cannot (the regexes are then tried one by one). */
typedef const void *(*cors_regex_alternation_fn)(void *ctx,
                                                 const char *const *patterns,
                                                 int n);

/*
 * Give the layer one prefilter over its alternable regexes (when it has
 * two or more): a subject the alternation does not match is not tried
 * against each of them. A match still tries them one by one, in order, so
 * which entry matched (and whether it is wide) is known as before. Call it
 * again after adding regexes; removals leave a valid (wider) prefilter.
 */
void cors_origin_layer_prefilter(apr_pool_t *p, cors_origin_layer *layer,
                                 cors_regex_alternation_fn compile,
                                 cors_regex_fn matcher, void *ctx);

/* How many probe origins cors_probe_origins makes. */
#define CORS_PROBES 6

/* Random bytes cors_probe_origins needs. */
#define CORS_PROBE_RANDOM_BYTES 48

/*
 * Origins of no site anyone configures: random labels under ".invalid",
 * http and https, with and without a port, and under ".com" and ".org",
 * made from CORS_PROBE_RANDOM_BYTES of `rnd`. A regex that matches one of
 * them grants unrelated sites.
 */
void cors_probe_origins(apr_pool_t *p, const unsigned char *rnd,
                        const char *out[CORS_PROBES]);

/*
 * Apply one operation of a directive line to a layer. The layer's mode
 * becomes REPLACE after any CORS_OP_SET (repeated lines in one section
 * accumulate); otherwise EDIT. `rule` is NULL for "none" (CORS_OP_SET only),
 * which empties what the section has added so far. CORS_OP_REMOVE uses only
 * the rule's text and source: it removes every entry with that text,
 * whatever its kind.
 */
void cors_origin_layer_apply(apr_pool_t *p, cors_origin_layer *layer,
                             cors_list_op op, const cors_rule *rule);

/*
 * Put `rule` in the lookup table of its kind only, without the bookkeeping
 * removal by text needs: for a list built once and never edited (an
 * origin file's snapshot). A later rule with the same key replaces it.
 * Not for '*' or regexes.
 */
void cors_origin_layer_index(apr_pool_t *p, cors_origin_layer *layer,
                             const cors_rule *rule);

/*
 * The merged list of `layer` over `parent` (which may be NULL). Returns
 * `parent` itself when the layer is INHERIT; allocates one small node
 * otherwise, never copying entries.
 */
const cors_origin_chain *cors_origin_chain_make(apr_pool_t *p,
                                                const cors_origin_layer *layer,
                                                const cors_origin_chain *parent);

/*
 * The merged list of an already merged configuration `top` (a chain whose
 * lowest node may still edit whatever it inherits) over `parent`. httpd
 * merges sections with each other before merging them onto their parent,
 * so this must give the same list whichever way the merges are grouped.
 * Returns `top` itself when it replaces what it inherits, `parent` when it
 * is NULL, and otherwise re-links only its few edit nodes.
 */
const cors_origin_chain *cors_origin_chain_graft(apr_pool_t *p,
                                                 const cors_origin_chain *top,
                                                 const cors_origin_chain *parent);

/* Whether a child's "-text" edit removes anything in effect in `parent`. */
int cors_removal_applies(const cors_removal *rm,
                         const cors_origin_chain *parent);

/* The first wide entry ('*', null, a broad regex) in effect, or NULL. */
const cors_rule *cors_origin_chain_wide(apr_pool_t *p,
                                        const cors_origin_chain *chain);

/*
 * Match `len` bytes of `origin` against the list, without allocating.
 * The '*' entry is not considered here (see chain->any): whether it may be
 * granted depends on credentials, which is the policy's decision.
 */
cors_match_result cors_origin_match(const cors_origin_chain *chain,
                                    const char *origin, apr_size_t len,
                                    const cors_rule **rule);

/* The same, passing over wide entries (null, broad regexes): what may be
 * granted with credentials. */
cors_match_result cors_origin_match_narrow(const cors_origin_chain *chain,
                                           const char *origin,
                                           apr_size_t len,
                                           const cors_rule **rule);

/*
 * The same as either, for a caller that wants to know which line of an
 * origin file granted: with `hold` (a request's pool), an origin found in
 * a file is returned as that file's own entry, and the file's snapshot it
 * lives in is kept until `hold` is cleared. Without `hold` (and in
 * cors_origin_match), the file's CORS_RULE_FILE entry is returned and
 * nothing is kept.
 */
cors_match_result cors_origin_match_held(apr_pool_t *hold,
                                         const cors_origin_chain *chain,
                                         const char *origin, apr_size_t len,
                                         int narrow, const cors_rule **rule);

/* A CORS_RULE_FILE entry for `f`; `text` is the argument as written. */
void cors_rule_file(cors_rule *rule, const char *text,
                    struct cors_origin_file *f);

/*
 * What one layer's exact, "*." and ":*" entries say of an origin `o`
 * parsed from `len` bytes of `origin` (regexes and files are not looked
 * at): the matching entry, or NULL. With `o` NULL (not parsed), only the
 * exact entries are looked at.
 */
const cors_rule *cors_origin_layer_find(const cors_origin_layer *layer,
                                        const char *origin, apr_size_t len,
                                        const cors_origin *o);

/* The CORS_RULE_FILE entries in effect in `chain`, child first. */
apr_array_header_t *cors_origin_chain_files(apr_pool_t *p,
                                            const cors_origin_chain *chain);

#endif /* CORS_ORIGIN_RULES_H */
