#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 6 (docs/security.md): kioskd's socket is 0660 with its group; a
# refused peer takes no client slot and is closed at once; one user cannot
# hold more than 4 connections; the last slot is kept for the screen, so a
# staff account opening every slot it can still leaves the screen room.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
B=${KX_BUILD:?}; S=$KX_SOURCE
K="$B/kiosk/ctl/kioskctl"; D="$B/kiosk/engine/kioskd"
command -v setpriv >/dev/null || { echo "setpriv missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (other users' connections)"; exit 77; }
T=$(mktemp -d /tmp/kx-slots-XXXXXX); chmod 755 "$T"
# the screen's user (nobody) runs it: a copy in $T, which it can read
# wherever the tree is (a clone in a 0700 directory)
C="$T/kxclient.py"; cp "$S/tests/security/kxclient.py" "$C"
PID=; HOLD=()
cleanup() {
  for p in "${HOLD[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
cat > "$T/k.conf" <<CONF
[kiosk]
state_dir = $T/state
[engine]
socket = $T/k.sock
ui_users = nobody
staff_users = daemon
CONF
"$D" --config "$T/k.conf" 2>>"$T/log" & PID=$!
for _ in $(seq 100); do [ -S "$T/k.sock" ] && "$K" status --socket "$T/k.sock" >/dev/null 2>&1 && break; sleep 0.05; done
sock="$T/k.sock"
# a user in the socket's group (nogroup, the screen user's), not the screen
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --groups=65534 -- "$@"; }

check "socket mode 0660" test "$(stat -c %a "$sock")" = 660
check "socket group is the screen user's" test "$(stat -c %G "$sock")" = nogroup
check "another user outside the group cannot connect" \
  bash -c "! printf '{}\n' | setpriv --reuid=bin --regid=bin --clear-groups -- socat -t1 - UNIX-CONNECT:$sock 2>/dev/null | grep -q ."

# refused peers (sys: in the group, not listed): each answered and closed
# at once, none holds a slot, the screen still gets in
as sys "$C" "$sock" hold 20 3 > "$T/refused.json" & HOLD+=($!)
for _ in $(seq 100); do [ -s "$T/refused.json" ] && break; sleep 0.05; done
check "20 refused peers are all refused" grep -q '"accepted": 0, "refused": 20' "$T/refused.json"
check "each refused peer is closed at once" grep -q '"eof": 20' "$T/refused.json"
out=$(echo '{"type":"request","cmd":"status"}' | runuser -u nobody -- "$C" "$sock" script ui)
check "the screen connects while refused peers linger" grep -q '"type": "welcome"' <<<"$out"

# one user: at most 4 connections
as daemon "$C" "$sock" hold 8 6 > "$T/daemon.json" & HOLD+=($!)
for _ in $(seq 100); do [ -s "$T/daemon.json" ] && break; sleep 0.05; done
check "one user holds at most 4 connections" grep -q '"accepted": 4, "refused": 4' "$T/daemon.json"
# root (no per-user limit) takes every slot it can: the screen's is left
"$C" "$sock" hold 16 4 > "$T/root.json" & HOLD+=($!)
for _ in $(seq 100); do [ -s "$T/root.json" ] && break; sleep 0.05; done
check "root gets all but the screen's slot (16 - 4 - 1)" grep -q '"accepted": 11, "refused": 5' "$T/root.json"
out=$(echo '{"type":"request","cmd":"status"}' | runuser -u nobody -- "$C" "$sock" script ui)
check "the screen still connects with every other slot taken" grep -q '"type": "welcome"' <<<"$out"
check "kioskd logged the refusals" grep -q 'server.refused.*reason=too_many' "$T/log"
finish
