#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UKEY driver on skf-soft (SKF, SM2 dual certificates): machine time of an
# SM2 issuance (key generation + CSR signed on the token + install of the
# pair: signing certificate, enveloped encryption key pair, encryption
# certificate) and of a whole renewal (the same + commit: both pairs
# verified on the token, relabel, old container deleted), in one process
# through the kx_token_* wrappers (tests/token/token_tool bench-sm2; the
# CA's and KMC's work between the CSR and the install is not counted).
# Median of N rounds, each renewing the previous round's container.
# Target: renewal < 0.5 s, as for EC on PKCS#11. KX_BENCH_TOKEN_DIR
# (default /tmp) holds the store: /dev/shm takes the disk (fsync) out.
# Prints "figure: value (command: ...)" lines.
set -uo pipefail
N=${KX_BENCH_TOKEN_ROUNDS:-20}
TOOL="$KX_BUILD/tests/token/token_tool"
T=$(mktemp -d "${KX_BENCH_TOKEN_DIR:-/tmp}/kx-bench-skf-XXXXXX")
trap 'rm -rf "$T"' EXIT
export SKF_SOFT_DIR=$T/store SKF_SOFT_FAULTS=$T/faults KX_TEST_PIN=246810 KX_LOG_LEVEL=error
mkdir -p "$SKF_SOFT_DIR"; : > "$SKF_SOFT_FAULTS"
"$KX_SOURCE/tools/skf-soft/skf-soft-util" init bench >/dev/null
"$KX_SOURCE/tools/skf-soft/skf-soft-util" app bench JXCA --admin-pin 13572468 --user-pin "$KX_TEST_PIN"
openssl genpkey -algorithm SM2 -out "$T/ca.key" 2>/dev/null
openssl req -x509 -new -key "$T/ca.key" -sm3 -days 2 -subj "/CN=Bench SM2 CA" -out "$T/ca.pem" 2>/dev/null
"$TOOL" --backend skf --module "$KX_BUILD/tools/skf-soft/libskf-soft.so" bench-sm2 "$N" \
  "$T/ca.key" "$T/ca.pem" 2>/dev/null | while read -r step _ med _ _ min _ max; do
  what=$([ "$step" = sm2-issue ] && echo "keygen + CSR + install of the pair" || echo "renewal machine time")
  echo "skf SM2 $what: median $med ms (min $min, max $max)  (command: bench/run skf; $N rounds on skf-soft, load $(cut -d' ' -f1-3 /proc/loadavg))"
done
