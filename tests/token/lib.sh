# SPDX-License-Identifier: MIT
# lib.sh - shared by the token tests: a fresh SoftHSM2 token store per test,
# a throwaway CA (openssl CLI), pass/fail counting and helpers that check
# the token with OpenSC's pkcs11-tool. Sourced, never run.
set -uo pipefail
TOOL="$KX_BUILD/tests/token/token_tool"
CTL="$KX_BUILD/kiosk/ctl/kioskctl"
SHIM="$KX_BUILD/tools/pkcs11-shim/libkx-pkcs11-shim.so"
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
export KX_SHIM_MODULE=$SOFTHSM
T=$(mktemp -d /tmp/kx-token-XXXXXX)
export KX_SHIM_CONTROL=$T/shim.ctl
: > "$KX_SHIM_CONTROL"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s/tokens/\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" \
  > "$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf
export KX_TEST_PIN=246810 KX_TEST_SO_PIN=12345678
unset KX_TEST_NEW_PIN KX_FAULT_TOKEN
# the sanitised test programs print nothing of their own on success; the
# kiosk log goes to stderr, kept per test in $T/log
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish

# new_token LABEL: init a token with the test PINs; prints its serial
new_token() {
  softhsm2-util --init-token --free --label "$1" --so-pin "$KX_TEST_SO_PIN" \
    --pin "$KX_TEST_PIN" >/dev/null || return 1
  softhsm2-util --show-slots | awk -v l="$1" '
    /Serial number:/ { s = $3 } /Label:/ { if ($2 == l) print s }' | tail -1
}

# tool ARGS: token_tool on SoftHSM directly (stderr to the log)
tool() { "$TOOL" --module "$SOFTHSM" "$@" 2>>"$T/log"; }
# stool ARGS: token_tool through the shim
stool() { "$TOOL" --module "$SHIM" "$@" 2>>"$T/log"; }
shim() { printf '%s\n' "$@" > "$KX_SHIM_CONTROL"; }

# p11 LABEL ARGS: pkcs11-tool on the token, logged in
p11() { local l=$1; shift; pkcs11-tool --module "$SOFTHSM" --token-label "$l" --login \
  --pin "${KX_TEST_PIN}" "$@" 2>/dev/null; }
# objects LABEL: "class id label" per object, sorted (from pkcs11-tool -O)
objects() {
  p11 "$1" -O | awk '
    /^[A-Z][a-z]+ Key Object|^Certificate Object/ {
      if (cls != "") print cls, id, lab; cls = $1; id = "-"; lab = "-" }
    /^ *label:/ { lab = $2 } /^ *ID:/ { id = $2 }
    END { if (cls != "") print cls, id, lab }' | sort
}

# make_ca: a throwaway CA in $T/ca.key, $T/ca.pem
make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/C=CN/O=Test CA/CN=Throwaway RA CA" -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
}
# issue CSR OUT [DAYS]: sign a request with the throwaway CA
issue() {
  openssl x509 -req -in "$1" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
    -days "${3:-365}" -out "$2" 2>/dev/null
}
# cert_matches_token_key LABEL ID CERT: the certificate's public key is the
# token's public key ID (read with pkcs11-tool, compared by openssl)
cert_matches_token_key() {
  pkcs11-tool --module "$SOFTHSM" --token-label "$1" --read-object --type pubkey --id "$2" \
    -o "$T/pub.der" >/dev/null 2>&1 || return 1
  openssl pkey -pubin -inform DER -in "$T/pub.der" -outform PEM -out "$T/pub1.pem" 2>/dev/null &&
    openssl x509 -in "$3" -noout -pubkey > "$T/pub2.pem" 2>/dev/null &&
    cmp -s "$T/pub1.pem" "$T/pub2.pem"
}
