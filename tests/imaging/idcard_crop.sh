#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# idcard_crop.sh - kioskctl idcard-crop scored against generated flatbed
# scans of ID cards (tools/testdata/gen_idcard.py, seeds 5, 7 and 11: a
# pale card on a pale lid on seeds 7 and 11 was once missed): fronts and
# backs, 200 and 300 dpi, white, grey and black lids, rotated up to 12
# degrees, some against the glass corner.
#
# Thresholds: every card found; every corner within 1.0 mm of the truth;
# the crop is 85.6 x 54 mm at the scan's dpi; the crop matches the printed
# card (mean absolute difference under 18 grey levels away from the rounded
# corners). A blank lid and a whole A4 page are "no card" (exit 1); broken
# input is exit 2 and leaves no output file.
set -euo pipefail
KX_BUILD=${KX_BUILD:?}
KX_SOURCE=${KX_SOURCE:?}
ctl="$KX_BUILD/kiosk/ctl/kioskctl"
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$py" "$KX_SOURCE/tools/testdata/gen_idcard.py" --out "$tmp/cards" --count 10 --seed 5
"$py" "$KX_SOURCE/tools/testdata/gen_idcard.py" --out "$tmp/cards7" --count 10 --seed 7
"$py" "$KX_SOURCE/tools/testdata/gen_idcard.py" --out "$tmp/cards11" --count 10 --seed 11

"$py" - "$ctl" "$tmp/cards" "$tmp/cards7" "$tmp/cards11" <<'EOF'
import json, math, subprocess, sys
import numpy as np
from PIL import Image
ctl = sys.argv[1]
fails = []
worst_mm = 0
for d, t in [(d, t) for d in sys.argv[2:] for t in json.load(open(f"{d}/truth.json"))]:
    out = f"{d}/crop-{t['image']}.png"
    r = subprocess.run([ctl, "idcard-crop", f"{d}/{t['image']}", "--out", out],
                       capture_output=True, text=True)
    try:
        o = json.loads(r.stdout)
    except ValueError:
        fails.append(f"{t['image']}: no JSON (exit {r.returncode}): {r.stderr.strip()}")
        continue
    if r.returncode != 0 or not o.get("found"):
        fails.append(f"{t['image']}: not found ({t['lid']} lid): {r.stderr.strip()}")
        continue
    err = max(math.hypot(a[0] - b[0], a[1] - b[1]) for a, b in zip(o["corners"], t["corners"]))
    err_mm = err / t["dpi"] * 25.4
    worst_mm = max(worst_mm, err_mm)
    if err_mm > 1.0:
        fails.append(f"{t['image']}: corner off by {err_mm:.2f} mm")
    crop = Image.open(out)
    want = (round(85.6 / 25.4 * t["dpi"]), round(54 / 25.4 * t["dpi"]))
    if crop.size != want or abs(o["dpi"] - t["dpi"]) > 0.5:
        fails.append(f"{t['image']}: crop {crop.size} at {o['dpi']} dpi, expected {want}")
        continue
    ref = np.asarray(Image.open(f"{d}/{t['ref']}").convert("L")).astype(np.float32)
    got = np.asarray(crop.convert("L")).astype(np.float32)
    m = int(4 / 25.4 * t["dpi"])  # leave out the rounded corners
    inner = np.abs(ref - got)[m:-m, m:-m]
    mad = float(inner.mean())
    if mad > 18:
        fails.append(f"{t['image']}: crop differs from the card (MAD {mad:.1f})")
    print(f"{t['image']}: {t['side']} {t['lid']} lid {t['dpi']} dpi angle {t['angle']}: "
          f"corner error {err_mm:.2f} mm, MAD {mad:.1f}, {o['ms']} ms")
print(f"idcard: worst corner error {worst_mm:.2f} mm")
d = sys.argv[2]
# Nothing card-like: a blank lid, and a full A4 page of print.
Image.new("RGB", (1700, 2300), (244, 244, 244)).save(f"{d}/blank.jpg", dpi=(200, 200))
page = Image.new("RGB", (1654, 2339), (30, 30, 30))
page.paste(Image.new("RGB", (1500, 2100), (250, 250, 245)), (60, 100))
page.save(f"{d}/page.jpg", dpi=(200, 200))
for name in ("blank.jpg", "page.jpg"):
    r = subprocess.run([ctl, "idcard-crop", f"{d}/{name}", "--out", f"{d}/x.png"],
                       capture_output=True, text=True)
    if r.returncode != 1 or json.loads(r.stdout).get("found") is not False:
        fails.append(f"{name}: expected no card, got exit {r.returncode} {r.stdout}")
for f in fails:
    print("FAIL", f)
sys.exit(1 if fails else 0)
EOF

[ ! -e "$tmp/cards/x.png" ] || { echo "FAIL: output written for a scan without a card"; exit 1; }
printf 'P6\n100 100\n255\n' > "$tmp/cut.ppm"
set +e
"$ctl" idcard-crop "$tmp/cut.ppm" --out "$tmp/o.png" >/dev/null 2>&1; rc1=$?
"$ctl" idcard-crop "$tmp/cards/card-000.jpg" >/dev/null 2>&1; rc2=$?
"$ctl" idcard-crop "$tmp/cards/card-000.jpg" --out /nonexistent/dir/o.png >/dev/null 2>&1; rc3=$?
set -e
[ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$rc3" = 2 ] || { echo "FAIL: exits $rc1 $rc2 $rc3"; exit 1; }
[ ! -e "$tmp/o.png" ] || { echo "FAIL: output left after unreadable input"; exit 1; }
echo "idcard_crop: all checks passed"
