/* cmt-history-dialog.h: what happened to one connection, from the service's history */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_HISTORY_DIALOG (cmt_history_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CmtHistoryDialog, cmt_history_dialog, CMT, HISTORY_DIALOG, AdwWindow)

/* A window, transient for @parent, listing what Manager1.GetHistory says of
 * @object_path (renewals, failures, additions, replaced credentials), newest
 * first; @title names the object. The caller presents it. */
GtkWindow *cmt_history_dialog_new (GtkWindow          *parent,
                                   GDBusObjectManager *manager,
                                   const char         *object_path,
                                   const char         *title);

G_END_DECLS
