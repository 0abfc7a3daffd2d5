#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# tests/memcheck/valgrind.sh: run the integration suite (tests/integration)
# with every httpd under valgrind memcheck, in single-process mode
# (apache2 -X), and every configtest (apache2 -t) under valgrind too. Then
# sort the errors valgrind reported: an error with a mod_cors frame
# (mod_cors.c or cors_*.c) in its stack fails the run; the others (httpd,
# APR, other modules) are counted and printed separately.
#
# Usage: tests/memcheck/valgrind.sh [--so PATH] [--build-dir DIR] [-- PYTEST ARGS]
#   --so PATH        use this mod_cors.so instead of building one
#   --analyze DIR    only sort the valgrind logs (vg.*.log) of an earlier run
#                    kept in DIR (KEEP=1 prints where)
#   --build-dir DIR  where to configure and build (default: a new tmp dir),
#                    with CFLAGS="-g -O1" for readable stacks
#   PYTEST ARGS      pytest arguments instead of the whole tests/integration
#                    (e.g. tests/integration/test_core_preflight.py)
# Environment: APXS, PYTHON3 (default /usr/bin/python3), KEEP=1 keeps the
#   logs, VALGRIND_CONFIGTEST=0 runs "apache2 -t" without valgrind (faster).
#
# The harness locates httpd through $HTTPD; this script points HTTPD at a
# generated wrapper that execs valgrind. Under -X, httpd runs one process
# and no children, so valgrind sees every request; the few tests that need
# a restart or the MPM's start-up line are deselected (X_INCOMPATIBLE).
# Fails on any valgrind error in a mod_cors frame, and on any pytest failure.
set -euo pipefail

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON3=${PYTHON3:-/usr/bin/python3}
SO=""
BUILD=""
ANALYZE=""
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --so) SO="$2"; shift 2 ;;
        --build-dir) BUILD="$2"; shift 2 ;;
        --analyze) ANALYZE="$2"; shift 2 ;;
        --) shift; PYTEST_ARGS=("$@"); break ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d'; exit 0 ;;
        *) echo "valgrind.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

# Sort the reports of the valgrind logs in $1 into $1/../summary.
# Each valgrind error block starts after a blank "==PID== " line and lists
# its stack ("at"/"by" lines).
analyze() {
"$PYTHON3" - "$1" <<'PY'
import glob, os, re, sys
ours, others, runs = [], [], 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "vg.*.log"))):
    runs += 1
    block = []
    def flush():
        if block and any(re.search(r"(at|by) 0x", l) for l in block):
            text = "\n".join(block)
            (ours if re.search(r"\((?:mod_cors|cors_\w+)\.c:\d+\)|mod_cors\.so", text)
             else others).append((path, text))
    with open(path, errors="replace") as f:
        for line in f:
            line = re.sub(r"^==\d+== ?", "", line.rstrip("\n"))
            if line == "":
                flush(); block = []
            else:
                block.append(line)
    flush()
# Keep only real errors: the summary/heading blocks have no stack.
errs = lambda L: [b for b in L if not b[1].startswith(("Memcheck,", "HEAP SUMMARY", "For lists", "ERROR SUMMARY", "Command:", "Parent PID"))]
ours, others = errs(ours), errs(others)
print("valgrind.sh: %d valgrind runs, %d errors in mod_cors frames, %d elsewhere"
      % (runs, len(ours), len(others)))
for path, text in others[:10]:
    print("---- (not mod_cors) %s\n%s" % (os.path.basename(path), text))
for path, text in ours:
    print("---- MOD_CORS %s\n%s" % (os.path.basename(path), text))
with open(os.path.join(sys.argv[1], "..", "summary"), "w") as f:
    f.write("%d %d %d\n" % (runs, len(ours), len(others)))
PY
}

if [ -n "$ANALYZE" ]; then
    analyze "$ANALYZE"
    read -r RUNS OURS OTHERS <"$ANALYZE/../summary"
    [ "$OURS" -eq 0 ] || { echo "valgrind.sh: FAIL: $OURS valgrind errors in mod_cors"; exit 1; }
    echo "valgrind.sh: 0 valgrind errors in mod_cors frames ($OTHERS elsewhere, $RUNS httpd runs)"
    exit 0
fi
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed (Debian: valgrind)"; exit 1; }

WORK=$(mktemp -d /tmp/mod_cors-valgrind.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs"
chmod 1777 "$WORK/logs"          # httpd drops to www-data when run as root
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT


# shellcheck source=tests/memcheck/common.sh
. "$SRCDIR/tests/memcheck/common.sh"

if [ -z "$SO" ]; then
    [ -n "$BUILD" ] || BUILD="$WORK/build"
    [ -x "$SRCDIR/configure" ] || (cd "$SRCDIR" && ./autogen.sh)
    mkdir -p "$BUILD"
    BUILD_SRC=$(clean_source "$BUILD")
    echo "valgrind.sh: building mod_cors (-g -O1) in $BUILD"
    (cd "$BUILD" && CFLAGS="-g -O1" "$BUILD_SRC/configure" --disable-fuzz \
        ${APXS:+--with-apxs="$APXS"} >configure.log 2>&1) || {
        tail -40 "$BUILD/configure.log"; echo "valgrind.sh: FAIL: configure"; exit 1; }
    make -C "$BUILD" -j"$(nproc)" mod_cors.la >"$BUILD/make.log" 2>&1 || {
        tail -40 "$BUILD/make.log"; echo "valgrind.sh: FAIL: build"; exit 1; }
    SO="$BUILD/.libs/mod_cors.so"
fi
[ -f "$SO" ] || { echo "valgrind.sh: FAIL: no $SO"; exit 1; }

APXS_BIN=${APXS:-$(command -v apxs || command -v apxs2)}
REAL_HTTPD=${HTTPD:-$("$APXS_BIN" -q SBINDIR)/$("$APXS_BIN" -q PROGNAME)}
VG_OPTS="--tool=memcheck --error-exitcode=99 --num-callers=40 --leak-check=no \
--trace-children=no --child-silent-after-fork=yes --log-file=$WORK/logs/vg.%p.log"

cat >"$WORK/httpd-valgrind" <<WRAP
#!/bin/sh
# generated by tests/memcheck/valgrind.sh
for a in "\$@"; do
    case "\$a" in
        -l|-L|-v|-V|-M|-S) exec "$REAL_HTTPD" "\$@" ;;
        -t) if [ "\${VALGRIND_CONFIGTEST:-1}" = 0 ]; then exec "$REAL_HTTPD" "\$@"; fi
            exec valgrind $VG_OPTS "$REAL_HTTPD" "\$@" ;;
    esac
done
exec valgrind $VG_OPTS "$REAL_HTTPD" -X "\$@"
WRAP
chmod 755 "$WORK/httpd-valgrind"

export HTTPD="$WORK/httpd-valgrind"
export MOD_CORS_SO="$SO"
export PYTHONDONTWRITEBYTECODE=1
echo "valgrind.sh: integration suite with $SO under valgrind (apache2 -X)"
rc=0
# Under -X there is one process and no restart: the tests that reload the
# server or look for the MPM's start-up line cannot pass there.
X_INCOMPATIBLE="not test_new_policy_after_reload and not test_mpm_is_the_one_asked_for"
[ ${#PYTEST_ARGS[@]} -gt 0 ] || PYTEST_ARGS=("$SRCDIR/tests/integration" -k "$X_INCOMPATIBLE")
"$PYTHON3" -m pytest -p no:cacheprovider -q "${PYTEST_ARGS[@]}" \
    >"$WORK/pytest.log" 2>&1 || rc=$?
tail -n 25 "$WORK/pytest.log"

analyze "$WORK/logs"
read -r RUNS OURS OTHERS <"$WORK/summary"
if [ "$RUNS" -eq 0 ]; then
    echo "valgrind.sh: FAIL: no valgrind log written (wrapper not used?)"; KEEP=1; exit 1
fi
if [ "$OURS" -ne 0 ]; then
    KEEP=1; echo "valgrind.sh: FAIL: $OURS valgrind errors in mod_cors (logs in $WORK/logs)"; exit 1
fi
if [ $rc -ne 0 ]; then
    KEEP=1; echo "valgrind.sh: FAIL: pytest exit status $rc under valgrind (see $WORK/pytest.log)"
    exit 1
fi
echo "valgrind.sh: PASS: 0 valgrind errors in mod_cors frames ($OTHERS elsewhere, $RUNS httpd runs)"
