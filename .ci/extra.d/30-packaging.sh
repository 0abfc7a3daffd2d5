#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# CI step: packaging.
#   1. rpmspec -P parses mod_cors.spec (Debian's rpm).
#   2. dpkg-buildpackage -b -us -uc in a copy of the source tree (the tree
#      itself is not touched), then lintian: no errors (warnings printed).
#   3. apt install the .deb, a2enmod cors, a conf-example enabled with
#      a2enconf, Debian's apache2 started with apache2ctl on 127.0.0.1 and a
#      free port (ports.conf override): a granted and a refused request
#      and preflight checked with curl; then stopped.
#   4. a2dismod cors, apt-get purge: the package, its files and every
#      enabled symlink are gone; a second install purged while the module
#      is still enabled leaves nothing behind either.
# Every changed system file is restored on exit, success or failure.
# Needs root (or sudo) and: dpkg-dev debhelper apache2 apache2-dev lintian
# rpm curl python3 git.
set -euo pipefail

SRCDIR=${MOD_CORS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRCDIR"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

PKG=libapache2-mod-cors
CONF_NAME=mod-cors-ci
APACHE_PIDFILE=/var/run/apache2/apache2.pid
WORK=$(mktemp -d /tmp/mod_cors-packaging.XXXXXX)
chmod 755 "$WORK"
PORTS_BACKUP="$WORK/ports.conf.orig"

say() { echo "--- [packaging] $*"; }
fail() { echo "FAIL: [packaging] $*" >&2; exit 1; }

apache_running() {
    [ -f "$APACHE_PIDFILE" ] && $SUDO kill -0 "$(cat "$APACHE_PIDFILE")" 2>/dev/null
}

# Wait (bounded) until Debian's apache2 is gone.
wait_apache_stopped() {
    local i
    for i in $(seq 1 100); do
        apache_running || return 0
        sleep 0.1
    done
    return 1
}

# The package's dpkg status unless it is absent or purged ("" then).
pkg_status() {
    local st
    st=$(dpkg-query -W -f='${Status}' $PKG 2>/dev/null) || true
    case "$st" in ""|*not-installed*) echo "" ;; *) echo "$st" ;; esac
}

APACHE_WAS_RUNNING=0
STARTED_APACHE=0
INSTALLED=0
PORTS_CHANGED=0

cleanup() {
    local rc=$?
    set +e
    if [ "$STARTED_APACHE" = 1 ] && apache_running; then
        $SUDO apache2ctl stop >/dev/null 2>&1
        wait_apache_stopped
    fi
    if [ -e /etc/apache2/conf-enabled/$CONF_NAME.conf ]; then
        $SUDO a2disconf -q $CONF_NAME >/dev/null 2>&1
    fi
    $SUDO rm -f /etc/apache2/conf-available/$CONF_NAME.conf
    if [ "$PORTS_CHANGED" = 1 ] && [ -f "$PORTS_BACKUP" ]; then
        $SUDO cp -p "$PORTS_BACKUP" /etc/apache2/ports.conf
    fi
    if [ "$INSTALLED" = 1 ] && [ -n "$(pkg_status)" ]; then
        $SUDO apt-get purge -y -q $PKG >/dev/null 2>&1
    fi
    if [ "$APACHE_WAS_RUNNING" = 1 ] && ! apache_running; then
        $SUDO apache2ctl start >/dev/null 2>&1
    fi
    $SUDO rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

# ---------------------------------------------------------------- RPM ---

say "rpmspec -P mod_cors.spec"
rpmspec -P mod_cors.spec >"$WORK/spec.parsed" || fail "rpmspec cannot parse mod_cors.spec"
grep -q '^Requires: *httpd-mmn = ' "$WORK/spec.parsed" || fail "spec: no httpd-mmn requirement"
grep -q '/10-cors.conf$' "$WORK/spec.parsed" || fail "spec: no 10-cors.conf"
echo "ok: $(grep -c . "$WORK/spec.parsed") lines after macro expansion"

# ------------------------------------------------------------- build ---

# A pristine copy: the committed and new-but-not-ignored files of a git
# checkout (no build products), else the whole tree after make distclean.
say "copying the source tree to $WORK/src"
mkdir "$WORK/src"
if git -C "$SRCDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$SRCDIR" ls-files -z --cached --others --exclude-standard \
        | (cd "$SRCDIR" && tar --null -T - -cf -) | tar -xf - -C "$WORK/src"
else
    tar -C "$SRCDIR" --exclude=./debian/.debhelper -cf - . | tar -xf - -C "$WORK/src"
    if [ -f "$WORK/src/Makefile" ]; then make -C "$WORK/src" distclean >/dev/null; fi
fi

say "dpkg-buildpackage -b -us -uc"
if ! (cd "$WORK/src" && dpkg-buildpackage -b -us -uc) >"$WORK/build.log" 2>&1; then
    tail -n 60 "$WORK/build.log"
    fail "dpkg-buildpackage failed (log above)"
fi
grep -E '^(PASS|FAIL|# TOTAL|# PASS|# FAIL)' "$WORK/build.log" || true
DEB=$(ls "$WORK"/${PKG}_*.deb)
CHANGES=$(ls "$WORK"/*.changes)
say "built $(basename "$DEB")"
dpkg-deb -I "$DEB" | sed -n 's/^ \(Depends\|Version\):/  \1:/p'
DEB_FILES=$(dpkg-deb -c "$DEB" | awk '{print $6}')
DEB_INFO=$(dpkg-deb -I "$DEB")
sed 's/^/  /' <<<"$DEB_FILES"
for f in ./usr/lib/apache2/modules/mod_cors.so ./etc/apache2/mods-available/cors.load \
         ./etc/apache2/mods-available/cors.conf ./usr/share/doc/$PKG/copyright; do
    grep -qx "$f" <<<"$DEB_FILES" || fail "$f missing from the .deb"
done
grep -q 'Depends:.*apache2-api-' <<<"$DEB_INFO" || fail "no apache2-api-* dependency"

say "lintian (errors fail; warnings printed)"
lintian_rc=0
lintian --info --display-info --fail-on error "$CHANGES" >"$WORK/lintian.log" 2>&1 || lintian_rc=$?
grep -v 'running with root privileges' "$WORK/lintian.log" || true
[ "$lintian_rc" = 0 ] || fail "lintian reports errors (exit $lintian_rc)"
echo "lintian: $(grep -c '^E:' "$WORK/lintian.log") errors, $(grep -c '^W:' "$WORK/lintian.log") warnings, $(grep -c '^[IP]:' "$WORK/lintian.log") info"

# ------------------------------------------------- install and serve ---

if [ -n "$(pkg_status)" ]; then
    fail "$PKG is already installed on this machine; refusing to replace it"
fi
if apache_running; then
    APACHE_WAS_RUNNING=1
    say "stopping the running Debian apache2 (restarted at the end)"
    $SUDO apache2ctl stop
    wait_apache_stopped || fail "apache2 does not stop"
fi

say "apt install $DEB"
INSTALLED=1
$SUDO apt-get install -y -q "$DEB"
$SUDO a2enmod cors
[ -L /etc/apache2/mods-enabled/cors.load ] || fail "a2enmod cors: no mods-enabled/cors.load"
[ -L /etc/apache2/mods-enabled/cors.conf ] || fail "a2enmod cors: no mods-enabled/cors.conf"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say "Debian apache2 on 127.0.0.1:$PORT with conf-examples/api-vhost-credentials.conf"
cp -p /etc/apache2/ports.conf "$PORTS_BACKUP"
PORTS_CHANGED=1
echo "Listen 127.0.0.1:$PORT" | $SUDO tee /etc/apache2/ports.conf >/dev/null
mkdir -p "$WORK/www/api"
echo '{"users": []}' >"$WORK/www/api/users.json"
chmod -R a+rX "$WORK/www"
sed -e "s|<VirtualHost \*:80>|<VirtualHost 127.0.0.1:$PORT>|" \
    -e "s|/var/www/api|$WORK/www/api|g" \
    conf-examples/api-vhost-credentials.conf >"$WORK/$CONF_NAME.conf"
grep -q "<VirtualHost 127.0.0.1:$PORT>" "$WORK/$CONF_NAME.conf" || fail "example has no <VirtualHost *:80>"
$SUDO cp "$WORK/$CONF_NAME.conf" /etc/apache2/conf-available/$CONF_NAME.conf
$SUDO a2enconf -q $CONF_NAME
$SUDO apache2ctl configtest
LOG_OFFSET=$(stat -c %s /var/log/apache2/error.log 2>/dev/null || echo 0)
STARTED_APACHE=1
$SUDO apache2ctl start
for i in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/users.json" && break
    sleep 0.1
done

BASE="http://127.0.0.1:$PORT"
# check NAME EXPECTED_STATUS REQUIRED_REGEX FORBIDDEN_REGEX curl-args...
check() {
    local name=$1 status=$2 want=$3 unwanted=$4; shift 4
    local hdrs
    hdrs=$(curl -sS -o /dev/null -D - --max-time 10 "$@" | tr -d '\r')
    local got
    got=$(awk 'NR == 1 {print $2}' <<<"$hdrs")
    [ "$got" = "$status" ] || { echo "$hdrs"; fail "$name: status $got, expected $status"; }
    # here-strings, not pipes: grep -q exiting early must not SIGPIPE
    if [ -n "$want" ] && ! grep -qiE "$want" <<<"$hdrs"; then
        echo "$hdrs"; fail "$name: no header matching /$want/"
    fi
    if [ -n "$unwanted" ] && grep -qiE "$unwanted" <<<"$hdrs"; then
        echo "$hdrs"; fail "$name: unexpected header matching /$unwanted/"
    fi
    echo "ok: $name"
}
check "granted request" 200 '^access-control-allow-origin: https://www\.example\.com$' '' \
    -H 'Origin: https://www.example.com' "$BASE/users.json"
check "granted request has credentials" 200 '^access-control-allow-credentials: true$' '' \
    -H 'Origin: https://www.example.com' "$BASE/users.json"
check "granted request has Vary: Origin" 200 '^vary:.*origin' '' \
    -H 'Origin: https://www.example.com' "$BASE/users.json"
check "refused request" 200 '^vary:.*origin' '^access-control-' \
    -H 'Origin: https://www.example.com.evil.net' "$BASE/users.json"
check "granted preflight" 204 '^access-control-allow-methods: GET, HEAD, POST, PUT, PATCH, DELETE$' '' \
    -X OPTIONS -H 'Origin: https://admin.example.com' \
    -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type' \
    "$BASE/users/17"
check "refused preflight" 403 '' '^access-control-' \
    -X OPTIONS -H 'Origin: https://admin.example.com' \
    -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: authorization' \
    "$BASE/users/17"

say "stopping apache2"
$SUDO apache2ctl stop
wait_apache_stopped || fail "apache2 does not stop"
STARTED_APACHE=0
# Nothing at error level or worse from this run, and nothing from mod_cors.
tail -c +"$((LOG_OFFSET + 1))" /var/log/apache2/error.log >"$WORK/error.log" 2>/dev/null || true
if grep -E '\[cors:|:(error|crit|alert|emerg)\]' "$WORK/error.log"; then
    fail "apache2 error.log has the lines above"
fi
$SUDO a2disconf -q $CONF_NAME
$SUDO rm -f /etc/apache2/conf-available/$CONF_NAME.conf
$SUDO cp -p "$PORTS_BACKUP" /etc/apache2/ports.conf
PORTS_CHANGED=0

# ------------------------------------------------- remove and purge ---

leftovers() {
    local left=""
    for f in /usr/lib/apache2/modules/mod_cors.so /etc/apache2/mods-available/cors.load \
             /etc/apache2/mods-available/cors.conf /etc/apache2/mods-enabled/cors.load \
             /etc/apache2/mods-enabled/cors.conf /usr/share/doc/$PKG; do
        if [ -e "$f" ] || [ -L "$f" ]; then left="$left $f"; fi
    done
    # dangling symlinks anywhere in the apache2 configuration
    left="$left $(find /etc/apache2 -xtype l 2>/dev/null | tr '\n' ' ')"
    if [ -n "$(pkg_status)" ]; then left="$left dpkg:$(pkg_status)"; fi
    echo $left
}

say "a2dismod cors; apt-get purge $PKG"
$SUDO a2dismod -q cors
[ ! -e /etc/apache2/mods-enabled/cors.load ] || fail "a2dismod left mods-enabled/cors.load"
$SUDO apt-get purge -y -q $PKG
left=$(leftovers)
[ -z "$left" ] || fail "left behind after purge:$left"
echo "ok: purge leaves nothing"

say "install again, purge while enabled (maintainer scripts disable it)"
$SUDO apt-get install -y -q "$DEB" >/dev/null
[ -L /etc/apache2/mods-enabled/cors.load ] || fail "postinst did not enable the module"
$SUDO apt-get purge -y -q $PKG >/dev/null
INSTALLED=0
left=$(leftovers)
[ -z "$left" ] || fail "left behind after purging an enabled module:$left"
echo "ok: purge of an enabled module leaves nothing"
$SUDO apache2ctl configtest 2>&1 | tail -n 1
cmp -s "$PORTS_BACKUP" /etc/apache2/ports.conf || fail "ports.conf not restored"

say "all packaging checks passed"
