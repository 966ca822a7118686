# SPDX-License-Identifier: MIT
# tests/e2e/lib.sh - kept for the tests, benchmarks and the demo that
# source it: the shared test library now lives in tests/lib/ (check.sh:
# ok/bad/check/finish; peers.sh: ra-sim, SoftHSM2, idcard-sim, kioskd;
# flows.sh: run-flow, the services' paths, crash points). New tests source
# tests/lib/flows.sh (or peers.sh, or check.sh) directly.
source "${KX_SOURCE:?}/tests/lib/flows.sh"
