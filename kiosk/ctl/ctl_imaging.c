/*
 * ctl_imaging.c - kioskctl subcommands for document imaging: `license`
 * (read the licence QR), `idcard-crop` (cut an ID card out of a flatbed
 * scan) and `scan` (capture a page through the scanner driver).
 *
 * Each prints one JSON object on stdout. Exit codes: 0 success, 1 nothing
 * found or the device refused, 2 usage or unreadable input. Never writes
 * anything but the --out file, and that atomically.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ctl.h"
#include "drivers/scanner/scanner.h"
#include "imaging/idcard.h"
#include "imaging/image.h"
#include "imaging/licence_qr.h"

static double ctl_imaging_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/*
 * A JSON string of len bytes that may not be UTF-8 (a QR code can carry any
 * bytes): valid sequences are kept, each invalid byte becomes U+FFFD.
 */
static json_t *ctl_imaging_json_text(const char *text, size_t len)
{
    json_t *j = json_stringn(text, len);
    if (j)
        return j;
    char *buf = malloc(len * 3 + 1);
    if (!buf)
        return json_null();
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = n > 0 && i + n <= len && c != 0;
        for (size_t k = 1; ok && k < n; k++)
            ok = ((unsigned char)text[i + k] >> 6) == 2;
        if (ok && n > 1) { /* overlong forms and surrogates: jansson judges */
            json_t *one = json_stringn(text + i, n);
            ok = one != NULL;
            json_decref(one);
        }
        if (ok) {
            memcpy(buf + o, text + i, n);
            o += n;
            i += n;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(buf, o);
    free(buf);
    return j ? j : json_null();
}

/* Exit code and stderr line for a failed image load. */
static int ctl_imaging_load_failed(const char *cmd, const char *path, kx_err rc)
{
    return ctl_fail(CTL_EXIT_USAGE, cmd, "%s: %s (%s)", path, kx_tr(kx_err_message(rc)),
                    kx_err_detail());
}

int ctl_cmd_license(int argc, char **argv)
{
    const char *path = ctl_positional(argc, argv, 0, NULL);
    if (!path)
        return ctl_fail(CTL_EXIT_USAGE, "license", "%s", kx_tr(N_("usage: kioskctl license IMAGE")));
    double t0 = ctl_imaging_now_ms();
    kx_image *img = NULL;
    /* the reader works on luminance: a JPEG then skips its colour planes */
    kx_image_decode_opts opts = {.gray = 1};
    kx_err rc = kx_image_load_ex(path, &opts, &img);
    if (rc)
        return ctl_imaging_load_failed("license", path, rc);
    kx_licence_qr *qr = malloc(sizeof(*qr));
    if (!qr) {
        kx_image_free(img);
        return ctl_fail(CTL_EXIT_USAGE, "license", "out of memory");
    }
    rc = kx_licence_qr_read(img, qr);
    kx_image_free(img);
    double ms = ctl_imaging_now_ms() - t0;
    int code = CTL_EXIT_OK;
    json_t *o = json_object();
    json_object_set_new(o, "found", json_boolean(qr->found));
    json_object_set_new(o, "payload",
                        qr->found ? ctl_imaging_json_text(qr->payload, qr->payload_len)
                                  : json_null());
    json_object_set_new(o, "uscc", qr->uscc ? json_string(qr->uscc) : json_null());
    json_object_set_new(o, "uscc_status",
                        json_string(kx_licence_uscc_status_name(qr->uscc_status)));
    json_object_set_new(o, "ms", json_integer((json_int_t)(ms + 0.5)));
    if (rc == KX_ERR_NO_QR) {
        code = ctl_fail(CTL_EXIT_INVALID, "license", "%s", kx_tr(kx_err_message(rc)));
    } else if (rc) {
        json_decref(o);
        free(qr);
        return ctl_fail(CTL_EXIT_USAGE, "license", "%s (%s)", kx_tr(kx_err_message(rc)),
                        kx_err_detail());
    }
    free(qr);
    ctl_print_json(o);
    return code;
}

int ctl_cmd_idcard_crop(int argc, char **argv)
{
    static const char *const with_value[] = {"--out", NULL};
    const char *path = ctl_positional(argc, argv, 0, with_value);
    const char *outp = ctl_option(argc, argv, "--out");
    if (!path || !outp)
        return ctl_fail(CTL_EXIT_USAGE, "idcard-crop", "%s",
                        kx_tr(N_("usage: kioskctl idcard-crop IMAGE --out FILE")));
    double t0 = ctl_imaging_now_ms();
    kx_image *img = NULL, *card = NULL;
    kx_err rc = kx_image_load(path, &img);
    if (rc)
        return ctl_imaging_load_failed("idcard-crop", path, rc);
    kx_idcard_found found;
    rc = kx_idcard_crop(img, &found, &card);
    kx_image_free(img);
    if (rc == KX_ERR_NO_CARD) {
        json_t *o = json_object();
        json_object_set_new(o, "found", json_false());
        json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_imaging_now_ms() - t0 + 0.5)));
        ctl_print_json(o);
        return ctl_fail(CTL_EXIT_INVALID, "idcard-crop", "%s", kx_tr(kx_err_message(rc)));
    }
    if (rc)
        return ctl_fail(CTL_EXIT_USAGE, "idcard-crop", "%s (%s)", kx_tr(kx_err_message(rc)),
                        kx_err_detail());
    rc = kx_image_save(card, outp);
    if (rc) {
        kx_image_free(card);
        return ctl_fail(CTL_EXIT_USAGE, "idcard-crop", "%s: %s (%s)", outp,
                        kx_tr(kx_err_message(rc)), kx_err_detail());
    }
    json_t *o = json_object();
    json_object_set_new(o, "found", json_true());
    json_object_set_new(o, "file", json_string(outp));
    json_object_set_new(o, "size", json_pack("[ii]", card->width, card->height));
    json_t *corners = json_array();
    for (int i = 0; i < 4; i++)
        json_array_append_new(corners, json_pack("[ff]", found.corners[i][0],
                                                 found.corners[i][1]));
    json_object_set_new(o, "corners", corners);
    json_object_set_new(o, "angle", json_real(round(found.angle_deg * 100) / 100));
    json_object_set_new(o, "dpi", json_real(card->dpi));
    json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_imaging_now_ms() - t0 + 0.5)));
    kx_image_free(card);
    ctl_print_json(o);
    return CTL_EXIT_OK;
}

static int ctl_scan_run(int argc, char **argv, const kx_scanner_config *sc, const char *backend,
                        const char *device, const char *outp, const char *res, const char *mode);

/* Progress on stderr for a person watching: one dot per tenth. */
static int ctl_scan_progress(void *user, const kx_scan_progress *p)
{
    int *tenths = user;
    if (p->lines_total > 0) {
        int t = p->lines_done * 10 / p->lines_total;
        while (*tenths < t) {
            fputc('.', stderr);
            (*tenths)++;
        }
    }
    return 0;
}

int ctl_cmd_scan(int argc, char **argv)
{
    static const char *const with_value[] = {"--device", "--out", "--resolution", "--mode",
                                             "--option", "--backend", "--config", NULL};
    const char *device = ctl_option(argc, argv, "--device");
    const char *outp = ctl_option(argc, argv, "--out");
    const char *res = ctl_option(argc, argv, "--resolution");
    const char *mode = ctl_option(argc, argv, "--mode");
    const char *backend = ctl_option(argc, argv, "--backend");
    const char *conf = ctl_option(argc, argv, "--config");
    if ((!device && !conf) || !outp || ctl_positional(argc, argv, 0, with_value))
        return ctl_fail(CTL_EXIT_USAGE, "scan", "%s",
                        kx_tr(N_("usage: kioskctl scan --device NAME --out FILE "
                                 "[--resolution N] [--mode color|gray|lineart] "
                                 "[--option NAME=VALUE]... [--config FILE]")));
    /* [scanner] of --config gives the defaults; the command line wins */
    kx_config *cfg = NULL;
    kx_scanner_config *sc = calloc(1, sizeof(*sc));
    if (!sc)
        return ctl_fail(CTL_EXIT_USAGE, "scan", "out of memory");
    kx_err crc = conf ? kx_config_load(conf, &cfg) : KX_OK;
    if (crc == KX_OK)
        crc = scanner_config_read(cfg, sc);
    if (crc) {
        free(sc);
        kx_config_free(cfg);
        return ctl_fail(CTL_EXIT_USAGE, "scan", "%s", kx_err_detail());
    }
    int code = ctl_scan_run(argc, argv, sc, backend ? backend : sc->backend,
                            device ? device : sc->device, outp, res, mode);
    free(sc);
    kx_config_free(cfg);
    return code;
}

/* The scan itself, once the defaults from the configuration are known. */
static int ctl_scan_run(int argc, char **argv, const kx_scanner_config *sc, const char *backend,
                        const char *device, const char *outp, const char *res, const char *mode)
{
    kx_scan_params params = sc->params;
    if (res) {
        long v;
        if (kx_parse_long(res, KX_SCAN_MIN_RESOLUTION, KX_SCAN_MAX_RESOLUTION, &v))
            return ctl_fail(CTL_EXIT_USAGE, "scan", "--resolution %s: %s", res,
                            kx_tr(N_("expected a whole number of dpi from 50 to 1200")));
        params.resolution = (int)v;
    }
    if (mode) {
        if (!strcmp(mode, "color"))
            params.mode = KX_SCAN_COLOR;
        else if (!strcmp(mode, "gray"))
            params.mode = KX_SCAN_GRAY;
        else if (!strcmp(mode, "lineart"))
            params.mode = KX_SCAN_LINEART;
        else
            return ctl_fail(CTL_EXIT_USAGE, "scan", "--mode %s: %s", mode,
                            kx_tr(N_("expected color, gray or lineart")));
    }
    const char *options[2 * KX_SCAN_MAX_OPTIONS + 1];
    size_t n_opt = 0;
    for (size_t i = 0; sc->params.options && sc->params.options[i]; i++)
        options[n_opt++] = sc->params.options[i];
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--option")) {
            if (n_opt == 2 * KX_SCAN_MAX_OPTIONS)
                return ctl_fail(CTL_EXIT_USAGE, "scan", "too many --option");
            options[n_opt++] = argv[++i];
        }
    options[n_opt] = NULL;
    params.options = n_opt ? options : NULL;

    double t0 = ctl_imaging_now_ms();
    kx_scanner *s = NULL;
    kx_err rc = scanner_open(backend, device, &s);
    kx_image *img = NULL;
    int tenths = 0;
    if (rc == KX_OK)
        rc = scanner_scan(s, &params, ctl_scan_progress, &tenths, &img);
    if (tenths)
        fputc('\n', stderr);
    scanner_close(s);
    if (rc == KX_OK)
        rc = kx_image_save(img, outp);
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(rc == KX_OK));
    json_object_set_new(o, "error", rc ? json_string(kx_err_name(rc)) : json_null());
    if (rc == KX_OK) {
        json_object_set_new(o, "file", json_string(outp));
        json_object_set_new(o, "size", json_pack("[ii]", img->width, img->height));
        json_object_set_new(o, "channels", json_integer(img->channels));
        json_object_set_new(o, "dpi", json_real(img->dpi));
    }
    json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_imaging_now_ms() - t0 + 0.5)));
    kx_image_free(img);
    ctl_print_json(o);
    if (rc)
        return ctl_fail(rc == KX_ERR_INVALID_ARG || rc == KX_ERR_UNSUPPORTED ? CTL_EXIT_USAGE
                                                                             : CTL_EXIT_INVALID,
                        "scan", "%s (%s)", kx_tr(kx_err_message(rc)), kx_err_detail());
    return CTL_EXIT_OK;
}
