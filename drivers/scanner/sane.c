/* SPDX-License-Identifier: MIT */
/*
 * sane.c - the "sane" scanner back-end: capture through libsane at the
 * requested resolution and mode, streaming lines to the progress callback.
 *
 * Handles every frame layout SANE defines (grey, RGB, three-pass red/green/
 * blue; 1, 8 and 16 bits; unknown page length from hand-held devices) and
 * converts to 8-bit grey or RGB. Maps SANE statuses to kx_err and, after any
 * failure, closes the device so the next scan reopens it: a jam, an open
 * cover or a vanished USB device never leaves a wedged handle behind.
 *
 * Never calls sane_exit() (see "library lifetime") and never blocks a
 * cancel: sane_cancel() is the only call made from another thread.
 *
 * Sections: library lifetime - status mapping - options - reading - table.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sane/sane.h>
#include <sane/saneopts.h>

#include "core/log.h"
#include "core/str.h"
#include "drivers/scanner/backends.h"

typedef struct sane_state {
    SANE_Handle handle; /* NULL after a failure: reopened by the next scan */
    char device[256];
    atomic_int cancelled;
    /* handle published for sane_scanner_cancel() while a scan runs */
    _Atomic(SANE_Handle) running;
} sane_state;

/* ---- library lifetime -------------------------------------------------- */

/* SANE is initialised once and stays so for the life of the process:
 * sane_exit() unloads back-ends, some of which leak or misbehave when
 * initialised again, and re-probing every back-end costs seconds on a real
 * system. SANE_CONFIG_DIR is therefore read at the first open. */
static pthread_once_t sane_lib_once = PTHREAD_ONCE_INIT;
static SANE_Status sane_lib_status;

static void sane_lib_init(void)
{
    SANE_Int version = 0;
    sane_lib_status = sane_init(&version, NULL);
}

static kx_err sane_lib_acquire(void)
{
    pthread_once(&sane_lib_once, sane_lib_init);
    if (sane_lib_status != SANE_STATUS_GOOD) {
        kx_err_set_detail("sane_init: %s", sane_strstatus(sane_lib_status));
        return KX_ERR_SCAN_DEVICE;
    }
    return KX_OK;
}

/* ---- status mapping ---------------------------------------------------- */

/* The kiosk's code for a SANE failure; the device's words go to the detail. */
static kx_err sane_status_to_err(SANE_Status st, const char *what, const char *device)
{
    kx_err_set_detail("%s %s: %s", what, device, sane_strstatus(st));
    switch (st) {
    case SANE_STATUS_GOOD:
    case SANE_STATUS_EOF:
        return KX_OK;
    case SANE_STATUS_CANCELLED:
        return KX_ERR_CANCELLED;
    case SANE_STATUS_DEVICE_BUSY:
        return KX_ERR_BUSY;
    case SANE_STATUS_JAMMED:
        return KX_ERR_SCAN_JAMMED;
    case SANE_STATUS_NO_DOCS:
        return KX_ERR_SCAN_NO_DOCUMENT;
    case SANE_STATUS_COVER_OPEN:
        return KX_ERR_SCAN_COVER_OPEN;
    case SANE_STATUS_NO_MEM:
        return KX_ERR_NO_MEMORY;
    case SANE_STATUS_ACCESS_DENIED:
        return KX_ERR_PERMISSION;
    case SANE_STATUS_UNSUPPORTED:
    case SANE_STATUS_INVAL:
    case SANE_STATUS_IO_ERROR:
    default:
        return KX_ERR_SCAN_DEVICE;
    }
}

/* ---- opening ----------------------------------------------------------- */

static kx_err sane_open_device(sane_state *st)
{
    const char *name = st->device;
    const SANE_Device **list = NULL;
    if (!name[0]) {
        SANE_Status s = sane_get_devices(&list, SANE_TRUE);
        if (s != SANE_STATUS_GOOD || !list || !list[0]) {
            kx_err_set_detail("no scanner found");
            return KX_ERR_SCAN_DEVICE;
        }
        name = list[0]->name;
    }
    SANE_Handle h = NULL;
    SANE_Status s = sane_open(name, &h);
    if (s != SANE_STATUS_GOOD) {
        kx_err rc = sane_status_to_err(s, "open", name);
        return rc == KX_ERR_NO_MEMORY || rc == KX_ERR_BUSY || rc == KX_ERR_PERMISSION
                   ? rc
                   : KX_ERR_SCAN_DEVICE;
    }
    st->handle = h;
    return KX_OK;
}

/* Close after a failure; the next scan reopens. */
static void sane_drop_device(sane_state *st, kx_err why)
{
    if (!st->handle)
        return;
    sane_cancel(st->handle);
    sane_close(st->handle);
    st->handle = NULL;
    kx_log_info("scanner.sane.reset", "device=%s rc=%s", st->device[0] ? st->device : "(first)",
                kx_err_name(why));
}

static kx_err sane_scanner_open(const char *device, void **out)
{
    kx_err rc = sane_lib_acquire();
    if (rc)
        return rc;
    sane_state *st = calloc(1, sizeof(*st));
    if (!st)
        return KX_ERR_NO_MEMORY;
    kx_strlcpy(st->device, device ? device : "", sizeof(st->device));
    rc = sane_open_device(st);
    if (rc) {
        free(st);
        return rc;
    }
    *out = st;
    return KX_OK;
}

static void sane_scanner_close(void *state)
{
    sane_state *st = state;
    if (!st)
        return;
    if (st->handle)
        sane_close(st->handle);
    free(st);
}

static void sane_scanner_cancel(void *state)
{
    sane_state *st = state;
    atomic_store(&st->cancelled, 1);
    SANE_Handle h = atomic_load(&st->running);
    if (h)
        sane_cancel(h); /* SANE allows this from another thread */
}

/* ---- options ----------------------------------------------------------- */

static int sane_find_option(SANE_Handle h, const char *name, const SANE_Option_Descriptor **out)
{
    SANE_Int count = 0;
    if (sane_control_option(h, 0, SANE_ACTION_GET_VALUE, &count, NULL) != SANE_STATUS_GOOD)
        return -1;
    for (SANE_Int i = 1; i < count; i++) {
        const SANE_Option_Descriptor *d = sane_get_option_descriptor(h, i);
        if (d && d->name && strcmp(d->name, name) == 0) {
            *out = d;
            return i;
        }
    }
    return -1;
}

static int sane_parse_bool(const char *v, SANE_Word *out)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") ||
        !strcmp(v, "1")) {
        *out = SANE_TRUE;
        return 0;
    }
    if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") ||
        !strcmp(v, "0")) {
        *out = SANE_FALSE;
        return 0;
    }
    return -1;
}

/* Set option `name` from text. KX_ERR_SCAN_DEVICE with a detail naming the
 * option when it is unknown, inactive, read-only or refuses the value. */
static kx_err sane_set_option_text(sane_state *st, const char *name, const char *value)
{
    const SANE_Option_Descriptor *d = NULL;
    int idx = sane_find_option(st->handle, name, &d);
    if (idx < 0) {
        kx_err_set_detail("scanner %s has no option '%s'", st->device, name);
        return KX_ERR_SCAN_DEVICE;
    }
    if (!SANE_OPTION_IS_ACTIVE(d->cap) || !SANE_OPTION_IS_SETTABLE(d->cap)) {
        kx_err_set_detail("scanner option '%s' cannot be set now", name);
        return KX_ERR_SCAN_DEVICE;
    }
    SANE_Word word = 0;
    void *val = &word;
    char *text = NULL;
    switch (d->type) {
    case SANE_TYPE_BOOL:
        if (sane_parse_bool(value, &word))
            goto bad_value;
        break;
    case SANE_TYPE_INT: {
        long v;
        if (kx_parse_long(value, -2147483647L, 2147483647L, &v))
            goto bad_value;
        word = (SANE_Word)v;
        break;
    }
    case SANE_TYPE_FIXED: {
        char *end = NULL;
        double v = strtod(value, &end);
        if (!value[0] || *end || v < -32767.0 || v > 32767.0)
            goto bad_value;
        word = SANE_FIX(v);
        break;
    }
    case SANE_TYPE_STRING:
        /* The back-end reads `size` bytes: hand it a zero-filled buffer. */
        if (d->size < 1 || strlen(value) >= (size_t)d->size)
            goto bad_value;
        text = calloc(1, (size_t)d->size);
        if (!text)
            return KX_ERR_NO_MEMORY;
        memcpy(text, value, strlen(value));
        val = text;
        break;
    case SANE_TYPE_BUTTON:
        val = NULL;
        break;
    default:
        goto bad_value;
    }
    SANE_Int info = 0;
    SANE_Status s = sane_control_option(st->handle, idx, SANE_ACTION_SET_VALUE, val, &info);
    free(text);
    if (s != SANE_STATUS_GOOD) {
        kx_err_set_detail("scanner option %s=%s: %s", name, value, sane_strstatus(s));
        return s == SANE_STATUS_NO_MEM ? KX_ERR_NO_MEMORY : KX_ERR_SCAN_DEVICE;
    }
    return KX_OK;
bad_value:
    kx_err_set_detail("scanner option %s: value '%s' does not fit its type", name, value);
    return KX_ERR_SCAN_DEVICE;
}

/* The supported resolution nearest to `want`, and whether it is FIXED. */
static SANE_Word sane_nearest_resolution(const SANE_Option_Descriptor *d, int want)
{
    int fixed = d->type == SANE_TYPE_FIXED;
    double best = want, best_diff = INFINITY;
    if (d->constraint_type == SANE_CONSTRAINT_WORD_LIST) {
        const SANE_Word *list = d->constraint.word_list;
        for (SANE_Word i = 1; i <= list[0]; i++) {
            double v = fixed ? SANE_UNFIX(list[i]) : list[i];
            if (fabs(v - want) < best_diff) {
                best_diff = fabs(v - want);
                best = v;
            }
        }
    } else if (d->constraint_type == SANE_CONSTRAINT_RANGE) {
        const SANE_Range *r = d->constraint.range;
        double lo = fixed ? SANE_UNFIX(r->min) : r->min;
        double hi = fixed ? SANE_UNFIX(r->max) : r->max;
        double q = fixed ? SANE_UNFIX(r->quant) : r->quant;
        best = want < lo ? lo : want > hi ? hi : want;
        if (q > 0)
            best = lo + round((best - lo) / q) * q;
    }
    return fixed ? SANE_FIX(best) : (SANE_Word)lround(best);
}

/* Set the resolution (nearest supported) and report what the device uses. */
static kx_err sane_set_resolution(sane_state *st, int want, double *dpi)
{
    const SANE_Option_Descriptor *d = NULL;
    int idx = sane_find_option(st->handle, SANE_NAME_SCAN_RESOLUTION, &d);
    *dpi = want;
    if (idx < 0 || !SANE_OPTION_IS_ACTIVE(d->cap))
        return KX_OK; /* fixed-resolution device: trust the request */
    SANE_Word word = sane_nearest_resolution(d, want);
    if (SANE_OPTION_IS_SETTABLE(d->cap)) {
        SANE_Status s =
            sane_control_option(st->handle, idx, SANE_ACTION_SET_VALUE, &word, NULL);
        if (s != SANE_STATUS_GOOD)
            return sane_status_to_err(s, "set resolution on", st->device);
    }
    if (sane_control_option(st->handle, idx, SANE_ACTION_GET_VALUE, &word, NULL) ==
        SANE_STATUS_GOOD)
        *dpi = d->type == SANE_TYPE_FIXED ? SANE_UNFIX(word) : word;
    if (fabs(*dpi - want) > 0.5)
        kx_log_warn("scanner.sane.resolution", "device=%s wanted=%d using=%.0f", st->device,
                    want, *dpi);
    return KX_OK;
}

/* Set the mode when the device has a mode option listing it. Devices
 * without one (or without the mode) scan as they can; the reader converts. */
static kx_err sane_set_mode(sane_state *st, kx_scan_mode mode)
{
    static const char *const names[] = {SANE_VALUE_SCAN_MODE_COLOR, SANE_VALUE_SCAN_MODE_GRAY,
                                        SANE_VALUE_SCAN_MODE_LINEART};
    const SANE_Option_Descriptor *d = NULL;
    int idx = sane_find_option(st->handle, SANE_NAME_SCAN_MODE, &d);
    if (idx < 0 || !SANE_OPTION_IS_SETTABLE(d->cap) || d->type != SANE_TYPE_STRING ||
        d->constraint_type != SANE_CONSTRAINT_STRING_LIST)
        return KX_OK;
    for (const SANE_String_Const *s = d->constraint.string_list; *s; s++)
        if (strcasecmp(*s, names[mode]) == 0)
            return sane_set_option_text(st, SANE_NAME_SCAN_MODE, *s);
    return KX_OK;
}

static kx_err sane_apply_options(sane_state *st, const kx_scan_params *p, double *dpi)
{
    kx_err rc = sane_set_mode(st, p->mode);
    for (size_t i = 0; !rc && p->options && p->options[i]; i++) {
        char name[128];
        const char *eq = strchr(p->options[i], '=');
        size_t n = eq ? (size_t)(eq - p->options[i]) : 0;
        if (!eq || n == 0 || n >= sizeof(name)) {
            kx_err_set_detail("scanner option '%s' is not name=value", p->options[i]);
            return KX_ERR_INVALID_ARG;
        }
        memcpy(name, p->options[i], n);
        name[n] = '\0';
        rc = sane_set_option_text(st, name, eq + 1);
    }
    /* Resolution last: a mode or source change may reset it. */
    return rc ? rc : sane_set_resolution(st, p->resolution, dpi);
}

/* ---- reading ----------------------------------------------------------- */

/* The page being assembled: 8-bit rows, grown as lines arrive. */
typedef struct sane_page {
    uint8_t *data;
    int width, channels, rows_cap, rows; /* rows: highest row written + 1 */
    int three_pass;
} sane_page;

static kx_err sane_page_reserve(sane_page *pg, int rows)
{
    if (rows <= pg->rows_cap)
        return KX_OK;
    int cap = pg->rows_cap ? pg->rows_cap : 256;
    while (cap < rows)
        cap *= 2;
    if (cap > KX_IMAGE_MAX_SIDE)
        cap = rows > KX_IMAGE_MAX_SIDE ? rows : KX_IMAGE_MAX_SIDE;
    if (rows > KX_IMAGE_MAX_SIDE || (long)cap * pg->width > KX_IMAGE_MAX_PIXELS) {
        kx_err_set_detail("scan larger than %d lines / %ld pixels", KX_IMAGE_MAX_SIDE,
                          KX_IMAGE_MAX_PIXELS);
        return KX_ERR_TOO_LARGE;
    }
    size_t row_bytes = (size_t)pg->width * (size_t)pg->channels;
    uint8_t *nd = realloc(pg->data, (size_t)cap * row_bytes);
    if (!nd)
        return KX_ERR_NO_MEMORY;
    /* three-pass frames fill one channel at a time: keep the others zero */
    memset(nd + (size_t)pg->rows_cap * row_bytes, 0, (size_t)(cap - pg->rows_cap) * row_bytes);
    pg->data = nd;
    pg->rows_cap = cap;
    return KX_OK;
}

/* Convert one raw SANE line into row `y` of the page. */
static void sane_convert_line(const SANE_Parameters *par, const uint8_t *raw, uint8_t *dst,
                              int channels)
{
    int w = par->pixels_per_line;
    int samples = par->format == SANE_FRAME_RGB ? 3 : 1;
    int plane = par->format == SANE_FRAME_RED     ? 0
                : par->format == SANE_FRAME_GREEN ? 1
                : par->format == SANE_FRAME_BLUE  ? 2
                                                  : -1;
    for (int x = 0; x < w; x++) {
        for (int c = 0; c < samples; c++) {
            int i = x * samples + c;
            uint8_t v;
            if (par->depth == 1) /* SANE line-art: a set bit is black */
                v = (raw[i >> 3] & (0x80 >> (i & 7))) ? 0 : 255;
            else if (par->depth == 16) {
                uint16_t s;
                memcpy(&s, raw + 2 * i, 2); /* host byte order */
                v = (uint8_t)(s >> 8);
            } else
                v = raw[i];
            if (plane >= 0)
                dst[x * channels + plane] = v;
            else if (channels == 3 && samples == 1)
                dst[x * 3] = dst[x * 3 + 1] = dst[x * 3 + 2] = v;
            else
                dst[x * channels + c] = v;
        }
    }
}

typedef struct sane_read_ctx {
    sane_state *st;
    kx_scan_progress_fn progress;
    void *user;
    int lines_total;
    int lines_done;
} sane_read_ctx;

/* Hand the lines finished since the last report to the progress callback;
 * a non-zero answer cancels the scan. */
static void sane_report(sane_read_ctx *ctx, const sane_page *pg, int *reported, int y)
{
    if (y <= *reported)
        return;
    ctx->lines_done += y - *reported;
    kx_scan_progress p = {
        .lines_done = ctx->lines_done,
        .lines_total = ctx->lines_total,
        .width = pg->width,
        .channels = pg->channels,
        .rows = pg->three_pass ? NULL : pg->data + (size_t)*reported * pg->width * pg->channels,
        .first_row = *reported,
        .n_rows = y - *reported,
    };
    *reported = y;
    if (ctx->progress && ctx->progress(ctx->user, &p)) {
        atomic_store(&ctx->st->cancelled, 1);
        sane_cancel(ctx->st->handle);
    }
}

/* Read one frame into the page. */
static kx_err sane_read_frame(sane_read_ctx *rc_ctx, const SANE_Parameters *par, sane_page *pg,
                              int pass)
{
    sane_state *st = rc_ctx->st;
    size_t bpl = (size_t)par->bytes_per_line;
    uint8_t *line = malloc(bpl);
    uint8_t *chunk = malloc(65536);
    kx_err rc = KX_OK;
    if (!line || !chunk) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    size_t fill = 0;
    int y = 0, reported = 0;
    for (;;) {
        SANE_Int got = 0;
        SANE_Status s = sane_read(st->handle, chunk, 65536, &got);
        if (s == SANE_STATUS_EOF)
            break;
        if (s != SANE_STATUS_GOOD) {
            rc = sane_status_to_err(s, "read from", st->device);
            goto out;
        }
        for (SANE_Int off = 0; off < got;) {
            size_t take = bpl - fill;
            if (take > (size_t)(got - off))
                take = (size_t)(got - off);
            memcpy(line + fill, chunk + off, take);
            fill += take;
            off += (SANE_Int)take;
            if (fill < bpl)
                continue;
            fill = 0;
            if (pass > 0 && y >= pg->rows) {
                kx_err_set_detail("three-pass frame longer than the first");
                rc = KX_ERR_SCAN_DEVICE;
                goto out;
            }
            if ((rc = sane_page_reserve(pg, y + 1)))
                goto out;
            sane_convert_line(par, line, pg->data + (size_t)y * pg->width * pg->channels,
                              pg->channels);
            y++;
            if (pass == 0)
                pg->rows = y;
        }
        if (y - reported >= 64)
            sane_report(rc_ctx, pg, &reported, y);
        if (atomic_load(&st->cancelled)) {
            kx_err_set_detail("scan cancelled");
            rc = KX_ERR_CANCELLED;
            goto out;
        }
    }
    sane_report(rc_ctx, pg, &reported, y);
    if (atomic_load(&st->cancelled)) {
        kx_err_set_detail("scan cancelled");
        rc = KX_ERR_CANCELLED;
    } else if (y == 0) {
        kx_err_set_detail("scanner %s returned no lines", st->device);
        rc = KX_ERR_SCAN_DEVICE;
    }
out:
    free(line);
    free(chunk);
    return rc;
}

static kx_err sane_scanner_scan(void *state, const kx_scan_params *p,
                                kx_scan_progress_fn progress, void *user, kx_image **out)
{
    sane_state *st = state;
    sane_page pg = {0};
    kx_image *img = NULL;
    double dpi = p->resolution;
    kx_err rc = KX_OK;
    atomic_store(&st->cancelled, 0);
    if (!st->handle && (rc = sane_open_device(st)))
        return rc;
    if ((rc = sane_apply_options(st, p, &dpi)))
        goto out;

    sane_read_ctx ctx = {.st = st, .progress = progress, .user = user};
    atomic_store(&st->running, st->handle);
    for (int pass = 0;; pass++) {
        SANE_Status s = sane_start(st->handle);
        if (s != SANE_STATUS_GOOD) {
            rc = sane_status_to_err(s, "start", st->device);
            goto out;
        }
        SANE_Parameters par;
        s = sane_get_parameters(st->handle, &par);
        if (s != SANE_STATUS_GOOD) {
            rc = sane_status_to_err(s, "parameters of", st->device);
            goto out;
        }
        int single = par.format == SANE_FRAME_GRAY || par.format == SANE_FRAME_RGB;
        if ((par.depth != 1 && par.depth != 8 && par.depth != 16) || par.pixels_per_line < 1 ||
            par.bytes_per_line < 1 ||
            (!single && par.format != SANE_FRAME_RED && par.format != SANE_FRAME_GREEN &&
             par.format != SANE_FRAME_BLUE) ||
            (long)par.bytes_per_line * 8 < (long)par.pixels_per_line * par.depth *
                                               (par.format == SANE_FRAME_RGB ? 3 : 1)) {
            kx_err_set_detail("scanner %s: unsupported frame (format %d, depth %d)", st->device,
                              (int)par.format, par.depth);
            rc = KX_ERR_SCAN_DEVICE;
            goto out;
        }
        if (pass == 0) {
            pg.width = par.pixels_per_line;
            pg.three_pass = !single;
            pg.channels = par.format == SANE_FRAME_GRAY ? 1 : 3;
            if (pg.width > KX_IMAGE_MAX_SIDE || par.lines > KX_IMAGE_MAX_SIDE) {
                kx_err_set_detail("scan of %dx%d is over the image limits", pg.width,
                                  par.lines);
                rc = KX_ERR_TOO_LARGE;
                goto out;
            }
            ctx.lines_total = par.lines > 0 ? par.lines * (single ? 1 : 3) : -1;
            if (par.lines > 0 && (rc = sane_page_reserve(&pg, par.lines)))
                goto out;
        } else if (single || par.pixels_per_line != pg.width) {
            kx_err_set_detail("scanner %s: frames of a three-pass scan disagree", st->device);
            rc = KX_ERR_SCAN_DEVICE;
            goto out;
        }
        if ((rc = sane_read_frame(&ctx, &par, &pg, pass)))
            goto out;
        if (par.last_frame)
            break;
        if (pass == 2) {
            kx_err_set_detail("scanner %s: more than three frames", st->device);
            rc = KX_ERR_SCAN_DEVICE;
            goto out;
        }
    }
    atomic_store(&st->running, NULL);
    sane_cancel(st->handle); /* SANE: ends the scan cycle after the last frame */

    rc = kx_image_adopt(pg.data, pg.width, pg.rows, (size_t)pg.width * pg.channels, pg.channels,
                        dpi, &img);
    if (rc)
        goto out;
    pg.data = NULL;
    /* A device without a mode option scans colour: honour the request here. */
    if (p->mode != KX_SCAN_COLOR && img->channels == 3) {
        kx_image *gray = NULL;
        rc = kx_image_to_gray(img, &gray);
        kx_image_free(img);
        img = gray;
        if (rc)
            goto out;
    }
    if (p->mode == KX_SCAN_LINEART)
        for (int yy = 0; yy < img->height; yy++) {
            uint8_t *row = kx_image_row(img, yy);
            for (int x = 0; x < img->width; x++)
                row[x] = row[x] < 128 ? 0 : 255;
        }
    *out = img;
    img = NULL;
out:
    atomic_store(&st->running, NULL);
    free(pg.data);
    kx_image_free(img);
    if (rc)
        sane_drop_device(st, rc);
    return rc;
}

static kx_err sane_scanner_list(kx_scan_device_fn fn, void *user)
{
    kx_err rc = sane_lib_acquire();
    if (rc)
        return rc;
    const SANE_Device **list = NULL;
    SANE_Status s = sane_get_devices(&list, SANE_TRUE);
    if (s != SANE_STATUS_GOOD)
        rc = sane_status_to_err(s, "list", "devices");
    for (size_t i = 0; rc == KX_OK && list && list[i]; i++)
        fn(user, list[i]->name, list[i]->vendor, list[i]->model, list[i]->type);
    return rc;
}

/* ---- table ------------------------------------------------------------- */

const kx_scanner_ops kx_scanner_sane_ops = {
    .name = "sane",
    .caps = KX_SCANNER_CAP_COLOR | KX_SCANNER_CAP_GRAY | KX_SCANNER_CAP_LINEART |
            KX_SCANNER_CAP_CANCEL | KX_SCANNER_CAP_LIST | KX_SCANNER_CAP_OPTIONS,
    .open = sane_scanner_open,
    .scan = sane_scanner_scan,
    .cancel = sane_scanner_cancel,
    .close = sane_scanner_close,
    .list = sane_scanner_list,
};
