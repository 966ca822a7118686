/* SPDX-License-Identifier: MIT */
/* Integration tests: the serial driver against idcard-sim on a pty:
 * reading, lift-before-next-read, cancel from another thread, SAM status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "idcard/idcard.h"

static char dir[64], tty[128], ctl[128];
static pid_t sim;

static void sim_start(const char *fault)
{
    snprintf(dir, sizeof(dir), "/tmp/kxidXXXXXX");
    assert_non_null(mkdtemp(dir));
    char card[128], pathf[128];
    snprintf(card, sizeof(card), "%s/card.json", dir);
    snprintf(pathf, sizeof(pathf), "%s/path", dir);
    snprintf(tty, sizeof(tty), "%s/tty", dir);
    snprintf(ctl, sizeof(ctl), "%s/control", dir);
    FILE *fp = fopen(card, "w");
    fputs("{\"name\":\"王五\",\"sex\":\"F\",\"nation_code\":\"01\",\"birth\":\"1990-03-07\","
          "\"address\":\"江西省赣州市章贡区\",\"id_number\":\"360702199003070029\","
          "\"authority\":\"赣州市公安局\",\"valid_from\":\"2010-01-01\",\"valid_to\":"
          "\"long_term\"}",
          fp);
    fclose(fp);
    fp = fopen(ctl, "w");
    fprintf(fp, "place 1\n%s%s\n", fault ? "fault " : "", fault ? fault : "");
    fclose(fp);
    char exe[512];
    snprintf(exe, sizeof(exe), "%s/tools/idcard-sim/idcard-sim", getenv("KX_BUILD"));
    sim = fork();
    if (sim == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(126);
        execl(exe, "idcard-sim", "--card", card, "--link", tty, "--control", ctl, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && access(tty, F_OK) != 0; i++)
        usleep(20000);
    assert_int_equal(access(tty, F_OK), 0);
}

static void sim_stop(void)
{
    kill(sim, SIGTERM);
    waitpid(sim, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void place(int n)
{
    FILE *fp = fopen(ctl, "w");
    fprintf(fp, "place %d\n", n);
    fclose(fp);
}

static void test_read_and_lift(void **state)
{
    (void)state;
    sim_start(NULL);
    kx_idcard_reader *r;
    assert_int_equal(kx_idcard_open("ga467", tty, 115200, &r), KX_OK);
    assert_int_equal(kx_idcard_sam_status(r), KX_OK);
    kx_idcard card;
    assert_int_equal(kx_idcard_read(r, 3000, &card), KX_OK);
    assert_string_equal(card.name, "王五");
    assert_int_equal(card.sex, 'F');
    assert_string_equal(card.id_number, "360702199003070029");
    assert_string_equal(card.valid_to, "long_term");
    assert_int_equal(card.photo_len, KX_IDCARD_PHOTO_BYTES);
    kx_idcard_clear(&card);
    /* the same card is not read twice: it must be lifted and placed again */
    assert_int_equal(kx_idcard_read(r, 600, &card), KX_ERR_TIMEOUT);
    assert_string_equal(card.name, "");
    place(2);
    assert_int_equal(kx_idcard_read(r, 3000, &card), KX_OK);
    kx_idcard_clear(&card);
    kx_idcard_close(r);
    sim_stop();
}

struct reader_arg {
    kx_idcard_reader *r;
    kx_err rc;
    double seconds;
};

static void *reader_thread(void *p)
{
    struct reader_arg *a = p;
    kx_idcard card;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    a->rc = kx_idcard_read(a->r, 20000, &card);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    a->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    sim_start("no-card");
    kx_idcard_reader *r;
    assert_int_equal(kx_idcard_open("ga467", tty, 115200, &r), KX_OK);
    struct reader_arg a = {r, KX_OK, 0};
    pthread_t th;
    pthread_create(&th, NULL, reader_thread, &a);
    usleep(400000);
    kx_idcard_cancel(r);
    pthread_join(th, NULL);
    assert_int_equal(a.rc, KX_ERR_CANCELLED);
    assert_true(a.seconds < 2.0); /* not the 20 s timeout */
    kx_idcard_close(r);
    sim_stop();
}

static void test_photo_decoder_missing(void **state)
{
    (void)state;
    sim_start(NULL);
    kx_idcard_reader *r;
    assert_int_equal(kx_idcard_open("ga467", tty, 115200, &r), KX_OK);
    assert_int_equal(kx_idcard_set_photo_decoder(r, "/nonexistent/libwlt.so"),
                     KX_ERR_UNSUPPORTED);
    kx_idcard card;
    assert_int_equal(kx_idcard_read(r, 3000, &card), KX_OK); /* works without it */
    assert_null(card.photo_rgb);
    kx_idcard_clear(&card);
    kx_idcard_close(r);
    sim_stop();
}

static void test_open_errors(void **state)
{
    (void)state;
    kx_idcard_reader *r;
    assert_int_equal(kx_idcard_open("ga467", "/nonexistent/tty", 115200, &r), KX_ERR_SAM);
    assert_int_equal(kx_idcard_open("ga467", "/dev/null", 1234, &r), KX_ERR_CONFIG);
    assert_int_equal(kx_idcard_open("nosuch", "/dev/null", 115200, &r), KX_ERR_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_lift),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_photo_decoder_missing),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
