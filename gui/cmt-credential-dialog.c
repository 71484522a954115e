/* cmt-credential-dialog.c: replaces a cloud account's API token or a server's credential */
#include <glib/gi18n.h>

#include "cmt-credential-dialog.h"
#include "cmt-date-row.h"
#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-flows.h"
#include "cmt-resources.h"
#include "cmt-url.h"

#define API_TOKENS_PAGE "https://id.atlassian.com/manage-profile/security/api-tokens"

struct _CmtCredentialDialog
{
  AdwWindow        parent_instance;

  CmtCloudAccount *account;   /* one of these two */
  CmtServer       *server;
  char            *title;     /* the email or the server, for messages */
  GCancellable    *cancellable;

  AdwWindowTitle  *window_title;
  GtkStack        *replace_stack;
  GtkWidget       *replace_button;
  GtkSpinner      *spinner;
  AdwPreferencesGroup *group;
  GtkWidget       *token_page_row;
  AdwComboRow     *auth_row;
  GtkWidget       *username_row;
  GtkWidget       *secret_row;
  CmtDateRow      *expiry_row;
  GtkLabel        *error_label;
};

G_DEFINE_FINAL_TYPE (CmtCredentialDialog, cmt_credential_dialog, ADW_TYPE_WINDOW)

static gboolean
basic_auth (CmtCredentialDialog *self)
{
  return self->server != NULL && adw_combo_row_get_selected (self->auth_row) == 1;
}

static void
update (CmtCredentialDialog *self)
{
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (self->secret_row));
  const char *username = gtk_editable_get_text (GTK_EDITABLE (self->username_row));
  gboolean ready = *secret != '\0';

  if (self->server != NULL)
    {
      gboolean basic = basic_auth (self);

      gtk_widget_set_visible (self->username_row, basic);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_row),
                                     basic ? _("Password") : _("Personal access token"));
      if (basic)
        ready = ready && *username != '\0';
    }
  gtk_widget_set_sensitive (self->replace_button, ready);
}

static void
on_changed (CmtCredentialDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  update (self);
}

static void
on_entry_activated (CmtCredentialDialog *self)
{
  if (gtk_widget_get_sensitive (self->replace_button))
    gtk_widget_activate_action (GTK_WIDGET (self), "dialog.replace", NULL);
}

static gint64
chosen_expiry (CmtCredentialDialog *self)
{
  /* The row's day starts at local midnight: better warned a little early than late. */
  GDateTime *day = cmt_date_row_get_date (self->expiry_row);

  return day != NULL ? g_date_time_to_unix (day) : 0;
}

static void
busy (CmtCredentialDialog *self,
      gboolean             is_busy)
{
  gtk_stack_set_visible_child_name (self->replace_stack, is_busy ? "spinner" : "button");
  gtk_spinner_set_spinning (self->spinner, is_busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->group), !is_busy);
}

static void
replace_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CmtCredentialDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  GtkWindow *parent;

  if (CMT_IS_CLOUD_ACCOUNT (source))
    cmt_cloud_account_call_replace_token_finish (CMT_CLOUD_ACCOUNT (source), result, &error);
  else
    cmt_server_call_replace_secret_finish (CMT_SERVER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  busy (self, FALSE);

  if (error != NULL)
    {
      cmt_error_from_dbus (&error);
      gtk_label_set_label (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      gtk_widget_grab_focus (self->secret_row);
      return;
    }

  if (self->account != NULL)
    /* Translators: %s is an email address. */
    message = g_strdup_printf (_("The API token of %s was replaced"), self->title);
  else
    /* Translators: %s is a server, "jira.example.com". */
    message = g_strdup_printf (_("The credential of %s was replaced"), self->title);

  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "main.toast", "s", message);
  gtk_window_close (GTK_WINDOW (self));
}

static void
dialog_replace (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CmtCredentialDialog *self = CMT_CREDENTIAL_DIALOG (widget);
  const char *secret = gtk_editable_get_text (GTK_EDITABLE (self->secret_row));

  if (*secret == '\0')
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  busy (self, TRUE);
  if (self->account != NULL)
    cmt_cloud_account_call_replace_token (self->account, secret, chosen_expiry (self),
                                          self->cancellable, replace_done, g_object_ref (self));
  else
    {
      gboolean basic = basic_auth (self);

      cmt_server_call_replace_secret (self->server, basic ? "basic" : "pat",
                                      basic ? gtk_editable_get_text (GTK_EDITABLE (self->username_row)) : "",
                                      secret, chosen_expiry (self),
                                      self->cancellable, replace_done, g_object_ref (self));
    }
}

static void
dialog_open_token_page (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  gtk_show_uri (GTK_WINDOW (widget), API_TOKENS_PAGE, GDK_CURRENT_TIME);
}

static void
cmt_credential_dialog_dispose (GObject *object)
{
  CmtCredentialDialog *self = CMT_CREDENTIAL_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  g_clear_object (&self->server);
  g_clear_pointer (&self->title, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_CREDENTIAL_DIALOG);

  G_OBJECT_CLASS (cmt_credential_dialog_parent_class)->dispose (object);
}

static void
cmt_credential_dialog_class_init (CmtCredentialDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cmt_credential_dialog_dispose;

  cmt_gui_ensure_resources ();
  g_type_ensure (CMT_TYPE_DATE_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cmatoken/cmt-credential-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, replace_stack);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, replace_button);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, group);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, token_page_row);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, auth_row);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, secret_row);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, CmtCredentialDialog, error_label);

  gtk_widget_class_install_action (widget_class, "dialog.replace", NULL, dialog_replace);
  gtk_widget_class_install_action (widget_class, "dialog.open-token-page", NULL, dialog_open_token_page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cmt_credential_dialog_init (CmtCredentialDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cmt_flows_combo_row_show_whole (self->auth_row);
  self->cancellable = g_cancellable_new ();

  g_signal_connect_swapped (self->secret_row, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->username_row, "changed", G_CALLBACK (on_changed), self);
  g_signal_connect_swapped (self->auth_row, "notify::selected", G_CALLBACK (on_changed), self);
  /* Enter in the secret field replaces, when it can. */
  g_signal_connect_swapped (self->secret_row, "entry-activated",
                            G_CALLBACK (on_entry_activated), self);
}

GtkWindow *
cmt_credential_dialog_new (GtkWindow   *parent,
                           GDBusObject *object)
{
  CmtCredentialDialog *self;
  g_autofree char *description = NULL;

  g_return_val_if_fail (CMT_IS_OBJECT (object), NULL);

  self = g_object_new (CMT_TYPE_CREDENTIAL_DIALOG, "transient-for", parent, NULL);
  self->account = cmt_object_get_cloud_account (CMT_OBJECT (object));
  if (self->account == NULL)
    self->server = cmt_object_get_server (CMT_OBJECT (object));
  g_return_val_if_fail (self->account != NULL || self->server != NULL, GTK_WINDOW (self));

  if (self->account != NULL)
    {
      self->title = g_strdup (cmt_cloud_account_get_email (self->account));
      gtk_window_set_title (GTK_WINDOW (self), _("Replace API Token"));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->secret_row), _("API token"));
      gtk_widget_set_visible (self->token_page_row, TRUE);
      /* The account form's words, in the Add Connection flow. */
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->expiry_row), _("API token expires on"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->expiry_row),
                                   _("Optional: the date chosen when the token was created"));
      /* Translators: %s is an email address. */
      description = g_strdup_printf (_("Create a new API token on Atlassian’s API tokens page while "
                                       "signed in as %s, and paste it here. It is checked before it "
                                       "replaces the stored one."), self->title);
    }
  else
    {
      gboolean basic = g_strcmp0 (cmt_server_get_auth_kind (self->server), "basic") == 0;

      self->title = cmt_url_display (cmt_server_get_base_url (self->server));
      gtk_window_set_title (GTK_WINDOW (self), _("Replace Server Credential"));
      gtk_widget_set_visible (GTK_WIDGET (self->auth_row), TRUE);
      /* The server page's words, in the Add Connection flow. */
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->expiry_row), _("Expires on"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->expiry_row),
                                   _("Optional, if the token or password has an expiry date"));
      adw_combo_row_set_selected (self->auth_row, basic ? 1 : 0);
      gtk_editable_set_text (GTK_EDITABLE (self->username_row),
                             basic ? cmt_server_get_username (self->server) : "");
      /* Translators: %s is a server, "jira.example.com". */
      description = g_strdup_printf (_("The service saves renewed tokens on %s with this "
                                       "credential: a personal access token of an administrator, "
                                       "or an administrator’s username and password. It is checked "
                                       "before it replaces the stored one."), self->title);
    }

  adw_window_title_set_title (self->window_title, gtk_window_get_title (GTK_WINDOW (self)));
  adw_window_title_set_subtitle (self->window_title, self->title);
  cmt_flows_group_set_description (self->group, description);
  update (self);
  gtk_widget_grab_focus (self->secret_row);

  return GTK_WINDOW (self);
}
