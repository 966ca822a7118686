/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: kioskd's message handling. Each input is split into lines
 * and fed to the server's dispatcher as one staff connection (hello,
 * intents, requests), on a real engine with a journal in a temporary
 * directory and no RA or devices configured.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "engine/engine_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef KX_PARSE_HELPER_PATH
#define KX_PARSE_HELPER_PATH "/usr/libexec/jxca-kiosk/kiosk-parse"
#endif

static kx_engine *fuzz_engine;
static kx_config *fuzz_cfg;
static char fuzz_dir[] = "/tmp/kx-fuzz-XXXXXX";

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fuzz_cleanup(void)
{
    kx_engine_destroy(fuzz_engine);
    kx_config_free(fuzz_cfg);
    nftw(fuzz_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static kx_engine *engine_once(void)
{
    if (fuzz_engine)
        return fuzz_engine;
    char text[1536], sites[600];
    if (!mkdtemp(fuzz_dir))
        abort();
    /* kioskd needs its hall ([kiosk] site in sites_file) to start */
    (void)snprintf(sites, sizeof sites, "%s/sites.conf", fuzz_dir);
    FILE *f = fopen(sites, "w");
    if (!f || fputs("[hall]\nname = 办证大厅\naddress = 南昌\nphone = 0791-1\n", f) < 0 ||
        fclose(f))
        abort();
    (void)snprintf(text, sizeof text,
                   "[kiosk]\nstate_dir = %s/state\nsite = hall\nsites_file = %s\n"
                   "[engine]\nsocket = %s/s\n[sandbox]\nparse_helper = %s\n",
                   fuzz_dir, sites, fuzz_dir, KX_PARSE_HELPER_PATH);
    if (kx_config_load_string(text, "fuzz", &fuzz_cfg) ||
        kx_engine_create(fuzz_cfg, &fuzz_engine))
        abort();
    atexit(fuzz_cleanup);
    return fuzz_engine;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kx_engine *e = engine_once();
    kx_client c;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    c.role = KX_ROLE_STAFF;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++)
        if (i == size || buf[i] == '\n') {
            buf[i] = 0;
            kx_server_feed(e, &c, buf + start, i - start);
            start = i + 1;
        }
    free(c.out);
    free(buf);
    return 0;
}
