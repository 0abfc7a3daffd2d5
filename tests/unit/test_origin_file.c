/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * test_origin_file.c: unit tests for cors_origin_file.h: parsing an origin
 * file's text (entries, comments, errors with line numbers), file entries
 * in a list (matching, +/- by text), and the snapshot swap and lifetime.
 */

#include <string.h>

#include <check.h>
#include <apr_atomic.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "cors_origin_file.h"
#include "unit_support.h"

/* A snapshot pool of its own, as the glue makes one. */
static apr_pool_t *snapshot_pool(void)
{
    apr_pool_t *p;

    ck_assert_int_eq(apr_pool_create_unmanaged_ex(&p, NULL, NULL),
                     APR_SUCCESS);
    return p;
}

static cors_origin_snapshot *parse_ok(const char *text)
{
    apr_pool_t *p = snapshot_pool();
    char *buf = apr_pstrdup(p, text);
    cors_origin_snapshot *s = NULL;
    const char *err = cors_origin_text_parse(p, "t.txt", buf, strlen(buf),
                                             &s);

    ck_assert_msg(err == NULL, "refused: %s", err);
    return s;
}

static const char *parse_err(const char *text, apr_size_t len)
{
    apr_pool_t *p = snapshot_pool();
    char *buf = apr_pmemdup(p, text, len + 1);
    cors_origin_snapshot *s = NULL;
    const char *err = cors_origin_text_parse(p, "t.txt", buf, len, &s);
    const char *copy = err ? apr_pstrdup(pool, err) : NULL;

    apr_pool_destroy(p);
    return copy;
}

static const cors_rule *find(const cors_origin_snapshot *s, const char *o)
{
    cors_origin parsed;

    if (cors_origin_parse(o, strlen(o), &parsed) != CORS_ORIGIN_OK) {
        return NULL;
    }
    return cors_origin_snapshot_find(pool, s, o, strlen(o), &parsed);
}

/* ---------------------------------------------------------------------
 * Parsing.
 */

START_TEST(test_parse_entries)
{
    cors_origin_snapshot *s = parse_ok(
        "# tenants\n"
        "\n"
        "https://a.example\r\n"
        "   https://*.b.example  \n"
        "\thttp://localhost:*\n"
        "https://*.c.example:*\n"
        "https://d.example:8443");
    const cors_rule *r;

    ck_assert_uint_eq(cors_origin_snapshot_count(s), 5);
    r = find(s, "https://a.example");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->source, "t.txt");
    ck_assert_uint_eq(r->line, 3);
    ck_assert_int_eq(r->from_file, 1);
    ck_assert_str_eq(find(s, "https://x.b.example")->source, "t.txt");
    ck_assert_uint_eq(find(s, "https://x.b.example")->line, 4);
    ck_assert_ptr_nonnull(find(s, "http://localhost:3000"));
    ck_assert_ptr_nonnull(find(s, "https://y.c.example:9"));
    ck_assert_str_eq(find(s, "https://d.example:8443")->source, "t.txt");
    ck_assert_uint_eq(find(s, "https://d.example:8443")->line, 7);
    ck_assert_ptr_null(find(s, "https://d.example"));
    ck_assert_ptr_null(find(s, "https://b.example"));
    ck_assert_ptr_null(find(s, "https://a.example.evil"));
    ck_assert_ptr_null(find(s, "http://a.example"));
    cors_origin_snapshot_release(s);
}
END_TEST

START_TEST(test_parse_empty_and_comments_only)
{
    cors_origin_snapshot *s = parse_ok("");

    ck_assert_uint_eq(cors_origin_snapshot_count(s), 0);
    cors_origin_snapshot_release(s);
    s = parse_ok("# nothing yet\n\n   \n#https://a.example\n");
    ck_assert_uint_eq(cors_origin_snapshot_count(s), 0);
    ck_assert_ptr_null(find(s, "https://a.example"));
    cors_origin_snapshot_release(s);
}
END_TEST

/* The message CORSAllowOrigin gives for the same value. */
static const char *rule_error(const char *arg)
{
    cors_rule rule;

    return cors_rule_parse(pool, arg, &rule);
}

START_TEST(test_parse_errors_name_line)
{
    const char *err;

    err = parse_err("https://a.example\n\nHTTPS://B.example\n", 38);
    ck_assert_str_eq(err, apr_pstrcat(pool, "t.txt:3: ",
                                      rule_error("HTTPS://B.example"), NULL));
    err = parse_err("https://a.example/\n", 19);
    ck_assert_str_eq(err, apr_pstrcat(pool, "t.txt:1: ",
                                      rule_error("https://a.example/"),
                                      NULL));
    err = parse_err("# x\n*\n", 6);
    ck_assert_ptr_nonnull(strstr(err, "t.txt:2: '*' is not allowed in an "
                                      "origin file"));
    err = parse_err("null\n", 5);
    ck_assert_ptr_nonnull(strstr(err, "t.txt:1: 'null' is not allowed"));
    err = parse_err("https://a.example\n^https://.*\\.example$\n", 40);
    ck_assert_ptr_nonnull(strstr(err, "t.txt:2: "));
    ck_assert_ptr_nonnull(strstr(err, "regular expression"));
    err = parse_err("none\n", 5);
    ck_assert_ptr_nonnull(strstr(err, "t.txt:1: 'none' is not an origin"));
    err = parse_err("https://*.com\n", 14);
    ck_assert_ptr_nonnull(strstr(err, "t.txt:1: "));
    ck_assert_ptr_nonnull(strstr(err, "public suffix"));
    err = parse_err("https://a.example https://b.example\n", 36);
    ck_assert_ptr_nonnull(strstr(err, "t.txt:1: "));
    err = parse_err("https://a.example\nhttps://b\0.example\n", 37);
    ck_assert_ptr_nonnull(strstr(err, "t.txt:2: the line contains a NUL"));
}
END_TEST

/* ---------------------------------------------------------------------
 * File entries in a list.
 */

static cors_origin_file *file_of(const char *text)
{
    cors_origin_file *f = cors_origin_file_make(pool, "t.txt",
                                                parse_ok(text));

    ck_assert_ptr_nonnull(f);
    return f;
}

static cors_origin_layer *layer_with_file(cors_list_op op, const char *text,
                                          cors_origin_file *f)
{
    cors_origin_layer *layer = cors_origin_layer_make(pool);
    cors_rule rule;

    cors_rule_file(&rule, text, f);
    rule.source = "httpd.conf:1";
    cors_origin_layer_apply(pool, layer, op, &rule);
    return layer;
}

static cors_match_result match_held(const cors_origin_chain *chain,
                                    const char *origin,
                                    const cors_rule **rule)
{
    return cors_origin_match_held(pool, chain, origin, strlen(origin), 0,
                                  rule);
}

START_TEST(test_file_entry_matches)
{
    cors_origin_file *f = file_of("https://a.example\nhttps://*.b.example\n");
    const cors_origin_chain *chain = cors_origin_chain_make(
        pool, layer_with_file(CORS_OP_SET, "/etc/t.txt", f), NULL);
    const cors_rule *rule;

    ck_assert_int_eq(chain->count, 1);
    ck_assert_int_eq(match_held(chain, "https://a.example", &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->source, "t.txt");
    ck_assert_uint_eq(rule->line, 1);
    ck_assert_str_eq(rule->text, "https://a.example");
    ck_assert_int_eq(match_held(chain, "https://x.b.example", &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->source, "t.txt");
    ck_assert_uint_eq(rule->line, 2);
    /* Without a hold, the file's own entry. */
    ck_assert_int_eq(cors_origin_match(chain, "https://a.example", 17, &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_int_eq(rule->kind, CORS_RULE_FILE);
    ck_assert_str_eq(rule->text, "/etc/t.txt");
    ck_assert_int_eq(cors_origin_match_narrow(chain, "https://a.example", 17,
                                              &rule), CORS_MATCH_ENTRY);
    ck_assert_int_eq(match_held(chain, "https://c.example", &rule),
                     CORS_MATCH_NONE);
    ck_assert_int_eq(match_held(chain, "https://A.example", &rule),
                     CORS_MATCH_MALFORMED);
    ck_assert_int_eq(match_held(chain, "null", &rule), CORS_MATCH_NONE);
    ck_assert_ptr_null(cors_origin_chain_wide(pool, chain));
}
END_TEST

START_TEST(test_file_entry_merges_by_text)
{
    cors_origin_file *f = file_of("https://a.example\n");
    cors_origin_layer *parent = layer_with_file(CORS_OP_SET, "t.txt", f);
    cors_origin_layer *child = cors_origin_layer_make(pool);
    const cors_origin_chain *pc = cors_origin_chain_make(pool, parent, NULL);
    const cors_origin_chain *cc;
    apr_array_header_t *files;
    cors_rule rm;
    const cors_rule *rule;

    memset(&rm, 0, sizeof(rm));
    rm.text = rm.id = "t.txt";
    cors_origin_layer_apply(pool, child, CORS_OP_REMOVE, &rm);
    cc = cors_origin_chain_make(pool, child, pc);
    ck_assert_int_eq(cc->count, 0);
    ck_assert_int_eq(match_held(cc, "https://a.example", &rule),
                     CORS_MATCH_NONE);
    ck_assert_int_eq(cors_origin_chain_files(pool, cc)->nelts, 0);
    /* An origin removed by text does not reach into the file. */
    child = cors_origin_layer_make(pool);
    rm.text = rm.id = "https://a.example";
    cors_origin_layer_apply(pool, child, CORS_OP_REMOVE, &rm);
    cc = cors_origin_chain_make(pool, child, pc);
    ck_assert_int_eq(match_held(cc, "https://a.example", &rule),
                     CORS_MATCH_ENTRY);
    files = cors_origin_chain_files(pool, cc);
    ck_assert_int_eq(files->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(files, 0, const cors_rule *)->text,
                     "t.txt");
    /* "+file" adds it to an inherited list. */
    cc = cors_origin_chain_make(pool, layer_with_file(CORS_OP_ADD, "u.txt",
                                                      file_of("https://u."
                                                              "example\n")),
                                pc);
    ck_assert_int_eq(cc->count, 2);
    ck_assert_int_eq(match_held(cc, "https://u.example", &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_int_eq(match_held(cc, "https://a.example", &rule),
                     CORS_MATCH_ENTRY);
}
END_TEST

/* ---------------------------------------------------------------------
 * Swap and lifetime.
 */

static apr_status_t note_destroyed(void *data)
{
    *(int *)data = 1;
    return APR_SUCCESS;
}

static cors_origin_snapshot *watched(const char *text, int *destroyed)
{
    apr_pool_t *p = snapshot_pool();
    char *buf = apr_pstrdup(p, text);
    cors_origin_snapshot *s = NULL;

    ck_assert_ptr_null(cors_origin_text_parse(p, "t.txt", buf, strlen(buf),
                                              &s));
    apr_pool_cleanup_register(p, destroyed, note_destroyed,
                              apr_pool_cleanup_null);
    return s;
}

START_TEST(test_swap_keeps_readers_snapshot)
{
    int old_gone = 0, new_gone = 0;
    apr_pool_t *fp;
    cors_origin_file *f;
    cors_origin_snapshot *reader;

    apr_pool_create(&fp, pool);
    f = cors_origin_file_make(fp, "t.txt", watched("https://old.example\n",
                                                   &old_gone));
    reader = cors_origin_file_acquire(f);
    cors_origin_file_swap(f, watched("https://new.example\n", &new_gone));
    /* The reader still sees the list it took, whole. */
    ck_assert_int_eq(old_gone, 0);
    ck_assert_ptr_nonnull(find(reader, "https://old.example"));
    ck_assert_ptr_null(find(reader, "https://new.example"));
    cors_origin_snapshot_release(reader);
    ck_assert_int_eq(old_gone, 1);
    reader = cors_origin_file_acquire(f);
    ck_assert_ptr_nonnull(find(reader, "https://new.example"));
    cors_origin_snapshot_release(reader);
    ck_assert_int_eq(new_gone, 0);
    apr_pool_destroy(fp);
    ck_assert_int_eq(new_gone, 1);
}
END_TEST

START_TEST(test_hold_pool_keeps_snapshot)
{
    int old_gone = 0, new_gone = 0;
    apr_pool_t *req;
    cors_origin_file *f = cors_origin_file_make(
        pool, "t.txt", watched("https://old.example\n", &old_gone));
    const cors_origin_chain *chain = cors_origin_chain_make(
        pool, layer_with_file(CORS_OP_SET, "t.txt", f), NULL);
    const cors_rule *rule;

    apr_pool_create(&req, pool);
    ck_assert_int_eq(cors_origin_match_held(req, chain, "https://old.example",
                                            19, 0, &rule), CORS_MATCH_ENTRY);
    cors_origin_file_swap(f, watched("https://new.example\n", &new_gone));
    ck_assert_int_eq(old_gone, 0);
    ck_assert_str_eq(rule->source, "t.txt");
    ck_assert_uint_eq(rule->line, 1);   /* still readable */
    apr_pool_destroy(req);
    ck_assert_int_eq(old_gone, 1);
    ck_assert_int_eq(cors_origin_match(chain, "https://old.example", 19,
                                       &rule), CORS_MATCH_NONE);
}
END_TEST

static int in_list(void *data, const char *origin, apr_size_t len)
{
    return len == strlen(data) && memcmp(origin, data, len) == 0;
}

START_TEST(test_external_snapshot)
{
    cors_origin_snapshot *s = cors_origin_snapshot_external(
        snapshot_pool(), "t.db", in_list, "https://a.example");
    cors_origin_file *f = cors_origin_file_make(pool, "t.db", s);
    const cors_origin_chain *chain = cors_origin_chain_make(
        pool, layer_with_file(CORS_OP_SET, "dbm:t.db", f), NULL);
    const cors_rule *rule;

    ck_assert_int_eq(match_held(chain, "https://a.example", &rule),
                     CORS_MATCH_ENTRY);
    ck_assert_str_eq(rule->text, "https://a.example");
    ck_assert_str_eq(rule->source, "t.db");
    ck_assert_int_eq(rule->from_file, 1);
    ck_assert_int_eq(cors_origin_match(chain, "https://a.example", 17,
                                       &rule), CORS_MATCH_ENTRY);
    ck_assert_int_eq(rule->kind, CORS_RULE_FILE);
    ck_assert_int_eq(match_held(chain, "https://b.example", &rule),
                     CORS_MATCH_NONE);
}
END_TEST

static int refreshed;

static void count_refresh(void *data)
{
    (void)data;
    refreshed++;
}

START_TEST(test_refresh_called_on_use)
{
    cors_origin_file *f = file_of("https://a.example\n");
    const cors_origin_chain *chain = cors_origin_chain_make(
        pool, layer_with_file(CORS_OP_SET, "t.txt", f), NULL);
    const cors_rule *rule;

    refreshed = 0;
    cors_origin_file_set_refresh(f, count_refresh, NULL);
    /* An exact hit: before parsing, one look. */
    (void)match_held(chain, "https://a.example", &rule);
    ck_assert_int_eq(refreshed, 1);
    /* A miss: before parsing and after (the wildcard entries). */
    (void)match_held(chain, "https://b.example", &rule);
    ck_assert_int_eq(refreshed, 3);
    /* Malformed: only the first look. */
    (void)match_held(chain, "https://B.example", &rule);
    ck_assert_int_eq(refreshed, 4);
}
END_TEST

#if APR_HAS_THREADS
/* Readers race a writer that swaps as fast as it can; every lookup must
 * see one whole list or the other. */
typedef struct {
    cors_origin_file *f;
    apr_uint32_t stop;
    apr_uint32_t bad;
} race;

static void *APR_THREAD_FUNC reader_thread(apr_thread_t *t, void *data)
{
    race *rc = data;
    cors_origin parsed;

    (void)cors_origin_parse("https://a.example", 17, &parsed);
    while (!apr_atomic_read32(&rc->stop)) {
        cors_origin_snapshot *s = cors_origin_file_acquire(rc->f);
        int a = cors_origin_snapshot_find(NULL, s, "https://a.example", 17,
                                          &parsed) != NULL;
        int count = (int)cors_origin_snapshot_count(s);
        if ((a && count != 2) || (!a && count != 1)) {
            apr_atomic_inc32(&rc->bad);
        }
        cors_origin_snapshot_release(s);
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

START_TEST(test_swap_race)
{
    race rc;
    apr_thread_t *threads[4];
    apr_status_t rv;
    int i;

    rc.f = file_of("https://a.example\nhttps://b.example\n");
    rc.stop = 0;
    rc.bad = 0;
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(apr_thread_create(&threads[i], NULL, reader_thread,
                                           &rc, pool), APR_SUCCESS);
    }
    for (i = 0; i < 2000; i++) {
        cors_origin_file_swap(rc.f, parse_ok(i % 2 ? "https://a.example\n"
                                             "https://b.example\n"
                                             : "https://b.example\n"));
    }
    apr_atomic_set32(&rc.stop, 1);
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, threads[i]);
    }
    ck_assert_uint_eq(rc.bad, 0);
}
END_TEST
#endif

static Suite *origin_file_suite(void)
{
    Suite *s = suite_create("origin_file");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_parse_entries);
    tcase_add_test(tc, test_parse_empty_and_comments_only);
    tcase_add_test(tc, test_parse_errors_name_line);
    tcase_add_test(tc, test_file_entry_matches);
    tcase_add_test(tc, test_file_entry_merges_by_text);
    tcase_add_test(tc, test_swap_keeps_readers_snapshot);
    tcase_add_test(tc, test_hold_pool_keeps_snapshot);
    tcase_add_test(tc, test_external_snapshot);
    tcase_add_test(tc, test_refresh_called_on_use);
#if APR_HAS_THREADS
    tcase_add_test(tc, test_swap_race);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(origin_file_suite());
}
