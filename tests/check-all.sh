#!/usr/bin/env bash
# Every check the project has, in one script: CI runs exactly this.
#   install what is missing (tests/deps.sh; Debian 12, as root), the
#   dependency and privilege probes,
#   clang-format and cppcheck, -Werror builds with ASan and UBSan (gcc and
#   clang),
#   the unit, golden and client-rule tests (ctest), libFuzzer on each
#   input surface for a bounded time, Thunderbird's own
#   account-setup code on the golden answers, the Nu HTML Checker on the
#   setup page, Evolution's own lookup
#   against nginx and the responder, the end-to-end tests through real
#   nginx and spawn-fcgi on loopback, raw FastCGI fault cases against the
#   responder's socket, ThreadSanitizer on the configuration swap and
#   under load, the README's demo command (here and on a bare
#   Debian 12 root), load,
#   reload, restart (systemd) and scale-out under wrk, and valgrind.
# Usage: bash tests/check-all.sh   (from anywhere; builds into build-check/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Everything the checks below run (tests/deps.sh): installed when missing,
# as root; otherwise one line names what is missing and the run stops.
# shellcheck source=tests/deps.sh
. "$root/tests/deps.sh"
mac_deps_install build demo test bench fresh

echo "== the dependency and privilege probes"
mkdir -p "$root/build-check"
bash tests/probes.sh | tee "$root/build-check/probes.log"
probes_pass=$(sed -n 's/^probes: \([0-9]*\) passed, 0 failed$/\1/p' "$root/build-check/probes.log")

echo "== clang-format"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find lib fcgi tests -name '*.[ch]')
clang-format --dry-run --Werror "${sources[@]}"

echo "== cppcheck"
cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	--inline-suppr --std=c11 -I lib lib fcgi

echo "== build (ASan, UBSan, -Werror)"
build="$root/build-check"
cmake -S . -B "$build" -DMAC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j "$(nproc)"

echo "== unit and golden tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -LE e2e | tee "$build/ctest.log"
ctest_total=$(sed -n 's/.* tests failed out of \([0-9]*\)/\1/p' "$build/ctest.log")

# clang's UBSan checks what gcc's does not (pointer arithmetic on NULL),
# and its -Wformat=2 is stricter.
echo "== the same with clang"
cbuild="$root/build-check-clang"
CC=clang cmake -S . -B "$cbuild" -DMAC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$cbuild" -j "$(nproc)"
ctest --test-dir "$cbuild" --output-on-failure -LE e2e | tee "$cbuild/ctest.log"
ctest_total=$((ctest_total + $(sed -n 's/.* tests failed out of \([0-9]*\)/\1/p' "$cbuild/ctest.log")))

# libFuzzer on every input surface of lib/ (tests/fuzz/), ASan and UBSan,
# from the committed seed corpora; any finding fails the run and is kept
# in build-check-fuzz/fuzz-findings/.  MAC_FUZZ_SECS sets the time per
# target (default 60; two targets run at a time).
echo "== fuzzing, ${MAC_FUZZ_SECS:-60} s per target"
fbuild="$root/build-check-fuzz"
CC=clang cmake -S . -B "$fbuild" -DMAC_FUZZ=ON -DMAC_SANITIZE=ON \
	-DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$fbuild" -j "$(nproc)"
MAC_FUZZ_JOBS=2 sh tests/fuzz/run.sh "$fbuild" "${MAC_FUZZ_SECS:-60}" |
	tee "$fbuild/fuzz.log"
fuzz_pass=$(grep -c '^fuzz_[a-z]*: [0-9]* runs, 0 findings$' "$fbuild/fuzz.log")

echo "== Thunderbird's own account-setup code on the golden answers"
bash tests/clients/thunderbird/run.sh | tee "$build/thunderbird.log"
tb_pass=$(sed -n 's/^thunderbird: \([0-9]*\) passed, 0 failed$/\1/p' "$build/thunderbird.log")

# The import round trip judged by the same code: every ISPDB file in
# tests/data/ispdb imported, loaded, answered, and Thunderbird reads the
# same servers from our answer as from the original.
echo "== Thunderbird's own parser on the import round trip (tests/data/ispdb)"
bash tests/clients/thunderbird/run.sh --import "$build/mailautoconf" \
	"$build/mac_render" "$build/mailautoconf-fcgi" |
	tee "$build/thunderbird-import.log"
tbi_pass=$(sed -n 's/^thunderbird-import: \([0-9]*\) passed, 0 failed$/\1/p' "$build/thunderbird-import.log")

# The setup page and its errors (tests/golden/) against the Nu HTML
# Checker, npm's vnu-jar at a fixed version, installed under the build.
echo "== the Nu HTML Checker on the HTML answers"
vnu_dir="$build/vnu"
vnu_jar="$vnu_dir/node_modules/vnu-jar/build/dist/vnu.jar"
if [ ! -f "$vnu_jar" ]; then
	mkdir -p "$vnu_dir"
	npm install --prefix "$vnu_dir" --no-audit --no-fund --silent \
		vnu-jar@26.9.27 >/dev/null
fi
bash tests/clients/vnu.sh "$vnu_jar" | tee "$build/vnu.log"
vnu_pass=$(sed -n 's/^vnu: \([0-9]*\) passed, 0 failed$/\1/p' "$build/vnu.log")

echo "== Evolution's own autoconfig lookup against nginx and the responder"
bash tests/clients/evolution/run.sh "$build" | tee "$build/evolution.log"
evo_pass=$(sed -n 's/^evolution: \([0-9]*\) passed, 0 failed$/\1/p' "$build/evolution.log")

echo "== end to end (nginx + spawn-fcgi + responder, TLS on loopback)"
bash tests/e2e/run.sh "$build" | tee "$build/e2e.log"
e2e_pass=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$build/e2e.log" | tail -n 1)

echo "== FastCGI faults (raw records straight to the responder's socket)"
bash tests/faults/run.sh "$build" | tee "$build/faults.log"
faults_pass=$(sed -n 's/^faults: \([0-9]*\) passed, 0 failed$/\1/p' "$build/faults.log")

echo "== ThreadSanitizer: the configuration swap, and load with reloads"
tbuild="$root/build-check-tsan"
mkdir -p "$tbuild"
bash tests/tsan.sh "$tbuild" | tee "$tbuild/tsan.log"
tsan_pass=$(sed -n 's/^tsan: \([0-9]*\) passed, 0 failed$/\1/p' "$tbuild/tsan.log")

echo "== the README's first quick-start command (nginx/demo.sh)"
bash tests/quickstart.sh | tee "$build/quickstart.log"
qs_pass=$(sed -n 's/^quickstart: \([0-9]*\) passed, 0 failed$/\1/p' "$build/quickstart.log")

# The same on a bare Debian 12 root (debootstrap minbase, cached in
# /var/cache/mailautoconf-fresh), from a clone in root's home.
echo "== the first quick-start command on a bare Debian 12 root"
bash tests/fresh/run.sh | tee "$build/fresh.log"
fresh_pass=$(sed -n 's/^fresh: \([0-9]*\) passed, 0 failed$/\1/p' "$build/fresh.log")

# Without sanitizers, as deployed: wrk load, SIGHUP under load, the shipped
# systemd unit under the real systemd, two responders in one upstream;
# then valgrind on the unit tests and the running responder.
echo "== load, reload, restart and scale-out"
rbuild="$root/build-check-rel"
# Release as README.md builds it (-O3 finds warnings -O0 does not), with
# symbols for valgrind.
cmake -S . -B "$rbuild" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-g \
	>/dev/null
cmake --build "$rbuild" -j "$(nproc)"
bash tests/load/run.sh "$rbuild" "$build" | tee "$rbuild/load.log"
load_pass=$(sed -n 's/^load: \([0-9]*\) passed, 0 failed$/\1/p' "$rbuild/load.log")

echo "== valgrind: unit tests and the responder"
bash tests/load/valgrind.sh "$rbuild" | tee "$rbuild/valgrind.log"
vg_pass=$(sed -n 's/^valgrind: \([0-9]*\) passed, 0 failed$/\1/p' "$rbuild/valgrind.log")

echo "== replicas under systemd (the template unit)"
bash tests/load/replicas.sh "$rbuild" | tee "$rbuild/replicas.log"
rep_pass=$(sed -n 's/^replicas: \([0-9]*\) passed, 0 failed$/\1/p' "$rbuild/replicas.log")

echo "== the Debian package: cpack, lintian, contents"
bash tests/package/run.sh "$root" | tee "$root/build-package.log"
pkg_pass=$(sed -n 's/^package: \([0-9]*\) passed, 0 failed$/\1/p' "$root/build-package.log")

echo "== the package on a bare Debian 12 root: install, systemd, nginx, purge"
bash tests/fresh/run.sh --deb "$(cat "$root/build-package/deb-path")" |
	tee "$build/fresh-deb.log"
fdeb_pass=$(sed -n 's/^fresh: \([0-9]*\) passed, 0 failed$/\1/p' "$build/fresh-deb.log")

echo "all: $((${probes_pass:-0} + ctest_total + fuzz_pass + ${tb_pass:-0} + ${tbi_pass:-0} + ${vnu_pass:-0} + ${evo_pass:-0} + e2e_pass + ${faults_pass:-0} + ${tsan_pass:-0} + qs_pass + ${fresh_pass:-0} + ${load_pass:-0} + ${vg_pass:-0} + ${rep_pass:-0} + ${pkg_pass:-0} + ${fdeb_pass:-0})) passed, 0 failed"
