#!/usr/bin/env bash
# The arrows between the parts of the build go one way, checked on the
# object files (nm), so that a call added in any file is caught:
#   loader      lib/cfg*.c, lib/domtab.c and lib/file.c build the provider
#               table and know nothing of answers: they reference no
#               render_, tpl_, xml_, ep_ or route_ symbol, and no symbol
#               that the renderer (lib/route.c, lib/tpl.c, lib/ep_*.c,
#               lib/render_common.c) or lib/load.c defines.  load.c runs
#               the loader, then the renderer's preparation.
#   front end   no object of lib/ references a symbol that an object of
#               fcgi/ defines (libmac_front and the two programs' objects).
#
# usage: bash tests/layering.sh LIBMAC.a LIBMAC_FRONT.a OBJDIR...
#        bash tests/layering.sh --selftest CC LIBMAC.a LIBMAC_FRONT.a OBJDIR...
# OBJDIR: folders holding the programs' fcgi/ objects (searched for *.o).
# --selftest compiles objects that break each rule with CC, adds them to a
# copy of LIBMAC.a, and checks that each is caught and that a loader
# object calling only what the loader may call is not.
# Last line: "layering: N passed, M failed" (or "layering selftest: ...");
# exit status non-zero if M > 0 (ctest layering, layering_selftest).
# shellcheck source-path=SCRIPTDIR/..
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/lib.sh"

usage() {
	sed -n '12,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

loader_re='^(cfg[a-z_]*|domtab|file)\.c\.o$'
render_re='^(route|tpl|ep_[a-z_]*|render_common|load)\.c\.o$'
prefix_re='^(render_|tpl_|xml_|ep_|route_)'

# members ARCHIVE MODE: "member symbol" lines; MODE -u (undefined) or
# --defined-only (global definitions only).
members() {
	nm -A "$2" "$1" 2>/dev/null | awk -v mode="$2" '
		{
			n = split($1, f, ":")
			m = f[n - 1]
			if (mode == "-u")
				print m, $NF
			else if ($(NF - 1) ~ /^[A-Z]$/ && $(NF - 1) != "U")
				print m, $NF
		}'
}

# check LIBMAC FRONT OBJDIR...: one case per rule.
check() {
	local lib=$1 front=$2 undef def fdef bad
	shift 2
	undef=$(members "$lib" -u)
	def=$(members "$lib" --defined-only)
	if [ -z "$undef" ] || [ -z "$def" ]; then
		not_ok "nm reads $lib" "no symbols"
		return
	fi

	bad=$(printf '%s\n' "$undef" | awk -v l="$loader_re" -v p="$prefix_re" \
		'$1 ~ l && $2 ~ p { print $1 " references " $2 }')
	if [ -z "$bad" ]; then
		ok "the loader references no render_, tpl_, xml_, ep_ or route_ symbol"
	else
		mapfile -t lines <<<"$bad"
		not_ok "the loader references the renderer by name" "${lines[@]}"
	fi

	bad=$(awk -v l="$loader_re" -v r="$render_re" '
		NR == FNR { if ($1 ~ r) owner[$2] = $1; next }
		$1 ~ l && ($2 in owner) { print $1 " references " $2 " (" owner[$2] ")" }' \
		<(printf '%s\n' "$def") <(printf '%s\n' "$undef"))
	if [ -z "$bad" ]; then
		ok "the loader references nothing the renderer or load.c defines"
	else
		mapfile -t lines <<<"$bad"
		not_ok "the loader references the renderer or load.c" "${lines[@]}"
	fi

	fdef=$(
		members "$front" --defined-only
		find "$@" -name '*.o' -path '*fcgi*' -print0 2>/dev/null |
			xargs -0 -r nm -A --defined-only |
			awk '$(NF - 1) ~ /^[A-Z]$/ { n = split($1, f, "/"); print f[n], $NF }'
	)
	if [ -z "$fdef" ]; then
		not_ok "nm reads the front end's objects" "none in $front $*"
		return
	fi
	bad=$(awk '
		NR == FNR { owner[$2] = $1; next }
		$2 in owner { print $1 " references " $2 " (" owner[$2] ")" }' \
		<(printf '%s\n' "$fdef") <(printf '%s\n' "$undef"))
	if [ -z "$bad" ]; then
		ok "no object of lib/ references a symbol of fcgi/"
	else
		mapfile -t lines <<<"$bad"
		not_ok "lib/ references fcgi/" "${lines[@]}"
	fi
}

# plant CC DIR NAME CODE: compile CODE into DIR/NAME.c.o.
plant() {
	mkdir -p "$2"
	printf '%s\n' "$4" >"$2/$3.c"
	"$1" -c -o "$2/$3.c.o" "$2/$3.c"
}

selftest() {
	local cc=$1 lib=$2 tmp out
	shift 2
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand $tmp now
	trap "rm -rf '$tmp'" EXIT

	out=$(check "$lib" "$@")
	if printf '%s\n' "$out" | grep -q '^FAIL'; then
		not_ok "the build itself is clean" "$out"
	else
		ok "the build itself is clean"
	fi

	# A copy of the archive with one bad member, added or in place of
	# the real one (domtab.c.o, file.c.o); the check must fail with the
	# wanted text.
	local -a names=(
		"the loader calls render_prepare()"
		"the loader calls mc_ident() (ep_mobileconfig.c)"
		"the loader calls mac_cfg_load_mem() (load.c)"
		"lib/ calls marshal_req() (fcgi/marshal.c)"
	)
	local -a objs=(cfg_planted domtab file addr_planted)
	local -a codes=(
		'int render_prepare(void *); int f(void) { return render_prepare(0); }'
		'const char *mc_ident(void *, void *); const char *f(void) { return mc_ident(0, 0); }'
		'void *mac_cfg_load_mem(void); void *f(void) { return mac_cfg_load_mem(); }'
		'int marshal_req(void); int f(void) { return marshal_req(); }'
	)
	local -a wants=(
		"cfg_planted.c.o references render_prepare"
		"domtab.c.o references mc_ident (ep_mobileconfig.c.o)"
		"file.c.o references mac_cfg_load_mem (load.c.o)"
		"addr_planted.c.o references marshal_req"
	)
	local i copy
	for i in "${!names[@]}"; do
		copy=$tmp/copy$i.a
		cp "$lib" "$copy"
		plant "$cc" "$tmp/$i" "${objs[i]}" "${codes[i]}"
		ar r "$copy" "$tmp/$i/${objs[i]}.c.o" 2>/dev/null
		out=$(check "$copy" "$@" || true)
		if printf '%s\n' "$out" | grep -qF "${wants[i]}"; then
			ok "caught: ${names[i]}"
		else
			not_ok "not caught: ${names[i]}" "$out"
		fi
	done

	# What the loader may call: the shared helpers and its own files.
	copy=$tmp/clean.a
	cp "$lib" "$copy"
	plant "$cc" "$tmp/clean" cfg_clean 'int dom_norm(void); int cfg_find(void);
int utf8_decode(void); int f(void) { return dom_norm() + cfg_find() + utf8_decode(); }'
	ar r "$copy" "$tmp/clean/cfg_clean.c.o" 2>/dev/null
	out=$(check "$copy" "$@")
	if printf '%s\n' "$out" | grep -q '^FAIL'; then
		not_ok "a loader object calling dom_norm(), cfg_find(), utf8_decode() passes" "$out"
	else
		ok "a loader object calling dom_norm(), cfg_find(), utf8_decode() passes"
	fi
}

case ${1:-} in
--selftest)
	[ $# -ge 4 ] || usage
	report_prefix="layering selftest: "
	shift
	selftest "$@"
	;;
"" | -*) usage ;;
*)
	[ $# -ge 2 ] || usage
	report_prefix="layering: "
	check "$@"
	;;
esac
finish
