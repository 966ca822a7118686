#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding 5, the ID card: the reader's text (GA 467: name, number, address
# in UCS-2) is decoded by kiosk-parse, not inside kioskd. Through a real
# session (ra-sim, SANE pnm, idcard-sim on a pty):
#  - the agent's card reads as before (agent_confirm with the name);
#  - 32 hostile texts (random bytes, unpaired surrogates, control
#    characters, no padding, all 0x00 / 0xFF, a valid card with
#    characters out of place) each give the error screen with a retry,
#    never a crash: kioskd serves on and the next card reads;
#  - with the helper killed, the card's read fails cleanly (the text needs
#    the helper: it is not decoded in kioskd), and the retry reads it;
#  - the card is then cut from its scanned copy (also in kiosk-parse).
source "$KX_SOURCE/tests/lib/flows.sh"
GOOD=91110000600037341L
new_issuance_setup "$GOOD" || { echo "document set-up failed"; exit 1; }
page licence
sim_start || exit 1
idcard_start || exit 1
new_issuance_config
kioskd_start || exit 1
helper() { pgrep -P "$KD_PID" -x kiosk-parse | head -1; }
place_text() { # FILE (empty: the card's own text)
  if [ -n "$1" ]; then echo "text-file $1" > "$T/idcard.ctl"; else : > "$T/idcard.ctl"; fi
  idcard_place
}
flow read <<'FLOW'
send choose_service service=new
expect screen=licence_place
send confirm
expect timeout=30 screen=company_confirm
send confirm
expect timeout=20 screen=agent_confirm agent.name=张三
send retry
expect screen=idcard_place
FLOW

/usr/bin/python3 - "$T/garbage" <<'PY'
import os, random, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
rnd = random.Random(20261208)
def ucs2(s, n):
    b = s.encode("utf-16-le")[:n]
    return b + b"\x20\x00" * ((n - len(b)) // 2)
good = (ucs2("张三", 30) + ucs2("1", 2) + ucs2("01", 4) + ucs2("19910101", 16) +
        ucs2("江西省南昌市", 70) + ucs2("360426199101010071", 36) + ucs2("南昌市公安局", 30) +
        ucs2("20200101", 16) + ucs2("长期", 16) + ucs2("", 36))
pays = [bytes(256), b"\xff" * 256, b"\x00\xd8" * 128, b"\x00\xdc\x00\xd8" * 64,
        b"\x01\x00" * 128, b"A\x00" * 128,
        good[:30] + b"\x00\xd8" * 113,                    # a surrogate in the sex field onwards
        good.replace(ucs2("360426199101010071", 36), ucs2("36042619910101007\u202e", 36)),
        good.replace(ucs2("张三", 30), b"\x00\x00" + ucs2("张三", 28)),
        good.replace(ucs2("张三", 30), ucs2("张\n三", 30)),  # a control character
        good[1:] + b"\x00"]
while len(pays) < 32:
    pays.append(bytes(rnd.getrandbits(8) for _ in range(256)))
for i, p in enumerate(pays):
    assert len(p) == 256, (i, len(p))
    open(os.path.join(d, "%02d.bin" % i), "wb").write(p)
PY
H1=$(helper)
n=0; survived=0
for f in "$T"/garbage/*.bin; do
  n=$((n + 1))
  place_text "$f"
  cat > "$T/g.flow" <<'FLOW'
expect timeout=20 screen=error intents~retry
send retry
expect timeout=10 screen=idcard_place
FLOW
  if "$K" run-flow "$T/g.flow" >"$T/g.out" 2>&1 && kill -0 "$KD_PID" 2>/dev/null; then
    survived=$((survived + 1))
  else
    echo "payload $f:"; cat "$T/g.out"; tail -5 "$T/kioskd.log"
  fi
done
check "each hostile text gave the error screen with a retry ($survived of $n)" test "$survived" = "$n"
check "kioskd survived every one" kill -0 "$KD_PID"
check "the helper said why (decoding refused), kioskd logged it" grep -q 'idcard.text result=' "$T/kioskd.log"

# the card's own text again: it reads
place_text ""
flow good-again <<'FLOW'
expect timeout=20 screen=agent_confirm agent.name=张三
send retry
expect screen=idcard_place
FLOW

# without a helper there is no card: the text is not decoded in kioskd
kill -SEGV "$(helper)"
place_text ""
flow no-helper <<'FLOW'
expect timeout=30 screen=error error.name=KX_ERR_CARD_READ intents~retry
send retry
expect timeout=10 screen=idcard_place
FLOW
check "kioskd survived the helper's crash" kill -0 "$KD_PID"
H2=$(helper)
check "a new helper runs" bash -c "[ -n '$H2' ] && [ '$H2' != '$H1' ]"
place_text ""
flow retry <<'FLOW'
expect timeout=20 screen=agent_confirm agent.name=张三
send confirm
expect screen=doc_place doc=agent_id_front
FLOW
# the card cut from the scanned copy, also by kiosk-parse (jobs_devices.c)
page id_front
flow id-copy <<'FLOW'
send confirm
expect timeout=30 screen=doc_review doc=agent_id_front previews.0.doc=agent_id_front
send cancel
expect screen=cancelled
send confirm
expect screen=home
FLOW
check "the card was cut from the copy" grep -q 'scan.card_crop doc=agent_id_front result=KX_OK' "$T/kioskd.log"
check "no full ID number in kioskd's log" bash -c "! grep -q 360426199101010071 '$T/kioskd.log'"
finish
