#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The compiler enforces the layers of docs/ARCHITECTURE.md: a file compiled
# with a library's real include path (the one the build uses for that
# library's own sources, written by cmake/KxLayers.cmake into
# $KX_BUILD/layers/<target>.inc) can include the headers of the layers the
# library links and fails to compile when it includes anything else - the
# screen an engine, driver or RA header, a driver another driver or
# kiosk/engine, a library a simulator of tools/. Each planted include is
# compiled on its own (-fsyntax-only); an allowed one must compile, a
# forbidden one must fail for that header not being found. No include path
# may name the source root, kiosk/ or drivers/ themselves.
# tests/lint/layers.sh checks what a compiler cannot see.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
L="${KX_BUILD:?}/layers"
CC=$(cat "$L/compiler") || { bad "no $L/compiler (cmake/KxLayers.cmake)"; finish; exit; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# compile `#include "HEADER"` with TARGET's include path; the compiler's
# messages in $t/err
probe() { # TARGET HEADER
  local args=() d
  while IFS= read -r d; do [ -n "$d" ] && args+=("-I$d"); done <"$L/$1.inc"
  printf '#include "%s"\n' "$2" >"$t/probe.c"
  (cd "$t" && "$CC" -std=c17 -D_GNU_SOURCE -fsyntax-only "${args[@]}" probe.c) >"$t/err" 2>&1
}
allowed() { # TARGET HEADER...
  local target=$1 h
  shift
  for h in "$@"; do
    if probe "$target" "$h"; then ok; else
      bad "$target cannot include \"$h\", which it links"
      head -5 "$t/err"
    fi
  done
}
forbidden() { # TARGET HEADER...
  local target=$1 h
  shift
  for h in "$@"; do
    if probe "$target" "$h"; then
      bad "$target compiles with #include \"$h\", a layer it may not use"
    elif grep -qE "$h.*(No such file|not found)|'$h' file not found" "$t/err"; then
      ok
    else
      bad "$target: #include \"$h\" failed for another reason:"
      head -5 "$t/err"
    fi
  done
}

# no library is handed the whole tree
for f in "$L"/*.inc; do
  if grep -qxE "$KX_SOURCE(/kiosk|/drivers)?/?" "$f"; then
    bad "$(basename "$f" .inc) has a wide include directory: $(grep -xE "$KX_SOURCE(/kiosk|/drivers)?/?" "$f" | tr "\n" " ")"
  else ok; fi
done

ENGINE="engine/engine.h kiosk/engine/engine.h engine/engine_internal.h"
TOOLS="tools/ra-sim/store.h ra-sim/store.h"
# lowest first (docs/ARCHITECTURE.md, Layers and folders)
allowed kx_core core/err.h core/log.h
forbidden kx_core domain/uscc.h proto/protocol.h kiosk/core/err.h $ENGINE
allowed kx_domain core/err.h domain/uscc.h domain/services.h
forbidden kx_domain imaging/image.h ra/ra.h token/token.h $ENGINE
allowed kx_imaging core/err.h domain/licence.h imaging/image.h imaging/sealsheet.h
forbidden kx_imaging ra/ra.h scanner/scanner.h token/token.h docs/docs.h $ENGINE $TOOLS
allowed kx_ra core/err.h ra/ra.h
forbidden kx_ra payment/payment.h token/token.h imaging/image.h $ENGINE $TOOLS
allowed kx_docs core/err.h domain/services.h docs/docs.h
forbidden kx_docs printer/printer.h drivers/printer/printer.h ra/ra.h $ENGINE
allowed kx_proto core/err.h proto/protocol.h
forbidden kx_proto domain/services.h $ENGINE
allowed kx_staff core/err.h staff/staff.h staff/staff_config.h
forbidden kx_staff token/token.h ra/ra.h $ENGINE
allowed kx_parse_proto core/err.h imaging/image.h idcard/idcard.h sandbox/parse_proto.h
forbidden kx_parse_proto token/token.h ra/ra.h $ENGINE
# drivers: the layers below, never another driver or the engine
allowed kx_token core/err.h token/token.h
forbidden kx_token scanner/scanner.h payment/payment.h idcard/idcard.h imaging/image.h ra/ra.h \
  $ENGINE $TOOLS
allowed kx_idcard core/err.h domain/idnum.h idcard/idcard.h
forbidden kx_idcard token/token.h scanner/scanner.h $ENGINE $TOOLS
allowed kx_scanner core/err.h imaging/image.h scanner/scanner.h drivers/scanner/scanner.h
forbidden kx_scanner token/token.h printer/printer.h drivers/printer/printer.h $ENGINE
allowed kx_payment core/err.h ra/ra.h payment/payment.h
forbidden kx_payment token/token.h scanner/scanner.h $ENGINE
allowed kx_printer core/err.h printer/printer.h drivers/printer/printer.h
forbidden kx_printer scanner/scanner.h docs/docs.h $ENGINE
# the screen: core, the protocol and itself
allowed kx_ui core/err.h proto/protocol.h ui/ui.h
forbidden kx_ui token/token.h drivers/scanner/scanner.h ra/ra.h imaging/image.h domain/services.h \
  staff/staff.h sandbox/parse_client.h $ENGINE $TOOLS
# kioskctl's front links no driver, RA client or engine
allowed kioskctl core/err.h proto/protocol.h domain/uscc.h imaging/image.h
forbidden kioskctl token/token.h ra/ra.h drivers/scanner/scanner.h $ENGINE
# the engine puts the pieces together (and shows the probe compiles at all)
allowed kx_engine core/err.h domain/services.h imaging/image.h ra/ra.h docs/docs.h \
  proto/protocol.h staff/staff.h sandbox/parse_client.h token/token.h idcard/idcard.h \
  scanner/scanner.h payment/payment.h printer/printer.h engine/engine.h engine/engine_internal.h
forbidden kx_engine ui/ui.h $TOOLS
finish
