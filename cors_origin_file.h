/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * cors_origin_file.h: origin lists read from files (CORSAllowOriginFile)
 * that can be replaced while requests run.
 *
 * A file's entries live in an immutable snapshot: a text file parsed into
 * a cors_origin_layer (the same tables CORSAllowOrigin builds), or an
 * external lookup (a DBM, opened by the glue). A cors_origin_file points
 * at its current snapshot. A reader takes a reference under the file's
 * lock, so the pointer it loaded cannot be freed under it; a reload builds
 * the next snapshot completely, then swaps the pointer under the same lock
 * and drops the file's reference to the old one, which is destroyed by
 * whoever drops the last reference.
 *
 * Pure logic on APR; never includes httpd.h. Reading the file from disk,
 * deciding when to look for a change and logging are the glue's.
 */

#ifndef CORS_ORIGIN_FILE_H
#define CORS_ORIGIN_FILE_H

#include <apr_pools.h>

#include "cors_origin_rules.h"

typedef struct cors_origin_snapshot cors_origin_snapshot;
typedef struct cors_origin_file cors_origin_file;

/* An external list: non-zero when the canonical `origin` is in it. */
typedef int (*cors_origin_lookup_fn)(void *data, const char *origin,
                                     apr_size_t len);

/* Called before each use of a file: the glue's change check. */
typedef void (*cors_origin_refresh_fn)(void *data);

/*
 * Parse the contents of a text origin file, `len` bytes at `text` (which
 * is modified: lines are cut in place and become the entries' text), into
 * a new snapshot allocated from `p`, which the snapshot then owns (its
 * last release destroys `p`). `name` names the file in messages and in
 * each entry's source ("name:line"). Returns NULL on success, else
 * "name:line: problem" for the first invalid line.
 */
const char *cors_origin_text_parse(apr_pool_t *p, const char *name,
                                   char *text, apr_size_t len,
                                   cors_origin_snapshot **out);

/* A snapshot over an external list; owns `p` like the above. `source`
 * is what an entry found there gives as its source. */
cors_origin_snapshot *cors_origin_snapshot_external(apr_pool_t *p,
                                                    const char *source,
                                                    cors_origin_lookup_fn fn,
                                                    void *data);

/* Entries in a text snapshot (0 for an external one). */
apr_size_t cors_origin_snapshot_count(const cors_origin_snapshot *s);

/* The entry of a snapshot matching a parsed origin, or NULL. An external
 * snapshot's entry is allocated from `p`. With `o` NULL (an origin not
 * parsed yet), only a text snapshot's exact entries are looked at. */
const cors_rule *cors_origin_snapshot_find(apr_pool_t *p,
                                           const cors_origin_snapshot *s,
                                           const char *origin,
                                           apr_size_t len,
                                           const cors_origin *o);

/* Drop one reference; the last one destroys the snapshot's pool. */
void cors_origin_snapshot_release(cors_origin_snapshot *s);

/*
 * A file object over its first snapshot, allocated from `p`; clearing `p`
 * releases the current snapshot. Returns NULL if no lock can be made.
 */
cors_origin_file *cors_origin_file_make(apr_pool_t *p, const char *name,
                                        cors_origin_snapshot *first);

const char *cors_origin_file_name(const cors_origin_file *f);

void cors_origin_file_set_refresh(cors_origin_file *f,
                                  cors_origin_refresh_fn fn, void *data);

/* The current snapshot, with a reference the caller must release. */
cors_origin_snapshot *cors_origin_file_acquire(cors_origin_file *f);

/* Make `next` current (taking over the caller's reference to it) and
 * release the file's reference to the one it replaces. */
void cors_origin_file_swap(cors_origin_file *f, cors_origin_snapshot *next);

/*
 * Look an origin up in the file's current snapshot (as the above: `o`
 * NULL before it is parsed), after the refresh hook. With `hold`, the entry found is returned and the snapshot
 * stays referenced until `hold` is cleared; without it, nothing is kept
 * and any non-NULL value only says "found" (do not read it).
 */
const cors_rule *cors_origin_file_find(apr_pool_t *hold, cors_origin_file *f,
                                       const char *origin, apr_size_t len,
                                       const cors_origin *o);

#endif /* CORS_ORIGIN_FILE_H */
