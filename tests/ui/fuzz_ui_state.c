/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ui_state.c - fuzz target for the front end's state parser and text
 * formatting (kiosk/ui/state.c): any bytes from the socket must parse or be
 * refused, never crash, and every text of an accepted state must format
 * within its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ui/ui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kx_ui_state *st = NULL;
    char out[64];
    if (kx_ui_state_parse((const char *)data, size, &st) != KX_OK)
        return 0;
    kx_ui_text_format(&st->title, out, sizeof out);
    for (int i = 0; i < st->n_body; i++)
        kx_ui_text_format(&st->body[i], out, sizeof out);
    for (int i = 0; i < st->n_cells; i++)
        kx_ui_text_format(&st->cells[i].text, out, sizeof out);
    for (int i = 0; i < st->n_choices; i++)
        kx_ui_text_format(&st->choices[i].text, out, sizeof out);
    kx_ui_text_format(&st->error.text, out, sizeof out);
    kx_ui_text_format(&st->error.action, out, sizeof out);
    if (strlen(out) >= sizeof out)
        __builtin_trap();
    kx_ui_state_free(st);
    return 0;
}
