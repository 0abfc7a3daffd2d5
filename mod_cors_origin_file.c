/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_origin_file.c: CORSAllowOriginFile and CORSAllowOriginFileCheck.
 * Loads a text or DBM origin file when the configuration is read (a
 * missing file or a bad line fails configtest), and looks for a change at
 * most once per check interval per process, on the request path: the
 * first request after the interval does one stat() and, when the file
 * changed, builds the new snapshot and swaps it in (cors_origin_file.c).
 */

#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "apr_atomic.h"
#include "apr_dbm.h"
#include "apr_file_info.h"
#include "apr_file_io.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "mod_cors.h"
#include "cors_origin_file.h"

APLOG_USE_MODULE(cors);

#define DEFAULT_CHECK 5
#define CHECK_LIMIT 86400
#define REGISTRY_KEY "mod_cors_origin_files"
#define DBM_TYPES "sdbm, gdbm, ndbm, db, default"

/* What a change check compares: a DBM may have two files. */
typedef struct {
    apr_time_t mtime[2];
    apr_off_t size[2];
    apr_ino_t inode[2];
    apr_dev_t device[2];
} file_identity;

/* A section that names the file: where its check interval comes from. */
typedef struct {
    const cors_dir_conf *section;
    server_rec *server;
} file_use;

/* One origin file (one type and resolved path) of this configuration,
 * shared by every section that names it. */
typedef struct {
    const char *path;            /* resolved; names the file in messages */
    const char *dbm_type;        /* NULL: a text file */
    const char *dbm_files[2];    /* the DBM's file names (second: or NULL) */
    cors_origin_file *file;
    apr_array_header_t *uses;    /* of file_use */
    server_rec *server;          /* for logs outside a request */
    apr_uint32_t interval;       /* seconds; 0: never */
    apr_uint32_t due;            /* next check, in seconds since 1970 */
    apr_uint32_t busy;           /* a check is running */
    file_identity seen;          /* the version loaded or last refused */
    int unreadable;              /* the last check could not stat it */
} origin_source;

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static apr_pool_t *snapshot_pool(void)
{
    apr_pool_t *p = NULL;

    /* Unmanaged: a snapshot outlives no pool and can be destroyed by any
     * thread, whichever drops its last reference. */
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    return p;
}

static void identity_of(const apr_finfo_t *fi, file_identity *id, int i)
{
    id->mtime[i] = fi->mtime;
    id->size[i] = fi->size;
    id->inode[i] = fi->inode;
    id->device[i] = fi->device;
}

#define IDENTITY_WANTED (APR_FINFO_MTIME | APR_FINFO_SIZE | APR_FINFO_INODE \
                         | APR_FINFO_DEV)

/* stat() the file (each file of a DBM); a status other than success
 * means it cannot be read. */
static apr_status_t stat_source(apr_pool_t *p, const origin_source *src,
                                file_identity *id)
{
    int i, n = src->dbm_type ? 2 : 1;

    memset(id, 0, sizeof(*id));
    for (i = 0; i < n; i++) {
        const char *name = src->dbm_type ? src->dbm_files[i] : src->path;
        apr_finfo_t fi;
        apr_status_t rv;
        if (!name) {
            break;
        }
        rv = apr_stat(&fi, name, IDENTITY_WANTED, p);
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
            return rv;
        }
        identity_of(&fi, id, i);
    }
    return APR_SUCCESS;
}

/* Read and parse a text file into a new snapshot (owning `sp`). */
static const char *load_text(apr_pool_t *sp, const origin_source *src,
                             file_identity *id, cors_origin_snapshot **out)
{
    apr_file_t *fd;
    apr_finfo_t fi;
    apr_size_t got = 0;
    apr_status_t rv;
    char *buf;

    rv = apr_file_open(&fd, src->path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_OS_DEFAULT, sp);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(sp, "cannot open '%s': %pm", src->path, &rv);
    }
    rv = apr_file_info_get(&fi, IDENTITY_WANTED, fd);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        return apr_psprintf(sp, "cannot stat '%s': %pm", src->path, &rv);
    }
    if (fi.filetype != APR_REG) {
        return apr_psprintf(sp, "'%s' is not a regular file", src->path);
    }
    memset(id, 0, sizeof(*id));
    identity_of(&fi, id, 0);
    buf = apr_palloc(sp, (apr_size_t)fi.size + 1);
    rv = fi.size > 0 ? apr_file_read_full(fd, buf, (apr_size_t)fi.size, &got)
                     : APR_SUCCESS;
    apr_file_close(fd);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return apr_psprintf(sp, "cannot read '%s': %pm", src->path, &rv);
    }
    buf[got] = '\0';
    return cors_origin_text_parse(sp, src->path, buf, got, out);
}

/* A DBM opened read-only, shared by the threads of a process. */
typedef struct {
    apr_dbm_t *db;
    apr_thread_mutex_t *lock;
} dbm_list;

static int dbm_has(void *data, const char *origin, apr_size_t len)
{
    dbm_list *d = data;
    apr_datum_t key;
    int found;

    key.dptr = (char *)origin;
    key.dsize = len;
    /* One apr_dbm_t is not safe for concurrent use. */
    apr_thread_mutex_lock(d->lock);
    found = apr_dbm_exists(d->db, key);
    apr_thread_mutex_unlock(d->lock);
    return found;
}

static apr_status_t dbm_close(void *data)
{
    apr_dbm_close(((dbm_list *)data)->db);
    return APR_SUCCESS;
}

static const char *dbm_open_error(apr_pool_t *p, const origin_source *src,
                                  apr_status_t rv)
{
    if (rv == APR_ENOTIMPL) {
        return apr_psprintf(p, "'%s' is not a DBM type APR-util knows; "
                            "write one of %s", src->dbm_type, DBM_TYPES);
    }
    if (APR_STATUS_IS_EDSOOPEN(rv)) {
        return apr_psprintf(p, "the APR-util DBM driver '%s' is not "
                            "installed (apr_dbm_%s.so could not be loaded); "
                            "install it or use another type",
                            src->dbm_type, src->dbm_type);
    }
    return apr_psprintf(p, "cannot open the %s DBM '%s': %pm", src->dbm_type,
                        src->path, &rv);
}

static const char *load_dbm(apr_pool_t *sp, const origin_source *src,
                            file_identity *id, cors_origin_snapshot **out)
{
    dbm_list *d = apr_pcalloc(sp, sizeof(*d));
    apr_status_t rv;

    /* The identity first: a version renamed in after the open is seen
     * as a change by the next check. */
    if ((rv = stat_source(sp, src, id)) != APR_SUCCESS) {
        return apr_psprintf(sp, "cannot open the %s DBM '%s': %pm",
                            src->dbm_type, src->path, &rv);
    }
    rv = apr_dbm_open_ex(&d->db, src->dbm_type, src->path, APR_DBM_READONLY,
                         APR_OS_DEFAULT, sp);
    if (rv != APR_SUCCESS) {
        return dbm_open_error(sp, src, rv);
    }
    apr_pool_cleanup_register(sp, d, dbm_close, apr_pool_cleanup_null);
    if (apr_thread_mutex_create(&d->lock, APR_THREAD_MUTEX_DEFAULT, sp)
        != APR_SUCCESS) {
        return "cannot create a lock";
    }
    *out = cors_origin_snapshot_external(sp, src->path, dbm_has, d);
    return NULL;
}

/* A new snapshot of the file, or the reason there is none (allocated from
 * `p`). */
static const char *load_source(apr_pool_t *p, const origin_source *src,
                               file_identity *id, cors_origin_snapshot **out)
{
    apr_pool_t *sp = snapshot_pool();
    const char *err;

    if (!sp) {
        return "out of memory";
    }
    err = src->dbm_type ? load_dbm(sp, src, id, out)
                        : load_text(sp, src, id, out);
    if (err) {
        err = apr_pstrdup(p, err);
        apr_pool_destroy(sp);
    }
    return err;
}

/* ------------------------------------------------------------------ */
/* The change check                                                    */

static apr_uint32_t now_seconds(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

static void reload(origin_source *src, apr_pool_t *p)
{
    file_identity id;
    cors_origin_snapshot *next = NULL;
    apr_time_t start = apr_time_now();
    apr_status_t rv = stat_source(p, src, &id);
    const char *err;

    if (rv != APR_SUCCESS) {
        if (!src->unreadable) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, src->server,
                         "CORSAllowOriginFile: cannot read '%s'; the last "
                         "good list stays in effect", src->path);
        }
        src->unreadable = 1;
        return;
    }
    src->unreadable = 0;
    if (memcmp(&id, &src->seen, sizeof(id)) == 0) {
        return;                 /* unchanged, or refused already */
    }
    err = load_source(p, src, &id, &next);
    src->seen = id;
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, src->server,
                     "CORSAllowOriginFile: new version of '%s' refused: %s; "
                     "the last good list stays in effect", src->path, err);
        return;
    }
    cors_origin_file_swap(src->file, next);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, src->server,
                 "CORSAllowOriginFile: reloaded '%s' (%" APR_SIZE_T_FMT
                 " entries) in %" APR_TIME_T_FMT " ms", src->path,
                 cors_origin_snapshot_count(next),
                 apr_time_as_msec(apr_time_now() - start));
}

/* Called before each use of the file: one thread per interval wins the
 * compare-and-swap on `due` and does the one stat(). */
static void refresh(void *data)
{
    origin_source *src = data;
    apr_uint32_t due, now;
    apr_pool_t *p;

    if (src->interval == 0) {
        return;
    }
    due = apr_atomic_read32(&src->due);
    now = now_seconds();
    if (now < due || apr_atomic_cas32(&src->due, now + src->interval, due)
                     != due) {
        return;
    }
    /* A reload of a large file can outlast the interval. */
    if (apr_atomic_cas32(&src->busy, 1, 0) != 0) {
        return;
    }
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) == APR_SUCCESS) {
        reload(src, p);
        apr_pool_destroy(p);
    }
    apr_atomic_set32(&src->busy, 0);
}

/* ------------------------------------------------------------------ */
/* Directives                                                          */

/* Split "[txt:|dbm[=TYPE]:]path"; returns an error or NULL. */
static const char *split_value(cmd_parms *cmd, const char *value,
                               const char **type, const char **path)
{
    const char *colon;

    *type = NULL;
    *path = value;
    if (strncmp(value, "txt:", 4) == 0) {
        *path = value + 4;
    }
    else if (strncmp(value, "dbm:", 4) == 0) {
        *type = "default";
        *path = value + 4;
    }
    else if (strncmp(value, "dbm=", 4) == 0) {
        if (!(colon = strchr(value + 4, ':')) || colon == value + 4) {
            return apr_psprintf(cmd->pool, "CORSAllowOriginFile: '%s' names "
                                "no DBM type and path; write "
                                "dbm=TYPE:path, e.g. 'dbm=gdbm:/etc/apache2/"
                                "origins.db'", value);
        }
        *type = apr_pstrmemdup(cmd->pool, value + 4,
                               (apr_size_t)(colon - value - 4));
        *path = colon + 1;
        if (!ap_find_token(cmd->temp_pool, DBM_TYPES, *type)
            || strchr(*type, ',')) {
            return apr_psprintf(cmd->pool, "CORSAllowOriginFile: '%s' is not "
                                "a DBM type APR-util knows; write one of "
                                "%s", *type, DBM_TYPES);
        }
    }
    if (!**path) {
        return apr_psprintf(cmd->pool, "CORSAllowOriginFile: '%s' names no "
                            "file", value);
    }
    return NULL;
}

static apr_hash_t *registry_of(apr_pool_t *pconf)
{
    void *reg = NULL;

    apr_pool_userdata_get(&reg, REGISTRY_KEY, pconf);
    if (!reg) {
        reg = apr_hash_make(pconf);
        apr_pool_userdata_set(reg, REGISTRY_KEY, apr_pool_cleanup_null,
                              pconf);
    }
    return reg;
}

static const char *dbm_names(cmd_parms *cmd, origin_source *src)
{
    apr_status_t rv = apr_dbm_get_usednames_ex(cmd->pool, src->dbm_type,
                                               src->path, &src->dbm_files[0],
                                               &src->dbm_files[1]);

    return rv == APR_SUCCESS ? NULL : dbm_open_error(cmd->pool, src, rv);
}

/* The configuration's object for a file, loaded on first mention; NULL
 * with `*err` set when it cannot be. */
static origin_source *source_for(cmd_parms *cmd, const char *value,
                                 const char **err)
{
    apr_hash_t *reg = registry_of(cmd->pool);
    const char *type, *path, *key;
    cors_origin_snapshot *first = NULL;
    origin_source *src;

    if ((*err = split_value(cmd, value, &type, &path)) != NULL) {
        return NULL;
    }
    if (!(path = ap_server_root_relative(cmd->pool, path))) {
        *err = apr_psprintf(cmd->pool, "CORSAllowOriginFile: '%s' is not a "
                            "valid path", value);
        return NULL;
    }
    key = apr_pstrcat(cmd->temp_pool, type ? type : "txt", ":", path, NULL);
    if ((src = apr_hash_get(reg, key, APR_HASH_KEY_STRING)) != NULL) {
        return src;
    }
    src = apr_pcalloc(cmd->pool, sizeof(*src));
    src->path = path;
    src->dbm_type = type;
    src->server = cmd->server;
    src->uses = apr_array_make(cmd->pool, 2, sizeof(file_use));
    if ((type && (*err = dbm_names(cmd, src)) != NULL)
        || (*err = load_source(cmd->pool, src, &src->seen, &first)) != NULL) {
        *err = apr_pstrcat(cmd->pool, "CORSAllowOriginFile: ", *err, NULL);
        return NULL;
    }
    if (!(src->file = cors_origin_file_make(cmd->pool, path, first))) {
        cors_origin_snapshot_release(first);
        *err = "CORSAllowOriginFile: cannot create a lock";
        return NULL;
    }
    cors_origin_file_set_refresh(src->file, refresh, src);
    apr_hash_set(reg, apr_pstrdup(cmd->pool, key), APR_HASH_KEY_STRING, src);
    return src;
}

static const char *file_entry(cmd_parms *cmd, void *dconf, const char *value,
                              cors_rule *rule)
{
    const char *err = NULL;
    origin_source *src = source_for(cmd, value, &err);
    file_use *use;

    if (!src) {
        return err;
    }
    use = apr_array_push(src->uses);
    use->section = dconf;
    use->server = cmd->server;
    cors_rule_file(rule, apr_pstrdup(cmd->pool, value), src->file);
    return NULL;
}

const char *cors_set_allow_origin_file(cmd_parms *cmd, void *dconf,
                                       const char *args)
{
    return cors_set_origin_entries(cmd, dconf, args, file_entry, 0);
}

const char *cors_set_origin_file_check(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    cors_dir_conf *conf = dconf;

    if (!cors_parse_bounded(arg, 0, CHECK_LIMIT, &conf->file_check)) {
        return apr_psprintf(cmd->pool, "CORSAllowOriginFileCheck: '%s' is not "
                            "a number of seconds from 0 to %d (0: check only "
                            "at restart; digits only, no leading zero)", arg,
                            CHECK_LIMIT);
    }
    conf->file_check_source = cors_note_line(cmd, conf);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Start-up                                                            */

static int check_of(const cors_dir_conf *conf)
{
    return conf ? conf->file_check : CORS_UNSET;
}

/* The interval of one mention: its section's, else its server's, else the
 * main server's, else the default. */
static int use_interval(const file_use *use, server_rec *main_server)
{
    int v = check_of(use->section);

    if (v == CORS_UNSET) {
        v = check_of(ap_get_module_config(use->server->lookup_defaults,
                                          &cors_module));
    }
    if (v == CORS_UNSET) {
        v = check_of(ap_get_module_config(main_server->lookup_defaults,
                                          &cors_module));
    }
    return v == CORS_UNSET ? DEFAULT_CHECK : v;
}

/* A file named in several sections is checked at the shortest of their
 * non-zero intervals; never only if every one says 0. */
static int post_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *reg = registry_of(pconf);
    apr_hash_index_t *hi;
    apr_uint32_t now = now_seconds();

    (void)plog;
    for (hi = apr_hash_first(ptemp, reg); hi; hi = apr_hash_next(hi)) {
        origin_source *src = apr_hash_this_val(hi);
        int i, best = 0;
        for (i = 0; i < src->uses->nelts; i++) {
            int v = use_interval(&APR_ARRAY_IDX(src->uses, i, file_use), s);
            if (v > 0 && (best == 0 || v < best)) {
                best = v;
            }
        }
        src->interval = (apr_uint32_t)best;
        src->due = now + src->interval;
        src->server = s;
    }
    return OK;
}

void cors_origin_file_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
}

const char *cors_origin_files_consulted(apr_pool_t *p,
                                        const cors_origin_chain *chain)
{
    apr_array_header_t *files = cors_origin_chain_files(p, chain);
    const char *out = "";
    int i;

    for (i = 0; i < files->nelts; i++) {
        const cors_rule *f = APR_ARRAY_IDX(files, i, const cors_rule *);
        out = apr_pstrcat(p, out, i ? ", " : "; origin files consulted: ",
                          cors_origin_file_name(f->file), NULL);
    }
    return out;
}
