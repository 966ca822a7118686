/* SPDX-License-Identifier: MIT */
/*
 * replay.c - runs a libFuzzer target without libFuzzer: feeds it every file
 * named on the command line (or every file in the directories named), so
 * gcc/ASan builds replay the committed seed corpora as ordinary tests.
 * With clang and -DKX_FUZZ=ON the same target links against libFuzzer
 * instead (see kx_add_fuzz_target in tests/CMakeLists.txt).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, fp)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(fp);
    if (!buf)
        return 1;
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed += replay_file(argv[i]);
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            failed += replay_file(path);
            files++;
        }
        if (d)
            closedir(d);
    }
    /* also a few synthetic edge inputs every parser must survive */
    static const uint8_t edge[] = {0, 0xff, 0xaa, 0xaa, 0xaa, 0x96, 0x69, 0xff, 0xff};
    for (size_t k = 0; k <= sizeof(edge); k++)
        LLVMFuzzerTestOneInput(edge, k);
    printf("%d passed, %d failed\n", files - failed, failed);
    return failed ? 1 : 0;
}
