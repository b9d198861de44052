#!/usr/bin/env bash
# End to end, the setup page in a real browser: Debian's chromium,
# headless, loads /mail/setup through nginx and the shipped snippet; the
# test reads the rendered DOM and checks every server host and port of
# the provider (the ALPN-only ones on 443 left out), the user name, the
# profile link and the QR code image, which must have loaded (same
# origin, allowed by the policy: its natural width is not 0).  For a
# provider with the enable instruction, documentation texts in two
# languages and a note, those are read back too: the instruction before
# the settings, the other language marked with its lang.  A phone-
# sized screenshot (390x844) is saved as BUILD_DIR/setup-page.png.  curl
# checks the headers (CSP, HTML type), HEAD, the HTML errors and 405.
#
# Usage: bash tests/e2e/setup.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e setup: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" setup
build_dir=$(dirname "$bin")
command -v chromium >/dev/null || setup_fail "chromium missing (Debian's chromium)"

# A provider with the keys of lib/cfg_texts.c, only in this test's copy.
cat >>"$config" <<'INI'

[provider texts.example]
display-name = E2E Texts
domains = texts.example
server = imap imap.texts.example 993 SSL
server = smtp smtp.texts.example 465 SSL
enable-url = https://help.texts.example/imap
enable-text = Switch on IMAP in your webmail first.
enable-text = de: Schalten Sie zuerst IMAP im Webmail ein.
documentation = https://help.texts.example/tb
documentation-text = Set up Thunderbird
documentation-text = pl: Konfiguracja <Thunderbird> & "IMAP"
setup-note = android: In the Gmail app choose "Other", then IMAP.
INI

e2e_start_responder
e2e_start_nginx

page="/mail/setup?emailaddress=alice%40example.com"
url="https://$ac:$tls_port$page"
# A throwaway profile; the test certificate is self-made, so errors about
# it are ignored; every name resolves to the loopback nginx.
browser() { # args...
	timeout 60 chromium --headless --disable-gpu --no-sandbox \
		--user-data-dir="$tmp/chromium" --ignore-certificate-errors \
		--host-resolver-rules="MAP * 127.0.0.1" --no-first-run \
		--virtual-time-budget=5000 "$@" 2>>"$tmp/chromium.log"
}

name="chromium renders the page: every server, port and the user name"
# The rendered DOM, with the image's load state written into it by
# nothing but the browser: --dump-dom prints the document after load.
browser --dump-dom "$url" >"$tmp/dom.html" || true
python3 - "$tmp/dom.html" >"$tmp/text" <<'PY' || true
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.out = []
        self.skip = 0
    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title"):
            self.skip += 1
        a = dict(attrs)
        if "lang" in a and tag != "html":
            print("LANG", a["lang"])
        if tag == "a":
            print("LINK", a.get("href", ""))
        if tag == "img":
            print("IMG", a.get("src", ""))
    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self.skip -= 1
    def handle_data(self, d):
        if not self.skip and d.strip():
            print("TEXT", d.strip())
P().feed(open(sys.argv[1]).read())
PY
# Every host and port the provider configures for example.com.
mapfile -t want_text < <(sed -n '/^\[provider example.com\]/,/^\[/s/^server = [a-z0-9]* \([^ ]*\) \([0-9]*\).*/TEXT \1\nTEXT \2/p' "$config" | sort -u)
want_text+=("TEXT Mail settings for alice@example.com" "TEXT alice@example.com")
why=()
[ -s "$tmp/dom.html" ] || why+=("no DOM: $(tail -n 3 "$tmp/chromium.log" | tr '\n' ' ')")
for t in "${want_text[@]}"; do
	grep -qxF "$t" "$tmp/text" || why+=("missing '$t'")
done
if [ "${#why[@]}" -eq 0 ]; then
	ok "$name"
else
	not_ok "$name" "${why[@]}"
fi

name="the page's servers are the provider's, in its order"
got=$(grep -A1 -xF "TEXT Server" "$tmp/text" | sed -n 's/^TEXT \(.*\.example\.com\)$/\1/p' | tr '\n' ' ')
want=$(sed -n '/^\[provider example.com\]/,/^\[/s/^server = [a-z0-9]* \([^ ]*\) .*/\1/p' "$config" | tr '\n' ' ')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	ok "$name"
else
	not_ok "$name" "page '$got'" "configured '$want'"
fi

name="the profile link and the QR code image are same-origin paths"
if grep -qxF "LINK /mobileconfig?emailaddress=alice%40example.com" "$tmp/text" &&
	grep -qxF "IMG /mobileconfig.qrcode.svg?emailaddress=alice%40example.com" "$tmp/text"; then
	ok "$name"
else
	not_ok "$name" "$(grep -E '^(LINK|IMG)' "$tmp/text" | tr '\n' ' ')"
fi

name="the QR image loads under the policy (nginx served it to the browser)"
if grep -q '"GET /mobileconfig.qrcode.svg[^ ]* HTTP/[0-9.]*" 200 .*HeadlessChrome' "$tmp/nginx-access.log"; then
	ok "$name"
else
	not_ok "$name" "no 200 for the SVG to chromium in nginx's access log" \
		"$(grep -c . "$tmp/nginx-access.log") lines"
fi

name="chromium renders the enable instruction first, texts with their languages, notes"
browser --dump-dom "https://$ac:$tls_port/mail/setup?emailaddress=bob%40texts.example" \
	>"$tmp/dom-texts.html" || true
python3 - "$tmp/dom-texts.html" >"$tmp/texts" <<'PY' || true
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "lang" in a and tag != "html":
            print("LANG", a["lang"])
        if tag == "a":
            print("LINK", a.get("href", ""))
    def handle_data(self, d):
        if d.strip():
            print("TEXT", d.strip())
P().feed(open(sys.argv[1]).read())
PY
why=()
for t in "TEXT Switch on IMAP in your webmail first." \
	"LANG de" "TEXT Schalten Sie zuerst IMAP im Webmail ein." \
	"LINK https://help.texts.example/imap" \
	"LINK https://help.texts.example/tb" "TEXT Set up Thunderbird" \
	"LANG pl" 'TEXT Konfiguracja <Thunderbird> & "IMAP"' \
	"TEXT Android" 'TEXT In the Gmail app choose "Other", then IMAP.'; do
	grep -qxF "$t" "$tmp/texts" || why+=("missing '$t'")
done
first=$(grep -nxF "TEXT Switch on IMAP in your webmail first." "$tmp/texts" | cut -d: -f1)
settings=$(grep -nxF "TEXT Incoming mail" "$tmp/texts" | cut -d: -f1)
[ -n "$first" ] && [ -n "$settings" ] && [ "$first" -lt "$settings" ] ||
	why+=("the instruction (line ${first:-none}) is not before the settings (line ${settings:-none})")
if [ "${#why[@]}" -eq 0 ]; then
	ok "$name"
else
	not_ok "$name" "${why[@]}"
fi

name="a phone-sized screenshot is taken (BUILD_DIR/setup-page.png)"
rm -f "$build_dir/setup-page.png"
browser --screenshot="$build_dir/setup-page.png" --window-size=390,844 \
	--hide-scrollbars "$url" >/dev/null || true
if [ -s "$build_dir/setup-page.png" ] && file "$build_dir/setup-page.png" | grep -q "PNG image data, 390 x 844"; then
	ok "$name"
else
	not_ok "$name" "$(file "$build_dir/setup-page.png" 2>&1)"
fi

name="headers: text/html, the strict Content-Security-Policy"
fetch https GET "$ac" "$page" - -
csp=$(header Content-Security-Policy)
if [ "$status" = 200 ] && [ "$(header Content-Type)" = "text/html; charset=utf-8" ] &&
	[[ $csp == "default-src 'none'; img-src 'self'; style-src 'sha256-"*"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" ]]; then
	ok "$name"
else
	not_ok "$name" "status $status" "CSP '$csp'"
fi

name="HEAD, path in capitals -> 200, the page's type, length and policy"
fetch https HEAD "$ac" "/MAIL/Setup?emailaddress=alice%40example.com" - -
if [ "$status" = 200 ] && [ "$(header Content-Length)" -gt 1000 ] &&
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ] &&
	[ -n "$(header Content-Security-Policy)" ]; then
	ok "$name"
else
	not_ok "$name" "status $status"
fi

# error NAME METHOD TARGET STATUS TEXT
error() {
	local name=$1 method=$2 target=$3 want=$4 text=$5
	local -a why=()
	fetch https "$method" "$ac" "$target" - -
	[ "$status" = "$want" ] || why+=("status $status")
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ] || why+=("type '$(header Content-Type)'")
	grep -qF "<p>$text</p>" "$body" || why+=("body '$(tr -d '\n' <"$body" | head -c 200)'")
	if [ "${#why[@]}" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}"
	fi
}
error "unknown domain -> 404 HTML" GET "/mail/setup?emailaddress=a%40unknown.example" 404 \
	"no provider serves this domain"
error "markup in the address -> 400 HTML, nothing echoed" GET \
	"/mail/setup?emailaddress=%3Cscript%3Ealert(1)%3C%2Fscript%3E%40example.com" 400 \
	"invalid character in local part"
error "POST -> 405 HTML" POST "/mail/setup?emailaddress=a%40example.com" 405 \
	"method not allowed"

finish
