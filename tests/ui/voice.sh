#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Voice guidance (issue 21): the real kiosk against the real kioskd, with
# SDL's file-writing audio driver (SDL_AUDIODRIVER=disk) standing for the
# speakers. Every screen change says its prompt in the session's language
# (the build's espeak-ng files), a tap cuts a prompt short, prompts never
# overlap, the speaker in the header mutes the rest of the session and the
# next session speaks again. The sound itself is checked: the samples
# written are split into bursts of sound between silences.
set -uo pipefail
export KX_LOG_LEVEL=info
UI_NAME=voice source "${KX_SOURCE:?}/tests/lib/ui_kiosk.sh"
start || exit 1

# the prompts the build made: every one of them, in both languages
for lang in zh_CN en; do
  n=$(ls "$B/voice/$lang"/*.wav 2>/dev/null | wc -l)
  check "$lang: the build made the prompts ($n)" test "$n" -ge 25
done
# what is said carries no data: no digits, no {placeholder}
KX_LOCALEDIR="$B/locale" "$KIOSK" --voice-texts zh_CN >"$T/texts.zh" 2>/dev/null
check "prompt texts translated" grep -q $'^pin_enter\t请' "$T/texts.zh"
check "no data in any prompt" bash -c "! cut -f2 '$T/texts.zh' | grep -q '[0-9{]'"

# home's prompt is two sentences (~1.8 s, a pause, ~4.5 s): a tap 1.2 s in
# must silence the second; a screen's whole prompt then plays to its end
cat > "$T/voice.tap" <<'TAP'
wait screen=home timeout=10
sleep 1200
tap lang
sleep 1500
tap lang
tap service_revoke
wait screen=revoke_method
sleep 5500
tap cancel
sleep 1500
tap end_session
wait screen=cancelled
sleep 4000
tap primary
wait screen=home
sleep 1000
tap lang
tap service_revoke
wait screen=revoke_method
sleep 300
tap voice_mute
tap cancel
tap end_session
wait screen=cancelled
sleep 1500
tap primary
wait screen=home
sleep 3000
TAP
if SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE="$T/audio.raw" \
   "$KIOSK" --windowed --socket "$T/k.sock" --script "$T/voice.tap" 2>"$T/ui.log"; then ok; else
  bad "voice tap script"; grep -E 'tap script|voice' "$T/ui.log" | tail -5; fi
said() { grep -o 'ui.voice screen=[a-z_]* lang=[a-zA-Z_]*' "$T/ui.log" | sed 's/ui.voice //'; }
said > "$T/said"
check "the device was the disk driver" grep -q 'ui.voice_on driver=disk' "$T/ui.log"
want="screen=home lang=zh_CN
screen=revoke_method lang=zh_CN
screen=cancelled lang=zh_CN
screen=home lang=zh_CN
screen=revoke_method lang=en
screen=home lang=zh_CN"
check "each screen change spoke, in the session's language; muted after the speaker" \
  test "$(cat "$T/said")" = "$want"
[ "$(cat "$T/said")" = "$want" ] || { echo "said:"; cat "$T/said"; }
check "taps cut the prompts short" test "$(grep -c 'ui.voice_cut' "$T/ui.log")" -ge 2
# the sound: bursts of samples above the noise floor, 0.25 s of silence apart
/usr/bin/python3 - "$T/audio.raw" "$B/voice/zh_CN/revoke_method.wav" >"$T/bursts" <<'PY'
import array, sys, wave
data = open(sys.argv[1], "rb").read()
raw = array.array("h", data[: len(data) // 2 * 2])
rate = 22050
with wave.open(sys.argv[2]) as w:
    full = w.getnframes() / w.getframerate()
bursts, start, quiet = [], None, 0
for i in range(0, len(raw), 220):            # 10 ms blocks
    loud = max(abs(x) for x in raw[i:i + 220]) > 300
    if loud:
        if start is None:
            start = i
        quiet = 0
    elif start is not None:
        quiet += 1
        if quiet >= 25:
            bursts.append((start / rate, (i - quiet * 220 - start) / rate))
            start, quiet = None, 0
if start is not None:
    bursts.append((start / rate, (len(raw) - start) / rate))
print(len(bursts), "%.2f" % full, " ".join("%.2f+%.2f" % b for b in bursts))
PY
read -r nb full rest < "$T/bursts"; echo "bursts (start+length s): $rest"
check "sound was written for the spoken screens (bursts: $nb)" test "${nb:-0}" -ge 5
# the home prompt was cut 1.2 s in: its first burst is short and nothing
# follows until the next screen's prompt (uncut, its second sentence would
# start 0.45 s after the first)
read -r s1 l1 s2 _ <<<"$(tr ' ' '\n' <<<"$rest" | head -2 | tr '+\n' '  ')"
check "the tap cut the prompt (burst ${l1}s, then silence until ${s2}s)" \
  /usr/bin/python3 -c "import sys; s1,l1,s2=map(float,'${s1:-0} ${l1:-9} ${s2:-0}'.split()); sys.exit(0 if l1 < 1.5 and s2 - (s1 + l1) > 0.9 else 1)"
# the whole revoke_method prompt played (the second burst, about its length)
l2=$(tr ' ' '\n' <<<"$rest" | sed -n 2p | cut -d+ -f2)
check "a prompt not cut plays whole (${l2}s of ${full}s)" \
  /usr/bin/python3 -c "import sys; sys.exit(0 if float('${l2:-0}') > float('${full:-9}') - 1.0 else 1)"
check "no PIN in the UI's log" bash -c "! grep -q 'pin=' '$T/ui.log'"
finish
