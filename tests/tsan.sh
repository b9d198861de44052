#!/usr/bin/env bash
# ThreadSanitizer run: the configuration swap and the responder's threads
# checked for data races.  Builds BUILD_DIR with -DMAC_TSAN=ON (clang if
# installed, else gcc), then
#
#   1 tests/unit/test_cfgswap.c (the swap's unit tests, its stress run of
#     reader threads against the publisher for 0.5 s) under TSan: passes,
#     no report
#   2 a short load with reloads: the TSan responder on its own socket
#     (-s unix:PATH) behind nginx (TLS on loopback, the shipped snippets),
#     driven by wrk with tests/load/mixed.lua for MAC_TSAN_SECS (10) s
#     and a SIGHUP every 100 ms (as often as the busy machine lets the
#     loop send them): no failed request, no TSan report, at least 2
#     SIGHUPs a second sent and at least half of them "reloaded" (two
#     signals that come during one reload merge into one)
#   3 SIGTERM after the load: the responder exits 0, logs "exiting", and
#     its standard error holds no "WARNING: ThreadSanitizer"
#
# Usage: bash tests/tsan.sh BUILD_DIR   (as root: nginx's user, namespaces)
#
# Run it in private namespaces when other servers may be running (the
# socket and ports are its own, but nginx binds loopback ports).  Prints
# "ok   NAME" or "FAIL NAME" per check and "tsan: N passed, M failed"
# last; exits non-zero if anything failed.  MAC_TSAN_KEEP=1 keeps the
# temporary directory.  libfcgi is not instrumented, which could make TSan
# report races that are not ours; none has been seen, so there is no
# suppressions file.  If one is needed, add it under tests/ with a
# comment per entry and name it in TSAN_OPTIONS below.
#
# TSan maps its shadow memory at fixed addresses; with the kernel's
# mmap randomisation at more than 28 bits (vm.mmap_rnd_bits, e.g. 32 on
# Ubuntu 24.04's kernels) older TSan runtimes stop at once with "FATAL:
# ThreadSanitizer: unexpected memory mapping".  If a probe run says so,
# every TSan program here runs under "setarch -R" (no randomisation for
# that process) instead.
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail

build=${1:?usage: tsan.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
# shellcheck source=tests/load/common.sh
. "$root/tests/load/common.sh"
report_prefix="tsan: "

secs=${MAC_TSAN_SECS:-10}
reload_ms=100
# TSan makes the responder several times slower; fewer connections keep
# wrk's 10 s timeout far away.
export MAC_LOAD_CONNS=${MAC_LOAD_CONNS:-64}
threads=4

tmp=$(mktemp -d /tmp/mailautoconf-tsan.XXXXXX)
chmod 0755 "$tmp"
kill_list=()
nginx_pid='' wrk_pid=''

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	load_cleanup
	if [ "${MAC_TSAN_KEEP:-}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || setup_fail "run as root (nginx's user www-data)"
for tool in cmake nginx wrk openssl curl python3; do
	command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
done

# ---- build -------------------------------------------------------------------

cc=${CC:-}
if [ -z "$cc" ]; then
	if command -v clang >/dev/null; then cc=clang; else cc=gcc; fi
fi
setup_logs=("$tmp/build.log")
echo "== build: $cc -fsanitize=thread in $build"
CC=$cc cmake -S "$root" -B "$build" -DMAC_TSAN=ON -DMAC_SANITIZE=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$tmp/build.log" 2>&1 ||
	setup_fail "cmake -DMAC_TSAN=ON failed"
cmake --build "$build" -j 2 --target test_cfgswap mailautoconf-fcgi \
	>>"$tmp/build.log" 2>&1 || setup_fail "the TSan build failed"
setup_logs=()
bin=$(cd "$build" && pwd)/mailautoconf-fcgi
unit=$(cd "$build" && pwd)/test_cfgswap

export TSAN_OPTIONS="second_deadlock_stack=1 history_size=4"
tsan_wrap=()
if ! "$unit" >"$tmp/probe.log" 2>&1 &&
	grep -q 'unexpected memory mapping' "$tmp/probe.log"; then
	tsan_wrap=(setarch "$(uname -m)" -R)
	echo "     TSan needs fixed mappings here (vm.mmap_rnd_bits $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo '?')): running under ${tsan_wrap[*]}"
fi

tsan_reports() { # log: the number of TSan reports in it
	grep -c 'WARNING: ThreadSanitizer' "$1" || true
}

# ---- 1: the swap's unit tests ------------------------------------------------

name="test_cfgswap under TSan: publish, acquire, release and the stress run pass, no ThreadSanitizer report"
rc=0
"${tsan_wrap[@]}" "$unit" >"$tmp/unit.log" 2>&1 || rc=$?
echo "     $(grep -E 'pins by' "$tmp/unit.log" || echo 'no stress line')"
if [ "$rc" = 0 ] && [ "$(tsan_reports "$tmp/unit.log")" = 0 ] &&
	grep -q 'PASSED' "$tmp/unit.log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc, $(tsan_reports "$tmp/unit.log") reports" \
		"$(grep -E -A 20 'WARNING: ThreadSanitizer|FAILED|ERROR' "$tmp/unit.log" | head -n 40)"
fi

# ---- 2 and 3: load with reloads, then SIGTERM ---------------------------------

mkdir -p "$tmp/conf"
config=$tmp/conf/mailautoconf.ini
cp "$root/tests/e2e/extra.ini" "$config"
chmod 0644 "$config"
load_cert || setup_fail "openssl could not make a certificate"

log=$tmp/responder.log
sock=$tmp/tsan.sock
"${tsan_wrap[@]}" "$bin" -c "$config" -n "$threads" -s "unix:$sock" 2>"$log" &
pid=$!
kill_list+=("$pid")
setup_logs=("$log")
wait_for 30 grep -q 'started: ' "$log" ||
	setup_fail "the TSan responder did not start"
chgrp www-data "$sock"
load_upstream "$tmp/upstream.conf" "unix:$sock" ||
	setup_fail "no server line in nginx/mailautoconf-upstream.conf"
nginx_dir=$tmp/nginx
setup_logs=("$nginx_dir/error.log")
load_nginx "$nginx_dir" "$tmp/upstream.conf" || setup_fail "nginx did not start"
setup_logs=()

name="load: $secs s of mixed endpoints at $MAC_LOAD_CONNS connections, SIGHUP every $reload_ms ms -> no failed request, no ThreadSanitizer report"
load_wrk "$tmp/wrk.out" "$nginx_url" "$secs"
n=0
while kill -0 "$wrk_pid" 2>/dev/null; do
	n=$((n + 1))
	kill -HUP "$pid"
	sleep "0.$reload_ms"
done
load_wrk_wait "$tmp/wrk.out" || w_errors=unknown
got=$(grep -c "reloaded $config: " "$log" || true)
reports=$(tsan_reports "$log")
min=$((secs * 2))
echo "     $n SIGHUPs, $got 'reloaded' lines; $(load_wrk_summary)"
if [ "$w_errors" = 0 ] && [ "$w_requests" -gt 0 ] && [ "$n" -ge "$min" ] &&
	[ $((got * 2)) -ge "$n" ] && [ "$reports" = 0 ]; then
	ok "$name"
else
	not_ok "$name" "$(load_wrk_summary)" \
		"'reloaded' lines: $got for $n signals (want >= $min signals, half of them reloaded)" \
		"$reports ThreadSanitizer reports: $(grep -A 12 'WARNING: ThreadSanitizer' "$log" | head -n 40)" \
		"by endpoint: $(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')"
fi
load_nginx_stop

name="SIGTERM after the load -> exit 0, 'exiting' logged, no ThreadSanitizer report"
rc=0
kill -TERM "$pid"
wait "$pid" || rc=$?
reports=$(tsan_reports "$log")
if [ "$rc" = 0 ] && [ "$reports" = 0 ] && grep -q ': exiting$' "$log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc, $reports reports" \
		"$(grep -A 30 'WARNING: ThreadSanitizer' "$log" | head -n 60)" \
		"$(tail -n 3 "$log")"
fi

finish
