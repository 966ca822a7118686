#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The document check at the credit-code copy's step (renewal without the
# PIN, the CA's section 4), through the real peers: any page that may
# carry the credit code passes (the stamped copy, a copy of the licence);
# an ID card, the seal sheet, a blank page are sent back naming what was
# seen and what is asked (tests/e2e/doccheck.sh has the other steps).
source "$(dirname "$0")/lib.sh"
new_issuance_setup 91110000600037341L || { echo "document set-up failed"; exit 1; }
page licence
sim_start --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert n1 123456 >/dev/null || { echo "UKEY set-up failed"; exit 1; }
new_issuance_config
kioskd_start || exit 1
WANT="the stamped copy of a document with the credit code"
run_segments to-copy <<<"$(flow_text doccheck/uscc_to_copy)"
for spec in "id_front:an ID card, the side with the photo" "seal_ok:the seal collection sheet" \
            "blank:a blank page"; do
  page "${spec%%:*}"
  flow_file "copy-${spec%%:*}" doccheck/uscc_refused.flow SEEN="${spec#*:}" WANT="$WANT"
done
# a copy of the licence carries the code and its red seal: it passes, as
# the stamped copy does
page licence
flow_file copy-licence doccheck/uscc_licence.flow
# the copy as brought without the company's seal (the CA's section 4:
# 加盖公章) is sent back; stamped, it passes
page uscc_bare
flow_file copy-unstamped doccheck/uscc_unstamped.flow
check "the unstamped copy was refused for its seal" \
  grep -q 'docs.seal_check doc=uscc_copy company_seal_mm2=' "$T/kioskd.log"
page uscc
flow_file copy-ok doccheck/uscc_ok.flow
check "the refusals were logged" test "$(grep -c 'docs.page_check doc=uscc_copy .*result=KX_ERR_SCAN_NO_DOCUMENT' "$T/kioskd.log")" = 4
kioskd_stop
finish
