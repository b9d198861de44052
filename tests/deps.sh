# shellcheck shell=bash disable=SC2034 # groups are read by mac_deps_list
# mailautoconf: the Debian 12 packages each command needs, and the one step
# that installs them, for nginx/demo.sh, tests/check-all.sh and
# tests/bench/run.sh.  Source it from bash:
#
#	. tests/deps.sh
#	mac_deps_install build demo     # or: build demo test, build demo bench
#
# It sets no shell options and runs nothing.  A group is an array
# mac_deps_GROUP; to add a package, add it to the group of the command
# that needs it.
#
# mac_deps_install probes each package on its own (dpkg-query, status
# "ii": installed, no error; nothing else counts, whatever dpkg-query's
# exit status), installs the missing ones with apt-get (update first),
# probes them again, and returns 0 only when every one is there.  When it
# cannot (not root, a package still missing after apt-get) its last line,
# on standard error, names every missing package, "deps: missing P Q ...
# (why)", and it returns 1.  With MAC_DEPS_DRY_RUN=1 it never installs: it reports what is
# missing the same way.

# Compiler, cmake and the libraries of CMakeLists.txt.
mac_deps_build=(build-essential cmake pkg-config libfcgi-dev libexpat1-dev
	libinih-dev libidn2-dev libssl-dev libcurl4-openssl-dev libqrencode-dev
	libpng-dev)
# What nginx/demo.sh runs: nginx, spawn-fcgi, the certificate, curl.
mac_deps_demo=(nginx spawn-fcgi openssl curl)
# What tests/check-all.sh and its suites run beyond the demo's: cmocka,
# the linters, clang (UBSan, libFuzzer), xmllint, python3, load and leak
# tools, systemd (tests/load/sd-ns.sh), node and npm (Thunderbird's own
# code), procps (pgrep), iproute2 (ip, for namespaces), git (the file
# list), debootstrap (tests/fresh/run.sh), dpkg-dev and lintian (the
# package), the stream module (ALPN on 443), promtool (the metrics),
# named-checkzone (DNS records), zbarimg (QR codes), chromium (the setup
# page) and Java (the Nu HTML Checker).
mac_deps_test=(libcmocka-dev clang-format cppcheck libxml2-utils python3
	clang libclang-rt-14-dev wrk valgrind systemd nodejs npm procps
	iproute2 git debootstrap ca-certificates dpkg-dev lintian
	libnginx-mod-stream prometheus bind9-utils zbar-tools chromium
	default-jre-headless)
# What tests/fresh/run.sh runs.
mac_deps_fresh=(debootstrap git)
# What tests/bench/run.sh runs beyond the demo's.
mac_deps_bench=(wrk valgrind python3 procps bc time)

# Packages that a machine may have from another source: present when the
# command is on PATH.  node from nodesource is not Debian's nodejs and
# conflicts with Debian's npm, so installing either beside it would fail.
declare -A mac_deps_command=([nodejs]=node [npm]=npm)

# The packages of GROUPs, each once, in order, into the array mac_deps.
# Returns 1 (and says so) for an unknown group.
mac_deps_list() { # group...
	local g p group
	local -A seen=()
	mac_deps=()
	for g; do
		if ! declare -p "mac_deps_$g" >/dev/null 2>&1; then
			echo "deps: no group '$g'" >&2
			return 1
		fi
		group="mac_deps_${g}[@]"
		for p in "${!group}"; do
			if [ -z "${seen[$p]:-}" ]; then
				seen[$p]=1
				mac_deps+=("$p")
			fi
		done
	done
}

# Succeeds if PACKAGE is installed: one of its dpkg-query lines (one per
# architecture) reads "ii " or "hi " (held), or, for a package of
# mac_deps_command, its command is on PATH.
mac_deps_present() { # package
	local s
	if [ -n "${mac_deps_command[$1]:-}" ] &&
		command -v "${mac_deps_command[$1]}" >/dev/null 2>&1; then
		return 0
	fi
	while IFS= read -r s; do
		case $s in
		"ii " | "hi ") return 0 ;;
		esac
	done < <(dpkg-query -W -f='${db:Status-Abbrev}\n' -- "$1" 2>/dev/null || true)
	return 1
}

# The packages of the list that are not present, into the array
# mac_missing.
mac_deps_missing() { # package...
	local p
	mac_missing=()
	for p; do
		mac_deps_present "$p" || mac_missing+=("$p")
	done
}

# Install whatever the GROUPs need and is missing; see the top of the file.
mac_deps_install() { # group...
	local rc=0
	mac_deps_list "$@" || return 1
	mac_deps_missing "${mac_deps[@]}"
	if [ "${#mac_missing[@]}" = 0 ]; then
		echo "== dependencies: all ${#mac_deps[@]} installed ($*)"
		return 0
	fi
	if [ "${MAC_DEPS_DRY_RUN:-}" = 1 ]; then
		echo "deps: missing ${mac_missing[*]} (dry run: not installed)" >&2
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing ${mac_missing[*]} (not root: run as root, or apt-get install them)" >&2
		return 1
	fi
	echo "== installing dependencies: ${mac_missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -q || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${mac_missing[@]}" || rc=$?
	mac_deps_missing "${mac_missing[@]}"
	if [ "${#mac_missing[@]}" != 0 ]; then
		echo "deps: missing ${mac_missing[*]} (apt-get install exit $rc)" >&2
		return 1
	fi
	echo "== dependencies installed"
}
