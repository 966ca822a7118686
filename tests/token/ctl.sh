#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kioskctl token list|info|certs on SoftHSM2 tokens: one JSON object each,
# fields checked against what softhsm2-util and the openssl command line say
# about the same token and certificates; selection by --serial / --label;
# usage errors exit 2, a missing token exits 1.
. "$KX_SOURCE/tests/token/lib.sh"
make_ca || { echo "cannot make the CA"; exit 1; }
J() { jq -er "$1" "$T/out.json" >/dev/null 2>&1; }
ctl() { "$CTL" token "$@" --module "$SOFTHSM" > "$T/out.json" 2>>"$T/log"; }
COMPANY="江西赣江数据服务有限公司" USCC="91360100MA35CTL00Q"
Sa=$(new_token ctl-a)
ida=$(tool --serial "$Sa" keygen ec)
tool --serial "$Sa" csr "$ida" "$COMPANY" "$USCC" "$COMPANY" > "$T/a.csr"
issue "$T/a.csr" "$T/a.pem" 30
tool --serial "$Sa" install "$T/a.pem" kx-cert >/dev/null
Sb=$(new_token ctl-b)
idb=$(tool --serial "$Sb" keygen rsa)
tool --serial "$Sb" csr "$idb" "Other Co" "91360100MA35CTL01X" "Other Co" > "$T/b.csr"
issue "$T/b.csr" "$T/b.pem" 400
tool --serial "$Sb" install "$T/b.pem" kx-cert >/dev/null

check "list: exit 0" ctl list
check "list: two tokens with serials and flags" J ".count == 2 and ([.tokens[].serial] | sort) == ([\"$Sa\",\"$Sb\"] | sort) and (.tokens[0].flags | index(\"initialized\"))"
check "list --label filters" sh -c "'$CTL' token list --module $SOFTHSM --label ctl-b 2>/dev/null | jq -e '.count == 1 and .tokens[0].serial == \"$Sb\"' >/dev/null"
check "info without a choice: exit 1 (two tokens)" sh -c "'$CTL' token info --module $SOFTHSM >/dev/null 2>&1; test \$? -eq 1"
check "info --label" ctl info --label ctl-a
check "info: serial, model, PIN flags by name" J ".serial == \"$Sa\" and .label == \"ctl-a\" and .model == \"SoftHSM v2\" and (.flags | index(\"user_pin_initialized\")) and .pin_locked == false and .min_pin_len == 4"
check "certs --serial" ctl certs --serial "$Sa"
check "certs: one certificate" J '.count == 1'
nb=$(date -u -d "$(openssl x509 -in "$T/a.pem" -noout -startdate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
na=$(date -u -d "$(openssl x509 -in "$T/a.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
ser=$(openssl x509 -in "$T/a.pem" -noout -serial | cut -d= -f2)
check "certs: company, credit code, subject" J ".certificates[0] | .company == \"$COMPANY\" and .credit_code == \"$USCC\" and (.subject | contains(\"O=$COMPANY\"))"
check "certs: issuer" J '.certificates[0].issuer | contains("CN=Throwaway RA CA")'
check "certs: serial as openssl prints it ($ser)" J ".certificates[0].serial == \"$ser\""
check "certs: validity in ISO 8601 ($nb, $na)" J ".certificates[0] | .not_before == \"$nb\" and .not_after == \"$na\""
check "certs: days_left 29..30" J '.certificates[0].days_left | (. == 29 or . == 30)'
check "certs: key type and id" J ".certificates[0] | .key_type == \"EC P-256\" and .id == \"$ida\" and .has_private_key == true"
check "certs --label ctl-b: RSA, 399..400 days" sh -c "'$CTL' token certs --module $SOFTHSM --label ctl-b 2>/dev/null | jq -e '.certificates[0] | .key_type == \"RSA 2048\" and .id == \"$idb\" and .days_left >= 399 and .days_left <= 400' >/dev/null"
check "unknown label: exit 1" sh -c "'$CTL' token certs --module $SOFTHSM --label nope >/dev/null 2>&1; test \$? -eq 1"
check "bad verb: exit 2" sh -c "'$CTL' token frob --module $SOFTHSM >/dev/null 2>&1; test \$? -eq 2"
check "--serial and --label: exit 2" sh -c "'$CTL' token info --module $SOFTHSM --serial $Sa --label ctl-a >/dev/null 2>&1; test \$? -eq 2"
check "not a module: exit 2" sh -c "'$CTL' token list --module /etc/hostname >/dev/null 2>&1; test \$? -eq 2"
finish
