#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Seal sheets the right way up and upside down, at 400 and 600 dpi (issue
# 22: an upside-down page used to be analysed, turned and analysed again).
# Pages: gen_sealsheet.py --style independent --seed 808, KX_SEAL_ORIENT_N
# (6) per resolution, each also turned by 180 degrees (both saved as PNG, so
# the two differ only in which way up they lie). The analysis is timed in
# one process against a previous version of the analyser, interleaved (old,
# new, old, new on the same decoded page; sealsheet_time built with
# -DSEALSHEET_TIME_VERSUS): the previous version's seal-sheet files are
# taken from commit KX_SEAL_BASE (8884378, before the orientation was
# decided on the block maps) and compiled here with their public functions
# renamed old_kx_*. CPU time on one core, best and median of
# KX_SEAL_INPROC (7) runs per page. Target: analysis < 50 ms per page.
set -uo pipefail
PY=/usr/bin/python3
N=${KX_SEAL_ORIENT_N:-6}
P=${KX_SEAL_INPROC:-7}
BASE=${KX_SEAL_BASE:-8884378}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T/old/imaging" "$T/obj" "$T/pages"
for f in sealsheet.c sealsheet.h sealsheet_internal.h sealsheet_avx2.c runlabel.c runlabel.h; do
  git -C "$KX_SOURCE" show "$BASE:kiosk/imaging/$f" > "$T/old/imaging/$f" 2>/dev/null ||
    { echo "bench 53: $f not in $BASE"; exit 1; }
done
REN=""
for s in kx_sealsheet_analyze_pixels kx_sealsheet_analyze kx_sealsheet_result_free \
         kx_seal_area_name kx_seal_status_name kx_sealsheet_advice ss_export_strengths_avx2 \
         kx_runs_label kx_runs_free; do
  REN="$REN -D$s=old_$s"
done
INC="-I$T/old -I$KX_BUILD/include/kiosk/core -I$KX_BUILD/include/kiosk/imaging -I$KX_BUILD/include/kiosk/domain"
CF="-O3 -DNDEBUG -std=c17 -D_GNU_SOURCE"
for f in sealsheet runlabel sealsheet_avx2; do
  extra=""; [ "$f" = sealsheet_avx2 ] && extra="-mavx2"
  # shellcheck disable=SC2086
  cc $CF $extra $REN $INC -c "$T/old/imaging/$f.c" -o "$T/obj/$f.o" ||
    { echo "bench 53: cannot build $BASE's $f.c"; exit 1; }
done
# shellcheck disable=SC2086
cc $CF -DSEALSHEET_TIME_VERSUS -I"$KX_SOURCE/bench" -I"$KX_BUILD/include/kiosk/core" \
  -I"$KX_BUILD/include/kiosk/imaging" -I"$KX_BUILD/include/kiosk/domain" \
  "$KX_SOURCE/bench/sealsheet_time.c" "$T"/obj/*.o "$KX_BUILD/kiosk/imaging/libkx_imaging.a" \
  "$KX_BUILD/kiosk/domain/libkx_domain.a" "$KX_BUILD/kiosk/core/libkx_core.a" \
  $(pkg-config --libs libpng zbar libjpeg) -lm -lpthread -ldl -o "$T/versus" ||
  { echo "bench 53: cannot link the versus timer"; exit 1; }
for dpi in 400 600; do
  $PY "$KX_SOURCE/tools/testdata/gen_sealsheet.py" --out "$T/g$dpi" --count "$N" --seed 808 \
      --style independent --dpi "$dpi" >/dev/null 2>&1 || { echo "bench 53: generator failed"; exit 1; }
done
$PY - "$T" <<'PY'
import glob, json, os, sys
from PIL import Image
t = sys.argv[1]
for j in sorted(glob.glob(f"{t}/g*/sheet-*[0-9].json")):
    truth = json.load(open(j))
    src = os.path.join(os.path.dirname(j), truth["image"])
    im = Image.open(src).convert("RGB")
    # the page as it lay, and turned: "up" is the sheet upright on the glass
    up = im.rotate(180) if truth.get("upside_down") else im
    name = f"{truth['dpi']}-{os.path.basename(j)[:-5]}"
    for tag, page in (("up", up), ("down", up.rotate(180))):
        page.save(f"{t}/pages/{name}-{tag}.png", dpi=(truth["dpi"],) * 2, compress_level=1)
PY
taskset -c 0 "$T/versus" "$P" $(ls "$T"/pages/*.png | sort) > "$T/times" ||
  { echo "bench 53: timing failed"; exit 1; }
$PY - "$T/times" "$BASE" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    name = f[0].rsplit("/", 1)[1]
    dpi, way = name.split("-")[0], name.rsplit("-", 1)[1][:-4]
    rows[(dpi, way)].append([float(x) for x in f[1:5]])
for (dpi, way), v in sorted(rows.items()):
    ob, nb = [r[0] for r in v], [r[1] for r in v]
    print(f"seal sheet {dpi} dpi, {'upside down' if way == 'down' else 'upright'}, {len(v)} pages, "
          f"analysis CPU best of runs: previous ({sys.argv[2]}) median {statistics.median(ob):.1f} ms "
          f"max {max(ob):.1f} ms, now median {statistics.median(nb):.1f} ms max {max(nb):.1f} ms, "
          f"pages under 50 ms now {sum(x < 50 for x in nb)}/{len(v)}  "
          f"(command: bench/run sealsheet-orient)")
PY
