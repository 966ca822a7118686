#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make-art.py - generate the kiosk's illustrations and icons as small SVG
files (assets/illustrations/*.svg), drawn from a few shared parts: the
kiosk's UKEY slot, a UKEY, the scanner, documents, the ID card reader, the
seal sheet, arrows and status symbols.

The SVGs contain no text: every word on screen is translated and drawn by
the UI. They stay within what SDL_image's SVG rasteriser (nanosvg) draws:
paths, rects, circles, strokes, opacity, transforms.

usage: assets/illustrations/make-art.py   (rewrites the SVGs beside it)
"""
import math
import os

BLUE = "#1B5EB8"
BLUE_DK = "#0F3D7A"
BLUE_LT = "#E6EFFA"
BLUE_MID = "#BFD4F0"
GREY = "#5B6778"
GREY_LT = "#DAE0E8"
PANEL = "#3A4452"
WHITE = "#FFFFFF"
AMBER = "#F2A93B"
GREEN = "#1E8E5A"
RED = "#C0392B"
INK = "#C8281E"
PAPER = "#FFFDF7"

W, H = 800, 520


def svg(body, w=W, h=H):
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d">\n%s\n</svg>\n' % (w, h, w, h, body))


def rect(x, y, w, h, fill, rx=0, stroke=None, sw=0, extra=""):
    s = ' stroke="%s" stroke-width="%g"' % (stroke, sw) if stroke else ""
    return '<rect x="%g" y="%g" width="%g" height="%g" rx="%g" fill="%s"%s %s/>' % (
        x, y, w, h, rx, fill, s, extra)


def circle(cx, cy, r, fill, stroke=None, sw=0, extra=""):
    s = ' stroke="%s" stroke-width="%g"' % (stroke, sw) if stroke else ""
    return '<circle cx="%g" cy="%g" r="%g" fill="%s"%s %s/>' % (cx, cy, r, fill, s, extra)


def path(d, fill="none", stroke=None, sw=0, extra=""):
    s = (' stroke="%s" stroke-width="%g" stroke-linecap="round" stroke-linejoin="round"'
         % (stroke, sw)) if stroke else ""
    return '<path d="%s" fill="%s"%s %s/>' % (d, fill, s, extra)


def group(body, tx=0, ty=0, rot=0, scale=1):
    t = "translate(%g %g)" % (tx, ty)
    if rot:
        t += " rotate(%g)" % rot
    if scale != 1:
        t += " scale(%g)" % scale
    return '<g transform="%s">%s</g>' % (t, body)


def floor_shadow(cx, cy, w):
    return '<ellipse cx="%g" cy="%g" rx="%g" ry="%g" fill="%s" opacity="0.6"/>' % (
        cx, cy, w / 2, w / 14, GREY_LT)


def arrow(x1, y1, x2, y2, color=AMBER, sw=16):
    ang = math.atan2(y2 - y1, x2 - x1)
    hl = sw * 2.2
    a1 = ang + math.radians(150)
    a2 = ang - math.radians(150)
    tip = "M%g %g L%g %g L%g %g Z" % (x2 + math.cos(ang) * sw * 0.6, y2 + math.sin(ang) * sw * 0.6,
                                      x2 + math.cos(a1) * hl, y2 + math.sin(a1) * hl,
                                      x2 + math.cos(a2) * hl, y2 + math.sin(a2) * hl)
    return (path("M%g %g L%g %g" % (x1, y1, x2, y2), stroke=color, sw=sw) +
            path(tip, fill=color, stroke=color, sw=4))


def ukey(blank=False):
    """A UKEY lying horizontally, connector to the left, at the origin
    (about 230 x 80)."""
    body = BLUE_LT if blank else BLUE
    return (rect(0, 22, 56, 36, "#C9D1DB", 4, GREY, 3) +
            rect(10, 32, 12, 8, GREY) + rect(30, 32, 12, 8, GREY) +
            rect(50, 0, 180, 80, body, 22, BLUE_DK, 4) +
            circle(200, 40, 9, AMBER if not blank else GREY_LT) +
            rect(80, 26, 80, 28, WHITE if not blank else WHITE, 8, None, 0, 'opacity="0.25"'))


def kiosk_panel(x, y, w, h):
    """The kiosk's front with the UKEY slot (a dark rounded panel)."""
    return (rect(x, y, w, h, PANEL, 26) +
            rect(x + 30, y + h / 2 - 26, 90, 52, "#1E242C", 10) +
            rect(x + 40, y + h / 2 - 10, 70, 20, "#0C0F13", 4) +
            circle(x + w - 50, y + h / 2, 12, GREEN))


def scanner(x, y, w):
    """A flatbed scanner seen from the front, lid open."""
    h = w * 0.34
    lid = path("M%g %g L%g %g L%g %g L%g %g Z" % (x + 20, y, x + w - 20, y,
                                                  x + w - 50, y - h * 1.1, x + 50, y - h * 1.1),
               fill=GREY_LT, stroke=GREY, sw=4)
    base = rect(x, y, w, h, "#EEF1F5", 24, GREY, 4)
    glass = path("M%g %g L%g %g L%g %g L%g %g Z" % (x + 30, y + 16, x + w - 30, y + 16,
                                                    x + w - 60, y + h * 0.55, x + 60, y + h * 0.55),
                 fill="#9CC3EA", stroke=BLUE, sw=3)
    led = circle(x + w - 60, y + h * 0.78, 9, GREEN)
    return lid + base + glass + led


def page(x, y, w, h, kind="text", rot=0):
    body = rect(0, 0, w, h, PAPER, 10, GREY, 3)
    if kind == "licence":
        body += rect(10, 10, w - 20, h - 20, "none", 6, "#B0532C", 5)
        body += rect(w * 0.3, h * 0.12, w * 0.4, h * 0.06, "#B0532C", 3)
        for i in range(5):
            body += rect(w * 0.38, h * (0.3 + i * 0.1), w * 0.5 - (i % 2) * 30, 8, GREY_LT, 4)
        qx, qy, qs = w * 0.1, h * 0.55, w * 0.22
        body += rect(qx, qy, qs, qs, WHITE, 2, "#222", 3)
        cell = qs / 7
        for i in range(7):
            for j in range(7):
                if (i * 3 + j * 5 + i * j) % 4 < 2 or (i in (0, 6) or j in (0, 6)) and (i < 3 or j < 3):
                    body += rect(qx + i * cell, qy + j * cell, cell, cell, "#222")
        body += circle(w * 0.78, h * 0.8, w * 0.1, "none", INK, 5)
    elif kind == "table":
        for r in range(4):
            body += rect(w * 0.08, h * (0.18 + r * 0.24), w * 0.84, 3, "#333")
        for c in (0.08, 0.32, 0.62, 0.92):
            body += rect(w * c, h * 0.18, 3, h * 0.72, "#333")
        body += rect(w * 0.3, h * 0.07, w * 0.4, 10, "#333", 3)
    else:
        for i in range(7):
            body += rect(w * 0.12, h * (0.15 + i * 0.1), w * (0.76 - (i % 3) * 0.12), 8, GREY_LT, 4)
        body += circle(w * 0.74, h * 0.84, w * 0.09, "none", INK, 4)
    return group(body, x, y, rot)


def idcard(x, y, w, back=False, rot=0):
    h = w * 0.63
    body = rect(0, 0, w, h, "#EEF3F7", 14, GREY, 3)
    if back:
        body += circle(w * 0.2, h * 0.32, h * 0.18, "none", INK, 4)
        for i in range(3):
            body += rect(w * 0.42, h * (0.22 + i * 0.13), w * 0.46, 8, GREY_LT, 4)
        body += rect(w * 0.2, h * 0.72, w * 0.6, 10, GREY, 4)
    else:
        for i in range(4):
            body += rect(w * 0.08, h * (0.16 + i * 0.14), w * 0.46 - (i % 2) * 20, 8, GREY, 4)
        body += rect(w * 0.64, h * 0.14, w * 0.28, h * 0.56, BLUE_MID, 8)
        body += circle(w * 0.78, h * 0.33, h * 0.1, WHITE)
        body += path("M%g %g Q%g %g %g %g Z" % (w * 0.68, h * 0.68, w * 0.78, h * 0.36, w * 0.88, h * 0.68),
                     fill=WHITE)
        body += rect(w * 0.08, h * 0.8, w * 0.84, 10, GREY, 4)
    return group(body, x, y, rot)


def card_reader(x, y, w):
    h = w * 0.42
    return (rect(x, y, w, h, "#E9EDF2", 26, GREY, 4) +
            rect(x + w * 0.12, y + h * 0.18, w * 0.76, h * 0.52, "#CBD8E6", 14, BLUE, 3) +
            path("M%g %g q 30 -30 60 0 M%g %g q 45 -45 90 0" % (
                x + w * 0.5 - 30, y + h * 0.45, x + w * 0.5 - 45, y + h * 0.35),
                stroke=BLUE, sw=6) +
            circle(x + w * 0.88, y + h * 0.84, 8, GREEN))


def hand(x, y, scale=1.0, rot=0, flip=False):
    """A simple hand/forearm pointing right (fingers at the origin); flip:
    pointing left, the arm coming from the right."""
    body = (path("M-260 -40 L-90 -40 Q-60 -62 -20 -50 L40 -44 Q58 -40 56 -26 Q54 -14 38 -14 "
                 "L-10 -14 L-10 6 L28 8 Q44 10 42 24 Q40 36 24 36 L-80 40 L-260 40 Z",
                 fill="#F5C9A8", stroke="#C98F6B", sw=4))
    if flip:
        return '<g transform="translate(%g %g) scale(%g %g)">%s</g>' % (x, y, -scale, scale, body)
    return group(body, x, y, rot, scale)


def spark(cx, cy, color=AMBER):
    s = ""
    for a in range(0, 360, 45):
        r1, r2 = 28, 44
        ra = math.radians(a)
        s += path("M%g %g L%g %g" % (cx + math.cos(ra) * r1, cy + math.sin(ra) * r1,
                                     cx + math.cos(ra) * r2, cy + math.sin(ra) * r2), stroke=color, sw=6)
    return s


def status(kind, cx=400, cy=250, r=150):
    if kind == "done":
        return (circle(cx, cy, r, GREEN) +
                path("M%g %g L%g %g L%g %g" % (cx - r * 0.45, cy + r * 0.02, cx - r * 0.12, cy + r * 0.35,
                                              cx + r * 0.5, cy - r * 0.35), stroke=WHITE, sw=r * 0.16))
    if kind == "error":
        return (path("M%g %g L%g %g L%g %g Z" % (cx, cy - r, cx + r * 1.1, cy + r * 0.85, cx - r * 1.1, cy + r * 0.85),
                     fill=AMBER, stroke=AMBER, sw=30) +
                path("M%g %g L%g %g" % (cx, cy - r * 0.4, cx, cy + r * 0.3), stroke=WHITE, sw=r * 0.16) +
                circle(cx, cy + r * 0.62, r * 0.1, WHITE))
    if kind == "info":
        return (circle(cx, cy, r, BLUE_MID) +
                path("M%g %g L%g %g" % (cx, cy - r * 0.05, cx, cy + r * 0.5), stroke=BLUE, sw=r * 0.16) +
                circle(cx, cy - r * 0.42, r * 0.1, BLUE))
    raise ValueError(kind)


def person(cx, cy, s=1.0, color=BLUE):
    return group(circle(0, -70, 46, color) +
                 path("M-90 80 Q-90 -10 0 -10 Q90 -10 90 80 Z", fill=color), cx, cy, 0, s)


def cloud(cx, cy, s=1.0):
    return group(path("M-120 40 Q-160 40 -160 0 Q-160 -40 -115 -42 Q-105 -100 -40 -100 "
                      "Q10 -100 30 -60 Q50 -80 85 -75 Q130 -68 130 -25 Q170 -20 170 15 "
                      "Q170 40 135 40 Z", fill=BLUE_LT, stroke=BLUE, sw=8), cx, cy, 0, s)


def illustrations():
    out = {}
    # insert the UKEY into the slot: panel, UKEY moving toward it, arrow
    out["ukey_insert"] = svg(
        floor_shadow(400, 470, 600) + kiosk_panel(60, 150, 300, 220) +
        group(ukey(), 400, 220) + hand(610, 262, 0.8, flip=True) + arrow(640, 150, 450, 150))
    out["ukey_blank"] = svg(
        floor_shadow(400, 470, 600) + kiosk_panel(60, 150, 300, 220) +
        group(ukey(blank=True), 430, 220) + arrow(640, 150, 470, 150) + spark(700, 110, BLUE))
    out["ukey_busy"] = svg(
        floor_shadow(400, 470, 600) + kiosk_panel(140, 150, 300, 220) + group(ukey(), 200, 220) +
        path("M560 180 q 40 80 0 160 M610 150 q 60 110 0 220", stroke=BLUE, sw=10))
    out["ukey_take"] = svg(
        floor_shadow(400, 470, 600) + kiosk_panel(60, 150, 300, 220) +
        group(ukey(), 420, 220) + hand(630, 262, 0.8, flip=True) + arrow(450, 150, 700, 150, GREEN))
    out["licence_place"] = svg(
        floor_shadow(400, 480, 700) + scanner(110, 330, 580) +
        page(230, 80, 340, 240, "licence", 0) + arrow(400, 40, 400, 90, AMBER, 12))
    out["doc_place"] = svg(
        floor_shadow(400, 480, 700) + scanner(110, 330, 580) + page(280, 60, 240, 290, "text") +
        arrow(620, 120, 540, 220, AMBER, 12))
    out["idcard_scan_front"] = svg(
        floor_shadow(400, 480, 700) + scanner(110, 330, 580) + idcard(140, 200, 220) +
        arrow(420, 200, 370, 240, AMBER, 12))
    out["idcard_scan_back"] = svg(
        floor_shadow(400, 480, 700) + scanner(110, 330, 580) + idcard(140, 200, 220, back=True) +
        arrow(420, 200, 370, 240, AMBER, 12))
    out["scanner_busy"] = svg(
        floor_shadow(400, 480, 700) + scanner(110, 330, 580) +
        rect(180, 360, 440, 10, "#7FD0FF", 5, None, 0, 'opacity="0.9"'))
    out["idcard_place"] = svg(
        floor_shadow(400, 470, 640) + card_reader(180, 280, 440) + idcard(260, 90, 280, rot=0) +
        arrow(400, 300, 400, 320, AMBER, 12) + arrow(660, 150, 560, 200, AMBER, 12))
    out["idcard_busy"] = svg(
        floor_shadow(400, 470, 640) + card_reader(180, 280, 440) + idcard(260, 230, 280))
    out["agent"] = svg(idcard(220, 110, 360) + person(620, 330, 0.9, BLUE_MID))
    # the seal sheet with where to stamp: dashed targets in the capture cells
    sheet = page(220, 20, 360, 480, "table")
    targets = ""
    for r in range(3):
        for c in range(2):
            cx = 220 + 360 * (0.47 + c * 0.3)
            cy = 20 + 480 * (0.30 + r * 0.24)
            if r < 2:
                targets += circle(cx, cy, 38, "none", INK, 5)
                targets += circle(cx, cy, 10, INK)
            else:
                targets += path("M%g %g q 15 -25 30 0 t 30 0 t 30 0" % (cx - 45, cy), stroke="#1E2A6E", sw=5)
    out["seal_sheet"] = svg(sheet + targets + arrow(690, 130, 600, 170, AMBER, 12) +
                            group(path("M-20 -60 L20 -60 L24 20 L-24 20 Z", fill="#8B4A2B") +
                                  rect(-40, 20, 80, 26, INK, 6), 700, 330))
    out["review"] = svg(page(250, 40, 260, 340, "text") +
                        circle(520, 330, 80, "none", BLUE, 18) +
                        path("M575 385 L650 460", stroke=BLUE, sw=26))
    out["cloud_busy"] = svg(cloud(400, 240, 1.3) + arrow(360, 290, 360, 200, BLUE, 12) +
                            arrow(440, 200, 440, 290, BLUE, 12))
    out["done"] = svg(status("done"))
    out["error"] = svg(status("error"))
    out["cancelled"] = svg(status("info"))
    out["staff"] = svg(person(400, 280, 1.4) + circle(540, 140, 44, AMBER) +
                       path("M540 120 L540 148", stroke=WHITE, sw=10) + circle(540, 166, 6, WHITE))
    out["out_of_service"] = svg(rect(260, 70, 280, 380, PANEL, 30) + rect(290, 110, 220, 150, "#8FA3BA", 10) +
                                path("M330 150 L470 220 M470 150 L330 220", stroke=WHITE, sw=14) +
                                circle(400, 360, 40, AMBER))
    out["timer"] = svg(circle(400, 270, 200, BLUE_LT, BLUE, 16) +
                       path("M400 270 L400 150 M400 270 L480 320", stroke=BLUE, sw=18) +
                       rect(370, 40, 60, 34, BLUE, 8))
    return out


def icon(symbol):
    return svg(rect(0, 0, 120, 120, BLUE_LT, 28) + symbol, 120, 120)


def icons():
    k = 7
    out = {}
    key = (circle(46, 60, 20, "none", BLUE, k) + path("M66 60 L98 60 M86 60 L86 74 M96 60 L96 70", stroke=BLUE, sw=k))
    out["icon_new"] = icon(rect(30, 22, 52, 70, WHITE, 8, BLUE, 5) + path("M84 70 L84 100 M69 85 L99 85", stroke=GREEN, sw=k))
    out["icon_renew"] = icon(path("M86 44 A30 30 0 1 0 90 70", stroke=BLUE, sw=k) + path("M76 30 L88 44 L72 52", stroke=BLUE, sw=k))
    out["icon_renew_nopin"] = icon(path("M86 44 A30 30 0 1 0 90 70", stroke=BLUE, sw=k) + path("M76 30 L88 44 L72 52", stroke=BLUE, sw=k) +
                                   circle(60, 62, 12, AMBER))
    out["icon_reissue"] = icon(rect(28, 30, 64, 60, WHITE, 10, BLUE, 5) + path("M44 60 L76 60 M60 44 L60 76", stroke=BLUE, sw=k) +
                               circle(92, 92, 12, AMBER))
    out["icon_change"] = icon(rect(26, 26, 56, 70, WHITE, 8, BLUE, 5) + path("M60 92 L96 56 L104 64 L68 100 L58 102 Z", fill=AMBER, stroke=AMBER, sw=3))
    out["icon_swap"] = icon(path("M28 46 L90 46 M78 34 L90 46 L78 58 M92 78 L30 78 M42 66 L30 78 L42 90", stroke=BLUE, sw=k))
    out["icon_unlock"] = icon(rect(30, 54, 60, 46, BLUE, 10) + path("M44 54 L44 40 A16 16 0 0 1 76 36", stroke=BLUE, sw=k) + circle(60, 76, 7, WHITE))
    out["icon_revoke"] = icon(circle(60, 60, 34, "none", RED, k) + path("M36 84 L84 36", stroke=RED, sw=k))
    # the header's voice switch: a speaker on the header's blue, waves when on
    spk = path("M22 48 L40 48 L62 28 L62 92 L40 72 L22 72 Z", fill=WHITE, stroke=WHITE, sw=4)
    out["speaker"] = svg(spk + path("M76 44 A22 22 0 0 1 76 76 M86 32 A38 38 0 0 1 86 88", stroke=WHITE, sw=k),
                         120, 120)
    out["speaker_off"] = svg(spk + path("M76 46 L104 74 M104 46 L76 74", stroke=WHITE, sw=k), 120, 120)
    out["logo"] = svg(circle(60, 60, 56, WHITE) + circle(60, 60, 44, BLUE) +
                      path("M40 62 L54 76 L82 44", stroke=WHITE, sw=10) + key.replace(BLUE, BLUE) * 0, 120, 120)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, text in sorted({**illustrations(), **icons()}.items()):
        with open(os.path.join(here, name + ".svg"), "w", encoding="utf-8") as f:
            f.write(text)
    print("wrote %d SVG files to %s" % (len(illustrations()) + len(icons()), here))


if __name__ == "__main__":
    main()
