#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctl_front.sh - the kioskctl front (kiosk/ctl/CMakeLists.txt, ctl.h) keeps
# `kioskctl license`, `seal-sheet` and `idcard-crop` cheap to start: it must
# not load libcurl, libcrypto/libssl, libsane, libcrypt or SQLite, and every
# command it does not hold must still work, run by kioskctl-full with the
# same arguments, exit code and output; an installed layout (bin/ and
# libexec/jxca-kiosk/) must work as well as the build tree.
set -uo pipefail
KX_BUILD=${KX_BUILD:?}
ctl="$KX_BUILD/kiosk/ctl/kioskctl"
full="$KX_BUILD/kiosk/ctl/kioskctl-full"
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# what the dynamic loader maps for the front (ldd follows dependencies too)
ldd "$ctl" > "$T/front.libs"
# (nor libzbar's X11 and Video4Linux dependencies: libzbar is linked from
# its static archive into the front, kiosk/ctl/CMakeLists.txt; nor libdbus
# and what comes with it: zbar_no_dbus.c answers zbar's unused D-Bus calls)
for lib in libcurl libcrypto libssl libsane libcrypt.so libsqlite3 libp11 libX11 libv4l2 libzbar.so \
    libdbus libsystemd libgcrypt; do
  check "the front does not load $lib" bash -c "! grep -q '$lib' '$T/front.libs'"
done
check "kioskctl-full is built beside the front" test -x "$full"
check "kioskctl-full loads libcurl (the split is real)" bash -c "ldd '$full' | grep -q libcurl"
# the stand-ins are the front's alone: kioskctl-full keeps the real libdbus
check "kioskctl-full defines no dbus_ function" bash -c "! nm '$full' | grep -q ' T dbus_'"

# commands that live in kioskctl-full: same output and exit code either way
echo 12345678 | "$ctl" staff-hash > "$T/hash.front"; rc_front=$?
check "staff-hash through the front exits 0" test "$rc_front" = 0
check "staff-hash through the front prints a yescrypt hash" grep -q '"pin_hash":"\$y\$' "$T/hash.front"
"$ctl" token list --module /nonexistent/module.so > "$T/tok.front" 2> "$T/tok.front.err"; rc_front=$?
"$full" token list --module /nonexistent/module.so > "$T/tok.full" 2> "$T/tok.full.err"; rc_full=$?
check "token list: same exit code through the front ($rc_front) as kioskctl-full ($rc_full)" \
  test "$rc_front" = "$rc_full"
check "token list: the front's error names the command" grep -q "kioskctl token" "$T/tok.front.err"
check "scan usage error through the front exits 2" bash -c "'$ctl' scan >/dev/null 2>&1; test \$? = 2"
check "--help of a full command is answered" bash -c "'$ctl' ra-check --help | grep -q 'ra-check'"

# the installed layout: bin/kioskctl finds ../libexec/jxca-kiosk/kioskctl-full
mkdir -p "$T/root/usr/bin" "$T/root/usr/libexec/jxca-kiosk"
cp "$ctl" "$T/root/usr/bin/kioskctl"
cp "$full" "$T/root/usr/libexec/jxca-kiosk/kioskctl-full"
check "installed layout: staff-hash runs through libexec" bash -c \
  "echo 12345678 | '$T/root/usr/bin/kioskctl' staff-hash | grep -q pin_hash"
# without kioskctl-full anywhere: a clear failure, exit 2, not a crash
rm "$T/root/usr/libexec/jxca-kiosk/kioskctl-full"
"$T/root/usr/bin/kioskctl" staff-hash < /dev/null > /dev/null 2> "$T/missing.err"; rc=$?
if [ ! -x /usr/libexec/jxca-kiosk/kioskctl-full ]; then
  check "missing kioskctl-full: exit 2 ($rc)" test "$rc" = 2
  check "missing kioskctl-full: says so" grep -q "cannot run kioskctl-full" "$T/missing.err"
fi
# the front's own commands need nothing else
check "without kioskctl-full, uscc still runs (in the front)" bash -c \
  "'$T/root/usr/bin/kioskctl' uscc 91110000600037341L | grep -q '\"valid\":true'"

finish
