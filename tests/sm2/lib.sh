# SPDX-License-Identifier: MIT
# tests/sm2/lib.sh - shared by the SM2 end-to-end tests and the demo's SKF
# walk: skf-soft UKEYs in this test's scratch directory, a kioskd
# configured for an sm2-dual site (the SKF back-end on libskf-soft.so), a
# UKEY holding an SM2 pair issued by ra-sim, and the checks that read a
# UKEY's pair back (openssl verify with the default SM2 user ID, key
# usages, a signature by the token's key, a decryption by the imported
# encryption key through skf-soft). Sourced; sources tests/lib/flows.sh.
source "${KX_SOURCE:?}/tests/lib/flows.sh"
SKFLIB="$B/tools/skf-soft/libskf-soft.so"
UTIL="$S/tools/skf-soft/skf-soft-util"
TOOL="$B/tests/token/token_tool"
PROBE="$B/tests/token/skf_probe"
export SKF_SOFT_DIR="$T/ukeys" SKF_SOFT_FAULTS="$T/skf.faults"
mkdir -p "$SKF_SOFT_DIR"; : > "$SKF_SOFT_FAULTS"
SM2ID=distid:1234567812345678
SM2_SO_PIN=13572468
CODE=${CODE:-91110000600037341L}
COMPANY="Example Electronics Co., Ltd."

sm2_serial() { sed -n 's/^serial=//p' "$SKF_SOFT_DIR/$1/dev.conf"; }
# a UKEY as the CA hands it out: application JXCA, the default user PIN
sm2_blank() { # NAME
  "$UTIL" init "$1" --label "$1" >/dev/null &&
    "$UTIL" app "$1" JXCA --admin-pin "$SM2_SO_PIN" --user-pin 12345678 --default-pin --retries 5 >/dev/null
}
# token_tool on UKEY NAME with PIN
sm2_tool() { # NAME PIN ARGS...
  local s; s=$(sm2_serial "$1"); local pin=$2; shift 2
  KX_TEST_PIN=$pin "$TOOL" --backend skf --module "$SKFLIB" --serial "$s" "$@" 2>>"$T/tool.log"
}
# kioskd for an sm2-dual site with the new-issuance peers; extra lines on
# stdin; SM2_ADMIN_PIN set: [token] skf_admin_pin (UKEYs without application)
sm2_config() {
  local extra; extra=$(cat)
  kioskd_config <<CONF
cert_profile = sm2-dual
[token]
backend = skf
skf_library = ${SM2_SKFLIB:-$SKFLIB}
skf_application = JXCA
${SM2_ADMIN_PIN:+skf_admin_pin = $SM2_ADMIN_PIN}
[idcard]
device = $T/idcard
[scanner]
backend = sane
device = pnm:0
resolution = 150
options = filename=$T/page.ppm
$extra
CONF
}
# a UKEY holding an SM2 pair that ra-sim issued (case of profile sm2-dual,
# approved and paid through the admin API), in container kx-cert
sm2_ukey_with_pair() { # NAME PIN
  local name=$1 pin=$2 d="$T/ukey-$1" c o id
  mkdir -p "$d"
  "$UTIL" init "$name" --label "$name" >/dev/null &&
    "$UTIL" app "$name" JXCA --admin-pin "$SM2_SO_PIN" --user-pin "$pin" --retries 5 >/dev/null || return 1
  id=$(sm2_tool "$name" "$pin" keygen sm2) || return 1
  sm2_tool "$name" "$pin" csr "$id" "$COMPANY" "$CODE" "$COMPANY" > "$d/csr.pem" || return 1
  local agreed; agreed=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)
  c=$(ra POST /v1/cases "{\"service\":\"new\",\"credit_code\":\"$CODE\",\"company_name\":\"$COMPANY\",\"agent\":{\"name\":\"Set Up\",\"id_number\":\"360426199101010071\"},\"phone\":\"13800000000\",\"email\":\"\",\"agreement_accepted_at\":\"$agreed\",\"cert_profile\":\"sm2-dual\"}" | jget case_id) || return 1
  ra POST "/v1/cases/$c/submit" '{}' >/dev/null || return 1
  admin POST "/admin/cases/$c/approve" >/dev/null || true
  o=$(ra POST "/v1/cases/$c/orders" '{}' | jget order_id) || return 1
  admin POST "/admin/orders/$o/pay" >/dev/null || true
  /usr/bin/python3 -c 'import json,sys; print(json.dumps({"csr": open(sys.argv[1]).read()}))' "$d/csr.pem" > "$d/csr.json"
  ra POST "/v1/cases/$c/certificate" "@$d/csr.json" > "$d/reply.json" || return 1
  /usr/bin/python3 - "$d" <<'PY' || return 1
import base64, json, sys
d = sys.argv[1]
r = json.load(open(d + "/reply.json"))
open(d + "/sign.pem", "w").write(r["certificate"])
open(d + "/enc.pem", "w").write(r["encryption"]["certificate"])
open(d + "/env.bin", "wb").write(base64.b64decode(r["enveloped_key"]))
PY
  [ "$(sm2_tool "$name" "$pin" install "$d/sign.pem" kx-cert)" = "$id" ] &&
    sm2_tool "$name" "$pin" import-enc "$id" "$d/env.bin" >/dev/null &&
    [ "$(sm2_tool "$name" "$pin" install "$d/enc.pem" kx-cert)" = "$id" ] || return 1
  openssl x509 -in "$d/sign.pem" -noout -serial | cut -d= -f2 | tr A-F a-f > "$d/serial"
}
# containers on a UKEY: "NAME sign-key sign-cer enc-key enc-cer" lines
sm2_containers() { "$UTIL" containers "$1" JXCA; }
# sm2_pair_checks NAME PIN WHAT OUTDIR: the UKEY's one container holds a
# pair that openssl accepts, whose keys sign and decrypt; certificates
# saved as OUTDIR/sm2-sign.pem, sm2-enc.pem (counted checks)
sm2_pair_checks() {
  local name=$1 pin=$2 what=$3 out=$4 con id
  mkdir -p "$out"
  check "$what: one container with both key pairs and both certificates" \
    test "$(sm2_containers "$name" | awk '{print NF}' | tr '\n' ' ')" = "5 "
  con=$(sm2_containers "$name" | awk '{print $1; exit}')
  "$UTIL" cert "$name" JXCA "$con" sign > "$out/sm2-sign.pem" 2>>"$T/tool.log"
  "$UTIL" cert "$name" JXCA "$con" enc > "$out/sm2-enc.pem" 2>>"$T/tool.log"
  local ca="$T/sim/sm2-ca.pem" c
  for c in sign enc; do
    check "$what: openssl verify accepts the $c certificate against the SM2 CA (default ID)" \
      sh -c "openssl verify -vfyopt $SM2ID -CAfile '$ca' '$out/sm2-$c.pem' 2>&1 | grep -q ': OK'"
    check "$what: the $c certificate is signed SM2-with-SM3" \
      sh -c "openssl x509 -in '$out/sm2-$c.pem' -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3'"
    check "$what: the $c certificate's key is SM2" \
      sh -c "openssl x509 -in '$out/sm2-$c.pem' -noout -text | grep -q 'ASN1 OID: SM2'"
  done
  check "$what: signing key usage digitalSignature, nonRepudiation" sh -c \
    "openssl x509 -in '$out/sm2-sign.pem' -noout -ext keyUsage | grep -qx ' *Digital Signature, Non Repudiation'"
  check "$what: encryption key usage keyEncipherment, dataEncipherment, keyAgreement" sh -c \
    "openssl x509 -in '$out/sm2-enc.pem' -noout -ext keyUsage | grep -qx ' *Key Encipherment, Data Encipherment, Key Agreement'"
  check "$what: the credit code is in the subject" sh -c "openssl x509 -in '$out/sm2-sign.pem' -noout -subject | grep -q '$CODE'"
  # the token's signing key signs; openssl verifies with the certificate
  id=$(sm2_tool "$name" "$pin" certs | awk '$2 == "sign" {print $1; exit}')
  printf 'SM2 end-to-end %s %s\n' "$name" "$RANDOM" > "$T/msg"
  openssl x509 -in "$out/sm2-sign.pem" -noout -pubkey > "$T/sign.pub"
  check "$what: the UKEY signs a message" sm2_tool "$name" "$pin" sign "$id" "$T/msg" "$T/msg.sig"
  check "$what: openssl pkeyutl -verify (SM2, SM3, default ID) accepts the UKEY's signature" sh -c \
    "openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt $SM2ID -pubin -inkey '$T/sign.pub' -in '$T/msg' -sigfile '$T/msg.sig' 2>&1 | grep -q 'Verified Successfully'"
  # a session key openssl seals to the encryption certificate is unwrapped
  # by the imported key inside skf-soft (SKF_ImportSessionKey) and used
  local key block=00112233445566778899aabbccddeeff want got
  key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%b' "$(printf '%s' "$key" | sed 's/../\\x&/g')" > "$T/key.bin"
  openssl x509 -in "$out/sm2-enc.pem" -noout -pubkey > "$T/enc.pub"
  openssl pkeyutl -encrypt -pubin -inkey "$T/enc.pub" -in "$T/key.bin" -out "$T/wrapped.der" 2>>"$T/tool.log"
  want=$(printf '%b' "$(printf '%s' "$block" | sed 's/../\\x&/g')" | openssl enc -sm4-ecb -K "$key" -nopad | od -An -v -tx1 | tr -d ' \n')
  got=$(KX_TEST_PIN=$pin "$PROBE" "$SKFLIB" "$name" JXCA "$con" "$T/wrapped.der" "$block" 2>>"$T/tool.log")
  check "$what: the imported encryption key decrypts what openssl pkeyutl -encrypt sealed to the certificate" \
    test -n "$got" -a "$got" = "$want"
}
# the state kioskd publishes now, asked as the screen (tests/security's
# raw protocol client), one JSON line
state_now() {
  echo '{"type":"request","cmd":"state"}' |
    /usr/bin/python3 "$S/tests/security/kxclient.py" "$T/k.sock" script ui | grep '"result"'
}
