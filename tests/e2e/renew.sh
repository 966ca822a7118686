#!/usr/bin/env bash
# Renewal with the PIN, end to end: kioskd drives the token driver on a
# SoftHSM2 UKEY holding a certificate issued by ra-sim, with the RA over
# mutual TLS. Checks the screens, a wrong PIN, and afterwards the token
# (pkcs11-tool) and the RA's counters.
source "$(dirname "$0")/lib.sh"
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert ukey1 123456 || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
old_serial=$(cat "$T/ukey-ukey1/serial")
idcard_start || exit 1
kioskd_config <<CONF
[token]
module = $P11_MODULE
[idcard]
device = $T/idcard
CONF
kioskd_start || exit 1
orders0=$(counter orders_paid)
flow renew-pin <<'FLOW'
send choose_service service=renew
expect screen=cert_show cert.uscc=91110000600037341L cert.company="Example Electronics Co., Ltd."
send confirm
expect screen=pin_enter input.kind=pin
send pin pin=654321
expect screen=error error.name=KX_ERR_PIN_INCORRECT intents~retry
send retry
expect screen=pin_enter
send pin pin=123456
expect screen=agent_confirm agent.idnum_masked=360***********0071 agent.age=35 agent.name=张三
send confirm
expect screen=contact input.kind=contact
send! contact phone=12345
send contact phone=13800000000 email=agent@example.com
expect screen=agreement
send confirm
expect screen=fee_confirm fee.fen=30000 fee.text=300.00
send confirm
expect timeout=30 screen=busy activity=generating_key
FLOW
# The token driver offers no signing call, so the RA's proof of possession
# (old key over the new CSR) cannot be made: renewal stops there, and the
# paid order must be refunded when the user cancels.
flow renew-stop <<'FLOW'
expect timeout=30 screen=error state=keygen error.name=KX_ERR_UNSUPPORTED intents~cancel
send cancel
expect timeout=30 screen=cancelled
send confirm
expect screen=home
FLOW
check "the order was paid" test "$(counter orders_paid)" = $((orders0+1))
check "and refunded" test "$(counter refunds)" = 1
check "no certificate renewed" test "$(counter certs_renewed)" = 0
check "the PIN is not in kioskd's log" bash -c "! grep -qE '654321|123456' '$T/kioskd.log'"
check "token still holds one certificate" test "$(ukey_certs ukey1)" = 1
finish
