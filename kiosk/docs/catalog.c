/* SPDX-License-Identifier: MIT */
/*
 * catalog.c - document texts in the document's language. kioskd renders a
 * receipt for a session in Chinese while the next one may want English,
 * and gettext's language is the process's (LANGUAGE); so the documents
 * read the compiled zh_CN catalogue (the .mo the build makes from po/zh_CN)
 * themselves, once, and look msgids up in it. English is the msgid.
 *
 * The catalogue is found where kx_i18n_init() looks: $KX_LOCALEDIR, the
 * build tree, the install prefix. Missing, every text stays English and a
 * warning is logged once.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "docs/docs.h"

#ifndef KX_LOCALEDIR_BUILD
#define KX_LOCALEDIR_BUILD ""
#endif
#ifndef KX_LOCALEDIR_INSTALL
#define KX_LOCALEDIR_INSTALL "/usr/share/locale"
#endif
#define CATALOG_MAX (16u * 1024u * 1024u)

static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;
static unsigned char *catalog_data;
static size_t catalog_len;
static uint32_t catalog_count, catalog_orig, catalog_trans;
static int catalog_swap;

static uint32_t catalog_u32(size_t off)
{
    uint32_t v;
    memcpy(&v, catalog_data + off, 4);
    if (catalog_swap)
        v = __builtin_bswap32(v);
    return v;
}

static int catalog_read(const char *dir)
{
    char path[4096];
    if (!dir || !dir[0] ||
        snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES/jxca-kiosk.mo", dir) >=
            (int)sizeof(path))
        return 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    unsigned char *buf = malloc(CATALOG_MAX);
    size_t n = buf ? fread(buf, 1, CATALOG_MAX, fp) : 0;
    fclose(fp);
    if (n < 28 || n == CATALOG_MAX) {
        free(buf);
        return 0;
    }
    /* keep only what the file holds, not the read buffer's bound */
    unsigned char *fit = realloc(buf, n);
    catalog_data = fit ? fit : buf;
    buf = catalog_data;
    catalog_len = n;
    uint32_t magic;
    memcpy(&magic, buf, 4);
    catalog_swap = magic == 0xde120495u;
    if (magic != 0x950412deu && !catalog_swap)
        goto bad;
    catalog_count = catalog_u32(8);
    catalog_orig = catalog_u32(12);
    catalog_trans = catalog_u32(16);
    if ((uint64_t)catalog_orig + 8ull * catalog_count > n ||
        (uint64_t)catalog_trans + 8ull * catalog_count > n)
        goto bad;
    for (uint32_t i = 0; i < catalog_count; i++) {
        uint64_t ol = catalog_u32(catalog_orig + 8u * i),
                 oo = catalog_u32(catalog_orig + 8u * i + 4);
        uint64_t tl = catalog_u32(catalog_trans + 8u * i),
                 to = catalog_u32(catalog_trans + 8u * i + 4);
        /* each string is followed by its NUL inside the file */
        if (oo + ol >= n || to + tl >= n || buf[oo + ol] || buf[to + tl])
            goto bad;
    }
    return 1;
bad:
    kx_log_warn("docs.catalog", "file=%s error=malformed", path);
    free(buf);
    catalog_data = NULL;
    catalog_len = 0;
    catalog_count = 0;
    return 0;
}

static void catalog_load(void)
{
    if (catalog_read(getenv("KX_LOCALEDIR")) || catalog_read(KX_LOCALEDIR_BUILD) ||
        catalog_read(KX_LOCALEDIR_INSTALL))
        return;
    kx_log_warn("docs.catalog", "error=\"no zh_CN catalogue: documents print in English\"");
}

const char *kx_docs_tr(kx_doc_lang lang, const char *msgid)
{
    if (lang != KX_DOC_LANG_ZH || !msgid || !msgid[0])
        return msgid;
    pthread_once(&catalog_once, catalog_load);
    /* msgfmt sorts the originals: binary search */
    uint32_t lo = 0, hi = catalog_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *orig =
            (const char *)catalog_data + catalog_u32(catalog_orig + 8u * mid + 4);
        int c = strcmp(msgid, orig);
        if (c == 0) {
            uint32_t tl = catalog_u32(catalog_trans + 8u * mid);
            return tl ? (const char *)catalog_data + catalog_u32(catalog_trans + 8u * mid + 4)
                      : msgid;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return msgid;
}
