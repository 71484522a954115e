/* cmt-add-connection-dialog.h: the pages that add a server, a cloud account and their connection */
#pragma once

#include <adwaita.h>

#include "cmt-dbus.h"

G_BEGIN_DECLS

#define CMT_TYPE_ADD_CONNECTION_DIALOG (cmt_add_connection_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CmtAddConnectionDialog, cmt_add_connection_dialog, CMT, ADD_CONNECTION_DIALOG, AdwWindow)

/*
 * A modal window, transient for @parent, that adds a connection (and the
 * server and cloud account it needs, unless stored ones are picked) through
 * the service's Manager. The caller presents it; it closes itself when done.
 */
GtkWindow *cmt_add_connection_dialog_new (GtkWindow              *parent,
                                          CmtObjectManagerClient *client);

G_END_DECLS
