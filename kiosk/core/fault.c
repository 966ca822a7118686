/* SPDX-License-Identifier: MIT */
/*
 * fault.c - fault-injection points of the driver wrappers (see fault.h).
 * Tests only: with no KX_FAULT_* variable and nothing armed, every check
 * is one getenv() and returns KX_OK. Never injects on its own.
 */
#include "fault.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_DRIVERS 8

/* one in-process armed fault per driver */
static struct fault_armed {
    char driver[16];
    char call[32];
    kx_err code;
    int skip, count;
} fault_armed[FAULT_DRIVERS];

static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;

/* does the rule's call name (up to len bytes) name `call`? */
static int fault_call_matches(const char *rule, size_t len, const char *call)
{
    if (len == 1 && rule[0] == '*')
        return 1;
    return strlen(call) == len && strncmp(rule, call, len) == 0;
}

/*
 * fault_from_env - the value of KX_FAULT_<DRIVER> asks this call to fail:
 * walk its comma-separated rules; the first that names the call decides.
 */
static kx_err fault_from_env(const char *driver, const char *call, kx_err dflt)
{
    char var[48] = "KX_FAULT_";
    size_t n = strlen(var);
    for (const char *d = driver; *d && n + 1 < sizeof var; d++)
        var[n++] = (*d >= 'a' && *d <= 'z') ? (char)(*d - 'a' + 'A') : *d;
    var[n] = '\0';
    const char *v = getenv(var);
    if (!v || !*v)
        return KX_OK;
    while (*v) {
        size_t rule_len = strcspn(v, ",");
        size_t name_len = strcspn(v, ":,");
        if (fault_call_matches(v, name_len, call)) {
            kx_err rc = dflt;
            if (name_len < rule_len) {
                char err_name[64];
                size_t en = rule_len - name_len - 1;
                if (en < sizeof err_name) {
                    memcpy(err_name, v + name_len + 1, en);
                    err_name[en] = '\0';
                    kx_err named;
                    if (kx_err_from_name(err_name, &named) == KX_OK)
                        rc = named;
                }
            }
            return rc;
        }
        v += rule_len;
        if (*v == ',')
            v++;
    }
    return KX_OK;
}

static kx_err fault_from_armed(const char *driver, const char *call)
{
    kx_err rc = KX_OK;
    pthread_mutex_lock(&fault_mu);
    for (int i = 0; i < FAULT_DRIVERS; i++) {
        struct fault_armed *a = &fault_armed[i];
        if (a->count <= 0 || strcmp(a->driver, driver) != 0 ||
            !fault_call_matches(a->call, strlen(a->call), call))
            continue;
        if (a->skip > 0) {
            a->skip--;
            break;
        }
        a->count--;
        rc = a->code;
        break;
    }
    pthread_mutex_unlock(&fault_mu);
    return rc;
}

kx_err kx_fault_check(const char *driver, const char *call, kx_err dflt)
{
    if (!driver || !call)
        return KX_OK;
    kx_err rc = fault_from_armed(driver, call);
    if (!rc)
        rc = fault_from_env(driver, call, dflt);
    if (rc)
        kx_err_set_detail("injected fault in %s %s", driver, call);
    return rc;
}

void kx_fault_arm(const char *driver, const char *call, kx_err code, int skip, int count)
{
    if (!driver || !call || strlen(driver) >= sizeof fault_armed[0].driver ||
        strlen(call) >= sizeof fault_armed[0].call)
        return;
    pthread_mutex_lock(&fault_mu);
    struct fault_armed *slot = NULL;
    for (int i = 0; i < FAULT_DRIVERS && !slot; i++)
        if (strcmp(fault_armed[i].driver, driver) == 0)
            slot = &fault_armed[i];
    for (int i = 0; i < FAULT_DRIVERS && !slot; i++)
        if (!fault_armed[i].driver[0])
            slot = &fault_armed[i];
    if (slot) {
        memset(slot, 0, sizeof *slot);
        if (code != KX_OK && count > 0) {
            snprintf(slot->driver, sizeof slot->driver, "%s", driver);
            snprintf(slot->call, sizeof slot->call, "%s", call);
            slot->code = code;
            slot->skip = skip > 0 ? skip : 0;
            slot->count = count;
        }
    }
    pthread_mutex_unlock(&fault_mu);
}
