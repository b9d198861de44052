#!/bin/sh
# Run the libFuzzer targets for a bounded time each.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR comes from a clang build with -DMAC_FUZZ=ON; TARGET is any of
# query pox cfg handle import sign (default: all six).  Each target starts from a
# copy of its seed corpus in a temporary directory (fuzz_cfg reads
# domains.txt from there), with its dictionary, and stops at SECONDS or
# at its first finding.  Crashes, leaks, sanitizer reports, invariant
# failures, timeouts and out-of-memory inputs are copied to
# BUILD_DIR/fuzz-findings/<target>/; reproduce one with
#   BUILD_DIR/fuzz_<target> FILE
# and shrink it with
#   BUILD_DIR/fuzz_<target> -minimize_crash=1 -runs=100000 FILE
# (UBSAN_OPTIONS as below).  MAC_FUZZ_JOBS=2 runs two targets at a time;
# MAC_FUZZ_FLAGS adds libFuzzer flags (e.g. -use_value_profile=1).
# Prints "fuzz_<target>: N runs, M findings" for each and exits 1 if any
# target had a finding, 2 on a usage or setup error.
set -u
usage="usage: run.sh BUILD_DIR SECONDS [query|pox|cfg|handle|import|sign ...]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 2
secs=$2
shift 2
case $secs in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
targets=${*:-query pox cfg handle import sign}
jobs=${MAC_FUZZ_JOBS:-1}
here=$(cd "$(dirname "$0")" && pwd)

for t in $targets; do
	[ -x "$build/fuzz_$t" ] || {
		echo "no $build/fuzz_$t: configure with CC=clang -DMAC_FUZZ=ON" >&2
		exit 2
	}
done

# Every UBSan and ASan report ends the run.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

work=$(mktemp -d "${TMPDIR:-/tmp}/mac-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM

max_len() {
	case $1 in
	cfg) echo 8192 ;;
	pox) echo 16384 ;; # MAC_BODY_MAX
	import) echo 16384 ;;
	sign) echo 8192 ;; # an RSA key, its certificate and a chain
	*) echo 4096 ;;
	esac
}

run_one() {
	t=$1
	d=$work/$t
	mkdir -p "$d/corpus" "$d/artifacts"
	cp "$here/corpus/fuzz_$t/"* "$d/corpus/"
	printf 'example.org\n# a comment\n\nextra.example\nB\303\274cher2.example\n' \
	    >"$d/domains.txt"
	# shellcheck disable=SC2086 # MAC_FUZZ_FLAGS: one word per flag
	(cd "$d" && "$build/fuzz_$t" -max_total_time="$secs" \
	    -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
	    -dict="$here/fuzz_$t.dict" -artifact_prefix="$d/artifacts/" \
	    -print_final_stats=1 ${MAC_FUZZ_FLAGS:-} corpus) >"$d/log" 2>&1
	echo $? >"$d/rc"
}

n=0
for t in $targets; do
	run_one "$t" &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait

status=0
for t in $targets; do
	d=$work/$t
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$d/log" | tail -n 1)
	found=$(find "$d/artifacts" -type f | wc -l)
	rc=$(cat "$d/rc")
	if [ "$found" -eq 0 ] && [ "$rc" -ne 0 ]; then
		found=1 # died without writing an input (e.g. in initialisation)
	fi
	echo "fuzz_$t: ${runs:-0} runs, $found findings"
	if [ "$found" -ne 0 ]; then
		status=1
		mkdir -p "$build/fuzz-findings/$t"
		cp "$d/log" "$build/fuzz-findings/$t/log"
		find "$d/artifacts" -type f -exec cp {} "$build/fuzz-findings/$t/" \;
		grep -m 5 -e 'ERROR:' -e 'runtime error' -e 'invariant failed' \
		    -e 'SUMMARY' "$d/log" | sed 's/^/    /'
		echo "    saved in $build/fuzz-findings/$t/"
	fi
done
exit $status
