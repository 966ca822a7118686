/* SPDX-License-Identifier: MIT */
/*
 * config.c - [printer] of kiosk.conf into kx_printer_config, and the
 * checks of a queue name and a printer URI that opening a printer shares.
 * Apart from printer.c and cups.c so that a program that only validates a
 * configuration (kioskctl config-check, in the kioskctl front) links it
 * without libcups.
 */
#include <string.h>

#include "drivers/printer/backends.h"

int printer_uri_ok(const char *uri)
{
    return strncmp(uri, "ipp://", 6) == 0 || strncmp(uri, "ipps://", 7) == 0;
}

int printer_queue_name_ok(const char *name)
{
    /* CUPS refuses these in a queue name; none is in a printer's name */
    return name[0] && strlen(name) < 128 && strpbrk(name, "/#? \t\\") == NULL;
}

kx_err kx_printer_config_read(const kx_config *cfg, kx_printer_config *out)
{
    static const char *const papers[] = {"roll80", "a4", NULL};
    if (!out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    out->backend = "cups";
    out->timeout_ms = PRINTER_DEFAULT_WAIT_MS;
    out->target.request_timeout_ms = PRINTER_DEFAULT_REQUEST_MS;
    if (!cfg)
        return KX_OK;
    const char *name = kx_config_name(cfg);
    out->backend = kx_config_get_str(cfg, "printer", "backend", "cups");
    const char *queue = kx_config_get_str(cfg, "printer", "queue", "");
    const char *uri = kx_config_get_str(cfg, "printer", "uri", "");
    const char *server = kx_config_get_str(cfg, "printer", "server", "");
    out->target.queue = queue[0] ? queue : NULL;
    out->target.uri = uri[0] ? uri : NULL;
    out->target.server = server[0] ? server : NULL;
    kx_err rc =
        kx_config_get_bool(cfg, "printer", "enabled", queue[0] || uri[0], &out->enabled);
    if (rc)
        return rc;
    if (queue[0] && uri[0]) {
        kx_err_set_detail("%s:%d: [printer] queue and uri: give one of them", name,
                          kx_config_line(cfg, "printer", "uri"));
        return KX_ERR_CONFIG;
    }
    if (uri[0] && !printer_uri_ok(uri)) {
        kx_err_set_detail("%s:%d: [printer] uri=%s: must start with ipp:// or ipps://", name,
                          kx_config_line(cfg, "printer", "uri"), uri);
        return KX_ERR_CONFIG;
    }
    if (queue[0] && !printer_queue_name_ok(queue)) {
        kx_err_set_detail("%s:%d: [printer] queue=%s: not a CUPS queue name", name,
                          kx_config_line(cfg, "printer", "queue"), queue);
        return KX_ERR_CONFIG;
    }
    if (out->enabled && !queue[0] && !uri[0]) {
        kx_err_set_detail("%s:%d: [printer] enabled: set queue or uri", name,
                          kx_config_line(cfg, "printer", "enabled"));
        return KX_ERR_CONFIG;
    }
    int paper;
    rc = kx_config_get_enum(cfg, "printer", "paper", papers, 0, &paper);
    if (rc)
        return rc;
    out->paper = (kx_paper)paper;
    long v;
    rc = kx_config_get_int(cfg, "printer", "timeout_s", PRINTER_DEFAULT_WAIT_MS / 1000, 1, 300,
                           &v);
    if (rc)
        return rc;
    out->timeout_ms = (int)v * 1000;
    rc = kx_config_get_int(cfg, "printer", "request_timeout_s",
                           PRINTER_DEFAULT_REQUEST_MS / 1000, 1, 60, &v);
    if (rc)
        return rc;
    out->target.request_timeout_ms = (int)v * 1000;
    return KX_OK;
}
