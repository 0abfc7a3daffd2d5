/* Licensed under the Apache License, Version 2.0 (see LICENSE). */

/*
 * fuzz_origin_file.c: libFuzzer target for the origin file parser
 * (cors_origin_file.c): the input is a file's contents. Beyond "no crash"
 * (and no leak: every snapshot is released, every refused parse's pool
 * destroyed), it checks:
 *
 *   - the outcome is all or nothing and repeatable: parsing the same bytes
 *     again gives the same error, or the same number of entries;
 *   - an error names the file and a line ("t.txt:N: ..."), N within the
 *     input;
 *   - after a successful parse, every line that is a canonical exact
 *     origin (after trimming blanks and a trailing CR) is found in the
 *     snapshot, marked as from a file;
 *   - there are never more entries than non-comment lines.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "cors_origin.h"
#include "cors_origin_file.h"

#define CHECK(cond, ...) do {                                           \
        if (!(cond)) {                                                  \
            fprintf(stderr, "fuzz_origin_file: property failed: %s\n  ", \
                    #cond);                                             \
            fprintf(stderr, __VA_ARGS__);                               \
            fputc('\n', stderr);                                        \
            abort();                                                    \
        }                                                               \
    } while (0)

#define NAME "t.txt"

static apr_pool_t *scratch;         /* cleared after every input */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    apr_initialize();
    apr_pool_create(&scratch, NULL);
    return 0;
}

/* Parse a private copy; the snapshot's pool is its own. */
static const char *parse(const uint8_t *data, size_t size,
                         cors_origin_snapshot **out)
{
    apr_pool_t *p;
    char *text;
    const char *err;

    apr_pool_create(&p, NULL);
    text = apr_palloc(p, size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    *out = NULL;
    err = cors_origin_text_parse(p, NAME, text, size, out);
    if (err) {
        err = apr_pstrdup(scratch, err);
        CHECK(*out == NULL, "a refused file left a snapshot");
        apr_pool_destroy(p);
    }
    return err;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Each canonical exact origin among the lines is in the snapshot. */
static void check_lines(const uint8_t *data, size_t size,
                        const cors_origin_snapshot *s)
{
    size_t start = 0, lines = 0;
    unsigned int n = 0;

    while (start <= size) {
        const char *line = (const char *)data + start;
        const char *nl = memchr(line, '\n', size - start);
        size_t len = nl ? (size_t)(nl - line) : size - start;
        size_t b = 0, e = len;
        cors_origin o;

        n++;
        while (b < e && is_blank(line[b])) {
            b++;
        }
        while (e > b && (is_blank(line[e - 1]) || line[e - 1] == '\r')) {
            e--;
        }
        if (e > b && line[b] != '#') {
            lines++;
            if (!memchr(line + b, '*', e - b) && !memchr(line + b, '\0', e - b)
                && cors_origin_parse(line + b, e - b, &o) == CORS_ORIGIN_OK) {
                const cors_rule *r = cors_origin_snapshot_find(
                    scratch, s, line + b, e - b, &o);
                CHECK(r != NULL, "line %u: '%.*s' not found", n,
                      (int)(e - b), line + b);
                CHECK(r->from_file, "line %u: entry not marked from a file", n);
            }
        }
        if (!nl) {
            break;
        }
        start += len + 1;
    }
    CHECK(cors_origin_snapshot_count(s) <= lines,
          "%lu entries from %lu lines",
          (unsigned long)cors_origin_snapshot_count(s), (unsigned long)lines);
}

static void check_error(const char *err, size_t size)
{
    unsigned long line;
    char *end;

    CHECK(strncmp(err, NAME ":", sizeof(NAME)) == 0, "error '%s'", err);
    line = strtoul(err + sizeof(NAME), &end, 10);
    CHECK(end != err + sizeof(NAME) && *end == ':' && line >= 1
          && line <= size + 1, "error '%s' names no line of the input", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cors_origin_snapshot *a, *b;
    const char *ea = parse(data, size, &a);
    const char *eb = parse(data, size, &b);

    if (ea) {
        CHECK(eb && strcmp(ea, eb) == 0, "'%s' then '%s'", ea,
              eb ? eb : "(accepted)");
        check_error(ea, size);
    }
    else {
        CHECK(!eb, "accepted, then refused: '%s'", eb);
        CHECK(cors_origin_snapshot_count(a) == cors_origin_snapshot_count(b),
              "%lu then %lu entries",
              (unsigned long)cors_origin_snapshot_count(a),
              (unsigned long)cors_origin_snapshot_count(b));
        check_lines(data, size, a);
        cors_origin_snapshot_release(a);
        cors_origin_snapshot_release(b);
    }
    apr_pool_clear(scratch);
    return 0;
}
