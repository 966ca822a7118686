#!/usr/bin/env bash
# Soak: KX_SOAK_N (default 500) renewals in a row through kioskd against
# the real peers (ra-sim, SoftHSM2, idcard-sim), with the kiosk front end
# connected (dummy video). Prints RSS and open descriptors of kioskd and
# kiosk after the warm-up and at the end: they must not grow.
set -uo pipefail
export KX_BUILD=${KX_BUILD:?} KX_SOURCE=${KX_SOURCE:?}
source "$KX_SOURCE/tests/e2e/lib.sh"
N=${KX_SOAK_N:-500}
sim_start --auto-approve 0 --auto-pay 0 2>/dev/null || exit 1
ukey_with_cert ukey1 123456 || { echo "set-up failed"; exit 1; }
idcard_start >/dev/null || exit 1
kioskd_config <<CONF
[token]
module = $P11_MODULE
[idcard]
device = $T/idcard
[rules]
renew_window_days = 366
CONF
kioskd_start || exit 1
SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software "$KX_BUILD/kiosk/ui/kiosk" --socket "$T/k.sock" \
  2>/dev/null & UI=$!
trap 'kill $UI 2>/dev/null; e2e_cleanup_more; e2e_cleanup' EXIT
cat > "$T/r.flow" <<'FLOW'
send choose_service service=renew
expect screen=cert_show
send confirm
expect screen=pin_enter
send pin pin=123456
expect timeout=30 screen=agent_confirm
send confirm
expect screen=contact
send contact phone=13800000000 email=""
expect screen=agreement
send confirm
expect screen=fee_confirm
send confirm
expect timeout=60 screen=done
send confirm
expect screen=home
FLOW
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
failures=0; t0=$(date +%s)
for i in $(seq "$N"); do
  idcard_place
  "$K" run-flow "$T/r.flow" >/dev/null 2>"$T/r.err" || { failures=$((failures+1)); tail -2 "$T/r.err"; }
  if [ "$i" = 20 ]; then w_rss=$(rss "$KD_PID"); w_fd=$(fds "$KD_PID"); u_rss=$(rss "$UI"); u_fd=$(fds "$UI"); fi
  case $i in 20|50|100|200|300|500|750|1000|1500|2000)
    echo "soak checkpoint $i: kioskd RSS $(rss "$KD_PID") kB fds $(fds "$KD_PID"); kiosk RSS $(rss "$UI") kB fds $(fds "$UI")" ;;
  esac
done
t1=$(date +%s)
echo "soak: $N renewals in $((t1-t0)) s, $failures failed, ra-sim renewals $(counter certs_renewed)  (command: KX_SOAK_N=$N bench/run soak)"
echo "soak kioskd: RSS ${w_rss} kB after 20 -> $(rss "$KD_PID") kB after $N; fds ${w_fd} -> $(fds "$KD_PID")"
echo "soak kiosk:  RSS ${u_rss} kB after 20 -> $(rss "$UI") kB after $N; fds ${u_fd} -> $(fds "$UI")"
echo "soak token: certificates on the UKEY at the end: $(ukey_certs ukey1)"
