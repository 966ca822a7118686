#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails when project C code calls a banned function (STYLE.md: use bounded or
# checked forms). Comments and string literals are stripped before matching.
# Usage: banned.sh [FILE...] - the given files (the pre-commit hook passes
# the staged ones), else every .c and .h under kiosk, drivers, tools, tests
# and bench.
set -euo pipefail
cd "${KX_SOURCE:-$(dirname "$0")/../..}"
status=0
check_file() {
  local f=$1 hits
  # drop // and /* */ comments and "strings" crudely, then look for calls
  hits=$(sed -e 's://.*$::' -e 's:"[^"]*"::g' "$f" | perl -0pe 's:/\*.*?\*/::gs' |
         grep -nE '(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets|atoi|strtok)[[:space:]]*\(' || true)
  if [ -n "$hits" ]; then
    echo "$f:"; echo "$hits"; status=1
  fi
}
if [ $# -gt 0 ]; then
  for f in "$@"; do check_file "$f"; done
else
  while IFS= read -r -d '' f; do check_file "$f"; done \
    < <(find kiosk drivers tools tests bench -name '*.[ch]' -print0 2>/dev/null)
fi
if [ $status -ne 0 ]; then echo "banned functions used (see STYLE.md)"; exit 1; fi
echo "1 passed, 0 failed"
