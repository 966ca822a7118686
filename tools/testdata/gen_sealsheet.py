#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_sealsheet.py - synthetic scans of the electronic-seal collection sheet
with ground truth, for scoring the seal-sheet analyser (kiosk/imaging/sealsheet.c).

Usage: gen_sealsheet.py --out DIR [--count N] [--seed S] [--dpi 300]

For sheet i it writes DIR/sheet-NNN.png (some as .jpg) and DIR/sheet-NNN.json:
  {"image": "sheet-NNN.png", "dpi": 300, "skew_deg": .., "scale": ..,
   "areas": [{"area": "company_seal", "cells": [{"status": "ok", "bbox":
   [x, y, w, h], "ink": [r, g, b], "size_mm": [w, h]}, {"status": "missing"}]},
   ...]}
bbox is in the written image's pixels; size_mm is the impression's extent in
its own (unskewed) frame; ink is the colour of full-strength ink.

What varies: table layout (margins, label/cell widths, row heights, line
weight 0.15-0.8 mm, fonts), printer scaling (0.92-1.0), skew (+-3 degrees),
scan offset, paper tint, blur, noise, dust, JPEG. Impressions: round company
seals with a star and a ring of text, square or rectangular legal-rep seals,
black or blue signatures; ink uneven; per cell ok, missing, crosses_line
(placed across one of the cell's ruling lines) or faint. Deterministic for a
given --seed. Never writes outside DIR. Needs python3-pil and python3-numpy
(run with /usr/bin/python3).
"""
import argparse
import json
import math
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "forms"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sealsheet_form  # noqa: E402
import sheet_independent as indep  # noqa: E402

AREAS = ("company_seal", "legal_seal", "signature")
NAME_CHARS = "江西赣州南昌九江景德镇萍乡新余鹰潭吉安宜春抚州上饶华泰恒达鑫源科技实业贸易建设发展"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def mm2px(mm, dpi):
    return mm * dpi / 25.4


# --------------------------------------------------------------- impressions
def _glyph(ch, px, font_family):
    font = sealsheet_form._font(font_family, True, max(6, int(px)))
    g = Image.new("L", (int(px * 1.4) + 4, int(px * 1.4) + 4), 0)
    d = ImageDraw.Draw(g)
    bb = d.textbbox((0, 0), ch, font=font)
    d.text(((g.width - (bb[2] - bb[0])) / 2 - bb[0], (g.height - (bb[3] - bb[1])) / 2 - bb[1]),
           ch, font=font, fill=255)
    return g


def company_seal(rng, dpi):
    """Round seal: outer ring, five-pointed star, company name on the top arc."""
    dmm = rng.uniform(38, 42)
    d = int(mm2px(dmm, dpi))
    m = Image.new("L", (d + 4, d + 4), 0)
    dr = ImageDraw.Draw(m)
    ring = max(2, int(mm2px(rng.uniform(1.0, 1.4), dpi)))
    dr.ellipse([2, 2, d + 1, d + 1], outline=255, width=ring)
    cx = cy = (d + 4) / 2
    rs = d * rng.uniform(0.15, 0.19)
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        r = rs if i % 2 == 0 else rs * 0.38
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    dr.polygon(pts, fill=255)
    n = rng.randint(8, 13)
    name = "".join(rng.choice(NAME_CHARS) for _ in range(n - 3)) + "有限公司"
    csz = d * rng.uniform(0.12, 0.14)
    rt = d / 2 - ring - csz * 0.75
    span = math.radians(rng.uniform(220, 250))
    for i, ch in enumerate(name):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(name)
        g = _glyph(ch, csz, "Noto Serif CJK SC").rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        x = cx + rt * math.cos(a) - g.width / 2
        y = cy + rt * math.sin(a) - g.height / 2
        m.paste(255, (int(x), int(y)), g)
    return m


def legal_seal(rng, dpi):
    """Legal representative's seal: square (2x2 characters) or a rectangle."""
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
    if rng.random() < 0.6:
        s = int(mm2px(rng.uniform(16, 22), dpi))
        w = h = s
        chars = (name + "之印")[:4] if len(name) == 2 else name + "印"
        grid = [(0, 0), (0, 1), (1, 0), (1, 1)]   # (col, row), read right to left
        order = [(1, 0), (1, 1), (0, 0), (0, 1)]
        cells = order if rng.random() < 0.7 else grid
    else:
        w = int(mm2px(rng.uniform(22, 28), dpi))
        h = int(mm2px(rng.uniform(9, 12), dpi))
        chars = name + "印"
        cells = [(i, 0) for i in range(len(chars))]
    m = Image.new("L", (w + 4, h + 4), 0)
    dr = ImageDraw.Draw(m)
    border = max(2, int(mm2px(rng.uniform(0.7, 1.1), dpi)))
    dr.rectangle([2, 2, w + 1, h + 1], outline=255, width=border)
    ncol = max(c for c, _ in cells) + 1
    nrow = max(r for _, r in cells) + 1
    cw, ch_ = (w - 2 * border) / ncol, (h - 2 * border) / nrow
    for ch, (c, r) in zip(chars, cells):
        g = _glyph(ch, min(cw, ch_) * 0.78, "Noto Serif CJK SC")
        x = 2 + border + c * cw + (cw - g.width) / 2
        y = 2 + border + r * ch_ + (ch_ - g.height) / 2
        m.paste(255, (int(x), int(y)), g)
    if rng.random() < 0.5:                      # intaglio seal: white characters
        inv = Image.new("L", m.size, 0)
        ImageDraw.Draw(inv).rectangle([2, 2, w + 1, h + 1], fill=255)
        m = Image.fromarray(np.where(np.asarray(m) > 0, 0, np.asarray(inv)).astype(np.uint8))
    return m


def signature(rng, dpi):
    """Cursive-looking pen strokes: a few smoothed random walks left to right."""
    wmm, hmm = rng.uniform(32, 55), rng.uniform(11, 20)
    w, h = int(mm2px(wmm, dpi)), int(mm2px(hmm, dpi))
    pen = max(2, int(mm2px(rng.uniform(0.35, 0.7), dpi)))
    m = Image.new("L", (w + 2 * pen + 4, h + 2 * pen + 4), 0)
    dr = ImageDraw.Draw(m)
    nchars = rng.randint(2, 3)
    for k in range(nchars):
        x0 = pen + 2 + w * k / nchars
        for _ in range(rng.randint(2, 4)):
            pts, x, y = [], x0 + rng.uniform(0, w / nchars * 0.3), pen + 2 + rng.uniform(0, h)
            vx, vy = rng.uniform(-1, 1), rng.uniform(-1, 1)
            for _ in range(rng.randint(12, 24)):
                vx = 0.7 * vx + rng.uniform(-1, 1.2)
                vy = 0.7 * vy + rng.uniform(-1.4, 1.4)
                step = mm2px(1.2, dpi)
                x = min(max(x + vx * step, x0), x0 + w / nchars)
                y = min(max(y + vy * step, pen + 2), pen + 2 + h)
                pts.append((x, y))
            dr.line(pts, fill=255, width=pen, joint="curve")
    return m


def uneven_ink(rng, size, faint):
    """Per-pixel ink strength: smooth blotches, a few voids; faint is weak overall."""
    w, h = size
    coarse = np.asarray([[rng.random() for _ in range(5)] for _ in range(5)], dtype=np.float32)
    field = np.asarray(Image.fromarray((coarse * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC),
                       dtype=np.float32) / 255.0
    if faint:
        base = rng.uniform(0.10, 0.24)
        return base * (0.75 + 0.5 * field)
    lo = rng.uniform(0.5, 0.8)
    return np.clip(lo + (1.0 - lo) * field * 1.3, 0, 1) * rng.uniform(0.85, 1.0)


def ink_colour(rng, area):
    if area != "signature":
        return (rng.randint(185, 230), rng.randint(15, 60), rng.randint(25, 70))
    if rng.random() < 0.5:
        g = rng.randint(15, 45)
        return (g, g + rng.randint(0, 6), g + rng.randint(0, 10))
    return (rng.randint(15, 50), rng.randint(35, 80), rng.randint(130, 190))


def impression_shape(rng, area, dpi):
    """The impression's ink shape (0..1), tilted for seals, cropped tight."""
    gen = {"company_seal": company_seal, "legal_seal": legal_seal, "signature": signature}
    shape = gen[area](rng, dpi)
    if area != "signature" and rng.random() < 0.8:
        shape = shape.rotate(rng.uniform(-12, 12), resample=Image.BICUBIC, expand=True)
    sh = np.asarray(shape, dtype=np.float32) / 255.0
    ys_, xs_ = np.nonzero(sh > 0.5)
    return sh[ys_.min():ys_.max() + 1, xs_.min():xs_.max() + 1]


def stamp(page, pos, alpha, ink):
    """Multiply the ink into the page at box pos; returns its pixel origin."""
    ix, iy = int(round(pos[0])), int(round(pos[1]))
    h, w = alpha.shape
    region = page[iy:iy + h, ix:ix + w]
    a = alpha[:region.shape[0], :region.shape[1], None]
    region *= 1.0 - a * (1.0 - np.asarray(ink, dtype=np.float32) / 255.0)
    return ix, iy


def dust(rng, page):
    """A few dark specks of 1-4 pixels."""
    for _ in range(rng.randint(5, 30)):
        x, y = rng.randrange(page.shape[1] - 8), rng.randrange(page.shape[0] - 8)
        sz = rng.randint(1, 4)
        page[y:y + sz, x:x + sz] *= rng.uniform(0.3, 0.8)


def truth_boxes(truth, forward, W, H):
    """Each impression's box in scan pixels from its shape (popped)."""
    for row in truth:
        for cell in row["cells"]:
            if "_shape" not in cell:
                continue
            ix, iy, sh = cell.pop("_shape")
            ys_, xs_ = np.nonzero(sh > 0.5)
            sx, sy = forward(xs_ + ix + 0.5, ys_ + iy + 0.5)
            x0, y0 = max(0, int(np.floor(sx.min()))), max(0, int(np.floor(sy.min())))
            x1, y1 = min(W, int(np.ceil(sx.max()))), min(H, int(np.ceil(sy.max())))
            cell["bbox"] = [x0, y0, x1 - x0, y1 - y0]


# --------------------------------------------------------------- one sheet
def random_layout(rng):
    lay = sealsheet_form.default_layout()
    lay["margin_left"] = rng.uniform(14, 28)
    lay["label_w"] = rng.uniform(30, 48)
    avail = 210 - 2 * lay["margin_left"] - lay["label_w"]
    lay["cell_w"] = min(rng.uniform(56, 75), avail / 2)
    lay["table_top"] = rng.uniform(46, 62)
    h0 = rng.uniform(54, 68)
    hs = rng.uniform(38, 55)
    lay["row_h"] = (h0, hs, rng.uniform(max(32, hs - 8), hs + 4))
    lay["line_mm"] = rng.choice([0.15, 0.25, 0.35, 0.5, 0.8])
    lay["title_pt"] = rng.uniform(16, 24)
    lay["text_pt"] = rng.uniform(9.5, 12)
    lay["label_pt"] = rng.uniform(10.5, 14)
    lay["font"] = rng.choice(["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei"])
    return lay


def choose_statuses(rng):
    st = []
    for _ in AREAS:
        row = []
        for _ in range(2):
            r = rng.random()
            row.append("ok" if r < 0.5 else "missing" if r < 0.65 else
                       "crosses_line" if r < 0.83 else "faint")
        st.append(row)
    return st


def make_sheet(rng, dpi, statuses=None):
    lay = random_layout(rng)
    scale = 1.0 if rng.random() < 0.4 else rng.uniform(0.92, 1.0)
    page_l, geo = sealsheet_form.render(lay, dpi=dpi, scale=scale)
    page = np.repeat(np.asarray(page_l, dtype=np.uint8)[:, :, None], 3, axis=2).astype(np.float32)
    statuses = statuses or choose_statuses(rng)
    hl, vl, lw = geo["hlines"], geo["vlines"], geo["line_px"]
    placed = []                                  # page-pixel boxes of impressions
    truth = [{"area": a, "cells": [None, None]} for a in AREAS]
    # Non-crossing impressions first, so crossing ones can keep clear of them.
    order = [(r, c) for r in range(3) for c in range(2) if statuses[r][c] != "crosses_line"] + \
            [(r, c) for r in range(3) for c in range(2) if statuses[r][c] == "crosses_line"]
    for r, c in order:
        status = statuses[r][c]
        if status == "missing":
            truth[r]["cells"][c] = {"status": "missing"}
            continue
        area = AREAS[r]
        sh = impression_shape(rng, area, dpi)
        h, w = sh.shape
        x0, y0, x1, y1 = geo["cells"][(r, c)]
        clear = mm2px(2.0, dpi)
        pos = None
        for _attempt in range(40):
            if status == "crosses_line":
                # The impression stays mostly in its cell and reaches `over`
                # past the line's far edge (negative: just touching the line).
                side = rng.choice(["l", "r", "t", "b"])
                over = rng.uniform(-0.9 * lw, 0.2 * (w if side in "lr" else h))
                cx = rng.uniform(x0 + w / 2, max(x0 + w / 2, x1 - w / 2))
                cy = rng.uniform(y0 + h / 2, max(y0 + h / 2, y1 - h / 2))
                if side == "l":
                    cx = x0 - lw - over + w / 2
                elif side == "r":
                    cx = x1 + lw + over - w / 2
                elif side == "t":
                    cy = y0 - lw - over + h / 2
                else:
                    cy = y1 + lw + over - h / 2
            else:
                if w + 2 * clear > x1 - x0 or h + 2 * clear > y1 - y0:
                    break                          # does not fit: leave it missing
                cx = rng.uniform(x0 + clear + w / 2, x1 - clear - w / 2)
                cy = rng.uniform(y0 + clear + h / 2, y1 - clear - h / 2)
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            gap = mm2px(3.0, dpi)
            if all(box[2] + gap < b[0] or b[2] + gap < box[0] or box[3] + gap < b[1] or
                   b[3] + gap < box[1] for b in placed):
                pos = box
                break
        if pos is None:
            truth[r]["cells"][c] = {"status": "missing"}
            continue
        placed.append(pos)
        ink = ink_colour(rng, area)
        alpha = sh * uneven_ink(rng, (w, h), status == "faint")
        ix, iy = stamp(page, pos, alpha, ink)
        truth[r]["cells"][c] = {"status": status, "ink": list(ink),
                                "size_mm": [round(w * 25.4 / dpi, 2), round(h * 25.4 / dpi, 2)],
                                "_shape": (ix, iy, sh)}
    # A red logo beside the title on some sheets: red ink outside the table.
    if rng.random() < 0.4:
        lx, ly = int(mm2px(lay["margin_left"], dpi) * scale), int(mm2px(lay["table_top"] - 40, dpi) * scale)
        d = int(mm2px(10, dpi))
        logo = np.zeros((d, d), np.float32)
        yy, xx = np.mgrid[0:d, 0:d]
        logo[(xx - d / 2) ** 2 + (yy - d / 2) ** 2 < (d / 2) ** 2] = 0.9
        page[ly:ly + d, lx:lx + d] *= 1.0 - logo[:, :, None] * (1.0 - np.asarray([0.85, 0.1, 0.15], np.float32))
    dust(rng, page)

    # The scan: rotation about a random point, offset, tint, blur, noise.
    skew = rng.uniform(-3.0, 3.0) if rng.random() < 0.75 else 0.0
    off = (mm2px(rng.uniform(-4, 4), dpi), mm2px(rng.uniform(-4, 4), dpi))
    H, W = page.shape[:2]
    cxr, cyr = W * rng.uniform(0.3, 0.7), H * rng.uniform(0.3, 0.7)
    t = math.radians(skew)
    cs, sn = math.cos(t), math.sin(t)

    def forward(x, y):   # page pixel -> scan pixel
        dx, dy = x - cxr, y - cyr
        return cxr + cs * dx - sn * dy + off[0], cyr + sn * dx + cs * dy + off[1]

    # PIL's AFFINE maps output to input: the inverse of forward().
    a_, b_ = cs, sn
    c_ = cxr - cs * (cxr + off[0]) - sn * (cyr + off[1])
    d_, e_ = -sn, cs
    f_ = cyr + sn * (cxr + off[0]) - cs * (cyr + off[1])
    img = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), "RGB")
    img = img.transform((W, H), Image.AFFINE, (a_, b_, c_, d_, e_, f_), resample=Image.BILINEAR,
                        fillcolor=(255, 255, 255))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    arr = np.asarray(img, dtype=np.float32)
    base = rng.uniform(236, 252)
    arr *= np.asarray([min(255.0, base + rng.uniform(-3, 3)) for _ in range(3)], np.float32) / 255.0
    noise = np.random.default_rng(rng.randrange(1 << 30)).standard_normal(arr.shape, dtype=np.float32)
    noise *= rng.uniform(1.5, 5.0)
    arr += noise
    np.clip(arr, 0, 255, out=arr)
    img = Image.fromarray(arr.astype(np.uint8), "RGB")

    truth_boxes(truth, forward, W, H)
    return img, {"dpi": dpi, "skew_deg": round(skew, 3), "scale": round(scale, 4),
                 "line_mm": lay["line_mm"], "areas": truth}


def independent_statuses(rng):
    """Per cell (status, detail): detail 'worn' for a light but legible ok
    impression, 'next' for a stamp crossing into the neighbouring cell,
    'close' for the two ok impressions of a row hugging their common line."""
    st = []
    for r in range(3):
        if r < 2 and rng.random() < 0.15:
            st.append([("ok", "close"), ("ok", "close")])
            continue
        row = []
        for c in range(2):
            x = rng.random()
            if x < 0.38:
                row.append(("ok", "full"))
            elif x < 0.5:
                row.append(("ok", "worn"))
            elif x < 0.63:
                row.append(("missing", ""))
            elif x < 0.75 and r < 2:
                row.append(("crosses_line", "next"))
            elif x < 0.87:
                row.append(("crosses_line", "line"))
            else:
                row.append(("faint", "faint"))
        st.append(row)
    return st


def make_sheet_independent(rng, dpi):
    """A sheet printed from the CA's file at a customer's office (not the
    kiosk's form), stamped and scanned; see sheet_independent.py."""
    if not dpi:
        dpi = rng.choice((150, 200, 240, 300, 300, 400, 600))
    lay = indep.layout(rng)
    scale = 1.0 if rng.random() < 0.4 else rng.uniform(0.9, 1.0)
    page_l, geo = indep.render(lay, dpi, scale)
    page = np.repeat(np.asarray(page_l, dtype=np.uint8)[:, :, None], 3, axis=2).astype(np.float32)
    statuses = independent_statuses(rng)
    lw = geo["line_px"]
    placed = []
    truth = [{"area": a, "cells": [None, None]} for a in AREAS]
    order = [(r, c) for r in range(3) for c in range(2) if statuses[r][c][0] != "crosses_line"] + \
            [(r, c) for r in range(3) for c in range(2) if statuses[r][c][0] == "crosses_line"]
    for r, c in order:
        status, detail = statuses[r][c]
        if status == "missing":
            truth[r]["cells"][c] = {"status": "missing"}
            continue
        area = AREAS[r]
        sh = impression_shape(rng, area, dpi)
        h, w = sh.shape
        x0, y0, x1, y1 = geo["cells"][(r, c)]
        clear = mm2px(2.0, dpi)
        pos = None
        for _attempt in range(40):
            gap = mm2px(3.0, dpi)
            if status == "crosses_line":
                side = rng.choice(["l", "r", "t", "b"]) if detail == "line" else ("r" if c == 0 else "l")
                over = rng.uniform(-0.9 * lw, 0.25 * (w if side in "lr" else h))
                cx = rng.uniform(x0 + w / 2, max(x0 + w / 2, x1 - w / 2))
                cy = rng.uniform(y0 + h / 2, max(y0 + h / 2, y1 - h / 2))
                if side == "l":
                    cx = x0 - lw - over + w / 2
                elif side == "r":
                    cx = x1 + lw + over - w / 2
                elif side == "t":
                    cy = y0 - lw - over + h / 2
                else:
                    cy = y1 + lw + over - h / 2
                gap = mm2px(1.0, dpi)
            elif detail == "close":
                hug = mm2px(rng.uniform(1.0, 2.0), dpi)
                if w + hug + clear > x1 - x0 or h + 2 * clear > y1 - y0:
                    break
                cx = x1 - hug - w / 2 if c == 0 else x0 + hug + w / 2
                cy = rng.uniform(y0 + clear + h / 2, y1 - clear - h / 2)
                gap = 0
            else:
                if w + 2 * clear > x1 - x0 or h + 2 * clear > y1 - y0:
                    break
                cx = rng.uniform(x0 + clear + w / 2, x1 - clear - w / 2)
                cy = rng.uniform(y0 + clear + h / 2, y1 - clear - h / 2)
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if all(box[2] + gap < b[0] or b[2] + gap < box[0] or box[3] + gap < b[1] or
                   b[3] + gap < box[1] for b in placed):
                pos = box
                break
        if pos is None:
            truth[r]["cells"][c] = {"status": "missing"}
            continue
        placed.append(pos)
        ink, ink_name = indep.ink_colour(rng, area)
        alpha = sh * indep.ink_field(rng, (w, h), detail if detail in ("worn", "faint") else "full")
        ix, iy = stamp(page, pos, alpha, ink)
        truth[r]["cells"][c] = {"status": status, "detail": detail, "ink": list(ink), "ink_name": ink_name,
                                "size_mm": [round(w * 25.4 / dpi, 2), round(h * 25.4 / dpi, 2)],
                                "_shape": (ix, iy, sh)}
    dust(rng, page)
    img, forward, info = indep.scan(rng, page, dpi)
    H, W = page.shape[:2]
    truth_boxes(truth, forward, W, H)
    truth_doc = {"dpi": dpi, "scale": round(scale, 4), "line_mm": lay["line_mm"], "style": "independent",
                 "heading_row": lay["heading"], "areas": truth, "table": True}
    truth_doc.update(info)
    return img, truth_doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dpi", type=int, default=300, help="0: independent style picks 150-600")
    ap.add_argument("--jpeg-every", type=int, default=4, help="every Nth sheet as JPEG (0: none)")
    ap.add_argument("--style", choices=("project", "independent"), default="project",
                    help="project: the kiosk's form; independent: the CA's layout printed elsewhere")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.count):
        rng = random.Random(args.seed * 100003 + i)
        if args.style == "independent":
            img, truth = make_sheet_independent(rng, args.dpi)
            jpeg = rng.random() < 0.45
            quality = rng.randint(70, 92)
        else:
            img, truth = make_sheet(rng, args.dpi)
            jpeg = args.jpeg_every and i % args.jpeg_every == args.jpeg_every - 1
            quality = None
        dpi = truth["dpi"]
        name = f"sheet-{i:03d}." + ("jpg" if jpeg else "png")
        if jpeg:
            img.save(os.path.join(args.out, name), quality=quality or rng.randint(85, 95), dpi=(dpi, dpi))
        else:
            img.save(os.path.join(args.out, name), dpi=(dpi, dpi), compress_level=1)
        truth["image"] = name
        with open(os.path.join(args.out, f"sheet-{i:03d}.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
