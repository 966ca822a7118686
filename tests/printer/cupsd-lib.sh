# SPDX-License-Identifier: MIT
# tests/printer/cupsd-lib.sh - a private cupsd for tests and the demo:
# its own cupsd.conf / cups-files.conf, spool, cache, state and log
# directories under one temporary directory, listening only on a loopback
# port and a socket there, FileDevice on. Sourced, never run.
#   cupsd_start DIR          start it (sets CUPSD_PORT, CUPSD_SERVER, CUPSD_PID;
#                            exports CUPS_SERVER for lp/lpstat/lpadmin)
#   cupsd_file_queue NAME FILE   a queue printing into FILE (file: device,
#                            the generic PDF driver: the job arrives as PDF)
#   cupsd_test_queue NAME DIR    a queue on the kxtest backend: DIR/mode says
#                            what the "printer" does (ok: writes DIR/job-N.pdf;
#                            hang; paper; cover; jam: reports it and hangs)
#   cupsd_stop               stop it (only the cupsd this shell started)
# Needs root (cupsd checks its files' ownership; backends run as lp).

cupsd_start() {
  local dir=$1
  CUPSD_DIR=$dir
  mkdir -p "$dir"/{spool/tmp,cache,state,log,ppd,serverbin/backend,out}
  # the system's filters and drivers, and our test backend
  local d
  for d in filter driver daemon cgi-bin monitor notifier; do
    [ -e "/usr/lib/cups/$d" ] && ln -sfn "/usr/lib/cups/$d" "$dir/serverbin/$d"
  done
  cat > "$dir/serverbin/backend/kxtest" <<'BACKEND'
#!/bin/sh
# kxtest backend: a printer whose behaviour a test chooses (DIR/mode).
if [ $# -eq 0 ]; then echo 'direct kxtest "Unknown" "kiosk test printer"'; exit 0; fi
dir=${DEVICE_URI#kxtest:}
mode=$(cat "$dir/mode" 2>/dev/null || echo ok)
case "$mode" in
  hang)  sleep 600 ;;
  paper) echo "STATE: +media-empty-error" >&2; echo "ERROR: Out of paper" >&2; sleep 600 ;;
  cover) echo "STATE: +cover-open-error" >&2; echo "ERROR: Cover open" >&2; sleep 600 ;;
  jam)   echo "STATE: +media-jam-error" >&2; echo "ERROR: Paper jam" >&2; sleep 600 ;;
esac
if [ -n "$6" ]; then cat "$6"; else cat; fi > "$dir/job-$1.pdf"
exit 0
BACKEND
  chmod 755 "$dir/serverbin/backend/kxtest"
  CUPSD_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$dir/cupsd.conf" <<CONF
Listen 127.0.0.1:$CUPSD_PORT
Listen $dir/cups.sock
LogLevel info
WebInterface No
Browsing No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
  cat > "$dir/cups-files.conf" <<CONF
FileDevice Yes
ServerRoot $dir
RequestRoot $dir/spool
TempDir $dir/spool/tmp
CacheDir $dir/cache
StateDir $dir/state
ServerBin $dir/serverbin
AccessLog $dir/log/access_log
ErrorLog $dir/log/error_log
PageLog $dir/log/page_log
User lp
Group lp
SystemGroup root
CONF
  chmod 755 "$dir" "$dir/out"
  cupsd -f -c "$dir/cupsd.conf" -s "$dir/cups-files.conf" > "$dir/log/cupsd.out" 2>&1 &
  CUPSD_PID=$!
  CUPSD_SERVER=127.0.0.1:$CUPSD_PORT
  export CUPS_SERVER=$CUPSD_SERVER
  local i
  for i in $(seq 1 100); do
    lpstat -r 2>/dev/null | grep -q 'is running' && return 0
    kill -0 "$CUPSD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "cupsd did not start:"; cat "$dir/log/cupsd.out" "$dir/log/error_log" 2>/dev/null
  return 1
}

cupsd_file_queue() {
  lpadmin -p "$1" -v "file:$2" -m lsb/usr/cupsfilters/Generic-PDF_Printer-PDF.ppd \
    -o print-scaling=none -E 2>&1 | grep -v "drivers are deprecated" || true
}

cupsd_test_queue() {
  mkdir -p "$2"
  chmod 777 "$2"
  echo ok > "$2/mode"
  lpadmin -p "$1" -v "kxtest:$2" -E 2>/dev/null
}

cupsd_stop() {
  if [ -n "${CUPSD_PID:-}" ]; then
    kill "$CUPSD_PID" 2>/dev/null || true
    wait "$CUPSD_PID" 2>/dev/null || true
    CUPSD_PID=
  fi
}
