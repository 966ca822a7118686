#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Golden images of key screens (software renderer, quarter size): a change
# in layout, colours, fonts or translations shows as a difference. The
# comparison tolerates anti-aliasing noise: mean difference under 2.5 per
# channel and under 1.5% of pixels off by more than 64.
# Regenerate after an intended change: KX_UPDATE_GOLDENS=1 ctest -R ui_golden
set -uo pipefail
B=${KX_BUILD:?}; S=${KX_SOURCE:?}
KIOSK="$B/kiosk/ui/kiosk"; G="$S/tests/ui/golden"
T=$(mktemp -d /tmp/kx-ui-golden-XXXXXX); trap 'rm -rf "$T"' EXIT
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=warn
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
cases="home:zh_CN:portrait pin_enter:zh_CN:portrait payment:zh_CN:portrait
seal_review:zh_CN:portrait error:zh_CN:portrait home:en:landscape done:en:landscape
agreement:zh_CN:portrait agreement:en:landscape form_review:zh_CN:portrait
form_review:en:landscape home-halls:zh_CN:landscape"
for c in $cases; do
  IFS=: read -r name lang orient <<<"$c"
  out="$T/$lang-$orient"
  if ! "$KIOSK" --screenshots "$out" --only "$name" --lang "$lang" --orientation "$orient" \
       >/dev/null 2>"$T/err"; then
    bad "render $c"; head -5 "$T/err"; continue
  fi
  golden="$G/$name-$lang-$orient.png"
  if /usr/bin/python3 - "$out/$name.png" "$golden" "${KX_UPDATE_GOLDENS:-0}" <<'PY'
import sys
from PIL import Image, ImageChops
shot, golden, update = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
img = Image.open(shot).convert("RGB")
img = img.resize((img.width // 4, img.height // 4), Image.BILINEAR)
if update:
    img.save(golden, optimize=True)
    print("updated", golden)
    sys.exit(0)
ref = Image.open(golden).convert("RGB")
if ref.size != img.size:
    print("size %s differs from golden %s" % (img.size, ref.size)); sys.exit(1)
diff = ImageChops.difference(img, ref).convert("L")
hist = diff.histogram()
n = img.width * img.height
mean = sum(i * c for i, c in enumerate(hist)) / n
off = sum(hist[65:]) / n
if mean >= 2.5 or off >= 0.015:
    print("differs from golden: mean %.2f, %.2f%% pixels off" % (mean, off * 100))
    sys.exit(1)
PY
  then ok; else bad "golden $c"; fi
done
finish
