#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The legal representative's signature on the authorisation letter (issue
# 19; kiosk/imaging/doccheck.h kx_letter_signature): the kiosk's own letter
# (kioskctl print letter) generated at test time by
# tools/testdata/gen_letter.py - signed in black, signed in blue, sealed
# with the legal representative's red seal, or left empty; with and
# without the company seal; laid a few millimetres off the glass's corner
# and a fraction of a degree askew; at 150, 200 and 300 dpi -
# goes through doccheck_probe --letter. Every signed or sealed letter must
# be "signed", every empty one "unsigned", and the field's line must be
# found on every letter whose line no seal covers. The blank letter as
# printed is unsigned too.
set -uo pipefail
PY=/usr/bin/python3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
K="$KX_BUILD/kiosk/ctl/kioskctl"
n=0
for spec in "150 1 png" "200 2 png" "300 3 png"; do
  read -r dpi seed fmt <<<"$spec"
  $PY "$KX_SOURCE/tools/testdata/gen_letter.py" --kioskctl "$K" --out "$T/$dpi" --dpi "$dpi" \
    --seed "$seed" --count 8 --format "$fmt" || { echo "FAIL: generator"; exit 1; }
  n=$((n + 1))
done
"$K" print letter --blank --out "$T/blank.pdf" >/dev/null 2>&1 &&
  pdftoppm -r 150 -png -singlefile "$T/blank.pdf" "$T/blank" || { echo "FAIL: blank letter"; exit 1; }
# titles are not what this test is about: no Tesseract, faster
KX_DOCCHECK_OCR=off "$KX_BUILD/tests/imaging/doccheck_probe" --letter "$T"/*/letter-* "$T/blank.png" \
  > "$T/got" || { echo "FAIL: probe"; exit 1; }
$PY - "$T" "$T/got" <<'EOF2'
import json, os, sys
root, got = sys.argv[1], sys.argv[2]
truth = {}
for d in os.listdir(root):
    p = os.path.join(root, d, "truth.json")
    if os.path.exists(p):
        for t in json.load(open(p)):
            truth[os.path.join(root, d, t["image"])] = t
fails, n = [], 0
for line in open(got):
    f = line.split()
    path = f[0]
    if len(f) < 8:
        fails.append(f"{path}: {line.strip()}")
        continue
    verdict, ink, red, found = f[4], float(f[5]), float(f[6]), f[7] == "1"
    n += 1
    if path.endswith("blank.png"):
        if verdict != "unsigned":
            fails.append(f"blank letter: {verdict} (ink {ink} mm², red {red} mm²)")
        continue
    t = truth[path]
    want = "unsigned" if t["field"] == "empty" else "signed"
    if verdict != want:
        fails.append(f"{os.path.relpath(path, root)}: {verdict}, truth {t['field']} "
                     f"(ink {ink} mm², red {red} mm²)")
    if t["field"] != "legal_seal" and not found:
        fails.append(f"{os.path.relpath(path, root)}: the field's line not found")
for f in fails:
    print("FAIL: " + f)
print(f"{n - len(fails)} of {n} letters right")
sys.exit(1 if fails or n != len(truth) + 1 else 0)
EOF2
