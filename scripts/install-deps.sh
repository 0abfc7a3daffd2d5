#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Install the Debian packages that building, testing, fuzzing, benchmarking
# and packaging mod_cors need, on Debian 12. Run it as root, or as a user
# who may use sudo: it runs apt-get through sudo itself when not root (a
# minimal root shell has no sudo). The README's test command and CI
# (.ci/run) both start with it.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "$0: not root and no sudo: run it as root" >&2; exit 1; }
    SUDO="sudo"
fi

PACKAGES=(
    # build
    build-essential autoconf automake libtool pkg-config
    apache2 apache2-dev apache2-utils libapr1-dev libaprutil1-dev
    libpsl-dev libpcre2-dev check
    # tests
    python3 python3-pytest python3-requests curl
    chromium chromium-driver python3-selenium python3-websockets
    firefox-esr webkit2gtk-driver libwebkit2gtk-4.1-0 xvfb xauth
    # hardening: fuzzing, sanitizers, memcheck, load
    clang libclang-rt-14-dev valgrind wrk
    # lint
    cppcheck clang-tidy
    # packaging (dh_apache2 comes with apache2-dev)
    dpkg-dev debhelper lintian rpm fakeroot
    # used by the scripts
    ca-certificates git procps
)

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"
