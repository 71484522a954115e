/* cmt-application.c: the app: one window, its actions, and the service's object manager */
#include <glib/gi18n.h>

#include "cmt-application.h"
#include "cmt-dbus.h"
#include "cmt-names.h"
#include "cmt-preferences-window.h"
#include "cmt-window.h"


struct _CmtApplication
{
  AdwApplication      parent_instance;

  GDBusObjectManager *manager;
  GError             *manager_error;
  GCancellable       *cancellable;
  gboolean            connecting;
};

G_DEFINE_FINAL_TYPE (CmtApplication, cmt_application, ADW_TYPE_APPLICATION)

static CmtWindow *
get_window (CmtApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));
  CmtWindow *window;

  for (GList *l = windows; l != NULL; l = l->next)
    if (CMT_IS_WINDOW (l->data))
      return l->data;

  window = cmt_window_new (GTK_APPLICATION (self));
  cmt_window_set_object_manager (window, self->manager, self->manager_error);
  return window;
}

static void
manager_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CmtApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *manager;

  manager = cmt_object_manager_client_new_for_bus_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->connecting = FALSE;
  g_clear_object (&self->manager);
  g_clear_error (&self->manager_error);
  self->manager = manager;
  if (error != NULL)
    {
      g_warning ("Could not reach the cmatoken service: %s", error->message);
      self->manager_error = g_steal_pointer (&error);
    }

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (CMT_IS_WINDOW (l->data))
      cmt_window_set_object_manager (l->data, self->manager, self->manager_error);
}

static void
connect_to_service (CmtApplication *self)
{
  if (self->connecting)
    return;
  self->connecting = TRUE;
  /* No DO_NOT_AUTO_START: asking for the objects D-Bus-activates the service. */
  cmt_object_manager_client_new_for_bus (G_BUS_TYPE_SESSION,
                                         G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                         CMT_DAEMON_BUS_NAME, CMT_OBJECT_MANAGER_PATH,
                                         self->cancellable, manager_ready, g_object_ref (self));
}

static void
app_reconnect (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  CmtApplication *self = user_data;

  g_clear_object (&self->manager);
  g_clear_error (&self->manager_error);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (CMT_IS_WINDOW (l->data))
      cmt_window_set_object_manager (l->data, NULL, NULL);
  connect_to_service (self);
}

static void
app_show_connection (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  cmt_window_show_connection (get_window (user_data), g_variant_get_string (parameter, NULL));
}

static void
app_renew_connection (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  cmt_window_renew_connection (get_window (user_data), g_variant_get_string (parameter, NULL));
}

static void
app_preferences (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CmtApplication *self = user_data;
  CmtWindow *window = get_window (self);

  gtk_window_present (GTK_WINDOW (window));
  gtk_window_present (cmt_preferences_window_new (GTK_WINDOW (window), self->manager));
}

static void
app_about (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  CmtApplication *self = user_data;
  static const char *developers[] = { "The cmatoken developers", NULL };
  GtkWindow *window = GTK_WINDOW (get_window (self));

  adw_show_about_window (window,
                         "application-name", _("Cloud Migration Tokens"),
                         "application-icon", CMT_APP_ID,
                         "version", CMT_VERSION,
                         "developer-name", "The cmatoken developers",
                         "developers", developers,
                         "comments", _("Keeps the container tokens of Jira’s and Confluence’s "
                                       "cloud migration assistants (JCMA and CCMA) from expiring."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         /* Translators: your names, one a line, to be credited in the About window. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
app_quit (GSimpleAction *action,
          GVariant      *parameter,
          gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_entries[] = {
  { "show-connection", app_show_connection, "s", NULL, NULL, { 0 } },
  { "renew-connection", app_renew_connection, "s", NULL, NULL, { 0 } },
  { "preferences", app_preferences, NULL, NULL, NULL, { 0 } },
  { "about", app_about, NULL, NULL, NULL, { 0 } },
  { "quit", app_quit, NULL, NULL, NULL, { 0 } },
  { "reconnect", app_reconnect, NULL, NULL, NULL, { 0 } },
};

static void
cmt_application_startup (GApplication *application)
{
  CmtApplication *self = CMT_APPLICATION (application);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.add-connection", { "<Control>n", NULL } },
    { "win.search", { "<Control>f", NULL } },
    { "win.show-page::connections", { "<Alt>1", NULL } },
    { "win.show-page::accounts", { "<Alt>2", NULL } },
    { "win.show-page::servers", { "<Alt>3", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };

  G_APPLICATION_CLASS (cmt_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries, G_N_ELEMENTS (app_entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);

  connect_to_service (self);
}

static void
cmt_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (get_window (CMT_APPLICATION (application))));
}

static void
cmt_application_dispose (GObject *object)
{
  CmtApplication *self = CMT_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  g_clear_error (&self->manager_error);

  G_OBJECT_CLASS (cmt_application_parent_class)->dispose (object);
}

static void
cmt_application_class_init (CmtApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cmt_application_dispose;
  app_class->startup = cmt_application_startup;
  app_class->activate = cmt_application_activate;
}

static void
cmt_application_init (CmtApplication *self)
{
  self->cancellable = g_cancellable_new ();
}

CmtApplication *
cmt_application_new (void)
{
  return g_object_new (CMT_TYPE_APPLICATION,
                       "application-id", CMT_APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/cmatoken",
                       NULL);
}
