#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# RA client against ra-sim on loopback (mutual TLS): requests per second and
# p50/p99 latency of health GETs on one kept-alive connection (kioskctl
# ra-check --count), and the cost of a fresh TLS handshake (median of 20
# probes). Prints "figure: value (command: ...)" lines.
set -euo pipefail
export KX_LOG_LEVEL=warn   # one log line per request would dominate the timing
SIM="$KX_BUILD/tools/ra-sim/ra-sim"
CTL="$KX_BUILD/kiosk/ctl/kioskctl"
T=$(mktemp -d /tmp/kx-bench-ra-XXXXXX)
"$SIM" --state "$T/st" --port 0 --port-file "$T/port" --admin-port-file "$T/admin" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
printf '[ra]\nurl = https://127.0.0.1:%s\nca_file = %s/ca.pem\ncert_file = %s/kiosk.pem\nkey_file = %s/kiosk.key\n' \
  "$(cat "$T/port")" "$T/st" "$T/st" "$T/st" > "$T/k.conf"
n=${KX_BENCH_RA_COUNT:-2000}
out=$("$CTL" ra-check --config "$T/k.conf" --count "$n")
field() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -1 | cut -d: -f2; }
bench=$(grep -o '"bench":{[^}]*}' <<<"$out")
cmd="bench/run ra; kioskctl ra-check --count $n against ra-sim on 127.0.0.1"
echo "RA health GETs, one connection: $(field requests_per_s "$bench") requests/s  (command: $cmd)"
echo "RA health GET latency p50: $(field p50_us "$bench") us  (command: $cmd)"
echo "RA health GET latency p99: $(field p99_us "$bench") us  (command: $cmd)"
tls=()
for _ in $(seq 20); do
  o=$("$CTL" ra-check --config "$T/k.conf")
  tls+=("$(field tls_us "$o") $(field rtt_us "$o")")
done
med=$(printf '%s\n' "${tls[@]}" | sort -n | sed -n 10p)
echo "RA fresh connection, TLS handshake (mutual, P-256): ${med%% *} us  (command: bench/run ra; median of 20 kioskctl ra-check)"
echo "RA fresh connection, whole health request: ${med##* } us  (command: bench/run ra; median of 20 kioskctl ra-check)"
