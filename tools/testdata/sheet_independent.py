# SPDX-License-Identifier: MIT
"""sheet_independent.py - attachment-3 seal sheets drawn independently of
the kiosk's printable form (tools/forms): the layout as a customer's office
might print it from the CA's own file, stamped with its own inks and scanned
on any flatbed. Used by gen_sealsheet.py --style independent.

What varies beyond the project-style sheets: title and header text (or none),
margins left and right apart, the table anywhere on the page, an optional
heading row above the three capture rows, an outer border heavier than the
inner lines, line weight 0.1-1.0 mm, labels' wording; inks red, vermilion
and pinkish, impressions full, worn-but-legible (ok) and faint; black and
blue signatures; a signature touching a line, a stamp crossing into the next
cell (crosses_line for its own cell only), two impressions hugging the line
between their cells (both ok); scans at 150-600 dpi, skew up to 5 degrees,
printer scaling, lid shadows and a dark bed beyond the page, pages placed
upside down, PNG or JPEG (quality 70-92).
"""
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

import sealsheet_form

TITLES = ("企业电子签章采集表", "附件3：企业电子签章采集表", "电子签章采集表",
          "企业电子印章采集表（附件三）", "电子印章信息采集表")
HEADER_LINES = ("单位名称：________________________", "统一社会信用代码：____________________",
                "经办人：__________  联系电话：______________", "申请日期：______年____月____日",
                "请在下表方框内加盖印章，印章不得压线。", "本表一式一份，由申请单位填写。")
LABELS = (("企业公章", "单位公章", "公章印模"), ("法定代表人私章", "法人私章", "法人章"),
          ("法定代表人签字", "法人手写签名", "法定代表人手签"))
HEADINGS = (("项目", "印模一", "印模二"), ("类别", "第一次", "第二次"))
FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "AR PL UMing CN")
INKS = {"red": ((185, 230), (15, 60), (25, 70)), "vermilion": ((225, 245), (70, 105), (30, 60)),
        "pink": ((220, 240), (100, 135), (130, 165))}


def mm2px(mm, dpi):
    return mm * dpi / 25.4


def _text(d, xy, s, family, px, anchor="la"):
    d.text(xy, s, font=sealsheet_form._font(family, False, max(6, int(px))), fill=0, anchor=anchor)


def layout(rng):
    """A random attachment-3 print, in millimetres."""
    lay = {"font": rng.choice(FONTS)}
    ml, mr = rng.uniform(8, 40), rng.uniform(8, 40)
    label_w = rng.uniform(22, 50)
    cell_w = min(rng.uniform(50, 82), (210 - ml - mr - label_w) / 2)
    if cell_w < 48:
        ml, mr, label_w = 12, 12, 26
        cell_w = min(rng.uniform(50, 82), (210 - ml - mr - label_w) / 2)
    lay.update(ml=ml, label_w=label_w, cell_w=cell_w)
    lay["rows"] = (rng.uniform(52, 75), rng.uniform(36, 60), rng.uniform(30, 55))
    lay["heading"] = rng.random() < 0.15
    lay["heading_h"] = rng.uniform(9, 14)
    lay["line_mm"] = rng.choice((0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0))
    lay["outer_mm"] = lay["line_mm"] * (rng.uniform(1.5, 3) if rng.random() < 0.3 else 1)
    lay["title"] = rng.choice(TITLES) if rng.random() < 0.85 else None
    lay["title_pt"] = rng.uniform(14, 26)
    lay["header"] = rng.sample(HEADER_LINES, rng.randint(0, 4))
    lay["text_pt"] = rng.uniform(9, 13)
    lay["labels"] = [rng.choice(l) for l in LABELS]
    lay["headings"] = rng.choice(HEADINGS)
    lay["footer"] = rng.random() < 0.6
    top = 12 + (lay["title_pt"] * 0.5 if lay["title"] else 0) + 8 * len(lay["header"])
    height = sum(lay["rows"]) + (lay["heading_h"] if lay["heading"] else 0)
    lay["table_top"] = top + rng.uniform(4, max(5, 297 - 15 - height - top))
    return lay


def render(lay, dpi, scale):
    """Grey page (PIL L) and its geometry in page pixels, as
    sealsheet_form.render returns it (hlines/vlines of the capture rows,
    line_px, cells)."""
    k = dpi / 25.4 * scale
    W, H = int(round(210 * dpi / 25.4)), int(round(297 * dpi / 25.4))
    img = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(img)
    fam = lay["font"]
    y = 12 * k
    if lay["title"]:
        _text(d, (105 * k, y), lay["title"], fam, lay["title_pt"] / 72 * 25.4 * k, "ma")
        y += lay["title_pt"] / 72 * 25.4 * k + 6 * k
    for line in lay["header"]:
        _text(d, (lay["ml"] * k, y), line, fam, lay["text_pt"] / 72 * 25.4 * k)
        y += 8 * k
    x0 = lay["ml"] * k
    xs = [x0, x0 + lay["label_w"] * k, x0 + (lay["label_w"] + lay["cell_w"]) * k,
          x0 + (lay["label_w"] + 2 * lay["cell_w"]) * k]
    ty = lay["table_top"] * k
    ys = [ty] if not lay["heading"] else [ty, ty + lay["heading_h"] * k]
    for h in lay["rows"]:
        ys.append(ys[-1] + h * k)
    lw = max(1, int(round(lay["line_mm"] * k)))
    ow = max(lw, int(round(lay["outer_mm"] * k)))
    for i, yy in enumerate(ys):
        w = ow if i in (0, len(ys) - 1) else lw
        d.rectangle([xs[0] - ow / 2, yy - w / 2, xs[3] + ow / 2, yy + w / 2 - 1 + (w == 1)], fill=0)
    for i, xx in enumerate(xs):
        w = ow if i in (0, 3) else lw
        d.rectangle([xx - w / 2, ys[0] - ow / 2, xx + w / 2 - 1 + (w == 1), ys[-1] + ow / 2], fill=0)
    tp = lay["text_pt"] / 72 * 25.4 * k * 1.1
    if lay["heading"]:
        for c in range(3):
            _text(d, ((xs[c] + xs[c + 1]) / 2, (ys[0] + ys[1]) / 2), lay["headings"][c], fam, tp, "mm")
    cap = ys[-4:]
    for r in range(3):
        label = lay["labels"][r]
        per = max(1, int((xs[1] - xs[0]) * 0.8 / tp))
        parts = [label[i:i + per] for i in range(0, len(label), per)]
        for j, part in enumerate(parts):
            yy = (cap[r] + cap[r + 1]) / 2 + (j - (len(parts) - 1) / 2) * tp * 1.3
            _text(d, ((xs[0] + xs[1]) / 2, yy), part, fam, tp, "mm")
    if lay["footer"]:
        yy = ys[-1] + 6 * k
        for line in ("说明：1. 印章须清晰完整，不得压线。", "2. 签名须由法定代表人本人书写。"):
            if yy + 6 * k < H:
                _text(d, (xs[0], yy), line, fam, lay["text_pt"] / 72 * 25.4 * k * 0.9)
            yy += 7 * k
    half = lw / 2
    cells = {}
    for r in range(3):
        for c in range(2):
            cells[(r, c)] = (xs[c + 1] + half, cap[r] + half, xs[c + 2] - half, cap[r + 1] - half)
    return img, {"hlines": cap, "vlines": xs, "line_px": lw, "cells": cells}


def ink_colour(rng, area):
    if area != "signature":
        name = rng.choice(("red", "red", "vermilion", "pink"))
        return tuple(rng.randint(*r) for r in INKS[name]), name
    if rng.random() < 0.5:
        g = rng.randint(15, 45)
        return (g, g + rng.randint(0, 6), g + rng.randint(0, 10)), "black"
    return (rng.randint(15, 50), rng.randint(35, 80), rng.randint(130, 190)), "blue"


def ink_field(rng, size, mode):
    """Per-pixel ink strength: full, worn (light but legible, with voids) or
    faint."""
    w, h = size
    coarse = np.asarray([[rng.random() for _ in range(6)] for _ in range(6)], dtype=np.float32)
    field = np.asarray(Image.fromarray((coarse * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC),
                       dtype=np.float32) / 255.0
    if mode == "faint":
        return rng.uniform(0.12, 0.2) * (0.8 + 0.4 * field)
    if mode == "worn":
        return np.clip(rng.uniform(0.55, 0.7) * (0.85 + 0.3 * field), 0, 1)
    lo = rng.uniform(0.55, 0.8)
    return np.clip(lo + (1.0 - lo) * field * 1.3, 0, 1) * rng.uniform(0.85, 1.0)


def scan(rng, page, dpi):
    """The flatbed: skew about a random point, offset, blur, tint, noise,
    lid shadow or dark bed, upside down. page: float32 H x W x 3 (modified).
    Returns (PIL RGB image, forward(x, y) page px -> scan px, info)."""
    H, W = page.shape[:2]
    skew = rng.uniform(-5.0, 5.0) if rng.random() < 0.8 else 0.0
    off = (mm2px(rng.uniform(-5, 5), dpi), mm2px(rng.uniform(-5, 5), dpi))
    cxr, cyr = W * rng.uniform(0.3, 0.7), H * rng.uniform(0.3, 0.7)
    t = math.radians(skew)
    cs, sn = math.cos(t), math.sin(t)
    flip = rng.random() < 0.2

    def forward(x, y):
        dx, dy = x - cxr, y - cyr
        sx, sy = cxr + cs * dx - sn * dy + off[0], cyr + sn * dx + cs * dy + off[1]
        return (W - sx, H - sy) if flip else (sx, sy)

    a_, b_ = cs, sn
    c_ = cxr - cs * (cxr + off[0]) - sn * (cyr + off[1])
    d_, e_ = -sn, cs
    f_ = cyr + sn * (cxr + off[0]) - cs * (cyr + off[1])
    bed = rng.random() < 0.25
    img = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), "RGB")
    fill = (rng.randint(20, 90),) * 3 if bed else (255, 255, 255)
    img = img.transform((W, H), Image.AFFINE, (a_, b_, c_, d_, e_, f_), resample=Image.BILINEAR,
                        fillcolor=fill)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0) * dpi / 300))
    arr = np.asarray(img, dtype=np.float32)
    base = rng.uniform(232, 252)
    arr *= np.asarray([min(255.0, base + rng.uniform(-4, 4)) for _ in range(3)], np.float32) / 255.0
    shadow = rng.random() < 0.3
    if shadow:                                   # lid left open: one edge darkens
        width = int(mm2px(rng.uniform(4, 12), dpi))
        depth = rng.uniform(0.35, 0.7)
        ramp = (1 - depth * np.linspace(1, 0, width) ** 1.5).astype(np.float32)
        edge = rng.choice("tblr")
        if edge == "t":
            arr[:width] *= ramp[:, None, None]
        elif edge == "b":
            arr[H - width:] *= ramp[::-1, None, None]
        elif edge == "l":
            arr[:, :width] *= ramp[None, :, None]
        else:
            arr[:, W - width:] *= ramp[None, ::-1, None]
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    sigma = rng.uniform(1.5, 5.0)
    for y0 in range(0, H, 512):
        sl = arr[y0:y0 + 512]
        sl += nrng.standard_normal(sl.shape, dtype=np.float32) * sigma
    np.clip(arr, 0, 255, out=arr)
    img = Image.fromarray(arr.astype(np.uint8), "RGB")
    if flip:
        img = img.transpose(Image.ROTATE_180)
    return img, forward, {"skew_deg": round(skew, 3), "upside_down": flip, "lid_shadow": shadow,
                          "dark_bed": bed}
