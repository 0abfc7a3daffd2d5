#!/bin/sh
# Dies before sending headers: httpd answers 500 Internal Server Error.
exit 1
