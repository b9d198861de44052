# shellcheck shell=bash
# mailautoconf: reporting for the shell-driven tests (tests/e2e/run.sh,
# tests/clients/evolution/run.sh).  Source it from bash; it sets no shell
# options and runs nothing.
#
# Each case prints "ok   NAME" or "FAIL NAME" with indented details; the
# last line is "[PREFIX]N passed, M failed", and the exit status is
# non-zero if M > 0.  After sourcing, a script may set
#   report_prefix  put before the last line (e.g. "evolution: ")
#   setup_logs     files whose last lines setup_fail shows, when not empty
#   done_file      a file finish creates before it exits (so a parent can
#                  tell that the last line was printed)

pass=0
fail=0
report_prefix=
setup_logs=()
done_file=

ok() { # name
	pass=$((pass + 1))
	echo "ok   $1"
}

not_ok() { # name detail...
	fail=$((fail + 1))
	echo "FAIL $1"
	shift
	local line
	for line in "$@"; do
		echo "     $line"
	done
}

wait_for() { # seconds command...: poll every 0.1 s until command succeeds
	local tries=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# Print the last line and exit: 0 if nothing failed, 1 otherwise.
finish() {
	echo "$report_prefix$pass passed, $fail failed"
	if [ -n "$done_file" ]; then
		: >"$done_file"
	fi
	if [ "$fail" -eq 0 ]; then
		exit 0
	fi
	exit 1
}

# Setup failed: show why, report it as one failure and stop.
setup_fail() { # why...
	local f
	echo "setup failed: $*"
	for f in "${setup_logs[@]}"; do
		if [ -s "$f" ]; then
			echo "--- $f"
			tail -n 20 "$f"
		fi
	done
	fail=$((fail + 1))
	finish
}
