#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the .deb with CPack (from this build), checks what it installs and
# how (conffiles, maintainer scripts, units, users, udev rules), then runs
# the packaged kioskctl and kioskd from the extracted package with the
# packaged configuration. Installing on a clean system with systemd as PID 1
# (services started by postinst) is systemd_install.sh.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"   # ok, bad, check, finish
T=$(mktemp -d); trap 'kill $KD 2>/dev/null; [ "$fail" = 0 ] || tail -5 "$T/kioskd.log"; rm -rf "$T"' EXIT; KD=
(cd "$KX_BUILD" && cpack -G DEB -B "$T/pkg" >"$T/cpack.log" 2>&1) || { echo "cpack failed"; cat "$T/cpack.log"; exit 1; }
deb=$(ls "$T"/pkg/*.deb | head -1)
check "a .deb was built" test -f "$deb"
dpkg-deb -c "$deb" | awk '{print $6}' > "$T/files"
for f in ./usr/bin/kioskd ./usr/bin/kiosk ./usr/bin/kioskctl ./etc/jxca-kiosk/kiosk.conf \
         ./etc/jxca-kiosk/sites.conf ./usr/lib/systemd/system/jxca-kioskd.service \
         ./usr/lib/systemd/system/jxca-kiosk.service ./usr/lib/sysusers.d/jxca-kiosk.conf \
         ./usr/lib/udev/rules.d/70-jxca-kiosk.rules ./usr/share/man/man8/kioskd.8.gz \
         ./usr/share/man/man8/kioskctl.8.gz ./usr/share/man/man1/kiosk.1.gz \
         ./usr/share/man/man5/kiosk.conf.5.gz; do
  check "package holds $f" grep -qx -- "$f" "$T/files"
done
check "package holds the zh_CN catalogue" grep -q 'share/locale/zh_CN/LC_MESSAGES/jxca-kiosk.mo' "$T/files"
check "package holds the illustrations" grep -q 'jxca-kiosk/illustrations/ukey_insert.svg' "$T/files"
mkdir -p "$T/ctl"; dpkg-deb -e "$deb" "$T/ctl"
check "configuration files are conffiles" grep -qx /etc/jxca-kiosk/kiosk.conf "$T/ctl/conffiles"
check "postinst creates the users and enables the services" \
  bash -c "grep -q systemd-sysusers '$T/ctl/postinst' && grep -q 'enable --now jxca-kioskd' '$T/ctl/postinst'"
check "depends on OpenSC, pcscd, SANE, cage" bash -c "dpkg-deb -f '$deb' Depends | grep -q 'opensc.*pcscd.*sane-utils.*cage'"
dpkg-deb -x "$deb" "$T/root"
unit="$T/root/usr/lib/systemd/system/jxca-kioskd.service"
for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes RestrictAddressFamilies= User=kioskd; do
  check "kioskd unit hardening: $k" grep -q "^$k" "$unit"
done
check "the front end's unit runs as another user, AF_UNIX only" \
  bash -c "grep -q '^User=kiosk$' '$T/root/usr/lib/systemd/system/jxca-kiosk.service' && grep -q '^RestrictAddressFamilies=AF_UNIX$' '$T/root/usr/lib/systemd/system/jxca-kiosk.service'"
check "sysusers makes two separate users" bash -c "grep -q '^u kioskd' '$T/root/usr/lib/sysusers.d/jxca-kiosk.conf' && grep -q '^u kiosk ' '$T/root/usr/lib/sysusers.d/jxca-kiosk.conf'"
if command -v udevadm >/dev/null; then
  check "udev accepts the rules" bash -c "udevadm verify '$T/root/usr/lib/udev/rules.d/70-jxca-kiosk.rules' >/dev/null 2>&1 || ! udevadm verify --help >/dev/null 2>&1"
fi
# the packaged programs with the packaged configuration
export KX_LOCALEDIR="$T/root/usr/share/locale"
check "packaged kioskctl validates the packaged kiosk.conf" \
  "$T/root/usr/bin/kioskctl" config-check "$T/root/etc/jxca-kiosk/kiosk.conf"
sed -e "s|^state_dir = .*|state_dir = $T/state|" \
    -e "s|^sites_file = .*|sites_file = $T/root/etc/jxca-kiosk/sites.conf|" \
    "$T/root/etc/jxca-kiosk/kiosk.conf" > "$T/k.conf"
printf '[engine]\nsocket = %s/k.sock\n' "$T" >> "$T/k.conf"
# a hall would install the RA's CA and the kiosk's own pair here
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=kiosk \
  -keyout "$T/kiosk.key" -out "$T/kiosk.pem" 2>/dev/null
printf '[ra]\nca_file = %s/kiosk.pem\ncert_file = %s/kiosk.pem\nkey_file = %s/kiosk.key\n' "$T" "$T" "$T" >> "$T/k.conf"
"$T/root/usr/bin/kioskd" --config "$T/k.conf" 2>"$T/kioskd.log" & KD=$!
up=0; for _ in $(seq 100); do KX_SOCKET="$T/k.sock" "$T/root/usr/bin/kioskctl" status >/dev/null 2>&1 && { up=1; break; }; sleep 0.1; done
check "packaged kioskd starts with the packaged configuration and answers" test $up = 1
KX_SOCKET="$T/k.sock" "$T/root/usr/bin/kioskctl" status 2>/dev/null | grep -q '"screen":"home"'
check "and shows the home screen" test $? = 0
finish
