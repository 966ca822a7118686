/* SPDX-License-Identifier: MIT */
/*
 * secbuf.c - locked, wiped buffers for secrets. Each buffer's bytes live in
 * pages of their own (mmap), so that they can be locked against swap and
 * left out of core dumps (MADV_DONTDUMP) without touching heap neighbours.
 */
#include "secbuf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* bytes mapped for a buffer of cap usable bytes (+1 for the NUL) */
static size_t secbuf_map_size(size_t cap)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t p = page > 0 ? (size_t)page : 4096;
    return (cap + 1 + p - 1) / p * p;
}

void kx_wipe(void *p, size_t n)
{
    if (p && n)
        explicit_bzero(p, n);
}

kx_err kx_secbuf_new(size_t cap, kx_secbuf **out)
{
    if (!out || cap == 0 || cap > 1u << 20)
        return KX_ERR_INVALID_ARG;
    kx_secbuf *sb = calloc(1, sizeof(*sb));
    if (!sb)
        return KX_ERR_NO_MEMORY;
    size_t size = secbuf_map_size(cap);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        free(sb);
        return KX_ERR_NO_MEMORY;
    }
    sb->data = p; /* anonymous pages: zero */
    sb->cap = cap;
    /* never in a core dump; refused only by kernels older than 3.4 */
    sb->nodump = madvise(p, size, MADV_DONTDUMP) == 0;
    /* mlock may fail without CAP_IPC_LOCK or over RLIMIT_MEMLOCK: the buffer
     * still works and is still wiped, it just may reach swap. */
    sb->locked = mlock(p, size) == 0;
    *out = sb;
    return KX_OK;
}

kx_err kx_secbuf_set(kx_secbuf *sb, const void *src, size_t len)
{
    if (!sb || (!src && len))
        return KX_ERR_INVALID_ARG;
    if (len > sb->cap)
        return KX_ERR_TOO_LARGE;
    kx_wipe(sb->data, sb->cap + 1);
    if (len)
        memcpy(sb->data, src, len);
    sb->len = len;
    return KX_OK;
}

kx_err kx_secbuf_append(kx_secbuf *sb, unsigned char c)
{
    if (!sb)
        return KX_ERR_INVALID_ARG;
    if (sb->len >= sb->cap)
        return KX_ERR_TOO_LARGE;
    sb->data[sb->len++] = c;
    sb->data[sb->len] = '\0';
    return KX_OK;
}

void kx_secbuf_clear(kx_secbuf *sb)
{
    if (!sb)
        return;
    kx_wipe(sb->data, sb->cap + 1);
    sb->len = 0;
}

void kx_secbuf_free(kx_secbuf *sb)
{
    if (!sb)
        return;
    size_t size = secbuf_map_size(sb->cap);
    kx_wipe(sb->data, sb->cap + 1);
    if (sb->locked)
        munlock(sb->data, size);
    munmap(sb->data, size);
    kx_wipe(sb, sizeof(*sb));
    free(sb);
}

const char *kx_secbuf_str(const kx_secbuf *sb)
{
    return sb ? (const char *)sb->data : "";
}
