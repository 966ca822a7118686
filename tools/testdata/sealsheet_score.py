#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""sealsheet_score.py - score `kioskctl seal-sheet` results against the ground
truth written by gen_sealsheet.py, and fail below thresholds.

Usage: sealsheet_score.py DIR [--min-status 0.9] [--min-iou 0.85]
       [--min-iou-crossing 0.5] [--min-exit 0.9] [--max-false-accepts N]
       [--summary FILE]
DIR holds, per sheet NNN: sheet-NNN.json (truth), sheet-NNN.out.json (the
command's stdout), sheet-NNN.rc (its exit code) and the exported PNGs named in
the output. Prints every figure, then "N passed, M failed" (one check per
threshold); exit status 1 when any check failed.

Measures: per-cell status accuracy (with a confusion table), bounding-box IoU
of detected impressions (clean ones and line-crossing ones apart: ink hidden
under a line or outside the table is partly invisible), exit code agreement
with the truth (0 iff every area has an ok impression), and for every
exported PNG: RGBA, a fully transparent frame, a sensible share of fully
transparent background, ink colour close to the truth's ink (red for seals,
blue or black for signatures as drawn) and a physical size consistent with
the impression's. Also: false accepts (a cell reported ok that the truth
does not call ok: the kiosk would take a bad impression), chosen impressions
the truth does not call ok, and pages whose table is not found (a page the
truth says has no table must give KX_ERR_NO_TABLE, a page with one must not).
--summary appends one JSON line of the figures to FILE (for bench/).
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
from PIL import Image

STATUSES = ("ok", "missing", "crosses_line", "faint")


def iou(a, b):
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def check_png(path, truth_cell, area, problems):
    """Checks of one exported impression; appends reasons to problems."""
    if not os.path.exists(path):
        problems.append(f"{path}: missing file")
        return
    im = Image.open(path)
    if im.mode != "RGBA":
        problems.append(f"{path}: mode {im.mode}, not RGBA")
        return
    a = np.asarray(im)
    alpha = a[:, :, 3]
    frame = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
    if frame.max() != 0:
        problems.append(f"{path}: frame not transparent (max alpha {frame.max()})")
    clear = float((alpha == 0).mean())
    if not 0.25 <= clear <= 0.97:
        problems.append(f"{path}: {clear:.2f} of the pixels fully transparent")
    solid = alpha >= 200
    if solid.sum() < 50:
        problems.append(f"{path}: only {solid.sum()} solid ink pixels")
        return
    rgb = a[:, :, :3][solid].astype(float).mean(axis=0)
    ink = np.asarray(truth_cell["ink"], float)
    dist = float(np.abs(rgb - ink).max())
    worn = truth_cell.get("detail") == "worn"   # lighter on paper than the ink itself
    if dist > (110 if worn else 55):
        problems.append(f"{path}: ink {rgb.round().tolist()} far from {ink.tolist()}")
    red_margin = 30 if worn or truth_cell.get("ink_name") == "pink" else 80
    if area != "signature" and not (rgb[0] > rgb[1] + red_margin and rgb[0] > rgb[2] + red_margin):
        problems.append(f"{path}: seal ink {rgb.round().tolist()} is not red")
    if area == "signature":
        blue = ink[2] > ink[0] + 60
        if blue and not rgb[2] > rgb[0] + 40:
            problems.append(f"{path}: blue signature exported as {rgb.round().tolist()}")
        if not blue and rgb.max() > 110:
            problems.append(f"{path}: black signature exported as {rgb.round().tolist()}")
    return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--min-status", type=float, default=0.9)
    ap.add_argument("--min-iou", type=float, default=0.85)
    ap.add_argument("--min-iou-crossing", type=float, default=0.5)
    ap.add_argument("--min-exit", type=float, default=0.9)
    ap.add_argument("--min-png", type=float, default=0.95)
    ap.add_argument("--size-tol-mm", type=float, default=3.5)
    ap.add_argument("--max-false-accepts", type=int, default=1 << 30)
    ap.add_argument("--max-table-misses", type=int, default=1 << 30)
    ap.add_argument("--summary")
    args = ap.parse_args()
    false_accepts, bad_choice, table_miss, pages = 0, 0, 0, 0

    confusion = {(t, p): 0 for t in STATUSES for p in STATUSES + ("absent",)}
    ious, ious_x, exit_ok, exit_n, png_ok, png_n = [], [], 0, 0, 0, 0
    failures, notes = [], []
    for tpath in sorted(glob.glob(os.path.join(args.dir, "sheet-*[0-9].json"))):
        base = tpath[:-5]
        truth = json.load(open(tpath, encoding="utf-8"))
        rc = int(open(base + ".rc").read().strip())
        try:
            out = json.load(open(base + ".out.json", encoding="utf-8"))
        except (OSError, ValueError):
            out = {}
        got = {a["area"]: a for a in out.get("areas", [])}
        pages += 1
        has, found = truth.get("table", True), out.get("error") != "KX_ERR_NO_TABLE"
        if has != found:
            table_miss += 1
            failures.append(f"{os.path.basename(base)}: table "
                            f"{'not found' if has else 'found on a page without one'}")
        if not has:                  # nothing more to score on such a page
            exit_n += 1
            exit_ok += rc == 1
            continue
        want_exit = 0 if all(any(c["status"] == "ok" for c in a["cells"]) for a in truth["areas"]) else 1
        exit_n += 1
        exit_ok += rc == want_exit
        if rc != want_exit:
            failures.append(f"{os.path.basename(base)}: exit {rc}, truth says {want_exit}")
        for ta in truth["areas"]:
            ga = got.get(ta["area"], {"cells": [{}, {}], "best": None})
            for i, tc in enumerate(ta["cells"]):
                gc = ga["cells"][i] if i < len(ga.get("cells", [])) else {}
                st = gc.get("status", "absent")
                confusion[(tc["status"], st)] += 1
                if st == "ok" and tc["status"] != "ok":
                    false_accepts += 1
                if st != tc["status"]:
                    failures.append(f"{os.path.basename(base)} {ta['area']}[{i}]: "
                                    f"{st}, truth {tc['status']}")
                if "bbox" in tc and "bbox" in gc and st != "missing":
                    v = iou(tc["bbox"], gc["bbox"])
                    (ious_x if tc["status"] == "crosses_line" else ious).append(v)
                    if v < 0.7:
                        notes.append(f"{os.path.basename(base)} {ta['area']}[{i}]: bbox {gc['bbox']} "
                                     f"vs truth {tc['bbox']} (IoU {v:.2f})")
            best = ga.get("best")
            if best is not None:
                png_n += 1
                problems = []
                tc = ta["cells"][best]
                gb = ga["cells"][best].get("bbox") if best < len(ga.get("cells", [])) else None
                if "ink" not in tc or tc["status"] != "ok":
                    bad_choice += 1
                    problems.append(f"best cell {best} is {tc['status']} in the truth")
                elif not gb or iou(gb, tc["bbox"]) < 0.3:
                    bad_choice += 1          # something else in the cell was taken
                    problems.append(f"best cell {best}: bbox {gb} is not the impression {tc['bbox']}")
                else:
                    check_png(ga.get("file", ""), tc, ta["area"], problems)
                    sz = ga.get("size_mm") or [0, 0]
                    for k in range(2):
                        d = sz[k] - tc["size_mm"][k]
                        if not -args.size_tol_mm <= d <= args.size_tol_mm:
                            problems.append(f"size_mm {sz} vs impression {tc['size_mm']}")
                            break
                if problems:
                    failures.append(f"{os.path.basename(base)} {ta['area']}: " + "; ".join(problems))
                else:
                    png_ok += 1

    total = sum(confusion.values())
    right = sum(confusion[(s, s)] for s in STATUSES)
    print("truth \\ result  " + " ".join(f"{p:>12}" for p in STATUSES + ("absent",)))
    for t in STATUSES:
        print(f"{t:>14}  " + " ".join(f"{confusion[(t, p)]:>12}" for p in STATUSES + ("absent",)))
    status_acc = right / total if total else 0.0
    mean_iou = float(np.mean(ious)) if ious else 0.0
    mean_iou_x = float(np.mean(ious_x)) if ious_x else 1.0
    exit_acc = exit_ok / exit_n if exit_n else 0.0
    png_acc = png_ok / png_n if png_n else 0.0
    print(f"cells {total}, status accuracy {status_acc:.3f}")
    print(f"bbox IoU: clean {mean_iou:.3f} over {len(ious)} (min {min(ious) if ious else 0:.3f}), "
          f"crossing {mean_iou_x:.3f} over {len(ious_x)}")
    print(f"exit code agrees with truth: {exit_ok}/{exit_n}")
    print(f"exported PNGs passing checks: {png_ok}/{png_n}")
    print(f"false accepts {false_accepts}, chosen impressions the truth rejects {bad_choice}, "
          f"tables missed or invented {table_miss} of {pages} pages")
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as f:
            f.write(json.dumps({"dir": args.dir, "pages": pages, "cells": total,
                                "status_accuracy": round(status_acc, 4), "false_accepts": false_accepts,
                                "bad_choice": bad_choice, "table_miss": table_miss,
                                "iou": round(mean_iou, 3), "iou_crossing": round(mean_iou_x, 3),
                                "png_ok": png_ok, "png_n": png_n}) + "\n")
    for f in failures:
        print("  " + f)
    for n in notes:
        print("  note: " + n)
    checks = [
        ("status accuracy", status_acc >= args.min_status),
        ("bbox IoU clean", mean_iou >= args.min_iou),
        ("bbox IoU crossing", mean_iou_x >= args.min_iou_crossing),
        ("exit codes", exit_acc >= args.min_exit),
        ("exported PNGs", png_n > 0 and png_acc >= args.min_png),
        ("false accepts", false_accepts <= args.max_false_accepts),
        ("chosen impressions", bad_choice == 0),
        ("tables", table_miss <= args.max_table_misses),
    ]
    failed = [n for n, ok in checks if not ok]
    for n in failed:
        print(f"FAIL: {n}")
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
