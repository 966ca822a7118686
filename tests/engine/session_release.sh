#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kioskd releases the PKCS#11 module when a session ends (C_Finalize) and
# loads it afresh for the next session (issue #11: a module may keep every
# object it ever saw until C_Finalize, so a kioskd that kept one module for
# its whole life grew by ~2.4 KiB per renewal on SoftHSM2). Observable
# without looking at memory: SoftHSM2 reads its token directory only in
# C_Initialize, so a UKEY initialised after a session ended is seen by the
# next session only if the module was released in between (no pkcs11-shim
# "hotplug" here). Two ways a session ends: from an input screen (no job
# running) and while the UKEY job still waits (the job ends after it).
# Runs against the real peers of tests/e2e (ra-sim, SoftHSM2).
source "${KX_SOURCE:?}/tests/e2e/lib.sh"
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert ukey1 123456 || { bad "set-up: certificate on ukey1"; finish; exit 1; }
kioskd_config <<CONF
[token]
module = $P11_MODULE
CONF
kioskd_start || exit 1
serial_of() { # the published form of a UKEY's certificate serial
  /usr/bin/python3 -c 'import sys; print(format(int(sys.argv[1], 16), "x"))' "$(cat "$T/ukey-$1/serial")"
}
# a renewal session that reaches SCREEN (with the certificate of UKEY, if
# given) and is cancelled there: kioskd ends the session
session_until() { # NAME SCREEN [UKEY]
  local want="screen=$2"
  [ -n "${3:-}" ] && want="$want cert.serial=$(serial_of "$3")"
  flow_file "$1" token/renew-cancel-at.flow WANT="$want"
}

# 1. a session that ends on an input screen (the module was loaded in it)
session_until first cert_show ukey1
# the UKEY is swapped for another while kioskd idles
softhsm2-util --delete-token --token ukey1 >/dev/null || bad "delete ukey1"
ukey_with_cert ukey2 123456 || bad "set-up: certificate on ukey2"
session_until second cert_show ukey2

# 2. a session cancelled while the UKEY job waits (only a blank UKEY,
# which renewal does not take, is present)
softhsm2-util --delete-token --token ukey2 >/dev/null || bad "delete ukey2"
token_init blank 12345678
session_until waiting ukey_insert
sleep 1 # the waiting job notices the end of its session (it polls every 300 ms)
softhsm2-util --delete-token --token blank >/dev/null || bad "delete blank"
ukey_with_cert ukey3 123456 || bad "set-up: certificate on ukey3"
session_until third cert_show ukey3
finish
