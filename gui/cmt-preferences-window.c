/* cmt-preferences-window.c: the settings, each connection's automatic renewal, and "Forget Everything" */
#include <glib/gi18n.h>

#include "cmt-auto-renew-row.h"
#include "cmt-forget-all.h"
#include "cmt-names.h"
#include "cmt-object-model.h"
#include "cmt-preferences-window.h"
#include "cmt-resources.h"
#include "cmt-wording.h"

struct _CmtPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings           *settings;
  GDBusObjectManager  *manager;

  GtkWidget           *no_settings_group;
  GtkWidget           *tokens_group;
  GtkWidget           *credentials_group;
  GtkWidget           *notifications_group;
  GtkWidget           *lifetime_spin;
  GtkWidget           *warn_spin;
  GtkWidget           *credential_warn_spin;
  GtkWidget           *notifications_switch;
  GtkWidget           *background_group;
  GtkWidget           *background_switch;
  GtkWidget           *auto_renew_spin;
  GtkWidget           *auto_renew_group;
  GtkListBox          *connections_list;
  GtkWidget           *forget_group;
  GtkWidget           *forget_button;
  GtkWidget           *forget_spinner;

  GCancellable        *cancellable;
  gboolean             forgetting;
};

G_DEFINE_FINAL_TYPE (CmtPreferencesWindow, cmt_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static GtkWidget *
create_auto_renew_row (gpointer item,
                       gpointer user_data)
{
  CmtPreferencesWindow *self = user_data;

  return cmt_auto_renew_row_new (self->manager, item);
}

static int
compare_titles (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  CmtPreferencesWindow *self = user_data;
  g_autofree char *ta = cmt_wording_connection_title (self->manager,
                                                      cmt_object_peek_connection (CMT_OBJECT ((gpointer) a)));
  g_autofree char *tb = cmt_wording_connection_title (self->manager,
                                                      cmt_object_peek_connection (CMT_OBJECT ((gpointer) b)));

  return g_utf8_collate (ta, tb);
}

/* "Forget Everything…" is offered while the service stores something. */
static void
update_forget (CmtPreferencesWindow *self)
{
  guint n_connections = 0, n_servers = 0, n_accounts = 0;

  if (self->manager != NULL)
    cmt_forget_all_count (self->manager, &n_connections, &n_servers, &n_accounts);
  gtk_widget_set_sensitive (self->forget_button,
                            !self->forgetting && n_connections + n_servers + n_accounts > 0);
  gtk_widget_set_visible (self->forget_spinner, self->forgetting);
  gtk_spinner_set_spinning (GTK_SPINNER (self->forget_spinner), self->forgetting);
}

static void
add_toast (CmtPreferencesWindow *self,
           const char           *message,
           guint                 timeout)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, timeout);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static void
forget_all_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CmtPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  CmtManager *service;
  guint stray = 0;

  self->forgetting = FALSE;
  if (!cmt_forget_all_finish (G_DBUS_OBJECT_MANAGER (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          add_toast (self, error->message, 0);
          update_forget (self);
        }
      return;
    }
  update_forget (self);

  service = cmt_wording_peek_manager (self->manager);
  if (service != NULL)
    stray = cmt_manager_get_stray_keyring_items (service);
  if (stray > 0)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Everything was forgotten. The keyring still holds %u cmatoken item that no record names; "
                                      "“secret-tool clear xdg:schema io.github.cmatoken.Credential” deletes it.",
                                      "Everything was forgotten. The keyring still holds %u cmatoken items that no record names; "
                                      "“secret-tool clear xdg:schema io.github.cmatoken.Credential” deletes them.",
                                      stray), stray);
      add_toast (self, message, 0);
    }
  else
    add_toast (self, _("Everything was forgotten, and the credentials deleted from the keyring."), 5);
}

static void
on_forget_response (AdwMessageDialog     *dialog,
                    const char           *response,
                    CmtPreferencesWindow *self)
{
  if (g_strcmp0 (response, "forget") != 0 || self->manager == NULL || self->forgetting)
    return;

  self->forgetting = TRUE;
  update_forget (self);
  cmt_forget_all_async (self->manager, self->cancellable, forget_all_done, g_object_ref (self));
}

static void
on_forget_clicked (CmtPreferencesWindow *self)
{
  guint n_connections = 0, n_servers = 0, n_accounts = 0;
  g_autofree char *connections = NULL;
  g_autofree char *servers = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (self->manager == NULL)
    return;
  cmt_forget_all_count (self->manager, &n_connections, &n_servers, &n_accounts);
  connections = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u connection", "%u connections", n_connections), n_connections);
  servers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u server", "%u servers", n_servers), n_servers);
  accounts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u cloud account", "%u cloud accounts", n_accounts), n_accounts);
  /* Translators: %1$s is "2 connections", %2$s "1 server", %3$s "1 cloud account". */
  body = g_strdup_printf (_("%1$s, %2$s and %3$s will be removed, and their credentials deleted from the keyring. "
                            "The migration assistants keep their tokens; this cannot be undone."),
                          connections, servers, accounts);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Forget Everything?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "forget", _("_Forget Everything"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "forget", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_forget_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_object_added (CmtPreferencesWindow *self)
{
  /* A server that arrives after its connections gives them their names. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->connections_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (CMT_IS_AUTO_RENEW_ROW (child))
      cmt_auto_renew_row_refresh (CMT_AUTO_RENEW_ROW (child));
}

static void
bind_settings (CmtPreferencesWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, CMT_APP_ID, TRUE);
  if (schema == NULL)
    {
      /* Without the schema GSettings would abort: say so and offer nothing to change. */
      gtk_widget_set_visible (self->no_settings_group, TRUE);
      gtk_widget_set_sensitive (self->tokens_group, FALSE);
      gtk_widget_set_sensitive (self->credentials_group, FALSE);
      gtk_widget_set_sensitive (self->notifications_group, FALSE);
      gtk_widget_set_sensitive (self->background_group, FALSE);
      gtk_widget_set_sensitive (self->auto_renew_spin, FALSE);
      return;
    }

  self->settings = g_settings_new (CMT_APP_ID);
  g_settings_bind (self->settings, "container-token-lifetime-days",
                   self->lifetime_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "warn-days-before-expiry",
                   self->warn_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "credential-warn-days-before-expiry",
                   self->credential_warn_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notifications-enabled",
                   self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "auto-renew-days-before-expiry",
                   self->auto_renew_spin, "value", G_SETTINGS_BIND_DEFAULT);
  /* An older installed schema may lack it. */
  if (g_settings_schema_has_key (schema, "watch-in-background"))
    g_settings_bind (self->settings, "watch-in-background",
                     self->background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  else
    gtk_widget_set_sensitive (self->background_group, FALSE);
}

static void
cmt_preferences_window_dispose (GObject *object)
{
  CmtPreferencesWindow *self = CMT_PREFERENCES_WINDOW (object);

  if (self->connections_list != NULL)
    gtk_list_box_bind_model (self->connections_list, NULL, NULL, NULL, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->manager);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (cmt_preferences_window_parent_class)->dispose (object);
}

static void
cmt_preferences_window_class_init (CmtPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cmt_preferences_window_dispose;

  cmt_gui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cmatoken/cmt-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, no_settings_group);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, tokens_group);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, credentials_group);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, notifications_group);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, lifetime_spin);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, warn_spin);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, credential_warn_spin);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, background_group);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, auto_renew_spin);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, auto_renew_group);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, connections_list);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, forget_group);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, forget_button);
  gtk_widget_class_bind_template_child (widget_class, CmtPreferencesWindow, forget_spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_forget_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cmt_preferences_window_init (CmtPreferencesWindow *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  placeholder = gtk_label_new (_("No connections yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->connections_list, placeholder);

  bind_settings (self);
}

GtkWindow *
cmt_preferences_window_new (GtkWindow          *parent,
                            GDBusObjectManager *manager)
{
  CmtPreferencesWindow *self;

  self = g_object_new (CMT_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  if (manager != NULL)
    {
      g_autoptr(CmtObjectModel) connections = NULL;
      GtkSorter *sorter;
      GtkSortListModel *sorted;

      self->manager = g_object_ref (manager);
      connections = cmt_object_model_new (manager, CMT_CONNECTION_INTERFACE, NULL);
      sorter = GTK_SORTER (gtk_custom_sorter_new (compare_titles, self, NULL));
      sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_steal_pointer (&connections)), sorter);
      gtk_list_box_bind_model (self->connections_list, G_LIST_MODEL (sorted),
                               create_auto_renew_row, self, NULL);
      g_signal_connect_object (manager, "object-added", G_CALLBACK (on_object_added),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (manager, "object-added", G_CALLBACK (update_forget),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (manager, "object-removed", G_CALLBACK (update_forget),
                               self, G_CONNECT_SWAPPED);
      g_object_unref (sorted);
    }
  else
    gtk_widget_set_sensitive (self->forget_group, FALSE);
  update_forget (self);
  return GTK_WINDOW (self);
}
