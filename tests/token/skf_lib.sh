# SPDX-License-Identifier: MIT
# skf_lib.sh - shared by the SKF token tests: a fresh skf-soft store and
# fault file per test, an SM2 CA made with the openssl command line
# (SM2-with-SM3, default user ID 1234567812345678) and helpers. Sourced.
set -uo pipefail
TOOL="$KX_BUILD/tests/token/token_tool"
PROBE="$KX_BUILD/tests/token/skf_probe"
CTL="$KX_BUILD/kiosk/ctl/kioskctl"
SKFLIB="$KX_BUILD/tools/skf-soft/libskf-soft.so"
UTIL="$KX_SOURCE/tools/skf-soft/skf-soft-util"
# the store on tmpfs where there is one: skf-soft fsyncs every write
T=$(mktemp -d "$( [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo /tmp)/kx-skf-XXXXXX")
trap 'rm -rf "$T"' EXIT
export SKF_SOFT_DIR=$T/store SKF_SOFT_FAULTS=$T/faults
mkdir -p "$SKF_SOFT_DIR"
: > "$SKF_SOFT_FAULTS"
export KX_TEST_PIN=246810 KX_TEST_SO_PIN=13572468
unset KX_TEST_NEW_PIN KX_FAULT_TOKEN
ID="distid:1234567812345678"
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
# stool ARGS: token_tool on skf-soft (stderr to the log)
stool() { "$TOOL" --backend skf --module "$SKFLIB" "$@" 2>>"$T/log"; }
faults() { printf '%s\n' "$@" > "$SKF_SOFT_FAULTS"; }
# hex / unhex: bytes on stdin as lower-case hex, and back
hex() { od -An -v -tx1 | tr -d ' \n'; }
unhex() { local h; h=$(cat); printf '%b' "$(printf '%s' "$h" | sed 's/../\\x&/g')"; }
# sm2_ca: the throwaway SM2 CA in $T/ca.key, $T/ca.pem
sm2_ca() {
  openssl genpkey -algorithm SM2 -out "$T/ca.key" 2>/dev/null &&
    openssl req -x509 -new -key "$T/ca.key" -sm3 -sigopt "$ID" -days 30 \
      -subj "/C=CN/O=Test SM2 CA/CN=Throwaway SM2 CA" -out "$T/ca.pem" 2>/dev/null
}
# sm2_issue CSR OUT sign|enc [PUBKEY]: the CA signs; enc certificates carry
# PUBKEY (the KMC's key) instead of the request's
sm2_issue() {
  local ku="critical,digitalSignature,nonRepudiation" force=()
  [ "$3" = enc ] && ku="critical,keyEncipherment,dataEncipherment,keyAgreement"
  [ -n "${4:-}" ] && force=(-force_pubkey "$4")
  printf 'keyUsage=%s\n' "$ku" > "$T/ext.cnf"
  openssl x509 -req -in "$1" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -sm3 \
    -sigopt "$ID" -vfyopt "$ID" -days 365 -extfile "$T/ext.cnf" "${force[@]}" -out "$2" 2>>"$T/log"
}
# new_ukey NAME [app]: a skf-soft UKEY, blank or with an application JXCA
# holding the test PINs; prints its serial
new_ukey() {
  local s; s=$("$UTIL" init "$1" --label "$1") || return 1
  [ "${2:-}" = app ] && "$UTIL" app "$1" JXCA --admin-pin "$KX_TEST_SO_PIN" --user-pin "$KX_TEST_PIN" --retries 5
  echo "$s"
}
