#!/usr/bin/env bash
# Kiosk front end: frame time p50/p99 at 1080x1920 (software renderer, the
# slowest path) while a CPU-bound background job runs (RSA-3072 key
# generation in a loop, like kioskd generating keys), time to the first
# frame against a running kioskd, and peak RSS.
set -euo pipefail
K="$KX_BUILD/kiosk/ui/kiosk"; D="$KX_BUILD/kiosk/engine/kioskd"
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=warn
T=$(mktemp -d /tmp/kx-bench-ui-XXXXXX); chmod 755 "$T"
BG=; DP=
cleanup() { [ -n "$BG" ] && kill "$BG" 2>/dev/null; [ -n "$DP" ] && kill "$DP" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# background job on one of the cores for the whole frame measurement
( while :; do openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 >/dev/null 2>&1; done ) &
BG=$!
for screen in busy review_wait home pin_enter payment; do
  r=$("$K" --bench 600 --only "$screen")
  echo "frame time, $screen screen, 1080x1920, keygen running: $r  (command: bench/run ui; kiosk --bench 600 --only $screen)"
done
r=$("$K" --bench 1170)
echo "frame time, all 39 canned screens cycling (a new screen every 30 frames), keygen running: $r  (command: kiosk --bench 1170)"
r=$("$K" --bench 1170 --orientation landscape)
echo "frame time, same in landscape 1920x1080: $r  (command: kiosk --bench 1170 --orientation landscape)"
kill "$BG"; BG=

# time to first frame: process start to the first presented frame, with
# kioskd up (the home screen)
printf '[kiosk]\nstate_dir = %s/state\n[engine]\nsocket = %s/k.sock\nui_users = root\n' "$T" "$T" > "$T/k.conf"
"$D" --config "$T/k.conf" 2>/dev/null & DP=$!
for _ in $(seq 50); do [ -S "$T/k.sock" ] && break; sleep 0.1; done; sleep 0.2
printf 'wait screen=home timeout=10\n' > "$T/home.tap"
best=
for _ in 1 2 3 4 5; do
  ms=$(KX_UI_T0_NS=$(date +%s%N) "$K" --windowed --socket "$T/k.sock" --script "$T/home.tap" 2>&1 |
       awk '/^first_frame_ms/{print $2}')
  best="$best $ms"
done
echo "time to first frame (5 runs, ms):$best  (command: KX_UI_T0_NS=\$(date +%s%N) kiosk --windowed --script home.tap)"
rss=$(/usr/bin/time -f %M "$K" --windowed --socket "$T/k.sock" --script "$T/home.tap" 2>&1 >/dev/null | tail -1)
echo "peak RSS, start to home screen: $((rss / 1024)) MiB  (command: /usr/bin/time -f %M kiosk --windowed --script home.tap)"
