#!/bin/sh
# Echo what the browser sent: method, cookie, Authorization presence, body.
printf 'Content-Type: text/plain\r\n\r\n'
printf 'method=%s\n' "$REQUEST_METHOD"
printf 'cookie=%s\n' "${HTTP_COOKIE:-}"
if [ -n "${HTTP_AUTHORIZATION:-}" ] || [ -n "${REMOTE_USER:-}" ]; then
    printf 'user=%s\n' "${REMOTE_USER:-}"
fi
if [ -n "${CONTENT_LENGTH:-}" ] && [ "$CONTENT_LENGTH" -gt 0 ] 2>/dev/null; then
    printf 'body='
    head -c "$CONTENT_LENGTH"
    printf '\n'
fi
