#!/bin/sh
# Golden responses: every case directory under tests/golden/ holds
# `request` (see mac_render.c), optionally `provider.ini` (default: the
# shipped etc/mailautoconf.ini) and `expected`, the exact answer the front
# end writes (CGI header block and body).  Each case is rendered and
# compared with diff -u, twice: from the answers precomputed at load, and
# rendered from scratch (MAC_RENDER_NO_TEMPLATES=1).  MAC_GOLDEN_UPDATE=1
# rewrites `expected`: read the diff before committing it.  A case's own
# provider.ini is named relative to its directory, so that load errors
# (request "LOAD") name files the same everywhere; its signing keys
# (*.key) are made mode 0600 and world.key 0644, as git keeps no modes.
set -u
render=${1:?usage: run.sh path/to/mac_render}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pass=0
fail=0
for dir in "$here"/*/; do
	dir=${dir%/}
	[ -f "$dir/request" ] || continue
	name=$(basename "$dir")
	ini="$root/etc/mailautoconf.ini"
	[ -f "$dir/provider.ini" ] && ini=provider.ini
	for key in "$dir"/*.key; do
		[ -f "$key" ] || continue
		case $key in
		*/world.key) chmod 644 "$key" ;;
		*) chmod 600 "$key" ;;
		esac
	done
	out=$(mktemp)
	if ! (cd "$dir" && "$render" "$ini" request) >"$out" 2>&1; then
		echo "FAIL $name: mac_render failed:"
		cat "$out"
		fail=$((fail + 1))
	elif [ "${MAC_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$out" "$dir/expected"
		echo "UPDATED $name"
		pass=$((pass + 1))
	elif diff -u "$dir/expected" "$out" >"$out.diff" 2>&1 &&
		(cd "$dir" && MAC_RENDER_NO_TEMPLATES=1 "$render" "$ini" \
			request) >"$out" 2>&1 &&
		diff -u --label "$name (rendered from scratch)" \
			"$dir/expected" "$out" >"$out.diff" 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL $name:"
		cat "$out.diff"
		fail=$((fail + 1))
	fi
	rm -f "$out" "$out.diff"
done
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
