#!/usr/bin/env bash
# End to end, hostile requests: tests/e2e/hostile.py sends byte-exact
# malformed and hostile requests over raw sockets (what curl cannot send)
# to nginx and the responder, checks each for its exact status,
# Content-Type and body and follows it with a normal request; its
# results count here.  Then the responder must be alive and answer.
#
# Usage: bash tests/e2e/hostile.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e hostile: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" hostile
e2e_start_responder
e2e_start_nginx

# hostile.py prints ok/FAIL lines and last "hostile: N passed, M failed",
# which is added to the totals here.
hostile_log=$tmp/out/hostile.log
python3 "$root/tests/e2e/hostile.py" "$tls_port" "$http_port" example.com \
	2>&1 | tee "$hostile_log" | grep -v '^hostile: ' || true
last=$(tail -n 1 "$hostile_log")
if [[ $last =~ ^hostile:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
else
	not_ok "hostile.py did not finish" "$(tail -n 5 "$hostile_log")"
fi

name="after the hostile requests the responder is alive and answers 200"
fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=alice%40example.com" - -
if ! kill -0 "$resp_pid" 2>/dev/null; then
	not_ok "$name" "pid $resp_pid is gone" "$(tail -n 5 "$resp_log")"
elif [ "$status" = 200 ] &&
	grep -q '<emailProvider id="example.com">' "$body"; then
	ok "$name"
else
	not_ok "$name" "status $status" "$(tail -n 5 "$resp_log")"
fi

e2e_finish
