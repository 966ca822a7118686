#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 2 through kioskctl: `config-check` refuses a staff member named
# by token_serial alone (exit 1, file:line and why), accepts one named by
# its certificate's digest (with or without the serial).
set -uo pipefail
K="$KX_BUILD/kiosk/ctl/kioskctl"
source "${KX_SOURCE:?}/tests/lib/check.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cp "$KX_SOURCE/config/sites.conf" "$T/"
D=3f5a0c1d2e3f405162738495a6b7c8d9eaf0b1c2d3e4f5061728394a5b6c7d8e
{ cat "$KX_SOURCE/config/kiosk.conf.example"; printf '\n[staff:2002]\nrole = admin\ntoken_serial = ABC123\n'; } > "$T/serial.conf"
{ cat "$KX_SOURCE/config/kiosk.conf.example"; printf '\n[staff:2002]\nrole = admin\ntoken_serial = ABC123\ntoken_cert_sha256 = %s\n' $D; } > "$T/both.conf"
"$K" config-check "$T/serial.conf" >"$T/out" 2>&1; rc=$?
check "config-check: token_serial alone -> exit 1" test "$rc" = 1
check "...naming the line and the reason" grep -q "serial.conf:[0-9]*: \[staff:2002\] token_serial without token_cert_sha256" "$T/out"
"$K" config-check "$T/both.conf" >"$T/out2" 2>&1; rc=$?
check "config-check: digest and serial -> valid" test "$rc" = 0
finish
