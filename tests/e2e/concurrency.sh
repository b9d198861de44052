#!/usr/bin/env bash
# End to end, concurrency: more requests at once than the responder has
# threads, over kept-alive connections through nginx; kept-alive
# connections hold no thread, so nothing starves.
#
# Usage: bash tests/e2e/concurrency.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e concurrency: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" concurrency
e2e_start_responder
e2e_start_nginx

name="120 requests, 40 at a time over kept-alive connections -> all 200"
codes=$(seq 120 | xargs -P 40 -I{} curl -sS -k --max-time 10 -o /dev/null \
	-w '%{http_code}\n' --resolve "$ac:$tls_port:127.0.0.1" \
	"https://$ac:$tls_port/mail/config-v1.1.xml?emailaddress=u{}%40example.com" |
	sort | uniq -c | tr -s ' ' | tr '\n' ';') || true
if [ "$codes" = " 120 200;" ]; then
	ok "$name"
else
	not_ok "$name" "status counts: $codes"
fi

e2e_finish
