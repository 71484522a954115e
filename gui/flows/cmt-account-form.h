/* cmt-account-form.h: the fields of an Atlassian cloud account (email, API token, its expiry) */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_ACCOUNT_FORM (cmt_account_form_get_type ())
G_DECLARE_FINAL_TYPE (CmtAccountForm, cmt_account_form, CMT, ACCOUNT_FORM, AdwPreferencesGroup)

GtkWidget  *cmt_account_form_new            (void);
const char *cmt_account_form_get_email      (CmtAccountForm *self);
void        cmt_account_form_set_email      (CmtAccountForm *self,
                                             const char     *email);
const char *cmt_account_form_get_api_token  (CmtAccountForm *self);
/* The API token's expiry (end of the picked day), or 0 when not given. */
gint64      cmt_account_form_get_expires_at (CmtAccountForm *self);
/* Whether every required field has something in it. */
gboolean    cmt_account_form_is_complete    (CmtAccountForm *self);
/* Marks the field @error is about and shows its message under the fields. */
void        cmt_account_form_show_error     (CmtAccountForm *self,
                                             const GError   *error);
void        cmt_account_form_clear_error    (CmtAccountForm *self);
/* Forgets what was typed (after the service stored it). */
void        cmt_account_form_clear          (CmtAccountForm *self);
/* For replacing the token of a stored account: @email is shown, not edited;
 * NULL makes the email editable again. */
void        cmt_account_form_set_fixed_email (CmtAccountForm *self,
                                              const char     *email);
/* Focuses the first field to fill in. */
void        cmt_account_form_focus          (CmtAccountForm *self);

G_END_DECLS
