#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# CI short forms of the hardening checks (issue 6), run by .ci/run after the
# build and make check, from the top of the source tree (configured and
# built in place; MOD_CORS_SO, MOD_CORS_SRCDIR, APXS exported):
#   1. each libFuzzer target for HARDENING_FUZZ_SECONDS (default 60 s),
#      new inputs kept out of the seed corpora, crashes fail the step;
#   2. the integration suite with an ASan+UBSan build of the module loaded
#      into apache2 (tests/memcheck/asan.sh): zero sanitizer reports;
#   3. the core request tests under valgrind memcheck (short form of
#      tests/memcheck/valgrind.sh);
#   4. the soak tests' short forms (tests/soak/soak.py --short, and
#      tests/soak/soak_origin_file.py --short: about 45 s).
# About 6 minutes in all on two cores. Exits non-zero on the first failure.
set -euo pipefail

cd "${MOD_CORS_SRCDIR:-$(dirname "$0")/../..}"
SRCDIR=$(pwd)
PYTHON3=${PYTHON3:-/usr/bin/python3}
FUZZ_SECONDS=${HARDENING_FUZZ_SECONDS:-60}
export MOD_CORS_SO=${MOD_CORS_SO:-$SRCDIR/.libs/mod_cors.so}

section() { echo; echo "--- [hardening] $*"; }

# 1. Fuzzing --------------------------------------------------------------
section "fuzz: each target for ${FUZZ_SECONDS} s"
if ! grep -q '^fuzz-run: $(FUZZ_PROGS)' Makefile; then
    echo "FAIL: the build is not configured with fuzz targets (needs clang and"
    echo "      libclang-rt-14-dev; configure --enable-fuzz)"
    exit 1
fi
make fuzz-run FUZZ_SECONDS="$FUZZ_SECONDS" 2>&1 | tee fuzz/ci-fuzz.log \
    | grep -E '^(fuzz/|FAIL|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|fuzz_[a-z_]+: property failed)' || true
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    tail -n 60 fuzz/ci-fuzz.log
    echo "FAIL: fuzzing found a crash or a property violation (reproducers in fuzz/artifacts/)"
    exit 1
fi
# every target ran to its end: one final stats line per fuzz/fuzz_*.c
targets=$(find fuzz -maxdepth 1 -name 'fuzz_*.c' | wc -l)
execs=$(grep -c '^stat::number_of_executed_units' fuzz/ci-fuzz.log || true)
if [ "$execs" -ne "$targets" ]; then
    echo "FAIL: expected final stats from $targets fuzz targets, got $execs"; exit 1
fi

# 2. Sanitizers ----------------------------------------------------------
section "integration suite under ASan+UBSan"
tests/memcheck/asan.sh

# 3. valgrind, short form: the core request paths under memcheck
section "core integration tests under valgrind memcheck"
VALGRIND_CONFIGTEST=0 tests/memcheck/valgrind.sh --so "$MOD_CORS_SO" -- \
    tests/integration/test_core_actual.py tests/integration/test_core_preflight.py

# 4. Soak ------------------------------------------------------------------
section "soak --short"
"$PYTHON3" tests/soak/soak.py --short
section "soak-origin-file --short (origin files reloaded under load, event and worker)"
"$PYTHON3" tests/soak/soak_origin_file.py --short

section "all hardening checks passed"
