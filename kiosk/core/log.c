/* SPDX-License-Identifier: MIT */
/*
 * log.c - one-line structured events on stderr (and syslog when asked).
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* read by every thread that logs (the licence reader's workers, the UI's
 * decoder); set once from the environment by whichever logs first */
static atomic_int log_level = -1;
static int log_syslog;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void kx_log_set_level(kx_log_level level)
{
    atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

void kx_log_use_syslog(const char *ident)
{
    openlog(ident, LOG_PID, LOG_DAEMON);
    log_syslog = 1;
}

static int log_level_from_env(void)
{
    const char *v = getenv("KX_LOG_LEVEL");
    if (!v)
        return KX_LOG_INFO;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(v, level_names[i]) == 0)
            return i;
    return KX_LOG_INFO;
}

void kx_log(kx_log_level level, const char *event, const char *fmt, ...)
{
    int min = atomic_load_explicit(&log_level, memory_order_relaxed);
    if (min < 0) {
        min = log_level_from_env();
        atomic_store_explicit(&log_level, min, memory_order_relaxed);
    }
    if ((int)level < min || level > KX_LOG_ERROR)
        return;

    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000L, level_names[level], event);
    if (n < 0)
        return;
    size_t used = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
    va_end(ap);
    if (m > 0)
        used += (size_t)m < sizeof(line) - used ? (size_t)m : sizeof(line) - used - 1;
    /* one event, one line: no embedded newlines from values */
    for (size_t i = 0; i < used; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    if (used > sizeof(line) - 2)
        used = sizeof(line) - 2;
    line[used++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, used);
    (void)w;
    if (log_syslog) {
        static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
        syslog(prio[level], "%.*s", (int)used - 1, line + 25);
    }
}

static char *mask_keep(const char *s, size_t head, size_t tail, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return out;
    if (!s)
        s = "";
    size_t len = strlen(s);
    size_t i;
    for (i = 0; i < len && i + 1 < outsz; i++) {
        int keep = len > head + tail && (i < head || i >= len - tail);
        out[i] = keep ? s[i] : '*';
    }
    out[i] = '\0';
    return out;
}

char *kx_mask_idnum(const char *idnum, char *out, size_t outsz)
{
    return mask_keep(idnum, 3, 4, out, outsz);
}

char *kx_mask_phone(const char *phone, char *out, size_t outsz)
{
    return mask_keep(phone, 3, 4, out, outsz);
}
