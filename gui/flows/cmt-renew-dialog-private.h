/* cmt-renew-dialog-private.h: what the widget tests reach inside the renewal flow */
#pragma once

#include "cmt-renew-dialog.h"

G_BEGIN_DECLS

typedef enum {
  CMT_RENEW_STEP_PENDING,
  CMT_RENEW_STEP_ACTIVE,
  CMT_RENEW_STEP_DONE,
} CmtRenewStepState;

/* Like cmt_renew_dialog_new(), on any object manager: the tests pass a
 * GDBusObjectManagerServer holding skeletons, with no bus at all. */
GtkWindow         *cmt_renew_dialog_new_for_manager (GtkWindow          *parent,
                                                     GDBusObjectManager *manager,
                                                     const char         *connection_object_path);
/* The name of the page on show: "how", "site", "account", "change-account",
 * "replace-token", "consent", "progress", "success", "error", "manual". */
const char        *cmt_renew_dialog_get_page        (CmtRenewDialog     *self);
/* Goes to @page as the flow would (filling it in), remembering the way back. */
void               cmt_renew_dialog_show_page       (CmtRenewDialog     *self,
                                                     const char         *page);
/* Shows the result page for a failed renewal (@error in CMT_ERROR or a D-Bus error). */
void               cmt_renew_dialog_show_error      (CmtRenewDialog     *self,
                                                     const GError       *error);
/* The error page's title and explanation as shown. */
const char        *cmt_renew_dialog_get_error_title (CmtRenewDialog     *self);
const char        *cmt_renew_dialog_get_error_text  (CmtRenewDialog     *self);
/* @step: 1 (create the auth token) or 2 (save it on the server). */
CmtRenewStepState  cmt_renew_dialog_get_step_state  (CmtRenewDialog     *self,
                                                     guint               step);
/* The manual flow's steps as shown (Pango markup), in order. */
GStrv              cmt_renew_dialog_dup_manual_steps (CmtRenewDialog    *self);
/* The object path of the account the renewal will use. */
const char        *cmt_renew_dialog_get_account_path (CmtRenewDialog    *self);

G_END_DECLS
