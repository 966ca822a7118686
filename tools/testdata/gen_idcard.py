#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_idcard.py - synthetic flatbed scans of a resident ID card (front or
back) with ground truth, for scoring the ID-card cropper
(kiosk/imaging/idcard.c).

Usage: gen_idcard.py --out DIR [--count N] [--seed S]

Writes DIR/card-NNN.{jpg,png} (the scan), DIR/card-NNN-ref.png (the card
as printed, upright, 85.6 x 54 mm at the scan's dpi) and DIR/truth.json, a
list of
  {"image": "card-NNN.jpg", "ref": "card-NNN-ref.png", "side": "front|back",
   "dpi": 300, "angle": deg, "corners": [[x, y] x4], "lid": "white|grey|black"}
corners are the card's sharp corners (top-left, top-right, bottom-right,
bottom-left of the upright card) in scan pixels.

What varies: front (pale pattern, photo, text lines) or back (emblem, title,
validity), dpi (200/300), rotation (within +-12 degrees), position (also
against the glass corner), lid colour (white, grey, or black with the lid
open), the thin shadow the card's edge casts, blur, noise, JPEG. Nothing
personal: text is drawn as strokes. Deterministic for a given --seed.
Needs python3-pil and python3-numpy (run with /usr/bin/python3).
"""
import argparse
import json
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

W_MM, H_MM = 85.6, 54.0


def mm(v, dpi):
    return v * dpi / 25.4


def text_line(d, rng, x, y, length, h, ink):
    """A line of glyph-like stroke clusters."""
    cx = x
    while cx < x + length:
        gw = h * rng.uniform(0.8, 1.0)
        for _ in range(rng.randint(2, 4)):
            if rng.random() < 0.5:
                yy = rng.uniform(y, y + h)
                d.line([cx, yy, cx + gw, yy], fill=ink, width=max(1, int(h / 8)))
            else:
                xx = rng.uniform(cx, cx + gw)
                d.line([xx, y, xx, y + h], fill=ink, width=max(1, int(h / 8)))
        cx += gw * 1.15


def card_face(rng, dpi, side):
    w, h = int(round(mm(W_MM, dpi))), int(round(mm(H_MM, dpi)))
    base = (rng.randint(228, 242), rng.randint(232, 244), rng.randint(236, 248))
    img = Image.new("RGB", (w, h), base)
    d = ImageDraw.Draw(img)
    # faint guilloche: wavy light-blue lines
    for k in range(0, h, max(3, int(mm(1.2, dpi)))):
        pts = [(x, k + math.sin(x / mm(6, dpi) + k) * mm(1.5, dpi)) for x in range(0, w, 8)]
        d.line(pts, fill=(base[0] - 25, base[1] - 12, base[2] - 2), width=1)
    ink = (30, 30, 35)
    if side == "front":
        # photo on the right
        px0, py0 = w - mm(32, dpi), mm(8, dpi)
        d.rectangle([px0, py0, px0 + mm(26, dpi), py0 + mm(32, dpi)], fill=(200, 205, 215))
        d.ellipse([px0 + mm(7, dpi), py0 + mm(5, dpi), px0 + mm(19, dpi), py0 + mm(19, dpi)],
                  fill=(90, 80, 75))
        d.rectangle([px0 + mm(3, dpi), py0 + mm(20, dpi), px0 + mm(23, dpi), py0 + mm(32, dpi)],
                    fill=(60, 60, 80))
        y = mm(7, dpi)
        for length in (18, 30, 32, 40, 40):
            text_line(d, rng, mm(6, dpi), y, mm(length, dpi), mm(2.8, dpi), ink)
            y += mm(6.5, dpi)
        text_line(d, rng, mm(6, dpi), mm(45, dpi), mm(60, dpi), mm(3.2, dpi), ink)
    else:
        # emblem top-left, title, validity lines at the bottom
        cx, cy, r = mm(14, dpi), mm(14, dpi), mm(9, dpi)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(200, 40, 40))
        d.ellipse([cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6], fill=(235, 190, 60))
        text_line(d, rng, mm(30, dpi), mm(9, dpi), mm(48, dpi), mm(5, dpi), ink)
        text_line(d, rng, mm(36, dpi), mm(19, dpi), mm(30, dpi), mm(4, dpi), ink)
        text_line(d, rng, mm(14, dpi), mm(38, dpi), mm(50, dpi), mm(2.8, dpi), ink)
        text_line(d, rng, mm(14, dpi), mm(45, dpi), mm(55, dpi), mm(2.8, dpi), ink)
    # rounded corners (ID-1: 3.18 mm radius) cut to transparent
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, w - 1, h - 1], radius=mm(3.18, dpi), fill=255)
    return img, mask


def scan(rng, dpi, side):
    face, mask = card_face(rng, dpi, side)
    lid_kind = rng.choice(["white", "white", "grey", "black"])
    lid = {"white": (rng.randint(238, 252),) * 3, "grey": (rng.randint(175, 210),) * 3,
           "black": (rng.randint(15, 45),) * 3}[lid_kind]
    sw, sh = int(mm(rng.choice([210, 150]), dpi)), int(mm(rng.choice([297, 200]), dpi))
    page = Image.new("RGB", (sw, sh), lid)
    angle = rng.uniform(-12, 12)
    # shadow: the card's edge lifted off the glass darkens a thin rim
    rim = Image.new("L", mask.size, 0)
    ImageDraw.Draw(rim).rounded_rectangle([0, 0, mask.width - 1, mask.height - 1],
                                          radius=mm(3.18, dpi), outline=255,
                                          width=max(1, int(mm(0.25, dpi))))
    face_rgba = face.copy()
    face_rgba.putalpha(mask)
    shade = Image.new("RGB", face.size, (70, 70, 70))
    face_rgba.paste(shade, (0, 0), rim.point(lambda v: v * rng.uniform(0.4, 0.8)))
    face_rgba.putalpha(mask)
    rot = face_rgba.rotate(angle, resample=Image.BICUBIC, expand=True)
    if rng.random() < 0.3:
        # against the glass corner, as people place cards
        ox, oy = int(mm(rng.uniform(1, 4), dpi)), int(mm(rng.uniform(1, 4), dpi))
    else:
        ox = rng.randint(int(mm(5, dpi)), sw - rot.width - int(mm(5, dpi)))
        oy = rng.randint(int(mm(5, dpi)), sh - rot.height - int(mm(5, dpi)))
    page.paste(rot, (ox, oy), rot)
    # ground truth corners: rotate the face's corners the way PIL did
    w, h = face.size
    t = math.radians(angle)
    corners = []
    for (x, y) in [(0, 0), (w, 0), (w, h), (0, h)]:
        dx, dy = x - w / 2, y - h / 2
        rx = dx * math.cos(t) + dy * math.sin(t) + rot.width / 2 + ox
        ry = -dx * math.sin(t) + dy * math.cos(t) + rot.height / 2 + oy
        corners.append([round(rx, 2), round(ry, 2)])
    blur = rng.choice([0, 0.5, 0.9])
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    a = np.asarray(page).astype(np.int16)
    tile = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(1, 4), (256, 256, 3))
    a += np.tile(tile.astype(np.int16), (a.shape[0] // 256 + 1, a.shape[1] // 256 + 1, 1))[
        :a.shape[0], :a.shape[1]]
    page = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return page, face, angle, corners, lid_kind


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    truth = []
    for i in range(args.count):
        side = "front" if i % 2 == 0 else "back"
        dpi = rng.choice([300, 300, 200])
        page, face, angle, corners, lid = scan(rng, dpi, side)
        ext = "png" if rng.random() < 0.3 else "jpg"
        name, ref = f"card-{i:03d}.{ext}", f"card-{i:03d}-ref.png"
        if ext == "jpg":
            page.save(os.path.join(args.out, name), quality=rng.randint(80, 92), dpi=(dpi, dpi))
        else:
            page.save(os.path.join(args.out, name), dpi=(dpi, dpi), compress_level=1)
        face.save(os.path.join(args.out, ref), dpi=(dpi, dpi), compress_level=1)
        truth.append({"image": name, "ref": ref, "side": side, "dpi": dpi,
                      "angle": round(angle, 3), "corners": corners, "lid": lid})
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)


if __name__ == "__main__":
    main()
