/* SPDX-License-Identifier: MIT */
/*
 * devices.c - the handles jobs use (kx_devices): the RA link and the
 * payment driver, the scanner's configuration, the token state. Opened
 * when the engine is created, closed when it is destroyed; the scanner
 * and the ID reader are opened by their jobs on first use and closed here;
 * kiosk-parse, the helper that decodes outside data, is started here.
 * Never used by two threads at once (engine_internal.h, kx_devices).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "engine_internal.h"
#include "idcard/idcard.h"
#include "payment/payment.h"
#include "ra/ra.h"
#include "sandbox/parse_client.h"

/* kiosk-parse: [sandbox] parse_helper, else where the package installs it
 * (beside kioskd: ../libexec/jxca-kiosk), else a build tree's
 * (kiosk/engine/kioskd -> kiosk/sandbox/kiosk-parse) */
static kx_err parse_open(const kx_config *cfg, struct kx_parse_client **out)
{
    const char *path = kx_config_get_str(cfg, "sandbox", "parse_helper", NULL);
    kx_err rc = kx_parse_client_new(path && *path ? path : NULL, out);
    char exe[512], built[600];
    ssize_t n = path && *path ? 0 : readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = 0, strrchr(exe, '/')) : NULL;
    if (rc && slash) {
        *slash = 0;
        snprintf(built, sizeof built, "%s/../sandbox/kiosk-parse", exe);
        if (access(built, X_OK) == 0)
            rc = kx_parse_client_new(built, out);
    }
    if (rc) {
        char why[256];
        kx_strlcpy(why, kx_err_detail(), sizeof why);
        kx_err_set_detail("the parsing helper kiosk-parse cannot start ([sandbox] "
                          "parse_helper): %s",
                          why);
    }
    return rc;
}

kx_err kx_devices_open(const kx_config *cfg, kx_devices **out)
{
    kx_devices *d = calloc(1, sizeof *d);
    if (!d)
        return KX_ERR_NO_MEMORY;
    *out = d; /* the caller closes it, also after a failure */
    kx_err rc = KX_OK;
    if (kx_config_get_str(cfg, "ra", "url", NULL)) {
        kx_ra_config rc_cfg;
        if ((rc = kx_ra_global_init()) || (rc = kx_ra_config_load(cfg, &rc_cfg)) ||
            (rc = kx_ra_open(&rc_cfg, &d->ra)))
            return rc;
        kx_payment_env env = {.cfg = cfg, .ra = d->ra};
        if ((rc = kx_payment_open(NULL, &env, &d->payment)))
            return rc;
    } else {
        kx_log_warn("engine.no_ra", "reason=\"no [ra] url in %s: RA steps will fail\"",
                    kx_config_name(cfg));
    }
    rc = kx_scanner_config_read(cfg, &d->scan_cfg);
    if (!rc)
        rc = kx_token_devices_open(cfg, &d->token);
    if (!rc)
        rc = parse_open(cfg, &d->parse);
    return rc;
}

void kx_devices_close(kx_devices *d)
{
    if (!d)
        return;
    kx_scanner_close(d->scanner);
    kx_token_devices_close(d->token);
    kx_idcard_close(d->idcard);
    kx_parse_client_free(d->parse);
    kx_payment_close(d->payment);
    kx_ra_close(d->ra);
    free(d);
}

void kx_devices_session_end(kx_devices *d)
{
    if (d)
        kx_token_devices_reset(d->token);
}
