#!/usr/bin/env bash
# End to end, the shipped access log format (nginx/mailautoconf-log.conf):
# after the request table of tests/e2e/common.sh (twice) and the hostile
# catalogue (tests/e2e/hostile.py; checked in hostile.sh, not here) have
# gone through nginx, its access log has their lines and no address.
#
# Usage: bash tests/e2e/accesslog.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e accesslog: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" accesslog
e2e_start_responder
e2e_start_nginx

for _ in 1 2; do
	while IFS='|' read -r c_name c_scheme c_method c_host c_target \
		c_headers c_body _; do
		[ -n "$c_name" ] || continue
		fetch "$c_scheme" "$c_method" "$c_host" "$c_target" \
			"$c_headers" "$c_body"
	done < <(e2e_request_table)
done
python3 "$root/tests/e2e/hostile.py" "$tls_port" "$http_port" example.com \
	>"$tmp/out/hostile.log" 2>&1 || true

name="access log in the shipped format: requests logged, no address in it"
n_logged=$(wc -l <"$tmp/nginx-access.log")
if [ "$n_logged" -lt 50 ]; then
	not_ok "$name" "only $n_logged lines in the access log"
elif grep -n -i -E 'alice|bob|%40|@' "$tmp/nginx-access.log" >"$tmp/out/log-addr" ||
	! grep -q '"GET /autodiscover/autodiscover.json/\.\.\. HTTP/' "$tmp/nginx-access.log"; then
	not_ok "$name" "$(head -n 3 "$tmp/out/log-addr")"
else
	ok "$name"
fi

e2e_finish
