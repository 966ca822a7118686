#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_letter.py - scans of the authorisation letter (附件2) as an agent
brings it back: the kiosk's own letter (kioskctl print letter, rendered with
pdftoppm) stamped with the company's red seal over "（盖章）", and in the
legal representative's field (法定代表人：＿＿（签字或盖章）) a handwritten
signature in black or blue ink, the legal representative's red seal, or
nothing; laid on the glass a little off the corner and askew, with scanner
noise. For the letter's scan check (kiosk/imaging/doccheck.h,
kx_letter_signature) and the kiosk's end-to-end tests.

Usage: gen_letter.py --kioskctl PATH --out DIR [--dpi 150] [--seed 1]
                     [--count N] [--format ppm|png]

Writes DIR/letter-NNN.{ppm,png} and DIR/truth.json, a list of
  {"image": NAME, "field": FIELD, "company_seal": BOOL, "dpi": N}
FIELD is one of signed_black, signed_blue, legal_seal, empty, in turn
(with --count 4 or more every kind appears); every fifth letter has no
company seal. Deterministic for a given --seed; never writes outside DIR
(the PDF and its rendering are made in a temporary directory). Needs
python3-pil, python3-numpy, poppler-utils (pdftoppm).

As a module: letter(rng, kioskctl, dpi, field, company_seal) -> PIL image.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw

FIELDS = ("signed_black", "signed_blue", "legal_seal", "empty")
# where kiosk/docs prints the letter's parts (mm from the page's top-left
# corner): the company seal's place (KX_DOCS_LETTER_COMPANY_SEAL_MM's
# centre), the legal representative's underlined blank
COMPANY_SEAL_MM = (142.5, 180.0)
FIELD_LINE_MM = (47.5, 102.5, 214.6)
RED = (205, 30, 35)


_rendered = {}


def render(kioskctl, dpi, tmp):
    """The kiosk's letter filled in for a new issuance, as an RGB page (made
    once per process and resolution). kioskctl print can die of SIGABRT
    after writing the PDF, in fontconfig's FcFini at exit (kiosk/docs
    kx_docs_release_caches, intermittent under load): a death by signal
    is tried again, twice at most, and its message shown."""
    if (kioskctl, dpi) in _rendered:
        return _rendered[(kioskctl, dpi)].copy()
    pdf = os.path.join(tmp, "letter.pdf")
    for attempt in range(3):
        r = subprocess.run([kioskctl, "print", "letter", "--service", "new", "--agent-name",
                            "张三", "--sex", "male", "--mobile", "13800000000", "--company",
                            "江西赣江数字科技有限公司", "--from", "2026-12-01", "--to",
                            "2027-11-30", "--out", pdf], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=False)
        if r.returncode == 0:
            break
        sys.stderr.write(r.stderr.decode("utf-8", "replace")[-2000:])
        if r.returncode > 0 or attempt == 2:
            raise RuntimeError(f"kioskctl print letter failed ({r.returncode})")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", pdf,
                    os.path.join(tmp, "letter")], check=True)
    img = Image.open(os.path.join(tmp, "letter.png")).convert("RGB")
    _rendered[(kioskctl, dpi)] = img
    return img.copy()


def company_seal(img, dpi, cx_mm, cy_mm, r_mm=19):
    """A round red company seal: a ring and a star."""
    d = ImageDraw.Draw(img)
    px = dpi / 25.4
    cx, cy, r = cx_mm * px, cy_mm * px, r_mm * px
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=RED, width=max(2, int(1.4 * px)))
    s = r / 3
    d.polygon([(cx, cy - s), (cx + s * 0.3, cy - s * 0.3), (cx + s, cy - s * 0.3),
               (cx + s * 0.45, cy + s * 0.15), (cx + s * 0.65, cy + s),
               (cx, cy + s * 0.5), (cx - s * 0.65, cy + s), (cx - s * 0.45, cy + s * 0.15),
               (cx - s, cy - s * 0.3), (cx - s * 0.3, cy - s * 0.3)], fill=RED)


def legal_seal(img, dpi, rng):
    """The legal representative's square seal (18 mm, a frame and two
    characters' worth of blocks) over the field's blank."""
    d = ImageDraw.Draw(img)
    px = dpi / 25.4
    x0, x1, y = FIELD_LINE_MM
    cx = rng.uniform(x0 + 12, x1 - 12) * px
    cy = (y - rng.uniform(6, 9)) * px
    h = 9 * px
    d.rectangle([cx - h, cy - h, cx + h, cy + h], outline=RED, width=max(2, int(1.2 * px)))
    for i in range(2):
        for j in range(3):
            bx = cx - h * 0.7 + i * h * 0.8
            by = cy - h * 0.7 + j * h * 0.5
            d.rectangle([bx, by, bx + h * 0.55, by + h * 0.3], fill=RED)


def signature(img, dpi, rng, ink):
    """A handwritten name: a run of loops and strokes 25-45 mm wide, 6-11 mm
    high, sitting on (and sometimes crossing) the field's line."""
    d = ImageDraw.Draw(img)
    px = dpi / 25.4
    x0, x1, y = FIELD_LINE_MM
    width = rng.uniform(25, 45)
    start = rng.uniform(x0 + 2, max(x0 + 3, x1 - width - 2))
    base = y - rng.uniform(0.5, 2.5)
    height = rng.uniform(6, 11)
    pen = max(2, int(rng.uniform(0.35, 0.6) * px))
    pts = []
    n = rng.randint(40, 70)
    loops = rng.uniform(4, 8)
    for i in range(n + 1):
        t = i / n
        x = start + width * t + 2.5 * math.sin(2 * math.pi * loops * t)
        yy = base - height * (0.5 + 0.5 * math.sin(2 * math.pi * loops * t + 1.3)) \
            * (0.6 + 0.4 * math.sin(3.1 * t))
        pts.append((x * px, yy * px))
    d.line(pts, fill=ink, width=pen, joint="curve")
    # a flourish under the name
    fy = base + rng.uniform(-0.5, 1.5)
    d.line([(start * px, fy * px), ((start + width * 0.9) * px, (fy - 2) * px)], fill=ink,
           width=pen)


def on_glass(img, dpi, rng, tint):
    """The page as the scanner sees it: shifted a few millimetres from the
    glass's corner, turned a fraction of a degree, paper-tinted, noisy."""
    px = dpi / 25.4
    angle = rng.uniform(-0.6, 0.6)
    dx, dy = rng.uniform(0, 4) * px, rng.uniform(-3, 4) * px
    rot = img.rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    page = Image.new("RGB", img.size, tint)
    page.paste(rot, (int(dx), int(dy)))
    a = np.asarray(page, dtype=np.float32)
    a *= np.asarray(tint, np.float32) / 255.0
    noise = np.random.default_rng(rng.randrange(1 << 30)).standard_normal(a.shape)
    a += noise.astype(np.float32) * 2.5
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def letter(rng, kioskctl, dpi, field, with_company_seal=True):
    with tempfile.TemporaryDirectory() as tmp:
        img = render(kioskctl, dpi, tmp)
    if with_company_seal:
        company_seal(img, dpi, COMPANY_SEAL_MM[0] + rng.uniform(-6, 6),
                     COMPANY_SEAL_MM[1] + rng.uniform(-4, 4))
    if field == "signed_black":
        signature(img, dpi, rng, (rng.randint(10, 40),) * 3)
    elif field == "signed_blue":
        signature(img, dpi, rng, (rng.randint(20, 50), rng.randint(40, 70), rng.randint(140, 190)))
    elif field == "legal_seal":
        legal_seal(img, dpi, rng)
    tint = tuple(rng.randint(240, 252) for _ in range(3))
    return on_glass(img, dpi, rng, tint)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kioskctl", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dpi", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--format", choices=("ppm", "png"), default="png")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    truth = []
    for i in range(args.count):
        rng = random.Random(args.seed * 7919 + i)
        field = FIELDS[i % len(FIELDS)]
        seal = i % 5 != 4
        img = letter(rng, args.kioskctl, args.dpi, field, seal)
        name = f"letter-{i:03d}.{args.format}"
        img.save(os.path.join(args.out, name), dpi=(args.dpi, args.dpi))
        truth.append({"image": name, "field": field, "company_seal": seal, "dpi": args.dpi})
    with open(os.path.join(args.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
