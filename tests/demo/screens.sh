#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo's screens are identical to the committed expectation: every
# state the demo's front end was shown (KX_UI_STATE_LOG, recorded by
# demo.sh) is rendered again offline (kiosk --screenshots --states: dummy
# video driver, software renderer, a fixed clock) and each PNG's SHA-256 is
# compared with tests/demo/screens.sha256. What differs from one run to the
# next is set to fixed values first: the certificate's serial and dates,
# the days left, the validity on the done screen, the RA's order number,
# the countdowns and the scan previews' spool paths (kioskd deletes the
# scans at the session's end, so every preview renders as missing). The
# live screenshots the demo grabs from Xvfb are not compared: they are
# taken a moment after each screen appears, with countdowns and the idle
# warning running.
# Usage: screens.sh STATE_LOG. Regenerate the list after an intended
# change: KX_UPDATE_GOLDENS=1 ctest -R demo_headless
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
log=${1:?usage: screens.sh STATE_LOG}
want="$KX_SOURCE/tests/demo/screens.sha256"
T=$(mktemp -d /tmp/kx-demo-screens-XXXXXX)
trap 'rm -rf "$T"' EXIT
check "the demo's front end recorded its states" test -s "$log"
/usr/bin/python3 - "$log" >"$T/states.jsonl" <<'PY' || { bad "normalising $log"; finish; exit; }
import json, re, sys
date = re.compile(r"^\d{4}-\d{2}-\d{2}")
def fix(o):
    cert = o.get("cert")
    if isinstance(cert, dict):
        for k in cert:
            if "serial" in k:
                cert[k] = "00112233445566778899aabbccddeeff"
            elif isinstance(cert[k], str) and date.match(cert[k]):
                cert[k] = "2027-01-07"
            elif k == "days_left":
                cert[k] = 30
    for b in o.get("body") or []:
        for k, v in (b.get("args") or {}).items():
            if isinstance(v, str) and date.match(v):
                b["args"][k] = "2027-01-07" if k != "from" else "2026-12-08"
            elif k == "days":
                b["args"][k] = "30"
    pay = o.get("payment")
    if isinstance(pay, dict) and pay.get("order"):
        pay["qr"] = pay.get("qr", "").replace(pay["order"], "o-0000000000")
        pay["order"] = "o-0000000000"
    t = o.get("timeout")
    if isinstance(t, dict):
        t["left"] = t.get("total")
    if isinstance(o.get("staff"), dict) and "idle_left" in o["staff"]:
        o["staff"]["idle_left"] = 120
    for p in o.get("previews") or []:
        p["path"] = "/nonexistent/kx-demo-preview-%s.png" % p.get("doc")
    return o
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        print(json.dumps(fix(json.loads(line)), ensure_ascii=False, separators=(",", ":")))
PY
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=warn
if ! "$KX_BUILD/kiosk/ui/kiosk" --screenshots "$T/shots" --states "$T/states.jsonl" \
     >"$T/out" 2>"$T/err"; then
  bad "rendering the demo's states"; head -5 "$T/err"
fi
(cd "$T/shots" && sha256sum -- *.png) >"$T/got" 2>/dev/null
# kept for a person to look at when a screen differs
rm -rf "$KX_BUILD/demo-screens"
cp -r "$T/shots" "$KX_BUILD/demo-screens" 2>/dev/null
if [ "${KX_UPDATE_GOLDENS:-0}" = 1 ]; then
  { echo "# SHA-256 of the demo's screens rendered from its recorded states (tests/demo/screens.sh)"
    cat "$T/got"; } >"$want"
  echo "updated $want ($(wc -l <"$T/got") screens)"
fi
check "the demo's screens were rendered" test -s "$T/got"
# every expected screen, with its hash; and no screen the list does not know
while read -r hash name; do
  case $hash in \#*|"") continue ;; esac
  got=$(awk -v n="$name" '$2 == n {print $1}' "$T/got")
  if [ -z "$got" ]; then bad "the demo no longer shows $name"
  elif [ "$got" != "$hash" ]; then bad "$name differs from the demo's expected screen ($KX_BUILD/demo-screens)"
  else ok; fi
done <"$want"
while read -r _ name; do
  grep -q " $name\$" "$want" || bad "the demo shows a screen the list does not have: $name"
done <"$T/got"
[ "$fail" = 0 ] || echo "after an intended change of these screens: KX_UPDATE_GOLDENS=1 ctest -R demo_headless, and look at $KX_BUILD/demo-screens"
finish
