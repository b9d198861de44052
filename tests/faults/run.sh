#!/usr/bin/env bash
# FastCGI fault tests: the real mailautoconf-fcgi under spawn-fcgi, with 4
# worker threads, spoken to directly over its unix socket by
# tests/faults/fcgi_faults.py (no nginx): truncated, bogus and oversized
# records, other roles, management records, aborts, disconnects,
# multiplexing and more idle or stalled connections than threads.  After
# every case a new connection must still get its answer at once.  Then
# SIGTERM with idle and kept-alive connections open must end the process
# with status 0.
#
# Usage: bash tests/faults/run.sh BUILD_DIR     (as root, from anywhere)
#
# The last line of output is "faults: N passed, M failed"; the exit status
# is non-zero if M > 0.  MAC_FAULTS_KEEP=1 keeps the temporary directory.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
report_prefix="faults: "
bin=$(cd "$build" && pwd)/mailautoconf-fcgi
threads=4

tmp=$(mktemp -d /tmp/mailautoconf-faults.XXXXXX)
log=$tmp/responder.log
setup_logs=("$log")
resp_pid=

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$resp_pid" ] && kill -0 "$resp_pid" 2>/dev/null; then
		kill -KILL "$resp_pid" 2>/dev/null || true
		wait "$resp_pid" 2>/dev/null || true
	fi
	if [ "${MAC_FAULTS_KEEP:-}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

[ -x "$bin" ] || setup_fail "no executable $bin"
for tool in spawn-fcgi python3; do
	command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
done

chmod 0755 "$tmp"
mkdir -p "$tmp/run"
config=$tmp/mailautoconf.ini
cp "$root/tests/e2e/extra.ini" "$config"
chmod 0644 "$config"
sock=$tmp/run/mailautoconf.sock
if [ "$(id -u)" = 0 ]; then
	mac_spawn_ids "$bin" "$config"
	spawn_ids=("${mac_ids[@]}")
else
	spawn_ids=()
fi

spawn-fcgi -n -s "$sock" -M 0660 "${spawn_ids[@]}" -- \
	"$bin" -c "$config" -n "$threads" 2>"$log" &
resp_pid=$!
wait_for 10 grep -q 'started: ' "$log" ||
	setup_fail "the responder did not log 'started:'"

# ---- the cases ----------------------------------------------------------------

while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	*) not_ok "fcgi_faults.py said: $line" ;;
	esac
done < <(python3 "$root/tests/faults/fcgi_faults.py" "$sock" "$resp_pid" \
	"$log" 2>&1 || echo "FAIL fcgi_faults.py exited non-zero")

name="no sanitizer report in the responder's log"
if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
	not_ok "$name" "$(grep -Em 3 'Sanitizer|runtime error:' "$log")"
else
	ok "$name"
fi

name="the responder is alive after all the cases"
if kill -0 "$resp_pid" 2>/dev/null; then
	ok "$name"
else
	not_ok "$name" "$(tail -n 5 "$log")"
	resp_pid=
	finish
fi

# ---- SIGTERM with idle and kept-alive connections open ------------------------

name="SIGTERM with 10 idle and 1 kept-alive connection open -> exit 0 within 12 s, connections closed"
coproc HOLD { python3 "$root/tests/faults/fcgi_faults.py" "$sock" "$resp_pid" "$log" hold 2>&1; }
hold_pid=$HOLD_PID
read -r -t 10 ready <&"${HOLD[0]}" || ready="no answer from the helper"
rc=0
if [ "$ready" = ready ]; then
	kill -TERM "$resp_pid"
	# wait(1) cannot time out: poll, then reap.
	for _ in $(seq 120); do
		kill -0 "$resp_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$resp_pid" 2>/dev/null; then
		rc=timeout
	else
		wait "$resp_pid" || rc=$?
		resp_pid=
	fi
fi
eval "exec ${HOLD[1]}>&-"
read -r -t 10 held <&"${HOLD[0]}" || held="no answer from the helper"
wait "$hold_pid" 2>/dev/null || true
if [ "$ready" = ready ] && [ "$rc" = 0 ] && [ "$held" = closed ] &&
	grep -q ': exiting$' "$log"; then
	ok "$name"
else
	not_ok "$name" "helper: $ready / $held, exit $rc" "$(tail -n 3 "$log")"
fi

finish
