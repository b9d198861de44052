#!/usr/bin/env bash
# The README's first quick-start command, checked: runs `bash nginx/demo.sh`
# from the repository root in the background, waits for it to print its
# curl commands, runs each of them and checks the answer, then stops the
# demo with SIGTERM and checks that it cleaned up after itself.  (Ctrl-C
# in a terminal takes the same path, but a background job of a script
# ignores SIGINT, so the test sends SIGTERM.)
# Usage, as root: bash tests/quickstart.sh   (closing line "quickstart:
# N passed, M failed").
#        bash tests/quickstart.sh --log FILE
# checks the curl commands of a demo already running, whose output goes to
# FILE, and leaves it running (tests/fresh/run.sh stops it as Ctrl-C would).
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
. "$root/tests/lib.sh"
report_prefix="quickstart: "
cd "$root" || exit 2
attach=
if [ "${1:-}" = --log ]; then
	attach=${2:?usage: quickstart.sh [--log FILE]}
	log=$attach
else
	log=$(mktemp)
fi
setup_logs=("$log")

if [ -z "$attach" ]; then
	setsid bash nginx/demo.sh >"$log" 2>&1 </dev/null &
	demo=$!
	if ! wait_for 300 grep -q '^mailautoconf is running' "$log"; then
		kill -TERM -- "-$demo" 2>/dev/null
		setup_fail "demo.sh did not come up"
	fi
elif ! grep -q '^mailautoconf is running' "$log"; then
	setup_fail "$log: no 'mailautoconf is running' line"
fi

# Each printed command, with what its answer must contain.
check() { # name pattern command-line
	local name=$1 pattern=$2 cmd=$3 out
	if out=$(bash -c "$cmd" 2>&1) && grep -q -- "$pattern" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name" "command: $cmd" "got: ${out:0:300}"
	fi
}
cmds=()
mapfile -t cmds < <(grep '^curl ' "$log")
[ "${#cmds[@]}" -ge 6 ] || setup_fail "demo.sh printed ${#cmds[@]} curl commands, expected 6"
check "demo: Thunderbird autoconfig -> clientConfig" '<emailProvider id="example.com">' "${cmds[0]}"
check "demo: autoconfig without an address -> domain from Host" '<domain>example.net</domain>' "${cmds[1]}"
check "demo: Outlook Autodiscover POX -> settings" '<Encryption>SSL</Encryption>' "${cmds[2]}"
check "demo: Autodiscover v2 JSON -> URL" '"Protocol":"AutodiscoverV1"' "${cmds[3]}"
check "demo: Apple profile -> aspen-config attachment" 'Content-Disposition: attachment; filename="example.com.mobileconfig"' "${cmds[4]}"
check "demo: port-80 probe -> 302 to https" 'Location: https://autodiscover.example.org/autodiscover/autodiscover.xml' "${cmds[5]}"
[ -z "$attach" ] || finish

kill -TERM -- "-$demo" 2>/dev/null
wait_for 20 sh -c "! kill -0 $demo 2>/dev/null" || kill -KILL -- "-$demo" 2>/dev/null
name="demo: SIGTERM stops nginx and the responder and removes the socket"
if pgrep -f 'build/mailautoconf-fcgi' >/dev/null || pgrep -f 'nginx.*mailautoconf-demo' >/dev/null ||
	[ -e /run/mailautoconf/mailautoconf.sock ]; then
	not_ok "$name" "$(pgrep -af 'mailautoconf|nginx' | head -5)"
else
	ok "$name"
fi
rm -f "$log"
finish
