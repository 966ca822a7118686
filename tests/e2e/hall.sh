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
flow hall <<'FLOW'
expect screen=home hall.id=fuzhou hall.name=抚州办证点 hall.phone=0794-8208389
expect screen=home hall.others.0.id=hall-provincial hall.others.1.id=hall-admin-center hall.others.2.id=ganzhou hall.others.10.id=yichun hall.others.11=null hall.others.2.name=赣州办证点 hall.others.2.phone=0797-8239608
send set_language lang=en
expect screen=home hall.name="Fuzhou service point" hall.others.2.name="Ganzhou service point" hall.others.2.address="6F above the BYD dealer, car dealer street, Ganzhou Development Zone"
send choose_service service=new
expect screen=licence_place hall.name="Fuzhou service point" hall.others=null
send confirm
expect timeout=30 screen=error error.counter.args.phone=0794-8208389 error.counter.args.hall="Fuzhou service point"
send cancel
expect screen=cancelled
FLOW
kioskd_stop
# a hall with its counter named: the counter, not the hall, is given
sed 's/^\[fuzhou\]$/[fuzhou]\ncounter = Window 3/' "$S/config/sites.conf" > "$T/sites.conf"
hall_config fuzhou
sed -i "s|^sites_file = .*|sites_file = $T/sites.conf|" "$T/k.conf"
kioskd_start || exit 1
flow hall-counter <<'FLOW'
expect screen=home hall.counter="Window 3"
send choose_service service=new
send confirm
expect timeout=30 screen=error error.counter.args.counter="Window 3" error.counter.args.phone=0794-8208389
send cancel
FLOW
kioskd_stop
# a site the file does not list: kioskd refuses to start
hall_config atlantis
"$D" --config "$T/k.conf" 2>>"$T/kioskd.log" & pid=$!
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then bad "kioskd started with an unknown site"; kill $pid; wait $pid; else ok; fi
check "the log names the unknown site" grep -q "atlantis" "$T/kioskd.log"
finish
