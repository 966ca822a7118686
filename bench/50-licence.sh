#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Licence QR: decode rate and whole-process time per image of
# `kioskctl license` against zbarimg and ZXingReader (zxing-cpp-tools, a
# reference only) on the same generated images in the same run
# (tools/testdata/gen_licence.py: A4 300 dpi flatbed pages and camera
# frames, every payload format, any rotation, blur, low contrast, pages
# without a code). Target: read every code either reference reads, and be
# faster per image than both. Prints "figure: value (command: ...)" lines.
# KX_BENCH_LICENCE_COUNT (default 32) and KX_BENCH_LICENCE_SEED (3) choose
# the set; KX_BENCH_LICENCE_REPEAT (3) runs per image and tool (median).
set -euo pipefail
CTL="$KX_BUILD/kiosk/ctl/kioskctl"
n=${KX_BENCH_LICENCE_COUNT:-32}
seed=${KX_BENCH_LICENCE_SEED:-3}
repeat=${KX_BENCH_LICENCE_REPEAT:-3}
T=$(mktemp -d /tmp/kx-bench-licence-XXXXXX)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$KX_SOURCE/tools/testdata/gen_licence.py" --out "$T" --count "$n" --seed "$seed"
export KX_LOG_LEVEL=warn
/usr/bin/python3 - "$CTL" "$T" "$n" "$seed" "$repeat" <<'EOF'
import json, os, statistics, subprocess, sys, time
ctl, d, n, seed = sys.argv[1:5]
truth = json.load(open(f"{d}/truth.json"))
tools = {
    "kioskctl license": lambda p: [ctl, "license", p],
    "zbarimg": lambda p: ["zbarimg", "--nodbus", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", p],
    "ZXingReader": lambda p: ["ZXingReader", "-format", "QRCode", "-1", p],
}
def decoded(tool, out, t):
    if tool == "kioskctl license":
        try:
            o = json.loads(out)
        except ValueError:
            return None
        return o["payload"] if o.get("found") else None
    if tool == "zbarimg":
        return out.rstrip("\n") or None
    # ZXingReader -1: FILE FORMAT "TEXT" or FILE None
    q = out.find('"')
    return out[q + 1:out.rfind('"')] if q >= 0 else None
res = {k: {"ok": set(), "wrong": [], "ms": []} for k in tools}
# kioskctl starts a second worker when the first region does not read and
# a core is free: the figures depend on what else the machine runs, so the
# load average is printed with them.
load_start = os.getloadavg()
# Each image is run `repeat` times by each tool, the tools taking turns, and
# the median counts: on a shared machine one run is at the mercy of whatever
# else is scheduled, and the turns give every tool the same conditions.
repeat = int(sys.argv[5])
for t in truth:
    p = f"{d}/{t['image']}"
    runs = {tool: [] for tool in tools}
    for _ in range(repeat):
        for tool, argv in tools.items():
            t0 = time.perf_counter()
            r = subprocess.run(argv(p), capture_output=True, text=True)
            runs[tool].append(((time.perf_counter() - t0) * 1000, r.stdout))
    for tool in tools:
        res[tool]["ms"].append(statistics.median(ms for ms, _ in runs[tool]))
        got = decoded(tool, runs[tool][0][1], t)
        if got is not None and got == t["payload"]:
            res[tool]["ok"].add(t["image"])
        elif got is not None:
            res[tool]["wrong"].append(t["image"])
codes = [t for t in truth if t["found"]]
flat = {t["image"] for t in truth if t["kind"] == "flatbed"}
cam = {t["image"] for t in truth if t["kind"] == "camera"}
load_end = os.getloadavg()
cmd = (f"bench/run licence; {n} images of gen_licence.py --seed {seed}, median of {repeat} runs "
       f"each; load average {load_start[0]:.2f} -> {load_end[0]:.2f}, {os.cpu_count()} cores")
for tool, r in res.items():
    ms = r["ms"]
    per_kind = lambda kind: statistics.mean(
        [m for m, t in zip(ms, truth) if t["kind"] == kind] or [float("nan")])
    print(f"licence QR, {tool}: read {len(r['ok'])}/{len(codes)} codes "
          f"({len(r['ok'] & flat)}/{len([t for t in codes if t['image'] in flat])} flatbed, "
          f"{len(r['ok'] & cam)}/{len([t for t in codes if t['image'] in cam])} camera), "
          f"{len(r['wrong'])} wrong  (command: {cmd})")
    print(f"licence QR, {tool}: whole process per image mean {statistics.mean(ms):.0f} ms, "
          f"median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms; flatbed A4 mean "
          f"{per_kind('flatbed'):.0f} ms, camera mean {per_kind('camera'):.0f} ms, "
          f"no-code page mean {per_kind('noqr'):.0f} ms  (command: {cmd})")
union = res["zbarimg"]["ok"] | res["ZXingReader"]["ok"]
missed = sorted(union - res["kioskctl license"]["ok"])
extra = sorted(res["kioskctl license"]["ok"] - union)
ours, zb, zx = (res[k]["ms"] for k in tools)
faster = [i for i in range(len(truth)) if ours[i] < zb[i] and ours[i] < zx[i]]
slower = [truth[i]["kind"] for i in range(len(truth)) if i not in faster]
print(f"licence QR, kioskctl faster than both references on {len(faster)}/{len(truth)} images "
      f"(not on: {', '.join(f'{slower.count(k)} {k}' for k in sorted(set(slower))) or 'none'})"
      f"  (command: {cmd})")
for i in range(len(truth)):
    if i not in faster:
        t = truth[i]
        print(f"licence QR, slower on {t['image']} ({t['kind']}, "
              f"{'read' if t['image'] in res['kioskctl license']['ok'] else 'not read'} by kioskctl): "
              f"kioskctl {ours[i]:.0f} ms, zbarimg {zb[i]:.0f} ms, ZXingReader {zx[i]:.0f} ms"
              f"  (command: {cmd})")
# the image where kioskctl comes closest to the faster reference
ratio = [ours[i] / min(zb[i], zx[i]) for i in range(len(truth))]
i = max(range(len(truth)), key=lambda k: ratio[k])
print(f"licence QR, closest image: {truth[i]['image']} ({truth[i]['kind']}): kioskctl {ours[i]:.1f} ms, "
      f"fastest reference {min(zb[i], zx[i]):.1f} ms ({ratio[i]:.2f} of it); camera frames: kioskctl "
      f"at most {max(r for r, t in zip(ratio, truth) if t['kind'] == 'camera'):.2f} of the fastest "
      f"reference  (command: {cmd})")
print(f"licence QR, kioskctl vs references: misses {len(missed)} code(s) a reference reads "
      f"{missed}, reads {len(extra)} no reference reads  (command: {cmd})")
EOF

# In process, one worker, best of 5 (kiosk/imaging/licence_time,
# bench/licence_time.c): the decoding alone, without start-up and image
# decoding - the figure to compare variants of the reader by.
/usr/bin/python3 - "$KX_BUILD/kiosk/imaging/licence_time" "$T" "$seed" <<'EOF3'
import json, subprocess, sys
tool, d, seed = sys.argv[1:4]
truth = json.load(open(f"{d}/truth.json"))
for kind in ("camera", "flatbed", "noqr"):
    imgs = [f"{d}/{t['image']}" for t in truth if t["kind"] == kind]
    out = subprocess.run([tool, "--one-worker", "5"] + imgs, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    best = [float(line.split("\t")[4]) for line in out]
    runs = [int(line.split("\t")[2]) for line in out]
    print(f"licence QR, in process (one worker, best of 5), {kind}: sum {sum(best):.0f} ms, "
          f"max {max(best):.1f} ms, {sum(runs)} decoder runs on {len(imgs)} images  "
          f"(command: bench/run licence; kiosk/imaging/licence_time --one-worker 5 on the "
          f"{kind} images of gen_licence.py --seed {seed})")
EOF3

# ID-card copies: whole-process time of kioskctl idcard-crop per scan
# (tools/testdata/gen_idcard.py: A4/A5 scans at 200 and 300 dpi).
/usr/bin/python3 "$KX_SOURCE/tools/testdata/gen_idcard.py" --out "$T/cards" --count 8 --seed "$seed"
/usr/bin/python3 - "$CTL" "$T/cards" "$seed" <<'EOF2'
import json, statistics, subprocess, sys, time
ctl, d, seed = sys.argv[1:4]
ms, found = [], 0
for t in json.load(open(f"{d}/truth.json")):
    t0 = time.perf_counter()
    r = subprocess.run([ctl, "idcard-crop", f"{d}/{t['image']}", "--out", f"{d}/out.png"],
                       capture_output=True, text=True)
    ms.append((time.perf_counter() - t0) * 1000)
    found += r.returncode == 0
print(f"ID-card crop, kioskctl idcard-crop: {found}/{len(ms)} found, whole process per scan mean "
      f"{statistics.mean(ms):.0f} ms, max {max(ms):.0f} ms  (command: bench/run licence; "
      f"8 scans of gen_idcard.py --seed {seed})")
EOF2
