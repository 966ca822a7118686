/* SPDX-License-Identifier: MIT */
/*
 * ctl_staff.c - kioskctl staff-hash: make the pin_hash of a [staff:ID]
 * section. The PIN is read from standard input (one line), never from the
 * command line, where other users could see it in the process list.
 */
#include <stdio.h>
#include <string.h>

#include "core/secbuf.h"
#include "ctl.h"
#include "staff/staff.h"

int ctl_cmd_staff_hash(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return ctl_fail(CTL_EXIT_USAGE, "staff-hash", "usage: echo PIN | kioskctl staff-hash");
    kx_secbuf *pin = NULL;
    if (kx_secbuf_new(64, &pin))
        return ctl_fail(CTL_EXIT_USAGE, "staff-hash", "out of memory");
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        if (kx_secbuf_append(pin, (unsigned char)c)) {
            kx_secbuf_free(pin);
            return ctl_fail(CTL_EXIT_USAGE, "staff-hash", "PIN too long");
        }
    char hash[256];
    kx_err rc = kx_staff_hash_pin(pin, hash, sizeof(hash));
    kx_secbuf_free(pin);
    if (rc == KX_ERR_PIN_POLICY)
        return ctl_fail(CTL_EXIT_INVALID, "staff-hash", "the PIN must be 6 to 16 digits");
    if (rc)
        return ctl_fail(CTL_EXIT_INVALID, "staff-hash", "hashing failed: %s", kx_err_name(rc));
    json_t *o = json_object();
    json_object_set_new(o, "pin_hash", json_string(hash));
    ctl_print_json(o);
    return CTL_EXIT_OK;
}
