/* SPDX-License-Identifier: MIT */
/*
 * config.c - INI files through libinih; entries kept in file order with the
 * line they came from, so every error can point at it.
 */
#include "config.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "str.h"

struct config_entry {
    char *section;
    char *key;
    char *value;
    int line;
};

struct kx_config {
    char *name;
    struct config_entry *entries;
    size_t count, cap;
    char **sections;
    size_t nsections;
};

/* The reader feeds inih one line at a time and counts lines, so the handler
 * knows which line it is looking at (Debian builds inih without
 * INI_HANDLER_LINENO). */
struct config_reader {
    FILE *fp;
    const char *text;
    int line;
    kx_config *cfg;
};

static char *config_read_line(char *str, int num, void *stream)
{
    struct config_reader *r = stream;
    char *got;
    if (r->fp) {
        got = fgets(str, num, r->fp);
    } else {
        if (!*r->text)
            return NULL;
        const char *nl = strchr(r->text, '\n');
        size_t len = nl ? (size_t)(nl - r->text) + 1 : strlen(r->text);
        if (len > (size_t)num - 1)
            len = (size_t)num - 1;
        memcpy(str, r->text, len);
        str[len] = '\0';
        r->text += len;
        got = str;
    }
    if (got)
        r->line++;
    return got;
}

static int config_add_section(kx_config *cfg, const char *section)
{
    for (size_t i = 0; i < cfg->nsections; i++)
        if (strcmp(cfg->sections[i], section) == 0)
            return 1;
    char **n = realloc(cfg->sections, (cfg->nsections + 1) * sizeof(*n));
    if (!n)
        return 0;
    cfg->sections = n;
    if (!(cfg->sections[cfg->nsections] = strdup(section)))
        return 0;
    cfg->nsections++;
    return 1;
}

static int config_handler(void *user, const char *section, const char *key, const char *value)
{
    struct config_reader *r = user;
    kx_config *cfg = r->cfg;
    if (!config_add_section(cfg, section))
        return 0;
    if (!key) /* section header alone (INI_CALL_HANDLER_ON_NEW_SECTION) */
        return 1;
    /* a repeated key replaces the earlier value */
    for (size_t i = 0; i < cfg->count; i++) {
        struct config_entry *e = &cfg->entries[i];
        if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0) {
            char *v = strdup(value);
            if (!v)
                return 0;
            free(e->value);
            e->value = v;
            e->line = r->line;
            return 1;
        }
    }
    if (cfg->count == cfg->cap) {
        size_t ncap = cfg->cap ? cfg->cap * 2 : 32;
        struct config_entry *n = realloc(cfg->entries, ncap * sizeof(*n));
        if (!n)
            return 0;
        cfg->entries = n;
        cfg->cap = ncap;
    }
    struct config_entry *e = &cfg->entries[cfg->count];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = r->line;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return 0;
    }
    cfg->count++;
    return 1;
}

kx_err kx_config_new_empty(kx_config **out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    kx_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg || !(cfg->name = strdup("(defaults)"))) {
        free(cfg);
        return KX_ERR_NO_MEMORY;
    }
    *out = cfg;
    return KX_OK;
}

static kx_err config_parse(struct config_reader *r, const char *name, kx_config **out)
{
    kx_err rc = kx_config_new_empty(&r->cfg);
    if (rc)
        return rc;
    free(r->cfg->name);
    if (!(r->cfg->name = strdup(name))) {
        kx_config_free(r->cfg);
        return KX_ERR_NO_MEMORY;
    }
    int bad = ini_parse_stream(config_read_line, r, config_handler, r);
    if (bad != 0) {
        if (bad > 0)
            kx_err_set_detail("%s:%d: syntax error", name, bad);
        else
            kx_err_set_detail("%s: cannot read (%d)", name, bad);
        kx_config_free(r->cfg);
        return bad > 0 ? KX_ERR_CONFIG : KX_ERR_NO_MEMORY;
    }
    *out = r->cfg;
    return KX_OK;
}

kx_err kx_config_load(const char *path, kx_config **out)
{
    if (!path || !out)
        return KX_ERR_INVALID_ARG;
    struct config_reader r = {0};
    r.fp = fopen(path, "r");
    if (!r.fp) {
        kx_err_set_detail("%s: cannot open", path);
        return KX_ERR_IO;
    }
    kx_err rc = config_parse(&r, path, out);
    fclose(r.fp);
    return rc;
}

kx_err kx_config_load_string(const char *text, const char *name, kx_config **out)
{
    if (!text || !out)
        return KX_ERR_INVALID_ARG;
    struct config_reader r = {0};
    r.text = text;
    return config_parse(&r, name ? name : "(string)", out);
}

void kx_config_free(kx_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->entries[i].section);
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    for (size_t i = 0; i < cfg->nsections; i++)
        free(cfg->sections[i]);
    free(cfg->sections);
    free(cfg->entries);
    free(cfg->name);
    free(cfg);
}

const char *kx_config_name(const kx_config *cfg)
{
    return cfg ? cfg->name : "";
}

static const struct config_entry *config_find(const kx_config *cfg, const char *section,
                                              const char *key)
{
    if (!cfg || !section || !key)
        return NULL;
    for (size_t i = 0; i < cfg->count; i++)
        if (strcmp(cfg->entries[i].section, section) == 0 &&
            strcmp(cfg->entries[i].key, key) == 0)
            return &cfg->entries[i];
    return NULL;
}

const char *kx_config_get_str(const kx_config *cfg, const char *section, const char *key,
                              const char *def)
{
    const struct config_entry *e = config_find(cfg, section, key);
    return e ? e->value : def;
}

kx_err kx_config_require_str(const kx_config *cfg, const char *section, const char *key,
                             const char **out)
{
    const struct config_entry *e = config_find(cfg, section, key);
    if (!e || !e->value[0]) {
        kx_err_set_detail("%s: [%s] %s: required key is %s", kx_config_name(cfg), section, key,
                          e ? "empty" : "missing");
        return KX_ERR_CONFIG;
    }
    *out = e->value;
    return KX_OK;
}

kx_err kx_config_get_int(const kx_config *cfg, const char *section, const char *key, long def,
                         long min, long max, long *out)
{
    if (!out)
        return KX_ERR_INVALID_ARG;
    const struct config_entry *e = config_find(cfg, section, key);
    if (!e) {
        *out = def;
        return KX_OK;
    }
    long v;
    kx_err rc = kx_parse_long(e->value, min, max, &v);
    if (rc == KX_ERR_BAD_FORMAT) {
        kx_err_set_detail("%s:%d: [%s] %s=%s: not a whole number", cfg->name, e->line, section,
                          key, e->value);
        return KX_ERR_CONFIG;
    }
    if (rc) {
        kx_err_set_detail("%s:%d: [%s] %s=%s: out of range %ld..%ld", cfg->name, e->line,
                          section, key, e->value, min, max);
        return KX_ERR_CONFIG;
    }
    *out = v;
    return KX_OK;
}

kx_err kx_config_get_bool(const kx_config *cfg, const char *section, const char *key, int def,
                          int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", NULL};
    static const char *const no[] = {"false", "no", "off", "0", NULL};
    if (!out)
        return KX_ERR_INVALID_ARG;
    const struct config_entry *e = config_find(cfg, section, key);
    if (!e) {
        *out = def;
        return KX_OK;
    }
    for (int i = 0; yes[i]; i++) {
        if (strcasecmp(e->value, yes[i]) == 0) {
            *out = 1;
            return KX_OK;
        }
        if (strcasecmp(e->value, no[i]) == 0) {
            *out = 0;
            return KX_OK;
        }
    }
    kx_err_set_detail("%s:%d: [%s] %s=%s: expected true or false", cfg->name, e->line, section,
                      key, e->value);
    return KX_ERR_CONFIG;
}

kx_err kx_config_get_enum(const kx_config *cfg, const char *section, const char *key,
                          const char *const *choices, int def_index, int *out)
{
    if (!out || !choices)
        return KX_ERR_INVALID_ARG;
    const struct config_entry *e = config_find(cfg, section, key);
    if (!e) {
        *out = def_index;
        return KX_OK;
    }
    char allowed[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (strcmp(e->value, choices[i]) == 0) {
            *out = i;
            return KX_OK;
        }
        if (i)
            kx_strlcat(allowed, "|", sizeof(allowed));
        kx_strlcat(allowed, choices[i], sizeof(allowed));
    }
    kx_err_set_detail("%s:%d: [%s] %s=%s: expected one of %s", cfg->name, e->line, section, key,
                      e->value, allowed);
    return KX_ERR_CONFIG;
}

int kx_config_line(const kx_config *cfg, const char *section, const char *key)
{
    const struct config_entry *e = config_find(cfg, section, key);
    return e ? e->line : 0;
}

size_t kx_config_section_count(const kx_config *cfg)
{
    return cfg ? cfg->nsections : 0;
}

const char *kx_config_section_name(const kx_config *cfg, size_t index)
{
    return cfg && index < cfg->nsections ? cfg->sections[index] : NULL;
}
