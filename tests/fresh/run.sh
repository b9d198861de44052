#!/usr/bin/env bash
# The README's quick-start commands on a bare Debian 12, as a new user
# meets them: a `debootstrap --variant=minbase bookworm` root plus git, the
# repository cloned (from this checkout's committed HEAD) into root's home
# inside the root ($clone below), with nothing beside it, and the commands
# run there as root.
#
# Usage, as root: bash tests/fresh/run.sh [--full] [--keep]
#                 bash tests/fresh/run.sh --deb FILE [--keep]
#   --full   after the first command, also run the second,
#            `bash tests/check-all.sh`, in the same root (20-40 min)
#   --deb    instead, install the package FILE (tests/package/run.sh
#            makes it) on a bare root and run it (3. below)
#   --keep   keep the root of this run (its path is printed)
# Environment: MAC_FRESH_CACHE (default /var/cache/mailautoconf-fresh)
# holds the pristine root, built once per mirror and package list, and
# the logs of the last run (last/).
#
# Each run starts from a copy of the pristine root, given this machine's
# resolver (/etc/resolv.conf), local certificate authorities
# (/usr/local/share/ca-certificates, /etc/ssl/certs), apt sources and
# settings, npm configuration (/etc/npmrc and root's own) and proxy
# variables, so its package clients reach the registries as this
# machine's do.  The commands run with the root as / (pivot_root) in
# private mount and PID namespaces (/proc, /sys, /dev, /dev/pts, /dev/shm
# and a tmpfs /run mounted there, gone when they end) on this machine's
# network: the demo's fixed ports 8443 and 8080 must be free.
#
#   1. `bash nginx/demo.sh`, started as from a terminal, must print
#      "mailautoconf is running"; then each curl command it printed runs
#      inside the root (tests/quickstart.sh --log checks the answers);
#      then SIGINT to its process group, as Ctrl-C: it must exit 0 and
#      leave no process, socket or temporary directory behind.
#   2. (--full) `bash tests/check-all.sh` must exit 0 and print "all: N
#      passed, 0 failed".
#   3. (--deb FILE, no clone) `apt-get install ./FILE` (with systemd and
#      curl, which a Debian 12 host has) must pull what it needs; then
#      `mailautoconf-fcgi -t` passes on the installed configuration; the
#      root's systemd boots in private namespaces (tests/fresh/sd-root.sh)
#      and starts the installed unit and nginx, which, with a server block
#      that includes the installed snippet, answers the autoconfig URL;
#      `systemctl reload` and `stop` work; `apt-get purge` leaves none of
#      the package's files, its configuration directory or its user.
#
# Prints how long each command took and closes with "fresh: N passed, M
# failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$src/tests/lib.sh"
report_prefix="fresh: "

suite=bookworm
cache=${MAC_FRESH_CACHE:-/var/cache/mailautoconf-fresh}
full=0 keep=0 inside='' deb=''
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1 ;;
	--keep) keep=1 ;;
	--deb) deb=${2:?} && shift ;;
	--inside) inside=${2:?} && shift ;; # internal: in the namespaces
	*)
		sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
	shift
done

# Where the clone lives inside the bare root: root's home, where a new user
# running as root clones it; and this machine's own npm settings, handed
# to the root like its resolver.
clone=/root/mailautoconf # outside-paths: allow (a path inside the bare root)
npmrc_root=/root/.npmrc # outside-paths: allow (copied into the root, as its resolver is)

# The environment of a root login on the root, with the host's proxy
# settings only.
root_env=(HOME=/root USER=root LOGNAME=root SHELL=/bin/bash
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	LANG=C.UTF-8 TERM=dumb)
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
	NODE_EXTRA_CA_CERTS; do
	if [ -n "${!v:-}" ]; then
		root_env+=("$v=${!v}")
	fi
done

# Run a command in the root as on a machine booted from it: PID 1 of a PID
# namespace of its own, in a mount namespace whose root is the root
# (pivot_root, the host's tree detached) with its own /proc.  So "nsenter
# -m" and the namespaces that suites make inside it see the root, not the
# host (entering a mount namespace resets the root to the namespace's,
# which a chroot is not), and systemctl finds /proc/1/root to be / (else it
# takes itself to be in a chroot and ignores requests).  SIGINT and
# SIGTERM reach the command: unshare --fork blocks them in the parent.
# shellcheck disable=SC2016 # expanded by the child bash
pivot=(unshare --mount --pid --fork --propagation private -- bash -c '
	cd "$1" && pivot_root . mnt && cd / && umount -l /mnt &&
		mount -t proc proc /proc || exit 125
	shift
	exec /usr/bin/env -i "$@"' in-root)

in_root() { # command...
	"${pivot[@]}" "$rootfs" "${root_env[@]}" "$@"
}

# ---- 3. the package on the bare root (inside the namespaces) ------------------

# Run COMMAND in the root as seen by its systemd (PID 1 sd_pid): its mount,
# PID and network namespaces, its root.
in_sd() { # command...
	nsenter -t "$sd_pid" -m -p -n -u -i -r -w -- /usr/bin/env -i \
		"${root_env[@]}" "$@"
}

sd_cgroup='' sd_unshare='' sd_pid=''
# shellcheck disable=SC2317 # called by deb_part and its EXIT trap
sd_stop() {
	# unshare --kill-child: its death takes the namespace's PID 1 along.
	if [ -n "$sd_unshare" ]; then
		kill -KILL "$sd_unshare" 2>/dev/null || true
		wait "$sd_unshare" 2>/dev/null || true
	fi
	sd_pid='' sd_unshare=''
	if [ -n "$sd_cgroup" ] && [ -d "$sd_cgroup" ]; then
		find "$sd_cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
	fi
	sd_cgroup=''
}

# shellcheck disable=SC2016 # dpkg-query's formats
deb_part() {
	local name t0 rc out cgroot before after f left st
	trap sd_stop EXIT
	echo "== the package $(basename "$deb") on the bare root"
	echo "     size: $(stat -c %s "$rootfs$deb") bytes; Depends: $(dpkg-deb -f "$rootfs$deb" Depends)"

	# What a Debian 12 host has beside the package: its init, and curl for
	# the check.
	in_root apt-get update -q >"$logs/apt.log" 2>&1 || true
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends systemd curl >>"$logs/apt.log" 2>&1 || true
	before=$(in_root dpkg-query -W -f='${binary:Package}\n' | wc -l)
	t0=$SECONDS
	rc=0
	in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" \
		>"$logs/apt-deb.log" 2>&1 || rc=$?
	after=$(in_root dpkg-query -W -f='${binary:Package}\n' | wc -l)
	name="apt-get install ./$(basename "$deb") on the bare root -> installed, with what it needs"
	if [ "$rc" = 0 ] &&
		[ "$(in_root dpkg-query -W -f='${db:Status-Abbrev}' mailautoconf)" = "ii " ]; then
		ok "$name"
		echo "     $((after - before)) packages in $((SECONDS - t0)) s:$(sed -n '/^The following NEW packages/,/^[0-9]* upgraded/{/^  /p}' "$logs/apt-deb.log" | tr -s ' \n' ' ')"
	else
		not_ok "$name" "exit $rc" "$(tail -n 8 "$logs/apt-deb.log")"
		return
	fi
	in_root dpkg-query -L mailautoconf >"$logs/deb-files.txt"

	name="mailautoconf-fcgi -t on the installed configuration -> exit 0"
	rc=0
	out=$(in_root mailautoconf-fcgi -t 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc: $out"
	fi

	# An operator's server block: the installed snippet, on port 80 of the
	# private network namespace.
	cat >"$rootfs/etc/nginx/sites-enabled/mailautoconf-fresh" <<'EOF'
server {
	listen 127.0.0.1:80;
	server_name autoconfig.example.com autodiscover.example.com;
	include snippets/mailautoconf-locations.conf;
	location / {
		return 404;
	}
}
EOF

	# Boot the root's systemd in its namespaces, from a cgroup of its own.
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		cgroot=/sys/fs/cgroup
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		cgroot=/sys/fs/cgroup/unified
	else
		not_ok "systemd boots in the root" "no cgroup2 hierarchy"
		return
	fi
	sd_cgroup=$(mktemp -d -u "$cgroot/mailautoconf-fresh-XXXXXX")
	mkdir "$sd_cgroup"
	(
		echo "$BASHPID" >"$sd_cgroup/cgroup.procs"
		exec unshare --pid --fork --kill-child --mount --cgroup --uts \
			--ipc --net bash "$here/sd-root.sh" "$rootfs"
	) >"$logs/boot.log" 2>&1 </dev/null &
	sd_unshare=$!
	wait_for 5 pgrep -P "$sd_unshare" || true
	sd_pid=$(pgrep -P "$sd_unshare" || true)
	name="the root's systemd starts the installed mailautoconf.service and nginx.service"
	if [ -n "$sd_pid" ] &&
		wait_for 60 in_sd systemctl is-active -q mailautoconf.service nginx.service; then
		ok "$name"
	else
		not_ok "$name" "$(cat "$logs/boot.log")" \
			"$( [ -z "$sd_pid" ] || in_sd systemctl status --no-pager -n 20 mailautoconf.service nginx.service 2>&1 | head -n 40)"
		sd_stop
		return
	fi

	name="nginx with the installed snippets answers the autoconfig URL"
	rc=0
	out=$(in_sd curl -s --max-time 10 -H 'Host: autoconfig.example.com' \
		'http://127.0.0.1/mail/config-v1.1.xml?emailaddress=alice%40example.com' 2>&1) || rc=$?
	if [ "$rc" = 0 ] && grep -q '<emailProvider id="example.com">' <<<"$out"; then
		ok "$name"
	else
		not_ok "$name" "curl exit $rc: ${out:0:300}"
	fi

	name="systemctl reload mailautoconf -> exit 0, the journal says 'reloaded'"
	rc=0
	in_sd systemctl reload mailautoconf.service >"$logs/reload.log" 2>&1 || rc=$?
	if [ "$rc" = 0 ] && wait_for 10 sh -c \
		"nsenter -t $sd_pid -m -p -r -w -- journalctl -u mailautoconf.service --no-pager | grep -q ': reloaded /etc/mailautoconf/'"; then
		ok "$name"
	else
		not_ok "$name" "exit $rc: $(cat "$logs/reload.log")" \
			"$(in_sd journalctl -u mailautoconf.service --no-pager 2>&1 | tail -n 8)"
	fi

	name="systemctl stop mailautoconf -> inactive, socket gone"
	rc=0
	in_sd systemctl stop mailautoconf.service >"$logs/stop.log" 2>&1 || rc=$?
	if [ "$rc" = 0 ] && ! in_sd systemctl is-active -q mailautoconf.service &&
		! in_sd test -e /run/mailautoconf/mailautoconf.sock; then
		ok "$name"
	else
		not_ok "$name" "exit $rc: $(cat "$logs/stop.log")"
	fi
	in_sd journalctl --no-pager >"$logs/journal.log" 2>&1 || true
	sd_stop

	# Purge, with no systemd running.
	name="apt-get purge mailautoconf -> none of its files, /etc/mailautoconf or the mailautoconf user left"
	rc=0
	in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q mailautoconf \
		>"$logs/purge.log" 2>&1 || rc=$?
	left=()
	while IFS= read -r f; do
		if [ -z "$f" ] || [ "$f" = /. ]; then
			continue
		fi
		if [ -e "$rootfs$f" ] && ! [ -d "$rootfs$f" ]; then
			left+=("$f")
		fi
	done <"$logs/deb-files.txt"
	[ ! -e "$rootfs/etc/mailautoconf" ] || left+=(/etc/mailautoconf)
	! grep -q '^mailautoconf:' "$rootfs/etc/passwd" || left+=("user mailautoconf")
	! grep -q '^mailautoconf:' "$rootfs/etc/group" || left+=("group mailautoconf")
	# Purged: unknown to dpkg, or known as not installed.
	st=$(in_root dpkg-query -W -f='${db:Status-Abbrev}' mailautoconf 2>/dev/null || true)
	[ -z "$st" ] || [[ $st == ?n* ]] || left+=("dpkg status '$st'")
	if [ "$rc" = 0 ] && [ "${#left[@]}" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "exit $rc; left: ${left[*]:-none}" "$(tail -n 5 "$logs/purge.log")"
	fi
}

# ---- inside the private mount and PID namespaces ----------------------------

if [ -n "$inside" ]; then
	rootfs=$inside/root
	logs=$inside/logs
	# This PID namespace's /proc, for pgrep and nsenter.  The root is a
	# mount point, so that mounts and namespaces inside it work as on a
	# real machine; everything below vanishes with us.
	mount -t proc proc /proc
	mount --bind "$rootfs" "$rootfs"
	mount -t proc proc "$rootfs/proc"
	mount --rbind /sys "$rootfs/sys"
	mount --rbind /dev "$rootfs/dev"
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$rootfs/run"
	mkdir -p "$rootfs/run/lock"
	if [ -n "$deb" ]; then
		deb_part
		finish
	fi

	# Ports the demo listens on; another demo on this machine (the test
	# command's tests/quickstart.sh) may hold them for a while.
	for port in 8443 8080; do
		if ! wait_for 600 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"; then
			setup_fail "127.0.0.1:$port stayed in use for 10 minutes"
		fi
	done

	# 1. The first command, from a terminal: its own process group, SIGINT
	# not ignored.
	echo "== bash nginx/demo.sh in $rootfs$clone"
	demo_log=$logs/demo.log
	t0=$SECONDS
	setsid env --default-signal=INT "${pivot[@]}" "$rootfs" \
		"${root_env[@]}" bash -c 'cd "$1" && exec bash nginx/demo.sh' _ "$clone" \
		>"$demo_log" 2>&1 </dev/null &
	demo=$!
	came_up=
	while kill -0 "$demo" 2>/dev/null; do
		if grep -q '^mailautoconf is running' "$demo_log"; then
			came_up=$((SECONDS - t0))
			break
		fi
		[ $((SECONDS - t0)) -lt 2400 ] || break
		sleep 1
	done
	name="bash nginx/demo.sh on the bare root -> 'mailautoconf is running'"
	if [ -n "$came_up" ]; then
		ok "$name"
		echo "     demo.sh: $came_up s from start to running (dependencies, build, start)"
	else
		kill -INT -- "-$demo" 2>/dev/null || true
		not_ok "$name" "after $((SECONDS - t0)) s; last lines of $demo_log:" \
			"$(tail -n 15 "$demo_log")"
	fi

	if [ -n "$came_up" ]; then
		# The printed curl commands, run inside the root.
		cp "$demo_log" "$rootfs/tmp/demo.log"
		in_root bash "$clone/tests/quickstart.sh" --log /tmp/demo.log \
			>"$logs/quickstart.log" 2>&1 || true
		rm -f "$rootfs/tmp/demo.log"
		sed -n '/^ok   \|^FAIL \|^     /p' "$logs/quickstart.log"
		qs_pass=$(sed -n 's/^quickstart: \([0-9]*\) passed, [0-9]* failed$/\1/p' "$logs/quickstart.log")
		qs_fail=$(sed -n 's/^quickstart: [0-9]* passed, \([0-9]*\) failed$/\1/p' "$logs/quickstart.log")
		if [ -z "$qs_pass" ]; then
			not_ok "tests/quickstart.sh --log in the root -> a closing line" \
				"$(tail -n 10 "$logs/quickstart.log")"
		else
			pass=$((pass + qs_pass))
			fail=$((fail + qs_fail))
		fi

		# Ctrl-C.
		t1=$SECONDS
		kill -INT -- "-$demo"
		rc=0
		wait_for 60 sh -c "! kill -0 $demo 2>/dev/null" || rc=timeout
		if [ "$rc" = timeout ]; then
			kill -KILL -- "-$demo" 2>/dev/null || true
		fi
		wait "$demo" 2>/dev/null || rc=$?
		# Processes in the root are in mount namespaces other than ours.
		left=()
		self_ns=$(readlink /proc/self/ns/mnt)
		for p in /proc/[0-9]*; do
			ns=$(readlink "$p/ns/mnt" 2>/dev/null) || continue
			[ "$ns" = "$self_ns" ] ||
				left+=("${p##*/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)")
		done
		name="SIGINT to the demo's process group (Ctrl-C) -> exit 0, no process, socket or temporary directory left"
		if [ "$rc" = 0 ] && [ "${#left[@]}" = 0 ] &&
			[ ! -e "$rootfs/run/mailautoconf/mailautoconf.sock" ] &&
			! compgen -G "$rootfs/tmp/mailautoconf-demo.*" >/dev/null &&
			grep -q '^== stopped; removed ' "$demo_log"; then
			ok "$name"
			echo "     stopped in $((SECONDS - t1)) s"
		else
			not_ok "$name" "exit $rc" "left: ${left[*]:-none}" \
				"$(ls -d "$rootfs"/run/mailautoconf/* "$rootfs"/tmp/mailautoconf-demo.* 2>/dev/null)" \
				"$(tail -n 3 "$demo_log")"
		fi
		# Whatever is left goes with the PID namespace.
	fi

	# 2. The second command.
	if [ "$full" = 1 ]; then
		echo "== bash tests/check-all.sh in $rootfs$clone"
		t0=$SECONDS
		rc=0
		in_root bash -c 'cd "$1" && exec bash tests/check-all.sh' _ "$clone" \
			</dev/null >"$logs/check-all.log" 2>&1 || rc=$?
		took=$((SECONDS - t0))
		all=$(sed -n 's/^all: \([0-9]* passed, [0-9]* failed\)$/\1/p' "$logs/check-all.log")
		name="bash tests/check-all.sh on the root -> exit 0, all: N passed, 0 failed"
		if [ "$rc" = 0 ] && [[ $all == *" passed, 0 failed" ]]; then
			ok "$name"
		else
			not_ok "$name" "exit $rc after $took s; $cache/last/check-all.log:" \
				"$(grep -E '^(FAIL |SKIP|setup failed|deps: )|\(Failed\)$|^Errors while' "$logs/check-all.log" | head -n 30)" \
				"$(tail -n 10 "$logs/check-all.log")"
		fi
		grep -E '^(SKIP|# )' "$logs/check-all.log" | sed 's/^/     /' | head -n 20
		echo "     check-all.sh: $took s (all: ${all:-no closing line})"
	fi
	finish
fi

# ---- outside: the pristine root, a copy, the clone ---------------------------

[ "$(id -u)" = 0 ] || {
	echo "fresh: run me as root (debootstrap, namespaces, mounts)" >&2
	exit 1
}
# shellcheck source=tests/deps.sh
. "$src/tests/deps.sh"
mac_deps_install fresh >/dev/null || exit 1

# The machine's own Debian mirror: the first URI serving $suite in its
# apt sources (deb822 or one-line).
mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" '
			/^[[:space:]]*$/ { if (uri != "" && ok && deb) { print uri; exit }
				uri = ""; ok = 0; deb = 0; next }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
			END { if (uri != "" && ok && deb) print uri }' "$f"
	done
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		sed -n "s/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) $suite .*/\2/p"
}
uri=$(mirror | sed -n 1p)
[ -n "$uri" ] || setup_fail "no 'deb ... $suite' source in /etc/apt"

# The pristine root, built once per suite, variant, extra packages, mirror
# and debootstrap version.
include=git
key=$(printf '%s\n' "$suite" minbase "$include" "$uri" \
	"$(dpkg-query -W -f='${Version}' debootstrap)" | sha256sum | cut -c1-12)
pristine=$cache/$suite-minbase-$key
mkdir -p "$cache"
if [ ! -f "$pristine/.complete" ]; then
	echo "== debootstrap --variant=minbase --include=$include $suite from $uri"
	rm -rf "$pristine.new"
	t0=$SECONDS
	if ! debootstrap --variant=minbase --include="$include" "$suite" \
		"$pristine.new/root" "$uri" >"$cache/debootstrap.log" 2>&1; then
		setup_logs=("$cache/debootstrap.log")
		setup_fail "debootstrap failed"
	fi
	rm -rf "$pristine"
	mv "$pristine.new" "$pristine"
	: >"$pristine/.complete"
	echo "     debootstrap: $((SECONDS - t0)) s"
fi

work=$(mktemp -d "$cache/run.XXXXXX")
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "kept $work/root" >&2
	elif findmnt -rn -o TARGET | grep -q "^$work/"; then
		echo "fresh: $work still has mounts; not removed" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== a copy of the pristine root"
cp -a "$pristine/root" "$work/root"
rootfs=$work/root

# The host's resolver, certificate authorities, apt sources and settings,
# npm configuration.
cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
[ -s "$rootfs/etc/hosts" ] || cp /etc/hosts "$rootfs/etc/hosts"
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$rootfs/usr/local/share/ca-certificates"
	cp -a /usr/local/share/ca-certificates/. "$rootfs/usr/local/share/ca-certificates/"
fi
if [ -d /etc/ssl/certs ]; then
	mkdir -p "$rootfs/etc/ssl"
	rm -rf "$rootfs/etc/ssl/certs"
	cp -rL /etc/ssl/certs "$rootfs/etc/ssl/certs" 2>/dev/null ||
		cp -r /etc/ssl/certs "$rootfs/etc/ssl/certs"
fi
rm -f "$rootfs/etc/apt/sources.list" "$rootfs"/etc/apt/sources.list.d/*
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	/etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && cp "$f" "$rootfs$f"
done
for f in /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && [ ! -e "$rootfs$f" ] && grep -q 'Acquire' "$f" &&
		cp "$f" "$rootfs$f"
done
for f in /etc/npmrc "$npmrc_root"; do
	[ -f "$f" ] && cp -p "$f" "$rootfs$f"
done

if [ -n "$deb" ]; then
	[ -f "$deb" ] || setup_fail "no file $deb"
	cp "$deb" "$rootfs/tmp/"
	deb=/tmp/$(basename "$deb")
else
	echo "== git clone of $(git -C "$src" rev-parse --short HEAD) into $clone"
	git clone -q --no-hardlinks "$src" "$rootfs$clone"
	chmod 0700 "$rootfs${clone%/*}" "$rootfs$clone"
	ls -A "$rootfs${clone%/*}"
fi

mkdir -p "$work/logs"
args=()
[ "$full" = 0 ] || args+=(--full)
[ -z "$deb" ] || args+=(--deb "$deb")
rc=0
unshare --mount --pid --fork --propagation private -- \
	bash "${BASH_SOURCE[0]}" "${args[@]}" --inside "$work" || rc=$?
rm -rf "$cache/last"
cp -a "$work/logs" "$cache/last"
echo "(logs in $cache/last)"
exit "$rc"
