/* SPDX-License-Identifier: MIT */
/*
 * harness.c - the front end driven by something other than a customer:
 * tap scripts (`kiosk --script FILE`: tests and the demo drive the real UI
 * by widget id), the screenshot mode (`kiosk --screenshots DIR`: every
 * canned state rendered and audited) and the benchmark loop (`kiosk
 * --bench N`). The run loop (app.c) calls only the script hooks declared
 * in ui_internal.h; nothing here runs for a customer.
 *
 * Environment hooks, all read here: KX_UI_SHOTS (directory of a script's
 * `shot NAME` files), KX_UI_T0_NS (start time: print first_frame_ms),
 * KX_UI_SHOTS_RENDER=1 (screenshots through the run loop's render path),
 * KX_UI_BENCH_NO_WARMUP=1 (bench with the illustrations prewarmed only),
 * KX_UI_TEXT_LOG=FILE (every text drawn, once per screen and language)
 * and KX_UI_STATE_LOG=FILE (every state kioskd published): records for
 * tests/ui/real_texts.sh, which looks for internal identifiers on the
 * screens of real sessions. Both hold what a screen shows (names, masked
 * ID numbers): test kiosks only, never a hall's.
 *
 * Map: tap scripts - first frame - records - screenshots (canned states or
 * recorded ones) - bench.
 */
#include <errno.h>
#include <jansson.h>
#include <SDL2/SDL_image.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "ui/ui_internal.h"

/* ---- tap scripts ---- */

#define SCRIPT_MAX 256

struct kx_script {
    char line[SCRIPT_MAX][160];
    int n, pc;
    Uint64 until; /* sleep end or wait deadline */
    int waiting;
    char typing[64]; /* remaining keys of a `type` command */
    size_t typed;
    char shot[160]; /* `shot NAME`: save the next frame as $KX_UI_SHOTS/NAME.png */
};

kx_err kx_ui_set_script(kx_ui *ui, const char *path)
{
    FILE *fp = fopen(path, "r");
    char buf[256];
    struct kx_script *s;
    if (!fp) {
        kx_err_set_detail("%s: %s", path, strerror(errno));
        return KX_ERR_IO;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        fclose(fp);
        return KX_ERR_NO_MEMORY;
    }
    while (fgets(buf, sizeof buf, fp)) {
        char *p = buf;
        buf[strcspn(buf, "\r\n")] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        if (s->n == SCRIPT_MAX) {
            fclose(fp);
            free(s);
            kx_err_set_detail("%s: more than %d commands", path, SCRIPT_MAX);
            return KX_ERR_TOO_LARGE;
        }
        kx_strlcpy(s->line[s->n++], p, sizeof s->line[0]);
    }
    fclose(fp);
    free(ui->script);
    ui->script = s;
    return KX_OK;
}

static void harness_script_fail(kx_ui *ui, const char *why)
{
    struct kx_script *s = ui->script;
    fprintf(stderr, "tap script failed at command %d \"%s\": %s (screen %s)\n", s->pc + 1,
            s->line[s->pc], why, ui->st ? ui->st->screen_id : "unavailable");
    ui->script_result = 1;
    ui->quit = 1;
}

/* kx_ui_script_step - run script commands until one has to wait. Called once
 * per loop iteration, before the frame is drawn. */
void kx_ui_script_step(kx_ui *ui)
{
    struct kx_script *s = ui->script;
    if (!s || ui->quit)
        return;
    if (ui->tap_id) {
        /* the previous frame did not draw the widget */
        harness_script_fail(ui, "no such widget on screen");
        return;
    }
    while (s->pc < s->n) {
        char *cmd = s->line[s->pc];
        if (s->typing[0]) {
            static char key[16];
            snprintf(key, sizeof key, "key_%c", s->typing[s->typed]);
            ui->tap_id = key;
            s->typed++;
            if (!s->typing[s->typed]) {
                s->typing[0] = '\0';
                s->typed = 0;
                s->pc++;
            }
            return;
        }
        if (strncmp(cmd, "wait ", 5) == 0) {
            const char *want = strstr(cmd, "screen=");
            const char *large = strstr(cmd, "large=");
            const char *to = strstr(cmd, "timeout=");
            char id[48] = "";
            if (!want && !large) {
                harness_script_fail(ui, "wait needs screen=ID or large=on|off");
                return;
            }
            if (want)
                sscanf(want + 7, "%47s", id);
            if (!s->waiting) {
                long secs = 20;
                if (to)
                    kx_parse_long(to + 8, 1, 3600, &secs);
                s->waiting = 1;
                s->until = ui->now_ms + (Uint64)secs * 1000u;
            }
            const char *staff_id = kx_staff_ui_screen_id(ui);
            int have = !want                            ? 1
                       : strcmp(id, "unavailable") == 0 ? ui->st == NULL
                       : staff_id                       ? strcmp(staff_id, id) == 0
                                  : ui->st && strcmp(ui->st->screen_id, id) == 0;
            /* large=on|off: the text mode shown (with screen=, both) */
            if (large)
                have = have && ui->large == (strncmp(large + 6, "on", 2) == 0);
            if (have) {
                s->waiting = 0;
                s->pc++;
                continue;
            }
            if (ui->now_ms > s->until)
                harness_script_fail(ui, "timed out waiting");
            return;
        } else if (strncmp(cmd, "tap ", 4) == 0) {
            ui->tap_id = cmd + 4;
            s->pc++;
            return;
        } else if (strncmp(cmd, "shot ", 5) == 0) {
            /* the demo's screenshots; a no-op unless KX_UI_SHOTS is set */
            const char *dir = getenv("KX_UI_SHOTS");
            s->pc++;
            if (dir && *dir) {
                snprintf(s->shot, sizeof s->shot, "%s/%s.png", dir, cmd + 5);
                return;
            }
            continue;
        } else if (strncmp(cmd, "type ", 5) == 0) {
            kx_strlcpy(s->typing, cmd + 5, sizeof s->typing);
            s->typed = 0;
            if (!s->typing[0])
                s->pc++;
            continue;
        } else if (strncmp(cmd, "sleep ", 6) == 0) {
            long ms = 0;
            if (!s->waiting) {
                if (kx_parse_long(cmd + 6, 0, 600000, &ms) != KX_OK) {
                    harness_script_fail(ui, "bad sleep");
                    return;
                }
                s->waiting = 1;
                s->until = ui->now_ms + (Uint64)ms;
            }
            if (ui->now_ms < s->until)
                return;
            s->waiting = 0;
            s->pc++;
        } else {
            harness_script_fail(ui, "unknown command");
            return;
        }
    }
    ui->script_result = 0;
    ui->quit = 1;
}

int kx_ui_script_shot_pending(const kx_ui *ui)
{
    return ui->script && ui->script->shot[0];
}

void kx_ui_script_shot_save(kx_ui *ui)
{
    if (!kx_ui_script_shot_pending(ui))
        return;
    if (kx_ui_save_png(ui, ui->script->shot) != KX_OK)
        kx_log_warn("ui.shot_failed", "detail=\"%s\"", kx_err_detail());
    ui->script->shot[0] = '\0';
}

kx_err kx_ui_script_result(const kx_ui *ui)
{
    return ui->script ? (ui->script_result ? KX_ERR_CHECK_FAILED : KX_OK) : KX_OK;
}

void kx_ui_script_free(kx_ui *ui)
{
    free(ui->script);
    ui->script = NULL;
}

/* ---- first frame ---- */

void kx_ui_first_frame(void)
{
    static int done;
    const char *t0 = getenv("KX_UI_T0_NS");
    struct timespec ts;
    if (done)
        return;
    done = 1;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (t0) {
        long long start = strtoll(t0, NULL, 10);
        long long now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
        fprintf(stderr, "first_frame_ms %.1f\n", (double)(now - start) / 1e6);
    }
}

/* ---- records (KX_UI_TEXT_LOG, KX_UI_STATE_LOG) ---- */

/* harness_record_file - the file an env var names, opened for appending
 * on first use; NULL when unset or not writable (said once). */
static FILE *harness_record_file(const char *var, FILE **fp, int *tried)
{
    const char *path;
    if (*tried)
        return *fp;
    *tried = 1;
    path = getenv(var);
    if (!path || !*path)
        return NULL;
    *fp = fopen(path, "a");
    if (!*fp)
        kx_log_warn("ui.record_failed", "var=%s path=%s error=\"%s\"", var, path,
                    strerror(errno));
    return *fp;
}

void kx_ui_record_text(const kx_ui *ui, const char *s)
{
    static FILE *fp;
    static int tried;
    static uint64_t seen[16384];
    const char *screen = kx_staff_ui_screen_id(ui);
    const char *lang = kx_i18n_lang();
    uint64_t h = 1469598103934665603ull;
    if (ui->dry || !harness_record_file("KX_UI_TEXT_LOG", &fp, &tried))
        return;
    if (!screen)
        screen = ui->st && ui->st->screen_id ? ui->st->screen_id : "unavailable";
    /* once per screen, language and text (FNV-1a over the three) */
    for (const char *const *p = (const char *const[]){screen, lang, s, NULL}; *p; p++) {
        for (const unsigned char *c = (const unsigned char *)*p; *c; c++)
            h = (h ^ *c) * 1099511628211ull;
        h = (h ^ 0xFF) * 1099511628211ull;
    }
    h |= 1;
    size_t at = (size_t)(h % (sizeof seen / sizeof seen[0]));
    for (size_t k = 0; k < sizeof seen / sizeof seen[0]; k++) {
        size_t i = (at + k) % (sizeof seen / sizeof seen[0]);
        if (seen[i] == h)
            return;
        if (!seen[i]) {
            seen[i] = h;
            break;
        }
    }
    fprintf(fp, "%s\t%s\t", screen, lang);
    for (const char *c = s; *c; c++)
        fputc(*c == '\n' || *c == '\t' ? ' ' : *c, fp);
    fputc('\n', fp);
    fflush(fp);
}

void kx_ui_record_state(const char *line, size_t len)
{
    static FILE *fp;
    static int tried;
    if (!harness_record_file("KX_UI_STATE_LOG", &fp, &tried))
        return;
    fwrite(line, 1, len, fp);
    fputc('\n', fp);
    fflush(fp);
}

/* ---- screenshots ---- */

kx_err kx_ui_save_png(kx_ui *ui, const char *path)
{
    SDL_Surface *s =
        SDL_CreateRGBSurfaceWithFormat(0, ui->W, ui->H, 32, SDL_PIXELFORMAT_ARGB8888);
    kx_err rc = KX_OK;
    if (!s)
        return KX_ERR_NO_MEMORY;
    if (SDL_RenderReadPixels(ui->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) !=
            0 ||
        IMG_SavePNG(s, path) != 0) {
        kx_err_set_detail("%s: %s", path, SDL_GetError());
        rc = KX_ERR_IO;
    }
    SDL_FreeSurface(s);
    return rc;
}

/* harness_show_canned - make a canned state current as if kioskd sent it. */
static kx_err harness_show_canned(kx_ui *ui, const kx_canned *c)
{
    kx_ui_state *st = NULL;
    kx_err rc = kx_ui_state_parse(c->json, strlen(c->json), &st);
    if (rc) {
        fprintf(stderr, "canned state %s does not parse: %s\n", c->name, kx_err_detail());
        return rc;
    }
    kx_ui_state_free(ui->st);
    ui->st = st;
    kx_ui_session_reset(ui);
    /* the same keypad layout every run (not a shuffle: see canned.c) */
    memcpy(ui->pin_order, kx_canned_pin_order, sizeof ui->pin_order);
    ui->session_had_ukey = c->ukey;
    ui->reminder_until = 0;
    ui->overlay = c->overlay == KX_OVERLAY_IDLE ? KX_OVERLAY_NONE : c->overlay;
    ui->state_ms = ui->now_ms;
    if (st->lang)
        kx_i18n_set_lang(st->lang);
    if (st->screen == KX_SCREEN_AGREEMENT)
        ui->choice_page = c->typed;                     /* the page of the agreement shown */
    if (st->screen == KX_SCREEN_HOME && c->typed > 0) { /* the other halls' page typed */
        ui->halls_open = 1;
        ui->halls_page = c->typed - 1;
        ui->last_touch_ms = ui->now_ms;
    }
    if (st->screen == KX_SCREEN_FORM_REVIEW) { /* the part shown, or the whole page */
        ui->form_zoom = c->typed < 0;
        ui->choice_page = c->typed > 0 ? c->typed : 0;
    }
    for (int i = 0; st->screen != KX_SCREEN_AGREEMENT && st->screen != KX_SCREEN_FORM_REVIEW &&
                    i < c->typed;
         i++) {
        if (st->screen == KX_SCREEN_CONTACT) {
            static const char phone[] = "13907918888";
            if (i < 11)
                ui->phone[i] = phone[i];
        } else
            kx_secbuf_append(ui->pin1, (unsigned char)('0' + (i * 7 + 3) % 10));
    }
    if (c->overlay == KX_OVERLAY_REMINDER)
        ui->reminder_until = ui->now_ms + 10000;
    if (c->overlay == KX_OVERLAY_UNAVAILABLE) {
        kx_ui_state_free(ui->st);
        ui->st = NULL;
    }
    if ((rc = kx_staff_ui_canned(ui, c->staff, c->reply)) != KX_OK)
        fprintf(stderr, "canned staff screen %s: %s\n", c->name, kx_err_name(rc));
    return rc;
}

#define HARNESS_MAX_STATES 2000

/* harness_state_kind - what makes a recorded state look different: the
 * state without its counters and clocks (rev, seq, session, timeout,
 * progress, the payment code's and assisted mode's seconds), keys sorted.
 * NULL when the line is no JSON object. Caller frees. */
static char *harness_state_kind(const char *line)
{
    json_t *o = json_loads(line, 0, NULL);
    char *kind = NULL;
    if (json_is_object(o)) {
        static const char *const volatile_keys[] = {"rev",     "seq",      "session",
                                                    "timeout", "progress", NULL};
        for (const char *const *k = volatile_keys; *k; k++)
            json_object_del(o, *k);
        json_object_del(json_object_get(o, "payment"), "expires_in");
        json_object_del(json_object_get(o, "staff"), "idle_left");
        kind = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    }
    json_decref(o);
    return kind;
}

/*
 * harness_states_load - the states recorded in path (KX_UI_STATE_LOG of a
 * real session), each kind of state once (harness_state_kind), as a list
 * like the canned one named NNN-<screen>; names live in *names_out (caller
 * frees it and the list with kx_canned_free). KX_ERR_IO when unreadable,
 * KX_ERR_NOT_FOUND when it holds no state.
 */
static kx_err harness_states_load(const char *path, kx_canned **out, int *n_out,
                                  char **names_out)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL, **kinds = NULL, *names = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0;
    kx_canned *list = NULL;
    kx_err rc = KX_OK;
    if (!fp) {
        kx_err_set_detail("%s: %s", path, strerror(errno));
        return KX_ERR_IO;
    }
    list = calloc(HARNESS_MAX_STATES, sizeof *list);
    kinds = calloc(HARNESS_MAX_STATES, sizeof *kinds);
    names = calloc(HARNESS_MAX_STATES, 64);
    if (!list || !kinds || !names) {
        rc = KX_ERR_NO_MEMORY;
        goto out;
    }
    while (n < HARNESS_MAX_STATES && (len = getline(&line, &cap, fp)) > 0) {
        json_t *o;
        const char *screen;
        char *kind = harness_state_kind(line);
        int dup = !kind;
        for (int i = 0; i < n && !dup; i++)
            dup = strcmp(kinds[i], kind) == 0;
        if (dup) {
            free(kind);
            continue;
        }
        o = json_loads(line, 0, NULL);
        screen = json_string_value(json_object_get(o, "screen"));
        snprintf(names + n * 64, 64, "%03d-%.40s", n, screen ? screen : "state");
        json_decref(o);
        kinds[n] = kind;
        list[n].name = names + n * 64;
        list[n].json = strndup(line, (size_t)len);
        if (!list[n].json) {
            rc = KX_ERR_NO_MEMORY;
            break;
        }
        n++;
    }
    if (rc == KX_OK && n == 0) {
        kx_err_set_detail("%s: no state", path);
        rc = KX_ERR_NOT_FOUND;
    }
out:
    for (int i = 0; kinds && i < n; i++)
        free(kinds[i]);
    free(kinds);
    free(line);
    fclose(fp);
    if (rc != KX_OK) {
        kx_canned_free(list, n);
        free(names);
        return rc;
    }
    *out = list;
    *n_out = n;
    *names_out = names;
    return KX_OK;
}

kx_err kx_ui_screenshots(kx_ui *ui, const char *dir, int *n_out)
{
    kx_canned *list = NULL;
    int n = 0, written = 0, failed = 0;
    char spool[512], path[600], *names = NULL;
    kx_err rc;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        kx_err_set_detail("%s: %s", dir, strerror(errno));
        return KX_ERR_IO;
    }
    snprintf(spool, sizeof spool, "%s/.previews", dir);
    if (ui->opt.states[0])
        rc = harness_states_load(ui->opt.states, &list, &n, &names);
    else
        rc = kx_canned_build(ui->opt.lang, spool, &list, &n);
    if (rc)
        return rc;
    /* KX_UI_SHOTS_RENDER=1: through the run loop's path instead (direct
     * drawing and fills on the software renderer, spinners and countdowns
     * drawn over the frame); tests/ui/render_path.sh compares the two */
    const char *vr = getenv("KX_UI_SHOTS_RENDER");
    int via_render = vr && strcmp(vr, "1") == 0;
    ui->audit = 1;
    ui->offline = 1;
    for (int i = 0; i < n; i++) {
        if (ui->opt.only[0] && strcmp(ui->opt.only, list[i].name) != 0)
            continue;
        ui->now_ms = 100000; /* fixed clock: countdowns show their start */
        if ((rc = harness_show_canned(ui, &list[i])))
            break;
        ui->audit_name = list[i].name;
        ui->audit_errors = 0;
        ui->up = ui->down = 0;
        /* the idle warning appears when the countdown reaches it */
        if (list[i].overlay == KX_OVERLAY_IDLE && ui->st && ui->st->has_timeout)
            ui->now_ms += (Uint64)(ui->st->timeout_left - ui->opt.idle_warning_s + 5) * 1000u;
        ui->frame_from_layer = 0;
        if (via_render) {
            kx_ui_render(ui, 1);
            ui->audit_errors = 0;
            kx_ui_render(ui, 1);
        } else {
            kx_ui_draw_frame(ui);
            /* a second frame: everything cached, as the user sees it */
            ui->audit_errors = 0;
            kx_ui_draw_frame(ui);
        }
        if (ui->audit_errors)
            failed++;
        snprintf(path, sizeof path, "%s/%s.png", dir, list[i].name);
        if ((rc = kx_ui_save_png(ui, path)))
            break;
        SDL_RenderPresent(ui->ren);
        written++;
    }
    ui->audit = 0;
    kx_canned_free(list, n);
    free(names);
    if (n_out)
        *n_out = written;
    if (rc)
        return rc;
    return failed ? KX_ERR_CHECK_FAILED : KX_OK;
}

/* ---- bench ---- */

static int harness_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

kx_err kx_ui_bench(kx_ui *ui, int frames)
{
    kx_canned *list = NULL;
    int n = 0;
    double *ms;
    char spool[] = "/tmp/kx-ui-bench-XXXXXX";
    kx_err rc;
    if (frames < 30)
        frames = 30;
    if (!mkdtemp(spool))
        return KX_ERR_IO;
    if ((rc = kx_canned_build(ui->opt.lang, spool, &list, &n)))
        return rc;
    ms = calloc((size_t)frames, sizeof *ms);
    if (!ms) {
        kx_canned_free(list, n);
        return KX_ERR_NO_MEMORY;
    }
    ui->offline = 1;
    int shown = -1;
    Uint64 freq = SDL_GetPerformanceFrequency();
    long drawn_key = 0;
    /* as the run loop does while idle before the first customer
     * (KX_UI_BENCH_NO_WARMUP=1: the illustrations only, for comparison) */
    const char *nw = getenv("KX_UI_BENCH_NO_WARMUP");
    for (int i = 0;
         nw && strcmp(nw, "1") == 0 ? kx_screen_prewarm(ui, i) : kx_ui_prewarm_step(ui, i); i++)
        ;
    int only = -1;
    for (int i = 0; i < n && ui->opt.only[0]; i++)
        if (strcmp(list[i].name, ui->opt.only) == 0)
            only = i;
    if (ui->opt.only[0] && only < 0) {
        fprintf(stderr, "bench: no canned state named %s\n", ui->opt.only);
        free(ms);
        kx_canned_free(list, n);
        return KX_ERR_NOT_FOUND;
    }
    for (int f = 0; f < frames; f++) {
        int want = only >= 0 ? only : (f / 30) % n;
        Uint64 t0 = SDL_GetPerformanceCounter();
        ui->now_ms = SDL_GetTicks64();
        int full =
            want != shown || kx_ui_clock_key(ui) != drawn_key || kx_img_cache_ready(ui->img);
        if (want != shown) {
            harness_show_canned(ui, &list[want]);
            shown = want;
        }
        /* the run loop's policy: everything on change and twice a second,
         * only the animations in between */
        kx_ui_render(ui, full);
        if (full)
            drawn_key = kx_ui_clock_key(ui);
        SDL_RenderPresent(ui->ren);
        if (f == 0)
            kx_ui_first_frame();
        ms[f] = (double)(SDL_GetPerformanceCounter() - t0) * 1000.0 / (double)freq;
        /* pace like the real loop so a background job gets its share */
        if (ms[f] < 16.0)
            SDL_Delay((Uint32)(16.0 - ms[f]));
    }
    qsort(ms, (size_t)frames, sizeof *ms, harness_cmp_double);
    for (const char *const *f =
             (const char *const[]){"licence", "id_front", "seal_sheet", NULL};
         *f; f++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s.png", spool, *f);
        unlink(p);
    }
    rmdir(spool);
    {
        /* peak resident memory of the whole process, for the benchmark */
        long hwm_kb = -1;
        char line[128];
        FILE *fp = fopen("/proc/self/status", "r");
        while (fp && fgets(line, sizeof line, fp))
            if (strncmp(line, "VmHWM:", 6) == 0)
                if (sscanf(line + 6, "%ld", &hwm_kb) != 1)
                    hwm_kb = -1;
        if (fp)
            fclose(fp);
        printf("frame_ms p50=%.2f p99=%.2f max=%.2f frames=%d screens=%d rss_peak_mb=%.1f\n",
               ms[frames / 2], ms[(frames * 99) / 100], ms[frames - 1], frames, n,
               (double)hwm_kb / 1024.0);
    }
    free(ms);
    kx_canned_free(list, n);
    return KX_OK;
}
