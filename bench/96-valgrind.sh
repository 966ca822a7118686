#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One end-to-end renewal with kioskd under valgrind memcheck (a build
# without sanitizers: bench/run's Release build; the UKEY and its PIN, no
# ID card). Prints memcheck's error and leak summary for kioskd.
set -uo pipefail
export KX_BUILD=${KX_BUILD:?} KX_SOURCE=${KX_SOURCE:?}
source "$KX_SOURCE/tests/e2e/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind: not installed"; exit 0; }
cat > "$T/kioskd-vg" <<VG
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \
  --log-file="$T/vg.log" "$KX_BUILD/kiosk/engine/kioskd" "\$@"
VG
chmod +x "$T/kioskd-vg"; D="$T/kioskd-vg"
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 2>/dev/null || exit 1
ukey_with_cert ukey1 123456 || exit 1
kioskd_config <<CONF
[token]
module = $P11_MODULE
[engine]
timeout_percent = 400
CONF
for _ in $(seq 100); do kioskd_start >/dev/null 2>&1 && break; sleep 0.2; done
cat > "$T/r.flow" <<'FLOW'
expect timeout=120 screen=home
send choose_service service=renew
expect timeout=60 screen=cert_show
send confirm
expect timeout=60 screen=pin_enter
send pin pin=123456
expect timeout=90 screen=agreement
send confirm
expect timeout=60 screen=fee_confirm
send confirm
expect timeout=180 screen=done
send confirm
expect timeout=60 screen=home
FLOW
"$K" run-flow "$T/r.flow" >/dev/null 2>"$T/r.err" && flow=ok || flow="FAILED: $(tail -1 "$T/r.err")"
kioskd_stop
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$T/vg.log" | tail -1)
definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$T/vg.log" | tail -1)
indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$T/vg.log" | tail -1)
echo "valgrind kioskd renewal: flow $flow; memcheck errors ${errors:-?}, definitely lost ${definite:-0} B, indirectly lost ${indirect:-0} B  (command: bench/run valgrind)"
[ "${errors:-1}" = 0 ] || grep -B2 -A12 -m3 'Invalid\|uninitialised\|definitely lost in' "$T/vg.log" | head -60
