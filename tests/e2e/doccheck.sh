#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The wrong page on the glass at every document step (issue 22), through
# the real peers: SANE's pnm back-end scans the page, kiosk-parse says
# which document it is (doccheck, Tesseract for the titles), kioskd sends
# the customer back with a message naming what it saw and what it asks
# for; a rescan with the right page goes on, and nothing scanned before is
# lost; a seal sheet laid upside down is read and the customer told so.
# Also the letter's legal-representative signature (issue 19): a
# stamped letter without it is sent back to be signed.
# Then the same kiosk without Tesseract (KX_DOCCHECK_OCR=off, what a kiosk
# without libtesseract5 does): pages told by sight are still refused, the
# letter's title is not read, and a page that is not the letter falls
# through to the checks that need no title (the company seal, the
# signature).
source "$(dirname "$0")/lib.sh"
CODE=91110000600037341L
new_issuance_setup "$CODE" || { echo "document set-up failed"; exit 1; }
page licence
sim_start --auto-approve 0 --auto-pay 0 || exit 1
idcard_start || exit 1
token_init blank 12345678
new_issuance_config
kioskd_start || exit 1

# wrong PAGE WANT SEEN [STEP]: the page on the glass at a document step is
# refused, naming what was seen (a msgid) and what is wanted; retry comes
# back to the step's place screen
wrong() { # NAME PAGE PLACE_EXPECT SEEN_MSGID WANTED_MSGID [MSGID]
  local msg=${6:+ error.msgid=\"$6\"}
  page "$2"
  flow_file "$1" doccheck/wrong.flow SEEN="$4" WANTED="$5" MSG="$msg" EXPECT="$3"
}
# refused NAME PAGE MSGID: the letter step sends the page back with MSGID
refused() {
  page "$2"
  flow_file "$1" doccheck/letter_refused.flow MSGID="$3"
}
# accepted NAME PAGE DOC: the page passes at DOC's step; the session is
# then cancelled
accepted() {
  page "$2"
  flow_file "$1" doccheck/accepted.flow DOC="$3"
}
UNSIGNED_MSG="The legal representative has not signed or sealed the authorisation letter, where it says 法定代表人（签字或盖章）. Have it signed, then scan it again."
LIC="the business licence"; FRONT="an ID card, the side with the photo"
BACK="an ID card, the side with the emblem"; SHEET="the seal collection sheet"
LETTER="the authorisation letter"; STMT="the reissue statement"
BLANK_MSG="The scanner sees a blank page. Place {wanted} face down on the glass, then scan again."
FACE_MSG="The page lies face up: the scanner sees only its back. Turn {wanted} over, face down on the glass, then scan again."

flow_file start doccheck/start.flow
wrong lic-card id_front "screen=licence_place" "$FRONT" "$LIC" "This looks like {seen}; please place {wanted} on the glass, then scan again."
wrong lic-blank blank "screen=licence_place" "a blank page" "$LIC" "$BLANK_MSG"
page licence
flow_file lic-ok doccheck/licence_ok.flow
wrong front-sheet seal_ok "screen=doc_place doc=agent_id_front" "$SHEET" "$FRONT"
wrong front-back id_back "screen=doc_place doc=agent_id_front" "$BACK" "$FRONT"
page id_front
flow_file front-ok doccheck/front_ok.flow
wrong back-faceup face_up "screen=doc_place doc=agent_id_back" "the back of a page (it lies face up)" "$BACK" "$FACE_MSG"
wrong back-front id_front "screen=doc_place doc=agent_id_back" "$FRONT" "$BACK"
page id_back
flow_file back-ok doccheck/back_ok.flow
wrong sheet-licence licence "screen=seal_place" "$LIC" "$SHEET"
wrong sheet-letter auth "screen=seal_place" "$LETTER" "$SHEET"
# the sheet upside down: read all the same, and the customer told
page seal_flip
flow_file sheet-ok doccheck/sheet_flipped.flow
wrong letter-stmt stmt "screen=doc_place doc=auth_letter" "$STMT" "$LETTER"
wrong letter-sheet seal_ok "screen=doc_place doc=auth_letter" "$SHEET" "$LETTER"
# issue 19: stamped but not signed by the legal representative
refused letter-unsigned auth_unsigned "$UNSIGNED_MSG"
page auth
flow_file letter-ok doccheck/letter_ok.flow
# nothing lost, nothing wrong sent: the case's documents at the RA are
# one of each, the right ones
docs=$(sqlite3 "$T/sim/ra.db" "SELECT group_concat(kind) FROM (SELECT kind FROM documents ORDER BY kind)")
check "the RA has each document once, none of the wrong pages ($docs)" test "$docs" = "application_form,auth_letter,id_card_back,id_card_front,licence,seal_company,seal_legal_rep,signature_legal_rep"
check "kioskd logged each page's check" grep -q "docs.page_check doc=auth_letter seen=auth_letter titles=read signature=yes" "$T/kioskd.log"
check "the refusals were logged as such" test "$(grep -c 'docs.page_check .*result=KX_ERR_SCAN_NO_DOCUMENT' "$T/kioskd.log")" -ge 11

# the reissue statement's step
idcard_place
page licence
run_segments reissue <<<"$(flow_text doccheck/reissue_to_statement)"
wrong stmt-letter auth "screen=doc_place doc=reissue_statement" "$LETTER" "$STMT"
wrong stmt-blank blank "screen=doc_place doc=reissue_statement" "a blank page" "$STMT" "$BLANK_MSG"
accepted stmt-ok stmt reissue_statement
kioskd_stop

# ---- without Tesseract ----
KX_DOCCHECK_OCR=off kioskd_start || exit 1
idcard_place
check "kiosk-parse says it reads no titles" bash -c "grep 'parse.ocr' '$T/kioskd.log' | tail -1 | grep -q 'titles=unread'"
page licence
run_segments no-ocr <<<"$(flow_text doccheck/noocr_to_letter)"
# told by sight, with or without titles
wrong noocr-licence licence "screen=doc_place doc=auth_letter" "$LIC" "$LETTER"
wrong noocr-blank blank "screen=doc_place doc=auth_letter" "a blank page" "$LETTER" "$BLANK_MSG"
# the statement is not told from the letter without its title: the checks
# that need none decide (no company seal over "（盖章）")
refused noocr-stmt stmt "The company seal is missing on the authorisation letter, where it says 盖章. Stamp it, then scan it again."
refused noocr-unsigned auth_unsigned "$UNSIGNED_MSG"
accepted noocr-ok auth auth_letter
check "without Tesseract the letter's title was not read" grep -q "docs.page_check doc=auth_letter seen=unknown titles=unread signature=yes" "$T/kioskd.log"
kioskd_stop
finish
