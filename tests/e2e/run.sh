#!/usr/bin/env bash
# End-to-end tests: the real mailautoconf-fcgi under spawn-fcgi behind a
# real nginx, driven by curl over TLS on loopback, and spoken to directly
# over FastCGI.  One file per feature, each of which runs alone with its
# own responder, nginx and temporary folder (tests/e2e/common.sh):
#
#   endpoints.sh    every endpoint through nginx (the request table)
#   hostile.sh      tests/e2e/hostile.py: hostile requests, answers pinned
#   accesslog.sh    the shipped access log format, without addresses
#   concurrency.sh  more kept-alive connections at once than threads
#   fastcgi.sh      FastCGI spoken directly: HEAD, header block, 413s
#   options.sh      -s, -d, -b, -V, -h, -t, the start-up line
#   journal.sh      JOURNAL_STREAM: priority prefixes, or the usual lines
#   reload.sh       SIGHUP with a good and a broken file, SIGUSR1
#   shutdown.sh     SIGTERM with a request in flight
#   alpn.sh         nginx/mailautoconf-stream.conf: IMAP, SMTP, HTTPS on one
#                   port by ALPN (needs libnginx-mod-stream)
#   metrics.sh      /mailautoconf/metrics: promtool, exact counts, reloads,
#                   loopback only
#   signed.sh       signed Apple profiles: a throwaway CA, openssl verifies
#   check.sh        mailautoconf check against this stack: findings, exit
#                   statuses, a certificate short of a name or expiring
#   qrcode.sh       QR codes of the profile link, decoded by zbarimg
#   setup.sh        /mail/setup in headless chromium: servers, links, a screenshot
#
# This driver runs them all in turn.  Each is also a ctest test
# (CMakeLists.txt; "ctest -L e2e" in the build folder), or by hand:
# "bash tests/e2e/reload.sh BUILD_DIR".
#
# Usage: bash tests/e2e/run.sh BUILD_DIR [FEATURE...]   (as root, from anywhere)
#
# The last line of output is exactly "N passed, M failed" over all the
# files; the exit status is non-zero if M > 0.  MAC_E2E_KEEP=1 keeps each
# file's temporary folder (logs, nginx.conf, answers) for inspection.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR [FEATURE...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"

features=("$@")
if [ "${#features[@]}" -eq 0 ]; then
	features=(endpoints hostile accesslog concurrency fastcgi options
		journal reload shutdown alpn metrics signed check
		qrcode setup)
fi

log=$(mktemp /tmp/mailautoconf-e2e-run.XXXXXX)
trap 'rm -f "$log"' EXIT
for f in "${features[@]}"; do
	bash "$here/$f.sh" "$build" | tee "$log" || true
	last=$(tail -n 1 "$log")
	if [[ $last =~ ^e2e\ $f:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		pass=$((pass + BASH_REMATCH[1]))
		fail=$((fail + BASH_REMATCH[2]))
	else
		not_ok "$f.sh did not finish" "$(tail -n 5 "$log")"
	fi
done

finish
