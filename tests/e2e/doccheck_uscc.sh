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
run_segments to-copy <<'FLOW'
send choose_service service=renew_nopin
expect timeout=30 screen=cert_show
send confirm
expect screen=licence_place
page licence
send confirm
expect timeout=60 screen=company_confirm
send confirm
expect screen=doc_place doc=uscc_copy
FLOW
for spec in "id_front:an ID card, the side with the photo" "seal_ok:the seal collection sheet" \
            "blank:a blank page"; do
  page "${spec%%:*}"
  flow "copy-${spec%%:*}" <<FLOW
send confirm
expect timeout=60 screen=error error.name=KX_ERR_SCAN_NO_DOCUMENT error.args.seen.msgid="${spec#*:}" error.args.wanted.msgid="$WANT" intents~retry
send retry
expect screen=doc_place doc=uscc_copy
FLOW
done
# a copy of the licence carries the code: it passes, as the stamped copy does
page licence
flow copy-licence <<'FLOW'
send confirm
expect timeout=60 screen=doc_review doc=uscc_copy
send retry
expect screen=doc_place doc=uscc_copy
FLOW
page uscc
flow copy-ok <<'FLOW'
send confirm
expect timeout=60 screen=doc_review doc=uscc_copy
send cancel
expect screen=cancelled
FLOW
check "the refusals were logged" test "$(grep -c 'docs.page_check doc=uscc_copy .*result=KX_ERR_SCAN_NO_DOCUMENT' "$T/kioskd.log")" = 3
kioskd_stop
finish
