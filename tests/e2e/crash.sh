#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash tests: kioskd is SIGKILLed at every journaled step of a new
# issuance and of a renewal with the PIN (KX_CRASH_AT=<kind>:<phase>: after
# the intent is durable, after the side effect, after the outcome),
# restarted, and left to recover. Then the invariant is checked against
# ra-sim's counters and the UKEY:
#   paid => one certificate issued (renewed) and installed on the UKEY, or
#   refunded; never more than one order paid or one certificate issued per
#   session; no transaction left open.
# Free services: a PIN unlock killed at its token write, a revocation
# killed at the RA call (recovery replays it with its key: revoked once).
# KX_CRASH_POINTS / KX_CRASH_RENEW_POINTS / KX_CRASH_OTHER_POINTS
# (space-separated) override the lists ("none" skips one).
source "$(dirname "$0")/lib.sh"
CODE=91110000600037341L
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1
points=${KX_CRASH_POINTS:-}
if [ -z "$points" ]; then
  for k in order_create set_pin keygen ra_issue install; do
    for ph in intent effect outcome; do points+="$k:$ph "; done
  done
fi
# after the crash: wait for recovery, then judge the invariant
judge() { # POINT LABEL ISSUED_COUNTER
  local point=$1 label=$2
  crash_recover "$point" || return
  local paid refunds issued certs open what
  paid=$(counter orders_paid); refunds=$(counter refunds); issued=$(counter "$3")
  certs=$(ukey_certs "$label")
  open=$(open_transactions)
  # a renewal's UKEY keeps its old certificate unless the renewal finished
  local base=0; [ "$3" = certs_renewed ] && base=1
  what="$point: paid=$paid refunds=$refunds $3=$issued certs_on_ukey=$certs open=$open"
  local good=0
  if [ "$paid" -le 1 ] && [ "$issued" -le 1 ] && [ "$open" = 0 ] &&
     { { [ "$issued" = 1 ] && [ "$certs" -ge 1 ] && [ "$refunds" = 0 ]; } ||
       { [ "$issued" = 0 ] && [ "$refunds" = "$paid" ] && [ "$certs" = "$base" ]; }; }; then
    good=1
  fi
  crash_verdict $good "$what"
  kioskd_stop
}
n=0
[ "$points" = none ] && points=
for point in $points; do
  n=$((n+1))
  label="blank$n"
  token_init "$label" 12345678
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"
  new_issuance_config
  crash_kioskd_start "$point" || { bad "$point: start"; continue; }
  idcard_place
  new_issuance_flow
  judge "$point" "$label" certs_issued
  softhsm2-util --delete-token --token "$label" >/dev/null 2>&1
done

renew_points=${KX_CRASH_RENEW_POINTS:-}
if [ -z "$renew_points" ]; then
  for k in order_create keygen ra_renew install remove_old; do
    for ph in intent effect outcome; do renew_points+="$k:$ph "; done
  done
fi
[ "$renew_points" = none ] && renew_points=
for point in $renew_points; do
  n=$((n+1))
  label="ukey$n"
  ukey_with_cert "$label" 123456 >/dev/null || { bad "$point: set-up"; continue; }
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"
  new_issuance_config
  crash_kioskd_start "$point" || { bad "$point: start"; continue; }
  # the UKEY and its PIN only: no ID card, no contact details
  flow_text renew/crash_point > "$T/rc.flow"
  "$K" run-flow "$T/rc.flow" >/dev/null 2>&1
  judge "$point" "$label" certs_renewed
  softhsm2-util --delete-token --token "$label" >/dev/null 2>&1
done

# after the crash of a free service: nothing charged, the effect happened
# at most once and no transaction is left open
judge_free() { # POINT LABEL COUNTER
  local point=$1
  crash_recover "$point" || return
  local n open orders what good=0
  n=$(counter "$3"); orders=$(counter orders_created)
  open=$(open_transactions)
  what="$point: $3=$n orders=$orders open=$open"
  if [ "$orders" = 0 ] && [ "$n" -le 1 ] && [ "$open" = 0 ] &&
     { [ "${point%%:*}" != ra_revoke ] || [ "$n" = 1 ]; }; then good=1; fi
  crash_verdict $good "$what"
  kioskd_stop
}
other_points=${KX_CRASH_OTHER_POINTS:-"reset_pin:intent reset_pin:effect reset_pin:outcome ra_revoke:intent ra_revoke:effect ra_revoke:outcome"}
[ "$other_points" = none ] && other_points=
for point in $other_points; do
  n=$((n+1)); label="free$n"
  ukey_with_cert "$label" 123456 >/dev/null || { bad "$point: set-up"; continue; }
  admin POST /admin/tokens "{\"serial\":\"$(token_serial "$label")\",\"so_pin\":\"12345678\"}" >/dev/null
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"; new_issuance_config
  crash_kioskd_start "$point" || { bad "$point: start"; continue; }
  idcard_place
  if [ "${point%%:*}" = reset_pin ]; then
    run_segments crash-unlock quiet <<FLOW
send choose_service service=unlock
expect screen=cert_show
$LICENCE_AGENT
expect timeout=30 screen=pin_new
send new_pin pin=270513 repeat=270513
expect timeout=30 screen=done
FLOW
    judge_free "$point" "$label" unlocks_released
  else
    run_segments crash-revoke quiet <<FLOW
send choose_service service=revoke
send choose value=ukey
expect timeout=10 screen=cert_show
$FLOW_REVOKE_UKEY
FLOW
    judge_free "$point" "$label" certs_revoked
  fi
  softhsm2-util --delete-token --token "$label" >/dev/null 2>&1
done
finish
