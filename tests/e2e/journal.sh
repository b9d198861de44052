#!/usr/bin/env bash
# End to end, logging to the journal: with JOURNAL_STREAM naming its
# standard error the responder writes "<PRIORITY>message" lines (info,
# debug, warning, error; also under -t), and the usual time-stamped lines
# when JOURNAL_STREAM names another file.  No nginx.
#
# Usage: bash tests/e2e/journal.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e journal: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" journal
e2e_broken_ini

# systemd sets JOURNAL_STREAM to "DEV:INODE" of the service's stderr; a
# file with that device and inode stands in for the journal's stream.
# Then every line is "<PRIORITY>message" (sd-daemon(3)): no time, no tag.
journal_stream() { # file: its "DEV:INODE", as systemd writes it
	stat -c '%d:%i' "$1"
}
jconf=$tmp/conf/journal.ini
cp "$config" "$jconf"
: >"$tmp/journal.log"
js=$(journal_stream "$tmp/journal.log")
name="JOURNAL_STREAM = stderr's DEV:INODE -> '<6>' info, '<7>' -d, '<4>' warning, '<3>' error; no time or tag"
JOURNAL_STREAM=$js \
	"$bin" -d -c "$jconf" -s "unix:$tmp/journal.sock" 2>>"$tmp/journal.log" &
j_pid=$!
if wait_for 10 grep -q '^<6>started: ' "$tmp/journal.log"; then
	python3 "$direct" one "$tmp/journal.sock" >/dev/null 2>&1 || true
	# FastCGI version 2: closed as a protocol violation, a warning.
	python3 "$direct" badversion "$tmp/journal.sock" >/dev/null 2>&1 || true
	wait_for 5 grep -q '^<4>bad connection closed: ' "$tmp/journal.log" || true
	cp "$tmp/conf/broken.ini" "$jconf"
	kill -HUP "$j_pid"
	wait_for 5 grep -q '^<3>reload failed: ' "$tmp/journal.log" || true
fi
kill -TERM "$j_pid" 2>/dev/null || true
wait "$j_pid" 2>/dev/null || true
if grep -qx "<6>started: $jconf, 2 providers, 3 domains, [0-9]* threads" "$tmp/journal.log" &&
	grep -qx '<7>request: GET autoconfig 200 alice@example.com' "$tmp/journal.log" &&
	grep -qx '<4>bad connection closed: unsupported FastCGI version' "$tmp/journal.log" &&
	grep -qx "<3>reload failed: $jconf:3: .*; keeping the old configuration" "$tmp/journal.log" &&
	grep -qx '<6>exiting' "$tmp/journal.log" &&
	! grep -qv '^<[3467]>[^<]' "$tmp/journal.log" &&
	! grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2}T|mailautoconf-fcgi' "$tmp/journal.log"; then
	ok "$name"
else
	not_ok "$name" "$(head -n 8 "$tmp/journal.log")"
fi

name="-t with JOURNAL_STREAM = stderr -> '<3>[emerg] FILE:LINE: reason', '<3>... test failed'; '<6>' when good"
: >"$tmp/journal-t.log"
js=$(journal_stream "$tmp/journal-t.log")
rc=0
JOURNAL_STREAM=$js \
	"$bin" -t -c "$tmp/conf/broken.ini" 2>>"$tmp/journal-t.log" || rc=$?
JOURNAL_STREAM=$js \
	"$bin" -t -c "$config" 2>>"$tmp/journal-t.log" || rc=$((rc + 10))
if [ "$rc" = 1 ] &&
	grep -q "^<3>\[emerg\] $tmp/conf/broken.ini:3: " "$tmp/journal-t.log" &&
	grep -qx "<3>configuration file $tmp/conf/broken.ini test failed" "$tmp/journal-t.log" &&
	grep -qx "<6>configuration file $config test is successful" "$tmp/journal-t.log" &&
	! grep -q 'mailautoconf-fcgi' "$tmp/journal-t.log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$(cat "$tmp/journal-t.log")"
fi

# Inherited by a process whose standard error is elsewhere: not ours.
name="JOURNAL_STREAM naming another file -> the usual 'TIME mailautoconf-fcgi[PID]: ' lines, no priority"
cp "$config" "$jconf"
: >"$tmp/journal-other.log"
: >"$tmp/not-journal.log"
js=$(journal_stream "$tmp/journal-other.log")
JOURNAL_STREAM=$js \
	"$bin" -c "$jconf" -s "unix:$tmp/journal.sock" 2>>"$tmp/not-journal.log" &
j_pid=$!
wait_for 10 grep -q 'started: ' "$tmp/not-journal.log" || true
kill -TERM "$j_pid" 2>/dev/null || true
wait "$j_pid" 2>/dev/null || true
stamp="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z mailautoconf-fcgi\[$j_pid\]: "
if grep -Eqx "${stamp}started: $jconf, 2 providers, 3 domains, [0-9]+ threads" "$tmp/not-journal.log" &&
	grep -Eqx "${stamp}exiting" "$tmp/not-journal.log" &&
	! grep -Eqv "^$stamp" "$tmp/not-journal.log" && [ ! -s "$tmp/journal-other.log" ]; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/not-journal.log")"
fi

e2e_finish
