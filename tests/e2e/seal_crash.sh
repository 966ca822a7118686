#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The seal step in the journal (issue 19), against the real peers: kioskd
# is killed right after a new issuance's seal sheet was accepted and
# recorded (KX_CRASH_AT=seal_sheet:outcome), restarted, and the customer
# starts again: after the agreement the accepted sheet is taken over
# (seal_review with its cells, no seal_place: no stamping again), the
# session ends with the certificate issued, and the RA has the three seal
# impressions with the new case. The journal records the sheet's result
# (cells found, seals accepted) for both sessions. Killed before the
# outcome (seal_sheet:intent) the sheet was not recorded: it is asked for
# again.
source "$(dirname "$0")/lib.sh"
CODE=91110000600037341L
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1

# a new issuance from home to the agreement (the ID copies, the contact)
TO_AGREEMENT=$(flow_text seal_crash/to_agreement)
# the seal sheet scanned (kioskd dies when it is recorded)
SEAL_SCAN=$(flow_text seal_crash/seal_scan)
# from the accepted sheet to the end: the letter, the review, a blank UKEY
TO_DONE=$(flow_text seal_crash/to_done)
seal_txs() { sqlite3 "$T/state/journal.db" "SELECT status||'|'||ref||'|'||result FROM tx WHERE kind='seal_sheet' ORDER BY id"; }

# 1. killed after the outcome: taken over
token_init s1 12345678
admin POST /admin/counters/reset >/dev/null; rm -rf "$T/state"; new_issuance_config
crash_kioskd_start seal_sheet:outcome || { bad "start"; finish; exit 1; }
idcard_place
run_segments crash-1 quiet <<<"$TO_AGREEMENT
$SEAL_SCAN" || true
crash_recover seal_sheet:outcome || { finish; exit 1; }
mark=$(wc -l <"$T/kioskd.log")
first=$(seal_txs)
check "the sheet's result is journaled (cells found, seals accepted)" \
  bash -c '[[ "$1" == "1|'"$CODE"'|found="[1-6]" accepted=3 company_seal="* ]]' _ "$first"
check "the crashed session is ended by the recovery" test \
  "$(sqlite3 "$T/state/journal.db" "SELECT count(*) FROM sessions WHERE outcome IN ('abandoned','recovered')")" = 1
idcard_place
run_segments reuse <<<"$TO_AGREEMENT
expect timeout=30 screen=seal_review state=seal_review seal_cells.0.row=company_seal seal_cells.0.verdict=ok
$TO_DONE"
check "the customer was not asked to stamp again" bash -c \
  "! tail -n +$((mark + 1)) '$T/kioskd.log' | grep -q 'state=seal_place'"
check "the sheet was taken over" grep -q "seal.reused" "$T/kioskd.log"
check "one certificate issued" test "$(counter certs_issued)" = 1
check "the RA has the three seal impressions with the case" test \
  "$(sqlite3 "$T/sim/ra.db" "SELECT count(*) FROM documents WHERE kind IN ('seal_company','seal_legal_rep','signature_legal_rep')")" = 3
check "the new session journals the sheet too" test "$(seal_txs | wc -l)" = 2
check "the spool is empty" test "$(find "$T/state/spool" -name '*seal*' -type f | wc -l)" = 0
kioskd_stop; softhsm2-util --delete-token --token s1 >/dev/null 2>&1

# 2. killed with only the intent journaled: the sheet is asked for again
token_init s2 12345678
admin POST /admin/counters/reset >/dev/null; rm -rf "$T/state"; new_issuance_config
crash_kioskd_start seal_sheet:intent || { bad "start"; finish; exit 1; }
idcard_place
run_segments crash-2 quiet <<<"$TO_AGREEMENT
$SEAL_SCAN" || true
crash_recover seal_sheet:intent || { finish; exit 1; }
check "the unfinished record is closed as failed" bash -c "[[ '$(seal_txs)' == 2\|* ]]"
idcard_place
run_segments again <<<"$TO_AGREEMENT
$SEAL_SCAN
$TO_DONE"
check "then issued once" test "$(counter certs_issued)" = 1
kioskd_stop; softhsm2-util --delete-token --token s2 >/dev/null 2>&1
finish
