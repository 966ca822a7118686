/* SPDX-License-Identifier: MIT */
/*
 * staff_maint.c - the maintenance screens for admins
 * (docs/ui-staff-screens.md): the menu, restart / leave kiosk mode after a
 * confirmation (the command runs only once kioskd recorded the action),
 * self-tests, unfinished transactions (finish, refund), today's summary,
 * logs and configuration (paged), software version. The replies come
 * already masked by kioskd and are dropped when the screen closes.
 *
 * Map: menu and commands - results.
 */
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/str.h"
#include "ui/staff_internal.h"

extern char **environ;

/* ---- the maintenance menu ---- */

static int maint_run_command(kx_ui *ui, const char *what, const char *cmd)
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
        kx_staff_set_msg(s, 1, kx_tr("This could not be done. See the log."));
        return -1;
    }
    s->child = pid;
    return 0;
}

void kx_staff_draw_menu(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    static const struct {
        const char *id, *label;
        kx_staff_screen to;
        const char *cmd;
    } items[] = {
        {"maint_selftest", N_("Self-tests"), MAINT_SELFTEST, "selftest"},
        {"maint_open_tx", N_("Unfinished transactions"), MAINT_OPEN_TX, "journal"},
        {"maint_summary", N_("Today's summary"), MAINT_SUMMARY, "summary"},
        {"maint_logs", N_("Recent log"), MAINT_LOGS, "logs"},
        {"maint_config", N_("Configuration"), MAINT_CONFIG, "config"},
        {"maint_version", N_("Software version"), MAINT_VERSION, "version"},
        {"maint_restart", N_("Restart services"), MAINT_CONFIRM, NULL},
        {"maint_leave", N_("Leave kiosk mode"), MAINT_CONFIRM, NULL},
    };
    int n = (int)(sizeof items / sizeof items[0]);
    int cols = ui->portrait ? 2 : 4, gap = 28;
    int rows = (n + cols - 1) / cols;
    int bw = (c.w - (cols - 1) * gap) / cols;
    int top = c.y + 110, bh = (c.h - 110 - (rows - 1) * gap) / rows;
    if (bh > 240)
        bh = 240;
    kx_staff_title(ui, L, kx_tr("Maintenance"));
    kx_staff_message(ui, kx_rect(c.x, c.y, c.w, 90));
    for (int i = 0; i < n; i++) {
        SDL_Rect r =
            kx_rect(c.x + (i % cols) * (bw + gap), top + (i / cols) * (bh + gap), bw, bh);
        if (!kx_button(ui, items[i].id, r, kx_tr(items[i].label),
                       items[i].to == MAINT_CONFIRM ? KX_BTN_SECONDARY : KX_BTN_PRIMARY))
            continue;
        kx_staff_go(ui, items[i].to);
        if (items[i].to == MAINT_CONFIRM) {
            s->action =
                strcmp(items[i].id, "maint_restart") == 0 ? STAFF_ACT_RESTART : STAFF_ACT_LEAVE;
            s->back = MAINT_MENU;
        } else if (items[i].to == MAINT_OPEN_TX) {
            kx_staff_request(ui, "journal", json_pack("{s:b}", "open", 1));
        } else if (items[i].to == MAINT_LOGS) {
            kx_staff_request(ui, "logs", json_pack("{s:i}", "lines", 200));
        } else {
            kx_staff_request(ui, items[i].cmd, NULL);
        }
    }
    SDL_Rect f = L->footer;
    int bw2 = ui->portrait ? 440 : 520;
    if (kx_button(ui, "staff_logout", kx_rect(f.x, f.y, bw2, f.h), kx_tr("End assisted mode"),
                  KX_BTN_SECONDARY))
        kx_staff_request(ui, "staff_logout", NULL);
    if (kx_button(ui, "staff_close", kx_rect(f.x + f.w - bw2, f.y, bw2, f.h),
                  kx_tr("Back to the customer screen"), KX_BTN_PRIMARY))
        kx_staff_go(ui, STAFF_NONE);
}

void kx_staff_draw_confirm(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    int restart = s->action == STAFF_ACT_RESTART;
    kx_staff_title(ui, L, restart ? kx_tr("Restart services?") : kx_tr("Leave kiosk mode?"));
    kx_text_style ts =
        kx_style(ui->portrait ? 38 : 34, KX_REGULAR, KX_C_TEXT, KX_CENTER, KX_TOP);
    kx_text(ui,
            restart ? kx_tr("The kiosk service and this screen restart. A customer being "
                            "served loses the current step; nothing paid is lost.")
                    : kx_tr("This screen closes and the kiosk stops serving customers until it "
                            "is started again or the machine restarts."),
            kx_rect(c.x + 40, c.y + 40, c.w - 80, 300), &ts);
    kx_staff_message(ui, kx_rect(c.x, c.y + 380, c.w, 90));
    if (kx_staff_footer(ui, L, kx_tr("Back"), MAINT_MENU,
                        restart ? kx_tr("Restart services") : kx_tr("Leave kiosk mode"),
                        !s->seq)) {
        const char *cmd = restart ? ui->opt.restart_command : ui->opt.leave_command;
        if (!cmd[0])
            kx_staff_set_msg(
                s, 1, kx_tr("Not configured on this kiosk ([ui] in the configuration)."));
        else /* kioskd checks the admin and records it; the reply runs it */
            kx_staff_request(
                ui, "maintenance",
                json_pack("{s:s}", "action", restart ? "restart" : "leave_kiosk_mode"));
    }
}

/* kx_staff_maintenance_go - kioskd recorded the action: run its command. */
void kx_staff_maintenance_go(kx_ui *ui, json_t *result)
{
    kx_staff_ui *s = ui->staff;
    int restart = strcmp(kx_staff_str(result, "action"), "restart") == 0;
    const char *cmd = restart ? ui->opt.restart_command : ui->opt.leave_command;
    if (maint_run_command(ui, restart ? "restart" : "leave_kiosk_mode", cmd) == 0)
        kx_staff_set_msg(s, 0, kx_tr("Done."));
}

/* ---- maintenance results ---- */

static void maint_yuan(char *out, size_t n, long fen)
{
    snprintf(out, n, "%s%ld.%02ld", fen < 0 ? "-" : "", labs(fen) / 100, labs(fen) % 100);
}

void kx_staff_draw_selftest(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    json_t *tests = json_object_get(s->result, "tests");
    kx_staff_title(ui, L, kx_tr("Self-tests"));
    kx_staff_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (!kx_staff_pending(ui, c, kx_tr("Running the self-tests…")) && json_is_array(tests)) {
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
            kx_text(ui, kx_tr(kx_staff_str(t, "msgid")), kx_rect(in.x, in.y, in.w * 2 / 3, 50),
                    &ns);
            kx_text(ui, ok ? kx_tr("Passed") : kx_tr("Failed"),
                    kx_rect(in.x + in.w * 2 / 3, in.y, in.w / 3, 50), &vs);
            const char *dev = kx_staff_str(t, "device");
            int tw = in.w;
            if (strcmp(dev, "scanner") == 0 && ok &&
                json_string_value(json_object_get(d, "preview"))) {
                SDL_Rect img = kx_rect(in.x + in.w - (in.h - 60) * 3 / 2, in.y + 60,
                                       (in.h - 60) * 3 / 2, in.h - 60);
                kx_image(ui, img, kx_staff_str(d, "preview"));
                tw = in.w - img.w - 20;
                snprintf(line, sizeof line, "%s: %ld × %ld", kx_tr("Test scan"),
                         kx_staff_int(d, "width"), kx_staff_int(d, "height"));
            } else if (strcmp(dev, "idcard") == 0 && ok) {
                snprintf(line, sizeof line, "%s: %s", kx_tr("SAM status"),
                         kx_staff_str(d, "sam"));
            } else if (strcmp(dev, "token") == 0 && ok) {
                snprintf(a, sizeof a, "%ld", kx_staff_int(d, "tokens"));
                kx_ui_format(line, sizeof line, N_("UKEYs present: {count}"), "count", a, NULL,
                             NULL);
            } else if (strcmp(dev, "ra") == 0 && ok) {
                char p1[96], p2[96], p3[96], ms[16], d1[16], d2[16];
                snprintf(ms, sizeof ms, "%ld", kx_staff_int(d, "rtt_ms"));
                snprintf(d1, sizeof d1, "%ld", kx_staff_int(d, "server_cert_days"));
                snprintf(d2, sizeof d2, "%ld", kx_staff_int(d, "client_cert_days"));
                kx_ui_format(p1, sizeof p1, N_("Round trip {ms} ms"), "ms", ms, NULL, NULL);
                kx_ui_format(p2, sizeof p2, N_("Server certificate valid for {days} more days"),
                             "days", d1, NULL, NULL);
                kx_ui_format(p3, sizeof p3, N_("Kiosk certificate valid for {days} more days"),
                             "days", d2, NULL, NULL);
                snprintf(line, sizeof line, "%s\n%s\n%s", p1, p2, p3);
            } else if (!ok) {
                kx_strlcpy(line, kx_tr(kx_staff_str(t, "error_msgid")), sizeof line);
            }
            kx_text(ui, line, kx_rect(in.x, in.y + 60, tw, in.h - 60), &ds);
        }
    }
    {
        /* the speakers: a prompt played on demand (screen-side; kioskd
         * has no part in the sound), whatever the session's mute */
        SDL_Rect f = L->footer;
        int bw = ui->portrait ? 300 : 360, pw = ui->portrait ? 460 : 600;
        if (kx_button(ui, "maint_voice_test",
                      kx_rect(f.x + bw + 24, f.y, f.w - bw - pw - 48, f.h), kx_tr("Voice test"),
                      KX_BTN_SECONDARY) &&
            kx_voice_play(ui->voice, kx_i18n_lang(), "home") != KX_OK)
            kx_staff_set_msg(s, 1, kx_tr("The test prompt could not be played. See the log."));
    }
    if (kx_staff_footer(ui, L, kx_tr("Back"), MAINT_MENU, kx_tr("Run the self-tests"),
                        !s->seq)) {
        json_decref(s->result);
        s->result = NULL;
        s->msg[0] = '\0';
        kx_staff_request(ui, "selftest", NULL);
    }
}

void kx_staff_draw_open_tx(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    json_t *txs = json_object_get(s->result, "transactions");
    kx_staff_title(ui, L, kx_tr("Unfinished transactions"));
    kx_staff_message(ui, kx_rect(c.x, c.y, c.w, 90));
    int top = c.y + (s->msg[0] ? 110 : 0);
    if (!kx_staff_pending(ui, c, kx_tr("Please wait")) && json_is_array(txs)) {
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
            long txid = kx_staff_int(t, "id");
            int bw = ui->portrait ? 200 : 240;
            kx_card(ui, r);
            SDL_Rect in = kx_inset(r, 20);
            maint_yuan(amount, sizeof amount, kx_staff_int(t, "amount_fen"));
            snprintf(l1, sizeof l1, "#%ld  %s  %s  %s", txid,
                     kx_ui_service_name(kx_staff_str(t, "service")), kx_staff_str(t, "kind"),
                     kx_staff_str(t, "status"));
            snprintf(l2, sizeof l2, "%s  ¥%s  %s", kx_staff_str(t, "created"), amount,
                     kx_staff_str(t, "error"));
            kx_text_style a = kx_style(28, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
            kx_text_style b = kx_style(24, KX_REGULAR, KX_C_MUTED, KX_LEFT, KX_TOP);
            a.max_lines = b.max_lines = 1;
            int tw = in.w - 2 * bw - 40;
            kx_text(ui, l1, kx_rect(in.x, in.y, tw, in.h / 2), &a);
            kx_text(ui, l2, kx_rect(in.x, in.y + in.h / 2, tw, in.h / 2), &b);
            snprintf(id, sizeof id, "finish_%d", i);
            if (kx_button(ui, id, kx_rect(in.x + in.w - 2 * bw - 20, in.y, bw, in.h),
                          kx_tr("Finish"), KX_BTN_SECONDARY))
                kx_staff_request(ui, "retry", json_pack("{s:I}", "id", (json_int_t)txid));
            snprintf(id, sizeof id, "refund_%d", i);
            if (strcmp(kx_staff_str(t, "kind"), "payment") == 0 &&
                kx_button(ui, id, kx_rect(in.x + in.w - bw, in.y, bw, in.h), kx_tr("Refund"),
                          KX_BTN_DANGER)) {
                s->tx = txid;
                kx_staff_ask_reason(ui, STAFF_ACT_REFUND, MAINT_OPEN_TX);
            }
        }
    }
    kx_staff_footer(ui, L, kx_tr("Back"), MAINT_MENU, NULL, 0);
}

/* maint_outcome_name - the journal's session outcomes, for people */
static const char *maint_outcome_name(const char *o)
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

void kx_staff_draw_summary(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    json_t *r = s->result, *by = json_object_get(r, "sessions");
    kx_staff_title(ui, L, kx_tr("Today's summary"));
    kx_staff_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (!kx_staff_pending(ui, c, kx_tr("Please wait")) && json_is_object(r)) {
        char t[256], y1[32], y2[32], cnt[16];
        int y = c.y;
        kx_text_style hs = kx_style(34, KX_BOLD, KX_C_TEXT, KX_LEFT, KX_TOP);
        kx_text_style rs = kx_style(30, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_TOP);
        hs.max_lines = rs.max_lines = 1;
        kx_text(ui, kx_staff_str(r, "date"), kx_rect(c.x, y, c.w, 50), &hs);
        y += 60;
        maint_yuan(y1, sizeof y1, kx_staff_int(r, "taken_fen"));
        maint_yuan(y2, sizeof y2, kx_staff_int(r, "refunded_fen"));
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
        snprintf(cnt, sizeof cnt, "%ld", kx_staff_int(r, "mismatches"));
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
            snprintf(t, sizeof t, "%s", kx_ui_service_name(kx_staff_str(e, "service")));
            kx_text(ui, t, kx_rect(c.x, y, c.w / 2, 44), &rs);
            snprintf(t, sizeof t, "%s  %ld", maint_outcome_name(kx_staff_str(e, "outcome")),
                     kx_staff_int(e, "count"));
            kx_text(ui, t, kx_rect(c.x + c.w / 2, y, c.w / 2, 44), &rs);
            y += 46;
        }
    }
    /* on the kiosk's printer: kioskd answers with the same summary */
    if (kx_staff_footer(ui, L, kx_tr("Back"), MAINT_MENU, kx_tr("Print the summary"),
                        json_is_object(s->result)))
        kx_staff_request(ui, "print_summary", NULL);
}

/* kx_staff_draw_paged - logs and configuration: lines of text with Previous/Next. */
void kx_staff_draw_paged(kx_ui *ui, const kx_layout *L, const char *title)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    const char *lines[400];
    char store[400][112];
    int n = 0;
    kx_staff_title(ui, L, title);
    kx_staff_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (kx_staff_pending(ui, c, kx_tr("Please wait"))) {
        kx_staff_footer(ui, L, kx_tr("Back"), MAINT_MENU, NULL, 0);
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
    kx_staff_lines(ui, c, lines, n, s->page * per_page);
    SDL_Rect f = L->footer;
    int bw = ui->portrait ? 220 : 300;
    if (kx_button(ui, "staff_back", kx_rect(f.x, f.y, bw, f.h), kx_tr("Back"),
                  KX_BTN_SECONDARY))
        kx_staff_go(ui, MAINT_MENU);
    if (kx_button_enabled(ui, "page_prev", kx_rect(f.x + f.w - 2 * bw - 24, f.y, bw, f.h),
                          kx_tr("Previous"), KX_BTN_SECONDARY, s->page > 0))
        s->page--;
    if (kx_button_enabled(ui, "page_next", kx_rect(f.x + f.w - bw, f.y, bw, f.h), kx_tr("Next"),
                          KX_BTN_SECONDARY, s->page + 1 < pages))
        s->page++;
}

void kx_staff_draw_version(kx_ui *ui, const kx_layout *L)
{
    kx_staff_ui *s = ui->staff;
    SDL_Rect c = L->content;
    kx_staff_title(ui, L, kx_tr("Software version"));
    kx_staff_message(ui, kx_rect(c.x, c.y, c.w, 90));
    if (!kx_staff_pending(ui, c, kx_tr("Please wait")) && json_is_object(s->result)) {
        char v1[128], v2[128], v3[128], v4[128];
        snprintf(v1, sizeof v1, "kioskd %s", kx_staff_str(s->result, "kioskd"));
        snprintf(v2, sizeof v2, "%s", kx_staff_str(s->result, "server"));
        snprintf(v3, sizeof v3, "protocol %ld", kx_staff_int(s->result, "protocol"));
        snprintf(v4, sizeof v4, "kiosk %s", KX_UI_VERSION);
        const char *rows[][2] = {
            {"kioskd", v1}, {"server", v2}, {"protocol", v3}, {"kiosk", v4}};
        kx_card(ui, kx_rect(c.x, c.y, c.w, 4 * 80 + 48));
        kx_text_style ts = kx_style(34, KX_REGULAR, KX_C_TEXT, KX_LEFT, KX_TOP);
        ts.max_lines = 1;
        for (int i = 0; i < 4; i++)
            kx_text(ui, rows[i][1], kx_rect(c.x + 32, c.y + 24 + i * 80, c.w - 64, 70), &ts);
    }
    kx_staff_footer(ui, L, kx_tr("Back"), MAINT_MENU, NULL, 0);
}
