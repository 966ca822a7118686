/* SPDX-License-Identifier: MIT */
/*
 * shim.c - a PKCS#11 module for tests that forwards to a real module
 * (SoftHSM2) and injects what the real one cannot produce: a locked PIN, the
 * "final try" / "count low" flags, a wrong PIN, a token pulled at the Nth
 * call of a chosen function, slow calls. Never used outside tests.
 *
 * Environment:
 *   KX_SHIM_MODULE   the real module (default /usr/lib/softhsm/libsofthsm2.so)
 *   KX_SHIM_CONTROL  the control file (optional: no file, no injection)
 *
 * Control file: re-read at every call; whenever its content changes, call
 * counters restart at zero and the pulled state is cleared (that is how a
 * test "re-inserts" a pulled token). One directive a line, '#' comments:
 *
 *   pin_locked             C_Login(CKU_USER) -> CKR_PIN_LOCKED;
 *                          C_GetTokenInfo sets CKF_USER_PIN_LOCKED
 *   final_try              C_GetTokenInfo sets CKF_USER_PIN_FINAL_TRY
 *   count_low              C_GetTokenInfo sets CKF_USER_PIN_COUNT_LOW
 *   pin_incorrect          C_Login(CKU_USER) -> CKR_PIN_INCORRECT (any PIN)
 *   so_pin_incorrect       C_Login(CKU_SO) -> CKR_PIN_INCORRECT (any PIN)
 *   pulled                 the token is out now (see below)
 *   fail FN N RV [MODE]    the Nth call (1-based) of function FN (C_Sign,
 *                          C_CreateObject, ... or * for any instrumented
 *                          function) returns RV (CKR_DEVICE_REMOVED,
 *                          CKR_TOKEN_NOT_PRESENT, CKR_PIN_INCORRECT,
 *                          CKR_DEVICE_ERROR, CKR_GENERAL_ERROR,
 *                          CKR_FUNCTION_FAILED or a number such as 0x32)
 *                          without calling the real module. MODE:
 *                            once    (default) only that call
 *                            after   that call and every later call of FN
 *                            pulled  that call, then the token is pulled
 *   delay FN MS            every call of FN (or *) sleeps MS milliseconds
 *                          before forwarding
 *   pin_tries N            a real try counter: each CKR_PIN_INCORRECT from
 *                          the real C_Login / C_SetPIN (user) uses a try,
 *                          a right PIN gives all N back, C_InitPIN (the SO
 *                          reset) too; flags count low after a miss, final
 *                          try at 1 left, locked at 0, when C_Login says
 *                          CKR_PIN_LOCKED. The tries left are kept in
 *                          KX_SHIM_CONTROL.tries so they survive the
 *                          process, as on a real token.
 *   hotplug                C_GetSlotList re-initialises the real module
 *                          when no session is open through the shim, so
 *                          SoftHSM2 (which reads its token directory only
 *                          in C_Initialize) shows tokens initialised or
 *                          deleted after start: insertion and removal
 *                          (never while a session is open: a card swap
 *                          that keeps the old token open sees no new one)
 *
 * Pulled: C_GetSlotList(tokenPresent=TRUE) lists no slot,
 * C_GetSlotInfo clears CKF_TOKEN_PRESENT, C_GetTokenInfo returns
 * CKR_TOKEN_NOT_PRESENT, every session or slot call returns
 * CKR_DEVICE_REMOVED, and the sessions open on the real module are closed
 * (as a real token loses them), so a "re-inserted" token needs a new
 * session. The pulled state covers every token of the real module.
 *
 * Up to 16 fail and 16 delay directives; unknown directives are ignored
 * with a note on stderr (tests see it).
 */
#include <dlfcn.h>
#include <errno.h>
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHIM_DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define SHIM_MAX_RULES 16
#define SHIM_NAME_MAX 40
#define SHIM_MAX_FUNCS 64
#define SHIM_CONTROL_MAX 8192
#define SHIM_MAX_SESSIONS 64

enum shim_mode { SHIM_ONCE, SHIM_AFTER, SHIM_PULL };

struct shim_fail {
    char fn[SHIM_NAME_MAX];
    unsigned long nth;
    CK_RV rv;
    enum shim_mode mode;
};

struct shim_delay {
    char fn[SHIM_NAME_MAX];
    long ms;
};

static struct {
    pthread_mutex_t mu;
    void *dl;
    CK_FUNCTION_LIST_PTR real;
    CK_FUNCTION_LIST list; /* the real list with our overrides */
    char control[SHIM_CONTROL_MAX];
    int pin_locked, final_try, count_low, pin_incorrect, so_pin_incorrect, pulled, hotplug;
    long pin_tries;                                /* 0: no try counter */
    CK_SESSION_HANDLE sessions[SHIM_MAX_SESSIONS]; /* open through the shim */
    CK_SLOT_ID session_slots[SHIM_MAX_SESSIONS];
    size_t nsessions;
    struct shim_fail fails[SHIM_MAX_RULES];
    size_t nfails;
    struct shim_delay delays[SHIM_MAX_RULES];
    size_t ndelays;
    char names[SHIM_MAX_FUNCS][SHIM_NAME_MAX]; /* call counters by function */
    unsigned long calls[SHIM_MAX_FUNCS];
    size_t nnames;
} shim = {.mu = PTHREAD_MUTEX_INITIALIZER};

static const struct {
    const char *name;
    CK_RV rv;
} shim_rv_names[] = {
    {"CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED},
    {"CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT},
    {"CKR_PIN_INCORRECT", CKR_PIN_INCORRECT},
    {"CKR_PIN_LOCKED", CKR_PIN_LOCKED},
    {"CKR_DEVICE_ERROR", CKR_DEVICE_ERROR},
    {"CKR_GENERAL_ERROR", CKR_GENERAL_ERROR},
    {"CKR_FUNCTION_FAILED", CKR_FUNCTION_FAILED},
    {"CKR_DEVICE_MEMORY", CKR_DEVICE_MEMORY},
    {"CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID},
};

static CK_RV shim_parse_rv(const char *s)
{
    for (size_t i = 0; i < sizeof(shim_rv_names) / sizeof(shim_rv_names[0]); i++)
        if (strcmp(s, shim_rv_names[i].name) == 0)
            return shim_rv_names[i].rv;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end)
        return CKR_DEVICE_REMOVED;
    return (CK_RV)v;
}

/* shim_parse - apply the control text (lock held). */
static void shim_parse(const char *text)
{
    shim.pin_locked = shim.final_try = shim.count_low = 0;
    shim.pin_incorrect = shim.so_pin_incorrect = shim.pulled = shim.hotplug = 0;
    shim.pin_tries = 0;
    shim.nfails = shim.ndelays = 0;
    shim.nnames = 0;
    memset(shim.calls, 0, sizeof(shim.calls));
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, "\n");
        char line[256];
        snprintf(line, sizeof(line), "%.*s", (int)(len < 255 ? len : 255), p);
        p += len + (p[len] == '\n');
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char w[5][SHIM_NAME_MAX] = {{0}};
        int n = sscanf(line, "%39s %39s %39s %39s %39s", w[0], w[1], w[2], w[3], w[4]);
        if (n <= 0)
            continue;
        if (strcmp(w[0], "pin_locked") == 0)
            shim.pin_locked = 1;
        else if (strcmp(w[0], "final_try") == 0)
            shim.final_try = 1;
        else if (strcmp(w[0], "count_low") == 0)
            shim.count_low = 1;
        else if (strcmp(w[0], "pin_incorrect") == 0)
            shim.pin_incorrect = 1;
        else if (strcmp(w[0], "so_pin_incorrect") == 0)
            shim.so_pin_incorrect = 1;
        else if (strcmp(w[0], "pulled") == 0)
            shim.pulled = 1;
        else if (strcmp(w[0], "hotplug") == 0)
            shim.hotplug = 1;
        else if (strcmp(w[0], "pin_tries") == 0 && n >= 2)
            shim.pin_tries = strtol(w[1], NULL, 10);
        else if (strcmp(w[0], "fail") == 0 && n >= 4 && shim.nfails < SHIM_MAX_RULES) {
            struct shim_fail *f = &shim.fails[shim.nfails++];
            memcpy(f->fn, w[1], sizeof(f->fn));
            f->nth = strtoul(w[2], NULL, 10);
            f->rv = shim_parse_rv(w[3]);
            f->mode = strcmp(w[4], "after") == 0    ? SHIM_AFTER
                      : strcmp(w[4], "pulled") == 0 ? SHIM_PULL
                                                    : SHIM_ONCE;
        } else if (strcmp(w[0], "delay") == 0 && n >= 3 && shim.ndelays < SHIM_MAX_RULES) {
            struct shim_delay *d = &shim.delays[shim.ndelays++];
            memcpy(d->fn, w[1], sizeof(d->fn));
            d->ms = strtol(w[2], NULL, 10);
        } else
            fprintf(stderr, "pkcs11-shim: ignored control line '%s'\n", line);
    }
}

/* shim_reload - re-read the control file (lock held). */
static void shim_reload(void)
{
    const char *path = getenv("KX_SHIM_CONTROL");
    char buf[SHIM_CONTROL_MAX];
    size_t n = 0;
    FILE *fp = path && *path ? fopen(path, "r") : NULL;
    if (fp) {
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
    }
    buf[n] = '\0';
    if (strcmp(buf, shim.control) == 0)
        return;
    memcpy(shim.control, buf, n + 1);
    shim_parse(buf);
}

static unsigned long *shim_counter(const char *fn)
{
    for (size_t i = 0; i < shim.nnames; i++)
        if (strcmp(shim.names[i], fn) == 0)
            return &shim.calls[i];
    if (shim.nnames == SHIM_MAX_FUNCS)
        return NULL;
    snprintf(shim.names[shim.nnames], SHIM_NAME_MAX, "%s", fn);
    return &shim.calls[shim.nnames++];
}

static void shim_close_real_sessions(void)
{
    CK_ULONG n = 0;
    if (shim.real->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_OK || n == 0)
        return;
    CK_SLOT_ID *slots = calloc(n, sizeof(*slots));
    if (slots && shim.real->C_GetSlotList(CK_FALSE, slots, &n) == CKR_OK)
        for (CK_ULONG i = 0; i < n; i++)
            shim.real->C_CloseAllSessions(slots[i]);
    free(slots);
    shim.nsessions = 0;
}

/* What a call touches: the pulled state fails slot and session calls. */
enum shim_kind { SHIM_GLOBAL, SHIM_SLOT, SHIM_SESSION };

/*
 * shim_enter - count the call, apply delays and failures. Returns CKR_OK to
 * forward, or the injected result.
 */
static CK_RV shim_enter(const char *fn, enum shim_kind kind)
{
    long delay = 0;
    CK_RV rv = CKR_OK;
    pthread_mutex_lock(&shim.mu);
    shim_reload();
    unsigned long *all = shim_counter("*");
    unsigned long nall = all ? ++*all : 0;
    unsigned long *cnt = shim_counter(fn);
    unsigned long nth = cnt ? ++*cnt : 0;
    for (size_t i = 0; i < shim.ndelays; i++)
        if (strcmp(shim.delays[i].fn, "*") == 0 || strcmp(shim.delays[i].fn, fn) == 0)
            delay += shim.delays[i].ms;
    if (shim.pulled && kind != SHIM_GLOBAL)
        rv = CKR_DEVICE_REMOVED;
    for (size_t i = 0; rv == CKR_OK && i < shim.nfails; i++) {
        struct shim_fail *f = &shim.fails[i];
        if (strcmp(f->fn, "*") != 0 && strcmp(f->fn, fn) != 0)
            continue;
        /* "*" counts every instrumented call together */
        unsigned long k = strcmp(f->fn, "*") == 0 ? nall : nth;
        if (k == f->nth || (f->mode == SHIM_AFTER && k > f->nth)) {
            rv = f->rv;
            if (f->mode == SHIM_PULL) {
                shim.pulled = 1;
                shim_close_real_sessions();
            }
        }
    }
    if (shim.pulled && rv == CKR_OK && kind != SHIM_GLOBAL)
        rv = CKR_DEVICE_REMOVED;
    pthread_mutex_unlock(&shim.mu);
    if (delay > 0) {
        struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    return rv;
}

/* SHIM_WRAP: a forwarding function with the injection point. */
#define SHIM_WRAP(fn, kind, params, args)                                                      \
    static CK_RV shim_##fn params                                                              \
    {                                                                                          \
        CK_RV rv_ = shim_enter(#fn, kind);                                                     \
        return rv_ != CKR_OK ? rv_ : shim.real->fn args;                                       \
    }

SHIM_WRAP(C_GetMechanismList, SHIM_SLOT,
          (CK_SLOT_ID s, CK_MECHANISM_TYPE_PTR m, CK_ULONG_PTR n), (s, m, n))
SHIM_WRAP(C_GetMechanismInfo, SHIM_SLOT,
          (CK_SLOT_ID s, CK_MECHANISM_TYPE t, CK_MECHANISM_INFO_PTR i), (s, t, i))
SHIM_WRAP(C_GetSessionInfo, SHIM_SESSION, (CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR i), (h, i))
SHIM_WRAP(C_Logout, SHIM_SESSION, (CK_SESSION_HANDLE h), (h))
SHIM_WRAP(C_CreateObject, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o),
          (h, t, n, o))
SHIM_WRAP(C_DestroyObject, SHIM_SESSION, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o), (h, o))
SHIM_WRAP(C_GetAttributeValue, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
          (h, o, t, n))
SHIM_WRAP(C_SetAttributeValue, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
          (h, o, t, n))
SHIM_WRAP(C_FindObjectsInit, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n), (h, t, n))
SHIM_WRAP(C_FindObjects, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR o, CK_ULONG m, CK_ULONG_PTR n),
          (h, o, m, n))
SHIM_WRAP(C_FindObjectsFinal, SHIM_SESSION, (CK_SESSION_HANDLE h), (h))
SHIM_WRAP(C_SignInit, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (h, m, k))
SHIM_WRAP(C_Sign, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG_PTR sl),
          (h, d, dl, s, sl))
SHIM_WRAP(C_GenerateKeyPair, SHIM_SESSION,
          (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt, CK_ULONG pn,
           CK_ATTRIBUTE_PTR qt, CK_ULONG qn, CK_OBJECT_HANDLE_PTR pk, CK_OBJECT_HANDLE_PTR qk),
          (h, m, pt, pn, qt, qn, pk, qk))

/* sessions are tracked so that hotplug never re-initialises under one */
static CK_RV shim_C_OpenSession(CK_SLOT_ID s, CK_FLAGS f, CK_VOID_PTR a, CK_NOTIFY n,
                                CK_SESSION_HANDLE_PTR h)
{
    CK_RV rv = shim_enter("C_OpenSession", SHIM_SLOT);
    if (rv != CKR_OK)
        return rv;
    rv = shim.real->C_OpenSession(s, f, a, n, h);
    pthread_mutex_lock(&shim.mu);
    if (rv == CKR_OK && shim.nsessions < SHIM_MAX_SESSIONS) {
        shim.session_slots[shim.nsessions] = s;
        shim.sessions[shim.nsessions++] = *h;
    }
    pthread_mutex_unlock(&shim.mu);
    return rv;
}

static void shim_forget_sessions(int all_of_slot, CK_SLOT_ID slot, CK_SESSION_HANDLE h)
{
    pthread_mutex_lock(&shim.mu);
    for (size_t i = 0; i < shim.nsessions;) {
        if (all_of_slot ? shim.session_slots[i] == slot : shim.sessions[i] == h) {
            shim.nsessions--;
            shim.sessions[i] = shim.sessions[shim.nsessions];
            shim.session_slots[i] = shim.session_slots[shim.nsessions];
        } else
            i++;
    }
    pthread_mutex_unlock(&shim.mu);
}

static CK_RV shim_C_CloseSession(CK_SESSION_HANDLE h)
{
    CK_RV rv = shim_enter("C_CloseSession", SHIM_GLOBAL);
    if (rv == CKR_OK)
        rv = shim.real->C_CloseSession(h);
    shim_forget_sessions(0, 0, h);
    return rv;
}

static CK_RV shim_C_CloseAllSessions(CK_SLOT_ID slot)
{
    CK_RV rv = shim_enter("C_CloseAllSessions", SHIM_GLOBAL);
    if (rv == CKR_OK)
        rv = shim.real->C_CloseAllSessions(slot);
    shim_forget_sessions(1, slot, 0);
    return rv;
}

static CK_RV shim_C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR n)
{
    CK_RV rv = shim_enter("C_GetSlotList", SHIM_GLOBAL);
    if (rv != CKR_OK)
        return rv;
    pthread_mutex_lock(&shim.mu);
    int pulled = shim.pulled;
    /* only when asked for the count: the caller's second call must see the
     * same slots */
    if (shim.hotplug && shim.nsessions == 0 && !list) {
        CK_C_INITIALIZE_ARGS args = {0};
        args.flags = CKF_OS_LOCKING_OK;
        shim.real->C_Finalize(NULL);
        rv = shim.real->C_Initialize(&args);
    }
    pthread_mutex_unlock(&shim.mu);
    if (rv != CKR_OK)
        return rv;
    if (pulled && present) {
        *n = 0;
        return CKR_OK;
    }
    return shim.real->C_GetSlotList(present, list, n);
}

static long shim_tries_left(void);

static CK_RV shim_C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
    CK_RV rv = shim_enter("C_GetSlotInfo", SHIM_GLOBAL);
    if (rv == CKR_OK)
        rv = shim.real->C_GetSlotInfo(slot, info);
    pthread_mutex_lock(&shim.mu);
    if (rv == CKR_OK && shim.pulled)
        info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
    pthread_mutex_unlock(&shim.mu);
    return rv;
}

static CK_RV shim_C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    CK_RV rv = shim_enter("C_GetTokenInfo", SHIM_SLOT);
    pthread_mutex_lock(&shim.mu);
    int pulled = shim.pulled;
    pthread_mutex_unlock(&shim.mu);
    if (rv == CKR_DEVICE_REMOVED && pulled)
        return CKR_TOKEN_NOT_PRESENT; /* what a module says for an empty slot */
    if (rv != CKR_OK)
        return rv;
    rv = shim.real->C_GetTokenInfo(slot, info);
    if (rv != CKR_OK)
        return rv;
    pthread_mutex_lock(&shim.mu);
    if (shim.pin_locked)
        info->flags |= CKF_USER_PIN_LOCKED;
    if (shim.final_try)
        info->flags |= CKF_USER_PIN_FINAL_TRY;
    if (shim.count_low)
        info->flags |= CKF_USER_PIN_COUNT_LOW;
    if (shim.pin_tries > 0) {
        long left = shim_tries_left();
        /* the real module's own counter is not the one that counts here */
        info->flags &= ~(CK_FLAGS)(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
        if (left < shim.pin_tries)
            info->flags |= CKF_USER_PIN_COUNT_LOW;
        if (left == 1)
            info->flags |= CKF_USER_PIN_FINAL_TRY;
        if (left == 0)
            info->flags |= CKF_USER_PIN_LOCKED;
    }
    pthread_mutex_unlock(&shim.mu);
    return CKR_OK;
}

/* ---- the PIN try counter (pin_tries), kept beside the control file */

static void shim_tries_path(char *out, size_t outsz)
{
    const char *c = getenv("KX_SHIM_CONTROL");
    snprintf(out, outsz, "%s.tries", c && *c ? c : "/nonexistent/kx-shim");
}

/* shim_tries_left - tries left (lock held); pin_tries when never used. */
static long shim_tries_left(void)
{
    char path[4096];
    shim_tries_path(path, sizeof(path));
    long left = shim.pin_tries;
    FILE *fp = fopen(path, "r");
    if (fp) {
        if (fscanf(fp, "%ld", &left) != 1)
            left = shim.pin_tries;
        fclose(fp);
    }
    return left < 0 ? 0 : left > shim.pin_tries ? shim.pin_tries : left;
}

static void shim_tries_set(long left)
{
    char path[4096];
    shim_tries_path(path, sizeof(path));
    FILE *fp = fopen(path, "w");
    if (fp) {
        fprintf(fp, "%ld\n", left);
        fclose(fp);
    }
}

/* shim_tries_after - count a user PIN check the real module answered. */
static void shim_tries_after(CK_RV rv)
{
    pthread_mutex_lock(&shim.mu);
    if (shim.pin_tries > 0) {
        if (rv == CKR_PIN_INCORRECT)
            shim_tries_set(shim_tries_left() - 1);
        else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
            shim_tries_set(shim.pin_tries);
    }
    pthread_mutex_unlock(&shim.mu);
}

static CK_RV shim_C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE who, CK_UTF8CHAR_PTR pin,
                          CK_ULONG len)
{
    CK_RV rv = shim_enter("C_Login", SHIM_SESSION);
    if (rv != CKR_OK)
        return rv;
    pthread_mutex_lock(&shim.mu);
    if (who == CKU_USER && (shim.pin_locked || (shim.pin_tries > 0 && shim_tries_left() == 0)))
        rv = CKR_PIN_LOCKED;
    else if (who == CKU_USER && shim.pin_incorrect)
        rv = CKR_PIN_INCORRECT;
    else if (who == CKU_SO && shim.so_pin_incorrect)
        rv = CKR_PIN_INCORRECT;
    pthread_mutex_unlock(&shim.mu);
    if (rv != CKR_OK)
        return rv;
    rv = shim.real->C_Login(h, who, pin, len);
    if (who == CKU_USER)
        shim_tries_after(rv);
    return rv;
}

static CK_RV shim_C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR o, CK_ULONG ol,
                           CK_UTF8CHAR_PTR n, CK_ULONG nl)
{
    CK_RV rv = shim_enter("C_SetPIN", SHIM_SESSION);
    if (rv != CKR_OK)
        return rv;
    pthread_mutex_lock(&shim.mu);
    if (shim.pin_locked || (shim.pin_tries > 0 && shim_tries_left() == 0))
        rv = CKR_PIN_LOCKED;
    pthread_mutex_unlock(&shim.mu);
    if (rv != CKR_OK)
        return rv;
    rv = shim.real->C_SetPIN(h, o, ol, n, nl);
    shim_tries_after(rv);
    return rv;
}

static CK_RV shim_C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR p, CK_ULONG l)
{
    CK_RV rv = shim_enter("C_InitPIN", SHIM_SESSION);
    if (rv != CKR_OK)
        return rv;
    rv = shim.real->C_InitPIN(h, p, l);
    if (rv == CKR_OK)
        shim_tries_after(CKR_OK); /* the SO reset unlocks */
    return rv;
}

static CK_RV shim_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out);

static CK_RV shim_load(void)
{
    if (shim.real)
        return CKR_OK;
    const char *path = getenv("KX_SHIM_MODULE");
    if (!path || !*path)
        path = SHIM_DEFAULT_MODULE;
    shim.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!shim.dl) {
        fprintf(stderr, "pkcs11-shim: cannot load %s: %s\n", path, dlerror());
        return CKR_GENERAL_ERROR;
    }
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(shim.dl, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR real = NULL;
    if (!gfl || gfl(&real) != CKR_OK || !real) {
        fprintf(stderr, "pkcs11-shim: %s is not a PKCS#11 module\n", path);
        dlclose(shim.dl);
        shim.dl = NULL;
        return CKR_GENERAL_ERROR;
    }
    shim.real = real;
    shim.list = *real;
    shim.list.C_GetFunctionList = shim_C_GetFunctionList;
#define SHIM_SET(fn) shim.list.fn = shim_##fn
    SHIM_SET(C_GetSlotList);
    SHIM_SET(C_GetSlotInfo);
    SHIM_SET(C_GetTokenInfo);
    SHIM_SET(C_GetMechanismList);
    SHIM_SET(C_GetMechanismInfo);
    SHIM_SET(C_OpenSession);
    SHIM_SET(C_CloseSession);
    SHIM_SET(C_CloseAllSessions);
    SHIM_SET(C_GetSessionInfo);
    SHIM_SET(C_Login);
    SHIM_SET(C_Logout);
    SHIM_SET(C_InitPIN);
    SHIM_SET(C_SetPIN);
    SHIM_SET(C_CreateObject);
    SHIM_SET(C_DestroyObject);
    SHIM_SET(C_GetAttributeValue);
    SHIM_SET(C_SetAttributeValue);
    SHIM_SET(C_FindObjectsInit);
    SHIM_SET(C_FindObjects);
    SHIM_SET(C_FindObjectsFinal);
    SHIM_SET(C_SignInit);
    SHIM_SET(C_Sign);
    SHIM_SET(C_GenerateKeyPair);
#undef SHIM_SET
    return CKR_OK;
}

static CK_RV shim_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
    if (!out)
        return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&shim.mu);
    CK_RV rv = shim_load();
    pthread_mutex_unlock(&shim.mu);
    if (rv == CKR_OK)
        *out = &shim.list;
    return rv;
}

/* C_GetFunctionList - the module's one exported entry point. */
__attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out);
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
    return shim_C_GetFunctionList(out);
}
