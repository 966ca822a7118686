#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# receipts.sh - printing end to end: kioskd against ra-sim, a SoftHSM2
# UKEY and a private cupsd on loopback (tests/printer/cupsd-lib.sh, the
# kxtest backend writes each job to $T/prn/job-N.pdf), read back with
# pdftotext:
#   - a paid renewal prints its receipt (受理回执) at the done screen: the
#     hall, its telephone, the company, the masked credit code (never the
#     full one), the case number, the amount, the order number, the new
#     certificate's serial; the state says "printed" and offers print_again;
#   - a refunded session (the RA fails the renewal, the customer cancels,
#     the kiosk refunds) prints a receipt with the refund's reference;
#   - the queue stopped: the renewal still ends done (certificate renewed,
#     order paid, no refund), the state says "failed" with advice, and
#     print_again prints it once the queue is restarted; staff's reprint
#     request prints the last receipt again;
#   - the maintenance self-test prints a test page; the day's summary prints;
#   - at the seal-sheet and authorisation-letter steps of a new issuance,
#     print_form prints 附件3 and 附件2 filled with the agent and company;
#   - without a printer, the done screen offers the e-invoice link as a QR.
source "${KX_SOURCE:?}/tests/lib/flows.sh"
source "$S/tests/printer/cupsd-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a private cupsd)"; exit 77; }
command -v cupsd >/dev/null || { echo "SKIP: cupsd missing (Debian package cups)"; exit 77; }
# cairo 1.16 leaks inside cairo_surface_finish (tests/docs/lsan.supp)
export LSAN_OPTIONS="suppressions=$S/tests/docs/lsan.supp"
trap 'cupsd_stop; e2e_cleanup_more; e2e_cleanup' EXIT
PRN=$T/prn
CODE=91110000600037341L

sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
cupsd_start "$T/cups" || exit 1
cupsd_test_queue receipt "$PRN"
ukey_with_cert u1 123456 || { bad "set-up: certificate on the UKEY"; finish; exit 1; }

# kioskd's configuration: the peers, the hall, the printer ($1: on|off)
print_config() {
  local printer=$1 extra=${2:-}
  {
    printf '[token]\nmodule = %s\n%s\n' "$P11_MODULE" "$extra"
    printf '[printer]\n'
    if [ "$printer" = on ]; then
      printf 'queue = receipt\nserver = %s\npaper = roll80\ntimeout_s = 10\n' "$CUPSD_SERVER"
    else
      printf 'enabled = false\n'
    fi
    printf 'status_url = https://ra.example.invalid/status/{case}\n'
  } | kioskd_config
  sed -i "/^\[kiosk\]/a site = hall-provincial\nsites_file = $S/config/sites.conf" "$T/k.conf"
}
jobs_now() { ls "$PRN"/job-*.pdf 2>/dev/null | wc -l; }
last_job() { ls -t "$PRN"/job-*.pdf 2>/dev/null | head -1; }
# wait until N jobs have arrived; the newest job's text into FILE
wait_job() { # N FILE
  local i
  for i in $(seq 100); do [ "$(jobs_now)" -ge "$1" ] && break; sleep 0.1; done
  [ "$(jobs_now)" -ge "$1" ] || return 1
  sleep 0.2
  pdftotext -layout "$(last_job)" "$2" 2>/dev/null
}
has() { grep -qF -- "$2" "$1"; } # FILE TEXT
sql() { journal_sql "$1"; }

RENEW_TO_FEE='send choose_service service=renew
expect timeout=10 screen=cert_show
send confirm
expect screen=pin_enter
send pin pin=123456
expect timeout=10 screen=agreement
send confirm
expect timeout=10 screen=fee_confirm
send confirm'

print_config on
kioskd_start || exit 1

# ---- 1. a paid renewal: the receipt ----
flow paid <<FLOW
$RENEW_TO_FEE
expect timeout=40 screen=done
expect timeout=20 screen=done print.receipt=printed intents~print_again
FLOW
wait_job 1 "$T/paid.txt" || bad "paid: no job reached the printer"
case_id=$(sql "SELECT case_id FROM sessions WHERE service='renew' ORDER BY created DESC, rowid DESC LIMIT 1")
order_id=$(ra GET "/v1/cases/$case_id" | /usr/bin/python3 -c 'import sys,json; print(json.load(sys.stdin).get("order_id") or "")' 2>/dev/null)
[ -n "$order_id" ] || order_id=$(sql "SELECT result FROM tx WHERE kind='order_create' ORDER BY id DESC LIMIT 1")
serial=$(sql "SELECT result FROM tx WHERE kind='ra_renew' AND status=1 ORDER BY id DESC LIMIT 1")
check "paid: the receipt names the hall" has "$T/paid.txt" "江西省数字证书有限公司办证大厅"
check "paid: the hall's telephone" has "$T/paid.txt" "0791-82097407"
check "paid: the company" has "$T/paid.txt" "Example Electronics Co., Ltd."
check "paid: the credit code masked" has "$T/paid.txt" "911***********341L"
check "paid: never the full credit code" bash -c "! grep -q '$CODE' '$T/paid.txt'"
check "paid: the case number ($case_id)" has "$T/paid.txt" "$case_id"
check "paid: the amount" has "$T/paid.txt" "300.00"
check "paid: the order number ($order_id)" has "$T/paid.txt" "$order_id"
check "paid: the new certificate's serial" bash -c "tr -d ' \n' < '$T/paid.txt' | grep -qi -- '$serial'"
check "paid: the kiosk" has "$T/paid.txt" "KIOSK-E2E"
flow paid-home <<'FLOW'
send confirm
expect screen=home
FLOW
check "paid: one job, none left queued" test "$(lpstat -o receipt 2>/dev/null | wc -l)" = 0

# ---- 2. a refunded session ----
admin POST /admin/faults '{"spec":"cert_renew=error:503*inf"}' >/dev/null
refunds0=$(counter refunds)
n=$(jobs_now)
flow refund <<FLOW
$RENEW_TO_FEE
expect timeout=60 screen=error intents~cancel
send cancel
expect timeout=40 screen=cancelled
expect timeout=20 screen=cancelled print.receipt=printed
send confirm
expect screen=home
FLOW
admin DELETE /admin/faults >/dev/null
check "refund: the RA refunded once" test "$(counter refunds)" = $((refunds0 + 1))
wait_job $((n + 1)) "$T/refund.txt" || bad "refund: no job reached the printer"
rcase=$(sql "SELECT case_id FROM sessions WHERE service='renew' ORDER BY created DESC, rowid DESC LIMIT 1")
rorder=$(sql "SELECT result FROM tx WHERE kind='order_create' AND session=(SELECT id FROM sessions WHERE case_id='$rcase') LIMIT 1")
refund_id=$(ra GET "/v1/orders/$rorder" | jget refund_id)
check "refund: the refund's reference ($refund_id)" bash -c "[ -n '$refund_id' ] && grep -qF -- '$refund_id' '$T/refund.txt'"
check "refund: the case number" has "$T/refund.txt" "$rcase"
check "refund: the masked credit code" has "$T/refund.txt" "911***********341L"

# ---- 3. the printer stopped: done all the same, then print again ----
cupsdisable receipt
renewed0=$(counter certs_renewed)
n=$(jobs_now)
flow stopped <<FLOW
$RENEW_TO_FEE
expect timeout=40 screen=done
expect timeout=30 screen=done print.receipt=failed intents~print_again
FLOW
check "stopped: the certificate was renewed" test "$(counter certs_renewed)" = $((renewed0 + 1))
check "stopped: no refund" test "$(counter refunds)" = $((refunds0 + 1))
check "stopped: nothing printed" test "$(jobs_now)" = "$n"
scase=$(sql "SELECT case_id FROM sessions WHERE service='renew' ORDER BY created DESC, rowid DESC LIMIT 1")
check "stopped: the session ended done" test "$(sql "SELECT outcome FROM sessions WHERE case_id='$scase'")" = done
cupsenable receipt
flow again <<'FLOW'
send print_again
expect timeout=20 screen=done print.receipt=printed
send confirm
expect screen=home
FLOW
wait_job $((n + 1)) "$T/again.txt" || bad "again: no job after the queue was restarted"
check "again: the reprint is this session's receipt" has "$T/again.txt" "$scase"

# ---- 4. staff: reprint; maintenance: test page, summary ----
n=$(jobs_now)
"$K" reprint > "$T/reprint.json" 2>&1 || bad "staff reprint: $(cat "$T/reprint.json")"
wait_job $((n + 1)) "$T/reprint.txt" || bad "staff reprint: no job"
check "staff reprint: the last receipt" has "$T/reprint.txt" "$scase"
check "staff reprint: recorded" test "$(sql "SELECT count(*) FROM staff_actions WHERE action='reprint'")" -ge 1
n=$(jobs_now)
"$K" selftest printer > "$T/selftest.json" 2>&1
check "self-test: the printer is ready" grep -q '"state": *"ready"' "$T/selftest.json"
check "self-test: a printer card beside the devices" grep -q '"device": *"printer"' "$T/selftest.json"
wait_job $((n + 1)) "$T/testpage.txt" || bad "self-test: no test page"
check "self-test: the test page names the queue" has "$T/testpage.txt" "receipt"
n=$(jobs_now)
"$K" summary --print > "$T/summary.json" 2>&1 || bad "summary --print: $(cat "$T/summary.json")"
wait_job $((n + 1)) "$T/summary.txt" || bad "summary: not printed"
check "summary: the day's date" has "$T/summary.txt" "$(date +%Y-%m-%d)"
kioskd_stop

# ---- 5. no printer: the receipt's link on the screen ----
print_config off
kioskd_start || exit 1
n=$(jobs_now)
flow qr <<FLOW
$RENEW_TO_FEE
expect timeout=40 screen=done
expect timeout=20 screen=done print.receipt=on_screen print.qr_invoice=true
FLOW
# the link shown: the paid order's e-invoice, as the RA gave it
qcase=$(sql "SELECT case_id FROM sessions WHERE service='renew' ORDER BY created DESC, rowid DESC LIMIT 1")
qorder=$(sql "SELECT result FROM tx WHERE kind='order_create' AND session=(SELECT id FROM sessions WHERE case_id='$qcase') LIMIT 1")
shown=$(state_now | /usr/bin/python3 -c 'import sys,json; print(json.load(sys.stdin)["print"]["qr"])')
check "no printer: the QR is the order's e-invoice link" test "$shown" = "$(ra GET "/v1/orders/$qorder" | jget invoice_url)"
flow qr-home <<'FLOW'
send confirm
expect screen=home
FLOW
check "no printer: nothing printed" test "$(jobs_now)" = "$n"
kioskd_stop
softhsm2-util --delete-token --token u1 >/dev/null 2>&1

# ---- 6. the blank forms at their steps of a new issuance ----
new_issuance_setup "$CODE" || { bad "forms: document set-up"; finish; exit 1; }
idcard_start || exit 1
token_init b1 12345678
print_config on "[idcard]
device = $T/idcard
[scanner]
backend = sane
device = pnm:0
resolution = 150
options = filename=$T/page.ppm"
kioskd_start || exit 1
idcard_place
n=$(jobs_now)
run_segments forms <<'FLOW'
page licence
send choose_service service=new
expect screen=licence_place
send confirm
expect timeout=30 screen=company_confirm
send confirm
expect timeout=10 screen=agent_confirm
send confirm
expect screen=doc_place doc=agent_id_front
page id_front
send confirm
expect timeout=30 screen=doc_review
send confirm
expect screen=doc_place doc=agent_id_back
page id_back
send confirm
expect timeout=30 screen=doc_review
send confirm
expect screen=contact
send contact phone=13800000000 email=""
expect timeout=30 screen=form_review
send confirm
send confirm
expect screen=seal_place intents~print_form print.form_doc=seal_sheet
send print_form
expect timeout=20 screen=seal_place print.form=printed
page seal_ok
send confirm
expect timeout=30 screen=seal_review state=seal_review
send confirm
expect screen=doc_place doc=auth_letter intents~print_form print.form_doc=auth_letter
send print_form
expect timeout=20 screen=doc_place print.form=printed
send cancel
expect screen=cancelled
FLOW
wait_job $((n + 2)) "$T/letter.txt" || bad "forms: two forms not printed"
first=$(ls -tr "$PRN"/job-*.pdf | tail -2 | head -1)
pdftotext -layout "$first" "$T/sheet.txt" 2>/dev/null
check "forms: the seal sheet (附件3)" has "$T/sheet.txt" "附件3"
check "forms: the letter (附件2)" has "$T/letter.txt" "附件2"
check "forms: the letter names the agent" has "$T/letter.txt" "张三"
company=$(ra GET "/v1/enterprises/$CODE" | jget name)
check "forms: the letter names the company ($company)" has "$T/letter.txt" "$company"
check "forms: the letter carries the ID number" has "$T/letter.txt" "360426199101010071"
check "forms: no receipt for a session without payment" test "$(jobs_now)" = $((n + 2))
finish
