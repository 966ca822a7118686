#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# printer_cups.sh - the printer driver against a real, private cupsd on a
# loopback port (cupsd-lib.sh), through `kioskctl print`:
#   - every document printed to a file: queue comes back as a PDF whose text
#     (pdftotext) has the company, the masked credit code, the amounts, the
#     case number, Chinese and English; by queue name and by IPP URI;
#   - faults map to clear states, never block, and leave no job behind:
#     queue stopped or refusing jobs (offline), a job that never finishes
#     (job-stuck, cancelled after the bound), paper out, cover open and a
#     jam reported by the printer's backend (printer-state-reasons), the
#     queue removed (not-found), no print server (unreachable);
#   - the fault point KX_FAULT_PRINTER.
set -euo pipefail
KX_BUILD=${KX_BUILD:?}
KX_SOURCE=${KX_SOURCE:?}
. "$KX_SOURCE/tests/lib/check.sh"
. "$KX_SOURCE/tests/printer/cupsd-lib.sh"
ctl="$KX_BUILD/kiosk/ctl/kioskctl"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (a private cupsd)"
command -v cupsd >/dev/null || skip "cupsd missing (Debian package cups)"
# cairo 1.16 leaks inside cairo_surface_finish (tests/docs/lsan.supp)
export LSAN_OPTIONS="suppressions=$KX_SOURCE/tests/docs/lsan.supp"

tmp=$(mktemp -d)
chmod 755 "$tmp" # cupsd runs filters and backends as lp
trap 'cupsd_stop; rm -rf "$tmp"' EXIT
cupsd_start "$tmp/cups"
out=$tmp/cups/out
cupsd_file_queue receipt "$out/receipt.pdf"
cupsd_test_queue kx "$out/kx"

# json FIELD < JSON: a top-level or "print" field of kioskctl's answer
json() { /usr/bin/python3 -c '
import json, sys
o = json.loads(sys.stdin.read()); k = sys.argv[1]
v = o.get("print", {}).get(k, o.get(k)) if isinstance(o.get("print"), dict) else o.get(k)
print(json.dumps(v) if isinstance(v, (bool, type(None))) else v)' "$1"; }
jobs_left() { lpstat -o "$1" 2>/dev/null | wc -l; }

receipt_args=(--company 江西测试科技有限公司 --credit-code 91360100MA35XYZ123
  --case-no JX20261207-0042 --service new --amount-fen 30000 --channel qr
  --order ORD-7731 --serial 4F2A99C1 --valid-from 2026-12-07 --valid-to 2027-12-06
  --qr https://ra.example/invoice/ORD-7731 --invoice --hall 江西省数字证书有限公司办证大厅
  --hall-phone 0791-82097407 --kiosk NC-01)

# ---- documents printed and read back ----------------------------------
printed() { # DOC ARGS... : print on the file queue, echo the job's text
  local doc=$1
  shift
  rm -f "$out/receipt.pdf"
  local r
  r=$("$ctl" print "$doc" --queue receipt --server "$CUPSD_SERVER" "$@" 2>"$tmp/err") ||
    { echo "print $doc failed: $r $(cat "$tmp/err")" >&2; return 1; }
  [ "$(echo "$r" | json rc)" = KX_OK ] || { echo "print $doc: $r" >&2; return 1; }
  [ -s "$out/receipt.pdf" ] || { echo "print $doc: nothing came out" >&2; return 1; }
  pdftotext -layout "$out/receipt.pdf" - | tr -s ' '
}

if text=$(printed receipt "${receipt_args[@]}"); then
  ok
  for want in 受理回执 江西测试科技有限公司 "913***********Z123" JX20261207-0042 "¥300.00" \
    ORD-7731 4F2A99C1 扫码支付 0791-82097407; do
    check "zh receipt shows $want" grep -qF -- "$want" <<<"$text"
  done
  check "the full credit code is not printed" bash -c '! grep -q 91360100MA35XYZ123 <<<"$1"' _ "$text"
else
  bad "zh receipt printed"
fi
if text=$(printed receipt "${receipt_args[@]}" --lang en --paper a4); then
  for want in "Acceptance receipt" "CNY 300.00" "QR code payment" "Certificate serial" \
    江西测试科技有限公司 "913***********Z123"; do
    check "en receipt shows $want" grep -qF -- "$want" <<<"$text"
  done
else
  bad "en receipt printed"
fi
if text=$(printed receipt --company 测试公司 --case-no JX-9 --service renew --amount-fen 30000 \
  --channel counter --order ORD-9 --refund-fen 30000 --refund-ref RF-5521 --lang en); then
  for want in "Payment refunded" "Refunded amount" RF-5521 "Paid at the counter"; do
    check "refund receipt shows $want" grep -qF -- "$want" <<<"$text"
  done
else
  bad "refund receipt printed"
fi
if text=$(printed form --company 江西测试科技有限公司 --address 南昌市红谷滩新区卧龙路1000号 \
  --credit-code 91360100MA35XYZ123 --agent-name 李小明 --agent-id 360102199003070071 \
  --phone 0791-82097407 --email li@example.cn --service change --date 2026-12-07); then
  for want in 数字证书单位用户申请表 91360100MA35XYZ123 李小明 "■变更" 本单位在此郑重声明; do
    check "form shows $want" grep -qF -- "$want" <<<"$text"
  done
else
  bad "application form printed"
fi
if text=$(printed letter --agent-name 王芳 --sex female --mobile 13812345678 \
  --agent-id 36010219900307008X --company 江西测试科技有限公司 --service new \
  --from 2026-12-07 --to 2027-01-06); then
  for want in 法人授权委托书 王芳 13812345678 新制; do
    check "letter shows $want" grep -qF -- "$want" <<<"$text"
  done
else
  bad "letter printed"
fi
if text=$(printed letter --blank); then
  check "blank letter" grep -qF 法人授权委托书 <<<"$text"
else
  bad "blank letter printed"
fi
if text=$(printed sealsheet); then
  check "seal sheet" grep -qF 企业电子签章采集表 <<<"$text"
else
  bad "seal sheet printed"
fi
if text=$(printed testpage --kiosk NC-01 --lang en); then
  check "test page" grep -qF "Printer test page" <<<"$text"
  check "test page Chinese sample" grep -qF 中文样张 <<<"$text"
else
  bad "test page printed"
fi
printf '{"result":{"date":"2026-12-07","sessions":[{"service":"new","outcome":"done","count":3}],"paid_orders":3,"taken_fen":90000,"refunded_fen":0,"journal_refunds":0,"reconciled":true,"mismatches":0}}' >"$tmp/summary.json"
if text=$(printed summary --summary "$tmp/summary.json"); then
  check "summary" grep -qF 每日汇总 <<<"$text"
  check "summary money" grep -qF "¥900.00" <<<"$text"
else
  bad "summary printed"
fi

# by IPP URI, without the queue name
rm -f "$out/receipt.pdf"
r=$("$ctl" print testpage --uri "ipp://127.0.0.1:$CUPSD_PORT/printers/receipt" 2>/dev/null) || true
check "print by IPP URI" test "$(echo "$r" | json rc)" = KX_OK
check "IPP URI job came out" test -s "$out/receipt.pdf"

# through cupsd's local socket, as a hall PC's kioskd would
rm -f "$out/receipt.pdf"
r=$("$ctl" print letter --blank --queue receipt --server "$tmp/cups/cups.sock" 2>/dev/null) || true
check "print over the local socket" test "$(echo "$r" | json rc)" = KX_OK
check "socket job came out" test -s "$out/receipt.pdf"

# status of a healthy queue
r=$("$ctl" print status --queue receipt --server "$CUPSD_SERVER" 2>/dev/null) || true
check "status ready" test "$(echo "$r" | json state)" = ready
check "status accepting" test "$(echo "$r" | json accepting)" = true

# the backend queue works when the printer is fine
r=$("$ctl" print testpage --queue kx --server "$CUPSD_SERVER" 2>/dev/null) || true
check "kxtest printer prints" test "$(echo "$r" | json rc)" = KX_OK
check "kxtest job came out" bash -c 'compgen -G "$1/job-*.pdf" >/dev/null' _ "$out/kx"

# ---- faults -----------------------------------------------------------
# print_fault QUEUE EXPECT_RC EXPECT_STATE MAX_MS [ARGS...]: MAX_MS bounds the
# time the driver spent (its "ms"; process start and rendering, slow on a
# loaded machine under the sanitizers, are not the driver's)
print_fault() {
  local q=$1 want_rc=$2 want_state=$3 max_ms=$4
  shift 4
  local r code=0
  r=$("$ctl" print "${DOC:-letter}" --queue "$q" --server "${SERVER:-$CUPSD_SERVER}" "$@" \
    2>/dev/null) ||
    code=$?
  local ms
  ms=$(echo "$r" | json ms 2>/dev/null || echo 999999)
  check "$q: exit 1 ($r)" test "$code" = 1
  check "$q: rc $want_rc ($r)" test "$(echo "$r" | json rc)" = "$want_rc"
  check "$q: state $want_state ($r)" test "$(echo "$r" | json state)" = "$want_state"
  check "$q: bounded ($ms ms <= $max_ms)" test "$ms" -le "$max_ms"
  LAST=$r
}

# queue stopped: refused before a job exists (a blank letter; the test
# page goes through the maintenance self-test)
cupsdisable receipt
print_fault receipt KX_ERR_STATE offline 6000 --blank
DOC=testpage print_fault receipt KX_ERR_STATE offline 6000
check "stopped queue: no job queued" test "$(jobs_left receipt)" = 0
r=$("$ctl" print status --queue receipt --server "$CUPSD_SERVER" 2>/dev/null) || true
check "stopped queue: status offline" test "$(echo "$r" | json state)" = offline
check "stopped queue: staff advice" grep -q '"advice"' <<<"$r"
cupsenable receipt
# queue refusing jobs
cupsreject receipt
print_fault receipt KX_ERR_STATE offline 6000 --blank
cupsaccept receipt

# a job that never finishes: cancelled after the bound, nothing left
echo hang >"$out/kx/mode"
print_fault kx KX_ERR_TIMEOUT job-stuck 9000 --blank --timeout-s 2
check "stuck job cancelled" test "$(echo "$LAST" | json cancelled)" = true
sleep 0.5
check "stuck job: queue empty" test "$(jobs_left kx)" = 0
# --keep leaves it queued for staff
print_fault kx KX_ERR_TIMEOUT job-stuck 9000 --blank --timeout-s 1 --keep
check "kept job stays" test "$(jobs_left kx)" = 1
cancel -a kx 2>/dev/null || true

# printer reports: paper out, cover open, jam (printer-state-reasons)
for fault in "paper paper-out media-empty" "cover cover-open cover-open" "jam paper-jam media-jam"; do
  set -- $fault
  lpadmin -p "kx$1" -v "kxtest:$out/kx$1" -E 2>/dev/null
  mkdir -p "$out/kx$1" && chmod 777 "$out/kx$1" && echo "$1" >"$out/kx$1/mode"
  print_fault "kx$1" KX_ERR_STATE "$2" 12000 --blank --timeout-s 8
  check "kx$1: job cancelled" test "$(echo "$LAST" | json cancelled)" = true
  check "kx$1: reason reported" grep -q "reasons\":\"[^\"]*$3" <<<"$LAST"
done

# the queue removed
lpadmin -x kx
print_fault kx KX_ERR_NOT_FOUND not-found 6000 --blank
r=$("$ctl" print status --queue kx --server "$CUPSD_SERVER" 2>/dev/null) || true
check "removed queue: status not-found" test "$(echo "$r" | json state)" = not-found

# no print server at all
SERVER=127.0.0.1:1 print_fault receipt KX_ERR_NETWORK unreachable 6000 --blank
SERVER=127.0.0.1:1 DOC=testpage print_fault receipt KX_ERR_NETWORK unreachable 6000

# a print server that accepts the connection and never answers: bounded by
# the request timeout (5 s by default)
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept())
' >"$tmp/silent.port" &
silent_pid=$!
for _ in $(seq 1 50); do [ -s "$tmp/silent.port" ] && break; sleep 0.1; done
SERVER=127.0.0.1:$(cat "$tmp/silent.port") print_fault receipt KX_ERR_NETWORK unreachable 6000 --blank
kill "$silent_pid" 2>/dev/null || true
wait "$silent_pid" 2>/dev/null || true

# fault point: no job reaches the printer
rm -f "$out/receipt.pdf"
r=$(KX_FAULT_PRINTER=print:cover-open "$ctl" print testpage --queue receipt \
  --server "$CUPSD_SERVER" 2>/dev/null) || true
check "fault point: state" test "$(echo "$r" | json state)" = cover-open
check "fault point: nothing printed" test ! -e "$out/receipt.pdf"

# bad input
code=0
"$ctl" print receipt --out "$tmp/x.pdf" --case-no 1 >/dev/null 2>&1 || code=$?
check "receipt without company: usage" test "$code" = 2
code=0
"$ctl" print testpage >/dev/null 2>&1 || code=$?
check "no destination: usage" test "$code" = 2

finish
