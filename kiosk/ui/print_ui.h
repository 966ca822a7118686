/* SPDX-License-Identifier: MIT */
/*
 * print_ui.h - what the customer screens show of printing (print_ui.c):
 * the receipt's status on the done and cancelled screens ("printed",
 * "printer problem: ask staff", "Print again", or the receipt's link as a
 * QR code when the kiosk has no printer) and "Print the form" at the
 * seal-sheet and authorisation-letter steps. Everything comes from the
 * state's "print" member (docs/protocol.md); nothing is decided here.
 */
#ifndef KX_UI_PRINT_UI_H
#define KX_UI_PRINT_UI_H

#include "ui/ui_internal.h"

/* kx_ui_print_status - the receipt's status inside r (drawn only when the
 * state says something about it); sends print_again when tapped. */
void kx_ui_print_status(kx_ui *ui, const kx_ui_state *st, SDL_Rect r);

/* kx_ui_print_form - "Print the form" (when the state accepts
 * print_form) and the form's status, inside r. */
void kx_ui_print_form(kx_ui *ui, const kx_ui_state *st, SDL_Rect r);

/* kx_ui_print_home - between customers: a warning strip inside r when the
 * state says the printer cannot print (the receipt will be a QR code);
 * returns the height used, 0 when there is nothing to say. */
int kx_ui_print_home(kx_ui *ui, const kx_ui_state *st, SDL_Rect r);

#endif
