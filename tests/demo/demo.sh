#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs scripts/demo-hall.sh without a display, as `scripts/demo` does on a
# machine with no screen, into a temporary output folder.
set -uo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
unset DISPLAY
KX_DEMO_OUT="$out" bash "$KX_SOURCE/scripts/demo-hall.sh"
