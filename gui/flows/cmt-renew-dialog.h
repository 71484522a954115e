/* cmt-renew-dialog.h: the renewal flow of one connection (JCMA for Jira, CCMA for Confluence) */
#pragma once

#include <adwaita.h>

#include "cmt-dbus.h"

G_BEGIN_DECLS

#define CMT_TYPE_RENEW_DIALOG (cmt_renew_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CmtRenewDialog, cmt_renew_dialog, CMT, RENEW_DIALOG, AdwWindow)

/*
 * A modal window, transient for @parent, that walks the admin through
 * renewing the container token of the connection at @connection_object_path
 * (as the Atlassian KB article lays the steps out), or through renewing it by
 * hand in the browser. The caller presents it; it closes itself when done.
 */
GtkWindow *cmt_renew_dialog_new (GtkWindow              *parent,
                                 CmtObjectManagerClient *client,
                                 const char             *connection_object_path);

G_END_DECLS
