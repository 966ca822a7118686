#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 8: no crash dump of kioskd or the screen can hold a PIN.
#   - both units set LimitCORE=0;
#   - kioskd clears its dumpable flag first thing: run as an ordinary user
#     (here nobody), its /proc/PID files belong to root, so neither a core dump
#     nor that user's ptrace reaches its memory. kioskd is held at start-up
#     by a configuration FIFO nobody writes (it is then past main()'s start).
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
D="$KX_BUILD/kiosk/engine/kioskd"
for u in jxca-kioskd jxca-kiosk; do
  check "$u.service sets LimitCORE=0" grep -qx 'LimitCORE=0' "$KX_SOURCE/config/systemd/$u.service"
done
command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to run kioskd as nobody"; exit 77; }
T=$(mktemp -d); chmod 0755 "$T"; trap 'kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT
mkfifo -m 0666 "$T/k.conf"
ASAN_OPTIONS=detect_leaks=0 setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$D" --config "$T/k.conf" 2>"$T/err" & pid=$!
for _ in $(seq 50); do [ "$(stat -c %u "/proc/$pid" 2>/dev/null)" != "" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$D")" ] && break; sleep 0.1; done
sleep 0.5  # past exec: the dynamic loader and main()'s first line
check "kioskd runs as nobody" test "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = 65534
check "kioskd is not dumpable (/proc/PID/status owned by root)" test "$(stat -c %u "/proc/$pid/status")" = 0
kill "$pid"; wait "$pid" 2>/dev/null
finish
