# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# tests/memcheck/common.sh: shared by asan.sh and valgrind.sh (sourced;
# they set SRCDIR first).

# A source tree configured in place (as CI does) refuses VPATH builds
# ("source directory already configured"): build from a clean copy then.
clean_source() {
    if [ -f "$SRCDIR/config.status" ]; then
        local copy="$1/src"
        mkdir -p "$copy"
        tar -C "$SRCDIR" --exclude=.git --exclude=.libs --exclude=.deps \
            --exclude='*.o' --exclude='*.lo' --exclude='*.la' --exclude='*.log' \
            --exclude='*.trs' --exclude=config.status --exclude=./Makefile \
            --exclude=./config.h --exclude=./libtool --exclude=./stamp-h1 \
            --exclude=fuzz/work --exclude=fuzz/artifacts --exclude=__pycache__ \
            -cf - . | tar -C "$copy" -xf -
        echo "$copy"
    else
        echo "$SRCDIR"
    fi
}
