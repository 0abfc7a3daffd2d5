#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# mod_cors benchmark (issue 5): bench/run.sh [--quick] [bench.py options]
#
#   --quick   CI smoke run (about 2 minutes): 2 rounds x 1 s per cell and
#             100 requests per callgrind workload; checks that the script
#             works, its numbers mean little.
#   default   full run (about 15 minutes on 2 cores): 5 alternating rounds
#             x 3 s per cell, 2,000 requests per callgrind workload.
#   --help    every option of bench/bench.py (--rounds, --duration,
#             --requests, --only, --no-wrk, --no-callgrind, --json, --keep).
#
# The module: $MOD_CORS_SO if set, else <repo>/.libs/mod_cors.so if built,
# else it is built here with apxs (-g -O2, no LTO) into a temporary
# directory. Callgrind needs a module with symbols (-g, not stripped).
# Needs Debian's apache2, apache2-dev (apxs), libpsl-dev, wrk, valgrind and
# python3. Exit status 0 whatever the targets say; 1 if it could not run.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
APXS=${APXS:-$(command -v apxs || command -v apxs2 || true)}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

for tool in wrk valgrind callgrind_annotate; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench: $tool not found: apt-get install wrk valgrind" >&2
        exit 1
    fi
done

BUILD_DIR=""
cleanup() { if [ -n "$BUILD_DIR" ]; then rm -rf "$BUILD_DIR"; fi; }
trap cleanup EXIT

SO=${MOD_CORS_SO:-}
if [ -z "$SO" ] && [ -f "$REPO/.libs/mod_cors.so" ]; then
    SO="$REPO/.libs/mod_cors.so"
fi
if [ -z "$SO" ]; then
    if [ -z "$APXS" ]; then
        echo "bench: apxs not found: apt-get install apache2-dev (or set MOD_CORS_SO)" >&2
        exit 1
    fi
    BUILD_DIR=$(mktemp -d /tmp/cors-bench-build.XXXXXX)
    echo "bench: building mod_cors with $APXS in $BUILD_DIR"
    # copy the sources: libtool would otherwise drop objects into the tree
    cp "$REPO"/*.c "$REPO"/*.h "$BUILD_DIR"/
    (cd "$BUILD_DIR" && "$APXS" -c -Wc,-g -Wc,-O2 -Wc,-fno-lto -o mod_cors.la \
        mod_cors.c mod_cors_*.c cors_*.c -lpsl -lpcre2-8 >build.log 2>&1) || { cat "$BUILD_DIR/build.log" >&2; exit 1; }
    SO="$BUILD_DIR/.libs/mod_cors.so"
fi
# the temporary tree is world-readable so that httpd's www-data workers
# can load the module when run as root
chmod 755 "$(dirname "$SO")" 2>/dev/null || true
[ -n "$BUILD_DIR" ] && chmod 755 "$BUILD_DIR"

MOD_CORS_SO="$SO" APXS="$APXS" "$PYTHON" "$HERE/bench.py" --so "$SO" "$@"

# What CORSCrossOriginProtection costs on a GET and on unsafe requests
# (callgrind, On minus Off), unless the callgrind part is skipped.
case " $* " in
    *" --no-callgrind "*) ;;
    *)  requests=500
        case " $* " in *" --quick "*) requests=100 ;; esac
        MOD_CORS_SO="$SO" "$PYTHON" "$HERE/protect_cost.py" "$requests" ;;
esac
