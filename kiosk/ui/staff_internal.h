/* SPDX-License-Identifier: MIT */
/*
 * staff_internal.h - what the three files of the staff and maintenance
 * screens share (docs/ui-staff-screens.md): the screen and action enums,
 * the staff screens' state, the request/reply client (staff.c), the
 * drawing helpers and the draw function of every screen (assisted mode in
 * staff_assist.c, maintenance in staff_maint.c). Used by canned.c for the
 * screenshots' sample entries. UI thread only; nothing here is exported
 * outside kx_ui.
 */
#ifndef KX_UI_STAFF_INTERNAL_H
#define KX_UI_STAFF_INTERNAL_H

#include <jansson.h>
#include <sys/types.h>

#include "ui/ui_internal.h"

#ifndef KX_UI_VERSION
#define KX_UI_VERSION "0.1.0"
#endif

typedef enum kx_staff_screen {
    STAFF_NONE = 0,
    STAFF_LOGIN,
    STAFF_PANEL,
    STAFF_REASON,
    STAFF_MANUAL_ID,
    MAINT_MENU,
    MAINT_SELFTEST,
    MAINT_OPEN_TX,
    MAINT_SUMMARY,
    MAINT_LOGS,
    MAINT_CONFIG,
    MAINT_VERSION,
    MAINT_CONFIRM,
    STAFF_COUNTER,
    STAFF_REAUTH,
    STAFF_SCREEN_COUNT
} kx_staff_screen;

/* screen ids, for screenshots and tap scripts (`wait screen=staff_login`) */
extern const char *const kx_staff_ids[STAFF_SCREEN_COUNT];

/* what a reason or a confirmation is for */
typedef enum kx_staff_action {
    STAFF_ACT_NONE = 0,
    STAFF_ACT_REJECT,
    STAFF_ACT_OVERRIDE,
    STAFF_ACT_RESET,
    STAFF_ACT_MANUAL_ID,
    STAFF_ACT_REFUND,
    STAFF_ACT_COUNTER_PAID,
    STAFF_ACT_RESTART,
    STAFF_ACT_LEAVE,
} kx_staff_action;

#define KX_STAFF_ID_MAX 16

struct kx_staff_ui {
    kx_staff_screen screen;
    kx_staff_screen back; /* where reason/confirmation screens return */
    Uint64 input_ms;      /* last touch on a staff screen */
    int taps;             /* hidden gesture */
    Uint64 tap0;
    char id[KX_STAFF_ID_MAX + 1];
    kx_secbuf *pin;
    int field;     /* focused entry field of the screen */
    int order[10]; /* shuffled digits of the PIN keypad */
    char msg[256]; /* result or error of the last action */
    int msg_bad;
    unsigned seq; /* pending request or intent */
    char cmd[24];
    json_t *result; /* reply of the screen's request (masked by kioskd) */
    int page;
    kx_staff_action action; /* what the reason/confirmation screen is for */
    long tx;                /* transaction of a refund */
    int preset;             /* chosen reason preset, -1 none */
    char other[201];        /* a reason typed on a keyboard */
    char session[64];       /* customer session the action is about */
    char name[64];          /* manual ID entry (wiped on close) */
    char idnum[19];
    char valid[11];
    int long_term;
    int by_token;     /* login: with a staff UKEY instead of a number */
    int card;         /* counter payment: 0 cash, 1 card */
    char receipt[65]; /* counter payment: the counter's receipt number */
    pid_t child;      /* restart/leave command */
    char reason[201]; /* the reason of an action waiting for the PIN again */
};

/* ---- state and the request/reply client (staff.c) ---- */

/* kx_staff_wipe - forget everything typed and every reply. */
void kx_staff_wipe(kx_staff_ui *s);
/* kx_staff_shuffle - a new order of the staff PIN keypad. */
void kx_staff_shuffle(kx_ui *ui);
/* kx_staff_go - show screen `to` (STAFF_NONE closes); opening the login,
 * the panel or the menu (or closing) wipes what was typed. */
void kx_staff_go(kx_ui *ui, kx_staff_screen to);
/* kx_staff_logged_in / kx_staff_admin - assisted mode is open (by an admin). */
int kx_staff_logged_in(const kx_ui *ui);
int kx_staff_admin(const kx_ui *ui);
/* kx_staff_str / kx_staff_int - a field of a reply ("" / 0 when absent). */
const char *kx_staff_str(json_t *o, const char *k);
long kx_staff_int(json_t *o, const char *k);
/* kx_staff_set_msg - the result or error line of the screen. */
void kx_staff_set_msg(kx_staff_ui *s, int bad, const char *text);
/* kx_staff_request - send request cmd with fields (owned; NULL none) and
 * wait for its reply; kx_staff_intent - a staff intent with a reason. */
void kx_staff_request(kx_ui *ui, const char *cmd, json_t *fields);
void kx_staff_intent(kx_ui *ui, const char *intent, const char *reason);
/* kx_staff_send_login - staff_login from a wiped buffer; the PIN is then
 * wiped and the keypad shuffled again. */
void kx_staff_send_login(kx_ui *ui);
/* kx_staff_request_pin - kx_staff_request with the member's PIN (s->pin)
 * added as `pin`, formatted inside a wiped buffer; the PIN is then wiped
 * and the keypad shuffled again (manual_id, counter_paid, refund). */
void kx_staff_request_pin(kx_ui *ui, const char *cmd, json_t *fields);

/* ---- drawing helpers (staff.c) ---- */

void kx_staff_title(kx_ui *ui, const kx_layout *L, const char *text);
/* kx_staff_message - the message line in r, if there is one. */
void kx_staff_message(kx_ui *ui, SDL_Rect r);
/* kx_staff_pending - a spinner while the screen's request runs; 1 when shown. */
int kx_staff_pending(kx_ui *ui, SDL_Rect r, const char *what);
/* kx_staff_footer - Back (to back_to) on the left, an optional primary on
 * the right; 1 when the primary was tapped. */
int kx_staff_footer(kx_ui *ui, const kx_layout *L, const char *back_label,
                    kx_staff_screen back_to, const char *primary, int enabled);
/* kx_staff_lines - lines of small text from index first, as many as fit;
 * returns how many were drawn. */
int kx_staff_lines(kx_ui *ui, SDL_Rect r, const char *const *lines, int n, int first);
/* kx_staff_regions - entry fields and a keypad: stacked in portrait
 * (fields top_h high, inset by side), side by side in landscape
 * (fields_pct % of the width on the left). */
void kx_staff_regions(const kx_ui *ui, const kx_layout *L, int top_h, int side, int fields_pct,
                      SDL_Rect *fields, SDL_Rect *pad);

/* ---- assisted-mode screens (staff_assist.c) ---- */

void kx_staff_draw_login(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_panel(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_reason(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_manual_id(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_counter(kx_ui *ui, const kx_layout *L);
/* the member's PIN again before manual_id, counter_paid and refund */
void kx_staff_draw_reauth(kx_ui *ui, const kx_layout *L);
/* kx_staff_ask_reason - open the reason screen for action a (back: where
 * Back returns). */
void kx_staff_ask_reason(kx_ui *ui, kx_staff_action a, kx_staff_screen back);

/* ---- maintenance screens (staff_maint.c) ---- */

void kx_staff_draw_menu(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_confirm(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_selftest(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_open_tx(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_summary(kx_ui *ui, const kx_layout *L);
void kx_staff_draw_version(kx_ui *ui, const kx_layout *L);
/* kx_staff_draw_paged - logs and configuration: lines with Previous/Next. */
void kx_staff_draw_paged(kx_ui *ui, const kx_layout *L, const char *title);
/* kx_staff_maintenance_go - kioskd recorded a restart or leave: run its
 * command. */
void kx_staff_maintenance_go(kx_ui *ui, json_t *result);

#endif
