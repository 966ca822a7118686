#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A staff UKEY left in the reader is never taken for a customer's UKEY
# (jobs_token.c token_is_staff), also when the certificate on it is not
# the one configured (renewed since): its serial is a member's configured
# token_serial. A customer's renewal waits at the UKEY screen while only
# the staff UKEY is in and says in the log that it skipped it; with the
# customer's UKEY in too (SoftHSM shows tokens made before kioskd starts:
# kioskd is restarted) the session reads the customer's.
source "$KX_SOURCE/tests/lib/flows.sh"
sim_start --auto-approve 1 --auto-pay 1 || exit 1
openssl ecparam -name prime256v1 -genkey -noout -out "$T/staff.key" 2>/dev/null
openssl req -x509 -new -key "$T/staff.key" -subj /CN=staff-1001 -days 30 -outform DER \
  -out "$T/staff.der" 2>/dev/null
staff_token staff1 112233 "$T/staff.key" "$T/staff.der" || { bad "set-up: staff token"; finish; exit 1; }
SERIAL=$(token_serial staff1)
[ -n "$SERIAL" ] || { bad "set-up: the staff token's serial"; finish; exit 1; }
# the member's configured certificate is another one (reissued): only
# the serial tells that this token is a staff UKEY
OTHER_FP=$(printf 'a renewed certificate' | sha256sum | cut -d' ' -f1)
kioskd_config <<CONF
[token]
module = $P11_MODULE
[staff:1001]
name = Wang Fang
role = staff
token_cert_sha256 = $OTHER_FP
token_serial = $SERIAL
CONF
KX_LOG_LEVEL=debug kioskd_start || exit 1
flow wait-at-ukey <<'FLOW'
send choose_service service=renew
expect timeout=20 screen=ukey_insert
FLOW
skipped() { grep -q "token.staff_ukey_skipped.*serial=$SERIAL" "$T/kioskd.log"; }
wait_skipped() { for _ in $(seq 400); do skipped && return 0; sleep 0.05; done; return 1; }
check "kioskd recognised the staff UKEY by its configured serial" wait_skipped
check "the renewal still waits for the customer's UKEY" \
  bash -c "'$K' status | grep -q '\"screen\": *\"ukey_insert\"'"
flow leave <<'FLOW'
send cancel
expect screen=cancelled
send confirm
expect screen=home
FLOW
kioskd_stop
ukey_with_cert cust1 123456 || bad "set-up: the customer's UKEY"
kioskd_start || exit 1
flow customer-ukey <<'FLOW'
send choose_service service=renew
expect timeout=30 screen=cert_show
send cancel
expect screen=cancelled
send confirm
expect screen=home
FLOW
CUST=$(token_serial cust1)
check "the session took the customer's UKEY, not the staff UKEY" \
  test "$(journal_sql 'SELECT token_serial FROM sessions ORDER BY rowid DESC LIMIT 1')" = "$CUST"
finish
