/* SPDX-License-Identifier: MIT */
/*
 * idcard.c - the wrappers the engine calls: back-end registry, the read
 * loop (wait for a card, cancel, timeout), logging with the ID number
 * masked, the optional vendor photo decoder, and the fault point (core/
 * fault.h: driver "idcard", call "read", default KX_ERR_CARD_READ, e.g.
 * KX_FAULT_IDCARD=read:KX_ERR_SAM for engine tests).
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/secbuf.h"
#include "core/str.h"

#define IDCARD_MAX_BACKENDS 4

static const kx_idcard_ops *idcard_backends[IDCARD_MAX_BACKENDS];
static size_t idcard_nbackends;

typedef int (*idcard_unpack_fn)(char *wlt, char *bmp, int flag);

struct kx_idcard_reader {
    const kx_idcard_ops *ops;
    void *dev;
    atomic_int cancel;
    void *photo_dl;
    idcard_unpack_fn unpack;
    kx_idcard_text_decoder decode_text; /* NULL: kx_idcard_decode_text() here */
    void *decode_ctx;
    char path[256];
};

kx_err kx_idcard_register(const kx_idcard_ops *ops)
{
    if (!ops || !ops->name || !ops->open || !ops->close || !ops->read_once ||
        !ops->sam_status || !ops->interrupt)
        return KX_ERR_INVALID_ARG;
    for (size_t i = 0; i < idcard_nbackends; i++)
        if (strcmp(idcard_backends[i]->name, ops->name) == 0)
            return KX_OK;
    if (idcard_nbackends == IDCARD_MAX_BACKENDS)
        return KX_ERR_TOO_LARGE;
    idcard_backends[idcard_nbackends++] = ops;
    return KX_OK;
}

kx_err kx_idcard_open(const char *backend, const char *path, int baud, kx_idcard_reader **out)
{
    if (!backend || !path || !out)
        return KX_ERR_INVALID_ARG;
    kx_idcard_register(&kx_idcard_ga467_ops);
    const kx_idcard_ops *ops = NULL;
    for (size_t i = 0; i < idcard_nbackends; i++)
        if (strcmp(idcard_backends[i]->name, backend) == 0)
            ops = idcard_backends[i];
    if (!ops) {
        kx_err_set_detail("unknown ID reader back-end '%s'", backend);
        return KX_ERR_CONFIG;
    }
    kx_idcard_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return KX_ERR_NO_MEMORY;
    r->ops = ops;
    kx_strlcpy(r->path, path, sizeof(r->path));
    kx_err rc = ops->open(path, baud ? baud : 115200, &r->dev);
    if (rc) {
        kx_log_warn("idcard.open", "device=%s result=%s detail=\"%s\"", path, kx_err_name(rc),
                    kx_err_detail());
        free(r);
        return rc;
    }
    kx_log_info("idcard.open", "device=%s backend=%s baud=%d", path, backend,
                baud ? baud : 115200);
    *out = r;
    return KX_OK;
}

kx_err kx_idcard_open_config(const kx_config *cfg, kx_idcard_reader **out)
{
    long baud;
    kx_err rc = kx_config_get_int(cfg, "idcard", "baud", 115200, 9600, 115200, &baud);
    if (rc)
        return rc;
    rc = kx_idcard_open(kx_config_get_str(cfg, "idcard", "backend", "ga467"),
                        kx_config_get_str(cfg, "idcard", "device", "/dev/jxca-idcard"),
                        (int)baud, out);
    const char *lib = kx_config_get_str(cfg, "idcard", "photo_library", "");
    if (!rc && lib[0] && kx_idcard_set_photo_decoder(*out, lib) != KX_OK)
        kx_log_warn("idcard.photo", "library=%s result=unavailable detail=\"%s\"", lib,
                    kx_err_detail()); /* everything works without the photo */
    return rc;
}

void kx_idcard_close(kx_idcard_reader *r)
{
    if (!r)
        return;
    r->ops->close(r->dev);
    if (r->photo_dl)
        dlclose(r->photo_dl);
    free(r);
}

void kx_idcard_cancel(kx_idcard_reader *r)
{
    if (!r)
        return;
    atomic_store(&r->cancel, 1);
    r->ops->interrupt(r->dev);
}

void kx_idcard_set_text_decoder(kx_idcard_reader *r, kx_idcard_text_decoder fn, void *ctx)
{
    if (!r)
        return;
    r->decode_text = fn;
    r->decode_ctx = ctx;
}

/* the back-end's raw text into the card's fields, by the reader's decoder;
 * the raw text is wiped either way */
static kx_err idcard_decode(kx_idcard_reader *r, kx_idcard *out)
{
    kx_err rc = KX_OK;
    if (out->has_text) {
        rc = r->decode_text ? r->decode_text(r->decode_ctx, out->text, out)
                            : kx_idcard_decode_text(out->text, out);
        kx_wipe(out->text, sizeof out->text);
        out->has_text = 0;
    }
    if (rc)
        rc = KX_ERR_CARD_READ;
    return rc;
}

kx_err kx_idcard_set_photo_decoder(kx_idcard_reader *r, const char *library)
{
    if (!r)
        return KX_ERR_INVALID_ARG;
    if (r->photo_dl)
        dlclose(r->photo_dl);
    r->photo_dl = NULL;
    r->unpack = NULL;
    if (!library)
        return KX_OK;
    void *dl = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        kx_err_set_detail("cannot load %s: %s", library, dlerror());
        return KX_ERR_UNSUPPORTED;
    }
    void *sym = dlsym(dl, "unpack");
    if (!sym) {
        dlclose(dl);
        kx_err_set_detail("%s has no unpack()", library);
        return KX_ERR_UNSUPPORTED;
    }
    r->photo_dl = dl;
    memcpy(&r->unpack, &sym, sizeof(sym));
    return KX_OK;
}

/* The vendor decoder writes a 24-bit bottom-up BMP; keep it as RGB. */
static void idcard_decode_photo(kx_idcard_reader *r, kx_idcard *card)
{
    enum { BMP_MAX = 65536 };
    unsigned char *bmp = calloc(1, BMP_MAX);
    char wlt[KX_IDCARD_PHOTO_BYTES];
    if (!bmp)
        return;
    memcpy(wlt, card->photo, sizeof(wlt));
    int ok = r->unpack(wlt, (char *)bmp, 0) == 1;
    long off = ok ? (long)(bmp[10] | bmp[11] << 8 | bmp[12] << 16) : 0;
    int w = ok ? (int)(bmp[18] | bmp[19] << 8) : 0;
    int h = ok ? (int)(bmp[22] | bmp[23] << 8) : 0;
    int bpp = ok ? bmp[28] : 0;
    size_t stride = ((size_t)w * 3 + 3) & ~(size_t)3;
    if (!ok || bmp[0] != 'B' || bmp[1] != 'M' || bpp != 24 || w <= 0 || h <= 0 || w > 512 ||
        h > 512 || (size_t)off + stride * (size_t)h > BMP_MAX) {
        kx_log_warn("idcard.photo", "result=undecodable");
        free(bmp);
        return;
    }
    card->photo_rgb = malloc((size_t)w * (size_t)h * 3);
    if (card->photo_rgb) {
        for (int y = 0; y < h; y++) {
            const unsigned char *src = bmp + off + stride * (size_t)(h - 1 - y);
            unsigned char *dst = card->photo_rgb + (size_t)y * (size_t)w * 3;
            for (int x = 0; x < w; x++) {
                dst[3 * x] = src[3 * x + 2];
                dst[3 * x + 1] = src[3 * x + 1];
                dst[3 * x + 2] = src[3 * x];
            }
        }
        card->photo_width = w;
        card->photo_height = h;
    }
    kx_wipe(bmp, BMP_MAX);
    free(bmp);
}

static long idcard_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

kx_err kx_idcard_read(kx_idcard_reader *r, int timeout_ms, kx_idcard *out)
{
    if (!r || !out || timeout_ms <= 0)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    long start = idcard_now_ms(), deadline = start + timeout_ms;
    kx_err rc = kx_fault_check("idcard", "read", KX_ERR_CARD_READ);
    while (!rc) {
        if (atomic_exchange(&r->cancel, 0)) {
            rc = KX_ERR_CANCELLED;
            break;
        }
        long left = deadline - idcard_now_ms();
        if (left <= 0) {
            rc = KX_ERR_TIMEOUT;
            break;
        }
        rc = r->ops->read_once(r->dev, left < 2000 ? (int)left : 2000, out);
        if (rc == KX_OK)
            rc = idcard_decode(r, out);
        if (rc == KX_ERR_CARD_ABSENT) {
            /* nothing (new) on the reader: look again shortly */
            rc = KX_OK;
            struct timespec pause = {0, 150 * 1000000L};
            nanosleep(&pause, NULL);
            continue;
        }
        if (rc == KX_OK)
            break;
        if (rc == KX_ERR_CANCELLED)
            atomic_store(&r->cancel, 0);
        break;
    }
    long ms = idcard_now_ms() - start;
    if (rc == KX_OK) {
        if (r->unpack)
            idcard_decode_photo(r, out);
        char masked[24];
        kx_log_info("idcard.read", "result=ok id=%s ms=%ld photo=%s",
                    kx_mask_idnum(out->id_number, masked, sizeof(masked)), ms,
                    out->photo_rgb ? "decoded" : "raw");
        /* an empty text card never leaves here as a success */
        return KX_OK;
    }
    kx_idcard_clear(out);
    kx_log_warn("idcard.read", "result=%s ms=%ld detail=\"%s\"", kx_err_name(rc), ms,
                kx_err_detail());
    return rc;
}

kx_err kx_idcard_sam_status(kx_idcard_reader *r)
{
    if (!r)
        return KX_ERR_INVALID_ARG;
    kx_err rc = r->ops->sam_status(r->dev, 1000);
    kx_log_info("idcard.sam", "device=%s result=%s", r->path, kx_err_name(rc));
    return rc;
}
