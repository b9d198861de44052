#!/usr/bin/env bash
# Replicas under systemd: the template unit mailautoconf@.service, as
# generated into BUILD_DIR, runs several responders side by side under the
# real systemd (booted in private namespaces by tests/load/sd-ns.sh), each
# with its own runtime directory and socket, one of them on TCP with
# etc/replica-tcp.conf; nginx has all of them in one upstream block, and
# wrk (256 connections, tests/load/mixed.lua) runs while one replica is
# stopped with systemctl.
#
# Usage: bash tests/load/replicas.sh BUILD_DIR   (as root; BUILD_DIR
# configured with the default prefix: sd-ns.sh installs the binary in
# /usr/local/sbin)
#
#   - mailautoconf@a, @b (unix sockets) and @tcp (127.0.0.1:PORT) start
#     beside mailautoconf.service; sockets, runtime directories, users
#   - a TCP instance without replica-tcp.conf fails (the hardening holds)
#   - journald files their lines under "mailautoconf" (SyslogIdentifier)
#   - systemctl reload mailautoconf@a: the file is tested, then SIGHUP
#   - systemctl stop mailautoconf@a under load: it exits 0, no failed
#     request (non-2xx or socket error), only its own directory goes
#   - then the others keep answering under load, again with no failure
#
# Prints "ok   NAME" or "FAIL NAME" per check and "replicas: N passed,
# M failed" last.  MAC_LOAD_KEEP=1 keeps the temporary directory.  About
# 30 s.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

build=${1:?usage: replicas.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
# shellcheck source=nginx/conf.sh
. "$root/nginx/conf.sh"
# shellcheck source=tests/load/common.sh
. "$root/tests/load/common.sh"
report_prefix="replicas: "
build=$(cd "$build" && pwd)
bin=$build/mailautoconf-fcgi
unit=$build/mailautoconf.service
template=$build/mailautoconf@.service
secs=12   # wrk's run while replica a is stopped
stop_at=4 # seconds into it

tmp=$(mktemp -d /tmp/mailautoconf-replicas.XXXXXX)
chmod 0755 "$tmp"
kill_list=()
nginx_pid='' wrk_pid=''
sd_unshare='' sd_pid='' sd_cgroup=''

trap load_teardown EXIT

[ "$(id -u)" = 0 ] || setup_fail "run as root (systemd, namespaces)"
for f in "$bin" "$unit" "$template"; do
	[ -e "$f" ] || setup_fail "no $f: build BUILD_DIR first"
done
grep -q '^ExecStart=.* /usr/local/sbin/mailautoconf-fcgi ' "$template" ||
	grep -q '^	-- /usr/local/sbin/mailautoconf-fcgi ' "$template" ||
	setup_fail "$template does not run /usr/local/sbin/mailautoconf-fcgi: configure BUILD_DIR with the default prefix"
for tool in unshare nsenter /lib/systemd/systemd systemctl useradd nginx wrk curl; do
	command -v "$tool" >/dev/null || setup_fail "$tool is not installed"
done
load_cert || setup_fail "no certificate"

# ---- boot -------------------------------------------------------------------

ns=$tmp/sd
sd_boot "$unit" replicas >"$tmp/sd-why.txt" ||
	setup_fail "$(cat "$tmp/sd-why.txt")"
echo "     systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is PID 1 of a private PID namespace; mailautoconf.service is active"

# The template as an operator installs it (sd-ns.sh's unit path is
# NSDIR/units, so drop-ins go there, beside the link).  @tcp gets the
# environment file and the drop-in the template's comments give; @bare
# gets the environment file alone.
port=$(load_ports 1)
bare_port=$(load_ports 1)
sd install -m 644 "$template" /etc/systemd/system/
ln -s /etc/systemd/system/mailautoconf@.service "$ns/units/"
mkdir "$ns/units/mailautoconf@tcp.service.d"
cp "$root/etc/replica-tcp.conf" "$ns/units/mailautoconf@tcp.service.d/tcp.conf"
sd sh -c "echo 'MAILAUTOCONF_LISTEN=-a 127.0.0.1 -p $port' >/etc/default/mailautoconf-tcp"
sd sh -c "echo 'MAILAUTOCONF_LISTEN=-a 127.0.0.1 -p $bare_port' >/etc/default/mailautoconf-bare"
sd systemctl daemon-reload

# ---- start ------------------------------------------------------------------

instances=(a b tcp)
rc=0
sd systemctl start "${instances[@]/#/mailautoconf@}" >"$tmp/start.log" 2>&1 || rc=$?
states=''
for i in "${instances[@]}"; do
	states+="$i=$(sd systemctl is-active "mailautoconf@$i" || true) "
done
name="systemctl start mailautoconf@a @b @tcp beside mailautoconf.service -> all four active"
if [ "$rc" = 0 ] && [ "$states" = "a=active b=active tcp=active " ] &&
	sd systemctl is-active --quiet mailautoconf.service; then
	ok "$name"
else
	not_ok "$name" "exit $rc: $states $(cat "$tmp/start.log")" \
		"$(sd journalctl --no-pager -n 20 2>&1 | tr '\n' '|')"
fi

# Owner, group and mode of a socket inside the namespace.
sock_stat() {
	sd stat -c '%U:%G %a %F' "$1" 2>/dev/null || echo missing
}

name="each unix replica has its own runtime directory and socket (mailautoconf:www-data 660), beside /run/mailautoconf"
want='mailautoconf:www-data 660 socket'
got="a: $(sock_stat /run/mailautoconf-a/mailautoconf.sock); b: $(sock_stat /run/mailautoconf-b/mailautoconf.sock); main: $(sock_stat /run/mailautoconf/mailautoconf.sock)"
if [ "$got" = "a: $want; b: $want; main: $want" ]; then
	ok "$name"
else
	not_ok "$name" "$got"
fi

pids=''
users=''
for i in "${instances[@]}"; do
	p=$(sd systemctl show -p MainPID --value "mailautoconf@$i")
	pids+="$p "
	users+="$(sd ps -o user= -p "$p" 2>/dev/null || echo none) "
done
name="three responders, three MainPIDs, each running as mailautoconf"
if [ "$(echo "$pids" | tr ' ' '\n' | grep -v '^0*$' | sort -u | wc -l)" = 3 ] &&
	[ "$users" = "mailautoconf mailautoconf mailautoconf " ]; then
	ok "$name"
else
	not_ok "$name" "MainPIDs $pids users $users"
fi

name="mailautoconf@tcp listens on 127.0.0.1:$port (replica-tcp.conf lifts PrivateNetwork and the inet families)"
if wait_for 5 python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port"; then
	ok "$name"
else
	not_ok "$name" "$(sd journalctl --no-pager -n 10 -u mailautoconf@tcp 2>&1 | tr '\n' '|')"
fi

name="a TCP instance without replica-tcp.conf does not start (the template keeps AF_INET out)"
sd systemctl start mailautoconf@bare >/dev/null 2>&1 || true
sleep 0.5
state=$(sd systemctl is-active mailautoconf@bare || true)
if [ "$state" != active ] &&
	! python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$bare_port" 2>/dev/null; then
	ok "$name"
else
	not_ok "$name" "mailautoconf@bare is $state"
fi
sd systemctl stop mailautoconf@bare >/dev/null 2>&1 || true
sd systemctl reset-failed mailautoconf@bare >/dev/null 2>&1 || true

name="journald files each replica's lines under the identifier mailautoconf (SyslogIdentifier)"
if sd journalctl --no-pager -t mailautoconf -u mailautoconf@a | grep -q 'started' &&
	sd journalctl --no-pager -t mailautoconf -u mailautoconf@tcp | grep -q 'started'; then
	ok "$name"
else
	not_ok "$name" "$(sd journalctl --no-pager -o verbose -n 1 -u mailautoconf@a 2>&1 | grep -E 'SYSLOG_IDENTIFIER|MESSAGE=' | tr '\n' '|')"
fi

name="systemctl reload mailautoconf@a -> -t, then SIGHUP through the shell's kill: 'reloaded' in its journal"
rc=0
sd systemctl reload mailautoconf@a >"$tmp/reload.log" 2>&1 || rc=$?
if [ "$rc" = 0 ] && wait_for 5 sh -c "nsenter -t $sd_pid -m -p journalctl --no-pager -u mailautoconf@a | grep -q 'reloaded /etc/mailautoconf/mailautoconf.ini: '"; then
	ok "$name"
else
	not_ok "$name" "exit $rc $(cat "$tmp/reload.log")" \
		"$(sd journalctl --no-pager -n 8 -u mailautoconf@a 2>&1 | tr '\n' '|')"
fi

# ---- stop one under load ----------------------------------------------------

nginx_dir=$tmp/nginx
load_upstream "$tmp/upstream.conf" unix:/run/mailautoconf-a/mailautoconf.sock \
	unix:/run/mailautoconf-b/mailautoconf.sock "127.0.0.1:$port" ||
	setup_fail "could not write the upstream block"
load_nginx "$nginx_dir" "$tmp/upstream.conf" "" -- nsenter -t "$sd_pid" -m ||
	setup_fail "nginx did not start: $(cat "$nginx_dir/error.log")"

echo "     wrk for $secs s through one upstream of a, b and tcp; systemctl stop mailautoconf@a after $stop_at s"
load_wrk "$tmp/wrk-stop.out" "$nginx_url" "$secs"
sleep "$stop_at"
rc=0
sd systemctl stop mailautoconf@a >"$tmp/stop.log" 2>&1 || rc=$?
state=$(sd systemctl show -p ActiveState -p Result -p ExecMainStatus mailautoconf@a | tr '\n' ' ')
load_wrk_wait "$tmp/wrk-stop.out" || w_errors=unknown
bad=$(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')
echo "     $(load_wrk_summary)"
echo "     failed by endpoint: ${bad:-none}"

name="systemctl stop mailautoconf@a under load -> it exits 0, inactive, not failed"
if [ "$rc" = 0 ] && [ "$state" = "Result=success ExecMainStatus=0 ActiveState=inactive " ]; then
	ok "$name"
else
	not_ok "$name" "exit $rc: $state" "$(cat "$tmp/stop.log")"
fi

name="... and no failed request (non-2xx or socket error) while it stopped"
if [ "$w_errors" = 0 ] && [ "${w_requests:-0}" -gt 0 ]; then
	ok "$name"
else
	not_ok "$name" "$(load_wrk_summary)" "failed: $bad" \
		"nginx error.log: $(grep -E 'upstream|connect\(\)' "$nginx_dir/error.log" | sed 's/^[0-9/]* [0-9:]* //; s/, client:.*//' | sort | uniq -c | sort -rn | head -n 3 | tr '\n' '|')"
fi

name="only a's runtime directory is gone; b's and the main unit's sockets stay"
got="a: $(sock_stat /run/mailautoconf-a); b: $(sock_stat /run/mailautoconf-b/mailautoconf.sock); main: $(sock_stat /run/mailautoconf/mailautoconf.sock)"
if [ "$got" = "a: missing; b: $want; main: $want" ]; then
	ok "$name"
else
	not_ok "$name" "$got"
fi

# ---- the others keep answering ----------------------------------------------

: >"$nginx_dir/access.log"
load_wrk "$tmp/wrk-after.out" "$nginx_url" 4
load_wrk_wait "$tmp/wrk-after.out" || w_errors=unknown
echo "     after the stop: $(load_wrk_summary)"
name="with a stopped, b and tcp keep answering under load: no failed request"
if [ "$w_errors" = 0 ] && [ "${w_requests:-0}" -gt 0 ]; then
	ok "$name"
else
	not_ok "$name" "$(load_wrk_summary)" \
		"failed: $(load_access_bad "$nginx_dir/access.log" | tr '\n' ';')"
fi
load_nginx_stop

finish
