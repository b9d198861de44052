#!/usr/bin/env bash
# mailautoconf import, as built:
#   - round trip over every ISPDB file in tests/data/ispdb and over the
#     responder's own autoconfig answer (tests/golden/ac_full): import,
#     mailautoconf-fcgi -t, the autoconfig answer (mac_render), and
#     Python's XML parser reads the same incoming and outgoing servers
#     (order, type, host, port, socket type, authentication, username)
#     from the answer as from the original, minus the losses the import
#     reports (import_roundtrip.py); the counts are printed;
#   - all ISPDB files in one run load with -t (a domain listed by two
#     files is imported once);
#   - documentation links with their texts in every language, enable
#     instructions and webMail's loginPageInfo come back element by
#     element (import_roundtrip.py, "texts:" line);
#   - what the INI cannot hold is on stderr as file:line and under the
#     section as "# not imported:" (server types other than imap, pop3
#     and smtp, elements and attributes it has no key for, host names
#     with placeholders other than %EMAILDOMAIN%, which is imported as
#     written); mail.ee, with %EMAILDOMAIN% names, texts in five
#     languages, enable and a login form, comes in without a note;
#   - the same file twice: the second provider is written commented out;
#   - bad input: malformed XML gives file:line:column and exit 1, a
#     missing file exit 1, no file exit 2.
#
# Usage: bash tests/tool/import.sh MAILAUTOCONF MAC_RENDER MAILAUTOCONF_FCGI
# Prints "ok   NAME" or "FAIL NAME" per check and "import: N passed, M
# failed" last.  Needs python3.
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$root/tests/lib.sh"
report_prefix="import: "
if [ $# != 3 ] || [ ! -x "$1" ] || [ ! -x "$2" ] || [ ! -x "$3" ]; then
	setup_fail "usage: $0 MAILAUTOCONF MAC_RENDER MAILAUTOCONF_FCGI"
fi
tool=$1 render=$2 fcgi=$3
command -v python3 >/dev/null || setup_fail "python3 is not installed"
tmp=$(mktemp -d /tmp/mailautoconf-import.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ispdb=$root/tests/data/ispdb

# ---- round trip -----------------------------------------------------------

# The responder's own answer, as a static deployment would have saved it.
sed '1,/^\r\{0,1\}$/d' "$root/tests/golden/ac_full/expected" >"$tmp/brand.example.xml"
python3 "$root/tests/tool/import_roundtrip.py" "$tool" "$render" "$fcgi" \
	"$tmp" "$ispdb"/*.xml "$tmp/brand.example.xml" >"$tmp/rt" 2>&1 || true
while IFS= read -r line; do
	case $line in
	"ok "*) ok "round trip ${line#ok }" ;;
	"FAIL "*) not_ok "round trip ${line#FAIL }" ;;
	"counts: "*) echo "# round trip $line" ;;
	"texts: "*) echo "# round trip $line" ;;
	*) echo "     $line" ;;
	esac
done <"$tmp/rt"
grep -q '^ok brand.example.xml exact$' "$tmp/rt" &&
	ok "own answer round-trips exactly" ||
	not_ok "own answer round-trips exactly"
# Documentation, enable and loginPageInfo came back, element by element.
grep -Eq '^texts: equal in [1-9][0-9]* files: [1-9][0-9]* documentation links with [1-9][0-9]* texts, [1-9][0-9]* enable with [1-9][0-9]* instructions, [1-9][0-9]* loginPageInfo$' "$tmp/rt" &&
	ok "documentation, enable and loginPageInfo round-trip" ||
	not_ok "documentation, enable and loginPageInfo round-trip" "$(grep '^texts: ' "$tmp/rt")"
nfiles=$(find "$ispdb" -name '*.xml' | wc -l)
nrt=$(grep -c '^ok .*\.xml' "$tmp/rt" || true)
[ "$nrt" -eq $((nfiles + 1)) ] && ok "every file round-trips ($nfiles ISPDB)" ||
	not_ok "every file round-trips" "$nrt of $((nfiles + 1))"

# ---- all files at once ----------------------------------------------------

if "$tool" import -o "$tmp/all.ini" "$ispdb"/*.xml 2>"$tmp/all.err" >"$tmp/all.out"; then
	ok "import of all ISPDB files: exit 0"
else
	not_ok "import of all ISPDB files: exit 0" "$(tail -n 3 "$tmp/all.err")"
fi
[ ! -s "$tmp/all.out" ] && ok "-o: nothing on stdout" || not_ok "-o: nothing on stdout"
if "$fcgi" -t -c "$tmp/all.ini" >"$tmp/t.out" 2>&1; then
	ok "all ISPDB providers: -t"
else
	not_ok "all ISPDB providers: -t" "$(tail -n 5 "$tmp/t.out")"
fi
nprov=$(grep -c '^\[provider ' "$tmp/all.ini" || true)
# As many as one at a time: providers sharing an id (zoho.com, zoho.eu,
# ...) are named after their first domain.
nserved=$(grep -c '^ok .*\.xml \(exact\|plain\|other-type\|username\)' "$tmp/rt" || true)
[ "$nprov" -eq $((nserved - 1)) ] && ok "all ISPDB: $nprov providers served" ||
	not_ok "all ISPDB: providers served" "$nprov"
# Every note on stderr is also a comment in the output.
nerr=$(grep -c '^mailautoconf: import: ' "$tmp/all.err" || true)
ncom=$(grep -c '^# not imported: ' "$tmp/all.ini" || true)
[ "$nerr" -gt 0 ] && [ "$nerr" -eq "$ncom" ] &&
	ok "every note on stderr and in the output ($nerr)" ||
	not_ok "every note on stderr and in the output" "stderr $nerr, comments $ncom"

# ---- notes ----------------------------------------------------------------

"$tool" import "$ispdb/office365.com.xml" >"$tmp/o365.ini" 2>"$tmp/o365.err" || true
for want in \
	"office365.com.xml:28: incomingServer of type 'ews': the INI has imap, pop3 and smtp only" \
	"office365.com.xml:44: incomingServer of type 'exchange': the INI has imap, pop3 and smtp only"; do
	if grep -qF "mailautoconf: import: $ispdb/$want" "$tmp/o365.err" ||
		grep -qF "$want" "$tmp/o365.err"; then
		ok "stderr: $want"
	else
		not_ok "stderr: $want" "$(cat "$tmp/o365.err")"
	fi
	grep -qF "$want" <(grep '^# not imported: ' "$tmp/o365.ini") &&
		ok "comment: $want" || not_ok "comment: $want"
done
# mail.ee: texts in other languages, the enable instruction and the
# login form are kept, as keys of a served provider.
"$tool" import "$ispdb/mail.ee.xml" >"$tmp/ee.ini" 2>"$tmp/ee.err" || true
for want in \
	"enable-url = https://help.mail.ee/?keyword=email_clients_access" \
	"enable-text = lv: Ieslēgt POP3/IMAP pieeju savam kontam" \
	"documentation-text = lv: E-pasta klientu konfigurācija (IMAP/POP3/SMTP)" \
	"webmail-login-url = https://login.%EMAILDOMAIN%" \
	"webmail-login-button = id=implogin__btn_sign-in"; do
	grep -qxF "$want" "$tmp/ee.ini" && ok "kept: $want" ||
		not_ok "kept: $want" "$(cat "$tmp/ee.ini")"
done
# A hoster's per-domain names (%EMAILDOMAIN%) are imported as written.
name="%EMAILDOMAIN% in host names, display names, the webmail and login URLs: imported, no note at all"
if grep -q '^\[provider mail.ee\]$' "$tmp/ee.ini" &&
	[ ! -s "$tmp/ee.err" ] && ! grep -q '^# not imported' "$tmp/ee.ini" &&
	grep -q '^server = imap %EMAILDOMAIN% 993 SSL$' "$tmp/ee.ini" &&
	grep -q '^display-name = %EMAILDOMAIN%$' "$tmp/ee.ini" &&
	grep -q '^webmail = https://login.%EMAILDOMAIN%$' "$tmp/ee.ini" &&
	! grep -q 'EMAILDOMAIN' "$tmp/ee.err" &&
	"$fcgi" -t -c "$tmp/ee.ini" >/dev/null 2>&1; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/ee.err" "$tmp/ee.ini")"
fi
"$tool" import "$ispdb/inbox.lv.xml" >"$tmp/lv.ini" 2>/dev/null || true
grep -q '^server = smtp mail.%EMAILDOMAIN% 465 SSL$' "$tmp/lv.ini" &&
	ok "mail.%EMAILDOMAIN% imported" ||
	not_ok "mail.%EMAILDOMAIN% imported" "$(cat "$tmp/lv.ini")"

# Any other placeholder in a host name is not: a provider left without
# servers is commented out.
sed 's/<hostname>imap.attr.example/<hostname>imap.%EMAILLOCALPART%.example/; s/attr.example/ph.example/g' \
	>"$tmp/ph.xml" <<'XML'
<clientConfig version="1.1">
  <emailProvider id="attr.example">
    <domain>attr.example</domain>
    <incomingServer type="imap">
      <hostname>imap.attr.example</hostname><port>993</port>
      <socketType>SSL</socketType><username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.attr.example</hostname><port>587</port>
      <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
XML
"$tool" import "$tmp/ph.xml" >"$tmp/ph.ini" 2>"$tmp/ph.err" || true
name="a host name with another placeholder: reported; a provider without servers is commented out"
if grep -qF "ph.xml:5: imap server 'imap.%EMAILLOCALPART%.example': the INI has no placeholders in host names but %EMAILDOMAIN%" "$tmp/ph.err" &&
	grep -qF "provider 'ph.example': no imported imap or pop3 server with TLS; written commented out" "$tmp/ph.err" &&
	grep -q '^# \[provider ph.example\]$' "$tmp/ph.ini"; then
	ok "$name"
else
	not_ok "$name" "$(cat "$tmp/ph.err" "$tmp/ph.ini")"
fi

"$tool" import "$ispdb/126.com.xml" "$ispdb/126.com.xml" >"$tmp/twice.ini" 2>"$tmp/twice.err" || true
[ "$(grep -c '^\[provider 126.com\]' "$tmp/twice.ini")" = 1 ] &&
	grep -q '^# \[provider 126.com\]' "$tmp/twice.ini" &&
	grep -q 'already imported' "$tmp/twice.err" &&
	"$fcgi" -t -c "$tmp/twice.ini" >/dev/null 2>&1 &&
	ok "the same file twice: imported once, loads" ||
	not_ok "the same file twice: imported once, loads" "$(cat "$tmp/twice.err")"

# An attribute the INI has no place for is reported too.
cat >"$tmp/attr.xml" <<'XML'
<clientConfig version="1.1">
  <emailProvider id="attr.example">
    <domain>attr.example</domain>
    <incomingServer type="imap" priority="1">
      <hostname>imap.attr.example</hostname><port>993</port>
      <socketType>SSL</socketType><username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.attr.example</hostname><port>587</port>
      <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>
      <authentication>password-encrypted</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
XML
"$tool" import "$tmp/attr.xml" >"$tmp/attr.ini" 2>"$tmp/attr.err" || true
grep -qF "attr.xml:4: <incomingServer priority=...>: the INI has no such setting" "$tmp/attr.err" &&
	grep -q '^server = smtp smtp.attr.example 587 STARTTLS auth=password-encrypted username=%EMAILADDRESS%$' "$tmp/attr.ini" &&
	grep -q '^username = %EMAILLOCALPART%$' "$tmp/attr.ini" &&
	ok "unknown attribute reported; per-server auth and username" ||
	not_ok "unknown attribute reported; per-server auth and username" "$(cat "$tmp/attr.err" "$tmp/attr.ini")"

# ---- bad input ------------------------------------------------------------

printf '<clientConfig version="1.1">\n  <emailProvider id="x.example">\n    <domain>x.example</domain\n' >"$tmp/bad.xml"
rc=0
"$tool" import "$tmp/bad.xml" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/bad.err")" = 1 ] &&
	grep -qE "^mailautoconf: import: $tmp/bad.xml:3:[0-9]+: " "$tmp/bad.err" &&
	ok "malformed XML: file:line:column, exit 1" ||
	not_ok "malformed XML: file:line:column, exit 1" "rc $rc: $(cat "$tmp/bad.err")"
rc=0
"$tool" import "$tmp/missing.xml" >/dev/null 2>"$tmp/miss.err" || rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$tmp/miss.err")" = 1 ] &&
	ok "missing file: one line, exit 1" ||
	not_ok "missing file: one line, exit 1" "rc $rc: $(cat "$tmp/miss.err")"
rc=0
"$tool" import >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && ok "no file: exit 2" || not_ok "no file: exit 2" "rc $rc"

finish
