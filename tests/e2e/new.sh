#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# New issuance end to end: the licence's QR code through SANE's pnm
# back-end and the imaging library, the RA's enterprise record, the agent's
# ID card on idcard-sim, scanned copies, contact, the application form for
# review (corrected: a landline), the agreement, the seal sheet
# (first with a missing company seal, then a good one), the authorisation
# letter, the case and its documents at ra-sim, review, payment, a blank
# SoftHSM2 UKEY getting the user's PIN, key generation and CSR on it,
# issuance, installation. Afterwards: pkcs11-tool shows the certificate and
# its key on the new UKEY, openssl verifies it against ra-sim's CA and finds
# the credit code in its subject, and ra-sim's counters show one order
# paid, one certificate issued, every document stored, the spool empty.
source "$(dirname "$0")/lib.sh"
CODE=91110000600037341L
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
page licence
sim_start --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1
token_init blank 12345678   # a factory-fresh UKEY with the default PIN
new_issuance_config
kioskd_start || exit 1
docs0=$(counter documents_stored)

flow_file new-1 new/to_id_front.flow
page id_front
flow_file new-2 new/id_front.flow
page id_back
flow_file new-3 new/id_back_contact.flow
# the application form before the agreement: back to correct the phone
# (a landline now), then the form shows it and is confirmed
check "the form's review image is in the spool" bash -c "ls '$T'/state/spool/*.form-preview-*.png"
flow_file new-form new/form_back.flow
form_png=$(ls -t "$T"/state/spool/*.form-preview-*.png 2>/dev/null | head -1)
cp "$form_png" "$T/reviewed.png" 2>/dev/null
flow_file new-form-ok new/form_ok.flow
# the image the customer reviewed is the form the RA receives: the same
# fields rendered by kiosk/docs give the same pixels, and that render's
# PDF carries the company, the credit code and the corrected telephone on
# its first page, which rasterised is the reviewed image
"$K" print form --out "$T/form-ref.pdf" --png "$T/form-ref.png" --service new \
  --company "Example Electronics Co., Ltd." --address "1 Example Road, Beijing" \
  --credit-code "$CODE" --agent-name 张三 --agent-id 360426199101010071 \
  --phone 0791-82097407 --date "$(date +%F)" >/dev/null 2>"$T/form-ref.err" ||
  { bad "kioskctl print form"; cat "$T/form-ref.err"; }
ref_text=$(pdftotext -f 1 -l 1 "$T/form-ref.pdf" - 2>/dev/null)
for want in "Example Electronics Co., Ltd." "$CODE" "0791-82097407" "张三"; do
  check "the form's PDF shows $want" grep -qF "$want" <<<"$ref_text"
done
pdftoppm -r 150 -f 1 -l 1 -png "$T/form-ref.pdf" "$T/form-pdf" 2>/dev/null
check "the reviewed image is that form, pixel for pixel" /usr/bin/python3 - "$T/reviewed.png" "$T/form-ref.png" "$T/form-pdf-1.png" <<'PY'
import sys
from PIL import Image, ImageChops
seen, ref, pdf = (Image.open(p).convert("L") for p in sys.argv[1:4])
if seen.size != ref.size or ImageChops.difference(seen, ref).getbbox():
    sys.exit("the reviewed image differs from the form rendered with the session's fields")
# poppler rounds the page's 1240.2 pixels up: compare the image's area
if abs(pdf.width - seen.width) > 1 or abs(pdf.height - seen.height) > 1:
    sys.exit("the PDF's first page is %s, the image %s" % (pdf.size, seen.size))
pdf = pdf.crop((0, 0, seen.width, seen.height))
hist = ImageChops.difference(seen, pdf).histogram()
mean = sum(i * c for i, c in enumerate(hist)) / (seen.width * seen.height)
if mean >= 3.0:
    sys.exit("the PDF's first page differs from the image: mean %.2f" % mean)
PY
page seal_bad
flow_file new-4 new/seal_bad.flow
page seal_ok
flow_file new-5 new/seal_ok.flow
# the letter without its company seal is sent back to be stamped
page auth_bare
flow_file new-auth-bare new/auth_bare.flow
page auth
flow_file new-6 new/auth_to_done.flow
# the validity the done screen states is the issued certificate's
p11 --token-label blank --read-object --type cert --label kx-cert -o "$T/done.der" >/dev/null 2>&1 ||
  p11 --token-label blank --read-object --type cert -o "$T/done.der" >/dev/null 2>&1
check "the issued certificate can be read at the done screen" test -s "$T/done.der"
vdate() { date -u -d "$(openssl x509 -inform DER -in "$T/done.der" -noout "-$1" | cut -d= -f2)" +%F; }
flow_file new-7 new/done.flow FROM="$(vdate startdate)" TO="$(vdate enddate)"

check "one order paid" test "$(counter orders_paid)" = 1
check "one certificate issued" test "$(counter certs_issued)" = 1
check "no refund" test "$(counter refunds)" = 0
check "documents stored at the RA (8, with the application form)" test "$(counter documents_stored)" = $((docs0+8))
form=$(sqlite3 "$T/sim/ra.db" "SELECT media_type||' '||size FROM documents WHERE kind='application_form' ORDER BY rowid DESC LIMIT 1")
check "the application form reached the RA as a PDF" test "${form%% *}" = application/pdf -a "${form##* }" -gt 10000
check "the ID card reached the RA cut from the page, both sides" test "$(sqlite3 "$T/sim/ra.db" "SELECT count(*) FROM documents WHERE kind IN ('id_card_front','id_card_back')")" -ge 2
check "spool empty after the RA's receipts" test -z "$(ls "$T/state/spool")"
check "the new UKEY holds one certificate" test "$(ukey_certs blank)" = 1
p11 --token-label blank --login --pin 270513 -O --type privkey 2>/dev/null | grep -q "Private Key Object" && ok || bad "private key on the new UKEY"
p11 --token-label blank --read-object --type cert --label kx-cert -o "$T/issued.der" >/dev/null 2>&1 ||
  p11 --token-label blank --read-object --type cert -o "$T/issued.der" >/dev/null 2>&1
openssl x509 -inform DER -in "$T/issued.der" -out "$T/issued.pem" 2>/dev/null
check "openssl verifies the certificate against ra-sim's CA" openssl verify -CAfile "$T/sim/ca.pem" "$T/issued.pem"
check "the subject carries the credit code" bash -c "openssl x509 -in '$T/issued.pem' -noout -subject | grep -q $CODE"
# the electronic seals (制作电子签章): read back from the UKEY, each bound
# to the issued certificate (its digest) and signed by the RA's seal maker
p11 --token-label blank --read-object --type data --label seal-maker -o "$T/seal-maker.pem" >/dev/null 2>&1
check "the seal maker's certificate is on the UKEY and chains to ra-sim's CA" openssl verify -CAfile "$T/sim/ca.pem" "$T/seal-maker.pem"
issued_sha=$(openssl x509 -in "$T/issued.pem" -outform DER | sha256sum | cut -d' ' -f1)
for seal in seal-company seal-legal-rep signature-legal-rep; do
  mkdir -p "$T/$seal"
  p11 --token-label blank --read-object --type data --label "$seal" -o "$T/$seal.der" >/dev/null 2>&1
  info=$(/usr/bin/python3 "$S/tests/e2e/ses_seal.py" "$T/$seal.der" "$T/$seal" 2>&1)
  read -r alg digest size <<<"$info"
  check "$seal: an SES_Seal on the UKEY, ECDSA-SHA256 ($info)" test "$alg" = 1.2.840.10045.4.3.2
  check "$seal: bound to the issued certificate" test "$digest" = "$issued_sha"
  openssl x509 -inform DER -in "$T/$seal/maker.der" -pubkey -noout > "$T/$seal/maker.pub" 2>/dev/null
  check "$seal: made by the maker whose certificate is on the UKEY" cmp -s <(openssl x509 -inform DER -in "$T/$seal/maker.der") <(openssl x509 -in "$T/seal-maker.pem")
  check "$seal: openssl verifies the maker's signature" openssl dgst -sha256 -verify "$T/$seal/maker.pub" -signature "$T/$seal/sig.der" "$T/$seal/tbs.der"
done
p11 --token-label blank --login --pin 12345678 -O >/dev/null 2>&1 && bad "the old default PIN still works" || ok
check "no ID number or PIN in kioskd's log" bash -c "! grep -qE '360426199101010071|270513' '$T/kioskd.log'"
finish
