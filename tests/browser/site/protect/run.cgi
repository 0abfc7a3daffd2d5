#!/bin/sh
# The protected handler: leaves a marker per request tag (t=...), so that a
# test can tell it never ran for a refused request, and echoes the method.
tag=$(printf '%s' "$QUERY_STRING" | sed -n 's/.*t=\([A-Za-z0-9_-]*\).*/\1/p')
[ -n "$tag" ] && : > "$RAN_DIR/$tag"
cat > /dev/null
printf 'Content-Type: text/plain\r\n\r\n'
printf 'ran %s\n' "$REQUEST_METHOD"
