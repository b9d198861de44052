#!/usr/bin/env bash
# The repository tests itself: nothing under tests/, lib/, fcgi/, nginx/,
# etc/ or CMakeLists.txt may read (or cite) a path outside the repository,
# since a user's clone has nothing beside it.  Third-party files a test
# needs live in tests/data/; the client rules in tests/clients/README.md.
#
# usage: bash tests/no-outside-paths.sh [--selftest]
#
# Each file is searched line by line for references that leave the
# repository:
#   outside-folder  a named folder beside the clone: ../shared, shared/spec,
#                   shared/samples, shared/ispdb
#   outside-env     MAC_SHARED, the variable that pointed there
#   absolute-home   /work/..., /home/..., /root/..., ~/... (another
#                   checkout or a home folder)
#   root-escape     the repository root followed by "..": $root/..,
#                   os.path.join(REPO, ".."), ${CMAKE_SOURCE_DIR}/..
#   root-parent     the parent of the root: dirname "$root",
#                   os.path.dirname(root), path.dirname(root), root.parent
#   climb           more ".." steps in a row than the file's folder is deep
#                   (tests/clients/x.py may climb two, not three)
#   outside-doc     outside Markdown files only: a *.md file named in code
#                   or a comment that the repository does not hold (a
#                   citation of a document a clone does not have)
# System paths (/etc/nginx, /usr/share/..., /run/mailautoconf, /tmp,
# /proc, /dev/null) match none of these.  The copied third-party files in
# tests/data/{spec,ispdb,samples}/, the generated fuzz seeds and
# node_modules are not searched.  A line that must name such a path on
# purpose (a path inside a chroot, say) carries the words
# "outside-paths: allow" and a reason.
#
# --selftest copies the searched files to a temporary folder, checks that
# the copy is clean, then plants one bad file at a time (a ../shared read,
# a /work/ path, MAC_SHARED, $root/.., dirname "$root", a three-step climb,
# a PROTOCOLS.md citation, ...) and checks that each one is caught by the
# rule meant to catch it, and that a file of legitimate system paths is
# not.
#
# Last line: "outside-paths: N passed, M failed" (or "outside-paths
# selftest: ..."); exit status non-zero if M > 0.
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/.." && pwd)
areas=(tests lib fcgi nginx etc CMakeLists.txt)

# scan DIR: print "path:line: rule: text" for every finding under DIR.
scan() {
	python3 - "$1" "${areas[@]}" <<'EOF'
import os
import re
import subprocess
import sys

top, areas = sys.argv[1], sys.argv[2:]
SELF = "tests/no-outside-paths.sh"
SKIP_DIRS = {".git", "node_modules", "__pycache__"}
SKIP_PREFIX = ("tests/data/spec/", "tests/data/ispdb/", "tests/data/samples/",
               "tests/fuzz/corpus/")
SKIP_SUFFIX = (".pyc", ".o", ".swp")
ALLOW = "outside-paths: allow"
ROOTS = r"(?:root|repo|top|topdir|srcdir|source_dir|mac_srcdir)"
NB = r"(?<![A-Za-z0-9])"   # no letter or digit before
NA = r"(?![A-Za-z0-9])"    # none after
RULES = [
    ("outside-folder", re.compile(
        r"(?<![\w.])\.\.[/\\]shared\b|" + NB +
        r"shared/(?:spec|samples|ispdb|hooks|PROTOCOLS\.md|STYLE\.md)\b")),
    ("outside-env", re.compile(r"\bMAC_SHARED\b")),
    ("absolute-home", re.compile(
        r"(?<![\w$}.\-/])/(?:work|home|root)/|(?:^|(?<=[\s\"'=:(]))~/")),
    ("root-escape", re.compile(
        r"(?i)" + NB + ROOTS + NA +
        r"[\s\"'})]*(?:/|,\s*[\"']|\+\s*[\"']/?)\.\.(?![\w.])")),
    ("root-parent", re.compile(
        r"(?i)dirname\s+\"?\$\{?" + ROOTS + NA + r"|"
        r"(?:os\.)?path\.dirname\(\s*" + ROOTS + r"\s*\)|"
        r"\b" + ROOTS + r"\.parents?\b|"
        r"get_filename_component\([^)]*SOURCE_DIR[^)]*(?:DIRECTORY|PATH)")),
]
CLIMB = re.compile(r"(?<![\w.])\.\.(?![\w.])"
                   r"(?:(?:/|\\|[\"']\s*,\s*[\"'])\.\.(?![\w.]))*")
MDREF = re.compile(r"(?<![\w/.\-])((?:[\w.\-]+/)*[\w\-]+\.md)\b")


def files():
    try:
        out = subprocess.run(
            ["git", "-C", top, "ls-files", "-co", "--exclude-standard", "-z",
             "--"] + areas, capture_output=True, check=True).stdout
        if os.path.samefile(subprocess.run(
                ["git", "-C", top, "rev-parse", "--show-toplevel"],
                capture_output=True, check=True, text=True).stdout.strip(),
                top):
            return sorted(p for p in out.decode().split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for a in areas:
        if os.path.isfile(os.path.join(top, a)):
            found.append(a)
            continue
        for d, dirs, fs in os.walk(os.path.join(top, a)):
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
            for f in fs:
                found.append(os.path.relpath(os.path.join(d, f), top))
    return sorted(found)


def all_basenames():
    names = set()
    for d, dirs, fs in os.walk(top):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS
                   and not x.startswith("build")]
        names.update(fs)
    return names


md_names = all_basenames()
n = 0
for rel in files():
    path = os.path.join(top, rel)
    if (rel == SELF or rel.startswith(SKIP_PREFIX)
            or rel.endswith(SKIP_SUFFIX) or not os.path.isfile(path)):
        continue
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        continue
    depth = rel.count("/")
    for no, line in enumerate(data.decode("utf-8", "replace").split("\n"), 1):
        if ALLOW in line:
            continue
        hits = [name for name, rx in RULES if rx.search(line)]
        for m in CLIMB.finditer(line):
            if m.group(0).count("..") > depth:
                hits.append("climb")
                break
        if not rel.endswith(".md"):
            for m in MDREF.finditer(line):
                ref = m.group(1)
                if "/" in ref:
                    ok = (os.path.isfile(os.path.join(top, ref)) or
                          os.path.isfile(os.path.join(os.path.dirname(path),
                                                      ref)))
                else:
                    ok = ref in md_names
                if not ok:
                    hits.append("outside-doc")
                    break
        for h in dict.fromkeys(hits):
            print("%s:%d: %s: %s" % (rel, no, h, line.strip()[:120]))
EOF
}

# check DIR: one case per area, failed with its findings.
check() {
	local dir=$1 area findings
	findings=$(scan "$dir")
	for area in "${areas[@]}"; do
		local mine
		mine=$(printf '%s\n' "$findings" | grep -E "^$area(/|:)" || true)
		if [ -z "$mine" ]; then
			ok "$area: reads nothing outside the repository"
		else
			local -a lines
			mapfile -t lines <<<"$mine"
			not_ok "$area: reaches outside the repository" "${lines[@]}"
		fi
	done
}

# shellcheck disable=SC2016 # the planted lines are literal on purpose
selftest() {
	local tmp copy a findings
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'" EXIT
	copy=$tmp/clone
	mkdir -p "$copy" "$tmp/shared/spec"
	: >"$tmp/shared/spec/autoconfig-spec_autoconfig.rng"
	for a in "${areas[@]}" README.md; do
		cp -a "$repo/$a" "$copy/"
	done
	rm -rf "$copy/tests/clients/thunderbird/node_modules"

	findings=$(scan "$copy")
	if [ -z "$findings" ]; then
		ok "the copy is clean before anything is planted"
	else
		local -a lines
		mapfile -t lines <<<"$findings"
		not_ok "the copy is clean before anything is planted" "${lines[@]}"
	fi

	# plant NAME RULE FILE LINE: append LINE to FILE (a new file, or
	# CMakeLists.txt); the scan must report RULE for it.
	local -a names=() rules=() files=()
	plant() {
		mkdir -p "$(dirname "$copy/$3")"
		printf '%s\n' "$4" >>"$copy/$3"
		names+=("$1")
		rules+=("$2")
		files+=("$3")
	}
	plant "python read of ../shared" outside-folder tests/clients/planted01.py \
		'spec = open("../shared/spec/autoconfig-spec_autoconfig.rng")'
	plant "shell read of \$root/../shared" root-escape tests/planted02.sh \
		'xmllint --relaxng "$root/../shared/spec/x.rng" a.xml'
	plant "python join of the root and \"..\"" root-escape \
		tests/fuzz/planted03.py \
		'ispdb = os.path.join(root, "..", "ispdb")'
	plant "MAC_SHARED" outside-env tests/fuzz/planted04.py \
		'shared = os.environ.get("MAC_SHARED", "/srv/x")'
	plant "/work/ path" absolute-home lib/planted05.c \
		'static const char *p = "/work/shared/samples/x.txt";'
	plant "home checkout" absolute-home etc/planted06.conf \
		'spec = /home/alice/src/mailautoconf/tests/data'
	plant "tilde path" absolute-home fcgi/planted07.sh \
		'cp ~/ref/spec.rng .'
	plant "dirname \"\$root\"" root-parent nginx/planted08.sh \
		'beside=$(dirname "$root")/reference'
	plant "os.path.dirname(root)" root-parent tests/planted09.py \
		'shared = os.path.join(os.path.dirname(root), "reference")'
	plant "node path.dirname(repo)" root-parent \
		tests/clients/thunderbird/planted10.mjs \
		'const spec = join(path.dirname(repo), "reference");'
	plant "three steps up from tests/clients" climb tests/clients/planted11.py \
		'spec = os.path.join(HERE, "..", "..", "..", "reference")'
	plant "four steps up from tests/clients/thunderbird" climb \
		tests/clients/thunderbird/planted12.mjs \
		'const spec = join(here, "../../../../reference/spec");'
	plant "shell climb past the root" climb tests/e2e/planted13.sh \
		'. "$here/../../../reference/lib.sh"'
	plant "CMake source dir and \"..\"" root-escape CMakeLists.txt \
		'add_test(NAME x COMMAND sh ${CMAKE_SOURCE_DIR}/../reference/run.sh)'
	plant "citation of PROTOCOLS.md" outside-doc lib/planted14.c \
		'/* TLS as in PROTOCOLS.md §3.2 */'
	plant "citation of a missing tests/ document" outside-doc \
		tests/planted15.py '# rules: see tests/clients/RULES.md'

	# Legitimate paths are not findings.
	cat >"$copy/tests/e2e/planted_ok.sh" <<'OK'
conf=/etc/nginx/nginx.conf; lic=/usr/share/common-licenses/MPL-2.0
sock=/run/mailautoconf/fcgi.sock; tmp=/tmp/x; st=/proc/self/status
exec 2>/dev/null; log=/var/log/nginx/access.log
root=$(cd "$here/../.." && pwd); . "$root/tests/lib.sh"
base=$(dirname "$here"); git -C "$chroot/root/mailautoconf" log
int f(int, ...);  /* varargs, see README.md and tests/data/README.md */
curl "http://127.0.0.1/../../etc/passwd"  # an HTTP path, two steps
cd /root/mailautoconf  # inside the fresh root; outside-paths: allow
The shared epoll instance; shared memory.
OK
	findings=$(scan "$copy")
	local i mine
	for i in "${!names[@]}"; do
		mine=$(printf '%s\n' "$findings" | grep "^${files[i]}:" || true)
		if printf '%s\n' "$mine" | grep -q "^[^:]*:[0-9]*: ${rules[i]}: "; then
			ok "caught: ${names[i]} (${rules[i]})"
		else
			not_ok "not caught: ${names[i]} (wanted ${rules[i]} in ${files[i]})" \
				"${mine:-no finding in that file}"
		fi
	done
	mine=$(printf '%s\n' "$findings" | grep "^tests/e2e/planted_ok.sh:" || true)
	if [ -z "$mine" ]; then
		ok "legitimate system paths, in-repository climbs and an allowed line are not findings"
	else
		local -a lines
		mapfile -t lines <<<"$mine"
		not_ok "legitimate paths were flagged" "${lines[@]}"
	fi
}

case ${1:-} in
--selftest)
	report_prefix="outside-paths selftest: "
	selftest
	;;
"")
	report_prefix="outside-paths: "
	check "$repo"
	;;
*)
	echo "usage: bash tests/no-outside-paths.sh [--selftest]" >&2
	exit 2
	;;
esac
finish
