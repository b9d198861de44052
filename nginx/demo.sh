#!/usr/bin/env bash
# mailautoconf quick start: build the responder and run it behind a
# throwaway nginx on loopback, with the shipped etc/mailautoconf.ini.
#
# Usage, as root from the repository root on Debian 12:
#
#	bash nginx/demo.sh
#
# It installs what it needs and is missing (tests/deps.sh, groups build
# and demo: apt-get, or one line naming what is missing), builds into
# build/, makes a self-signed certificate and an
# nginx.conf in a temporary directory, and starts
#   - the responder under spawn-fcgi on /run/mailautoconf/mailautoconf.sock
#     (the socket nginx/mailautoconf-upstream.conf names);
#   - nginx on https://127.0.0.1:8443 (nginx/mailautoconf-locations.conf,
#     included unmodified) and http://127.0.0.1:8080 (the port-80 blocks
#     of nginx/example-servers.conf).
# Both log to this terminal.  Ctrl-C stops both and removes the temporary
# files.  Nothing outside the temporary directory, build/ and
# /run/mailautoconf is touched; the system's nginx is left alone.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=conf.sh
. "$(dirname "${BASH_SOURCE[0]}")/conf.sh"
# shellcheck source=../tests/deps.sh
. "$mac_nginx/../tests/deps.sh"

tls_port=8443
http_port=8080
sock=$mac_shipped_sock
sockdir=${sock%/*}

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run me as root (apt-get, /run, nginx)" >&2
	exit 1
fi
if [ ! -f CMakeLists.txt ] || [ ! -f nginx/mailautoconf-locations.conf ]; then
	echo "demo.sh: run me from the repository root" >&2
	exit 1
fi
root=$(pwd)

# ---- dependencies and build -------------------------------------------------

mac_deps_install build demo || exit 1

build=${MAC_DEMO_BUILD:-build}
echo "== building into $build/"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
	>/dev/null
cmake --build "$build" -j "$(nproc)" --target mailautoconf-fcgi
bin=$root/$build/mailautoconf-fcgi
config=$root/etc/mailautoconf.ini
"$bin" -t -c "$config"

# ---- temporary directory, cleanup ------------------------------------------

tmp=$(mktemp -d /tmp/mailautoconf-demo.XXXXXX)
resp_pid=
nginx_pid=
made_sockdir=

# shellcheck disable=SC2317 # called from the trap
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
		kill "$nginx_pid" 2>/dev/null || true
		wait "$nginx_pid" 2>/dev/null || true
	fi
	# Remove the socket only if it was ours: another responder's stays.
	if [ -n "$resp_pid" ] && kill -0 "$resp_pid" 2>/dev/null; then
		kill "$resp_pid" 2>/dev/null || true
		wait "$resp_pid" 2>/dev/null || true
		rm -f "$sock"
	fi
	if [ -n "$made_sockdir" ]; then
		rmdir "$sockdir" 2>/dev/null || true
	fi
	rm -rf "$tmp"
	echo "== stopped; removed $tmp"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

for port in "$tls_port" "$http_port"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "demo.sh: 127.0.0.1:$port is in use (another demo still running?)" >&2
		exit 1
	fi
done

chmod 0755 "$tmp"
mac_prefix_dir "$tmp"
if [ ! -d "$sockdir" ]; then
	mkdir -m 0755 "$sockdir"
	made_sockdir=1
fi
chown www-data "$tmp/nginx-temp"

echo "== self-signed certificate"
names=(localhost)
for d in example.com example.net example.org; do
	names+=("$d" "autoconfig.$d" "autodiscover.$d")
done
mac_cert "$tmp/key.pem" "$tmp/cert.pem" mailautoconf-demo 7 "${names[@]}" \
	2>/dev/null

# The shipped upstream as it is: its socket is $sock.
mac_nginx_conf "$tmp" www-data "stderr notice" >"$tmp/nginx.conf" <<EOF
	access_log /dev/stdout;

	include $root/nginx/mailautoconf-upstream.conf;

$(mac_tls_server "127.0.0.1:$tls_port ssl" "$tmp/cert.pem" "$tmp/key.pem" \
	"${names[@]}")

$(mac_port80_block "port-80 autodiscover redirect" "127.0.0.1:$http_port")

$(mac_port80_block "port-80 autoconfig" "127.0.0.1:$http_port")
EOF
nginx -t -q -p "$tmp" -e stderr -c "$tmp/nginx.conf"

# ---- start ------------------------------------------------------------------

# Own process groups for both, so Ctrl-C reaches only this script, whose
# cleanup then stops them in order.
set -m

# The responder runs as nobody when it can read the build and the file.
mac_spawn_ids "$bin" "$config"
echo "== starting the responder on $sock"
spawn-fcgi -n -s "$sock" -M 0660 "${mac_ids[@]}" -- "$bin" -c "$config" &
resp_pid=$!
echo "== starting nginx on 127.0.0.1:$tls_port (https) and :$http_port (http)"
nginx -p "$tmp" -e stderr -c "$tmp/nginx.conf" &
nginx_pid=$!
sleep 1
for pid in "$resp_pid" "$nginx_pid"; do
	kill -0 "$pid" 2>/dev/null || {
		echo "demo.sh: start-up failed, see the messages above" >&2
		exit 1
	}
done

r="--resolve"
cat <<EOF

mailautoconf is running.  Try, in another terminal:

# Thunderbird autoconfig
curl -sk $r autoconfig.example.com:$tls_port:127.0.0.1 'https://autoconfig.example.com:$tls_port/mail/config-v1.1.xml?emailaddress=alice%40example.com'
# the same without an address (Thunderbird for Android): the Host decides
curl -sk $r autoconfig.example.net:$tls_port:127.0.0.1 'https://autoconfig.example.net:$tls_port/mail/config-v1.1.xml'
# Outlook Autodiscover (POX)
curl -sk $r autodiscover.example.com:$tls_port:127.0.0.1 -H 'Content-Type: text/xml; charset=utf-8' --data-binary '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>' 'https://autodiscover.example.com:$tls_port/autodiscover/autodiscover.xml'
# Autodiscover v2 (JSON)
curl -sk $r autodiscover.example.com:$tls_port:127.0.0.1 'https://autodiscover.example.com:$tls_port/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=AutodiscoverV1'
# Apple profile (headers only)
curl -sk -D - -o /dev/null $r example.com:$tls_port:127.0.0.1 'https://example.com:$tls_port/mobileconfig?emailaddress=alice%40example.com'
# Outlook's plain-http probe: a 302 to https
curl -si $r autodiscover.example.org:$http_port:127.0.0.1 'http://autodiscover.example.org:$http_port/autodiscover/autodiscover.xml'

Edit etc/mailautoconf.ini and reload:  kill -HUP $resp_pid
Logs follow here.  Ctrl-C stops everything.

EOF

# Stay until Ctrl-C, or until one of the two dies.
wait -n "$resp_pid" "$nginx_pid" || true
echo "demo.sh: a process exited unexpectedly" >&2
exit 1
