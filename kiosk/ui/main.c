/* SPDX-License-Identifier: MIT */
/*
 * main.c - the `kiosk` executable: the full-screen front end of the
 * certificate kiosk, or (with --screenshots / --bench) its offline
 * harnesses.
 *
 * usage: kiosk [--config FILE] [--socket PATH] [--lang zh_CN|en]
 *              [--orientation portrait|landscape] [--windowed] [--script FILE]
 *        kiosk --screenshots DIR [--only NAME | --states FILE] [--large-text] [--lang ..]
 *              [--orientation ..]
 *        kiosk --bench FRAMES [--lang ..] [--orientation ..]
 *        kiosk --voice-texts zh_CN|en   (the spoken prompts' texts, for the build)
 * Exit: 0 ok, 1 audit or tap script failed, 2 usage, configuration or
 * start-up error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "ui/ui_internal.h"

static int usage(FILE *fp)
{
    fprintf(fp,
            "usage: kiosk [--config FILE] [--socket PATH] [--lang zh_CN|en]\n"
            "             [--orientation portrait|landscape] [--windowed] [--script FILE]\n"
            "       kiosk --screenshots DIR [--only NAME | --states FILE] [--large-text]\n"
            "             [--lang zh_CN|en] [--orientation ...]\n"
            "       kiosk --bench FRAMES [--only NAME] [--lang zh_CN|en] [--orientation ...]\n"
            "       kiosk --voice-texts zh_CN|en\n");
    return fp == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *socket_path = NULL, *lang = NULL, *orient = NULL;
    const char *shots = NULL, *script = NULL, *only = NULL, *states = NULL;
    long bench = 0;
    int windowed = 0, large = 0, rc = 2;
    kx_config *cfg = NULL;
    kx_ui_options opt;
    kx_ui *ui = NULL;
    kx_err err;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0)
            return usage(stdout);
        if (strcmp(a, "--windowed") == 0) {
            windowed = 1;
            continue;
        }
        if (strcmp(a, "--voice-texts") == 0 && v) {
            /* the build's prompt generator: the texts, translated */
            if (kx_i18n_init(NULL, v) != KX_OK || kx_i18n_set_lang(v) != KX_OK)
                return 2;
            kx_voice_print_texts(stdout);
            return 0;
        }
        if (strcmp(a, "--large-text") == 0) {
            large = 1;
            continue;
        }
        if (!v)
            return usage(stderr);
        if (strcmp(a, "--config") == 0)
            config = v;
        else if (strcmp(a, "--socket") == 0)
            socket_path = v;
        else if (strcmp(a, "--lang") == 0)
            lang = v;
        else if (strcmp(a, "--orientation") == 0)
            orient = v;
        else if (strcmp(a, "--screenshots") == 0)
            shots = v;
        else if (strcmp(a, "--only") == 0)
            only = v;
        else if (strcmp(a, "--states") == 0)
            states = v;
        else if (strcmp(a, "--script") == 0)
            script = v;
        else if (strcmp(a, "--bench") == 0) {
            if (kx_parse_long(v, 1, 1000000, &bench) != KX_OK)
                return usage(stderr);
        } else
            return usage(stderr);
        i++;
    }
    if (lang && strcmp(lang, "zh_CN") != 0 && strcmp(lang, "en") != 0)
        return usage(stderr);
    if (orient && strcmp(orient, "portrait") != 0 && strcmp(orient, "landscape") != 0)
        return usage(stderr);
    if (config && kx_config_load(config, &cfg) != KX_OK) {
        fprintf(stderr, "kiosk: %s\n", kx_err_detail());
        return 2;
    }
    if (kx_ui_options_from_config(cfg, &opt) != KX_OK) {
        fprintf(stderr, "kiosk: %s\n", kx_err_detail());
        goto out;
    }
    if (lang)
        kx_strlcpy(opt.lang, lang, sizeof opt.lang);
    if (orient)
        opt.orientation = strcmp(orient, "landscape") == 0 ? KX_UI_LANDSCAPE : KX_UI_PORTRAIT;
    if (only)
        kx_strlcpy(opt.only, only, sizeof opt.only);
    opt.large_text = large;
    if (states &&
        (!shots || kx_strlcpy(opt.states, states, sizeof opt.states) >= sizeof opt.states))
        return usage(stderr);
    if (socket_path)
        kx_strlcpy(opt.socket_path, socket_path, sizeof opt.socket_path);
    if (windowed || shots || bench) {
        opt.fullscreen = 0;
        opt.window_w = opt.window_h = 0;
    }
    if (kx_i18n_init(NULL, opt.lang) != KX_OK) {
        fprintf(stderr, "kiosk: cannot set up translations\n");
        goto out;
    }
    if ((err = kx_ui_create(&opt, &ui)) != KX_OK) {
        fprintf(stderr, "kiosk: %s: %s\n", kx_err_name(err), kx_err_detail());
        goto out;
    }
    if (shots) {
        int n = 0;
        err = kx_ui_screenshots(ui, shots, &n);
        printf("screenshots: %d written to %s (%s, %s)\n", n, shots, opt.lang,
               opt.orientation == KX_UI_LANDSCAPE ? "landscape" : "portrait");
        rc = err == KX_OK ? 0 : err == KX_ERR_CHECK_FAILED ? 1 : 2;
        if (err && err != KX_ERR_CHECK_FAILED)
            fprintf(stderr, "kiosk: %s: %s\n", kx_err_name(err), kx_err_detail());
    } else if (bench) {
        rc = kx_ui_bench(ui, (int)bench) == KX_OK ? 0 : 2;
    } else {
        if (script && kx_ui_set_script(ui, script) != KX_OK) {
            fprintf(stderr, "kiosk: %s\n", kx_err_detail());
            goto out;
        }
        err = kx_ui_run(ui);
        rc = err == KX_OK ? 0 : 1;
    }
out:
    kx_ui_destroy(ui);
    kx_config_free(cfg);
    return rc;
}
