/* SPDX-License-Identifier: MIT */
/*
 * sites.h - the CA's service halls (config/sites.conf) and the one this
 * kiosk stands in ([kiosk] site). The hall's name is shown on the screens;
 * its counter and telephone are what every "please go to the counter"
 * message and the out-of-service screen give; the others' addresses and
 * phones can be listed on the home screen.
 *
 * Pure: the caller loads the files (kx_config_load) and hands the parsed
 * configuration in. Nothing here is a secret or personal data.
 */
#ifndef KX_DOMAIN_SITES_H
#define KX_DOMAIN_SITES_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

typedef struct kx_site {
    char id[64];          /* the section name: "hall-provincial", "fuzhou" */
    char name[256];       /* Chinese name (required) */
    char name_en[256];    /* English name; empty: show name */
    char address[512];    /* (required) */
    char address_en[512]; /* empty: show address */
    char phone[128];      /* one or more numbers as published (required) */
    char counter[256];    /* where the counter is in this hall; may be empty */
} kx_site;

typedef struct kx_sites {
    kx_site *items; /* owned; free with kx_sites_free() */
    size_t count;
} kx_sites;

/*
 * kx_sites_from_config - every section of a parsed sites.conf. Each needs
 * name, address and phone (KX_ERR_CONFIG naming the file, line and key
 * otherwise); an empty file is KX_ERR_CONFIG too. *out is emptied first.
 */
kx_err kx_sites_from_config(const kx_config *sites_cfg, kx_sites *out);
void kx_sites_free(kx_sites *sites);

/* kx_sites_find - the hall with this id, or NULL. */
const kx_site *kx_sites_find(const kx_sites *sites, const char *id);

/*
 * kx_site_of_kiosk - the hall named by the kiosk configuration's
 * [kiosk] site: KX_ERR_CONFIG when the key is missing or names no hall of
 * sites (the detail lists the configured name and the file:line).
 * *out points into sites.
 */
kx_err kx_site_of_kiosk(const kx_config *kiosk_cfg, const kx_sites *sites, const kx_site **out);

/* kx_site_name / kx_site_address - the text for a screen in language
 * lang ("en" picks the English field when it is set). */
const char *kx_site_name(const kx_site *site, const char *lang);
const char *kx_site_address(const kx_site *site, const char *lang);

#endif
