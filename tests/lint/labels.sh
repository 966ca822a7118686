#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The label scheme of tests/CMakeLists.txt holds for every test ctest
# knows in this build: each has at least one kind (unit integration e2e
# ui lint fuzz security deploy), and a label that contains a kind's name
# (ctest -L takes a regular expression) only on a test of that kind, so
# `ctest -L <kind>` selects exactly the tests of that kind.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
cd "${KX_BUILD:?}"
json=$(ctest --show-only=json-v1) || { bad "ctest --show-only failed"; finish; exit; }
out=$(/usr/bin/python3 -c '
import json, sys
kinds = "unit integration e2e ui lint fuzz security deploy".split()
tests = json.loads(sys.stdin.read())["tests"]
print(len(tests))
for t in tests:
    labels = []
    for p in t.get("properties", []):
        if p["name"] == "LABELS":
            labels = p["value"]
    mine = [l for l in labels if l in kinds]
    if not mine:
        print("BAD %s has no kind (labels: %s)" % (t["name"], ";".join(labels)))
    for l in labels:
        for k in kinds:
            if k in l and k not in mine:
                print("BAD %s: label %s selects it under -L %s, which it is not" % (t["name"], l, k))
' <<<"$json")
total=$(head -1 <<<"$out")
check "ctest lists tests ($total)" test "${total:-0}" -gt 0
while IFS= read -r line; do
  case $line in BAD\ *) bad "${line#BAD }" ;; esac
done <<<"$out"
check "every test checked" true
finish
