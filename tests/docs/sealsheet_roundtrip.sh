#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sealsheet_roundtrip.sh - the seal sheet kioskctl prints (kiosk/docs, drawn
# from code) is one the seal-sheet analyser reads: rendered, rasterised at
# 300 dpi as a scan would be, a red company seal stamped in its first cell
# and a signature in the last row, the analyser finds the table, the seal
# and the signature where they were put, and nothing in the empty row.
set -euo pipefail
KX_BUILD=${KX_BUILD:?}
KX_SOURCE=${KX_SOURCE:?}
. "$KX_SOURCE/tests/lib/check.sh"
ctl="$KX_BUILD/kiosk/ctl/kioskctl"
export LSAN_OPTIONS="suppressions=$KX_SOURCE/tests/docs/lsan.supp"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check "seal sheet rendered" "$ctl" print sealsheet --out "$tmp/sheet.pdf"
check "rasterised" pdftoppm -r 300 -png -singlefile "$tmp/sheet.pdf" "$tmp/sheet"
# stamp: a red ring with a star in row 1 cell 1 (x 60..125 mm, y 52..114 mm);
# a blue-black scribble in row 3 cell 2 (x 125..190 mm, y 164..214 mm)
/usr/bin/python3 - "$tmp/sheet.png" "$tmp/stamped.png" <<'PY'
import sys
from PIL import Image, ImageDraw
im = Image.open(sys.argv[1]).convert("RGB")
d = ImageDraw.Draw(im)
mm = 300 / 25.4
cx, cy, r = 92.5 * mm, 83 * mm, 20 * mm
d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(200, 30, 40), width=int(1.2 * mm))
d.polygon([(cx, cy - 8 * mm), (cx + 3 * mm, cy + 6 * mm), (cx - 5 * mm, cy - 2 * mm),
           (cx + 5 * mm, cy - 2 * mm), (cx - 3 * mm, cy + 6 * mm)], fill=(200, 30, 40))
pts = [(140 * mm + i * 1.5 * mm, 190 * mm + (8 * mm if i % 2 else -8 * mm)) for i in range(20)]
d.line(pts, fill=(20, 20, 60), width=int(0.6 * mm))
im.save(sys.argv[2], dpi=(300, 300))
PY
mkdir -p "$tmp/out"
r=$("$ctl" seal-sheet "$tmp/stamped.png" --out "$tmp/out" 2>/dev/null) || true
echo "$r"
/usr/bin/python3 - "$r" <<'PY' && ok || bad "analyser reads the printed sheet"
import json, sys
o = json.loads(sys.argv[1])
areas = {a["area"]: a for a in o["areas"]}
assert areas["company_seal"]["cells"][0]["status"] != "missing", areas["company_seal"]
assert areas["company_seal"]["best"] is not None, areas["company_seal"]
assert all(c["status"] == "missing" for c in areas["legal_seal"]["cells"]), areas["legal_seal"]
assert areas["signature"]["cells"][1]["status"] != "missing", areas["signature"]
PY
finish
