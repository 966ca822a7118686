# SPDX-License-Identifier: MIT
# tests/e2e/lib.sh - shared set-up of the end-to-end tests: the real peers
# (ra-sim over mutual TLS on loopback, SoftHSM2 tokens, SANE pnm), a kioskd
# configured for them, and helpers to read ra-sim's counters. Sourced by
# the tests; every peer is started by the test and stopped on exit.
set -uo pipefail
B=${KX_BUILD:?}; S=${KX_SOURCE:?}
K="$B/kiosk/ctl/kioskctl"; D="$B/kiosk/engine/kioskd"; SIM="$B/tools/ra-sim/ra-sim"
T=$(mktemp -d /tmp/kx-e2e-XXXXXX); chmod 755 "$T"
export KX_SOCKET="$T/k.sock"
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
SIM_PID=; KD_PID=
e2e_cleanup() {
  [ -n "$KD_PID" ] && kill "$KD_PID" 2>/dev/null && wait "$KD_PID" 2>/dev/null
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  if [ "${KX_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap e2e_cleanup EXIT

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
ra() { # METHOD PATH [JSON]
  curl -sf --cacert "$T/sim/ca.pem" --cert "$T/sim/kiosk.pem" --key "$T/sim/kiosk.key" \
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
kioskd_stop() { [ -n "$KD_PID" ] && kill "$KD_PID" 2>/dev/null && wait "$KD_PID" 2>/dev/null; KD_PID=; }
# run a flow script (from stdin), failing the check on error
flow() { # NAME < script
  cat > "$T/$1.flow"
  if "$K" run-flow "$T/$1.flow" >"$T/$1.out" 2>"$T/$1.err"; then ok; else
    bad "flow $1"; cat "$T/$1.err"; tail -15 "$T/kioskd.log"; fi
}

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
IDSIM_PID=
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
e2e_cleanup_more() { [ -n "$IDSIM_PID" ] && kill "$IDSIM_PID" 2>/dev/null && wait "$IDSIM_PID" 2>/dev/null; }
trap 'e2e_cleanup_more; e2e_cleanup' EXIT

# The straight path of a new issuance (no detours), in segments because the
# scanner's page changes between them. Needs the set-up of new.sh: docs,
# SANE pnm, idcard-sim, a blank token. Returns non-zero at the first
# segment that fails (e.g. when kioskd is killed at a crash point).
new_issuance_flow() {
  local q=${1:-1}  # quiet: do not count failures
  seg() { cat > "$T/seg.flow"; "$K" run-flow "$T/seg.flow" >"$T/seg.out" 2>"$T/seg.err"; }
  page licence
  seg <<'FLOW' || return 1
send choose_service service=new
expect screen=licence_place
send confirm
expect timeout=30 screen=company_confirm
send confirm
expect timeout=10 screen=agent_confirm
send confirm
expect screen=doc_place doc=agent_id_front
FLOW
  page id_front
  seg <<'FLOW' || return 1
send confirm
expect timeout=30 screen=doc_review
send confirm
expect screen=doc_place doc=agent_id_back
FLOW
  page id_back
  seg <<'FLOW' || return 1
send confirm
expect timeout=30 screen=doc_review
send confirm
expect screen=contact
send contact phone=13800000000 email=""
send confirm
expect screen=seal_place
FLOW
  page seal_ok
  seg <<'FLOW' || return 1
send confirm
expect timeout=30 screen=seal_review state=seal_review
send confirm
expect screen=doc_place doc=auth_letter
FLOW
  page auth
  seg <<FLOW || return 1
send confirm
expect timeout=30 screen=doc_review
send confirm
expect timeout=30 screen=fee_confirm
$FLOW_PIN_NEW_DONE
send confirm
expect screen=home
FLOW
}
# set-up shared by new issuance tests: documents, SANE pnm, idcard-sim
new_issuance_setup() { # CODE
  /usr/bin/python3 "$S/tests/e2e/make_docs.py" "$T/docs" "$1" 2>/dev/null || return 1
  mkdir -p "$T/sane"; printf 'pnm\n' > "$T/sane/dll.conf"
  export SANE_CONFIG_DIR="$T/sane"
}
page() { ln -sfn "$T/docs/$1.ppm" "$T/page.ppm"; }
new_issuance_config() {
  kioskd_config <<CONF
[token]
module = $P11_MODULE
[idcard]
device = $T/idcard
[scanner]
backend = sane
device = pnm:0
resolution = 150
options = filename=$T/page.ppm
CONF
}

# run a flow in segments; "page NAME" lines switch the scanner's page
run_segments() { # NAME [quiet] < script with "page X" separators
  local name=$1 quiet=${2:-} n=0 buf=""
  seg1() {
    if [ -n "$quiet" ]; then
      printf '%s\n' "$buf" > "$T/$name-$n.flow"
      "$K" run-flow "$T/$name-$n.flow" >/dev/null 2>&1
    else
      printf '%s\n' "$buf" | flow "$name-$n"
    fi
  }
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line == page\ * ]]; then
      [ -n "$buf" ] && { seg1 || return 1; }
      n=$((n+1)); buf=""; page "${line#page }"
    else
      buf+="$line"$'\n'
    fi
  done
  [ -z "$buf" ] || seg1
}
fresh() { [ -d "$T/state" ] && [ -n "${PRIVATE_PATTERNS:-}" ] && kiosk_files_clean $PRIVATE_PATTERNS; admin POST /admin/counters/reset >/dev/null; rm -rf "$T/state"; new_issuance_config; kioskd_start; idcard_place; }
# the licence, the ID card, contact and agreement after cert_show
LICENCE_AGENT='send confirm
expect screen=licence_place
page licence
send confirm
expect timeout=30 screen=company_confirm company.uscc=91110000600037341L
send confirm
expect timeout=10 screen=agent_confirm
send confirm
expect screen=contact
send contact phone=13800000000 email=""
send confirm'

# The main path of the services that services.sh and crash_services.sh
# drive, for run_segments ("page X" lines switch the scanner's page). Each
# ends on "done"; the caller adds what follows.
# the agent's ID card copies (front, back), the contact and the agreement
FLOW_ID_CONTACT='page id_front
send confirm
expect timeout=30 screen=doc_review
send confirm
page id_back
send confirm
expect timeout=30 screen=doc_review
send confirm
send contact phone=13800000000 email=""
send confirm'
# from the fee to done for the services that ask for a new PIN
FLOW_PIN_NEW_DONE='send confirm
expect timeout=30 screen=pin_new
send new_pin pin=270513 repeat=270513
expect timeout=30 screen=done'
# renewal by re-proofing (no PIN): the UKEY with its certificate, then the
# licence, the stamped credit-code copy, the ID card; the PIN is reset
FLOW_RENEW_NOPIN="send choose_service service=renew_nopin
expect screen=cert_show
send confirm
expect screen=licence_place
page licence
send confirm
expect timeout=30 screen=company_confirm
send confirm
expect screen=doc_place doc=uscc_copy
page uscc
send confirm
expect timeout=30 screen=doc_review doc=uscc_copy
send confirm
expect timeout=10 screen=agent_confirm
send confirm
$FLOW_ID_CONTACT
expect timeout=30 screen=fee_confirm
$FLOW_PIN_NEW_DONE"
# the new issuance's documents from the licence to the authorisation letter
FLOW_NEW_DOCS="page licence
send confirm
expect timeout=30 screen=company_confirm
send confirm
expect timeout=10 screen=agent_confirm
send confirm
$FLOW_ID_CONTACT
expect screen=seal_place
page seal_ok
send confirm
expect timeout=30 screen=seal_review state=seal_review
send confirm
page auth
send confirm
expect timeout=30 screen=doc_review doc=auth_letter
send confirm"
# reissue onto a blank UKEY: the new issuance's documents and the statement
FLOW_REISSUE="send choose_service service=reissue
expect screen=licence_place
$FLOW_NEW_DOCS
expect screen=doc_place doc=reissue_statement
page stmt
send confirm
expect timeout=30 screen=doc_review doc=reissue_statement
send confirm
expect timeout=30 screen=fee_confirm
$FLOW_PIN_NEW_DONE"
# card swap: the old UKEY (PIN 123456), then a blank one gets the certificate
FLOW_SWAP="send choose_service service=swap
expect screen=cert_show
send confirm
send pin pin=123456
expect timeout=10 screen=licence_place
page licence
send confirm
expect timeout=30 screen=company_confirm
send confirm
expect timeout=10 screen=agent_confirm
send confirm
send contact phone=13800000000 email=\"\"
send confirm
expect timeout=30 screen=fee_confirm fee.fen=10000
$FLOW_PIN_NEW_DONE"
# change of details: the new issuance's documents, a new key on the same UKEY
FLOW_CHANGE="send choose_service service=change
expect screen=cert_show
send confirm
expect screen=licence_place
$FLOW_NEW_DOCS
expect timeout=30 screen=fee_confirm fee.fen=10000
send confirm
expect timeout=30 screen=pin_enter
send pin pin=123456
expect timeout=30 screen=done"

# ---- crash tests (crash.sh, crash_services.sh) ----
# crash_kioskd_start POINT: kioskd that SIGKILLs itself at POINT
# (KX_CRASH_AT=<kind>:<intent|effect|outcome>); the log is marked so that
# crash_recover looks only at this run's lines
CRASH_MARK=0
crash_kioskd_start() {
  CRASH_MARK=0; [ -f "$T/kioskd.log" ] && CRASH_MARK=$(wc -l < "$T/kioskd.log")
  KX_CRASH_AT=$1 kioskd_start
}
# crash_recover POINT: after the flow drove kioskd into POINT, wait for the
# kill, check POINT was the cause, restart kioskd (no crash point) and wait
# until its start-up recovery has finished. Returns 1 (counted as a
# failure) when kioskd did not crash there or does not come back.
crash_recover() {
  local point=$1
  for _ in $(seq 50); do kill -0 "$KD_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$KD_PID" 2>/dev/null; then bad "$point: kioskd did not crash"; kioskd_stop; return 1; fi
  wait "$KD_PID" 2>/dev/null; KD_PID=
  grep -q "engine.crash_point at=$point" < <(tail -n +"$((CRASH_MARK + 1))" "$T/kioskd.log") ||
    { bad "$point: crash point not reached"; tail -5 "$T/kioskd.log"; return 1; }
  kioskd_start || { bad "$point: restart"; return 1; }
  for _ in $(seq 100); do "$K" status 2>/dev/null | grep -q '"recovering":false' && break; sleep 0.1; done
}
# transactions the journal still holds open
open_transactions() { "$K" journal --open | grep -o '"id":' | wc -l; }
# crash_verdict OK WHAT: count the point's verdict, show the log when it failed
crash_verdict() {
  if [ "$1" = 1 ]; then ok; echo "ok   $2"; else bad "$2"; tail -5 "$T/kioskd.log"; fi
}

# kiosk_files_clean PATTERN... - fails the check when a file the kiosk wrote
# (kioskd's log, the journal, the spool: $T/state) contains any pattern (PINs,
# full ID numbers); used after every service (tests/privacy/ checks more).
kiosk_files_clean() {
  local p hits=""
  for p in "$@"; do
    hits+=$(grep -rlaF -- "$p" "$T/state" "$T/kioskd.log" 2>/dev/null | sed "s|\$| ($p)|")
  done
  check "no PIN or full ID number in the kiosk's files${hits:+: $hits}" test -z "$hits"
  local spooled; spooled=$(find "$T/state" -path '*spool*' -type f 2>/dev/null | wc -l)
  check "no scan left in the spool" test "$spooled" = 0
}

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
