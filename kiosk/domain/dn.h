/* SPDX-License-Identifier: MIT */
/*
 * dn.h - one attribute's value out of a distinguished name in its RFC 4514
 * string form ("CN=\E6\B1\9F\E8\A5\BF Acme\, Ltd.,O=...,C=CN"), as the RA
 * reports a certificate's subject.
 *
 * The value is unescaped: "\," and the other special characters become the
 * character, "\XX" pairs become bytes (so UTF-8 written as hex escapes
 * becomes its characters), and a value written as "#" and hex (a BER
 * string) is decoded when it is a UTF8String, PrintableString, IA5String or
 * T61String. The result must be valid UTF-8 without NUL or control
 * characters, or it is refused. Types compare without case; "CN" also
 * matches its OID 2.5.4.3, "O" 2.5.4.10, "OU" 2.5.4.11. Multi-valued RDNs
 * ("+") are searched like separate ones. Pure functions, no I/O.
 */
#ifndef KX_DOMAIN_DN_H
#define KX_DOMAIN_DN_H

#include <stddef.h>

#include "core/err.h"

/*
 * kx_dn_attr - the first value of attribute type in dn, unescaped, into
 * out (n bytes). KX_OK; KX_ERR_NOT_FOUND when dn has no such attribute;
 * KX_ERR_BAD_FORMAT when dn is not a valid RFC 4514 string or the value is
 * not valid UTF-8 text; KX_ERR_TOO_LARGE when out is too small. out is ""
 * unless KX_OK.
 */
kx_err kx_dn_attr(const char *dn, const char *type, char *out, size_t n);

#endif
