#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# voice-build.sh KIOSK OUTDIR LOCALEDIR - the default spoken prompts: for
# zh_CN (espeak-ng voice cmn) and en (voice en), every prompt text of
# kiosk/ui/voice.c, translated (kiosk --voice-texts LANG), synthesised into
# OUTDIR/<lang>/<screen>.wav (22050 Hz mono 16-bit). Run by the build; a
# hall replaces any file with a recording of its own ([voice] dir).
set -euo pipefail
kiosk=$1 out=$2 localedir=$3
command -v espeak-ng >/dev/null || { echo "voice-build: espeak-ng is not installed" >&2; exit 1; }
export KX_LOCALEDIR=$localedir ASAN_OPTIONS=detect_leaks=0 KX_LOG_LEVEL=error
for lang in zh_CN en; do
  case $lang in zh_CN) voice=cmn ;; *) voice=en ;; esac
  mkdir -p "$out/$lang"
  n=0
  while IFS=$'\t' read -r screen text; do
    [ -n "$screen" ] || continue
    espeak-ng -v "$voice" -s 150 -w "$out/$lang/$screen.wav.tmp" -- "$text"
    mv "$out/$lang/$screen.wav.tmp" "$out/$lang/$screen.wav"
    n=$((n + 1))
  done < <("$kiosk" --voice-texts "$lang")
  [ "$n" -ge 20 ] || { echo "voice-build: only $n prompts for $lang" >&2; exit 1; }
done
