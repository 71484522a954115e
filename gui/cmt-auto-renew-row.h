/* cmt-auto-renew-row.h: a connection's automatic-renewal switch, which asks for consent first */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_AUTO_RENEW_ROW (cmt_auto_renew_row_get_type ())
G_DECLARE_FINAL_TYPE (CmtAutoRenewRow, cmt_auto_renew_row, CMT, AUTO_RENEW_ROW, AdwActionRow)

/*
 * A row with a switch for the connection @object's AutoRenew. Turning it on
 * first asks, in a message dialog, for the article's "Allow Atlassian to
 * access migrations data" consent, then calls SetAutoRenew(true,
 * {allow-migrations-data-access: true}); turning it off calls
 * SetAutoRenew(false). The switch follows the service's property.
 */
GtkWidget *cmt_auto_renew_row_new        (GDBusObjectManager *manager,
                                          GDBusObject        *object);
GtkSwitch *cmt_auto_renew_row_get_switch (CmtAutoRenewRow    *self);
/* Reads the connection (and its server's name) again. */
void       cmt_auto_renew_row_refresh    (CmtAutoRenewRow    *self);

G_END_DECLS
