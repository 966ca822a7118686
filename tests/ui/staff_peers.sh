#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Staff at the kiosk's screen against the real peers (ra-sim over mutual
# TLS, SoftHSM2): the real front end (dummy video) driven by a
# tap script while kioskctl plays the customer.
#  - a renewal waits at the payment screen; a member logs in through the
#    hidden gesture and records a payment taken at the counter (card,
#    receipt number typed on the keypad, a preset reason, the member's PIN
#    again); the RA's order
#    is paid with channel "counter", the renewal finishes, and the staff
#    action is recorded with its reason, receipt and amount;
#  - a member logs in with a staff UKEY (the token's PIN on the screen, a
#    signature over kioskd's challenge) and ends assisted mode.
source "$KX_SOURCE/tests/e2e/lib.sh"
KIOSK="$B/kiosk/ui/kiosk"
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software
sim_start --validity-days 30 --auto-approve 0 || exit 1
ukey_with_cert ukey1 123456 || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
STAFF_PIN=246813; TOKEN_PIN=719246
H1=$(echo $STAFF_PIN | "$K" staff-hash | jget pin_hash)
# the staff UKEY: a P-256 key and its certificate under CKA_ID 02
openssl ecparam -name prime256v1 -genkey -noout -out "$T/staff.key" 2>/dev/null
openssl req -x509 -new -key "$T/staff.key" -subj "/CN=Staff 2001" -days 30 -out "$T/staff.pem" 2>/dev/null
openssl x509 -in "$T/staff.pem" -outform DER -out "$T/staff.der"
FP=$(openssl x509 -in "$T/staff.pem" -noout -fingerprint -sha256 | cut -d= -f2)
kioskd_config <<CONF
[token]
module = $P11_MODULE
[staff]
idle_seconds = 300
[staff:1001]
name = Wang Fang
role = staff
pin_hash = $H1
[staff:2001]
name = Token Holder
role = staff
token_cert_sha256 = $FP
CONF
kioskd_start || exit 1
sql() { sqlite3 "$T/state/journal.db" "$1"; }
GESTURE=$(printf 'tap staff_corner\n%.0s' 1 2 3 4 5)
ui() { "$KIOSK" --windowed --socket "$T/k.sock" --script "$1" 2>"$T/ui.log"; }

# ---- the customer reaches the payment screen (UKEY and PIN only) ----
flow renew-to-payment <<<"$(flow_text renew/pin_to_payment)"
ORDER=$(sql "SELECT result FROM tx WHERE kind='order_create' AND status=1 ORDER BY id DESC LIMIT 1")
cat > "$T/counter.tap" <<TAP
wait screen=payment timeout=30
$GESTURE
wait screen=staff_login
type 1001
tap key_ok
type $STAFF_PIN
tap key_ok
wait screen=staff_panel
tap staff_counter_paid
wait screen=staff_counter_paid
tap method_card
type 20260042
tap key_dash
type 7
tap staff_primary
wait screen=staff_reason
tap reason_1
tap staff_primary
wait screen=staff_reauth
type $STAFF_PIN
tap key_ok
wait screen=done timeout=60
TAP
if ui "$T/counter.tap"; then ok; else bad "counter payment tap script"; grep 'tap script' "$T/ui.log"; fi
check "the RA's order was paid at the counter" test "$(ra GET "/v1/orders/$ORDER" | jget channel)" = counter
check "one counter payment at the RA" test "$(counter counter_payments)" = 1
check "the renewal finished" test "$(counter certs_renewed)" = 1
got=$(sql "SELECT staff_id||'|'||outcome||'|'||reason||'|'||detail FROM staff_actions WHERE action='counter_paid'")
# the reason is recorded as shown, in the session's language (zh_CN here)
want="1001|ok|付款码无法扫描。|order=$ORDER amount_fen=30000 method=card receipt=20260042-7"
[ "$got" = "$want" ] && ok || bad "staff action recorded with the reason, card and receipt: '$got'"
flow finish <<'FLOW'
expect screen=done
send confirm
expect screen=home
FLOW
"$K" staff-logout >/dev/null

# ---- a staff UKEY at the screen ----
# SoftHSM2 reads its tokens only in C_Initialize, so kioskd is restarted
# to see the staff UKEY made now.
kioskd_stop
staff_token staff1 $TOKEN_PIN "$T/staff.key" "$T/staff.der" || bad "set-up: staff token"
kioskd_start || bad "kioskd restart with the staff UKEY"
cat > "$T/token.tap" <<TAP
wait screen=home timeout=30
$GESTURE
wait screen=staff_login
tap staff_primary
type 000000
tap key_ok
sleep 1500
wait screen=staff_login
type $TOKEN_PIN
tap key_ok
wait screen=staff_panel timeout=20
tap staff_logout
sleep 800
wait screen=home
TAP
if ui "$T/token.tap"; then ok; else bad "staff UKEY tap script"; grep 'tap script' "$T/ui.log"; fi
check "the wrong token PIN from the screen was refused and recorded" test \
  "$(sql "SELECT count(*) FROM staff_actions WHERE action='login' AND staff_id='2001' AND outcome!='ok' AND detail LIKE 'method=token%'")" = 1
check "the staff UKEY login from the screen was recorded" test \
  "$(sql "SELECT count(*) FROM staff_actions WHERE action='login' AND staff_id='2001' AND outcome='ok' AND detail LIKE 'method=token%'")" = 1
check "assisted mode ended from the screen" test \
  "$(sql "SELECT count(*) FROM staff_actions WHERE action='logout' AND staff_id='2001'")" -ge 1
# a staff UKEY left in the reader is never taken for the customer's: with
# both present (SoftHSM2's slot order varies between module loads, and the
# module is reloaded for every session), each renewal shows the customer's
for i in 1 2 3 4; do
  flow "staff-ukey-ignored-$i" <<'FLOW'
send choose_service service=renew
expect timeout=30 screen=cert_show cert.uscc=91110000600037341L
send cancel
expect timeout=30 screen=cancelled
send confirm
expect timeout=30 screen=home
FLOW
done
check "no PIN in the logs" bash -c "! grep -qE '$STAFF_PIN|$TOKEN_PIN' '$T/ui.log' '$T/kioskd.log'"
finish
