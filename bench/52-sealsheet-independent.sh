#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Seal sheets of any print (issue 22): gen_sealsheet.py --style independent
# sets - the CA's layout printed elsewhere, 150-600 dpi, skew up to 5
# degrees, JPEG, lid shadows, upside-down pages, red/vermilion/pinkish inks,
# worn and faint impressions, stamps crossing into the next cell - scored by
# sealsheet_score.py (cells right, false accepts, chosen impressions the
# truth rejects, tables missed, exported PNGs), and the analysis timed in
# process on one core (sealsheet_time: CPU time, best of KX_SEAL_INPROC (5)
# per page). Seeds 101, 202 and 404 are sets the analyser was tuned on
# (301 too: the ctest set); 505, 606 and 707 are held out (not looked at
# while tuning, sixth session). Targets: >= 98 % of cells right, 0 false accepts, every
# chosen impression one the truth calls ok, analysis < 50 ms per page.
# KX_SEAL_IND_N pages per seed (16; generating them takes most of the time).
set -uo pipefail
K="$KX_BUILD/kiosk/ctl/kioskctl"
PY=/usr/bin/python3
N=${KX_SEAL_IND_N:-16}
P=${KX_SEAL_INPROC:-5}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for seed in 101 202 404 505 606 707; do
  D="$T/s$seed"
  $PY "$KX_SOURCE/tools/testdata/gen_sealsheet.py" --out "$D" --count "$N" --seed "$seed" \
      --style independent --dpi 0 >/dev/null 2>&1 || { echo "bench 52: generator failed"; exit 1; }
  for j in "$D"/sheet-*[0-9].json; do
    b=${j%.json}; img=$(ls "$b".png "$b".jpg 2>/dev/null | head -1)
    "$K" seal-sheet "$img" --out "$b.out" > "$b.out.json" 2>/dev/null; echo $? > "$b.rc"
  done
  $PY "$KX_SOURCE/tools/testdata/sealsheet_score.py" "$D" --summary "$T/summary" > "$D.score"
  taskset -c 0 "$KX_BUILD/kiosk/imaging/sealsheet_time" "$P" \
    $(ls "$D"/sheet-*[0-9].png "$D"/sheet-*[0-9].jpg | sort) > "$D.time" ||
    { echo "bench 52: timing failed"; exit 1; }
  grep -h '^  sheet' "$D.score" | sed "s/^/  [seed $seed] /"
done
$PY - "$T/summary" "$T" <<'PY'
import glob, json, statistics, sys
for line in open(sys.argv[1]):
    s = json.loads(line)
    seed = s["dir"].rsplit("/s", 1)[1]
    times = [float(l.split()[2]) for l in open(s["dir"] + ".time") if l.strip()]
    print(f"seal sheets of any print, seed {seed} ({'tuned on' if seed in ('101', '202', '301', '404') else 'held out'}), "
          f"{s['pages']} pages: cells right {100 * s['status_accuracy']:.1f} % of {s['cells']}, "
          f"false accepts {s['false_accepts']}, wrong chosen {s['bad_choice']}, "
          f"tables missed {s['table_miss']}, PNGs {s['png_ok']}/{s['png_n']}; analysis CPU "
          f"best of runs median {statistics.median(times):.1f} ms, max {max(times):.1f} ms  "
          f"(command: bench/run sealsheet-independent)")
PY
