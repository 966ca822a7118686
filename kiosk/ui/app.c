/* SPDX-License-Identifier: MIT */
/*
 * app.c - the kiosk application: window and renderer, the frame loop,
 * input, the common frame around every screen (header, language button,
 * countdown, step indicator, title), overlays (idle warning, cancel
 * confirmation, take-your-UKEY reminder), intents to kioskd, session
 * hygiene. The tap-script runner, the screenshot mode and the benchmark
 * loop are harness.c.
 *
 * Never blocks: the socket is polled without waiting, and the loop sleeps
 * at most one frame in SDL_WaitEventTimeout. Never exits on a window close
 * or a key in kiosk mode; only SIGTERM/SIGINT end it.
 *
 * Map: options - create/destroy - state and session - intents - frame -
 * overlays - input - run loop.
 */
#include <jansson.h>
#include <signal.h>
#include <SDL2/SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "ui/ui_internal.h"

#ifndef KX_ASSETS_BUILD
#define KX_ASSETS_BUILD ""
#endif
#ifndef KX_ASSETS_INSTALL
#define KX_ASSETS_INSTALL "/usr/share/jxca-kiosk/illustrations"
#endif
#ifndef KX_VOICE_BUILD
#define KX_VOICE_BUILD ""
#endif
#ifndef KX_VOICE_INSTALL
#define KX_VOICE_INSTALL "/usr/share/jxca-kiosk/voice"
#endif

/* large text left on at the home screen goes back after this long
 * (KX_UI_LARGE_IDLE_MS: tests shorten it) */
#define APP_LARGE_IDLE_MS 60000u

static volatile sig_atomic_t app_signalled;

static void app_on_signal(int sig)
{
    (void)sig;
    app_signalled = 1;
}

/* ---- options ---- */

kx_err kx_ui_options_from_config(const kx_config *cfg, kx_ui_options *out)
{
    static const char *const orient[] = {"portrait", "landscape", NULL};
    static const char *const cursor[] = {"hidden", "shown", "auto", NULL};
    static const char *const langs[] = {"zh_CN", "en", NULL};
    kx_config *empty = NULL;
    kx_err rc;
    int v = 0;
    long n = 0;
    const char *s;
    memset(out, 0, sizeof *out);
    if (!cfg) {
        rc = kx_config_new_empty(&empty);
        if (rc)
            return rc;
        cfg = empty;
    }
    if ((rc = kx_config_get_enum(cfg, "ui", "orientation", orient, 0, &v)))
        goto out;
    out->orientation = v ? KX_UI_LANDSCAPE : KX_UI_PORTRAIT;
    if ((rc = kx_config_get_bool(cfg, "ui", "fullscreen", 1, &out->fullscreen)))
        goto out;
    if ((rc = kx_config_get_enum(cfg, "ui", "cursor", cursor, 2, &v)))
        goto out;
    out->cursor = v;
    if ((rc = kx_config_get_int(cfg, "ui", "idle_warning_seconds", 30, 5, 300, &n)))
        goto out;
    out->idle_warning_s = (int)n;
    if ((rc = kx_config_get_int(cfg, "ui", "reminder_seconds", 20, 5, 600, &n)))
        goto out;
    out->reminder_s = (int)n;
    if ((rc = kx_config_get_int(cfg, "ui", "window_width", 0, 0, 8192, &n)))
        goto out;
    out->window_w = (int)n;
    if ((rc = kx_config_get_int(cfg, "ui", "window_height", 0, 0, 8192, &n)))
        goto out;
    out->window_h = (int)n;
    if ((rc = kx_config_get_enum(cfg, "kiosk", "language", langs, 0, &v)))
        goto out;
    kx_strlcpy(out->lang, langs[v], sizeof out->lang);
    s = kx_config_get_str(cfg, "engine", "socket", KX_PROTO_DEFAULT_SOCKET);
    if (kx_strlcpy(out->socket_path, s, sizeof out->socket_path) >= sizeof out->socket_path ||
        strlen(s) >= 108) {
        kx_err_set_detail("%s: [engine] socket: path too long", kx_config_name(cfg));
        rc = KX_ERR_CONFIG;
        goto out;
    }
    s = kx_config_get_str(cfg, "ui", "fonts", ":lang=zh-cn;WenQuanYi Micro Hei");
    kx_strlcpy(out->font_patterns, s, sizeof out->font_patterns);
    s = getenv("KX_ASSETS_DIR");
    if (!s) {
        struct stat sb;
        s = kx_config_get_str(cfg, "ui", "assets_dir", NULL);
        if (!s)
            s = (KX_ASSETS_BUILD[0] && stat(KX_ASSETS_BUILD, &sb) == 0) ? KX_ASSETS_BUILD
                                                                        : KX_ASSETS_INSTALL;
    }
    kx_strlcpy(out->assets_dir, s, sizeof out->assets_dir);
    /* spoken prompts: the build's set while running from the build tree,
     * the package's otherwise, or a hall's own recordings */
    if ((rc = kx_config_get_bool(cfg, "voice", "enabled", 1, &out->voice)))
        goto out;
    if ((rc = kx_config_get_int(cfg, "voice", "volume", 80, 0, 100, &n)))
        goto out;
    out->voice_volume = (int)n;
    s = kx_config_get_str(cfg, "voice", "dir", NULL);
    if (!s) {
        struct stat sb;
        s = (KX_VOICE_BUILD[0] && stat(KX_VOICE_BUILD, &sb) == 0) ? KX_VOICE_BUILD
                                                                  : KX_VOICE_INSTALL;
    }
    kx_strlcpy(out->voice_dir, s, sizeof out->voice_dir);
    /* what the maintenance menu runs; systemd with the polkit rule the
     * package installs (config/polkit) lets the kiosk user do exactly this */
    s = kx_config_get_str(
        cfg, "ui", "restart_command",
        "systemctl --no-block restart jxca-kioskd.service jxca-kiosk.service");
    kx_strlcpy(out->restart_command, s, sizeof out->restart_command);
    s = kx_config_get_str(cfg, "ui", "leave_command",
                          "systemctl --no-block stop jxca-kiosk.service");
    kx_strlcpy(out->leave_command, s, sizeof out->leave_command);
out:
    kx_config_free(empty);
    return rc;
}

/* ---- create / destroy ---- */

kx_err kx_ui_create(const kx_ui_options *opt, kx_ui **out)
{
    kx_ui *ui;
    kx_err rc = KX_OK;
    Uint32 flags = SDL_WINDOW_SHOWN;
    if (!opt || !out)
        return KX_ERR_INVALID_ARG;
    ui = calloc(1, sizeof *ui);
    if (!ui)
        return KX_ERR_NO_MEMORY;
    ui->opt = *opt;
    ui->portrait = opt->orientation == KX_UI_PORTRAIT;
    ui->W = ui->portrait ? 1080 : 1920;
    ui->H = ui->portrait ? 1920 : 1080;

    /* kiosk mode: we handle SIGTERM ourselves; window-close is ignored */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "1");
    if (opt->fullscreen)
        SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        kx_err_set_detail("SDL_Init: %s", SDL_GetError());
        free(ui);
        return KX_ERR_UNSUPPORTED;
    }
    if (TTF_Init() != 0) {
        kx_err_set_detail("TTF_Init: %s", TTF_GetError());
        rc = KX_ERR_UNSUPPORTED;
        goto fail;
    }
    IMG_Init(IMG_INIT_PNG | IMG_INIT_JPG);
    if (opt->fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
    ui->win = SDL_CreateWindow("JXCA kiosk", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                               opt->window_w > 0 ? opt->window_w : ui->W,
                               opt->window_h > 0 ? opt->window_h : ui->H, flags);
    if (!ui->win) {
        kx_err_set_detail("SDL_CreateWindow: %s", SDL_GetError());
        rc = KX_ERR_UNSUPPORTED;
        goto fail;
    }
    ui->ren =
        SDL_CreateRenderer(ui->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!ui->ren)
        ui->ren = SDL_CreateRenderer(ui->win, -1, SDL_RENDERER_SOFTWARE);
    if (!ui->ren) {
        kx_err_set_detail("SDL_CreateRenderer: %s", SDL_GetError());
        rc = KX_ERR_UNSUPPORTED;
        goto fail;
    }
    /* one layout in logical pixels, scaled to whatever the panel is */
    SDL_RenderSetLogicalSize(ui->ren, ui->W, ui->H);
    if (opt->cursor == 0)
        SDL_ShowCursor(SDL_DISABLE);
    if ((rc = kx_fonts_open(opt->font_patterns, &ui->fonts)) ||
        (rc = kx_text_cache_new(&ui->tc)) || (rc = kx_art_cache_new(&ui->art)) ||
        (rc = kx_draw_init(ui)))
        goto fail;
    if ((rc = kx_img_cache_new(&ui->img)) || (rc = kx_staff_ui_new(ui)) ||
        (rc = kx_voice_new(opt, &ui->voice)))
        goto fail;
    if ((rc = kx_secbuf_new(KX_PIN_MAX, &ui->pin1)) ||
        (rc = kx_secbuf_new(KX_PIN_MAX, &ui->pin2)))
        goto fail;
    if (kx_i18n_set_lang(opt->lang) != KX_OK)
        kx_i18n_set_lang("zh_CN");
    kx_ui_set_large(ui, opt->large_text);
    {
        SDL_RendererInfo info;
        SDL_GetRendererInfo(ui->ren, &info);
        kx_log_info("ui.start", "video=%s renderer=%s logical=%dx%d font=%s assets=%s",
                    SDL_GetCurrentVideoDriver(), info.name, ui->W, ui->H,
                    kx_fonts_describe(ui->fonts, 0), opt->assets_dir);
    }
    *out = ui;
    return KX_OK;
fail:
    kx_ui_destroy(ui);
    return rc;
}

void kx_ui_destroy(kx_ui *ui)
{
    if (!ui)
        return;
    kx_ui_conn_free(ui->conn);
    kx_voice_free(ui->voice);
    kx_staff_ui_free(ui);
    kx_ui_state_free(ui->st);
    kx_secbuf_free(ui->pin1);
    kx_secbuf_free(ui->pin2);
    kx_wipe(ui->phone, sizeof ui->phone);
    kx_wipe(ui->email, sizeof ui->email);
    kx_text_cache_free(ui->tc);
    kx_art_cache_free(ui->art);
    if (ui->img) {
        kx_img_cache_free(ui->img);
        free(ui->img);
    }
    if (ui->layer)
        SDL_DestroyTexture(ui->layer);
    if (ui->backing)
        SDL_DestroyTexture(ui->backing);
    free(ui->tiles);
    kx_canned_free(ui->warm, ui->n_warm);
    if (ui->ren)
        kx_draw_free(ui);
    if (ui->tex_disc)
        SDL_DestroyTexture(ui->tex_disc);
    if (ui->tex_arc)
        SDL_DestroyTexture(ui->tex_arc);
    kx_fonts_close(ui->fonts);
    kx_ui_script_free(ui);
    if (ui->ren)
        SDL_DestroyRenderer(ui->ren);
    if (ui->win)
        SDL_DestroyWindow(ui->win);
    if (TTF_WasInit())
        TTF_Quit();
    IMG_Quit();
    SDL_Quit();
    free(ui);
}

/* ---- state and session ---- */

/* app_shuffle - a new order of the customer's PIN keypad (getrandom). */
static void app_shuffle(kx_ui *ui)
{
    kx_ui_shuffle(ui->pin_order);
}

/* app_entry_reset - forget what was typed on the previous screen. */
static void app_entry_reset(kx_ui *ui)
{
    kx_secbuf_clear(ui->pin1);
    kx_secbuf_clear(ui->pin2);
    ui->pin_field = 0;
    kx_wipe(ui->phone, sizeof ui->phone);
    kx_wipe(ui->email, sizeof ui->email);
    ui->contact_field = 0;
    ui->choice_page = 0;
    ui->form_zoom = 0;
    if (ui->overlay == KX_OVERLAY_CANCEL || ui->overlay == KX_OVERLAY_IDLE)
        ui->overlay = KX_OVERLAY_NONE;
    ui->reminder_shown_on_screen = 0;
    app_shuffle(ui);
}

/* app_large_idle_ms - how long large text stays on at an untouched home
 * screen: a minute, or KX_UI_LARGE_IDLE_MS (tap tests; read once) */
static Uint64 app_large_idle_ms(void)
{
    static long ms = -1;
    if (ms < 0) {
        const char *v = getenv("KX_UI_LARGE_IDLE_MS");
        if (!v || kx_parse_long(v, 100, 3600000, &ms) != KX_OK)
            ms = APP_LARGE_IDLE_MS;
    }
    return (Uint64)ms;
}

void kx_ui_set_large(kx_ui *ui, int on)
{
    on = on ? 1 : 0;
    if (ui->large == on)
        return;
    ui->large = on;
    /* switching is the customer acting: the idle minute starts now */
    ui->last_touch_ms = ui->now_ms;
    kx_theme_set(on);
    kx_log_info("ui.large_text", "%s", on ? "on" : "off");
}

void kx_ui_session_reset(kx_ui *ui)
{
    app_entry_reset(ui);
    /* large text and a muted speaker are the session's: the next customer
     * starts as configured */
    kx_ui_set_large(ui, ui->opt.large_text);
    ui->voice_muted = 0;
    kx_voice_cut(ui->voice);
    /* textures hold names, ID numbers and scans of the session */
    kx_text_cache_clear(ui->tc);
    kx_img_cache_free(ui->img);
    ui->session_had_ukey = 0;
    ui->ukey_acknowledged = 0;
    ui->idle_hidden_until = 0;
}

static int app_str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* app_apply_state - take ownership of a new state from kioskd. */
static void app_apply_state(kx_ui *ui, kx_ui_state *st)
{
    kx_ui_state *old = ui->st;
    int session_changed = !old || !app_str_eq(old->session, st->session);
    int screen_changed = !old || old->screen != st->screen || !app_str_eq(old->doc, st->doc);
    if (old && old->session && session_changed) {
        /* the session ended (done, cancel, timeout, staff): the reminder
         * is never skipped, whatever ended it */
        if (ui->session_had_ukey && !ui->ukey_acknowledged)
            ui->reminder_until = ui->now_ms + (Uint64)ui->opt.reminder_s * 1000u;
        kx_ui_session_reset(ui);
    } else if (screen_changed || (old && old->rev != st->rev && st->input.present &&
                                  old->input.tries_left != st->input.tries_left)) {
        app_entry_reset(ui);
    }
    /* a UKEY is in the slot once the flow moved on from asking for one
     * (or a certificate was read from it); from then on the session must
     * end with the take-your-UKEY reminder */
    if ((st->session && st->cert.present) ||
        (old && !session_changed && screen_changed &&
         (old->screen == KX_SCREEN_UKEY_INSERT || old->screen == KX_SCREEN_UKEY_BLANK_INSERT) &&
         st->screen != KX_SCREEN_CANCELLED && st->screen != KX_SCREEN_HOME &&
         st->screen != KX_SCREEN_UKEY_INSERT && st->screen != KX_SCREEN_UKEY_BLANK_INSERT))
        ui->session_had_ukey = 1;
    if (st->lang && strcmp(st->lang, kx_i18n_lang()) != 0)
        kx_i18n_set_lang(st->lang);
    /* a new screen says what to do (in the session's language) */
    if ((screen_changed || session_changed) && !ui->voice_muted)
        kx_voice_play(ui->voice, kx_i18n_lang(), st->screen_id);
    kx_ui_state_free(old);
    ui->st = st;
    ui->state_ms = ui->now_ms;
    ui->idle_hidden_until = 0;
}

long kx_ui_payment_left(const kx_ui *ui)
{
    if (!ui->st || !ui->st->payment.present)
        return 0;
    long left = ui->st->payment.expires_in - (long)((ui->now_ms - ui->state_ms) / 1000);
    return left < 0 ? 0 : left;
}

char *kx_ui_tick_text(const kx_ui *ui, int kind, char *out, size_t n)
{
    char mmss[24];
    long left = kind == KX_TICK_PAYMENT ? kx_ui_payment_left(ui) : kx_ui_timeout_left(ui);
    if (left < 0)
        left = 0;
    snprintf(mmss, sizeof mmss, "%ld:%02ld", left / 60, left % 60);
    return kx_ui_format(out, n,
                        kind == KX_TICK_PAYMENT ? N_("The code expires in {time}")
                                                : N_("Time left {time}"),
                        "time", mmss, NULL, NULL);
}

int kx_ui_timeout_left(const kx_ui *ui)
{
    if (!ui->st || !ui->st->has_timeout)
        return -1;
    long left = ui->st->timeout_left - (long)((ui->now_ms - ui->state_ms) / 1000);
    return left < 0 ? 0 : (int)left;
}

/* ---- intents ---- */

static void app_send(kx_ui *ui, json_t *msg, const char *intent)
{
    char *line;
    if (ui->dry) { /* never from a warm-up frame (kx_hit refuses taps there) */
        json_decref(msg);
        return;
    }
    json_object_set_new(msg, "v", json_integer(KX_PROTO_VERSION));
    json_object_set_new(msg, "type", json_string("intent"));
    json_object_set_new(msg, "seq", json_integer(++ui->seq));
    line = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!line)
        return;
    kx_strlcpy(ui->last_intent, intent, sizeof ui->last_intent);
    if (ui->conn && kx_ui_conn_send(ui->conn, line, strlen(line)) != KX_OK)
        kx_log_warn("ui.intent_dropped", "intent=%s", intent);
    else
        kx_log_debug("ui.intent", "intent=%s seq=%u", intent, ui->seq);
    kx_wipe(line, strlen(line));
    free(line);
}

void kx_ui_intent(kx_ui *ui, kx_intent in)
{
    if (!kx_ui_state_accepts(ui->st, in))
        return;
    if (in == KX_INTENT_CONFIRM && ui->reminder_shown_on_screen)
        ui->ukey_acknowledged = 1;
    app_send(ui, json_pack("{s:s}", "intent", kx_intent_name(in)), kx_intent_name(in));
}

void kx_ui_intent_value(kx_ui *ui, kx_intent in, const char *key, const char *value)
{
    if (!kx_ui_state_accepts(ui->st, in) || !key || !value)
        return;
    app_send(ui, json_pack("{s:s, s:s}", "intent", kx_intent_name(in), key, value),
             kx_intent_name(in));
}

void kx_ui_send_pin(kx_ui *ui, int is_new)
{
    kx_secbuf *msg = NULL;
    int n;
    if (kx_secbuf_new(256, &msg) != KX_OK)
        goto out;
    /* digits only: no JSON escaping needed; built inside a wiped buffer so
     * no copy of the PIN lands in an ordinary heap block */
    if (is_new)
        n = snprintf(
            (char *)msg->data, msg->cap + 1,
            "{\"v\":1,\"type\":\"intent\",\"seq\":%u,\"intent\":\"new_pin\",\"pin\":\"%s\","
            "\"repeat\":\"%s\"}",
            ++ui->seq, kx_secbuf_str(ui->pin1), kx_secbuf_str(ui->pin2));
    else
        n = snprintf(
            (char *)msg->data, msg->cap + 1,
            "{\"v\":1,\"type\":\"intent\",\"seq\":%u,\"intent\":\"pin\",\"pin\":\"%s\"}",
            ++ui->seq, kx_secbuf_str(ui->pin1));
    if (n > 0 && (size_t)n <= msg->cap) {
        kx_strlcpy(ui->last_intent, is_new ? "new_pin" : "pin", sizeof ui->last_intent);
        if (ui->conn && kx_ui_conn_send(ui->conn, (const char *)msg->data, (size_t)n) != KX_OK)
            kx_log_warn("ui.intent_dropped", "intent=%s", ui->last_intent);
    }
out:
    kx_secbuf_free(msg);
    kx_secbuf_clear(ui->pin1);
    kx_secbuf_clear(ui->pin2);
    ui->pin_field = 0;
}

void kx_ui_send_contact(kx_ui *ui)
{
    if (!kx_ui_state_accepts(ui->st, KX_INTENT_CONTACT))
        return;
    app_send(ui,
             json_pack("{s:s, s:s, s:s}", "intent", "contact", "phone", ui->phone, "email",
                       ui->email),
             "contact");
}

void kx_ui_set_lang(kx_ui *ui, const char *lang)
{
    kx_i18n_set_lang(lang);
    if (kx_ui_state_accepts(ui->st, KX_INTENT_SET_LANGUAGE) && ui->conn &&
        kx_ui_conn_ready(ui->conn))
        kx_ui_intent_value(ui, KX_INTENT_SET_LANGUAGE, "lang", lang);
}

void kx_ui_audit_fail(kx_ui *ui, const char *what, const char *detail)
{
    if (!ui->audit)
        return;
    ui->audit_errors++;
    fprintf(stderr, "AUDIT %s [%s]: %s: \"%.120s\"\n", ui->audit_name ? ui->audit_name : "?",
            kx_i18n_lang(), what, detail ? detail : "");
}

/* ---- the frame ---- */

kx_layout kx_ui_layout_get(const kx_ui *ui)
{
    kx_layout L;
    if (ui->portrait) {
        L.header = kx_rect(0, 0, 1080, 132);
        L.steps = kx_rect(60, 160, 960, 80);
        L.title = kx_rect(60, 256, 960, 150);
        L.content = kx_rect(60, 430, 960, 1250);
        L.footer = kx_rect(60, 1716, 960, 150);
        L.art = kx_rect(60, 430, 960, 560);
        L.side = kx_rect(60, 1020, 960, 660);
        if (ui->large) { /* large text: smaller illustrations, room for the words */
            L.art = kx_rect(60, 430, 960, 340);
            L.side = kx_rect(60, 800, 960, 880);
        }
    } else {
        L.header = kx_rect(0, 0, 1920, 104);
        L.steps = kx_rect(80, 124, 1760, 72);
        L.title = kx_rect(80, 206, 1760, 110);
        L.content = kx_rect(80, 330, 1760, 570);
        L.footer = kx_rect(80, 924, 1760, 120);
        L.art = kx_rect(80, 330, 760, 570);
        L.side = kx_rect(900, 330, 940, 570);
        if (ui->large) {
            L.art = kx_rect(80, 330, 520, 570);
            L.side = kx_rect(660, 330, 1180, 570);
        }
    }
    return L;
}

/* app_user_screen - a session screen waiting for the user (not for a job,
 * the CA or a payment, which run their own clocks). */
static int app_user_screen(const kx_ui *ui)
{
    const kx_ui_state *st = ui->st;
    return st && st->session && kx_ui_state_accepts(st, KX_INTENT_ACTIVITY) &&
           st->screen != KX_SCREEN_BUSY && st->screen != KX_SCREEN_REVIEW_WAIT &&
           st->screen != KX_SCREEN_PAYMENT;
}

/* kx_ui_clock_key - what the clocks and the caret show now; the frame is
 * redrawn whole when it changes. */
static int app_idle_warning_due(const kx_ui *ui);

long kx_ui_clock_key(const kx_ui *ui)
{
    /* the header countdown and the caret are drawn over the layer; the
     * idle warning and the payment code count down inside it */
    long k = app_idle_warning_due(ui) ? kx_ui_timeout_left(ui) : -1;
    /* the payment code's countdown ticks over the layer; the frame is
     * redrawn when its note turns to a warning */
    if (ui->st && ui->st->payment.present)
        k = k * 4 + 1 + (kx_ui_payment_left(ui) <= 60);
    return k * 2 + (ui->reminder_until > ui->now_ms);
}

/* app_countdown_shown - the header shows the step's countdown: on screens
 * where the user is the one acting, not under a dialog (it would tick over
 * the dialog's dim) nor under a staff screen. */
static int app_countdown_shown(const kx_ui *ui)
{
    return kx_ui_timeout_left(ui) >= 0 && app_user_screen(ui) && !kx_staff_ui_active(ui) &&
           !ui->under_dialog;
}

/* app_header_audit - the audit's check that the header's parts (title,
 * subtitle, countdown, buttons) do not overlap: parts[] are what was drawn
 * (empty rectangles are skipped; the first n_text are texts, whose line
 * boxes are trimmed by a fifth at the top and bottom, the room above and
 * below the letters), names[] say which for the report. */
static void app_header_audit(kx_ui *ui, const SDL_Rect *parts, const char *const *names, int n,
                             int n_text)
{
    SDL_Rect r[8];
    for (int i = 0; ui->audit && i < n && i < 8; i++) {
        r[i] = parts[i];
        if (i < n_text) {
            r[i].y += r[i].h / 5;
            r[i].h -= 2 * (r[i].h / 5);
        }
    }
    for (int i = 0; ui->audit && i < n && i < 8; i++)
        for (int j = i + 1; j < n && j < 8; j++) {
            SDL_Rect x;
            if (r[i].w > 0 && r[j].w > 0 && SDL_IntersectRect(&r[i], &r[j], &x)) {
                char what[96];
                (void)snprintf(what, sizeof what, "header: %s overlaps %s", names[i], names[j]);
                kx_ui_audit_fail(ui, what, "");
            }
        }
}

static void app_header(kx_ui *ui, const kx_layout *L)
{
    enum { H_TITLE, H_SUB, H_CLOCK, H_VOICE, H_LARGE, H_LANG, H_N };
    static const char *const h_names[H_N] = {
        "title",          "subtitle",          "countdown",
        "speaker button", "large-text button", "language button"};
    SDL_Rect part[H_N];
    memset(part, 0, sizeof part);
    SDL_Rect h = L->header;
    int pad = ui->portrait ? 40 : 60;
    int logo = h.h - 40;
    int assisted = ui->st && ui->st->staff.present;
    /* assisted mode: an amber header says staff are at the screen */
    kx_fill(ui, h, assisted ? KX_C_WARN : KX_C_HEADER);
    kx_art(ui, "logo", kx_rect(h.x + pad, h.y + 20, logo, logo));
    kx_text_style bs =
        kx_style(ui->portrait ? 38 : 36, KX_BOLD, KX_C_ON_PRIMARY, KX_LEFT, KX_TOP);
    kx_text_style ss =
        kx_style(ui->portrait ? 26 : 24, KX_REGULAR, KX_C_ON_HEADER_MUTED, KX_LEFT, KX_TOP);
    bs.max_lines = 1;
    ss.max_lines = 1;
    bs.label = ss.label = 1;
    int tx = h.x + pad + logo + 24, tw = ui->portrait ? (assisted ? 340 : 424) : 900;
    if (assisted) {
        char t[160];
        ss.color = KX_C_ON_PRIMARY;
        part[H_TITLE] =
            kx_text(ui,
                    kx_ui_format(t, sizeof t, N_("Assisted mode: {name}"), "name",
                                 ui->st->staff.name ? ui->st->staff.name : ui->st->staff.id,
                                 NULL, NULL),
                    kx_rect(tx, h.y + (ui->portrait ? 18 : 10), tw, 56), &bs);
        part[H_SUB] = kx_text(ui, kx_tr("Touch here for the staff menu"),
                              kx_rect(tx, h.y + (ui->portrait ? 76 : 58), tw, 40), &ss);
    } else {
        part[H_TITLE] = kx_text(ui, kx_tr("Jiangxi CA"),
                                kx_rect(tx, h.y + (ui->portrait ? 18 : 10), tw, 56), &bs);
        /* portrait: the step's countdown needs the room of the subtitle */
        if (!ui->portrait || !app_countdown_shown(ui))
            part[H_SUB] = kx_text(ui, kx_tr("Digital certificate self-service"),
                                  kx_rect(tx, h.y + (ui->portrait ? 76 : 58), tw, 40), &ss);
    }
    kx_staff_ui_header(ui, kx_rect(h.x + pad, h.y + 20, logo, logo), kx_rect(tx, h.y, tw, h.h));

    /* language switch: the label is in the language it switches to */
    int zh = strcmp(kx_i18n_lang(), "zh_CN") == 0;
    SDL_Rect lb = {h.x + h.w - pad - 200, h.y + (h.h - 76) / 2, 200, 76};
    int pressed = ui->down && ui->down_x >= lb.x && ui->down_x < lb.x + lb.w &&
                  ui->down_y >= lb.y && ui->down_y < lb.y + lb.h;
    kx_round_under(ui, lb, 38, (SDL_Color){0xFF, 0xFF, 0xFF, 0xFF},
                   kx_round_core(kx_inset(lb, 3), 35));
    kx_round(ui, kx_inset(lb, 3), 35, pressed ? KX_C_HEADER_PRESSED : KX_C_HEADER);
    kx_text_style ls = kx_style(32, KX_BOLD, KX_C_ON_PRIMARY, KX_CENTER, KX_MIDDLE);
    ls.label = 1;
    kx_text(ui, zh ? "English" : "中文", lb, &ls);
    part[H_LANG] = lb;
    if (kx_hit(ui, "lang", lb))
        kx_ui_set_lang(ui, zh ? "en" : "zh_CN");

    /* large text and high contrast: a small and a large A, in no language */
    SDL_Rect tb = {lb.x - 20 - 96, lb.y, 96, lb.h};
    pressed = ui->down && ui->down_x >= tb.x && ui->down_x < tb.x + tb.w &&
              ui->down_y >= tb.y && ui->down_y < tb.y + tb.h;
    kx_round_under(ui, tb, 38, KX_C_ON_PRIMARY, kx_round_core(kx_inset(tb, 3), 35));
    kx_round(ui, kx_inset(tb, 3), 35,
             ui->large ? KX_C_ON_PRIMARY
             : pressed ? KX_C_HEADER_PRESSED
                       : KX_C_HEADER);
    kx_text_style as =
        kx_style(26, KX_BOLD, ui->large ? KX_C_HEADER : KX_C_ON_PRIMARY, KX_RIGHT, KX_BOTTOM);
    as.label = 1;
    as.max_lines = 1;
    kx_text(ui, "A", kx_rect(tb.x + 8, tb.y + 8, tb.w / 2 - 8, tb.h - 24), &as);
    as.size = 40;
    as.halign = KX_LEFT;
    kx_text(ui, "A", kx_rect(tb.x + tb.w / 2, tb.y + 4, tb.w / 2 - 12, tb.h - 18), &as);
    part[H_LARGE] = tb;
    if (kx_hit(ui, "large_text", tb))
        kx_ui_set_large(ui, !ui->large);

    /* the speaker: mutes the spoken prompts for this session */
    SDL_Rect vb = {tb.x - 20 - 96, lb.y, 96, lb.h};
    if (ui->opt.voice) {
        pressed = ui->down && ui->down_x >= vb.x && ui->down_x < vb.x + vb.w &&
                  ui->down_y >= vb.y && ui->down_y < vb.y + vb.h;
        kx_round_under(ui, vb, 38, KX_C_ON_PRIMARY, kx_round_core(kx_inset(vb, 3), 35));
        kx_round(ui, kx_inset(vb, 3), 35, pressed ? KX_C_HEADER_PRESSED : KX_C_HEADER);
        kx_art(ui, ui->voice_muted ? "speaker_off" : "speaker", kx_inset(vb, 14));
        part[H_VOICE] = vb;
        if (kx_hit(ui, "voice_mute", vb)) {
            ui->voice_muted = !ui->voice_muted;
            kx_log_info("ui.voice_muted", "%s", ui->voice_muted ? "yes" : "no");
        }
    } else {
        vb = tb;
    }

    /* countdown of the step, on screens where the user is the one acting;
     * not under a dialog (it would tick over the dialog's dim) */
    if (app_countdown_shown(ui)) {
        kx_text_style cs = kx_style(28, KX_REGULAR, KX_C_ON_HEADER_MUTED, KX_RIGHT, KX_MIDDLE);
        SDL_Rect cb = kx_rect(vb.x - 330, vb.y, 300, vb.h);
        cs.max_lines = 1;
        cs.label = 1;
        /* portrait large text: the title takes the row's width, so the
         * countdown goes where the subtitle was, under it */
        if (ui->portrait && ui->large) {
            cb = kx_rect(tx, h.y + 76, vb.x - 30 - tx, 48);
            cs.halign = KX_LEFT;
        }
        if (ui->deferring) {
            kx_text_ticking(ui, KX_TICK_STEP, cb, &cs);
        } else { /* drawn now: where it lands is known (the audit below) */
            char t[160];
            part[H_CLOCK] =
                kx_text(ui, kx_ui_tick_text(ui, KX_TICK_STEP, t, sizeof t), cb, &cs);
        }
    }
    app_header_audit(ui, part, h_names, H_N, H_CLOCK + 1);
}

static void app_steps(kx_ui *ui, const kx_layout *L)
{
    const kx_ui_state *st = ui->st;
    if (!st || st->step_count <= 0 || !st->service)
        return;
    SDL_Rect s = L->steps;
    kx_text_style ns = kx_style(32, KX_BOLD, KX_C_PRIMARY, KX_LEFT, KX_TOP);
    ns.max_lines = 1;
    ns.label = 1;
    kx_text(ui, kx_ui_service_name(st->service), kx_rect(s.x, s.y, s.w / 2, s.h - 16), &ns);
    kx_step_indicator(ui, kx_rect(s.x + s.w / 2, s.y, s.w / 2, s.h), st->step_index,
                      st->step_count);
    /* the bar spans the whole width under both */
}

static void app_title(kx_ui *ui, const kx_layout *L, const char *text)
{
    kx_text_style ts =
        kx_style(ui->portrait ? 60 : 54, KX_BOLD, KX_C_TEXT, KX_CENTER, KX_MIDDLE);
    ts.max_lines = 2;
    ts.min_size = 36;
    kx_text(ui, text, L->title, &ts);
}

/* ---- overlays ---- */

static int app_idle_warning_due(const kx_ui *ui)
{
    const kx_ui_state *st = ui->st;
    int left = kx_ui_timeout_left(ui);
    if (!st || !st->session || left < 0 || left > ui->opt.idle_warning_s)
        return 0;
    if (ui->now_ms < ui->idle_hidden_until)
        return 0;
    /* waiting screens run their own clock; the user is not the one idle */
    return app_user_screen(ui);
}

/* app_dialog_plan - where a dialog's parts go: an illustration of art_h
 * on top (0: none), the title, the body, then the buttons (130) at the
 * bottom. Normal mode keeps the fixed heights given (title_h, body_h,
 * total card height); large text measures the two texts at their size and
 * makes the card as tall as they need. Offsets are from the inner top. */
typedef struct app_dialog {
    int height; /* the card's, for kx_dialog_frame */
    int title_y, title_h, body_y, body_h;
} app_dialog;

static app_dialog app_dialog_plan(kx_ui *ui, int height, int art_h, const char *title,
                                  const kx_text_style *hs, int title_h, const char *body,
                                  const kx_text_style *bs, int body_h)
{
    app_dialog d = {height, art_h ? art_h + 20 : 0, title_h, 0, body_h};
    if (ui->large) {
        int w = kx_dialog_inner(ui, height).w;
        d.title_h = kx_text_measure(ui, title, w, hs) + 10;
        d.body_h = kx_text_measure(ui, body, w, bs) + 10;
    }
    d.body_y = d.title_y + d.title_h + (art_h ? 20 : 30);
    if (ui->large) {
        int need = d.body_y + d.body_h + 30 + 130 + 2 * 56;
        d.height = need > height ? need : height;
        if (d.height > ui->H - 40)
            d.height = ui->H - 40;
    }
    return d;
}

static void app_overlay(kx_ui *ui, int overlay)
{
    kx_text_style hs = kx_style(52, KX_BOLD, KX_C_TEXT, KX_CENTER, KX_TOP);
    kx_text_style bs = kx_style(38, KX_REGULAR, KX_C_TEXT, KX_CENTER, KX_TOP);
    hs.max_lines = 2;
    if (overlay == KX_OVERLAY_IDLE) {
        char t[256], secs[16];
        int left = kx_ui_timeout_left(ui), art_h = ui->large ? 110 : 170;
        snprintf(secs, sizeof secs, "%d", left < 0 ? 0 : left);
        kx_ui_format(t, sizeof t,
                     N_("For your privacy the session ends in {seconds} seconds and everything "
                        "entered is cleared."),
                     "seconds", secs, NULL, NULL);
        const char *title = kx_tr("Are you still there?");
        app_dialog d = app_dialog_plan(ui, 700, art_h, title, &hs, 80, t, &bs, 160);
        SDL_Rect in = kx_dialog_frame(ui, d.height);
        kx_art(ui, "timer", kx_rect(in.x, in.y, in.w, art_h));
        kx_text(ui, title, kx_rect(in.x, in.y + d.title_y, in.w, d.title_h), &hs);
        kx_text(ui, t, kx_rect(in.x, in.y + d.body_y, in.w, d.body_h), &bs);
        if (kx_button(ui, "still_here", kx_rect(in.x, in.y + in.h - 130, in.w, 130),
                      kx_tr("I am still here"), KX_BTN_PRIMARY)) {
            kx_ui_intent(ui, KX_INTENT_ACTIVITY);
            ui->last_activity_sent = ui->now_ms;
            ui->idle_hidden_until = ui->now_ms + 5000;
        }
    } else if (overlay == KX_OVERLAY_CANCEL) {
        const char *title = kx_tr("End this session?");
        const char *body =
            kx_tr("What you entered is cleared. Anything already paid is refunded.");
        app_dialog d = app_dialog_plan(ui, 560, 0, title, &hs, 80, body, &bs, 160);
        SDL_Rect in = kx_dialog_frame(ui, d.height);
        kx_text(ui, title, kx_rect(in.x, in.y, in.w, d.title_h), &hs);
        kx_text(ui, body, kx_rect(in.x, in.y + d.body_y, in.w, d.body_h), &bs);
        int bw = (in.w - 30) / 2;
        if (kx_button(ui, "keep_going", kx_rect(in.x, in.y + in.h - 130, bw, 130),
                      kx_tr("Keep going"), KX_BTN_SECONDARY))
            ui->overlay = KX_OVERLAY_NONE;
        if (kx_button(ui, "end_session", kx_rect(in.x + bw + 30, in.y + in.h - 130, bw, 130),
                      kx_tr("End session"), KX_BTN_DANGER)) {
            ui->overlay = KX_OVERLAY_NONE;
            kx_ui_intent(ui, KX_INTENT_CANCEL);
        }
    } else if (overlay == KX_OVERLAY_REMINDER) {
        const char *title = kx_tr("Take your UKEY");
        const char *body =
            kx_tr("Do not leave your UKEY in the kiosk. It holds your company's certificate.");
        int art_h = ui->large ? 260 : 380;
        app_dialog d = app_dialog_plan(ui, 900, art_h, title, &hs, 80, body, &bs, 130);
        SDL_Rect in = kx_dialog_frame(ui, d.height);
        kx_art(ui, "ukey_take", kx_rect(in.x, in.y, in.w, art_h));
        kx_text(ui, title, kx_rect(in.x, in.y + d.title_y, in.w, d.title_h), &hs);
        kx_text(ui, body, kx_rect(in.x, in.y + d.body_y, in.w, d.body_h), &bs);
        if (kx_button(ui, "reminder_ok", kx_rect(in.x, in.y + in.h - 130, in.w, 130),
                      kx_tr("I have my UKEY"), KX_BTN_PRIMARY))
            ui->reminder_until = 0;
    }
}

void kx_ui_draw_frame(kx_ui *ui)
{
    kx_layout L = kx_ui_layout_get(ui);
    int overlay = ui->overlay;
    char title[512];
    if (!ui->dry) { /* a warm-up frame leaves the shown one's state alone */
        ui->n_widgets = 0;
        ui->animating = 0;
        ui->has_caret = 0;
        ui->has_dtext = 0;
    }
    if (overlay == KX_OVERLAY_NONE && app_idle_warning_due(ui))
        overlay = KX_OVERLAY_IDLE;
    if (overlay == KX_OVERLAY_NONE && ui->reminder_until > ui->now_ms)
        overlay = KX_OVERLAY_REMINDER;
    if (overlay == KX_OVERLAY_IDLE && !ui->st)
        overlay = KX_OVERLAY_NONE;
    /* staff at the screen: the customer's overlays wait until they close */
    if (kx_staff_ui_active(ui) && overlay != KX_OVERLAY_UNAVAILABLE)
        overlay = KX_OVERLAY_NONE;

    /* input goes to the overlay only */
    int up = ui->up, down = ui->down;
    if (overlay != KX_OVERLAY_NONE)
        ui->up = ui->down = 0;

    ui->under_dialog = overlay != KX_OVERLAY_NONE && overlay != KX_OVERLAY_UNAVAILABLE;
    kx_clear(ui, KX_C_BG);
    app_header(ui, &L);
    if (!ui->st || overlay == KX_OVERLAY_UNAVAILABLE) {
        app_title(ui, &L, kx_tr("Temporarily unavailable"));
        kx_screen_unavailable(ui, &L);
    } else if (kx_staff_ui_active(ui)) {
        kx_staff_ui_draw(ui, &L);
    } else {
        app_steps(ui, &L);
        kx_ui_text_format(&ui->st->title, title, sizeof title);
        app_title(ui, &L, title);
        kx_screen_for(ui->st->screen)(ui, ui->st, &L);
    }
    if (overlay != KX_OVERLAY_NONE && overlay != KX_OVERLAY_UNAVAILABLE) {
        ui->up = up;
        ui->down = down;
        ui->under_dialog = 0;
        app_overlay(ui, overlay);
    }
}

/* app_backing_save - keep what is under the animations of the frame just
 * drawn on the window (software renderer): the next frames restore only
 * these rectangles instead of copying a whole cached layer. */
static void app_backing_save(kx_ui *ui, SDL_Rect r)
{
    SDL_Rect all = {0, 0, ui->W, ui->H};
    Uint32 *buf;
    if (!SDL_IntersectRect(&r, &all, &r))
        return;
    buf = malloc((size_t)r.w * (size_t)r.h * 4);
    if (buf && SDL_RenderReadPixels(ui->ren, &r, SDL_PIXELFORMAT_ARGB8888, buf, r.w * 4) == 0)
        SDL_UpdateTexture(ui->backing, &r, buf, r.w * 4);
    free(buf);
}

/* app_animation_rects - call fn for every rectangle the animations of the
 * frame cover (spinners, the caret, the ticking text). */
static void app_animation_rects(kx_ui *ui, void (*fn)(kx_ui *, SDL_Rect))
{
    for (int i = 0; i < ui->n_spin; i++) {
        int r = ui->spin[i].r;
        fn(ui, kx_rect(ui->spin[i].cx - r, ui->spin[i].cy - r, 2 * r, 2 * r));
    }
    if (ui->has_caret)
        fn(ui, ui->caret);
    if (ui->has_dtext)
        fn(ui, ui->dtext.box);
}

static void app_backing_restore(kx_ui *ui, SDL_Rect r)
{
    kx_copy(ui, ui->backing, &r, &r);
}

/* app_direct_surface - find the surface the software renderer draws
 * into (the window's), so fills can be written into it (fill.c): only
 * when SDL's own fill of a probe pixel shows up there. */
static void app_direct_surface(kx_ui *ui)
{
    SDL_Surface *s = SDL_GetWindowSurface(ui->win);
    SDL_Rect vp, probe = {0, 0, 1, 1};
    float sx = 0, sy = 0;
    Uint32 want, got;
    ui->surface = NULL;
    ui->surface_probed = s;
    kx_ui_tiles_reset(ui);
    SDL_RenderGetViewport(ui->ren, &vp);
    SDL_RenderGetScale(ui->ren, &sx, &sy);
    if (!kx_fill_surface_ok(s) || s->w != ui->W || s->h != ui->H || vp.x || vp.y ||
        vp.w != ui->W || vp.h != ui->H || sx != 1.0f || sy != 1.0f)
        return;
    SDL_SetRenderDrawBlendMode(ui->ren, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(ui->ren, 0x12, 0x34, 0x56, 0xFF);
    SDL_RenderFillRect(ui->ren, &probe);
    SDL_RenderFlush(ui->ren);
    want = SDL_MapRGBA(s->format, 0x12, 0x34, 0x56, 0xFF);
    got = *(const Uint32 *)s->pixels;
    if (got == want)
        ui->surface = s;
    kx_ui_tiles_reset(ui);
    kx_log_info("ui.direct_fill", "%s", ui->surface ? "on" : "off");
}

/* app_direct - the software renderer at its logical size keeps the last
 * frame in the window surface: full frames are drawn straight onto it
 * (no 8 MB layer to copy) and only the animations' rectangles are kept
 * aside. Elsewhere (GPU renderers, a scaled window) the cached layer. */
static int app_direct(kx_ui *ui)
{
    SDL_RendererInfo info;
    int w = 0, h = 0;
    if (ui->direct == 0) {
        ui->direct = -1;
        if (SDL_GetRendererInfo(ui->ren, &info) == 0 && (info.flags & SDL_RENDERER_SOFTWARE) &&
            SDL_GetRendererOutputSize(ui->ren, &w, &h) == 0 && w == ui->W && h == ui->H) {
            ui->backing = SDL_CreateTexture(ui->ren, SDL_PIXELFORMAT_ARGB8888,
                                            SDL_TEXTUREACCESS_STREAMING, ui->W, ui->H);
            if (ui->backing) {
                SDL_SetTextureBlendMode(ui->backing, SDL_BLENDMODE_NONE);
                ui->direct = 1;
                app_direct_surface(ui);
            }
        }
    }
    return ui->direct == 1;
}

void kx_ui_render(kx_ui *ui, int full)
{
    SDL_RendererInfo info;
    if (app_direct(ui)) {
        if (full || !ui->frame_from_layer) {
            /* SDL makes a new window surface when the window changes */
            if (SDL_GetWindowSurface(ui->win) != ui->surface_probed)
                app_direct_surface(ui);
            ui->deferring = 1;
            ui->n_spin = 0;
            kx_ui_draw_frame(ui);
            ui->deferring = 0;
            app_animation_rects(ui, app_backing_save);
        } else {
            app_animation_rects(ui, app_backing_restore);
        }
    } else {
        if (!ui->layer && full) {
            if (SDL_GetRendererInfo(ui->ren, &info) == 0 &&
                (info.flags & SDL_RENDERER_TARGETTEXTURE)) {
                ui->layer = SDL_CreateTexture(ui->ren, SDL_PIXELFORMAT_ARGB8888,
                                              SDL_TEXTUREACCESS_TARGET, ui->W, ui->H);
                if (ui->layer)
                    SDL_SetTextureBlendMode(ui->layer, SDL_BLENDMODE_NONE);
            }
        }
        if (!ui->layer || SDL_SetRenderTarget(ui->ren, full ? ui->layer : NULL) != 0) {
            kx_ui_draw_frame(ui);
            return;
        }
        if (full) {
            ui->deferring = 1;
            ui->n_spin = 0;
            kx_ui_draw_frame(ui);
            ui->deferring = 0;
            SDL_SetRenderTarget(ui->ren, NULL);
        }
        /* the whole layer every frame: GPU back buffers are not kept */
        SDL_RenderCopy(ui->ren, ui->layer, NULL, NULL);
    }
    ui->frame_from_layer = 1;
    for (int i = 0; i < ui->n_spin; i++)
        kx_spinner(ui, ui->spin[i].cx, ui->spin[i].cy, ui->spin[i].r, ui->spin[i].c);
    if (ui->has_caret && (ui->now_ms / 500) % 2 == 0)
        kx_fill(ui, ui->caret, KX_C_PRIMARY);
    if (ui->has_dtext) {
        /* refresh the countdown text: it may have ticked since the layer */
        kx_ui_tick_text(ui, ui->dtext.kind, ui->dtext.s, sizeof ui->dtext.s);
        kx_text(ui, ui->dtext.s, ui->dtext.box, &ui->dtext.st);
    }
}

/* ---- input ---- */

static void app_event(kx_ui *ui, const SDL_Event *ev)
{
    switch (ev->type) {
    case SDL_WINDOWEVENT:
        /* a new size (a panel swapped or rotated): decide the drawing
         * path again, the full frame that follows redraws everything */
        if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED && ui->direct != 0) {
            if (ui->backing)
                SDL_DestroyTexture(ui->backing);
            ui->backing = NULL;
            ui->direct = 0;
            ui->surface = NULL;
            ui->surface_probed = NULL;
            ui->frame_from_layer = 0;
            kx_ui_tiles_reset(ui);
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (ev->button.button != SDL_BUTTON_LEFT)
            break;
        ui->down = 1;
        ui->down_x = ui->up_x = ev->button.x;
        ui->down_y = ui->up_y = ev->button.y;
        break;
    case SDL_MOUSEMOTION:
        if (ui->down) {
            ui->up_x = ev->motion.x;
            ui->up_y = ev->motion.y;
        }
        break;
    case SDL_MOUSEBUTTONUP:
        if (ev->button.button != SDL_BUTTON_LEFT || !ui->down)
            break;
        ui->up = 1;
        ui->up_x = ev->button.x;
        ui->up_y = ev->button.y;
        ui->last_touch_ms = ui->now_ms;
        kx_voice_cut(ui->voice); /* the user acts: the prompt stops */
        /* any touch is activity: restart the step's timeout (rate-limited) */
        if (ui->now_ms - ui->last_activity_sent > 3000 &&
            kx_ui_state_accepts(ui->st, KX_INTENT_ACTIVITY)) {
            kx_ui_intent(ui, KX_INTENT_ACTIVITY);
            ui->last_activity_sent = ui->now_ms;
        }
        break;
    case SDL_FINGERDOWN:
        if (!ui->touch_seen && ui->opt.cursor == 2)
            SDL_ShowCursor(SDL_DISABLE);
        ui->touch_seen = 1;
        break;
    case SDL_TEXTINPUT:
        kx_staff_ui_text(ui, ev->text.text);
        break;
    case SDL_KEYDOWN:
        if (ev->key.keysym.sym == SDLK_BACKSPACE)
            kx_staff_ui_backspace(ui);
        break;
    case SDL_QUIT:
        /* kiosk mode: a window-close request is not a way out */
        if (!ui->opt.fullscreen)
            ui->quit = 1;
        break;
    default:
        break;
    }
}

/* ---- run loop ---- */

/*
 * kx_ui_prewarm_step - step i of the idle warm-up before the first customer: the
 * illustrations at their sizes (kx_screen_prewarm), then every customer
 * screen of the canned set laid out once without drawing (ui->dry): the
 * glyphs at the sizes the screens use and the icons go into their caches,
 * so a customer's first pass through the screens is not the one paying
 * for them. Staff screens are left out (they carry staff state). Only
 * while no session or staff member is at the screen. Returns 0 when done.
 */
int kx_ui_prewarm_step(kx_ui *ui, int i)
{
    if (kx_screen_prewarm(ui, i))
        return 1;
    if (!ui->warm) {
        /* no preview files: the warm-up skips images */
        if (kx_canned_build(ui->opt.lang, NULL, &ui->warm, &ui->n_warm) != KX_OK)
            return 0;
        ui->warm_at = 0;
        ui->n_warmed = 0;
    }
    if (ui->warm_at >= ui->n_warm) {
        kx_log_info("ui.warmup", "screens=%d laid_out=%d", ui->n_warm, ui->n_warmed);
        kx_canned_free(ui->warm, ui->n_warm);
        ui->warm = NULL;
        ui->n_warm = 0;
        return 0;
    }
    const kx_canned *c = &ui->warm[ui->warm_at++];
    if (c->staff || c->overlay == KX_OVERLAY_UNAVAILABLE || c->overlay == KX_OVERLAY_IDLE ||
        (ui->st && ui->st->session) || kx_staff_ui_active(ui))
        return 1;
    kx_ui_state *st = NULL, *live = ui->st;
    if (kx_ui_state_parse(c->json, strlen(c->json), &st) != KX_OK)
        return 1;
    int overlay = ui->overlay, up = ui->up, down = ui->down;
    ui->st = st;
    ui->overlay = c->overlay;
    ui->up = ui->down = 0;
    ui->dry = 1;
    kx_ui_draw_frame(ui);
    ui->dry = 0;
    ui->n_warmed++;
    ui->st = live;
    ui->overlay = overlay;
    ui->up = up;
    ui->down = down;
    kx_ui_state_free(st);
    return 1;
}

kx_err kx_ui_run(kx_ui *ui)
{
    struct sigaction sa;
    kx_err rc;
    long drawn_key = 0;
    int dirty = 1, drawn_once = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = app_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((rc = kx_ui_conn_new(ui->opt.socket_path, &ui->conn)))
        return rc;
    app_shuffle(ui);
    while (!ui->quit && !app_signalled) {
        SDL_Event ev;
        ui->now_ms = SDL_GetTicks64();
        if (SDL_WaitEventTimeout(&ev, 16)) {
            ui->now_ms = SDL_GetTicks64();
            app_event(ui, &ev);
            while (SDL_PollEvent(&ev))
                app_event(ui, &ev);
            dirty = 1;
        }
        ui->now_ms = SDL_GetTicks64();
        {
            kx_ui_state *st = NULL;
            if (kx_ui_conn_poll(ui->conn, ui->now_ms, &st) != KX_OK ||
                !kx_ui_conn_ready(ui->conn)) {
                if (ui->st) {
                    /* kioskd went away: clear the session from the screen
                     * and from memory; its state comes back on reconnect.
                     * A UKEY in the slot is still to be taken. */
                    if (ui->session_had_ukey && !ui->ukey_acknowledged)
                        ui->reminder_until = ui->now_ms + (Uint64)ui->opt.reminder_s * 1000u;
                    kx_ui_state_free(ui->st);
                    ui->st = NULL;
                    kx_ui_session_reset(ui);
                    dirty = 1;
                }
            }
            if (st) {
                app_apply_state(ui, st);
                dirty = 1;
            }
            if (kx_staff_ui_poll(ui))
                dirty = 1;
        }
        kx_ui_script_step(ui);
        /* large text switched on at the home screen and left: back to
         * normal after a minute without a touch (a session's end resets
         * it anyway) */
        if (ui->large != (ui->opt.large_text != 0) && (!ui->st || !ui->st->session) &&
            !kx_staff_ui_active(ui) && ui->now_ms - ui->last_touch_ms > app_large_idle_ms()) {
            kx_ui_set_large(ui, ui->opt.large_text);
            dirty = 1;
        }
        if (ui->tap_id || ui->up || kx_ui_script_shot_pending(ui) ||
            kx_img_cache_ready(ui->img))
            dirty = 1;
        /* everything when something shown changed (a state, a touch, a
         * dialog, a clock inside the frame); otherwise only the animations
         * over the cached layer */
        int full = dirty || kx_ui_clock_key(ui) != drawn_key;
        if (full || ui->animating) {
            kx_ui_render(ui, full);
            if (full)
                kx_ui_script_shot_save(ui);
            SDL_RenderPresent(ui->ren);
            kx_ui_first_frame();
            if (full)
                drawn_key = kx_ui_clock_key(ui);
            dirty = 0;
            drawn_once = 1;
        }
        if (ui->up) {
            ui->up = 0;
            ui->down = 0;
        }
        /* idle, nothing moving: rasterise the next screens' illustrations
         * ahead, one per turn (~10 ms each), so screen changes are quicker */
        if (!full && !ui->animating && !ui->down && drawn_once && ui->prewarmed >= 0 &&
            !kx_ui_prewarm_step(ui, ui->prewarmed++))
            ui->prewarmed = -1;
    }
    return kx_ui_script_result(ui);
}
