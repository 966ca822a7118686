#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gen_licence.py - synthetic business-licence images with a QR code, with
ground truth, for scoring the licence QR reader (kiosk/imaging/licence_qr.c)
and for bench/50-licence.sh.

Usage: gen_licence.py --out DIR [--count N] [--seed S] [--kinds flatbed,camera,noqr]

Writes DIR/lic-NNN.{png,jpg} and DIR/truth.json, a list of
  {"image": "lic-NNN.jpg", "kind": "flatbed|camera|noqr", "found": bool,
   "payload": "...", "uscc": "..."|null, "uscc_status": "valid|check_failed|absent",
   "format": "uniscid|cid|serial|uuid|bad_check|none", "rotation": deg,
   "blur": px, "contrast": 0..1, "module_px": px}
module_px is the width of one QR module in the written image.

What varies: payload format (uniscid=, cid=, serial=CODE-..., opaque uuid=,
a code whose check character is wrong), QR size and position on the page,
page rotation (any angle, and near-axis skews), blur, low contrast, noise,
paper tint, JPEG quality; flatbed pages are A4 at 300 dpi, camera frames
1280x960 or 1600x1200 with the page in perspective, uneven light and a
desk around it. "noqr" pages have the same clutter and no code.
Deterministic for a given --seed. Never writes outside DIR. Needs
python3-pil, python3-numpy and the qrencode command (Debian: qrencode);
run with /usr/bin/python3.
"""
import argparse
import json
import math
import os
import random
import subprocess
import uuid

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
JX_REGIONS = ["360100", "360102", "360200", "360300", "360400", "360700", "361000", "361100"]


# ------------------------------------------------------------ credit codes
def org_check(body8):
    def val(c):
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10
    s = sum(val(c) * w for c, w in zip(body8, ORG_WEIGHTS))
    c = 11 - s % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(code17):
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - s % 31) % 31]


def make_uscc(rng, valid=True):
    """A GB 32100 code for a Jiangxi company; valid=False breaks its check."""
    org_alpha = "0123456789ABCDEFGHJKLMNPQRTUWY"
    while True:
        head = rng.choice(["91", "92", "93", "12", "52"]) + rng.choice(JX_REGIONS)
        body = "".join(rng.choice(org_alpha) for _ in range(8))
        code17 = head + body + org_check(body)
        if all(c in USCC_ALPHABET for c in code17):
            break
    check = uscc_check(code17)
    if not valid:
        check = rng.choice([c for c in USCC_ALPHABET if c != check])
    return code17 + check


def make_payload(rng, fmt):
    """(payload, uscc or None, uscc_status) for one payload format."""
    if fmt == "uuid":
        u = uuid.UUID(int=rng.getrandbits(128), version=4)
        host = rng.choice(["http://www.gsxt.gov.cn", "http://jx.gsxt.gov.cn"])
        return f"{host}/corp-query-entprise-info-xxgg-{u.hex}.html?uuid={u}", None, "absent"
    if fmt == "bad_check":
        code = make_uscc(rng, valid=False)
        return f"http://www.gsxt.gov.cn/index.html?uniscid={code}", None, "check_failed"
    code = make_uscc(rng)
    if fmt == "uniscid":
        return f"http://www.gsxt.gov.cn/index.html?uniscid={code}&entType=1", code, "valid"
    if fmt == "cid":
        return f"https://jx.gsxt.gov.cn/%7B{rng.getrandbits(32):08X}%7D?cid={code}", code, "valid"
    # serial=CODE-registration number-date
    reg = "".join(rng.choice("0123456789") for _ in range(15))
    return (f"http://gsxt.jxamr.gov.cn/qr?serial={code}-{reg}-"
            f"{rng.randint(2015, 2025)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            code, "valid")


def qr_modules(payload, level):
    """The QR symbol as an L image with one pixel per module (quiet zone 4)."""
    out = subprocess.run(["qrencode", "-t", "ASCII", "-m", "4", "-l", level, "-o", "-", payload],
                         check=True, capture_output=True, text=True).stdout
    rows = [line[::2] for line in out.splitlines() if line]
    n = len(rows)
    img = Image.new("L", (n, n), 255)
    img.putdata([0 if c == "#" else 255 for row in rows for c in row.ljust(n)[:n]])
    return img


# ------------------------------------------------------------------ pages
def clutter(draw, rng, w, h, dpi, avoid, ink):
    """Text-like lines, a border and a title: what a licence page holds."""
    mm = dpi / 25.4
    m = int(rng.uniform(10, 18) * mm)
    red = (170 + rng.randint(-20, 20), 40, 40)
    draw.rectangle([m, m, w - m, h - m], outline=red, width=max(2, int(1.5 * mm)))
    draw.rectangle([m + int(3 * mm), m + int(3 * mm), w - m - int(3 * mm), h - m - int(3 * mm)],
                   outline=red, width=max(1, int(0.4 * mm)))
    # title: big blocky "characters"
    tw = int(18 * mm)
    x0 = w // 2 - 2 * tw
    for i in range(4):
        x = x0 + i * tw
        draw.rectangle([x + tw * 0.15, m + 20 * mm, x + tw * 0.85, m + 34 * mm], fill=red)
    # text lines made of glyph-sized dark blocks with gaps
    y = m + 50 * mm
    line_h = rng.uniform(4.5, 6.5) * mm
    while y < h - m - 20 * mm:
        x = m + rng.uniform(15, 30) * mm
        end = w - m - rng.uniform(15, 60) * mm
        while x < end:
            gw = line_h * rng.uniform(0.7, 0.95)
            box = (x, y, x + gw, y + line_h * 0.8)
            if not any(box[0] < a[2] and box[2] > a[0] and box[1] < a[3] and box[3] > a[1]
                       for a in avoid):
                if rng.random() < 0.85:
                    # a glyph: a few strokes, not a solid block
                    for _ in range(rng.randint(2, 4)):
                        if rng.random() < 0.5:
                            yy = rng.uniform(box[1], box[3])
                            draw.line([box[0], yy, box[2], yy], fill=ink, width=max(1, int(0.3 * mm)))
                        else:
                            xx = rng.uniform(box[0], box[2])
                            draw.line([xx, box[1], xx, box[3]], fill=ink, width=max(1, int(0.3 * mm)))
            x += gw * rng.uniform(1.05, 1.3)
            if rng.random() < 0.05:
                x += gw * 3
        y += line_h * rng.uniform(1.6, 2.4)
    # a red seal in the lower right, like the registration authority's
    r = 21 * mm
    cx, cy = w - m - 45 * mm, h - m - 45 * mm
    if not any(cx - r < a[2] and cx + r > a[0] and cy - r < a[3] and cy + r > a[1] for a in avoid):
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(200, 40, 40), width=int(1.2 * mm))


def render_page(rng, dpi, payload, module_mm, level):
    """An unrotated A4 page at dpi with the QR; returns (image, module_px)."""
    w, h = int(210 / 25.4 * dpi), int(297 / 25.4 * dpi)
    paper = tuple(int(v) for v in (rng.uniform(238, 252), rng.uniform(234, 248), rng.uniform(222, 240)))
    page = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(page)
    avoid = []
    qr = None
    module_px = module_mm * dpi / 25.4
    if payload is not None:
        mods = qr_modules(payload, level)
        size = int(round(mods.width * module_px))
        qr = mods.resize((size, size), Image.NEAREST)
        mm = dpi / 25.4
        # anywhere in the printable area, most often the upper or lower right
        x = int(rng.uniform(25 * mm, w - 25 * mm - size))
        y = int(rng.uniform(60 * mm, h - 25 * mm - size))  # below the title
        if rng.random() < 0.5:
            x = int(w - 28 * mm - size - rng.uniform(0, 15 * mm))
        avoid.append((x, y, x + size, y + size))
    ink = (20, 20, 25)
    clutter(draw, rng, w, h, dpi, avoid, ink)
    if qr is not None:
        x, y = avoid[0][0], avoid[0][1]
        black = Image.new("RGB", qr.size, ink)
        page.paste(black, (x, y), Image.eval(qr, lambda v: 255 - v))
    return page, module_px, (avoid[0] if avoid else None)


def degrade(img, rng, blur, contrast, noise):
    """Blur, compress the tonal range towards mid-grey, add sensor noise
    (a 256-pixel tile of Gaussian noise, repeated: fast, and as good as
    fresh noise for a decoder)."""
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if contrast < 1:
        mid = rng.uniform(150, 190)
        lut = [int(max(0, min(255, round(mid + (v - mid) * contrast)))) for v in range(256)]
        img = img.point(lut * len(img.getbands()))
    if noise > 0:
        tile = np.random.default_rng(rng.getrandbits(32)).normal(0, noise, (256, 256, 3))
        a = np.asarray(img).astype(np.int16)
        h, w = a.shape[:2]
        a += np.tile(tile.astype(np.int16), (h // 256 + 1, w // 256 + 1, 1))[:h, :w]
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return img


def flatbed(rng, payload):
    dpi = 300
    module_mm = rng.uniform(0.45, 0.75)
    page, module_px, _ = render_page(rng, dpi, payload, module_mm, rng.choice("LMQ"))
    r = rng.random()
    if r < 0.4:
        rot = rng.choice([0, 90, 180, 270]) + rng.uniform(-3, 3)
    elif r < 0.55:
        rot = 0.0
    else:
        rot = rng.uniform(0, 360)
    lid = tuple(int(rng.uniform(235, 255)) for _ in range(3))
    # the scan holds the whole page and a margin of lid around it
    canvas = page.rotate(rot, resample=Image.BILINEAR, expand=True, fillcolor=lid)
    blur = rng.choice([0, 0, 0.8, 1.2, 1.8])
    contrast = rng.choice([1, 1, 0.5, 0.3])
    img = degrade(canvas, rng, blur, contrast, rng.uniform(0, 5))
    return img, rot, blur, contrast, module_px


def camera(rng, payload):
    fw, fh = rng.choice([(1280, 960), (1600, 1200), (1280, 720)])
    # the page fills 55-90 % of the frame height
    page_h = fh * rng.uniform(1.0, 1.6)
    dpi = page_h / (297 / 25.4)
    module_mm = rng.uniform(0.7, 0.95)
    page, module_px, qr_box = render_page(rng, dpi, payload, module_mm, rng.choice("MQ"))
    rot = rng.uniform(0, 360) if rng.random() < 0.4 else rng.uniform(-15, 15)
    page = page.rotate(rot, resample=Image.BILINEAR, expand=True, fillcolor=(0, 0, 0))
    # a mask of the rotated page to paste over a desk
    pm = Image.new("L", (int(210 / 25.4 * dpi), int(297 / 25.4 * dpi)), 255)
    mask = pm.rotate(rot, resample=Image.BILINEAR, expand=True, fillcolor=0)
    desk = tuple(int(rng.uniform(60, 140)) for _ in range(3))
    frame = Image.new("RGB", (fw, fh), desk)
    # where the code's centre went, then aim the camera so it lands inside
    # the middle of the frame (a user holds the code towards the camera)
    pw, ph = pm.size
    if qr_box is not None:
        qx, qy = (qr_box[0] + qr_box[2]) / 2 - pw / 2, (qr_box[1] + qr_box[3]) / 2 - ph / 2
    else:
        qx, qy = rng.uniform(-pw / 3, pw / 3), rng.uniform(-ph / 3, ph / 3)
    t = math.radians(rot)
    rx = qx * math.cos(t) + qy * math.sin(t) + page.width / 2
    ry = -qx * math.sin(t) + qy * math.cos(t) + page.height / 2
    tx, ty = rng.uniform(0.3, 0.7) * fw, rng.uniform(0.3, 0.7) * fh
    frame.paste(page, (int(tx - rx), int(ty - ry)), mask)
    # perspective: move the corners by up to 6 % of the frame
    d = [rng.uniform(-0.06, 0.06) * s for s in (fw, fh, fw, fh, fw, fh, fw, fh)]
    src = [(0 + d[0], 0 + d[1]), (fw + d[2], 0 + d[3]), (fw + d[4], fh + d[5]), (0 + d[6], fh + d[7])]
    coeffs = perspective_coeffs([(0, 0), (fw, 0), (fw, fh), (0, fh)], src)
    frame = frame.transform((fw, fh), Image.PERSPECTIVE, coeffs, Image.BILINEAR, fillcolor=desk)
    # uneven light: a linear gradient across the frame
    g = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(0.85, 1.1), fw, dtype=np.float32)
    a = np.asarray(frame).astype(np.float32) * g[None, :, None]
    frame = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    blur = rng.choice([0, 0.6, 1.0, 1.4])
    contrast = rng.choice([1, 1, 0.6, 0.4])
    img = degrade(frame, rng, blur, contrast, rng.uniform(2, 7))
    return img, rot, blur, contrast, module_px


def perspective_coeffs(dst, src):
    """PIL's 8 coefficients mapping output points dst to input points src."""
    m = []
    for (x, y), (u, v) in zip(dst, src):
        m.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        m.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    b = np.array([c for p in src for c in p], dtype=np.float64)
    return np.linalg.solve(np.array(m, dtype=np.float64), b).tolist()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default="flatbed,camera,noqr")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    kinds = args.kinds.split(",")
    # flatbed and camera alternate; every 8th is a page without a code
    plan = []
    for i in range(args.count):
        if "noqr" in kinds and i % 8 == 7:
            plan.append("noqr")
        else:
            plan.append([k for k in kinds if k != "noqr"][i % len([k for k in kinds if k != "noqr"])])
    formats = ["uniscid", "cid", "serial", "uuid", "bad_check"]
    truth = []
    for i, kind in enumerate(plan):
        fmt = formats[i % len(formats)] if kind != "noqr" else "none"
        payload, code, status = make_payload(rng, fmt) if kind != "noqr" else (None, None, "absent")
        if kind == "camera":
            img, rot, blur, contrast, module_px = camera(rng, payload)
        else:
            img, rot, blur, contrast, module_px = flatbed(rng, payload)
        ext = "png" if kind != "camera" and rng.random() < 0.25 else "jpg"
        name = f"lic-{i:03d}.{ext}"
        path = os.path.join(args.out, name)
        if ext == "jpg":
            img.save(path, quality=rng.randint(75, 92),
                     dpi=(300, 300) if kind != "camera" else (72, 72))
        else:
            img.save(path, dpi=(300, 300), compress_level=1)
        truth.append({"image": name, "kind": kind, "found": payload is not None,
                      "payload": payload, "uscc": code, "uscc_status": status, "format": fmt,
                      "rotation": round(rot, 2), "blur": blur, "contrast": contrast,
                      "module_px": round(module_px, 2)})
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)


if __name__ == "__main__":
    main()
