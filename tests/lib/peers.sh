# SPDX-License-Identifier: MIT
# tests/lib/peers.sh - the real peers a test starts for itself and stops on
# exit: ra-sim over mutual TLS on loopback, SoftHSM2 tokens standing for
# UKEYs, idcard-sim on a pty, and a kioskd configured for them; helpers to
# read ra-sim's counters, the journal and the tokens. Sourced (after
# setting nothing: it needs only KX_BUILD and KX_SOURCE from ctest); sources
# check.sh. Never kills a process it did not start.
#   $B $S        build and source trees      $T  this test's scratch dir
#   $K $D $SIM   kioskctl, kioskd, ra-sim    KX_KEEP=1 keeps $T
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"
B=${KX_BUILD:?}; S=${KX_SOURCE:?}
K="$B/kiosk/ctl/kioskctl"; D="$B/kiosk/engine/kioskd"; SIM="$B/tools/ra-sim/ra-sim"
T=$(mktemp -d /tmp/kx-e2e-XXXXXX); chmod 755 "$T"
export KX_SOCKET="$T/k.sock"
SIM_PID=; KD_PID=; IDSIM_PID=
e2e_cleanup() {
  [ -n "$KD_PID" ] && kill "$KD_PID" 2>/dev/null && wait "$KD_PID" 2>/dev/null
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  if [ "${KX_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
e2e_cleanup_more() { [ -n "$IDSIM_PID" ] && kill "$IDSIM_PID" 2>/dev/null && wait "$IDSIM_PID" 2>/dev/null; }
trap 'e2e_cleanup_more; e2e_cleanup' EXIT
# ra-sim with its own state; ARGS are extra options (--auto-approve 0 ...)
sim_start() {
  "$SIM" --state "$T/sim" --port 0 --port-file "$T/sim.port" \
    --admin-port-file "$T/sim.admin" "$@" 2>>"$T/sim.log" & SIM_PID=$!
  for _ in $(seq 100); do [ -s "$T/sim.port" ] && [ -s "$T/sim.admin" ] && return 0; sleep 0.05; done
  echo "ra-sim did not start"; cat "$T/sim.log"; return 1
}
admin() { # METHOD PATH [JSON]
  curl -sf -X "$1" "http://127.0.0.1:$(cat "$T/sim.admin")$2" ${3:+-d "$3"}
}
counter() { admin GET /admin/counters | /usr/bin/python3 -c "import sys,json; print(json.load(sys.stdin).get('$1',0))"; }
# direct RA API calls with the kiosk's client certificate (test set-up only)
# (set-up calls carry one idempotency key, so curl may retry them safely:
# a crash test once lost a set-up to one failed call)
ra() { # METHOD PATH [JSON]
  curl -sf --retry 2 --retry-all-errors --retry-delay 1 --cacert "$T/sim/ca.pem" --cert "$T/sim/kiosk.pem" --key "$T/sim/kiosk.key" \
    -H "Idempotency-Key: setup-$RANDOM$RANDOM" -H 'Content-Type: application/json' \
    -X "$1" "https://127.0.0.1:$(cat "$T/sim.port")$2" ${3:+-d "$3"}
}

# SoftHSM2 with its own token directory
export SOFTHSM2_CONF="$T/softhsm2.conf"
P11_MODULE=/usr/lib/softhsm/libsofthsm2.so
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s/tokens/\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" > "$SOFTHSM2_CONF"
token_init() { # LABEL PIN [SO_PIN]
  softhsm2-util --init-token --free --label "$1" --so-pin "${3:-12345678}" --pin "$2" >/dev/null
}
token_serial() { # LABEL
  pkcs11-tool --module "$P11_MODULE" -L 2>/dev/null | awk -v l="$1" '
    /token label/ {found = index($0, l) > 0} found && /serial num/ {print $NF; exit}'
}
p11() { pkcs11-tool --module "$P11_MODULE" "$@"; }

# kioskd with the peers above; extra config lines on stdin
kioskd_config() {
  cat > "$T/k.conf" <<CONF
[kiosk]
id = KIOSK-E2E
state_dir = $T/state
[engine]
socket = $T/k.sock
timeout_percent = 100
poll_ms = 50
[ra]
url = https://127.0.0.1:$(cat "$T/sim.port")
ca_file = $T/sim/ca.pem
cert_file = $T/sim/kiosk.pem
key_file = $T/sim/kiosk.key
deadline_ms = 10000
CONF
  cat >> "$T/k.conf"
}
kioskd_start() {
  "$D" --config "$T/k.conf" 2>>"$T/kioskd.log" & KD_PID=$!
  for _ in $(seq 100); do
    [ -S "$T/k.sock" ] && "$K" status >/dev/null 2>&1 && return 0
    kill -0 "$KD_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "kioskd did not start"; tail -20 "$T/kioskd.log"; return 1
}
# the state kioskd publishes now: one hello on its socket as the screen,
# the first state line it answers
state_now() {
  /usr/bin/python3 - "$T/k.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
f.write(json.dumps({"v": 1, "type": "hello", "versions": [1], "role": "ui", "client": "test", "seq": 1}) + "\n"); f.flush()
for line in f:
    m = json.loads(line)
    if m.get("type") == "state":
        print(line.strip()); break
PY
}
kioskd_stop() { [ -n "$KD_PID" ] && kill "$KD_PID" 2>/dev/null && wait "$KD_PID" 2>/dev/null; KD_PID=; }

# An enterprise certificate issued by ra-sim, put on a SoftHSM token as a
# hall's UKEY would hold it (key pair and certificate under CKA_ID 01).
# ukey_with_cert LABEL PIN [CREDIT_CODE]
ukey_with_cert() {
  local label=$1 pin=$2 code=${3:-91110000600037341L} d="$T/ukey-$1"
  mkdir -p "$d"; token_init "$label" "$pin"
  local agreed; agreed=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)
  local c o
  c=$(ra POST /v1/cases "{\"service\":\"new\",\"credit_code\":\"$code\",\"company_name\":\"Example Electronics Co., Ltd.\",\"agent\":{\"name\":\"Set Up\",\"id_number\":\"360426199101010071\"},\"phone\":\"13800000000\",\"email\":\"\",\"agreement_accepted_at\":\"$agreed\"}" | jget case_id) || return 1
  ra POST "/v1/cases/$c/submit" '{}' >/dev/null || return 1
  admin POST "/admin/cases/$c/approve" >/dev/null || true  # unless --auto-approve did
  o=$(ra POST "/v1/cases/$c/orders" '{}' | jget order_id) || return 1
  admin POST "/admin/orders/$o/pay" >/dev/null || true  # unless --auto-pay did
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/k.pem" 2>/dev/null
  openssl pkey -in "$d/k.pem" -pubout -out "$d/pub.pem" 2>/dev/null
  openssl req -new -key "$d/k.pem" -subj /CN=x -out "$d/csr.pem" 2>/dev/null
  /usr/bin/python3 -c 'import json,sys; print(json.dumps({"csr": open(sys.argv[1]).read()}))' "$d/csr.pem" > "$d/csr.json"
  ra POST "/v1/cases/$c/certificate" "@$d/csr.json" | jget certificate > "$d/cert.pem" || return 1
  openssl x509 -in "$d/cert.pem" -outform DER -out "$d/cert.der" || return 1
  local p="p11 --token-label $label --login --pin $pin"
  $p --write-object "$d/k.pem" --type privkey --id 01 --label kx-cert >/dev/null 2>&1 &&
  $p --write-object "$d/pub.pem" --type pubkey --id 01 --label kx-cert >/dev/null 2>&1 &&
  $p --write-object "$d/cert.der" --type cert --id 01 --label kx-cert >/dev/null 2>&1 || return 1
  openssl x509 -in "$d/cert.pem" -noout -serial | cut -d= -f2 | tr A-F a-f > "$d/serial"
}
jget() { /usr/bin/python3 -c "import sys,json; print(json.load(sys.stdin)['$1'])"; }
# certificates on a token: "serial subject" lines
ukey_certs() { # LABEL
  local i=0
  p11 --token-label "$1" -O --type cert 2>/dev/null | awk '/^Certificate Object/ {n++} END {print n+0}'
}

# serials of the certificates on a token, lower-case hex without leading
# zeros (as the RA and openssl print them), one a line
ukey_serials() { # LABEL
  p11 --token-label "$1" -O --type cert 2>/dev/null |
    awk '/^ *serial:/ {s = tolower($2); sub(/^0+/, "", s); print s}'
}

# the agent's ID card on idcard-sim (a pty speaking GA 467); placed once
idcard_start() { # [ID_NUMBER] [BIRTH] [VALID_TO]
  cat > "$T/card.json" <<CARD
{"name":"张三","sex":"M","nation_code":"01","birth":"${2:-1991-01-01}","address":"江西省南昌市红谷滩区卧龙路1000号","id_number":"${1:-360426199101010071}","authority":"南昌市公安局","valid_from":"2020-01-01","valid_to":"${3:-long_term}"}
CARD
  "$B/tools/idcard-sim/idcard-sim" --card "$T/card.json" --link "$T/idcard" \
    --control "$T/idcard.ctl" 2>>"$T/idcard.log" & IDSIM_PID=$!
  for _ in $(seq 100); do [ -e "$T/idcard" ] && return 0; sleep 0.05; done
  echo "idcard-sim did not start"; cat "$T/idcard.log"; return 1
}
idcard_place() { kill -USR1 "$IDSIM_PID"; }

# a query on kioskd's journal (state_dir/journal.db), rows as "a|b" lines
journal_sql() { /usr/bin/python3 -c 'import sqlite3,sys; print("\n".join("|".join(map(str,r)) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$T/state/journal.db" "$1"; }
# a field of an RA case as ra-sim reports it
case_field() { ra GET "/v1/cases/$1" | jget "$2"; }

# a staff UKEY (tests of [staff:ID] token_cert_sha256): KEY (PEM) and its
# certificate CERT (DER) on a new token, under CKA_ID 02
staff_token() { # LABEL PIN KEY CERT
  token_init "$1" "$2"
  local p="p11 --token-label $1 --login --pin $2"
  openssl pkey -in "$3" -pubout -out "$3.pub" 2>/dev/null &&
  $p --write-object "$3" --type privkey --id 02 --label staff >/dev/null 2>&1 &&
  $p --write-object "$3.pub" --type pubkey --id 02 --label staff >/dev/null 2>&1 &&
  $p --write-object "$4" --type cert --id 02 --label staff >/dev/null 2>&1
}
