#!/usr/bin/env bash
# End to end, signed Apple profiles through nginx: a throwaway CA made
# here with openssl signs a P-256 and an RSA-2048 certificate; the
# responder first serves unsigned profiles, then (SIGHUP) the same table
# with mobileconfig-sign-* keys: each /mobileconfig answer must verify
# with `openssl cms -verify -CAfile` (content attached, SHA-256, signer
# and chain included) and its content must equal the unsigned profile
# byte for byte, for one address and for two.  A group-readable key is
# refused on reload (the signed configuration is kept); -t warns about a
# certificate that expires within 30 days and fails, with file:line, on
# a key that does not match its certificate.
#
# Usage: bash tests/e2e/signed.sh BUILD_DIR     (as root, from anywhere)
# Last line "e2e signed: N passed, M failed".
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail
# shellcheck source=tests/e2e/common.sh
. "$(dirname "$0")/common.sh"
e2e_setup "${1:-}" signed

# The CA and the signers.  The responder reads the keys as the user
# spawn-fcgi runs it as, so they are that user's, mode 0600.
pki=$tmp/conf/pki
mkdir -p "$pki"
owner=root
[[ " ${spawn_ids[*]} " == *" -u nobody "* ]] && owner=nobody
ca() { # args...: openssl, quiet
	openssl "$@" 2>"$tmp/openssl.log" || setup_fail "openssl $1 failed: $(cat "$tmp/openssl.log")"
}
ca req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$pki/ca.key" -out "$pki/ca.pem" -days 3 -subj "/CN=mailautoconf e2e CA"
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' >"$pki/ext"
signer() { # name days keyargs...
	local n=$1 days=$2
	shift 2
	ca req -newkey "$@" -nodes -keyout "$pki/$n.key" -out "$pki/$n.csr" \
		-subj "/CN=mailautoconf e2e $n"
	ca x509 -req -in "$pki/$n.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days "$days" \
		-extfile "$pki/ext" -out "$pki/$n.pem"
	chown "$owner" "$pki/$n.key"
	chmod 0600 "$pki/$n.key"
}
signer p256 365 ec -pkeyopt ec_paramgen_curve:P-256
signer rsa 365 rsa:2048
signer soon 10 ec -pkeyopt ec_paramgen_curve:P-256
chmod 0755 "$pki"
chmod 0644 "$pki"/*.pem

unsigned_ini=$tmp/conf/unsigned.ini
signed_ini=$tmp/conf/signed.ini
cp "$config" "$unsigned_ini"
# Signing keys for each provider, after its header (paths relative to
# the INI file); the rest of the table is the same.
sed -e "/^\[provider example.com\]$/a mobileconfig-sign-cert = pki/p256.pem\nmobileconfig-sign-key = pki/p256.key\nmobileconfig-sign-chain = pki/ca.pem" \
	-e "/^\[provider example.net\]$/a mobileconfig-sign-cert = pki/rsa.pem\nmobileconfig-sign-key = pki/rsa.key" \
	"$unsigned_ini" >"$signed_ini"
chmod 0644 "$unsigned_ini" "$signed_ini"

e2e_start_responder
e2e_start_nginx

one="/mobileconfig?emailaddress=alice%40example.com"
rsa="/mobileconfig?emailaddress=bob%40example.net"
two="/mobileconfig?emailaddress=alice%40example.com&emailaddress=bob%40example.net"
for t in one rsa two; do
	fetch https GET "$ac" "${!t}" - -
	[ "$status" = 200 ] || setup_fail "unsigned $t: status $status"
	cp "$body" "$tmp/unsigned.$t"
done

name="SIGHUP with mobileconfig-sign-* keys -> reloaded"
cp "$signed_ini" "$config"
kill -HUP "$resp_pid"
if wait_for 5 grep -q "reloaded $config" "$resp_log"; then
	ok "$name"
else
	not_ok "$name" "$(tail -n 3 "$resp_log")"
fi

# verify NAME TARGET UNSIGNED KEYALG: the answer is SignedData that
# openssl verifies against the CA, whose content is UNSIGNED's bytes.
verify() {
	local name=$1 target=$2 unsigned=$3 alg=$4 ct
	local -a why=()
	fetch https GET "$ac" "$target" - -
	ct=$(header Content-Type)
	[ "$status" = 200 ] || why+=("status $status")
	[ "$ct" = application/x-apple-aspen-config ] || why+=("Content-Type '$ct'")
	if ! openssl cms -verify -CAfile "$pki/ca.pem" -inform DER -in "$body" \
		-out "$tmp/content" >"$tmp/verify.log" 2>&1; then
		why+=("does not verify: $(tr '\n' ' ' <"$tmp/verify.log")")
	elif ! cmp -s "$tmp/content" "$unsigned"; then
		why+=("content differs from the unsigned profile")
	fi
	openssl cms -cmsout -print -inform DER -in "$body" >"$tmp/print" 2>&1 || true
	grep -q "digestAlgorithm:" "$tmp/print" &&
		grep -A1 "digestAlgorithm:" "$tmp/print" | grep -q "sha256" ||
		why+=("digest is not SHA-256")
	grep -q "$alg" "$tmp/print" || why+=("signature is not $alg")
	grep -q "eContent: <ABSENT>" "$tmp/print" && why+=("content is detached")
	if [ "${#why[@]}" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${why[@]}"
	fi
}
verify "P-256 signer, chain included: verifies, content = unsigned bytes" \
	"$one" "$tmp/unsigned.one" ecdsa-with-SHA256
verify "RSA-2048 signer: verifies, content = unsigned bytes" \
	"$rsa" "$tmp/unsigned.rsa" rsaEncryption
verify "two addresses, signed by the first one's provider: content = unsigned bytes" \
	"$two" "$tmp/unsigned.two" ecdsa-with-SHA256

name="signer's certificate and the chain are in the SignedData"
fetch https GET "$ac" "$one" - -
openssl cms -cmsout -print -inform DER -in "$body" >"$tmp/print" 2>&1 || true
if grep -q "CN=mailautoconf e2e p256" "$tmp/print" &&
	grep -q "subject: CN=mailautoconf e2e CA" "$tmp/print"; then
	ok "$name"
else
	not_ok "$name" "$(grep -i "subject:" "$tmp/print" | head -n 4 | tr '\n' ' ')"
fi

name="HEAD of a signed profile -> 200, the profile type and a length"
fetch https HEAD "$ac" "$one" - -
if [ "$status" = 200 ] && [ -n "$(header Content-Length)" ] &&
	[ "$(header Content-Type)" = application/x-apple-aspen-config ]; then
	ok "$name"
else
	not_ok "$name" "status $status, length '$(header Content-Length)'"
fi

name="group-readable key on reload -> refused with file:line, signed answers kept"
chmod 0640 "$pki/p256.key"
kill -HUP "$resp_pid"
want="reload failed: $config:[0-9]*: mobileconfig-sign-key .*p256.key: readable by group or others (mode 0640)"
wait_for 5 grep -q "$want" "$resp_log" || true
fetch https GET "$ac" "$one" - -
if grep -q "$want" "$resp_log" && [ "$status" = 200 ] &&
	openssl cms -verify -CAfile "$pki/ca.pem" -inform DER -in "$body" \
		-out /dev/null >/dev/null 2>&1; then
	ok "$name"
else
	not_ok "$name" "status $status" "$(tail -n 3 "$resp_log")"
fi
chmod 0600 "$pki/p256.key"

name="-t: a certificate expiring within 30 days warns, the test passes"
sed 's/pki\/p256\./pki\/soon./' "$signed_ini" >"$tmp/conf/soon.ini"
if "$bin" -t -c "$tmp/conf/soon.ini" >"$tmp/t.log" 2>&1 &&
	grep -q "\[warn\] $tmp/conf/soon.ini:[0-9]*: mobileconfig-sign-cert pki/soon.pem: expires on .*, within 30 days" "$tmp/t.log"; then
	ok "$name"
else
	not_ok "$name" "$(tr '\n' ' ' <"$tmp/t.log")"
fi

name="-t: a key that does not match its certificate fails with file:line"
sed 's/pki\/p256\.key/pki\/soon.key/' "$signed_ini" >"$tmp/conf/mismatch.ini"
if ! "$bin" -t -c "$tmp/conf/mismatch.ini" >"$tmp/t.log" 2>&1 &&
	grep -q "\[emerg\] $tmp/conf/mismatch.ini:[0-9]*: mobileconfig-sign-cert pki/p256.pem: does not match the key" "$tmp/t.log"; then
	ok "$name"
else
	not_ok "$name" "$(tr '\n' ' ' <"$tmp/t.log")"
fi

finish
