#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The other services on an sm2-dual site with skf-soft UKEYs (the SKF
# back-end) and ra-sim's SM2 CA and KMC: PIN unlock (SKF_UnblockPIN with
# the admin PIN the RA releases), revocation with the UKEY (both
# certificates of the pair revoked, the SM2 CRL lists both), reissue onto a
# UKEY with the default PIN, card swap, change of details, renewal without
# the PIN. Each service starts kioskd afresh; the UKEYs' pairs are checked
# with tests/sm2/lib.sh (openssl, signature, decryption) and ra-sim's
# counters. KX_SERVICES (space-separated) selects services.
source "$(dirname "$0")/lib.sh"
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
page licence
sim_start --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1
services=${KX_SERVICES:-unlock revoke reissue swap change renew_nopin}
sm2_fresh() {
  admin POST /admin/counters/reset >/dev/null; rm -rf "$T/state"
  sm2_config </dev/null; kioskd_start && idcard_place
}
# the RA learns the UKEY's admin PIN (what the CA's UKEY records hold)
ra_knows_admin_pin() { admin POST /admin/tokens "{\"serial\":\"$(sm2_serial "$1")\",\"so_pin\":\"$SM2_SO_PIN\"}" >/dev/null; }
sign_serial_of() { # NAME: the signing serial of the UKEY's (first) pair
  local con; con=$(sm2_containers "$1" | awk 'NF == 5 {print $1; exit}')
  "$UTIL" cert "$1" JXCA "$con" sign 2>/dev/null | openssl x509 -noout -serial 2>/dev/null | cut -d= -f2 | tr A-F a-f
}
for svc in $services; do
case $svc in
unlock)
  sm2_ukey_with_pair u1 123456 || { bad "unlock: set-up"; continue; }
  ra_knows_admin_pin u1
  for _ in 1 2 3 4 5; do sm2_tool u1 000000 login >/dev/null; done
  check "unlock: the user PIN is locked" test "$("$UTIL" tries u1 JXCA | cut -d' ' -f2)" = 0/5
  sm2_fresh || continue
  run_segments unlock <<FLOW
send choose_service service=unlock
expect screen=cert_show
$LICENCE_AGENT
expect timeout=30 screen=pin_new
send new_pin pin=270513 repeat=270513
expect timeout=30 screen=done
send confirm
FLOW
  check "unlock: the RA released the admin PIN once" test "$(counter unlocks_released)" = 1
  check "unlock: the new PIN opens the UKEY" sm2_tool u1 270513 login
  check "unlock: all tries again" test "$("$UTIL" tries u1 JXCA | cut -d' ' -f2)" = 5/5
  check "unlock: nothing charged" test "$(counter orders_created)" = 0
  sm2_pair_checks u1 270513 unlock "$T/out-u1"
  kioskd_stop; "$UTIL" delete u1 ;;
revoke)
  sm2_ukey_with_pair v1 123456 || { bad "revoke: set-up"; continue; }
  s_sign=$(cat "$T/ukey-v1/serial")
  s_enc=$(openssl x509 -in "$T/ukey-v1/enc.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
  sm2_fresh || continue
  run_segments revoke <<FLOW
send choose_service service=revoke
expect screen=revoke_method
send choose value=ukey
expect timeout=10 screen=cert_show cert.serial=$s_sign
send confirm
expect screen=licence_place
page licence
send confirm
expect timeout=30 screen=company_confirm company.uscc=$CODE
send confirm
expect timeout=10 screen=agent_confirm
send confirm
page id_front
send confirm
expect timeout=30 screen=doc_review doc=agent_id_front
send confirm
page id_back
send confirm
expect timeout=30 screen=doc_review doc=agent_id_back
send confirm
expect timeout=30 screen=revoke_reason
send choose value=key_compromise
expect screen=contact
send contact phone=13800000000 email=""
expect timeout=30 screen=form_review
send confirm
send confirm
expect screen=revoke_confirm
send confirm
expect timeout=30 screen=done
send confirm
FLOW
  check "revoke: both certificates of the pair revoked" test "$(counter certs_revoked)" = 2
  ra GET /v1/crl/sm2 | jget crl > "$T/crl-sm2.pem"
  # (openssl 3.0's crl -verify uses an empty SM2 ID: the signature itself
  # is checked by the RA client's tests; here its algorithm and issuer)
  check "revoke: the SM2 CRL is signed SM2-with-SM3 by the SM2 CA" sh -c \
    "openssl crl -in '$T/crl-sm2.pem' -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3' &&
     [ \"\$(openssl crl -in '$T/crl-sm2.pem' -noout -issuer | cut -d= -f2-)\" = \"\$(openssl x509 -in '$T/sim/sm2-ca.pem' -noout -subject | cut -d= -f2-)\" ]"
  crl_has() { openssl crl -in "$T/crl-sm2.pem" -noout -text | tr A-Z a-z | tr -d ': ' | grep -q "serialnumber0*${1#0}"; }
  check "revoke: the SM2 CRL lists the signing certificate" crl_has "$s_sign"
  check "revoke: the SM2 CRL lists the encryption certificate" crl_has "$s_enc"
  kioskd_stop; "$UTIL" delete v1 ;;
reissue)
  sm2_blank x1
  sm2_fresh || continue
  run_segments reissue <<FLOW
$FLOW_REISSUE
send confirm
FLOW
  check "reissue: one pair" test "$(counter kmc_envelopes)" = 1
  sm2_pair_checks x1 270513 reissue "$T/out-x1"
  kioskd_stop; "$UTIL" delete x1 ;;
swap)
  sm2_ukey_with_pair s1 123456 || { bad "swap: set-up"; continue; }
  sm2_blank s2
  sm2_fresh || continue
  run_segments swap <<FLOW
$FLOW_SWAP
send confirm
FLOW
  check "swap: one pair" test "$(counter kmc_envelopes)" = 1
  sm2_pair_checks s2 270513 swap "$T/out-s2"
  check "swap: the old UKEY's pair is gone" test -z "$(sm2_containers s1)"
  check "swap: the RA names the new UKEY for the pair" test \
    "$(ra GET "/v1/certificates/$(sign_serial_of s2)" | jget token_serial)" = "$(sm2_serial s2)"
  kioskd_stop; "$UTIL" delete s1; "$UTIL" delete s2 ;;
change)
  sm2_ukey_with_pair c1 123456 || { bad "change: set-up"; continue; }
  old=$(cat "$T/ukey-c1/serial")
  sm2_fresh || continue
  run_segments change <<FLOW
$FLOW_CHANGE
send confirm
FLOW
  check "change: one pair" test "$(counter kmc_envelopes)" = 1
  sm2_pair_checks c1 123456 change "$T/out-c1"
  check "change: the UKEY holds the new pair only" test "$(sign_serial_of c1)" != "$old"
  kioskd_stop; "$UTIL" delete c1 ;;
renew_nopin)
  sm2_ukey_with_pair n1 123456 || { bad "renew_nopin: set-up"; continue; }
  ra_knows_admin_pin n1
  old=$(cat "$T/ukey-n1/serial")
  sm2_fresh || continue
  run_segments renew_nopin <<FLOW
$FLOW_RENEW_NOPIN
send confirm
FLOW
  check "renew_nopin: one pair renewed" test "$(counter kmc_envelopes)" = 1
  sm2_pair_checks n1 270513 renew_nopin "$T/out-n1"
  check "renew_nopin: a new signing serial" test "$(sign_serial_of n1)" != "$old"
  kioskd_stop; "$UTIL" delete n1 ;;
esac
done
finish
