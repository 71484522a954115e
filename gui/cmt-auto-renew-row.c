/* cmt-auto-renew-row.c: a connection's automatic-renewal switch, which asks for consent first */
#include <glib/gi18n.h>

#include "cmt-auto-renew-row.h"
#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-product.h"
#include "cmt-wording.h"

struct _CmtAutoRenewRow
{
  AdwActionRow        parent_instance;

  GDBusObjectManager *manager;
  CmtConnection      *connection;
  GtkSwitch          *toggle;
  GCancellable       *cancellable;
  gboolean            syncing;
};

G_DEFINE_FINAL_TYPE (CmtAutoRenewRow, cmt_auto_renew_row, ADW_TYPE_ACTION_ROW)

static void
sync_switch (CmtAutoRenewRow *self)
{
  gboolean on = cmt_connection_get_auto_renew (self->connection);

  self->syncing = TRUE;
  gtk_switch_set_active (self->toggle, on);
  gtk_switch_set_state (self->toggle, on);
  self->syncing = FALSE;
}

static void
refresh (CmtAutoRenewRow *self)
{
  g_autofree char *title = cmt_wording_connection_title (self->manager, self->connection);
  g_autofree char *name = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self),
                               cmt_assistant_name (cmt_connection_get_product (self->connection)));
  /* Translators: accessible name of a switch; %s is "jira.example.com → acme.atlassian.net". */
  name = g_strdup_printf (_("Renew %s automatically"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->toggle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  sync_switch (self);
}

static void
on_connection_notify (CmtAutoRenewRow *self,
                      GParamSpec      *pspec)
{
  refresh (self);
}

/* @error is the caller's: cmt_error_from_dbus() may replace it. */
static void
show_error (CmtAutoRenewRow  *self,
            GError          **error)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  cmt_error_from_dbus (error);
  if (ADW_IS_PREFERENCES_WINDOW (root))
    {
      AdwToast *toast = adw_toast_new ((*error)->message);
      adw_toast_set_timeout (toast, 10);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), toast);
    }
  else
    g_warning ("%s", (*error)->message);
}

static void
set_auto_renew_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(CmtAutoRenewRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cmt_connection_call_set_auto_renew_finish (CMT_CONNECTION (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      show_error (self, &error);
    }
  sync_switch (self);
}

static void
set_auto_renew (CmtAutoRenewRow *self,
                gboolean         enabled)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (enabled)
    g_variant_builder_add (&options, "{sv}", "allow-migrations-data-access",
                           g_variant_new_boolean (TRUE));
  cmt_connection_call_set_auto_renew (self->connection, enabled, g_variant_builder_end (&options),
                                      self->cancellable, set_auto_renew_done, g_object_ref (self));
}

static void
on_consent_toggled (GtkCheckButton *check,
                    AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "enable", gtk_check_button_get_active (check));
}

static void
unref_data (gpointer  data,
            GClosure *closure)
{
  g_object_unref (data);
}

static void
on_consent_response (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  g_autoptr(CmtAutoRenewRow) self = g_object_ref (user_data);

  /* Answered once: closing the dialog after a response emits "cancel" again. */
  g_signal_handlers_disconnect_by_func (dialog, on_consent_response, user_data);
  if (g_str_equal (response, "enable"))
    set_auto_renew (self, TRUE);
  else
    sync_switch (self);
}

static void
ask_consent (CmtAutoRenewRow *self)
{
  g_autofree char *title = cmt_wording_connection_title (self->manager, self->connection);
  g_autofree char *body = NULL;
  GtkWidget *check;
  AdwMessageDialog *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* Translators: %s is "jira.example.com → acme.atlassian.net". */
  body = g_strdup_printf (_("The service will renew the container token of %s by itself before "
                            "it expires, with the connection’s cloud account. As when you renew "
                            "it in the migration assistant, Atlassian needs your permission to "
                            "access migrations data."), title);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Renew Automatically?"), body));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "enable", _("_Turn On"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "enable", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "enable", FALSE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");

  /* The article's words, so that the consent reads as in the assistant. */
  check = gtk_check_button_new_with_mnemonic (_("_Allow Atlassian to access migrations data"));
  gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Allow Atlassian to access migrations data"), -1);
  g_signal_connect (check, "toggled", G_CALLBACK (on_consent_toggled), dialog);
  adw_message_dialog_set_extra_child (dialog, check);

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_consent_response),
                         g_object_ref (self), unref_data, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
on_state_set (GtkSwitch       *toggle,
              gboolean         state,
              CmtAutoRenewRow *self)
{
  if (self->syncing)
    return FALSE;
  if (state == cmt_connection_get_auto_renew (self->connection))
    return FALSE;

  /* The service's property decides; the switch follows it (sync_switch). */
  if (state)
    ask_consent (self);
  else
    set_auto_renew (self, FALSE);
  return TRUE;
}

static void
cmt_auto_renew_row_dispose (GObject *object)
{
  CmtAutoRenewRow *self = CMT_AUTO_RENEW_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (cmt_auto_renew_row_parent_class)->dispose (object);
}

static void
cmt_auto_renew_row_class_init (CmtAutoRenewRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cmt_auto_renew_row_dispose;
}

static void
cmt_auto_renew_row_init (CmtAutoRenewRow *self)
{
  self->cancellable = g_cancellable_new ();
  self->toggle = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->toggle), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), GTK_WIDGET (self->toggle));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self), GTK_WIDGET (self->toggle));
  g_signal_connect (self->toggle, "state-set", G_CALLBACK (on_state_set), self);
}

GtkWidget *
cmt_auto_renew_row_new (GDBusObjectManager *manager,
                        GDBusObject        *object)
{
  CmtAutoRenewRow *self;

  g_return_val_if_fail (CMT_IS_OBJECT (object), NULL);

  self = g_object_new (CMT_TYPE_AUTO_RENEW_ROW, NULL);
  g_set_object (&self->manager, manager);
  self->connection = cmt_object_get_connection (CMT_OBJECT (object));
  g_return_val_if_fail (self->connection != NULL, GTK_WIDGET (self));

  g_signal_connect_swapped (self->connection, "notify", G_CALLBACK (on_connection_notify), self);
  refresh (self);
  return GTK_WIDGET (self);
}

GtkSwitch *
cmt_auto_renew_row_get_switch (CmtAutoRenewRow *self)
{
  return self->toggle;
}

void
cmt_auto_renew_row_refresh (CmtAutoRenewRow *self)
{
  g_return_if_fail (CMT_IS_AUTO_RENEW_ROW (self));
  if (self->connection != NULL)
    refresh (self);
}
