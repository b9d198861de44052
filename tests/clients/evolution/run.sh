#!/usr/bin/env bash
# Evolution as the judge: Evolution's own account lookup (EMailAutoconfig in
# libevolution-mail, from Debian's evolution packages, installed at test
# time) asks the real mailautoconf-fcgi, under spawn-fcgi behind a real
# nginx, and what Evolution concludes is checked.
#
# usage: bash tests/clients/evolution/run.sh BUILD_DIR   (as root)
#   MAC_EVO_KEEP=1   keep the temporary directory (logs, nginx.conf, outputs)
#
# How: evo_autoconfig.c is compiled with pkg-config flags from evolution-dev.
# Everything then runs in private network, mount and pid namespaces
# (unshare): lo is brought up, /etc/hosts is bind-mounted with
# autoconfig.<domain> and <domain> on 127.0.0.1, /etc/resolv.conf with a
# nameserver nobody answers, and /etc/ssl/certs/ca-certificates.crt with a
# throw-away CA, so Evolution trusts nginx's certificate and takes its first
# URL, https://autoconfig.<domain>/mail/config-v1.1.xml.  nginx listens on
# 127.0.0.1:443 and :80, includes the shipped
# nginx/mailautoconf-locations.conf unmodified, its upstream is
# nginx/mailautoconf-upstream.conf with only the socket path replaced, and
# the port-80 block is nginx/example-servers.conf's with only its listen
# lines replaced; the responder serves etc/mailautoconf.ini.  A private
# D-Bus session bus activates evolution-source-registry (EMailAutoconfig
# needs an ESourceRegistry).  The pid namespace ends every process started
# in it when the script ends.
#
# Cases: the configured domains must come out as the FIRST servers of the
# shipped file (IMAP 993 SSL, POP3 995 SSL, SMTP 465 SSL, user = the
# address), although Evolution lets the last server of a type win; an
# unknown domain must fail.  The providers of tests/golden/ac_alpn (IMAP
# and SMTP also on port 443, by ALPN, listed last; tests/clients/README.md
# §8), appended to the shipped file, must come out without a port-443
# server: Evolution sends no ALPN.  Three controls, served by this test's
# own nginx locations, prove the judge can say no: the responder's
# Thunderbird answer (every server) must make Evolution pick the LAST
# servers, the Thunderbird answer with port-443 servers must make it pick
# those, and the responder's Evolution answer behind a UTF-8 BOM must be
# rejected.
#
# Last line: "evolution: N passed, M failed"; exit status non-zero if M > 0.
# "SKIP: evolution: ..." and exit 0 only if the packages cannot be obtained.
# shellcheck source-path=SCRIPTDIR/../../..
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
report_prefix="evolution: "

# ===========================================================================
# Outside the namespaces: packages, build, then the rest in unshare.
# ===========================================================================
if [ "${MAC_EVO_INNER:-}" != 1 ]; then
	build=${1:?usage: run.sh BUILD_DIR}
	bin=$(cd "$build" && pwd)/mailautoconf-fcgi

	[ -x "$bin" ] || setup_fail "no executable $bin"
	[ "$(id -u)" = 0 ] ||
		setup_fail "needs root (apt-get, unshare --net --mount, bind mounts)"

	tmp=$(mktemp -d /tmp/mailautoconf-evolution.XXXXXX)
	chmod 0755 "$tmp"
	# shellcheck disable=SC2317 # called by the EXIT trap
	cleanup() {
		if [ "${MAC_EVO_KEEP:-}" = 1 ]; then
			echo "kept $tmp" >&2
		else
			rm -rf "$tmp"
		fi
	}
	trap cleanup EXIT

	# evolution-dev's headers include libebook's and libecal's but the
	# package does not depend on their -dev packages.
	pkgs=(evolution-dev evolution-data-server libebook1.2-dev libecal2.0-dev
		dbus-daemon gcc libc6-dev pkg-config nginx spawn-fcgi openssl
		curl ca-certificates iproute2 util-linux)
	missing=()
	for p in "${pkgs[@]}"; do
		[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = \
			"install ok installed" ] || missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "# installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		t0=$(date +%s)
		used0=$(df -k --output=used / | tail -n 1)
		if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" \
			>"$tmp/apt.log" 2>&1; then
			apt-get update -qq >/dev/null 2>&1 || true
			apt-get install -y -qq --no-install-recommends "${missing[@]}" \
				>"$tmp/apt.log" 2>&1 ||
				{
					tail -n 5 "$tmp/apt.log" | sed 's/^/# /'
					echo "SKIP: evolution: apt-get install ${missing[*]} failed"
					exit 0
				}
		fi
		used1=$(df -k --output=used / | tail -n 1)
		echo "# installed in $(($(date +%s) - t0)) s, $(((used1 - used0) / 1024)) MiB more on /"
	fi
	echo "# Evolution $(dpkg-query -W -f='${Version}' libevolution) (libevolution), evolution-data-server $(dpkg-query -W -f='${Version}' evolution-data-server)"

	# shellcheck disable=SC2046
	if ! cc -O1 -Wall -Wextra -Werror -Wno-deprecated-declarations \
		-o "$tmp/evo_autoconfig" "$here/evo_autoconfig.c" \
		$(pkg-config --cflags --libs evolution-mail-3.0 libebook-1.2 libecal-2.0) \
		>"$tmp/cc.log" 2>&1; then
		cat "$tmp/cc.log"
		setup_fail "evo_autoconfig.c did not build"
	fi

	rc=0
	MAC_EVO_INNER=1 unshare --net --mount --pid --fork --mount-proc \
		bash "$0" "$bin" "$tmp" || rc=$?
	if [ ! -f "$tmp/final" ]; then # unshare or the inner script died
		setup_fail "the namespaced part exited with $rc"
	fi
	exit "$rc"
fi

# ===========================================================================
# Inside: pid 1 of a fresh pid namespace, own loopback, own mounts.
# ===========================================================================
bin=$1
tmp=$2
setup_logs=("$tmp/responder.log" "$tmp/nginx-error.log" "$tmp/dbus.log")
done_file=$tmp/final # finish ran: the outer part's sign

trap 'setup_fail "line $LINENO: a command failed"' ERR

ip link set lo up || setup_fail "ip link set lo up"

# ---- names, resolver, trust ------------------------------------------------

domains=(example.com example.net example.org nosuchprovider.example
	alpn.example starttls.example allservers.example alpnservers.example
	bom.example)
{
	echo "127.0.0.1 localhost"
	for d in "${domains[@]}"; do
		echo "127.0.0.1 $d autoconfig.$d"
	done
} >"$tmp/hosts"
echo "nameserver 127.0.0.1" >"$tmp/resolv.conf" # nothing listens on :53
chmod 0644 "$tmp/hosts" "$tmp/resolv.conf"

names=()
for d in "${domains[@]}"; do
	names+=("$d" "autoconfig.$d")
done
{
	mac_ca "$tmp/ca.key" "$tmp/ca.pem" mailautoconf-evolution-ca 2 &&
		mac_cert -ca "$tmp/ca.pem" "$tmp/ca.key" "$tmp/key.pem" \
			"$tmp/cert.pem" autoconfig.example.com 2 "${names[@]}"
} >"$tmp/openssl.log" 2>&1 || setup_fail "openssl: $(tail -n 3 "$tmp/openssl.log")"
cp "$tmp/ca.pem" "$tmp/ca-certificates.crt"
chmod 0644 "$tmp/ca-certificates.crt"

# Private mount namespace: these are gone when the script ends.
for f in hosts resolv.conf ssl/certs/ca-certificates.crt; do
	mount --bind "$tmp/${f##*/}" "/etc/$f" ||
		setup_fail "cannot bind-mount over /etc/$f"
done

# ---- responder ----------------------------------------------------------------

mkdir -p "$tmp/run" "$tmp/conf" "$tmp/static/allservers" \
	"$tmp/static/alpnservers" "$tmp/static/bom" "$tmp/out" "$tmp/home"
mac_prefix_dir "$tmp"
config=$tmp/conf/mailautoconf.ini
# The shipped file, and the providers with port-443 (ALPN) servers.
cat "$root/etc/mailautoconf.ini" "$root/tests/golden/ac_alpn/provider.ini" \
	>"$config"
chmod 0644 "$config"
sock=$tmp/run/mailautoconf.sock

# As in production: nginx workers as www-data, the responder as nobody.
chown www-data "$tmp/nginx-temp"
mac_spawn_ids "$bin" "$config"
spawn-fcgi -n -s "$sock" -M 0660 "${mac_ids[@]}" -- \
	"$bin" -c "$config" 2>"$tmp/responder.log" &
wait_for 10 grep -q 'started: ' "$tmp/responder.log" ||
	setup_fail "the responder did not log 'started:'"

# ---- nginx ------------------------------------------------------------------

mac_upstream "$sock" "$tmp/upstream.conf" ||
	setup_fail "socket path not found in nginx/mailautoconf-upstream.conf"
mac_port80_block "port-80 autoconfig" 127.0.0.1:80 >"$tmp/port80.conf" ||
	setup_fail "no '# BEGIN port-80 autoconfig' block in nginx/example-servers.conf"

# The controls: fixed documents from this test's own locations, https and
# http, for both URLs Evolution tries.
control_server() { # listen name dir
	local tls=
	case $1 in
	*ssl) tls="ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem;" ;;
	esac
	cat <<EOF
	server {
		listen $1;
		server_name $2 autoconfig.$2;
		$tls
		location / {
			default_type text/xml;
			root $tmp/static/$3;
			try_files /config.xml =404;
		}
	}
EOF
}

mac_nginx_conf "$tmp" www-data "$tmp/nginx-error.log info" \
	>"$tmp/nginx.conf" <<EOF
	log_format evo '\$scheme \$host "\$request_uri" \$status "\$http_user_agent"';
	access_log $tmp/nginx-access.log evo;

	include $tmp/upstream.conf;

$(mac_tls_server "127.0.0.1:443 ssl default_server" "$tmp/cert.pem" \
	"$tmp/key.pem" autoconfig.example.com example.com \
	autoconfig.example.net example.net autoconfig.example.org example.org \
	autoconfig.nosuchprovider.example nosuchprovider.example \
	autoconfig.alpn.example alpn.example \
	autoconfig.starttls.example starttls.example)

$(cat "$tmp/port80.conf")

$(control_server "127.0.0.1:443 ssl" allservers.example allservers)
$(control_server 127.0.0.1:80 allservers.example allservers)
$(control_server "127.0.0.1:443 ssl" alpnservers.example alpnservers)
$(control_server 127.0.0.1:80 alpnservers.example alpnservers)
$(control_server "127.0.0.1:443 ssl" bom.example bom)
$(control_server 127.0.0.1:80 bom.example bom)
EOF

nginx -t -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" \
	>"$tmp/nginx-t.log" 2>&1 || {
	cat "$tmp/nginx-t.log"
	setup_fail "nginx -t rejected the generated nginx.conf"
}
nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" &
wait_for 10 curl -s -o /dev/null http://autoconfig.example.com/ ||
	setup_fail "nginx did not start"

# The control documents, from the responder itself.  allservers: the answer
# Thunderbird gets (every configured server, in preference order).  bom:
# the answer Evolution gets, behind a UTF-8 byte order mark.
curl -sS --fail --cacert "$tmp/ca.pem" -o "$tmp/static/allservers/config.xml" \
	"https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=alice%40example.com" ||
	setup_fail "curl could not fetch the Thunderbird answer over https"
if [ "$(grep -c '<incomingServer type="imap">' "$tmp/static/allservers/config.xml")" != 2 ] ||
	[ "$(grep -c '<outgoingServer type="smtp">' "$tmp/static/allservers/config.xml")" != 2 ]; then
	setup_fail "the Thunderbird answer has not 2 imap and 2 smtp servers: $(tr -d '\n' <"$tmp/static/allservers/config.xml" | head -c 400)"
fi
# alpnservers: the answer Thunderbird gets for a provider with IMAP and
# SMTP also on port 443 (993, 143, 443; 465, 587, 443).
curl -sS --fail --cacert "$tmp/ca.pem" -o "$tmp/static/alpnservers/config.xml" \
	"https://autoconfig.alpn.example/mail/config-v1.1.xml?emailaddress=alice%40alpn.example" ||
	setup_fail "curl could not fetch the Thunderbird answer for alpn.example"
if [ "$(grep -c '<port>443</port>' "$tmp/static/alpnservers/config.xml")" != 2 ]; then
	setup_fail "the Thunderbird answer for alpn.example has not 2 port-443 servers: $(tr -d '\n' <"$tmp/static/alpnservers/config.xml" | head -c 400)"
fi
{
	printf '\357\273\277'
	curl -sS --fail --cacert "$tmp/ca.pem" \
		"https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=EVOLUTIONUSER%40example.com"
} >"$tmp/static/bom/config.xml" ||
	setup_fail "curl could not fetch the EVOLUTIONUSER answer"
chmod -R a+rX "$tmp/static"
: >"$tmp/nginx-access.log"

# ---- D-Bus session for evolution-source-registry ----------------------------

evo_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$tmp/home"
	XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share"
	XDG_CACHE_HOME="$tmp/home/.cache" XDG_RUNTIME_DIR="$tmp/home"
	GSETTINGS_BACKEND=memory LANG=C.UTF-8 LC_ALL=C.UTF-8
	DBUS_SESSION_BUS_ADDRESS="unix:path=$tmp/bus")
chmod 0700 "$tmp/home"
"${evo_env[@]}" dbus-daemon --session --nofork --nopidfile \
	--address="unix:path=$tmp/bus" >"$tmp/dbus.log" 2>&1 &
wait_for 10 test -S "$tmp/bus" || setup_fail "dbus-daemon did not start"

# ---- cases ------------------------------------------------------------------

n_run=0
# Run Evolution's lookup for one address: $out (its key=value output),
# $rc, and $log (the nginx access log lines of this lookup).
evolution() { # address
	local before
	n_run=$((n_run + 1))
	out=$tmp/out/$n_run.out
	log=$tmp/out/$n_run.log
	before=$(wc -l <"$tmp/nginx-access.log")
	rc=0
	timeout 90 "${evo_env[@]}" "$tmp/evo_autoconfig" "$1" >"$out" \
		2>"$tmp/out/$n_run.err" || rc=$?
	sleep 0.1 # nginx writes the log line after the answer
	tail -n +"$((before + 1))" "$tmp/nginx-access.log" >"$log"
}

# Which of the key=value lines are not in $out.
missing_lines() { # expected line...
	local l
	for l in "$@"; do
		grep -Fxq -- "$l" "$out" || echo "$l"
	done
}

show_run() {
	echo "exit $rc; Evolution: $(tr '\n' ' ' <"$out")"
	echo "stderr: $(head -c 300 "$tmp/out/$n_run.err" | tr '\n' ' ')"
	echo "fetched: $(tr '\n' '|' <"$log")"
}

first_servers() { # address: what the shipped file's first servers give
	printf '%s\n' result=ok \
		imap.host=mail.example.com imap.port=993 \
		imap.security=ssl-on-alternate-port imap.auth= "imap.user=$1" \
		pop3.host=mail.example.com pop3.port=995 \
		pop3.security=ssl-on-alternate-port pop3.auth= "pop3.user=$1" \
		smtp.host=mail.example.com smtp.port=465 \
		smtp.security=ssl-on-alternate-port smtp.auth=LOGIN "smtp.user=$1"
}

configured() { # address
	local addr=$1 domain=${1#*@} host md5 want
	local -a expect why=()
	mapfile -t expect < <(first_servers "$addr")
	evolution "$addr"
	[ "$rc" = 0 ] || why+=("exit $rc, want 0")
	while IFS= read -r want; do
		why+=("want $want")
	done < <(missing_lines "${expect[@]}")
	if [ "${#why[@]}" -eq 0 ]; then
		ok "$addr: IMAP mail.example.com:993 SSL, POP3 :995 SSL, SMTP :465 SSL (LOGIN), user $addr"
	else
		not_ok "$addr: IMAP 993 SSL, POP3 995 SSL, SMTP 465 SSL, user $addr" \
			"${why[@]}" "$(show_run)"
	fi
	# What Evolution asked: its first URL only, over https (it trusts
	# our CA), with EVOLUTIONUSER and the md5 of the lower-cased address.
	md5=$(printf '%s' "$addr" | tr '[:upper:]' '[:lower:]' | md5sum | cut -d' ' -f1)
	host=$(printf '%s' "autoconfig.$domain" | tr '[:upper:]' '[:lower:]')
	want="https $host \"/mail/config-v1.1.xml?emailaddress=EVOLUTIONUSER%40$domain&emailmd5=$md5\" 200 \"Evolution/"
	if [ "$(wc -l <"$log")" = 1 ] && grep -Fq -- "$want" "$log"; then
		ok "$addr: one request, https://autoconfig.$domain/mail/config-v1.1.xml?emailaddress=EVOLUTIONUSER%40$domain&emailmd5=md5, 200"
	else
		not_ok "$addr: one https request with EVOLUTIONUSER, answered 200" \
			"want a single line starting: $want" "$(show_run)"
	fi
}

configured alice@example.com
configured bob@example.net
configured Carol@Example.ORG

# Port-443 (ALPN) servers never reach Evolution, which sends no ALPN.
alpn_case() { # address name want...
	local addr=$1 name=$2 why=()
	shift 2
	evolution "$addr"
	[ "$rc" = 0 ] || why+=("exit $rc, want 0")
	while IFS= read -r want; do
		why+=("want $want")
	done < <(missing_lines "$@")
	if grep -q '^[a-z0-9]*\.port=443$' "$out"; then
		why+=("a port-443 server was taken")
	fi
	if [ "${#why[@]}" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}" "$(show_run)"
	fi
}
alpn_case alice@alpn.example \
	"alice@alpn.example (IMAP 993, 143, 443; SMTP 465, 587, 443): IMAP 993 SSL, SMTP 465 SSL, no port 443" \
	result=ok imap.host=mail.alpn.example imap.port=993 \
	imap.security=ssl-on-alternate-port imap.user=alice@alpn.example \
	smtp.host=mail.alpn.example smtp.port=465 \
	smtp.security=ssl-on-alternate-port smtp.user=alice@alpn.example
alpn_case bob@starttls.example \
	"bob@starttls.example (IMAP 143, 443; SMTP 587, 443): IMAP 143 STARTTLS, SMTP 587 STARTTLS, no port 443" \
	result=ok imap.host=mail.starttls.example imap.port=143 \
	imap.security=starttls-on-standard-port imap.user=bob@starttls.example \
	smtp.host=mail.starttls.example smtp.port=587 \
	smtp.security=starttls-on-standard-port smtp.user=bob@starttls.example

name="nobody@nosuchprovider.example: no configuration (the responder answers 404 on all four URLs)"
evolution nobody@nosuchprovider.example
d=nosuchprovider.example
q="config-v1.1.xml?emailaddress=EVOLUTIONUSER%40$d"
want_log="https autoconfig.$d /mail/$q 404
http autoconfig.$d /mail/$q 404
https $d /.well-known/autoconfig/mail/$q 404
http $d /.well-known/autoconfig/mail/$q 404"
got_log=$(sed -E 's/^([a-z]+) ([^ ]+) "([^"&]*)&emailmd5=[0-9a-f]+" ([0-9]+) .*/\1 \2 \3 \4/' "$log")
if [ "$rc" = 1 ] && grep -Fxq result=error "$out" && [ "$got_log" = "$want_log" ]; then
	ok "$name"
else
	not_ok "$name" "want exit 1, result=error and these four requests:" \
		"${want_log//$'\n'/ | }" "$(show_run)"
fi

# Controls: the same judge must reject what it should reject.
name="control: the Thunderbird answer (993 SSL then 143 STARTTLS, 465 SSL then 587 STARTTLS) -> Evolution takes the last: 143 STARTTLS, 587 STARTTLS"
evolution alice@allservers.example
mapfile -t expect < <(first_servers alice@allservers.example)
if [ "$rc" = 0 ] && [ -n "$(missing_lines "${expect[@]}")" ] &&
	[ -z "$(missing_lines imap.port=143 imap.security=starttls-on-standard-port \
		smtp.port=587 smtp.security=starttls-on-standard-port)" ] &&
	grep -q '^https autoconfig.allservers.example .* 200 ' "$log"; then
	ok "$name"
else
	not_ok "$name" "$(show_run)"
fi

name="control: the Thunderbird answer for alpn.example (443 last) -> Evolution takes the port-443 servers, which is why its own answer leaves them out"
evolution alice@alpnservers.example
if [ "$rc" = 0 ] && [ -z "$(missing_lines imap.host=mail.alpn.example \
	imap.port=443 smtp.host=mail.alpn.example smtp.port=443)" ] &&
	grep -q '^https autoconfig.alpnservers.example .* 200 ' "$log"; then
	ok "$name"
else
	not_ok "$name" "$(show_run)"
fi

name="control: the Evolution answer behind a UTF-8 BOM -> rejected at all four URLs (each 200), no configuration"
evolution alice@bom.example
if [ "$rc" = 1 ] && grep -Fxq result=error "$out" &&
	[ "$(grep -c ' 200 ' "$log")" = 4 ] && [ "$(wc -l <"$log")" = 4 ]; then
	ok "$name"
else
	not_ok "$name" "$(show_run)"
fi

finish
