# shellcheck shell=bash
# mailautoconf: what every end-to-end test file in tests/e2e/ shares: the
# temporary folder, the configuration and request bodies, starting the
# responder under spawn-fcgi and nginx in front of it, stopping both, and
# the request helpers (fetch, check).  Source it from bash after
# "set -euo pipefail"; it runs nothing until e2e_setup.
#
# A test file:
#
#	. "$(dirname "$0")/common.sh"
#	e2e_setup "${1:-}" NAME   # BUILD_DIR; the last line: "e2e NAME: ..."
#	e2e_start_responder       # if it needs the responder on $sock
#	e2e_start_nginx           # if it needs nginx (after the responder)
#	...ok / not_ok (tests/lib.sh)...
#	e2e_finish
#
# nginx includes the shipped nginx/mailautoconf-locations.conf unmodified;
# the upstream block is the shipped nginx/mailautoconf-upstream.conf with
# only the socket path replaced; the plain-http blocks are cut out of
# nginx/example-servers.conf with only their listen lines replaced.
# MAC_E2E_KEEP=1 keeps the temporary folder (logs, nginx.conf, answers).
# shellcheck source-path=SCRIPTDIR/../..

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
# The direct FastCGI client (tests/e2e/fcgi_direct.py).
# shellcheck disable=SC2034 # used by the files that source this one
direct=$root/tests/e2e/fcgi_direct.py
# The hosts most requests go to.
ac=autoconfig.example.com
ad=autodiscover.example.com

nginx_pid=
resp_pid=
resp_log=
tmp=

# shellcheck disable=SC2317 # called by the EXIT trap
e2e_cleanup() {
	local pid
	for pid in "$nginx_pid" "$resp_pid"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	if [ -z "$tmp" ]; then
		return
	elif [ "${MAC_E2E_KEEP:-}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}

# The temporary folder, the configuration, the request bodies.  Sets bin,
# tmp, config, sock and spawn_ids.
e2e_setup() { # BUILD_DIR NAME
	local build=$1
	report_prefix="e2e $2: "
	[ -n "$build" ] || {
		echo "usage: $0 BUILD_DIR" >&2
		exit 2
	}
	bin=$(cd "$build" && pwd)/mailautoconf-fcgi
	tmp=$(mktemp -d "/tmp/mailautoconf-e2e-$2.XXXXXX")
	trap e2e_cleanup EXIT

	[ -x "$bin" ] || setup_fail "no executable $bin"
	for tool in spawn-fcgi python3; do
		command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
	done

	chmod 0755 "$tmp"
	mkdir -p "$tmp/run" "$tmp/conf" "$tmp/bodies" "$tmp/out"
	config=$tmp/conf/mailautoconf.ini
	cp "$root/tests/e2e/extra.ini" "$config"
	chmod 0644 "$config"
	sock=$tmp/run/mailautoconf.sock
	if [ "$(id -u)" = 0 ]; then
		# As in production: the responder as nobody, the socket owned
		# by www-data with mode 0660.
		mac_spawn_ids "$bin" "$config"
		spawn_ids=("${mac_ids[@]}")
	else
		spawn_ids=()
	fi
	e2e_bodies
}

# ---- request bodies (shapes from tests/data/samples) -------------------------

e2e_pox_request() { # namespace schema address
	printf '<?xml version="1.0" encoding="utf-8"?>\n'
	printf '<Autodiscover xmlns="%s">\n  <Request>\n' "$1"
	printf '    <EMailAddress>%s</EMailAddress>\n' "$3"
	printf '    <AcceptableResponseSchema>%s</AcceptableResponseSchema>\n' "$2"
	printf '  </Request>\n</Autodiscover>\n'
}

e2e_bodies() {
	local ms=http://schemas.microsoft.com/exchange/autodiscover
	# Thunderbird (its template literal keeps the leading spaces): the
	# body the golden case pins, the request file's lines after the
	# first empty one.
	sed '1,/^$/d' "$root/tests/golden/pox_thunderbird/request" \
		>"$tmp/bodies/thunderbird.xml"
	# Outlook 2010: one line.
	printf '%s' "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"$ms/outlook/requestschema/2006\"><Request><EMailAddress>bob@example.net</EMailAddress><AcceptableResponseSchema>$ms/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>" \
		>"$tmp/bodies/outlook2010.xml"
	e2e_pox_request "$ms/request/2006" "$ms/outlook/responseschema/2006a" \
		alice@example.com >"$tmp/bodies/mailcow.xml"
	e2e_pox_request "$ms/mobilesync/requestschema/2006" \
		"$ms/mobilesync/responseschema/2006" alice@example.com \
		>"$tmp/bodies/mobilesync.xml"
	e2e_pox_request "$ms/mobilesync/requestschema/2006" \
		"$ms/mobilesync/responseschema/2006" bob@example.net \
		>"$tmp/bodies/mobilesync_no_eas.xml"
	e2e_pox_request "$ms/outlook/requestschema/2006" \
		"$ms/outlook/responseschema/2006a" \
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
}

# A configuration file that fails to load at line 3: $tmp/conf/broken.ini.
e2e_broken_ini() {
	printf '[provider broken.example]\ndisplay-name = Broken\nno-such-key = 1\n' \
		>"$tmp/conf/broken.ini"
	chmod 0644 "$tmp/conf/broken.ini"
}

# ---- start ----------------------------------------------------------------

# The responder under spawn-fcgi on $sock, logging to $resp_log.  Sets
# resp_pid (spawn-fcgi -n execs it, so that is the responder's).
e2e_start_responder() {
	resp_log=$tmp/responder.log
	setup_logs+=("$resp_log")
	spawn-fcgi -n -s "$sock" -M 0660 "${spawn_ids[@]}" -- \
		"$bin" -c "$config" 2>"$resp_log" &
	resp_pid=$!
	wait_for 10 grep -q 'started: ' "$resp_log" ||
		setup_fail "the responder did not log 'started:'"
}

# nginx in front of $sock: TLS on $tls_port, the port-80 blocks on
# $http_port, the access log in $tmp/nginx-access.log.  Sets nginx_pid.
e2e_start_nginx() {
	local tool block nginx_user=
	for tool in nginx openssl curl xmllint; do
		command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
	done
	# Two free loopback ports.
	read -r tls_port http_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')

	mac_prefix_dir "$tmp"
	if [ "$(id -u)" = 0 ]; then
		# As in production: nginx workers as www-data.
		nginx_user=www-data
		chown www-data "$tmp/nginx-temp"
	fi
	mac_upstream "$sock" "$tmp/upstream.conf" ||
		setup_fail "socket path not found in nginx/mailautoconf-upstream.conf"
	# The port-80 blocks of example-servers.conf, on our plain port.
	for block in "port-80 autodiscover redirect" "port-80 autoconfig"; do
		mac_port80_block "$block" "127.0.0.1:$http_port" >/dev/null ||
			setup_fail "no '# BEGIN $block' block in nginx/example-servers.conf"
	done
	mac_cert "$tmp/key.pem" "$tmp/cert.pem" mailautoconf-e2e 2 \
		example.com autoconfig.example.com autodiscover.example.com \
		example.net autoconfig.example.net autodiscover.example.net \
		example.org autoconfig.example.org autodiscover.example.org \
		2>/dev/null || setup_fail "openssl could not make a certificate"

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

	setup_logs+=("$tmp/nginx-error.log")
	nginx -t -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" \
		>"$tmp/nginx-t.log" 2>&1 || {
		cat "$tmp/nginx-t.log"
		setup_fail "nginx -t rejected the generated nginx.conf"
	}
	nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" &
	nginx_pid=$!
	wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$http_port/" ||
		setup_fail "nginx did not start"
}

# ---- requests through nginx ------------------------------------------------

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

# The request table: endpoints.sh checks every row, accesslog.sh replays
# them.  One row a line:
# name | scheme | method | host | target | headers (";"-separated) |
#   body file | status | Content-Type prefix | header regex |
#   body regex ("!" first: must not match) | format; "-" = no check
e2e_request_table() {
	local tx='Content-Type: text/xml; charset=utf-8'
	local nosniff='X-Content-Type-Options: nosniff'
	local resp_ns='responseschema/2006'
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
}

# ---- the end ----------------------------------------------------------------

# The last line.  Without -d the responder logs no request, and nothing
# but these lines at all: a sanitizer report or any other line in its log
# is a failure of the file that caused it.
e2e_finish() {
	local unexpected
	if [ -n "$resp_log" ] && [ -f "$resp_log" ]; then
		unexpected=$(grep -Ev 'started: |reloaded |reload failed: |: exiting$' \
			"$resp_log" | head -n 5) || true
		if [ -n "$unexpected" ]; then
			not_ok "the responder's log holds only start, reload and exit lines" \
				"$unexpected"
		fi
	fi
	finish
}
