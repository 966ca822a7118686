#!/usr/bin/env bash
# Crash tests: kioskd is SIGKILLed at every journaled step of a new
# issuance (KX_CRASH_AT=<kind>:<phase>: after the intent is durable, after
# the side effect, after the outcome), restarted, and left to recover. Then
# the invariant is checked against ra-sim's counters and the UKEY:
#   paid => one certificate issued and installed on the UKEY, or refunded;
#   never more than one order paid or one certificate issued per session;
#   no transaction left open.
# KX_CRASH_POINTS (space-separated) overrides the list.
source "$(dirname "$0")/lib.sh"
CODE=91110000600037341L
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
sim_start --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1
points=${KX_CRASH_POINTS:-}
if [ -z "$points" ]; then
  for k in order_create set_pin keygen ra_issue install; do
    for ph in intent effect outcome; do points+="$k:$ph "; done
  done
fi
n=0
for point in $points; do
  n=$((n+1))
  label="blank$n"
  token_init "$label" 12345678
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"
  new_issuance_config
  KX_CRASH_AT=$point kioskd_start || { bad "$point: start"; continue; }
  idcard_place
  new_issuance_flow
  # kioskd must have killed itself at the point
  for _ in $(seq 50); do kill -0 "$KD_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$KD_PID" 2>/dev/null; then bad "$point: kioskd did not crash"; kioskd_stop; continue; fi
  wait "$KD_PID" 2>/dev/null; KD_PID=
  grep -q "engine.crash_point at=$point" "$T/kioskd.log" || { bad "$point: crash point not reached"; continue; }
  kioskd_start || { bad "$point: restart"; continue; }
  for _ in $(seq 100); do "$K" status 2>/dev/null | grep -q '"recovering":false' && break; sleep 0.1; done
  paid=$(counter orders_paid); refunds=$(counter refunds); issued=$(counter certs_issued)
  certs=$(ukey_certs "$label")
  open=$("$K" journal --open | grep -o '"id":' | wc -l)
  what="$point: paid=$paid refunds=$refunds issued=$issued certs_on_ukey=$certs open=$open"
  if [ "$paid" -le 1 ] && [ "$issued" -le 1 ] && [ "$open" = 0 ] &&
     { { [ "$issued" = 1 ] && [ "$certs" = 1 ] && [ "$refunds" = 0 ]; } ||
       { [ "$issued" = 0 ] && [ "$refunds" = "$paid" ] && [ "$certs" = 0 ]; }; }; then
    ok; echo "ok   $what"
  else
    bad "$what"; tail -5 "$T/kioskd.log"
  fi
  kioskd_stop
  softhsm2-util --delete-token --token "$label" >/dev/null 2>&1
done
finish
