#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tap scripts: the real kiosk front end (dummy video, software renderer)
# against the real kioskd over its socket. Taps go to the widgets by id,
# exactly where a finger would land, and the script waits for the screens
# kioskd publishes. Covers: the revoke flow to its cancel confirmation, the
# language switch, "temporarily unavailable" while kioskd is away and the
# reconnection after it comes back, and a wrong tap failing the script.
set -uo pipefail
UI_NAME=taps source "${KX_SOURCE:?}/tests/lib/ui_kiosk.sh"
start || exit 1
ui() { "$KIOSK" --windowed --socket "$T/k.sock" --script "$1" 2>"$T/ui.log"; }

# the taps that end a session from a screen with a cancel button
end_session_taps() { printf 'tap cancel\ntap end_session\nwait screen=cancelled\ntap primary\nwait screen=home\n'; }

# 1. revoke: choose the licence method, cancel with confirmation, finish
cat > "$T/revoke.tap" <<'TAP'
wait screen=home timeout=10
tap service_revoke
wait screen=revoke_method
tap choice_licence
wait screen=licence_place
tap cancel
tap keep_going
sleep 200
TAP
end_session_taps >> "$T/revoke.tap"
if ui "$T/revoke.tap"; then ok; else bad "revoke tap script"; tail -5 "$T/ui.log"; fi

# 2. the language button switches kioskd's session language
cat > "$T/lang.tap" <<'TAP'
wait screen=home timeout=10
tap lang
sleep 300
tap service_new
wait screen=licence_place
TAP
if ui "$T/lang.tap"; then ok; else bad "language tap script"; tail -5 "$T/ui.log"; fi
# kioskd's session is in English now; staff end it for the next test
cat > "$T/check.flow" <<'FLOW'
expect screen=licence_place lang=en service=new
send staff_reset
expect screen=cancelled
send confirm
expect screen=home
FLOW
KX_SOCKET="$T/k.sock" "$K" run-flow "$T/check.flow" >/dev/null 2>"$T/rf.err" && ok ||
  { bad "kioskd did not switch to en / reset"; cat "$T/rf.err"; }

# 3. kioskd goes away: "temporarily unavailable", then back home on restart
cat > "$T/away.tap" <<'TAP'
wait screen=home timeout=10
wait screen=unavailable timeout=15
wait screen=home timeout=15
TAP
ui "$T/away.tap" & UIPID=$!
for _ in $(seq 50); do grep -q 'ui.connected' "$T/ui.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5; stop; sleep 1.5; start || bad "kioskd restart"
if wait $UIPID; then ok; else bad "unavailable/reconnect tap script"; tail -5 "$T/ui.log"; fi
grep -q 'ui.disconnected' "$T/ui.log" && ok || bad "disconnection not logged"

# 4. idle: with short step timeouts the "are you still there?" warning is
# up at once; answering it is a tap on its button, then the step times out
# to "cancelled" and home, and the session is gone
stop; sed -i 's/^ui_users = root/ui_users = root\ntimeout_percent = 10/' "$T/k.conf"; start || exit 1
cat > "$T/idle.tap" <<'TAP'
wait screen=home timeout=10
tap service_revoke
wait screen=revoke_method
sleep 300
tap still_here
sleep 300
tap still_here
wait screen=cancelled timeout=40
wait screen=home timeout=40
TAP
if ui "$T/idle.tap"; then ok; else bad "idle warning tap script"; tail -5 "$T/ui.log"; fi
grep -q '"session":null' <<<"$(printf '{"v":1,"type":"hello","versions":[1]}\n' |
  socat -t1 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null)" && ok || bad "session not ended after the idle timeout"

# 5. the idle warm-up (every customer screen laid out once, nothing drawn)
# runs at home and leaves it working: the home screen looks the same after
# it, and the taps still reach the home screen's widgets
cat > "$T/warm.tap" <<'TAP'
wait screen=home timeout=10
shot home-before
sleep 6000
shot home-after
tap service_renew
wait screen=ukey_insert
TAP
end_session_taps >> "$T/warm.tap"
mkdir -p "$T/shots"
if KX_LOG_LEVEL=info KX_UI_SHOTS="$T/shots" ui "$T/warm.tap"; then ok; else bad "tap after the warm-up"; tail -5 "$T/ui.log"; fi
n=$(sed -n 's/.*ui.warmup.*laid_out=\([0-9]*\).*/\1/p' "$T/ui.log")
[ "${n:-0}" -ge 30 ] && ok || bad "warm-up did not lay out the customer screens (laid_out=${n:-none})"
/usr/bin/python3 - "$T/shots/home-before.png" "$T/shots/home-after.png" <<'PY' && ok || bad "home screen changed by the warm-up"
import sys
from PIL import Image, ImageChops
a, b = (Image.open(p).convert("RGB") for p in sys.argv[1:3])
box = ImageChops.difference(a, b).getbbox()
print("home before/after the warm-up differ in", box) if box else None
sys.exit(1 if box else 0)
PY

# 6. a tap on a widget that is not on screen fails the script (exit 1)
printf 'wait screen=home timeout=10\ntap service_teleport\n' > "$T/bad.tap"
ui "$T/bad.tap"; rc=$?
[ $rc -eq 1 ] && grep -q 'no such widget' "$T/ui.log" && ok || bad "bad tap not reported (exit $rc)"

# 7. kioskd not there at all: the UI keeps running and says so
printf 'wait screen=unavailable timeout=5\nsleep 500\n' > "$T/none.tap"
"$KIOSK" --windowed --socket "$T/absent.sock" --script "$T/none.tap" 2>"$T/ui2.log" && ok || bad "no kioskd: unavailable screen"

finish
