#!/usr/bin/env bash
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# The mod_cors demo, in one command: installs what it needs (Debian, apt-get),
# builds mod_cors outside the source tree, and starts a throwaway httpd on
# loopback with two origins:
#
#   http://app.demo.localhost:8080   the page (tests/browser/site/app/)
#   http://api.demo.localhost:8081   an API protected by mod_cors
#                                    (tests/browser/site/api.conf.in)
#   http://127.0.0.1:8082            a backend the API reverse-proxies
#
# Open the page: each card is a real cross-origin call made by your browser,
# allowed or blocked, with the configuration lines that decide it. These are
# the same pages and the same configuration the headless-Chromium suite
# (tests/browser/) checks. Browsers and curl resolve *.localhost to loopback.
#
# Stop it with demo/stop.sh.
#
# Environment:
#   DEMO_DIR           where the build, configuration and logs go
#                      (default /tmp/mod_cors-demo; removed by stop.sh --clean)
#   DEMO_APP_PORT      page port      (default 8080)
#   DEMO_API_PORT      API port       (default 8081)
#   DEMO_BACKEND_PORT  backend port   (default 8082)
#   MOD_CORS_SO        use this already-built module instead of building
#   DEMO_SKIP_APT=1    never run apt-get
#   DEMO_CONFIGTEST=1  write the configuration and test it, start nothing
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
SITE="$SRC/tests/browser/site"
DEMO_DIR=${DEMO_DIR:-/tmp/mod_cors-demo}
APP_PORT=${DEMO_APP_PORT:-8080}
API_PORT=${DEMO_API_PORT:-8081}
BACKEND_PORT=${DEMO_BACKEND_PORT:-8082}
DOMAIN=demo.localhost

say() { printf '\n== %s\n' "$*"; }
die() { printf 'demo/run.sh: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- 1. packages ---------------------------------------------------------
PACKAGES=(apache2-bin apache2-dev libpsl-dev check build-essential pkg-config
          autoconf automake libtool curl)
missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ] && [ -z "${MOD_CORS_SO:-}" ]; then
    [ "${DEMO_SKIP_APT:-0}" = 1 ] && die "missing packages: ${missing[*]}"
    command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
    say "packages: all present"
fi

APXS=$(command -v apxs || command -v apxs2 || true)
[ -n "$APXS" ] || die "apxs not found (apache2-dev)"
HTTPD="$("$APXS" -q SBINDIR)/$("$APXS" -q PROGNAME)"
MODDIR=$("$APXS" -q LIBEXECDIR)
[ -x "$HTTPD" ] || die "httpd binary $HTTPD not found (apache2-bin)"

# --- 2. stop an earlier demo, check the ports ----------------------------
DEMO_DIR="$DEMO_DIR" "$SRC/demo/stop.sh" --quiet || true
for port in "$APP_PORT" "$API_PORT" "$BACKEND_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "port $port is in use; pick others with DEMO_APP_PORT/DEMO_API_PORT/DEMO_BACKEND_PORT"
    fi
done
mkdir -p "$DEMO_DIR"
chmod 755 "$DEMO_DIR"

# --- 3. build (outside the source tree) ----------------------------------
build_autotools() {
    local b="$DEMO_DIR/build"
    if [ ! -x "$SRC/configure" ]; then
        [ -x "$SRC/autogen.sh" ] || return 1
        # writes configure & co. into the tree; all of it is in .gitignore
        (cd "$SRC" && ./autogen.sh) >"$DEMO_DIR/autogen.log" 2>&1 || return 1
    fi
    # a tree configured in place cannot host a VPATH build
    [ ! -e "$SRC/config.status" ] || return 1
    mkdir -p "$b"
    (cd "$b" && "$SRC/configure" --with-apxs="$APXS" && make -j"$(nproc)") \
        >"$DEMO_DIR/build.log" 2>&1 || return 1
    [ -f "$b/.libs/mod_cors.so" ] && SO="$b/.libs/mod_cors.so"
}
build_apxs() {
    local b="$DEMO_DIR/build-apxs"
    rm -rf "$b"
    mkdir -p "$b"
    cp "$SRC"/*.c "$SRC"/*.h "$b"/
    (cd "$b" && "$APXS" -c -o mod_cors.la mod_cors.c mod_cors_*.c cors_*.c -lpsl -lpcre2-8) >"$DEMO_DIR/build-apxs.log" 2>&1 || return 1
    SO="$b/.libs/mod_cors.so"
}
SO=""
if [ -n "${MOD_CORS_SO:-}" ]; then
    [ -f "$MOD_CORS_SO" ] || die "MOD_CORS_SO=$MOD_CORS_SO does not exist"
    SO=$MOD_CORS_SO
    say "module: $SO (MOD_CORS_SO)"
elif build_autotools; then
    say "module: built with configure/make in $DEMO_DIR/build"
elif build_apxs; then
    say "module: built with apxs in $DEMO_DIR/build-apxs (configure route failed, see $DEMO_DIR/build.log)"
else
    die "build failed; see $DEMO_DIR/build.log and $DEMO_DIR/build-apxs.log"
fi

# --- 4. the site -----------------------------------------------------------
# An origin as browsers send it: no ":80" on http (mod_cors refuses
# anything else at configtest).
origin() {
    if [ "$2" = 80 ]; then echo "http://$1"; else echo "http://$1:$2"; fi
}
APP=$(origin "app.$DOMAIN" "$APP_PORT")
API=$(origin "api.$DOMAIN" "$API_PORT")
fill() {
    sed -e "s#@APP_WILD@#$(origin "*.app.$DOMAIN" "$APP_PORT")#g" \
        -e "s#@APP_B@#$(origin "b.app.$DOMAIN" "$APP_PORT")#g" \
        -e "s#@APP@#$APP#g" \
        -e "s#@API_B@#$(origin "b.api.$DOMAIN" "$API_PORT")#g" \
        -e "s#@BACKEND@#http://127.0.0.1:$BACKEND_PORT#g" \
        -e "s#@HTPASSWD@#$DEMO_DIR/htpasswd#g" \
        -e "s#@DOCROOT@#$DEMO_DIR/api#g" "$@"
}
rm -rf "$DEMO_DIR/app" "$DEMO_DIR/api" "$DEMO_DIR/backend" "$DEMO_DIR/logs" "$DEMO_DIR/conf"
mkdir -p "$DEMO_DIR/logs" "$DEMO_DIR/conf"
cp -r "$SITE/app" "$SITE/api" "$SITE/backend" "$DEMO_DIR/"
cp "$SITE/htpasswd" "$DEMO_DIR/htpasswd"
fill "$SITE/api/htaccess/.htaccess" >"$DEMO_DIR/api/htaccess/.htaccess"
fill "$SITE/api.conf.in" >"$DEMO_DIR/conf/api.conf"
cp "$SITE/backend.conf.in" "$DEMO_DIR/conf/backend.conf"
cp "$DEMO_DIR/conf/api.conf" "$DEMO_DIR/app/api.conf.txt"
cat >"$DEMO_DIR/app/config.js" <<EOF
window.LAB = {app: "$APP", appB: "$(origin "b.app.$DOMAIN" "$APP_PORT")",
              appX: "$(origin "x.app.$DOMAIN" "$APP_PORT")",
              api: "$API", apiB: "$(origin "b.api.$DOMAIN" "$API_PORT")"};
EOF
chmod -R a+rX "$DEMO_DIR/app" "$DEMO_DIR/api" "$DEMO_DIR/backend" "$DEMO_DIR/htpasswd" "$DEMO_DIR/conf"
chmod 755 "$DEMO_DIR/api"/*.cgi "$DEMO_DIR/api"/edit/*.cgi "$DEMO_DIR/api"/edit/child/*.cgi

: >"$DEMO_DIR/conf/mime.types"   # the few types the site needs are below
loads=""
builtin=$("$HTTPD" -l)
for m in mpm_event authz_core authn_core authn_file authz_user auth_basic mime dir alias \
         log_config env headers cgid proxy proxy_http; do
    if ! grep -q "mod_$m.c" <<<"$builtin"; then
        loads+="LoadModule ${m}_module $MODDIR/mod_$m.so"$'\n'
    fi
done
user=""
if [ "$(id -u)" -eq 0 ]; then user=$'User www-data\nGroup www-data'; fi

cat >"$DEMO_DIR/conf/httpd.conf" <<EOF
# mod_cors demo (generated by demo/run.sh; stop with demo/stop.sh)
ServerRoot "$DEMO_DIR"
DefaultRuntimeDir "$DEMO_DIR/logs"
PidFile "$DEMO_DIR/logs/httpd.pid"
Mutex file:$DEMO_DIR/logs default
ScriptSock "$DEMO_DIR/logs/cgid.sock"
ServerName 127.0.0.1
$loads
LoadModule cors_module $SO
$user
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
Timeout 10
ErrorLog "$DEMO_DIR/logs/error_log"
LogLevel warn cors:debug
LogFormat "%h %m \"%U%q\" %>s origin=\"%{Origin}i\" cors=%{CORS_RESULT}e" cors
CustomLog "$DEMO_DIR/logs/access_log" cors
TypesConfig "$DEMO_DIR/conf/mime.types"
AddType text/html .html
AddType text/javascript .js
AddType text/css .css
AddType text/plain .txt
AddDefaultCharset utf-8
DirectoryIndex index.html
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$DEMO_DIR/app">
    Require all granted
</Directory>
<Directory "$DEMO_DIR/api">
    Require all granted
</Directory>
<Directory "$DEMO_DIR/backend">
    Require all granted
</Directory>
<Files ".ht*">
    Require all denied
</Files>

Listen 127.0.0.1:$APP_PORT
Listen 127.0.0.1:$API_PORT
Listen 127.0.0.1:$BACKEND_PORT

# The page: app.$DOMAIN (and b.app..., x.app... for the cross-origin frames).
<VirtualHost 127.0.0.1:$APP_PORT>
    DocumentRoot "$DEMO_DIR/app"
</VirtualHost>

# The API, protected by mod_cors.
<VirtualHost 127.0.0.1:$API_PORT>
    DocumentRoot "$DEMO_DIR/api"
    Include "$DEMO_DIR/conf/api.conf"
</VirtualHost>

# The backend behind the API's ProxyPass.
<VirtualHost 127.0.0.1:$BACKEND_PORT>
    DocumentRoot "$DEMO_DIR/backend"
    Include "$DEMO_DIR/conf/backend.conf"
</VirtualHost>
EOF

# --- 5. start ---------------------------------------------------------------
"$HTTPD" -d "$DEMO_DIR" -f "$DEMO_DIR/conf/httpd.conf" -t >"$DEMO_DIR/logs/configtest.log" 2>&1 \
    || { cat "$DEMO_DIR/logs/configtest.log" >&2; die "configuration test failed"; }
if [ "${DEMO_CONFIGTEST:-0}" = 1 ]; then
    say "configuration test passed: $DEMO_DIR/conf/httpd.conf (page at $APP/)"
    exit 0
fi
"$HTTPD" -d "$DEMO_DIR" -f "$DEMO_DIR/conf/httpd.conf" -k start \
    || { tail -20 "$DEMO_DIR/logs/error_log" >&2; die "httpd did not start"; }
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$API_PORT") 2>/dev/null; then break; fi
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$API_PORT") 2>/dev/null \
    || { tail -20 "$DEMO_DIR/logs/error_log" >&2; die "httpd did not start"; }

cat <<EOF

mod_cors demo is running (pid $(cat "$DEMO_DIR/logs/httpd.pid")).

  Open:   $APP/
          (every card is a real call from your browser; Chromium and Firefox
          resolve *.localhost to this machine by themselves)

  Try:    curl -si -H 'Origin: $APP' http://127.0.0.1:$API_PORT/s/simple/data.txt
          curl -si -X OPTIONS -H 'Origin: $APP' -H 'Access-Control-Request-Method: DELETE' \\
               http://127.0.0.1:$API_PORT/s/put/echo.cgi

  Config: $DEMO_DIR/conf/api.conf
  Logs:   $DEMO_DIR/logs/access_log (with CORS_RESULT), $DEMO_DIR/logs/error_log (cors:debug)
  Stop:   $SRC/demo/stop.sh
EOF
