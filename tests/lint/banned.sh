#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails when project C code calls a banned function (STYLE.md: use bounded or
# checked forms). Comments and string literals are stripped before matching.
set -euo pipefail
cd "${KX_SOURCE:?}"
status=0
while IFS= read -r -d '' f; do
  # drop // and /* */ comments and "strings" crudely, then look for calls
  hits=$(sed -e 's://.*$::' -e 's:"[^"]*"::g' "$f" | perl -0pe 's:/\*.*?\*/::gs' |
         grep -nE '(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets|atoi|strtok)[[:space:]]*\(' || true)
  if [ -n "$hits" ]; then
    echo "$f:"; echo "$hits"; status=1
  fi
done < <(find kiosk drivers tools tests bench -name '*.[ch]' -print0 2>/dev/null)
if [ $status -ne 0 ]; then echo "banned functions used (see STYLE.md)"; exit 1; fi
echo "1 passed, 0 failed"
