#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
# The integration suite under the worker and prefork MPMs (make check ran
# it under event).
set -euo pipefail
make check-mpms
