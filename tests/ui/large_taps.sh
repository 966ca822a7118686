#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# large_taps.sh - the large-text toggle (适老化) driven by tap scripts: the
# real kiosk front end (dummy video, software renderer) against the real
# kioskd. Each step waits for the text mode the front end shows (`wait
# large=on|off`), never for a time:
#   1. switched on at home it stays on at the untouched home screen for
#      less than the idle minute, and through a whole session (the
#      header's toggle switches it off and on again inside it); the
#      session's end puts it back to normal at once (long before the
#      minute), and the next customer starts in normal text;
#   2. switched on at home and left there, it goes back to normal after the
#      idle time (shortened with KX_UI_LARGE_IDLE_MS instead of waiting a
#      minute), and not before;
#   3. kiosk --screenshots --large-text renders every screen in both
#      languages and orientations; ui_screens audits them (screens.sh).
set -uo pipefail
export KX_LOG_LEVEL=info
UI_NAME=large source "${KX_SOURCE:?}/tests/lib/ui_kiosk.sh"
start || exit 1
ui() { # SCRIPT LOG
  "$KIOSK" --windowed --socket "$T/k.sock" --script "$1" 2>"$2"
}

# 1. through a session (the default idle minute: only the session's end
# can switch it back within the waits below)
cat > "$T/session.tap" <<'TAP'
wait screen=home large=off timeout=30
tap large_text_home
wait screen=home large=on timeout=10
sleep 3000
wait screen=home large=on timeout=1
tap service_revoke
wait screen=revoke_method large=on timeout=30
tap large_text
wait screen=revoke_method large=off timeout=10
tap large_text
wait screen=revoke_method large=on timeout=10
tap choice_licence
wait screen=licence_place large=on timeout=30
tap cancel
tap end_session
wait screen=cancelled large=on timeout=30
tap primary
wait screen=home large=off timeout=30
tap service_revoke
wait screen=revoke_method large=off timeout=30
tap cancel
tap end_session
wait screen=cancelled large=off timeout=30
tap primary
wait screen=home large=off timeout=30
TAP
if ui "$T/session.tap" "$T/session.log"; then ok; else bad "large text through a session"; tail -5 "$T/session.log"; fi
# the switches in order: on at home, off and on in the header, off at the end
seq=$(sed -n 's/.*ui\.large_text[^a-z]*\(on\|off\).*/\1/p' "$T/session.log" | tr '\n' ' ')
[ "$seq" = "on off on off " ] && ok || bad "large-text switches were: ${seq:-none} (want on off on off)"

# 2. left on at the home screen: back to normal after the idle time
cat > "$T/idle.tap" <<'TAP'
wait screen=home large=off timeout=30
tap large_text_home
wait screen=home large=on timeout=10
wait screen=home large=off timeout=60
TAP
if KX_UI_LARGE_IDLE_MS=4000 ui "$T/idle.tap" "$T/idle.log"; then ok; else bad "large text not reset at the idle home screen"; tail -5 "$T/idle.log"; fi
# ... and not before the idle time: the two switches are about 4 s apart (a frame less at most)
/usr/bin/python3 - "$T/idle.log" <<'PY' && ok || bad "large text went back before the idle time"
import sys
ts = [l for l in open(sys.argv[1]) if "ui.large_text" in l]
if len(ts) != 2:
    print("switches:", ts); sys.exit(1)
from datetime import datetime
def when(l):
    s = l.split()[0].rstrip("Z")
    return datetime.fromisoformat(s)
d = (when(ts[1]) - when(ts[0])).total_seconds()
print("large text on for %.2f s" % d)
sys.exit(0 if d >= 3.5 else 1)
PY

# 3. the check bites: waiting for a mode nobody switched to fails
printf 'wait screen=home timeout=30\nwait large=on timeout=2\n' > "$T/never.tap"
ui "$T/never.tap" "$T/never.log"; rc=$?
[ $rc -eq 1 ] && grep -q 'timed out waiting' "$T/never.log" && ok || bad "wait large=on did not time out (exit $rc)"

finish
