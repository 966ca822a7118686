#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The metrics writer's output passes `promtool check metrics` (Debian's
# prometheus package), the reference linter for the text format.
set -euo pipefail
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
KX_METRICS_SAMPLE="$t/sample.prom" "$KX_BUILD/tests/staff/test_metrics" >/dev/null
promtool check metrics < "$t/sample.prom"
echo "1 passed, 0 failed"
