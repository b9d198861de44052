#!/usr/bin/env bash
# End to end, signals while serving through nginx: SIGHUP with a changed
# file (the new answer is served) and with a broken one (the old
# configuration is kept, FILE:LINE logged), SIGUSR1 (ignored: requests
# and new connections are still answered), and no request logged
# without -d.
#
# Usage: bash tests/e2e/reload.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e reload: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" reload
e2e_broken_ini
e2e_start_responder
e2e_start_nginx

# Sets shown to the displayName the running responder serves for
# example.com, and status (not in a subshell, so status is this answer's).
display_name() {
	fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=alice%40example.com" - -
	shown=$(sed -n 's/.*<displayName>\(.*\)<\/displayName>.*/\1/p' "$body" | head -n 1)
}

name="SIGHUP with a changed display-name -> new name served, 'reloaded' logged"
sed 's/^display-name = E2E Example Com$/display-name = E2E Example Com Reloaded/' \
	"$root/tests/e2e/extra.ini" >"$config.new"
chmod 0644 "$config.new"
mv "$config.new" "$config"
display_name
before=$shown
kill -HUP "$resp_pid"
wait_for 5 grep -q "reloaded $config: 2 providers, 3 domains" "$resp_log" || true
display_name
after=$shown
if [ "$before" = "E2E Example Com" ] && [ "$after" = "E2E Example Com Reloaded" ] &&
	grep -q "reloaded $config: 2 providers, 3 domains" "$resp_log"; then
	ok "$name"
else
	not_ok "$name" "before '$before', after '$after'" "$(tail -n 3 "$resp_log")"
fi

name="SIGHUP with a broken file -> old configuration kept, file:line logged"
cp "$config" "$tmp/conf/good.ini"
cp "$tmp/conf/broken.ini" "$config"
kill -HUP "$resp_pid"
want="reload failed: $config:3: .*; keeping the old configuration"
wait_for 5 grep -q "$want" "$resp_log" || true
display_name
after=$shown
if grep -q "$want" "$resp_log" && [ "$after" = "E2E Example Com Reloaded" ] &&
	[ "$status" = 200 ]; then
	ok "$name"
else
	not_ok "$name" "served '$after' ($status)" "$(tail -n 3 "$resp_log")"
fi
cp "$tmp/conf/good.ini" "$config"

name="SIGUSR1 -> ignored, requests still answered (libfcgi's handler would stop accepting)"
# An ignored signal is dropped when it is sent, a handled one stays
# pending until a thread takes it: wait until none is pending.
kill -USR1 "$resp_pid"
wait_for 5 grep -Eq '^ShdPnd:[[:space:]]*0+$' "/proc/$resp_pid/status" || true
codes=
for i in 1 2 3; do
	fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=u$i%40example.com" - -
	codes="$codes$status "
done
# A fresh connection must be accepted too: the direct client opens one.
if [ "$codes" = "200 200 200 " ] && kill -0 "$resp_pid" 2>/dev/null &&
	python3 "$direct" scenarios "$sock" "$tmp/bodies/thunderbird.xml" \
		>"$tmp/out/usr1-direct" 2>&1 &&
	grep -q '^ok direct FastCGI HEAD' "$tmp/out/usr1-direct"; then
	ok "$name"
else
	not_ok "$name" "statuses: $codes" "$(tail -n 3 "$resp_log")"
fi

name="no request was logged: only 500s are"
if grep -Ev 'started: |reloaded |reload failed: ' "$resp_log" | grep -q .; then
	not_ok "$name" "$(grep -Ev 'started: |reloaded |reload failed: ' "$resp_log" | head -n 5)"
else
	ok "$name"
fi

e2e_finish
