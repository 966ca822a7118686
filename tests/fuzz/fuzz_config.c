/* SPDX-License-Identifier: MIT */
/* Fuzz target: the INI configuration parser and its typed getters on
 * arbitrary text (a configuration file is outside data: staff edit it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "domain/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    kx_config *cfg = NULL;
    if (kx_config_load_string(text, "fuzz.conf", &cfg) == KX_OK) {
        kx_fees fees;
        kx_rules rules;
        long v;
        int b;
        kx_fees_load(cfg, &fees);
        kx_rules_load(cfg, &rules);
        for (size_t i = 0; i < kx_config_section_count(cfg); i++) {
            const char *sec = kx_config_section_name(cfg, i);
            kx_config_get_int(cfg, sec, "timeout_ms", 0, 0, 100000, &v);
            kx_config_get_bool(cfg, sec, "verify", 1, &b);
        }
        kx_config_free(cfg);
    }
    free(text);
    return 0;
}
