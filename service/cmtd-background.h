/* cmtd-background.h: watching in the background — the systemd user unit follows the preference */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CMTD_SYSTEMD_UNIT "cmatokend.service"

/*
 * Enables (wanted) or disables the systemd user unit for graphical
 * sessions through org.freedesktop.systemd1 on the session bus, when a
 * systemd user instance is there; without one, nothing happens (the XDG
 * autostart entry, whose condition is the same preference, covers those
 * sessions). A unit enabled or masked by the administrator for all users
 * (or one that is not installed) is left alone. Asynchronous; the outcome
 * is logged.
 */
void cmtd_background_sync_unit (GDBusConnection *bus,
                                gboolean         wanted);

G_END_DECLS
