/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - Prometheus text exposition format 0.0.4, atomic file write.
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/str.h"

struct metric_sample {
    char *name;
    char *help;
    kx_metric_type type;
    char *labels; /* already rendered: {a="b",c="d"} or "" */
    double value;
};

struct kx_metrics {
    struct metric_sample *s;
    size_t n, cap;
};

kx_err kx_metrics_new(kx_metrics **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? KX_OK : KX_ERR_NO_MEMORY;
}

void kx_metrics_free(kx_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->s[i].name);
        free(m->s[i].help);
        free(m->s[i].labels);
    }
    free(m->s);
    free(m);
}

static int metric_name_ok(const char *name, int is_label)
{
    if (!name || !*name)
        return 0;
    for (const char *p = name; *p; p++) {
        int alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
                    (!is_label && *p == ':');
        if (!alpha && !(p > name && *p >= '0' && *p <= '9'))
            return 0;
    }
    return 1;
}

/* append src to a growing buffer, escaping for label values or help text */
static int buf_put(char **buf, size_t *len, size_t *cap, const char *src, int escape_quote)
{
    for (const char *p = src; *p; p++) {
        char tmp[3] = {0};
        if (*p == '\\')
            memcpy(tmp, "\\\\", 2);
        else if (*p == '\n')
            memcpy(tmp, "\\n", 2);
        else if (*p == '"' && escape_quote)
            memcpy(tmp, "\\\"", 2);
        else
            tmp[0] = *p;
        size_t tl = strlen(tmp);
        if (*len + tl + 1 > *cap) {
            size_t ncap = (*cap ? *cap * 2 : 64) + tl;
            char *nb = realloc(*buf, ncap);
            if (!nb)
                return 0;
            *buf = nb;
            *cap = ncap;
        }
        memcpy(*buf + *len, tmp, tl);
        *len += tl;
        (*buf)[*len] = '\0';
    }
    return 1;
}

static char *metric_render_labels(const char *const *labels)
{
    size_t len = 0, cap = 1;
    char *buf = calloc(1, cap);
    if (!buf)
        return NULL;
    if (!labels || !labels[0])
        return buf;
    int ok = buf_put(&buf, &len, &cap, "{", 0);
    for (int i = 0; ok && labels[i]; i += 2) {
        if (!labels[i + 1] || !metric_name_ok(labels[i], 1)) {
            ok = 0;
            break;
        }
        ok = (i == 0 || buf_put(&buf, &len, &cap, ",", 0)) &&
             buf_put(&buf, &len, &cap, labels[i], 0) && buf_put(&buf, &len, &cap, "=\"", 0) &&
             buf_put(&buf, &len, &cap, labels[i + 1], 1) && buf_put(&buf, &len, &cap, "\"", 0);
    }
    ok = ok && buf_put(&buf, &len, &cap, "}", 0);
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

kx_err kx_metrics_add(kx_metrics *m, const char *name, kx_metric_type type, const char *help,
                      const char *const *labels, double value)
{
    if (!m || !metric_name_ok(name, 0) || !help)
        return KX_ERR_INVALID_ARG;
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        struct metric_sample *ns = realloc(m->s, ncap * sizeof(*ns));
        if (!ns)
            return KX_ERR_NO_MEMORY;
        m->s = ns;
        m->cap = ncap;
    }
    struct metric_sample *s = &m->s[m->n];
    s->labels = metric_render_labels(labels);
    if (!s->labels)
        return KX_ERR_INVALID_ARG;
    s->name = strdup(name);
    s->help = strdup(help);
    if (!s->name || !s->help) {
        free(s->name);
        free(s->help);
        free(s->labels);
        return KX_ERR_NO_MEMORY;
    }
    s->type = type;
    s->value = value;
    m->n++;
    return KX_OK;
}

kx_err kx_metrics_write(const kx_metrics *m, const char *path)
{
    if (!m || !path)
        return KX_ERR_INVALID_ARG;
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
        return KX_ERR_TOO_LARGE;
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        kx_err_set_detail("%s: cannot create", tmp);
        return KX_ERR_IO;
    }
    for (size_t i = 0; i < m->n; i++) {
        int first = 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->s[j].name, m->s[i].name) == 0)
                first = 0;
        if (!first)
            continue;
        char *help = NULL;
        size_t hl = 0, hc = 0;
        if (!buf_put(&help, &hl, &hc, m->s[i].help, 0))
            help = NULL;
        fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", m->s[i].name, help ? help : "",
                m->s[i].name, m->s[i].type == KX_METRIC_COUNTER ? "counter" : "gauge");
        free(help);
        for (size_t j = i; j < m->n; j++)
            if (strcmp(m->s[j].name, m->s[i].name) == 0)
                fprintf(fp, "%s%s %.17g\n", m->s[j].name, m->s[j].labels, m->s[j].value);
    }
    int bad = ferror(fp) || fflush(fp) != 0 || fsync(fileno(fp)) != 0;
    bad |= fchmod(fileno(fp), 0644) != 0;
    if (fclose(fp) != 0 || bad || rename(tmp, path) != 0) {
        unlink(tmp);
        kx_err_set_detail("%s: cannot write", path);
        return KX_ERR_IO;
    }
    return KX_OK;
}
