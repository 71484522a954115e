/* cmt-preferences-window.h: the settings, and each connection's automatic renewal */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_PREFERENCES_WINDOW (cmt_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CmtPreferencesWindow, cmt_preferences_window, CMT, PREFERENCES_WINDOW, AdwPreferencesWindow)

/* @manager may be NULL (service not reached): then no connection is listed. */
GtkWindow *cmt_preferences_window_new (GtkWindow          *parent,
                                       GDBusObjectManager *manager);

G_END_DECLS
