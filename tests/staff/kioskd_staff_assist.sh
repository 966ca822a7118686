#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two staff features of assisted mode through a real kioskd and the real
# peers of tests/e2e/lib.sh (ra-sim over mutual TLS, SoftHSM2 behind the
# pkcs11-shim, idcard-sim on a pty):
#  - counter_paid: a renewal waits at the payment screen; staff record that
#    the customer paid at the counter. Refused without a login, when not in
#    [staff] allowed_actions, without a reason, with another amount (the
#    RA's amount_mismatch) and when no payment is awaited; the right amount
#    marks the RA's order paid (channel counter) and the session goes on to
#    the installed certificate as after a QR payment. Every attempt is a
#    staff_actions row and a counter_payment journal transaction; kioskd
#    killed right after the RA recorded the payment recovers by refunding
#    the order at the RA (the session did not finish).
#  - staff_login_token: a staff UKEY (SoftHSM token with a key and its
#    certificate, named by token_cert_sha256 and token_serial) logs in with
#    its PIN and a signature over a fresh challenge; a wrong token PIN
#    counts toward the member's lockout shared with the staff PIN; a token
#    PIN locked on the token is KX_ERR_PIN_LOCKED; a token holding a copy
#    of the certificate beside another key is refused (the signature does
#    not verify).
#  - no PIN in the log or the journal.
source "$KX_SOURCE/tests/e2e/lib.sh"
sim_start --validity-days 30 --auto-approve 0 || exit 1
idcard_start || exit 1
ukey_with_cert ukey1 123456 || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
STAFF_PIN=246813; TOKEN_PIN=719246; COPY_PIN=582047
H1=$(echo $STAFF_PIN | "$K" staff-hash | jget pin_hash)
SHIM="$B/tools/pkcs11-shim/libkx-pkcs11-shim.so"
export KX_SHIM_MODULE=$P11_MODULE KX_SHIM_CONTROL=$T/shim.ctl
: > "$KX_SHIM_CONTROL"

openssl ecparam -name prime256v1 -genkey -noout -out "$T/staff.key" 2>/dev/null
openssl req -x509 -new -key "$T/staff.key" -subj "/CN=Staff 2001" -days 30 -out "$T/staff.pem" 2>/dev/null
openssl x509 -in "$T/staff.pem" -outform DER -out "$T/staff.der"
# the fingerprint as openssl prints it (colons, upper case) is accepted
CERT_FP=$(openssl x509 -in "$T/staff.pem" -noout -fingerprint -sha256 | cut -d= -f2)
STAFF_SERIAL=none  # the staff token is made after the customer's renewal

staff_config() { # ALLOWED_ACTIONS
  kioskd_config <<CONF
[token]
module = $SHIM
[idcard]
device = $T/idcard
[staff]
max_failures = 3
lockout_seconds = 60
idle_seconds = 300
allowed_actions = $1
[staff:1001]
name = Wang Fang
role = staff
pin_hash = $H1
[staff:2001]
name = Token Holder
role = staff
pin_hash = $H1
token_cert_sha256 = $CERT_FP
token_serial = $STAFF_SERIAL
CONF
}
sql() { /usr/bin/python3 -c 'import sqlite3,sys; print("\n".join("|".join(map(str,r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$T/state/journal.db" "$1"; }
as_staff() { echo $STAFF_PIN | "$K" "$@" --staff 1001; }

# ---- permission: counter_paid not in allowed_actions ----
staff_config approve,reject,override,reset,manual_id
kioskd_start || exit 1
as_staff counter-paid --amount-fen 30000 --receipt R-1 --reason "paid in cash" >"$T/perm.out" 2>&1
check "counter_paid refused when not in allowed_actions" grep -q "counter_paid is not in \[staff\] allowed_actions" "$T/perm.out"
kioskd_stop

# ---- counter payment of a renewal waiting at the payment screen ----
staff_config approve,reject,override,reset,manual_id,retry,refund,counter_paid
kioskd_start || exit 1
"$K" counter-paid --amount-fen 30000 --receipt R-1 --reason "paid in cash" >"$T/nolog.out" 2>&1
check "counter_paid refused without a staff login" grep -q "no staff member is logged in" "$T/nolog.out"
as_staff counter-paid --amount-fen 30000 --receipt R-1 --reason "paid in cash" >"$T/idle.out" 2>&1
check "counter_paid refused with no payment awaited" grep -q "no customer session is waiting for payment" "$T/idle.out"
# the renewal takes the UKEY and its PIN only (no ID card, no contact)
flow_file renew-to-payment renew/pin_to_payment.flow
ORDER=$(sql "SELECT result FROM tx WHERE kind='order_create' AND status=1 ORDER BY id DESC LIMIT 1")
check "an RA order awaits payment" test -n "$ORDER"
check "a reason is required" bash -c "! echo $STAFF_PIN | '$K' counter-paid --amount-fen 30000 --receipt R-77 --staff 1001 >/dev/null 2>&1"
as_staff counter-paid --amount-fen 20000 --receipt R-77 --reason "paid in cash" >"$T/amount.out" 2>&1
check "another amount is refused by the RA" grep -q "amount_mismatch" "$T/amount.out"
check "the refusal names both amounts" grep -q "20000 is not the order's amount 30000" "$T/amount.out"
check "the order is still pending at the RA" test "$(ra GET "/v1/orders/$ORDER" | jget state)" = pending
check "the session still waits at the payment screen" bash -c "'$K' status | grep -q '\"screen\":\"payment\"'"
if as_staff counter-paid --amount-fen 30000 --receipt R-2026-0042 --method card --reason "card at the counter" >"$T/paid.json" 2>"$T/paid.err"; then ok; else bad "counter_paid with the right amount"; cat "$T/paid.err"; fi
check "the reply says channel counter" grep -q '"channel":"counter"' "$T/paid.json"
flow_file after-counter renew/done_home.flow
check "the RA's order is paid at the counter" test "$(ra GET "/v1/orders/$ORDER" | jget channel)" = counter
check "one counter payment at the RA" test "$(counter counter_payments)" = 1
check "the renewed certificate is on the UKEY" test "$(counter certs_renewed)" = 1
check "journal: the counter payment done, the refused one failed" \
  test "$(sql "SELECT status||' '||ref||' '||amount_fen FROM tx WHERE kind='counter_payment' ORDER BY id")" = "$(printf '2 %s 20000\n1 %s 30000' "$ORDER" "$ORDER")"
check "journal: the session ended done" test "$(sql "SELECT outcome FROM sessions ORDER BY created DESC, rowid DESC LIMIT 1")" = done
check "staff_actions: every counter_paid attempt with who, why and outcome" \
  test "$(sql "SELECT staff_id||' '||outcome||' '||reason FROM staff_actions WHERE action='counter_paid' ORDER BY id")" = "$(printf '1001 KX_ERR_STATE paid in cash\n1001 KX_ERR_RA_REJECTED paid in cash\n1001 ok card at the counter')"
check "staff_actions: the receipt and the order in the detail" \
  test "$(sql "SELECT count(*) FROM staff_actions WHERE action='counter_paid' AND outcome='ok' AND detail='order=$ORDER amount_fen=30000 method=card receipt=R-2026-0042' AND tx_id > 0")" = 1
as_staff counter-paid --amount-fen 30000 --receipt R-3 --reason "paid twice?" >"$T/after.out" 2>&1
check "no counter payment once the session is over" grep -q "no customer session is waiting for payment" "$T/after.out"
"$K" staff-logout >/dev/null
kioskd_stop

# ---- kioskd killed after the RA recorded the counter payment ----
# (KX_CRASH_AT: the journal holds the counter_payment intent, the RA's order
# is paid, the session did not finish: recovery refunds it at the RA)
softhsm2-util --delete-token --token ukey1 >/dev/null
ukey_with_cert ukey2 123456 || bad "set-up: second UKEY"
export KX_CRASH_AT=counter_payment:effect
kioskd_start || exit 1
unset KX_CRASH_AT
flow_file renew-to-payment-2 renew/pin_to_payment.flow
ORDER2=$(sql "SELECT result FROM tx WHERE kind='order_create' AND status=1 ORDER BY id DESC LIMIT 1")
as_staff counter-paid --amount-fen 30000 --receipt R-9 --reason "paid in cash" >/dev/null 2>&1
for _ in $(seq 50); do kill -0 "$KD_PID" 2>/dev/null || break; sleep 0.1; done
check "kioskd died at the crash point" bash -c "! kill -0 $KD_PID 2>/dev/null && grep -q 'engine.crash_point at=counter_payment:effect' '$T/kioskd.log'"
wait "$KD_PID" 2>/dev/null; KD_PID=
check "the RA recorded the counter payment before the crash" test "$(ra GET "/v1/orders/$ORDER2" | jget state)" = paid
kioskd_start || exit 1
for _ in $(seq 100); do [ "$(ra GET "/v1/orders/$ORDER2" | jget state)" = refunded ] && break; sleep 0.1; done
check "recovery refunded the counter-paid order at the RA" test "$(ra GET "/v1/orders/$ORDER2" | jget state)" = refunded
check "the refunded order still says it was paid at the counter" test "$(ra GET "/v1/orders/$ORDER2" | jget channel)" = counter
for _ in $(seq 50); do [ "$(sql "SELECT count(*) FROM tx WHERE status=0")" = 0 ] && break; sleep 0.1; done
check "recovery: no open transaction, the refund journaled once" \
  test "$(sql "SELECT (SELECT count(*) FROM tx WHERE status=0)||' '||(SELECT count(*) FROM tx WHERE kind='refund' AND status=1 AND ref='$ORDER2')")" = "0 1"
check "recovery: the counter payment is journaled as done (the RA recorded it)" \
  test "$(sql "SELECT status FROM tx WHERE kind='counter_payment' AND ref='$ORDER2'")" = 1
check "one refund at the RA" test "$(counter refunds)" = 1
kioskd_stop

# ---- staff UKEY login (SoftHSM2 sees new tokens at a fresh start) ----
staff_token staff1 $TOKEN_PIN "$T/staff.key" "$T/staff.der" || { bad "set-up: staff token"; finish; exit 1; }
STAFF_SERIAL=$(token_serial staff1)
sed -i "s/^token_serial = .*/token_serial = $STAFF_SERIAL/" "$T/k.conf"
kioskd_start || exit 1
if "$K" staff-login-token <<<"$TOKEN_PIN" >"$T/tok.json" 2>"$T/tok.err"; then ok; else bad "staff UKEY login"; cat "$T/tok.err"; fi
# assisted mode lasts as long as the connection that logged in (finding 1)
check "the UKEY's member is logged in" bash -c "printf 'request staff_login_token pin=%s\nexpect staff.id=2001\n' $TOKEN_PIN > '$T/s.flow'; '$K' run-flow '$T/s.flow' >/dev/null"
check "the login is journaled as a token login" \
  test "$(sql "SELECT outcome||' '||detail FROM staff_actions WHERE action='login' AND staff_id='2001' ORDER BY id DESC LIMIT 1")" = "ok method=token serial=$STAFF_SERIAL"
"$K" staff-logout >/dev/null
echo pin_locked > "$KX_SHIM_CONTROL"
"$K" staff-login-token <<<"$TOKEN_PIN" >"$T/locked.out" 2>&1
check "a token whose PIN is locked: KX_ERR_PIN_LOCKED" grep -q "permission: the staff UKEY's PIN is locked" "$T/locked.out"
check "the token's lock journaled" \
  test "$(sql "SELECT count(*) FROM staff_actions WHERE action='login' AND staff_id='2001' AND outcome='KX_ERR_PIN_LOCKED' AND detail='method=token serial=$STAFF_SERIAL'")" = 1
: > "$KX_SHIM_CONTROL"
"$K" staff-login-token <<<"000000" >"$T/wrong1.out" 2>&1
check "a wrong token PIN is refused" grep -q "wrong PIN of the staff UKEY" "$T/wrong1.out"
"$K" staff-login-token <<<"000000" >/dev/null 2>&1
# a PIN login of this UKEY-only member counts no failure (finding 7)
echo 000000 | "$K" staff-login --staff 2001 >/dev/null 2>&1
"$K" staff-login-token <<<"000000" >/dev/null 2>&1
"$K" staff-login-token <<<"$TOKEN_PIN" >"$T/lockout.out" 2>&1
check "three wrong token PINs lock the member out (right token PIN refused)" grep -q "locked out" "$T/lockout.out"
check "refused token logins journaled" \
  test "$(sql "SELECT count(*) FROM staff_actions WHERE action='login' AND staff_id='2001' AND outcome!='ok' AND detail LIKE 'method=token%'")" = 5
kioskd_stop

# ---- a copied certificate beside another key is not a staff UKEY ----
softhsm2-util --delete-token --token staff1 >/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/other.key" 2>/dev/null
staff_token staffcopy $COPY_PIN "$T/other.key" "$T/staff.der" || bad "set-up: copied token"
COPY_SERIAL=$(token_serial staffcopy)
rm -f "$T/state/staff.lockout"
# the copy even carries the right serial: only the signature tells
sed -i "s/^token_serial = .*/token_serial = $COPY_SERIAL/" "$T/k.conf"
kioskd_start || exit 1
"$K" staff-login-token <<<"$COPY_PIN" >"$T/copy.out" 2>&1
check "a copied certificate is refused" grep -q "signature does not verify" "$T/copy.out"
check "the forged login is journaled" \
  test "$(sql "SELECT outcome FROM staff_actions WHERE action='login' AND detail='method=token serial=$COPY_SERIAL'")" = KX_ERR_PERMISSION
check "no one is logged in after the forged login" bash -c "! '$K' staff-actions >/dev/null 2>&1"

# ---- privacy ----
for p in $STAFF_PIN $TOKEN_PIN $COPY_PIN 123456; do
  check "PIN $p absent from log and journal" bash -c "! grep -rqaF $p '$T/kioskd.log' '$T/state'"
done
finish
