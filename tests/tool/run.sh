#!/usr/bin/env bash
# The operator's program, mailautoconf, as built, on the shipped
# configuration (etc/mailautoconf.ini) and the golden ones
# (tests/golden/full.ini, with an IDN domain and a catch-all;
# tests/golden/hoster.ini, with mail.%EMAILDOMAIN% hosts):
#   - records: each domain's lines, under an SOA and NS header, load in
#     named-checkzone (bind9-utils) as that domain's zone, with --address
#     and with --target; a zone with a CNAME beside other data is refused
#     (the check can fail); a named domain (in Unicode) gives only its
#     records, as A-labels; --ttl sets every TTL; a hoster's customer
#     gets its own mail host's CNAME or A/AAAA and SRV targets in its
#     domain, and no CNAME at its apex;
#   - records --format json: python3's json module reads one array of
#     {name, type, ttl, data} holding the same records as the zone lines;
#   - certs --mail: a hoster's customers' own mail host names, for the
#     mail server's certificate; --target: the SRV target on nginx's once;
#   - certs: every format, one certificate per line or block, at most
#     100 names each, every listed domain's three names on one
#     certificate; 250 domains make 8 certificates;
#   - bad input: an unknown domain, a configuration with an error, a
#     missing file: one line on stderr, nothing on stdout, exit 1; a bad
#     option: exit 2;
#   - check's bad input: a non-address, a domain not served, a
#     configuration with an error: one UNKNOWN line, exit 3; bad options
#     or arguments: the usage line, exit 3.
#
# Usage: bash tests/tool/run.sh PATH/TO/mailautoconf
# Prints "ok   NAME" or "FAIL NAME" per check and "tool: N passed, M
# failed" last.  Needs named-checkzone (bind9-utils) and python3.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
report_prefix="tool: "
if [ $# != 1 ] || [ ! -x "$1" ]; then
	setup_fail "usage: $0 PATH/TO/mailautoconf"
fi
tool=$1
command -v named-checkzone >/dev/null ||
	setup_fail "named-checkzone is not installed (apt-get install bind9-utils)"
command -v python3 >/dev/null || setup_fail "python3 is not installed"
tmp=$(mktemp -d /tmp/mailautoconf-tool.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

shipped=$root/etc/mailautoconf.ini
golden=$root/tests/golden/full.ini

# Split records output (zone format) into one file per domain, named
# after the domain, from the "; DOMAIN: provider ID" lines.
split_zones() { # records-file dir
	mkdir -p "$2"
	awk -v dir="$2" '/^; [^ ]*: provider / { d = $2; sub(/:$/, "", d); next }
		d != "" { print > (dir "/" d) }' "$1"
}

# named-checkzone on DOMAIN's records under an SOA and NS header.
checkzone() { # domain records-file -> output in $tmp/checkzone.out
	{
		echo "\$TTL 3600"
		printf '@ IN SOA ns1.dns.test. hostmaster.dns.test. 1 7200 3600 1209600 3600\n'
		printf '@ IN NS ns1.dns.test.\n'
		cat "$2"
	} >"$tmp/zone"
	named-checkzone "$1" "$tmp/zone" >"$tmp/checkzone.out" 2>&1
}

# ---- records: named-checkzone ---------------------------------------------

hoster=$root/tests/golden/hoster.ini
for conf in "$shipped" "$golden" "$hoster"; do
	cname=$(basename "$conf")
	for mode in address target; do
		if [ "$mode" = address ]; then
			args=(--address 192.0.2.10 --address 2001:db8::10)
		else
			args=(--target web.example.net)
		fi
		out=$tmp/records-$cname-$mode
		if ! "$tool" records -c "$conf" "${args[@]}" >"$out" 2>"$tmp/err"; then
			not_ok "records $cname --$mode: exit 0" "$(cat "$tmp/err")"
			continue
		fi
		rm -rf "$tmp/zones"
		split_zones "$out" "$tmp/zones"
		doms=$(ls "$tmp/zones")
		bad=''
		for d in $doms; do
			if ! checkzone "$d" "$tmp/zones/$d" ||
				! grep -q "^OK$" "$tmp/checkzone.out"; then
				bad+="$d: $(tr '\n' '|' <"$tmp/checkzone.out") "
			fi
		done
		name="records $cname --$mode: each domain's zone loads in named-checkzone ($(echo "$doms" | wc -w) domains)"
		if [ -z "$bad" ] && [ -n "$doms" ]; then
			ok "$name"
		else
			not_ok "$name" "${bad:-no domains}"
		fi
	done
done

# A hoster's customers: their own mail host names get the target's CNAME
# (or the addresses), the SRV records point to them, and a host that is
# the domain itself gets no CNAME beside the zone's SOA.
want="mail.customer-two.example.	3600	IN	CNAME	web.example.net.
_imaps._tcp.customer-two.example.	3600	IN	SRV	0 1 993 mail.customer-two.example.
_pop3s._tcp.customer-two.example.	3600	IN	SRV	10 1 995 mail.customer-two.example.
_submissions._tcp.customer-two.example.	3600	IN	SRV	0 1 465 mail.customer-two.example.
_submission._tcp.customer-two.example.	3600	IN	SRV	10 1 587 relay.hoster.example."
name="records of a hoster's customer: its own mail host's CNAME, SRV targets in its domain"
got=$(grep -F -e 'mail.customer-two' -e '_submission._tcp.customer-two' \
	"$tmp/records-hoster.ini-target")
[ "$got" = "$want" ] && ok "$name" || not_ok "$name" "$got"
name="records of a hoster's customer whose mail host is the domain: A and AAAA there, no CNAME"
if grep -q -F -x "apex-customer.example.	3600	IN	AAAA	2001:db8::10" \
	"$tmp/records-hoster.ini-address" &&
	! grep -q "^apex-customer.example.*CNAME" "$tmp/records-hoster.ini-target" &&
	grep -q '^; apex-customer.example is a mail server' "$tmp/records-hoster.ini-target"; then
	ok "$name"
else
	not_ok "$name" "$(grep apex-customer "$tmp/records-hoster.ini-target")"
fi

# What the records must hold, per domain of the shipped file.
out=$tmp/records-mailautoconf.ini-address
want="autoconfig.example.org.	3600	IN	A	192.0.2.10
autoconfig.example.org.	3600	IN	AAAA	2001:db8::10
_autodiscover._tcp.example.org.	3600	IN	SRV	0 0 443 autodiscover.example.org.
_imaps._tcp.example.org.	3600	IN	SRV	0 1 993 mail.example.com.
_imap._tcp.example.org.	3600	IN	SRV	10 1 143 mail.example.com.
_pop3s._tcp.example.org.	3600	IN	SRV	20 1 995 mail.example.com.
_pop3._tcp.example.org.	3600	IN	SRV	0 0 0 .
_submissions._tcp.example.org.	3600	IN	SRV	0 1 465 mail.example.com.
_submission._tcp.example.org.	3600	IN	SRV	10 1 587 mail.example.com."
missing=''
while IFS= read -r line; do
	grep -qxF "$line" "$out" || missing+="$line|"
done <<<"$want"
name="records: the shipped file's SRV records, priorities in server-line order, _pop3 not offered"
if [ -z "$missing" ] && [ "$(grep -c '^; ' "$out")" = 3 ]; then
	ok "$name"
else
	not_ok "$name" "missing: $missing" "$(head -n 12 "$out" | tr '\n' '|')"
fi

# The check can fail: a CNAME beside other data is refused.
d=example.com
{
	"$tool" records -c "$shipped" --target web.example.net "$d"
	printf 'autoconfig.example.com. 3600 IN TXT "other data"\n'
} >"$tmp/neg-records"
split_zones "$tmp/neg-records" "$tmp/neg2"
name="named-checkzone refuses a zone with a CNAME beside other data (the check can fail)"
if ! checkzone "$d" "$tmp/neg2/$d"; then
	ok "$name"
else
	not_ok "$name" "$(tr '\n' '|' <"$tmp/checkzone.out")"
fi

# A named domain, in Unicode: only its records, as A-labels.
out=$tmp/idn
rc=0
"$tool" records -c "$golden" --ttl 300 --target web.example.net \
	"BÜCHER.example." >"$out" 2>"$tmp/err" || rc=$?
name="records named in Unicode: only that domain, as A-labels, --ttl 300 on every record"
if [ "$rc" = 0 ] && [ "$(grep -c '^; ' "$out")" = 1 ] &&
	grep -qxF '; xn--bcher-kva.example: provider brand.example' "$out" &&
	[ "$(grep -vc '^;' "$out")" = "$(grep -c '^[^;][^	]*\.xn--bcher-kva\.example\.	300	IN	' "$out")" ] &&
	grep -qxF '_imap._tcp.xn--bcher-kva.example.	300	IN	SRV	10 1 143 mail.brand.example.' "$out" &&
	! grep -q legacy "$out" && [ ! -s "$tmp/err" ]; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$(tr '\n' '|' <"$out")" "$(cat "$tmp/err")"
fi

# ---- records: JSON ----------------------------------------------------------

cat >"$tmp/same.py" <<'EOF'
import json, sys
recs = json.load(open(sys.argv[1]))
assert isinstance(recs, list) and recs, "not a non-empty array"
got = set()
for r in recs:
    assert set(r) == {"name", "type", "ttl", "data"}, r
    assert isinstance(r["ttl"], int), r
    got.add((r["name"], str(r["ttl"]), "IN", r["type"], r["data"]))
zone = set()
for line in open(sys.argv[2]):
    if line.startswith(";"):
        continue
    zone.add(tuple(line.rstrip("\n").split("\t")))
assert len(got) == len(recs), "duplicates"
assert got == zone, (sorted(got - zone), sorted(zone - got))
print(len(recs))
EOF
for conf in "$shipped" "$golden"; do
	cname=$(basename "$conf")
	rc=0
	"$tool" records -c "$conf" --format json --address 192.0.2.10 \
		--address 2001:db8::10 >"$tmp/json" 2>"$tmp/err" || rc=$?
	n=$(python3 "$tmp/same.py" "$tmp/json" \
		"$tmp/records-$cname-address" 2>"$tmp/py") || rc=$?
	name="records --format json $cname: parses, {name,type,ttl,data} each, the same records as the zone lines"
	if [ "$rc" = 0 ]; then
		ok "$name ($n records)"
	else
		not_ok "$name" "exit $rc" "$(tail -n 3 "$tmp/py")" "$(head -c 300 "$tmp/json")"
	fi
done

# ---- certs ------------------------------------------------------------------

# The domains a configuration lists, from the records' comment lines.
for conf in "$shipped" "$golden"; do
	cname=$(basename "$conf")
	sed -n 's/^; \([^ ]*\): provider .*/\1/p' "$tmp/records-$cname-address" >"$tmp/doms"
	for fmt in dehydrated certbot nginx; do
		rc=0
		"$tool" certs -c "$conf" --format "$fmt" >"$tmp/certs" 2>"$tmp/err" || rc=$?
		# Normalise each certificate to one line of names.
		case $fmt in
		dehydrated) cp "$tmp/certs" "$tmp/lines" ;;
		certbot) sed 's/^certbot certonly --cert-name [^ ]* //; s/-d //g' \
			"$tmp/certs" >"$tmp/lines" ;;
		nginx) awk '/^# certificate/ { if (l != "") print l; l = ""; next }
			/^server_name / { s = $0; sub(/^server_name /, "", s); sub(/;$/, "", s)
				l = l (l == "" ? "" : " ") s }
			END { if (l != "") print l }' "$tmp/certs" >"$tmp/lines" ;;
		esac
		bad=''
		while read -r d; do
			line=$(grep -n -w -F "autoconfig.$d" "$tmp/lines" | cut -d: -f1 | head -n 1)
			if [ -z "$line" ] ||
				! sed -n "${line}p" "$tmp/lines" | tr ' ' '\n' | grep -qxF "$d" ||
				! sed -n "${line}p" "$tmp/lines" | tr ' ' '\n' | grep -qxF "autodiscover.$d"; then
				bad+="$d "
			fi
		done <"$tmp/doms"
		max=$(awk '{ if (NF > m) m = NF } END { print m + 0 }' "$tmp/lines")
		names=$(wc -w <"$tmp/lines")
		name="certs $cname --format $fmt: every listed domain's 3 names on one certificate, $names names, at most 100 a certificate"
		if [ "$rc" = 0 ] && [ -z "$bad" ] && [ "$max" -le 100 ] &&
			[ "$names" = $((3 * $(wc -l <"$tmp/doms"))) ]; then
			ok "$name"
		else
			not_ok "$name" "exit $rc, max $max, missing or split: $bad" "$(head -c 400 "$tmp/certs")"
		fi
	done
done

# 250 domains (a domains-file): 8 certificates of at most 100 names.
{
	echo "[provider many.example]"
	echo "domains-file = many.txt"
	echo "server = imap mail.many.example"
	echo "server = smtp mail.many.example"
} >"$tmp/many.ini"
for i in $(seq 1 250); do echo "customer$i.example"; done >"$tmp/many.txt"
rc=0
"$tool" certs -c "$tmp/many.ini" >"$tmp/certs" 2>"$tmp/err" || rc=$?
bad=''
while read -r d; do
	n=$(grep -c -w -F "autoconfig.$d" "$tmp/certs" || true)
	l=$(grep -w -F "autoconfig.$d" "$tmp/certs" | head -n 1)
	if [ "$n" != 1 ] || ! echo " $l " | grep -qF " $d autoconfig.$d autodiscover.$d "; then
		bad+="$d "
	fi
done <"$tmp/many.txt"
max=$(awk '{ if (NF > m) m = NF } END { print m + 0 }' "$tmp/certs")
name="certs with 250 domains: $(wc -l <"$tmp/certs") certificates (want 8), at most 100 names each ($max), every domain whole on exactly one"
if [ "$rc" = 0 ] && [ "$(wc -l <"$tmp/certs")" = 8 ] && [ "$max" -le 100 ] &&
	[ -z "$bad" ] && head -n 1 "$tmp/certs" | grep -q '^customer1.example '; then
	ok "$name"
else
	not_ok "$name" "exit $rc; bad: $bad" "$(cat "$tmp/err")"
fi

# ---- bad input ----------------------------------------------------------------

# CASE EXPECTED-EXIT STDERR-REGEX ARGS...: one stderr line, empty stdout.
one_line() {
	local what=$1 want=$2 re=$3 rc=0
	shift 3
	"$tool" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" = "$want" ] && [ ! -s "$tmp/out" ] &&
		[ "$(wc -l <"$tmp/err")" = 1 ] && grep -Eq "$re" "$tmp/err"; then
		ok "$what: one line, exit $want ($(cat "$tmp/err"))"
	else
		not_ok "$what: one line, exit $want" "exit $rc" \
			"stdout: $(head -c 200 "$tmp/out")" "stderr: $(tr '\n' '|' <"$tmp/err")"
	fi
}

one_line "records with an unknown domain" 1 \
	'^mailautoconf: records: nope\.example: no provider serves it$' \
	records -c "$shipped" example.com nope.example
one_line "records with a malformed domain" 1 \
	'^mailautoconf: records: bad\.\.example: ' \
	records -c "$shipped" bad..example
printf '[provider broken.example]\ndomains = broken.example\nserver = imap mail.broken.example 99999\nserver = smtp mail.broken.example\n' >"$tmp/broken.ini"
one_line "records with a configuration error" 1 \
	"^mailautoconf: $tmp/broken.ini:3: bad port '99999' \\(1-65535\\)$" \
	records -c "$tmp/broken.ini"
one_line "certs with a configuration error" 1 \
	"^mailautoconf: $tmp/broken.ini:3: bad port" \
	certs -c "$tmp/broken.ini"
one_line "certs with a missing file" 1 \
	"^mailautoconf: $tmp/none.ini: cannot open" \
	certs -c "$tmp/none.ini"
one_line "records with a bad --address" 2 \
	'^mailautoconf: records: --address 192\.0\.2: not an IPv4 or IPv6 address$' \
	records -c "$shipped" --address 192.0.2
one_line "records with --target and --address" 2 \
	'exclude each other' \
	records -c "$shipped" --target web.example.net --address 192.0.2.1
one_line "certs with an unknown format" 2 \
	'^mailautoconf: certs: --format wants dehydrated, certbot or nginx, not pem$' \
	certs -c "$shipped" --format pem
one_line "certs --mail with --format nginx" 2 \
	"^mailautoconf: certs: --mail lists the mail server's names: not with --target or --format nginx$" \
	certs -c "$hoster" --mail --format nginx
one_line "certs with a bad --target" 2 \
	'^mailautoconf: certs: --target bad\.\.example: ' \
	certs -c "$hoster" --target bad..example

# A hoster's customers: the mail server's certificate carries their own
# mail host names (--mail); nginx's carries the SRV target once (--target).
name="certs --mail: each customer's own mail host names, one certificate, not nginx's names"
want="mail.customer-one.example mail.customer-two.example mail.xn--kunde-bcher-zhb.example apex-customer.example"
got=$("$tool" certs -c "$hoster" --mail 2>&1) || true
[ "$got" = "$want" ] && ok "$name" || not_ok "$name" "$got"
name="certs --mail --format certbot"
got=$("$tool" certs -c "$hoster" --mail --format certbot 2>&1) || true
[ "$got" = "certbot certonly --cert-name mail.customer-one.example -d ${want// / -d }" ] &&
	ok "$name" || not_ok "$name" "$got"
name="certs of a hoster: a note on stderr points to --mail; none for the shipped file"
"$tool" certs -c "$hoster" >/dev/null 2>"$tmp/err" || true
"$tool" certs -c "$shipped" >/dev/null 2>"$tmp/err2" || true
if grep -q "^mailautoconf: certs: note: 2 providers give each domain its own mail host names (%EMAILDOMAIN%): certs --mail lists them for the mail server's certificate$" "$tmp/err" &&
	! grep -q -- '--mail' "$tmp/err2"; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/err" "$tmp/err2")"
fi
name="certs --target: the SRV target once, on the first certificate"
got=$("$tool" certs -c "$hoster" --target Web.Example.NET. --format nginx 2>&1) || true
if [ "$(grep -c -w -F web.example.net <<<"$got")" = 1 ] &&
	grep -q '^# certificate 1: 4 domains, 13 names$' <<<"$got" &&
	grep -q '^server_name autoconfig.customer-one.example .* web.example.net;$' <<<"$got"; then
	ok "$name"
else
	not_ok "$name" "$got"
fi

# check's bad input, before any network: one UNKNOWN line on stdout and
# exit 3 (the monitoring plugin convention), or the usage line and 3.
unknown_line() { # what regex arg...
	local what=$1 re=$2 rc=0
	shift 2
	"$tool" "$@" >"$tmp/out" 2>/dev/null || rc=$?
	if [ "$rc" = 3 ] && [ "$(wc -l <"$tmp/out")" = 1 ] && grep -Eq "$re" "$tmp/out"; then
		ok "$what: one UNKNOWN line, exit 3"
	else
		not_ok "$what: one UNKNOWN line, exit 3" "exit $rc" "$(head -c 300 "$tmp/out")"
	fi
}
unknown_line "check of a non-address" '^UNKNOWN: alice: not an address \(local@domain\)$' \
	check -c "$shipped" alice
unknown_line "check of a domain not served" \
	"^UNKNOWN: nope\\.example: no provider in $shipped serves it$" \
	check -c "$shipped" alice@nope.example
unknown_line "check with a configuration error" \
	"^UNKNOWN: $tmp/broken.ini: the configuration does not load$" \
	check -c "$tmp/broken.ini" alice@broken.example
for args in "--timeout 0 a@example.com" "--warning-days x a@example.com" \
	"--dns-server ::1 a@example.com" "a@example.com b@example.com" ""; do
	rc=0
	# shellcheck disable=SC2086 # the words are the arguments
	"$tool" check -c "$shipped" $args >/dev/null 2>"$tmp/err" || rc=$?
	name="check ${args:-without an address}: usage, exit 3"
	if [ "$rc" = 3 ] && grep -q '^usage: mailautoconf check ' "$tmp/err"; then
		ok "$name"
	else
		not_ok "$name" "exit $rc" "$(cat "$tmp/err")"
	fi
done

rc=0
"$tool" certs -c "$golden" >"$tmp/out" 2>"$tmp/err" || rc=$?
name="a catch-all: a note on stderr, the listed domains on stdout, exit 0"
if [ "$rc" = 0 ] && grep -q 'catchall.example is the catch-all' "$tmp/err" &&
	[ "$(wc -l <"$tmp/out")" = 1 ]; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$(cat "$tmp/err")"
fi

# -h: each subcommand's usage line on standard output, exit 0, nothing on
# standard error.
for cmd in records certs check import; do
	name="$cmd -h -> its usage on standard output, exit 0"
	rc=0
	"$tool" "$cmd" -h >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$tmp/err" ] &&
		grep -q "^usage: mailautoconf $cmd " "$tmp/out"; then
		ok "$name"
	else
		not_ok "$name" "exit $rc" "$(cat "$tmp/out" "$tmp/err")"
	fi
done

finish
