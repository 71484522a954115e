/* cmt-preferences-window.c: the settings, and each connection's automatic renewal */
#include <glib/gi18n.h>

#include "cmt-auto-renew-row.h"
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

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cmt_preferences_window_init (CmtPreferencesWindow *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

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
      connections = cmt_object_model_new (manager, "io.github.cmatoken.Connection1", NULL);
      sorter = GTK_SORTER (gtk_custom_sorter_new (compare_titles, self, NULL));
      sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_steal_pointer (&connections)), sorter);
      gtk_list_box_bind_model (self->connections_list, G_LIST_MODEL (sorted),
                               create_auto_renew_row, self, NULL);
      g_signal_connect_object (manager, "object-added", G_CALLBACK (on_object_added),
                               self, G_CONNECT_SWAPPED);
      g_object_unref (sorted);
    }
  return GTK_WINDOW (self);
}
