#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `scripts/demo --token skf`: the hall of demo-hall.sh on an sm2-dual site.
# The UKEYs are skf-soft's (the software SKF library, tools/skf-soft) and the
# RA is ra-sim with its SM2 CA and KMC. Headless (kioskd driven through
# kioskctl run-flow, no front end): a renewal with the PIN of a UKEY that
# holds an SM2 pair, then a new issuance (licence, ID card, scans, seal
# sheet, payment) onto a UKEY with the default PIN. Checks both UKEYs'
# pairs (tests/sm2/lib.sh: openssl verify with the default SM2 user ID,
# SM2-with-SM3, key usages, a signature by the UKEY, a decryption by the
# imported key) and writes into demo-out/ the new UKEY's signing and
# encryption certificates and the SM2 CA's certificate (sm2-sign.pem,
# sm2-enc.pem, sm2-ca.pem; the renewed UKEY's as renewed-sm2-*.pem).
# Exits 0 when everything held. Called by scripts/demo (which builds
# first); needs KX_BUILD, KX_SOURCE.
set -uo pipefail
: "${KX_BUILD:?run scripts/demo --token skf}" "${KX_SOURCE:?run scripts/demo --token skf}"
OUT=${KX_DEMO_OUT:-$KX_SOURCE/demo-out}
rm -rf "$OUT"; mkdir -p "$OUT"
source "$KX_SOURCE/tests/sm2/lib.sh"
say() { printf '\033[1m== %s\033[0m\n' "$*"; }

say "RA: ra-sim with its SM2 CA and KMC (mutual TLS on 127.0.0.1)"
sim_start --auto-approve 2 --auto-pay 3 || exit 1
say "UKEY 'ukey-renew' (skf-soft): an SM2 pair for $CODE (PIN 123456)"
sm2_ukey_with_pair ukey-renew 123456 || { echo "set-up failed"; exit 1; }
old_serial=$(cat "$T/ukey-ukey-renew/serial")
say "UKEY 'ukey-blank' (skf-soft): as the CA hands it out (default PIN 12345678)"
sm2_blank ukey-blank || { echo "set-up failed"; exit 1; }
say "ID card reader: idcard-sim; scanner: SANE pnm with generated pages"
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
idcard_start || exit 1
sm2_config </dev/null
kioskd_start || exit 1
say "kioskd is up (sm2-dual, SKF back-end on $SKFLIB)"

say "Walk-through 1: renewal with the PIN (UKEY ukey-renew)"
flow renew <<FLOW
send choose_service service=renew
expect timeout=20 screen=cert_show cert.uscc=$CODE
send confirm
expect screen=pin_enter
send pin pin=123456
expect timeout=30 screen=agreement
send confirm
expect screen=fee_confirm
send confirm
expect timeout=60 screen=done
send confirm
expect timeout=20 screen=home
FLOW
sm2_pair_checks ukey-renew 123456 "renewed UKEY" "$T/renewed"
for c in sign enc; do cp "$T/renewed/sm2-$c.pem" "$OUT/renewed-sm2-$c.pem" 2>/dev/null; done
check "the renewed pair has a new signing serial" test \
  "$(openssl x509 -in "$T/renewed/sm2-sign.pem" -noout -serial 2>/dev/null | cut -d= -f2 | tr A-F a-f)" != "$old_serial"

say "Walk-through 2: new issuance onto UKEY ukey-blank"
idcard_place
FLOW_PIN_NEW_DONE=${FLOW_PIN_NEW_DONE//timeout=30/timeout=60}
if new_issuance_flow; then ok; else bad "new issuance: $(tail -1 "$T/seg.err")"; tail -5 "$T/kioskd.log"; fi
sm2_pair_checks ukey-blank 270513 "new UKEY" "$OUT"
cp "$T/sim/sm2-ca.pem" "$OUT/sm2-ca.pem"

say "Checks"
check "ra-sim: one renewal, no refund" test "$(counter certs_renewed)/$(counter refunds)" = 1/0
check "ra-sim: the KMC enveloped three key pairs (set-up, renewal, new)" test "$(counter kmc_envelopes)" = 3
check "demo-out has sm2-sign.pem, sm2-enc.pem, sm2-ca.pem" \
  test -s "$OUT/sm2-sign.pem" -a -s "$OUT/sm2-enc.pem" -a -s "$OUT/sm2-ca.pem"
check "the journal has no open transaction" bash -c "! '$K' journal --open | grep -q '\"id\"'"
say "Certificates: $OUT ($(ls "$OUT" | tr '\n' ' '))"
finish
