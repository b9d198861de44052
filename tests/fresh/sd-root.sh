#!/usr/bin/env bash
# tests/fresh/run.sh --deb: the inside of the private namespaces in which
# the fresh root's own systemd boots with the installed package's unit
# (tests/load/sd-ns.sh does the same for the unit deployed by hand).
#
# Usage (run.sh does this, as root, from a cgroup it made for this):
#	unshare --pid --fork --mount --cgroup --uts --ipc --net bash sd-root.sh ROOTFS
#
# This shell is PID 1 of a new PID namespace, in private mount, cgroup and
# network namespaces (loopback only: nginx listens on port 80 here and
# nowhere else).  ROOTFS is a mount point with /dev and /sys bound from the
# host; it gets its own /proc, a tmpfs /run and cgroup2 alone on
# /sys/fs/cgroup, seen from the cgroup namespace, and becomes the root of
# this mount namespace (pivot_root) for systemd.  systemd reads units from /run/mac-units only ($SYSTEMD_UNIT_PATH
# without a trailing colon: no generators, no sysinit.target with udev,
# sysctl or tmpfiles, which would touch the host's devices and kernel
# settings), where the units the packages installed are linked unmodified:
# mailautoconf.service, nginx.service and journald's, plus empty stub
# targets for their dependencies.
set -euo pipefail
r=$1

mount --make-rprivate /
ip link set lo up
mount -t proc proc "$r/proc"
umount -R "$r/sys/fs/cgroup" 2>/dev/null || true
mount -t cgroup2 -o nsdelegate cgroup2 "$r/sys/fs/cgroup"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$r/run"

units=$r/run/mac-units
mkdir -p "$units"
for u in mailautoconf.service nginx.service; do
	ln -s "/lib/systemd/system/$u" "$units/$u"
done
for u in systemd-journald.service systemd-journald.socket \
	systemd-journald-dev-log.socket systemd-journald-audit.socket; do
	ln -s "/lib/systemd/system/$u" "$units/$u"
done
for t in sysinit basic sockets shutdown network network-online remote-fs \
	nss-lookup multi-user; do
	printf '[Unit]\nDescription=%s (stub)\nDefaultDependencies=no\n' \
		"$t.target" >"$units/$t.target"
done
printf '[Unit]\nDescription=%s\nDefaultDependencies=no\nWants=%s\n' \
	'mailautoconf fresh root: the package unit and nginx' \
	'systemd-journald.socket systemd-journald.service mailautoconf.service nginx.service' \
	>"$units/mac-fresh.target"

# The root becomes this mount namespace's root, the host's tree detached.
cd "$r"
pivot_root . mnt
cd /
umount -l /mnt
exec /usr/bin/env -i container=mailautoconf-fresh \
	SYSTEMD_UNIT_PATH=/run/mac-units \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/lib/systemd/systemd --system --unit=mac-fresh.target \
	--log-target=journal --log-level=notice </dev/null
