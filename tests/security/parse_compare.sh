#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 5: kiosk-parse decodes generated licence pages and camera frames
# (tools/testdata/gen_licence.py) and seal sheets (gen_sealsheet.py, PNG and
# JPEG) exactly as the in-process decoders do: images, licence QR (from the
# file and from pixels), seal-sheet results with their cut-outs, ID text.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
shopt -s nullglob
"$PY" "$KX_SOURCE/tools/testdata/gen_licence.py" --out "$T/lic" --count 5 --seed 3 >/dev/null || { bad "gen_licence"; finish; exit; }
"$PY" "$KX_SOURCE/tools/testdata/gen_sealsheet.py" --out "$T/seal" --count 4 --seed 2 --jpeg-every 2 >/dev/null || { bad "gen_sealsheet"; finish; exit; }
H="$KX_BUILD/kiosk/sandbox/kiosk-parse"
C="$KX_BUILD/tests/security/sec_parse_compare"
"$C" "$H" licence "$T"/lic/*.jpg "$T"/lic/*.png >"$T/lic.out" 2>"$T/lic.err"; rc=$?
cat "$T/lic.out"
check "licence pages: helper and in-process decoding agree" test "$rc" = 0
check "...and codes were read (not only misses compared)" grep -q 'found=1 uscc=[0-9A-Z]\{18\}' "$T/lic.out"
"$C" "$H" seal "$T"/seal/*.png "$T"/seal/*.jpg >"$T/seal.out" 2>"$T/seal.err"; rc=$?
cat "$T/seal.out"
check "seal sheets: helper and in-process analysis agree" test "$rc" = 0
check "...with impressions cut out" grep -q 'seal .*best [01]' "$T/seal.out"
check "ID card text decoded in the helper" grep -q '^same idcard-text' "$T/lic.out"
finish
