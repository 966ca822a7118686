#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make_docs.py - the paper an agent brings, as scanner pages for SANE's pnm
back-end (raw P6, 150 dpi A4): a business licence whose QR code carries the
credit code, the ID card laid on the glass (front, back), the authorisation
letter - the kiosk's own (kioskctl print letter, $KX_BUILD) stamped and
signed by the legal representative (auth), neither (auth_bare), stamped
but not signed (auth_unsigned) - (tools/testdata/gen_letter.py), a stamped
reissue statement under its title 补办说明, a stamped credit-code copy,
electronic-seal sheets (one with every cell usable, the same upside down,
one with the company seal missing) from tools/testdata's generator, and for the document check
a blank page and a page lying face up.

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
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "forms"))
import gen_idcard  # noqa: E402
import gen_letter  # noqa: E402
import gen_sealsheet  # noqa: E402
import sealsheet_form  # noqa: E402

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


def statement():
    """The reissue statement (补办说明) as a company writes it: the title,
    a few lines of text, the place for the seal."""
    img = Image.new("RGB", (W, H), (250, 250, 247))
    d = ImageDraw.Draw(img)
    k = DPI / 25.4
    d.text((105 * k, 30 * k), "补办说明", fill=(0, 0, 0), anchor="ma",
           font=sealsheet_form._font("Noto Sans CJK SC", True, int(8 * k)))
    font = sealsheet_form._font("Noto Sans CJK SC", False, int(4.5 * k))
    for i, line in enumerate(("江西省数字证书认证中心：",
                              "本单位因数字证书介质遗失，特申请补办数字证书，",
                              "并授权经办人办理此事宜，由此产生的一切后果由本单位承担。",
                              "特此说明。", "单位（盖章）：", "日期：    年  月  日")):
        d.text((25 * k, (60 + 12 * i) * k), line, font=font, fill=(10, 10, 10))
    return img


def face_up():
    """A printed page lying face up: the scanner sees its back, the print
    showing through faint and mirrored."""
    back = statement().transpose(Image.FLIP_LEFT_RIGHT).convert("L")
    return Image.eval(back, lambda v: 246 - (255 - v) // 12).convert("RGB")


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
    # the registration authority's red seal, where licences carry it
    stamp(lic, 60, 200, 21)
    save(lic, os.path.join(out, "licence.ppm"))
    rng = random.Random(5)
    for side in ("front", "back"):
        save(card_page(rng, side), os.path.join(out, "id_" + side + ".ppm"))
    # the copy of the credit code the CA's section 4 asks for: stamped with
    # the company's seal, and as brought without it
    copy = page("CREDIT CODE COPY " + code, ["copy"])
    save(copy, os.path.join(out, "uscc_bare.ppm"))
    save(stamp(copy, 150, 120), os.path.join(out, "uscc.ppm"))
    # the kiosk's letter: stamped over "(盖章)" (kiosk/docs
    # KX_DOCS_LETTER_COMPANY_SEAL_MM) and signed; as brought unstamped and
    # unsigned; stamped but not signed. The statement under its title.
    kioskctl = os.path.join(os.environ["KX_BUILD"], "kiosk", "ctl", "kioskctl")
    for name, field, sealed in (("auth", "signed_black", True), ("auth_bare", "empty", False),
                                ("auth_unsigned", "empty", True)):
        img = gen_letter.letter(random.Random(11), kioskctl, DPI, field, sealed)
        save(img, os.path.join(out, name + ".ppm"))
    save(stamp(statement(), 150, 240), os.path.join(out, "stmt.ppm"))
    save(Image.new("RGB", (W, H), (246, 246, 243)), os.path.join(out, "blank.ppm"))
    save(face_up(), os.path.join(out, "face_up.ppm"))
    rng = random.Random(7)
    img, _ = gen_sealsheet.make_sheet(rng, DPI, statuses=[["ok", "ok"]] * 3)
    save(img.convert("RGB"), os.path.join(out, "seal_ok.ppm"))
    # the same sheet laid upside down on the glass
    save(img.convert("RGB").rotate(180), os.path.join(out, "seal_flip.ppm"))
    rng = random.Random(8)
    img, _ = gen_sealsheet.make_sheet(rng, DPI,
                                      statuses=[["missing", "missing"], ["ok", "ok"], ["ok", "ok"]])
    save(img.convert("RGB"), os.path.join(out, "seal_bad.ppm"))
    os.remove(qr_png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
