#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every screen of the protocol renders from canned states in zh_CN and en,
# portrait and landscape, normal and large text, with no text outside its
# box, no missing glyph, no missing illustration, no overlap in the header
# and (large text) no text under 7:1 contrast (the kiosk's own audit,
# exit 1 on a problem).
# Also proves the audit bites: a Latin-only font must fail on Chinese text,
# a missing illustrations folder must fail too.
set -uo pipefail
B=${KX_BUILD:?}; S=${KX_SOURCE:?}
KIOSK="$B/kiosk/ui/kiosk"
T=$(mktemp -d /tmp/kx-ui-screens-XXXXXX); trap 'rm -rf "$T"' EXIT
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=warn
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish

# the screen ids kioskd publishes, from the protocol's screen table
ids=$(awk '/^## Screens/{on=1;next} /^## /{on=0} on && /^\| `[a-z_]+` \|/{gsub(/[|` ]/,"",$2); print $2}' \
      FS='|' "$S/docs/protocol.md" | sort -u)
[ "$(wc -w <<<"$ids")" -ge 20 ] && ok || bad "could not read the screen ids from docs/protocol.md"
# the UI's own staff and maintenance screens, from docs/ui-staff-screens.md
staff_ids=$(awk '/^## Screens/{on=1;next} /^## /{on=0} on && /^\| `[a-z_]+` \|/{gsub(/[|` ]/,"",$2); print $2}' \
      FS='|' "$S/docs/ui-staff-screens.md" | sort -u)
[ "$(wc -w <<<"$staff_ids")" -ge 12 ] && ok || bad "could not read the staff screen ids from docs/ui-staff-screens.md"

for lang in zh_CN en; do
  for orient in portrait landscape; do
    d="$T/$lang-$orient"
    if "$KIOSK" --screenshots "$d" --lang "$lang" --orientation "$orient" >"$T/out" 2>"$T/err"; then
      ok
    else
      bad "screenshots $lang $orient (exit $?)"; grep -E 'AUDIT|kiosk:' "$T/err" | head -20
    fi
    for id in $ids $staff_ids unavailable idle_warning take_ukey_reminder cancel_confirm; do
      [ -s "$d/$id.png" ] && ok || bad "$lang $orient: no screenshot for screen $id"
    done
    # every PNG is the logical size of its orientation
    size=$(/usr/bin/python3 -c "import sys
from PIL import Image
print(Image.open(sys.argv[1]).size)" "$d/home.png" 2>/dev/null)
    want="(1080, 1920)"; [ "$orient" = landscape ] && want="(1920, 1080)"
    [ "$size" = "$want" ] && ok || bad "$lang $orient: home.png is $size, want $want"
  done
done

# large text and high contrast (适老化, kiosk --screenshots --large-text):
# every screen again, both languages and orientations, with the same audit
# (no text past its box, no missing glyph or illustration, the header's
# parts apart) and every text at 7:1 contrast or more
for lang in zh_CN en; do
  for orient in portrait landscape; do
    d="$T/large-$lang-$orient"
    if "$KIOSK" --screenshots "$d" --large-text --lang "$lang" --orientation "$orient" >"$T/out" 2>"$T/err"; then
      ok
    else
      bad "large-text screenshots $lang $orient (exit $?)"; grep -aE 'AUDIT|kiosk:' "$T/err" | sort -u | head -20
    fi
    for id in $ids unavailable idle_warning take_ukey_reminder cancel_confirm; do
      [ -s "$d/$id.png" ] && ok || bad "large text $lang $orient: no screenshot for screen $id"
    done
    cmp -s "$d/home.png" "$T/$lang-$orient/home.png" && bad "large text $lang $orient: home looks normal" || ok
  done
done

# the English and Chinese home screens differ (the catalogue is used)
cmp -s "$T/zh_CN-portrait/home.png" "$T/en-portrait/home.png" && bad "zh_CN and en home identical" || ok

# the audit bites: Chinese text with a Latin-only font is a missing glyph
if fc-list : family | grep -qx 'DejaVu Sans'; then
  printf '[ui]\nfonts = DejaVu Sans\n' > "$T/latin.conf"
  "$KIOSK" --config "$T/latin.conf" --screenshots "$T/latin" --only home --lang zh_CN >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q 'missing glyph' "$T/err" && ok || bad "Latin-only font not reported (exit $rc)"
else
  echo "note: DejaVu Sans not installed; Latin-only font check skipped"
fi
KX_ASSETS_DIR="$T/nowhere" "$KIOSK" --screenshots "$T/noart" --only ukey_insert >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && grep -q 'illustration missing' "$T/err" && ok || bad "missing illustrations not reported (exit $rc)"

# bad command lines are refused with exit 2
"$KIOSK" --screenshots "$T/x" --lang fr >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--lang fr accepted"
"$KIOSK" --orientation sideways --screenshots "$T/x" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad orientation accepted"
printf '[ui]\norientation = diagonal\n' > "$T/bad.conf"
"$KIOSK" --config "$T/bad.conf" --screenshots "$T/x" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q 'orientation' "$T/err" && ok || bad "bad [ui] orientation not reported"

finish
