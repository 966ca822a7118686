#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scan_ctl.sh - kioskctl scan through the real scanner driver and SANE's
# pnm back-end in a private SANE_CONFIG_DIR: the page arrives pixel-exact at
# the asked resolution, device statuses become exit 1 with the right error
# name and no output file, bad arguments exit 2.
set -euo pipefail
KX_BUILD=${KX_BUILD:?}
ctl="$KX_BUILD/kiosk/ctl/kioskctl"
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sane"
printf 'pnm\n' > "$tmp/sane/dll.conf"
export SANE_CONFIG_DIR="$tmp/sane" # no trailing colon: only this directory

"$py" - "$tmp/page.ppm" <<'EOF'
import sys
from PIL import Image, ImageDraw
im = Image.new("RGB", (620, 877), (250, 248, 240))
d = ImageDraw.Draw(im)
for i in range(0, 877, 37):
    d.line([40, i, 580, i], fill=(i % 256, 30, 200 - i % 200), width=3)
im.save(sys.argv[1])
EOF

fail() { echo "FAIL: $*"; exit 1; }

out=$("$ctl" scan --device pnm:0 --out "$tmp/scan.png" --resolution 150 \
      --option "filename=$tmp/page.ppm" 2>/dev/null)
echo "$out"
echo "$out" | grep -q '"ok":true' || fail "scan did not succeed: $out"
echo "$out" | grep -q '"dpi":150' || fail "resolution not reported: $out"
"$py" - "$tmp/page.ppm" "$tmp/scan.png" <<'EOF' || fail "scanned pixels differ"
import sys
from PIL import Image
a, b = Image.open(sys.argv[1]), Image.open(sys.argv[2])
assert a.size == b.size and list(a.getdata()) == list(b.convert("RGB").getdata())
assert round(b.info["dpi"][0]) == 150, b.info
EOF

"$ctl" scan --device pnm:0 --out "$tmp/gray.pgm" --mode gray --option "filename=$tmp/page.ppm" \
  >/dev/null 2>&1 || fail "grey scan"
head -c 2 "$tmp/gray.pgm" | grep -q P5 || fail "grey scan is not PGM"

# defaults from the kiosk configuration's [scanner] section
printf '[scanner]\ndevice = pnm:0\nresolution = 200\nmode = gray\noptions = filename=%s\n' \
  "$tmp/page.ppm" > "$tmp/kiosk.conf"
out=$("$ctl" scan --config "$tmp/kiosk.conf" --out "$tmp/conf.png" 2>/dev/null) || fail "--config: $out"
echo "$out" | grep -q '"channels":1' && echo "$out" | grep -q '"dpi":200' || fail "--config: $out"
printf '[scanner]\nresolution = 5\n' > "$tmp/bad.conf"
set +e
"$ctl" scan --config "$tmp/bad.conf" --out "$tmp/conf2.png" >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || fail "bad [scanner] config: exit $rc"

check_status() { # option expected-error
  set +e
  out=$("$ctl" scan --device pnm:0 --out "$tmp/bad.png" --option "filename=$tmp/page.ppm" \
        --option "$1" 2>"$tmp/err")
  rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$1: exit $rc"
  echo "$out" | grep -q "\"error\":\"$2\"" || fail "$1: $out"
  [ -s "$tmp/err" ] || fail "$1: no reason on stderr"
  [ ! -e "$tmp/bad.png" ] || fail "$1: output written"
}
check_status status-jammed=yes KX_ERR_SCAN_JAMMED
check_status status-nodocs=yes KX_ERR_SCAN_NO_DOCUMENT
check_status status-coveropen=yes KX_ERR_SCAN_COVER_OPEN
check_status status-ioerror=yes KX_ERR_SCAN_DEVICE

# process-wide fault injection for end-to-end tests
set +e
out=$(KX_FAULT_SCANNER=scan:KX_ERR_SCAN_COVER_OPEN "$ctl" scan --device pnm:0 --out "$tmp/f.png" \
      --option "filename=$tmp/page.ppm" 2>/dev/null); rc=$?
set -e
[ "$rc" = 1 ] && echo "$out" | grep -q KX_ERR_SCAN_COVER_OPEN || fail "KX_FAULT_SCANNER: $rc $out"
set +e
KX_FAULT_SCANNER=open "$ctl" scan --device pnm:0 --out "$tmp/f.png" >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 1 ] && [ ! -e "$tmp/f.png" ] || fail "KX_FAULT_SCANNER=open: exit $rc"

set +e
"$ctl" scan --device pnm:9 --out "$tmp/x.png" >/dev/null 2>&1; rc1=$?
"$ctl" scan --device pnm:0 --out "$tmp/x.png" --resolution 9000 >/dev/null 2>&1; rc2=$?
"$ctl" scan --out "$tmp/x.png" >/dev/null 2>&1; rc3=$?
"$ctl" scan --device pnm:0 --out "$tmp/x.gif" --option "filename=$tmp/page.ppm" >/dev/null 2>&1
rc4=$?
set -e
[ "$rc1" = 1 ] || fail "missing device: exit $rc1"
[ "$rc2" = 2 ] || fail "bad resolution: exit $rc2"
[ "$rc3" = 2 ] || fail "no device: exit $rc3"
[ "$rc4" = 2 ] || fail "unsupported output: exit $rc4"
echo "scan_ctl: all checks passed"
