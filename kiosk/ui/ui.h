/* SPDX-License-Identifier: MIT */
/*
 * ui.h - the kiosk front end (library kx_ui, executable `kiosk`).
 *
 * The front end renders the state kioskd publishes (docs/protocol.md) and
 * sends the user's intents. It holds no business logic: which buttons a
 * screen shows comes from the state's `intents`, every title and paragraph
 * from the state's texts. What it owns is presentation: one screen per
 * screen id, a small widget set, fonts, illustrations, the idle warning, the
 * "take your UKEY" reminder, the "temporarily unavailable" screen while
 * kioskd is away, and the screenshot/benchmark harness.
 *
 * It must never block the frame loop (socket I/O is non-blocking) and never
 * keep a PIN outside a kx_secbuf (wiped as soon as the intent is written).
 *
 * Threading: everything here runs on the one UI thread.
 */
#ifndef KX_UI_UI_H
#define KX_UI_UI_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "proto/protocol.h"

/* ---- the published state, parsed ------------------------------------- */

/* A translatable text: msgid plus {name} arguments (already formatted). */
typedef struct kx_ui_text {
    const char *msgid; /* NULL when absent */
    const void *args;  /* json_t object or NULL (owned by the state) */
} kx_ui_text;

#define KX_UI_MAX_BODY 12
#define KX_UI_MAX_PREVIEWS 6
#define KX_UI_MAX_CELLS 8
/* choices: the RA's list of a company's certificates on revoke_pick (up to
 * 64, docs/ra-api.md) and "all"; the screen pages them */
#define KX_UI_MAX_CHOICES 72
#define KX_UI_MAX_AGREEMENT 128 /* paragraphs of the user agreement */

/*
 * kx_ui_state - one published state. Every string points into the parsed
 * JSON the state owns; they live until kx_ui_state_free(). Absent objects
 * have present == 0; absent strings are NULL.
 */
typedef struct kx_ui_state {
    void *raw; /* json_t, owned */
    long rev;
    const char *session;
    const char *screen_id;
    kx_screen screen; /* KX_SCREEN_COUNT for an id this build does not know */
    const char *service;
    const char *lang;
    int step_index, step_count;
    kx_ui_text title;
    kx_ui_text body[KX_UI_MAX_BODY];
    int n_body;
    const char *activity;
    const char *doc; /* document of doc_place/doc_review, or NULL */
    struct {
        int present;
        const char *company, *uscc, *subject, *serial, *not_after;
        long days_left;
        /* an SM2 pair's encryption certificate (NULL: a single certificate) */
        const char *enc_serial, *enc_not_after;
    } cert;
    struct {
        int present;
        const char *name, *uscc, *legal_rep;
    } company;
    struct {
        int present;
        const char *name, *idnum_masked, *valid_to;
        long age;
    } agent;
    struct {
        int present;
        long fen;
        const char *text;
    } fee;
    struct {
        int present;
        const char *order, *qr;
        long expires_in;
    } payment;
    struct {
        const char *doc, *path;
        int width, height;
    } previews[KX_UI_MAX_PREVIEWS];
    int n_previews;
    struct {
        const char *row, *verdict;
        int cell;
        kx_ui_text text;
    } cells[KX_UI_MAX_CELLS];
    int n_cells;
    struct {
        const char *value;
        kx_ui_text text;
    } choices[KX_UI_MAX_CHOICES];
    int n_choices;
    struct {
        int present;
        const char *kind;         /* "pin", "new_pin", "contact" */
        int min, max, tries_left; /* tries_left -1 when absent */
    } input;
    int has_progress;
    double progress; /* 0..1 */
    struct {
        int present;
        long code;
        const char *name;
        kx_ui_text text, action;
    } error;
    struct {
        int present;                  /* assisted mode is open */
        const char *id, *name, *role; /* role "staff" or "admin" */
        int idle_left;                /* seconds at publication, -1 when absent */
    } staff;
    struct {
        int present;                /* the agreement screen: the CA's full text */
        const char *version, *lang; /* SHA-256 of the text, "zh_CN" or "en" */
        const char *paras[KX_UI_MAX_AGREEMENT];
        int n_paras;
    } agreement;
    unsigned intents; /* bit (1u << kx_intent) per accepted intent */
    int has_timeout;
    int timeout_total, timeout_left;
} kx_ui_state;

/*
 * kx_ui_state_parse - parse one "state" message (a whole JSON line).
 * KX_ERR_BAD_FORMAT when it is not a state object or a field has the wrong
 * type (detail names the field). Unknown fields are ignored; an unknown
 * screen id gives screen == KX_SCREEN_COUNT (the generic screen). Free with
 * kx_ui_state_free().
 */
kx_err kx_ui_state_parse(const char *line, size_t len, kx_ui_state **out);
/* kx_ui_state_free - release a state; NULL is fine. */
void kx_ui_state_free(kx_ui_state *st);
/* kx_ui_state_accepts - 1 when the state lists intent in `intents`. */
int kx_ui_state_accepts(const kx_ui_state *st, kx_intent intent);

/*
 * kx_ui_text_format - translate t->msgid into the current language
 * (kx_tr) and replace every {name} with its argument. Writes at most outsz
 * bytes, always NUL-terminated, never cutting a UTF-8 sequence. Returns
 * out ("" when t has no msgid).
 */
char *kx_ui_text_format(const kx_ui_text *t, char *out, size_t outsz);

/*
 * kx_ui_format - translate msgid and replace {k1} by v1 and {k2} by v2
 * (either key may be NULL). Same output rules as kx_ui_text_format.
 */
char *kx_ui_format(char *out, size_t outsz, const char *msgid, const char *k1, const char *v1,
                   const char *k2, const char *v2);

/* ---- the application -------------------------------------------------- */

typedef enum kx_ui_orientation {
    KX_UI_PORTRAIT = 0,  /* 1080 x 1920 logical pixels */
    KX_UI_LANDSCAPE = 1, /* 1920 x 1080 */
} kx_ui_orientation;

/* Options of one run; kx_ui_options_from_config() fills the defaults. */
typedef struct kx_ui_options {
    kx_ui_orientation orientation;
    int fullscreen;         /* kiosk mode: borderless full screen, no way out */
    int window_w, window_h; /* window size when not full screen (0: logical) */
    int cursor;             /* 0 hidden, 1 shown, 2 hidden after the first touch */
    int idle_warning_s;     /* warn this many seconds before a step times out */
    int reminder_s;         /* "take your UKEY" overlay on home, seconds */
    char socket_path[256];
    char assets_dir[256];      /* illustrations and icons (SVG) */
    char font_patterns[256];   /* fontconfig patterns, ';'-separated, in order */
    char lang[8];              /* "zh_CN" or "en": before kioskd says otherwise */
    char only[48];             /* screenshots: only canned states named so ("" all) */
    int voice;                 /* [voice] enabled: spoken prompts */
    int voice_volume;          /* [voice] volume, 0..100 */
    char voice_dir[256];       /* [voice] dir: <dir>/<lang>/<screen>.wav */
    int large_text;            /* large text and high contrast by default (screenshots:
                                  --large-text; a hall: 0, customers switch it on) */
    char states[256];          /* screenshots: the states recorded in this file instead
                                  of the canned set (KX_UI_STATE_LOG), "" none */
    char restart_command[256]; /* maintenance "Restart services" (sh -c), "" none */
    char leave_command[256];   /* maintenance "Leave kiosk mode" (sh -c), "" none */
} kx_ui_options;

/*
 * kx_ui_options_from_config - read [ui] (and [engine] socket, [kiosk]
 * language) from cfg into *out; cfg may be NULL for the defaults.
 * KX_ERR_CONFIG with detail naming the key on a bad value.
 */
kx_err kx_ui_options_from_config(const kx_config *cfg, kx_ui_options *out);

typedef struct kx_ui kx_ui;

/*
 * kx_ui_create - open the window and renderer, find the fonts, load no
 * state yet. SDL video must be initialisable (SDL_VIDEODRIVER=offscreen or
 * dummy works without a screen). Free with kx_ui_destroy().
 */
kx_err kx_ui_create(const kx_ui_options *opt, kx_ui **out);
void kx_ui_destroy(kx_ui *ui);

/*
 * kx_ui_run - the frame loop: connect to kioskd (non-blocking, reconnect
 * every second), render at up to 60 fps, send intents. Returns when the
 * process gets SIGTERM/SIGINT (kiosk mode ignores window-close requests)
 * or when a tap script (kx_ui_set_script) ends: KX_OK when it passed.
 */
kx_err kx_ui_run(kx_ui *ui);

/*
 * kx_ui_set_script - drive the UI from a tap script (tests): one command a
 * line, '#' comments: `wait screen=ID [large=on|off] [timeout=S]` (ID
 * "unavailable" for the UI's own screen; large: the text mode shown too,
 * alone or with screen; default 20 s), `tap WIDGET_ID` (the widget must be
 * on screen in the next frame: ids like service_renew, primary, retry,
 * cancel, back, lang, key_7, end_session, still_here, reminder_ok),
 * `type KEYS` (taps key_<c> for each character, wherever a shuffled
 * keypad put it), `sleep MS`, `shot NAME` (save the next frame as
 * $KX_UI_SHOTS/NAME.png; nothing when KX_UI_SHOTS is unset). The script fails at the first
 * command that times out or taps a widget that is not there. The file is read at once;
 * KX_ERR_IO / KX_ERR_TOO_LARGE on problems.
 */
kx_err kx_ui_set_script(kx_ui *ui, const char *path);

/*
 * kx_ui_screenshots - render every canned state (every screen id, the
 * variants that matter, the idle warning, the reminder, the unavailable
 * screen) to DIR/<name>.png and audit each frame: text outside its box and
 * missing glyphs are printed to stderr. With opt.states set, the states
 * recorded in that file (KX_UI_STATE_LOG of real sessions; each kind of
 * state once) instead, named NNN-<screen>.png. Returns KX_OK when every frame
 * passed the audit, KX_ERR_CHECK_FAILED when any did, KX_ERR_IO when a file
 * cannot be written. *n_out (may be NULL) receives the number of PNGs.
 */
kx_err kx_ui_screenshots(kx_ui *ui, const char *dir, int *n_out);

/*
 * kx_ui_bench - render `frames` frames cycling through the canned states
 * (a new state every 30 frames, busy spinner animating) and print
 * "frame_ms p50=… p99=… max=…". Used by bench/80-ui.sh.
 */
kx_err kx_ui_bench(kx_ui *ui, int frames);

#endif
