#!/usr/bin/env bash
# End to end, QR codes of the profile link through nginx and the shipped
# snippet: /mobileconfig.qrcode.png is decoded with zbarimg (zbar-tools)
# and must give exactly the profile URL built from the address's domain,
# never from the Host header, for one address and for two with a name;
# the .svg is drawn into a PGM from its one path and decoded the same
# way; errors (unknown domain, bad address, too many addresses) are the
# plain-text 404 and 400s, and POST is 405 with Allow.
#
# Usage: bash tests/e2e/qrcode.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e qrcode: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" qrcode
command -v zbarimg >/dev/null || setup_fail "zbarimg missing (zbar-tools)"

e2e_start_responder
e2e_start_nginx

# decode NAME TARGET WANT: a 200 image whose QR code reads exactly WANT.
decode() {
	local name=$1 target=$2 want=$3 ct got img
	local -a why=()
	fetch https GET "$ac" "$target" - -
	ct=$(header Content-Type)
	[ "$status" = 200 ] || why+=("status $status")
	img=$body
	case $target in
	*.svg*)
		[ "$ct" = "image/svg+xml; charset=utf-8" ] || why+=("Content-Type '$ct'")
		img=$tmp/qr.pgm
		python3 - "$body" "$img" <<'PY' || why+=("SVG not drawable")
import re, sys
s = open(sys.argv[1]).read()
n = int(re.search(r'viewBox="0 0 (\d+) \1"', s).group(1))
d = re.findall(r'<path [^>]*\bd="([^"]*)"', s)
assert len(d) == 1, "one path"
g = [[255] * n for _ in range(n)]
for x, y, w in re.findall(r"M(\d+) (\d+)\.5h(\d+)", d[0]):
    for i in range(int(w)):
        g[int(y)][int(x) + i] = 0
k = 8
with open(sys.argv[2], "wb") as f:
    f.write(b"P5 %d %d 255\n" % (n * k, n * k))
    f.write(bytes(v for row in g for _ in range(k) for v in row for _ in range(k)))
PY
		;;
	*) [ "$ct" = image/png ] || why+=("Content-Type '$ct'") ;;
	esac
	got=$(zbarimg -q --raw "$img" 2>/dev/null) || why+=("zbarimg found no code")
	[ "$got" = "$want" ] || why+=("decoded '$got'")
	if [ "${#why[@]}" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}"
	fi
}

decode "PNG, one address: the profile URL on autoconfig.<domain>" \
	"/mobileconfig.qrcode.png?emailaddress=alice%40example.com" \
	"https://autoconfig.example.com/mobileconfig?emailaddress=alice%40example.com"
decode "PNG, path in capitals, two addresses and a name: all in the URL" \
	"/MobileConfig.QRCode.PNG?emailaddress=alice%40Example.COM,bob%40example.net&name=A%26B%20%3Cx%3E" \
	"https://autoconfig.example.com/mobileconfig?emailaddress=alice%40example.com&emailaddress=bob%40example.net&name=A%26B%20%3Cx%3E"
decode "SVG, one address: the same URL" \
	"/mobileconfig.qrcode.svg?emailaddress=alice%40example.com" \
	"https://autoconfig.example.com/mobileconfig?emailaddress=alice%40example.com"

name="the URL never comes from the Host header (asked on autodiscover.)"
fetch https GET autodiscover.example.com "/mobileconfig.qrcode.png?emailaddress=alice%40example.com" - -
got=$(zbarimg -q --raw "$body" 2>/dev/null || true)
if [ "$status" = 200 ] && [ "$got" = "https://autoconfig.example.com/mobileconfig?emailaddress=alice%40example.com" ]; then
	ok "$name"
else
	not_ok "$name" "status $status, decoded '$got'"
fi

# error NAME METHOD TARGET STATUS BODY [ALLOW]
error() {
	local name=$1 method=$2 target=$3 want=$4 text=$5 allow=${6:-}
	local -a why=()
	fetch https "$method" "$ac" "$target" - -
	[ "$status" = "$want" ] || why+=("status $status")
	[ "$(cat "$body")" = "$text" ] || why+=("body '$(head -c 80 "$body")'")
	[ -z "$allow" ] || [ "$(header Allow)" = "$allow" ] || why+=("Allow '$(header Allow)'")
	if [ "${#why[@]}" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}"
	fi
}
error "unknown domain -> 404" GET "/mobileconfig.qrcode.png?emailaddress=a%40unknown.example" \
	404 "no provider serves this domain"
error "bad address -> 400" GET "/mobileconfig.qrcode.svg?emailaddress=a%3Cb%3E" \
	400 "address has no '@'"
many=$(for i in 0 1 2 3 4 5 6 7 8 9 10; do printf 'u%s%%40example.com,' "$i"; done)
error "11 addresses -> 400" GET "/mobileconfig.qrcode.png?emailaddress=${many%,}" \
	400 "more than 10 addresses"
error "POST -> 405, Allow: GET, HEAD" POST "/mobileconfig.qrcode.png?emailaddress=a%40example.com" \
	405 "method not allowed" "GET, HEAD"

finish
