#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_documents.py - scans of whatever a customer may put on the glass at a
document step, with the truth of what each is, for the document check
(kiosk/imaging/doccheck.c).

Usage: gen_documents.py --out DIR [--count N] [--seed S]

Writes DIR/doc-NNN.{png,jpg} and DIR/truth.json, a list of
  {"image": "doc-NNN.png", "kind": KIND, "dpi": N}
KIND is one of blank, face_up, licence, id_front, id_back, seal_sheet,
auth_letter, reissue_statement, unknown (kioskctl doc-check's names), in
turn; unknown pages are other documents (a contract, minutes...).
Blank pages: paper tint, noise, sometimes a lid shadow. Face up: the back of
a printed page, its text mirrored and faint (show-through). ID cards:
gen_idcard.py's scans; licences: gen_licence.py's flatbed pages; seal
sheets: gen_sealsheet.py --style independent at 200 dpi; the authorisation
letter and the reissue statement: text pages with their titles (法人授权委托书,
补办说明) and body text. Deterministic for a given --seed; never writes
outside DIR. Needs python3-pil, python3-numpy, qrencode.
"""
import argparse
import json
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "forms"))
import gen_idcard  # noqa: E402
import gen_licence  # noqa: E402
import gen_sealsheet  # noqa: E402
import sealsheet_form  # noqa: E402

KINDS = ("blank", "face_up", "licence", "id_front", "id_back", "seal_sheet", "auth_letter",
         "reissue_statement", "unknown")
TITLES = {"auth_letter": "法人授权委托书", "reissue_statement": "补办说明"}
OTHER_TITLES = ("购销合同", "情况说明", "开户申请表", "会议纪要")
BODY = ("兹授权委托同志为我公司合法代理人，全权代表我办理数字证书业务，",
        "代理人在此过程中所签署的一切文件和处理与之有关的一切事务，我均予以承认。",
        "本单位因证书介质遗失，特申请补办数字证书，并授权经办人办理此事宜。",
        "特此说明。", "单位（盖章）：", "法定代表人（签字）：", "日期：    年  月  日")


def a4(dpi, tint):
    return Image.new("RGB", (int(210 * dpi / 25.4), int(297 * dpi / 25.4)), tint)


def noisy(img, rng, sigma):
    a = np.asarray(img, dtype=np.float32)
    a += np.random.default_rng(rng.randrange(1 << 30)).standard_normal(a.shape, dtype=np.float32) * sigma
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def text_page(rng, dpi, title):
    k = dpi / 25.4
    img = a4(dpi, (255, 255, 255))
    d = ImageDraw.Draw(img)
    fam = rng.choice(("Noto Sans CJK SC", "Noto Serif CJK SC"))
    y = rng.uniform(20, 40) * k
    if title:
        d.text((105 * k, y), title, font=sealsheet_form._font(fam, True, int(7 * k)), fill=0, anchor="ma")
        y += 18 * k
    font = sealsheet_form._font(fam, False, int(4 * k))
    for _ in range(rng.randint(6, 14)):
        d.text((22 * k, y), rng.choice(BODY), font=font, fill=0)
        y += 9 * k
    return img


def make(rng, kind):
    if kind in ("id_front", "id_back"):
        dpi = rng.choice((200, 300))
        page = gen_idcard.scan(rng, dpi, "front" if kind == "id_front" else "back")[0]
        return page, dpi
    if kind == "licence":
        payload = gen_licence.make_payload(rng, "uniscid")[0]
        return gen_licence.flatbed(rng, payload)[0], 300
    if kind == "seal_sheet":
        img, truth = gen_sealsheet.make_sheet_independent(rng, 200)
        return img, 200
    dpi = rng.choice((150, 200, 300))
    tint = tuple(rng.randint(236, 252) for _ in range(3))
    if kind == "blank":
        img = a4(dpi, tint)
        if rng.random() < 0.4:                  # the lid's shadow along one edge
            a = np.asarray(img, dtype=np.float32)
            w = int(rng.uniform(4, 10) * dpi / 25.4)
            a[:, :w] *= np.linspace(0.5, 1, w, dtype=np.float32)[None, :, None]
            img = Image.fromarray(a.astype(np.uint8))
        return noisy(img, rng, rng.uniform(1.5, 4)), dpi
    if kind == "face_up":
        back = text_page(rng, dpi, rng.choice(list(TITLES.values()) + [None]))
        back = back.transpose(Image.FLIP_LEFT_RIGHT)   # seen through the paper
        a = np.asarray(back, dtype=np.float32)
        show = rng.uniform(0.06, 0.14)                 # how much shows through
        a = np.asarray(tint, np.float32) * (1 - show * (1 - a / 255.0))
        return noisy(Image.fromarray(a.astype(np.uint8)), rng, rng.uniform(1.5, 3)), dpi
    if kind == "unknown":                               # some other document
        return noisy(text_page(rng, dpi, rng.choice(OTHER_TITLES)), rng, 2.0), dpi
    return noisy(text_page(rng, dpi, TITLES[kind]), rng, 2.0), dpi


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    truth = []
    for i in range(args.count):
        rng = random.Random(args.seed * 7919 + i)
        kind = KINDS[i % len(KINDS)]
        img, dpi = make(rng, kind)
        jpeg = rng.random() < 0.3
        name = f"doc-{i:03d}." + ("jpg" if jpeg else "png")
        if jpeg:
            img.convert("RGB").save(os.path.join(args.out, name), quality=rng.randint(75, 92), dpi=(dpi, dpi))
        else:
            img.save(os.path.join(args.out, name), dpi=(dpi, dpi), compress_level=1)
        truth.append({"image": name, "kind": kind, "dpi": dpi})
    with open(os.path.join(args.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
