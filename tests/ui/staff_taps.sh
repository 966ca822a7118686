#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The staff and maintenance screens of the real kiosk front end (dummy
# video, software renderer) against the real kioskd with staff members
# configured. Taps land on widgets by id, as a finger would:
#  - the hidden gesture (five taps on the logo) opens the staff login; a
#    wrong PIN three times locks the member out (kioskd's lockout, recorded);
#  - an admin logs in with the shuffled keypad and reaches the maintenance
#    menu; self-tests, summary, log, configuration and version are requested
#    from the screen and recorded in the journal under the admin's number;
#  - "Restart services" runs the configured command after a confirmation;
#  - a staff member abandons a customer's session from the staff panel
#    with a reason, recorded with that reason;
#  - ending assisted mode returns to the customer screen, and kioskd knows.
set -uo pipefail
B=${KX_BUILD:?}
KIOSK="$B/kiosk/ui/kiosk"; D="$B/kiosk/engine/kioskd"; K="$B/kiosk/ctl/kioskctl"
T=$(mktemp -d /tmp/kx-ui-staff-XXXXXX); chmod 755 "$T"
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
PID=
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=; }
trap 'stop; rm -rf "$T"' EXIT
h() { echo "$1" | "$K" staff-hash | sed -n 's/.*"pin_hash":"\([^"]*\)".*/\1/p'; }
ADMIN_PIN=975310; STAFF_PIN=246813
cat > "$T/k.conf" <<CONF
[kiosk]
state_dir = $T/state
[engine]
socket = $T/k.sock
ui_users = root
[staff]
max_failures = 3
lockout_seconds = 60
idle_seconds = 120
log_file = $T/kioskd.log
[staff:1001]
name = Wang Fang
role = staff
pin_hash = $(h $STAFF_PIN)
[staff:9001]
name = Admin
role = admin
pin_hash = $(h $ADMIN_PIN)
CONF
grep -q 'pin_hash = \$y\$' "$T/k.conf" && ok || { bad "staff-hash did not give yescrypt hashes"; exit 1; }
"$D" --config "$T/k.conf" 2>>"$T/kioskd.log" & PID=$!
for _ in $(seq 50); do [ -S "$T/k.sock" ] && "$K" status --socket "$T/k.sock" >/dev/null 2>&1 && break; sleep 0.1; done
printf '[engine]\nsocket = %s\n[ui]\nrestart_command = touch %s/restarted\nleave_command = touch %s/left\n' \
  "$T/k.sock" "$T" "$T" > "$T/ui.conf"
ui() { "$KIOSK" --windowed --config "$T/ui.conf" --script "$1" 2>"$T/ui.log"; }
sql() { sqlite3 "$T/state/journal.db" "$1"; }

# the hidden gesture: five taps on the logo within three seconds
GESTURE=$(printf 'tap staff_corner\n%.0s' 1 2 3 4 5)

# 1. the admin: maintenance menu, every entry, restart with confirmation
cat > "$T/admin.tap" <<TAP
wait screen=home timeout=10
$GESTURE
wait screen=staff_login
type 9001
tap key_ok
type $ADMIN_PIN
tap key_ok
wait screen=maint_menu
tap maint_selftest
wait screen=maint_selftest
sleep 1500
tap staff_back
wait screen=maint_menu
tap maint_summary
wait screen=maint_summary
sleep 500
tap staff_back
tap maint_logs
wait screen=maint_logs
sleep 500
tap staff_back
tap maint_config
wait screen=maint_config
sleep 500
tap staff_back
tap maint_version
wait screen=maint_version
sleep 300
tap staff_back
tap maint_open_tx
wait screen=maint_open_tx
sleep 300
tap staff_back
tap maint_restart
wait screen=maint_confirm
tap staff_back
wait screen=maint_menu
tap maint_restart
wait screen=maint_confirm
tap staff_primary
sleep 500
tap staff_back
tap staff_close
wait screen=home
tap staff_menu
wait screen=maint_menu
tap staff_logout
sleep 800
wait screen=home
TAP
if ui "$T/admin.tap"; then ok; else bad "admin tap script"; tail -5 "$T/ui.log"; fi
for a in login selftest summary logs config; do
  [ "$(sql "SELECT count(*) FROM staff_actions WHERE staff_id='9001' AND action='$a'")" -ge 1 ] && ok ||
    bad "admin action $a from the screen not recorded"
done
[ -f "$T/restarted" ] && ok || bad "restart command not run after confirmation"
[ "$(sql "SELECT count(*) FROM staff_actions WHERE staff_id='9001' AND action='restart' AND outcome='ok'")" = 1 ] &&
  ok || bad "restart not recorded in the journal before it ran"
[ ! -f "$T/left" ] && ok || bad "leave command run without being chosen"
grep -q "$ADMIN_PIN" "$T/ui.log" "$T/kioskd.log" && bad "the admin PIN is in a log" || ok

# 2. End assisted mode from the screen (the end of the admin's script
# above, on the connection that logged in): kioskd publishes staff: null
st=$(printf '{"v":1,"type":"hello","versions":[1]}\n' | socat -t1 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null)
grep -q '"staff":null' <<<"$st" && ok || bad "assisted mode still open after End assisted mode"
"$K" status --socket "$T/k.sock" >/dev/null && ok || bad "kioskd status"

# 3. the gesture opens the login; three wrong PINs lock member 1001 out
# (after the admin's part: kioskd also throttles the screen as a source)
cat > "$T/lock.tap" <<TAP
wait screen=home timeout=10
$GESTURE
wait screen=staff_login
type 1001
tap key_ok
type 1111
tap key_ok
sleep 300
type 2222
tap key_ok
sleep 300
type 3333
tap key_ok
sleep 300
type 246813
tap key_ok
sleep 500
wait screen=staff_login
tap staff_back
wait screen=home
TAP
if ui "$T/lock.tap"; then ok; else bad "lockout tap script"; tail -5 "$T/ui.log"; fi
[ "$(sql "SELECT count(*) FROM staff_actions WHERE staff_id='1001' AND action='login' AND outcome!='ok'")" = 4 ] &&
  ok || bad "wrong and locked logins from the screen not recorded: $(sql 'SELECT staff_id,action,outcome FROM staff_actions')"
[ "$(sql "SELECT count(*) FROM staff_actions WHERE staff_id='1001' AND outcome='ok'")" = 0 ] && ok ||
  bad "the right PIN was accepted while locked out"
# only four taps: no login screen
printf 'wait screen=home timeout=10\ntap staff_corner\ntap staff_corner\ntap staff_corner\ntap staff_corner\nsleep 200\ntap key_1\n' > "$T/four.tap"
ui "$T/four.tap"; [ $? -eq 1 ] && grep -q 'no such widget' "$T/ui.log" && ok || bad "four taps opened the staff login"

# 4. a staff member abandons a customer's session with a reason
sql "DELETE FROM staff_actions WHERE staff_id='1001'" # (the lockout above)
stop; rm -f "$T/state/staff.lockout"
"$D" --config "$T/k.conf" 2>>"$T/kioskd.log" & PID=$!
for _ in $(seq 50); do "$K" status --socket "$T/k.sock" >/dev/null 2>&1 && break; sleep 0.1; done
cat > "$T/reset.tap" <<TAP
wait screen=home timeout=10
tap service_revoke
wait screen=revoke_method
$GESTURE
wait screen=staff_login
type 1001
tap key_ok
type $STAFF_PIN
tap key_ok
wait screen=staff_panel
tap staff_reset
wait screen=staff_reason
tap reason_0
tap staff_primary
wait screen=cancelled
TAP
if ui "$T/reset.tap"; then ok; else bad "staff reset tap script"; tail -5 "$T/ui.log"; fi
r=$(sql "SELECT reason||'|'||outcome FROM staff_actions WHERE action='reset' AND staff_id='1001'")
case "$r" in
  "客户要求终止办理。|ok"|"The customer asked to stop.|ok") ok ;;
  *) bad "reset not recorded with the chosen reason: '$r'" ;;
esac

finish
