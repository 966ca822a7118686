#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Seal-sheet analysis end to end: synthetic scans from
# tools/testdata/gen_sealsheet.py (varied layouts, skew, scaling, noise, JPEG,
# 300 and 200 dpi, every cell status) go through `kioskctl seal-sheet`, and
# tools/testdata/sealsheet_score.py scores the results against the ground
# truth with fixed thresholds. Then the command's edges: usage, unreadable
# input, a page without the table, a grey scan, an output directory that
# cannot be made.
set -uo pipefail
K="$KX_BUILD/kiosk/ctl/kioskctl"
PY=/usr/bin/python3
GEN="$KX_SOURCE/tools/testdata/gen_sealsheet.py"
SCORE="$KX_SOURCE/tools/testdata/sealsheet_score.py"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish

run_dir() { # run kioskctl on every sheet of $1
  for j in "$1"/sheet-*[0-9].json; do
    b=${j%.json}; img=$(ls "$b".png "$b".jpg 2>/dev/null | head -1)
    "$K" seal-sheet "$img" --out "$b.out" > "$b.out.json" 2> "$b.err"; echo $? > "$b.rc"
  done
}

# 1. Scored runs. Thresholds: every cell status right on 95% of cells; boxes
# of clean impressions IoU >= 0.9 on average; boxes of line-crossing ones
# >= 0.6 (ink under a line, or pen ink above or below the table, is not
# seen); exit code right on 95% of sheets; every exported PNG checked.
$PY "$GEN" --out "$T/a" --count 10 --seed 11 --dpi 300 &
$PY "$GEN" --out "$T/b" --count 4 --seed 12 --dpi 200 --jpeg-every 2 &
wait
for d in a b; do
  run_dir "$T/$d"
  if $PY "$SCORE" "$T/$d" --min-status 0.95 --min-iou 0.9 --min-iou-crossing 0.6 \
       --min-exit 0.95 --min-png 1.0 > "$T/$d.score"; then ok; else bad "score of set $d"; fi
  cat "$T/$d.score" | sed "s/^/  [$d] /"
done

# 2. The JSON shape on one sheet: three areas in order, two cells each, bbox
# only on found impressions, file only where best is set, exit 0 iff all ok.
$PY - "$T/a" <<'EOF' && ok || bad "JSON shape"
import json, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if not name.endswith(".out.json"):
        continue
    o = json.load(open(os.path.join(d, name)))
    rc = int(open(os.path.join(d, name.replace(".out.json", ".rc"))).read())
    assert [a["area"] for a in o["areas"]] == ["company_seal", "legal_seal", "signature"], name
    assert isinstance(o["ms"], int)
    for a in o["areas"]:
        assert len(a["cells"]) == 2
        for c in a["cells"]:
            assert c["status"] in ("ok", "missing", "crosses_line", "faint")
            assert ("bbox" in c) == (c["status"] != "missing"), (name, c)
            assert c["status"] != "crosses_line" or c["lines"], (name, c)
        if a["best"] is None:
            assert a["file"] is None and a["size_mm"] is None and a["advice"], (name, a)
        else:
            assert a["cells"][a["best"]]["status"] == "ok", (name, a)
            assert os.path.exists(a["file"]) and a["file"].endswith("/" + a["area"] + ".png")
    all_ok = all(a["best"] is not None for a in o["areas"])
    assert rc == (0 if all_ok else 1), (name, rc)
EOF

# 3. Edges of the command.
"$K" seal-sheet >/dev/null 2>&1; [ $? = 2 ] && ok || bad "no arguments should exit 2"
"$K" seal-sheet "$T/a/sheet-000.png" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "missing --out should exit 2"
"$K" seal-sheet "$T/a/sheet-000.png" --out "$T/o" --dpi 5 >/dev/null 2>&1; [ $? = 2 ] && ok || bad "--dpi 5 should exit 2"
"$K" seal-sheet "$T/nonexistent.png" --out "$T/o" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "missing file should exit 2"
echo "not an image" > "$T/text.png"
"$K" seal-sheet "$T/text.png" --out "$T/o" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "text file should exit 2"
head -c 20000 "$T/a/sheet-000.png" > "$T/trunc.png"
"$K" seal-sheet "$T/trunc.png" --out "$T/o" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "truncated PNG should exit 2"
"$K" seal-sheet "$T/a/sheet-000.png" --out /proc/no/such/dir >/dev/null 2>&1; [ $? = 2 ] && ok || bad "uncreatable --out should exit 2"

# A blank page and a page of text without the table: exit 1, error JSON.
$PY - "$T" <<'EOF'
import sys
from PIL import Image, ImageDraw
t = sys.argv[1]
Image.new("RGB", (2480, 3508), (246, 246, 244)).save(t + "/blank.png", dpi=(300, 300))
im = Image.new("RGB", (2480, 3508), (250, 250, 250))
d = ImageDraw.Draw(im)
for y in range(300, 3300, 80):
    d.rectangle([200, y, 2200, y + 30], fill=(30, 30, 30))   # lines of "text"
im.save(t + "/text-page.png", dpi=(300, 300))
EOF
for p in blank text-page; do
  out=$("$K" seal-sheet "$T/$p.png" --out "$T/o-$p" 2>/dev/null); rc=$?
  if [ $rc = 1 ] && [[ "$out" == *'"error":"KX_ERR_NO_TABLE"'* ]]; then ok; else bad "$p: rc=$rc out=$out"; fi
  [ -z "$(ls -A "$T/o-$p" 2>/dev/null)" ] && ok || bad "$p: files written for a page without a table"
done

# A grey scan of a sheet: no red, so both seal rows read missing (never a
# wrong ok), and the signature row is still analysed.
$PY -c "from PIL import Image; Image.open('$T/a/sheet-000.png').convert('L').save('$T/grey.png', dpi=(300, 300))"
"$K" seal-sheet "$T/grey.png" --out "$T/o-grey" > "$T/grey.json" 2>/dev/null; rc=$?
$PY - "$T/grey.json" "$T/a/sheet-000.json" "$rc" <<'EOF' && ok || bad "grey scan"
import json, sys
o, t, rc = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
assert rc == 1
for a in o["areas"][:2]:
    assert [c["status"] for c in a["cells"]] == ["missing", "missing"], a
assert [c["status"] for c in o["areas"][2]["cells"]] == [c["status"] for c in t["areas"][2]["cells"]]
EOF

# The printable form itself: the table is found and every cell is empty.
"$K" seal-sheet "$KX_SOURCE/assets/forms/sealsheet-a4.png" --out "$T/o-form" > "$T/form.json" 2>/dev/null; rc=$?
if [ $rc = 1 ] && [ "$(grep -o '"status":"missing"' "$T/form.json" | wc -l)" = 6 ]; then ok; else bad "blank form: rc=$rc $(cat "$T/form.json")"; fi

finish
