#!/usr/bin/env bash
# The transport hands each connection to libfcgi through libfcgi 2.4.2's
# internals (fcgi/transport.c, conn_serve(): ipcFd, keepConnection,
# listen_sock -1, FCGX_Detach()), so the libfcgi in use must be the
# version CMakeLists.txt pins (MAC_FCGI_VERSION; configuring against
# another one stops with an error).  This checks that it still is:
#   configured  the version pkg-config gave when the build was configured
#   pkg-config  the version the fcgi module has now
#   header      PACKAGE_VERSION in the fcgi_config.h installed beside
#               fcgiapp.h, if there is one
#   library     the libfcgi the binary loads (ldd), through the version of
#               the Debian package that owns it, if dpkg knows it
# If neither the header nor the package can tell, that is a failure too.
#
# usage: bash tests/libfcgi-version.sh PINNED CONFIGURED INCLUDEDIR BINARY
# The last line is "libfcgi-version: N passed, M failed"; the exit status
# is non-zero if M > 0 (ctest libfcgi_version; libfcgi_version_selftest
# runs it with another pinned version and expects it to fail).
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail

pinned=${1:?usage: libfcgi-version.sh PINNED CONFIGURED INCLUDEDIR BINARY}
configured=${2:?}
includedir=${3:?}
bin=${4:?}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
report_prefix="libfcgi-version: "

check() { # name found
	if [ "$2" = "$pinned" ]; then
		ok "$1: $2"
	else
		not_ok "$1: $2" "the transport needs libfcgi $pinned"
	fi
}

check "configured (pkg-config at configure time)" "$configured"
check "pkg-config --modversion fcgi" \
	"$(pkg-config --modversion fcgi 2>/dev/null || echo none)"

told=0
header=$includedir/fcgi_config.h
if [ -f "$header" ]; then
	v=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$header")
	check "PACKAGE_VERSION in $header" "${v:-none}"
	told=1
fi

lib=$(ldd "$bin" | awk '$1 ~ /^libfcgi\.so/ { print $3; exit }')
if [ -z "$lib" ]; then
	not_ok "the binary loads libfcgi" "ldd $bin names no libfcgi.so"
elif command -v dpkg-query >/dev/null; then
	pkg=
	for path in "$lib" "$(readlink -f "$lib")"; do
		pkg=$(dpkg-query -S "$path" 2>/dev/null | sed -n '1s/: .*//p') ||
			true
		[ -z "$pkg" ] || break
	done
	if [ -n "$pkg" ]; then
		v=$(dpkg-query -W -f='${Version}' "$pkg")
		v=${v#*:} # without the epoch, then without the Debian revision
		check "$lib ($pkg)" "${v%-*}"
		told=1
	fi
fi
if [ "$told" -eq 0 ]; then
	not_ok "the version of the libfcgi in use is known" \
		"no fcgi_config.h in $includedir and no package owns ${lib:-libfcgi}"
fi
finish
