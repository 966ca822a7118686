#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every fuzz target under libFuzzer for a few seconds (clang build of its
# own, build-fuzz/): CI's brief fuzzing run. Fails on any crash, leak or
# timeout found.
set -uo pipefail
out=$(KX_FUZZ_SECONDS=${KX_FUZZ_SECONDS:-4} bash "$KX_SOURCE/bench/90-fuzz.sh" 2>&1)
echo "$out"
n=$(grep -c '^fuzz ' <<<"$out")
bad=$(grep '^fuzz ' <<<"$out" | grep -vc 'crashes: 0, exit 0')
[ "$n" -ge 7 ] || { echo "expected every fuzz target to run, got $n"; bad=$((bad+1)); }
echo "$((n-bad)) passed, $bad failed"
[ "$bad" = 0 ]
