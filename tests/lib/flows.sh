# SPDX-License-Identifier: MIT
# tests/lib/flows.sh - scripted sessions (kioskctl run-flow) against the
# kioskd of peers.sh: running a flow from stdin or from a file under
# tests/engine/flows/, the scanner's page, the main path of every service,
# the crash-point helpers, and the check that no PIN or full ID number is
# left in the kiosk's files. Sourced; sources peers.sh.
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"
FLOWS="$S/tests/engine/flows"

# run a flow script (from stdin), failing the check on error
flow() { # NAME < script
  cat > "$T/$1.flow"
  if "$K" run-flow "$T/$1.flow" >"$T/$1.out" 2>"$T/$1.err"; then ok; else
    bad "flow $1"; cat "$T/$1.err"; tail -15 "$T/kioskd.log"; fi
}
# run a flow file (a path, or a name under tests/engine/flows/) as check
# NAME; @KEY@ in it is replaced by VALUE for each KEY=VALUE given
flow_file() { # NAME FILE [KEY=VALUE...]
  local name=$1 file=$2 kv script
  [ -f "$file" ] || file="$FLOWS/$file"
  shift 2
  script=$(flow_text_of "$file") || { bad "flow $name: no file $file"; return 1; }
  for kv in "$@"; do script=${script//"@${kv%%=*}@"/"${kv#*=}"}; done
  flow "$name" <<<"$script"   # not a pipe: flow counts in this shell
}

# flow_text NAME: the text of tests/engine/flows/NAME.flow without its
# comment lines, each "include OTHER" line replaced by OTHER's text
flow_text() { # NAME
  flow_text_of "$FLOWS/$1.flow"
}
# flow_text_of FILE: the same for a flow file given by its path
flow_text_of() { # FILE
  local line
  [ -f "$1" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      include\ *) flow_text "${line#include }" || return 1 ;;
      \#*) ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$1"
}

# The straight path of a new issuance (tests/engine/flows/services/
# new_issuance.flow), in segments because the scanner's page changes
# between them. Needs the set-up of new.sh: docs, SANE pnm, idcard-sim, a
# blank token. Returns non-zero at the first segment that fails (e.g. when
# kioskd is killed at a crash point); counts nothing; the failed segment's
# messages are in $T/seg.err.
new_issuance_flow() {
  run_segments new_issuance quiet <<<"$(flow_text services/new_issuance)"
}
# set-up shared by new issuance tests: documents, SANE pnm, idcard-sim
new_issuance_setup() { # CODE
  /usr/bin/python3 "$S/tests/e2e/make_docs.py" "$T/docs" "$1" 2>/dev/null || return 1
  mkdir -p "$T/sane"; printf 'pnm\n' > "$T/sane/dll.conf"
  export SANE_CONFIG_DIR="$T/sane"
}
page() { ln -sfn "$T/docs/$1.ppm" "$T/page.ppm"; }
new_issuance_config() {
  kioskd_config <<CONF
[token]
module = $P11_MODULE
[idcard]
device = $T/idcard
[scanner]
backend = sane
device = pnm:0
resolution = 150
options = filename=$T/page.ppm
CONF
}

# run a flow in segments; "page NAME" lines switch the scanner's page
run_segments() { # NAME [quiet] < script with "page X" separators
  local name=$1 quiet=${2:-} n=0 buf=""
  seg1() {
    if [ -n "$quiet" ]; then
      printf '%s\n' "$buf" > "$T/$name-$n.flow"
      "$K" run-flow "$T/$name-$n.flow" >"$T/seg.out" 2>"$T/seg.err"
    else
      flow "$name-$n" <<<"$buf"   # not a pipe: flow counts in this shell
    fi
  }
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line == page\ * ]]; then
      [ -n "$buf" ] && { seg1 || return 1; }
      n=$((n+1)); buf=""; page "${line#page }"
    else
      buf+="$line"$'\n'
    fi
  done
  [ -z "$buf" ] || seg1
}
fresh() { [ -d "$T/state" ] && [ -n "${PRIVATE_PATTERNS:-}" ] && kiosk_files_clean $PRIVATE_PATTERNS; admin POST /admin/counters/reset >/dev/null; rm -rf "$T/state"; new_issuance_config; kioskd_start; idcard_place; }
# The main path of each service, from tests/engine/flows/services/, for
# run_segments ("page X" lines switch the scanner's page); the callers add
# them to their own flows. Each service's path ends on "done".
LICENCE_AGENT=$(flow_text services/licence_agent)      # after cert_show
FLOW_ID_CONTACT=$(flow_text services/id_contact)       # ID copies, contact
FLOW_PIN_NEW_DONE=$(flow_text services/pin_new_done)   # fee to done, new PIN
FLOW_RENEW_NOPIN=$(flow_text services/renew_nopin)
FLOW_NEW_DOCS=$(flow_text services/new_docs)           # licence to letter
FLOW_REISSUE=$(flow_text services/reissue)
FLOW_SWAP=$(flow_text services/swap)
FLOW_REVOKE_UKEY=$(flow_text services/revoke_ukey)   # after cert_show
LICENCE_ID_COPIES=$(flow_text services/licence_id_copies)
FLOW_CHANGE=$(flow_text services/change)

# ---- crash tests (crash.sh, crash_services.sh) ----
# crash_kioskd_start POINT: kioskd that SIGKILLs itself at POINT
# (KX_CRASH_AT=<kind>:<intent|effect|outcome>); the log is marked so that
# crash_recover looks only at this run's lines
CRASH_MARK=0
crash_kioskd_start() {
  CRASH_MARK=0; [ -f "$T/kioskd.log" ] && CRASH_MARK=$(wc -l < "$T/kioskd.log")
  KX_CRASH_AT=$1 kioskd_start
}
# crash_recover POINT: after the flow drove kioskd into POINT, wait for the
# kill, check POINT was the cause, restart kioskd (no crash point) and wait
# until its start-up recovery has finished. Returns 1 (counted as a
# failure) when kioskd did not crash there or does not come back.
crash_recover() {
  local point=$1
  for _ in $(seq 50); do kill -0 "$KD_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$KD_PID" 2>/dev/null; then bad "$point: kioskd did not crash"; kioskd_stop; return 1; fi
  wait "$KD_PID" 2>/dev/null; KD_PID=
  grep -q "engine.crash_point at=$point" < <(tail -n +"$((CRASH_MARK + 1))" "$T/kioskd.log") ||
    { bad "$point: crash point not reached"; tail -5 "$T/kioskd.log"; return 1; }
  kioskd_start || { bad "$point: restart"; return 1; }
  for _ in $(seq 100); do "$K" status 2>/dev/null | grep -q '"recovering":false' && break; sleep 0.1; done
}
# transactions the journal still holds open
open_transactions() { "$K" journal --open | grep -o '"id":' | wc -l; }
# crash_verdict OK WHAT: count the point's verdict, show the log when it failed
crash_verdict() {
  if [ "$1" = 1 ]; then ok; echo "ok   $2"; else bad "$2"; tail -5 "$T/kioskd.log"; fi
}

# kiosk_files_clean PATTERN... - fails the check when a file the kiosk wrote
# (kioskd's log, the journal, the spool: $T/state) contains any pattern (PINs,
# full ID numbers); used after every service (tests/privacy/ checks more).
kiosk_files_clean() {
  local p hits=""
  for p in "$@"; do
    hits+=$(grep -rlaF -- "$p" "$T/state" "$T/kioskd.log" 2>/dev/null | sed "s|\$| ($p)|")
  done
  check "no PIN or full ID number in the kiosk's files${hits:+: $hits}" test -z "$hits"
  local spooled; spooled=$(find "$T/state" -path '*spool*' -type f 2>/dev/null | wc -l)
  check "no scan left in the spool" test "$spooled" = 0
}

