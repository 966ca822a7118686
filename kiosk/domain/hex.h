/* SPDX-License-Identifier: MIT */
/*
 * hex.h - the value of one hexadecimal digit, for the domain's parsers
 * (licence URLs' percent escapes, distinguished names' hex pairs).
 */
#ifndef KX_DOMAIN_HEX_H
#define KX_DOMAIN_HEX_H

/* kx_hex_value - 0..15 for 0-9, a-f, A-F; -1 for anything else */
static inline int kx_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
