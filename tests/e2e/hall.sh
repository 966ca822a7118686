#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hall this kiosk stands in, end to end (kioskd, ra-sim): [kiosk] site
# from config/sites.conf is published in the state in the session's
# language, and on the home screen the CA's other halls (never this one)
# with address and telephone; an error that sends the customer to staff
# (here: the scanner is not there) names this hall's counter and
# telephone; a site that the sites file does not list stops kioskd.
source "$(dirname "$0")/lib.sh"
sim_start --auto-approve 0 --auto-pay 0 || exit 1
hall_config() { # SITE [extra config]
  kioskd_config <<CONF
[scanner]
backend = sane
device = no-such-scanner:0
CONF
  sed -i "s|^\[kiosk\]|[kiosk]\nsite = $1\nsites_file = $S/config/sites.conf|" "$T/k.conf"
}
mkdir -p "$T/sane"; printf 'pnm\n' > "$T/sane/dll.conf"; export SANE_CONFIG_DIR="$T/sane"
hall_config fuzhou
kioskd_start || exit 1
flow_file hall hall/fuzhou.flow
kioskd_stop
# a hall with its counter named: the counter, not the hall, is given
sed 's/^\[fuzhou\]$/[fuzhou]\ncounter = Window 3/' "$S/config/sites.conf" > "$T/sites.conf"
hall_config fuzhou
sed -i "s|^sites_file = .*|sites_file = $T/sites.conf|" "$T/k.conf"
kioskd_start || exit 1
flow_file hall-counter hall/counter.flow
kioskd_stop
# a site the file does not list: kioskd refuses to start
hall_config atlantis
"$D" --config "$T/k.conf" 2>>"$T/kioskd.log" & pid=$!
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then bad "kioskd started with an unknown site"; kill $pid; wait $pid; else ok; fi
check "the log names the unknown site" grep -q "atlantis" "$T/kioskd.log"
finish
