#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The front end through a whole renewal, by taps only: the real kiosk
# (dummy video, software renderer) against the real kioskd with a SoftHSM2
# UKEY holding an ra-sim certificate and ra-sim over mutual TLS
# (tests/e2e/lib.sh). The UKEY and its PIN are all a renewal takes: no ID
# reader is configured and no contact details are asked for; the PIN leads
# straight to the agreement. The PIN is typed on the shuffled keypad (keys
# are found by their digit, wherever the shuffle put them), a wrong PIN
# first.
# Then a session abandoned after the UKEY was read must end with the
# take-your-UKEY reminder on the home screen. PINs reach no log.
source "$KX_SOURCE/tests/e2e/lib.sh"
KIOSK="$B/kiosk/ui/kiosk"
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=info
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert ukey1 123456 || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
kioskd_config <<CONF
[token]
module = $P11_MODULE
[engine]
ui_users = root
CONF
kioskd_start || exit 1
ui() { "$KIOSK" --windowed --socket "$T/k.sock" --script "$1" 2>"$T/ui-$2.log"; }

cat > "$T/renew.tap" <<'TAP'
wait screen=home timeout=10
tap service_renew
wait screen=cert_show timeout=30
tap primary
wait screen=pin_enter
type 654321
tap key_ok
wait screen=error timeout=30
tap primary
wait screen=pin_enter
type 123456
tap key_ok
wait screen=agreement timeout=30
tap page_next
tap page_next
tap page_prev
tap primary
wait screen=fee_confirm timeout=30
tap primary
wait screen=done timeout=60
tap primary
wait screen=home
TAP
if ui "$T/renew.tap" renew; then ok; else bad "renewal by taps"; tail -5 "$T/ui-renew.log"; tail -5 "$T/kioskd.log"; fi
check "one certificate renewed" test "$(counter certs_renewed)" = 1
check "the PINs are not in the UI's log" bash -c "! grep -qE '654321|123456' '$T/ui-renew.log'"
check "the PINs are not in kioskd's log" bash -c "! grep -qE '654321|123456' '$T/kioskd.log'"

# abandoned after the UKEY was read: cancel, back home, the reminder is up
cat > "$T/abandon.tap" <<'TAP'
wait screen=home timeout=10
tap service_renew
wait screen=cert_show timeout=30
tap cancel
tap end_session
wait screen=cancelled timeout=30
tap primary
wait screen=home timeout=10
tap reminder_ok
TAP
if ui "$T/abandon.tap" abandon; then ok; else bad "take-your-UKEY reminder after cancel"; tail -5 "$T/ui-abandon.log"; fi
finish
