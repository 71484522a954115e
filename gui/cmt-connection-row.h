/* cmt-connection-row.h: one connection in the overview: its token's state, and what to do about it */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CMT_TYPE_CONNECTION_ROW (cmt_connection_row_get_type ())
G_DECLARE_FINAL_TYPE (CmtConnectionRow, cmt_connection_row, CMT, CONNECTION_ROW, GtkWidget)

GtkWidget   *cmt_connection_row_new            (GDBusObjectManager *manager);

/* The connection shown (a CmtObject with a Connection1 interface), or NULL. */
void         cmt_connection_row_set_object     (CmtConnectionRow   *self,
                                                GDBusObject        *object);
GDBusObject *cmt_connection_row_get_object     (CmtConnectionRow   *self);

/* Reads everything again, e.g. when time has passed or the lifetime changed. */
void         cmt_connection_row_refresh        (CmtConnectionRow   *self);

/* What the row shows, for tests. */
const char  *cmt_connection_row_get_title      (CmtConnectionRow   *self);
const char  *cmt_connection_row_get_product    (CmtConnectionRow   *self);
const char  *cmt_connection_row_get_state      (CmtConnectionRow   *self);
const char  *cmt_connection_row_get_state_style (CmtConnectionRow  *self);
const char  *cmt_connection_row_get_error      (CmtConnectionRow   *self);
double       cmt_connection_row_get_fraction   (CmtConnectionRow   *self);
gboolean     cmt_connection_row_get_auto_renew_shown (CmtConnectionRow *self);
GtkWidget   *cmt_connection_row_get_renew_button (CmtConnectionRow *self);

G_END_DECLS
