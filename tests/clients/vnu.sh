#!/usr/bin/env bash
# The Nu HTML Checker on every HTML answer pinned under tests/golden/ (the
# setup page and its errors): each body must give no error (its info
# messages, such as the trailing slash of void elements, are allowed).
#
# Usage: bash tests/clients/vnu.sh PATH/TO/vnu.jar
#   (npm's vnu-jar: node_modules/vnu-jar/build/dist/vnu.jar; Java 11+)
# Last line "vnu: N passed, M failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
jar=${1:?usage: vnu.sh PATH/TO/vnu.jar}
report_prefix="vnu: "
tmp=$(mktemp -d /tmp/mailautoconf-vnu.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for exp in "$here"/../golden/*/expected; do
	grep -q '^Content-Type: text/html' "$exp" || continue
	name=$(basename "$(dirname "$exp")")
	# The body: what follows the header block's empty line.
	sed '1,/^\r\{0,1\}$/d' "$exp" >"$tmp/$name.html"
	[ -s "$tmp/$name.html" ] || continue # HEAD
	if java -jar "$jar" --errors-only --format gnu "$tmp/$name.html" \
		>"$tmp/$name.log" 2>&1; then
		ok "$name: no errors"
	else
		not_ok "$name" "$(head -n 5 "$tmp/$name.log")"
	fi
done
[ $((pass + fail)) -gt 0 ] || not_ok "no HTML answer under tests/golden/"
finish
