#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Staff approval of a case goes through the RA (issue #9: "approve a case
# where the RA grants the kiosk's staff that right"), with a real kioskd
# and the real peers of tests/e2e/lib.sh (ra-sim over mutual TLS without
# auto-approve, SANE pnm, idcard-sim, SoftHSM2):
#  - a new issuance waits at review_wait; staff_approve needs a login;
#  - the RA does not grant this kiosk the right: refused, the case still
#    pending_review at the RA, the session back at review_wait with the
#    reason as its error, the action recorded with KX_ERR_PERMISSION and a
#    failed staff_approval transaction;
#  - the RA grants it (to the kiosk's certificate CN): the case approved at
#    the RA by "kiosk-staff:<kiosk>/<staff>", the session goes on through
#    the fee and the payment to the installed certificate;
#  - kioskd killed after the RA applied the approval (KX_CRASH_AT
#    staff_approval:effect): recovery closes the transaction from the RA's
#    case, nothing stays open;
#  - no PIN in the log or the journal.
source "$KX_SOURCE/tests/e2e/lib.sh"
CODE=91110000600037341L
KIOSK_CN=JXCA-KIOSK-0001   # CN of ra-sim's kiosk.pem: how the RA knows this kiosk
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
page licence
sim_start --auto-pay 0 || exit 1   # no --auto-approve: cases wait for review
idcard_start || exit 1
token_init blank 12345678
STAFF_PIN=246813
H1=$(echo $STAFF_PIN | "$K" staff-hash | jget pin_hash)
new_issuance_config
cat >> "$T/k.conf" <<CONF
[staff]
idle_seconds = 300
[staff:1001]
name = Wang Fang
role = staff
pin_hash = $H1
CONF

kioskd_start || exit 1
idcard_place
page licence
run_segments to-review <<<"$(flow_text staff/new_to_review)"
CASE=$(journal_sql "SELECT case_id FROM sessions ORDER BY created DESC, rowid DESC LIMIT 1")
check "the case waits for review at the RA" test "$(case_field "$CASE" state)" = pending_review

# ---- no login: refused before anything reaches the RA ----
flow_file nologin staff/approve_nologin.flow

# ---- the RA does not grant this kiosk's staff the right (its default) ----
# assisted mode belongs to the connection that logged in (finding 1)
flow_file refused staff/approve_refused.flow PIN="$STAFF_PIN"
check "the RA's case is still pending_review" test "$(case_field "$CASE" state)" = pending_review
check "the RA names no approver" test "$(case_field "$CASE" approved_by)" = ""
check "no staff approval counted at the RA" test "$(counter staff_approvals)" = 0
check "the session still waits at review_wait" bash -c "'$K' status | grep -q '\"state\":\"review_wait\"'"
check "staff_actions: the approve attempt with who, why and the RA's refusal" \
  test "$(journal_sql "SELECT staff_id||' '||outcome||' '||reason FROM staff_actions WHERE action='approve'")" = "1001 KX_ERR_PERMISSION documents checked at the counter"
check "staff_actions: linked to a failed staff_approval transaction naming the case" \
  test "$(journal_sql "SELECT count(*) FROM staff_actions a JOIN tx ON tx.id = a.tx_id WHERE a.action='approve' AND tx.kind='staff_approval' AND tx.status=2 AND tx.ref LIKE '$CASE/1001/%' AND a.detail LIKE '%case=$CASE%'")" = 1
check "the log says the RA refused" grep -q "ra.staff_approval .*case=$CASE staff=1001 result=KX_ERR_PERMISSION" "$T/kioskd.log"

# ---- the RA grants the right to this kiosk's certificate ----
admin POST /admin/settings "{\"staff_approval\":[\"$KIOSK_CN\"]}" >/dev/null || bad "grant the right at ra-sim"
flow_file approved staff/approve_granted.flow PIN="$STAFF_PIN"
check "the RA approved the case" test "$(case_field "$CASE" state)" = approved
check "the RA names the kiosk and the staff member" \
  test "$(case_field "$CASE" approved_by)" = "kiosk-staff:$KIOSK_CN/1001"
check "one staff approval, one order paid, one certificate at the RA" \
  test "$(counter staff_approvals) $(counter orders_paid) $(counter certs_issued)" = "1 1 1"
check "the certificate is on the UKEY" test "$(ukey_certs blank)" = 1
check "staff_actions: both approve attempts with their RA outcome" \
  test "$(journal_sql "SELECT staff_id||' '||outcome||' '||reason FROM staff_actions WHERE action='approve' ORDER BY id")" = "$(printf '1001 KX_ERR_PERMISSION documents checked at the counter\n1001 ok identity checked in person')"
check "journal: the staff_approval refused then done with the RA's approver" \
  test "$(journal_sql "SELECT status||' '||result FROM tx WHERE kind='staff_approval' ORDER BY id")" = "$(printf '2 \n1 kiosk-staff:%s/1001' "$KIOSK_CN")"
check "journal: the session ended done, nothing open" \
  test "$(journal_sql "SELECT outcome FROM sessions WHERE case_id='$CASE'") $(journal_sql "SELECT count(*) FROM tx WHERE status=0")" = "done 0"
kioskd_stop

# ---- kioskd killed after the RA applied the approval ----
export KX_CRASH_AT=staff_approval:effect
kioskd_start || exit 1
unset KX_CRASH_AT
idcard_place
page licence
run_segments to-review-2 <<<"$(flow_text staff/new_to_review)"
CASE2=$(journal_sql "SELECT case_id FROM sessions ORDER BY created DESC, rowid DESC LIMIT 1")
check "a second case waits for review" test "$CASE2" != "$CASE" -a "$(case_field "$CASE2" state)" = pending_review
printf 'request staff_login staff_id=1001 pin=%s\nsend staff_approve reason="crash test"\nsleep 2\n' $STAFF_PIN > "$T/crash.flow"
"$K" run-flow "$T/crash.flow" >/dev/null 2>&1
for _ in $(seq 50); do kill -0 "$KD_PID" 2>/dev/null || break; sleep 0.1; done
check "kioskd died at the crash point" bash -c "! kill -0 $KD_PID 2>/dev/null && grep -q 'engine.crash_point at=staff_approval:effect' '$T/kioskd.log'"
wait "$KD_PID" 2>/dev/null; KD_PID=
check "the RA approved before the crash" test "$(case_field "$CASE2" approved_by)" = "kiosk-staff:$KIOSK_CN/1001"
check "the staff_approval was left open" \
  test "$(journal_sql "SELECT count(*) FROM tx WHERE kind='staff_approval' AND status=0")" = 1
kioskd_start || exit 1
for _ in $(seq 100); do [ "$(journal_sql "SELECT count(*) FROM tx WHERE status=0")" = 0 ] && break; sleep 0.1; done
check "recovery: nothing open, the staff_approval done from the RA's case" \
  test "$(journal_sql "SELECT (SELECT count(*) FROM tx WHERE status=0)||' '||(SELECT status||' '||result FROM tx WHERE kind='staff_approval' ORDER BY id DESC LIMIT 1)")" = "0 1 kiosk-staff:$KIOSK_CN/1001"
check "recovery: the session is closed" \
  test "$(journal_sql "SELECT outcome FROM sessions WHERE case_id='$CASE2'")" = recovered
check "one more staff approval at the RA, nothing paid or issued" \
  test "$(counter staff_approvals) $(counter orders_paid) $(counter certs_issued)" = "2 1 1"
kioskd_stop

for p in $STAFF_PIN 270513; do
  check "PIN $p absent from log and journal" bash -c "! grep -rqaF $p '$T/kioskd.log' '$T/state'"
done
finish
