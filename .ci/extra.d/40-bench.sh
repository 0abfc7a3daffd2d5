#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Benchmark smoke run: checks that bench/run.sh works end to end (its
# numbers are not judged here; see bench/README.md for the full run).
set -euo pipefail
bench/run.sh --quick
