#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""ses_seal.py - split an electronic seal (GM/T 0031 / GB/T 38540 SES_Seal,
DER) into what openssl needs to verify it, for the end-to-end tests:

  ses_seal.py SEAL.der OUTDIR

writes OUTDIR/tbs.der (the DER of eSealInfo, what was signed),
OUTDIR/maker.der (the seal maker's certificate), OUTDIR/sig.der (the
signature: signedValue's bits) and prints one line
  <signAlgID dotted> <certList digest hex> <picture width_mm>x<height_mm>
A DER reader of its own (definite lengths only): no ASN.1 library needed.
"""
import os
import sys


def tlv(buf, pos):
    """(tag, start of value, end of value, end of header) at pos."""
    tag = buf[pos]
    n = buf[pos + 1]
    hdr = pos + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[hdr:hdr + k], "big")
        hdr += k
    return tag, hdr, hdr + n


def children(buf, start, end):
    out, pos = [], start
    while pos < end:
        tag, vs, ve = tlv(buf, pos)
        out.append((tag, pos, vs, ve))
        pos = ve
    return out


def oid_text(b):
    first = b[0]
    parts, v = [first // 40, first % 40], 0
    for x in b[1:]:
        v = (v << 7) | (x & 0x7F)
        if not x & 0x80:
            parts.append(v)
            v = 0
    return ".".join(str(p) for p in parts)


def main():
    der = open(sys.argv[1], "rb").read()
    out = sys.argv[2]
    _, vs, ve = tlv(der, 0)
    info, cert, alg, sig = children(der, vs, ve)[:4]
    open(os.path.join(out, "tbs.der"), "wb").write(der[info[1]:info[3]])
    open(os.path.join(out, "maker.der"), "wb").write(der[cert[2]:cert[3]])
    open(os.path.join(out, "sig.der"), "wb").write(der[sig[2] + 1:sig[3]])
    # eSealInfo: header, esID, property, picture
    header, es_id, prop, pic = children(der, info[2], info[3])[:4]
    p = children(der, prop[2], prop[3])  # type, name, certListType, certList, dates
    digest_obj = children(der, p[3][2], p[3][3])[0]
    digest = children(der, digest_obj[2], digest_obj[3])[1]
    q = children(der, pic[2], pic[3])  # type, data, width, height
    w = int.from_bytes(der[q[2][2]:q[2][3]], "big")
    h = int.from_bytes(der[q[3][2]:q[3][3]], "big")
    print(oid_text(der[alg[2]:alg[3]]), der[digest[2]:digest[3]].hex(), f"{w}x{h}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
