#!/usr/bin/env bash
# End to end, the command line: -s (unix and TCP, the socket removed on
# SIGTERM), -d (one log line per request), -b (the listen queue ss(8)
# shows, on its own socket and on spawn-fcgi's), -V, -h, an unknown
# option, -t on good, bad and shipped files, and the start-up line of the
# responder under spawn-fcgi with the default -n.  No nginx.
#
# Usage: bash tests/e2e/options.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e options: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" options
e2e_start_responder

# ---- -s: the responder binds its own socket --------------------------------

own_serve() { # name spec connect-target
	local name=$1 spec=$2 target=$3 pid line
	# Emptied here, not by the child's redirection, which may come after
	# wait_for has read the last run's 'started:'.
	: >"$tmp/own.log"
	"$bin" -c "$config" -s "$spec" 2>>"$tmp/own.log" &
	pid=$!
	if ! wait_for 10 grep -q 'started: ' "$tmp/own.log"; then
		kill "$pid" 2>/dev/null || true
		not_ok "$name" "no 'started:' line: $(cat "$tmp/own.log")"
		return
	fi
	line=$(python3 "$direct" one "$target" 2>&1) || true
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	case $line in
	"ok "*) ok "$name" ;;
	*) not_ok "$name" "$line" ;;
	esac
}
own_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
own_serve "-s unix:PATH -> binds the socket itself and answers 200" \
	"unix:$tmp/own.sock" "$tmp/own.sock"
name="-s unix:PATH -> socket removed on SIGTERM"
if [ -e "$tmp/own.sock" ]; then not_ok "$name" "$tmp/own.sock still exists"; else ok "$name"; fi

# -d logs each request with its address; without it no request is logged
# at all (e2e_finish checks the responder's log in every file).
name="-d -> one log line per request: method, route, status, address"
"$bin" -d -c "$config" -s "unix:$tmp/dbg.sock" 2>"$tmp/dbg.log" &
dbg_pid=$!
if wait_for 10 grep -q 'started: ' "$tmp/dbg.log"; then
	python3 "$direct" one "$tmp/dbg.sock" >/dev/null 2>&1 || true
fi
kill -TERM "$dbg_pid" 2>/dev/null || true
wait "$dbg_pid" 2>/dev/null || true
if grep -Eq ': request: GET autoconfig 200 alice@example\.com$' "$tmp/dbg.log"; then
	ok "$name"
else
	not_ok "$name" "$(tail -n 3 "$tmp/dbg.log")"
fi
own_serve "-s 127.0.0.1:PORT -> listens on TCP loopback and answers 200" \
	"127.0.0.1:$own_port" "tcp:127.0.0.1:$own_port"

# -b: the listening socket's backlog, as ss(8) shows it (Send-Q of a
# listening socket).  Default: the system's maximum.
backlog_of() { # unix:PATH | PORT
	case $1 in
	unix:*) ss -lxH | awk -v p="${1#unix:}" '$5 == p { print $4 }' ;;
	*) ss -ltnH "sport = :$1" | awk '{ print $3 }' ;;
	esac
}
backlog_run() { # where [option...]: start with options, print the backlog
	local where=$1 pid
	shift
	: >"$tmp/backlog.log" # as in own_serve
	"$@" 2>>"$tmp/backlog.log" &
	pid=$!
	wait_for 10 grep -q 'started: ' "$tmp/backlog.log" || true
	backlog_of "$where"
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
somaxconn=$(cat /proc/sys/net/core/somaxconn)
name="-b 64 -> a listen queue of 64 (unix, TCP, and spawn-fcgi's socket on fd 0, made with 1024); without -b, net.core.somaxconn ($somaxconn)"
if command -v ss >/dev/null; then
	b_def=$(backlog_run "unix:$tmp/bl.sock" "$bin" -c "$config" -s "unix:$tmp/bl.sock")
	b_unix=$(backlog_run "unix:$tmp/bl.sock" "$bin" -c "$config" -s "unix:$tmp/bl.sock" -b 64)
	b_tcp=$(backlog_run "$own_port" "$bin" -c "$config" -s "127.0.0.1:$own_port" -b 64)
	b_spawn=$(backlog_run "unix:$tmp/bl.sock" spawn-fcgi -n -s "$tmp/bl.sock" \
		"${spawn_ids[@]}" -- "$bin" -c "$config" -b 64)
	b_spawn_def=$(backlog_run "unix:$tmp/bl.sock" spawn-fcgi -n -s "$tmp/bl.sock" \
		"${spawn_ids[@]}" -- "$bin" -c "$config")
	if [ "$b_def" = "$somaxconn" ] && [ "$b_unix" = 64 ] && [ "$b_tcp" = 64 ] &&
		[ "$b_spawn" = 64 ] && [ "$b_spawn_def" = 1024 ]; then
		ok "$name"
	else
		not_ok "$name" "default '$b_def', unix '$b_unix', TCP '$b_tcp'," \
			"spawn-fcgi with -b 64 '$b_spawn', without '$b_spawn_def'"
	fi
else
	not_ok "$name" "ss is not installed (Debian: iproute2)"
fi
name="-b 0 and -b x -> 'wants 1..', exit 2"
rc1=0 rc2=0
"$bin" -b 0 -c "$config" -s "unix:$tmp/bl.sock" 2>"$tmp/b0.log" || rc1=$?
"$bin" -b x -c "$config" -s "unix:$tmp/bl.sock" 2>>"$tmp/b0.log" || rc2=$?
if [ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$(grep -c -- '-b wants 1\.\.' "$tmp/b0.log")" = 2 ]; then
	ok "$name"
else
	not_ok "$name" "exit $rc1 and $rc2" "$(cat "$tmp/b0.log")"
fi

name="-V -> version on stdout, exit 0"
if out=$("$bin" -V 2>&1) && printf '%s' "$out" | grep -q '[0-9]\.[0-9]'; then
	ok "$name"
else
	not_ok "$name" "got: $out"
fi
name="-h -> usage naming every option, exit 0"
if out=$("$bin" -h 2>&1) && for o in -b -c -t -s -n -d -V -h; do
	printf '%s' "$out" | grep -q -- "$o" || exit 1
done; then
	ok "$name"
else
	not_ok "$name" "got: $out"
fi
name="unknown option -> usage, non-zero exit"
if "$bin" -Q >"$tmp/badopt.log" 2>&1; then
	not_ok "$name" "exit 0"
else
	ok "$name"
fi

# ---- -t ---------------------------------------------------------------------

e2e_broken_ini

name="-t on a good file -> exit 0, 'test is successful'"
if "$bin" -t -c "$config" 2>"$tmp/t-good.log" &&
	grep -q "configuration file $config test is successful" "$tmp/t-good.log"; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/t-good.log")"
fi

name="-t on a bad file -> exit 1, '[emerg] file:line: reason', 'test failed'"
rc=0
"$bin" -t -c "$tmp/conf/broken.ini" 2>"$tmp/t-bad.log" || rc=$?
if [ "$rc" = 1 ] &&
	grep -q "\[emerg\] $tmp/conf/broken.ini:3: " "$tmp/t-bad.log" &&
	grep -q "configuration file $tmp/conf/broken.ini test failed" "$tmp/t-bad.log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$(cat "$tmp/t-bad.log")"
fi

name="-t on the shipped etc/mailautoconf.ini -> exit 0"
if [ ! -f "$root/etc/mailautoconf.ini" ]; then
	not_ok "$name" "etc/mailautoconf.ini does not exist"
elif "$bin" -t -c "$root/etc/mailautoconf.ini" 2>"$tmp/t-shipped.log"; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/t-shipped.log")"
fi

auto_threads=$((2 * $(getconf _NPROCESSORS_ONLN)))
name="startup logs 'started: FILE, 2 providers, 3 domains, $auto_threads threads' (default -n: 2 per CPU)"
if grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z mailautoconf-fcgi\[$resp_pid\]: started: $config, 2 providers, 3 domains, $auto_threads threads$" \
	"$resp_log"; then
	ok "$name"
else
	not_ok "$name" "$(head -n 3 "$resp_log")"
fi

e2e_finish
