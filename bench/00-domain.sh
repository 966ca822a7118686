#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Domain checks: kioskctl process start-up and a credit-code check.
set -euo pipefail
K="$KX_BUILD/kiosk/ctl/kioskctl"
n=200
start=$(date +%s%N)
for _ in $(seq $n); do "$K" uscc 91110000600037341L >/dev/null; done
end=$(date +%s%N)
echo "kioskctl uscc, whole process: $(( (end-start)/n/1000 )) us/run  (command: bench/run domain; $n runs of kioskctl uscc 91110000600037341L)"
