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
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
# read_case NAME WANT_RC WANT_TEXT FAULT...: one read against idcard-sim
read_case() {
  local name=$1 want_rc=$2 want=$3; shift 3
  rm -f "$T/tty"
  "$SIM" --card "$T/card.json" --link "$T/tty" "$@" > /dev/null &
  local pid=$!
  for _ in $(seq 50); do [ -e "$T/tty" ] && break; sleep 0.05; done
  local out err rc
  out=$("$K" idcard read --device "$T/tty" --timeout 2 2> "$T/err"); rc=$?
  err=$(grep -v '^20' "$T/err")
  kill $pid; wait $pid 2>/dev/null
  if [ "$rc" = "$want_rc" ] && [[ "$out$err" == *"$want"* ]]; then ok
  else bad "$name: rc=$rc out=${out:0:80} err=$err"; fi
  # the ID number never reaches a log line unmasked
  if grep '^20' "$T/err" | grep -q 360426199101010071; then bad "$name: ID number in log"; fi
}
read_case normal    0 '"id_number":"360426199101010071"'
read_case checks    0 '"checks":{"id_number_valid":true,"consistent":true,"expired":false,"adult":true}'
read_case noise     0 '"name":"张三"' --fault noise
read_case chunked   0 '"nation":"汉"' --fault chunked
read_case slow      0 '"valid_to":"2035-06-01"' --fault slow
read_case bad-once  0 '"name":"张三"' --fault bad-checksum:2
read_case bad-always 1 'KX_ERR_FRAME' --fault bad-checksum
read_case no-card   1 'KX_ERR_TIMEOUT' --fault no-card
read_case absent    1 'KX_ERR_TIMEOUT' --no-card
read_case lifted    1 'KX_ERR_CARD_LIFTED' --fault lift
read_case sam-error 1 'KX_ERR_SAM' --fault sam-error
read_case sam-unauth 1 'KX_ERR_SAM' --fault sam-unauthorised
read_case silent    1 'KX_ERR_TIMEOUT' --fault silent
"$K" idcard read >/dev/null 2>&1; [ $? = 2 ] && ok || bad "usage"
finish
