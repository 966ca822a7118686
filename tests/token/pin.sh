#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# PIN change under the policy (length, one repeated digit, sequences, digits
# only) and PIN reset with the SO PIN on a fresh SoftHSM2 token; after each,
# pkcs11-tool logs in with the expected PIN and lists the same key pair and
# certificate ids, and the old PIN no longer works.
. "$KX_SOURCE/tests/token/lib.sh"
make_ca || { echo "cannot make the CA"; exit 1; }
L=ukey-pin
S=$(new_token $L)
id=$(tool keygen ec)
tool csr "$id" "Pin Test Co" "91360100MA35PIN01X" "Pin Test Co" > "$T/r.csr"
issue "$T/r.csr" "$T/r.pem"
tool install "$T/r.pem" kx-cert >/dev/null
expected=$(objects $L | awk '{print $1, $2}')
check "setup: cert and pair on the token" test "$(printf '%s\n' "$expected" | wc -l)" = 3

# change: every weak PIN refused, the token untouched
for weak in 1234 123456789 111111 123456 654321 98765 12a456 000000; do
  check "policy refuses $weak" \
    test "$(KX_TEST_NEW_PIN=$weak tool change-pin)" = "error KX_ERR_PIN_POLICY"
done
check "old PIN still works after refusals" p11 $L -O
check "wrong old PIN: KX_ERR_PIN_INCORRECT" \
  test "$(KX_TEST_PIN=999999 KX_TEST_NEW_PIN=285714 tool change-pin)" = "error KX_ERR_PIN_INCORRECT"
check "SoftHSM reports count_low after a wrong PIN" \
  sh -c "KX_TEST_PIN=999999 '$TOOL' --module $SOFTHSM login 2>/dev/null | grep -q '^flags.*count_low'"
check "good PIN change" env KX_TEST_NEW_PIN=285714 "$TOOL" --module "$SOFTHSM" change-pin
check "old PIN refused by pkcs11-tool" sh -c "! pkcs11-tool --module $SOFTHSM --token-label $L --login --pin $KX_TEST_PIN -O >/dev/null 2>&1"
export KX_TEST_PIN=285714
check "new PIN: pkcs11-tool lists the same ids" test "$(objects $L | awk '{print $1, $2}')" = "$expected"
check "new PIN: pair still verifies" tool verify "$id"
check "login with the new PIN clears count_low" sh -c "'$TOOL' --module $SOFTHSM login 2>/dev/null | grep -qx 'flags pin_set'"

# reset with the SO PIN (unlock)
check "wrong SO PIN: KX_ERR_PERMISSION" \
  test "$(KX_TEST_SO_PIN=87654321 KX_TEST_NEW_PIN=470258 tool reset-pin)" = "error KX_ERR_PERMISSION"
check "reset refuses a weak PIN" \
  test "$(KX_TEST_NEW_PIN=222222 tool reset-pin)" = "error KX_ERR_PIN_POLICY"
check "reset with the SO PIN" env KX_TEST_NEW_PIN=470258 "$TOOL" --module "$SOFTHSM" reset-pin
check "PIN before reset refused" sh -c "! pkcs11-tool --module $SOFTHSM --token-label $L --login --pin 285714 -O >/dev/null 2>&1"
export KX_TEST_PIN=470258
check "reset PIN: pkcs11-tool lists the same ids" test "$(objects $L | awk '{print $1, $2}')" = "$expected"
check "reset PIN: certificate still matches the key" cert_matches_token_key $L "$id" "$T/r.pem"
check "reset PIN: pair verifies" tool verify "$id"
finish
