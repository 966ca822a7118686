#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The UKEY driver through the pkcs11-shim (tools/pkcs11-shim) on SoftHSM2:
# locked PIN, final try, wrong PIN, slow calls, a token that is gone, and a
# token pulled at every step of a renewal (keygen, CSR, install, verify,
# relabel, delete). Each pull ends with KX_ERR_TOKEN_REMOVED; after
# "re-insertion" the token still holds a certificate that verifies against
# its key, cleanup removes a pending pair that never got its certificate,
# and a retried commit finishes a renewal whose certificate was installed.
. "$KX_SOURCE/tests/token/lib.sh"
make_ca || { echo "cannot make the CA"; exit 1; }
L=ukey-shim
S=$(new_token $L)
CO="Shim Test Co" UC="91360100MA35SHIM0X"

# the first certificate, committed
cur=$(tool keygen ec)
tool csr "$cur" "$CO" "$UC" "$CO" > "$T/c0.csr"; issue "$T/c0.csr" "$T/c0.pem"
tool install "$T/c0.pem" kx-cert >/dev/null; tool relabel "$cur" kx-cert
check "setup: committed pair" test "$(objects $L | wc -l)" = 3

# ---- PIN states SoftHSM cannot produce
shim pin_locked
out=$(stool login)
check "locked: KX_ERR_PIN_LOCKED" sh -c "printf '%s' '$out' | grep -q 'error KX_ERR_PIN_LOCKED'"
check "locked: flag reported" sh -c "printf '%s' '$out' | grep -q '^flags.* locked'"
check "locked: kioskctl token info names the flag" sh -c \
  "'$CTL' token info --module '$SHIM' 2>/dev/null | grep -q '\"flags\":\[[^]]*\"pin_locked\"'"
check "locked: keygen impossible (not logged in)" \
  test "$(stool keygen ec | tail -1)" = "error KX_ERR_PIN_LOCKED"
shim pin_incorrect final_try count_low
out=$(stool login)
check "final try: KX_ERR_PIN_INCORRECT" sh -c "printf '%s' '$out' | grep -q 'error KX_ERR_PIN_INCORRECT'"
check "final try: count_low and final_try flags" sh -c "printf '%s' '$out' | grep -q '^flags count_low final_try'"
check "final try: kioskctl info" sh -c \
  "'$CTL' token info --module '$SHIM' 2>/dev/null | grep -q '\"pin_final_try\":true'"
shim ""
check "wrong PIN through the shim: KX_ERR_PIN_INCORRECT" \
  test "$(KX_TEST_PIN=135799 stool login | tail -1)" = "error KX_ERR_PIN_INCORRECT"
check "right PIN through the shim" stool login
shim "so_pin_incorrect"
check "SO PIN refused: KX_ERR_PERMISSION" \
  test "$(KX_TEST_NEW_PIN=470258 stool reset-pin)" = "error KX_ERR_PERMISSION"
# a counter of 3 tries: wrong, wrong (final try), wrong (locked), the right
# PIN refused while locked, the SO reset unlocks with a new PIN
shim "pin_tries 3"
out=$(KX_TEST_PIN=111222 stool login)
check "tries: first miss, count_low" test "$out" = "$(printf 'flags count_low pin_set\nerror KX_ERR_PIN_INCORRECT')"
out=$(KX_TEST_PIN=111222 stool login)
check "tries: second miss, final_try" test "$out" = "$(printf 'flags count_low final_try pin_set\nerror KX_ERR_PIN_INCORRECT')"
check "tries: kioskctl shows pin_final_try" sh -c \
  "'$CTL' token info --module '$SHIM' 2>/dev/null | jq -e '.pin_final_try and (.flags | index(\"pin_final_try\"))' >/dev/null"
out=$(KX_TEST_PIN=111222 stool login)
check "tries: third miss locks ($out)" sh -c "printf '%s' '$out' | grep -q 'error KX_ERR_PIN_LOCKED'"
check "tries: OpenSC's pkcs11-tool sees the lock through the shim" sh -c \
  "pkcs11-tool --module '$SHIM' -T 2>/dev/null | grep -q 'user PIN locked'"
check "tries: right PIN refused while locked" test "$(stool login | tail -1)" = "error KX_ERR_PIN_LOCKED"
check "tries: PIN change refused while locked" \
  test "$(KX_TEST_NEW_PIN=385027 stool change-pin)" = "error KX_ERR_PIN_LOCKED"
check "tries: SO reset unlocks" env KX_TEST_NEW_PIN=385027 "$TOOL" --module "$SHIM" reset-pin
check "tries: new PIN works, flags clear" test "$(KX_TEST_PIN=385027 stool login)" = "flags pin_set"
check "tries: pkcs11-tool logs in with the new PIN" sh -c \
  "pkcs11-tool --module $SOFTHSM --token-label $L --login --pin 385027 -O 2>/dev/null | grep -q 'ID: *$cur'"
KX_TEST_PIN=385027 KX_TEST_NEW_PIN=246810 stool change-pin >/dev/null
check "tries: PIN changed back" stool login
shim "delay C_Login 300"
t0=$(date +%s%N); stool login >/dev/null; t1=$(date +%s%N)
check "slow C_Login (300 ms delay)" test $(( (t1 - t0) / 1000000 )) -ge 300
shim pulled
check "pulled: kioskctl lists no token" sh -c \
  "'$CTL' token list --module '$SHIM' 2>/dev/null | grep -q '\"count\":0'"
check "pulled: open says absent" test "$(stool login | tail -1)" = "error KX_ERR_TOKEN_ABSENT"
shim ""
check "re-inserted: listed again" sh -c \
  "'$CTL' token list --module '$SHIM' 2>/dev/null | grep -q '\"serial\":\"$S\"'"
shim "fail C_FindObjects 1 CKR_TOKEN_NOT_PRESENT"
check "CKR_TOKEN_NOT_PRESENT: KX_ERR_TOKEN_REMOVED" test "$(stool verify "$cur")" = "error KX_ERR_TOKEN_REMOVED"
shim "fail C_Sign 1 CKR_DEVICE_ERROR"
check "device error: KX_ERR_TOKEN" test "$(stool verify "$cur")" = "error KX_ERR_TOKEN"

# pulled and re-inserted while the same process keeps the module loaded
shim "fail C_Sign 1 CKR_DEVICE_REMOVED pulled"
check "same process: verify fails while pulled, works after re-insertion" \
  test "$(stool replug "$cur")" = "$(printf 'before KX_ERR_TOKEN_REMOVED\nafter ok')"
shim "fail C_Login 1 CKR_DEVICE_REMOVED pulled"
check "pulled at login: KX_ERR_TOKEN_REMOVED" test "$(stool login | tail -1)" = "error KX_ERR_TOKEN_REMOVED"
shim "fail C_GetSlotList 1 CKR_GENERAL_ERROR"
check "module failure listing tokens: KX_ERR_TOKEN" test "$(stool login | tail -1)" = "error KX_ERR_TOKEN"
shim ""

# ---- pulled at every step of a renewal
pull() { shim "fail $1 $2 CKR_DEVICE_REMOVED pulled"; }
reinsert() { shim ""; }
# after_pull STEP EXPECT_CLEANUP WORKING_ID: the state after re-insertion
after_pull() {
  reinsert
  check "$1: a certificate still verifies through the shim" stool verify "$3"
  check "$1: cleanup removes $2 pair(s)" test "$(stool cleanup)" = "removed $2"
}
# only_pair ID: pkcs11-tool lists exactly one certificate and key pair, ID
only_pair() {
  test "$(objects $L | awk '{print $1, $2}')" = "$(printf 'Certificate %s\nPrivate %s\nPublic %s' "$1" "$1" "$1")"
}

pull C_GenerateKeyPair 1
check "keygen pulled: KX_ERR_TOKEN_REMOVED" test "$(stool keygen ec | tail -1)" = "error KX_ERR_TOKEN_REMOVED"
after_pull keygen 0 "$cur"
check "keygen: only the old pair (pkcs11-tool)" only_pair "$cur"

new=$(tool keygen ec)
pull C_Sign 1
check "csr pulled: KX_ERR_TOKEN_REMOVED" \
  test "$(stool csr "$new" "$CO" "$UC" "$CO" | tail -1)" = "error KX_ERR_TOKEN_REMOVED"
after_pull csr 1 "$cur"
check "csr: only the old pair (pkcs11-tool)" only_pair "$cur"

new=$(tool keygen rsa)
tool csr "$new" "$CO" "$UC" "$CO" > "$T/n.csr"; issue "$T/n.csr" "$T/n.pem"
pull C_CreateObject 1
check "install pulled: KX_ERR_TOKEN_REMOVED" \
  test "$(stool install "$T/n.pem" kx-pending)" = "error KX_ERR_TOKEN_REMOVED"
after_pull install 1 "$cur"
check "install: only the old pair (pkcs11-tool)" only_pair "$cur"
check "install: old certificate matches its key (openssl)" cert_matches_token_key $L "$cur" "$T/c0.pem"

# verify pulled: the certificate is on the token, the old pair too; the
# retried commit finishes the renewal
new=$(tool keygen ec)
tool csr "$new" "$CO" "$UC" "$CO" > "$T/v.csr"; issue "$T/v.csr" "$T/v.pem"
tool install "$T/v.pem" kx-pending >/dev/null
pull C_Sign 1
check "verify pulled: KX_ERR_TOKEN_REMOVED" \
  test "$(stool commit "$new" "$cur" kx-cert)" = "error KX_ERR_TOKEN_REMOVED"
after_pull verify 0 "$cur"
check "verify: old pair still labelled kx-cert" \
  test "$(objects $L | awk -v i="$cur" '$2 == i {print $3}' | sort -u)" = kx-cert
check "verify: retried commit" stool commit "$new" "$cur" kx-cert
check "verify: only the new pair after the retry" only_pair "$new"
check "verify: new certificate matches its key (openssl)" cert_matches_token_key $L "$new" "$T/v.pem"
cur=$new; curpem=$T/v.pem

# relabel pulled half-way (one object relabelled)
new=$(tool keygen ec)
tool csr "$new" "$CO" "$UC" "$CO" > "$T/l.csr"; issue "$T/l.csr" "$T/l.pem"
tool install "$T/l.pem" kx-pending >/dev/null
pull C_SetAttributeValue 2
check "relabel pulled: KX_ERR_TOKEN_REMOVED" \
  test "$(stool commit "$new" "$cur" kx-cert)" = "error KX_ERR_TOKEN_REMOVED"
after_pull relabel 0 "$cur"
check "relabel: old certificate matches its key (openssl)" cert_matches_token_key $L "$cur" "$curpem"
check "relabel: retried commit" stool commit "$new" "$cur" kx-cert
check "relabel: only the new pair, final label" test "$(objects $L | awk '{print $2, $3}' | sort -u)" = "$new kx-cert"
cur=$new; curpem=$T/l.pem

# delete pulled half-way: the new pair is committed and works; the retry
# removes what is left of the old one
new=$(tool keygen ec)
tool csr "$new" "$CO" "$UC" "$CO" > "$T/d.csr"; issue "$T/d.csr" "$T/d.pem"
tool install "$T/d.pem" kx-pending >/dev/null
pull C_DestroyObject 2
check "delete pulled: KX_ERR_TOKEN_REMOVED" \
  test "$(stool commit "$new" "$cur" kx-cert)" = "error KX_ERR_TOKEN_REMOVED"
after_pull delete 0 "$new"
no_cert() { ! objects $L | grep -q "^Certificate $1 "; }
check "delete: the old certificate went first" no_cert "$cur"
check "delete: old certificate gone, keys left" test "$(objects $L | grep -c " $cur ")" = 2
check "delete: retried commit" stool commit "$new" "$cur" kx-cert
check "delete: only the new pair" only_pair "$new"
check "delete: new certificate matches its key (openssl)" cert_matches_token_key $L "$new" "$T/d.pem"
finish
