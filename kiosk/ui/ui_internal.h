/* SPDX-License-Identifier: MIT */
/*
 * ui_internal.h - what the parts of kx_ui share: the application context,
 * the theme, fonts, text layout, the immediate-mode widget set, the
 * illustrations, the socket client and the screen table.
 *
 * Widgets are immediate mode: a screen calls kx_button(...) every frame and
 * gets 1 back on the frame the user released a press inside it. Each
 * widget registers its id and rectangle so tap scripts can find it. Nothing
 * here allocates per frame: text, QR codes, images and illustrations are
 * rendered once into textures and cached.
 *
 * Sections: theme - fonts - text - drawing primitives - widgets - art -
 * connection - screens - app services used by screens.
 */
#ifndef KX_UI_INTERNAL_H
#define KX_UI_INTERNAL_H

#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>
#include <stdio.h>

#include "core/secbuf.h"
#include "ui/ui.h"

struct kx_img_cache;
struct kx_art_cache;

/* ---- theme ------------------------------------------------------------ */

extern SDL_Color KX_C_BG;         /* page background */
extern SDL_Color KX_C_SURFACE;    /* cards */
extern SDL_Color KX_C_LINE;       /* hairlines, card borders */
extern SDL_Color KX_C_TEXT;       /* primary text */
extern SDL_Color KX_C_MUTED;      /* secondary text */
extern SDL_Color KX_C_PRIMARY;    /* CA blue: primary actions */
extern SDL_Color KX_C_PRIMARY_DK; /* pressed primary */
extern SDL_Color KX_C_PRIMARY_LT; /* tinted backgrounds */
extern SDL_Color KX_C_ON_PRIMARY; /* text on primary */
extern SDL_Color KX_C_OK;
extern SDL_Color KX_C_OK_LT;
extern SDL_Color KX_C_WARN;
extern SDL_Color KX_C_WARN_LT;
extern SDL_Color KX_C_DANGER;
extern SDL_Color KX_C_DANGER_LT;
extern SDL_Color KX_C_HEADER;          /* header bar */
extern SDL_Color KX_C_ON_HEADER_MUTED; /* secondary text on the header */
extern SDL_Color KX_C_HEADER_PRESSED;  /* a header button held down */
extern SDL_Color KX_C_DANGER_DK;       /* pressed danger button */
extern SDL_Color KX_C_DISABLED;        /* greyed-out button */
extern SDL_Color KX_C_STEP_NOW;        /* the current step's segment */
/* The palette is the normal one or, in large-text mode, the high-contrast
 * one (every text 7:1 or more): kx_theme_set switches it (UI thread;
 * styles made after the switch use it). kx_contrast - WCAG contrast ratio
 * of two colours (1..21). */
void kx_theme_set(int high_contrast);
double kx_contrast(SDL_Color a, SDL_Color b);

#define KX_RADIUS 24 /* card and button corner radius, logical px */

/* ---- fonts ------------------------------------------------------------ */

typedef enum kx_weight { KX_REGULAR = 0, KX_BOLD = 1 } kx_weight;

typedef struct kx_fonts kx_fonts;

/*
 * kx_fonts_open - resolve the ';'-separated fontconfig patterns (the first
 * is the main face, e.g. ":lang=zh-cn", the rest fallbacks) into files and
 * face indexes (a .ttc holds several faces: Noto Sans CJK SC is index 2).
 * KX_ERR_NOT_FOUND when no pattern resolves. Free with kx_fonts_close().
 */
kx_err kx_fonts_open(const char *patterns, kx_fonts **out);
void kx_fonts_close(kx_fonts *f);
/* kx_fonts_get - face `which` (0 main, 1.. fallbacks) at a pixel size,
 * opened on first use and kept; NULL when there is no such face. One
 * TTF_Font per face and weight is switched between sizes: the pointer
 * stands for this size only until the next kx_fonts_get/kx_fonts_glyph of
 * the same face and weight at another size. */
TTF_Font *kx_fonts_get(kx_fonts *f, int which, kx_weight w, int size);
/* kx_fonts_count - number of resolved faces. */
int kx_fonts_count(const kx_fonts *f);
/* kx_fonts_describe - "file#index" of face which (for logs). */
const char *kx_fonts_describe(const kx_fonts *f, int which);

/* One glyph of one face/weight/size (glyph.c). Pixels; y grows downwards
 * from the baseline. */
typedef struct kx_glyph {
    uint64_t key; /* font id << 32 | code point */
    uint32_t cp;
    int advance;      /* whole pixels (TTF_GlyphMetrics32); see kx_fonts_shape */
    int cov_x, cov_w; /* ink box: left edge from the pen, width */
    int top, cov_h;   /* ink box: top above the baseline, height */
    Uint8 *cov;       /* cov_w x cov_h coverage, NULL until rasterised (or blank) */
    int rasterised;
} kx_glyph;

/* kx_fonts_glyph - glyph cp of face which at weight w and pixel size;
 * with coverage, rasterised too (once). Cached for the life of the fonts;
 * the pointer stays valid until kx_fonts_trim. NULL when the face cannot
 * be opened. UI thread only. */
const kx_glyph *kx_fonts_glyph(kx_fonts *f, int which, kx_weight w, int size, uint32_t cp,
                               int coverage);
/* kx_fonts_trim - bound the glyph cache's memory (drops it when over its
 * budget); call only where no kx_glyph pointer is held. */
void kx_fonts_trim(kx_fonts *f);

/*
 * kx_fonts_shape - the n bytes of UTF-8 text s shaped in face which/w
 * (HarfBuzz, ligatures off), in font units: advance[k] the nominal advance
 * of code point k, kern[k] the pair kerning to add to it when the next
 * code point follows on the same line (n_cp entries each; at[] maps byte
 * offsets of s to code point indexes). SDL_ttf with light hinting places
 * glyphs by these unhinted advances. Returns units per em, or 0 when the
 * face cannot be shaped or its glyphs do not map one to one onto the code
 * points (both arrays zeroed).
 */
int kx_fonts_shape(kx_fonts *f, int which, kx_weight w, const char *s, size_t n, const int *at,
                   int n_cp, int *advance, int *kern);

/* The glyph cache behind kx_fonts_glyph (glyph.c). font_id names the
 * face/weight/size of font; kx_glyphs_free/clear free every entry. */
typedef struct kx_glyphs kx_glyphs;
kx_err kx_glyphs_new(kx_glyphs **out);
void kx_glyphs_free(kx_glyphs *g);
void kx_glyphs_clear(kx_glyphs *g);
void kx_glyphs_trim(kx_glyphs *g);
const kx_glyph *kx_glyphs_get(kx_glyphs *g, TTF_Font *font, uint32_t font_id, uint32_t cp,
                              int coverage);

/* ---- text ------------------------------------------------------------- */

enum { KX_LEFT = 0, KX_CENTER = 1, KX_RIGHT = 2 };
enum { KX_TOP = 0, KX_MIDDLE = 1, KX_BOTTOM = 2 };

typedef struct kx_text_style {
    int size;     /* preferred pixel size */
    int min_size; /* may shrink down to this to fit (0: size * 0.6) */
    kx_weight weight;
    SDL_Color color;
    int halign, valign;
    int max_lines; /* 0: as many as fit */
    int label;     /* a button's, key's or header's label, not body text: in
                      large-text mode it may shrink to its normal minimum */
} kx_text_style;

/* Text up to this size (normal mode, px) is body text: in large-text
 * mode it is drawn at 1.4 times its size and never shrunk (text.c). */
#define KX_TEXT_BODY_MAX 46

typedef struct kx_text_cache kx_text_cache;

kx_err kx_text_cache_new(kx_text_cache **out);
void kx_text_cache_free(kx_text_cache *tc);
/* kx_text_cache_clear - drop every texture (language switch, session end). */
void kx_text_cache_clear(kx_text_cache *tc);

/*
 * kx_text - draw UTF-8 text inside box: wrapped at word boundaries (Latin)
 * or between characters (CJK, with line-start/line-end punctuation rules),
 * shrunk from size toward min_size until it fits. Never cut: when it cannot
 * fit, it is drawn at min_size past the box and the audit records an
 * overflow. Missing glyphs switch to a fallback face; if none has them the
 * audit records it. Returns the rectangle actually covered.
 */
SDL_Rect kx_text(kx_ui *ui, const char *s, SDL_Rect box, const kx_text_style *st);
/* The countdowns drawn over the cached layer (kx_text_ticking). */
enum { KX_TICK_STEP = 0, KX_TICK_PAYMENT = 1 };
/* kx_text_ticking - like kx_text for a countdown that changes every second
 * (kind: KX_TICK_*; its text is kx_ui_tick_text of that kind): drawn over
 * the cached layer each frame instead of into it, so the clock does not
 * force whole-frame redraws. One per frame. */
void kx_text_ticking(kx_ui *ui, int kind, SDL_Rect box, const kx_text_style *st);
/* kx_caret - a blinking text caret at r (over the cached layer). */
void kx_caret(kx_ui *ui, SDL_Rect r);
/* kx_text_measure - height the text needs at st->size wrapped to width w
 * (no shrinking); used to stack paragraphs. */
int kx_text_measure(kx_ui *ui, const char *s, int w, const kx_text_style *st);

/* kx_style - a style in one call. */
kx_text_style kx_style(int size, kx_weight w, SDL_Color c, int halign, int valign);

/* ---- drawing primitives ----------------------------------------------- */

void kx_fill(kx_ui *ui, SDL_Rect r, SDL_Color c);
/* fill.c: fills written straight into a window surface (direct mode);
 * kx_fill_surface_ok says whether the surface's format allows it. Same
 * pixels as SDL's software renderer. */
int kx_fill_surface_ok(const SDL_Surface *s);
void kx_fill_solid(SDL_Surface *s, SDL_Rect r, SDL_Color c);
void kx_fill_blend(SDL_Surface *s, SDL_Rect r, SDL_Color c);
/* kx_fill_simd - the blend's instruction set: 1 AVX2 where the CPU has it,
 * 0 SSE2, -1 the best there is (the default); returns the one in use.
 * For the tests, which check each against SDL. */
int kx_fill_simd(int level);
/* kx_copy - SDL_RenderCopy that keeps the background tiles (draw.c) in
 * step: every copy onto the frame goes through it. kx_ui_tiles_reset -
 * forget which tiles are background (a new window surface). */
void kx_copy(kx_ui *ui, SDL_Texture *t, const SDL_Rect *src, const SDL_Rect *dst);
/* kx_blit - in direct mode, blit src (blend mode as set on it) onto the
 * window surface at dst and return 1; else 0 and the caller uses a
 * texture. */
int kx_blit(kx_ui *ui, SDL_Surface *src, SDL_Rect dst);
void kx_ui_tiles_reset(kx_ui *ui);
/* kx_clear - fill the whole frame (fast path). */
void kx_clear(kx_ui *ui, SDL_Color c);
/* kx_round - anti-aliased rounded rectangle (9-slice texture). */
void kx_round(kx_ui *ui, SDL_Rect r, int radius, SDL_Color c);
/* kx_round_under - kx_round that leaves out hole, a rectangle the caller
 * paints opaque right after (a border under its fill, a shadow under its
 * button): the same pixels, fewer written. kx_round_core is the largest
 * rectangle kx_round(r, radius) paints opaque (with an opaque colour). */
void kx_round_under(kx_ui *ui, SDL_Rect r, int radius, SDL_Color c, SDL_Rect hole);
SDL_Rect kx_round_core(SDL_Rect r, int radius);
/* kx_card - white card with a hairline border and a soft shadow. */
void kx_card(kx_ui *ui, SDL_Rect r);
/* kx_disc - anti-aliased filled circle. */
void kx_disc(kx_ui *ui, int cx, int cy, int radius, SDL_Color c);
/* kx_ring - anti-aliased circle outline of the given thickness. */
void kx_ring(kx_ui *ui, int cx, int cy, int radius, int thick, SDL_Color c);
/* kx_spinner - rotating arc; animates from ui->now_ms. */
void kx_spinner(kx_ui *ui, int cx, int cy, int radius, SDL_Color c);
SDL_Rect kx_rect(int x, int y, int w, int h);
SDL_Rect kx_inset(SDL_Rect r, int d);

/* ---- widgets ---------------------------------------------------------- */

typedef enum kx_button_kind {
    KX_BTN_PRIMARY = 0, /* filled CA blue */
    KX_BTN_SECONDARY,   /* white with blue text and border */
    KX_BTN_QUIET,       /* text only (back, language) */
    KX_BTN_DANGER,      /* filled red (irreversible) */
    KX_BTN_KEY,         /* keypad key */
    KX_BTN_TILE,        /* home screen service tile (label is drawn by caller) */
} kx_button_kind;

/*
 * kx_button - a large-target button. id is unique on the screen (tap
 * scripts use it); label may be NULL for caller-drawn content. Returns 1
 * on the frame a press that started inside it is released inside it.
 */
int kx_button(kx_ui *ui, const char *id, SDL_Rect r, const char *label, kx_button_kind kind);
/* kx_button_enabled - kx_button that can be greyed out (never tapped). */
int kx_button_enabled(kx_ui *ui, const char *id, SDL_Rect r, const char *label,
                      kx_button_kind kind, int enabled);
/* kx_hit - register a tappable area without drawing; 1 when tapped. */
int kx_hit(kx_ui *ui, const char *id, SDL_Rect r);

/* kx_progress_bar - a rounded bar filled to value (0..1). */
void kx_progress_bar(kx_ui *ui, SDL_Rect r, double value, SDL_Color c);
/* kx_step_indicator - "Step i of n" with a segmented bar. */
void kx_step_indicator(kx_ui *ui, SDL_Rect r, int index, int count);
/* kx_qr - QR code of text (libqrencode, level M) centred in r, cached. */
void kx_qr(kx_ui *ui, SDL_Rect r, const char *text);
/* kx_image - PNG/JPEG at path fitted into r (aspect kept), cached; a
 * placeholder when it cannot be read, and while a worker thread decodes it
 * (kx_img_cache_ready says when to draw again; screenshots decode at
 * once). Returns the drawn rectangle. */
SDL_Rect kx_image(kx_ui *ui, SDL_Rect r, const char *path);
/* kx_image_part - a zoomed view: the image at path scaled to fit
 * full_w x full_h (aspect kept, cached like kx_image), of which the window
 * of r's size from (src_x, src_y) of that scaled image is drawn at r
 * (moved back inside the image at its edges). Returns the drawn
 * rectangle. */
SDL_Rect kx_image_part(kx_ui *ui, SDL_Rect r, const char *path, int full_w, int full_h,
                       int src_x, int src_y);
/* kx_masked_field - an entry field showing n dots out of max, focused or
 * not; label above it. Returns 1 when tapped (focus). */
int kx_masked_field(kx_ui *ui, const char *id, SDL_Rect r, const char *label, size_t n, int max,
                    int focused);
/* kx_text_field - like kx_masked_field but shows text (phone, e-mail). */
int kx_text_field(kx_ui *ui, const char *id, SDL_Rect r, const char *label, const char *value,
                  const char *placeholder, int focused);

/* Keys a keypad reports. */
enum { KX_KEY_NONE = -1, KX_KEY_BACKSPACE = -2, KX_KEY_CLEAR = -3, KX_KEY_OK = -4 };
/*
 * kx_keypad - a 4x3 digit keypad; order[10] gives the digit of each of the
 * ten digit keys (shuffled for PINs, 1..9,0 for phone numbers). Returns the
 * digit pressed (0..9) or a KX_KEY_* code; ok_enabled greys out OK.
 */
int kx_keypad(kx_ui *ui, SDL_Rect r, const int order[10], int ok_enabled, const char *ok_label);
/* kx_keyboard - e-mail keyboard (a-z, 0-9, @ . _ - and ".com"). Returns
 * the ASCII character pressed, 1 for ".com", '\b' for backspace, '\r' for
 * OK, or 0. */
int kx_keyboard(kx_ui *ui, SDL_Rect r, int ok_enabled);
/* kx_dialog_frame - dim the screen and draw a centred dialog card of the
 * given height; returns the card's inner rectangle. */
/* kx_dialog_inner - the content rectangle kx_dialog_frame(ui, height) returns, without drawing.
 */
SDL_Rect kx_dialog_inner(const kx_ui *ui, int height);
SDL_Rect kx_dialog_frame(kx_ui *ui, int height);

/* ---- illustrations and icons (SVG under assets_dir) --------------------- */

/*
 * kx_art - draw assets_dir/<name>.svg rasterised to fit r (aspect kept,
 * centred), cached per size. Returns 0, or -1 when the file is missing (a
 * neutral placeholder is drawn and the audit records it).
 */
int kx_art(kx_ui *ui, const char *name, SDL_Rect r);
/* kx_art_prewarm - rasterise name at r's size into the cache without
 * drawing (idle time), so the first frame of its screen is cheaper. */
void kx_art_prewarm(kx_ui *ui, const char *name, SDL_Rect r);
/* kx_screen_prewarm - prewarm illustration number i of the screens at the
 * size they are shown; 0 when i is past the last one. */
int kx_screen_prewarm(kx_ui *ui, int i);

/* Caches and start-up, all owned by kx_ui and freed by kx_ui_destroy():
 * kx_draw_init creates the coverage textures (disc, arc), kx_draw_free
 * releases them and the per-radius discs and spinner frames;
 * kx_img_cache_new / kx_art_cache_new allocate the QR/preview and SVG
 * texture caches (KX_ERR_NO_MEMORY on failure). */
kx_err kx_draw_init(kx_ui *ui);
void kx_draw_free(kx_ui *ui);
kx_err kx_img_cache_new(struct kx_img_cache **out);
/* kx_img_cache_ready - 1 when a preview image finished decoding and the
 * frame should be drawn again to show it. */
int kx_img_cache_ready(struct kx_img_cache *c);
/* kx_img_cache_free - drop every cached texture (the struct stays). */
void kx_img_cache_free(struct kx_img_cache *c);
void kx_art_cache_free(struct kx_art_cache *c);
kx_err kx_art_cache_new(struct kx_art_cache **out);

/* ---- voice guidance (voice.c) -------------------------------------------- */

typedef struct kx_voice kx_voice;
/* kx_voice_new - the player for opt's [voice] settings (no device opened
 * yet: on the first prompt); KX_ERR_NO_MEMORY. kx_voice_free - stop,
 * close. */
kx_err kx_voice_new(const kx_ui_options *opt, kx_voice **out);
void kx_voice_free(kx_voice *v);
/* kx_voice_play - say the prompt of screen in lang (<dir>/<lang>/<screen>.wav)
 * instead of whatever was being said; nothing for a screen without a
 * prompt, when switched off or without an audio device. KX_ERR_NOT_FOUND
 * when the file is missing (logged). */
kx_err kx_voice_play(kx_voice *v, const char *lang, const char *screen);
/* kx_voice_cut - stop the prompt now (the user acted). NULL is fine. */
void kx_voice_cut(kx_voice *v);
/* kx_voice_text - the prompt's msgid of a screen id, NULL when none. */
const char *kx_voice_text(const char *screen);
/* kx_voice_print_texts - "screen<TAB>translated text" per prompt in the
 * current language (the build's generator reads it). */
void kx_voice_print_texts(FILE *fp);

/* ---- connection to kioskd ----------------------------------------------- */

typedef struct kx_ui_conn kx_ui_conn;

/* kx_ui_conn_new - a client for the socket at path; not yet connected. */
kx_err kx_ui_conn_new(const char *path, kx_ui_conn **out);
/* kx_ui_conn_free - close, wipe the buffers, free. NULL is fine. */
void kx_ui_conn_free(kx_ui_conn *c);
/*
 * kx_ui_conn_poll - never blocks: (re)connects at most once a second,
 * sends hello, flushes queued output, reads what arrived. When a state
 * message completed, *state_out receives it (caller frees) - the newest if
 * several arrived. Returns KX_OK, or KX_ERR_IO when the connection dropped
 * during this call (it will be retried).
 */
kx_err kx_ui_conn_poll(kx_ui_conn *c, Uint64 now_ms, kx_ui_state **state_out);
/* kx_ui_conn_ready - 1 when kioskd welcomed us. */
int kx_ui_conn_ready(const kx_ui_conn *c);
/*
 * kx_ui_conn_send - queue one message (without newline). The queue lives in
 * a kx_secbuf and is wiped as it drains: the caller may pass a PIN message
 * and must wipe its own copy. KX_ERR_STATE when not connected,
 * KX_ERR_TOO_LARGE when the queue is full.
 */
kx_err kx_ui_conn_send(kx_ui_conn *c, const char *msg, size_t len);
/*
 * kx_ui_conn_next_reply - the oldest `reply`, `ack` or numbered `error` message
 * kioskd sent (a json_t the caller decrefs), or NULL. Up to 8 are kept;
 * they are dropped with the connection.
 */
void *kx_ui_conn_next_reply(kx_ui_conn *c);

/* ---- screens ------------------------------------------------------------ */

/* Layout regions of the current orientation (logical pixels). */
typedef struct kx_layout {
    SDL_Rect header, steps, title, content, footer;
    SDL_Rect art, side; /* content split: illustration and text/controls */
} kx_layout;

typedef void (*kx_screen_fn)(kx_ui *ui, const kx_ui_state *st, const kx_layout *L);

/* kx_screen_for - the draw function of a screen (generic for unknown). */
kx_screen_fn kx_screen_for(kx_screen s);
/* kx_screen_unavailable - kioskd cannot be reached. */
void kx_screen_unavailable(kx_ui *ui, const kx_layout *L);
/* kx_screen_form_review (form_review.c) - the application form for review. */
void kx_screen_form_review(kx_ui *ui, const kx_ui_state *st, const kx_layout *L);
/* kx_home_hall_strip (halls.c) - at the bottom of area on the home screen:
 * the hall this kiosk stands in and "Other service halls"; returns the
 * height used (0 when the state names no hall). kx_home_halls_list - the
 * other halls in r instead of the service tiles when the customer opened
 * the list: 1 when drawn, 0 when the tiles are shown. */
int kx_home_hall_strip(kx_ui *ui, const kx_ui_state *st, SDL_Rect area);
int kx_home_halls_list(kx_ui *ui, const kx_ui_state *st, SDL_Rect r);
/* kx_home_halls_shown - 1 while that list is open. */
int kx_home_halls_shown(const kx_ui *ui, const kx_ui_state *st);
/* kx_screen_body - the state's paragraphs in r at the body size, aligned
 * halign; returns what they cover. For screens drawn outside screens.c. */
SDL_Rect kx_screen_body(kx_ui *ui, const kx_ui_state *st, SDL_Rect r, int halign);
/* kx_screen_confirm_footer - the common footer (Back, Cancel as the state
 * accepts them) whose primary button, labelled label, sends confirm when
 * the state accepts it. For screens drawn outside screens.c. */
void kx_screen_confirm_footer(kx_ui *ui, const kx_ui_state *st, const kx_layout *L,
                              const char *label);

/* Service ids and their names (msgids) for the home screen and headers. */
typedef struct kx_ui_service {
    const char *id, *name, *hint, *icon;
} kx_ui_service;
extern const kx_ui_service kx_ui_services[8];
/* kx_ui_service_name - translated name of a service id ("" for NULL). */
const char *kx_ui_service_name(const char *id);

/* ---- staff and maintenance screens (staff*.c) --------------------------- */

typedef struct kx_staff_ui kx_staff_ui;

/* kx_staff_ui_new - allocate ui->staff (KX_ERR_NO_MEMORY); _free wipes it. */
kx_err kx_staff_ui_new(kx_ui *ui);
void kx_staff_ui_free(kx_ui *ui);
/* kx_staff_ui_active - a staff or maintenance screen covers the customer's. */
int kx_staff_ui_active(const kx_ui *ui);
/* kx_staff_ui_screen_id - its id ("staff_login", "maint_menu"...), or NULL. */
const char *kx_staff_ui_screen_id(const kx_ui *ui);
/* kx_staff_ui_header - the hidden gesture on the logo (five taps in three
 * seconds open the staff login) and, in assisted mode, the header title as
 * the way to the staff menu. Called by the header every frame. */
void kx_staff_ui_header(kx_ui *ui, SDL_Rect logo, SDL_Rect title);
/* kx_staff_ui_draw - title, content and footer of the staff screen. */
void kx_staff_ui_draw(kx_ui *ui, const kx_layout *L);
/* kx_staff_ui_poll - collect kioskd's replies; close the staff screens
 * when assisted mode ended or kioskd went away. Once per loop turn; 1 when
 * something shown changed. */
int kx_staff_ui_poll(kx_ui *ui);
/* kx_staff_ui_text / _backspace - text from a keyboard attached for staff
 * (SDL text input, with the system's input method for Chinese names). */
void kx_staff_ui_text(kx_ui *ui, const char *utf8);
void kx_staff_ui_backspace(kx_ui *ui);
/* kx_staff_ui_canned (canned.c) - show staff screen `screen` (an id, optionally with a
 * "-variant" suffix) with result_json as the reply of its request, or none
 * (NULL). KX_ERR_NOT_FOUND for an unknown id. */
kx_err kx_staff_ui_canned(kx_ui *ui, const char *screen, const char *result_json);

/* ---- canned states (screenshots, bench) --------------------------------- */

typedef struct kx_canned {
    const char *name;  /* file name without .png */
    char *json;        /* the state line (owned by the list) */
    int overlay;       /* 0, or a KX_OVERLAY_* drawn over the state */
    int typed;         /* digits/characters already typed on entry screens */
    int ukey;          /* the session used a UKEY (done: take-UKEY reminder) */
    const char *staff; /* staff screen shown over the state, or NULL */
    char *reply;       /* canned result of that screen's request (owned) */
} kx_canned;

enum {
    KX_OVERLAY_NONE = 0,
    KX_OVERLAY_IDLE,
    KX_OVERLAY_CANCEL,
    KX_OVERLAY_REMINDER,
    KX_OVERLAY_UNAVAILABLE
};

/* kx_canned_build - every canned state for lang, with synthetic preview
 * images written under spool_dir (created; NULL: none written). Free with kx_canned_free(). */
kx_err kx_canned_build(const char *lang, const char *spool_dir, kx_canned **out, int *n_out);
void kx_canned_free(kx_canned *list, int n);
/* The keypad layouts screenshots show (the customer's and the staff
 * login's): fixed, so the goldens stay; a real keypad is shuffled. */
extern const int kx_canned_pin_order[10];
extern const int kx_canned_staff_pin_order[10];
/* kx_canned_write_previews - synthetic licence, ID card, seal sheet PNGs. */
kx_err kx_canned_write_previews(const char *dir);

/* ---- the application context ---------------------------------------------- */

#define KX_UI_MAX_WIDGETS 96
/* the contact screen's telephone field, with its NUL (domain/phone.h's
 * longest canonical number is 20 characters) */
#define KX_UI_PHONE_MAX 21

struct kx_ui {
    kx_ui_options opt;
    SDL_Window *win;
    SDL_Renderer *ren;
    int W, H, portrait;
    kx_fonts *fonts;
    kx_text_cache *tc;
    struct kx_art_cache *art;
    struct kx_img_cache *img;
    SDL_Texture *tex_round, *tex_disc, *tex_arc;

    Uint64 now_ms;
    Uint64 state_ms; /* when the current state arrived */
    kx_ui_state *st; /* current state (owned), NULL before the first */

    /* input: one press at a time (touch or mouse) */
    int down, down_x, down_y, up, up_x, up_y;
    int touch_seen;
    char pressed_id[48];
    struct {
        char id[48];
        SDL_Rect r;
    } widgets[KX_UI_MAX_WIDGETS];
    int n_widgets;
    const char *tap_id; /* tap script: activate this widget this frame */

    /* screen-local entry state; reset when the screen or session changes */
    kx_secbuf *pin1, *pin2;
    int pin_field; /* 0 first entry, 1 repeat */
    int pin_order[10];
    char phone[KX_UI_PHONE_MAX]; /* a mobile, or a landline "0791-82097407-8012" */
    char email[80];
    int contact_field; /* 0 phone, 1 e-mail */
    int choice_page;   /* page of a long list of choices, or of the agreement */
    int form_zoom;     /* form_review: 0 zoomed in (the first view), 1 whole page */
    int halls_open;    /* home: the list of the other halls is shown (halls.c) */
    int halls_page;    /* its page */
    int overlay;       /* KX_OVERLAY_* shown over the screen */
    Uint64 reminder_until;
    int session_had_ukey;
    int reminder_shown_on_screen; /* the current screen shows the reminder */
    int ukey_acknowledged;        /* the user confirmed the reminder on `done` */
    Uint64 idle_hidden_until;     /* idle warning answered; wait for kioskd */
    int animating;                /* the frame drew an animation: redraw soon */
    SDL_Texture *layer;           /* the frame without its animations (render target) */
    SDL_Texture *backing; /* software renderer: what animations cover (direct drawing) */
    int direct;           /* 1 full frames drawn straight onto the window, -1 not, 0 unknown */
    SDL_Surface
        *surface; /* direct: the window surface fills are written into (fill.c), or NULL */
    SDL_Surface *surface_probed; /* the window surface app_direct_surface looked at */
    Uint8 *tiles; /* direct: 32x32 tiles drawn on since the last clear (draw.c) */
    int tiles_w, tiles_h;
    Uint32 tiles_clear; /* the pixel the last clear wrote */
    int tiles_clear_valid;
    int frame_from_layer; /* the presented frame came from the layer */
    int deferring;        /* drawing into layer: spinners are recorded */
    struct {
        int cx, cy, r;
        SDL_Color c;
    } spin[4];
    int n_spin;
    int under_dialog;       /* drawing the screen under a dialog: no caret, no countdown */
    int dry;                /* warm-up: lay out and rasterise, draw nothing (app.c) */
    int large;              /* large text and high contrast (this session) */
    Uint64 last_touch_ms;   /* the last release of a touch */
    struct kx_canned *warm; /* the canned states the idle warm-up lays out */
    int n_warm, warm_at, n_warmed;
    int has_caret;  /* the frame drew a blinking caret */
    SDL_Rect caret; /* where (drawn over the layer, blinking) */
    struct {
        char s[160];
        int kind; /* KX_TICK_* */
        SDL_Rect box;
        kx_text_style st;
    } dtext; /* one ticking text (a countdown) */
    int has_dtext;
    int prewarmed;        /* illustrations rasterised ahead so far */
    unsigned seq;         /* message sequence numbers */
    char last_intent[32]; /* last intent sent (logs, tests) */
    Uint64 last_activity_sent;
    char entry_error[160]; /* local validation message (format only) */

    kx_staff_ui *staff; /* staff and maintenance screens */
    kx_voice *voice;    /* spoken prompts */
    int voice_muted;    /* the speaker in the header: off for this session */

    kx_ui_conn *conn;
    int offline; /* screenshot/bench: no kioskd */
    Uint64 disconnected_since;

    /* audit (screenshots): problems of the frame being drawn */
    int audit;
    int audit_errors;
    const char *audit_name;

    volatile int quit;
    struct kx_script *script;
    int script_result;
};

/* App services for screens (app.c). */
/* kx_ui_intent - send an intent without fields (no-op if not accepted). */
void kx_ui_intent(kx_ui *ui, kx_intent in);
/* kx_ui_intent_value - send an intent with one string field. */
void kx_ui_intent_value(kx_ui *ui, kx_intent in, const char *key, const char *value);
/* kx_ui_send_pin - send pin1 as `pin` (or pin1/pin2 as `new_pin`), then
 * wipe both buffers. */
void kx_ui_send_pin(kx_ui *ui, int is_new);
/* kx_ui_send_contact - send phone and e-mail. */
void kx_ui_send_contact(kx_ui *ui);
/* kx_ui_set_large - large text and high contrast on or off for the
 * session (screen-side: kioskd does not know; the session's end, and a
 * minute without a touch on the home screen, return to opt.large_text). */
void kx_ui_set_large(kx_ui *ui, int on);
/* kx_ui_set_lang - switch language now and tell kioskd. */
void kx_ui_set_lang(kx_ui *ui, const char *lang);
/* kx_ui_shuffle (shuffle.c) - Fisher-Yates over the ten digits of a PIN
 * keypad, every draw from getrandom(2). When the kernel gives no random
 * bytes: the ordered keypad, logged, and KX_ERR_IO. */
kx_err kx_ui_shuffle(int order[10]);
/* kx_ui_audit_fail - record one audit problem of the current frame. */
void kx_ui_audit_fail(kx_ui *ui, const char *what, const char *detail);
/* kx_ui_timeout_left - seconds left of the step (counting down locally
 * since the state arrived), -1 when the state has no timeout. */
int kx_ui_timeout_left(const kx_ui *ui);
/* kx_ui_payment_left - seconds until the payment code expires (0..). */
long kx_ui_payment_left(const kx_ui *ui);
/* kx_ui_tick_text - the text of a countdown of kind KX_TICK_* now. */
char *kx_ui_tick_text(const kx_ui *ui, int kind, char *out, size_t n);
/* kx_ui_layout_get - layout regions for the current orientation. */
kx_layout kx_ui_layout_get(const kx_ui *ui);
/* kx_ui_draw_frame - draw one whole frame of the current state. */
void kx_ui_draw_frame(kx_ui *ui);
/*
 * kx_ui_render - put a frame on the renderer's default target. full: draw
 * everything into the cached layer first; otherwise only the layer is
 * copied and the animations (spinners) drawn on top. Falls back to direct
 * drawing when the renderer has no render targets.
 */
void kx_ui_render(kx_ui *ui, int full);
/* kx_ui_session_reset - wipe every piece of session data the UI holds. */
void kx_ui_session_reset(kx_ui *ui);
/* kx_ui_clock_key - what the clocks and the caret show now; a whole frame
 * is drawn when it changes. */
long kx_ui_clock_key(const kx_ui *ui);
/* kx_ui_prewarm_step - step i of the idle warm-up (illustrations, then
 * every customer screen of the canned set laid out dry); 0 when done. */
int kx_ui_prewarm_step(kx_ui *ui, int i);

/* The harness (harness.c): tap scripts, screenshots, bench. */
/* kx_ui_script_step - run the tap script's commands until one has to
 * wait; once per loop turn, before the frame (no-op without a script). */
void kx_ui_script_step(kx_ui *ui);
/* kx_ui_script_shot_pending - a `shot NAME` waits for the next whole
 * frame; kx_ui_script_shot_save - save the frame just drawn for it. */
int kx_ui_script_shot_pending(const kx_ui *ui);
void kx_ui_script_shot_save(kx_ui *ui);
/* kx_ui_script_result - KX_OK without a script or when it passed,
 * KX_ERR_CHECK_FAILED when it failed. kx_ui_script_free - drop it. */
kx_err kx_ui_script_result(const kx_ui *ui);
void kx_ui_script_free(kx_ui *ui);
/* kx_ui_save_png - the renderer's current frame as a PNG at path. */
kx_err kx_ui_save_png(kx_ui *ui, const char *path);
/* kx_ui_record_text - note a text drawn on the current screen in
 * KX_UI_TEXT_LOG (once per screen, language and text; never from a dry
 * frame); kx_ui_record_state - a state line kioskd sent, in
 * KX_UI_STATE_LOG. No-ops when the variables are unset (a hall). */
void kx_ui_record_text(const kx_ui *ui, const char *s);
void kx_ui_record_state(const char *line, size_t len);
/* kx_ui_first_frame - print first_frame_ms once when KX_UI_T0_NS is set. */
void kx_ui_first_frame(void);

#endif
