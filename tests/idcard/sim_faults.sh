#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kioskctl idcard read against idcard-sim, for every fault the simulator
# injects: what the driver must survive, and what it must report.
set -uo pipefail
K="$KX_BUILD/kiosk/ctl/kioskctl"
SIM="$KX_BUILD/tools/idcard-sim/idcard-sim"
T=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
cat > "$T/card.json" <<'JSON'
{"name":"张三","sex":"M","nation_code":"01","birth":"1991-01-01","address":"江西省南昌市东湖区八一大道123号","id_number":"360426199101010071","authority":"南昌市公安局东湖分局","valid_from":"2015-06-01","valid_to":"2035-06-01"}
JSON
pass=0; fail=0
check() { # name want_rc want_text fault...
  local name=$1 want_rc=$2 want=$3; shift 3
  rm -f "$T/tty"
  "$SIM" --card "$T/card.json" --link "$T/tty" "$@" > /dev/null &
  local pid=$!
  for _ in $(seq 50); do [ -e "$T/tty" ] && break; sleep 0.05; done
  local out err rc
  out=$("$K" idcard read --device "$T/tty" --timeout 2 2> "$T/err"); rc=$?
  err=$(grep -v '^20' "$T/err")
  kill $pid; wait $pid 2>/dev/null
  if [ "$rc" = "$want_rc" ] && [[ "$out$err" == *"$want"* ]]; then pass=$((pass+1))
  else fail=$((fail+1)); echo "FAIL $name: rc=$rc out=${out:0:80} err=$err"; fi
  # the ID number never reaches a log line unmasked
  if grep '^20' "$T/err" | grep -q 360426199101010071; then fail=$((fail+1)); echo "FAIL $name: ID number in log"; fi
}
check normal        0 '"id_number":"360426199101010071"'
check checks        0 '"checks":{"id_number_valid":true,"consistent":true,"expired":false,"adult":true}'
check noise         0 '"name":"张三"' --fault noise
check chunked       0 '"nation":"汉"' --fault chunked
check slow          0 '"valid_to":"2035-06-01"' --fault slow
check bad-once      0 '"name":"张三"' --fault bad-checksum:2
check bad-always    1 'KX_ERR_FRAME' --fault bad-checksum
check no-card       1 'KX_ERR_TIMEOUT' --fault no-card
check absent        1 'KX_ERR_TIMEOUT' --no-card
check lifted        1 'KX_ERR_CARD_LIFTED' --fault lift
check sam-error     1 'KX_ERR_SAM' --fault sam-error
check sam-unauth    1 'KX_ERR_SAM' --fault sam-unauthorised
check silent        1 'KX_ERR_TIMEOUT' --fault silent
"$K" idcard read >/dev/null 2>&1; [ $? = 2 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL usage"; }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
