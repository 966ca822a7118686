#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Key generation (EC P-256, RSA-2048), CSR, install and renewal on fresh
# SoftHSM2 tokens through the UKEY driver; after each step pkcs11-tool
# (OpenSC) lists the expected objects and ids, and the openssl CLI verifies
# the CSR, its subject and that the certificate carries the token's key.
# A certificate whose key is not on the token is refused (KX_ERR_MISMATCH);
# a renewal whose new pair does not verify keeps the old one.
. "$KX_SOURCE/tests/token/lib.sh"
make_ca || { echo "cannot make the CA"; exit 1; }
COMPANY="江西测试科技有限公司"
USCC="91360100MA35GXXX8Q"

for kt in ec rsa; do
  L=ukey-$kt
  S=$(new_token "$L")
  check "$kt: token made" test -n "$S"
  id1=$(tool --serial "$S" keygen $kt)
  check "$kt: keygen gives a 16-byte id" test "${#id1}" -eq 32
  check "$kt: pkcs11-tool sees the pending pair" \
    test "$(objects "$L")" = "$(printf 'Private %s kx-pending\nPublic %s kx-pending' "$id1" "$id1")"
  if [ $kt = ec ]; then
    check "$kt: EC P-256 key" sh -c "pkcs11-tool --module $SOFTHSM --token-label $L -O 2>/dev/null | grep -q 'EC_POINT 256 bits'"
  else
    check "$kt: RSA 2048 key" sh -c "pkcs11-tool --module $SOFTHSM --token-label $L -O 2>/dev/null | grep -q 'RSA 2048 bits'"
  fi
  tool --serial "$S" csr "$id1" "$COMPANY" "$USCC" "$COMPANY" > "$T/$kt.csr"
  check "$kt: CSR signature verifies (openssl req -verify)" \
    sh -c "openssl req -in $T/$kt.csr -noout -verify 2>&1 | grep -q 'verify OK'"
  subj=$(openssl req -in "$T/$kt.csr" -noout -subject -nameopt utf8,sep_comma_plus 2>/dev/null)
  check "$kt: CSR subject O and serialNumber ($subj)" \
    sh -c "printf '%s' '$subj' | grep -q 'O=$COMPANY' && printf '%s' '$subj' | grep -q 'serialNumber=$USCC' && printf '%s' '$subj' | grep -q 'C=CN'"
  check "$kt: CSR key is the token key" sh -c "
    pkcs11-tool --module $SOFTHSM --token-label $L --read-object --type pubkey --id $id1 -o $T/p.der 2>/dev/null >/dev/null &&
    openssl pkey -pubin -inform DER -in $T/p.der > $T/p1.pem && openssl req -in $T/$kt.csr -noout -pubkey > $T/p2.pem && cmp -s $T/p1.pem $T/p2.pem"

  issue "$T/$kt.csr" "$T/$kt.pem"
  got=$(tool --serial "$S" install "$T/$kt.pem" kx-cert)
  check "$kt: install goes beside the key ($got)" test "$got" = "$id1"
  check "$kt: pkcs11-tool lists cert and keys under one id" \
    test "$(objects "$L" | awk '{print $1, $2}')" = "$(printf 'Certificate %s\nPrivate %s\nPublic %s' "$id1" "$id1" "$id1")"
  check "$kt: certificate matches the token key (openssl)" cert_matches_token_key "$L" "$id1" "$T/$kt.pem"
  check "$kt: verify_pair" tool --serial "$S" verify "$id1"
  tool --serial "$S" relabel "$id1" kx-cert >/dev/null
  check "$kt: relabelled" test "$(objects "$L" | awk '{print $3}' | sort -u)" = kx-cert
  check "$kt: same install again is a no-op" test "$(tool --serial "$S" install "$T/$kt.pem" kx-cert)" = "$id1"
  check "$kt: still one certificate" test "$(objects "$L" | grep -c Certificate)" = 1

  # a certificate for a key that is not on the token
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=Other" \
    -keyout "$T/other.key" -out "$T/other.csr" 2>/dev/null
  issue "$T/other.csr" "$T/other.pem"
  before=$(objects "$L")
  check "$kt: foreign certificate refused with KX_ERR_MISMATCH" \
    test "$(tool --serial "$S" install "$T/other.pem" kx-cert)" = "error KX_ERR_MISMATCH"
  check "$kt: nothing written by the refused install" test "$(objects "$L")" = "$before"
  check "$kt: not PEM refused" test "$(tool --serial "$S" install "$T/$kt.csr" kx-cert)" = "error KX_ERR_BAD_FORMAT"

  # renewal: new pair beside the old, old deleted only at commit
  id2=$(tool --serial "$S" keygen $kt)
  tool --serial "$S" csr "$id2" "$COMPANY" "$USCC" "$COMPANY" > "$T/$kt-2.csr"
  issue "$T/$kt-2.csr" "$T/$kt-2.pem"
  check "$kt: renewal install" test "$(tool --serial "$S" install "$T/$kt-2.pem" kx-pending)" = "$id2"
  check "$kt: both pairs present before commit" test "$(objects "$L" | wc -l)" = 6
  check "$kt: cleanup keeps an installed pending pair" test "$(tool --serial "$S" cleanup)" = "removed 0"
  check "$kt: commit" tool --serial "$S" commit "$id2" "$id1" kx-cert
  check "$kt: only the new pair is left, final label" \
    test "$(objects "$L")" = "$(printf 'Certificate %s kx-cert\nPrivate %s kx-cert\nPublic %s kx-cert' "$id2" "$id2" "$id2")"
  check "$kt: new certificate matches its key (openssl)" cert_matches_token_key "$L" "$id2" "$T/$kt-2.pem"
  check "$kt: old id gone" test "$(tool --serial "$S" verify "$id1")" = "error KX_ERR_NOT_FOUND"

  # an abandoned keygen is removed by cleanup
  id3=$(tool --serial "$S" keygen $kt)
  check "$kt: cleanup removes the pending pair without certificate" test "$(tool --serial "$S" cleanup)" = "removed 1"
  check "$kt: pkcs11-tool no longer lists it" sh -c "! pkcs11-tool --module $SOFTHSM --token-label $L --login --pin $KX_TEST_PIN -O 2>/dev/null | grep -q $id3"
  check "$kt: the committed pair still verifies" tool --serial "$S" verify "$id2"
done

# a renewal whose new pair does not verify keeps the old one: the new id
# gets a certificate that is not its key's (written with pkcs11-tool)
S=$(softhsm2-util --show-slots | awk '/Serial number:/ { s = $3 } /Label: *ukey-ec/ { print s }')
old=$(objects ukey-ec | awk '/Certificate/ {print $2}')
bad=$(tool --serial "$S" keygen ec)
openssl x509 -in "$T/other.pem" -outform DER -out "$T/other.der"
pkcs11-tool --module "$SOFTHSM" --token-label ukey-ec --login --pin "$KX_TEST_PIN" \
  --write-object "$T/other.der" --type cert --id "$bad" >/dev/null 2>&1
check "bad new pair: commit refused (KX_ERR_MISMATCH)" \
  test "$(tool --serial "$S" commit "$bad" "$old" kx-cert)" = "error KX_ERR_MISMATCH"
check "bad new pair: old pair kept and verifies" tool --serial "$S" verify "$old"
check "bad new pair: old still labelled kx-cert" \
  test "$(objects ukey-ec | awk -v i="$old" '$2 == i {print $3}' | sort -u)" = kx-cert
# the wrappers' fault point fails a call without reaching the token
before=$(objects ukey-ec)
check "KX_FAULT_TOKEN=install:KX_ERR_TOKEN_FULL" \
  test "$(KX_FAULT_TOKEN=install:KX_ERR_TOKEN_FULL tool --serial "$S" install "$T/ec-2.pem" kx-cert)" = "error KX_ERR_TOKEN_FULL"
check "KX_FAULT_TOKEN=keygen (default: removed)" \
  test "$(KX_FAULT_TOKEN=keygen tool --serial "$S" keygen ec)" = "error KX_ERR_TOKEN_REMOVED"
check "faults wrote nothing" test "$(objects ukey-ec)" = "$before"
# contract additions on PKCS#11: SM2-only calls refused, named data as
# CKO_DATA objects, usage and tries where PKCS#11 has them
check "SM2 keygen on PKCS#11: KX_ERR_UNSUPPORTED" test "$(tool --serial "$S" keygen sm2)" = "error KX_ERR_UNSUPPORTED"
check "enveloped import on PKCS#11: KX_ERR_UNSUPPORTED" \
  test "$(tool --serial "$S" import-enc "$old" /etc/hostname)" = "error KX_ERR_UNSUPPORTED"
check "blank init on PKCS#11: KX_ERR_UNSUPPORTED" \
  test "$(KX_TEST_NEW_PIN=470258 tool --serial "$S" init-blank)" = "error KX_ERR_UNSUPPORTED"
check "login: no tries count from PKCS#11" test "$(tool --serial "$S" login)" = "flags pin_set"
check "certs: the PKCS#11 certificate is a signing one" \
  sh -c "'$TOOL' --module $SOFTHSM --serial $S certs 2>/dev/null | grep -q '^$old sign kx-cert EC P-256 1\$'"
head -c 2000 /dev/urandom > "$T/seal.bin"
check "write named data (CKO_DATA)" tool --serial "$S" write-data seal1 "$T/seal.bin"
check "pkcs11-tool sees a data object labelled seal1" \
  sh -c "pkcs11-tool --module $SOFTHSM --token-label ukey-ec -O 2>/dev/null | grep -A2 '^Data object' | grep -q \"label: *'seal1'\""
check "read it back" sh -c "'$TOOL' --module $SOFTHSM --serial $S read-data seal1 $T/seal.out 2>/dev/null && cmp -s $T/seal.bin $T/seal.out"
head -c 10 /dev/urandom > "$T/seal2.bin"
tool --serial "$S" write-data seal1 "$T/seal2.bin"
check "rewrite replaces: one data object, new content" \
  sh -c "test \$(pkcs11-tool --module $SOFTHSM --token-label ukey-ec -O 2>/dev/null | grep -c '^Data object') = 1 && '$TOOL' --module $SOFTHSM --serial $S read-data seal1 $T/seal.out 2>/dev/null && cmp -s $T/seal2.bin $T/seal.out"
check "missing data: KX_ERR_NOT_FOUND" test "$(tool --serial "$S" read-data nope "$T/x")" = "error KX_ERR_NOT_FOUND"
check "closing a second load of the module leaves the first working" tool --serial "$S" twice
check "...also through the shim (a module that wraps another)" stool --serial "$S" twice
finish
