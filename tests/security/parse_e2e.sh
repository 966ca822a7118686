#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 5 wired into kioskd: the licence's QR code and the seal sheet are
# decoded by kiosk-parse, kioskd's child without secrets, never in kioskd.
# A real session (ra-sim, SANE pnm, idcard-sim, SoftHSM2): the licence is
# read through the helper; the helper then dies of SIGSEGV (sent from
# outside, as a crash inside libzbar would end it) and the next licence
# step gets the clear, retryable error screen; kioskd lives on, a new helper
# is running, and the retry reads the licence.
source "$KX_SOURCE/tests/e2e/lib.sh"
GOOD=91110000600037341L
new_issuance_setup "$GOOD" || { echo "document set-up failed"; exit 1; }
page licence
sim_start || exit 1
idcard_start || exit 1
new_issuance_config
kioskd_start || exit 1
helper() { pgrep -P "$KD_PID" -x kiosk-parse | head -1; }
H1=$(helper)
check "kioskd started its parsing helper" test -n "$H1"
check "the helper runs without kioskd's secrets (another process)" test "$H1" != "$KD_PID"

flow read <<'FLOW'
send choose_service service=new
expect screen=licence_place
send confirm
expect timeout=30 screen=company_confirm
send cancel
expect screen=cancelled
send confirm
expect screen=home
FLOW
check "the licence was read through the helper" grep -q 'licence.read.*uscc='"$GOOD" "$T/kioskd.log"

flow start <<'FLOW'
send choose_service service=new
expect screen=licence_place
FLOW
kill -SEGV "$(helper)"
flow crash <<'FLOW'
send confirm
expect timeout=30 screen=error error.name=KX_ERR_IMAGE_UNREADABLE intents~retry
FLOW
check "kioskd survived the helper's crash" kill -0 "$KD_PID"
check "the crash is logged" grep -q 'parse.helper_died' "$T/kioskd.log"
H2=$(helper)
check "a new helper runs" bash -c "[ -n '$H2' ] && [ '$H2' != '$H1' ]"
flow retry <<'FLOW'
send retry
expect screen=licence_place
send confirm
expect timeout=30 screen=company_confirm
send cancel
expect screen=cancelled
send confirm
expect screen=home
FLOW
check "kioskd still serves" bash -c "'$K' status | grep -q '\"screen\":\"home\"'"
finish
