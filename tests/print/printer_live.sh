#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# printer_live.sh - the printer's condition between customers: kioskd's
# print thread asks the idle printer how it is ([printer] status_seconds)
# and the home state says when it cannot print, so the next customer
# knows before starting that the receipt will be a QR code. Against a
# private cupsd on loopback (tests/printer/cupsd-lib.sh):
#   - a working queue: the home state carries no printer warning;
#   - the queue stopped (cupsdisable): the home state says "offline" with
#     its message, and the real kiosk front end shows that message on the
#     home screen (its text record), in Chinese;
#   - the queue started again: the warning goes away by itself;
#   - the printer's queue deleted: "not_found", warned the same way.
# Every wait is for a condition, with a generous limit.
source "${KX_SOURCE:?}/tests/lib/peers.sh"
source "$S/tests/printer/cupsd-lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a private cupsd)"; exit 77; }
command -v cupsd >/dev/null || { echo "SKIP: cupsd missing (Debian package cups)"; exit 77; }
export LSAN_OPTIONS="suppressions=$S/tests/docs/lsan.supp"
trap 'cupsd_stop; e2e_cleanup_more; e2e_cleanup' EXIT
PRN=$T/prn

sim_start || exit 1
cupsd_start "$T/cups" || exit 1
cupsd_test_queue live "$PRN"
printf '[printer]\nqueue = live\nserver = %s\npaper = roll80\ntimeout_s = 10\nstatus_seconds = 1\n' \
  "$CUPSD_SERVER" | kioskd_config
kioskd_start || exit 1

# the screen and "print" member of the state kioskd publishes now, as JSON
print_now() {
  state_now | /usr/bin/python3 -c 'import json,sys; m=json.load(sys.stdin); print(json.dumps({"screen": m.get("screen"), "print": m.get("print")}))'
}
# wait_print EXPR - until the python expression over p (the print member)
# holds, 60 s at most
wait_print() {
  local i
  for i in $(seq 120); do
    print_now > "$T/print.json" 2>/dev/null
    /usr/bin/python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); p=o["print"]; sys.exit(0 if o["screen"]=="home" and eval(sys.argv[2]) else 1)' \
      "$T/print.json" "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  cat "$T/print.json"; return 1
}

# 1. a working printer: nothing to say at home
wait_print "p is None" && ok || bad "home warns about a working printer"

# 2. the queue stopped: the home state says so, with a message
cupsdisable live
wait_print "p is not None and p['state'] == 'offline' and p['printer'] is True and 'no receipt' in p['msgid']" &&
  ok || bad "the stopped queue is not published at home"

# ... and the real front end shows it on its home screen, in Chinese
cat > "$T/home.tap" <<'TAP'
wait screen=home timeout=30
sleep 1500
TAP
KX_UI_TEXT_LOG="$T/texts.log" SDL_VIDEODRIVER=dummy SDL_RENDER_DRIVER=software \
  "$B/kiosk/ui/kiosk" --windowed --socket "$T/k.sock" --script "$T/home.tap" 2>"$T/ui.log" &&
  ok || { bad "front end tap script"; tail -5 "$T/ui.log"; }
grep -q $'^home\tzh_CN\t打印机暂不可用，暂时无法打印受理回执' "$T/texts.log" &&
  ok || { bad "the home screen does not show the printer warning"; cat "$T/texts.log"; }

# 3. started again: the warning goes by itself
cupsenable live
wait_print "p is None" && ok || bad "the warning stays after the queue was started"

# 4. the queue is gone: not found, warned the same way
lpadmin -x live
wait_print "p is not None and p['state'] == 'not-found'" && ok || bad "a deleted queue is not published"

# the thread's questions are logged with the state, never a job
[ "$(ls "$PRN"/job-*.pdf 2>/dev/null | wc -l)" -eq 0 ] && ok || bad "asking the printer printed something"

finish
