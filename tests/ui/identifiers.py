#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# identifiers.py PROTOCOL_MD PO_DIR TEXT_LOG... - the internal identifiers
# among the texts a kiosk drew (KX_UI_TEXT_LOG lines "screen<TAB>lang<TAB>
# text"): snake_case tokens (legal_seal, long_term, screen ids, error
# names), enum names (KX_ERR_TIMEOUT), event names (session.start) and the
# protocol's keys and values (the `backticked` words of docs/protocol.md)
# that no translated text uses. Prints one line per finding, exits 1 when
# there is one, 0 when none, 2 on bad input.
import re
import sys
from pathlib import Path

if len(sys.argv) < 4:
    sys.exit("usage: identifiers.py PROTOCOL_MD PO_DIR TEXT_LOG...")
protocol, po_dir, logs = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]

# words people read: every word of every msgid and msgstr
human = set()
for po in po_dir.glob("*.po"):
    for m in re.finditer(r'^(?:msgid|msgstr) "(.*)"$', po.read_text(encoding="utf-8"), re.M):
        human.update(w.lower() for w in re.findall(r"[A-Za-z]+", m.group(1)))
keys = set()
for tok in re.findall(r"`([a-z][a-z0-9_.]*)`", Path(protocol).read_text(encoding="utf-8")):
    if tok not in human:
        keys.add(tok)

EMAIL = re.compile(r"\S+@\S+")
SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@])")
ENUM = re.compile(r"(?<![\w])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w])")
EVENT = re.compile(r"(?<![\w./])[a-z]+\.[a-z_]+(?![\w./])")

found = 0
for log in logs:
    for n, line in enumerate(Path(log).read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        screen, lang, text = parts
        text = EMAIL.sub(" ", text)
        hits = set(SNAKE.findall(text)) | set(ENUM.findall(text))
        hits |= {e for e in EVENT.findall(text) if e.split(".")[0] in keys or "_" in e}
        # a one-word key is an identifier where it stands for a whole value
        # (a row name, a field): "uscc", "verdict 1"; inside a sentence the
        # same word may be plain English (a translated or RA-supplied text)
        whole = re.fullmatch(r"\s*([a-z][a-z0-9]*)(?:\s+\d+)?\s*", text)
        if whole and whole.group(1) in keys:
            hits.add(whole.group(1))
        for h in sorted(hits):
            found += 1
            print(f"{log}:{n}: screen {screen} ({lang}) shows {h!r}: {text[:120]!r}")
sys.exit(1 if found else 0)
