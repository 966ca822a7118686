#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails on an include that crosses the layers of docs/ARCHITECTURE.md
# ("Layers and folders"): each folder of kiosk/ and drivers/ may include
# only the headers of the layers it sits on. The lowest first:
#   core <- domain <- imaging, ra, docs <- drivers <- engine
#   core <- proto <- engine, ui, ctl
# The screen (ui) never includes the engine, a driver or the RA client;
# nothing in kiosk/ or drivers/ includes a simulator (tools/); a driver
# includes no other driver; no include climbs out of its folder with "../".
# The compiler refuses most of this already (each library exports only its
# own headers: cmake/KxLayers.cmake, ctest lint_layers_compile); this check
# sees what it cannot: a "../" path, and a library given a link its layer
# may not have (the compiler would then accept the include).
# Usage: layers.sh [ROOT] (default $KX_SOURCE).
set -uo pipefail
if [ "${1:-}" != --no-selftest ]; then
  # the check itself must catch what it is for: a screen file reaching the
  # engine, a driver reaching another driver, the RA client reaching up, a
  # screen file reaching the engine by a relative path
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  mkdir -p "$t/kiosk/ui" "$t/drivers/token" "$t/kiosk/ra"
  echo '#include "engine/engine.h"' > "$t/kiosk/ui/a.c"
  echo '#include "scanner/scanner.h"' > "$t/drivers/token/b.c"
  echo '#include "token/token.h"' > "$t/kiosk/ra/c.c"
  echo '#include "../engine/engine.h"' > "$t/kiosk/ui/d.h"
  n=$(bash "$0" --no-selftest "$t" | grep -c '^FAIL')
  if [ "$n" != 4 ]; then echo "FAIL: the layer check found $n of 4 planted forbidden includes"; exit 1; fi
  set -- --no-selftest "${1:-${KX_SOURCE:?}}"
fi
shift
cd "${1:?}"

# the layer an include names, from its first path component
layer_of() {
  case "$1" in
    core/*) echo core ;;   domain/*) echo domain ;;  imaging/*) echo imaging ;;
    ra/*) echo ra ;;       proto/*) echo proto ;;    docs/*) echo docs ;;
    staff/*) echo staff ;; sandbox/*) echo sandbox ;; engine/*) echo engine ;;
    ui/*) echo ui ;;       ctl/*) echo ctl ;;        tools/*) echo tools ;;
    kiosk/*) layer_of "${1#kiosk/}" ;;
    drivers/*) echo "drivers:$(cut -d/ -f2 <<<"$1")" ;;
    token/*|scanner/*|idcard/*|payment/*|printer/*) echo "drivers:${1%%/*}" ;;
    *) echo other ;;
  esac
}

# allowed layers of the files in a folder (drivers: any driver is checked below)
allowed_for() {
  case "$1" in
    kiosk/core) echo "core" ;;
    kiosk/domain) echo "core domain" ;;
    kiosk/imaging) echo "core domain imaging" ;;
    kiosk/ra) echo "core domain ra" ;;
    kiosk/docs) echo "core domain docs" ;;
    kiosk/proto) echo "core proto" ;;
    kiosk/staff) echo "core domain staff" ;;
    kiosk/sandbox) echo "core domain imaging drivers sandbox" ;;
    drivers/*) echo "core domain imaging ra drivers" ;;
    kiosk/engine) echo "core domain imaging ra docs proto staff sandbox drivers engine" ;;
    kiosk/ui) echo "core proto ui" ;;
    kiosk/ctl) echo "core domain imaging ra docs proto staff sandbox drivers ctl" ;;
    *) echo "" ;;
  esac
}

fail=0 checked=0
for dir in kiosk/* drivers/*; do
  [ -d "$dir" ] || continue
  allowed=$(allowed_for "$dir")
  if [ -z "$allowed" ]; then
    echo "FAIL: $dir has no layer in tests/lint/layers.sh (add it, and to docs/ARCHITECTURE.md)"
    fail=$((fail + 1)); continue
  fi
  while IFS=: read -r file line inc; do
    checked=$((checked + 1))
    if [[ "$inc" == *../* ]]; then
      echo "FAIL: $file:$line includes \"$inc\": name a header by its layer, not a relative path"
      fail=$((fail + 1)); continue
    fi
    target=$(layer_of "$inc")
    [ "$target" = other ] && continue          # a header of the same folder
    base=${target%%:*}
    if [[ "$dir" == drivers/* && "$base" == drivers && "$target" != "drivers:${dir#drivers/}" ]]; then
      echo "FAIL: $file:$line includes \"$inc\": a driver includes no other driver"
      fail=$((fail + 1)); continue
    fi
    if ! grep -qw -- "$base" <<<"$allowed"; then
      echo "FAIL: $file:$line includes \"$inc\" ($base): $dir may include only: $allowed"
      fail=$((fail + 1))
    fi
  done < <(grep -rnoE '^#[[:space:]]*include[[:space:]]+"[^"]+/[^"]+"' "$dir" --include='*.c' --include='*.h' |
           sed -E 's/^([^:]+):([0-9]+):#[[:space:]]*include[[:space:]]+"([^"]+)"/\1:\2:\3/')
done
if [ $fail -ne 0 ]; then echo "$fail forbidden includes (docs/ARCHITECTURE.md, Layers)"; exit 1; fi
echo "$checked includes checked, 0 forbidden"
