#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The manual pages the build makes (cmake/KxMan.cmake): each renders with
# man -l without a warning and has the sections STYLE.md 18 asks for;
# kioskctl(8) documents every command of `kioskctl --help`, kioskd(8) and
# kiosk(1) every option of their --help, and kiosk.conf(5) every section
# and key of config/kiosk.conf.example.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
B=${KX_BUILD:?}; S=$KX_SOURCE
M="$B/man"
export LC_ALL=C.UTF-8 MANWIDTH=80
command -v man >/dev/null || { bad "man not installed (man-db)"; finish; exit; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for page in kioskd.8 kioskctl.8 kiosk.1 kiosk.conf.5; do
  f="$M/$page.gz"
  if [ ! -f "$f" ]; then bad "$page.gz not built"; continue; fi
  man --warnings -E UTF-8 -l "$f" >"$T/$page.txt" 2>"$T/$page.err"
  check "$page renders (man -l exits 0)" test $? = 0
  check "$page renders without warnings: $(head -3 "$T/$page.err")" test ! -s "$T/$page.err"
  gzip -dc "$f" > "$T/$page"
  # plain text of the source: fonts and escapes out
  sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\e/\\/g' "$T/$page" > "$T/$page.plain"
  want="NAME SYNOPSIS DESCRIPTION FILES EXAMPLES|EXAMPLE SEE.ALSO"
  case $page in *.[18]) want="$want EXIT.STATUS" ;; esac
  for sec in $want; do
    check "$page has a section $sec" grep -qE "^\.SH \"?($sec)\"?$" "$T/$page"
  done
done
# kioskctl: every command of --help has an entry (a .TP line naming it)
cmds=$("$B/kiosk/ctl/kioskctl" --help 2>&1 | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
check "kioskctl --help lists commands" test -n "$cmds"
for c in $cmds; do
  check "kioskctl.8 documents the command $c" \
    grep -qE "^$c( |$)" <(grep -A1 '^\.TP' "$T/kioskctl.8.plain")
done
# kioskd and kiosk: every --option of their usage
for prog in "kioskd:kiosk/engine/kioskd:kioskd.8" "kiosk:kiosk/ui/kiosk:kiosk.1"; do
  IFS=: read -r name bin page <<<"$prog"
  opts=$("$B/$bin" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u)
  check "$name --help lists options" test -n "$opts"
  for o in $opts --help; do
    check "$page documents $o" grep -qF -- "$o" "$T/$page.plain"
  done
done
# kiosk.conf(5): every section and key of the example
sections=$(grep -oE '^\[[a-z_]+\]' "$S/config/kiosk.conf.example" | tr -d '[]')
for s in $sections; do
  check "kiosk.conf.5 has the section [$s]" grep -qF ".SS [$s]" "$T/kiosk.conf.5"
done
keys=$(grep -oE '^;?[a-z_0-9]+ =' "$S/config/kiosk.conf.example" | tr -d ';=' | sort -u)
for k in $keys; do
  check "kiosk.conf.5 documents the key $k" grep -qE "^$k =" "$T/kiosk.conf.5.plain"
done
finish
