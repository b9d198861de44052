#!/usr/bin/env bash
# The Debian package: configures a Release build with
# -DCMAKE_INSTALL_PREFIX=/usr and Debian's build flags (dpkg-buildflags)
# in PARENT/build-package, builds it, runs "cpack -G DEB" and checks the
# .deb:
#   - lintian: any error fails (its whole output is printed)
#   - contents: the responder in /usr/sbin, the operator's program in
#     /usr/bin, the three man pages, both units in
#     /lib/systemd/system, the nginx files, the configuration, the
#     copyright and changelog in /usr/share/doc/mailautoconf
#   - Depends: computed from the binary (libc6, libexpat1, libfcgi0ldbl,
#     libidn2-0, libinih1, libssl3, libcurl4) plus spawn-fcgi and adduser
#   - the version is CMakeLists.txt's project(VERSION), and both packaged
#     programs' -V print it
#   - conffiles: every file under /etc, and nothing else
#   - the maintainer scripts: present, mode 0755, sh -n clean
#   - the units as extracted: systemd-analyze verify --root passes, and
#     every program an Exec line runs is in the package, in a package it
#     depends on, or in an Essential package
#
# Usage: bash tests/package/run.sh [PARENT]   (PARENT defaults to the
# repository root)
#
# Prints "ok   NAME" or "FAIL NAME" per check, then "size: ...",
# "depends: ...", "deb: /absolute/path/to/mailautoconf_V-1_ARCH.deb" and
# "package: N passed, M failed" last.  The .deb's absolute path is also
# written to PARENT/build-package/deb-path (one line) for whatever
# installs it next.  Needs cmake, dpkg-dev (dpkg-shlibdeps,
# dpkg-buildflags), lintian and systemd (systemd-analyze).
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
parent=$(cd "${1:-$root}" && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
report_prefix="package: "
bdir=$parent/build-package
tmp=$(mktemp -d /tmp/mailautoconf-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for tool in cmake cpack dpkg-deb dpkg-shlibdeps dpkg-buildflags lintian \
	systemd-analyze gzip; do
	command -v "$tool" >/dev/null ||
		setup_fail "$tool is not installed (apt-get install cmake dpkg-dev lintian systemd)"
done

version=$(sed -n 's/^project(mailautoconf VERSION \([0-9.]*\) .*/\1/p' \
	"$root/CMakeLists.txt")
[ -n "$version" ] || setup_fail "no project(mailautoconf VERSION ...) in CMakeLists.txt"

echo "== configure, build and cpack in $bdir"
setup_logs=("$bdir/package.log")
mkdir -p "$bdir"
# Debian's flags, every hardening feature included (bindnow).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
rm -f "$bdir"/mailautoconf_*.deb "$bdir/deb-path"
{
	cmake -S "$root" -B "$bdir" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF \
		-DCMAKE_C_FLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
		-DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" &&
		cmake --build "$bdir" -j 2 &&
		(cd "$bdir" && cpack -G DEB)
} >"$bdir/package.log" 2>&1 || setup_fail "the build or cpack failed"
debs=("$bdir"/mailautoconf_*.deb)
[ -f "${debs[0]}" ] || setup_fail "cpack made no mailautoconf_*.deb"
deb=${debs[0]}

# ---- lintian ----------------------------------------------------------------

echo "== lintian $(lintian --version | sed 's/^Lintian v//') on $(basename "$deb")"
lintian --info --display-info "$deb" >"$tmp/lintian.txt" 2>&1 || true
sed 's/^/     /' "$tmp/lintian.txt"
errors=$(grep -c '^E: ' "$tmp/lintian.txt" || true)
warnings=$(grep -c '^W: ' "$tmp/lintian.txt" || true)
name="lintian: no error ($warnings warnings)"
if [ "$errors" = 0 ] && ! grep -q 'internal error\|^N: .*failed' "$tmp/lintian.txt"; then
	ok "$name"
else
	not_ok "$name" "$errors errors: $(grep '^E: ' "$tmp/lintian.txt" | tr '\n' '|')"
fi

# ---- contents ---------------------------------------------------------------

dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's#^\./#/#' >"$tmp/files"
missing=''
for f in /usr/sbin/mailautoconf-fcgi /usr/bin/mailautoconf \
	/usr/share/man/man8/mailautoconf-fcgi.8.gz \
	/usr/share/man/man1/mailautoconf.1.gz \
	/usr/share/man/man5/mailautoconf.ini.5.gz \
	/lib/systemd/system/mailautoconf.service \
	/lib/systemd/system/mailautoconf@.service \
	/etc/nginx/snippets/mailautoconf-locations.conf \
	/etc/nginx/conf.d/mailautoconf-upstream.conf \
	/etc/nginx/conf.d/mailautoconf-log.conf \
	/etc/mailautoconf/mailautoconf.ini /etc/default/mailautoconf \
	/usr/share/doc/mailautoconf/copyright \
	/usr/share/doc/mailautoconf/changelog.Debian.gz \
	/usr/share/doc/mailautoconf/examples/example-servers.conf \
	/usr/share/doc/mailautoconf/examples/replica-tcp.conf; do
	grep -qxF "$f" "$tmp/files" || missing+="$f "
done
name="contents: both programs, man pages, both units, nginx files, configuration, copyright"
if [ -z "$missing" ]; then
	ok "$name"
else
	not_ok "$name" "missing: $missing" "$(tr '\n' ' ' <"$tmp/files")"
fi

name="copyright is the machine-readable format, ISC"
mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root"
if head -n 1 "$tmp/root/usr/share/doc/mailautoconf/copyright" 2>/dev/null |
	grep -qxF 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' &&
	grep -qx 'License: ISC' "$tmp/root/usr/share/doc/mailautoconf/copyright"; then
	ok "$name"
else
	not_ok "$name" "$(head -n 3 "$tmp/root/usr/share/doc/mailautoconf/copyright" 2>&1 | tr '\n' '|')"
fi

# ---- control fields ---------------------------------------------------------

depends=$(dpkg-deb -f "$deb" Depends)
missing=''
for p in libc6 libexpat1 libfcgi0ldbl libidn2-0 libinih1 libssl3 libcurl4 \
	spawn-fcgi adduser; do
	echo ", $depends," | grep -Eq "[ ,|]$p( \\([^)]*\\))?[ ,|]" || missing+="$p "
done
name="Depends: from dpkg-shlibdeps (libc6 libexpat1 libfcgi0ldbl libidn2-0 libinih1 libssl3 libcurl4) plus spawn-fcgi, adduser"
if [ -z "$missing" ]; then
	ok "$name"
else
	not_ok "$name" "missing: $missing" "Depends: $depends"
fi

pkgver=$(dpkg-deb -f "$deb" Version)
v_out=$("$tmp/root/usr/sbin/mailautoconf-fcgi" -V 2>&1) || true
t_out=$("$tmp/root/usr/bin/mailautoconf" -V 2>&1) || true
name="version: package $version-1, mailautoconf-fcgi -V and mailautoconf -V from project(VERSION $version)"
if [ "$pkgver" = "$version-1" ] && [ "$v_out" = "mailautoconf-fcgi $version" ] &&
	[ "$t_out" = "mailautoconf $version" ]; then
	ok "$name"
else
	not_ok "$name" "package $pkgver, -V prints '$v_out' and '$t_out'"
fi

# ---- conffiles and maintainer scripts ---------------------------------------

mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
grep '^/etc/' "$tmp/files" | grep -v '/$' | sort >"$tmp/etc-files"
sort "$tmp/control/conffiles" 2>/dev/null >"$tmp/conffiles" || : >"$tmp/conffiles"
name="conffiles: every file under /etc ($(wc -l <"$tmp/etc-files")), nothing else"
if [ -s "$tmp/conffiles" ] && cmp -s "$tmp/etc-files" "$tmp/conffiles"; then
	ok "$name"
else
	not_ok "$name" "$(diff "$tmp/etc-files" "$tmp/conffiles" | tr '\n' ' ')"
fi

bad=''
for s in postinst prerm postrm; do
	f=$tmp/control/$s
	if [ ! -f "$f" ] || [ "$(stat -c %a "$f")" != 755 ] || ! sh -n "$f"; then
		bad+="$s "
	fi
done
name="maintainer scripts postinst, prerm, postrm: present, 0755, sh -n clean"
if [ -z "$bad" ]; then
	ok "$name"
else
	not_ok "$name" "bad: $bad ($(stat -c '%a %n' "$tmp/control"/* | tr '\n' ' '))"
fi
name="postinst creates the system user mailautoconf and enables the unit"
if grep -q 'adduser --system' "$tmp/control/postinst" &&
	grep -q 'deb-systemd-helper enable mailautoconf.service' "$tmp/control/postinst"; then
	ok "$name"
else
	not_ok "$name" "$(grep -E 'adduser|deb-systemd' "$tmp/control/postinst" | tr '\n' '|')"
fi

# ---- the units --------------------------------------------------------------

# Every program an Exec line of UNIT runs: the first word after the
# prefixes (- @ : + !), and spawn-fcgi's program after "--".
unit_programs() { # unit
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" |
		sed -n 's/^Exec[A-Za-z]*=[-@:+!]*//p' |
		awk '{ print $1; for (i = 2; i < NF; i++) if ($i == "--") print $(i + 1) }'
}

# The package that ships PATH on this machine (not a diversion line).
pkg_of() { # path
	dpkg -S "$1" 2>/dev/null | grep -v '^diversion ' | sed -n '1s/: .*//p'
}

deps_names=$(echo "$depends" | sed 's/[,|]/\n/g' | sed 's/(.*//; s/[[:space:]]//g' | grep .)
bad=''
progs=''
for u in mailautoconf.service mailautoconf@.service; do
	while read -r prog; do
		progs+="$prog "
		if grep -qxF "$prog" "$tmp/files"; then
			continue
		fi
		owner=$(pkg_of "$prog")
		if [ -z "$owner" ] && [ -L "$prog" ]; then
			owner=$(pkg_of "$(readlink -f "$prog")")
		fi
		if [ -n "$owner" ] && { echo "$deps_names" | grep -qxF "$owner" ||
			[ "$(dpkg-query -W -f '${Essential}' "$owner" 2>/dev/null)" = yes ]; }; then
			continue
		fi
		bad+="$u: $prog (${owner:-no package}) "
	done < <(unit_programs "$tmp/root/lib/systemd/system/$u")
done
name="every program the units run is packaged, in Depends or Essential ($(echo "$progs" | tr ' ' '\n' | sort -u | tr '\n' ' '))"
if [ -z "$bad" ] && [ -n "$progs" ]; then
	ok "$name"
else
	not_ok "$name" "${bad:-no Exec lines found}"
fi

# systemd-analyze verify in the extracted root, with the dependencies'
# programs copied in (it checks that each command is executable) and
# systemd's own targets and slices (the units' default dependencies).
# The man pages are checked above, in the contents.
cp /lib/systemd/system/*.target /lib/systemd/system/*.slice \
	"$tmp/root/lib/systemd/system/"
for prog in $progs; do
	if [ ! -e "$tmp/root$prog" ] && [ -e "$prog" ]; then
		mkdir -p "$tmp/root$(dirname "$prog")"
		cp -L "$prog" "$tmp/root$prog"
	fi
done
name="systemd-analyze verify --root on mailautoconf.service and mailautoconf@x.service as extracted"
rc=0
(cd "$tmp/root" && systemd-analyze verify --man=no --root="$tmp/root" \
	lib/systemd/system/mailautoconf.service \
	mailautoconf@x.service) >"$tmp/verify.txt" 2>&1 || rc=$?
if [ "$rc" = 0 ] && ! grep -q . "$tmp/verify.txt"; then
	ok "$name"
else
	not_ok "$name" "exit $rc" "$(tr '\n' '|' <"$tmp/verify.txt")"
fi

# ---- figures ----------------------------------------------------------------

echo "$deb" >"$bdir/deb-path"
echo "size: $(stat -c %s "$deb") bytes, Installed-Size $(dpkg-deb -f "$deb" Installed-Size) KiB"
echo "depends: $depends"
echo "deb: $deb"
finish
