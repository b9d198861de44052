#!/usr/bin/env bash
# mailautoconf load tests: the inside of the private namespaces in which
# tests/load/run.sh boots the real systemd (case 3).
#
# Usage (run.sh does this, as root, from a cgroup it made for this):
#	unshare --pid --fork --mount --cgroup --uts --ipc bash sd-ns.sh ROOT BIN CONFIG NSDIR
#
# This shell is PID 1 of a new PID namespace, in a private mount namespace
# and a cgroup namespace, and it must not touch the host:
#   - systemd reads units from NSDIR/units only ($SYSTEMD_UNIT_PATH without
#     a trailing colon: no /lib/systemd/system, no generators), so nothing
#     but the service and empty stub targets exists.  With the stock unit
#     path the service's default dependencies pull in sysinit.target, and
#     with it systemd-tmpfiles-setup.service, which empties the host's /tmp
#     (tmpfiles.d/tmp.conf "D /tmp"), and udev, sysctl, binfmt and the rest.
#   - /etc and /usr/local/sbin are overlays whose upper layers are under
#     NSDIR, /run and /var/log/journal are fresh tmpfs (systemd removes a
#     RuntimeDirectory only from tmpfs), /proc shows this PID namespace,
#     and /sys/fs/cgroup is cgroup2 alone, seen from the cgroup namespace:
#     systemd runs "unified", its cgroups stay below the one run.sh made,
#     and it mounts none of the host's cgroup v1 controllers (on a hybrid
#     tmpfs /sys/fs/cgroup it would, and make init.scope and system.slice
#     at their roots).
# Then it deploys as README.md's "Deploying" section says (useradd,
# install the binary to /usr/local/sbin, the configuration to
# /etc/mailautoconf, etc/mailautoconf.default to /etc/default/mailautoconf,
# the unit to /etc/systemd/system) and execs systemd, whose default target
# wants only mailautoconf.service, plus journald (Debian's own units)
# for the service's standard error, as on a real host: "journalctl -u
# mailautoconf" shows the responder's log lines.  nginx runs
# in this mount namespace too (nsenter -m), so it connects to the unit's
# own /run/mailautoconf/mailautoconf.sock.
set -euo pipefail
root=$1 bin=$2 config=$3 ns=$4

mount --make-rprivate /
for d in etc sbin; do
	mkdir -p "$ns/$d.up" "$ns/$d.work"
done
mount -t overlay overlay \
	-o "lowerdir=/etc,upperdir=$ns/etc.up,workdir=$ns/etc.work" /etc
mount -t overlay overlay \
	-o "lowerdir=/usr/local/sbin,upperdir=$ns/sbin.up,workdir=$ns/sbin.work" \
	/usr/local/sbin
mount -t tmpfs -o mode=0755 tmpfs /run
if [ -d /var/log/journal ]; then
	mount -t tmpfs -o mode=0755 tmpfs /var/log/journal
fi
mount -t proc proc /proc
umount -R /sys/fs/cgroup
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup

# README.md, "Deploying with nginx, spawn-fcgi and systemd".
useradd --system --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin mailautoconf
install -m 755 "$bin" /usr/local/sbin/mailautoconf-fcgi
install -d /etc/mailautoconf
install -m 644 "$config" /etc/mailautoconf/mailautoconf.ini
install -m 644 "$root/etc/mailautoconf.default" /etc/default/mailautoconf

# The only units there are.  The unit itself is installed where the
# README says, and NSDIR/units links to it.
mkdir -p /etc/systemd/system "$ns/units"
install -m 644 "$ns/mailautoconf.service" /etc/systemd/system/
ln -s /etc/systemd/system/mailautoconf.service "$ns/units/"
for u in systemd-journald.service systemd-journald.socket \
	systemd-journald-dev-log.socket systemd-journald-audit.socket; do
	cp "/lib/systemd/system/$u" "$ns/units/"
done
for t in sysinit basic sockets shutdown network; do
	printf '[Unit]\nDescription=%s (stub)\nDefaultDependencies=no\n' \
		"$t.target" >"$ns/units/$t.target"
done
printf '[Unit]\nDescription=%s\nDefaultDependencies=no\nWants=%s\n' \
	'mailautoconf load test: the responder only' \
	'systemd-journald.socket systemd-journald.service mailautoconf.service' \
	>"$ns/units/mac-load.target"

export SYSTEMD_UNIT_PATH=$ns/units container=mailautoconf-load
exec /lib/systemd/systemd --system --unit=mac-load.target \
	--log-target=journal --log-level=notice </dev/null
