#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Renewal windows are the hall's configuration ([rules]), not the CA's
# rule: by default a certificate 30 days from expiry is renewed (the
# paper sets no window); where a hall configured renew_window_days the
# kiosk refuses it and the error screen says why, with the configured
# number of days (kioskd, ra-sim, a SoftHSM2 UKEY).
source "$(dirname "$0")/lib.sh"
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert rw1 123456 >/dev/null || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
kioskd_config <<CONF
[token]
module = $P11_MODULE
[rules]
renew_window_days = 10
CONF
kioskd_start || exit 1
flow_file renew-window renew/window_refused.flow
kioskd_stop
# the defaults turn away nobody the counter serves
kioskd_config <<CONF
[token]
module = $P11_MODULE
CONF
kioskd_start || exit 1
flow_file renew-default renew/default_window.flow
kioskd_stop
finish
