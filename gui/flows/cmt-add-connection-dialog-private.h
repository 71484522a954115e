/* cmt-add-connection-dialog-private.h: what the widget tests reach inside the add-connection dialog */
#pragma once

#include "cmt-add-connection-dialog.h"

G_BEGIN_DECLS

/* Like cmt_add_connection_dialog_new(), on any object manager (the tests
 * pass a GDBusObjectManagerServer holding skeletons). */
GtkWindow  *cmt_add_connection_dialog_new_for_manager   (GtkWindow              *parent,
                                                         GDBusObjectManager     *manager);
/* "product", "server", "cloud", "renewed" or "done". */
const char *cmt_add_connection_dialog_get_page          (CmtAddConnectionDialog *self);
/* Goes to @page as the flow would (filling it in), remembering the way back. */
void        cmt_add_connection_dialog_show_page         (CmtAddConnectionDialog *self,
                                                         const char             *page);
/* The objects chosen or added so far (NULL until then). */
const char *cmt_add_connection_dialog_get_server_path   (CmtAddConnectionDialog *self);
const char *cmt_add_connection_dialog_get_account_path  (CmtAddConnectionDialog *self);
const char *cmt_add_connection_dialog_get_connection_path (CmtAddConnectionDialog *self);

G_END_DECLS
