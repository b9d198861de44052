#!/usr/bin/env bash
# End to end, one port for IMAP, SMTP and HTTPS: the shipped
# nginx/mailautoconf-stream.conf (stream module, ssl_preread) in front of
# two test TLS mail servers (tests/e2e/alpn.py serve, each counting the
# connections it accepts) and the https server with the shipped snippets
# and the responder, moved off the shared port and speaking the PROXY
# protocol as the include's comments say.  Only the listen port, the
# three upstream addresses and the two hop socket paths of the shipped
# file are replaced.
#
# Checked: ALPN imap and smtp (openssl s_client, and alpn.py) reach the
# mail servers and their banners come back through nginx; imap among other
# names still goes to IMAP; no ALPN, curl's h2 and http/1.1, an unknown
# name, a near miss ("imapx") and a long list of names get the autoconfig
# answer; a ClientHello sent a few bytes at a time is routed the same; a
# client that never finishes its ClientHello is closed after the shipped
# preread_timeout and no server sees a connection; the https server's log
# and the IMAP hop's log show the client's address, not nginx's.
#
# Usage: bash tests/e2e/alpn.sh BUILD_DIR      (as root, from anywhere)
# Last line "e2e alpn: N passed, M failed".  Needs libnginx-mod-stream.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" alpn
helper=$root/tests/e2e/alpn.py
stream_mod=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$stream_mod" ] ||
	setup_fail "no $stream_mod (apt-get install libnginx-mod-stream)"
for tool in nginx openssl curl; do
	command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
done
e2e_start_responder

# ---- the servers ---------------------------------------------------------

read -r port https_port imap_port smtp_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

mac_cert "$tmp/key.pem" "$tmp/cert.pem" mailautoconf-e2e-alpn 2 \
	example.com autoconfig.example.com autodiscover.example.com \
	mail.example.com 2>/dev/null || setup_fail "openssl could not make a certificate"

helper_pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
stop_helpers() {
	local p
	for p in "${helper_pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	e2e_cleanup
}
trap stop_helpers EXIT
: >"$tmp/imap.count"
: >"$tmp/smtp.count"
python3 "$helper" serve "$tmp/cert.pem" "$tmp/key.pem" "$imap_port" \
	"* OK test IMAP server ready" "$tmp/imap.count" 2>"$tmp/imap.log" &
helper_pids+=($!)
python3 "$helper" serve "$tmp/cert.pem" "$tmp/key.pem" "$smtp_port" \
	"220 mail.example.com test ESMTP ready" "$tmp/smtp.count" 2>"$tmp/smtp.log" &
helper_pids+=($!)

for p in "$imap_port" "$smtp_port"; do
	wait_for 10 python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$p" ||
		setup_fail "the test mail server on port $p did not start"
done

# The shipped stream include with only the addresses replaced.
sed -e "s/^\([[:space:]]*\)listen 443;/\1listen 127.0.0.1:$port;/" \
	-e '/listen \[::\]:443;/d' \
	-e "s#unix:/run/mailautoconf-alpn-#unix:$tmp/run/alpn-#g" \
	-e "s/server 127\.0\.0\.1:993;/server 127.0.0.1:$imap_port;/" \
	-e "s/server 127\.0\.0\.1:465;/server 127.0.0.1:$smtp_port;/" \
	-e "s/server 127\.0\.0\.1:8443;/server 127.0.0.1:$https_port;/" \
	"$root/nginx/mailautoconf-stream.conf" >"$tmp/stream.conf"
for want in "listen 127.0.0.1:$port;" "server 127.0.0.1:$imap_port;" \
	"server 127.0.0.1:$smtp_port;" "server 127.0.0.1:$https_port;" \
	"listen unix:$tmp/run/alpn-imap.sock proxy_protocol;" \
	"listen unix:$tmp/run/alpn-smtp.sock proxy_protocol;"; do
	grep -qF "$want" "$tmp/stream.conf" ||
		setup_fail "nginx/mailautoconf-stream.conf: could not set '$want'"
done
if grep -q '/run/mailautoconf-alpn\|listen 443\|:993;\|:465;\|:8443;' \
	"$tmp/stream.conf"; then
	setup_fail "nginx/mailautoconf-stream.conf: an address was left unreplaced"
fi

mac_prefix_dir "$tmp"
nginx_user=
if [ "$(id -u)" = 0 ]; then
	nginx_user=www-data
	chown www-data "$tmp/nginx-temp"
fi
mac_upstream "$sock" "$tmp/upstream.conf" ||
	setup_fail "socket path not found in nginx/mailautoconf-upstream.conf"
{
	echo "load_module $stream_mod;"
	mac_nginx_conf "$tmp" "$nginx_user" "$tmp/nginx-error.log info" <<EOF
	include $tmp/upstream.conf;
	# As the include's comments say: the client's address from the
	# PROXY protocol.
	set_real_ip_from 127.0.0.1;
	real_ip_header proxy_protocol;
	log_format alpn_http '\$remote_addr \$request_uri';
	access_log $tmp/http-access.log alpn_http;

$(mac_tls_server "127.0.0.1:$https_port ssl http2 proxy_protocol" \
		"$tmp/cert.pem" "$tmp/key.pem" autoconfig.example.com \
		autodiscover.example.com example.com)
EOF
	cat <<EOF
stream {
	log_format alpn_stream '\$remote_addr \$server_addr:\$server_port '
		'alpn=\$ssl_preread_alpn_protocols up=\$upstream_addr \$status';
	access_log $tmp/stream-access.log alpn_stream;
	include $tmp/stream.conf;
}
EOF
} >"$tmp/nginx.conf"
setup_logs+=("$tmp/nginx-error.log")
nginx -t -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" \
	>"$tmp/nginx-t.log" 2>&1 || {
	cat "$tmp/nginx-t.log"
	setup_fail "nginx -t rejected the generated nginx.conf"
}
nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" &
nginx_pid=$!
wait_for 10 curl -sk -o /dev/null --resolve "$ac:$port:127.0.0.1" \
	"https://$ac:$port/" || setup_fail "nginx did not start"
: >"$tmp/imap.count"
: >"$tmp/smtp.count"

# ---- helpers ---------------------------------------------------------------

counts() { echo "imap=$(wc -l <"$tmp/imap.count") smtp=$(wc -l <"$tmp/smtp.count")"; }
# NAME WANT_COUNTS OUTPUT REGEX: the output matches and the servers have
# seen exactly WANT_COUNTS connections so far.
expect() {
	local name=$1 want=$2 out=$3 re=$4 got
	got=$(counts)
	if [[ $got == "$want" ]] && grep -Eq -- "$re" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name" "connections: $got, want $want" \
			"output: $(head -c 300 <<<"$out" | tr '\n' ' ')" \
			"want /$re/"
	fi
}
acq="/mail/config-v1.1.xml?emailaddress=alice%40example.com"
ac_re='^HTTP/[0-9.]+ 200|<emailProvider id="example.com">'
s_client() { # ALPN
	local args=(-connect "127.0.0.1:$port" -servername mail.example.com
		-ign_eof -quiet)
	[ -n "$1" ] && args+=(-alpn "$1")
	# The banner, then the client closes.
	(sleep 1) | timeout 10 openssl s_client "${args[@]}" 2>/dev/null || true
}

# ---- mail by ALPN ----------------------------------------------------------

out=$(s_client imap)
expect "openssl s_client -alpn imap -> the IMAP server's banner through nginx" \
	"imap=1 smtp=0" "$out" '^\* OK test IMAP server ready'
out=$(s_client smtp)
expect "openssl s_client -alpn smtp -> the SMTP server's banner" \
	"imap=1 smtp=1" "$out" '^220 mail\.example\.com test ESMTP ready'
out=$(python3 "$helper" banner "$port" h2,imap,http/1.1 2>&1) || true
expect "ALPN h2,imap,http/1.1 (imap among others) -> IMAP" \
	"imap=2 smtp=1" "$out" '^\* OK test IMAP'
out=$(python3 "$helper" banner "$port" smtp,imap 2>&1) || true
expect "ALPN smtp,imap (both) -> IMAP, the map's first line" \
	"imap=3 smtp=1" "$out" '^\* OK test IMAP'
out=$(python3 "$helper" banner "$port" imap 3 20 2>&1) || true
expect "ALPN imap, ClientHello sent 3 bytes at a time 20 ms apart -> IMAP" \
	"imap=4 smtp=1" "$out" '^\* OK test IMAP'
out=$(python3 "$helper" banner "$port" smtp 50 100 2>&1) || true
expect "ALPN smtp, ClientHello sent 50 bytes at a time 100 ms apart -> SMTP" \
	"imap=4 smtp=2" "$out" '^220 mail\.example\.com'

# ---- everything else is HTTPS ------------------------------------------------

out=$(curl -sS -k --max-time 10 --no-alpn -i --resolve "$ac:$port:127.0.0.1" \
	"https://$ac:$port$acq" 2>&1) || true
expect "curl without ALPN -> the autoconfig answer" "imap=4 smtp=2" \
	"$out" "$ac_re"
for proto in http1.1 http2; do
	out=$(curl -sS -k --max-time 10 "--$proto" -i \
		-w 'version=%{http_version}\n' --resolve "$ac:$port:127.0.0.1" \
		"https://$ac:$port$acq" 2>&1) || true
	v=1.1
	[ "$proto" = http2 ] && v=2
	expect "curl --$proto (ALPN $([ $v = 2 ] && echo h2 || echo http/1.1)) -> the autoconfig answer over HTTP/$v" \
		"imap=4 smtp=2" "$(grep -q "^version=$v$" <<<"$out" && echo "$out")" \
		"$ac_re"
done
out=$(python3 "$helper" http "$port" "" "$ac" "$acq" 2>&1) || true
expect "TLS client without ALPN -> HTTPS" "imap=4 smtp=2" "$out" \
	'<emailProvider id="example.com">'
out=$(python3 "$helper" http "$port" imapx,http/1.1 "$ac" "$acq" 2>&1) || true
expect "ALPN imapx,http/1.1 (a near miss) -> HTTPS, not IMAP" "imap=4 smtp=2" \
	"$out" '<emailProvider id="example.com">'
many=$(python3 -c 'print(",".join("proto%03d" % i for i in range(200)))')
out=$(python3 "$helper" http "$port" "$many,http/1.1" "$ac" "$acq" 2>&1) || true
expect "ALPN 200 unknown names then http/1.1 (a ClientHello over 2 KiB) -> HTTPS" \
	"imap=4 smtp=2" "$out" '<emailProvider id="example.com">'
# With no name it knows, nginx's https server (not the stream, not a mail
# server: those never answer with this alert) refuses the handshake.
for list in imapx xsmtp,pop3,managesieve "$many"; do
	out=$(python3 "$helper" http "$port" "$list" "$ac" "$acq" 2>&1) || true
	expect "ALPN ${list:0:30}$([ ${#list} -gt 30 ] && echo "... (200 names)") only -> the https server, which refuses it (no_application_protocol)" \
		"imap=4 smtp=2" "$out" '^TLS error: .*(no application protocol|NO_APPLICATION_PROTOCOL)'
done
out=$(python3 "$helper" http "$port" http/1.1 "$ac" "$acq" 4 10 2>&1) || true
expect "ALPN http/1.1, ClientHello 4 bytes at a time -> HTTPS" \
	"imap=4 smtp=2" "$out" '<emailProvider id="example.com">'

# ---- the client's address --------------------------------------------------

out=$(curl -sS -k --max-time 10 --interface 127.0.0.2 -o /dev/null \
	-w '%{http_code}' --resolve "$ac:$port:127.0.0.1" \
	"https://$ac:$port/mail/config-v1.1.xml?emailaddress=addr%40example.com" 2>&1) || true
wait_for 5 grep -q 'addr%40example' "$tmp/http-access.log" || true
line=$(grep 'addr%40example' "$tmp/http-access.log" || true)
if [ "$out" = 200 ] && [[ $line == "127.0.0.2 "* ]]; then
	ok "https server's log: the client's address 127.0.0.2 (PROXY protocol), not nginx's"
else
	not_ok "https server's log: the client's address 127.0.0.2" \
		"status $out, log line '$line'"
fi
python3 - "$port" <<'EOF' >"$tmp/from2.out" 2>&1 || true
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["imap"])
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10,
                             ("127.0.0.2", 0))
t = ctx.wrap_socket(s, server_hostname="mail.example.com")
print(t.recv(100).decode())
t.close()
EOF
sleep 0.5
hop=$(grep "unix:" "$tmp/stream-access.log" | tail -n 1 || true)
if grep -q '^\* OK test IMAP' "$tmp/from2.out" && [[ $hop == "127.0.0.2 "* ]]; then
	ok "IMAP hop's stream log: the client's address 127.0.0.2"
else
	not_ok "IMAP hop's stream log: the client's address 127.0.0.2" \
		"client: $(head -c 200 "$tmp/from2.out")" "hop log line: '$hop'"
fi
: >"$tmp/imap.count"
: >"$tmp/smtp.count"

# ---- a client that never finishes its ClientHello --------------------------

http_lines=$(wc -l <"$tmp/http-access.log")
out=$(python3 "$helper" stall "$port" 40 2>&1) || true
sleep 0.5
secs=$(sed -n 's/^closed after \([0-9]*\) s$/\1/p' <<<"$out")
if [ -n "$secs" ] && [ "$secs" -ge 9 ] && [ "$secs" -le 13 ] &&
	[ "$(counts)" = "imap=0 smtp=0" ] &&
	[ "$(wc -l <"$tmp/http-access.log")" = "$http_lines" ] &&
	tail -n 1 "$tmp/stream-access.log" | grep -q ' up=- '; then
	ok "ClientHello never finished -> closed after the shipped preread_timeout (${secs} s), no server saw it"
else
	not_ok "ClientHello never finished -> closed after preread_timeout, no server saw it" \
		"client: $out" "connections: $(counts)" \
		"stream log: $(tail -n 1 "$tmp/stream-access.log")" \
		"https log lines: $(wc -l <"$tmp/http-access.log"), before $http_lines"
fi

e2e_finish
