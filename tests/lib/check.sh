# SPDX-License-Identifier: MIT
# tests/lib/check.sh - the counting every shell test shares: ok/bad/check
# and finish, which prints the "N passed, M failed" line ctest shows and
# is the script's result. Sourced, never run; defines nothing else.
#   ok                    count a passed check
#   bad WHAT...           count a failed check and say which (also: no)
#   check WHAT CMD ARGS   run CMD; count it passed when it succeeds
#   finish                print the counts; true only when nothing failed
#                         and at least one check ran (a script that checked
#                         nothing has not shown anything)
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*"
}
no() { bad "$@"; }
check() {
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}
finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
