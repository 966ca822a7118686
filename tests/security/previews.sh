#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 4: the screen gets the scans it shows as descriptors, not paths
# it must be able to read. Through a real session (ra-sim, SANE pnm,
# kiosk-parse) with the screen's user ([engine] ui_users = nobody):
#  - the licence's preview arrives with its state as a memfd over the
#    socket (SCM_RIGHTS): the same bytes as the spooled scan, a PNG,
#    sealed (write, grow, shrink, seal) so the screen cannot change it;
#  - the screen's user cannot open the spooled file itself: kioskd's
#    state directory is 0700;
#  - a staff connection (kioskctl) still gets plain paths, no descriptors.
source "$KX_SOURCE/tests/lib/flows.sh"
# the screen's user (nobody) runs it: a copy in $T, which it can read
# wherever the tree is (a clone in a 0700 directory)
C="$T/screen_client.py"; cp "$S/tests/security/screen_client.py" "$C"
GOOD=91110000600037341L
new_issuance_setup "$GOOD" || { echo "document set-up failed"; exit 1; }
page licence
sim_start || exit 1
new_issuance_config
sed -i "s/^\[engine\]/[engine]\nui_users = nobody/" "$T/k.conf"
kioskd_start || exit 1
runuser -u nobody -- "$C" "$T/k.sock" preview licence 120 > "$T/screen.json" 2>"$T/screen.err" & SCR=$!
flow licence <<'FLOW'
send choose_service service=new
expect screen=licence_place
send confirm
expect timeout=30 screen=company_confirm previews.0.doc=licence
FLOW
for _ in $(seq 600); do kill -0 $SCR 2>/dev/null || break; sleep 0.1; done
wait $SCR
j() { /usr/bin/python3 -c "import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(json.dumps(v) if isinstance(v,(list,bool)) else v)" "$T/screen.json" "$1"; }
cat "$T/screen.err"
P=$(j path)
check "the screen got the licence's preview as a descriptor" test -n "$(j fd_id)" -a "$(j fd_id)" != None
check "...a PNG, the same bytes as the spooled scan" \
  bash -c "[ '$(j png)' = true ] && [ '$(j sha256)' = \"\$(sha256sum '$P' | cut -d' ' -f1)\" ]"
check "...sealed against writing, growing, shrinking" test "$(j seals)" = '["grow", "seal", "shrink", "write"]'
check "...a write to it is refused" test "$(j write_refused)" = true
check "...and no other descriptor came with it" test "$(j fds_left)" = 0
check "the state's path is kioskd's spool" bash -c "[[ '$P' == '$T/state/'* ]]"
check "the screen's user cannot open the spooled scan" bash -c "! runuser -u nobody -- cat '$P' >/dev/null 2>&1"
check "kioskd's state directory is 0700" test "$(stat -c %a "$T/state")" = 700
"$K" status >/dev/null
out=$(printf '%s\n' '{"type":"request","cmd":"state"}' | "$S/tests/security/kxclient.py" "$T/k.sock" script staff)
check "a staff connection gets the path, no descriptor" \
  bash -c "grep -q '\"path\": \"$T/state' <<<'$out' && ! grep -q fd_id <<<'$out'"
flow leave <<'FLOW'
send cancel
expect screen=cancelled
send confirm
expect screen=home
FLOW
finish
