/* cmt-credential-dialog.h: replaces a cloud account's API token or a server's credential */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_CREDENTIAL_DIALOG (cmt_credential_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CmtCredentialDialog, cmt_credential_dialog, CMT, CREDENTIAL_DIALOG, AdwWindow)

/*
 * A modal window for @object (with a CloudAccount1 or a Server1 interface):
 * asks for the new secret and its optional expiry date, calls ReplaceToken
 * or ReplaceSecret, shows the service's error inline, and closes on success
 * after activating "main.toast" on @parent with what was done.
 */
GtkWindow *cmt_credential_dialog_new (GtkWindow   *parent,
                                      GDBusObject *object);

G_END_DECLS
