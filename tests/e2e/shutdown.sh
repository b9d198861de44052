#!/usr/bin/env bash
# End to end, stopping: SIGTERM while a request is half received; it must
# be answered, then the responder logs 'exiting' and exits 0.  No nginx.
#
# Usage: bash tests/e2e/shutdown.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e shutdown: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" shutdown
e2e_start_responder

name="SIGTERM with a request in flight -> it is answered, then 'exiting' and exit 0"
# The request's body is sent in two halves, with SIGTERM in between
# (tests/e2e/fcgi_direct.py inflight).
rc=0
detail=$(python3 "$direct" inflight "$sock" "$resp_pid" 2>&1) || rc=$?
wait "$resp_pid" || rc=$?
resp_pid=
if [ "$rc" = 0 ] && grep -q ': exiting$' "$resp_log" &&
	! grep -q 'still in flight' "$resp_log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$detail" "$(tail -n 5 "$resp_log")"
fi

e2e_finish
