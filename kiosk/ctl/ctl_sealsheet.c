/* SPDX-License-Identifier: MIT */
/*
 * ctl_sealsheet.c - `kioskctl seal-sheet IMAGE --out DIR [--dpi N]`: analyse
 * a scanned electronic-seal collection sheet and write the chosen seal and
 * signature images as transparent PNGs into DIR.
 *
 * Prints {"areas":[{"area","cells":[{"status","bbox"?,"lines"?}...],"best",
 * "file","size_mm","advice"?}...],"skew_deg","upside_down","dpi","ms","decode_ms",
 * "analysis_ms","analysis_cpu_ms"} (ms: the whole command; the split is for
 * bench/51; the CPU time is the analysis's own, whatever else the machine
 * runs). Exit 0 when every area has an ok impression, 1 when one does not or no table is found,
 * 2 for usage errors and unreadable images. Never writes outside DIR.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/i18n.h"
#include "core/str.h"
#include "ctl.h"
#include "imaging/image.h"
#include "imaging/sealsheet.h"

static json_t *sealsheet_lines_json(unsigned lines)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{KX_SEAL_LINE_LEFT, "left"},
                 {KX_SEAL_LINE_RIGHT, "right"},
                 {KX_SEAL_LINE_TOP, "top"},
                 {KX_SEAL_LINE_BOTTOM, "bottom"}};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (lines & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

int ctl_cmd_seal_sheet(int argc, char **argv)
{
    static const char *const with_value[] = {"--out", "--dpi", NULL};
    const char *usage = "usage: kioskctl seal-sheet IMAGE --out DIR [--dpi N]";
    const char *path = ctl_positional(argc, argv, 0, with_value);
    const char *outdir = ctl_option(argc, argv, "--out");
    const char *dpi_s = ctl_option(argc, argv, "--dpi");
    if (!path || !outdir || ctl_positional(argc, argv, 1, with_value))
        return ctl_fail(CTL_EXIT_USAGE, "seal-sheet", "%s", usage);
    long dpi = 0;
    if (dpi_s && kx_parse_long(dpi_s, 50, 2400, &dpi))
        return ctl_fail(CTL_EXIT_USAGE, "seal-sheet", "--dpi %s is not 50..2400", dpi_s);
    if (mkdir(outdir, 0750) != 0 && errno != EEXIST)
        return ctl_fail(CTL_EXIT_USAGE, "seal-sheet", "cannot create %s: %s", outdir,
                        strerror(errno));

    double t0 = ctl_now_ms();
    kx_image *img = NULL;
    kx_err rc = kx_image_load(path, &img);
    if (rc)
        return ctl_fail(CTL_EXIT_USAGE, "seal-sheet", "%s: %s (%s)", path,
                        kx_tr(kx_err_message(rc)), kx_err_detail());
    double t1 = ctl_now_ms(), c1 = ctl_cpu_ms();
    kx_sealsheet_result *res = NULL;
    rc = kx_sealsheet_analyze(img, (double)dpi, &res);
    double t2 = ctl_now_ms(), c2 = ctl_cpu_ms();
    kx_image_free(img);
    if (rc) {
        json_t *o = json_object();
        json_object_set_new(o, "error", json_string(kx_err_name(rc)));
        json_object_set_new(o, "message", json_string(kx_tr(kx_err_message(rc))));
        json_object_set_new(o, "ms", json_integer((json_int_t)(ctl_now_ms() - t0)));
        ctl_print_json(o);
        return ctl_fail(rc == KX_ERR_NO_TABLE ? CTL_EXIT_INVALID : CTL_EXIT_USAGE, "seal-sheet",
                        "%s (%s)", kx_tr(kx_err_message(rc)), kx_err_detail());
    }

    int all_ok = 1, write_failed = 0;
    json_t *areas = json_array();
    for (int a = 0; a < KX_SEAL_AREA_COUNT; a++) {
        const kx_sealsheet_area *ar = &res->areas[a];
        json_t *o = json_object(), *cells = json_array();
        json_object_set_new(o, "area", json_string(kx_seal_area_name((kx_seal_area)a)));
        for (int c = 0; c < 2; c++) {
            const kx_seal_cell *cl = &ar->cells[c];
            json_t *co = json_object();
            json_object_set_new(co, "status", json_string(kx_seal_status_name(cl->status)));
            if (cl->status != KX_SEAL_MISSING)
                json_object_set_new(
                    co, "bbox",
                    json_pack("[iiii]", cl->bbox[0], cl->bbox[1], cl->bbox[2], cl->bbox[3]));
            if (cl->status == KX_SEAL_CROSSES_LINE)
                json_object_set_new(co, "lines", sealsheet_lines_json(cl->lines));
            json_array_append_new(cells, co);
        }
        json_object_set_new(o, "cells", cells);
        if (ar->best >= 0 && ar->image) {
            char file[4096];
            int n = snprintf(file, sizeof(file), "%s/%s.png", outdir,
                             kx_seal_area_name((kx_seal_area)a));
            kx_err wrc = n > 0 && (size_t)n < sizeof(file) ? kx_image_save_png(ar->image, file)
                                                           : KX_ERR_INVALID_ARG;
            if (wrc) {
                write_failed = 1;
                fprintf(stderr, "kioskctl seal-sheet: cannot write %s: %s\n", file,
                        kx_err_detail());
            }
            json_object_set_new(o, "best", json_integer(ar->best));
            json_object_set_new(o, "file", wrc ? json_null() : json_string(file));
            json_object_set_new(o, "size_mm",
                                json_pack("[ff]", round(ar->size_mm[0] * 10) / 10,
                                          round(ar->size_mm[1] * 10) / 10));
        } else {
            all_ok = 0;
            json_object_set_new(o, "best", json_null());
            json_object_set_new(o, "file", json_null());
            json_object_set_new(o, "size_mm", json_null());
            const char *advice = kx_sealsheet_advice(ar, (kx_seal_area)a);
            if (advice)
                json_object_set_new(o, "advice", json_string(kx_tr(advice)));
        }
        json_array_append_new(areas, o);
    }
    json_t *top = json_object();
    json_object_set_new(top, "areas", areas);
    json_object_set_new(top, "skew_deg", json_real(round(res->skew_deg * 100) / 100));
    json_object_set_new(top, "upside_down", json_boolean(res->upside_down));
    json_object_set_new(top, "dpi", json_real(res->dpi));
    json_object_set_new(top, "ms", json_integer((json_int_t)(ctl_now_ms() - t0)));
    json_object_set_new(top, "decode_ms", json_real(round((t1 - t0) * 10) / 10));
    json_object_set_new(top, "analysis_ms", json_real(round((t2 - t1) * 10) / 10));
    json_object_set_new(top, "analysis_cpu_ms", json_real(round((c2 - c1) * 10) / 10));
    ctl_print_json(top);
    kx_sealsheet_result_free(res);
    if (write_failed)
        return CTL_EXIT_USAGE;
    return all_ok ? CTL_EXIT_OK : CTL_EXIT_INVALID;
}
