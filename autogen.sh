#!/bin/sh
# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Generate ./configure and Makefile.in from a git checkout.
# Needs autoconf, automake, libtool and pkg-config (for pkg.m4).
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
exec autoreconf --force --install --verbose "$@"
