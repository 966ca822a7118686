#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The run loop's drawing path gives the same pixels as the screenshot
# harness's plain one: on the software renderer full frames are drawn
# straight onto the window with fills written into its surface (fill.c,
# app.c's direct mode), spinners and countdowns drawn over the frame from
# saved rectangles. Every canned screen, in the order the harness shows
# them (so anything a screen leaves behind shows on the next), both ways,
# compared pixel for pixel.
set -uo pipefail
B=${KX_BUILD:?}
KIOSK="$B/kiosk/ui/kiosk"
T=$(mktemp -d /tmp/kx-ui-render-XXXXXX); trap 'rm -rf "$T"' EXIT
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=info
fail=0
for c in zh_CN:portrait en:landscape; do
  IFS=: read -r lang orient <<<"$c"
  if ! "$KIOSK" --screenshots "$T/plain-$lang" --lang "$lang" --orientation "$orient" \
       >/dev/null 2>"$T/plain.err"; then
    echo "FAIL: plain screenshots $c"; tail -5 "$T/plain.err"; fail=1; continue
  fi
  if ! KX_UI_SHOTS_RENDER=1 "$KIOSK" --screenshots "$T/render-$lang" --lang "$lang" \
       --orientation "$orient" >/dev/null 2>"$T/render.err"; then
    echo "FAIL: render-path screenshots $c"; tail -5 "$T/render.err"; fail=1; continue
  fi
  # the direct fills must actually have been used, or this compares SDL with itself
  if ! grep -q 'ui.direct_fill.*on' "$T/render.err"; then
    echo "FAIL: $c: the render path did not write fills into the window surface"
    grep 'direct_fill' "$T/render.err"; fail=1
  fi
  /usr/bin/python3 - "$T/plain-$lang" "$T/render-$lang" "$c" <<'PY' || fail=1
import os, sys
from PIL import Image, ImageChops
a_dir, b_dir, case = sys.argv[1:4]
names = sorted(f for f in os.listdir(a_dir) if f.endswith(".png"))
bad = 0
for f in names:
    a = Image.open(os.path.join(a_dir, f)).convert("RGB")
    b = Image.open(os.path.join(b_dir, f)).convert("RGB")
    box = ImageChops.difference(a, b).getbbox()
    if box:
        bad += 1
        print("FAIL: %s %s differs between the paths in %s" % (case, f, box))
if len(names) < 50:
    print("FAIL: %s only %d screens" % (case, len(names))); sys.exit(1)
print("%s: %d screens, %d differ" % (case, len(names), bad))
sys.exit(1 if bad else 0)
PY
done
[ "$fail" = 0 ] && echo "PASS: render path matches the plain path on every screen"
exit "$fail"
