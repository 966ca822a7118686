#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SM2 dual certificates end to end on an sm2-dual site: kioskd with the SKF
# back-end on skf-soft UKEYs, ra-sim's SM2 CA and KMC over mutual TLS.
#  1. renewal with the PIN of a UKEY holding an SM2 pair: the certificate
#     screen's state names both certificates; a wrong PIN shows the tries
#     left; the new container replaces the old one;
#  2. new issuance onto a UKEY with the default PIN (the whole path: licence,
#     ID card, scans, seal sheet, payment, PIN, SM2 key, pair, envelope);
#  2b. new issuance onto a UKEY without any application (as some vendors
#     ship them): kioskd authenticates to the device, creates the
#     application with the site's admin PIN and the customer's PIN;
#  3. a UKEY library that does not load (missing, or not an SKF library):
#     an error screen and a failed self-test, kioskd alive; an sm2-dual
#     site on the PKCS#11 back-end: kioskd refuses to start.
# After 1 and 2 the UKEY's pair is checked (tests/sm2/lib.sh): openssl
# verify against the SM2 CA, SM2-with-SM3, key usages, a signature by the
# UKEY's key, a decryption by the imported key; ra-sim's counters (one
# order paid, no refund, the UKEY reported).
source "$(dirname "$0")/lib.sh"
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
sim_start --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1
sm2_ukey_with_pair ukey-r 123456 || { bad "set-up: a UKEY with an SM2 pair"; finish; exit 1; }
old_serial=$(cat "$T/ukey-ukey-r/serial")
old_con=$(sm2_containers ukey-r | awk '{print $1}')
old_enc=$(openssl x509 -in "$T/ukey-ukey-r/enc.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
sm2_config </dev/null
kioskd_start || exit 1
admin POST /admin/counters/reset >/dev/null

# ---- 1. renewal with the PIN ----
flow sm2-renew <<FLOW
send choose_service service=renew
expect timeout=20 screen=cert_show cert.uscc=$CODE cert.serial=$old_serial cert.enc_serial=$old_enc
send confirm
expect screen=pin_enter input.kind=pin
send pin pin=654321
expect screen=error error.name=KX_ERR_PIN_INCORRECT intents~retry
send retry
expect screen=pin_enter input.tries_left=4
send pin pin=123456
expect timeout=10 screen=agreement
send confirm
expect screen=fee_confirm
send confirm
expect timeout=30 screen=done
send confirm
expect screen=home
FLOW
check "renewal: one order paid" test "$(counter orders_paid)" = 1
check "renewal: no refund" test "$(counter refunds)" = 0
check "renewal: one pair renewed" test "$(counter certs_renewed)" = 1
check "renewal: the KMC enveloped one key pair" test "$(counter kmc_envelopes)" = 1
check "renewal: the old container is gone" bash -c "! '$UTIL' containers ukey-r JXCA | grep -q '^$old_con '"
sm2_pair_checks ukey-r 123456 renewal "$T/out-renew"
new_serial=$(openssl x509 -in "$T/out-renew/sm2-sign.pem" -noout -serial 2>/dev/null | cut -d= -f2 | tr A-F a-f)
check "renewal: a new signing serial" test -n "$new_serial" -a "$new_serial" != "$old_serial"
check "renewal: the user PIN has all its tries again" test "$("$UTIL" tries ukey-r JXCA | cut -d' ' -f2)" = 5/5
check "renewal: the RA knows the UKEY of the pair" test \
  "$(ra GET "/v1/certificates/$new_serial" | jget token_serial)" = "$(sm2_serial ukey-r)"
check "the PIN is not in kioskd's log" bash -c "! grep -qE '654321|123456' '$T/kioskd.log'"

# ---- 2. new issuance ----
admin POST /admin/counters/reset >/dev/null
sm2_blank ukey-n
idcard_place
new_issuance_flow && ok || { bad "new issuance flow"; cat "$T/seg.err"; tail -20 "$T/kioskd.log"; }
check "new: one order paid" test "$(counter orders_paid)" = 1
check "new: no refund" test "$(counter refunds)" = 0
check "new: the KMC enveloped one key pair" test "$(counter kmc_envelopes)" = 1
sm2_pair_checks ukey-n 270513 new "$T/out-new"
check "new: the customer's PIN replaced the default one" sm2_tool ukey-n 270513 login
check "the journal has no open transaction" bash -c "! '$K' journal --open | grep -q '\"id\"'"
check "no SM2 request left in the state directory" bash -c "! ls '$T/state'/sm2-*.req >/dev/null 2>&1"

# ---- 2b. new issuance onto a UKEY without any application ----
kioskd_stop
"$UTIL" delete ukey-n
SM2_ADMIN_PIN=$SM2_SO_PIN sm2_config </dev/null
kioskd_start || exit 1
admin POST /admin/counters/reset >/dev/null
"$UTIL" init ukey-e --label ukey-e >/dev/null
check "no application: the UKEY has none to start with" test -z "$(ls "$SKF_SOFT_DIR/ukey-e/apps")"
idcard_place
new_issuance_flow && ok || { bad "new issuance onto a UKEY without application"; cat "$T/seg.err"; tail -20 "$T/kioskd.log"; }
check "no application: one order paid, no refund" test "$(counter orders_paid)/$(counter refunds)" = 1/0
check "no application: kioskd created application JXCA" test -d "$SKF_SOFT_DIR/ukey-e/apps/JXCA"
sm2_pair_checks ukey-e 270513 "no application" "$T/out-empty"
check "no application: the user PIN is the customer's" sm2_tool ukey-e 270513 login
check "no application: the admin PIN is the site's (SKF_UnblockPIN accepts it)" \
  env KX_TEST_SO_PIN=$SM2_SO_PIN KX_TEST_NEW_PIN=470258 "$TOOL" --backend skf --module "$SKFLIB" --serial "$(sm2_serial ukey-e)" reset-pin
check "no application: the journal has no open transaction" bash -c "! '$K' journal --open | grep -q '\"id\"'"
check "no application: the log says the application was created" grep -q 'token.sm2_blank_init result=KX_OK' "$T/kioskd.log"
"$UTIL" delete ukey-e

# ---- 3. a UKEY library that does not answer ----
kioskd_stop
ADMIN_PIN=975310
hash=$(echo "$ADMIN_PIN" | "$K" staff-hash | sed -n 's/.*"pin_hash":"\([^"]*\)".*/\1/p')
SM2_SKFLIB=$T/no-such-libskf.so sm2_config <<CONF
[staff:9001]
name = Admin
role = admin
pin_hash = $hash
CONF
kioskd_start || exit 1
flow sm2-nolib <<'FLOW'
send choose_service service=renew
expect timeout=20 screen=error error.name=KX_ERR_TOKEN intents~cancel
send cancel
expect timeout=10 screen=cancelled
send confirm
FLOW
check "no library: kioskd is alive" "$K" status
sleep 0.5
echo "$ADMIN_PIN" | "$K" selftest token --staff 9001 > "$T/selftest.json" 2>>"$T/ctl.log"
check "no library: the maintenance self-test of the UKEY reader fails" \
  grep -q '"ok":false' "$T/selftest.json"
check "no library: the self-test says the library does not load" \
  grep -q 'cannot load SKF library' "$T/selftest.json"
# a library that loads but is no SKF library (a PKCS#11 module)
kioskd_stop
SM2_SKFLIB=$P11_MODULE sm2_config </dev/null
kioskd_start || exit 1
flow sm2-wronglib <<'FLOW'
send choose_service service=renew
expect timeout=20 screen=error error.name=KX_ERR_TOKEN
send cancel
FLOW
check "wrong library: kioskd is alive" "$K" status
check "wrong library: the log names the missing SKF function" grep -q 'token.load.*SKF_' "$T/kioskd.log"
# an sm2-dual site on the PKCS#11 back-end is refused at start, not after a payment
kioskd_stop
kioskd_config > /dev/null <<CONF
cert_profile = sm2-dual
[token]
module = $P11_MODULE
CONF
timeout 20 "$D" --config "$T/k.conf" > /dev/null 2> "$T/refused.log"; rc=$?
check "sm2-dual on PKCS#11: kioskd refuses to start ($rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "sm2-dual on PKCS#11: it says the back-end must be skf" grep -q 'need \[token\] backend = skf' "$T/refused.log"
finish
