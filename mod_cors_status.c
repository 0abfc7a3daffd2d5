/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * mod_cors_status.c: counters of decisions, shown by mod_status.
 *
 * One slot of counters per server (the main server and each virtual host)
 * in shared memory made in post_config, before the children are forked:
 * every child and thread increments the same counters atomically, without
 * a lock. A request under a policy costs one atomic increment, in the
 * bucket of its outcome; "requests under a policy" is their sum, made when
 * mod_status asks.
 *
 * Like mod_status's own counts, the counters survive a graceful restart
 * and start again from zero on a hard restart or a stop. A graceful
 * restart makes a new segment for the new set of virtual hosts and
 * carries each slot over by its key (ServerName, port and addresses); the
 * pre_mpm hook, which httpd runs only when it is not graceful, zeroes them.
 */

#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"
#include "scoreboard.h"
#include "util_script.h"
#include "mod_status.h"

#include "apr_atomic.h"
#include "apr_optional_hooks.h"
#include "apr_shm.h"
#include "apr_strings.h"

#include "mod_cors.h"

APLOG_USE_MODULE(cors);

#define KEY_MAX 256
#define SHM_USERDATA "mod_cors-counters"

typedef struct {
    char key[KEY_MAX];          /* which server the slot counts */
    apr_uint64_t count[CORS_COUNTERS];
} counter_slot;

typedef struct {
    apr_uint64_t slots;
    counter_slot slot[1];       /* `slots` of them */
} counter_segment;

typedef struct {
    int slot;                   /* index in the segment; -1: none */
} cors_server_conf;

/* Set in the parent by post_config; the children inherit the mapping. */
static counter_segment *segment;

/* What each bucket is called in ?auto and in the HTML table. */
static const struct {
    const char *key;
    const char *label;
} names[CORS_COUNTERS] = {
    { "CORSWithoutOrigin", "requests without Origin" },
    { "CORSGranted", "granted actual requests" },
    { "CORSPreflightsGranted", "granted preflights" },
    { "CORSRefusedOriginMalformed", "refused: origin malformed" },
    { "CORSRefusedOriginMultiple", "refused: several Origin headers" },
    { "CORSRefusedOriginNotAllowed", "refused: origin not allowed" },
    { "CORSRefusedAnyWithCredentials", "refused: '*' with credentials" },
    { "CORSRefusedWideWithCredentials",
      "refused: wide entry with credentials" },
    { "CORSRefusedMethodMalformed", "refused: method malformed" },
    { "CORSRefusedMethodNotAllowed", "refused: method not allowed" },
    { "CORSRefusedHeadersMalformed", "refused: headers malformed" },
    { "CORSRefusedHeadersTooMany", "refused: too many headers" },
    { "CORSRefusedHeadersTooLong", "refused: headers too long" },
    { "CORSRefusedHeaderNotAllowed", "refused: header not allowed" },
    { "CORSReportDifferences", "report-only differences" },
    { "CORSProtectionBlocked", "blocked by cross-origin protection" },
    { "CORSProtectionReportOnly",
      "cross-origin protection, report only" },
};

void *cors_create_server_conf(apr_pool_t *p, server_rec *s)
{
    cors_server_conf *conf = apr_palloc(p, sizeof(*conf));

    (void)s;
    conf->slot = -1;
    return conf;
}

cors_counter cors_counter_of(const cors_decision *d)
{
    if (d->cls == CORS_CLASS_NONE) {
        return CORS_COUNT_NO_ORIGIN;
    }
    if (d->granted) {
        return d->cls == CORS_CLASS_PREFLIGHT ? CORS_COUNT_PREFLIGHT_GRANTED
                                              : CORS_COUNT_GRANTED;
    }
    return (cors_counter)(CORS_COUNT_REFUSED + (int)d->reason - 1);
}

void cors_count(request_rec *r, cors_counter which)
{
    const cors_server_conf *conf;

    if (!segment || (unsigned)which >= CORS_COUNTERS) {
        return;
    }
    conf = ap_get_module_config(r->server->module_config, &cors_module);
    if (conf && conf->slot >= 0) {
        apr_atomic_inc64(&segment->slot[conf->slot].count[which]);
    }
}

/* An internal redirect is one request: the first decision counts. */
void cors_count_decision(request_rec *r, const cors_decision *d)
{
    const request_rec *prev;

    for (prev = r->prev; prev; prev = prev->prev) {
        const cors_request_state *st =
            ap_get_module_config(prev->request_config, &cors_module);
        if (st && st->decided && st->active) {
            return;
        }
    }
    cors_count(r, cors_counter_of(d));
}

/* ------------------------------------------------------------------ */
/* The segment                                                         */

static const char *key_of(apr_pool_t *p, const server_rec *s)
{
    const server_addr_rec *a;
    const char *key;

    if (!s->is_virtual) {
        return "(main server)";
    }
    key = apr_psprintf(p, "%s:%u", s->server_hostname, (unsigned)s->port);
    for (a = s->addrs; a; a = a->next) {
        key = apr_psprintf(p, "%s %s:%u", key, a->virthost,
                           (unsigned)a->host_port);
    }
    return key;
}

static apr_status_t create_segment(apr_pool_t *pool, apr_pool_t *pconf,
                                   apr_size_t size, apr_shm_t **shm)
{
    apr_status_t rv = apr_shm_create(shm, size, NULL, pool);
    const char *file;

    if (rv != APR_ENOTIMPL) {
        return rv;
    }
    /* no anonymous shared memory here: a file in DefaultRuntimeDir, one
     * per generation (the old one is mapped until the copy is done) */
    file = ap_runtime_dir_relative(pconf, apr_psprintf(pconf,
                                   "mod_cors-counters.%" APR_PID_T_FMT ".%d",
                                   getpid(),
                                   ap_state_query(AP_SQ_CONFIG_GEN)));
    apr_shm_remove(file, pconf);
    return apr_shm_create(shm, size, file, pool);
}

/* The counts of the old segment's slot with the same key, once (`used`
 * marks the slots taken). The old segment stays as it is: the old
 * generation's children still show it until they exit. */
static void carry_over(const counter_segment *old, char *used,
                       counter_slot *slot)
{
    apr_uint64_t i;

    for (i = 0; old && i < old->slots; i++) {
        const counter_slot *o = &old->slot[i];
        if (!used[i] && strcmp(o->key, slot->key) == 0) {
            memcpy(slot->count, o->count, sizeof(slot->count));
            used[i] = 1;
            return;
        }
    }
}

static int cors_status_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                   apr_pool_t *ptemp, server_rec *main_server)
{
    apr_pool_t *keep = main_server->process->pool;
    apr_shm_t *old = NULL, *shm;
    counter_segment *was;
    char *used;
    server_rec *s;
    apr_size_t n = 0;
    apr_status_t rv;

    (void)plog;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;          /* the first pass only checks the config */
    }
    for (s = main_server; s; s = s->next) {
        n++;
    }
    rv = create_segment(keep, pconf, APR_OFFSETOF(counter_segment, slot)
                        + n * sizeof(counter_slot), &shm);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, main_server,
                     "mod_cors: no shared memory for the counters in "
                     "server-status; they stay off");
        segment = NULL;
        return OK;
    }
    apr_pool_userdata_get((void **)&old, SHM_USERDATA, keep);
    was = old ? apr_shm_baseaddr_get(old) : NULL;
    used = apr_pcalloc(ptemp, was ? (apr_size_t)was->slots + 1 : 1);
    segment = apr_shm_baseaddr_get(shm);
    memset(segment, 0, apr_shm_size_get(shm));
    segment->slots = n;
    for (n = 0, s = main_server; s; s = s->next, n++) {
        cors_server_conf *conf = ap_get_module_config(s->module_config,
                                                      &cors_module);
        apr_cpystrn(segment->slot[n].key, key_of(ptemp, s), KEY_MAX);
        carry_over(was, used, &segment->slot[n]);
        conf->slot = (int)n;
    }
    if (old) {
        apr_shm_destroy(old);   /* old children keep their mapping */
    }
    apr_pool_userdata_set(shm, SHM_USERDATA, apr_pool_cleanup_null, keep);
    return OK;
}

/* httpd runs pre_mpm at start and on a hard restart, not on a graceful
 * one: the counters start again from zero like mod_status's. */
static int cors_status_pre_mpm(apr_pool_t *p, ap_scoreboard_e sb_type)
{
    apr_uint64_t i;

    (void)p;
    (void)sb_type;
    for (i = 0; segment && i < segment->slots; i++) {
        memset(segment->slot[i].count, 0, sizeof(segment->slot[i].count));
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* mod_status                                                          */

static apr_uint64_t read_count(counter_slot *slot, int which)
{
    return apr_atomic_read64(&slot->count[which]);
}

/* Requests under a policy: every decision bucket, not the report-only
 * and protection events, which come on top of a decision. */
static apr_uint64_t requests_of(counter_slot *slot)
{
    apr_uint64_t sum = 0;
    int i;

    for (i = 0; i < CORS_COUNT_REPORT_DIFFERENCE; i++) {
        sum += read_count(slot, i);
    }
    return sum;
}

static apr_uint64_t refused_of(counter_slot *slot)
{
    apr_uint64_t sum = 0;
    int i;

    for (i = CORS_COUNT_REFUSED; i < CORS_COUNT_REPORT_DIFFERENCE; i++) {
        sum += read_count(slot, i);
    }
    return sum;
}

static void status_auto(request_rec *r)
{
    apr_uint64_t total[CORS_COUNTERS];
    apr_uint64_t requests = 0, refused = 0, i;
    int c;

    memset(total, 0, sizeof(total));
    for (i = 0; i < segment->slots; i++) {
        requests += requests_of(&segment->slot[i]);
        refused += refused_of(&segment->slot[i]);
        for (c = 0; c < CORS_COUNTERS; c++) {
            total[c] += read_count(&segment->slot[i], c);
        }
    }
    ap_rprintf(r, "CORSRequests: %" APR_UINT64_T_FMT "\n", requests);
    ap_rprintf(r, "CORSRefused: %" APR_UINT64_T_FMT "\n", refused);
    for (c = 0; c < CORS_COUNTERS; c++) {
        ap_rprintf(r, "%s: %" APR_UINT64_T_FMT "\n", names[c].key, total[c]);
    }
}

static void status_row(request_rec *r, const char *key, const char *label,
                       apr_uint64_t n)
{
    ap_rprintf(r, "<tr><td>%s</td><td id=\"%s\">%" APR_UINT64_T_FMT
               "</td></tr>\n", label, key, n);
}

static void status_html(request_rec *r)
{
    server_rec *s;

    ap_rputs("<hr />\n<h2>CORS</h2>\n", r);
    for (s = ap_server_conf; s; s = s->next) {
        const cors_server_conf *conf = ap_get_module_config(s->module_config,
                                                            &cors_module);
        counter_slot *slot;
        int c;

        if (!conf || conf->slot < 0
            || (apr_uint64_t)conf->slot >= segment->slots) {
            continue;
        }
        slot = &segment->slot[conf->slot];
        ap_rprintf(r, "<h3>%s</h3>\n<table class=\"cors\" "
                   "data-server=\"%s\">\n",
                   ap_escape_html(r->pool, s->is_virtual
                       ? apr_psprintf(r->pool, "%s:%u (%s:%u)",
                                      s->server_hostname, (unsigned)s->port,
                                      s->defn_name, s->defn_line_number)
                       : "main server"),
                   ap_escape_html(r->pool, slot->key));
        status_row(r, "CORSRequests", "requests under a policy",
                   requests_of(slot));
        status_row(r, "CORSRefused", "refused", refused_of(slot));
        for (c = 0; c < CORS_COUNTERS; c++) {
            status_row(r, names[c].key, names[c].label, read_count(slot, c));
        }
        ap_rputs("</table>\n", r);
    }
}

static int cors_status_hook(request_rec *r, int flags)
{
    if (!segment) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        status_auto(r);
    }
    else {
        status_html(r);
    }
    return OK;
}

void cors_status_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(cors_status_post_config, NULL, NULL,
                        APR_HOOK_MIDDLE);
    ap_hook_pre_mpm(cors_status_pre_mpm, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, cors_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
