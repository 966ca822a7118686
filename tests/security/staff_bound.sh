#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Findings 1 and 7 (docs/security.md) through a real kioskd and ra-sim:
#  - assisted mode belongs to the connection that logged in: a second
#    connection (the screen's role) can neither send staff intents nor
#    staff requests nor log it out while a member is logged in elsewhere;
#  - it ends when that connection closes without a logout;
#  - kioskctl --staff logs out before it exits;
#  - counter payment, manual ID entry and refund need the member's PIN
#    again: without it or with a wrong one they are refused;
#  - staff login is throttled per source: a uid that failed max_failures
#    times is blocked for the IDs it typed, not for other members; the
#    screen's uid still logs in.
source "$KX_SOURCE/tests/lib/peers.sh"
# the screen's user (nobody) runs it: a copy in $T, which it can read
# wherever the tree is (a clone in a 0700 directory)
C="$T/kxclient.py"; cp "$S/tests/security/kxclient.py" "$C"
sim_start || exit 1
PIN=246813; OTHER=864202
h() { echo "$1" | "$K" staff-hash | jget pin_hash; }
H1=$(h $PIN); H2=$(h $OTHER)
kioskd_config <<CONF
[staff]
max_failures = 3
lockout_seconds = 60
idle_seconds = 600
[staff:1001]
name = Wang Fang
role = staff
pin_hash = $H1
[staff:1002]
name = Li Ming
role = staff
pin_hash = $H2
CONF
sed -i "s/^\[engine\]/[engine]\nui_users = nobody/" "$T/k.conf"
kioskd_start || exit 1
sock="$T/k.sock"
staff_rows() { journal_sql "SELECT staff_id||'|'||action||'|'||coalesce(reason,'')||'|'||outcome FROM staff_actions ORDER BY id"; }
staff_in_state() { "$C" "$sock" script ui </dev/null | head -2 | tail -1 | /usr/bin/python3 -c "import sys,json; s=json.load(sys.stdin); print((s.get('staff') or {}).get('id','none') if isinstance(s.get('staff'),dict) else s.get('staff'))"; }

# ---- kioskctl logs out before it exits ----
echo $PIN | "$K" staff-login --staff 1001 >/dev/null || bad "kioskctl staff-login"
check "kioskctl logged out before exiting" grep -q '^1001|logout|logout|ok$' <(staff_rows)

# ---- a login bound to connection A; B (the screen's role) may not act ----
mkfifo "$T/a.in"
"$C" "$sock" script staff <"$T/a.in" >"$T/a.out" & APID=$!
exec 7>"$T/a.in"
echo "{\"type\":\"request\",\"cmd\":\"staff_login\",\"staff_id\":\"1001\",\"pin\":\"$PIN\"}" >&7
for _ in $(seq 100); do grep -q '"staff_id": "1001"' "$T/a.out" && break; sleep 0.05; done
check "A logged in" grep -q '"type": "reply"' "$T/a.out"
out=$(printf '%s\n' '{"type":"intent","intent":"staff_reset","reason":"from the screen"}' \
  '{"type":"request","cmd":"staff_actions","limit":1}' \
  '{"type":"request","cmd":"manual_id","name":"X","id_number":"360426199101010071","valid_to":"long_term","reason":"typed at the screen","pin":"'$PIN'"}' \
  '{"type":"request","cmd":"staff_logout"}' | "$C" "$sock" script ui)
check "the screen's staff intent is refused while A holds assisted mode" \
  grep -q '"seq": 2.*"error": "permission"\|"error": "permission".*"seq": 2' <<<"$out"
check "the screen's staff request is refused" grep -q '"seq": 3.*"permission"\|"permission".*"seq": 3' <<<"$out"
check "the screen's manual_id, even with the PIN, is refused" grep -q '"seq": 4.*"permission"\|"permission".*"seq": 4' <<<"$out"
check "the screen cannot log A out" grep -q '"seq": 5.*"permission"\|"permission".*"seq": 5' <<<"$out"
out=$(echo '{"type":"request","cmd":"staff_actions","limit":1}' | "$C" "$sock" script staff)
check "a second staff connection is refused too" grep -q '"error": "permission"' <<<"$out"

# ---- the actions that need the PIN again, on A ----
echo '{"type":"request","cmd":"counter_paid","amount_fen":30000,"receipt_no":"R1","method":"cash","reason":"paid at the counter"}' >&7
echo '{"type":"request","cmd":"counter_paid","amount_fen":30000,"receipt_no":"R1","method":"cash","reason":"paid at the counter","pin":"000000"}' >&7
echo '{"type":"request","cmd":"refund","id":999,"reason":"customer paid twice"}' >&7
echo '{"type":"request","cmd":"manual_id","name":"X","id_number":"360426199101010071","valid_to":"long_term","reason":"reader broken"}' >&7
echo "{\"type\":\"request\",\"cmd\":\"counter_paid\",\"amount_fen\":30000,\"receipt_no\":\"R1\",\"method\":\"cash\",\"reason\":\"paid at the counter\",\"pin\":\"$PIN\"}" >&7
echo '{"type":"request","cmd":"staff_actions","limit":1}' >&7
for _ in $(seq 200); do grep -q '"seq": 8' "$T/a.out" && break; sleep 0.05; done
seqline() { grep "\"seq\": $1[,}]" "$T/a.out"; }
check "counter payment without the PIN again is refused" bash -c "grep '\"seq\": 3[,}]' '$T/a.out' | grep -q 'PIN again'"
check "counter payment with a wrong PIN is refused" bash -c "grep '\"seq\": 4[,}]' '$T/a.out' | grep -q '\"permission\"'"
check "refund without the PIN again is refused" bash -c "grep '\"seq\": 5[,}]' '$T/a.out' | grep -q 'PIN again'"
check "manual ID entry without the PIN again is refused" bash -c "grep '\"seq\": 6[,}]' '$T/a.out' | grep -q 'PIN again'"
check "with the PIN again counter payment passes authorisation (no session to pay: state)" \
  bash -c "grep '\"seq\": 7[,}]' '$T/a.out' | grep -qv 'permission'"
check "A itself still acts" bash -c "grep '\"seq\": 8[,}]' '$T/a.out' | grep -q '\"type\": \"reply\"'"
check "the wrong PIN given again is journaled" grep -q '^1001|reauth||KX_ERR_PERMISSION$' <(staff_rows)

# ---- A closes without a logout: assisted mode is over ----
echo close >&7; exec 7>&-; wait $APID
sleep 0.3
check "closing the connection logged the member out" grep -q '^1001|logout|connection closed|ok$' <(staff_rows)
out=$(echo '{"type":"intent","intent":"staff_reset","reason":"after the member left"}' | "$C" "$sock" script ui)
check "after the close the screen has no staff powers" grep -q '"error": "permission"' <<<"$out"

# ---- the screen logs in on its own connection: it acts there ----
out=$(printf '%s\n' "{\"type\":\"request\",\"cmd\":\"staff_login\",\"staff_id\":\"1002\",\"pin\":\"$OTHER\"}" \
  '{"type":"request","cmd":"staff_actions","limit":1}' | runuser -u nobody -- "$C" "$sock" script ui)
check "the screen's own login lets it act" bash -c "grep '\"seq\": 3[,}]' <<<'$out' | grep -q '\"type\": \"reply\"'"

# ---- kioskctl run-flow logs out too ----
printf 'request staff_login staff_id=1002 pin=%s\nexpect staff.id=1002\n' $OTHER > "$T/login.flow"
"$K" run-flow "$T/login.flow" >/dev/null || bad "run-flow login"
check "run-flow logged out before exiting" test "$(staff_rows | tail -1)" = "1002|logout|logout|ok"

# ---- finding 7: the login throttle per source ----
for i in 1 2 3; do echo 111111 | "$K" staff-login --staff 10$i$i >/dev/null 2>&1; done
check "root's uid is blocked after 3 failures over any IDs, for the IDs it typed" \
  bash -c "! echo 111111 | '$K' staff-login --staff 1033 >/dev/null 2>'$T/blocked.err' && grep -q 'locked out' '$T/blocked.err'"
check "...a member it did not type still logs in from it (one block is no lockout)" \
  bash -c "echo $PIN | '$K' staff-login --staff 1001 >/dev/null"
out=$(echo "{\"type\":\"request\",\"cmd\":\"staff_login\",\"staff_id\":\"1001\",\"pin\":\"$PIN\"}" | runuser -u nobody -- "$C" "$sock" script ui)
check "the screen's uid (another source) still logs in" grep -q '"staff_id": "1001"' <<<"$out"
for p in $PIN $OTHER 360426199101010071; do
  check "$p not in the log" bash -c "! grep -qaF $p '$T/kioskd.log'"
done
finish
