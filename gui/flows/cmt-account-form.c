/* cmt-account-form.c: the fields of an Atlassian cloud account (email, API token, its expiry) */
#include <glib/gi18n.h>

#include "cmt-account-form.h"
#include "cmt-date-row.h"
#include "cmt-error.h"
#include "cmt-flows.h"

struct _CmtAccountForm
{
  AdwPreferencesGroup parent_instance;

  AdwEntryRow *email_row;
  AdwEntryRow *token_row;
  CmtDateRow  *expiry_row;
  GtkLabel    *error_label;
  GtkButton   *create_token_button;
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CmtAccountForm, cmt_account_form, ADW_TYPE_PREFERENCES_GROUP)

static void
on_field_changed (CmtAccountForm *self)
{
  cmt_account_form_clear_error (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_create_token_clicked (CmtAccountForm *self)
{
  cmt_flows_open_uri (GTK_WIDGET (self), CMT_FLOWS_API_TOKENS_URL);
}

static void
cmt_account_form_class_init (CmtAccountFormClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  cmt_flows_ensure_resources ();
  g_type_ensure (CMT_TYPE_DATE_ROW);

  /* Emitted when the admin edits a field. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cmatoken/flows/cmt-account-form.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtAccountForm, email_row);
  gtk_widget_class_bind_template_child (widget_class, CmtAccountForm, token_row);
  gtk_widget_class_bind_template_child (widget_class, CmtAccountForm, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, CmtAccountForm, error_label);
  gtk_widget_class_bind_template_child (widget_class, CmtAccountForm, create_token_button);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_create_token_clicked);
}

static void
cmt_account_form_init (CmtAccountForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cmt_flows_name_icon_buttons (GTK_WIDGET (self->token_row));
}

GtkWidget *
cmt_account_form_new (void)
{
  return g_object_new (CMT_TYPE_ACCOUNT_FORM, NULL);
}

const char *
cmt_account_form_get_email (CmtAccountForm *self)
{
  g_return_val_if_fail (CMT_IS_ACCOUNT_FORM (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->email_row));
}

void
cmt_account_form_set_email (CmtAccountForm *self,
                            const char     *email)
{
  g_return_if_fail (CMT_IS_ACCOUNT_FORM (self));
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email != NULL ? email : "");
}

const char *
cmt_account_form_get_api_token (CmtAccountForm *self)
{
  g_return_val_if_fail (CMT_IS_ACCOUNT_FORM (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->token_row));
}

gint64
cmt_account_form_get_expires_at (CmtAccountForm *self)
{
  GDateTime *date;

  g_return_val_if_fail (CMT_IS_ACCOUNT_FORM (self), 0);
  date = cmt_date_row_get_date (self->expiry_row);
  return date != NULL ? cmt_flows_date_end_of_day (date) : 0;
}

gboolean
cmt_account_form_is_complete (CmtAccountForm *self)
{
  g_autofree char *email = NULL;

  g_return_val_if_fail (CMT_IS_ACCOUNT_FORM (self), FALSE);
  email = g_strstrip (g_strdup (cmt_account_form_get_email (self)));
  return strchr (email, '@') != NULL && *cmt_account_form_get_api_token (self) != '\0';
}

void
cmt_account_form_show_error (CmtAccountForm *self,
                             const GError   *error)
{
  GtkWidget *field = NULL;

  g_return_if_fail (CMT_IS_ACCOUNT_FORM (self));
  cmt_account_form_clear_error (self);

  if (g_error_matches (error, CMT_ERROR, CMT_ERROR_CLOUD_AUTH_FAILED))
    field = GTK_WIDGET (self->token_row);
  else if (g_error_matches (error, CMT_ERROR, CMT_ERROR_EXISTS) ||
           g_error_matches (error, CMT_ERROR, CMT_ERROR_INVALID_ARGUMENT))
    field = GTK_WIDGET (self->email_row);

  if (field != NULL)
    {
      gtk_widget_add_css_class (field, "error");
      gtk_widget_grab_focus (field);
    }
  gtk_label_set_text (self->error_label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  /* A screen reader hears the message with the field it is about. */
  if (field != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (field),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error->message, -1);
}

void
cmt_account_form_clear_error (CmtAccountForm *self)
{
  g_return_if_fail (CMT_IS_ACCOUNT_FORM (self));
  gtk_widget_remove_css_class (GTK_WIDGET (self->email_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->token_row), "error");
  gtk_accessible_reset_property (GTK_ACCESSIBLE (self->email_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  gtk_accessible_reset_property (GTK_ACCESSIBLE (self->token_row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

void
cmt_account_form_clear (CmtAccountForm *self)
{
  g_return_if_fail (CMT_IS_ACCOUNT_FORM (self));
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->token_row), "");
  cmt_date_row_set_date (self->expiry_row, NULL);
  cmt_account_form_clear_error (self);
}

void
cmt_account_form_set_fixed_email (CmtAccountForm *self,
                                  const char     *email)
{
  g_return_if_fail (CMT_IS_ACCOUNT_FORM (self));
  if (email != NULL)
    cmt_account_form_set_email (self, email);
  gtk_widget_set_visible (GTK_WIDGET (self->email_row), email == NULL);
}

void
cmt_account_form_focus (CmtAccountForm *self)
{
  g_return_if_fail (CMT_IS_ACCOUNT_FORM (self));
  if (gtk_widget_get_visible (GTK_WIDGET (self->email_row)) &&
      *cmt_account_form_get_email (self) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->token_row));
}
