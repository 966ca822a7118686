#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Insertion and removal events from kx_token_poll_event on SoftHSM2: a token
# present at start, a second one initialised mid-test (two at once), then
# its directory deleted (pulled), each reported once with its serial; with
# two tokens present kx_token_open without a serial says KX_ERR_BUSY.
# SoftHSM2 reads its token directory only in C_Initialize, so the poller
# goes through the shim's "hotplug" (re-initialise while no session is open);
# without it SoftHSM2 never reports the change (checked first).
. "$KX_SOURCE/tests/token/lib.sh"
S1=$(new_token ev1)
"$TOOL" --module "$SOFTHSM" poll 2 2 > "$T/plain" 2>>"$T/log" &
plain=$!
sleep 0.5; S0=$(new_token ev0)
wait "$plain"
check "without hotplug SoftHSM2 shows no new token (why the shim is used)" \
  test "$(cat "$T/plain")" = "$(printf 'inserted %s\ntimeout after 1 events' "$S1")"
rm -rf "$(grep -l "ev0" "$T"/tokens/*/token.object | head -1 | xargs dirname)"
shim hotplug
"$TOOL" --module "$SHIM" poll 20 3 > "$T/events" 2>>"$T/log" &
pid=$!
wait_line() { for _ in $(seq 200); do grep -qx "$1" "$T/events" && return 0; sleep 0.05; done; return 1; }
check "present token reported inserted" wait_line "inserted $S1"
S2=$(new_token ev2)
check "second token reported inserted" wait_line "inserted $S2"
check "two tokens: open without serial is KX_ERR_BUSY" test "$(tool login)" = "error KX_ERR_BUSY"
check "two tokens: open by serial works" tool --serial "$S2" login
dir=$(grep -l "ev2" "$T"/tokens/*/token.object | head -1 | xargs dirname)
rm -rf "$dir"
check "deleted token reported removed" wait_line "removed $S2"
wait "$pid"
check "poll saw exactly three events" test "$(wc -l < "$T/events")" = 3
check "the first token is still there" tool --serial "$S1" login
check "kioskctl token list shows one token" sh -c \
  "'$CTL' token list --module $SOFTHSM 2>/dev/null | grep -q '\"count\":1,.*\"serial\":\"$S1\"'"
finish
