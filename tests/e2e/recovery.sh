#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Recovery against a real ra-sim: kioskd finds sessions a crash left open in
# its journal and finishes or compensates them with the journaled
# idempotency keys. The journal rows are the ones kioskd writes before each
# side effect (kiosk/engine/jobs.c); the RA side is set up through the real
# API with the same keys, as if kioskd had sent them before dying.
#   A: order created and paid, outcome journaled        -> refunded once
#   B: order_create intent open, the RA made the order  -> replayed, cancelled
#   C: order_create intent open, never reached the RA   -> nothing charged
#   D: paid, RA issued, install never happened, no UKEY -> stays open for
#      staff (the RA refuses refunds once a certificate exists)
#   and a second restart changes nothing (no double refund).
source "$(dirname "$0")/lib.sh"
sim_start || exit 1
kioskd_config </dev/null
kioskd_start || exit 1; kioskd_stop   # creates the journal
J="$T/state/journal.db"
now=$(date +%s)
agreed=$(date -u -d @$((now-60)) +%Y-%m-%dT%H:%M:%SZ)
new_case() { # KEY -> case id (submitted and approved)
  local c
  c=$(curl -sf --cacert "$T/sim/ca.pem" --cert "$T/sim/kiosk.pem" --key "$T/sim/kiosk.key" \
      -H "Idempotency-Key: $1" -H 'Content-Type: application/json' -X POST \
      "https://127.0.0.1:$(cat "$T/sim.port")/v1/cases" \
      -d "{\"service\":\"new\",\"credit_code\":\"91110000600037341L\",\"company_name\":\"Example Electronics Co., Ltd.\",\"agent\":{\"name\":\"Test Agent\",\"id_number\":\"360426199101010071\"},\"phone\":\"13800000000\",\"email\":\"\",\"agreement_accepted_at\":\"$agreed\"}" |
      /usr/bin/python3 -c 'import sys,json; print(json.load(sys.stdin)["case_id"])')
  ra POST "/v1/cases/$c/submit" '{}' >/dev/null
  admin POST "/admin/cases/$c/approve" >/dev/null
  echo "$c"
}
order_with_key() { # CASE KEY -> order id
  curl -sf --cacert "$T/sim/ca.pem" --cert "$T/sim/kiosk.pem" --key "$T/sim/kiosk.key" \
    -H "Idempotency-Key: $2" -H 'Content-Type: application/json' -X POST \
    "https://127.0.0.1:$(cat "$T/sim.port")/v1/cases/$1/orders" -d '{}' |
    /usr/bin/python3 -c 'import sys,json; print(json.load(sys.stdin)["order_id"])'
}
sql() { sqlite3 "$J" "$1"; }
session() { # ID CASE ORDER
  sql "INSERT INTO sessions(id, service, case_id, order_id, created) VALUES('$1','new','$2','$3',$now)"
}
tx() { # SESSION KIND KEY REF STATUS RESULT AMOUNT
  sql "INSERT INTO tx(session, kind, idem_key, ref, status, result, amount_fen, created, updated) VALUES('$1','$2','$3','$4',$5,'$6',$7,$now,$now)"
}

# A: paid, outcome journaled
cA=$(new_case caseA); oA=$(order_with_key "$cA" keyA)
admin POST "/admin/orders/$oA/pay" >/dev/null
session SA "$cA" "$oA"; tx SA order_create keyA "$cA" 1 "$oA" 30000
# B: the RA made the order, kioskd died before journaling the outcome
cB=$(new_case caseB); oB=$(order_with_key "$cB" keyB)
session SB "$cB" ""; tx SB order_create keyB "$cB" 0 "" 30000
# C: the intent was journaled, the request never left
cC=$(new_case caseC)
session SC "$cC" ""; tx SC order_create keyC "$cC" 0 "" 30000
# D: paid and issued, install never journaled, the UKEY is gone
cD=$(new_case caseD); oD=$(order_with_key "$cD" keyD)
admin POST "/admin/orders/$oD/pay" >/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/d.key" 2>/dev/null
openssl req -new -key "$T/d.key" -subj /CN=x -out "$T/d.csr" 2>/dev/null
csr=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"csr": open(sys.argv[1]).read()}))' "$T/d.csr")
curl -sf --cacert "$T/sim/ca.pem" --cert "$T/sim/kiosk.pem" --key "$T/sim/kiosk.key" \
  -H "Idempotency-Key: keyDissue" -H 'Content-Type: application/json' -X POST \
  "https://127.0.0.1:$(cat "$T/sim.port")/v1/cases/$cD/certificate" -d "$csr" >/dev/null
session SD "$cD" "$oD"; tx SD order_create keyD "$cD" 1 "$oD" 30000
tx SD keygen keyDkg "" 1 "" 0; tx SD ra_issue keyDissue "$cD" 0 "" 0

orders0=$(counter orders_created); refunds0=$(counter refunds)
kioskd_start || exit 1
for _ in $(seq 100); do "$K" status | grep -q '"recovering":false' && break; sleep 0.1; done
outcome() { sql "SELECT outcome FROM sessions WHERE id='$1'"; }
check "A refunded" test "$(sql "SELECT status FROM tx WHERE session='SA' AND kind='refund'")" = 1
check "A session closed" test "$(outcome SA)" = recovered
check "B's order learnt by replaying its key" test "$(sql "SELECT result FROM tx WHERE session='SB' AND kind='order_create'")" = "$oB"
check "B cancelled" test "$(sql "SELECT status FROM tx WHERE session='SB' AND kind='order_cancel'")" = 1
check "C closed" test "$(outcome SC)" = recovered
check "D's issue learnt from the RA's case" test "$(sql "SELECT status FROM tx WHERE session='SD' AND kind='ra_issue'")" = 1
check "D stays open for staff (issued, not installed)" test -z "$(outcome SD)"
check "D not refunded (certificate exists)" test -z "$(sql "SELECT id FROM tx WHERE session='SD' AND kind='refund'")"
check "one refund at the RA" test "$(counter refunds)" = $((refunds0+1))
orders1=$(counter orders_created)
# C's replay created the order the crash prevented; it was cancelled at once
check "at most one new order (C's replay)" test "$orders1" -le $((orders0+1))
check "every order of B and C cancelled" test "$(counter orders_cancelled)" -ge 2
out=$("$K" journal --open); check "journal --open lists D's open transaction" grep -q '"session":"SD"' <<<"$out"
# staff retry: D's install still cannot happen (its UKEY is gone); it stays open
idD=$(sql "SELECT id FROM tx WHERE session='SD' AND kind='install'")
out=$("$K" retry "$idD"); check "kioskctl retry reports D still open" grep -q '"status":"open".*"session_outcome":"open"' <<<"$out"
# staff refund of A's order again: recovery finds the refund done, no second one
idA=$(sql "SELECT id FROM tx WHERE session='SA' AND kind='order_create'")
"$K" refund "$idA" >/dev/null
check "kioskctl refund does not refund twice" test "$(counter refunds)" = $((refunds0+1))
"$K" retry 999999 >/dev/null 2>&1; check "kioskctl retry of an unknown id fails" test $? = 1
# a second start changes nothing
kioskd_stop; kioskd_start || exit 1
for _ in $(seq 100); do "$K" status | grep -q '"recovering":false' && break; sleep 0.1; done
check "no second refund" test "$(counter refunds)" = $((refunds0+1))
check "no second order" test "$(counter orders_created)" = "$orders1"
check "no PIN or ID number in the log" bash -c "! grep -E '360426199101010071' '$T/kioskd.log'"
finish
