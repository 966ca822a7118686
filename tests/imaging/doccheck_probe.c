/* SPDX-License-Identifier: MIT */
/*
 * doccheck_probe.c - test helper for doccheck.sh: prints "FILE KIND" for
 * each image named on the command line, as kx_doccheck() (imaging/
 * doccheck.h) sees it, or "FILE error NAME" when it cannot. Exit 0 unless
 * an argument is missing.
 */
#include <stdio.h>

#include "core/err.h"
#include "imaging/doccheck.h"
#include "imaging/image.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: doccheck_probe IMAGE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        kx_image *img = NULL;
        kx_doc_check dc;
        kx_err rc = kx_image_load(argv[i], &img);
        if (!rc)
            rc = kx_doccheck(img, &dc);
        kx_image_free(img);
        if (rc)
            printf("%s error %s\n", argv[i], kx_err_name(rc));
        else
            printf("%s %s %.5f %.5f\n", argv[i], kx_doc_kind_name(dc.kind), dc.ink_share,
                   dc.faint_share);
    }
    return 0;
}
