#!/usr/bin/env bash
# End-to-end tests: the real mailautoconf-fcgi under spawn-fcgi behind a
# real nginx, driven by curl over TLS on loopback.
#
# Usage: bash tests/e2e/run.sh BUILD_DIR     (as root, from anywhere)
#
# nginx includes the shipped nginx/mailautoconf-locations.conf unmodified;
# the upstream block is the shipped nginx/mailautoconf-upstream.conf with
# only the socket path replaced; the plain-http blocks are cut out of
# nginx/example-servers.conf with only their listen lines replaced.  The
# exact bodies are pinned by the golden tests; here every answer is
# checked for status, Content-Type, key headers and substrings, and for
# being well-formed XML, JSON or plist.  tests/e2e/hostile.py then sends
# byte-exact hostile requests over raw sockets and pins each answer
# exactly; its results count in the totals below.
#
# The last line of output is exactly "N passed, M failed"; the exit
# status is non-zero if M > 0.  MAC_E2E_KEEP=1 keeps the temporary
# directory (logs, nginx.conf, answers) for inspection.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
bin=$(cd "$build" && pwd)/mailautoconf-fcgi

tmp=$(mktemp -d /tmp/mailautoconf-e2e.XXXXXX)
setup_logs=("$tmp/responder.log" "$tmp/nginx-error.log")
nginx_pid=
resp_pid=

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local pid
	for pid in "$nginx_pid" "$resp_pid"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	if [ "${MAC_E2E_KEEP:-}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# Two free loopback ports.
read -r tls_port http_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

[ -x "$bin" ] || setup_fail "no executable $bin"
for tool in nginx spawn-fcgi openssl curl xmllint python3; do
	command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
done

# ---- files ----------------------------------------------------------------

chmod 0755 "$tmp"
mkdir -p "$tmp/run" "$tmp/conf" "$tmp/bodies" "$tmp/out"
mac_prefix_dir "$tmp"
config=$tmp/conf/mailautoconf.ini
cp "$root/tests/e2e/extra.ini" "$config"
chmod 0644 "$config"
sock=$tmp/run/mailautoconf.sock

mac_upstream "$sock" "$tmp/upstream.conf" ||
	setup_fail "socket path not found in nginx/mailautoconf-upstream.conf"

# The port-80 blocks of example-servers.conf, listening on our plain port.
for block in "port-80 autodiscover redirect" "port-80 autoconfig"; do
	mac_port80_block "$block" "127.0.0.1:$http_port" >/dev/null ||
		setup_fail "no '# BEGIN $block' block in nginx/example-servers.conf"
done

mac_cert "$tmp/key.pem" "$tmp/cert.pem" mailautoconf-e2e 2 \
	example.com autoconfig.example.com autodiscover.example.com \
	example.net autoconfig.example.net autodiscover.example.net \
	example.org autoconfig.example.org autodiscover.example.org \
	2>/dev/null || setup_fail "openssl could not make a certificate"

if [ "$(id -u)" = 0 ]; then
	# As in production: nginx workers as www-data, the responder as
	# nobody, the socket owned by www-data with mode 0660.
	nginx_user=www-data
	chown www-data "$tmp/nginx-temp"
	mac_spawn_ids "$bin" "$config"
	spawn_ids=("${mac_ids[@]}")
else
	nginx_user=
	spawn_ids=()
fi

mac_nginx_conf "$tmp" "$nginx_user" "$tmp/nginx-error.log info" \
	>"$tmp/nginx.conf" <<EOF
	include $root/nginx/mailautoconf-log.conf;
	access_log $tmp/nginx-access.log mailautoconf;

	include $tmp/upstream.conf;

$(mac_tls_server "127.0.0.1:$tls_port ssl" "$tmp/cert.pem" "$tmp/key.pem" \
	autoconfig.example.com autodiscover.example.com example.com \
	autoconfig.example.net example.net autodiscover.example.net \
	example.org autoconfig.example.org)

$(mac_port80_block "port-80 autodiscover redirect" "127.0.0.1:$http_port")

$(mac_port80_block "port-80 autoconfig" "127.0.0.1:$http_port")
EOF

# ---- request bodies (shapes from tests/data/samples) -------------------------

pox_request() { # namespace schema address
	printf '<?xml version="1.0" encoding="utf-8"?>\n'
	printf '<Autodiscover xmlns="%s">\n  <Request>\n' "$1"
	printf '    <EMailAddress>%s</EMailAddress>\n' "$3"
	printf '    <AcceptableResponseSchema>%s</AcceptableResponseSchema>\n' "$2"
	printf '  </Request>\n</Autodiscover>\n'
}
ms=http://schemas.microsoft.com/exchange/autodiscover
# Thunderbird (its template literal keeps the leading spaces): the body
# the golden case pins, the request file's lines after the first empty one.
sed '1,/^$/d' "$root/tests/golden/pox_thunderbird/request" \
	>"$tmp/bodies/thunderbird.xml"
# Outlook 2010: one line.
printf '%s' "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"$ms/outlook/requestschema/2006\"><Request><EMailAddress>bob@example.net</EMailAddress><AcceptableResponseSchema>$ms/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>" \
	>"$tmp/bodies/outlook2010.xml"
pox_request "$ms/request/2006" "$ms/outlook/responseschema/2006a" \
	alice@example.com >"$tmp/bodies/mailcow.xml"
pox_request "$ms/mobilesync/requestschema/2006" \
	"$ms/mobilesync/responseschema/2006" alice@example.com \
	>"$tmp/bodies/mobilesync.xml"
pox_request "$ms/mobilesync/requestschema/2006" \
	"$ms/mobilesync/responseschema/2006" bob@example.net \
	>"$tmp/bodies/mobilesync_no_eas.xml"
pox_request "$ms/outlook/requestschema/2006" "$ms/outlook/responseschema/2006a" \
	nobody@nosuchprovider.example >"$tmp/bodies/unknown_domain.xml"
printf '%s' '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe "INJECTED">]><Autodiscover><Request><EMailAddress>&xxe;</EMailAddress></Request></Autodiscover>' \
	>"$tmp/bodies/xxe.xml"
printf '<Autodiscover><Request><EMailAddress>alice@example.com' \
	>"$tmp/bodies/truncated.xml"
: >"$tmp/bodies/empty"
# 20 KiB: over the responder's 16 KiB, under nginx's 64k.
{
	printf '<?xml version="1.0"?><Autodiscover><Request><EMailAddress>alice@example.com</EMailAddress><!--'
	head -c 20480 /dev/zero | tr '\0' x
	printf -- '--></Request></Autodiscover>'
} >"$tmp/bodies/big20k.xml"
# 100 KiB: nginx refuses it before the responder sees it.
head -c 102400 /dev/zero | tr '\0' x >"$tmp/bodies/big100k"

# ---- start ----------------------------------------------------------------

spawn-fcgi -n -s "$sock" -M 0660 "${spawn_ids[@]}" -- \
	"$bin" -c "$config" 2>"$tmp/responder.log" &
resp_pid=$!

wait_for 10 grep -q 'started: ' "$tmp/responder.log" ||
	setup_fail "the responder did not log 'started:'"

nginx -t -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" \
	>"$tmp/nginx-t.log" 2>&1 || {
	cat "$tmp/nginx-t.log"
	setup_fail "nginx -t rejected the generated nginx.conf"
}
nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" &
nginx_pid=$!
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$http_port/" ||
	setup_fail "nginx did not start"

# ---- the request table ----------------------------------------------------

n_req=0

# Run one request; sets $status, $hdrs (file) and $body (file).
fetch() { # scheme method host target headers bodyfile
	local scheme=$1 method=$2 host=$3 target=$4 headers=$5 bodyfile=$6
	local port=$tls_port h
	local -a args=(-sS -k --max-time 10) hs
	[ "$scheme" = http ] && port=$http_port
	n_req=$((n_req + 1))
	hdrs=$tmp/out/$n_req.headers
	body=$tmp/out/$n_req.body
	args+=(--resolve "$host:$port:127.0.0.1" -D "$hdrs" -o "$body")
	case $method in
	GET) ;;
	HEAD) args+=(--head) ;;
	*) args+=(-X "$method") ;;
	esac
	if [ "$headers" != - ]; then
		IFS=';' read -r -a hs <<<"$headers"
		for h in "${hs[@]}"; do
			args+=(-H "$h")
		done
	fi
	[ "$bodyfile" != - ] && args+=(--data-binary "@$tmp/bodies/$bodyfile")
	status=$(curl "${args[@]}" -w '%{http_code}' \
		"$scheme://$host:$port$target") || status=curl-error
}

# The value of a response header (first match, CR stripped).
header() {
	sed -n "s/^$1: *//Ip" "$hdrs" | tr -d '\r' | head -n 1
}

well_formed() { # format file
	case $1 in
	xml) xmllint --noout --nonet "$2" ;;
	json) python3 -c 'import json, sys; json.load(open(sys.argv[1], "rb"))' "$2" ;;
	plist) python3 -c 'import plistlib, sys; plistlib.load(open(sys.argv[1], "rb"))' "$2" ;;
	-) true ;;
	esac
}

# One row: every listed expectation must hold.
check() { # name scheme method host target headers body status ctype hgrep bgrep format
	local name=$1 want_status=$8 want_ct=$9 hgrep=${10} bgrep=${11} format=${12}
	local ct
	local -a why=()
	fetch "$2" "$3" "$4" "$5" "$6" "$7"
	ct=$(header Content-Type)
	[ "$status" = "$want_status" ] ||
		why+=("status $status, want $want_status")
	if [ "$want_ct" != - ] && [[ $ct != "$want_ct"* ]]; then
		why+=("Content-Type '$ct', want '$want_ct'")
	fi
	if [ "$hgrep" != - ] && ! tr -d '\r' <"$hdrs" | grep -Eiq -- "$hgrep"; then
		why+=("no header matching /$hgrep/")
	fi
	case $bgrep in
	-) ;;
	!*) if grep -Eq -- "${bgrep#!}" "$body"; then
		why+=("body matches /${bgrep#!}/")
	fi ;;
	*) if ! grep -Eq -- "$bgrep" "$body"; then
		why+=("body does not match /$bgrep/")
	fi ;;
	esac
	if ! well_formed "$format" "$body" >"$tmp/out/$n_req.wf" 2>&1; then
		why+=("body is not well-formed $format: $(head -c 200 "$tmp/out/$n_req.wf")")
	fi
	if [ "${#why[@]}" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}" \
			"request: $3 $2://$4$5 headers=$6 body=$7" \
			"response headers: $(tr -d '\r' <"$hdrs" | tr '\n' '|')" \
			"response body: $(head -c 300 "$body" | tr '\n' ' ')"
	fi
}

ac=autoconfig.example.com
ad=autodiscover.example.com
tx='Content-Type: text/xml; charset=utf-8'
nosniff='X-Content-Type-Options: nosniff'
resp_ns='responseschema/2006'
# name | scheme | method | host | target | headers (";"-separated) |
#   body file | status | Content-Type prefix | header regex |
#   body regex ("!" first: must not match) | format; "-" = no check
cases=$(
	cat <<EOF
autoconfig ?emailaddress=alice%40example.com -> 200 XML for example.com|https|GET|$ac|/mail/config-v1.1.xml?emailaddress=alice%40example.com|-|-|200|text/xml|^Cache-Control: no-cache$|<emailProvider id="example.com">.*|xml
autoconfig raw @ in emailaddress -> 200 same provider|https|GET|$ac|/mail/config-v1.1.xml?emailaddress=alice@example.com|-|-|200|text/xml|^$nosniff$|imap\.example\.com|xml
autoconfig without emailaddress, Host autoconfig.example.net -> 200 for example.net|https|GET|autoconfig.example.net|/mail/config-v1.1.xml|-|-|200|text/xml|-|<emailProvider id="example.net">|xml
autoconfig .well-known on the bare domain -> 200|https|GET|example.org|/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=carol%40example.org|-|-|200|text/xml|-|mail\.example\.net|xml
autoconfig .well-known without emailaddress (Delta Chat) -> 200 from Host|https|GET|example.net|/.well-known/autoconfig/mail/config-v1.1.xml|-|-|200|text/xml|-|<emailProvider id="example.net">|xml
autoconfig upper-case path /MAIL/Config-V1.1.XML -> 200|https|GET|$ac|/MAIL/Config-V1.1.XML?emailaddress=alice%40example.com|-|-|200|text/xml|-|<clientConfig|xml
autoconfig upper-case .well-known path -> 200|https|GET|example.com|/.Well-Known/AutoConfig/Mail/config-v1.1.xml?emailaddress=alice%40example.com|-|-|200|text/xml|-|<clientConfig|xml
autoconfig Nine path /v1.1/mail/config-v1.1.xml with a raw @ -> 200|https|GET|example.com|/v1.1/mail/config-v1.1.xml?emailaddress=alice@example.com|-|-|200|text/xml|-|<clientConfig|xml
autoconfig HEAD -> 200, headers with Content-Length|https|HEAD|$ac|/mail/config-v1.1.xml?emailaddress=alice%40example.com|-|-|200|text/xml|^Content-Length: [1-9][0-9]*$|-|-
autoconfig Evolution EVOLUTIONUSER%40example.com&emailmd5= -> 200|https|GET|$ac|/mail/config-v1.1.xml?emailaddress=EVOLUTIONUSER%40example.com&emailmd5=6d0c8e1e3f1c4f1b8d5b7c0f5e1a2b3c|-|-|200|text/xml|-|<incomingServer type="imap">|xml
autoconfig upper-case domain ALICE@EXAMPLE.COM -> 200 (domains match without case)|https|GET|$ac|/mail/config-v1.1.xml?emailaddress=ALICE%40EXAMPLE.COM|-|-|200|text/xml|-|<emailProvider id="example.com">|xml
autoconfig unknown domain -> 404 text|https|GET|$ac|/mail/config-v1.1.xml?emailaddress=x%40nosuchprovider.example|-|-|404|text/plain|-|-|-
autoconfig malformed address -> 400 text|https|GET|$ac|/mail/config-v1.1.xml?emailaddress=not-an-address|-|-|400|text/plain|-|-|-
autoconfig bad percent escape -> 400|https|GET|$ac|/mail/config-v1.1.xml?emailaddress=alice%4|-|-|400|text/plain|-|-|-
autoconfig POST -> 405 with Allow: GET, HEAD|https|POST|$ac|/mail/config-v1.1.xml?emailaddress=alice%40example.com|Content-Type: text/xml|empty|405|text/plain|^Allow: GET, HEAD$|-|-
autodiscover POST Thunderbird body -> 200 Outlook settings|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|thunderbird.xml|200|text/xml|-|outlook/responseschema/2006a.*|xml
autodiscover POST Thunderbird body -> IMAP server and SSL on|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|thunderbird.xml|200|text/xml|-|<Server>imap\.example\.com</Server>|xml
autodiscover POST Outlook 2010 at /AutoDiscover/AutoDiscover.xml -> 200|https|POST|autodiscover.example.net|/AutoDiscover/AutoDiscover.xml|Content-Type: text/xml|outlook2010.xml|200|text/xml|-|<Type>IMAP</Type>|xml
autodiscover POST on the bare domain -> 200|https|POST|example.com|/autodiscover/autodiscover.xml|$tx|thunderbird.xml|200|text/xml|-|<Action>settings</Action>|xml
autodiscover POST mailcow request/2006 namespace -> 200 settings|https|POST|$ad|/Autodiscover/Autodiscover.xml|Content-Type: text/xml|mailcow.xml|200|text/xml|-|<Protocol>|xml
autodiscover POST curl default form Content-Type -> still answered 200|https|POST|$ad|/autodiscover/autodiscover.xml|-|thunderbird.xml|200|text/xml|-|<Protocol>|xml
autodiscover POST mobilesync schema -> 200 MobileSync server|https|POST|$ad|/autodiscover/autodiscover.xml|Content-Type: text/xml|mobilesync.xml|200|text/xml|-|mobilesync/$resp_ns.*|xml
autodiscover POST mobilesync schema -> ActiveSync URL|https|POST|$ad|/autodiscover/autodiscover.xml|Content-Type: text/xml|mobilesync.xml|200|text/xml|-|https://sync\.example\.com/Microsoft-Server-ActiveSync|xml
autodiscover POST mobilesync for a domain without ActiveSync -> 200 ErrorCode 601|https|POST|autodiscover.example.net|/autodiscover/autodiscover.xml|Content-Type: text/xml|mobilesync_no_eas.xml|200|text/xml|-|<ErrorCode>601</ErrorCode>|xml
autodiscover POST unknown domain -> 404|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|unknown_domain.xml|404|-|-|-|-
autodiscover GET (Remote Connectivity Analyzer) -> 200 ErrorCode 600|https|GET|$ad|/Autodiscover/Autodiscover.xml|-|-|200|text/xml|-|<ErrorCode>600</ErrorCode>|xml
autodiscover empty POST -> 200 ErrorCode 600|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|empty|200|text/xml|-|<ErrorCode>600</ErrorCode>|xml
autodiscover XXE body with DOCTYPE -> 400, entity never expanded|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|xxe.xml|400|-|-|!INJECTED|-
autodiscover truncated XML -> 400|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|truncated.xml|400|-|-|-|-
autodiscover 20 KiB body (over 16 KiB) -> 413|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|big20k.xml|413|-|-|-|-
autodiscover after a 413 the next request on the kept connection -> 200|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|thunderbird.xml|200|text/xml|-|<Protocol>|xml
autodiscover 100 KiB body -> 413 from nginx (client_max_body_size 64k), short text, no HTML|https|POST|$ad|/autodiscover/autodiscover.xml|$tx|big100k|413|text/plain|-|^request body too large$|-
autodiscover PUT -> 405 with Allow|https|PUT|$ad|/autodiscover/autodiscover.xml|$tx|thunderbird.xml|405|-|^Allow: POST, GET, HEAD$|-|-
json v2 ?Email=&Protocol=Autodiscoverv1 -> 200 AutodiscoverV1 URL|https|GET|$ad|/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=Autodiscoverv1&RedirectCount=1|-|-|200|application/json|-|"Protocol":"AutodiscoverV1".*autodiscover/autodiscover\.xml|json
json v2 path form /v1.0/alice@example.com -> 200|https|GET|$ad|/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=Autodiscoverv1&RedirectCount=1|-|-|200|application/json|-|"Url":"https://|json
json v2 path form with %40 -> 200|https|GET|$ad|/autodiscover/autodiscover.json/v1.0/alice%40example.com?Protocol=AutodiscoverV1|-|-|200|application/json|-|"Protocol":"AutodiscoverV1"|json
json v2 Protocol in any case (AUTODISCOVERV1) -> 200|https|GET|$ad|/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=AUTODISCOVERV1|-|-|200|application/json|-|"Protocol":"AutodiscoverV1"|json
json v2 mixed-case path /AutoDiscover/AutoDiscover.json -> 200|https|GET|$ad|/AutoDiscover/AutoDiscover.json?Email=alice%40example.com&Protocol=autodiscoverv1|-|-|200|application/json|-|"Protocol"|json
json v2 Protocol=ActiveSync -> 200 ActiveSync URL|https|GET|$ad|/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=ActiveSync&RedirectCount=1|-|-|200|application/json|-|"Protocol":"ActiveSync".*Microsoft-Server-ActiveSync|json
json v2 Protocol=Rest -> 400 JSON InvalidProtocol|https|GET|$ad|/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=Rest|-|-|400|application/json|-|"ErrorCode":"InvalidProtocol"|json
json v2 ActiveSync for a domain without it -> 400 JSON|https|GET|autodiscover.example.net|/autodiscover/autodiscover.json?Email=bob%40example.net&Protocol=ActiveSync|-|-|400|application/json|-|"ErrorCode"|json
json v2 unknown sub-path /v2.0/... -> 404|https|GET|$ad|/autodiscover/autodiscover.json/v2.0/alice@example.com|-|-|404|-|-|-|-
mobileconfig -> 200 aspen-config profile as an attachment|https|GET|$ac|/mobileconfig?emailaddress=alice%40example.com|-|-|200|application/x-apple-aspen-config|^Content-Disposition: attachment; filename="[A-Za-z0-9._-]+\.mobileconfig"$|com\.apple\.mail\.managed|plist
mobileconfig with name= -> 200, name in the profile|https|GET|$ac|/MobileConfig?emailaddress=alice%40example.com&name=Alice%20%26%20Co|-|-|200|application/x-apple-aspen-config|-|Alice &amp; Co|plist
mobileconfig without emailaddress -> 400|https|GET|$ac|/mobileconfig|-|-|400|text/plain|-|-|-
unknown path next to the endpoints -> 404 from nginx|https|GET|$ac|/mail/other.xml|-|-|404|-|-|-|-
port-80 autodiscover GET -> 302 to the https endpoint|http|GET|$ad|/autodiscover/autodiscover.xml|-|-|302|-|^Location: https://autodiscover\.example\.com/autodiscover/autodiscover\.xml$|-|-
port-80 autodiscover POST -> 302 to the https endpoint|http|POST|autodiscover.example.net|/Autodiscover/Autodiscover.xml|$tx|thunderbird.xml|302|-|^Location: https://autodiscover\.example\.net/autodiscover/autodiscover\.xml$|-|-
port-80 autoconfig over plain http -> 200 XML|http|GET|autoconfig.example.org|/mail/config-v1.1.xml?emailaddress=carol%40example.org|-|-|200|text/xml|-|<emailProvider id="example.net">|xml
EOF
)

while IFS='|' read -r c_name c_scheme c_method c_host c_target c_headers \
	c_body c_status c_ct c_hgrep c_bgrep c_format; do
	[ -n "$c_name" ] || continue
	check "$c_name" "$c_scheme" "$c_method" "$c_host" "$c_target" \
		"$c_headers" "$c_body" "$c_status" "$c_ct" "$c_hgrep" "$c_bgrep" \
		"$c_format"
done <<<"$cases"

# ---- hostile requests (tests/e2e/hostile.py) -------------------------------

# Byte-exact malformed and hostile requests over raw sockets (what curl
# cannot send), each checked for its exact status, Content-Type and body
# and followed by a normal request.  hostile.py prints ok/FAIL lines and
# last "hostile: N passed, M failed", which is added to the totals here.
hostile_log=$tmp/out/hostile.log
python3 "$root/tests/e2e/hostile.py" "$tls_port" "$http_port" example.com \
	2>&1 | tee "$hostile_log" | grep -v '^hostile: ' || true
last=$(tail -n 1 "$hostile_log")
if [[ $last =~ ^hostile:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	pass=$((pass + BASH_REMATCH[1]))
	fail=$((fail + BASH_REMATCH[2]))
else
	not_ok "hostile.py did not finish" "$(tail -n 5 "$hostile_log")"
fi

name="after the hostile requests the responder is alive and answers 200"
fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=alice%40example.com" - -
if ! kill -0 "$resp_pid" 2>/dev/null; then
	not_ok "$name" "pid $resp_pid is gone" "$(tail -n 5 "$tmp/responder.log")"
elif [ "$status" = 200 ] &&
	grep -q '<emailProvider id="example.com">' "$body"; then
	ok "$name"
else
	not_ok "$name" "status $status" "$(tail -n 5 "$tmp/responder.log")"
fi

# ---- the shipped access log format (nginx/mailautoconf-log.conf) -----------

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

# ---- concurrency: parallel kept-alive connections --------------------------

# More at once than the responder has threads (32): kept-alive
# connections hold no thread, so nothing starves.
name="120 requests, 40 at a time over kept-alive connections -> all 200"
codes=$(seq 120 | xargs -P 40 -I{} curl -sS -k --max-time 10 -o /dev/null \
	-w '%{http_code}\n' --resolve "$ac:$tls_port:127.0.0.1" \
	"https://$ac:$tls_port/mail/config-v1.1.xml?emailaddress=u{}%40example.com" |
	sort | uniq -c | tr -s ' ' | tr '\n' ';') || true
if [ "$codes" = " 120 200;" ]; then
	ok "$name"
else
	not_ok "$name" "status counts: $codes"
fi

# ---- FastCGI spoken directly (what nginx hides) ----------------------------

# tests/e2e/fcgi_direct.py sends requests over connections with
# FCGI_KEEP_CONN, the way nginx does with fastcgi_keep_conn on, and prints
# "ok NAME" or "FAIL NAME: why" per scenario.
direct=$root/tests/e2e/fcgi_direct.py

while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	*) not_ok "${line#FAIL }" ;;
	esac
done < <(python3 "$direct" scenarios "$sock" "$tmp/bodies/thunderbird.xml" 2>&1 ||
	echo "FAIL direct FastCGI client crashed")

# ---- -s: the responder binds its own socket --------------------------------

own_serve() { # name spec connect-target
	local name=$1 spec=$2 target=$3 pid line
	"$bin" -c "$config" -s "$spec" 2>"$tmp/own.log" &
	pid=$!
	if ! wait_for 10 grep -q 'started: ' "$tmp/own.log"; then
		kill "$pid" 2>/dev/null || true
		not_ok "$name" "no 'started:' line: $(cat "$tmp/own.log")"
		return
	fi
	line=$(python3 "$direct" one "$target" 2>&1) || true
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	case $line in
	"ok "*) ok "$name" ;;
	*) not_ok "$name" "$line" ;;
	esac
}
own_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
own_serve "-s unix:PATH -> binds the socket itself and answers 200" \
	"unix:$tmp/own.sock" "$tmp/own.sock"
name="-s unix:PATH -> socket removed on SIGTERM"
if [ -e "$tmp/own.sock" ]; then not_ok "$name" "$tmp/own.sock still exists"; else ok "$name"; fi

# -d logs each request with its address; without it (the responder above,
# checked at the end) no request is logged at all.
name="-d -> one log line per request: method, route, status, address"
"$bin" -d -c "$config" -s "unix:$tmp/dbg.sock" 2>"$tmp/dbg.log" &
dbg_pid=$!
if wait_for 10 grep -q 'started: ' "$tmp/dbg.log"; then
	python3 "$direct" one "$tmp/dbg.sock" >/dev/null 2>&1 || true
fi
kill -TERM "$dbg_pid" 2>/dev/null || true
wait "$dbg_pid" 2>/dev/null || true
if grep -Eq ': request: GET autoconfig 200 alice@example\.com$' "$tmp/dbg.log"; then
	ok "$name"
else
	not_ok "$name" "$(tail -n 3 "$tmp/dbg.log")"
fi
own_serve "-s 127.0.0.1:PORT -> listens on TCP loopback and answers 200" \
	"127.0.0.1:$own_port" "tcp:127.0.0.1:$own_port"

# -b: the listening socket's backlog, as ss(8) shows it (Send-Q of a
# listening socket).  Default: the system's maximum.
backlog_of() { # unix:PATH | PORT
	case $1 in
	unix:*) ss -lxH | awk -v p="${1#unix:}" '$5 == p { print $4 }' ;;
	*) ss -ltnH "sport = :$1" | awk '{ print $3 }' ;;
	esac
}
backlog_run() { # where [option...]: start with options, print the backlog
	local where=$1 pid
	shift
	"$@" 2>"$tmp/backlog.log" &
	pid=$!
	wait_for 10 grep -q 'started: ' "$tmp/backlog.log" || true
	backlog_of "$where"
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
somaxconn=$(cat /proc/sys/net/core/somaxconn)
name="-b 64 -> a listen queue of 64 (unix, TCP, and spawn-fcgi's socket on fd 0, made with 1024); without -b, net.core.somaxconn ($somaxconn)"
if command -v ss >/dev/null; then
	b_def=$(backlog_run "unix:$tmp/bl.sock" "$bin" -c "$config" -s "unix:$tmp/bl.sock")
	b_unix=$(backlog_run "unix:$tmp/bl.sock" "$bin" -c "$config" -s "unix:$tmp/bl.sock" -b 64)
	b_tcp=$(backlog_run "$own_port" "$bin" -c "$config" -s "127.0.0.1:$own_port" -b 64)
	b_spawn=$(backlog_run "unix:$tmp/bl.sock" spawn-fcgi -n -s "$tmp/bl.sock" \
		"${spawn_ids[@]}" -- "$bin" -c "$config" -b 64)
	b_spawn_def=$(backlog_run "unix:$tmp/bl.sock" spawn-fcgi -n -s "$tmp/bl.sock" \
		"${spawn_ids[@]}" -- "$bin" -c "$config")
	if [ "$b_def" = "$somaxconn" ] && [ "$b_unix" = 64 ] && [ "$b_tcp" = 64 ] &&
		[ "$b_spawn" = 64 ] && [ "$b_spawn_def" = 1024 ]; then
		ok "$name"
	else
		not_ok "$name" "default '$b_def', unix '$b_unix', TCP '$b_tcp'," \
			"spawn-fcgi with -b 64 '$b_spawn', without '$b_spawn_def'"
	fi
else
	not_ok "$name" "ss is not installed (Debian: iproute2)"
fi
name="-b 0 and -b x -> 'wants 1..', exit 2"
rc1=0 rc2=0
"$bin" -b 0 -c "$config" -s "unix:$tmp/bl.sock" 2>"$tmp/b0.log" || rc1=$?
"$bin" -b x -c "$config" -s "unix:$tmp/bl.sock" 2>>"$tmp/b0.log" || rc2=$?
if [ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$(grep -c -- '-b wants 1\.\.' "$tmp/b0.log")" = 2 ]; then
	ok "$name"
else
	not_ok "$name" "exit $rc1 and $rc2" "$(cat "$tmp/b0.log")"
fi

name="-V -> version on stdout, exit 0"
if out=$("$bin" -V 2>&1) && printf '%s' "$out" | grep -q '[0-9]\.[0-9]'; then
	ok "$name"
else
	not_ok "$name" "got: $out"
fi
name="-h -> usage naming every option, exit 0"
if out=$("$bin" -h 2>&1) && for o in -b -c -t -s -n -d -V -h; do
	printf '%s' "$out" | grep -q -- "$o" || exit 1
done; then
	ok "$name"
else
	not_ok "$name" "got: $out"
fi
name="unknown option -> usage, non-zero exit"
if "$bin" -Q >"$tmp/badopt.log" 2>&1; then
	not_ok "$name" "exit 0"
else
	ok "$name"
fi

# ---- -t ---------------------------------------------------------------------

printf '[provider broken.example]\ndisplay-name = Broken\nno-such-key = 1\n' \
	>"$tmp/conf/broken.ini"
chmod 0644 "$tmp/conf/broken.ini"

name="-t on a good file -> exit 0, 'test is successful'"
if "$bin" -t -c "$config" 2>"$tmp/t-good.log" &&
	grep -q "configuration file $config test is successful" "$tmp/t-good.log"; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/t-good.log")"
fi

name="-t on a bad file -> exit 1, '[emerg] file:line: reason', 'test failed'"
rc=0
"$bin" -t -c "$tmp/conf/broken.ini" 2>"$tmp/t-bad.log" || rc=$?
if [ "$rc" = 1 ] &&
	grep -q "\[emerg\] $tmp/conf/broken.ini:3: " "$tmp/t-bad.log" &&
	grep -q "configuration file $tmp/conf/broken.ini test failed" "$tmp/t-bad.log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$(cat "$tmp/t-bad.log")"
fi

name="-t on the shipped etc/mailautoconf.ini -> exit 0"
if [ ! -f "$root/etc/mailautoconf.ini" ]; then
	not_ok "$name" "etc/mailautoconf.ini does not exist"
elif "$bin" -t -c "$root/etc/mailautoconf.ini" 2>"$tmp/t-shipped.log"; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/t-shipped.log")"
fi

# ---- journald: JOURNAL_STREAM names our standard error ---------------------

# systemd sets JOURNAL_STREAM to "DEV:INODE" of the service's stderr; a
# file with that device and inode stands in for the journal's stream.
# Then every line is "<PRIORITY>message" (sd-daemon(3)): no time, no tag.
journal_stream() { # file: its "DEV:INODE", as systemd writes it
	stat -c '%d:%i' "$1"
}
jconf=$tmp/conf/journal.ini
cp "$config" "$jconf"
: >"$tmp/journal.log"
js=$(journal_stream "$tmp/journal.log")
name="JOURNAL_STREAM = stderr's DEV:INODE -> '<6>' info, '<7>' -d, '<4>' warning, '<3>' error; no time or tag"
JOURNAL_STREAM=$js \
	"$bin" -d -c "$jconf" -s "unix:$tmp/journal.sock" 2>>"$tmp/journal.log" &
j_pid=$!
if wait_for 10 grep -q '^<6>started: ' "$tmp/journal.log"; then
	python3 "$direct" one "$tmp/journal.sock" >/dev/null 2>&1 || true
	# FastCGI version 2: closed as a protocol violation, a warning.
	python3 "$direct" badversion "$tmp/journal.sock" >/dev/null 2>&1 || true
	wait_for 5 grep -q '^<4>bad connection closed: ' "$tmp/journal.log" || true
	cp "$tmp/conf/broken.ini" "$jconf"
	kill -HUP "$j_pid"
	wait_for 5 grep -q '^<3>reload failed: ' "$tmp/journal.log" || true
fi
kill -TERM "$j_pid" 2>/dev/null || true
wait "$j_pid" 2>/dev/null || true
if grep -qx "<6>started: $jconf, 2 providers, 3 domains, [0-9]* threads" "$tmp/journal.log" &&
	grep -qx '<7>request: GET autoconfig 200 alice@example.com' "$tmp/journal.log" &&
	grep -qx '<4>bad connection closed: unsupported FastCGI version' "$tmp/journal.log" &&
	grep -qx "<3>reload failed: $jconf:3: .*; keeping the old configuration" "$tmp/journal.log" &&
	grep -qx '<6>exiting' "$tmp/journal.log" &&
	! grep -qv '^<[3467]>[^<]' "$tmp/journal.log" &&
	! grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2}T|mailautoconf-fcgi' "$tmp/journal.log"; then
	ok "$name"
else
	not_ok "$name" "$(head -n 8 "$tmp/journal.log")"
fi

name="-t with JOURNAL_STREAM = stderr -> '<3>[emerg] FILE:LINE: reason', '<3>... test failed'; '<6>' when good"
: >"$tmp/journal-t.log"
js=$(journal_stream "$tmp/journal-t.log")
rc=0
JOURNAL_STREAM=$js \
	"$bin" -t -c "$tmp/conf/broken.ini" 2>>"$tmp/journal-t.log" || rc=$?
JOURNAL_STREAM=$js \
	"$bin" -t -c "$config" 2>>"$tmp/journal-t.log" || rc=$((rc + 10))
if [ "$rc" = 1 ] &&
	grep -q "^<3>\[emerg\] $tmp/conf/broken.ini:3: " "$tmp/journal-t.log" &&
	grep -qx "<3>configuration file $tmp/conf/broken.ini test failed" "$tmp/journal-t.log" &&
	grep -qx "<6>configuration file $config test is successful" "$tmp/journal-t.log" &&
	! grep -q 'mailautoconf-fcgi' "$tmp/journal-t.log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$(cat "$tmp/journal-t.log")"
fi

# Inherited by a process whose standard error is elsewhere: not ours.
name="JOURNAL_STREAM naming another file -> the usual 'TIME mailautoconf-fcgi[PID]: ' lines, no priority"
cp "$config" "$jconf"
: >"$tmp/journal-other.log"
: >"$tmp/not-journal.log"
js=$(journal_stream "$tmp/journal-other.log")
JOURNAL_STREAM=$js \
	"$bin" -c "$jconf" -s "unix:$tmp/journal.sock" 2>>"$tmp/not-journal.log" &
j_pid=$!
wait_for 10 grep -q 'started: ' "$tmp/not-journal.log" || true
kill -TERM "$j_pid" 2>/dev/null || true
wait "$j_pid" 2>/dev/null || true
stamp="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z mailautoconf-fcgi\[$j_pid\]: "
if grep -Eqx "${stamp}started: $jconf, 2 providers, 3 domains, [0-9]+ threads" "$tmp/not-journal.log" &&
	grep -Eqx "${stamp}exiting" "$tmp/not-journal.log" &&
	! grep -Eqv "^$stamp" "$tmp/not-journal.log" && [ ! -s "$tmp/journal-other.log" ]; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/not-journal.log")"
fi

auto_threads=$((2 * $(getconf _NPROCESSORS_ONLN)))
name="startup logs 'started: FILE, 2 providers, 3 domains, $auto_threads threads' (default -n: 2 per CPU)"
if grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z mailautoconf-fcgi\[$resp_pid\]: started: $config, 2 providers, 3 domains, $auto_threads threads$" \
	"$tmp/responder.log"; then
	ok "$name"
else
	not_ok "$name" "$(head -n 3 "$tmp/responder.log")"
fi

# ---- SIGHUP -----------------------------------------------------------------

display_name() { # the displayName the running responder serves for example.com
	fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=alice%40example.com" - -
	sed -n 's/.*<displayName>\(.*\)<\/displayName>.*/\1/p' "$body" | head -n 1
}

name="SIGHUP with a changed display-name -> new name served, 'reloaded' logged"
sed 's/^display-name = E2E Example Com$/display-name = E2E Example Com Reloaded/' \
	"$root/tests/e2e/extra.ini" >"$config.new"
chmod 0644 "$config.new"
mv "$config.new" "$config"
before=$(display_name)
kill -HUP "$resp_pid"
wait_for 5 grep -q "reloaded $config: 2 providers, 3 domains" "$tmp/responder.log" || true
after=$(display_name)
if [ "$before" = "E2E Example Com" ] && [ "$after" = "E2E Example Com Reloaded" ] &&
	grep -q "reloaded $config: 2 providers, 3 domains" "$tmp/responder.log"; then
	ok "$name"
else
	not_ok "$name" "before '$before', after '$after'" "$(tail -n 3 "$tmp/responder.log")"
fi

name="SIGHUP with a broken file -> old configuration kept, file:line logged"
cp "$config" "$tmp/conf/good.ini"
cp "$tmp/conf/broken.ini" "$config"
kill -HUP "$resp_pid"
want="reload failed: $config:3: .*; keeping the old configuration"
wait_for 5 grep -q "$want" "$tmp/responder.log" || true
after=$(display_name)
if grep -q "$want" "$tmp/responder.log" && [ "$after" = "E2E Example Com Reloaded" ] &&
	[ "$status" = 200 ]; then
	ok "$name"
else
	not_ok "$name" "served '$after' ($status)" "$(tail -n 3 "$tmp/responder.log")"
fi
cp "$tmp/conf/good.ini" "$config"

name="SIGUSR1 -> ignored, requests still answered (libfcgi's handler would stop accepting)"
kill -USR1 "$resp_pid"
sleep 0.2
codes=
for i in 1 2 3; do
	fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=u$i%40example.com" - -
	codes="$codes$status "
done
# A fresh connection must be accepted too: the direct client opens one.
if [ "$codes" = "200 200 200 " ] && kill -0 "$resp_pid" 2>/dev/null &&
	python3 "$direct" scenarios "$sock" "$tmp/bodies/thunderbird.xml" \
		>"$tmp/out/usr1-direct" 2>&1 &&
	grep -q '^ok direct FastCGI HEAD' "$tmp/out/usr1-direct"; then
	ok "$name"
else
	not_ok "$name" "statuses: $codes" "$(tail -n 3 "$tmp/responder.log")"
fi

name="no request was logged: only 500s are"
if grep -Ev 'started: |reloaded |reload failed: ' "$tmp/responder.log" | grep -q .; then
	not_ok "$name" "$(grep -Ev 'started: |reloaded |reload failed: ' "$tmp/responder.log" | head -n 5)"
else
	ok "$name"
fi

# ---- SIGTERM ----------------------------------------------------------------

name="SIGTERM with a request in flight -> it is answered, then 'exiting' and exit 0"
# The request's body is sent in two halves, with SIGTERM in between
# (tests/e2e/fcgi_direct.py inflight).
rc=0
detail=$(python3 "$direct" inflight "$sock" "$resp_pid" 2>&1) || rc=$?
wait "$resp_pid" || rc=$?
resp_pid=
if [ "$rc" = 0 ] && grep -q ': exiting$' "$tmp/responder.log" &&
	! grep -q 'still in flight' "$tmp/responder.log"; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$detail" "$(tail -n 5 "$tmp/responder.log")"
fi

finish
