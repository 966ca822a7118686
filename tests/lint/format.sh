#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails on any C file clang-format would change: every .c and .h under
# kiosk, drivers, tools, tests and bench, against the repository's
# .clang-format, with clang-format 14 (Debian 12's; another version lays
# some constructs out differently, so it is refused rather than trusted).
# Fix with: clang-format -i FILE (or the pre-commit hook, CONTRIBUTING).
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
cd "$KX_SOURCE"
CF=${KX_CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format)}
if [ -z "$CF" ]; then bad "clang-format not installed (scripts/setup-deps)"; finish; exit; fi
ver=$("$CF" --version | grep -o 'version [0-9]*' | grep -o '[0-9]*$')
check "clang-format is version 14 ($CF is $ver)" test "$ver" = 14
mapfile -d '' files < <(find kiosk drivers tools tests bench -name '*.[ch]' -print0 | sort -z)
n=${#files[@]}
# one run over every file; each difference is a "FILE:LINE:COL: error:" line
errs=$("$CF" --style=file --dry-run --Werror "${files[@]}" 2>&1 >/dev/null)
rc=$?
per_file=$(grep -o '^[^:]*\.[ch]:[0-9]*:[0-9]*: error' <<<"$errs" | cut -d: -f1 | sort | uniq -c)
while read -r count f; do
  [ -n "$f" ] && bad "$f: $count places to reformat (clang-format -i $f)"
done <<<"$per_file"
# a failure that names no place (no .clang-format, a file it cannot read)
if [ "$rc" -ne 0 ] && [ -z "$per_file" ]; then bad "clang-format failed: $(head -3 <<<"$errs")"; fi
check "C files found ($n)" test "$n" -gt 0
finish
