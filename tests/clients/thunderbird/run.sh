#!/bin/sh
# Thunderbird as the judge: runs Thunderbird's own account-setup code, taken
# from Debian's thunderbird package at test time (never committed), against
# the golden answers in tests/golden/.  See harness.mjs for what is checked.
#
# usage: tests/clients/thunderbird/run.sh [golden dir]
#        tests/clients/thunderbird/run.sh --import MAILAUTOCONF MAC_RENDER MAILAUTOCONF_FCGI
#   --import: the import round trip instead: every ISPDB file in
#   tests/data/ispdb through mailautoconf import and our autoconfig answer
#   (tests/tool/import_roundtrip.py), then Thunderbird's parser on the
#   original and on our answer (harness.mjs, TB_IMPORT); last line
#   "thunderbird-import: N passed, M failed".
#   TB_CACHE=dir   where the extracted files are kept
#                  (default /tmp/mailautoconf-thunderbird)
#   TB_DEB=file    use this thunderbird .deb instead of apt-get download
#   TB_DEBUG=1     show what Thunderbird logs
# Last line: "thunderbird: N passed, M failed".  Exit status non-zero on a
# failure; 0 with a "SKIP:" line only if the package cannot be obtained.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
import=
if [ "${1:-}" = --import ]; then
	[ $# = 4 ] || { echo "usage: $0 --import MAILAUTOCONF MAC_RENDER MAILAUTOCONF_FCGI" >&2; exit 2; }
	import=$(mktemp -d /tmp/mailautoconf-tb-import.XXXXXX)
	mkdir "$import/pairs"
	RT_PAIRS=$import/pairs python3 "$here/../../tool/import_roundtrip.py" \
		"$2" "$3" "$4" "$import" "$here"/../../data/ispdb/*.xml |
		tail -n 1
	set --
fi
golden=${1:-$here/../../golden}
cache=${TB_CACHE:-/tmp/mailautoconf-thunderbird}
mkdir -p "$cache"

skip() {
	echo "SKIP: thunderbird: $*"
	exit 0
}

candidate() {
	apt-cache policy thunderbird 2>/dev/null | sed -n 's/^ *Candidate: *//p'
}

# 1. The package version to test: TB_DEB, else apt's candidate.
if [ -n "${TB_DEB:-}" ]; then
	[ -f "$TB_DEB" ] || skip "TB_DEB=$TB_DEB does not exist"
	version=$(dpkg-deb -f "$TB_DEB" Version) || skip "cannot read $TB_DEB"
else
	version=$(candidate)
	if { [ -z "$version" ] || [ "$version" = "(none)" ]; } && [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		version=$(candidate)
	fi
	if [ -z "$version" ] || [ "$version" = "(none)" ]; then
		if [ -f "$cache/tb/VERSION" ]; then
			version=$(cat "$cache/tb/VERSION")
		else
			skip "apt knows no thunderbird package (apt-cache policy thunderbird)"
		fi
	fi
fi

# 2. Download and extract, unless this version is already in the cache.  If
# the download fails, an older extracted version in the cache will do.
cached=$(cat "$cache/tb/VERSION" 2>/dev/null || true)
if [ "$cached" != "$version" ]; then
	work=$(mktemp -d "$cache/work.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	deb=${TB_DEB:-}
	if [ -z "$deb" ]; then
		if (cd "$work" && apt-get download "thunderbird=$version" >/dev/null 2>&1); then
			deb=$(ls "$work"/thunderbird_*.deb)
		elif [ -n "$cached" ]; then
			echo "# apt-get download thunderbird=$version failed; using the cached $cached"
			version=$cached
		else
			skip "apt-get download thunderbird=$version failed"
		fi
	fi
	if [ -n "$deb" ]; then
		mkdir "$work/root"
		# Only omni.ja and the prefs files; the rest of the package (libxul,
		# GUI) is not needed.  Missing patterns are not fatal: omni.ja is.
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$work/root" --wildcards '*/omni.ja' \
				'*/defaults/pref/*.js' './etc/thunderbird/pref/*.js' \
				2>/dev/null || true
		omni=$(find "$work/root" -name omni.ja -type f | head -n 1)
		[ -n "$omni" ] || { echo "thunderbird: no omni.ja in $deb" >&2; exit 1; }
		python3 "$here/extract.py" "$omni" "$work/root" "$cache/tb"
		echo "$version" >"$cache/tb/VERSION"
	fi
	rm -rf "$work"
	trap - EXIT
fi
echo "# Thunderbird $version (Debian package thunderbird), modules in $cache/tb"

# 3. The XML parser (DOMParser stand-in) from npm.
cd "$here"
if [ ! -f node_modules/.package-lock.json ] ||
	[ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null ||
		{ echo "thunderbird: npm ci failed" >&2; exit 1; }
fi

# 4. Thunderbird's code against the golden answers.
if [ -n "$import" ]; then
	rc=0
	TB_ROOT="$cache/tb" TB_IMPORT="$import/pairs" node "$here/harness.mjs" || rc=$?
	rm -rf "$import"
	exit $rc
fi
TB_ROOT="$cache/tb" exec node "$here/harness.mjs" "$golden"
