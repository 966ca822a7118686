#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kioskd's socket server and session engine without devices: peer
# credentials and roles, malformed and oversized messages, scripted
# sessions (kioskctl run-flow), step timeouts, PINs never logged, clean
# stop and restart over a stale socket.
set -uo pipefail
B=${KX_BUILD:?}; S=${KX_SOURCE:?}
K="$B/kiosk/ctl/kioskctl"; D="$B/kiosk/engine/kioskd"
T=$(mktemp -d /tmp/kx-daemon-XXXXXX); chmod 755 "$T"
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
PID=
start() {
  "$D" --config "$T/k.conf" 2>>"$T/log" & PID=$!
  for _ in $(seq 50); do [ -S "$T/k.sock" ] && "$K" status --socket "$T/k.sock" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "kioskd did not start"; cat "$T/log"; return 1
}
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=; }
trap 'stop; rm -rf "$T"' EXIT
cat > "$T/k.conf" <<CONF
[kiosk]
state_dir = $T/state
[engine]
socket = $T/k.sock
ui_users = nobody
timeout_percent = ${KX_TIMEOUT_PERCENT:-100}
CONF
export KX_SOCKET="$T/k.sock"
start || exit 1

# status and a staff connection (root)
out=$("$K" status); check "status is home" grep -q '"screen":"home"' <<<"$out"

# malformed input: answered with an error, nothing changes, the daemon lives
say() { printf '%b' "$1" | socat -t1 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null; }
out=$(say 'not json\n[1,2]\n{"type":"intent","intent":"confirm"}\n{"v":1,"type":"hello","versions":[1]}\n{"v":1,"type":"fly"}\n{"v":1,"type":"intent","intent":"format_disk"}\n{"v":1,"type":"intent","intent":"choose_service","service":"bogus"}\n')
check "not json refused" grep -q '"detail":"not a JSON object"' <<<"$out"
check "intent before hello refused" grep -q '"detail":"hello first"' <<<"$out"
check "unknown type refused" grep -q '"detail":"unknown message type"' <<<"$out"
check "unknown intent refused" grep -q '"detail":"unknown intent"' <<<"$out"
check "bad service refused" grep -q '"error":"bad_request"' <<<"$out"
out=$(head -c 70000 /dev/zero | tr '\0' 'x' | socat -t2 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null)
check "oversized line refused" grep -q '"error":"too_large"' <<<"$out"
out=$( (printf '{"v":1,"type":"hello","versions":[1]}\n'; for i in $(seq 20); do echo "junk$i"; done; sleep 0.5) | socat -t1 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null | grep -c '"type":"error"')
check "too many bad messages close the connection ($out errors)" test "$out" -le 16
out=$("$K" status); check "still serving after abuse" grep -q '"screen":"home"' <<<"$out"

# peer credentials: nobody is a ui user, not staff; ui cannot read the journal
out=$(printf '{"v":1,"type":"hello","versions":[1],"role":"staff"}\n' | runuser -u nobody -- socat -t1 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null)
check "ui user cannot take the staff role" grep -q '"error":"permission"' <<<"$out"
out=$(printf '{"v":1,"type":"hello","versions":[1],"role":"ui"}\n{"v":1,"type":"request","cmd":"journal","seq":2}\n{"v":1,"type":"intent","intent":"staff_reset","seq":3}\n' | runuser -u nobody -- socat -t1 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null)
check "ui user gets welcome" grep -q '"type":"welcome","version":1,"role":"ui"' <<<"$out"
check "ui user gets the state at once" grep -q '"type":"state"' <<<"$out"
check "ui user cannot read the journal" grep -q '"seq":2.*"permission"\|"permission".*"seq":2\|"error":"permission"' <<<"$out"
# (the socket's group lets nobody connect; its uid is not listed)
sed -i 's/^ui_users = nobody/ui_users = root\nsocket_group = nogroup/' "$T/k.conf"; stop; start || exit 1
out=$(printf '{"v":1,"type":"hello","versions":[1]}\n' | runuser -u nobody -- socat -t1 - "UNIX-CONNECT:$T/k.sock" 2>/dev/null)
if grep -q "\"error\":\"permission\"" <<<"$out"; then ok; else bad "unknown user refused: $out"; fi
sed -i 's/^ui_users = root/ui_users = nobody/; /^socket_group = nogroup/d' "$T/k.conf"

# scripted sessions through the flow tables
for f in "$S"/tests/engine/flows/*.flow; do
  if "$K" run-flow "$f" >"$T/rf.out" 2>"$T/rf.err"; then ok; else bad "run-flow $(basename "$f")"; cat "$T/rf.err"; fi
done

# a PIN sent to kioskd never reaches its log
printf '{"v":1,"type":"hello","versions":[1]}\n{"v":1,"type":"intent","intent":"pin","pin":"97531864"}\n' | socat -t1 - "UNIX-CONNECT:$T/k.sock" >/dev/null 2>&1
check "PIN not in the log" bash -c "! grep -q 97531864 '$T/log'"

# step timeouts: with timeout_percent=1 an input screen gives up in ~1.2 s
stop; sed -i 's/^timeout_percent = .*/timeout_percent = 1/' "$T/k.conf"; start || exit 1
for f in "$S"/tests/engine/flows/timeout/*.flow; do
  if "$K" run-flow "$f" 2>"$T/rf.err" >/dev/null; then ok; else bad "input screens time out to cancelled, then home ($(basename "$f"))"; cat "$T/rf.err"; tail -5 "$T/log"; fi
done

# SIGKILL leaves a stale socket; a new kioskd takes it over
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
check "stale socket left behind" test -S "$T/k.sock"
start && ok || bad "restart over a stale socket"
stop
check "socket removed on SIGTERM" test ! -S "$T/k.sock"
finish
