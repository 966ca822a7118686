#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak: KX_SOAK_N (default 500) renewals in a row through kioskd against
# the real peers (ra-sim, SoftHSM2; a renewal with the PIN reads no ID
# card), with the kiosk front end
# connected (dummy video). Prints RSS and open descriptors of kioskd and
# kiosk after the warm-up and at the end: they must not grow. The last
# line gives kioskd's growth per renewal over the second half of the run
# (a leak or an unbounded cache shows there; warm-up does not).
set -uo pipefail
export KX_BUILD=${KX_BUILD:?} KX_SOURCE=${KX_SOURCE:?}
source "$KX_SOURCE/tests/e2e/lib.sh"
N=${KX_SOAK_N:-500}
sim_start --auto-approve 0 --auto-pay 0 2>/dev/null || exit 1
ukey_with_cert ukey1 123456 || { echo "set-up failed"; exit 1; }
kioskd_config <<CONF
[token]
module = $P11_MODULE
[rules]
renew_window_days = 366
CONF
# KX_SOAK_HEAPTRACK=PREFIX: kioskd runs under heaptrack (its data in
# PREFIX.zst: heaptrack_print -f PREFIX.zst -M FILE gives the heap over
# time); the RSS figures then include heaptrack's own
if [ -n "${KX_SOAK_HEAPTRACK:-}" ]; then
  printf '#!/bin/sh\nexec heaptrack -o "%s" "%s" "$@"\n' "$KX_SOAK_HEAPTRACK" "$D" > "$T/kioskd-ht"
  chmod +x "$T/kioskd-ht"; D="$T/kioskd-ht"
fi
kioskd_start || exit 1
KD=$KD_PID  # kioskd itself (under heaptrack, the wrapper's child)
[ -n "${KX_SOAK_HEAPTRACK:-}" ] && KD=$(pgrep -P "$KD_PID" -x kioskd)
SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software "$KX_BUILD/kiosk/ui/kiosk" --socket "$T/k.sock" \
  2>/dev/null & UI=$!
trap 'kill $UI 2>/dev/null; e2e_cleanup_more; e2e_cleanup' EXIT
flow_text renew/pin_done > "$T/r.flow"
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
failures=0; t0=$(date +%s)
for i in $(seq "$N"); do
  "$K" run-flow "$T/r.flow" >/dev/null 2>"$T/r.err" || { failures=$((failures+1)); tail -2 "$T/r.err"; }
  if [ "$i" = 20 ]; then w_rss=$(rss "$KD"); w_fd=$(fds "$KD"); u_rss=$(rss "$UI"); u_fd=$(fds "$UI"); fi
  [ "$i" = $((N / 2)) ] && h_rss=$(rss "$KD")
  case $i in 20|50|100|200|300|500|750|1000|1500|2000)
    echo "soak checkpoint $i: kioskd RSS $(rss "$KD") kB fds $(fds "$KD"); kiosk RSS $(rss "$UI") kB fds $(fds "$UI")" ;;
  esac
done
t1=$(date +%s)
e_rss=$(rss "$KD"); e_fd=$(fds "$KD")
if [ -n "${KX_SOAK_HEAPTRACK:-}" ]; then  # a clean exit lets heaptrack write its data
  kill "$KD"; wait "$KD_PID"; KD_PID=
fi
echo "soak: $N renewals in $((t1-t0)) s, $failures failed, ra-sim renewals $(counter certs_renewed)  (command: KX_SOAK_N=$N bench/run soak)"
echo "soak kioskd: RSS ${w_rss} kB after 20 -> ${e_rss} kB after $N; fds ${w_fd} -> ${e_fd}"
echo "soak kiosk:  RSS ${u_rss} kB after 20 -> $(rss "$UI") kB after $N; fds ${u_fd} -> $(fds "$UI")"
echo "soak token: certificates on the UKEY at the end: $(ukey_certs ukey1)"
[ "$N" -ge 2 ] && echo "soak kioskd growth over renewals $((N / 2))..$N: $(( (e_rss - h_rss) * 1024 / (N - N / 2) )) bytes per renewal"
