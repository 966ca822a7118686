/* SPDX-License-Identifier: MIT */
/*
 * doccheck_probe.c - test helper for doccheck.sh and letter_sign.sh:
 * prints "FILE KIND INK FAINT" for each image named on the command line, as
 * kx_doccheck() (imaging/doccheck.h) sees it, or "FILE error NAME" when it
 * cannot. With --letter first, each line goes on with what
 * kx_letter_signature() finds in the legal representative's field:
 * "signed|unsigned INK_MM2 RED_MM2 FIELD_FOUND". Exit 0 unless an argument
 * is missing.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "imaging/doccheck.h"
#include "imaging/image.h"

int main(int argc, char **argv)
{
    int letter = argc > 1 && strcmp(argv[1], "--letter") == 0;
    if (argc < 2 + letter) {
        (void)fprintf(stderr, "usage: doccheck_probe [--letter] IMAGE...\n");
        return 2;
    }
    for (int i = 1 + letter; i < argc; i++) {
        kx_image *img = NULL;
        kx_doc_check dc;
        kx_letter_sign ls;
        kx_err rc = kx_image_load(argv[i], &img);
        if (!rc)
            rc = kx_doccheck(img, &dc);
        if (!rc && letter)
            rc = kx_letter_signature(img, &ls);
        kx_image_free(img);
        if (rc) {
            printf("%s error %s\n", argv[i], kx_err_name(rc));
            continue;
        }
        printf("%s %s %.5f %.5f", argv[i], kx_doc_kind_name(dc.kind), dc.ink_share,
               dc.faint_share);
        if (letter)
            printf(" %s %.1f %.1f %d", ls.present ? "signed" : "unsigned", ls.ink_mm2,
                   ls.red_mm2, ls.field_found);
        printf("\n");
    }
    return 0;
}
