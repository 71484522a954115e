/* cmt-window.h: the main window: connections, cloud accounts, servers */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_WINDOW (cmt_window_get_type ())
G_DECLARE_FINAL_TYPE (CmtWindow, cmt_window, CMT, WINDOW, AdwApplicationWindow)

CmtWindow  *cmt_window_new                (GtkApplication     *application);

/*
 * What the window shows: the objects of @manager (the service's object
 * manager client; any GDBusObjectManager in tests). NULL shows "connecting",
 * or "service not running" with @error's message when @error is set.
 */
void        cmt_window_set_object_manager (CmtWindow          *self,
                                           GDBusObjectManager *manager,
                                           const GError       *error);

/* Presents the window with the connection whose id is @id selected and in view. */
void        cmt_window_show_connection    (CmtWindow          *self,
                                           const char         *id);
/* As cmt_window_show_connection(), then opens the connection's renewal flow. */
void        cmt_window_renew_connection   (CmtWindow          *self,
                                           const char         *id);
void        cmt_window_add_toast          (CmtWindow          *self,
                                           const char         *message);

/* For tests: the connections as shown (filtered and sorted), the visible
 * state ("loading", "no-service", "empty", "list", "no-results", or the view
 * page name "accounts"/"servers" when one is shown), and the selection. */
GListModel *cmt_window_get_connections    (CmtWindow          *self);
const char *cmt_window_get_state          (CmtWindow          *self);
guint       cmt_window_get_selected       (CmtWindow          *self);
/* What the window does each minute: the rows' words, the summary, the state filter. */
void        cmt_window_refresh_time       (CmtWindow          *self);
gboolean    cmt_window_get_keyring_warning_shown (CmtWindow   *self);

G_END_DECLS
