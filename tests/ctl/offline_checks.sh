#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kioskctl offline subcommands: JSON on stdout, exit codes 0/1/2.
set -uo pipefail
K="$KX_BUILD/kiosk/ctl/kioskctl"
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
# expect EXIT JQ-LIKE-SUBSTRING -- command...
expect() {
  local want_rc=$1 want_out=$2; shift 2
  local out rc
  out=$("$K" "$@" 2>/tmp/kx_ctl_err.$$); rc=$?
  if [ "$rc" = "$want_rc" ] && [[ "$out" == *"$want_out"* ]]; then ok
  else bad "kioskctl ${*:0:80} -> rc=$rc out=$out err=$(cat /tmp/kx_ctl_err.$$) (want rc=$want_rc, '$want_out')"; fi
}
json_ok() { "$K" "$@" 2>/dev/null | python3 -c 'import json,sys; json.loads(sys.stdin.read())' || { bad "not JSON: $*"; return; }; ok; }

expect 0 '"status":"valid"' uscc 91110000600037341L
expect 0 '"valid":true' uscc 9144030071526726XG
expect 1 '"status":"check_failed"' uscc 91110000600037341N
expect 1 '"status":"check_failed"' uscc 91350100M0001TGQXM
expect 1 '"status":"bad_format"' uscc 9111000060003IOZSV
expect 1 '"status":"bad_format"' uscc ''
expect 2 '' uscc
expect 2 '' uscc a b
expect 0 '"birth":"1991-01-01","sex":"M","age":35' idnum 360426199101010071 --on 2026-11-23
expect 0 '"normalized":"44011320141005001X"' idnum 44011320141005001x --on 2026-11-23
expect 0 '"adult":false' idnum 44011320141005001X --on 2026-11-23
expect 1 '"status":"check_failed"' idnum 36042619910102009X
expect 1 '"status":"bad_date"' idnum 360426199113010079
expect 2 '' idnum 360426199101010071 --on 2026-02-30
expect 2 '' idnum
expect 0 '"uscc":"91110000600037341L"' license-payload 'http://www.gsxt.gov.cn/?uniscid=91110000600037341L&x=1'
expect 0 '"candidates":["91310115MA1K3BTP2B"]' license-payload 'serial=91310115MA1K3BTP2B-SAIC_SHOW_1000'
expect 1 '"uscc":null' license-payload 'http://www.gsxt.gov.cn/?uuid=3f9a1c2e-7b4d-4e8f-9a10-2b3c4d5e6f70'
expect 0 '"id":"renew_nopin"' services
expect 0 '"valid":true' config-check "$KX_SOURCE/config/kiosk.conf.example"
printf '[fees]\nnew = lots\n' > /tmp/kx_bad.$$.conf
expect 1 ":2: [fees] new=lots" config-check /tmp/kx_bad.$$.conf
expect 2 '' config-check /nonexistent.conf
# [kiosk] site must name one of the CA's halls in sites.conf
mkdir -p /tmp/kx_site.$$
sed 's/^site = hall-provincial/site = beijing/' "$KX_SOURCE/config/kiosk.conf.example" > /tmp/kx_site.$$/kiosk.conf
cp "$KX_SOURCE/config/sites.conf" /tmp/kx_site.$$/sites.conf
expect 1 "site=beijing is not a hall" config-check /tmp/kx_site.$$/kiosk.conf
sed 's/^site = hall-provincial/site = yichun/' "$KX_SOURCE/config/kiosk.conf.example" > /tmp/kx_site.$$/kiosk.conf
expect 0 '"valid":true' config-check /tmp/kx_site.$$/kiosk.conf
rm -rf /tmp/kx_site.$$
expect 2 '' no-such-command
json_ok uscc 91110000600037341L
json_ok idnum 360426199101010071
expect 2 "" license-payload "$(printf "x%.0s" {1..5000})"
rm -f /tmp/kx_ctl_err.$$ /tmp/kx_bad.$$.conf
finish
