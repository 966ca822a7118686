# SPDX-License-Identifier: MIT
"""sealsheet_form.py - layout and rendering of the electronic-seal collection
sheet (attachment 3 of the CA's process, 企业电子签章采集表).

One drawing routine serves two callers: tools/forms/make-sealsheet (the
printable A4 form in assets/forms/) and tools/testdata/gen_sealsheet.py (the
synthetic scans the analyser is scored on, with varied layouts). Geometry is
in millimetres; render() turns it into pixels at a given dpi and printer
scale and returns where every ruling line landed.

Never draws anything in colour: the printed form is black on white, which is
what lets the analyser tell red seals from the table.
Runs with Debian's /usr/bin/python3 (python3-pil); fonts from fontconfig.
"""
import subprocess

from PIL import Image, ImageDraw, ImageFont

TITLE = "企业电子签章采集表"
INSTRUCTION = "【为保证采集到最清晰的电子签章，请在表格内居中盖（签）二次，切勿压线，保持页面整洁】"
ROW_LABELS = ("企业公章采集区", "法人私章采集区", "法人手写签名采集区")
FOOTNOTE = ("备注：此表中的印章和签章仅限于江西省数字证书有限公司采集电子签章信息使用，"
            "用于其他一律视为无效。")
ATTACHMENT = "附件3"

A4_MM = (210.0, 297.0)


def default_layout():
    """The canonical layout (what assets/forms/ holds), in millimetres."""
    return {
        "margin_left": 20.0,      # page edge to the table's left line
        "table_top": 52.0,        # page top to the table's top line
        "label_w": 40.0,          # label column width
        "cell_w": 65.0,           # each capture cell's width
        "row_h": (62.0, 50.0, 50.0),
        "line_mm": 0.35,          # ruling line weight
        "title_pt": 20.0,
        "text_pt": 11.0,
        "label_pt": 13.0,
        "font": "Noto Sans CJK SC",
        "bold_title": True,
    }


def find_font(family, bold=False):
    """(path, face index) of a fontconfig match for family; CJK capable."""
    pattern = family + (":style=Bold" if bold else "") + ":lang=zh-cn"
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", pattern],
                             capture_output=True, text=True, check=True).stdout
        path, index = out.split("\n")[:2]
        return path, int(index or 0)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2


_font_cache = {}


def _font(family, bold, px):
    key = (family, bold, px)
    if key not in _font_cache:
        path, index = find_font(family, bold)
        _font_cache[key] = ImageFont.truetype(path, px, index=index)
    return _font_cache[key]


def _wrap(draw, text, font, width_px):
    """Split text (no spaces in Chinese) into lines no wider than width_px."""
    lines, cur = [], ""
    for ch in text:
        if cur and draw.textlength(cur + ch, font=font) > width_px:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def table_size_mm(lay):
    return (lay["label_w"] + 2 * lay["cell_w"], sum(lay["row_h"]))


def render(lay, dpi=300, scale=1.0, page_mm=A4_MM):
    """Render the sheet. Returns (image, geometry).

    image: PIL 'L' image of the page at dpi (white 255, ink 0), printed at
    `scale` (printer fit-to-page scaling about the page's top-left corner).
    geometry: {"hlines": [y0..y3], "vlines": [x0..x3]} line centres in
    pixels, "line_px": weight in pixels, "cells": {(row, col): (x0, y0, x1,
    y1)} inner rectangles (between the lines' edges) of the capture cells,
    col 0 and 1 left to right.
    """
    k = dpi / 25.4 * scale                      # pixels per layout millimetre
    w_px, h_px = round(page_mm[0] * dpi / 25.4), round(page_mm[1] * dpi / 25.4)
    img = Image.new("L", (w_px, h_px), 255)
    d = ImageDraw.Draw(img)
    pt = k * 25.4 / 72.0                        # pixels per typographic point

    # Header: attachment number, title, instruction (wrapped to the table width).
    tw, th = table_size_mm(lay)
    x_left = lay["margin_left"] * k
    x_right = (lay["margin_left"] + tw) * k
    small = _font(lay["font"], False, max(8, round(lay["text_pt"] * pt)))
    title = _font(lay["font"], lay["bold_title"], max(10, round(lay["title_pt"] * pt)))
    top = lay["table_top"] * k
    d.text((x_left, top - 44 * k), ATTACHMENT, font=small, fill=0)
    tl = d.textlength(TITLE, font=title)
    d.text(((x_left + x_right - tl) / 2, top - 36 * k), TITLE, font=title, fill=0)
    lines = _wrap(d, INSTRUCTION, small, x_right - x_left)
    y = top - 6 * k - len(lines) * small.size * 1.35
    for ln in lines:
        d.text((x_left, y), ln, font=small, fill=0)
        y += small.size * 1.35

    # The table: lines drawn as filled rectangles so weights are exact.
    lw = max(1, round(lay["line_mm"] * k))
    xs = [lay["margin_left"], lay["margin_left"] + lay["label_w"],
          lay["margin_left"] + lay["label_w"] + lay["cell_w"],
          lay["margin_left"] + tw]
    ys = [lay["table_top"]]
    for h in lay["row_h"]:
        ys.append(ys[-1] + h)
    xs = [x * k for x in xs]
    ys = [y * k for y in ys]
    half = lw / 2.0
    for y in ys:
        d.rectangle([round(xs[0] - half), round(y - half), round(xs[-1] + half) - 1,
                     round(y - half) + lw - 1], fill=0)
    for x in xs:
        d.rectangle([round(x - half), round(ys[0] - half), round(x - half) + lw - 1,
                     round(ys[-1] + half) - 1], fill=0)

    # Row labels, wrapped and centred in the label cells.
    label = _font(lay["font"], False, max(8, round(lay["label_pt"] * pt)))
    for r, text in enumerate(ROW_LABELS):
        if d.textlength(text, font=label) > (xs[1] - xs[0]) - 4 * k:
            # Break before "采集区" so the area name stays whole.
            lines = _wrap(d, text[:-3], label, (xs[1] - xs[0]) - 4 * k) + [text[-3:]]
        else:
            lines = [text]
        lh = label.size * 1.3
        y = (ys[r] + ys[r + 1]) / 2 - len(lines) * lh / 2
        for ln in lines:
            lwid = d.textlength(ln, font=label)
            d.text(((xs[0] + xs[1] - lwid) / 2, y), ln, font=label, fill=0)
            y += lh

    # Footnote under the table.
    y = ys[-1] + 4 * k
    for ln in _wrap(d, FOOTNOTE, small, x_right - x_left):
        d.text((x_left, y), ln, font=small, fill=0)
        y += small.size * 1.35

    cells = {}
    for r in range(3):
        for c in range(2):
            cells[(r, c)] = (xs[c + 1] + half, ys[r] + half, xs[c + 2] - half, ys[r + 1] - half)
    return img, {"hlines": ys, "vlines": xs, "line_px": lw, "cells": cells, "px_per_mm": k}
