#!/usr/bin/env bash
# End to end, every endpoint: each row of the request table in
# tests/e2e/common.sh is sent by curl over TLS (or plain http for the
# port-80 blocks) through nginx with the shipped snippets to the responder
# under spawn-fcgi, and checked for status, Content-Type, key headers and
# substrings, and for being well-formed XML, JSON or plist.  The exact
# bodies are pinned by the golden tests.
#
# Usage: bash tests/e2e/endpoints.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e endpoints: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" endpoints
e2e_start_responder
e2e_start_nginx

while IFS='|' read -r c_name c_scheme c_method c_host c_target c_headers \
	c_body c_status c_ct c_hgrep c_bgrep c_format; do
	[ -n "$c_name" ] || continue
	check "$c_name" "$c_scheme" "$c_method" "$c_host" "$c_target" \
		"$c_headers" "$c_body" "$c_status" "$c_ct" "$c_hgrep" "$c_bgrep" \
		"$c_format"
done < <(e2e_request_table)

e2e_finish
