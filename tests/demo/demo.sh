#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs scripts/demo-hall.sh without a display, as `scripts/demo` does on a
# machine with no screen, into a temporary output folder; then checks that
# the screens the demo showed are identical to the committed ones
# (tests/demo/screens.sh, over the states its front end recorded).
set -uo pipefail
out=$(mktemp -d)
states=$(mktemp /tmp/kx-demo-states-XXXXXX)
trap 'rm -rf "$out" "$states"' EXIT
unset DISPLAY
KX_UI_STATE_LOG="$states" KX_DEMO_OUT="$out" bash "$KX_SOURCE/scripts/demo-hall.sh"
rc=$?
bash "$KX_SOURCE/tests/demo/screens.sh" "$states" || rc=1
exit $rc
