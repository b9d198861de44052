#!/usr/bin/env bash
# The README's quick-start commands on a bare Debian 12, as a new user
# meets them: a `debootstrap --variant=minbase bookworm` root plus git, the
# repository cloned (from this checkout's committed HEAD) into root's home,
# /root/mailautoconf, with nothing beside it, and the commands run there as
# root.
#
# Usage, as root: bash tests/fresh/run.sh [--full] [--keep]
#   --full   after the first command, also run the second,
#            `bash tests/check-all.sh`, in the same root (20-40 min)
#   --keep   keep the root of this run (its path is printed)
# Environment: MAC_FRESH_CACHE (default /var/cache/mailautoconf-fresh)
# holds the pristine root, built once per mirror and package list, and
# the logs of the last run (last/).
#
# Each run starts from a copy of the pristine root, given this machine's
# resolver (/etc/resolv.conf), local certificate authorities
# (/usr/local/share/ca-certificates, /etc/ssl/certs), apt sources and
# settings, npm configuration (/etc/npmrc, /root/.npmrc) and proxy
# variables, so its package clients reach the registries as this
# machine's do.  The commands run chrooted in a private mount and PID
# namespace (/proc, /sys, /dev, /dev/pts, /dev/shm and a tmpfs /run
# mounted there, gone when it ends) on this machine's network: the demo's
# fixed ports 8443 and 8080 must be free.
#
#   1. `bash nginx/demo.sh`, started as from a terminal, must print
#      "mailautoconf is running"; then each curl command it printed runs
#      inside the root (tests/quickstart.sh --log checks the answers);
#      then SIGINT to its process group, as Ctrl-C: it must exit 0 and
#      leave no process, socket or temporary directory behind.
#   2. (--full) `bash tests/check-all.sh` must exit 0 and print "all: N
#      passed, 0 failed".
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
full=0 keep=0 inside=
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1 ;;
	--keep) keep=1 ;;
	--inside) inside=${2:?} && shift ;; # internal: in the namespaces
	*)
		sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
	shift
done

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

in_root() { # command...
	chroot "$rootfs" /usr/bin/env -i "${root_env[@]}" "$@"
}

# ---- inside the private mount and PID namespaces ----------------------------

if [ -n "$inside" ]; then
	rootfs=$inside/root
	logs=$cache/last
	# The root is a mount point, so that mounts and namespaces inside it
	# work as on a real machine; everything below vanishes with us.
	mount --bind "$rootfs" "$rootfs"
	mount -t proc proc "$rootfs/proc"
	mount --rbind /sys "$rootfs/sys"
	mount --rbind /dev "$rootfs/dev"
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$rootfs/run"
	mkdir -p "$rootfs/run/lock"

	# Ports the demo listens on; another demo on this machine (the test
	# command's tests/quickstart.sh) may hold them for a while.
	for port in 8443 8080; do
		if ! wait_for 600 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"; then
			setup_fail "127.0.0.1:$port stayed in use for 10 minutes"
		fi
	done

	# 1. The first command, from a terminal: its own process group, SIGINT
	# not ignored.
	echo "== bash nginx/demo.sh in $rootfs/root/mailautoconf"
	demo_log=$logs/demo.log
	t0=$SECONDS
	setsid env --default-signal=INT chroot "$rootfs" /usr/bin/env -i \
		"${root_env[@]}" bash -c 'cd /root/mailautoconf && exec bash nginx/demo.sh' \
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
		in_root bash /root/mailautoconf/tests/quickstart.sh --log /tmp/demo.log \
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
		left=()
		for p in "$rootfs"/proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$rootfs" ] &&
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
		echo "== bash tests/check-all.sh in $rootfs/root/mailautoconf"
		t0=$SECONDS
		rc=0
		in_root bash -c 'cd /root/mailautoconf && exec bash tests/check-all.sh' \
			</dev/null >"$logs/check-all.log" 2>&1 || rc=$?
		took=$((SECONDS - t0))
		all=$(sed -n 's/^all: \([0-9]* passed, [0-9]* failed\)$/\1/p' "$logs/check-all.log")
		name="bash tests/check-all.sh on the root -> exit 0, all: N passed, 0 failed"
		if [ "$rc" = 0 ] && [[ $all == *" passed, 0 failed" ]]; then
			ok "$name"
		else
			not_ok "$name" "exit $rc after $took s; $logs/check-all.log:" \
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
	echo "fresh: run me as root (debootstrap, chroot, mounts)" >&2
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
for f in /etc/npmrc /root/.npmrc; do
	[ -f "$f" ] && cp -p "$f" "$rootfs$f"
done

echo "== git clone of $(git -C "$src" rev-parse --short HEAD) into /root/mailautoconf"
git clone -q --no-hardlinks "$src" "$rootfs/root/mailautoconf"
chmod 0700 "$rootfs/root" "$rootfs/root/mailautoconf"
ls -A "$rootfs/root"

mkdir -p "$cache/last"
rm -f "$cache"/last/*
args=()
[ "$full" = 0 ] || args+=(--full)
rc=0
unshare --mount --pid --fork --propagation private -- \
	bash "${BASH_SOURCE[0]}" "${args[@]}" --inside "$work" || rc=$?
echo "(logs in $cache/last)"
exit "$rc"
