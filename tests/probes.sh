#!/usr/bin/env bash
# The probes the scripts decide by, checked.
#
# 1. The dependency probe of tests/deps.sh, without installing anything: MAC_DEPS_DRY_RUN=1, or stand-in dpkg-query, apt-get and node
# programs first on PATH.  Each case runs mac_deps_install in a child bash
# under "set -euo pipefail", as nginx/demo.sh does, and checks its exit
# status and its one line naming what is missing.
# 2. nginx/conf.sh's mac_spawn_ids (run the responder as nobody only when
# nobody can reach it), with a wrapper outside a folder others cannot
# enter and the program behind it inside (valgrind's case).
# Usage: bash tests/probes.sh   (as root for all cases; closing line
# "probes: N passed, M failed")
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib.sh
. "$root/tests/lib.sh"
report_prefix="probes: "

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
cp "$root/tests/deps.sh" "$tmp/deps.sh"
chmod 0644 "$tmp/deps.sh"
mkdir "$tmp/bin"

# A package that is surely not installed: hello, unless this machine has it.
absent=hello
if dpkg-query -W -f='${db:Status-Abbrev}' hello 2>/dev/null | grep -q '^.i'; then
	absent=mailautoconf-no-such-package
fi

# Run mac_deps_install with the groups defined by DEFS; sets out and rc.
probe() { # defs group... (environment: extra words before, via env)
	local defs=$1
	shift
	rc=0
	out=$(bash -c 'set -euo pipefail; . "$1"; eval "$2"; shift 2
		mac_deps_install "$@"' probe "$tmp/deps.sh" "$defs" "$@" 2>&1) ||
		rc=$?
}

# PASS if the exit status is RC and the last line matches PATTERN (grep -E).
expect() { # name rc pattern
	local last
	last=$(tail -n 1 <<<"$out")
	if [ "$rc" = "$2" ] && grep -Eq -- "$3" <<<"$last"; then
		ok "$1"
	else
		not_ok "$1" "exit $rc, wanted $2" "output: ${out:0:400}"
	fi
}

export MAC_DEPS_DRY_RUN=1

probe "mac_deps_x=($absent)" x
expect "$absent (not installed) -> exit 1, named missing" 1 \
	"^deps: missing $absent \\(dry run"

probe "mac_deps_x=(dpkg bash)" x
expect "dpkg and bash (installed) -> exit 0, all present" 0 \
	'^== dependencies: all 2 installed'

probe "mac_deps_x=(dpkg $absent coreutils mailautoconf-no-such-package)" x
expect "installed and missing mixed -> only the missing ones named, in one line" 1 \
	"^deps: missing $absent mailautoconf-no-such-package \\(dry run"

probe "mac_deps_x=(dpkg); mac_deps_y=(dpkg $absent)" x y
expect "two groups -> the union is probed" 1 "^deps: missing $absent "

probe "mac_deps_x=(dpkg)" x nosuchgroup
expect "an unknown group -> exit 1, named" 1 "^deps: no group 'nosuchgroup'"

# dpkg-query stand-in: every status that is not "installed, no error",
# with the exit status 1 that pipefail once read as "all installed".
cat >"$tmp/bin/dpkg-query" <<'EOF'
#!/bin/sh
for a; do p=$a; done
case $p in
dpkg) echo 'ii ' ;;
rc-pkg) echo 'rc ' ;;
un-pkg) echo 'un ' ;;
half-pkg) echo 'iU ' ;;
reinst-pkg) echo 'iiR' ;;
hold-pkg) echo 'hi ' ;;
multi-pkg) printf 'un \nii \n' ;;
*) echo "dpkg-query: no packages found matching $p" >&2; exit 1 ;;
esac
EOF
chmod 0755 "$tmp/bin/dpkg-query"
PATH=$tmp/bin:$PATH probe \
	"mac_deps_x=(rc-pkg un-pkg half-pkg reinst-pkg gone-pkg hold-pkg multi-pkg)" x
expect "removed (rc), unknown (un), half-configured, reinstreq, no such package -> missing; held and one of two architectures -> present" \
	1 '^deps: missing rc-pkg un-pkg half-pkg reinst-pkg gone-pkg \(dry run'

# A package that a machine may have from another source (node from
# nodesource for Debian's nodejs and npm) counts as present when its
# command is on PATH, and only then.
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/mac-test-node"
chmod 0755 "$tmp/bin/mac-test-node"
PATH=$tmp/bin:$PATH probe "mac_deps_command=([nodejs]=mac-test-node [npm]=mac-test-npm); mac_deps_x=(nodejs npm)" x
expect "nodejs's command on PATH, npm's not -> only npm missing" 1 '^deps: missing npm \('
rc=0
# shellcheck disable=SC2016 # expanded by the child bash
out=$(bash -c '. "$1"; echo "${mac_deps_command[nodejs]} ${mac_deps_command[npm]}"' \
	probe "$root/tests/deps.sh" 2>&1) || rc=$?
expect "the shipped list: nodejs is present as node, npm as npm" 0 '^node npm$'

unset MAC_DEPS_DRY_RUN

# Install enabled, apt-get fails: named in one line, exit 1.
cat >"$tmp/bin/apt-get" <<'EOF'
#!/bin/sh
echo "E: stand-in apt-get $*"
exit 100
EOF
chmod 0755 "$tmp/bin/apt-get"
if [ "$(id -u)" = 0 ]; then
	PATH=$tmp/bin:$PATH probe "mac_deps_x=(dpkg gone-pkg)" x
	expect "apt-get fails -> exit 1, the missing package named last" 1 \
		'^deps: missing gone-pkg \(apt-get install exit 100\)$'
	# apt-get "succeeds" but installs nothing: still missing.
	printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/apt-get"
	PATH=$tmp/bin:$PATH probe "mac_deps_x=(gone-pkg)" x
	expect "apt-get exits 0 but the package is still not installed -> exit 1, named" 1 \
		'^deps: missing gone-pkg \(apt-get install exit 0\)$'
	# Not root: nothing is tried, the missing package is named.
	rc=0
	# shellcheck disable=SC2016 # expanded by the child bash
	out=$(runuser -u nobody -- bash -c 'set -euo pipefail; . "$1"
		mac_deps_x=(dpkg gone-pkg); mac_deps_install x' probe \
		"$tmp/deps.sh" 2>&1) || rc=$?
	expect "not root -> exit 1, named, apt-get not run" 1 \
		'^deps: missing gone-pkg \(not root'
fi

# The shipped groups name real Debian 12 packages (apt-cache knows them,
# or their command is there).
while read -r g; do
	bash -c '. "$1"; mac_deps_list "$2"; printf "%s\n" "${mac_deps[@]}"' \
		probe "$root/tests/deps.sh" "$g" >"$tmp/list.$g" || true
	unknown=()
	while read -r p; do
		apt-cache show --no-all-versions "$p" >/dev/null 2>&1 ||
			unknown+=("$p")
	done <"$tmp/list.$g"
	name="group $g ($(wc -l <"$tmp/list.$g") packages) -> every one known to apt"
	if [ -s "$tmp/list.$g" ] && [ "${#unknown[@]}" = 0 ]; then
		ok "$name"
	else
		not_ok "$name" "unknown: ${unknown[*]}"
	fi
done < <(printf '%s\n' build demo test bench)

# ---- mac_spawn_ids -------------------------------------------------------

if [ "$(id -u)" = 0 ]; then
	# shellcheck source=../nginx/conf.sh
	. "$root/nginx/conf.sh"
	closed=$tmp/closed # mode 0700, as root's home
	open=$tmp/open
	mkdir -m 0700 "$closed"
	mkdir -m 0755 "$open"
	for d in "$closed" "$open"; do
		cp /bin/true "$d/prog"
		printf '#!/bin/sh\nexec %s "$@"\n' "$closed/prog" >"$d/wrapper"
		: >"$d/config"
		chmod 0755 "$d/prog" "$d/wrapper"
		chmod 0644 "$d/config"
	done
	spawn_case() { # name want(nobody|root) bin config [program...]
		local name=$1 want=$2 got=root
		shift 2
		mac_spawn_ids "$@"
		[[ " ${mac_ids[*]} " != *" -u nobody "* ]] || got=nobody
		if [ "$got" = "$want" ]; then
			ok "$name"
		else
			not_ok "$name" "mac_ids: ${mac_ids[*]}"
		fi
	}
	spawn_case "spawn ids: program and config others can reach -> nobody" \
		nobody "$open/prog" "$open/config"
	spawn_case "spawn ids: program in a folder others cannot enter -> spawn-fcgi's user" \
		root "$closed/prog" "$open/config"
	spawn_case "spawn ids: config in a folder others cannot enter -> spawn-fcgi's user" \
		root "$open/prog" "$closed/config"
	spawn_case "spawn ids: open wrapper, the program behind it closed -> spawn-fcgi's user" \
		root "$open/wrapper" "$open/config" "$closed/prog"
	spawn_case "spawn ids: open wrapper, the program behind it open -> nobody" \
		nobody "$open/wrapper" "$open/config" "$open/prog"
fi

finish
