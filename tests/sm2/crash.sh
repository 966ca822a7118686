#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash tests of SM2 dual certificates on skf-soft UKEYs: kioskd (an
# sm2-dual site) is SIGKILLed at every journaled step of a new issuance and
# of a renewal with the PIN (KX_CRASH_AT=<kind>:<intent|effect|outcome>),
# restarted, and left to recover. The invariant, from ra-sim's counters and
# the UKEY: at most one order paid and one pair enveloped by the KMC per
# session; paid => the pair is on the right UKEY (its signing certificate
# is the RA's new one, in a container with both key pairs and both
# certificates) or the order is refunded and the UKEY is as it was; no
# transaction left open. Known limit: killed after the RA issued and before
# the signing certificate is on the UKEY (PIN_BOUND), recovery cannot write
# the pair (SKF needs the user PIN, which a restarted kioskd does not have):
# there the test asserts one order paid, one pair, no refund, the UKEY
# untouched and the install journaled as pending for staff. KX_CRASH_POINTS / KX_CRASH_RENEW_POINTS override
# the lists ("none" skips one).
source "$(dirname "$0")/lib.sh"
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
sim_start --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1
points=${KX_CRASH_POINTS:-}
if [ -z "$points" ]; then
  for k in order_create set_pin keygen ra_issue install; do
    for ph in intent effect outcome; do points+="$k:$ph "; done
  done
fi
# complete pairs on a UKEY: signing serials of containers holding all four
complete_pairs() { # NAME
  local con
  for con in $(sm2_containers "$1" | awk 'NF == 5 {print $1}'); do
    "$UTIL" cert "$1" JXCA "$con" sign 2>/dev/null | openssl x509 -noout -serial 2>/dev/null |
      cut -d= -f2 | tr A-F a-f
  done
}
# the signing serial the RA issued in this run's session ("" none)
ra_serial() { journal_sql "SELECT new_serial FROM sessions ORDER BY created DESC LIMIT 1"; }
judge() { # POINT NAME BASE_SERIAL
  local point=$1 name=$2 base=${3:-}
  crash_recover "$point" || return
  local paid refunds pairs open on serial what good=0
  paid=$(counter orders_paid); refunds=$(counter refunds); pairs=$(counter kmc_envelopes)
  open=$(open_transactions); on=$(complete_pairs "$name" | tr '\n' ' '); serial=$(ra_serial)
  local reqs; reqs=$(ls "$T/state"/sm2-*.req 2>/dev/null | wc -l)  # saved SM2 requests
  what="$point: paid=$paid refunds=$refunds pairs=$pairs open=$open reqs=$reqs ukey=[${on% }] ra=${serial:--}"
  if [ "$paid" -le 1 ] && [ "$pairs" -le 1 ] && [ "$open" = 0 ] && [ "$reqs" = 0 ] &&
     { { [ "$pairs" = 1 ] && [ "$refunds" = 0 ] && [ -n "$serial" ] && [[ " $on" == *" $serial "* ]]; } ||
       { [ "$pairs" = 0 ] && [ "$refunds" = "$paid" ] && [ "${on% }" = "$base" ]; }; }; then
    good=1
  elif [[ " $PIN_BOUND " == *" $point "* ]] && [ "$paid" = 1 ] && [ "$pairs" = 1 ] &&
       [ "$refunds" = 0 ] && [ "${on% }" = "$base" ] && [ "$reqs" = 1 ] &&
       [ "$(journal_sql "SELECT count(*) FROM tx WHERE kind='install' AND status=0")" = 1 ]; then
    # the pair was issued and paid, the UKEY not written: SKF writes need
    # the user PIN, which a restarted kioskd does not have. The session
    # stays open with its install pending (kioskctl journal --open) and
    # the UKEY is untouched: counted, and reported as a known limit.
    good=1; what="KNOWN LIMIT (install needs the PIN; pending for staff) $what"
    limits=$((limits + 1))
  fi
  crash_verdict $good "$what"
  kioskd_stop
}
# the points where the RA has issued and the UKEY holds nothing of the pair
# yet: recovery cannot write it without the user's PIN (see judge)
PIN_BOUND="ra_issue:effect ra_issue:outcome ra_renew:effect ra_renew:outcome install:intent"
limits=0
n=0
[ "$points" = none ] && points=
for point in $points; do
  n=$((n+1)); name="blank$n"
  sm2_blank "$name"
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"; sm2_config </dev/null
  crash_kioskd_start "$point" || { bad "$point: start"; continue; }
  idcard_place
  new_issuance_flow
  judge "$point" "$name" ""
  "$UTIL" delete "$name"
done

renew_points=${KX_CRASH_RENEW_POINTS:-}
if [ -z "$renew_points" ]; then
  for k in order_create keygen ra_renew install remove_old; do
    for ph in intent effect outcome; do renew_points+="$k:$ph "; done
  done
fi
[ "$renew_points" = none ] && renew_points=
for point in $renew_points; do
  n=$((n+1)); name="ukey$n"
  sm2_ukey_with_pair "$name" 123456 || { bad "$point: set-up"; continue; }
  old=$(cat "$T/ukey-$name/serial")
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"; sm2_config </dev/null
  crash_kioskd_start "$point" || { bad "$point: start"; continue; }
  cat > "$T/rc.flow" <<'FLOW'
send choose_service service=renew
expect timeout=20 screen=cert_show
send confirm
send pin pin=123456
expect timeout=10 screen=agreement
send confirm
expect timeout=30 screen=fee_confirm
send confirm
expect timeout=30 screen=done
FLOW
  "$K" run-flow "$T/rc.flow" >/dev/null 2>&1
  judge "$point" "$name" "$old"
  "$UTIL" delete "$name"
done
echo "$limits crash points left the install pending for lack of the PIN"
finish
