/* SPDX-License-Identifier: MIT */
/*
 * config.h - INI configuration (libinih) with typed, range-checked getters.
 *
 * Every error names the file, the line and the key, through
 * kx_err_set_detail(), e.g. "kiosk.conf:12: [ra] timeout_ms=abc: not a
 * number". config/kiosk.conf.example documents every key the project reads.
 */
#ifndef KX_CORE_CONFIG_H
#define KX_CORE_CONFIG_H

#include <stddef.h>

#include "err.h"

typedef struct kx_config kx_config;

/* kx_config_load - parse a file. KX_ERR_IO when it cannot be opened,
 * KX_ERR_CONFIG on a syntax error. Free with kx_config_free(). */
kx_err kx_config_load(const char *path, kx_config **out);

/* kx_config_load_string - parse text held in memory; name is used in
 * messages in place of a file name. */
kx_err kx_config_load_string(const char *text, const char *name, kx_config **out);

/* kx_config_new_empty - a config with no entries (every getter gives its
 * default). */
kx_err kx_config_new_empty(kx_config **out);

void kx_config_free(kx_config *cfg);

/* kx_config_name - file name the config came from (owned by cfg). */
const char *kx_config_name(const kx_config *cfg);

/* kx_config_get_str - value, or def when absent. Owned by cfg. */
const char *kx_config_get_str(const kx_config *cfg, const char *section, const char *key,
                              const char *def);

/* kx_config_get_int - integer in [min, max]; def when absent. A present
 * value that is not a number or is out of range is KX_ERR_CONFIG. */
kx_err kx_config_get_int(const kx_config *cfg, const char *section, const char *key, long def,
                         long min, long max, long *out);

/* kx_config_get_bool - true/false/yes/no/on/off/1/0; def when absent. */
kx_err kx_config_get_bool(const kx_config *cfg, const char *section, const char *key, int def,
                          int *out);

/* kx_config_get_enum - value must be one of choices (NULL-terminated);
 * *out is its index; def_index when absent. */
kx_err kx_config_get_enum(const kx_config *cfg, const char *section, const char *key,
                          const char *const *choices, int def_index, int *out);

/* kx_config_require_str - like get_str, but absent or empty is KX_ERR_CONFIG. */
kx_err kx_config_require_str(const kx_config *cfg, const char *section, const char *key,
                             const char **out);

/* kx_config_line - line of section/key in its file, 0 when absent. */
int kx_config_line(const kx_config *cfg, const char *section, const char *key);

/* kx_config_section_count / kx_config_section_name - the sections in file
 * order (each named once). Names are owned by cfg. */
size_t kx_config_section_count(const kx_config *cfg);
const char *kx_config_section_name(const kx_config *cfg, size_t index);

#endif
