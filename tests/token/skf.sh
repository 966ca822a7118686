#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The SKF back-end on skf-soft UKEYs (GM/T 0016 over OpenSSL's SM2/SM3/SM4):
# enumeration of several UKEYs, a blank UKEY made usable with the admin
# PIN, PIN retries until the PIN really locks (the counter is the UKEY's,
# across processes), unblock with the admin PIN, SM2 key generation and a
# CSR that `openssl req -verify` accepts (SM2-with-SM3, default ID), a
# signature `openssl pkeyutl -verify` accepts with the certificate, the
# enveloped encryption key pair imported and proven by decrypting what
# `openssl pkeyutl -encrypt` sealed to the encryption certificate, both
# certificates listed with their usage, named data, and a missing or wrong
# library refused with KX_ERR_CONFIG.
. "$KX_SOURCE/tests/token/skf_lib.sh"
sm2_ca || { echo "cannot make the SM2 CA"; exit 1; }
COMPANY="江西测试科技有限公司" USCC="91360100MA35GXXX8Q"

# --- enumeration, blank UKEY -------------------------------------------------
Sa=$(new_ukey ukey-a) Sb=$(new_ukey ukey-b app)
check "two UKEYs: open without a serial is KX_ERR_BUSY" test "$(stool login)" = "error KX_ERR_BUSY"
"$UTIL" remove ukey-b
check "ukey-b removed: ukey-a is the only one" test "$(stool certs)" = ""
"$UTIL" insert ukey-b
check "blank UKEY: login is KX_ERR_STATE" test "$(stool --serial "$Sa" login | tail -1)" = "error KX_ERR_STATE"
check "blank UKEY: init refuses a weak user PIN" \
  test "$(KX_TEST_NEW_PIN=111111 stool --serial "$Sa" init-blank)" = "error KX_ERR_PIN_POLICY"
check "blank UKEY: wrong device auth key refused" \
  test "$("$UTIL" init ukey-c --authkey 00112233445566778899aabbccddeeff >/dev/null; KX_TEST_NEW_PIN=$KX_TEST_PIN stool --serial "$(sed -n 's/^serial=//p' "$SKF_SOFT_DIR/ukey-c/dev.conf")" init-blank)" = "error KX_ERR_PERMISSION"
"$UTIL" delete ukey-c
check "blank UKEY: init with admin PIN" env KX_TEST_NEW_PIN=$KX_TEST_PIN "$TOOL" --backend skf --module "$SKFLIB" --serial "$Sa" init-blank
check "blank UKEY: application JXCA now exists" test -f "$SKF_SOFT_DIR/ukey-a/apps/JXCA/app.conf"
check "initialised UKEY: init again is KX_ERR_STATE" \
  test "$(KX_TEST_NEW_PIN=$KX_TEST_PIN stool --serial "$Sa" init-blank)" = "error KX_ERR_STATE"
check "initialised UKEY: login" test "$(stool --serial "$Sa" login)" = "$(printf 'flags pin_set')"

# --- PIN retries really lock, unblock with the admin PIN ----------------------
S=$Sb
out=$(KX_TEST_PIN=999999 stool --serial "$S" login)
check "wrong PIN: 4 tries left, count_low ($out)" test "$out" = "$(printf 'flags count_low pin_set\ntries 4\nerror KX_ERR_PIN_INCORRECT')"
check "the UKEY's counter says 4 of 5" test "$("$UTIL" tries ukey-b JXCA)" = "user 4/5 admin 5/5"
for left in 3 2; do KX_TEST_PIN=999999 stool --serial "$S" login >/dev/null; done
out=$(KX_TEST_PIN=999999 stool --serial "$S" login)
check "final try flagged ($out)" test "$out" = "$(printf 'flags count_low final_try pin_set\ntries 1\nerror KX_ERR_PIN_INCORRECT')"
out=$(KX_TEST_PIN=999999 stool --serial "$S" login)
check "fifth wrong PIN locks ($out)" test "$(printf '%s' "$out" | tail -1)" = "error KX_ERR_PIN_LOCKED"
check "locked: the right PIN is refused too" test "$(stool --serial "$S" login | tail -1)" = "error KX_ERR_PIN_LOCKED"
check "locked: counter at 0" test "$("$UTIL" tries ukey-b JXCA)" = "user 0/5 admin 5/5"
check "unblock: wrong admin PIN is KX_ERR_PERMISSION" \
  test "$(KX_TEST_SO_PIN=87654321 KX_TEST_NEW_PIN=470258 stool --serial "$S" reset-pin)" = "error KX_ERR_PERMISSION"
check "unblock: the admin counter took it" test "$("$UTIL" tries ukey-b JXCA)" = "user 0/5 admin 4/5"
check "unblock with the admin PIN" env KX_TEST_NEW_PIN=470258 "$TOOL" --backend skf --module "$SKFLIB" --serial "$S" reset-pin
check "unblocked: counters full again" test "$("$UTIL" tries ukey-b JXCA)" = "user 5/5 admin 5/5"
check "unblocked: old PIN refused" test "$(stool --serial "$S" login | tail -1)" = "error KX_ERR_PIN_INCORRECT"
check "unblocked: new PIN logs in" test "$(KX_TEST_PIN=470258 stool --serial "$S" login)" = "flags pin_set"
check "change PIN" env KX_TEST_PIN=470258 KX_TEST_NEW_PIN=$KX_TEST_PIN "$TOOL" --backend skf --module "$SKFLIB" --serial "$S" change-pin
check "changed PIN logs in" test "$(stool --serial "$S" login)" = "flags pin_set"
faults locked
check "fault file 'locked': KX_ERR_PIN_LOCKED" test "$(stool --serial "$S" login | tail -1)" = "error KX_ERR_PIN_LOCKED"
faults final_try
check "fault file 'final_try': flag shown" test "$(KX_TEST_PIN=999999 stool --serial "$S" login | head -1)" = "flags count_low final_try pin_set"
faults ""
stool --serial "$S" login >/dev/null

# --- SM2 keys, CSR, signing certificate, signature -----------------------------
check "EC keys refused on SKF" test "$(stool --serial "$S" keygen ec)" = "error KX_ERR_UNSUPPORTED"
id=$(stool --serial "$S" keygen sm2)
check "keygen sm2 gives a container id ($id)" test -n "$id"
con=$(printf '%s' "$id" | unhex)
check "skf-soft holds the container with a signing key" test "$("$UTIL" containers ukey-b JXCA)" = "$con sign-key"
stool --serial "$S" csr "$id" "$COMPANY" "$USCC" "$COMPANY" > "$T/sm2.csr"
check "CSR: openssl req -verify (SM2, default ID) accepts it" \
  sh -c "openssl req -in $T/sm2.csr -noout -verify -vfyopt $ID 2>&1 | grep -q 'verify OK'"
check "CSR: signature algorithm SM2-with-SM3" sh -c "openssl req -in $T/sm2.csr -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3'"
subj=$(openssl req -in "$T/sm2.csr" -noout -subject -nameopt utf8,sep_comma_plus 2>/dev/null)
check "CSR: subject O and serialNumber" sh -c "printf '%s' '$subj' | grep -q 'O=$COMPANY' && printf '%s' '$subj' | grep -q 'serialNumber=$USCC'"
sm2_issue "$T/sm2.csr" "$T/sign.pem" sign
check "CA issued the signing certificate" test -s "$T/sign.pem"
check "install the signing certificate" test "$(stool --serial "$S" install "$T/sign.pem" kx-cert)" = "$id"
check "same install again is a no-op" test "$(stool --serial "$S" install "$T/sign.pem" kx-cert)" = "$id"
check "skf-soft: container has the signing certificate" test "$("$UTIL" containers ukey-b JXCA)" = "$con sign-key sign-cer"
check "exported certificate is the one issued" sh -c "'$UTIL' cert ukey-b JXCA $con sign | cmp -s - $T/sign.pem"
check "verify_pair" stool --serial "$S" verify "$id"
printf 'renewal proof: 营业执照 %s\n' "$USCC" > "$T/msg"
check "sign a message on the token" stool --serial "$S" sign "$id" "$T/msg" "$T/msg.sig"
openssl x509 -in "$T/sign.pem" -noout -pubkey > "$T/sign.pub"
check "openssl pkeyutl -verify -rawin -digest sm3 (default ID) accepts it" \
  sh -c "openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt $ID -pubin -inkey $T/sign.pub -in $T/msg -sigfile $T/msg.sig 2>&1 | grep -q 'Verified Successfully'"
printf 'tampered' >> "$T/msg"
check "...and refuses a changed message" \
  sh -c "! openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt $ID -pubin -inkey $T/sign.pub -in $T/msg -sigfile $T/msg.sig >/dev/null 2>&1"
check "openssl verify: signing certificate against the SM2 CA" \
  sh -c "openssl verify -vfyopt $ID -CAfile $T/ca.pem $T/sign.pem 2>&1 | grep -q ': OK'"

# --- enveloped encryption key pair, encryption certificate, decryption proof ---
"$TOOL" envelope "$T/sm2.csr" "$T/env.bin" "$T/enc.key" 2>>"$T/log"
check "KMC envelope is 388 bytes (GM/T 0016 ENVELOPEDKEYBLOB, CipherLen 16)" test "$(stat -c %s "$T/env.bin")" = 388
openssl pkey -in "$T/enc.key" -pubout -out "$T/enc.pub" 2>/dev/null
sm2_issue "$T/sm2.csr" "$T/enc.pem" enc "$T/enc.pub"
check "encryption certificate before its key: KX_ERR_MISMATCH" test "$(stool --serial "$S" install "$T/enc.pem" kx-cert)" = "error KX_ERR_MISMATCH"
head -c 300 "$T/env.bin" > "$T/env.short"
check "truncated envelope: KX_ERR_BAD_FORMAT" test "$(stool --serial "$S" import-enc "$id" "$T/env.short")" = "error KX_ERR_BAD_FORMAT"
{ head -c 4 "$T/env.bin"; printf '\002\004\000\000'; tail -c +9 "$T/env.bin"; } > "$T/env.alg"
check "envelope with another algorithm: KX_ERR_BAD_FORMAT" test "$(stool --serial "$S" import-enc "$id" "$T/env.alg")" = "error KX_ERR_BAD_FORMAT"
Sx=$(new_ukey ukey-x app); idx=$(stool --serial "$Sx" keygen sm2)
check "envelope sealed to another UKEY's key: refused by the library" \
  test "$(stool --serial "$Sx" import-enc "$idx" "$T/env.bin")" = "error KX_ERR_TOKEN"
"$UTIL" delete ukey-x
check "import the enveloped encryption key pair" stool --serial "$S" import-enc "$id" "$T/env.bin"
check "verify_pair refuses an encryption key without its certificate" test "$(stool --serial "$S" verify "$id")" = "error KX_ERR_MISMATCH"
check "install the encryption certificate into the same container" test "$(stool --serial "$S" install "$T/enc.pem" kx-cert)" = "$id"
check "skf-soft: one container, both pairs, both certificates" \
  test "$("$UTIL" containers ukey-b JXCA)" = "$con sign-key sign-cer enc-key enc-cer"
check "verify_pair checks both pairs" stool --serial "$S" verify "$id"
check "openssl verify: encryption certificate against the SM2 CA" \
  sh -c "openssl verify -vfyopt $ID -CAfile $T/ca.pem $T/enc.pem 2>&1 | grep -q ': OK'"
check "both certificates listed with their usage" \
  test "$(stool --serial "$S" certs)" = "$(printf '%s sign kx-cert SM2 1\n%s encrypt kx-cert SM2 1' "$id" "$id")"
key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n') block=00112233445566778899aabbccddeeff
printf '%s' "$key" | unhex > "$T/key.bin"
openssl x509 -in "$T/enc.pem" -noout -pubkey > "$T/encc.pub"
openssl pkeyutl -encrypt -pubin -inkey "$T/encc.pub" -in "$T/key.bin" -out "$T/wrapped.der" 2>>"$T/log"
want=$(printf '%s' "$block" | unhex | openssl enc -sm4-ecb -K "$key" -nopad | hex)
got=$("$PROBE" "$SKFLIB" ukey-b JXCA "$con" "$T/wrapped.der" "$block" 2>>"$T/log")
check "imported key decrypts what openssl pkeyutl -encrypt sealed to the certificate ($got)" test -n "$got" -a "$got" = "$want"
openssl pkeyutl -encrypt -pubin -inkey "$T/sign.pub" -in "$T/key.bin" -out "$T/wrapped2.der" 2>>"$T/log"
check "...and not what was sealed to the signing certificate" \
  sh -c "! '$PROBE' '$SKFLIB' ukey-b JXCA '$con' '$T/wrapped2.der' $block >/dev/null 2>&1"

# --- kioskctl token on SKF UKEYs ------------------------------------------------
J() { jq -er "$1" "$T/out.json" >/dev/null 2>&1; }
ctl() { "$CTL" token "$@" --skf-library "$SKFLIB" > "$T/out.json" 2>>"$T/log"; }
check "kioskctl token list --skf-library" ctl list
check "list: both UKEYs by serial" J "([.tokens[].serial] | sort) == ([\"$Sa\",\"$S\"] | sort)"
check "kioskctl token info --serial" ctl info --serial "$S"
check "info: label, PIN tries left 5 of 5" J ".label == \"ukey-b\" and .pin_tries_left == 5 and .pin_tries_max == 5 and .pin_locked == false"
check "kioskctl token certs --serial" ctl certs --serial "$S"
ser_s=$(openssl x509 -in "$T/sign.pem" -noout -serial | cut -d= -f2)
ser_e=$(openssl x509 -in "$T/enc.pem" -noout -serial | cut -d= -f2)
check "certs: the pair under one id, signing and encryption usage" \
  J ".count == 2 and ([.certificates[] | .usage] | sort) == [\"encrypt\",\"sign\"] and ([.certificates[].id] | unique) == [\"$id\"]"
check "certs: SM2 keys on the token, serials as openssl prints them" \
  J "([.certificates[] | select(.key_type == \"SM2\" and .has_private_key)] | length) == 2 and ([.certificates[] | select(.usage == \"sign\")][0].serial == \"$ser_s\") and ([.certificates[] | select(.usage == \"encrypt\")][0].serial == \"$ser_e\")"
check "certs: company and credit code" J ".certificates[0] | .company == \"$COMPANY\" and .credit_code == \"$USCC\""
check "--skf-library with --module: exit 2" sh -c "'$CTL' token list --skf-library '$SKFLIB' --module '$SKFLIB' >/dev/null 2>&1; test \$? -eq 2"
check "--skf-library not an SKF library: exit 2" sh -c "'$CTL' token list --skf-library /usr/lib/softhsm/libsofthsm2.so >/dev/null 2>&1; test \$? -eq 2"

# --- named data (seal files) ----------------------------------------------------
head -c 3000 /dev/urandom > "$T/seal.bin"
check "write named data" stool --serial "$S" write-data seal1 "$T/seal.bin"
check "read it back without login" sh -c "KX_TEST_PIN= '$TOOL' --backend skf --module '$SKFLIB' --serial $S read-data seal1 $T/seal.out 2>/dev/null && cmp -s $T/seal.bin $T/seal.out"
head -c 100 /dev/urandom > "$T/seal2.bin"
check "rewrite shorter" stool --serial "$S" write-data seal1 "$T/seal2.bin"
check "read the shorter data back" sh -c "'$TOOL' --backend skf --module '$SKFLIB' --serial $S read-data seal1 $T/seal.out 2>/dev/null && cmp -s $T/seal2.bin $T/seal.out"
check "missing data: KX_ERR_NOT_FOUND" test "$(stool --serial "$S" read-data nope "$T/x")" = "error KX_ERR_NOT_FOUND"
check "the labels file is not named data" test "$(stool --serial "$S" write-data kxlabels "$T/seal2.bin")" = "error KX_ERR_INVALID_ARG"

# --- library problems ----------------------------------------------------------------
check "missing library: KX_ERR_CONFIG" test "$("$TOOL" --backend skf --module /nonexistent/libskf.so login 2>/dev/null)" = "error KX_ERR_CONFIG"
check "not an SKF library (SoftHSM2): KX_ERR_CONFIG" \
  test "$("$TOOL" --backend skf --module /usr/lib/softhsm/libsofthsm2.so login 2>>"$T/log")" = "error KX_ERR_CONFIG"
check "...with a reason naming the missing function" grep -q 'is not an SKF library: no SKF_' "$T/log"
"$UTIL" remove ukey-b
check "pulled UKEY: KX_ERR_TOKEN_ABSENT" test "$(stool --serial "$S" verify "$id")" = "error KX_ERR_TOKEN_ABSENT"
"$UTIL" insert ukey-b
faults "fail SKF_ECCSignData 1 SAR_DEVICE_REMOVED pulled"
check "pulled mid-call: KX_ERR_TOKEN_REMOVED" test "$(stool --serial "$S" verify "$id")" = "error KX_ERR_TOKEN_REMOVED"
faults ""
check "re-inserted: the pair verifies" stool --serial "$S" verify "$id"
faults pulled
check "fault file 'pulled': no UKEY" test "$(stool --serial "$S" verify "$id")" = "error KX_ERR_TOKEN_ABSENT"
faults ""

# --- insertion and removal events (kx_token_poll_event over SKF_EnumDev) -------
( sleep 1.5; "$UTIL" init ukey-n --serial EVT0001 >/dev/null; sleep 1; "$UTIL" remove ukey-n ) &
out=$(stool poll 20 4)
wait
check "events: the two UKEYs present, then ukey-n plugged and pulled ($out)" \
  test "$out" = "$(printf 'inserted %s\ninserted %s\ninserted EVT0001\nremoved EVT0001' "$(printf '%s\n%s' "$Sa" "$S" | head -1)" "$(printf '%s\n%s' "$Sa" "$S" | tail -1)")"
# skf-soft's own SKF_WaitForDevEvent: it blocks until a UKEY comes or goes
# (events count from the library's load), SKF_CancelWaitForDevEvent ends it
"$PROBE" "$SKFLIB" wait 60000 > "$T/probe-wait" 2>>"$T/log" & pid=$!
for _ in $(seq 200); do grep -q waiting "$T/probe-wait" && break; sleep 0.05; done
"$UTIL" insert ukey-n
wait $pid
check "SKF_WaitForDevEvent reports a plugged UKEY ($(tail -1 "$T/probe-wait"))" test "$(tail -1 "$T/probe-wait")" = "inserted ukey-n"
check "SKF_WaitForDevEvent blocks until cancelled when nothing happens" test "$("$PROBE" "$SKFLIB" wait 300 2>>"$T/log" | tail -1)" = "none"
check "SKF_CancelWaitForDevEvent ends a wait" test "$("$PROBE" "$SKFLIB" cancel 2>>"$T/log" | tail -1)" = "cancelled"

# --- kx_token_wait_event: the driver's event thread, or polling ---------------
# the same plug, pull and plug back, seen once through SKF_WaitForDevEvent
# (libskf-soft.so) and once by polling (libskf-soft-noevents.so, a library
# without the event functions); the UKEYs present come first, as inserted
for how in events polling; do
  lib=$SKFLIB; [ $how = polling ] && lib=${SKFLIB%.so}-noevents.so
  dev=ukey-w$how ser=EVW$how
  present=$(ls "$SKF_SOFT_DIR"/*/inserted 2>/dev/null | wc -l)
  "$TOOL" --backend skf --module "$lib" wait 120 $((present + 3)) > "$T/wait-$how" 2>>"$T/log" & pid=$!
  wait_lines() { for _ in $(seq 600); do [ "$(grep -c . "$T/wait-$how")" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }
  check "$how: the $present UKEYs present are reported" wait_lines "$present"
  "$UTIL" init "$dev" --serial "$ser" >/dev/null
  check "$how: a plugged UKEY is reported with its serial" wait_lines $((present + 1))
  "$UTIL" remove "$dev"
  check "$how: its removal is reported" wait_lines $((present + 2))
  "$UTIL" insert "$dev"
  wait $pid
  check "$how: plug, pull, plug back in order ($(tail -4 "$T/wait-$how" | tr '\n' ' '))" \
    test "$(tail -4 "$T/wait-$how")" = "$(printf 'inserted %s\nremoved %s\ninserted %s\nvia %s' "$ser" "$ser" "$ser" "$how")"
  "$UTIL" delete "$dev"
done
# pulled and plugged back between two looks: SKF_WaitForDevEvent still
# says both (the UKEY's insertion count changed)
"$UTIL" init ukey-q --serial EVQ >/dev/null
present=$(ls "$SKF_SOFT_DIR"/*/inserted | wc -l)
"$TOOL" --backend skf --module "$SKFLIB" wait 120 $((present + 2)) > "$T/wait-q" 2>>"$T/log" & pid=$!
how=q; wait_lines() { for _ in $(seq 600); do [ "$(grep -c . "$T/wait-q")" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }
wait_lines "$present"
"$UTIL" remove ukey-q; "$UTIL" insert ukey-q
wait $pid
check "events: a fast re-plug is seen as removed, then inserted" \
  test "$(tail -3 "$T/wait-q")" = "$(printf 'removed EVQ\ninserted EVQ\nvia events')"
finish
