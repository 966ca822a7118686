#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make_docs.py - the paper an agent brings, as scanner pages for SANE's pnm
back-end (raw P6, 150 dpi A4): a business licence whose QR code carries the
credit code, the ID card laid on the glass (front, back), the authorisation
letter (stamped, and unstamped), a stamped reissue statement, a stamped
credit-code copy, and electronic-seal sheets (one with every cell
usable, one with the company seal missing) from tools/testdata's generator.

Usage: make_docs.py OUTDIR CREDIT_CODE
Run with /usr/bin/python3 (python3-pil, python3-numpy; qrencode command).
"""
import os
import random
import subprocess
import sys

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "testdata"))
import gen_idcard  # noqa: E402
import gen_sealsheet  # noqa: E402

DPI = 150
W, H = int(210 / 25.4 * DPI), int(297 / 25.4 * DPI)


def page(title, lines):
    img = Image.new("RGB", (W, H), (250, 250, 247))
    d = ImageDraw.Draw(img)
    d.rectangle([60, 60, W - 60, H - 60], outline=(40, 40, 40), width=3)
    d.text((100, 100), title, fill=(0, 0, 0))
    for i, line in enumerate(lines):
        d.text((100, 160 + 40 * i), line, fill=(20, 20, 20))
    return img


def card_page(rng, side):
    """The ID card laid on the glass, a little askew, the lid closed: what
    the cropper cuts the card from (tools/testdata/gen_idcard.py's face)."""
    face, mask = gen_idcard.card_face(rng, DPI, side)
    img = Image.new("RGB", (W, H), (192, 192, 190))  # a grey lid
    face.putalpha(mask)
    rot = face.rotate(4 if side == "front" else -2, resample=Image.BICUBIC, expand=True)
    img.paste(rot, (90, 110), rot)
    return img


def stamp(img, cx_mm, cy_mm, r_mm=19):
    """A round red company seal (a ring and a star) centred at (cx, cy) mm."""
    d = ImageDraw.Draw(img)
    px = DPI / 25.4
    cx, cy, r = cx_mm * px, cy_mm * px, r_mm * px
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(205, 30, 35), width=int(1.4 * px))
    s = r / 3
    d.polygon([(cx, cy - s), (cx + s * 0.3, cy - s * 0.3), (cx + s, cy - s * 0.3),
               (cx + s * 0.45, cy + s * 0.15), (cx + s * 0.65, cy + s),
               (cx, cy + s * 0.5), (cx - s * 0.65, cy + s), (cx - s * 0.45, cy + s * 0.15),
               (cx - s, cy - s * 0.3), (cx - s * 0.3, cy - s * 0.3)], fill=(205, 30, 35))
    return img


def save(img, path):
    img.save(path)  # .ppm: raw P6, what the pnm back-end reads


def main():
    out, code = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    qr_png = os.path.join(out, "qr.png")
    payload = "http://www.gsxt.gov.cn/index.html?uniscid=" + code
    subprocess.run(["qrencode", "-o", qr_png, "-s", "6", "-m", "4", payload], check=True)
    lic = page("BUSINESS LICENCE", ["Unified social credit code " + code,
                                    "Example Electronics Co., Ltd."])
    qr = Image.open(qr_png).convert("RGB")
    lic.paste(qr, (W - qr.width - 140, H - qr.height - 200))
    save(lic, os.path.join(out, "licence.ppm"))
    rng = random.Random(5)
    for side in ("front", "back"):
        save(card_page(rng, side), os.path.join(out, "id_" + side + ".ppm"))
    for name, title in (("uscc", "CREDIT CODE COPY " + code),):
        save(page(title, ["copy"]), os.path.join(out, name + ".ppm"))
    # the letter and the statement stamped with the company seal (the
    # letter's over "(盖章)", kiosk/docs KX_DOCS_LETTER_COMPANY_SEAL_MM), and
    # the letter as brought unstamped
    save(page("AUTHORISATION LETTER", ["copy"]), os.path.join(out, "auth_bare.ppm"))
    save(stamp(page("AUTHORISATION LETTER", ["copy"]), 142.5, 180),
         os.path.join(out, "auth.ppm"))
    save(stamp(page("REISSUE STATEMENT", ["copy"]), 150, 240), os.path.join(out, "stmt.ppm"))
    rng = random.Random(7)
    img, _ = gen_sealsheet.make_sheet(rng, DPI, statuses=[["ok", "ok"]] * 3)
    save(img.convert("RGB"), os.path.join(out, "seal_ok.ppm"))
    rng = random.Random(8)
    img, _ = gen_sealsheet.make_sheet(rng, DPI,
                                      statuses=[["missing", "missing"], ["ok", "ok"], ["ok", "ok"]])
    save(img.convert("RGB"), os.path.join(out, "seal_bad.ppm"))
    os.remove(qr_png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
