#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Which document a page is (kiosk/imaging/doccheck.h, issue 22): pages of
# every kind generated at test time by tools/testdata/gen_documents.py
# (seed 3: blank pages, pages face up, licences, ID card fronts and backs,
# seal sheets, authorisation letters, reissue statements, other documents;
# PNG and JPEG,
# 150-300 dpi) go through kx_doccheck (tests/imaging/doccheck_probe.c).
# Every page must be recognised as its kind (other documents as
# "unknown"). The authorisation letter and the reissue statement are told by
# their titles through Tesseract (libtesseract5, tesseract-ocr-chi-sim);
# without it they must come out "unknown", never as another document.
set -uo pipefail
PY=/usr/bin/python3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
$PY "$KX_SOURCE/tools/testdata/gen_documents.py" --out "$T/d" --count 27 --seed 3 ||
  { echo "FAIL: generator"; exit 1; }
"$KX_BUILD/tests/imaging/doccheck_probe" "$T"/d/doc-* > "$T/got" || { echo "FAIL: probe"; exit 1; }
$PY - "$T/d/truth.json" "$T/got" <<'EOF2'
import json, os, sys
truth = {t["image"]: t["kind"] for t in json.load(open(sys.argv[1]))}
have_ocr = any(os.path.exists(f"{d}/libtesseract.so.5") for d in
               ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"))
unrecognised = {} if have_ocr else {"auth_letter": "unknown", "reissue_statement": "unknown"}
fails, n = [], 0
for line in open(sys.argv[2]):
    path, kind = line.split()[:2]
    name = os.path.basename(path)
    want = unrecognised.get(truth[name], truth[name])
    n += 1
    if kind != want:
        fails.append(f"{name}: {kind}, truth {truth[name]}")
for f in fails:
    print("FAIL: " + f)
print(f"{n - len(fails)} of {n} pages right")
sys.exit(1 if fails or n != len(truth) else 0)
EOF2
