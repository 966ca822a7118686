/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c - rlimits, no_new_privs and the seccomp filter of the parsing
 * helper (see sandbox.h). The allow list is written for glibc on Linux:
 * what malloc, pthreads, stdio on open descriptors, abort() and the
 * decoders (libpng, libjpeg, libzbar) call while decoding.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

/* what the libraries load on first use, loaded now while files can still
 * be opened: the time zone (log time stamps) and the character sets
 * libzbar converts QR text from (iconv keeps a converter's module loaded
 * while a descriptor is open, so these stay open for good) */
static void sandbox_preload(void)
{
    static const char *const from[] = {"ISO8859-1", "SJIS", "BIG-5", "UTF-8", "GB18030"};
    tzset();
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
        (void)iconv_open("UTF-8", from[i]); /* kept open on purpose */
}

static kx_err sandbox_limits(int keep_fds)
{
    struct rlimit cpu = {KX_SANDBOX_CPU_SECONDS, KX_SANDBOX_CPU_SECONDS + 1};
    struct rlimit zero = {0, 0};
    struct rlimit files = {(rlim_t)keep_fds, (rlim_t)keep_fds};
    if (setrlimit(RLIMIT_CPU, &cpu) || setrlimit(RLIMIT_CORE, &zero) ||
        setrlimit(RLIMIT_FSIZE, &zero) || setrlimit(RLIMIT_NOFILE, &files)) {
        kx_err_set_detail("sandbox: setrlimit: %s", strerror(errno));
        return KX_ERR_INTERNAL;
    }
#ifndef SANDBOX_ASAN
    struct rlimit as = {KX_SANDBOX_ADDRESS_SPACE, KX_SANDBOX_ADDRESS_SPACE};
    if (setrlimit(RLIMIT_AS, &as)) {
        kx_err_set_detail("sandbox: setrlimit(RLIMIT_AS): %s", strerror(errno));
        return KX_ERR_INTERNAL;
    }
#endif
    return KX_OK;
}

/* the system calls allowed without condition */
static const int sandbox_allowed[] = {
    /* I/O on the descriptors held (the socket, stderr for the log) */
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(close),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(lseek),
    SCMP_SYS(fcntl),
    /* memory */
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    /* threads (clone below, with CLONE_THREAD only) */
    SCMP_SYS(futex),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(gettid),
    SCMP_SYS(getpid),
    SCMP_SYS(sysinfo),
    SCMP_SYS(getrlimit),
    /* signals to itself (abort), time */
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(tgkill),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(getrandom),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
};

static kx_err sandbox_seccomp(void)
{
    kx_err rc = KX_OK;
    int r = 0;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) {
        kx_err_set_detail("sandbox: seccomp_init failed");
        return KX_ERR_INTERNAL;
    }
    for (size_t i = 0; !r && i < sizeof sandbox_allowed / sizeof sandbox_allowed[0]; i++)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sandbox_allowed[i], 0);
    /* a thread of its own, never a process */
    if (!r)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    /* clone3's flags are behind a pointer: glibc falls back to clone */
    if (!r)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* reading its limits (prlimit64 without a new limit) */
    if (!r)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
                             SCMP_A2(SCMP_CMP_EQ, 0));
    /* not a terminal */
    if (!r)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 0);
    /* opening to read fails (EACCES); opening to write, create, truncate or
     * append matches no rule and kills */
    const scmp_datum_t writing =
        O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY);
    if (!r)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
                             SCMP_A2(SCMP_CMP_MASKED_EQ, writing, 0));
    if (!r)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 1,
                             SCMP_A1(SCMP_CMP_MASKED_EQ, writing, 0));
    if (!r)
        r = seccomp_load(ctx);
    if (r) {
        kx_err_set_detail("sandbox: seccomp: %s", strerror(-r));
        rc = KX_ERR_INTERNAL;
    }
    seccomp_release(ctx);
    return rc;
}

kx_err kx_sandbox_enter(int keep_fds)
{
    kx_err rc = KX_OK;
    sandbox_preload();
    /* nothing inherited beyond the descriptors asked for */
    if (close_range((unsigned)keep_fds, ~0U, 0) != 0) {
        kx_err_set_detail("sandbox: close_range: %s", strerror(errno));
        return KX_ERR_INTERNAL;
    }
    if ((rc = sandbox_limits(keep_fds)))
        return rc;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        kx_err_set_detail("sandbox: no_new_privs: %s", strerror(errno));
        return KX_ERR_INTERNAL;
    }
    return sandbox_seccomp();
}
