/* SPDX-License-Identifier: MIT */
/*
 * zbar_no_dbus.c - the kioskctl front's answer to libzbar's D-Bus calls.
 *
 * The front links libzbar from its static archive (see CMakeLists.txt).
 * zbar's image scanner can broadcast every decoded symbol over D-Bus, and
 * its object file refers to libdbus-1 for that, although the broadcast
 * runs only after zbar_image_scanner_request_dbus(scanner, 1) - which the
 * kiosk never calls. Linking libdbus-1 for it costs every run ~0.7 ms:
 * libdbus-1 brings libsystemd, libgcrypt, liblzma, libzstd, liblz4,
 * libcap and libgpg-error with it. These definitions stand in for the
 * fifteen functions zbar refers to and answer as a system without D-Bus
 * would: no bus, no message, nothing sent. They are never reached.
 */
#include <stddef.h>

/* The libdbus-1 signatures, with its opaque types as void (the headers are
 * not needed for a stand-in that never looks at its arguments). */
void *dbus_bus_get(int type, void *error);
int dbus_bus_request_name(void *connection, const char *name, unsigned flags, void *error);
int dbus_bus_release_name(void *connection, const char *name, void *error);
void dbus_connection_flush(void *connection);
unsigned dbus_connection_send(void *connection, void *message, unsigned *serial);
void dbus_error_init(void *error);
void dbus_error_free(void *error);
unsigned dbus_error_is_set(const void *error);
void *dbus_message_new_signal(const char *path, const char *iface, const char *name);
void dbus_message_unref(void *message);
void dbus_message_iter_init_append(void *message, void *iter);
unsigned dbus_message_iter_append_basic(void *iter, int type, const void *value);
unsigned dbus_message_iter_append_fixed_array(void *iter, int type, const void *value, int n);
unsigned dbus_message_iter_open_container(void *iter, int type, const char *signature,
                                          void *sub);
unsigned dbus_message_iter_close_container(void *iter, void *sub);

void *dbus_bus_get(int type, void *error)
{
    (void)type, (void)error;
    return NULL;
}

int dbus_bus_request_name(void *connection, const char *name, unsigned flags, void *error)
{
    (void)connection, (void)name, (void)flags, (void)error;
    return -1;
}

int dbus_bus_release_name(void *connection, const char *name, void *error)
{
    (void)connection, (void)name, (void)error;
    return -1;
}

void dbus_connection_flush(void *connection)
{
    (void)connection;
}

unsigned dbus_connection_send(void *connection, void *message, unsigned *serial)
{
    (void)connection, (void)message, (void)serial;
    return 0;
}

void dbus_error_init(void *error)
{
    (void)error;
}

void dbus_error_free(void *error)
{
    (void)error;
}

unsigned dbus_error_is_set(const void *error)
{
    (void)error;
    return 0;
}

void *dbus_message_new_signal(const char *path, const char *iface, const char *name)
{
    (void)path, (void)iface, (void)name;
    return NULL;
}

void dbus_message_unref(void *message)
{
    (void)message;
}

void dbus_message_iter_init_append(void *message, void *iter)
{
    (void)message, (void)iter;
}

unsigned dbus_message_iter_append_basic(void *iter, int type, const void *value)
{
    (void)iter, (void)type, (void)value;
    return 0;
}

unsigned dbus_message_iter_append_fixed_array(void *iter, int type, const void *value, int n)
{
    (void)iter, (void)type, (void)value, (void)n;
    return 0;
}

unsigned dbus_message_iter_open_container(void *iter, int type, const char *signature,
                                          void *sub)
{
    (void)iter, (void)type, (void)signature, (void)sub;
    return 0;
}

unsigned dbus_message_iter_close_container(void *iter, void *sub)
{
    (void)iter, (void)sub;
    return 0;
}
