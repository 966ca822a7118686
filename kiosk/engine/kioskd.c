/* SPDX-License-Identifier: MIT */
/*
 * kioskd.c - the transaction engine's entry point. Runs in the foreground
 * (systemd), logs to stderr, stops cleanly on SIGTERM/SIGINT.
 *
 * usage: kioskd --config FILE | kioskd --print-flows
 * Start-up errors (bad configuration, no journal, socket taken) print one
 * line naming the cause and exit 1: systemd restarts and logs it.
 */
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/secbuf.h"
#include "engine/engine.h"

static kx_engine *the_engine;

/* jansson's allocations hold parsed intents, PINs among them: wipe every
 * block before it returns to the heap */
static void *json_alloc(size_t n)
{
    return malloc(n);
}

static void json_free_wiped(void *p)
{
    if (p) {
        kx_wipe(p, malloc_usable_size(p));
        free(p);
    }
}

static void on_signal(int sig)
{
    (void)sig;
    if (the_engine)
        kx_engine_stop(the_engine);
}

static int usage(FILE *fp)
{
    fprintf(fp, "usage: kioskd --config FILE\n"
                "       kioskd --print-flows\n"
                "Serves the kiosk's UI and kioskctl on [engine] socket (docs/protocol.md).\n");
    return fp == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    /* first of all: no core dump and no ptrace by the same user, ever -
     * kioskd's memory holds PINs, SO PINs and the RA key (finding 8; the
     * units also set LimitCORE=0). /proc/PID then belongs to root. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        perror("kioskd: prctl(PR_SET_DUMPABLE)");
        return 1;
    }
    const char *config_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_path = argv[++i];
        else if (strcmp(argv[i], "--print-flows") == 0) {
            kx_engine_print_flows();
            return 0;
        } else if (strcmp(argv[i], "--help") == 0)
            return usage(stdout);
        else
            return usage(stderr);
    }
    if (!config_path)
        return usage(stderr);
    json_set_alloc_funcs(json_alloc, json_free_wiped);
    kx_i18n_init(NULL, "en");
    kx_config *cfg = NULL;
    kx_err rc = kx_config_load(config_path, &cfg);
    if (rc) {
        fprintf(stderr, "kioskd: %s: %s\n", kx_err_message(rc), kx_err_detail());
        return 1;
    }
    rc = kx_engine_create(cfg, &the_engine);
    if (rc) {
        fprintf(stderr, "kioskd: %s: %s\n", kx_err_message(rc), kx_err_detail());
        kx_config_free(cfg);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = kx_engine_run(the_engine);
    kx_log_info("engine.stop", "result=%s", kx_err_name(rc));
    kx_engine_destroy(the_engine);
    the_engine = NULL;
    kx_config_free(cfg);
    return rc ? 1 : 0;
}
