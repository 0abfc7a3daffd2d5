/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_origin_file.c: parsing an origin file into a snapshot, and the
 * reference-counted swap of a file's current snapshot.
 *
 * Lifetime: the file holds one reference to its current snapshot; each
 * reader takes one more while it looks up (and, with a hold pool, until
 * its request ends). A reader increments the count under the file's lock
 * while the pointer is still current, so the count cannot be zero when it
 * does; a swap replaces the pointer under the same lock before dropping
 * the file's reference. Whoever drops the last reference destroys the
 * snapshot's pool, outside any lock.
 */

#include <string.h>

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "cors_origin_file.h"

struct cors_origin_snapshot {
    apr_pool_t *pool;            /* owns the snapshot and its entries */
    apr_uint32_t refs;
    cors_origin_layer *layer;    /* text: the file's entries */
    apr_size_t count;
    cors_origin_lookup_fn lookup; /* external: e.g. a DBM */
    void *data;
    const char *source;
};

struct cors_origin_file {
    const char *name;
    cors_origin_snapshot *current;
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
#endif
    cors_origin_refresh_fn refresh;
    void *refresh_data;
};

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Characters no origin has but a regular expression usually does. */
static int looks_like_regex(const char *s)
{
    return s[0] == '^' || strpbrk(s, "\\()[]|+?$") != NULL;
}

/* What is wrong with one entry, or NULL; fills `rule` when it is fine. */
static const char *parse_entry(apr_pool_t *p, const char *entry,
                               cors_rule *rule)
{
    if (strcmp(entry, "*") == 0 || strcmp(entry, "null") == 0) {
        return apr_psprintf(p, "'%s' is not allowed in an origin file; "
                            "write it with CORSAllowOrigin in the "
                            "configuration, where configtest sees it",
                            entry);
    }
    if (strcmp(entry, "none") == 0) {
        return "'none' is not an origin; a file that lists no origin is "
               "left empty";
    }
    if (looks_like_regex(entry)) {
        return apr_psprintf(p, "'%s' looks like a regular expression, which "
                            "is not allowed in an origin file; use "
                            "CORSAllowOriginMatch in the configuration",
                            entry);
    }
    return cors_rule_parse(p, entry, rule);
}

/* Cut one line out of [*pos, end): returns it trimmed, NUL-terminated. */
static char *next_line(char **pos, char *end, apr_size_t *len)
{
    char *line = *pos, *nl = memchr(line, '\n', (apr_size_t)(end - line));
    char *stop = nl ? nl : end;

    *pos = nl ? nl + 1 : end;
    while (line < stop && is_blank(*line)) {
        line++;
    }
    while (stop > line && is_blank(stop[-1])) {
        stop--;
    }
    *len = (apr_size_t)(stop - line);
    *stop = '\0';   /* the newline, a trailing blank, or the buffer's NUL */
    return line;
}

static apr_size_t count_entries(const cors_origin_layer *layer)
{
    apr_size_t n = 0;
    int t;

    for (t = 0; t < CORS_LOOKUP_TABLES; t++) {
        n += layer->tables[t] ? apr_hash_count(layer->tables[t]) : 0;
    }
    return n;
}

const char *cors_origin_text_parse(apr_pool_t *p, const char *name,
                                   char *text, apr_size_t len,
                                   cors_origin_snapshot **out)
{
    cors_origin_snapshot *s = apr_pcalloc(p, sizeof(*s));
    char *pos = text, *end = text + len;
    unsigned line_no = 0;

    s->pool = p;
    s->refs = 1;
    s->layer = cors_origin_layer_make(p);
    s->source = name = apr_pstrdup(p, name);
    while (pos < end) {
        apr_size_t n;
        char *entry = next_line(&pos, end, &n);
        const char *err;
        cors_rule rule;

        line_no++;
        if (n == 0 || entry[0] == '#') {
            continue;
        }
        if (strlen(entry) != n) {
            return apr_psprintf(p, "%s:%u: the line contains a NUL byte",
                                name, line_no);
        }
        if ((err = parse_entry(p, entry, &rule)) != NULL) {
            return apr_psprintf(p, "%s:%u: %s", name, line_no, err);
        }
        /* One name shared by every entry: a million-line file would
         * otherwise spend tens of megabytes on "name:line" strings. */
        rule.source = name;
        rule.line = line_no;
        rule.from_file = 1;
        cors_origin_layer_index(p, s->layer, &rule);
    }
    s->count = count_entries(s->layer);
    *out = s;
    return NULL;
}

cors_origin_snapshot *cors_origin_snapshot_external(apr_pool_t *p,
                                                    const char *source,
                                                    cors_origin_lookup_fn fn,
                                                    void *data)
{
    cors_origin_snapshot *s = apr_pcalloc(p, sizeof(*s));

    s->pool = p;
    s->refs = 1;
    s->lookup = fn;
    s->data = data;
    s->source = source;
    return s;
}

apr_size_t cors_origin_snapshot_count(const cors_origin_snapshot *s)
{
    return s->count;
}

/* What an external hit returns when the caller keeps nothing. */
static const cors_rule found_elsewhere;

const cors_rule *cors_origin_snapshot_find(apr_pool_t *p,
                                           const cors_origin_snapshot *s,
                                           const char *origin,
                                           apr_size_t len,
                                           const cors_origin *o)
{
    cors_rule *r;

    if (s->layer) {
        return cors_origin_layer_find(s->layer, origin, len, o);
    }
    /* An external list's keys were never checked: only a canonical
     * origin is looked up. */
    if (!o || !s->lookup(s->data, origin, len)) {
        return NULL;
    }
    if (!p) {
        return &found_elsewhere;
    }
    r = apr_pcalloc(p, sizeof(*r));
    r->kind = CORS_RULE_EXACT;
    r->text = r->id = r->key = apr_pstrmemdup(p, origin, len);
    r->source = s->source;
    r->from_file = 1;
    return r;
}

void cors_origin_snapshot_release(cors_origin_snapshot *s)
{
    if (apr_atomic_dec32(&s->refs) == 0) {
        apr_pool_destroy(s->pool);
    }
}

/* ------------------------------------------------------------------ */
/* The current snapshot                                                */

static apr_status_t release_current(void *data)
{
    cors_origin_file *f = data;

    if (f->current) {
        cors_origin_snapshot_release(f->current);
        f->current = NULL;
    }
    return APR_SUCCESS;
}

cors_origin_file *cors_origin_file_make(apr_pool_t *p, const char *name,
                                        cors_origin_snapshot *first)
{
    cors_origin_file *f = apr_pcalloc(p, sizeof(*f));

    f->name = apr_pstrdup(p, name);
#if APR_HAS_THREADS
    if (apr_thread_mutex_create(&f->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS) {
        return NULL;
    }
#endif
    f->current = first;
    /* Registered after the mutex: cleanups run in reverse, so the last
     * snapshot is released while the lock still exists. */
    apr_pool_cleanup_register(p, f, release_current, apr_pool_cleanup_null);
    return f;
}

const char *cors_origin_file_name(const cors_origin_file *f)
{
    return f->name;
}

void cors_origin_file_set_refresh(cors_origin_file *f,
                                  cors_origin_refresh_fn fn, void *data)
{
    f->refresh = fn;
    f->refresh_data = data;
}

cors_origin_snapshot *cors_origin_file_acquire(cors_origin_file *f)
{
    cors_origin_snapshot *s;

#if APR_HAS_THREADS
    apr_thread_mutex_lock(f->lock);
#endif
    s = f->current;
    apr_atomic_inc32(&s->refs);
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(f->lock);
#endif
    return s;
}

void cors_origin_file_swap(cors_origin_file *f, cors_origin_snapshot *next)
{
    cors_origin_snapshot *old;

#if APR_HAS_THREADS
    apr_thread_mutex_lock(f->lock);
#endif
    old = f->current;
    f->current = next;
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(f->lock);
#endif
    cors_origin_snapshot_release(old);
}

static apr_status_t release_held(void *data)
{
    cors_origin_snapshot_release(data);
    return APR_SUCCESS;
}

const cors_rule *cors_origin_file_find(apr_pool_t *hold, cors_origin_file *f,
                                       const char *origin, apr_size_t len,
                                       const cors_origin *o)
{
    cors_origin_snapshot *s;
    const cors_rule *r;

    if (f->refresh) {
        f->refresh(f->refresh_data);
    }
    s = cors_origin_file_acquire(f);
    r = cors_origin_snapshot_find(hold, s, origin, len, o);
    if (r && hold) {
        /* The entry lives in the snapshot: keep it for the request. */
        apr_pool_cleanup_register(hold, s, release_held,
                                  apr_pool_cleanup_null);
    }
    else {
        cors_origin_snapshot_release(s);
    }
    return r;
}
