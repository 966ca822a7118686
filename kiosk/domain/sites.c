/* SPDX-License-Identifier: MIT */
/*
 * sites.c - the service halls of config/sites.conf (see sites.h). Reads a
 * configuration the caller loaded; never opens a file.
 */
#include "sites.h"

#include <stdlib.h>
#include <string.h>

#include "core/str.h"

/* copy one key of a hall's section; required keys must be non-empty */
static kx_err sites_copy_key(const kx_config *cfg, const char *section, const char *key,
                             int required, char *dst, size_t dstsz)
{
    const char *v = kx_config_get_str(cfg, section, key, "");
    if (required && !*v) {
        kx_err_set_detail("%s: [%s] %s is missing", kx_config_name(cfg), section, key);
        return KX_ERR_CONFIG;
    }
    if (strlen(v) >= dstsz) {
        kx_err_set_detail("%s:%d: [%s] %s is longer than %zu bytes", kx_config_name(cfg),
                          kx_config_line(cfg, section, key), section, key, dstsz - 1);
        return KX_ERR_CONFIG;
    }
    kx_strlcpy(dst, v, dstsz);
    return KX_OK;
}

static kx_err sites_read_one(const kx_config *cfg, const char *section, kx_site *s)
{
    kx_err rc;
    memset(s, 0, sizeof *s);
    if (strlen(section) >= sizeof s->id) {
        kx_err_set_detail("%s: hall id [%s] is too long", kx_config_name(cfg), section);
        return KX_ERR_CONFIG;
    }
    kx_strlcpy(s->id, section, sizeof s->id);
    if ((rc = sites_copy_key(cfg, section, "name", 1, s->name, sizeof s->name)) ||
        (rc = sites_copy_key(cfg, section, "address", 1, s->address, sizeof s->address)) ||
        (rc = sites_copy_key(cfg, section, "phone", 1, s->phone, sizeof s->phone)) ||
        (rc = sites_copy_key(cfg, section, "name_en", 0, s->name_en, sizeof s->name_en)) ||
        (rc = sites_copy_key(cfg, section, "address_en", 0, s->address_en,
                             sizeof s->address_en)) ||
        (rc = sites_copy_key(cfg, section, "counter", 0, s->counter, sizeof s->counter)))
        return rc;
    return KX_OK;
}

kx_err kx_sites_from_config(const kx_config *cfg, kx_sites *out)
{
    if (!cfg || !out)
        return KX_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    size_t n = kx_config_section_count(cfg);
    if (n == 0) {
        kx_err_set_detail("%s: no hall is listed", kx_config_name(cfg));
        return KX_ERR_CONFIG;
    }
    kx_sites tmp = {calloc(n, sizeof(kx_site)), 0};
    if (!tmp.items)
        return KX_ERR_NO_MEMORY;
    kx_err rc = KX_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = sites_read_one(cfg, kx_config_section_name(cfg, i), &tmp.items[i]);
        if (!rc)
            tmp.count++;
    }
    if (rc) {
        kx_sites_free(&tmp);
        return rc;
    }
    *out = tmp;
    return KX_OK;
}

void kx_sites_free(kx_sites *sites)
{
    if (!sites)
        return;
    free(sites->items);
    sites->items = NULL;
    sites->count = 0;
}

const kx_site *kx_sites_find(const kx_sites *sites, const char *id)
{
    if (!sites || !id)
        return NULL;
    for (size_t i = 0; i < sites->count; i++)
        if (strcmp(sites->items[i].id, id) == 0)
            return &sites->items[i];
    return NULL;
}

kx_err kx_site_of_kiosk(const kx_config *kiosk_cfg, const kx_sites *sites, const kx_site **out)
{
    if (!kiosk_cfg || !sites || !out)
        return KX_ERR_INVALID_ARG;
    const char *id = kx_config_get_str(kiosk_cfg, "kiosk", "site", "");
    if (!*id) {
        kx_err_set_detail("%s: [kiosk] site is missing: name this kiosk's hall",
                          kx_config_name(kiosk_cfg));
        return KX_ERR_CONFIG;
    }
    const kx_site *s = kx_sites_find(sites, id);
    if (!s) {
        kx_err_set_detail("%s:%d: [kiosk] site=%s is not a hall of the sites file",
                          kx_config_name(kiosk_cfg), kx_config_line(kiosk_cfg, "kiosk", "site"),
                          id);
        return KX_ERR_CONFIG;
    }
    *out = s;
    return KX_OK;
}

const char *kx_site_name(const kx_site *site, const char *lang)
{
    if (!site)
        return "";
    if (lang && strcmp(lang, "en") == 0 && site->name_en[0])
        return site->name_en;
    return site->name;
}

const char *kx_site_address(const kx_site *site, const char *lang)
{
    if (!site)
        return "";
    if (lang && strcmp(lang, "en") == 0 && site->address_en[0])
        return site->address_en;
    return site->address;
}
