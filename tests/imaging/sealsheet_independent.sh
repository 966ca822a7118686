#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Seal sheets printed independently of the kiosk's form (issue 22):
# tools/testdata/gen_sealsheet.py --style independent writes, at test time,
# a fixed small set (seed 301: other titles and margins, the table anywhere,
# heading rows, 150-600 dpi, skew up to 5 degrees, JPEG, lid shadows,
# upside-down pages, red/vermilion/pinkish inks, worn and faint
# impressions, stamps crossing into the next cell, impressions hugging a
# line) with ground truth; `kioskctl seal-sheet` analyses each page and
# tools/testdata/sealsheet_score.py scores it. Fails on any false accept,
# any chosen impression the truth does not call ok, any table missed, or
# fewer than 95 % of cells right. The larger sets are in bench/52.
set -uo pipefail
K="$KX_BUILD/kiosk/ctl/kioskctl"
PY=/usr/bin/python3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
$PY "$KX_SOURCE/tools/testdata/gen_sealsheet.py" --out "$T/s" --count 6 --seed 301 \
    --style independent --dpi 0 || { echo "FAIL: generator"; exit 1; }
for j in "$T"/s/sheet-*[0-9].json; do
  b=${j%.json}; img=$(ls "$b".png "$b".jpg 2>/dev/null | head -1)
  "$K" seal-sheet "$img" --out "$b.out" > "$b.out.json" 2> "$b.err"; echo $? > "$b.rc"
done
$PY "$KX_SOURCE/tools/testdata/sealsheet_score.py" "$T/s" --min-status 0.95 --min-iou 0.85 \
    --min-iou-crossing 0.5 --min-exit 0.9 --min-png 0.8 --max-false-accepts 0 \
    --max-table-misses 0
