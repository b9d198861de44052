#!/usr/bin/env bash
# End to end, the metrics at /mailautoconf/metrics through nginx with the
# shipped location snippet: Prometheus text that promtool accepts, with
# its Content-Type; exactly the requests sent counted back, by endpoint
# and status, and in the duration histogram; the reload counters, load
# time and the configuration's counts after a good and a broken SIGHUP;
# 405 with Allow for other methods; no address or domain in any label;
# and the snippet's loopback-only rule: a client on 127.0.0.2 gets 403.
#
# Usage: bash tests/e2e/metrics.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e metrics: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" metrics
e2e_broken_ini
started_at=$(date +%s)
e2e_start_responder
e2e_start_nginx

mpath=/mailautoconf/metrics
ct_want='text/plain; version=0.0.4; charset=utf-8'
n_scrape=0

# GET the metrics into $tmp/out/scrape.N; sets scrape (the file) and
# status.
scrape() {
	fetch https GET "$ac" "$mpath" - -
	n_scrape=$((n_scrape + 1))
	scrape=$tmp/out/scrape.$n_scrape
	cp "$body" "$scrape"
	scrape_ct=$(header Content-Type)
}

# The value of one sample (name with its labels, exactly as written).
value() { # file sample
	awk -v k="$2" '$1 == k { print $2; found = 1 } END { exit !found }' "$1"
}

# The requests_total rows that are not zero, sorted.
nonzero_requests() { # file
	awk '/^mailautoconf_requests_total\{/ && $2 != 0 { print $1, $2 }' "$1" | sort
}

# promtool's verdict on a scrape (lint included).
promtool_check() { # name file
	local out
	if ! command -v promtool >/dev/null; then
		not_ok "$1" "promtool is not installed (Debian: prometheus)"
	elif out=$(promtool check metrics <"$2" 2>&1); then
		ok "$1"
	else
		not_ok "$1" "$out"
	fi
}

r() { # endpoint code
	printf 'mailautoconf_requests_total{endpoint="%s",code="%s"}' "$1" "$2"
}

# ---- the first scrape: nothing counted yet -----------------------------------

scrape
name="GET $mpath from 127.0.0.1 -> 200, $ct_want"
if [ "$status" = 200 ] && [ "$scrape_ct" = "$ct_want" ]; then
	ok "$name"
else
	not_ok "$name" "status $status, Content-Type '$scrape_ct'"
fi
promtool_check "promtool check metrics passes on the first scrape" "$scrape"

name="first scrape: every route's rows at 0, none counted yet"
rows=$(grep -c '^mailautoconf_requests_total{' "$scrape" || true)
if [ -z "$(nonzero_requests "$scrape")" ] && [ "$rows" -ge 25 ] &&
	[ "$(value "$scrape" "$(r autoconfig 200)")" = 0 ] &&
	[ "$(value "$scrape" mailautoconf_request_duration_seconds_count)" = 0 ]; then
	ok "$name"
else
	not_ok "$name" "$rows rows; not zero: $(nonzero_requests "$scrape" | tr '\n' ' ')"
fi

name="first scrape: 2 providers, 3 domains, no reload, loaded at start"
now=$(date +%s)
loaded=$(value "$scrape" mailautoconf_config_last_reload_success_timestamp_seconds || true)
load_s=$(value "$scrape" mailautoconf_config_load_duration_seconds || true)
if [ "$(value "$scrape" mailautoconf_providers)" = 2 ] &&
	[ "$(value "$scrape" mailautoconf_domains)" = 3 ] &&
	[ "$(value "$scrape" 'mailautoconf_reloads_total{result="ok"}')" = 0 ] &&
	[ "$(value "$scrape" 'mailautoconf_reloads_total{result="failed"}')" = 0 ] &&
	awk -v t="$loaded" -v a="$started_at" -v b="$now" -v l="$load_s" \
		'BEGIN { exit !(t >= a && t <= b + 1 && l > 0 && l < 5) }'; then
	ok "$name"
else
	not_ok "$name" "$(grep -E '^mailautoconf_(providers|domains|reloads|config)' "$scrape" | tr '\n' ' ')" \
		"started at $started_at, now $now"
fi

name="build_info carries the responder's version"
version=$("$bin" -V | awk '{ print $2 }')
if [ "$(value "$scrape" "mailautoconf_build_info{version=\"$version\"}")" = 1 ]; then
	ok "$name"
else
	not_ok "$name" "$(grep build_info "$scrape")"
fi

# ---- known requests, counted back exactly ------------------------------------

# 3 autoconfig 200, 2 autoconfig 404 (unknown domain), 4 POX 200, a PUT
# to POX (405), a HEAD (200) and a POST (405) to the metrics, and one
# request from 127.0.0.2 that nginx refuses and the responder never sees.
codes=
for i in 1 2 3; do
	fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=u$i%40example.com" - -
	codes+="$status "
done
for i in 1 2; do
	fetch https GET "$ac" "/mail/config-v1.1.xml?emailaddress=u$i%40nosuchprovider.example" - -
	codes+="$status "
done
for i in 1 2 3 4; do
	fetch https POST "$ad" /autodiscover/autodiscover.xml \
		'Content-Type: text/xml' thunderbird.xml
	codes+="$status "
done
fetch https PUT "$ad" /autodiscover/autodiscover.xml 'Content-Type: text/xml' \
	thunderbird.xml
codes+="$status "
fetch https HEAD "$ac" "$mpath" - -
codes+="$status "
head_ct=$(header Content-Type)
head_len=$(header Content-Length)
fetch https POST "$ac" "$mpath" 'Content-Type: text/plain' empty
codes+="$status "
allow=$(header Allow)
deny_status=$(curl -sS -k --max-time 10 --interface 127.0.0.2 \
	--resolve "$ac:$tls_port:127.0.0.1" -o "$tmp/out/denied" \
	-w '%{http_code}' "https://$ac:$tls_port$mpath") || deny_status=curl-error

name="the requests sent got 200 200 200 404 404 200 200 200 200 405 200 405"
if [ "$codes" = "200 200 200 404 404 200 200 200 200 405 200 405 " ]; then
	ok "$name"
else
	not_ok "$name" "got $codes"
fi

name="HEAD $mpath -> the metrics' Content-Type and a length"
if [ "$head_ct" = "$ct_want" ] && [[ $head_len =~ ^[1-9][0-9]*$ ]]; then
	ok "$name"
else
	not_ok "$name" "Content-Type '$head_ct', Content-Length '$head_len'"
fi

name="POST $mpath -> 405 with Allow: GET, HEAD"
if [ "$allow" = "GET, HEAD" ]; then
	ok "$name"
else
	not_ok "$name" "Allow '$allow'"
fi

name="GET $mpath from 127.0.0.2 (not loopback's 127.0.0.1) -> 403 from nginx"
if [ "$deny_status" = 403 ]; then
	ok "$name"
else
	not_ok "$name" "status $deny_status"
fi

scrape
name="second scrape: exactly the requests sent, by endpoint and status"
want=$(printf '%s %s\n' "$(r autoconfig 200)" 3 "$(r autoconfig 404)" 2 \
	"$(r autodiscover 200)" 4 "$(r autodiscover 405)" 1 \
	"$(r metrics 200)" 2 "$(r metrics 405)" 1 | sort)
got=$(nonzero_requests "$scrape")
if [ "$status" = 200 ] && [ "$got" = "$want" ]; then
	ok "$name"
else
	not_ok "$name" "want: $(echo "$want" | tr '\n' ' ')" "got: $(echo "$got" | tr '\n' ' ')"
fi

name="second scrape: the histogram counted the same 13 requests, cumulative, with a sum"
inf=$(value "$scrape" 'mailautoconf_request_duration_seconds_bucket{le="+Inf"}' || true)
cnt=$(value "$scrape" mailautoconf_request_duration_seconds_count || true)
sum=$(value "$scrape" mailautoconf_request_duration_seconds_sum || true)
if [ "$inf" = 13 ] && [ "$cnt" = 13 ] &&
	awk -v s="$sum" 'BEGIN { exit !(s > 0 && s < 13) }' &&
	awk '/_bucket\{/ { if ($2 < last) bad = 1; last = $2 } END { exit bad }' "$scrape"; then
	ok "$name"
else
	not_ok "$name" "$(grep duration_seconds_ "$scrape" | tr '\n' ' ')"
fi
promtool_check "promtool check metrics passes on a scrape with counts" "$scrape"

name="no label holds an address or a domain: no '@', no example., only [a-z0-9.+-] values"
bad=$(grep -v '^#' "$scrape" | grep -oE '="[^"]*"' | grep -vE '^="([a-z0-9.-]+|\+Inf)"$' || true)
if ! grep -qE '@|example\.|nosuchprovider' "$scrape" && [ -z "$bad" ]; then
	ok "$name"
else
	not_ok "$name" "$(grep -E '@|example\.|nosuchprovider' "$scrape" | head -n 3)" "$bad"
fi

# ---- reloads -------------------------------------------------------------------

name="SIGHUP with a good file (one domain more) -> reloads ok 1, 4 domains, a later load time"
sed 's/^domains = example.net, example.org$/domains = example.net, example.org, example.info/' \
	"$root/tests/e2e/extra.ini" >"$config.new"
chmod 0644 "$config.new"
mv "$config.new" "$config"
before=$loaded
sleep 0.01
kill -HUP "$resp_pid"
wait_for 5 grep -q "reloaded $config: 2 providers, 4 domains" "$resp_log" || true
scrape
loaded=$(value "$scrape" mailautoconf_config_last_reload_success_timestamp_seconds || true)
if [ "$(value "$scrape" 'mailautoconf_reloads_total{result="ok"}')" = 1 ] &&
	[ "$(value "$scrape" 'mailautoconf_reloads_total{result="failed"}')" = 0 ] &&
	[ "$(value "$scrape" mailautoconf_domains)" = 4 ] &&
	[ "$(value "$scrape" mailautoconf_providers)" = 2 ] &&
	awk -v a="$before" -v b="$loaded" 'BEGIN { exit !(b > a) }'; then
	ok "$name"
else
	not_ok "$name" "$(grep -E '^mailautoconf_(domains|reloads|config_last)' "$scrape" | tr '\n' ' ')" \
		"loaded before: $before"
fi

name="SIGHUP with a broken file -> reloads failed 1, ok still 1, the good file's counts and time kept"
cp "$config" "$tmp/conf/good.ini"
cp "$tmp/conf/broken.ini" "$config"
before=$loaded
kill -HUP "$resp_pid"
wait_for 5 grep -q "reload failed: $config:3: " "$resp_log" || true
scrape
loaded=$(value "$scrape" mailautoconf_config_last_reload_success_timestamp_seconds || true)
if [ "$(value "$scrape" 'mailautoconf_reloads_total{result="ok"}')" = 1 ] &&
	[ "$(value "$scrape" 'mailautoconf_reloads_total{result="failed"}')" = 1 ] &&
	[ "$(value "$scrape" mailautoconf_domains)" = 4 ] && [ "$loaded" = "$before" ]; then
	ok "$name"
else
	not_ok "$name" "$(grep -E '^mailautoconf_(domains|reloads|config_last)' "$scrape" | tr '\n' ' ')" \
		"loaded before: $before"
fi
cp "$tmp/conf/good.ini" "$config"

# ---- the snippet ---------------------------------------------------------------

name="the shipped snippet: $mpath from 127.0.0.1 and ::1 only (allow, allow, deny all)"
rules=$(sed -n "\\|^location = $mpath {|,/^}/p" "$root/nginx/mailautoconf-locations.conf" |
	grep -E '^[[:space:]]*(allow|deny) ' | tr -s '\t ' ' ' | sed 's/^ //' | tr '\n' '|')
if [ "$rules" = "allow 127.0.0.1;|allow ::1;|deny all;|" ]; then
	ok "$name"
else
	not_ok "$name" "rules: $rules"
fi

e2e_finish
