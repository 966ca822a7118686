#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A fuzz build instruments the libraries a fuzz target calls, not only its
# entry file (kx_fuzz_instrument_libraries, cmake/KxWarnings.cmake): in the
# clang fuzz build (build-fuzz/, as bench/90-fuzz.sh makes it; built here
# when missing) every project library archive carries libFuzzer's coverage
# callbacks, and the domain fuzzer's coverage over its seed corpus reaches
# functions of kiosk/domain and kiosk/core.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
cd "$KX_SOURCE" || exit 1
B=${KX_FUZZ_BUILD:-build-fuzz}
CC=clang cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKX_FUZZ=ON \
  -DKX_WERROR=OFF >/dev/null || { bad "fuzz build: configure (needs clang)"; finish; exit; }
# the protocol fuzzer links kioskd's engine, and with it nearly every library
cmake --build "$B" -j2 --target domain_fuzzer protocol_fuzzer >"$B/instrumented.log" 2>&1 ||
  { bad "fuzz build failed: see $B/instrumented.log"; finish; exit; }
n=0
for a in $(find "$B/kiosk" "$B/drivers" -name 'libkx_*.a' | sort); do
  n=$((n + 1))
  # (grep -c reads all of nm's output: with -q, pipefail sees nm's SIGPIPE)
  if [ "$(nm "$a" 2>/dev/null | grep -c ' U __sanitizer_cov_')" -gt 0 ]; then ok; else
    bad "$(basename "$a"): no coverage instrumentation (-fsanitize=fuzzer-no-link)"
  fi
done
check "the protocol fuzzer's libraries were built ($n archives)" test "$n" -ge 15
cov=$("$B/tests/fuzz/domain_fuzzer" -runs=0 -print_coverage=1 tests/fuzz/corpus/domain 2>&1)
check "libFuzzer sees a covered function of kiosk/domain" \
  grep -qE '^COVERED_FUNC: .* /.*/kiosk/domain/[a-z_]+\.c:' <<<"$cov"
check "libFuzzer sees a covered function of kiosk/core" \
  grep -qE '^COVERED_FUNC: .* /.*/kiosk/core/[a-z_]+\.c:' <<<"$cov"
finish
