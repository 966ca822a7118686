#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UKEY driver on SoftHSM2: time of key generation, CSR (signed on the
# token) and certificate install per key type, in one process through the
# kx_token_* wrappers (tests/token/token_tool bench; the throwaway CA's
# signing between CSR and install is not counted). Median of N rounds on a
# fresh token; each round's pair is deleted afterwards. KX_BENCH_TOKEN_DIR
# (default /tmp) holds the token store: /dev/shm takes the disk out.
# Prints "figure: value (command: ...)" lines.
set -uo pipefail
N=${KX_BENCH_TOKEN_ROUNDS:-20}
TOOL="$KX_BUILD/tests/token/token_tool"
T=$(mktemp -d "${KX_BENCH_TOKEN_DIR:-/tmp}/kx-bench-token-XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/tokens"
printf 'directories.tokendir = %s/tokens/\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" \
  > "$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf KX_TEST_PIN=246810 KX_LOG_LEVEL=error
softhsm2-util --init-token --free --label bench --so-pin 12345678 --pin "$KX_TEST_PIN" >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Bench CA" -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
for kt in ec rsa; do
  name=$([ $kt = ec ] && echo "EC P-256" || echo "RSA 2048")
  "$TOOL" --module /usr/lib/softhsm/libsofthsm2.so bench $kt "$N" "$T/ca.key" "$T/ca.pem" \
    2>/dev/null | while read -r step _ med _ _ min _ max; do
    echo "token $name $step: median $med ms (min $min, max $max)  (command: bench/run token; $N rounds on SoftHSM2 2.6)"
  done
done
