/* SPDX-License-Identifier: MIT */
/*
 * ctl_scan.c - `kioskctl scan`: capture a page through the scanner driver
 * and save it. Lives in kioskctl-full (it links libsane); the kioskctl front
 * runs it there.
 *
 * Prints one JSON object on stdout. Exit codes: 0 success, 1 the device
 * refused, 2 usage or unsupported settings. Never writes anything but the
 * --out file, and that atomically.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ctl.h"
#include "drivers/scanner/scanner.h"
#include "imaging/image.h"

static int ctl_scan_run(int argc, char **argv, const kx_scanner_config *sc, const char *backend,
                        const char *device, const char *outp, const char *res,
                        const char *mode);

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
    static const char *const with_value[] = {"--device", "--out",     "--resolution", "--mode",
                                             "--option", "--backend", "--config",     NULL};
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
        crc = kx_scanner_config_read(cfg, sc);
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

    double t0 = ctl_now_ms();
    kx_scanner *s = NULL;
    kx_err rc = kx_scanner_open(backend, device, &s);
    kx_image *img = NULL;
    int tenths = 0;
    if (rc == KX_OK)
        rc = kx_scanner_scan(s, &params, ctl_scan_progress, &tenths, &img);
    if (tenths)
        fputc('\n', stderr);
    kx_scanner_close(s);
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
    json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_now_ms() - t0 + 0.5)));
    kx_image_free(img);
    ctl_print_json(o);
    if (rc)
        return ctl_fail(rc == KX_ERR_INVALID_ARG || rc == KX_ERR_UNSUPPORTED ? CTL_EXIT_USAGE
                                                                             : CTL_EXIT_INVALID,
                        "scan", "%s (%s)", kx_tr(kx_err_message(rc)), kx_err_detail());
    return CTL_EXIT_OK;
}
