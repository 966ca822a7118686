#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a renewal with the PIN and a new issuance end to end with known PINs
# and a known ID number, then searches every file written for them: the
# PINs must appear nowhere (logs, journal, spool, temporary files, the RA's
# state); the full ID number only at the RA, which needs it for the new
# issuance, never in the kiosk's log or journal; the renewal sends no ID
# number and no phone at all (the UKEY and its PIN are the proof), so
# after it the RA holds neither; spooled scans are gone once the RA has
# them.
source "$KX_SOURCE/tests/e2e/lib.sh"
CODE=91110000600037341L
OLD_PIN=739251 IDNUM=360102198503151238 BIRTH=1985-03-15
TMP_BEFORE=$(mktemp); sleep 1
new_issuance_setup "$CODE" || { echo "set-up failed"; exit 1; }
page licence
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert ukey1 "$OLD_PIN" "$CODE" || { bad "set-up: UKEY"; finish; exit 1; }
idcard_start "$IDNUM" "$BIRTH" || exit 1
token_init blank 12345678
new_issuance_config </dev/null
kioskd_start || exit 1
admin POST /admin/settings '{"auto_approve_s":0,"auto_pay_s":0}' >/dev/null

# files of the run so far containing PATTERN, minus the test's own inputs
# (the card, which holds the ID number, and the flow scripts)
scan_run() {
  find "$T" -type f ! -name '*.flow' ! -name 'card.json' ! -name '*.out' ! -name '*.err' \
    -exec grep -laF -- "$1" {} + 2>/dev/null
}
cat > "$T/renew.flow" <<FLOW
send choose_service service=renew
expect screen=cert_show
send confirm
expect screen=pin_enter
send pin pin=$OLD_PIN
expect timeout=30 screen=agreement
send confirm
expect screen=fee_confirm
send confirm
expect timeout=60 screen=done
send confirm
expect screen=home
FLOW
if "$K" run-flow "$T/renew.flow" >"$T/renew.out" 2>"$T/renew.err"; then ok; else bad "renewal"; tail -3 "$T/renew.err"; fi
# the renewal read no ID card and sent the RA no personal data: neither the
# ID number nor the phone is anywhere yet, the RA's state included
hits=$(scan_run "$IDNUM")
check "after the renewal the full ID number is in no file (found in: ${hits:-none})" test -z "$hits"
check "the renewal's RA case has no agent, no ID number, no phone, no e-mail" test \
  "$(sqlite3 "$T/sim/ra.db" "SELECT count(*) FROM cases WHERE service='renew' AND agent_name='' AND agent_idnum='' AND phone='' AND email=''")" = 1
check "the renewal read no ID card" bash -c "! grep -q ' idcard.read ' '$T/kioskd.log'"
idcard_place
# the new issuance sets the blank UKEY's PIN to 270513 (lib.sh)
if new_issuance_flow 0; then ok; else bad "new issuance"; tail -3 "$T/seg.err"; fi
kioskd_stop

# every file of the run, minus the test's own inputs (flow scripts, card)
mapfile -t files < <(find "$T" -type f ! -name '*.flow' ! -name 'card.json' ! -name '*.out' ! -name '*.err')
scan() { # PATTERN FILES... -> files containing the pattern
  local pat=$1; shift
  grep -laF -- "$pat" "$@" 2>/dev/null
}
for pin in "$OLD_PIN" 270513 12345678; do
  hits=$(scan "$pin" "${files[@]}")
  check "PIN $pin in no file written (found in: ${hits:-none})" test -z "$hits"
done
kiosk_files=$(printf '%s\n' "${files[@]}" | grep -v -e "^$T/sim/" -e "^$T/tokens/" -e "^$T/docs/" -e "sim.log")
hits=$(scan "$IDNUM" $kiosk_files)
check "the full ID number in none of the kiosk's files (found in: ${hits:-none})" test -z "$hits"
check "the masked ID number is what the log shows" grep -qF '360***********1238' "$T/kioskd.log"
check "the phone number is not in the log unmasked" bash -c "! grep -q 13800000000 '$T/kioskd.log'"
check "the RA holds the ID number (it needs it)" bash -c "grep -rlaF '$IDNUM' '$T/sim' >/dev/null"
spooled=$(find "$T/state" -path '*spool*' -type f 2>/dev/null | wc -l)
check "no scan left in the spool ($spooled)" test "$spooled" = 0
# temporary files kioskd may have left elsewhere
leaked=$(find /tmp -maxdepth 2 -type f -newer "$TMP_BEFORE" ! -path "$T/*" 2>/dev/null | xargs -r grep -laF -e "$OLD_PIN" -e "$IDNUM" 2>/dev/null | grep -v -e '/kx-e2e-' -e 'bash_' -e 'bash_jobs' || true)
check "no temporary file outside the state dir holds the PIN or ID number (${leaked:-none})" test -z "$leaked"
rm -f "$TMP_BEFORE"
finish
