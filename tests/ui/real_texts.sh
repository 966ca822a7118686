#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# No internal identifier reaches the screen in real sessions (issue 19):
# the real kiosk (dummy video) on the real kioskd with the real peers
# (ra-sim over mutual TLS, SoftHSM2 UKEYs, SANE pnm, idcard-sim with a
# card valid for life), every service to its end (revocation with and
# without the UKEY), in zh_CN and in en, on the paths tests/lib/flows.sh
# gives the e2e tests.
# kioskctl run-flow drives the sessions as the e2e tests do; the kiosk
# records every text it draws (KX_UI_TEXT_LOG) and every state kioskd
# published (KX_UI_STATE_LOG). The recorded states are then rendered again
# one by one in both orientations (kiosk --screenshots --states: each
# kind of state once, audited for overflow and missing glyphs) so that a
# screen the live kiosk passed quickly is drawn too. identifiers.py looks
# for snake_case tokens, enum and event names and protocol keys in both
# text records; first it must find the two this test was written for.
source "$KX_SOURCE/tests/lib/flows.sh"
KIOSK="$B/kiosk/ui/kiosk"
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=warn
SCAN=(/usr/bin/python3 "$S/tests/ui/identifiers.py" "$S/docs/protocol.md" "$S/po/zh_CN")
CODE=91110000600037341L

# the scanner bites: the two identifiers issue 19 found on the demo's screens
printf 'seal_review\tzh_CN\t法人私章 legal_seal 1\nagent_confirm\ten\tlong_term\nhome\ten\tChoose a service\n' >"$T/bite.log"
"${SCAN[@]}" "$T/bite.log" >"$T/bite.out"
check "the scanner finds legal_seal and long_term" \
  test "$(grep -c "shows 'legal_seal'\|shows 'long_term'" "$T/bite.out")" = 2

new_issuance_setup "$CODE" || { bad "document set-up"; finish; exit 1; }
page licence
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1   # valid_to long_term: a card valid for life
ui_fresh() {
  admin POST /admin/counters/reset >/dev/null; rm -rf "$T/state"
  new_issuance_config
  # the screen connects as root here
  sed -i 's/^poll_ms = 50$/&\nui_users = root/' "$T/k.conf"
  local seen
  seen=$(wc -l <"$T/states.log" 2>/dev/null || echo 0)
  kioskd_start && idcard_place || { kioskd_stop; return 1; }
  # the kiosk retries its connection once a second: a session run before
  # it is back would leave no record (it came to 19 screens on a loaded
  # CI machine). Its first record after the start says it is back.
  for _ in $(seq 300); do
    [ "$(wc -l <"$T/states.log" 2>/dev/null || echo 0)" -gt "$seen" ] && return 0
    sleep 0.1
  done
  bad "the kiosk did not connect to the restarted kioskd"; return 1
}
export KX_UI_TEXT_LOG="$T/texts-live.log" KX_UI_STATE_LOG="$T/states.log"
"$KIOSK" --windowed --socket "$T/k.sock" 2>"$T/kiosk.log" & UI_PID=$!
ui_stop() { kill "$UI_PID" 2>/dev/null; wait "$UI_PID" 2>/dev/null; e2e_cleanup_more; e2e_cleanup; }
trap ui_stop EXIT
unset KX_UI_TEXT_LOG KX_UI_STATE_LOG

# session NAME LANG < flow: one service from home to its end and home again
session() {
  local name=$1 lang=$2 pre=""
  [ "$lang" = en ] && pre=$'send set_language lang=en\nexpect lang=en\n'
  { printf '%s' "$pre"; cat; printf 'send confirm\nexpect timeout=20 screen=home\n'; } |
    run_segments "$name-$lang" || bad "$name ($lang) did not reach its end"
  sleep 0.5   # the kiosk draws the last screen
}
drop() { for l in "$@"; do softhsm2-util --delete-token --token "$l" >/dev/null 2>&1; done; }

for lang in zh_CN en; do
  # new issuance onto a blank UKEY
  token_init b1 12345678
  ui_fresh || { bad "set-up before a session"; continue; }
  session new "$lang" <<<"$(flow_text ui/new)"
  kioskd_stop; drop b1
  # renewal with the PIN
  ukey_with_cert r1 123456 >/dev/null || bad "renew: set-up"
  ui_fresh || { bad "set-up before a session"; continue; }
  session renew "$lang" <<<"$(flow_text renew/pin_to_done)"
  kioskd_stop; drop r1
  # renewal without the PIN, unlock: the RA holds the SO PIN
  for svc in renew_nopin unlock; do
    ukey_with_cert n1 123456 >/dev/null || bad "$svc: set-up"
    admin POST /admin/tokens "{\"serial\":\"$(token_serial n1)\",\"so_pin\":\"12345678\"}" >/dev/null
    ui_fresh || { bad "set-up before a session"; continue; }
    if [ $svc = unlock ]; then
      session unlock "$lang" <<<"$(flow_text services/unlock)"
    else
      session renew_nopin "$lang" <<<"$FLOW_RENEW_NOPIN"
    fi
    kioskd_stop; drop n1
  done
  # revocation with the UKEY
  ukey_with_cert v1 123456 >/dev/null || bad "revoke: set-up"
  ui_fresh || { bad "set-up before a session"; continue; }
  session revoke "$lang" <<<"$(flow_text services/revoke_with_ukey)"
  kioskd_stop; drop v1
  # revocation without the UKEY (lost): the RA's list, the agent's pick
  ukey_with_cert l1 123456 >/dev/null || bad "revoke_lost: set-up"
  lost=$(cat "$T/ukey-l1/serial")
  ui_fresh || { bad "set-up before a session"; continue; }
  session revoke_lost "$lang" <<<"$(flow_text ui/revoke_lost | sed "s/@LOST@/$lost/g")"
  kioskd_stop; drop l1
  # reissue onto a blank UKEY
  token_init x1 12345678
  ui_fresh || { bad "set-up before a session"; continue; }
  session reissue "$lang" <<<"$FLOW_REISSUE"
  kioskd_stop; drop x1
  # card swap: the old UKEY, then a blank one
  ukey_with_cert s1 123456 >/dev/null || bad "swap: set-up"
  token_init s2 12345678
  ui_fresh || { bad "set-up before a session"; continue; }
  session swap "$lang" <<<"$FLOW_SWAP"
  kioskd_stop; drop s1 s2
  # change of details
  ukey_with_cert c1 123456 >/dev/null || bad "change: set-up"
  ui_fresh || { bad "set-up before a session"; continue; }
  session change "$lang" <<<"$FLOW_CHANGE"
  kioskd_stop; drop c1
done
kill "$UI_PID" 2>/dev/null; wait "$UI_PID" 2>/dev/null

# what the live kiosk drew
check "the live kiosk recorded texts" test -s "$T/texts-live.log"
check "the live kiosk recorded states" test -s "$T/states.log"
for lang in zh_CN en; do
  check "texts drawn in $lang" grep -q "	$lang	" "$T/texts-live.log"
done
# every state again, one by one, in both orientations
for orient in portrait landscape; do
  if KX_UI_TEXT_LOG="$T/texts-replay.log" "$KIOSK" --screenshots "$T/replay-$orient" \
       --states "$T/states.log" --orientation "$orient" >"$T/replay.out" 2>"$T/replay-$orient.err"; then
    ok
  else
    bad "recorded states ($orient) failed the audit"; grep -E 'AUDIT|kiosk:' "$T/replay-$orient.err" | head -10
  fi
done
# coverage: every screen kioskd published was drawn again, and every
# screen of a session in each language (its state's lang) in that language
for scr in $(grep -o '"screen":"[a-z_]*"' "$T/states.log" | sort -u | cut -d'"' -f4); do
  grep -q "^$scr	" "$T/texts-replay.log" || bad "screen $scr was not drawn"
done
/usr/bin/python3 - "$T/states.log" "$T/texts-replay.log" >"$T/coverage" <<'PY'
import json, sys
want = set()
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        st = json.loads(line)
    except ValueError:
        continue
    if st.get("session") and st.get("lang") and st.get("screen"):
        want.add((st["screen"], st["lang"]))
drawn = {tuple(l.split("\t")[:2]) for l in open(sys.argv[2], encoding="utf-8")}
for scr, lang in sorted(want - drawn):
    print("screen %s was not drawn in %s" % (scr, lang))
PY
check "every session screen drawn in its language" test ! -s "$T/coverage"
head -5 "$T/coverage"
check "at least 20 screens drawn" \
  test "$(cut -f1 "$T/texts-replay.log" | sort -u | wc -l)" -ge 20
if "${SCAN[@]}" "$T/texts-live.log" "$T/texts-replay.log" >"$T/scan.out"; then ok; else
  bad "internal identifiers on the screen:"; sort -u -t: -k3 "$T/scan.out" | head -20; fi
finish
