#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The user agreement in full, end to end (kioskd, ra-sim, a SoftHSM2 UKEY):
# the agreement screen publishes every paragraph of assets/agreement's
# text in the session's language with its version (the SHA-256 of the
# file's bytes); switching the language switches both; accepting journals
# the version shown and the moment, and the RA case carries the same
# agreement_version and agreement_accepted_at.
source "$(dirname "$0")/lib.sh"
AG="$S/assets/agreement"
sim_start --validity-days 30 --auto-approve 0 --auto-pay 0 || exit 1
ukey_with_cert ag1 123456 >/dev/null || { bad "set-up: certificate on the UKEY"; finish; exit 1; }
kioskd_config <<CONF
[token]
module = $P11_MODULE
CONF
# the texts from a copy: what is shown is what the file holds
mkdir -p "$T/agreement"; cp "$AG/zh_CN.txt" "$AG/en.txt" "$T/agreement/"
sed -i "s|^\[kiosk\]|[kiosk]\nagreement_dir = $T/agreement|" "$T/k.conf"
kioskd_start || exit 1
zh=$(sha256sum "$AG/zh_CN.txt" | cut -d' ' -f1)
en=$(sha256sum "$AG/en.txt" | cut -d' ' -f1)
zh_lines=$(grep -c . "$AG/zh_CN.txt"); en_lines=$(grep -c . "$AG/en.txt")
zh_last=$(grep . "$AG/zh_CN.txt" | tail -1)  # no spaces in it
en_last=$(grep . "$AG/en.txt" | tail -1)
t0=$(date +%s)
flow_file agreement agreement/switch_language.flow ZH="$zh" EN="$en" \
  ZH_LAST_N=$((zh_lines - 1)) ZH_LAST="$zh_last" \
  EN_LAST_N=$((en_lines - 1)) EN_LAST="$en_last" EN_N="$en_lines"
t1=$(date +%s)
sid=$(sqlite3 "$T/state/journal.db" "SELECT id FROM sessions ORDER BY created DESC, rowid DESC LIMIT 1")
row=$(sqlite3 "$T/state/journal.db" "SELECT ref||'|'||result||'|'||status FROM tx WHERE session='$sid' AND kind='agreement'")
check "the journal records the English text's version as accepted" test "${row%%|*}" = "$en"
at=$(cut -d'|' -f2 <<<"$row" | cut -d' ' -f2)
check "the journal records when (en, in the session's time)" test "$(cut -d'|' -f2 <<<"$row" | cut -d' ' -f1)" = en -a "$at" -ge "$t0" -a "$at" -le "$t1"
case_id=$(sqlite3 "$T/state/journal.db" "SELECT case_id FROM sessions WHERE id='$sid'")
ra GET "/v1/cases/$case_id" > "$T/case.json"
check "the RA case carries the version shown" test "$(jget agreement_version < "$T/case.json")" = "$en"
check "the RA case carries the moment accepted" test "$(date -u -d "$(jget agreement_accepted_at < "$T/case.json")" +%s)" = "$at"
kioskd_stop
# a text that cannot be read is never accepted in its place
rm "$T/agreement/zh_CN.txt"
kioskd_start || exit 1
flow_file agreement-missing agreement/text_missing.flow
kioskd_stop
finish
