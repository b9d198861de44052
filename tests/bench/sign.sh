#!/usr/bin/env bash
# Signed Apple profiles per second, beside unsigned, and the profile
# link's QR code as PNG and as SVG: prints figures, asserts nothing.
#
# Usage: bash tests/bench/sign.sh BUILD_DIR [N]   (N answers each, 20000)
#
# BUILD_DIR should be a release build (no sanitizers) with mac_render.
# One thread answers the same /mobileconfig request N times in-process
# (mac_render's MAC_RENDER_REPEAT: mac_handle() only, no FastCGI, no
# nginx, no TLS), with the shipped provider table unsigned, then signed
# by a throwaway P-256 key and by an RSA-2048 key (openssl makes them
# here).  Each profile is signed per request: it holds the address.
# Then /mobileconfig.qrcode.png and .svg for the same address (unsigned
# table: the QR code is made per request too, libqrencode and libpng).
# Needs /usr/bin/time (Debian's time) and bc.
set -euo pipefail
build=${1:?usage: sign.sh BUILD_DIR [N]}
n=${2:-20000}
root=$(cd "$(dirname "$0")/../.." && pwd)
render=$(cd "$build" && pwd)/mac_render
[ -x "$render" ] || {
	echo "no $render" >&2
	exit 2
}
tmp=$(mktemp -d /tmp/mailautoconf-bench-sign.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout p256.key -out p256.pem -days 90 -subj /CN=bench-p256 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes \
	-keyout rsa.key -out rsa.pem -days 90 -subj /CN=bench-rsa 2>/dev/null
chmod 0600 ./*.key
cp "$root/etc/mailautoconf.ini" unsigned.ini
for k in p256 rsa; do
	sed "s/^\[defaults\]$/[defaults]\nmobileconfig-sign-cert = $k.pem\nmobileconfig-sign-key = $k.key/" \
		unsigned.ini >"$k.ini"
done
for r in mobileconfig mobileconfig.qrcode.png mobileconfig.qrcode.svg; do
	printf 'GET /%s?emailaddress=alice%%40example.com\nHost: autoconfig.example.com\n' \
		"$r" >"$r.request"
done

# The machine may be shared: answers per second of CPU time (user and
# system, as "openssl speed" counts), the load and start-up (a run of one
# answer) taken off; wall-clock figures beside them.
cpu() { # config request repeat: prints "cpu_seconds wall_seconds"
	MAC_RENDER_REPEAT=$3 /usr/bin/time -f '%U %S %e' -o time.out \
		"$render" "$1" "$2.request" >out
	awk '{ print $1 + $2, $3 }' time.out
}
printf '%-18s %8s %14s %14s %7s\n' answer answers "per CPU second" \
	"per wall second" bytes
for c in unsigned p256 rsa qr_png qr_svg; do
	m=$n
	ini=$c.ini
	req=mobileconfig
	case $c in
	unsigned) label="unsigned" m=$((n * 20)) ;; # fast: more for the clock
	p256) label="signed, P-256" ;;
	rsa) label="signed, RSA-2048" ;;
	qr_png) label="QR code, PNG" ini=unsigned.ini req=$req.qrcode.png ;;
	qr_svg) label="QR code, SVG" ini=unsigned.ini req=$req.qrcode.svg ;;
	esac
	read -r c1 w1 < <(cpu "$ini" "$req" 1)
	read -r cn wn < <(cpu "$ini" "$req" "$m")
	printf '%-18s %8d %14.0f %14.0f %7d\n' "$label" "$m" \
		"$(echo "($m - 1) / ($cn - $c1 + 0.0001)" | bc -l)" \
		"$(echo "($m - 1) / ($wn - $w1 + 0.0001)" | bc -l)" \
		"$(sed -n 's/^Content-Length: //p' out | tr -d '\r')"
done
