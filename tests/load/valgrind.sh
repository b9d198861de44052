#!/usr/bin/env bash
# Leak check without sanitizers: the unit tests (BUILD_DIR/test_*) and the
# responder itself under valgrind memcheck.  BUILD_DIR must be a build
# without -DMAC_SANITIZE (valgrind and ASan do not mix), e.g.
# RelWithDebInfo.
#
# Usage: bash tests/load/valgrind.sh BUILD_DIR     (as root)
#
# Each test_* runs under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
#       --error-exitcode=1
# and must exit 0.  Then the responder runs under the same valgrind,
# under spawn-fcgi behind nginx (tests/load/common.sh), answers
# MAC_VALGRIND_REQUESTS (200) requests from curl, the four endpoints in
# turn, plus a SIGHUP reload, a broken-file reload and a few errors; after
# SIGTERM valgrind must exit 0 and report no errors.  Prints "ok   NAME"
# or "FAIL NAME" per check and "valgrind: N passed, M failed" last.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

build=${1:?usage: valgrind.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
# shellcheck source=tests/load/common.sh
. "$root/tests/load/common.sh"
report_prefix="valgrind: "
build=$(cd "$build" && pwd)
bin=$build/mailautoconf-fcgi
requests=${MAC_VALGRIND_REQUESTS:-200}
# shellcheck disable=SC2054 # one option, a comma-separated list
vg=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
	--error-exitcode=1 --track-fds=no)

tmp=$(mktemp -d /tmp/mailautoconf-valgrind.XXXXXX)
chmod 0755 "$tmp"
kill_list=()
nginx_pid='' resp_pid='' wrk_pid=''

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	load_cleanup
	if [ "${MAC_LOAD_KEEP:-}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in valgrind nginx spawn-fcgi openssl curl python3; do
	command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
done
[ -x "$bin" ] || setup_fail "no executable $bin"
[ "$(id -u)" = 0 ] || setup_fail "run as root (nginx user, spawn-fcgi ids)"
if grep -q '^MAC_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null; then
	setup_fail "$build is a MAC_SANITIZE build; valgrind needs one without"
fi

# ---- unit tests ---------------------------------------------------------------

n=0
for t in "$build"/test_*; do
	[ -x "$t" ] || continue
	n=$((n + 1))
	name="valgrind $(basename "$t") -> no error, no definite or indirect leak"
	rc=0
	(cd "$build" && "${vg[@]}" --log-file="$tmp/$(basename "$t").vg" "$t") \
		>"$tmp/$(basename "$t").out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc" \
			"$(grep -E 'ERROR SUMMARY|definitely|indirectly|Invalid|uninitialised' "$tmp/$(basename "$t").vg" | head -n 8)" \
			"$(tail -n 5 "$tmp/$(basename "$t").out")"
	fi
done
[ "$n" -gt 0 ] || not_ok "unit tests under valgrind" "no $build/test_* (configured with -DBUILD_TESTING=OFF?)"

# ---- the responder ----------------------------------------------------------

config=$tmp/mailautoconf.ini
cp "$root/tests/e2e/extra.ini" "$config"
chmod 0644 "$config"
load_cert || setup_fail "openssl could not make a certificate"
setup_logs=("$tmp/responder.log")

# valgrind runs between spawn-fcgi and the responder, so resp_pid is
# valgrind's and signals reach the responder through it.
vgbin=$tmp/mailautoconf-fcgi-vg
cat >"$vgbin" <<EOF
#!/bin/sh
exec ${vg[*]} --log-file=$tmp/responder.vg $bin "\$@"
EOF
chmod 0755 "$vgbin"
# The responder's user must reach the binary behind the wrapper, which may
# sit in a folder others cannot enter (a clone in root's home).
load_behind=("$bin")
: >"$tmp/responder.vg"
chmod 0666 "$tmp/responder.vg"
load_responder "unix:$tmp/vg.sock" "$config" 8 "$tmp/responder.log" "$vgbin" ||
	setup_fail "the responder did not start under valgrind"
load_upstream "$tmp/upstream.conf" "unix:$tmp/vg.sock" ||
	setup_fail "no server line in nginx/mailautoconf-upstream.conf"
load_nginx "$tmp/nginx" "$tmp/upstream.conf" ||
	setup_fail "nginx did not start: $(cat "$tmp/nginx/error.log")"

ms=http://schemas.microsoft.com/exchange/autodiscover
printf '%s' "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"$ms/outlook/requestschema/2006\"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>$ms/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>" \
	>"$tmp/pox.xml"

# One request of kind I mod 4; prints the status.
# shellcheck disable=SC2317 # run by xargs through bash -c
ask() { # i
	local -a a=(-sk --max-time 20 -o /dev/null -w '%{http_code}\n')
	case $(($1 % 4)) in
	0) curl "${a[@]}" -H 'Host: autoconfig.example.com' \
		"$nginx_url/mail/config-v1.1.xml?emailaddress=u$1%40example.com" ;;
	1) curl "${a[@]}" -H 'Host: autodiscover.example.com' \
		-H 'Content-Type: text/xml' --data-binary "@$tmp/pox.xml" \
		"$nginx_url/autodiscover/autodiscover.xml" ;;
	2) curl "${a[@]}" -H 'Host: autodiscover.example.com' \
		"$nginx_url/autodiscover/autodiscover.json?Email=u$1%40example.com&Protocol=Autodiscoverv1" ;;
	3) curl "${a[@]}" -H 'Host: autoconfig.example.com' \
		"$nginx_url/mobileconfig?emailaddress=u$1%40example.com&name=U%20$1" ;;
	esac
}
export -f ask
export nginx_url tmp

name="$requests requests to the responder under valgrind, 8 at a time -> all 200"
t0=$SECONDS
codes=$(seq "$requests" | xargs -P 8 -I{} bash -c 'ask {}' | sort | uniq -c |
	tr -s ' ' | tr '\n' ';')
if [ "$codes" = " $requests 200;" ]; then
	ok "$name"
else
	not_ok "$name" "status counts: $codes"
fi
echo "     $((SECONDS - t0)) s"

# Reloads, good and bad, and error answers: their paths free memory too.
kill -HUP "$resp_pid"
wait_for 20 grep -q 'reloaded ' "$tmp/responder.log" || true
printf '[provider broken.example]\nno-such-key = 1\n' >"$config.bad"
cp "$config" "$config.good"
cp "$config.bad" "$config"
kill -HUP "$resp_pid"
wait_for 20 grep -q 'reload failed: ' "$tmp/responder.log" || true
cp "$config.good" "$config"
curl -sk -o /dev/null -H 'Host: autoconfig.example.com' \
	"$nginx_url/mail/config-v1.1.xml?emailaddress=x%40nosuchprovider.example" || true
curl -sk -o /dev/null -H 'Host: autodiscover.example.com' \
	-H 'Content-Type: text/xml' --data-binary '<Autodiscover><Request>' \
	"$nginx_url/autodiscover/autodiscover.xml" || true
curl -sk -o /dev/null -H 'Host: autoconfig.example.com' \
	"$nginx_url/mobileconfig" || true
name="SIGHUP (good file, then a broken one) under valgrind -> 'reloaded', then 'reload failed'"
if grep -q 'reloaded ' "$tmp/responder.log" &&
	grep -q 'reload failed: ' "$tmp/responder.log"; then
	ok "$name"
else
	not_ok "$name" "$(tail -n 3 "$tmp/responder.log")"
fi

load_nginx_stop
name="SIGTERM -> the responder exits 0, valgrind reports no error and no definite or indirect leak"
rc=0
kill -TERM "$resp_pid"
wait "$resp_pid" || rc=$?
resp_pid=
if [ "$rc" = 0 ] && grep -q 'ERROR SUMMARY: 0 errors' "$tmp/responder.vg"; then
	ok "$name"
	grep -A 5 'LEAK SUMMARY' "$tmp/responder.vg" | grep -E 'lost|reachable' |
		sed 's/^==[0-9]*== */     /'
else
	not_ok "$name" "exit $rc" \
		"$(grep -E -A 14 'ERROR SUMMARY|definitely lost in|Invalid|uninitialised' "$tmp/responder.vg" | head -n 40)" \
		"$(tail -n 3 "$tmp/responder.log")"
fi

finish
