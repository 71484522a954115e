/* cmt-credential-row.h: a cloud account or a server, with its credential's state and actions */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CMT_TYPE_CREDENTIAL_ROW (cmt_credential_row_get_type ())
G_DECLARE_FINAL_TYPE (CmtCredentialRow, cmt_credential_row, CMT, CREDENTIAL_ROW, GtkWidget)

/* @object carries a CloudAccount1 or a Server1 interface; %NULL for a row a list view binds later. */
GtkWidget   *cmt_credential_row_new        (GDBusObjectManager *manager,
                                            GDBusObject        *object);
void         cmt_credential_row_set_object (CmtCredentialRow   *self,
                                            GDBusObject        *object);
GDBusObject *cmt_credential_row_get_object (CmtCredentialRow   *self);
void         cmt_credential_row_refresh    (CmtCredentialRow   *self);

/* What the row shows, for tests. */
const char  *cmt_credential_row_get_title  (CmtCredentialRow   *self);
const char  *cmt_credential_row_get_state  (CmtCredentialRow   *self);

G_END_DECLS
