#!/usr/bin/env bash
# mailautoconf benchmark: prints figures, asserts nothing.
#
# Usage: bash tests/bench/run.sh [--quick] [--tls] [--rounds N]
#            [--duration SECONDS] [--conns "32 256"] [--threads N]
#            [--null-threads N]
#            [--callgrind-requests N] [--no-scale] [--no-callgrind]
#            [--keepalive N] [--serve]
#        (as root, from anywhere; never part of the pass/fail tests)
#
# --quick is 2 rounds of 2 s.  --keepalive N replaces the shipped
# upstream keepalive in the benchmark's copies (responder and null alike),
# to try a setting.  --serve starts everything, prints the URLs and waits
# for Ctrl-C, for profiling by hand (perf, strace).
#
# It builds a release binary into build-bench/ and runs three yardsticks
# through one real nginx on loopback (one worker process, as
# nginx/demo.sh), each answering the same requests byte for byte:
#
#   responder  mailautoconf-fcgi under spawn-fcgi, behind the shipped
#              nginx/mailautoconf-upstream.conf and -locations.conf (only
#              the socket path replaced, as tests/e2e/common.sh does).  What
#              we ship.
#   null       tests/bench/null.c: libfcgi with the same thread count and
#              accept loop, answering with the responder's own bytes,
#              loaded from files captured from it at start.  Behind a copy
#              of the shipped upstream and locations with only the
#              upstream name changed, so every fastcgi setting is the
#              same.  The transport's ceiling: FastCGI through nginx
#              when the answer costs nothing.  responder/null near 1
#              means our code is not what limits throughput.  It is
#              libfcgi's thread-per-connection model; a responder with
#              another transport (fcgi/transport.c's epoll loop) may beat it,
#              above all at -c256 or with a large --keepalive, where idle
#              kept connections hold all of null's threads.
#   static     nginx serving each answer's body from a file, with the
#              same status, Content-Type and extra headers.  The
#              physical limit of this nginx on this machine: no upstream
#              at all.
#
# wrk runs against the three in turn, rotating the order every round so
# drift (other load, thermal, frequency) hits all of them alike; medians
# over rounds are reported.  Plain HTTP by default, so TLS cost does not
# hide the differences; --tls measures over https instead.
#
# Then: configuration scale (100,000 domains in one provider through
# domains-file; 1,000 providers), load time, memory and throughput
# against the one-domain table; p99 latency while the 100,000-domain
# table is reloaded every second, against the same without reloads; and instructions per request under
# callgrind, split into our code, libfcgi, libc and other libraries.
#
# Everything runs in a temporary directory and is stopped and removed on
# exit; raw wrk outputs, callgrind files and the printed summary stay in
# build-bench/bench-results/<date>/.  Rerun it unchanged before and after
# a change to the responder to compare.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
shopt -s inherit_errexit

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench=$root/tests/bench
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh" # wait_for
# shellcheck source=tests/deps.sh
. "$root/tests/deps.sh"

# ---- options ----------------------------------------------------------------

rounds=5
duration=5
warmup=1
conns="32 256"
threads=0       # mailautoconf-fcgi's default (-n 0: two per CPU)
null_threads=32 # the naive libfcgi setup: a thread per kept connection
tls=0
cg_requests=2000
do_scale=1
do_callgrind=1
serve=0
keepalive= # upstream keepalive: as shipped unless --keepalive

usage() {
	sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick)
		rounds=2 duration=2 cg_requests=500
		;;
	--tls) tls=1 ;;
	--rounds) rounds=${2:?} && shift ;;
	--duration) duration=${2:?} && shift ;;
	--conns) conns=${2:?} && shift ;;
	--threads) threads=${2:?} && shift ;;
	--null-threads) null_threads=${2:?} && shift ;;
	--callgrind-requests) cg_requests=${2:?} && shift ;;
	--no-scale) do_scale=0 ;;
	--no-callgrind) do_callgrind=0 ;;
	--keepalive) keepalive=${2:?} && shift ;;
	--serve) serve=1 ;;
	*) usage ;;
	esac
	shift
done

if [ "$(id -u)" != 0 ]; then
	echo "bench: run me as root (apt-get, nginx workers as www-data)" >&2
	exit 1
fi

# ---- the endpoints ----------------------------------------------------------

# name | method | Host | path | query | body file | select
# "select" is a substring of the query that tells this request apart from
# another one on the same path (the null responder and the static server
# use it); "-" for none.  Rows with a select come before the row they
# shadow.
endpoints=(
	"autoconfig|GET|autoconfig.example.com|/mail/config-v1.1.xml|emailaddress=alice%40example.com|-|-"
	"autodiscover-pox|POST|autodiscover.example.com|/autodiscover/autodiscover.xml||pox.xml|-"
	"autodiscover-json|GET|autodiscover.example.com|/autodiscover/autodiscover.json/v1.0/alice@example.com|Protocol=AutodiscoverV1|-|-"
	"mobileconfig|GET|autoconfig.example.com|/mobileconfig|emailaddress=alice%40example.com|-|-"
	"autoconfig-404|GET|autoconfig.example.com|/mail/config-v1.1.xml|emailaddress=bob%40nosuch.example|-|nosuch"
)
targets=(responder null static)

# ---- dependencies and build ---------------------------------------------------

install_deps() {
	mac_deps_install build demo bench || exit 1
}

build_dir=$root/build-bench
bin=$build_dir/mailautoconf-fcgi
null_bin=$build_dir/null-fcgi

# Release (-O3), plus -g so that callgrind can name our functions and
# files; -g does not change the generated code.
build() {
	echo "== building a release binary into build-bench/"
	cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_C_FLAGS=-g -DBUILD_TESTING=OFF >/dev/null
	cmake --build "$build_dir" -j 2 --target mailautoconf-fcgi \
		>"$build_dir/build.log" 2>&1 || {
		cat "$build_dir/build.log" >&2
		die "the build failed"
	}
	# shellcheck disable=SC2046 # pkg-config prints several words
	cc -O2 -g -Wall -Wextra -o "$null_bin" "$bench/null.c" \
		$(pkg-config --cflags --libs fcgi) -pthread
}

# ---- processes and cleanup ----------------------------------------------------

tmp=
pids=()

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local pid
	trap - EXIT INT TERM
	# Each process this script started, by its own pid: SIGTERM, and
	# SIGKILL for one still there after 10 s.
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		if ! wait_for 10 gone "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# True once PID has exited (a zombie counts as exited).
gone() { # pid
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ $st == Z* ]]
}

die() {
	echo "bench: $*" >&2
	exit 1
}

# A FastCGI program under spawn-fcgi on a unix socket, as in production
# (etc/mailautoconf.service.in): socket owned by www-data, mode 0660, the
# program as nobody when it can be.  Appends its pid to pids and waits for
# LOG to contain WANT.
spawn() { # sock log want readable-file -- program args...
	local sock=$1 log=$2 want=$3 readable=$4
	shift 5
	mac_spawn_ids "$1" "$readable"
	spawn-fcgi -n -s "$sock" -M 0660 "${mac_ids[@]}" -- "$@" \
		2>"$log" &
	pids+=($!)
	wait_for 120 grep -q "$want" "$log" || {
		cat "$log" >&2
		die "$1 did not start"
	}
}

# Free loopback ports, printed on one line.
free_ports() { # count
	python3 - "$1" <<'PY'
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))
PY
}

# ---- the machine ------------------------------------------------------------

print_machine() {
	local commit dirty=
	commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
	if [ -n "$(git -C "$root" status --porcelain -- lib fcgi 2>/dev/null)" ]; then
		dirty=" (lib/ or fcgi/ modified)"
	fi
	echo "== machine"
	echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "tree:    $commit$dirty"
	echo "cpu:     $(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "kernel:  $(uname -sr)"
	echo "nginx:   $(nginx -v 2>&1 | sed 's/^nginx version: //')"
	echo "wrk:     $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at start"
	echo "settings: $rounds rounds x ${duration}s, wrk -t2 -c{${conns// /,}}," \
		"responder -n $threads, null -n $null_threads, $([ "$tls" = 1 ] && echo https || echo plain http)," \
		"upstream keepalive ${keepalive:-as shipped}"
}

# ---- configurations -----------------------------------------------------------

config=$root/etc/mailautoconf.ini

# Two large tables next to the shipped one, in DIR:
#   100k.ini   the shipped file, its provider also reading 100,000 domains
#              (d000000.example ... d099999.example) from a domains-file;
#   1000p.ini  the shipped file plus 999 providers (p0001.example ...),
#              each with the shipped provider's keys and five domains.
# Answers for a domain of either table are as long as for example.com.
make_scale_configs() { # dir
	local dir=$1
	seq -f 'd%06g.example' 0 99999 >"$dir/100k.txt"
	sed 's/^domains = example.com.*/&\ndomains-file = 100k.txt/' \
		"$config" >"$dir/100k.ini"
	grep -q '^domains-file = 100k.txt' "$dir/100k.ini" ||
		die "could not add domains-file to a copy of $config"
	{
		cat "$config"
		python3 - <<'PY'
for i in range(1, 1000):
    p = "p%04d" % i
    print("\n[provider %s.example]" % p)
    print("display-name = Example Mail")
    print("domains = " + " ".join(
        "%s%s.example" % (p, s) for s in ("", "-a", "-b", "-c", "-d")))
    print("caldav = https://dav.example.com/caldav/")
    print("carddav = https://dav.example.com/carddav/")
    print("webmail = https://webmail.example.com/")
PY
	} >"$dir/1000p.ini"
	chmod 0644 "$dir"/*
}

# ---- nginx ---------------------------------------------------------------------

# A copy of the shipped locations snippet whose fastcgi_pass lines (the
# endpoints', the metrics') name UPSTREAM instead of mailautoconf; every
# other line is the same.
locations_for() { # upstream out
	local n
	n=$(grep -c 'fastcgi_pass mailautoconf;' "$mac_nginx/mailautoconf-locations.conf" || true)
	sed "s/fastcgi_pass mailautoconf;/fastcgi_pass $1;/" \
		"$mac_nginx/mailautoconf-locations.conf" >"$2"
	if [ "$n" -lt 1 ] ||
		[ "$(diff "$mac_nginx/mailautoconf-locations.conf" "$2" | grep -c '^>')" != "$n" ]; then
		die "fastcgi_pass mailautoconf not found in the shipped snippet"
	fi
}

# The shipped upstream for SOCKET, renamed to NAME.
upstream_for() { # name socket out
	mac_upstream "$2" "$3" ||
		die "socket path not found in nginx/mailautoconf-upstream.conf"
	sed -i "s/^upstream mailautoconf {/upstream $1 {/" "$3"
	grep -q "^upstream $1 {" "$3" || die "no 'upstream mailautoconf {' line"
	if [ -n "$keepalive" ]; then
		sed -i "s/^\([[:space:]]*keepalive\) [0-9]*;/\1 $keepalive;/" "$3"
		grep -q "keepalive $keepalive;" "$3" || die "no keepalive line"
	fi
}

# The listen lines and certificate of a bench server block.
server_head() { # plain-port tls-port
	cat <<EOF
		listen 127.0.0.1:$1;
		listen 127.0.0.1:$2 ssl;
		ssl_certificate $tmp/cert.pem;
		ssl_certificate_key $tmp/key.pem;
		server_name _;
EOF
}

# A FastCGI server block: the locations snippet SNIPPET, 404 elsewhere.
fcgi_server() { # plain-port tls-port snippet
	cat <<EOF
	server {
$(server_head "$1" "$2")

		include $3;

		location / {
			return 404;
		}
	}
EOF
}

# The static server: for every endpoint, nginx's static module sends the
# captured body with the captured status, Content-Type and extra headers
# (X-Content-Type-Options, Cache-Control, Content-Disposition), from a
# file.  Endpoints that share a path are told apart by their "select"
# substring: "if ($args ~ ...) { return STATUS; }" with
# "error_page STATUS /_bench/NAME" (the file, served with that status).
# POST: the static module answers 405 to POST, so "error_page 405 =200
# $uri" redirects it to the same file as a GET, with status 200.
static_server() { # plain-port tls-port
	local ep name method host path query body select status ctype disp
	local -A seen=()
	cat <<EOF
	server {
$(server_head "$1" "$2")
		etag off;
		open_file_cache max=64;

EOF
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		read_meta "$name"
		cat <<EOF
		location = /_bench/$name {
			internal;
			alias $tmp/static/$name.body;
			default_type "$ctype";
$(static_headers "$disp")
		}
EOF
	done
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		[ -z "${seen[$path]:-}" ] || continue
		seen[$path]=1
		echo "		location = $path {"
		static_selects "$path"
		read_meta "$name"
		if [ "$method" = POST ]; then
			echo "			error_page 405 =200 \$uri;"
		fi
		cat <<EOF
			alias $tmp/static/$name.body;
			default_type "$ctype";
$(static_headers "$disp")
		}
EOF
	done
	cat <<EOF

		location / {
			return 404;
		}
	}
EOF
}

static_headers() { # content-disposition or ""
	echo "			add_header X-Content-Type-Options nosniff always;"
	echo "			add_header Cache-Control no-cache always;"
	if [ -n "$1" ]; then
		echo "			add_header Content-Disposition '$1' always;"
	fi
}

# The "if" lines for the endpoints on PATH that have a select.
static_selects() { # path
	local ep name method host path query body select status ctype disp
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		if [ "$path" != "$1" ] || [ "$select" = - ]; then
			continue
		fi
		read_meta "$name"
		[ "$status" != 200 ] || die "$name: a select needs a non-200 answer"
		echo "			if (\$args ~ \"$select\") {"
		echo "				return $status;"
		echo "			}"
		echo "			error_page $status /_bench/$name;"
	done
}

# status, ctype and disp of the captured answer NAME.
read_meta() { # name
	IFS='|' read -r status ctype disp <"$tmp/static/$1.meta"
}

# ---- capture: the responder's exact bytes -------------------------------------------

# Ask the responder directly over FastCGI for every endpoint; keep its
# whole answer (for the null responder) and the body (for static).
capture() { # sock
	local ep name method host path query body select
	mkdir -p "$tmp/answers" "$tmp/static"
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		python3 "$bench/fcgi.py" capture "$1" "$tmp/answers/$name" \
			"$method" "$host" "$path" "$query" "$(body_path "$body")"
		python3 "$bench/report.py" split "$tmp/answers/$name" \
			"$tmp/static/$name.body" >"$tmp/static/$name.meta"
	done
	chmod 0644 "$tmp/answers"/* "$tmp/static"/*
}

body_path() { # body
	if [ "$1" = - ]; then
		echo -
	else
		echo "$tmp/bodies/$1"
	fi
}

# Thunderbird's Autodiscover body: the one the golden case pins (the
# request file's lines after the first empty one).
write_bodies() {
	mkdir -p "$tmp/bodies"
	sed '1,/^$/d' "$root/tests/golden/pox_thunderbird/request" \
		>"$tmp/bodies/pox.xml"
	# wrk sends a POST body from a Lua script.
	cat >"$tmp/post.lua" <<'EOF'
wrk.method = "POST"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
EOF
}

# ---- check: the three yardsticks give the same answer -----------------------------

# curl each endpoint on each target; the body must be the captured one,
# the status and Content-Type the same everywhere, and responder and
# null must send the same headers apart from Date.
check_answers() {
	local ep name method host path query body select status ctype disp
	local t port got_status got_ct bad=0
	local -a args
	echo "== check: same answer from responder, null and static"
	mkdir -p "$tmp/check"
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		read_meta "$name"
		for t in "${targets[@]}"; do
			port=${plain_port[$t]}
			args=(-sS --max-time 10 -H "Host: $host" -D "$tmp/check/$name.$t.h"
				-o "$tmp/check/$name.$t.b" -w '%{http_code}|%{content_type}\n')
			if [ "$method" = POST ]; then
				args+=(-H 'Content-Type: text/xml; charset=utf-8'
					--data-binary "@$tmp/bodies/$body")
			fi
			IFS='|' read -r got_status got_ct < <(curl "${args[@]}" \
				"http://127.0.0.1:$port$path${query:+?$query}")
			if [ "$got_status" != "$status" ] || [ "$got_ct" != "$ctype" ] ||
				! cmp -s "$tmp/check/$name.$t.b" "$tmp/static/$name.body"; then
				echo "   $name $t: status $got_status ($status)," \
					"type '$got_ct' ('$ctype'), body $(wc -c <"$tmp/check/$name.$t.b")" \
					"bytes ($(wc -c <"$tmp/static/$name.body"))" >&2
				bad=1
			fi
		done
		if ! diff <(grep -iv '^date:' "$tmp/check/$name.responder.h") \
			<(grep -iv '^date:' "$tmp/check/$name.null.h") >/dev/null; then
			echo "   $name: responder and null headers differ" >&2
			bad=1
		fi
		printf '   %-18s %s %s, %s bytes%s: same on all three\n' "$name" \
			"$status" "$ctype" "$(wc -c <"$tmp/static/$name.body")" \
			"${disp:+, $disp}"
	done
	[ "$bad" = 0 ] || die "the yardsticks do not answer alike (see above)"
	echo "   static extra headers (nginx's own): $(grep -iv \
		'^\(date\|http/\|content-type\|content-length\|connection\|server\|x-content-type-options\|cache-control\|content-disposition\):\?' \
		"$tmp/check/autoconfig.static.h" | tr -d '\r' | cut -d: -f1 |
		grep . | tr '\n' ' ')"
}

# ---- wrk ------------------------------------------------------------------------

# One wrk run, its output in FILE.
wrk_run() { # file seconds conns method host port path query body
	local file=$1 secs=$2 c=$3 method=$4 host=$5 port=$6 path=$7 query=$8
	local body=$9 scheme=http
	local -a args=(-t2 "-c$c" "-d${secs}s" --latency -H "Host: $host")
	if [ "$tls" = 1 ]; then
		scheme=https
	fi
	if [ "$method" = POST ]; then
		args+=(-s "$tmp/post.lua")
	fi
	BENCH_BODY=$tmp/bodies/$body wrk "${args[@]}" \
		"$scheme://127.0.0.1:$port$path${query:+?$query}" >"$file" 2>&1 ||
		echo "   wrk failed, see $file" >&2
}

port_of() { # target
	if [ "$tls" = 1 ]; then
		echo "${tls_port[$1]}"
	else
		echo "${plain_port[$1]}"
	fi
}

# The targets in the order for round R: rotated by one each round.
rotated() { # round name...
	local r=$1 n i
	shift
	n=$#
	local -a a=("$@")
	for ((i = 0; i < n; i++)); do
		printf '%s ' "${a[$(((i + r - 1) % n))]}"
	done
}

throughput() {
	local ep name method host path query body select c r t
	echo "== throughput: ${#endpoints[@]} endpoints x {$conns} connections x" \
		"$rounds rounds x ${duration}s, targets rotated each round"
	mkdir -p "$results/wrk"
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		for t in "${targets[@]}"; do
			wrk_run "$results/wrk/warmup_${name}_$t.txt" "$warmup" 32 \
				"$method" "$host" "$(port_of "$t")" "$path" "$query" "$body"
		done
	done
	for ((r = 1; r <= rounds; r++)); do
		printf '   round %d/%d ' "$r" "$rounds"
		for c in $conns; do
			for ep in "${endpoints[@]}"; do
				IFS='|' read -r name method host path query body select <<<"$ep"
				for t in $(rotated "$r" "${targets[@]}"); do
					wrk_run "$results/wrk/r${r}_${name}_c${c}_$t.txt" \
						"$duration" "$c" "$method" "$host" "$(port_of "$t")" \
						"$path" "$query" "$body"
				done
				printf .
			done
		done
		echo
	done
}

# ---- scale --------------------------------------------------------------------------

# The last domain of each table, asked for through autoconfig.
scale_tables=(one 100k 1000p)
declare -A scale_addr=(
	[one]=alice%40example.com
	[100k]=alice%40d099999.example
	[1000p]=alice%40p0999-d.example
)

# Load time and peak memory of "mailautoconf-fcgi -t" (median of 3 runs:
# wall time and maximum RSS from wait4()).
scale_memory() {
	local s f pid
	mkdir -p "$results/scale"
	for s in "${scale_tables[@]}"; do
		f=${scale_ini[$s]}
		python3 "$bench/report.py" loadtime "$bin" "$f" \
			"$results/scale/$s.load" 3
		grep -o 'started: .*' "$tmp/$s.log" >"$results/scale/$s.started" || true
	done
}

# VmRSS and VmHWM of the responder serving table S, into
# scale/S.WHEN.status ("start": just started; "served": after its runs).
mem_snapshot() { # table when
	mkdir -p "$results/scale"
	grep -E '^(VmRSS|VmHWM)' "/proc/${scale_pid[$1]}/status" \
		>"$results/scale/$1.$2.status"
}

scale_throughput() {
	local r s
	echo "== scale: autoconfig for the last domain of each table," \
		"$rounds rounds x ${duration}s, c32, rotated"
	for s in "${scale_tables[@]}"; do
		wrk_run "$results/scale/warmup_$s.txt" "$warmup" 32 GET \
			autoconfig.example.com "${scale_port[$s]}" /mail/config-v1.1.xml \
			"emailaddress=${scale_addr[$s]}" -
	done
	for ((r = 1; r <= rounds; r++)); do
		for s in $(rotated "$r" "${scale_tables[@]}"); do
			wrk_run "$results/scale/r${r}_$s.txt" "$duration" 32 GET \
				autoconfig.example.com "${scale_port[$s]}" \
				/mail/config-v1.1.xml "emailaddress=${scale_addr[$s]}" -
		done
		printf .
	done
	echo
	for s in "${scale_tables[@]}"; do
		mem_snapshot "$s" served
	done
}

# Reload under load: the 100,000-domain responder, wrk at c32, in rounds
# that alternate quiet and reloading (SIGHUP every second: the same file
# loaded again, as costly as a new one).  report.py compares p99.
scale_reload() {
	local r kind hup pid=${scale_pid[100k]}
	echo "== reload: the 100,000-domain table under load, SIGHUP every" \
		"second, $rounds rounds x ${duration}s each way, c32"
	for ((r = 1; r <= rounds; r++)); do
		for kind in quiet reload; do
			hup=
			if [ "$kind" = reload ]; then
				(while sleep 1; do kill -HUP "$pid" || exit; done) &
				hup=$!
			fi
			wrk_run "$results/scale/reload_${kind}_r$r.txt" \
				"$duration" 32 GET autoconfig.example.com \
				"${scale_port[100k]}" /mail/config-v1.1.xml \
				"emailaddress=${scale_addr[100k]}" -
			if [ -n "$hup" ]; then
				kill "$hup" 2>/dev/null || true
				wait "$hup" 2>/dev/null || true
			fi
		done
		printf .
	done
	echo
	grep -c 'reloaded ' "$tmp/100k.log" >"$results/scale/reload.count" || true
}

# ---- callgrind --------------------------------------------------------------------

# The responder under callgrind on its own socket, driven directly by
# tests/bench/fcgi.py with N requests of one endpoint over one kept
# connection (as nginx keeps them; no nginx here), then stopped with
# SIGTERM.  Each endpoint runs twice, with cg_warm and with cg_warm +
# cg_requests requests; the difference is the marginal cost of a request,
# without start-up, config load, exit and first-request work.
cg_warm=100

callgrind_run() { # out n method host path query body answer
	local out=$1 n=$2 sock=$tmp/cg.sock pid
	rm -f "$sock"
	valgrind --tool=callgrind --callgrind-out-file="$out.out" \
		"$bin" -n "$threads" -s "unix:$sock" -c "$config" 2>"$out.log" &
	pid=$!
	pids+=("$pid")
	wait_for 60 grep -q 'started: ' "$out.log" ||
		die "the responder did not start under valgrind"
	python3 "$bench/fcgi.py" drive "$sock" "$n" "$3" "$4" "$5" "$6" \
		"$(body_path "$7")" "$8" ||
		die "$out: unexpected answer under callgrind"
	kill -TERM "$pid"
	wait "$pid" || true
	unset 'pids[-1]' # waited for: its pid may be reused
}

callgrind_all() {
	local ep name method host path query body select
	echo "== callgrind: $cg_warm and $((cg_warm + cg_requests)) requests" \
		"per endpoint"
	mkdir -p "$results/callgrind"
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		callgrind_run "$results/callgrind/$name.warm" "$cg_warm" \
			"$method" "$host" "$path" "$query" "$body" "$tmp/answers/$name"
		callgrind_run "$results/callgrind/$name" \
			$((cg_warm + cg_requests)) "$method" "$host" "$path" "$query" \
			"$body" "$tmp/answers/$name"
		printf .
	done
	echo
	# callgrind_annotate's per-function listing of each full run, to read.
	for ep in "${endpoints[@]}"; do
		name=${ep%%|*}
		callgrind_annotate --threshold=99.9 --auto=no \
			"$results/callgrind/$name.out" >"$results/callgrind/$name.txt"
	done
}

# ---- serve ----------------------------------------------------------------------

# --serve: print what is where and wait for Ctrl-C.
serve_wait() {
	local ep name method host path query body select t
	echo "== serving; Ctrl-C stops everything"
	for t in "${targets[@]}"; do
		echo "   $t: http://127.0.0.1:${plain_port[$t]}" \
			"https://127.0.0.1:${tls_port[$t]}"
	done
	echo "   pids (responder, null, ..., nginx master): ${pids[*]}"
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		echo "   $name: wrk -t2 -c32 -d5s --latency -H 'Host: $host'" \
			"$([ "$method" = POST ] && echo "-s $tmp/post.lua ")'http://127.0.0.1:PORT$path${query:+?$query}'" \
			"$([ "$method" = POST ] && echo "(BENCH_BODY=$tmp/bodies/$body)")"
	done
	# In the background, so that Ctrl-C reaches the trap at once.
	sleep infinity &
	pids+=($!)
	wait $!
}

# ---- main ------------------------------------------------------------------------------

main() {
	local t s ep name method host path query body select
	install_deps
	build
	"$bin" -t -c "$config" 2>/dev/null || die "$config does not load"

	results=$build_dir/bench-results/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$results"
	tmp=$(mktemp -d /tmp/mailautoconf-bench.XXXXXX)
	chmod 0755 "$tmp"
	mac_prefix_dir "$tmp"
	chown www-data "$tmp/nginx-temp"
	mkdir -p "$tmp/run"
	write_bodies

	# Everything printed from here on also goes to summary.txt.
	exec > >(tee "$results/summary.txt") 2>&1
	print_machine

	# Ports, plain and TLS: responder, null, static, and the two large
	# tables (whose "one" is the responder).
	local -a p
	read -r -a p < <(free_ports 10)
	declare -gA plain_port=([responder]=${p[0]} [null]=${p[1]} [static]=${p[2]}
		[100k]=${p[3]} [1000p]=${p[4]})
	declare -gA tls_port=([responder]=${p[5]} [null]=${p[6]} [static]=${p[7]}
		[100k]=${p[8]} [1000p]=${p[9]})
	declare -gA scale_port=([one]=$(port_of responder)
		[100k]=$(port_of 100k) [1000p]=$(port_of 1000p))

	echo "== starting the responder (spawn-fcgi, -n $threads)"
	spawn "$tmp/run/real.sock" "$tmp/one.log" 'started: ' "$config" -- \
		"$bin" -n "$threads" -c "$config"
	declare -gA scale_pid=([one]=${pids[-1]})
	declare -gA scale_ini=([one]=$config)
	mem_snapshot one start

	capture "$tmp/run/real.sock"

	echo "== starting the null responder (spawn-fcgi, -n $null_threads)"
	local -a rules=()
	for ep in "${endpoints[@]}"; do # selected rows first: they shadow
		IFS='|' read -r name method host path query body select <<<"$ep"
		[ "$select" != - ] || continue
		rules+=("$method" "$path" "$select" "$tmp/answers/$name")
	done
	for ep in "${endpoints[@]}"; do
		IFS='|' read -r name method host path query body select <<<"$ep"
		[ "$select" = - ] || continue
		rules+=("$method" "$path" - "$tmp/answers/$name")
	done
	spawn "$tmp/run/null.sock" "$tmp/null.log" 'started: ' \
		"$tmp/answers/autoconfig" -- "$null_bin" -n "$null_threads" "${rules[@]}"

	if [ "$do_scale" = 1 ]; then
		echo "== starting responders with 100,000 domains and 1,000 providers"
		mkdir -p "$tmp/scale"
		chmod 0755 "$tmp/scale"
		make_scale_configs "$tmp/scale"
		for s in 100k 1000p; do
			scale_ini[$s]=$tmp/scale/$s.ini
			spawn "$tmp/run/$s.sock" "$tmp/$s.log" 'started: ' \
				"${scale_ini[$s]}" -- "$bin" -n "$threads" -c "${scale_ini[$s]}"
			scale_pid[$s]=${pids[-1]}
			mem_snapshot "$s" start
		done
	fi

	echo "== starting nginx (one worker process)"
	mac_cert "$tmp/key.pem" "$tmp/cert.pem" mailautoconf-bench 2 localhost \
		2>/dev/null || die "openssl could not make a certificate"
	upstream_for mailautoconf "$tmp/run/real.sock" "$tmp/upstream-real.conf"
	upstream_for mac_null "$tmp/run/null.sock" "$tmp/upstream-null.conf"
	locations_for mac_null "$tmp/snippets/null-locations.conf"
	local http_lines
	http_lines=$(
		echo "	access_log off;"
		echo "	include $tmp/upstream-real.conf;"
		echo "	include $tmp/upstream-null.conf;"
		fcgi_server "${plain_port[responder]}" "${tls_port[responder]}" \
			snippets/mailautoconf-locations.conf
		fcgi_server "${plain_port[null]}" "${tls_port[null]}" \
			snippets/null-locations.conf
		static_server "${plain_port[static]}" "${tls_port[static]}"
	)
	if [ "$do_scale" = 1 ]; then
		for s in 100k 1000p; do
			upstream_for "mac_$s" "$tmp/run/$s.sock" "$tmp/upstream-$s.conf"
			locations_for "mac_$s" "$tmp/snippets/$s-locations.conf"
		done
		http_lines+=$'\n'$(
			for s in 100k 1000p; do
				echo "	include $tmp/upstream-$s.conf;"
			done
			for s in 100k 1000p; do
				fcgi_server "${plain_port[$s]}" "${tls_port[$s]}" \
					"snippets/$s-locations.conf"
			done
		)
	fi
	mac_nginx_conf "$tmp" www-data "$tmp/nginx-error.log warn" \
		>"$tmp/nginx.conf" <<<"$http_lines"
	cp "$tmp/nginx.conf" "$results/nginx.conf"
	nginx -t -q -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" ||
		die "nginx -t rejected the generated configuration"
	nginx -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" &
	pids+=($!)
	wait_for 10 curl -s -o /dev/null "http://127.0.0.1:${plain_port[static]}/" ||
		die "nginx did not start"

	check_answers
	if [ "$serve" = 1 ]; then
		serve_wait
	fi
	throughput
	python3 "$bench/report.py" throughput "$results/wrk" "$rounds" \
		"$conns" "${endpoints[@]}"

	if [ "$do_scale" = 1 ]; then
		scale_memory
		scale_throughput
		python3 "$bench/report.py" scale "$results/scale" "$rounds" \
			"${scale_tables[@]}"
		scale_reload
		python3 "$bench/report.py" reload "$results/scale"
	fi

	# The benchmark's own processes are done with; callgrind runs alone.
	cp "$tmp/nginx-error.log" "$results/nginx-error.log"
	if [ "$do_callgrind" = 1 ]; then
		callgrind_all
		python3 "$bench/report.py" callgrind "$results/callgrind" \
			"$cg_requests" "$root" "${endpoints[@]}"
	fi

	echo "== load $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end"
	echo "== raw outputs: $results/"
}

main
