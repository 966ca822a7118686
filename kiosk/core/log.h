/* SPDX-License-Identifier: MIT */
/*
 * log.h - structured logging to stderr (journald collects it), optionally
 * syslog. One line per event: "LEVEL event key=value key=value".
 *
 * Never pass a PIN, a key or an unmasked ID number to these functions: use
 * kx_mask_idnum() / kx_mask_phone() for personal data.
 */
#ifndef KX_CORE_LOG_H
#define KX_CORE_LOG_H

#include <stddef.h>

typedef enum kx_log_level {
    KX_LOG_DEBUG = 0,
    KX_LOG_INFO = 1,
    KX_LOG_WARN = 2,
    KX_LOG_ERROR = 3,
} kx_log_level;

/* kx_log_set_level - drop events below level. Default INFO, or the value of
 * KX_LOG_LEVEL (debug|info|warn|error) at the first log call. */
void kx_log_set_level(kx_log_level level);
/* kx_log_use_syslog - also send events to syslog under ident. */
void kx_log_use_syslog(const char *ident);

/*
 * kx_log - write one event. event is a dotted name ("ra.request"); fmt
 * formats the key=value fields. Thread-safe (one write(2) per line).
 */
void kx_log(kx_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define kx_log_debug(ev, ...) kx_log(KX_LOG_DEBUG, ev, __VA_ARGS__)
#define kx_log_info(ev, ...) kx_log(KX_LOG_INFO, ev, __VA_ARGS__)
#define kx_log_warn(ev, ...) kx_log(KX_LOG_WARN, ev, __VA_ARGS__)
#define kx_log_error(ev, ...) kx_log(KX_LOG_ERROR, ev, __VA_ARGS__)

/*
 * kx_mask_idnum - copy an ID number into out with all but the first 3 and
 * last 4 characters replaced by '*' ("360***********0071"). Inputs of 7
 * characters or fewer are masked entirely. Returns out.
 */
char *kx_mask_idnum(const char *idnum, char *out, size_t outsz);

/* kx_mask_phone - keep the first 3 and last 4 digits ("138****5678"). */
char *kx_mask_phone(const char *phone, char *out, size_t outsz);

#endif
