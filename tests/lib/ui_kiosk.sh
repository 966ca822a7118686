# SPDX-License-Identifier: MIT
# The set-up the screen's tap tests share (tests/ui/taps.sh, voice.sh,
# large_taps.sh): the build's kiosk, kioskd and kioskctl, a private
# directory, SDL without a display, a kioskd with no devices whose screen
# user is root, and start/stop for it. Usage, after set -uo pipefail:
#   UI_NAME=taps source "$KX_SOURCE/tests/lib/ui_kiosk.sh"; start || exit 1
# A test that needs other settings edits "$T/k.conf" and restarts.
B=${KX_BUILD:?}
KIOSK="$B/kiosk/ui/kiosk"; D="$B/kiosk/engine/kioskd"; K="$B/kiosk/ctl/kioskctl"
T=$(mktemp -d "/tmp/kx-ui-${UI_NAME:-tap}-XXXXXX"); chmod 755 "$T"
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
PID=
start() {
  "$D" --config "$T/k.conf" 2>>"$T/kioskd.log" & PID=$!
  for _ in $(seq 100); do
    [ -S "$T/k.sock" ] && "$K" status --socket "$T/k.sock" >/dev/null 2>&1 && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "kioskd did not start"; cat "$T/kioskd.log"; return 1
}
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=; }
trap 'stop; rm -rf "$T"' EXIT
cat > "$T/k.conf" <<CONF
[kiosk]
state_dir = $T/state
[engine]
socket = $T/k.sock
ui_users = root
CONF
