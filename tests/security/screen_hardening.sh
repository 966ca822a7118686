#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 10, offline (tests/deploy/systemd_install.sh checks the running
# system): the screen's unit is hardened like kioskd's, both units score at
# most 2.0 in `systemd-analyze security`, the screen's user is not in the
# `input` group and udev grants it the touch screen only, and screen-config
# (run as root) cannot be made to write through a symlink. Finding 4: the
# state directory is kioskd's alone (0700) in the unit and the package.
set -uo pipefail
source "${KX_SOURCE:?}/tests/lib/check.sh"
U="$KX_SOURCE/config/systemd"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# --- the units ---
for u in jxca-kioskd jxca-kiosk; do
  systemd-analyze security --offline=yes --no-pager "$U/$u.service" >"$T/$u.txt" 2>&1
  score=$(sed -n "s/.*Overall exposure level for $u.service: \([0-9.]*\).*/\1/p" "$T/$u.txt")
  echo "$u: ${score:-?}"
  check "$u: exposure at most 2.0 (offline)" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'
done
for k in SystemCallFilter=@system-service SystemCallArchitectures=native ProtectKernelTunables=yes \
         ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes RestrictNamespaces=yes \
         LockPersonality=yes RestrictRealtime=yes RestrictSUIDSGID=yes NoNewPrivileges=yes \
         RestrictAddressFamilies=AF_UNIX PrivateNetwork=yes CapabilityBoundingSet= LimitCORE=0; do
  check "jxca-kiosk.service: $k" grep -qx "$k" "$U/jxca-kiosk.service"
done

# --- finding 4: kioskd's state directory is its own ---
check "kioskd's unit: StateDirectoryMode=0700" grep -qx 'StateDirectoryMode=0700' "$U/jxca-kioskd.service"
check "postinst creates it 0700" grep -q 'install -d -o kioskd -g kioskd -m 0700 /var/lib/jxca-kiosk' "$KX_SOURCE/cmake/deb/postinst"
check "the screen's user is not in kioskd's group" bash -c "! grep -Eq '^m kiosk kioskd\b' '$U/jxca-kiosk.sysusers'"

# --- users and devices ---
check "the screen's user is not in the input group" bash -c "! grep -Eq '^m kiosk input\b' '$U/jxca-kiosk.sysusers'"
check "...but in jxca-touch" grep -qx 'm kiosk jxca-touch' "$U/jxca-kiosk.sysusers"
check "an upgrade takes the screen's user out of input" grep -q 'gpasswd -d kiosk input' "$KX_SOURCE/cmake/deb/postinst"
R="$KX_SOURCE/config/udev/70-jxca-kiosk.rules"
check "udev: the touch screen to jxca-touch" grep -q 'ENV{ID_INPUT_TOUCHSCREEN}=="1", GROUP="jxca-touch", MODE="0660"' "$R"
check "udev: no other input device to the screen" \
  bash -c "[ \"\$(grep -c 'SUBSYSTEM==\"input\"' '$R')\" = 1 ] && ! grep -q 'GROUP=\"input\"' '$R'"

# --- screen-config: root writes only into a root-owned directory ---
SC="$U/screen-config"
printf '[ui]\nfont_scale = 1.5\n[kiosk]\nlanguage = zh_CN\nsite = x\n[engine]\nsocket = /run/s\n[ra]\nclient_key = /etc/k.key\n[staff:1]\npin_hash = $y$secret\n' > "$T/kiosk.conf"
check "the unit runs screen-config (as root) into /run/jxca-kiosk-screen-config" \
  grep -q '^ExecStartPre=+/usr/lib/jxca-kiosk/screen-config /etc/jxca-kiosk/kiosk.conf /run/jxca-kiosk-screen-config/screen.conf$' "$U/jxca-kiosk.service"
check "the screen reads that file" grep -q -- '--config /run/jxca-kiosk-screen-config/screen.conf' "$U/jxca-kiosk.service"
if [ "$(id -u)" = 0 ]; then
  sh "$SC" "$T/kiosk.conf" "$T/out/screen.conf"
  check "writes the screen's part" bash -c "grep -q 'font_scale = 1.5' '$T/out/screen.conf' && grep -q 'language = zh_CN' '$T/out/screen.conf'"
  check "...and no secret" bash -c "! grep -Eq 'secret|client_key|site' '$T/out/screen.conf'"
  check "...root:0644 in root:0755" test "$(stat -c %u:%a "$T/out"):$(stat -c %u:%a "$T/out/screen.conf")" = "0:755:0:644"
  # the attack: the directory belongs to the screen's user, who plants a
  # symlink where the old script wrote its temporary file
  mkdir "$T/userdir"; chown 65534 "$T/userdir"; touch "$T/victim"
  ln -s "$T/victim" "$T/userdir/screen.conf.tmp"; ln -s "$T/victim" "$T/userdir/screen.conf"
  sh "$SC" "$T/kiosk.conf" "$T/userdir/screen.conf" 2>"$T/err"; rc=$?
  check "a directory the screen's user owns is refused" test "$rc" != 0
  check "...and nothing written through its symlinks" test ! -s "$T/victim"
  ln -s "$T/userdir" "$T/linkdir"
  sh "$SC" "$T/kiosk.conf" "$T/linkdir/screen.conf" 2>/dev/null; rc=$?
  check "a symlinked directory is refused" bash -c "[ $rc != 0 ] && [ ! -s '$T/victim' ]"
else
  echo "note: not root, screen-config's own checks skipped"
fi
finish
