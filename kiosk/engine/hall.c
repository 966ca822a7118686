/* SPDX-License-Identifier: MIT */
/*
 * hall.c - the CA's service hall this kiosk stands in ([kiosk] site, one
 * of the halls in [kiosk] sites_file; domain/sites.h): loaded once when
 * kioskd starts, published in the state (name, address, counter, phone in
 * the session's language), and the "go to the counter" text that the
 * staff-needed and out-of-service screens and every error that sends the
 * customer to staff carry. Main loop only. Without [kiosk] site the kiosk
 * names no hall (the texts then say "staff" only); a site that
 * sites_file does not list stops kioskd, as kioskctl config-check refuses
 * it. On the home screen the state lists the CA's other halls (name,
 * address, phone) for the screen's "Other service halls".
 */
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/log.h"
#include "domain/sites.h"
#include "engine_internal.h"

struct kx_hall {
    kx_config *sites_cfg;
    kx_sites sites;
    const kx_site *site;
};

kx_err kx_hall_open(kx_engine *e)
{
    e->hall = NULL;
    if (!kx_config_get_str(e->cfg, "kiosk", "site", NULL))
        return KX_OK;
    const char *path =
        kx_config_get_str(e->cfg, "kiosk", "sites_file", "/etc/jxca-kiosk/sites.conf");
    struct kx_hall *h = calloc(1, sizeof *h);
    if (!h)
        return KX_ERR_NO_MEMORY;
    kx_err rc = kx_config_load(path, &h->sites_cfg);
    if (!rc)
        rc = kx_sites_from_config(h->sites_cfg, &h->sites);
    if (!rc)
        rc = kx_site_of_kiosk(e->cfg, &h->sites, &h->site);
    if (rc) {
        kx_log_error("hall.config", "file=%s detail=\"%s\"", path, kx_err_detail());
        e->hall = h;
        kx_hall_close(e);
        return KX_ERR_CONFIG;
    }
    kx_log_info("hall.site", "site=%s", h->site->id);
    e->hall = h;
    return KX_OK;
}

void kx_hall_close(kx_engine *e)
{
    struct kx_hall *h = e->hall;
    if (!h)
        return;
    kx_sites_free(&h->sites);
    kx_config_free(h->sites_cfg);
    free(h);
    e->hall = NULL;
}

/* the CA's other halls, in sites.conf's order, for the home screen's
 * list: name, address and phone in the session's language */
static json_t *hall_others_json(const kx_engine *e)
{
    const struct kx_hall *h = e->hall;
    json_t *a = json_array();
    for (size_t i = 0; a && i < h->sites.count; i++) {
        const kx_site *o = &h->sites.items[i];
        if (o != h->site)
            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "id", o->id, "name",
                                               kx_site_name(o, e->lang), "address",
                                               kx_site_address(o, e->lang), "phone", o->phone));
    }
    return a;
}

json_t *kx_hall_json(const kx_engine *e)
{
    const kx_site *s = e->hall ? e->hall->site : NULL;
    if (!s)
        return json_null();
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", s->id, "name",
                          kx_site_name(s, e->lang), "address", kx_site_address(s, e->lang),
                          "counter", s->counter, "phone", s->phone);
    /* on the home screen (no session): the other halls too */
    if (o && !e->s.active)
        json_object_set_new(o, "others", hall_others_json(e));
    return o;
}

json_t *kx_hall_counter_text(const kx_engine *e)
{
    const kx_site *s = e->hall ? e->hall->site : NULL;
    if (!s)
        return json_null();
    if (s->counter[0])
        return json_pack("{s:s, s:{s:s, s:s}}", "msgid",
                         N_("Go to the counter: {counter}. Telephone: {phone}."), "args",
                         "counter", s->counter, "phone", s->phone);
    return json_pack("{s:s, s:{s:s, s:s}}", "msgid",
                     N_("Go to the service counter of {hall}. Telephone: {phone}."), "args",
                     "hall", kx_site_name(s, e->lang), "phone", s->phone);
}
