# shellcheck shell=bash
# mailautoconf load tests: helpers shared by tests/load/run.sh and
# tests/load/valgrind.sh.  Source after tests/lib.sh and nginx/conf.sh,
# with $root, $tmp (mode 0755) and the array $kill_list set; it runs
# nothing.  Every process started here is appended to kill_list, and
# load_cleanup (for the EXIT trap) stops them.
# shellcheck disable=SC2154,SC2034 # tmp, root, mac_* come from the caller; w_* go to it
#
# nginx is built as in tests/e2e/run.sh: one worker, TLS on loopback, the
# shipped locations snippet unmodified (linked), the shipped upstream
# block with only its server line replaced.

# N free loopback TCP ports, printed on one line.
load_ports() { # n
	python3 -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))' "$1"
}

# One self-signed certificate for all the Host names the tests use.
load_cert() {
	mac_cert "$tmp/key.pem" "$tmp/cert.pem" mailautoconf-load 2 \
		example.com autoconfig.example.com autodiscover.example.com \
		2>/dev/null
}

# The shipped upstream block with its server line replaced by one
# "server X;" line per argument (unix:/path or 127.0.0.1:PORT); the
# keepalive settings are kept.  Written to OUT.
load_upstream() { # out server...
	local out=$1 lines='' s
	shift
	for s; do
		lines+="${lines:+\\n}	server $s;"
	done
	sed "s#^[[:space:]]*server unix:$mac_shipped_sock;#$lines#" \
		"$mac_nginx/mailautoconf-upstream.conf" >"$out"
	grep -q "server $1;" "$out"
}

# Start nginx with prefix DIR (made here) and the upstream block in
# UPSTREAM, listening with TLS on a fresh port; sets nginx_pid and
# nginx_url.  With SNIPPET, that file replaces the link to the shipped
# locations snippet.  Any words after "--" run nginx through that command
# (e.g. nsenter -t PID -m).  Returns non-zero if nginx does not answer.
load_nginx() { # dir upstream [snippet] [-- wrapper...]
	local dir=$1 upstream=$2 snippet=${3:-} port user=
	local -a wrap=()
	shift 2
	[ $# -gt 0 ] && [ "$1" != -- ] && shift
	[ "${1:-}" = -- ] && shift && wrap=("$@")
	mkdir -p "$dir"
	mac_prefix_dir "$dir" || return
	if [ -n "$snippet" ]; then
		rm "$dir/snippets/mailautoconf-locations.conf"
		cp "$snippet" "$dir/snippets/mailautoconf-locations.conf"
	fi
	if [ "$(id -u)" = 0 ]; then
		user=www-data
		chown www-data "$dir/nginx-temp"
	fi
	port=$(load_ports 1)
	mac_nginx_conf "$dir" "$user" "$dir/error.log warn" >"$dir/nginx.conf" <<EOF
	access_log $dir/access.log;

	include $upstream;

$(mac_tls_server "127.0.0.1:$port ssl" "$tmp/cert.pem" "$tmp/key.pem" \
		autoconfig.example.com autodiscover.example.com example.com)
EOF
	"${wrap[@]}" nginx -t -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
		>"$dir/nginx-t.log" 2>&1 || {
		cat "$dir/nginx-t.log"
		return 1
	}
	"${wrap[@]}" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
	nginx_pid=$!
	kill_list+=("$nginx_pid")
	nginx_url=https://127.0.0.1:$port
	wait_for 10 curl -sk -o /dev/null "$nginx_url/" || return
}

# Stop nginx (fast shutdown) and wait for it.
load_nginx_stop() {
	[ -n "${nginx_pid:-}" ] || return 0
	kill -TERM "$nginx_pid" 2>/dev/null || true
	wait "$nginx_pid" 2>/dev/null || true
	nginx_pid=
}

# Start BIN under spawn-fcgi -n (so the pid is the responder's) on SPEC,
# either unix:/path (socket mode 0660, owned by www-data, as in
# production) or PORT (TCP on 127.0.0.1), with CONFIG and THREADS, its
# standard error to LOG; sets resp_pid.  Environment words before BIN
# (VAR=value) are passed on.  Returns non-zero unless it logs "started:".
load_responder() { # spec config threads log [VAR=value...] bin
	local spec=$1 config=$2 threads=$3 log=$4
	local -a where ids=() envs=()
	shift 4
	while [ $# -gt 1 ]; do
		envs+=("$1")
		shift
	done
	case $spec in
	unix:*) where=(-s "${spec#unix:}" -M 0660) ;;
	*) where=(-a 127.0.0.1 -p "$spec") ;;
	esac
	if [ "$(id -u)" = 0 ]; then
		mac_spawn_ids "$1" "$config" ${load_behind+"${load_behind[@]}"}
		ids=("${mac_ids[@]}")
	fi
	env "${envs[@]}" spawn-fcgi -n "${where[@]}" "${ids[@]}" -- \
		"$1" -c "$config" -n "$threads" 2>"$log" &
	resp_pid=$!
	kill_list+=("$resp_pid")
	wait_for 20 grep -q 'started: ' "$log"
}

# The responder's resident set in KiB.
load_rss() { # pid
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"
}

# Start wrk in the background on URL with tests/load/mixed.lua for SECS
# (256 connections unless MAC_LOAD_CONNS says otherwise), output to OUT;
# sets wrk_pid.
load_wrk() { # out url secs
	wrk -t 2 -c "${MAC_LOAD_CONNS:-256}" -d "$3s" --timeout 10s \
		-s "$root/tests/load/mixed.lua" "$2" >"$1" 2>&1 &
	wrk_pid=$!
	kill_list+=("$wrk_pid")
}

# Wait for wrk and read its "mac-load:" line into w_requests, w_non2xx,
# w_connect, w_read, w_write, w_timeout, w_p50, w_p99, w_max, w_rps,
# w_bad, and w_errors (the sum of non-2xx and socket errors).  Returns
# non-zero if wrk printed no such line.
load_wrk_wait() { # out
	local line k v kv
	wait "$wrk_pid" 2>/dev/null || true
	wrk_pid=
	line=$(grep '^mac-load: ' "$1" | tail -n 1) || return
	w_requests='' w_non2xx='' w_connect='' w_read='' w_write='' w_timeout=''
	w_p50='' w_p99='' w_max='' w_rps='' w_bad=''
	for kv in ${line#mac-load: }; do
		k=${kv%%=*} v=${kv#*=}
		case $k in
		requests | non2xx | connect | read | write | timeout | p50_ms | \
			p99_ms | max_ms | rps | bad)
			printf -v "w_${k%_ms}" '%s' "$v" ;;
		esac
	done
	w_errors=$((w_non2xx + w_connect + w_read + w_write + w_timeout))
}

# wrk's figures on one line, for the output.
load_wrk_summary() {
	echo "$w_requests requests ($w_rps/s), non-2xx $w_non2xx ($w_bad)," \
		"socket errors connect $w_connect read $w_read write $w_write" \
		"timeout $w_timeout, latency p50 $w_p50 ms p99 $w_p99 ms max $w_max ms"
}

# Non-2xx answers in an nginx access log, counted by method, path and
# status ("12 POST /autodiscover/autodiscover.xml 502"), one per line;
# "GET /" (load_nginx's readiness probe, 404) and 499 (wrk closing its
# connections when its time is up; wrk does not count them) are not
# counted.
load_access_bad() { # access.log
	awk '$9 !~ /^2/ && $9 != 499 && $7 != "/" {
		sub(/\?.*/, "", $7); print substr($6, 2), $7, $9 }' \
		"$1" | sort | uniq -c | sed 's/^ *//'
}

# The displayName served for example.com through nginx_url.
load_display_name() {
	curl -sk --max-time 10 -H 'Host: autoconfig.example.com' \
		"$nginx_url/mail/config-v1.1.xml?emailaddress=alice%40example.com" |
		sed -n 's/.*<displayName>\(.*\)<\/displayName>.*/\1/p' | head -n 1
}

# Stop every process in kill_list still running: SIGTERM, then SIGKILL
# after 5 s.
load_cleanup() {
	local pid
	for pid in "${kill_list[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for _ in $(seq 50); do
		for pid in "${kill_list[@]}"; do
			kill -0 "$pid" 2>/dev/null && break
			pid=
		done
		[ -z "$pid" ] && break
		sleep 0.1
	done
	for pid in "${kill_list[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

# systemctl and friends inside sd_boot's namespace.
sd() {
	nsenter -t "$sd_pid" -m -p "$@"
}

# Boot systemd in private namespaces (tests/load/sd-ns.sh says how) with
# UNIT as mailautoconf.service, in a cgroup named after NAME; sets sd_pid,
# sd_unshare and sd_cgroup (load_teardown ends it).  Fails with the reason
# on stdout.
sd_boot() { # unit name
	local cgroot ns=$tmp/sd
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		cgroot=/sys/fs/cgroup
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		cgroot=/sys/fs/cgroup/unified
	else
		echo "no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified"
		return 1
	fi
	for tool in unshare nsenter /lib/systemd/systemd systemctl useradd; do
		command -v "$tool" >/dev/null || {
			echo "$tool is not installed"
			return 1
		}
	done
	mkdir -p "$ns"
	cp "$1" "$ns/mailautoconf.service"
	sd_cgroup=$cgroot/mailautoconf-$2-$$
	mkdir "$sd_cgroup" || {
		echo "cannot make $sd_cgroup"
		return 1
	}
	(
		echo "$BASHPID" >"$sd_cgroup/cgroup.procs"
		exec unshare --pid --fork --mount --cgroup --uts --ipc \
			bash "$root/tests/load/sd-ns.sh" "$root" "$bin" \
			"$root/tests/e2e/extra.ini" "$ns"
	) >"$ns/boot.log" 2>&1 </dev/null &
	sd_unshare=$!
	if ! wait_for 5 pgrep -P "$sd_unshare"; then
		echo "unshare did not start: $(cat "$ns/boot.log")"
		return 1
	fi
	sd_pid=$(pgrep -P "$sd_unshare")
	if ! wait_for 20 sd systemctl is-active --quiet mailautoconf.service; then
		echo "mailautoconf.service is not active: $(cat "$ns/boot.log")" \
			"$(sd systemctl status --no-pager mailautoconf.service 2>&1 | tr '\n' '|')" \
			"$(sd journalctl --no-pager -n 20 2>&1 | tr '\n' '|')"
		return 1
	fi
}

# The EXIT trap of the load suites: sd_boot's systemd (SIGKILL to PID 1 of
# its namespace ends every process in it), load_cleanup's processes, the
# cgroup, then tmp (kept with MAC_LOAD_KEEP=1).
# shellcheck disable=SC2317 # called by the EXIT trap
load_teardown() {
	if [ -n "${sd_unshare:-}" ]; then
		if [ -n "${sd_pid:-}" ]; then
			kill -KILL "$sd_pid" 2>/dev/null || true
		fi
		kill -KILL "$sd_unshare" 2>/dev/null || true
		wait "$sd_unshare" 2>/dev/null || true
	fi
	load_cleanup
	if [ -n "${sd_cgroup:-}" ] && [ -d "$sd_cgroup" ]; then
		sleep 0.2
		find "$sd_cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
	fi
	if [ "${MAC_LOAD_KEEP:-}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
