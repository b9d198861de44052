#!/usr/bin/env bash
# Load tests: operators can load, reload, restart and scale out the
# responder without failed requests.  wrk drives real nginx (TLS on
# loopback, one worker, the shipped snippets) in front of the responder
# under spawn-fcgi, with the four endpoints mixed (tests/load/mixed.lua).
#
# Usage: bash tests/load/run.sh BUILD_DIR [ASAN_BUILD_DIR]   (as root)
#
#   1 bounded load: 256 connections for MAC_LOAD_SECS (30) s: no socket
#     error, no non-2xx, resident memory flat after a 5 s warm-up
#   2 SIGHUP under load: >= 100 reloads, a broken file, a 100,000-domain
#     domains-file
#   3 the shipped systemd unit under the real systemd (booted in private
#     namespaces, tests/load/sd-ns.sh): kill -9 under load, time until
#     requests succeed again; systemctl reload and stop
#   4 two responders (unix socket and TCP) in one upstream: kill -9 and
#     SIGTERM one of them under load
#   5 with ASAN_BUILD_DIR (a -DMAC_SANITIZE=ON build): case 1 against that
#     build, then SIGTERM: exit 0 and no sanitizer report
#   6 connection churn: the responder on its own socket (-s unix:PATH),
#     nginx with "keepalive 16", so it opens a connection for most
#     requests, 256 connections and a SIGHUP every 100 ms for 10 s: no
#     socket error, no non-2xx, no failed connect() in nginx's log
#
# BUILD_DIR should be a release-like build (RelWithDebInfo).  Prints
# "ok   NAME" or "FAIL NAME" per check and "load: N passed, M failed"
# last; exits non-zero if anything failed.  MAC_LOAD_CASES="1 4" runs
# only those cases, MAC_LOAD_CONNS sets wrk's connections (256),
# MAC_LOAD_KEEP=1 keeps the temporary directory, MAC_LOAD_UNIT=FILE tries
# another unit file in case 3.  About 4 minutes at the defaults.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR [ASAN_BUILD_DIR]}
asan_build=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
# shellcheck source=tests/load/common.sh
. "$root/tests/load/common.sh"
report_prefix="load: "
bin=$(cd "$build" && pwd)/mailautoconf-fcgi

secs=${MAC_LOAD_SECS:-30}
cases=${MAC_LOAD_CASES:-1 2 3 4 5 6}
# Resident-set growth allowed between the end of the warm-up and the end
# of case 1: a leak of even 10 bytes a request would pass 2 MiB well
# within 30 s at the rates seen here (tens of thousands a second).
rss_growth_max_kib=2048
warmup=5
reloads_min=100
big_domains=100000
# Longest acceptable time from kill -9 to the next 200 (RestartSec=1).
recover_max_ms=5000
# As deployed: etc/mailautoconf.default's MAILAUTOCONF_THREADS.
threads=$(sed -n 's/^MAILAUTOCONF_THREADS=\([0-9]*\)$/\1/p' \
	"$root/etc/mailautoconf.default")

tmp=$(mktemp -d /tmp/mailautoconf-load.XXXXXX)
chmod 0755 "$tmp"
kill_list=()
setup_logs=()
nginx_pid='' resp_pid='' wrk_pid=''
sd_unshare='' sd_pid='' sd_cgroup=''

trap load_teardown EXIT
trap 'exit 130' INT TERM

[ -x "$bin" ] || setup_fail "no executable $bin"
[ "$(id -u)" = 0 ] || setup_fail "run as root (nginx user, spawn-fcgi ids, namespaces)"
for tool in nginx spawn-fcgi wrk openssl curl python3; do
	command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
done
[ -n "$threads" ] || setup_fail "no MAILAUTOCONF_THREADS in etc/mailautoconf.default"

want() { [[ " $cases " == *" $1 "* ]]; }

mkdir -p "$tmp/conf"
config=$tmp/conf/mailautoconf.ini
cp "$root/tests/e2e/extra.ini" "$config"
chmod 0644 "$config"
load_cert || setup_fail "openssl could not make a certificate"

# Write CONFIG with example.com's display-name set to NAME, atomically
# (a reload never reads half a file).  Extra lines for that provider
# follow its "domains =" line.
write_config() { # name [extra-line...]
	local name=$1 extra=''
	shift
	for l; do
		extra+="\\n$l"
	done
	sed -e "s/^display-name = E2E Example Com$/display-name = $name/" \
		-e "s/^domains = example.com$/domains = example.com$extra/" \
		"$root/tests/e2e/extra.ini" >"$config.new"
	chmod 0644 "$config.new"
	mv "$config.new" "$config"
}

count() { # pattern file: matching lines
	grep -c -- "$1" "$2" || true
}

# ---- 1: bounded load -------------------------------------------------------

# Run wrk for SECS against the responder RPID, sampling its resident set
# after the warm-up and at the end.  Sets rss0 and rss1.
load_and_rss() { # out secs rpid
	load_wrk "$1" "$nginx_url" "$2"
	sleep "$warmup"
	rss0=$(load_rss "$3")
	load_wrk_wait "$1" || return
	rss1=$(load_rss "$3")
}

case1() { # label bin log: bounded load against BIN; leaves it running
	local label=$1 b=$2 log=$3 grow name
	name="$label: $secs s of mixed endpoints at ${MAC_LOAD_CONNS:-256} connections -> no socket error, no non-2xx"
	if ! load_and_rss "$tmp/wrk-$label.out" "$secs" "$resp_pid"; then
		not_ok "$name" "wrk printed no result: $(tail -n 5 "$tmp/wrk-$label.out")"
		return
	fi
	echo "     $(load_wrk_summary)"
	if [ "$w_errors" = 0 ] && [ "$w_requests" -gt 0 ]; then
		ok "$name"
	else
		not_ok "$name" "$(load_wrk_summary)" \
			"by endpoint: $(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')" \
			"nginx: $(tail -n 3 "$nginx_dir/error.log" | tr '\n' '|')" \
			"responder: $(tail -n 3 "$log" | tr '\n' '|')"
	fi
	[ "$label" = asan ] && return
	grow=$((rss1 - rss0))
	name="$label: resident memory flat after the ${warmup} s warm-up (growth < $rss_growth_max_kib KiB)"
	echo "     VmRSS after warm-up $rss0 KiB, at the end $rss1 KiB, growth $grow KiB"
	if [ "$grow" -lt "$rss_growth_max_kib" ]; then
		ok "$name"
	else
		not_ok "$name" "VmRSS $rss0 KiB -> $rss1 KiB"
	fi
}

start_pair() { # label bin: the responder on a unix socket, nginx before it
	local label=$1 b=$2
	load_responder "unix:$tmp/$label.sock" "$config" "$threads" \
		"$tmp/responder-$label.log" "$b" ||
		setup_fail "$label: the responder did not start: $(cat "$tmp/responder-$label.log")"
	load_upstream "$tmp/upstream-$label.conf" "unix:$tmp/$label.sock" ||
		setup_fail "no server line in nginx/mailautoconf-upstream.conf"
	nginx_dir=$tmp/nginx-$label
	load_nginx "$nginx_dir" "$tmp/upstream-$label.conf" ||
		setup_fail "nginx did not start: $(cat "$nginx_dir/error.log")"
}

stop_pair() {
	load_nginx_stop
	if [ -n "$resp_pid" ]; then
		kill -TERM "$resp_pid" 2>/dev/null || true
		wait "$resp_pid" 2>/dev/null || true
		resp_pid=
	fi
}

if want 1 || want 2; then
	echo "== 1: bounded load (release build, -n $threads as etc/mailautoconf.default sets it)"
	start_pair load "$bin"
	if want 1; then
		case1 load "$bin" "$tmp/responder-load.log"
	fi
fi

# ---- 2: reload under load --------------------------------------------------

if want 2; then
	echo "== 2: SIGHUP under load"
	log=$tmp/responder-load.log
	reloaded="reloaded $config: "

	# As many reloads as it takes (at least reloads_min, for at least
	# 20 s), each a new file, one every 100 ms; each waits for its
	# "reloaded" line, so no two signals merge into one.
	base=$(count "$reloaded" "$log")
	load_wrk "$tmp/wrk-reload.out" "$nginx_url" 120
	n=0 last='' lost=0
	start=$SECONDS
	while [ "$n" -lt "$reloads_min" ] || [ $((SECONDS - start)) -lt 20 ]; do
		n=$((n + 1))
		last="Load Name $((n % 2 ? 1 : 2)) $n"
		write_config "$last"
		kill -HUP "$resp_pid"
		tries=500
		while [ "$(count "$reloaded" "$log")" -lt $((base + n)) ]; do
			tries=$((tries - 1))
			if [ "$tries" = 0 ]; then
				lost=$((lost + 1))
				break
			fi
			sleep 0.01
		done
		sleep 0.1
		[ "$n" -lt 1000 ] || break
	done
	kill -INT "$wrk_pid" 2>/dev/null || true
	load_wrk_wait "$tmp/wrk-reload.out" || w_errors=unknown
	got=$(($(count "$reloaded" "$log") - base))
	served=$(load_display_name)
	echo "     $n reloads in $((SECONDS - start)) s; $(load_wrk_summary)"
	name="$n SIGHUPs with a new file every 100 ms under load -> no failed request, $n 'reloaded' lines, the last name served"
	if [ "$w_errors" = 0 ] && [ "$got" = "$n" ] && [ "$served" = "$last" ] &&
		[ "$n" -ge "$reloads_min" ]; then
		ok "$name"
	else
		not_ok "$name" "$(load_wrk_summary)" \
			"'reloaded' lines: $got for $n signals ($lost waited for in vain)" \
			"served '$served', last written '$last'" \
			"by endpoint: $(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')"
	fi

	# A broken file: the line number is where the bad key lands.
	name="SIGHUP with a broken file under load -> no failed request, 'reload failed: FILE:LINE: reason', old name still served"
	good=$last
	write_config "$good" "no-such-key = 1"
	bad_line=$(grep -n '^no-such-key = 1$' "$config" | cut -d: -f1)
	load_wrk "$tmp/wrk-broken.out" "$nginx_url" 6
	sleep 2
	kill -HUP "$resp_pid"
	want_line="reload failed: $config:$bad_line: .*; keeping the old configuration"
	wait_for 5 grep -q "$want_line" "$log" || true
	served=$(load_display_name)
	load_wrk_wait "$tmp/wrk-broken.out" || w_errors=unknown
	echo "     $(load_wrk_summary)"
	if [ "$w_errors" = 0 ] && grep -q "$want_line" "$log" &&
		[ "$served" = "$good" ]; then
		echo "     $(grep "reload failed: " "$log" | tail -n 1)"
		ok "$name"
	else
		not_ok "$name" "$(load_wrk_summary)" "served '$served', want '$good'" \
			"log: $(tail -n 3 "$log" | tr '\n' '|')"
	fi

	# 100,000 domains in a domains-file.
	name="SIGHUP to a $big_domains-domain domains-file under load -> no failed request, the new domains served"
	awk -v n="$big_domains" 'BEGIN {
		print "# generated by tests/load/run.sh"
		for (i = 1; i <= n; i++) printf "d%06d.example\n", i
	}' >"$tmp/conf/big-domains.txt"
	chmod 0644 "$tmp/conf/big-domains.txt"
	write_config "Load Big" "domains-file = big-domains.txt"
	want_line="${reloaded}2 providers, $((big_domains + 3)) domains"
	load_wrk "$tmp/wrk-big.out" "$nginx_url" 10
	sleep 3
	rss_before=$(load_rss "$resp_pid")
	t0=$(date +%s%N)
	kill -HUP "$resp_pid"
	wait_for 20 grep -q "$want_line" "$log" || true
	t1=$(date +%s%N)
	load_wrk_wait "$tmp/wrk-big.out" || w_errors=unknown
	rss_after=$(load_rss "$resp_pid")
	code=$(curl -sk --max-time 10 -o "$tmp/big.xml" -w '%{http_code}' \
		-H 'Host: autoconfig.example.com' \
		"$nginx_url/mail/config-v1.1.xml?emailaddress=x%40d$(printf %06d "$big_domains").example") || true
	echo "     reload logged $(((t1 - t0) / 1000000)) ms after SIGHUP; VmRSS $rss_before -> $rss_after KiB"
	echo "     $(load_wrk_summary)"
	echo "     p99 latency during the $big_domains-domain reload: $w_p99 ms"
	if [ "$w_errors" = 0 ] && grep -q "$want_line" "$log" && [ "$code" = 200 ] &&
		grep -q '<displayName>Load Big</displayName>' "$tmp/big.xml"; then
		ok "$name"
	else
		not_ok "$name" "$(load_wrk_summary)" "last domain: HTTP $code" \
			"log: $(tail -n 3 "$log" | tr '\n' '|')"
	fi
	write_config "E2E Example Com"
fi
if want 1 || want 2; then
	stop_pair
fi

# ---- 3: the systemd unit brings a killed responder back ---------------------

# The first 200 from nginx_url after now, polled every 10 ms; prints the
# milliseconds it took, or fails after SECS.
time_to_200() { # secs
	local t0 t1 deadline code
	t0=$(date +%s%N)
	deadline=$((t0 + $1 * 1000000000))
	while :; do
		code=$(curl -sk --max-time 1 -o /dev/null -w '%{http_code}' \
			-H 'Host: autoconfig.example.com' \
			"$nginx_url/mail/config-v1.1.xml?emailaddress=alice%40example.com") || true
		t1=$(date +%s%N)
		if [ "$code" = 200 ]; then
			echo $(((t1 - t0) / 1000000))
			return 0
		fi
		[ "$t1" -lt "$deadline" ] || return 1
		sleep 0.01
	done
}

# The responder's log in the journal: with a broken file, SIGHUP (not
# systemctl reload, whose -t would refuse to send it) makes the responder
# log "reload failed", which journalctl -p err shows under the unit's
# SyslogIdentifier, as journald stamped it: no time or tag of its own.
sd_journal_check() {
	local name main msgs errs
	local ini=/etc/mailautoconf/mailautoconf.ini
	name="journald: a failed reload -> 'journalctl -t mailautoconf -p err' shows 'reload failed', without our own time or tag; info lines are not errors"
	main=$(sd systemctl show -p MainPID --value mailautoconf)
	sd cp "$ini" "$ini.good"
	sd sh -c "printf 'no-such-key = 1\n' >>$ini"
	sd kill -HUP "$main"
	wait_for 5 sh -c "nsenter -t $sd_pid -m -p journalctl --no-pager -o cat \
		-t mailautoconf -p err | grep -q '^reload failed: '" || true
	sd mv "$ini.good" "$ini"
	errs=$(sd journalctl --no-pager -o cat -t mailautoconf -p err 2>&1)
	msgs=$(sd journalctl --no-pager -o cat -t mailautoconf -p info 2>&1)
	echo "     journalctl -t mailautoconf -p err -o cat: $(printf '%s' "$errs" | grep '^reload failed: ' | head -n 1)"
	if printf '%s\n' "$errs" | grep -q "^reload failed: $ini:[0-9]*: .*; keeping the old configuration$" &&
		! printf '%s\n' "$errs" | grep -Eq '^(started|reloaded|exiting)' &&
		printf '%s\n' "$msgs" | grep -q '^started: ' &&
		printf '%s\n' "$msgs" | grep -q '^reloaded ' &&
		! printf '%s\n' "$msgs" | grep -Eq '^<[0-7]>|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]*Z|mailautoconf-fcgi\['; then
		ok "$name"
	else
		not_ok "$name" "-p err: $(printf '%s' "$errs" | tail -n 3 | tr '\n' '|')" \
			"-p info: $(printf '%s' "$msgs" | tail -n 4 | tr '\n' '|')"
	fi
}

if want 3; then
	echo "== 3: kill -9 under load; the unit's Restart=on-failure brings it back"
	if sd_boot "${MAC_LOAD_UNIT:-$(dirname "$bin")/mailautoconf.service}" load \
		>"$tmp/sd-why.txt"; then
		echo "     systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is PID 1 of a private PID namespace; the shipped unit, unmodified, is active"
		ok "systemd boots with the shipped etc/mailautoconf.service installed as README.md says; the unit is active"
		nginx_dir=$tmp/nginx-sd
		load_upstream "$tmp/upstream-sd.conf" "unix:$mac_shipped_sock"
		load_nginx "$nginx_dir" "$tmp/upstream-sd.conf" "" -- \
			nsenter -t "$sd_pid" -m ||
			setup_fail "nginx did not start: $(cat "$nginx_dir/error.log")"
		main0=$(sd systemctl show -p MainPID --value mailautoconf)
		restarts0=$(sd systemctl show -p NRestarts --value mailautoconf)
		load_wrk "$tmp/wrk-sd.out" "$nginx_url" 10
		sleep 3
		sd kill -KILL "$main0"
		ms=$(time_to_200 10) || ms=
		load_wrk_wait "$tmp/wrk-sd.out" || true
		main1=$(sd systemctl show -p MainPID --value mailautoconf)
		restarts1=$(sd systemctl show -p NRestarts --value mailautoconf)
		echo "     recovery: first 200 ${ms:-never} ms after kill -9 of MainPID $main0; MainPID now $main1, NRestarts $restarts0 -> $restarts1"
		echo "     during it: $(load_wrk_summary)"
		echo "     failed requests by endpoint: $(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')"
		name="kill -9 of the responder under load -> systemd restarts it, requests succeed again within $recover_max_ms ms"
		if [ -n "$ms" ] && [ "$ms" -le "$recover_max_ms" ] &&
			[ "$restarts1" = $((restarts0 + 1)) ] && [ "$main1" != "$main0" ] &&
			[ "$main1" != 0 ]; then
			ok "$name"
		else
			not_ok "$name" "recovery ${ms:-none} ms, NRestarts $restarts0 -> $restarts1, MainPID $main0 -> $main1" \
				"$(sd journalctl --no-pager -n 15 -u mailautoconf 2>&1 | tr '\n' '|')"
		fi

		name="systemctl reload under load -> ExecReload's -t, then SIGHUP: 'reloaded' in the journal, no failed request"
		load_wrk "$tmp/wrk-sd-reload.out" "$nginx_url" 4
		sleep 1
		rc=0
		sd systemctl reload mailautoconf >"$tmp/sd-reload.log" 2>&1 || rc=$?
		sleep 0.5
		load_wrk_wait "$tmp/wrk-sd-reload.out" || w_errors=unknown
		if [ "$rc" = 0 ] && [ "$w_errors" = 0 ] &&
			sd journalctl --no-pager -u mailautoconf | grep -q 'reloaded /etc/mailautoconf/mailautoconf.ini: '; then
			ok "$name"
		else
			not_ok "$name" "systemctl reload: exit $rc $(head -n 1 "$tmp/sd-reload.log")" \
				"$(load_wrk_summary)" \
				"$(sd journalctl --no-pager -n 8 -u mailautoconf 2>&1 | sed 's/^[A-Z][a-z][a-z] [0-9]* [0-9:]* //' | tr '\n' '|')" \
				"(/bin/kill runs as root without CAP_KILL, which CapabilityBoundingSet leaves out, so it may not signal the responder's other uid)"
		fi

		sd_journal_check

		name="systemctl stop -> the responder exits 0 on SIGTERM, the unit is inactive, not failed"
		rc=0
		sd systemctl stop mailautoconf >"$tmp/sd-stop.log" 2>&1 || rc=$?
		state=$(sd systemctl show -p ActiveState -p Result -p ExecMainStatus mailautoconf | tr '\n' ' ')
		if [ "$rc" = 0 ] && [ "$state" = "Result=success ExecMainStatus=0 ActiveState=inactive " ]; then
			ok "$name"
		else
			not_ok "$name" "exit $rc: $state" "$(cat "$tmp/sd-stop.log")"
		fi
		load_nginx_stop
	else
		not_ok "systemd could not run here, so the unit's restart was not tested" "$(cat "$tmp/sd-why.txt")"
	fi
fi

# ---- 4: two responders in one upstream -------------------------------------

# Two responders with the same file, one on a unix socket, one on TCP,
# both in the one upstream block; nginx uses SNIPPET if given.  Then wrk
# for SECS, SIGNAL to the unix-socket one half way.
scale_run() { # label signal secs [snippet]
	local label=$1 sig=$2 s=$3 snippet=${4:-} port pid_a pid_b
	port=$(load_ports 1)
	load_responder "unix:$tmp/$label-a.sock" "$config" "$threads" \
		"$tmp/responder-$label-a.log" "$bin" ||
		setup_fail "responder A did not start"
	pid_a=$resp_pid
	load_responder "$port" "$config" "$threads" \
		"$tmp/responder-$label-b.log" "$bin" ||
		setup_fail "responder B did not start"
	pid_b=$resp_pid
	load_upstream "$tmp/upstream-$label.conf" "unix:$tmp/$label-a.sock" \
		"127.0.0.1:$port"
	nginx_dir=$tmp/nginx-$label
	load_nginx "$nginx_dir" "$tmp/upstream-$label.conf" "$snippet" ||
		setup_fail "nginx did not start: $(cat "$nginx_dir/error.log")"
	load_wrk "$tmp/wrk-$label.out" "$nginx_url" "$s"
	sleep $((s / 2))
	kill "-$sig" "$pid_a"
	scale_rc=0
	wait "$pid_a" 2>/dev/null || scale_rc=$?
	load_wrk_wait "$tmp/wrk-$label.out" || w_errors=unknown
	scale_bad=$(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')
	scale_errlog=$(grep -E 'upstream|connect\(\)' "$nginx_dir/error.log" |
		sed 's/^[0-9/]* [0-9:]* //; s/[0-9]*#[0-9]*: \*[0-9]* //; s/, client:.*//' |
		sort | uniq -c | sort -rn | head -n 4 | sed 's/^ *//' | tr '\n' '|')
	echo "     responder A (unix socket) got SIG$sig after $((s / 2)) s and exited with status $scale_rc"
	echo "     $(load_wrk_summary)"
	echo "     failed by endpoint: ${scale_bad:-none}"
	echo "     nginx error.log: ${scale_errlog:-nothing}"
	load_nginx_stop
	kill -TERM "$pid_b" 2>/dev/null || true
	wait "$pid_b" 2>/dev/null || true
	resp_pid=
}

if want 4; then
	echo "== 4: scale-out, two responders in one upstream block"
	s4=$((secs < 15 ? secs : 15))
	name="kill -9 one of two responders under load -> no failed request (nginx retries on the other)"
	scale_run kill KILL "$s4"
	if [ "$w_errors" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "$(load_wrk_summary)" "failed: $scale_bad" \
			"without 'non_idempotent' in fastcgi_next_upstream (nginx/mailautoconf-locations.conf), nginx never retries a POST it has sent: the Autodiscover POSTs on the killed responder's connections fail"
	fi

	name="SIGTERM one of two responders under load -> it exits 0, no failed request"
	scale_run term TERM "$s4"
	if [ "$w_errors" = 0 ] && [ "$scale_rc" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "exit $scale_rc; $(load_wrk_summary)" "failed: $scale_bad" \
			"nginx error.log: $scale_errlog"
	fi
fi

# ---- 5: the sanitizer build under load --------------------------------------

if want 5; then
	if [ -z "$asan_build" ]; then
		echo "skip 5: no ASAN_BUILD_DIR given"
	else
		echo "== 5: ASan and LeakSanitizer build under load, then SIGTERM"
		abin=$(cd "$asan_build" && pwd)/mailautoconf-fcgi
		[ -x "$abin" ] || setup_fail "no executable $abin"
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		start_pair asan "$abin"
		case1 asan "$abin" "$tmp/responder-asan.log"
		load_nginx_stop
		rc=0
		kill -TERM "$resp_pid"
		wait "$resp_pid" || rc=$?
		resp_pid=
		name="asan: SIGTERM after the load -> exit 0, no AddressSanitizer or LeakSanitizer report"
		if [ "$rc" = 0 ] && ! grep -Eq 'Sanitizer|runtime error' "$tmp/responder-asan.log" &&
			grep -q ': exiting$' "$tmp/responder-asan.log"; then
			ok "$name"
		else
			not_ok "$name" "exit $rc" "$(grep -E -A 12 'Sanitizer|runtime error' "$tmp/responder-asan.log" | head -n 30)" \
				"$(tail -n 3 "$tmp/responder-asan.log")"
		fi
	fi
fi

# ---- 6: connection churn ----------------------------------------------------

# The upstream keepalive for case 6: far below wrk's connections, so
# nginx closes most connections after one request and opens new ones.
churn_keepalive=16
churn_secs=$((secs < 10 ? secs : 10))
churn_reloads_min=$((churn_secs * 5)) # one every 100 ms, at least half

# The responder listens itself (-s unix:PATH, its own backlog: -b's
# default), as root here, its socket's group www-data for nginx's
# workers; nginx keeps churn_keepalive idle connections.  wrk for
# churn_secs with a SIGHUP every 100 ms meanwhile (the file is the same:
# writing a new one each time would take longer than 100 ms on a busy
# machine; case 2 checks that new files are served).
churn_run() {
	local log=$tmp/responder-churn.log sock=$tmp/churn.sock
	local pid n=0 got reloaded="reloaded $config: " name connect_failed
	name="churn: -s unix:PATH, nginx keepalive $churn_keepalive, ${MAC_LOAD_CONNS:-256} connections, SIGHUP every 100 ms for $churn_secs s -> no socket error, no non-2xx, no failed connect()"
	write_config "E2E Example Com"
	"$bin" -c "$config" -n "$threads" -s "unix:$sock" 2>"$log" &
	pid=$!
	kill_list+=("$pid")
	wait_for 20 grep -q 'started: ' "$log" ||
		setup_fail "churn: the responder did not start: $(cat "$log")"
	if [ "$(id -u)" = 0 ]; then
		chgrp www-data "$sock"
	fi
	load_upstream "$tmp/upstream-churn.conf" "unix:$sock" ||
		setup_fail "no server line in nginx/mailautoconf-upstream.conf"
	sed -i "s/^\([[:space:]]*keepalive\) [0-9]*;/\1 $churn_keepalive;/" \
		"$tmp/upstream-churn.conf"
	grep -q "keepalive $churn_keepalive;" "$tmp/upstream-churn.conf" ||
		setup_fail "no keepalive line in nginx/mailautoconf-upstream.conf"
	nginx_dir=$tmp/nginx-churn
	load_nginx "$nginx_dir" "$tmp/upstream-churn.conf" ||
		setup_fail "nginx did not start: $(cat "$nginx_dir/error.log")"
	echo "     listen queue (ss Send-Q): $(ss -lxH 2>/dev/null |
		awk -v p="$sock" '$5 == p { print $4 }'), net.core.somaxconn $(cat /proc/sys/net/core/somaxconn)"
	load_wrk "$tmp/wrk-churn.out" "$nginx_url" "$churn_secs"
	while kill -0 "$wrk_pid" 2>/dev/null; do
		n=$((n + 1))
		kill -HUP "$pid"
		sleep 0.1
	done
	load_wrk_wait "$tmp/wrk-churn.out" || w_errors=unknown
	got=$(count "$reloaded" "$log")
	connect_failed=$(count 'connect() to ' "$nginx_dir/error.log")
	echo "     $n SIGHUPs, $got 'reloaded' lines; $(load_wrk_summary)"
	echo "     nginx: $connect_failed failed connect(), $(count 'Resource temporarily unavailable' "$nginx_dir/error.log") of them 'Resource temporarily unavailable'"
	if [ "$w_errors" = 0 ] && [ "$w_requests" -gt 0 ] &&
		[ "$connect_failed" = 0 ] && [ "$got" -ge "$churn_reloads_min" ]; then
		ok "$name"
	else
		not_ok "$name" "$(load_wrk_summary)" \
			"'reloaded' lines: $got for $n signals (want >= $churn_reloads_min)" \
			"by endpoint: $(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')" \
			"nginx: $(grep -E 'upstream|connect\(\)' "$nginx_dir/error.log" | tail -n 2 | tr '\n' '|')" \
			"responder: $(tail -n 3 "$log" | tr '\n' '|')"
	fi
	load_nginx_stop
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	write_config "E2E Example Com"
}

if want 6; then
	echo "== 6: connection churn (upstream keepalive $churn_keepalive) with reloads every 100 ms"
	churn_run
fi

finish
