#!/usr/bin/env bash
# End to end, FastCGI spoken directly (what nginx hides): the responder
# under spawn-fcgi, no nginx; tests/e2e/fcgi_direct.py sends requests
# over connections with FCGI_KEEP_CONN, the way nginx does with
# fastcgi_keep_conn on: HEAD, the exact header block, bodies over the
# limit with and without CONTENT_LENGTH.
#
# Usage: bash tests/e2e/fastcgi.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e fastcgi: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" fastcgi
e2e_start_responder

while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	*) not_ok "${line#FAIL }" ;;
	esac
done < <(python3 "$direct" scenarios "$sock" "$tmp/bodies/thunderbird.xml" 2>&1 ||
	echo "FAIL direct FastCGI client crashed")

e2e_finish
