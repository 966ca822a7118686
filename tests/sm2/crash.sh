#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash tests of SM2 dual certificates on skf-soft UKEYs: kioskd (an
# sm2-dual site) is SIGKILLed at every journaled step of a new issuance and
# of a renewal with the PIN (KX_CRASH_AT=<kind>:<intent|effect|outcome>),
# restarted, and left to recover. The invariant, from ra-sim's counters and
# the UKEY: at most one order paid and one pair enveloped by the KMC per
# session; paid => the pair is on the right UKEY (its signing certificate
# is the RA's new one, in a container with both key pairs and both
# certificates, both accepted by openssl verify with the default SM2 ID)
# or the order is refunded and the UKEY is as it was; no transaction left
# open, no saved SM2 request left.
# Killed after the RA issued and before the signing certificate is on the
# UKEY (PIN_BOUND), recovery cannot write the pair (every SKF write needs
# the user's login): the restarted kioskd keeps the pair in its journal,
# finds the UKEY still in and asks its PIN (the resume flow); the test
# types it and the pair is installed. At the first such point it first
# types a wrong PIN (the tries left are shown), gives up (the case stays
# open for staff, the screen names the hall's counter), takes the UKEY out
# and puts it back (asked again). KX_CRASH_POINTS / KX_CRASH_RENEW_POINTS
# override the lists ("none" skips one).
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
ra_serial() { journal_sql "SELECT new_serial FROM sessions ORDER BY created DESC, rowid DESC LIMIT 1"; }
# openssl accepts both certificates of the container whose signing
# certificate has SERIAL, against the SM2 CA with the default SM2 user ID
pair_verifies() { # NAME SERIAL
  local con c s
  for con in $(sm2_containers "$1" | awk 'NF == 5 {print $1}'); do
    s=$("$UTIL" cert "$1" JXCA "$con" sign 2>/dev/null | openssl x509 -noout -serial | cut -d= -f2 | tr A-F a-f)
    [ "$s" = "$2" ] || continue
    for c in sign enc; do
      "$UTIL" cert "$1" JXCA "$con" $c > "$T/v-$c.pem" 2>/dev/null &&
        openssl verify -vfyopt "$SM2ID" -CAfile "$T/sim/sm2-ca.pem" "$T/v-$c.pem" 2>&1 | grep -q ': OK' || return 1
    done
    return 0
  done
  return 1
}
# the resume flow after a restart at a PIN_BOUND point: the UKEY is still
# in, so kioskd asks for its PIN; DETOUR 1 first tries a wrong PIN, gives
# up, and puts the UKEY back. Counted checks.
resume_install() { # POINT NAME PIN DETOUR
  local point=$1 name=$2 pin=$3 detour=$4 left
  if [ "$detour" = 1 ]; then
    left=$("$UTIL" tries "$name" JXCA | awk '{split($2, a, "/"); print a[1] - 1}')
    flow "$point-asked" <<'FLOW'
expect timeout=60 screen=pin_enter state=resume_pin
FLOW
    local st; st=$(state_now)
    check "$point: the PIN screen says the certificate was issued but not yet written" \
      grep -q 'has not yet been written onto this UKEY' <<< "$st"
    flow "$point-wrong-pin" <<FLOW
send pin pin=999999
expect timeout=30 screen=error error.name=KX_ERR_PIN_INCORRECT error.args.tries_left=$left
send retry
expect timeout=10 screen=pin_enter state=resume_pin input.tries_left=$left
send cancel
expect timeout=10 screen=staff_needed state=resume_later body.1.args.phone=0791-88901520
FLOW
    flow "$point-give-up" <<'FLOW'
send confirm
expect timeout=10 screen=home
FLOW
    check "$point: given up, the install stays open for staff, saying it waits for the PIN" \
      sh -c "'$K' journal --open | grep -q 'waits for the customer.s UKEY PIN'"
    check "$point: given up, nothing refunded" test "$(counter refunds)" = 0
    local mark; mark=$(wc -l < "$T/kioskd.log")
    "$UTIL" remove "$name"
    for _ in $(seq 300); do
      tail -n +"$((mark + 1))" "$T/kioskd.log" | grep -q "session.resume_ukey_out" && break; sleep 0.1
    done
    check "$point: kioskd saw the UKEY taken out" \
      sh -c "tail -n +$((mark + 1)) '$T/kioskd.log' | grep -q session.resume_ukey_out"
    "$UTIL" insert "$name"
  fi
  flow "$point-resume" <<FLOW
expect timeout=60 screen=pin_enter state=resume_pin service=${RESUME_SERVICE}
send pin pin=$pin
expect timeout=60 screen=done
send confirm
expect timeout=10 screen=home
FLOW
}
judge() { # POINT NAME BASE_SERIAL PIN
  local point=$1 name=$2 base=${3:-} pin=$4
  crash_recover "$point" || return
  if [[ " $PIN_BOUND " == *" $point "* ]]; then
    resume_install "$point" "$name" "$pin" $((resumed == 0))
    resumed=$((resumed + 1))
  fi
  local paid refunds pairs open on serial what good=0
  paid=$(counter orders_paid); refunds=$(counter refunds); pairs=$(counter kmc_envelopes)
  open=$(open_transactions); on=$(complete_pairs "$name" | tr '\n' ' '); serial=$(ra_serial)
  local reqs; reqs=$(ls "$T/state"/sm2-*.req 2>/dev/null | wc -l)  # saved SM2 requests
  what="$point: paid=$paid refunds=$refunds pairs=$pairs open=$open reqs=$reqs ukey=[${on% }] ra=${serial:--}"
  if [ "$paid" -le 1 ] && [ "$pairs" -le 1 ] && [ "$open" = 0 ] && [ "$reqs" = 0 ] &&
     { { [ "$pairs" = 1 ] && [ "$refunds" = 0 ] && [ -n "$serial" ] && [[ " $on" == *" $serial "* ]] &&
         pair_verifies "$name" "$serial"; } ||
       { [ "$pairs" = 0 ] && [ "$refunds" = "$paid" ] && [ "${on% }" = "$base" ]; }; }; then
    good=1
  fi
  crash_verdict $good "$what"
  kioskd_stop
}
# the points where the RA has issued and the UKEY holds nothing of the pair
# yet: the install waits for the customer's PIN (resume_install)
PIN_BOUND="ra_issue:effect ra_issue:outcome ra_renew:effect ra_renew:outcome install:intent"
resumed=0
# a hall, so that the screen after giving up names its counter
with_hall() { sed -i "s|^\[kiosk\]|[kiosk]\nsite = hall-admin-center\nsites_file = $S/config/sites.conf|" "$T/k.conf"; }
n=0
[ "$points" = none ] && points=
RESUME_SERVICE=new
for point in $points; do
  n=$((n+1)); name="blank$n"
  sm2_blank "$name"
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"; sm2_config </dev/null; with_hall
  crash_kioskd_start "$point" || { bad "$point: start"; continue; }
  idcard_place
  new_issuance_flow
  judge "$point" "$name" "" 270513
  "$UTIL" delete "$name"
done

renew_points=${KX_CRASH_RENEW_POINTS:-}
if [ -z "$renew_points" ]; then
  for k in order_create keygen ra_renew install remove_old; do
    for ph in intent effect outcome; do renew_points+="$k:$ph "; done
  done
fi
[ "$renew_points" = none ] && renew_points=
RESUME_SERVICE=renew
for point in $renew_points; do
  n=$((n+1)); name="ukey$n"
  sm2_ukey_with_pair "$name" 123456 || { bad "$point: set-up"; continue; }
  old=$(cat "$T/ukey-$name/serial")
  admin POST /admin/counters/reset >/dev/null
  rm -rf "$T/state"; sm2_config </dev/null; with_hall
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
  judge "$point" "$name" "$old" 123456
  "$UTIL" delete "$name"
done
echo "$resumed crash points were finished by the customer's PIN after the restart"
finish
