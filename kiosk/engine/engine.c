/* SPDX-License-Identifier: MIT */
/*
 * engine.c - kioskd's top: its settings, the main loop and creating and
 * destroying the engine. The session logic is session.c's, the socket
 * server.c's, staff mode staff_*.c's and maintenance.c's.
 *
 * Map: settings; wake-up; main loop; create/destroy; flows as text.
 *
 * The main loop never blocks on a device or the RA: jobs run on a worker
 * thread and send their progress and result back as messages through the
 * worker's mailbox, whose wake-up pipe the loop polls (engine_internal.h,
 * "Jobs are messages").
 */
#include "engine_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* ---- settings ---- */

static kx_err engine_load_settings(kx_engine *e)
{
    const kx_config *cfg = e->cfg;
    kx_engine_settings *s = &e->set;
    kx_err rc;
    long v;
    kx_strlcpy(s->state_dir,
               kx_config_get_str(cfg, "kiosk", "state_dir", "/var/lib/jxca-kiosk"),
               sizeof s->state_dir);
    snprintf(s->spool_dir, sizeof s->spool_dir, "%s/spool", s->state_dir);
    const char *sock = kx_config_get_str(cfg, "engine", "socket", KX_PROTO_DEFAULT_SOCKET);
    if (kx_strlcpy(s->socket_path, sock, sizeof s->socket_path) >= sizeof s->socket_path) {
        kx_err_set_detail("%s:%d: [engine] socket: path longer than %zu bytes",
                          kx_config_name(cfg), kx_config_line(cfg, "engine", "socket"),
                          sizeof s->socket_path - 1);
        return KX_ERR_CONFIG;
    }
    if ((rc = kx_config_get_int(cfg, "engine", "timeout_percent", 100, 1, 1000, &v)))
        return rc;
    s->timeout_percent = (int)v;
    if ((rc = kx_config_get_int(cfg, "engine", "poll_ms", 1000, 20, 60000, &v)))
        return rc;
    s->poll_ms = v;
    kx_strlcpy(s->ui_users, kx_config_get_str(cfg, "engine", "ui_users", "kiosk"),
               sizeof s->ui_users);
    kx_strlcpy(s->staff_users, kx_config_get_str(cfg, "engine", "staff_users", ""),
               sizeof s->staff_users);
    static const char *const langs[] = {"zh_CN", "en", NULL};
    int li;
    if ((rc = kx_config_get_enum(cfg, "kiosk", "language", langs, 0, &li)))
        return rc;
    kx_strlcpy(s->lang, langs[li], sizeof s->lang);
    if ((rc = kx_fees_load(cfg, &e->fees)) || (rc = kx_rules_load(cfg, &e->rules)))
        return rc;
    return KX_OK;
}

/* ---- wake-up ---- */

void kx_engine_stop(kx_engine *e)
{
    e->stop = 1;
    char c = 1;
    ssize_t n = write(e->wake_pipe[1], &c, 1);
    (void)n; /* a full pipe already wakes the loop */
}

/* ---- main loop ---- */

kx_err kx_engine_run(kx_engine *e)
{
    struct pollfd pfd[2 + KX_PROTO_MAX_CLIENTS + KX_SERVER_REFUSING];
    kx_session_start_recovery(e);
    kx_engine_publish(e);
    kx_log_info("engine.ready", "socket=%s state_dir=%s", e->set.socket_path, e->set.state_dir);
    while (!e->stop) {
        pfd[0] = (struct pollfd){.fd = e->wake_pipe[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = e->listen_fd, .events = POLLIN};
        int n = 2 + kx_server_pollfds(e, pfd + 2, KX_PROTO_MAX_CLIENTS + KX_SERVER_REFUSING);
        int timeout = 1000;
        if (e->deadline_ms) {
            int64_t left = e->deadline_ms - kx_now_ms();
            timeout = left < 0 ? 0 : (left < 1000 ? (int)left : 1000);
        }
        int r = poll(pfd, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR) {
            kx_log_error("engine.poll", "errno=%d", errno);
            return KX_ERR_IO;
        }
        if (r > 0 && (pfd[0].revents & POLLIN)) {
            char buf[64];
            while (read(e->wake_pipe[0], buf, sizeof buf) > 0) {
            }
        }
        kx_session_job_messages(e);
        if (kx_print_messages(e))
            kx_engine_publish(e);
        if (r >= 0) /* also on a timeout: idle clients are closed there */
            kx_server_handle(e, pfd, n);
        kx_session_tick(e);
        kx_staff_session_tick(e);
        kx_maintenance_tick(e);
    }
    return KX_OK;
}

/* ---- create / destroy ---- */

static kx_err make_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return KX_OK;
    kx_err_set_detail("mkdir %s: %s", path, strerror(errno));
    return KX_ERR_IO;
}

kx_err kx_engine_create(const kx_config *cfg, kx_engine **out)
{
    kx_engine *e = calloc(1, sizeof *e);
    if (!e)
        return KX_ERR_NO_MEMORY;
    e->cfg = cfg;
    e->listen_fd = -1;
    e->wake_pipe[0] = e->wake_pipe[1] = -1;
    for (int i = 0; i < KX_PROTO_MAX_CLIENTS; i++)
        e->clients[i].fd = -1;
    e->started_ms = kx_now_ms();
    kx_err rc = engine_load_settings(e);
    if (!rc)
        rc = make_dir(e->set.state_dir, 0700);
    if (!rc)
        rc = make_dir(e->set.spool_dir, 0700);
    if (!rc)
        rc = kx_journal_open(e->set.state_dir, &e->journal);
    if (!rc && pipe2(e->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        rc = KX_ERR_IO;
    if (!rc && !(rc = kx_worker_init(&e->worker, e->wake_pipe[1])))
        e->worker_ready = 1;
    kx_strlcpy(e->lang, e->set.lang, sizeof e->lang);
    e->worker.cfg = cfg;
    e->worker.set = &e->set;
    e->worker.rules = &e->rules;
    e->worker.fees = &e->fees;
    e->worker.journal = e->journal;
    if (!rc)
        rc = kx_devices_open(cfg, &e->worker.dev);
    if (!rc)
        rc = kx_staff_mode_open(e);
    if (!rc)
        rc = kx_maintenance_open(e);
    if (!rc)
        rc = kx_print_open(e);
    if (!rc)
        rc = kx_hall_open(e);
    if (!rc)
        e->worker.staff_db = kx_staff_mode_db(e);
    if (!rc)
        rc = kx_server_listen(e);
    if (rc) {
        kx_engine_destroy(e);
        return rc;
    }
    *out = e;
    return KX_OK;
}

void kx_engine_destroy(kx_engine *e)
{
    if (!e)
        return;
    e->worker.cancel = 1;
    if (e->job_running && !e->job_no_thread)
        pthread_join(e->job_thread, NULL);
    kx_server_close(e);
    kx_print_close(e);
    kx_hall_close(e);
    kx_devices_close(e->worker.dev);
    kx_staff_actions_close(e);
    kx_staff_mode_close(e);
    kx_session_wipe(&e->s);
    if (e->worker_ready)
        kx_worker_fini(&e->worker);
    kx_journal_close(e->journal);
    if (e->wake_pipe[0] >= 0)
        close(e->wake_pipe[0]);
    if (e->wake_pipe[1] >= 0)
        close(e->wake_pipe[1]);
    free(e);
}

void kx_engine_print_flows(void)
{
    for (int svc = 0; svc < KX_SVC_COUNT; svc++) {
        const kx_flow *f = kx_flow_get((kx_service)svc);
        printf("flow %s\n", kx_service_id((kx_service)svc));
        for (size_t i = 0; i < f->n_states; i++) {
            const kx_flow_state *st = &f->states[i];
            printf("  %-16s screen=%-18s job=%-16s timeout=%ds abort=%s", st->name,
                   kx_screen_id(st->screen), kx_job_name(st->job), st->timeout_s, st->abort);
            for (int k = 0; k < KX_FLOW_MAX_TR; k++)
                if (st->on[k].next)
                    printf(" %s->%s", kx_event_name(st->on[k].ev), st->on[k].next);
            printf("\n");
        }
    }
}
