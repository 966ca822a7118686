#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzzing: builds every libFuzzer target with clang (-DKX_FUZZ=ON, ASan and
# UBSan) and runs each for KX_FUZZ_SECONDS (default 30) on a copy of its
# seed corpus. Prints executions, executions per second and crashes.
set -uo pipefail
cd "${KX_SOURCE:?}"
B=${KX_FUZZ_BUILD:-build-fuzz}
secs=${KX_FUZZ_SECONDS:-30}

CC=clang cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKX_FUZZ=ON \
  -DKX_WERROR=OFF >/dev/null || { echo "fuzz build: configure failed"; exit 1; }
cmake --build "$B" -j"$(nproc)" >/dev/null 2>"$B.log" || { echo "fuzz build failed: see $B.log"; exit 1; }
for f in $(find "$B" -name '*_fuzzer' -type f -perm -u+x | sort); do
  name=$(basename "$f" _fuzzer)
  corpus=$(mktemp -d)
  seed=$(grep -rl "kx_add_fuzz_target($name " tests --include=CMakeLists.txt | head -1)
  seeddir=$(sed -n "s|.*kx_add_fuzz_target($name .*CORPUS \${CMAKE_CURRENT_SOURCE_DIR}/\\([^ )]*\\).*|\\1|p" "$seed" 2>/dev/null)
  [ -z "$seeddir" ] && seeddir=$(sed -n "/kx_add_fuzz_target($name /,/)/s|.*CORPUS \${CMAKE_CURRENT_SOURCE_DIR}/\\([^ )]*\\).*|\\1|p" "$seed")
  [ -n "$seeddir" ] && [ -d "$(dirname "$seed")/$seeddir" ] && cp -r "$(dirname "$seed")/$seeddir/." "$corpus/" 2>/dev/null
  log=$(mktemp)
  (cd "$corpus" && "$OLDPWD/$f" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$corpus/" "$corpus" >"$log" 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  crashes=$(ls "$corpus"/crash-* "$corpus"/leak-* "$corpus"/timeout-* 2>/dev/null | wc -l)
  echo "fuzz $name: ${execs:-0} executions in ${secs}s (${rate:-0}/s), crashes: $crashes, exit $rc  (command: KX_FUZZ_SECONDS=$secs bench/run fuzz)"
  rm -rf "$corpus" "$log"
done
