#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ra-sim as a program and kioskctl ra-check against it: --help documents
# every endpoint and fault, bad options are refused, state and CA persist
# across restarts, a given CA is used, listeners are loopback only, the DER
# CRL verifies with the openssl command line, ra-check reports a healthy
# link, a wrong CA and an unreachable RA; the renewals need no agent and
# no phone (renew_nopin needs the stamped copy at submit), the other
# services still do; contact numbers follow tests/domain/phones.txt.
set -uo pipefail
SIM="$KX_BUILD/tools/ra-sim/ra-sim"
CTL="$KX_BUILD/kiosk/ctl/kioskctl"
T=$(mktemp -d /tmp/kx-ra-cli-XXXXXX)
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

start() { # start STATE_DIR [extra options]
  local st=$1; shift
  rm -f "$T/port" "$T/admin"
  "$SIM" --state "$st" --port 0 --port-file "$T/port" --admin-port-file "$T/admin" "$@" \
    2>>"$T/sim.log" &
  pid=$!
  for _ in $(seq 100); do [ -s "$T/port" ] && [ -s "$T/admin" ] && break; sleep 0.05; done
  P=$(cat "$T/port" 2>/dev/null); A=$(cat "$T/admin" 2>/dev/null)
}
stop() { [ -n "$pid" ] && kill "$pid" && wait "$pid" 2>/dev/null; pid=""; }
conf() { # conf CA_FILE -> writes $T/k.conf for port $P
  printf '[kiosk]\nid = JXCA-KIOSK-0001\n[ra]\nurl = https://127.0.0.1:%s\nca_file = %s\ncert_file = %s/kiosk.pem\nkey_file = %s/kiosk.key\nmax_attempts = 1\n' \
    "$P" "$1" "$T/st" "$T/st" > "$T/k.conf"
}

# --help documents every endpoint and fault kind
help=$("$SIM" --help)
for word in --server-cert --ca-cert health enterprise case_create case_get case_submit document order_create order_get \
            order_cancel order_refund cert_issue cert_renew cert_get cert_revoke crl crl_der \
            token_unlock latency error reset truncate badjson badtype wrongca --port-file \
            crl_sm2 crl_sm2_der cert_install enterprise_certs seal_make seal_get sm2-ca.pem \
            seal-ec.pem seal-sm2.pem sm2-dual ec-p256 rsa-2048 kmc_envelopes seals_made \
            --admin-port --auto-approve --auto-pay /admin/counters /admin/faults \
            case_staff_approval --staff-approval staff_approval; do
  check "--help mentions $word" grep -q -- "$word" <<<"$help"
done
"$SIM" --bogus >/dev/null 2>&1; check "unknown option exits 2" test $? -eq 2
"$SIM" --state "$T/x" --port 70000 >/dev/null 2>&1; check "bad port exits 2" test $? -eq 2
"$SIM" >/dev/null 2>&1; check "missing --state exits 2" test $? -eq 2
"$SIM" --state "$T/x" --port 0 --fault 'case_create=explode' >/dev/null 2>&1
check "bad fault spec refused" test $? -eq 2

# first start creates the PKI; listeners are on loopback
start "$T/st" --fault 'health=error:503:0*1'
check "port files written" test -n "$P" -a -n "$A"
for f in ca.pem ca.key server.pem kiosk.pem kiosk.key other-ca.pem wrong-server.pem other-kiosk.pem ra.db; do
  check "state has $f" test -s "$T/st/$f"
done
check "kiosk cert chains to the CA" openssl verify -CAfile "$T/st/ca.pem" "$T/st/kiosk.pem"
for f in sm2-ca.pem sm2-ca.key seal-ec.pem seal-ec.key seal-sm2.pem seal-sm2.key; do
  check "state has $f" test -s "$T/st/$f"
done
check "the SM2 CA is SM2-with-SM3" bash -c \
  "openssl x509 -in '$T/st/sm2-ca.pem' -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3'"
check "the SM2 seal maker chains to the SM2 CA (default ID)" openssl verify -CAfile "$T/st/sm2-ca.pem" \
  -vfyopt distid:1234567812345678 "$T/st/seal-sm2.pem"
check "the EC seal maker chains to the CA" openssl verify -CAfile "$T/st/ca.pem" "$T/st/seal-ec.pem"
check "API listens on loopback only" bash -c "ss -ltnH | grep -q '127.0.0.1:$P '"
check "admin listens on loopback only" bash -c "ss -ltnH | grep -q '127.0.0.1:$A '"
check "--fault from the command line is armed" bash -c \
  "curl -s 127.0.0.1:$A/admin/faults | grep -q '\"kind\":\"error\"'"
C=(curl -s --cacert "$T/st/ca.pem" --cert "$T/st/kiosk.pem" --key "$T/st/kiosk.key")
code=$("${C[@]}" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/v1/health")
check "armed 503 answered" test "$code" = 503

# the DER CRL verifies with openssl
"${C[@]}" -o "$T/crl.der" "https://127.0.0.1:$P/v1/crl.der"
check "DER CRL verifies" bash -c "openssl crl -inform DER -in '$T/crl.der' -CAfile '$T/st/ca.pem' -noout 2>&1 | grep -q 'verify OK'"

# kioskctl ra-check: healthy, wrong CA, unreachable
conf "$T/st/ca.pem"
out=$("$CTL" ra-check --config "$T/k.conf" --count 20 2>/dev/null); rc=$?
check "ra-check ok exits 0" test $rc -eq 0
check "ra-check reports ok" grep -q '"ok":true' <<<"$out"
check "ra-check tls ok" grep -q '"tls":"ok"' <<<"$out"
check "ra-check server cert expiry" grep -q '"server_cert_not_after":"20' <<<"$out"
check "ra-check kiosk cert expiry" grep -q '"kiosk_cert_not_after":"20' <<<"$out"
check "ra-check bench" grep -q '"requests":20,"errors":0' <<<"$out"
conf "$T/st/other-ca.pem"
out=$("$CTL" ra-check --config "$T/k.conf" 2>/dev/null); rc=$?
check "ra-check wrong CA exits 1" test $rc -eq 1
check "ra-check wrong CA: tls failed" grep -q '"tls":"failed"' <<<"$out"
check "ra-check wrong CA: KX_ERR_TLS" grep -q '"error":"KX_ERR_TLS"' <<<"$out"
"$CTL" ra-check --config "$T/nope.conf" >/dev/null 2>&1; check "ra-check missing config exits 2" test $? -eq 2
"$CTL" ra-check --config "$T/k.conf" --count 0 >/dev/null 2>&1; check "ra-check bad count exits 2" test $? -eq 2

# restart: same CA, counters kept
fp1=$(openssl x509 -in "$T/st/ca.pem" -noout -fingerprint)
n1=$(curl -s "127.0.0.1:$A/admin/counters" | grep -o '"requests":[0-9]*')
stop
conf "$T/st/ca.pem"
out=$("$CTL" ra-check --config "$T/k.conf" 2>/dev/null); rc=$?
check "ra-check unreachable exits 1" test $rc -eq 1
check "ra-check unreachable: reachable false" grep -q '"reachable":false' <<<"$out"
start "$T/st"
check "CA kept across restart" test "$(openssl x509 -in "$T/st/ca.pem" -noout -fingerprint)" = "$fp1"
check "counters kept across restart" bash -c "curl -s 127.0.0.1:$A/admin/counters | grep -q '$n1'"
stop

# --staff-approval grants a kiosk (its certificate's CN) the right to
# approve cases; the admin settings show and withdraw it
start "$T/st" --staff-approval JXCA-KIOSK-0001
check "--staff-approval shown in the settings" bash -c \
  "curl -s -XPOST 127.0.0.1:$A/admin/settings -d '{}' | grep -q '\"staff_approval\":\[\"JXCA-KIOSK-0001\"\]'"
sa() { "${C[@]}" -o /dev/null -w '%{http_code}' -H "Idempotency-Key: cli-sa-$1" \
  -d '{"staff_id":"1001"}' "https://127.0.0.1:$P/v1/cases/c-unknown/staff-approval"; }
check "a granted kiosk gets to the case (404 unknown case)" test "$(sa 1)" = 404
curl -s -XPOST "127.0.0.1:$A/admin/settings" -d '{"staff_approval":[]}' >/dev/null
check "the right withdrawn: 403" test "$(sa 2)" = 403
check "a bad staff_approval setting is refused" test "$(curl -s -o /dev/null -w '%{http_code}' \
  -XPOST "127.0.0.1:$A/admin/settings" -d '{"staff_approval":"all"}')" = 400
stop
"$SIM" --state "$T/x" --staff-approval "$(printf 'k%.0s' $(seq 200))" >/dev/null 2>&1
check "an over-long --staff-approval refused" test $? -eq 2

# POST /v1/cases on the wire: "renew" without agent and phone is accepted
# (the renewal's signature is the proof), every other service still needs
# both; what a renewal does send is checked and kept
start "$T/st"
case_post() { # KEY JSON -> "<status> <body>"
  "${C[@]}" -w ' %{http_code}' -H "Idempotency-Key: cli-case-$1" -H 'Content-Type: application/json' \
    -d "$2" "https://127.0.0.1:$P/v1/cases"
}
code_of() { awk '{print $NF}' <<<"$1"; }
at=$(date -u -d '1 minute ago' +%Y-%m-%dT%H:%M:%SZ)
base='"credit_code":"91110000600037341L","company_name":"Example Electronics Co., Ltd.","agreement_accepted_at":"'$at'"'
agent='"agent":{"name":"Zhang San","id_number":"360426199101010071"}'
r=$(case_post 1 "{\"service\":\"renew\",$base,\"cert_serial\":\"01\"}")
check "a renew case without agent and phone: 201" test "$(code_of "$r")" = 201
id=$(sed -E 's/.*"case_id":"([^"]+)".*/\1/' <<<"$r")
check "it is stored without personal data" test \
  "$(sqlite3 "$T/st/ra.db" "SELECT agent_name||'|'||agent_idnum||'|'||phone||'|'||email FROM cases WHERE id='$id'")" = "|||"
r=$(case_post 2 "{\"service\":\"renew\",$base,$agent,\"phone\":\"13800000000\"}")
check "a renew case with agent and phone: 201" test "$(code_of "$r")" = 201
id=$(sed -E 's/.*"case_id":"([^"]+)".*/\1/' <<<"$r")
check "they are kept" test \
  "$(sqlite3 "$T/st/ra.db" "SELECT agent_name||'|'||agent_idnum||'|'||phone FROM cases WHERE id='$id'")" = \
  "Zhang San|360426199101010071|13800000000"
r=$(case_post 3 "{\"service\":\"renew\",$base,\"phone\":\"12345\"}")
check "a renew case with a malformed phone: 400" test "$(code_of "$r")" = 400
r=$(case_post 4 "{\"service\":\"renew\",$base,\"agent\":{\"name\":\"Zhang San\"}}")
check "a renew case with half an agent: 400" test "$(code_of "$r")" = 400
r=$(case_post 5 "{\"service\":\"renew\",$base,\"agent\":\"Zhang San\"}")
check "a renew case whose agent is not an object: 400" test "$(code_of "$r")" = 400
# a renewal without the PIN: the paper's section 4 asks for the stamped
# credit-code copy and the UKEY, no agent, no contact; submit wants the copy
# (or the licence)
r=$(case_post 5n "{\"service\":\"renew_nopin\",$base,\"token_serial\":\"TOKEN-0001\"}")
check "a renew_nopin case without agent and phone: 201" test "$(code_of "$r")" = 201
id=$(sed -E 's/.*"case_id":"([^"]+)".*/\1/' <<<"$r")
v1() { # METHOD PATH KEY [JSON] -> "<body> <status>"
  "${C[@]}" -w ' %{http_code}' -X "$1" -H "Idempotency-Key: cli-$3" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} "https://127.0.0.1:$P$2"
}
r=$(v1 POST "/v1/cases/$id/submit" nopin-submit-1 '{}')
check "its submit without the copy: 409 documents_missing" \
  bash -c '[[ "$1" == *documents_missing*" 409" ]]' _ "$r"
png=$(printf '\x89PNG\r\n\x1a\nrenewal copy' | base64 -w0)
sha=$(printf '\x89PNG\r\n\x1a\nrenewal copy' | sha256sum | cut -d' ' -f1)
r=$(v1 POST "/v1/cases/$id/documents" nopin-doc \
  "{\"kind\":\"uscc_copy\",\"media_type\":\"image/png\",\"sha256\":\"$sha\",\"data\":\"$png\"}")
check "the stamped copy is taken: 201" test "$(code_of "$r")" = 201
r=$(v1 POST "/v1/cases/$id/submit" nopin-submit-2 '{}')
check "then its submit: 200" test "$(code_of "$r")" = 200
# contact numbers: ra-sim's own rule against the list the kiosk's rule is
# tested with (tests/domain/phones.txt): mobiles and landlines in, the rest out
n=0
while IFS='|' read -r kind number _; do
  [[ -z "$kind" || "$kind" == \#* ]] && continue
  n=$((n+1))
  r=$(case_post "ph$n" "{\"service\":\"renew\",$base,\"phone\":\"$number\"}")
  if [ "$kind" = bad ]; then want=400; else want=201; fi
  check "phone '$number' ($kind): $want" test "$(code_of "$r")" = $want
done <"$KX_SOURCE/tests/domain/phones.txt"
check "the phone list was read" test "$n" -ge 30
r=$(case_post ph-new "{\"service\":\"new\",$base,$agent,\"phone\":\"0791-82097407\"}")
check "a new case with a landline: 201" test "$(code_of "$r")" = 201
id=$(sed -E 's/.*"case_id":"([^"]+)".*/\1/' <<<"$r")
check "the landline is kept" test \
  "$(sqlite3 "$T/st/ra.db" "SELECT phone FROM cases WHERE id='$id'")" = 0791-82097407
for svc in new reissue change swap unlock revoke; do
  tok='"token_serial":"TOKEN-0001"'
  r=$(case_post "6$svc" "{\"service\":\"$svc\",$base,$tok}")
  check "a $svc case without agent and phone: 400" test "$(code_of "$r")" = 400
  r=$(case_post "7$svc" "{\"service\":\"$svc\",$base,$tok,\"phone\":\"13800000000\"}")
  check "a $svc case without agent: 400" test "$(code_of "$r")" = 400
  r=$(case_post "8$svc" "{\"service\":\"$svc\",$base,$tok,$agent}")
  check "a $svc case without phone: 400" test "$(code_of "$r")" = 400
  r=$(case_post "9$svc" "{\"service\":\"$svc\",$base,$tok,$agent,\"phone\":\"13800000000\"}")
  check "a $svc case with both: 201" test "$(code_of "$r")" = 201
done
stop

# a given CA is used for the generated certificates
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/myca.key" \
  -out "$T/myca.pem" -subj "/CN=Given CA" -days 30 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/srv.key" \
  -subj "/CN=given server" -out "$T/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$T/srv.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/myca.pem" -CAkey "$T/myca.key" -CAcreateserial \
  -days 5 -extfile "$T/srv.ext" -out "$T/srv.pem" 2>/dev/null
start "$T/st2" --ca-cert "$T/myca.pem" --ca-key "$T/myca.key" \
  --server-cert "$T/srv.pem" --server-key "$T/srv.key"
check "given CA signs the kiosk cert" openssl verify -CAfile "$T/myca.pem" "$T/st2/kiosk.pem"
check "given CA signs the EC seal maker" openssl verify -CAfile "$T/myca.pem" "$T/st2/seal-ec.pem"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/myca.pem" --cert "$T/st2/kiosk.pem" \
  --key "$T/st2/kiosk.key" "https://127.0.0.1:$P/v1/health")
check "given server certificate serves" test "$code" = 200
check "the given server cert is the one presented" bash -c \
  "echo | openssl s_client -connect 127.0.0.1:$P -CAfile '$T/myca.pem' 2>/dev/null | grep -q 'CN = given server'"
stop
"$SIM" --state "$T/x" --server-cert "$T/srv.pem" >/dev/null 2>&1
check "--server-cert without --server-key refused" test $? -eq 2

# a state directory of an older ra-sim (certs.case_id UNIQUE, none of the
# newer columns) is migrated on start and its rows kept
mkdir -p "$T/old"
sqlite3 "$T/old/ra.db" "CREATE TABLE certs(serial TEXT PRIMARY KEY, case_id TEXT UNIQUE,
  credit_code TEXT, subject TEXT, pem TEXT, not_before INTEGER, not_after INTEGER,
  status TEXT, revoked_at INTEGER, reason INTEGER);
  INSERT INTO certs VALUES('0a', 'c-old', '91110000600037341L', 'CN=x', '', 1, 2, 'revoked', 1, 1);
  CREATE TABLE documents(id TEXT PRIMARY KEY, case_id TEXT, kind TEXT, media_type TEXT,
  sha256 TEXT, size INTEGER, width_mm REAL, height_mm REAL, UNIQUE(case_id, kind));"
start "$T/old"
check "old state: ra-sim starts" test -n "$P"
check "old state: the certificate row kept, usage general, main CA" test \
  "$(sqlite3 "$T/old/ra.db" "SELECT serial||'|'||usage||'|'||ca FROM certs")" = "0a|general|main"
check "old state: case_id no longer unique" bash -c \
  "! sqlite3 '$T/old/ra.db' \"SELECT sql FROM sqlite_master WHERE name='certs'\" | grep -q UNIQUE"
check "old state: documents can keep seal images" bash -c \
  "sqlite3 '$T/old/ra.db' 'PRAGMA table_info(documents)' | grep -q '|data|'"
stop

finish
