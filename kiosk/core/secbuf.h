/* SPDX-License-Identifier: MIT */
/*
 * secbuf.h - buffers for PINs and key material.
 *
 * Memory is pages of its own, locked against swapping where the process
 * may (mlock), excluded from core dumps (madvise MADV_DONTDUMP), and wiped
 * with explicit_bzero before release. A secbuf never reaches a log.
 */
#ifndef KX_CORE_SECBUF_H
#define KX_CORE_SECBUF_H

#include <stddef.h>

#include "err.h"

typedef struct kx_secbuf {
    unsigned char *data; /* NUL-terminated when used for text */
    size_t cap;          /* usable bytes, not counting the terminator */
    size_t len;
    int locked; /* 1 when mlock succeeded */
    int nodump; /* 1 when MADV_DONTDUMP succeeded */
} kx_secbuf;

/* kx_secbuf_new - allocate a zeroed buffer of cap bytes (+1 for NUL).
 * Free with kx_secbuf_free(). */
kx_err kx_secbuf_new(size_t cap, kx_secbuf **out);

/* kx_secbuf_set - copy len bytes in (replacing the content). */
kx_err kx_secbuf_set(kx_secbuf *sb, const void *src, size_t len);

/* kx_secbuf_append - append one byte (PIN keypad). */
kx_err kx_secbuf_append(kx_secbuf *sb, unsigned char c);

/* kx_secbuf_clear - wipe the content, keep the buffer. */
void kx_secbuf_clear(kx_secbuf *sb);

/* kx_secbuf_free - wipe and release. NULL is fine. */
void kx_secbuf_free(kx_secbuf *sb);

/* kx_secbuf_str - content as a C string (owned by sb). */
const char *kx_secbuf_str(const kx_secbuf *sb);

/* kx_wipe - explicit_bzero wrapper for other secret-bearing memory. */
void kx_wipe(void *p, size_t n);

#endif
