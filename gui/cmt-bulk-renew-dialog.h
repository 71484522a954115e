/* cmt-bulk-renew-dialog.h: renews every connection that needs it, with one consent, a line each */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_BULK_RENEW_DIALOG (cmt_bulk_renew_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CmtBulkRenewDialog, cmt_bulk_renew_dialog, CMT, BULK_RENEW_DIALOG, AdwWindow)

/* The connections of @manager that need renewing: every one whose token is
 * not valid beyond its warning time (expiring, expired, never renewed here). */
GPtrArray *cmt_bulk_renew_dialog_pick   (GDBusObjectManager *manager);

/*
 * A modal window, transient for @parent, that lists @connections
 * (GDBusObject), asks once for the consent Atlassian needs, renews them all
 * at once (the service bounds how many run together) and shows each one's
 * outcome as it comes, with a way to fix each failure: the connection's own
 * renewal flow (its "main.renew-connection" action on @parent).
 */
GtkWindow *cmt_bulk_renew_dialog_new    (GtkWindow          *parent,
                                         GDBusObjectManager *manager,
                                         GPtrArray          *connections);

G_END_DECLS
