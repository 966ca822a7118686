/* SPDX-License-Identifier: MIT */
/*
 * staff.c - assisted mode and the maintenance menu on the kiosk's own
 * screen (docs/ui-staff-screens.md, docs/protocol.md "Staff and
 * maintenance").
 *
 * These screens are local to the front end: kioskd does not publish them.
 * They are reached by a hidden gesture (five taps on the logo within three
 * seconds), cover the customer's screen while open, and talk to kioskd
 * with numbered `request` messages whose replies come back through
 * kx_ui_conn_next_reply(). kioskd decides everything: who may log in, the
 * lockout, which actions a member may take, and it records each one. The
 * UI only shows what the current screen allows and asks for a reason.
 *
 * Privacy: the staff PIN lives in a kx_secbuf and is sent from a wiped
 * buffer; the ID data typed by hand is wiped when the screen closes; the
 * maintenance replies (already masked by kioskd) are dropped on close.
 *
 * Map: state - requests - replies - the header hook - the screens (login,
 * panel, reason, manual ID, menu, self-tests, open transactions, summary,
 * logs/config, version, confirmation) - canned states for screenshots.
 */
#include <errno.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "ui/ui_internal.h"

extern char **environ;

#ifndef KX_UI_VERSION
#define KX_UI_VERSION "0.1.0"
#endif

typedef enum ss_screen {
    SS_NONE = 0,
    SS_LOGIN,
    SS_PANEL,
    SS_REASON,
    SS_MANUAL_ID,
    SS_MENU,
    SS_SELFTEST,
    SS_OPEN_TX,
    SS_SUMMARY,
    SS_LOGS,
    SS_CONFIG,
    SS_VERSION,
    SS_CONFIRM,
    SS_COUNTER,
    SS_COUNT
} ss_screen;

/* screen ids, for screenshots and tap scripts (`wait screen=staff_login`) */
static const char *const ss_ids[SS_COUNT] = {
    [SS_NONE] = "",
    [SS_LOGIN] = "staff_login",
    [SS_PANEL] = "staff_panel",
    [SS_REASON] = "staff_reason",
    [SS_MANUAL_ID] = "staff_manual_id",
    [SS_MENU] = "maint_menu",
    [SS_SELFTEST] = "maint_selftest",
    [SS_OPEN_TX] = "maint_open_tx",
    [SS_SUMMARY] = "maint_summary",
    [SS_LOGS] = "maint_logs",
    [SS_CONFIG] = "maint_config",
    [SS_VERSION] = "maint_version",
    [SS_CONFIRM] = "maint_confirm",
    [SS_COUNTER] = "staff_counter_paid",
};

/* what a reason or a confirmation is for */
typedef enum ss_action {
    ACT_NONE = 0,
    ACT_REJECT,
    ACT_OVERRIDE,
    ACT_RESET,
    ACT_MANUAL_ID,
    ACT_REFUND,
    ACT_COUNTER_PAID,
    ACT_RESTART,
    ACT_LEAVE,
} ss_action;

#define SS_LOGIN_IDLE_MS 60000u
#define SS_GESTURE_TAPS 5
#define SS_GESTURE_MS 3000u
#define SS_ID_MAX 16

struct kx_staff_ui {
    ss_screen screen;
    ss_screen back;  /* where reason/confirmation screens return */
    Uint64 input_ms; /* last touch on a staff screen */
    int taps;        /* hidden gesture */
    Uint64 tap0;
    char id[SS_ID_MAX + 1];
    kx_secbuf *pin;
    int field;     /* focused entry field of the screen */
    int order[10]; /* shuffled digits of the PIN keypad */
    char msg[256]; /* result or error of the last action */
    int msg_bad;
    unsigned seq; /* pending request or intent */
    char cmd[24];
    json_t *result; /* reply of the screen's request (masked by kioskd) */
    int page;
    ss_action action; /* what the reason/confirmation screen is for */
    long tx;          /* transaction of a refund */
    int preset;       /* chosen reason preset, -1 none */
    char other[201];  /* a reason typed on a keyboard */
    char session[64]; /* customer session the action is about */
    char name[64];    /* manual ID entry (wiped on close) */
    char idnum[19];
    char valid[11];
    int long_term;
    int by_token;     /* login: with a staff UKEY instead of a number */
    int card;         /* counter payment: 0 cash, 1 card */
    char receipt[65]; /* counter payment: the counter's receipt number */
    pid_t child;      /* restart/leave command */
};

/* ---- state ---- */

kx_err kx_staff_ui_new(kx_ui *ui)
{
    kx_staff_ui *s = calloc(1, sizeof *s);
    if (!s)
        return KX_ERR_NO_MEMORY;
    if (kx_secbuf_new(KX_PIN_MAX, &s->pin) != KX_OK) {
        free(s);
        return KX_ERR_NO_MEMORY;
    }
    s->preset = -1;
    ui->staff = s;
    return KX_OK;
}

/* ss_wipe - forget everything typed and every reply. */
static void ss_wipe(kx_staff_ui *s)
{
    kx_secbuf_clear(s->pin);
    kx_wipe(s->id, sizeof s->id);
    kx_wipe(s->name, sizeof s->name);
    kx_wipe(s->idnum, sizeof s->idnum);
    kx_wipe(s->valid, sizeof s->valid);
    kx_wipe(s->other, sizeof s->other);
    kx_wipe(s->receipt, sizeof s->receipt);
    s->long_term = 0;
    s->by_token = 0;
    s->card = 0;
    s->preset = -1;
    s->field = 0;
    s->page = 0;
    s->msg[0] = '\0';
    json_decref(s->result);
    s->result = NULL;
}

void kx_staff_ui_free(kx_ui *ui)
{
    if (!ui || !ui->staff)
        return;
    ss_wipe(ui->staff);
    kx_secbuf_free(ui->staff->pin);
    free(ui->staff);
    ui->staff = NULL;
}

static void ss_shuffle(kx_ui *ui)
{
    kx_ui_shuffle(ui, ui->staff->order);
}

static void ss_go(kx_ui *ui, ss_screen to)
{
    kx_staff_ui *s = ui->staff;
    if (to == SS_NONE || to == SS_LOGIN || to == SS_MENU || to == SS_PANEL)
        ss_wipe(s);
    if (to == SS_LOGIN)
        ss_shuffle(ui);
    s->screen = to;
    s->input_ms = ui->now_ms;
    s->seq = 0;
    s->cmd[0] = '\0';
}

int kx_staff_ui_active(const kx_ui *ui)
{
    return ui->staff && ui->staff->screen != SS_NONE;
}

const char *kx_staff_ui_screen_id(const kx_ui *ui)
{
    return kx_staff_ui_active(ui) ? ss_ids[ui->staff->screen] : NULL;
}

static int ss_logged_in(const kx_ui *ui)
{
    return ui->st && ui->st->staff.present;
}

static int ss_admin(const kx_ui *ui)
{
    return ss_logged_in(ui) && ui->st->staff.role && strcmp(ui->st->staff.role, "admin") == 0;
}

/* ---- requests ---- */

static const char *ss_str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static long ss_int(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_real(v) ? (long)json_real_value(v) : (long)json_integer_value(v);
}

static void ss_set_msg(kx_staff_ui *s, int bad, const char *text)
{
    kx_strlcpy(s->msg, text, sizeof s->msg);
    s->msg_bad = bad;
}

/* ss_send - send msg (type and seq added) and remember it as pending. */
static void ss_send(kx_ui *ui, json_t *msg, const char *type, const char *cmd)
{
    kx_staff_ui *s = ui->staff;
    char *line;
    json_object_set_new(msg, "v", json_integer(KX_PROTO_VERSION));
    json_object_set_new(msg, "type", json_string(type));
    json_object_set_new(msg, "seq", json_integer(++ui->seq));
    line = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!line)
        return;
    if (!ui->conn || kx_ui_conn_send(ui->conn, line, strlen(line)) != KX_OK) {
        ss_set_msg(s, 1, kx_tr("The kiosk service cannot be reached."));
    } else {
        s->seq = ui->seq;
        kx_strlcpy(s->cmd, cmd, sizeof s->cmd);
        kx_log_info("ui.staff_request", "cmd=%s seq=%u", cmd, ui->seq);
    }
    kx_wipe(line, strlen(line));
    free(line);
}

static void ss_request(kx_ui *ui, const char *cmd, json_t *fields)
{
    json_t *msg = fields ? fields : json_object();
    json_object_set_new(msg, "cmd", json_string(cmd));
    ss_send(ui, msg, "request", cmd);
}

static void ss_intent(kx_ui *ui, const char *intent, const char *reason)
{
    json_t *msg = json_pack("{s:s}", "intent", intent);
    if (reason && *reason)
        json_object_set_new(msg, "reason", json_string(reason));
    ss_send(ui, msg, "intent", intent);
}

static int ss_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > SS_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= 'a' && id[i] <= 'z') || id[i] == '-' || id[i] == '_'))
            return 0;
    return 1;
}

/* ss_send_login - staff_login from a wiped buffer; the PIN is then wiped.
 * The id and PIN are restricted to characters JSON needs no escape for. */
static void ss_send_login(kx_ui *ui)
{
    kx_staff_ui *s = ui->staff;
    kx_secbuf *msg = NULL;
    int n;
    if ((!s->by_token && !ss_id_ok(s->id)) || kx_secbuf_new(256, &msg) != KX_OK)
        goto out;
    if (s->by_token)
        n = snprintf((char *)msg->data, msg->cap + 1,
                     "{\"v\":1,\"type\":\"request\",\"seq\":%u,\"cmd\":\"staff_login_token\","
                     "\"pin\":\"%s\"}",
                     ui->seq + 1, kx_secbuf_str(s->pin));
    else
        n = snprintf((char *)msg->data, msg->cap + 1,
                     "{\"v\":1,\"type\":\"request\",\"seq\":%u,\"cmd\":\"staff_login\","
                     "\"staff_id\":\"%s\",\"pin\":\"%s\"}",
                     ui->seq + 1, s->id, kx_secbuf_str(s->pin));
    if (n > 0 && (size_t)n <= msg->cap) {
        if (ui->conn &&
            kx_ui_conn_send(ui->conn, (const char *)msg->data, (size_t)n) == KX_OK) {
            s->seq = ++ui->seq;
            kx_strlcpy(s->cmd, "staff_login", sizeof s->cmd);
            s->msg[0] = '\0';
        } else {
            ss_set_msg(s, 1, kx_tr("The kiosk service cannot be reached."));
        }
    }
out:
    kx_secbuf_free(msg);
    kx_secbuf_clear(s->pin);
    ss_shuffle(ui);
}

/* ---- replies ---- */

static void ss_login_reply(kx_ui *ui, json_t *r, int ok)
{
    kx_staff_ui *s = ui->staff;
    if (ok) {
        const char *role =
            json_string_value(json_object_get(json_object_get(r, "result"), "role"));
        kx_log_info("ui.staff_login", "staff=%s role=%s", s->id, role ? role : "?");
        ss_go(ui, role && strcmp(role, "admin") == 0 ? SS_MENU : SS_PANEL);
        return;
    }
    long code = (long)json_integer_value(json_object_get(r, "code"));
    const char *detail = json_string_value(json_object_get(r, "detail"));
    const char *p = detail ? strstr(detail, " for ") : NULL;
    char t[256], secs[16] = "?";
    if (code == KX_ERR_TOKEN_ABSENT) {
        ss_set_msg(s, 1, kx_tr("No staff UKEY was found. Insert it and try again."));
    } else if (code == KX_ERR_PIN_LOCKED && detail && strstr(detail, "UKEY's PIN")) {
        ss_set_msg(s, 1, kx_tr("The staff UKEY's PIN is locked. Unlock it at the counter."));
    } else if (code == KX_ERR_EXPIRED) {
        ss_set_msg(s, 1, kx_tr("The staff UKEY's certificate is not valid now."));
    } else if (code == KX_ERR_PIN_LOCKED) {
        long v = 0;
        if (p && sscanf(p, " for %ld s", &v) == 1)
            snprintf(secs, sizeof secs, "%ld", v);
        kx_ui_format(t, sizeof t, N_("Too many wrong PINs. Try again in {seconds} seconds."),
                     "seconds", secs, NULL, NULL);
        ss_set_msg(s, 1, t);
    } else {
        ss_set_msg(s, 1,
                   s->by_token ? kx_tr("Wrong PIN of the staff UKEY.")
                               : kx_tr("Wrong staff number or PIN."));
    }
}

/* ss_error_text - what to tell staff about a refused request. */
static const char *ss_error_text(const char *error, long code)
{
    if (error && strcmp(error, "busy") == 0)
        return kx_tr("A customer is being served. Try again when the kiosk is idle.");
    if (error && strcmp(error, "permission") == 0)
        return code == KX_ERR_PERMISSION ? kx_tr("You are not allowed to do this.")
                                         : kx_tr("Log in again.");
    if (error && strcmp(error, "state") == 0)
        return kx_tr("This cannot be done on the current screen.");
    if (error && strcmp(error, "bad_request") == 0)
        return kx_tr("The data was refused. Check what you entered.");
    return kx_tr("This could not be done. See the log.");
}

static void ss_maintenance_go(kx_ui *ui, json_t *result);

static void ss_reply(kx_ui *ui, json_t *r)
{
    kx_staff_ui *s = ui->staff;
    const char *type = json_string_value(json_object_get(r, "type"));
    int ok = type && (strcmp(type, "reply") == 0 || strcmp(type, "ack") == 0);
    s->seq = 0; /* answered; a handler below may send the next request */
    if (strncmp(s->cmd, "staff_login", 11) == 0) {
        ss_login_reply(ui, r, ok);
    } else if (!ok) {
        const char *e = json_string_value(json_object_get(r, "error"));
        long code = (long)json_integer_value(json_object_get(r, "code"));
        kx_log_warn("ui.staff_refused", "cmd=%s error=%s code=%ld", s->cmd, e ? e : "?", code);
        /* an intent is sent from the panel, which closes at once: reopen it */
        if (s->screen == SS_NONE)
            ss_go(ui, SS_PANEL);
        ss_set_msg(s, 1, ss_error_text(e, code));
    } else if (strcmp(s->cmd, "manual_id") == 0 || strcmp(s->cmd, "staff_logout") == 0 ||
               strcmp(s->cmd, "counter_paid") == 0) {
        ss_go(ui, SS_NONE);
    } else if (strcmp(s->cmd, "retry") == 0 || strcmp(s->cmd, "refund") == 0) {
        ss_go(ui, SS_OPEN_TX);
        ss_set_msg(s, 0, kx_tr("Done."));
        ss_request(ui, "journal", json_pack("{s:b}", "open", 1));
    } else if (strcmp(s->cmd, "maintenance") == 0) {
        ss_maintenance_go(ui, json_object_get(r, "result"));
    } else if (strcmp(type, "ack") != 0) {
        json_decref(s->result);
        s->result = json_incref(json_object_get(r, "result"));
    }
}

int kx_staff_ui_poll(kx_ui *ui)
{
    kx_staff_ui *s = ui->staff;
    json_t *r;
    int changed = 0;
    if (!s)
        return 0;
    ss_screen was = s->screen;
    while (ui->conn && (r = kx_ui_conn_next_reply(ui->conn)) != NULL) {
        json_int_t seq = json_integer_value(json_object_get(r, "seq"));
        if (s->seq && seq == (json_int_t)s->seq) {
            ss_reply(ui, r);
            changed = 1;
        }
        json_decref(r);
    }
    if (s->child > 0 && waitpid(s->child, NULL, WNOHANG) == s->child)
        s->child = 0;
    if (s->screen == SS_NONE)
        return changed || was != SS_NONE;
    if (!ui->st && !ui->offline) {
        /* without kioskd there is nobody to talk to */
        ss_go(ui, SS_NONE);
    } else if (s->screen == SS_LOGIN) {
        if (ui->now_ms - s->input_ms > SS_LOGIN_IDLE_MS)
            ss_go(ui, SS_NONE);
    } else if (!ss_logged_in(ui) && !ui->offline && !s->seq &&
               ui->now_ms - s->input_ms > 2000) {
        /* kioskd ended assisted mode (logout, idle, a login elsewhere) */
        ss_go(ui, SS_NONE);
    }
    return changed || was != s->screen;
}

/* ---- the header hook ---- */

void kx_staff_ui_header(kx_ui *ui, SDL_Rect logo, SDL_Rect title)
{
    kx_staff_ui *s = ui->staff;
    if (!s)
        return;
    if (ss_logged_in(ui)) {
        /* in assisted mode the header title opens the staff menu */
        if (kx_hit(ui, "staff_menu", title) && s->screen == SS_NONE)
            ss_go(ui, ss_admin(ui) && !ui->st->session ? SS_MENU : SS_PANEL);
        return;
    }
    if (kx_hit(ui, "staff_corner", logo) && s->screen == SS_NONE) {
        if (ui->now_ms - s->tap0 > SS_GESTURE_MS) {
            s->tap0 = ui->now_ms;
            s->taps = 0;
        }
        if (++s->taps >= SS_GESTURE_TAPS) {
            s->taps = 0;
            ss_go(ui, SS_LOGIN);
        }
    }
}

/* ---- drawing helpers ---- */

static void ss_title(kx_ui *ui, const kx_layout *L, const char *text)
{
    kx_text_style ts =
        kx_style(ui->portrait ? 56 : 50, KX_BOLD, KX_C_TEXT, KX_CENTER, KX_MIDDLE);
    ts.max_lines = 2;
    ts.min_size = 34;
    kx_text(ui, text, L->title, &ts);
}

static void ss_message(kx_ui *ui, SDL_Rect r)
{
    kx_staff_ui *s = ui->staff;
    if (!s->msg[0])
        return;
    kx_round(ui, r, 20, s->msg_bad ? KX_C_DANGER_LT : KX_C_OK_LT);
    kx_text_style ts =
        kx_style(30, KX_REGULAR, s->msg_bad ? KX_C_DANGER : KX_C_OK, KX_CENTER, KX_MIDDLE);
    kx_text(ui, s->msg, kx_inset(r, 16), &ts);
}

/* ss_pending - a spinner while the screen's request runs; 1 when shown. */
static int ss_pending(kx_ui *ui, SDL_Rect r, const char *what)
{
    kx_staff_ui *s = ui->staff;
    if (!s->seq)
        return 0;
    kx_spinner(ui, r.x + r.w / 2, r.y + 120, 60, KX_C_PRIMARY);
    ui->animating = 1;
    kx_text_style ts = kx_style(34, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui, what, kx_rect(r.x, r.y + 220, r.w, 80), &ts);
    return 1;
}

/* ss_footer - Back on the left, an optional primary on the right. */
static int ss_footer(kx_ui *ui, const kx_layout *L, const char *back_label, ss_screen back_to,
                     const char *primary, int enabled)
{
    SDL_Rect f = L->footer;
    int bw = ui->portrait ? 300 : 360, pw = ui->portrait ? 460 : 600;
    if (back_label &&
        kx_button(ui, "staff_back", kx_rect(f.x, f.y, bw, f.h), back_label, KX_BTN_SECONDARY))
        ss_go(ui, back_to);
    return primary &&
           kx_button_enabled(ui, "staff_primary", kx_rect(f.x + f.w - pw, f.y, pw, f.h),
                             primary, KX_BTN_PRIMARY, enabled);
}

/* ss_lines - lines of small text from index first, as many as fit; returns
 * how many were drawn. */
static int ss_lines(kx_ui *ui, SDL_Rect r, const char *const *lines, int n, int first)
{
    kx_text_style ts = kx_style(ui->portrait ? 24 : 22, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_TOP);
    int lh = ui->portrait ? 40 : 34, drawn = 0;
    ts.max_lines = 1;
    ts.min_size = ts.size;
    for (int i = first; i < n && (drawn + 1) * lh <= r.h; i++, drawn++) {
        /* one row per line: long lines are shortened with an ellipsis by
         * the caller, so the audit never sees text outside its box */
        kx_text(ui, lines[i], kx_rect(r.x, r.y + drawn * lh, r.w, lh), &ts);
    }
    return drawn;
}

/* ss_regions - entry fields and a keypad: stacked in portrait (fields
 * top_h high, inset by side), side by side in landscape (fields_pct % of
 * the width on the left). */
static void ss_regions(const kx_ui *ui, const kx_layout *L, int top_h, int side, int fields_pct,
                       SDL_Rect *fields, SDL_Rect *pad)
{
    SDL_Rect c = L->content;
    if (ui->portrait) {
        *fields = kx_rect(c.x + side, c.y, c.w - 2 * side, top_h);
        *pad = kx_rect(c.x + 120, c.y + top_h + 30, c.w - 240, c.h - top_h - 30);
    } else {
        *fields = kx_rect(c.x, c.y, c.w * fields_pct / 100, c.h);
        *pad = kx_rect(c.x + c.w * (fields_pct + 6) / 100, c.y, c.w * (94 - fields_pct) / 100,
                       c.h);
    }
}

/* ---- login ---- */

static void ss_login(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect fields, pad;
    static const int digits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    ss_title(ui, L, kx_tr("Staff login"));
    ss_regions(ui, L, 510, 90, 46, &fields, &pad);
    kx_text_style hs = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui,
            s->by_token ? kx_tr("Insert your staff UKEY and enter its PIN.")
                        : kx_tr("Enter your staff number and PIN."),
            kx_rect(fields.x, fields.y, fields.w, 50), &hs);
    if (s->by_token) {
        kx_art(ui, "ukey_insert", kx_rect(fields.x, fields.y + 60, fields.w, 160));
    } else if (kx_text_field(ui, "staff_id", kx_rect(fields.x, fields.y + 60, fields.w, 160),
                             kx_tr("Staff number"), s->id, "", s->field == 0)) {
        s->field = 0;
    }
    if (kx_masked_field(ui, "staff_pin", kx_rect(fields.x, fields.y + 240, fields.w, 160),
                        kx_tr("PIN"), s->pin->len, KX_PIN_MAX, s->field == 1))
        s->field = 1;
    ss_message(ui, kx_rect(fields.x, fields.y + 420, fields.w, 90));
    if (ss_pending(ui, pad, kx_tr("Please wait"))) {
        ss_footer(ui, L, kx_tr("Close"), SS_NONE, NULL, 0);
        return;
    }
    if (s->field == 0) {
        size_t n = strlen(s->id);
        int key = kx_keypad(ui, pad, digits, n > 0, kx_tr("Next"));
        if (key >= 0 && n < SS_ID_MAX) {
            s->id[n] = (char)('0' + key);
            s->id[n + 1] = '\0';
        } else if (key == KX_KEY_BACKSPACE && n > 0)
            s->id[n - 1] = '\0';
        else if (key == KX_KEY_OK)
            s->field = 1;
    } else {
        int key = kx_keypad(ui, pad, s->order, s->pin->len >= 4 && (s->id[0] || s->by_token),
                            kx_tr("Log in"));
        if (key >= 0 && s->pin->len < s->pin->cap)
            kx_secbuf_append(s->pin, (unsigned char)('0' + key));
        else if (key == KX_KEY_BACKSPACE && s->pin->len > 0) {
            s->pin->len--;
            s->pin->data[s->pin->len] = '\0';
        } else if (key == KX_KEY_OK)
            ss_send_login(ui);
    }
    if (ss_footer(ui, L, kx_tr("Close"), SS_NONE,
                  s->by_token ? kx_tr("Log in with a staff number")
                              : kx_tr("Log in with a staff UKEY"),
                  !s->seq)) {
        s->by_token = !s->by_token;
        s->field = s->by_token ? 1 : 0;
        kx_secbuf_clear(s->pin);
        s->msg[0] = '\0';
    }
}

/* ---- the panel: what the current customer screen allows ---- */

static int ss_screen_is(const kx_ui *ui, kx_screen scr)
{
    return ui->st && ui->st->screen == scr;
}

static int ss_idcard_step(const kx_ui *ui)
{
    const kx_ui_state *st = ui->st;
    return st &&
           (st->screen == KX_SCREEN_IDCARD_PLACE ||
            (st->screen == KX_SCREEN_ERROR && st->error.present &&
             st->error.code >= KX_ERR_CARD_ABSENT && st->error.code < KX_ERR_TOKEN_ABSENT));
}

static void ss_ask_reason(kx_ui *ui, ss_action a, ss_screen back)
{
    kx_staff_ui *s = ui->staff;
    s->screen = SS_REASON;
    s->back = back;
    s->action = a;
    s->preset = -1;
    s->other[0] = '\0';
    s->msg[0] = '\0';
    kx_strlcpy(s->session, ui->st && ui->st->session ? ui->st->session : "", sizeof s->session);
}

/* buttons laid out in a grid, in the order they are drawn */
typedef struct ss_grid {
    int x, y, w, h, gap, cols, i;
} ss_grid;

static int ss_grid_button(kx_ui *ui, ss_grid *g, const char *id, const char *label,
                          kx_button_kind kind)
{
    SDL_Rect r = kx_rect(g->x + (g->i % g->cols) * (g->w + g->gap),
                         g->y + (g->i / g->cols) * (g->h + g->gap), g->w, g->h);
    g->i++;
    return kx_button(ui, id, r, label, kind);
}

static void ss_panel(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    const kx_ui_state *st = ui->st;
    SDL_Rect c = L->content;
    char t[256];
    ss_title(ui, L,
             kx_ui_format(t, sizeof t, N_("Assisted mode: {name}"), "name",
                          st && st->staff.name ? st->staff.name : "", NULL, NULL));
    int y = c.y, bh = ui->portrait ? 130 : 100, gap = 22, cols = ui->portrait ? 1 : 2;
    int bw = (c.w - (cols - 1) * gap) / cols;
    if (st && st->staff.idle_left >= 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", st->staff.idle_left);
        kx_text_style ts = kx_style(28, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
        kx_text(ui,
                kx_ui_format(t, sizeof t,
                             N_("Assisted mode ends in {seconds} seconds without activity."),
                             "seconds", secs, NULL, NULL),
                kx_rect(c.x, y, c.w, 50), &ts);
    }
    y += 70;
    ss_message(ui, kx_rect(c.x, y, c.w, 90));
    if (s->msg[0])
        y += 110;
    ss_grid g = {c.x, y, bw, bh, gap, cols, 0};
#define SS_BUTTON(id, label, kind) ss_grid_button(ui, &g, id, label, kind)
    if (ss_screen_is(ui, KX_SCREEN_REVIEW_WAIT)) {
        if (SS_BUTTON("staff_approve", kx_tr("Approve the case"), KX_BTN_PRIMARY)) {
            ss_intent(ui, "staff_approve", NULL);
            s->screen = SS_NONE;
        }
        if (SS_BUTTON("staff_reject", kx_tr("Reject the case"), KX_BTN_SECONDARY))
            ss_ask_reason(ui, ACT_REJECT, SS_PANEL);
    }
    if (ss_screen_is(ui, KX_SCREEN_STAFF_NEEDED) &&
        SS_BUTTON("staff_override", kx_tr("Accept the credit code"), KX_BTN_PRIMARY))
        ss_ask_reason(ui, ACT_OVERRIDE, SS_PANEL);
    if (ss_screen_is(ui, KX_SCREEN_PAYMENT) && st->payment.present &&
        SS_BUTTON("staff_counter_paid", kx_tr("Record a payment taken at the counter"),
                  KX_BTN_PRIMARY)) {
        ss_go(ui, SS_COUNTER);
        kx_strlcpy(s->session, st->session ? st->session : "", sizeof s->session);
    }
    if (ss_idcard_step(ui) &&
        SS_BUTTON("staff_manual_id", kx_tr("Enter ID card data by hand"), KX_BTN_PRIMARY)) {
        ss_go(ui, SS_MANUAL_ID);
        kx_strlcpy(s->session, st->session ? st->session : "", sizeof s->session);
    }
    if (st && st->session &&
        SS_BUTTON("staff_reset", kx_tr("Abandon the session"), KX_BTN_DANGER))
        ss_ask_reason(ui, ACT_RESET, SS_PANEL);
    if (ss_admin(ui) && SS_BUTTON("staff_maint", kx_tr("Maintenance"), KX_BTN_SECONDARY))
        ss_go(ui, SS_MENU);
    if (SS_BUTTON("staff_logout", kx_tr("End assisted mode"), KX_BTN_SECONDARY))
        ss_request(ui, "staff_logout", NULL);
#undef SS_BUTTON
    ss_footer(ui, L, kx_tr("Close"), SS_NONE, NULL, 0);
}

/* ---- reason ---- */

static const char *const ss_presets[][3] = {
    [ACT_REJECT] = {N_("The documents do not match the company."),
                    N_("The agent could not prove their identity."), NULL},
    [ACT_OVERRIDE] = {N_("Credit code checked against the original licence."), NULL, NULL},
    [ACT_RESET] = {N_("The customer asked to stop."), N_("A device failed."), NULL},
    [ACT_MANUAL_ID] = {N_("The ID card reader failed; the card was checked by staff."), NULL,
                       NULL},
    [ACT_REFUND] = {N_("The customer did not receive the service."),
                    N_("The customer paid twice."), NULL},
    [ACT_COUNTER_PAID] = {N_("The customer has no payment app."),
                          N_("The payment code could not be scanned."),
                          N_("The company pays by card at the counter.")},
};

static void ss_do_action(kx_ui *ui, const char *reason)
{
    kx_staff_ui *s = ui->staff;
    switch (s->action) {
    case ACT_REJECT:
        ss_intent(ui, "staff_reject", reason);
        s->screen = SS_NONE;
        break;
    case ACT_OVERRIDE:
        ss_intent(ui, "staff_override", reason);
        s->screen = SS_NONE;
        break;
    case ACT_RESET:
        ss_intent(ui, "staff_reset", reason);
        s->screen = SS_NONE;
        break;
    case ACT_MANUAL_ID:
        ss_request(ui, "manual_id",
                   json_pack("{s:s, s:s, s:s, s:s}", "name", s->name, "id_number", s->idnum,
                             "valid_to", s->long_term ? "long_term" : s->valid, "reason",
                             reason));
        s->screen = SS_MANUAL_ID;
        break;
    case ACT_COUNTER_PAID:
        ss_request(ui, "counter_paid",
                   json_pack("{s:I, s:s, s:s, s:s}", "amount_fen",
                             (json_int_t)(ui->st && ui->st->fee.present ? ui->st->fee.fen : 0),
                             "receipt_no", s->receipt, "method", s->card ? "card" : "cash",
                             "reason", reason));
        s->screen = SS_COUNTER;
        break;
    case ACT_REFUND:
        ss_request(ui, "refund",
                   json_pack("{s:I, s:s}", "id", (json_int_t)s->tx, "reason", reason));
        s->screen = SS_OPEN_TX;
        break;
    default:
        break;
    }
}

static void ss_reason(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    ss_title(ui, L, kx_tr("Reason"));
    kx_text_style ts = kx_style(32, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
    kx_text(ui,
            kx_tr("Enter the reason for this action. It is recorded with your staff number."),
            kx_rect(c.x, c.y, c.w, 100), &ts);
    int y = c.y + 120, bh = ui->portrait ? 130 : 100;
    const char *const *p = s->action < (int)(sizeof ss_presets / sizeof ss_presets[0])
                               ? ss_presets[s->action]
                               : NULL;
    for (int i = 0; p && i < 3 && p[i]; i++) {
        char id[24];
        snprintf(id, sizeof id, "reason_%d", i);
        if (kx_button(ui, id, kx_rect(c.x, y, c.w, bh), kx_tr(p[i]),
                      s->preset == i ? KX_BTN_PRIMARY : KX_BTN_SECONDARY)) {
            s->preset = i;
            s->other[0] = '\0';
        }
        y += bh + 22;
    }
    /* a reason of one's own, from a keyboard attached for staff */
    if (kx_text_field(ui, "reason_other", kx_rect(c.x, y, c.w, 150), kx_tr("Other reason"),
                      s->other, kx_tr("Type on the staff keyboard"), s->preset < 0))
        s->preset = -1;
    ss_message(ui, kx_rect(c.x, y + 170, c.w, 90));
    const char *reason = s->preset >= 0 && p ? kx_tr(p[s->preset]) : s->other;
    int ok = strlen(reason) >= 3 && strlen(reason) <= 200;
    if (ss_footer(ui, L, kx_tr("Back"), s->back, kx_tr("Confirm"), ok && !s->seq)) {
        char r[201];
        kx_strlcpy(r, reason, sizeof r);
        ss_do_action(ui, r);
    }
}

void kx_staff_ui_text(kx_ui *ui, const char *utf8)
{
    kx_staff_ui *s = ui->staff;
    if (!s || !utf8)
        return;
    s->input_ms = ui->now_ms;
    if (s->screen == SS_REASON && s->preset < 0 && strlen(s->other) + strlen(utf8) < 200)
        kx_strlcat(s->other, utf8, sizeof s->other);
    else if (s->screen == SS_COUNTER) {
        /* receipt numbers: A-Z a-z 0-9 _ - . / # only */
        for (const char *p = utf8; *p; p++) {
            size_t n = strlen(s->receipt);
            int allowed = (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
                          (*p >= 'a' && *p <= 'z') || (*p && strchr("_-./#", *p));
            if (allowed && n + 1 < sizeof s->receipt) {
                s->receipt[n] = *p;
                s->receipt[n + 1] = '\0';
            }
        }
    } else if (s->screen == SS_MANUAL_ID && s->field == 0 &&
               strlen(s->name) + strlen(utf8) < sizeof s->name)
        kx_strlcat(s->name, utf8, sizeof s->name);
}

void kx_staff_ui_backspace(kx_ui *ui)
{
    kx_staff_ui *s = ui->staff;
    char *t = NULL;
    if (!s)
        return;
    if (s->screen == SS_REASON && s->preset < 0)
        t = s->other;
    else if (s->screen == SS_COUNTER)
        t = s->receipt;
    else if (s->screen == SS_MANUAL_ID && s->field == 0)
        t = s->name;
    if (!t || !*t)
        return;
    size_t n = strlen(t);
    /* remove one whole UTF-8 character */
    do
        n--;
    while (n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80);
    t[n] = '\0';
}

/* ---- manual ID entry ---- */

static void ss_manual_id(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect fields, pad;
    static const int digits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    ss_title(ui, L, kx_tr("Enter ID card data by hand"));
    ss_regions(ui, L, 610, 0, 48, &fields, &pad);
    int fh = 150, y = fields.y;
    if (kx_text_field(ui, "manual_name", kx_rect(fields.x, y, fields.w, fh), kx_tr("Name"),
                      s->name, kx_tr("Type on the staff keyboard"), s->field == 0))
        s->field = 0;
    y += fh + 16;
    if (kx_text_field(ui, "manual_idnum", kx_rect(fields.x, y, fields.w, fh),
                      kx_tr("ID number"), s->idnum, "", s->field == 1))
        s->field = 1;
    y += fh + 16;
    int vw = fields.w * 60 / 100;
    if (kx_text_field(ui, "manual_valid", kx_rect(fields.x, y, vw, fh), kx_tr("Valid until"),
                      s->long_term ? kx_tr("Long-term") : s->valid, "YYYY-MM-DD",
                      s->field == 2))
        s->field = 2;
    if (kx_button(ui, "manual_long_term",
                  kx_rect(fields.x + vw + 20, y + fh - 100, fields.w - vw - 20, 100),
                  kx_tr("Long-term"), s->long_term ? KX_BTN_PRIMARY : KX_BTN_SECONDARY)) {
        s->long_term = !s->long_term;
        s->valid[0] = '\0';
    }
    y += fh + 16;
    ss_message(ui, kx_rect(fields.x, y, fields.w, ui->portrait ? 90 : 80));
    if (ss_pending(ui, pad, kx_tr("Please wait"))) {
        ss_footer(ui, L, NULL, SS_PANEL, NULL, 0);
        return;
    }
    if (s->field == 1 || s->field == 2) {
        char *buf = s->field == 1 ? s->idnum : s->valid;
        size_t max = s->field == 1 ? 18 : 10, n = strlen(buf);
        SDL_Rect kp = pad;
        if (s->field == 1) {
            /* the check character may be X */
            kp.h -= 120;
            if (kx_button_enabled(ui, "key_X", kx_rect(pad.x, pad.y + pad.h - 100, pad.w, 100),
                                  "X", KX_BTN_KEY, n == 17))
                kx_strlcat(s->idnum, "X", sizeof s->idnum);
        }
        int key = kx_keypad(ui, kp, digits, n == max, kx_tr("Next"));
        if (key >= 0 && n < max && !(s->field == 2 && s->long_term)) {
            /* dates are typed as digits; the dashes come by themselves */
            if (s->field == 2 && (n == 4 || n == 7))
                buf[n++] = '-';
            buf[n] = (char)('0' + key);
            buf[n + 1] = '\0';
        } else if (key == KX_KEY_BACKSPACE && n > 0) {
            buf[--n] = '\0';
            if (s->field == 2 && n > 0 && buf[n - 1] == '-')
                buf[--n] = '\0';
        } else if (key == KX_KEY_OK)
            s->field = s->field == 1 ? 2 : 0;
    } else {
        kx_text_style ts = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_MIDDLE);
        kx_text(ui, kx_tr("Type the name on the staff keyboard, as printed on the card."), pad,
                &ts);
    }
    int ok = s->name[0] && strlen(s->idnum) == 18 && (s->long_term || strlen(s->valid) == 10);
    if (ss_footer(ui, L, kx_tr("Back"), SS_PANEL, kx_tr("Continue"), ok))
        ss_ask_reason(ui, ACT_MANUAL_ID, SS_MANUAL_ID);
}

/* ---- payment taken at the counter ---- */

static void ss_counter(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    const kx_ui_state *st = ui->st;
    SDL_Rect fields, pad;
    static const int digits[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    char amount[64];
    ss_title(ui, L, kx_tr("Record a payment taken at the counter"));
    ss_regions(ui, L, 610, 0, 48, &fields, &pad);
    /* the amount is the order's: the RA refuses any other */
    snprintf(amount, sizeof amount, "¥ %s",
             st && st->fee.present && st->fee.text ? st->fee.text : "-");
    int y = fields.y;
    kx_text_style ls = kx_style(30, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
    kx_text_style as = kx_style(56, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
    as.max_lines = 1;
    kx_text(ui, kx_tr("Amount to take"), kx_rect(fields.x, y, fields.w, 44), &ls);
    kx_text(ui, amount, kx_rect(fields.x, y + 44, fields.w, 80), &as);
    y += 140;
    int bw = (fields.w - 20) / 2;
    if (kx_button(ui, "method_cash", kx_rect(fields.x, y, bw, 100), kx_tr("Cash"),
                  s->card ? KX_BTN_SECONDARY : KX_BTN_PRIMARY))
        s->card = 0;
    if (kx_button(ui, "method_card", kx_rect(fields.x + bw + 20, y, bw, 100),
                  kx_tr("Bank card"), s->card ? KX_BTN_PRIMARY : KX_BTN_SECONDARY))
        s->card = 1;
    y += 120;
    kx_text_field(ui, "receipt_no", kx_rect(fields.x, y, fields.w, 150),
                  kx_tr("Receipt number"), s->receipt, "", 1);
    y += 166;
    ss_message(ui, kx_rect(fields.x, y, fields.w, ui->portrait ? 90 : 80));
    if (ss_pending(ui, pad, kx_tr("Please wait"))) {
        ss_footer(ui, L, NULL, SS_PANEL, NULL, 0);
        return;
    }
    size_t n = strlen(s->receipt);
    SDL_Rect kp = pad;
    kp.h -= 120;
    if (kx_button(ui, "key_dash", kx_rect(pad.x, pad.y + pad.h - 100, pad.w, 100), "-",
                  KX_BTN_KEY) &&
        n + 1 < sizeof s->receipt)
        kx_strlcat(s->receipt, "-", sizeof s->receipt);
    int key = kx_keypad(ui, kp, digits, n > 0, kx_tr("OK"));
    if (key >= 0 && n + 1 < sizeof s->receipt) {
        s->receipt[n] = (char)('0' + key);
        s->receipt[n + 1] = '\0';
    } else if (key == KX_KEY_BACKSPACE && n > 0)
        s->receipt[n - 1] = '\0';
    int ok = n > 0 && st && st->fee.present && st->fee.fen > 0;
    if (ss_footer(ui, L, kx_tr("Back"), SS_PANEL, kx_tr("Continue"), ok)) {
        ss_ask_reason(ui, ACT_COUNTER_PAID, SS_COUNTER);
    }
}

/* ---- the maintenance menu ---- */

static int ss_run_command(kx_ui *ui, const char *what, const char *cmd)
{
    kx_staff_ui *s = ui->staff;
    char sh[] = "/bin/sh", dash_c[] = "-c", line[256];
    char *argv[] = {sh, dash_c, line, NULL};
    pid_t pid;
    kx_strlcpy(line, cmd, sizeof line);
    kx_log_warn("ui.staff_action", "staff=%s action=%s command=\"%s\"",
                ui->st && ui->st->staff.id ? ui->st->staff.id : "-", what, cmd);
    if (ui->offline) /* screenshots and benchmarks never run commands */
        return 0;
    if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0) {
        ss_set_msg(s, 1, kx_tr("This could not be done. See the log."));
        return -1;
    }
    s->child = pid;
    return 0;
}

static void ss_menu(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    static const struct {
        const char *id, *label;
        ss_screen to;
        const char *cmd;
    } items[] = {
        {"maint_selftest", N_("Self-tests"), SS_SELFTEST, "selftest"},
        {"maint_open_tx", N_("Unfinished transactions"), SS_OPEN_TX, "journal"},
        {"maint_summary", N_("Today's summary"), SS_SUMMARY, "summary"},
        {"maint_logs", N_("Recent log"), SS_LOGS, "logs"},
        {"maint_config", N_("Configuration"), SS_CONFIG, "config"},
        {"maint_version", N_("Software version"), SS_VERSION, "version"},
        {"maint_restart", N_("Restart services"), SS_CONFIRM, NULL},
        {"maint_leave", N_("Leave kiosk mode"), SS_CONFIRM, NULL},
    };
    int n = (int)(sizeof items / sizeof items[0]);
    int cols = ui->portrait ? 2 : 4, gap = 28;
    int rows = (n + cols - 1) / cols;
    int bw = (c.w - (cols - 1) * gap) / cols;
    int top = c.y + 110, bh = (c.h - 110 - (rows - 1) * gap) / rows;
    if (bh > 240)
        bh = 240;
    ss_title(ui, L, kx_tr("Maintenance"));
    ss_message(ui, kx_rect(c.x, c.y, c.w, 90));
    for (int i = 0; i < n; i++) {
        SDL_Rect r =
            kx_rect(c.x + (i % cols) * (bw + gap), top + (i / cols) * (bh + gap), bw, bh);
        if (!kx_button(ui, items[i].id, r, kx_tr(items[i].label),
                       items[i].to == SS_CONFIRM ? KX_BTN_SECONDARY : KX_BTN_PRIMARY))
            continue;
        ss_go(ui, items[i].to);
        if (items[i].to == SS_CONFIRM) {
            s->action = strcmp(items[i].id, "maint_restart") == 0 ? ACT_RESTART : ACT_LEAVE;
            s->back = SS_MENU;
        } else if (items[i].to == SS_OPEN_TX) {
            ss_request(ui, "journal", json_pack("{s:b}", "open", 1));
        } else if (items[i].to == SS_LOGS) {
            ss_request(ui, "logs", json_pack("{s:i}", "lines", 200));
        } else {
            ss_request(ui, items[i].cmd, NULL);
        }
    }
    SDL_Rect f = L->footer;
    int bw2 = ui->portrait ? 440 : 520;
    if (kx_button(ui, "staff_logout", kx_rect(f.x, f.y, bw2, f.h), kx_tr("End assisted mode"),
                  KX_BTN_SECONDARY))
        ss_request(ui, "staff_logout", NULL);
    if (kx_button(ui, "staff_close", kx_rect(f.x + f.w - bw2, f.y, bw2, f.h),
                  kx_tr("Back to the customer screen"), KX_BTN_PRIMARY))
        ss_go(ui, SS_NONE);
}

static void ss_confirm(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    int restart = s->action == ACT_RESTART;
    ss_title(ui, L, restart ? kx_tr("Restart services?") : kx_tr("Leave kiosk mode?"));
    kx_text_style ts =
        kx_style(ui->portrait ? 38 : 34, KX_REGULAR, KX_C_TEXT, KX_CENTER, KX_TOP);
    kx_text(ui,
            restart ? kx_tr("The kiosk service and this screen restart. A customer being "
                            "served loses the current step; nothing paid is lost.")
                    : kx_tr("This screen closes and the kiosk stops serving customers until it "
                            "is started again or the machine restarts."),
            kx_rect(c.x + 40, c.y + 40, c.w - 80, 300), &ts);
    ss_message(ui, kx_rect(c.x, c.y + 380, c.w, 90));
    if (ss_footer(ui, L, kx_tr("Back"), SS_MENU,
                  restart ? kx_tr("Restart services") : kx_tr("Leave kiosk mode"), !s->seq)) {
        const char *cmd = restart ? ui->opt.restart_command : ui->opt.leave_command;
        if (!cmd[0])
            ss_set_msg(s, 1,
                       kx_tr("Not configured on this kiosk ([ui] in the configuration)."));
        else /* kioskd checks the admin and records it; the reply runs it */
            ss_request(ui, "maintenance",
                       json_pack("{s:s}", "action", restart ? "restart" : "leave_kiosk_mode"));
    }
}

/* ss_maintenance_go - kioskd recorded the action: run its command. */
static void ss_maintenance_go(kx_ui *ui, json_t *result)
{
    kx_staff_ui *s = ui->staff;
    int restart = strcmp(ss_str(result, "action"), "restart") == 0;
    const char *cmd = restart ? ui->opt.restart_command : ui->opt.leave_command;
    if (ss_run_command(ui, restart ? "restart" : "leave_kiosk_mode", cmd) == 0)
        ss_set_msg(s, 0, kx_tr("Done."));
}

/* ---- maintenance results ---- */

static void ss_yuan(char *out, size_t n, long fen)
{
    snprintf(out, n, "%s%ld.%02ld", fen < 0 ? "-" : "", labs(fen) / 100, labs(fen) % 100);
}

static void ss_selftest(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    json_t *tests = json_object_get(s->result, "tests");
    ss_title(ui, L, kx_tr("Self-tests"));
    ss_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (!ss_pending(ui, c, kx_tr("Running the self-tests…")) && json_is_array(tests)) {
        int n = (int)json_array_size(tests), cols = ui->portrait ? 1 : 2, gap = 20;
        int rows = n ? (n + cols - 1) / cols : 1;
        int rh = (c.h - (rows - 1) * gap) / rows, rw = (c.w - (cols - 1) * gap) / cols;
        if (rh > 290)
            rh = 290;
        for (int i = 0; i < n; i++) {
            json_t *t = json_array_get(tests, (size_t)i), *d = json_object_get(t, "detail");
            int ok = json_is_true(json_object_get(t, "ok"));
            SDL_Rect r =
                kx_rect(c.x + (i % cols) * (rw + gap), c.y + (i / cols) * (rh + gap), rw, rh);
            char line[320] = "", a[64];
            kx_card(ui, r);
            SDL_Rect in = kx_inset(r, 24);
            kx_text_style ns = kx_style(34, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
            kx_text_style vs =
                kx_style(34, KX_BOLD, ok ? KX_C_OK : KX_C_DANGER, KX_RIGHT, KX_TOP);
            kx_text_style ds = kx_style(26, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
            ns.max_lines = vs.max_lines = 1;
            kx_text(ui, kx_tr(ss_str(t, "msgid")), kx_rect(in.x, in.y, in.w * 2 / 3, 50), &ns);
            kx_text(ui, ok ? kx_tr("Passed") : kx_tr("Failed"),
                    kx_rect(in.x + in.w * 2 / 3, in.y, in.w / 3, 50), &vs);
            const char *dev = ss_str(t, "device");
            int tw = in.w;
            if (strcmp(dev, "scanner") == 0 && ok &&
                json_string_value(json_object_get(d, "preview"))) {
                SDL_Rect img = kx_rect(in.x + in.w - (in.h - 60) * 3 / 2, in.y + 60,
                                       (in.h - 60) * 3 / 2, in.h - 60);
                kx_image(ui, img, ss_str(d, "preview"));
                tw = in.w - img.w - 20;
                snprintf(line, sizeof line, "%s: %ld × %ld", kx_tr("Test scan"),
                         ss_int(d, "width"), ss_int(d, "height"));
            } else if (strcmp(dev, "idcard") == 0 && ok) {
                snprintf(line, sizeof line, "%s: %s", kx_tr("SAM status"), ss_str(d, "sam"));
            } else if (strcmp(dev, "token") == 0 && ok) {
                snprintf(a, sizeof a, "%ld", ss_int(d, "tokens"));
                kx_ui_format(line, sizeof line, N_("UKEYs present: {count}"), "count", a, NULL,
                             NULL);
            } else if (strcmp(dev, "ra") == 0 && ok) {
                char p1[96], p2[96], p3[96], ms[16], d1[16], d2[16];
                snprintf(ms, sizeof ms, "%ld", ss_int(d, "rtt_ms"));
                snprintf(d1, sizeof d1, "%ld", ss_int(d, "server_cert_days"));
                snprintf(d2, sizeof d2, "%ld", ss_int(d, "client_cert_days"));
                kx_ui_format(p1, sizeof p1, N_("Round trip {ms} ms"), "ms", ms, NULL, NULL);
                kx_ui_format(p2, sizeof p2, N_("Server certificate valid for {days} more days"),
                             "days", d1, NULL, NULL);
                kx_ui_format(p3, sizeof p3, N_("Kiosk certificate valid for {days} more days"),
                             "days", d2, NULL, NULL);
                snprintf(line, sizeof line, "%s\n%s\n%s", p1, p2, p3);
            } else if (!ok) {
                kx_strlcpy(line, kx_tr(ss_str(t, "error_msgid")), sizeof line);
            }
            kx_text(ui, line, kx_rect(in.x, in.y + 60, tw, in.h - 60), &ds);
        }
    }
    if (ss_footer(ui, L, kx_tr("Back"), SS_MENU, kx_tr("Run the self-tests"), !s->seq)) {
        json_decref(s->result);
        s->result = NULL;
        s->msg[0] = '\0';
        ss_request(ui, "selftest", NULL);
    }
}

static void ss_open_tx(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    json_t *txs = json_object_get(s->result, "transactions");
    ss_title(ui, L, kx_tr("Unfinished transactions"));
    ss_message(ui, kx_rect(c.x, c.y, c.w, 90));
    int top = c.y + (s->msg[0] ? 110 : 0);
    if (!ss_pending(ui, c, kx_tr("Please wait")) && json_is_array(txs)) {
        int n = (int)json_array_size(txs), rh = ui->portrait ? 170 : 130, gap = 16;
        int fit = (c.y + c.h - top) / (rh + gap);
        if (n == 0) {
            kx_text_style ts = kx_style(36, KX_REGULAR, KX_C_MUTED, KX_CENTER, KX_TOP);
            kx_text(ui, kx_tr("No unfinished transactions."), kx_rect(c.x, top + 40, c.w, 80),
                    &ts);
        }
        for (int i = 0; i < n && i < fit; i++) {
            json_t *t = json_array_get(txs, (size_t)i);
            SDL_Rect r = kx_rect(c.x, top + i * (rh + gap), c.w, rh);
            char l1[200], l2[200], amount[32], id[32];
            long txid = ss_int(t, "id");
            int bw = ui->portrait ? 200 : 240;
            kx_card(ui, r);
            SDL_Rect in = kx_inset(r, 20);
            ss_yuan(amount, sizeof amount, ss_int(t, "amount_fen"));
            snprintf(l1, sizeof l1, "#%ld  %s  %s  %s", txid,
                     kx_ui_service_name(ss_str(t, "service")), ss_str(t, "kind"),
                     ss_str(t, "status"));
            snprintf(l2, sizeof l2, "%s  ¥%s  %s", ss_str(t, "created"), amount,
                     ss_str(t, "error"));
            kx_text_style a = kx_style(28, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
            kx_text_style b = kx_style(24, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
            a.max_lines = b.max_lines = 1;
            int tw = in.w - 2 * bw - 40;
            kx_text(ui, l1, kx_rect(in.x, in.y, tw, in.h / 2), &a);
            kx_text(ui, l2, kx_rect(in.x, in.y + in.h / 2, tw, in.h / 2), &b);
            snprintf(id, sizeof id, "finish_%d", i);
            if (kx_button(ui, id, kx_rect(in.x + in.w - 2 * bw - 20, in.y, bw, in.h),
                          kx_tr("Finish"), KX_BTN_SECONDARY))
                ss_request(ui, "retry", json_pack("{s:I}", "id", (json_int_t)txid));
            snprintf(id, sizeof id, "refund_%d", i);
            if (strcmp(ss_str(t, "kind"), "payment") == 0 &&
                kx_button(ui, id, kx_rect(in.x + in.w - bw, in.y, bw, in.h), kx_tr("Refund"),
                          KX_BTN_DANGER)) {
                s->tx = txid;
                ss_ask_reason(ui, ACT_REFUND, SS_OPEN_TX);
            }
        }
    }
    ss_footer(ui, L, kx_tr("Back"), SS_MENU, NULL, 0);
}

/* ss_outcome_name - the journal's session outcomes, for people */
static const char *ss_outcome_name(const char *o)
{
    static const char *const names[][2] = {
        {"done", N_("Completed")},
        {"cancelled", N_("Cancelled")},
        {"abandoned", N_("Abandoned")},
        {"open", N_("Unfinished")},
        {"recovered", N_("Recovered after a restart")},
        {"recovered_installed", N_("Recovered after a restart")},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(o, names[i][0]) == 0)
            return kx_tr(names[i][1]);
    return o;
}

static void ss_summary(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    json_t *r = s->result, *by = json_object_get(r, "sessions");
    ss_title(ui, L, kx_tr("Today's summary"));
    ss_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (!ss_pending(ui, c, kx_tr("Please wait")) && json_is_object(r)) {
        char t[256], y1[32], y2[32], cnt[16];
        int y = c.y;
        kx_text_style hs = kx_style(34, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
        kx_text_style rs = kx_style(30, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_TOP);
        hs.max_lines = rs.max_lines = 1;
        kx_text(ui, ss_str(r, "date"), kx_rect(c.x, y, c.w, 50), &hs);
        y += 60;
        ss_yuan(y1, sizeof y1, ss_int(r, "taken_fen"));
        ss_yuan(y2, sizeof y2, ss_int(r, "refunded_fen"));
        kx_text(ui,
                kx_ui_format(t, sizeof t, N_("Amount taken: {amount} yuan"), "amount", y1, NULL,
                             NULL),
                kx_rect(c.x, y, c.w, 46), &rs);
        y += 50;
        kx_text(ui,
                kx_ui_format(t, sizeof t, N_("Amount refunded: {amount} yuan"), "amount", y2,
                             NULL, NULL),
                kx_rect(c.x, y, c.w, 46), &rs);
        y += 60;
        int rec = json_is_true(json_object_get(r, "reconciled"));
        snprintf(cnt, sizeof cnt, "%ld", ss_int(r, "mismatches"));
        kx_round(ui, kx_rect(c.x, y, c.w, 80), 20, rec ? KX_C_OK_LT : KX_C_WARN_LT);
        kx_text_style ms =
            kx_style(30, KX_BOLD, rec ? KX_C_OK : KX_C_WARN, KX_CENTER, KX_MIDDLE);
        kx_text(
            ui,
            rec ? kx_tr("Matches the CA's records.")
                : kx_ui_format(t, sizeof t,
                               N_("Does not match the CA's records: {count} orders differ."),
                               "count", cnt, NULL, NULL),
            kx_rect(c.x + 16, y, c.w - 32, 80), &ms);
        y += 110;
        kx_text(ui, kx_tr("Transactions by service and outcome"), kx_rect(c.x, y, c.w, 50),
                &hs);
        y += 60;
        for (size_t i = 0; json_is_array(by) && i < json_array_size(by) && y + 44 <= c.y + c.h;
             i++) {
            json_t *e = json_array_get(by, i);
            snprintf(t, sizeof t, "%s", kx_ui_service_name(ss_str(e, "service")));
            kx_text(ui, t, kx_rect(c.x, y, c.w / 2, 44), &rs);
            snprintf(t, sizeof t, "%s  %ld", ss_outcome_name(ss_str(e, "outcome")),
                     ss_int(e, "count"));
            kx_text(ui, t, kx_rect(c.x + c.w / 2, y, c.w / 2, 44), &rs);
            y += 46;
        }
    }
    ss_footer(ui, L, kx_tr("Back"), SS_MENU, NULL, 0);
}

/* ss_paged - logs and configuration: lines of text with Previous/Next. */
static void ss_paged(kx_ui *ui, const kx_layout *L, const char *title)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    const char *lines[400];
    char store[400][112];
    int n = 0;
    ss_title(ui, L, title);
    ss_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (ss_pending(ui, c, kx_tr("Please wait"))) {
        ss_footer(ui, L, kx_tr("Back"), SS_MENU, NULL, 0);
        return;
    }
    json_t *arr = json_object_get(s->result, "lines"),
           *cfg = json_object_get(s->result, "config");
    int per_line = ui->portrait ? 70 : 120; /* characters a row holds at this size */
    if (json_is_array(arr)) {
        for (size_t i = 0; i < json_array_size(arr) && n < 400; i++, n++) {
            const char *v = json_string_value(json_array_get(arr, i));
            kx_strlcpy(store[n], v ? v : "", sizeof store[n]);
        }
    } else if (json_is_object(cfg)) {
        const char *sec, *key;
        json_t *kv, *val;
        json_object_foreach(cfg, sec, kv)
        {
            if (n < 400)
                snprintf(store[n++], sizeof store[0], "[%s]", sec);
            json_object_foreach(kv, key, val)
            {
                if (n >= 400)
                    break;
                snprintf(store[n++], sizeof store[0], "  %s = %s", key,
                         json_is_string(val) ? json_string_value(val) : "");
            }
        }
    }
    for (int i = 0; i < n; i++) {
        /* one row per line: cut long ones with an ellipsis at a character
         * boundary (the full text is in the log file) */
        if ((int)strlen(store[i]) > per_line) {
            int cut = per_line - 3;
            while (cut > 0 && ((unsigned char)store[i][cut] & 0xC0) == 0x80)
                cut--;
            memcpy(store[i] + cut, "…", sizeof "…");
        }
        lines[i] = store[i];
    }
    int lh = ui->portrait ? 40 : 34, per_page = c.h / lh;
    if (per_page < 1)
        per_page = 1;
    int pages = n ? (n + per_page - 1) / per_page : 1;
    if (s->page >= pages)
        s->page = pages - 1;
    ss_lines(ui, c, lines, n, s->page * per_page);
    SDL_Rect f = L->footer;
    int bw = ui->portrait ? 220 : 300;
    if (kx_button(ui, "staff_back", kx_rect(f.x, f.y, bw, f.h), kx_tr("Back"),
                  KX_BTN_SECONDARY))
        ss_go(ui, SS_MENU);
    if (kx_button_enabled(ui, "page_prev", kx_rect(f.x + f.w - 2 * bw - 24, f.y, bw, f.h),
                          kx_tr("Previous"), KX_BTN_SECONDARY, s->page > 0))
        s->page--;
    if (kx_button_enabled(ui, "page_next", kx_rect(f.x + f.w - bw, f.y, bw, f.h), kx_tr("Next"),
                          KX_BTN_SECONDARY, s->page + 1 < pages))
        s->page++;
}

static void ss_version(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    ss_title(ui, L, kx_tr("Software version"));
    ss_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (!ss_pending(ui, c, kx_tr("Please wait")) && json_is_object(s->result)) {
        char v1[128], v2[128], v3[128], v4[128];
        snprintf(v1, sizeof v1, "kioskd %s", ss_str(s->result, "kioskd"));
        snprintf(v2, sizeof v2, "%s", ss_str(s->result, "server"));
        snprintf(v3, sizeof v3, "protocol %ld", ss_int(s->result, "protocol"));
        snprintf(v4, sizeof v4, "kiosk %s", KX_UI_VERSION);
        const char *rows[][2] = {
            {"kioskd", v1}, {"server", v2}, {"protocol", v3}, {"kiosk", v4}};
        kx_card(ui, kx_rect(c.x, c.y, c.w, 4 * 80 + 48));
        kx_text_style ts = kx_style(34, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_TOP);
        ts.max_lines = 1;
        for (int i = 0; i < 4; i++)
            kx_text(ui, rows[i][1], kx_rect(c.x + 32, c.y + 24 + i * 80, c.w - 64, 70), &ts);
    }
    ss_footer(ui, L, kx_tr("Back"), SS_MENU, NULL, 0);
}

void kx_staff_ui_draw(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    if (ui->up)
        s->input_ms = ui->now_ms;
    switch (s->screen) {
    case SS_LOGIN:
        ss_login(ui, L);
        break;
    case SS_PANEL:
        ss_panel(ui, L);
        break;
    case SS_REASON:
        ss_reason(ui, L);
        break;
    case SS_MANUAL_ID:
        ss_manual_id(ui, L);
        break;
    case SS_MENU:
        ss_menu(ui, L);
        break;
    case SS_SELFTEST:
        ss_selftest(ui, L);
        break;
    case SS_OPEN_TX:
        ss_open_tx(ui, L);
        break;
    case SS_SUMMARY:
        ss_summary(ui, L);
        break;
    case SS_LOGS:
        ss_paged(ui, L, kx_tr("Recent log"));
        break;
    case SS_CONFIG:
        ss_paged(ui, L, kx_tr("Configuration"));
        break;
    case SS_VERSION:
        ss_version(ui, L);
        break;
    case SS_CONFIRM:
        ss_confirm(ui, L);
        break;
    case SS_COUNTER:
        ss_counter(ui, L);
        break;
    default:
        break;
    }
}

/* ---- canned states (screenshots) ---- */

kx_err kx_staff_ui_canned(kx_ui *ui, const char *screen, const char *result_json)
{
    kx_staff_ui *s = ui->staff;
    if (!s)
        return KX_ERR_STATE;
    ss_go(ui, SS_NONE);
    if (!screen)
        return KX_OK;
    for (int i = 1; i < SS_COUNT; i++) {
        if (strncmp(screen, ss_ids[i], strlen(ss_ids[i])) != 0)
            continue;
        ss_go(ui, (ss_screen)i);
        if (result_json) {
            s->result = json_loads(result_json, 0, NULL);
            if (!s->result)
                return KX_ERR_BAD_FORMAT;
        }
        /* sample entries, fictitious */
        if (i == SS_LOGIN) {
            kx_strlcpy(s->id, "1001", sizeof s->id);
            s->field = 1;
            kx_secbuf_append(s->pin, '2');
            kx_secbuf_append(s->pin, '4');
            if (strstr(screen, "token")) {
                s->by_token = 1;
                kx_strlcpy(s->id, "", sizeof s->id);
            }
            if (strstr(screen, "locked")) {
                char t[256];
                kx_ui_format(t, sizeof t,
                             N_("Too many wrong PINs. Try again in {seconds} seconds."),
                             "seconds", "297", NULL, NULL);
                ss_set_msg(s, 1, t);
            }
        } else if (i == SS_MANUAL_ID) {
            kx_strlcpy(s->name, "张伟", sizeof s->name);
            kx_strlcpy(s->idnum, "36010219900307", sizeof s->idnum);
            s->field = 1;
        } else if (i == SS_REASON) {
            s->action = ACT_MANUAL_ID;
            s->back = SS_MANUAL_ID;
            s->preset = 0;
        } else if (i == SS_COUNTER) {
            kx_strlcpy(s->receipt, "2026-0042", sizeof s->receipt);
        } else if (i == SS_CONFIRM) {
            s->action = ACT_RESTART;
            s->back = SS_MENU;
        }
        return KX_OK;
    }
    return KX_ERR_NOT_FOUND;
}
