#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# tests/memcheck/asan.sh: build mod_cors with -fsanitize=address,undefined
# (configure --enable-sanitizers, in a VPATH build directory) and run the
# whole integration suite (tests/integration) with that build loaded into
# Debian's apache2, the ASan runtime preloaded. Fails when pytest fails or
# when any sanitizer report file appears.
#
# Usage: tests/memcheck/asan.sh [--build-dir DIR] [--no-build] [-- PYTEST ARGS]
#   --build-dir DIR  where to configure and build (default: a new tmp dir)
#   --no-build       DIR is already configured with --enable-sanitizers and
#                    built (e.g. by make)
#   PYTEST ARGS      passed to pytest (e.g. -k attacks, -x)
# Environment: APXS (default: apxs on PATH), PYTHON3 (default /usr/bin/python3),
#   KEEP=1 keeps the tmp build dir and the report directory.
set -euo pipefail

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON3=${PYTHON3:-/usr/bin/python3}
BUILD=""
DO_BUILD=1
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --build-dir) BUILD="$2"; shift 2 ;;
        --no-build) DO_BUILD=0; shift ;;
        --) shift; PYTEST_ARGS=("$@"); break ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d'; exit 0 ;;
        *) echo "asan.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

CLEAN_BUILD=0
if [ -z "$BUILD" ]; then
    BUILD=$(mktemp -d /tmp/mod_cors-asan-build.XXXXXX)
    CLEAN_BUILD=1
fi
REPORTS=$(mktemp -d /tmp/mod_cors-asan-reports.XXXXXX)
# httpd's children run as www-data when the tests run as root.
chmod 1777 "$REPORTS"
cleanup() {
    if [ "${KEEP:-0}" != 1 ]; then
        [ "$CLEAN_BUILD" = 1 ] && rm -rf "$BUILD"
        rm -rf "$REPORTS"
    fi
}
trap cleanup EXIT


# shellcheck source=tests/memcheck/common.sh
. "$SRCDIR/tests/memcheck/common.sh"

if [ "$DO_BUILD" = 1 ]; then
    if [ ! -x "$SRCDIR/configure" ]; then
        (cd "$SRCDIR" && ./autogen.sh)
    fi
    mkdir -p "$BUILD"
    BUILD_SRC=$(clean_source "$BUILD")
    echo "asan.sh: $BUILD_SRC/configure --enable-sanitizers in $BUILD"
    (cd "$BUILD" && "$BUILD_SRC/configure" --enable-sanitizers --disable-fuzz \
        ${APXS:+--with-apxs="$APXS"} >configure.log 2>&1) || {
        tail -40 "$BUILD/configure.log"; echo "asan.sh: FAIL: configure"; exit 1; }
    make -C "$BUILD" -j"$(nproc)" mod_cors.la >"$BUILD/make.log" 2>&1 || {
        tail -40 "$BUILD/make.log"; echo "asan.sh: FAIL: build"; exit 1; }
fi

SO="$BUILD/.libs/mod_cors.so"
[ -f "$SO" ] || { echo "asan.sh: FAIL: no $SO"; exit 1; }
# The module must really be instrumented, or "zero reports" proves nothing.
# (grep reads all of nm's output: with -q, nm could die of SIGPIPE and
# pipefail would fail the check on an instrumented module.)
if ! nm -D "$SO" | grep '__asan_report' >/dev/null; then
    echo "asan.sh: FAIL: $SO is not built with -fsanitize=address"; exit 1
fi
PRELOAD=$(sed -n 's/^CORS_SANITIZER_PRELOAD = //p' "$BUILD/Makefile" 2>/dev/null || true)
if [ -z "$PRELOAD" ]; then
    PRELOAD=$(readlink -f "$(gcc -print-file-name=libasan.so)")
fi
[ -f "$PRELOAD" ] || { echo "asan.sh: FAIL: ASan runtime '$PRELOAD' not found"; exit 1; }

export MOD_CORS_SO="$SO"
export CORS_SANITIZER_PRELOAD="$PRELOAD"   # harness.py puts it in LD_PRELOAD
# detect_leaks=0: httpd frees its pools at exit only in part, by design.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:log_path=$REPORTS/asan:verify_asan_link_order=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan"
export PYTHONDONTWRITEBYTECODE=1

echo "asan.sh: integration suite with $SO, LD_PRELOAD=$PRELOAD"
rc=0
"$PYTHON3" -m pytest -p no:cacheprovider -q "$SRCDIR/tests/integration" \
    ${PYTEST_ARGS[@]+"${PYTEST_ARGS[@]}"} || rc=$?

reports=$(find "$REPORTS" -type f | sort)
if [ -n "$reports" ]; then
    echo "asan.sh: FAIL: sanitizer reports:"
    for f in $reports; do
        echo "---- $f"; head -60 "$f"
    done
    KEEP=1; echo "asan.sh: reports kept in $REPORTS"
    exit 1
fi
if [ $rc -ne 0 ]; then
    echo "asan.sh: FAIL: pytest exit status $rc (no sanitizer report)"
    exit 1
fi
echo "asan.sh: PASS: integration suite under ASan+UBSan, 0 sanitizer reports"
