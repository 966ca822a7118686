#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the manual page kiosk.conf(5) from config/kiosk.conf.example, so
# that the page documents exactly the keys the example (and so the
# program, whose every key the example documents) has: run by the build
# (cmake/KxMan.cmake). Usage: gen-kiosk.conf.5.py EXAMPLE VERSION > OUT
#
# The example's layout: a leading comment block (the file's description);
# "[section]" lines; "; text" comment lines describing the key that
# follows; "key = value" lines (the default); keys right after another key
# share its description; ";key = value" lines are keys left unset in the
# example (optional); ";[section]" starts a commented example block.
import re
import sys

SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
KEY = re.compile(r"^([A-Za-z0-9_]+)\s*=\s?(.*)$")
CSECTION = re.compile(r"^;\[([^\]]+)\]\s*$")
CKEY = re.compile(r"^;([A-Za-z0-9_]+)\s*=\s?(.*)$")


def roff(text):
    """Escape text for a roff text line."""
    text = text.replace("\\", "\\e")
    text = text.replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def main():
    path, version = sys.argv[1], sys.argv[2]
    lines = open(path, encoding="utf-8").read().split("\n")
    intro = []
    sections = []  # (name, [entries]); entry: ("key", tags, desc) / ("example", text, lines)
    pending = []
    cur = None
    last_was_key = False
    example = None
    for raw in lines:
        line = raw.rstrip()
        m = SECTION.match(line)
        if m:
            cur = (m.group(1), [])
            sections.append(cur)
            pending, last_was_key, example = [], False, None
            continue
        if cur is None:
            if line.startswith(";"):
                intro.append(line[1:].strip())
            continue
        if not line:
            if pending and not last_was_key:
                cur[1].append(("text", None, pending))
            pending, last_was_key, example = [], False, None
            continue
        m = CSECTION.match(line)
        if m:
            example = ("example", pending, [line[1:]])
            cur[1].append(example)
            pending, last_was_key = [], False
            continue
        m = CKEY.match(line)
        if m and example is not None and not pending:
            example[2].append(line[1:])
            continue
        m = KEY.match(line) or CKEY.match(line)
        if m:
            example = None
            key, value = m.group(1), m.group(2)
            optional = line.startswith(";")
            tag = (key, value, optional)
            if last_was_key and not pending:
                cur[1][-1][1].append(tag)
            else:
                cur[1].append(("key", [tag], pending))
            pending, last_was_key = [], True
            continue
        if line.startswith(";"):
            example = None
            pending.append(line[1:].strip())
            last_was_key = False
    out = []
    w = out.append
    w('.\\" SPDX-License-Identifier: MIT')
    w('.\\" Generated from config/kiosk.conf.example by docs/man/gen-kiosk.conf.5.py;')
    w('.\\" edit the example, not this file.')
    w('.TH KIOSK.CONF 5 "" "jxca-kiosk %s" "File Formats Manual"' % roff(version))
    w(".SH NAME")
    w("kiosk.conf \\- configuration of a Jiangxi CA certificate kiosk")
    w(".SH SYNOPSIS")
    w(".I /etc/jxca\\-kiosk/kiosk.conf")
    w(".SH DESCRIPTION")
    for l in intro:
        if l and not l.startswith("kiosk.conf -"):
            w(roff(l))
    w(".PP")
    w("The file is read by")
    w(".BR kioskd (8),")
    w(".BR kiosk (1)")
    w("and")
    w(".BR kioskctl (8).")
    w("It is an INI file: a line")
    w(".BI [ section ]")
    w("starts a section,")
    w(".IB key \" = \" value")
    w("sets a key, a line starting with")
    w(".B ;")
    w("is a comment. A missing key takes its default; an unknown section or key, or a")
    w("value out of range, is an error that names the file, the line and the key.")
    w("Below, each key is shown with the value the example file gives it, which is")
    w("its default unless the text says otherwise; a key marked")
    w(".I (unset)")
    w("is commented out in the example.")
    for name, entries in sections:
        w(".SS [%s]" % roff(name))
        for kind, tags, desc in entries:
            if kind == "text":
                w(".PP")
                for l in desc:
                    w(roff(l))
            elif kind == "example":
                w(".PP")
                for l in tags:
                    w(roff(l))
                w(".PP")
                w(".RS 4")
                w(".EX")
                for l in desc:
                    w(roff(l))
                w(".EE")
                w(".RE")
            else:
                w(".TP")
                for i, (key, value, optional) in enumerate(tags):
                    if i:
                        w(".TQ")
                    shown = value if value else "(empty)"
                    w("\\fB%s\\fR = %s%s" % (roff(key), roff(shown),
                                             " \\fI(unset)\\fR" if optional else ""))
                for l in desc:
                    w(roff(l))
    w(".SH FILES")
    w(".TP")
    w(".I /etc/jxca\\-kiosk/kiosk.conf")
    w("this kiosk's configuration (a conffile of the package)")
    w(".TP")
    w(".I /etc/jxca\\-kiosk/sites.conf")
    w("the CA's service halls, named by [kiosk] site")
    w(".TP")
    w(".I /usr/share/doc/jxca\\-kiosk/kiosk.conf.example")
    w("the commented example this page is made from")
    w(".SH EXAMPLES")
    w("Check a file after editing it:")
    w(".PP")
    w(".RS 4")
    w(".EX")
    w("kioskctl config\\-check /etc/jxca\\-kiosk/kiosk.conf")
    w(".EE")
    w(".RE")
    w(".SH SEE ALSO")
    w(".BR kioskd (8),")
    w(".BR kioskctl (8),")
    w(".BR kiosk (1)")
    sys.stdout.write("\n".join(out) + "\n")


main()
