/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the jobs' runtime (kiosk/engine/worker.c). Messages from a
 * job thread reach the main loop whole and in order, each one wakes the
 * loop's pipe, a job is told to stop; and the write-ahead steps on a real
 * journal: the intent is on disk before the effect, an unknown outcome
 * keeps the intent open and its key for the retry, a finished one is
 * reused only when asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_internal.h"

static char dir[256];

/* a fresh state directory for the journal */
static int make_state_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/kx-worker-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

/* the journal's files (the database and its WAL companions), then the
 * directory: anything else left there fails the test */
static int remove_state_dir(void **state)
{
    (void)state;
    static const char *const files[] = {"journal.db", "journal.db-wal", "journal.db-shm"};
    char path[300];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

#define N_PROGRESS 200

static void *post_progress(void *arg)
{
    kx_worker *w = arg;
    for (int i = 0; i < N_PROGRESS; i++)
        kx_worker_progress(w, (double)i / N_PROGRESS);
    kx_job_msg *m = calloc(1, sizeof *m);
    kx_job_result *r = calloc(1, sizeof *r);
    r->rc = KX_ERR_TOKEN_ABSENT;
    r->parts = KX_JR_TRIES_LEFT;
    r->tries_left = 1;
    m->gen = w->gen;
    m->is_result = 1;
    m->result = r;
    kx_worker_post(w, m);
    return NULL;
}

static void test_mailbox_order_and_wake(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    kx_worker w = {0};
    assert_int_equal(kx_worker_init(&w, p[1]), KX_OK);
    w.gen = 7;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, post_progress, &w), 0);
    pthread_join(t, NULL);
    /* every message wrote a wake-up byte */
    char buf[4 * N_PROGRESS];
    ssize_t n = read(p[0], buf, sizeof buf);
    assert_int_equal(n, N_PROGRESS + 1);
    kx_job_msg *list = kx_worker_take(&w);
    int i = 0;
    kx_job_msg *m = list;
    for (; m && !m->is_result; m = m->next, i++) {
        assert_int_equal(m->gen, 7);
        assert_true(m->progress == (double)i / N_PROGRESS);
    }
    assert_int_equal(i, N_PROGRESS);
    assert_non_null(m);
    if (!m) /* cmocka's asserts are not noreturn: -O2 -Wnull-dereference */
        return;
    assert_int_equal(m->result->rc, KX_ERR_TOKEN_ABSENT);
    assert_int_equal(m->result->tries_left, 1);
    assert_null(m->next);
    kx_job_msg_free(list);
    assert_null(kx_worker_take(&w)); /* taken means gone */
    kx_worker_fini(&w);
    close(p[0]);
    close(p[1]);
}

static void test_cancel_stops_sleep(void **state)
{
    (void)state;
    kx_worker w = {0};
    assert_int_equal(kx_worker_init(&w, -1), KX_OK);
    assert_int_equal(kx_worker_sleep(&w, 60), 0);
    w.cancel = 1;
    assert_true(kx_worker_cancelled(&w));
    assert_int_equal(kx_worker_sleep(&w, 60000), 1); /* at once, not in a minute */
    assert_int_equal(kx_worker_need_ra(&w), KX_ERR_UNSUPPORTED);
    kx_worker_fini(&w);
}

static void test_steps_write_ahead(void **state)
{
    (void)state;
    kx_journal *j = NULL;
    assert_int_equal(kx_journal_open(dir, &j), KX_OK);
    assert_int_equal(kx_journal_session_begin(j, "S1", "renew"), KX_OK);
    kx_step st;
    assert_int_equal(kx_step_begin(j, "S1", "install", "ab12", 0, 1, &st), KX_OK);
    assert_false(st.already_done);
    kx_journal_tx t;
    /* the intent is recorded before the effect */
    assert_int_equal(kx_journal_last(j, "S1", "install", &t), KX_OK);
    assert_int_equal(t.status, KX_TX_OPEN);
    assert_string_equal(t.idem_key, st.key);
    /* an unknown outcome leaves it open: the retry reuses the key */
    kx_step_end(j, "install", &st, KX_ERR_NETWORK, NULL);
    kx_step again;
    assert_int_equal(kx_step_begin(j, "S1", "install", "ab12", 0, 1, &again), KX_OK);
    assert_int_equal(again.tx, st.tx);
    assert_string_equal(again.key, st.key);
    /* done: reused as done when asked, a new intent otherwise */
    kx_step_end(j, "install", &again, KX_OK, "ab12");
    kx_step done;
    assert_int_equal(kx_step_begin(j, "S1", "install", "ab12", 0, 1, &done), KX_OK);
    assert_true(done.already_done);
    assert_string_equal(done.result, "ab12");
    kx_step fresh;
    assert_int_equal(kx_step_begin(j, "S1", "install", "ab12", 0, 0, &fresh), KX_OK);
    assert_false(fresh.already_done);
    assert_true(fresh.tx != st.tx);
    assert_string_not_equal(fresh.key, st.key);
    /* a definite failure closes it */
    kx_step_end(j, "install", &fresh, KX_ERR_TOKEN, NULL);
    assert_int_equal(kx_journal_last(j, "S1", "install", &t), KX_OK);
    assert_int_equal(t.status, KX_TX_FAILED);
    kx_journal_close(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mailbox_order_and_wake),
        cmocka_unit_test(test_cancel_stops_sleep),
        cmocka_unit_test_setup_teardown(test_steps_write_ahead, make_state_dir,
                                        remove_state_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
