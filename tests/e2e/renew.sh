#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Renewal with the PIN, end to end: kioskd drives the token driver on a
# SoftHSM2 UKEY holding a certificate issued by ra-sim and the RA over
# mutual TLS (payment through RA orders). The UKEY and its PIN are all the
# user brings (the CA's process, section 4): kioskd has no ID reader here
# and the flow asks for no contact details. Checks the screens, a wrong
# PIN, the RA's case (no agent, no ID number, no phone), and afterwards the
# token (pkcs11-tool: one certificate, the renewed one, with its key),
# openssl verify against ra-sim's CA, and ra-sim's counters (one order
# paid, one renewal, no refund).
source "$(dirname "$0")/lib.sh"
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert ukey1 123456 || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
old_serial=$(cat "$T/ukey-ukey1/serial")
kioskd_config <<CONF
[token]
module = $P11_MODULE
CONF
kioskd_start || exit 1
orders0=$(counter orders_paid)
flow_file renew-pin renew/pin_wrong_first.flow
check "one order paid" test "$(counter orders_paid)" = $((orders0+1))
# the case the kiosk opened names the certificate, not a person
case_id=$(sqlite3 "$T/state/journal.db" "SELECT case_id FROM sessions WHERE service='renew' ORDER BY created DESC, rowid DESC LIMIT 1")
check "the session has its RA case" test -n "$case_id"
check "the renew case carries no agent, no ID number, no phone, no e-mail" test \
  "$(sqlite3 "$T/sim/ra.db" "SELECT agent_name||'|'||agent_idnum||'|'||phone||'|'||email FROM cases WHERE id='$case_id'")" = "|||"
check "the renew case names the old certificate" test \
  "$(sqlite3 "$T/sim/ra.db" "SELECT old_serial FROM cases WHERE id='$case_id'")" = "$old_serial"
check "no refund" test "$(counter refunds)" = 0
check "one certificate renewed" test "$(counter certs_renewed)" = 1
check "the PIN is not in kioskd's log" bash -c "! grep -qE '654321|123456' '$T/kioskd.log'"
# the token: one certificate, the new one, with its key; the old one gone
check "the UKEY holds one certificate" test "$(ukey_certs ukey1)" = 1
objs=$(p11 --token-label ukey1 --login --pin 123456 -O 2>/dev/null)
check "no object left under the old CKA_ID 01" bash -c "! grep -qE 'ID: *01\$' <<<\"\$1\"" _ "$objs"
p11 --token-label ukey1 -O --type cert 2>/dev/null | awk '/ID:/ {print $2; exit}' > "$T/new.id"
p11 --token-label ukey1 --read-object --type cert --id "$(cat "$T/new.id")" -o "$T/new.der" >/dev/null 2>&1
openssl x509 -inform DER -in "$T/new.der" -out "$T/new.pem" 2>/dev/null
check "openssl verifies the renewed certificate against ra-sim's CA" openssl verify -CAfile "$T/sim/ca.pem" "$T/new.pem"
new_serial=$(openssl x509 -in "$T/new.pem" -noout -serial 2>/dev/null | cut -d= -f2 | tr A-F a-f)
check "a new serial" test -n "$new_serial" -a "$new_serial" != "$old_serial"
check "the credit code is in the subject" bash -c "openssl x509 -in '$T/new.pem' -noout -subject | grep -q 91110000600037341L"
check "the new key pair carries the final label" bash -c "grep -A3 'Private Key Object' <<<\"\$1\" | grep -q 'label: *kx-cert'" _ "$objs"
check "the journal has no open transaction" bash -c "! '$K' journal --open | grep -q '\"id\"'"
finish
