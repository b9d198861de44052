#!/usr/bin/env bash
# End to end, "mailautoconf check" against this project's own stack
# (nginx with the shipped snippets, the responder) on loopback, with a
# throwaway CA (--cafile) and --connect-to/--resolve standing in for DNS:
#   - every name's certificate valid and every answer the configuration's:
#     exactly the expected OK lines, exit 0;
#   - a certificate without autodiscover.<d>: one CRITICAL line for that
#     name, exit 2;
#   - a certificate expiring in 5 days: WARNING per name (exit 1), and
#     CRITICAL with --critical-days 6 (exit 2);
#   - -c naming another configuration than the responder serves: CRITICAL
#     "differ" lines for the answers that carry the difference, exit 2;
#   - DNS through --dns-server: a test name server (dns_stub.py) with the
#     records "mailautoconf records" prints gives OK lines for the three
#     names and the 7 SRV names; with an SRV port changed, an SRV name and
#     autodiscover.<d> left out, WARNING naming both records, WARNING
#     "no such name", CRITICAL; a port nothing answers on: one CRITICAL
#     line per name, WARNING per SRV record, no crash, exit 2;
#   - a signed profile: OK by its signed content with -c the signing
#     table, CRITICAL with -c the same table unsigned;
#   - bad input (not an address, a domain the configuration does not
#     serve, a configuration with an error, an unknown option): one
#     UNKNOWN line, exit 3;
#   - nginx stopped: CRITICAL "connect" lines, exit 2.
# The system's resolv.conf is never used here: live DNS is exercised only
# outside the tests.
#
# Usage: bash tests/e2e/check.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e check: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" check
tool=$(dirname "$bin")/mailautoconf
[ -x "$tool" ] || setup_fail "no executable $tool"
e2e_broken_ini
e2e_start_responder
e2e_start_nginx

addr=alice@example.com
d=example.com
ca=$tmp/ca.pem
mac_ca "$tmp/ca.key" "$ca" mailautoconf-check-ca 2 2>/dev/null ||
	setup_fail "openssl could not make a CA"

# A CA-signed certificate for nginx (valid for DAYS, with NAMES), then
# nginx reloads it.
use_cert() { # days name...
	local days=$1
	shift
	mac_cert -ca "$ca" "$tmp/ca.key" "$tmp/key.pem" "$tmp/cert.pem" \
		check "$days" "$@" 2>/dev/null || setup_fail "openssl: no certificate"
	cert_end=$(openssl x509 -noout -enddate -in "$tmp/cert.pem" | sed 's/^notAfter=//')
	kill -HUP "$nginx_pid"
	# The reload is done when the new certificate is served.
	wait_for 10 sh -c "openssl s_client -connect 127.0.0.1:$tls_port \
		-servername $d </dev/null 2>/dev/null | openssl x509 -noout \
		-enddate | grep -qxF 'notAfter=$cert_end'" ||
		setup_fail "nginx did not load the new certificate"
}

# Run the check; sets out (its lines) and rc.
run_check() { # [option...]
	rc=0
	out=$("$tool" check -c "$config" --cafile "$ca" --timeout 5 \
		--connect-to ":443:mac-e2e.test:$tls_port" \
		--connect-to ":80:127.0.0.1:$http_port" \
		--resolve "mac-e2e.test:$tls_port:127.0.0.1" "$@" 2>"$tmp/check.err") ||
		rc=$?
}

# rc and the lines matching an ERE: count and that every line is one.
expect() { # name want-rc regex want-count
	local n
	n=$(grep -cE -- "$3" <<<"$out" || true)
	if [ "$rc" = "$2" ] && [ "$n" = "$4" ]; then
		ok "$1"
	else
		not_ok "$1" "exit $rc (want $2), $n lines /$3/ (want $4)" \
			"$out" "stderr: $(head -c 300 "$tmp/check.err")"
	fi
}

# ---- all OK ----------------------------------------------------------------

use_cert 30 "$d" "autoconfig.$d" "autodiscover.$d"
# Whole days left, as the check counts them: taken before and after it,
# as each of its lines' second may be either.
end_s=$(date -u -d "$cert_end" +%s)
end=$(date -u -d "$cert_end" +%F)
days_before=$(((end_s - $(date -u +%s)) / 86400))
run_check "$addr"
days_after=$(((end_s - $(date -u +%s)) / 86400))
days_ok=1
while read -r n; do
	[ "$n" -le "$days_before" ] && [ "$n" -ge "$days_after" ] || days_ok=0
done < <(sed -n 's/.* expires in \([0-9]*\) days .*/\1/p' <<<"$out")
# shellcheck disable=SC2001 # a regular expression
out=$(sed 's/ expires in [0-9]* days / expires in N days /' <<<"$out")
same="the configuration's answer byte for byte"
xml='text/xml; charset=utf-8'
cert_line() { # name
	printf 'OK: tls %s: the certificate covers the name, expires in N days (%s; warning under 14, critical under 3)\n' \
		"$1" "$end"
}
want=$(
	echo "OK: dns: not checked (--resolve or --connect-to gives the addresses; --dns-server checks them anyway)"
	cert_line "autoconfig.$d"
	cert_line "autodiscover.$d"
	cert_line "$d"
	q="emailaddress=alice%40example.com"
	echo "OK: autoconfig https://autoconfig.$d/mail/config-v1.1.xml?$q: 200 $xml, $same"
	echo "OK: autoconfig .well-known https://$d/.well-known/autoconfig/mail/config-v1.1.xml?$q: 200 $xml, $same"
	echo "OK: autodiscover POX https://autodiscover.$d/autodiscover/autodiscover.xml: 200 $xml, $same"
	echo "OK: autodiscover POX on the domain https://$d/autodiscover/autodiscover.xml: 200 $xml, $same"
	echo "OK: autodiscover v2 JSON https://autodiscover.$d/autodiscover/autodiscover.json?Email=alice%40example.com&Protocol=AutodiscoverV1: 200 application/json; charset=utf-8, $same"
	echo "OK: mobileconfig https://$d/mobileconfig?$q: 200 application/x-apple-aspen-config, $same"
	echo "OK: autodiscover port-80 redirect http://autodiscover.$d/autodiscover/autodiscover.xml: 302 to https://autodiscover.$d/autodiscover/autodiscover.xml"
)
name="every name and endpoint right: exactly the expected OK lines, exit 0"
if [ "$rc" = 0 ] && [ "$out" = "$want" ] && [ "$days_ok" = 1 ]; then
	ok "$name"
else
	not_ok "$name" "exit $rc, days $days_after..$days_before: $days_ok" \
		"$(diff <(echo "$want") <(echo "$out") || true)" \
		"stderr: $(head -c 300 "$tmp/check.err")"
fi

name="without --cafile the test CA is not trusted: CRITICAL per name, exit 2"
rc=0
out=$("$tool" check -c "$config" --timeout 5 \
	--connect-to ":443:127.0.0.1:$tls_port" --connect-to ":80:127.0.0.1:$http_port" \
	"$addr" 2>/dev/null) || rc=$?
expect "$name" 2 '^CRITICAL: tls [a-z.]+: .*certificate.*\(its endpoints not checked\)$' 3

# ---- certificates ------------------------------------------------------------

use_cert 30 "$d" "autoconfig.$d"
run_check "$addr"
expect "a certificate without autodiscover.$d: CRITICAL for that name, exit 2" \
	2 "^CRITICAL: tls autodiscover\.$d: .*(subject|name).*\(its endpoints not checked\)$" 1
expect "... and only that line is not OK" 2 '^(WARNING|CRITICAL|UNKNOWN):' 1
expect "... and its endpoints are left out, the others checked" 2 '^OK: ' 8

use_cert 5 "$d" "autoconfig.$d" "autodiscover.$d"
run_check "$addr"
expect "a certificate expiring in 5 days (4 whole days left once a second passed): WARNING per name, exit 1" \
	1 "^WARNING: tls [a-z.]+: the certificate covers the name, expires in [45] days \(.*; warning under 14, critical under 3\)$" 3
run_check --critical-days 6 "$addr"
expect "... CRITICAL per name with --critical-days 6, exit 2" \
	2 "^CRITICAL: tls [a-z.]+: .*expires in [45] days \(.*critical under 6\)$" 3
run_check --warning-days 4 "$addr"
expect "... OK with --warning-days 4, exit 0" 0 '^OK: ' 11

# ---- another configuration ---------------------------------------------------

sed 's/^display-name = E2E Example Com$/display-name = Changed Com/' "$config" \
	>"$tmp/conf/other.ini"
grep -q 'Changed Com' "$tmp/conf/other.ini" || setup_fail "sed did not change the name"
rc=0
out=$("$tool" check -c "$tmp/conf/other.ini" --cafile "$ca" --timeout 5 \
	--connect-to ":443:127.0.0.1:$tls_port" --connect-to ":80:127.0.0.1:$http_port" \
	"$addr" 2>/dev/null) || rc=$?
expect "-c with another display name: autoconfig answers CRITICAL 'differ', exit 2" \
	2 '^CRITICAL: autoconfig https://autoconfig\.example\.com/.*bytes that differ from the configuration.* from byte [0-9]+: served ".*E2E Example Com.*", configured ".*Changed Com' 1
expect "... the same for .well-known and mobileconfig (3 lines)" \
	2 '^CRITICAL: .*that differ from the configuration' 3
expect "... POX (no display name in it) stays OK, twice" \
	2 '^OK: autodiscover POX ' 2

# ---- DNS ---------------------------------------------------------------------

# A test name server (tests/e2e/dns_stub.py) serving what "mailautoconf
# records" prints: every name resolves, every SRV record as configured.
dns_pid=
start_dns() { # records.json
	[ -z "$dns_pid" ] || { kill "$dns_pid"; wait "$dns_pid" 2>/dev/null || true; }
	rm -f "$tmp/dns.port"
	python3 "$root/tests/e2e/dns_stub.py" "$1" "$tmp/dns.port" &
	dns_pid=$!
	wait_for 10 test -s "$tmp/dns.port" || setup_fail "the test name server did not start"
	dns_port=$(cat "$tmp/dns.port")
}
trap 'kill "$dns_pid" 2>/dev/null || true; e2e_cleanup' EXIT
# The bare domain's own address (its web site) is not one of them.
"$tool" records -c "$config" --address 127.0.0.1 --format json "$d" |
	python3 -c 'import json, sys
rs = json.load(sys.stdin)
rs.append({"name": sys.argv[1] + ".", "type": "A", "ttl": 60, "data": "127.0.0.1"})
json.dump(rs, sys.stdout)' "$d" >"$tmp/records.json"
start_dns "$tmp/records.json"
run_check --dns-server "127.0.0.1:$dns_port" "$addr"
expect "--dns-server with the records 'records' prints: the three names OK, exit 1 (the 5-day certificate)" \
	1 "^OK: dns (autoconfig\.|autodiscover\.|)$d: 127\.0\.0\.1$" 3
expect "... the 7 SRV names OK" 1 "^OK: dns SRV _[a-z0-9]+\._tcp\.$d\.: " 7
expect "... _imaps as configured, _pop3 'not offered'" 1 \
	"^OK: dns SRV (_imaps\._tcp\.$d\.: 0 1 993 imap\.$d\.|_pop3\._tcp\.$d\.: 0 0 0 \.)$" 2
expect "... no line about DNS is not OK" 1 '^(WARNING|CRITICAL): dns' 0
# The zone differs: _imaps on another port, no _submission record, and
# autodiscover.<d> missing.
python3 -c '
import json, sys
rs = json.load(open(sys.argv[1]))
out = []
for r in rs:
    if r["name"].startswith("_imaps."):
        r["data"] = r["data"].replace(" 993 ", " 994 ")
    if r["name"].startswith("_submission.") or r["name"].startswith("autodiscover."):
        continue
    out.append(r)
json.dump(out, open(sys.argv[2], "w"))' "$tmp/records.json" "$tmp/records-bad.json"
start_dns "$tmp/records-bad.json"
run_check --dns-server "127.0.0.1:$dns_port" "$addr"
expect "a zone with _imaps on port 994: WARNING naming both" 2 \
	"^WARNING: dns SRV _imaps\._tcp\.$d\.: 0 1 994 imap\.$d\.; the configuration gives 0 1 993 imap\.$d\.$" 1
expect "... without _submission: WARNING" 2 "^WARNING: dns SRV _submission\._tcp\.$d\.: no such name$" 1
expect "... without autodiscover.$d: CRITICAL" 2 "^CRITICAL: dns autodiscover\.$d: " 1
expect "... and nothing else about DNS is not OK" 2 '^(WARNING|CRITICAL): dns' 3

# Nothing listens on 127.0.0.1:9 (discard) in this namespace: every
# lookup fails, and each says so on its line.
rc=0
out=$("$tool" check -c "$config" --cafile "$ca" --timeout 5 --dns-server 127.0.0.1:9 \
	--connect-to ":443:127.0.0.1:$tls_port" --connect-to ":80:127.0.0.1:$http_port" \
	"$addr" 2>"$tmp/check.err") || rc=$?
expect "--dns-server with no server behind it: CRITICAL for autoconfig and autodiscover names, exit 2" \
	2 "^CRITICAL: dns auto(config|discover)\.$d: " 2
expect "... WARNING for the bare domain" 2 "^WARNING: dns $d: " 1
expect "... WARNING for each of the 7 SRV names" 2 "^WARNING: dns SRV _[a-z0-9]+\._tcp\.$d\.: " 7
expect "... the HTTP checks still run (--connect-to)" 2 '^OK: autoconfig https' 1
name="--dns-server with a bad address: UNKNOWN, exit 3"
rc=0
"$tool" check -c "$config" --dns-server 300.1.1.1 "$addr" >/dev/null 2>&1 || rc=$?
if [ "$rc" = 3 ]; then ok "$name"; else not_ok "$name" "exit $rc"; fi

# ---- bad input ---------------------------------------------------------------

bad() { # name want-regex arg...
	local name=$1 re=$2
	shift 2
	rc=0
	out=$("$tool" check "$@" 2>/dev/null) || rc=$?
	if [ "$rc" = 3 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -qE -- "$re" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name" "exit $rc" "$out"
	fi
}
bad "not an address: one UNKNOWN line, exit 3" \
	'^UNKNOWN: not-an-address: not an address' -c "$config" not-an-address
bad "a domain the configuration does not serve: UNKNOWN, exit 3" \
	'^UNKNOWN: nosuch\.example: no provider in .* serves it$' -c "$config" x@nosuch.example
bad "a configuration with an error: UNKNOWN, exit 3" \
	'^UNKNOWN: .*broken\.ini: the configuration does not load$' -c "$tmp/conf/broken.ini" "$addr"
name="an unknown option or no address: usage on stderr, exit 3"
rc=0
"$tool" check --no-such-option "$addr" >/dev/null 2>"$tmp/check.err" || rc=$?
rc2=0
"$tool" check -c "$config" >/dev/null 2>>"$tmp/check.err" || rc2=$?
if [ "$rc" = 3 ] && [ "$rc2" = 3 ] && [ "$(grep -c '^usage: mailautoconf check' "$tmp/check.err")" = 2 ]; then
	ok "$name"
else
	not_ok "$name" "exit $rc and $rc2" "$(cat "$tmp/check.err")"
fi

# ---- a signed profile --------------------------------------------------------

# The responder signs example.com's profiles (a signer from the test CA):
# the signatures carry their time, so the signed content is compared.
pki=$tmp/conf/pki
mkdir -p "$pki"
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' >"$pki/ext"
{
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$pki/signer.key" -out "$pki/signer.csr" -subj "/CN=check signer" &&
		openssl x509 -req -in "$pki/signer.csr" -CA "$ca" -CAkey "$tmp/ca.key" \
			-set_serial "0x$(openssl rand -hex 8)" -days 90 -extfile "$pki/ext" \
			-out "$pki/signer.pem"
} 2>/dev/null || setup_fail "openssl could not make a signer"
[[ " ${spawn_ids[*]} " == *" -u nobody "* ]] && chown nobody "$pki/signer.key"
chmod 0600 "$pki/signer.key"
chmod 0755 "$pki"
chmod 0644 "$pki/signer.pem"
cp "$config" "$tmp/conf/unsigned.ini"
sed "/^\[provider example.com\]$/a mobileconfig-sign-cert = pki/signer.pem\nmobileconfig-sign-key = pki/signer.key" \
	"$tmp/conf/unsigned.ini" >"$tmp/conf/signed.ini"
chmod 0644 "$tmp/conf/unsigned.ini" "$tmp/conf/signed.ini"
cp "$tmp/conf/signed.ini" "$config"
kill -HUP "$resp_pid"
wait_for 5 grep -q "reloaded $config" "$resp_log" ||
	setup_fail "the responder did not reload the signing configuration: $(tail -n 2 "$resp_log")"
run_check --warning-days 4 "$addr"
expect "a signed profile, -c the same table: OK, its signed content the configuration's" \
	0 "^OK: mobileconfig .*: 200 application/x-apple-aspen-config, the configuration's signed profile \(the signed content byte for byte; signatures differ by time\)$" 1
rc=0
out=$("$tool" check -c "$tmp/conf/unsigned.ini" --cafile "$ca" --timeout 5 --warning-days 4 \
	--connect-to ":443:127.0.0.1:$tls_port" --connect-to ":80:127.0.0.1:$http_port" \
	"$addr" 2>/dev/null) || rc=$?
expect "... -c the table without signing: CRITICAL for the profile only" \
	2 "^CRITICAL: mobileconfig .*that differ from the configuration's" 1

# ---- nginx stopped -----------------------------------------------------------

kill "$nginx_pid"
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=
run_check "$addr"
expect "nginx stopped: CRITICAL 'connect' per name, exit 2" \
	2 "^CRITICAL: tls [a-z.]+: .*[Cc]onnect.*\(its endpoints not checked\)$" 3
expect "... the port-80 redirect WARNING 'connect'" \
	2 "^WARNING: autodiscover port-80 redirect .*[Cc]onnect" 1

e2e_finish
