#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Atomic SM2 dual renewal on an skf-soft UKEY, pulled at every SKF call:
# the renewal (new container, CSR, signing certificate, enveloped
# encryption key pair, encryption certificate, commit) runs in one process
# while skf-soft's fault file pulls the UKEY at call N, for N = 1, 2, ...
# until a run passes every call. After each pull, re-inserted: the old
# container's signing and encryption pairs still verify (or, when the pull
# came after the old one was deleted, the committed new one does), cleanup
# removes a half-written container, and the UKEY keeps exactly one
# committed container.
. "$KX_SOURCE/tests/token/skf_lib.sh"
sm2_ca || { echo "cannot make the SM2 CA"; exit 1; }
S=$(new_ukey ukey-r app)
out=$(stool --serial "$S" renew-sm2 - "$T/ca.key" "$T/ca.pem")
check "first SM2 dual issuance ($out)" test "$(printf '%s' "$out" | tail -1)" = done
old=$(printf '%s' "$out" | sed -n 's/^new //p')
check "it verifies (both pairs)" stool --serial "$S" verify "$old"
committed() { stool --serial "$S" certs | awk '$3 == "kx-cert" {print $1}' | sort -u; }
n=0 pulls=0 bad=0
while [ $n -lt 2000 ]; do
  n=$((n + 1))
  faults "fail * $n SAR_DEVICE_REMOVED pulled"
  out=$(stool --serial "$S" renew-sm2 "$old" "$T/ca.key" "$T/ca.pem")
  new=$(printf '%s' "$out" | sed -n 's/^new //p')
  faults ""
  if [ "$(printf '%s' "$out" | tail -1)" = done ]; then
    break # the renewal made fewer than n calls: it ran whole
  fi
  pulls=$((pulls + 1))
  if stool --serial "$S" verify "$old" >/dev/null; then
    survivor=$old
  elif [ -n "$new" ] && stool --serial "$S" verify "$new" >/dev/null &&
    [ "$(committed)" = "$new" ]; then
    survivor=$new # pulled after the commit deleted the old container
  else
    bad=$((bad + 1)); echo "FAIL: pulled at call $n: no complete pair verifies ($out)"
    continue
  fi
  stool --serial "$S" cleanup >/dev/null
  # a half-written container never stays: what is left is the survivor
  # and, at most, a pending container with its certificate installed
  for c in $(stool --serial "$S" certs | awk '{print $1}' | sort -u); do
    [ "$c" = "$survivor" ] || stool --serial "$S" delete "$c" >/dev/null
  done
  left=$("$UTIL" containers ukey-r JXCA | awk '{print $1}' | wc -l)
  if [ "$left" != 1 ]; then
    bad=$((bad + 1)); echo "FAIL: pulled at call $n: $left containers after cleanup"
  fi
  old=$survivor
done
echo "renewal pulled at each of its $pulls SKF calls"
check "the renewal was pulled at every one of its calls ($pulls pulls)" test "$pulls" -gt 50
check "after every pull a complete pair verified and cleanup left one container" test "$bad" = 0
new=$(printf '%s' "$out" | sed -n 's/^new //p')
check "the unpulled renewal committed the new container" test "$(committed)" = "$new"
check "the old container is gone" test "$(stool --serial "$S" verify "$old")" = "error KX_ERR_NOT_FOUND"
check "one container with both pairs and certificates" \
  test "$("$UTIL" containers ukey-r JXCA | awk '{print NF}')" = 5
check "new pair verifies" stool --serial "$S" verify "$new"
# an abandoned keygen (no certificate) is removed by cleanup
faults "fail SKF_ExportPublicKey 1 SAR_DEVICE_REMOVED pulled"
stool --serial "$S" renew-sm2 "$new" "$T/ca.key" "$T/ca.pem" >/dev/null
faults ""
check "a pending container without certificate is half-written" \
  test "$("$UTIL" containers ukey-r JXCA | wc -l)" = 2
check "cleanup removes it" test "$(stool --serial "$S" cleanup)" = "removed 1"
check "committed pair left alone" test "$("$UTIL" containers ukey-r JXCA | wc -l)" = 1
finish
