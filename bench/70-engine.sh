#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Transaction engine: machine time of a renewal with the PIN and of a new
# issuance, end to end through kioskd against the real peers (SoftHSM2
# UKEY with EC P-256, ra-sim over mutual TLS on loopback, SANE pnm,
# idcard-sim for the new issuance; the renewal takes the UKEY and its PIN
# only). Human waits are excluded by summing the durations of
# kioskd's jobs (log events engine.job_end) except the two that wait for
# people: payment (order_poll) and the CA's review (review_poll). Also
# printed: the wall time from the fee confirmation to the "done" screen
# (includes polling at [engine] poll_ms = 50 and the scripted client).
# Prints "figure: value (command: ...)" lines. Target: renewal < 0.5 s.
set -uo pipefail
source "$KX_SOURCE/tests/e2e/lib.sh"
RENEWALS=${KX_BENCH_RENEWALS:-5}; ISSUES=${KX_BENCH_ISSUES:-3}
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 >/dev/null || exit 1
idcard_start >/dev/null || exit 1
new_issuance_setup 91110000600037341L || exit 1
new_issuance_config
export KX_LOG_LEVEL=info
# SoftHSM2 sees tokens created by other processes only at start-up, so
# kioskd starts afresh for every UKEY (its start is not part of a figure)
# sum of job times (ms) in the log since line $1, human waits excluded
machine_ms() {
  tail -n +"$1" "$T/kioskd.log" | grep 'engine.job_end' | grep -v -e 'job=order_poll' -e 'job=review_poll' -e 'job=recovery' |
    sed -n 's/.* ms=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}'
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
mono_ms() { echo $(( $(date +%s%N) / 1000000 )); }

renew_ms=(); renew_wall=()
for i in $(seq "$RENEWALS"); do
  ukey_with_cert "r$i" 123456 >/dev/null || { echo "set-up failed"; exit 1; }
  : > "$T/kioskd.log"; kioskd_start >/dev/null || exit 1
  # the UKEY and its PIN only: no ID card, no contact details
  { flow_text renew/pin_agreement; echo 'expect timeout=30 screen=fee_confirm'; } > "$T/r1.flow"
  "$K" run-flow "$T/r1.flow" >/dev/null 2>&1 || { echo "renewal $i failed before the fee"; tail "$T/kioskd.log"; exit 1; }
  # from the fee confirmation to done (payment made at once by ra-sim)
  t0=$(mono_ms)
  printf 'send confirm\nexpect timeout=30 screen=done\n' > "$T/r2.flow"
  if ! "$K" run-flow "$T/r2.flow" >/dev/null 2>&1; then
    echo "renewal $i did not reach done:"; grep -E 'session.error|job=remove_old' "$T/kioskd.log" | tail -3 | cut -c25-
    exit 1
  fi
  t1=$(mono_ms)
  # every job of the session counts (certificate read, PIN, fee ...)
  renew_ms+=("$(machine_ms 1)"); renew_wall+=($((t1 - t0)))
  breakdown=$(grep 'engine.job_end' "$T/kioskd.log" | grep -v job=recovery | sed -n 's/.*job=\([a-z_]*\) .* ms=\([0-9]*\).*/\1=\2/p' | tr '\n' ' ')
  kioskd_stop
  softhsm2-util --delete-token --token "r$i" >/dev/null 2>&1
done
new_ms=()
for i in $(seq "$ISSUES"); do
  token_init "n$i" 12345678
  : > "$T/kioskd.log"; rm -rf "$T/state"; kioskd_start >/dev/null || exit 1
  idcard_place
  new_issuance_flow || { echo "new issuance $i failed"; tail "$T/kioskd.log"; exit 1; }
  new_ms+=("$(machine_ms 1)")
  kioskd_stop
  softhsm2-util --delete-token --token "n$i" >/dev/null 2>&1
done
cmd="bench/run engine; $RENEWALS renewals, $ISSUES new issuances, EC P-256 on SoftHSM2, ra-sim on 127.0.0.1"
echo "renewal with PIN, machine time (jobs, human waits excluded), median: $(printf '%s\n' "${renew_ms[@]}" | median) ms  (all: ${renew_ms[*]}; command: $cmd)"
echo "renewal with PIN, per job (last run, ms): $breakdown (command: $cmd)"
echo "renewal with PIN, wall time fee confirmed -> done, median: $(printf '%s\n' "${renew_wall[@]}" | median) ms  (all: ${renew_wall[*]}; command: $cmd)"
echo "new issuance, machine time (jobs incl. 5 scans at 150 dpi, QR, seal analysis), median: $(printf '%s\n' "${new_ms[@]}" | median) ms  (all: ${new_ms[*]}; command: $cmd)"
