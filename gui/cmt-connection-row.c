/* cmt-connection-row.c: one connection in the overview: its token's state, and what to do about it */
#include <glib/gi18n.h>

#include "cmt-connection-row.h"
#include "cmt-dbus.h"
#include "cmt-names.h"
#include "cmt-product.h"
#include "cmt-resources.h"
#include "cmt-tooltip.h"
#include "cmt-url.h"
#include "cmt-wording.h"

/* What the service uses when the Manager is not (yet) known. */

struct _CmtConnectionRow
{
  GtkWidget           parent_instance;

  GDBusObjectManager *manager;
  GDBusObject        *object;
  CmtConnection      *connection;
  const char         *state_style;

  GtkWidget          *card;
  GtkLabel           *product_label;
  GtkLabel           *title_label;
  GtkLabel           *subtitle_label;
  GtkSpinner         *renewing_spinner;
  GtkLabel           *state_label;
  GtkLabel           *renewed_label;
  GtkWidget          *auto_renew_icon;
  GtkLevelBar        *lifetime_bar;
  GtkWidget          *error_box;
  GtkLabel           *error_label;
  GtkWidget          *renew_button;
  GtkWidget          *menu_button;
  GMenuModel         *row_menu;
};

G_DEFINE_FINAL_TYPE (CmtConnectionRow, cmt_connection_row, GTK_TYPE_WIDGET)

static const char * const card_status_classes[] = {
  "cmt-status-valid", "cmt-status-expiring", "cmt-status-expired", "cmt-status-unknown",
};

static void
set_status_class (GtkWidget  *widget,
                  const char *keep,
                  const char * const *classes,
                  guint       n_classes)
{
  for (guint i = 0; i < n_classes; i++)
    if (g_strcmp0 (classes[i], keep) != 0)
      gtk_widget_remove_css_class (widget, classes[i]);
  if (keep != NULL)
    gtk_widget_add_css_class (widget, keep);
}

static const char *
card_class_for (CmtStatus status)
{
  switch (status)
    {
    case CMT_STATUS_VALID:
      return "cmt-status-valid";
    case CMT_STATUS_EXPIRING:
      return "cmt-status-expiring";
    case CMT_STATUS_EXPIRED:
    case CMT_STATUS_INVALID:
      return "cmt-status-expired";
    case CMT_STATUS_UNKNOWN:
    default:
      return "cmt-status-unknown";
    }
}

void
cmt_connection_row_refresh (CmtConnectionRow *self)
{
  static const char * const state_classes[] = { "success", "warning", "error", "dim-label" };
  CmtManager *manager_iface;
  gint64 warn_before = (CMT_DEFAULT_WARN_DAYS * CMT_SECONDS_PER_DAY);
  gint64 lifetime = (CMT_DEFAULT_LIFETIME_DAYS * CMT_SECONDS_PER_DAY);
  gint64 now = cmt_wording_now ();
  g_autofree char *server = NULL;
  g_autofree char *title = NULL;
  g_autofree char *state = NULL;
  g_autofree char *email = NULL;
  g_autofree char *renew_name = NULL;
  g_autofree char *more_name = NULL;
  g_autofree char *bar_name = NULL;
  g_autofree char *blocker = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *label = NULL;
  const char *product;
  const char *last_error;
  CmtStatus status;
  gboolean renewing;
  gint64 expires_at;

  g_return_if_fail (CMT_IS_CONNECTION_ROW (self));

  if (self->connection == NULL)
    return;

  manager_iface = cmt_wording_peek_manager (self->manager);
  if (manager_iface != NULL)
    {
      /* 0 is a valid choice for warnings ("never warn early"), not for the lifetime. */
      warn_before = MAX (cmt_manager_get_warn_before (manager_iface), 0);
      if (cmt_manager_get_container_token_lifetime (manager_iface) > 0)
        lifetime = cmt_manager_get_container_token_lifetime (manager_iface);
    }

  product = cmt_connection_get_product (self->connection);
  status = cmt_status_from_string (cmt_connection_get_status (self->connection));
  renewing = cmt_connection_get_renewing (self->connection);
  expires_at = cmt_connection_get_expires_at (self->connection);
  server = cmt_wording_server_display (self->manager, cmt_connection_get_server (self->connection));
  title = cmt_wording_connection_title (self->manager, self->connection);
  state = cmt_wording_connection_state (self->connection, server, warn_before, now);
  email = cmt_wording_account_email (self->manager, self->connection);

  gtk_label_set_label (self->product_label, cmt_assistant_short_name (product));
  cmt_tooltip_set (GTK_WIDGET (self->product_label), cmt_assistant_name (product));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->product_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, cmt_assistant_name (product),
                                  -1);
  cmt_tooltip_set (GTK_WIDGET (self->title_label), title);

  if (email != NULL && *email != '\0')
    /* Translators: %s is the email of the Atlassian account that renews the token. */
    subtitle = g_strdup_printf (_("Cloud account: %s"), email);
  else
    subtitle = g_strdup (cmt_assistant_name (product));

  label = cmt_wording_connection_label (self->manager, self->connection);
  if (label != NULL)
    {
      /* Translators: what a labelled row shows below its label (the name the
       * admin gave it or its server): "jira.example.com → acme.atlassian.net · Cloud account: ada@acme.test". */
      g_autofree char *below = g_strdup_printf (_("%1$s · %2$s"), title, subtitle);

      gtk_label_set_label (self->title_label, label);
      gtk_label_set_label (self->subtitle_label, below);
    }
  else
    {
      gtk_label_set_label (self->title_label, title);
      gtk_label_set_label (self->subtitle_label, subtitle);
    }

  gtk_label_set_label (self->state_label, state);
  if (cmt_connection_get_renewed_at (self->connection) > 0 && !renewing)
    {
      g_autofree char *date = cmt_expiry_format_date (cmt_connection_get_renewed_at (self->connection));
      /* Translators: beside a token's state ("Valid until 26 December"); %s is a date. */
      g_autofree char *renewed = g_strdup_printf (_("· last renewed %s"), date);

      gtk_label_set_label (self->renewed_label, renewed);
      gtk_widget_set_visible (GTK_WIDGET (self->renewed_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->renewed_label), FALSE);
  self->state_style = renewing ? "dim-label" : cmt_wording_status_css_class (status);
  set_status_class (GTK_WIDGET (self->state_label), self->state_style,
                    state_classes, G_N_ELEMENTS (state_classes));
  set_status_class (self->card, card_class_for (status),
                    card_status_classes, G_N_ELEMENTS (card_status_classes));

  gtk_widget_set_visible (GTK_WIDGET (self->renewing_spinner), renewing);
  gtk_spinner_set_spinning (self->renewing_spinner, renewing);

  gtk_widget_set_visible (self->auto_renew_icon, cmt_connection_get_auto_renew (self->connection));

  gtk_level_bar_set_value (self->lifetime_bar, cmt_expiry_fraction_left (expires_at, lifetime, now));
  gtk_widget_set_visible (GTK_WIDGET (self->lifetime_bar), expires_at > 0);

  /* The connection's own last failure first; else what its credentials
   * say about the next renewal. */
  last_error = cmt_connection_get_last_error (self->connection);
  if (last_error == NULL || *last_error == '\0')
    last_error = blocker = cmt_wording_connection_blocker (self->manager, self->connection);
  gtk_widget_set_visible (self->error_box, last_error != NULL && *last_error != '\0');
  gtk_label_set_label (self->error_label, last_error != NULL ? last_error : "");

  gtk_widget_set_sensitive (self->renew_button, !renewing);
  if (status == CMT_STATUS_EXPIRED || status == CMT_STATUS_EXPIRING)
    gtk_widget_add_css_class (self->renew_button, "suggested-action");
  else
    gtk_widget_remove_css_class (self->renew_button, "suggested-action");

  /* Translators: the accessible name of a connection's Renew button; %s is a server. */
  renew_name = g_strdup_printf (_("Renew %s"), server);
  /* Translators: the accessible name of a connection's menu button; %s is a server. */
  more_name = g_strdup_printf (_("More actions for %s"), server);
  /* Translators: the accessible name of a bar showing a token's remaining life; %s is a server. */
  bar_name = g_strdup_printf (_("Time left on %s"), server);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->renew_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, renew_name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, more_name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->lifetime_bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, bar_name,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, state,
                                  -1);
}

static void
on_connection_notify (GObject    *object,
                      GParamSpec *pspec,
                      gpointer    user_data)
{
  cmt_connection_row_refresh (user_data);
}

static void
forward_to_window (CmtConnectionRow *self,
                   const char       *action)
{
  const char *id;

  if (self->object == NULL)
    return;
  id = cmt_wording_object_id (g_dbus_object_get_object_path (self->object));
  gtk_widget_activate_action (GTK_WIDGET (self), action, "s", id);
}

static void
row_renew (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  forward_to_window (CMT_CONNECTION_ROW (widget), "main.renew-connection");
}

static void
row_renew_in_browser (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  forward_to_window (CMT_CONNECTION_ROW (widget), "main.renew-in-browser");
}

static void
row_mark_renewed (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  forward_to_window (CMT_CONNECTION_ROW (widget), "main.mark-renewed");
}

static void
row_auto_renew (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  forward_to_window (CMT_CONNECTION_ROW (widget), "main.auto-renew");
}

static void
row_history (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  forward_to_window (CMT_CONNECTION_ROW (widget), "main.connection-history");
}

static void
row_label (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  forward_to_window (CMT_CONNECTION_ROW (widget), "main.label-connection");
}

static void
row_remove (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  forward_to_window (CMT_CONNECTION_ROW (widget), "main.remove-connection");
}

static void
cmt_connection_row_dispose (GObject *object)
{
  CmtConnectionRow *self = CMT_CONNECTION_ROW (object);

  cmt_connection_row_set_object (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_CONNECTION_ROW);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (cmt_connection_row_parent_class)->dispose (object);
}

static void
cmt_connection_row_class_init (CmtConnectionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cmt_connection_row_dispose;

  cmt_gui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/cmatoken/cmt-connection-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, card);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, product_label);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, renewed_label);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, renewing_spinner);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, auto_renew_icon);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, lifetime_bar);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, error_box);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, error_label);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, renew_button);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, CmtConnectionRow, row_menu);

  gtk_widget_class_install_action (widget_class, "row.renew", NULL, row_renew);
  gtk_widget_class_install_action (widget_class, "row.renew-in-browser", NULL, row_renew_in_browser);
  gtk_widget_class_install_action (widget_class, "row.mark-renewed", NULL, row_mark_renewed);
  gtk_widget_class_install_action (widget_class, "row.label", NULL, row_label);
  gtk_widget_class_install_action (widget_class, "row.history", NULL, row_history);
  gtk_widget_class_install_action (widget_class, "row.auto-renew", NULL, row_auto_renew);
  gtk_widget_class_install_action (widget_class, "row.remove", NULL, row_remove);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "cmtconnectionrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

/* A menu's popover is a whole widget tree: built when first opened, not for
 * each of the two hundred rows a list view keeps. */
static void
create_row_menu (GtkMenuButton *button,
                 gpointer       user_data)
{
  CmtConnectionRow *self = user_data;

  if (gtk_menu_button_get_menu_model (button) == NULL)
    gtk_menu_button_set_menu_model (button, self->row_menu);
}

static void
cmt_connection_row_init (CmtConnectionRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  cmt_tooltip_set (self->auto_renew_icon, _("Renews automatically"));
  cmt_tooltip_set (self->menu_button, _("More Actions"));
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (self->menu_button),
                                         create_row_menu, self, NULL);
  /* The bar takes the status colour from style.css, not from level offsets. */
  gtk_level_bar_remove_offset_value (self->lifetime_bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->lifetime_bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->lifetime_bar, GTK_LEVEL_BAR_OFFSET_FULL);
}

GtkWidget *
cmt_connection_row_new (GDBusObjectManager *manager)
{
  CmtConnectionRow *self = g_object_new (CMT_TYPE_CONNECTION_ROW, NULL);

  g_set_object (&self->manager, manager);
  return GTK_WIDGET (self);
}

void
cmt_connection_row_set_object (CmtConnectionRow *self,
                               GDBusObject      *object)
{
  g_return_if_fail (CMT_IS_CONNECTION_ROW (self));

  if (self->object == object)
    return;

  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_func (self->connection, on_connection_notify, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->object);

  if (object != NULL && CMT_IS_OBJECT (object))
    {
      self->object = g_object_ref (object);
      self->connection = cmt_object_get_connection (CMT_OBJECT (object));
    }

  if (self->connection != NULL)
    {
      g_signal_connect (self->connection, "notify", G_CALLBACK (on_connection_notify), self);
      cmt_connection_row_refresh (self);
    }
}

GDBusObject *
cmt_connection_row_get_object (CmtConnectionRow *self)
{
  g_return_val_if_fail (CMT_IS_CONNECTION_ROW (self), NULL);
  return self->object;
}

const char *
cmt_connection_row_get_title (CmtConnectionRow *self)
{
  return gtk_label_get_label (self->title_label);
}

const char *
cmt_connection_row_get_product (CmtConnectionRow *self)
{
  return gtk_label_get_label (self->product_label);
}

const char *
cmt_connection_row_get_state (CmtConnectionRow *self)
{
  return gtk_label_get_label (self->state_label);
}

const char *
cmt_connection_row_get_state_style (CmtConnectionRow *self)
{
  return self->state_style;
}

const char *
cmt_connection_row_get_error (CmtConnectionRow *self)
{
  return gtk_widget_get_visible (self->error_box) ? gtk_label_get_label (self->error_label) : NULL;
}

double
cmt_connection_row_get_fraction (CmtConnectionRow *self)
{
  return gtk_level_bar_get_value (self->lifetime_bar);
}

gboolean
cmt_connection_row_get_auto_renew_shown (CmtConnectionRow *self)
{
  return gtk_widget_get_visible (self->auto_renew_icon);
}

GtkWidget *
cmt_connection_row_get_renew_button (CmtConnectionRow *self)
{
  return self->renew_button;
}
