#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash tests of the paid services crash.sh does not drive: renewal without
# the PIN (renew_nopin), reissue, change of details and card swap. kioskd is
# SIGKILLed at a journaled step (KX_CRASH_AT=<kind>:<phase>: after the
# intent is durable, after the side effect, after the outcome) of the money
# step (order_create), of the certificate steps (ra_issue or ra_renew,
# install, remove_old) and of the token step each service adds (renew_nopin:
# the PIN reset; change: the new key beside the old one), restarted and left
# to recover. Then, from ra-sim's counters and case, and the UKEYs:
#   - at most one order paid and one certificate issued, no transaction
#     left open;
#   - either the RA issued the case's certificate (nothing refunded) and it
#     is on the UKEY the flow puts it on exactly once, or nothing was issued
#     and every paid order was refunded, and the UKEYs hold what they held
#     before (the customer's certificate untouched, a blank UKEY still
#     without a certificate);
#   - the old certificate is handled as the flow defines: removed by
#     remove_old (from the same UKEY for renew_nopin and change, with the old
#     UKEY's pair for swap) when the crash came after that step's effect,
#     still in place otherwise (never a UKEY left without a certificate).
# KX_CRASH_SERVICES selects services; KX_CRASH_<SERVICE>_POINTS
# (e.g. KX_CRASH_SWAP_POINTS="install:effect", "none" skips) override a
# service's points.
source "$(dirname "$0")/lib.sh"
CODE=91110000600037341L
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1

phases() { local k p; for k in "$@"; do for p in intent effect outcome; do printf '%s:%s ' "$k" "$p"; done; done; }
# The points (about 5 s each): every phase of the certificate steps where
# the service differs from crash.sh's new issuance and renewal (change and
# swap: a new key beside, or a new UKEY beside, the old certificate, and
# its removal); the steps a service shares with them once, at the phase
# with the most to recover (the side effect done, its outcome not
# journaled); the money step once per service, each at another phase.
default_points() { # SERVICE
  case $1 in
  renew_nopin) echo "order_create:effect reset_pin:effect ra_renew:intent ra_renew:effect" \
    "install:intent install:effect remove_old:effect" ;;
  reissue) echo "order_create:outcome ra_issue:effect install:effect" ;;
  change) echo "order_create:intent keygen:effect $(phases ra_issue install)" \
    "remove_old:intent remove_old:effect" ;;
  swap) echo "order_create:effect $(phases ra_issue install remove_old)" ;;
  esac
}
# did the flow's remove_old take effect before the crash at POINT?
old_removed() { case $1 in remove_old:effect | remove_old:outcome) return 0 ;; esac; return 1; }
has_line() { grep -qx -- "$2" <<<"$1"; }  # LINES LINE
count_line() { grep -cx -- "$2" <<<"$1"; }  # LINES LINE

# judge POINT SERVICE TARGET OLD COUNTER: TARGET is the UKEY the new
# certificate goes on, OLD the customer's UKEY with the old certificate
# (empty for reissue; the same as TARGET for renew_nopin and change)
judge() {
  local point=$1 svc=$2 target=$3 old=$4 counter_name=$5
  crash_recover "$point" || return
  local paid refunds issued open case_id new="" old_serial="" tgt olds="" good=1 why=""
  paid=$(counter orders_paid); refunds=$(counter refunds); issued=$(counter "$counter_name")
  open=$(open_transactions)
  case_id=$(sqlite3 "$T/state/journal.db" "SELECT case_id FROM sessions ORDER BY created DESC, rowid DESC LIMIT 1")
  [ -n "$case_id" ] && new=$(ra GET "/v1/cases/$case_id" | jget cert_serial | tr A-F a-f | sed 's/^0*//')
  [ -n "$old" ] && { old_serial=$(sed 's/^0*//' "$T/ukey-$old/serial"); olds=$(ukey_serials "$old"); }
  tgt=$(ukey_serials "$target")
  wrong() { good=0; why+=" [$*]"; }
  [ "$paid" -le 1 ] || wrong "more than one order paid"
  [ "$issued" -le 1 ] || wrong "more than one certificate"
  [ "$open" = 0 ] || wrong "transactions left open"
  if [ "$issued" = 1 ]; then
    [ "$refunds" = 0 ] || wrong "refunded although issued"
    [ -n "$new" ] || wrong "the case names no certificate"
    [ -n "$new" ] && [ "$(count_line "$tgt" "$new")" = 1 ] || wrong "the new certificate is not on $target exactly once"
    if [ -n "$old" ]; then
      if old_removed "$point"; then
        has_line "$olds" "$old_serial" && wrong "remove_old ran but the old certificate is on $old"
      else
        has_line "$olds" "$old_serial" || wrong "the old certificate left $old before remove_old"
      fi
    fi
    # nothing but the new (and, until removed, the old) certificate
    [ -z "$(grep -vx -e "$new" -e "$old_serial" <<<"$tgt")" ] || wrong "a stray certificate on $target"
  else
    [ "$refunds" = "$paid" ] || wrong "paid and not refunded"
    [ -z "$new" ] || wrong "the RA issued but the counter did not count it"
    if [ "$target" = "$old" ]; then
      [ "$tgt" = "$old_serial" ] || wrong "$target does not hold exactly its old certificate"
    else
      [ -z "$tgt" ] || wrong "the blank $target holds a certificate"
      [ -z "$old" ] || [ "$olds" = "$old_serial" ] || wrong "$old does not hold exactly its old certificate"
    fi
  fi
  crash_verdict $good "$svc $point: paid=$paid refunds=$refunds $counter_name=$issued open=$open new=${new:-none} on_target=$(echo $tgt) on_old=$(echo $olds)$why"
  kioskd_stop
}

n=0
for svc in ${KX_CRASH_SERVICES:-renew_nopin reissue change swap}; do
  var=KX_CRASH_${svc^^}_POINTS
  points=${!var:-$(default_points "$svc")}
  [ "$points" = none ] && points=
  for point in $points; do
    n=$((n+1)); old=o$n; target=$old; flowvar=FLOW_${svc^^}; counter_name=certs_issued
    case $svc in
    renew_nopin)
      ukey_with_cert "$old" 123456 >/dev/null || { bad "$svc $point: set-up"; continue; }
      admin POST /admin/tokens "{\"serial\":\"$(token_serial "$old")\",\"so_pin\":\"12345678\"}" >/dev/null
      counter_name=certs_renewed ;;
    reissue) old=; target=b$n; token_init "$target" 12345678 ;;
    change) ukey_with_cert "$old" 123456 >/dev/null || { bad "$svc $point: set-up"; continue; } ;;
    swap)
      ukey_with_cert "$old" 123456 >/dev/null || { bad "$svc $point: set-up"; continue; }
      target=b$n; token_init "$target" 12345678 ;;
    esac
    admin POST /admin/counters/reset >/dev/null
    rm -rf "$T/state"; new_issuance_config
    crash_kioskd_start "$point" || { bad "$svc $point: start"; continue; }
    idcard_place
    run_segments "crash-$svc" quiet <<<"${!flowvar}"
    judge "$point" "$svc" "$target" "$old" "$counter_name"
    for l in $old $target; do softhsm2-util --delete-token --token "$l" >/dev/null 2>&1; done
  done
done
finish
