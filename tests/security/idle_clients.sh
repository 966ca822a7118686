#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 6, idle clients ([engine] client_idle_seconds = 2 here): a
# connection that sends nothing, or half a line however slowly it trickles,
# is closed after the limit, so a local account cannot hold slots forever.
# The screen's connection (a uid of [engine] ui_users that said hello as
# the screen) may stay silent as long as it likes and keeps receiving its
# states; but half a line closes it too, and another uid saying hello as
# the screen gets no such exemption.
source "$KX_SOURCE/tests/lib/peers.sh"
# the screen's user (nobody) runs it: a copy in $T, which it can read
# wherever the tree is (a clone in a 0700 directory)
C="$T/screen_client.py"; cp "$S/tests/security/screen_client.py" "$C"
sim_start || exit 1
kioskd_config <<'CONF'
CONF
sed -i "s/^\[engine\]/[engine]\nui_users = nobody\nclient_idle_seconds = 2/" "$T/k.conf"
kioskd_start || exit 1
sock="$T/k.sock"
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))" "$1" "$2"; }
closed_after_limit() { # JSON: closed by kioskd, not before 2 s, well before the client gave up
  [ "$(field "$1" eof)" = True ] && /usr/bin/python3 -c "import sys; t=float(sys.argv[1]); sys.exit(0 if 1.9 <= t < 40 else 1)" "$(field "$1" seconds)"
}

# the screen, silent from its hello on, watching for the licence screen
runuser -u nobody -- "$C" "$sock" watch licence_place 120 > "$T/watch.json" & W=$!

out=$("$C" "$sock" idle hello staff 60)
check "a staff connection silent after its hello is closed ($out)" closed_after_limit "$out"
out=$("$C" "$sock" idle none staff 60)
check "a connection that never says hello is closed ($out)" closed_after_limit "$out"
out=$("$C" "$sock" idle trickle staff 60)
check "half a line trickled a byte at a time is closed ($out)" closed_after_limit "$out"
out=$("$C" "$sock" idle hello ui 60)
check "root saying hello as the screen is not the screen: closed ($out)" closed_after_limit "$out"
out=$(runuser -u nobody -- "$C" "$sock" idle trickle ui 60)
check "the screen's user with half a line is closed too ($out)" closed_after_limit "$out"

# the screen has now been silent far longer than the limit: still there,
# and it gets the next state
check "the silent screen is still connected" kill -0 $W
printf 'send choose_service service=new\nexpect screen=licence_place\nsend cancel\nexpect screen=cancelled\nsend confirm\nexpect screen=home\n' > "$T/f.flow"
"$K" run-flow "$T/f.flow" >/dev/null || bad "flow to the licence screen"
for _ in $(seq 300); do kill -0 $W 2>/dev/null || break; sleep 0.1; done
wait $W
w=$(cat "$T/watch.json")
check "the screen saw the licence screen's state, never closed ($w)" \
  bash -c "[ '$(field "$w" seen)' = True ] && [ '$(field "$w" eof)' = False ]"
check "idle closes are logged with their reason" \
  bash -c "grep -q 'server.idle.*reason=silent' '$T/kioskd.log' && grep -q 'server.idle.*reason=half_line' '$T/kioskd.log'"
check "kioskd serves on" bash -c "'$K' status >/dev/null"
finish
