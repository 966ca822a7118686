#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hall on the home screen, the real kiosk front end (dummy video,
# software renderer) against the real kioskd with [kiosk] site = fuzhou
# from config/sites.conf: the home screen names the hall; "Other service
# halls" lists the 11 others (name, address, telephone) a page at a time
# and never this one; "Back to the services" brings the tiles back and a
# service can be chosen; the same in English. What was drawn is read from
# the front end's text log (KX_UI_TEXT_LOG).
source "$KX_SOURCE/tests/e2e/lib.sh"
KIOSK="$B/kiosk/ui/kiosk"
export SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software KX_LOG_LEVEL=warn
sim_start || exit 1
kioskd_config <<CONF
[engine]
ui_users = root
CONF
sed -i "s|^\[kiosk\]|[kiosk]\nsite = fuzhou\nsites_file = $S/config/sites.conf|" "$T/k.conf"
kioskd_start || exit 1

# open the list, page through it, back to the tiles, choose a service
# (portrait: one hall a row, four a page: 11 halls are three pages)
cat > "$T/halls.tap" <<'TAP'
wait screen=home timeout=20
tap halls_open
sleep 200
tap halls_next
sleep 200
tap halls_next
sleep 200
tap halls_prev
sleep 200
tap halls_close
sleep 200
tap service_new
wait screen=licence_place timeout=20
tap cancel
tap end_session
wait screen=cancelled timeout=20
tap primary
wait screen=home timeout=20
TAP
for lang in zh_CN en; do
  log="$T/texts-$lang.log"
  if KX_UI_TEXT_LOG="$log" "$KIOSK" --windowed --orientation portrait --lang "$lang" \
       --socket "$T/k.sock" --script "$T/halls.tap" 2>"$T/ui-$lang.log"; then ok; else
    bad "halls tap script ($lang)"; tail -5 "$T/ui-$lang.log"; fi
  home=$(grep -P '^home\t' "$log" | cut -f3-)
  if [ "$lang" = zh_CN ]; then
    here="本机所在：抚州办证点" others=("赣州办证点" "九江办证点" "宜春办证点" "江西省行政中心集中办事大厅（江西省新政府会议大楼东楼）")
    tel="电话：0797-8239608" addr="赣州开发区精品汽车4s店-条街比亚迪汽车楼上六楼" this="抚州办证点"
  else
    # kioskd speaks the session's language: switch it before the script's taps
    here="You are at: Fuzhou service point" others=("Ganzhou service point" "Jiujiang service point" "Yichun service point")
    tel="Telephone: 0797-8239608" addr="6F above the BYD dealer, car dealer street, Ganzhou Development Zone" this="Fuzhou service point"
  fi
  check "$lang: home names the hall ($here)" grep -qxF "$here" <<<"$home"
  for o in "${others[@]}"; do check "$lang: the list shows $o" grep -qxF "$o" <<<"$home"; done
  check "$lang: an address in the list" grep -qxF "$addr" <<<"$home"
  check "$lang: a telephone in the list" grep -qxF "$tel" <<<"$home"
  check "$lang: this hall is not among the others" test "$(grep -cxF "$this" <<<"$home")" = 0
  check "$lang: the third page was reached" grep -qE '^(第 3 页，共 3 页|Page 3 of 3)$' <<<"$home"
  # the next run in English: kioskd's language follows the screen's button
  [ "$lang" = zh_CN ] && printf 'wait screen=home timeout=20\ntap lang\nsleep 300\n' > "$T/en.tap" &&
    { "$KIOSK" --windowed --socket "$T/k.sock" --script "$T/en.tap" 2>>"$T/ui-zh_CN.log" || bad "switch to English"; }
done
finish
