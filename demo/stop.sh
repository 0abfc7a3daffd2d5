#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Stop the httpd that demo/run.sh started. --clean also removes DEMO_DIR
# (build, configuration, logs); --quiet says nothing when none is running.
set -euo pipefail

DEMO_DIR=${DEMO_DIR:-/tmp/mod_cors-demo}
PIDFILE="$DEMO_DIR/logs/httpd.pid"
quiet=0
clean=0
for a in "$@"; do
    case "$a" in
        --quiet) quiet=1 ;;
        --clean) clean=1 ;;
        *) echo "usage: demo/stop.sh [--clean] [--quiet]" >&2; exit 2 ;;
    esac
done

stopped=0
if [ -s "$PIDFILE" ]; then
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null && grep -qa -- "$DEMO_DIR/conf/httpd.conf" "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid"
        # httpd stops its children, then removes the pid file: bounded wait
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "demo/stop.sh: httpd $pid did not stop in 10 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        stopped=1
        [ "$quiet" = 1 ] || echo "mod_cors demo stopped (pid $pid)."
    fi
    rm -f "$PIDFILE"
fi
if [ "$stopped" = 0 ] && [ "$quiet" = 0 ]; then
    echo "mod_cors demo is not running (no live $PIDFILE)."
fi
if [ "$clean" = 1 ]; then
    case "$DEMO_DIR" in
        /|"") echo "demo/stop.sh: refusing to remove '$DEMO_DIR'" >&2; exit 1 ;;
    esac
    rm -rf "$DEMO_DIR"
    [ "$quiet" = 1 ] || echo "removed $DEMO_DIR"
fi
